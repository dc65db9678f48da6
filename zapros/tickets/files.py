"""Serving attachments so that a browser never runs them. The portal, the workspace and the
API all answer downloads through :func:`attachment_response` after the access check."""

from django.http import FileResponse

from .models import Attachment

INLINE_TYPES = frozenset({"image/png", "image/gif", "image/jpeg"})


def attachment_response(attachment: Attachment, *, download: bool = False) -> FileResponse:
    """The file as an HTTP response. Only raster images open in the browser (unless
    ``download``); everything else downloads, and nosniff keeps the browser from guessing a
    type. Call it only with an attachment from ``policies.access_attachment``."""
    inline = attachment.content_type in INLINE_TYPES and not download
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=0"
    return response

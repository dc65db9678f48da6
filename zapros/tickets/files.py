"""Serving attachments so that a browser never runs them. The portal, the workspace and the
API all answer downloads through :func:`attachment_response` after the access check."""

from django.core.files.base import ContentFile
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
    return _guarded(response)


def content_response(content: bytes, *, name: str, content_type: str,
                     download: bool = False) -> FileResponse:
    """Bytes that came from outside (a file of a received mail) served the same way. Their
    type is the sender's word: a raster image may open, anything else downloads as opaque
    bytes. Call it only after the access check."""
    inline = content_type in INLINE_TYPES and not download
    response = FileResponse(
        ContentFile(content),
        as_attachment=not inline,
        filename=name,
        content_type=content_type if inline else "application/octet-stream",
    )
    return _guarded(response)


def _guarded(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=0"
    return response

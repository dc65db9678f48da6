"""Checking and storing files that people attach to messages.

Everything is checked before anything is written: an upload that is too big, of a forbidden
kind, or whose content does not match its name refuses the whole message and stores nothing.
A file the server cannot write (a full disk) refuses the message too, and leaves no file
behind, partial or whole: every file stored has its row, whatever step fails.
"""

import hashlib
import logging
import os
import unicodedata
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from zapros.core.errors import ValidationFailed

from .models import Attachment, Message

logger = logging.getLogger(__name__)

SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/pdf": (b"%PDF-",),
}
EXTENSION_TYPES = {
    "png": "image/png",
    "gif": "image/gif",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "log": "text/plain",
    "eml": "message/rfc822",
}
# A saved mail is text to the sniffer; its name says which kind of text.
TEXT_KINDS = frozenset({"text/plain", "message/rfc822"})


class StorageFull(ValidationFailed):
    """The server could not write a file (its disk is full, a quota is reached): nothing was
    kept. Shown next to the files like a refused file; the API answers 507."""

    status = 507


@dataclass(frozen=True)
class PreparedUpload:
    name: str
    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def clean_filename(name: str) -> str:
    """The name to show: no directories, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", os.path.basename(str(name).replace("\\", "/")))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        # Keep a short extension; anything else (no dot, an absurd "extension") is cut.
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 16 else name[:255]
    return name or "file"


def sniff(content: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if content.startswith(signatures):
            return content_type
    head = content[:8192]
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the 8 KiB boundary is still text.
        if error.start < len(head) - 4:
            try:
                head.decode("cp1251")
            except UnicodeDecodeError:
                return None
    return "text/plain"


def prepare_uploads(files) -> list[PreparedUpload]:
    """Read and check uploads (Django ``UploadedFile`` or ``(name, bytes)`` pairs).

    Raises :class:`ValidationFailed` on the ``attachments`` field for the first bad file.
    """
    limit = settings.ZAPROS_ATTACHMENT_MAX_BYTES
    allowed = {ext.lower().lstrip(".") for ext in settings.ZAPROS_ATTACHMENT_EXTENSIONS}
    prepared = []
    for upload in files or ():
        if isinstance(upload, tuple):
            raw_name, content = upload
        else:
            raw_name = upload.name
            if upload.size is not None and upload.size > limit:
                raise _too_big(raw_name, limit)
            content = upload.read(limit + 1)
        name = clean_filename(raw_name)
        if len(content) > limit:
            raise _too_big(name, limit)
        if not content:
            raise ValidationFailed(
                _("“%(name)s” is empty.") % {"name": name}, field="attachments"
            )
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        if extension not in allowed or extension not in EXTENSION_TYPES:
            raise ValidationFailed(
                _("“%(name)s”: files of this type cannot be attached. Allowed: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(sorted(allowed))},
                field="attachments",
            )
        content_type = sniff(content)
        if content_type == "text/plain" and EXTENSION_TYPES[extension] in TEXT_KINDS:
            content_type = EXTENSION_TYPES[extension]
        if content_type != EXTENSION_TYPES[extension]:
            raise ValidationFailed(
                _("“%(name)s” does not contain what its name says.") % {"name": name},
                field="attachments",
            )
        prepared.append(
            PreparedUpload(name, content, content_type, hashlib.sha256(content).hexdigest())
        )
    return prepared


def _too_big(name, limit):
    return ValidationFailed(
        _("“%(name)s” is larger than %(limit)s.")
        % {"name": clean_filename(name), "limit": filesizeformat(limit)},
        field="attachments",
    )


@contextmanager
def files_written():
    """Collects files written inside it and removes them if the block fails, so that a
    transaction that rolls back leaves no orphan file behind. Put it outside the transaction."""
    written: list[Attachment] = []
    try:
        yield written
    except BaseException:
        discard_files(written)
        raise


def store_uploads(
    message: Message, uploads: list[PreparedUpload], written: list[Attachment]
) -> list[Attachment]:
    """Write prepared uploads for ``message``, inside its transaction and a
    :func:`files_written` block whose list is ``written``."""
    stored = []
    for upload in uploads:
        attachment = Attachment(
            message=message,
            ticket_id=message.ticket_id,
            storage_key=uuid.uuid4().hex,
            original_name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            created_at=message.created_at,
        )
        save_file(attachment.file, attachment.storage_key, upload.content, shown_as=upload.name)
        written.append(attachment)
        stored.append(attachment)
    Attachment.objects.bulk_create(stored)
    return stored


def save_file(field_file, name: str, content: bytes, *, shown_as: str) -> None:
    """Write ``content`` into ``field_file`` (not saving its row). A write that fails leaves
    no partial file behind and raises :class:`StorageFull`, naming the file ``shown_as``."""
    storage = field_file.storage
    intended = field_file.field.generate_filename(field_file.instance, name)
    taken = storage.exists(intended)  # then the storage picks another name: never remove it
    try:
        field_file.save(name, ContentFile(content), save=False)
    except OSError as error:
        logger.error("Storing %s (%d bytes) failed: %s", intended, len(content), error)
        if not taken:
            try:
                storage.delete(intended)
            except OSError:
                logger.exception("Removing the partial file %s failed", intended)
        raise StorageFull(
            _("“%(name)s” could not be saved on the server. Try again later, or send the "
              "message without it.") % {"name": shown_as},
            field="attachments",
        ) from error


def discard_files(attachments) -> None:
    for attachment in attachments:
        if attachment.file:
            attachment.file.storage.delete(attachment.file.name)

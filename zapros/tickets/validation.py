"""Checks on what people type, shared by every operation that accepts it."""

from django.utils.translation import gettext as _

from zapros.core.errors import ValidationFailed

SUBJECT_MAX = 200
BODY_MAX = 100_000


def clean_subject(subject: str | None, *, field: str = "subject") -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationFailed(_("Enter a subject."), field=field)
    if len(subject) > SUBJECT_MAX:
        raise ValidationFailed(
            _("The subject is too long (at most %(max)d characters).") % {"max": SUBJECT_MAX},
            field=field,
        )
    return subject


def clean_body(body: str | None, *, field: str = "body", message: str | None = None) -> str:
    """``message`` says what to write when nothing was; it may be lazy (``gettext_lazy``),
    so that the common case, a body, costs no translation."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed(str(message or _("Write a message.")), field=field)
    if len(body) > BODY_MAX:
        raise ValidationFailed(
            _("The message is too long (at most %(max)d characters).") % {"max": BODY_MAX},
            field=field,
        )
    return body

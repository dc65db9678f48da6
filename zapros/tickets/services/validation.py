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


def clean_id(value) -> int | None:
    """A primary key that came from outside (a form, the API, a mail), or None when it cannot
    be one, so that the lookup finds nothing and the caller refuses with its own message
    instead of the database rejecting the query."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    # Keys are positive 64-bit integers; anything else would make the database driver fail.
    return number if 0 < number < 2**63 else None


def clean_choice(value, choices, *, field: str, message: str):
    """``value`` if it is one of ``choices``; ``message`` may be lazy, as for clean_body."""
    for choice in choices:
        if str(value) == str(choice.value):
            return choice.value
    raise ValidationFailed(str(message), field=field)

"""Checks on values that came from outside (a form, the API, a mail), shared by every app."""

from zapros.core.errors import ValidationFailed


def clean_id(value) -> int | None:
    """A primary key that came from outside, or None when it cannot be one, so that the
    lookup finds nothing and the caller refuses with its own message instead of the database
    rejecting the query."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    # Keys are positive 64-bit integers; anything else would make the database driver fail.
    return number if 0 < number < 2**63 else None


def clean_choice(value, choices, *, field: str, message: str):
    """``value`` if it is one of ``choices``; ``message`` may be lazy (``gettext_lazy``), so
    that the common case costs no translation."""
    for choice in choices:
        if str(value) == str(choice.value):
            return choice.value
    raise ValidationFailed(str(message), field=field)

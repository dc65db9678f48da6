"""What people change about their own account."""

from django.conf import settings
from django.utils.translation import gettext as _

from zapros.core.errors import Forbidden, ValidationFailed

from . import roles
from .models import FONT_SIZE_MAX, FONT_SIZE_MIN, FontFamily, User


def update_language(actor: User, language: str) -> User:
    """Anyone signed in chooses the language of their pages and of the mail Zapros sends
    them. Raises Forbidden (not signed in) and ValidationFailed (a language not offered;
    field ``language``), changing nothing."""
    if not roles.is_active(actor):
        raise Forbidden(_("Sign in to keep a language on your account."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Choose one of the languages offered."), field="language")
    User.objects.filter(pk=actor.pk).update(language=language)
    actor.language = language
    return actor


def update_display(actor: User, *, font_family=None, font_size=None) -> User:
    """A staff member chooses the font family and size their ticket page is drawn with.

    Only the values passed are changed; both are checked before anything is saved.
    Raises Forbidden (not active staff) and ValidationFailed (``font_family``, ``font_size``).
    """
    if not roles.is_staff_viewer(actor):
        raise Forbidden(_("Only support staff have display settings."))
    changes = {}
    if font_family is not None:
        if str(font_family) not in FontFamily.values:
            raise ValidationFailed(_("Choose one of the fonts offered."), field="font_family")
        changes["font_family"] = str(font_family)
    if font_size is not None:
        try:
            size = int(str(font_size).strip())
        except ValueError:
            size = None
        if size is None or not FONT_SIZE_MIN <= size <= FONT_SIZE_MAX:
            raise ValidationFailed(
                _("Choose a size from %(min)d to %(max)d pixels.")
                % {"min": FONT_SIZE_MIN, "max": FONT_SIZE_MAX},
                field="font_size",
            )
        changes["font_size"] = size
    if changes:
        User.objects.filter(pk=actor.pk).update(**changes)
        for field, value in changes.items():
            setattr(actor, field, value)
    return actor

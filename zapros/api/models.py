import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zapros.accounts.models import Role
from zapros.core import clock

PREFIX_LENGTH = 8
# Writing the last use on every call would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def revoke(self) -> int:
        """Revoke those of these tokens that still work; returns how many. Revoked tokens
        stay, so that the record of who had access remains."""
        return self.filter(revoked=False).update(revoked=True)


class ApiToken(models.Model):
    """A key an integration signs in with (``Authorization: Bearer <secret>``).

    Only the SHA-256 of the secret is stored: the secret itself is shown once, when the token
    is issued, and cannot be recovered. A token acts as its user, with exactly their rights.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    key_prefix = models.CharField(
        _("key prefix"), max_length=PREFIX_LENGTH,
        help_text=_("The first characters of the key, to recognise it."),
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        """Create a token for ``user``; returns it with its secret, which is never stored."""
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_prefix=secret[:PREFIX_LENGTH],
            key_hash=hash_secret(secret),
        )
        return token, secret

    @classmethod
    def signing_in(cls, secret: str) -> "ApiToken | None":
        """The token whose secret is ``secret``, with its user, if it still works (not revoked,
        its user active); its use is noted. None for any other secret."""
        found = (
            cls.objects.select_related("user")
            .filter(key_hash=hash_secret(secret), revoked=False, user__is_active=True)
            .exclude(user__role=Role.SYSTEM)   # what background work acts as signs in nowhere
            .first()
        )
        if found is not None:
            found.note_use()
        return found

    def note_use(self) -> None:
        """The token was used now: kept to the minute, so that reading is not a write."""
        now = clock.now()
        if self.last_used_at is None or now - self.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zapros.core import clock

PREFIX_LENGTH = 8


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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

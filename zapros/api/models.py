import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from zapros.accounts.models import Role
from zapros.core import clock

PREFIX_LENGTH = 8
# Writing the last use on every call would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# No API request takes this long: an Idempotency-Key claimed this long ago and still not
# answered belongs to a request that died, and may be claimed again.
ANSWER_TIMEOUT = timedelta(minutes=10)


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


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``, replayed when the same
    user sends the key again, so that a retried request writes nothing twice.

    The row is claimed (inserted, with no answer yet) before the endpoint runs: the unique
    (user, key) makes a concurrent duplicate fail to claim it, on every database. Only a
    successful answer is kept; after a refusal or a failure nothing was written and the key
    is free again. Rows older than ``ZAPROS_API_IDEMPOTENCY_HOURS`` are swept.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the address and the body: the same key with another request is
    # refused rather than answered with the first one's result.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)   # null while answering
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="api_idempotency_key_per_user")]

    def __str__(self):
        return f"{self.key} ({self.status or 'answering'})"

    @staticmethod
    def kept_since():
        return clock.now() - timedelta(hours=settings.ZAPROS_API_IDEMPOTENCY_HOURS)

    @classmethod
    def claim(cls, user, key: str, fingerprint: str) -> tuple["IdempotencyKey | None", bool]:
        """``(row, True)`` if this call now holds the key; ``(earlier row, False)`` if it was
        claimed already (None if that claim ended in between)."""
        # A claim still unanswered after ANSWER_TIMEOUT was lost with its worker.
        cls.objects.filter(user=user, key=key).filter(
            models.Q(created_at__lt=cls.kept_since())
            | models.Q(status=None, created_at__lt=clock.now() - ANSWER_TIMEOUT)).delete()
        try:
            with transaction.atomic():
                return cls.objects.create(user=user, key=key, fingerprint=fingerprint), True
        except IntegrityError:
            return cls.objects.filter(user=user, key=key).first(), False

    def keep(self, status: int, content_type: str, body: str) -> None:
        IdempotencyKey.objects.filter(pk=self.pk).update(
            status=status, content_type=content_type, body=body)

    def release(self) -> None:
        IdempotencyKey.objects.filter(pk=self.pk).delete()

    @classmethod
    def sweep(cls) -> int:
        """Forget the keys older than the time they are kept; returns how many."""
        return cls.objects.filter(created_at__lt=cls.kept_since()).delete()[0]

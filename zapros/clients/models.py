from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zapros.core import clock
from zapros.core.hostnames import validate_hostname


class ClientGroup(models.Model):
    """A set of clients support treats alike ("Key accounts", "Resellers"): SLA policies may
    apply to the clients of a group."""

    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client group")
        verbose_name_plural = _("client groups")

    def __str__(self):
        return self.name


class Client(models.Model):
    """A customer of the provider. Shares its primary key with the user it signs in as."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, primary_key=True,
        related_name="client", verbose_name=_("account"),
    )
    company = models.CharField(_("company"), max_length=200, blank=True)
    internal_comment = models.TextField(
        _("internal comment"), blank=True, help_text=_("Only staff see this.")
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True, db_index=True)
    groups = models.ManyToManyField(ClientGroup, blank=True, related_name="clients",
                                    verbose_name=_("groups"))

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self):
        return str(self.user)

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def name(self) -> str:
        return self.user.display_name


class Service(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="services", verbose_name=_("client")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=64, help_text=_("Hosting plan, VPS, domain…"))
    domain = models.CharField(
        _("main domain"), max_length=253, blank=True, validators=[validate_hostname],
        help_text=_("Such as example.com or пример.рф; staff can look it up in whois and DNS "
                    "from the request page."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return f"{self.name} ({self.domain})" if self.domain else self.name


class CommentRevision(models.Model):
    """Every version of a client's internal comment: who wrote it and when (append-only)."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="comment_revisions"
    )
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "-created_at", "-id"],
                                name="client_comment_history")]

    def __str__(self):
        return f"{self.client_id} {self.created_at:%Y-%m-%d %H:%M}"

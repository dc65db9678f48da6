from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zapros.accounts.models import Department
from zapros.core import clock
from zapros.tickets.models import Message, Ticket


class MailGateway(models.Model):
    """A mailbox polled for mail to one address, routed to one department."""

    class Protocol(models.TextChoices):
        IMAP = "imap", "IMAP"
        POP3 = "pop3", "POP3"

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", "STARTTLS"
        NONE = "none", _("None (plain text)")

    class Pop3Mode(models.TextChoices):
        DELETE = "delete", _("Delete after import")
        KEEP = "keep", _("Keep, remember what was imported")

    name = models.CharField(_("name"), max_length=120)
    protocol = models.CharField(
        _("protocol"), max_length=4, choices=Protocol.choices, default=Protocol.IMAP
    )
    host = models.CharField(_("server"), max_length=253)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=8, choices=Security.choices, default=Security.SSL
    )
    login = models.CharField(_("login"), max_length=254)
    # Fernet token (zapros.mail.secrets); the plain password is never stored.
    password_encrypted = models.TextField(blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX",
                              help_text=_("IMAP only."))
    address = models.EmailField(_("address"), help_text=_("The address this gateway serves."))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="mail_gateways",
        verbose_name=_("department"),
    )
    poll_interval = models.PositiveIntegerField(_("poll every (minutes)"), default=3)
    enabled = models.BooleanField(_("enabled"), default=True)
    pop3_mode = models.CharField(
        _("POP3 mode"), max_length=8, choices=Pop3Mode.choices, default=Pop3Mode.KEEP
    )
    created_at = models.DateTimeField(default=clock.now)

    # What the gateway page shows.
    poll_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A running poll holds the gateway until this moment and moves it on as it works (a
    # heartbeat); a poll whose process died lets it lapse, and the next one takes over.
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # "Poll now" was asked for: the next sweep polls the gateway whatever its interval, even
    # when handing the poll to a worker failed.
    poll_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(
        _("last successful poll"), null=True, blank=True, editable=False
    )
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    imported_count = models.PositiveIntegerField(_("imported"), default=0, editable=False)
    incoming_count = models.PositiveIntegerField(_("to Incoming"), default=0, editable=False)
    auto_count = models.PositiveIntegerField(
        _("auto-replies and bounces skipped"), default=0, editable=False
    )
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0, editable=False)
    throttled_count = models.PositiveIntegerField(_("throttled"), default=0, editable=False)
    # What the last poll fetched and left unread because it is not addressed to the gateway
    # (the server's search is wider than the address): how many, and one of them.
    left_unread = models.PositiveIntegerField(_("left unread"), default=0, editable=False)
    left_unread_example = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("mail gateway")
        verbose_name_plural = _("mail gateways")

    def __str__(self):
        return f"{self.name} <{self.address}>"

    def is_due(self, now) -> bool:
        if not self.enabled:
            return False
        if self.last_polled_at is None or self.poll_requested_at is not None:
            return True
        # A few seconds of slack so that a minute-by-minute schedule hits a 3-minute interval.
        return now - self.last_polled_at >= timedelta(minutes=self.poll_interval,
                                                      seconds=-10)


def raw_mail_path(instance, filename):
    return f"mail/{clock.now():%Y/%m}/{instance.storage_key}.eml"


class InboundMail(models.Model):
    """Every mail a gateway received and kept, with the raw .eml and what became of it."""

    class Status(models.TextChoices):
        TICKET = "ticket", _("Opened a request")
        REPLY = "reply", _("Added to a request")
        INCOMING = "incoming", _("Waiting in Incoming")
        ATTACHED = "attached", _("Sorted by staff")
        DISCARDED = "discarded", _("Discarded")
        AUTO_REPLY = "auto_reply", _("Auto-reply, skipped")
        BOUNCE = "bounce", _("Bounce, skipped")
        THROTTLED = "throttled", _("Throttled")
        EMPTY = "empty", _("Empty, skipped")

    class Handling(models.TextChoices):
        ATTACHED = "attached", _("Opened a request for a client")
        REGISTERED = "registered", _("Registered the sender and opened a request")
        APPENDED = "appended", _("Added to a request")
        DISCARDED = "discarded", _("Discarded")
        RESTORED = "restored", _("Restored to Incoming")

    gateway = models.ForeignKey(
        MailGateway, on_delete=models.PROTECT, related_name="mails", verbose_name=_("gateway")
    )
    # "mail:<sha256 of the Message-ID and what the mail says>" (ParsedMail.key): one mail is
    # imported once. Rows kept before have "id:<message-id>" or "sha256:<hash of the raw mail>"
    # (ingest.imported_before reads both).
    key = models.CharField(max_length=255, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received"), default=clock.now)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    storage_key = models.CharField(max_length=64, unique=True)
    raw = models.FileField(upload_to=raw_mail_path, max_length=255)
    size = models.PositiveIntegerField(default=0)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("request"),
    )
    ticket_message = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The Incoming inbox's record of the last decision about the mail: who, when, what they
    # did, and (``ticket``, ``ticket_message``) what the mail became. Mail that found its
    # client by itself has none; the request's own events tell the rest.
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_as = models.CharField(_("sorted as"), max_length=12, choices=Handling.choices,
                                  blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("received mail")
        verbose_name_plural = _("received mail")
        indexes = [
            models.Index(fields=["status", "-received_at", "-id"], name="inbound_status"),
            models.Index(fields=["gateway", "status", "-received_at"], name="inbound_gateway"),
            models.Index(fields=["sender", "received_at"], name="inbound_sender"),
        ]

    def __str__(self):
        return f"{self.sender}: {self.subject}"


class Pop3Seen(models.Model):
    """A POP3 message (by UIDL) the gateway has already handled."""

    gateway = models.ForeignKey(MailGateway, on_delete=models.CASCADE, related_name="+")
    uidl = models.CharField(max_length=70)
    seen_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "uidl"], name="pop3_seen_once"),
        ]

    def __str__(self):
        return self.uidl

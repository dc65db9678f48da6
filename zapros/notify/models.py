"""The outbox: every mail Zapros sends is a row here first, written in the same transaction as
the change it reports, so that a crash between the commit and the send loses nothing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from zapros.core import clock


class OutgoingMail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # Who the mail is for in the layer that wrote it ("ticket:12"); notify never reads it.
    reference = models.CharField(max_length=100, blank=True)
    from_email = models.CharField(max_length=320)
    reply_to = models.CharField(max_length=320, blank=True)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # The Message-ID header, angle brackets included; unique, so one mail is one row.
    message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Stored files: [{"path": storage name, "name": file name, "content_type": ...}].
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Envelope recipients the server accepted, and those it refused (address → [code, reply])
    # and that have not accepted since: a mail refused to some recipients is retried to those
    # alone while the refusal is temporary (4xx), and given up for them when it is not (5xx).
    delivered_to = models.JSONField(default=list, blank=True)
    refused = models.JSONField(default=dict, blank=True)
    next_attempt_at = models.DateTimeField(default=clock.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outgoing_due"),
            models.Index(fields=["reference", "status"], name="outgoing_reference"),
        ]

    def __str__(self):
        return f"{self.message_id} → {', '.join(self.to)}"

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc]

    @property
    def undelivered(self) -> list[str]:
        """The recipients the mail has not reached."""
        return [address for address in self.recipients if address not in self.delivered_to]

    @property
    def pending(self) -> list[str]:
        """The recipients the next attempt goes to: not reached and not refused for good."""
        return [address for address in self.undelivered
                if self.refused.get(address, [0])[0] < 500]

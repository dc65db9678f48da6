"""Queueing, sending and retrying outgoing mail.

A row is queued inside the caller's transaction and handed to the worker after the commit.
Sending first claims the row with one conditional UPDATE, so that two workers (the task and the
periodic sweep, or two consumers) never send the same row twice, and a row already sent is
never sent again. A failure leaves the row queued with its error and a later
``next_attempt_at`` (exponential back-off); after ``ZAPROS_MAIL_MAX_ATTEMPTS`` it is failed and
stays so until someone retries it.
"""

import logging
import smtplib
import uuid
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from zapros.core import clock
from zapros.core.errors import Conflict

from . import transport
from .models import OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status
ERROR_MAX = 1000


def new_message_id(sender: str, *, tag: str = "zapros") -> str:
    """A fresh Message-ID in the sender's domain: ``<zapros.1024.5f0c…@support.example>``."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or str(DNS_NAME)
    return f"<{tag}.{uuid.uuid4().hex}@{domain}>"


def queue(
    *,
    reference: str,
    from_email: str,
    to: list[str],
    subject: str,
    body_text: str,
    body_html: str = "",
    cc: list[str] = (),
    reply_to: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    references: list[str] = (),
    headers: dict | None = None,
    attachments: list[dict] = (),
) -> OutgoingMail:
    """Write one mail to the outbox and send it once the surrounding transaction commits."""
    mail = OutgoingMail.objects.create(
        reference=reference, from_email=from_email, reply_to=reply_to, to=list(to),
        cc=list(cc), subject=" ".join(subject.split()), body_text=body_text,
        body_html=body_html, message_id=message_id or new_message_id(from_email),
        in_reply_to=in_reply_to, references=" ".join(references), headers=headers or {},
        attachments=list(attachments), next_attempt_at=clock.now(), created_at=clock.now(),
    )
    transaction.on_commit(lambda: _enqueue(mail.pk))
    return mail


def _enqueue(pk: int) -> None:
    """Hand the row to a worker. The row is committed whatever happens here: when the queue
    cannot be reached (Redis down), the periodic sweep (:func:`send_due`, every minute) sends
    it, and the change that wrote it must not be reported as failed."""
    from .tasks import send_mail  # the task module imports this one

    try:
        send_mail(pk)
    except Exception:
        logger.exception("Mail %s could not be handed to a worker; the sweep will send it", pk)


def _claimable(now):
    abandoned = now - timedelta(seconds=settings.ZAPROS_MAIL_CLAIM_SECONDS)
    return OutgoingMail.objects.filter(next_attempt_at__lte=now).filter(
        Q(status=Status.QUEUED) | Q(status=Status.SENDING, claimed_at__lt=abandoned)
    )


def send(pk: int) -> bool:
    """Send one row if it is due and nobody else is sending it. True when it has reached
    every recipient."""
    now = clock.now()
    claimed = _claimable(now).filter(pk=pk).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    mail = OutgoingMail.objects.get(pk=pk)
    recipients = mail.pending
    try:
        refused = transport.deliver(mail, recipients)
    except Exception as error:  # every failure is recorded on the row and retried
        _failed(mail, error)
        return False
    if refused or len(recipients) < len(mail.undelivered):  # refused now, or for good before
        _refused(mail, recipients, refused)
        return False
    OutgoingMail.objects.filter(pk=pk, status=Status.SENDING).update(
        status=Status.SENT, sent_at=clock.now(), last_error="", claimed_at=None,
        delivered_to=[*mail.delivered_to, *recipients], refused={},
    )
    return True


def send_due(limit: int = 200) -> int:
    """Send the rows whose time has come (new ones a worker missed, and retries)."""
    due = list(
        _claimable(clock.now()).order_by("next_attempt_at", "id").values_list("pk", flat=True)[
            :limit
        ]
    )
    return sum(send(pk) for pk in due)


def _failed(mail: OutgoingMail, error: Exception, **changes) -> None:
    text = describe_error(error)[:ERROR_MAX]
    _give_up_or_wait(mail, text, final=is_permanent(error), **changes)


def _refused(mail: OutgoingMail, recipients: list[str], refused: dict) -> None:
    """The server refused some of ``recipients`` (perhaps all): the others have the mail; a
    temporary refusal is tried again later, a permanent one is given up for that address."""
    mail.delivered_to = [*mail.delivered_to, *(r for r in recipients if r not in refused)]
    mail.refused = {
        **{address: reason for address, reason in mail.refused.items()
           if address not in mail.delivered_to},
        **{address: [code, text] for address, (code, text) in refused.items()},
    }
    text = "; ".join(f"{address}: {code} {reply}"
                     for address, (code, reply) in mail.refused.items())[:ERROR_MAX]
    _give_up_or_wait(mail, text, final=not mail.pending, delivered_to=mail.delivered_to,
                     refused=mail.refused)


def _give_up_or_wait(mail: OutgoingMail, text: str, *, final: bool, **changes) -> None:
    final = final or mail.attempts >= settings.ZAPROS_MAIL_MAX_ATTEMPTS
    delay = min(
        settings.ZAPROS_MAIL_RETRY_SECONDS * 2 ** max(mail.attempts - 1, 0),
        settings.ZAPROS_MAIL_RETRY_MAX_SECONDS,
    )
    logger.warning("Mail %s attempt %s failed: %s", mail.message_id, mail.attempts, text)
    OutgoingMail.objects.filter(pk=mail.pk, status=Status.SENDING).update(
        status=Status.FAILED if final else Status.QUEUED,
        last_error=text,
        claimed_at=None,
        next_attempt_at=clock.now() + timedelta(seconds=delay),
        **changes,
    )


def is_permanent(error: Exception) -> bool:
    """The server said no for good (5xx to every recipient or to the data): retrying will not
    help. Connection trouble, timeouts and 4xx are worth another try."""
    if isinstance(error, (smtplib.SMTPDataError, smtplib.SMTPSenderRefused)):
        return error.smtp_code >= 500
    return False


def describe_error(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return str(error) or type(error).__name__


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def retry(mail: OutgoingMail) -> OutgoingMail:
    """Queue a failed mail again with a fresh set of attempts, sent after the commit to the
    recipients it has not reached (a refusal for good is tried again too). Call it inside a
    transaction with the row locked (``select_for_update``)."""
    if mail.status != Status.FAILED:
        raise Conflict(_("Only a mail that failed can be sent again."))
    now = clock.now()
    mail.status = Status.QUEUED
    mail.attempts = 0
    mail.next_attempt_at = now
    mail.refused = {}
    mail.save(update_fields=["status", "attempts", "next_attempt_at", "refused"])
    transaction.on_commit(lambda: _enqueue(mail.pk))
    return mail

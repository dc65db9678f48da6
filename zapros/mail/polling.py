"""Polling gateways: fetch unread mail, import each one, and only then mark it as handled.

Mail is fetched in batches (one IMAP round trip for up to ``ZAPROS_MAIL_FETCH_MAILS`` mails
and ``ZAPROS_MAIL_FETCH_BYTES`` bytes); each mail is imported in its own transaction, and the
batch is marked after all its imports committed. A crash or a dropped connection between the imports
and the mark leaves the mail unread on the server; the next poll fetches it again and the
unique key turns it into a counted duplicate, which is then marked. One gateway's failure is
recorded on it and never stops the others.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from zapros.core import clock

from . import fetching, ingest, secrets
from .models import MailGateway, Pop3Seen

log = logging.getLogger(__name__)

# A poll that has not finished after this long is taken to have died with its process.
LEASE = timedelta(minutes=15)


@dataclass
class PollResult:
    gateway_id: int
    outcomes: dict = field(default_factory=dict)
    error: str = ""

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def account(gateway: MailGateway) -> fetching.Account:
    return fetching.Account(
        protocol=gateway.protocol, host=gateway.host, port=gateway.port,
        security=gateway.security, login=gateway.login,
        password=secrets.decrypt(gateway.password_encrypted), folder=gateway.folder,
        delete=gateway.pop3_mode == MailGateway.Pop3Mode.DELETE, address=gateway.address,
    )


def poll_due() -> list[PollResult]:
    """Poll every enabled gateway whose interval has passed."""
    now = clock.now()
    results = []
    for gateway in MailGateway.objects.filter(enabled=True).order_by("id"):
        if gateway.is_due(now):
            result = poll(gateway.pk)
            if result is not None:
                results.append(result)
    return results


def poll(gateway_id: int) -> PollResult | None:
    """Poll one gateway now. None when another poll of it is still running."""
    now = clock.now()
    claimed = MailGateway.objects.filter(pk=gateway_id).filter(
        Q(poll_started_at__isnull=True) | Q(poll_started_at__lt=now - LEASE)
    ).update(poll_started_at=now)
    if not claimed:
        return None
    gateway = MailGateway.objects.select_related("department").get(pk=gateway_id)
    result = PollResult(gateway_id)
    try:
        _poll(gateway, result)
    except Exception as error:
        if not isinstance(error, fetching.MailboxError):
            log.exception("Polling mail gateway %s failed", gateway_id)
        result.error = _describe(error)
    finished = clock.now()
    changes = {"poll_started_at": None, "last_polled_at": finished}
    if result.error:
        changes.update(last_error=result.error, last_error_at=finished)
    else:
        changes.update(last_success_at=finished, last_error="")
    MailGateway.objects.filter(pk=gateway_id).update(**changes)
    return result


def _describe(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or error.__class__.__name__
    return str(message)[:2000]


def _poll(gateway: MailGateway, result: PollResult) -> None:
    box = fetching.open_mailbox(account(gateway), timeout=settings.ZAPROS_MAIL_TIMEOUT)
    try:
        pop3 = gateway.protocol == MailGateway.Protocol.POP3
        known = (
            frozenset(Pop3Seen.objects.filter(gateway=gateway).values_list("uidl", flat=True))
            if pop3 else frozenset()
        )
        keys = box.unseen(known)[: settings.ZAPROS_MAIL_BATCH]
        memo = ingest.Memo()
        for batch in batches(keys, box.sizes(keys)):
            raws = box.fetch_many(batch)
            missing = [key for key in batch if key not in raws]
            handled = []
            for key in batch:
                if key in missing:
                    continue
                try:
                    outcome = ingest.receive(gateway, raws.pop(key), memo=memo)
                except Exception as error:
                    log.exception("Importing a mail through gateway %s failed", gateway.pk)
                    result.error = _describe(error)
                    continue
                result.add(outcome)
                if pop3:
                    Pop3Seen.objects.get_or_create(gateway=gateway, uidl=key[:70])
                if outcome != ingest.NOT_OURS:
                    handled.append(key)
            # Every import of the batch has committed: now its mail may be marked.
            box.done_many(handled)
            if missing:
                raise fetching.MailboxError(
                    f"the server sent no mail for UID {', '.join(missing[:10])}")
        box.finish()
    finally:
        box.close()


def batches(keys: list[str], sizes: dict[str, int]) -> list[list[str]]:
    """``keys`` in fetch batches: up to ZAPROS_MAIL_FETCH_MAILS mails and
    ZAPROS_MAIL_FETCH_BYTES bytes each; a mail of unknown size (POP3) or larger than that is
    fetched alone."""
    most, limit = settings.ZAPROS_MAIL_FETCH_MAILS, settings.ZAPROS_MAIL_FETCH_BYTES
    result, current, total = [], [], 0
    for key in keys:
        size = sizes.get(key)
        alone = size is None or size > limit
        if current and (alone or len(current) >= most or total + size > limit):
            result.append(current)
            current, total = [], 0
        current.append(key)
        total += size or 0
        if alone:
            result.append(current)
            current, total = [], 0
    if current:
        result.append(current)
    return result

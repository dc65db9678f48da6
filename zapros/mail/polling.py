"""Polling gateways: fetch unread mail, import each one, and only then mark it as handled.

Mail is fetched in batches (one IMAP round trip for up to ``ZAPROS_MAIL_FETCH_MAILS`` mails
and ``ZAPROS_MAIL_FETCH_BYTES`` bytes); each mail is imported in its own transaction, and the
batch is marked after all its imports committed. A crash or a dropped connection between the imports
and the mark leaves the mail unread on the server; the next poll fetches it again and the
unique key turns it into a counted duplicate, which is then marked. One gateway's failure is
recorded on it and never stops the others.

A poll holds its gateway with a short lease (``ZAPROS_MAIL_POLL_LEASE_SECONDS``) that it renews
at every step; a poll whose worker was killed lets the lease lapse and the next poll, a minute
later, takes over. Each step is bounded by the mailbox timeout, which the lease outlasts.
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



def lease_length() -> timedelta:
    return timedelta(seconds=settings.ZAPROS_MAIL_POLL_LEASE_SECONDS)


class LeaseLost(Exception):
    """Another poll took the gateway over: this one stalled past its lease."""


class Lease:
    """One poll's hold on its gateway, identified by the moment the poll started."""

    def __init__(self, gateway_id: int, started):
        self.gateway_id, self.started, self.renewed = gateway_id, started, started

    @classmethod
    def take(cls, gateway_id: int) -> "Lease | None":
        now = clock.now()
        claimed = MailGateway.objects.filter(pk=gateway_id).filter(
            Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now)
        ).update(poll_started_at=now, poll_lease_until=now + lease_length(),
                 poll_requested_at=None)
        return cls(gateway_id, now) if claimed else None

    def mine(self):
        return MailGateway.objects.filter(pk=self.gateway_id, poll_started_at=self.started)

    def renew(self) -> None:
        """The heartbeat: move the lease on (at most a few times per lease)."""
        now = clock.now()
        if now - self.renewed < lease_length() / 4:
            return
        if not self.mine().update(poll_lease_until=now + lease_length()):
            raise LeaseLost
        self.renewed = now


def request(gateway_id: int) -> None:
    """Poll the gateway as soon as possible, whatever its interval. The request is written
    on the gateway first, so that when the queue cannot be reached (Redis down) the minute's
    sweep (:func:`poll_due`) still polls it; the failed hand-off is only logged."""
    from .tasks import poll_gateway  # the task module imports this one

    MailGateway.objects.filter(pk=gateway_id).update(poll_requested_at=clock.now())
    try:
        poll_gateway(gateway_id)
    except Exception:
        log.exception("A poll of mail gateway %s could not be handed to a worker; "
                      "the sweep will poll it", gateway_id)


@dataclass
class PollResult:
    gateway_id: int
    outcomes: dict = field(default_factory=dict)
    error: str = ""
    left_unread_example: str = ""   # a mail fetched and not ours: who, what, to whom

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
    lease = Lease.take(gateway_id)
    if lease is None:
        return None
    gateway = MailGateway.objects.select_related("department").get(pk=gateway_id)
    result = PollResult(gateway_id)
    try:
        _poll(gateway, result, lease)
    except LeaseLost:
        log.warning("Polling mail gateway %s stalled past its lease; another poll took over",
                    gateway_id)
        return result
    except Exception as error:
        if not isinstance(error, fetching.MailboxError):
            log.exception("Polling mail gateway %s failed", gateway_id)
        result.error = _describe(error)
    finished = clock.now()
    changes = {"poll_started_at": None, "poll_lease_until": None, "last_polled_at": finished,
               "left_unread": result.outcomes.get(ingest.NOT_OURS, 0),
               "left_unread_example": result.left_unread_example[:500]}
    if result.error:
        changes.update(last_error=result.error, last_error_at=finished)
    else:
        changes.update(last_success_at=finished, last_error="")
    lease.mine().update(**changes)
    return result


def _describe(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or error.__class__.__name__
    return str(message)[:2000]


def _poll(gateway: MailGateway, result: PollResult, lease: Lease) -> None:
    box = fetching.open_mailbox(account(gateway), timeout=settings.ZAPROS_MAIL_TIMEOUT)
    try:
        lease.renew()
        pop3 = gateway.protocol == MailGateway.Protocol.POP3
        known = (
            frozenset(Pop3Seen.objects.filter(gateway=gateway).values_list("uidl", flat=True))
            if pop3 else frozenset()
        )
        keys = box.unseen(known)[: settings.ZAPROS_MAIL_BATCH]
        memo = ingest.Memo()
        for batch in batches(keys, box.sizes(keys)):
            lease.renew()
            raws = box.fetch_many(batch)
            lease.renew()
            missing = [key for key in batch if key not in raws]
            handled = []
            for key in batch:
                if key in missing:
                    continue
                lease.renew()
                raw = raws.pop(key)
                try:
                    outcome = ingest.receive(gateway, raw, memo=memo)
                except Exception as error:
                    log.exception("Importing a mail through gateway %s failed", gateway.pk)
                    result.error = _describe(error)
                    continue
                result.add(outcome)
                if pop3:
                    Pop3Seen.objects.get_or_create(gateway=gateway, uidl=key[:70])
                if outcome != ingest.NOT_OURS:
                    handled.append(key)
                elif not result.left_unread_example:
                    result.left_unread_example = ingest.described(raw)
            # Every import of the batch has committed: now its mail may be marked.
            lease.renew()
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

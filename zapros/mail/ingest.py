"""One received mail in, one decision out: a new request, a reply, the Incoming inbox, or a
logged skip. Each mail is kept once (``InboundMail.key`` is unique), with its raw .eml: a
second delivery of a mail is a duplicate, another mail that reuses its Message-ID is not.

The sender is the From address (never Reply-To, which anyone can set). A reply is recognised
by the request's tag in the subject (``[#1024]``) or by In-Reply-To/References naming a mail
of the request, and only when the request is the sender's own.
"""

import hashlib
import logging
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from zapros.accounts.models import Role
from zapros.clients.models import Client
from zapros.core import clock
from zapros.core.errors import DomainError, ValidationFailed
from zapros.tickets import services
from zapros.tickets.attachments import prepare_uploads, save_file
from zapros.tickets.models import Message, Ticket

from . import parsing
from .models import InboundMail, MailGateway

log = logging.getLogger(__name__)

Status = InboundMail.Status

# What the poller does with a mail after :func:`receive`: every outcome but NOT_OURS marks it.
NOT_OURS = "not_ours"
DUPLICATE = "duplicate"

TAG_RE = re.compile(r"\[#(\d{1,18})\]")

COUNTERS = {
    Status.TICKET: "imported_count",
    Status.REPLY: "imported_count",
    Status.INCOMING: "incoming_count",
    Status.AUTO_REPLY: "auto_count",
    Status.BOUNCE: "auto_count",
    Status.THROTTLED: "throttled_count",
}


class Memo:
    """What one poll would otherwise look up for every mail: the client behind each sender
    address, and how many mails each sender sent within the flood window. It lives for one
    poll (seconds), so a client registered or a mail ageing out of the window meanwhile is
    noticed by the next poll."""

    def __init__(self):
        self.clients: dict[str, Client | None] = {}
        self.recent: dict[str, int] = {}


def receive(gateway: MailGateway, raw: bytes, *, memo: Memo | None = None) -> str:
    """Import one raw mail through ``gateway``; returns the status it got, DUPLICATE when it
    was imported before, or NOT_OURS when it is not addressed to the gateway (nothing kept).

    The mail row, its raw file and whatever it becomes (ticket, message) commit together; a
    second import of the same mail, even a concurrent one, stops at the unique key. A poll
    passes one ``memo`` for all its mails.
    """
    memo = memo or Memo()
    mail = read(raw)
    if not mail.is_addressed_to(gateway.address):
        return NOT_OURS
    if imported_before(mail, raw):
        _count(gateway, "duplicate_count")
        return DUPLICATE
    storage_key = uuid.uuid4().hex
    record = InboundMail(
        gateway=gateway, key=mail.key, message_id=mail.message_id[:255],
        sender=mail.from_address[:254], sender_name=mail.from_name[:200],
        subject=mail.subject[:255], received_at=clock.now(), storage_key=storage_key,
        size=len(raw),
    )
    save_file(record.raw, storage_key, raw, shown_as=f"{storage_key}.eml")
    try:
        with transaction.atomic():
            record.status, record.reason = Status.INCOMING, ""
            _route(gateway, record, mail, memo)
            # Written last, in the same transaction: a concurrent import of the same mail
            # fails here on the unique key and everything it did rolls back with it.
            record.save()
            counter = COUNTERS.get(record.status)
            if counter:
                _count(gateway, counter)
    except IntegrityError:
        record.raw.storage.delete(record.raw.name)
        if imported_before(mail, raw):
            _count(gateway, "duplicate_count")
            return DUPLICATE
        raise
    except BaseException:
        record.raw.storage.delete(record.raw.name)
        raise
    if record.sender in memo.recent:
        memo.recent[record.sender] += 1
    return record.status


def imported_before(mail: parsing.ParsedMail, raw: bytes) -> bool:
    """Whether this mail is kept already: by its key (its Message-ID with what it says).

    Mails kept before the key held the content have the key ``sha256:<hash of the raw
    bytes>``, or ``id:<Message-ID>``; such a row is this mail when its bytes are these, or when
    the stored mail says the same."""
    legacy_raw = f"sha256:{hashlib.sha256(raw).hexdigest()}"
    legacy_id = f"id:{mail.message_id}"[:255] if mail.message_id else ""
    keys = [key for key in (mail.key, legacy_raw, legacy_id) if key]
    rows = InboundMail.objects.filter(key__in=keys).only("key", "raw")
    for row in rows:
        if row.key != legacy_id:
            return True
        try:
            with row.raw.open("rb") as file:
                stored = file.read()
        except OSError:
            return True  # nothing to compare with: the Message-ID decides, as it did
        if read(stored).content_hash == mail.content_hash:
            return True
    return False


def _count(gateway: MailGateway, counter: str) -> None:
    MailGateway.objects.filter(pk=gateway.pk).update(**{counter: F(counter) + 1})


def _route(gateway: MailGateway, record: InboundMail, mail: parsing.ParsedMail,
           memo: Memo) -> None:
    if mail.auto:
        record.status = Status.BOUNCE if mail.auto == parsing.BOUNCE else Status.AUTO_REPLY
        record.reason = mail.auto_reason[:255]
        return
    if mail.is_empty:
        record.status = Status.EMPTY
        return
    if _floods(record.sender, memo):
        record.status = Status.THROTTLED
        record.reason = _("More than %(limit)d mails in %(minutes)d minutes.") % {
            "limit": settings.ZAPROS_MAIL_FLOOD_LIMIT,
            "minutes": settings.ZAPROS_MAIL_FLOOD_WINDOW,
        }
        return
    if record.sender not in memo.clients:
        memo.clients[record.sender] = find_client(record.sender)
    client = memo.clients[record.sender]
    if client is None:
        record.status = Status.INCOMING
        return
    try:
        with transaction.atomic():
            ticket = find_thread(client, mail)
            if ticket is not None:
                message = file_reply(client.user, ticket.number, mail)
                record.status, record.ticket, record.ticket_message = Status.REPLY, ticket, message
            else:
                ticket = file_ticket(client.user, client, gateway, mail)
                record.status, record.ticket = Status.TICKET, ticket
                record.ticket_message_id = (
                    ticket.messages.order_by("id").values_list("id", flat=True).first())
    except DomainError as error:
        # The client cannot write here (an inactive account, say): a person decides.
        record.status, record.reason = Status.INCOMING, str(error.message)[:255]


def _floods(sender: str, memo: Memo) -> bool:
    """Whether ``sender`` already sent the flood limit within the window. Counted once per
    poll; :func:`receive` adds each mail of the sender it keeps afterwards."""
    if not sender:
        return False
    if sender not in memo.recent:
        since = clock.now() - timedelta(minutes=settings.ZAPROS_MAIL_FLOOD_WINDOW)
        memo.recent[sender] = InboundMail.objects.filter(
            sender=sender, received_at__gte=since).count()
    return memo.recent[sender] >= settings.ZAPROS_MAIL_FLOOD_LIMIT


def find_client(address: str) -> Client | None:
    if not address:
        return None
    return (
        Client.objects.select_related("user")
        .filter(user__email__iexact=address, user__role=Role.CLIENT, user__is_active=True)
        .first()
    )


def find_thread(client: Client, mail: parsing.ParsedMail) -> Ticket | None:
    """The client's request this mail answers: by the tag in the subject, then by the mails
    it names in In-Reply-To/References (stored with or without angle brackets)."""
    for match in TAG_RE.finditer(mail.subject):
        ticket = Ticket.objects.filter(number=int(match.group(1)), client=client).first()
        if ticket is not None:
            return ticket
    ids = mail.thread_ids[:50]
    if not ids:
        return None
    forms = ids + [mid.strip("<>") for mid in ids]
    message = (
        Message.objects.filter(email_message_id__in=forms, ticket__client=client)
        .select_related("ticket").order_by("-id").first()
    )
    return message.ticket if message else None


def file_ticket(actor, client: Client, gateway: MailGateway, mail: parsing.ParsedMail,
                received_at=None) -> Ticket:
    """Open the request a mail asks for; ``received_at``: when it arrived, for a mail that
    waited in the Incoming inbox (the SLA counts from then)."""
    files, notes = usable_files(mail.parts)
    return services.open_ticket_from_email(
        actor, client_id=client.pk, department_id=gateway.department_id, subject=mail.subject,
        body=mail.text, files=files, email_message_id=mail.message_id, notes=notes,
        html=mail.html, asked_at=received_at,
    )


def file_reply(actor, number: int, mail: parsing.ParsedMail) -> Message:
    files, notes = usable_files(mail.parts)
    return services.client_reply(
        actor, number, body=mail.text, files=files, channel=Message.Channel.EMAIL,
        email_message_id=mail.message_id, notes=notes, html=mail.html,
    )


def usable_files(parts: list[parsing.Part]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The files that pass the portal's rules (size, kind) and fit the mail's limit, and a
    note for each one left out. Notes are written in the site's language."""
    part_limit = settings.ZAPROS_ATTACHMENT_MAX_BYTES
    mail_limit = settings.ZAPROS_MAIL_MAX_BYTES
    files, notes, total = [], [], 0
    with translation.override(settings.LANGUAGE_CODE):
        for part in parts:
            name = part.name
            if part.size > part_limit:
                notes.append(_("“%(name)s” (%(size)s) was not imported: larger than %(limit)s.")
                             % {"name": name, "size": filesizeformat(part.size),
                                "limit": filesizeformat(part_limit)})
                continue
            if total + part.size > mail_limit:
                notes.append(_("“%(name)s” (%(size)s) was not imported: the mail's files "
                               "exceed %(limit)s.")
                             % {"name": name, "size": filesizeformat(part.size),
                                "limit": filesizeformat(mail_limit)})
                continue
            try:
                prepare_uploads([(name, part.content)])
            except ValidationFailed as error:
                notes.append(_("A file was not imported: %(reason)s")
                             % {"reason": error.message})
                continue
            files.append((name, part.content))
            total += part.size
    return files, notes


def read(raw: bytes) -> parsing.ParsedMail:
    """A stored or fetched mail, its undeclared text read favouring the site's languages."""
    return parsing.parse(raw, languages=[code for code, _name in settings.LANGUAGES])


def described(raw: bytes) -> str:
    """One line about a mail, for the gateway's page: who sent it, its subject, whom it is to."""
    mail = read(raw)
    to = ", ".join([*mail.to, *mail.cc][:5]) or "?"
    return f"{mail.from_address or '?'} · {mail.subject or '—'} → {to}"

"""The Incoming inbox: mail from unknown senders, waiting for a person to sort it.

Staff of the gateway's department, supervisors and administrators see it; everyone else gets
NotFound, as for a mail that does not exist. Each action is one transaction and refuses with
nothing changed: attach to a client (a new request), create the client from the mail, append
to a request the agent sees, discard (kept, restorable) and restore.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zapros.accounts import roles
from zapros.accounts.models import Role, User
from zapros.clients.models import Client
from zapros.core import clock
from zapros.core.errors import Conflict, NotFound, ValidationFailed
from zapros.core.validation import clean_id
from zapros.tickets import policies

from . import ingest, parsing
from .models import InboundMail

Status = InboundMail.Status
SORTABLE = (Status.INCOMING, Status.ATTACHED, Status.DISCARDED)


def visible_incoming(user: User) -> QuerySet[InboundMail]:
    """Mail that went to Incoming (waiting, sorted or discarded) that ``user`` may see."""
    mails = InboundMail.objects.filter(status__in=SORTABLE)
    if not roles.is_staff_viewer(user):
        return mails.none()
    if user.is_overseer:
        return mails
    return mails.filter(gateway__department__in=user.departments.all())


def incoming_page(user: User, *, status: str = Status.INCOMING, before: int | None = None,
                  limit: int = 50) -> tuple[list[InboundMail], int | None]:
    """One page of the list, newest first, after the mail ``before`` (its id). Returns the
    mails and the id to continue from, or None on the last page. One query."""
    mails = visible_incoming(user).filter(status=status).select_related(
        "gateway__department", "ticket")
    if before:
        mails = mails.filter(pk__lt=before)
    rows = list(mails.order_by("-id")[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].pk
    return rows, None


def access_incoming(user: User, mail_id, *, for_update: bool = False) -> InboundMail:
    mail_id = clean_id(mail_id)
    mails = visible_incoming(user)
    if for_update:
        mails = mails.select_for_update(of=("self",))
    else:
        mails = mails.select_related("gateway__department", "ticket", "handled_by")
    mail = mails.filter(pk=mail_id).first() if mail_id else None
    if mail is None:
        raise NotFound(_("There is no such mail."))
    return mail


def read(mail: InboundMail) -> parsing.ParsedMail:
    with mail.raw.open("rb") as file:
        return parsing.parse(file.read())


def incoming_file(user: User, mail_id, number) -> tuple[InboundMail, parsing.Part]:
    """The file ``number`` (counted from 1, in the order the mail carries them) of a mail
    ``user`` may see, discarded or sorted ones included. NotFound otherwise."""
    mail = access_incoming(user, mail_id)
    number = clean_id(number)
    parts = read(mail).parts
    if not number or number > len(parts):
        raise NotFound(_("There is no such file."))
    return mail, parts[number - 1]


def _waiting(actor: User, mail_id) -> InboundMail:
    mail = access_incoming(actor, mail_id, for_update=True)
    if mail.status != Status.INCOMING:
        raise Conflict(_("This mail has already been sorted."))
    return mail


def _sorted(mail: InboundMail, actor: User, ticket, message, status=Status.ATTACHED) -> None:
    mail.status = status
    mail.ticket = ticket
    mail.ticket_message = message
    mail.handled_by = actor
    mail.handled_at = clock.now()
    mail.save(update_fields=["status", "ticket", "ticket_message", "handled_by", "handled_at"])


def attach_to_client(actor: User, mail_id, *, client_id) -> InboundMail:
    """Open a request for the client from the mail, in the gateway's department."""
    with transaction.atomic():
        mail = _waiting(actor, mail_id)
        client = Client.objects.select_related("user").filter(
            pk=clean_id(client_id), user__is_active=True).first()
        if client is None:
            raise ValidationFailed(_("Choose a client."), field="client")
        ticket = ingest.file_ticket(actor, client, mail.gateway, read(mail))
        _sorted(mail, actor, ticket, ticket.messages.order_by("id").first())
    return mail


def create_client(actor: User, mail_id) -> InboundMail:
    """Register the sender as a client (name and address from the mail; they set a password
    through "forgot password") and open a request for them."""
    with transaction.atomic():
        mail = _waiting(actor, mail_id)
        parsed = read(mail)
        address = parsed.from_address
        if not address:
            raise ValidationFailed(_("The mail has no sender address."), field="client")
        if User.objects.filter(email__iexact=address).exists():
            raise ValidationFailed(
                _("%(address)s already has an account; attach the mail to it instead.")
                % {"address": address},
                field="client",
            )
        user = User.objects.create_user(address, None, name=parsed.from_name[:200],
                                        role=Role.CLIENT)
        client = Client.objects.create(user=user)
        ticket = ingest.file_ticket(actor, client, mail.gateway, parsed)
        _sorted(mail, actor, ticket, ticket.messages.order_by("id").first())
    return mail


def append_to_ticket(actor: User, mail_id, *, number) -> InboundMail:
    """Add the mail to a request ``actor`` sees, as its client's message."""
    with transaction.atomic():
        mail = _waiting(actor, mail_id)
        ticket = policies.access_ticket(actor, number)
        message = ingest.file_reply(actor, ticket.number, read(mail))
        _sorted(mail, actor, ticket, message)
    return mail


def discard(actor: User, mail_id) -> InboundMail:
    """Put the mail aside; it is kept and can be restored."""
    with transaction.atomic():
        mail = _waiting(actor, mail_id)
        _sorted(mail, actor, None, None, status=Status.DISCARDED)
    return mail


def restore(actor: User, mail_id) -> InboundMail:
    """Bring a discarded mail back to the Incoming inbox."""
    with transaction.atomic():
        mail = access_incoming(actor, mail_id, for_update=True)
        if mail.status != Status.DISCARDED:
            raise Conflict(_("Only a discarded mail can be restored."))
        _sorted(mail, actor, None, None, status=Status.INCOMING)
    return mail


"""The Incoming inbox: mail from unknown senders, waiting for a person to sort it.

Who may see and sort which mail is ``zapros.mail.policies``. Each action is one transaction,
refuses with nothing changed, and leaves its record on the mail's row (who, when, what they
did, and the request and message the mail became): attach to a client (a new request),
register the sender as a client (``clients.services.register_client``) and open a request,
append to a request the agent sees, discard (kept, restorable) and restore.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.clients import services as client_services
from zapros.clients.models import Client
from zapros.core import clock
from zapros.core.errors import NotFound, ValidationFailed
from zapros.core.validation import clean_id
from zapros.tickets import policies as ticket_policies

from . import ingest, parsing, policies
from .models import InboundMail

Status = InboundMail.Status
Handling = InboundMail.Handling


def incoming_page(user: User, *, status: str = Status.INCOMING, before: int | None = None,
                  limit: int = 50) -> tuple[list[InboundMail], int | None]:
    """One page of the list, newest first, after the mail ``before`` (its id). Returns the
    mails and the id to continue from, or None on the last page. One query. NotFound for
    anyone the inbox does not exist for."""
    policies.ensure_can_see_incoming(user)
    mails = policies.visible_incoming(user).filter(status=status).select_related(
        "gateway__department", "ticket")
    if before:
        mails = mails.filter(pk__lt=before)
    rows = list(mails.order_by("-id")[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].pk
    return rows, None


def read(mail: InboundMail) -> parsing.ParsedMail:
    with mail.raw.open("rb") as file:
        return ingest.read(file.read())


def incoming_file(user: User, mail_id, number) -> tuple[InboundMail, parsing.Part]:
    """The file ``number`` (counted from 1, in the order the mail carries them) of a mail
    ``user`` may see, discarded or sorted ones included. NotFound otherwise."""
    mail = policies.access_incoming(user, mail_id)
    number = clean_id(number)
    parts = read(mail).parts
    if not number or number > len(parts):
        raise NotFound(_("There is no such file."))
    return mail, parts[number - 1]


def _waiting(actor: User, mail_id) -> InboundMail:
    mail = policies.access_incoming(actor, mail_id, for_update=True)
    policies.ensure_can_sort(actor, mail)
    return mail


def _decided(mail: InboundMail, actor: User, handling: str, *, status=Status.ATTACHED,
             ticket=None, message=None) -> None:
    mail.status = status
    mail.ticket = ticket
    mail.ticket_message = message
    mail.handled_by = actor
    mail.handled_at = clock.now()
    mail.handled_as = handling
    mail.save(update_fields=["status", "ticket", "ticket_message", "handled_by", "handled_at",
                             "handled_as"])


def _first_message(ticket):
    return ticket.messages.order_by("id").first()


def attach_to_client(actor: User, mail_id, *, client_id) -> InboundMail:
    """Open a request for the client from the mail, in the gateway's department."""
    with transaction.atomic():
        mail = _waiting(actor, mail_id)
        client = Client.objects.select_related("user").filter(
            pk=clean_id(client_id), user__is_active=True).first()
        if client is None:
            raise ValidationFailed(_("Choose a client."), field="client")
        ticket = ingest.file_ticket(actor, client, mail.gateway, read(mail),
                                   received_at=mail.received_at)
        _decided(mail, actor, Handling.ATTACHED, ticket=ticket, message=_first_message(ticket))
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
        if client_services.address_in_use(address):
            # The inbox's advice; register_client refuses the address all the same.
            raise ValidationFailed(
                _("%(address)s already has an account; attach the mail to it instead.")
                % {"address": address},
                field="client",
            )
        try:
            client = client_services.register_client(
                actor, email=address, name=parsed.from_name[:client_services.NAME_MAX])
        except ValidationFailed as error:
            # The inbox's one field is the client.
            raise ValidationFailed(error.message, field="client") from None
        ticket = ingest.file_ticket(actor, client, mail.gateway, parsed,
                                   received_at=mail.received_at)
        _decided(mail, actor, Handling.REGISTERED, ticket=ticket,
                 message=_first_message(ticket))
    return mail


def append_to_ticket(actor: User, mail_id, *, number) -> InboundMail:
    """Add the mail to a request ``actor`` sees, as its client's message."""
    with transaction.atomic():
        mail = _waiting(actor, mail_id)
        ticket = ticket_policies.access_ticket(actor, number)
        message = ingest.file_reply(actor, ticket.number, read(mail))
        _decided(mail, actor, Handling.APPENDED, ticket=message.ticket, message=message)
    return mail


def discard(actor: User, mail_id) -> InboundMail:
    """Put the mail aside; it is kept and can be restored."""
    with transaction.atomic():
        mail = _waiting(actor, mail_id)
        _decided(mail, actor, Handling.DISCARDED, status=Status.DISCARDED)
    return mail


def restore(actor: User, mail_id) -> InboundMail:
    """Bring a discarded mail back to the Incoming inbox."""
    with transaction.atomic():
        mail = policies.access_incoming(actor, mail_id, for_update=True)
        policies.ensure_can_restore(actor, mail)
        _decided(mail, actor, Handling.RESTORED, status=Status.INCOMING)
    return mail

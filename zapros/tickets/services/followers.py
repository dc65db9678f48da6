"""Who else hears about a ticket: staff followers, and the client's copy (Cc) addresses."""

from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import Department, User
from zapros.core import clock
from zapros.core.errors import Conflict, NotFound, ValidationFailed
from zapros.notify import outbox
from zapros.notify.models import OutgoingMail

from .. import notifications, policies, writes
from ..models import CcAddress, Event, Follower, Ticket

EMAIL_MAX = 254


def follow(actor: User, number: int) -> Ticket:
    """A staff member who sees the ticket starts getting mail about its conversation.

    Locks the ticket; writes a Follower and a ``followed`` event. Raises NotFound (invisible),
    Forbidden (not staff), Conflict (already following).
    """
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_staff(actor)
        if Follower.objects.filter(ticket=ticket, user=actor).exists():
            raise Conflict(_("You already follow this request."))
        now = clock.now()
        Follower.objects.create(ticket=ticket, user=actor, created_at=now)
        writes.record_event(ticket, actor, Event.Kind.FOLLOWED, now)
    return ticket


def unfollow(actor: User, number: int) -> Ticket:
    """Stop following. Writes an ``unfollowed`` event; Conflict when not following."""
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_staff(actor)
        deleted, _rows = Follower.objects.filter(ticket=ticket, user=actor).delete()
        if not deleted:
            raise Conflict(_("You do not follow this request."))
        writes.record_event(ticket, actor, Event.Kind.UNFOLLOWED, clock.now())
    return ticket


def clean_cc_email(email: str | None) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise ValidationFailed(_("Enter an e-mail address."), field="email")
    try:
        if len(email) > EMAIL_MAX:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    return email


def add_cc(actor: User, number: int, email: str) -> CcAddress:
    """Add an address that gets support's public replies in copy.

    The client who owns the ticket, or staff who see it. Refused (ValidationFailed, field
    ``email``): a malformed address, one already on the list or the client's own, a support
    address (it would mail itself), more than ``ZAPROS_TICKET_CC_MAX`` addresses. Locks the
    ticket; writes the address and a ``cc_added`` event.
    """
    email = clean_cc_email(email)
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_can_edit_cc(actor, ticket)
        addresses = set(CcAddress.objects.filter(ticket=ticket).values_list("email", flat=True))
        client_email = User.objects.filter(pk=ticket.client_id).values_list(
            "email", flat=True).first()
        if email in addresses or email == (client_email or "").lower():
            raise ValidationFailed(_("This address already gets the replies."), field="email")
        if _is_support_address(email):
            raise ValidationFailed(_("A support address cannot be added in copy."),
                                   field="email")
        limit = settings.ZAPROS_TICKET_CC_MAX
        if len(addresses) >= limit:
            raise ValidationFailed(
                _("At most %(max)d addresses can be added in copy.") % {"max": limit},
                field="email",
            )
        now = clock.now()
        cc = CcAddress.objects.create(ticket=ticket, email=email, added_by=actor,
                                      created_at=now)
        writes.record_event(ticket, actor, Event.Kind.CC_ADDED, now, email=email)
    return cc


def remove_cc(actor: User, number: int, email: str) -> Ticket:
    """Take an address off the copy list. Writes a ``cc_removed`` event; ValidationFailed
    when the address is not on the list."""
    email = (email or "").strip().lower()
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_can_edit_cc(actor, ticket)
        deleted, _rows = CcAddress.objects.filter(ticket=ticket, email=email).delete()
        if not deleted:
            raise ValidationFailed(_("This address is not in copy."), field="email")
        writes.record_event(ticket, actor, Event.Kind.CC_REMOVED, clock.now(), email=email)
    return ticket


def _is_support_address(email: str) -> bool:
    own = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    own |= {
        address.lower() for address in
        Department.objects.exclude(outgoing_email="").values_list("outgoing_email", flat=True)
    }
    return email in own


def retry_mail(actor: User, number: int, mail_id: int) -> OutgoingMail:
    """Staff send a mail of the ticket that finally failed once more.

    Locks the ticket and the outbox row; writes a ``mail_retried`` event. Raises NotFound
    (invisible ticket, or no such mail of it), Forbidden (not staff), Conflict (not failed).
    """
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_staff(actor)
        try:
            mail_id = int(mail_id)
        except (TypeError, ValueError):
            mail_id = 0
        mail = (
            notifications.ticket_mails(ticket).select_for_update().filter(pk=mail_id).first()
        )
        if mail is None:
            raise NotFound(_("There is no such mail."))
        outbox.retry(mail)
        writes.record_event(ticket, actor, Event.Kind.MAIL_RETRIED, clock.now(),
                             mail=mail.pk, to=mail.recipients)
    return mail

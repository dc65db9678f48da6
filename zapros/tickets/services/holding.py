"""Taking, unlocking and reassigning: who holds a ticket."""

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import Conflict, ValidationFailed
from zapros.core.validation import clean_id

from .. import deadlines, policies, states, writes
from ..models import Event, Ticket
from ..states import Action

TAKEABLE = [state for (state, action) in states.TRANSITIONS if action == Action.TAKE]


def take(actor: User, number: int) -> Ticket:
    """Make ``actor`` the holder and assignee of a ticket nobody holds.

    The row is locked before the checks and the write is a compare-and-set (``UPDATE … WHERE
    holder IS NULL``), so of two agents taking at the same moment exactly one wins and the
    other gets Conflict naming the winner. Writes a ``taken`` event with the state it left.
    Raises NotFound (invisible), Forbidden (not staff), Conflict (held), InvalidTransition
    (archived).
    """
    now = clock.now()
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_can_take(actor, ticket)
        old = ticket.state
        won = Ticket.objects.filter(
            pk=ticket.pk, holder__isnull=True, state__in=TAKEABLE
        ).update(holder=actor, assignee=actor, held_at=now, state=states.State.OPEN,
                 updated_at=now)
        ticket = Ticket.objects.select_related("holder", "department").get(pk=ticket.pk)
        if not won:
            if ticket.holder_id == actor.pk:
                raise Conflict(_("You already hold this request."))
            if ticket.holder_id is not None:
                raise Conflict(policies.held_by_message(ticket))
            states.next_state(ticket.state, Action.TAKE)  # raises the state's refusal
        writes.refresh_flags(ticket)
        deadlines.follow(ticket, at=now)
        ticket.save(update_fields=["needs_reply", "reply_due_at", "late"])
        writes.record_event(
            ticket, actor, Event.Kind.TAKEN, now, **{"from": old, "to": ticket.state}
        )
    return ticket


def unlock(actor: User, number: int) -> Ticket:
    """A supervisor releases the ticket: nobody holds it, an open ticket goes back to new."""
    policies.ensure_overseer(actor)
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        if ticket.holder_id is None:
            raise Conflict(_("This request is not held by anyone."))
        previous = ticket.holder_id
        old, new = writes.move(ticket, Action.UNLOCK)
        ticket.holder = None
        ticket.held_at = None
        ticket.updated_at = clock.now()
        writes.save(ticket)
        writes.record_event(
            ticket, actor, Event.Kind.UNLOCKED, ticket.updated_at,
            previous_holder=previous, **{"from": old, "to": new},
        )
    return ticket


def reassign(actor: User, number: int, agent_id: int) -> Ticket:
    """A supervisor hands the ticket to ``agent_id``, who becomes holder and assignee.

    The agent must be active staff who can see the ticket.
    """
    policies.ensure_overseer(actor)
    agent = User.objects.filter(pk=clean_id(agent_id)).first()
    if agent is None:
        raise ValidationFailed(_("Choose a staff member."), field="agent")
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_can_reassign_to(ticket, agent)
        previous = ticket.holder_id
        old, new = writes.move(ticket, Action.REASSIGN, held=True)
        now = clock.now()
        ticket.holder = ticket.assignee = agent
        ticket.held_at = ticket.updated_at = now
        writes.save(ticket)
        writes.record_event(
            ticket, actor, Event.Kind.REASSIGNED, now,
            previous_holder=previous, agent=agent.pk, agent_name=agent.display_name,
            **{"from": old, "to": new},
        )
    return ticket

"""Holding a ticket: taking it, unlocking it, reassigning it to another agent."""

from django.utils import translation

from zapros.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from zapros.tickets import services
from zapros.tickets.models import Event

from .conftest import last_event, moved

UNKNOWN = 987654


# --- Taking -----------------------------------------------------------------------------------

def test_an_agent_takes_a_new_ticket(cast, moment):
    ticket = cast.open()
    due = cast.refresh(ticket).reply_due_at
    moment.advance(minutes=5)

    services.take(cast.john, ticket.number)

    ticket = cast.refresh(ticket)
    assert ticket.state == "open"
    assert ticket.holder == ticket.assignee == cast.john
    assert ticket.held_at == moment.now
    assert ticket.needs_reply is True and ticket.reply_due_at == due
    event = last_event(ticket)
    assert event.kind == Event.Kind.TAKEN and event.actor == cast.john
    assert moved(event, "new", "open")


def test_taking_an_answered_ticket_nobody_holds_opens_it(cast):
    ticket = cast.answered()
    services.unlock(cast.supervisor, ticket.number)
    services.take(cast.gary, ticket.number)
    ticket = cast.refresh(ticket)
    assert (ticket.state, ticket.holder) == ("open", cast.gary)
    assert moved(last_event(ticket), "answered", "open")


def test_taking_a_ticket_someone_holds_names_them(cast, refused):
    ticket = cast.held(cast.john)
    with translation.override("en"), refused(Conflict) as error:
        services.take(cast.gary, ticket.number)
    assert "John Smith" in str(error.value.message)


def test_taking_a_ticket_twice_is_refused(cast, refused):
    ticket = cast.held(cast.john)
    with refused(Conflict):
        services.take(cast.john, ticket.number)


def test_a_client_cannot_take(cast, refused):
    ticket = cast.open()
    with refused(Forbidden):
        services.take(cast.alice, ticket.number)


def test_an_agent_cannot_take_a_ticket_of_another_department(cast, refused):
    ticket = cast.staff_ticket(cast.sales)
    with refused(NotFound):
        services.take(cast.john, ticket.number)


def test_an_archived_ticket_cannot_be_taken(cast, refused):
    ticket = cast.answered()
    services.unlock(cast.supervisor, ticket.number)
    services.archive(cast.alice, ticket.number)
    with refused(InvalidTransition):
        services.take(cast.gary, ticket.number)


def test_an_archived_ticket_keeps_its_holder_and_cannot_be_unlocked(cast, refused):
    ticket = cast.answered()
    services.archive(cast.alice, ticket.number)
    with translation.override("en"), refused(InvalidTransition) as error:
        services.unlock(cast.supervisor, ticket.number)
    assert "Archived" in str(error.value.message)
    with refused(Conflict):
        services.take(cast.gary, ticket.number)


# --- Unlocking and reassigning ----------------------------------------------------------------

def test_a_supervisor_unlocks_an_open_ticket(cast):
    ticket = cast.held(cast.john)
    services.unlock(cast.supervisor, ticket.number)
    ticket = cast.refresh(ticket)
    assert ticket.state == "new" and ticket.holder is None and ticket.held_at is None
    assert ticket.assignee == cast.john
    event = last_event(ticket)
    assert event.kind == Event.Kind.UNLOCKED and event.actor == cast.supervisor
    assert moved(event, "open", "new") and event.data["previous_holder"] == cast.john.pk
    services.take(cast.gary, ticket.number)
    assert cast.refresh(ticket).holder == cast.gary


def test_unlocking_a_frozen_ticket_keeps_it_frozen(cast):
    ticket = cast.held()
    services.freeze(cast.john, ticket.number)
    services.unlock(cast.admin, ticket.number)
    ticket = cast.refresh(ticket)
    assert (ticket.state, ticket.holder) == ("on_hold", None)


def test_an_agent_cannot_unlock(cast, refused):
    ticket = cast.held(cast.john)
    for agent in (cast.john, cast.gary):
        with refused(Forbidden):
            services.unlock(agent, ticket.number)
    with refused(Forbidden):
        services.unlock(cast.alice, ticket.number)


def test_unlocking_a_ticket_nobody_holds_is_refused(cast, refused):
    ticket = cast.open()
    with refused(Conflict):
        services.unlock(cast.supervisor, ticket.number)


def test_a_supervisor_reassigns_a_held_ticket(cast):
    ticket = cast.held(cast.john)
    services.reassign(cast.supervisor, ticket.number, cast.gary.pk)
    ticket = cast.refresh(ticket)
    assert ticket.holder == ticket.assignee == cast.gary
    assert ticket.state == "open"
    event = last_event(ticket)
    assert event.kind == Event.Kind.REASSIGNED and event.actor == cast.supervisor
    assert moved(event, "open", "open")
    assert (event.data["previous_holder"], event.data["agent"]) == (cast.john.pk, cast.gary.pk)
    services.reply(cast.gary, ticket.number, body="Taking over", close=False)


def test_reassigning_a_new_ticket_opens_it(cast):
    ticket = cast.open()
    services.reassign(cast.admin, ticket.number, cast.john.pk)
    ticket = cast.refresh(ticket)
    assert (ticket.state, ticket.holder) == ("open", cast.john)
    assert moved(last_event(ticket), "new", "open")


def test_reassigning_to_someone_who_cannot_see_the_department_is_refused(cast, refused):
    ticket = cast.staff_ticket(cast.sales)
    with translation.override("en"), refused(Forbidden) as error:
        services.reassign(cast.supervisor, ticket.number, cast.john.pk)
    assert "John Smith" in str(error.value.message)
    assert "Sales" in str(error.value.message)


def test_reassigning_to_a_client_or_an_inactive_agent_is_refused(cast, refused):
    ticket = cast.open()
    with refused(Forbidden):
        services.reassign(cast.supervisor, ticket.number, cast.alice.pk)
    cast.gary.is_active = False
    cast.gary.save()
    with refused(Forbidden):
        services.reassign(cast.supervisor, ticket.number, cast.gary.pk)
    with refused(ValidationFailed) as error:
        services.reassign(cast.supervisor, ticket.number, UNKNOWN)
    assert error.value.field == "agent"


def test_an_agent_cannot_reassign(cast, refused):
    ticket = cast.held(cast.john)
    with refused(Forbidden):
        services.reassign(cast.john, ticket.number, cast.gary.pk)


def test_an_archived_ticket_cannot_be_reassigned(cast, refused):
    ticket = cast.answered()
    services.archive(cast.alice, ticket.number)
    with refused(InvalidTransition):
        services.reassign(cast.supervisor, ticket.number, cast.gary.pk)

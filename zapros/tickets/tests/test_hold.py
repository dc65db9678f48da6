"""Freezing (with a reason and a resume date), resuming by hand and by the periodic task, and
resolving."""

from datetime import date, timedelta

import pytest

from zapros.accounts import roles
from zapros.core import clock
from zapros.core.errors import Conflict, InvalidTransition, ValidationFailed
from zapros.tickets import services
from zapros.tickets.models import Event, Ticket
from zapros.tickets.services.automation import resume_due
from zapros.tickets.tasks import resume_frozen_tickets

from .conftest import last_event, moved


def tomorrow_for(user) -> date:
    return clock.today_in(user.timezone) + timedelta(days=1)


def state_of(ticket):
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (fresh.state, fresh.hold_reason, fresh.resume_on, fresh.resume_at,
            fresh.events.count())


def test_freeze_keeps_the_reason_and_the_resume_date_in_the_agents_zone(cast):
    cast.john.timezone = "Asia/Vladivostok"
    cast.john.save()
    ticket = cast.held()
    day = tomorrow_for(cast.john)

    services.freeze(cast.john, ticket.number, reason="  Waiting for   the DC ", resume_on=day)

    ticket = cast.refresh(ticket)
    assert (ticket.state, ticket.hold_reason, ticket.resume_on) == (
        "on_hold", "Waiting for the DC", day)
    assert ticket.resume_at == clock.start_of(day, "Asia/Vladivostok")
    assert ticket.resume_at.utcoffset() is not None
    event = Event.objects.get(ticket=ticket, kind=Event.Kind.FROZEN)
    assert event.data["reason"] == "Waiting for the DC"
    assert event.data["resume_on"] == day.isoformat()


@pytest.mark.parametrize("case", ["today", "past", "too_long", "not_a_date"])
def test_bad_hold_input_is_refused_and_nothing_changes(cast, case):
    ticket = cast.held()
    today = clock.today_in(cast.john.timezone)
    kwargs = {
        "today": {"resume_on": today},
        "past": {"resume_on": today - timedelta(days=3)},
        "too_long": {"reason": "x" * 501},
        "not_a_date": {"resume_on": "2030-01-01"},
    }[case]
    before = state_of(ticket)
    with pytest.raises(ValidationFailed) as refused:
        services.freeze(cast.john, ticket.number, **kwargs)
    assert refused.value.field == ("reason" if case == "too_long" else "resume_on")
    assert state_of(ticket) == before


def test_freezing_what_cannot_be_frozen_is_refused(cast):
    ticket = cast.held()
    services.reply(cast.john, ticket.number, body="Done", close=True)
    before = state_of(ticket)
    with pytest.raises(InvalidTransition):
        services.freeze(cast.john, ticket.number, resume_on=tomorrow_for(cast.john))
    with pytest.raises(Conflict):
        services.freeze(cast.gary, ticket.number, reason="not mine")
    assert state_of(ticket) == before


def test_leaving_the_hold_clears_its_reason_and_date(cast):
    ticket = cast.held()
    services.freeze(cast.john, ticket.number, reason="Later", resume_on=tomorrow_for(cast.john))
    services.resume(cast.john, ticket.number)
    ticket = cast.refresh(ticket)
    assert (ticket.state, ticket.hold_reason, ticket.resume_on, ticket.resume_at) == (
        "open", "", None, None)


def _due(ticket, days_ago=0):
    Ticket.objects.filter(pk=ticket.pk).update(
        resume_at=clock.now() - timedelta(days=days_ago, minutes=1))


def test_the_resume_task_brings_due_tickets_back_once(cast):
    due = cast.held()
    later = cast.held()
    plain = cast.held()
    for ticket in (due, later):
        services.freeze(cast.john, ticket.number, reason="DC", resume_on=tomorrow_for(cast.john))
    services.freeze(cast.john, plain.number)
    _due(due)

    assert resume_due() == 1
    assert resume_due() == 0  # idempotent: nothing more happens the second time

    fresh = cast.refresh(due)
    assert (fresh.state, fresh.holder_id, fresh.resume_on) == ("open", cast.john.pk, None)
    event = Event.objects.get(ticket=due, kind=Event.Kind.RESUMED)
    assert roles.is_system(event.actor) and event.data["automatic"] is True
    assert (event.data["from"], event.data["to"]) == ("on_hold", "open")
    assert cast.refresh(later).state == "on_hold"
    assert cast.refresh(plain).state == "on_hold"


def test_an_unheld_frozen_ticket_resumes_as_new(cast):
    ticket = cast.held()
    services.freeze(cast.john, ticket.number, resume_on=tomorrow_for(cast.john))
    services.unlock(cast.supervisor, ticket.number)
    _due(ticket)
    resume_frozen_tickets.call_local()
    fresh = cast.refresh(ticket)
    assert (fresh.state, fresh.holder_id) == ("new", None)
    event = Event.objects.get(ticket=ticket, kind=Event.Kind.RESUMED)
    assert (event.data["from"], event.data["to"]) == ("on_hold", "new")


def test_a_ticket_resumed_by_hand_is_left_alone_by_the_task(cast):
    ticket = cast.held()
    services.freeze(cast.john, ticket.number, resume_on=tomorrow_for(cast.john))
    _due(ticket)
    services.resume(cast.john, ticket.number)
    events = cast.refresh(ticket).events.count()
    assert resume_due() == 0
    assert cast.refresh(ticket).events.count() == events


# --- Freezing, resuming, resolving ------------------------------------------------------------

def test_the_holder_freezes_resumes_and_resolves(cast):
    ticket = cast.held()
    services.freeze(cast.john, ticket.number, reason=" waiting for the datacenter ")
    frozen = cast.refresh(ticket)
    assert frozen.state == "on_hold" and frozen.holder == cast.john
    assert frozen.staff_status == "frozen" and frozen.client_status == "under_review"
    event = last_event(ticket)
    assert event.kind == Event.Kind.FROZEN and moved(event, "open", "on_hold")
    assert event.data["reason"] == "waiting for the datacenter"
    assert event.actor == cast.john

    services.resume(cast.john, ticket.number)
    assert cast.refresh(ticket).state == "open"
    assert moved(last_event(ticket), "on_hold", "open")

    services.resolve(cast.john, ticket.number)
    resolved = cast.refresh(ticket)
    assert resolved.state == "resolved" and resolved.needs_reply is False
    assert resolved.reply_due_at is None
    event = last_event(ticket)
    assert event.kind == Event.Kind.RESOLVED and moved(event, "open", "resolved")


def test_moves_the_table_forbids_are_refused(cast, refused):
    ticket = cast.answered()
    with refused(InvalidTransition):
        services.freeze(cast.john, ticket.number)
    with refused(InvalidTransition):
        services.resume(cast.john, ticket.number)
    services.resolve(cast.john, ticket.number)
    with refused(InvalidTransition):
        services.resolve(cast.john, ticket.number)


def test_a_new_ticket_cannot_be_frozen_before_it_is_taken(cast, refused):
    ticket = cast.open()
    with refused(Conflict):
        services.freeze(cast.john, ticket.number)

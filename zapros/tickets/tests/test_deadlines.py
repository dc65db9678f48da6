"""SLA clocks kept by the ticket operations, and the escalation sweep."""

from datetime import UTC, datetime, timedelta

import pytest

from conftest import DEFAULT_RESPONSE, make_policy
from zapros.sla.models import BusinessCalendar, CalendarDay, Clock, EscalationStep, Metric
from zapros.tickets import deadlines, services
from zapros.tickets.models import Event, Priority

from .conftest import events

H = timedelta(hours=1)


def clocks_of(ticket, metric=None):
    found = Clock.objects.filter(ticket=ticket).order_by("started_at", "id")
    return list(found.filter(metric=metric) if metric else found)


def live(ticket, metric):
    return Clock.objects.get(ticket=ticket, metric=metric, ended_at__isnull=True)


@pytest.fixture
def office(db):
    """Monday to Friday 9-13 and 14-18 in Berlin, with 1 May off."""
    calendar = BusinessCalendar.objects.create(
        name="Office", time_zone="Europe/Berlin",
        week=[[[540, 780], [840, 1080]]] * 5 + [[], []])
    CalendarDay.objects.create(calendar=calendar, day=datetime(2026, 5, 1).date(),
                               kind=CalendarDay.Kind.HOLIDAY, name="Labour day")
    return calendar


def test_a_new_request_gets_its_first_response_clock_from_the_default_policy(cast, moment):
    ticket = cast.open()
    first = live(ticket, Metric.FIRST_RESPONSE)
    assert (first.started_at, first.due_at, first.state) == (
        moment.now, moment.now + DEFAULT_RESPONSE, Clock.State.RUNNING)
    assert first.policy.is_default
    assert cast.refresh(ticket).reply_due_at == first.due_at
    assert clocks_of(ticket, Metric.RESOLUTION) == []  # the default tracks no resolution


def test_an_answer_meets_the_clock_and_credits_its_author(cast, moment):
    ticket = cast.held()
    moment.advance(hours=2)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    first = clocks_of(ticket, Metric.FIRST_RESPONSE)[0]
    assert (first.state, first.ended_at, first.staff_id) == (
        Clock.State.MET, moment.now, cast.john.pk)
    assert first.took == 2 * H
    assert cast.refresh(ticket).reply_due_at is None


def test_an_internal_comment_does_not_stop_the_clock(cast, moment):
    ticket = cast.held()
    services.comment(cast.john, ticket.number, body="Looking")
    assert live(ticket, Metric.FIRST_RESPONSE).state == Clock.State.RUNNING


def test_the_next_wait_runs_from_the_oldest_unanswered_message(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=H, next_response=4 * H)
    ticket = cast.answered()
    asked = moment.advance(hours=1)
    services.client_reply(cast.alice, ticket.number, body="Still down")
    moment.advance(hours=1)
    services.client_reply(cast.alice, ticket.number, body="Hello?")
    following = live(ticket, Metric.NEXT_RESPONSE)
    assert (following.started_at, following.due_at) == (asked, asked + 4 * H)


def test_a_policy_on_business_hours_with_a_lunch_break_and_a_holiday(cast, moment, office):
    make_policy("Tech office", departments=[cast.tech], calendar=office, first_response=H)
    moment.now = datetime(2026, 4, 30, 15, 55, tzinfo=UTC)   # Thursday 17:55 in Berlin
    ticket = cast.open()
    # Friday 1 May is a holiday, then the weekend: Monday 09:55 Berlin, 07:55 UTC.
    assert live(ticket, Metric.FIRST_RESPONSE).due_at == datetime(2026, 5, 4, 7, 55,
                                                                  tzinfo=UTC)


def test_a_priority_change_moves_the_request_to_another_policy_from_its_start(cast, moment):
    urgent = make_policy("Urgent", priorities=[int(Priority.URGENT)], first_response=H)
    ticket = cast.held()
    opened = ticket.created_at
    moment.advance(minutes=20)
    services.save_parameters(cast.john, ticket.number, priority=int(Priority.URGENT))
    first = live(ticket, Metric.FIRST_RESPONSE)
    assert (first.policy_id, first.due_at) == (urgent.pk, opened + H)
    change = Event.objects.get(ticket=ticket, kind=Event.Kind.SLA_CHANGED)
    assert change.data["policy"] == "Urgent" and change.data["old_policy"]
    assert cast.refresh(ticket).reply_due_at == opened + H


def test_on_hold_pauses_what_the_policy_says_and_resuming_moves_the_due(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=8 * H, resolution=24 * H,
                pause_on_hold=["first_response", "resolution"])
    ticket = cast.held()
    before = live(ticket, Metric.FIRST_RESPONSE).due_at
    moment.advance(hours=1)
    services.freeze(cast.john, ticket.number, reason="Waiting for the vendor")
    first = live(ticket, Metric.FIRST_RESPONSE)
    assert (first.state, first.due_at) == (Clock.State.PAUSED, None)
    assert cast.refresh(ticket).reply_due_at is None
    moment.advance(hours=5)
    services.resume(cast.john, ticket.number)
    first = live(ticket, Metric.FIRST_RESPONSE)
    assert (first.state, first.due_at, first.paused) == (
        Clock.State.RUNNING, before + 5 * H, 5 * H)


def test_reopening_a_solved_request_resumes_its_resolution_clock(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=H, next_response=H,
                resolution=24 * H)
    ticket = cast.answered()
    moment.advance(hours=2)
    services.resolve(cast.john, ticket.number)
    resolution = clocks_of(ticket, Metric.RESOLUTION)[0]
    assert resolution.state == Clock.State.MET and resolution.took == 2 * H
    moment.advance(hours=10)
    services.client_reply(cast.alice, ticket.number, body="It broke again")
    again = clocks_of(ticket, Metric.RESOLUTION)
    assert [c.pk for c in again] == [resolution.pk]
    assert again[0].ended_at is None
    assert again[0].due_at == ticket.created_at + 24 * H + 10 * H


def test_merging_cancels_the_source_clocks_and_the_target_keeps_the_oldest_wait(cast, moment):
    older = cast.open(subject="Down", body="Down since morning")
    moment.advance(hours=1)
    newer = cast.held(subject="Down again")
    services.take(cast.john, older.number)
    services.merge(cast.john, older.number, target=newer.number)
    assert {c.state for c in clocks_of(older)} == {Clock.State.CANCELLED}
    kept = live(newer, Metric.FIRST_RESPONSE)
    assert kept.started_at == older.created_at


def test_splitting_starts_the_new_requests_clock_at_the_moved_message(cast, moment):
    ticket = cast.answered()
    asked = moment.advance(hours=1)
    later = services.client_reply(cast.alice, ticket.number, body="And my invoice?")
    moment.advance(hours=1)
    new = services.split(cast.john, ticket.number, message_id=later.pk)
    waiting = Clock.objects.get(ticket=new, ended_at__isnull=True)
    assert waiting.started_at == asked


def test_changing_a_policy_counts_the_live_clocks_again_in_the_same_transaction(cast, moment):
    ticket = cast.open()
    default = live(ticket, Metric.FIRST_RESPONSE).policy
    default.first_response = 2 * H
    default.save()
    deadlines.configuration_changed(policy_ids=[default.pk])
    assert live(ticket, Metric.FIRST_RESPONSE).due_at == ticket.created_at + 2 * H
    assert cast.refresh(ticket).reply_due_at == ticket.created_at + 2 * H


# --- the sweep ------------------------------------------------------------------------------

def test_the_sweep_warns_then_breaches_each_clock_once(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=10 * H, warn_percent=80)
    ticket = cast.held()
    moment.advance(hours=7)
    assert deadlines.sweep() == deadlines.Swept(0, 0, 0)
    moment.advance(hours=1, minutes=1)
    assert deadlines.sweep() == deadlines.Swept(1, 0, 0)
    assert deadlines.sweep() == deadlines.Swept(0, 0, 0)
    warning = Event.objects.get(ticket=ticket, kind=Event.Kind.SLA_WARNING)
    assert warning.data["notify"] == [cast.john.pk] and warning.actor.role == "system"
    moment.advance(hours=2)
    assert deadlines.sweep() == deadlines.Swept(0, 1, 0)
    assert deadlines.sweep() == deadlines.Swept(0, 0, 0)
    breach = Event.objects.get(ticket=ticket, kind=Event.Kind.SLA_BREACHED)
    # The default ladder: the assignee and the supervisors.
    assert breach.data["notify"] == [cast.john.pk, cast.supervisor.pk]
    ticket = cast.refresh(ticket)
    assert ticket.late and ticket.is_overdue
    assert live(ticket, Metric.FIRST_RESPONSE).state == Clock.State.BREACHED


def test_a_late_answer_keeps_the_breach(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=H)
    ticket = cast.held()
    moment.advance(hours=2)
    deadlines.sweep()
    services.reply(cast.john, ticket.number, body="Sorry", close=True)
    first = clocks_of(ticket, Metric.FIRST_RESPONSE)[0]
    assert (first.state, first.ended_at) == (Clock.State.BREACHED, moment.now)
    assert cast.refresh(ticket).late


def test_the_department_ladder_climbs_after_the_breach(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=H)
    for who, after in (("assignee", 0), ("supervisors", 2), ("admins", 4)):
        EscalationStep.objects.create(department=cast.tech, when="breach", who=who,
                                      after=timedelta(hours=after))
    deadlines.configuration_changed()
    ticket = cast.held()
    moment.advance(hours=1, minutes=1)
    deadlines.sweep()
    moment.advance(hours=2)
    assert deadlines.sweep().escalated == 1
    moment.advance(hours=2)
    assert deadlines.sweep().escalated == 1
    assert deadlines.sweep() == deadlines.Swept(0, 0, 0)
    told = [e.data["notify"] for e in events(ticket) if e.kind == Event.Kind.SLA_BREACHED]
    assert told == [[cast.john.pk], [cast.supervisor.pk], [cast.admin.pk]]


def test_an_answer_ends_the_climb(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=H)
    EscalationStep.objects.create(department=cast.tech, when="breach", who="admins",
                                  after=timedelta(hours=2))
    deadlines.configuration_changed()
    ticket = cast.held()
    moment.advance(hours=1, minutes=1)
    deadlines.sweep()
    services.reply(cast.john, ticket.number, body="Here", close=True)
    moment.advance(hours=3)
    assert deadlines.sweep() == deadlines.Swept(0, 0, 0)


# --- configuring the ladder -----------------------------------------------------------------

def test_an_admin_adds_and_removes_ladder_steps(cast):
    from zapros.tickets.services import service_levels

    step = service_levels.add_escalation_step(cast.admin, department=cast.tech.pk,
                                              when="breach", who="admins", after=2 * H)
    assert deadlines.compiled().ladder(cast.tech.pk, "breach")[0].who == "admins"
    service_levels.remove_escalation_step(cast.admin, step.pk)
    assert [s.who for s in deadlines.compiled().ladder(cast.tech.pk, "breach")] == [
        "assignee", "supervisors"]


@pytest.mark.parametrize(("actor", "fields", "error"), [
    ("john", {"when": "breach", "who": "admins"}, "Forbidden"),
    ("admin", {"when": "warning", "who": "admins", "after": H}, "ValidationFailed"),
    ("admin", {"when": "soon", "who": "admins"}, "ValidationFailed"),
    ("admin", {"when": "breach", "who": "everyone"}, "ValidationFailed"),
    ("admin", {"when": "breach", "who": "admins", "after": -H}, "ValidationFailed"),
    ("admin", {"when": "breach", "who": "admins", "department": 999999}, "ValidationFailed"),
], ids=["agent", "warning-delay", "when", "who", "negative", "department"])
def test_ladder_steps_that_are_refused_leave_nothing(cast, actor, fields, error):
    from zapros.tickets.services import service_levels

    with pytest.raises(Exception) as raised:
        service_levels.add_escalation_step(getattr(cast, actor), **{"department": None,
                                                                     **fields})
    assert type(raised.value).__name__ == error
    assert str(raised.value)
    assert not EscalationStep.objects.exists()


def test_the_same_step_twice_is_refused(cast):
    from zapros.core.errors import Conflict
    from zapros.tickets.services import service_levels

    service_levels.add_escalation_step(cast.admin, department=None, when="breach",
                                       who="admins")
    with pytest.raises(Conflict):
        service_levels.add_escalation_step(cast.admin, department=None, when="breach",
                                           who="admins")
    assert EscalationStep.objects.count() == 1


def test_the_page_reads_the_newest_clock_of_each_target_with_its_calendar(cast, moment, office):
    from zapros.tickets import selectors

    make_policy("Tech office", departments=[cast.tech], calendar=office, first_response=H,
                next_response=2 * H, resolution=40 * H)
    ticket = cast.held()
    for n in range(3):
        moment.advance(minutes=10)
        services.reply(cast.john, ticket.number, body=f"Answer {n}", close=False)
        moment.advance(minutes=10)
        services.client_reply(cast.alice, ticket.number, body=f"Question {n}")
    shown = selectors.ticket_clocks(cast.john, ticket)
    assert [c.metric for c in shown] == ["first_response", "next_response", "resolution"]
    assert [c.ended_at is None for c in shown] == [False, True, True]
    assert shown[0].staff == cast.john and shown[1].calendar == office
    assert Clock.objects.filter(ticket=ticket, metric=Metric.NEXT_RESPONSE).count() == 3
    assert selectors.ticket_clocks(cast.alice, ticket) == []


def test_a_policy_for_a_client_group_applies_to_its_clients_only(cast, moment):
    from zapros.clients.models import ClientGroup

    key = ClientGroup.objects.create(name="Key accounts")
    cast.alice.client.groups.add(key)
    policy = make_policy("Key accounts", first_response=H)
    policy.client_groups.add(key)
    deadlines.configuration_changed()
    alices = cast.open()
    bobs = cast.open(client=cast.bob)
    assert live(alices, Metric.FIRST_RESPONSE).policy == policy
    assert live(bobs, Metric.FIRST_RESPONSE).policy.is_default


def test_client_groups_are_read_only_when_a_policy_asks_for_them(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cast.open()   # the policies compiled
    with CaptureQueriesContext(connection) as plain:
        cast.open()
    assert not [q for q in plain if "clients_client_groups" in q["sql"].lower()]


def test_a_calendar_change_counts_again_only_the_clocks_in_that_calendar(cast, moment, office):
    from zapros.tickets.services import service_levels

    make_policy("Tech office", departments=[cast.tech], calendar=office, first_response=H)
    in_office = cast.open()
    around_the_clock = cast.open(department=cast.billing)
    other = live(around_the_clock, Metric.FIRST_RESPONSE)
    moment.advance(minutes=5)
    # Every day of the week a working day from 00:00 to 24:00: the due time moves.
    service_levels.save_calendar(cast.admin, office, name="Office", time_zone="Europe/Berlin",
                                 always_open=False, week=[[[0, 1440]]] * 7)
    moved = live(in_office, Metric.FIRST_RESPONSE)
    assert moved.due_at == in_office.created_at + H
    assert cast.refresh(in_office).reply_due_at == moved.due_at
    untouched = live(around_the_clock, Metric.FIRST_RESPONSE)
    assert untouched.updated_at == other.updated_at == around_the_clock.created_at


def test_a_policy_for_a_service_kind_applies_to_requests_about_such_a_service(cast, moment):
    vps = make_policy("VPS", service_kinds=["VPS"], first_response=H)
    on_vps = cast.open(service_id=cast.alice_vps.pk)
    on_hosting = cast.open(service_id=cast.alice_hosting.pk)
    assert live(on_vps, Metric.FIRST_RESPONSE).policy == vps
    assert live(on_hosting, Metric.FIRST_RESPONSE).policy.is_default
    # Taken (the ticket read without its service): still the VPS policy.
    services.take(cast.john, on_vps.number)
    assert live(on_vps, Metric.FIRST_RESPONSE).policy == vps

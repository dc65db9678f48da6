"""Clocks as the SLA engine leaves them, written straight into the database on tickets made
through the services: the reports only read them."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from conftest import ON_POSTGRES
from zapros.core import clock
from zapros.sla.models import Clock, Policy
from zapros.tickets import services

H = timedelta(hours=1)
START = datetime(2024, 3, 1, tzinfo=UTC)
END = datetime(2024, 4, 1, tzinfo=UTC)


def add_clock(ticket, metric="first_response", state=Clock.State.RUNNING, *, policy=None,
              started_at=None, due_at=None, ended_at=None, breached_at=None, took=None,
              paused=timedelta(0), staff=None) -> Clock:
    started_at = started_at or (ended_at or clock.now()) - 10 * H
    return Clock.objects.create(
        ticket=ticket, metric=metric, state=state, policy=policy,
        policy_name=policy.name if policy else "", target=4 * H, started_at=started_at,
        due_at=due_at, ended_at=ended_at, breached_at=breached_at, took=took, paused=paused,
        staff=staff,
    )


def met(ticket, metric, took, *, at, staff=None, paused=timedelta(0), policy=None):
    return add_clock(ticket, metric, Clock.State.MET, ended_at=at, took=took, paused=paused,
                     staff=staff, policy=policy, due_at=at + H)


def late(ticket, metric, took, *, at, breached_at, staff=None, paused=timedelta(0),
         policy=None):
    return add_clock(ticket, metric, Clock.State.BREACHED, ended_at=at, took=took,
                     paused=paused, staff=staff, policy=policy, breached_at=breached_at,
                     due_at=breached_at)


@dataclass
class Overdue:
    """Four overdue clocks and the ones that are not, on live tickets of two departments."""

    gold: Policy
    silver: Policy
    tickets: list
    overdue: list
    not_overdue: list


def untracked():
    """The policies track nothing: the clocks of these tests are the ones they write."""
    from zapros.tickets import deadlines

    tracking = Policy.objects.exclude(first_response=None, next_response=None, resolution=None)
    if tracking.exists():
        # Once: counting again would cancel the clocks a test wrote by hand.
        tracking.update(first_response=None, next_response=None, resolution=None)
        deadlines.configuration_changed()


def fresh_tickets(cast, count, department=None):
    untracked()
    tickets = [cast.staff_ticket(department, subject=f"Request {n}") if department
               else cast.open(subject=f"Request {n}") for n in range(count)]
    # Whatever the SLA engine set on them is replaced by the clocks each test writes.
    Clock.objects.filter(ticket__in=tickets).delete()
    return tickets


@pytest.fixture
def overdue(cast) -> Overdue:
    return build_overdue(cast)


def build_overdue(cast) -> Overdue:
    gold = Policy.objects.create(name="Gold", position=1)
    silver = Policy.objects.create(name="Silver", position=2)
    tech = fresh_tickets(cast, 3)
    billing = fresh_tickets(cast, 1, cast.billing)[0]
    tickets = [*tech, billing]
    services.take(cast.john, tech[0].number)   # John is the assignee of the first
    now = clock.now()
    overdue = [
        add_clock(tech[0], policy=gold, due_at=now - 3 * H),
        add_clock(tech[1], "resolution", policy=gold, due_at=now - H),
        add_clock(tech[2], "next_response", Clock.State.BREACHED,
                  policy=silver, due_at=now - 5 * H, breached_at=now - 5 * H),
        add_clock(billing, policy=silver, due_at=now - 2 * H),
    ]
    not_overdue = [
        add_clock(tech[1], policy=gold, due_at=now + H),                       # not yet
        add_clock(tech[2], "resolution", Clock.State.PAUSED, policy=gold),      # paused
        add_clock(tech[0], "next_response", Clock.State.MET, policy=gold,        # met
                  due_at=now - H, ended_at=now - 2 * H, took=H, staff=cast.john),
        add_clock(tech[2], "first_response", Clock.State.CANCELLED, policy=gold,
                  due_at=now - H, ended_at=now - 2 * H),                          # cancelled
        late(billing, "next_response", 6 * H, at=now - H, breached_at=now - 2 * H,  # late, ended
             policy=silver),
    ]
    return Overdue(gold, silver, tickets, overdue, not_overdue)


@pytest.fixture
def on_postgres() -> bool:
    return ON_POSTGRES

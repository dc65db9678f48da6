"""Races between real concurrent database connections (DESIGN §8: concurrent takes never
corrupt a ticket; numbers are never handed out twice).

SQLite serialises every writer and so hides races; these run on PostgreSQL. Without it they
are skipped, unless ZAPROS_REQUIRE_POSTGRES=1 says a run without them is a failure.
"""

import os
import threading

import pytest
from django.db import connection
from django.utils import translation

from conftest import ON_POSTGRES
from zapros.core.errors import Conflict
from zapros.tickets import services
from zapros.tickets.models import Event, Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20


def needs_postgres():
    if ON_POSTGRES and connection.vendor == "postgresql":
        return
    reason = ("races need two real concurrent connections, which only PostgreSQL gives; "
              "run with DATABASE_URL=postgres://…")
    if os.environ.get("ZAPROS_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"ZAPROS_REQUIRE_POSTGRES=1 but the database is {connection.vendor}: {reason}")
    pytest.skip(reason)


def race(*calls, timeout=60):
    """Run each call in its own thread with its own database connection, all released at the
    same moment. Returns what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            with translation.override("en"):
                barrier.wait(timeout)
                results[index] = call()
        except Exception as error:  # the test inspects whatever happened
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    return results


def test_two_agents_taking_at_once_exactly_one_wins(cast):
    needs_postgres()
    winners = []
    for round_number in range(ROUNDS):
        ticket = cast.open(subject=f"Race {round_number}")
        # Alternate who starts first so that neither thread is always ahead.
        agents = (cast.john, cast.gary) if round_number % 2 else (cast.gary, cast.john)

        results = race(*(lambda agent=agent, number=ticket.number: services.take(agent, number)
                         for agent in agents))

        taken = [r for r in results if isinstance(r, Ticket)]
        refused = [r for r in results if isinstance(r, Conflict)]
        assert len(taken) == 1 and len(refused) == 1, results
        winner = taken[0].holder
        assert winner in agents
        assert winner.display_name in str(refused[0].message)
        stored = cast.refresh(ticket)
        assert (stored.state, stored.holder, stored.assignee) == ("open", winner, winner)
        [event] = Event.objects.filter(ticket=ticket, kind=Event.Kind.TAKEN)
        assert event.actor == winner
        winners.append(winner)
    assert len(winners) == ROUNDS


def test_many_agents_taking_many_tickets_at_once(cast):
    needs_postgres()
    # Kept well under PostgreSQL's default of 100 connections: one per racer.
    tickets = [cast.open(subject=f"Busy {i}") for i in range(6)]
    agents = [cast.john, cast.gary, cast.supervisor, cast.admin]
    calls = [
        (lambda agent=agent, ticket=ticket: services.take(agent, ticket.number))
        for ticket in tickets for agent in agents
    ]

    results = race(*calls)

    unexpected = [r for r in results if not isinstance(r, Ticket | Conflict)]
    assert unexpected == []
    assert sum(isinstance(r, Ticket) for r in results) == len(tickets)
    for ticket in tickets:
        stored = cast.refresh(ticket)
        assert stored.holder in agents and stored.state == "open"
        assert Event.objects.filter(ticket=ticket, kind=Event.Kind.TAKEN).count() == 1


def test_concurrent_ticket_creation_never_reuses_a_number(cast, settings):
    needs_postgres()
    start = settings.ZAPROS_TICKET_NUMBER_START
    clients = [cast.alice, cast.bob]
    numbers = []
    # The first round also races to create the counter itself.
    for round_number in range(2):
        results = race(*(
            (lambda subject=f"R{round_number} #{i}", client=clients[i % 2]:
                cast.open(client=client, subject=subject))
            for i in range(10)
        ))
        failures = [r for r in results if not isinstance(r, Ticket)]
        assert failures == []
        numbers += [ticket.number for ticket in results]

    assert sorted(numbers) == list(range(start, start + len(numbers)))
    assert Ticket.objects.count() == len(numbers)
    assert sorted(Ticket.objects.values_list("number", flat=True)) == sorted(numbers)


def test_a_deadline_is_announced_once_whoever_races_for_it(cast, monkeypatch):
    """Two sweeps at once, and a sweep beside the holder's late answer: one breach each, no
    deadlock, and the answer ends the clock as met late."""
    needs_postgres()
    from datetime import timedelta

    from conftest import make_policy
    from zapros.core import clock
    from zapros.sla.models import Clock
    from zapros.tickets import deadlines

    make_policy("Race", departments=[cast.tech], first_response=timedelta(hours=1))
    moment = [clock.now()]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    for n in range(ROUNDS):
        ticket = cast.held(subject=f"Deadline {n}")   # the only clock the sweep will find
        moment[0] += timedelta(hours=2)
        if n % 2:
            racers = (deadlines.sweep, deadlines.sweep)
        else:
            racers = (deadlines.sweep, lambda number=ticket.number: services.reply(
                cast.john, number, body="Late, sorry", close=True))
        results = race(*racers)
        assert not [r for r in results if isinstance(r, Exception)], results
        breaches = Event.objects.filter(ticket=ticket, kind=Event.Kind.SLA_BREACHED).count()
        first = Clock.objects.get(ticket=ticket, metric="first_response")
        assert first.state == Clock.State.BREACHED and first.breached_at is not None
        if n % 2:
            assert breaches == 1
            assert first.ended_at is None
            services.reply(cast.john, ticket.number, body="Now", close=True)
        else:
            # The answer may come first (then nothing is left to announce) or second.
            assert breaches <= 1
            assert first.ended_at == moment[0]

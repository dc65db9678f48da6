"""``manage.py generate``: a large help desk whose every ticket the services could have made."""

import io
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from zapros.accounts.models import Department, User
from zapros.clients.models import Client, Service
from zapros.tickets import rendering, services, states
from zapros.tickets.models import (
    Attachment,
    Event,
    Message,
    Rating,
    Share,
    Ticket,
    TicketCounter,
    Topic,
)
from zapros.tickets.states import State

UNTIL = "2026-06-01"


def generate(tickets=200, seed=7, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("generate", tickets=tickets, seed=seed, until=UNTIL, stdout=out, stderr=err,
                 **options)
    return out.getvalue(), err.getvalue()


def fingerprint():
    """Everything generated, by natural keys rather than row ids."""
    emails = dict(User.objects.values_list("pk", "email"))
    tickets = []
    for t in Ticket.objects.order_by("number").values():
        tickets.append((t["number"], emails[t["client_id"]], t["subject"], t["title"], t["state"],
                        emails.get(t["holder_id"]), emails.get(t["assignee_id"]),
                        t["created_at"], t["updated_at"], t["client_activity_at"],
                        t["needs_reply"], t["reply_due_at"], t["last_staff_public_at"],
                        t["client_seen_at"], t["priority"], t["type"]))
    messages = list(Message.objects.order_by("ticket__number", "created_at", "id").values_list(
        "ticket__number", "author__email", "author_kind", "visibility", "body", "created_at"))
    events = list(Event.objects.order_by("ticket__number", "created_at", "id").values_list(
        "ticket__number", "actor__email", "kind", "created_at"))
    return tickets, messages, events, Attachment.objects.count(), Rating.objects.count()


def wipe():
    for model in (Rating, Attachment, Event, Share, Message, Ticket, Service, Client):
        model.objects.all().delete()
    Department.members.through.objects.all().delete()
    User.objects.all().delete()
    Department.objects.all().delete()
    Topic.objects.all().delete()
    TicketCounter.objects.all().delete()
    if connection.vendor == "postgresql":
        # Run the deferred reference checks of these deletes now: PostgreSQL builds no index
        # on a table with checks pending, and the generator builds some.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_every_generated_ticket_keeps_the_rules_of_the_state_machine():
    out, err = generate(200)
    assert "Generated 200 tickets" in out and "100.0%" in err

    tickets = list(Ticket.objects.all())
    assert len(tickets) == 200
    assert Counter(t.state for t in tickets).keys() == set(State)
    assert sum(t.state == State.ARCHIVED for t in tickets) == 100
    numbers = [t.number for t in tickets]
    assert len(set(numbers)) == 200
    assert TicketCounter.objects.get(pk=1).value == max(numbers)

    by_ticket = defaultdict(list)
    for message in Message.objects.order_by("created_at", "id"):
        by_ticket[message.ticket_id].append(message)
    for ticket in tickets:
        messages = by_ticket[ticket.pk]
        public = [m for m in messages if m.is_public]
        assert messages and messages[0].from_client and messages[0].is_public
        if ticket.state != State.NEW:
            assert len(messages) >= 2, ticket.number
        assert ticket.last_public_from_client == public[-1].from_client
        assert ticket.needs_reply == states.needs_reply(ticket.state,
                                                        ticket.last_public_from_client)
        assert (ticket.reply_due_at is not None) == ticket.needs_reply
        staff_public = [m.created_at for m in public if m.from_staff]
        assert ticket.last_staff_public_at == (max(staff_public) if staff_public else None)
        assert ticket.created_at <= messages[0].created_at
        assert ticket.updated_at >= messages[-1].created_at
        assert ticket.client_activity_at >= public[-1].created_at
        assert ticket.updated_at <= datetime(2026, 6, 1, tzinfo=UTC)
        assert (ticket.holder_id is None) == (ticket.held_at is None)
        if ticket.holder_id:
            assert ticket.assignee_id == ticket.holder_id
        if ticket.state in (State.OPEN, State.ON_HOLD):
            assert ticket.holder_id is not None
        if ticket.state == State.NEW:
            assert ticket.holder_id is None
        if ticket.state == State.ANSWERED:
            assert public[-1].from_staff
    assert Message.objects.filter(visibility=Message.Visibility.INTERNAL).exists()
    assert 4 <= Message.objects.count() / 200 <= 6
    for body, channel, rendered in Message.objects.values_list("body", "channel", "rendered"):
        assert rendered == rendering.render(body, channel=channel)   # as services write it

    created = Event.objects.filter(kind=Event.Kind.CREATED).values("ticket").annotate(n=Count("id"))
    assert len(created) == 200 and {row["n"] for row in created} == {1}
    for attachment in Attachment.objects.select_related("message"):
        assert attachment.message.ticket_id == attachment.ticket_id
        assert attachment.file.storage.exists(attachment.file.name)
    for rating in Rating.objects.select_related("message"):
        assert rating.message.from_staff and rating.message.is_public
        assert rating.message.ticket_id == rating.ticket_id
    for share in Share.objects.select_related("ticket"):
        assert share.department_id != share.ticket.department_id


@pytest.mark.django_db
def test_generated_clocks_are_what_the_rules_give():
    """Counting every generated live clock again changes none of them, and every request
    waiting in work has the clock its reply due time comes from."""
    from zapros.sla.models import Clock
    from zapros.tickets import deadlines

    generate(200)
    before = list(Clock.objects.order_by("pk").values_list(
        "pk", "metric", "state", "started_at", "due_at", "breached_at", "ended_at"))
    waiting = Ticket.objects.filter(needs_reply=True, reply_due_at__isnull=False)
    assert waiting.exists()
    for ticket in waiting:
        live = Clock.objects.get(ticket=ticket, ended_at__isnull=True,
                                 metric__in=["first_response", "next_response"])
        assert live.due_at == ticket.reply_due_at and live.started_at == ticket.waiting_since
    deadlines.recount_live()
    after = list(Clock.objects.order_by("pk").values_list(
        "pk", "metric", "state", "started_at", "due_at", "breached_at", "ended_at"))
    assert after == before


@pytest.mark.django_db
def test_generated_tickets_go_on_through_the_services():
    generate(200)
    agent = User.objects.get(email="agent1@bench.zapros.test")
    fresh = Ticket.objects.filter(state=State.NEW, department__members=agent).first()
    services.take(agent, fresh.number)
    services.reply(agent, fresh.number, body="On it", close=True)
    assert Ticket.objects.get(pk=fresh.pk).state == State.ANSWERED

    answered = Ticket.objects.filter(state=State.ANSWERED, holder__isnull=False).first()
    services.client_reply(answered.client.user, answered.number, body="Still broken")
    assert Ticket.objects.get(pk=answered.pk).state == State.OPEN

    client = Ticket.objects.first().client
    opened = services.open_ticket(client.user, department_id=fresh.department_id,
                                  subject="After the import", body="Hello")
    assert opened.number == TicketCounter.objects.get(pk=1).value
    assert opened.number == Ticket.objects.order_by("-number").first().number


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_help_desk():
    generate(120, seed=3)
    first = fingerprint()
    wipe()
    # However the work is cut and shared out between processes.
    generate(120, seed=3, chunk=25, jobs=2)
    assert fingerprint() == first
    wipe()
    generate(120, seed=4)
    assert fingerprint() != first


@pytest.mark.django_db
def test_generating_twice_into_one_database_is_refused():
    generate(20)
    before = Ticket.objects.count()
    with pytest.raises(CommandError, match="already holds generated data"):
        generate(20)
    assert Ticket.objects.count() == before


@pytest.mark.django_db
def test_generated_tickets_are_found_by_search():
    from zapros.tickets import search

    generate(tickets=60)
    supervisor = User.objects.get(email="supervisor@bench.zapros.test")
    ticket = Ticket.objects.order_by("number").first()
    word = max(ticket.subject.split(), key=len)

    found = search.search(supervisor, word)

    assert found.hits
    assert all(word.lower() in hit.ticket.subject.lower() or Message.objects.filter(
        ticket=hit.ticket, body__icontains=word).exists() for hit in found.hits)


@pytest.mark.django_db
def test_the_search_index_can_be_left_for_later():
    _out, err = generate(tickets=20, without_search_index=True)
    assert "rebuild_search_index" in err

"""Opening a ticket: what it writes, every refusal, and the search document written from the
values in hand (the same document the index builds from the rows, found at once, in a fixed
number of queries)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from conftest import make_policy
from zapros.core.errors import Forbidden, ValidationFailed
from zapros.core.sql import rows
from zapros.tickets import search, services
from zapros.tickets.models import Event, Message, Ticket, Topic
from zapros.tickets.search.text import START, STOP

from .conftest import events, last_event, stored_files

ON_POSTGRES = connection.vendor == "postgresql"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)
EXE = b"MZ\x90\x00" + bytes(24)
UNKNOWN = 987654


def numbers(result):
    return [hit.ticket.number for hit in result.hits]


def stored_document(ticket_id) -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT document::text FROM tickets_search WHERE ticket_id = %s",
                           [ticket_id])
        else:
            cursor.execute("SELECT subject, body, internal FROM tickets_search WHERE rowid = %s",
                           [ticket_id])
        return cursor.fetchall()


def by_a_client(cast):
    return cast.open(subject="Сайт не открывается", body="Ошибка 502\nwith the backup job")


def with_a_topic_and_a_service(cast):
    topic = Topic.objects.create(name="Camera fault")
    return cast.open(subject=f"Camera {START}offline{STOP}", body=f"Since {STOP}morning",
                     topic_id=topic.pk, service_id=cast.alice_hosting.pk)


def by_staff_for_a_client(cast):
    return cast.staff_ticket(cast.sales, subject="Upgrade offer", body="Details: 4 cores")


def from_a_mail_with_notes(cast):
    return services.open_ticket_from_email(
        cast.alice, client_id=cast.alice.pk, department_id=cast.sales.pk,
        subject="Invoice attached", body="Please see the invoice",
        notes=["“virus.exe” was quarantined", "“huge.iso” was left out"],
        html="<p>Please see the <b>invoice</b></p>",
    )


@pytest.mark.parametrize(
    "opening",
    [by_a_client, with_a_topic_and_a_service, by_staff_for_a_client, from_a_mail_with_notes],
)
def test_the_document_written_on_opening_is_the_one_the_index_builds(cast, opening):
    ticket = opening(cast)
    written = stored_document(ticket.pk)
    assert len(written) == 1
    search.index_ticket(ticket.pk)
    assert stored_document(ticket.pk) == written


def test_a_new_ticket_is_found_by_words_of_its_subject_and_first_message(cast):
    ticket = cast.open(subject="Router keeps rebooting", body="The firmware upgrade bricked it")
    cast.open(subject="Site is down", body="Nothing loads")
    for user in (cast.alice, cast.john):
        for word in ("router", "rebooting", "firmware", "bricked"):
            assert numbers(search.search(user, word)) == [ticket.number], (user, word)


def test_a_ticket_from_a_mail_is_found_by_its_words_and_its_notes_by_staff_only(cast):
    ticket = from_a_mail_with_notes(cast)
    for word in ("invoice", "attached"):
        assert numbers(search.search(cast.alice, word)) == [ticket.number]
        assert numbers(search.search(cast.gary, word)) == [ticket.number]
    assert numbers(search.search(cast.gary, "quarantined")) == [ticket.number]
    assert search.search(cast.alice, "quarantined").hits == []


def test_opening_a_ticket_takes_a_fixed_number_of_queries(cast, django_assert_num_queries):
    cast.open()  # the ticket counter exists from then on
    # The client with the department; the SLA configuration's revision; in a savepoint, on
    # PostgreSQL: the ticket with its number, then the message, the event, the SLA clocks and
    # the search document together. SQLite takes a statement for each (and deletes any old
    # document first).
    with django_assert_num_queries(6 if ON_POSTGRES else 11):
        ticket = cast.open(subject="Counted", body="Every query")
    assert ticket.messages.count() == 1
    assert Event.objects.filter(ticket=ticket, kind=Event.Kind.CREATED).count() == 1


def test_opening_a_ticket_from_a_mail_takes_a_fixed_number_of_queries(
        cast, django_assert_num_queries):
    from_a_mail_with_notes(cast)
    # The two notes go with the message on PostgreSQL, one by one on SQLite.
    with django_assert_num_queries(6 if ON_POSTGRES else 13):
        ticket = from_a_mail_with_notes(cast)
    assert list(ticket.messages.order_by("id").values_list("visibility", flat=True)) == [
        Message.Visibility.PUBLIC, Message.Visibility.INTERNAL, Message.Visibility.INTERNAL]


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite before 3.35 has no RETURNING")
def test_without_returning_the_keys_come_from_the_last_row_id(cast, monkeypatch):
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    monkeypatch.setattr(rows, "_TABLES", {})
    first = cast.open(subject="One")
    second = cast.open(subject="Two", body="Second body")
    assert second.number == first.number + 1
    stored = Ticket.objects.get(number=second.number)
    assert stored.pk == second.pk
    assert stored.messages.get().body == "Second body"
    assert Event.objects.get(ticket=stored).kind == Event.Kind.CREATED
    assert numbers(search.search(cast.john, "second")) == [second.number]


# --- Opening ----------------------------------------------------------------------------------

def test_a_client_opens_a_ticket(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=timedelta(hours=4))

    ticket = services.open_ticket(
        cast.alice, department_id=cast.tech.pk, subject="  Site   is down ",
        body="  It shows 502.\r\nPlease help.  ", service_id=cast.alice_hosting.pk,
        files=[("screen.png", PNG)],
    )

    ticket = cast.refresh(ticket)
    assert ticket.number >= 1
    assert ticket.client_id == cast.alice.pk
    assert ticket.department == cast.tech
    assert ticket.service == cast.alice_hosting
    assert (ticket.subject, ticket.title) == ("Site is down", "Site is down · Hosting Pro")
    assert ticket.state == "new"
    assert ticket.holder is None and ticket.assignee is None
    assert ticket.needs_reply is True
    assert ticket.reply_due_at == moment.now + timedelta(hours=4)
    assert ticket.last_staff_public_at is None
    assert ticket.client_status == "under_review"
    assert ticket.staff_status == "under_review"
    [message] = ticket.messages.all()
    assert message.body == "It shows 502.\nPlease help."
    assert message.author == cast.alice
    assert message.from_client and message.is_public
    [attachment] = message.attachments.all()
    assert attachment.original_name == "screen.png"
    assert attachment.content_type == "image/png"
    assert attachment.ticket == ticket
    assert attachment.file.read() == PNG
    assert stored_files() == [attachment.file.name]
    [event] = events(ticket)
    assert event.kind == Event.Kind.CREATED and event.actor == cast.alice


def test_ticket_numbers_follow_each_other(cast):
    first, second = cast.open(), cast.open(client=cast.bob)
    assert second.number == first.number + 1


def test_staff_open_a_ticket_for_a_client_in_any_department(cast):
    ticket = cast.staff_ticket(cast.sales, type="incident", priority=4)
    ticket = cast.refresh(ticket)
    assert ticket.department == cast.sales
    assert ticket.client_id == cast.alice.pk
    assert (ticket.type, ticket.priority) == ("incident", 4)
    [message] = ticket.messages.all()
    # The client's words, written down by staff: the event says who wrote them down.
    assert message.author == cast.alice and message.from_client
    assert last_event(ticket).actor == cast.admin


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "   \n "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"body": ""}, "body"),
        ({"body": " \r\n "}, "body"),
        ({"department": "sales"}, "department"),
        ({"department_id": UNKNOWN}, "department"),
        ({"department_id": None}, "department"),
        ({"service": "bob_domain"}, "service"),
        ({"type": "incident"}, "type"),
        ({"type": "nonsense"}, "type"),
        ({"priority": 9}, "priority"),
        ({"files": [("setup.exe", EXE)]}, "attachments"),
        ({"files": [("fake.png", b"plain text")]}, "attachments"),
        ({"files": [("ok.png", PNG), ("empty.txt", b"")]}, "attachments"),
    ],
)
def test_a_client_opening_bad_input_is_refused(cast, refused, changes, field):
    kwargs = {"department_id": cast.tech.pk, "subject": "Help", "body": "Please"}
    if "department" in changes:
        kwargs["department_id"] = getattr(cast, changes.pop("department")).pk
    if "service" in changes:
        kwargs["service_id"] = getattr(cast, changes.pop("service")).pk
    kwargs.update(changes)
    with refused(ValidationFailed) as error:
        services.open_ticket(cast.alice, **kwargs)
    assert error.value.field == field


def test_an_oversized_attachment_refuses_the_ticket(cast, refused, settings):
    settings.ZAPROS_ATTACHMENT_MAX_BYTES = 100
    with refused(ValidationFailed) as error:
        cast.open(files=[("big.txt", b"x" * 101)])
    assert error.value.field == "attachments"
    assert stored_files() == []


def test_staff_must_name_the_client(cast, refused):
    with refused(ValidationFailed) as error:
        services.open_ticket(cast.john, department_id=cast.tech.pk, subject="S", body="B")
    assert error.value.field == "client"


def test_staff_cannot_attach_a_service_of_another_client(cast, refused):
    with refused(ValidationFailed) as error:
        cast.staff_ticket(cast.tech, service_id=cast.bob_domain.pk)
    assert error.value.field == "service"


def test_nobody_signed_in_cannot_open_a_ticket(cast, refused):
    with refused(Forbidden):
        services.open_ticket(AnonymousUser(), department_id=cast.tech.pk, subject="S",
                             body="B")


def test_a_deactivated_client_cannot_open_a_ticket(cast, refused):
    cast.alice.is_active = False
    cast.alice.save()
    with refused(Forbidden):
        cast.open()

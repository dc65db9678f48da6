"""The conversation and the life of a held ticket: answers, internal comments, parameters,
archiving, what the client writes, the reply deadline, ratings. Each refusal says why and
leaves every row and every file as it was (``refused``)."""

from datetime import timedelta

import pytest
from django.utils import translation

from conftest import DEFAULT_RESPONSE, make_policy
from zapros.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from zapros.tickets import policies, services
from zapros.tickets.models import Event, Message, Rating, Topic

from .conftest import last_event, moved, world

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)
EXE = b"MZ\x90\x00" + bytes(24)
UNKNOWN = 987654


# --- Answering --------------------------------------------------------------------------------

def test_send_answers_and_keeps_the_ticket_open_and_held(cast, moment):
    ticket = cast.held()
    moment.advance(minutes=30)

    message = services.reply(cast.john, ticket.number, body="Looking into it", close=False)

    ticket = cast.refresh(ticket)
    assert (ticket.state, ticket.holder, ticket.assignee) == ("open", cast.john, cast.john)
    assert ticket.needs_reply is False and ticket.reply_due_at is None
    assert ticket.last_staff_public_at == message.created_at == moment.now
    assert ticket.client_unread is True
    assert ticket.client_status == "new_messages"
    assert message.is_public and message.from_staff and message.author == cast.john
    event = last_event(ticket)
    assert event.kind == Event.Kind.REPLIED and event.actor == cast.john
    assert moved(event, "open", "open") and event.data["message"] == message.pk


def test_send_and_close_answers_with_an_internal_note_and_files(cast):
    ticket = cast.held()

    message = services.reply(cast.john, ticket.number, body="Fixed", close=True,
                               note="Was the disk quota", files=[("proof.png", PNG)])

    ticket = cast.refresh(ticket)
    assert ticket.state == "answered" and ticket.holder == cast.john
    assert ticket.needs_reply is False and ticket.reply_due_at is None
    assert ticket.staff_status == "awaiting_client"
    public, note = ticket.messages.filter(author=cast.john).order_by("id")
    assert public == message and public.is_public
    assert note.is_internal and note.body == "Was the disk quota"
    assert [a.original_name for a in message.attachments.all()] == ["proof.png"]
    assert not note.attachments.exists()
    event = last_event(ticket)
    assert event.kind == Event.Kind.CLOSED and moved(event, "open", "answered")
    assert event.actor == cast.john


def test_replying_without_taking_is_refused(cast, refused):
    ticket = cast.open()
    with translation.override("en"), refused(Conflict) as error:
        services.reply(cast.john, ticket.number, body="Hi", close=False)
    assert "Take the request" in str(error.value.message)


def test_writing_into_a_ticket_held_by_another_agent_is_refused(cast, refused):
    ticket = cast.held(cast.john)
    for agent in (cast.gary, cast.supervisor, cast.admin):
        with translation.override("en"), refused(Conflict) as error:
            services.reply(agent, ticket.number, body="Mine now", close=True)
        assert "John Smith" in str(error.value.message)
        with refused(Conflict):
            services.save_parameters(agent, ticket.number, priority=4)
        with refused(Conflict):
            services.freeze(agent, ticket.number)


def test_an_empty_reply_is_refused(cast, refused):
    ticket = cast.held()
    with refused(ValidationFailed) as error:
        services.reply(cast.john, ticket.number, body="  ", close=True)
    assert error.value.field == "body"


@pytest.mark.parametrize("upload", [("run.exe", EXE), ("fake.pdf", b"text")])
def test_a_reply_with_a_forbidden_file_is_refused(cast, refused, upload):
    ticket = cast.held()
    with refused(ValidationFailed) as error:
        services.reply(cast.john, ticket.number, body="See file", close=True,
                         files=[upload])
    assert error.value.field == "attachments"


def test_a_client_cannot_use_the_staff_reply(cast, refused):
    ticket = cast.held()
    with refused(Forbidden):
        services.reply(cast.alice, ticket.number, body="Hi", close=False)


def test_the_holder_cannot_answer_an_archived_ticket(cast, refused):
    ticket = cast.answered()
    services.archive(cast.alice, ticket.number)
    with refused(InvalidTransition):
        services.reply(cast.john, ticket.number, body="More", close=False)


# --- Internal comments ------------------------------------------------------------------------

def test_any_staff_member_who_sees_the_ticket_may_comment(cast):
    ticket = cast.held(cast.john)
    for author in (cast.john, cast.gary, cast.supervisor):
        message = services.comment(author, ticket.number, body=f"Note by {author.name}",
                                   files=[("trace.log", b"stack trace")])
        assert message.is_internal and message.author == author
        assert message.attachments.count() == 1
        event = last_event(ticket)
        assert event.kind == Event.Kind.COMMENTED and event.actor == author
    after = cast.refresh(ticket)
    # A note is not an answer: the client still waits, the holder is unchanged.
    assert (after.state, after.holder, after.needs_reply) == ("open", cast.john, True)
    assert after.reply_due_at == ticket.reply_due_at
    assert after.last_staff_public_at is None
    assert not policies.visible_messages(cast.alice, after).filter(
        visibility=Message.Visibility.INTERNAL).exists()


def test_a_client_cannot_comment(cast, refused):
    ticket = cast.open()
    with refused(Forbidden):
        services.comment(cast.alice, ticket.number, body="Sneaky")


def test_an_agent_cannot_comment_on_a_ticket_of_another_department(cast, refused):
    ticket = cast.staff_ticket(cast.sales)
    with refused(NotFound):
        services.comment(cast.john, ticket.number, body="Hi")


def test_an_empty_comment_is_refused(cast, refused):
    ticket = cast.open()
    with refused(ValidationFailed) as error:
        services.comment(cast.john, ticket.number, body="")
    assert error.value.field == "body"


# --- Parameters -------------------------------------------------------------------------------

def test_the_holder_saves_parameters(cast):
    ticket = cast.held()
    services.save_parameters(
        cast.john, ticket.number, subject="Site down again", title="502 on hosting",
        service=cast.alice_vps.pk, type="bug", priority=3,
    )
    ticket = cast.refresh(ticket)
    assert (ticket.subject, ticket.title) == ("Site down again", "502 on hosting")
    assert (ticket.service, ticket.type, ticket.priority) == (cast.alice_vps, "bug", 3)
    assert ticket.state == "open"
    event = last_event(ticket)
    assert event.kind == Event.Kind.PARAMETERS and event.actor == cast.john
    assert event.data["changes"]["priority"] == [2, 3]
    assert event.data["changes"]["service"] == [None, cast.alice_vps.pk]


def test_saving_unchanged_parameters_writes_nothing(cast):
    ticket = cast.held()
    before = world()
    services.save_parameters(cast.john, ticket.number, subject=ticket.subject, priority=2)
    assert world() == before


def test_a_cleared_title_falls_back_to_the_subject(cast):
    ticket = cast.held()
    services.save_parameters(cast.john, ticket.number, title="Staff words")
    services.save_parameters(cast.john, ticket.number, subject="New words", title="")
    ticket = cast.refresh(ticket)
    assert (ticket.subject, ticket.title) == ("New words", "New words")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"service": "bob_domain"}, "service"),
        ({"topic": UNKNOWN}, "topic"),
        ({"type": "nonsense"}, "type"),
        ({"priority": 0}, "priority"),
        ({"state": "archived"}, "state"),
        ({"holder": 1}, "holder"),
    ],
)
def test_bad_parameters_are_refused(cast, refused, changes, field):
    ticket = cast.held()
    if changes.get("service") == "bob_domain":
        changes["service"] = cast.bob_domain.pk
    with refused(ValidationFailed) as error:
        services.save_parameters(cast.john, ticket.number, **changes)
    assert error.value.field == field


# --- Archiving --------------------------------------------------------------------------------

def test_the_client_archives_an_answered_ticket(cast):
    ticket = cast.answered()
    services.archive(cast.alice, ticket.number)
    ticket = cast.refresh(ticket)
    assert ticket.state == "archived"
    assert ticket.client_status == ticket.staff_status == "archived"
    event = last_event(ticket)
    assert event.kind == Event.Kind.ARCHIVED and event.actor == cast.alice
    assert moved(event, "answered", "archived")


def test_the_holder_archives_a_resolved_ticket(cast):
    ticket = cast.held()
    services.resolve(cast.john, ticket.number)
    services.archive(cast.john, ticket.number)
    assert cast.refresh(ticket).state == "archived"
    assert moved(last_event(ticket), "resolved", "archived")


@pytest.mark.parametrize("situation", ["new", "open", "on_hold"])
def test_archiving_a_ticket_still_open_at_the_provider_is_refused(cast, refused, situation):
    ticket = cast.open()
    if situation != "new":
        services.take(cast.john, ticket.number)
    if situation == "on_hold":
        services.freeze(cast.john, ticket.number)
    for actor in (cast.alice, cast.john) if situation != "new" else (cast.alice,):
        with translation.override("en"), refused(InvalidTransition) as error:
            services.archive(actor, ticket.number)
        assert "still being handled" in str(error.value.message)


def test_only_the_client_or_the_holder_archives(cast, refused):
    ticket = cast.answered(cast.john)
    for actor in (cast.gary, cast.supervisor):
        with refused(Conflict):
            services.archive(actor, ticket.number)


# --- The client writes ------------------------------------------------------------------------

def test_a_client_adds_to_a_new_ticket(cast, moment):
    ticket = cast.open()
    due = cast.refresh(ticket).reply_due_at
    moment.advance(hours=1)

    message = services.client_reply(cast.alice, ticket.number, body="Also the mail is down",
                                    files=[("more.txt", b"details")])

    ticket = cast.refresh(ticket)
    assert ticket.state == "new" and ticket.needs_reply is True
    # The client spoke twice; the deadline still counts from the first unanswered message.
    assert ticket.reply_due_at == due
    assert message.from_client and message.is_public and message.attachments.count() == 1
    event = last_event(ticket)
    assert event.kind == Event.Kind.CLIENT_REPLIED and event.actor == cast.alice
    assert moved(event, "new", "new") and event.data["message"] == message.pk


@pytest.mark.parametrize(
    ("closed", "unlocked", "reopened"),
    [
        ("answered", False, "open"),
        ("answered", True, "new"),
        ("resolved", False, "open"),
        ("resolved", True, "new"),
        ("archived", False, "open"),
        ("archived", True, "new"),
    ],
)
def test_a_client_message_reopens_a_closed_ticket(cast, moment, closed, unlocked, reopened):
    ticket = cast.answered()
    if closed == "resolved":
        services.resolve(cast.john, ticket.number)
    if unlocked:
        services.unlock(cast.supervisor, ticket.number)
    if closed == "archived":
        services.archive(cast.alice, ticket.number)
    moment.advance(days=1)

    services.client_reply(cast.alice, ticket.number, body="It broke again")

    ticket = cast.refresh(ticket)
    assert ticket.state == reopened
    assert ticket.holder == (None if unlocked else cast.john)
    assert ticket.needs_reply is True
    assert ticket.reply_due_at == moment.now + DEFAULT_RESPONSE
    event = last_event(ticket)
    assert event.kind == Event.Kind.REOPENED and event.actor == cast.alice
    assert moved(event, closed, reopened)


def test_a_client_message_into_a_frozen_ticket_keeps_it_frozen(cast):
    ticket = cast.held()
    services.reply(cast.john, ticket.number, body="Wait please", close=False)
    services.freeze(cast.john, ticket.number)
    services.client_reply(cast.alice, ticket.number, body="Any news?")
    ticket = cast.refresh(ticket)
    assert ticket.state == "on_hold" and ticket.needs_reply is True
    assert ticket.reply_due_at is not None


def test_a_client_cannot_reply_into_another_clients_ticket(cast, refused):
    ticket = cast.open()
    with refused(NotFound):
        services.client_reply(cast.bob, ticket.number, body="Hello")


def test_staff_cannot_write_as_the_client(cast, refused):
    ticket = cast.open()
    with refused(Forbidden):
        services.client_reply(cast.john, ticket.number, body="Hello")


@pytest.mark.parametrize(
    ("body", "files", "field"),
    [("", (), "body"), ("Look", [("x.html", b"<b>")], "attachments")],
)
def test_a_bad_client_reply_is_refused(cast, refused, body, files, field):
    ticket = cast.answered()
    with refused(ValidationFailed) as error:
        services.client_reply(cast.alice, ticket.number, body=body, files=files)
    assert error.value.field == field


def test_the_client_marks_the_question_solved(cast):
    ticket = cast.open()
    services.resolve(cast.alice, ticket.number)
    ticket = cast.refresh(ticket)
    assert ticket.state == "resolved"
    assert ticket.needs_reply is False and ticket.reply_due_at is None
    event = last_event(ticket)
    assert event.kind == Event.Kind.RESOLVED and event.actor == cast.alice
    assert moved(event, "new", "resolved")


def test_solving_twice_is_refused(cast, refused):
    ticket = cast.open()
    services.resolve(cast.alice, ticket.number)
    with refused(InvalidTransition):
        services.resolve(cast.alice, ticket.number)


def test_the_client_sees_new_messages_until_they_read_them(cast, moment):
    ticket = cast.held()
    services.reply(cast.john, ticket.number, body="Done?", close=True)
    ticket = cast.refresh(ticket)
    assert ticket.client_status == "new_messages"

    services.mark_seen(cast.john, ticket)  # staff reading is not the client reading
    assert cast.refresh(ticket).client_unread is True

    moment.advance(minutes=1)
    services.mark_seen(cast.alice, ticket)
    ticket = cast.refresh(ticket)
    assert ticket.client_unread is False and ticket.client_status == "viewed"


# --- Needs reply and the deadline: "the last word is ours" -----------------------------------

def test_needs_reply_and_the_deadline_follow_the_last_public_word(cast, moment):
    make_policy("Tech", departments=[cast.tech], first_response=timedelta(hours=2),
                next_response=timedelta(hours=2))
    opened_at = moment.now
    ticket = cast.open()
    assert cast.refresh(ticket).reply_due_at == opened_at + timedelta(hours=2)

    moment.advance(hours=3)
    assert cast.refresh(ticket).is_overdue is True

    services.take(cast.john, ticket.number)
    services.comment(cast.john, ticket.number, body="Checking the logs")
    ticket = cast.refresh(ticket)
    assert ticket.needs_reply is True and ticket.is_overdue is True

    services.reply(cast.john, ticket.number, body="Done", close=False)
    ticket = cast.refresh(ticket)
    assert ticket.needs_reply is False and ticket.reply_due_at is None
    assert ticket.is_overdue is False

    services.comment(cast.gary, ticket.number, body="Nice")
    assert cast.refresh(ticket).needs_reply is False

    moment.advance(minutes=10)
    answer_due = moment.now + timedelta(hours=2)
    services.client_reply(cast.alice, ticket.number, body="Thanks, but…")
    moment.advance(minutes=10)
    services.client_reply(cast.alice, ticket.number, body="…one more thing")
    ticket = cast.refresh(ticket)
    assert ticket.needs_reply is True and ticket.reply_due_at == answer_due
    assert ticket.is_overdue is False
    moment.advance(hours=2)
    assert cast.refresh(ticket).is_overdue is True


def test_the_topic_deadline_wins_over_the_department(cast, moment):
    topic = Topic.objects.create(name="Outage")
    make_policy("Outage", topics=[topic], first_response=timedelta(minutes=30),
                next_response=timedelta(minutes=30))
    ticket = cast.answered()
    services.save_parameters(cast.john, ticket.number, topic=topic.pk)
    services.client_reply(cast.alice, ticket.number, body="Down again")
    assert cast.refresh(ticket).reply_due_at == moment.now + timedelta(minutes=30)


# --- Rating -----------------------------------------------------------------------------------

def test_the_client_rates_a_staff_answer_and_may_change_the_rating(cast):
    ticket = cast.held()
    answer = services.reply(cast.john, ticket.number, body="Fixed", close=True)

    rating = services.rate(cast.alice, ticket.number, message_id=answer.pk, value="bad",
                           comment="  slow  ")
    assert (rating.value, rating.comment, rating.ticket) == ("bad", "slow", ticket)
    event = last_event(ticket)
    assert event.kind == Event.Kind.RATED and event.actor == cast.alice
    assert event.data == {"message": answer.pk, "value": "bad"}

    services.rate(cast.alice, ticket.number, message_id=answer.pk, value="good")
    [rating] = Rating.objects.filter(message=answer)
    assert (rating.value, rating.comment) == ("good", "")


def test_only_public_staff_answers_can_be_rated(cast, refused):
    ticket = cast.held()
    note = services.comment(cast.john, ticket.number, body="internal")
    own = ticket.messages.get(author=cast.alice)
    other = services.reply(cast.john, cast.held(subject="Other").number, body="Other",
                             close=True)
    for message_id in (note.pk, own.pk, other.pk, UNKNOWN):
        with refused(ValidationFailed) as error:
            services.rate(cast.alice, ticket.number, message_id=message_id, value="good")
        assert error.value.field == "message"


def test_a_rating_must_be_good_or_bad(cast, refused):
    ticket = cast.held()
    answer = services.reply(cast.john, ticket.number, body="Fixed", close=True)
    with refused(ValidationFailed) as error:
        services.rate(cast.alice, ticket.number, message_id=answer.pk, value="great")
    assert error.value.field == "value"


def test_only_the_owner_rates(cast, refused):
    ticket = cast.held()
    answer = services.reply(cast.john, ticket.number, body="Fixed", close=True)
    with refused(NotFound):
        services.rate(cast.bob, ticket.number, message_id=answer.pk, value="bad")
    with refused(Forbidden):
        services.rate(cast.john, ticket.number, message_id=answer.pk, value="good")

"""Every ticket operation through the services: what it writes when it succeeds, and that a
refusal says why and leaves every row and every file as it was (``refused``)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection
from django.utils import translation

from zapros.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from zapros.tickets import policies, services
from zapros.tickets.models import Attachment, Event, Message, Rating, Topic

from .conftest import events, last_event, moved, stored_files, world

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)
EXE = b"MZ\x90\x00" + bytes(24)
UNKNOWN = 987654


# --- Opening ----------------------------------------------------------------------------------

def test_a_client_opens_a_ticket(cast, moment):
    cast.tech.response_deadline = timedelta(hours=4)
    cast.tech.save()

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
    assert error.value.field == "note"


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
    assert ticket.reply_due_at == moment.now + cast.tech.response_deadline
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
    services.client_resolve(cast.alice, ticket.number)
    ticket = cast.refresh(ticket)
    assert ticket.state == "resolved"
    assert ticket.needs_reply is False and ticket.reply_due_at is None
    event = last_event(ticket)
    assert event.kind == Event.Kind.RESOLVED and event.actor == cast.alice
    assert moved(event, "new", "resolved")


def test_solving_twice_is_refused(cast, refused):
    ticket = cast.open()
    services.client_resolve(cast.alice, ticket.number)
    with refused(InvalidTransition):
        services.client_resolve(cast.alice, ticket.number)


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
    cast.tech.response_deadline = timedelta(hours=2)
    cast.tech.save()
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
    topic = Topic.objects.create(name="Outage", response_deadline=timedelta(minutes=30))
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


# --- Unknown and foreign tickets --------------------------------------------------------------

STAFF_OPERATIONS = {
    "take": lambda user, n: services.take(user, n),
    "reply": lambda user, n: services.reply(user, n, body="Hi", close=True),
    "comment": lambda user, n: services.comment(user, n, body="Hi"),
    "save_parameters": lambda user, n: services.save_parameters(user, n, priority=3),
    "freeze": lambda user, n: services.freeze(user, n),
    "resume": lambda user, n: services.resume(user, n),
    "resolve": lambda user, n: services.resolve(user, n),
    "archive": lambda user, n: services.archive(user, n),
    "unlock": lambda user, n: services.unlock(user, n),
    "reassign": lambda user, n: services.reassign(user, n, user.pk),
}
CLIENT_OPERATIONS = {
    "client_reply": lambda user, n: services.client_reply(user, n, body="Hi"),
    "client_resolve": lambda user, n: services.client_resolve(user, n),
    "archive": lambda user, n: services.archive(user, n),
    "rate": lambda user, n: services.rate(user, n, message_id=1, value="good"),
}


@pytest.mark.parametrize("operation", sorted(STAFF_OPERATIONS))
@pytest.mark.parametrize("number", [UNKNOWN, "abc", None, -1])
def test_unknown_ticket_numbers_are_not_found_by_staff(cast, refused, operation, number):
    cast.open()
    with refused(NotFound):
        STAFF_OPERATIONS[operation](cast.admin, number)


@pytest.mark.parametrize("operation", sorted(CLIENT_OPERATIONS))
@pytest.mark.parametrize("number", [UNKNOWN, "abc", None])
def test_unknown_ticket_numbers_are_not_found_by_clients(cast, refused, operation, number):
    cast.open()
    with refused(NotFound):
        CLIENT_OPERATIONS[operation](cast.alice, number)


@pytest.mark.parametrize("operation", sorted(CLIENT_OPERATIONS))
def test_a_client_acting_on_another_clients_ticket_finds_nothing(cast, refused, operation):
    ticket = cast.answered()
    with refused(NotFound) as error:
        CLIENT_OPERATIONS[operation](cast.bob, ticket.number)
    with refused(NotFound) as unknown:
        CLIENT_OPERATIONS[operation](cast.bob, UNKNOWN)
    # The same words for someone else's ticket and for none: numbers cannot be probed.
    assert str(error.value.message) == str(unknown.value.message)


NOT_AN_ID = ["abc", "1; drop table", 1.5j, -3, 10**30]


@pytest.mark.parametrize("bad", NOT_AN_ID, ids=str)
def test_ids_that_are_not_ids_are_refused_as_input(cast, refused, bad):
    ticket = cast.held()
    answer = services.reply(cast.john, ticket.number, body="Done", close=False)
    kwargs = {"department_id": cast.tech.pk, "subject": "S", "body": "B"}
    checks = [
        ("department", lambda: services.open_ticket(cast.alice, **{**kwargs,
                                                                   "department_id": bad})),
        ("service", lambda: services.open_ticket(cast.alice, **kwargs, service_id=bad)),
        ("client", lambda: services.open_ticket(cast.admin, **kwargs, client_id=bad)),
        ("service", lambda: services.save_parameters(cast.john, ticket.number, service=bad)),
        ("topic", lambda: services.save_parameters(cast.john, ticket.number, topic=bad)),
        ("agent", lambda: services.reassign(cast.supervisor, ticket.number, bad)),
        ("message", lambda: services.rate(cast.alice, ticket.number, message_id=bad,
                                          value="good")),
    ]
    for field, call in checks:
        with refused(ValidationFailed) as error:
            call()
        assert error.value.field == field
    assert answer.pk  # the valid answer stays rateable
    services.rate(cast.alice, ticket.number, message_id=str(answer.pk), value="good")


@pytest.mark.parametrize("number", [10**30, "10" * 20, 0, ""])
def test_absurd_ticket_numbers_are_not_found(cast, refused, number):
    cast.open()
    with refused(NotFound):
        services.client_reply(cast.alice, number, body="Hi")
    with refused(NotFound):
        policies.access_ticket(cast.admin, number)


# --- Files of a failed write ------------------------------------------------------------------

@pytest.fixture
def failing_event_writes(db):
    """Make the database itself refuse new Event rows, the last write of every operation, so
    that an operation fails after its files are already on disk. The trigger lives in the
    test's transaction and goes away with it."""
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION zapros_refuse_event() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'event rows are refused'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER zapros_refuse_event BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION zapros_refuse_event()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER zapros_refuse_event BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'event rows are refused'); END"
            )
        else:  # pragma: no cover
            pytest.skip(f"no failing trigger written for {connection.vendor}")


WRITES_WITH_FILES = {
    "open_ticket": lambda cast, ticket, files: cast.open(files=files),
    "client_reply": lambda cast, ticket, files: services.client_reply(
        cast.alice, ticket.number, body="Logs", files=files),
    "reply": lambda cast, ticket, files: services.reply(
        cast.john, ticket.number, body="Done", close=True, files=files),
    "comment": lambda cast, ticket, files: services.comment(
        cast.gary, ticket.number, body="Trace", files=files),
}


@pytest.mark.parametrize("operation", sorted(WRITES_WITH_FILES))
def test_files_of_a_failed_write_are_removed(cast, request, operation):
    ticket = cast.held()
    request.getfixturevalue("failing_event_writes")
    before = world()
    assert before["files"] == []

    with pytest.raises(DatabaseError, match="event rows are refused"):
        WRITES_WITH_FILES[operation](
            cast, ticket, [("a.png", PNG), ("b.txt", b"log lines"), ("c.png", PNG + b"!")]
        )

    assert stored_files() == []
    assert world() == before
    assert not Attachment.objects.exists()


def test_without_the_failure_the_same_writes_keep_their_files(cast):
    ticket = cast.held()
    for write in WRITES_WITH_FILES.values():
        write(cast, ticket, [("a.png", PNG)])
    assert len(stored_files()) == Attachment.objects.count() == len(WRITES_WITH_FILES)
    for attachment in Attachment.objects.all():
        assert attachment.file.read() == PNG


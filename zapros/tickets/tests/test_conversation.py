"""The conversation flags as pure functions: no database here."""

from datetime import UTC, datetime, timedelta

import pytest

from zapros.tickets import conversation
from zapros.tickets.conversation import Flags, Said
from zapros.tickets.models import Message
from zapros.tickets.states import State

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
CLIENT, STAFF, SYSTEM = "client", "staff", "system"
PUBLIC, INTERNAL = "public", "internal"
# Before the first message: what a new ticket row holds.
BLANK = Flags(last_public_from_client=True, needs_reply=True, waiting_since=None,
              last_staff_public_at=None, client_activity_at=None)


def says(flags, author_kind, at, visibility=PUBLIC, state=State.OPEN):
    """A message followed by the state it leaves, as every operation saves it."""
    flags = conversation.after_message(flags, author_kind=author_kind, visibility=visibility,
                                       at=at)
    return conversation.settle(flags, state)


def asked_at(at):
    return says(BLANK, CLIENT, at, state=State.NEW)


def test_the_first_client_message_starts_the_wait():
    flags = asked_at(T0)
    assert flags == Flags(True, True, T0, None, T0)


def test_a_second_client_message_does_not_move_the_wait():
    flags = says(asked_at(T0), CLIENT, T0 + 3 * HOUR, state=State.NEW)
    assert flags.waiting_since == T0
    assert flags.client_activity_at == T0 + 3 * HOUR


@pytest.mark.parametrize("author_kind", [STAFF, SYSTEM, CLIENT])
def test_an_internal_message_changes_nothing(author_kind):
    before = says(asked_at(T0), STAFF, T0 + HOUR)
    before = says(before, CLIENT, T0 + 2 * HOUR)
    after = conversation.after_message(before, author_kind=author_kind, visibility=INTERNAL,
                                       at=T0 + 3 * HOUR)
    assert after == before


def test_a_staff_public_reply_ends_the_wait_whatever_the_state():
    asked = asked_at(T0)
    answered = conversation.after_message(asked, author_kind=STAFF, visibility=PUBLIC,
                                          at=T0 + HOUR)
    assert answered == Flags(False, False, None, T0 + HOUR, T0 + HOUR)
    # Staying open (chat mode) or on hold does not bring the wait back.
    for state in (State.OPEN, State.ON_HOLD, State.ANSWERED):
        assert conversation.settle(answered, state) == answered


def test_a_public_system_line_counts_as_activity_only():
    asked = asked_at(T0)
    after = says(asked, SYSTEM, T0 + HOUR, state=State.NEW)
    assert after == Flags(True, True, T0, None, T0 + HOUR)


def test_the_client_writing_after_the_answer_starts_a_new_wait():
    answered = says(asked_at(T0), STAFF, T0 + HOUR)
    again = says(answered, CLIENT, T0 + 5 * HOUR)
    assert (again.needs_reply, again.waiting_since) == (True, T0 + 5 * HOUR)


def test_reopening_by_the_client_starts_a_new_wait():
    # Answered and closed; the client writes: the ticket reopens, then the message is written.
    closed = conversation.after_move(says(asked_at(T0), STAFF, T0 + HOUR, state=State.ANSWERED),
                                     State.OPEN, State.ANSWERED, T0 + HOUR)
    reopened = conversation.after_move(closed, State.ANSWERED, State.OPEN, T0 + 30 * HOUR)
    assert (reopened.needs_reply, reopened.waiting_since) == (False, None)
    written = says(reopened, CLIENT, T0 + 30 * HOUR)
    assert (written.needs_reply, written.waiting_since) == (True, T0 + 30 * HOUR)


def test_a_ticket_solved_without_an_answer_keeps_the_clients_wait():
    # Solved while the client had the last word: needs-reply comes back on reopening, and
    # the wait is still the one the question began (the SLA decides what its clock does).
    solved = conversation.settle(asked_at(T0), State.RESOLVED)
    assert (solved.needs_reply, solved.waiting_since) == (False, T0)
    reopened = conversation.after_move(solved, State.RESOLVED, State.NEW, T0 + 48 * HOUR)
    assert (reopened.needs_reply, reopened.waiting_since) == (True, T0)
    written = says(reopened, CLIENT, T0 + 48 * HOUR, state=State.NEW)
    assert written.waiting_since == T0


def test_a_state_where_nothing_is_worked_on_stops_needing_a_reply():
    for state in (State.ANSWERED, State.RESOLVED, State.ARCHIVED):
        assert conversation.settle(asked_at(T0), state).running is False
    for state in (State.NEW, State.OPEN, State.ON_HOLD):
        assert conversation.settle(asked_at(T0), state) == asked_at(T0)


def test_a_move_the_client_sees_is_activity():
    asked = asked_at(T0)
    taken = conversation.after_move(asked, State.NEW, State.OPEN, T0 + HOUR)
    assert taken.client_activity_at == T0  # still "under review" for the client
    solved = conversation.after_move(taken, State.OPEN, State.RESOLVED, T0 + 2 * HOUR)
    assert solved.client_activity_at == T0 + 2 * HOUR


def test_overdue_starts_after_the_due_instant():
    due = T0 + 8 * HOUR
    assert conversation.is_overdue(True, due, due - timedelta(microseconds=1)) is False
    assert conversation.is_overdue(True, due, due) is False
    assert conversation.is_overdue(True, due, due + timedelta(microseconds=1)) is True
    assert conversation.is_overdue(False, due, due + HOUR) is False
    assert conversation.is_overdue(True, None, due + HOUR) is False


def test_client_unread_compares_the_last_look_with_the_last_answer():
    answered = says(asked_at(T0), STAFF, T0 + HOUR).last_staff_public_at
    assert conversation.client_unread(answered, None) is True
    assert conversation.client_unread(answered, T0) is True
    assert conversation.client_unread(answered, T0 + HOUR) is False
    assert conversation.client_unread(None, None) is False


def conversation_of(*said):
    return [Said(kind, visibility, T0 + hours * HOUR) for kind, visibility, hours in said]


def test_rederived_runs_from_the_first_question_after_the_last_answer():
    messages = conversation_of(
        (CLIENT, PUBLIC, 0), (STAFF, PUBLIC, 1), (STAFF, INTERNAL, 2), (CLIENT, PUBLIC, 3),
        (SYSTEM, PUBLIC, 4), (CLIENT, PUBLIC, 5), (STAFF, INTERNAL, 6),
    )
    flags = conversation.rederived(BLANK, messages)
    assert flags == Flags(True, True, T0 + 3 * HOUR, T0 + HOUR, None)


def test_rederived_the_same_as_following_the_messages_one_by_one():
    messages = conversation_of((CLIENT, PUBLIC, 0), (CLIENT, PUBLIC, 2), (STAFF, PUBLIC, 3),
                               (CLIENT, PUBLIC, 4), (CLIENT, PUBLIC, 6), (STAFF, INTERNAL, 7))
    followed = BLANK
    for message in messages:
        followed = says(followed, message.author_kind, message.at, message.visibility)
    rederived = conversation.settle(conversation.rederived(BLANK, messages), State.OPEN)
    assert rederived == Flags(True, True, T0 + 4 * HOUR, T0 + 3 * HOUR, None)
    assert (rederived.last_public_from_client, rederived.needs_reply, rederived.waiting_since,
            rederived.last_staff_public_at) == (
        followed.last_public_from_client, followed.needs_reply, followed.waiting_since,
        followed.last_staff_public_at)


def test_rederived_after_the_answer_or_with_no_conversation_left():
    answered = conversation_of((CLIENT, PUBLIC, 0), (STAFF, PUBLIC, 1), (CLIENT, INTERNAL, 2))
    flags = conversation.rederived(asked_at(T0), answered)
    assert (flags.last_public_from_client, flags.waiting_since, flags.last_staff_public_at) == (
        False, None, T0 + HOUR)
    # A merged-away ticket holds no messages: nobody owes anyone an answer there.
    empty = conversation.rederived(asked_at(T0), [])
    assert (empty.last_public_from_client, empty.waiting_since, empty.last_staff_public_at) == (
        True, None, None)


def test_the_rules_read_the_values_the_messages_are_stored_with():
    assert (conversation.CLIENT, conversation.STAFF) == (
        Message.AuthorKind.CLIENT, Message.AuthorKind.STAFF)
    assert conversation.PUBLIC == Message.Visibility.PUBLIC
    assert {CLIENT, STAFF, SYSTEM} == set(Message.AuthorKind.values)
    assert {PUBLIC, INTERNAL} == set(Message.Visibility.values)

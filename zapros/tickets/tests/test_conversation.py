"""The conversation flags and the reply deadline as pure functions: no database here."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from zapros.tickets import conversation
from zapros.tickets.conversation import CalendarTime, Flags, Said
from zapros.tickets.models import Message
from zapros.tickets.states import State

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
EIGHT_HOURS = CalendarTime(8 * HOUR)
CLIENT, STAFF, SYSTEM = "client", "staff", "system"
PUBLIC, INTERNAL = "public", "internal"
# Before the first message: what a new ticket row holds.
BLANK = Flags(last_public_from_client=True, needs_reply=True, reply_due_at=None,
              last_staff_public_at=None, client_activity_at=None)


@dataclass
class Asked:
    """A deadline that records what it was asked, so that laziness can be seen."""

    length: timedelta
    starts: list

    def due(self, start):
        self.starts.append(start)
        return start + self.length

    def started(self, due):
        return due - self.length


def says(flags, author_kind, at, visibility=PUBLIC, deadline=EIGHT_HOURS, state=State.OPEN):
    """A message followed by the state it leaves, as every operation saves it."""
    flags = conversation.after_message(flags, author_kind=author_kind, visibility=visibility,
                                       at=at, deadline=deadline)
    return conversation.settle(flags, state)


def asked_at(at):
    return says(BLANK, CLIENT, at, state=State.NEW)


def test_the_first_client_message_starts_the_deadline():
    flags = asked_at(T0)
    assert flags == Flags(True, True, T0 + 8 * HOUR, None, T0)


def test_a_second_client_message_does_not_move_a_running_deadline():
    asked = Asked(8 * HOUR, [])
    flags = says(asked_at(T0), CLIENT, T0 + 3 * HOUR, deadline=asked, state=State.NEW)
    assert flags.reply_due_at == T0 + 8 * HOUR
    assert flags.client_activity_at == T0 + 3 * HOUR
    assert asked.starts == []  # the deadline is not even looked up


@pytest.mark.parametrize("author_kind", [STAFF, SYSTEM, CLIENT])
def test_an_internal_message_changes_nothing(author_kind):
    before = says(asked_at(T0), STAFF, T0 + HOUR)
    before = says(before, CLIENT, T0 + 2 * HOUR)
    asked = Asked(HOUR, [])
    after = conversation.after_message(before, author_kind=author_kind, visibility=INTERNAL,
                                       at=T0 + 3 * HOUR, deadline=asked)
    assert after == before and asked.starts == []


def test_a_staff_public_reply_ends_the_deadline_whatever_the_state():
    asked = asked_at(T0)
    answered = conversation.after_message(asked, author_kind=STAFF, visibility=PUBLIC,
                                          at=T0 + HOUR, deadline=EIGHT_HOURS)
    assert answered == Flags(False, False, None, T0 + HOUR, T0 + HOUR)
    # Staying open (chat mode) or on hold does not bring the deadline back.
    for state in (State.OPEN, State.ON_HOLD, State.ANSWERED):
        assert conversation.settle(answered, state) == answered


def test_a_public_system_line_counts_as_activity_only():
    asked = asked_at(T0)
    after = says(asked, SYSTEM, T0 + HOUR, state=State.NEW)
    assert after == Flags(True, True, T0 + 8 * HOUR, None, T0 + HOUR)


def test_the_client_writing_after_the_answer_starts_a_new_deadline():
    answered = says(asked_at(T0), STAFF, T0 + HOUR)
    again = says(answered, CLIENT, T0 + 5 * HOUR)
    assert (again.needs_reply, again.reply_due_at) == (True, T0 + 13 * HOUR)


def test_reopening_by_the_client_starts_a_new_deadline():
    # Answered and closed; the client writes: the ticket reopens, then the message is written.
    closed = conversation.after_move(says(asked_at(T0), STAFF, T0 + HOUR, state=State.ANSWERED),
                                     State.OPEN, State.ANSWERED, T0 + HOUR)
    reopened = conversation.after_move(closed, State.ANSWERED, State.OPEN, T0 + 30 * HOUR)
    assert (reopened.needs_reply, reopened.reply_due_at) == (False, None)
    written = says(reopened, CLIENT, T0 + 30 * HOUR)
    assert (written.needs_reply, written.reply_due_at) == (True, T0 + 38 * HOUR)


def test_reopening_a_ticket_solved_without_an_answer_starts_a_new_deadline():
    # Solved while the client had the last word: needs-reply comes back on reopening, but
    # the old deadline is gone and the new message starts one from its own time.
    solved = conversation.settle(asked_at(T0), State.RESOLVED)
    assert (solved.needs_reply, solved.reply_due_at) == (False, None)
    reopened = conversation.after_move(solved, State.RESOLVED, State.NEW, T0 + 48 * HOUR)
    assert (reopened.needs_reply, reopened.reply_due_at) == (True, None)
    written = says(reopened, CLIENT, T0 + 48 * HOUR, state=State.NEW)
    assert written.reply_due_at == T0 + 56 * HOUR


def test_a_state_where_nothing_is_worked_on_stops_the_deadline():
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


def test_the_topics_response_time_wins_over_the_departments():
    assert conversation.deadline_for(2 * HOUR, 8 * HOUR).due(T0) == T0 + 2 * HOUR
    assert conversation.deadline_for(None, 8 * HOUR).due(T0) == T0 + 8 * HOUR


def test_a_topic_change_shifts_a_running_deadline_by_the_difference():
    flags = says(asked_at(T0), CLIENT, T0 + 3 * HOUR)
    moved = conversation.after_topic_change(flags, EIGHT_HOURS, CalendarTime(2 * HOUR))
    assert moved.reply_due_at == T0 + 2 * HOUR  # from the first question, not the second
    back = conversation.after_topic_change(moved, CalendarTime(2 * HOUR), CalendarTime(24 * HOUR))
    assert back.reply_due_at == T0 + 24 * HOUR
    assert back == Flags(True, True, T0 + 24 * HOUR, None, T0 + 3 * HOUR)


def test_a_topic_change_leaves_a_ticket_without_a_running_deadline_alone():
    answered = says(asked_at(T0), STAFF, T0 + HOUR)
    assert conversation.after_topic_change(answered, EIGHT_HOURS, CalendarTime(HOUR)) == answered


def test_overdue_starts_after_the_due_instant():
    due = asked_at(T0).reply_due_at
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
    flags = conversation.rederived(BLANK, messages, EIGHT_HOURS)
    assert flags == Flags(True, True, T0 + 11 * HOUR, T0 + HOUR, None)


def test_rederived_the_same_as_following_the_messages_one_by_one():
    messages = conversation_of((CLIENT, PUBLIC, 0), (CLIENT, PUBLIC, 2), (STAFF, PUBLIC, 3),
                               (CLIENT, PUBLIC, 4), (CLIENT, PUBLIC, 6), (STAFF, INTERNAL, 7))
    followed = BLANK
    for message in messages:
        followed = says(followed, message.author_kind, message.at, message.visibility)
    rederived = conversation.settle(conversation.rederived(BLANK, messages, EIGHT_HOURS),
                                    State.OPEN)
    assert rederived == Flags(True, True, T0 + 12 * HOUR, T0 + 3 * HOUR, None)
    assert (rederived.last_public_from_client, rederived.needs_reply, rederived.reply_due_at,
            rederived.last_staff_public_at) == (
        followed.last_public_from_client, followed.needs_reply, followed.reply_due_at,
        followed.last_staff_public_at)


def test_rederived_after_the_answer_or_with_no_conversation_left():
    answered = conversation_of((CLIENT, PUBLIC, 0), (STAFF, PUBLIC, 1), (CLIENT, INTERNAL, 2))
    asked = Asked(HOUR, [])
    flags = conversation.rederived(asked_at(T0), answered, asked)
    assert (flags.last_public_from_client, flags.reply_due_at, flags.last_staff_public_at) == (
        False, None, T0 + HOUR)
    assert asked.starts == []
    # A merged-away ticket holds no messages: nobody owes anyone an answer there.
    empty = conversation.rederived(asked_at(T0), [], EIGHT_HOURS)
    assert (empty.last_public_from_client, empty.reply_due_at, empty.last_staff_public_at) == (
        True, None, None)


def test_a_calendar_counts_the_deadline_from_its_start():
    assert EIGHT_HOURS.started(EIGHT_HOURS.due(T0)) == T0


def test_the_rules_read_the_values_the_messages_are_stored_with():
    assert (conversation.CLIENT, conversation.STAFF) == (
        Message.AuthorKind.CLIENT, Message.AuthorKind.STAFF)
    assert conversation.PUBLIC == Message.Visibility.PUBLIC
    assert {CLIENT, STAFF, SYSTEM} == set(Message.AuthorKind.values)
    assert {PUBLIC, INTERNAL} == set(Message.Visibility.values)

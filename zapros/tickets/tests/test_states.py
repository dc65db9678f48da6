"""The ticket's life (DESIGN §3) as a pure table: no database anywhere in this module."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from zapros.core.errors import Conflict, InvalidTransition
from zapros.tickets import states
from zapros.tickets.states import Action, ClientStatus, StaffStatus, State

NEW, OPEN, ANSWERED, ON_HOLD, RESOLVED, ARCHIVED = (
    State.NEW, State.OPEN, State.ANSWERED, State.ON_HOLD, State.RESOLVED, State.ARCHIVED,
)
REOPEN = "reopen"  # a client message into a closed ticket: OPEN if held, NEW if not

# What DESIGN §3 says each state lets people do, and where it leads. Written out by hand so
# that a change to states.TRANSITIONS has to be a change to this table too.
EXPECTED = {
    NEW: {
        Action.TAKE: OPEN,
        Action.COMMENT: NEW,
        Action.TRANSFER: NEW,
        Action.EDIT: NEW,
        Action.SPLIT: NEW,
        Action.MERGE: ARCHIVED,
        Action.MERGE_IN: NEW,
        Action.REASSIGN: OPEN,
        Action.CLIENT_REPLY: NEW,
        Action.CLIENT_RESOLVE: RESOLVED,
    },
    OPEN: {
        Action.SEND: OPEN,
        Action.SEND_AND_CLOSE: ANSWERED,
        Action.SAVE: OPEN,
        Action.COMMENT: OPEN,
        Action.TRANSFER: OPEN,
        Action.EDIT: OPEN,
        Action.SPLIT: OPEN,
        Action.MERGE: ARCHIVED,
        Action.MERGE_IN: OPEN,
        Action.FREEZE: ON_HOLD,
        Action.RESOLVE: RESOLVED,
        Action.UNLOCK: NEW,
        Action.REASSIGN: OPEN,
        Action.CLIENT_REPLY: OPEN,
        Action.CLIENT_RESOLVE: RESOLVED,
    },
    ON_HOLD: {
        Action.TAKE: OPEN,
        Action.SEND: ON_HOLD,
        Action.SEND_AND_CLOSE: ANSWERED,
        Action.SAVE: ON_HOLD,
        Action.COMMENT: ON_HOLD,
        Action.TRANSFER: ON_HOLD,
        Action.EDIT: ON_HOLD,
        Action.SPLIT: ON_HOLD,
        Action.MERGE: ARCHIVED,
        Action.MERGE_IN: ON_HOLD,
        Action.RESUME: OPEN,
        Action.RESOLVE: RESOLVED,
        Action.UNLOCK: ON_HOLD,
        Action.REASSIGN: ON_HOLD,
        Action.CLIENT_REPLY: ON_HOLD,
        Action.CLIENT_RESOLVE: RESOLVED,
    },
    ANSWERED: {
        Action.TAKE: OPEN,
        Action.SEND: OPEN,
        Action.SEND_AND_CLOSE: ANSWERED,
        Action.SAVE: ANSWERED,
        Action.COMMENT: ANSWERED,
        Action.TRANSFER: ANSWERED,
        Action.EDIT: ANSWERED,
        Action.SPLIT: ANSWERED,
        Action.MERGE: ARCHIVED,
        Action.MERGE_IN: ANSWERED,
        Action.RESOLVE: RESOLVED,
        Action.UNLOCK: ANSWERED,
        Action.REASSIGN: ANSWERED,
        Action.CLIENT_REPLY: REOPEN,
        Action.CLIENT_RESOLVE: RESOLVED,
        Action.ARCHIVE: ARCHIVED,
    },
    RESOLVED: {
        Action.TAKE: OPEN,
        Action.SEND: OPEN,
        Action.SEND_AND_CLOSE: ANSWERED,
        Action.SAVE: RESOLVED,
        Action.COMMENT: RESOLVED,
        Action.TRANSFER: RESOLVED,
        Action.EDIT: RESOLVED,
        Action.SPLIT: RESOLVED,
        Action.MERGE: ARCHIVED,
        Action.MERGE_IN: RESOLVED,
        Action.UNLOCK: RESOLVED,
        Action.REASSIGN: RESOLVED,
        Action.CLIENT_REPLY: REOPEN,
        Action.ARCHIVE: ARCHIVED,
    },
    ARCHIVED: {
        Action.COMMENT: ARCHIVED,
        Action.CLIENT_REPLY: REOPEN,
    },
}

EVERY_PAIR = [(state, action) for state in State for action in Action]


def test_the_expected_table_covers_every_state():
    assert set(EXPECTED) == set(State)


def test_the_code_table_is_the_expected_table():
    written = {
        (state, action): target
        for state, actions in EXPECTED.items()
        for action, target in actions.items()
    }
    assert written == states.TRANSITIONS


@pytest.mark.parametrize(("state", "action"), EVERY_PAIR, ids=lambda value: str(value))
def test_every_state_and_action(state, action):
    target = EXPECTED[state].get(action)
    if target is None:
        with pytest.raises(InvalidTransition) as error:
            states.next_state(state, action)
        assert str(error.value.message).strip()
        assert isinstance(error.value, Conflict) and error.value.status == 409
    elif target == REOPEN:
        assert states.next_state(state, action, held=False) == NEW
        assert states.next_state(state, action, held=True) == OPEN
    else:
        assert states.next_state(state, action) == target
        assert states.next_state(state, action, held=True) == target


@pytest.mark.parametrize("state", [ANSWERED, RESOLVED, ARCHIVED])
def test_a_client_message_reopens_a_closed_ticket(state):
    assert states.next_state(state, Action.CLIENT_REPLY) == NEW
    assert states.next_state(state, Action.CLIENT_REPLY, held=True) == OPEN


def test_next_state_takes_plain_strings_and_returns_a_state():
    result = states.next_state("new", "take")
    assert result is State.OPEN


def test_refusal_messages_name_the_state_in_the_readers_language():
    with translation.override("en"), pytest.raises(InvalidTransition) as error:
        states.next_state(ARCHIVED, Action.SEND)
    assert "Archived" in str(error.value.message)


def test_an_archived_ticket_cannot_be_unlocked_and_is_not_told_it_is_unheld():
    # Archived tickets may keep their holder; the refusal must not claim otherwise.
    with translation.override("en"), pytest.raises(InvalidTransition) as error:
        states.next_state(ARCHIVED, Action.UNLOCK)
    assert "not held" not in str(error.value.message)


def test_archiving_an_open_ticket_is_refused_with_an_explanation():
    for state in (NEW, OPEN, ON_HOLD):
        with translation.override("en"), pytest.raises(InvalidTransition) as error:
            states.next_state(state, Action.ARCHIVE)
        assert "archived once it has been answered" in str(error.value.message)


@pytest.mark.parametrize("state", list(State))
def test_allowed_actions_match_the_table(state):
    assert states.allowed_actions(state) == frozenset(EXPECTED[state])
    assert states.allowed_actions(state.value) == frozenset(EXPECTED[state])


# --- Flags ----------------------------------------------------------------------------------

NEEDS_REPLY = {
    # state:    (client spoke last, staff spoke last)
    NEW: (True, False),
    OPEN: (True, False),
    ON_HOLD: (True, False),
    ANSWERED: (False, False),
    RESOLVED: (False, False),
    ARCHIVED: (False, False),
}


@pytest.mark.parametrize("state", list(State))
def test_needs_reply_when_the_client_has_the_last_word_in_an_active_ticket(state):
    from_client, from_staff = NEEDS_REPLY[state]
    assert states.needs_reply(state, True) is from_client
    assert states.needs_reply(state, False) is from_staff


NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

OVERDUE = [
    # needs reply, reply due,   overdue
    (True, None, False),
    (True, NOW - HOUR, True),
    (True, NOW, False),
    (True, NOW + HOUR, False),
    (False, None, False),
    (False, NOW - HOUR, False),
    (False, NOW + HOUR, False),
]


@pytest.mark.parametrize(("needs_reply", "due", "overdue"), OVERDUE)
def test_is_overdue(needs_reply, due, overdue):
    assert states.is_overdue(needs_reply, due, NOW) is overdue


CLIENT_UNREAD = [
    # newest staff message, client last seen, unread
    (None, None, False),
    (None, NOW, False),
    (NOW, None, True),
    (NOW, NOW - HOUR, True),
    (NOW, NOW, False),
    (NOW, NOW + HOUR, False),
]


@pytest.mark.parametrize(("staff_at", "seen_at", "unread"), CLIENT_UNREAD)
def test_client_unread(staff_at, seen_at, unread):
    assert states.client_unread(staff_at, seen_at) is unread


def test_days_in_work_counts_whole_days_and_never_goes_negative():
    assert states.days_in_work(NOW, NOW) == 0
    assert states.days_in_work(NOW - timedelta(hours=47), NOW) == 1
    assert states.days_in_work(NOW - timedelta(days=3), NOW) == 3
    assert states.days_in_work(NOW + HOUR, NOW) == 0


# --- The two vocabularies -------------------------------------------------------------------

CLIENT_SEES = {
    # state:    (nothing unread, unread)
    NEW: ("Under review", "New messages"),
    OPEN: ("Under review", "New messages"),
    ON_HOLD: ("Under review", "New messages"),
    ANSWERED: ("Viewed", "New messages"),
    RESOLVED: ("Viewed", "New messages"),
    ARCHIVED: ("Archived", "Archived"),
}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("unread", [False, True])
def test_client_status(state, unread):
    status = states.client_status(state, unread)
    assert isinstance(status, ClientStatus)
    with translation.override("en"):
        assert str(status.label) == CLIENT_SEES[state][unread]


STAFF_SEES = {
    NEW: "Under review",
    OPEN: "Under review",
    ANSWERED: "Awaiting client",
    RESOLVED: "Awaiting client",
    ON_HOLD: "Frozen",
    ARCHIVED: "Archived",
}


@pytest.mark.parametrize("state", list(State))
def test_staff_status(state):
    status = states.staff_status(state)
    assert isinstance(status, StaffStatus)
    assert state in states.STAFF_STATUS_STATES[status]
    with translation.override("en"):
        assert str(status.label) == STAFF_SEES[state]


def test_every_state_has_exactly_one_staff_status():
    buckets = list(states.STAFF_STATUS_STATES.values())
    assert sorted(state for bucket in buckets for state in bucket) == sorted(State)


@pytest.mark.parametrize("state", list(State))
def test_every_state_has_a_label(state):
    with translation.override("en"):
        assert str(state.label).strip()

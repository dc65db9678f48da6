"""The ticket's life as a plain table, and the flags derived from it.

Pure: no ORM, no clock of its own. The services enforce this table and the templates draw
their buttons from :func:`allowed_actions`, so the rules and the UI cannot disagree.

The provider side owns the state; what the client sees and the needs-reply / overdue /
client-unread flags are functions of the state and a few timestamps.
"""

from datetime import datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from zapros.core.errors import InvalidTransition


class State(StrEnum):
    NEW = "new"
    OPEN = "open"
    ANSWERED = "answered"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    ARCHIVED = "archived"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {
    State.NEW: _("New"),
    State.OPEN: _("Open"),
    State.ANSWERED: _("Answered"),
    State.ON_HOLD: _("On hold"),
    State.RESOLVED: _("Resolved"),
    State.ARCHIVED: _("Archived"),
}


class Action(StrEnum):
    TAKE = "take"
    SEND = "send"                    # public reply, ticket stays open and held (chat mode)
    SEND_AND_CLOSE = "send_and_close"
    SAVE = "save"                    # save parameters
    COMMENT = "comment"              # internal comment
    FREEZE = "freeze"
    RESUME = "resume"
    RESOLVE = "resolve"              # staff marks solved
    UNLOCK = "unlock"
    REASSIGN = "reassign"
    CLIENT_REPLY = "client_reply"
    CLIENT_RESOLVE = "client_resolve"
    ARCHIVE = "archive"
    TRANSFER = "transfer"            # copy to another department or agent; nothing moves
    EDIT = "edit"                    # correct the text of a message; the earlier text is kept
    SPLIT = "split"                  # move a message and the later ones into a new ticket
    MERGE = "merge"                  # move all messages into another ticket, then archive
    MERGE_IN = "merge_in"            # the ticket another one is merged into


# Sentinel: a client message into a closed ticket reopens it as OPEN when somebody still holds
# it, otherwise as NEW.
REOPEN = "reopen"

ACTIVE = frozenset({State.NEW, State.OPEN, State.ON_HOLD})
CLOSED = frozenset({State.ANSWERED, State.RESOLVED})
NOT_ARCHIVED = ACTIVE | CLOSED
WORKABLE = frozenset({State.OPEN, State.ON_HOLD, State.ANSWERED, State.RESOLVED})


def _same(states, action):
    return {(state, action): state for state in states}


TRANSITIONS: dict[tuple[State, Action], State | str] = {
    (State.NEW, Action.TAKE): State.OPEN,
    (State.ON_HOLD, Action.TAKE): State.OPEN,
    (State.ANSWERED, Action.TAKE): State.OPEN,
    (State.RESOLVED, Action.TAKE): State.OPEN,
    (State.OPEN, Action.SEND): State.OPEN,
    (State.ON_HOLD, Action.SEND): State.ON_HOLD,
    (State.ANSWERED, Action.SEND): State.OPEN,
    (State.RESOLVED, Action.SEND): State.OPEN,
    **{(state, Action.SEND_AND_CLOSE): State.ANSWERED for state in WORKABLE},
    **_same(WORKABLE, Action.SAVE),
    **_same(set(State), Action.COMMENT),
    (State.OPEN, Action.FREEZE): State.ON_HOLD,
    (State.ON_HOLD, Action.RESUME): State.OPEN,
    (State.OPEN, Action.RESOLVE): State.RESOLVED,
    (State.ON_HOLD, Action.RESOLVE): State.RESOLVED,
    (State.ANSWERED, Action.RESOLVE): State.RESOLVED,
    (State.OPEN, Action.UNLOCK): State.NEW,
    **_same({State.ON_HOLD, State.ANSWERED, State.RESOLVED}, Action.UNLOCK),
    (State.NEW, Action.REASSIGN): State.OPEN,
    **_same(WORKABLE, Action.REASSIGN),
    **_same(ACTIVE, Action.CLIENT_REPLY),
    **{(state, Action.CLIENT_REPLY): REOPEN for state in CLOSED | {State.ARCHIVED}},
    **{(state, Action.CLIENT_RESOLVE): State.RESOLVED for state in ACTIVE | {State.ANSWERED}},
    (State.ANSWERED, Action.ARCHIVE): State.ARCHIVED,
    (State.RESOLVED, Action.ARCHIVE): State.ARCHIVED,
    **_same(NOT_ARCHIVED, Action.TRANSFER),
    **_same(NOT_ARCHIVED, Action.EDIT),
    **_same(NOT_ARCHIVED, Action.SPLIT),
    **{(state, Action.MERGE): State.ARCHIVED for state in NOT_ARCHIVED},
    **_same(NOT_ARCHIVED, Action.MERGE_IN),
}

# What the person is told when the table says no. Missing entries fall back to a general text.
REFUSALS = {
    Action.ARCHIVE: _(
        "The request is still being handled by support. It can be archived once it has been "
        "answered or marked as solved."
    ),
    Action.TAKE: _("This request cannot be taken in its current state."),
    Action.FREEZE: _("Only a request that is open can be put on hold."),
    Action.RESUME: _("Only a request that is on hold can be resumed."),
    Action.RESOLVE: _("This request cannot be marked as solved in its current state."),
    Action.CLIENT_RESOLVE: _("This request is already solved or archived."),
    Action.TRANSFER: _("An archived request cannot be transferred."),
    Action.EDIT: _("Messages of an archived request cannot be edited."),
    Action.SPLIT: _("An archived request cannot be split."),
    Action.MERGE: _("An archived request cannot be merged into another one."),
    Action.MERGE_IN: _("Nothing can be merged into an archived request."),
}


def next_state(state: State | str, action: Action | str, *, held: bool = False) -> State:
    """The state after ``action``; raises :class:`InvalidTransition` when the table has no row.

    ``held`` matters only when a client message reopens a closed ticket.
    """
    state, action = State(state), Action(action)
    target = TRANSITIONS.get((state, action))
    if target is None:
        message = REFUSALS.get(action) or _(
            "This action is not possible while the request is “%(state)s”."
        ) % {"state": state.label}
        raise InvalidTransition(message)
    if target == REOPEN:
        return State.OPEN if held else State.NEW
    return State(target)


def after_merge_in(state: State | str, last_public_from_client: bool, *, held: bool) -> State:
    """The state of the ticket another one was merged into. When the merged conversation ends
    with the client's words and the ticket was closed, it reopens as a client message would
    reopen it, so the question is not left unanswered."""
    target = next_state(state, Action.MERGE_IN)
    if last_public_from_client and target in CLOSED:
        return next_state(target, Action.CLIENT_REPLY, held=held)
    return target


def allowed_actions(state: State | str) -> frozenset[Action]:
    state = State(state)
    return frozenset(action for (s, action) in TRANSITIONS if s == state)


# --- Flags ----------------------------------------------------------------------------------

def needs_reply(state: State | str, last_public_from_client: bool) -> bool:
    """"The last word is ours": the client spoke last and the ticket is still being worked on."""
    return last_public_from_client and State(state) in ACTIVE


def is_overdue(needs_reply_now: bool, reply_due_at: datetime | None, now: datetime) -> bool:
    return needs_reply_now and reply_due_at is not None and reply_due_at < now


class Marker(StrEnum):
    """The reference's five marks of a request, from its state and its SLA clocks."""

    NEEDS_REPLY = "needs_reply"
    OVERDUE = "overdue"            # needs our reply, and the deadline has passed
    ANSWERED_LATE = "answered_late"  # no reply owed now, but a deadline of this round passed
    FROZEN = "frozen"
    COMPLETED = "completed"

    @property
    def label(self):
        return MARKER_LABELS[self]

    @property
    def explanation(self):
        return MARKER_EXPLANATIONS[self]


MARKER_LABELS = {
    Marker.NEEDS_REPLY: _("Needs reply"),
    Marker.OVERDUE: _("Overdue"),
    Marker.ANSWERED_LATE: _("Answered late"),
    Marker.FROZEN: _("Frozen"),
    Marker.COMPLETED: _("Completed"),
}
MARKER_EXPLANATIONS = {
    Marker.NEEDS_REPLY: _("The client wrote last: the answer is ours."),
    Marker.OVERDUE: _("The client wrote last and the deadline for our answer has passed."),
    Marker.ANSWERED_LATE: _("Answered, but a deadline was missed: it may be completed."),
    Marker.FROZEN: _("On hold: work is paused."),
    Marker.COMPLETED: _("Solved or archived."),
}


def marker(state: State | str, needs_reply_now: bool, reply_due_at: datetime | None,
           late: bool, now: datetime) -> Marker | None:
    """Which of the five marks the request bears, if any (one answered in time bears none)."""
    state = State(state)
    if state == State.ON_HOLD:
        return Marker.FROZEN
    if state in (State.RESOLVED, State.ARCHIVED):
        return Marker.COMPLETED
    if needs_reply_now:
        return Marker.OVERDUE if is_overdue(True, reply_due_at, now) else Marker.NEEDS_REPLY
    return Marker.ANSWERED_LATE if late else None


def promised_by(shown: bool, needs_reply_now: bool, reply_due_at: datetime | None,
                now: datetime) -> datetime | None:
    """When the client is told to expect our answer: where the department shows it, while
    one is owed and its clock runs, and not once the time has passed."""
    if shown and needs_reply_now and reply_due_at is not None and reply_due_at > now:
        return reply_due_at
    return None


def client_unread(last_staff_public_at: datetime | None, client_seen_at: datetime | None) -> bool:
    if last_staff_public_at is None:
        return False
    return client_seen_at is None or client_seen_at < last_staff_public_at


def days_in_work(created_at: datetime, now: datetime) -> int:
    return max(0, (now - created_at).days)


# --- The two vocabularies -------------------------------------------------------------------

class ClientStatus(StrEnum):
    UNDER_REVIEW = "under_review"
    NEW_MESSAGES = "new_messages"
    VIEWED = "viewed"
    ARCHIVED = "archived"

    @property
    def label(self):
        return CLIENT_STATUS_LABELS[self]


CLIENT_STATUS_LABELS = {
    ClientStatus.UNDER_REVIEW: _("Under review"),
    ClientStatus.NEW_MESSAGES: _("New messages"),
    ClientStatus.VIEWED: _("Viewed"),
    ClientStatus.ARCHIVED: _("Archived"),
}


class StaffStatus(StrEnum):
    UNDER_REVIEW = "under_review"
    AWAITING_CLIENT = "awaiting_client"
    FROZEN = "frozen"
    ARCHIVED = "archived"

    @property
    def label(self):
        return STAFF_STATUS_LABELS[self]


STAFF_STATUS_LABELS = {
    StaffStatus.UNDER_REVIEW: _("Under review"),
    StaffStatus.AWAITING_CLIENT: _("Awaiting client"),
    StaffStatus.FROZEN: _("Frozen"),
    StaffStatus.ARCHIVED: _("Archived"),
}

STAFF_STATUS_STATES = {
    StaffStatus.UNDER_REVIEW: frozenset({State.NEW, State.OPEN}),
    StaffStatus.AWAITING_CLIENT: CLOSED,
    StaffStatus.FROZEN: frozenset({State.ON_HOLD}),
    StaffStatus.ARCHIVED: frozenset({State.ARCHIVED}),
}


def client_status(state: State | str, unread: bool) -> ClientStatus:
    state = State(state)
    if state == State.ARCHIVED:
        return ClientStatus.ARCHIVED
    if unread:
        return ClientStatus.NEW_MESSAGES
    if state in ACTIVE:
        return ClientStatus.UNDER_REVIEW
    return ClientStatus.VIEWED


def staff_status(state: State | str) -> StaffStatus:
    state = State(state)
    for status, states in STAFF_STATUS_STATES.items():
        if state in states:
            return status
    raise ValueError(state)  # pragma: no cover - every state is in one bucket

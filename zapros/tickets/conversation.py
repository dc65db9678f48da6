"""The conversation flags of a ticket and its reply deadline, as functions over plain values.

Pure: no ORM, no clock of its own. :mod:`zapros.tickets.writes` reads the flags off a ticket
row, calls these functions and writes their result back; the benchmark generator replays a
ticket's whole life with the same functions. A rule changed here changes both.

The flags (:class:`Flags`):

- ``last_public_from_client``: the client had the last public word;
- ``needs_reply``: and the ticket is still being worked on (:func:`states.needs_reply`);
- ``reply_due_at``: when the answer is due, while one is needed;
- ``last_staff_public_at``: the last staff answer, which the client has read or not
  (:func:`states.client_unread`);
- ``client_activity_at``: the last change the client sees, a word or their view of the status.

The reply deadline starts with a client's public message that finds no deadline running;
more client messages before the answer leave it where it is. A staff public answer ends it,
and so does a state in which nothing is worked on; the client's next message starts a new
one. Internal comments change nothing. How long it runs is a :class:`Deadline`: the topic's
response time when the topic has one, else the department's, counted on the wall clock
(:class:`CalendarTime`). A business calendar is another :class:`Deadline`, given to the same
functions.

Times are datetimes in the product. The functions only compare them and hand them to the
deadline, so the generator runs them on its seconds as they are.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from . import states
from .states import client_unread, is_overdue, needs_reply

__all__ = [
    "CalendarTime", "Deadline", "Flags", "Said", "after_message", "after_move",
    "after_topic_change", "client_unread", "deadline_for", "is_overdue", "needs_reply",
    "rederived", "settle",
]

# The values of Message.AuthorKind and Message.Visibility that the rules read.
CLIENT, STAFF = "client", "staff"
PUBLIC = "public"


class Deadline(Protocol):
    """How long an answer may take, in some calendar."""

    def due(self, start: datetime) -> datetime:
        """When the answer to a question asked at ``start`` is due."""

    def started(self, due: datetime) -> datetime:
        """The start that :meth:`due` turned into ``due``."""


@dataclass(frozen=True, slots=True)
class CalendarTime:
    """A response time counted on the wall clock, nights and weekends included."""

    length: timedelta

    def due(self, start: datetime) -> datetime:
        return start + self.length

    def started(self, due: datetime) -> datetime:
        return due - self.length


def deadline_for(topic: timedelta | None, department: timedelta) -> Deadline:
    """The topic's response time when the topic has one, else the department's."""
    return CalendarTime(topic or department)


@dataclass(frozen=True, slots=True)
class Flags:
    """The flags, in the order the functions here build them (the generator builds millions:
    positional construction is several times quicker than :func:`dataclasses.replace`)."""

    last_public_from_client: bool
    needs_reply: bool
    reply_due_at: datetime | None
    last_staff_public_at: datetime | None
    client_activity_at: datetime | None

    @property
    def running(self) -> bool:
        """A reply deadline is running."""
        return self.needs_reply and self.reply_due_at is not None


class Said(NamedTuple):
    """A message as the flags see it."""

    author_kind: str
    visibility: str
    at: datetime


def after_message(flags: Flags, *, author_kind: str, visibility: str, at: datetime,
                  deadline: Deadline) -> Flags:
    """The flags after a message written at ``at``.

    A client's public message starts the deadline unless one is running. A staff public
    answer ends it: the client no longer has the last word, whatever the state. Whether a
    client's message needs a reply depends on the state the ticket is left in: :func:`settle`
    decides once it is known. ``deadline`` is asked only when a deadline starts.
    """
    if visibility != PUBLIC:
        return flags
    if author_kind == CLIENT:
        due = flags.reply_due_at if flags.running else deadline.due(at)
        return Flags(True, flags.needs_reply, due, flags.last_staff_public_at, at)
    if author_kind == STAFF:
        return Flags(False, False, None, at, at)
    return Flags(flags.last_public_from_client, flags.needs_reply, flags.reply_due_at,
                 flags.last_staff_public_at, at)


def settle(flags: Flags, state: states.State | str) -> Flags:
    """Needs-reply from the state and the last word; without it no deadline runs."""
    needed = needs_reply(state, flags.last_public_from_client)
    if needed == flags.needs_reply and (needed or flags.reply_due_at is None):
        return flags
    return Flags(flags.last_public_from_client, needed, flags.reply_due_at if needed else None,
                 flags.last_staff_public_at, flags.client_activity_at)


def after_move(flags: Flags, old: states.State | str, new: states.State | str,
               at: datetime) -> Flags:
    """The flags after the state moved from ``old`` to ``new`` at ``at``: a change of the
    status the client sees is activity they see."""
    if states.client_status(old, False) != states.client_status(new, False):
        flags = Flags(flags.last_public_from_client, flags.needs_reply, flags.reply_due_at,
                      flags.last_staff_public_at, at)
    return settle(flags, new)


def after_topic_change(flags: Flags, old: Deadline, new: Deadline) -> Flags:
    """A running deadline keeps its start and takes the new topic's length: it moves by the
    difference between the two."""
    if not flags.running:
        return flags
    return replace(flags, reply_due_at=new.due(old.started(flags.reply_due_at)))


def rederived(flags: Flags, messages: Iterable[Said], deadline: Deadline) -> Flags:
    """The flags from the messages a ticket holds now, oldest first, for when messages move
    between tickets (split, merge) and cannot be followed one at a time.

    The deadline runs from the first client message after the last staff answer, as it would
    have. ``needs_reply`` and ``client_activity_at`` are left: the first follows from the state
    (:func:`settle`), the second is the moment of the move.
    """
    public = [m for m in messages if m.visibility == PUBLIC and m.author_kind in (CLIENT, STAFF)]
    staff = [m.at for m in public if m.author_kind == STAFF]
    last_staff = staff[-1] if staff else None
    due = None
    if public and public[-1].author_kind == CLIENT:
        waiting = [m.at for m in public
                   if m.author_kind == CLIENT and (last_staff is None or m.at > last_staff)]
        if waiting:
            due = deadline.due(waiting[0])
    return replace(flags, last_public_from_client=not public or public[-1].author_kind != STAFF,
                   last_staff_public_at=last_staff, reply_due_at=due)

"""The conversation flags of a ticket, as functions over plain values.

Pure: no ORM, no clock of its own. :mod:`zapros.tickets.writes` reads the flags off a ticket
row, calls these functions and writes their result back; the benchmark generator replays a
ticket's whole life with the same functions. A rule changed here changes both.

The flags (:class:`Flags`):

- ``last_public_from_client``: the client had the last public word;
- ``needs_reply``: and the ticket is still being worked on (:func:`states.needs_reply`);
- ``waiting_since``: the client's oldest public message that our answer has not followed yet;
- ``last_staff_public_at``: the last staff answer, which the client has read or not
  (:func:`states.client_unread`);
- ``client_activity_at``: the last change the client sees, a word or their view of the status.

A wait starts with a client's public message that finds none waiting; more client messages
before the answer leave it where it is. A staff public answer ends it; the client's next
message starts a new one. Internal comments change nothing. How long an answer may take, and
whether the clock runs, is the SLA's (:mod:`zapros.sla.clocks`): its response clocks start
where the wait starts.

Times are datetimes in the product. The functions only compare them, so the generator runs
them on its seconds as they are.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from . import states
from .states import client_unread, is_overdue, needs_reply

__all__ = [
    "Flags", "Said", "after_message", "after_move", "client_unread", "is_overdue",
    "needs_reply", "rederived", "settle",
]

# The values of Message.AuthorKind and Message.Visibility that the rules read.
CLIENT, STAFF = "client", "staff"
PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class Flags:
    """The flags, in the order the functions here build them (the generator builds millions:
    positional construction is several times quicker than :func:`dataclasses.replace`)."""

    last_public_from_client: bool
    needs_reply: bool
    waiting_since: datetime | None
    last_staff_public_at: datetime | None
    client_activity_at: datetime | None

    @property
    def running(self) -> bool:
        """The client waits for our answer, and the ticket is being worked on."""
        return self.needs_reply and self.waiting_since is not None


class Said(NamedTuple):
    """A message as the flags see it."""

    author_kind: str
    visibility: str
    at: datetime


def after_message(flags: Flags, *, author_kind: str, visibility: str, at: datetime) -> Flags:
    """The flags after a message written at ``at``.

    A client's public message starts a wait unless one is on. A staff public answer ends it:
    the client no longer has the last word, whatever the state. Whether a client's message
    needs a reply depends on the state the ticket is left in: :func:`settle` decides once it
    is known.
    """
    if visibility != PUBLIC:
        return flags
    if author_kind == CLIENT:
        since = flags.waiting_since if flags.waiting_since is not None else at
        return Flags(True, flags.needs_reply, since, flags.last_staff_public_at, at)
    if author_kind == STAFF:
        return Flags(False, False, None, at, at)
    return Flags(flags.last_public_from_client, flags.needs_reply, flags.waiting_since,
                 flags.last_staff_public_at, at)


def settle(flags: Flags, state: states.State | str) -> Flags:
    """Needs-reply from the state and the last word. The wait stays what it was: whether its
    clock runs in this state is the SLA's."""
    needed = needs_reply(state, flags.last_public_from_client)
    if needed == flags.needs_reply:
        return flags
    return Flags(flags.last_public_from_client, needed, flags.waiting_since,
                 flags.last_staff_public_at, flags.client_activity_at)


def after_move(flags: Flags, old: states.State | str, new: states.State | str,
               at: datetime) -> Flags:
    """The flags after the state moved from ``old`` to ``new`` at ``at``: a change of the
    status the client sees is activity they see."""
    if states.client_status(old, False) != states.client_status(new, False):
        flags = Flags(flags.last_public_from_client, flags.needs_reply, flags.waiting_since,
                      flags.last_staff_public_at, at)
    return settle(flags, new)


def rederived(flags: Flags, messages: Iterable[Said]) -> Flags:
    """The flags from the messages a ticket holds now, oldest first, for when messages move
    between tickets (split, merge) and cannot be followed one at a time.

    The wait runs from the first client message after the last staff answer, as it would
    have. ``needs_reply`` and ``client_activity_at`` are left: the first follows from the state
    (:func:`settle`), the second is the moment of the move.
    """
    public = [m for m in messages if m.visibility == PUBLIC and m.author_kind in (CLIENT, STAFF)]
    staff = [m.at for m in public if m.author_kind == STAFF]
    last_staff = staff[-1] if staff else None
    since = None
    if public and public[-1].author_kind == CLIENT:
        waiting = [m.at for m in public
                   if m.author_kind == CLIENT and (last_staff is None or m.at > last_staff)]
        if waiting:
            since = waiting[0]
    return replace(flags, last_public_from_client=not public or public[-1].author_kind != STAFF,
                   last_staff_public_at=last_staff, waiting_since=since)

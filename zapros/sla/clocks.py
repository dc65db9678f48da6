"""The rules of SLA clocks, as functions over plain values.

Pure: no ORM, no clock of its own. :mod:`zapros.tickets.deadlines` reads a ticket's clocks
and policy, calls :func:`follow` after every operation with the ticket as it is now
(:class:`Situation`) and writes back what changed; the data generator calls the same
function on the lives it replays.

A ticket has at most one live clock per target (metric):

- **first response** runs from the client's first message until the first public staff
  answer;
- **next response** runs from the oldest client message still waiting for our answer, for
  every later wait, until the next public staff answer;
- **resolution** runs from the opening until the request is solved (or archived); a reopened
  request resumes the same clock, the time it was solved counting as a pause.

Only a public staff message meets a response clock: internal notes never do. A response clock
whose wait ends otherwise (the client solved it, it was merged) is cancelled. The policy says
which targets stop counting on hold and while the request waits for the client; a client's
message always ends the wait for the client, since it reopens the request. When the policy
changes (or its targets, or the calendar), the live clocks are counted again from their
original start with the new targets, keeping their pauses.

Every clock keeps its pauses, so its due time is a function of (calendar, start, target,
pauses): :func:`due`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import businesstime
from .businesstime import Calendar

FIRST, NEXT, RESOLUTION = "first_response", "next_response", "resolution"
METRICS = (FIRST, NEXT, RESOLUTION)
RESPONSE = frozenset({FIRST, NEXT})
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"

# Ticket states as the rules read them (zapros.tickets.states.State's values).
ON_HOLD = "on_hold"
AWAITING_CLIENT = frozenset({"answered", "resolved"})
SOLVED = frozenset({"resolved", "archived"})
IN_WORK = frozenset({"new", "open", "on_hold"})

# Why a clock started, paused or ended: codes the pages turn into words.
HOLD, AWAITING, WAS_SOLVED = "on_hold", "awaiting_client", "solved"


@dataclass(frozen=True, slots=True)
class Targets:
    """What a policy sets, as the clocks need it."""

    policy_id: int | None
    policy_name: str
    calendar: Calendar
    calendar_id: int | None
    first_response: timedelta | None = None
    next_response: timedelta | None = None
    resolution: timedelta | None = None
    warn_percent: int = 80
    pause_on_hold: frozenset[str] = frozenset()
    pause_awaiting_client: frozenset[str] = frozenset()

    def of(self, metric: str) -> timedelta | None:
        return getattr(self, metric)

    def pauses(self, metric: str, state: str) -> str | None:
        """Why ``metric`` stops counting in ``state``, or None when it counts."""
        if state == ON_HOLD and metric in self.pause_on_hold:
            return HOLD
        if state in AWAITING_CLIENT and metric in self.pause_awaiting_client:
            return AWAITING
        return None


@dataclass(slots=True)
class Clock:
    """One target of one ticket; :func:`follow` changes it in place and marks it changed."""

    metric: str
    started_at: datetime
    target: timedelta
    policy_id: int | None
    policy_name: str
    calendar_id: int | None
    state: str = RUNNING
    due_at: datetime | None = None
    warn_at: datetime | None = None
    warned_at: datetime | None = None
    # Kept for the escalation sweep; an ended clock climbs no further.
    next_escalation_at: datetime | None = None
    breached_at: datetime | None = None
    ended_at: datetime | None = None
    # (from, to or None, why), oldest first; only the last one may be open.
    pauses: list[tuple[datetime, datetime | None, str]] = field(default_factory=list)
    paused: timedelta = timedelta(0)
    took: timedelta | None = None
    reason: dict = field(default_factory=dict)
    staff_id: int | None = None
    id: int | None = None
    changed: bool = False

    @property
    def live(self) -> bool:
        return self.ended_at is None

    @property
    def open_pause(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None


@dataclass(frozen=True, slots=True)
class Situation:
    """The ticket after an operation, as the clocks see it."""

    state: str
    opened_at: datetime
    # The client's oldest public message still waiting for our answer, or None.
    waiting_since: datetime | None
    # The last public staff answer and who wrote it.
    answered_at: datetime | None
    answered_by: int | None = None
    # Merged into another request: its clocks end there.
    merged: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    """Something the history should say about the clocks (an event, once)."""

    kind: str          # "changed": the policy or its targets
    metric: str
    old_due: datetime | None = None
    new_due: datetime | None = None
    old_policy: str = ""
    new_policy: str = ""


# --- the arithmetic ---------------------------------------------------------------------------

def due(calendar: Calendar, started: datetime, target: timedelta,
        pauses: Iterable[tuple[datetime, datetime | None, str]]) -> datetime | None:
    """When ``target`` of business time has run from ``started``, the pauses not counted;
    None while a pause is open and the target is not reached before it."""
    remaining = target.total_seconds()
    cursor = started
    for start, end, _why in pauses:
        if start <= cursor:
            cursor = max(cursor, end) if end is not None else cursor
            if end is None:
                return None
            continue
        at = businesstime.add(calendar, cursor, remaining)
        if at <= start:
            return at
        remaining -= businesstime.between(calendar, cursor, start)
        if end is None:
            return None
        cursor = end
    return businesstime.add(calendar, cursor, remaining)


def paused_time(calendar: Calendar, pauses) -> timedelta:
    """Business time inside the closed pauses."""
    return timedelta(seconds=sum(businesstime.between(calendar, start, end)
                                 for start, end, _why in pauses if end is not None))


def worked(calendar: Calendar, clock: Clock, until: datetime) -> timedelta:
    """Business time the clock counted from its start to ``until``, pauses left out."""
    closed = [(s, e if e is not None else until, w) for s, e, w in clock.pauses if s < until]
    total = businesstime.between(calendar, clock.started_at, until)
    return timedelta(seconds=max(0.0, total - paused_time(calendar, closed).total_seconds()))


def _schedule(clock: Clock, calendar: Calendar, warn_percent: int) -> None:
    clock.due_at = due(calendar, clock.started_at, clock.target, clock.pauses)
    warn = clock.target * warn_percent / 100
    clock.warn_at = (due(calendar, clock.started_at, warn, clock.pauses)
                     if warn > timedelta(0) else None)
    clock.paused = paused_time(calendar, clock.pauses)
    clock.changed = True


# --- the rules ------------------------------------------------------------------------------

def start(metric: str, at: datetime, targets: Targets, *, why: str) -> Clock | None:
    target = targets.of(metric)
    if not target:
        return None
    clock = Clock(metric=metric, started_at=at, target=target, policy_id=targets.policy_id,
                  policy_name=targets.policy_name, calendar_id=targets.calendar_id,
                  reason={"start": why})
    _schedule(clock, targets.calendar, targets.warn_percent)
    return clock


def follow(clocks: list[Clock], situation: Situation, targets: Targets,
           at: datetime, *, recount: bool = False) -> tuple[list[Clock], list[Change]]:
    """Bring ``clocks`` (all of one ticket's, oldest first) in step with ``situation`` at
    ``at``. Changes the clocks in place (``changed``), returns the new ones and what the
    history should say. ``recount``: count the live clocks again from their start even when
    their policy looks the same (its calendar's hours changed)."""
    new: list[Clock] = []
    changes: list[Change] = []
    live = {c.metric: c for c in clocks if c.live}
    calendar = targets.calendar

    # A different policy, or its targets changed: count again from the original start.
    for clock in list(live.values()):
        if recount or (clock.policy_id, clock.calendar_id, clock.target) != (
                targets.policy_id, targets.calendar_id, targets.of(clock.metric)):
            change = _retarget(clock, targets, at)
            if change is not None:
                changes.append(change)
            if not clock.live:
                del live[clock.metric]

    if situation.merged:
        for clock in live.values():
            _end(clock, CANCELLED, at, calendar, why="merged")
        return new, changes

    _follow_response(clocks, live, situation, targets, at, new)
    _follow_resolution(clocks, live, situation, targets, at, new)

    # Pauses follow the state.
    for clock in [*live.values(), *new]:
        if not clock.live or clock.state == BREACHED:
            continue
        why = targets.pauses(clock.metric, situation.state)
        if why and not clock.open_pause:
            clock.pauses.append((at, None, why))
            clock.state = PAUSED
            _schedule(clock, calendar, targets.warn_percent)
        elif not why and clock.open_pause:
            begun, _end_at, reason = clock.pauses[-1]
            clock.pauses[-1] = (begun, max(at, begun), reason)
            clock.state = RUNNING
            _schedule(clock, calendar, targets.warn_percent)

    # A running clock found past its due time is left running: the escalation sweep breaches
    # it and announces it, once, whoever saw it first.
    return new, changes


def _follow_response(clocks, live, situation: Situation, targets: Targets, at, new) -> None:
    calendar = targets.calendar
    waiting = situation.waiting_since
    for metric in (FIRST, NEXT):
        clock = live.get(metric)
        if clock is None:
            continue
        if waiting is None:
            answered = situation.answered_at
            if answered is not None and answered >= clock.started_at:
                _end(clock, MET, answered, calendar, why="answered", staff=situation.answered_by)
            else:
                _end(clock, CANCELLED, at, calendar, why="not_waiting")
            del live[metric]
        elif situation.state not in IN_WORK:
            _end(clock, CANCELLED, at, calendar, why="not_in_work")
            del live[metric]
        elif waiting < clock.started_at and _counts_from_message(clock):
            # Messages moved in (a merge) asked earlier: the wait is the older one's.
            clock.started_at = waiting
            clock.reason = {**clock.reason, "start": "earlier_message"}
            _schedule(clock, calendar, targets.warn_percent)
    if waiting is None or situation.state not in IN_WORK or FIRST in live or NEXT in live:
        return
    ever_first = any(c.metric == FIRST for c in clocks)
    metric = NEXT if ever_first or situation.answered_at is not None else FIRST
    # The wait started with the client's message; a wait some clock already counted and
    # that comes back into work (the request was reopened by staff) counts from now.
    counted = any(c.metric in RESPONSE and c.started_at >= waiting for c in clocks)
    begin, why = (at, "back_in_work") if counted else (waiting, "client_message")
    clock = start(metric, begin, targets, why=why)
    if clock is not None:
        new.append(clock)


def _counts_from_message(clock: Clock) -> bool:
    return clock.reason.get("start") in ("client_message", "earlier_message", "migrated")


def _follow_resolution(clocks, live, situation: Situation, targets: Targets, at, new) -> None:
    calendar = targets.calendar
    clock = live.get(RESOLUTION)
    if clock is not None:
        if situation.state in SOLVED:
            _end(clock, MET if clock.state != BREACHED else BREACHED, at, calendar,
                 why="solved")
            del live[RESOLUTION]
        return
    if situation.state in SOLVED:
        return
    ended = [c for c in clocks if c.metric == RESOLUTION]
    if ended:
        # Reopened: the same clock goes on, the time it was solved being a pause.
        clock = ended[-1]
        if clock.state == CANCELLED:
            return
        clock.pauses.append((clock.ended_at, at, WAS_SOLVED))
        clock.ended_at = clock.took = None
        clock.state = BREACHED if clock.breached_at else RUNNING
        clock.reason = {**clock.reason, "end": None, "reopened": at.isoformat()}
        _schedule(clock, calendar, targets.warn_percent)
        live[RESOLUTION] = clock
        return
    clock = start(RESOLUTION, situation.opened_at, targets, why="opened")
    if clock is not None:
        new.append(clock)


def _end(clock: Clock, state: str, at: datetime, calendar: Calendar, *, why: str,
         staff: int | None = None) -> None:
    if clock.open_pause:
        begun, _end_at, reason = clock.pauses[-1]
        clock.pauses[-1] = (begun, max(at, begun), reason)
    clock.ended_at = at
    _close(clock, state, calendar)
    clock.next_escalation_at = None
    clock.staff_id = staff if staff is not None else clock.staff_id
    clock.reason = {**clock.reason, "end": why}


def _close(clock: Clock, state: str, calendar: Calendar) -> None:
    """The state, pauses and business time taken of a clock ending at its ``ended_at``: met
    after its due time is breached, and a breach stays one."""
    at = clock.ended_at
    if state == MET and clock.due_at is not None and at > clock.due_at:
        state = BREACHED
        clock.breached_at = clock.breached_at or clock.due_at
    if clock.breached_at is not None and state != CANCELLED:
        state = BREACHED
    clock.state = state
    clock.paused = paused_time(calendar, clock.pauses)
    clock.took = worked(calendar, clock, at) if state != CANCELLED else None
    clock.changed = True


def reckon(clock: Clock, calendar: Calendar) -> None:
    """Count an ended clock (met or breached) again from its start, its pauses and its end,
    as if it had just ended in ``calendar``: its due time, pauses, business time taken and
    whether it was met in time."""
    clock.due_at = due(calendar, clock.started_at, clock.target, clock.pauses)
    clock.breached_at = None
    _close(clock, MET, calendar)


def breach(clock: Clock) -> None:
    """The due time passed before the clock was met (what the escalation sweep records)."""
    clock.state = BREACHED
    clock.breached_at = clock.due_at
    clock.changed = True


def _retarget(clock: Clock, targets: Targets, at: datetime) -> Change | None:
    target = targets.of(clock.metric)
    old_due, old_policy = clock.due_at, clock.policy_name
    if not target:
        _end(clock, CANCELLED, at, targets.calendar, why="not_tracked")
        return Change("changed", clock.metric, old_due, None, old_policy, targets.policy_name)
    clock.target = target
    clock.policy_id, clock.policy_name = targets.policy_id, targets.policy_name
    clock.calendar_id = targets.calendar_id
    _schedule(clock, targets.calendar, targets.warn_percent)
    if clock.state == BREACHED and clock.due_at is not None and clock.due_at > at:
        clock.state, clock.breached_at, clock.next_escalation_at = RUNNING, None, None
    if clock.due_at == old_due and old_policy == clock.policy_name:
        return None
    return Change("changed", clock.metric, old_due, clock.due_at, old_policy,
                  targets.policy_name)


def response_due(clocks: Iterable[Clock]) -> datetime | None:
    """The due time of the live response clock: what the queue sorts by and the overdue flag
    reads. None when nothing is waiting or the clock is paused."""
    dues = [c.due_at for c in clocks
            if c.live and c.metric in RESPONSE and c.due_at is not None]
    return min(dues, default=None)


def late(clocks: Iterable[Clock]) -> bool:
    """A clock of the present round was breached: the live ones, the latest response clock
    and the resolution clock."""
    clocks = list(clocks)
    response = [c for c in clocks if c.metric in RESPONSE and c.state != CANCELLED]
    latest = [response[-1]] if response else []
    resolution = [c for c in clocks if c.metric == RESOLUTION][-1:]
    return any(c.state == BREACHED for c in [*latest, *resolution]) or any(
        c.live and c.state == BREACHED for c in clocks)

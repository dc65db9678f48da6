"""The SLA clocks of tickets, kept in step with every operation.

The rules are pure (:mod:`zapros.sla.clocks` on :mod:`zapros.sla.businesstime`, the choice of
policy :mod:`zapros.sla.matching`); this module reads a ticket's policy and clocks, applies
the rules and writes the result in the operation's transaction: the clock rows, the ticket's
``reply_due_at`` and ``late`` (what the queue sorts and filters by) and the events the
history shows.

Policies and calendars are compiled once per process and read again when the configuration's
revision moves (:func:`configuration_changed`): one small query per write that needs them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from zapros.accounts.models import Role, User
from zapros.accounts.system import system_actor
from zapros.clients.models import Client
from zapros.core import clock as wall
from zapros.core.sql import rows as sql_rows
from zapros.sla import businesstime, clocks, matching
from zapros.sla.models import (
    BusinessCalendar,
    CalendarDay,
    Clock,
    EscalationStep,
    Policy,
    Revision,
)

from .models import Event, Message, Priority, Ticket, TicketType

# The targets when no policy exists at all (a database emptied by tests, say): none tracked.
_NOTHING = clocks.Targets(None, "", businesstime.ALWAYS, None)


# --- the configuration, compiled ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Step:
    department_id: int | None
    when: str
    who: str
    after: timedelta


# Without any ladder: the assignee hears of a deadline near; the assignee and the
# department's supervisors of one passed.
DEFAULT_LADDER = (
    Step(None, EscalationStep.When.WARNING, EscalationStep.Who.ASSIGNEE, timedelta(0)),
    Step(None, EscalationStep.When.BREACH, EscalationStep.Who.ASSIGNEE, timedelta(0)),
    Step(None, EscalationStep.When.BREACH, EscalationStep.Who.SUPERVISORS, timedelta(0)),
)


@dataclass(frozen=True, slots=True)
class Compiled:
    revision: int
    rules: tuple[matching.Rule, ...]
    calendars: dict[int, businesstime.Calendar]
    steps: tuple[Step, ...] = ()

    @property
    def asks_groups(self) -> bool:
        """Some policy depends on the client's groups (else they are never read)."""
        return any(rule.client_groups for rule in self.rules)

    @property
    def asks_service_kinds(self) -> bool:
        """Some policy depends on the service's kind (else the service is not read)."""
        return any(rule.service_kinds for rule in self.rules)

    def ladder(self, department_id: int | None, when: str) -> list[Step]:
        """The steps for a ticket of ``department_id``: the department's own, else those of
        all departments, else :data:`DEFAULT_LADDER`; in the order of their delay."""
        for source in (
            [s for s in self.steps if s.department_id == department_id],
            [s for s in self.steps if s.department_id is None],
            DEFAULT_LADDER,
        ):
            steps = [s for s in source if s.when == when]
            if steps:
                return sorted(steps, key=lambda s: s.after)
        return []

    def next_rung(self, department_id: int | None, after: timedelta) -> timedelta | None:
        """The delay of the next breach step later than ``after``, if any."""
        later = [s.after for s in self.ladder(department_id, EscalationStep.When.BREACH)
                 if s.after > after]
        return min(later, default=None)


_compiled: Compiled | None = None


def compiled() -> Compiled:
    """The policies and calendars as the rules read them, read again when they changed."""
    global _compiled
    revision = _revision()
    current = _compiled
    if current is None or current.revision != revision:
        current = _compiled = _compile(revision)
    return current


def _revision() -> int:
    """The configuration's revision, asked on every write that follows a ticket: plain SQL,
    since building the query through the ORM cost several times its round trip."""
    with connection.cursor() as cursor:
        cursor.execute(_REVISION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


_REVISION_SQL = f"SELECT value FROM {Revision._meta.db_table} WHERE id = 1"


def calendar_of(calendar: BusinessCalendar, days: Iterable[CalendarDay]) -> businesstime.Calendar:
    """The pure calendar of a calendar row and its days."""
    if calendar.always_open:
        return businesstime.ALWAYS
    week = tuple(tuple(tuple(span) for span in day) for day in calendar.week)
    exceptions = {}
    for day in days:
        if day.kind == CalendarDay.Kind.WORKING:
            exceptions[day.day] = tuple(tuple(span) for span in day.spans)
        else:
            exceptions[day.day] = businesstime.without(week[day.day.weekday()], day.spans)
    return businesstime.Calendar(zone=calendar.time_zone, week=week, days=exceptions)


def _compile(revision: int) -> Compiled:
    days: dict[int, list[CalendarDay]] = {}
    for day in CalendarDay.objects.all():
        days.setdefault(day.calendar_id, []).append(day)
    calendars = {c.pk: calendar_of(c, days.get(c.pk, ())) for c in BusinessCalendar.objects.all()}
    rules = []
    for policy in Policy.objects.filter(active=True).prefetch_related(
            "departments", "topics", "clients", "client_groups"):
        targets = clocks.Targets(
            policy_id=policy.pk, policy_name=policy.name,
            calendar=calendars.get(policy.calendar_id, businesstime.ALWAYS),
            calendar_id=policy.calendar_id,
            first_response=policy.first_response, next_response=policy.next_response,
            resolution=policy.resolution, warn_percent=policy.warn_percent,
            pause_on_hold=frozenset(policy.pause_on_hold),
            pause_awaiting_client=frozenset(policy.pause_awaiting_client),
        )
        rules.append(matching.Rule(
            targets=targets, is_default=policy.is_default,
            departments=frozenset(d.pk for d in policy.departments.all()),
            topics=frozenset(t.pk for t in policy.topics.all()),
            clients=frozenset(c.pk for c in policy.clients.all()),
            priorities=frozenset(int(p) for p in policy.priorities),
            types=frozenset(policy.types), channels=frozenset(policy.channels),
            service_kinds=frozenset(k.casefold() for k in policy.service_kinds),
            client_groups=frozenset(g.pk for g in policy.client_groups.all()),
        ))
    steps = tuple(Step(s.department_id, s.when, s.who, s.after)
                  for s in EscalationStep.objects.all())
    return Compiled(revision, tuple(rules), calendars, steps)


def configuration_changed(*, calendar_ids: Iterable[int] = (), policy_ids: Iterable[int] = ()
                          ) -> None:
    """Calendars or policies were changed, in the caller's transaction: every process reads
    them again before it uses them, and the live clocks they set are counted again here, in
    the same transaction, so that none is left half-recomputed."""
    ladder_changed()
    recount_live(calendar_ids=calendar_ids, policy_ids=policy_ids)


def ladder_changed() -> None:
    """The escalation ladder changed, in the caller's transaction: processes read the
    configuration again; no clock's due time moves."""
    # A new random value rather than a count: a change rolled back after some process read
    # it must not leave a number that a later change would reach again.
    value = secrets.randbits(62)
    if not Revision.objects.filter(pk=1).update(value=value):
        Revision.objects.create(pk=1, value=value)


def recount_live(*, calendar_ids: Iterable[int] = (), policy_ids: Iterable[int] = (),
                 batch: int = 2000) -> int:
    """Count again the live clocks a change may move: every one when policies changed (a
    change of any policy may move tickets between policies), those counted in the calendars
    when only calendars' hours changed. In the caller's transaction, the tickets locked
    first so that no operation writes their clocks meanwhile; read and written in bulk (a
    few statements per ``batch`` tickets), only what changed. Returns how many tickets were
    looked at."""
    config = compiled()
    at = wall.now()
    live = Clock.objects.filter(ended_at__isnull=True)
    calendar_ids, policy_ids = list(calendar_ids), list(policy_ids)
    if calendar_ids and not policy_ids:
        live = live.filter(calendar_id__in=calendar_ids)
    live = live.order_by("ticket_id").values_list("ticket_id", flat=True).distinct()
    ids = list(live)
    for start in range(0, len(ids), batch):
        _recount(ids[start:start + batch], config, at)
    return len(ids)


_CLOCK_FIELDS = ("state", "policy_id", "policy_name", "calendar_id", "target", "started_at",
                 "due_at", "warn_at", "warned_at", "next_escalation_at", "breached_at",
                 "ended_at", "pauses", "paused", "took", "reason", "updated_at", "staff_id")


def _recount(ids: list[int], config: Compiled, at: datetime) -> None:
    tickets = list(Ticket.objects.filter(pk__in=ids).select_related("service")
                   .select_for_update(of=("self",)).order_by("pk"))
    groups = groups_of(t.client_id for t in tickets) if config.asks_groups else {}
    rows: dict[int, list[Clock]] = {}
    for row in Clock.objects.filter(ticket_id__in=ids).order_by("started_at", "id"):
        rows.setdefault(row.ticket_id, []).append(row)
    changed_rows, new_rows, events, moved = [], [], [], []
    actor = system_actor()
    for ticket in tickets:
        planned = _plan(ticket, [_clock(r) for r in rows.get(ticket.pk, ())], config, at,
                        recount=True, groups=groups)
        before = (ticket.reply_due_at, ticket.late)
        planned.settle(ticket)
        if (ticket.reply_due_at, ticket.late) != before:
            moved.append(ticket)
        changed_rows += [_row(ticket, c, at) for c in planned.clocks
                         if c.changed and c.id is not None]
        new_rows += [_row(ticket, c, at) for c in planned.new]
        events += planned.events(ticket, at, actor)
    sql_rows.update_many(changed_rows, _CLOCK_FIELDS)
    Clock.objects.bulk_create(new_rows, batch_size=500)
    Event.objects.bulk_create(events, batch_size=500)
    sql_rows.update_many(moved, ("reply_due_at", "late"))


# --- following a ticket ---------------------------------------------------------------------

def first_response_for(topic) -> timedelta | None:
    """The first response target a client's request on ``topic`` (in its department, of normal
    priority) would get: what the topics list tells."""
    facts = matching.Facts(department_id=topic.department_id, topic_id=topic.pk,
                           priority=Priority.NORMAL, type=TicketType.QUESTION, client_id=None,
                           service_kind=None, channel=Message.Channel.WEB)
    rule = matching.first_match(compiled().rules, facts)
    return rule.targets.first_response if rule is not None else None


def facts_of(ticket: Ticket, groups: frozenset[int] = frozenset(), *,
             service_kind: bool = True) -> matching.Facts:
    """What the policies' conditions look at; the service (a query when it is not loaded
    with the ticket) only when ``service_kind``."""
    kind = None
    if service_kind and ticket.service_id is not None:
        kind = ticket.service.kind
    return matching.Facts(
        department_id=ticket.department_id, topic_id=ticket.topic_id,
        priority=int(ticket.priority), type=str(ticket.type), client_id=ticket.client_id,
        service_kind=kind, channel=ticket.channel, client_groups=groups,
    )


def groups_of(client_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """The groups of these clients, in one query."""
    found: dict[int, set[int]] = {}
    for client_id, group_id in Client.groups.through.objects.filter(
            client_id__in=list(client_ids)).values_list("client_id", "clientgroup_id"):
        found.setdefault(client_id, set()).add(group_id)
    return {pk: frozenset(ids) for pk, ids in found.items()}


def situation_of(ticket: Ticket, answered_by: int | None = None) -> clocks.Situation:
    opened = ticket.created_at
    if ticket.waiting_since is not None and ticket.waiting_since < opened:
        opened = ticket.waiting_since  # split off: it began with the moved message
    return clocks.Situation(
        state=str(ticket.state), opened_at=opened, waiting_since=ticket.waiting_since,
        answered_at=ticket.last_staff_public_at, answered_by=answered_by,
        merged=ticket.merged_into_id is not None,
    )


@dataclass(slots=True)
class Plan:
    """What following a ticket will write once the ticket has its row."""

    clocks: list[clocks.Clock]
    new: list[clocks.Clock]
    changes: list[clocks.Change]

    def settle(self, ticket: Ticket) -> None:
        """Set what the ticket keeps of its clocks: the response due time and lateness."""
        every = [*self.clocks, *self.new]
        ticket.reply_due_at = clocks.response_due(every)
        ticket.late = clocks.late(every)

    def events(self, ticket: Ticket, at: datetime, actor: User | None = None) -> list[Event]:
        """The events the changes call for, not written yet (and not again)."""
        if not self.changes:
            return []
        actor = actor or system_actor()
        made = [Event(ticket=ticket, actor=actor, kind=_EVENT_KIND[change.kind],
                      created_at=at, data=_event_data(change)) for change in self.changes]
        self.changes = []
        return made

    def rows(self, ticket: Ticket, at: datetime) -> list[Clock]:
        """The new clocks as rows not written yet, for a ticket being inserted with them."""
        rows = [_row(ticket, c, at) for c in self.new]
        self.new = []
        return rows

    def write(self, ticket: Ticket, at: datetime) -> None:
        rows = [_row(ticket, c, at) for c in self.new]
        if rows:
            created = Clock.objects.bulk_create(rows)
            for clock, row in zip(self.new, created, strict=True):
                clock.id, clock.changed = row.pk, False
        changed = [c for c in self.clocks if c.changed and c.id is not None]
        sql_rows.update_many([_row(ticket, c, at) for c in changed], _CLOCK_FIELDS)
        for clock in changed:
            clock.changed = False
        self.write_events(ticket, at)

    def write_events(self, ticket: Ticket, at: datetime) -> None:
        events = self.events(ticket, at)
        if events:
            Event.objects.bulk_create(events)


_EVENT_KIND = {"changed": Event.Kind.SLA_CHANGED}


def _event_data(change: clocks.Change) -> dict:
    return {
        "metric": change.metric,
        "old_due": change.old_due.isoformat() if change.old_due else None,
        "due": change.new_due.isoformat() if change.new_due else None,
        "old_policy": change.old_policy, "policy": change.new_policy,
    }


def plan(ticket: Ticket, *, at: datetime | None = None, recount: bool = False) -> Plan:
    """Apply the rules to ``ticket`` as it is now, in memory: sets its ``reply_due_at`` and
    ``late``; :meth:`Plan.write` writes the clocks (after the ticket's row exists)."""
    at = at or wall.now()
    current = [_clock(row) for row in Clock.objects.filter(ticket_id=ticket.pk)] \
        if ticket.pk else []
    planned = _plan(ticket, current, compiled(), at, recount=recount)
    planned.settle(ticket)
    return planned


def _plan(ticket: Ticket, current: list[clocks.Clock], config: Compiled, at: datetime, *,
          recount: bool, groups: dict[int, frozenset[int]] | None = None) -> Plan:
    if config.asks_groups and groups is None:
        groups = groups_of([ticket.client_id])
    facts = facts_of(ticket, (groups or {}).get(ticket.client_id, frozenset()),
                     service_kind=config.asks_service_kinds)
    rule = matching.first_match(config.rules, facts)
    targets = rule.targets if rule is not None else _NOTHING
    answered_by = None
    if ticket.waiting_since is None and ticket.last_staff_public_at is not None and any(
            c.live and c.metric in clocks.RESPONSE for c in current):
        answered_by = _last_answer_author(ticket)
    new, changes = clocks.follow(current, situation_of(ticket, answered_by), targets, at,
                                 recount=recount)
    return Plan(current, new, changes)


def follow(ticket: Ticket, *, at: datetime | None = None, recount: bool = False) -> None:
    """Bring the clocks of ``ticket`` (a saved row, locked by the caller's operation) in step
    with it; sets ``reply_due_at`` and ``late`` on it for the caller to save."""
    at = at or wall.now()
    plan(ticket, at=at, recount=recount).write(ticket, at)


def _last_answer_author(ticket: Ticket) -> int | None:
    return (Message.objects.filter(
        ticket_id=ticket.pk, visibility=Message.Visibility.PUBLIC,
        author_kind=Message.AuthorKind.STAFF,
    ).order_by("-created_at", "-id").values_list("author_id", flat=True).first())


# --- rows and values ------------------------------------------------------------------------

def _clock(row: Clock) -> clocks.Clock:
    return clocks.Clock(
        metric=row.metric, started_at=row.started_at, target=row.target,
        policy_id=row.policy_id, policy_name=row.policy_name, calendar_id=row.calendar_id,
        state=row.state, due_at=row.due_at, warn_at=row.warn_at, warned_at=row.warned_at,
        next_escalation_at=row.next_escalation_at, breached_at=row.breached_at,
        ended_at=row.ended_at,
        pauses=[(_instant(a), _instant(b), why) for a, b, why in row.pauses],
        paused=row.paused, took=row.took, reason=row.reason, staff_id=row.staff_id, id=row.pk,
    )


def _row(ticket: Ticket, clock: clocks.Clock, at: datetime) -> Clock:
    return Clock(
        id=clock.id, ticket_id=ticket.pk, metric=clock.metric, state=clock.state,
        policy_id=clock.policy_id, policy_name=clock.policy_name, calendar_id=clock.calendar_id,
        target=clock.target, started_at=clock.started_at, due_at=clock.due_at,
        warn_at=clock.warn_at, warned_at=clock.warned_at,
        next_escalation_at=clock.next_escalation_at, breached_at=clock.breached_at,
        ended_at=clock.ended_at,
        pauses=[[a.isoformat(), b.isoformat() if b else None, why] for a, b, why in clock.pauses],
        paused=clock.paused, took=clock.took, reason=clock.reason, updated_at=at,
        staff_id=clock.staff_id,
    )


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# --- escalation -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Swept:
    warned: int
    breached: int
    escalated: int


class _People:
    """Who the ladder's steps name, looked up once per sweep."""

    def __init__(self):
        self._supervisors: dict[int | None, list[int]] = {}
        self._admins: list[int] | None = None

    def of(self, who: str, department_id: int | None, assignee_id: int | None) -> list[int]:
        if who == EscalationStep.Who.ASSIGNEE:
            return [assignee_id] if assignee_id else []
        if who == EscalationStep.Who.ADMINS:
            if self._admins is None:
                self._admins = list(User.objects.filter(
                    role=Role.ADMIN, is_active=True).order_by("pk").values_list("pk", flat=True))
            return self._admins
        if department_id not in self._supervisors:
            supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
            own = list(supervisors.filter(departments=department_id).order_by("pk")
                       .values_list("pk", flat=True))
            self._supervisors[department_id] = own or list(
                supervisors.order_by("pk").values_list("pk", flat=True))
        return self._supervisors[department_id]


def _told(config: Compiled, people: _People, when: str, after: timedelta,
          department_id: int | None, assignee_id: int | None) -> list[int]:
    told: list[int] = []
    for step in config.ladder(department_id, when):
        if step.after == after:
            told += [pk for pk in people.of(step.who, department_id, assignee_id)
                     if pk not in told]
    return told


def _announcement(kind: str, clock_row: dict, at: datetime, actor, told: list[int],
                  after: timedelta = timedelta(0)) -> Event:
    return Event(
        ticket_id=clock_row["ticket_id"], actor=actor, kind=kind, created_at=at,
        data={"metric": clock_row["metric"], "due": clock_row["due_at"].isoformat(),
              "policy": clock_row["policy_name"], "notify": told,
              "after_minutes": int(after.total_seconds() // 60)},
    )


_SWEPT = ("pk", "ticket_id", "metric", "due_at", "policy_name", "ticket__department_id",
          "ticket__assignee_id")


def sweep(*, now: datetime | None = None, batch: int = 5000) -> Swept:
    """Announce every running clock that crossed its warning or its due time, and every
    breached one whose next escalation step came, once each: the event names who is to be
    told (the department's escalation ladder), for notifications to deliver.

    Reads only the clocks past a threshold, by the partial indexes on ``warn_at``,
    ``due_at`` and ``next_escalation_at``. Each announcement is its own short transaction
    that locks the ticket's row first (as the operations do, so the sweep and a reply to the
    same ticket take turns and never deadlock) and claims the clock by a compare-and-set on
    its state: two sweeps at once, or a sweep and an answer, announce a clock once.
    """
    now = now or wall.now()
    config = compiled()
    people = _People()
    actor = system_actor()
    counts = {"warned": 0, "breached": 0, "escalated": 0}

    def announce(row, claim, kind, when, after, *, late=False):
        """In its own transaction: the ticket's row locked first, as every operation locks
        it before its clocks, then the clock claimed by a compare-and-set."""
        with transaction.atomic():
            if not Ticket.objects.select_for_update().filter(pk=row["ticket_id"]).exists():
                return False
            if not claim():
                return False
            told = _told(config, people, when, after, row["ticket__department_id"],
                         row["ticket__assignee_id"])
            _announcement(kind, row, now, actor, told, after).save()
            if late:
                Ticket.objects.filter(pk=row["ticket_id"]).update(late=True)
        return True

    crossed = Clock.objects.filter(state=Clock.State.RUNNING, due_at__lte=now)
    for row in list(crossed.order_by("due_at").values(*_SWEPT)[:batch]):
        rung = config.next_rung(row["ticket__department_id"], timedelta(0))

        def claim(row=row, rung=rung):
            return Clock.objects.filter(
                pk=row["pk"], state=Clock.State.RUNNING, due_at=row["due_at"]).update(
                state=Clock.State.BREACHED, breached_at=row["due_at"], updated_at=now,
                warned_at=Coalesce(F("warned_at"), Value(now)),
                next_escalation_at=row["due_at"] + rung if rung is not None else None)

        counts["breached"] += announce(row, claim, Event.Kind.SLA_BREACHED,
                                       EscalationStep.When.BREACH, timedelta(0), late=True)
    near = Clock.objects.filter(state=Clock.State.RUNNING, warned_at__isnull=True,
                                warn_at__lte=now, due_at__gt=now)
    for row in list(near.order_by("warn_at").values(*_SWEPT)[:batch]):
        def claim(row=row):
            return Clock.objects.filter(pk=row["pk"], state=Clock.State.RUNNING,
                                        warned_at__isnull=True).update(warned_at=now)

        counts["warned"] += announce(row, claim, Event.Kind.SLA_WARNING,
                                     EscalationStep.When.WARNING, timedelta(0))
    climbing = Clock.objects.filter(next_escalation_at__lte=now, ended_at__isnull=True,
                                    state=Clock.State.BREACHED)
    for row in list(climbing.order_by("next_escalation_at").values(
            *_SWEPT, "next_escalation_at")[:batch]):
        after = row["next_escalation_at"] - row["due_at"]
        rung = config.next_rung(row["ticket__department_id"], after)

        def claim(row=row, rung=rung):
            return Clock.objects.filter(
                pk=row["pk"], next_escalation_at=row["next_escalation_at"]).update(
                next_escalation_at=row["due_at"] + rung if rung is not None else None)

        counts["escalated"] += announce(row, claim, Event.Kind.SLA_BREACHED,
                                        EscalationStep.When.BREACH, after)
    return Swept(**counts)

"""The overdue report: what is overdue now, and how the targets were kept over a period.

Both read the SLA clocks (``zapros.sla``) of the tickets the viewer may see, and only
supervisors and administrators may read them at all (:func:`roles.may_see_reports`). Each
entry point runs a fixed number of queries whatever the number of clocks: counts are grouped
in the database, the list is a keyset page.

Percentiles: on PostgreSQL ``percentile_cont`` computes them in the grouping query itself; on
SQLite, which has no such aggregate, one more query reads the durations of every clock of
the period and :func:`periods.percentile` interpolates them the same way. The tests run on
both and expect the same numbers.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils.translation import gettext as _

from zapros.accounts import roles
from zapros.accounts.models import User
from zapros.core import clock, keyset
from zapros.core.errors import Forbidden, ValidationFailed
from zapros.sla.models import RESPONSE_METRICS, Clock, Metric, Policy
from zapros.tickets import policies
from zapros.tickets.states import State

from . import periods

PAGE_SIZE = 50
# The longest period one report adds up: a year and a day, enough for "this year".
LONGEST_PERIOD = timedelta(days=367)
NOBODY = 0   # the agent filter's value for "no assignee" (the queue's convention)

OVERDUE_KEYS = (
    keyset.Key("due_at", nullable=True, type=datetime),
    keyset.Key("id"),
)
OVERDUE_COLUMNS = (
    "id", "metric", "state", "due_at", "breached_at", "policy_id", "policy_name",
    "ticket__number", "ticket__title", "ticket__subject", "ticket__department_id",
    "ticket__department__name", "ticket__assignee_id", "ticket__assignee__name",
    "ticket__assignee__email",
)


def ensure_may_see(viewer: User) -> None:
    if not roles.may_see_reports(viewer):
        raise Forbidden(_("Only supervisors and administrators see the reports."))


# --- Filters --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to; None means all. ``agent`` 0 means "nobody"."""

    department: int | None = None
    agent: int | None = None
    policy: int | None = None


def _clean_filter(value, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if field == "agent" and number == NOBODY:
        return NOBODY
    if not 0 < number < 2**63:
        raise ValidationFailed(_("Choose one from the list."), field=field)
    return number


def filters(*, department=None, agent=None, policy=None) -> Filters:
    """Filters from outside (a form, a query string). Raises ValidationFailed naming the
    field for a value that cannot be an id; an id that matches nothing finds nothing."""
    return Filters(department=_clean_filter(department, "department"),
                   agent=_clean_filter(agent, "agent"),
                   policy=_clean_filter(policy, "policy"))


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class FilterChoices:
    departments: list[Choice]
    agents: list[Choice]
    policies: list[Choice]


def filter_choices(viewer: User) -> FilterChoices:
    """What the report's filters offer: three queries."""
    ensure_may_see(viewer)
    return FilterChoices(
        departments=[Choice(pk, name) for pk, name in policies.visible_departments(viewer)
                     .order_by("position", "name").values_list("pk", "name")],
        agents=[Choice(pk, name or email) for pk, name, email in policies.staff_to_choose(viewer)
                .order_by("name", "email").values_list("pk", "name", "email")],
        policies=[Choice(pk, name) for pk, name in Policy.objects.order_by(
            "is_default", "position", "id").values_list("pk", "name")],
    )


def _clocks(viewer: User, chosen: Filters, *, archived: bool) -> QuerySet[Clock]:
    """The clocks of the tickets ``viewer`` may see, narrowed by ``chosen``."""
    tickets = policies.visible_tickets(viewer, chosen.department)
    if not archived:
        tickets = tickets.exclude(state=State.ARCHIVED)
    clocks = Clock.objects.filter(ticket__in=tickets)
    if chosen.policy is not None:
        clocks = clocks.filter(policy_id=chosen.policy)
    return clocks


# --- Overdue now ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Bucket:
    """One group of a count: ``id`` None for "nobody" (or a policy since deleted)."""

    id: int | None
    name: str
    count: int


@dataclass(frozen=True)
class OverdueRow:
    clock_id: int
    number: int
    heading: str
    department: str
    assignee: str            # "" when nobody holds the ticket
    metric: str
    metric_label: str
    policy: str
    due_at: datetime | None  # None: a breached clock paused since
    overdue_by: timedelta | None
    due_key: datetime | None = None   # what the page is sorted on (keyset)

    @property
    def id(self) -> int:
        return self.clock_id


@dataclass(frozen=True)
class OverdueNow:
    total: int
    by_department: list[Bucket]
    by_agent: list[Bucket]
    by_policy: list[Bucket]
    page: keyset.Page          # rows: OverdueRow, by due time


def _overdue(viewer: User, chosen: Filters, now: datetime) -> QuerySet[Clock]:
    clocks = _clocks(viewer, chosen, archived=False).filter(
        Q(state=Clock.State.RUNNING, due_at__lt=now) | Q(state=Clock.State.BREACHED),
        ended_at__isnull=True,
    )
    if chosen.agent is not None:
        clocks = clocks.filter(ticket__assignee_id=chosen.agent or None)
    return clocks


def overdue_now(viewer: User, *, department=None, agent=None, policy=None,
                cursor: str | None = None, size: int = PAGE_SIZE) -> OverdueNow:
    """Live clocks past their due time now (running past due, or breached and not yet met)
    of the non-archived tickets ``viewer`` may see: counted by department, by assignee and
    by policy, and one page of the list by due time. Four queries.

    Raises Forbidden for anyone but supervisors and administrators, ValidationFailed for a
    filter or a cursor that is not valid.
    """
    ensure_may_see(viewer)
    chosen = filters(department=department, agent=agent, policy=policy)
    now = clock.now()
    clocks = _overdue(viewer, chosen, now)
    by_department = _buckets(clocks, "ticket__department_id", "ticket__department__name")
    by_agent = _buckets(clocks, "ticket__assignee_id", "ticket__assignee__name",
                        "ticket__assignee__email", nobody=_("Nobody"))
    by_policy = _buckets(clocks, "policy_id", "policy_name")
    page = keyset.paginate(
        clocks.select_related("ticket__department", "ticket__assignee").only(*OVERDUE_COLUMNS),
        OVERDUE_KEYS, cursor, size, salt="zapros.reports.overdue",
    )
    return OverdueNow(
        total=sum(bucket.count for bucket in by_department),
        by_department=by_department, by_agent=by_agent, by_policy=by_policy,
        page=replace(page, rows=[_overdue_row(found, now) for found in page.rows]),
    )


def overdue_rows(viewer: User, *, department=None, agent=None, policy=None):
    """Every row of the overdue list, by due time, read in one query as they are written
    out (the CSV export)."""
    ensure_may_see(viewer)
    chosen = filters(department=department, agent=agent, policy=policy)
    now = clock.now()
    clocks = (_overdue(viewer, chosen, now)
              .select_related("ticket__department", "ticket__assignee").only(*OVERDUE_COLUMNS)
              .order_by(*keyset.ordering(OVERDUE_KEYS)))
    return (_overdue_row(found, now) for found in clocks.iterator(chunk_size=2000))


def _overdue_row(found: Clock, now: datetime) -> OverdueRow:
    ticket = found.ticket
    assignee = ticket.assignee
    return OverdueRow(
        clock_id=found.pk, number=ticket.number, heading=ticket.staff_heading,
        department=ticket.department.name,
        assignee=assignee.display_name if assignee else "",
        metric=found.metric, metric_label=str(Metric(found.metric).label),
        policy=found.policy_name, due_at=found.due_at,
        overdue_by=now - found.due_at if found.due_at else None, due_key=found.due_at,
    )


def _buckets(clocks: QuerySet[Clock], key: str, *names: str, nobody: str = "") -> list[Bucket]:
    rows = clocks.order_by().values(key, *names).annotate(count=Count("id"))
    found = [Bucket(row[key], next((row[name] for name in names if row[name]), "") or nobody,
                    row["count"]) for row in rows]
    return sorted(found, key=lambda bucket: (-bucket.count, bucket.name.casefold()))


# --- A period ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stats:
    """How one group of clocks kept its target: ``met`` in time of ``count``."""

    count: int
    met: int
    median: timedelta | None
    p90: timedelta | None
    paused_total: timedelta
    paused_average: timedelta | None

    @property
    def met_percent(self) -> float | None:
        return round(100 * self.met / self.count, 1) if self.count else None


@dataclass(frozen=True)
class Row:
    """A line of the period's tables: one target, for everyone or one department or agent
    (``id`` None: nobody)."""

    metric: str
    metric_label: str
    stats: Stats
    id: int | None = None
    name: str = ""


@dataclass(frozen=True)
class PeriodReport:
    start: datetime
    end: datetime
    time_zone: str
    by_metric: list[Row]
    by_department: list[Row]
    by_agent: list[Row]          # response targets only: the agent is who answered
    # breaches[weekday][hour], Monday = 0, in the viewer's time zone.
    breaches: list[list[int]]

    @property
    def total_breaches(self) -> int:
        return sum(map(sum, self.breaches))

    @property
    def breaches_by_weekday(self) -> list[int]:
        return [sum(hours) for hours in self.breaches]

    @property
    def breaches_by_hour(self) -> list[int]:
        return [sum(day[hour] for day in self.breaches) for hour in range(24)]


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float, **extra):
        # A constant of this module, written into the SQL as a number, never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


MEDIAN, P90 = 0.5, 0.9


def period(viewer: User, *, start: datetime, end: datetime, department=None, agent=None,
           policy=None) -> PeriodReport:
    """Clocks that ended in [``start``, ``end``) — met, or breached and answered late;
    cancelled ones never count — of the tickets ``viewer`` may see, archived ones included:
    per target the count, how many were met in time, the median and 90th percentile of the
    business time they took, the business time paused; the same per department and per agent
    (the author of the answer, for the response targets); and the breaches among them by
    weekday and hour of the breach in the viewer's time zone.

    Four queries on PostgreSQL, five on SQLite (see the module). Raises Forbidden for anyone
    but supervisors and administrators, ValidationFailed for a filter that is not valid or a
    period that ends before it starts or is longer than a year.
    """
    ensure_may_see(viewer)
    chosen = filters(department=department, agent=agent, policy=policy)
    ensure_period(start, end)
    clocks = _clocks(viewer, chosen, archived=True).filter(
        ended_at__gte=start, ended_at__lt=end,
        state__in=[Clock.State.MET, Clock.State.BREACHED],
    )
    if chosen.agent is not None:
        clocks = clocks.filter(staff_id=chosen.agent or None)
    on_postgres = connection.vendor == "postgresql"
    groupings = {
        "metric": ((), clocks),
        "department": (("ticket__department_id", "ticket__department__name"), clocks),
        "agent": (("staff_id", "staff__name", "staff__email"),
                  clocks.filter(metric__in=sorted(RESPONSE_METRICS))),
    }
    durations = None if on_postgres else _durations(clocks)
    tables = {}
    for name, (keys, grouped) in groupings.items():
        tables[name] = _rows(grouped, keys, durations=durations and durations[name],
                             in_sql=on_postgres)
    zone_name = viewer.timezone or "UTC"
    return PeriodReport(
        start=start, end=end, time_zone=zone_name,
        by_metric=tables["metric"], by_department=tables["department"],
        by_agent=tables["agent"], breaches=_breaches(clocks, clock.zone(zone_name)),
    )


def in_viewers_zone(viewer: User, moment: datetime) -> datetime:
    """``moment`` as given, or, written without an offset (a date, a wall-clock time), in
    the viewer's time zone: a period "from 1 March" starts at the viewer's midnight."""
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=clock.zone(viewer.timezone))


def days_period(viewer: User, days: periods.Days) -> tuple[datetime, datetime]:
    """[start, end) of whole ``days`` of the viewer's calendar."""
    return (clock.start_of(days.first, viewer.timezone),
            clock.start_of(days.end, viewer.timezone))


def ensure_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed(_("Give the period's times with their time zone."), field="start")
    if end <= start:
        raise ValidationFailed(_("The period must end after it starts."), field="end")
    if end - start > LONGEST_PERIOD:
        raise ValidationFailed(_("The period can be a year long at most."), field="end")


def _metric_order(metric: str) -> int:
    return list(Metric.values).index(metric) if metric in Metric.values else len(Metric.values)


def _rows(clocks: QuerySet[Clock], keys: tuple, *, durations, in_sql: bool) -> list[Row]:
    """One aggregate query grouped by target and ``keys`` (an id, then the names to show)."""
    fields = (*keys[:1], "metric")
    aggregates = {
        "count": Count("id"),
        "met": Count("id", filter=Q(state=Clock.State.MET)),
        "paused_total": Sum("paused"),
    }
    if in_sql:
        aggregates["median"] = PercentileCont(F("took"), MEDIAN)
        aggregates["p90"] = PercentileCont(F("took"), P90)
    found = clocks.order_by().values(*fields, *keys[1:]).annotate(**aggregates)
    rows = []
    for row in found:
        group = row[keys[0]] if keys else None
        if in_sql:
            median, p90 = row["median"], row["p90"]
        else:
            took = durations.get((group, row["metric"]), [])
            median, p90 = periods.percentile(took, MEDIAN), periods.percentile(took, P90)
        paused = row["paused_total"] or timedelta(0)
        stats = Stats(count=row["count"], met=row["met"], median=median, p90=p90,
                      paused_total=paused,
                      paused_average=paused / row["count"] if row["count"] else None)
        name = next((row[key] for key in keys[1:] if row[key]), "") if keys else ""
        rows.append(Row(metric=row["metric"], metric_label=str(Metric(row["metric"]).label),
                        stats=stats, id=group, name=name or (_("Nobody") if keys else "")))
    return sorted(rows, key=lambda row: (row.name.casefold(), row.id or 0,
                                         _metric_order(row.metric)))


def _durations(clocks: QuerySet[Clock]) -> dict[str, dict[tuple, list[timedelta]]]:
    """SQLite: the time every clock of the period took, by grouping, in one query."""
    found = {"metric": defaultdict(list), "department": defaultdict(list),
             "agent": defaultdict(list)}
    rows = clocks.order_by().filter(took__isnull=False).values_list(
        "metric", "ticket__department_id", "staff_id", "took")
    for metric, department_id, staff_id, took in rows.iterator(chunk_size=5000):
        found["metric"][None, metric].append(took)
        found["department"][department_id, metric].append(took)
        if metric in RESPONSE_METRICS:
            found["agent"][staff_id, metric].append(took)
    return found


def _breaches(clocks: QuerySet[Clock], zone) -> list[list[int]]:
    """Breaches by weekday and hour of ``breached_at`` in ``zone``: one query of at most
    168 rows, the conversion done by the database (DST-safe on both)."""
    grid = [[0] * 24 for _day in range(7)]
    rows = (clocks.filter(state=Clock.State.BREACHED, breached_at__isnull=False).order_by()
            .annotate(weekday=ExtractIsoWeekDay("breached_at", tzinfo=zone),
                      hour=ExtractHour("breached_at", tzinfo=zone))
            .values("weekday", "hour").annotate(count=Count("id")))
    for row in rows:
        grid[row["weekday"] - 1][row["hour"]] += row["count"]
    return grid


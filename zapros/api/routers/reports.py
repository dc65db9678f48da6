"""Reports: the overdue report of the workspace, the same numbers through the same selectors.
Supervisors and administrators only; the selectors refuse anyone else (403)."""

from datetime import timedelta

from ninja import Query, Router

from zapros.reports import sla

from .. import schemas
from ..schemas import ErrorOut

router = Router(tags=["reports"])

ERRORS = {401: ErrorOut, 403: ErrorOut}


def _seconds(duration: timedelta | None) -> float | None:
    return None if duration is None else duration.total_seconds()


@router.get("/reports/sla/overdue", response={200: schemas.OverdueOut, **ERRORS},
            summary="Overdue now")
def overdue(request, filters: Query[schemas.OverdueFilters]):
    """Live SLA clocks past their due time now (running past due, or breached and not yet
    answered) of requests not archived: counted by department, assignee and policy, and the
    list, 50 a page, the most overdue first."""
    report = sla.overdue_now(request.auth, department=filters.department, agent=filters.agent,
                             policy=filters.policy, cursor=filters.cursor)
    return {
        "total": report.total,
        "by_department": report.by_department,
        "by_agent": report.by_agent,
        "by_policy": report.by_policy,
        "items": [{
            "number": row.number, "heading": row.heading, "department": row.department,
            "assignee": row.assignee, "metric": row.metric, "policy": row.policy,
            "due": row.due_at,
            "overdue_by_seconds": None if row.overdue_by is None
            else int(row.overdue_by.total_seconds()),
        } for row in report.page.rows],
        "next": report.page.next_cursor,
    }


def _rows(rows):
    return [{
        "metric": row.metric, "id": row.id, "name": row.name, "count": row.stats.count,
        "met": row.stats.met, "met_percent": row.stats.met_percent,
        "median_seconds": _seconds(row.stats.median), "p90_seconds": _seconds(row.stats.p90),
        "paused_total_seconds": row.stats.paused_total.total_seconds(),
        "paused_average_seconds": _seconds(row.stats.paused_average),
    } for row in rows]


@router.get("/reports/sla/period", response={200: schemas.PeriodOut, **ERRORS},
            summary="SLA over a period")
def period(request, filters: Query[schemas.PeriodFilters]):
    """Clocks that ended in [start, end) — met, or breached and answered late; cancelled
    ones never count — per target: how many, met in time (and %), median and 90th percentile
    of the business time taken, time paused; the same per department and per agent; the
    breaches by weekday and hour in the caller's time zone."""
    user = request.auth
    report = sla.period(
        user, start=sla.in_viewers_zone(user, filters.start),
        end=sla.in_viewers_zone(user, filters.end), department=filters.department,
        agent=filters.agent, policy=filters.policy,
    )
    return {
        "start": report.start, "end": report.end, "time_zone": report.time_zone,
        "by_metric": _rows(report.by_metric), "by_department": _rows(report.by_department),
        "by_agent": _rows(report.by_agent), "breaches": report.breaches,
    }

"""The overdue report as CSV: the rows of the overdue list, and the period's tables.

UTF-8 with a byte-order mark, so that Excel reads Cyrillic names as written; times in the
viewer's zone as ISO 8601 with their offset (``2024-03-04T13:30:00+03:00``), durations in
minutes, so that a spreadsheet can add them up. Lines are yielded one by one, for a
streaming answer.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from zapros.core import clock

from .sla import OverdueRow, PeriodReport, Row

BOM = "\ufeff"


class _Line:
    """A file-like sink for csv.writer that hands back what was written."""

    def write(self, text: str) -> str:
        return text


def _lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def local_time(moment: datetime | None, zone_name: str | None) -> str:
    return moment.astimezone(clock.zone(zone_name)).isoformat(timespec="seconds") if moment else ""


def minutes(duration: timedelta | None) -> str:
    if duration is None:
        return ""
    return f"{duration / timedelta(minutes=1):.1f}"


def overdue_csv(rows: Iterable[OverdueRow], zone_name: str | None) -> Iterator[str]:
    header = [_("Request"), _("Heading"), _("Department"), _("Assignee"), _("Target"),
              _("Policy"), _("Due"), _("Overdue by, minutes")]
    return _lines(header, (
        [row.number, row.heading, row.department, row.assignee, row.metric_label, row.policy,
         local_time(row.due_at, zone_name), minutes(row.overdue_by)]
        for row in rows
    ))


def period_csv(report: PeriodReport) -> Iterator[str]:
    """One line per target for everyone, then per department, then per agent."""
    header = [_("Group"), _("Name"), _("Target"), _("Clocks"), _("Met in time"),
              _("Met in time, %"), _("Median, minutes"), _("90th percentile, minutes"),
              _("Paused in total, minutes"), _("Paused on average, minutes"), _("Period start"),
              _("Period end")]
    start, end = (local_time(report.start, report.time_zone),
                  local_time(report.end, report.time_zone))

    def lines(group: str, rows: list[Row]):
        for row in rows:
            stats = row.stats
            percent = "" if stats.met_percent is None else f"{stats.met_percent:.1f}"
            yield [group, row.name, row.metric_label, stats.count, stats.met, percent,
                   minutes(stats.median), minutes(stats.p90), minutes(stats.paused_total),
                   minutes(stats.paused_average), start, end]

    return _lines(header, [
        *lines(_("All"), report.by_metric),
        *lines(_("Department"), report.by_department),
        *lines(_("Agent"), report.by_agent),
    ])

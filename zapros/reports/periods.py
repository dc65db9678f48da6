"""The arithmetic of the reports that needs no database: the periods a reader picks and the
percentiles of a list of durations.

Pure: no ORM, so that it is tested on its own and shared by the page, the CSV and the API.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from math import floor

from django.utils.translation import gettext_lazy as _


class Preset(StrEnum):
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"
    THIS_MONTH = "month"
    PREVIOUS_MONTH = "previous"
    CUSTOM = "custom"

    @property
    def label(self):
        return PRESET_LABELS[self]


PRESET_LABELS = {
    Preset.LAST_7_DAYS: _("Last 7 days"),
    Preset.LAST_30_DAYS: _("Last 30 days"),
    Preset.THIS_MONTH: _("This month"),
    Preset.PREVIOUS_MONTH: _("Previous month"),
    Preset.CUSTOM: _("Custom"),
}
DEFAULT_PRESET = Preset.LAST_30_DAYS


@dataclass(frozen=True)
class Days:
    """A period as whole days of the reader's calendar: ``first`` to ``last``, both included."""

    first: date
    last: date

    @property
    def end(self) -> date:
        """The day after the last one: the period is [first, end)."""
        return self.last + timedelta(days=1)


def preset_days(preset: Preset, today: date) -> Days:
    """The days of ``preset`` as seen on ``today`` (today included: the report shows what is
    known so far). ``CUSTOM`` has no days of its own; it is refused here."""
    if preset == Preset.LAST_7_DAYS:
        return Days(today - timedelta(days=6), today)
    if preset == Preset.LAST_30_DAYS:
        return Days(today - timedelta(days=29), today)
    if preset == Preset.THIS_MONTH:
        return Days(today.replace(day=1), today)
    if preset == Preset.PREVIOUS_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return Days(last.replace(day=1), last)
    raise ValueError(f"no days for {preset!r}")


def percentile(values: list[timedelta], fraction: float) -> timedelta | None:
    """The ``fraction`` percentile of ``values`` (sorted or not), interpolated between the two
    nearest ranks exactly as PostgreSQL's ``percentile_cont`` does, rounded to the
    microsecond as an ``interval`` is; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    low, high = ordered[lower], ordered[upper]
    micro = (low + (high - low) * (position - lower)) // timedelta(microseconds=1)
    return timedelta(microseconds=micro)

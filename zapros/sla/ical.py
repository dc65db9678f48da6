"""Holidays from an iCalendar file (RFC 5545): bytes in, the days they close out.

Every VEVENT of the file is a closure. An all-day event closes whole local dates; a timed
event closes the minutes it covers, in the calendar's own zone (an office closing at 14:00
Moscow time on 31 December). Repeating events are expanded within the requested dates.
What comes back is what the admin confirms before it becomes exceptions of a calendar: this
module knows nothing about the calendar's working hours. Pure: no ORM, no settings.

Whatever is uploaded is read without a traceback: a file that is not iCalendar, too large,
empty of events, or with an event that cannot be read is refused with a
:class:`~zapros.sla.businesstime.CalendarError` that says why.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr
from django.utils.translation import gettext_lazy as _

from .businesstime import (
    DAY_MINUTES,
    FIRST_DAY,
    LAST_DAY,
    CalendarError,
    Span,
    check_zone,
)

MAX_BYTES = 2 * 1024 * 1024
# Occurrences looked at and dates closed while reading one file (occurrences before the
# requested dates included): bounds the work an upload can cause (a rule that repeats every
# minute, a closure that lasts a century), far above what any holiday calendar needs.
MAX_OCCURRENCES = 100_000
NAME_LENGTH = 200
_DAY = timedelta(days=1)
_FOLD = re.compile(rb"\r?\n[ \t]")


@dataclass(frozen=True, slots=True)
class Imported:
    day: date
    name: str                          # the events' SUMMARY, "; " between several
    closed: tuple[Span, ...] | None    # None: the whole day; else the closed local spans


def holidays_from_ical(data: bytes, *, zone: str, start: date, end: date) -> list[Imported]:
    """The local dates from ``start`` to ``end`` (both included, and within the years a
    calendar covers) that the events of ``data`` close, in order, one entry per date.

    Two events on one date are merged: a whole-day closure wins (and names the day), partial
    closures are joined. A timed closure that covers a date from 00:00 to 24:00 closes the
    whole date. Cancelled events and cancelled occurrences close nothing.
    """
    if len(data) > MAX_BYTES:
        raise CalendarError(
            _("The file is larger than %(limit)s MB: a holiday calendar is much smaller.")
            % {"limit": MAX_BYTES // (1024 * 1024)})
    tz = ZoneInfo(check_zone(zone))
    if end < start:
        raise CalendarError(_("The end of the period is before its start."))
    start, end = max(start, FIRST_DAY), min(end, LAST_DAY)
    events = _events(_decode(data))
    # Occurrences that another VEVENT of the same UID replaces (RECURRENCE-ID): the master
    # leaves them out, the replacement (or its cancellation) stands on its own.
    replaced = set()
    for event in events:
        if event.get("RECURRENCE-ID") is not None:
            with _unreadable(event):
                replaced.add((str(event.get("UID", "")),
                              _key(_value(event, "RECURRENCE-ID"), tz)))
    closures: dict[date, _Closure] = {}
    budget = [MAX_OCCURRENCES]
    for event in events:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        with _unreadable(event):
            _close(event, _name(event), tz, start, end, replaced, closures, budget)
    return [closures[day].imported(day) for day in sorted(closures)]


def _name(event) -> str:
    return " ".join(str(event.get("SUMMARY", "")).split())[:NAME_LENGTH]


def _label(event) -> str:
    """How an error names the event: its SUMMARY, else its UID."""
    return _name(event) or str(event.get("UID", "?"))


@contextmanager
def _unreadable(event):
    """Turn what reading a broken event raises into a refusal that names the event."""
    try:
        yield
    except CalendarError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        raise CalendarError(_("The event “%(name)s” cannot be read.")
                            % {"name": _label(event)}) from None


class _Closure:
    """What the events of one date close, gathered before the date is merged."""

    __slots__ = ("partial_names", "spans", "whole_names")

    def __init__(self):
        self.whole_names: list[str] = []
        self.partial_names: list[str] = []
        self.spans: list[Span] | None = []

    def add(self, name: str, span: Span | None):
        if span is None or span == (0, DAY_MINUTES):
            self.whole_names.append(name)
            self.spans = None
        else:
            self.partial_names.append(name)
            if self.spans is not None:
                self.spans.append(span)

    def imported(self, day: date) -> Imported:
        if self.spans is None:
            return Imported(day, _join(self.whole_names), None)
        merged: list[Span] = []
        for span_start, span_end in sorted(self.spans):
            if merged and span_start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], span_end))
            else:
                merged.append((span_start, span_end))
        closed = None if merged == [(0, DAY_MINUTES)] else tuple(merged)
        return Imported(day, _join(self.partial_names), closed)


def _join(names: list[str]) -> str:
    return "; ".join(dict.fromkeys(name for name in names if name))


def _decode(data: bytes) -> str:
    """The text of the file, its lines unfolded. Unfolding comes first because RFC 5545 folds
    lines by octets: a fold may fall inside a Cyrillic letter's two bytes."""
    if isinstance(data, str):
        return data
    try:
        return _FOLD.sub(b"", bytes(data)).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarError(
            _("The file is not UTF-8 text, which an iCalendar file must be.")) from None


def _events(text: str) -> list:
    try:
        components = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception:  # icalendar raises whatever its parser met; none of it is for people
        components = []
    calendars = [c for c in components if getattr(c, "name", None) == "VCALENDAR"]
    if not calendars:
        raise CalendarError(_("This is not an iCalendar (.ics) file."))
    events = [event for calendar in calendars for event in calendar.walk("VEVENT")]
    if not events:
        raise CalendarError(_("The file has no events."))
    return events


def _value(event, key):
    """The date or datetime of the property ``key``; None when it is missing."""
    prop = event.get(key)
    if prop is None:
        return None
    value = getattr(prop, "dt", None)
    if not isinstance(value, date):
        raise ValueError(key)  # a vBroken value: the date could not be read
    return value


def _key(value, tz):
    """What identifies an occurrence by its start: the date of an all-day one, the UTC instant
    of a timed one (a floating time is read in the calendar's zone)."""
    if isinstance(value, datetime):
        return _aware(value, tz).astimezone(UTC)
    return value


def _aware(value: datetime, tz) -> datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _close(event, name, tz, start, end, replaced, closures, budget):
    """Add to ``closures`` the dates and spans in [start, end] that ``event`` closes."""
    first = _value(event, "DTSTART")
    if first is None:
        raise ValueError("DTSTART")
    all_day = not isinstance(first, datetime)
    length = _length(event, first, all_day, tz)
    if length is None:
        return  # an instant: it closes no time
    uid = str(event.get("UID", ""))
    excluded, excluded_dates = set(), set()
    for prop in _props(event, "EXDATE"):
        for item in prop.dts:
            if all_day:
                excluded.add(_as_date(item.dt))
            elif isinstance(item.dt, datetime):
                excluded.add(_key(item.dt, tz))
            else:  # a date excludes a timed event's occurrence on that local date
                excluded_dates.add(item.dt)
    is_replacement = event.get("RECURRENCE-ID") is not None
    for occurrence, occurrence_length in _occurrences(
            event, first, length, all_day, tz, start, end, budget):
        key = _key(occurrence, tz)
        if key in excluded or (excluded_dates and _local_date(occurrence, tz) in excluded_dates):
            continue
        if not is_replacement and (uid, key) in replaced:
            continue
        if all_day:
            _close_days(closures, name, occurrence, occurrence_length, start, end, budget)
        else:
            _close_time(closures, name, _aware(occurrence, tz), occurrence_length, tz,
                        start, end, budget)


def _length(event, first, all_day, tz):
    """Whole days for an all-day event (at least one), a timedelta for a timed one (None
    when it lasts no time at all)."""
    last = _value(event, "DTEND")
    duration = event.get("DURATION")
    duration = duration.dt if duration is not None else None
    if duration is not None and not isinstance(duration, timedelta):
        raise ValueError("DURATION")
    if all_day:
        if last is not None:
            days = (_as_date(last) - first).days
        elif duration is not None:
            days = math.ceil(duration / _DAY)
        else:
            days = 1
        return max(days, 1)  # DTEND equal to DTSTART is a slip of exporters: one day
    if last is not None:
        if not isinstance(last, datetime):
            last = datetime.combine(last, time(), first.tzinfo)
        length = _key(last, tz) - _key(first, tz)
    elif duration is not None:
        length = duration
    else:
        return None
    return length if length > timedelta(0) else None


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _props(event, key) -> list:
    found = event.get(key)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def _local_date(occurrence, tz) -> date:
    return _aware(occurrence, tz).astimezone(tz).date()


def _occurrences(event, first, length, all_day, tz, start, end, budget):
    """(start, length) of every occurrence that may reach into [start, end]: DTSTART, the
    RRULE's and the RDATEs (an RDATE period brings its own length). An all-day occurrence
    starts on a date, a timed one at a datetime as aware (or floating) as DTSTART."""
    if all_day:
        origin = datetime.combine(first, time())
        low = datetime.combine(start, time()) - length * _DAY
        high = datetime.combine(end, time()) + _DAY
    else:
        origin = first
        zone = None if first.tzinfo is None else tz
        # A timed occurrence may start up to a day earlier in another zone and run into
        # the period: the margins are generous, the dates are clipped when closing.
        low = datetime.combine(start, time(), zone) - length - 2 * _DAY
        high = datetime.combine(end, time(), zone) + 3 * _DAY
    moments = [(origin, length)]
    for recur in _props(event, "RRULE"):
        for moment in _expand(recur, origin, high, event, tz):
            _spend(budget)
            if moment >= low:
                moments.append((moment, length))
    for prop in _props(event, "RDATE"):
        for item in prop.dts:
            moments.append(_rdate(item.dt, length, all_day, first, tz))
    seen = set()
    for moment, moment_length in moments:
        if low <= moment < high and moment not in seen:
            seen.add(moment)
            yield (moment.date() if all_day else moment), moment_length


def _rdate(value, length, all_day, first, tz):
    """An RDATE as (start, length), the start made like DTSTART (see :func:`_occurrences`)."""
    if isinstance(value, tuple):  # a PERIOD: its start, and its end or its duration
        value, until = value
        span = until if isinstance(until, timedelta) else _key(until, tz) - _key(value, tz)
        length = max(1, math.ceil(span / _DAY)) if all_day else span
    if all_day:
        return datetime.combine(_as_date(value), time()), length
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if first.tzinfo is None:  # floating: the wall time in the calendar's zone
        return (value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value), length
    return _aware(value, tz), length


def _spend(budget):
    budget[0] -= 1
    if budget[0] < 0:
        raise CalendarError(_("The file holds too many closures to import: a holiday calendar "
                              "holds far fewer."))


def _expand(recur, origin, high, event, tz):
    """The starts of an RRULE up to ``high``, in order.

    The rule is given to dateutil without its UNTIL and COUNT: UNTIL is made to agree with
    DTSTART (floating or not), which dateutil insists on and exporters often do not, and is
    never later than ``high``, so that a rule that never matches (30 February) stops at the
    end of the period instead of searching to the year 9999; COUNT is counted here.
    """
    try:
        recur = icalendar.vRecur(recur)
        until = recur.pop("UNTIL", None)
        count = recur.pop("COUNT", None)
        rule = rrulestr(recur.to_ical().decode("ascii"), dtstart=origin)
        stop = min(high, _until(until[0], origin, tz)) if until else high
        rule = rule.replace(until=stop)
        count = int(count[0]) if count else None
        never = _never_matches(recur, origin)
    except (ValueError, TypeError, KeyError, IndexError):
        raise CalendarError(_("The event “%(name)s” repeats in a way that cannot be read.")
                            % {"name": _label(event)}) from None
    if never:
        raise CalendarError(_("The event “%(name)s” repeats on a date that never comes, such as "
                              "30 February.") % {"name": _label(event)})
    for number, moment in enumerate(rule):
        if (count is not None and number >= count) or moment >= high:
            return
        yield moment


# From here to the last year a datetime holds there are 28 whole years and no century year:
# every kind of year (its length, the weekday of its 1 January) comes at least once.
_PROBE_YEAR = 9971


def _never_matches(recur, origin: datetime) -> bool:
    """Whether the rule has no occurrence at all, such as every 30 February.

    dateutil looks for the next occurrence until the year 9999, which takes seconds for a
    daily rule. The rule is asked again, every period (no INTERVAL), from the same date of
    _PROBE_YEAR: what never comes there, in all kinds of years, never comes anywhere.
    """
    probe = icalendar.vRecur(recur)
    probe.pop("INTERVAL", None)
    leap_day = (origin.month, origin.day) == (2, 29)
    start = origin.replace(year=_PROBE_YEAR + leap_day, tzinfo=None)
    rule = rrulestr(probe.to_ical().decode("ascii"), dtstart=start)
    return next(iter(rule), None) is None


def _until(until, origin: datetime, tz) -> datetime:
    if not isinstance(until, datetime):
        until = datetime.combine(until, time.max)
    if origin.tzinfo is None:  # all-day or floating: UNTIL as a wall time of the zone
        return until.astimezone(tz).replace(tzinfo=None) if until.tzinfo else until
    return _aware(until, origin.tzinfo).astimezone(UTC)


def _close_days(closures, name, first: date, days: int, start: date, end: date, budget):
    day = max(first, start)
    last = min(first + timedelta(days=days - 1), end)
    while day <= last:
        _spend(budget)
        closures.setdefault(day, _Closure()).add(name, None)
        day += _DAY


def _close_time(closures, name, begin: datetime, length: timedelta, tz, start, end, budget):
    """Close the local minutes from ``begin`` for ``length``, date by date: a closure from
    22:00 to 02:00 closes 22:00-24:00 on one date and 00:00-02:00 on the next."""
    local_start = begin.astimezone(tz)
    local_end = (begin.astimezone(UTC) + length).astimezone(tz)
    first_minute = local_start.hour * 60 + local_start.minute
    last_minute = local_end.hour * 60 + local_end.minute + (
        1 if local_end.second or local_end.microsecond else 0)
    day = max(local_start.date(), start)
    last = min(local_end.date(), end)
    while day <= last:
        span_start = first_minute if day == local_start.date() else 0
        span_end = last_minute if day == local_end.date() else DAY_MINUTES
        if span_end > span_start:
            _spend(budget)
            closures.setdefault(day, _Closure()).add(name, (span_start, span_end))
        day += _DAY

"""Business time: when a calendar is open, and how much open time lies between two instants.

SLA clocks, timed rules, the escalation sweep, the reports and the data generator all count
time with these functions, so they agree to the microsecond. Pure: no ORM, no settings, no
clock of its own (every instant comes from the caller).

A :class:`Calendar` is written in local wall time (working hours per weekday, exceptions by
local date) and everything it answers is an aware UTC instant. Each local date's working
spans are turned into UTC instants once and cached; the rules for wall times a DST switch
makes special are those of :func:`_Engine.instant`.

Arithmetic is done in integer microseconds since the epoch, so ``between`` is the exact
inverse of ``add`` (no float drift), and a datetime is built only for the answer.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils.translation import gettext_lazy as _

Span = tuple[int, int]  # minutes since local midnight, 0 <= start < end <= 1440

DAY_MINUTES = 1440
# A calendar that has not opened for this long never will: its hours or holidays are wrong.
HORIZON_DAYS = 400
# Exception days are accepted in this range: wide enough for any real calendar, narrow
# enough that a typo (20205-01-01, 1025-01-01) is caught.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)

WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday"))

_US = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


class CalendarError(ValueError):
    """A calendar, its hours or an imported file that cannot be used. ``message`` (and the
    error's str) is a text for the person who typed or uploaded it, translated into the
    active language (a fixed text stays lazy until shown)."""

    def __init__(self, message):
        self.message = message
        super().__init__(message)

    def __str__(self):
        return str(self.message)


class NeverOpen(CalendarError):
    """No business time anywhere ahead: a deadline on this calendar would never come."""


class FrozenDays(Mapping):
    """The exceptions of a calendar, by local date: an immutable, hashable mapping.

    Chosen over ``types.MappingProxyType`` so that :class:`Calendar` is hashable: equal
    calendars (built again from the same rows on every sweep) then share one cache of UTC
    spans (see :func:`_engine`).
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data=()):
        self._data = dict(data)
        self._hash = None

    def __getitem__(self, key):
        return self._data[key]

    def get(self, key, default=None):
        return self._data.get(key, default)

    def __contains__(self, key):
        return key in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other):
        if isinstance(other, FrozenDays):
            return self._data == other._data
        return isinstance(other, Mapping) and self._data == dict(other)

    def __repr__(self):
        return f"FrozenDays({self._data!r})"

    def __reduce__(self):
        return FrozenDays, (self._data,)


@dataclass(frozen=True, slots=True)
class Calendar:
    """When business time runs, in the local wall time of ``zone``.

    ``week`` holds the working spans of each weekday, Monday first; ``days`` overrides them
    for single local dates: ``()`` is a holiday, anything else is that date's working spans
    (a short day, an extra working Saturday). With ``always`` every instant is business time
    and the rest is ignored.

    The constructor normalises what it is given (lists become tuples, a dict of exceptions a
    :class:`FrozenDays`) and refuses hours that are not well-formed with :class:`CalendarError`,
    since the arithmetic relies on sorted spans that neither overlap nor touch. It does not
    refuse a week without any working time: that is the forms' rule (:func:`check_week`), and
    such a calendar answers :class:`NeverOpen` when asked for a deadline.
    """

    zone: str
    week: tuple[tuple[Span, ...], ...]
    days: Mapping[date, tuple[Span, ...]] = field(default_factory=FrozenDays)
    always: bool = False
    # The calendar's cache of UTC spans, shared by equal calendars; filled on first use.
    _engine: _Engine | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.always:
            week = tuple(tuple(tuple(span) for span in day) for day in self.week or ())
            days = FrozenDays(self.days or {})
        else:
            _zone(self.zone)
            week = _normal_week(self.week)
            days = {}
            for day, spans in dict(self.days or {}).items():
                if not isinstance(day, date) or isinstance(day, datetime):
                    raise CalendarError(_("Exception days must be dates."))
                days[day] = _checked(spans, label=day.isoformat())
            days = FrozenDays(days)
        object.__setattr__(self, "week", week)
        object.__setattr__(self, "days", days)

    def __reduce__(self):
        # A pickled calendar (a task's argument) leaves its cache behind.
        return Calendar, (self.zone, self.week, self.days, self.always)


ALWAYS = Calendar(zone="UTC", week=((),) * 7, always=True)


# --- Arithmetic --------------------------------------------------------------------------


def is_open(calendar: Calendar, at: datetime) -> bool:
    """Whether ``at`` is business time. Spans are half-open: 18:00 is closed on a 9-18 day."""
    us = _micros(at)
    if calendar.always:
        return True
    engine = _engine(calendar)
    today = engine.ordinal(at)
    for ordinal in (today, today + 1):
        for start, end in engine.day(ordinal)[0]:
            if start <= us < end:
                return True
    return False


def next_open(calendar: Calendar, at: datetime) -> datetime:
    """``at`` (in UTC) when it is business time, else the next instant that is.

    Raises :class:`NeverOpen` when the calendar does not open within HORIZON_DAYS."""
    us = _micros(at)
    if calendar.always:
        return _instant(us)
    engine = _engine(calendar)
    first = engine.ordinal(at)
    for ordinal in range(first, first + HORIZON_DAYS + 2):
        for start, end in engine.day(ordinal)[0]:
            if end > us:
                return _instant(max(start, us))
    raise _never_open(at)


def add(calendar: Calendar, start: datetime, seconds: int | float) -> datetime:
    """The earliest instant ``t >= start`` with ``between(calendar, start, t) == seconds``.

    A start outside business hours counts from the next opening; the answer is the instant
    the last business second ends, so one hour from Fri 17:55 on a 9-18 Monday-to-Friday
    calendar is Mon 09:55, and five minutes from it is Fri 18:00 (not Monday's opening).
    Precision is one microsecond. Raises ValueError unless ``seconds`` is a finite number
    above zero, and :class:`NeverOpen` when no business time comes for HORIZON_DAYS.
    """
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"add() needs a positive number of seconds, not {seconds!r}")
    us = _micros(start)
    need = max(1, round(seconds * _US))
    if calendar.always:
        return _instant(us + need)
    engine = _engine(calendar)
    ordinal = engine.ordinal(start)
    # Whole weeks may be skipped only once every span they hold lies after the start: from
    # the second date after the start's (see _Engine.ordinal).
    skippable = ordinal + 2
    last_open = ordinal
    while True:
        if ordinal - last_open > HORIZON_DAYS:
            raise _never_open(start)
        if ordinal >= skippable and ordinal % 7 == 1:  # a Monday
            total, _last_end = engine.week(ordinal)
            if need > total:
                need -= total
                if total:
                    last_open = ordinal + 6
                ordinal += 7
                continue
        for span_start, span_end in engine.day(ordinal)[0]:
            if span_end <= us:
                continue
            if span_start < us:
                span_start = us
            available = span_end - span_start
            if need <= available:
                return _instant(span_start + need)
            need -= available
            last_open = ordinal
        ordinal += 1


def between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Business seconds in ``[start, end)``; 0 when ``end <= start``."""
    low, high = _micros(start), _micros(end)
    if high <= low:
        return 0.0
    if calendar.always:
        return (high - low) / _US
    engine = _engine(calendar)
    ordinal = engine.ordinal(start)
    last = engine.ordinal(end) + 1
    skippable = ordinal + 2
    total = 0
    while ordinal <= last:
        if ordinal >= skippable and ordinal % 7 == 1:
            week_total, last_end = engine.week(ordinal)
            if last_end <= high:
                total += week_total
                ordinal += 7
                continue
        for span_start, span_end in engine.day(ordinal)[0]:
            if span_start < low:
                span_start = low
            if span_end > high:
                span_end = high
            if span_end > span_start:
                total += span_end - span_start
        ordinal += 1
    return total / _US


def spans(calendar: Calendar, start: datetime, end: datetime
          ) -> Iterator[tuple[datetime, datetime]]:
    """The business intervals that intersect ``[start, end)``, clipped to it, as pairs of
    aware UTC datetimes in order. Business time that runs on across midnight (a span to
    24:00 and the next day's from 00:00) is one interval."""
    low, high = _micros(start), _micros(end)
    if high <= low:
        return iter(())
    if calendar.always:
        return iter([(_instant(low), _instant(high))])
    return _spans(_engine(calendar), start, end, low, high)


def _spans(engine, start, end, low, high):
    pending = None
    for ordinal in range(engine.ordinal(start), engine.ordinal(end) + 2):
        for span_start, span_end in engine.day(ordinal)[0]:
            span_start, span_end = max(span_start, low), min(span_end, high)
            if span_end <= span_start:
                continue
            if pending and span_start <= pending[1]:
                pending = (pending[0], span_end)
                continue
            if pending:
                yield _instant(pending[0]), _instant(pending[1])
            pending = (span_start, span_end)
    if pending:
        yield _instant(pending[0]), _instant(pending[1])


def _micros(at: datetime) -> int:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"business time needs an aware datetime, not {at!r}")
    return (at - _EPOCH) // _ONE_US


def _instant(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _never_open(at: datetime) -> NeverOpen:
    start = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return NeverOpen(
        _("The calendar has no working time for more than a year from %(start)s: check its "
          "working hours and holidays.") % {"start": start})


# --- The cache of UTC spans ---------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _shared_engine(calendar: Calendar) -> _Engine:
    return _Engine(calendar)


def _engine(calendar: Calendar) -> _Engine:
    """The calendar's engine: kept on the instance, and shared between equal calendars, so a
    sweep that rebuilds its calendars from rows still finds their days computed."""
    engine = calendar._engine
    if engine is None:
        engine = _shared_engine(calendar)
        object.__setattr__(calendar, "_engine", engine)
    return engine


class _Engine:
    """One calendar's working spans as UTC microseconds, computed per local date on demand.

    Local dates are held as proleptic ordinals (``date.toordinal()``): ordinal 1 is a Monday,
    so ``ordinal % 7 == 1`` is every Monday.
    """

    __slots__ = ("_days", "_weeks", "exceptions", "week_spans", "zone")

    # Enough for decades of dates; past it the cache starts again rather than grow for ever.
    MAX_CACHED = 50_000

    def __init__(self, calendar: Calendar):
        self.zone = ZoneInfo(calendar.zone)
        self.week_spans = calendar.week
        self.exceptions = calendar.days
        self._days: dict[int, tuple[tuple[tuple[int, int], ...], int]] = {}
        self._weeks: dict[int, tuple[int, int]] = {}

    def ordinal(self, at: datetime) -> int:
        """The local date of ``at``, as an ordinal: the date whose spans hold ``at``, or the
        one before it. Each date's spans lie between its 00:00 and the next date's (see
        :meth:`_compute_day`), and the clock shows the earlier date again only where a
        fall-back switch runs across midnight (St. John's, Newfoundland, until 2011: 00:01
        back to 23:01), after the next date's first 00:00."""
        return at.astimezone(self.zone).toordinal()

    def day(self, ordinal: int) -> tuple[tuple[tuple[int, int], ...], int]:
        """The working spans of a local date as UTC microseconds, merged and in order, and
        their total length."""
        found = self._days.get(ordinal)
        if found is None:
            if len(self._days) > self.MAX_CACHED:
                self._days.clear()
                self._weeks.clear()
            found = self._days[ordinal] = self._compute_day(ordinal)
        return found

    def week(self, monday: int) -> tuple[int, int]:
        """The business microseconds of the week starting on ``monday``, and where its last
        span ends (0 when it has none)."""
        found = self._weeks.get(monday)
        if found is None:
            total, last_end = 0, 0
            for ordinal in range(monday, monday + 7):
                day_spans, day_total = self.day(ordinal)
                total += day_total
                if day_spans:
                    last_end = day_spans[-1][1]
            found = self._weeks[monday] = (total, last_end)
        return found

    def _compute_day(self, ordinal: int):
        day = date.fromordinal(ordinal)
        wall = self.exceptions.get(day)
        if wall is None:
            wall = self.week_spans[day.weekday()]
        if not wall:
            return (), 0
        # A local date is the time from its midnight to the next: its spans end no later
        # than the next date starts, so two dates never count one instant twice, even where
        # a fall-back hour runs across midnight.
        ceiling = self.instant(day, DAY_MINUTES, later=True)
        found: list[tuple[int, int]] = []
        for start_minute, end_minute in wall:
            start = self.instant(day, start_minute, later=False)
            end = min(self.instant(day, end_minute, later=True), ceiling)
            if end <= start:
                continue  # the span lies wholly in a spring-forward gap
            if found and start <= found[-1][1]:
                # Two spans can meet only through a fall-back hour that holds them both.
                found[-1] = (found[-1][0], max(found[-1][1], end))
            else:
                found.append((start, end))
        return tuple(found), sum(end - start for start, end in found)

    def instant(self, day: date, minute: int, *, later: bool) -> int:
        """The UTC instant (microseconds) of the wall time ``minute`` on the local ``day``.

        A wall time that does not exist (skipped by a spring-forward switch) is the first
        instant that exists after it, that is the switch. A wall time that happens twice
        (fall-back) is its earlier instant for the start of a span and its later one for
        the end (``later``), so a 00:00-24:00 day lasts 23 or 25 hours on switch days and a
        09:00-18:00 day holds the real elapsed time. 1440 (24:00) is the next date's 00:00
        as that date's start, whatever ``later`` says: where a switch repeats the hour after
        midnight (America/Havana), the repeated hour belongs to the date it is written on,
        and one date's 24:00 is always the next one's 00:00.
        """
        if minute >= DAY_MINUTES:
            day += timedelta(days=1)
            minute -= DAY_MINUTES
            later = False
        hour, minute = divmod(minute, 60)
        first = round(datetime(day.year, day.month, day.day, hour, minute,
                               tzinfo=self.zone).timestamp())
        second = round(datetime(day.year, day.month, day.day, hour, minute,
                                tzinfo=self.zone, fold=1).timestamp())
        if first == second:
            seconds = first
        elif first < second:  # repeated: fold=0 is the earlier instant
            seconds = second if later else first
        else:  # skipped: the switch lies in (second, first]
            seconds = self._switch(second, first)
        return seconds * _US

    def _switch(self, before: int, after: int) -> int:
        """The first second at or before ``after`` (and after ``before``) that has the UTC
        offset of ``after``: the instant of a spring-forward switch."""
        target = self._offset(after)
        while after - before > 1:
            middle = (before + after) // 2
            if self._offset(middle) == target:
                after = middle
            else:
                before = middle
        return after

    def _offset(self, seconds: int) -> timedelta:
        return datetime.fromtimestamp(seconds, self.zone).utcoffset()


# --- Validation -----------------------------------------------------------------------------

_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-"})
_AROUND_DASH = re.compile(r"\s*-\s*")
_SEPARATORS = re.compile(r"[\s,;]+")
_RANGE = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?-([0-9]{1,2})(?:[:.]([0-9]{2}))?")
_RANGE_EXAMPLE = "09:00-18:00"


def parse_spans(text: str) -> tuple[Span, ...]:
    """The working spans typed as ``"09:00-13:00, 14:00-18:00"``; also ``"9-13 14-18"``,
    ``"9.00-18.00"``, an en dash, ``"24:00"`` as an end; ``""`` is a closed day. Spans come
    back sorted; those that overlap or touch are refused with :class:`CalendarError`, which
    says which."""
    text = _AROUND_DASH.sub("-", (text or "").translate(_DASHES).strip())
    found = []
    for piece in _SEPARATORS.split(text):
        if not piece:
            continue
        match = _RANGE.fullmatch(piece)
        if not match:
            raise CalendarError(_("“%(text)s” is not a time range such as %(example)s.")
                                % {"text": piece, "example": _RANGE_EXAMPLE})
        hours_from, minutes_from, hours_to, minutes_to = match.groups()
        found.append((_minute(hours_from, minutes_from), _minute(hours_to, minutes_to)))
    return _checked(sorted(found))


def format_spans(spans) -> str:
    """Spans as people read them, ``09:00-13:00, 14:00-18:00`` written with en dashes: what
    :func:`parse_spans` reads back. "" for a closed day."""
    return ", ".join(_format_span(span) for span in spans)


def check_zone(name: str) -> str:
    """``name`` when it is an IANA time zone this machine knows (``Europe/Berlin``)."""
    name = (name or "").strip()
    if name not in _known_zones():
        raise CalendarError(_("Unknown time zone: %(zone)s") % {"zone": name})
    _zone(name)
    return name


def check_week(week, *, always: bool = False) -> None:
    """The working hours of a week: seven days, Monday first, each valid; a week without any
    working time is refused unless the calendar is 24x7 (``always``)."""
    week = _normal_week(week)
    if not always and not any(week):
        raise CalendarError(_(
            "The week has no working hours: give at least one day its hours, or make the "
            "calendar 24/7."))


def check_day(day: date, spans, *, week_spans) -> None:
    """An exception day: a date the calendar covers and valid spans (``()`` is a holiday).

    Working hours the same as the weekday's own (``week_spans``) are refused, since such an
    exception changes nothing and most likely is a slip of the date; a holiday that falls
    on a day off is accepted, so a whole list of public holidays can be kept as it is.
    """
    if not isinstance(day, date) or isinstance(day, datetime):
        raise CalendarError(_("Exception days must be dates."))
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CalendarError(_("%(day)s is outside the range the calendar covers (2000 to 2100).")
                            % {"day": day.isoformat()})
    spans = _checked(spans, label=day.isoformat())
    if spans and spans == _checked(week_spans, label=WEEKDAYS[day.weekday()]):
        raise CalendarError(
            _("%(day)s already has these working hours every week: the exception would "
              "change nothing.") % {"day": day.isoformat()})


def _minute(hours: str, minutes: str | None) -> int:
    hour, minute = int(hours), int(minutes or 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        typed = f"{hours}:{minutes}" if minutes is not None else hours
        raise CalendarError(
            _("%(time)s is not a time of day: hours go from 00 to 24, minutes from 00 to 59.")
            % {"time": typed})
    return hour * 60 + minute


def _format_span(span) -> str:
    start, end = span
    return f"{start // 60:02d}:{start % 60:02d}\u2013{end // 60:02d}:{end % 60:02d}"


def _checked(spans, *, label=None) -> tuple[Span, ...]:
    """``spans`` as a tuple of (start, end) minute pairs, refused unless each lies within the
    day, ends after it starts and comes after the previous one with a gap between."""
    try:
        spans = tuple((start, end) for start, end in spans)
    except (TypeError, ValueError):
        raise _labelled(_("Working hours must be time ranges such as 09:00-18:00."),
                        label) from None
    previous = None
    for span in spans:
        start, end = span
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(
                start, bool) or isinstance(end, bool):
            raise _labelled(_("Working hours must be time ranges such as 09:00-18:00."),
                            label)
        if not 0 <= start <= DAY_MINUTES or not 0 <= end <= DAY_MINUTES:
            raise _labelled(
                _("%(time)s is not a time of day: hours go from 00 to 24, minutes from 00 to 59.")
                % {"time": start if not 0 <= start <= DAY_MINUTES else end}, label)
        if end <= start:
            raise _labelled(
                _("%(span)s does not end after it starts (a range across midnight is written "
                  "as two: 22:00-24:00, 00:00-06:00).") % {"span": _format_span(span)}, label)
        if previous is not None:
            if start < previous[1]:
                raise _labelled(_("%(first)s and %(second)s overlap.") % {
                    "first": _format_span(previous), "second": _format_span(span)}, label)
            if start == previous[1]:
                raise _labelled(
                    _("%(first)s and %(second)s touch: write them as one range, %(joined)s.")
                    % {"first": _format_span(previous), "second": _format_span(span),
                       "joined": _format_span((previous[0], end))}, label)
        previous = span
    return spans


def _labelled(message, label) -> CalendarError:
    if label is None:
        return CalendarError(message)
    return CalendarError(_("%(day)s: %(problem)s") % {"day": label, "problem": message})


def _normal_week(week) -> tuple[tuple[Span, ...], ...]:
    try:
        days = tuple(week)
    except TypeError:
        days = ()
    if len(days) != 7:
        raise CalendarError(_("The week must list seven days, Monday first."))
    return tuple(_checked(spans, label=name) for spans, name in zip(days, WEEKDAYS, strict=True))


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CalendarError(_("Unknown time zone: %(zone)s") % {"zone": name}) from None


def without(working, closed) -> tuple[Span, ...]:
    """A day's working spans with the ``closed`` spans taken out: what a partial holiday
    leaves of the day. No closed spans means the whole day is closed."""
    if not closed:
        return ()
    left = []
    for start, end in working:
        pieces = [(start, end)]
        for shut_start, shut_end in sorted(closed):
            pieces = [part for begin, finish in pieces for part in (
                (begin, min(finish, shut_start)), (max(begin, shut_end), finish))
                if part[0] < part[1]]
        left += pieces
    return tuple(sorted(left))

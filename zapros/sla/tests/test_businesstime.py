"""Business time (zapros.sla.businesstime): tables of fixed instants, no clock and no database.

Instants are written as local wall times of the calendar's zone ("2025-03-14 17:55" is a
Friday); the answers are compared in UTC, since that is what the module returns.
"""

import pickle
import random
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from zapros.sla import businesstime as bt
from zapros.sla.businesstime import ALWAYS, Calendar, CalendarError, NeverOpen

BERLIN, MOSCOW, HAVANA = "Europe/Berlin", "Europe/Moscow", "America/Havana"
ST_JOHNS = "America/St_Johns"
NINE = ((540, 1080),)                    # 09:00-18:00
LUNCH = ((540, 780), (840, 1080))        # 09:00-13:00, 14:00-18:00
FULL = ((0, 1440),)                      # 00:00-24:00
NIGHT = ((0, 360), (1320, 1440))         # 00:00-06:00, 22:00-24:00
CLOSED = ()
HOUR, DAY = 3600, 86400


def weekdays(spans, zone=BERLIN, days=None):
    """Monday to Friday ``spans``, weekends closed."""
    return Calendar(zone, (spans,) * 5 + (CLOSED, CLOSED), days or {})


def every_day(spans, zone=BERLIN, days=None):
    return Calendar(zone, (spans,) * 7, days or {})


def local(zone, text):
    """An aware instant from a wall time of ``zone``: "2025-03-14 17:55[:30[.000001]]"."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- add ---------------------------------------------------------------------------------

ADD = [
    # id, calendar, start (local), business seconds, due (local)
    ("fri-17:55-one-hour", weekdays(NINE), "2025-03-14 17:55", HOUR, "2025-03-17 09:55"),
    ("fri-17:55-three-business-days", weekdays(NINE), "2025-03-14 17:55", 3 * 9 * HOUR,
     "2025-03-19 17:55"),
    ("fri-17:55-five-minutes-ends-at-closing", weekdays(NINE), "2025-03-14 17:55", 300,
     "2025-03-14 18:00"),
    ("fri-18:00-is-closed", weekdays(NINE), "2025-03-14 18:00", 1, "2025-03-17 09:00:01"),
    ("start-on-saturday", weekdays(NINE), "2025-03-15 10:00", HOUR, "2025-03-17 10:00"),
    ("start-on-sunday-night", weekdays(NINE), "2025-03-16 23:59", 9 * HOUR,
     "2025-03-17 18:00"),
    ("start-before-opening", weekdays(NINE), "2025-03-17 07:00", HOUR, "2025-03-17 10:00"),
    ("start-at-opening", weekdays(NINE), "2025-03-17 09:00", 30, "2025-03-17 09:00:30"),
    ("microseconds-kept", weekdays(NINE), "2025-03-17 09:00:00.250000", 0.5,
     "2025-03-17 09:00:00.750000"),
    ("whole-day-holiday", weekdays(NINE, days={date(2025, 3, 17): CLOSED}),
     "2025-03-14 17:55", HOUR, "2025-03-18 09:55"),
    ("partial-holiday", weekdays(NINE, days={date(2025, 3, 17): ((540, 720),)}),
     "2025-03-14 17:55", 4 * HOUR, "2025-03-18 09:55"),
    ("extra-working-saturday", weekdays(NINE, days={date(2025, 3, 15): ((600, 840),)}),
     "2025-03-14 17:55", HOUR, "2025-03-15 10:55"),
    ("holiday-week-skipped", weekdays(NINE, days={
        date(2025, 3, 17) + timedelta(days=n): CLOSED for n in range(5)}),
     "2025-03-14 17:55", HOUR, "2025-03-24 09:55"),
    ("lunch-start-12:30", weekdays(LUNCH), "2025-03-17 12:30", HOUR, "2025-03-17 14:30"),
    ("lunch-start-12:59", weekdays(LUNCH), "2025-03-17 12:59", HOUR, "2025-03-17 14:59"),
    ("lunch-start-12:59-one-minute", weekdays(LUNCH), "2025-03-17 12:59", 60,
     "2025-03-17 13:00"),
    ("lunch-start-in-the-break", weekdays(LUNCH), "2025-03-17 13:30", HOUR,
     "2025-03-17 15:00"),
    ("lunch-three-business-days", weekdays(LUNCH), "2025-03-14 17:55", 3 * 8 * HOUR,
     "2025-03-19 17:55"),
    ("night-shift-runs-across-midnight", every_day(NIGHT), "2025-03-17 23:00", 2 * HOUR,
     "2025-03-18 01:00"),
    ("a-long-target-skips-weeks", weekdays(NINE), "2025-01-06 09:00", 100 * 9 * HOUR,
     "2025-05-23 18:00"),
]


@pytest.mark.parametrize(("calendar", "start", "seconds", "due"),
                         [case[1:] for case in ADD], ids=[case[0] for case in ADD])
def test_add(calendar, start, seconds, due):
    found = bt.add(calendar, local(calendar.zone, start), seconds)
    assert found == local(calendar.zone, due)
    assert found.tzinfo is UTC


# The two DST switches of 2025 in Berlin (30 March, 26 October, both Sundays) against Moscow,
# which has none: business time is counted in wall time, so the wall-clock answers agree and
# the real hours between start and due differ by the switch.
DST = [
    # id, zone, week spans, start (local), business seconds, due (local), due (UTC)
    ("march-9-18-berlin", BERLIN, NINE, "2025-03-29 17:00", 2 * HOUR, "2025-03-30 10:00",
     "2025-03-30 08:00"),
    ("march-9-18-moscow", MOSCOW, NINE, "2025-03-29 17:00", 2 * HOUR, "2025-03-30 10:00",
     "2025-03-30 07:00"),
    ("october-9-18-berlin", BERLIN, NINE, "2025-10-25 17:00", 2 * HOUR, "2025-10-26 10:00",
     "2025-10-26 09:00"),
    ("october-9-18-moscow", MOSCOW, NINE, "2025-10-25 17:00", 2 * HOUR, "2025-10-26 10:00",
     "2025-10-26 07:00"),
    ("march-24h-berlin", BERLIN, FULL, "2025-03-29 12:00", DAY, "2025-03-30 13:00",
     "2025-03-30 11:00"),
    ("march-24h-moscow", MOSCOW, FULL, "2025-03-29 12:00", DAY, "2025-03-30 12:00",
     "2025-03-30 09:00"),
    ("october-24h-berlin", BERLIN, FULL, "2025-10-25 12:00", DAY, "2025-10-26 11:00",
     "2025-10-26 10:00"),
    ("october-24h-moscow", MOSCOW, FULL, "2025-10-25 12:00", DAY, "2025-10-26 12:00",
     "2025-10-26 09:00"),
    ("march-9-18-weekdays-berlin", BERLIN, None, "2025-03-28 17:00", 2 * HOUR,
     "2025-03-31 10:00", "2025-03-31 08:00"),
    ("march-9-18-weekdays-moscow", MOSCOW, None, "2025-03-28 17:00", 2 * HOUR,
     "2025-03-31 10:00", "2025-03-31 07:00"),
]


@pytest.mark.parametrize(("zone", "spans", "start", "seconds", "due_local", "due_utc"),
                         [case[1:] for case in DST], ids=[case[0] for case in DST])
def test_add_across_dst_switches(zone, spans, start, seconds, due_local, due_utc):
    calendar = weekdays(NINE, zone) if spans is None else every_day(spans, zone)
    found = bt.add(calendar, local(zone, start), seconds)
    assert found == utc(due_utc)
    assert found.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == datetime.fromisoformat(
        due_local)
    assert bt.between(calendar, local(zone, start), found) == seconds


# How many real minutes one local date's spans hold on the switch days.
DAY_LENGTHS = [
    # id, zone, spans, local date, business minutes that date
    ("berlin-24h-spring", BERLIN, FULL, "2025-03-30", 1380),
    ("berlin-24h-autumn", BERLIN, FULL, "2025-10-26", 1500),
    ("berlin-24h-ordinary", BERLIN, FULL, "2025-03-29", 1440),
    ("moscow-24h-spring", MOSCOW, FULL, "2025-03-30", 1440),
    ("moscow-24h-autumn", MOSCOW, FULL, "2025-10-26", 1440),
    ("berlin-9-18-spring", BERLIN, NINE, "2025-03-30", 540),
    ("berlin-9-18-autumn", BERLIN, NINE, "2025-10-26", 540),
    ("berlin-switch-inside-spring", BERLIN, ((60, 240),), "2025-03-30", 120),
    ("berlin-switch-inside-autumn", BERLIN, ((60, 240),), "2025-10-26", 240),
    # 02:30 does not exist on 30 March: the span starts at the switch, 03:00 CEST.
    ("berlin-start-in-the-gap", BERLIN, ((150, 300),), "2025-03-30", 120),
    ("berlin-end-in-the-gap", BERLIN, ((0, 150),), "2025-03-30", 120),
    # 02:30 happens twice on 26 October: a start takes the first, an end the second.
    ("berlin-start-in-the-repeat", BERLIN, ((150, 300),), "2025-10-26", 210),
    ("berlin-end-in-the-repeat", BERLIN, ((0, 150),), "2025-10-26", 210),
    ("berlin-wholly-in-the-gap", BERLIN, ((130, 170),), "2025-03-30", 0),
    # 02:05-02:30 and 02:40-03:10 run into one another through the repeated hour.
    ("berlin-two-spans-in-the-repeat", BERLIN, ((125, 150), (160, 190)), "2025-10-26", 125),
    ("night-shift-spring", BERLIN, NIGHT, "2025-03-30", 420),
    # Havana switches at midnight: 00:00 is skipped on 9 March, 00:00-01:00 repeated on
    # 2 November, and the repeated hour belongs to the date it is written on.
    ("havana-before-the-skipped-midnight", HAVANA, FULL, "2025-03-08", 1440),
    ("havana-skipped-midnight", HAVANA, FULL, "2025-03-09", 1380),
    ("havana-before-the-repeated-midnight", HAVANA, FULL, "2025-11-01", 1440),
    ("havana-repeated-midnight", HAVANA, FULL, "2025-11-02", 1500),
    ("havana-first-hour-repeated", HAVANA, ((0, 60),), "2025-11-02", 120),
    ("havana-last-hour-before-it", HAVANA, ((1380, 1440),), "2025-11-01", 60),
    # Lord Howe Island moves its clocks by half an hour.
    ("lord-howe-autumn", "Australia/Lord_Howe", FULL, "2025-04-06", 1470),
    ("lord-howe-spring", "Australia/Lord_Howe", FULL, "2025-10-05", 1410),
    # St. John's fell back from 00:01 to 23:01 (until 2011): the repeated hour runs across
    # midnight; each date keeps to the time between its 00:00 and the next date's.
    ("st-johns-before-the-repeat", ST_JOHNS, FULL, "2010-11-06", 1440),
    ("st-johns-repeat-across-midnight", ST_JOHNS, FULL, "2010-11-07", 1500),
    ("st-johns-span-ends-in-the-repeat", ST_JOHNS, ((1380, 1410),), "2010-11-06", 60),
    ("st-johns-spring", ST_JOHNS, FULL, "2010-03-14", 1380),
    # Samoa crossed the date line: 30 December 2011 never happened there.
    ("apia-the-day-before", "Pacific/Apia", FULL, "2011-12-29", 1440),
    ("apia-the-day-that-was-not", "Pacific/Apia", FULL, "2011-12-30", 0),
]


@pytest.mark.parametrize(("zone", "spans", "day", "minutes"),
                         [case[1:] for case in DAY_LENGTHS], ids=[case[0] for case in DAY_LENGTHS])
def test_the_real_length_of_a_day_on_switch_days(zone, spans, day, minutes):
    calendar = every_day(spans, zone)
    midnight = local(zone, f"{day} 00:00")
    next_midnight = local(zone, f"{date.fromisoformat(day) + timedelta(days=1)} 00:00")
    assert bt.between(calendar, midnight, next_midnight) == minutes * 60
    assert sum((end - start).total_seconds()
               for start, end in bt.spans(calendar, midnight, next_midnight)) == minutes * 60


# Zones and the instants around which their clocks do something unusual.
SWITCHES = {
    BERLIN: ["2025-03-30 01:00", "2025-10-26 01:00", "2025-06-15 12:00"],
    HAVANA: ["2025-03-09 05:00", "2025-11-02 05:00"],
    "America/Santiago": ["2025-04-06 03:00", "2025-09-07 04:00"],
    "Australia/Lord_Howe": ["2025-04-05 15:00", "2025-10-04 15:30"],
    "Pacific/Apia": ["2011-12-30 10:00"],
    ST_JOHNS: ["2010-03-14 03:31", "2010-11-07 02:31"],
}


@pytest.mark.parametrize("zone", sorted(SWITCHES))
def test_a_24x7_week_is_the_same_as_always(zone):
    week = every_day(FULL, zone)
    rng = random.Random(f"always-{zone}")
    centres = [utc(text) for text in SWITCHES[zone]]
    for _ in range(200):
        start = rng.choice(centres) + timedelta(seconds=rng.randrange(-3 * DAY, 3 * DAY),
                                                microseconds=rng.randrange(10**6))
        seconds = rng.choice([rng.randrange(1, 31 * DAY), rng.uniform(0.5, 3 * DAY)])
        end = start + timedelta(seconds=rng.randrange(0, 40 * DAY))
        assert bt.add(week, start, seconds) == bt.add(ALWAYS, start, seconds)
        assert bt.between(week, start, end) == bt.between(ALWAYS, start, end)
        assert list(bt.spans(week, start, end)) == list(bt.spans(ALWAYS, start, end))
        assert bt.is_open(week, start) and bt.next_open(week, start) == start


CALENDARS = {
    "9-18-berlin": weekdays(NINE),
    "lunch-berlin-holidays": weekdays(LUNCH, days={
        date(2025, 3, 31): CLOSED, date(2025, 5, 1): CLOSED, date(2025, 12, 31): ((540, 720),),
        date(2025, 10, 25): ((600, 840),)}),
    "24h-berlin": every_day(FULL),
    "night-shift-berlin": every_day(NIGHT),
    "9-18-moscow": weekdays(NINE, MOSCOW),
    "new-york-switches-at-2am": every_day(((90, 180), (600, 1200)), "America/New_York"),
    # Santiago's clocks skip midnight or repeat the hour before it; Havana's skip midnight
    # or repeat the hour after it.
    "santiago-midnight-switch": every_day(((0, 120), (1380, 1440)), "America/Santiago"),
    "havana-midnight-switch": every_day(((0, 90), (1400, 1440)), HAVANA),
}


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_between_is_the_inverse_of_add(name):
    calendar = CALENDARS[name]
    rng = random.Random(f"inverse-{name}")
    year = utc("2025-01-01 00:00")
    for _ in range(400):
        start = year + timedelta(seconds=rng.randrange(365 * DAY),
                                 microseconds=rng.randrange(10**6))
        seconds = rng.choice([rng.randrange(1, 3600), rng.randrange(1, 20 * DAY),
                              round(rng.uniform(0.001, 5 * DAY), 6)])
        due = bt.add(calendar, start, seconds)
        assert bt.between(calendar, start, due) == pytest.approx(seconds, abs=1e-6)
        # The earliest such instant: a microsecond less is not enough.
        assert bt.between(calendar, start, due - timedelta(microseconds=1)) < seconds
        assert bt.is_open(calendar, due - timedelta(microseconds=1))
        # Adding in two steps lands at the same instant (whole weeks skipped or not).
        first = rng.uniform(0, seconds)
        if 1e-6 < first < seconds - 1e-6:
            halfway = bt.add(calendar, start, first)
            rest = seconds - bt.between(calendar, start, halfway)
            assert abs((bt.add(calendar, halfway, rest) - due).total_seconds()) <= 2e-6


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_between_over_months_is_the_sum_of_its_days(name):
    # Whole weeks are skipped in long ranges; the days one by one must agree.
    calendar = CALENDARS[name]
    rng = random.Random(f"months-{name}")
    for _ in range(5):
        start = utc("2025-01-01 00:00") + timedelta(seconds=rng.randrange(300 * DAY))
        end = start + timedelta(seconds=rng.randrange(20 * DAY, 120 * DAY))
        cuts = [start]
        while cuts[-1] < end:
            cuts.append(min(end, cuts[-1] + timedelta(hours=rng.randrange(1, 30))))
        by_pieces = sum(bt.between(calendar, a, b) for a, b in pairwise(cuts))
        assert bt.between(calendar, start, end) == pytest.approx(by_pieces, abs=1e-6)
        assert sum((b - a).total_seconds() for a, b in bt.spans(calendar, start, end)) == (
            pytest.approx(by_pieces, abs=1e-6))


def test_the_hour_st_johns_lived_twice_belongs_to_the_next_date():
    # 2010-11-07 02:31 UTC: 00:01 NDT became 23:01 NST of 6 November. From 02:31 to 03:30 UTC
    # the clock shows 6 November again, but the time lies after 7 November's 00:00 (02:30),
    # in 7 November's 00:00-06:00.
    calendar = every_day(((0, 360),), ST_JOHNS)
    second_pass = utc("2010-11-07 02:45")
    assert second_pass.astimezone(ZoneInfo(ST_JOHNS)).day == 6
    assert bt.is_open(calendar, second_pass)
    assert bt.next_open(calendar, utc("2010-11-07 02:00")) == utc("2010-11-07 02:30")
    assert bt.between(calendar, utc("2010-11-07 02:00"), second_pass) == 15 * 60
    assert list(bt.spans(calendar, utc("2010-11-07 02:00"), second_pass)) == [
        (utc("2010-11-07 02:30"), second_pass)]
    assert bt.add(calendar, utc("2010-11-07 02:00"), 60) == utc("2010-11-07 02:31")

    # 23:00-23:30 on 6 November ends in the repeated hour, after 7 November has begun: it
    # ends where that date begins, so no instant is counted twice.
    late = every_day(((0, 360), (1380, 1410)), ST_JOHNS)
    morning = (utc("2010-11-07 00:00"), utc("2010-11-07 12:00"))
    assert bt.between(late, *morning) == 8 * HOUR
    assert list(bt.spans(late, *morning)) == [(utc("2010-11-07 01:30"), utc("2010-11-07 09:30"))]


# --- between, spans, is_open, next_open ------------------------------------------------------

BETWEEN = [
    # id, calendar, start, end (local), business seconds
    ("friday-evening-to-monday", weekdays(NINE), "2025-03-14 17:55", "2025-03-17 09:55", HOUR),
    ("a-weekend-only", weekdays(NINE), "2025-03-15 00:00", "2025-03-17 00:00", 0),
    ("end-before-start", weekdays(NINE), "2025-03-17 12:00", "2025-03-17 10:00", 0),
    ("end-equals-start", weekdays(NINE), "2025-03-17 12:00", "2025-03-17 12:00", 0),
    ("a-working-week", weekdays(NINE), "2025-03-17 00:00", "2025-03-24 00:00", 45 * HOUR),
    ("lunch-not-counted", weekdays(LUNCH), "2025-03-17 12:30", "2025-03-17 14:30", HOUR),
    ("holiday-not-counted", weekdays(NINE, days={date(2025, 3, 18): CLOSED}),
     "2025-03-17 00:00", "2025-03-24 00:00", 36 * HOUR),
    ("over-the-spring-switch-weekend", weekdays(NINE), "2025-03-28 09:00", "2025-03-31 18:00",
     18 * HOUR),
    ("march-in-berlin", weekdays(NINE), "2025-03-01 00:00", "2025-04-01 00:00", 21 * 9 * HOUR),
]


@pytest.mark.parametrize(("calendar", "start", "end", "seconds"),
                         [case[1:] for case in BETWEEN], ids=[case[0] for case in BETWEEN])
def test_between(calendar, start, end, seconds):
    found = bt.between(calendar, local(calendar.zone, start), local(calendar.zone, end))
    assert found == seconds
    assert isinstance(found, float)


def test_spans_are_clipped_to_the_range_and_in_utc():
    calendar = weekdays(NINE)
    found = list(bt.spans(calendar, local(BERLIN, "2025-03-14 12:00"),
                          local(BERLIN, "2025-03-18 10:00")))
    assert found == [
        (utc("2025-03-14 11:00"), utc("2025-03-14 17:00")),
        (utc("2025-03-17 08:00"), utc("2025-03-17 17:00")),
        (utc("2025-03-18 08:00"), utc("2025-03-18 09:00")),
    ]
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in found)


def test_spans_across_midnight_are_one_interval():
    found = list(bt.spans(every_day(NIGHT), local(BERLIN, "2025-03-17 05:00"),
                          local(BERLIN, "2025-03-19 01:00")))
    assert found == [
        (utc("2025-03-17 04:00"), utc("2025-03-17 05:00")),
        (utc("2025-03-17 21:00"), utc("2025-03-18 05:00")),
        (utc("2025-03-18 21:00"), utc("2025-03-19 00:00")),
    ]


def test_spans_of_an_empty_range_are_none():
    assert list(bt.spans(weekdays(NINE), local(BERLIN, "2025-03-17 12:00"),
                         local(BERLIN, "2025-03-17 12:00"))) == []
    assert list(bt.spans(ALWAYS, utc("2025-03-17 12:00"), utc("2025-03-17 11:00"))) == []


IS_OPEN = [
    ("opening-minute", weekdays(NINE), "2025-03-17 09:00", True),
    ("before-opening", weekdays(NINE), "2025-03-17 08:59:59.999999", False),
    ("last-second", weekdays(NINE), "2025-03-14 17:59:59", True),
    ("closing-minute", weekdays(NINE), "2025-03-14 18:00", False),
    ("saturday", weekdays(NINE), "2025-03-15 12:00", False),
    ("lunch-break", weekdays(LUNCH), "2025-03-17 13:00", False),
    ("after-lunch", weekdays(LUNCH), "2025-03-17 14:00", True),
    ("holiday", weekdays(NINE, days={date(2025, 3, 17): CLOSED}), "2025-03-17 12:00", False),
    ("extra-saturday", weekdays(NINE, days={date(2025, 3, 15): NINE}), "2025-03-15 12:00",
     True),
    ("night-shift-after-midnight", every_day(NIGHT), "2025-03-18 00:00", True),
    ("always", ALWAYS, "2025-03-15 03:00", True),
]


@pytest.mark.parametrize(("calendar", "at", "expected"),
                         [case[1:] for case in IS_OPEN], ids=[case[0] for case in IS_OPEN])
def test_is_open(calendar, at, expected):
    assert bt.is_open(calendar, local(calendar.zone, at)) is expected


NEXT_OPEN = [
    ("open-is-itself", weekdays(NINE), "2025-03-17 10:11:12", "2025-03-17 10:11:12"),
    ("after-closing", weekdays(NINE), "2025-03-14 18:00", "2025-03-17 09:00"),
    ("in-the-lunch-break", weekdays(LUNCH), "2025-03-17 13:10", "2025-03-17 14:00"),
    ("before-a-holiday", weekdays(NINE, days={date(2025, 3, 17): CLOSED}), "2025-03-15 12:00",
     "2025-03-18 09:00"),
    ("always", ALWAYS, "2025-03-15 03:00", "2025-03-15 03:00"),
]


@pytest.mark.parametrize(("calendar", "at", "expected"),
                         [case[1:] for case in NEXT_OPEN], ids=[case[0] for case in NEXT_OPEN])
def test_next_open(calendar, at, expected):
    found = bt.next_open(calendar, local(calendar.zone, at))
    assert found == local(calendar.zone, expected)
    assert found.tzinfo is UTC


# --- refusals ----------------------------------------------------------------------------------

NAIVE = datetime(2025, 3, 17, 12, 0)
AWARE = utc("2025-03-17 12:00")


@pytest.mark.parametrize("calendar", [weekdays(NINE), ALWAYS], ids=["9-18", "always"])
@pytest.mark.parametrize("call", [
    lambda c: bt.is_open(c, NAIVE),
    lambda c: bt.next_open(c, NAIVE),
    lambda c: bt.add(c, NAIVE, 60),
    lambda c: bt.between(c, NAIVE, AWARE),
    lambda c: bt.between(c, AWARE, NAIVE),
    lambda c: bt.spans(c, NAIVE, AWARE),
    lambda c: bt.spans(c, AWARE, NAIVE),
], ids=["is_open", "next_open", "add", "between-start", "between-end", "spans-start",
        "spans-end"])
def test_naive_datetimes_are_refused(calendar, call):
    with pytest.raises(ValueError, match="aware datetime"):
        call(calendar)


@pytest.mark.parametrize("seconds", [0, -1, -0.5, float("nan"), float("inf"), "60", None])
def test_add_needs_a_positive_number_of_seconds(seconds):
    with pytest.raises(ValueError, match="positive number of seconds"):
        bt.add(weekdays(NINE), AWARE, seconds)


def test_a_calendar_that_never_opens_raises_never_open():
    never = Calendar(BERLIN, (CLOSED,) * 7)
    with pytest.raises(NeverOpen) as raised:
        bt.add(never, AWARE, 60)
    assert str(raised.value) == (
        "The calendar has no working time for more than a year from 2025-03-17 12:00 UTC: "
        "check its working hours and holidays.")
    assert isinstance(raised.value, ValueError)
    with pytest.raises(NeverOpen):
        bt.next_open(never, AWARE)
    assert bt.between(never, AWARE, AWARE + timedelta(days=800)) == 0
    assert list(bt.spans(never, AWARE, AWARE + timedelta(days=800))) == []
    assert not bt.is_open(never, AWARE)


def test_never_open_looks_400_days_ahead():
    # One working day far ahead: found from 300 days before it, not from two years before.
    late = Calendar(BERLIN, (CLOSED,) * 7, {date(2027, 3, 17): NINE})
    assert bt.add(late, local(BERLIN, "2026-05-21 12:00"), 60) == local(
        BERLIN, "2027-03-17 09:01")
    assert bt.next_open(late, local(BERLIN, "2026-05-21 12:00")) == local(
        BERLIN, "2027-03-17 09:00")
    for call in (lambda at: bt.add(late, at, 60), lambda at: bt.next_open(late, at)):
        with pytest.raises(NeverOpen):
            call(local(BERLIN, "2025-03-17 12:00"))
    # A target longer than the horizon is fine as long as business time keeps coming.
    assert bt.add(ALWAYS, AWARE, 1000 * DAY) == AWARE + timedelta(days=1000)
    assert bt.add(every_day(FULL), AWARE, 1000 * DAY) == AWARE + timedelta(days=1000)


# --- the calendar itself ---------------------------------------------------------------------

def test_equal_calendars_are_equal_and_hash_alike():
    days = {date(2025, 3, 17): CLOSED}
    one = Calendar(BERLIN, [list(map(list, LUNCH))] * 5 + [[], []], days)
    two = Calendar(BERLIN, (LUNCH,) * 5 + (CLOSED, CLOSED), bt.FrozenDays(days))
    assert one == two and hash(one) == hash(two)
    assert one.week[0] == LUNCH and isinstance(one.week[0], tuple)
    assert one != Calendar(BERLIN, (LUNCH,) * 5 + (CLOSED, CLOSED))


def test_a_calendar_does_not_change_with_the_dict_it_was_built_from():
    days = {date(2025, 3, 17): CLOSED}
    calendar = Calendar(BERLIN, (NINE,) * 5 + (CLOSED, CLOSED), days)
    assert not bt.is_open(calendar, local(BERLIN, "2025-03-17 12:00"))
    days[date(2025, 3, 17)] = NINE
    days[date(2025, 3, 18)] = CLOSED
    assert dict(calendar.days) == {date(2025, 3, 17): CLOSED}
    assert not bt.is_open(calendar, local(BERLIN, "2025-03-17 12:00"))
    assert bt.is_open(calendar, local(BERLIN, "2025-03-18 12:00"))
    with pytest.raises(TypeError):
        calendar.days[date(2025, 3, 19)] = CLOSED
    with pytest.raises(AttributeError):
        calendar.zone = MOSCOW


def test_a_pickled_calendar_is_the_same_calendar_without_its_cache():
    calendar = weekdays(LUNCH, days={date(2025, 3, 17): CLOSED})
    due = bt.add(calendar, local(BERLIN, "2025-03-14 17:55"), HOUR)
    bt.between(calendar, utc("2025-01-01 00:00"), utc("2026-01-01 00:00"))  # a year cached
    copy = pickle.loads(pickle.dumps(calendar))
    assert copy == calendar and hash(copy) == hash(calendar)
    assert len(pickle.dumps(calendar)) < 1000
    assert bt.add(copy, local(BERLIN, "2025-03-14 17:55"), HOUR) == due == local(
        BERLIN, "2025-03-18 09:55")


def test_an_exception_changes_the_answers_of_an_equal_calendar_not():
    # Calendars share their cache only when equal: a holiday is never taken from another.
    plain = weekdays(NINE)
    bt.between(plain, local(BERLIN, "2025-03-17 00:00"), local(BERLIN, "2025-03-18 00:00"))
    holiday = weekdays(NINE, days={date(2025, 3, 17): CLOSED})
    assert bt.between(holiday, local(BERLIN, "2025-03-17 00:00"),
                      local(BERLIN, "2025-03-18 00:00")) == 0
    assert bt.between(weekdays(NINE), local(BERLIN, "2025-03-17 00:00"),
                      local(BERLIN, "2025-03-18 00:00")) == 9 * HOUR


BAD_CALENDARS = [
    ("unknown-zone", lambda: Calendar("Mars/Olympus", (NINE,) * 7),
     "Unknown time zone: Mars/Olympus"),
    ("six-days", lambda: Calendar(BERLIN, (NINE,) * 6),
     "The week must list seven days, Monday first."),
    ("overlapping", lambda: Calendar(BERLIN, (NINE, ((540, 780), (720, 1080))) + (NINE,) * 5),
     "Tuesday: 09:00\u201313:00 and 12:00\u201318:00 overlap."),
    ("past-midnight", lambda: Calendar(BERLIN, (((540, 1500),),) + (NINE,) * 6),
     "Monday: 1500 is not a time of day: hours go from 00 to 24, minutes from 00 to 59."),
    ("not-spans", lambda: Calendar(BERLIN, ("09:00-18:00",) + (NINE,) * 6),
     "Monday: Working hours must be time ranges such as 09:00-18:00."),
    ("exception-not-a-date", lambda: Calendar(BERLIN, (NINE,) * 7, {"2025-03-17": CLOSED}),
     "Exception days must be dates."),
    ("bad-exception", lambda: Calendar(BERLIN, (NINE,) * 7, {date(2025, 3, 17): ((600, 540),)}),
     "2025-03-17: 10:00\u201309:00 does not end after it starts (a range across midnight is "
     "written as two: 22:00-24:00, 00:00-06:00)."),
]


@pytest.mark.parametrize(("build", "message"), [case[1:] for case in BAD_CALENDARS],
                         ids=[case[0] for case in BAD_CALENDARS])
def test_a_calendar_with_bad_hours_is_refused(build, message):
    with pytest.raises(CalendarError) as raised:
        build()
    assert str(raised.value) == message
    assert str(raised.value.message) == message


# --- validation for the forms and the API -----------------------------------------------------

PARSED = [
    ("two-spans", "09:00-13:00, 14:00-18:00", LUNCH),
    ("short-form", "9-13 14-18", LUNCH),
    ("en-dash", "09:00\u201318:00", NINE),
    ("spaces-round-the-dash", "9:00 - 13:00; 14:00 \u2014 18:00", LUNCH),
    ("dots", "9.00-18.00", NINE),
    ("to-midnight", "00:00-24:00", FULL),
    ("minutes", "08:30-12:45", ((510, 765),)),
    ("unsorted", "22-24, 0-6", NIGHT),
    ("closed", "", CLOSED),
    ("blank", "   ", CLOSED),
]


@pytest.mark.parametrize(("text", "spans"), [case[1:] for case in PARSED],
                         ids=[case[0] for case in PARSED])
def test_parse_spans(text, spans):
    assert bt.parse_spans(text) == spans
    assert bt.parse_spans(bt.format_spans(spans)) == spans


REFUSED_SPANS = [
    ("not-a-range", "nine to six", "“nine” is not a time range such as 09:00-18:00."),
    ("open-end", "9-", "“9-” is not a time range such as 09:00-18:00."),
    ("three-digit-minutes", "9:000-18", "“9:000-18” is not a time range such as 09:00-18:00."),
    ("hour-out-of-range", "25:00-26:00",
     "25:00 is not a time of day: hours go from 00 to 24, minutes from 00 to 59."),
    ("minute-out-of-range", "9:60-18",
     "9:60 is not a time of day: hours go from 00 to 24, minutes from 00 to 59."),
    ("past-24", "20-24:30",
     "24:30 is not a time of day: hours go from 00 to 24, minutes from 00 to 59."),
    ("end-before-start", "18-9",
     "18:00\u201309:00 does not end after it starts (a range across midnight is written as two: "
     "22:00-24:00, 00:00-06:00)."),
    ("empty-range", "9-9",
     "09:00\u201309:00 does not end after it starts (a range across midnight is written as two: "
     "22:00-24:00, 00:00-06:00)."),
    ("overlap", "9-13, 12-18", "09:00\u201313:00 and 12:00\u201318:00 overlap."),
    ("overlap-unsorted", "12-18 9-13", "09:00\u201313:00 and 12:00\u201318:00 overlap."),
    ("touch", "9-13, 13-18",
     "09:00\u201313:00 and 13:00\u201318:00 touch: write them as one range, 09:00\u201318:00."),
]


@pytest.mark.parametrize(("text", "message"), [case[1:] for case in REFUSED_SPANS],
                         ids=[case[0] for case in REFUSED_SPANS])
def test_parse_spans_refuses(text, message):
    with pytest.raises(CalendarError) as raised:
        bt.parse_spans(text)
    assert str(raised.value) == message


def test_format_spans():
    assert bt.format_spans(LUNCH) == "09:00\u201313:00, 14:00\u201318:00"
    assert bt.format_spans(FULL) == "00:00\u201324:00"
    assert bt.format_spans(CLOSED) == ""


def test_check_zone():
    assert bt.check_zone("Europe/Berlin") == "Europe/Berlin"
    assert bt.check_zone(" Asia/Yekaterinburg ") == "Asia/Yekaterinburg"
    for name in ("Mars/Olympus", "", "../../etc/passwd", "europe/berlin"):
        with pytest.raises(CalendarError) as raised:
            bt.check_zone(name)
        assert str(raised.value) == f"Unknown time zone: {name}"


def test_check_week():
    bt.check_week((NINE,) * 5 + (CLOSED, CLOSED))
    bt.check_week((CLOSED,) * 7, always=True)
    refusals = [
        ((CLOSED,) * 7, "The week has no working hours: give at least one day its hours, or "
                        "make the calendar 24/7."),
        ((NINE,) * 8, "The week must list seven days, Monday first."),
        (None, "The week must list seven days, Monday first."),
        ((NINE,) * 6 + (((540, 780), (780, 1080)),),
         "Sunday: 09:00\u201313:00 and 13:00\u201318:00 touch: write them as one range, "
         "09:00\u201318:00."),
    ]
    for week, message in refusals:
        with pytest.raises(CalendarError) as raised:
            bt.check_week(week)
        assert str(raised.value) == message


def test_check_day():
    week_monday = NINE
    bt.check_day(date(2025, 3, 17), CLOSED, week_spans=week_monday)
    bt.check_day(date(2025, 3, 17), ((540, 720),), week_spans=week_monday)
    bt.check_day(date(2000, 1, 1), NINE, week_spans=CLOSED)
    bt.check_day(date(2100, 12, 31), CLOSED, week_spans=NINE)
    # A holiday on a day off is kept: whole lists of public holidays are imported as they are.
    bt.check_day(date(2025, 3, 16), CLOSED, week_spans=CLOSED)
    refusals = [
        (date(1999, 12, 31), CLOSED, NINE,
         "1999-12-31 is outside the range the calendar covers (2000 to 2100)."),
        (date(2101, 1, 1), CLOSED, NINE,
         "2101-01-01 is outside the range the calendar covers (2000 to 2100)."),
        (datetime(2025, 3, 17, 12, 0), CLOSED, NINE, "Exception days must be dates."),
        ("2025-03-17", CLOSED, NINE, "Exception days must be dates."),
        (date(2025, 3, 17), ((540, 780), (720, 1080)), NINE,
         "2025-03-17: 09:00\u201313:00 and 12:00\u201318:00 overlap."),
        (date(2025, 3, 17), NINE, NINE,
         "2025-03-17 already has these working hours every week: the exception would change "
         "nothing."),
    ]
    for day, spans, week_spans, message in refusals:
        with pytest.raises(CalendarError) as raised:
            bt.check_day(day, spans, week_spans=week_spans)
        assert str(raised.value) == message


@pytest.mark.parametrize(("working", "closed", "left"), [
    (((540, 780), (840, 1080)), (), ()),                                  # the whole day
    (((540, 780), (840, 1080)), ((960, 1080),), ((540, 780), (840, 960))),  # a short day
    (((540, 1080),), ((600, 660), (720, 780)), ((540, 600), (660, 720), (780, 1080))),
    (((540, 1080),), ((0, 600), (1000, 1440)), ((600, 1000),)),           # beyond the hours
    (((540, 1080),), ((1200, 1300),), ((540, 1080),)),                    # after closing
    (((540, 1080),), ((540, 1080),), ()),
], ids=["whole-day", "short-day", "two-gaps", "overhanging", "outside", "all-of-it"])
def test_a_partial_holiday_takes_its_hours_out_of_the_day(working, closed, left):
    assert bt.without(working, closed) == left

"""Holidays from iCalendar files (zapros.sla.ical): files written here, no database."""

from datetime import date

import pytest

from zapros.sla.businesstime import CalendarError
from zapros.sla.ical import MAX_BYTES, Imported, holidays_from_ical

MOSCOW = "Europe/Moscow"
YEARS = {"start": date(2025, 1, 1), "end": date(2026, 12, 31)}


def ics(*events: str, wrap: str = "VEVENT") -> bytes:
    """An iCalendar file with one component per text (its property lines, one a line)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Zapros tests//EN"]
    for event in events:
        lines += [f"BEGIN:{wrap}",
                  *(line.strip() for line in event.strip().splitlines()), f"END:{wrap}"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def read(data, zone=MOSCOW, **period):
    return holidays_from_ical(data, zone=zone, **(period or YEARS))


def closed(day, name, spans=None):
    return Imported(date.fromisoformat(day), name, spans)


def test_a_holiday_calendar():
    data = ics(
        """SUMMARY:Labour Day
           DTSTART;VALUE=DATE:20250501""",
        """SUMMARY:New Year holidays
           DTSTART;VALUE=DATE:20250101
           DTEND;VALUE=DATE:20250104""",
        """SUMMARY:Victory Day
           DTSTART;VALUE=DATE:20240509
           RRULE:FREQ=YEARLY""",
        """SUMMARY:Short day
           DTSTART;TZID=Europe/Moscow:20251231T140000
           DTEND;TZID=Europe/Moscow:20251231T180000""",
        """SUMMARY:Company day
           DTSTART;VALUE=DATE:20250612
           RRULE:FREQ=YEARLY
           EXDATE;VALUE=DATE:20260612""",
        """SUMMARY:Far away
           DTSTART;VALUE=DATE:20300101""",
        """SUMMARY:Long ago
           DTSTART;VALUE=DATE:20200101""",
    )
    assert read(data) == [
        closed("2025-01-01", "New Year holidays"),
        closed("2025-01-02", "New Year holidays"),
        closed("2025-01-03", "New Year holidays"),
        closed("2025-05-01", "Labour Day"),
        closed("2025-05-09", "Victory Day"),
        closed("2025-06-12", "Company day"),
        closed("2025-12-31", "Short day", ((840, 1080),)),
        closed("2026-05-09", "Victory Day"),
    ]


def test_a_file_in_russian():
    summary = "Новый год"
    data = ics(f"""SUMMARY:{summary}
                   DTSTART;VALUE=DATE:20260101""")
    assert read(data) == [closed("2026-01-01", summary)]
    # With a byte-order mark, and folded (RFC 5545 folds by bytes: here inside a letter).
    folded = data.replace("год".encode(), "го".encode() + b"\xd0\r\n \xb4")  # noqa: RUF001
    assert b"\xd0\r\n \xb4" in folded
    assert read(b"\xef\xbb\xbf" + folded) == [closed("2026-01-01", summary)]


@pytest.mark.parametrize(("event", "expected"), [
    pytest.param("""DTSTART;TZID=Europe/Moscow:20251231T220000
                    DTEND;TZID=Europe/Moscow:20260101T020000""",
                 [closed("2025-12-31", "", ((1320, 1440),)), closed("2026-01-01", "", ((0, 120),))],
                 id="across-midnight"),
    pytest.param("""DTSTART:20251231T110000Z
                    DTEND:20251231T150000Z""",
                 [closed("2025-12-31", "", ((840, 1080),))], id="utc-read-in-the-zone"),
    pytest.param("""DTSTART;TZID=Europe/Berlin:20251231T120000
                    DURATION:PT3H""",
                 [closed("2025-12-31", "", ((840, 1020),))], id="another-zone-with-duration"),
    pytest.param("""DTSTART:20251231T140000
                    DTEND:20251231T170000""",
                 [closed("2025-12-31", "", ((840, 1020),))], id="floating-time"),
    pytest.param("""DTSTART;TZID=Europe/Moscow:20250310T000000
                    DTEND;TZID=Europe/Moscow:20250311T000000""",
                 [closed("2025-03-10", "", None)], id="a-whole-day-in-hours"),
    pytest.param("""DTSTART;TZID=Europe/Moscow:20250310T091530
                    DTEND;TZID=Europe/Moscow:20250310T101510""",
                 [closed("2025-03-10", "", ((555, 616),))], id="seconds-widen-to-minutes"),
    pytest.param("""DTSTART;TZID=Europe/Moscow:20250310T090000""",
                 [], id="an-instant-closes-nothing"),
    pytest.param("""DTSTART;VALUE=DATE:20250310
                    DURATION:P2D""",
                 [closed("2025-03-10", ""), closed("2025-03-11", "")], id="all-day-duration"),
    pytest.param("""DTSTART;VALUE=DATE:20250310
                    DTEND;VALUE=DATE:20250310""",
                 [closed("2025-03-10", "")], id="end-equal-to-start-is-one-day"),
    pytest.param("""DTSTART;VALUE=DATE:20241230
                    DTEND;VALUE=DATE:20250103""",
                 [closed("2025-01-01", ""), closed("2025-01-02", "")],
                 id="clipped-to-the-period"),
    pytest.param("""DTSTART;VALUE=DATE:20250101
                    RRULE:FREQ=YEARLY;UNTIL=20260101T000000Z""",
                 [closed("2025-01-01", ""), closed("2026-01-01", "")], id="until-in-utc"),
    pytest.param("""DTSTART;TZID=Europe/Moscow:20250307T140000
                    DTEND;TZID=Europe/Moscow:20250307T180000
                    RRULE:FREQ=WEEKLY;UNTIL=20250321""",
                 [closed(day, "", ((840, 1080),))
                  for day in ("2025-03-07", "2025-03-14", "2025-03-21")],
                 id="until-a-date-for-a-timed-event"),
    pytest.param("""DTSTART;VALUE=DATE:20250101
                    RRULE:FREQ=MONTHLY;COUNT=3
                    RDATE;VALUE=DATE:20251231,20261231""",
                 [closed(day, "") for day in
                  ("2025-01-01", "2025-02-01", "2025-03-01", "2025-12-31", "2026-12-31")],
                 id="count-and-rdates"),
    pytest.param("""DTSTART;VALUE=DATE:20250526
                    RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=MO;BYSETPOS=-1""",
                 [closed("2025-05-26", ""), closed("2026-05-25", "")], id="last-monday-of-may"),
    pytest.param("""DTSTART;TZID=Europe/Moscow:20250301T100000
                    DTEND;TZID=Europe/Moscow:20250301T120000
                    RRULE:FREQ=DAILY;COUNT=3
                    EXDATE;TZID=Europe/Moscow:20250302T100000""",
                 [closed("2025-03-01", "", ((600, 720),)), closed("2025-03-03", "", ((600, 720),))],
                 id="exdate-of-a-timed-event"),
    pytest.param("""DTSTART;VALUE=DATE:20250301
                    STATUS:CANCELLED""",
                 [], id="cancelled"),
])
def test_events(event, expected):
    assert read(ics(event)) == expected


def test_two_events_on_one_date_are_merged():
    data = ics(
        """SUMMARY:Morning
           DTSTART;TZID=Europe/Moscow:20250310T100000
           DTEND;TZID=Europe/Moscow:20250310T120000""",
        """SUMMARY:Noon
           DTSTART;TZID=Europe/Moscow:20250310T110000
           DTEND;TZID=Europe/Moscow:20250310T140000""",
        """SUMMARY:Evening
           DTSTART;TZID=Europe/Moscow:20250310T160000
           DTEND;TZID=Europe/Moscow:20250310T170000""",
        """SUMMARY:Afternoon
           DTSTART;TZID=Europe/Moscow:20250310T140000
           DTEND;TZID=Europe/Moscow:20250310T150000""",
        """SUMMARY:Short day
           DTSTART;TZID=Europe/Moscow:20250311T140000
           DTEND;TZID=Europe/Moscow:20250311T180000""",
        """SUMMARY:Holiday
           DTSTART;VALUE=DATE:20250311""",
        """SUMMARY:Holiday
           DTSTART;VALUE=DATE:20250311""",
    )
    assert read(data) == [
        closed("2025-03-10", "Morning; Noon; Evening; Afternoon", ((600, 900), (960, 1020))),
        closed("2025-03-11", "Holiday"),
    ]


def test_a_replaced_occurrence_stands_on_its_own():
    data = ics(
        """UID:fridays
           SUMMARY:Friday afternoon
           DTSTART;TZID=Europe/Moscow:20250307T140000
           DTEND;TZID=Europe/Moscow:20250307T180000
           RRULE:FREQ=WEEKLY;COUNT=3""",
        """UID:fridays
           SUMMARY:Friday afternoon, later
           RECURRENCE-ID;TZID=Europe/Moscow:20250314T140000
           DTSTART;TZID=Europe/Moscow:20250314T160000
           DTEND;TZID=Europe/Moscow:20250314T180000""",
        """UID:fridays
           RECURRENCE-ID;TZID=Europe/Moscow:20250321T140000
           DTSTART;TZID=Europe/Moscow:20250321T140000
           STATUS:CANCELLED""",
    )
    assert read(data) == [
        closed("2025-03-07", "Friday afternoon", ((840, 1080),)),
        closed("2025-03-14", "Friday afternoon, later", ((960, 1080),)),
    ]


def test_a_name_is_kept_short_and_on_one_line():
    data = ics(f"""SUMMARY:  Public   holiday {"x" * 300}
                   DTSTART;VALUE=DATE:20250101""")
    (found,) = read(data)
    assert found.name.startswith("Public holiday x") and len(found.name) == 200


# --- refusals ----------------------------------------------------------------------------------

NOT_ICAL = "This is not an iCalendar (.ics) file."

REFUSED = [
    ("garbage", b"Hello, this is not a calendar at all.\r\n", NOT_ICAL),
    ("empty", b"", NOT_ICAL),
    ("a-vcard", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Gary Stark\r\nEND:VCARD\r\n", NOT_ICAL),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
     "The file is not UTF-8 text, which an iCalendar file must be."),
    ("windows-1251", ics("SUMMARY:Новый год\nDTSTART;VALUE=DATE:20260101").decode()
     .encode("cp1251"), "The file is not UTF-8 text, which an iCalendar file must be."),
    ("no-events", ics("SUMMARY:Buy a calendar\nDTSTART:20250101T100000", wrap="VTODO"),
     "The file has no events."),
    ("no-components", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
     "The file has no events."),
    ("too-large", b"BEGIN:VCALENDAR\r\n" + b"X" * MAX_BYTES,
     "The file is larger than 2 MB: a holiday calendar is much smaller."),
    ("unreadable-start", ics("SUMMARY:Broken\nDTSTART:tomorrow"),
     "The event “Broken” cannot be read."),
    ("no-start", ics("UID:nameless-42\nDTEND;VALUE=DATE:20250101"),
     "The event “nameless-42” cannot be read."),
    ("unreadable-rule", ics("SUMMARY:Sometimes\nDTSTART;VALUE=DATE:20250101\n"
                            "RRULE:FREQ=SOMETIMES"),
     "The event “Sometimes” repeats in a way that cannot be read."),
    ("a-date-that-never-comes", ics("SUMMARY:Leap\nDTSTART;VALUE=DATE:20250101\n"
                                    "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"),
     "The event “Leap” repeats on a date that never comes, such as 30 February."),
    ("too-many-occurrences", ics("SUMMARY:Every minute\nDTSTART:20250101T000000\n"
                                 "DURATION:PT1M\nRRULE:FREQ=MINUTELY"),
     "The file holds too many closures to import: a holiday calendar holds far fewer."),
    ("too-many-occurrences-before-the-period",
     ics("SUMMARY:Every minute\nDTSTART:19900101T000000\nDURATION:PT1M\nRRULE:FREQ=MINUTELY"),
     "The file holds too many closures to import: a holiday calendar holds far fewer."),
]


@pytest.mark.parametrize(("data", "message"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_refused(data, message):
    with pytest.raises(CalendarError) as raised:
        read(data)
    assert str(raised.value) == message


def test_a_rare_but_possible_date_is_not_refused():
    # 29 February that is a Monday: next in 2044.
    data = ics("""SUMMARY:Leap Monday
                  DTSTART;VALUE=DATE:20200101
                  RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO""")
    assert read(data, start=date(2025, 1, 1), end=date(2050, 12, 31)) == [
        closed("2044-02-29", "Leap Monday")]


def test_closures_that_last_for_ever_are_refused():
    data = ics(*[f"DTSTART;VALUE=DATE:200001{day:02d}\nDTEND;VALUE=DATE:21000101"
                 for day in range(1, 8)])
    with pytest.raises(CalendarError) as raised:
        read(data, start=date(2000, 1, 1), end=date(2100, 12, 31))
    assert str(raised.value) == (
        "The file holds too many closures to import: a holiday calendar holds far fewer.")
    assert len(read(data, start=date(2000, 1, 1), end=date(2000, 12, 31))) == 366


def test_only_the_years_a_calendar_covers_are_imported():
    data = ics("""SUMMARY:New Year
                  DTSTART;VALUE=DATE:19950101
                  RRULE:FREQ=YEARLY""")
    found = read(data, start=date(1990, 1, 1), end=date(2200, 12, 31))
    assert [entry.day for entry in found] == [date(year, 1, 1) for year in range(2000, 2101)]


def test_a_floating_rdate_is_read_in_the_zone():
    data = ics("""DTSTART:20250301T100000
                  DTEND:20250301T110000
                  RDATE:20250302T100000Z""")
    assert read(data) == [closed("2025-03-01", "", ((600, 660),)),
                          closed("2025-03-02", "", ((780, 840),))]


def test_a_bad_zone_or_period_is_refused():
    data = ics("DTSTART;VALUE=DATE:20250101")
    with pytest.raises(CalendarError) as raised:
        read(data, zone="Mars/Olympus")
    assert str(raised.value) == "Unknown time zone: Mars/Olympus"
    with pytest.raises(CalendarError) as raised:
        read(data, start=date(2025, 12, 31), end=date(2025, 1, 1))
    assert str(raised.value) == "The end of the period is before its start."

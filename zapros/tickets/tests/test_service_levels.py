"""Configuring service levels: every change validated, counted in the revision, and refused
whole when anything is wrong."""

from datetime import date, timedelta

import pytest

from zapros.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from zapros.sla.models import BusinessCalendar, CalendarDay, Metric, Policy, Revision
from zapros.tickets.services import service_levels as sl

NINE_TO_SIX = [[540, 780], [840, 1080]]          # 09:00-13:00, 14:00-18:00
WEEK = [NINE_TO_SIX] * 5 + [[], []]
HOURS = timedelta(hours=1)

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Zapros tests//EN
BEGIN:VEVENT
UID:new-year@zapros.test
DTSTART;VALUE=DATE:20260101
DTEND;VALUE=DATE:20260102
SUMMARY:New Year
END:VEVENT
BEGIN:VEVENT
UID:victory@zapros.test
DTSTART;VALUE=DATE:20260509
DTEND;VALUE=DATE:20260510
SUMMARY:Victory Day
END:VEVENT
END:VCALENDAR
"""


def revision() -> int:
    row = Revision.objects.filter(pk=1).first()
    return row.value if row else 0


def state() -> dict:
    """The whole configuration, to assert that a refusal changed nothing."""
    return {
        "calendars": list(BusinessCalendar.objects.order_by("pk").values()),
        "days": list(CalendarDay.objects.order_by("pk").values()),
        "policies": list(Policy.objects.order_by("pk").values()),
        "links": [(p.pk, sorted(p.departments.values_list("pk", flat=True)),
                   sorted(p.topics.values_list("pk", flat=True)),
                   sorted(p.clients.values_list("pk", flat=True)))
                  for p in Policy.objects.order_by("pk")],
        "revision": revision(),
    }


@pytest.fixture
def office(cast):
    return sl.save_calendar(cast.admin, None, name="Office", time_zone="Europe/Moscow",
                            always_open=False, week=WEEK)


@pytest.fixture
def urgent(cast, office):
    return sl.save_policy(cast.admin, None, name="Urgent", calendar=office,
                          priorities=[4], first_response=2 * HOURS)


def refused(error, call, field=None):
    before = state()
    with pytest.raises(error) as raised:
        call()
    assert state() == before
    if field is not None:
        assert raised.value.field == field
    assert str(raised.value.message)
    return raised.value


def test_an_admin_creates_a_calendar_with_a_lunch_break(cast):
    before = revision()
    calendar = sl.save_calendar(cast.admin, None, name=" Office ", time_zone="Europe/Moscow",
                                always_open=False, week=WEEK)
    calendar.refresh_from_db()
    assert (calendar.name, calendar.time_zone, calendar.week) == ("Office", "Europe/Moscow",
                                                                  WEEK)
    assert calendar.revision == 1
    assert revision() != before


def test_changing_a_calendar_or_its_days_bumps_its_revision(cast, office):
    sl.save_calendar(cast.admin, office, name="Office", time_zone="Europe/Berlin",
                     always_open=False, week=WEEK)
    sl.set_day(cast.admin, office, day=date(2026, 1, 1), kind="holiday", name="New Year")
    sl.set_day(cast.admin, office.pk, day=date(2026, 1, 10), kind="working",
               spans=[[600, 900]], name="Extra Saturday")
    sl.remove_day(cast.admin, office, date(2026, 1, 10))
    office.refresh_from_db()
    assert office.revision == 5
    assert list(office.days.values_list("day", "kind", "spans", "name")) == [
        (date(2026, 1, 1), "holiday", [], "New Year")]


def test_an_around_the_clock_calendar_needs_no_hours(cast):
    calendar = sl.save_calendar(cast.admin, None, name="24/7", time_zone="UTC",
                                always_open=True, week=[])
    assert calendar.week == [[]] * 7


@pytest.mark.parametrize(("week", "always"), [
    ([[[540, 780], [700, 1080]]] * 5 + [[], []], False),   # overlapping
    ([[[540, 780], [780, 1080]]] * 5 + [[], []], False),   # touching
    ([[[600, 540]]] * 5 + [[], []], False),                # ends before it starts
    ([[[540, 1500]]] * 5 + [[], []], False),               # past midnight
    ([[]] * 7, False),                                     # never open
    (WEEK[:6], False),                                     # six days
    ("09:00-18:00", True),
])
def test_bad_weeks_are_refused(cast, office, week, always):
    refused(ValidationFailed, lambda: sl.save_calendar(
        cast.admin, office, name="Office", time_zone="UTC", always_open=always, week=week),
        field="week")
    refused(ValidationFailed, lambda: sl.save_calendar(
        cast.admin, None, name="Other", time_zone="UTC", always_open=always, week=week),
        field="week")


def test_calendar_names_and_zones_are_checked(cast, office):
    refused(ValidationFailed, lambda: sl.save_calendar(
        cast.admin, None, name="Office", time_zone="UTC", always_open=False, week=WEEK),
        field="name")
    refused(ValidationFailed, lambda: sl.save_calendar(
        cast.admin, None, name="  ", time_zone="UTC", always_open=False, week=WEEK),
        field="name")
    error = refused(ValidationFailed, lambda: sl.save_calendar(
        cast.admin, office, name="Office", time_zone="Mars/Olympus", always_open=False,
        week=WEEK), field="time_zone")
    assert "Mars/Olympus" in str(error.message)


@pytest.mark.parametrize(("day", "kind", "spans", "field"), [
    (date(1999, 12, 31), "holiday", [], "spans"),           # outside the calendar's range
    (date(2101, 1, 1), "holiday", [], "spans"),
    (date(2026, 1, 1), "holiday", [[600, 700], [650, 800]], "spans"),
    (date(2026, 1, 10), "working", [], "spans"),            # a working day with no hours
    (date(2026, 1, 12), "working", NINE_TO_SIX, "spans"),   # a Monday's own hours
    (date(2026, 1, 1), "vacation", [], "kind"),
    ("2026-01-01", "holiday", [], "day"),
])
def test_bad_days_are_refused(cast, office, day, kind, spans, field):
    refused(ValidationFailed, lambda: sl.set_day(cast.admin, office, day=day, kind=kind,
                                                 spans=spans, name="x"), field=field)


def test_removing_a_day_the_calendar_does_not_have_is_refused(cast, office):
    refused(NotFound, lambda: sl.remove_day(cast.admin, office, date(2026, 1, 1)))


def test_holidays_are_imported_once(cast, office):
    sl.set_day(cast.admin, office, day=date(2026, 5, 9), kind="holiday", name="Already here")
    result = sl.import_holidays(cast.admin, office, ICS, start=date(2026, 1, 1),
                                end=date(2026, 12, 31))
    assert result.added == [(date(2026, 1, 1), "New Year")]
    assert result.skipped == [(date(2026, 5, 9), "Victory Day")]
    assert CalendarDay.objects.get(calendar=office, day=date(2026, 5, 9)).name == "Already here"
    office.refresh_from_db()
    assert office.revision == 3

    again = sl.import_holidays(cast.admin, office, ICS, start=date(2026, 1, 1),
                               end=date(2026, 12, 31))
    assert (again.added_count, again.skipped_count) == (0, 2)


def test_an_unreadable_file_or_a_backward_period_imports_nothing(cast, office):
    refused(ValidationFailed, lambda: sl.import_holidays(
        cast.admin, office, b"not a calendar", start=date(2026, 1, 1),
        end=date(2026, 12, 31)), field="file")
    refused(ValidationFailed, lambda: sl.import_holidays(
        cast.admin, office, ICS, start=date(2026, 12, 31), end=date(2026, 1, 1)), field="end")


def test_a_calendar_in_use_cannot_be_deleted(cast, office, urgent):
    error = refused(Conflict, lambda: sl.delete_calendar(cast.admin, office))
    assert "Urgent" in str(error.message)
    sl.save_policy(cast.admin, urgent, calendar=None)
    sl.set_day(cast.admin, office, day=date(2026, 1, 1), kind="holiday")
    sl.delete_calendar(cast.admin, office)
    assert not BusinessCalendar.objects.exists() and not CalendarDay.objects.exists()


def test_an_admin_creates_a_policy_last_before_the_default(cast, office):
    before = revision()
    policy = sl.save_policy(
        cast.admin, None, name="VIP", calendar=office.pk, departments=[cast.tech.pk],
        clients=[cast.alice.client], priorities=["3", 4], types=["incident"],
        channels=["email"], service_kinds=" vps, hosting ,,", first_response=HOURS / 2,
        resolution=27 * HOURS, warn_percent=75, pause_on_hold=["resolution"],
        pause_awaiting_client=["resolution", "next_response"],
    )
    policy.refresh_from_db()
    assert policy.calendar == office
    assert list(policy.departments.all()) == [cast.tech]
    assert list(policy.clients.all()) == [cast.alice.client]
    assert (policy.priorities, policy.types, policy.channels) == ([3, 4], ["incident"],
                                                                  ["email"])
    assert policy.service_kinds == ["vps", "hosting"]
    assert (policy.first_response, policy.next_response, policy.resolution) == (
        HOURS / 2, None, 27 * HOURS)
    assert policy.pause_awaiting_client == ["next_response", "resolution"]
    assert list(Policy.objects.all())[-2:] == [policy, Policy.objects.get(is_default=True)]
    assert revision() != before


@pytest.mark.parametrize(("fields", "field"), [
    ({"first_response": timedelta(0)}, "first_response"),
    ({"resolution": -HOURS}, "resolution"),
    ({"first_response": None, "next_response": None, "resolution": None}, "first_response"),
    ({"warn_percent": 0}, "warn_percent"),
    ({"warn_percent": 100}, "warn_percent"),
    ({"pause_on_hold": ["lunch"]}, "pause_on_hold"),
    ({"pause_awaiting_client": "resolution"}, "pause_awaiting_client"),
    ({"priorities": [9]}, "priorities"),
    ({"types": ["complaint"]}, "types"),
    ({"channels": ["fax"]}, "channels"),
    ({"departments": [10**6]}, "departments"),
    ({"topics": ["x"]}, "topics"),
    ({"calendar": 10**6}, "calendar"),
    ({"name": ""}, "name"),
    ({"name": "Default"}, "name"),
    ({"is_default": True}, "is_default"),
])
def test_bad_policies_are_refused(cast, urgent, fields, field):
    refused(ValidationFailed, lambda: sl.save_policy(cast.admin, urgent, **fields),
            field=field)
    if field != "name":
        refused(ValidationFailed, lambda: sl.save_policy(
            cast.admin, None, name="New", **{"first_response": HOURS, **fields}), field=field)


def test_the_default_policy_has_no_conditions_stays_active_and_stays(cast):
    default = Policy.objects.get(is_default=True)
    refused(ValidationFailed, lambda: sl.save_policy(cast.admin, default,
                                                     departments=[cast.tech]),
            field="conditions")
    refused(ValidationFailed, lambda: sl.save_policy(cast.admin, default, priorities=[4]),
            field="conditions")
    refused(ValidationFailed, lambda: sl.save_policy(cast.admin, default, active=False),
            field="active")
    refused(Conflict, lambda: sl.delete_policy(cast.admin, default))
    refused(Conflict, lambda: sl.move_policy(cast.admin, default, 1))
    sl.save_policy(cast.admin, default, resolution=40 * HOURS)
    assert Policy.objects.get(is_default=True).resolution == 40 * HOURS


def test_policies_move_and_are_deleted(cast, urgent):
    second = sl.save_policy(cast.admin, None, name="Second", next_response=HOURS)
    third = sl.save_policy(cast.admin, None, name="Third", next_response=HOURS)
    sl.move_policy(cast.admin, third, 1)
    assert [p.name for p in Policy.objects.filter(is_default=False)] == [
        "Third", "Urgent", "Second"]
    sl.move_policy(cast.admin, urgent.pk, 99)
    assert [p.name for p in Policy.objects.all()] == ["Third", "Second", "Urgent", "Default"]
    refused(ValidationFailed, lambda: sl.move_policy(cast.admin, urgent, 0), field="position")
    before = revision()
    sl.delete_policy(cast.admin, second)
    assert not Policy.objects.filter(pk=second.pk).exists()
    assert revision() != before


@pytest.mark.parametrize("who", ["supervisor", "john", "alice"])
def test_only_admins_configure(cast, office, urgent, who):
    actor = getattr(cast, who)
    for call in [
        lambda: sl.save_calendar(actor, None, name="X", time_zone="UTC", always_open=True,
                                 week=[]),
        lambda: sl.save_calendar(actor, office, name="X", time_zone="UTC", always_open=True,
                                 week=[]),
        lambda: sl.set_day(actor, office, day=date(2026, 1, 1), kind="holiday"),
        lambda: sl.import_holidays(actor, office, ICS, start=date(2026, 1, 1),
                                   end=date(2026, 12, 31)),
        lambda: sl.delete_calendar(actor, office),
        lambda: sl.save_policy(actor, None, name="X", first_response=HOURS),
        lambda: sl.save_policy(actor, urgent, warn_percent=50),
        lambda: sl.move_policy(actor, urgent, 2),
        lambda: sl.delete_policy(actor, urgent),
    ]:
        refused(Forbidden, call)


def test_missing_calendars_and_policies_are_not_found(cast):
    refused(NotFound, lambda: sl.delete_calendar(cast.admin, 10**6))
    refused(NotFound, lambda: sl.delete_policy(cast.admin, "nope"))
    assert Metric.RESOLUTION in sl.TARGETS

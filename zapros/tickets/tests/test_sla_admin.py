"""The service levels' admin pages: an administrator configures calendars and policies through
the same operations as the API, and a refusal is a form error, never a half-saved page."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zapros.sla.models import BusinessCalendar, CalendarDay, Policy, Revision

from .test_service_levels import ICS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def calendar_form(name="Office", zone="Europe/Moscow", hours="09:00-13:00, 14:00-18:00",
                  days=()):
    data = {"name": name, "time_zone": zone,
            **{day: hours if index < 5 else "" for index, day in enumerate(WEEKDAYS)},
            "days-TOTAL_FORMS": str(len(days)), "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000"}
    for index, (day, kind, hours_text, label) in enumerate(days):
        data.update({f"days-{index}-day": day, f"days-{index}-kind": kind,
                     f"days-{index}-hours": hours_text, f"days-{index}-name": label})
    return data


@pytest.fixture
def admin_page(cast, client):
    client.force_login(cast.admin)
    return client


def revision():
    return Revision.objects.get(pk=1).value


def test_an_admin_creates_a_calendar_with_a_lunch_break_and_a_holiday(admin_page):
    before = revision()
    response = admin_page.post(reverse("admin:sla_businesscalendar_add"), calendar_form(
        days=[("2026-01-01", "holiday", "", "New Year"),
              ("2026-12-31", "holiday", "14:00-18:00", "New Year's Eve")]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    calendar = BusinessCalendar.objects.get()
    assert calendar.week == [[[540, 780], [840, 1080]]] * 5 + [[], []]
    assert list(calendar.days.values_list("day", "spans", "name")) == [
        (date(2026, 1, 1), [], "New Year"), (date(2026, 12, 31), [[840, 1080]],
                                             "New Year's Eve")]
    assert calendar.revision == 3
    assert revision() > before

    page = admin_page.get(reverse("admin:sla_businesscalendar_change", args=[calendar.pk]))
    assert "09:00\u201313:00, 14:00\u201318:00" in page.text
    assert reverse("admin:sla_businesscalendar_import", args=[calendar.pk]) in page.text
    assert admin_page.get(reverse("admin:sla_businesscalendar_changelist")).status_code == 200


@pytest.mark.parametrize(("data", "field"), [
    (calendar_form(hours="09:00-13:00, 12:00-18:00"), "monday"),
    (calendar_form(hours="9 to 5"), "monday"),
    (calendar_form(zone="Mars/Olympus"), "time_zone"),
    (calendar_form(hours=""), None),
])
def test_a_bad_calendar_shows_a_form_error_and_saves_nothing(admin_page, data, field):
    before = revision()
    response = admin_page.post(reverse("admin:sla_businesscalendar_add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors[field or "__all__"]
    assert not BusinessCalendar.objects.exists()
    assert revision() == before


def test_a_bad_day_shows_a_form_error_and_saves_nothing(admin_page):
    response = admin_page.post(reverse("admin:sla_businesscalendar_add"), calendar_form(
        days=[("1999-01-01", "holiday", "", "Too early")]))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["hours"]
    assert not BusinessCalendar.objects.exists() and not CalendarDay.objects.exists()


def test_an_admin_imports_holidays_from_an_ics_file(admin_page, cast):
    from zapros.tickets.services import service_levels

    calendar = service_levels.save_calendar(
        cast.admin, None, name="Office", time_zone="Europe/Moscow", always_open=False,
        week=[[[540, 1080]]] * 5 + [[], []])
    service_levels.set_day(cast.admin, calendar, day=date(2026, 5, 9), kind="holiday")
    url = reverse("admin:sla_businesscalendar_import", args=[calendar.pk])
    page = admin_page.get(url)
    year = date.today().year
    assert page.context["form"].initial == {"start": date(year, 1, 1),
                                            "end": date(year + 1, 12, 31)}
    response = admin_page.post(url, {
        "file": SimpleUploadedFile("holidays.ics", ICS, content_type="text/calendar"),
        "start": "2026-01-01", "end": "2026-12-31"})
    assert response.status_code == 200
    assert response.context["result"].added == [(date(2026, 1, 1), "New Year")]
    assert "2026-05-09 Victory Day" in response.text
    assert sorted(calendar.days.values_list("day", flat=True)) == [date(2026, 1, 1),
                                                                   date(2026, 5, 9)]

    bad = admin_page.post(url, {"file": SimpleUploadedFile("x.ics", b"nonsense"),
                                "start": "2026-01-01", "end": "2026-12-31"})
    assert bad.status_code == 200 and bad.context["form"].errors["file"]
    assert calendar.days.count() == 2


def policy_form(**fields):
    data = {"name": "Urgent", "active": "on", "calendar": "", "order": "",
            "priorities": ["4"], "first_response_hours": "0.5",
            "resolution_hours": "27", "warn_percent": "80",
            "pause_awaiting_client": ["resolution"]}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_an_admin_creates_a_policy_in_business_hours(admin_page, cast):
    calendar = BusinessCalendar.objects.create(name="Office", week=[[[540, 1080]]] * 7)
    response = admin_page.post(reverse("admin:sla_policy_add"), policy_form(
        calendar=str(calendar.pk), departments=[str(cast.tech.pk)], channels=["email"],
        service_kinds="vps, hosting", order="1"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy = Policy.objects.get(name="Urgent")
    assert (policy.first_response, policy.resolution) == (timedelta(minutes=30),
                                                          timedelta(hours=27))
    assert (policy.priorities, policy.channels, policy.service_kinds) == (
        [4], ["email"], ["vps", "hosting"])
    assert list(policy.departments.all()) == [cast.tech]
    assert Policy.objects.first() == policy
    assert policy.pause_awaiting_client == ["resolution"]
    page = admin_page.get(reverse("admin:sla_policy_change", args=[policy.pk]))
    assert "three working days" in page.text
    assert "27" in admin_page.get(reverse("admin:sla_policy_changelist")).text


@pytest.mark.parametrize(("fields", "error_field"), [
    ({"first_response_hours": "0"}, "first_response_hours"),
    ({"first_response_hours": "", "resolution_hours": ""}, "first_response_hours"),
    ({"warn_percent": "100"}, "warn_percent"),
    ({"name": "Default"}, "name"),
])
def test_a_bad_policy_shows_a_form_error_and_saves_nothing(admin_page, fields, error_field):
    before = list(Policy.objects.values())
    response = admin_page.post(reverse("admin:sla_policy_add"), policy_form(**fields))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[error_field]
    assert list(Policy.objects.values()) == before


def test_the_default_policy_keeps_no_conditions_and_cannot_be_deleted(admin_page):
    default = Policy.objects.get(is_default=True)
    page = admin_page.get(reverse("admin:sla_policy_change", args=[default.pk]))
    assert page.status_code == 200
    assert "departments" not in page.context["adminform"].form.fields
    response = admin_page.post(reverse("admin:sla_policy_change", args=[default.pk]), {
        "name": "Default", "calendar": "", "first_response_hours": "10",
        "warn_percent": "80"})
    assert response.status_code == 302
    assert Policy.objects.get(pk=default.pk).first_response == timedelta(hours=10)
    assert admin_page.get(reverse("admin:sla_policy_delete",
                                  args=[default.pk])).status_code == 403
    admin_page.post(reverse("admin:sla_policy_changelist"), {
        "action": "delete_selected", "_selected_action": [default.pk], "post": "yes"})
    assert Policy.objects.filter(pk=default.pk).exists()


def test_a_calendar_in_use_is_not_deleted(admin_page, cast):
    calendar = BusinessCalendar.objects.create(name="Office", week=[[[540, 1080]]] * 7)
    Policy.objects.create(name="Uses it", calendar=calendar, first_response=timedelta(1))
    response = admin_page.post(reverse("admin:sla_businesscalendar_delete",
                                       args=[calendar.pk]), {"post": "yes"})
    # Django's own page for protected objects names the policy that keeps it.
    assert response.status_code == 200 and "Uses it" in response.text
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()
    response = admin_page.post(reverse("admin:sla_businesscalendar_changelist"), {
        "action": "delete_selected", "_selected_action": [calendar.pk], "post": "yes"})
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


@pytest.mark.parametrize("who", ["supervisor", "john"])
def test_other_staff_get_no_access(cast, client, who):
    client.force_login(getattr(cast, who))
    for name in ["admin:sla_businesscalendar_changelist", "admin:sla_policy_changelist",
                 "admin:sla_businesscalendar_add", "admin:sla_policy_add"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(reverse("admin:sla_policy_add"), policy_form())
    assert not Policy.objects.filter(name="Urgent").exists()


def test_an_admin_who_is_not_a_superuser_may_configure(admin_page, cast):
    assert not cast.admin.is_superuser
    assert admin_page.get(reverse("admin:sla_policy_changelist")).status_code == 200
    assert admin_page.get(reverse("admin:accounts_department_changelist")).status_code in (
        200, 403)


# --- the escalation ladder ------------------------------------------------------------------

def test_an_admin_adds_a_ladder_step_and_a_bad_one_is_refused(admin_page, cast):
    from zapros.sla.models import EscalationStep

    url = reverse("admin:sla_escalationstep_add")
    assert admin_page.get(url).status_code == 200
    response = admin_page.post(url, {"department": cast.tech.pk, "when": "breach",
                                     "who": "admins", "after_hours": "2"})
    assert response.status_code == 302
    step = EscalationStep.objects.get()
    assert (step.department, step.who, step.after) == (cast.tech, "admins", timedelta(hours=2))
    refused = admin_page.post(url, {"department": "", "when": "warning", "who": "admins",
                                    "after_hours": "1"}, follow=True)
    assert refused.status_code == 200
    assert "A warning is given once" in refused.content.decode()
    assert EscalationStep.objects.count() == 1

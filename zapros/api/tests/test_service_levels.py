"""The service levels over the API: staff read them, administrators change them, and every
refusal is an answer with a detail that changed nothing."""

from datetime import date, timedelta

import pytest
from django.test import Client

from zapros.sla.models import BusinessCalendar, CalendarDay, Policy

WEEK = [[[540, 780], [840, 1080]]] * 5 + [[], []]


def state():
    return (list(BusinessCalendar.objects.order_by("pk").values()),
            list(CalendarDay.objects.order_by("pk").values()),
            list(Policy.objects.order_by("pk").values()))


def put_json(client, url, data):
    return client.put(url, data, content_type="application/json")


def post_json(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def office(db):
    return BusinessCalendar.objects.create(name="Office", time_zone="Europe/Moscow", week=WEEK)


@pytest.fixture
def callers(cast, api_as):
    return {"anonymous": Client(), "client": api_as(cast.alice), "agent": api_as(cast.john),
            "admin": api_as(cast.admin)}


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 401), ("client", 403), ("agent", 200), ("admin", 200)])
def test_staff_read_calendars_and_policies(callers, office, who, status):
    caller = callers[who]
    for url in ["/api/v1/sla/calendars", f"/api/v1/sla/calendars/{office.pk}",
                "/api/v1/sla/policies"]:
        response = caller.get(url)
        assert response.status_code == status, (url, response.content)
    if status == 200:
        detail = caller.get(f"/api/v1/sla/calendars/{office.pk}").json()
        assert detail["week"] == WEEK and detail["days"] == []
        default = caller.get("/api/v1/sla/policies").json()[-1]
        assert default["is_default"] and default["first_response_minutes"] == 3 * 24 * 60


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 401), ("client", 403), ("agent", 403), ("admin", None)])
def test_only_admins_change_them(callers, office, who, status):
    caller = callers[who]
    before = state()
    calls = [
        lambda: post_json(caller, "/api/v1/sla/calendars",
                          {"name": "New", "time_zone": "UTC", "week": WEEK}),
        lambda: put_json(caller, f"/api/v1/sla/calendars/{office.pk}",
                         {"name": "Office", "time_zone": "Europe/Berlin", "week": WEEK}),
        lambda: put_json(caller, f"/api/v1/sla/calendars/{office.pk}/days/2026-01-01",
                         {"kind": "holiday", "name": "New Year"}),
        lambda: post_json(caller, "/api/v1/sla/policies",
                          {"name": "Urgent", "priorities": [4], "calendar": office.pk,
                           "first_response_minutes": 30, "position": 1}),
    ]
    answers = [call().status_code for call in calls]
    if status is None:
        assert answers == [201, 200, 200, 201]
        assert Policy.objects.first().name == "Urgent"
        assert BusinessCalendar.objects.get(pk=office.pk).time_zone == "Europe/Berlin"
        assert CalendarDay.objects.get().day == date(2026, 1, 1)
    else:
        assert answers == [status] * 4
        assert state() == before


def test_an_admin_changes_and_deletes_a_policy(callers, office):
    admin = callers["admin"]
    created = post_json(admin, "/api/v1/sla/policies", {
        "name": "Urgent", "priorities": [4], "first_response_minutes": 30}).json()
    changed = put_json(admin, f"/api/v1/sla/policies/{created['id']}",
                       {"resolution_minutes": 27 * 60, "pause_on_hold": ["resolution"]})
    assert changed.status_code == 200
    assert changed.json()["first_response_minutes"] == 30
    assert Policy.objects.get(pk=created["id"]).resolution == timedelta(hours=27)
    assert admin.delete(f"/api/v1/sla/policies/{created['id']}").status_code == 204
    assert not Policy.objects.filter(pk=created["id"]).exists()


@pytest.mark.parametrize(("url", "method", "body", "status", "field"), [
    ("/api/v1/sla/calendars", "post",
     {"name": "Bad", "week": [[[540, 780], [700, 1080]]] * 7}, 422, "week"),
    ("/api/v1/sla/calendars", "post", {"name": "Bad", "time_zone": "Mars/Olympus",
                                       "week": WEEK}, 422, "time_zone"),
    ("/api/v1/sla/policies", "post", {"name": "No target"}, 422, "first_response"),
    ("/api/v1/sla/policies", "post", {"name": "P", "first_response_minutes": 5,
                                      "warn_percent": 100}, 422, "warn_percent"),
    ("/api/v1/sla/policies", "post", {"name": "P", "first_response_minutes": 5,
                                      "pause_on_hold": ["lunch"]}, 422, "pause_on_hold"),
    ("DEFAULT", "put", {"departments": ["TECH"]}, 422, "conditions"),
    ("DEFAULT", "put", {"position": 1}, 409, "position"),
    ("DEFAULT", "delete", None, 409, None),
    ("OFFICE_DAY", "put", {"kind": "holiday", "name": "Too early"}, 422, "spans"),
    ("/api/v1/sla/calendars/999999", "delete", None, 404, None),
])
def test_refusals_answer_with_a_detail_and_change_nothing(cast, callers, office, url, method,
                                                          body, status, field):
    admin = callers["admin"]
    default = Policy.objects.get(is_default=True)
    url = {"DEFAULT": f"/api/v1/sla/policies/{default.pk}",
           "OFFICE_DAY": f"/api/v1/sla/calendars/{office.pk}/days/1999-01-01"}.get(url, url)
    if body and body.get("departments") == ["TECH"]:
        body = {"departments": [cast.tech.pk]}
    before = state()
    if method == "delete":
        response = admin.delete(url)
    else:
        response = getattr(admin, method)(url, body, content_type="application/json")
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    if field:
        assert response.json()["field"] == field
    assert state() == before


def test_a_calendar_in_use_is_not_deleted(callers, office):
    Policy.objects.create(name="Uses it", calendar=office, first_response=timedelta(hours=1))
    response = callers["admin"].delete(f"/api/v1/sla/calendars/{office.pk}")
    assert response.status_code == 409 and "Uses it" in response.json()["detail"]
    assert BusinessCalendar.objects.filter(pk=office.pk).exists()


def test_input_that_does_not_parse_is_a_422(callers):
    response = post_json(callers["admin"], "/api/v1/sla/policies",
                         {"name": "P", "first_response_minutes": 0})
    assert response.status_code == 422
    assert not Policy.objects.filter(name="P").exists()


def test_the_openapi_document_describes_them(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/sla/calendars"])
    assert {"get", "put", "delete"} <= set(paths["/api/v1/sla/calendars/{calendar_id}"])
    assert {"put", "delete"} <= set(paths["/api/v1/sla/policies/{policy_id}"])
    assert {"get", "post"} <= set(paths["/api/v1/sla/escalation"])
    assert {"delete"} <= set(paths["/api/v1/sla/escalation/{step_id}"])


@pytest.mark.parametrize(("who", "read", "write"), [
    ("anonymous", 401, 401), ("client", 403, 403), ("agent", 200, 403), ("admin", 200, 201)])
def test_the_escalation_ladder_over_the_api(cast, callers, who, read, write):
    from zapros.sla.models import EscalationStep

    caller = callers[who]
    assert caller.get("/api/v1/sla/escalation").status_code == read
    added = post_json(caller, "/api/v1/sla/escalation", {
        "department": cast.tech.pk, "when": "breach", "who": "admins", "after_minutes": 120})
    assert added.status_code == write, added.content
    if write != 201:
        assert not EscalationStep.objects.exists()
        return
    step = added.json()
    assert (step["department"], step["who"], step["after_minutes"]) == (cast.tech.pk,
                                                                        "admins", 120)
    again = post_json(caller, "/api/v1/sla/escalation", {
        "department": cast.tech.pk, "when": "breach", "who": "admins", "after_minutes": 120})
    assert again.status_code == 409 and again.json()["detail"]
    refused = post_json(caller, "/api/v1/sla/escalation",
                        {"when": "warning", "who": "admins", "after_minutes": 5})
    assert refused.status_code == 422 and refused.json()["detail"]
    assert caller.delete(f"/api/v1/sla/escalation/{step['id']}").status_code == 204
    assert not EscalationStep.objects.exists()

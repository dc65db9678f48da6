"""The API for the client page, topics, display settings and freezing with a resume day."""

from datetime import timedelta

import pytest

from conftest import make_policy
from zapros.clients import services as client_services
from zapros.clients.models import Client, CommentRevision
from zapros.core import clock
from zapros.tickets import services
from zapros.tickets.models import Ticket, Topic

from .conftest import post_json, snapshot

ROLES = ["alice", "bob", "john", "gary", "supervisor", "admin"]


def patch_json(client, url, data):
    return client.patch(url, data, content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
def test_client_data_access_matrix(cast, api_as, role):
    tech = cast.open(subject="Tech")
    billing = cast.open(subject="Billing", department=cast.billing)
    client_services.update_client_comment(cast.admin, cast.alice.pk, body="Pays late")
    response = api_as(getattr(cast, role)).get(f"/api/v1/clients/{cast.alice.pk}")
    if role in {"alice", "bob"}:
        assert response.status_code == 404
        assert "Pays late" not in response.content.decode()
        return
    assert response.status_code == 200
    data = response.json()
    assert (data["email"], data["internal_comment"]) == ("alice@example.com", "Pays late")
    assert data["comment_changed"]["author"]["name"] == "Ada Admin"
    assert {s["name"] for s in data["services"]} == {"Hosting Pro", "VPS-2"}
    expected = [billing.number, tech.number] if role in {"supervisor", "admin"} \
        else [tech.number]
    assert [t["number"] for t in data["tickets"]] == expected


def test_anonymous_callers_get_401(cast, client):
    assert client.get(f"/api/v1/clients/{cast.alice.pk}").status_code == 401
    assert client.get("/api/v1/topics").status_code == 401


def test_client_tickets_page_with_before(cast, api_as):
    opened = [cast.open(subject=f"T{i}").number for i in range(22)]
    api = api_as(cast.john)
    first = api.get(f"/api/v1/clients/{cast.alice.pk}").json()
    assert len(first["tickets"]) == 20
    rest = api.get(f"/api/v1/clients/{cast.alice.pk}?before={first['next_before']}").json()
    assert [t["number"] for t in rest["tickets"]] == opened[:2][::-1]
    assert rest["next_before"] is None


def test_client_data_runs_the_same_queries_at_any_size(cast, api_as,
                                                       django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as(cast.john)
    cast.open()
    with CaptureQueriesContext(connection) as small:
        assert api.get(f"/api/v1/clients/{cast.alice.pk}").status_code == 200
    for i in range(30):
        cast.open(subject=f"More {i}")
    with django_assert_max_num_queries(len(small)):
        assert api.get(f"/api/v1/clients/{cast.alice.pk}").status_code == 200


def test_staff_patch_the_internal_comment(cast, api_as):
    response = patch_json(api_as(cast.john), f"/api/v1/clients/{cast.alice.pk}",
                          {"internal_comment": "Call before noon"})
    assert response.status_code == 200
    assert response.json()["internal_comment"] == "Call before noon"
    assert CommentRevision.objects.get().author == cast.john


@pytest.mark.parametrize("role,body,status", [
    ("alice", "I am VIP", 404), ("bob", "x", 404), ("john", "x" * 5001, 422),
])
def test_refused_patches_change_nothing(cast, api_as, role, body, status):
    response = patch_json(api_as(getattr(cast, role)), f"/api/v1/clients/{cast.alice.pk}",
                          {"internal_comment": body})
    assert response.status_code == status
    assert Client.objects.get(pk=cast.alice.pk).internal_comment == ""
    assert CommentRevision.objects.count() == 0


def test_topics_clients_get_names_only(cast, api_as):
    camera = Topic.objects.create(name="Camera fault", department=cast.billing)
    make_policy("Cameras", topics=[camera], first_response=timedelta(hours=2))
    Topic.objects.create(name="Retired", active=False)
    for_client = api_as(cast.alice).get("/api/v1/topics").json()
    assert for_client == [{"id": for_client[0]["id"], "name": "Camera fault"}]
    for_staff = api_as(cast.john).get("/api/v1/topics").json()
    assert for_staff[0]["department"]["name"] == "Billing"
    assert for_staff[0]["response_deadline_hours"] == 2


def test_a_ticket_with_a_topic_shows_title_and_topic_to_staff_only(cast, api_as):
    camera = Topic.objects.create(name="Camera fault", department=cast.billing)
    response = post_json(api_as(cast.alice), "/api/v1/tickets", {
        "department": cast.tech.pk, "subject": "No picture", "body": "Black",
        "topic": camera.pk, "service": cast.alice_vps.pk,
    })
    assert response.status_code == 201
    text = response.content.decode()
    assert "Camera fault" not in text and '"title"' not in text and '"topic"' not in text
    number = response.json()["number"]
    for path in (f"/api/v1/tickets/{number}", "/api/v1/tickets"):
        assert "Camera fault VPS-2" not in api_as(cast.alice).get(path).content.decode()
    staff = api_as(cast.admin).get(f"/api/v1/tickets/{number}").json()
    assert (staff["title"], staff["topic"]["name"], staff["department"]["name"]) == (
        "Camera fault VPS-2", "Camera fault", "Billing")


def test_me_shows_and_changes_display_settings_for_staff(cast, api_as):
    api = api_as(cast.john)
    assert api.get("/api/v1/me").json()["display"] == {"font_family": "sans", "font_size": 15}
    response = patch_json(api, "/api/v1/me", {"font_family": "serif", "font_size": 17})
    assert response.status_code == 200
    assert response.json()["display"] == {"font_family": "serif", "font_size": 17}
    refused = patch_json(api, "/api/v1/me", {"font_size": 30})
    assert (refused.status_code, refused.json()["field"]) == (422, "font_size")
    assert api.get("/api/v1/me").json()["display"]["font_size"] == 17


def test_clients_have_no_display_settings(cast, api_as):
    api = api_as(cast.alice)
    assert api.get("/api/v1/me").json()["display"] is None
    assert patch_json(api, "/api/v1/me", {"font_size": 16}).status_code == 403


def test_freeze_with_a_resume_day(cast, api_as):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    day = clock.today_in(cast.john.timezone) + timedelta(days=2)
    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/freeze",
                         {"reason": "DC", "resume_on": day.isoformat()})
    assert response.status_code == 200
    assert (response.json()["resume_on"], response.json()["hold_reason"]) == (
        day.isoformat(), "DC")
    client_view = api_as(cast.alice).get(f"/api/v1/tickets/{ticket.number}").content.decode()
    assert "resume_on" not in client_view and "DC" not in client_view


@pytest.mark.parametrize("payload,status,field", [
    ({"resume_on": "2001-01-01"}, 422, "resume_on"),
    ({"reason": "x" * 501}, 422, "reason"),
])
def test_bad_freezes_are_refused_and_nothing_changes(cast, api_as, payload, status, field):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    before = snapshot()
    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/freeze", payload)
    assert (response.status_code, response.json()["field"]) == (status, field)
    assert snapshot() == before


def test_freezing_an_answered_ticket_is_a_conflict(cast, api_as):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    before = snapshot()
    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/freeze",
                         {"resume_on": (clock.today_in("UTC") + timedelta(days=3)).isoformat()})
    assert response.status_code == 409
    assert snapshot() == before
    assert Ticket.objects.get(pk=ticket.pk).state == "answered"

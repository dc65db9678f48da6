"""Followers, copy addresses and mail delivery through the API, as an access matrix."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zapros.notify.models import OutgoingMail
from zapros.tickets import services
from zapros.tickets.models import CcAddress, Event, Follower

from .conftest import post_json, snapshot


def world():
    return {
        **snapshot(),
        "followers": list(Follower.objects.values_list("ticket", "user")),
        "cc": list(CcAddress.objects.values_list("ticket", "email")),
        "mails": list(OutgoingMail.objects.values_list("pk", "status", "attempts")),
    }


def caller(cast, api_as, who):
    if who == "anonymous":
        return Client()
    if who == "john_outside":
        cast.tech.members.remove(cast.john)
        return api_as(cast.john)
    return api_as(getattr(cast, who))


ROLES = ["alice", "bob", "john", "john_outside", "supervisor", "admin", "anonymous"]


@pytest.mark.parametrize(("who", "status"), list(zip(ROLES, [403, 404, 200, 404, 200, 200, 401],
                                                     strict=True)))
def test_follow_matrix(cast, api_as, who, status):
    ticket = cast.open()
    api = caller(cast, api_as, who)
    before = world()
    response = post_json(api, f"/api/v1/tickets/{ticket.number}/followers")
    assert response.status_code == status
    if status != 200:
        assert world() == before
        return
    me = getattr(cast, who)
    assert response.json() == {"following": True,
                               "followers": [{"id": me.pk, "name": me.display_name}]}
    assert api.get(f"/api/v1/tickets/{ticket.number}/followers").json()["following"] is True
    response = api.delete(f"/api/v1/tickets/{ticket.number}/followers")
    assert response.status_code == 200
    assert response.json() == {"following": False, "followers": []}
    assert list(Event.objects.filter(ticket=ticket).values_list("kind", flat=True))[1:] == [
        "followed", "unfollowed"]


def test_following_twice_is_a_conflict(cast, api_as):
    ticket = cast.open()
    api = api_as(cast.john)
    post_json(api, f"/api/v1/tickets/{ticket.number}/followers")
    before = world()
    response = post_json(api, f"/api/v1/tickets/{ticket.number}/followers")
    assert response.status_code == 409 and response.json()["detail"]
    assert world() == before


@pytest.mark.parametrize(("who", "status"), list(zip(ROLES, [201, 404, 201, 404, 201, 201, 401],
                                                     strict=True)))
def test_copy_list_matrix(cast, api_as, who, status):
    ticket = cast.open()
    services.add_cc(cast.alice, ticket.number, "carol@example.com")
    api = caller(cast, api_as, who)
    url = f"/api/v1/tickets/{ticket.number}/cc"
    before = world()
    response = post_json(api, url, {"email": "dave@example.com"})
    assert response.status_code == status
    if status != 201:
        assert world() == before
        assert api.get(url).status_code == status
        assert api.delete(f"{url}/carol@example.com").status_code == status
        assert world() == before
        return
    listed = response.json()
    assert [item["email"] for item in listed] == ["carol@example.com", "dave@example.com"]
    if who == "alice":
        assert listed == [{"email": "carol@example.com"}, {"email": "dave@example.com"}]
    else:
        assert listed[1]["added_by"]["name"] == getattr(cast, who).display_name
    response = api.delete(f"{url}/carol@example.com")
    assert response.status_code == 200
    assert [item["email"] for item in response.json()] == ["dave@example.com"]


def test_bad_copy_addresses_answer_422_and_change_nothing(cast, api_as, settings):
    settings.ZAPROS_TICKET_CC_MAX = 1
    ticket = cast.open()
    api = api_as(cast.alice)
    url = f"/api/v1/tickets/{ticket.number}/cc"
    for email in ["nope", "alice@example.com", "support@localhost"]:
        before = world()
        response = post_json(api, url, {"email": email})
        assert response.status_code == 422 and response.json()["field"] == "email"
        assert world() == before
    post_json(api, url, {"email": "carol@example.com"})
    before = world()
    for email in ["carol@example.com", "dave@example.com"]:
        assert post_json(api, url, {"email": email}).status_code == 422
    assert api.delete(f"{url}/nobody@example.com").status_code == 422
    assert world() == before


@pytest.mark.parametrize(("who", "status"), list(zip(ROLES, [403, 404, 200, 404, 200, 200, 401],
                                                     strict=True)))
def test_mail_delivery_matrix(cast, api_as, smtp_server, django_capture_on_commit_callbacks,
                              who, status):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    smtp_server.refuse_everyone = "550 Mailbox unavailable"
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(cast.john, ticket.number, body="Answer", close=False)
    smtp_server.refuse_everyone = ""
    mail = OutgoingMail.objects.get()
    api = caller(cast, api_as, who)
    url = f"/api/v1/tickets/{ticket.number}/mails"

    response = api.get(url)
    assert response.status_code == status
    before = world()
    with django_capture_on_commit_callbacks(execute=True):
        retried = post_json(api, f"{url}/{mail.pk}/retry")
    if status != 200:
        assert retried.status_code == status
        assert world() == before and smtp_server.envelopes == []
        return
    [listed] = response.json()
    assert listed["status"] == "failed" and listed["to"] == ["alice@example.com"]
    assert listed["last_error"] == "alice@example.com: 550 Mailbox unavailable"
    # The answer is written before the commit hands the mail to the worker.
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    assert OutgoingMail.objects.get().status == OutgoingMail.Status.SENT
    assert len(smtp_server.envelopes) == 1
    assert post_json(api, f"{url}/{mail.pk}/retry").status_code == 409


def test_mail_list_runs_a_constant_number_of_queries(cast, api_as, smtp_server,
                                                     django_capture_on_commit_callbacks,
                                                     django_assert_max_num_queries):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    api = api_as(cast.supervisor)
    url = f"/api/v1/tickets/{ticket.number}"

    def reply(count):
        for i in range(count):
            services.add_cc(cast.alice, ticket.number, f"c{count}-{i}@example.com")
            services.reply(cast.john, ticket.number, body="Answer", close=False)

    reply(1)
    counts = {}
    for path in ("/mails", "/cc", "/followers"):
        api.get(url + path)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url + path).status_code == 200
        counts[path] = len(queries)
    reply(8)
    services.follow(cast.gary, ticket.number)
    services.follow(cast.supervisor, ticket.number)
    for path, count in counts.items():
        with django_assert_max_num_queries(count):
            assert api.get(url + path).status_code == 200
    assert len(api.get(url + "/mails").json()) == 9

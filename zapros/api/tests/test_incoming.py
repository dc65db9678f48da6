"""The Incoming API: access as a matrix, query counts at two sizes, each action's wiring."""

import json

import pytest

from zapros.mail import ingest
from zapros.mail.models import InboundMail
from zapros.mail.tests.conftest import make_gateway
from zapros.mail.tests.corpus import STRANGER, plain

ROLES = ["anonymous", "alice", "bob", "john", "gary", "supervisor", "admin"]


pytestmark = pytest.mark.usefixtures("mail_key")


def waiting(gateway, n=1):
    for i in range(n):
        assert ingest.receive(gateway, plain(
            f"Body {i}", sender=f"s{i}@example.org", subject=f"Question {i}")) == "incoming"
    return InboundMail.objects.order_by("-id").first()

@pytest.fixture
def api(token_for):
    from django.test import Client

    def client(user):
        if user is None:
            return Client()
        return Client(headers={"Authorization": f"Bearer {token_for(user)}"})

    return client


@pytest.mark.parametrize("role", ROLES)
def test_api_incoming_access_matrix(api, cast, role):
    billing = make_gateway(cast.billing, address="billing@zapros.test")
    ingest.receive(billing, plain("Hi", sender=STRANGER, to="billing@zapros.test"))
    mail = InboundMail.objects.get()
    caller = api(None if role == "anonymous" else getattr(cast, role))
    listing = caller.get("/api/v1/incoming")
    detail = caller.get(f"/api/v1/incoming/{mail.pk}")
    discard = caller.post(f"/api/v1/incoming/{mail.pk}/discard")
    if role == "anonymous":
        assert {listing.status_code, detail.status_code, discard.status_code} == {401}
    elif role in ("alice", "bob", "john", "gary"):
        assert listing.status_code == (404 if role in ("alice", "bob") else 200)
        if role in ("john", "gary"):
            assert listing.json()["items"] == []
        assert detail.status_code == discard.status_code == 404
    else:
        assert listing.json()["items"][0]["id"] == mail.pk
        assert detail.json()["sender"] == STRANGER
        assert discard.status_code == 200
    mail.refresh_from_db()
    assert mail.status == ("discarded" if role in ("supervisor", "admin")
                           else "incoming")


@pytest.mark.parametrize("size", [1, 12])
def test_api_incoming_list_runs_constant_queries(api, cast, gateway, size,
                                                 django_assert_max_num_queries):
    waiting(gateway, size)
    caller = api(cast.john)
    with django_assert_max_num_queries(8):
        response = caller.get("/api/v1/incoming?limit=50")
    assert len(response.json()["items"]) == size


def test_api_actions(api, cast, gateway):
    caller = api(cast.john)
    first = waiting(gateway)
    body = caller.post(f"/api/v1/incoming/{first.pk}/attach", json.dumps({"client": cast.bob.pk}),
                       content_type="application/json").json()
    assert body["status"] == "attached" and body["ticket"]
    again = caller.post(f"/api/v1/incoming/{first.pk}/attach",
                        json.dumps({"client": cast.bob.pk}), content_type="application/json")
    assert again.status_code == 409
    ingest.receive(gateway, plain("Second", sender="new@example.org"))
    second = InboundMail.objects.order_by("-id").first()
    created = caller.post(f"/api/v1/incoming/{second.pk}/create-client").json()
    assert created["status"] == "attached"
    ingest.receive(gateway, plain("Third", sender="third@example.org"))
    third = InboundMail.objects.order_by("-id").first()
    ticket = cast.open()
    appended = caller.post(f"/api/v1/incoming/{third.pk}/append",
                           json.dumps({"number": ticket.number}),
                           content_type="application/json")
    assert appended.json()["ticket"] == ticket.number
    ingest.receive(gateway, plain("Fourth", sender="fourth@example.org"))
    fourth = InboundMail.objects.order_by("-id").first()
    caller.post(f"/api/v1/incoming/{fourth.pk}/discard")
    assert caller.get("/api/v1/incoming?status=discarded").json()["items"][0]["id"] == fourth.pk
    restored = caller.post(f"/api/v1/incoming/{fourth.pk}/restore")
    assert restored.json()["status"] == "incoming"
    refused = caller.post(f"/api/v1/incoming/{fourth.pk}/attach",
                          json.dumps({"client": cast.john.pk}), content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "client"

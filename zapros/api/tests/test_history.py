"""Editing messages, their revisions, split and merge through the API: the access matrix,
what each side gets back, and refusals that change nothing."""

import pytest
from django.test import Client

from zapros.tickets import services
from zapros.tickets.models import Message, MessageRevision, Ticket

from .conftest import post_json, snapshot

ROLES = ["alice", "bob", "john", "gary", "supervisor", "admin", "anonymous"]


@pytest.fixture
def call_as(cast, api_as):
    def caller(role):
        return Client() if role == "anonymous" else api_as(getattr(cast, role))
    return caller


def everything():
    """What these endpoints could write."""
    return {**snapshot(), "revisions": list(MessageRevision.objects.values()),
            "message_rows": list(Message.objects.order_by("pk").values())}


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def message_url(ticket, message, tail=""):
    return f"/api/v1/tickets/{ticket.number}/messages/{message.pk}{tail}"


# --- PATCH a message ---------------------------------------------------------------------------

# John wrote the answer and holds the ticket in Technical support.
EDIT = {"alice": 403, "bob": 403, "john": 200, "gary": 403, "supervisor": 200, "admin": 200,
        "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_edit_access_matrix(cast, call_as, role):
    ticket, answer, *_ = cast.conversation()
    before = everything()
    response = patch(call_as(role), message_url(ticket, answer), {"body": "Restarted it"})
    assert response.status_code == EDIT[role], response.content
    if response.status_code == 200:
        body = response.json()
        assert body["view"] == "staff" and body["body"] == "Restarted it"
        assert body["edited"] is not None
        assert MessageRevision.objects.get().body == "Restartd it"
    else:
        assert everything() == before


@pytest.mark.parametrize("role", ["john", "gary"])
def test_edit_on_an_invisible_ticket_is_a_404(cast, call_as, role):
    ticket, answer, *_ = cast.conversation(department=cast.billing)
    before = everything()
    response = patch(call_as(role), message_url(ticket, answer), {"body": "Changed"})
    assert response.status_code == 404
    assert everything() == before


@pytest.mark.parametrize(("which", "status", "field"), [
    ("later", 403, None), ("answer-empty", 422, "body"), ("unknown", 404, None)])
def test_refused_edits(cast, api_as, which, status, field):
    ticket, answer, _note, later = cast.conversation()
    message = {"later": later, "answer-empty": answer}.get(which)
    url = message_url(ticket, message) if message else (
        f"/api/v1/tickets/{ticket.number}/messages/987654")
    before = everything()
    response = patch(api_as(cast.admin), url, {"body": "  " if which == "answer-empty" else "x"})
    assert response.status_code == status
    assert response.json()["field"] == field
    assert everything() == before


def test_clients_never_get_the_edit_history(cast, api_as):
    ticket, answer, *_ = cast.conversation()
    services.edit_message(cast.john, ticket.number, answer.pk, body="Restarted it")
    alice = api_as(cast.alice)
    for url in (f"/api/v1/tickets/{ticket.number}", f"/api/v1/tickets/{ticket.number}/messages"):
        text = alice.get(url).content.decode()
        assert "Restarted it" in text
        assert "Restartd it" not in text and "edited" not in text and "Disk was full" not in text
    staff = api_as(cast.gary).get(f"/api/v1/tickets/{ticket.number}/messages").json()
    assert [m["edited"] is not None for m in staff] == [False, True, False, False]


# --- GET revisions -------------------------------------------------------------------------------

REVISIONS = {"alice": 403, "bob": 403, "john": 200, "gary": 200, "supervisor": 200,
             "admin": 200, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_revisions_access_matrix(cast, call_as, role):
    ticket, answer, *_ = cast.conversation()
    services.edit_message(cast.john, ticket.number, answer.pk, body="Second")
    services.edit_message(cast.supervisor, ticket.number, answer.pk, body="Third")
    response = call_as(role).get(message_url(ticket, answer, "/revisions"))
    assert response.status_code == REVISIONS[role]
    if response.status_code == 200:
        assert [(r["body"], r["edited_by"]["name"]) for r in response.json()] == [
            ("Restartd it", "John Smith"), ("Second", "Sue Visor")]
    else:
        assert "Restartd it" not in response.content.decode()


def test_revisions_of_an_invisible_ticket_or_unknown_message_are_404(cast, api_as):
    ticket, answer, *_ = cast.conversation(department=cast.billing)
    assert api_as(cast.john).get(message_url(ticket, answer, "/revisions")).status_code == 404
    assert api_as(cast.admin).get(
        f"/api/v1/tickets/{ticket.number}/messages/987654/revisions").status_code == 404


def test_revisions_run_a_constant_number_of_queries(cast, api_as,
                                                    django_assert_max_num_queries):
    ticket, answer, *_ = cast.conversation()
    john = api_as(cast.john)
    services.edit_message(cast.john, ticket.number, answer.pk, body="v1")
    with django_assert_max_num_queries(8) as few:
        assert john.get(message_url(ticket, answer, "/revisions")).status_code == 200
    for i in range(30):
        services.edit_message(cast.supervisor if i % 2 else cast.john, ticket.number,
                              answer.pk, body=f"v{i + 2}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = john.get(message_url(ticket, answer, "/revisions"))
    assert len(response.json()) == 31


# --- Split ----------------------------------------------------------------------------------------

# John holds the ticket: Gary may not reshape it, supervisors and admins may.
SPLIT = {"alice": 403, "bob": 403, "john": 201, "gary": 409, "supervisor": 201, "admin": 201,
         "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_split_access_matrix(cast, call_as, role):
    ticket, *_rest, later = cast.conversation()
    before = everything()
    response = post_json(call_as(role), f"/api/v1/tickets/{ticket.number}/split",
                         {"message_id": later.pk, "subject": "Invoice"})
    assert response.status_code == SPLIT[role], response.content
    if response.status_code == 201:
        body = response.json()
        assert body["view"] == "staff" and body["subject"] == "Invoice"
        assert body["split_from"] == ticket.number and body["state"] == "new"
        assert [m["body"] for m in body["messages"]] == ["And my invoice?"]
        assert Ticket.objects.get(number=body["number"]).split_from_id == ticket.pk
    else:
        assert everything() == before


def test_split_from_the_first_message_is_a_422(cast, api_as):
    ticket, *_ = cast.conversation()
    first = Message.objects.filter(ticket=ticket).order_by("created_at", "id").first()
    before = everything()
    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/split",
                         {"message_id": first.pk})
    assert response.status_code == 422 and response.json()["field"] == "message"
    assert everything() == before


def test_split_of_an_invisible_ticket_is_a_404(cast, api_as):
    ticket, *_rest, later = cast.conversation(department=cast.billing)
    before = everything()
    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/split",
                         {"message_id": later.pk})
    assert response.status_code == 404
    assert everything() == before


# --- Merge ----------------------------------------------------------------------------------------

def duplicates(cast):
    original = cast.open(subject="Site down", body="My site is down")
    services.take(cast.john, original.number)
    services.reply(cast.john, original.number, body="Restarted", close=True)
    duplicate = cast.open(subject="Still down", body="Still down!")
    return original, duplicate


MERGE = {"alice": 403, "bob": 403, "john": 200, "gary": 409, "supervisor": 200, "admin": 200,
         "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_merge_access_matrix(cast, call_as, role):
    original, duplicate = duplicates(cast)
    before = everything()
    response = post_json(call_as(role), f"/api/v1/tickets/{duplicate.number}/merge",
                         {"target": original.number})
    assert response.status_code == MERGE[role], response.content
    if response.status_code == 200:
        body = response.json()
        assert body["number"] == original.number and body["state"] == "open"
        assert [m["body"] for m in body["messages"]] == [
            "My site is down", "Restarted", "Still down!"]
    else:
        assert everything() == before


def test_the_client_is_pointed_at_the_target(cast, api_as):
    original, duplicate = duplicates(cast)
    services.merge(cast.john, duplicate.number, target=original.number)
    alice = api_as(cast.alice)
    body = alice.get(f"/api/v1/tickets/{duplicate.number}").json()
    assert body["view"] == "client" and body["merged_into"] == original.number
    assert body["messages"] == [] and body["actions"] == []
    # Written into the merged request, a message goes on in the target, as a mail would.
    response = post_json(alice, f"/api/v1/tickets/{duplicate.number}/messages", {"body": "Hi"})
    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["id"]).ticket_id == original.pk
    staff = api_as(cast.john).get(f"/api/v1/tickets/{duplicate.number}").json()
    assert staff["merged_into"] == original.number


@pytest.mark.parametrize(("target", "status"), [
    ("self", 422), ("bob", 422), ("hidden", 422), ("unknown", 422), ("zero", 422)])
def test_refused_merges(cast, api_as, target, status):
    _original, duplicate = duplicates(cast)
    number = {
        "self": duplicate.number,
        "bob": cast.open(client=cast.bob).number,
        "hidden": cast.staff_ticket(cast.billing).number,
        "unknown": 987654,
        "zero": 0,
    }[target]
    before = everything()
    response = post_json(api_as(cast.john), f"/api/v1/tickets/{duplicate.number}/merge",
                         {"target": number})
    assert response.status_code == status
    assert everything() == before


def test_merging_into_a_merged_ticket_is_a_conflict(cast, api_as):
    original, duplicate = duplicates(cast)
    services.merge(cast.john, duplicate.number, target=original.number)
    third = cast.open(subject="Third")
    before = everything()
    response = post_json(api_as(cast.john), f"/api/v1/tickets/{third.number}/merge",
                         {"target": duplicate.number})
    assert response.status_code == 409
    assert f"#{original.number}" in response.json()["detail"]
    assert everything() == before


def test_the_schema_lists_the_new_paths(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "patch" in paths["/api/v1/tickets/{number}/messages/{message_id}"]
    for path in ("/api/v1/tickets/{number}/messages/{message_id}/revisions",
                 "/api/v1/tickets/{number}/split", "/api/v1/tickets/{number}/merge"):
        assert path in paths

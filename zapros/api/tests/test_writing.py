"""Writing into a request through the API does in one call what the reply form does: an answer
with a note and the request's parameters, written together or not at all."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zapros.tickets.models import Event, Message, Priority

from .conftest import post_json, snapshot


def url(ticket):
    return f"/api/v1/tickets/{ticket.number}/messages"


def test_an_answer_with_parameters_and_a_note_in_one_call(cast, api_as, held):
    response = post_json(api_as(cast.john), url(held), {
        "body": "Fixed.", "note": "It was the disk", "close": True,
        "parameters": {"priority": Priority.HIGH, "title": "Disk full"},
    })
    assert response.status_code == 201, response.content
    assert response.json()["visibility"] == "public"
    ticket = cast.refresh(held)
    assert (ticket.state, ticket.priority, ticket.title) == ("answered", Priority.HIGH,
                                                            "Disk full")
    assert Message.objects.filter(ticket=held, visibility="internal",
                                  body="It was the disk").exists()
    assert Event.objects.filter(ticket=held, kind=Event.Kind.PARAMETERS).exists()


def test_multipart_carries_files_and_parameters_as_json(cast, api_as, held):
    response = api_as(cast.john).post(url(held), {
        "body": "See the log", "parameters": json.dumps({"type": "bug"}),
        "attachments": [SimpleUploadedFile("log.txt", b"disk full")],
    })
    assert response.status_code == 201, response.content
    assert [a["name"] for a in response.json()["attachments"]] == ["log.txt"]
    assert cast.refresh(held).type == "bug"


def test_a_note_alone_is_an_internal_comment(cast, api_as, held):
    response = post_json(api_as(cast.gary), url(held), {"note": "Seen it before"})
    assert response.status_code == 201, response.content
    assert response.json()["visibility"] == "internal"
    assert cast.refresh(held).holder_id == cast.john.pk


@pytest.mark.parametrize(("who", "payload", "status"), [
    ("john", {"body": "Fixed.", "parameters": {"priority": 99}}, 422),
    ("john", {"body": "Fixed.", "parameters": "{not json"}, 422),
    ("john", {"body": "Fixed.", "parameters": {"colour": "red"}}, 422),
    ("gary", {"body": "Fixed.", "parameters": {"priority": 3}}, 409),
    ("john", {"body": "Hm", "visibility": "internal", "close": True}, 422),
    ("john", {"body": "Hm", "visibility": "internal", "parameters": {"priority": 3}}, 422),
    ("alice", {"body": "Hello", "parameters": {"priority": 3}}, 403),
    ("alice", {"body": "Hello", "visibility": "internal"}, 403),
    ("alice", {"body": "Hello", "note": "psst"}, 403),
    ("bob", {"body": "Hello"}, 404),
])
def test_refusals_write_nothing(cast, api_as, held, who, payload, status):
    before = snapshot()
    response = post_json(api_as(getattr(cast, who)), url(held), payload)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert snapshot() == before


def test_a_client_cannot_open_an_urgent_request_through_the_api(cast, api_as):
    before = snapshot()
    response = post_json(api_as(cast.alice), "/api/v1/tickets", {
        "department": cast.tech.pk, "subject": "Down", "body": "Help", "priority": 4})
    assert response.status_code == 422 and response.json()["field"] == "priority"
    assert snapshot() == before

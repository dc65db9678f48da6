import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zapros.clients.models import Client
from zapros.tickets import services

from .conftest import snapshot

INTERNAL_NOTE = "Internal: the client's server was hacked, do not tell them yet"
INTERNAL_ON_CLOSE = "Escalated to the network team quietly"
STAFF_TITLE = "VIP escalation 7f3a"
CLIENT_COMMENT = "Pays late; always ask for prepayment"


@pytest.fixture
def worked_ticket(cast):
    """Alice's ticket with everything staff-only a ticket can carry."""
    Client.objects.filter(pk=cast.alice.pk).update(internal_comment=CLIENT_COMMENT)
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    services.take(cast.john, ticket.number)
    services.save_parameters(cast.john, ticket.number, title=STAFF_TITLE)
    services.comment(cast.john, ticket.number, body=INTERNAL_NOTE,
                     files=[("internal.txt", b"staff eyes only")])
    services.reply(cast.john, ticket.number, body="We are on it", close=True,
                     note=INTERNAL_ON_CLOSE)
    return ticket


def test_a_client_lists_only_their_own_requests(cast, api_as):
    mine = cast.open(subject="Alice's question")
    cast.open(client=cast.bob, subject="Bob's question")

    body = api_as(cast.alice).get("/api/v1/tickets").json()

    assert [item["number"] for item in body["items"]] == [mine.number]
    assert body["items"][0]["view"] == "client"


def test_a_client_never_sees_anything_staff_only(cast, api_as, worked_ticket):
    client = api_as(cast.alice)
    answers = [
        client.get("/api/v1/tickets"),
        client.get(f"/api/v1/tickets/{worked_ticket.number}"),
        client.get(f"/api/v1/tickets/{worked_ticket.number}/messages"),
    ]

    for response in answers:
        assert response.status_code == 200
        text = response.content.decode()
        for secret in (INTERNAL_NOTE, INTERNAL_ON_CLOSE, STAFF_TITLE, CLIENT_COMMENT,
                       "internal.txt", '"internal"', '"title"', '"state"', '"holder"',
                       '"assignee"', '"needs_reply"', '"internal_comment"', '"priority"'):
            assert secret not in text, secret
    detail = answers[1].json()
    assert detail["view"] == "client"
    assert [m["body"] for m in detail["messages"]] == ["Please help", "We are on it"]
    assert detail["service"]["name"] == "Hosting Pro"
    assert detail["department"]["name"] == "Technical support"


def test_staff_see_internal_comments_the_title_and_the_client_comment(cast, api_as,
                                                                      worked_ticket):
    detail = api_as(cast.john).get(f"/api/v1/tickets/{worked_ticket.number}").json()

    assert detail["view"] == "staff"
    assert detail["title"] == STAFF_TITLE
    assert detail["state"] == "answered"
    assert detail["holder"]["name"] == "John Smith"
    assert detail["client"]["internal_comment"] == CLIENT_COMMENT
    assert [(m["visibility"], m["body"]) for m in detail["messages"]] == [
        ("public", "Please help"),
        ("internal", INTERNAL_NOTE),
        ("public", "We are on it"),
        ("internal", INTERNAL_ON_CLOSE),
    ]
    assert detail["messages"][1]["attachments"][0]["name"] == "internal.txt"


def test_a_client_cannot_download_an_internal_attachment(cast, api_as, worked_ticket):
    attachment = worked_ticket.attachments.get()

    assert api_as(cast.alice).get(f"/api/v1/attachments/{attachment.pk}").status_code == 404
    assert api_as(cast.john).get(f"/api/v1/attachments/{attachment.pk}").status_code == 200


def test_another_clients_request_is_missing_for_a_client(cast, api_as):
    bobs = cast.open(client=cast.bob)
    client = api_as(cast.alice)
    before = snapshot()

    for response in (
        client.get(f"/api/v1/tickets/{bobs.number}"),
        client.get(f"/api/v1/tickets/{bobs.number}/messages"),
        client.post(f"/api/v1/tickets/{bobs.number}/messages", {"body": "hi"},
                    content_type="application/json"),
        client.post(f"/api/v1/tickets/{bobs.number}/archive"),
        client.get(f"/api/v1/tickets/{bobs.number + 1000}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "There is no request with this number.",
                                   "field": None}
    assert snapshot() == before


def test_john_never_sees_sales_requests(cast, api_as):
    sales = cast.staff_ticket(cast.sales)
    tech = cast.open()
    john = api_as(cast.john)
    before = snapshot()

    listed = john.get("/api/v1/tickets", {"include_archived": "true"}).json()
    assert [item["number"] for item in listed["items"]] == [tech.number]
    assert john.get(f"/api/v1/tickets/{sales.number}").status_code == 404
    assert john.get(f"/api/v1/tickets/{sales.number}/messages").status_code == 404
    assert john.post(f"/api/v1/tickets/{sales.number}/take").status_code == 404
    assert john.get("/api/v1/tickets", {"department": cast.sales.pk}).json()["items"] == []
    assert snapshot() == before


def test_gary_sees_sales_requests(cast, api_as):
    sales = cast.staff_ticket(cast.sales)
    tech = cast.open()
    gary = api_as(cast.gary)

    listed = gary.get("/api/v1/tickets").json()
    assert {item["number"] for item in listed["items"]} == {sales.number, tech.number}
    detail = gary.get(f"/api/v1/tickets/{sales.number}").json()
    assert detail["department"]["name"] == "Sales"
    assert gary.post(f"/api/v1/tickets/{sales.number}/take").status_code == 200


def test_reading_a_request_marks_the_answer_seen_for_the_client(cast, api_as):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    client = api_as(cast.alice)

    listed = client.get("/api/v1/tickets").json()["items"][0]
    assert (listed["client_status"], listed["unread"]) == ("new_messages", True)
    client.get(f"/api/v1/tickets/{ticket.number}")

    listed = client.get("/api/v1/tickets").json()["items"][0]
    assert (listed["client_status"], listed["unread"]) == ("viewed", False)


def test_staff_reading_a_request_does_not_mark_it_seen(cast, api_as):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Done", close=True)

    api_as(cast.john).get(f"/api/v1/tickets/{ticket.number}")

    assert cast.refresh(ticket).client_unread


def test_an_attachment_on_a_public_message_downloads_for_its_client_only(cast, api_as):
    ticket = cast.open(files=[SimpleUploadedFile("log.txt", b"error 500")])
    attachment = ticket.attachments.get()

    assert api_as(cast.alice).get(f"/api/v1/attachments/{attachment.pk}").status_code == 200
    assert api_as(cast.bob).get(f"/api/v1/attachments/{attachment.pk}").status_code == 404
    assert api_as(cast.bob).get("/api/v1/attachments/999999").status_code == 404

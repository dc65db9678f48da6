import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zapros.tickets import services
from zapros.tickets.models import Attachment

from .conftest import snapshot, stored_files

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%%EOF\n"


def upload(name, content):
    return SimpleUploadedFile(name, content)


def test_a_client_attaches_files_to_a_reply(cast, api_as):
    ticket = cast.open()

    response = api_as(cast.alice).post(f"/api/v1/tickets/{ticket.number}/messages", {
        "body": "Screenshots attached",
        "attachments": [upload("screen.png", PNG), upload("error.log", b"500 at /cart")],
    })

    assert response.status_code == 201
    files = response.json()["attachments"]
    assert [(f["name"], f["content_type"]) for f in files] == [
        ("screen.png", "image/png"), ("error.log", "text/plain"),
    ]
    assert files[0]["url"] == f"/api/v1/attachments/{files[0]['id']}"
    assert len(stored_files()) == 2


def test_the_holder_answers_with_a_file_and_closes(cast, api_as):
    ticket = cast.open()
    services.take(cast.john, ticket.number)

    response = api_as(cast.john).post(f"/api/v1/tickets/{ticket.number}/messages", {
        "body": "Invoice attached", "close": "true", "attachments": [upload("inv.pdf", PDF)],
    })

    assert response.status_code == 201
    assert response.json()["attachments"][0]["content_type"] == "application/pdf"
    assert cast.refresh(ticket).state == "answered"


@pytest.mark.parametrize(("name", "content"), [
    ("payload.exe", b"MZ\x90\x00"),
    ("page.html", b"<script>alert(1)</script>"),
    ("fake.png", b"<svg onload=alert(1)>"),
    ("empty.txt", b""),
])
def test_a_forbidden_file_refuses_the_whole_message(cast, api_as, name, content):
    ticket = cast.open()
    before = snapshot()

    response = api_as(cast.alice).post(f"/api/v1/tickets/{ticket.number}/messages", {
        "body": "See file", "attachments": [upload("fine.txt", b"ok"), upload(name, content)],
    })

    assert response.status_code == 422
    assert response.json()["field"] == "attachments"
    assert snapshot() == before


@pytest.mark.parametrize(("name", "content", "content_type", "disposition"), [
    ("report.pdf", PDF, "application/pdf", "attachment"),
    ("notes.txt", b"plain words", "text/plain", "attachment"),
    ("screen.png", PNG, "image/png", "inline"),
])
def test_downloads_open_only_images_inline(cast, api_as, name, content, content_type,
                                           disposition):
    ticket = cast.open(files=[upload(name, content)])
    attachment = Attachment.objects.get(ticket=ticket)

    response = api_as(cast.alice).get(f"/api/v1/attachments/{attachment.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith(disposition)
    assert name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == content


def test_an_image_can_be_asked_for_as_a_download(cast, api_as):
    ticket = cast.open(files=[upload("screen.png", PNG)])
    attachment = Attachment.objects.get(ticket=ticket)

    response = api_as(cast.alice).get(f"/api/v1/attachments/{attachment.pk}",
                                      {"download": "true"})

    assert response["Content-Disposition"].startswith("attachment")


def test_the_portal_download_answers_with_the_same_headers(cast, api_as, logged_in):
    ticket = cast.open(files=[upload("report.pdf", PDF)])
    attachment = Attachment.objects.get(ticket=ticket)

    from_api = api_as(cast.alice).get(f"/api/v1/attachments/{attachment.pk}")
    from_portal = logged_in(cast.alice).get(f"/files/{attachment.pk}/")

    for header in ("Content-Type", "Content-Disposition", "X-Content-Type-Options",
                   "Content-Security-Policy", "Cache-Control"):
        assert from_api[header] == from_portal[header], header

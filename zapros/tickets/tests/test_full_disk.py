"""A full disk refuses the message with a clear error and leaves no file without its row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from zapros.api.models import ApiToken
from zapros.mail import ingest
from zapros.mail.models import InboundMail
from zapros.mail.tests.corpus import plain
from zapros.tickets import attachments, services
from zapros.tickets.models import Attachment, Event, Message

from .full_disk import SIZE, files_under, full_disk  # noqa: F401 (a fixture)

BIG = b"x" * (2 * SIZE)  # text, larger than the whole disk


def state(ticket):
    return (Message.objects.filter(ticket=ticket).count(), Attachment.objects.count(),
            Event.objects.filter(ticket=ticket).count())


def test_a_file_the_disk_cannot_hold_refuses_the_reply_and_leaves_no_file(
        cast, full_disk):  # noqa: F811
    ticket = cast.held()
    before = state(ticket)
    with pytest.raises(attachments.StorageFull) as refusal:
        services.reply(cast.john, ticket.number, body="Logs attached", files=[
            ("small.txt", b"fits\n"), ("huge.log", BIG)])
    assert refusal.value.status == 507 and refusal.value.field == "attachments"
    assert "“huge.log” could not be saved on the server" in str(refusal.value.message)
    assert state(ticket) == before
    assert files_under(full_disk) == []  # neither the partial file nor the one before it


def test_the_api_answers_507_and_the_page_a_form_error(
        cast, full_disk, logged_in):  # noqa: F811
    ticket = cast.held()
    before = state(ticket)
    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(cast.john, 'x')[1]}"})
    response = api.post(f"/api/v1/tickets/{ticket.number}/messages", {
        "body": "Logs", "attachments": [SimpleUploadedFile("huge.log", BIG, "text/plain")]})
    assert response.status_code == 507
    assert response.json()["field"] == "attachments"
    assert "could not be saved on the server" in response.json()["detail"]

    response = logged_in(cast.john).post(reverse("staff:reply", args=[ticket.number]), {
        "action": "send", "body": "Logs", "note": "", "subject": ticket.subject,
        "title": ticket.title, "service": ticket.service_id or "", "type": ticket.type,
        "priority": ticket.priority, "topic": ticket.topic_id or "",
        "attachments": [SimpleUploadedFile("huge.log", BIG, "text/plain")]})
    assert response.status_code == 200
    assert "“huge.log” could not be saved on the server" in response.content.decode()
    assert state(ticket) == before and files_under(full_disk) == []


def test_a_mail_the_disk_cannot_hold_is_not_imported_and_leaves_no_eml(
        cast, gateway, full_disk):  # noqa: F811
    raw = plain("A long log line\r\n" * (SIZE // 8))
    with pytest.raises(attachments.StorageFull):
        ingest.receive(gateway, raw)
    assert InboundMail.objects.count() == 0 and files_under(full_disk) == []

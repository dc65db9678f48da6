"""A full disk: the reply form shows the error next to the files and nothing is kept."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zapros.tickets.tests.full_disk import files_under, full_disk  # noqa: F401 (a fixture)
from zapros.tickets.tests.test_full_disk import BIG, state


def test_the_reply_form_shows_a_file_the_disk_cannot_hold(
        cast, full_disk, logged_in):  # noqa: F811
    ticket = cast.held()
    before = state(ticket)
    response = logged_in(cast.john).post(reverse("staff:reply", args=[ticket.number]), {
        "action": "send", "body": "Logs", "note": "", "subject": ticket.subject,
        "title": ticket.title, "service": ticket.service_id or "", "type": ticket.type,
        "priority": ticket.priority, "topic": ticket.topic_id or "",
        "attachments": [SimpleUploadedFile("huge.log", BIG, "text/plain")]})
    assert response.status_code == 200
    assert "“huge.log” could not be saved on the server" in response.content.decode()
    assert state(ticket) == before and files_under(full_disk) == []



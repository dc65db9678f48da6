"""A full disk: the API answers 507 in the caller's language and keeps nothing."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zapros.api.models import ApiToken
from zapros.tickets.tests.full_disk import files_under, full_disk  # noqa: F401 (a fixture)
from zapros.tickets.tests.test_full_disk import BIG, state


def test_the_api_answers_507_and_keeps_nothing(
        cast, full_disk):  # noqa: F811
    ticket = cast.held()
    before = state(ticket)
    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(cast.john, 'x')[1]}"})
    response = api.post(f"/api/v1/tickets/{ticket.number}/messages", {
        "body": "Logs", "attachments": [SimpleUploadedFile("huge.log", BIG, "text/plain")]})
    assert response.status_code == 507
    assert response.json()["field"] == "attachments"
    assert "could not be saved on the server" in response.json()["detail"]
    assert state(ticket) == before and files_under(full_disk) == []

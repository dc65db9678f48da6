"""A full disk refuses the message with a clear error and leaves no file without its row."""

import pytest

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

"""A full disk: a mail is not imported, leaves no .eml, and stays unread for the next poll."""

import pytest

from zapros.mail import ingest
from zapros.mail.models import InboundMail
from zapros.tickets import attachments
from zapros.tickets.tests.full_disk import SIZE, files_under, full_disk  # noqa: F401

from .corpus import plain


def test_a_mail_the_disk_cannot_hold_is_not_imported_and_leaves_no_eml(
        cast, gateway, full_disk):  # noqa: F811
    raw = plain("A long log line\r\n" * (SIZE // 8))
    with pytest.raises(attachments.StorageFull):
        ingest.receive(gateway, raw)
    assert InboundMail.objects.count() == 0 and files_under(full_disk) == []

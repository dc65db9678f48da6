"""Two pollers importing at once (PostgreSQL only: SQLite serialises the writers)."""

import pytest

from zapros.mail import ingest
from zapros.mail.models import InboundMail
from zapros.tickets.models import Message, Ticket
from zapros.tickets.tests.test_concurrency import needs_postgres, race

from .corpus import plain

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_mail_imported_twice_at_once_becomes_one_request(cast, gateway):
    needs_postgres()
    raw = plain("Сайт не открывается", message_id="<raced@mailer.example>")
    again = b"Received: from relay2.example; Mon, 3 Mar 2025\r\n" + raw

    results = race(lambda: ingest.receive(gateway, raw), lambda: ingest.receive(gateway, again))

    assert sorted(results) == [ingest.DUPLICATE, "ticket"]
    assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 1
    gateway.refresh_from_db()
    assert (gateway.imported_count, gateway.duplicate_count) == (1, 1)


def test_two_mails_sharing_a_message_id_imported_at_once_are_both_kept(cast, gateway):
    needs_postgres()
    first = plain("Первое", message_id="<shared@mailer.example>")
    second = plain("Второе", message_id="<shared@mailer.example>")

    results = race(lambda: ingest.receive(gateway, first), lambda: ingest.receive(gateway, second))

    assert results == ["ticket", "ticket"]
    assert sorted(Message.objects.values_list("body", flat=True)) == ["Второе", "Первое"]

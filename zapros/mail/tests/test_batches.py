"""Polling in batches: many mails per IMAP round trip, marked read only after their imports
committed, the flood limit and client lookups right across batches, few queries per mail."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zapros.mail import fetching, ingest, polling
from zapros.mail.models import InboundMail
from zapros.tickets.models import Ticket

from .corpus import STRANGER, plain
from .test_polling import imap_gateway


def test_batches_respect_count_and_size_and_fetch_unknown_sizes_alone(settings):
    settings.ZAPROS_MAIL_FETCH_MAILS = 3
    settings.ZAPROS_MAIL_FETCH_BYTES = 100
    keys = [str(n) for n in range(1, 9)]
    sizes = {"1": 10, "2": 10, "3": 10, "4": 10, "5": 91, "6": 500, "7": 20, "8": 20}
    assert polling.batches(keys, sizes) == [["1", "2", "3"], ["4"], ["5"], ["6"], ["7", "8"]]
    assert polling.batches(keys[:3], {}) == [["1"], ["2"], ["3"]]
    assert polling.batches([], {}) == []


def test_a_poll_in_batches_imports_marks_and_throttles_like_one_by_one(cast, mail_server,
                                                                       settings):
    settings.ZAPROS_MAIL_FETCH_MAILS = 3
    settings.ZAPROS_MAIL_FLOOD_LIMIT = 4
    gateway, login = imap_gateway(mail_server, cast.tech)
    for n in range(7):
        mail_server.deliver(login, plain(f"Alice {n}"))
        mail_server.deliver(login, plain(f"Stranger {n}", sender=STRANGER))

    result = polling.poll(gateway.pk)

    assert result.error == ""
    assert result.outcomes == {"ticket": 4, "throttled": 6, "incoming": 4}
    assert Ticket.objects.count() == 4
    assert mail_server.unseen_count(login) == 0
    gateway.refresh_from_db()
    assert (gateway.imported_count, gateway.incoming_count, gateway.throttled_count) == (4, 4, 6)
    # Within the window the next poll goes on counting from the database.
    mail_server.deliver(login, plain("Alice again"))
    assert polling.poll(gateway.pk).outcomes == {"throttled": 1}


def test_fetch_many_answers_by_uid_and_leaves_out_mail_deleted_meanwhile(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    raws = [plain(f"Mail {n}") for n in range(3)]
    for raw in raws:
        mail_server.deliver(login, raw)
    box = fetching.open_mailbox(polling.account(gateway), timeout=5)
    try:
        keys = box.unseen()
        assert set(box.sizes(keys)) == set(keys)
        # Someone deletes the second mail between the search and the fetch.
        other = mail_server.imap(login)
        other.select("INBOX")
        other.uid("STORE", keys[1], "+FLAGS", r"(\Deleted)")
        other.expunge()
        other.logout()
        fetched = box.fetch_many(keys)
        assert set(fetched) == {keys[0], keys[2]}
        assert [b"Mail 0" in fetched[keys[0]], b"Mail 2" in fetched[keys[2]]] == [True, True]
        # PEEK: fetching marked nothing.
        assert mail_server.unseen_count(login) == 2
        box.done_many([keys[0]])
        assert mail_server.unseen_count(login) == 1
    finally:
        box.close()


@pytest.mark.parametrize("mails", [1, 5])
def test_a_new_request_by_mail_takes_a_fixed_number_of_queries(cast, gateway, mails):
    memo = ingest.Memo()
    assert ingest.receive(gateway, plain("Warm up"), memo=memo) == "ticket"
    with CaptureQueriesContext(connection) as queries:
        for n in range(mails):
            assert ingest.receive(gateway, plain(f"Mail {n}"), memo=memo) == "ticket"
    # The client and the flood count come from the poll's memo; what is left is the request.
    assert len(queries) <= 20 * mails, [q["sql"][:80] for q in queries.captured_queries]
    assert InboundMail.objects.filter(status="ticket").count() == mails + 1

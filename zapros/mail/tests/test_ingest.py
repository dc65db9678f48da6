"""Importing each corpus mail through a gateway: what it becomes, and what it leaves."""

import quopri

import pytest

from zapros.mail import ingest
from zapros.mail.models import InboundMail
from zapros.tickets import services
from zapros.tickets.models import Attachment, Message, Ticket
from zapros.tickets.states import State

from .corpus import CORPUS, STRANGER, plain


def _prepare(cast, case):
    """A ticket of Alice's for the replies to land in; the raw mail with its tag filled in."""
    ticket = cast.open(subject="Site is down")
    raw = case.raw.replace(b"[#TAG]", f"[#{ticket.number}]".encode())
    if case.seed_message_id:
        Message.objects.filter(ticket=ticket).update(email_message_id=case.seed_message_id)
    return ticket, raw


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_corpus_mail_ends_where_it_should(cast, gateway, name):
    case = CORPUS[name]
    ticket, raw = _prepare(cast, case)
    tickets_before = Ticket.objects.count()
    messages_before = Message.objects.filter(ticket=ticket).count()

    outcome = ingest.receive(gateway, raw)

    assert outcome == case.status
    gateway.refresh_from_db()
    if case.status == "not_ours":
        assert InboundMail.objects.count() == 0
        return
    mail = InboundMail.objects.get()
    assert mail.status == case.status
    assert mail.raw.open("rb").read() == raw
    if case.status == "ticket":
        new = Ticket.objects.exclude(pk=ticket.pk).get()
        assert new.department == cast.tech and new.client.user == cast.alice
        assert mail.ticket == new and mail.ticket_message.ticket == new
        first = new.messages.get(author_kind=Message.AuthorKind.CLIENT)
        assert first.channel == Message.Channel.EMAIL
        assert first.email_message_id == mail.message_id
        if case.text:
            assert case.text in first.body
        if case.subject:
            assert new.subject == case.subject
        assert sorted(a.original_name for a in first.attachments.all()) == sorted(case.files)
        notes = new.messages.filter(author_kind=Message.AuthorKind.SYSTEM)
        assert notes.count() == case.notes
        assert all(n.visibility == Message.Visibility.INTERNAL for n in notes)
        assert gateway.imported_count == 1
    elif case.status == "reply":
        assert Ticket.objects.count() == tickets_before
        assert mail.ticket == ticket
        message = mail.ticket_message
        assert message.ticket == ticket and message.author == cast.alice
        assert message.email_message_id == mail.message_id
        if case.text:
            assert case.text in message.body
        assert gateway.imported_count == 1
    else:
        assert Ticket.objects.count() == tickets_before
        assert Message.objects.filter(ticket=ticket).count() == messages_before
        assert mail.ticket is None
        counter = {"incoming": "incoming_count", "auto_reply": "auto_count",
                   "bounce": "auto_count"}.get(case.status)
        if counter:
            assert getattr(gateway, counter) == 1


def test_the_same_mail_twice_is_imported_once(cast, gateway):
    raw = CORPUS["utf8"].raw
    assert ingest.receive(gateway, raw) == "ticket"
    assert ingest.receive(gateway, raw) == ingest.DUPLICATE
    assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 1
    gateway.refresh_from_db()
    assert (gateway.imported_count, gateway.duplicate_count) == (1, 1)


def test_a_different_mail_with_a_reused_message_id_is_imported(cast, gateway):
    first = plain("First words", message_id="<same@x>")
    second = plain("Other words", message_id="<same@x>")
    assert ingest.receive(gateway, first) == "ticket"
    assert ingest.receive(gateway, second) == "ticket"
    assert sorted(Message.objects.values_list("body", flat=True)) == [
        "First words", "Other words"]
    assert ingest.receive(gateway, second) == ingest.DUPLICATE
    assert InboundMail.objects.count() == 2


def _redelivered(raw: bytes) -> bytes:
    """``raw`` as a second server hands it over: its own trace headers on top, the 8-bit
    text re-encoded as quoted-printable."""
    head, _, body = raw.partition(b"\r\n\r\n")
    head = head.replace(b"Content-Transfer-Encoding: 8bit",
                        b"Content-Transfer-Encoding: quoted-printable")
    return (b"Return-Path: <alice@example.com>\r\nReceived: from mx2.example; Tue, 4 Mar 2025\r\n"
            + head + b"\r\n\r\n" + quopri.encodestring(body))


@pytest.mark.parametrize("message_id", [True, False])
def test_a_mail_delivered_again_by_another_server_is_a_duplicate(cast, gateway, message_id):
    raw = plain("Сайт не открывается", message_id=message_id)
    assert ingest.receive(gateway, raw) == "ticket"
    assert ingest.receive(gateway, _redelivered(raw)) == ingest.DUPLICATE
    assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 1
    gateway.refresh_from_db()
    assert (gateway.imported_count, gateway.duplicate_count) == (1, 1)


def _legacy_row(gateway, key: str, raw: bytes) -> InboundMail:
    """A mail kept before keys held the content."""
    from django.core.files.base import ContentFile

    row = InboundMail(gateway=gateway, key=key, status=InboundMail.Status.TICKET,
                      storage_key=key[-32:], size=len(raw))
    row.raw.save(row.storage_key, ContentFile(raw), save=True)
    return row


def test_mails_kept_under_the_older_keys_are_still_imported_once(cast, gateway):
    import hashlib

    by_id = plain("Kept by its Message-ID", message_id="<old@x>")
    by_bytes = plain("Kept by its bytes", message_id=False)
    _legacy_row(gateway, "id:<old@x>", by_id)
    _legacy_row(gateway, f"sha256:{hashlib.sha256(by_bytes).hexdigest()}", by_bytes)

    assert ingest.receive(gateway, _redelivered(by_id)) == ingest.DUPLICATE
    assert ingest.receive(gateway, by_bytes) == ingest.DUPLICATE
    assert Ticket.objects.count() == 0
    # Another mail under the old Message-ID is another mail.
    assert ingest.receive(gateway, plain("New words", message_id="<old@x>")) == "ticket"
    assert InboundMail.objects.count() == 3


def test_undeclared_text_is_read_for_the_sites_languages(cast, gateway, settings):
    raw = plain("Добрый день".encode("koi8-r"), charset="")
    assert ingest.receive(gateway, raw) == "ticket"
    assert Message.objects.get().body == "Добрый день"
    settings.LANGUAGES = [("zh-hans", "Chinese")]
    assert ingest.receive(gateway, plain("Добрый день".encode("koi8-r"), charset="")) == "ticket"
    assert Message.objects.latest("id").body != "Добрый день"


def test_mails_without_message_id_are_told_apart_by_content(cast, gateway):
    assert ingest.receive(gateway, plain("One", message_id=False)) == "ticket"
    assert ingest.receive(gateway, plain("Two", message_id=False)) == "ticket"
    assert ingest.receive(gateway, plain("One", message_id=False)) == ingest.DUPLICATE
    assert Ticket.objects.count() == 2


def test_a_tag_of_another_clients_ticket_opens_a_new_ticket(cast, gateway):
    bobs = cast.open(client=cast.bob)
    raw = plain("Hijack attempt", subject=f"Re: [#{bobs.number}] hello")
    assert ingest.receive(gateway, raw) == "ticket"
    assert bobs.messages.count() == 1
    assert Ticket.objects.filter(client__user=cast.alice).count() == 1


def test_a_header_naming_another_clients_mail_opens_a_new_ticket(cast, gateway):
    bobs = cast.open(client=cast.bob)
    bobs.messages.update(email_message_id="<bobs-mail@x>")
    raw = plain("Hijack by header", extra="In-Reply-To: <bobs-mail@x>")
    assert ingest.receive(gateway, raw) == "ticket"
    assert bobs.messages.count() == 1


def test_a_reply_reopens_an_answered_ticket(cast, gateway):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Fixed", close=True)
    services.unlock(cast.supervisor, ticket.number)
    assert cast.refresh(ticket).state == State.ANSWERED
    raw = plain("Broken again", subject=f"Re: [#{ticket.number}] Site is down")
    assert ingest.receive(gateway, raw) == "reply"
    assert cast.refresh(ticket).state == State.NEW


def test_a_reply_into_an_archived_ticket_reopens_it(cast, gateway):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Fixed", close=True)
    services.archive(cast.alice, ticket.number)
    raw = plain("Again", subject=f"[#{ticket.number}]")
    assert ingest.receive(gateway, raw) == "reply"
    assert cast.refresh(ticket).state == State.OPEN


def test_a_gateway_routes_into_its_department_even_one_clients_cannot_choose(cast):
    from .conftest import make_gateway

    sales = make_gateway(cast.sales, address="sales@zapros.test")
    raw = plain("Offer please", to="sales@zapros.test")
    assert ingest.receive(sales, raw) == "ticket"
    assert Ticket.objects.get().department == cast.sales


def test_a_flooding_sender_is_throttled(cast, gateway, settings):
    settings.ZAPROS_MAIL_FLOOD_LIMIT = 3
    outcomes = [ingest.receive(gateway, plain(f"Mail {n}")) for n in range(5)]
    assert outcomes == ["ticket"] * 3 + ["throttled"] * 2
    assert Ticket.objects.count() == 3
    gateway.refresh_from_db()
    assert gateway.throttled_count == 2


def test_an_unknown_sender_goes_to_incoming_with_nothing_else_written(cast, gateway):
    assert ingest.receive(gateway, plain("Hello", sender=STRANGER)) == "incoming"
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_an_inactive_client_goes_to_incoming(cast, gateway):
    cast.alice.is_active = False
    cast.alice.save()
    assert ingest.receive(gateway, plain("Hello")) == "incoming"
    assert Ticket.objects.count() == 0


def test_a_failed_import_leaves_no_row_and_no_file(cast, gateway, settings, tmp_path):
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:  # a real database refusal during the import
        cursor.execute("DROP TABLE tickets_attachment")
    raw = CORPUS["nested"].raw
    with pytest.raises(DatabaseError):
        ingest.receive(gateway, raw)
    assert InboundMail.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_a_reply_to_a_merged_request_lands_in_the_request_it_was_merged_into(cast, db):
    from zapros.tickets import services
    from zapros.tickets.models import Message, Ticket

    source = cast.open(subject="Backups fail")
    target = cast.open(subject="Backups are slow")
    services.merge(cast.supervisor, source.number, target=target.number)

    message = services.client_reply(
        cast.alice, source.number, body="Still failing tonight.", channel=Message.Channel.EMAIL,
        email_message_id="<merged-reply@alice.example>",
    )

    assert message.ticket_id == target.pk
    assert Ticket.objects.get(pk=source.pk).state == "archived"
    assert Message.objects.filter(ticket=source).count() == 0

"""Polling real mailboxes on a local Dovecot, over IMAP and POP3, with the faults that happen:
a connection lost between import and mark, a server that is down, a wrong password."""

import select

import pytest

from zapros.core.errors import ValidationFailed
from zapros.mail import fetching, gateways, ingest, polling, secrets
from zapros.mail.models import InboundMail, MailGateway, Pop3Seen
from zapros.tickets.models import Message, Ticket

from .conftest import make_gateway
from .corpus import ALIAS, CORPUS, GATEWAY, STRANGER, plain


def imap_gateway(server, department, *, address=GATEWAY, **fields):
    login, password = server.mailbox()
    return make_gateway(department, address=address, password=password, login=login,
                        port=server.imap_port, **fields), login


def pop3_gateway(server, department, mode, *, address=GATEWAY):
    login, password = server.mailbox()
    return make_gateway(department, address=address, password=password, login=login,
                        protocol="pop3", port=server.pop3_port, pop3_mode=mode), login


def test_imap_imports_unread_mail_for_its_address_and_marks_it_read(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    mail_server.deliver(login, plain("Known client"))
    mail_server.deliver(login, plain("Unknown sender", sender=STRANGER))
    mail_server.deliver(login, plain("For the alias only", to=ALIAS))
    mail_server.deliver(login, CORPUS["auto_submitted"].raw)
    mail_server.deliver(login, CORPUS["empty"].raw)

    result = polling.poll(gateway.pk)

    assert result.error == ""
    # The server searches for the address; the alias mail is never even fetched.
    assert result.outcomes == {"ticket": 1, "incoming": 1, "auto_reply": 1, "empty": 1}
    assert Ticket.objects.count() == 1
    # Only the alias mail, which is not ours, stays unread.
    assert mail_server.unseen_count(login) == 1
    gateway.refresh_from_db()
    assert gateway.last_success_at is not None and gateway.last_error == ""
    assert (gateway.imported_count, gateway.incoming_count, gateway.auto_count) == (1, 1, 1)
    assert gateway.left_unread == 0   # the server's search never sent the alias mail

    again = polling.poll(gateway.pk)
    assert again.outcomes == {}
    assert InboundMail.objects.count() == 4


def test_mail_already_read_on_the_server_is_not_taken(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    mail_server.deliver(login, plain("Read by a person"))
    conn = mail_server.imap(login)
    conn.select("INBOX")
    conn.store("1", "+FLAGS", r"(\Seen)")
    conn.logout()
    assert polling.poll(gateway.pk).outcomes == {}
    assert Ticket.objects.count() == 0


def test_a_crash_between_import_and_mark_imports_nothing_twice(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    for n in range(3):
        mail_server.deliver(login, plain(f"Mail {n}"))
    # The import step runs and commits; the connection goes before any mail is marked.
    box = fetching.open_mailbox(polling.account(gateway), timeout=5)
    for key in box.unseen():
        assert ingest.receive(gateway, box.fetch(key)) == "ticket"
    box.conn.shutdown()
    assert mail_server.unseen_count(login) == 3

    result = polling.poll(gateway.pk)

    assert result.outcomes == {ingest.DUPLICATE: 3}
    assert Ticket.objects.count() == 3 and InboundMail.objects.count() == 3
    assert mail_server.unseen_count(login) == 0
    gateway.refresh_from_db()
    assert gateway.duplicate_count == 3


def test_a_connection_killed_by_the_server_mid_poll_recovers_next_time(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    for n in range(2):
        mail_server.deliver(login, plain(f"Mail {n}"))
    box = fetching.open_mailbox(polling.account(gateway), timeout=5)
    keys = box.unseen()
    raw = box.fetch(keys[0])
    assert ingest.receive(gateway, raw) == "ticket"
    # The server drops the session after the fetch and before the flag; wait for its goodbye.
    mail_server.kick(login)
    assert select.select([box.conn.sock], [], [], 10)[0]
    with pytest.raises(fetching.MailboxError):
        box.done(keys[0])
    box.close()

    result = polling.poll(gateway.pk)

    assert result.error == ""
    assert result.outcomes == {ingest.DUPLICATE: 1, "ticket": 1}
    assert Ticket.objects.count() == 2
    assert mail_server.unseen_count(login) == 0


def test_a_server_that_is_down_is_recorded_and_the_next_poll_recovers(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    mail_server.deliver(login, plain("Waiting"))
    mail_server.stop()

    result = polling.poll(gateway.pk)

    assert "refused" in result.error
    gateway.refresh_from_db()
    assert "refused" in gateway.last_error and gateway.last_success_at is None
    assert gateway.poll_started_at is None
    mail_server.start(keep_ports=True)
    assert polling.poll(gateway.pk).outcomes == {"ticket": 1}
    gateway.refresh_from_db()
    assert gateway.last_error == "" and gateway.last_success_at is not None


def test_a_wrong_password_is_recorded_in_the_servers_words(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    mail_server.deliver(login, plain("Waiting"))
    MailGateway.objects.filter(pk=gateway.pk).update(
        password_encrypted=secrets.encrypt("wrong"))

    result = polling.poll(gateway.pk)

    assert "Authentication failed" in result.error
    assert Ticket.objects.count() == 0 and mail_server.unseen_count(login) == 1


def test_one_failing_gateway_does_not_stop_the_others(cast, mail_server):
    broken, _login = imap_gateway(mail_server, cast.tech)
    MailGateway.objects.filter(pk=broken.pk).update(port=1)
    _working, login = imap_gateway(mail_server, cast.billing, address="billing@zapros.test")
    mail_server.deliver(login, plain("Invoice question", to="billing@zapros.test"))

    results = polling.poll_due()

    assert [bool(r.error) for r in results] == [True, False]
    assert Ticket.objects.get().department == cast.billing
    broken.refresh_from_db()
    assert broken.last_error


def test_the_periodic_task_polls_only_gateways_that_are_due(cast, mail_server):
    from zapros.mail import tasks

    gateway, login = imap_gateway(mail_server, cast.tech)
    _disabled, other = imap_gateway(mail_server, cast.tech, address="off@zapros.test",
                                   enabled=False)
    mail_server.deliver(login, plain("First"))
    mail_server.deliver(other, plain("Never", to="off@zapros.test"))
    tasks.poll_mail_gateways.call_local()
    assert Ticket.objects.count() == 1
    mail_server.deliver(login, plain("Second"))
    tasks.poll_mail_gateways.call_local()   # polled a moment ago: not due yet
    assert Ticket.objects.count() == 1
    gateways.poll_now(cast.admin, gateway.pk)   # "Poll now" does not wait
    assert Ticket.objects.count() == 2
    assert mail_server.unseen_count(other) == 1


@pytest.mark.parametrize("mode", ["keep", "delete"])
def test_pop3_imports_each_mail_once_by_uidl(cast, mail_server, mode):
    gateway, login = pop3_gateway(mail_server, cast.tech, mode)
    mail_server.deliver(login, plain("By POP3"))
    mail_server.deliver(login, plain("Not ours", to=ALIAS))

    assert polling.poll(gateway.pk).outcomes == {"ticket": 1, "not_ours": 1}
    assert Pop3Seen.objects.filter(gateway=gateway).count() == 2
    mail_server.deliver(login, plain("Second by POP3"))
    assert polling.poll(gateway.pk).outcomes == {"ticket": 1}
    assert Ticket.objects.count() == 2
    # Delete mode removes what it imported and leaves other people's mail alone.
    assert mail_server.message_count(login) == (3 if mode == "keep" else 1)


def test_pop3_crash_before_quit_keeps_the_mail_and_imports_it_once(cast, mail_server):
    gateway, login = pop3_gateway(mail_server, cast.tech, "delete")
    mail_server.deliver(login, plain("Fragile"))
    box = fetching.open_mailbox(polling.account(gateway), timeout=5)
    key = box.unseen()[0]
    assert ingest.receive(gateway, box.fetch(key)) == "ticket"
    box.done(key)
    box.close()   # dropped without QUIT: the server undoes the deletion
    assert mail_server.message_count(login) == 1

    assert polling.poll(gateway.pk).outcomes == {ingest.DUPLICATE: 1}
    assert Ticket.objects.count() == 1 and mail_server.message_count(login) == 0


def test_test_connection_answers_with_success_or_a_failure(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    mail_server.deliver(login, plain("One"))
    assert "1" in gateways.test_connection(cast.admin, gateway.pk)
    MailGateway.objects.filter(pk=gateway.pk).update(password_encrypted=secrets.encrypt("x"))
    with pytest.raises(ValidationFailed, match="The connection failed"):
        gateways.test_connection(cast.admin, gateway.pk)
    MailGateway.objects.filter(pk=gateway.pk).update(port=1)
    with pytest.raises(ValidationFailed, match="The connection failed"):
        gateways.test_connection(cast.admin, gateway.pk)


def test_a_mail_the_sender_sent_twice_and_another_reusing_its_message_id(cast, mail_server):
    gateway, login = imap_gateway(mail_server, cast.tech)
    raw = plain("Первое письмо", message_id="<retried@mailer.example>")
    # The sender's server retried after a timeout: the same mail with one more trace header.
    mail_server.deliver(login, raw)
    mail_server.deliver(login, b"Received: from relay2.example; Mon, 3 Mar 2025\r\n" + raw)
    # A broken mailer that gives every mail the same Message-ID.
    mail_server.deliver(login, plain("Другое письмо", message_id="<retried@mailer.example>"))

    result = polling.poll(gateway.pk)

    assert result.outcomes == {"ticket": 2, ingest.DUPLICATE: 1}
    assert sorted(Message.objects.values_list("body", flat=True)) == [
        "Другое письмо", "Первое письмо"]
    assert mail_server.unseen_count(login) == 0


@pytest.mark.parametrize("to", [
    f'"Support | Acme [EU]" <{GATEWAY}>',
    f"Support [tickets] <{GATEWAY}>",
    f'"a@b" <{GATEWAY}>, "Other | one" <other@example.org>',
])
def test_imap_finds_mail_whatever_the_display_name_around_the_address(cast, mail_server, to):
    gateway, login = imap_gateway(mail_server, cast.tech)
    mail_server.deliver(login, plain("Odd display name", to=to))

    result = polling.poll(gateway.pk)

    assert result.error == "" and result.outcomes == {"ticket": 1}
    assert mail_server.unseen_count(login) == 0


def test_mail_fetched_but_not_addressed_to_the_gateway_is_shown_on_its_page(
        cast, mail_server, logged_in):
    from django.urls import reverse

    gateway, login = imap_gateway(mail_server, cast.tech)
    # The server's header search finds the address inside a longer one; the parser knows.
    mail_server.deliver(login, plain(to=f"x{GATEWAY}", subject="Close but not ours"))

    assert polling.poll(gateway.pk).outcomes == {ingest.NOT_OURS: 1}

    gateway.refresh_from_db()
    assert gateway.left_unread == 1 and f"x{GATEWAY}" in gateway.left_unread_example
    assert mail_server.unseen_count(login) == 1
    page = logged_in(cast.admin).get(reverse("staff:gateway", args=[gateway.pk]))
    assert "Close but not ours" in page.content.decode()

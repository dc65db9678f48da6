"""Mail about tickets, checked on what a real SMTP server (aiosmtpd on 127.0.0.1) receives."""

import pytest

from zapros.accounts.models import User
from zapros.notify.models import OutgoingMail
from zapros.tickets import services
from zapros.tickets.models import Message

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def mailing(smtp_server, django_capture_on_commit_callbacks):
    """Run a service call and let its mail go out, as after a real commit."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def tech(cast):
    cast.tech.outgoing_email = "tech@support.example"
    cast.tech.save()
    return cast.tech


def every_text(message) -> str:
    """Subject, every text part and every attachment name of a received mail."""
    parts = [message["Subject"]]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
        if part.get_filename():
            parts.append(part.get_filename())
    return "\n".join(parts)


def test_a_public_reply_is_mailed_to_the_client_threaded(cast, tech, smtp_server, mailing):
    ticket = cast.held(subject="Site is down")
    reply = mailing(services.reply, cast.john, ticket.number, body="Restarted <b>it</b>.",
                    close=False, files=[("report.pdf", PDF)])

    [mail] = smtp_server.to("alice@example.com")
    assert mail["From"] == "Technical support <tech@support.example>"
    assert mail["To"] == "alice@example.com"
    assert mail["Reply-To"] == "tech@support.example"
    assert mail["Subject"] == f"Re: Site is down [#{ticket.number}]"
    reply.refresh_from_db()
    assert reply.email_message_id and mail["Message-ID"] == reply.email_message_id
    assert reply.email_message_id.endswith("@support.example>")
    assert mail["In-Reply-To"] is None  # nothing of the thread went by mail yet
    text = mail.get_body(("plain",)).get_content()
    assert "Restarted <b>it</b>." in text and "John Smith" in text
    assert f"http://localhost:8000/portal/requests/{ticket.number}/#m{reply.pk}" in text
    html = mail.get_body(("html",)).get_content()
    assert "Restarted &lt;b&gt;it&lt;/b&gt;." in html and "<b>it" not in html
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == "report.pdf" and attached.get_content() == PDF


def test_in_reply_to_and_references_follow_the_thread(cast, tech, smtp_server, mailing):
    ticket = cast.held()
    first = mailing(services.reply, cast.john, ticket.number, body="One", close=False)
    # The client answers by mail; the inbound side keeps its Message-ID on the message.
    client_mail = services.client_reply(cast.alice, ticket.number, body="Still down",
                                        channel=Message.Channel.EMAIL,
                                        email_message_id="<from-alice@example.com>")
    second = mailing(services.reply, cast.john, ticket.number, body="Two", close=False)
    first.refresh_from_db()
    second.refresh_from_db()

    mails = smtp_server.to("alice@example.com")
    assert [m["Message-ID"] for m in mails] == [first.email_message_id,
                                               second.email_message_id]
    assert mails[1]["In-Reply-To"] == client_mail.email_message_id
    assert mails[1]["References"].split() == [first.email_message_id,
                                              client_mail.email_message_id]
    assert len({first.email_message_id, second.email_message_id}) == 2


def test_references_stay_bounded_and_keep_the_first_mail(cast, tech, smtp_server, mailing):
    ticket = cast.held()
    ids = []
    for i in range(14):
        message = services.reply(cast.john, ticket.number, body=f"Answer {i}", close=False)
        ids.append(Message.objects.get(pk=message.pk).email_message_id)
    mailing(services.reply, cast.john, ticket.number, body="Last", close=False)
    last = smtp_server.to("alice@example.com")[-1]
    references = last["References"].split()
    assert len(references) == 10
    assert references[0] == ids[0] and references[1:] == ids[-9:]
    assert last["In-Reply-To"] == ids[-1]


def test_a_russian_client_gets_russian_mail(cast, tech, smtp_server, mailing):
    User.objects.filter(pk=cast.alice.pk).update(language="ru")
    ticket = cast.held()
    mailing(services.reply, cast.john, ticket.number, body="Готово", close=True)
    [mail] = smtp_server.to("alice@example.com")
    text = mail.get_body(("plain",)).get_content()
    assert "в портале поддержки" in text and "Готово" in text
    assert "support portal" not in text


def test_internal_comments_never_reach_the_client(cast, tech, smtp_server, mailing):
    ticket = cast.held()
    services.add_cc(cast.alice, ticket.number, "carol@example.com")
    mailing(services.comment, cast.john, ticket.number, body="SECRET-COMMENT")
    mailing(services.reply, cast.john, ticket.number, body="Public answer",
            note="SECRET-NOTE", close=True)
    assert len(smtp_server.to("alice@example.com")) == 1
    for mail in smtp_server.to("alice@example.com") + smtp_server.to("carol@example.com"):
        assert "SECRET" not in every_text(mail)
        assert "Public answer" in every_text(mail)


def test_copy_addresses_get_public_replies_only(cast, tech, smtp_server, mailing):
    ticket = cast.held()
    services.add_cc(cast.alice, ticket.number, "carol@example.com")
    services.add_cc(cast.alice, ticket.number, "dave@example.com")
    mailing(services.client_reply, cast.alice, ticket.number, body="More details")
    mailing(services.comment, cast.john, ticket.number, body="Note")
    assert smtp_server.envelopes == []
    mailing(services.reply, cast.john, ticket.number, body="Answer", close=False)
    [envelope] = smtp_server.envelopes
    assert sorted(envelope.rcpt_tos) == ["alice@example.com", "carol@example.com",
                                         "dave@example.com"]
    [mail] = smtp_server.messages
    assert mail["To"] == "alice@example.com"
    assert mail["Cc"] == "carol@example.com, dave@example.com"


def test_staff_followers_get_replies_comments_and_client_messages(cast, tech, smtp_server,
                                                                   mailing):
    ticket = cast.held(subject="Disk full")
    services.follow(cast.gary, ticket.number)
    services.follow(cast.john, ticket.number)
    mailing(services.reply, cast.john, ticket.number, body="Cleaned up", close=False)
    mailing(services.comment, cast.john, ticket.number, body="Check again tomorrow")
    mailing(services.client_reply, cast.alice, ticket.number, body="Thanks")

    gary = smtp_server.to("gary@zapros.test")
    assert [m["Subject"] for m in gary] == [
        f"Reply sent: Disk full [#{ticket.number}]",
        f"Internal comment: Disk full [#{ticket.number}]",
        f"Client wrote: Disk full [#{ticket.number}]",
    ]
    assert "Check again tomorrow" in gary[1].get_body(("plain",)).get_content()
    assert f"http://localhost:8000/staff/tickets/{ticket.number}/" in every_text(gary[1])
    assert all(m["Auto-Submitted"] == "auto-generated" for m in gary)
    # John wrote the reply and the comment himself: only the client's message reaches him.
    assert [m["Subject"] for m in smtp_server.to("john@zapros.test")] == [
        f"Client wrote: Disk full [#{ticket.number}]"]
    # The client's own message is not mailed back to her.
    assert len(smtp_server.to("alice@example.com")) == 1


def test_a_staff_follower_who_lost_access_gets_nothing(cast, tech, smtp_server, mailing):
    ticket = cast.held()
    services.follow(cast.gary, ticket.number)
    cast.tech.members.remove(cast.gary)
    mailing(services.comment, cast.john, ticket.number, body="Note")
    mailing(services.reply, cast.john, ticket.number, body="Answer", close=False)
    assert smtp_server.to("gary@zapros.test") == []
    assert len(smtp_server.to("alice@example.com")) == 1


def test_a_russian_follower_gets_russian_mail(cast, tech, smtp_server, mailing):
    User.objects.filter(pk=cast.gary.pk).update(language="ru")
    ticket = cast.held(subject="Disk full")
    services.follow(cast.gary, ticket.number)
    mailing(services.comment, cast.john, ticket.number, body="Note")
    [mail] = smtp_server.to("gary@zapros.test")
    # A long encoded header may be folded before its first word; readers strip the space.
    assert mail["Subject"].strip() == f"Внутренний комментарий: Disk full [#{ticket.number}]"


def test_without_a_department_address_mail_comes_from_the_default_sender(
        cast, smtp_server, mailing, settings):
    settings.DEFAULT_FROM_EMAIL = "Zapros <help@zapros.test>"
    ticket = cast.held()
    reply = mailing(services.reply, cast.john, ticket.number, body="Answer", close=False)
    [mail] = smtp_server.messages
    assert mail["From"] == "Zapros <help@zapros.test>"
    assert mail["Reply-To"] == "Zapros <help@zapros.test>"
    assert Message.objects.get(pk=reply.pk).email_message_id.endswith("@zapros.test>")


def test_every_mail_of_a_ticket_is_in_its_outbox(cast, tech, smtp_server, mailing):
    ticket = cast.held()
    other = cast.held(subject="Other")
    services.follow(cast.gary, ticket.number)
    mailing(services.reply, cast.john, ticket.number, body="Answer", close=False)
    mailing(services.reply, cast.john, other.number, body="Answer", close=False)
    mails = OutgoingMail.objects.filter(reference=f"ticket:{ticket.pk}")
    assert sorted(m.to[0] for m in mails) == ["alice@example.com", "gary@zapros.test"]
    assert all(m.status == OutgoingMail.Status.SENT for m in mails)

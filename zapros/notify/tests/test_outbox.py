from datetime import timedelta

import pytest

from zapros.core import clock
from zapros.notify import outbox
from zapros.notify.models import OutgoingMail
from zapros.notify.tasks import send_due_mail

from . import smtp

Status = OutgoingMail.Status


def queue(**kwargs):
    fields = {
        "reference": "test:1", "from_email": "Support <support@zapros.test>",
        "to": ["alice@example.com"], "subject": "Hello", "body_text": "Plain text",
    }
    return outbox.queue(**{**fields, **kwargs})


def make_due(mail):
    """Back-date the next attempt, as if the back-off delay had passed."""
    OutgoingMail.objects.filter(pk=mail.pk).update(next_attempt_at=clock.now())


def test_a_queued_mail_is_sent_after_the_commit_with_its_headers(
        db, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail = queue(cc=["carol@example.com"], reply_to="support@zapros.test",
                     body_html="<p>Hi</p>", in_reply_to="<a@x>", references=["<a@x>"])
        assert smtp_server.envelopes == []  # nothing leaves before the commit
    mail.refresh_from_db()
    assert mail.status == Status.SENT and mail.attempts == 1 and mail.sent_at is not None
    [envelope] = smtp_server.envelopes
    assert sorted(envelope.rcpt_tos) == ["alice@example.com", "carol@example.com"]
    [received] = smtp_server.messages
    assert received["Message-ID"] == mail.message_id
    assert received["In-Reply-To"] == "<a@x>" and received["References"] == "<a@x>"
    assert received["Reply-To"] == "support@zapros.test"
    assert received["Cc"] == "carol@example.com"
    assert received.get_body(("plain",)).get_content().strip() == "Plain text"
    assert received.get_body(("html",)).get_content().strip() == "<p>Hi</p>"


def test_a_sent_mail_is_never_sent_again(db, smtp_server):
    mail = queue()
    assert outbox.send(mail.pk) is True
    assert outbox.send(mail.pk) is False
    assert outbox.send_due() == 0
    assert len(smtp_server.envelopes) == 1


def test_a_row_another_worker_is_sending_is_left_alone(db, smtp_server, settings):
    mail = queue()
    OutgoingMail.objects.filter(pk=mail.pk).update(status=Status.SENDING,
                                                   claimed_at=clock.now())
    assert outbox.send(mail.pk) is False and smtp_server.envelopes == []
    # A worker that crashed mid-send: after the claim expires the row is taken over.
    OutgoingMail.objects.filter(pk=mail.pk).update(
        claimed_at=clock.now() - timedelta(seconds=settings.ZAPROS_MAIL_CLAIM_SECONDS + 1))
    assert outbox.send(mail.pk) is True and len(smtp_server.envelopes) == 1


def test_smtp_down_retries_with_back_off_then_delivers_exactly_once(db, settings):
    settings.ZAPROS_MAIL_RETRY_SECONDS = 60
    port = smtp.free_port()
    smtp.use_smtp(settings, port)
    mail = queue()

    assert outbox.send(mail.pk) is False
    mail.refresh_from_db()
    assert mail.status == Status.QUEUED and mail.attempts == 1
    assert "refused" in mail.last_error.lower()
    first_wait = mail.next_attempt_at - clock.now()
    assert timedelta(seconds=55) < first_wait <= timedelta(seconds=60)
    assert outbox.send_due() == 0  # not due yet: nothing tried
    assert OutgoingMail.objects.get(pk=mail.pk).attempts == 1

    make_due(mail)
    send_due_mail.call_local()
    mail.refresh_from_db()
    assert mail.status == Status.QUEUED and mail.attempts == 2
    assert mail.next_attempt_at - clock.now() > timedelta(seconds=110)  # twice as long

    inbox = smtp.Inbox()
    controller = smtp.start(inbox, port=port)  # the server comes back on the same port
    try:
        make_due(mail)
        assert outbox.send_due() == 1
        assert outbox.send_due() == 0
        assert outbox.send(mail.pk) is False
    finally:
        controller.stop()
    mail.refresh_from_db()
    assert mail.status == Status.SENT and mail.attempts == 3 and mail.last_error == ""
    assert len(inbox.envelopes) == 1
    assert inbox.messages[0]["Message-ID"] == mail.message_id


def test_after_the_last_attempt_the_mail_is_failed(db, settings):
    settings.ZAPROS_MAIL_MAX_ATTEMPTS = 3
    smtp.use_smtp(settings, smtp.free_port())
    mail = queue()
    for _attempt in range(3):
        make_due(mail)
        outbox.send_due()
    mail.refresh_from_db()
    assert mail.status == Status.FAILED and mail.attempts == 3 and mail.last_error
    make_due(mail)
    assert outbox.send_due() == 0
    assert OutgoingMail.objects.get(pk=mail.pk).attempts == 3


def test_a_permanent_refusal_fails_at_once(db, smtp_server):
    smtp_server.refuse["nobody@example.com"] = "550 5.1.1 No such user"
    mail = queue(to=["nobody@example.com"])
    assert outbox.send(mail.pk) is False
    mail.refresh_from_db()
    assert mail.status == Status.FAILED and mail.attempts == 1
    assert mail.last_error == "nobody@example.com: 550 5.1.1 No such user"


def test_a_temporary_refusal_is_retried(db, smtp_server):
    smtp_server.refuse["busy@example.com"] = "451 4.3.0 Try again later"
    mail = queue(to=["busy@example.com"])
    outbox.send(mail.pk)
    mail.refresh_from_db()
    assert mail.status == Status.QUEUED and "451" in mail.last_error
    del smtp_server.refuse["busy@example.com"]
    make_due(mail)
    assert outbox.send_due() == 1


def test_retry_queues_a_failed_mail_again(db, smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse["x@example.com"] = "550 No"
    mail = queue(to=["x@example.com"])
    outbox.send(mail.pk)
    mail.refresh_from_db()
    del smtp_server.refuse["x@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        outbox.retry(mail)
    mail.refresh_from_db()
    assert mail.status == Status.SENT and mail.attempts == 1
    assert len(smtp_server.envelopes) == 1


def test_only_a_failed_mail_can_be_retried(db):
    from zapros.core.errors import Conflict

    mail = queue()
    with pytest.raises(Conflict):
        outbox.retry(mail)
    assert OutgoingMail.objects.get(pk=mail.pk).status == Status.QUEUED


def test_message_ids_are_unique_and_in_the_sender_domain():
    first = outbox.new_message_id("Tech <tech@support.example>", tag="zapros.1024")
    second = outbox.new_message_id("Tech <tech@support.example>", tag="zapros.1024")
    assert first != second
    assert first.startswith("<zapros.1024.") and first.endswith("@support.example>")


def test_a_copy_refused_for_good_is_recorded_and_the_mail_is_failed(db, smtp_server):
    smtp_server.refuse["gone@example.com"] = "550 5.1.1 No such user"
    mail = queue(cc=["gone@example.com", "carol@example.com"])
    assert outbox.send(mail.pk) is False
    mail.refresh_from_db()
    [envelope] = smtp_server.envelopes
    assert sorted(envelope.rcpt_tos) == ["alice@example.com", "carol@example.com"]
    assert mail.status == Status.FAILED and mail.sent_at is None
    assert mail.delivered_to == ["alice@example.com", "carol@example.com"]
    assert mail.undelivered == ["gone@example.com"]
    assert mail.refused == {"gone@example.com": [550, "5.1.1 No such user"]}
    assert mail.last_error == "gone@example.com: 550 5.1.1 No such user"
    make_due(mail)
    assert outbox.send_due() == 0 and len(smtp_server.envelopes) == 1


def test_a_copy_refused_for_now_is_retried_to_it_alone(db, smtp_server):
    smtp_server.refuse["busy@example.com"] = "451 4.2.1 Mailbox busy"
    smtp_server.refuse["gone@example.com"] = "550 5.1.1 No such user"
    mail = queue(cc=["busy@example.com", "gone@example.com"])
    assert outbox.send(mail.pk) is False
    mail.refresh_from_db()
    assert mail.status == Status.QUEUED and mail.delivered_to == ["alice@example.com"]
    assert mail.pending == ["busy@example.com"]
    assert "busy@example.com: 451" in mail.last_error and "gone@example.com: 550" in mail.last_error

    del smtp_server.refuse["busy@example.com"]
    make_due(mail)
    assert outbox.send_due() == 0  # it reached busy@, and gone@ stays refused
    mail.refresh_from_db()
    assert [sorted(e.rcpt_tos) for e in smtp_server.envelopes] == [
        ["alice@example.com"], ["busy@example.com"]]
    assert mail.status == Status.FAILED and mail.attempts == 2
    assert mail.undelivered == ["gone@example.com"]
    assert mail.last_error == "gone@example.com: 550 5.1.1 No such user"
    # Every recipient sees the same mail, with everyone in its headers.
    assert smtp_server.messages[1]["Message-ID"] == mail.message_id
    assert smtp_server.messages[1]["Cc"] == "busy@example.com, gone@example.com"

    # Retried by hand, it goes to the one address it has not reached.
    del smtp_server.refuse["gone@example.com"]
    outbox.retry(mail)
    assert outbox.send(mail.pk) is True
    mail.refresh_from_db()
    assert sorted(smtp_server.envelopes[2].rcpt_tos) == ["gone@example.com"]
    assert mail.status == Status.SENT and mail.undelivered == [] and mail.refused == {}


def test_temporary_refusals_end_failed_after_the_last_attempt(db, smtp_server, settings):
    settings.ZAPROS_MAIL_MAX_ATTEMPTS = 2
    smtp_server.refuse["busy@example.com"] = "452 4.2.2 Over quota"
    mail = queue(cc=["busy@example.com"])
    outbox.send(mail.pk)
    make_due(mail)
    outbox.send_due()
    mail.refresh_from_db()
    assert mail.status == Status.FAILED and mail.attempts == 2
    assert mail.delivered_to == ["alice@example.com"] and len(smtp_server.envelopes) == 1
    assert mail.last_error == "busy@example.com: 452 4.2.2 Over quota"

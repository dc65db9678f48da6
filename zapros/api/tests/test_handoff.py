"""Work committed in the database is never reported as failed because the queue (Huey on
Redis) could not be reached: the outbox's sweep sends what the hand-off missed."""

import logging

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from zapros.api.models import ApiToken
from zapros.core.tests.redis import redis_server  # noqa: F401 (a fixture)
from zapros.notify import outbox
from zapros.notify.models import OutgoingMail
from zapros.notify.tasks import send_due_mail
from zapros.tickets.models import Message


@pytest.fixture
def huey_on_redis(monkeypatch, redis_server):  # noqa: F811
    """Huey queueing into the test's own Redis, as in production (not run at once)."""
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", RedisStorage(HUEY.name, url=redis_server.url))
    return redis_server


def test_a_reply_committed_while_redis_is_down_answers_201_once_and_is_mailed_by_the_sweep(
        cast, huey_on_redis, smtp_server, django_capture_on_commit_callbacks, caplog):
    ticket = cast.held()
    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(cast.john, 'x')[1]}"})
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/tickets/{ticket.number}/messages", {"body": "First"},
                 content_type="application/json")
    assert HUEY.pending_count() == 1  # with Redis up the job is queued (no worker runs it)

    huey_on_redis.stop()
    with caplog.at_level(logging.ERROR, logger="zapros.notify.outbox"), \
            django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/tickets/{ticket.number}/messages",
                            {"body": "We restarted it"}, content_type="application/json")

    assert response.status_code == 201
    assert Message.objects.filter(ticket=ticket, body="We restarted it").count() == 1
    mail = OutgoingMail.objects.latest("id")
    assert mail.status == OutgoingMail.Status.QUEUED and mail.attempts == 0
    assert "could not be handed to a worker" in caplog.text
    # The row is due at once: the next sweep (every minute) sends it, and the first reply's
    # mail whose job died with Redis, each exactly once.
    send_due_mail.call_local()
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == sorted(
        OutgoingMail.objects.values_list("message_id", flat=True))
    assert outbox.send_due() == 0


def test_retrying_a_failed_mail_while_redis_is_down_still_queues_it(
        db, huey_on_redis, smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse["x@example.com"] = "550 No"
    mail = outbox.queue(reference="test:1", from_email="support@zapros.test",
                        to=["x@example.com"], subject="Hi", body_text="Hi")
    outbox.send(mail.pk)
    mail.refresh_from_db()
    del smtp_server.refuse["x@example.com"]
    huey_on_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.retry(mail)
    assert OutgoingMail.objects.get(pk=mail.pk).status == OutgoingMail.Status.QUEUED
    assert outbox.send_due() == 1 and len(smtp_server.envelopes) == 1

"""Idempotency-Key: a retried POST returns its first answer and writes nothing again."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zapros.api.models import IdempotencyKey
from zapros.api.tasks import sweep_idempotency_keys
from zapros.core import clock
from zapros.tickets.models import Message, Ticket
from zapros.tickets.tests.test_concurrency import needs_postgres, race

from .conftest import snapshot


def open_request(client, key, subject="Site is down", **extra):
    return client.post("/api/v1/tickets", {"department": extra.pop("department"),
                                           "subject": subject, "body": "Please help"},
                       content_type="application/json", headers={"Idempotency-Key": key},
                       **extra)


def test_the_same_key_returns_the_first_answer_and_writes_once(cast, api_as):
    alice = api_as(cast.alice)

    first = open_request(alice, "open-1", department=cast.tech.pk)
    after_first = snapshot()
    again = open_request(alice, "open-1", department=cast.tech.pk)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert snapshot() == after_first


def test_without_a_key_every_post_writes(cast, api_as):
    alice = api_as(cast.alice)
    for _ in range(2):
        alice.post("/api/v1/tickets", {"department": cast.tech.pk, "subject": "S",
                                       "body": "B"}, content_type="application/json")
    assert Ticket.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(cast, api_as):
    alice = api_as(cast.alice)
    open_request(alice, "open-1", department=cast.tech.pk)
    before = snapshot()

    other = open_request(alice, "open-1", subject="Another thing", department=cast.tech.pk)

    assert other.status_code == 422
    assert other.json() == {
        "detail": "This Idempotency-Key was already used with a different request.",
        "field": "Idempotency-Key"}
    assert snapshot() == before


def test_keys_are_per_user(cast, api_as):
    open_request(api_as(cast.alice), "same", department=cast.tech.pk)
    bob = open_request(api_as(cast.bob), "same", department=cast.tech.pk)

    assert bob.status_code == 201
    assert Ticket.objects.count() == 2


def test_a_multipart_message_with_files_is_written_once(cast, api_as):
    ticket = cast.held()
    john = api_as(cast.john)

    def send():
        upload = SimpleUploadedFile("log.txt", b"the log", content_type="text/plain")
        return john.post(f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "See the log", "attachments": [upload]},
                         headers={"Idempotency-Key": "reply-1"})

    first, again = send(), send()

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert ticket.messages.filter(body="See the log").count() == 1


def test_a_refusal_is_not_kept_and_the_key_can_be_used_again(cast, api_as):
    ticket = cast.open()
    john = api_as(cast.john)
    url = f"/api/v1/tickets/{ticket.number}/messages"
    headers = {"Idempotency-Key": "reply-1"}

    refused = john.post(url, {"body": "Hello"}, content_type="application/json",
                        headers=headers)
    assert refused.status_code == 409   # John does not hold the request yet
    assert IdempotencyKey.objects.count() == 0
    john.post(f"/api/v1/tickets/{ticket.number}/take")
    answered = john.post(url, {"body": "Hello"}, content_type="application/json",
                         headers=headers)

    assert answered.status_code == 201
    assert Message.objects.filter(ticket=ticket, body="Hello").count() == 1


@pytest.mark.parametrize("key", ["", "with space", "ключ", "x" * 256])
def test_a_malformed_key_is_refused(cast, api_as, key):
    before = snapshot()

    response = open_request(api_as(cast.alice), key, department=cast.tech.pk)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert snapshot() == before


def test_a_caller_who_cannot_sign_in_is_refused_as_without_a_key(cast):
    response = open_request(Client(headers={"Authorization": "Bearer wrong"}), "k",
                            department=cast.tech.pk)

    assert response.status_code == 401
    assert IdempotencyKey.objects.count() == 0


def test_an_expired_key_is_swept_and_then_writes_again(cast, api_as, settings):
    alice = api_as(cast.alice)
    open_request(alice, "open-1", department=cast.tech.pk)
    IdempotencyKey.objects.update(created_at=clock.now() - timedelta(hours=25))
    kept = open_request(api_as(cast.bob), "open-1", department=cast.tech.pk)
    assert kept.status_code == 201

    sweep_idempotency_keys.call_local()

    assert list(IdempotencyKey.objects.values_list("user", flat=True)) == [cast.bob.pk]
    assert open_request(alice, "open-1", department=cast.tech.pk).status_code == 201
    assert Ticket.objects.filter(client__user=cast.alice).count() == 2


def test_a_key_still_being_answered_is_409_until_its_claim_is_lost(cast, api_as):
    alice = api_as(cast.alice)
    first = open_request(alice, "open-1", department=cast.tech.pk)
    # As if the first request were still running, then as if its worker had died.
    IdempotencyKey.objects.update(status=None)
    before = snapshot()

    busy = open_request(alice, "open-1", department=cast.tech.pk)
    assert busy.status_code == 409
    assert busy.json()["field"] == "Idempotency-Key"
    assert snapshot() == before

    IdempotencyKey.objects.update(created_at=clock.now() - timedelta(minutes=11))
    again = open_request(alice, "open-1", department=cast.tech.pk)
    assert again.status_code == 201 and again.content != first.content
    assert Ticket.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_write_once(cast, token_for):
    needs_postgres()
    secret = token_for(cast.alice)

    def send():
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        return open_request(client, "race", department=cast.tech.pk)

    for _ in range(5):
        responses = race(send, send, send)
        statuses = sorted(r.status_code for r in responses)
        assert statuses[0] == 201, responses
        assert set(statuses) <= {201, 409}, responses
    assert Ticket.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1

"""The portal's page of one request, as the selector reads it: what is new to the client and
whether writing reopens the request."""

from datetime import timedelta

import pytest
from django.utils import timezone

from zapros.core import clock
from zapros.tickets import selectors, services
from zapros.tickets.states import Action


@pytest.fixture
def later(monkeypatch):
    """Zapros's clock, stopped; ``later()`` moves it a minute on."""
    moment = [timezone.now().replace(microsecond=0)]
    monkeypatch.setattr(clock, "now", lambda: moment[0])

    def advance():
        moment[0] += timedelta(minutes=1)

    return advance


def page(cast, ticket, user=None):
    return selectors.client_ticket_page(user or cast.alice, cast.refresh(ticket))


def bodies(messages, ids):
    return sorted(m.body for m in messages if m.pk in ids)


def test_staff_answers_since_the_last_look_are_new(cast, later):
    ticket = cast.open(body="Site is down")
    services.take(cast.john, ticket.number)
    later()
    services.reply(cast.john, ticket.number, body="Restarted", close=False)
    first = page(cast, ticket)
    assert bodies(first.conversation, first.unread_ids) == ["Restarted"]
    # Reading the page is what the portal records; the selector itself changes nothing.
    assert bodies(page(cast, ticket).conversation, page(cast, ticket).unread_ids) == [
        "Restarted"]
    later()
    services.mark_seen(cast.alice, cast.refresh(ticket))
    later()
    services.reply(cast.john, ticket.number, body="Checked again", close=False)
    second = page(cast, ticket)
    assert [m.body for m in second.conversation] == ["Site is down", "Restarted",
                                                     "Checked again"]
    assert bodies(second.conversation, second.unread_ids) == ["Checked again"]


def test_internal_comments_are_neither_shown_nor_new(cast, later):
    ticket = cast.open()
    later()
    services.comment(cast.john, ticket.number, body="Disk is full")
    result = page(cast, ticket)
    assert [m.body for m in result.conversation] == ["Please help"]
    assert result.unread_ids == frozenset()


def test_writing_into_an_answered_request_reopens_it(cast, later):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    later()
    services.reply(cast.john, ticket.number, body="Done", close=True)
    result = page(cast, ticket)
    assert Action.CLIENT_REPLY in result.offered and result.reply_reopens


def test_writing_into_an_open_request_does_not_reopen_it(cast):
    ticket = cast.open()
    assert page(cast, ticket).reply_reopens is False
    services.take(cast.john, ticket.number)
    result = page(cast, ticket)
    assert Action.CLIENT_REPLY in result.offered and result.reply_reopens is False


def test_another_client_and_staff_are_offered_no_reply(cast):
    ticket = cast.open()
    services.add_cc(cast.alice, ticket.number, "boss@alice.example")
    assert [cc.email for cc in page(cast, ticket).cc_addresses] == ["boss@alice.example"]
    for outsider in (cast.bob, cast.john):
        result = page(cast, ticket, outsider)
        assert Action.CLIENT_REPLY not in result.offered
        assert result.reply_reopens is False

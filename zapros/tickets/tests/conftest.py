"""Fixtures shared by the ticket domain tests."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import stored_files
from zapros.core import clock
from zapros.core.errors import DomainError
from zapros.notify.models import OutgoingMail
from zapros.tickets.models import (
    Attachment,
    CcAddress,
    Event,
    Follower,
    Message,
    MessageRevision,
    Rating,
    Share,
    Ticket,
    TicketCounter,
)

RECORDED = (Ticket, Message, Attachment, Event, Rating, Share, TicketCounter, MessageRevision,
            Follower, CcAddress, OutgoingMail)


def world() -> dict:
    """Every row the ticket domain writes, and every file under MEDIA_ROOT."""
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in RECORDED}
    state["files"] = stored_files()
    return state


@pytest.fixture
def refused(db):
    """``with refused(NotFound) as error: services.take(...)``: the block must raise that
    error, with a message for the person, and leave every row and every file as it was."""

    @contextmanager
    def check(expected=DomainError):
        before = world()
        with pytest.raises(expected) as info:
            yield info
        assert str(info.value.message).strip(), "a refusal must say why"
        assert world() == before, "a refusal must change nothing"

    return check


@pytest.fixture
def moment(monkeypatch):
    """Zapros's clock, stopped; ``moment.advance(hours=2)`` moves it on."""

    class Moment:
        now = timezone.now().replace(microsecond=0)

        def advance(self, **delta):
            self.now += timedelta(**delta)
            return self.now

    stopped = Moment()
    monkeypatch.setattr(clock, "now", lambda: stopped.now)
    return stopped


def events(ticket) -> list[Event]:
    return list(Event.objects.filter(ticket=ticket).order_by("id"))


def last_event(ticket) -> Event:
    return Event.objects.filter(ticket=ticket).latest("id")


def moved(event, old, new) -> bool:
    """The event records a move of the ticket from state ``old`` to ``new``."""
    return event.data.get("from") == old and event.data.get("to") == new

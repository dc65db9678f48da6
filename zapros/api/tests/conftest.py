from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from zapros.api.models import ApiToken
from zapros.tickets.models import Attachment, Event, Message, Rating, Ticket


@pytest.fixture
def token_for(db):
    """Issue a token for a user and return its secret: ``token_for(cast.john)``."""

    def issue(user, name="integration"):
        return ApiToken.issue(user, name)[1]

    return issue


@pytest.fixture
def api_as(token_for):
    """A test client that calls the API with a fresh token of ``user``."""

    def client(user):
        return Client(headers={"Authorization": f"Bearer {token_for(user)}"})

    return client


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def snapshot() -> dict:
    """Everything an operation could write, to assert that a refusal wrote nothing."""
    return {
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "events": Event.objects.count(),
        "ratings": list(Rating.objects.order_by("pk").values()),
        "files": stored_files(),
    }


def post_json(client, url, data=None):
    return client.post(url, data if data is not None else {}, content_type="application/json")

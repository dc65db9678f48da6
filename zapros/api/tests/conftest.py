
import pytest
from django.test import Client

from conftest import stored_files
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

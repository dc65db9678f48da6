"""Helpers of the web tests: staff addresses of a ticket, the messages a page left, a browser
signed in as one of the cast."""

from django.contrib.messages import get_messages
from django.urls import reverse


def ticket_url(ticket, action=None, *args) -> str:
    """The staff page of a ticket, or the address of one of its actions:
    ``ticket_url(ticket, "edit_message", message.pk)``."""
    return reverse(f"staff:{action or 'ticket'}", args=[ticket.number, *args])


def flashes(response) -> list[str]:
    """The messages the request left for the next page, as the person reads them."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def browser_for(cast, client, role):
    """The test client signed in as ``cast.<role>``; ``"anonymous"`` stays signed out."""
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    return client

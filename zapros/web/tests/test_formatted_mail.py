"""The formatted (HTML) version of an imported mail in the conversation: stored sanitised at
import, shown below the text to staff and to the client who wrote it, and never carrying a
script, an event handler, a style, a javascript: link or an image from elsewhere."""

import re

import pytest
from django.urls import reverse

from zapros.mail import ingest
from zapros.mail.tests.corpus import PNG, file_part, multipart, plain, text_part
from zapros.tickets.models import Message, Ticket

HOSTILE = (
    '<html><head><style>body{display:none}</style><script>alert("head")</script></head>'
    '<body><p style="position:fixed" onclick="alert(1)" onmouseover="alert(2)">Server '
    '<b>down</b></p><script>alert("body")</script>'
    '<a href="javascript:alert(3)">click</a> <a href="https://status.example/">status</a>'
    '<img src="https://tracker.example/pixel.gif?u=alice" alt="pixel">'
    '<img src="cid:logo" alt="logo"><img src=x onerror="alert(4)">'
    '<iframe src="https://evil.example/"></iframe><svg onload="alert(5)"></svg>'
    '<form action="https://evil.example/"><input name="p"></form></body></html>'
)
BAD = ["<script", "alert", "onclick", "onmouseover", "onerror", "onload", "style=",
       "javascript:", "tracker.example", "<img", "<iframe", "<svg", "<form", "<style",
       "evil.example", "cid:"]


pytestmark = pytest.mark.usefixtures("mail_key")


def html_mail(sender, **kw):
    return multipart([
        text_part(HOSTILE, "html"),
        file_part('filename="logo.png"', PNG, "image/png", inline=True, content_id="logo"),
    ], sender=sender, **kw)


def test_import_stores_only_the_sanitisers_output(cast, gateway):
    assert ingest.receive(gateway, html_mail(cast.alice.email)) == "ticket"
    message = Message.objects.get(author=cast.alice)
    html = message.body_html
    assert "<b>down</b>" in html and 'href="https://status.example/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    for bad in BAD:
        assert bad not in html, bad
    # The mail's own image is one of the message's files.
    assert [a.original_name for a in message.attachments.all()] == ["logo.png"]


def test_plain_mail_has_no_formatted_version(cast, gateway):
    assert ingest.receive(gateway, plain("Just text", sender=cast.alice.email)) == "ticket"
    message = Message.objects.get(author=cast.alice)
    assert message.body_html is None
    ticket = Ticket.objects.get()
    page = _page(_client_for(cast.john), "staff:ticket", ticket)
    assert "Show formatted" not in page


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _page(client, name, ticket):
    response = client.get(reverse(name, args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role, view", [("john", "staff:ticket"), ("supervisor", "staff:ticket"),
                                        ("alice", "portal:ticket")])
def test_staff_and_the_writer_see_the_formatted_version(cast, gateway, role, view):
    assert ingest.receive(gateway, html_mail(cast.alice.email)) == "ticket"
    ticket = Ticket.objects.get()
    page = _page(_client_for(getattr(cast, role)), view, ticket)
    assert '<details class="formatted">' in page and "Show formatted" in page
    formatted = page.split('<details class="formatted">', 1)[1].split("</details>", 1)[0]
    assert "<b>down</b>" in formatted
    for bad in BAD:
        assert bad not in formatted, bad


def test_other_client_does_not_reach_it(client, cast, gateway):
    assert ingest.receive(gateway, html_mail(cast.alice.email)) == "ticket"
    ticket = Ticket.objects.get()
    client.force_login(cast.bob)
    assert client.get(reverse("portal:ticket", args=[ticket.number])).status_code == 404


def test_a_reply_by_mail_keeps_its_formatted_version(cast, gateway):
    assert ingest.receive(gateway, plain("First", sender=cast.alice.email)) == "ticket"
    ticket = Ticket.objects.get()
    reply = html_mail(cast.alice.email, subject=f"Re: [#{ticket.number}] Down")
    assert ingest.receive(gateway, reply) == "reply"
    message = Message.objects.filter(ticket=ticket, author=cast.alice).order_by("-id").first()
    assert "<b>down</b>" in message.body_html


def test_page_sanitises_what_the_database_holds(cast, gateway):
    """Even a row written past the importer (and from before messages were rendered when
    written) shows only what the sanitiser lets through."""
    assert ingest.receive(gateway, html_mail(cast.alice.email)) == "ticket"
    message = Message.objects.get(author=cast.alice)
    Message.objects.filter(pk=message.pk).update(body_html=HOSTILE, rendered=None)
    page = _page(_client_for(cast.john), "staff:ticket", message.ticket)
    formatted = page.split('<details class="formatted">', 1)[1].split("</details>", 1)[0]
    assert "<b>down</b>" in formatted
    for bad in BAD:
        assert bad not in formatted, bad


@pytest.mark.parametrize("role, view", [("john", "staff:ticket"), ("alice", "portal:ticket")])
def test_messages_from_before_rendering_on_write_look_the_same(cast, gateway, role, view):
    assert ingest.receive(gateway, html_mail(cast.alice.email)) == "ticket"
    ticket = Ticket.objects.get()
    reply = plain("Still down <now>\n\nOn Monday John wrote:\n> Restarted",
                  sender=cast.alice.email, subject=f"Re: [#{ticket.number}] Down")
    assert ingest.receive(gateway, reply) == "reply"
    client = _client_for(getattr(cast, role))
    rendered_on_write = _without_tokens(_page(client, view, ticket))
    assert Message.objects.filter(ticket=ticket, rendered=None).count() == 0
    Message.objects.filter(ticket=ticket).update(rendered=None)
    assert _without_tokens(_page(client, view, ticket)) == rendered_on_write
    assert '<details class="quoted">' in rendered_on_write
    assert '<details class="formatted">' in rendered_on_write


def _without_tokens(page: str) -> str:
    """The page without its CSRF tokens, which are masked afresh on every response."""
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1", page)

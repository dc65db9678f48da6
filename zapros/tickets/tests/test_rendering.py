"""A message rendered once, when it is written or edited: what is kept, what reads it, and
messages from before the column."""

import pytest

from zapros.core.errors import Forbidden
from zapros.tickets import rendering, services
from zapros.tickets.models import Message

from .test_split_merge import PNG


def test_the_text_is_escaped_and_web_messages_have_no_other_parts():
    rendered = rendering.render('<b>Hi</b> & "bye"\nOn Monday X wrote:\n> old', channel="web",
                                html="<p>ignored</p>")
    assert rendering.parts(rendered) == (
        "&lt;b&gt;Hi&lt;/b&gt; &amp; &quot;bye&quot;\nOn Monday X wrote:\n&gt; old", "", "")


def test_a_mail_keeps_its_quoted_history_and_its_formatted_version_apart():
    text, quoted, html = rendering.parts(rendering.render(
        "Still down <now>.\n\nOn Monday John wrote:\n> Try again\n", channel="email",
        html='<p onclick="x()">Still <b>down</b><!--quoted--></p><script>alert(1)</script>'))
    assert text == "Still down &lt;now&gt;.\n\n"
    assert quoted == "On Monday John wrote:\n&gt; Try again\n"
    assert html == "<p>Still <b>down</b></p>"   # sanitised: no handler, script or comment


def test_what_is_rendered_is_pinned():
    """Stored renderings are not redone when this module changes. When this test has to
    change, ship a migration that sets ``Message.rendered`` back to NULL for the messages the
    change affects: they are then rendered when read, as messages from before the column
    are, and a version column is not needed."""
    assert rendering.render("A <b>\n\nOn Mon X wrote:\n> q", channel="email",
                            html="<p>A</p>") == (
        "A &lt;b&gt;\n\n<!--quoted-->On Mon X wrote:\n&gt; q<!--formatted--><p>A</p>")
    assert rendering.render("plain", channel="web") == "plain<!--quoted--><!--formatted-->"


def test_every_written_message_is_rendered_and_an_edit_renders_it_again(cast):
    ticket = cast.open(body="Help <me>", files=[("shot.png", PNG)])
    services.take(cast.john, ticket.number)
    answer = services.reply(cast.john, ticket.number, body="Done & dusted", close=False)
    services.comment(cast.john, ticket.number, body="note <x>")
    mail = services.client_reply(cast.alice, ticket.number, html="<p>Still <b>bad</b></p>",
                                 body="Still bad\n\nOn Monday John wrote:\n> Done",
                                 channel=Message.Channel.EMAIL)
    for message in Message.objects.filter(ticket=ticket):
        assert message.rendered == rendering.render(
            message.body, channel=message.channel, html=message.body_html)
    assert rendering.parts(Message.objects.get(pk=mail.pk).rendered)[1:] == (
        "On Monday John wrote:\n&gt; Done", "<p>Still <b>bad</b></p>")

    services.edit_message(cast.john, ticket.number, answer.pk, body="Done <really>")
    assert Message.objects.get(pk=answer.pk).rendered == rendering.render(
        "Done <really>", channel="web")


def test_a_refused_edit_leaves_the_rendering_as_it_was(cast):
    ticket = cast.open(body="Mine")
    services.take(cast.john, ticket.number)
    answer = services.reply(cast.john, ticket.number, body="Answer", close=False)
    before = Message.objects.values("body", "rendered").get(pk=answer.pk)
    with pytest.raises(Forbidden):
        services.edit_message(cast.gary, ticket.number, answer.pk, body="<b>Not yours</b>")
    assert Message.objects.values("body", "rendered").get(pk=answer.pk) == before


def test_a_message_from_before_the_column_is_rendered_when_read(cast):
    ticket = cast.open(body="Old <text>")
    Message.objects.filter(ticket=ticket).update(rendered=None)
    message = Message.objects.get(ticket=ticket)
    assert rendering.message_parts(message) == ("Old &lt;text&gt;", "", "")


@pytest.mark.parametrize(("text", "head"), [
    ("Fixed now.\n\nOn Mon, 3 Mar 2025, John <j@x> wrote:\n> old\n> older", "Fixed now.\n\n"),
    ("Thanks\n-----Original Message-----\nFrom: a\nSent: b\n\nold", "Thanks\n"),
    ("Спасибо\n\n3 марта 2025 г., Джон писал(а):\n> старое", "Спасибо\n\n"),  # noqa: RUF001
    ("Top\n\n> quoted\n> lines\n", "Top\n\n"),
    ("Thanks\n\nFrom: Support <s@x>\nSent: Monday\nTo: me\n\nold", "Thanks\n\n"),
])
def test_quoted_history_is_split_off_and_nothing_is_lost(text, head):
    shown, quoted = rendering.split_quoted(text)
    assert shown == head
    assert shown + quoted == text


@pytest.mark.parametrize("text", [
    "No quote at all",
    "> a quote first\nthen my answer below it",
    "Line\n> quoted in the middle\nand more text",
])
def test_text_without_trailing_history_is_left_whole(text):
    assert rendering.split_quoted(text) == (text, "")



"""What people typed cannot become markup: every field of every row the workspace writes in
Python, and a message as rendered when it was written, filled with hostile text.

The fields come from the row dataclasses themselves, so a field added to ``QueueRow``,
``SearchRow``, ``MessageView`` (or the ``File`` and ``SystemLine`` inside a conversation) is
tested without anyone listing it here."""

import dataclasses
import typing
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from zapros.accounts.models import User
from zapros.tickets import rendering
from zapros.tickets.models import Message
from zapros.web import html
from zapros.web.staff.rows import QueueRow, SearchRow, queue_rows_html, search_rows_html
from zapros.web.staff.timeline import MessageView, Row, SystemLine, conversation_html

HOSTILE = ('plain" onmouseover="alert(1)" \' <script>alert(2)</script> <img src=x onerror=alert(3)>'
           " javascript:alert(4) {{ 7*7 }} {0} {pk} %(x)s %s &amp; \u2028 end")
HOSTILE_HTML = ('<p onclick="alert(5)">Server <b>down</b></p><script>alert(6)</script>'
                '<a href="javascript:alert(7)">x</a><!--formatted--><img src=x onerror=alert(8)>')
# Fields that pick one of a few fixed words rather than print what they hold.
CHOICES = {(MessageView, "kind"): ("internal", "from-client", "from-staff"),
           (QueueRow, "marker"): ("needs_reply", "overdue", "answered_late", "frozen",
                                  "completed", "")}


class Structure(HTMLParser):
    """The tags and attribute names of a piece of HTML, and every attribute's value."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.values = [], []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(name for name, _value in attrs)))
        self.values += [value or "" for _name, value in attrs]

    def handle_endtag(self, tag):
        self.tags.append(("/" + tag, ()))


def instance(cls, hostile: str | None = None, text: str = "plain"):
    """``cls`` with every field filled in (optional parts shown); ``hostile`` names the field
    that gets HOSTILE, "*" all of them."""
    hints = typing.get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        kind = hints[field.name]
        evil = hostile in ("*", field.name)
        if (cls, field.name) in CHOICES:
            values[field.name] = CHOICES[cls, field.name][0]
        elif kind is bool:
            values[field.name] = True
        elif kind is int:
            values[field.name] = 7
        elif typing.get_origin(kind) is list:
            (item,) = typing.get_args(kind)
            values[field.name] = [instance(item, "*" if evil else None, text)]
        elif kind is str:
            values[field.name] = HOSTILE if evil else text
        elif kind is datetime:   # printed through at_iso and at_text
            values[field.name] = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        else:
            raise AssertionError(f"{cls.__name__}.{field.name}: teach this test its type")
    return cls(**values)


def text_fields(cls):
    hints = typing.get_type_hints(cls)
    return [field.name for field in dataclasses.fields(cls)
            if (hints[field.name] is str or typing.get_origin(hints[field.name]) is list)
            and (cls, field.name) not in CHOICES]


def conversation(message: MessageView | None = None, line: SystemLine | None = None):
    return conversation_html([Row(message=message or instance(MessageView)),
                              Row(line=line or instance(SystemLine))])


WRITERS = {
    QueueRow: lambda row: queue_rows_html([row]),
    SearchRow: lambda row: search_rows_html([row]),
    MessageView: lambda message: conversation(message=message),
    SystemLine: lambda line: conversation(line=line),
}
CASES = [(cls, name) for cls in WRITERS for name in text_fields(cls)]


def assert_inert(markup: str, benign: str):
    """``markup`` has exactly the tags and attributes of ``benign`` (nothing from the data
    became markup), no link or handler the data could have started, and the hostile text only
    escaped: printed as it was typed, braces and percent signs included."""
    assert Structure(markup).tags == Structure(benign).tags
    for value in Structure(markup).values:
        assert not value.strip().lower().startswith("javascript:"), value
    for raw in ("<script", "<img", '" onmouseover', "' <"):
        assert raw not in markup, raw
    assert "{{ 7*7 }} {0} {pk} %(x)s %s &amp;amp;" in markup


@pytest.mark.parametrize(("cls", "name"), CASES, ids=[f"{c.__name__}.{n}" for c, n in CASES])
def test_every_text_field_of_every_row_is_escaped(cls, name):
    write = WRITERS[cls]
    markup = write(instance(cls, name))
    assert_inert(markup, write(instance(cls)))
    assert escape(HOSTILE) in markup, "the field is printed, escaped"


@pytest.mark.parametrize("cls", list(WRITERS))
def test_a_row_all_of_whose_fields_are_hostile_is_inert(cls):
    write = WRITERS[cls]
    assert_inert(write(instance(cls, "*")), write(instance(cls)))


@pytest.mark.parametrize("kind", CHOICES[MessageView, "kind"])
def test_every_kind_of_message_is_written(kind):
    message = dataclasses.replace(instance(MessageView, "*"), kind=kind)
    benign = dataclasses.replace(instance(MessageView), kind=kind)
    assert_inert(conversation(message=message), conversation(message=benign))


@pytest.mark.parametrize("channel", [Message.Channel.EMAIL, Message.Channel.WEB])
def test_a_rendered_message_is_inert_and_the_portal_and_the_workspace_show_the_same(channel):
    body = f"{HOSTILE}\n\nOn Monday {HOSTILE} wrote:\n> {HOSTILE}"
    rendered = rendering.render(body, channel=channel, html=HOSTILE_HTML)
    text, quoted, formatted = rendering.parts(rendered)
    for part in (text, quoted):
        assert Structure(part).tags == []
    assert Structure(formatted).tags == (
        [] if channel == Message.Channel.WEB else
        [("p", ()), ("b", ()), ("/b", ()), ("/p", ()), ("a", ("rel",)), ("/a", ())])
    assert "{{ 7*7 }} {0} {pk} %(x)s %s &amp;amp;" in text

    view = dataclasses.replace(instance(MessageView), body=text, quoted=quoted, html=formatted)
    staff = conversation(message=view)
    message = Message(pk=1, body=body, channel=channel, body_html=HOSTILE_HTML,
                      rendered=rendered, author_kind=Message.AuthorKind.CLIENT,
                      author=User(name=HOSTILE))
    message.prefetched_files = []
    portal = render_to_string("portal/_message.html", {"message": message, "unread_ids": []})
    for page in (staff, portal):
        structure = Structure(page)
        for value in structure.values:
            assert not value.strip().lower().startswith("javascript:"), value
        assert not {"script", "img"} & {tag for tag, _names in structure.tags}
        assert not [name for _tag, names in structure.tags for name in names
                    if name.startswith("on")]
        body_html = page.split('<div class="body">', 1)[1].split("</article>", 1)[0]
        assert text in body_html and formatted in body_html
    # The same parts, in the same markup around them.
    assert _shown(staff) == _shown(portal)


def _shown(page: str) -> str:
    return page.split('<div class="body">', 1)[1].split("</div>", 1)[0] + (
        page.split('<details class="formatted">', 1)[1].split("</details>", 1)[0]
        if '<details class="formatted">' in page else "")


MARKUP_MSGID = "<x>"   # a lazy text with markup in it (not a literal: no translator sees it)


@pytest.mark.parametrize("value", [
    HOSTILE, "", "\u00e9t\u00e9 <b>", 7, 0, -3, 2.5, None, True,
    SafeString("<b>safe</b>"), gettext_lazy("Needs reply"), gettext_lazy(MARKUP_MSGID),
])
def test_the_builders_escape_is_djangos_conditional_escape(value):
    assert html.escape(value) == conditional_escape(value)
    assert isinstance(html.escape(value), SafeString)
    assert html.Html("<p>{value}</p>")(value=value) == f"<p>{conditional_escape(value)}</p>"


def test_a_place_takes_safe_markup_as_it_is_and_text_escaped():
    link = html.Html('<a href="{href}">{text}</a>')
    inner = link(href="/x?a=1&b=2", text="<i>")
    assert inner == '<a href="/x?a=1&amp;b=2">&lt;i&gt;</a>'
    assert isinstance(inner, SafeString)
    assert html.Html("<p>{body}</p>")(body=inner) == f"<p>{inner}</p>"
    assert html.join(["<a>", SafeString("<b>")], " & ") == "&lt;a&gt; &amp; <b>"

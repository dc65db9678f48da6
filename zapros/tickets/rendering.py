"""A message as the conversation shows it, rendered once when it is written or edited.

``Message.rendered`` keeps the result (as Zulip keeps ``rendered_content``), so that the
portal and the staff workspace draw the same thing and neither splits a mail's quoted history
or sanitises its HTML on every page. Pure: no ORM.

What is kept is the message's own content, in the three parts the pages fold differently,
each already HTML: the text written now, the quoted history below it (mail only) and the
sanitised formatted version (mail only). The labels around them ("Quoted text", "Show
formatted") are the page's, in the reader's language. The parts are divided by HTML comments,
which neither escaped text nor the sanitiser's output (it drops comments) can contain.

A message written before the column existed has ``rendered`` NULL and is rendered when it is
read, by the same function. A change to what :func:`render` writes ships with a migration that
sets ``rendered`` back to NULL for the messages it affects (see ``version`` in the test).
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString

from zapros.core.html import sanitise

QUOTED = "<!--quoted-->"
FORMATTED = "<!--formatted-->"
EMAIL = "email"   # Message.Channel.EMAIL: only mail has quoted history and a formatted version


def render(body: str, *, channel: str, html: str | None = None) -> str:
    """What ``Message.rendered`` holds for a message with this text, channel and HTML."""
    if channel == EMAIL:
        text, quoted = split_quoted(body)
        formatted = sanitise(html) if html else ""
    else:
        text, quoted, formatted = body, "", ""
    return f"{escape(text)}{QUOTED}{escape(quoted)}{FORMATTED}{formatted}"


def parts(rendered: str) -> tuple[SafeString, SafeString, SafeString]:
    """(the text written now, the quoted history, the formatted version) of a rendering, each
    ready to print; the last two "" when the message has none."""
    text, rest = rendered.split(QUOTED, 1)
    quoted, formatted = rest.split(FORMATTED, 1)
    return SafeString(text), SafeString(quoted), SafeString(formatted)


def message_parts(message) -> tuple[SafeString, SafeString, SafeString]:
    """:func:`parts` of a message: its stored rendering, or (written before there was one)
    rendered now."""
    rendered = message.rendered
    if rendered is None:
        rendered = render(message.body, channel=message.channel, html=message.body_html)
    return parts(rendered)


QUOTE_STARTS = [
    re.compile(r"^\s*On .{3,200} wrote:\s*$"),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Исходное сообщение\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^.{0,200}писал\(а\):\s*$"),  # noqa: RUF001
    re.compile(r"^.{0,200}пишет:\s*$"),
    re.compile(r"^\s*From: .+$"),
]


def split_quoted(text: str) -> tuple[str, str]:
    """``text`` cut into what was written now and the quoted history below it.

    The history starts at an attribution line ("On … wrote:", "-----Original Message-----"
    and their Russian forms) or at a run of "> " lines that goes on to the end (blank lines
    aside).
    Nothing is lost: ``head + quoted`` is the whole text.
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index and any(pattern.match(line) for pattern in QUOTE_STARTS[:5]):
            return _cut(lines, index)
        if index and QUOTE_STARTS[5].match(line) and _outlook_block(lines, index):
            return _cut(lines, index)
    start = None
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped.startswith(">"):
            start = index
        elif stripped and start is not None:
            break
        elif stripped:
            return text, ""
    if start:
        return _cut(lines, start)
    return text, ""


def _outlook_block(lines: list[str], index: int) -> bool:
    following = [line.strip().lower() for line in lines[index + 1:index + 5]]
    return any(line.startswith(("sent:", "date:", "to:", "subject:")) for line in following)


def _cut(lines: list[str], index: int) -> tuple[str, str]:
    head = "\n".join(lines[:index])
    if not head.strip():
        return "\n".join(lines), ""
    return head + "\n", "\n".join(lines[index:])

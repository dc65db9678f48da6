"""Header blocks and header text as real mail has them. Pure: no ORM, no settings.

:func:`recover_headers` mends a header block that would otherwise be read as the body;
:func:`decode_header` turns a raw header value (RFC 2047 words, raw 8-bit bytes as the
parser's surrogates) into text.
"""

from __future__ import annotations

import base64
import binascii
import re

from .charsets import DEFAULT_LANGUAGES, decode_bytes

# A header line: a field name (printable, no colon or space) and a colon; some mailers put
# spaces before the colon.
HEADER_LINE_RE = re.compile(rb"[!-9;-~]+[ \t]*:")
KNOWN_HEADERS = frozenset({
    b"from", b"to", b"cc", b"bcc", b"subject", b"date", b"message-id", b"reply-to",
    b"in-reply-to", b"references", b"mime-version", b"content-type", b"received",
    b"return-path", b"sender", b"content-transfer-encoding", b"delivered-to",
})
# How far a header block is looked at for a bad line: real ones are a few kilobytes.
HEADER_SCAN = 256 * 1024


def recover_headers(raw: bytes) -> bytes:
    """``raw`` with a broken header block mended, so that the library does not take it all
    for the body: lines of garbage before the first header are dropped, and a line that lost
    its folding whitespace (more headers follow it) becomes the continuation it was. A block
    that needs nothing comes back as it is; a body that starts without the blank line stays
    the body."""
    lines = raw[:HEADER_SCAN].split(b"\n")
    start = 0
    while start < min(len(lines), 20) and not HEADER_LINE_RE.match(lines[start]):
        start += 1
    if start >= min(len(lines), 20) or (start and lines[0].startswith(b"From ")):
        return raw  # no header block near the top, or an mbox "From " line the library knows
    end = start
    while end < len(lines) and lines[end].rstrip(b"\r"):
        end += 1
    # known[i]: a header everyone sends comes at i or after it, before the blank line.
    known = [False] * (end + 1)
    for index in range(end - 1, start - 1, -1):
        known[index] = known[index + 1] or _is_known(lines[index])
    if not known[start]:
        return raw
    mended, changed = [], start > 0
    for index in range(start, end):
        line = lines[index]
        if line[:1] not in (b" ", b"\t") and not HEADER_LINE_RE.match(line):
            if not known[index + 1]:
                break  # the body, without the blank line before it
            line, changed = b" " + line, True
        mended.append(line)
    if not changed:
        return raw
    return b"\n".join(mended + lines[start + len(mended):]) + raw[HEADER_SCAN:]


def _is_known(line: bytes) -> bool:
    match = HEADER_LINE_RE.match(line)
    return bool(match) and match.group().rstrip(b" \t:").lower() in KNOWN_HEADERS


# Some mailers leave spaces unencoded inside a word: the text is still one word.
ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")


def decode_header(value: str, languages=DEFAULT_LANGUAGES) -> str:
    """A header's text: RFC 2047 encoded words decoded through their charset's superset, the
    whitespace between two of them dropped (RFC 2047 §6.2), neighbouring words in one charset
    decoded together (senders split a character across two), raw 8-bit text guessed."""
    pieces: list[tuple[str | None, bytes | str]] = []  # (charset, bytes) or (None, text)
    position = 0
    for match in ENCODED_WORD_RE.finditer(value):
        between, position = value[position:match.start()], match.end()
        data = _word_bytes(match.group(2), match.group(3))
        follows_word = bool(pieces) and pieces[-1][0] is not None
        if data is None:  # not really an encoded word: keep it as it is
            pieces.append((None, between + match.group()))
            continue
        if between and not (follows_word and between.isspace()):
            pieces.append((None, between))
            follows_word = False
        charset = match.group(1)
        if follows_word and pieces[-1][0].lower() == charset.lower():
            pieces[-1] = (charset, pieces[-1][1] + data)
        else:
            pieces.append((charset, data))
    if position < len(value):
        pieces.append((None, value[position:]))
    return "".join(
        unescape(data, languages) if charset is None else decode_bytes(data, charset, languages)
        for charset, data in pieces
    )


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    data = payload.encode("utf-8", "surrogateescape")
    if encoding in "Qq":
        return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes((int(m.group(1), 16),)),
                      data.replace(b"_", b" "))
    data = b"".join(data.split())
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def unescape(value: str, languages=DEFAULT_LANGUAGES) -> str:
    """Raw 8-bit bytes in a header come back as surrogates: decode them by guessing."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), None, languages)

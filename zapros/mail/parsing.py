"""Reading a received mail: raw bytes in, a :class:`ParsedMail` out. Pure: no ORM, no settings.

Whatever arrives is read without crashing: unknown or wrong charsets, 8-bit bytes in headers,
broken MIME. What the mail says is kept whole (quoted history included); how much of it is
shown is the display's business (``zapros.tickets.rendering.split_quoted``).
"""

from __future__ import annotations

import email
import functools
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from charset_normalizer import from_bytes

from zapros.core.html import sanitise

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"

DAEMON_SENDERS = ("mailer-daemon", "postmaster")


@dataclass(frozen=True)
class Part:
    """A file carried by the mail: an attachment, an inline image, a forwarded message."""

    name: str
    content: bytes
    content_type: str
    content_id: str = ""
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ParsedMail:
    message_id: str            # as in the header, with angle brackets; "" when missing
    content_hash: str          # sha256 of the raw bytes, the key when there is no Message-ID
    subject: str
    from_address: str          # lower-cased; "" when the From header holds no address
    from_name: str
    reply_to: str
    to: list[str]
    cc: list[str]
    in_reply_to: list[str]
    references: list[str]
    text: str                  # what the person wrote (from text/plain, or the HTML turned to text)
    html: str                  # sanitised HTML for display (images: cid: only), "" when none
    parts: list[Part] = field(default_factory=list)
    auto: str = ""             # AUTO_REPLY, BOUNCE or ""
    auto_reason: str = ""      # which header or sender gave it away
    date: str = ""

    @property
    def key(self) -> str:
        """What makes this mail unique: its Message-ID, or its content when it has none."""
        if self.message_id:
            return f"id:{self.message_id}"[:255]
        return f"sha256:{self.content_hash}"

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, nearest first."""
        seen, ids = set(), []
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            if mid not in seen:
                seen.add(mid)
                ids.append(mid)
        return ids

    def is_addressed_to(self, address: str) -> bool:
        address = address.strip().lower()
        return bool(address) and address in {*self.to, *self.cc}

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.parts


# Headers that describe the mail's structure: read again and again while walking it.
STRUCTURE_HEADERS = frozenset({"content-type", "content-disposition",
                               "content-transfer-encoding", "mime-version"})


class _Policy(policy.EmailPolicy):
    """The standard policy, but a structure header is parsed once: the library parses it
    again on every read (a part's Content-Type several times per mail). Parsed headers are
    immutable, so the same name and value may share one."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name") or name.lower() not in STRUCTURE_HEADERS:
            return super().header_fetch_parse(name, value)
        # As the library does: only CR and LF end a line here, not what str.splitlines knows.
        return _parsed_header(self.header_factory, name,
                              "".join(policy.linesep_splitter.split(value)))


@functools.lru_cache(maxsize=2048)
def _parsed_header(factory, name: str, value: str):
    return factory(name, value)


POLICY = _Policy()


def parse(raw: bytes) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=POLICY)
    from_name, from_address = _address(message, "from")
    _reply_name, reply_to = _address(message, "reply-to")
    text, html_body, parts = _body(message)
    auto, reason = _auto(message, from_address)
    return ParsedMail(
        message_id=_first_id(_header(message, "message-id")),
        content_hash=hashlib.sha256(raw).hexdigest(),
        subject=" ".join(_header(message, "subject").split()),
        from_address=from_address,
        from_name=from_name,
        reply_to=reply_to,
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        in_reply_to=_ids(_header(message, "in-reply-to")),
        references=_ids(_header(message, "references")),
        text=text,
        html=html_body,
        parts=parts,
        auto=auto,
        auto_reason=reason,
        date=_header(message, "date"),
    )


# --- Headers --------------------------------------------------------------------------------

def _header(message: EmailMessage, name: str) -> str:
    raw = None
    for key, value in message.raw_items():
        if key.lower() == name:
            raw = value
            break
    if raw is None:
        return ""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        # Raw 8-bit bytes in a header: the parser would turn them into U+FFFD; guess instead.
        return _unescape(" ".join(raw.split()))
    try:
        value = message.get(name)
    except Exception:  # a header so broken that the parser gives up on it
        value = raw
    return str(value) if value is not None else ""


def _unescape(value: str) -> str:
    """Raw 8-bit bytes in a header come back as surrogates: decode them by guessing."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), None)


def _address(message: EmailMessage, name: str) -> tuple[str, str]:
    value = _header(message, name)
    if not value:
        return "", ""
    display, address = parseaddr(value)
    try:
        header = message[name]
        addresses = getattr(header, "addresses", ())
        if addresses:
            first: Address = addresses[0]
            display, address = first.display_name or display, first.addr_spec or address
    except Exception:
        pass
    address = _unescape(address).strip().lower()
    return _unescape(display).strip(), address if "@" in address else ""


def _addresses(message: EmailMessage, name: str) -> list[str]:
    values = []
    for key, raw in message.raw_items():
        if key.lower() == name:
            values.append(_unescape(str(raw)))
    found = []
    for _display, address in getaddresses(values):
        address = address.strip().lower()
        if "@" in address:
            found.append(address)
    return found


ID_RE = re.compile(r"<[^<>\s]+>")


def _ids(value: str) -> list[str]:
    return ID_RE.findall(value or "")


def _first_id(value: str) -> str:
    ids = _ids(value)
    if ids:
        return ids[0]
    value = value.strip()
    # Some senders leave out the brackets; keep the id in the canonical form.
    return f"<{value}>" if value and " " not in value else ""


def _auto(message: EmailMessage, sender: str) -> tuple[str, str]:
    if message.get_content_type() == "multipart/report":
        report = (message.get_param("report-type") or "").lower()
        if report == "delivery-status":
            return BOUNCE, "multipart/report delivery-status"
    local = sender.partition("@")[0]
    if local in DAEMON_SENDERS:
        return BOUNCE, f"From: {sender}"
    submitted = _header(message, "auto-submitted").strip().lower()
    if submitted and submitted != "no":
        return AUTO_REPLY, f"Auto-Submitted: {submitted}"
    precedence = _header(message, "precedence").strip().lower()
    if precedence in {"bulk", "junk", "list"}:
        return AUTO_REPLY, f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-auto-response-suppress"):
        if message.get(name) is not None:
            return AUTO_REPLY, name.title()
    return "", ""


# --- Bodies and files -------------------------------------------------------------------------

def _body(message: EmailMessage) -> tuple[str, str, list[Part]]:
    plain: list[str] = []
    html_parts: list[str] = []
    parts: list[Part] = []
    _walk(message, plain, html_parts, parts)
    html_body = "\n".join(html_parts)
    text = "\n\n".join(t for t in plain if t.strip())
    if not text.strip() and html_body:
        text = html_to_text(html_body)
    return (
        text.replace("\r\n", "\n").strip(),
        sanitise(html_body, images=True) if html_body.strip() else "",
        parts,
    )


def _walk(part: EmailMessage, plain: list, html_parts: list, parts: list) -> None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        parts.append(_forwarded(part, len(parts)))
        return
    if part.is_multipart():
        children = list(part.iter_parts())
        if content_type == "multipart/alternative":
            _alternative(children, plain, html_parts, parts)
            return
        if content_type == "multipart/report":
            # The human-readable part only; the machine status parts are no files.
            children = children[:1]
        for child in children:
            _walk(child, plain, html_parts, parts)
        return
    disposition = part.get_content_disposition()
    filename = _filename(part)
    if disposition != "attachment" and not filename and content_type in (
        "text/plain", "text/html"
    ):
        body = _text(part)
        (plain if content_type == "text/plain" else html_parts).append(body)
        return
    content = _payload(part)
    if not content:
        return
    content_id = _header(part, "content-id").strip().strip("<>")
    parts.append(Part(
        name=filename or _default_name(content_type, len(parts) + 1),
        content=content,
        content_type=content_type,
        content_id=content_id,
        inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
    ))


def _alternative(children, plain, html_parts, parts) -> None:
    """Prefer text/plain for the words, keep the HTML for display, files from any branch."""
    texts, htmls = [], []
    for child in children:
        child_plain: list[str] = []
        child_html: list[str] = []
        _walk(child, child_plain, child_html, parts)
        texts += child_plain
        htmls += child_html
    if any(t.strip() for t in texts):
        plain += texts
    else:
        plain += [html_to_text("\n".join(htmls))]
    html_parts += htmls


def _forwarded(part: EmailMessage, index: int) -> Part:
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if isinstance(inner, EmailMessage):
        content = inner.as_bytes(policy=policy.default.clone(linesep="\r\n", max_line_length=0))
        subject = _header(inner, "subject")
    else:
        content = _payload(part)
        subject = ""
    name = _safe_name(subject) or f"message-{index + 1}"
    return Part(name=f"{name}.eml", content=content, content_type="message/rfc822")


def _filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return _unescape(name).strip()


def _payload(part: EmailMessage) -> bytes:
    try:
        content = part.get_payload(decode=True)
    except Exception:
        content = None
    if content is None:
        raw = part.get_payload()
        content = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return content


def _text(part: EmailMessage) -> str:
    return decode_bytes(_payload(part), part.get_param("charset"))


def decode_bytes(content: bytes, charset: str | None) -> str:
    """Text in the declared charset when it really is that; otherwise the best guess."""
    if isinstance(charset, tuple):  # RFC 2231 form of the parameter
        charset = charset[2]
    if charset:
        charset = str(charset).strip().strip('"').lower()
        try:
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            pass
    try:
        return content.decode("ascii" if not charset else "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(content).best()
    if best is not None:
        return str(best)
    return content.decode("utf-8", errors="replace")


def _default_name(content_type: str, number: int) -> str:
    main, _slash, sub = content_type.partition("/")
    extension = {"jpeg": "jpg", "plain": "txt", "octet-stream": "bin"}.get(sub, sub)
    return f"{main}-{number}.{extension or 'bin'}"


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w\- ]+", "", text).strip()[:80]


# --- HTML to text -----------------------------------------------------------------------------

BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
              "pre", "table", "hr", "ul", "ol"}
SKIP_TAGS = {"script", "style", "head", "title"}


class _TextOf(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1
        elif tag in BLOCK_TAGS:
            self.chunks.append("\n")
        if tag == "li":
            self.chunks.append("- ")

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.chunks.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    parser = _TextOf()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:
        return html.unescape(re.sub(r"<[^>]+>", " ", markup)).strip()
    lines = [line.strip() for line in "".join(parser.chunks).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()

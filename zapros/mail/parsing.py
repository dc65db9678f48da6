"""Reading a received mail: raw bytes in, a :class:`ParsedMail` out. Pure: no ORM, no settings.

Whatever arrives is read without crashing: unknown or wrong charsets, 8-bit bytes in headers,
broken MIME, a header block with a bad line in it. What the mail says is kept whole (quoted
history included); how much of it is shown is the display's business
(``zapros.tickets.rendering.split_quoted``). Text is decoded by :mod:`zapros.mail.charsets`,
favouring the languages passed to :func:`parse`.
"""

from __future__ import annotations

import email
import email.message
import functools
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from zapros.core.html import sanitise

from .charsets import DEFAULT_LANGUAGES, decode_bytes
from .headers import decode_header, recover_headers, unescape

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
    # sha256 of what the mail says (Message-ID, addressing headers, subject, date and the
    # decoded parts): the same for every delivery of one mail, whatever the servers on the
    # way added to its header or however they re-encoded it.
    content_hash: str
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
        """What makes this mail unique: its Message-ID together with what it says. Another
        mail that reuses a Message-ID is another mail; a second delivery of this one is not."""
        return f"mail:{self.content_hash}"

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
        """Nothing to read: no subject, no words and no files (a subject alone is a request)."""
        return not self.subject.strip() and not self.text.strip() and not self.parts


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


# What identifies one mail across deliveries: servers add trace headers (Received,
# Delivered-To, Return-Path, signatures) and may re-encode a part, but these stay.
IDENTITY_HEADERS = ("message-id", "from", "to", "cc", "subject", "date", "in-reply-to",
                    "references")


def fingerprint(message: EmailMessage) -> str:
    """sha256 of the identity headers as sent and of every part's decoded bytes."""
    digest = hashlib.sha256()
    for name in IDENTITY_HEADERS:
        for key, value in message.raw_items():
            if key.lower() == name:
                text = " ".join(str(value).split())
                digest.update(f"{name}:{text}\n".encode("utf-8", "surrogateescape"))
    for part in message.walk():
        if part.is_multipart():
            continue
        content = _payload(part)
        if part.get_content_maintype() == "text":
            # Line ends and trailing blanks change when a server re-encodes a text part.
            content = b"\n".join(line.rstrip() for line in content.splitlines()).rstrip()
        digest.update(b"%d:" % len(content) + content)
    return digest.hexdigest()


def parse(raw: bytes, *, languages=DEFAULT_LANGUAGES) -> ParsedMail:
    """The mail in ``raw``; text in no declared charset is read favouring ``languages``
    (language codes, the deployment's LANGUAGES)."""
    message = email.message_from_bytes(recover_headers(raw), policy=POLICY)
    from_name, from_address = _address(message, "from", languages)
    _reply_name, reply_to = _address(message, "reply-to", languages)
    text, html_body, parts = _body(message, languages)
    auto, reason = _auto(message, from_address)
    return ParsedMail(
        message_id=_first_id(_header(message, "message-id")),
        content_hash=fingerprint(message),
        subject=" ".join(decode_header(_header(message, "subject"), languages).split()),
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
    """The first ``name`` header as it came, unfolded, RFC 2047 words and 8-bit bytes (as
    surrogates) left in: the library would decode them with the label's own codec and turn
    what it cannot read into U+FFFD."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return "".join(policy.linesep_splitter.split(str(value))).strip()
    return ""


ANGLE_RE = re.compile(r"<\s*([^<>\s]+@[^<>\s]+?)\s*>")


def _address(message: EmailMessage, name: str, languages) -> tuple[str, str]:
    """The first address of the header and the name that goes with it, in either form:
    ``Name <addr>`` (quoted or not, commas and all) or the old ``addr (Name)``."""
    value = _header(message, name)
    if not value:
        return "", ""
    angle = ANGLE_RE.search(value)
    if angle:
        address = angle.group(1)
        display = value[:angle.start()].strip()
        if len(display) > 1 and display[0] == display[-1] == '"':
            display = re.sub(r'\\(.)', r"\1", display[1:-1])
    else:
        display, address = parseaddr(value)
    display = " ".join(decode_header(display, languages).split()).strip().strip('"').strip()
    address = unescape(address, languages).strip().lower()
    return display, address if "@" in address else ""


def _addresses(message: EmailMessage, name: str) -> list[str]:
    values = []
    for key, raw in message.raw_items():
        if key.lower() == name:
            values.append(unescape(str(raw)))
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

def _body(message: EmailMessage, languages) -> tuple[str, str, list[Part]]:
    plain: list[str] = []
    html_parts: list[str] = []
    parts: list[Part] = []
    _walk(message, plain, html_parts, parts, languages)
    html_body = "\n".join(html_parts)
    text = "\n\n".join(t for t in plain if t.strip())
    if not text.strip() and html_body:
        text = html_to_text(html_body)
    return (
        text.replace("\r\n", "\n").strip(),
        sanitise(html_body, images=True) if html_body.strip() else "",
        parts,
    )


def _walk(part: EmailMessage, plain: list, html_parts: list, parts: list, languages) -> None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        parts.append(_forwarded(part, len(parts), languages))
        return
    if part.is_multipart():
        children = list(part.iter_parts())
        if content_type == "multipart/alternative":
            _alternative(children, plain, html_parts, parts, languages)
            return
        if content_type == "multipart/report":
            # The human-readable part only; the machine status parts are no files.
            children = children[:1]
        for child in children:
            _walk(child, plain, html_parts, parts, languages)
        return
    disposition = part.get_content_disposition()
    filename = _filename(part, languages)
    if disposition != "attachment" and not filename and content_type in (
        "text/plain", "text/html"
    ):
        body = _text(part, languages)
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


def _alternative(children, plain, html_parts, parts, languages) -> None:
    """Prefer text/plain for the words, keep the HTML for display, files from any branch."""
    texts, htmls = [], []
    for child in children:
        child_plain: list[str] = []
        child_html: list[str] = []
        _walk(child, child_plain, child_html, parts, languages)
        texts += child_plain
        htmls += child_html
    if any(t.strip() for t in texts):
        plain += texts
    else:
        plain += [html_to_text("\n".join(htmls))]
    html_parts += htmls


def _forwarded(part: EmailMessage, index: int, languages) -> Part:
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if isinstance(inner, EmailMessage):
        content = inner.as_bytes(policy=policy.default.clone(linesep="\r\n", max_line_length=0))
        subject = decode_header(_header(inner, "subject"), languages)
    else:
        content = _payload(part)
        subject = ""
    name = _safe_name(subject) or f"message-{index + 1}"
    return Part(name=f"{name}.eml", content=content, content_type="message/rfc822")


def _filename(part: EmailMessage, languages) -> str:
    """The file's name from Content-Disposition (or the older Content-Type ``name``): RFC 2231
    in its declared charset (8-bit under a ``us-ascii`` label guessed), RFC 2047 words as
    Outlook writes them, raw 8-bit bytes guessed."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = _header(part, header)
        if not raw:
            continue
        # The library's parameter parsing, on the bytes as latin-1 so that it keeps them.
        legacy = email.message.Message()
        legacy[header] = raw.encode("ascii", "surrogateescape").decode("latin-1")
        try:
            value = legacy.get_param(param, header=header)
        except Exception:  # a parameter list so broken that the library gives up on it
            value = None
        if isinstance(value, tuple):  # RFC 2231: (charset, language, the bytes as latin-1)
            name = decode_bytes(_latin1_bytes(value[2]), value[0] or None, languages)
        elif value:
            data = _latin1_bytes(value)
            if b"=?" in data:
                name = decode_header(data.decode("ascii", "surrogateescape"), languages)
            else:
                name = decode_bytes(data, None, languages)
        else:
            continue
        name = " ".join(name.replace("\x00", "").split())
        if name:
            return name
    return ""


def _latin1_bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def _payload(part: EmailMessage) -> bytes:
    try:
        content = part.get_payload(decode=True)
    except Exception:
        content = None
    if content is None:
        raw = part.get_payload()
        content = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return content


META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def _text(part: EmailMessage, languages) -> str:
    charset = part.get_param("charset")
    content = _payload(part)
    if not charset and part.get_content_type() == "text/html":
        # An HTML part without a charset parameter often names it in its own <meta>.
        meta = META_CHARSET_RE.search(content[:4096])
        charset = meta.group(1).decode("ascii") if meta else None
    return decode_bytes(content, charset, languages)


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

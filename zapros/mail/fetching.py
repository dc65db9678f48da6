"""Talking to mailboxes: IMAP and POP3, over SSL/TLS, STARTTLS or plain text.

A mailbox hands out the keys of the unread mail, the raw bytes of one mail or of a batch, and
marks mail as handled (IMAP ``\\Seen``; POP3 ``DELE`` in delete mode). Marking is a separate
step that the poller takes only after the imports committed. IMAP answers a batch in one round
trip (``UID FETCH`` and ``UID STORE`` of a UID set); POP3 has no such command and goes one by
one. Every failure comes out as
:class:`MailboxError` carrying the server's own words.

A gateway reaches only the internet: the host's name is resolved here, every address it gives
is checked (:func:`resolve`), and the connection goes to a checked address, never to whatever
a second look-up answers (DNS rebinding). Loopback, private, link-local and unspecified
addresses, in any spelling, are refused unless ``ZAPROS_MAIL_ALLOWED_NETWORKS`` lists them.
TLS still verifies the certificate against the host's name.
"""

import contextlib
import imaplib
import poplib
import re
import socket
import ssl
from dataclasses import dataclass

from django.conf import settings

from zapros.core import addresses


class MailboxError(Exception):
    """The server refused, could not be reached, or stopped answering."""


def _words(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    text = error.args[0] if error.args else error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text) or error.__class__.__name__
    if isinstance(error, ConnectionRefusedError):
        text = f"connection refused ({text})"
    return text[:1000]


ERRORS = (imaplib.IMAP4.error, poplib.error_proto, OSError, EOFError, ssl.SSLError)


class ForbiddenAddress(MailboxError):
    """The host is, or resolves to, an address inside the server's own network."""


def resolve(host: str, port: int) -> list[tuple]:
    """The addresses to connect to for ``host`` (``getaddrinfo`` entries). Raises
    ForbiddenAddress when any of them is internal and not allowed by
    ``ZAPROS_MAIL_ALLOWED_NETWORKS`` (one such address among public ones is all a rebinding
    name needs), MailboxError when the name does not resolve."""
    name = (host or "").strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if not name:
        raise MailboxError("no host")
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise MailboxError(f"the host name was not found ({host})") from error
    allowed = settings.ZAPROS_MAIL_ALLOWED_NETWORKS
    for *_kind, sockaddr in found:
        address = addresses.parse(sockaddr[0])
        if address is None or (addresses.is_internal(address)
                               and not addresses.within(address, allowed)):
            raise ForbiddenAddress(f"{host} is an address of the internal network")
    return found


def _connect(found: list[tuple], timeout: float) -> socket.socket:
    """A connection to the first of the checked addresses ``found`` that answers."""
    last = None
    for family, kind, proto, _name, sockaddr in found:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except OSError as error:
            sock.close()
            last = error
        else:
            return sock
    raise last or OSError("no address to connect to")


class _Imap(imaplib.IMAP4):
    def __init__(self, host, port, *, found, timeout):
        self.found = found
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout):
        return _connect(self.found, timeout)


class _ImapSsl(imaplib.IMAP4_SSL):
    def __init__(self, host, port, *, found, ssl_context, timeout):
        self.found = found
        super().__init__(host, port, ssl_context=ssl_context, timeout=timeout)

    def _create_socket(self, timeout):
        return self.ssl_context.wrap_socket(_connect(self.found, timeout),
                                            server_hostname=self.host)


class _Pop3(poplib.POP3):
    def __init__(self, host, port, *, found, timeout):
        self.found = found
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout):
        return _connect(self.found, timeout)


class _Pop3Ssl(poplib.POP3_SSL):
    def __init__(self, host, port, *, found, context, timeout):
        self.found = found
        super().__init__(host, port, timeout=timeout, context=context)

    def _create_socket(self, timeout):
        return self.context.wrap_socket(_connect(self.found, timeout),
                                        server_hostname=self.host)


@dataclass(frozen=True)
class Account:
    protocol: str      # "imap" or "pop3"
    host: str
    port: int
    security: str      # "ssl", "starttls" or "none"
    login: str
    password: str
    folder: str = "INBOX"
    delete: bool = False   # POP3: delete handled mail
    address: str = ""      # IMAP: search only mail that names this address


def open_mailbox(account: Account, *, timeout: float):
    box = ImapBox(account, timeout) if account.protocol == "imap" else Pop3Box(account, timeout)
    try:
        box.open()
    except ERRORS as error:
        box.close()
        raise MailboxError(_words(error)) from error
    return box


class ImapBox:
    def __init__(self, account: Account, timeout: float):
        self.account = account
        self.timeout = timeout
        self.conn: imaplib.IMAP4 | None = None
        self.total = 0

    def open(self) -> None:
        a = self.account
        context = ssl.create_default_context()
        found = resolve(a.host, a.port)
        if a.security == "ssl":
            self.conn = _ImapSsl(a.host, a.port, found=found, ssl_context=context,
                                 timeout=self.timeout)
        else:
            self.conn = _Imap(a.host, a.port, found=found, timeout=self.timeout)
            if a.security == "starttls":
                self.conn.starttls(ssl_context=context)
        _no_delay(self.conn.sock)
        self.conn.login(a.login, a.password)
        status, data = self.conn.select(_quote(a.folder or "INBOX"))
        if status != "OK":
            raise MailboxError(_words(imaplib.IMAP4.error(data[0] if data else status)))
        self.total = int(data[0] or 0) if data and data[0] else 0

    def unseen(self, known=frozenset()) -> list[str]:
        criteria = ["UNSEEN"]
        if self.account.address:
            # The headers' text, not the server's parse of their addresses: a display name
            # the server cannot parse ("Support [tickets] <support@…>") hid the mail before.
            # A longer address containing this one is fetched too; the parser then skips it.
            address = _quote(self.account.address)
            criteria += ["OR", "HEADER", "TO", address, "HEADER", "CC", address]
        data = self._call("uid", "SEARCH", *criteria)
        return [uid.decode() for uid in (data[0] or b"").split()]

    def fetch(self, key: str) -> bytes:
        # PEEK: reading a mail must not mark it as read; that happens after the import.
        data = self._call("uid", "FETCH", key, "(BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        raise MailboxError(f"the server sent no mail for UID {key}")

    def sizes(self, keys: list[str]) -> dict[str, int]:
        """The size in bytes of each mail, in one round trip."""
        if not keys:
            return {}
        data = self._call("uid", "FETCH", ",".join(keys), "(RFC822.SIZE)")
        found = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            uid, size = UID_RE.search(line or b""), SIZE_RE.search(line or b"")
            if uid and size:
                found[uid.group(1).decode()] = int(size.group(1))
        return found

    def fetch_many(self, keys: list[str]) -> dict[str, bytes]:
        """The raw mails of ``keys`` in one round trip, by key; a mail the server did not send
        (deleted meanwhile) is missing from the answer."""
        if not keys:
            return {}
        data = self._call("uid", "FETCH", ",".join(keys), "(BODY.PEEK[])")
        found = {}
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                uid = UID_RE.search(item[0] or b"")
                if uid:
                    found[uid.group(1).decode()] = item[1]
        return found

    def done(self, key: str) -> None:
        self._call("uid", "STORE", key, "+FLAGS.SILENT", r"(\Seen)")

    def done_many(self, keys: list[str]) -> None:
        if keys:
            self._call("uid", "STORE", ",".join(keys), "+FLAGS.SILENT", r"(\Seen)")

    def finish(self) -> None:
        """Nothing to commit on IMAP: flags are stored as they are set."""

    def close(self) -> None:
        if self.conn is None:
            return
        try:
            if self.conn.state == "SELECTED":
                self.conn.close()
            self.conn.logout()
        except ERRORS:
            with contextlib.suppress(ERRORS):
                self.conn.shutdown()
        self.conn = None

    def _call(self, name: str, *args):
        try:
            status, data = getattr(self.conn, name)(*args)
        except ERRORS as error:
            raise MailboxError(_words(error)) from error
        if status != "OK":
            raise MailboxError(_words(imaplib.IMAP4.error(data[0] if data else status)))
        return data


UID_RE = re.compile(rb"\bUID (\d+)")
SIZE_RE = re.compile(rb"\bRFC822\.SIZE (\d+)")


def _no_delay(sock) -> None:
    """Small commands go out at once: without this, each command-and-answer round trip can
    wait for a delayed acknowledgement (tens of milliseconds per mail)."""
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Pop3Box:
    def __init__(self, account: Account, timeout: float):
        self.account = account
        self.timeout = timeout
        self.conn: poplib.POP3 | None = None
        self.numbers: dict[str, int] = {}
        self.total = 0

    def open(self) -> None:
        a = self.account
        context = ssl.create_default_context()
        found = resolve(a.host, a.port)
        if a.security == "ssl":
            self.conn = _Pop3Ssl(a.host, a.port, found=found, context=context,
                                 timeout=self.timeout)
        else:
            self.conn = _Pop3(a.host, a.port, found=found, timeout=self.timeout)
            if a.security == "starttls":
                self.conn.stls(context=context)
        _no_delay(self.conn.sock)
        self.conn.user(a.login)
        self.conn.pass_(a.password)
        self.total = self.conn.stat()[0]

    def unseen(self, known=frozenset()) -> list[str]:
        """UIDLs not in ``known``, the ones this gateway already handled."""
        try:
            _response, lines, _octets = self.conn.uidl()
        except ERRORS as error:
            raise MailboxError(_words(error)) from error
        keys = []
        for line in lines:
            number, _space, uidl = line.decode("utf-8", "replace").partition(" ")
            self.numbers[uidl] = int(number)
            if uidl not in known:
                keys.append(uidl)
        return keys

    def fetch(self, key: str) -> bytes:
        try:
            _response, lines, _octets = self.conn.retr(self.numbers[key])
        except ERRORS as error:
            raise MailboxError(_words(error)) from error
        return b"\r\n".join(lines) + b"\r\n"

    def sizes(self, keys: list[str]) -> dict[str, int]:
        """Unknown without a LIST per mail; the poller then fetches one by one."""
        return {}

    def fetch_many(self, keys: list[str]) -> dict[str, bytes]:
        return {key: self.fetch(key) for key in keys}

    def done_many(self, keys: list[str]) -> None:
        for key in keys:
            self.done(key)

    def done(self, key: str) -> None:
        if self.account.delete:
            try:
                self.conn.dele(self.numbers[key])
            except ERRORS as error:
                raise MailboxError(_words(error)) from error

    def finish(self) -> None:
        """QUIT commits the deletions; a dropped connection undoes them (the UIDLs are
        remembered, so nothing is imported twice)."""
        try:
            self.conn.quit()
        except ERRORS as error:
            raise MailboxError(_words(error)) from error
        finally:
            self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(ERRORS):
                self.conn.close()
            self.conn = None


def check(account: Account, *, timeout: float) -> int:
    """Log in and out again; the number of messages in the mailbox (folder). Raises
    MailboxError with the server's words."""
    box = open_mailbox(account, timeout=timeout)
    try:
        return box.total
    finally:
        box.close()

"""Whois over TCP port 43 (RFC 3912), following referrals from a root server. Pure: no ORM.

The root server (IANA's by default) names the registry of the domain's zone (``refer:`` or
``whois:``); a thin registry names the registrar's server (``Registrar WHOIS Server:``). At
most ``max_referrals`` such hops are followed. Every answer is read until the server closes
the connection, up to ``max_bytes``, under connect and read timeouts and one deadline for the
whole look-up, so a slow or silent server costs seconds, not a worker.

Referrals always go to the standard port. ``addresses`` maps a whois server's name to the
``host:port`` where it is reached instead (a local mirror, a proxy); a referral to a server
that is not in it must resolve to public addresses, so that a third party's answer cannot
make Zapros connect into its own network.
"""

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from zapros.core.hostnames import is_hostname

PORT = 43
MAX_BYTES = 64 * 1024

REFERRAL = re.compile(
    r"^\s*(?:refer|whois|registrar whois server|referralserver)\s*:\s*(\S+)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
NOT_FOUND = re.compile(
    r"no match(?:es)? for|not found|no entries found|no data found|no object found"
    r"|no matching record|returned 0 objects|^\s*status:\s*free\s*$",
    re.IGNORECASE | re.MULTILINE,
)
FOUND = re.compile(r"^\s*domain(?: name)?\s*:\s*\S", re.IGNORECASE | re.MULTILINE)
ADDRESS = re.compile(r"^\[?(?P<host>[^\[\]]+?)\]?:(?P<port>\d{1,5})$")


class Problem(StrEnum):
    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    PRIVATE_ADDRESS = "private_address"
    NO_REFERRAL = "no_referral"
    NOT_FOUND = "not_found"


MESSAGES = {
    Problem.REFUSED: _("The whois server %(server)s refused the connection."),
    Problem.TIMEOUT: _("The whois server %(server)s did not answer in time."),
    Problem.UNREACHABLE: _("The whois server %(server)s cannot be reached."),
    Problem.PRIVATE_ADDRESS: _("The whois server %(server)s points to a private network "
                               "address; it was not asked."),
    Problem.NO_REFERRAL: _("The whois server %(server)s does not name a server that holds "
                           "this domain: the domain zone may not exist or have no whois."),
    Problem.NOT_FOUND: _("The whois server %(server)s does not know this domain."),
}


@dataclass(frozen=True)
class Answer:
    server: str
    text: str
    truncated: bool = False


@dataclass(frozen=True)
class WhoisResult:
    """Every answer received, in order, and what went wrong at ``server`` if anything did."""

    domain: str
    answers: tuple[Answer, ...]
    problem: Problem | None = None
    server: str = ""

    @property
    def message(self) -> str:
        if self.problem is None:
            return ""
        return MESSAGES[self.problem] % {"server": self.server}


class Failure(Exception):
    def __init__(self, problem: Problem, partial: bytes = b""):
        super().__init__(problem)
        self.problem = problem
        self.partial = partial


def lookup(domain: str, *, server: str, port: int = PORT,
           addresses: Mapping[str, str] | None = None, connect_timeout: float = 2.0,
           read_timeout: float = 3.0, total_timeout: float = 5.0, max_bytes: int = MAX_BYTES,
           max_referrals: int = 2, clock: Callable[[], float] = time.monotonic) -> WhoisResult:
    """Ask ``server`` about the ASCII ``domain`` and follow its referrals."""
    addresses = addresses or {}
    deadline = clock() + total_timeout
    answers: list[Answer] = []
    host, trusted = server, True
    for hop in range(max_referrals + 1):
        target_host, target_port = _address_of(host, addresses, port if trusted else PORT)
        try:
            data, truncated = _ask(domain, target_host, target_port,
                                   trusted=trusted or host in addresses,
                                   connect_timeout=connect_timeout, read_timeout=read_timeout,
                                   max_bytes=max_bytes, deadline=deadline, clock=clock)
        except Failure as failure:
            if failure.partial:
                answers.append(Answer(host, decode(failure.partial), truncated=True))
            return WhoisResult(domain, tuple(answers), failure.problem, host)
        text = decode(data)
        answers.append(Answer(host, text, truncated))
        referral = find_referral(text, asked=host)
        if referral is None:
            if hop == 0:
                return WhoisResult(domain, tuple(answers), Problem.NO_REFERRAL, host)
            break
        if hop == max_referrals:
            break
        host, trusted = referral, False
    if NOT_FOUND.search(text) and not FOUND.search(text):
        return WhoisResult(domain, tuple(answers), Problem.NOT_FOUND, host)
    return WhoisResult(domain, tuple(answers))


def find_referral(text: str, *, asked: str) -> str | None:
    """The whois server that ``text`` refers to, if it names one other than ``asked``."""
    for match in REFERRAL.finditer(text):
        value = match.group(1)
        scheme, sep, rest = value.partition("://")
        if sep:
            if scheme.lower() != "whois":
                continue  # rwhois and web pages speak other protocols
            value = rest
        value = value.split("/", 1)[0]
        if not _is_ip(value):
            value = ADDRESS.sub(r"\g<host>", value).rstrip(".").lower()  # the port is ignored
        if value != asked.lower() and (is_hostname(value) or _is_ip(value)):
            return value
    return None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def decode(data: bytes) -> str:
    """Whois has no charset: most servers send UTF-8, the rest mostly Latin-1."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _address_of(host: str, addresses: Mapping[str, str], port: int) -> tuple[str, int]:
    mapped = addresses.get(host)
    if not mapped:
        return host, port
    match = ADDRESS.match(mapped)
    return (match["host"], int(match["port"])) if match else (mapped, PORT)


def _remaining(deadline: float, clock, limit: float) -> float:
    left = deadline - clock()
    if left <= 0:
        raise Failure(Problem.TIMEOUT)
    return min(left, limit)


def _connect(host: str, port: int, *, trusted: bool, timeout: float) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Failure(Problem.UNREACHABLE) from None
    if not trusted:
        infos = [info for info in infos if ipaddress.ip_address(info[4][0]).is_global]
        if not infos:
            raise Failure(Problem.PRIVATE_ADDRESS)
    problem = Problem.UNREACHABLE
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except ConnectionRefusedError:
            problem = Problem.REFUSED
        except TimeoutError:
            problem = Problem.TIMEOUT
        except OSError:
            pass
        else:
            return sock
        sock.close()
    raise Failure(problem)


def _ask(domain: str, host: str, port: int, *, trusted: bool, connect_timeout: float,
         read_timeout: float, max_bytes: int, deadline: float, clock) -> tuple[bytes, bool]:
    sock = _connect(host, port, trusted=trusted,
                    timeout=_remaining(deadline, clock, connect_timeout))
    received = bytearray()
    try:
        sock.settimeout(_remaining(deadline, clock, read_timeout))
        sock.sendall(f"{domain}\r\n".encode("ascii"))
        while len(received) <= max_bytes:
            sock.settimeout(_remaining(deadline, clock, read_timeout))
            chunk = sock.recv(8192)
            if not chunk:
                return bytes(received), False
            received += chunk
        return bytes(received[:max_bytes]), True
    except Failure as failure:
        failure.partial = bytes(received[:max_bytes])
        raise
    except TimeoutError:
        raise Failure(Problem.TIMEOUT, bytes(received[:max_bytes])) from None
    except ConnectionRefusedError:
        raise Failure(Problem.REFUSED) from None
    except OSError:
        raise Failure(Problem.UNREACHABLE, bytes(received[:max_bytes])) from None
    finally:
        sock.close()

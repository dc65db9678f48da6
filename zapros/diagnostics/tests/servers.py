"""Whois and DNS servers on 127.0.0.1 for tests: they speak the real protocols, answer from
the tables a test gives them and record every question they get."""

import contextlib
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

UDP_LIMIT = 512


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class _UDPServer(socketserver.ThreadingUDPServer):
    daemon_threads = True
    block_on_close = False


@contextlib.contextmanager
def serving(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- Whois ------------------------------------------------------------------------------------

class WhoisServer:
    """A whois server: ``answer(query) -> bytes`` (``None`` keeps silent until the test ends)."""

    def __init__(self, answer: Callable[[str], bytes | None]):
        self.answer = answer
        self.queries: list[str] = []
        self.released = threading.Event()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                line = self.rfile.readline(1024).decode("ascii", "replace").strip()
                outer.queries.append(line)
                reply = outer.answer(line)
                if reply is None:
                    outer.released.wait(30)
                    return
                self.wfile.write(reply)

        self.server = _TCPServer(("127.0.0.1", 0), Handler)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextlib.contextmanager
def whois_server(answer: Callable[[str], bytes | None] | Mapping[str, bytes]):
    """A whois server answering from a table ``{query: bytes}`` (or a function of the query)."""
    if isinstance(answer, Mapping):
        table = answer
        answer = lambda query: table.get(query.lower(), b"No match for domain.\r\n")  # noqa: E731
    whois = WhoisServer(answer)
    with serving(whois.server):
        try:
            yield whois
        finally:
            whois.released.set()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- DNS --------------------------------------------------------------------------------------

class DnsServer:
    """An authoritative DNS server for ``zone`` = ``{name: {type: [rdata text, …]}}`` over UDP
    and TCP on one port; names outside the zone are NXDOMAIN. ``silent`` answers nothing."""

    def __init__(self, zone: Mapping[str, Mapping[str, list[str]]], *, silent=False):
        self.zone = {name.lower().rstrip(".") + ".": records for name, records in zone.items()}
        self.silent = silent
        self.queries: list[tuple[str, str, str]] = []  # (transport, name, type)
        outer = self

        class UDPHandler(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                reply = outer.reply(data, "udp")
                if reply is not None:
                    sock.sendto(reply, self.client_address)

        class TCPHandler(socketserver.BaseRequestHandler):
            def handle(self):
                header = self.request.recv(2)
                if len(header) < 2:
                    return
                (length,) = struct.unpack("!H", header)
                data = b""
                while len(data) < length:
                    chunk = self.request.recv(length - len(data))
                    if not chunk:
                        return
                    data += chunk
                reply = outer.reply(data, "tcp")
                if reply is not None:
                    self.request.sendall(struct.pack("!H", len(reply)) + reply)

        self.udp = _UDPServer(("127.0.0.1", 0), UDPHandler)
        for _attempt in range(20):
            try:
                self.tcp = _TCPServer(("127.0.0.1", self.port), TCPHandler)
                break
            except OSError:  # the TCP port of that number is taken: try another pair
                self.udp.server_close()
                self.udp = _UDPServer(("127.0.0.1", 0), UDPHandler)
        else:
            raise RuntimeError("no free UDP and TCP port pair on 127.0.0.1")

    @property
    def port(self) -> int:
        return self.udp.server_address[1]

    def reply(self, data: bytes, transport: str) -> bytes | None:
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text().lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((transport, name, rdtype))
        if self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name not in self.zone:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif self.zone[name].get(rdtype):
            response.answer.append(dns.rrset.from_text_list(
                question.name, 300, dns.rdataclass.IN, rdtype, self.zone[name][rdtype]))
        wire = response.to_wire()
        if transport == "udp" and len(wire) > UDP_LIMIT:
            response.answer = []
            response.flags |= dns.flags.TC
            wire = response.to_wire()
        return wire


@contextlib.contextmanager
def dns_server(zone, *, silent=False):
    server = DnsServer(zone, silent=silent)
    with serving(server.udp), serving(server.tcp):
        yield server


# --- A small Internet for the ticket page ---------------------------------------------------

ZONE = {
    "alice.example": {"A": ["192.0.2.10"], "MX": ["10 mx.alice.example."],
                      "NS": ["ns1.alice.example."], "TXT": ['"v=spf1 -all"']},
    "bob.example": {"A": ["192.0.2.20"], "AAAA": ["2001:db8::20"]},
    "xn--e1afmkfd.xn--p1ai": {"A": ["192.0.2.30"]},
}
IANA = b"% IANA WHOIS server\r\n\r\nrefer:        whois.nic.example\r\n"


def _registry(query: str) -> bytes:
    if query not in ZONE:
        return f'No match for "{query.upper()}".\r\n'.encode()
    return (f"   Domain Name: {query.upper()}\r\n"
            f"   Registrar WHOIS Server: whois.registrar.example\r\n").encode()


def _registrar(query: str) -> bytes:
    return f"Domain Name: {query}\r\nRegistrant Organization: Example Holder\r\n".encode()


@dataclass
class Network:
    root: WhoisServer
    registry: WhoisServer
    registrar: WhoisServer
    dns: DnsServer

    def whois_queries(self) -> int:
        return len(self.root.queries) + len(self.registry.queries) + len(self.registrar.queries)


@contextlib.contextmanager
def local_network(settings):
    """Whois (root → registry → registrar) and DNS servers for ``ZONE`` on 127.0.0.1, with
    ``settings`` pointing Zapros at them."""
    with whois_server(lambda q: IANA) as root, whois_server(_registry) as registry, \
            whois_server(_registrar) as registrar, dns_server(ZONE) as dns:
        settings.ZAPROS_WHOIS_SERVER = "127.0.0.1"
        settings.ZAPROS_WHOIS_PORT = root.port
        settings.ZAPROS_WHOIS_ADDRESSES = {"whois.nic.example": registry.address,
                                           "whois.registrar.example": registrar.address}
        settings.ZAPROS_DNS_SERVERS = ["127.0.0.1"]
        settings.ZAPROS_DNS_PORT = dns.port
        settings.ZAPROS_DNS_TIMEOUT = 1.0
        settings.ZAPROS_DNS_LIFETIME = 2.0
        yield Network(root, registry, registrar, dns)

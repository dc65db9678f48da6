"""DNS look-ups of a domain's A, AAAA, MX, NS and TXT records with dnspython. Pure: no ORM.

Each record type is asked and answered on its own, in parallel: one type timing out or
missing says nothing about the others. With ``nameservers`` given, only they are asked (on
``port``); otherwise the system's resolver configuration is used.
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from django.utils.translation import gettext_lazy as _

TYPES = ("A", "AAAA", "MX", "NS", "TXT")


class Problem(StrEnum):
    NO_DOMAIN = "no_domain"
    NO_RECORDS = "no_records"
    TIMEOUT = "timeout"
    SERVER_FAILURE = "server_failure"
    NOT_CONFIGURED = "not_configured"
    ERROR = "error"


MESSAGES = {
    Problem.NO_DOMAIN: _("The domain does not exist (NXDOMAIN)."),
    Problem.NO_RECORDS: _("No records of this type."),
    Problem.TIMEOUT: _("The DNS server did not answer in time."),
    Problem.SERVER_FAILURE: _("The DNS servers could not answer (server failure or refusal)."),
    Problem.NOT_CONFIGURED: _("No DNS server is configured on this system."),
    Problem.ERROR: _("The DNS answer could not be read."),
}


@dataclass(frozen=True)
class RecordSet:
    """The answer for one record type: its records as text, or the problem met."""

    type: str
    records: tuple[str, ...] = ()
    ttl: int | None = None
    problem: Problem | None = None

    @property
    def message(self) -> str:
        return str(MESSAGES[self.problem]) if self.problem else ""


@dataclass(frozen=True)
class DnsResult:
    domain: str
    nameservers: tuple[str, ...]
    record_sets: tuple[RecordSet, ...]


def lookup(domain: str, *, nameservers: Sequence[str] = (), port: int = 53,
           timeout: float = 2.0, lifetime: float = 3.0,
           types: Sequence[str] = TYPES) -> DnsResult:
    """Ask for each record type of the ASCII ``domain``; never raises for network trouble."""
    try:
        resolver = make_resolver(nameservers, port=port, timeout=timeout, lifetime=lifetime)
    except dns.resolver.NoResolverConfiguration:
        return DnsResult(domain, (), tuple(RecordSet(t, problem=Problem.NOT_CONFIGURED)
                                           for t in types))
    name = dns.name.from_text(domain)
    with ThreadPoolExecutor(max_workers=len(types)) as pool:
        record_sets = tuple(pool.map(lambda rdtype: _ask(resolver, name, rdtype), types))
    return DnsResult(domain, tuple(str(s) for s in resolver.nameservers), record_sets)


def make_resolver(nameservers: Sequence[str], *, port: int, timeout: float,
                  lifetime: float) -> dns.resolver.Resolver:
    if nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = list(nameservers)
    else:
        resolver = dns.resolver.Resolver()
    resolver.port = port
    resolver.timeout = timeout
    resolver.lifetime = lifetime
    resolver.cache = None
    return resolver


def _ask(resolver: dns.resolver.Resolver, name: dns.name.Name, rdtype: str) -> RecordSet:
    try:
        answer = resolver.resolve(name, rdtype, search=False)
    except dns.resolver.NXDOMAIN:
        return RecordSet(rdtype, problem=Problem.NO_DOMAIN)
    except dns.resolver.NoAnswer:
        return RecordSet(rdtype, problem=Problem.NO_RECORDS)
    except dns.exception.Timeout:
        return RecordSet(rdtype, problem=Problem.TIMEOUT)
    except dns.resolver.NoNameservers:
        return RecordSet(rdtype, problem=Problem.SERVER_FAILURE)
    except dns.exception.DNSException:
        return RecordSet(rdtype, problem=Problem.ERROR)
    records = [_text(rdata) for rdata in sorted(answer, key=_order)]
    return RecordSet(rdtype, tuple(records), ttl=answer.rrset.ttl if answer.rrset else None)


def _order(rdata) -> tuple:
    return (getattr(rdata, "preference", 0), rdata.to_text())


def _text(rdata) -> str:
    if rdata.rdtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    if rdata.rdtype == dns.rdatatype.MX:
        return f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True)}"
    if rdata.rdtype == dns.rdatatype.NS:
        return rdata.target.to_text(omit_final_dot=True)
    return rdata.to_text()

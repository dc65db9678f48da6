"""Whois and DNS of the domain of a request's service, for staff.

Who may look up what, and how often, is decided in ``zapros.tickets``; refusals become
answers in ``zapros.api.errors`` (404 for clients and unseen requests, 422 without a domain,
429 past the allowance).
"""

from datetime import datetime
from typing import Annotated

from ninja import Field, Path, Router, Schema

from zapros.tickets import diagnostics

from ..schemas import MAX_ID, ErrorOut

router = Router(tags=["diagnostics"])

ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
Number = Annotated[int, Path(ge=1, le=MAX_ID, description="The request number, as in #1024.")]


class LookupOut(Schema):
    domain: str = Field(description="The service's domain as stored (may be an IDN).")
    ascii_domain: str = Field(description="The domain as asked, in punycode.")
    checked_at: datetime
    cached: bool = Field(description="True when the answer comes from a recent look-up.")


class WhoisAnswerOut(Schema):
    server: str
    text: str
    truncated: bool = Field(description="The answer was longer than the size cap.")


class WhoisOut(LookupOut):
    problem: str | None = Field(
        None, description="refused, timeout, unreachable, private_address, no_referral or "
                          "not_found; `message` says it in words.")
    message: str = ""
    server: str = Field("", description="The whois server the problem concerns.")
    answers: list[WhoisAnswerOut] = Field(
        description="Every server's answer, the root server's first, the last the fullest.")


class RecordSetOut(Schema):
    type: str
    records: list[str]
    ttl: int | None
    problem: str | None = Field(
        None, description="no_domain, no_records, timeout, server_failure, not_configured "
                          "or error; each type is answered on its own.")
    message: str


class DnsOut(LookupOut):
    nameservers: list[str]
    records: list[RecordSetOut]


def _lookup(lookup, **fields) -> dict:
    return {"domain": lookup.domain, "ascii_domain": lookup.ascii_domain,
            "checked_at": lookup.checked_at, "cached": lookup.cached, **fields}


@router.get("/tickets/{number}/diagnostics/whois", response={200: WhoisOut, **ERRORS},
            summary="Whois of the request's domain")
def whois(request, number: Number):
    """Asks the root whois server and follows its referrals (registry, then registrar).
    Staff only. The answer of every server is returned even when a later one failed."""
    lookup = diagnostics.whois_lookup(request.auth, number)
    result = lookup.result
    return _lookup(
        lookup, problem=result.problem, message=result.message, server=result.server,
        answers=[{"server": a.server, "text": a.text, "truncated": a.truncated}
                 for a in result.answers],
    )


@router.get("/tickets/{number}/diagnostics/dns", response={200: DnsOut, **ERRORS},
            summary="DNS records of the request's domain")
def dns(request, number: Number):
    """A, AAAA, MX, NS and TXT records of the domain of the request's service. Staff only."""
    lookup = diagnostics.dns_lookup(request.auth, number)
    result = lookup.result
    return _lookup(
        lookup, nameservers=list(result.nameservers),
        records=[{"type": s.type, "records": list(s.records), "ttl": s.ttl,
                  "problem": s.problem, "message": s.message} for s in result.record_sets],
    )

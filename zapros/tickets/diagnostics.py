"""Whois and DNS look-ups of the domain of a ticket's service, for staff.

Read-only: nothing is stored and no Event is written. Results are kept in the cache for a
short while per domain, and every look-up that reaches the network counts against the staff
member's allowance, so that the buttons cannot be used to hammer third-party servers.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import RateLimited, ValidationFailed
from zapros.core.hostnames import to_ascii
from zapros.diagnostics import dnslookup, whois

from . import policies

WHOIS = "whois"
DNS = "dns"


@dataclass(frozen=True)
class Lookup:
    """One look-up as shown to staff: the domain as stored and as asked, and the answer."""

    kind: str
    domain: str
    ascii_domain: str
    result: whois.WhoisResult | dnslookup.DnsResult
    checked_at: datetime
    cached: bool = False


def whois_lookup(user: User, number: int) -> Lookup:
    """Whois of the domain of ticket ``number``'s service, following referrals from
    ``ZAPROS_WHOIS_SERVER``.

    Staff who see the ticket only (NotFound for everyone else); ValidationFailed when the
    service has no valid domain; RateLimited past the allowance. Writes nothing.
    """
    return _run(user, number, WHOIS, lambda domain: whois.lookup(
        domain,
        server=settings.ZAPROS_WHOIS_SERVER,
        port=settings.ZAPROS_WHOIS_PORT,
        addresses=settings.ZAPROS_WHOIS_ADDRESSES,
        connect_timeout=settings.ZAPROS_WHOIS_CONNECT_TIMEOUT,
        read_timeout=settings.ZAPROS_WHOIS_READ_TIMEOUT,
        total_timeout=settings.ZAPROS_WHOIS_TOTAL_TIMEOUT,
        max_bytes=settings.ZAPROS_WHOIS_MAX_BYTES,
    ))


def dns_lookup(user: User, number: int) -> Lookup:
    """A, AAAA, MX, NS and TXT records of the domain of ticket ``number``'s service, asked of
    ``ZAPROS_DNS_SERVERS`` (the system's resolvers when empty). Same rules as whois."""
    return _run(user, number, DNS, lambda domain: dnslookup.lookup(
        domain,
        nameservers=settings.ZAPROS_DNS_SERVERS,
        port=settings.ZAPROS_DNS_PORT,
        timeout=settings.ZAPROS_DNS_TIMEOUT,
        lifetime=settings.ZAPROS_DNS_LIFETIME,
    ))


def _run(user: User, number: int, kind: str, lookup) -> Lookup:
    _ticket, domain = policies.access_ticket_domain(user, number)
    try:
        ascii_domain = to_ascii(domain)
    except ValueError:
        raise ValidationFailed(
            _("The domain of this request's service, “%(domain)s”, is not a valid domain name.")
            % {"domain": domain}, field="service",
        ) from None
    key = f"zapros:diagnostics:{kind}:{ascii_domain}"
    found = cache.get(key)
    if found is not None:
        return Lookup(kind, domain, ascii_domain, found[0], found[1], cached=True)
    _count_against_allowance(user)
    result = lookup(ascii_domain)
    checked_at = clock.now()
    cache.set(key, (result, checked_at), timeout=settings.ZAPROS_DIAGNOSTICS_CACHE_SECONDS)
    return Lookup(kind, domain, ascii_domain, result, checked_at)


def _count_against_allowance(user: User) -> None:
    """Counted in the shared cache (so across processes when the cache is Redis), in a window
    that opens with the first look-up and closes ``ZAPROS_DIAGNOSTICS_RATE_WINDOW`` seconds
    later: the counter's own expiry, which incrementing keeps."""
    limit = settings.ZAPROS_DIAGNOSTICS_RATE_LIMIT
    window = max(settings.ZAPROS_DIAGNOSTICS_RATE_WINDOW, 1)
    key = f"zapros:diagnostics:rate:{user.pk}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window closed between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise RateLimited(
            _("Too many look-ups: at most %(limit)s in %(seconds)s seconds. Wait a little and "
              "try again.") % {"limit": limit, "seconds": window}
        )

"""IP addresses: the client's, as the reverse proxies in front of Zapros report it, and whether
an address is one of the internal network's (loopback, private, link-local…).

Pure: no ORM. Settings are read at call time.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = ipaddress.ip_network("64:ff9b::/96")
COMPATIBLE = ipaddress.ip_network("::/96")


def parse(text: str) -> IPAddress | None:
    """The address written in ``text`` (``[::1]`` and ``::ffff:10.0.0.1`` as well), an IPv4
    address mapped into IPv6 as the IPv4 address itself; None when ``text`` is not one."""
    text = (text or "").strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=16)
def networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """``values`` (``10.0.0.0/8``, ``192.0.2.7``, ``::1``) as networks; a single address is a
    network of one. Raises ValueError for anything else, so that a mistyped setting is seen."""
    found = []
    for value in values:
        address = parse(value)
        found.append(ipaddress.ip_network(address) if address is not None
                     else ipaddress.ip_network(value.strip(), strict=False))
    return tuple(found)


def within(address: IPAddress, values: Iterable[str]) -> bool:
    return any(address.version == network.version and address in network
               for network in networks(tuple(values)))


def client_address(request) -> str:
    """The address of the client that sent ``request``, as text.

    Behind reverse proxies listed in ``ZAPROS_TRUSTED_PROXIES`` the peer is a proxy, and the
    client is the rightmost address of ``X-Forwarded-For`` that is not one of those proxies:
    each proxy appends the address it was connected from, so everything left of that entry was
    written by the client and proves nothing. A peer that is not a trusted proxy is the client
    whatever headers it sends.
    """
    peer = parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    trusted = settings.ZAPROS_TRUSTED_PROXIES
    if not trusted or not within(peer, trusted):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for entry in reversed(forwarded.split(",")):
        address = parse(entry)
        if address is None:
            break   # a proxy would not write this: what lies further left is the client's
        client = address
        if not within(address, trusted):
            break
    return str(client)


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64, compatible),
    which reach the same host as the IPv4 address on networks that translate them."""
    if address.version == 4:
        return []
    found = [address.ipv4_mapped, address.sixtofour]
    if address.teredo:
        found += list(address.teredo)
    if address in NAT64 or (address in COMPATIBLE and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [item for item in found if item is not None]


def is_internal(address: IPAddress) -> bool:
    """Loopback, private, link-local (cloud metadata, 169.254.169.254), unspecified
    (0.0.0.0, ::), shared, reserved and multicast addresses, and IPv6 forms of any of them:
    everything that is not an ordinary address on the internet."""
    return any(
        not candidate.is_global or candidate.is_multicast
        for candidate in (address, *embedded_ipv4(address))
    )

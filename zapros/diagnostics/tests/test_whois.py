"""Whois against whois servers on 127.0.0.1: referrals, limits, timeouts, refusals."""

import time

import pytest

from zapros.core.hostnames import to_ascii
from zapros.diagnostics import whois
from zapros.diagnostics.tests.servers import closed_port, whois_server

ROOT = b"""% IANA WHOIS server\r
\r
refer:        whois.nic.test\r
\r
domain:       TEST\r
whois:        whois.nic.test\r
"""
UNKNOWN_ZONE = b"% IANA WHOIS server\r\n%\r\n% This query returned 0 objects.\r\n"


def registry(domain: str) -> bytes:
    return (f"   Domain Name: {domain.upper()}\r\n"
            f"   Registrar WHOIS Server: whois.registrar.test\r\n"
            f"   Name Server: NS1.{domain.upper()}\r\n").encode()


def registrar(domain: str) -> bytes:
    return (f"Domain Name: {domain}\r\nRegistrant Name: Ivan Petrov\r\n"
            f"Registrar WHOIS Server: whois.registrar.test\r\n").encode()


def ask(domain, root, **kwargs):
    kwargs.setdefault("addresses", {})
    kwargs.setdefault("total_timeout", 5.0)
    return whois.lookup(to_ascii(domain), server="127.0.0.1", port=root.port, **kwargs)


def test_the_root_refers_to_the_registry_and_the_registry_to_the_registrar():
    with whois_server(lambda q: ROOT) as root, \
            whois_server(lambda q: registry(q)) as nic, \
            whois_server(lambda q: registrar(q)) as shop:
        result = ask("alice.test", root, addresses={
            "whois.nic.test": nic.address, "whois.registrar.test": shop.address})
    assert result.problem is None and result.message == ""
    assert [a.server for a in result.answers] == [
        "127.0.0.1", "whois.nic.test", "whois.registrar.test"]
    assert "Registrant Name: Ivan Petrov" in result.answers[-1].text
    assert "\r" not in result.answers[-1].text
    assert root.queries == nic.queries == shop.queries == ["alice.test"]


def test_idn_domains_are_asked_in_punycode():
    with whois_server(lambda q: ROOT) as root, \
            whois_server(lambda q: registry(q)) as nic, \
            whois_server(lambda q: registrar(q)) as shop:
        result = ask("Пример.ТЕСТ", root, addresses={  # noqa: RUF001
            "whois.nic.test": nic.address, "whois.registrar.test": shop.address})
    assert result.domain == "xn--e1afmkfd.xn--e1aybc"
    assert root.queries == nic.queries == shop.queries == ["xn--e1afmkfd.xn--e1aybc"]


def test_no_more_than_two_referrals_are_followed():
    chatty = b"Domain Name: alice.test\r\nRegistrar WHOIS Server: whois.reseller.test\r\n"
    with whois_server(lambda q: ROOT) as root, \
            whois_server(lambda q: registry(q)) as nic, \
            whois_server(lambda q: chatty) as shop, \
            whois_server(lambda q: registrar(q)) as reseller:
        result = ask("alice.test", root, addresses={
            "whois.nic.test": nic.address, "whois.registrar.test": shop.address,
            "whois.reseller.test": reseller.address})
    assert result.problem is None
    assert [a.server for a in result.answers][-1] == "whois.registrar.test"
    assert reseller.queries == []


def test_a_zone_the_root_does_not_know_has_no_referral():
    with whois_server(lambda q: UNKNOWN_ZONE) as root:
        result = ask("alice.nowhere", root)
    assert result.problem == whois.Problem.NO_REFERRAL
    assert "127.0.0.1" in result.message and "does not name a server" in result.message
    assert "returned 0 objects" in result.answers[0].text


def test_a_domain_the_registry_does_not_know_is_reported_with_its_answer():
    with whois_server(lambda q: ROOT) as root, \
            whois_server(lambda q: f'No match for "{q.upper()}".\r\n'.encode()) as nic:
        result = ask("missing.test", root, addresses={"whois.nic.test": nic.address})
    assert result.problem == whois.Problem.NOT_FOUND
    assert result.server == "whois.nic.test"
    assert 'No match for "MISSING.TEST"' in result.answers[-1].text


def test_a_silent_registry_times_out_and_the_root_answer_is_kept():
    with whois_server(lambda q: ROOT) as root, whois_server(lambda q: None) as nic:
        started = time.monotonic()
        result = ask("alice.test", root, addresses={"whois.nic.test": nic.address},
                     read_timeout=0.3)
        elapsed = time.monotonic() - started
    assert result.problem == whois.Problem.TIMEOUT
    assert result.server == "whois.nic.test" and "did not answer in time" in result.message
    assert [a.server for a in result.answers] == ["127.0.0.1"]
    assert elapsed < 2


def test_the_whole_lookup_has_one_deadline():
    with whois_server(lambda q: None) as root:
        started = time.monotonic()
        result = ask("alice.test", root, read_timeout=10, total_timeout=0.4)
        elapsed = time.monotonic() - started
    assert result.problem == whois.Problem.TIMEOUT
    assert elapsed < 2


def test_a_closed_port_is_a_refused_connection():
    result = whois.lookup("alice.test", server="127.0.0.1", port=closed_port())
    assert result.problem == whois.Problem.REFUSED
    assert result.answers == ()
    assert "refused the connection" in result.message


def test_a_server_name_that_does_not_resolve_is_unreachable():
    result = whois.lookup("alice.test", server="whois.nowhere.invalid", total_timeout=2)
    assert result.problem == whois.Problem.UNREACHABLE


def test_a_referral_into_a_private_network_is_not_followed():
    sneaky = b"refer: 127.0.0.2\r\n"
    with whois_server(lambda q: sneaky) as root:
        result = ask("alice.test", root)
    assert result.problem == whois.Problem.PRIVATE_ADDRESS
    assert root.queries == ["alice.test"]


def test_answers_are_cut_at_the_size_cap():
    huge = b"Domain Name: alice.test\n" + b"x" * 200_000
    with whois_server(lambda q: huge) as root:
        result = ask("alice.test", root, max_bytes=64 * 1024)
    assert result.answers[0].truncated
    assert len(result.answers[0].text) == 64 * 1024


@pytest.mark.parametrize(("raw", "text"), [
    ("Registrant: Иван Петров".encode(), "Registrant: Иван Петров"),
    ("Registrant: Müller".encode("latin-1"), "Registrant: Müller"),
])
def test_answers_are_decoded_as_utf8_or_else_latin1(raw, text):
    with whois_server(lambda q: ROOT) as root, whois_server(lambda q: raw) as nic:
        result = ask("alice.test", root, addresses={"whois.nic.test": nic.address})
    assert result.answers[-1].text == text


@pytest.mark.parametrize(("text", "found"), [
    ("refer: whois.nic.test\n", "whois.nic.test"),
    ("whois:        WHOIS.NIC.TEST.\n", "whois.nic.test"),
    ("   Registrar WHOIS Server: whois://whois.shop.test/\n", "whois.shop.test"),
    ("Registrar WHOIS Server: whois.shop.test:4343\n", "whois.shop.test"),
    ("ReferralServer: rwhois://rwhois.shop.test:4321\n", None),
    ("Registrar WHOIS Server: \nrefer: whois.asked.test\n", None),
    ("Registrar WHOIS Server: http://shop.test/whois\n", None),
    ("Registrar WHOIS Server: not a host\n", None),
])
def test_referrals_are_read_from_the_usual_lines(text, found):
    assert whois.find_referral(text, asked="whois.asked.test") == found

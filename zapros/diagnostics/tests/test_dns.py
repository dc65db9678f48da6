"""DNS look-ups against DNS servers on 127.0.0.1, each record type answered on its own."""

import time

from zapros.core.hostnames import to_ascii
from zapros.diagnostics import dnslookup
from zapros.diagnostics.dnslookup import Problem
from zapros.diagnostics.tests.servers import dns_server

ZONE = {
    "alice.test": {
        "A": ["192.0.2.10", "192.0.2.9"],
        "AAAA": ["2001:db8::10"],
        "MX": ["20 mx2.alice.test.", "10 mx1.alice.test."],
        "NS": ["ns1.alice.test.", "ns2.alice.test."],
        "TXT": ['"v=spf1 " "-all"'],
    },
    "bare.test": {"A": ["192.0.2.77"]},
    "xn--e1afmkfd.test": {"A": ["192.0.2.88"]},
    "big.test": {"TXT": [f'"{"k" * 200}{n}"' for n in range(6)]},
}


def ask(server, domain, **kwargs):
    kwargs.setdefault("timeout", 1.0)
    kwargs.setdefault("lifetime", 2.0)
    return dnslookup.lookup(to_ascii(domain), nameservers=["127.0.0.1"], port=server.port,
                            **kwargs)


def by_type(result):
    return {s.type: s for s in result.record_sets}


def test_every_record_type_is_answered():
    with dns_server(ZONE) as server:
        result = by_type(ask(server, "alice.test"))
    assert list(result) == ["A", "AAAA", "MX", "NS", "TXT"]
    assert result["A"].records == ("192.0.2.10", "192.0.2.9")
    assert result["AAAA"].records == ("2001:db8::10",)
    assert result["MX"].records == ("10 mx1.alice.test", "20 mx2.alice.test")
    assert result["NS"].records == ("ns1.alice.test", "ns2.alice.test")
    assert result["TXT"].records == ("v=spf1 -all",)
    assert all(s.problem is None and s.ttl == 300 for s in result.values())


def test_types_without_records_are_told_apart_from_a_missing_domain():
    with dns_server(ZONE) as server:
        bare = by_type(ask(server, "bare.test"))
        missing = by_type(ask(server, "missing.test"))
    assert bare["A"].records == ("192.0.2.77",) and bare["A"].problem is None
    assert {t: s.problem for t, s in bare.items() if t != "A"} == {
        "AAAA": Problem.NO_RECORDS, "MX": Problem.NO_RECORDS, "NS": Problem.NO_RECORDS,
        "TXT": Problem.NO_RECORDS}
    assert {s.problem for s in missing.values()} == {Problem.NO_DOMAIN}
    assert "NXDOMAIN" in missing["A"].message


def test_idn_domains_are_asked_in_punycode():
    with dns_server(ZONE) as server:
        result = by_type(ask(server, "пример.test"))
    assert result["A"].records == ("192.0.2.88",)
    assert ("udp", "xn--e1afmkfd.test.", "A") in server.queries


def test_a_silent_server_times_out_for_each_type_at_once():
    with dns_server(ZONE, silent=True) as server:
        started = time.monotonic()
        result = ask(server, "alice.test", timeout=0.3, lifetime=0.6)
        elapsed = time.monotonic() - started
    assert {s.problem for s in result.record_sets} == {Problem.TIMEOUT}
    assert "did not answer in time" in result.record_sets[0].message
    assert elapsed < 2  # the types are asked side by side, not one after another
    assert {q[2] for q in server.queries} == {"A", "AAAA", "MX", "NS", "TXT"}


def test_a_truncated_answer_is_asked_again_over_tcp():
    with dns_server(ZONE) as server:
        result = by_type(ask(server, "big.test"))
    assert len(result["TXT"].records) == 6
    assert ("udp", "big.test.", "TXT") in server.queries
    assert ("tcp", "big.test.", "TXT") in server.queries


def test_the_configured_servers_are_the_only_ones_asked():
    with dns_server(ZONE) as server:
        result = ask(server, "bare.test")
    assert result.nameservers == ("127.0.0.1",)
    assert len(server.queries) == 5

"""GET /api/v1/tickets/{number}/diagnostics/whois and /dns: staff only, per-type DNS answers,
422 without a domain, 429 past the allowance."""

import pytest
from django.test import Client

from conftest import make_staff
from zapros.diagnostics.tests.servers import local_network
from zapros.tickets import services

from .conftest import snapshot


@pytest.fixture
def network(settings):
    with local_network(settings) as net:
        yield net


def path(ticket, kind):
    return f"/api/v1/tickets/{ticket.number}/diagnostics/{kind}"


def test_whois_follows_the_referrals(cast, api_as, network):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    response = api_as(cast.john).get(path(ticket, "whois"))
    assert response.status_code == 200
    body = response.json()
    assert body["domain"] == body["ascii_domain"] == "alice.example"
    assert body["problem"] is None and body["cached"] is False
    assert [a["server"] for a in body["answers"]] == [
        "127.0.0.1", "whois.nic.example", "whois.registrar.example"]
    assert "Example Holder" in body["answers"][-1]["text"]
    again = api_as(cast.gary).get(path(ticket, "whois")).json()
    assert again["cached"] is True and again["answers"] == body["answers"]


def test_dns_answers_every_type(cast, api_as, network):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    body = api_as(cast.supervisor).get(path(ticket, "dns")).json()
    records = {r["type"]: r for r in body["records"]}
    assert list(records) == ["A", "AAAA", "MX", "NS", "TXT"]
    assert records["A"] == {"type": "A", "records": ["192.0.2.10"], "ttl": 300,
                            "problem": None, "message": ""}
    assert records["AAAA"]["problem"] == "no_records"
    assert records["AAAA"]["message"] == "No records of this type."
    assert body["nameservers"] == ["127.0.0.1"]


def test_an_idn_domain_is_answered_in_the_callers_language(cast, api_as, network):
    cast.bob_domain.domain = "пример.рф"
    cast.bob_domain.save()
    ticket = cast.open(client=cast.bob, service_id=cast.bob_domain.pk)
    cast.john.language = "ru"
    cast.john.save(update_fields=["language"])
    body = api_as(cast.john).get(path(ticket, "dns")).json()
    assert body["domain"] == "пример.рф" and body["ascii_domain"] == "xn--e1afmkfd.xn--p1ai"
    records = {r["type"]: r for r in body["records"]}
    assert records["A"]["records"] == ["192.0.2.30"]
    assert records["MX"]["message"] == "Записей этого типа нет."


def test_without_a_domain_the_answer_is_422(cast, api_as, network):
    john = api_as(cast.john)
    for ticket in (cast.open(), cast.open(service_id=cast.alice_vps.pk)):
        before = snapshot()
        for kind in ("whois", "dns"):
            response = john.get(path(ticket, kind))
            assert response.status_code == 422
            assert response.json() == {
                "detail": "This request has no service with a domain to look up.",
                "field": "service"}
        assert snapshot() == before
    assert network.whois_queries() == 0 and network.dns.queries == []


def test_past_the_allowance_the_answer_is_429(cast, api_as, network, settings):
    settings.ZAPROS_DIAGNOSTICS_CACHE_SECONDS = 0
    settings.ZAPROS_DIAGNOSTICS_RATE_LIMIT = 2
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    john = api_as(cast.john)
    assert john.get(path(ticket, "dns")).status_code == 200
    assert john.get(path(ticket, "whois")).status_code == 200
    asked = (network.whois_queries(), len(network.dns.queries))
    response = john.get(path(ticket, "dns"))
    assert response.status_code == 429
    assert "Too many look-ups" in response.json()["detail"]
    assert (network.whois_queries(), len(network.dns.queries)) == asked


@pytest.mark.parametrize(("who", "status"), [
    ("alice", 404), ("bob", 404), ("john", 200), ("outsider", 404), ("supervisor", 200),
    ("admin", 200), ("anonymous", 401),
])
def test_access_matrix(cast, api_as, network, who, status):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    outsider = make_staff("sam@zapros.test", "Sam Sales", departments=[cast.sales])
    caller = Client() if who == "anonymous" else api_as(
        outsider if who == "outsider" else getattr(cast, who))
    before = snapshot()
    for kind in ("whois", "dns"):
        response = caller.get(path(ticket, kind))
        assert response.status_code == status, kind
        if status != 200:
            assert set(response.json()) <= {"detail", "field"}
    if status != 200:
        assert network.whois_queries() == 0 and network.dns.queries == []
    assert snapshot() == before


def test_missing_tickets_are_404(cast, api_as, network):
    response = api_as(cast.supervisor).get("/api/v1/tickets/999999/diagnostics/whois")
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["whois", "dns"])
def test_a_constant_number_of_queries(cast, api_as, network, kind,
                                      django_assert_max_num_queries):
    john = api_as(cast.john)
    for size in (1, 25):
        ticket = cast.open(service_id=cast.alice_hosting.pk)
        services.take(cast.john, ticket.number)
        for i in range(size):
            services.reply(cast.john, ticket.number, body=f"Answer {i}", close=False)
        with django_assert_max_num_queries(5):
            assert john.get(path(ticket, kind)).status_code == 200

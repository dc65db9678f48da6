"""Whois and DNS of a ticket's domain: who may run them, which domain, caching, allowance."""

import time

import pytest

from zapros.clients.models import Service
from zapros.core.errors import NotFound, RateLimited, ValidationFailed
from zapros.diagnostics.dnslookup import Problem as DnsProblem
from zapros.diagnostics.tests.servers import local_network
from zapros.diagnostics.whois import Problem as WhoisProblem
from zapros.tickets import diagnostics


@pytest.fixture
def network(settings):
    with local_network(settings) as net:
        yield net


def test_staff_who_see_the_ticket_get_whois_of_its_service_domain(cast, network):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    lookup = diagnostics.whois_lookup(cast.john, ticket.number)
    assert lookup.domain == lookup.ascii_domain == "alice.example"
    assert lookup.result.problem is None and not lookup.cached
    assert [a.server for a in lookup.result.answers] == [
        "127.0.0.1", "whois.nic.example", "whois.registrar.example"]
    assert "Registrant Organization: Example Holder" in lookup.result.answers[-1].text


def test_dns_answers_each_type_on_its_own(cast, network):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    lookup = diagnostics.dns_lookup(cast.supervisor, ticket.number)
    sets = {s.type: s for s in lookup.result.record_sets}
    assert sets["A"].records == ("192.0.2.10",)
    assert sets["MX"].records == ("10 mx.alice.example",)
    assert sets["AAAA"].problem == DnsProblem.NO_RECORDS


@pytest.mark.parametrize("who", ["alice", "bob", "anonymous"])
def test_clients_and_anonymous_never_run_lookups(cast, network, refused, who):
    from django.contrib.auth.models import AnonymousUser

    ticket = cast.open(service_id=cast.alice_hosting.pk)
    user = AnonymousUser() if who == "anonymous" else getattr(cast, who)
    for run in (diagnostics.whois_lookup, diagnostics.dns_lookup):
        with refused(NotFound):
            run(user, ticket.number)
    assert network.whois_queries() == 0 and network.dns.queries == []


def test_staff_outside_the_department_cannot_look_up(cast, network, refused):
    ticket = cast.staff_ticket(cast.billing, service_id=cast.alice_hosting.pk)
    with refused(NotFound):
        diagnostics.whois_lookup(cast.john, ticket.number)
    assert network.whois_queries() == 0


def test_a_ticket_without_service_or_domain_is_refused_clearly(cast, network, refused):
    for ticket in (cast.open(), cast.open(service_id=cast.alice_vps.pk)):
        with refused(ValidationFailed) as error:
            diagnostics.dns_lookup(cast.john, ticket.number)
        assert error.value.field == "service"
        assert "no service with a domain" in str(error.value.message)
    assert network.dns.queries == []


def test_an_invalid_stored_domain_is_refused(cast, network, refused):
    Service.objects.filter(pk=cast.alice_hosting.pk).update(domain="http://alice.example/")
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    with refused(ValidationFailed) as error:
        diagnostics.whois_lookup(cast.john, ticket.number)
    assert "is not a valid domain name" in str(error.value.message)
    assert network.whois_queries() == 0


def test_an_idn_domain_is_kept_as_given_and_asked_in_punycode(cast, network):
    cast.alice_hosting.domain = "Пример.рф"
    cast.alice_hosting.full_clean()
    cast.alice_hosting.save()
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    lookup = diagnostics.dns_lookup(cast.john, ticket.number)
    assert lookup.domain == "Пример.рф" and lookup.ascii_domain == "xn--e1afmkfd.xn--p1ai"
    assert {s.type: s for s in lookup.result.record_sets}["A"].records == ("192.0.2.30",)
    whois = diagnostics.whois_lookup(cast.john, ticket.number)
    assert network.root.queries == ["xn--e1afmkfd.xn--p1ai"]
    assert whois.result.problem is None


def test_an_unknown_domain_is_reported_by_whois_and_dns(cast, network):
    Service.objects.filter(pk=cast.alice_hosting.pk).update(domain="gone.example")
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    whois = diagnostics.whois_lookup(cast.john, ticket.number)
    assert whois.result.problem == WhoisProblem.NOT_FOUND
    assert whois.result.server == "whois.nic.example"
    dns = diagnostics.dns_lookup(cast.john, ticket.number)
    assert {s.problem for s in dns.result.record_sets} == {DnsProblem.NO_DOMAIN}


def test_results_are_cached_briefly_per_domain(cast, network):
    first = cast.open(service_id=cast.alice_hosting.pk)
    second = cast.open(subject="Mail", service_id=cast.alice_hosting.pk)
    diagnostics.whois_lookup(cast.john, first.number)
    asked = network.whois_queries()
    again = diagnostics.whois_lookup(cast.gary, second.number)
    assert again.cached and network.whois_queries() == asked
    assert again.result.answers[-1].text.startswith("Domain Name: alice.example")


def test_lookups_are_limited_per_staff_member(cast, network, settings, refused):
    settings.ZAPROS_DIAGNOSTICS_CACHE_SECONDS = 0  # every call reaches the network
    settings.ZAPROS_DIAGNOSTICS_RATE_LIMIT = 3
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    for _ in range(3):
        diagnostics.dns_lookup(cast.john, ticket.number)
    asked = len(network.dns.queries)
    with refused(RateLimited) as error:
        diagnostics.whois_lookup(cast.john, ticket.number)
    assert error.value.status == 429
    assert "at most 3 in 60 seconds" in str(error.value.message)
    assert len(network.dns.queries) == asked and network.whois_queries() == 0
    diagnostics.dns_lookup(cast.gary, ticket.number)  # the allowance is each person's own


def test_the_allowance_comes_back_when_the_window_closes(cast, network, settings):
    settings.ZAPROS_DIAGNOSTICS_CACHE_SECONDS = 0
    settings.ZAPROS_DIAGNOSTICS_RATE_LIMIT = 1
    settings.ZAPROS_DIAGNOSTICS_RATE_WINDOW = 1
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    diagnostics.dns_lookup(cast.john, ticket.number)
    with pytest.raises(RateLimited):
        diagnostics.dns_lookup(cast.john, ticket.number)
    time.sleep(1.2)
    assert diagnostics.dns_lookup(cast.john, ticket.number).result.record_sets


def test_a_cached_answer_does_not_use_the_allowance(cast, network, settings):
    settings.ZAPROS_DIAGNOSTICS_RATE_LIMIT = 1
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    for _ in range(5):
        diagnostics.whois_lookup(cast.john, ticket.number)
    assert len(network.root.queries) == 1


def test_the_whois_root_refusing_is_an_answer_not_a_crash(cast, settings):
    from zapros.diagnostics.tests.servers import closed_port

    settings.ZAPROS_WHOIS_SERVER = "127.0.0.1"
    settings.ZAPROS_WHOIS_PORT = closed_port()
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    lookup = diagnostics.whois_lookup(cast.john, ticket.number)
    assert lookup.result.problem == WhoisProblem.REFUSED
    assert lookup.result.answers == ()

"""Whois and DNS buttons on the staff ticket page: htmx fragments, plain pages without
JavaScript, who sees them, and what a refusal looks like."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_staff
from zapros.diagnostics.tests.servers import local_network
from zapros.tickets import services

HTMX = {"HX-Request": "true"}


@pytest.fixture
def network(settings):
    with local_network(settings) as net:
        yield net


def url(ticket, kind):
    return reverse(f"staff:{kind}", args=[ticket.number])


def ticket_page(browser, ticket):
    response = browser.get(reverse("staff:ticket", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_buttons_are_plain_links_that_htmx_enhances(cast, logged_in, network):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    html = ticket_page(logged_in(cast.john), ticket)
    for kind in ("whois", "dns"):
        assert f'href="{url(ticket, kind)}" hx-get="{url(ticket, kind)}"' in html
    assert 'id="diagnostics-result"' in html and "alice.example" in html


def test_no_buttons_without_a_domain(cast, logged_in, network):
    browser = logged_in(cast.john)
    for ticket in (cast.open(), cast.open(service_id=cast.alice_vps.pk)):
        html = ticket_page(browser, ticket)
        assert url(ticket, "whois") not in html and url(ticket, "dns") not in html
        assert "diagnostics-result" not in html
        for kind in ("whois", "dns"):
            response = browser.get(url(ticket, kind))
            assert response.status_code == 422
            assert "no service with a domain" in response.content.decode()
    assert network.whois_queries() == 0 and network.dns.queries == []


def test_htmx_gets_the_whois_fragment(cast, logged_in, network):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    response = logged_in(cast.john).get(url(ticket, "whois"), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="diagnostics-result"') and "<html" not in html
    assert "whois.nic.example" in html and "whois.registrar.example" in html
    assert "Registrant Organization: Example Holder" in html


def test_without_javascript_dns_is_a_page_of_its_own(cast, logged_in, network):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    response = logged_in(cast.john).get(url(ticket, "dns"))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert reverse("staff:ticket", args=[ticket.number]) in html
    assert "192.0.2.10" in html and "10 mx.alice.example" in html and "v=spf1 -all" in html
    assert "No records of this type." in html  # AAAA


def test_problems_are_shown_translated(cast, logged_in, network, settings):
    from zapros.clients.models import Service

    Service.objects.filter(pk=cast.alice_hosting.pk).update(domain="gone.example")
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    cast.john.language = "ru"
    cast.john.save(update_fields=["language"])
    browser = logged_in(cast.john)
    whois = browser.get(url(ticket, "whois"), headers=HTMX).content.decode()
    assert "Whois-сервер whois.nic.example не знает этот домен." in whois
    dns = browser.get(url(ticket, "dns"), headers=HTMX).content.decode()
    assert "Домен не существует (NXDOMAIN)." in dns


def test_the_allowance_is_explained_when_used_up(cast, logged_in, network, settings):
    settings.ZAPROS_DIAGNOSTICS_CACHE_SECONDS = 0
    settings.ZAPROS_DIAGNOSTICS_RATE_LIMIT = 2
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    browser = logged_in(cast.john)
    for _ in range(2):
        assert browser.get(url(ticket, "whois"), headers=HTMX).status_code == 200
    asked = network.whois_queries()
    fragment = browser.get(url(ticket, "whois"), headers=HTMX)
    assert fragment.status_code == 200  # htmx swaps only successful answers
    assert "Too many look-ups: at most 2 in 60 seconds" in fragment.content.decode()
    page = browser.get(url(ticket, "dns"))
    assert page.status_code == 429 and "Too many look-ups" in page.content.decode()
    assert network.whois_queries() == asked and network.dns.queries == []


@pytest.mark.parametrize(("who", "status"), [
    ("alice", 404), ("bob", 404), ("john", 200), ("outsider", 404), ("supervisor", 200),
    ("admin", 200), ("anonymous", 302),
])
def test_access_matrix(cast, client, network, who, status):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    outsider = make_staff("sam@zapros.test", "Sam Sales", departments=[cast.sales])
    user = {"outsider": outsider, "anonymous": None}.get(who) or getattr(cast, who, None)
    if user is not None:
        client.force_login(user)
    for kind in ("whois", "dns"):
        for headers in ({}, HTMX):
            response = client.get(url(ticket, kind), headers=headers)
            assert response.status_code == status, (kind, headers)
            if status == 302:
                assert response["Location"].startswith(reverse("login"))
            if status != 200:
                assert "192.0.2.10" not in response.content.decode()
    if status != 200:
        assert network.whois_queries() == 0 and network.dns.queries == []


@pytest.mark.parametrize("kind", ["whois", "dns"])
def test_the_pages_run_a_constant_number_of_queries(cast, logged_in, network, kind,
                                                    django_assert_max_num_queries):
    browser = logged_in(cast.john)

    def ticket_with(count):
        ticket = cast.open(service_id=cast.alice_hosting.pk)
        services.take(cast.john, ticket.number)
        for i in range(count):
            services.reply(cast.john, ticket.number, body=f"Answer {i}", close=False)
            services.comment(cast.gary, ticket.number, body=f"Note {i}")
        return ticket

    small = ticket_with(1)
    browser.get(url(small, kind))
    counts = []
    for headers in ({}, HTMX):
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(url(small, kind), headers=headers).status_code == 200
        counts.append(len(queries))
    large = ticket_with(25)
    for headers, count in zip(({}, HTMX), counts, strict=True):
        with django_assert_max_num_queries(count):
            assert browser.get(url(large, kind), headers=headers).status_code == 200

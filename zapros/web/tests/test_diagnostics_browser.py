"""The Whois and DNS buttons in a real browser: htmx swaps the answer into the ticket page
under the strict Content-Security-Policy."""

import pytest
from django.urls import reverse

from zapros.diagnostics.tests.servers import local_network
from zapros.web.tests.test_browser import browser, expect, journey  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_john_asks_whois_and_dns_without_leaving_the_ticket(journey, cast, settings):  # noqa: F811
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    with local_network(settings):
        john = journey.session("john")
        page = john.page
        john.log_in(cast.john, lands_on="staff:queue")
        page.goto(reverse("staff:ticket", args=[ticket.number]))
        tools = page.locator(".diagnostics-tools")
        tools.get_by_role("link", name="Whois").click()
        result = page.locator("#diagnostics-result")
        expect(result).to_contain_text("Registrant Organization: Example Holder")
        assert page.url.endswith(reverse("staff:ticket", args=[ticket.number]))
        john.step("whois")
        tools.get_by_role("link", name="DNS").click()
        expect(result).to_contain_text("10 mx.alice.example")
        expect(result).to_contain_text("No records of this type.")
        john.step("dns")

"""How many requests a client, and a client address, may open in a short time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zapros.core.errors import RateLimited
from zapros.tickets import services
from zapros.tickets.models import Ticket


@pytest.fixture
def limits(settings):
    settings.ZAPROS_OPEN_LIMIT = 3
    settings.ZAPROS_OPEN_ADDRESS_LIMIT = 5
    settings.ZAPROS_OPEN_WINDOW_SECONDS = 600
    return settings


def test_a_client_opens_up_to_the_limit_and_then_waits_for_the_window(cast, limits, refused,
                                                                       moment):
    for _ in range(3):
        cast.open(address="198.51.100.7")
    with refused(RateLimited) as error:
        cast.open(address="198.51.100.7")
    assert 0 < error.value.retry_after <= 600
    moment.advance(seconds=error.value.retry_after)
    cast.open(address="198.51.100.7")
    assert Ticket.objects.count() == 4


def test_each_client_has_their_own_allowance(cast, limits, refused):
    for _ in range(3):
        cast.open(address="198.51.100.7")
    with refused(RateLimited):
        cast.open(address="203.0.113.5")   # another address does not help
    cast.open(cast.bob, cast.tech, address="203.0.113.5")


def test_one_address_opening_for_many_clients_is_limited(cast, limits, refused):
    limits.ZAPROS_OPEN_LIMIT = 10
    for client in (cast.alice, cast.alice, cast.bob, cast.bob, cast.alice):
        cast.open(client, cast.tech, address="198.51.100.7")
    with refused(RateLimited):
        cast.open(cast.bob, cast.tech, address="198.51.100.7")
    cast.open(cast.bob, cast.tech, address="203.0.113.5")


def test_staff_opening_for_clients_are_not_limited(cast, limits):
    for _ in range(6):
        services.open_ticket(cast.john, client_id=cast.alice.pk, department_id=cast.tech.pk,
                             subject="Call", body="By phone", address="198.51.100.7")
    assert Ticket.objects.count() == 6


def test_mail_keeps_its_own_flood_limit(cast, limits):
    for n in range(5):
        services.open_ticket_from_email(cast.alice, client_id=cast.alice.pk,
                                        department_id=cast.tech.pk, subject=f"Mail {n}",
                                        body="x")
    assert Ticket.objects.count() == 5


def test_refused_input_uses_none_of_the_allowance(cast, limits):
    from zapros.core.errors import ValidationFailed

    for _ in range(5):
        with pytest.raises(ValidationFailed):
            cast.open(subject="   ")
    for _ in range(3):
        cast.open()
    assert Ticket.objects.count() == 3


def test_counting_asks_nothing_of_the_database(cast, settings):
    cast.open()
    settings.ZAPROS_OPEN_LIMIT = 0
    settings.ZAPROS_OPEN_ADDRESS_LIMIT = 0
    with CaptureQueriesContext(connection) as unlimited:
        cast.open(address="198.51.100.7")
    settings.ZAPROS_OPEN_LIMIT = 100
    settings.ZAPROS_OPEN_ADDRESS_LIMIT = 100
    with CaptureQueriesContext(connection) as limited:
        cast.open(address="198.51.100.7")
    assert len(limited) == len(unlimited)

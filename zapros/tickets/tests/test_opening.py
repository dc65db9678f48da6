"""Who may open a request for whom: one policy for the portal, the API and mail."""

import pytest

from zapros.core.errors import Forbidden, ValidationFailed
from zapros.tickets import services
from zapros.tickets.models import Message


def test_a_client_who_names_another_client_is_refused(cast, refused):
    with refused(Forbidden):
        cast.open(client_id=cast.bob.pk)
    with refused(Forbidden):
        services.open_ticket_from_email(cast.alice, client_id=cast.bob.pk,
                                        department_id=cast.tech.pk, subject="Hi", body="x")


def test_a_client_may_name_themselves(cast):
    ticket = cast.open(client_id=cast.alice.pk)
    assert ticket.client_id == cast.alice.pk


@pytest.mark.parametrize("department", ["sales", "tech"])
def test_staff_open_for_any_client_in_any_department(cast, department):
    ticket = cast.staff_ticket(getattr(cast, department), client=cast.bob)
    assert (ticket.client_id, ticket.department_id) == (cast.bob.pk,
                                                       getattr(cast, department).pk)
    first = Message.objects.get(ticket=ticket)
    assert first.author_id == cast.bob.pk   # the client's words, recorded by staff


def test_the_system_does_not_open_requests(cast, refused):
    from zapros.accounts.system import system_actor

    with refused(Forbidden):
        services.open_ticket(system_actor(), client_id=cast.alice.pk,
                             department_id=cast.tech.pk, subject="Hi", body="x")


def test_a_client_cannot_set_the_priority_unless_the_department_lets_them(cast, refused):
    from zapros.tickets.models import Priority

    with refused(ValidationFailed) as error:
        cast.open(priority=Priority.URGENT)
    assert error.value.field == "priority"
    cast.tech.clients_choose_priority = True
    cast.tech.save()
    assert cast.open(priority=Priority.URGENT).priority == Priority.URGENT
    assert cast.open(department=cast.billing).priority == Priority.NORMAL


def test_staff_set_any_priority(cast):
    from zapros.tickets.models import Priority

    assert cast.staff_ticket(cast.tech, priority=Priority.URGENT).priority == Priority.URGENT

"""Transfer (DESIGN §3): the ticket becomes active in another department or with an agent."""

import pytest

from conftest import PASSWORD
from zapros.accounts.models import Role, User
from zapros.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from zapros.tickets import selectors, services
from zapros.tickets.models import Event, Message, Share


@pytest.fixture
def sam(cast):
    """An agent who works in Sales only."""
    user = User.objects.create_user("sam@example.com", PASSWORD, name="Sam Sales",
                                    role=Role.AGENT)
    user.departments.add(cast.sales)
    return user


def queue_numbers(user):
    return set(selectors.staff_queue(user).values_list("number", flat=True))


def test_transfer_to_a_department_puts_it_in_that_queue(cast, sam):
    ticket = cast.open()
    assert ticket.number not in queue_numbers(sam)
    services.transfer(cast.john, ticket.number, department_id=cast.sales.pk)
    assert ticket.number in queue_numbers(sam)
    share = Share.objects.get(ticket=ticket)
    assert (share.department, share.agent, share.created_by) == (cast.sales, None, cast.john)
    event = Event.objects.get(ticket=ticket, kind=Event.Kind.TRANSFERRED)
    assert event.actor == cast.john
    assert event.data == {"department": cast.sales.pk, "department_name": "Sales"}
    ticket = cast.refresh(ticket)
    assert ticket.department == cast.tech  # copied, not moved
    assert ticket.state == "new"


def test_transfer_to_an_agent_makes_it_visible_to_that_agent_only(cast, sam):
    ticket = cast.open()
    other = User.objects.create_user("sue@example.com", PASSWORD, name="Sue Sales",
                                     role=Role.AGENT)
    other.departments.add(cast.sales)
    services.transfer(cast.john, ticket.number, agent_id=sam.pk)
    assert ticket.number in queue_numbers(sam)
    assert ticket.number not in queue_numbers(other)
    event = Event.objects.get(ticket=ticket, kind=Event.Kind.TRANSFERRED)
    assert event.data == {"agent": sam.pk, "agent_name": "Sam Sales"}


def test_the_transferring_agent_keeps_holding_and_can_answer(cast, sam):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.transfer(cast.john, ticket.number, department_id=cast.sales.pk)
    ticket = cast.refresh(ticket)
    assert ticket.holder == cast.john and ticket.state == "open"
    services.reply(cast.john, ticket.number, body="Looking into it", close=False)
    assert Message.objects.filter(ticket=ticket, body="Looking into it").exists()


def test_transfer_writes_no_message(cast):
    ticket = cast.open()
    before = Message.objects.filter(ticket=ticket).count()
    services.transfer(cast.john, ticket.number, department_id=cast.billing.pk)
    assert Message.objects.filter(ticket=ticket).count() == before


def test_an_agent_may_transfer_to_a_department_he_is_not_in(cast):
    ticket = cast.open()
    services.transfer(cast.john, ticket.number, department_id=cast.billing.pk)
    assert Share.objects.filter(ticket=ticket, department=cast.billing).exists()


def test_a_department_and_an_agent_may_both_be_added(cast, sam):
    ticket = cast.open()
    services.transfer(cast.john, ticket.number, department_id=cast.sales.pk)
    services.transfer(cast.john, ticket.number, agent_id=sam.pk)
    assert Share.objects.filter(ticket=ticket).count() == 2


# --- Refusals: each leaves every row as it was ----------------------------------------------

def test_a_client_cannot_transfer(cast, refused):
    ticket = cast.open()
    with refused(Forbidden):
        services.transfer(cast.alice, ticket.number, department_id=cast.sales.pk)


def test_an_agent_who_cannot_see_the_ticket_cannot_transfer_it(cast, sam, refused):
    ticket = cast.open()
    with refused(NotFound):
        services.transfer(sam, ticket.number, department_id=cast.sales.pk)


def test_an_archived_ticket_cannot_be_transferred(cast, refused):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    services.archive(cast.alice, ticket.number)
    with refused(InvalidTransition) as error:
        services.transfer(cast.john, ticket.number, department_id=cast.sales.pk)
    assert "archived" in str(error.value.message)


def test_transfer_to_its_own_department_is_refused(cast, refused):
    ticket = cast.open()
    with refused(Conflict) as error:
        services.transfer(cast.john, ticket.number, department_id=cast.tech.pk)
    assert "Technical support" in str(error.value.message)


def test_a_second_transfer_to_the_same_department_is_refused(cast, refused):
    ticket = cast.open()
    services.transfer(cast.john, ticket.number, department_id=cast.sales.pk)
    with refused(Conflict):
        services.transfer(cast.gary, ticket.number, department_id=cast.sales.pk)


def test_a_second_transfer_to_the_same_agent_is_refused(cast, sam, refused):
    ticket = cast.open()
    services.transfer(cast.john, ticket.number, agent_id=sam.pk)
    with refused(Conflict):
        services.transfer(cast.john, ticket.number, agent_id=sam.pk)


@pytest.mark.parametrize("target", [
    {"department_id": 999_999}, {"department_id": "sales"}, {"agent_id": 999_999},
    {}, {"department_id": "x", "agent_id": "y"},
])
def test_an_unknown_or_missing_target_is_refused(cast, refused, target):
    ticket = cast.open()
    with refused(ValidationFailed) as error:
        services.transfer(cast.john, ticket.number, **target)
    assert error.value.field == "target"


def test_both_targets_at_once_are_refused(cast, sam, refused):
    ticket = cast.open()
    with refused(ValidationFailed):
        services.transfer(cast.john, ticket.number, department_id=cast.sales.pk, agent_id=sam.pk)


def test_an_inactive_agent_or_a_client_is_not_a_target(cast, sam, refused):
    ticket = cast.open()
    User.objects.filter(pk=sam.pk).update(is_active=False)
    with refused(ValidationFailed):
        services.transfer(cast.john, ticket.number, agent_id=sam.pk)
    with refused(ValidationFailed):
        services.transfer(cast.john, ticket.number, agent_id=cast.bob.pk)

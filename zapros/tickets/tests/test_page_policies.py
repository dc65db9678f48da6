"""What the staff pages draw from the policies: who holds a ticket, whom one may choose,
where one may copy a ticket to, and that the transfer service asks the same."""

from zapros.accounts.models import Department
from zapros.tickets import policies, services
from zapros.tickets.models import Share


def test_who_holds_a_ticket(cast):
    ticket = cast.open()
    assert not policies.holds(cast.john, ticket) and not policies.held_by_other(cast.john, ticket)
    services.take(cast.john, ticket.number)
    ticket = cast.refresh(ticket)
    assert policies.holds(cast.john, ticket) and not policies.held_by_other(cast.john, ticket)
    assert policies.held_by_other(cast.gary, ticket) and not policies.holds(cast.gary, ticket)
    assert policies.held_by_other(cast.alice, ticket)


def test_staff_choose_among_active_staff(cast):
    cast.gary.is_active = False
    cast.gary.save(update_fields=["is_active"])
    chosen = {user.email for user in policies.staff_to_choose(cast.john)}
    assert chosen == {"john@zapros.test", "sv@zapros.test", "admin@zapros.test"}
    assert list(policies.staff_to_choose(cast.alice)) == []


def test_staff_copy_to_any_department_clients_to_none(cast):
    everywhere = set(Department.objects.all())
    assert set(policies.transfer_departments(cast.john)) == everywhere
    assert set(policies.transfer_departments(cast.supervisor)) == everywhere
    assert list(policies.transfer_departments(cast.alice)) == []


def test_the_transfer_targets_offered_are_the_ones_accepted(cast, refused):
    ticket = cast.open()
    for department in policies.transfer_departments(cast.john).exclude(pk=cast.tech.pk):
        services.transfer(cast.john, ticket.number, department_id=department.pk)
    for agent in policies.staff_to_choose(cast.john):
        services.transfer(cast.john, ticket.number, agent_id=agent.pk)
    assert Share.objects.filter(ticket=ticket).count() == 2 + 4
    with refused():
        services.transfer(cast.john, ticket.number, agent_id=cast.alice.pk)

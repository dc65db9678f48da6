"""Background work acts as the system actor through the operations people use: the policies
decide for it, the events name it, and it can never sign in or be handed a ticket."""

from datetime import timedelta

from django.urls import reverse

from zapros.accounts import roles
from zapros.accounts.models import Role, User
from zapros.accounts.system import SYSTEM_EMAIL, system_actor
from zapros.core import clock
from zapros.core.errors import Forbidden, InvalidTransition
from zapros.tickets import policies, services
from zapros.tickets.models import Event, Ticket
from zapros.tickets.services import automation
from zapros.tickets.states import State


def test_the_migrations_create_one_system_actor(db):
    actor = system_actor()
    assert User.objects.filter(role=Role.SYSTEM).count() == 1
    assert (actor.email, roles.is_system(actor)) == (SYSTEM_EMAIL, True)
    assert not actor.has_usable_password()
    assert not (roles.is_staff_viewer(actor) or roles.is_client(actor) or actor.is_staff)


def test_the_system_actor_cannot_sign_in_even_with_a_password(client, db):
    actor = system_actor()
    actor.set_password("a password someone set in the admin")
    actor.save()
    response = client.post(reverse("login"), {
        "username": SYSTEM_EMAIL, "password": "a password someone set in the admin"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_nobody_can_hand_a_ticket_to_the_system(cast, refused):
    ticket = cast.open()
    with refused(Forbidden):
        services.reassign(cast.supervisor, ticket.number, system_actor().pk)


def test_the_system_archives_through_the_operation_and_says_why(cast):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=clock.now() - timedelta(days=31))
    assert automation.archive_inactive(after=timedelta(days=30)) == 1
    event = Event.objects.filter(ticket=ticket).latest("id")
    assert event.kind == Event.Kind.ARCHIVED and roles.is_system(event.actor)
    assert event.data == {"automatic": True, "after_days": 30, "from": "answered",
                          "to": "archived"}
    assert cast.refresh(ticket).state == State.ARCHIVED


def test_the_system_is_refused_what_the_state_table_refuses(cast, refused):
    ticket = cast.open()
    with refused(InvalidTransition):
        services.archive(system_actor(), ticket.number)


def test_the_system_sees_every_ticket_but_is_nobodys_client(cast):
    hidden = cast.staff_ticket(cast.sales)
    actor = system_actor()
    assert policies.access_ticket(actor, hidden.number).pk == hidden.pk
    assert not policies.is_client_of(actor, hidden)


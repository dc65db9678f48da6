"""The Django admin: every page renders over the demo data, passwords are hashed, tickets and
their conversations cannot be changed or deleted from it."""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from conftest import PASSWORD
from zapros.accounts.models import Role, User
from zapros.clients.models import Client
from zapros.demo import data
from zapros.tickets.models import Event, Message, Ticket


@pytest.fixture
def demo_admin(db, client):
    call_command("demo", without_debug=True, stdout=io.StringIO())
    client.force_login(User.objects.get(email=data.ADMIN.email))
    return client


@pytest.fixture
def admin_client(cast, client):
    cast.admin.is_superuser = True
    cast.admin.save(update_fields=["is_superuser"])
    client.force_login(cast.admin)
    return client


def registered_models():
    return [model for model in admin.site._registry
            if model._meta.app_label in {"accounts", "clients", "tickets"}]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_list_and_change_page_renders_over_the_demo_data(demo_admin):
    for model in registered_models():
        response = demo_admin.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model
        first = model.objects.first()
        if first is not None:
            response = demo_admin.get(admin_url(model, "change", first.pk))
            assert response.status_code == 200, model


def test_ticket_list_filters_and_search(demo_admin):
    admin_client = demo_admin
    url = admin_url(Ticket, "changelist")
    number = Ticket.objects.get(department__name="Sales").number
    for query in [{"state__exact": "archived"}, {"q": str(number)}, {"q": "mailbox"},
                  {"q": "not a number"}, {"needs_reply__exact": "1"}]:
        assert admin_client.get(url, query).status_code == 200, query
    assert str(number) in admin_client.get(url, {"q": str(number)}).text


def test_tickets_messages_and_events_cannot_be_added_changed_or_deleted(cast, admin_client):
    ticket = cast.open()
    message = Message.objects.get(ticket=ticket)
    before = (Ticket.objects.count(), Message.objects.count(), Event.objects.count())

    assert admin_client.get(admin_url(Ticket, "add")).status_code == 403
    assert admin_client.get(admin_url(Ticket, "delete", ticket.pk)).status_code == 403
    assert admin_client.get(admin_url(Message, "delete", message.pk)).status_code == 403
    response = admin_client.post(admin_url(Ticket, "change", ticket.pk), {"subject": "Changed"})
    assert response.status_code == 403
    response = admin_client.post(admin_url(Ticket, "changelist"), {
        "action": "delete_selected", "_selected_action": [ticket.pk], "post": "yes",
    })
    assert Event not in admin.site._registry

    assert (Ticket.objects.count(), Message.objects.count(), Event.objects.count()) == before
    assert Ticket.objects.get(pk=ticket.pk).subject == ticket.subject


def test_adding_a_user_stores_a_hashed_password(admin_client):
    response = admin_client.post(admin_url(User, "add"), {
        "email": "New.Agent@Zapros.test", "name": "New Agent", "role": Role.AGENT,
        "language": "ru", "timezone": "Europe/Moscow",
        "password1": "a long Passphrase 42", "password2": "a long Passphrase 42",
    })
    assert response.status_code == 302
    user = User.objects.get(email="new.agent@zapros.test")
    assert user.password != "a long Passphrase 42"
    assert user.check_password("a long Passphrase 42")
    assert (user.role, user.language, user.timezone) == (Role.AGENT, "ru", "Europe/Moscow")


def test_adding_a_user_refuses_an_existing_email_and_a_bad_time_zone(cast, admin_client):
    users = User.objects.count()
    response = admin_client.post(admin_url(User, "add"), {
        "email": cast.john.email.upper(), "name": "Copy", "role": Role.AGENT,
        "language": "en", "timezone": "Mars/Olympus",
        "password1": "a long Passphrase 42", "password2": "a long Passphrase 42",
    })
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"email", "timezone"}
    assert User.objects.count() == users


def test_staff_departments_are_edited_on_the_user_page(cast, admin_client):
    john, sales = cast.john, cast.sales
    url = admin_url(User, "change", john.pk)
    page = admin_client.get(url)
    (inline,) = page.context["inline_admin_formsets"]
    formset = inline.formset
    (membership,) = formset.queryset
    prefix = formset.prefix

    response = admin_client.post(url, {
        "email": john.email, "name": john.name, "language": john.language,
        "timezone": john.timezone, "role": john.role, "is_active": "on",
        f"{prefix}-TOTAL_FORMS": "2", f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": membership.pk, f"{prefix}-0-user": john.pk,
        f"{prefix}-0-department": membership.department_id,
        f"{prefix}-1-user": john.pk, f"{prefix}-1-department": sales.pk,
    })

    assert response.status_code == 302
    assert set(john.departments.values_list("name", flat=True)) == {"Technical support", "Sales"}
    john.refresh_from_db()
    assert john.check_password(PASSWORD)


def test_users_filter_by_department(cast, admin_client):
    page = admin_client.get(admin_url(User, "changelist"), {"department": cast.sales.pk})
    assert page.status_code == 200
    assert cast.gary.email in page.text
    assert cast.john.email not in page.text


def test_a_client_profile_needs_a_client_account(cast, admin_client):
    john = cast.john
    clients = Client.objects.count()
    response = admin_client.post(admin_url(Client, "add"), {
        "user": john.pk, "company": "", "external_id": "", "internal_comment": "",
        "services-TOTAL_FORMS": "0", "services-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert Client.objects.count() == clients

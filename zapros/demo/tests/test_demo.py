import io
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from zapros.accounts.models import Role, User
from zapros.demo import data
from zapros.tickets import policies
from zapros.tickets.models import (
    Attachment,
    Event,
    Message,
    Rating,
    ResponseTemplate,
    Ticket,
)
from zapros.tickets.states import State

README = Path(__file__).resolve().parents[3] / "README.md"


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", without_debug=True, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_the_demo_loads_once_and_a_second_run_changes_nothing(db):
    assert "Demo data loaded" in run_demo()
    counts = row_counts()
    tickets = list(Ticket.objects.order_by("pk").values())

    assert "Demo data already loaded" in run_demo()

    assert row_counts() == counts
    assert list(Ticket.objects.order_by("pk").values()) == tickets


def test_the_demo_has_a_ticket_in_every_state(db):
    run_demo()
    assert set(Ticket.objects.values_list("state", flat=True)) == {s.value for s in State}
    assert Event.objects.filter(kind=Event.Kind.REOPENED).exists()
    assert any(ticket.is_overdue for ticket in Ticket.objects.all())
    assert any(ticket.client_unread for ticket in Ticket.objects.all())
    assert Message.objects.filter(visibility=Message.Visibility.INTERNAL).exists()
    assert set(Rating.objects.values_list("value", flat=True)) == {"good", "bad"}
    kinds = set(Attachment.objects.values_list("content_type", flat=True))
    assert {"image/png", "text/plain"} <= kinds
    for attachment in Attachment.objects.all():
        assert attachment.file.size == attachment.size


def test_john_does_not_see_the_sales_ticket_and_gary_does(db):
    run_demo()
    john = User.objects.get(email=data.JOHN.email)
    gary = User.objects.get(email=data.GARY.email)
    sales = Ticket.objects.get(department__name="Sales")

    assert not policies.visible_tickets(john).filter(pk=sales.pk).exists()
    assert policies.visible_tickets(gary).filter(pk=sales.pk).exists()
    assert policies.visible_tickets(john).filter(department__name="Technical support").exists()


def test_every_demo_login_signs_in_with_its_role(db):
    run_demo()
    for login in data.LOGINS:
        user = authenticate(username=login.email, password=login.password)
        assert user is not None, login.email
        assert (user.role, user.language) == (login.role, login.language)
    admin = User.objects.get(email=data.ADMIN.email)
    assert admin.is_superuser and admin.is_staff


def test_each_client_has_services_and_only_sees_their_own_tickets(db):
    run_demo()
    for login in data.CLIENTS:
        user = User.objects.get(email=login.email)
        assert user.client.services.exists()
        visible = policies.visible_tickets(user)
        assert visible.exists()
        assert set(visible.values_list("client_id", flat=True)) == {user.pk}


def test_the_readme_lists_every_demo_login():
    readme = README.read_text()
    for login in data.LOGINS:
        assert f"`{login.email}`" in readme
    assert f"`{data.DEMO_PASSWORD}`" in readme


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_the_demo_pages_answer(db, client, path):
    run_demo()
    assert client.get(path).status_code == 200


def test_the_demo_has_templates_for_each_scope(db):
    call_command("demo", without_debug=True, stdout=io.StringIO())
    john = User.objects.get(email="john@zapros.test")
    gary = User.objects.get(email="gary@zapros.test")
    assert ResponseTemplate.objects.count() == 3
    assert set(policies.visible_templates(john).values_list("title", flat=True)) == {
        "Greeting", "DNS propagation", "Signature",
    }
    assert "Signature" not in set(policies.visible_templates(gary).values_list("title", flat=True))


def test_the_demo_refuses_to_load_without_debug(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="published passwords"):
        call_command("demo", stdout=io.StringIO())
    assert not User.objects.exclude(role=Role.SYSTEM).exists()


def test_the_demo_loads_with_debug(db, settings):
    settings.DEBUG = True
    call_command("demo", stdout=io.StringIO())
    assert User.objects.filter(email=data.ADMIN.email).exists()

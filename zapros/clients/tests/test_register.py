"""Registering a client account: staff only, checked before anything is written."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from zapros.accounts.models import Role, User
from zapros.clients import services
from zapros.clients.models import Client
from zapros.core import clock
from zapros.core.errors import Forbidden, ValidationFailed


def accounts():
    return list(User.objects.order_by("pk").values("email", "name", "role", "language")), list(
        Client.objects.order_by("pk").values("user", "company"))


def test_staff_register_a_client_who_sets_a_password_later(cast, monkeypatch):
    at = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: at)
    client = services.register_client(cast.john, email="  New.Person@Example.ORG ",
                                      name="  New   Person ", language="ru", company="Acme")
    user = User.objects.get(pk=client.pk)
    assert (user.email, user.name, user.role, user.language) == (
        "new.person@example.org", "New Person", Role.CLIENT, "ru")
    assert client.company == "Acme" and not user.has_usable_password()
    assert user.is_active and user.date_joined == at


def test_the_language_defaults_to_the_sites(cast, settings):
    settings.LANGUAGE_CODE = "ru"
    client = services.register_client(cast.admin, email="quiet@example.org")
    assert client.user.language == "ru" and client.user.name == ""


@pytest.mark.parametrize("who", ["alice", "bob", "anonymous", "former"])
def test_only_active_staff_register_clients(cast, who):
    if who == "anonymous":
        actor = AnonymousUser()
    elif who == "former":
        actor = cast.john
        actor.is_active = False
        actor.save(update_fields=["is_active"])
    else:
        actor = getattr(cast, who)
    before = accounts()
    with pytest.raises(Forbidden):
        services.register_client(actor, email="new@example.org", name="New")
    assert accounts() == before


@pytest.mark.parametrize(("values", "field"), [
    ({"email": ""}, "email"),
    ({"email": "not an address"}, "email"),
    ({"email": "ALICE@example.com"}, "email"),
    ({"email": "john@zapros.test"}, "email"),
    ({"email": "new@example.org", "name": "x" * 201}, "name"),
    ({"email": "new@example.org", "company": "x" * 201}, "company"),
    ({"email": "new@example.org", "language": "de"}, "language"),
])
def test_bad_values_are_refused_with_nothing_written(cast, values, field):
    before = accounts()
    with pytest.raises(ValidationFailed) as error:
        services.register_client(cast.gary, **values)
    assert error.value.field == field and str(error.value.message)
    assert accounts() == before

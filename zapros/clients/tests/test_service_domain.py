"""A service's domain: any host name, IDN included, kept as typed; nothing else."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zapros.clients.models import Service
from zapros.core.hostnames import to_ascii


@pytest.mark.parametrize(("typed", "ascii_form"), [
    ("example.com", "example.com"),
    ("Shop.Example.COM", "shop.example.com"),
    ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
    ("münchen.de.", "xn--mnchen-3ya.de"),
    ("xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai"),
])
def test_host_names_and_idn_are_accepted_and_kept_as_typed(cast, typed, ascii_form):
    service = Service(client=cast.bob_domain.client, name="Site", kind="domain", domain=typed)
    service.full_clean()
    service.save()
    assert Service.objects.get(pk=service.pk).domain == typed
    assert to_ascii(typed) == ascii_form


@pytest.mark.parametrize("typed", [
    "http://example.com", "example.com/path", "exa mple.com", "under_score.com", "localhost",
    "192.0.2.1", "-bad.com", "bad-.com", "a..com", f"{'a' * 64}.com", "x" * 250 + ".com",
])
def test_anything_else_is_refused(cast, typed):
    service = Service(client=cast.bob_domain.client, name="Site", kind="domain", domain=typed)
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "domain" in error.value.message_dict


def test_the_admin_refuses_a_bad_domain_and_saves_an_idn(cast, client):
    cast.admin.is_superuser = True
    cast.admin.save(update_fields=["is_superuser"])
    client.force_login(cast.admin)
    url = reverse("admin:clients_service_add")
    form = {"client": cast.bob.pk, "name": "Shop", "kind": "domain", "status": "active",
            "external_id": ""}
    before = list(Service.objects.order_by("pk").values())
    response = client.post(url, {**form, "domain": "https://shop.example/"})
    assert response.status_code == 200
    assert "Enter a domain name such as example.com" in response.content.decode()
    assert list(Service.objects.order_by("pk").values()) == before
    response = client.post(url, {**form, "domain": "магазин.рф"})
    assert response.status_code == 302
    assert Service.objects.get(name="Shop").domain == "магазин.рф"

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from zapros.api.models import ApiToken
from zapros.core import clock

from .conftest import snapshot


def test_a_token_signs_the_caller_in_as_its_user(cast, api_as):
    response = api_as(cast.john).get("/api/v1/me")

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "john@zapros.test"
    assert body["role"] == "agent"
    assert body["departments"] == [{"id": cast.tech.pk, "name": "Technical support"}]


def test_a_client_token_sees_the_client_and_their_services(cast, api_as):
    body = api_as(cast.alice).get("/api/v1/me").json()

    assert body["role"] == "client"
    assert body["departments"] == []
    assert {s["name"] for s in body["services"]} == {"Hosting Pro", "VPS-2"}


def test_using_a_token_records_when_it_was_last_used(cast, token_for):
    secret = token_for(cast.john)

    Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")

    assert ApiToken.objects.get().last_used_at is not None


def test_the_last_use_is_kept_to_the_minute(cast, token_for, monkeypatch):
    secret = token_for(cast.john)
    start = timezone.now().replace(microsecond=0)
    for seconds, expected in ((0, 0), (30, 0), (61, 61), (90, 61), (200, 200)):
        now = start + timedelta(seconds=seconds)
        monkeypatch.setattr(clock, "now", lambda now=now: now)
        found = ApiToken.signing_in(secret)
        assert found.user == cast.john
        assert ApiToken.objects.get().last_used_at == start + timedelta(seconds=expected)


def test_a_revoked_token_signs_nobody_in_and_is_not_touched(cast, token_for):
    secret = token_for(cast.john)
    assert ApiToken.objects.all().revoke() == 1
    assert ApiToken.objects.all().revoke() == 0
    assert ApiToken.signing_in(secret) is None
    assert ApiToken.signing_in("not a secret") is None
    assert ApiToken.objects.get().last_used_at is None


def test_only_the_hash_of_the_secret_is_stored(cast, token_for):
    secret = token_for(cast.john)

    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.key_prefix == secret[:8]
    assert secret not in str(list(ApiToken.objects.values()))


@pytest.mark.parametrize("header", [
    "Bearer not-a-real-token",
    "Bearer ",
    "Token something",
    "Basic am9objpwYXNzd29yZA==",
])
def test_an_unknown_token_is_refused_with_401(cast, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/tickets")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


def test_a_revoked_token_is_refused(cast, token_for):
    ticket = cast.open()
    secret = token_for(cast.john)
    ApiToken.objects.update(revoked=True)
    before = snapshot()

    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.post(f"/api/v1/tickets/{ticket.number}/take").status_code == 401

    assert snapshot() == before


def test_the_token_of_a_deactivated_user_is_refused(cast, token_for):
    secret = token_for(cast.john)
    cast.john.is_active = False
    cast.john.save()

    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")

    assert response.status_code == 401


def test_without_credentials_the_api_answers_401(cast):
    ticket = cast.open()
    before = snapshot()

    assert Client().get("/api/v1/tickets").status_code == 401
    assert Client().get(f"/api/v1/tickets/{ticket.number}").status_code == 401
    assert Client().post(f"/api/v1/tickets/{ticket.number}/take").status_code == 401

    assert snapshot() == before


def test_a_wrong_token_does_not_fall_back_to_the_session(cast, logged_in):
    client = logged_in(cast.john)

    response = client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"})

    assert response.status_code == 401


def test_the_browser_session_signs_the_caller_in(cast, logged_in):
    cast.open()

    response = logged_in(cast.john).get("/api/v1/tickets")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


def test_a_session_call_that_changes_something_needs_the_csrf_token(cast):
    ticket = cast.open()
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.john)
    before = snapshot()

    response = client.post(f"/api/v1/tickets/{ticket.number}/take")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert snapshot() == before


def test_a_session_call_with_the_csrf_token_goes_through(cast):
    ticket = cast.open()
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.john)
    secret = "a" * 32
    client.cookies["csrftoken"] = secret

    response = client.post(
        f"/api/v1/tickets/{ticket.number}/take", headers={"X-CSRFToken": secret}
    )

    assert response.status_code == 200
    assert cast.refresh(ticket).holder == cast.john


def test_a_token_call_needs_no_csrf_token(cast, token_for):
    ticket = cast.open()
    client = Client(enforce_csrf_checks=True,
                    headers={"Authorization": f"Bearer {token_for(cast.john)}"})

    response = client.post(f"/api/v1/tickets/{ticket.number}/take")

    assert response.status_code == 200


def test_the_command_prints_a_secret_that_works_once_issued(cast):
    out = StringIO()

    call_command("create_api_token", "JOHN@zapros.test", name="Billing sync", stdout=out,
                 stderr=StringIO())

    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.user == cast.john
    assert token.name == "Billing sync"
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert response.json()["email"] == "john@zapros.test"


def test_the_command_refuses_an_unknown_or_deactivated_user(cast):
    cast.bob.is_active = False
    cast.bob.save()

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody@example.com", name="x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create_api_token", "bob@example.com", name="x", stdout=StringIO())

    assert not ApiToken.objects.exists()


def test_an_administrator_revokes_a_token_in_the_admin(cast, token_for, logged_in):
    secret = token_for(cast.alice)
    token = ApiToken.objects.get()
    cast.admin.is_superuser = True
    cast.admin.save()
    admin = logged_in(cast.admin)

    page = admin.get("/admin/api/apitoken/")
    assert page.status_code == 200
    assert token.key_prefix in page.content.decode()
    admin.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    assert ApiToken.objects.get().revoked
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert response.status_code == 401


def test_the_system_actor_has_no_api_tokens(db):
    from django.core.management import CommandError, call_command

    from zapros.accounts.system import SYSTEM_EMAIL, system_actor
    from zapros.api.models import ApiToken

    actor = system_actor()
    with pytest.raises(CommandError):
        call_command("create_api_token", SYSTEM_EMAIL, name="x")
    _token, secret = ApiToken.issue(actor, "planted")
    assert ApiToken.signing_in(secret) is None

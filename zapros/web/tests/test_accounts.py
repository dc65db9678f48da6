"""Signing in and out, throttling, password reset by e-mail, language, security headers."""

import os
import re
import socket
from http.cookies import SimpleCookie

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from conftest import PASSWORD
from zapros.accounts.models import User


def _login(client, email, password):
    return client.post("/login/", {"username": email, "password": password})


def test_clients_and_staff_land_on_their_side(cast, client):
    response = _login(client, "alice@example.com", PASSWORD)
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/portal/requests/"
    client.post("/logout/")
    _login(client, "JOHN@zapros.test", PASSWORD)  # e-mail is not case-sensitive
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/staff/"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(cast, client):
    response = _login(client, "alice@example.com", "nope")
    assert response.status_code == 200
    assert "The e-mail or the password is wrong." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_are_throttled_even_with_the_right_password(cast, client, settings):
    settings.ZAPROS_LOGIN_ATTEMPTS = 3
    for _ in range(3):
        _login(client, "alice@example.com", "nope")
    response = _login(client, "alice@example.com", PASSWORD)
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_forgotten_password_is_reset_through_the_link_in_the_mail(cast, client):
    response = client.post("/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    link = re.search(r"http://testserver(/password/reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    client.post(form.redirect_chain[-1][0],
                {"new_password1": "a new long secret 42", "new_password2": "a new long secret 42"})
    assert User.objects.get(email="alice@example.com").check_password("a new long secret 42")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(cast, client):
    response = client.post("/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_the_language_switch_is_remembered_on_the_account(cast, logged_in):
    client = logged_in(cast.alice)
    response = client.post("/language/", {"language": "ru", "next": "/portal/requests/"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/requests/"
    assert User.objects.get(pk=cast.alice.pk).language == "ru"


def test_the_language_switch_never_redirects_elsewhere(cast, client):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_pages_carry_a_strict_content_security_policy(cast, client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


REDIS = ("127.0.0.1", 6379)


def _redis_or_skip():
    """The tests' Redis on 127.0.0.1; skipped without one, unless ZAPROS_REQUIRE_REDIS=1 (set
    by the test script under CI)."""
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        reason = f"no Redis on {REDIS[0]}:{REDIS[1]}"
        if os.environ.get("ZAPROS_REQUIRE_REDIS") == "1":
            pytest.fail(f"{reason}, and ZAPROS_REQUIRE_REDIS=1 requires it")
        pytest.skip(reason)


def test_sessions_kept_in_redis_end_everywhere_and_outlive_the_cache(cast, client, settings):
    """With Redis (production) sessions are read from the cache and written through to the
    database: signing out ends the session for every worker, and clearing Redis signs nobody
    out."""
    _redis_or_skip()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://{REDIS[0]}:{REDIS[1]}/15"}}  # tests only
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    _login(client, "john@zapros.test", PASSWORD)
    assert client.get("/staff/").status_code == 200

    cache.clear()
    assert client.get("/staff/").status_code == 200   # from the database, back into Redis

    stolen = Client()
    stolen.cookies = SimpleCookie(client.cookies)     # the same cookie, as another browser
    client.post("/logout/")
    assert stolen.get("/staff/").status_code == 302   # to the login page
    cache.clear()

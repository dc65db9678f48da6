"""Signing in and out, throttling, password reset by e-mail, language, security headers."""

import os
import re
import socket
import time
from http.cookies import SimpleCookie

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from conftest import PASSWORD
from zapros.accounts.models import User
from zapros.notify.models import OutgoingMail


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


def _login_from(address, email, password, *, via_proxy=False):
    """A fresh browser signing in from ``address``, directly or through the reverse proxy on
    127.0.0.1 (which appends the address it was connected from)."""
    browser = Client(REMOTE_ADDR="127.0.0.1" if via_proxy else address)
    extra = {"HTTP_X_FORWARDED_FOR": f"10.6.6.6, {address}"} if via_proxy else {}
    response = browser.post("/login/", {"username": email, "password": password}, **extra)
    return "_auth_user_id" in browser.session, response.content.decode()


def test_guessing_an_account_from_one_address_does_not_lock_its_owner_out(cast, settings):
    settings.ZAPROS_LOGIN_ATTEMPTS = 3
    for _ in range(3):
        _login_from("203.0.113.5", "alice@example.com", "guess")
    signed_in, page = _login_from("203.0.113.5", "alice@example.com", PASSWORD)
    assert not signed_in and "Too many failed attempts" in page
    assert _login_from("198.51.100.7", "alice@example.com", PASSWORD)[0]
    assert _login_from("203.0.113.5", "bob@example.com", PASSWORD)[0]


def test_failures_for_made_up_accounts_do_not_lock_out_others_at_that_address(cast, settings):
    settings.ZAPROS_LOGIN_ATTEMPTS = 3
    settings.ZAPROS_LOGIN_ADDRESS_ATTEMPTS = 30
    for n in range(20):
        _login_from("203.0.113.5", f"made-up-{n}@example.com", "guess")
    assert _login_from("203.0.113.5", "alice@example.com", PASSWORD)[0]


def test_one_address_trying_many_accounts_is_stopped_known_or_not(cast, settings):
    settings.ZAPROS_LOGIN_ATTEMPTS = 3
    settings.ZAPROS_LOGIN_ADDRESS_ATTEMPTS = 5
    for n in range(5):
        _login_from("203.0.113.5", f"made-up-{n}@example.com", "guess")
    for email in ("alice@example.com", "nobody@example.com"):
        signed_in, page = _login_from("203.0.113.5", email, PASSWORD)
        assert not signed_in and "Too many failed attempts" in page
    assert _login_from("198.51.100.7", "alice@example.com", PASSWORD)[0]


def test_behind_the_trusted_proxy_each_client_address_is_counted_apart(cast, settings):
    settings.ZAPROS_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.ZAPROS_LOGIN_ATTEMPTS = 3
    settings.ZAPROS_LOGIN_ADDRESS_ATTEMPTS = 3
    for _ in range(3):
        _login_from("203.0.113.5", "alice@example.com", "guess", via_proxy=True)
    assert not _login_from("203.0.113.5", "alice@example.com", PASSWORD, via_proxy=True)[0]
    assert _login_from("198.51.100.7", "alice@example.com", PASSWORD, via_proxy=True)[0]


def test_a_successful_sign_in_starts_the_accounts_count_again(cast, settings):
    settings.ZAPROS_LOGIN_ATTEMPTS = 3
    for _ in range(2):
        _login_from("203.0.113.5", "alice@example.com", "guess")
    assert _login_from("203.0.113.5", "alice@example.com", PASSWORD)[0]
    for _ in range(2):
        _login_from("203.0.113.5", "alice@example.com", "guess")
    assert _login_from("203.0.113.5", "alice@example.com", PASSWORD)[0]


def test_a_forgotten_password_is_reset_through_the_link_in_the_mail(
        cast, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
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


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
        cast, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == [] and not OutgoingMail.objects.exists()


@pytest.fixture
def silent_smtp_server(settings):
    """A mail server that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.getsockname()
        settings.EMAIL_TIMEOUT = 2
        yield server


def test_a_hanging_mail_server_makes_known_addresses_answer_no_slower(
        cast, client, silent_smtp_server):
    started = time.monotonic()
    response = client.post("/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert time.monotonic() - started < 1
    queued = OutgoingMail.objects.get()
    assert queued.to == ["alice@example.com"] and queued.status == OutgoingMail.Status.QUEUED
    assert "/password/reset/" in queued.body_text


def test_a_failing_mail_server_keeps_the_reset_mail_to_send_again(
        cast, client, settings, django_capture_on_commit_callbacks):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    queued = OutgoingMail.objects.get()
    assert queued.status == OutgoingMail.Status.QUEUED and queued.attempts == 1
    assert queued.last_error


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

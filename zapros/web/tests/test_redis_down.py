"""Redis going away never fails a page: sessions come from the database, the cache misses."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from zapros.core.tests.redis import redis_server  # noqa: F401 (a fixture)
from zapros.tickets import diagnostics


@pytest.fixture
def redis_cache(settings, redis_server):  # noqa: F811
    """The production cache settings, on the test's own Redis."""
    settings.CACHES = {"default": {
        "BACKEND": "zapros.core.cache.ResilientRedisCache", "LOCATION": redis_server.url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
    }}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return redis_server


def test_signed_in_pages_work_while_redis_is_down(cast, redis_cache):
    browser = Client()
    page = reverse("staff:ticket", args=[cast.held().number])
    response = browser.post(reverse("login"), {"username": cast.john.email,
                                               "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get(page).status_code == 200  # the session from Redis

    redis_cache.stop()
    started = time.monotonic()
    assert browser.get(page).status_code == 200  # the session from the database
    assert time.monotonic() - started < 5
    assert browser.post(reverse("logout")).status_code == 302
    assert Session.objects.count() == 0
    assert browser.get(page).status_code == 302  # signed out

    # Signing in again works too, failed attempts included.
    assert browser.post(reverse("login"), {"username": cast.john.email,
                                           "password": "wrong"}).status_code == 200
    response = browser.post(reverse("login"), {"username": cast.john.email,
                                               "password": PASSWORD})
    assert response.status_code == 302 and Session.objects.count() == 1
    assert browser.get(page).status_code == 200


def test_the_cache_misses_and_drops_writes_while_redis_is_down(db, redis_cache):
    cache.set("kept", 1)
    assert cache.get("kept") == 1
    redis_cache.stop()
    assert cache.get("kept") is None and cache.get("kept", "none") == "none"
    assert cache.get_many(["kept"]) == {} and "kept" not in cache
    assert cache.add("other", 1) is False and cache.set("other", 1) is None
    assert cache.delete("kept") is False and cache.touch("kept") is False
    with pytest.raises(ValueError):
        cache.incr("counter")


def test_rate_limited_look_ups_go_on_while_redis_is_down(cast, redis_cache, settings):
    settings.ZAPROS_DIAGNOSTICS_RATE_LIMIT = 1
    redis_cache.stop()
    for _ in range(3):  # the allowance counts nothing, and refuses nothing, without Redis
        diagnostics._count_against_allowance(cast.john)

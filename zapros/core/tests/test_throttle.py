"""Counting in fixed windows of time in the shared cache."""

from zapros.core import throttle


def test_the_allowance_is_used_up_and_the_wait_is_until_the_window_closes():
    limit = throttle.Limit(2, 60)
    name = throttle.key("test", "someone")
    assert [throttle.take(name, limit) for _ in range(2)] == [None, None]
    assert throttle.wait(name, limit) is not None
    wait = throttle.take(name, limit)
    assert 1 <= wait <= 60
    assert throttle.take(throttle.key("test", "someone else"), limit) is None


def test_forgetting_starts_the_count_again():
    limit = throttle.Limit(1, 60)
    name = throttle.key("test", "someone")
    throttle.count(name, limit)
    assert throttle.wait(name, limit) is not None
    throttle.forget(name, limit)
    assert throttle.wait(name, limit) is None


def test_no_limit_refuses_nothing():
    limit = throttle.Limit(0, 60)
    name = throttle.key("test", "someone")
    assert all(throttle.take(name, limit) is None for _ in range(50))


def test_keys_keep_what_people_typed_out_of_the_cache():
    assert "alice" not in throttle.key("login", "alice@example.com", "198.51.100.7")

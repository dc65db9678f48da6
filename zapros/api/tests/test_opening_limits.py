"""Opening too many requests through the API: 429 with Retry-After, nothing written."""

from zapros.api.tests.conftest import post_json, snapshot


def _open(client, cast, **extra):
    return client.post("/api/v1/tickets", {"department": cast.tech.pk, "subject": "Down",
                                           "body": "Help"},
                       content_type="application/json", **extra)


def test_one_too_many_answers_429_with_retry_after(cast, api_as, settings):
    settings.ZAPROS_OPEN_LIMIT = 2
    client = api_as(cast.alice)
    assert [_open(client, cast).status_code for _ in range(2)] == [201, 201]
    before = snapshot()
    response = _open(client, cast)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.ZAPROS_OPEN_WINDOW_SECONDS
    assert "many requests" in response.json()["detail"]
    assert snapshot() == before


def test_the_address_counted_is_the_client_behind_the_trusted_proxy(cast, api_as, settings):
    settings.ZAPROS_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.ZAPROS_OPEN_LIMIT = 10
    settings.ZAPROS_OPEN_ADDRESS_LIMIT = 2
    alice, bob = api_as(cast.alice), api_as(cast.bob)
    via = {"REMOTE_ADDR": "127.0.0.1"}
    assert _open(alice, cast, HTTP_X_FORWARDED_FOR="198.51.100.7", **via).status_code == 201
    assert _open(bob, cast, HTTP_X_FORWARDED_FOR="198.51.100.7", **via).status_code == 201
    assert _open(bob, cast, HTTP_X_FORWARDED_FOR="198.51.100.7", **via).status_code == 429
    assert _open(bob, cast, HTTP_X_FORWARDED_FOR="203.0.113.5", **via).status_code == 201


def test_staff_opening_for_a_client_get_no_429(cast, api_as, settings):
    settings.ZAPROS_OPEN_LIMIT = 1
    client = api_as(cast.john)
    for _ in range(3):
        response = post_json(client, "/api/v1/tickets", {
            "department": cast.tech.pk, "client": cast.alice.pk, "subject": "Call",
            "body": "By phone"})
        assert response.status_code == 201

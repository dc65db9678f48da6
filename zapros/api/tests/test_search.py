"""GET /api/v1/search: the same search, the same access rules, shapes by role."""

import pytest

from zapros.tickets import services

URL = "/api/v1/search"
SECRET = "quartermaster"


@pytest.fixture
def tickets(cast):
    tech = cast.open(subject="Backup failed", body="nightly <b>backup</b>")
    services.comment(cast.john, tech.number, body=f"{SECRET}: backup disk dying")
    bob = cast.open(client=cast.bob, subject="Backup restore", body="restore my backup")
    billing = cast.open(subject="Backup invoice", body="backup costs", department=cast.billing)
    return tech, bob, billing


def numbers(body) -> set[int]:
    return {item["ticket"]["number"] for item in body["items"]}


def test_staff_get_ranked_hits_with_snippets(cast, api_as, tickets):
    tech, bob, _billing = tickets
    body = api_as(cast.john).get(URL, {"q": SECRET}).json()
    assert body["kind"] == "text" and numbers(body) == {tech.number}
    [hit] = body["items"]
    assert hit["view"] == "staff"
    assert f"<mark>{SECRET}</mark>" in hit["internal_snippet_html"]
    body = api_as(cast.john).get(URL, {"q": "backup"}).json()
    assert numbers(body) == {tech.number, bob.number}
    assert all("<b>" not in item["snippet_html"] for item in body["items"])


def test_clients_get_client_hits_without_internal_text(cast, api_as, tickets):
    tech, _bob, billing = tickets
    client = api_as(cast.alice)
    assert client.get(URL, {"q": SECRET}).json()["items"] == []
    body = client.get(URL, {"q": "backup"}).json()
    assert numbers(body) == {tech.number, billing.number}
    for hit in body["items"]:
        assert hit["view"] == "client"
        assert "internal_snippet_html" not in hit and "title" not in hit["ticket"]
        assert "dying" not in str(hit)
    assert body["clients"] == []


@pytest.mark.parametrize("who, visible", [
    ("alice", {"tech", "billing"}),
    ("bob", {"bob"}),
    ("john", {"tech", "bob"}),
    ("gary", {"tech", "bob"}),
    ("supervisor", {"tech", "bob", "billing"}),
    ("admin", {"tech", "bob", "billing"}),
])
def test_numbers_and_words_find_only_visible_requests(cast, api_as, tickets, who, visible):
    named = dict(zip(["tech", "bob", "billing"], tickets, strict=True))
    client = api_as(getattr(cast, who))
    assert numbers(client.get(URL, {"q": "backup"}).json()) == {
        named[name].number for name in visible}
    for name, ticket in named.items():
        body = client.get(URL, {"q": f"#{ticket.number}"}).json()
        assert body["kind"] == "number"
        assert numbers(body) == ({ticket.number} if name in visible else set())


def test_an_agent_finds_a_ticket_transferred_to_them(cast, api_as):
    sales = cast.staff_ticket(cast.sales, subject="Firewall offer")
    john = api_as(cast.john)
    assert john.get(URL, {"q": "firewall"}).json()["items"] == []
    services.transfer(cast.gary, sales.number, agent_id=cast.john.pk)
    assert numbers(john.get(URL, {"q": "firewall"}).json()) == {sales.number}


def test_anonymous_callers_are_refused(db, client):
    assert client.get(URL, {"q": "backup"}).status_code == 401


def test_staff_filters_and_client_lookup(cast, api_as, tickets):
    _tech, bob, billing = tickets
    supervisor = api_as(cast.supervisor)
    body = supervisor.get(URL, {"q": "backup", "department": cast.billing.pk}).json()
    assert numbers(body) == {billing.number}
    body = supervisor.get(URL, {"q": "bob@example.com"}).json()
    assert body["kind"] == "client" and numbers(body) == {bob.number}
    assert body["clients"] == [{"id": cast.bob.pk, "email": "bob@example.com",
                                "name": "Bob Client"}]
    body = supervisor.get(URL, {"q": "backup", "limit": 1}).json()
    assert len(body["items"]) == 1 and body["more"] is True


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 201}, {"q": "a", "limit": 51}])
def test_bad_input_is_refused(cast, api_as, params):
    assert api_as(cast.john).get(URL, params).status_code == 422


@pytest.mark.parametrize("who", ["gary", "alice"])
def test_search_runs_a_constant_number_of_queries(
        cast, api_as, django_assert_max_num_queries, who):
    client = api_as(getattr(cast, who))

    def fill(count):
        for index in range(count):
            ticket = cast.open(subject=f"Backup {index}", body="backup failed",
                               service_id=cast.alice_hosting.pk)
            services.comment(cast.john, ticket.number, body="backup again")

    fill(2)
    with django_assert_max_num_queries(12) as small:
        assert len(client.get(URL, {"q": "backup"}).json()["items"]) == 2
    fill(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(URL, {"q": "backup"}).json()["items"]) == 22

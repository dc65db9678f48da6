"""The search pages of the workspace and the portal: wiring, access, escaping, query counts."""

import pytest
from django.urls import reverse

from zapros.tickets import services

STAFF = reverse("staff:search")
PORTAL = reverse("portal:search")
SECRET = "quartermaster"


@pytest.fixture
def tickets(cast):
    """Alice's tech ticket with an internal comment; Bob's ticket; Alice's billing ticket."""
    tech = cast.open(subject="Backup <b>failed</b>", body="nightly backup <script>x()</script>")
    services.comment(cast.john, tech.number, body=f"{SECRET} says backup disk is dying")
    bob = cast.open(client=cast.bob, subject="Backup restore", body="restore my backup")
    billing = cast.open(subject="Backup invoice", body="backup costs", department=cast.billing)
    return tech, bob, billing


def found(response) -> set[int]:
    import re

    return {int(n) for n in re.findall(r'class="num" href="[^"]*">#(\d+)<', response.text)}


def test_staff_search_shows_highlighted_escaped_results(cast, logged_in, tickets):
    tech, bob, _billing = tickets
    response = logged_in(cast.john).get(STAFF, {"q": "backup"})
    assert response.status_code == 200
    assert found(response) == {tech.number, bob.number}
    html = response.content.decode()
    assert "<mark>Backup</mark>" in html
    assert "<script>x()" not in html and "<b>failed</b>" not in html
    assert "&lt;b&gt;failed&lt;/b&gt;" in html


def test_staff_see_internal_matches_clients_never(cast, logged_in, tickets):
    tech = tickets[0]
    staff = logged_in(cast.john).get(STAFF, {"q": SECRET})
    assert found(staff) == {tech.number}
    assert f"<mark>{SECRET}</mark>" in staff.content.decode()
    client = logged_in(cast.alice).get(PORTAL, {"q": SECRET})
    assert client.status_code == 200 and found(client) == set()
    html = client.content.decode()
    assert "dying" not in html and "<mark>" not in html and "Nothing found" in html
    # A public word of the same ticket shows no internal text to the client.
    public = logged_in(cast.alice).get(PORTAL, {"q": "backup"})
    assert found(public) == {tech.number, tickets[2].number}
    assert "dying" not in public.content.decode()


def test_a_number_opens_the_ticket_or_finds_nothing(cast, logged_in, tickets):
    tech, bob, billing = tickets
    browser = logged_in(cast.john)
    response = browser.get(STAFF, {"q": f"#{tech.number}"})
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:ticket", args=[tech.number])
    hidden = browser.get(STAFF, {"q": str(billing.number)})
    assert hidden.status_code == 200 and found(hidden) == set()
    assert "Nothing found" in hidden.content.decode()
    alice = logged_in(cast.alice)
    assert alice.get(PORTAL, {"q": str(tech.number)})["Location"] == reverse(
        "portal:ticket", args=[tech.number])
    other = alice.get(PORTAL, {"q": str(bob.number)})
    assert other.status_code == 200 and "Nothing found" in other.content.decode()
    assert "Backup restore" not in other.content.decode()


def test_staff_find_a_clients_requests_by_email(cast, logged_in, tickets):
    tech, _bob, billing = tickets
    response = logged_in(cast.supervisor).get(STAFF, {"q": "alice@example.com"})
    assert found(response) == {tech.number, billing.number}
    assert f"?client={cast.alice.pk}" in response.content.decode()


def test_staff_search_combines_with_filters(cast, logged_in, tickets):
    tech, bob, billing = tickets
    browser = logged_in(cast.supervisor)
    assert found(browser.get(STAFF, {"q": "backup", "department": cast.billing.pk})) == {
        billing.number}
    assert found(browser.get(STAFF, {"q": "backup", "client": cast.bob.pk})) == {bob.number}
    services.take(cast.john, tech.number)
    assert found(browser.get(STAFF, {"q": "backup", "assignee": cast.john.pk})) == {
        tech.number}


@pytest.mark.parametrize("who, staff_page, portal_page", [
    ("anonymous", 302, 302),
    ("alice", 404, 200),
    ("bob", 404, 200),
    ("john", 200, 302),
    ("gary", 200, 302),
    ("supervisor", 200, 302),
    ("admin", 200, 302),
])
def test_who_may_open_which_search_page(cast, client, tickets, who, staff_page, portal_page):
    if who != "anonymous":
        client.force_login(getattr(cast, who))
    response = client.get(STAFF, {"q": "backup"})
    assert response.status_code == staff_page
    if staff_page == 302:
        assert response["Location"].startswith(reverse("login"))
    assert client.get(PORTAL, {"q": "backup"}).status_code == portal_page


def test_the_search_box_is_in_both_headers(cast, logged_in):
    assert f'action="{STAFF}"' in logged_in(cast.john).get(reverse("staff:queue")).text
    assert f'action="{PORTAL}"' in logged_in(cast.alice).get(
        reverse("portal:requests")).text


@pytest.mark.parametrize("who, url", [("gary", STAFF), ("alice", PORTAL)])
def test_search_pages_run_a_constant_number_of_queries(
        cast, logged_in, django_assert_max_num_queries, who, url):
    browser = logged_in(getattr(cast, who))

    def fill(count):
        for index in range(count):
            ticket = cast.open(subject=f"Backup {index}", body="backup failed")
            services.comment(cast.john, ticket.number, body="backup again")

    fill(2)
    with django_assert_max_num_queries(12) as small:
        assert len(found(browser.get(url, {"q": "backup"}))) == 2
    fill(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(found(browser.get(url, {"q": "backup"}))) == 22


@pytest.mark.parametrize("url", [STAFF, PORTAL])
def test_a_nul_in_the_search_box_is_a_form_error_not_a_failure(cast, logged_in, tickets, url):
    user = cast.john if url == STAFF else cast.alice
    response = logged_in(user).get(url, {"q": "backup\x00"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Null characters are not allowed." in html
    assert found(response) == set()
    assert "Nothing found." not in html


def test_the_search_box_error_speaks_the_users_language(cast, logged_in, tickets):
    cast.alice.language = "ru"
    cast.alice.save()

    response = logged_in(cast.alice).get(PORTAL, {"q": "\x00"})

    assert response.status_code == 200
    assert "Null characters are not allowed." not in response.content.decode()

"""Following, copy addresses and undelivered mail on the staff and portal ticket pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zapros.notify.models import OutgoingMail
from zapros.tickets import services
from zapros.tickets.models import CcAddress, Event, Follower

from .conftest import flashes, ticket_url


def portal_url(ticket, name="ticket"):
    return reverse(f"portal:{name}", args=[ticket.number])


def state():
    return {
        "followers": list(Follower.objects.values_list("ticket", "user")),
        "cc": list(CcAddress.objects.values_list("ticket", "email")),
        "events": Event.objects.count(),
        "mails": list(OutgoingMail.objects.values_list("pk", "status", "attempts")),
    }


def test_staff_follow_and_unfollow_from_the_ticket_page(cast, logged_in):
    ticket = cast.open()
    browser = logged_in(cast.john)
    html = browser.get(ticket_url(ticket)).content.decode()
    assert "Nobody follows this request." in html and ">Follow</button>" in html

    response = browser.post(ticket_url(ticket, "follow"), follow=True)
    html = response.content.decode()
    assert "You follow the request" in html
    assert ">Unfollow</button>" in html and "<li>John Smith</li>" in html
    assert "John Smith follows the request" in html  # the timeline line

    browser.post(ticket_url(ticket, "unfollow"))
    assert not Follower.objects.exists()
    html = browser.get(ticket_url(ticket)).content.decode()
    assert "John Smith no longer follows the request" in html


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("alice", 404), ("bob", 404), ("john_outside", 404),
    ("gary", 302), ("supervisor", 302), ("admin", 302),
])
def test_follow_access_matrix(cast, client, logged_in, who, status):
    ticket = cast.open(department=cast.billing) if who == "john_outside" else cast.open()
    if who == "gary":
        cast.billing.members.add(cast.gary)
    browser = client if who == "anonymous" else logged_in(
        cast.john if who == "john_outside" else getattr(cast, who))
    before = state()
    response = browser.post(ticket_url(ticket, "follow"))
    assert response.status_code == status
    if who in {"anonymous", "alice", "bob", "john_outside"}:
        assert state() == before
        if who == "anonymous":
            assert response["Location"].startswith(reverse("login"))
    else:
        assert Follower.objects.filter(ticket=ticket).count() == 1


def test_staff_edit_the_copy_list(cast, logged_in):
    ticket = cast.open()
    services.add_cc(cast.alice, ticket.number, "carol@example.com")
    browser = logged_in(cast.gary)
    assert "carol@example.com" in browser.get(ticket_url(ticket)).content.decode()
    browser.post(ticket_url(ticket, "cc_add"), {"email": "dave@example.com"})
    browser.post(ticket_url(ticket, "cc_remove"), {"email": "carol@example.com"})
    assert list(CcAddress.objects.values_list("email", flat=True)) == ["dave@example.com"]
    html = browser.get(ticket_url(ticket)).content.decode()
    assert "Added in copy: dave@example.com" in html
    assert "Removed from copy: carol@example.com" in html


def test_the_client_edits_the_copy_list_in_the_portal(cast, logged_in):
    ticket = cast.open()
    browser = logged_in(cast.alice)
    response = browser.post(portal_url(ticket, "cc_add"), {"email": "carol@example.com"},
                            follow=True)
    assert "carol@example.com will get support" in response.content.decode()
    html = browser.get(portal_url(ticket)).content.decode()
    assert 'value="carol@example.com"' in html
    # The events are staff's: the client sees their list, not the audit lines.
    assert "Added in copy" not in html

    before = state()
    response = browser.post(portal_url(ticket, "cc_add"), {"email": "not-an-address"})
    assert flashes(response)[-1] == "Enter a valid e-mail address."
    response = browser.post(portal_url(ticket, "cc_add"), {"email": "carol@example.com"})
    assert flashes(response)[-1] == "This address already gets the replies."
    assert state() == before

    browser.post(portal_url(ticket, "cc_remove"), {"email": "carol@example.com"})
    assert not CcAddress.objects.exists()


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("bob", 404), ("john", 302), ("supervisor", 302),
])
def test_portal_copy_list_refusals_change_nothing(cast, client, logged_in, who, status):
    ticket = cast.open()
    services.add_cc(cast.alice, ticket.number, "carol@example.com")
    browser = client if who == "anonymous" else logged_in(getattr(cast, who))
    before = state()
    for name, email in (("cc_add", "dave@example.com"), ("cc_remove", "carol@example.com")):
        response = browser.post(portal_url(ticket, name), {"email": email})
        assert response.status_code == status
        if status == 302:  # to the login page, or staff to their own home
            assert not response["Location"].startswith(portal_url(ticket))
    assert state() == before


def test_the_portal_shows_only_the_clients_own_copy_list(cast, logged_in):
    mine = cast.open()
    bobs = cast.open(client=cast.bob)
    services.add_cc(cast.alice, mine.number, "carol@example.com")
    services.add_cc(cast.bob, bobs.number, "bobs-friend@example.com")
    services.follow(cast.john, mine.number)
    html = logged_in(cast.alice).get(portal_url(mine)).content.decode()
    assert "carol@example.com" in html
    assert "bobs-friend" not in html and "John Smith follows" not in html
    assert "Followers" not in html


def failed_reply(cast, smtp_server, capture, ticket):
    smtp_server.refuse_everyone = "550 5.1.1 Mailbox unavailable"
    with capture(execute=True):
        services.reply(cast.john, ticket.number, body="Answer", close=False)
    smtp_server.refuse_everyone = ""
    return OutgoingMail.objects.filter(to=["alice@example.com"]).latest("id")


def test_a_failed_mail_shows_to_staff_with_retry_and_never_to_the_client(
        cast, logged_in, client, smtp_server, django_capture_on_commit_callbacks):
    ticket = cast.held()
    mail = failed_reply(cast, smtp_server, django_capture_on_commit_callbacks, ticket)
    assert mail.status == OutgoingMail.Status.FAILED

    html = logged_in(cast.gary).get(ticket_url(ticket)).content.decode()
    assert ("Mail to alice@example.com failed: alice@example.com: 550 5.1.1 Mailbox "
            "unavailable") in html
    assert ticket_url(ticket, "retry_mail", mail.pk) in html

    portal = logged_in(cast.alice).get(portal_url(ticket)).content.decode()
    assert "550" not in portal and "failed" not in portal.lower()

    staff = logged_in(cast.gary)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(ticket_url(ticket, "retry_mail", mail.pk), follow=True)
    html = response.content.decode()
    assert "The mail is queued to be sent again." in html
    assert "Mail to alice@example.com failed" not in html
    assert "Mail to alice@example.com sent again" in html
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT and len(smtp_server.envelopes) == 1


@pytest.mark.parametrize("who", ["alice", "bob", "john_outside", "anonymous"])
def test_retry_is_refused_to_everyone_but_staff_who_see_the_ticket(
        cast, logged_in, client, smtp_server, django_capture_on_commit_callbacks, who):
    ticket = cast.held()
    mail = failed_reply(cast, smtp_server, django_capture_on_commit_callbacks, ticket)
    if who == "john_outside":
        cast.tech.members.remove(cast.john)
    browser = client if who == "anonymous" else logged_in(
        cast.john if who == "john_outside" else getattr(cast, who))
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(ticket_url(ticket, "retry_mail", mail.pk))
    assert response.status_code == (302 if who == "anonymous" else 404)
    assert state() == before and smtp_server.envelopes == []


def _busy(cast, ticket, smtp_server, capture, size):
    for i in range(size):
        services.add_cc(cast.alice, ticket.number, f"copy{ticket.number}-{i}@example.com")
    for user in (cast.gary, cast.supervisor, cast.admin)[:size]:
        if not Follower.objects.filter(ticket=ticket, user=user).exists():
            services.follow(user, ticket.number)
    for _i in range(size):
        failed_reply(cast, smtp_server, capture, ticket)


@pytest.mark.parametrize("user", ["john", "alice"])
def test_ticket_pages_run_a_constant_number_of_queries(
        cast, logged_in, smtp_server, django_capture_on_commit_callbacks,
        django_assert_max_num_queries, settings, user):
    settings.ZAPROS_TICKET_CC_MAX = 20
    small, large = cast.held(), cast.held()
    _busy(cast, small, smtp_server, django_capture_on_commit_callbacks, 1)
    _busy(cast, large, smtp_server, django_capture_on_commit_callbacks, 8)
    browser = logged_in(getattr(cast, user))
    url = ticket_url if user == "john" else portal_url
    browser.get(url(small))
    browser.get(url(large))
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(url(small)).status_code == 200
    with django_assert_max_num_queries(len(queries)):
        html = browser.get(url(large)).content.decode()
    assert f"copy{large.number}-7@example.com" in html
    if user == "john":
        # 8 replies, each to the client and 3 followers: the newest 20 failures are shown.
        assert html.count(">Retry</button>") == 20
        assert "Mail to sv@zapros.test failed" in html
        assert "Sue Visor" in html

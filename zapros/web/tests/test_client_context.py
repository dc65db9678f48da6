"""The workspace's client page, the sticky client filter, display settings, topics in the
portal and freezing with a resume date."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zapros.clients import services as client_services
from zapros.clients.models import Client, CommentRevision, Service
from zapros.core import clock
from zapros.tickets import services
from zapros.tickets.models import Event, Ticket, Topic

from .conftest import flashes

ROLES = ["alice", "bob", "john", "gary", "supervisor", "admin"]


def client_url(client_id, view="client"):
    return reverse(f"staff:{view}", args=[client_id])


def html(response):
    return response.content.decode()


# --- The client page ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_client_page_access_matrix(cast, logged_in, role):
    tech = cast.open(subject="Mail is slow")
    billing = cast.open(subject="Invoice twice", department=cast.billing)
    client_services.update_client_comment(cast.admin, cast.alice.pk, body="Pays late, be kind")
    response = logged_in(getattr(cast, role)).get(client_url(cast.alice.pk))
    if role in {"alice", "bob"}:
        assert response.status_code == 404
        assert "Pays late" not in html(response)
        return
    text = html(response)
    assert response.status_code == 200
    assert "alice@example.com" in text and "Pays late, be kind" in text
    assert "Hosting Pro" in text and "VPS-2" in text and "bob.example" not in text
    assert f"#{tech.number}" in text
    # John and Gary work in Technical support only: the Billing request stays out of sight.
    assert (f"#{billing.number}" in text) == (role in {"supervisor", "admin"})


def test_anonymous_visitors_go_to_login_and_missing_clients_are_404(cast, client, logged_in):
    for url in (client_url(cast.alice.pk), reverse("staff:settings")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert logged_in(cast.john).get(client_url(999_999)).status_code == 404


def test_the_client_tickets_continue_on_older_pages(cast, logged_in):
    opened = [cast.open(subject=f"Request {i}").number for i in range(23)]
    browser = logged_in(cast.john)
    first = browser.get(client_url(cast.alice.pk))
    assert first.context["tickets"].tickets[0].number == opened[-1]
    older = re.search(r'href="\?before=(\d+)"', html(first))
    second = browser.get(client_url(cast.alice.pk) + f"?before={older.group(1)}")
    assert [t.number for t in second.context["tickets"].tickets] == opened[:3][::-1]
    assert browser.get(client_url(cast.alice.pk) + "?before=junk").status_code == 200


def _client_with_history(cast, tickets, services_count):
    client = Client.objects.get(pk=cast.alice.pk)
    for i in range(services_count):
        Service.objects.create(client=client, name=f"Camera {i}", kind="camera")
    for i in range(tickets):
        ticket = cast.open(subject=f"History {i}", department=cast.tech if i % 2 else cast.billing)
        if i % 3 == 0:
            services.take(cast.john if i % 2 else cast.supervisor, ticket.number)
    client_services.update_client_comment(cast.admin, client.pk, body=f"Note {tickets}")


@pytest.mark.parametrize("role", ["john", "supervisor"])
def test_the_client_page_runs_the_same_queries_at_any_size(cast, logged_in, role,
                                                           django_assert_max_num_queries):
    browser = logged_in(getattr(cast, role))
    _client_with_history(cast, 3, 1)
    browser.get(client_url(cast.alice.pk))
    with CaptureQueriesContext(connection) as small:
        assert browser.get(client_url(cast.alice.pk)).status_code == 200
    _client_with_history(cast, 40, 15)
    with django_assert_max_num_queries(len(small)):
        response = browser.get(client_url(cast.alice.pk))
    assert len(response.context["tickets"].tickets) == 20


def test_staff_edit_the_internal_comment_and_see_who_changed_it(cast, logged_in):
    browser = logged_in(cast.gary)
    response = browser.post(client_url(cast.alice.pk, "client_comment"),
                            {"internal_comment": "Prefers phone calls"}, follow=True)
    assert "Prefers phone calls" in html(response)
    assert "Last changed by Gary Stark" in html(response)
    revision = CommentRevision.objects.get()
    assert (revision.author, revision.body) == (cast.gary, "Prefers phone calls")


def test_a_too_long_comment_is_refused_on_the_form(cast, logged_in):
    response = logged_in(cast.john).post(client_url(cast.alice.pk, "client_comment"),
                                         {"internal_comment": "x" * 5001})
    assert response.status_code == 200
    assert "The comment is too long" in html(response)
    assert Client.objects.get(pk=cast.alice.pk).internal_comment == ""
    assert CommentRevision.objects.count() == 0


@pytest.mark.parametrize("role", ["alice", "bob"])
def test_clients_cannot_write_the_comment(cast, logged_in, role):
    response = logged_in(getattr(cast, role)).post(
        client_url(cast.alice.pk, "client_comment"), {"internal_comment": "I am VIP"})
    assert response.status_code == 404
    assert Client.objects.get(pk=cast.alice.pk).internal_comment == ""
    assert CommentRevision.objects.count() == 0


def test_the_ticket_page_links_to_the_client_page_and_shows_the_title(cast, logged_in):
    camera = Topic.objects.create(name="Camera fault")
    ticket = cast.open(subject="No picture", topic_id=camera.pk, service_id=cast.alice_vps.pk)
    text = html(logged_in(cast.john).get(reverse("staff:ticket", args=[ticket.number])))
    assert client_url(cast.alice.pk) in text
    assert f"<h1><span class=\"num\">#{ticket.number}</span> Camera fault VPS-2</h1>" in text
    assert "No picture" in text
    queue = html(logged_in(cast.john).get(reverse("staff:queue")))
    assert "Camera fault VPS-2" in queue


# --- Filter by this client -----------------------------------------------------------------

def test_the_client_filter_follows_the_agent_through_the_workspace(cast, logged_in):
    alice_ticket = cast.open(subject="Alice's")
    bob_ticket = cast.open(client=cast.bob, subject="Bob's")
    browser = logged_in(cast.john)
    assert "Client: Alice Client" not in html(browser.get(reverse("staff:queue")))

    response = browser.post(client_url(cast.alice.pk, "client_filter"))
    assert response["Location"] == reverse("staff:queue")
    queue = browser.get(reverse("staff:queue"))
    assert [t.number for t in queue.context["page"].rows] == [alice_ticket.number]
    for url in (reverse("staff:queue"), reverse("staff:templates"), reverse("staff:settings"),
                reverse("staff:ticket", args=[bob_ticket.number]), client_url(cast.bob.pk)):
        assert "Client: Alice Client" in html(browser.get(url)), url
    # An explicit client in the queue's address wins over the sticky one.
    bobs = browser.get(reverse("staff:queue") + f"?client={cast.bob.pk}")
    assert [t.number for t in bobs.context["page"].rows] == [bob_ticket.number]

    templates = reverse("staff:templates")
    response = browser.post(reverse("staff:client_filter_clear"), {"next": templates})
    assert response["Location"] == templates
    queue = browser.get(reverse("staff:queue"))
    assert "Client: Alice Client" not in html(queue)
    assert len(queue.context["page"].rows) == 2


def test_clearing_refuses_to_send_the_agent_elsewhere(cast, logged_in):
    browser = logged_in(cast.john)
    browser.post(client_url(cast.alice.pk, "client_filter"))
    response = browser.post(reverse("staff:client_filter_clear"),
                            {"next": "https://evil.example/"})
    assert response["Location"] == reverse("staff:queue")


@pytest.mark.parametrize("role", ["alice", "bob"])
def test_clients_cannot_set_the_client_filter(cast, logged_in, role):
    browser = logged_in(getattr(cast, role))
    assert browser.post(client_url(cast.alice.pk, "client_filter")).status_code == 404
    assert "zapros_client_filter" not in browser.session


def test_the_filter_needs_a_client_that_exists(cast, logged_in):
    browser = logged_in(cast.john)
    assert browser.post(client_url(999_999, "client_filter")).status_code == 404
    assert browser.get(client_url(cast.alice.pk, "client_filter")).status_code == 405


# --- Display settings ----------------------------------------------------------------------

def test_an_agent_sets_the_font_of_the_ticket_page(cast, logged_in):
    ticket = cast.open()
    browser = logged_in(cast.john)
    response = browser.post(reverse("staff:settings"),
                            {"font_family": "mono", "font_size": "18"})
    assert response["Location"] == reverse("staff:settings")
    text = html(browser.get(reverse("staff:ticket", args=[ticket.number])))
    assert 'data-font="mono" data-font-size="18"' in text
    assert "style=" not in text  # the CSP forbids inline styles: classes and data only
    settings_page = html(browser.get(reverse("staff:settings")))
    assert 'value="18"' in settings_page and '<option value="mono" selected>' in settings_page


@pytest.mark.parametrize("data,message", [
    ({"font_family": "comic", "font_size": "15"}, "Choose one of the fonts offered."),
    ({"font_family": "serif", "font_size": "40"}, "Choose a size from 12 to 20 pixels."),
    ({"font_family": "serif", "font_size": ""}, "Choose a size from 12 to 20 pixels."),
])
def test_bad_display_settings_are_shown_on_the_form(cast, logged_in, data, message):
    response = logged_in(cast.john).post(reverse("staff:settings"), data)
    assert response.status_code == 200 and message in html(response)
    cast.john.refresh_from_db()
    assert (cast.john.font_family, cast.john.font_size) == ("sans", 15)


@pytest.mark.parametrize("role", ["alice", "bob"])
def test_clients_have_no_settings_page(cast, logged_in, role):
    browser = logged_in(getattr(cast, role))
    assert browser.get(reverse("staff:settings")).status_code == 404
    assert browser.post(reverse("staff:settings"), {"font_size": "18"}).status_code == 404


@pytest.mark.parametrize("role", ["john", "gary", "supervisor", "admin"])
def test_every_staff_member_has_a_settings_page(cast, logged_in, role):
    assert logged_in(getattr(cast, role)).get(reverse("staff:settings")).status_code == 200


# --- Topics in the portal ------------------------------------------------------------------

def test_clients_choose_among_active_topics_and_never_see_the_title(cast, logged_in):
    camera = Topic.objects.create(name="Camera fault", department=cast.billing)
    Topic.objects.create(name="Retired topic", active=False)
    browser = logged_in(cast.alice)
    form = html(browser.get(reverse("portal:new")))
    assert "Camera fault" in form and "Retired topic" not in form

    response = browser.post(reverse("portal:new"), {
        "department": cast.tech.pk, "subject": "No picture", "type": "question",
        "topic": camera.pk, "service": cast.alice_vps.pk, "body": "Black screen",
    })
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.topic, ticket.department, ticket.title) == (
        camera, cast.billing, "Camera fault VPS-2")
    for page in (reverse("portal:requests"), reverse("portal:ticket", args=[ticket.number])):
        assert "Camera fault VPS-2" not in html(browser.get(page))


def test_a_retired_topic_posted_anyway_is_refused_on_the_form(cast, logged_in):
    retired = Topic.objects.create(name="Retired", active=False)
    Topic.objects.create(name="Current")
    response = logged_in(cast.alice).post(reverse("portal:new"), {
        "department": cast.tech.pk, "subject": "Hi", "type": "question",
        "topic": retired.pk, "body": "Text",
    })
    assert response.status_code == 200 and "Choose a topic." in html(response)
    assert Ticket.objects.count() == 0


# --- Freezing from the ticket page ---------------------------------------------------------

def test_freeze_with_a_reason_and_a_date_shows_on_the_ticket_page(cast, logged_in):
    ticket = cast.held()
    day = clock.today_in(cast.john.timezone) + timedelta(days=7)
    browser = logged_in(cast.john)
    response = browser.post(reverse("staff:freeze", args=[ticket.number]),
                            {"reason": "Waiting for the data centre",
                             "resume_on": day.isoformat()}, follow=True)
    text = html(response)
    assert cast.refresh(ticket).resume_on == day
    from django.utils.formats import date_format
    assert f"On hold until {date_format(day, 'DATE_FORMAT')}: Waiting for the data centre" \
        in text


@pytest.mark.parametrize("data,message", [
    ({"resume_on": "2001-01-01"}, "Choose a date after today."),
    ({"resume_on": "soon"}, "Enter the resume date as a date, or leave it empty."),
    ({"reason": "x" * 501}, "The reason is too long (at most 500 characters)."),
])
def test_bad_freeze_input_is_refused_and_nothing_changes(cast, logged_in, data, message):
    ticket = cast.held()
    before = Ticket.objects.filter(pk=ticket.pk).values().get(), Event.objects.count()
    response = logged_in(cast.john).post(reverse("staff:freeze", args=[ticket.number]), data)
    assert message in flashes(response)
    assert (Ticket.objects.filter(pk=ticket.pk).values().get(), Event.objects.count()) == before

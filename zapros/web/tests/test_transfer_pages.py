"""The Transfer form on the staff ticket page, and what the client does not see of it."""

from django.urls import reverse

from zapros.accounts.models import Role, User
from zapros.tickets import services
from zapros.tickets.models import Event, Share

from .conftest import flashes, ticket_url


def test_the_transfer_form_lists_departments_and_staff(cast, logged_in):
    ticket = cast.open()
    html = logged_in(cast.gary).get(ticket_url(ticket)).content.decode()
    assert ticket_url(ticket, "transfer") in html
    assert f'value="d:{cast.sales.pk}"' in html
    assert f'value="a:{cast.john.pk}"' in html
    assert "<optgroup" in html


def test_no_transfer_form_on_an_archived_ticket(cast, logged_in):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    services.archive(cast.alice, ticket.number)
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    assert ticket_url(ticket, "transfer") not in html


def test_transfer_copies_the_request_and_shows_it(cast, logged_in):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    browser = logged_in(cast.john)
    response = browser.post(ticket_url(ticket, "transfer"), {"target": f"d:{cast.sales.pk}"})
    assert response.status_code == 302
    assert "Request copied to Sales." in flashes(response)
    assert Share.objects.filter(ticket=ticket, department=cast.sales).exists()
    html = browser.get(ticket_url(ticket)).content.decode()
    assert "Request copied to Sales" in html
    assert "Also active in" in html
    # John still holds it and still has the reply form.
    assert 'class="lockbar mine"' in html


def test_transfer_to_a_staff_member(cast, logged_in):
    ticket = cast.open()
    browser = logged_in(cast.john)
    response = browser.post(ticket_url(ticket, "transfer"), {"target": f"a:{cast.gary.pk}"})
    assert f"Request copied to {cast.gary.display_name}." in flashes(response)
    assert Share.objects.filter(ticket=ticket, agent=cast.gary).exists()
    assert cast.gary.display_name in browser.get(ticket_url(ticket)).content.decode()


def test_a_refused_transfer_is_flashed_and_changes_nothing(cast, logged_in):
    ticket = cast.open()
    browser = logged_in(cast.john)
    response = browser.post(ticket_url(ticket, "transfer"), {"target": f"d:{cast.tech.pk}"})
    assert response.status_code == 302
    assert any("already in Technical support" in text for text in flashes(response))
    assert not Share.objects.exists()
    assert not Event.objects.filter(kind=Event.Kind.TRANSFERRED).exists()


def test_a_nonsense_target_is_refused(cast, logged_in):
    ticket = cast.open()
    response = logged_in(cast.john).post(ticket_url(ticket, "transfer"), {"target": "d:999999"})
    assert "Choose a department or a staff member." in flashes(response)
    assert not Share.objects.exists()


def test_an_inactive_agent_is_not_offered(cast, logged_in):
    gone = User.objects.create_user("gone@example.com", "x", name="Gone", role=Role.AGENT,
                                    is_active=False)
    ticket = cast.open()
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    assert f'value="a:{gone.pk}"' not in html


def test_staff_are_offered_by_name_and_by_address_when_they_have_no_name(cast, logged_in):
    nameless = User.objects.create_user("nameless@zapros.test", "x", role=Role.AGENT)
    ticket = cast.open()
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    assert f'<option value="a:{nameless.pk}">nameless@zapros.test</option>' in html
    assert f'<option value="a:{cast.gary.pk}">Gary Stark</option>' in html
    assert html.index(">Ada Admin<") < html.index(">Gary Stark<")   # by name


def test_a_client_cannot_post_a_transfer(cast, logged_in):
    ticket = cast.open()
    response = logged_in(cast.alice).post(ticket_url(ticket, "transfer"),
                                          {"target": f"d:{cast.sales.pk}"})
    assert response.status_code == 404
    assert not Share.objects.exists()


def test_the_client_never_sees_the_transfer(cast, logged_in):
    ticket = cast.open()
    services.transfer(cast.john, ticket.number, department_id=cast.sales.pk)
    html = logged_in(cast.alice).get(
        reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "copied" not in html
    assert "Sales" not in html

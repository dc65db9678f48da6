import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zapros.tickets import services
from zapros.tickets.models import ResponseTemplate

TEMPLATES = reverse("staff:templates")


def templates_snapshot():
    return list(ResponseTemplate.objects.order_by("pk").values())


def insert_url(ticket):
    return reverse("staff:template_render", args=[ticket.number])


@pytest.fixture
def held(cast):
    """A ticket of Alice's that John holds, so that the reply form is shown."""
    return cast.held(service_id=cast.alice_hosting.pk)


@pytest.fixture
def greeting(cast):
    return services.create_template(cast.admin, title="Greeting",
                                    body="Hello {client_name}, about #{ticket_number}.")


def test_templates_page_lists_what_the_user_sees_with_scope(cast, logged_in, greeting):
    services.create_template(cast.admin, title="Offer", body="x", department_id=cast.sales.pk)
    services.create_template(cast.john, title="Mine", body="x", agent_id=cast.john.pk)
    page = logged_in(cast.john).get(TEMPLATES).content.decode()
    assert "Greeting" in page and "All staff" in page
    assert "Mine" in page and "Personal: John Smith" in page
    assert "Offer" not in page
    assert reverse("staff:templates") in page  # the navigation links here


def test_agent_adds_a_personal_template(cast, logged_in):
    response = logged_in(cast.john).post(TEMPLATES, {
        "title": "Thanks", "body": "Thank you, {client_name}", "agent": cast.john.pk,
    })
    assert response.status_code == 302
    template = ResponseTemplate.objects.get()
    assert (template.title, template.agent, template.department) == ("Thanks", cast.john, None)


def test_agent_cannot_add_a_department_template(cast, logged_in):
    response = logged_in(cast.john).post(TEMPLATES, {
        "title": "Thanks", "body": "Text", "department": cast.tech.pk,
    })
    assert response.status_code == 200
    assert "only their own personal templates" in response.content.decode()
    assert templates_snapshot() == []


def test_empty_title_is_shown_on_the_form(cast, logged_in):
    response = logged_in(cast.supervisor).post(TEMPLATES, {"title": " ", "body": "Text"})
    assert "Enter a title." in response.content.decode()
    assert templates_snapshot() == []


def test_supervisor_edits_and_deactivates_a_template(cast, logged_in, greeting):
    browser = logged_in(cast.supervisor)
    url = reverse("staff:template_edit", args=[greeting.pk])
    assert "Hello {client_name}" in browser.get(url).content.decode()
    browser.post(url, {"title": "Hi", "body": "Hi there", "department": cast.tech.pk})
    greeting.refresh_from_db()
    assert (greeting.title, greeting.department) == ("Hi", cast.tech)
    browser.post(reverse("staff:template_deactivate", args=[greeting.pk]))
    greeting.refresh_from_db()
    assert not greeting.active


def test_agent_cannot_deactivate_a_shared_template(cast, logged_in, greeting):
    before = templates_snapshot()
    logged_in(cast.john).post(reverse("staff:template_deactivate", args=[greeting.pk]))
    assert templates_snapshot() == before


def test_reply_form_offers_visible_templates(cast, logged_in, held, greeting):
    services.create_template(cast.gary, title="Gary only", body="x", agent_id=cast.gary.pk)
    page = logged_in(cast.john).get(reverse("staff:ticket", args=[held.number])).content.decode()
    assert 'id="reply-template"' in page and ">Greeting<" in page
    assert "Gary only" not in page


def test_insert_returns_the_text_area_with_the_filled_template(cast, logged_in, held, greeting):
    response = logged_in(cast.john).get(
        insert_url(held), {"template": greeting.pk, "body": "Already <typed>"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.startswith("<textarea") and 'id="reply-body"' in html
    assert f"Already &lt;typed&gt;\n\nHello Alice Client, about #{held.number}." in html


def test_insert_without_javascript_shows_the_ticket_page_with_the_text(
        cast, logged_in, held, greeting):
    response = logged_in(cast.john).post(insert_url(held), {"template": greeting.pk, "body": ""})
    assert response.status_code == 200
    assert f"Hello Alice Client, about #{held.number}." in response.content.decode()
    assert held.messages.count() == 1  # nothing was sent


def test_insert_of_an_invisible_template_keeps_the_text(cast, logged_in, held):
    personal = services.create_template(cast.gary, title="G", body="Gary's", agent_id=cast.gary.pk)
    response = logged_in(cast.john).get(
        insert_url(held), {"template": personal.pk, "body": "Mine"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "Mine" in html and "Gary's" not in html


def test_client_gets_404(cast, logged_in, held, greeting):
    browser = logged_in(cast.alice)
    assert browser.get(TEMPLATES).status_code == 404
    assert browser.get(insert_url(held), {"template": greeting.pk}).status_code == 404
    assert browser.post(TEMPLATES, {"title": "T", "body": "B"}).status_code == 404
    assert templates_snapshot() == [
        ResponseTemplate.objects.filter(pk=greeting.pk).values().get()
    ]


def test_templates_page_runs_a_constant_number_of_queries(cast, logged_in,
                                                          django_assert_max_num_queries):
    browser = logged_in(cast.supervisor)
    services.create_template(cast.admin, title="T0", body="x", department_id=cast.tech.pk)
    browser.get(TEMPLATES)
    with CaptureQueriesContext(connection) as queries:
        browser.get(TEMPLATES)
    for i in range(1, 20):
        services.create_template(cast.admin, title=f"T{i}", body="x",
                                 department_id=cast.sales.pk)
        services.create_template(cast.admin, title=f"P{i}", body="x", agent_id=cast.supervisor.pk)
    with django_assert_max_num_queries(len(queries)):
        assert "T19" in browser.get(TEMPLATES).content.decode()

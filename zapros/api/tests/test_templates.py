from zapros.tickets import services
from zapros.tickets.models import ResponseTemplate


def templates_snapshot():
    return list(ResponseTemplate.objects.order_by("pk").values())


def test_list_shows_the_callers_templates_with_scope(cast, api_as):
    services.create_template(cast.admin, title="Greeting", body="Hi")
    services.create_template(cast.admin, title="Restart", body="x", department_id=cast.tech.pk)
    services.create_template(cast.admin, title="Offer", body="x", department_id=cast.sales.pk)
    services.create_template(cast.gary, title="Gary", body="x", agent_id=cast.gary.pk)
    response = api_as(cast.john).get("/api/v1/templates")
    assert response.status_code == 200
    rows = {row["title"]: row for row in response.json()}
    assert set(rows) == {"Greeting", "Restart"}
    assert rows["Restart"]["department"] == {"id": cast.tech.pk, "name": "Technical support"}
    assert rows["Greeting"]["department"] is None and rows["Greeting"]["agent"] is None


def test_client_gets_an_empty_list(cast, api_as):
    services.create_template(cast.admin, title="Greeting", body="Hi")
    assert api_as(cast.alice).get("/api/v1/templates").json() == []


def test_agent_adds_a_personal_template(cast, api_as):
    response = api_as(cast.john).post(
        "/api/v1/templates", {"title": "Mine", "body": "Text", "agent": cast.john.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["agent"] == {"id": cast.john.pk, "name": "John Smith"}


def test_agent_cannot_add_a_template_for_all_staff(cast, api_as):
    response = api_as(cast.john).post("/api/v1/templates", {"title": "T", "body": "B"},
                                      content_type="application/json")
    assert response.status_code == 403
    assert templates_snapshot() == []


def test_empty_title_is_refused(cast, api_as):
    response = api_as(cast.admin).post("/api/v1/templates", {"title": " ", "body": "B"},
                                       content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "title"
    assert templates_snapshot() == []


def test_render_fills_the_template_for_a_request(cast, api_as):
    ticket = cast.open()
    template = services.create_template(cast.admin, title="T",
                                        body="Dear {client_name}, {unknown} {ticket.client}")
    response = api_as(cast.john).get(
        f"/api/v1/tickets/{ticket.number}/templates/{template.pk}/render")
    assert response.status_code == 200
    assert response.json() == {"text": "Dear Alice Client, {unknown} {ticket.client}"}


def test_render_of_an_invisible_request_or_template_is_404(cast, api_as):
    sales = cast.staff_ticket(cast.sales)
    tech = cast.open()
    shared = services.create_template(cast.admin, title="T", body="x")
    personal = services.create_template(cast.gary, title="G", body="x", agent_id=cast.gary.pk)
    john = api_as(cast.john)
    assert john.get(f"/api/v1/tickets/{sales.number}/templates/{shared.pk}/render"
                    ).status_code == 404
    assert john.get(f"/api/v1/tickets/{tech.number}/templates/{personal.pk}/render"
                    ).status_code == 404
    assert api_as(cast.alice).get(
        f"/api/v1/tickets/{tech.number}/templates/{shared.pk}/render").status_code == 404

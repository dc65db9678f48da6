"""POST /api/v1/tickets/{number}/transfer and the shares in the staff detail."""

from zapros.tickets import services
from zapros.tickets.models import Share

from .conftest import post_json, snapshot


def url(ticket):
    return f"/api/v1/tickets/{ticket.number}/transfer"


def test_staff_transfer_to_a_department(cast, api_as):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    response = post_json(api_as(cast.john), url(ticket), {"department": cast.sales.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["view"] == "staff"
    assert body["shares"] == [
        {"department": {"id": cast.sales.pk, "name": "Sales"}, "agent": None}
    ]
    assert body["holder"]["name"] == cast.john.display_name
    assert "send" in body["actions"]


def test_staff_transfer_to_an_agent(cast, api_as):
    ticket = cast.open()
    response = post_json(api_as(cast.john), url(ticket), {"agent": cast.gary.pk})
    assert response.status_code == 200
    assert response.json()["shares"] == [
        {"department": None, "agent": {"id": cast.gary.pk, "name": cast.gary.display_name}}
    ]


def test_the_client_detail_has_no_shares(cast, api_as):
    ticket = cast.open()
    services.transfer(cast.john, ticket.number, department_id=cast.sales.pk)
    body = api_as(cast.alice).get(f"/api/v1/tickets/{ticket.number}").json()
    assert body["view"] == "client"
    assert "shares" not in body
    assert "Sales" not in str(body)


def test_a_client_cannot_transfer(cast, api_as):
    ticket = cast.open()
    before = snapshot()
    response = post_json(api_as(cast.alice), url(ticket), {"department": cast.sales.pk})
    assert response.status_code == 403
    assert snapshot() == before and not Share.objects.exists()


def test_transfer_to_its_own_department_is_a_conflict(cast, api_as):
    ticket = cast.open()
    before = snapshot()
    response = post_json(api_as(cast.john), url(ticket), {"department": cast.tech.pk})
    assert response.status_code == 409
    assert "Technical support" in response.json()["detail"]
    assert snapshot() == before and not Share.objects.exists()


def test_a_missing_or_unknown_target_is_a_422(cast, api_as):
    ticket = cast.open()
    john = api_as(cast.john)
    before = snapshot()
    for payload in ({}, {"department": 999_999}, {"agent": 999_999},
                    {"department": cast.sales.pk, "agent": cast.gary.pk}):
        response = post_json(john, url(ticket), payload)
        assert response.status_code == 422, payload
    assert snapshot() == before and not Share.objects.exists()


def test_an_invisible_ticket_is_a_404(cast, api_as):
    ticket = cast.staff_ticket(cast.billing)
    before = snapshot()
    response = post_json(api_as(cast.john), url(ticket), {"department": cast.sales.pk})
    assert response.status_code == 404
    assert snapshot() == before and not Share.objects.exists()

import pytest

from zapros.tickets import services
from zapros.tickets.models import Event, Message, Rating, Ticket

from .conftest import post_json, snapshot

# --- Opening requests ---------------------------------------------------------------------

def test_a_client_opens_a_request(cast, api_as):
    response = post_json(api_as(cast.alice), "/api/v1/tickets", {
        "department": cast.tech.pk, "subject": "Mail is slow", "body": "Since Monday",
        "type": "bug", "service": cast.alice_vps.pk,
    })

    assert response.status_code == 201
    body = response.json()
    assert body["view"] == "client"
    assert body["subject"] == "Mail is slow"
    assert body["service"]["name"] == "VPS-2"
    assert body["client_status"] == "under_review"
    ticket = Ticket.objects.get(number=body["number"])
    assert ticket.client_id == cast.alice.pk
    assert ticket.messages.get().channel == Message.Channel.API


def test_staff_open_a_request_for_a_client_in_any_department(cast, api_as):
    response = post_json(api_as(cast.gary), "/api/v1/tickets", {
        "department": cast.sales.pk, "subject": "Upgrade", "body": "Offer",
        "client": cast.bob.pk, "type": "incident", "priority": 3,
    })

    assert response.status_code == 201
    body = response.json()
    assert body["view"] == "staff"
    assert (body["client"]["email"], body["department"]["name"]) == ("bob@example.com", "Sales")
    assert (body["type"], body["priority"]) == ("incident", 3)


@pytest.mark.parametrize(("payload", "field"), [
    ({"subject": "   "}, "subject"),
    ({"body": " \n "}, "body"),
    ({"department": "sales"}, "department"),
    ({"service": "bob_domain"}, "service"),
    ({"type": "incident"}, "type"),
    ({"priority": 9}, "priority"),
])
def test_a_refused_request_names_the_field_and_stores_nothing(cast, api_as, payload, field):
    named = {"sales": cast.sales.pk, "bob_domain": cast.bob_domain.pk}
    data = {"department": cast.tech.pk, "subject": "Help", "body": "Please"}
    data.update({key: named.get(value, value) for key, value in payload.items()})
    before = snapshot()

    response = post_json(api_as(cast.alice), "/api/v1/tickets", data)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["detail"]
    assert snapshot() == before


def test_a_malformed_body_is_a_422_naming_the_body(cast, api_as):
    before = snapshot()

    response = api_as(cast.alice).post("/api/v1/tickets", "{not json",
                                       content_type="application/json")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
    assert snapshot() == before


def test_wrong_types_are_a_422_naming_the_field(cast, api_as):
    before = snapshot()

    response = post_json(api_as(cast.alice), "/api/v1/tickets", {
        "department": "technical", "subject": "Help", "body": "Please",
    })

    assert response.status_code == 422
    problems = response.json()["detail"]
    assert [problem["loc"][-1] for problem in problems] == ["department"]
    assert snapshot() == before


def test_a_missing_field_is_a_422_naming_it(cast, api_as):
    response = post_json(api_as(cast.alice), "/api/v1/tickets",
                         {"department": cast.tech.pk, "body": "Please"})

    assert response.status_code == 422
    assert [problem["loc"][-1] for problem in response.json()["detail"]] == ["subject"]


def test_an_unknown_number_is_404_and_a_non_number_422(cast, api_as):
    john = api_as(cast.john)

    assert john.get("/api/v1/tickets/424242").status_code == 404
    assert john.post("/api/v1/tickets/424242/take").status_code == 404
    assert john.get("/api/v1/tickets/abc").status_code == 422
    assert john.get(f"/api/v1/tickets/{2**70}").status_code == 422


# --- Taking -------------------------------------------------------------------------------

def test_taking_makes_the_agent_the_holder(cast, api_as):
    ticket = cast.open()

    response = api_as(cast.john).post(f"/api/v1/tickets/{ticket.number}/take")

    assert response.status_code == 200
    assert response.json()["holder"]["name"] == "John Smith"
    assert response.json()["state"] == "open"
    assert cast.refresh(ticket).holder == cast.john


def test_the_second_take_is_refused_naming_the_holder(cast, api_as):
    ticket = cast.open()
    assert api_as(cast.john).post(f"/api/v1/tickets/{ticket.number}/take").status_code == 200
    before = snapshot()

    response = api_as(cast.gary).post(f"/api/v1/tickets/{ticket.number}/take")

    assert response.status_code == 409
    assert "John Smith" in response.json()["detail"]
    assert snapshot() == before


def test_a_client_cannot_take(cast, api_as):
    ticket = cast.open()
    before = snapshot()

    response = api_as(cast.alice).post(f"/api/v1/tickets/{ticket.number}/take")

    assert response.status_code == 403
    assert snapshot() == before


# --- Writing ------------------------------------------------------------------------------

def test_send_keeps_the_request_open_and_held(cast, api_as):
    ticket = cast.held()

    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "Checking now"})

    assert response.status_code == 201
    assert (response.json()["visibility"], response.json()["channel"]) == ("public", "api")
    ticket = cast.refresh(ticket)
    assert (ticket.state, ticket.holder) == ("open", cast.john)


def test_send_and_close_answers_with_an_internal_note(cast, api_as):
    ticket = cast.held()

    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "Fixed", "close": True, "note": "Restarted nginx"})

    assert response.status_code == 201
    assert cast.refresh(ticket).state == "answered"
    assert list(ticket.messages.values_list("visibility", "body")) == [
        ("public", "Please help"), ("public", "Fixed"), ("internal", "Restarted nginx"),
    ]


def test_an_internal_comment_needs_no_hold(cast, api_as):
    ticket = cast.open()

    response = post_json(api_as(cast.gary), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "Looks like DNS", "visibility": "internal"})

    assert response.status_code == 201
    assert response.json()["visibility"] == "internal"
    ticket = cast.refresh(ticket)
    assert (ticket.state, ticket.holder) == ("new", None)


def test_an_empty_internal_comment_names_the_body(cast, api_as):
    ticket = cast.open()
    before = snapshot()

    response = post_json(api_as(cast.gary), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "  ", "visibility": "internal"})

    assert (response.status_code, response.json()["field"]) == (422, "body")
    assert snapshot() == before


def test_answering_a_request_someone_else_holds_is_refused(cast, api_as):
    ticket = cast.held()
    before = snapshot()

    response = post_json(api_as(cast.gary), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "Me too", "close": True})

    assert response.status_code == 409
    assert "John Smith" in response.json()["detail"]
    assert snapshot() == before


def test_a_client_reply_reopens_an_answered_request(cast, api_as):
    ticket = cast.held()
    services.reply(cast.john, ticket.number, body="Fixed", close=True)

    response = post_json(api_as(cast.alice), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "Still broken"})

    assert response.status_code == 201
    assert response.json()["view"] == "client"
    assert cast.refresh(ticket).state == "open"


def test_a_client_cannot_write_an_internal_comment(cast, api_as):
    ticket = cast.open()
    before = snapshot()

    response = post_json(api_as(cast.alice), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "psst", "visibility": "internal"})

    assert response.status_code == 403
    assert snapshot() == before


def test_an_unknown_visibility_is_a_422(cast, api_as):
    ticket = cast.held()
    before = snapshot()

    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "x", "visibility": "secret"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "visibility"
    assert snapshot() == before


# --- Moving through states ----------------------------------------------------------------

def test_archiving_an_open_request_is_refused_with_the_reason(cast, api_as):
    ticket = cast.open()
    before = snapshot()

    response = api_as(cast.alice).post(f"/api/v1/tickets/{ticket.number}/archive")

    assert response.status_code == 409
    assert "still being handled by support" in response.json()["detail"]
    assert snapshot() == before


def test_a_client_archives_an_answered_request(cast, api_as):
    ticket = cast.held()
    services.reply(cast.john, ticket.number, body="Fixed", close=True)
    client = api_as(cast.alice)

    response = client.post(f"/api/v1/tickets/{ticket.number}/archive")

    assert response.status_code == 200
    assert response.json()["client_status"] == "archived"
    assert client.get("/api/v1/tickets").json()["items"] == []
    archived = client.get("/api/v1/tickets", {"archived": "true"}).json()["items"]
    assert [item["number"] for item in archived] == [ticket.number]


def test_the_holder_freezes_resumes_and_resolves(cast, api_as):
    ticket = cast.held()
    john = api_as(cast.john)

    frozen = post_json(john, f"/api/v1/tickets/{ticket.number}/freeze", {"reason": "Waiting"})
    assert (frozen.status_code, frozen.json()["state"]) == (200, "on_hold")
    assert Event.objects.get(kind="frozen").data["reason"] == "Waiting"
    resumed = john.post(f"/api/v1/tickets/{ticket.number}/resume")
    assert resumed.json()["state"] == "open"
    resolved = john.post(f"/api/v1/tickets/{ticket.number}/resolve")
    assert resolved.json()["state"] == "resolved"


def test_resuming_a_request_that_is_not_on_hold_is_a_conflict(cast, api_as):
    ticket = cast.held()
    before = snapshot()

    response = api_as(cast.john).post(f"/api/v1/tickets/{ticket.number}/resume")

    assert response.status_code == 409
    assert snapshot() == before


def test_a_client_marks_their_request_solved(cast, api_as):
    ticket = cast.open()

    response = api_as(cast.alice).post(f"/api/v1/tickets/{ticket.number}/resolve")

    assert response.status_code == 200
    assert cast.refresh(ticket).state == "resolved"


def test_saving_parameters_changes_only_the_fields_sent(cast, api_as):
    ticket = cast.held(subject="Site is down")

    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/parameters",
                         {"title": "Web server outage", "priority": 4})

    assert response.status_code == 200
    ticket = cast.refresh(ticket)
    assert (ticket.subject, ticket.title, ticket.priority) == (
        "Site is down", "Web server outage", 4)


def test_saving_another_clients_service_is_refused(cast, api_as):
    ticket = cast.held()
    before = snapshot()

    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/parameters",
                         {"service": cast.bob_domain.pk})

    assert (response.status_code, response.json()["field"]) == (422, "service")
    assert snapshot() == before


def test_a_supervisor_reassigns_and_unlocks(cast, api_as):
    ticket = cast.held()
    supervisor = api_as(cast.supervisor)

    reassigned = post_json(supervisor, f"/api/v1/tickets/{ticket.number}/reassign",
                           {"agent": cast.gary.pk})
    assert reassigned.json()["holder"]["name"] == "Gary Stark"
    unlocked = supervisor.post(f"/api/v1/tickets/{ticket.number}/unlock")
    assert unlocked.json()["holder"] is None
    assert cast.refresh(ticket).state == "new"


def test_an_agent_cannot_reassign(cast, api_as):
    ticket = cast.held()
    before = snapshot()

    response = post_json(api_as(cast.john), f"/api/v1/tickets/{ticket.number}/reassign",
                         {"agent": cast.gary.pk})

    assert response.status_code == 403
    assert snapshot() == before


def test_reassigning_to_someone_outside_the_department_is_refused(cast, api_as):
    ticket = cast.staff_ticket(cast.sales)
    before = snapshot()

    response = post_json(api_as(cast.supervisor), f"/api/v1/tickets/{ticket.number}/reassign",
                         {"agent": cast.john.pk})

    assert response.status_code == 403
    assert "John Smith" in response.json()["detail"]
    assert snapshot() == before


# --- Ratings ------------------------------------------------------------------------------

def test_a_client_rates_an_answer(cast, api_as):
    ticket = cast.held()
    answer = services.reply(cast.john, ticket.number, body="Fixed", close=True)
    client = api_as(cast.alice)

    response = post_json(client, f"/api/v1/tickets/{ticket.number}/messages/{answer.pk}/rating",
                         {"value": "good", "comment": "Quick!"})

    assert response.status_code == 200
    assert response.json() == {"message": answer.pk, "value": "good", "comment": "Quick!"}
    rated = client.get(f"/api/v1/tickets/{ticket.number}").json()["messages"][-1]
    assert rated["rating"]["value"] == "good"
    assert Rating.objects.get().comment == "Quick!"


def test_only_answers_from_support_can_be_rated(cast, api_as):
    ticket = cast.held()
    question = ticket.messages.get()
    before = snapshot()

    response = post_json(api_as(cast.alice),
                         f"/api/v1/tickets/{ticket.number}/messages/{question.pk}/rating",
                         {"value": "bad"})

    assert (response.status_code, response.json()["field"]) == (422, "message")
    assert snapshot() == before


def test_staff_cannot_rate(cast, api_as):
    ticket = cast.held()
    answer = services.reply(cast.john, ticket.number, body="Fixed", close=True)
    before = snapshot()

    response = post_json(api_as(cast.john),
                         f"/api/v1/tickets/{ticket.number}/messages/{answer.pk}/rating",
                         {"value": "good"})

    assert response.status_code == 403
    assert snapshot() == before


def test_a_rating_must_be_good_or_bad(cast, api_as):
    ticket = cast.held()
    answer = services.reply(cast.john, ticket.number, body="Fixed", close=True)
    before = snapshot()

    response = post_json(api_as(cast.alice),
                         f"/api/v1/tickets/{ticket.number}/messages/{answer.pk}/rating",
                         {"value": "meh"})

    assert (response.status_code, response.json()["field"]) == (422, "value")
    assert snapshot() == before

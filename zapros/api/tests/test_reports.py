import pytest
from django.test import Client

from zapros.reports.tests.conftest import START, H, build_overdue, fresh_tickets, late, met

OVERDUE = "/api/v1/reports/sla/overdue"
PERIOD = "/api/v1/reports/sla/period"
MARCH = {"start": "2024-03-01", "end": "2024-04-01"}


@pytest.fixture
def overdue(cast):
    return build_overdue(cast)


@pytest.fixture
def answered_in_march(cast):
    ticket, other = fresh_tickets(cast, 2)
    met(ticket, "first_response", H, at=START + 2 * H, staff=cast.john)
    met(other, "first_response", 3 * H, at=START + 3 * H, staff=cast.gary)
    late(other, "next_response", 9 * H, at=START + 30 * H, breached_at=START + 26 * H,
         staff=cast.gary)


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 401), ("alice", 403), ("john", 403), ("gary", 403),
    ("supervisor", 200), ("admin", 200),
])
def test_only_supervisors_and_admins_get_the_report(cast, api_as, overdue, answered_in_march,
                                                    who, status):
    client = Client() if who == "anonymous" else api_as(getattr(cast, who))
    for url, query in ((OVERDUE, {}), (PERIOD, MARCH)):
        response = client.get(url, query)
        assert response.status_code == status, url
        if status == 403:
            assert response.json()["detail"]
            assert "total" not in response.json() and "by_metric" not in response.json()


def test_overdue_now_through_the_api(cast, api_as, overdue):
    body = api_as(cast.supervisor).get(OVERDUE).json()

    assert body["total"] == 4
    assert [item["number"] for item in body["items"]] == [
        overdue.tickets[2].number, overdue.tickets[0].number, overdue.tickets[3].number,
        overdue.tickets[1].number]
    first = body["items"][1]
    assert (first["assignee"], first["metric"], first["policy"]) == (
        "John Smith", "first_response", "Gold")
    assert 3 * 3600 <= first["overdue_by_seconds"] < 3 * 3600 + 300
    assert {(c["name"], c["count"]) for c in body["by_agent"]} == {
        ("John Smith", 1), ("Nobody", 3)}
    assert body["next"] is None
    narrowed = api_as(cast.admin).get(OVERDUE, {"department": cast.billing.pk}).json()
    assert narrowed["total"] == 1


def test_a_period_through_the_api(cast, api_as, answered_in_march):
    body = api_as(cast.admin).get(PERIOD, MARCH).json()

    (first, following) = body["by_metric"]
    assert (first["metric"], first["count"], first["met"], first["met_percent"]) == (
        "first_response", 2, 2, 100.0)
    assert (first["median_seconds"], first["p90_seconds"]) == (2 * 3600, 2.8 * 3600)
    assert (following["count"], following["met"], following["median_seconds"]) == (
        1, 0, 9 * 3600)
    assert sum(map(sum, body["breaches"])) == 1
    assert body["breaches"][5][2] == 1    # Saturday 2 March 02:00 UTC
    assert {row["name"] for row in body["by_agent"]} == {"John Smith", "Gary Stark"}


def test_a_period_without_an_offset_is_in_the_callers_zone(cast, api_as, answered_in_march):
    cast.admin.timezone = "Asia/Vladivostok"      # UTC+10: 2 March starts at 1 March 14:00
    cast.admin.save()
    body = api_as(cast.admin).get(PERIOD, {"start": "2024-03-02", "end": "2024-03-03"}).json()

    assert body["start"].startswith("2024-03-02T00:00:00+10:00") or body["start"].startswith(
        "2024-03-01T14:00:00")
    assert [row["count"] for row in body["by_metric"]] == [1]   # the late answer only
    assert body["time_zone"] == "Asia/Vladivostok"


@pytest.mark.parametrize(("query", "field"), [
    ({"start": "2024-04-01", "end": "2024-03-01"}, "end"),
    ({"start": "2024-03-01", "end": "2024-03-01"}, "end"),
    ({"start": "2023-01-01", "end": "2024-03-01"}, "end"),
])
def test_a_period_that_cannot_be_is_refused(cast, api_as, query, field):
    response = api_as(cast.admin).get(PERIOD, query)
    assert response.status_code == 422
    assert response.json()["field"] == field and response.json()["detail"]


@pytest.mark.parametrize("query", [
    {"start": "yesterday", "end": "2024-03-01"},
    {"start": "2024-02-30", "end": "2024-03-01"},
    {"end": "2024-03-01"},
    {**MARCH, "department": "x"},
    {**MARCH, "agent": "-1"},
])
def test_dates_and_filters_that_do_not_parse_are_refused(cast, api_as, query):
    response = api_as(cast.admin).get(PERIOD, query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_a_forged_cursor_is_refused(cast, api_as):
    response = api_as(cast.admin).get(OVERDUE, {"cursor": "forged"})
    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


def test_the_reports_are_in_the_openapi_document(db):
    schema = Client().get("/api/v1/openapi.json").json()

    for path in (OVERDUE, PERIOD):
        operation = schema["paths"][path]["get"]
        assert operation["tags"] == ["reports"]
        assert {"200", "401", "403", "422"} <= set(map(str, operation["responses"]))
    names = {p["name"] for p in schema["paths"][PERIOD]["get"]["parameters"]}
    assert {"start", "end", "department", "agent", "policy"} <= names
    assert {"OverdueOut", "PeriodOut"} <= set(schema["components"]["schemas"])

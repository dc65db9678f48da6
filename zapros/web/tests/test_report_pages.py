import pytest
from django.utils import translation

from zapros.reports.tests.conftest import START, H, build_overdue, fresh_tickets, late, met

from .conftest import browser_for

PAGE = "/staff/reports/sla/"
OVERDUE_CSV = "/staff/reports/sla/overdue.csv"
PERIOD_CSV = "/staff/reports/sla/period.csv"
MARCH = {"period": "custom", "start": "2024-03-01", "end": "2024-03-31"}


@pytest.fixture
def overdue(cast):
    return build_overdue(cast)


@pytest.fixture
def march(cast):
    ticket, other = fresh_tickets(cast, 2)
    met(ticket, "first_response", H, at=START + 2 * H, staff=cast.john)
    late(other, "first_response", 3 * H, at=START + 30 * H, breached_at=START + 26 * H,
         staff=cast.gary)


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("alice", 404), ("john", 403), ("gary", 403),
    ("supervisor", 200), ("admin", 200),
])
@pytest.mark.parametrize("url", [PAGE, OVERDUE_CSV, PERIOD_CSV])
def test_only_supervisors_and_admins_open_the_report(cast, client, overdue, who, status, url):
    response = browser_for(cast, client, who).get(url)

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/") or "login" in response[
            "Location"]
    if status != 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Request 0" not in body and b"Overdue by" not in body


@pytest.mark.parametrize(("who", "shown"), [
    ("john", False), ("gary", False), ("supervisor", True), ("admin", True)])
def test_the_reports_link_is_offered_to_supervisors_and_admins(cast, client, who, shown):
    page = browser_for(cast, client, who).get("/staff/").content.decode()
    assert (f'href="{PAGE}"' in page) is shown


def test_the_page_shows_what_is_overdue_and_links_the_tickets(cast, client, overdue):
    page = browser_for(cast, client, "supervisor").get(PAGE).content.decode()

    for ticket in overdue.tickets:
        assert f'href="/staff/tickets/{ticket.number}/"' in page
    assert "John Smith" in page and "Gold" in page and "Silver" in page
    assert "Overdue now" in page and "Nothing is overdue." not in page
    narrowed = client.get(PAGE, {"department": cast.billing.pk}).content.decode()
    assert f"/staff/tickets/{overdue.tickets[3].number}/" in narrowed
    assert f"/staff/tickets/{overdue.tickets[0].number}/" not in narrowed


def test_the_period_block_shows_the_tables(cast, client, march):
    page = browser_for(cast, client, "admin").get(PAGE, MARCH).content.decode()

    assert "First response" in page and "50.0%" in page
    assert "2 h" in page and "2 h 00 min" not in page   # the median of 1 h and 3 h
    assert "1 breach" in page
    assert '<rect width="50"' in page and '<rect width="100"' in page


@pytest.mark.parametrize(("query", "error"), [
    ({"period": "custom", "start": "2024-03-31", "end": "2024-03-01"},
     "The period must end after it starts."),
    ({"period": "custom", "start": "2024-03-01"}, "Enter a date."),
    ({"period": "custom", "start": "2024-02-30", "end": "2024-03-01"}, "Enter a valid date."),
    ({"period": "custom", "start": "2020-01-01", "end": "2024-03-01"},
     "The period can be a year long at most."),
])
def test_a_bad_period_is_an_error_on_the_page(cast, client, overdue, query, error):
    response = browser_for(cast, client, "admin").get(PAGE, query)

    assert response.status_code == 200
    assert error in response.content.decode()


def test_filters_that_do_not_parse_are_dropped(cast, client, overdue):
    response = browser_for(cast, client, "admin").get(
        PAGE, {"department": "x", "agent": "-1", "policy": "99999", "cursor": "forged",
               "period": "nonsense"})
    assert response.status_code == 200
    assert f"/staff/tickets/{overdue.tickets[0].number}/" in response.content.decode()


def test_the_page_reads_in_a_constant_number_of_queries(cast, client, overdue, march,
                                                        django_assert_max_num_queries):
    browser_for(cast, client, "supervisor")
    with django_assert_max_num_queries(20) as small:
        client.get(PAGE, MARCH)
    now = overdue.overdue[0].due_at
    for ticket in fresh_tickets(cast, 12, cast.sales):
        from zapros.reports.tests.conftest import add_clock

        add_clock(ticket, due_at=now)
        met(ticket, "first_response", 2 * H, at=START + 5 * H, staff=cast.gary)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(PAGE, MARCH)


def test_the_csv_downloads(cast, client, overdue, march):
    browser_for(cast, client, "supervisor")
    overdue_csv = client.get(OVERDUE_CSV, {"policy": overdue.silver.pk})
    period_csv = client.get(PERIOD_CSV, MARCH)

    assert overdue_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in overdue_csv["Content-Disposition"]
    text = b"".join(overdue_csv.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffRequest,")
    assert len(text.strip().splitlines()) == 3      # the header and Silver's two
    period = b"".join(period_csv.streaming_content).decode("utf-8")
    assert period.startswith("\ufeffGroup,")
    assert "sla-2024-03-01-2024-03-31.csv" in period_csv["Content-Disposition"]
    assert "All,,First response,2,1,50.0,120.0" in period


def test_the_report_in_russian(cast, client, overdue, march):
    cast.supervisor.language = "ru"
    cast.supervisor.timezone = "Europe/Moscow"
    cast.supervisor.save()
    page = browser_for(cast, client, "supervisor").get(PAGE, MARCH).content.decode()

    with translation.override("ru"):
        queue, target = translation.gettext("Queue"), translation.gettext("First response")
    assert queue != "Queue"
    assert 'lang="ru"' in page and queue in page and target in page

# ruff: noqa: F811 - the fixtures of other apps' tests are imported, then asked for by name.
"""SLA clocks and markers on the workspace's pages, the portal's promise, and who sees what."""

from datetime import timedelta

import pytest

from conftest import make_policy
from zapros.tickets import deadlines, services
from zapros.tickets.tests.conftest import moment  # noqa: F401

H = timedelta(hours=1)


@pytest.fixture
def tracked(cast):
    return make_policy("Tech gold", departments=[cast.tech], first_response=H,
                       next_response=2 * H, resolution=24 * H)


def test_staff_see_the_clocks_and_why_they_are_due(cast, logged_in, tracked):
    ticket = cast.held()
    page = logged_in(cast.supervisor).get(f"/staff/tickets/{ticket.number}/").content.decode()
    assert "Service level" in page
    assert "First response" in page and "Resolution" in page
    assert "1 h of business time from" in page and "policy Tech gold" in page


def test_a_breach_shows_in_the_staff_timeline(cast, logged_in, tracked, moment):
    ticket = cast.held()
    moment.advance(hours=2)
    deadlines.sweep()
    page = logged_in(cast.john).get(f"/staff/tickets/{ticket.number}/").content.decode()
    assert "First response overdue: it was due" in page


def test_the_client_never_sees_clocks_policies_or_their_events(cast, logged_in, tracked,
                                                                 moment):
    ticket = cast.held()
    moment.advance(hours=2)
    deadlines.sweep()
    page = logged_in(cast.alice).get(f"/portal/requests/{ticket.number}/").content.decode()
    for secret in ("Service level", "Tech gold", "overdue", "First response", "business time"):
        assert secret not in page, secret


@pytest.mark.parametrize("shown", [True, False])
def test_the_portal_tells_when_the_answer_is_due_where_the_department_shows_it(
        cast, logged_in, tracked, shown):
    cast.tech.show_due_to_clients = shown
    cast.tech.save()
    ticket = cast.open()
    page = logged_in(cast.alice).get(f"/portal/requests/{ticket.number}/").content.decode()
    assert ("We will answer by" in page) is shown


def test_the_portal_makes_no_promise_once_the_time_has_passed(cast, logged_in, tracked,
                                                              moment):
    cast.tech.show_due_to_clients = True
    cast.tech.save()
    ticket = cast.open()
    moment.advance(hours=2)
    page = logged_in(cast.alice).get(f"/portal/requests/{ticket.number}/").content.decode()
    assert "We will answer by" not in page


def test_the_queue_marks_what_was_answered_late_and_what_is_completed(cast, logged_in, tracked,
                                                                       moment):
    late = cast.held(subject="Late one")
    moment.advance(hours=2)
    deadlines.sweep()
    services.reply(cast.john, late.number, body="Sorry for the wait", close=False)
    done = cast.answered(subject="Done one")
    services.resolve(cast.john, done.number)
    page = logged_in(cast.supervisor).get("/staff/").content.decode()
    assert "Answered late" in page and "Completed" in page


def test_overdue_only_lists_what_waits_past_its_deadline(cast, logged_in, tracked, moment):
    late = cast.open(subject="Waited too long")
    moment.advance(hours=2)
    fresh = cast.open(subject="Just asked")
    page = logged_in(cast.supervisor).get("/staff/", {"overdue": "on"}).content.decode()
    assert f"#{late.number}" in page and f"#{fresh.number}" not in page


def test_the_request_page_says_it_was_answered_late(cast, logged_in, tracked, moment):
    ticket = cast.held()
    moment.advance(hours=2)
    deadlines.sweep()
    services.reply(cast.john, ticket.number, body="Sorry", close=False)
    page = logged_in(cast.john).get(f"/staff/tickets/{ticket.number}/").content.decode()
    assert 'class="badge answered-late"' in page and "Answered late" in page


@pytest.mark.parametrize(("value", "days", "text"), [
    (timedelta(hours=27), False, "27 h"),
    (timedelta(hours=2, minutes=5), False, "2 h 05 min"),
    (timedelta(minutes=45), False, "45 min"),
    (timedelta(hours=83), True, "3 d 11 h"),
    (timedelta(hours=5), True, "5 h"),
    (None, False, "—"),
])
def test_durations_read_in_hours_and_wall_clock_ones_in_days(value, days, text):
    from zapros.web.staff.service_levels import length

    assert length(value, days=days) == text

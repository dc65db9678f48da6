from datetime import UTC, date, datetime, timedelta

import pytest

from zapros.core.errors import Forbidden, ValidationFailed
from zapros.reports import periods, sla
from zapros.sla.models import Clock, Policy
from zapros.tickets import services

from .conftest import END, START, H, add_clock, fresh_tickets, late, met

M = timedelta(minutes=1)


def at(day, hour=10, minute=0):
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


# --- Overdue now ----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_overdue_now_counts_the_live_clocks_past_due(cast, overdue, who):
    report = sla.overdue_now(getattr(cast, who))

    assert report.total == 4
    assert [row.clock_id for row in report.page.rows] == [
        overdue.overdue[2].pk, overdue.overdue[0].pk, overdue.overdue[3].pk,
        overdue.overdue[1].pk,
    ]   # by due time, the breached one (due 5 h ago) first
    assert {(b.name, b.count) for b in report.by_department} == {
        ("Technical support", 3), ("Billing", 1)}
    assert [(b.name, b.count) for b in report.by_department] == [
        ("Technical support", 3), ("Billing", 1)]
    assert {(b.id, b.name, b.count) for b in report.by_agent} == {
        (cast.john.pk, "John Smith", 1), (None, "Nobody", 3)}
    assert {(b.id, b.name, b.count) for b in report.by_policy} == {
        (overdue.gold.pk, "Gold", 2), (overdue.silver.pk, "Silver", 2)}


def test_an_overdue_row_says_what_and_by_how_much(cast, overdue):
    first = sla.overdue_now(cast.supervisor).page.rows[1]

    ticket = overdue.tickets[0]
    assert (first.number, first.heading, first.department, first.assignee) == (
        ticket.number, "Request 0", "Technical support", "John Smith")
    assert (first.metric, first.metric_label, first.policy) == (
        "first_response", "First response", "Gold")
    assert first.due_at == overdue.overdue[0].due_at
    assert 3 * H <= first.overdue_by < 3 * H + 5 * M


def test_overdue_now_leaves_archived_tickets_out(cast, overdue):
    ticket = cast.answered()
    services.archive(cast.alice, ticket.number)
    Clock.objects.filter(ticket=ticket).delete()
    add_clock(ticket, due_at=overdue.overdue[0].due_at)

    assert sla.overdue_now(cast.supervisor).total == 4


def test_overdue_now_filters(cast, overdue):
    def total(**chosen):
        return sla.overdue_now(cast.admin, **chosen).total

    assert total(department=cast.billing.pk) == 1
    assert total(department=cast.sales.pk) == 0
    assert total(agent=cast.john.pk) == 1
    assert total(agent=sla.NOBODY) == 3
    assert total(agent=str(cast.gary.pk)) == 0
    assert total(policy=overdue.silver.pk) == 2
    assert total(department=cast.tech.pk, policy=overdue.silver.pk) == 1


@pytest.mark.parametrize("field", ["department", "agent", "policy"])
@pytest.mark.parametrize("value", ["x", "-3", "1e3", str(2**63)])
def test_a_filter_that_cannot_be_an_id_is_refused(cast, field, value):
    with pytest.raises(ValidationFailed) as refused:
        sla.overdue_now(cast.admin, **{field: value})
    assert refused.value.field == field


def test_the_overdue_list_is_paged_by_due_time(cast, overdue):
    first = sla.overdue_now(cast.admin, size=3)
    second = sla.overdue_now(cast.admin, size=3, cursor=first.page.next_cursor)

    assert len(first.page.rows) == 3 and first.page.has_next
    assert [row.clock_id for row in second.page.rows] == [overdue.overdue[1].pk]
    assert not second.page.has_next
    with pytest.raises(ValidationFailed):
        sla.overdue_now(cast.admin, cursor="forged")


@pytest.mark.parametrize("who", ["john", "gary", "alice"])
def test_only_supervisors_and_admins_read_the_report(cast, overdue, who):
    user = getattr(cast, who)
    with pytest.raises(Forbidden):
        sla.overdue_now(user)
    with pytest.raises(Forbidden):
        sla.period(user, start=START, end=END)
    with pytest.raises(Forbidden):
        list(sla.overdue_rows(user))


def test_a_deactivated_supervisor_reads_nothing(cast, overdue):
    cast.supervisor.is_active = False
    cast.supervisor.save()
    with pytest.raises(Forbidden):
        sla.overdue_now(cast.supervisor)


def test_overdue_now_reads_in_a_constant_number_of_queries(cast, overdue,
                                                           django_assert_num_queries):
    with django_assert_num_queries(4):
        sla.overdue_now(cast.supervisor)
    now = overdue.overdue[0].due_at
    for ticket in fresh_tickets(cast, 30, cast.sales):
        services.take(cast.gary, ticket.number)
        add_clock(ticket, policy=overdue.gold, due_at=now - H)
        add_clock(ticket, "resolution", policy=overdue.silver, due_at=now - 2 * H)
    with django_assert_num_queries(4):
        report = sla.overdue_now(cast.supervisor)
    assert report.total == 64
    assert len(report.page.rows) == sla.PAGE_SIZE and report.page.has_next
    assert {b.name: b.count for b in report.by_agent}["Gary Stark"] == 60


# --- A period -----------------------------------------------------------------------------------

@pytest.fixture
def march(cast):
    """Clocks that ended in March 2024 with known answers, and some that must not count."""
    tech = fresh_tickets(cast, 3)
    billing = fresh_tickets(cast, 1, cast.billing)[0]
    t0, t1, t2 = tech
    john, gary = cast.john, cast.gary
    gold = Policy.objects.create(name="Gold", position=1)
    met(t0, "first_response", 1 * H, at=at(5), staff=john, policy=gold)
    met(t1, "first_response", 2 * H, at=at(6), staff=john, paused=30 * M)
    met(t2, "first_response", 3 * H, at=at(7), staff=gary)
    met(billing, "first_response", 4 * H, at=at(8), staff=gary)
    late(t0, "first_response", 10 * H, at=at(4, 16), breached_at=at(4, 10, 30), staff=gary,
         paused=H)                                        # Monday 13:30 in Moscow
    late(t1, "next_response", 5 * H, at=at(4, 2), breached_at=at(3, 22, 30),
         staff=john)                                      # Sunday 22:30 UTC, Monday in Moscow
    met(billing, "next_response", 1 * H, at=at(9), staff=john)
    met(t2, "resolution", 20 * H, at=at(9), staff=gary)
    # Not counted: cancelled, ended before or at the end, still running.
    add_clock(t0, "first_response", Clock.State.CANCELLED, ended_at=at(10), took=100 * H)
    met(t1, "first_response", 100 * H, at=START - M, staff=john)
    met(t1, "first_response", 100 * H, at=END, staff=john)
    add_clock(t2, "next_response", due_at=at(10))
    return gold


def stats_of(rows, **match):
    (row,) = [row for row in rows if all(getattr(row, k) == v for k, v in match.items())]
    return row.stats


def test_the_period_adds_up_each_target(cast, march):
    report = sla.period(cast.supervisor, start=START, end=END)

    assert [row.metric for row in report.by_metric] == [
        "first_response", "next_response", "resolution"]
    first = stats_of(report.by_metric, metric="first_response")
    assert (first.count, first.met, first.met_percent) == (5, 4, 80.0)
    assert (first.median, first.p90) == (3 * H, 7 * H + 36 * M)
    assert (first.paused_total, first.paused_average) == (90 * M, 18 * M)
    following = stats_of(report.by_metric, metric="next_response")
    assert (following.count, following.met, following.met_percent) == (2, 1, 50.0)
    assert (following.median, following.p90) == (3 * H, 4 * H + 36 * M)
    resolution = stats_of(report.by_metric, metric="resolution")
    assert (resolution.count, resolution.median, resolution.p90) == (1, 20 * H, 20 * H)


def test_the_period_per_department_and_agent(cast, march):
    report = sla.period(cast.admin, start=START, end=END)

    tech = stats_of(report.by_department, name="Technical support", metric="first_response")
    assert (tech.count, tech.met, tech.met_percent, tech.median) == (4, 3, 75.0, 2.5 * H)
    billing = stats_of(report.by_department, name="Billing", metric="first_response")
    assert (billing.count, billing.met_percent, billing.median) == (1, 100.0, 4 * H)
    assert stats_of(report.by_department, name="Technical support",
                    metric="resolution").median == 20 * H

    john = stats_of(report.by_agent, id=cast.john.pk, metric="first_response")
    assert (john.count, john.met_percent, john.median) == (2, 100.0, 1.5 * H)
    john_next = stats_of(report.by_agent, id=cast.john.pk, metric="next_response")
    assert (john_next.count, john_next.met, john_next.median) == (2, 1, 3 * H)
    gary = stats_of(report.by_agent, name="Gary Stark", metric="first_response")
    assert (gary.count, gary.met, gary.met_percent, gary.median) == (3, 2, 66.7, 4 * H)
    # The agent is who answered: resolution is not theirs to count.
    assert {row.metric for row in report.by_agent} == {"first_response", "next_response"}


def test_breaches_are_placed_in_the_viewers_time_zone(cast, march):
    utc = sla.period(cast.supervisor, start=START, end=END)
    cast.supervisor.timezone = "Europe/Moscow"
    cast.supervisor.save()
    moscow = sla.period(cast.supervisor, start=START, end=END)

    assert utc.total_breaches == moscow.total_breaches == 2
    assert utc.breaches[0][10] == 1 and utc.breaches[6][22] == 1
    assert moscow.breaches[0][13] == 1 and moscow.breaches[0][1] == 1
    assert moscow.breaches_by_weekday == [2, 0, 0, 0, 0, 0, 0]
    assert moscow.time_zone == "Europe/Moscow"


def test_the_period_filters(cast, march):
    def counts(**chosen):
        report = sla.period(cast.admin, start=START, end=END, **chosen)
        return {row.metric: row.stats.count for row in report.by_metric}

    assert counts(department=cast.billing.pk) == {"first_response": 1, "next_response": 1}
    assert counts(agent=cast.john.pk) == {"first_response": 2, "next_response": 2}
    assert counts(policy=march.pk) == {"first_response": 1}
    assert counts(agent=sla.NOBODY) == {}


def test_archived_tickets_count_in_a_period(cast, march):
    ticket = cast.answered()
    services.archive(cast.alice, ticket.number)
    Clock.objects.filter(ticket=ticket).delete()
    met(ticket, "resolution", 40 * H, at=at(20), staff=cast.john)

    report = sla.period(cast.admin, start=START, end=END)
    resolution = stats_of(report.by_metric, metric="resolution")
    assert (resolution.count, resolution.median) == (2, 30 * H)


@pytest.mark.parametrize(("start", "end", "field"), [
    (END, START, "end"),
    (START, START, "end"),
    (START, START + timedelta(days=400), "end"),
    (datetime(2024, 3, 1), END, "start"),
])
def test_a_bad_period_is_refused(cast, start, end, field):
    with pytest.raises(ValidationFailed) as refused:
        sla.period(cast.admin, start=start, end=end)
    assert refused.value.field == field


def test_the_period_reads_in_a_constant_number_of_queries(cast, march, django_assert_num_queries,
                                                          on_postgres):
    expected = 4 if on_postgres else 5
    with django_assert_num_queries(expected):
        sla.period(cast.supervisor, start=START, end=END)
    for ticket in fresh_tickets(cast, 15, cast.sales):
        met(ticket, "first_response", 2 * H, at=at(12), staff=cast.gary)
        late(ticket, "resolution", 50 * H, at=at(14), breached_at=at(13), staff=cast.gary)
    with django_assert_num_queries(expected):
        report = sla.period(cast.supervisor, start=START, end=END)
    assert stats_of(report.by_metric, metric="first_response").count == 20
    assert report.total_breaches == 17


def test_an_empty_period_has_no_rows(cast):
    report = sla.period(cast.admin, start=START, end=END)
    assert (report.by_metric, report.by_department, report.by_agent) == ([], [], [])
    assert report.total_breaches == 0


# --- The pure parts -----------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "fraction", "expected"), [
    ([], 0.5, None),
    ([5], 0.9, 5),
    ([1, 2, 3, 4, 10], 0.5, 3),
    ([10, 1, 4, 3, 2], 0.9, 7.6),
    ([1, 2, 3, 10], 0.5, 2.5),
    ([1, 5], 0.9, 4.6),
])
def test_percentiles_interpolate_like_percentile_cont(values, fraction, expected):
    found = periods.percentile([v * H for v in values], fraction)
    assert found == (None if expected is None else expected * H)


@pytest.mark.parametrize(("preset", "today", "first", "last"), [
    (periods.Preset.LAST_7_DAYS, date(2024, 3, 10), date(2024, 3, 4), date(2024, 3, 10)),
    (periods.Preset.LAST_30_DAYS, date(2024, 3, 10), date(2024, 2, 10), date(2024, 3, 10)),
    (periods.Preset.THIS_MONTH, date(2024, 3, 10), date(2024, 3, 1), date(2024, 3, 10)),
    (periods.Preset.PREVIOUS_MONTH, date(2024, 3, 10), date(2024, 2, 1), date(2024, 2, 29)),
    (periods.Preset.PREVIOUS_MONTH, date(2024, 1, 1), date(2023, 12, 1), date(2023, 12, 31)),
])
def test_presets(preset, today, first, last):
    days = periods.preset_days(preset, today)
    assert (days.first, days.last, days.end) == (first, last, last + timedelta(days=1))

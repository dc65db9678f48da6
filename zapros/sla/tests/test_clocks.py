"""The clocks' rules on fixed instants, without a database."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zapros.sla import businesstime, clocks
from zapros.sla.clocks import FIRST, NEXT, RESOLUTION, Situation, Targets

BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_SIX = (((540, 1080),),) * 5 + ((), ())
OFFICE = businesstime.Calendar(zone="Europe/Berlin", week=NINE_TO_SIX)
LUNCH = businesstime.Calendar(zone="Europe/Berlin",
                              week=(((540, 780), (840, 1080)),) * 5 + ((), ()))
H = timedelta(hours=1)


def local(text: str) -> datetime:
    """A Berlin wall time as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


def targets(calendar=OFFICE, policy=1, **kwargs) -> Targets:
    values = {"first_response": H, "next_response": 2 * H, "resolution": 27 * H}
    values.update(kwargs)
    return Targets(policy_id=policy, policy_name=f"P{policy}", calendar=calendar,
                   calendar_id=policy, **values)


def opened(at: datetime, t: Targets):
    """A client's request opened at ``at``: its first response and resolution clocks."""
    situation = Situation(state="new", opened_at=at, waiting_since=at, answered_at=None)
    new, changes = clocks.follow([], situation, t, at)
    assert changes == []
    return new


def by_metric(every):
    return {c.metric: c for c in every if c.live}


@pytest.mark.parametrize(("start", "target", "due"), [
    ("2026-03-06 17:55", H, "2026-03-09 09:55"),           # Friday evening: Monday
    ("2026-03-06 17:55", 27 * H, "2026-03-11 17:55"),      # three working days
    ("2026-03-07 11:00", H, "2026-03-09 10:00"),           # Saturday: from Monday's opening
    ("2026-03-09 08:00", H, "2026-03-09 10:00"),           # before opening
], ids=["friday-1h", "friday-3days", "saturday", "early"])
def test_a_first_response_is_due_in_business_time(start, target, due):
    clock = clocks.start(FIRST, local(start), targets(first_response=target), why="x")
    assert clock.due_at == local(due)


def test_a_lunch_break_does_not_count():
    clock = clocks.start(FIRST, local("2026-03-09 12:30"), targets(LUNCH), why="x")
    assert clock.due_at == local("2026-03-09 14:30")
    at_the_bell = clocks.start(FIRST, local("2026-03-09 12:59"), targets(LUNCH), why="x")
    assert at_the_bell.due_at == local("2026-03-09 14:59")


def test_a_holiday_is_skipped():
    calendar = businesstime.Calendar(zone="Europe/Berlin", week=NINE_TO_SIX,
                                     days={datetime(2026, 3, 9).date(): ()})
    clock = clocks.start(FIRST, local("2026-03-06 17:55"), targets(calendar), why="x")
    assert clock.due_at == local("2026-03-10 09:55")


def test_the_first_staff_answer_meets_the_first_response_and_the_next_wait_starts():
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    assert {c.metric for c in every} == {FIRST, RESOLUTION}
    answer = asked + 30 * timedelta(minutes=1)
    new, _ = clocks.follow(every, Situation("answered", asked, None, answer, 7), t, answer)
    first = next(c for c in every if c.metric == FIRST)
    assert (first.state, first.ended_at, first.staff_id) == (clocks.MET, answer, 7)
    assert first.took == timedelta(minutes=30)
    again = answer + H
    new, _ = clocks.follow(every, Situation("new", asked, again, answer), t, again)
    assert [(c.metric, c.started_at) for c in new] == [(NEXT, again)]
    assert new[0].due_at == again + 2 * H


def test_a_second_client_message_leaves_the_wait_where_it_began():
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    new, _ = clocks.follow(every, Situation("new", asked, asked, None), t, asked + H / 2)
    assert new == []
    assert by_metric(every)[FIRST].due_at == asked + H


def test_an_answer_after_the_due_time_is_met_late_and_keeps_the_breach():
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    late = asked + 3 * H
    _, changes = clocks.follow(every, Situation("answered", asked, None, late, 7), t, late)
    first = next(c for c in every if c.metric == FIRST)
    assert (first.state, first.breached_at, first.ended_at) == (
        clocks.BREACHED, asked + H, late)
    assert clocks.late(every)
    assert changes == []  # answered: nothing left to announce


def test_a_clock_past_due_is_left_for_the_sweep_to_breach_and_announce():
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    later = asked + 2 * H
    _, changes = clocks.follow(every, Situation("open", asked, asked, None), t, later)
    assert changes == []
    first = by_metric(every)[FIRST]
    assert first.state == clocks.RUNNING and first.due_at < later
    clocks.breach(first)
    assert (first.state, first.breached_at) == (clocks.BREACHED, asked + H)


def test_a_pause_on_hold_over_the_weekend_moves_the_due_time_by_its_business_hours():
    t = targets(pause_on_hold=frozenset({RESOLUTION}), first_response=8 * H)
    asked = local("2026-03-06 16:00")   # Friday
    every = opened(asked, t)
    resolution = by_metric(every)[RESOLUTION]
    due_before = resolution.due_at
    frozen = local("2026-03-06 17:00")
    clocks.follow(every, Situation("on_hold", asked, asked, None), t, frozen)
    assert resolution.state == clocks.PAUSED and resolution.due_at is None
    assert by_metric(every)[FIRST].state == clocks.RUNNING  # the answer is still owed
    back = local("2026-03-09 10:00")    # Monday
    clocks.follow(every, Situation("open", asked, asked, None), t, back)
    assert resolution.state == clocks.RUNNING
    # Friday 17-18 and Monday 9-10 were paused: two business hours.
    assert resolution.paused == 2 * H
    assert resolution.due_at == businesstime.add(OFFICE, due_before, 2 * 3600)


def test_an_internal_note_is_not_an_answer():
    # An internal comment leaves the wait on (conversation.after_message): the clock runs.
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    clocks.follow(every, Situation("open", asked, asked, None), t, asked + H / 4)
    assert by_metric(every)[FIRST].state == clocks.RUNNING


def test_reopening_after_resolve_resumes_the_resolution_clock():
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    solved = asked + 2 * H
    clocks.follow(every, Situation("resolved", asked, None, asked + H / 2, 7), t, solved)
    resolution = next(c for c in every if c.metric == RESOLUTION)
    assert (resolution.state, resolution.took) == (clocks.MET, 2 * H)
    reopened = local("2026-03-10 10:00")
    new, _ = clocks.follow(every, Situation("new", asked, reopened, asked + H / 2), t, reopened)
    assert resolution.live and resolution.state == clocks.RUNNING
    assert [c.metric for c in new] == [NEXT]
    # 2 h counted before, 25 h left from Tuesday 10:00: due Thursday 17:00... minus nothing.
    assert resolution.due_at == businesstime.add(OFFICE, reopened, 25 * 3600)


def test_solving_stops_the_response_clock_without_meeting_it():
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    clocks.follow(every, Situation("resolved", asked, asked, None), t, asked + H / 2)
    first = next(c for c in every if c.metric == FIRST)
    assert (first.state, first.reason["end"]) == (clocks.CANCELLED, "not_in_work")


def test_a_policy_change_counts_again_from_the_original_start():
    old = targets(policy=1)
    asked = local("2026-03-09 10:00")
    every = opened(asked, old)
    new_policy = targets(policy=2, first_response=4 * H)
    at = asked + 30 * timedelta(minutes=1)
    _, changes = clocks.follow(every, Situation("open", asked, asked, None), new_policy, at)
    first = by_metric(every)[FIRST]
    assert first.due_at == asked + 4 * H and first.policy_name == "P2"
    assert ("changed", FIRST) in [(c.kind, c.metric) for c in changes]
    change = next(c for c in changes if c.metric == FIRST)
    assert (change.old_due, change.new_due, change.old_policy) == (asked + H, asked + 4 * H,
                                                                   "P1")


def test_a_shorter_target_after_the_fact_is_due_in_the_past_at_once():
    asked = local("2026-03-09 10:00")
    every = opened(asked, targets())
    strict = targets(policy=2, first_response=timedelta(minutes=10))
    clocks.follow(every, Situation("open", asked, asked, None), strict, asked + H / 2)
    assert by_metric(every)[FIRST].due_at == asked + timedelta(minutes=10)


def test_a_target_the_new_policy_does_not_track_is_cancelled():
    asked = local("2026-03-09 10:00")
    every = opened(asked, targets())
    untracked = targets(policy=2, resolution=None)
    clocks.follow(every, Situation("open", asked, asked, None), untracked, asked + H / 2)
    resolution = next(c for c in every if c.metric == RESOLUTION)
    assert (resolution.state, resolution.reason["end"]) == (clocks.CANCELLED, "not_tracked")


def test_a_merged_request_cancels_its_clocks():
    asked = local("2026-03-09 10:00")
    every = opened(asked, targets())
    clocks.follow(every, Situation("archived", asked, asked, None, merged=True), targets(),
                  asked + H / 2)
    assert {c.state for c in every} == {clocks.CANCELLED}


def test_messages_merged_in_that_asked_earlier_start_the_wait_there():
    t = targets()
    asked = local("2026-03-09 11:00")
    every = opened(asked, t)
    earlier = local("2026-03-09 10:00")
    clocks.follow(every, Situation("new", earlier, earlier, None), t, asked + H / 4)
    assert by_metric(every)[FIRST].due_at == earlier + H


def test_back_in_work_after_the_client_solved_it_counts_from_the_reopening():
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    clocks.follow(every, Situation("resolved", asked, asked, None), t, asked + H / 2)
    taken = local("2026-03-10 10:00")
    new, _ = clocks.follow(every, Situation("open", asked, asked, None), t, taken)
    response = [c for c in new if c.metric in clocks.RESPONSE]
    assert [(c.metric, c.started_at, c.reason["start"]) for c in response] == [
        (NEXT, taken, "back_in_work")]


def test_without_targets_nothing_is_tracked():
    nothing = Targets(None, "", businesstime.ALWAYS, None)
    asked = local("2026-03-09 10:00")
    assert opened(asked, nothing) == []


@pytest.mark.parametrize(("zone", "due"), [
    ("Europe/Berlin", "2026-03-29 09:00"),   # the night of 29 March is an hour shorter
    ("Europe/Moscow", "2026-03-29 09:00"),
])
def test_a_day_of_business_time_around_the_clock_across_the_march_switch(zone, due):
    calendar = businesstime.Calendar(zone=zone, week=(((0, 1440),),) * 7)
    here = ZoneInfo(zone)
    start = datetime(2026, 3, 28, 9, 0, tzinfo=here).astimezone(UTC)
    clock = clocks.start(FIRST, start, targets(calendar, first_response=24 * H), why="x")
    expected = datetime.fromisoformat(due).replace(tzinfo=here).astimezone(UTC)
    # 24 business hours are 24 real hours: in Berlin the wall clock shows 10:00.
    assert clock.due_at == start + 24 * H
    if zone == "Europe/Berlin":
        assert clock.due_at == expected + H
    else:
        assert clock.due_at == expected


def test_the_response_due_and_lateness_are_read_off_the_live_clocks():
    t = targets()
    asked = local("2026-03-09 10:00")
    every = opened(asked, t)
    assert clocks.response_due(every) == asked + H
    assert not clocks.late(every)


def test_an_ended_clock_reckoned_again_in_another_calendar():
    asked = local("2026-03-06 17:30")      # Friday
    answered = local("2026-03-09 09:15")   # Monday
    clock = clocks.Clock(metric=FIRST, started_at=asked, target=H, policy_id=None,
                         policy_name="", calendar_id=None, state=clocks.BREACHED,
                         breached_at=asked + H, ended_at=answered)   # late around the clock
    clocks.reckon(clock, OFFICE)       # Friday 17:30-18:00 and Monday 9:00-9:15: in time
    assert (clock.state, clock.breached_at, clock.due_at) == (
        clocks.MET, None, local("2026-03-09 09:30"))
    assert clock.took == timedelta(minutes=45)
    clocks.reckon(clock, businesstime.ALWAYS)
    assert (clock.state, clock.breached_at) == (clocks.BREACHED, asked + H)

"""rows.update_many (the SLA recount's writer) writes exactly the fields it is given, row by row."""

from datetime import timedelta

from zapros.core.sql import rows
from zapros.sla.models import Clock


def test_update_many_writes_the_given_fields_of_every_row_and_nothing_else(cast):
    tickets = [cast.open(subject=f"Rows {n}") for n in range(3)]
    clocks = list(Clock.objects.filter(ticket__in=tickets).order_by("id"))
    assert len(clocks) == 3
    untouched = {c.pk: c.started_at for c in clocks}
    for n, clock in enumerate(clocks):
        clock.target = timedelta(minutes=n + 1)
        clock.reason = {"start": "test", "n": n}
        clock.pauses = [["2026-01-01T00:00:00+00:00", None, "on_hold"]]
        clock.started_at = clock.started_at - timedelta(days=1)   # not among the fields
    rows.update_many(clocks, ("target", "reason", "pauses"), batch=2)
    for n, stored in enumerate(Clock.objects.filter(ticket__in=tickets).order_by("id")):
        assert stored.target == timedelta(minutes=n + 1)
        assert stored.reason == {"start": "test", "n": n}
        assert stored.pauses == [["2026-01-01T00:00:00+00:00", None, "on_hold"]]
        assert stored.started_at == untouched[stored.pk]


def test_update_many_of_nothing_writes_nothing(cast, django_assert_num_queries):
    with django_assert_num_queries(0):
        rows.update_many([], ("target",))

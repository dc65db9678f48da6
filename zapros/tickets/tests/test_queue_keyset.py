"""The queue pages by keyset: cursors over (needs reply, deadline, activity, id), signed."""

from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from zapros.core import clock, keyset
from zapros.core.errors import ValidationFailed
from zapros.tickets import selectors, services
from zapros.tickets.models import Ticket
from zapros.tickets.selectors import QueueFilters


def walk(user, filters, size):
    """Every page from the first by `next`, then back by `previous`: (forward, backward)."""
    forward, cursor = [], None
    while True:
        page = selectors.queue_page(user, filters, cursor, size)
        forward.append([t.number for t in page.rows])
        if not page.has_next:
            break
        cursor = page.next_cursor
    backward = [[t.number for t in page.rows]]
    while page.has_previous:
        page = selectors.queue_page(user, filters, page.previous_cursor, size)
        backward.insert(0, [t.number for t in page.rows])
    return forward, backward


def crowd(cast, count, **kwargs):
    return [cast.open(subject=f"Question {i}", **kwargs) for i in range(count)]


def test_pages_cover_the_queue_once_in_its_order_even_with_equal_timestamps(cast):
    tickets = crowd(cast, 9)
    for ticket in tickets[:4]:
        services.take(cast.john, ticket.number)
        services.reply(cast.john, ticket.number, body="Done", close=False)
    same = clock.now().replace(microsecond=0)
    # Ties on every key but the id, and needs-reply tickets without a deadline among them.
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(updated_at=same)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[4:7]]).update(
        reply_due_at=same + timedelta(hours=1))
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[7:]]).update(reply_due_at=None)
    expected = [t.number for t in selectors.staff_queue(cast.supervisor)]

    for size in (1, 2, 4):
        forward, backward = walk(cast.supervisor, QueueFilters(), size)
        assert [n for page in forward for n in page] == expected
        assert forward == backward
    # Needing a reply first; the ones without a deadline after those with one.
    by_number = {t.number: t for t in Ticket.objects.all()}
    assert [by_number[n].needs_reply for n in expected] == [True] * 5 + [False] * 4
    assert [by_number[n].reply_due_at is None for n in expected[:5]] == [False] * 3 + [True] * 2


def test_page_numbers_and_links_follow_the_reader(cast):
    crowd(cast, 5)
    first = selectors.queue_page(cast.john, QueueFilters(), None, 2)
    second = selectors.queue_page(cast.john, QueueFilters(), first.next_cursor, 2)
    third = selectors.queue_page(cast.john, QueueFilters(), second.next_cursor, 2)
    assert (first.number, second.number, third.number) == (1, 2, 3)
    assert (first.has_previous, first.has_next) == (False, True)
    assert (third.has_previous, third.has_next) == (True, False)
    # Back from page 2 is the plain first page, without a cursor.
    assert second.has_previous and second.previous_cursor is None
    back = selectors.queue_page(cast.john, QueueFilters(), third.previous_cursor, 2)
    assert [t.pk for t in back.rows] == [t.pk for t in second.rows] and back.number == 2


def test_a_ticket_opened_between_pages_neither_repeats_nor_hides_the_others(cast):
    tickets = crowd(cast, 4)
    first = selectors.queue_page(cast.john, QueueFilters(), None, 2)
    cast.open(subject="Latecomer")
    second = selectors.queue_page(cast.john, QueueFilters(), first.next_cursor, 2)
    rest = selectors.queue_page(cast.john, QueueFilters(), second.next_cursor, 2)
    seen = [t.pk for page in (first, second, rest) for t in page.rows]
    assert len(seen) == len(set(seen))
    assert {t.pk for t in tickets} <= set(seen)


def test_cursors_page_within_the_filters(cast):
    crowd(cast, 3)
    billing = crowd(cast, 3, department=cast.billing)
    cast.open(client=cast.bob, department=cast.billing)
    filters = QueueFilters(department=cast.billing.pk, client=cast.alice.pk)
    forward, _backward = walk(cast.supervisor, filters, 2)
    assert sorted(n for page in forward for n in page) == sorted(t.number for t in billing)
    # An agent's cursor shows only what the agent may see, whatever the cursor says.
    page = selectors.queue_page(cast.supervisor, QueueFilters(), None, 1)
    john = selectors.queue_page(cast.john, QueueFilters(), page.next_cursor, 50)
    assert {t.department_id for t in john.rows} == {cast.tech.pk}


def test_no_cursor_is_the_first_page(cast):
    crowd(cast, 3)
    for cursor in (None, ""):
        page = selectors.queue_page(cast.john, QueueFilters(), cursor, 1)
        assert (page.number, page.has_previous, page.has_next) == (1, False, True)


def test_a_cursor_that_does_not_verify_is_refused(cast):
    crowd(cast, 3)
    page = selectors.queue_page(cast.john, QueueFilters(), None, 1)
    tampered = page.next_cursor[:-3] + ("aaa" if not page.next_cursor.endswith("aaa")
                                        else "bbb")
    for cursor in ("garbage", tampered, page.next_cursor + "x"):
        with pytest.raises(ValidationFailed) as refused:
            selectors.queue_page(cast.john, QueueFilters(), cursor, 1)
        assert refused.value.field == "cursor"


def test_a_signed_cursor_of_another_list_or_shape_is_refused(cast):
    crowd(cast, 3)
    client_cursor = selectors.client_requests_page(
        cast.alice, active=True, cursor=None, size=1).next_cursor
    forged = [
        client_cursor,  # signed, but for the client's list
        signing.dumps([[True, None, "x", 1], 1, 2], salt="zapros.queue", compress=True),
        signing.dumps([[True, None, "2026-01-01T00:00:00", 1], 1, 2], salt="zapros.queue"),
        signing.dumps([["yes", None, "2026-01-01T00:00:00+00:00", 1], 1, 2],
                      salt="zapros.queue"),
        signing.dumps([[True, None, "2026-01-01T00:00:00+00:00", 1], 1, 0], salt="zapros.queue"),
        signing.dumps([[True, None], 1, 2], salt="zapros.queue"),
    ]
    for cursor in forged:
        with pytest.raises(ValidationFailed):
            selectors.queue_page(cast.john, QueueFilters(), cursor, 1)


def test_beyond_is_strict_for_every_kind_of_key():
    keys = (keyset.Key("flag", descending=True, type=bool),
            keyset.Key("due", nullable=True),
            keyset.Key("id", descending=True))
    # After (True, None, 5): (True, NULL, id < 5) or flag False.
    after = str(keyset.beyond(keys, [True, None, 5]))
    assert "('flag', False)" in after and "('id__lt', 5)" in after
    # Before (False, None, 5) reading backwards: a deadline set, or a larger id, or flag True.
    before = str(keyset.beyond(keys, [False, None, 5], forward=False))
    assert "('flag', True)" in before and "('due__isnull', False)" in before
    assert "('id__gt', 5)" in before


def test_past_the_groups_that_need_a_reply_the_cursor_is_one_row_comparison(cast):
    """Deep in the archive (no reply needed, no deadline) the position is a single
    (activity, id) comparison, which the database uses as a bound of the queue's index."""
    for ticket in crowd(cast, 2):
        services.take(cast.john, ticket.number)
        services.reply(cast.john, ticket.number, body="Done", close=False)
    at = clock.now()
    sql = str(Ticket.objects.filter(keyset.beyond(selectors.QUEUE_KEYS, [False, None, at, 5]))
              .query)
    assert '("tickets_ticket"."updated_at", "tickets_ticket"."id") < (' in sql
    assert '"tickets_ticket"."needs_reply"' in sql and "IS NULL" in sql
    backwards = str(Ticket.objects.filter(
        keyset.beyond(selectors.QUEUE_KEYS, [False, None, at, 5], forward=False)).query)
    assert ") < (" not in backwards and ") > (" not in backwards  # mixed: the chain
    # Rows past the cursor are found the same by the comparison and by the chain.
    past = Ticket.objects.filter(keyset.beyond(selectors.QUEUE_KEYS, [False, None, at, 10**9]))
    assert past.count() == 2
    assert set(past) == set(Ticket.objects.filter(
        needs_reply=False, reply_due_at__isnull=True, updated_at__lt=at))


def _collapse_limit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_queue_plans_its_joins_as_written_and_the_setting_ends_with_it(cast):
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    crowd(cast, 3)
    default = _collapse_limit()
    with CaptureQueriesContext(connection) as queries:
        page = selectors.queue_page(cast.john, QueueFilters(), None, 2)
    assert len(page.rows) == 2
    statements = [q["sql"] for q in queries.captured_queries]
    hint = next(i for i, sql in enumerate(statements) if "join_collapse_limit" in sql)
    assert 'FROM "tickets_ticket"' in statements[hint + 1]
    assert _collapse_limit() == default   # SET LOCAL: gone with its transaction

    # An agent narrowing to a department may see only its transfers there: the planner
    # keeps its freedom to start from them.
    with CaptureQueriesContext(connection) as queries:
        selectors.queue_page(cast.john, QueueFilters(department=cast.tech.pk), None, 2)
    assert not any("join_collapse_limit" in q["sql"] for q in queries.captured_queries)

    # Inside a transaction already open, a SET LOCAL would outlive the queue: nothing is set.
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            selectors.queue_page(cast.john, QueueFilters(), None, 2)
        assert not any("join_collapse_limit" in q["sql"] for q in queries.captured_queries)
        assert _collapse_limit() == default

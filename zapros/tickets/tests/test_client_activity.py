from datetime import timedelta

from zapros.core import clock
from zapros.tickets import selectors, services
from zapros.tickets.models import Ticket


def _back_date(ticket, **delta):
    stamp = clock.now() - timedelta(**delta)
    Ticket.objects.filter(pk=ticket.pk).update(client_activity_at=stamp, updated_at=stamp)
    return stamp


def test_internal_work_leaves_no_trace_on_the_client_side(cast):
    older = cast.open(subject="Older")
    newer = cast.open(subject="Newer")
    _back_date(older, hours=2)
    stamp = _back_date(newer, hours=1)

    services.comment(cast.john, newer.number, body="Looks like the disk")
    services.take(cast.john, older.number)
    services.comment(cast.john, older.number, body="Checking")

    assert cast.refresh(newer).client_activity_at == stamp
    assert [t.subject for t in selectors.client_requests(cast.alice, active=True)] == [
        "Newer", "Older",
    ]


def test_public_answers_and_visible_status_changes_count(cast):
    ticket = cast.open()
    stamp = _back_date(ticket, hours=3)
    services.take(cast.john, ticket.number)
    assert cast.refresh(ticket).client_activity_at == stamp  # still "Under review" for her

    services.reply(cast.john, ticket.number, body="Done", close=True)
    answered_at = cast.refresh(ticket).client_activity_at
    assert answered_at > stamp

    services.archive(cast.alice, ticket.number)
    assert cast.refresh(ticket).client_activity_at >= answered_at

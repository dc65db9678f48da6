from datetime import timedelta

from zapros.accounts import roles
from zapros.core import clock
from zapros.tickets import services
from zapros.tickets.models import Event, Ticket
from zapros.tickets.services.automation import archive_inactive
from zapros.tickets.tasks import archive_inactive_tickets


def _age(ticket, days):
    # Back-date the last activity; everything else about the ticket came from the services.
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=clock.now() - timedelta(days=days))


def test_old_answered_and_resolved_tickets_are_archived(cast):
    answered = cast.answered()
    resolved = cast.answered(subject="Other")
    services.resolve(cast.john, resolved.number)
    _age(answered, 31)
    _age(resolved, 31)

    assert archive_inactive(after=timedelta(days=30)) == 2

    for ticket in (answered, resolved):
        assert cast.refresh(ticket).state == "archived"
        event = Event.objects.get(ticket=ticket, kind=Event.Kind.ARCHIVED)
        assert roles.is_system(event.actor) and event.data["automatic"] is True


def test_recent_and_active_tickets_stay(cast):
    recent = cast.answered()
    _age(recent, 5)
    waiting = cast.open(subject="Still waiting")
    _age(waiting, 90)
    frozen = cast.open(subject="Frozen")
    services.take(cast.john, frozen.number)
    services.freeze(cast.john, frozen.number)
    _age(frozen, 90)

    assert archive_inactive(after=timedelta(days=30)) == 0
    assert cast.refresh(recent).state == "answered"
    assert cast.refresh(waiting).state == "new"
    assert cast.refresh(frozen).state == "on_hold"


def test_the_periodic_task_follows_the_setting(cast, settings):
    ticket = cast.answered()
    _age(ticket, 10)
    settings.ZAPROS_AUTO_ARCHIVE_DAYS = 0
    archive_inactive_tickets.call_local()
    assert cast.refresh(ticket).state == "answered"
    settings.ZAPROS_AUTO_ARCHIVE_DAYS = 7
    archive_inactive_tickets.call_local()
    assert cast.refresh(ticket).state == "archived"

"""What happens to tickets with nobody pressing a button."""

from datetime import timedelta

from django.db import transaction

from zapros.core import clock

from .. import states, writes
from ..models import Event, Ticket
from ..states import Action


def archive_inactive(*, after: timedelta, batch: int = 500) -> int:
    """Archive answered and resolved tickets untouched for ``after``; returns how many.

    Runs as the system (no actor). Each ticket is archived in its own short transaction with
    its row locked and its state checked again, so a client writing at that moment wins: the
    ticket is then active again and stays out of the archive.
    """
    cutoff = clock.now() - after
    candidates = list(
        Ticket.objects.filter(state__in=list(states.CLOSED), updated_at__lt=cutoff)
        .order_by("updated_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    archived = 0
    for pk in candidates:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update()
                .filter(pk=pk, state__in=list(states.CLOSED), updated_at__lt=cutoff)
                .first()
            )
            if ticket is None:
                continue
            old, new = writes.move(ticket, Action.ARCHIVE)
            writes.save(ticket)
            writes.record_event(
                ticket, None, Event.Kind.ARCHIVED, clock.now(), automatic=True,
                **{"from": old, "to": new},
            )
            archived += 1
    return archived


def resume_due(*, batch: int = 500) -> int:
    """Put frozen tickets whose resume date has come back into work; returns how many.

    Runs as the system (no actor), like :func:`archive_inactive`: each ticket in its own
    transaction, its row locked and still on hold with the date passed, so that running twice
    (or alongside an agent who resumed it by hand) changes nothing more. A ticket somebody
    holds goes back to ``open``; one nobody holds (it was unlocked while frozen) goes on to
    ``new``, so that anyone in its department can take it.
    """
    now = clock.now()
    due = Ticket.objects.filter(state=states.State.ON_HOLD, resume_at__lte=now)
    candidates = list(due.order_by("resume_at", "id").values_list("pk", flat=True)[:batch])
    resumed = 0
    for pk in candidates:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update()
                .filter(pk=pk, state=states.State.ON_HOLD, resume_at__lte=now)
                .first()
            )
            if ticket is None:
                continue
            resume_on = ticket.resume_on
            old, new = writes.move(ticket, Action.RESUME)
            if ticket.holder_id is None:
                _old, new = writes.move(ticket, Action.UNLOCK)
            ticket.updated_at = clock.now()
            writes.save(ticket)
            writes.record_event(
                ticket, None, Event.Kind.RESUMED, ticket.updated_at, automatic=True,
                resume_on=resume_on.isoformat() if resume_on else None,
                **{"from": old, "to": new},
            )
            resumed += 1
    return resumed

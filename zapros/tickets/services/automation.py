"""What happens to tickets with nobody pressing a button.

The sweeps act as the system actor through the same operations as people
(:func:`lifecycle.archive`, :func:`lifecycle.resume`): the policies decide for the system as
for anyone, and each event names it and says why (``automatic``, the rule's condition).
"""

from datetime import timedelta

from django.db import transaction

from zapros.accounts.system import system_actor
from zapros.core import clock

from .. import states
from ..models import Ticket
from . import lifecycle


def archive_inactive(*, after: timedelta, batch: int = 500) -> int:
    """Archive answered and resolved tickets untouched for ``after``; returns how many.

    Each ticket is archived in its own short transaction, its row locked and its condition
    checked again, so a client writing at that moment wins: the ticket is then active again
    and stays out of the archive.
    """
    cutoff = clock.now() - after
    due = Ticket.objects.filter(state__in=list(states.CLOSED), updated_at__lt=cutoff)
    because = {"automatic": True, "after_days": after.days}
    return _each(due, "updated_at", lambda actor, ticket: lifecycle.archive(
        actor, ticket.number, because=because), batch=batch)


def resume_due(*, batch: int = 500) -> int:
    """Put frozen tickets whose resume date has come back into work; returns how many.

    Like :func:`archive_inactive`: each ticket in its own transaction, its row locked and
    still on hold with the date passed, so that running twice (or alongside an agent who
    resumed it by hand) changes nothing more. A ticket somebody holds goes back to ``open``;
    one nobody holds (it was unlocked while frozen) goes on to ``new``.
    """
    due = Ticket.objects.filter(state=states.State.ON_HOLD, resume_at__lte=clock.now())

    def resume(actor, ticket):
        on = ticket.resume_on
        lifecycle.resume(actor, ticket.number, because={
            "automatic": True, "resume_on": on.isoformat() if on else None})

    return _each(due, "resume_at", resume, batch=batch)


def _each(due, order: str, operation, *, batch: int) -> int:
    """Run ``operation(system, ticket)`` on the tickets ``due`` selects, each in its own
    transaction after locking the row and finding it still due; returns how many it ran on."""
    actor = system_actor()
    candidates = list(due.order_by(order, "id").values_list("pk", flat=True)[:batch])
    done = 0
    for pk in candidates:
        with transaction.atomic():
            ticket = due.select_for_update().filter(pk=pk).first()
            if ticket is not None:
                operation(actor, ticket)
                done += 1
    return done

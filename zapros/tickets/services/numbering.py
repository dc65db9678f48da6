from django.conf import settings
from django.db import transaction
from django.db.models import F

from ..models import TicketCounter


def next_ticket_number() -> int:
    """Hand out the next human ticket number. Call inside the creating transaction.

    The counter row is updated before it is read, so on PostgreSQL the row lock serialises
    concurrent creators until they commit, and numbers are never handed out twice. Numbers of
    rolled-back tickets are simply skipped.
    """
    assert transaction.get_connection().in_atomic_block
    start = settings.ZAPROS_TICKET_NUMBER_START - 1
    updated = TicketCounter.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        TicketCounter.objects.get_or_create(pk=1, defaults={"value": start})
        TicketCounter.objects.filter(pk=1).update(value=F("value") + 1)
    return TicketCounter.objects.values_list("value", flat=True).get(pk=1)


def reserve_ticket_number(number: int) -> None:
    """Make sure later tickets are numbered above ``number`` (used by importers)."""
    TicketCounter.objects.get_or_create(pk=1, defaults={"value": number})
    TicketCounter.objects.filter(pk=1, value__lt=number).update(value=number)

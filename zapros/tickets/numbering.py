from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from zapros.core.sql import rows

from .models import Ticket, TicketCounter


def next_ticket_number() -> int:
    """Hand out the next human ticket number. Call inside the creating transaction.

    The counter row is updated before it is read, so on PostgreSQL the row lock serialises
    concurrent creators until they commit, and numbers are never handed out twice. Numbers of
    rolled-back tickets are simply skipped.
    """
    assert transaction.get_connection().in_atomic_block
    # One statement where the database returns the updated row (PostgreSQL, SQLite 3.35+,
    # which brought RETURNING to INSERT and UPDATE alike); the ORM's update() cannot, and
    # reading the value after it is a second round trip.
    if connection.features.can_return_columns_from_insert:
        with connection.cursor() as cursor:
            cursor.execute(_NEXT)
            row = cursor.fetchone()
        if row is not None:
            return row[0]
    updated = TicketCounter.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        start = settings.ZAPROS_TICKET_NUMBER_START - 1
        TicketCounter.objects.get_or_create(pk=1, defaults={"value": start})
        TicketCounter.objects.filter(pk=1).update(value=F("value") + 1)
    return TicketCounter.objects.values_list("value", flat=True).get(pk=1)


_NEXT = (
    f"UPDATE {TicketCounter._meta.db_table} SET value = value + 1 WHERE id = 1 RETURNING value"
)


def insert_numbered(ticket: Ticket) -> None:
    """Write a new ``ticket`` with the next number (as :func:`next_ticket_number` hands it
    out). On PostgreSQL the counter moves in the same statement as the ticket is written."""
    assert transaction.get_connection().in_atomic_block
    if not rows.insert_counted(ticket, "number", _NEXT):
        ticket.number = next_ticket_number()
        rows.insert(ticket)


def reserve_ticket_number(number: int) -> None:
    """Make sure later tickets are numbered above ``number`` (used by importers)."""
    TicketCounter.objects.get_or_create(pk=1, defaults={"value": number})
    TicketCounter.objects.filter(pk=1, value__lt=number).update(value=number)

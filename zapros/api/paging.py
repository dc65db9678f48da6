"""Keyset pages over tickets: newest activity first, stable under inserts, one query a page.

Staff page over ``updated_at`` (any activity); clients over ``client_activity_at``, the
activity they can see, so that internal work never reorders a client's list."""

import base64
import binascii
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from zapros.core.errors import ValidationFailed
from zapros.tickets.models import Ticket


def page(tickets: QuerySet[Ticket], cursor: str | None, limit: int, *,
         field: str = "updated_at"):
    """One page of ``tickets`` after ``cursor``; returns the rows and the next cursor (or None)."""
    tickets = tickets.order_by(f"-{field}", "-number")
    if cursor:
        stamp, number = decode(cursor)
        tickets = tickets.filter(
            Q(**{f"{field}__lt": stamp}) | Q(**{field: stamp, "number__lt": number})
        )
    rows = list(tickets[: limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode(rows[-1], field)
    return rows, None


def encode(ticket: Ticket, field: str = "updated_at") -> str:
    raw = f"{getattr(ticket, field).isoformat()}|{ticket.number}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, number = raw.split("|")
        updated_at = datetime.fromisoformat(stamp)
        number = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed(_("This page link is not valid."), field="cursor") from None
    if updated_at.tzinfo is None or not 0 < number < 2**63:
        raise ValidationFailed(_("This page link is not valid."), field="cursor")
    return updated_at, number

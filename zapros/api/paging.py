"""Keyset pages of tickets for the API: the staff queue in the workspace's order, a client's
requests by the activity they can see. One query a page, stable under inserts; the cursor is
opaque and signed (see ``zapros.core.keyset``)."""

from zapros.accounts.models import User
from zapros.tickets import selectors

# What a staff item shows beyond the queue's columns (``present.ticket_item``).
STAFF_ITEM_COLUMNS = (
    "type", "priority", "service_id", "service__name", "service__kind", "service__domain",
    "service__status",
)


def staff_page(user: User, filters: selectors.QueueFilters, cursor: str | None, limit: int):
    """Rows and the next cursor (or None). A bad cursor raises ValidationFailed."""
    page = selectors.queue_page(
        user, filters, cursor, limit,
        tickets=selectors.staff_queue(user, filters).select_related("service")
        .only(*selectors.QUEUE_COLUMNS, *STAFF_ITEM_COLUMNS),
    )
    return page.rows, page.next_cursor


def client_page(user: User, *, archived: bool, cursor: str | None, limit: int):
    page = selectors.client_requests_page(user, active=not archived, cursor=cursor, size=limit)
    return page.rows, page.next_cursor

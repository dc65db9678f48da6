"""Rows of the staff lists, ready to print.

A list page shows fifty requests; formatting each row's links, dates and labels inside the
template costs more than the database does. Here it is done once per row in plain Python,
with what does not change from row to row (the URL pattern, the date format, the labels)
worked out once per page, and the template only prints the strings.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.timezone import localtime

from zapros.core import clock
from zapros.tickets import states
from zapros.tickets.models import Ticket


class Printed:
    """A base for what templates print field by field.

    Django's templates look ``row.name`` up as ``row["name"]`` first and fall back to the
    attribute only after that raises: answering the key lookup with the attribute spares an
    exception for every field of every row (a seventh of a fifty-row page's rendering).
    """

    __slots__ = ()
    __getitem__ = object.__getattribute__


@dataclass(frozen=True, slots=True)
class QueueRow(Printed):
    number: int
    href: str
    heading: str          # the staff title, else the client's subject
    subject: str          # the client's subject when the staff title differs, else ""
    client_href: str      # the same list narrowed to this client
    client_name: str
    client_email: str
    department: str
    status: str           # a StaffStatus value: the badge's class
    status_label: str
    needs_reply: bool
    overdue: bool
    days_in_work: int
    assignee: str
    holder: str
    updated_iso: str
    updated: str


class Moments:
    """Dates as a page prints them, in the reader's time zone and language."""

    def __init__(self, format_name: str = "SHORT_DATETIME_FORMAT"):
        self.format = get_format(format_name)

    def __call__(self, value: datetime) -> tuple[str, str]:
        """The ISO form for ``<time datetime>`` and the local form people read."""
        local = localtime(value)
        return local.isoformat(), dateformat.format(local, self.format)


class RowFormatter:
    """What every row of one page shares: computed once, used fifty times."""

    def __init__(self, request):
        self.now = clock.now()
        self.ticket_href = numbered_url("staff:ticket")
        self.datetime = Moments()
        self.status_labels = {status: str(status.label) for status in states.StaffStatus}
        query = request.GET.copy()
        query.pop("cursor", None)
        query.pop("client", None)
        rest = query.urlencode()
        self.client_query = f"?{rest}&client=" if rest else "?client="

    def queue_row(self, ticket: Ticket) -> QueueRow:
        status = states.staff_status(ticket.state)
        updated_iso, updated = self.datetime(ticket.updated_at)
        client = ticket.client.user
        return QueueRow(
            number=ticket.number,
            href=self.ticket_href(ticket.number),
            heading=ticket.staff_heading,
            subject=ticket.subject if ticket.title and ticket.title != ticket.subject else "",
            client_href=f"{self.client_query}{ticket.client_id}",
            client_name=client.display_name,
            client_email=client.email,
            department=ticket.department.name,
            status=status.value,
            status_label=self.status_labels[status],
            needs_reply=ticket.needs_reply,
            overdue=states.is_overdue(ticket.needs_reply, ticket.reply_due_at, self.now),
            days_in_work=states.days_in_work(ticket.created_at, self.now),
            assignee=ticket.assignee.display_name if ticket.assignee_id else "",
            holder=ticket.holder.display_name if ticket.holder_id else "",
            updated_iso=updated_iso,
            updated=updated,
        )

    def search_row(self, hit) -> "SearchRow":
        ticket = hit.ticket
        status = states.staff_status(ticket.state)
        updated_iso, updated = self.datetime(ticket.updated_at)
        return SearchRow(
            number=ticket.number,
            href=self.ticket_href(ticket.number),
            subject=hit.subject,
            status=status.value,
            status_label=self.status_labels[status],
            needs_reply=ticket.needs_reply,
            client_name=ticket.client.user.display_name,
            department=ticket.department.name,
            updated_iso=updated_iso,
            updated=updated,
            snippet=hit.snippet,
            internal_snippet=hit.internal_snippet,
        )


@dataclass(frozen=True, slots=True)
class SearchRow(Printed):
    number: int
    href: str
    subject: str          # marked up: the matched words highlighted
    status: str
    status_label: str
    needs_reply: bool
    client_name: str
    department: str
    updated_iso: str
    updated: str
    snippet: str
    internal_snippet: str


def queue_rows(request, tickets) -> list[QueueRow]:
    formatter = RowFormatter(request)
    return [formatter.queue_row(ticket) for ticket in tickets]


def search_rows(request, hits) -> list[SearchRow]:
    formatter = RowFormatter(request)
    return [formatter.search_row(hit) for hit in hits]


def numbered_url(name: str):
    """``reverse(name, args=[number])`` for many numbers at the cost of one reverse()."""
    marker = 918273645
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda number: f"{head}{number}{tail}"

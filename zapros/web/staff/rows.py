"""Rows of the staff lists, ready to print.

A list page shows fifty requests; formatting each row's links, dates and labels inside the
template costs more than the database does. Here it is done once per row in plain Python,
with what does not change from row to row (the URL pattern, the date format, the labels)
worked out once per page, and the rows are written as HTML here too (see ``_QUEUE_ROW``,
zapros.web.html): the template prints them as one piece.
"""

from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from zapros.core import clock
from zapros.tickets import states
from zapros.tickets.models import Ticket

from ..html import Html, escape
from ..url_rendering import numbered_url


@dataclass(frozen=True, slots=True)
class QueueRow:
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
    marker: str           # a states.Marker value, or ""
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
            marker=states.marker(ticket.state, ticket.needs_reply, ticket.reply_due_at,
                                 ticket.late, self.now) or "",
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
class SearchRow:
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


# The queue's rows are written here rather than in staff/queue.html: fifty rows of twenty
# fields took Django's template engine 11-17 ms a page (a tenth of a millisecond a field,
# looked up, localised and escaped one by one); filled into markup compiled once they take
# about one. Every value is escaped as the template escaped it (zapros.web.html).
_QUEUE_ROW = Html(
    '<tr class="{row_class}">'
    '<td class="num"><a href="{href}">#{number}</a></td>'
    '<td><a href="{href}">{heading}</a>{subject}</td>'
    '<td><a href="{client_href}" title="{client_title}">{client_name}</a>'
    '<div class="muted">{client_email}</div></td>'
    "<td>{department}</td>"
    '<td><span class="badge {status}">{status_label}</span>{badges}</td>'
    '<td class="days">{days_in_work}</td>'
    "<td>{assignee}{holder}</td>"
    '<td class="when"><time datetime="{updated_iso}">{updated}</time></td>'
    "</tr>\n"
)
_SUBJECT = Html('<div class="muted subject">{subject}</div>')
_HELD = Html('<div class="held">{lock} {text}</div>')
_BADGE = Html(' <span class="badge {kind}">{label}</span>')
_MARK = Html(' <span class="badge {kind}" title="{title}">{label}</span>')
_MUTED = Html('<span class="muted">{text}</span>')
_NONE = SafeString("")


def queue_rows_html(rows: list[QueueRow]) -> SafeString:
    """The rows of the queue's table, as one piece of HTML."""
    if not rows:
        return SafeString("")
    client_title = escape(_("Requests of this client"))
    needs_reply = _BADGE(kind="needs-reply", label=_("Needs reply"))
    overdue = _BADGE(kind="overdue", label=_("Overdue"))
    late = _MARK(kind="answered-late", label=states.Marker.ANSWERED_LATE.label,
                 title=states.Marker.ANSWERED_LATE.explanation)
    completed = _MARK(kind="completed", label=states.Marker.COMPLETED.label,
                      title=states.Marker.COMPLETED.explanation)
    # The row's class and badges, by its marker (frozen shows in its status): escaped once
    # a page.
    marks = {"": (_NONE, _NONE),
             states.Marker.NEEDS_REPLY: (escape("needs-reply"), needs_reply),
             states.Marker.OVERDUE: (escape("needs-reply overdue"), needs_reply + overdue),
             states.Marker.ANSWERED_LATE: (escape("answered-late"), late),
             states.Marker.FROZEN: (_NONE, _NONE),
             states.Marker.COMPLETED: (_NONE, completed)}
    nobody = _MUTED(text=_("Nobody"))
    lock = render_to_string("staff/_lock.html")   # a SafeString, as templates give
    held_by = _("Held by %(name)s")
    out = []
    for row in rows:
        row_class, badges = marks[row.marker]
        out.append(_QUEUE_ROW(
            row_class=row_class,
            href=row.href,
            number=row.number,
            heading=row.heading,
            subject=_SUBJECT(subject=row.subject) if row.subject else _NONE,
            client_href=row.client_href,
            client_title=client_title,
            client_name=row.client_name,
            client_email=row.client_email,
            department=row.department,
            status=row.status,
            status_label=row.status_label,
            badges=badges,
            days_in_work=row.days_in_work,
            assignee=row.assignee or nobody,
            holder=_HELD(lock=lock, text=held_by % {"name": row.holder}) if row.holder else _NONE,
            updated_iso=row.updated_iso,
            updated=row.updated,
        ))
    return SafeString("".join(out))


def search_rows(request, hits) -> list[SearchRow]:
    formatter = RowFormatter(request)
    return [formatter.search_row(hit) for hit in hits]


_SEARCH_ROW = Html(
    '<li><div class="hit-head">'
    '<a class="num" href="{href}">#{number}</a> <a href="{href}">{subject}</a> '
    '<span class="badge {status}">{status_label}</span>{needs_reply}</div>'
    '<div class="muted">{client_name} · {department} · '
    '<time datetime="{updated_iso}">{updated}</time></div>'
    "{snippet}{internal_snippet}</li>\n"
)
_SNIPPET = Html('<p class="snippet">{snippet}</p>')
_INTERNAL_SNIPPET = Html('<p class="snippet internal"><span class="badge">{label}</span> '
                         "{snippet}</p>")


def search_rows_html(rows: list[SearchRow]) -> SafeString:
    """The search results' items, as one piece of HTML (written here for the reason the
    queue's rows are). The subject and the snippets come marked up (SafeString), their text
    escaped; as plain text they would be escaped here."""
    needs_reply = _BADGE(kind="needs-reply", label=_("Needs reply"))
    internal = escape(_("Internal comment"))
    return SafeString("".join(_SEARCH_ROW(
        href=row.href,
        number=row.number,
        subject=row.subject,
        status=row.status,
        status_label=row.status_label,
        needs_reply=needs_reply if row.needs_reply else _NONE,
        client_name=row.client_name,
        department=row.department,
        updated_iso=row.updated_iso,
        updated=row.updated,
        snippet=_SNIPPET(snippet=row.snippet) if row.snippet else _NONE,
        internal_snippet=_INTERNAL_SNIPPET(label=internal, snippet=row.internal_snippet)
        if row.internal_snippet else _NONE,
    ) for row in rows))

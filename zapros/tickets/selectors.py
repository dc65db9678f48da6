"""What the pages read. Each selector starts from the access policy and runs a fixed number
of queries whatever the size of the data or of the page."""

from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from django.db.models import Prefetch, QuerySet

from zapros.accounts.models import User
from zapros.core import keyset

from . import policies, states
from .models import Attachment, Event, Message, Rating, Ticket

QUEUE_RELATED = ("client__user", "department", "assignee", "holder")

# The queue puts what needs a reply first, the most urgent deadline first (none last), then
# recent work. The queue indexes of Ticket follow this order column for column.
QUEUE_KEYS = (
    keyset.Key("needs_reply", descending=True, type=bool),
    keyset.Key("reply_due_at", nullable=True, type=datetime),
    keyset.Key("updated_at", descending=True, type=datetime),
    keyset.Key("id", descending=True),
)
QUEUE_ORDER = tuple(keyset.ordering(QUEUE_KEYS))
# A client's requests: the activity they can see, newest first.
CLIENT_KEYS = (
    keyset.Key("client_activity_at", descending=True, type=datetime),
    keyset.Key("number", descending=True),
)


@dataclass(frozen=True)
class QueueFilters:
    department: int | None = None
    status: str | None = None          # a StaffStatus value
    state: str | None = None           # a State value
    assignee: int | None = None        # 0 means "nobody"
    client: int | None = None
    needs_reply: bool = False
    include_archived: bool = False


def staff_queue(user: User, filters: QueueFilters = QueueFilters()) -> QuerySet[Ticket]:
    tickets = policies.visible_tickets(user).select_related(*QUEUE_RELATED)
    if filters.department:
        tickets = tickets.filter(department_id=filters.department)
    if filters.state:
        tickets = tickets.filter(state=filters.state)
    elif filters.status:
        states_in = states.STAFF_STATUS_STATES.get(states.StaffStatus(filters.status))
        tickets = tickets.filter(state__in=list(states_in))
    elif not filters.include_archived:
        tickets = tickets.exclude(state=states.State.ARCHIVED)
    if filters.assignee is not None:
        tickets = tickets.filter(assignee_id=filters.assignee or None)
    if filters.client:
        tickets = tickets.filter(client_id=filters.client)
    if filters.needs_reply:
        tickets = tickets.filter(needs_reply=True)
    return tickets.order_by(*QUEUE_ORDER)


def queue_page(user: User, filters: QueueFilters, cursor: str | None, size: int,
               *, tickets: QuerySet[Ticket] | None = None) -> keyset.Page:
    """One page of the queue after (or before) ``cursor``, in one query.

    ``tickets`` may narrow :func:`staff_queue` further (more related rows to select).
    Raises ValidationFailed(field="cursor") for a cursor that is not valid.
    """
    tickets = staff_queue(user, filters) if tickets is None else tickets
    return keyset.paginate(tickets, QUEUE_KEYS, cursor, size, salt="zapros.queue")


def client_requests(user: User, *, active: bool) -> QuerySet[Ticket]:
    """The client's "Requests" (not archived) or "All requests" (everything)."""
    tickets = policies.visible_tickets(user).select_related("department", "service")
    if active:
        tickets = tickets.exclude(state=states.State.ARCHIVED)
    return tickets.order_by("-client_activity_at", "-id")


def client_requests_page(user: User, *, active: bool, cursor: str | None,
                         size: int) -> keyset.Page:
    return keyset.paginate(client_requests(user, active=active), CLIENT_KEYS, cursor, size,
                           salt="zapros.client-requests")


@dataclass
class TimelineEntry:
    at: datetime
    message: Message | None = None
    event: Event | None = None
    kind: str = field(init=False)

    def __post_init__(self):
        self.kind = "message" if self.message is not None else "event"


# Events that stand as system lines between the messages on the staff page. Messages record
# themselves, so the events that only mirror a message stay out.
TIMELINE_EVENTS = {
    Event.Kind.CREATED, Event.Kind.TAKEN, Event.Kind.CLOSED, Event.Kind.PARAMETERS,
    Event.Kind.FROZEN, Event.Kind.RESUMED, Event.Kind.RESOLVED, Event.Kind.ARCHIVED,
    Event.Kind.REOPENED, Event.Kind.UNLOCKED, Event.Kind.REASSIGNED, Event.Kind.RATED,
    Event.Kind.TRANSFERRED,
}


def ticket_timeline(user: User, ticket: Ticket) -> list[TimelineEntry]:
    """The conversation as ``user`` may see it; staff also get events as system lines."""
    messages = (
        policies.visible_messages(user, ticket)
        .select_related("author")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
            Prefetch("rating", queryset=Rating.objects.all()),
        )
        .order_by("created_at", "id")
    )
    entries = [TimelineEntry(at=m.created_at, message=m) for m in messages]
    if policies.is_staff_viewer(user):
        events = (
            Event.objects.filter(ticket=ticket, kind__in=TIMELINE_EVENTS)
            .select_related("actor")
            .order_by("created_at", "id")
        )
        entries = sorted(
            chain(entries, (TimelineEntry(at=e.created_at, event=e) for e in events)),
            key=lambda entry: (entry.at, entry.kind == "event"),
        )
    return entries

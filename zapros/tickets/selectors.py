"""What the pages read. Each selector starts from the access policy and runs a fixed number
of queries whatever the size of the data or of the page."""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from zapros.accounts import roles
from zapros.accounts.models import User
from zapros.clients.models import Client
from zapros.core import clock, keyset
from zapros.core.errors import NotFound
from zapros.core.sql import planner, precompiled, rows
from zapros.core.validation import clean_id
from zapros.notify.models import OutgoingMail
from zapros.sla.models import BusinessCalendar, Clock, Metric

from . import notifications, policies, states
from .models import (
    Attachment,
    CcAddress,
    Event,
    Follower,
    Message,
    MessageRevision,
    Share,
    Ticket,
)

QUEUE_RELATED = ("client__user", "department", "assignee", "holder")
# What a row of the queue shows, and the keys it is sorted on: the page reads these columns
# only (a ticket row has many more, and making model objects of them is most of a page's
# cost).
QUEUE_COLUMNS = (
    "id", "number", "client_id", "department_id", "subject", "title", "state", "assignee_id",
    "holder_id", "created_at", "updated_at", "needs_reply", "reply_due_at", "late",
    "client__user__name", "client__user__email", "department__name",
    "assignee__name", "assignee__email", "holder__name", "holder__email",
)

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
    overdue: bool = False              # needs our reply and its deadline has passed
    include_archived: bool = False


def staff_queue(user: User, filters: QueueFilters = QueueFilters()) -> QuerySet[Ticket]:
    tickets = policies.visible_tickets(user, filters.department or None).select_related(
        *QUEUE_RELATED
    )
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
    if filters.needs_reply or filters.overdue:
        tickets = tickets.filter(needs_reply=True)
    if filters.overdue:
        # The head of the queue's own order (needs reply, then due time): read off its index.
        tickets = tickets.filter(reply_due_at__lt=clock.now())
    return tickets.order_by(*QUEUE_ORDER)


def queue_page(user: User, filters: QueueFilters, cursor: str | None, size: int,
               *, tickets: QuerySet[Ticket] | None = None) -> keyset.Page:
    """One page of the queue after (or before) ``cursor``, in one query.

    ``tickets`` may narrow :func:`staff_queue` further (more related rows to select);
    without it the rows hold :data:`QUEUE_COLUMNS` only. Raises ValidationFailed(field="cursor")
    for a cursor that is not valid.
    """
    if tickets is None:
        tickets = staff_queue(user, filters).only(*QUEUE_COLUMNS)
    # The tickets come by an index on their own columns and every join fetches a row's
    # client, department or people by key: nothing for PostgreSQL to reorder. Not so when an
    # agent narrows the queue to a department, which may be one they see only transfers of
    # (see policies.visible_tickets): the plan should then start from the transfers.
    plain = not filters.department or user.is_overseer
    with planner.joins_as_written() if plain else nullcontext():
        return keyset.paginate(tickets, QUEUE_KEYS, cursor, size, salt="zapros.queue")


def client_requests(user: User, *, active: bool) -> QuerySet[Ticket]:
    """The client's "Requests" (not archived) or "All requests" (everything)."""
    tickets = policies.visible_tickets(user).select_related("department", "service")
    if active:
        # The states named rather than "not archived": the index on (client, state) then
        # finds them directly, in a plan made for any client, however many archived
        # requests the client has.
        tickets = tickets.filter(state__in=sorted(states.NOT_ARCHIVED))
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
    Event.Kind.TRANSFERRED, Event.Kind.MESSAGE_EDITED, Event.Kind.SPLIT, Event.Kind.SPLIT_FROM,
    Event.Kind.MERGED, Event.Kind.MERGED_IN, Event.Kind.FOLLOWED, Event.Kind.UNFOLLOWED,
    Event.Kind.CC_ADDED, Event.Kind.CC_REMOVED, Event.Kind.MAIL_RETRIED,
    Event.Kind.SLA_CHANGED, Event.Kind.SLA_WARNING, Event.Kind.SLA_BREACHED,
}

FAILED_MAILS_SHOWN = 20


def files() -> Prefetch:
    """The attachments of every message read, in one query, as ``Message.files``. A new one
    each time: a prefetch's queryset is written to while it runs."""
    return Prefetch("attachments", queryset=Attachment.objects.order_by("id"),
                    to_attr="prefetched_files")


def ticket_timeline(user: User, ticket: Ticket) -> list[TimelineEntry]:
    """The conversation as ``user`` may see it; staff also get events as system lines."""
    messages = (
        policies.visible_messages(user, ticket)
        # The rating (one at most) comes in the same row.
        .select_related("rating")
        .order_by("created_at", "id")
    )
    no_files = _known_none(ticket, "has_files")
    if not no_files:
        messages = messages.prefetch_related(files())   # one query for every attachment
    messages = list(messages)
    if no_files:
        for message in messages:
            message.prefetched_files = []
    events = []
    if roles.is_staff_viewer(user):
        events = list(
            Event.objects.filter(ticket=ticket, kind__in=TIMELINE_EVENTS)
            .order_by("created_at", "id")
        )
    people = _people(user, ticket, {m.author_id for m in messages}
                     | {e.actor_id for e in events})
    for message in messages:
        message.author = people.get(message.author_id)
    for event in events:
        event.actor = people.get(event.actor_id)
    entries = [TimelineEntry(at=m.created_at, message=m) for m in messages]
    if events:
        entries = sorted(
            chain(entries, (TimelineEntry(at=e.created_at, event=e) for e in events)),
            key=lambda entry: (entry.at, entry.kind == "event"),
        )
    return entries


@dataclass(frozen=True)
class ClientTicketPage:
    conversation: list[Message]
    unread_ids: frozenset[int]     # staff answers that came since the client last looked
    offered: frozenset[states.Action]
    reply_reopens: bool            # writing into the request reopens it
    cc_addresses: list[CcAddress]
    # When the client is told to expect our answer (the department shows it), or None.
    answer_by: datetime | None = None


def client_ticket_page(user: User, ticket: Ticket) -> ClientTicketPage:
    """The portal's page of one request: the public conversation, which staff answers are
    new to the client, what they can do, whether a message from them reopens the request
    (the state table, held or not as the ticket is), and the addresses in copy.

    Read it before the visit is recorded (``services.mark_seen``): what is new is measured
    from the client's previous look.
    """
    timeline = ticket_timeline(user, ticket)
    conversation = [entry.message for entry in timeline if entry.message is not None]
    seen_before = ticket.client_seen_at
    offered = policies.offered_actions(user, ticket)
    return ClientTicketPage(
        conversation=conversation,
        unread_ids=frozenset(
            message.pk for message in conversation
            if message.from_staff and states.client_unread(message.created_at, seen_before)
        ),
        offered=offered,
        reply_reopens=(states.Action.CLIENT_REPLY in offered
                       and ticket.state_after(states.Action.CLIENT_REPLY) != ticket.state),
        cc_addresses=copy_addresses(user, ticket),
        answer_by=states.promised_by(ticket.department.show_due_to_clients, ticket.needs_reply,
                                     ticket.reply_due_at, clock.now()),
    )


def _people(user: User, ticket: Ticket, ids: set) -> dict[int, User]:
    """The users ``ids`` name: those the page has already read with the ticket (its client,
    holder and assignee) and the reader, the rest in one query. A conversation is mostly
    between the client and the staff who hold it: reading its authors with every message
    made thirty user objects of two people."""
    ids.discard(None)
    known = [user]
    if Ticket.client.is_cached(ticket) and Client.user.is_cached(ticket.client):
        known.append(ticket.client.user)
    for name in ("holder", "assignee"):
        if getattr(Ticket, name).is_cached(ticket):
            known.append(getattr(ticket, name))
    people = {person.pk: person for person in known if person is not None and person.pk in ids}
    missing = ids - people.keys()
    if missing:
        people.update((person.pk, person) for person in User.objects.filter(pk__in=missing))
    return people


# --- Messages view: every message with its history ------------------------------------------

def ticket_messages(user: User, ticket: Ticket) -> list[Message]:
    """Every message of ``ticket`` for staff, each with its earlier texts (``revisions``, the
    oldest first), attachments and rating; nothing for anyone else. Four queries."""
    if not roles.is_staff_viewer(user):
        return []
    return list(
        policies.visible_messages(user, ticket)
        .select_related("author", "rating")
        .prefetch_related(
            files(),
            Prefetch("revisions",
                     queryset=MessageRevision.objects.select_related("edited_by")
                     .order_by("edited_at", "id")),
        )
        .order_by("created_at", "id")
    )


def message_revisions(user: User, ticket: Ticket, message_id) -> list[MessageRevision]:
    """The earlier texts of one message of ``ticket``, the oldest first. Staff only: clients
    never learn that a message was edited, let alone what it said before."""
    policies.ensure_staff(user)
    message = policies.visible_messages(user, ticket).filter(pk=clean_id(message_id)).first()
    if message is None:
        raise NotFound(_("There is no such message in this request."))
    return list(
        MessageRevision.objects.filter(message=message).select_related("edited_by")
        .order_by("edited_at", "id")
    )


@dataclass(frozen=True)
class Related:
    """Tickets a ticket was split from or merged with, by number, for the staff page."""

    split_from: int | None
    merged_into: int | None
    split_off: list[int]
    merged_in: list[int]


def ticket_page_extras() -> dict:
    """Annotations for :func:`policies.access_ticket` on the staff ticket page: whether the
    ticket has any followers, copy addresses, shares, related requests, failed mail or
    attachments, each an index probe in the ticket's own statement. Most tickets have none
    of them, and the selectors then run no query for them; a ticket read without these
    runs them all. Their SQL is the same for every ticket: it is compiled once
    (``core.precompiled``)."""
    return precompiled.annotations(Ticket, "ticket_page_extras", _page_extras)


def _page_extras() -> dict:
    ticket = OuterRef("pk")
    return {
        "has_followers": Exists(Follower.objects.filter(ticket=ticket)),
        "has_cc": Exists(CcAddress.objects.filter(ticket=ticket)),
        "has_shares": Exists(Share.objects.filter(ticket=ticket)),
        "has_related": Exists(
            Ticket.objects.filter(Q(split_from=ticket) | Q(merged_into=ticket))),
        "has_failed_mail": Exists(OutgoingMail.objects.filter(
            reference=notifications.reference_sql(ticket),
            status=OutgoingMail.Status.FAILED)),
        "has_files": Exists(Attachment.objects.filter(ticket=ticket)),
        "has_clocks": Exists(Clock.objects.filter(ticket=ticket)),
    }


def _known_none(ticket: Ticket, extra: str) -> bool:
    """The ticket was read with :func:`ticket_page_extras` and has none of ``extra``."""
    return getattr(ticket, extra, None) is False


def related_tickets(ticket: Ticket) -> Related:
    """Where ``ticket``'s conversation came from and went: one query at most (the two
    pointers come with :func:`policies.access_ticket`)."""
    split_off, merged_in = [], []
    rows = [] if _known_none(ticket, "has_related") else (
        Ticket.objects.filter(Q(split_from=ticket) | Q(merged_into=ticket))
        .order_by("number").values_list("number", "split_from_id", "merged_into_id")
    )
    for number, split_from_id, merged_into_id in rows:
        if split_from_id == ticket.pk:
            split_off.append(number)
        if merged_into_id == ticket.pk:
            merged_in.append(number)
    return Related(
        split_from=ticket.split_from.number if ticket.split_from_id else None,
        merged_into=ticket.merged_into.number if ticket.merged_into_id else None,
        split_off=split_off, merged_in=merged_in,
    )
def copy_addresses(user: User, ticket: Ticket) -> list[CcAddress]:
    """The ticket's copy (Cc) list, for its client and for staff (one query)."""
    if not (policies.is_client_of(user, ticket) or roles.is_staff_viewer(user)):
        return []
    if _known_none(ticket, "has_cc"):
        return []
    return list(CcAddress.objects.filter(ticket=ticket).select_related("added_by").order_by("id"))


def followers(user: User, ticket: Ticket) -> list[Follower]:
    """Staff following the ticket, for staff only (one query)."""
    if not roles.is_staff_viewer(user) or _known_none(ticket, "has_followers"):
        return []
    return list(Follower.objects.filter(ticket=ticket).select_related("user").order_by("id"))


def shares(user: User, ticket: Ticket) -> list[Share]:
    """Where else the ticket is active (its transfers), for staff only (one query at most)."""
    if not roles.is_staff_viewer(user) or _known_none(ticket, "has_shares"):
        return []
    return list(Share.objects.filter(ticket=ticket).select_related("department", "agent")
                .order_by("id"))


def ticket_clocks(user: User, ticket: Ticket) -> list[Clock]:
    """The SLA clocks of the ticket's present round, for staff only (one query at most): the
    newest clock of each target, which is the live one while one runs, with its calendar and
    who met it. A long conversation has a next-response clock for every wait: only the
    newest of each is read, by the clocks' (ticket, target, start) index, in a statement
    built once per process."""
    if not roles.is_staff_viewer(user) or _known_none(ticket, "has_clocks"):
        return []
    found = []
    for row, calendar, staff in _NEWEST_CLOCKS.all([ticket.pk]):
        row.calendar, row.staff = calendar, staff
        found.append(row)
    order = Metric.values
    return sorted(found, key=lambda c: order.index(c.metric))


_NEWEST_CLOCKS = rows.Select(
    [(Clock, "c"), (BusinessCalendar, "k"), (User, "u")],
    "SELECT {columns} FROM {Clock} c LEFT JOIN {BusinessCalendar} k ON k.id = c.calendar_id "
    "LEFT JOIN {User} u ON u.id = c.staff_id WHERE c.ticket_id = %s AND NOT EXISTS ("
    "SELECT 1 FROM {Clock} n WHERE n.ticket_id = c.ticket_id AND n.metric = c.metric AND "
    "(n.started_at > c.started_at OR (n.started_at = c.started_at AND n.id > c.id)))",
)


def failed_mails(user: User, ticket: Ticket) -> list:
    """Mail of the ticket that finally failed, newest first, for staff only (one query)."""
    if not roles.is_staff_viewer(user) or _known_none(ticket, "has_failed_mail"):
        return []
    return list(notifications.ticket_mails(ticket, failed_only=True)[:FAILED_MAILS_SHOWN])


def mails(user: User, ticket: Ticket, *, limit: int = 200) -> list:
    """The newest mail of the ticket with its delivery status, for staff only (one query)."""
    if not roles.is_staff_viewer(user):
        return []
    return list(notifications.ticket_mails(ticket)[:limit])
@dataclass(frozen=True)
class ClientTickets:
    """A page of a client's tickets, newest first; ``next_before`` continues the list."""

    tickets: list
    next_before: int | None


def client_tickets(user: User, client_id: int, *, before: int | None = None,
                   size: int = 20) -> ClientTickets:
    """The tickets of one client that ``user`` may see, newest first, ``size`` at a time
    (keyset on the ticket number: one query whatever the client's history)."""
    tickets = (
        policies.visible_tickets(user)
        .filter(client_id=client_id)
        .select_related("department", "assignee", "holder")
    )
    if before:
        tickets = tickets.filter(number__lt=before)
    rows = list(tickets.order_by("-number")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return ClientTickets(tickets=rows, next_before=rows[-1].number if has_more else None)

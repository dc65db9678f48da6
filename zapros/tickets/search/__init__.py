"""Search over tickets: by number, by client (staff), by words in subjects and messages.

The index holds one document per ticket: the subject and public messages, which the client
may search, and separately the staff title and internal comments, which only staff may. It
lives in the database (PostgreSQL full text with GIN indexes, or SQLite FTS5; see
``postgres.py`` and ``sqlite.py``) and is written in the same transaction as the messages:
every service that adds, edits or moves messages, or changes a subject, calls
:func:`index_ticket` or :func:`index_tickets` before it commits.

What a user finds is what they may see: candidates come from ``policies.visible_tickets``
(through ``selectors.staff_queue`` for staff, with the queue's filters), clients match and
get snippets from public text only, and a number that is not theirs finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Q
from django.utils.safestring import SafeString

from zapros.accounts import roles
from zapros.accounts.models import Role, User
from zapros.clients.models import Client
from zapros.core.errors import NotFound

from .. import policies, selectors
from ..models import Message, Ticket
from . import postgres, sqlite
from .text import START, clean_query, looks_like_email, mark_up, ticket_number

LIMIT = 50
NO_SNIPPET = SafeString("")
MAX_CLIENTS = 10
REBUILD_BATCH = 5_000


class Kind:
    EMPTY = "empty"      # nothing to search for
    NUMBER = "number"    # a ticket number
    CLIENT = "client"    # one client's tickets (staff)
    TEXT = "text"        # words


@dataclass(frozen=True)
class Hit:
    ticket: Ticket
    subject: SafeString
    snippet: SafeString = NO_SNIPPET
    internal_snippet: SafeString = NO_SNIPPET   # staff only
    rank: float = 0.0


@dataclass(frozen=True)
class SearchResult:
    query: str
    kind: str
    hits: list[Hit] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)   # staff only
    more: bool = False

    @property
    def jump(self) -> Ticket | None:
        """The ticket a number query found, to open directly."""
        return self.hits[0].ticket if self.kind == Kind.NUMBER and self.hits else None


def _backend():
    return postgres if connection.vendor == "postgresql" else sqlite


# --- Keeping the index -----------------------------------------------------------------------

def index_ticket(ticket_id: int) -> None:
    """Rewrite the search document of one ticket from its subject, title and messages."""
    index_tickets([ticket_id])


def index_tickets(ticket_ids) -> None:
    """Rewrite the search documents of these tickets. Call inside the transaction that
    changed their messages or subjects, so that the index commits or rolls back with them."""
    ids = sorted({int(pk) for pk in ticket_ids})
    if ids:
        _backend().index(ids)


def new_ticket_statements(ticket: Ticket, messages: list[Message]) -> list[tuple[str, list]]:
    """The statements that write the search document of a ticket being opened from the values
    in hand: its subject, its title and ``messages``, all it holds, in the order they were
    written. The document is the one :func:`index_ticket` would build from the rows, without
    reading them back. Run them (or hand them to ``services.rows.insert``) inside the creating
    transaction."""
    public = [m.body for m in messages if m.visibility == Message.Visibility.PUBLIC]
    internal = [m.body for m in messages if m.visibility == Message.Visibility.INTERNAL]
    return _backend().document_statements(
        ticket.pk, subject=ticket.subject, title=ticket.title,
        public_text="\n".join(public), internal_text="\n".join(internal),
    )


def rebuild_index(progress=None) -> int:
    """Write every ticket's document again, batch by batch of ids, each batch in its own
    transaction, so that search keeps answering meanwhile; then drop documents of tickets
    that no longer exist."""
    backend = _backend()
    done = 0
    last = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for first in range(1, last + 1, REBUILD_BATCH):
        with transaction.atomic():
            done += backend.index_range(first, first + REBUILD_BATCH - 1)
        if progress:
            progress(done, min(first + REBUILD_BATCH - 1, last), last)
    backend.drop_orphans()
    return done


# --- Searching -------------------------------------------------------------------------------

def search(user: User, query: str, filters: selectors.QueueFilters | None = None, *,
           limit: int = LIMIT) -> SearchResult:
    """What ``user`` finds for ``query``, best first, at most ``limit`` tickets.

    A number (``1024``, ``#1024``) finds that ticket if the user may see it, otherwise
    nothing. For staff, an e-mail or a full name of a client lists that client's tickets;
    otherwise words are searched in subjects and messages with stemming. Staff searches are
    narrowed by the queue's ``filters`` (archived tickets are included unless a status is
    chosen). A fixed number of queries whatever the data.
    """
    query = clean_query(query)
    if not query:
        return SearchResult(query, Kind.EMPTY)
    if not policies.may_search(user):
        return SearchResult(query, Kind.EMPTY)
    staff = roles.is_staff_viewer(user)

    number = ticket_number(query)
    if number is not None:
        if not number:
            return SearchResult(query, Kind.NUMBER)
        try:
            ticket = policies.access_ticket(user, number)
        except NotFound:
            return SearchResult(query, Kind.NUMBER)
        return SearchResult(query, Kind.NUMBER, hits=[Hit(ticket, mark_up(ticket.subject))])

    filters = filters or selectors.QueueFilters()
    if staff and not (filters.status or filters.state):
        filters = replace(filters, include_archived=True)
    clients = []
    if staff:
        clients = _matching_clients(query)
        if len(clients) == 1:
            return _client_tickets(user, query, clients, filters, limit)
    base = _candidates(user, staff, filters)
    return _words(user, query, base, staff, limit, clients)


def _candidates(user: User, staff: bool, filters: selectors.QueueFilters):
    if staff:
        return selectors.staff_queue(user, filters).select_related("service")
    return policies.visible_tickets(user).select_related("department", "service")


def _matching_clients(query: str) -> list[Client]:
    """Clients whose e-mail is the query or whose name is the query (any case)."""
    if looks_like_email(query):
        condition = Q(user__email=query.lower())
    else:
        condition = Q(user__name__iexact=query)
    return list(
        Client.objects.select_related("user")
        .filter(condition, user__role=Role.CLIENT)
        .order_by("user__name", "pk")[:MAX_CLIENTS]
    )


def _client_tickets(user, query, clients, filters, limit) -> SearchResult:
    tickets = list(
        selectors.staff_queue(user, replace(filters, client=clients[0].pk))
        .select_related("service").order_by("-updated_at", "-id")[: limit + 1]
    )
    hits = [Hit(ticket, mark_up(ticket.subject)) for ticket in tickets[:limit]]
    return SearchResult(query, Kind.CLIENT, hits=hits, clients=clients,
                        more=len(tickets) > limit)


def _words(user, query, base, staff, limit, clients) -> SearchResult:
    backend = _backend()
    prepared = backend.prepare(query, staff=staff)
    if prepared is None:
        return SearchResult(query, Kind.TEXT, clients=clients)
    try:
        base_sql, base_params = base.order_by().values("id", "number").query.sql_with_params()
    except EmptyResultSet:
        return SearchResult(query, Kind.TEXT, clients=clients)
    ranked = backend.rank(prepared, base_sql, base_params, staff=staff, limit=limit + 1)
    more = len(ranked) > limit
    ranked = ranked[:limit]
    if not ranked:
        return SearchResult(query, Kind.TEXT, clients=clients)
    ids = [ticket_id for ticket_id, _rank in ranked]
    tickets = base.order_by().in_bulk(ids)   # a dict: no need to sort
    marked = backend.snippets(query, prepared, ids, staff=staff)
    hits = []
    for ticket_id, score in ranked:
        ticket = tickets.get(ticket_id)
        if ticket is None:
            continue
        subject, snippet, internal = marked.get(ticket_id, (None, None, None))
        hits.append(Hit(
            ticket,
            subject=mark_up(subject if subject and START in subject else ticket.subject),
            snippet=_highlighted(snippet),
            internal_snippet=_highlighted(internal) if staff else SafeString(""),
            rank=float(score),
        ))
    return SearchResult(query, Kind.TEXT, hits=hits, clients=clients, more=more)


def _highlighted(text: str | None) -> SafeString:
    """A snippet only if it shows a match (SQLite returns the column's start otherwise)."""
    return mark_up(text) if text and START in text else SafeString("")

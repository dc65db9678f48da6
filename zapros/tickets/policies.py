"""Who may see and do what. The only code that knows the access matrix (DESIGN §4).

Every selector starts from :func:`visible_tickets`; every operation fetches its ticket with
:func:`access_ticket` and asks one of the ``ensure_*`` checks before it writes. Missing and
invisible tickets raise the same :class:`NotFound`, so ticket numbers cannot be probed.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from zapros.accounts import roles
from zapros.accounts.models import STAFF_ROLES, Department, User
from zapros.core import throttle
from zapros.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from zapros.core.validation import clean_id

from . import states
from .models import (
    CLIENT_TICKET_TYPES,
    Attachment,
    Message,
    Priority,
    ResponseTemplate,
    Share,
    Ticket,
    TicketType,
)
from .states import Action, State


def visible_tickets(user: User, department_id: int | None = None, *,
                    single: bool = False) -> QuerySet[Ticket]:
    """Tickets ``user`` may read: a client their own, an agent their departments' and those
    transferred to them or to their departments, supervisors and admins all.

    ``department_id`` narrows them to one department. For an agent that is more than a
    filter: in a department of their own they see every ticket, in another only the
    transferred ones, and saying so lets the database start from the transfers instead of
    testing each of that department's tickets for one.

    ``single`` is for fetching one ticket by its key: the agent's departments then come as a
    subquery of the same statement, one query fewer. A list, read first, is for the lists: it
    lets PostgreSQL estimate a queue's rows from each department's statistics.
    """
    tickets = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return tickets.none()
    if department_id is not None:
        tickets = tickets.filter(department_id=department_id)
    if user.is_client:
        return tickets.filter(client_id=user.pk)
    if user.is_overseer or roles.is_system(user):
        return tickets
    if user.is_staff_member:
        if single and department_id is None:
            department_ids = user.departments.values("id")
        else:
            department_ids = list(user.departments.values_list("id", flat=True))
        shared = Share.objects.filter(Q(agent=user) | Q(department_id__in=department_ids))
        if department_id is None:
            return tickets.filter(
                Q(department_id__in=department_ids)
                | Exists(shared.filter(ticket=OuterRef("pk")))
            )
        if department_id in department_ids:
            return tickets
        return tickets.filter(pk__in=shared.values("ticket_id"))
    return tickets.none()


def visible_templates(user: User) -> QuerySet[ResponseTemplate]:
    """Active response templates ``user`` may use: those for all staff, for their departments
    (every department for supervisors and admins) and their own personal ones; clients none."""
    templates = ResponseTemplate.objects.filter(active=True)
    if not roles.is_staff_viewer(user):
        return templates.none()
    everyone = Q(department__isnull=True, agent__isnull=True)
    personal = Q(agent=user)
    if user.is_overseer:
        departments = Q(department__isnull=False)
    else:
        # A subquery, not a list read first: one query fewer on the ticket page.
        departments = Q(department_id__in=user.departments.values("id"))
    return templates.filter(everyone | departments | personal)


def managed_templates(user: User) -> QuerySet[ResponseTemplate]:
    """Templates ``user`` may change, once :func:`may_manage_template` agrees with their
    scope: every template, inactive ones too, for supervisors and admins; for an agent those
    they may use."""
    if roles.is_overseer(user):
        return ResponseTemplate.objects.all()
    return visible_templates(user)


def may_manage_template(user: User, department_id: int | None, agent_id: int | None) -> bool:
    """Supervisors and admins manage every response template; an agent only personal
    templates of their own."""
    if not roles.is_staff_viewer(user):
        return False
    return user.is_overseer or (department_id is None and agent_id == user.pk)


def may_search(user: User) -> bool:
    """Staff search their queues, clients their own requests; anyone else finds nothing."""
    return roles.is_staff_viewer(user) or roles.is_client(user)


def visible_departments(user: User) -> QuerySet[Department]:
    """Departments whose queues ``user`` works in: all for supervisors and admins, their own
    for agents, none for clients."""
    if not roles.is_staff_viewer(user):
        return Department.objects.none()
    if user.is_overseer:
        return Department.objects.all()
    return user.departments.all()


def transfer_departments(user: User) -> QuerySet[Department]:
    """Departments ``user`` may copy a ticket to: every department, their own or not, for
    anyone on staff; none for anyone else."""
    if not roles.is_staff_viewer(user):
        return Department.objects.none()
    return Department.objects.all()


def staff_to_choose(user: User) -> QuerySet[User]:
    """The people ``user`` may name as an assignee, a filter of the queue, a template's owner
    or the target of a transfer: every active staff member, for anyone on staff; nobody for
    anyone else. Whether one of them may hold a given ticket is
    :func:`ensure_can_reassign_to`'s to say."""
    if not roles.is_staff_viewer(user):
        return User.objects.none()
    return User.objects.filter(is_active=True, role__in=list(STAFF_ROLES))


def access_ticket(user: User, number: int, *, for_update: bool = False,
                  annotate: dict | None = None) -> Ticket:
    """The ticket numbered ``number`` if ``user`` may see it; NotFound otherwise.

    With ``for_update`` the row is locked until the surrounding transaction ends.
    ``annotate`` adds expressions to the ticket's row (``selectors.ticket_page_extras``).
    """
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise NotFound(_("There is no request with this number.")) from None
    tickets = visible_tickets(user, single=True)
    if for_update:
        # Lock only the ticket row: PostgreSQL refuses FOR UPDATE across outer joins.
        tickets = tickets.select_for_update(of=("self",))
    else:
        # The people and the department come with the row. Every further join multiplies
        # PostgreSQL's planning time (ten tables took 5 ms to plan, the row 0.2 ms to read):
        # the service and the topic are read by their key when a page shows them, and the
        # related requests' numbers come from selectors.related_tickets.
        tickets = tickets.select_related("client__user", "department", "holder", "assignee")
    if annotate:
        tickets = tickets.annotate(**annotate)
    ticket = next(iter(tickets.filter(number=number)[:1]), None)
    if ticket is None:
        raise NotFound(_("There is no request with this number."))
    return ticket


def access_ticket_domain(user: User, number: int) -> tuple[Ticket, str]:
    """The ticket numbered ``number`` and the domain of its service, for a look-up (whois,
    DNS) by staff who see the ticket.

    Clients and anonymous visitors get NotFound, as for a ticket they cannot see: the
    look-ups are a staff tool. ValidationFailed when the ticket's service has no domain.
    """
    if not roles.is_staff_viewer(user):
        raise NotFound(_("There is no request with this number."))
    ticket = access_ticket(user, number)
    domain = ticket.service.domain.strip() if ticket.service else ""
    if not domain:
        raise ValidationFailed(_("This request has no service with a domain to look up."),
                               field="service")
    return ticket, domain


def visible_messages(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The messages of ``ticket`` that ``user`` may read: clients never get internal ones,
    and nobody but staff and the ticket's own client gets any.

    Used by the portal, the API and outgoing mail alike. Staff must have got ``ticket`` from
    :func:`access_ticket`; for anyone else the check is made here.
    """
    messages = Message.objects.filter(ticket=ticket)
    if roles.is_staff_viewer(user):
        return messages
    if is_client_of(user, ticket):
        return messages.filter(visibility=Message.Visibility.PUBLIC)
    return messages.none()


def access_attachment(user: User, attachment_id: int) -> Attachment:
    """An attachment ``user`` may download: on a ticket they see, in a message they see."""
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such file.")) from None
    attachment = (
        Attachment.objects.select_related("message", "ticket")
        .filter(pk=attachment_id, ticket__in=visible_tickets(user, single=True))
        .first()
    )
    if attachment is None or (
        attachment.message.is_internal and not roles.is_staff_viewer(user)
    ):
        raise NotFound(_("There is no such file."))
    return attachment


def is_client_of(user: User, ticket: Ticket) -> bool:
    return user.is_authenticated and user.is_client and ticket.client_id == user.pk


# --- Checks before writing. Each raises; the caller already holds the ticket. ----------------

def ensure_staff(user: User) -> None:
    """Staff, or the system acting for them (rules, timers)."""
    if not (roles.is_staff_viewer(user) or roles.is_system(user)):
        raise Forbidden(_("Only support staff can do this."))


def ensure_overseer(user: User) -> None:
    if not (roles.is_staff_viewer(user) and user.is_overseer):
        raise Forbidden(_("Only a supervisor can do this."))


def ensure_client_owner(user: User, ticket: Ticket) -> None:
    if not is_client_of(user, ticket):
        raise Forbidden(_("Only the client who owns this request can do this."))


@dataclass(frozen=True)
class Opening:
    """Whom a new ticket is for and what its opener may choose."""

    client_id: int | None
    types: tuple   # of TicketType
    support_center_only: bool   # clients choose among the support center's departments


def opening_for(user: User, client_id) -> Opening:
    """A client opens tickets for themselves, with the client ticket types, in departments of
    the support center; staff open one for any client (``client_id``, checked by the caller),
    of any type, in any department. Forbidden for anyone else, and for a client who names
    another client."""
    if roles.is_client(user):
        if client_id not in (None, "") and clean_id(client_id) != user.pk:
            raise Forbidden(_("Only support staff can do this."))
        return Opening(user.pk, tuple(CLIENT_TICKET_TYPES), True)
    if roles.is_staff_viewer(user):
        return Opening(clean_id(client_id), tuple(TicketType), False)
    raise Forbidden()


def count_opening(user: User, address: str = "") -> None:
    """A client opens at most ``ZAPROS_OPEN_LIMIT`` requests in ``ZAPROS_OPEN_WINDOW_SECONDS``,
    and one client address (``address``, as the interface saw it) at most
    ``ZAPROS_OPEN_ADDRESS_LIMIT``, whichever clients sign in from it: a flood from a few
    accounts or from many made at one place stops there. Counts this opening; raises
    RateLimited with the seconds until the window closes when it is one too many.

    Staff opening requests for clients are not counted (it is their work, and a call centre
    files many at once), nor is mail: it has its own flood limit, which holds mail for review
    instead of refusing it (``ZAPROS_MAIL_FLOOD_LIMIT``). The counters live in the cache, so
    this asks nothing of the database."""
    if not roles.is_client(user):
        return
    window = settings.ZAPROS_OPEN_WINDOW_SECONDS
    per_client = throttle.Limit(settings.ZAPROS_OPEN_LIMIT, window)
    per_address = throttle.Limit(settings.ZAPROS_OPEN_ADDRESS_LIMIT, window)
    wait = throttle.take(throttle.key("open:client", user.pk), per_client)
    if wait is None and address:
        wait = throttle.take(throttle.key("open:address", address), per_address)
    if wait is not None:
        raise RateLimited(
            _("You have opened many requests in a short time. You can open the next one in "
              "%(minutes)s min; to add to a request already open, reply in it.")
            % {"minutes": -(-wait // 60)},
            retry_after=wait,
        )


def ensure_may_choose_priority(user: User, department: Department, priority) -> None:
    """The priority is staff's to set, unless the department lets its clients choose it."""
    if (roles.is_client(user) and not department.clients_choose_priority
            and str(priority) != str(Priority.NORMAL.value)):
        raise ValidationFailed(_("The priority of a request is set by support."),
                               field="priority")


def ensure_can_take(user: User, ticket: Ticket) -> None:
    ensure_staff(user)
    if ticket.holder_id == user.pk:
        raise Conflict(_("You already hold this request."))
    if ticket.holder_id is not None:
        raise Conflict(held_by_message(ticket))
    states.next_state(ticket.state, Action.TAKE)


def ensure_holder(user: User, ticket: Ticket) -> None:
    """Public replies and parameter changes are for the agent who holds the ticket."""
    ensure_staff(user)
    if ticket.holder_id == user.pk or roles.is_system(user):
        # The system acts on whoever's ticket its rules name: a rule is the team's decision.
        return
    if ticket.holder_id is None:
        raise Conflict(_("Take the request before you answer it or change it."))
    raise Conflict(held_by_message(ticket))


def holds(user: User, ticket: Ticket) -> bool:
    """``user`` holds ``ticket``: only they answer it and change it."""
    return ticket.holder_id is not None and ticket.holder_id == user.pk


def held_by_other(user: User, ticket: Ticket) -> bool:
    """Someone other than ``user`` holds ``ticket``: writing into it is theirs."""
    return ticket.holder_id is not None and ticket.holder_id != user.pk


def held_by_message(ticket: Ticket) -> str:
    return _("%(name)s is working on this request; only they can write into it.") % {
        "name": ticket.holder.display_name if ticket.holder else "?"
    }


def ensure_can_act_on_held(user: User, ticket: Ticket, action: Action) -> None:
    ensure_holder(user, ticket)
    states.next_state(ticket.state, action, held=True)


def ensure_can_resolve(user: User, ticket: Ticket) -> Action:
    """The client who owns the ticket says it is solved, or its holder marks it so; answers
    which row of the state table applies."""
    if is_client_of(user, ticket):
        return Action.CLIENT_RESOLVE
    ensure_can_act_on_held(user, ticket, Action.RESOLVE)
    return Action.RESOLVE


def ensure_can_archive(user: User, ticket: Ticket) -> None:
    """The client who owns the ticket, its holder, or the system (after it lay untouched)."""
    if not is_client_of(user, ticket):
        ensure_holder(user, ticket)


def ensure_can_write_as_client(user: User, ticket: Ticket, channel: str) -> None:
    """A client's message: the client who owns the ticket, or staff who see it filing the
    client's mail from the Incoming inbox (by mail only: staff answer as themselves)."""
    filing_mail = channel == Message.Channel.EMAIL and roles.is_staff_viewer(user)
    if not (is_client_of(user, ticket) or filing_mail):
        raise Forbidden(_("Only the client who owns this request can do this."))


def ensure_can_comment(user: User, ticket: Ticket) -> None:
    """Internal comments are notes between colleagues: anyone on staff who sees the ticket."""
    ensure_staff(user)


def ensure_can_edit_cc(user: User, ticket: Ticket) -> None:
    """Copy addresses: the client who owns the ticket, or staff who see it."""
    if not (is_client_of(user, ticket) or roles.is_staff_viewer(user)):
        raise Forbidden(_("Only the client who owns this request can do this."))


def may_follow(user: User, ticket: Ticket) -> bool:
    """Staff follow tickets they can see; a follower who lost access gets nothing."""
    return roles.is_staff_viewer(user) and visible_tickets(user, single=True).filter(
        pk=ticket.pk).exists()


def may_receive_requests(agent: User) -> bool:
    """Whether ``agent`` can be given requests (assigned, transferred to) or a personal
    template: active staff members."""
    return roles.is_staff_viewer(agent)


def ensure_can_reassign_to(ticket: Ticket, agent: User) -> None:
    if not may_receive_requests(agent):
        raise Forbidden(_("Requests can only be assigned to active staff members."))
    if not visible_tickets(agent, single=True).filter(pk=ticket.pk).exists():
        raise Forbidden(
            _("%(name)s does not work in %(department)s.")
            % {"name": agent.display_name, "department": ticket.department.name}
        )


def ensure_can_rework(user: User, ticket: Ticket) -> None:
    """Split and merge reshape a conversation. A held ticket is its holder's (or a
    supervisor's) to reshape, as with writing into it; one nobody holds, anyone on staff who
    sees it."""
    ensure_staff(user)
    if user.is_overseer or ticket.holder_id is None or ticket.holder_id == user.pk:
        return
    raise Conflict(held_by_message(ticket))


def ensure_can_split_from(user: User, ticket: Ticket, message: Message | None,
                          first_id: int | None) -> None:
    """A new ticket may start from ``message`` of ``ticket`` (``first_id`` is the ticket's
    first message): a public message, not the first one (nothing would remain), of a ticket
    that is not archived and that ``user`` may reshape. Raises Forbidden (not staff),
    Conflict (held by someone else), InvalidTransition (archived), ValidationFailed (no such
    message, an internal one, the first one; field ``message``)."""
    ensure_can_rework(user, ticket)
    states.next_state(ticket.state, Action.SPLIT)  # refuses an archived ticket
    if message is None:
        raise ValidationFailed(_("Choose a message of this request."), field="message")
    if not message.is_public:
        raise ValidationFailed(
            _("Split from a message the client can see: the new request starts with it."),
            field="message",
        )
    if message.pk == first_id:
        raise ValidationFailed(
            _("A request cannot be split from its first message: nothing would remain."),
            field="message",
        )


def may_split_from(user: User, ticket: Ticket, message: Message, first_id: int | None) -> bool:
    """Whether the page offers splitting from ``message``: the checks the service runs."""
    try:
        ensure_can_split_from(user, ticket, message, first_id)
    except DomainError:
        return False
    return True


def message_edit_refusal(user: User, message: Message) -> str | None:
    """Why ``user`` may not edit ``message``, or None when they may. Staff correct their own
    words (supervisors and admins anyone's on staff); the client's words and system lines are
    never rewritten."""
    if not roles.is_staff_viewer(user):
        return _("Only support staff can do this.")
    if message.author_kind == Message.AuthorKind.SYSTEM:
        return _("System messages cannot be edited.")
    if message.author_kind == Message.AuthorKind.CLIENT:
        return _("The client's own words cannot be edited.")
    if message.author_id != user.pk and not user.is_overseer:
        return _("Only the author of this message or a supervisor can edit it.")
    return None


def ensure_can_edit_message(user: User, message: Message) -> None:
    refusal = message_edit_refusal(user, message)
    if refusal is not None:
        raise Forbidden(refusal)


def may_edit_message(user: User, ticket: Ticket, message: Message) -> bool:
    """Whether the page offers editing ``message``: the same checks the service runs."""
    return (Action.EDIT in states.allowed_actions(ticket.state)
            and message_edit_refusal(user, message) is None)


# --- What the pages offer. Drawn from the same checks the services run. ---------------------

def offered_actions(user: User, ticket: Ticket) -> frozenset[Action]:
    """The actions ``user`` can take on ``ticket`` now; the templates draw buttons from this."""
    possible = states.allowed_actions(ticket.state)
    offered: set[Action] = set()
    if is_client_of(user, ticket):
        if ticket.merged_into_id is not None:
            return frozenset()  # the conversation goes on in the ticket it was merged into
        offered |= possible & {Action.CLIENT_REPLY, Action.CLIENT_RESOLVE, Action.ARCHIVE}
        return frozenset(offered)
    if not roles.is_staff_viewer(user):
        return frozenset()
    offered.add(Action.COMMENT)
    if ticket.holder_id is None and Action.TAKE in possible:
        offered.add(Action.TAKE)
    if Action.TRANSFER in possible:
        offered.add(Action.TRANSFER)
    if user.is_overseer or ticket.holder_id in (None, user.pk):
        offered |= possible & {Action.SPLIT, Action.MERGE}
    if ticket.holder_id == user.pk:
        offered |= possible & {
            Action.SEND, Action.SEND_AND_CLOSE, Action.SAVE, Action.FREEZE, Action.RESUME,
            Action.RESOLVE, Action.ARCHIVE,
        }
    if user.is_overseer:
        if ticket.holder_id is not None and Action.UNLOCK in possible:
            offered.add(Action.UNLOCK)
        if Action.REASSIGN in possible:
            offered.add(Action.REASSIGN)
    return frozenset(offered)


def client_may_archive(ticket: Ticket) -> bool:
    return State(ticket.state) in states.CLOSED


# --- Service levels -------------------------------------------------------------------------

def may_read_service_levels(user: User) -> bool:
    """Calendars and policies explain the deadlines staff see: any active staff member."""
    return roles.is_staff_viewer(user)


def ensure_can_configure_service_levels(user: User) -> None:
    """Calendars and SLA policies are configuration: active administrators only."""
    if not roles.is_admin(user):
        raise Forbidden(_("Only an administrator can configure service levels."))

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zapros.accounts import roles
from zapros.accounts.models import Department, User
from zapros.clients.models import Client, Service
from zapros.core import clock
from zapros.core.errors import Forbidden, ValidationFailed
from zapros.core.sql import rows
from zapros.core.validation import clean_choice, clean_id

from .. import attachments, deadlines, policies, search, writes
from ..models import (
    Event,
    Message,
    Priority,
    Ticket,
    TicketType,
    Topic,
)
from ..numbering import insert_numbered
from ..validation import SUBJECT_MAX, clean_body, clean_subject


def staff_title(subject: str, topic: Topic | None, service: Service | None) -> str:
    """The staff-only title a new ticket starts with.

    A topic about a service names both ("Camera fault MOS_12_23, 10 Lermontova st."); a
    service alone follows the client's words ("Site is down · Hosting Pro"), since a service
    name says nothing of the problem; anything else is the subject itself.
    """
    if topic is not None and service is not None:
        title = f"{topic.name} {service.name}"
    elif service is not None:
        title = f"{subject} · {service.name}"
    else:
        title = subject
    return title[:SUBJECT_MAX].strip()


# Translated only when shown: most tickets are opened without a mistake.
DESCRIBE = gettext_lazy("Describe your question.")
CHOOSE_TYPE = gettext_lazy("Choose a type of request.")
CHOOSE_PRIORITY = gettext_lazy("Choose a priority.")


def open_ticket(
    actor: User,
    *,
    department_id: int | None = None,
    subject: str,
    body: str,
    type: str = TicketType.QUESTION,
    service_id: int | None = None,
    topic_id: int | None = None,
    files=(),
    client_id: int | None = None,
    priority: int = Priority.NORMAL,
    channel: str = Message.Channel.WEB,
    address: str = "",
) -> Ticket:
    """Open a ticket with its first message.

    A client opens tickets for themselves, in departments of the support center, with one of
    the client ticket types. Staff may open one for a client (``client_id``) in any department.
    ``service_id`` must be one of the client's services. ``topic_id`` must be an active topic;
    a topic with a default department routes the ticket there whatever department was chosen
    (the administrator decided where such requests go; ``department_id`` may then be omitted),
    and its response deadline replaces the department's. The staff title comes from
    :func:`staff_title`. Writes the ticket, its first public
    message, its attachments and a ``created`` event in one transaction; refused input raises
    ValidationFailed (naming the field) and leaves nothing behind.

    A client's openings are counted per client and per client ``address`` (the interface's
    :func:`zapros.core.addresses.client_address`) once the input is accepted; one too many
    raises RateLimited and writes nothing (:func:`policies.count_opening`).
    """
    opening = policies.opening_for(actor, client_id)
    subject = clean_subject(subject)
    body = clean_body(body, message=DESCRIBE)
    client, chosen = client_and_department(
        opening.client_id, clean_id(department_id),
        support_center_only=opening.support_center_only,
    )
    if client is None:
        if roles.is_client(actor):
            raise Forbidden(_("Your account has no client profile."))
        raise ValidationFailed(_("Choose a client."), field="client")
    type = clean_choice(type, opening.types, field="type", message=CHOOSE_TYPE)
    priority = clean_choice(priority, Priority, field="priority", message=CHOOSE_PRIORITY)
    topic = None
    if topic_id:
        topic = Topic.objects.select_related("department").filter(
            pk=clean_id(topic_id), active=True
        ).first()
        if topic is None:
            raise ValidationFailed(_("Choose a topic."), field="topic")
    department = chosen
    if topic is not None and topic.department is not None:
        department = topic.department
    if department is None:
        raise ValidationFailed(_("Choose a department."), field="department")
    policies.ensure_may_choose_priority(actor, department, priority)
    service = None
    if service_id:
        service = Service.objects.filter(pk=clean_id(service_id), client=client).first()
        if service is None:
            raise ValidationFailed(_("Choose one of your services."), field="service")
    uploads = attachments.prepare_uploads(files)
    policies.count_opening(actor, address)

    now = clock.now()
    ticket = Ticket(
        client=client, department=department, subject=subject,
        title=staff_title(subject, topic, service), type=type, topic=topic, service=service,
        priority=priority, created_at=now, updated_at=now,
    )
    # Staff opening a ticket on a client's behalf write down the client's words: the first
    # message is the client's, the event says who recorded it.
    return insert_ticket(ticket, actor, body=body, channel=channel, uploads=uploads)


def client_and_department(client_id: int | None, department_id: int | None, *,
                          support_center_only: bool) -> tuple[Client | None, Department | None]:
    """The client (with their user) and the department with ``department_id`` (only one of
    the support center if ``support_center_only``), in one query: None for a client that does
    not exist, and for a department that does not exist or may not be chosen."""
    found = _CLIENT_AND_DEPARTMENT.first([department_id, not support_center_only, client_id])
    if found is None:
        return None, None
    client, user, department = found
    client.user = user
    return client, department


# Asked every time a ticket is opened: one round trip, the statement built once per process.
_CLIENT_AND_DEPARTMENT = rows.Select(
    [(Client, "c"), (User, "u"), (Department, "d")],
    "SELECT {columns} FROM {Client} c JOIN {User} u ON u.id = c.user_id "
    "LEFT JOIN {Department} d ON d.id = %s AND (%s OR d.in_support_center) "
    "WHERE c.user_id = %s",
)


def insert_ticket(ticket: Ticket, actor: User, *, body: str, channel: str, uploads=(),
                  email_message_id: str = "", html: str | None = None, notes=(),
                  asked_at: datetime | None = None) -> Ticket:
    """Write a ticket being opened (unsaved, its fields checked, ``created_at`` set) with its
    first message, the client's, and its files; ``notes`` as internal system lines; its search
    document and a ``created`` event naming ``actor``, all in one transaction.

    The ticket has its conversation flags before it is inserted and takes its number in the
    statement that writes it, and the search document is built from the texts in hand, so
    nothing is written twice or read back. On PostgreSQL the transaction holds two statements:
    the ticket with its number, then the messages, the event and the search document.
    """
    at = ticket.created_at
    with attachments.files_written() as written, transaction.atomic():
        writes.follow_conversation(
            ticket, author_kind=Message.AuthorKind.CLIENT,
            visibility=Message.Visibility.PUBLIC, at=at,
        )
        writes.refresh_flags(ticket)
        if asked_at is not None:
            ticket.waiting_since = asked_at  # the SLA counts from the question, not the filing
        ticket.channel = channel
        clocks = deadlines.plan(ticket, at=at)
        insert_numbered(ticket)
        messages = [writes.new_message(
            ticket, author=ticket.client.user, author_kind=Message.AuthorKind.CLIENT,
            body=body, at=at, channel=channel, email_message_id=email_message_id, html=html,
        )]
        messages += [
            writes.new_message(
                ticket, author=None, author_kind=Message.AuthorKind.SYSTEM, body=str(note),
                at=at, visibility=Message.Visibility.INTERNAL, channel=channel,
            )
            for note in notes
        ]
        rows.insert(
            *messages, writes.new_event(ticket, actor, Event.Kind.CREATED, at, channel=channel),
            *clocks.rows(ticket, at),
            also=search.new_ticket_statements(ticket, messages),
        )
        clocks.write_events(ticket, at)
        if uploads:
            attachments.store_uploads(messages[0], list(uploads), written)
    return ticket

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import Department, User
from zapros.clients.models import Client, Service
from zapros.core import clock
from zapros.core.errors import Forbidden, ValidationFailed

from .. import search
from ..models import CLIENT_TICKET_TYPES, Message, Priority, Ticket, TicketType, Topic
from . import attachments, records
from .numbering import next_ticket_number
from .validation import SUBJECT_MAX, clean_body, clean_choice, clean_id, clean_subject


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
    """
    if not (actor.is_authenticated and actor.is_active):
        raise Forbidden()
    subject = clean_subject(subject)
    body = clean_body(body, message=_("Describe your question."))
    if actor.is_client:
        client = Client.objects.select_related("user").filter(pk=actor.pk).first()
        if client is None:
            raise Forbidden(_("Your account has no client profile."))
        types = CLIENT_TICKET_TYPES
    elif actor.is_staff_member:
        client = Client.objects.select_related("user").filter(pk=clean_id(client_id)).first()
        if client is None:
            raise ValidationFailed(_("Choose a client."), field="client")
        types = TicketType
    else:
        raise Forbidden()
    type = clean_choice(type, types, field="type", message=_("Choose a type of request."))
    priority = clean_choice(
        priority, Priority, field="priority", message=_("Choose a priority.")
    )
    topic = None
    if topic_id:
        topic = Topic.objects.select_related("department").filter(
            pk=clean_id(topic_id), active=True
        ).first()
        if topic is None:
            raise ValidationFailed(_("Choose a topic."), field="topic")
    departments = Department.objects.all()
    if actor.is_client:
        departments = departments.filter(in_support_center=True)
    if topic is not None and topic.department is not None:
        department = topic.department
    else:
        department = departments.filter(pk=clean_id(department_id)).first()
    if department is None:
        raise ValidationFailed(_("Choose a department."), field="department")
    service = None
    if service_id:
        service = Service.objects.filter(pk=clean_id(service_id), client=client).first()
        if service is None:
            raise ValidationFailed(_("Choose one of your services."), field="service")
    uploads = attachments.prepare_uploads(files)

    now = clock.now()
    with attachments.files_written() as written, transaction.atomic():
        ticket = Ticket(
            number=next_ticket_number(), client=client, department=department,
            subject=subject, title=staff_title(subject, topic, service), type=type,
            topic=topic, service=service, priority=priority, created_at=now, updated_at=now,
        )
        ticket.save()
        # Staff opening a ticket on a client's behalf write down the client's words: the
        # first message is the client's, the event says who recorded it.
        records.post_message(
            ticket, author=client.user, author_kind=Message.AuthorKind.CLIENT,
            body=body, at=now, channel=channel, uploads=uploads, written=written,
        )
        records.save(ticket)
        search.index_ticket(ticket.pk)
        records.record_event(ticket, actor, "created", now, channel=channel)
    return ticket

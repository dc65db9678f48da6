"""Turning tickets and messages into API answers, in the shape the caller may see.

The choice of shape is the same rule the conversation uses (``roles.is_staff_viewer``):
staff get the staff schemas, everybody else the client schemas, field by field.
"""

from django.urls import reverse

from zapros.accounts import roles
from zapros.accounts.models import User
from zapros.tickets import policies, selectors
from zapros.tickets.models import Attachment, Message, Share, Ticket

from . import schemas


def ticket_item(user: User, ticket: Ticket):
    if roles.is_staff_viewer(user):
        return schemas.StaffTicketItem(**_staff_fields(ticket))
    return schemas.ClientTicketItem(**_client_fields(ticket))


def ticket_detail(user: User, ticket: Ticket):
    """The request with its conversation as ``user`` may see it (a fixed number of queries)."""
    conversation = _conversation(user, ticket)
    actions = sorted(str(action) for action in policies.offered_actions(user, ticket))
    if roles.is_staff_viewer(user):
        client = ticket.client
        fields = _staff_fields(ticket)
        fields["client"] = schemas.ClientOut(
            id=client.pk, email=client.email, name=client.name, company=client.company,
            internal_comment=client.internal_comment,
        )
        return schemas.StaffTicketOut(
            **fields,
            topic=_ref(schemas.TopicOut, ticket.topic),
            client_status=str(ticket.client_status),
            hold_reason=ticket.hold_reason,
            resume_on=ticket.resume_on,
            shares=_shares(ticket),
            actions=actions,
            split_from=ticket.split_from.number if ticket.split_from_id else None,
            merged_into=ticket.merged_into.number if ticket.merged_into_id else None,
            late=ticket.late,
            clocks=[_clock(c) for c in selectors.ticket_clocks(user, ticket)],
            messages=[_staff_message(m) for m in conversation],
        )
    return schemas.ClientTicketOut(
        **_client_fields(ticket), actions=actions,
        merged_into=ticket.merged_into.number if ticket.merged_into_id else None,
        messages=[_client_message(m) for m in conversation],
    )


def search_result(user: User, result) -> schemas.SearchOut:
    """A ``tickets.search.SearchResult`` in the caller's shape: clients get client hits only,
    which have no field for internal text."""
    if roles.is_staff_viewer(user):
        items = [
            schemas.StaffSearchHit(
                ticket=schemas.StaffTicketItem(**_staff_fields(hit.ticket)),
                subject_html=hit.subject, snippet_html=hit.snippet,
                internal_snippet_html=hit.internal_snippet, rank=hit.rank,
            ) for hit in result.hits
        ]
        clients = [schemas.ClientRefOut(id=c.pk, email=c.email, name=c.name)
                   for c in result.clients]
    else:
        items = [
            schemas.ClientSearchHit(
                ticket=schemas.ClientTicketItem(**_client_fields(hit.ticket)),
                subject_html=hit.subject, snippet_html=hit.snippet,
            ) for hit in result.hits
        ]
        clients = []
    return schemas.SearchOut(kind=result.kind, items=items, clients=clients, more=result.more)


def messages(user: User, ticket: Ticket) -> list:
    shape = _staff_message if roles.is_staff_viewer(user) else _client_message
    return [shape(m) for m in _conversation(user, ticket)]


def _conversation(user: User, ticket: Ticket) -> list[Message]:
    return [
        entry.message for entry in selectors.ticket_timeline(user, ticket)
        if entry.message is not None
    ]


def message_out(user: User, message: Message):
    if roles.is_staff_viewer(user):
        return _staff_message(message)
    return _client_message(message)


def rating_out(rating) -> schemas.RatingOut:
    return schemas.RatingOut(
        message=rating.message_id, value=rating.value, comment=rating.comment
    )


def _client_fields(ticket: Ticket) -> dict:
    status = ticket.client_status
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "department": _ref(schemas.DepartmentOut, ticket.department),
        "type": ticket.type,
        "service": service_out(ticket.service),
        "client_status": str(status),
        "client_status_label": str(status.label),
        "unread": ticket.client_unread,
        "created": ticket.created_at,
        "updated": ticket.client_activity_at,
    }


def _staff_fields(ticket: Ticket) -> dict:
    status = ticket.staff_status
    client = ticket.client
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "title": ticket.title,
        "department": _ref(schemas.DepartmentOut, ticket.department),
        "type": ticket.type,
        "priority": ticket.priority,
        "service": service_out(ticket.service),
        "state": ticket.state,
        "state_label": str(ticket.state_label),
        "staff_status": str(status),
        "staff_status_label": str(status.label),
        "client": schemas.ClientRefOut(id=client.pk, email=client.email, name=client.name),
        "holder": _person(ticket.holder),
        "assignee": _person(ticket.assignee),
        "needs_reply": ticket.needs_reply,
        "overdue": ticket.is_overdue,
        "reply_due_at": ticket.reply_due_at,
        "days_in_work": ticket.days_in_work,
        "created": ticket.created_at,
        "updated": ticket.updated_at,
    }


def _minutes(length) -> float | None:
    return None if length is None else round(length.total_seconds() / 60, 2)


def _clock(clock) -> schemas.ClockOut:
    calendar = clock.calendar if clock.calendar_id and not clock.calendar.always_open else None
    return schemas.ClockOut(
        metric=clock.metric, state=clock.state, policy=clock.policy_name,
        target_minutes=_minutes(clock.target), calendar=calendar.name if calendar else None,
        started=clock.started_at, due=clock.due_at, breached=clock.breached_at,
        ended=clock.ended_at, paused_minutes=_minutes(clock.paused),
        took_minutes=_minutes(clock.took),
    )


def _client_message(message: Message) -> schemas.ClientMessageOut:
    return schemas.ClientMessageOut(
        id=message.pk,
        author_kind=message.author_kind,
        author=message.author.display_name if message.author else None,
        body=message.body,
        created=message.created_at,
        attachments=[_attachment(a) for a in message.files],
        rating=_rating_of(message),
    )


def _staff_message(message: Message) -> schemas.StaffMessageOut:
    return schemas.StaffMessageOut(
        id=message.pk,
        visibility=message.visibility,
        author_kind=message.author_kind,
        author_id=message.author_id,
        author=message.author.display_name if message.author else None,
        channel=message.channel,
        body=message.body,
        created=message.created_at,
        attachments=[_attachment(a) for a in message.files],
        rating=_rating_of(message),
        edited=message.edited_at,
    )


def revision_out(revision) -> schemas.RevisionOut:
    return schemas.RevisionOut(body=revision.body, edited_by=_person(revision.edited_by),
                               edited_at=revision.edited_at)


def _rating_of(message: Message):
    if not (message.from_staff and message.is_public):
        return None
    found = getattr(message, "rating", None)  # a missing reverse one-to-one raises AttributeError
    return rating_out(found) if found is not None else None


def _attachment(attachment: Attachment) -> schemas.AttachmentOut:
    return schemas.AttachmentOut(
        id=attachment.pk,
        name=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
        url=reverse("api-v1:attachment", args=[attachment.pk]),
    )


def service_out(service):
    if service is None:
        return None
    return schemas.ServiceOut(
        id=service.pk, name=service.name, kind=service.kind, domain=service.domain,
        status=service.status,
    )


def _shares(ticket: Ticket) -> list:
    shares = Share.objects.filter(ticket=ticket).select_related("department", "agent")
    return [
        schemas.ShareOut(department=_ref(schemas.DepartmentOut, share.department),
                         agent=_person(share.agent))
        for share in shares.order_by("id")
    ]


def _person(user):
    return schemas.PersonOut(id=user.pk, name=user.display_name) if user else None


def _ref(schema, obj):
    return schema(id=obj.pk, name=obj.name) if obj is not None else None

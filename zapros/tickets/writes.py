"""What every operation writes: messages, events and the ticket's derived flags."""

from datetime import datetime

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.sql import rows

from . import attachments, rendering, states
from .models import Event, Message, Ticket


def record_event(ticket: Ticket, actor: User | None, kind: str, at: datetime, **data) -> Event:
    event = new_event(ticket, actor, kind, at, **data)
    rows.insert(event)
    return event


def new_event(ticket: Ticket, actor: User | None, kind: str, at: datetime, **data) -> Event:
    """An event not written yet (see :func:`rows.insert`)."""
    return Event(ticket=ticket, actor=actor, kind=kind, data=data, created_at=at)


def post_message(
    ticket: Ticket,
    *,
    author: User | None,
    author_kind: str,
    body: str,
    at: datetime,
    visibility: str = Message.Visibility.PUBLIC,
    channel: str = Message.Channel.WEB,
    uploads: list[attachments.PreparedUpload] = (),
    written: list | None = None,
    email_message_id: str = "",
    html: str | None = None,
) -> Message:
    """Add a message and keep the conversation flags of ``ticket`` in step (not saved here)."""
    message = new_message(
        ticket, author=author, author_kind=author_kind, body=body, at=at,
        visibility=visibility, channel=channel, email_message_id=email_message_id, html=html,
    )
    rows.insert(message)
    if uploads:
        attachments.store_uploads(message, list(uploads), written if written is not None else [])
    follow_conversation(ticket, author_kind=author_kind, visibility=visibility, at=at)
    return message


def new_message(
    ticket: Ticket,
    *,
    author: User | None,
    author_kind: str,
    body: str,
    at: datetime,
    visibility: str = Message.Visibility.PUBLIC,
    channel: str = Message.Channel.WEB,
    email_message_id: str = "",
    html: str | None = None,
) -> Message:
    """A message not written yet (see :func:`rows.insert`)."""
    return Message(
        ticket=ticket, author=author, author_kind=author_kind, visibility=visibility,
        body=body, channel=channel, created_at=at, email_message_id=email_message_id,
        body_html=html or None,
        rendered=rendering.render(body, channel=channel, html=html),
    )


def follow_conversation(ticket: Ticket, *, author_kind: str, visibility: str,
                        at: datetime) -> None:
    """Keep the conversation flags of ``ticket`` in step with a message written at ``at``
    (not saved). A ticket being opened gets its flags before it is inserted, so that it is
    written once."""
    if visibility == Message.Visibility.PUBLIC:
        if author_kind == Message.AuthorKind.CLIENT:
            if not ticket.needs_reply or ticket.reply_due_at is None:
                ticket.reply_due_at = at + response_deadline(ticket)
            ticket.last_public_from_client = True
        elif author_kind == Message.AuthorKind.STAFF:
            ticket.last_public_from_client = False
            ticket.last_staff_public_at = at
        ticket.client_activity_at = at
    ticket.updated_at = at


def response_deadline(ticket: Ticket):
    if ticket.topic_id and ticket.topic.response_deadline:
        return ticket.topic.response_deadline
    return ticket.department.response_deadline


def refresh_flags(ticket: Ticket) -> None:
    """Recompute needs-reply (and with it the reply deadline) from the state and the last word."""
    ticket.needs_reply = states.needs_reply(ticket.state, ticket.last_public_from_client)
    if not ticket.needs_reply:
        ticket.reply_due_at = None


def move(ticket: Ticket, action: str, *, held: bool | None = None) -> tuple[str, str]:
    """Apply the state machine to ``ticket`` (not saved). Returns (old state, new state)."""
    old = ticket.state
    ticket.state = states.next_state(
        old, action, held=ticket.holder_id is not None if held is None else held
    )
    if states.client_status(old, False) != states.client_status(ticket.state, False):
        ticket.client_activity_at = clock.now()
    if ticket.state != states.State.ON_HOLD:
        # The hold's reason and resume date end with the hold, whatever ended it.
        ticket.hold_reason, ticket.resume_on, ticket.resume_at = "", None, None
    refresh_flags(ticket)
    return old, ticket.state


def save(ticket: Ticket) -> None:
    refresh_flags(ticket)
    ticket.save()


def rederive_conversation(ticket: Ticket) -> None:
    """Recompute the conversation flags of ``ticket`` from the messages it holds now (not saved).

    For operations that move messages between tickets (split, merge), where the flags cannot
    be kept in step one message at a time as :func:`post_message` does. The reply deadline
    runs from the first client message after the last staff answer, as it would have. Needs
    reply follows from the state too: :func:`save` derives it once the state is settled.
    """
    public = Message.objects.filter(ticket=ticket, visibility=Message.Visibility.PUBLIC,
                                    author_kind__in=[Message.AuthorKind.CLIENT,
                                                     Message.AuthorKind.STAFF])
    last = public.order_by("-created_at", "-id").values_list("author_kind", flat=True).first()
    ticket.last_public_from_client = last != Message.AuthorKind.STAFF
    ticket.last_staff_public_at = (
        public.filter(author_kind=Message.AuthorKind.STAFF)
        .order_by("-created_at", "-id").values_list("created_at", flat=True).first()
    )
    ticket.reply_due_at = None
    if last == Message.AuthorKind.CLIENT:
        waiting = public.filter(author_kind=Message.AuthorKind.CLIENT)
        if ticket.last_staff_public_at is not None:
            waiting = waiting.filter(created_at__gt=ticket.last_staff_public_at)
        first = waiting.order_by("created_at", "id").values_list("created_at", flat=True).first()
        if first is not None:
            ticket.reply_due_at = first + response_deadline(ticket)

"""What every operation writes: messages, events and the ticket's derived flags."""

from datetime import datetime

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.sql import rows

from . import attachments, conversation, deadlines, rendering, states
from .models import Event, Message, Ticket


def record_event(ticket: Ticket, actor: User, kind: str, at: datetime, **data) -> Event:
    event = new_event(ticket, actor, kind, at, **data)
    rows.insert(event)
    return event


def new_event(ticket: Ticket, actor: User, kind: str, at: datetime, **data) -> Event:
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
    put_flags(ticket, conversation.after_message(
        flags_of(ticket), author_kind=author_kind, visibility=visibility, at=at,
    ))
    ticket.updated_at = at


def flags_of(ticket: Ticket) -> conversation.Flags:
    return conversation.Flags(
        ticket.last_public_from_client, ticket.needs_reply, ticket.waiting_since,
        ticket.last_staff_public_at, ticket.client_activity_at,
    )


def put_flags(ticket: Ticket, flags: conversation.Flags) -> None:
    ticket.last_public_from_client = flags.last_public_from_client
    ticket.needs_reply = flags.needs_reply
    ticket.waiting_since = flags.waiting_since
    ticket.last_staff_public_at = flags.last_staff_public_at
    ticket.client_activity_at = flags.client_activity_at


def refresh_flags(ticket: Ticket) -> None:
    """Recompute needs-reply from the state and the last word."""
    put_flags(ticket, conversation.settle(flags_of(ticket), ticket.state))


def move(ticket: Ticket, action: str, *, held: bool | None = None) -> tuple[str, str]:
    """Apply the state machine to ``ticket`` (not saved). Returns (old state, new state)."""
    old = ticket.state
    ticket.state = (ticket.state_after(action) if held is None
                    else states.next_state(old, action, held=held))
    if ticket.state != states.State.ON_HOLD:
        # The hold's reason and resume date end with the hold, whatever ended it.
        ticket.hold_reason, ticket.resume_on, ticket.resume_at = "", None, None
    put_flags(ticket, conversation.after_move(flags_of(ticket), old, ticket.state, clock.now()))
    return old, ticket.state


def save(ticket: Ticket) -> None:
    """Save ``ticket`` after an operation changed it: its flags settled, its SLA clocks in
    step (:mod:`.deadlines`)."""
    refresh_flags(ticket)
    deadlines.follow(ticket)
    ticket.save()


def rederive_conversation(ticket: Ticket) -> None:
    """Recompute the conversation flags of ``ticket`` from the messages it holds now (not saved).

    For operations that move messages between tickets (split, merge), where the flags cannot
    be kept in step one message at a time as :func:`post_message` does. Needs reply follows
    from the state too: :func:`save` derives it once the state is settled.
    """
    said = Message.objects.filter(
        ticket=ticket, visibility=Message.Visibility.PUBLIC,
        author_kind__in=[Message.AuthorKind.CLIENT, Message.AuthorKind.STAFF],
    ).order_by("created_at", "id").values_list("author_kind", "visibility", "created_at")
    put_flags(ticket, conversation.rederived(
        flags_of(ticket), map(conversation.Said._make, said),
    ))

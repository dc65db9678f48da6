"""Mail that becomes part of a request: a client's mail opens a ticket or answers one.

The mail gateway decides the department (a client writing to the billing address opens a
billing request, whether or not clients may pick that department in the portal). Staff sorting
the Incoming inbox use the same operations on the client's behalf: the message is the client's,
the event names the agent.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts import roles
from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import Forbidden, ValidationFailed
from zapros.core.html import sanitise
from zapros.core.validation import clean_id

from .. import attachments, notifications, policies, search, writes
from ..models import Event, Message, Ticket
from ..states import Action
from ..validation import BODY_MAX, SUBJECT_MAX
from .creation import client_and_department, insert_ticket

EMAIL = Message.Channel.EMAIL


def open_ticket_from_email(
    actor: User,
    *,
    client_id: int,
    department_id: int,
    subject: str,
    body: str,
    files=(),
    email_message_id: str = "",
    notes=(),
    html: str = "",
) -> Ticket:
    """Open a ticket from a mail in the department its gateway routes to.

    ``actor`` is the client who wrote (the mail importer acts as them), or a staff member
    filing an Incoming mail for the client. Subject and body are the mail's, shortened to what
    a ticket holds; an empty subject becomes "(no subject)". ``notes`` become internal system
    lines (files that were left out). Writes the ticket, the client's public message with
    ``email_message_id`` and its files, the notes and a ``created`` event in one transaction.
    """
    if not (actor.is_authenticated and actor.is_active):
        raise Forbidden()
    if actor.is_client and clean_id(client_id) != actor.pk:
        raise Forbidden()
    if not (actor.is_client or actor.is_staff_member):
        raise Forbidden()
    client, department = client_and_department(
        clean_id(client_id), clean_id(department_id), support_center_only=False
    )
    if client is None or not client.user.is_active:
        raise ValidationFailed(_("Choose a client."), field="client")
    if department is None:
        raise ValidationFailed(_("Choose a department."), field="department")
    subject = _subject(subject)
    body = _body(body)
    uploads = attachments.prepare_uploads(files)
    now = clock.now()
    ticket = Ticket(
        client=client, department=department, subject=subject, title=subject,
        created_at=now, updated_at=now,
    )
    return insert_ticket(
        ticket, actor, body=body, channel=EMAIL, uploads=uploads,
        email_message_id=email_message_id[:255], html=_html(html), notes=notes,
    )


def reply_from_email(
    actor: User,
    number: int,
    *,
    body: str,
    files=(),
    email_message_id: str = "",
    notes=(),
    html: str = "",
) -> Message:
    """A mail answers a ticket: the client's own (the importer acts as them) or, from the
    Incoming inbox, one the staff member ``actor`` sees, written down as the client's message.

    Like a portal reply it reopens an answered, resolved or archived ticket; a mail to a
    ticket merged into another goes to that other ticket. Writes the
    message with ``email_message_id`` and its files, the notes and a ``client_replied`` or
    ``reopened`` event in one transaction. Raises NotFound for a ticket ``actor`` cannot see.
    """
    body = _body(body)
    uploads = attachments.prepare_uploads(files)
    with attachments.files_written() as written, transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        if ticket.merged_into_id:
            # A mail answering a merged request belongs to the request it was merged into
            # (merging re-points older merges, so there is one hop at most).
            ticket = policies.access_ticket(actor, ticket.merged_into.number, for_update=True)
        if not roles.is_staff_viewer(actor):
            policies.ensure_client_owner(actor, ticket)
        client_user = User.objects.get(pk=ticket.client_id)
        now = clock.now()
        old, new = writes.move(ticket, Action.CLIENT_REPLY)
        message = writes.post_message(
            ticket, author=client_user, author_kind=Message.AuthorKind.CLIENT, body=body,
            at=now, channel=EMAIL, uploads=uploads, written=written,
            email_message_id=email_message_id[:255], html=_html(html),
        )
        _notes(ticket, notes, now)
        notifications.message_posted(message, actor)
        writes.save(ticket)
        search.index_ticket(ticket.pk)
        writes.record_event(
            ticket, actor, Event.Kind.REOPENED if old != new else Event.Kind.CLIENT_REPLIED,
            now, message=message.pk, channel=EMAIL, **{"from": old, "to": new},
        )
    return message


def _subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "…"
    return subject or _("(no subject)")


def _body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > BODY_MAX:
        body = body[: BODY_MAX - 1] + "…"
    # A mail with files and no words still says something in the conversation.
    return body or _("(no text)")


def _notes(ticket: Ticket, notes, at) -> None:
    for note in notes:
        writes.post_message(
            ticket, author=None, author_kind=Message.AuthorKind.SYSTEM, body=str(note), at=at,
            visibility=Message.Visibility.INTERNAL, channel=EMAIL,
        )


def _html(html: str) -> str | None:
    """The mail's HTML for the "formatted" view: sanitised again here, whoever calls, and
    without images (no remote ones; the mail's own are among the message's files)."""
    html = sanitise(html or "").strip()
    # A page-long mail fits many times over; anything bigger shows as text only.
    return html if html and len(html) <= BODY_MAX * 4 else None

"""Writing into a ticket: one operation per intent, whichever channel it comes through.

The staff page, the API and mail all call these. :func:`write` is the door for callers that
do not know who is writing (the API): it chooses the client's or the staff operation by the
writer's role, so no interface decides that for itself.
"""

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zapros.accounts import roles
from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import Forbidden, ValidationFailed
from zapros.core.html import sanitise

from .. import attachments, notifications, policies, search, writes
from ..models import Event, Message, Ticket
from ..states import Action
from ..validation import BODY_MAX, clean_body
from .lifecycle import change_parameters

WEB = Message.Channel.WEB
EMAIL = Message.Channel.EMAIL

WRITE_REPLY = gettext_lazy("Write a reply before sending.")
WRITE_COMMENT = gettext_lazy("Write the comment first.")


def reply(
    actor: User,
    number: int,
    *,
    body: str = "",
    note: str = "",
    close: bool = False,
    parameters: Mapping | None = None,
    files=(),
    channel: str = WEB,
) -> Message:
    """Staff write into a ticket: the reply form's *Send and close* (``close``, state
    ``answered``) and *Send* (chat mode: the ticket stays held and open), from any channel.

    ``body`` is the public answer to the client, ``note`` an internal comment written with it,
    ``parameters`` the ticket's parameters changed in the same form (subject, title, service,
    topic, type, priority: see :func:`lifecycle.save_parameters`). Everything is written in one
    transaction or nothing is. An answer, closing and parameters are the holder's; a note alone
    (no answer, not closing) is an internal comment, which anyone on staff who sees the ticket
    may leave, and then carries the files.

    Writes the messages (the files go with the answer), the parameters' ``parameters`` event,
    the new state and a ``replied``/``closed`` event, or a ``commented`` event for a note
    alone. Returns the answer, or the comment when there is no answer. Raises ValidationFailed
    (``body`` empty when an answer is needed, ``note``, a parameter's field), Conflict (someone
    else holds the ticket, or nobody does), InvalidTransition, NotFound. The answer is mailed
    to the client and the copy addresses after the commit, comments to staff followers only.
    """
    body = (body or "").replace("\r\n", "\n").strip()
    note = (note or "").replace("\r\n", "\n").strip()
    if body or close or not note:
        body = clean_body(body, message=WRITE_REPLY)
    if note:
        note = clean_body(note, field="note")
    return _post(actor, number, body=body, note=note, close=close, parameters=parameters,
                 files=files, channel=channel)


def comment(actor: User, number: int, *, body: str, files=(), channel: str = WEB) -> Message:
    """An internal comment: seen by staff only, never by the client. Any staff member who sees
    the ticket may leave one, held or not; the state does not change. The same operation as a
    :func:`reply` with only a note; here the text is the ``body`` of a comment form."""
    body = clean_body(body, message=WRITE_COMMENT)
    return _post(actor, number, body="", note=body, close=False, parameters=None, files=files,
                 channel=channel)


def _post(actor: User, number: int, *, body: str, note: str, close: bool,
          parameters: Mapping | None, files, channel: str) -> Message:
    uploads = attachments.prepare_uploads(files)
    with attachments.files_written() as written, transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        action = (Action.SEND_AND_CLOSE if close else Action.SEND) if body else Action.COMMENT
        if body:
            policies.ensure_can_act_on_held(actor, ticket, action)
        else:
            policies.ensure_can_comment(actor, ticket)
        now = clock.now()
        if parameters:
            change_parameters(actor, ticket, parameters, now)
        answer = internal = None
        if body:
            answer = writes.post_message(
                ticket, author=actor, author_kind=Message.AuthorKind.STAFF, body=body, at=now,
                channel=channel, uploads=uploads, written=written,
                email_message_id=notifications.new_message_id(ticket),
            )
            notifications.message_posted(answer, actor)
        if note:
            internal = writes.post_message(
                ticket, author=actor, author_kind=Message.AuthorKind.STAFF, body=note, at=now,
                visibility=Message.Visibility.INTERNAL, channel=channel,
                uploads=() if answer else uploads, written=written,
            )
            notifications.message_posted(internal, actor)
        if answer is None:
            writes.save(ticket)
            search.index_ticket(ticket.pk)
            writes.record_event(ticket, actor, Event.Kind.COMMENTED, now, message=internal.pk)
            return internal
        old, new = writes.move(ticket, action)
        if ticket.assignee_id is None:
            ticket.assignee = actor
        writes.save(ticket)
        search.index_ticket(ticket.pk)
        writes.record_event(
            ticket, actor, Event.Kind.CLOSED if close else Event.Kind.REPLIED, now,
            message=answer.pk, **{"from": old, "to": new},
        )
    return answer


def client_reply(
    actor: User,
    number: int,
    *,
    body: str,
    files=(),
    channel: str = WEB,
    email_message_id: str = "",
    html: str | None = None,
    notes=(),
) -> Message:
    """The client writes into their ticket, from the portal, the API or by mail.

    ``actor`` is the client, or a staff member filing a mail from the Incoming inbox on the
    client's behalf (the message is the client's, the event names the staff member). One
    answer whatever the channel: into an answered, resolved or archived ticket the message
    reopens it (``open`` if an agent still holds it, ``new`` otherwise); into a ticket merged
    into another it goes to that other ticket, where the conversation goes on (merging
    re-points older merges, so there is one hop at most). Check the returned message's ticket.

    A mail cannot be refused for its length or for having no words: its text is shortened to
    what a message holds, or says "(no text)"; elsewhere an empty or too long text is refused
    (ValidationFailed ``body``). ``html`` (mail only) is sanitised here, whoever calls;
    ``notes`` become internal system lines (files that were left out). Writes the message with
    its files, the notes and a ``client_replied`` or ``reopened`` event in one transaction;
    staff followers are mailed after the commit. Raises NotFound for a ticket ``actor`` cannot
    see, Forbidden for staff who cannot write for clients and for other clients.
    """
    body = mail_text(body) if channel == EMAIL else clean_body(body)
    html = mail_html(html) if channel == EMAIL else None
    uploads = attachments.prepare_uploads(files)
    with attachments.files_written() as written, transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        if ticket.merged_into_id:
            ticket = policies.access_ticket(actor, ticket.merged_into.number, for_update=True)
        policies.ensure_can_write_as_client(actor, ticket, channel)
        author = actor if policies.is_client_of(actor, ticket) else ticket.client.user
        now = clock.now()
        old, new = writes.move(ticket, Action.CLIENT_REPLY)
        message = writes.post_message(
            ticket, author=author, author_kind=Message.AuthorKind.CLIENT, body=body, at=now,
            channel=channel, uploads=uploads, written=written,
            email_message_id=email_message_id[:255], html=html,
        )
        system_notes(ticket, notes, now, channel=channel)
        notifications.message_posted(message, actor)
        writes.save(ticket)
        search.index_ticket(ticket.pk)
        data = {"channel": channel} if channel != WEB else {}
        writes.record_event(
            ticket, actor, Event.Kind.REOPENED if old != new else Event.Kind.CLIENT_REPLIED,
            now, message=message.pk, **data, **{"from": old, "to": new},
        )
    return message


def write(
    actor: User,
    number: int,
    *,
    body: str = "",
    internal: bool = False,
    note: str = "",
    close: bool = False,
    parameters: Mapping | None = None,
    files=(),
    channel: str = WEB,
) -> Message:
    """Whoever ``actor`` is, their message into ticket ``number``: a client's reply
    (:func:`client_reply`), or staff's answer with its note, closing and parameters
    (:func:`reply`), or with ``internal`` an internal comment (:func:`comment`; it cannot
    close the ticket, carry a second note or change parameters: ValidationFailed). Clients
    write public messages only: an internal one, a note, closing or parameters from a client
    are refused (Forbidden), with nothing written."""
    if roles.is_client(actor):
        if internal or note or close or parameters:
            raise Forbidden(_("Only support staff can do this."))
        return client_reply(actor, number, body=body, files=files, channel=channel)
    if internal:
        if note or close or parameters:
            raise ValidationFailed(
                _("An internal comment cannot close the request, carry a note or change its "
                  "parameters."),
                field="close" if close else "note" if note else "parameters",
            )
        return comment(actor, number, body=body, files=files, channel=channel)
    return reply(actor, number, body=body, note=note, close=close, parameters=parameters,
                 files=files, channel=channel)


def system_notes(ticket: Ticket, notes, at, *, channel: str) -> None:
    """Internal lines the system adds to a conversation (files left out of a mail)."""
    for line in notes:
        writes.post_message(
            ticket, author=None, author_kind=Message.AuthorKind.SYSTEM, body=str(line), at=at,
            visibility=Message.Visibility.INTERNAL, channel=channel,
        )


def mail_text(body: str) -> str:
    """A mail's text as a message holds it: never refused, shortened when too long."""
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > BODY_MAX:
        body = body[: BODY_MAX - 1] + "…"
    # A mail with files and no words still says something in the conversation.
    return body or _("(no text)")


def mail_html(html: str | None) -> str | None:
    """The mail's HTML for the "formatted" view: sanitised again here, whoever calls, and
    without images (no remote ones; the mail's own are among the message's files)."""
    html = sanitise(html or "").strip()
    # A page-long mail fits many times over; anything bigger shows as text only.
    return html if html and len(html) <= BODY_MAX * 4 else None

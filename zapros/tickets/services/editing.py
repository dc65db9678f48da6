"""Correcting a message: the text changes, the earlier text is kept as a revision."""

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import NotFound
from zapros.core.validation import clean_id

from .. import policies, rendering, search, states, writes
from ..models import Event, Message, MessageRevision
from ..states import Action
from ..validation import clean_body


def edit_message(actor: User, number: int, message_id: int, *, body: str) -> Message:
    """Replace the text of a staff message, keeping the earlier text as a MessageRevision.

    Its author may edit it, and supervisors and admins any staff message; the client's words
    and system messages are never rewritten, and an archived ticket is a closed record, so
    its messages stay as they are. Nothing is written when the text is unchanged. Locks the
    ticket row; writes the revision, the new text with ``edited_at`` and a ``message_edited``
    event (message id, revision id). Raises NotFound (invisible ticket, or no such message in
    it), Forbidden (not staff, not the author, client or system message), InvalidTransition
    (archived), ValidationFailed (empty or too long body; field ``body``).
    """
    policies.ensure_staff(actor)
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        message = policies.visible_messages(actor, ticket).filter(pk=clean_id(message_id)).first()
        if message is None:
            raise NotFound(_("There is no such message in this request."))
        policies.ensure_can_edit_message(actor, message)
        states.next_state(ticket.state, Action.EDIT)  # refuses an archived ticket
        body = clean_body(body, message=_("The message cannot be empty."))
        if body == message.body:
            return message
        now = clock.now()
        revision = MessageRevision.objects.create(
            message=message, body=message.body, edited_by=actor, edited_at=now
        )
        message.body = body
        message.edited_at = now
        message.rendered = rendering.render(body, channel=message.channel, html=message.body_html)
        message.save(update_fields=["body", "edited_at", "rendered"])
        ticket.updated_at = now
        ticket.save(update_fields=["updated_at"])
        search.index_ticket(ticket.pk)
        writes.record_event(ticket, actor, Event.Kind.MESSAGE_EDITED, now,
                             message=message.pk, revision=revision.pk)
    return message

"""Split and merge: moving a conversation, or part of it, between tickets of one client.

Messages move with their attachments and ratings (each has its own ``ticket`` key); nothing
is copied and nothing is deleted. Both tickets point at each other and get an event, and the
conversation flags (needs reply, deadline, last staff answer) are derived anew on both.
"""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import Conflict, NotFound, ValidationFailed
from zapros.core.validation import clean_id

from .. import policies, search, states, writes
from ..models import Attachment, Event, Message, Rating, Ticket
from ..numbering import next_ticket_number
from ..states import Action, State
from ..validation import clean_subject


def split(actor: User, number: int, *, message_id: int, subject: str | None = None) -> Ticket:
    """Move the public message ``message_id`` and every later message (internal comments
    included) into a new ticket of the same client, in the same department.

    The new ticket takes the subject given, or the old one; its type, priority, service and
    topic; it starts ``new`` with nobody holding it, so it goes to its department's queue.
    The first message cannot be chosen: nothing would remain. Locks the ticket row; writes the
    new ticket (next number), moves messages, attachments and ratings, and writes ``split``
    (old ticket) and ``split_from`` (new ticket) events. Raises NotFound (invisible),
    Forbidden (not staff), Conflict (held by someone else), InvalidTransition (archived),
    ValidationFailed (no such message, an internal one, the first one: field ``message``;
    a subject that is too long: field ``subject``).
    """
    policies.ensure_staff(actor)
    subject = clean_subject(subject) if (subject or "").strip() else None
    with transaction.atomic():
        source = policies.access_ticket(actor, number, for_update=True)
        messages = Message.objects.filter(ticket=source)
        chosen = messages.filter(pk=clean_id(message_id)).first()
        first_id = messages.order_by("created_at", "id").values_list("id", flat=True).first()
        # The page asks the same policy (may_split_from) before it offers the button.
        policies.ensure_can_split_from(actor, source, chosen, first_id)
        moving = messages.filter(
            Q(created_at__gt=chosen.created_at) | Q(created_at=chosen.created_at, id__gte=chosen.pk)
        )
        moved = moving.count()
        now = clock.now()
        subject = subject or source.subject
        new = Ticket.objects.create(
            number=next_ticket_number(), client_id=source.client_id,
            department_id=source.department_id, subject=subject, title=subject,
            type=source.type, topic_id=source.topic_id, service_id=source.service_id,
            priority=source.priority, state=State.NEW, split_from=source,
            created_at=now, updated_at=now, client_activity_at=now,
            # The client has read in the old ticket what they read there.
            client_seen_at=source.client_seen_at,
        )
        _move_conversation(moving, new)
        for ticket in (source, new):
            writes.rederive_conversation(ticket)
            ticket.updated_at = ticket.client_activity_at = now
            writes.save(ticket)
        search.index_tickets([source.pk, new.pk])
        writes.record_event(source, actor, Event.Kind.SPLIT, now, number=new.number,
                             message=chosen.pk, messages=moved)
        writes.record_event(new, actor, Event.Kind.SPLIT_FROM, now,
                             number=source.number,
                             message=chosen.pk, messages=moved)
    return new


def merge(actor: User, number: int, *, target: int) -> Ticket:
    """Merge a duplicate ticket into ``target``, another ticket of the same client.

    Every message of the source moves into the target (the conversation is ordered by time,
    so they fall into place), with attachments and ratings. The source keeps a pointer
    (``merged_into``) and is archived; tickets that were merged into the source earlier now
    point at the target. The target keeps its state, unless it was closed and the merged
    conversation ends with the client's words: then it reopens as a client message would.
    Both rows are locked, in the order of their numbers. Writes ``merged`` (source) and
    ``merged_in`` (target) events. Raises NotFound (invisible source), Forbidden (not staff),
    Conflict (either held by someone else; the target was itself merged), InvalidTransition
    (either archived), ValidationFailed (field ``target``: no such visible request, the
    request itself, another client's request).
    """
    policies.ensure_staff(actor)
    target_number = clean_id(target)
    if target_number is None:
        raise ValidationFailed(_("Enter the number of the request to merge into."),
                               field="target")
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise NotFound(_("There is no request with this number.")) from None
    if target_number == number:
        raise ValidationFailed(_("A request cannot be merged into itself."), field="target")
    with transaction.atomic():
        locked = {}
        for each in sorted((number, target_number)):
            try:
                locked[each] = policies.access_ticket(actor, each, for_update=True)
            except NotFound:
                if each == number:
                    raise
                raise ValidationFailed(
                    _("There is no request #%(number)s.") % {"number": target_number},
                    field="target",
                ) from None
        source, into = locked[number], locked[target_number]
        if into.merged_into_id is not None:
            raise Conflict(
                _("Request #%(number)s was itself merged into #%(final)s; merge into that one.")
                % {"number": into.number, "final": into.merged_into.number}
            )
        if into.client_id != source.client_id:
            raise ValidationFailed(
                _("Request #%(number)s belongs to another client; only requests of the same "
                  "client can be merged.") % {"number": into.number},
                field="target",
            )
        policies.ensure_can_rework(actor, source)
        policies.ensure_can_rework(actor, into)
        states.next_state(source.state, Action.MERGE)  # refuses an archived source
        states.next_state(into.state, Action.MERGE_IN)  # refuses an archived target
        moving = Message.objects.filter(ticket=source)
        moved = moving.count()
        now = clock.now()
        _move_conversation(moving, into)
        Ticket.objects.filter(merged_into=source).update(merged_into=into)

        source.merged_into = into
        old_source, new_source = writes.move(source, Action.MERGE)
        writes.rederive_conversation(source)
        source.updated_at = source.client_activity_at = now
        writes.save(source)

        writes.rederive_conversation(into)
        old_target = into.state
        into.state = states.after_merge_in(into.state, into.last_public_from_client,
                                           held=into.holder_id is not None)
        into.updated_at = into.client_activity_at = now
        writes.save(into)
        search.index_tickets([source.pk, into.pk])
        writes.record_event(source, actor, Event.Kind.MERGED, now, number=into.number,
                             messages=moved,
                             **{"from": old_source, "to": new_source})
        writes.record_event(into, actor, Event.Kind.MERGED_IN, now, number=source.number,
                             messages=moved,
                             **{"from": old_target, "to": into.state})
    return into


def _move_conversation(messages, ticket: Ticket) -> None:
    """Move ``messages`` (a queryset) with their attachments and ratings into ``ticket``."""
    Attachment.objects.filter(message__in=messages).update(ticket=ticket)
    Rating.objects.filter(message__in=messages).update(ticket=ticket)
    messages.update(ticket=ticket)

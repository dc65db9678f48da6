"""Moving a ticket through its states, and its parameters, from either side."""

from collections.abc import Mapping
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.clients.models import Service
from zapros.core import clock
from zapros.core.errors import ValidationFailed
from zapros.core.validation import clean_choice, clean_id

from .. import policies, search, writes
from ..models import Event, Message, Priority, Rating, Ticket, TicketType, Topic
from ..states import Action
from ..validation import clean_subject

PARAMETERS = ("subject", "title", "service", "topic", "type", "priority")


def save_parameters(actor: User, number: int, **changes) -> Ticket:
    """The holder changes subject, staff title, service, topic, type or priority: the reply
    form's *Save parameters* (the typed text is not sent). See :func:`change_parameters`."""
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        change_parameters(actor, ticket, changes, clock.now())
    return ticket


def change_parameters(actor: User, ticket: Ticket, changes: Mapping, now: datetime) -> dict:
    """Change the parameters of ``ticket``, locked by the caller's transaction; returns what
    changed as ``{field: [old, new]}``.

    Only the keys passed are changed, by the holder. Writes a ``parameters`` event listing old
    and new values; nothing is written when nothing changed. A new topic, type, priority or
    service may bring another SLA policy: the live clocks are then counted again from their
    start (:mod:`..deadlines`). A topic's default department does not move the ticket (that
    is a transfer). Raises ValidationFailed (an unknown field, a value not offered), Conflict (not
    the holder), InvalidTransition.
    """
    unknown = set(changes) - set(PARAMETERS)
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    policies.ensure_can_act_on_held(actor, ticket, Action.SAVE)
    new_values = _clean_parameters(ticket, changes)
    diff = {}
    for field, value in new_values.items():
        old = getattr(ticket, f"{field}_id" if field in {"service", "topic"} else field)
        new = value.pk if field in {"service", "topic"} and value else value
        if old != new:
            diff[field] = [old, new]
            setattr(ticket, field, value)
    if diff:
        ticket.updated_at = now
        writes.save(ticket)
        if diff.keys() & {"subject", "title"}:
            search.index_ticket(ticket.pk)
        writes.record_event(ticket, actor, Event.Kind.PARAMETERS, now, changes=diff)
    return diff


def _clean_parameters(ticket: Ticket, changes: dict) -> dict:
    values = {}
    if "subject" in changes:
        values["subject"] = clean_subject(changes["subject"])
    if "title" in changes:
        title = " ".join((changes["title"] or "").split())
        values["title"] = (
            clean_subject(title, field="title") if title
            else values.get("subject", ticket.subject)
        )
    if "service" in changes:
        service_id = changes["service"]
        values["service"] = None
        if service_id:
            values["service"] = Service.objects.filter(
                pk=clean_id(service_id), client_id=ticket.client_id
            ).first()
            if values["service"] is None:
                raise ValidationFailed(
                    _("Choose one of the client's services."), field="service"
                )
    if "topic" in changes:
        values["topic"] = None
        if changes["topic"]:
            values["topic"] = Topic.objects.filter(
                pk=clean_id(changes["topic"]), active=True
            ).first()
            if values["topic"] is None:
                raise ValidationFailed(_("Choose a topic."), field="topic")
    if "type" in changes:
        values["type"] = clean_choice(
            changes["type"], TicketType, field="type", message=_("Choose a type of request.")
        )
    if "priority" in changes:
        values["priority"] = clean_choice(
            changes["priority"], Priority, field="priority", message=_("Choose a priority.")
        )
    return values


def _move(actor: User, number: int, action: Action, kind: str, *, ensure, because=None,
          then=None) -> Ticket:
    """One move through the state table: lock, ask ``ensure(actor, ticket)`` (which raises,
    or may answer the row of the table that applies to this actor), move, save and write the
    ``kind`` event with ``because`` (why, when the system acts) in its data. ``then(ticket)``
    may take one more step on the ticket before it is saved."""
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        action = ensure(actor, ticket) or action
        old, new = writes.move(ticket, action)
        if then is not None:
            new = then(ticket) or new
        ticket.updated_at = clock.now()
        writes.save(ticket)
        writes.record_event(
            ticket, actor, kind, ticket.updated_at, **(because or {}), **{"from": old, "to": new}
        )
    return ticket


HOLD_REASON_MAX = 500


def freeze(actor: User, number: int, *, reason: str = "", resume_on: date | None = None
           ) -> Ticket:
    """The holder puts an open ticket on hold; correspondence is still expected.

    ``reason`` (at most 500 characters) and ``resume_on`` (a date after today in the
    agent's time zone) are kept on the ticket while it is on hold; on that date the ticket
    goes back into work by itself (``automation.resume_due``). Writes a ``frozen`` event with
    both. Raises ValidationFailed (``reason``, ``resume_on``), Conflict (not the holder),
    InvalidTransition (not open).
    """
    reason = " ".join((reason or "").split())
    if len(reason) > HOLD_REASON_MAX:
        raise ValidationFailed(
            _("The reason is too long (at most %(max)d characters).") % {"max": HOLD_REASON_MAX},
            field="reason",
        )
    if resume_on is not None:
        if not isinstance(resume_on, date) or isinstance(resume_on, datetime):
            raise ValidationFailed(_("Enter a valid date."), field="resume_on")
        if resume_on <= clock.today_in(actor.timezone):
            raise ValidationFailed(_("Choose a date after today."), field="resume_on")
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_can_act_on_held(actor, ticket, Action.FREEZE)
        old, new = writes.move(ticket, Action.FREEZE)
        ticket.hold_reason = reason
        ticket.resume_on = resume_on
        ticket.resume_at = clock.start_of(resume_on, actor.timezone) if resume_on else None
        ticket.updated_at = clock.now()
        writes.save(ticket)
        writes.record_event(
            ticket, actor, Event.Kind.FROZEN, ticket.updated_at, reason=reason,
            resume_on=resume_on.isoformat() if resume_on else None,
            **{"from": old, "to": new},
        )
    return ticket


def resume(actor: User, number: int, *, because: Mapping | None = None) -> Ticket:
    """Take a frozen ticket back into work: its holder, or the system when the resume date
    has come (``because`` says so in the event). A ticket nobody holds (it was unlocked while
    frozen) goes on to ``new``, so that anyone in its department can take it."""
    def unheld_to_new(ticket):
        if ticket.holder_id is None:
            return writes.move(ticket, Action.UNLOCK)[1]
        return None

    return _move(actor, number, Action.RESUME, Event.Kind.RESUMED, because=because,
                 then=unheld_to_new,
                 ensure=lambda a, t: policies.ensure_can_act_on_held(a, t, Action.RESUME))


def resolve(actor: User, number: int) -> Ticket:
    """Mark the question as solved: the client who owns the ticket, or the agent who holds
    it."""
    return _move(actor, number, Action.RESOLVE, Event.Kind.RESOLVED,
                 ensure=policies.ensure_can_resolve)


def archive(actor: User, number: int, *, because: Mapping | None = None) -> Ticket:
    """Archive an answered or resolved ticket: its client, the agent who holds it, or the
    system after the ticket was left untouched (``because`` says so in the event).

    Refused with a clear message while the ticket is still open at the provider.
    """
    return _move(actor, number, Action.ARCHIVE, Event.Kind.ARCHIVED, because=because,
                 ensure=policies.ensure_can_archive)


def mark_seen(actor: User, ticket: Ticket) -> None:
    """The client has read the conversation up to now. Not an event: reading changes nothing."""
    if policies.is_client_of(actor, ticket) and ticket.client_unread:
        now = clock.now()
        Ticket.objects.filter(pk=ticket.pk).update(client_seen_at=now)
        ticket.client_seen_at = now


def rate(actor: User, number: int, *, message_id: int, value: str, comment: str = "") -> Rating:
    """The client rates one staff answer, good or bad, with an optional comment. Rating again
    replaces the previous rating."""
    value = clean_choice(value, Rating.Value, field="value",
                         message=_("Choose good or bad."))
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        policies.ensure_client_owner(actor, ticket)
        message = Message.objects.filter(
            pk=clean_id(message_id), ticket=ticket, author_kind=Message.AuthorKind.STAFF,
            visibility=Message.Visibility.PUBLIC,
        ).first()
        if message is None:
            raise ValidationFailed(_("Only answers from support can be rated."),
                                   field="message")
        now = clock.now()
        rating, _created = Rating.objects.update_or_create(
            message=message,
            defaults={"ticket": ticket, "value": value, "comment": comment, "updated_at": now},
            create_defaults={"ticket": ticket, "value": value, "comment": comment,
                             "created_at": now, "updated_at": now},
        )
        writes.record_event(ticket, actor, Event.Kind.RATED, now, message=message.pk,
                             value=value)
    return rating

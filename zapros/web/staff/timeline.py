"""How events read as system lines between the messages of the staff ticket page."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zapros.tickets.models import Event, Message, Rating, Ticket
from zapros.tickets.selectors import TimelineEntry
from zapros.tickets.states import State


@dataclass(frozen=True)
class SystemLine:
    at: datetime
    text: str
    change: str = ""   # "Status changed from Open to Answered", when the state moved
    by: str = ""       # who did it, when the text does not already say so


@dataclass(frozen=True)
class Row:
    """One row of the conversation: a message, or an event as a system line."""

    message: Message | None = None
    line: SystemLine | None = None


def timeline_rows(entries: list[TimelineEntry]) -> list[Row]:
    return [Row(message=entry.message) if entry.message is not None
            else Row(line=describe(entry.event)) for entry in entries]


def describe(event: Event) -> SystemLine:
    data = event.data or {}
    name = event.actor.display_name if event.actor else _("Zapros")
    actor_is_staff = bool(event.actor and event.actor.is_staff_member)
    text, by = _text(event.kind, data, name, actor_is_staff)
    return SystemLine(at=event.created_at, text=text, change=_change(data), by=by)


def _text(kind: str, data: dict, name: str, actor_is_staff: bool) -> tuple[str, str]:
    Kind = Event.Kind
    if kind == Kind.CREATED:
        if actor_is_staff:
            return _("%(name)s opened the request for the client") % {"name": name}, ""
        return _("%(name)s opened the request") % {"name": name}, ""
    if kind == Kind.TAKEN:
        return _("%(name)s took the request") % {"name": name}, ""
    if kind == Kind.CLOSED:
        return _("%(name)s answered and closed the request") % {"name": name}, ""
    if kind == Kind.PARAMETERS:
        fields = ", ".join(str(_field_label(field)) for field in data.get("changes", {}))
        return _("Parameters changed: %(fields)s") % {"fields": fields}, name
    if kind == Kind.FROZEN:
        until = _date(data.get("resume_on"))
        if until and data.get("reason"):
            return _("Put on hold until %(date)s: %(reason)s") % {
                "date": until, "reason": data["reason"]}, name
        if until:
            return _("Put on hold until %(date)s") % {"date": until}, name
        if data.get("reason"):
            return _("Put on hold: %(reason)s") % {"reason": data["reason"]}, name
        return _("Put on hold"), name
    if kind == Kind.RESUMED:
        if data.get("automatic"):
            return _("Work resumed: the hold date has come"), ""
        return _("Work resumed"), name
    if kind == Kind.RESOLVED:
        return _("%(name)s marked the request as solved") % {"name": name}, ""
    if kind == Kind.ARCHIVED:
        return _("%(name)s archived the request") % {"name": name}, ""
    if kind == Kind.REOPENED:
        return _("%(name)s wrote again and reopened the request") % {"name": name}, ""
    if kind == Kind.UNLOCKED:
        return _("%(name)s unlocked the request") % {"name": name}, ""
    if kind == Kind.REASSIGNED:
        agent = data.get("agent_name") or "?"
        return _("Reassigned to %(agent)s") % {"agent": agent}, name
    if kind == Kind.TRANSFERRED:
        target = data.get("department_name") or data.get("agent_name") or "?"
        return _("Request copied to %(target)s") % {"target": target}, name
    if kind == Kind.MESSAGE_EDITED:
        return _("%(name)s edited a message") % {"name": name}, ""
    if kind == Kind.SPLIT:
        return _("Messages moved to a new request #%(number)s") % {
            "number": data.get("number", "?")}, name
    if kind == Kind.SPLIT_FROM:
        return _("Split off from request #%(number)s") % {"number": data.get("number", "?")}, name
    if kind == Kind.MERGED:
        return _("Merged into request #%(number)s") % {"number": data.get("number", "?")}, name
    if kind == Kind.MERGED_IN:
        return _("Request #%(number)s merged into this one") % {
            "number": data.get("number", "?")}, name
    if kind == Kind.FOLLOWED:
        return _("%(name)s follows the request") % {"name": name}, ""
    if kind == Kind.UNFOLLOWED:
        return _("%(name)s no longer follows the request") % {"name": name}, ""
    if kind == Kind.CC_ADDED:
        return _("Added in copy: %(email)s") % {"email": data.get("email", "?")}, name
    if kind == Kind.CC_REMOVED:
        return _("Removed from copy: %(email)s") % {"email": data.get("email", "?")}, name
    if kind == Kind.MAIL_RETRIED:
        to = ", ".join(data.get("to") or []) or "?"
        return _("Mail to %(to)s sent again") % {"to": to}, name
    if kind == Kind.RATED:
        if data.get("value") == Rating.Value.BAD:
            return _("Client rated an answer: bad"), ""
        return _("Client rated an answer: good"), ""
    return str(Event.Kind(kind).label) if kind in Event.Kind.values else kind, name


def _date(value) -> str:
    try:
        return date_format(date.fromisoformat(value), "DATE_FORMAT") if value else ""
    except (TypeError, ValueError):
        return ""


def _field_label(field: str):
    try:
        return Ticket._meta.get_field(field).verbose_name
    except FieldDoesNotExist:  # a field renamed since the event was written
        return field


def _change(data: dict) -> str:
    old, new = _state_label(data.get("from")), _state_label(data.get("to"))
    if old is None or new is None or data["from"] == data["to"]:
        return ""
    return _("Status changed from %(old)s to %(new)s") % {"old": old, "new": new}


def _state_label(value):
    try:
        return State(value).label
    except ValueError:
        return None

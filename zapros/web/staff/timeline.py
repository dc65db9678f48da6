"""How the staff ticket page shows its conversation: messages ready to print, and events as
system lines between them."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from zapros.sla.models import Metric
from zapros.tickets import rendering
from zapros.tickets.models import Event, Message, Rating, Ticket
from zapros.tickets.selectors import TimelineEntry
from zapros.tickets.states import State

from ..html import Html, escape, join
from ..url_rendering import numbered_url
from .rows import Moments


@dataclass(frozen=True, slots=True)
class SystemLine:
    at: datetime
    text: str
    change: str = ""   # "Status changed from Open to Answered", when the state moved
    by: str = ""       # who did it, when the text does not already say so
    at_iso: str = ""
    at_text: str = ""


@dataclass(frozen=True, slots=True)
class File:
    href: str
    name: str
    size: str


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message as the staff page prints it."""

    pk: int
    kind: str            # "internal", "from-client" or "from-staff": the article's class
    author: str
    channel: str         # the channel's name when it is not the web, else ""
    edited_href: str     # the message's earlier versions, when it was edited
    at_iso: str
    at_text: str
    body: str            # these three as rendered when the message was written
    quoted: str          # (tickets.rendering): the quoted history of a mail, folded away,
    html: str            # and the sanitised formatted version of a mail, or ""
    files: list[File]
    rating: str          # "good", "bad" or ""
    rating_comment: str


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the conversation: a message, or an event as a system line."""

    message: MessageView | None = None
    line: SystemLine | None = None


def timeline_rows(ticket: Ticket, entries: list[TimelineEntry]) -> list[Row]:
    moment = Moments()
    download = numbered_url("download")
    history = reverse("staff:messages", args=[ticket.number])
    rows = []
    for entry in entries:
        if entry.message is not None:
            rows.append(Row(message=message_view(entry.message, moment, download, history)))
        else:
            at_iso, at_text = moment(entry.event.created_at)
            rows.append(Row(line=describe(entry.event, at_iso, at_text)))
    return rows


# The conversation is written here rather than in a template, as the queue's rows are (see
# rows.py): thirty messages and their system lines took the template engine 7 ms. Every value
# is escaped as the template would have escaped it (zapros.web.html): text always, safe HTML
# (the message as rendered when it was written) never twice.
_MESSAGE = Html(
    '<article id="message-{pk}" class="message {kind}"><header><span class="author">'
    "<strong>{author}</strong> {label}{channel}{edited}</span> "
    '<time datetime="{at_iso}">{at_text}</time></header>'
    '<div class="body">{body}{quoted}</div>{html}{files}{rating}</article>\n'
)
_LINE = Html('<p class="system-line">{text} · <time datetime="{at_iso}">{at_text}</time></p>\n')
_LABEL = Html('<span class="label{extra}">{text}</span>')
_CHANNEL = Html(' <span class="label">{channel}</span>')
_EDITED = Html(' <a class="label edited" href="{href}" title="{title}">{text}</a>')
_QUOTED = Html('<details class="quoted"><summary>{label}</summary>{text}</details>')
_FORMATTED = Html('<details class="formatted"><summary>{label}</summary>'
                  '<div class="html-body">{html}</div></details>')
_FILES = Html('<ul class="files" aria-label="{label}">{items}</ul>')
_FILE = Html('<li><a href="{href}">{name}</a> <span class="muted">{size}</span></li>')
_RATING = Html('<p class="rating rated-{value}">{text}{comment}</p>')
_RATING_COMMENT = Html(" — “{comment}”")


def conversation_html(rows: list[Row]) -> SafeString:
    """The ticket page's conversation: messages, and events as system lines between them."""
    # Translated outside the markup: xgettext does not look inside f-strings or format calls.
    labels = {
        "internal": _LABEL(extra=" internal-label", text=_("Internal comment")),
        "from-client": _LABEL(extra="", text=_("Client")),
        "from-staff": _LABEL(extra="", text=_("Support")),
    }
    # Escaped once here rather than for every message.
    earlier, edited_label = escape(_("Show earlier versions")), escape(_("edited"))
    quoted_label, formatted_label, files_label = (
        escape(_("Quoted text")), escape(_("Show formatted")), escape(_("Attachments")))
    ratings = {"good": escape(_("The client rated this answer: good")),
               "bad": escape(_("The client rated this answer: bad"))}
    out = []
    for row in rows:
        if row.message is None:
            line = row.line
            text = join((part for part in (line.text, line.change, line.by) if part), " · ")
            out.append(_LINE(text=text, at_iso=line.at_iso, at_text=line.at_text))
            continue
        m = row.message
        rating = ""
        if m.rating:
            rating = _RATING(
                value=m.rating, text=ratings.get(m.rating, ratings["bad"]),
                comment=_RATING_COMMENT(comment=m.rating_comment) if m.rating_comment else "")
        out.append(_MESSAGE(
            pk=m.pk,
            kind=m.kind,
            author=m.author,
            label=labels[m.kind],
            channel=_CHANNEL(channel=m.channel) if m.channel else "",
            edited=_EDITED(href=m.edited_href, title=earlier, text=edited_label)
            if m.edited_href else "",
            at_iso=m.at_iso,
            at_text=m.at_text,
            body=m.body,
            quoted=_QUOTED(label=quoted_label, text=m.quoted) if m.quoted else "",
            html=_FORMATTED(label=formatted_label, html=m.html) if m.html else "",
            files=_FILES(label=files_label, items=join(
                _FILE(href=f.href, name=f.name, size=f.size) for f in m.files))
            if m.files else "",
            rating=rating,
        ))
    return SafeString("".join(out))


def message_view(message: Message, moment: Moments, download, history: str) -> MessageView:
    if message.is_internal:
        kind = "internal"
    elif message.from_client:
        kind = "from-client"
    else:
        kind = "from-staff"
    body, quoted, html = rendering.message_parts(message)
    rating = getattr(message, "rating", None)
    at_iso, at_text = moment(message.created_at)
    return MessageView(
        pk=message.pk,
        kind=kind,
        author=message.author.display_name if message.author else _("Zapros"),
        channel=message.get_channel_display() if message.channel != Message.Channel.WEB else "",
        edited_href=f"{history}#message-{message.pk}" if message.edited_at else "",
        at_iso=at_iso,
        at_text=at_text,
        body=body,
        quoted=quoted,
        html=html,
        files=[File(href=download(attachment.pk), name=attachment.original_name,
                    size=filesizeformat(attachment.size))
               for attachment in message.files],
        rating=rating.value if rating else "",
        rating_comment=rating.comment if rating else "",
    )


def describe(event: Event, at_iso: str = "", at_text: str = "") -> SystemLine:
    data = event.data or {}
    name = event.actor.display_name if event.actor else _("Zapros")
    actor_is_staff = event.by_staff
    text, by = _text(event.kind, data, name, actor_is_staff)
    return SystemLine(at=event.created_at, text=text, change=_change(data), by=by,
                      at_iso=at_iso, at_text=at_text)


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
    if kind in (Kind.SLA_CHANGED, Kind.SLA_WARNING, Kind.SLA_BREACHED):
        return _sla_text(kind, data), ""
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


def _sla_text(kind: str, data: dict) -> str:
    Kind = Event.Kind
    target = _METRICS.get(data.get("metric"), data.get("metric") or "?")
    due = _moment(data.get("due"))
    if kind == Kind.SLA_WARNING:
        return _("%(target)s due soon: by %(due)s") % {"target": target, "due": due}
    if kind == Kind.SLA_BREACHED:
        if data.get("after_minutes"):
            return _("%(target)s still overdue (due %(due)s): escalated") % {
                "target": target, "due": due}
        return _("%(target)s overdue: it was due %(due)s") % {"target": target, "due": due}
    if not data.get("due"):
        return _("SLA changed: %(target)s no longer tracked under policy %(policy)s") % {
            "target": target, "policy": data.get("policy") or "—"}
    return _("SLA changed: %(target)s due %(due)s under policy %(policy)s (was %(old)s under "
             "%(old_policy)s)") % {
        "target": target, "due": due, "policy": data.get("policy") or "—",
        "old": _moment(data.get("old_due")), "old_policy": data.get("old_policy") or "—"}


_METRICS = dict(Metric.choices)


def _moment(text: str | None) -> str:
    if not text:
        return "—"
    return date_format(localtime(datetime.fromisoformat(text)), "SHORT_DATETIME_FORMAT")

"""The ticket page's SLA clocks in words: each clock's state, its due time, and why it is due
when it is ("Due Mon 09:55: 1 h of business time from Fri 17:55 in Office hours (Europe/
Berlin), policy Technical support; paused 2 h: on hold")."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zapros.sla.models import Clock, Metric

WHY = {
    "on_hold": gettext_lazy("on hold"),
    "awaiting_client": gettext_lazy("awaiting the client"),
    "solved": gettext_lazy("solved"),
}
ENDED = {
    "not_in_work": gettext_lazy("the request is no longer in work"),
    "not_waiting": gettext_lazy("the client no longer waits for an answer"),
    "merged": gettext_lazy("merged into another request"),
    "not_tracked": gettext_lazy("the request's policy does not track this target"),
    "solved": gettext_lazy("solved"),
    "answered": gettext_lazy("answered"),
}


@dataclass(frozen=True, slots=True)
class ClockView:
    metric: str
    label: str
    state: str
    state_label: str
    due_iso: str
    due: str
    why: str


def moment(value: datetime) -> str:
    return date_format(localtime(value), "SHORT_DATETIME_FORMAT")


def length(value: timedelta | None, *, days: bool = False) -> str:
    """A duration as people read it: 27 h, 2 h 05 min, 45 min. Business time in hours,
    never days (27 business hours are three working days of one calendar and a day and a
    bit of another); ``days`` for time on the wall clock: 3 d 11 h."""
    if value is None:
        return "—"
    hours, minutes = divmod(max(0, round(value.total_seconds() / 60)), 60)
    if days and hours >= 24:
        return _("%(days)d d %(hours)d h") % {"days": hours // 24, "hours": hours % 24}
    if hours and minutes:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": minutes}


def explain(clock: Clock) -> str:
    """Why the clock is due when it is, or how it ended."""
    calendar = (_("%(name)s (%(zone)s)") % {"name": clock.calendar.name,
                                              "zone": clock.calendar.time_zone}
                if clock.calendar_id and not clock.calendar.always_open
                else _("around the clock"))
    counted = _("%(target)s of business time from %(start)s, %(calendar)s, policy "
                "%(policy)s") % {"target": length(clock.target), "start": moment(clock.started_at),
                                 "calendar": calendar, "policy": clock.policy_name or "—"}
    parts = [counted]
    if clock.paused:
        reasons = sorted({str(WHY.get(why, why)) for _a, _b, why in clock.pauses})
        parts.append(_("paused %(length)s: %(why)s") % {"length": length(clock.paused),
                                                         "why": ", ".join(reasons)})
    if clock.ended_at is None and clock.state == Clock.State.PAUSED and clock.pauses:
        why = clock.pauses[-1][2]
        parts.append(_("paused since %(since)s: %(why)s") % {
            "since": moment(datetime.fromisoformat(clock.pauses[-1][0])),
            "why": WHY.get(why, why)})
    if clock.ended_at is not None:
        end = clock.reason.get("end", "")
        if clock.state == Clock.State.CANCELLED:
            parts.append(_("stopped %(at)s: %(why)s") % {"at": moment(clock.ended_at),
                                                          "why": ENDED.get(end, end)})
        else:
            who = clock.staff.display_name if clock.staff_id else ""
            text = (_("ended %(at)s by %(who)s, after %(took)s") if who
                    else _("ended %(at)s, after %(took)s"))
            parts.append(text % {"at": moment(clock.ended_at), "who": who,
                                 "took": length(clock.took or timedelta(0))})
    return "; ".join(parts) + "."


def clock_views(clocks: list[Clock]) -> list[ClockView]:
    labels = dict(Metric.choices)
    states = dict(Clock.State.choices)
    views = []
    for clock in clocks:
        state = clock.state
        label = states[state]
        if state == Clock.State.BREACHED and clock.ended_at is not None:
            label = _("Met late")
        views.append(ClockView(
            metric=clock.metric, label=str(labels[clock.metric]), state=state,
            state_label=str(label),
            due_iso=localtime(clock.due_at).isoformat() if clock.due_at else "",
            due=moment(clock.due_at) if clock.due_at else "",
            why=explain(clock),
        ))
    return views

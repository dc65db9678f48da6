"""Configuring service levels: business calendars with their days, and SLA policies.

Every change goes through one of these functions, whoever makes it (the admin, the API), so
that each one is validated by the same rules (:mod:`zapros.sla.businesstime`), bumps the
calendar's ``revision`` and calls :func:`deadlines.configuration_changed` inside its own
transaction: the clocks of the affected requests then change together with their
configuration, or not at all. Only administrators configure
(:func:`policies.ensure_can_configure_service_levels`).

Each function validates everything before it writes anything, so a refusal leaves the
configuration as it was. Refusals are :class:`ValidationFailed` naming the field at fault,
:class:`Conflict` for what is in use, :class:`NotFound` for what does not exist.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zapros.accounts.models import Department, User
from zapros.clients.models import Client, ClientGroup
from zapros.core.errors import Conflict, NotFound, ValidationFailed
from zapros.core.validation import clean_id
from zapros.sla import businesstime, ical
from zapros.sla.businesstime import CalendarError
from zapros.sla.models import BusinessCalendar, CalendarDay, EscalationStep, Metric, Policy

from .. import deadlines, policies
from ..models import Message, Priority, TicketType, Topic

NAME_MAX = 120
DAY_NAME_MAX = 120
# Longer targets are typing slips (and would overflow the arithmetic of dates).
TARGET_MAX = timedelta(days=3650)
TARGETS = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION)
CONDITION_CHOICES = {
    "priorities": Priority, "types": TicketType, "channels": Message.Channel,
}
CONDITION_LINKS = {"departments": Department, "topics": Topic, "clients": Client,
                   "client_groups": ClientGroup}
POLICY_FIELDS = frozenset({
    "name", "active", "calendar", "position", *CONDITION_CHOICES, *CONDITION_LINKS,
    "service_kinds", *TARGETS, "warn_percent", "pause_on_hold", "pause_awaiting_client",
})
UNKNOWN_CHOICE = {
    "priorities": gettext_lazy("Unknown priority: %(value)s."),
    "types": gettext_lazy("Unknown request type: %(value)s."),
    "channels": gettext_lazy("Unknown channel: %(value)s."),
}
UNKNOWN_LINK = {
    "departments": gettext_lazy("There is no such department."),
    "topics": gettext_lazy("There is no such topic."),
    "clients": gettext_lazy("There is no such client."),
    "client_groups": gettext_lazy("There is no such client group."),
}


@dataclass
class ImportResult:
    """What an import of holidays did: the days it added, and those it left alone because
    the calendar already had them (``(day, name)`` pairs, in date order)."""

    added: list[tuple[date, str]] = field(default_factory=list)
    skipped: list[tuple[date, str]] = field(default_factory=list)

    @property
    def added_count(self) -> int:
        return len(self.added)

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)


# --- Calendars ------------------------------------------------------------------------------

def check_calendar(calendar: BusinessCalendar | None = None, *, name: str, time_zone: str,
                   always_open: bool, week) -> dict:
    """The fields of :func:`save_calendar` cleaned, or ValidationFailed naming the field at
    fault; writes nothing, so that a form can show the refusal beside the field."""
    name = _clean_name(name)
    time_zone = _calendar_check(businesstime.check_zone, time_zone, field="time_zone")
    always_open = bool(always_open)
    week = _clean_week(week, always=always_open)
    others = BusinessCalendar.objects.filter(name=name)
    if calendar is not None and calendar.pk is not None:
        others = others.exclude(pk=calendar.pk)
    if others.exists():
        raise ValidationFailed(_("A calendar with this name already exists."), field="name")
    return {"name": name, "time_zone": time_zone, "always_open": always_open, "week": week}


def save_calendar(actor: User, calendar: BusinessCalendar | int | None, *, name: str,
                  time_zone: str, always_open: bool, week) -> BusinessCalendar:
    """Create a calendar (``calendar`` None) or change one: its name, IANA time zone, whether
    it is open around the clock, and its week (seven lists of ``[start, end]`` minutes,
    Monday first; an around-the-clock calendar may have an empty week).

    Locks the calendar row; bumps its revision; the policies using it are changed
    configuration. Raises Forbidden, NotFound, ValidationFailed (fields ``name``,
    ``time_zone``, ``week``).
    """
    policies.ensure_can_configure_service_levels(actor)
    with transaction.atomic():
        found = BusinessCalendar() if calendar is None else _locked_calendar(calendar)
        values = check_calendar(found, name=name, time_zone=time_zone,
                                always_open=always_open, week=week)
        for key, value in values.items():
            setattr(found, key, value)
        found.revision += 1
        found.save()
        _calendar_changed(found)
    return found


def set_day(actor: User, calendar: BusinessCalendar | int, *, day: date, kind: str,
            spans=(), name: str = "") -> CalendarDay:
    """Add a holiday or an extra working day to a calendar, or change the one on that date.

    For a holiday ``spans`` are the hours it closes (none: the whole day); for a working day,
    its working hours (at least one span, and not the same as its weekday's). Locks the
    calendar; bumps its revision. Raises Forbidden, NotFound, ValidationFailed (fields
    ``day``, ``kind``, ``spans``, ``name``).
    """
    policies.ensure_can_configure_service_levels(actor)
    with transaction.atomic():
        found = _locked_calendar(calendar)
        kind, spans, name = check_day(found, day=day, kind=kind, spans=spans, name=name)
        row, _created = CalendarDay.objects.update_or_create(
            calendar=found, day=day, defaults={"kind": kind, "spans": spans, "name": name},
        )
        _bump(found)
    return row


def remove_day(actor: User, calendar: BusinessCalendar | int, day: date) -> None:
    """Take a holiday or an extra working day off a calendar: the date follows the week again.
    Locks the calendar; bumps its revision. Raises Forbidden, NotFound (no such calendar, or
    the date is not one of its days)."""
    policies.ensure_can_configure_service_levels(actor)
    with transaction.atomic():
        found = _locked_calendar(calendar)
        deleted, _rows = CalendarDay.objects.filter(calendar=found, day=day).delete()
        if not deleted:
            raise NotFound(_("The calendar has no holiday or working day on this date."))
        _bump(found)


def import_holidays(actor: User, calendar: BusinessCalendar | int, data: bytes, *,
                    start: date, end: date) -> ImportResult:
    """Add the holidays of an iCalendar file (RFC 5545) between ``start`` and ``end``, both
    included, read in the calendar's time zone. A date the calendar already has a day for is
    left as it is and counted as skipped, so that importing the same file twice adds nothing.

    Locks the calendar; bumps its revision when something was added. Raises Forbidden,
    NotFound, ValidationFailed (field ``file`` for a file that cannot be read, ``end`` for a
    period that ends before it starts).
    """
    policies.ensure_can_configure_service_levels(actor)
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValidationFailed(_("Give the first and the last date of the period."),
                               field="start")
    if end < start:
        raise ValidationFailed(_("The end of the period is before its start."), field="end")
    with transaction.atomic():
        found = _locked_calendar(calendar)
        try:
            imported = ical.holidays_from_ical(bytes(data or b""), zone=found.time_zone,
                                               start=start, end=end)
        except CalendarError as error:
            raise ValidationFailed(str(error.message), field="file") from None
        present = set(CalendarDay.objects.filter(
            calendar=found, day__in=[item.day for item in imported]).values_list("day",
                                                                                 flat=True))
        result, rows = ImportResult(), []
        for item in imported:
            holiday_name = item.name[:DAY_NAME_MAX]
            if item.day in present:
                result.skipped.append((item.day, holiday_name))
                continue
            spans = [] if item.closed is None else [list(span) for span in item.closed]
            _calendar_check(businesstime.check_day, item.day, spans, week_spans=(),
                            field="file")
            rows.append(CalendarDay(calendar=found, day=item.day, kind=CalendarDay.Kind.HOLIDAY,
                                    spans=spans, name=holiday_name))
            result.added.append((item.day, holiday_name))
        if rows:
            CalendarDay.objects.bulk_create(rows)
            _bump(found)
    return result


def delete_calendar(actor: User, calendar: BusinessCalendar | int) -> None:
    """Delete a calendar and its days. Refused while a policy counts its targets in it (the
    policies are named): the policy has to move to another calendar first. Running clocks
    that were set with it keep their deadlines. Raises Forbidden, NotFound, Conflict."""
    policies.ensure_can_configure_service_levels(actor)
    with transaction.atomic():
        found = _locked_calendar(calendar)
        users = list(Policy.objects.filter(calendar=found).order_by("name")
                     .values_list("name", flat=True))
        if users:
            raise Conflict(_("The calendar is used by these policies: %(names)s. Choose "
                             "another calendar for them first.") % {"names": ", ".join(users)},
                           field="calendar")
        calendar_id = found.pk
        found.delete()
        deadlines.configuration_changed(calendar_ids=[calendar_id])


def _locked_calendar(calendar) -> BusinessCalendar:
    pk = calendar.pk if isinstance(calendar, BusinessCalendar) else clean_id(calendar)
    found = BusinessCalendar.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("There is no such calendar."))
    return found


def _bump(calendar: BusinessCalendar) -> None:
    BusinessCalendar.objects.filter(pk=calendar.pk).update(revision=F("revision") + 1)
    calendar.refresh_from_db(fields=["revision"])
    _calendar_changed(calendar)


def _calendar_changed(calendar: BusinessCalendar) -> None:
    # Only the hours moved: the clocks counted in this calendar are counted again; which
    # policy a ticket falls under is not changed by a calendar.
    deadlines.configuration_changed(calendar_ids=[calendar.pk])


def _calendar_check(check, *args, field: str, **kwargs):
    """Run one of businesstime's checks, its refusal becoming the domain's."""
    try:
        return check(*args, **kwargs)
    except CalendarError as error:
        raise ValidationFailed(str(error.message), field=field) from None


def _clean_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationFailed(_("Give it a name."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(_("The name is too long (at most %(max)d characters).")
                               % {"max": NAME_MAX}, field="name")
    return name


def _clean_week(week, *, always: bool) -> list[list[list[int]]]:
    """The week as stored: seven lists of ``[start, end]``. An around-the-clock calendar may
    leave it empty; hours it does have must still be well-formed, as they are kept."""
    if always and not week:
        return [[] for _day in range(7)]
    if always and isinstance(week, list | tuple) and len(week) == 7 and not any(week):
        return [[] for _day in range(7)]
    _calendar_check(businesstime.check_week, week, field="week")
    return [[[start, end] for start, end in day] for day in week]


def _clean_kind(kind) -> str:
    if kind not in CalendarDay.Kind.values:
        raise ValidationFailed(_("Choose a holiday or a working day."), field="kind")
    return kind


def _clean_day_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if len(name) > DAY_NAME_MAX:
        raise ValidationFailed(_("The name is too long (at most %(max)d characters).")
                               % {"max": DAY_NAME_MAX}, field="name")
    return name


def check_day(calendar: BusinessCalendar, *, day, kind: str, spans=(), name: str = ""
              ) -> tuple[str, list[list[int]], str]:
    """The fields of :func:`set_day` cleaned for ``calendar`` (its week as it is on the
    object, saved or not), or ValidationFailed naming the field; writes nothing."""
    kind = _clean_kind(kind)
    name = _clean_day_name(name)
    if not isinstance(day, date):
        raise ValidationFailed(_("Give a date."), field="day")
    spans = list(spans or ())
    if kind == CalendarDay.Kind.HOLIDAY:
        # The closed hours need only be well-formed: a holiday may close any part of a day.
        _calendar_check(businesstime.check_day, day, spans, week_spans=(), field="spans")
    else:
        if not spans:
            raise ValidationFailed(_("Give the working day its working hours."),
                                   field="spans")
        week = calendar.week if len(calendar.week or ()) == 7 else [[]] * 7
        _calendar_check(businesstime.check_day, day, spans,
                        week_spans=week[day.weekday()], field="spans")
    return kind, [[start, end] for start, end in spans], name


# --- Policies -------------------------------------------------------------------------------

def save_policy(actor: User, policy: Policy | int | None, **fields) -> Policy:
    """Create a policy (``policy`` None) or change the given fields of one.

    Fields: ``name``, ``active``, ``calendar`` (a calendar, its id, or None for around the
    clock), ``position`` (1 for first, as :func:`move_policy`), the conditions
    ``departments``, ``topics``, ``clients``, ``client_groups`` (objects or ids),
    ``priorities``, ``types``,
    ``channels``, ``service_kinds`` (lists; empty matches any), the targets
    ``first_response``, ``next_response``, ``resolution`` (business time as a timedelta, or
    None for not tracked; at least one), ``warn_percent`` (1 to 99) and the targets paused
    ``pause_on_hold`` and ``pause_awaiting_client``.

    The default policy keeps no conditions and stays active. A new policy goes last unless
    given a position. Locks the policy row. Raises Forbidden, NotFound, ValidationFailed
    naming the field.
    """
    policies.ensure_can_configure_service_levels(actor)
    with transaction.atomic():
        found = Policy(active=True, warn_percent=80) if policy is None else _locked_policy(policy)
        values = check_policy(found, **fields)
        for name, value in values.items():
            if name not in CONDITION_LINKS:
                setattr(found, name, value)
        position = values.pop("position", None)
        if position is not None and found.is_default:
            raise Conflict(_("The default policy always comes last."), field="position")
        if found.pk is None:
            last = Policy.objects.filter(is_default=False).aggregate(last=Max("position"))
            found.position = (last["last"] or 0) + 10
        try:
            with transaction.atomic():
                found.save()
        except IntegrityError:
            raise ValidationFailed(_("A policy with this name already exists."),
                                   field="name") from None
        for name in CONDITION_LINKS:
            if name in values:
                getattr(found, name).set(values[name])
        moved = _place(found, position) if position is not None else []
        deadlines.configuration_changed(policy_ids={found.pk, *(p.pk for p in moved)})
    return found


def move_policy(actor: User, policy: Policy | int, position: int) -> Policy:
    """Put a policy at ``position`` (1 for first) among the other policies, which keep their
    order; a position past the end puts it last. The default policy always comes after them
    all and does not move. Locks the policies. Raises Forbidden, NotFound, ValidationFailed
    (field ``position``), Conflict (the default policy)."""
    policies.ensure_can_configure_service_levels(actor)
    if isinstance(position, bool) or not isinstance(position, int) or position < 1:
        raise ValidationFailed(_("The position is a whole number from 1."), field="position")
    with transaction.atomic():
        found = _locked_policy(policy)
        if found.is_default:
            raise Conflict(_("The default policy always comes last."), field="position")
        changed = _place(found, position)
        deadlines.configuration_changed(policy_ids=[item.pk for item in changed])
    return found


def _place(policy: Policy, position: int) -> list[Policy]:
    """Number the policies other than the default 10, 20, ... with ``policy`` at
    ``position``; returns those whose position changed."""
    ordered = [p for p in Policy.objects.select_for_update().filter(is_default=False)
               .order_by("position", "id") if p.pk != policy.pk]
    ordered.insert(min(position, len(ordered) + 1) - 1, policy)
    changed = []
    for index, item in enumerate(ordered, start=1):
        if item.position != index * 10:
            item.position = index * 10
            changed.append(item)
    Policy.objects.bulk_update(changed, ["position"])
    return changed


def delete_policy(actor: User, policy: Policy | int) -> None:
    """Delete a policy; the requests it matched get the policy that matches them next. The
    default policy cannot be deleted. Running clocks keep the policy's name. Raises
    Forbidden, NotFound, Conflict."""
    policies.ensure_can_configure_service_levels(actor)
    with transaction.atomic():
        found = _locked_policy(policy)
        if found.is_default:
            raise Conflict(_("The default policy cannot be deleted."))
        policy_id = found.pk
        found.delete()
        deadlines.configuration_changed(policy_ids=[policy_id])


def _locked_policy(policy) -> Policy:
    pk = policy.pk if isinstance(policy, Policy) else clean_id(policy)
    found = Policy.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("There is no such policy."))
    return found


def check_policy(policy: Policy | None, **fields) -> dict:
    """The fields of :func:`save_policy` cleaned as ``policy`` (None: a new one) would have
    them, or ValidationFailed naming the field at fault; writes nothing, so that a form can
    show the refusal beside the field."""
    policy = policy if policy is not None else Policy(active=True, warn_percent=80)
    unknown = set(fields) - POLICY_FIELDS
    if unknown:
        raise ValidationFailed(_("Unknown field: %(name)s.") % {"name": sorted(unknown)[0]},
                               field=sorted(unknown)[0])
    values = _clean_policy_fields(fields)
    if policy.pk is None:
        links = {name: [] for name in CONDITION_LINKS}
    else:
        links = {name: list(getattr(policy, name).all()) for name in CONDITION_LINKS}
    links.update({name: values[name] for name in CONDITION_LINKS if name in values})
    merged = {name: getattr(policy, name) for name in (
        "is_default", "active", *CONDITION_CHOICES, "service_kinds", *TARGETS)}
    merged.update({name: value for name, value in values.items() if name in merged})
    _check_policy(merged, links)
    name = values.get("name", policy.name)
    if Policy.objects.filter(name=name).exclude(pk=policy.pk).exists():
        raise ValidationFailed(_("A policy with this name already exists."), field="name")
    return values


def _clean_policy_fields(fields: dict) -> dict:
    values = {}
    for name, value in fields.items():
        if name == "name":
            values[name] = _clean_name(value)
        elif name == "active":
            values[name] = bool(value)
        elif name == "position":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValidationFailed(_("The position is a whole number from 1."),
                                       field="position")
            values[name] = value
        elif name == "calendar":
            values[name] = _clean_calendar(value)
        elif name in CONDITION_CHOICES:
            values[name] = _clean_choices(value, CONDITION_CHOICES[name], field=name)
        elif name in CONDITION_LINKS:
            values[name] = _clean_links(value, CONDITION_LINKS[name], field=name)
        elif name == "service_kinds":
            values[name] = _clean_kinds(value)
        elif name in TARGETS:
            values[name] = _clean_target(value, field=name)
        elif name == "warn_percent":
            values[name] = _clean_percent(value)
        else:
            values[name] = _clean_pauses(value, field=name)
    return values


def _check_policy(policy: dict, links: dict) -> None:
    """The rules between fields, once every field has its new value."""
    if not any(policy[metric] for metric in TARGETS):
        raise ValidationFailed(_("Give the policy at least one target."),
                               field=Metric.FIRST_RESPONSE)
    if policy["is_default"]:
        conditions = [policy[name] for name in (*CONDITION_CHOICES, "service_kinds")]
        if any(conditions) or any(links.values()):
            raise ValidationFailed(_("The default policy applies to every request no other "
                                     "policy matches: it has no conditions."),
                                   field="conditions")
        if not policy["active"]:
            raise ValidationFailed(_("The default policy cannot be deactivated."),
                                   field="active")


def _clean_calendar(value) -> BusinessCalendar | None:
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, BusinessCalendar) else clean_id(value)
    found = BusinessCalendar.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(_("There is no such calendar."), field="calendar")
    return found


def _as_list(value, *, field: str) -> list:
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationFailed(_("Give a list."), field=field)
    return list(value)


def _clean_choices(value, choices, *, field: str) -> list:
    cleaned = []
    for item in _as_list(value, field=field):
        match = next((c.value for c in choices if str(c.value) == str(item)), None)
        if match is None:
            raise ValidationFailed(str(UNKNOWN_CHOICE[field]) % {"value": item}, field=field)
        if match not in cleaned:
            cleaned.append(match)
    return sorted(cleaned)


def _clean_links(value, model, *, field: str) -> list:
    items = _as_list(value, field=field)
    pks = {item.pk if isinstance(item, model) else clean_id(item) for item in items}
    if None in pks:
        raise ValidationFailed(str(UNKNOWN_LINK[field]), field=field)
    found = list(model.objects.filter(pk__in=pks))
    if len(found) != len(pks):
        raise ValidationFailed(str(UNKNOWN_LINK[field]), field=field)
    return found


def _clean_kinds(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    cleaned = []
    for item in _as_list(value, field="service_kinds"):
        if not isinstance(item, str):
            raise ValidationFailed(_("Service kinds are words such as hosting or vps."),
                                   field="service_kinds")
        item = item.strip()
        if len(item) > 64:
            raise ValidationFailed(_("Service kinds are words such as hosting or vps."),
                                   field="service_kinds")
        if item and item not in cleaned:
            cleaned.append(item)
    return cleaned


def _clean_target(value, *, field: str) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, timedelta):
        raise ValidationFailed(_("A target is a length of time."), field=field)
    if value <= timedelta(0):
        raise ValidationFailed(_("A target must be longer than zero."), field=field)
    if value > TARGET_MAX:
        raise ValidationFailed(_("A target can be at most ten years."), field=field)
    return value


def _clean_percent(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
        raise ValidationFailed(_("Warn at a whole percentage from 1 to 99."),
                               field="warn_percent")
    return value


def _clean_pauses(value, *, field: str) -> list[str]:
    cleaned = []
    for item in _as_list(value, field=field):
        if item not in Metric.values:
            raise ValidationFailed(_("Unknown target: %(value)s.") % {"value": item},
                                   field=field)
        if item not in cleaned:
            cleaned.append(item)
    return [metric for metric in Metric.values if metric in cleaned]


# --- the escalation ladder ------------------------------------------------------------------

def add_escalation_step(actor: User, *, department: Department | int | None, when: str,
                        who: str, after: timedelta = timedelta(0)) -> EscalationStep:
    """Add a step to a department's escalation ladder (None: the ladder of every department
    without its own). A warning step has no delay. Raises Forbidden, ValidationFailed
    (unknown department, when or who; a negative delay; a warning with a delay), Conflict
    (the step is there already)."""
    policies.ensure_can_configure_service_levels(actor)
    if when not in EscalationStep.When.values:
        raise ValidationFailed(_("Choose when the step is taken."), field="when")
    if who not in EscalationStep.Who.values:
        raise ValidationFailed(_("Choose who is told."), field="who")
    if not isinstance(after, timedelta) or after < timedelta(0) or after > timedelta(days=365):
        raise ValidationFailed(_("The delay is a length of time from zero to a year."),
                               field="after")
    if when == EscalationStep.When.WARNING and after:
        raise ValidationFailed(_("A warning is given once, when the deadline nears: it has "
                                 "no delay."), field="after")
    department_id = None
    if department is not None:
        pk = department.pk if isinstance(department, Department) else clean_id(department)
        if not Department.objects.filter(pk=pk).exists():
            raise ValidationFailed(_("There is no such department."), field="department")
        department_id = pk
    with transaction.atomic():
        if EscalationStep.objects.filter(department_id=department_id, when=when, who=who,
                                         after=after).exists():
            raise Conflict(_("The ladder has this step already."))
        step = EscalationStep.objects.create(department_id=department_id, when=when, who=who,
                                             after=after)
        deadlines.ladder_changed()
    return step


def remove_escalation_step(actor: User, step: EscalationStep | int) -> None:
    """Remove a step of an escalation ladder. Raises Forbidden, NotFound."""
    policies.ensure_can_configure_service_levels(actor)
    pk = step.pk if isinstance(step, EscalationStep) else clean_id(step)
    with transaction.atomic():
        if not EscalationStep.objects.filter(pk=pk).delete()[0]:
            raise NotFound(_("There is no such step."))
        deadlines.ladder_changed()

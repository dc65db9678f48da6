"""Service levels: the business calendars and SLA policies that deadlines are counted with,
and the escalation ladders that say who hears of them.

Staff read them (they explain the deadlines on the requests); administrators change them
through :mod:`zapros.tickets.services.service_levels`, the same operations as the admin's.
"""

from datetime import date, timedelta
from typing import Annotated

from ninja import Field, Path, Router, Schema, Status

from zapros.core.errors import Forbidden, NotFound
from zapros.sla.models import BusinessCalendar, EscalationStep, Policy
from zapros.tickets import policies
from zapros.tickets.services import service_levels

from ..schemas import MAX_ID, ErrorOut, Id

router = Router(tags=["service levels"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {**ERRORS, 409: ErrorOut, 422: ErrorOut}
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
Span = Annotated[list[Annotated[int, Field(ge=0, le=1440)]], Field(min_length=2, max_length=2)]
Minutes = Annotated[int, Field(ge=1, le=10 * 366 * 24 * 60)]
SPANS_HELP = "Minutes since local midnight as [start, end] pairs: [[540, 780], [840, 1080]]."


class DayOut(Schema):
    day: date
    kind: str = Field(description="holiday or working")
    spans: list[list[int]] = Field(description="A holiday: the hours it closes (none: the whole "
                                               "day). A working day: its working hours.")
    name: str


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    always_open: bool
    week: list[list[list[int]]] = Field(description="Seven days, Monday first. " + SPANS_HELP)
    revision: int


class CalendarDetailOut(CalendarOut):
    days: list[DayOut]


class CalendarIn(Schema):
    name: str = Field(max_length=120)
    time_zone: str = Field("UTC", max_length=64, description="An IANA zone: Europe/Moscow.")
    always_open: bool = False
    week: list[list[Span]] = Field(default_factory=list, max_length=7,
                                   description="Seven days, Monday first. " + SPANS_HELP)


class DayIn(Schema):
    kind: str = Field("holiday", description="holiday or working")
    spans: list[Span] = Field(default_factory=list, max_length=48, description=SPANS_HELP)
    name: str = Field("", max_length=120)


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    active: bool
    is_default: bool
    calendar: int | None = Field(description="Empty: targets counted around the clock.")
    departments: list[int]
    topics: list[int]
    clients: list[int]
    client_groups: list[int]
    priorities: list[int]
    types: list[str]
    channels: list[str]
    service_kinds: list[str]
    first_response_minutes: int | None = Field(description="Business minutes in the calendar.")
    next_response_minutes: int | None
    resolution_minutes: int | None
    warn_percent: int
    pause_on_hold: list[str]
    pause_awaiting_client: list[str]


class PolicyIn(Schema):
    """Every field may be left out of a change; a new policy goes last unless placed."""

    name: str | None = Field(None, max_length=120)
    active: bool | None = None
    position: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        None, description="1 is checked first; the default policy always comes last.")
    calendar: Id | None = None
    departments: list[Id] | None = Field(None, max_length=1000)
    topics: list[Id] | None = Field(None, max_length=1000)
    clients: list[Id] | None = Field(None, max_length=1000)
    client_groups: list[Id] | None = Field(None, max_length=1000)
    priorities: list[int] | None = Field(None, max_length=10)
    types: list[str] | None = Field(None, max_length=10)
    channels: list[str] | None = Field(None, max_length=10)
    service_kinds: list[Annotated[str, Field(max_length=64)]] | None = Field(None,
                                                                             max_length=100)
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    warn_percent: int | None = None
    pause_on_hold: list[str] | None = Field(None, max_length=3)
    pause_awaiting_client: list[str] | None = Field(None, max_length=3)


def ensure_reader(user) -> None:
    if not policies.may_read_service_levels(user):
        raise Forbidden()


def calendar_out(calendar: BusinessCalendar, *, days=False) -> dict:
    out = {"id": calendar.pk, "name": calendar.name, "time_zone": calendar.time_zone,
           "always_open": calendar.always_open, "week": calendar.week,
           "revision": calendar.revision}
    if days:
        out["days"] = [{"day": d.day, "kind": d.kind, "spans": d.spans, "name": d.name}
                       for d in calendar.days.all()]
    return out


def minutes(duration: timedelta | None) -> int | None:
    return None if duration is None else round(duration.total_seconds() / 60)


def policy_out(policy: Policy) -> dict:
    return {
        "id": policy.pk, "name": policy.name, "position": policy.position,
        "active": policy.active, "is_default": policy.is_default,
        "calendar": policy.calendar_id,
        "departments": sorted(d.pk for d in policy.departments.all()),
        "topics": sorted(t.pk for t in policy.topics.all()),
        "clients": sorted(c.pk for c in policy.clients.all()),
        "client_groups": sorted(g.pk for g in policy.client_groups.all()),
        "priorities": policy.priorities, "types": policy.types, "channels": policy.channels,
        "service_kinds": policy.service_kinds,
        **{f"{metric}_minutes": minutes(policy.target(metric))
           for metric in service_levels.TARGETS},
        "warn_percent": policy.warn_percent, "pause_on_hold": policy.pause_on_hold,
        "pause_awaiting_client": policy.pause_awaiting_client,
    }


def policy_fields(payload: PolicyIn) -> dict:
    fields = payload.dict(exclude_unset=True)
    for metric in service_levels.TARGETS:
        key = f"{metric}_minutes"
        if key in fields:
            value = fields.pop(key)
            fields[metric] = None if value is None else timedelta(minutes=value)
    return fields


CONDITION_LINKS = tuple(service_levels.CONDITION_LINKS)


def read_policy(policy_id: int) -> Policy:
    policy = Policy.objects.prefetch_related(*CONDITION_LINKS).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound()
    return policy


@router.get("/sla/calendars", response={200: list[CalendarOut], **ERRORS},
            summary="List business calendars")
def list_calendars(request):
    """Every calendar with its week; staff only."""
    ensure_reader(request.auth)
    return [calendar_out(c) for c in BusinessCalendar.objects.all()]


@router.get("/sla/calendars/{calendar_id}", response={200: CalendarDetailOut, **ERRORS},
            summary="One business calendar with its holidays and working days")
def get_calendar(request, calendar_id: ObjectId):
    ensure_reader(request.auth)
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound()
    return calendar_out(calendar, days=True)


@router.post("/sla/calendars", response={201: CalendarDetailOut, **WRITE_ERRORS},
             summary="Add a business calendar")
def create_calendar(request, payload: CalendarIn):
    """Administrators only."""
    calendar = service_levels.save_calendar(request.auth, None, **payload.dict())
    return Status(201, calendar_out(calendar, days=True))


@router.put("/sla/calendars/{calendar_id}", response={200: CalendarDetailOut, **WRITE_ERRORS},
            summary="Change a business calendar")
def update_calendar(request, calendar_id: ObjectId, payload: CalendarIn):
    """Administrators only. Its holidays and working days stay as they are."""
    calendar = service_levels.save_calendar(request.auth, calendar_id, **payload.dict())
    return calendar_out(calendar, days=True)


@router.delete("/sla/calendars/{calendar_id}", response={204: None, **WRITE_ERRORS},
               summary="Delete a business calendar")
def delete_calendar(request, calendar_id: ObjectId):
    """Administrators only; refused (409) while a policy uses the calendar."""
    service_levels.delete_calendar(request.auth, calendar_id)
    return Status(204, None)


@router.put("/sla/calendars/{calendar_id}/days/{day}",
            response={200: CalendarDetailOut, **WRITE_ERRORS},
            summary="Set a holiday or a working day")
def set_day(request, calendar_id: ObjectId, day: date, payload: DayIn):
    """Administrators only; replaces what the calendar had on that date."""
    service_levels.set_day(request.auth, calendar_id, day=day, **payload.dict())
    return calendar_out(BusinessCalendar.objects.get(pk=calendar_id), days=True)


@router.delete("/sla/calendars/{calendar_id}/days/{day}", response={204: None, **WRITE_ERRORS},
               summary="Remove a holiday or a working day")
def remove_day(request, calendar_id: ObjectId, day: date):
    service_levels.remove_day(request.auth, calendar_id, day)
    return Status(204, None)


@router.get("/sla/policies", response={200: list[PolicyOut], **ERRORS},
            summary="List SLA policies")
def list_policies(request):
    """In the order they are tried, the default last; staff only."""
    ensure_reader(request.auth)
    found = Policy.objects.prefetch_related(*CONDITION_LINKS)
    return [policy_out(p) for p in found]


@router.post("/sla/policies", response={201: PolicyOut, **WRITE_ERRORS},
             summary="Add an SLA policy")
def create_policy(request, payload: PolicyIn):
    """Administrators only."""
    policy = service_levels.save_policy(request.auth, None, **policy_fields(payload))
    return Status(201, policy_out(read_policy(policy.pk)))


@router.put("/sla/policies/{policy_id}", response={200: PolicyOut, **WRITE_ERRORS},
            summary="Change an SLA policy")
def update_policy(request, policy_id: ObjectId, payload: PolicyIn):
    """Administrators only; the fields left out stay as they are."""
    service_levels.save_policy(request.auth, policy_id, **policy_fields(payload))
    return policy_out(read_policy(policy_id))


@router.delete("/sla/policies/{policy_id}", response={204: None, **WRITE_ERRORS},
               summary="Delete an SLA policy")
def delete_policy(request, policy_id: ObjectId):
    """Administrators only; the default policy cannot be deleted (409)."""
    service_levels.delete_policy(request.auth, policy_id)
    return Status(204, None)


class StepOut(Schema):
    id: int
    department: int | None = Field(description="Null: every department without its own.")
    when: str = Field(description="warning (the deadline nears) or breach (it passed)")
    who: str = Field(description="assignee, supervisors (of the department) or admins")
    after_minutes: int = Field(description="For a breach: how long after the due time.")


class StepIn(Schema):
    department: Id | None = None
    when: str = Field(max_length=16)
    who: str = Field(max_length=16)
    after_minutes: int = Field(0, ge=0, le=366 * 24 * 60)


def step_out(step: EscalationStep) -> dict:
    return {"id": step.pk, "department": step.department_id, "when": step.when,
            "who": step.who, "after_minutes": minutes(step.after)}


@router.get("/sla/escalation", response={200: list[StepOut], **ERRORS},
            summary="List the escalation ladders' steps")
def list_steps(request):
    """Every department's steps (and those of all departments); staff only."""
    ensure_reader(request.auth)
    return [step_out(s) for s in EscalationStep.objects.all()]


@router.post("/sla/escalation", response={201: StepOut, **WRITE_ERRORS},
             summary="Add an escalation step")
def add_step(request, payload: StepIn):
    """Administrators only; the same step twice is refused (409)."""
    step = service_levels.add_escalation_step(
        request.auth, department=payload.department, when=payload.when, who=payload.who,
        after=timedelta(minutes=payload.after_minutes))
    return Status(201, step_out(step))


@router.delete("/sla/escalation/{step_id}", response={204: None, **WRITE_ERRORS},
               summary="Remove an escalation step")
def remove_step(request, step_id: ObjectId):
    """Administrators only."""
    service_levels.remove_escalation_step(request.auth, step_id)
    return Status(204, None)

"""What the API reads and writes.

Clients and staff get different output schemas (``view`` says which): a client's answer is
built from the client schemas only, which have no field for anything staff-only, so nothing
internal can slip into it by accident.
"""

import json
from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import field_validator

from zapros.tickets.states import StaffStatus, State

# Ids and numbers are PostgreSQL bigints; larger values are refused as input errors.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# --- Errors -------------------------------------------------------------------------------

class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in the caller's language.")
    field: str | None = Field(None, description="The input field at fault, if any.")


class ProblemOut(Schema):
    type: str = Field(description="The kind of problem, e.g. missing, int_parsing, "
                                  "null_character, json_invalid.")
    loc: list[str | int] = Field(description="Where: the part of the request (path, query, "
                                             "body) and the field.")
    msg: str = Field(description="What is wrong, in the caller's language.")


class ValidationErrorOut(Schema):
    """Input that does not parse: every problem found."""

    detail: list[ProblemOut]


# --- Small pieces -------------------------------------------------------------------------

class DepartmentOut(Schema):
    id: int
    name: str


class ServiceOut(Schema):
    id: int
    name: str
    kind: str
    domain: str
    status: str


class PersonOut(Schema):
    id: int
    name: str


class ClientRefOut(Schema):
    id: int
    email: str
    name: str


class ClientOut(ClientRefOut):
    company: str
    internal_comment: str = Field(description="Staff-only notes about the client.")


class TopicOut(Schema):
    id: int
    name: str


class StaffTopicOut(TopicOut):
    view: Literal["staff"] = "staff"
    department: DepartmentOut | None = Field(description="Where a request on it is routed.")
    response_deadline_hours: float | None = Field(
        description="The first response target (business hours) of the SLA policy a request "
                    "on this topic in its department falls under; null when none is tracked."
    )


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class RatingOut(Schema):
    message: int
    value: str = Field(description="good or bad")
    comment: str


# --- Messages -----------------------------------------------------------------------------

class ClientMessageOut(Schema):
    view: Literal["client"] = "client"
    id: int
    author_kind: str = Field(description="client, staff or system")
    author: str | None = Field(description="The author's display name.")
    body: str
    created: datetime
    attachments: list[AttachmentOut]
    rating: RatingOut | None = Field(None, description="The client's rating of a staff answer.")


class StaffMessageOut(Schema):
    view: Literal["staff"] = "staff"
    id: int
    visibility: str = Field(description="public or internal")
    author_kind: str
    author_id: int | None
    author: str | None
    channel: str
    body: str
    created: datetime
    attachments: list[AttachmentOut]
    rating: RatingOut | None = None
    edited: datetime | None = Field(
        None, description="When the text was last edited; earlier texts under /revisions."
    )


class RevisionOut(Schema):
    """A message's text before one edit. Staff only."""

    body: str = Field(description="The text as it was before this edit.")
    edited_by: PersonOut
    edited_at: datetime


MessageOut = Annotated[ClientMessageOut | StaffMessageOut, Field(discriminator="view")]


# --- Tickets ------------------------------------------------------------------------------

class ClientTicketItem(Schema):
    view: Literal["client"] = "client"
    number: int
    subject: str
    department: DepartmentOut
    type: str
    service: ServiceOut | None
    client_status: str = Field(
        description="under_review, new_messages, viewed or archived."
    )
    client_status_label: str
    unread: bool = Field(description="Support wrote something the client has not seen yet.")
    created: datetime
    updated: datetime


class StaffTicketItem(Schema):
    view: Literal["staff"] = "staff"
    number: int
    subject: str
    title: str
    department: DepartmentOut
    type: str
    priority: int
    service: ServiceOut | None
    state: str
    state_label: str
    staff_status: str = Field(description="under_review, awaiting_client, frozen or archived.")
    staff_status_label: str
    client: ClientRefOut
    holder: PersonOut | None
    assignee: PersonOut | None
    needs_reply: bool
    overdue: bool
    reply_due_at: datetime | None
    days_in_work: int
    created: datetime
    updated: datetime


class ClientTicketOut(ClientTicketItem):
    actions: list[str] = Field(description="What the caller can do with the request now.")
    merged_into: int | None = Field(
        None, description="This request was merged into that one: the conversation is there."
    )
    messages: list[ClientMessageOut]


class ShareOut(Schema):
    department: DepartmentOut | None = Field(description="The department it was copied to.")
    agent: PersonOut | None = Field(description="The staff member it was copied to.")


class ClockOut(Schema):
    metric: Literal["first_response", "next_response", "resolution"]
    state: Literal["running", "paused", "met", "breached", "cancelled"] = Field(
        description="breached: the due time passed before it was met (it may have been met "
                    "late since: see ended)."
    )
    policy: str = Field(description="The name of the SLA policy that set it.")
    target_minutes: float = Field(description="Business time allowed, in the calendar.")
    calendar: str | None = Field(description="The business calendar; null: around the clock.")
    started: datetime
    due: datetime | None = Field(description="Null while paused.")
    breached: datetime | None
    ended: datetime | None = Field(description="When it was met or cancelled.")
    paused_minutes: float = Field(description="Business time it was paused.")
    took_minutes: float | None = Field(description="Business time it took, once ended.")


class StaffTicketOut(StaffTicketItem):
    client: ClientOut
    topic: TopicOut | None
    client_status: str
    hold_reason: str = Field(description="While on hold: why.")
    resume_on: date | None = Field(description="While on hold: the day it resumes by itself.")
    shares: list[ShareOut] = Field(
        description="Where else the request is active, besides its own department (transfers)."
    )
    actions: list[str] = Field(description="What the caller can do with the request now.")
    split_from: int | None = Field(None, description="The request this one was split from.")
    merged_into: int | None = Field(None, description="The request this one was merged into.")
    late: bool = Field(False, description="A deadline of the present round was missed.")
    clocks: list[ClockOut] = Field(
        default_factory=list,
        description="The SLA clocks of the present round: the live ones and the last of each "
                    "other target.")
    messages: list[StaffMessageOut]


TicketItem = Annotated[ClientTicketItem | StaffTicketItem, Field(discriminator="view")]
TicketOut = Annotated[ClientTicketOut | StaffTicketOut, Field(discriminator="view")]


class TicketPage(Schema):
    items: list[TicketItem]
    next: str | None = Field(description="Pass as `cursor` to get the next page; null at the end.")


# --- Input --------------------------------------------------------------------------------

class TicketFilters(Schema):
    department: Id | None = Field(None, description="Staff: only this department.")
    status: StaffStatus | None = Field(None, description="Staff: only this status.")
    state: State | None = Field(None, description="Staff: only this state.")
    assignee: int | None = Field(
        None, ge=0, le=MAX_ID, description="Staff: only this assignee; 0 means nobody."
    )
    client: Id | None = Field(None, description="Staff: only this client's requests.")
    needs_reply: bool = Field(False, description="Staff: only requests waiting for an answer.")
    overdue: bool = Field(False, description="Staff: only requests waiting for an answer "
                                             "past its deadline.")
    include_archived: bool = Field(False, description="Staff: include archived requests.")
    archived: bool = Field(False, description="Clients: include archived requests.")
    cursor: str | None = Field(None, description="The `next` value of the previous page.")
    limit: int | None = Field(None, ge=1, le=200, description="Page size.")


class TicketIn(Schema):
    department: Id
    subject: str = Field(min_length=1)
    body: str = Field(min_length=1)
    type: str = Field("question", description="question, wish or bug; staff also incident.")
    service: Id | None = Field(None, description="One of the client's services.")
    client: Id | None = Field(None, description="Staff: the client the request is for.")
    priority: int = Field(2, description="1 low, 2 normal, 3 high, 4 urgent. Clients: only "
                                          "in a department that lets clients choose it.")
    topic: Id | None = Field(
        None, description="An active topic (see /topics); it may route the request."
    )




class ReassignIn(Schema):
    agent: Id


class TransferIn(Schema):
    department: Id | None = Field(None, description="Copy the request to this department…")
    agent: Id | None = Field(None, description="…or to this staff member (give exactly one).")


class FreezeIn(Schema):
    reason: str = Field("", description="Why, at most 500 characters.")
    resume_on: date | None = Field(
        None, description="A day after today (the agent's time zone) when it resumes by itself."
    )


class ParametersIn(Schema):
    """Only the fields present are changed."""

    subject: str | None = None
    title: str | None = None
    service: Id | None = None
    topic: Id | None = None
    type: str | None = None
    priority: int | None = None


class MessageIn(Schema):
    body: str = Field("", description="The message; staff may leave it empty when `note` "
                                      "is given (an internal comment only).")
    visibility: Literal["public", "internal"] = Field(
        "public", description="Staff: `internal` leaves a comment only staff see."
    )
    close: bool = Field(False, description="Staff: Send and close (the request is answered).")
    note: str = Field("", description="Staff: an internal comment written with the reply.")
    # A plain object, not a nested schema: ninja would spread a nested schema's fields over
    # the form's top level. Checked against ParametersIn below.
    parameters: dict | None = Field(
        None, description="Staff: the request's parameters changed with the reply (the fields "
                          "of `/parameters`: subject, title, service, topic, type, priority), "
                          "written together with it or not at all. In a multipart form: the "
                          "object as JSON.")

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters_from_form(cls, value):
        # A form field carries text: the object arrives as JSON there.
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else None
            except ValueError:
                raise ValueError("parameters must be a JSON object") from None
        if value is not None and not isinstance(value, dict):
            raise ValueError("parameters must be a JSON object")
        return value

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, value):
        if value is None:
            return None
        unknown = set(value) - set(ParametersIn.model_fields)
        if unknown:
            raise ValueError(f"unknown parameter: {sorted(unknown)[0]}")
        return ParametersIn.model_validate(value).model_dump(exclude_unset=True)


class MessageEditIn(Schema):
    body: str = Field(min_length=1,
                      description="The new text; the earlier one is kept as a revision.")


class SplitIn(Schema):
    message_id: Id = Field(description="The first message to move; later ones follow.")
    subject: str | None = Field(None, description="The new request's subject; the old one "
                                                  "if left out.")


class MergeIn(Schema):
    target: Id = Field(description="The number of the request to merge into.")


class RatingIn(Schema):
    value: str = Field(min_length=1, description="good or bad")
    comment: str = ""


class DisplayOut(Schema):
    font_family: str = Field(description="sans, serif or mono")
    font_size: int = Field(description="In pixels, 12 to 20.")


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: str
    language: str
    timezone: str
    departments: list[DepartmentOut] = Field(description="Staff: the departments they work in.")
    services: list[ServiceOut] = Field(description="Clients: their services.")
    display: DisplayOut | None = Field(
        None, description="Staff: how their ticket page reads; null for clients."
    )


# --- Search -------------------------------------------------------------------------------

class SearchFilters(Schema):
    q: str = Field(min_length=1, max_length=200, description=(
        "A request number (`1024` or `#1024`), for staff a client's e-mail or full name, or "
        "words: all must occur, `\"a phrase\"`, `-word` excludes, `or` between words."))
    department: Id | None = Field(None, description="Staff: only this department.")
    status: StaffStatus | None = Field(
        None, description="Staff: only this status (otherwise archived requests are included).")
    assignee: int | None = Field(
        None, ge=0, le=MAX_ID, description="Staff: only this assignee; 0 means nobody.")
    client: Id | None = Field(None, description="Staff: only this client's requests.")
    needs_reply: bool = Field(False, description="Staff: only requests waiting for an answer.")
    limit: int = Field(50, ge=1, le=50, description="How many of the best matches.")


class ClientSearchHit(Schema):
    view: Literal["client"] = "client"
    ticket: ClientTicketItem
    subject_html: str = Field(description="The subject, HTML-escaped, matches in `<mark>`.")
    snippet_html: str = Field(description="Matching passages of the conversation, likewise.")


class StaffSearchHit(Schema):
    view: Literal["staff"] = "staff"
    ticket: StaffTicketItem
    subject_html: str
    snippet_html: str = Field(description="Matching passages of public messages.")
    internal_snippet_html: str = Field(description="Matching passages of internal comments.")
    rank: float


SearchHit = Annotated[ClientSearchHit | StaffSearchHit, Field(discriminator="view")]


class SearchOut(Schema):
    kind: Literal["empty", "number", "client", "text"] = Field(description=(
        "What the query was read as: a request number, a client (staff), or words."))
    items: list[SearchHit] = Field(description="Best matches first.")
    clients: list[ClientRefOut] = Field(description="Staff: clients whose e-mail or name it is.")
    more: bool = Field(description="More requests match than `limit`: narrow the query.")


class MeIn(Schema):
    """Staff: only the fields present are changed."""

    font_family: str | None = None
    font_size: int | None = None


# --- Clients (staff only) -----------------------------------------------------------------

class ClientTicketRow(Schema):
    number: int
    subject: str
    title: str
    department: DepartmentOut
    state: str
    state_label: str
    staff_status: str
    created: datetime
    updated: datetime


class CommentChangeOut(Schema):
    author: PersonOut
    at: datetime


class ClientPageOut(ClientOut):
    registered: datetime
    comment_changed: CommentChangeOut | None = Field(
        description="Who last changed the internal comment, and when."
    )
    services: list[ServiceOut]
    tickets: list[ClientTicketRow] = Field(
        description="Newest first, only those the caller may see."
    )
    next_before: int | None = Field(
        description="Pass as `before` for older requests; null at the end."
    )


class ClientIn(Schema):
    internal_comment: str


# --- Reports ------------------------------------------------------------------------------

class ReportFilters(Schema):
    department: Id | None = Field(None, description="Only this department's requests.")
    agent: int | None = Field(
        None, ge=0, le=MAX_ID,
        description="Overdue now: only this assignee's requests, 0 for nobody's. A period: "
                    "only the clocks this staff member answered (0: nobody).")
    policy: Id | None = Field(None, description="Only the clocks this SLA policy set.")


class OverdueFilters(ReportFilters):
    cursor: str | None = Field(None, description="The `next` value of the previous page.")


class PeriodFilters(ReportFilters):
    start: datetime = Field(description=(
        "The first moment counted: a date (`2024-03-01`) or a time; without an offset, in "
        "the caller's time zone."))
    end: datetime = Field(description=(
        "The first moment no longer counted (the period is [start, end)), at most a year "
        "after `start`."))


class CountOut(Schema):
    id: int | None = Field(description="The department, assignee or policy; null for nobody.")
    name: str
    count: int


class OverdueRowOut(Schema):
    number: int
    heading: str = Field(description="The staff title, else the subject.")
    department: str
    assignee: str = Field(description="Empty when nobody holds the request.")
    metric: str = Field(description="first_response, next_response or resolution")
    policy: str
    due: datetime | None = Field(description="Null for a breached clock paused since.")
    overdue_by_seconds: int | None


class OverdueOut(Schema):
    total: int
    by_department: list[CountOut]
    by_agent: list[CountOut] = Field(description="By the requests' assignees.")
    by_policy: list[CountOut]
    items: list[OverdueRowOut] = Field(description="The most overdue first (earliest due).")
    next: str | None = Field(description="Pass as `cursor` to get the next page; null at the end.")


class TargetStatsOut(Schema):
    metric: str = Field(description="first_response, next_response or resolution")
    id: int | None = Field(None, description="The department or agent; null for nobody.")
    name: str = ""
    count: int = Field(description="Clocks that ended in the period, cancelled ones aside.")
    met: int = Field(description="Of those, met in time.")
    met_percent: float | None
    median_seconds: float | None = Field(description="Business time taken.")
    p90_seconds: float | None
    paused_total_seconds: float
    paused_average_seconds: float | None


class PeriodOut(Schema):
    start: datetime
    end: datetime
    time_zone: str = Field(description="Where the breaches' weekdays and hours are counted.")
    by_metric: list[TargetStatsOut]
    by_department: list[TargetStatsOut]
    by_agent: list[TargetStatsOut] = Field(
        description="Response targets, by the staff member who answered.")
    breaches: list[list[int]] = Field(
        description="Breaches by weekday (Monday first) and hour (0-23) of the breach.")

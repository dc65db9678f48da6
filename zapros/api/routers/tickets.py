"""Requests: the same operations as the portal and the workspace, through the same services.

Each endpoint parses its input, calls one service or selector and answers in the shape the
caller may see. The rules (who may see and do what, which state allows what) are the
services' and the policies'; their refusals become answers in ``zapros.api.errors``.
"""

from typing import Annotated

from django.conf import settings
from ninja import File, Path, Query, Router, Status
from ninja.files import UploadedFile

from zapros.accounts import roles
from zapros.core.addresses import client_address
from zapros.tickets import policies, selectors, services
from zapros.tickets.files import attachment_response
from zapros.tickets.models import Message

from .. import paging, present, schemas
from ..params import FormOrJson
from ..schemas import MAX_ID, ErrorOut

router = Router(tags=["requests"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
Number = Annotated[int, Path(ge=1, le=MAX_ID, description="The request number, as in #1024.")]
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
API = Message.Channel.API


def _detail(user, number: int, *, reading: bool = False):
    ticket = policies.access_ticket(user, number)
    if reading:
        services.mark_seen(user, ticket)
    return present.ticket_detail(user, ticket)


@router.get("/tickets", response={200: schemas.TicketPage, **ERRORS}, summary="List requests")
def list_tickets(request, filters: Query[schemas.TicketFilters]):
    """Staff get their queue with the workspace's filters and in its order (needing a reply
    first, the nearest deadline first, then the latest activity); clients get their own
    requests (archived ones with `archived=true`), newest activity first. Follow `next` for
    more."""
    user = request.auth
    limit = filters.limit or settings.ZAPROS_QUEUE_PAGE_SIZE
    if roles.is_staff_viewer(user):
        rows, next_cursor = paging.staff_page(user, selectors.QueueFilters(
            department=filters.department,
            status=filters.status,
            state=filters.state,
            assignee=filters.assignee,
            client=filters.client,
            needs_reply=filters.needs_reply,
            overdue=filters.overdue,
            include_archived=filters.include_archived,
        ), filters.cursor, limit)
    else:
        rows, next_cursor = paging.client_page(user, archived=filters.archived,
                                               cursor=filters.cursor, limit=limit)
    return {"items": [present.ticket_item(user, t) for t in rows], "next": next_cursor}


@router.post("/tickets",
             response={201: schemas.TicketOut, **ERRORS, 422: ErrorOut, 429: ErrorOut},
             summary="Open a request")
def create_ticket(request, payload: schemas.TicketIn):
    """A client opens a request for themselves; staff open one for a `client`. A client who
    opens too many in a short time gets 429 with `Retry-After` (seconds)."""
    user = request.auth
    ticket = services.open_ticket(
        user,
        department_id=payload.department,
        subject=payload.subject,
        body=payload.body,
        type=payload.type,
        service_id=payload.service,
        client_id=payload.client,
        priority=payload.priority,
        topic_id=payload.topic,
        channel=API,
        address=client_address(request),
    )
    return Status(201, present.ticket_detail(user, policies.access_ticket(user, ticket.number)))


@router.get("/tickets/{number}", response={200: schemas.TicketOut, **ERRORS},
            summary="A request with its conversation")
def get_ticket(request, number: Number):
    return _detail(request.auth, number, reading=True)


@router.get("/tickets/{number}/messages", response={200: list[schemas.MessageOut], **ERRORS},
            summary="The conversation")
def list_messages(request, number: Number):
    """Clients get the public messages; staff also internal comments (see `visibility`)."""
    user = request.auth
    ticket = policies.access_ticket(user, number)
    services.mark_seen(user, ticket)
    return present.messages(user, ticket)


@router.post(
    "/tickets/{number}/messages", response={201: schemas.MessageOut, **ERRORS, 422: ErrorOut},
    summary="Write into a request",
    # The body may also be JSON (without files); ninja documents only the form.
    openapi_extra={"requestBody": {"content": {
        "application/json": {"schema": schemas.MessageIn.json_schema()},
    }}},
)
def post_message(
    request,
    number: Number,
    payload: Annotated[schemas.MessageIn, FormOrJson()],
    attachments: File[list[UploadedFile]] = None,
):
    """JSON, or multipart form data with files in `attachments`.

    A client's message is a reply. Staff: `visibility: internal` leaves an internal comment;
    otherwise the holder answers the client (`close: true` is *Send and close*), with `note`
    an internal comment and `parameters` the request's parameters written in the same step;
    a `note` without a `body` is an internal comment alone. A client writing into a request
    merged into another writes into that other one, where the conversation goes on.
    """
    user = request.auth
    message = services.write(
        user, number, body=payload.body, internal=payload.visibility == "internal",
        note=payload.note, close=payload.close, parameters=payload.parameters,
        files=attachments or [], channel=API,
    )
    return Status(201, present.message_out(user, message))


@router.post("/tickets/{number}/messages/{message_id}/rating",
             response={200: schemas.RatingOut, **ERRORS, 422: ErrorOut},
             summary="Rate an answer")
def rate_message(request, payload: schemas.RatingIn, number: Number,
                 message_id: ObjectId):
    """The client rates one answer from support, good or bad; rating again replaces it."""
    rating = services.rate(request.auth, number, message_id=message_id, value=payload.value,
                           comment=payload.comment)
    return present.rating_out(rating)


@router.patch("/tickets/{number}/messages/{message_id}",
              response={200: schemas.StaffMessageOut, **ERRORS, 422: ErrorOut},
              summary="Edit a message (staff)")
def edit_message(request, payload: schemas.MessageEditIn, number: Number, message_id: ObjectId):
    """Its author, or a supervisor or admin, corrects a staff message; the earlier text is
    kept (see `/revisions`). The client's messages and system messages cannot be edited, nor
    the messages of an archived request. Clients see only the current text."""
    user = request.auth
    message = services.edit_message(user, number, message_id, body=payload.body)
    return present.message_out(user, message)


@router.get("/tickets/{number}/messages/{message_id}/revisions",
            response={200: list[schemas.RevisionOut], **ERRORS},
            summary="Earlier texts of a message (staff)")
def message_revisions(request, number: Number, message_id: ObjectId):
    """Each earlier text with who replaced it and when, the oldest first."""
    user = request.auth
    policies.ensure_staff(user)
    ticket = policies.access_ticket(user, number)
    return [present.revision_out(r)
            for r in selectors.message_revisions(user, ticket, message_id)]


@router.post("/tickets/{number}/split",
             response={201: schemas.TicketOut, **ERRORS, 422: ErrorOut},
             summary="Split a request (staff)")
def split(request, payload: schemas.SplitIn, number: Number):
    """Move `message_id` and every later message into a new request of the same client;
    answers with the new request."""
    user = request.auth
    new = services.split(user, number, message_id=payload.message_id, subject=payload.subject)
    return Status(201, _detail(user, new.number))


@router.post("/tickets/{number}/merge",
             response={200: schemas.TicketOut, **ERRORS, 422: ErrorOut},
             summary="Merge a request into another one (staff)")
def merge(request, payload: schemas.MergeIn, number: Number):
    """Move every message into `target`, another request of the same client, and archive
    this one with a pointer to it; answers with the target."""
    user = request.auth
    target = services.merge(user, number, target=payload.target)
    return _detail(user, target.number)


@router.post("/tickets/{number}/take", response={200: schemas.TicketOut, **ERRORS},
             summary="Take a request")
def take(request, number: Number):
    """Become its holder and assignee. If someone was faster, 409 names them."""
    services.take(request.auth, number)
    return _detail(request.auth, number)


@router.post("/tickets/{number}/unlock", response={200: schemas.TicketOut, **ERRORS},
             summary="Unlock a request (supervisors)")
def unlock(request, number: Number):
    services.unlock(request.auth, number)
    return _detail(request.auth, number)


@router.post("/tickets/{number}/reassign",
             response={200: schemas.TicketOut, **ERRORS, 422: ErrorOut},
             summary="Hand a request to an agent (supervisors)")
def reassign(request, payload: schemas.ReassignIn, number: Number):
    services.reassign(request.auth, number, payload.agent)
    return _detail(request.auth, number)


@router.post("/tickets/{number}/transfer",
             response={200: schemas.TicketOut, **ERRORS, 422: ErrorOut},
             summary="Copy a request to a department or a staff member")
def transfer(request, payload: schemas.TransferIn, number: Number):
    """The request becomes active there too; whoever holds it keeps it. Staff only."""
    services.transfer(request.auth, number, department_id=payload.department,
                      agent_id=payload.agent)
    return _detail(request.auth, number)


@router.post("/tickets/{number}/freeze",
             response={200: schemas.TicketOut, **ERRORS, 422: ErrorOut},
             summary="Put a request on hold")
def freeze(request, payload: schemas.FreezeIn, number: Number):
    """The holder freezes an open request, with an optional reason and resume day."""
    services.freeze(request.auth, number, reason=payload.reason, resume_on=payload.resume_on)
    return _detail(request.auth, number)


@router.post("/tickets/{number}/resume", response={200: schemas.TicketOut, **ERRORS},
             summary="Resume a request on hold")
def resume(request, number: Number):
    services.resume(request.auth, number)
    return _detail(request.auth, number)


@router.post("/tickets/{number}/resolve", response={200: schemas.TicketOut, **ERRORS},
             summary="Mark a request as solved")
def resolve(request, number: Number):
    """The client who owns it, or the agent who holds it."""
    services.resolve(request.auth, number)
    return _detail(request.auth, number)


@router.post("/tickets/{number}/archive", response={200: schemas.TicketOut, **ERRORS},
             summary="Archive a request")
def archive(request, number: Number):
    """The client, or the agent who holds it, once the request is answered or solved."""
    services.archive(request.auth, number)
    return _detail(request.auth, number)


@router.post("/tickets/{number}/parameters",
             response={200: schemas.TicketOut, **ERRORS, 422: ErrorOut},
             summary="Change a request's parameters")
def save_parameters(request, payload: schemas.ParametersIn, number: Number):
    """The holder changes subject, title, service, topic, type or priority: only the fields
    present in the body."""
    services.save_parameters(request.auth, number, **payload.model_dump(exclude_unset=True))
    return _detail(request.auth, number)


@router.get("/attachments/{attachment_id}", response={200: None, **ERRORS},
            url_name="attachment", summary="Download an attachment")
def download_attachment(request, attachment_id: ObjectId,
                        download: bool = False):
    """Images open inline unless `download` is set; every other file downloads."""
    attachment = policies.access_attachment(request.auth, attachment_id)
    return attachment_response(attachment, download=download)

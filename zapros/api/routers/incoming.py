"""The Incoming inbox: mail from unknown senders, and sorting it. Staff only.

Who may see and sort which mail is ``zapros.mail.policies``, the actions are
``zapros.mail.incoming``; a mail the caller may not see is answered 404 like a missing one.
Refusals become answers in ``zapros.api.errors``."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Path, Query, Router, Schema

from zapros.mail import incoming, policies
from zapros.mail.models import InboundMail

from ..schemas import MAX_ID, DepartmentOut, ErrorOut, Id

router = Router(tags=["incoming"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MailId = Annotated[int, Path(ge=1, le=MAX_ID)]


class IncomingItem(Schema):
    id: int
    sender: str
    sender_name: str
    subject: str
    received_at: datetime
    status: str = Field(description="incoming, attached or discarded.")
    department: DepartmentOut
    ticket: int | None = Field(None, description="The request number, once sorted.")


class IncomingPage(Schema):
    items: list[IncomingItem]
    next: int | None = Field(None, description="Pass as `before` for the next page.")


class PartOut(Schema):
    name: str
    content_type: str
    size: int


class IncomingOut(IncomingItem):
    to: list[str]
    cc: list[str]
    reply_to: str
    text: str
    html: str = Field(description="Sanitised HTML of the mail, empty when it had none.")
    files: list[PartOut]


class IncomingFilters(Schema):
    status: str = Field("incoming", pattern="^(incoming|discarded)$")
    before: Id | None = None
    limit: int = Field(50, ge=1, le=200)


class IncomingClientIn(Schema):
    client: Id


class TicketNumberIn(Schema):
    number: Id


def item(mail: InboundMail) -> dict:
    return {
        "id": mail.pk, "sender": mail.sender, "sender_name": mail.sender_name,
        "subject": mail.subject, "received_at": mail.received_at, "status": mail.status,
        "department": {"id": mail.gateway.department.pk, "name": mail.gateway.department.name},
        "ticket": mail.ticket.number if mail.ticket else None,
    }


def detail(user, mail_id: int) -> dict:
    mail = policies.access_incoming(user, mail_id)
    parsed = incoming.read(mail)
    return {
        **item(mail), "to": parsed.to, "cc": parsed.cc, "reply_to": parsed.reply_to,
        "text": parsed.text, "html": parsed.html,
        "files": [{"name": p.name, "content_type": p.content_type, "size": p.size}
                  for p in parsed.parts],
    }


@router.get("/incoming", response={200: IncomingPage, **ERRORS}, summary="List Incoming mail")
def list_incoming(request, filters: Query[IncomingFilters]):
    """Mail waiting to be sorted (or, with `status=discarded`, put aside), newest first, in
    the caller's departments (all of them for supervisors and admins)."""
    mails, next_before = incoming.incoming_page(
        request.auth, status=filters.status, before=filters.before, limit=filters.limit)
    return {"items": [item(m) for m in mails], "next": next_before}


@router.get("/incoming/{mail_id}", response={200: IncomingOut, **ERRORS},
            summary="Read an Incoming mail")
def get_incoming(request, mail_id: MailId):
    return detail(request.auth, mail_id)


@router.post("/incoming/{mail_id}/attach", response={200: IncomingOut, **ERRORS},
             summary="Open a request for a client from the mail")
def attach(request, mail_id: MailId, payload: IncomingClientIn):
    incoming.attach_to_client(request.auth, mail_id, client_id=payload.client)
    return detail(request.auth, mail_id)


@router.post("/incoming/{mail_id}/create-client", response={200: IncomingOut, **ERRORS},
             summary="Register the sender as a client and open a request")
def create_client(request, mail_id: MailId):
    incoming.create_client(request.auth, mail_id)
    return detail(request.auth, mail_id)


@router.post("/incoming/{mail_id}/append", response={200: IncomingOut, **ERRORS},
             summary="Add the mail to a request as its client's message")
def append(request, mail_id: MailId, payload: TicketNumberIn):
    incoming.append_to_ticket(request.auth, mail_id, number=payload.number)
    return detail(request.auth, mail_id)


@router.post("/incoming/{mail_id}/discard", response={200: IncomingOut, **ERRORS},
             summary="Put the mail aside (it can be restored)")
def discard(request, mail_id: MailId):
    incoming.discard(request.auth, mail_id)
    return detail(request.auth, mail_id)


@router.post("/incoming/{mail_id}/restore", response={200: IncomingOut, **ERRORS},
             summary="Bring a discarded mail back to Incoming")
def restore(request, mail_id: MailId):
    incoming.restore(request.auth, mail_id)
    return detail(request.auth, mail_id)

"""Who hears about a request: staff followers, the client's copy (Cc) addresses, and the
delivery of the request's mail (staff only).

Followers and mail are staff data; the copy list is the client's own, shown to them without
anything staff know about it. The rules are in ``zapros.tickets`` (policies and services).
"""

from datetime import datetime
from typing import Annotated

from ninja import Field, Path, Router, Schema, Status

from zapros.accounts import roles
from zapros.tickets import policies, selectors, services

from ..schemas import MAX_ID, ErrorOut, PersonOut

router = Router(tags=["followers"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
Number = Annotated[int, Path(ge=1, le=MAX_ID, description="The request number, as in #1024.")]
MailId = Annotated[int, Path(ge=1, le=MAX_ID)]
MAILS_LISTED = 200


class FollowersOut(Schema):
    following: bool = Field(description="Whether the caller follows the request.")
    followers: list[PersonOut]


class ClientCcOut(Schema):
    email: str


class StaffCcOut(Schema):
    email: str
    added_by: PersonOut
    created: datetime


class CcIn(Schema):
    email: str = Field(min_length=1, max_length=1000)


class MailOut(Schema):
    id: int
    to: list[str]
    cc: list[str]
    subject: str
    message_id: str = Field(description="The Message-ID header of the mail.")
    status: str = Field(description="queued, sending, sent or failed")
    attempts: int
    last_error: str
    next_attempt_at: datetime | None = Field(description="When a queued mail is tried next.")
    sent_at: datetime | None
    created: datetime


def _followers(user, number: int) -> FollowersOut:
    ticket = policies.access_ticket(user, number)
    policies.ensure_staff(user)
    followers = selectors.followers(user, ticket)
    return FollowersOut(
        following=any(f.user_id == user.pk for f in followers),
        followers=[PersonOut(id=f.user.pk, name=f.user.display_name) for f in followers],
    )


def _copies(user, number: int) -> list:
    ticket = policies.access_ticket(user, number)
    addresses = selectors.copy_addresses(user, ticket)
    if not roles.is_staff_viewer(user):
        return [ClientCcOut(email=cc.email) for cc in addresses]
    return [
        StaffCcOut(email=cc.email, created=cc.created_at,
                   added_by=PersonOut(id=cc.added_by.pk, name=cc.added_by.display_name))
        for cc in addresses
    ]


def _mail(mail) -> MailOut:
    queued = mail.status == mail.Status.QUEUED
    return MailOut(
        id=mail.pk, to=mail.to, cc=mail.cc, subject=mail.subject, message_id=mail.message_id,
        status=mail.status, attempts=mail.attempts, last_error=mail.last_error,
        next_attempt_at=mail.next_attempt_at if queued else None, sent_at=mail.sent_at,
        created=mail.created_at,
    )


@router.get("/tickets/{number}/followers", response={200: FollowersOut, **ERRORS},
            summary="Staff following a request")
def list_followers(request, number: Number):
    return _followers(request.auth, number)


@router.post("/tickets/{number}/followers", response={200: FollowersOut, **ERRORS},
             summary="Follow a request (staff)")
def follow(request, number: Number):
    """The caller gets mail about the request's conversation while they can see it."""
    services.follow(request.auth, number)
    return _followers(request.auth, number)


@router.delete("/tickets/{number}/followers", response={200: FollowersOut, **ERRORS},
               summary="Stop following a request (staff)")
def unfollow(request, number: Number):
    services.unfollow(request.auth, number)
    return _followers(request.auth, number)


@router.get("/tickets/{number}/cc",
            response={200: list[StaffCcOut] | list[ClientCcOut], **ERRORS},
            summary="Addresses in copy")
def list_cc(request, number: Number):
    """The addresses that get support's public replies in copy: for the client who owns the
    request and for staff."""
    return _copies(request.auth, number)


@router.post("/tickets/{number}/cc",
             response={201: list[StaffCcOut] | list[ClientCcOut], **ERRORS, 422: ErrorOut},
             summary="Add an address in copy")
def add_cc(request, payload: CcIn, number: Number):
    """Answers the whole list. Refused (422, field `email`): a malformed address, one already
    on the list, a support address, or more than the maximum."""
    services.add_cc(request.auth, number, payload.email)
    return Status(201, _copies(request.auth, number))


@router.delete("/tickets/{number}/cc/{email}",
               response={200: list[StaffCcOut] | list[ClientCcOut], **ERRORS, 422: ErrorOut},
               summary="Remove an address from copy")
def remove_cc(request, number: Number, email: str):
    services.remove_cc(request.auth, number, email)
    return _copies(request.auth, number)


@router.get("/tickets/{number}/mails", response={200: list[MailOut], **ERRORS},
            summary="Delivery of a request's mail (staff)")
def list_mails(request, number: Number):
    """The newest mail sent about the request (to the client, copies and followers), with its
    delivery status and the last error."""
    user = request.auth
    ticket = policies.access_ticket(user, number)
    policies.ensure_staff(user)
    return [_mail(m) for m in selectors.mails(user, ticket, limit=MAILS_LISTED)]


@router.post("/tickets/{number}/mails/{mail_id}/retry", response={200: MailOut, **ERRORS},
             summary="Send a failed mail again (staff)")
def retry_mail(request, number: Number, mail_id: MailId):
    mail = services.retry_mail(request.auth, number, mail_id)
    mail.refresh_from_db()
    return _mail(mail)

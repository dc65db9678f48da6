"""Mail that opens a request. (A mail answering one is a client's message like any other:
``posting.client_reply`` with the e-mail channel.)

The mail gateway decides the department (a client writing to the billing address opens a
billing request, whether or not clients may pick that department in the portal). Staff sorting
the Incoming inbox use the same operations on the client's behalf: the message is the client's,
the event names the agent.
"""

from datetime import datetime

from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import ValidationFailed
from zapros.core.validation import clean_id

from .. import attachments, policies
from ..models import Message, Ticket
from ..validation import SUBJECT_MAX
from .creation import client_and_department, insert_ticket
from .posting import mail_html, mail_text

EMAIL = Message.Channel.EMAIL


def open_ticket_from_email(
    actor: User,
    *,
    client_id: int,
    department_id: int,
    subject: str,
    body: str,
    files=(),
    email_message_id: str = "",
    notes=(),
    html: str = "",
    asked_at: datetime | None = None,
) -> Ticket:
    """Open a ticket from a mail in the department its gateway routes to.

    ``actor`` is the client who wrote (the mail importer acts as them), or a staff member
    filing an Incoming mail for the client. Subject and body are the mail's, shortened to what
    a ticket holds; an empty subject becomes "(no subject)". ``notes`` become internal system
    lines (files that were left out). ``asked_at``: when the mail arrived, if earlier than
    now (a mail sorted from the Incoming inbox): the client's wait, and with it the SLA
    clocks, began then. Writes the ticket, the client's public message with
    ``email_message_id`` and its files, the notes and a ``created`` event in one transaction.
    """
    opening = policies.opening_for(actor, client_id)
    # The gateway decides the department, whichever it is: no support-center limit here.
    client, department = client_and_department(
        opening.client_id, clean_id(department_id), support_center_only=False
    )
    if client is None or not client.user.is_active:
        raise ValidationFailed(_("Choose a client."), field="client")
    if department is None:
        raise ValidationFailed(_("Choose a department."), field="department")
    subject = _subject(subject)
    body = mail_text(body)
    uploads = attachments.prepare_uploads(files)
    now = clock.now()
    ticket = Ticket(
        client=client, department=department, subject=subject, title=subject,
        created_at=now, updated_at=now,
    )
    return insert_ticket(
        ticket, actor, body=body, channel=EMAIL, uploads=uploads,
        email_message_id=email_message_id[:255], html=mail_html(html), notes=notes,
        asked_at=asked_at if asked_at is not None and asked_at < now else None,
    )


def _subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "…"
    return subject or _("(no subject)")

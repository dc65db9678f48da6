"""Mail about tickets: composed here in each recipient's language, queued in the outbox
(``zapros.notify``) inside the service's transaction and sent after the commit.

Who gets what:
- a public staff reply goes to the client, with the ticket's copy (Cc) addresses, from the
  department's address, threaded (Message-ID kept on the message, In-Reply-To, References);
- staff followers who can still see the ticket get public replies, internal comments and
  client messages, each in their own language, with a link to the workspace;
- nobody is mailed their own action, and internal comments never reach a client's mail.
"""

from email.utils import formataddr

from django.conf import settings
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from zapros.accounts.models import Department, User
from zapros.notify import outbox
from zapros.notify.models import OutgoingMail

from . import policies
from .models import CcAddress, Follower, Message, Ticket

REFERENCES_MAX = 10
AUTOMATIC = {"Auto-Submitted": "auto-generated"}


def reference(ticket: Ticket) -> str:
    """How the outbox rows of ``ticket`` are found again."""
    return f"ticket:{ticket.pk}"


def reference_sql(ticket_id) -> Concat:
    """:func:`reference` in SQL, of a ticket's id expression (an ``OuterRef``, say)."""
    return Concat(Value("ticket:"), Cast(ticket_id, CharField()), output_field=CharField())


def sender(department: Department) -> str:
    """The department's outgoing address (what its gateway serves), else DEFAULT_FROM_EMAIL."""
    if department.outgoing_email:
        return formataddr((department.name, department.outgoing_email))
    return settings.DEFAULT_FROM_EMAIL


def new_message_id(ticket: Ticket) -> str:
    """The Message-ID for a reply about to be mailed; the service stores it on the message."""
    return outbox.new_message_id(sender(ticket.department), tag=f"zapros.{ticket.number}")


def subject_line(ticket: Ticket, lead: str = "Re:") -> str:
    """``Re: Site is down [#1024]``: the number in brackets is what threads a reply back."""
    return f"{lead} {ticket.subject} [#{ticket.number}]"


def message_posted(message: Message, actor: User) -> None:
    """Queue every mail a new message causes. Call inside the service's transaction, after
    the message (and its attachments) are written."""
    if message.from_staff and message.is_public:
        _mail_client(message, actor)
    _mail_staff_followers(message, actor)


def _thread(ticket: Ticket, exclude: int) -> tuple[str, list[str]]:
    """In-Reply-To and References for a new mail: the latest known mail of the thread, and the
    first one plus the latest few (bounded, oldest first)."""
    known = (
        Message.objects.filter(ticket=ticket, visibility=Message.Visibility.PUBLIC)
        .exclude(email_message_id="").exclude(pk=exclude)
    )
    latest = list(
        known.order_by("-created_at", "-id").values_list("email_message_id", flat=True)[
            :REFERENCES_MAX - 1
        ]
    )[::-1]
    if not latest:
        return "", []
    first = known.order_by("created_at", "id").values_list("email_message_id", flat=True)[0]
    references = latest if first in latest else [first, *latest]
    return latest[-1], references


def _attachments(message: Message) -> list[dict]:
    return [
        {"path": a.file.name, "name": a.original_name, "content_type": a.content_type}
        for a in message.attachments.order_by("id")
    ]


def _url(name: str, ticket: Ticket, message: Message | None = None) -> str:
    url = settings.ZAPROS_BASE_URL + reverse(name, args=[ticket.number])
    return f"{url}#m{message.pk}" if message is not None else url


def _render(template: str, language: str, context: dict) -> tuple[str, str]:
    with translation.override(language):
        text = render_to_string(f"tickets/mail/{template}.txt", context)
        html = render_to_string(f"tickets/mail/{template}.html", context)
    return text, html


def _mail_client(message: Message, actor: User) -> OutgoingMail:
    ticket = message.ticket
    client = ticket.client.user
    cc = [
        email for email in CcAddress.objects.filter(ticket=ticket).values_list("email", flat=True)
        if email not in {client.email, actor.email}
    ]
    from_email = sender(ticket.department)
    in_reply_to, references = _thread(ticket, exclude=message.pk)
    files = _attachments(message)
    text, html = _render("client_reply", client.language, {
        "ticket": ticket, "message": message, "author": actor,
        "attachments": [file["name"] for file in files],
        "url": _url("portal:ticket", ticket, message),
    })
    return outbox.queue(
        reference=reference(ticket),
        from_email=from_email,
        reply_to=ticket.department.outgoing_email or from_email,
        to=[client.email],
        cc=cc,
        subject=subject_line(ticket),
        body_text=text,
        body_html=html,
        message_id=message.email_message_id or new_message_id(ticket),
        in_reply_to=in_reply_to,
        references=references,
        attachments=files,
    )


def _mail_staff_followers(message: Message, actor: User) -> list[OutgoingMail]:
    ticket = message.ticket
    followers = [
        follower for follower in (
            Follower.objects.filter(ticket=ticket, user__is_active=True)
            .exclude(user=actor).select_related("user").order_by("id")
        )
        if policies.may_follow(follower.user, ticket)
    ]
    if not followers:
        return []
    in_reply_to, references = _thread(ticket, exclude=0)
    names = [file["name"] for file in _attachments(message)]
    mails = []
    for follower in followers:
        user = follower.user
        with translation.override(user.language):
            if message.is_internal:
                lead = _("Internal comment:")
            elif message.from_client:
                lead = _("Client wrote:")
            else:
                lead = _("Reply sent:")
        text, html = _render("staff_message", user.language, {
            "ticket": ticket, "message": message, "author": message.author,
            "lead": lead, "attachments": names,
            "url": _url("staff:ticket", ticket),
        })
        mails.append(outbox.queue(
            reference=reference(ticket),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            subject=subject_line(ticket, lead),
            body_text=text,
            body_html=html,
            message_id=new_message_id(ticket),
            in_reply_to=in_reply_to,
            references=references,
            headers=AUTOMATIC,
        ))
    return mails


def ticket_mails(ticket: Ticket, *, failed_only: bool = False):
    """The outbox rows of ``ticket``, newest first (one query). Staff only: the caller has
    checked that the user sees the ticket as staff."""
    mails = OutgoingMail.objects.filter(reference=reference(ticket))
    if failed_only:
        mails = mails.filter(status=OutgoingMail.Status.FAILED)
    return mails.order_by("-created_at", "-id")

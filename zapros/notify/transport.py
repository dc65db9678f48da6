"""SMTP delivery of one outbox row through Django's mail backend (``EMAIL_*`` settings, read at
call time). Raises whatever the backend raises; the outbox decides what a failure means."""

from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection

from .models import OutgoingMail


def build(mail: OutgoingMail) -> EmailMultiAlternatives:
    headers = {**mail.headers, "Message-ID": mail.message_id}
    if mail.in_reply_to:
        headers["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        headers["References"] = mail.references
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=mail.from_email,
        to=list(mail.to),
        cc=list(mail.cc),
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers=headers,
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    for item in mail.attachments:
        with default_storage.open(item["path"], "rb") as file:
            message.attach(item["name"], file.read(), item.get("content_type") or None)
    return message


def deliver(mail: OutgoingMail) -> None:
    message = build(mail)
    with get_connection(fail_silently=False) as connection:
        connection.send_messages([message])

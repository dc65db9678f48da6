"""SMTP delivery of one outbox row through Django's mail backend (``EMAIL_*`` settings, read at
call time). Raises whatever the backend raises; the outbox decides what a failure means.

Over SMTP the envelope is sent here rather than by the backend, because the backend drops what
the server answers when it refuses some recipients and accepts the others."""

import smtplib

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

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


def deliver(mail: OutgoingMail, recipients: list[str]) -> dict[str, tuple[int, str]]:
    """Send ``mail`` to the envelope ``recipients`` (its headers name everyone). Returns the
    recipients the server refused, ``{address: (code, reply)}``: all of them when it accepted
    none."""
    message = build(mail)
    with get_connection(fail_silently=False) as connection:
        if not isinstance(connection, SMTPBackend):  # console, files, tests' memory
            connection.send_messages([message])
            return {}
        encoding = message.encoding or settings.DEFAULT_CHARSET
        envelope = {sanitize_address(address, encoding): address for address in recipients}
        try:
            refused = connection.connection.sendmail(
                sanitize_address(message.from_email, encoding), list(envelope),
                message.message().as_bytes(linesep="\r\n"),
            )
        except smtplib.SMTPRecipientsRefused as error:
            refused = error.recipients
    return {envelope.get(address, address): (code, _text(reply))
            for address, (code, reply) in refused.items()}


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)

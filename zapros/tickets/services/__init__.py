"""Every operation on a ticket. Views, the API, mail, tasks and importers call these."""

from .clients import update_client_comment
from .creation import open_ticket
from .diagnostics import dns_lookup, whois_lookup
from .editing import edit_message
from .email import open_ticket_from_email, reply_from_email
from .followers import add_cc, follow, remove_cc, retry_mail, unfollow
from .holding import reassign, take, unlock
from .lifecycle import (
    archive,
    client_reply,
    client_resolve,
    comment,
    freeze,
    mark_seen,
    rate,
    resolve,
    respond,
    resume,
    save_parameters,
)
from .restructure import merge, split
from .templates import (
    create_template,
    deactivate_template,
    render_template,
    update_template,
)
from .transfer import transfer

__all__ = [
    "add_cc", "archive", "client_reply", "client_resolve", "comment", "create_template",
    "deactivate_template", "dns_lookup", "edit_message", "follow", "freeze", "mark_seen", "merge",
    "open_ticket", "open_ticket_from_email", "rate", "reassign", "remove_cc", "render_template",
    "reply_from_email", "resolve", "respond", "resume", "retry_mail", "save_parameters", "split",
    "take", "transfer", "unfollow", "unlock", "update_client_comment", "update_template",
    "whois_lookup"
]

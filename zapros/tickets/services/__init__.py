"""Every operation on a ticket. Views, the API, mail, tasks and importers call these."""

from .creation import open_ticket
from .editing import edit_message
from .email import open_ticket_from_email
from .followers import add_cc, follow, remove_cc, retry_mail, unfollow
from .holding import reassign, take, unlock
from .lifecycle import (
    archive,
    freeze,
    mark_seen,
    rate,
    resolve,
    resume,
    save_parameters,
)
from .posting import client_reply, comment, reply, write
from .restructure import merge, split
from .templates import (
    create_template,
    deactivate_template,
    render_template,
    update_template,
)
from .transfer import transfer

__all__ = [
    "add_cc", "archive", "client_reply", "comment", "create_template", "deactivate_template",
    "edit_message", "follow", "freeze", "mark_seen", "merge", "open_ticket",
    "open_ticket_from_email", "rate", "reassign", "remove_cc", "render_template", "reply",
    "resolve", "resume", "retry_mail", "save_parameters", "split", "take", "transfer",
    "unfollow", "unlock", "update_template", "write",
]

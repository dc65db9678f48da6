"""Every operation on a ticket. Views, the API, mail, tasks and importers call these."""

from .clients import update_client_comment
from .creation import open_ticket
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
from .templates import (
    create_template,
    deactivate_template,
    render_template,
    update_template,
)
from .transfer import transfer

__all__ = [
    "archive", "client_reply", "client_resolve", "comment", "create_template",
    "deactivate_template", "freeze", "mark_seen", "open_ticket", "rate", "reassign",
    "render_template", "resolve", "respond", "resume", "save_parameters", "take", "transfer",
    "unlock", "update_client_comment", "update_template",
]

"""Every operation on a ticket. Views, the API, mail, tasks and importers call these."""

from .creation import open_ticket
from .diagnostics import dns_lookup, whois_lookup
from .editing import edit_message
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
    "archive", "client_reply", "client_resolve", "comment", "create_template",
    "deactivate_template", "dns_lookup", "edit_message", "freeze", "mark_seen", "merge",
    "open_ticket", "rate", "reassign", "render_template", "resolve", "respond", "resume",
    "save_parameters", "split", "take", "transfer", "unlock", "update_template", "whois_lookup",
]

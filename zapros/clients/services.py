"""What staff write about a client (not a ticket, but the same rules: policy, audit)."""

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import ValidationFailed

from . import policies
from .models import Client, CommentRevision

CLIENT_COMMENT_MAX = 5000


def update_client_comment(actor: User, client_id: int, *, body: str) -> Client:
    """A staff member rewrites the internal comment about a client (only staff ever see it).

    Locks the client row; keeps the new text with its author and time as a CommentRevision,
    the client's audit; nothing is written when the text is unchanged. Raises NotFound
    (not staff, no such client) and ValidationFailed (``internal_comment``, too long).
    """
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > CLIENT_COMMENT_MAX:
        raise ValidationFailed(
            _("The comment is too long (at most %(max)d characters).")
            % {"max": CLIENT_COMMENT_MAX},
            field="internal_comment",
        )
    with transaction.atomic():
        client = policies.access_client(actor, client_id, for_update=True)
        if client.internal_comment != body:
            client.internal_comment = body
            client.save(update_fields=["internal_comment"])
            CommentRevision.objects.create(
                client=client, body=body, author=actor, created_at=clock.now()
            )
    return client

"""Who may see which client. Every staff member sees every client: an agent needs any
client's context to open a request for them or to answer a mail; what they see of the
client's *requests* is still cut by ``tickets.policies.visible_tickets``."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zapros.accounts import roles
from zapros.accounts.models import User
from zapros.core.errors import Forbidden, NotFound
from zapros.core.validation import clean_id

from .models import Client


def visible_clients(user: User) -> QuerySet[Client]:
    """Clients whose page ``user`` may open: every client for staff, nobody for anyone else."""
    if not roles.is_staff_viewer(user):
        return Client.objects.none()
    return Client.objects.all()


def access_client(user: User, client_id: int, *, for_update: bool = False) -> Client:
    """The client ``client_id`` if ``user`` may see them; NotFound otherwise (clients and
    anonymous callers alike, so that ids cannot be probed)."""
    clients = visible_clients(user)
    if for_update:
        clients = clients.select_for_update(of=("self",))
    client_id = clean_id(client_id)
    client = clients.select_related("user").filter(pk=client_id).first() if client_id else None
    if client is None:
        raise NotFound(_("There is no such client."))
    return client


def may_register(user: User) -> bool:
    """Registering a client account (from a mail in Incoming, on a client's behalf): staff."""
    return roles.is_staff_viewer(user)


def ensure_can_register(user: User) -> None:
    if not may_register(user):
        raise Forbidden(_("Only support staff can register clients."))

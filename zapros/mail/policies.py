"""Who may see and do what in the mail channel: the Incoming inbox and the mail gateways.

The mail counterpart of ``zapros.tickets.policies``, built on the same role predicates
(``zapros.accounts.roles``). Every Incoming operation fetches its mail with
:func:`access_incoming` and every gateway operation its gateway with :func:`access_gateway`;
missing and invisible objects raise the same :class:`NotFound`, so ids cannot be probed.

- Incoming mail is seen, downloaded and sorted (attached to a client, its sender registered
  as a client, appended to a request, discarded, restored) by the staff of the gateway's
  department, and by supervisors and administrators in every department. For everyone else
  the inbox does not exist. Appending also needs the request to be one the person sees
  (``tickets.policies.access_ticket``); registering the sender follows
  ``clients.policies.ensure_can_register``.
- Gateways are seen, created, edited, tested and polled by administrators only.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zapros.accounts import roles
from zapros.accounts.models import User
from zapros.core.errors import Conflict, NotFound
from zapros.core.validation import clean_id

from .models import InboundMail, MailGateway

Status = InboundMail.Status
# What the inbox holds: mail waiting for a person, and mail people sorted or put aside.
INBOX = (Status.INCOMING, Status.ATTACHED, Status.DISCARDED)


# --- Incoming -------------------------------------------------------------------------------

def may_see_incoming(user: User) -> bool:
    """Whether the Incoming inbox exists for ``user`` at all: active staff."""
    return roles.is_staff_viewer(user)


def ensure_can_see_incoming(user: User) -> None:
    if not may_see_incoming(user):
        raise NotFound(_("There is no such mail."))


def visible_incoming(user: User) -> QuerySet[InboundMail]:
    """Mail that went to Incoming (waiting, sorted or discarded) that ``user`` may see: all of
    it for supervisors and administrators, that of their departments' gateways for agents,
    none for anyone else."""
    mails = InboundMail.objects.filter(status__in=INBOX)
    if not may_see_incoming(user):
        return mails.none()
    if roles.is_overseer(user):
        return mails
    return mails.filter(gateway__department__in=user.departments.all())


def access_incoming(user: User, mail_id, *, for_update: bool = False) -> InboundMail:
    """The Incoming mail ``mail_id`` if ``user`` may see it, discarded and sorted ones
    included; NotFound otherwise. With ``for_update`` the row is locked until the surrounding
    transaction ends."""
    mail_id = clean_id(mail_id)
    mails = visible_incoming(user)
    if for_update:
        mails = mails.select_for_update(of=("self",))
    else:
        mails = mails.select_related("gateway__department", "ticket", "handled_by")
    mail = mails.filter(pk=mail_id).first() if mail_id else None
    if mail is None:
        raise NotFound(_("There is no such mail."))
    return mail


def may_sort(user: User, mail: InboundMail) -> bool:
    """Whether the page offers sorting ``mail`` (which ``user`` got from
    :func:`access_incoming`): it is still waiting. The same check the operations run."""
    return may_see_incoming(user) and mail.status == Status.INCOMING


def ensure_can_sort(user: User, mail: InboundMail) -> None:
    """Attach, register the sender, append or discard: only a mail still waiting."""
    ensure_can_see_incoming(user)
    if mail.status != Status.INCOMING:
        raise Conflict(_("This mail has already been sorted."))


def may_restore(user: User, mail: InboundMail) -> bool:
    return may_see_incoming(user) and mail.status == Status.DISCARDED


def ensure_can_restore(user: User, mail: InboundMail) -> None:
    ensure_can_see_incoming(user)
    if mail.status != Status.DISCARDED:
        raise Conflict(_("Only a discarded mail can be restored."))


# --- Gateways -------------------------------------------------------------------------------

def may_manage_gateways(user: User) -> bool:
    """Seeing, creating, editing, testing and polling gateways: active administrators."""
    return roles.is_admin(user)


def ensure_can_manage_gateways(user: User) -> None:
    """For anyone but an administrator the gateway pages do not exist."""
    if not may_manage_gateways(user):
        raise NotFound(_("There is no such mail gateway."))


def visible_gateways(user: User) -> QuerySet[MailGateway]:
    if not may_manage_gateways(user):
        return MailGateway.objects.none()
    return MailGateway.objects.select_related("department")


def access_gateway(user: User, gateway_id) -> MailGateway:
    """The gateway for an administrator; NotFound for anyone else and for a missing one."""
    gateway_id = clean_id(gateway_id)
    gateway = visible_gateways(user).filter(pk=gateway_id).first() if gateway_id else None
    if gateway is None:
        raise NotFound(_("There is no such mail gateway."))
    return gateway

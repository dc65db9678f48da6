"""Managing mail gateways (who may is ``zapros.mail.policies``: administrators). Passwords
are stored encrypted. A gateway's host must be on the internet, not inside the server's own
network (``zapros.mail.fetching.resolve``), when it is saved and again at every connection."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.core.errors import ValidationFailed

from . import fetching, policies, polling, secrets
from .models import InboundMail, MailGateway

logger = logging.getLogger(__name__)

FIELDS = ("name", "protocol", "host", "port", "security", "login", "folder", "address",
          "department", "poll_interval", "enabled", "pop3_mode")


def gateway_list(user: User) -> list[MailGateway]:
    """Every gateway, for an administrator; NotFound for anyone else."""
    policies.ensure_can_manage_gateways(user)
    return list(policies.visible_gateways(user))


def save_gateway(actor: User, gateway_id: int | None = None, *, password: str = "",
                 **values) -> MailGateway:
    """Create a gateway (``gateway_id`` None) or change one. An empty ``password`` keeps the
    stored one; a new gateway needs one. Raises NotFound (not an administrator, no such
    gateway) and ValidationFailed naming the field."""
    if gateway_id is None:
        policies.ensure_can_manage_gateways(actor)
        gateway = MailGateway()
    else:
        gateway = policies.access_gateway(actor, gateway_id)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    if gateway.pk is None and not password:
        raise ValidationFailed(_("Enter the mailbox password."), field="password")
    for name, value in values.items():
        setattr(gateway, name, value)
    gateway.address = (gateway.address or "").strip().lower()
    if password:
        gateway.password_encrypted = secrets.encrypt(password)
    try:
        gateway.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ValidationFailed(messages[0], field=field) from None
    if not 1 <= gateway.port <= 65535:
        raise ValidationFailed(_("Enter a port between 1 and 65535."), field="port")
    if not 1 <= gateway.poll_interval <= 1440:
        raise ValidationFailed(_("Poll every 1 to 1440 minutes."), field="poll_interval")
    try:
        fetching.resolve(gateway.host, gateway.port)
    except fetching.ForbiddenAddress:
        raise ValidationFailed(
            _("Enter the address of a mail server on the internet: addresses of this server "
              "and of its local network are not allowed."), field="host",
        ) from None
    except fetching.MailboxError:
        pass   # not found now: perhaps not yet; every connection checks again
    with transaction.atomic():
        gateway.save()
    return gateway


def test_connection(actor: User, gateway_id) -> str:
    """Log in to the gateway's mailbox with a short timeout. Returns what the mailbox holds;
    raises ValidationFailed when it cannot, with one message whatever went wrong: the answer
    must not tell a closed port from an open one, or an address that is refused from one
    that is not (the server's words go to the log)."""
    gateway = policies.access_gateway(actor, gateway_id)
    try:
        count = fetching.check(polling.account(gateway),
                               timeout=settings.ZAPROS_MAIL_TEST_TIMEOUT)
    except fetching.MailboxError as error:
        logger.warning("Testing mail gateway %s failed: %s", gateway.pk, error)
        raise ValidationFailed(
            _("The connection failed. Check the host, port, security, login and password."),
            field="connection",
        ) from None
    return _("The connection works: %(count)d messages in the mailbox.") % {"count": count}


def poll_now(actor: User, gateway_id) -> None:
    """Queue a poll of the gateway at once, whatever its interval."""
    gateway = policies.access_gateway(actor, gateway_id)
    polling.request(gateway.pk)


def skipped_log(gateway: MailGateway, limit: int = 50) -> QuerySet[InboundMail]:
    """The latest auto-replies, bounces and throttled mails of a gateway."""
    return InboundMail.objects.filter(
        gateway=gateway,
        status__in=[InboundMail.Status.AUTO_REPLY, InboundMail.Status.BOUNCE,
                    InboundMail.Status.THROTTLED],
    ).order_by("-received_at", "-id")[:limit]

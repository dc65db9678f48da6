"""What staff write about a client (not a ticket, but the same rules: policy, audit)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import Role, User
from zapros.core import clock
from zapros.core.errors import ValidationFailed

from . import policies
from .models import Client, CommentRevision

CLIENT_COMMENT_MAX = 5000
NAME_MAX = User._meta.get_field("name").max_length


def address_in_use(email: str) -> bool:
    """Whether an account (a client's or staff's) signs in with ``email``, in any case."""
    email = (email or "").strip()
    return bool(email) and User.objects.filter(email__iexact=email).exists()


def register_client(actor: User, *, email: str, name: str = "", language: str | None = None,
                    company: str = "") -> Client:
    """A staff member opens a client account: from a mail in Incoming, or for a client who
    asked. The account has no usable password; the client sets one through "forgot
    password". Its registration time (``User.date_joined``) is the app's clock.

    ``email`` is the login (stored in lower case), ``language`` one of ``LANGUAGES`` (the
    site's own when omitted). Writes the user and the client in one transaction. Raises
    Forbidden (not staff) and ValidationFailed (``email``: not an address or already an
    account's; ``name`` or ``company`` too long; ``language`` not offered).
    """
    policies.ensure_can_register(actor)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    name = " ".join((name or "").split())
    if len(name) > NAME_MAX:
        raise ValidationFailed(
            _("The name is too long (at most %(max)d characters).") % {"max": NAME_MAX},
            field="name",
        )
    company = " ".join((company or "").split())
    company_max = Client._meta.get_field("company").max_length
    if len(company) > company_max:
        raise ValidationFailed(
            _("The company name is too long (at most %(max)d characters).")
            % {"max": company_max},
            field="company",
        )
    language = language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Choose one of the languages offered."), field="language")
    taken = ValidationFailed(_("%(address)s already has an account.") % {"address": email},
                             field="email")
    if address_in_use(email):
        raise taken
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, None, name=name, role=Role.CLIENT,
                                            language=language, date_joined=clock.now())
            return Client.objects.create(user=user, company=company)
    except IntegrityError:
        # Registered meanwhile by someone else: the unique address decides.
        raise taken from None


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

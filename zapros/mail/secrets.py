"""Gateway passwords at rest: encrypted with Fernet under a key from the environment.

``ZAPROS_MAIL_KEY`` holds a Fernet key (``Fernet.generate_key()``). Only with DEBUG may the key
be derived from SECRET_KEY, so that a development setup works without configuration; a
production setup without the key refuses to store or read passwords. Settings are read at call
time.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from zapros.core.errors import ValidationFailed


def _fernet() -> Fernet:
    key = getattr(settings, "ZAPROS_MAIL_KEY", "")
    if not key:
        if not settings.DEBUG or not settings.SECRET_KEY:
            raise ImproperlyConfigured(
                "ZAPROS_MAIL_KEY is not set: gateway passwords cannot be encrypted."
            )
        digest = hashlib.sha256(f"zapros-mail:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    try:
        return Fernet(key)
    except ValueError:
        raise ImproperlyConfigured("ZAPROS_MAIL_KEY is not a valid Fernet key.") from None


def encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The password, or ValidationFailed when it was encrypted under another key."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ValidationFailed(
            _("The stored password cannot be read with the current ZAPROS_MAIL_KEY; "
              "enter it again."),
            field="password",
        ) from None

"""Domain names as people type them and as the network wants them.

A service's domain is kept as it was given (``пример.рф`` stays Cyrillic for the people who
read it) and turned into its ASCII form (``xn--e1afmkfd.xn--p1ai``) whenever it is sent to
a DNS or whois server. Pure: no ORM.
"""

import encodings.idna
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 253
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def to_ascii(name: str) -> str:
    """The ASCII (punycode) form of the host name ``name``, lower-cased, without a final dot.

    Raises ValueError when ``name`` is not a host name of at least two labels: IP addresses,
    URLs, spaces, underscores and labels longer than 63 characters are refused.
    """
    name = (name or "").strip().rstrip(".")
    if not name or any(c.isspace() for c in name):
        raise ValueError(name)
    labels = []
    for label in name.split("."):
        if not label.isascii():
            try:
                label = encodings.idna.ToASCII(label).decode("ascii")
            except UnicodeError:
                raise ValueError(name) from None
        label = label.lower()
        if not LABEL.match(label):
            raise ValueError(name)
        labels.append(label)
    ascii_name = ".".join(labels)
    if len(labels) < 2 or len(ascii_name) > MAX_LENGTH or labels[-1].isdigit():
        raise ValueError(name)
    return ascii_name


def is_hostname(name: str) -> bool:
    try:
        to_ascii(name)
    except ValueError:
        return False
    return True


def validate_hostname(value: str) -> None:
    """Django validator: ``value`` must be a domain name such as example.com or пример.рф."""
    if value and not is_hostname(value):
        raise ValidationError(
            _("Enter a domain name such as example.com or пример.рф, without http:// or a path."),
            code="invalid_domain",
        )

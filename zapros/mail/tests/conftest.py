"""Fixtures of the mail channel: gateways on the reference cast, and a real Dovecot.

Dovecot runs once per test session (see ``zapros.mail.tests.dovecot``); each test gets mailboxes of
its own. Without Dovecot the tests that need it are skipped, unless ZAPROS_REQUIRE_MAIL=1
(CI), which makes them fail instead.
"""

import os

import pytest

from zapros.mail import secrets
from zapros.mail.models import MailGateway
from zapros.mail.tests import dovecot

from .corpus import GATEWAY


@pytest.fixture(autouse=True)
def _mail_key(mail_key):
    """Every mail test runs with a key for the gateways' passwords."""


def make_gateway(department, *, address=GATEWAY, password="secret", **fields) -> MailGateway:
    values = dict(name=f"Gateway {address}", protocol="imap", host="127.0.0.1", port=1,
                  security="none", login="nobody", folder="INBOX")
    values.update(fields)
    return MailGateway.objects.create(
        address=address, department=department,
        password_encrypted=secrets.encrypt(password), **values,
    )


@pytest.fixture(scope="session")
def dovecot_server():
    if not dovecot.available():
        message = "Dovecot is not installed (Debian: dovecot-imapd dovecot-pop3d)"
        if os.environ.get("ZAPROS_REQUIRE_MAIL") == "1":
            pytest.fail(f"{message}, and ZAPROS_REQUIRE_MAIL=1 requires the mail tests.")
        pytest.skip(message)
    server = dovecot.Dovecot().start()
    yield server
    server.cleanup()


@pytest.fixture
def mail_server(dovecot_server):
    """The running Dovecot; started again if a test stopped it."""
    if dovecot_server.process is None:
        dovecot_server.start(keep_ports=True)
    yield dovecot_server
    if dovecot_server.process is None:
        dovecot_server.start(keep_ports=True)

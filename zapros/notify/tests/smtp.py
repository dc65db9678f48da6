"""A real SMTP server on 127.0.0.1 for tests: aiosmtpd, keeping every envelope it accepts."""

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: stores envelopes; ``refuse`` maps an address to a reply like
    ``"550 No such user"``."""

    def __init__(self):
        self.envelopes = []
        self.refuse: dict[str, str] = {}
        self.refuse_everyone = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_everyone or address in self.refuse:
            return self.refuse_everyone or self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default)
                for e in self.envelopes]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """The mails whose envelope included ``address``."""
        return [email.message_from_bytes(e.content, policy=email.policy.default)
                for e in self.envelopes if address in e.rcpt_tos]


class LocalSMTP(Controller):
    """Controller that may bind port 0: the bound port is read before the readiness probe."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start(inbox: Inbox, port: int = 0) -> LocalSMTP:
    controller = LocalSMTP(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def free_port() -> int:
    """A port nothing listens on (bound and released again)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5

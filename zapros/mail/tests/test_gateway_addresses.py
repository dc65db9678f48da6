"""A gateway reaches mail servers on the internet only: its host is checked when it is saved
and at every connection, and a failed test says the same whatever went wrong."""

import socket

import pytest

from zapros.core.errors import ValidationFailed
from zapros.mail import fetching, gateways, polling
from zapros.mail.models import MailGateway

from .conftest import make_gateway

NEW = dict(name="Sales", protocol="imap", port=143, security="none", login="sales",
           folder="INBOX", address="sales@zapros.test", poll_interval=3, enabled=True,
           pop3_mode="keep")


@pytest.fixture
def internal_refused(settings):
    settings.ZAPROS_MAIL_ALLOWED_NETWORKS = []
    return settings


@pytest.fixture
def listener():
    """A port on 127.0.0.1 that accepts connections; ``listener.connected()`` tells whether
    anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.setblocking(False)

    class Listener:
        port = server.getsockname()[1]

        def connected(self):
            try:
                server.accept()[0].close()
            except BlockingIOError:
                return False
            return True

    yield Listener()
    server.close()


@pytest.mark.parametrize("host", [
    "127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "::ffff:127.0.0.1", "0.0.0.0", "::1",
    "169.254.169.254", "10.0.0.5", "192.168.1.10", "2130706433",
])
def test_hosts_inside_the_network_are_refused_when_saved(cast, internal_refused, host):
    with pytest.raises(ValidationFailed) as error:
        gateways.save_gateway(cast.admin, password="secret", department=cast.sales, host=host,
                              **NEW)
    assert error.value.field == "host"
    assert MailGateway.objects.count() == 0


def test_an_existing_gateway_cannot_be_moved_inside(cast, internal_refused):
    gateway = make_gateway(cast.sales, host="mail.example")
    with pytest.raises(ValidationFailed):
        gateways.save_gateway(cast.admin, gateway.pk, host="169.254.169.254")
    assert MailGateway.objects.get().host == "mail.example"


def test_the_administrator_allows_a_local_mail_server_by_a_setting(cast, settings):
    settings.ZAPROS_MAIL_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    gateway = gateways.save_gateway(cast.admin, password="secret", department=cast.sales,
                                    host="10.1.2.3", **NEW)
    assert gateway.host == "10.1.2.3"
    with pytest.raises(ValidationFailed):
        gateways.save_gateway(cast.admin, gateway.pk, host="127.0.0.1")


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::ffff:127.0.0.1"])
def test_connections_inside_are_refused_before_anything_is_sent(
        cast, settings, listener, protocol, host):
    # Saved while allowed, or a name that resolved elsewhere when it was saved (rebinding).
    gateway = make_gateway(cast.sales, host=host, port=listener.port, protocol=protocol)
    settings.ZAPROS_MAIL_ALLOWED_NETWORKS = []
    with pytest.raises(fetching.ForbiddenAddress):
        fetching.check(polling.account(gateway), timeout=2)
    with pytest.raises(ValidationFailed):
        gateways.test_connection(cast.admin, gateway.pk)
    assert not listener.connected()


def test_the_connection_goes_to_the_address_that_was_checked(cast, listener, monkeypatch):
    """A name is resolved once: a second answer (a rebinding server's) is never used."""
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", listener.port))]])
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, *args, **kw: next(answers) if host == "mail.example"
                        else real(host, *args, **kw))
    gateway = make_gateway(cast.sales, host="mail.example", port=listener.port)
    with pytest.raises(ValidationFailed):   # the listener speaks no IMAP
        gateways.test_connection(cast.admin, gateway.pk)
    assert listener.connected()


def test_a_failed_test_says_the_same_for_a_closed_port_and_a_refused_login(cast, mail_server):
    login, _password = mail_server.mailbox()
    wrong_password = make_gateway(cast.sales, login=login, password="wrong",
                                  port=mail_server.imap_port)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
    closed_port_gateway = make_gateway(cast.tech, address="other@zapros.test", port=closed_port)
    messages = []
    for gateway in (wrong_password, closed_port_gateway):
        with pytest.raises(ValidationFailed) as error:
            gateways.test_connection(cast.admin, gateway.pk)
        messages.append(str(error.value.message))
    assert messages[0] == messages[1]
    assert "refused" not in messages[0] and "Authentication" not in messages[0]

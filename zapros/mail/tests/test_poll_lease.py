"""A poll whose worker is killed (-9) holds its gateway only for the short lease; "poll now"
while the queue (Redis) is down is still done by the next sweep."""

import os
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from conftest import ON_POSTGRES
from zapros.core.tests.redis import redis_server  # noqa: F401 (a fixture)
from zapros.mail import gateways, polling, tasks
from zapros.mail.models import MailGateway

from .conftest import make_gateway
from .corpus import plain
from .test_polling import imap_gateway

CHILD = """
import django
django.setup()
from zapros.mail import polling
polling.poll({gateway_id})
"""


def silent_server() -> socket.socket:
    """A mail server that accepts connections and never says a word (the kernel completes
    the handshake; nobody reads)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    return server


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_poll_killed_with_minus_9_is_taken_over_within_the_short_lease(cast, settings):
    if not (ON_POSTGRES and connection.vendor == "postgresql"):
        pytest.skip("a second process shares the database only on PostgreSQL")
    settings.ZAPROS_MAIL_POLL_LEASE_SECONDS = 3
    settings.ZAPROS_MAIL_TIMEOUT = 1
    server = silent_server()
    gateway = make_gateway(cast.tech, port=server.getsockname()[1])
    database = connection.settings_dict
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                        f"{database['NAME']}",
        "ZAPROS_MAIL_KEY": settings.ZAPROS_MAIL_KEY, "ZAPROS_MAIL_POLL_LEASE_SECONDS": "3",
        "ZAPROS_MAIL_TIMEOUT": "300",
    }
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(gateway_id=gateway.pk)],
                             env=env, cwd=settings.BASE_DIR)
    try:
        deadline = time.monotonic() + 30
        while MailGateway.objects.get(pk=gateway.pk).poll_started_at is None:
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)  # it waits for the server's greeting
        assert child.poll() is None
        child.kill()  # SIGKILL: nothing is cleaned up
        child.wait()
        killed = time.monotonic()
        assert polling.poll(gateway.pk) is None  # the lease is still the dead worker's
        result = None
        while result is None and time.monotonic() - killed < 10:
            time.sleep(0.2)
            result = polling.poll(gateway.pk)
        waited = time.monotonic() - killed
    finally:
        child.kill()
        server.close()
    assert result is not None, "the dead worker's lease was never taken over"
    assert waited <= 3 + 1.5
    assert "timed out" in result.error.lower()
    gateway.refresh_from_db()
    assert gateway.poll_lease_until is None and gateway.last_error_at is not None


def test_a_long_poll_renews_its_lease_as_it_goes(cast, settings):
    settings.ZAPROS_MAIL_POLL_LEASE_SECONDS = 120
    gateway = make_gateway(cast.tech)
    lease = polling.Lease.take(gateway.pk)
    assert polling.Lease.take(gateway.pk) is None
    MailGateway.objects.filter(pk=gateway.pk).update(
        poll_lease_until=lease.started + polling.lease_length() / 10)
    lease.renewed -= polling.lease_length()  # its last heartbeat was a lease ago
    lease.renew()
    held = MailGateway.objects.get(pk=gateway.pk).poll_lease_until
    assert held - lease.started > polling.lease_length() * 0.9
    # Once another poll took the gateway over, the heartbeat says so.
    MailGateway.objects.filter(pk=gateway.pk).update(poll_started_at=None)
    lease.renewed -= polling.lease_length()
    with pytest.raises(polling.LeaseLost):
        lease.renew()


def test_poll_now_while_redis_is_down_is_done_by_the_next_sweep(
        cast, mail_server, monkeypatch, redis_server, caplog):  # noqa: F811
    gateway, login = imap_gateway(mail_server, cast.tech)
    polling.poll(gateway.pk)  # polled a moment ago: not due for three minutes
    mail_server.deliver(login, plain("Asked for at once"))
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", RedisStorage(HUEY.name, url=redis_server.url))
    redis_server.stop()

    gateways.poll_now(cast.admin, gateway.pk)  # does not raise

    assert "could not be handed to a worker" in caplog.text
    assert MailGateway.objects.get(pk=gateway.pk).poll_requested_at is not None
    tasks.poll_mail_gateways.call_local()
    assert mail_server.unseen_count(login) == 0
    gateway.refresh_from_db()
    assert gateway.poll_requested_at is None and gateway.last_error == ""

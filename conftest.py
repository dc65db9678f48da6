"""Shared test fixtures: the reference cast of DESIGN §1 and a ticket builder that goes through
the services, so tests never start from an impossible state."""

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from zapros.accounts.models import Department, Role, User
from zapros.clients.models import Client, Service
from zapros.tickets import services
from zapros.tickets.models import Ticket

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_report_header(config):
    return f"zapros database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_COOKIES = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


PASSWORD = "correct horse battery"


def stored_files() -> list[str]:
    """Every file under MEDIA_ROOT, by its name there."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def make_staff(email, name, role=Role.AGENT, departments=()):
    user = User.objects.create_user(email, PASSWORD, name=name, role=role)
    for department in departments:
        department.members.add(user)
    return user


def make_policy(name, *, departments=(), topics=(), position=None, **fields):
    """An SLA policy ahead of the default one (the migrations' three days around the clock)
    with ``fields`` as targets and conditions, as an administrator would save it."""
    from zapros.sla.models import Policy
    from zapros.tickets import deadlines

    if position is None:
        position = Policy.objects.filter(is_default=False).count() + 1
    policy = Policy.objects.create(name=name, position=position, **fields)
    policy.departments.set(departments)
    policy.topics.set(topics)
    deadlines.configuration_changed()
    return policy


# The default policy's response targets, as the migrations leave them.
DEFAULT_RESPONSE = timedelta(days=3)


def make_client(email, name, language="en"):
    user = User.objects.create_user(email, PASSWORD, name=name, language=language)
    return Client.objects.create(user=user)


@dataclass
class Cast:
    tech: Department
    billing: Department
    sales: Department
    john: User
    gary: User
    supervisor: User
    admin: User
    alice: User   # client A
    bob: User     # client B
    alice_hosting: Service
    alice_vps: Service
    bob_domain: Service

    def open(self, client=None, department=None, subject="Site is down", body="Please help",
             **kwargs) -> Ticket:
        """A new ticket written by a client (Alice in Technical support by default)."""
        return services.open_ticket(
            client or self.alice, department_id=(department or self.tech).pk,
            subject=subject, body=body, **kwargs,
        )

    def staff_ticket(self, department, client=None, **kwargs) -> Ticket:
        """A ticket in a department clients cannot choose, opened by staff for a client."""
        return services.open_ticket(
            self.admin, client_id=(client or self.alice).pk, department_id=department.pk,
            subject=kwargs.pop("subject", "Upgrade offer"), body=kwargs.pop("body", "Details"),
            **kwargs,
        )

    def held(self, agent=None, **kwargs) -> Ticket:
        """A new ticket (``open``'s arguments) that ``agent``, John by default, has taken."""
        ticket = self.open(**kwargs)
        services.take(agent or self.john, ticket.number)
        return self.refresh(ticket)

    def answered(self, agent=None, **kwargs) -> Ticket:
        """A held ticket that its holder answered with *Send and close*: state ``answered``."""
        agent = agent or self.john
        ticket = self.held(agent, **kwargs)
        services.reply(agent, ticket.number, body="We restarted the server.", close=True)
        return self.refresh(ticket)

    def conversation(self, department=None):
        """Alice asks; the agent (John, or the supervisor in ``department``) takes it,
        answers, comments; Alice asks something else. Returns the ticket and those three
        messages."""
        if department is None:
            ticket, agent = self.open(body="My site is down"), self.john
        else:
            ticket, agent = self.staff_ticket(department, body="My site is down"), self.supervisor
        services.take(agent, ticket.number)
        answer = services.reply(agent, ticket.number, body="Restartd it", close=False)
        note = services.comment(agent, ticket.number, body="Disk was full")
        later = services.client_reply(self.alice, ticket.number, body="And my invoice?")
        return ticket, answer, note, later

    def refresh(self, ticket: Ticket) -> Ticket:
        return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def cast(db) -> Cast:
    tech = Department.objects.create(name="Technical support", position=1)
    billing = Department.objects.create(name="Billing", position=2)
    sales = Department.objects.create(name="Sales", in_support_center=False, position=3)
    alice = make_client("alice@example.com", "Alice Client")
    bob = make_client("bob@example.com", "Bob Client")
    return Cast(
        tech=tech, billing=billing, sales=sales,
        john=make_staff("john@zapros.test", "John Smith", departments=[tech]),
        gary=make_staff("gary@zapros.test", "Gary Stark", departments=[tech, sales]),
        supervisor=make_staff("sv@zapros.test", "Sue Visor", Role.SUPERVISOR),
        admin=make_staff("admin@zapros.test", "Ada Admin", Role.ADMIN),
        alice=alice.user, bob=bob.user,
        alice_hosting=Service.objects.create(
            client=alice, name="Hosting Pro", kind="hosting", domain="alice.example"),
        alice_vps=Service.objects.create(client=alice, name="VPS-2", kind="vps"),
        bob_domain=Service.objects.create(
            client=bob, name="bob.example", kind="domain", domain="bob.example"),
    )


@pytest.fixture
def held(cast) -> Ticket:
    """A new ticket of Alice's that John has taken."""
    return cast.held()


@pytest.fixture
def logged_in(client):
    """Log the Django test client in as a user: ``logged_in(cast.john)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def mail_key(settings):
    """A key for the mail gateways' passwords, as every installation with mail has."""
    from cryptography.fernet import Fernet

    settings.ZAPROS_MAIL_KEY = Fernet.generate_key().decode()


@pytest.fixture
def gateway(cast, mail_key):
    """Technical support's mail gateway, with a password that ``mail_key`` encrypts."""
    from zapros.mail.tests.conftest import make_gateway

    return make_gateway(cast.tech)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and the mail settings pointing at it;
    yields the inbox with what it received."""
    from zapros.notify.tests import smtp

    inbox = smtp.Inbox()
    controller = smtp.start(inbox)
    smtp.use_smtp(settings, controller.port)
    inbox.port = controller.port
    yield inbox
    controller.stop()

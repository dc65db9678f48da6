"""The access matrix of the mail channel: role, object and action, written out as data.

Incoming: each cell runs on fresh data, two mails waiting in Incoming, one that came to
Technical support's gateway and one to Billing's (a department John and Gary do not work
in), each with a file, and a third Technical support mail that was already sorted into a
request. Gateways: a gateway on a real Dovecot mailbox, which an administrator can test and
poll. Every refused cell also checks that nothing changed.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from huey.contrib.djhuey import HUEY

from conftest import make_staff
from zapros.accounts.models import User
from zapros.clients.models import Client
from zapros.core.errors import Conflict, DomainError, Forbidden, NotFound
from zapros.mail import gateways, incoming, ingest, policies
from zapros.mail.models import InboundMail, MailGateway
from zapros.tickets.models import Event, Message, Ticket

from .conftest import make_gateway
from .corpus import GATEWAY, STRANGER, file_part, multipart, text_part

OK, HIDDEN, FORBIDDEN, SORTED = "ok", "404", "403", "409"
ROLES = ("alice", "bob", "john", "gary", "supervisor", "admin", "former", "anonymous")
BILLING = "billing@zapros.test"

# Roles: the cast of DESIGN §1; "former" is an agent of Technical support whose account was
# deactivated.
#
# Incoming actions:
#   list      the mail is in visible_incoming(user)
#   read      access_incoming(user, id)
#   download  incoming_file(user, id, 1): the mail's file
#   attach    attach_to_client: open a request for Bob from the mail
#   register  create_client: register the sender as a client and open a request for them
#   append    append_to_ticket: add the mail to Alice's Technical support request (one
#             everybody on staff sees), as her message
#   discard   discard
#   restore   restore a mail discarded (by the administrator) just before
#
# ok = allowed, 404 = NotFound (missing and invisible look the same), 403 = Forbidden,
# 409 = Conflict: the mail is seen but already sorted.
MATRIX = {
    # (object, action):         alice, bob, john, gary, supervisor, admin, former, anonymous
    ("tech mail", "list"):        (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("tech mail", "read"):        (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("tech mail", "download"):    (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("tech mail", "attach"):      (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("tech mail", "register"):    (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("tech mail", "append"):      (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("tech mail", "discard"):     (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("tech mail", "restore"):     (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("billing mail", "list"):     (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN),
    ("billing mail", "read"):     (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN),
    ("billing mail", "download"): (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN),
    ("billing mail", "attach"):   (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN),
    ("billing mail", "register"): (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN),
    ("billing mail", "append"):   (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN),
    ("billing mail", "discard"):  (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN),
    ("billing mail", "restore"):  (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN),
    ("sorted mail", "list"):      (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("sorted mail", "read"):      (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("sorted mail", "download"):  (HIDDEN, HIDDEN, OK, OK, OK, OK, HIDDEN, HIDDEN),
    ("sorted mail", "attach"):    (HIDDEN, HIDDEN, SORTED, SORTED, SORTED, SORTED, HIDDEN, HIDDEN),
    ("sorted mail", "register"):  (HIDDEN, HIDDEN, SORTED, SORTED, SORTED, SORTED, HIDDEN, HIDDEN),
    ("sorted mail", "append"):    (HIDDEN, HIDDEN, SORTED, SORTED, SORTED, SORTED, HIDDEN, HIDDEN),
    ("sorted mail", "discard"):   (HIDDEN, HIDDEN, SORTED, SORTED, SORTED, SORTED, HIDDEN, HIDDEN),
    ("sorted mail", "restore"):   (HIDDEN, HIDDEN, SORTED, SORTED, SORTED, SORTED, HIDDEN, HIDDEN),
}

# Gateway actions: list (gateway_list), see (access_gateway), create and edit (save_gateway),
# test (test_connection: logs in to the mailbox), poll (poll_now: the mailbox is polled).
ADMIN_ONLY = (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN)
GATEWAY_MATRIX = {
    ("gateway", action): ADMIN_ONLY
    for action in ("list", "see", "create", "edit", "test", "poll")
}


@dataclass
class Data:
    mails: dict[str, InboundMail]
    ticket: Ticket


def received(gateway, sender, *, to=GATEWAY) -> InboundMail:
    raw = multipart([text_part("Please call me back"),
                     file_part('filename="scan.pdf"', b"%PDF-1.4 x", "application/pdf")],
                    sender=sender, to=to)
    assert ingest.receive(gateway, raw) == "incoming"
    return InboundMail.objects.order_by("-id").first()


def build(cast) -> Data:
    tech = make_gateway(cast.tech)
    billing = make_gateway(cast.billing, address=BILLING)
    former = make_staff("former@zapros.test", "Fred Former", departments=[cast.tech])
    former.is_active = False
    former.save(update_fields=["is_active"])
    ticket = cast.open()
    sorted_mail = received(tech, "sorted@example.org")
    sorted_mail = incoming.attach_to_client(cast.admin, sorted_mail.pk, client_id=cast.bob.pk)
    return Data(
        mails={
            "tech mail": received(tech, STRANGER),
            "billing mail": received(billing, "billing-stranger@example.org", to=BILLING),
            "sorted mail": sorted_mail,
        },
        ticket=ticket,
    )


def user_for(cast, role):
    if role == "anonymous":
        return AnonymousUser()
    if role == "former":
        return User.objects.get(email="former@zapros.test")
    return getattr(cast, role)


def world():
    """Everything an Incoming or gateway action could change."""
    return {
        "mails": list(InboundMail.objects.order_by("pk").values(
            "status", "ticket", "ticket_message", "handled_by", "handled_at", "handled_as")),
        "gateways": list(MailGateway.objects.order_by("pk").values()),
        "tickets": Ticket.objects.count(), "messages": Message.objects.count(),
        "events": Event.objects.count(), "users": User.objects.count(),
        "clients": Client.objects.count(),
    }


def prepare(cast, data, obj, action):
    """What has to be true before the action: restoring needs a discarded mail."""
    mail = InboundMail.objects.get(pk=data.mails[obj].pk)
    if action == "restore" and mail.status == InboundMail.Status.INCOMING:
        incoming.discard(cast.admin, mail.pk)


def listed(user, mail):
    if not policies.visible_incoming(user).filter(pk=mail.pk).exists():
        raise NotFound()


def downloaded(user, mail):
    found, part = incoming.incoming_file(user, mail.pk, 1)
    assert (found, part.name) == (mail, "scan.pdf")


def attached(user, mail, data):
    sorted_mail = incoming.attach_to_client(user, mail.pk, client_id=data.ticket.client_id)
    assert sorted_mail.ticket.client_id == data.ticket.client_id


def registered(user, mail, data):
    sorted_mail = incoming.create_client(user, mail.pk)
    assert sorted_mail.ticket.client.user.email == mail.sender


def appended(user, mail, data):
    sorted_mail = incoming.append_to_ticket(user, mail.pk, number=data.ticket.number)
    assert sorted_mail.ticket_message.ticket_id == data.ticket.pk


INCOMING_ACTIONS = {
    "list": lambda user, mail, data: listed(user, mail),
    "read": lambda user, mail, data: policies.access_incoming(user, mail.pk),
    "download": lambda user, mail, data: downloaded(user, mail),
    "attach": attached,
    "register": registered,
    "append": appended,
    "discard": lambda user, mail, data: incoming.discard(user, mail.pk),
    "restore": lambda user, mail, data: incoming.restore(user, mail.pk),
}


def outcome(error: DomainError | None) -> str:
    if error is None:
        return OK
    if isinstance(error, NotFound):
        return HIDDEN
    if isinstance(error, Forbidden):
        return FORBIDDEN
    if isinstance(error, Conflict):
        return SORTED
    return f"{type(error).__name__}: {error.message}"


def cell(act, *args) -> str:
    """One cell: ``act(*args)`` runs; a refusal must give a reason and leave everything as
    it was."""
    before = world()
    try:
        act(*args)
    except DomainError as refusal:
        if not str(refusal.message).strip():
            return "refused without a reason"
        if world() != before:
            return "refused but changed something"
        return outcome(refusal)
    return OK


def test_the_matrices_name_every_role_once():
    assert len(set(ROLES)) == len(ROLES) == 8
    assert all(len(row) == len(ROLES) for row in [*MATRIX.values(), *GATEWAY_MATRIX.values()])


@pytest.mark.parametrize(("obj", "action"), list(MATRIX), ids=[f"{o}-{a}" for o, a in MATRIX])
def test_incoming_access_matrix(cast, obj, action):
    """One row of the matrix: each role's cell runs on the same freshly built data and is
    rolled back before the next, so every cell starts from an identical copy."""
    data = build(cast)
    row = []
    for role in ROLES:
        with transaction.atomic():
            prepare(cast, data, obj, action)
            mail = InboundMail.objects.get(pk=data.mails[obj].pk)
            row.append(cell(INCOMING_ACTIONS[action], user_for(cast, role), mail, data))
            transaction.set_rollback(True)
    assert dict(zip(ROLES, row, strict=True)) == dict(zip(ROLES, MATRIX[obj, action],
                                                          strict=True))


# --- Gateways --------------------------------------------------------------------------------

@pytest.fixture
def immediate_tasks():
    """Queued work runs at once, so that "poll now" really polls the mailbox."""
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def polled(user, gateway):
    gateways.poll_now(user, gateway.pk)
    assert MailGateway.objects.get(pk=gateway.pk).last_polled_at is not None


def checked(user, gateway):
    assert "works" in gateways.test_connection(user, gateway.pk)


NEW_GATEWAY = dict(name="Sales", protocol="imap", host="127.0.0.1", port=143,
                   security="none", login="sales", folder="INBOX", address="sales@zapros.test",
                   poll_interval=3, enabled=True, pop3_mode="keep")

GATEWAY_ACTIONS = {
    "list": lambda user, gateway: gateways.gateway_list(user),
    "see": lambda user, gateway: policies.access_gateway(user, gateway.pk),
    "create": lambda user, gateway: gateways.save_gateway(
        user, password="secret", department=gateway.department, **NEW_GATEWAY),
    "edit": lambda user, gateway: gateways.save_gateway(user, gateway.pk, name="Renamed"),
    "test": checked,
    "poll": polled,
}


@pytest.mark.parametrize(("obj", "action"), list(GATEWAY_MATRIX),
                         ids=[f"{o}-{a}" for o, a in GATEWAY_MATRIX])
def test_gateway_access_matrix(cast, mail_server, immediate_tasks, obj, action):
    build(cast)
    login, password = mail_server.mailbox()
    gateway = make_gateway(cast.sales, address="sales-in@zapros.test", login=login,
                           password=password, port=mail_server.imap_port)
    row = []
    for role in ROLES:
        with transaction.atomic():
            row.append(cell(GATEWAY_ACTIONS[action], user_for(cast, role), gateway))
            transaction.set_rollback(True)
    assert dict(zip(ROLES, row, strict=True)) == dict(zip(ROLES, GATEWAY_MATRIX[obj, action],
                                                          strict=True))


# --- What the pages offer, and the inbox for those it does not exist for --------------------

def test_the_pages_offer_sorting_and_restoring_as_the_operations_allow(cast):
    data = build(cast)
    waiting, done = data.mails["tech mail"], data.mails["sorted mail"]
    assert policies.may_sort(cast.john, waiting) and not policies.may_restore(cast.john, waiting)
    assert not policies.may_sort(cast.john, done) and not policies.may_restore(cast.john, done)
    incoming.discard(cast.john, waiting.pk)
    waiting.refresh_from_db()
    assert not policies.may_sort(cast.john, waiting) and policies.may_restore(cast.john, waiting)
    assert not policies.may_sort(cast.alice, waiting)


@pytest.mark.parametrize("role", ["alice", "bob", "former", "anonymous"])
def test_the_inbox_does_not_exist_for_anyone_but_staff(cast, role):
    build(cast)
    user = user_for(cast, role)
    with pytest.raises(NotFound):
        incoming.incoming_page(user)
    assert not policies.visible_incoming(user).exists()


def test_mail_and_gateway_ids_that_are_not_numbers_are_not_found(cast):
    data = build(cast)
    for bad in ("abc", None, "1; drop", -1, 0, 10**12, 10**30):
        with pytest.raises(NotFound):
            policies.access_incoming(cast.admin, bad)
        with pytest.raises(NotFound):
            policies.access_gateway(cast.admin, bad)
        with pytest.raises(NotFound):
            incoming.incoming_file(cast.admin, data.mails["tech mail"].pk, bad)

"""The access matrix of DESIGN §4: role, object and action, written out as data.

Each cell runs on fresh data: two tickets of Alice (one in Technical support, one in Sales,
which John does not work in), each with a file on the client's first message and an internal
comment carrying a file of its own. Every refused cell also checks that nothing changed.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from zapros.accounts.models import Department
from zapros.core.errors import DomainError, Forbidden, NotFound
from zapros.tickets import policies, services
from zapros.tickets.models import Attachment, Message, Ticket
from zapros.tickets.states import Action

from .conftest import world

OK, HIDDEN, FORBIDDEN = "ok", "404", "403"
ROLES = ("alice", "bob", "john", "gary", "supervisor", "admin", "anonymous")

# Actions:
#   list      the ticket is in visible_tickets(user)
#   read      access_ticket(user, number)
#   see       the message is among visible_messages(user, ticket) of a ticket they can read
#   write     clients: client_reply; staff: take, then reply (Send)
#   comment   comment (internal)
#   take      take
#   archive   on a ticket support answered and let go: clients archive it; staff take it,
#             send and close, then archive
#   download  access_attachment(user, id)
#
# ok = allowed, 404 = NotFound (missing and invisible look the same), 403 = Forbidden.
MATRIX = {
    # (object, action):                alice      bob     john    gary    superv  admin   anon
    ("tech ticket", "list"):          (OK,        HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("tech ticket", "read"):          (OK,        HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("tech ticket", "write"):         (OK,        HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("tech ticket", "comment"):       (FORBIDDEN, HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("tech ticket", "take"):          (FORBIDDEN, HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("tech ticket", "archive"):       (OK,        HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("sales ticket", "list"):         (OK,        HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("sales ticket", "read"):         (OK,        HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("sales ticket", "write"):        (OK,        HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("sales ticket", "comment"):      (FORBIDDEN, HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("sales ticket", "take"):         (FORBIDDEN, HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("sales ticket", "archive"):      (OK,        HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("tech message", "see"):          (OK,        HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("tech comment", "see"):          (HIDDEN,    HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("sales message", "see"):         (OK,        HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("sales comment", "see"):         (HIDDEN,    HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("tech public file", "download"): (OK,        HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("tech internal file", "download"): (HIDDEN,  HIDDEN, OK,     OK,     OK,     OK,     HIDDEN),
    ("sales public file", "download"): (OK,       HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
    ("sales internal file", "download"): (HIDDEN, HIDDEN, HIDDEN, OK,     OK,     OK,     HIDDEN),
}

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


@dataclass
class Data:
    tickets: dict[str, Ticket]
    messages: dict[str, Message]
    files: dict[str, Attachment]


def build(cast) -> Data:
    tech = cast.open(files=[("screen.png", PNG)])
    sales = cast.staff_ticket(cast.sales, files=[("offer.png", PNG)])
    tech_note = services.comment(cast.john, tech.number, body="Disk full again",
                                 files=[("trace.log", b"trace")])
    sales_note = services.comment(cast.gary, sales.number, body="Offer 20% off",
                                  files=[("margin.txt", b"margins")])
    return Data(
        tickets={"tech": tech, "sales": sales},
        messages={
            "tech message": tech.messages.get(visibility=Message.Visibility.PUBLIC),
            "tech comment": tech_note,
            "sales message": sales.messages.get(visibility=Message.Visibility.PUBLIC),
            "sales comment": sales_note,
        },
        files={
            "tech public file": Attachment.objects.get(original_name="screen.png"),
            "tech internal file": tech_note.attachments.get(),
            "sales public file": Attachment.objects.get(original_name="offer.png"),
            "sales internal file": sales_note.attachments.get(),
        },
    )


def user_for(cast, role):
    return AnonymousUser() if role == "anonymous" else getattr(cast, role)


def is_staff(user):
    return user.is_authenticated and user.is_staff_member


def prepare(cast, data, obj, action):
    """What has to be true before the action: archiving needs a ticket support answered."""
    if action == "archive":
        number = data.tickets[obj.split()[0]].number
        services.take(cast.admin, number)
        services.reply(cast.admin, number, body="Answered", close=True)
        services.unlock(cast.admin, number)


# --- The actions of the matrix (the legend above the matrix says what each one does) --------

def ticket_number(data, obj) -> int:
    """The number of the ticket a ticket row names: "tech ticket", "sales ticket"."""
    return data.tickets[obj.split()[0]].number


def list_ticket(user, data, obj):
    if not policies.visible_tickets(user).filter(number=ticket_number(data, obj)).exists():
        raise NotFound()


def read_ticket(user, data, obj):
    number = ticket_number(data, obj)
    assert policies.access_ticket(user, number).number == number


def see_message(user, data, obj):
    message = data.messages[obj]
    ticket = policies.access_ticket(user, message.ticket.number)
    if not policies.visible_messages(user, ticket).filter(pk=message.pk).exists():
        raise NotFound()


def write(user, data, obj):
    number = ticket_number(data, obj)
    if is_staff(user):
        services.take(user, number)
        services.reply(user, number, body="On it", close=False)
    else:
        services.client_reply(user, number, body="More details")


def comment(user, data, obj):
    services.comment(user, ticket_number(data, obj), body="A note")


def take(user, data, obj):
    services.take(user, ticket_number(data, obj))


def archive(user, data, obj):
    number = ticket_number(data, obj)
    if is_staff(user):
        services.take(user, number)
        services.reply(user, number, body="Final answer", close=True)
    services.archive(user, number)


def download_file(user, data, obj):
    policies.access_attachment(user, data.files[obj].pk)


# Each does the action as ``user`` on the object and raises DomainError when refused.
ACTIONS = {
    "list": list_ticket,
    "read": read_ticket,
    "see": see_message,
    "write": write,
    "comment": comment,
    "take": take,
    "archive": archive,
    "download": download_file,
}


def outcome(error: DomainError | None) -> str:
    if error is None:
        return OK
    if isinstance(error, NotFound):
        return HIDDEN
    if isinstance(error, Forbidden):
        return FORBIDDEN
    return f"{type(error).__name__}: {error.message}"


def test_the_matrix_names_every_role_once():
    assert len(set(ROLES)) == len(ROLES) == 7
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


def test_every_action_of_the_matrix_is_done_and_every_one_done_is_in_the_matrix():
    assert {action for _obj, action in MATRIX} == set(ACTIONS)


@pytest.mark.parametrize(("obj", "action"), list(MATRIX), ids=[f"{o}-{a}" for o, a in MATRIX])
def test_access_matrix(cast, obj, action):
    """One row of the matrix: each role's cell runs on the same freshly built data and is
    rolled back before the next, so every cell starts from an identical copy."""
    data = build(cast)
    row = []
    for role in ROLES:
        with transaction.atomic():
            row.append(cell(cast, data, obj, action, role))
            transaction.set_rollback(True)
    assert dict(zip(ROLES, row, strict=True)) == dict(zip(ROLES, MATRIX[obj, action],
                                                          strict=True))


def cell(cast, data, obj, action, role) -> str:
    prepare(cast, data, obj, action)
    before = world()
    try:
        ACTIONS[action](user_for(cast, role), data, obj)
    except DomainError as refusal:
        if not str(refusal.message).strip():
            return "refused without a reason"
        if world() != before:
            return "refused but changed something"
        return outcome(refusal)
    return OK


# --- What clients get, whatever they ask for ---------------------------------------------------

def test_clients_never_get_internal_messages_or_files(cast):
    data = build(cast)
    for number in (data.tickets["tech"].number, data.tickets["sales"].number):
        ticket = policies.access_ticket(cast.alice, number)
        messages = policies.visible_messages(cast.alice, ticket)
        assert messages.exists()
        assert not messages.filter(visibility=Message.Visibility.INTERNAL).exists()
    for attachment in Attachment.objects.filter(message__visibility="internal"):
        with pytest.raises(NotFound):
            policies.access_attachment(cast.alice, attachment.pk)


def test_nobody_but_staff_and_the_owner_gets_messages(cast):
    data = build(cast)
    ticket = data.tickets["tech"]
    assert not policies.visible_messages(cast.bob, ticket).exists()
    assert not policies.visible_messages(AnonymousUser(), ticket).exists()
    assert policies.visible_messages(cast.alice, ticket).count() == 1
    assert policies.visible_messages(cast.john, ticket).count() == 2


def test_visible_tickets_per_role(cast):
    data = build(cast)
    bobs = cast.open(client=cast.bob)
    tech, sales = data.tickets["tech"], data.tickets["sales"]
    expected = {
        "alice": {tech, sales},
        "bob": {bobs},
        "john": {tech, bobs},
        "gary": {tech, sales, bobs},
        "supervisor": {tech, sales, bobs},
        "admin": {tech, sales, bobs},
        "anonymous": set(),
    }
    for role, tickets in expected.items():
        assert set(policies.visible_tickets(user_for(cast, role))) == tickets, role


def test_visible_tickets_of_one_department_are_those_of_all_in_it(cast):
    from zapros.accounts.models import Department
    from zapros.tickets import services

    build(cast)
    cast.open(client=cast.bob)
    # A Billing ticket transferred to John, another one not.
    other_billing = cast.open(department=cast.billing, subject="Not transferred")
    billing_ticket = cast.open(department=cast.billing)
    services.transfer(cast.supervisor, billing_ticket.number, agent_id=cast.john.pk)
    for role in ("alice", "bob", "john", "gary", "supervisor", "admin", "anonymous"):
        user = user_for(cast, role)
        everything = set(policies.visible_tickets(user))
        for department in Department.objects.all():
            narrowed = set(policies.visible_tickets(user, department.pk))
            assert narrowed == {t for t in everything if t.department_id == department.pk}, (
                role, department.name)
    # The transferred ticket is John's to see in Billing, a department he is not in; the
    # other Billing ticket is not.
    assert set(policies.visible_tickets(cast.john, cast.billing.pk)) == {billing_ticket}
    assert other_billing in set(policies.visible_tickets(cast.supervisor, cast.billing.pk))


def test_a_deactivated_user_sees_nothing(cast):
    data = build(cast)
    for user in (cast.alice, cast.gary, cast.admin):
        user.is_active = False
        user.save()
        assert not policies.visible_tickets(user).exists()
        with pytest.raises(NotFound):
            policies.access_ticket(user, data.tickets["tech"].number)


def test_attachment_ids_that_are_not_numbers_are_not_found(cast):
    build(cast)
    for bad in ("abc", None, "1; drop", -1, 10**12, 10**30):
        with pytest.raises(NotFound):
            policies.access_attachment(cast.admin, bad)


# --- The buttons: offered_actions per role -----------------------------------------------------

A = Action
NOTHING = frozenset()
OFFERED = {
    # a new ticket nobody holds
    ("new", "alice"): {A.CLIENT_REPLY, A.CLIENT_RESOLVE},
    ("new", "bob"): NOTHING,
    ("new", "john"): {A.COMMENT, A.TRANSFER, A.TAKE, A.SPLIT, A.MERGE},
    ("new", "gary"): {A.COMMENT, A.TRANSFER, A.TAKE, A.SPLIT, A.MERGE},
    ("new", "supervisor"): {A.COMMENT, A.TRANSFER, A.TAKE, A.REASSIGN, A.SPLIT, A.MERGE},
    ("new", "admin"): {A.COMMENT, A.TRANSFER, A.TAKE, A.REASSIGN, A.SPLIT, A.MERGE},
    ("new", "anonymous"): NOTHING,
    # John took it
    ("held", "alice"): {A.CLIENT_REPLY, A.CLIENT_RESOLVE},
    ("held", "bob"): NOTHING,
    ("held", "john"): {
        A.COMMENT, A.TRANSFER, A.SEND, A.SEND_AND_CLOSE, A.SAVE, A.FREEZE, A.RESOLVE,
        A.SPLIT, A.MERGE,
    },
    ("held", "gary"): {A.COMMENT, A.TRANSFER},
    ("held", "supervisor"): {A.COMMENT, A.TRANSFER, A.UNLOCK, A.REASSIGN, A.SPLIT,
                             A.MERGE},
    ("held", "admin"): {A.COMMENT, A.TRANSFER, A.UNLOCK, A.REASSIGN, A.SPLIT,
                        A.MERGE},
    ("held", "anonymous"): NOTHING,
    # John answered it with Send and close, and still holds it
    ("answered", "alice"): {A.CLIENT_REPLY, A.CLIENT_RESOLVE, A.ARCHIVE},
    ("answered", "bob"): NOTHING,
    ("answered", "john"): {
        A.COMMENT, A.TRANSFER, A.SEND, A.SEND_AND_CLOSE, A.SAVE, A.RESOLVE, A.ARCHIVE,
        A.SPLIT, A.MERGE,
    },
    ("answered", "gary"): {A.COMMENT, A.TRANSFER},
    ("answered", "supervisor"): {A.COMMENT, A.TRANSFER, A.UNLOCK, A.REASSIGN, A.SPLIT,
                                 A.MERGE},
    ("answered", "admin"): {A.COMMENT, A.TRANSFER, A.UNLOCK, A.REASSIGN, A.SPLIT,
                            A.MERGE},
    ("answered", "anonymous"): NOTHING,
    # the client archived it (John still holds it)
    ("archived", "alice"): {A.CLIENT_REPLY},
    ("archived", "bob"): NOTHING,
    ("archived", "john"): {A.COMMENT},
    ("archived", "gary"): {A.COMMENT},
    ("archived", "supervisor"): {A.COMMENT},
    ("archived", "admin"): {A.COMMENT},
    ("archived", "anonymous"): NOTHING,
}


def ticket_in(cast, situation):
    ticket = cast.open()
    if situation != "new":
        services.take(cast.john, ticket.number)
    if situation in ("answered", "archived"):
        services.reply(cast.john, ticket.number, body="Done", close=True)
    if situation == "archived":
        services.archive(cast.alice, ticket.number)
    return cast.refresh(ticket)


@pytest.mark.parametrize(("situation", "role"), list(OFFERED),
                         ids=[f"{s}-{r}" for s, r in OFFERED])
def test_offered_actions(cast, situation, role):
    ticket = ticket_in(cast, situation)
    assert policies.offered_actions(user_for(cast, role), ticket) == OFFERED[situation, role]


OFFERED_CALLS = {
    A.TAKE: lambda user, n: services.take(user, n),
    A.SEND: lambda user, n: services.reply(user, n, body="x", close=False),
    A.SEND_AND_CLOSE: lambda user, n: services.reply(user, n, body="x", close=True),
    A.SAVE: lambda user, n: services.save_parameters(user, n, priority=4),
    A.COMMENT: lambda user, n: services.comment(user, n, body="x"),
    A.FREEZE: lambda user, n: services.freeze(user, n),
    A.RESUME: lambda user, n: services.resume(user, n),
    A.RESOLVE: lambda user, n: services.resolve(user, n),
    A.UNLOCK: lambda user, n: services.unlock(user, n),
    A.REASSIGN: lambda user, n: services.reassign(user, n, user.pk),
    A.CLIENT_REPLY: lambda user, n: services.client_reply(user, n, body="x"),
    A.CLIENT_RESOLVE: lambda user, n: services.resolve(user, n),
    A.ARCHIVE: lambda user, n: services.archive(user, n),
    A.TRANSFER: lambda user, n: services.transfer(
        user, n, department_id=Department.objects.get(name="Billing").pk),
}
# Editing is offered per message, merging in is the other side of a merge, and splitting and
# merging need a second message or ticket: test_message_edit and test_split_merge hold those
# against what the pages offer.
CHECKED_ELSEWHERE = {A.EDIT, A.SPLIT, A.MERGE, A.MERGE_IN}
# One operation serves both sides' button (services.resolve: the client's or the holder's).
SAME_OPERATION = {A.RESOLVE: {A.RESOLVE, A.CLIENT_RESOLVE},
                  A.CLIENT_RESOLVE: {A.RESOLVE, A.CLIENT_RESOLVE}}

@pytest.mark.parametrize(("situation", "role"), list(OFFERED),
                         ids=[f"{s}-{r}" for s, r in OFFERED])
def test_the_services_agree_with_the_buttons(cast, situation, role):
    """A button shown works; an action not shown is refused by its service. Each action is
    tried on the same ticket and rolled back before the next."""
    ticket = ticket_in(cast, situation)
    user = user_for(cast, role)
    disagreements = []
    before = world()
    for action in [action for action in Action if action not in CHECKED_ELSEWHERE]:
        offered = bool(SAME_OPERATION.get(action, {action}) & OFFERED[situation, role])
        with transaction.atomic():
            try:
                OFFERED_CALLS[action](user, ticket.number)
            except DomainError as error:
                if offered:
                    disagreements.append(f"{action} is offered but refused: {error.message}")
                elif world() != before:
                    disagreements.append(f"refusing {action} changed something")
            else:
                if not offered:
                    disagreements.append(f"{action} is not offered but works")
            transaction.set_rollback(True)
    assert disagreements == []

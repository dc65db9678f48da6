"""Sorting the Incoming inbox: who sees which mail, and each action with its refusals."""

import pytest

from zapros.accounts.models import User
from zapros.clients.models import Client
from zapros.core.errors import Conflict, NotFound, ValidationFailed
from zapros.mail import incoming, ingest, policies
from zapros.mail.models import InboundMail
from zapros.tickets.models import Event, Message, Ticket

from .conftest import make_gateway
from .corpus import CORPUS, STRANGER, file_part, multipart, plain, text_part


def waiting(gateway, body="Please call me", **kw) -> InboundMail:
    kw.setdefault("sender", f"Stranger Danger <{STRANGER}>")
    assert ingest.receive(gateway, plain(body, **kw)) == "incoming"
    return InboundMail.objects.order_by("-id").first()


def state():
    return {
        "mails": list(InboundMail.objects.order_by("pk").values(
            "status", "ticket", "ticket_message", "handled_by", "handled_at", "handled_as")),
        "tickets": Ticket.objects.count(), "messages": Message.objects.count(),
        "events": Event.objects.count(), "users": User.objects.count(),
        "clients": Client.objects.count(),
    }


@pytest.mark.parametrize(("who", "sees"), [
    ("john", True), ("gary", True), ("supervisor", True), ("admin", True),
    ("alice", False), ("bob", False),
])
def test_who_sees_a_tech_mail(cast, gateway, who, sees):
    mail = waiting(gateway)
    user = getattr(cast, who)
    assert list(policies.visible_incoming(user)) == ([mail] if sees else [])
    if not sees:
        with pytest.raises(NotFound):
            policies.access_incoming(user, mail.pk)


def test_an_agent_outside_the_department_does_not_see_it(cast):
    billing = make_gateway(cast.billing, address="billing@zapros.test")
    mail = waiting(billing, to="billing@zapros.test")
    with pytest.raises(NotFound):
        policies.access_incoming(cast.john, mail.pk)
    before = state()
    for action in (lambda: incoming.discard(cast.john, mail.pk),
                   lambda: incoming.attach_to_client(cast.john, mail.pk,
                                                     client_id=cast.alice.pk)):
        with pytest.raises(NotFound):
            action()
    assert state() == before


def test_auto_replies_never_show_in_incoming(cast, gateway):
    ingest.receive(gateway, plain("Away", sender=STRANGER, extra="Auto-Submitted: auto-replied"))
    assert not policies.visible_incoming(cast.admin).exists()


def test_attach_to_client_opens_a_ticket_with_the_mail_and_its_files(cast, gateway):
    raw = multipart([text_part("Invoice attached"),
                     file_part('filename="scan.pdf"', b"%PDF-1.4 x", "application/pdf")],
                    sender=STRANGER)
    ingest.receive(gateway, raw)
    mail = InboundMail.objects.get()
    incoming.attach_to_client(cast.john, mail.pk, client_id=cast.bob.pk)
    mail.refresh_from_db()
    ticket = mail.ticket
    assert (mail.status, mail.handled_by) == ("attached", cast.john)
    assert ticket.client.user == cast.bob and ticket.department == cast.tech
    message = ticket.messages.get()
    assert message.author == cast.bob and message.email_message_id == mail.message_id
    assert [a.original_name for a in message.attachments.all()] == ["scan.pdf"]
    assert ticket.events.get().actor == cast.john


def test_attach_refuses_a_missing_client_and_a_sorted_mail(cast, gateway):
    mail = waiting(gateway)
    before = state()
    with pytest.raises(ValidationFailed):
        incoming.attach_to_client(cast.john, mail.pk, client_id=cast.john.pk)
    with pytest.raises(ValidationFailed):
        incoming.attach_to_client(cast.john, mail.pk, client_id="nonsense")
    assert state() == before
    incoming.discard(cast.john, mail.pk)
    before = state()
    with pytest.raises(Conflict):
        incoming.attach_to_client(cast.john, mail.pk, client_id=cast.bob.pk)
    assert state() == before


def test_create_client_registers_the_sender_and_opens_a_ticket(cast, gateway):
    mail = waiting(gateway)
    incoming.create_client(cast.john, mail.pk)
    user = User.objects.get(email=STRANGER)
    assert user.is_client and user.name == "Stranger Danger" and not user.has_usable_password()
    mail.refresh_from_db()
    assert mail.ticket.client.user == user
    # From now on this sender's mail is the client's.
    assert ingest.receive(gateway, plain("Second mail", sender=STRANGER)) == "ticket"


def test_create_client_refuses_an_address_that_has_an_account(cast, gateway):
    mail = waiting(gateway, sender="JOHN@zapros.test")
    before = state()
    with pytest.raises(ValidationFailed) as error:
        incoming.create_client(cast.john, mail.pk)
    assert error.value.field == "client"
    assert state() == before


def test_append_adds_the_mail_as_the_clients_message_and_reopens(cast, gateway):
    from zapros.tickets import services

    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    mail = waiting(gateway, body="It broke again")
    incoming.append_to_ticket(cast.john, mail.pk, number=ticket.number)
    message = cast.refresh(ticket).messages.order_by("-id").first()
    assert message.author == cast.alice and message.body == "It broke again"
    assert message.channel == "email"
    assert cast.refresh(ticket).state == "open"


def test_append_refuses_a_ticket_the_agent_cannot_see(cast, gateway):
    hidden = cast.open(department=cast.billing)
    mail = waiting(gateway)
    before = state()
    with pytest.raises(NotFound):
        incoming.append_to_ticket(cast.john, mail.pk, number=hidden.number)
    with pytest.raises(NotFound):
        incoming.append_to_ticket(cast.john, mail.pk, number="abc")
    assert state() == before


def test_discard_keeps_the_mail_and_restore_brings_it_back(cast, gateway):
    mail = waiting(gateway)
    incoming.discard(cast.john, mail.pk)
    mail.refresh_from_db()
    assert mail.status == "discarded" and mail.raw
    with pytest.raises(Conflict):
        incoming.discard(cast.john, mail.pk)
    incoming.restore(cast.gary, mail.pk)
    mail.refresh_from_db()
    assert mail.status == "incoming"
    before = state()
    with pytest.raises(Conflict):
        incoming.restore(cast.gary, mail.pk)
    assert state() == before


def test_clients_can_do_nothing_with_incoming(cast, gateway):
    mail = waiting(gateway)
    before = state()
    for action in (
        lambda: incoming.attach_to_client(cast.alice, mail.pk, client_id=cast.alice.pk),
        lambda: incoming.create_client(cast.alice, mail.pk),
        lambda: incoming.append_to_ticket(cast.alice, mail.pk, number=1),
        lambda: incoming.discard(cast.alice, mail.pk),
        lambda: incoming.restore(cast.alice, mail.pk),
    ):
        with pytest.raises(NotFound):
            action()
    assert state() == before


def test_incoming_pages_are_bounded_and_continue(cast, gateway):
    mails = [waiting(gateway, body=f"Mail {n}") for n in range(5)]
    page, after = incoming.incoming_page(cast.john, limit=2)
    assert page == [mails[4], mails[3]] and after == mails[3].pk
    page, after = incoming.incoming_page(cast.john, before=after, limit=2)
    assert page == [mails[2], mails[1]]
    page, after = incoming.incoming_page(cast.john, before=after, limit=2)
    assert page == [mails[0]] and after is None


def test_the_spoofed_reply_to_mail_is_sorted_by_a_person(cast, gateway):
    assert ingest.receive(gateway, CORPUS["spoofed_reply_to"].raw) == "incoming"
    assert Ticket.objects.count() == 0


def decision(mail):
    mail.refresh_from_db()
    return (mail.status, mail.handled_as, mail.handled_by, mail.handled_at,
            mail.ticket, mail.ticket_message)


def test_each_decision_is_recorded_on_the_mail_who_when_what_and_into_what(
        cast, gateway, monkeypatch):
    from datetime import UTC, datetime

    from zapros.core import clock

    at = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: at)
    attached, registered, appended, discarded = (
        waiting(gateway, sender=f"s{n}@example.org") for n in range(4))
    ticket = cast.open()

    incoming.attach_to_client(cast.john, attached.pk, client_id=cast.bob.pk)
    opened = Ticket.objects.get(client=cast.bob.pk)
    assert decision(attached) == ("attached", "attached", cast.john, at, opened,
                                  opened.messages.get())

    incoming.create_client(cast.gary, registered.pk)
    opened = Ticket.objects.get(client__user__email="s1@example.org")
    assert decision(registered) == ("attached", "registered", cast.gary, at, opened,
                                    opened.messages.get())

    message = incoming.append_to_ticket(cast.supervisor, appended.pk,
                                        number=ticket.number).ticket_message
    assert decision(appended) == ("attached", "appended", cast.supervisor, at, ticket, message)
    assert message.ticket == ticket and message.body == "Please call me"

    incoming.discard(cast.admin, discarded.pk)
    assert decision(discarded) == ("discarded", "discarded", cast.admin, at, None, None)
    incoming.restore(cast.john, discarded.pk)
    assert decision(discarded) == ("incoming", "restored", cast.john, at, None, None)


def test_a_mail_appended_to_a_merged_request_records_where_it_went(cast, gateway):
    from zapros.tickets import services

    old, new = cast.open(subject="First"), cast.open(subject="Second")
    services.take(cast.john, old.number)
    services.merge(cast.john, old.number, target=new.number)
    mail = waiting(gateway)
    incoming.append_to_ticket(cast.john, mail.pk, number=old.number)
    mail.refresh_from_db()
    assert mail.ticket == cast.refresh(new) and mail.ticket_message.ticket_id == new.pk


def test_a_sender_address_that_is_not_one_is_refused_on_the_client_field(cast, gateway):
    mail = waiting(gateway, sender="Nobody <nobody@b>")
    before = state()
    with pytest.raises(ValidationFailed) as error:
        incoming.create_client(cast.john, mail.pk)
    assert error.value.field == "client"
    assert error.value.message == "Enter a valid e-mail address."
    assert state() == before


@pytest.mark.parametrize("sorting", ["attach", "register"])
def test_a_sorted_mails_clock_starts_when_it_arrived_not_when_it_was_sorted(cast, gateway,
                                                                            sorting):
    from datetime import timedelta

    from conftest import DEFAULT_RESPONSE
    from zapros.sla.models import Clock

    mail = waiting(gateway)
    arrived = mail.received_at - timedelta(hours=5)
    InboundMail.objects.filter(pk=mail.pk).update(received_at=arrived)
    if sorting == "attach":
        incoming.attach_to_client(cast.john, mail.pk, client_id=cast.bob.pk)
    else:
        incoming.create_client(cast.john, mail.pk)
    mail.refresh_from_db()
    first = Clock.objects.get(ticket=mail.ticket, metric="first_response")
    assert (first.started_at, first.due_at) == (arrived, arrived + DEFAULT_RESPONSE)
    assert mail.ticket.waiting_since == arrived

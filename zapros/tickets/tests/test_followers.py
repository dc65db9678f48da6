"""Following a ticket (staff) and copy addresses (the client, and staff)."""

import pytest

from zapros.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from zapros.notify.models import OutgoingMail
from zapros.tickets import services
from zapros.tickets.models import CcAddress, Event, Follower


def kinds(ticket):
    return list(Event.objects.filter(ticket=ticket).values_list("kind", flat=True))[1:]


def test_staff_follow_and_unfollow_a_ticket_they_see(cast):
    ticket = cast.open()
    services.follow(cast.john, ticket.number)
    services.follow(cast.supervisor, ticket.number)
    assert set(Follower.objects.values_list("user", flat=True)) == {cast.john.pk,
                                                                    cast.supervisor.pk}
    services.unfollow(cast.john, ticket.number)
    assert list(Follower.objects.values_list("user", flat=True)) == [cast.supervisor.pk]
    assert kinds(ticket) == ["followed", "followed", "unfollowed"]
    event = Event.objects.filter(ticket=ticket, kind="unfollowed").get()
    assert event.actor == cast.john


@pytest.mark.parametrize(("who", "error"), [
    ("alice", Forbidden),   # the client who owns it
    ("bob", NotFound),      # another client
    ("gary", None),         # in the department: allowed
])
def test_who_may_follow(cast, refused, who, error):
    ticket = cast.open()
    if error is None:
        services.follow(getattr(cast, who), ticket.number)
        return
    with refused(error):
        services.follow(getattr(cast, who), ticket.number)


def test_an_agent_outside_the_department_cannot_follow(cast, refused):
    ticket = cast.open(department=cast.billing)
    with refused(NotFound):
        services.follow(cast.john, ticket.number)


def test_following_twice_or_unfollowing_without_following_is_refused(cast, refused):
    ticket = cast.open()
    services.follow(cast.john, ticket.number)
    with refused(Conflict):
        services.follow(cast.john, ticket.number)
    with refused(Conflict):
        services.unfollow(cast.gary, ticket.number)


def test_the_client_adds_and_removes_copy_addresses(cast):
    ticket = cast.open()
    services.add_cc(cast.alice, ticket.number, "  Carol@Example.com ")
    services.add_cc(cast.john, ticket.number, "dave@example.com")
    assert list(CcAddress.objects.values_list("email", flat=True)) == [
        "carol@example.com", "dave@example.com"]
    services.remove_cc(cast.alice, ticket.number, "CAROL@example.com")
    assert list(CcAddress.objects.values_list("email", flat=True)) == ["dave@example.com"]
    assert kinds(ticket) == ["cc_added", "cc_added", "cc_removed"]
    assert Event.objects.get(kind="cc_removed").data == {"email": "carol@example.com"}


@pytest.mark.parametrize("email", [
    "", "not an address", "a@b", "alice@example.com", "carol@example.com",
    "tech@support.example", "support@localhost", "x" * 250 + "@example.com",
    "evil@example.com\r\nBcc: x@y.z",
])
def test_bad_copy_addresses_are_refused(cast, refused, email):
    cast.tech.outgoing_email = "tech@support.example"
    cast.tech.save()
    ticket = cast.open()
    services.add_cc(cast.alice, ticket.number, "carol@example.com")
    with refused(ValidationFailed) as error:
        services.add_cc(cast.alice, ticket.number, email)
    assert error.value.field == "email"


def test_the_copy_list_has_a_maximum(cast, refused, settings):
    settings.ZAPROS_TICKET_CC_MAX = 2
    ticket = cast.open()
    services.add_cc(cast.alice, ticket.number, "one@example.com")
    services.add_cc(cast.alice, ticket.number, "two@example.com")
    with refused(ValidationFailed) as error:
        services.add_cc(cast.alice, ticket.number, "three@example.com")
    assert "2" in str(error.value.message)


@pytest.mark.parametrize(("who", "error"), [
    ("bob", NotFound), ("john", None), ("gary", None), ("supervisor", None), ("admin", None),
])
def test_who_may_change_the_copy_list(cast, refused, who, error):
    ticket = cast.open(department=cast.billing) if who == "john" else cast.open()
    services.add_cc(cast.alice, ticket.number, "carol@example.com")
    actor = getattr(cast, who)
    if who == "john":
        error = NotFound  # outside Billing
    if error is None:
        services.add_cc(actor, ticket.number, "dave@example.com")
        services.remove_cc(actor, ticket.number, "carol@example.com")
        return
    with refused(error):
        services.add_cc(actor, ticket.number, "dave@example.com")
    with refused(error):
        services.remove_cc(actor, ticket.number, "carol@example.com")


def test_removing_an_address_not_on_the_list_is_refused(cast, refused):
    ticket = cast.open()
    with refused(ValidationFailed):
        services.remove_cc(cast.alice, ticket.number, "nobody@example.com")


def test_staff_retry_a_failed_mail_of_the_ticket(cast, smtp_server, refused,
                                                 django_capture_on_commit_callbacks):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    smtp_server.refuse["alice@example.com"] = "550 Mailbox unavailable"
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(cast.john, ticket.number, body="Answer", close=False)
    mail = OutgoingMail.objects.get()
    assert mail.status == OutgoingMail.Status.FAILED
    other = cast.open(department=cast.billing)

    with refused(Forbidden):
        services.retry_mail(cast.alice, ticket.number, mail.pk)
    with refused(NotFound):
        services.retry_mail(cast.gary, other.number, mail.pk)  # not a mail of that ticket
    with refused(NotFound):
        services.retry_mail(cast.john, other.number, mail.pk)  # invisible ticket

    del smtp_server.refuse["alice@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_mail(cast.john, ticket.number, mail.pk)
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT
    assert len(smtp_server.envelopes) == 1
    assert Event.objects.filter(ticket=ticket, kind="mail_retried", actor=cast.john).exists()
    with refused(Conflict):
        services.retry_mail(cast.john, ticket.number, mail.pk)

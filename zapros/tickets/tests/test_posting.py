"""Writing into a ticket is one operation per intent, whichever channel it comes through:
staff's reply with its note, closing and parameters; the client's message (portal, API, mail)
with one answer for merged, closed and archived tickets; and the door that chooses between
them by the writer's role."""

import pytest

from zapros.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from zapros.tickets import services
from zapros.tickets.models import Event, Message, Priority
from zapros.tickets.states import State


def kinds(ticket):
    return list(Event.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


def test_a_reply_with_parameters_writes_both_in_one_step(cast, held):
    message = services.reply(cast.john, held.number, body="Fixed.", note="Was the disk",
                             close=True, parameters={"priority": Priority.HIGH,
                                                     "title": "Disk full"})
    ticket = cast.refresh(held)
    assert ticket.state == State.ANSWERED
    assert (ticket.priority, ticket.title) == (Priority.HIGH, "Disk full")
    assert message.body == "Fixed." and message.visibility == Message.Visibility.PUBLIC
    note = Message.objects.get(ticket=held, visibility=Message.Visibility.INTERNAL)
    assert note.body == "Was the disk"
    assert kinds(ticket)[-2:] == [Event.Kind.PARAMETERS, Event.Kind.CLOSED]


def test_a_refused_parameter_keeps_the_reply_unsent(cast, held, refused):
    with refused(ValidationFailed) as error:
        services.reply(cast.john, held.number, body="Fixed.", close=True,
                       parameters={"priority": 99})
    assert error.value.field == "priority"


def test_a_note_alone_is_an_internal_comment_anyone_on_staff_may_leave(cast, held):
    message = services.reply(cast.gary, held.number, note="Seen this before", files=[
        ("log.txt", b"disk full")])
    assert message.visibility == Message.Visibility.INTERNAL
    assert [f.original_name for f in message.files] == ["log.txt"]
    ticket = cast.refresh(held)
    assert ticket.state == State.OPEN and ticket.holder_id == cast.john.pk
    assert kinds(ticket)[-1] == Event.Kind.COMMENTED


def test_a_note_with_parameters_is_the_holders(cast, held, refused):
    with refused(Conflict):
        services.reply(cast.gary, held.number, note="Raising it", parameters={"priority": 3})
    services.reply(cast.john, held.number, note="Raising it", parameters={"priority": 3})
    assert cast.refresh(held).priority == 3


@pytest.mark.parametrize("kwargs", [{}, {"close": True, "note": "only a note"},
                                    {"body": "   ", "note": ""}])
def test_nothing_to_send_is_refused(cast, held, refused, kwargs):
    with refused(ValidationFailed) as error:
        services.reply(cast.john, held.number, **kwargs)
    assert error.value.field == "body"


def test_the_client_reopens_a_closed_ticket_from_every_channel(cast, held):
    services.reply(cast.john, held.number, body="Done", close=True)
    for channel in (Message.Channel.WEB, Message.Channel.API, Message.Channel.EMAIL):
        services.reply(cast.john, held.number, body="Anything else?", close=True)
        message = services.client_reply(cast.alice, held.number, body="Again", channel=channel)
        ticket = cast.refresh(held)
        assert (message.ticket_id, ticket.state) == (held.pk, State.OPEN)
        assert kinds(ticket)[-1] == Event.Kind.REOPENED


@pytest.mark.parametrize("channel", list(Message.Channel))
def test_a_client_message_into_a_merged_ticket_goes_where_it_was_merged(cast, channel):
    old, new = cast.open(subject="Old"), cast.open(subject="New")
    services.merge(cast.supervisor, old.number, target=new.number)
    message = services.client_reply(cast.alice, old.number, body="Still broken",
                                    channel=channel)
    assert message.ticket_id == new.pk
    assert not Message.objects.filter(ticket=old).exists()


def test_mail_is_never_refused_for_its_text_but_the_portal_is(cast, held, refused):
    message = services.client_reply(cast.alice, held.number, body="  ",
                                    channel=Message.Channel.EMAIL,
                                    html="<p>hi<script>x()</script></p>", notes=["left out"])
    assert message.body == "(no text)"
    assert "script" not in message.body_html
    assert Message.objects.filter(ticket=held, author_kind=Message.AuthorKind.SYSTEM,
                                  body="left out").exists()
    with refused(ValidationFailed):
        services.client_reply(cast.alice, held.number, body="  ")


def test_staff_file_a_clients_mail_as_the_clients_message(cast, held):
    message = services.client_reply(cast.gary, held.number, body="From the inbox",
                                    channel=Message.Channel.EMAIL)
    assert (message.author_id, message.author_kind) == (cast.alice.pk,
                                                        Message.AuthorKind.CLIENT)
    event = Event.objects.filter(ticket=held).latest("id")
    assert event.actor_id == cast.gary.pk and event.data["channel"] == "email"


def test_another_client_cannot_write_into_the_ticket(cast, held, refused):
    with refused(NotFound):
        services.client_reply(cast.bob, held.number, body="Hello")


def test_write_chooses_the_operation_by_role(cast, held):
    client_message = services.write(cast.alice, held.number, body="Any news?")
    assert client_message.author_kind == Message.AuthorKind.CLIENT
    internal = services.write(cast.gary, held.number, body="Looking", internal=True)
    assert internal.visibility == Message.Visibility.INTERNAL
    answer = services.write(cast.john, held.number, body="Done", close=True,
                            parameters={"priority": 3})
    assert answer.visibility == Message.Visibility.PUBLIC
    assert cast.refresh(held).state == State.ANSWERED


@pytest.mark.parametrize("kwargs", [{"internal": True}, {"note": "psst"}, {"close": True},
                                    {"parameters": {"priority": 3}}])
def test_write_refuses_a_client_what_only_staff_do(cast, held, refused, kwargs):
    with refused(Forbidden):
        services.write(cast.alice, held.number, body="Hello", **kwargs)


@pytest.mark.parametrize("kwargs", [{"close": True}, {"note": "psst"},
                                    {"parameters": {"priority": 3}}])
def test_an_internal_comment_cannot_close_or_change_anything(cast, held, refused, kwargs):
    with refused(ValidationFailed):
        services.write(cast.john, held.number, body="Hm", internal=True, **kwargs)


def test_resolve_is_the_clients_or_the_holders(cast, held, refused):
    with refused(Conflict):
        services.resolve(cast.gary, held.number)
    with refused(NotFound):
        services.resolve(cast.bob, held.number)
    services.resolve(cast.alice, held.number)
    assert cast.refresh(held).state == State.RESOLVED
    event = Event.objects.filter(ticket=held).latest("id")
    assert (event.kind, event.actor_id) == (Event.Kind.RESOLVED, cast.alice.pk)

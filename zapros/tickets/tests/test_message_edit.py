"""Editing a message: the text changes, the earlier one is kept, and who may do it."""

import pytest

from zapros.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from zapros.tickets import policies, selectors, services
from zapros.tickets.models import Event, Message, MessageRevision


def conversation(cast):
    """Alice asks, John (holding it) answers, Gary leaves an internal comment."""
    ticket = cast.open(body="My site is down")
    services.take(cast.john, ticket.number)
    answer = services.reply(cast.john, ticket.number, body="Restartd it", close=False)
    note = services.comment(cast.gary, ticket.number, body="Disk was full")
    question = Message.objects.get(ticket=ticket, body="My site is down")
    return cast.refresh(ticket), question, answer, note


def test_the_author_edits_and_the_earlier_text_is_kept(cast):
    ticket, _question, answer, _note = conversation(cast)
    edited = services.edit_message(cast.john, ticket.number, answer.pk, body="Restarted it")
    assert edited.body == "Restarted it" and edited.edited_at is not None
    revision = MessageRevision.objects.get(message=answer)
    assert (revision.body, revision.edited_by, revision.edited_at) == (
        "Restartd it", cast.john, edited.edited_at)
    event = Event.objects.get(ticket=ticket, kind=Event.Kind.MESSAGE_EDITED)
    assert event.actor == cast.john
    assert event.data == {"message": answer.pk, "revision": revision.pk}
    # The state, holder and conversation flags stay as they were.
    after = cast.refresh(ticket)
    assert (after.state, after.holder_id, after.needs_reply) == (
        ticket.state, ticket.holder_id, ticket.needs_reply)


def test_every_edit_adds_a_revision_in_order(cast):
    ticket, _question, answer, _note = conversation(cast)
    services.edit_message(cast.john, ticket.number, answer.pk, body="Second")
    services.edit_message(cast.supervisor, ticket.number, answer.pk, body="Third")
    revisions = selectors.message_revisions(cast.admin, ticket, answer.pk)
    assert [(r.body, r.edited_by) for r in revisions] == [
        ("Restartd it", cast.john), ("Second", cast.supervisor)]
    assert Message.objects.get(pk=answer.pk).body == "Third"


def test_an_unchanged_text_writes_nothing(cast):
    ticket, _question, answer, _note = conversation(cast)
    services.edit_message(cast.john, ticket.number, answer.pk, body="  Restartd it \n")
    assert not MessageRevision.objects.exists()
    assert not Event.objects.filter(kind=Event.Kind.MESSAGE_EDITED).exists()
    assert Message.objects.get(pk=answer.pk).edited_at is None


@pytest.mark.parametrize("editor", ["supervisor", "admin"])
def test_supervisors_and_admins_edit_any_staff_message(cast, editor):
    ticket, _question, answer, note = conversation(cast)
    services.edit_message(getattr(cast, editor), ticket.number, note.pk, body="Disk full")
    services.edit_message(getattr(cast, editor), ticket.number, answer.pk, body="Fixed")
    assert MessageRevision.objects.count() == 2


def test_an_agent_edits_his_comment_even_when_someone_else_holds_the_ticket(cast):
    ticket, _question, _answer, note = conversation(cast)
    services.edit_message(cast.gary, ticket.number, note.pk, body="The disk was full")
    assert Message.objects.get(pk=note.pk).body == "The disk was full"


def test_another_agents_message_is_refused(cast, refused):
    ticket, _question, answer, _note = conversation(cast)
    with refused(Forbidden) as error:
        services.edit_message(cast.gary, ticket.number, answer.pk, body="Mine now")
    assert "Only the author" in str(error.value.message)


@pytest.mark.parametrize("editor", ["john", "supervisor", "admin"])
def test_the_clients_words_are_never_rewritten(cast, refused, editor):
    ticket, question, _answer, _note = conversation(cast)
    with refused(Forbidden) as error:
        services.edit_message(getattr(cast, editor), ticket.number, question.pk, body="Nicer")
    assert "client" in str(error.value.message)


def test_a_system_message_is_refused(cast, refused):
    ticket, *_ = conversation(cast)
    system = Message.objects.create(ticket=ticket, author_kind=Message.AuthorKind.SYSTEM,
                                    body="Request copied to Sales")
    with refused(Forbidden):
        services.edit_message(cast.admin, ticket.number, system.pk, body="Something else")


def test_a_client_cannot_edit_even_their_own_message(cast, refused):
    ticket, question, _answer, _note = conversation(cast)
    with refused(Forbidden):
        services.edit_message(cast.alice, ticket.number, question.pk, body="Typo fixed")


@pytest.mark.parametrize("body", ["", "   \n ", None])
def test_an_empty_body_is_refused(cast, refused, body):
    ticket, _question, answer, _note = conversation(cast)
    with refused(ValidationFailed) as error:
        services.edit_message(cast.john, ticket.number, answer.pk, body=body)
    assert error.value.field == "body"


def test_a_ticket_the_agent_cannot_see_is_not_found(cast, refused):
    ticket = cast.staff_ticket(cast.billing)
    services.take(cast.supervisor, ticket.number)
    answer = services.reply(cast.supervisor, ticket.number, body="Offer", close=False)
    with refused(NotFound):
        services.edit_message(cast.john, ticket.number, answer.pk, body="Hacked")


def test_a_message_of_another_ticket_is_not_found(cast, refused):
    _ticket, _question, answer, _note = conversation(cast)
    other = cast.open(subject="Other")
    for message_id in (answer.pk, "abc", 10**30):
        with refused(NotFound):
            services.edit_message(cast.john, other.number, message_id, body="Moved")


def test_messages_of_an_archived_ticket_stay_as_they_are(cast, refused):
    ticket, _question, answer, _note = conversation(cast)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    services.archive(cast.alice, ticket.number)
    with refused(InvalidTransition) as error:
        services.edit_message(cast.john, ticket.number, answer.pk, body="Late fix")
    assert "archived" in str(error.value.message)


def test_the_client_sees_the_current_text_only(cast):
    ticket, _question, answer, _note = conversation(cast)
    services.edit_message(cast.john, ticket.number, answer.pk, body="Restarted it")
    timeline = selectors.ticket_timeline(cast.alice, ticket)
    bodies = [entry.message.body for entry in timeline]
    assert "Restarted it" in bodies and "Restartd it" not in bodies
    assert selectors.ticket_messages(cast.alice, ticket) == []
    with pytest.raises(Forbidden):
        selectors.message_revisions(cast.alice, ticket, answer.pk)


def test_what_the_page_offers_matches_the_rule(cast):
    ticket, question, answer, note = conversation(cast)
    may = policies.may_edit_message
    assert may(cast.john, ticket, answer) and not may(cast.john, ticket, note)
    assert may(cast.gary, ticket, note) and not may(cast.gary, ticket, answer)
    assert may(cast.supervisor, ticket, answer) and may(cast.admin, ticket, note)
    assert not any(may(user, ticket, question) for user in (cast.john, cast.admin, cast.alice))
    assert not may(cast.alice, ticket, answer)

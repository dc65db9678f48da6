"""Split (a message and the later ones into a new ticket) and merge (a duplicate into another
ticket of the same client): what moves, what both tickets say, and every refusal."""


import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from conftest import DEFAULT_RESPONSE
from zapros.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from zapros.tickets import policies, selectors, services, states
from zapros.tickets.models import Attachment, Event, Message, Rating, Ticket

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


def two_questions(cast, moment):
    """Alice asks about her site, John answers; she then asks about her invoice in the same
    ticket, Gary notes something, John answers that too. Both answers are rated."""
    ticket = cast.open(body="My site is down", files=[("site.png", PNG)])
    moment.advance(minutes=5)
    services.take(cast.john, ticket.number)
    first = services.reply(cast.john, ticket.number, body="Restarted", close=False)
    services.rate(cast.alice, ticket.number, message_id=first.pk, value="good")
    moment.advance(hours=1)
    invoice = services.client_reply(cast.alice, ticket.number, body="Also my invoice is wrong",
                                    files=[("invoice.png", PNG)])
    moment.advance(minutes=5)
    services.comment(cast.gary, ticket.number, body="Billing question")
    moment.advance(minutes=5)
    second = services.reply(cast.john, ticket.number, body="Asked billing", close=False)
    services.rate(cast.alice, ticket.number, message_id=second.pk, value="bad")
    moment.advance(minutes=5)
    return cast.refresh(ticket), invoice


def bodies(ticket):
    return list(Message.objects.filter(ticket=ticket).order_by("created_at", "id")
                .values_list("body", flat=True))


# --- Split ------------------------------------------------------------------------------------

def test_split_moves_the_message_and_the_later_ones(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    new = services.split(cast.john, ticket.number, message_id=invoice.pk)
    assert bodies(ticket) == ["My site is down", "Restarted"]
    assert bodies(new) == ["Also my invoice is wrong", "Billing question", "Asked billing"]
    assert list(Attachment.objects.filter(ticket=ticket).values_list("original_name", flat=True)
                ) == ["site.png"]
    assert list(Attachment.objects.filter(ticket=new).values_list("original_name", flat=True)
                ) == ["invoice.png"]
    assert list(Rating.objects.filter(ticket=ticket).values_list("value", flat=True)) == ["good"]
    assert list(Rating.objects.filter(ticket=new).values_list("value", flat=True)) == ["bad"]
    assert all(a.message.ticket_id == a.ticket_id for a in Attachment.objects.all())


def test_the_new_ticket_is_the_same_clients_in_the_same_department(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    services.save_parameters(cast.john, ticket.number, priority=3, type="bug",
                             service=cast.alice_hosting.pk)
    new = cast.refresh(services.split(cast.john, ticket.number, message_id=invoice.pk))
    assert new.number == ticket.number + 1
    assert (new.client_id, new.department_id) == (ticket.client_id, ticket.department_id)
    assert (new.subject, new.title) == ("Site is down", "Site is down")
    assert (new.priority, new.type, new.service_id) == (3, "bug", cast.alice_hosting.pk)
    assert (new.state, new.holder_id, new.assignee_id) == ("new", None, None)
    assert new.split_from == ticket and new.created_at == moment.now


def test_split_with_a_subject_of_its_own(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    new = services.split(cast.john, ticket.number, message_id=invoice.pk,
                         subject="  Wrong   invoice ")
    assert (new.subject, new.title) == ("Wrong invoice", "Wrong invoice")


def test_both_tickets_record_the_split(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    new = services.split(cast.john, ticket.number, message_id=invoice.pk)
    old_event = Event.objects.get(ticket=ticket, kind=Event.Kind.SPLIT)
    new_event = Event.objects.get(ticket=new, kind=Event.Kind.SPLIT_FROM)
    assert old_event.actor == new_event.actor == cast.john
    assert old_event.data == {"number": new.number, "message": invoice.pk, "messages": 3}
    assert new_event.data == {"number": ticket.number, "message": invoice.pk, "messages": 3}
    assert selectors.related_tickets(cast.refresh(ticket)).split_off == [new.number]
    assert selectors.related_tickets(policies.access_ticket(cast.john, new.number)
                                     ).split_from == ticket.number


def test_split_recomputes_the_flags_of_both_tickets(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    asked_at = moment.now
    services.client_reply(cast.alice, ticket.number, body="Any news on the invoice?")
    answer_at = Message.objects.get(body="Restarted").created_at
    before = cast.refresh(ticket)
    assert before.needs_reply
    moment.advance(hours=1)
    new = cast.refresh(services.split(cast.john, ticket.number, message_id=invoice.pk))
    ticket = cast.refresh(ticket)
    # The old ticket ends with John's first answer: nothing to reply to.
    assert (ticket.state, ticket.needs_reply, ticket.reply_due_at) == ("open", False, None)
    assert ticket.last_public_from_client is False
    assert ticket.last_staff_public_at == answer_at
    # The new one ends with the client's question, waiting since she asked.
    assert new.needs_reply and new.last_public_from_client
    assert new.reply_due_at == asked_at + DEFAULT_RESPONSE
    assert new.last_staff_public_at == Message.objects.get(body="Asked billing").created_at
    assert ticket.updated_at == new.updated_at == moment.now
    assert new.client_seen_at == ticket.client_seen_at


def test_the_new_ticket_shows_in_the_queue_and_to_the_client(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    new = services.split(cast.john, ticket.number, message_id=invoice.pk)
    assert new.number in selectors.staff_queue(cast.gary).values_list("number", flat=True)
    assert new.number in selectors.client_requests(cast.alice, active=True).values_list(
        "number", flat=True)
    client_view = [e.message.body for e in selectors.ticket_timeline(cast.alice, new)]
    assert client_view == ["Also my invoice is wrong", "Asked billing"]


def test_a_supervisor_splits_a_ticket_someone_else_holds(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    new = services.split(cast.supervisor, ticket.number, message_id=invoice.pk)
    assert Message.objects.filter(ticket=new).count() == 3


def test_any_agent_splits_a_ticket_nobody_holds(cast, moment):
    ticket = cast.open(body="First")
    moment.advance(minutes=1)
    second = services.client_reply(cast.alice, ticket.number, body="Another thing")
    new = services.split(cast.gary, ticket.number, message_id=second.pk)
    assert bodies(new) == ["Another thing"]
    assert cast.refresh(ticket).needs_reply and cast.refresh(new).needs_reply


def test_split_from_the_first_message_is_refused(cast, moment, refused):
    ticket, _invoice = two_questions(cast, moment)
    first = Message.objects.get(body="My site is down")
    with refused(ValidationFailed) as error:
        services.split(cast.john, ticket.number, message_id=first.pk)
    assert error.value.field == "message" and "first message" in str(error.value.message)


def test_split_from_an_internal_comment_is_refused(cast, moment, refused):
    ticket, _invoice = two_questions(cast, moment)
    note = Message.objects.get(body="Billing question")
    with refused(ValidationFailed) as error:
        services.split(cast.john, ticket.number, message_id=note.pk)
    assert error.value.field == "message"


@pytest.mark.parametrize("message_id", [None, "abc", 0, -1, 10**30, 987654])
def test_split_from_no_such_message_is_refused(cast, moment, refused, message_id):
    ticket, _invoice = two_questions(cast, moment)
    with refused(ValidationFailed):
        services.split(cast.john, ticket.number, message_id=message_id)


def test_split_from_a_message_of_another_ticket_is_refused(cast, moment, refused):
    _ticket, invoice = two_questions(cast, moment)
    other = cast.open(subject="Other")
    with refused(ValidationFailed):
        services.split(cast.john, other.number, message_id=invoice.pk)


def test_split_of_a_ticket_held_by_someone_else_is_refused(cast, moment, refused):
    ticket, invoice = two_questions(cast, moment)
    with refused(Conflict) as error:
        services.split(cast.gary, ticket.number, message_id=invoice.pk)
    assert "John Smith" in str(error.value.message)


def test_split_of_an_archived_ticket_is_refused(cast, moment, refused):
    ticket, invoice = two_questions(cast, moment)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    services.archive(cast.alice, ticket.number)
    with refused(InvalidTransition):
        services.split(cast.john, ticket.number, message_id=invoice.pk)


def test_split_by_a_client_or_an_outsider_is_refused(cast, moment, refused):
    ticket, invoice = two_questions(cast, moment)
    with refused(Forbidden):
        services.split(cast.alice, ticket.number, message_id=invoice.pk)
    billing = cast.staff_ticket(cast.billing)
    services.client_reply(cast.alice, billing.number, body="More")
    later = Message.objects.get(ticket=billing, body="More")
    with refused(NotFound):
        services.split(cast.john, billing.number, message_id=later.pk)


def test_split_with_a_subject_that_is_too_long_is_refused(cast, moment, refused):
    ticket, invoice = two_questions(cast, moment)
    with refused(ValidationFailed) as error:
        services.split(cast.john, ticket.number, message_id=invoice.pk, subject="x" * 201)
    assert error.value.field == "subject"


def split_offers(cast, ticket, people):
    """For each person and message: (whether the page offers the split, whether the service
    does it), the service tried in a transaction that is rolled back."""
    answers = {}
    for person in people:
        messages = list(Message.objects.filter(ticket=ticket).order_by("created_at", "id"))
        for message in messages:
            offered = policies.may_split_from(person, ticket, message, messages[0].pk)
            try:
                with transaction.atomic():
                    services.split(person, ticket.number, message_id=message.pk)
                    raise RuntimeError("roll back")
            except RuntimeError:
                done = True
            except (Conflict, Forbidden, NotFound, ValidationFailed):
                done = False
            answers[person.email, message.body] = (offered, done)
    return answers


def test_the_page_offers_exactly_the_splits_the_service_makes(cast, moment):
    ticket, _invoice = two_questions(cast, moment)
    people = [cast.john, cast.gary, cast.supervisor, cast.alice, cast.bob]
    answers = split_offers(cast, ticket, people)
    assert all(offered == done for offered, done in answers.values()), answers
    # Not vacuous: some splits are offered, and each refusal of the service shows up here.
    splittable = {key for key, (offered, _done) in answers.items() if offered}
    assert splittable == {
        (person.email, body)
        for person in (cast.john, cast.supervisor)
        for body in ("Restarted", "Also my invoice is wrong", "Asked billing")
    }


def test_an_archived_ticket_offers_no_split(cast, moment):
    ticket, _invoice = two_questions(cast, moment)
    services.reply(cast.john, ticket.number, body="Done", close=True)
    services.archive(cast.alice, ticket.number)
    answers = split_offers(cast, cast.refresh(ticket), [cast.john, cast.supervisor])
    assert answers and all(answer == (False, False) for answer in answers.values())


def test_the_split_policy_refuses_as_the_service_does(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    first = Message.objects.get(body="My site is down")
    note = Message.objects.get(body="Billing question")
    for message, field in ((None, "message"), (note, "message"), (first, "message")):
        with pytest.raises(ValidationFailed) as error:
            policies.ensure_can_split_from(cast.john, ticket, message, first.pk)
        assert error.value.field == field
    with pytest.raises(Conflict):
        policies.ensure_can_split_from(cast.gary, ticket, invoice, first.pk)
    with pytest.raises(Forbidden):
        policies.ensure_can_split_from(cast.alice, ticket, invoice, first.pk)
    policies.ensure_can_split_from(cast.john, ticket, invoice, first.pk)


# --- Merge ------------------------------------------------------------------------------------

def duplicates(cast, moment):
    """Alice's ticket answered by John, and her duplicate written after the answer."""
    original = cast.open(subject="Site down", body="My site is down", files=[("a.png", PNG)])
    moment.advance(minutes=5)
    services.take(cast.john, original.number)
    answer = services.reply(cast.john, original.number, body="Restarted", close=True)
    services.rate(cast.alice, original.number, message_id=answer.pk, value="good")
    moment.advance(hours=1)
    duplicate = cast.open(subject="Site still down", body="Still down!",
                          files=[("b.png", PNG)])
    moment.advance(minutes=5)
    services.comment(cast.gary, duplicate.number, body="Same as the other one")
    moment.advance(minutes=5)
    return cast.refresh(original), cast.refresh(duplicate)


def test_merge_moves_every_message_into_the_target_in_time_order(cast, moment):
    original, duplicate = duplicates(cast, moment)
    services.merge(cast.john, duplicate.number, target=original.number)
    assert bodies(original) == ["My site is down", "Restarted", "Still down!",
                                "Same as the other one"]
    assert bodies(duplicate) == []
    assert sorted(Attachment.objects.filter(ticket=original)
                  .values_list("original_name", flat=True)) == ["a.png", "b.png"]
    assert not Attachment.objects.filter(ticket=duplicate).exists()
    assert Rating.objects.get().ticket == original


def test_the_source_points_at_the_target_and_is_archived(cast, moment):
    original, duplicate = duplicates(cast, moment)
    services.merge(cast.john, duplicate.number, target=original.number)
    duplicate = cast.refresh(duplicate)
    assert duplicate.merged_into == original
    assert (duplicate.state, duplicate.needs_reply) == ("archived", False)
    assert selectors.related_tickets(cast.refresh(original)).merged_in == [duplicate.number]
    source_event = Event.objects.get(ticket=duplicate, kind=Event.Kind.MERGED)
    target_event = Event.objects.get(ticket=original, kind=Event.Kind.MERGED_IN)
    assert source_event.data == {"number": original.number, "messages": 2,
                                 "from": "new", "to": "archived"}
    assert target_event.data == {"number": duplicate.number, "messages": 2,
                                 "from": "answered", "to": "open"}
    assert source_event.actor == target_event.actor == cast.john


def test_a_closed_target_reopens_when_the_client_has_the_last_word(cast, moment):
    original, duplicate = duplicates(cast, moment)
    services.merge(cast.john, duplicate.number, target=original.number)
    original = cast.refresh(original)
    asked = Message.objects.get(body="Still down!").created_at
    assert (original.state, original.holder_id) == ("open", cast.john.pk)
    assert original.needs_reply and original.last_public_from_client
    assert original.reply_due_at == asked + DEFAULT_RESPONSE


def test_the_target_keeps_its_state_when_the_merged_messages_are_older(cast, moment):
    duplicate = cast.open(subject="Old duplicate", body="Earlier question")
    moment.advance(minutes=5)
    original = cast.open(subject="Site down", body="My site is down")
    moment.advance(minutes=5)
    services.take(cast.john, original.number)
    services.reply(cast.john, original.number, body="Restarted", close=True)
    services.merge(cast.john, duplicate.number, target=original.number)
    original = cast.refresh(original)
    assert bodies(original) == ["Earlier question", "My site is down", "Restarted"]
    assert (original.state, original.needs_reply) == ("answered", False)


def test_tickets_merged_earlier_follow_to_the_new_target(cast, moment):
    original, duplicate = duplicates(cast, moment)
    third = cast.open(subject="Third", body="Hello?")
    services.merge(cast.gary, third.number, target=duplicate.number)
    services.merge(cast.john, duplicate.number, target=original.number)
    assert cast.refresh(third).merged_into == original
    assert selectors.related_tickets(cast.refresh(original)).merged_in == sorted(
        [duplicate.number, third.number])


def test_the_client_is_sent_to_the_target(cast, moment, refused):
    original, duplicate = duplicates(cast, moment)
    services.merge(cast.john, duplicate.number, target=original.number)
    duplicate = policies.access_ticket(cast.alice, duplicate.number)
    assert policies.offered_actions(cast.alice, duplicate) == frozenset()
    # Written into the merged request, the message goes on in the target, as a mail would.
    message = services.client_reply(cast.alice, duplicate.number, body="Hello?")
    assert message.ticket_id == original.pk


def test_merging_two_clients_tickets_is_refused(cast, moment, refused):
    original, _duplicate = duplicates(cast, moment)
    bobs = cast.open(client=cast.bob, subject="Bob's")
    with refused(ValidationFailed) as error:
        services.merge(cast.john, bobs.number, target=original.number)
    assert error.value.field == "target" and "another client" in str(error.value.message)


def test_merging_into_itself_is_refused(cast, moment, refused):
    original, _duplicate = duplicates(cast, moment)
    with refused(ValidationFailed) as error:
        services.merge(cast.john, original.number, target=original.number)
    assert error.value.field == "target"


@pytest.mark.parametrize("target", [None, "", "abc", 0, -3, 10**30, 987654])
def test_merging_into_nothing_is_refused(cast, moment, refused, target):
    _original, duplicate = duplicates(cast, moment)
    with refused(ValidationFailed) as error:
        services.merge(cast.john, duplicate.number, target=target)
    assert error.value.field == "target"


def test_merging_into_a_ticket_the_agent_cannot_see_is_refused_as_unknown(cast, moment, refused):
    _original, duplicate = duplicates(cast, moment)
    hidden = cast.staff_ticket(cast.billing)
    with refused(ValidationFailed) as error:
        services.merge(cast.john, duplicate.number, target=hidden.number)
    assert str(error.value.message) == f"There is no request #{hidden.number}."


def test_merging_a_ticket_the_agent_cannot_see_is_not_found(cast, moment, refused):
    original, _duplicate = duplicates(cast, moment)
    hidden = cast.staff_ticket(cast.billing)
    with refused(NotFound):
        services.merge(cast.john, hidden.number, target=original.number)


def test_merging_into_a_merged_ticket_is_refused_with_the_final_one(cast, moment, refused):
    original, duplicate = duplicates(cast, moment)
    services.merge(cast.john, duplicate.number, target=original.number)
    third = cast.open(subject="Third", body="Hello?")
    with refused(Conflict) as error:
        services.merge(cast.john, third.number, target=duplicate.number)
    assert f"#{original.number}" in str(error.value.message)


def test_merging_an_archived_ticket_or_into_one_is_refused(cast, moment, refused):
    original, duplicate = duplicates(cast, moment)
    services.archive(cast.alice, original.number)
    with refused(InvalidTransition):
        services.merge(cast.john, duplicate.number, target=original.number)
    with refused(InvalidTransition):
        services.merge(cast.john, original.number, target=duplicate.number)


def test_merging_with_a_ticket_someone_else_holds_is_refused(cast, moment, refused):
    original, duplicate = duplicates(cast, moment)
    # Gary works in Technical support too, but John holds the original.
    with refused(Conflict):
        services.merge(cast.gary, duplicate.number, target=original.number)
    with refused(Conflict):
        services.merge(cast.gary, original.number, target=duplicate.number)
    services.merge(cast.supervisor, duplicate.number, target=original.number)
    assert cast.refresh(duplicate).merged_into == original


def test_a_client_cannot_merge_their_own_tickets(cast, moment, refused):
    original, duplicate = duplicates(cast, moment)
    with refused(Forbidden):
        services.merge(cast.alice, duplicate.number, target=original.number)


# --- The state table --------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "client_last", "held", "expected"), [
    ("new", True, False, "new"),
    ("open", True, True, "open"),
    ("on_hold", True, True, "on_hold"),
    ("answered", False, True, "answered"),
    ("answered", True, True, "open"),
    ("resolved", True, False, "new"),
])
def test_after_merge_in(state, client_last, held, expected):
    assert states.after_merge_in(state, client_last, held=held) == expected


def test_nothing_merges_into_an_archived_ticket():
    with pytest.raises(InvalidTransition):
        states.after_merge_in("archived", True, held=False)


def test_ticket_numbers_stay_unique(cast, moment):
    ticket, invoice = two_questions(cast, moment)
    services.split(cast.john, ticket.number, message_id=invoice.pk)
    cast.open()
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 3


# --- The buttons agree with the services --------------------------------------------------------

ROLES = ["alice", "bob", "john", "gary", "supervisor", "admin", "anonymous"]


def situation(cast, moment, name):
    """A ticket with two client messages, nobody holding it, John holding it, or archived;
    and a second ticket of Alice's, nobody holding it, to merge it into."""
    ticket = cast.open(body="First")
    moment.advance(minutes=1)
    second = services.client_reply(cast.alice, ticket.number, body="Second")
    if name != "unheld":
        services.take(cast.john, ticket.number)
    if name == "archived":
        services.reply(cast.john, ticket.number, body="Done", close=True)
        services.archive(cast.alice, ticket.number)
    other = cast.open(subject="Other")
    return policies.access_ticket(cast.admin, ticket.number), second, other


@pytest.mark.parametrize("name", ["unheld", "held", "archived"])
@pytest.mark.parametrize("role", ROLES)
def test_split_and_merge_work_exactly_when_offered(cast, moment, name, role):
    user = AnonymousUser() if role == "anonymous" else getattr(cast, role)
    ticket, second, other = situation(cast, moment, name)
    offered = policies.offered_actions(user, ticket)
    calls = {
        "split": lambda: services.split(user, ticket.number, message_id=second.pk),
        "merge": lambda: services.merge(user, ticket.number, target=other.number),
    }
    for action, call in calls.items():
        with transaction.atomic():
            try:
                call()
                worked = True
            except (Forbidden, NotFound, Conflict) as error:
                worked = False
                assert str(error.message)
            transaction.set_rollback(True)
        assert worked == (action in offered), (action, offered)

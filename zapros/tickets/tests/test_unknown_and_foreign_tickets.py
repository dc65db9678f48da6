"""Every operation on a ticket number that is unknown, malformed or someone else's finds
nothing, and ids that are not ids are refused as input."""

import pytest

from zapros.core.errors import NotFound, ValidationFailed
from zapros.tickets import policies, services

UNKNOWN = 987654


# --- Unknown and foreign tickets --------------------------------------------------------------

STAFF_OPERATIONS = {
    "take": lambda user, n: services.take(user, n),
    "reply": lambda user, n: services.reply(user, n, body="Hi", close=True),
    "comment": lambda user, n: services.comment(user, n, body="Hi"),
    "save_parameters": lambda user, n: services.save_parameters(user, n, priority=3),
    "freeze": lambda user, n: services.freeze(user, n),
    "resume": lambda user, n: services.resume(user, n),
    "resolve": lambda user, n: services.resolve(user, n),
    "archive": lambda user, n: services.archive(user, n),
    "unlock": lambda user, n: services.unlock(user, n),
    "reassign": lambda user, n: services.reassign(user, n, user.pk),
}
CLIENT_OPERATIONS = {
    "client_reply": lambda user, n: services.client_reply(user, n, body="Hi"),
    "client_resolve": lambda user, n: services.resolve(user, n),
    "archive": lambda user, n: services.archive(user, n),
    "rate": lambda user, n: services.rate(user, n, message_id=1, value="good"),
}


@pytest.mark.parametrize("operation", sorted(STAFF_OPERATIONS))
@pytest.mark.parametrize("number", [UNKNOWN, "abc", None, -1])
def test_unknown_ticket_numbers_are_not_found_by_staff(cast, refused, operation, number):
    cast.open()
    with refused(NotFound):
        STAFF_OPERATIONS[operation](cast.admin, number)


@pytest.mark.parametrize("operation", sorted(CLIENT_OPERATIONS))
@pytest.mark.parametrize("number", [UNKNOWN, "abc", None])
def test_unknown_ticket_numbers_are_not_found_by_clients(cast, refused, operation, number):
    cast.open()
    with refused(NotFound):
        CLIENT_OPERATIONS[operation](cast.alice, number)


@pytest.mark.parametrize("operation", sorted(CLIENT_OPERATIONS))
def test_a_client_acting_on_another_clients_ticket_finds_nothing(cast, refused, operation):
    ticket = cast.answered()
    with refused(NotFound) as error:
        CLIENT_OPERATIONS[operation](cast.bob, ticket.number)
    with refused(NotFound) as unknown:
        CLIENT_OPERATIONS[operation](cast.bob, UNKNOWN)
    # The same words for someone else's ticket and for none: numbers cannot be probed.
    assert str(error.value.message) == str(unknown.value.message)


NOT_AN_ID = ["abc", "1; drop table", 1.5j, -3, 10**30]


@pytest.mark.parametrize("bad", NOT_AN_ID, ids=str)
def test_ids_that_are_not_ids_are_refused_as_input(cast, refused, bad):
    ticket = cast.held()
    answer = services.reply(cast.john, ticket.number, body="Done", close=False)
    kwargs = {"department_id": cast.tech.pk, "subject": "S", "body": "B"}
    checks = [
        ("department", lambda: services.open_ticket(cast.alice, **{**kwargs,
                                                                   "department_id": bad})),
        ("service", lambda: services.open_ticket(cast.alice, **kwargs, service_id=bad)),
        ("client", lambda: services.open_ticket(cast.admin, **kwargs, client_id=bad)),
        ("service", lambda: services.save_parameters(cast.john, ticket.number, service=bad)),
        ("topic", lambda: services.save_parameters(cast.john, ticket.number, topic=bad)),
        ("agent", lambda: services.reassign(cast.supervisor, ticket.number, bad)),
        ("message", lambda: services.rate(cast.alice, ticket.number, message_id=bad,
                                          value="good")),
    ]
    for field, call in checks:
        with refused(ValidationFailed) as error:
            call()
        assert error.value.field == field
    assert answer.pk  # the valid answer stays rateable
    services.rate(cast.alice, ticket.number, message_id=str(answer.pk), value="good")


@pytest.mark.parametrize("number", [10**30, "10" * 20, 0, ""])
def test_absurd_ticket_numbers_are_not_found(cast, refused, number):
    cast.open()
    with refused(NotFound):
        services.client_reply(cast.alice, number, body="Hi")
    with refused(NotFound):
        policies.access_ticket(cast.admin, number)

"""Clients for staff: who may open a client, the internal comment and its audit."""

import pytest

from zapros.clients import policies as client_policies
from zapros.clients import services as client_services
from zapros.clients.models import Client, CommentRevision
from zapros.core.errors import NotFound, ValidationFailed
from zapros.tickets import selectors, services


@pytest.mark.parametrize("role,sees", [
    ("alice", False), ("bob", False), ("john", True), ("gary", True), ("supervisor", True),
    ("admin", True),
])
def test_who_may_open_a_client(cast, role, sees):
    user = getattr(cast, role)
    if sees:
        assert client_policies.access_client(user, cast.alice.pk).pk == cast.alice.pk
    else:
        with pytest.raises(NotFound):
            client_policies.access_client(user, cast.alice.pk)


def test_anonymous_and_junk_ids_find_no_client(cast):
    from django.contrib.auth.models import AnonymousUser

    for user, client_id in ((AnonymousUser(), cast.alice.pk), (cast.john, "x"),
                            (cast.john, 2**63), (cast.john, 999_999)):
        with pytest.raises(NotFound):
            client_policies.access_client(user, client_id)


def test_the_client_tickets_follow_the_ticket_access(cast):
    tech = cast.open(subject="Tech")
    billing = cast.open(subject="Billing", department=cast.billing)
    cast.open(client=cast.bob, subject="Bob's")
    numbers = lambda user: [t.number for t in  # noqa: E731
                            selectors.client_tickets(user, cast.alice.pk).tickets]
    assert numbers(cast.john) == [tech.number]
    assert numbers(cast.supervisor) == [billing.number, tech.number]
    services.transfer(cast.supervisor, billing.number, agent_id=cast.john.pk)
    assert numbers(cast.john) == [billing.number, tech.number]


def test_the_client_tickets_come_in_pages_newest_first(cast):
    opened = [cast.open(subject=f"T{i}").number for i in range(5)]
    first = selectors.client_tickets(cast.admin, cast.alice.pk, size=2)
    assert [t.number for t in first.tickets] == opened[::-1][:2]
    second = selectors.client_tickets(cast.admin, cast.alice.pk, before=first.next_before,
                                      size=2)
    last = selectors.client_tickets(cast.admin, cast.alice.pk, before=second.next_before,
                                    size=2)
    assert [t.number for t in second.tickets + last.tickets] == opened[::-1][2:]
    assert last.next_before is None


def test_staff_rewrite_the_internal_comment_and_each_version_is_kept(cast):
    client_services.update_client_comment(cast.john, cast.alice.pk, body="  Pays late\r\n")
    client_services.update_client_comment(cast.gary, cast.alice.pk, body="Pays late")  # unchanged
    client_services.update_client_comment(cast.supervisor, cast.alice.pk, body="VIP now")
    assert Client.objects.get(pk=cast.alice.pk).internal_comment == "VIP now"
    assert [(r.author, r.body) for r in CommentRevision.objects.filter(client_id=cast.alice.pk)
            ] == [(cast.supervisor, "VIP now"), (cast.john, "Pays late")]


@pytest.mark.parametrize("who,body,error", [
    ("alice", "I am great", NotFound), ("bob", "x", NotFound),
    ("john", "x" * 5001, ValidationFailed),
])
def test_refused_comment_changes_write_nothing(cast, who, body, error):
    client_services.update_client_comment(cast.admin, cast.alice.pk, body="Original")
    with pytest.raises(error):
        client_services.update_client_comment(getattr(cast, who), cast.alice.pk, body=body)
    assert Client.objects.get(pk=cast.alice.pk).internal_comment == "Original"
    assert CommentRevision.objects.count() == 1

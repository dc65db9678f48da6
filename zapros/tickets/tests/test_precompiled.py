"""Expressions compiled once (core.precompiled) answer as the ORM's own expressions do."""

from django.db.models import Exists, OuterRef
from django.db.models.functions import Upper

from zapros.core.sql import precompiled
from zapros.tickets import selectors, services
from zapros.tickets.models import Follower, Ticket


def test_compiled_annotations_answer_like_the_expressions_they_were_built_from(cast):
    cast.open(subject="Nobody follows")
    followed = cast.open(subject="Followed")
    services.follow(cast.john, followed.number)
    built = []

    def build():
        built.append(True)
        return {
            "followed": Exists(Follower.objects.filter(ticket=OuterRef("pk"))),
            "shout": Upper("subject"),
        }

    def read(annotations):
        return [(t.subject, t.followed, t.shout) for t in
                Ticket.objects.annotate(**annotations).order_by("pk")]

    compiled = [read(precompiled.annotations(Ticket, "test.followed", build)) for _ in range(2)]
    assert len(built) == 1            # compiled the first time only
    assert compiled[0] == compiled[1] == read(build()) == [
        ("Nobody follows", False, "NOBODY FOLLOWS"), ("Followed", True, "FOLLOWED")]


def test_the_ticket_pages_extras_are_compiled_once_and_answer_per_ticket(cast):
    plain = cast.open(subject="Plain")
    busy = cast.open(subject="Busy")
    services.follow(cast.gary, busy.number)
    services.add_cc(cast.john, busy.number, "carol@example.com")
    services.transfer(cast.john, busy.number, department_id=cast.billing.pk)
    extras = selectors.ticket_page_extras()
    assert selectors.ticket_page_extras().keys() == extras.keys()
    rows = {t.subject: t for t in Ticket.objects.annotate(**extras)}
    assert (rows["Busy"].has_followers, rows["Busy"].has_cc, rows["Busy"].has_shares) == (
        True, True, True)
    assert (rows["Plain"].has_followers, rows["Plain"].has_cc, rows["Plain"].has_shares,
            rows["Plain"].has_related, rows["Plain"].has_failed_mail) == (
        False, False, False, False, False)
    assert plain.pk != busy.pk

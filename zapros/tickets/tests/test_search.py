# ruff: noqa: RUF001 - Russian test texts: Cyrillic letters are meant here.
"""Search: stemming, ranking, highlighting, number jumps, client lookup and who finds what."""

import re

import pytest
from django.db import connection

from zapros.core.errors import Conflict
from zapros.tickets import search, selectors, services
from zapros.tickets.models import Message
from zapros.tickets.search import Kind
from zapros.tickets.search.text import START, STOP, fts5_query, mark_up, russian_stem


def numbers(result):
    return [hit.ticket.number for hit in result.hits]


# --- Stemming and ranking -------------------------------------------------------------------

def test_english_word_forms_find_each_other(cast):
    billed = cast.open(subject="Invoice question", body="You billed me twice this month")
    other = cast.open(subject="Site is down", body="Nothing loads")
    assert numbers(search.search(cast.alice, "billing")) == [billed.number]
    assert numbers(search.search(cast.alice, "bills")) == [billed.number]
    assert other.number not in numbers(search.search(cast.john, "billing"))


@pytest.mark.parametrize("query", ["оплата", "оплаты", "оплатил", "Оплату"])
def test_russian_word_forms_find_each_other(cast, query):
    paid = cast.open(subject="Вопрос по счёту", body="Я оплатил счёт, но оплата не прошла")
    cast.open(subject="Не работает сайт", body="Ошибка 500 на главной")
    assert numbers(search.search(cast.alice, query)) == [paid.number]


def test_subject_matches_rank_above_body_matches(cast):
    in_body = cast.open(subject="Question", body="the backup failed last night")
    in_subject = cast.open(subject="Backup failed", body="see the log")
    in_both = cast.open(subject="Backup problem", body="backup failed, backup is broken")
    result = search.search(cast.john, "backup failed")
    assert numbers(result)[0] in {in_subject.number, in_both.number}
    assert numbers(result)[-1] == in_body.number
    assert [hit.rank for hit in result.hits] == sorted(
        (hit.rank for hit in result.hits), reverse=True)


def test_all_words_must_occur_and_minus_excludes(cast):
    both = cast.open(subject="Mail", body="mailbox quota exceeded")
    one = cast.open(subject="Mail", body="mailbox password reset")
    assert numbers(search.search(cast.john, "mailbox quota")) == [both.number]
    assert numbers(search.search(cast.john, "mailbox -quota")) == [one.number]
    assert set(numbers(search.search(cast.john, "quota or password"))) == {
        both.number, one.number}


def test_words_that_match_nothing_find_nothing(cast):
    cast.open(subject="Site is down", body="Please help")
    result = search.search(cast.john, "zebra")
    assert result.kind == Kind.TEXT and result.hits == []
    assert search.search(cast.john, "   ").kind == Kind.EMPTY
    assert search.search(cast.john, '"" - ').hits == []


# --- Highlighting ---------------------------------------------------------------------------

def test_snippets_mark_the_match_and_escape_everything_else(cast):
    cast.open(subject="<script>alert(1)</script> refund",
              body='Please <img src=x onerror="alert(2)"> refund my payment')
    [hit] = search.search(cast.alice, "refund").hits
    assert "<mark>refund</mark>" in hit.subject and "&lt;script&gt;" in hit.subject
    assert "<mark>refund</mark>" in hit.snippet
    # PostgreSQL's headline drops what looks like a tag, SQLite keeps it escaped: either way
    # the only markup is the highlight.
    for html in (hit.subject, hit.snippet):
        assert set(re.findall(r"<[^>]*>", html)) == {"<mark>", "</mark>"}


def test_markers_typed_by_a_user_cannot_forge_highlights(cast):
    cast.open(subject=f"{START}<b>x</b>{STOP} backup", body=f"{START}<i>restore</i> backup")
    [hit] = search.search(cast.alice, "backup").hits
    for html in (hit.subject, hit.snippet):
        assert "<b>" not in html and "<i>" not in html
        assert html.count("<mark>") == html.count("</mark>") == 1


def test_mark_up_pairs_markers_and_escapes():
    assert mark_up(f"a {START}<x>{STOP} b") == "a <mark>&lt;x&gt;</mark> b"
    assert mark_up(f"{STOP}lone{START}open") == "lone<mark>open</mark>"


def test_fts5_query_reads_words_phrases_minus_and_or():
    assert fts5_query("NEAR AND") == '"NEAR" AND "AND"'
    assert fts5_query('"site down" -dns') == '("site down") NOT "dns"'
    assert fts5_query("a or b") == '("a" OR "b")'
    assert fts5_query("оплатил", ("subject", "body")) == '{subject body} : ("оплат"*)'
    assert fts5_query("-only") is None
    assert russian_stem("оплаты") == russian_stem("оплата") == "оплат"


# --- Numbers and clients --------------------------------------------------------------------

@pytest.mark.parametrize("form", ["{}", "#{}", " # {} "])
def test_a_number_jumps_to_a_visible_ticket(cast, form):
    ticket = cast.open()
    result = search.search(cast.alice, form.format(ticket.number))
    assert result.kind == Kind.NUMBER and result.jump.pk == ticket.pk


def test_a_number_of_an_invisible_ticket_finds_nothing(cast):
    ticket = cast.open(subject=f"Ticket {1}", body="text")
    sales = cast.staff_ticket(cast.sales)
    for user, number in [(cast.bob, ticket.number), (cast.john, sales.number),
                         (cast.alice, 999_999), (cast.alice, 2**70)]:
        result = search.search(user, str(number))
        assert result.kind == Kind.NUMBER and result.hits == [] and result.jump is None


def test_staff_find_a_clients_tickets_by_email_or_name(cast):
    first = cast.open(subject="One")
    second = cast.open(subject="Two", department=cast.billing)
    cast.open(client=cast.bob)
    for query in ["alice@example.com", "ALICE@example.com", "alice client"]:
        result = search.search(cast.supervisor, query)
        assert result.kind == Kind.CLIENT
        assert [c.pk for c in result.clients] == [cast.alice.pk]
        assert sorted(numbers(result)) == sorted([first.number, second.number])
    # An agent lists only what they may see of that client.
    assert numbers(search.search(cast.john, "alice@example.com")) == [first.number]


def test_clients_cannot_look_up_clients(cast):
    cast.open(client=cast.bob, subject="Bob's", body="bob text")
    for query in ["bob@example.com", "Bob Client"]:
        result = search.search(cast.alice, query)
        assert result.kind == Kind.TEXT and result.hits == [] and result.clients == []


# --- Who finds what -------------------------------------------------------------------------

@pytest.fixture
def matrix(cast):
    """A tech ticket of Alice, a sales ticket of Bob transferred to John personally, and a
    billing ticket of Alice: each says 'firewall'."""
    tech = cast.open(subject="Firewall blocks port", body="firewall rules")
    transferred = cast.staff_ticket(cast.sales, client=cast.bob, subject="Firewall offer",
                                    body="firewall")
    services.transfer(cast.gary, transferred.number, agent_id=cast.john.pk)
    billing = cast.open(subject="Invoice", body="firewall licence", department=cast.billing)
    return tech, transferred, billing


@pytest.mark.parametrize("who, expected", [
    ("alice", {"tech", "billing"}),
    ("bob", {"transferred"}),
    ("john", {"tech", "transferred"}),      # tech agent, plus the ticket sent to him
    ("gary", {"tech", "transferred"}),      # tech and sales
    ("supervisor", {"tech", "transferred", "billing"}),
    ("admin", {"tech", "transferred", "billing"}),
])
def test_everyone_finds_only_what_they_may_see(cast, matrix, who, expected):
    names = dict(zip(["tech", "transferred", "billing"], matrix, strict=True))
    found = set(numbers(search.search(getattr(cast, who), "firewall")))
    assert found == {names[name].number for name in expected}
    for name, ticket in names.items():
        by_number = search.search(getattr(cast, who), f"#{ticket.number}")
        assert bool(by_number.hits) == (name in expected)


def test_an_agent_outside_the_department_finds_nothing(cast):
    from conftest import make_staff

    cast.open(department=cast.billing, subject="Firewall")
    outsider = make_staff("out@zapros.test", "Out Sider", departments=[cast.tech])
    assert search.search(outsider, "firewall").hits == []


def test_anonymous_and_inactive_users_find_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    ticket = cast.open(subject="Firewall")
    cast.alice.is_active = False
    for user in [AnonymousUser(), cast.alice]:
        assert search.search(user, "firewall").hits == []
        assert search.search(user, str(ticket.number)).hits == []


def test_internal_comments_are_searchable_by_staff_only(cast):
    ticket = cast.held(subject="Slow site", body="pages load slowly")
    services.comment(cast.john, ticket.number, body="суперсекрет vendetta: client owes money")
    services.reply(cast.john, ticket.number, body="We are on it", close=False,
                     note="escalated to zeppelin team")
    for query in ["vendetta", "суперсекрет", "zeppelin", "slowly vendetta", f'"{ticket.number}"']:
        assert search.search(cast.alice, query).hits == [], query
    [hit] = search.search(cast.john, "vendetta").hits
    assert "<mark>vendetta</mark>" in hit.internal_snippet
    assert "vendetta" not in hit.snippet
    # Words spread over public and internal text find the ticket for staff.
    assert numbers(search.search(cast.john, "slowly vendetta")) == [ticket.number]
    # A client's hit never carries internal text, even when public words match.
    [client_hit] = search.search(cast.alice, "slowly").hits
    assert client_hit.internal_snippet == ""
    assert "vendetta" not in client_hit.snippet + client_hit.subject


def test_a_staff_title_is_searchable_by_staff_only(cast):
    ticket = cast.held(subject="Help", body="please")
    services.save_parameters(cast.john, ticket.number, title="Chargeback suspect")
    assert numbers(search.search(cast.john, "chargeback")) == [ticket.number]
    assert search.search(cast.alice, "chargeback").hits == []


# --- Keeping the index ----------------------------------------------------------------------

def test_every_service_that_writes_text_updates_the_index(cast):
    ticket = cast.held(subject="Mail", body="first")
    services.reply(cast.john, ticket.number, body="try kumquat", close=True)
    services.client_reply(cast.alice, ticket.number, body="still persimmon")
    services.comment(cast.john, ticket.number, body="maybe loquat")
    services.save_parameters(cast.john, ticket.number, subject="Mailbox tamarind")
    for word in ["kumquat", "persimmon", "loquat", "tamarind"]:
        assert numbers(search.search(cast.john, word)) == [ticket.number], word
    # The old subject lives on only as the staff title.
    assert search.search(cast.alice, "mail").hits == []
    assert numbers(search.search(cast.john, "mail")) == [ticket.number]


def test_a_refused_write_leaves_the_index_alone(cast):
    ticket = cast.open(subject="Mail", body="first")
    with pytest.raises(Conflict):
        services.reply(cast.john, ticket.number, body="quince", close=True)  # not held
    assert search.search(cast.john, "quince").hits == []
    assert Message.objects.filter(body="quince").count() == 0


def test_rebuild_writes_the_index_anew(cast):
    ticket = cast.open(subject="Printer", body="toner")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_search")
    assert search.search(cast.john, "toner").hits == []
    assert search.rebuild_index() == 1
    assert numbers(search.search(cast.john, "toner")) == [ticket.number]
    search.index_tickets([ticket.pk, ticket.pk])
    assert numbers(search.search(cast.john, "toner")) == [ticket.number]


# --- Filters and bounds ---------------------------------------------------------------------

def test_search_combines_with_the_queue_filters(cast):
    tech = cast.held(subject="Router reboot")
    billing = cast.open(subject="Router invoice", department=cast.billing)
    bob = cast.open(client=cast.bob, subject="Router config")
    filters = selectors.QueueFilters
    user = cast.supervisor
    assert set(numbers(search.search(user, "router"))) == {
        tech.number, billing.number, bob.number}
    assert numbers(search.search(user, "router", filters(department=cast.billing.pk))) == [
        billing.number]
    assert numbers(search.search(user, "router", filters(assignee=cast.john.pk))) == [
        tech.number]
    assert set(numbers(search.search(user, "router", filters(client=cast.alice.pk)))) == {
        tech.number, billing.number}
    services.reply(cast.john, tech.number, body="done", close=True)
    assert tech.number not in numbers(search.search(user, "router", filters(needs_reply=True)))
    assert numbers(search.search(user, "router", filters(status="awaiting_client"))) == [
        tech.number]


def test_archived_tickets_are_found_unless_a_status_is_chosen(cast):
    ticket = cast.held(subject="Old thermostat")
    services.reply(cast.john, ticket.number, body="fixed", close=True)
    services.archive(cast.alice, ticket.number)
    assert numbers(search.search(cast.john, "thermostat")) == [ticket.number]
    assert numbers(search.search(cast.alice, "thermostat")) == [ticket.number]
    assert search.search(cast.john, "thermostat",
                         selectors.QueueFilters(status="under_review")).hits == []


def test_results_are_bounded(cast):
    for index in range(4):
        cast.open(subject=f"Quota {index}")
    result = search.search(cast.john, "quota", limit=3)
    assert len(result.hits) == 3 and result.more
    assert not search.search(cast.john, "quota", limit=4).more


@pytest.mark.parametrize("who", ["john", "alice"])
def test_search_runs_a_fixed_number_of_queries(cast, django_assert_max_num_queries, who):
    user = getattr(cast, who)

    def fill(count):
        for index in range(count):
            ticket = cast.open(subject=f"Disk full {index}", body="disk quota reached")
            services.comment(cast.john, ticket.number, body="disk again")

    fill(2)
    with django_assert_max_num_queries(8) as small:
        assert len(search.search(user, "disk").hits) == 2
    fill(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(search.search(user, "disk").hits) == 14


def test_the_rebuild_command_restores_a_lost_index(cast):
    from io import StringIO

    from django.core.management import call_command

    ticket = cast.open(subject="Scanner", body="paper jam")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_search")
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "1 requests" in out.getvalue()
    assert numbers(search.search(cast.alice, "jam")) == [ticket.number]


# --- PostgreSQL's query plan pieces ------------------------------------------------------------

def test_a_clients_query_is_limited_to_public_text():
    from zapros.tickets.search.postgres import public_only

    assert public_only("'site' & !'down'") == "'site':AB & !'down':AB"
    assert public_only("'it''s' <-> 'ok' | ( 'a' & 'b' )") == (
        "'it''s':AB <-> 'ok':AB | ( 'a':AB & 'b':AB )")
    assert public_only("'сайт'") == "'сайт':AB"


def test_snippets_are_looked_for_only_where_a_word_of_the_query_is():
    from zapros.tickets.search.postgres import any_word_in

    assert any_word_in("'site' & !'down'", "B") == "'site':B"
    assert any_word_in("'site':AB & 'down':AB", "C") == "'site':C | 'down':C"
    assert any_word_in("'it''s' <-> 'ok' | ( 'a' & 'it''s' )", "B") == (
        "'it''s':B | 'ok':B | 'a':B")
    # Negations alone match text without their words: no test is safe.
    assert any_word_in("!'down'", "B") is None
    assert any_word_in("'site' & !( 'down' <-> 'again' )", "B") is None


def test_snippets_come_from_each_kind_of_text_that_matches(cast):
    ticket = cast.held(subject="Mail", body="the mailbox is full")
    services.comment(cast.john, ticket.number, body="mailbox quota raised by hand")
    other = cast.held(subject="Mail", body="the mailbox is slow")
    [hit] = search.search(cast.john, "mailbox -slow").hits
    assert hit.ticket == ticket
    assert "<mark>mailbox</mark> is full" in hit.snippet
    assert "<mark>mailbox</mark> quota" in hit.internal_snippet
    [hit] = search.search(cast.john, "quota").hits
    assert (hit.snippet, "<mark>quota</mark>" in hit.internal_snippet) == ("", True)
    [hit] = search.search(cast.john, "slow").hits
    assert (hit.ticket, hit.internal_snippet) == (other, "")
    assert "<mark>slow</mark>" in hit.snippet


def test_windows_cover_every_id_once_newest_first():
    from zapros.tickets.search.postgres import FIRST_WINDOW, GROWTH, windows

    assert windows(10) == [(None, None)]
    bounds = windows(1_000_000)
    assert bounds[0] == (1_000_000 - FIRST_WINDOW, None)
    assert bounds[-1][0] is None
    tops = [1_000_000] + [high for _low, high in bounds[1:]]
    lows = [low for low, _high in bounds]
    assert tops[1:] == lows[:-1]   # each window ends where the newer one began
    widths = [top - low for top, low in zip(tops[:-1], lows[:-1], strict=True)]
    assert widths == [FIRST_WINDOW * GROWTH**step for step in range(len(widths))]
    assert len(bounds) < 10


@pytest.mark.postgres
@pytest.mark.parametrize("who", ["supervisor", "alice"])
def test_matches_are_found_in_every_window(cast, monkeypatch, who):
    from zapros.tickets.search import postgres

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's windows")
    monkeypatch.setattr(postgres, "FIRST_WINDOW", 1)
    monkeypatch.setattr(postgres, "CANDIDATES", 3)
    monkeypatch.setattr(postgres, "FEW_TICKETS", -1)  # as if the tickets searched were many
    tickets = [cast.open(subject=f"Gearbox {index}" if index % 3 == 0 else f"Widget {index}")
               for index in range(12)]
    user = getattr(cast, who)
    found = numbers(search.search(user, "gearbox"))
    # The newest CANDIDATES matches, from several windows, none missing in between.
    assert sorted(found, reverse=True) == [t.number for t in tickets[::3]][::-1][:3]
    assert len(numbers(search.search(user, "widget"))) == 3
    # Internal text stays out of a client's windows too.
    services.take(cast.john, tickets[-1].number)
    services.comment(cast.john, tickets[-1].number, body="sprocket")
    expected = [] if who == "alice" else [tickets[-1].number]
    assert numbers(search.search(user, "sprocket")) == expected


def test_a_client_excluding_a_word_learns_nothing_of_internal_text(cast):
    ticket = cast.held(subject="Slow site", body="pages load slowly")
    services.comment(cast.john, ticket.number, body="vendetta")
    # Without internal text the ticket matches "slowly, not vendetta": so it must for the client.
    assert numbers(search.search(cast.alice, "slowly -vendetta")) == [ticket.number]
    assert search.search(cast.john, "slowly -vendetta").hits == []

"""The messages view with edit history, and split and merge in the staff workspace; what the
client sees of them in the portal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zapros.tickets import services
from zapros.tickets.models import Attachment, Event, Message, MessageRevision, Rating, Ticket

from .conftest import browser_for, flashes, ticket_url

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ROLES = ["alice", "bob", "john", "gary", "supervisor", "admin", "anonymous"]


def recorded():
    """What these pages could write, to check that a refusal wrote nothing."""
    return {
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "messages": list(Message.objects.order_by("pk").values()),
        "revisions": MessageRevision.objects.count(),
        "attachments": list(Attachment.objects.order_by("pk").values("pk", "ticket_id")),
        "ratings": list(Rating.objects.order_by("pk").values("pk", "ticket_id")),
        "events": Event.objects.count(),
    }


# --- Who may open the messages view --------------------------------------------------------------

# What each role gets: the page (200), a plain 404, or the login page (302).
MESSAGES_PAGE = {"alice": 404, "bob": 404, "john": 200, "gary": 200, "supervisor": 200,
                 "admin": 200, "anonymous": 302}


@pytest.mark.parametrize("role", ROLES)
def test_the_messages_view_access_matrix(cast, client, role):
    ticket, *_ = cast.conversation()
    response = browser_for(cast, client, role).get(ticket_url(ticket, "messages"))
    assert response.status_code == MESSAGES_PAGE[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    body = response.content.decode()
    assert ("Disk was full" in body) == (response.status_code == 200)


@pytest.mark.parametrize("role", ["john", "gary"])
def test_agents_outside_the_department_get_a_404(cast, client, role):
    ticket, *_ = cast.conversation(department=cast.billing)
    response = browser_for(cast, client, role).get(ticket_url(ticket, "messages"))
    assert response.status_code == 404


def test_the_messages_view_lists_everything_with_the_history(cast, logged_in):
    ticket, answer, _note, _later = cast.conversation()
    services.edit_message(cast.john, ticket.number, answer.pk, body="Restarted it")
    services.edit_message(cast.supervisor, ticket.number, answer.pk, body="Restarted it twice")
    note = services.comment(cast.gary, ticket.number, body="Seen this before")
    html = logged_in(cast.gary).get(ticket_url(ticket, "messages")).content.decode()
    for text in ("My site is down", "Restarted it twice", "Disk was full", "And my invoice?",
                 "Internal comment", "2 earlier versions", "Text before the edit by John Smith",
                 "Text before the edit by Sue Visor", "Restartd it", "Web"):
        assert text in html, text
    # Gary may edit his comment only, and split from the client's later message only.
    assert ticket_url(ticket, "edit_message", note.pk) in html
    assert ticket_url(ticket, "edit_message", answer.pk) not in html
    assert ticket_url(ticket, "split") not in html  # John holds it


def test_the_holder_is_offered_split_from_public_messages_after_the_first(cast, logged_in):
    ticket, answer, _note, later = cast.conversation()
    html = logged_in(cast.john).get(ticket_url(ticket, "messages")).content.decode()
    assert html.count(f'action="{ticket_url(ticket, "split")}"') == 2
    assert f'name="message" value="{answer.pk}"' in html
    assert f'name="message" value="{later.pk}"' in html


def test_the_conversation_marks_edited_messages(cast, logged_in):
    ticket, answer, _note, _later = cast.conversation()
    services.edit_message(cast.john, ticket.number, answer.pk, body="Restarted it")
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    assert 'class="label edited"' in html
    assert f'{ticket_url(ticket, "messages")}#message-{answer.pk}' in html
    assert "Restartd it" not in html
    assert "John Smith edited a message" in html


def test_the_client_sees_only_the_current_text(cast, logged_in):
    ticket, answer, _note, _later = cast.conversation()
    services.edit_message(cast.john, ticket.number, answer.pk, body="Restarted it")
    html = logged_in(cast.alice).get(reverse("portal:ticket", args=[ticket.number])
                                     ).content.decode()
    assert "Restarted it" in html
    assert "Restartd it" not in html and "edited" not in html.lower()


# --- Editing ----------------------------------------------------------------------------------

def test_the_author_edits_from_the_page(cast, logged_in):
    ticket, answer, *_ = cast.conversation()
    response = logged_in(cast.john).post(ticket_url(ticket, "edit_message", answer.pk),
                                         {"body": "Restarted it"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#message-{answer.pk}")
    assert Message.objects.get(pk=answer.pk).body == "Restarted it"
    assert MessageRevision.objects.get().body == "Restartd it"


@pytest.mark.parametrize(("role", "status", "flash"), [
    ("alice", 404, None), ("bob", 404, None), ("anonymous", 302, None),
    ("gary", 302, "Only the author of this message or a supervisor can edit it."),
])
def test_refused_edits_change_nothing(cast, client, role, status, flash):
    ticket, answer, *_ = cast.conversation()
    before = recorded()
    response = browser_for(cast, client, role).post(ticket_url(ticket, "edit_message", answer.pk),
                                                    {"body": "Changed"})
    assert response.status_code == status
    if flash:
        assert flash in flashes(response)
    assert recorded() == before


def test_an_empty_edit_is_refused_with_a_message(cast, logged_in):
    ticket, answer, *_ = cast.conversation()
    before = recorded()
    response = logged_in(cast.john).post(ticket_url(ticket, "edit_message", answer.pk),
                                         {"body": "  "})
    assert "The message cannot be empty." in flashes(response)
    assert recorded() == before


def test_editing_the_clients_message_is_refused(cast, logged_in):
    ticket, *_rest, later = cast.conversation()
    before = recorded()
    response = logged_in(cast.admin).post(ticket_url(ticket, "edit_message", later.pk),
                                          {"body": "Nicer words"})
    assert "The client's own words cannot be edited." in flashes(response)
    assert recorded() == before


def test_an_invisible_ticket_is_a_404_for_editing(cast, logged_in):
    ticket, answer, *_ = cast.conversation(department=cast.billing)
    before = recorded()
    response = logged_in(cast.john).post(ticket_url(ticket, "edit_message", answer.pk),
                                         {"body": "Changed"})
    assert response.status_code == 404
    assert recorded() == before


# --- Split and merge --------------------------------------------------------------------------

def test_split_from_the_page_opens_the_new_request(cast, logged_in):
    ticket, _answer, _note, later = cast.conversation()
    browser = logged_in(cast.john)
    response = browser.post(ticket_url(ticket, "split"), {"message": later.pk,
                                                          "subject": "Invoice"})
    new = Ticket.objects.get(split_from=ticket)
    assert response.status_code == 302
    assert response["Location"] == ticket_url(new)
    assert f"Request #{new.number} was created from request #{ticket.number}" in " ".join(
        flashes(response))
    html = browser.get(ticket_url(new)).content.decode()
    assert "Split from" in html and f'href="{ticket_url(ticket)}"' in html
    assert "And my invoice?" in html
    assert f"Split off from request #{ticket.number}" in html
    old = browser.get(ticket_url(ticket)).content.decode()
    assert "Split into" in old and f"#{new.number}" in old
    assert f"Messages moved to a new request #{new.number}" in old


@pytest.mark.parametrize(("role", "status"), [
    ("alice", 404), ("bob", 404), ("anonymous", 302), ("gary", 302)])
def test_refused_splits_change_nothing(cast, client, role, status):
    ticket, _answer, _note, later = cast.conversation()
    before = recorded()
    response = browser_for(cast, client, role).post(ticket_url(ticket, "split"),
                                                    {"message": later.pk})
    assert response.status_code == status
    if role == "gary":
        assert any("John Smith is working on this request" in f for f in flashes(response))
    assert recorded() == before


def test_split_from_the_first_message_is_refused_on_the_page(cast, logged_in):
    ticket, *_ = cast.conversation()
    first = Message.objects.filter(ticket=ticket).order_by("created_at", "id").first()
    before = recorded()
    response = logged_in(cast.john).post(ticket_url(ticket, "split"), {"message": first.pk})
    assert response["Location"] == ticket_url(ticket, "messages")
    assert any("first message" in f for f in flashes(response))
    assert recorded() == before


def duplicates(cast):
    original = cast.open(subject="Site down", body="My site is down")
    services.take(cast.john, original.number)
    services.reply(cast.john, original.number, body="Restarted", close=True)
    duplicate = cast.open(subject="Still down", body="Still down!")
    return original, duplicate


def test_merge_from_the_ticket_page(cast, logged_in):
    original, duplicate = duplicates(cast)
    browser = logged_in(cast.john)
    html = browser.get(ticket_url(duplicate)).content.decode()
    assert ticket_url(duplicate, "merge") in html
    response = browser.post(ticket_url(duplicate, "merge"), {"target": f"#{original.number}"})
    assert response["Location"] == ticket_url(original)
    assert (f"Request #{duplicate.number} was merged into request #{original.number}."
            in flashes(response))
    html = browser.get(ticket_url(original)).content.decode()
    assert "Still down!" in html and "Merged here" in html
    assert f"Request #{duplicate.number} merged into this one" in html
    source = browser.get(ticket_url(duplicate)).content.decode()
    assert "Merged into" in source and f'href="{ticket_url(original)}"' in source
    assert ticket_url(duplicate, "merge") not in source  # archived now


def test_a_merged_ticket_sends_its_client_to_the_target(cast, logged_in):
    original, duplicate = duplicates(cast)
    services.merge(cast.john, duplicate.number, target=original.number)
    html = logged_in(cast.alice).get(reverse("portal:ticket", args=[duplicate.number])
                                     ).content.decode()
    assert "merged with another one of yours" in html
    assert f'href="{reverse("portal:ticket", args=[original.number])}"' in html
    assert 'name="body"' not in html  # no reply form in the empty ticket


@pytest.mark.parametrize(("role", "target", "status", "flash"), [
    ("alice", None, 404, None),
    ("bob", None, 404, None),
    ("anonymous", None, 302, None),
    ("gary", None, 302, "John Smith is working on this request"),
    ("john", "self", 302, "A request cannot be merged into itself."),
    ("john", "bob", 302, "belongs to another client"),
    ("john", "nonsense", 302, "Enter the number of the request to merge into."),
])
def test_refused_merges_change_nothing(cast, client, role, target, status, flash):
    original, duplicate = duplicates(cast)
    bobs = cast.open(client=cast.bob, subject="Bob's")
    number = {None: original.number, "self": duplicate.number, "bob": bobs.number,
              "nonsense": "abc"}[target]
    before = recorded()
    response = browser_for(cast, client, role).post(ticket_url(duplicate, "merge"),
                                                    {"target": number})
    assert response.status_code == status
    if flash:
        assert any(flash in f for f in flashes(response)), flashes(response)
    assert recorded() == before


def test_the_client_never_sees_the_staff_side(cast, logged_in):
    ticket, answer, _note, later = cast.conversation()
    services.edit_message(cast.john, ticket.number, answer.pk, body="Restarted it")
    new = services.split(cast.john, ticket.number, message_id=later.pk)
    browser = logged_in(cast.alice)
    for number in (ticket.number, new.number):
        html = browser.get(reverse("portal:ticket", args=[number])).content.decode()
        assert "Disk was full" not in html and "Restartd it" not in html
        assert "John Smith edited" not in html and "Split" not in html


# --- Query counts -------------------------------------------------------------------------------

def busy(cast, count):
    ticket = cast.open(body="Start", files=[("start.png", PNG)])
    services.take(cast.john, ticket.number)
    for i in range(count):
        answer = services.reply(cast.john, ticket.number, body=f"Answer {i}", close=False,
                                  files=[(f"log{i}.txt", b"line\n")])
        services.rate(cast.alice, ticket.number, message_id=answer.pk, value="good")
        services.edit_message(cast.john, ticket.number, answer.pk, body=f"Answer {i} fixed")
        services.edit_message(cast.supervisor, ticket.number, answer.pk, body=f"Answer {i}!")
        services.comment(cast.gary, ticket.number, body=f"Note {i}")
        services.client_reply(cast.alice, ticket.number, body=f"Reply {i}",
                              files=[(f"shot{i}.png", PNG)])
    return ticket


@pytest.mark.parametrize("role", ["john", "supervisor"])
def test_the_messages_view_runs_a_constant_number_of_queries(
        cast, logged_in, django_assert_max_num_queries, role):
    browser = logged_in(getattr(cast, role))
    small = busy(cast, 2)
    browser.get(ticket_url(small, "messages"))
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(ticket_url(small, "messages")).status_code == 200
    assert len(queries) <= 8
    large = busy(cast, 25)
    with django_assert_max_num_queries(len(queries)):
        response = browser.get(ticket_url(large, "messages"))
    html = response.content.decode()
    assert "Answer 24!" in html and "Answer 24 fixed" in html and "Note 24" in html


def test_the_ticket_page_stays_constant_with_edits_and_links(
        cast, logged_in, django_assert_max_num_queries):
    browser = logged_in(cast.john)
    small = busy(cast, 2)
    # One link of each kind: the page reads the related requests once whatever their number.
    services.split(cast.john, small.number,
                   message_id=Message.objects.get(ticket=small, body="Reply 1").pk)
    services.merge(cast.john, cast.open(subject="Duplicate").number, target=small.number)
    browser.get(ticket_url(small))
    with CaptureQueriesContext(connection) as queries:
        browser.get(ticket_url(small))
    large = busy(cast, 20)
    for i in range(5):
        services.split(cast.john, large.number,
                       message_id=Message.objects.get(ticket=large, body=f"Reply {19 - i}").pk)
        extra = cast.open(subject=f"Duplicate {i}")
        services.merge(cast.john, extra.number, target=large.number)
    with django_assert_max_num_queries(len(queries)):
        response = browser.get(ticket_url(large))
    # Four of the twenty edited answers went with the splits.
    assert response.content.decode().count('class="label edited"') == 16



def test_the_messages_view_speaks_russian(cast, logged_in):
    ticket, answer, *_ = cast.conversation()
    services.edit_message(cast.john, ticket.number, answer.pk, body="Restarted it")
    cast.john.language = "ru"
    cast.john.save(update_fields=["language"])
    html = logged_in(cast.john).get(ticket_url(ticket, "messages")).content.decode()
    assert "1 прежняя версия" in html and "Текст до исправления (John Smith)" in html
    assert "Отделить отсюда" in html and "исправлено" in html

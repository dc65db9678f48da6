"""The staff workspace: queue, ticket page, lock, reply form and the buttons around them."""

from datetime import timedelta
from functools import partial
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from zapros.accounts.models import Department
from zapros.clients.models import Client
from zapros.core import clock
from zapros.tickets import services
from zapros.tickets.models import Attachment, Event, Message, Priority, Ticket, TicketType

from .conftest import flashes, ticket_url

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def queue_url(**params):
    url = reverse("staff:queue")
    return f"{url}?{urlencode(params)}" if params else url


def numbers(response):
    assert response.status_code == 200
    return [ticket.number for ticket in response.context["page"].rows]


def reply_data(ticket, action, body="", note="", **parameters):
    """What the browser posts from the reply form, parameters unchanged unless given."""
    data = {
        "action": action, "body": body, "note": note,
        "subject": ticket.subject, "title": ticket.title,
        "service": ticket.service_id or "", "type": ticket.type,
        "priority": ticket.priority, "topic": ticket.topic_id or "",
    }
    data.update(parameters)
    return data


def snapshot(ticket):
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (
        fresh.state, fresh.holder_id, fresh.assignee_id, fresh.subject, fresh.priority,
        fresh.messages.count(), fresh.events.count(), Attachment.objects.count(),
    )


# --- Who gets in ----------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_login(client, cast):
    ticket = cast.open()
    for url in (queue_url(), ticket_url(ticket)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_clients_get_404_on_every_staff_page(cast, logged_in):
    ticket = cast.open()
    before = snapshot(ticket)
    browser = logged_in(cast.alice)
    assert browser.get(queue_url()).status_code == 404
    assert browser.get(ticket_url(ticket)).status_code == 404
    assert browser.post(ticket_url(ticket, "take")).status_code == 404
    assert browser.post(ticket_url(ticket, "comment"), {"body": "sneaky"}).status_code == 404
    assert snapshot(ticket) == before


def test_unknown_ticket_numbers_are_404(cast, logged_in):
    browser = logged_in(cast.supervisor)
    assert browser.get("/staff/tickets/999999/").status_code == 404
    assert browser.get("/staff/tickets/" + "9" * 30 + "/").status_code == 404
    assert browser.get("/staff/tickets/abc/").status_code == 404


def test_an_agent_opening_another_departments_ticket_gets_404(cast, logged_in):
    sales = cast.staff_ticket(cast.sales)
    before = snapshot(sales)
    browser = logged_in(cast.john)
    assert browser.get(ticket_url(sales)).status_code == 404
    assert browser.post(ticket_url(sales, "take")).status_code == 404
    assert browser.post(ticket_url(sales, "comment"), {"body": "x"}).status_code == 404
    assert snapshot(sales) == before


# --- Queue ----------------------------------------------------------------------------------

def test_john_sees_technical_support_but_never_sales(cast, logged_in):
    tech = cast.open()
    sales = cast.staff_ticket(cast.sales, subject="Secret sales deal")
    response = logged_in(cast.john).get(queue_url(status="all"))
    assert numbers(response) == [tech.number]
    assert sales.number not in numbers(response)
    assert "Secret sales deal" not in response.content.decode()


def test_gary_sees_both_his_departments(cast, logged_in):
    tech = cast.open()
    sales = cast.staff_ticket(cast.sales)
    billing = cast.open(department=cast.billing)
    assert set(numbers(logged_in(cast.gary).get(queue_url()))) == {tech.number, sales.number}
    assert billing.number not in numbers(logged_in(cast.gary).get(queue_url()))


def test_supervisor_sees_every_department(cast, logged_in):
    tickets = [cast.open(), cast.staff_ticket(cast.sales), cast.open(department=cast.billing)]
    assert set(numbers(logged_in(cast.supervisor).get(queue_url()))) == {
        t.number for t in tickets
    }


def test_department_filter_offers_only_the_agents_own_departments(cast, logged_in):
    form = logged_in(cast.john).get(queue_url()).context["form"]
    offered = [label for value, label in form.fields["department"].choices if value]
    assert offered == ["Technical support"]
    form = logged_in(cast.supervisor).get(queue_url()).context["form"]
    offered = [label for value, label in form.fields["department"].choices if value]
    assert offered == ["Technical support", "Billing", "Sales"]


def test_queue_filters_by_department(cast, logged_in):
    tech = cast.open()
    sales = cast.staff_ticket(cast.sales)
    browser = logged_in(cast.gary)
    assert numbers(browser.get(queue_url(department=cast.sales.pk))) == [sales.number]
    assert numbers(browser.get(queue_url(department=cast.tech.pk))) == [tech.number]


def test_an_agent_cannot_widen_the_queue_with_a_foreign_department(cast, logged_in):
    tech = cast.open()
    cast.staff_ticket(cast.sales)
    assert numbers(logged_in(cast.john).get(queue_url(department=cast.sales.pk))) == [
        tech.number
    ]


def test_queue_filters_by_status_and_hides_archived_unless_asked(cast, logged_in):
    fresh = cast.open(subject="Fresh")
    frozen = cast.held(subject="Frozen")
    services.freeze(cast.john, frozen.number)
    answered = cast.held(subject="Answered")
    services.reply(cast.john, answered.number, body="Done", close=True)
    archived = cast.held(subject="Archived")
    services.reply(cast.john, archived.number, body="Done", close=True)
    services.archive(cast.alice, archived.number)
    browser = logged_in(cast.john)

    assert set(numbers(browser.get(queue_url()))) == {
        fresh.number, frozen.number, answered.number
    }
    assert numbers(browser.get(queue_url(status="frozen"))) == [frozen.number]
    assert numbers(browser.get(queue_url(status="awaiting_client"))) == [answered.number]
    assert numbers(browser.get(queue_url(status="under_review"))) == [fresh.number]
    assert numbers(browser.get(queue_url(status="archived"))) == [archived.number]
    assert archived.number in numbers(browser.get(queue_url(status="all")))


def test_queue_filters_by_assignee_me_nobody_and_a_colleague(cast, logged_in):
    nobodys = cast.open()
    johns = cast.held(cast.john)
    garys = cast.held(cast.gary)
    browser = logged_in(cast.john)
    assert numbers(browser.get(queue_url(assignee="me"))) == [johns.number]
    assert numbers(browser.get(queue_url(assignee="nobody"))) == [nobodys.number]
    assert numbers(browser.get(queue_url(assignee=cast.gary.pk))) == [garys.number]


def test_queue_filters_by_client_with_a_removable_chip(cast, logged_in):
    alices = cast.open()
    cast.open(client=cast.bob)
    response = logged_in(cast.john).get(queue_url(client=cast.alice.pk, status="all"))
    assert numbers(response) == [alices.number]
    html = response.content.decode()
    assert "Client:" in html and "Alice Client" in html and "✕" in html
    # The chip's link drops the client and keeps the other filters.
    assert 'href="/staff/?status=all"' in html


def test_a_client_filter_of_no_such_client_shows_its_number(cast, logged_in):
    cast.open()
    response = logged_in(cast.john).get(queue_url(client=987654))
    assert response.status_code == 200 and numbers(response) == []
    assert "Client:" in (html := response.content.decode()) and "#987654" in html


def test_needs_reply_filter_and_order(cast, logged_in):
    waiting_client = cast.held(subject="Answered already")
    services.reply(cast.john, waiting_client.number, body="Here you go", close=False)
    needs_reply = cast.open(subject="Still waiting")
    browser = logged_in(cast.john)
    assert numbers(browser.get(queue_url())) == [needs_reply.number, waiting_client.number]
    assert numbers(browser.get(queue_url(needs_reply="on"))) == [needs_reply.number]


def test_queue_marks_needs_reply_and_overdue(cast, logged_in):
    late = cast.open(subject="Late one")
    on_time = cast.open(subject="On time")
    # The clock moves for this one ticket: its reply deadline is already behind us.
    Ticket.objects.filter(pk=late.pk).update(reply_due_at=clock.now() - timedelta(hours=1))
    response = logged_in(cast.john).get(queue_url())
    assert numbers(response) == [late.number, on_time.number]
    rows = response.content.decode().split("<tr")[2:]
    assert 'class="badge overdue"' in rows[0] and 'class="badge needs-reply"' in rows[0]
    assert 'class="badge overdue"' not in rows[1] and 'class="badge needs-reply"' in rows[1]
    assert 'class="badge under_review"' in rows[1]


def test_queue_shows_client_title_assignee_and_holder(cast, logged_in):
    ticket = cast.held(subject="Site is down")
    services.save_parameters(cast.john, ticket.number, title="Apache crash on web-3")
    html = logged_in(cast.gary).get(queue_url()).content.decode()
    assert "Site is down" in html and "Apache crash on web-3" in html
    assert "alice@example.com" in html
    assert "Held by John Smith" in html


def test_queue_pages_keep_the_filters(cast, logged_in, settings):
    settings.ZAPROS_QUEUE_PAGE_SIZE = 2
    tickets = [cast.open(subject=f"Ticket {i}") for i in range(5)]
    cast.open(client=cast.bob)
    browser = logged_in(cast.john)
    first = browser.get(queue_url(client=cast.alice.pk))
    assert len(numbers(first)) == 2
    cursor = first.context["page"].next_cursor
    html = first.content.decode()
    assert f'href="?{urlencode({"client": cast.alice.pk, "cursor": cursor})}"'.replace(
        "&", "&amp;") in html
    second = browser.get(queue_url(client=cast.alice.pk, cursor=cursor))
    last = browser.get(queue_url(client=cast.alice.pk,
                                 cursor=second.context["page"].next_cursor))
    assert len(numbers(last)) == 1
    assert not last.context["page"].has_next
    assert last.context["page"].number == 3
    seen = set(numbers(first)) | set(numbers(second)) | set(numbers(last))
    assert seen == {t.number for t in tickets}


def test_staff_navigation(cast, logged_in):
    html = logged_in(cast.john).get(queue_url()).content.decode()
    assert "?needs_reply=on" in html and "?assignee=me" in html and "/admin/" not in html
    assert "/admin/" in logged_in(cast.admin).get(queue_url()).content.decode()


def _busy_queue(cast, count):
    """``count`` tickets in several departments, from several clients, some held."""
    extra = Department.objects.create(name=f"Extra {count}")
    for i in range(count):
        if i % 3 == 0:
            ticket = cast.open(client=cast.bob, department=cast.billing)
        elif i % 3 == 1:
            ticket = cast.staff_ticket(extra)
        else:
            ticket = cast.open()
        if i % 2:
            services.take(cast.supervisor, ticket.number)


@pytest.mark.parametrize("user", ["supervisor", "gary"])
def test_queue_runs_a_constant_number_of_queries(cast, logged_in, settings,
                                                 django_assert_max_num_queries, user):
    settings.ZAPROS_QUEUE_PAGE_SIZE = 100
    browser = logged_in(getattr(cast, user))
    urls = [queue_url(), queue_url(client=cast.alice.pk, status="all", needs_reply="on")]
    _busy_queue(cast, 5)
    settings.ZAPROS_QUEUE_PAGE_SIZE = 2
    # The second page, by its cursor, costs what the first does.
    urls.append(queue_url(cursor=browser.get(urls[0]).context["page"].next_cursor))
    settings.ZAPROS_QUEUE_PAGE_SIZE = 100
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(url).status_code == 200
        counts.append(len(queries))
    _busy_queue(cast, 55)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = browser.get(url)
        assert response.status_code == 200
    if user == "supervisor":
        assert len(numbers(browser.get(urls[0]))) == 60


# --- Ticket page ----------------------------------------------------------------------------

def test_ticket_page_shows_the_client_services_and_internal_comments(cast, logged_in):
    Client.objects.filter(pk=cast.alice.pk).update(internal_comment="Pays late, be polite")
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    services.take(cast.john, ticket.number)
    services.comment(cast.gary, ticket.number, body="Check the RAID first")
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    assert "Alice Client" in html and "alice@example.com" in html
    assert "Pays late, be polite" in html
    assert "Hosting Pro" in html and "VPS-2" in html and "Active" in html
    assert 'class="message internal"' in html and "Internal comment" in html
    assert "Check the RAID first" in html
    assert 'class="message from-client"' in html
    assert "John Smith took the request" in html
    assert 'class="system-line"' in html


def test_the_conversation_shows_ratings(cast, logged_in):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    answer = services.reply(cast.john, ticket.number, body="Fixed", close=False)
    services.rate(cast.alice, ticket.number, message_id=answer.pk, value="bad",
                  comment='"Slow" <i>again</i>')
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    assert '<p class="rating rated-bad">The client rated this answer: bad' in html
    assert "“&quot;Slow&quot; &lt;i&gt;again&lt;/i&gt;”" in html
    assert html.count('<article id="message-') == 2


def test_events_read_as_system_lines(cast, logged_in):
    ticket = cast.held()
    services.save_parameters(cast.john, ticket.number, subject="Site down again",
                             priority=Priority.HIGH)
    services.freeze(cast.john, ticket.number, reason="Waiting for the data centre")
    services.resume(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Fixed", close=True)
    services.reassign(cast.supervisor, ticket.number, cast.gary.pk)
    message = Message.objects.filter(ticket=ticket, author=cast.john).last()
    services.rate(cast.alice, ticket.number, message_id=message.pk, value="good")
    html = logged_in(cast.supervisor).get(ticket_url(ticket)).content.decode()
    assert "Alice Client opened the request" in html
    assert "Parameters changed: subject, priority" in html
    assert "Put on hold: Waiting for the data centre" in html
    assert "Status changed from Open to On hold" in html
    assert "Status changed from Open to Answered" in html
    assert "Reassigned to Gary Stark" in html
    assert "Client rated an answer: good" in html


def test_a_new_ticket_can_be_read_but_must_be_taken_first(cast, logged_in):
    ticket = cast.open(body="The site shows error 500")
    response = logged_in(cast.john).get(ticket_url(ticket))
    html = response.content.decode()
    assert "The site shows error 500" in html
    assert ticket_url(ticket, "take") in html and ">Take<" in html
    assert ticket_url(ticket, "reply") not in html and response.context["form"] is None


def test_taking_shows_the_reply_form(cast, logged_in):
    ticket = cast.open()
    browser = logged_in(cast.john)
    response = browser.post(ticket_url(ticket, "take"))
    assert response.status_code == 302 and response["Location"] == ticket_url(ticket)
    ticket = cast.refresh(ticket)
    assert ticket.holder == cast.john and ticket.state == "open"
    html = browser.get(ticket_url(ticket)).content.decode()
    assert ticket_url(ticket, "reply") in html
    for value in ("send_and_close", "send", "save"):
        assert f'value="{value}"' in html
    assert 'id="reply-body"' in html and 'data-quote-into="reply-body"' in html
    assert ">Take<" not in html


def test_a_second_take_is_refused_and_names_the_holder(cast, logged_in):
    ticket = cast.held(cast.john)
    before = snapshot(ticket)
    response = logged_in(cast.gary).post(ticket_url(ticket, "take"), follow=True)
    assert any("John Smith" in text for text in flashes(response)) or \
        "John Smith is working on this request" in response.content.decode()
    assert snapshot(ticket) == before


def test_another_agent_sees_the_lock_and_cannot_reply(cast, logged_in):
    ticket = cast.held(cast.john)
    before = snapshot(ticket)
    browser = logged_in(cast.gary)
    response = browser.get(ticket_url(ticket))
    html = response.content.decode()
    assert 'class="lockbar"' in html and "Held by John Smith since" in html
    assert response.context["form"] is None and ticket_url(ticket, "reply") not in html

    response = browser.post(ticket_url(ticket, "reply"),
                            reply_data(ticket, "send", body="Let me answer"), follow=True)
    assert "John Smith is working on this request" in response.content.decode()
    assert snapshot(ticket) == before
    assert not Message.objects.filter(body="Let me answer").exists()


def test_send_and_close_answers_the_client(cast, logged_in):
    ticket = cast.held()
    response = logged_in(cast.john).post(
        ticket_url(ticket, "reply"),
        reply_data(ticket, "send_and_close", body="Restarted the server", note="Disk was full"),
    )
    assert response.status_code == 302 and response["Location"] == queue_url()
    ticket = cast.refresh(ticket)
    assert ticket.state == "answered" and ticket.client_status == "new_messages"
    reply = ticket.messages.get(body="Restarted the server")
    assert reply.is_public and reply.author == cast.john
    assert ticket.messages.get(body="Disk was full").is_internal


def test_send_keeps_the_ticket_open_and_held(cast, logged_in):
    ticket = cast.held()
    response = logged_in(cast.john).post(ticket_url(ticket, "reply"),
                                         reply_data(ticket, "send", body="Looking into it"))
    assert response.status_code == 302 and response["Location"] == ticket_url(ticket)
    ticket = cast.refresh(ticket)
    assert ticket.state == "open" and ticket.holder == cast.john
    assert ticket.messages.filter(body="Looking into it", visibility="public").exists()


def test_parameters_changed_in_the_form_go_with_the_reply(cast, logged_in):
    ticket = cast.held()
    logged_in(cast.john).post(ticket_url(ticket, "reply"), reply_data(
        ticket, "send", body="On it", priority=Priority.HIGH))
    ticket = cast.refresh(ticket)
    assert ticket.priority == Priority.HIGH
    assert ticket.messages.filter(body="On it").exists()


def test_a_refused_reply_leaves_the_parameters_unchanged(cast, logged_in):
    ticket = cast.held()
    before = snapshot(ticket)
    response = logged_in(cast.john).post(ticket_url(ticket, "reply"), reply_data(
        ticket, "send_and_close", body="", priority=Priority.HIGH))
    assert "Write a reply before sending." in response.content.decode()
    assert snapshot(ticket) == before


def test_send_with_only_an_internal_comment_adds_the_comment(cast, logged_in):
    ticket = cast.held()
    logged_in(cast.john).post(ticket_url(ticket, "reply"),
                              reply_data(ticket, "send", note="Asked the network team"))
    ticket = cast.refresh(ticket)
    assert ticket.state == "open"
    assert ticket.messages.get(body="Asked the network team").is_internal
    assert ticket.messages.filter(visibility="public", author_kind="staff").count() == 0


def test_sending_nothing_shows_the_error_and_writes_nothing(cast, logged_in):
    ticket = cast.held()
    before = snapshot(ticket)
    response = logged_in(cast.john).post(ticket_url(ticket, "reply"),
                                         reply_data(ticket, "send_and_close", body="  "))
    assert response.status_code == 200
    assert "Write a reply before sending." in response.content.decode()
    assert snapshot(ticket) == before


def test_save_parameters_keeps_the_typed_reply_unsent(cast, logged_in):
    ticket = cast.held()
    messages_before = ticket.messages.count()
    response = logged_in(cast.john).post(ticket_url(ticket, "reply"), reply_data(
        ticket, "save", body="Half-written answer", note="Half a note",
        subject="Site down: error 500", title="Apache on web-3", priority=Priority.URGENT,
        type=TicketType.INCIDENT, service=cast.alice_vps.pk,
    ))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Half-written answer" in html and "Half a note" in html
    assert "Parameters saved." in html
    ticket = cast.refresh(ticket)
    assert (ticket.subject, ticket.title, ticket.priority, ticket.type, ticket.service) == (
        "Site down: error 500", "Apache on web-3", Priority.URGENT, TicketType.INCIDENT,
        cast.alice_vps,
    )
    assert ticket.messages.count() == messages_before
    event = ticket.events.get(kind=Event.Kind.PARAMETERS)
    assert set(event.data["changes"]) == {"subject", "title", "priority", "type", "service"}
    assert "Parameters changed:" in html


def test_save_parameters_refuses_another_clients_service(cast, logged_in):
    ticket = cast.held()
    before = snapshot(ticket)
    response = logged_in(cast.john).post(ticket_url(ticket, "reply"), reply_data(
        ticket, "save", body="Keep me", service=cast.bob_domain.pk,
    ))
    assert response.status_code == 200
    assert "Keep me" in response.content.decode()
    assert snapshot(ticket) == before


def test_send_with_attachments_stores_them(cast, logged_in):
    ticket = cast.held()
    data = reply_data(ticket, "send", body="See the screenshots")
    data["attachments"] = [
        SimpleUploadedFile("screen.png", PNG, content_type="image/png"),
        SimpleUploadedFile("server.log", b"error: disk full\n", content_type="text/plain"),
    ]
    logged_in(cast.john).post(ticket_url(ticket, "reply"), data)
    message = Message.objects.get(body="See the screenshots")
    assert sorted(a.original_name for a in message.attachments.all()) == [
        "screen.png", "server.log"
    ]
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    for attachment in message.attachments.all():
        assert reverse("download", args=[attachment.pk]) in html


def test_a_forbidden_attachment_refuses_the_reply_and_stores_nothing(cast, logged_in):
    ticket = cast.held()
    before = snapshot(ticket)
    data = reply_data(ticket, "send", body="Run this")
    data["attachments"] = [SimpleUploadedFile("fix.exe", b"MZ\x90\x00", "application/x-msdownload")]
    response = logged_in(cast.john).post(ticket_url(ticket, "reply"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "files of this type cannot be attached" in html
    assert "Run this" in html
    assert snapshot(ticket) == before


def test_any_staff_viewer_can_add_an_internal_comment(cast, logged_in):
    ticket = cast.held(cast.john)
    browser = logged_in(cast.gary)
    assert ticket_url(ticket, "comment") in browser.get(ticket_url(ticket)).content.decode()
    response = browser.post(ticket_url(ticket, "comment"), {"body": "I saw this last week"})
    assert response.status_code == 302
    comment = Message.objects.get(body="I saw this last week")
    assert comment.is_internal and comment.author == cast.gary
    assert cast.refresh(ticket).holder == cast.john


def test_an_empty_internal_comment_is_refused(cast, logged_in):
    ticket = cast.held()
    before = snapshot(ticket)
    response = logged_in(cast.gary).post(ticket_url(ticket, "comment"), {"body": " "})
    assert "Write the comment first." in response.content.decode()
    assert snapshot(ticket) == before


def test_freeze_resume_and_resolve(cast, logged_in):
    ticket = cast.held()
    browser = logged_in(cast.john)
    html = browser.get(ticket_url(ticket)).content.decode()
    assert ticket_url(ticket, "freeze") in html and ticket_url(ticket, "resume") not in html

    browser.post(ticket_url(ticket, "freeze"), {"reason": "Waiting for parts"})
    assert cast.refresh(ticket).state == "on_hold"
    html = browser.get(ticket_url(ticket)).content.decode()
    assert ticket_url(ticket, "resume") in html and ticket_url(ticket, "freeze") not in html
    assert "Put on hold: Waiting for parts" in html

    browser.post(ticket_url(ticket, "resume"))
    assert cast.refresh(ticket).state == "open"
    browser.post(ticket_url(ticket, "resolve"))
    assert cast.refresh(ticket).state == "resolved"
    browser.post(ticket_url(ticket, "archive"))
    assert cast.refresh(ticket).state == "archived"


def test_freezing_a_ticket_held_by_someone_else_is_refused(cast, logged_in):
    ticket = cast.held(cast.john)
    before = snapshot(ticket)
    response = logged_in(cast.gary).post(ticket_url(ticket, "freeze"), follow=True)
    assert "John Smith is working on this request" in response.content.decode()
    assert snapshot(ticket) == before


def test_a_supervisor_unlocks_a_held_ticket(cast, logged_in):
    ticket = cast.held(cast.john)
    browser = logged_in(cast.supervisor)
    html = browser.get(ticket_url(ticket)).content.decode()
    assert ticket_url(ticket, "unlock") in html and ticket_url(ticket, "reassign") in html
    browser.post(ticket_url(ticket, "unlock"))
    ticket = cast.refresh(ticket)
    assert ticket.holder is None and ticket.state == "new"


def test_a_supervisor_reassigns_a_ticket(cast, logged_in):
    ticket = cast.held(cast.john)
    logged_in(cast.supervisor).post(ticket_url(ticket, "reassign"), {"agent": cast.gary.pk})
    ticket = cast.refresh(ticket)
    assert ticket.holder == cast.gary and ticket.assignee == cast.gary


def test_reassigning_to_someone_outside_the_department_is_refused(cast, logged_in):
    ticket = cast.staff_ticket(cast.sales)
    services.take(cast.gary, ticket.number)
    before = snapshot(ticket)
    response = logged_in(cast.supervisor).post(ticket_url(ticket, "reassign"),
                                               {"agent": cast.john.pk}, follow=True)
    assert "John Smith does not work in Sales." in response.content.decode()
    assert snapshot(ticket) == before


def test_agents_cannot_unlock_or_reassign(cast, logged_in):
    ticket = cast.held(cast.john)
    before = snapshot(ticket)
    browser = logged_in(cast.gary)
    html = browser.get(ticket_url(ticket)).content.decode()
    assert ticket_url(ticket, "unlock") not in html and ticket_url(ticket, "reassign") not in html
    response = browser.post(ticket_url(ticket, "unlock"), follow=True)
    assert "Only a supervisor can do this." in response.content.decode()
    response = browser.post(ticket_url(ticket, "reassign"), {"agent": cast.gary.pk},
                            follow=True)
    assert "Only a supervisor can do this." in response.content.decode()
    assert snapshot(ticket) == before


def test_actions_need_post(cast, logged_in):
    ticket = cast.open()
    before = snapshot(ticket)
    browser = logged_in(cast.john)
    for action in ("take", "reply", "comment", "freeze", "unlock"):
        assert browser.get(ticket_url(ticket, action)).status_code == 405
    assert snapshot(ticket) == before


def _long_conversation(cast, count):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    services.take(cast.john, ticket.number)
    for i in range(count):
        if i % 3 == 0:
            services.reply(cast.john, ticket.number, body=f"Answer {i}", close=False,
                             files=[(f"log{i}.txt", b"line\n")])
        elif i % 3 == 1:
            services.comment(cast.gary, ticket.number, body=f"Note {i}")
        else:
            services.client_reply(cast.alice, ticket.number, body=f"Reply {i}",
                                  files=[(f"shot{i}.png", PNG)])
    services.freeze(cast.john, ticket.number, reason="Parts")
    services.resume(cast.john, ticket.number)
    return ticket


@pytest.mark.parametrize("user", ["john", "supervisor"])
def test_ticket_page_runs_a_constant_number_of_queries(cast, logged_in,
                                                       django_assert_max_num_queries, user):
    browser = logged_in(getattr(cast, user))
    small = _long_conversation(cast, 3)
    browser.get(ticket_url(small))
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(ticket_url(small)).status_code == 200
    large = _long_conversation(cast, 30)
    with django_assert_max_num_queries(len(queries)):
        response = browser.get(ticket_url(large))
    assert "Answer 27" in response.content.decode()


def _statements_and_page(browser, ticket) -> tuple[int, str]:
    """How many statements the ticket's page runs once warm, and the page."""
    browser.get(ticket_url(ticket))
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(ticket_url(ticket))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_a_conversation_without_files_or_other_people_reads_neither(cast, logged_in):
    """Attachments are read only for a ticket that has some; the authors of a conversation
    between the client and the staff member holding it come with the ticket, anyone else's
    in one more statement."""
    browser = logged_in(cast.john)
    simple = cast.open(subject="Simple")
    services.take(cast.john, simple.number)
    services.reply(cast.john, simple.number, body="Answer", close=False)
    services.client_reply(cast.alice, simple.number, body="Thanks")
    rich = cast.open(subject="Rich")
    services.take(cast.john, rich.number)
    services.reply(cast.john, rich.number, body="Answer", close=False,
                     files=[("log.txt", b"line\n")])
    services.comment(cast.gary, rich.number, body="Seen this before")
    few, simple_html = _statements_and_page(browser, simple)
    more, rich_html = _statements_and_page(browser, rich)
    assert more == few + 2
    assert "<strong>John Smith</strong>" in simple_html
    assert "<strong>Alice Client</strong>" in simple_html
    assert "<strong>Gary Stark</strong>" in rich_html and "log.txt" in rich_html
    # Seen by someone who neither holds the ticket nor wrote in it: every author is read.
    _count, seen_by_supervisor = _statements_and_page(logged_in(cast.supervisor), rich)
    for author in ("John Smith", "Alice Client", "Gary Stark"):
        assert f"<strong>{author}</strong>" in seen_by_supervisor


def test_what_a_ticket_has_none_of_costs_no_query_and_what_it_has_is_shown(cast, logged_in):
    """Followers, copy addresses, transfers and related requests are asked with the ticket:
    the page reads their tables only for a ticket that has some."""
    browser = logged_in(cast.john)
    statements = partial(_statements_and_page, browser)
    plain = _long_conversation(cast, 2)
    busy = _long_conversation(cast, 2)
    services.follow(cast.gary, busy.number)
    services.add_cc(cast.john, busy.number, "carol@example.com")
    services.transfer(cast.john, busy.number, department_id=cast.billing.pk)
    reply = services.client_reply(cast.alice, busy.number, body="Another question")
    split = services.split(cast.john, busy.number, message_id=reply.pk)
    few, plain_html = statements(plain)
    more, busy_html = statements(busy)
    assert more == few + 4
    assert "Gary Stark" in busy_html and "carol@example.com" in busy_html
    assert "Also active in" in busy_html and "Billing" in busy_html
    assert f"#{split.number}" in busy_html
    assert "Also active in" not in plain_html and "carol@example.com" not in plain_html


def test_queue_with_an_altered_cursor_shows_the_first_page_and_says_so(cast, logged_in,
                                                                        settings):
    settings.ZAPROS_QUEUE_PAGE_SIZE = 2
    for i in range(3):
        cast.open(subject=f"Ticket {i}")
    browser = logged_in(cast.john)
    first = browser.get(queue_url())
    cursor = first.context["page"].next_cursor
    response = browser.get(queue_url(cursor=cursor[:-2] + "xx"))
    assert numbers(response) == numbers(first)
    assert response.context["page"].number == 1
    assert flashes(response) == ["That page link is no longer valid: here is the first page."]
    assert len(numbers(browser.get(queue_url(cursor=cursor)))) == 1


def test_an_empty_queue_says_so_instead_of_an_empty_table(cast, logged_in):
    browser = logged_in(cast.john)
    cast.open(subject="Only one")
    html = browser.get(queue_url(assignee="me")).content.decode()   # nobody took it
    assert "No requests match these filters." in html
    assert '<table class="list queue">' not in html
    assert '<table class="list queue">' in browser.get(queue_url()).content.decode()


def test_the_side_panels_show_the_client_and_the_request(cast, logged_in):
    """The client's card and the request's (staff/_info.html), the actions below them."""
    client = Client.objects.get(user=cast.alice)
    client.company = "<b>Acme</b>"
    client.internal_comment = "Pays late <script>alert(1)</script>"
    client.save()
    cast.alice_vps.name = "VPS <i>2</i>"
    cast.alice_vps.save()
    ticket = cast.open(service_id=cast.alice_vps.pk)
    services.take(cast.john, ticket.number)
    services.save_parameters(cast.john, ticket.number, title="Disk <full>")
    services.transfer(cast.john, ticket.number, department_id=cast.billing.pk)
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    assert "Alice Client</a>, &lt;b&gt;Acme&lt;/b&gt;" in html
    assert "Pays late &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<li class="current">VPS &lt;i&gt;2&lt;/i&gt; <span class="muted">' in html
    assert "<dt>Staff title</dt><dd>Disk &lt;full&gt;</dd>" in html
    assert '<dt>Also active in</dt><dd class="shares">Billing</dd>' in html
    assert "<dt>Held by</dt><dd><svg" in html and "John Smith</dd>" in html
    assert "<script>alert(1)" not in html and "<b>Acme</b>" not in html
    assert f'action="/staff/tickets/{ticket.number}/freeze/"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_the_side_panels_speak_the_readers_language(cast, logged_in):
    cast.john.language = "ru"
    cast.john.save()
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    with translation.override("ru"):
        for words in ("Days in work", "Reply due", "Registered", "Actions", "Freeze"):
            assert translation.gettext(words) != words
            assert translation.gettext(words) in html
    assert "Days in work" not in html and "Actions" not in html

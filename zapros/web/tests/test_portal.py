"""The client portal through the Django test client: pages, actions, refusals, access and
query counts. Tickets with history are built through the ticket services."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from zapros.tickets import services, states
from zapros.tickets.models import Attachment, Event, Message, Rating, Ticket

# --- Helpers --------------------------------------------------------------------------------

def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def ticket_url(ticket) -> str:
    return reverse("portal:ticket", args=[ticket.number])


def html(response) -> str:
    return response.content.decode()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def counts() -> tuple[int, int, int, int, int]:
    return (Ticket.objects.count(), Message.objects.count(), Attachment.objects.count(),
            Event.objects.count(), len(stored_files()))


def new_request_data(cast, **overrides):
    data = {
        "department": cast.tech.pk,
        "subject": "Mail is not delivered",
        "type": "bug",
        "service": cast.alice_hosting.pk,
        "body": "Since this morning\nno mail arrives.",
    }
    data.update(overrides)
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Pages ----------------------------------------------------------------------------------

def test_every_portal_page_renders_for_the_client(cast, logged_in):
    ticket = cast.answered(files=[("notes.txt", b"log line"), ("shot.png", png_bytes())])
    client = logged_in(cast.alice)

    for name in ("portal:requests", "portal:all", "portal:new"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert 'aria-current="page"' in html(response)
    page = client.get(ticket_url(ticket))

    assert page.status_code == 200
    text = html(page)
    assert f"#{ticket.number}" in text
    assert "Site is down" in text
    assert "Technical support" in text
    assert "We restarted the server." in text
    attachments = {a.original_name: a for a in Attachment.objects.all()}
    image_url = reverse("download", args=[attachments["shot.png"].pk])
    assert f'<img src="{image_url}"' in text
    assert reverse("download", args=[attachments["notes.txt"].pk]) in text
    download = client.get(image_url)
    assert download.status_code == 200
    download.close()


def test_portal_root_leads_to_the_requests(cast, logged_in):
    response = logged_in(cast.alice).get("/portal/")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:requests")


def test_requests_list_shows_the_clients_tickets_and_never_another_clients(cast, logged_in):
    cast.open(subject="Alice hosting question")
    cast.open(client=cast.bob, subject="Bob domain transfer")
    client = logged_in(cast.alice)

    for name in ("portal:requests", "portal:all"):
        text = html(client.get(reverse(name)))
        assert "Alice hosting question" in text
        assert "Bob domain transfer" not in text


def test_requests_list_shows_number_department_and_status(cast, logged_in):
    ticket = cast.open(department=cast.billing, subject="Invoice twice")

    text = html(logged_in(cast.alice).get(reverse("portal:requests")))

    assert f"#{ticket.number}" in text
    assert "Billing" in text
    assert '<span class="badge under_review">Under review</span>' in text
    assert 'class="dot"' not in text


def test_empty_requests_list_offers_to_open_a_request(cast, logged_in):
    response = logged_in(cast.alice).get(reverse("portal:requests"))

    text = html(response)
    assert "You have no requests in progress." in text
    assert f'href="{reverse("portal:new")}"' in text
    assert "<table" not in text


def test_requests_list_is_paginated_by_25(cast, logged_in):
    for index in range(30):
        cast.open(subject=f"Question {index:02d}")
    client = logged_in(cast.alice)

    first = client.get(reverse("portal:requests"))
    second = client.get(reverse("portal:requests"), {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "Question 29" in html(first) and "Question 00" not in html(first)
    assert "Question 00" in html(second)
    assert client.get(reverse("portal:requests"), {"page": "x"}).status_code == 200


# --- Opening a request ----------------------------------------------------------------------

def test_new_request_form_offers_only_support_center_departments_and_own_services(
        cast, logged_in):
    text = html(logged_in(cast.alice).get(reverse("portal:new")))

    assert "Technical support" in text and "Billing" in text
    assert "Sales" not in text
    assert "Hosting Pro" in text and "VPS-2" in text
    assert "bob.example" not in text
    assert "png" in text and "10.0" in text  # allowed types and size as help text
    assert "incident" not in text.lower()


def test_client_opens_a_request_with_attachments(cast, logged_in):
    client = logged_in(cast.alice)

    response = client.post(reverse("portal:new"), {
        **new_request_data(cast),
        "attachments": [upload("trace.txt", b"550 rejected", "text/plain"),
                        upload("screen.png", png_bytes(), "image/png")],
    })

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket_url(ticket)
    assert ticket.client_id == cast.alice.pk
    assert ticket.department == cast.tech
    assert ticket.service == cast.alice_hosting
    assert ticket.type == "bug"
    assert ticket.subject == "Mail is not delivered"
    message = ticket.messages.get()
    assert message.body == "Since this morning\nno mail arrives."
    assert sorted(a.original_name for a in message.attachments.all()) == [
        "screen.png", "trace.txt"]
    assert len(stored_files()) == 2
    page = client.get(response["Location"])
    assert any(f"#{ticket.number}" in text for text in messages_of(page))
    assert "Mail is not delivered" in html(client.get(reverse("portal:requests")))


def test_new_request_without_a_service(cast, logged_in):
    logged_in(cast.alice).post(reverse("portal:new"), new_request_data(cast, service=""))

    assert Ticket.objects.get().service is None


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"subject": "   "}, "subject", "Enter a subject."),
    ({"body": ""}, "body", "Describe your question."),
    ({"type": "incident"}, "type", "Choose a type of request."),
    ({"department": "sales"}, "department", "Choose a department."),
    ({"department": ""}, "department", "Choose a department."),
    ({"service": "bob"}, "service", "Choose one of your services."),
])
def test_refused_new_request_shows_the_message_and_keeps_the_input(
        cast, logged_in, change, field, message):
    replacements = {"sales": cast.sales.pk, "bob": cast.bob_domain.pk}
    change = {key: replacements.get(value, value) for key, value in change.items()}
    data = new_request_data(cast, **change)

    response = logged_in(cast.alice).post(reverse("portal:new"), {
        **data, "attachments": [upload("trace.txt", b"550 rejected", "text/plain")],
    })

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in html(response)
    if field != "subject":
        assert 'value="Mail is not delivered"' in html(response)
    if field != "body":
        assert "Since this morning\nno mail arrives.</textarea>" in html(response)
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", b"MZ\x90\x00binary", "files of this type cannot be attached"),
    ("page.html", b"<html><script>alert(1)</script></html>",
     "files of this type cannot be attached"),
    ("photo.png", b"this is no picture", "does not contain what its name says"),
    ("empty.txt", b"", "is empty"),
])
def test_forbidden_attachment_refuses_the_whole_request(cast, logged_in, name, content, message):
    response = logged_in(cast.alice).post(reverse("portal:new"), {
        **new_request_data(cast),
        "attachments": [upload("fine.txt", b"fine", "text/plain"), upload(name, content)],
    })

    assert response.status_code == 200
    assert message in response.context["form"].errors["attachments"][0]
    assert name in html(response)
    assert 'value="Mail is not delivered"' in html(response)
    assert counts() == (0, 0, 0, 0, 0)


def test_oversized_attachment_refuses_the_whole_request(cast, logged_in, settings):
    settings.ZAPROS_ATTACHMENT_MAX_BYTES = 50

    client = logged_in(cast.alice)
    form_page = html(client.get(reverse("portal:new")))
    response = client.post(reverse("portal:new"), {
        **new_request_data(cast), "attachments": [upload("big.txt", b"x" * 51, "text/plain")],
    })

    assert "50\xa0bytes" in form_page
    assert response.status_code == 200
    assert "“big.txt” is larger than 50" in response.context["form"].errors["attachments"][0]
    assert counts() == (0, 0, 0, 0, 0)


def test_html_in_subject_body_and_file_name_is_escaped(cast, logged_in):
    client = logged_in(cast.alice)

    response = client.post(reverse("portal:new"), {
        **new_request_data(cast, subject="<script>alert(1)</script>",
                           body="<img src=x onerror=alert(2)>"),
        "attachments": [upload("<img src=y onerror=alert(3)>.txt", b"text", "text/plain")],
    })
    page = html(client.get(response["Location"]))
    listing = html(client.get(reverse("portal:requests")))

    for text in (page, listing):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<script>alert(1)" not in text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&lt;img src=y onerror=alert(3)&gt;.txt" in page
    assert "<img src=x" not in page and "<img src=y" not in page


def test_html_in_a_refused_file_name_is_escaped(cast, logged_in):
    response = logged_in(cast.alice).post(reverse("portal:new"), {
        **new_request_data(cast), "attachments": [upload("<b onclick=x>.exe", b"MZ")],
    })

    assert "&lt;b onclick=x&gt;.exe" in html(response)
    assert "<b onclick" not in html(response)


# --- The ticket page ------------------------------------------------------------------------

def test_another_client_gets_404_on_the_ticket_its_actions_and_files(cast, logged_in):
    ticket = cast.answered(files=[("trace.txt", b"550 rejected")])
    staff_answer = Message.objects.get(author_kind="staff")
    attachment = Attachment.objects.get()
    before = counts()
    client = logged_in(cast.bob)

    assert client.get(ticket_url(ticket)).status_code == 404
    assert client.post(ticket_url(ticket), {"body": "Let me in"}).status_code == 404
    for name in ("portal:resolve", "portal:archive"):
        assert client.post(reverse(name, args=[ticket.number])).status_code == 404
    rate = client.post(reverse("portal:rate", args=[ticket.number]),
                       {"message": staff_answer.pk, "value": "bad"})
    assert rate.status_code == 404
    assert client.get(reverse("download", args=[attachment.pk])).status_code == 404
    assert counts() == before
    assert cast.refresh(ticket).state == states.State.ANSWERED
    assert not Rating.objects.exists()


def test_unknown_ticket_number_is_404(cast, logged_in):
    client = logged_in(cast.alice)

    assert client.get(reverse("portal:ticket", args=[999999])).status_code == 404
    assert client.get(f"/portal/requests/{10**30}/").status_code == 404


def test_internal_comments_and_staff_title_never_reach_the_client(cast, logged_in):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.save_parameters(cast.john, ticket.number, title="VIP: escalate to admins")
    services.comment(cast.john, ticket.number, body="Client is on the legacy plan",
                     files=[("internal-dump.txt", b"secret")])
    services.reply(cast.john, ticket.number, body="Public answer", close=True,
                     note="Closing note for colleagues")
    internal_file = Attachment.objects.get(original_name="internal-dump.txt")
    client = logged_in(cast.alice)

    text = html(client.get(ticket_url(ticket)))

    assert "Public answer" in text
    for secret in ("VIP: escalate to admins", "legacy plan", "internal-dump.txt",
                   "Closing note for colleagues", "john@zapros.test"):
        assert secret not in text
    assert client.get(reverse("download", args=[internal_file.pk])).status_code == 404


def test_holder_is_not_revealed_to_the_client(cast, logged_in):
    ticket = cast.open()
    services.take(cast.gary, ticket.number)

    text = html(logged_in(cast.alice).get(ticket_url(ticket)))

    assert "Gary" not in text
    assert "Under review" in text


def test_message_times_are_shown_in_the_clients_time_zone(cast, logged_in):
    cast.alice.timezone = "Asia/Tokyo"
    cast.alice.save(update_fields=["timezone"])
    ticket = cast.open()

    text = html(logged_in(cast.alice).get(ticket_url(ticket)))

    assert "+09:00" in text


def test_viewing_the_ticket_clears_new_messages(cast, logged_in):
    ticket = cast.answered()
    client = logged_in(cast.alice)

    before = html(client.get(reverse("portal:requests")))
    page = html(client.get(ticket_url(ticket)))
    after = html(client.get(reverse("portal:requests")))

    assert "badge new_messages" in before and 'class="dot"' in before
    assert 'class="message from-staff unread"' in page
    assert "badge viewed" in after and 'class="dot"' not in after
    assert not cast.refresh(ticket).client_unread
    assert 'class="message from-staff unread"' not in html(client.get(ticket_url(ticket)))


# --- Replying -------------------------------------------------------------------------------

def test_client_reply_reopens_an_answered_ticket(cast, logged_in):
    ticket = cast.answered()
    client = logged_in(cast.alice)

    page = html(client.get(ticket_url(ticket)))
    response = client.post(ticket_url(ticket), {
        "body": "Still broken\nafter the restart",
        "attachments": [upload("again.txt", b"same error", "text/plain")],
    })

    assert "Writing a message reopens it" in page
    assert response.status_code == 302
    reply = Message.objects.filter(author_kind="client").latest("id")
    assert response["Location"] == f"{ticket_url(ticket)}#m{reply.pk}"
    assert reply.body == "Still broken\nafter the restart"
    assert reply.attachments.get().original_name == "again.txt"
    ticket = cast.refresh(ticket)
    assert ticket.state == states.State.OPEN
    assert ticket.holder == cast.john
    assert "Writing a message reopens it" not in html(client.get(ticket_url(ticket)))


def test_client_reply_reopens_an_archived_ticket(cast, logged_in):
    ticket = cast.answered()
    services.archive(cast.alice, ticket.number)
    client = logged_in(cast.alice)

    assert "Writing a message reopens it" in html(client.get(ticket_url(ticket)))
    client.post(ticket_url(ticket), {"body": "It happened again"})

    assert cast.refresh(ticket).state == states.State.OPEN


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"body": "  "}, "body", "Write a message."),
    ({"body": "Here is the page", "attachments": "exe"}, "attachments",
     "files of this type cannot be attached"),
])
def test_refused_reply_shows_the_message_and_changes_nothing(
        cast, logged_in, data, field, message):
    ticket = cast.answered()
    if data.get("attachments") == "exe":
        data = {**data, "attachments": [upload("tool.exe", b"MZ")]}
    before = counts()

    response = logged_in(cast.alice).post(ticket_url(ticket), data)

    assert response.status_code == 200
    assert message in response.context["reply_form"].errors[field][0]
    if field == "attachments":
        assert "Here is the page</textarea>" in html(response)
    assert counts() == before
    assert cast.refresh(ticket).state == states.State.ANSWERED


# --- Rating ---------------------------------------------------------------------------------

def test_client_rates_an_answer_and_changes_the_rating(cast, logged_in):
    ticket = cast.answered()
    staff_answer = Message.objects.get(author_kind="staff")
    client = logged_in(cast.alice)
    rate_url = reverse("portal:rate", args=[ticket.number])

    first = client.post(rate_url, {"message": staff_answer.pk, "value": "good",
                                   "comment": "Quick <fix>"})
    page = html(client.get(ticket_url(ticket)))
    client.post(rate_url, {"message": staff_answer.pk, "value": "bad", "comment": ""})

    assert first.status_code == 302
    assert first["Location"] == f"{ticket_url(ticket)}#m{staff_answer.pk}"
    assert "You rated this answer: Good." in page
    assert 'value="good" checked' in page
    assert 'value="Quick &lt;fix&gt;"' in page
    rating = Rating.objects.get()
    assert (rating.message_id, rating.value, rating.comment) == (staff_answer.pk, "bad", "")
    assert "You rated this answer: Bad." in html(client.get(ticket_url(ticket)))


@pytest.mark.parametrize("target", ["internal", "own", "missing"])
def test_rating_anything_but_a_staff_answer_is_refused(cast, logged_in, target):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    internal = services.comment(cast.john, ticket.number, body="Internal only")
    services.reply(cast.john, ticket.number, body="Answer", close=True)
    own = Message.objects.get(author_kind="client")
    message_id = {"internal": internal.pk, "own": own.pk, "missing": "abc"}[target]
    before = counts()
    client = logged_in(cast.alice)

    response = client.post(reverse("portal:rate", args=[ticket.number]),
                           {"message": message_id, "value": "good"}, follow=True)

    assert "Only answers from support can be rated." in messages_of(response)
    assert not Rating.objects.exists()
    assert counts() == before
    assert "Internal only" not in html(response)


def test_rating_without_a_value_is_refused(cast, logged_in):
    ticket = cast.answered()
    staff_answer = Message.objects.get(author_kind="staff")

    response = logged_in(cast.alice).post(reverse("portal:rate", args=[ticket.number]),
                                          {"message": staff_answer.pk}, follow=True)

    assert "Choose good or bad." in messages_of(response)
    assert not Rating.objects.exists()


def test_client_messages_offer_no_rating(cast, logged_in):
    ticket = cast.open()

    text = html(logged_in(cast.alice).get(ticket_url(ticket)))

    assert reverse("portal:rate", args=[ticket.number]) not in text


# --- Solving and archiving ------------------------------------------------------------------

def test_archive_of_an_open_ticket_is_refused(cast, logged_in):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    client = logged_in(cast.alice)
    archive_url = reverse("portal:archive", args=[ticket.number])
    before = counts()

    page = html(client.get(ticket_url(ticket)))
    response = client.post(archive_url, follow=True)

    assert archive_url not in page
    assert response.redirect_chain == [(ticket_url(ticket), 302)]
    assert str(states.REFUSALS[states.Action.ARCHIVE]) in messages_of(response)
    assert "still being handled by support" in html(response)
    assert cast.refresh(ticket).state == states.State.OPEN
    assert counts() == before


def test_archive_of_an_answered_ticket_moves_it_to_all_requests(cast, logged_in):
    ticket = cast.answered(subject="Certificate expired")
    client = logged_in(cast.alice)
    archive_url = reverse("portal:archive", args=[ticket.number])

    assert archive_url in html(client.get(ticket_url(ticket)))
    response = client.post(archive_url, follow=True)

    assert cast.refresh(ticket).state == states.State.ARCHIVED
    assert any("archived" in text for text in messages_of(response))
    assert archive_url not in html(response)
    assert "Certificate expired" not in html(client.get(reverse("portal:requests")))
    everything = html(client.get(reverse("portal:all")))
    assert "Certificate expired" in everything
    assert '<span class="badge archived">Archived</span>' in everything


def test_client_marks_a_request_as_solved(cast, logged_in):
    ticket = cast.open()
    client = logged_in(cast.alice)
    resolve_url = reverse("portal:resolve", args=[ticket.number])

    assert resolve_url in html(client.get(ticket_url(ticket)))
    response = client.post(resolve_url, follow=True)

    assert cast.refresh(ticket).state == states.State.RESOLVED
    assert any("marked as solved" in text for text in messages_of(response))
    assert resolve_url not in html(response)
    assert reverse("portal:archive", args=[ticket.number]) in html(response)


def test_marking_a_solved_request_as_solved_again_is_refused(cast, logged_in):
    ticket = cast.open()
    services.resolve(cast.alice, ticket.number)
    before = counts()

    response = logged_in(cast.alice).post(
        reverse("portal:resolve", args=[ticket.number]), follow=True)

    assert str(states.REFUSALS[states.Action.CLIENT_RESOLVE]) in messages_of(response)
    assert counts() == before


def test_actions_accept_only_post(cast, logged_in):
    ticket = cast.open()
    client = logged_in(cast.alice)

    for name in ("portal:resolve", "portal:archive", "portal:rate"):
        assert client.get(reverse(name, args=[ticket.number])).status_code == 405
    assert cast.refresh(ticket).state == states.State.NEW


# --- Who may use the portal -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["portal:requests", "portal:all", "portal:new"])
def test_staff_are_sent_to_their_workspace(cast, logged_in, name):
    response = logged_in(cast.john).get(reverse(name))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_staff_cannot_act_through_the_portal(cast, logged_in):
    ticket = cast.open()
    before = counts()
    client = logged_in(cast.supervisor)

    for url in (ticket_url(ticket), reverse("portal:resolve", args=[ticket.number])):
        response = client.post(url, {"body": "Hello"})
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
    response = client.post(reverse("portal:new"), new_request_data(cast))
    assert response["Location"] == reverse("home")
    assert counts() == before


@pytest.mark.parametrize("name", ["portal:requests", "portal:all", "portal:new"])
def test_anonymous_visitors_are_sent_to_login(client, cast, name):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_post_to_a_ticket_changes_nothing(client, cast):
    ticket = cast.open()
    before = counts()

    response = client.post(ticket_url(ticket), {"body": "Hello"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert counts() == before


# --- Query counts ---------------------------------------------------------------------------

def test_requests_list_runs_the_same_queries_for_3_and_30_tickets(
        cast, logged_in, django_assert_max_num_queries):
    client = logged_in(cast.alice)
    for index in range(3):
        cast.answered(subject=f"Question {index}", service_id=cast.alice_vps.pk)
    client.get(reverse("portal:requests"))  # warm the session

    with django_assert_max_num_queries(6) as small:
        client.get(reverse("portal:requests"))
    for index in range(27):
        write = cast.answered if index % 2 else cast.open  # every other one answered
        write(subject=f"Question {index + 3}", service_id=cast.alice_vps.pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(reverse("portal:all")).context["page"].object_list) == 25
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("portal:requests"))


def add_conversation(cast, ticket, count):
    """``count`` public messages, client and staff in turn, each with a file; the staff
    answers are rated. Ends with a staff answer, so the client has something unread."""
    for index in range(count):
        if index % 2 == count % 2:
            services.client_reply(cast.alice, ticket.number, body=f"Client {index}",
                                  files=[(f"c{index}.txt", b"client")])
        else:
            message = services.reply(cast.john, ticket.number, body=f"Staff {index}",
                                       close=False, files=[(f"s{index}.png", png_bytes())])
            services.rate(cast.alice, ticket.number, message_id=message.pk, value="good")


def test_ticket_page_runs_the_same_queries_for_3_and_30_messages(
        cast, logged_in, django_assert_max_num_queries):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    add_conversation(cast, ticket, 2)
    client = logged_in(cast.alice)
    client.get(reverse("portal:requests"))  # warm the session

    with django_assert_max_num_queries(9) as small:
        response = client.get(ticket_url(ticket))
    assert len(response.context["conversation"]) == 3
    add_conversation(cast, ticket, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(ticket_url(ticket))

    assert len(response.context["conversation"]) == 30
    assert html(response).count("You rated this answer") == 15


def test_an_absurd_ticket_number_is_a_plain_404(cast, logged_in):
    client = logged_in(cast.alice)
    assert client.get("/portal/requests/99999999999999999999999/").status_code == 404
    assert client.get("/portal/requests/999999999999999999/").status_code == 404

"""Zapros in a real browser: Playwright drives Debian's Chromium against a live server.

Chromium is never downloaded: the tests use the system's ``chromium``. Without it (or without
the playwright package) they are skipped, unless ``ZAPROS_REQUIRE_BROWSER=1`` (set by
``make test`` in CI), which turns the skip into a failure. Every step leaves a screenshot in
``test-artifacts/browser/<database>/``.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from conftest import PASSWORD
from zapros.clients import services as client_services
from zapros.tickets.models import Ticket
from zapros.tickets.states import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def _unavailable(reason: str):
    if os.environ.get("ZAPROS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and ZAPROS_REQUIRE_BROWSER=1 requires the browser tests")
    pytest.skip(reason)


def chromium_path() -> str | None:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found if os.path.exists(found) else None


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module; every test gets its own contexts (cookies)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium is not installed (Debian package: chromium)")
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses
    # database calls from a thread with a running loop unless told that this is deliberate.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Session:
    """One person's browser window: a page of its own context, and screenshots of its steps."""

    def __init__(self, journey, name: str):
        self.journey = journey
        self.name = name
        self.context = journey.browser.new_context(
            base_url=journey.base_url, locale="en-US", viewport={"width": 1280, "height": 900}
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda error: journey.errors.append(f"{name}: {error}"))
        # data-confirm asks before destructive actions; a person would say yes.
        self.page.on("dialog", lambda dialog: dialog.accept())

    def _console(self, message):
        # Failed loads are reported by _response, with their address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.journey.errors.append(f"{self.name}: {message.text}")

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.journey.errors.append(f"{self.name}: {response.status} {response.url}")

    def step(self, label: str) -> None:
        self.journey.step(self, label)

    def log_in(self, user, lands_on: str) -> None:
        page = self.page
        page.goto(reverse("login"))
        page.get_by_label("E-mail", exact=True).fill(user.email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        self.step("log in")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(re.escape(reverse(lands_on)) + "$"))
        self.step("logged in")


class Journey:
    def __init__(self, browser, base_url: str, folder: Path):
        self.browser = browser
        self.base_url = base_url
        self.folder = folder
        self.count = 0
        self.errors: list[str] = []
        self.sessions: list[Session] = []

    def session(self, name: str) -> Session:
        session = Session(self, name)
        self.sessions.append(session)
        return session

    def step(self, session: Session, label: str) -> None:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        session.page.screenshot(
            path=str(self.folder / f"{self.count:02d}-{session.name}-{slug}.png"), full_page=True
        )

    def close(self) -> None:
        for session in self.sessions:
            session.context.close()


@pytest.fixture
def journey(request, browser, live_server, transactional_db):
    """Windows on the live server for several people; screenshots under the test's name.

    Console errors (a Content-Security-Policy violation, a failed script) and error responses
    fail the test."""
    folder = ARTIFACTS / connection.vendor / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    journey = Journey(browser, live_server.url, folder)
    yield journey
    journey.close()
    assert journey.errors == [], "the browser reported errors"


def test_login_page_renders_and_a_client_lands_on_their_requests(journey, cast):
    alice = journey.session("alice")
    page = alice.page

    page.goto(reverse("login"))
    assert page.title().startswith("Log in")
    assert page.get_by_role("heading", name="Log in").is_visible()
    alice.step("login page")

    page.get_by_label("E-mail", exact=True).fill(cast.alice.email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().strip() == "The e-mail or the password is wrong."
    alice.step("wrong password")

    alice.log_in(cast.alice, lands_on="portal:requests")
    assert page.get_by_role("heading", name="Requests").is_visible()


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_a_request_goes_from_the_client_to_john_and_back_into_the_archive(journey, cast):
    from zapros.demo.management.commands.demo import screenshot_png

    subject = "Mail to orders@ bounces"
    question = "Every mail sent to orders@alice.example comes back. Screenshot attached."
    answer = "The mailbox was full; we raised its quota to 10 GB."

    # Alice opens a request with a screenshot.
    alice = journey.session("alice")
    a = alice.page
    alice.log_in(cast.alice, lands_on="portal:requests")
    a.get_by_role("navigation", name="Main").get_by_role("link", name="Open a request").click()
    a.get_by_label("Department").select_option(label=cast.tech.name)
    a.get_by_label("Subject").fill(subject)
    a.get_by_label("Type").select_option(label="Question")
    a.get_by_label("Service").select_option(label=str(cast.alice_hosting))
    a.get_by_label("Description").fill(question)
    a.get_by_label("Attachments").set_input_files(
        [{"name": "bounce.png", "mimeType": "image/png",
          "buffer": screenshot_png("Undelivered mail", (180, 40, 40))}]
    )
    alice.step("new request")
    a.get_by_role("button", name="Send the request").click()
    a.wait_for_url(re.compile(r"/portal/requests/\d+/"))
    number = int(re.search(r"/requests/(\d+)/", a.url).group(1))
    expect(a.get_by_role("heading", name=subject)).to_be_visible()
    expect(a.get_by_text(question)).to_be_visible()
    expect(a.locator("a[download]", has_text="bounce.png")).to_be_visible()
    alice.step("request opened")

    # John finds it in his queue, takes it and answers with "Send and close".
    john = journey.session("john")
    j = john.page
    john.log_in(cast.john, lands_on="staff:queue")
    expect(j.get_by_role("link", name=subject)).to_be_visible()
    j.get_by_role("link", name=subject).click()
    j.wait_for_url(re.compile(rf"/staff/tickets/{number}/$"))
    john.step("ticket before taking")
    j.get_by_role("button", name="Take", exact=True).click()
    reply = j.get_by_role("form", name="Reply")
    expect(reply).to_be_visible()
    john.step("taken")
    reply.get_by_label("Reply").fill(answer)
    reply.get_by_label("Internal comment").fill("Quota was at 100 %.")
    john.step("answer typed")
    reply.locator("button[name=action][value=send_and_close]").click()
    j.wait_for_url(re.compile(r"/staff/$"))
    john.step("queue after send and close")

    # Alice sees "New messages", reads the answer, and archives the request.
    a.goto(reverse("portal:requests"))
    row = a.get_by_role("row").filter(has_text=subject)
    expect(row).to_contain_text("New messages")
    alice.step("new messages")
    row.get_by_role("link", name=subject).click()
    expect(a.get_by_text(answer)).to_be_visible()
    expect(a.get_by_text("Quota was at 100 %.")).to_have_count(0)
    alice.step("answer read")
    a.goto(reverse("portal:requests"))
    expect(a.get_by_role("row").filter(has_text=subject)).to_contain_text("Viewed")
    alice.step("viewed")
    a.get_by_role("row").filter(has_text=subject).get_by_role("link", name=subject).click()
    a.get_by_role("button", name="Archive").click()
    expect(a.get_by_role("complementary", name="About this request")).to_contain_text("Archived")
    expect(a.get_by_role("button", name="Archive")).to_have_count(0)
    alice.step("archived")
    a.goto(reverse("portal:requests"))
    expect(a.get_by_role("row").filter(has_text=subject)).to_have_count(0)
    a.goto(reverse("portal:all"))
    expect(a.get_by_role("row").filter(has_text=subject)).to_contain_text("Archived")
    alice.step("all requests")

    ticket = Ticket.objects.get(number=number)
    assert (ticket.state, ticket.assignee_id, ticket.client_unread) == (
        State.ARCHIVED, cast.john.pk, False)
    assert ticket.attachments.get().original_name == "bounce.png"


def test_john_transfers_a_request_to_billing_and_answers_it_from_a_template(journey, cast):
    from zapros.tickets import services

    services.create_template(cast.admin, title="Greeting", body="Hello {client_name}.")
    services.create_template(
        cast.admin, title="Invoice resent",
        body="Dear {client_name}, we sent the invoice for request #{ticket_number} again.",
    )
    ticket = cast.open(subject="Invoice did not arrive", body="Where is my invoice?")
    client_services.update_client_comment(cast.admin, cast.alice.pk, body="Pays on the 5th")

    # John takes it and copies it to Billing: the timeline says so, and he keeps it.
    john = journey.session("john")
    j = john.page
    john.log_in(cast.john, lands_on="staff:queue")
    j.goto(reverse("staff:ticket", args=[ticket.number]))
    j.get_by_role("button", name="Take", exact=True).click()
    expect(j.get_by_role("form", name="Reply")).to_be_visible()
    j.get_by_label("Transfer to").select_option(label=cast.billing.name)
    john.step("transfer chosen")
    j.get_by_role("button", name="Transfer", exact=True).click()
    expect(j.locator(".system-line", has_text="Request copied to Billing")).to_be_visible()
    expect(j.get_by_role("form", name="Reply")).to_be_visible()
    john.step("transferred")

    # Gary works in Billing too now: the request shows in his queue.
    cast.billing.members.add(cast.gary)
    cast.tech.members.remove(cast.gary)
    gary = journey.session("gary")
    g = gary.page
    gary.log_in(cast.gary, lands_on="staff:queue")
    expect(g.get_by_role("link", name="Invoice did not arrive")).to_be_visible()
    gary.step("queue of billing")

    # John picks a template by typing, Enter inserts it filled in.
    reply = j.get_by_role("form", name="Reply")
    reply.get_by_label("Reply").fill("Sorry for the delay.")
    picker = reply.get_by_placeholder("Type to filter")
    picker.fill("invoice")
    expect(reply.get_by_label("Response template")).to_have_value(
        str(cast.admin.response_templates.model.objects.get(title="Invoice resent").pk))
    john.step("template filtered")
    picker.press("Enter")
    body = reply.get_by_label("Reply")
    expect(body).to_have_value(re.compile(
        rf"^Sorry for the delay\.\n\nDear Alice Client, we sent the invoice for request "
        rf"#{ticket.number} again\.$"))
    expect(body).to_be_focused()
    john.step("template inserted")

    # The client context: the page of the client, and the filter that follows John around.
    j.get_by_role("link", name="Client page").click()
    expect(j.get_by_role("heading", name="Alice Client")).to_be_visible()
    expect(j.get_by_text("Pays on the 5th")).to_be_visible()
    john.step("client page")
    j.get_by_role("button", name="Filter by this client").click()
    j.wait_for_url(re.compile(r"/staff/$"))
    chip = j.get_by_role("form", name="Client filter")
    expect(chip).to_contain_text("Client: Alice Client")
    j.get_by_role("link", name="Templates", exact=True).click()
    expect(j.get_by_role("form", name="Client filter")).to_be_visible()
    john.step("filter on the templates page")
    j.get_by_role("button", name="Clear the client filter").click()
    expect(j.get_by_role("form", name="Client filter")).to_have_count(0)
    john.step("filter cleared")

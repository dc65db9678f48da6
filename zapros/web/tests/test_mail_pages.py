"""The workspace pages of the mail channel: access as a matrix, query counts at two sizes, and
the wiring of each action (the rules are tested in zapros/mail/tests)."""

import pytest
from django.urls import reverse

from zapros.mail import ingest, secrets
from zapros.mail.models import InboundMail, MailGateway
from zapros.mail.tests.conftest import make_gateway
from zapros.mail.tests.corpus import STRANGER, plain
from zapros.tickets.models import Ticket

from .conftest import browser_for

pytestmark = pytest.mark.usefixtures("mail_key")

ROLES = ["anonymous", "alice", "bob", "john", "gary", "supervisor", "admin"]


def waiting(gateway, n=1):
    for i in range(n):
        assert ingest.receive(gateway, plain(
            f"Body {i} <script>alert(1)</script>", sender=f"s{i}@example.org",
            subject=f"Question {i}")) == "incoming"
    return InboundMail.objects.order_by("-id").first()


@pytest.mark.parametrize("role", ROLES)
def test_incoming_pages_access_matrix(client, cast, role):
    billing = make_gateway(cast.billing, address="billing@zapros.test")
    assert ingest.receive(billing, plain("Hi", sender=STRANGER, to="billing@zapros.test"))
    mail = InboundMail.objects.get()
    browser_for(cast, client, role)
    listing = client.get(reverse("staff:incoming"))
    page = client.get(reverse("staff:incoming_mail", args=[mail.pk]))
    if role == "anonymous":
        assert listing.status_code == page.status_code == 302
        return
    if role in ("alice", "bob"):
        assert listing.status_code == page.status_code == 404
        return
    assert listing.status_code == 200
    # John and Gary work in Technical support (and Sales); the mail came to Billing.
    sees = role in ("supervisor", "admin")
    assert (b"/incoming/%d/" % mail.pk in listing.content) == sees
    assert page.status_code == (200 if sees else 404)


@pytest.mark.parametrize("size", [1, 12])
def test_incoming_list_runs_constant_queries(client, cast, gateway, size,
                                             django_assert_max_num_queries):
    waiting(gateway, size)
    client.force_login(cast.john)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("staff:incoming"))
    assert response.content.count(b"Question") == size


def test_incoming_mail_page_shows_sanitised_content_and_sorts(client, cast, gateway):
    mail = waiting(gateway)
    client.force_login(cast.john)
    page = client.get(reverse("staff:incoming_mail", args=[mail.pk]))
    assert b"<script>alert" not in page.content and b"&lt;script&gt;" in page.content
    response = client.post(reverse("staff:incoming_mail", args=[mail.pk]),
                           {"action": "attach", "client": "BOB@example.com"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "staff:ticket", args=[ticket.number])
    assert ticket.client.user == cast.bob


def test_incoming_mail_page_shows_refusals_without_changes(client, cast, gateway):
    hidden = cast.open(department=cast.billing)
    mail = waiting(gateway)
    client.force_login(cast.john)
    response = client.post(reverse("staff:incoming_mail", args=[mail.pk]),
                           {"action": "append", "number": str(hidden.number)})
    assert response.status_code == 200
    assert b"There is no request with this number" in response.content
    mail.refresh_from_db()
    assert mail.status == "incoming" and hidden.messages.count() == 1


def test_discard_and_restore_through_the_page(client, cast, gateway):
    mail = waiting(gateway)
    client.force_login(cast.john)
    client.post(reverse("staff:incoming_mail", args=[mail.pk]), {"action": "discard"})
    mail.refresh_from_db()
    assert mail.status == "discarded"
    listing = client.get(reverse("staff:incoming") + "?status=discarded")
    assert b"Question 0" in listing.content
    page = client.get(reverse("staff:incoming_mail", args=[mail.pk])).content.decode()
    # The page says who put the mail aside, and offers bringing it back.
    assert "<dd>Discarded · John Smith" in page and 'value="restore"' in page
    assert 'value="discard"' not in page
    client.post(reverse("staff:incoming_mail", args=[mail.pk]), {"action": "restore"})
    mail.refresh_from_db()
    assert mail.status == "incoming"
    page = client.get(reverse("staff:incoming_mail", args=[mail.pk])).content.decode()
    assert 'value="discard"' in page and 'value="restore"' not in page
    assert "Restored to Incoming · John Smith" in page


@pytest.mark.parametrize("role", ROLES)
def test_gateway_pages_are_for_admins_only(client, cast, gateway, role):
    browser_for(cast, client, role)
    urls = [reverse("staff:gateways"), reverse("staff:gateway_new"),
            reverse("staff:gateway", args=[gateway.pk]),
            reverse("staff:gateway_edit", args=[gateway.pk])]
    codes = {client.get(url).status_code for url in urls}
    posts = {client.post(reverse(name, args=[gateway.pk])).status_code
             for name in ("staff:gateway_test", "staff:gateway_poll")}
    expected = {"anonymous": 302, "admin": 200}.get(role, 404)
    assert codes == {expected}
    assert posts == ({302} if role in ("anonymous", "admin") else {404})
    gateway.refresh_from_db()
    if role != "admin":
        assert gateway.last_polled_at is None


@pytest.mark.parametrize("size", [1, 8])
def test_gateway_pages_run_constant_queries(client, cast, size, django_assert_max_num_queries):
    for n in range(size):
        g = make_gateway(cast.tech, address=f"g{n}@zapros.test")
        ingest.receive(g, plain("Away", to=f"g{n}@zapros.test", extra="Precedence: bulk"))
    client.force_login(cast.admin)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("staff:gateways")).status_code == 200
    with django_assert_max_num_queries(8):
        page = client.get(reverse("staff:gateway", args=[g.pk]))
    assert b"Precedence: bulk" in page.content


def test_admin_creates_and_edits_a_gateway_with_an_encrypted_password(client, cast):
    client.force_login(cast.admin)
    data = {"name": "Support", "protocol": "imap", "host": "mail.example", "port": "993",
            "security": "ssl", "login": "support", "password": "s3cret!", "folder": "INBOX",
            "address": "Support@Example.com", "department": str(cast.tech.pk),
            "poll_interval": "3", "enabled": "on", "pop3_mode": "keep"}
    response = client.post(reverse("staff:gateway_new"), data)
    gateway = MailGateway.objects.get()
    assert response.status_code == 302
    assert gateway.address == "support@example.com"
    assert "s3cret" not in gateway.password_encrypted
    assert secrets.decrypt(gateway.password_encrypted) == "s3cret!"
    client.post(reverse("staff:gateway_edit", args=[gateway.pk]),
                {**data, "password": "", "poll_interval": "5"})
    gateway.refresh_from_db()
    assert gateway.poll_interval == 5 and secrets.decrypt(gateway.password_encrypted) == "s3cret!"


def test_gateway_form_refusals_change_nothing(client, cast):
    client.force_login(cast.admin)
    bad = {"name": "X", "protocol": "imap", "host": "h", "port": "70000", "security": "ssl",
           "login": "l", "password": "p", "folder": "INBOX", "address": "not-an-address",
           "department": str(cast.tech.pk), "poll_interval": "3", "pop3_mode": "keep"}
    response = client.post(reverse("staff:gateway_new"), bad)
    assert response.status_code == 200 and MailGateway.objects.count() == 0
    response = client.post(reverse("staff:gateway_new"),
                           {**bad, "port": "993", "address": "a@b.example", "password": ""})
    assert response.status_code == 200 and MailGateway.objects.count() == 0


def test_test_connection_reports_the_error_quickly(client, cast, gateway):
    client.force_login(cast.admin)
    response = client.post(reverse("staff:gateway_test", args=[gateway.pk]), follow=True)
    assert b"The connection failed" in response.content


def test_the_key_comes_from_the_environment_or_debug(settings):
    from django.core.exceptions import ImproperlyConfigured

    token = secrets.encrypt("pw")
    assert secrets.decrypt(token) == "pw"
    settings.ZAPROS_MAIL_KEY = ""
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        secrets.encrypt("pw")
    settings.DEBUG = True
    assert secrets.decrypt(secrets.encrypt("pw")) == "pw"
    with pytest.raises(Exception, match="ZAPROS_MAIL_KEY"):
        secrets.decrypt(token)


def test_quoted_history_folds_in_the_conversation(client, cast, gateway):
    ticket = cast.open()
    raw = plain("Still broken.\n\nOn Mon, 3 Mar 2025 John wrote:\n> Try again",
                subject=f"Re: [#{ticket.number}]")
    assert ingest.receive(gateway, raw) == "reply"
    for user, url in ((cast.john, reverse("staff:ticket", args=[ticket.number])),
                      (cast.alice, reverse("portal:ticket", args=[ticket.number]))):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert "Still broken." in page
        assert '<details class="quoted">' in page and "&gt; Try again" in page

"""Files of a received mail on the Incoming page: downloads for staff who may see the mail,
404 for everyone else, served so that a browser never runs them; cid: images shown from our
own copy and remote images never loaded."""

import pytest
from django.urls import reverse

from zapros.mail import incoming, ingest
from zapros.mail.models import InboundMail
from zapros.mail.tests.conftest import make_gateway
from zapros.mail.tests.corpus import PNG, STRANGER, file_part, multipart, text_part

from .conftest import browser_for

ROLES = ["anonymous", "alice", "bob", "john", "gary", "supervisor", "admin"]
SCRIPT = b"<html><script>alert(1)</script></html>"


pytestmark = pytest.mark.usefixtures("mail_key")


def with_files(gateway, to="support@zapros.test"):
    raw = multipart([
        text_part('<p>See <img src="cid:shot1" alt="shot"> and '
                  '<img src="https://tracker.example/pixel.gif" alt="pixel"></p>', "html"),
        file_part('filename="shot.png"', PNG, "image/png", inline=True, content_id="shot1"),
        file_part('filename="page.html"', SCRIPT, "text/html"),
    ], sender=STRANGER, to=to)
    assert ingest.receive(gateway, raw) == "incoming"
    return InboundMail.objects.order_by("-id").first()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("discarded", [False, True])
def test_incoming_files_access_matrix(client, cast, role, discarded):
    """The mail came to Technical support: John and Gary (agents there), the supervisor and
    the administrator download; agents elsewhere and clients get 404; a discarded mail's
    files stay reachable for the same people."""
    mail = with_files(make_gateway(cast.tech))
    if discarded:
        incoming.discard(cast.john, mail.pk)
    browser_for(cast, client, role)
    url = reverse("staff:incoming_file", args=[mail.pk, 2])
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.url
        return
    if role in ("alice", "bob"):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SCRIPT
    # Never shown as a page: downloaded, opaque, not sniffed, sandboxed.
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="page.html"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("role", ["john", "gary", "alice"])
def test_agent_of_another_department_gets_404(client, cast, role):
    mail = with_files(make_gateway(cast.billing, address="billing@zapros.test"),
                      to="billing@zapros.test")
    client.force_login(getattr(cast, role))
    assert client.get(reverse("staff:incoming_file", args=[mail.pk, 1])).status_code == 404
    assert client.get(reverse("staff:incoming_file", args=[mail.pk, 2])).status_code == 404
    # ... while Billing's own agent (made here: the cast has none) downloads.
    from conftest import make_staff

    biller = make_staff("biller@zapros.test", "Bill", departments=[cast.billing])
    client.force_login(biller)
    assert client.get(reverse("staff:incoming_file", args=[mail.pk, 2])).status_code == 200


def test_unknown_file_numbers_and_other_mails_are_404(client, cast):
    gateway = make_gateway(cast.tech)
    mail = with_files(gateway)
    client.force_login(cast.supervisor)
    for number in (0, 3, 99, 2**63):
        url = f"/staff/incoming/{mail.pk}/files/{number}/"
        assert client.get(url).status_code == 404, number
    assert client.get(reverse("staff:incoming_file", args=[mail.pk + 1000, 1])).status_code == 404
    # A mail that opened a request is not in Incoming: its files are served with the request.
    alice_mail = multipart([text_part("Hi"), file_part('filename="a.png"', PNG, "image/png")],
                           sender=cast.alice.email)
    assert ingest.receive(gateway, alice_mail) == "ticket"
    ticket_mail = InboundMail.objects.order_by("-id").first()
    assert client.get(reverse("staff:incoming_file", args=[ticket_mail.pk, 1])).status_code == 404


def test_cid_image_opens_inline_and_download_is_forced(client, cast):
    mail = with_files(make_gateway(cast.tech))
    client.force_login(cast.john)
    url = reverse("staff:incoming_file", args=[mail.pk, 1])
    shown = client.get(url)
    assert shown["Content-Type"] == "image/png"
    assert not shown["Content-Disposition"].startswith("attachment")
    assert b"".join(shown.streaming_content) == PNG
    downloaded = client.get(url + "?download")
    assert downloaded["Content-Disposition"].startswith("attachment;")


def test_page_links_files_shows_cid_images_and_blocks_remote_ones(client, cast):
    mail = with_files(make_gateway(cast.tech))
    client.force_login(cast.john)
    page = client.get(reverse("staff:incoming_mail", args=[mail.pk])).content.decode()
    first = reverse("staff:incoming_file", args=[mail.pk, 1])
    second = reverse("staff:incoming_file", args=[mail.pk, 2])
    assert f'<img src="{first}" alt="shot">' in page
    assert "tracker.example" not in page and "cid:" not in page
    assert f'href="{first}?download"' in page and f'href="{second}?download"' in page
    assert "shot.png" in page and "page.html" in page


@pytest.mark.parametrize("files", [1, 6])
def test_file_and_page_take_constant_queries(client, cast, files, django_assert_max_num_queries):
    parts = [text_part("Files")] + [
        file_part(f'filename="f{n}.png"', PNG, "image/png") for n in range(files)]
    assert ingest.receive(make_gateway(cast.tech), multipart(parts, sender=STRANGER)) == "incoming"
    mail = InboundMail.objects.get()
    client.force_login(cast.john)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("staff:incoming_file", args=[mail.pk, files])).status_code == 200
    with django_assert_max_num_queries(8):
        page = client.get(reverse("staff:incoming_mail", args=[mail.pk]))
    assert page.content.count(b"?download") == files

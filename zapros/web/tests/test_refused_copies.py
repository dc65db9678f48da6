"""A mail the SMTP server accepted for some recipients and refused for others."""

from zapros.notify.models import OutgoingMail
from zapros.tickets import services

from .conftest import ticket_url


def test_a_refused_copy_shows_to_staff_as_failed_mail(
        cast, logged_in, smtp_server, django_capture_on_commit_callbacks):
    ticket = cast.held()
    services.add_cc(cast.alice, ticket.number, "gone@example.com")
    smtp_server.refuse["gone@example.com"] = "550 5.1.1 No such user"
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(cast.john, ticket.number, body="Answer", close=False)
    mail = OutgoingMail.objects.get(cc=["gone@example.com"])
    assert [envelope.rcpt_tos for envelope in smtp_server.envelopes] == [["alice@example.com"]]
    assert mail.status == OutgoingMail.Status.FAILED

    html = logged_in(cast.john).get(ticket_url(ticket)).content.decode()
    assert ("Mail to gone@example.com failed: gone@example.com: 550 5.1.1 No such user"
            in html)
    assert ticket_url(ticket, "retry_mail", mail.pk) in html

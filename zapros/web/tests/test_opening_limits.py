"""Opening too many requests in the portal: a clear error on the form, nothing written."""

from django.urls import reverse

from zapros.tickets.models import Ticket


def test_one_too_many_shows_the_wait_on_the_form(cast, logged_in, settings):
    settings.ZAPROS_OPEN_LIMIT = 1
    client = logged_in(cast.alice)
    data = {"department": cast.tech.pk, "subject": "Mail is down", "type": "bug",
            "service": cast.alice_hosting.pk, "body": "No mail arrives."}
    assert client.post(reverse("portal:new"), data).status_code == 302
    response = client.post(reverse("portal:new"), data)
    assert response.status_code == 200
    assert "You have opened many requests in a short time" in response.content.decode()
    assert 'value="Mail is down"' in response.content.decode()   # nothing typed is lost
    assert Ticket.objects.count() == 1

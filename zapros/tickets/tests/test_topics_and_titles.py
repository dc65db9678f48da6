"""Topics: the staff title they generate, the department and deadline they bring."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import DEFAULT_RESPONSE, make_policy
from zapros.core.errors import ValidationFailed
from zapros.tickets import services
from zapros.tickets.models import Event, Ticket, Topic
from zapros.tickets.services.creation import staff_title


@pytest.fixture
def camera(cast):
    topic = Topic.objects.create(name="Camera fault", department=cast.billing)
    make_policy("Cameras", topics=[topic], first_response=timedelta(hours=2),
                next_response=timedelta(hours=2))
    return topic


def test_the_title_names_the_topic_and_the_service(cast, camera):
    cast.alice_vps.name = "MOS_12_23, 10 Lermontova st."
    cast.alice_vps.save()
    ticket = cast.open(subject="No picture", topic_id=camera.pk, service_id=cast.alice_vps.pk)
    assert cast.refresh(ticket).title == "Camera fault MOS_12_23, 10 Lermontova st."


def test_the_title_without_a_topic_or_a_service(cast, camera):
    with_service = cast.open(subject="Site is down", service_id=cast.alice_hosting.pk)
    topic_only = cast.open(subject="No picture", topic_id=camera.pk)
    plain = cast.open(subject="Question")
    assert cast.refresh(with_service).title == "Site is down · Hosting Pro"
    assert cast.refresh(topic_only).title == "No picture"
    assert cast.refresh(plain).title == "Question"


def test_a_long_title_is_cut_to_the_field():
    class Named:
        name = "x" * 150

    assert len(staff_title("y" * 200, Named(), Named())) == 200


def test_a_topic_routes_the_ticket_and_sets_its_deadline(cast, camera):
    ticket = cast.refresh(cast.open(topic_id=camera.pk))  # Alice chose Technical support
    assert (ticket.topic, ticket.department) == (camera, cast.billing)
    assert ticket.reply_due_at == ticket.created_at + timedelta(hours=2)


def test_a_topic_without_department_keeps_the_chosen_one_and_its_deadline(cast):
    general = Topic.objects.create(name="General question")
    ticket = cast.refresh(cast.open(topic_id=general.pk))
    assert ticket.department == cast.tech
    assert ticket.reply_due_at == ticket.created_at + DEFAULT_RESPONSE


@pytest.mark.parametrize("topic", ["inactive", "missing", "junk"])
def test_an_inactive_or_unknown_topic_is_refused_and_nothing_is_written(cast, camera, topic):
    camera.active = False
    camera.save()
    value = {"inactive": camera.pk, "missing": 999_999, "junk": "x"}[topic]
    with pytest.raises(ValidationFailed) as refused:
        cast.open(topic_id=value)
    assert refused.value.field == "topic"
    assert (Ticket.objects.count(), Event.objects.count()) == (0, 0)


def test_changing_the_topic_moves_the_reply_deadline_but_not_the_department(cast, camera):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    before = cast.refresh(ticket)
    services.save_parameters(cast.john, ticket.number, topic=camera.pk)
    after = cast.refresh(ticket)
    assert after.topic == camera and after.department == cast.tech
    assert after.reply_due_at == before.reply_due_at - DEFAULT_RESPONSE + timedelta(hours=2)
    event = Event.objects.filter(ticket=ticket, kind=Event.Kind.PARAMETERS).get()
    assert event.data["changes"] == {"topic": [None, camera.pk]}


def test_a_message_that_starts_no_deadline_does_not_look_up_the_topic(cast, camera):
    # Both in Billing, so that only the topic differs; the client's second message finds a
    # deadline running.
    plain, with_topic = cast.open(department=cast.billing), cast.open(topic_id=camera.pk)
    counts = []
    for ticket in (plain, with_topic):
        with CaptureQueriesContext(connection) as queries:
            services.client_reply(cast.alice, ticket.number, body="Any news?")
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert cast.refresh(with_topic).reply_due_at == with_topic.created_at + timedelta(hours=2)

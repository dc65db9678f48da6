"""The response deadlines set on departments and topics become SLA policies, and every request
waiting for our answer gets the clock its deadline already ran as.

Before policies, a request's deadline was its topic's response time when the topic had one,
else its department's, counted around the clock. The same answers come out of: one policy
per topic with a deadline (first, as topics won), one per department whose deadline is not
the default, and the default policy with the default three days. No resolution target:
nothing tracked it before.
"""

from datetime import timedelta

from django.db import migrations

DEFAULT = timedelta(days=3)
FIRST, NEXT = "first_response", "next_response"


def forwards(apps, schema_editor):
    Policy = apps.get_model("sla", "Policy")
    Revision = apps.get_model("sla", "Revision")
    Clock = apps.get_model("sla", "Clock")
    Department = apps.get_model("accounts", "Department")
    Topic = apps.get_model("tickets", "Topic")
    Ticket = apps.get_model("tickets", "Ticket")
    Revision.objects.create(value=1)
    names = set()

    def unique(name):
        candidate, n = name[:110], 2
        while candidate in names:
            candidate, n = f"{name[:100]} ({n})", n + 1
        names.add(candidate)
        return candidate

    position = 10
    for topic in Topic.objects.exclude(response_deadline=None).order_by("name"):
        policy = Policy.objects.create(
            name=unique(topic.name), position=position,
            first_response=topic.response_deadline, next_response=topic.response_deadline,
        )
        policy.topics.add(topic)
        position += 10
    for department in Department.objects.exclude(response_deadline=DEFAULT).order_by("name"):
        policy = Policy.objects.create(
            name=unique(department.name), position=position,
            first_response=department.response_deadline,
            next_response=department.response_deadline,
        )
        policy.departments.add(department)
        position += 10
    Policy.objects.create(name=unique("Default"), is_default=True, position=position,
                                    first_response=DEFAULT, next_response=DEFAULT)

    # The deadlines running now, as the clocks they were. Which policy would have set each is
    # left to the request's next change, which matches it (to the same target).
    waiting = Ticket.objects.filter(needs_reply=True, reply_due_at__isnull=False).values_list(
        "pk", "reply_due_at", "waiting_since", "last_staff_public_at", "created_at")
    batch = []
    for pk, due, since, answered, created in waiting.iterator(chunk_size=2000):
        start = since or created
        target = due - start if due > start else DEFAULT
        batch.append(Clock(
            ticket_id=pk, metric=NEXT if answered else FIRST, state="running",
            policy_name="", target=target, started_at=start, due_at=due,
            reason={"start": "migrated"}, updated_at=start,
        ))
        if len(batch) >= 2000:
            Clock.objects.bulk_create(batch)
            batch = []
    Clock.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        ("tickets", "0014_ticket_sla_fields"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]

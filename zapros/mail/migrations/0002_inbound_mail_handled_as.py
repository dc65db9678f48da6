from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery


def backfill(apps, schema_editor):
    """What mail sorted before the field existed evidently was: a discarded mail was
    discarded, a waiting one that someone handled was restored, and a sorted one opened its
    request if it is that request's first message, else it was added to a request. (Whether
    the sender was registered then is not known; it reads as attached.)"""
    InboundMail = apps.get_model("mail", "InboundMail")
    Message = apps.get_model("tickets", "Message")
    handled = InboundMail.objects.filter(handled_by__isnull=False, handled_as="")
    handled.filter(status="discarded").update(handled_as="discarded")
    handled.filter(status="incoming").update(handled_as="restored")
    first = Message.objects.filter(ticket=OuterRef("ticket")).values("ticket").annotate(
        first=Min("id")).values("first")
    sorted_mail = handled.filter(status="attached").annotate(first=Subquery(first))
    for mail in sorted_mail.only("pk", "ticket_message_id"):
        appended = mail.ticket_message_id != mail.first
        InboundMail.objects.filter(pk=mail.pk).update(
            handled_as="appended" if appended else "attached")


class Migration(migrations.Migration):

    dependencies = [
        ("mail", "0001_gateways_and_received_mail"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboundmail",
            name="handled_as",
            field=models.CharField(blank=True, choices=[("attached", "Opened a request for a client"), ("registered", "Registered the sender and opened a request"), ("appended", "Added to a request"), ("discarded", "Discarded"), ("restored", "Restored to Incoming")], max_length=12, verbose_name="sorted as"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

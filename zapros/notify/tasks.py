"""Background sending of the outbox. The rules (claiming, back-off, giving up) are outbox's."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import outbox


@db_task()
def send_mail(pk: int):
    outbox.send(pk)


@db_periodic_task(crontab(minute="*"))
def send_due_mail():
    outbox.send_due()

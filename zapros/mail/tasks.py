"""Background jobs of the mail channel: each loads what it needs and calls the poller."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import polling


@db_periodic_task(crontab(minute="*"))
def poll_mail_gateways():
    polling.poll_due()


@db_task()
def poll_gateway(gateway_id: int):
    polling.poll(gateway_id)

"""Background jobs of the API."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .models import IdempotencyKey


@db_periodic_task(crontab(minute="41"))
def sweep_idempotency_keys():
    IdempotencyKey.sweep()

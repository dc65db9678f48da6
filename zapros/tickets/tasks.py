"""Background jobs of the ticket domain. Each loads what it needs and calls a service."""

from datetime import timedelta

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import deadlines
from .services import automation


@db_periodic_task(crontab(minute="17"))
def archive_inactive_tickets():
    days = settings.ZAPROS_AUTO_ARCHIVE_DAYS
    if days > 0:
        automation.archive_inactive(after=timedelta(days=days))


@db_periodic_task(crontab(minute="*/15"))
def resume_frozen_tickets():
    automation.resume_due()


@db_periodic_task(crontab(minute="*"))
def escalate_deadlines():
    """Every minute: SLA warnings, breaches and the later steps of the escalation ladders."""
    deadlines.sweep()

"""The SLA clocks of tickets, kept in step with every operation.

The rules are pure (:mod:`zapros.sla.clocks` on :mod:`zapros.sla.businesstime`); this module
reads a ticket's policy and clocks, applies them and writes the result in the operation's
transaction.
"""

from collections.abc import Iterable

from django.db.models import F

from zapros.sla.models import Revision


def configuration_changed(*, calendar_ids: Iterable[int] = (), policy_ids: Iterable[int] = ()
                          ) -> None:
    """Calendars or policies were changed, in the caller's transaction: every process reads
    them again before it uses them."""
    if not Revision.objects.filter(pk=1).update(value=F("value") + 1):
        Revision.objects.create(pk=1, value=1)

"""Transfer: make a ticket active in another department or with a named agent as well."""

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import User
from zapros.core import clock
from zapros.core.errors import Conflict, ValidationFailed
from zapros.core.validation import clean_id

from .. import policies, states, writes
from ..models import Event, Share, Ticket
from ..states import Action


def transfer(
    actor: User, number: int, *, department_id: int | None = None, agent_id: int | None = None
) -> Ticket:
    """Copy the ticket to a department or to an agent: it becomes visible and active there.

    Any staff member who sees the ticket may transfer it, to any department (their own or
    not) or to any active staff member. Nothing else changes: the holder keeps the ticket and
    can go on answering. Locks the ticket row; writes a Share and a ``transferred`` event with
    the target's id and name. Raises NotFound (invisible), Forbidden (not staff),
    ValidationFailed (no target, two targets, unknown department or agent, inactive agent;
    field ``target``), InvalidTransition (archived), Conflict (already active there).
    """
    policies.ensure_staff(actor)
    if (department_id is None) == (agent_id is None):
        raise ValidationFailed(_("Choose one department or one staff member."), field="target")
    department = agent = None
    if department_id is not None:
        department = policies.transfer_departments(actor).filter(
            pk=clean_id(department_id)).first()
        if department is None:
            raise ValidationFailed(_("There is no such department."), field="target")
    else:
        agent = policies.staff_to_choose(actor).filter(pk=clean_id(agent_id)).first()
        if agent is None:
            raise ValidationFailed(
                _("Requests can only be transferred to active staff members."), field="target"
            )
    with transaction.atomic():
        ticket = policies.access_ticket(actor, number, for_update=True)
        states.next_state(ticket.state, Action.TRANSFER)  # refuses an archived ticket
        if department is not None:
            if ticket.department_id == department.pk:
                raise Conflict(_("The request is already in %(target)s.")
                               % {"target": department.name})
            already = Share.objects.filter(ticket=ticket, department=department).exists()
            target_name = department.name
        else:
            already = Share.objects.filter(ticket=ticket, agent=agent).exists()
            target_name = agent.display_name
        if already:
            raise Conflict(_("The request has already been copied to %(target)s.")
                           % {"target": target_name})
        now = clock.now()
        Share.objects.create(ticket=ticket, department=department, agent=agent,
                             created_by=actor, created_at=now)
        ticket.updated_at = now
        ticket.save(update_fields=["updated_at"])
        if department is not None:
            data = {"department": department.pk, "department_name": department.name}
        else:
            data = {"agent": agent.pk, "agent_name": agent.display_name}
        writes.record_event(ticket, actor, Event.Kind.TRANSFERRED, now, **data)
    return ticket

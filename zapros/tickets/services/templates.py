"""Response templates: canned answers with placeholders, for all staff, a department or an agent.

Supervisors and admins manage every template; an agent manages only personal templates of
their own. Which templates someone may use is :func:`policies.visible_templates`.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from zapros.accounts.models import Department, User
from zapros.core import clock
from zapros.core.errors import Forbidden, NotFound, ValidationFailed
from zapros.core.validation import clean_id

from .. import policies
from ..models import ResponseTemplate, Ticket
from ..validation import clean_body

TITLE_MAX = 200
UNSET = object()

# Only a bare name in braces is a placeholder. Anything else — "{ticket.client}", "{0}",
# "{name!r}", a lone brace in a code sample — stays as typed, so a template can never reach
# an attribute or break on punctuation.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
PLACEHOLDERS = ("client_name", "ticket_number", "agent_name", "department", "service")


def create_template(
    actor: User, *, title: str, body: str, department_id=None, agent_id=None
) -> ResponseTemplate:
    """Add a template. No department and no agent means it is for all staff.

    Supervisors and admins may create any; an agent only a personal one for themselves.
    Raises Forbidden, ValidationFailed (empty or too long title or text, unknown department or
    agent, both a department and an agent).
    """
    policies.ensure_staff(actor)
    title = clean_title(title)
    body = clean_template_body(body)
    department, agent = clean_scope(department_id, agent_id)
    ensure_can_manage_scope(actor, department, agent)
    now = clock.now()
    return ResponseTemplate.objects.create(
        title=title, body=body, department=department, agent=agent, created_by=actor,
        created_at=now, updated_at=now,
    )


def update_template(
    actor: User, template_id, *, title=UNSET, body=UNSET, department_id=UNSET, agent_id=UNSET
) -> ResponseTemplate:
    """Change the given fields of a template; the scope fields are changed together (a missing
    one counts as none). The actor must be allowed to manage the template both as it was and
    as it becomes. Locks the row. Raises NotFound, Forbidden, ValidationFailed.
    """
    policies.ensure_staff(actor)
    with transaction.atomic():
        template = access_managed_template(actor, template_id, for_update=True)
        if title is not UNSET:
            template.title = clean_title(title)
        if body is not UNSET:
            template.body = clean_template_body(body)
        if department_id is not UNSET or agent_id is not UNSET:
            department, agent = clean_scope(
                None if department_id is UNSET else department_id,
                None if agent_id is UNSET else agent_id,
            )
            ensure_can_manage_scope(actor, department, agent)
            template.department, template.agent = department, agent
        template.updated_at = clock.now()
        template.save()
    return template


def deactivate_template(actor: User, template_id) -> ResponseTemplate:
    """Hide a template from everyone's lists; it is kept, not deleted.
    Raises NotFound, Forbidden."""
    policies.ensure_staff(actor)
    with transaction.atomic():
        template = access_managed_template(actor, template_id, for_update=True)
        template.active = False
        template.updated_at = clock.now()
        template.save(update_fields=["active", "updated_at"])
    return template


def render_template(actor: User, template_id, number: int) -> str:
    """The template's text with the placeholders filled for the ticket numbered ``number``:
    {client_name}, {ticket_number}, {agent_name} (the actor), {department}, {service}.
    Unknown placeholders are left as typed. Raises NotFound for a ticket or template the actor
    does not see (clients see none).
    """
    ticket = policies.access_ticket(actor, number)
    template = policies.visible_templates(actor).filter(pk=clean_id(template_id)).first()
    if template is None:
        raise NotFound(_("There is no such template."))
    return fill(template.body, placeholder_values(actor, ticket))


def placeholder_values(actor: User, ticket: Ticket) -> dict[str, str]:
    service = ticket.service
    return {
        "client_name": ticket.client.user.display_name,
        "ticket_number": str(ticket.number),
        "agent_name": actor.display_name,
        "department": ticket.department.name,
        "service": str(service) if service else "",
    }


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), text)


# --- Checks ----------------------------------------------------------------------------------

def access_managed_template(actor: User, template_id, *, for_update=False) -> ResponseTemplate:
    """A template the actor may change: any for supervisors and admins, for an agent only
    their personal ones. Templates they cannot see at all answer NotFound."""
    templates = policies.managed_templates(actor)
    if for_update:
        templates = templates.select_for_update()
    template = templates.filter(pk=clean_id(template_id)).first()
    if template is None:
        raise NotFound(_("There is no such template."))
    ensure_can_manage_scope(actor, template.department, template.agent)
    return template


def ensure_can_manage_scope(actor: User, department, agent) -> None:
    if not policies.may_manage_template(
        actor, department.pk if department else None, agent.pk if agent else None
    ):
        raise Forbidden(_("Agents can manage only their own personal templates; templates "
                          "for a department or for all staff are managed by supervisors."))


def clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed(_("Enter a title."), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            _("The title is too long (at most %(max)d characters).") % {"max": TITLE_MAX},
            field="title",
        )
    return title


def clean_template_body(body: str | None) -> str:
    return clean_body(body, message=_("Write the text of the template."))


def clean_scope(department_id, agent_id) -> tuple[Department | None, User | None]:
    department = agent = None
    if department_id not in (None, ""):
        department = Department.objects.filter(pk=clean_id(department_id)).first()
        if department is None:
            raise ValidationFailed(_("Choose a department."), field="department")
    if agent_id not in (None, ""):
        agent = User.objects.filter(pk=clean_id(agent_id)).first()
        if agent is None or not policies.may_receive_requests(agent):
            raise ValidationFailed(_("Choose a staff member."), field="agent")
    if department is not None and agent is not None:
        raise ValidationFailed(
            _("A template is either for a department or for one agent, not both."),
            field="agent",
        )
    return department, agent


"""Response templates: list the ones the caller may use, add one, fill one in for a request.

Who sees and manages which template is decided in ``zapros.tickets`` (policies and the
template services); refusals become answers in ``zapros.api.errors``.
"""

from typing import Annotated

from ninja import Field, Path, Router, Schema, Status

from zapros.tickets import policies, services

from ..schemas import MAX_ID, DepartmentOut, ErrorOut, Id, PersonOut

router = Router(tags=["templates"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
Number = Annotated[int, Path(ge=1, le=MAX_ID, description="The request number, as in #1024.")]
TemplateId = Annotated[int, Path(ge=1, le=MAX_ID)]


class TemplateOut(Schema):
    id: int
    title: str
    body: str = Field(description="The text with placeholders such as {client_name}.")
    department: DepartmentOut | None = Field(
        None, description="Set for a department's template.")
    agent: PersonOut | None = Field(None, description="Set for an agent's personal template.")


class TemplateIn(Schema):
    title: str = Field(min_length=1)
    body: str = Field(min_length=1)
    department: Id | None = Field(None, description="Share with one department.")
    agent: Id | None = Field(
        None, description="Personal template of one agent; with neither, for all staff.")


class RenderedOut(Schema):
    text: str


def template_out(template) -> dict:
    return {
        "id": template.pk,
        "title": template.title,
        "body": template.body,
        "department": (
            {"id": template.department.pk, "name": template.department.name}
            if template.department else None
        ),
        "agent": (
            {"id": template.agent.pk, "name": template.agent.display_name}
            if template.agent else None
        ),
    }


@router.get("/templates", response={200: list[TemplateOut], **ERRORS},
            summary="List response templates")
def list_templates(request):
    """The templates the caller may use: for all staff, their departments and their own.
    Clients get an empty list."""
    templates = policies.visible_templates(request.auth).select_related("department", "agent")
    return [template_out(t) for t in templates]


@router.post("/templates", response={201: TemplateOut, **ERRORS, 422: ErrorOut},
             summary="Add a response template")
def create_template(request, payload: TemplateIn):
    """Supervisors and admins add any template; an agent only a personal one (`agent` set to
    themselves)."""
    template = services.create_template(
        request.auth, title=payload.title, body=payload.body,
        department_id=payload.department, agent_id=payload.agent,
    )
    return Status(201, template_out(template))


@router.get("/tickets/{number}/templates/{template_id}/render",
            response={200: RenderedOut, **ERRORS}, summary="Fill a template in for a request")
def render_template(request, number: Number, template_id: TemplateId):
    """The template's text with the request's client name, number, department and service and
    the caller's name filled in; unknown placeholders are left as they are."""
    return {"text": services.render_template(request.auth, template_id, number)}

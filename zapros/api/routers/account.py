"""Who the caller is."""

from ninja import Router

from zapros.accounts import roles
from zapros.accounts import services as account_services
from zapros.clients.models import Service

from .. import schemas
from ..present import service_out

router = Router(tags=["account"])


@router.get("/me", response={200: schemas.MeOut, 401: schemas.ErrorOut}, summary="Who am I")
def me(request):
    user = request.auth
    staff = roles.is_staff_viewer(user)
    departments = user.departments.all() if staff else []
    services = Service.objects.filter(client_id=user.pk) if roles.is_client(user) else []
    return schemas.MeOut(
        id=user.pk,
        email=user.email,
        name=user.display_name,
        role=user.role,
        language=user.language,
        timezone=user.timezone,
        departments=[schemas.DepartmentOut(id=d.pk, name=d.name) for d in departments],
        services=[service_out(s) for s in services],
        display=(schemas.DisplayOut(font_family=user.font_family, font_size=user.font_size)
                 if staff else None),
    )


@router.patch("/me", response={200: schemas.MeOut, 401: schemas.ErrorOut,
                               403: schemas.ErrorOut, 422: schemas.ErrorOut},
              summary="Change my display settings (staff)")
def update_me(request, payload: schemas.MeIn):
    """Staff: the font family (sans, serif, mono) and size (12 to 20 px) of the ticket page."""
    account_services.update_display(request.auth, **payload.model_dump(exclude_unset=True))
    return me(request)

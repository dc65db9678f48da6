"""Who the caller is."""

from ninja import Router

from zapros.clients.models import Service

from .. import schemas
from ..present import service_out

router = Router(tags=["account"])


@router.get("/me", response={200: schemas.MeOut, 401: schemas.ErrorOut}, summary="Who am I")
def me(request):
    user = request.auth
    departments = user.departments.all() if user.is_staff_member else []
    services = Service.objects.filter(client_id=user.pk) if user.is_client else []
    return schemas.MeOut(
        id=user.pk,
        email=user.email,
        name=user.display_name,
        role=user.role,
        language=user.language,
        timezone=user.timezone,
        departments=[schemas.DepartmentOut(id=d.pk, name=d.name) for d in departments],
        services=[service_out(s) for s in services],
    )

"""Clients and topics for staff: the client page's data, its internal comment, the topics."""

from typing import Annotated

from ninja import Path, Query, Router

from zapros.accounts import roles
from zapros.clients import policies as client_policies
from zapros.clients import services as client_services
from zapros.clients.models import CommentRevision
from zapros.tickets import deadlines, selectors
from zapros.tickets.models import Topic

from .. import schemas
from ..present import service_out
from ..schemas import MAX_ID, ErrorOut

router = Router(tags=["clients"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
ClientId = Annotated[int, Path(ge=1, le=MAX_ID)]
TICKETS_PAGE = 20


@router.get("/topics", response={200: list[schemas.StaffTopicOut | schemas.TopicOut],
                                 401: ErrorOut},
            summary="Topics a request can be about")
def list_topics(request):
    """The active topics. Staff also get where each routes and its response deadline."""
    user = request.auth
    topics = Topic.objects.filter(active=True).select_related("department")
    if not roles.is_staff_viewer(user):
        return [schemas.TopicOut(id=t.pk, name=t.name) for t in topics]
    return [
        schemas.StaffTopicOut(
            id=t.pk, name=t.name,
            department=(schemas.DepartmentOut(id=t.department.pk, name=t.department.name)
                        if t.department else None),
            response_deadline_hours=_hours(deadlines.first_response_for(t)),
        )
        for t in topics
    ]


def _hours(length) -> float | None:
    return None if length is None else length.total_seconds() / 3600


def _client_page(user, client_id: int, before: int | None = None) -> schemas.ClientPageOut:
    client = client_policies.access_client(user, client_id)
    page = selectors.client_tickets(user, client.pk, before=before, size=TICKETS_PAGE)
    revision = CommentRevision.objects.filter(client=client).select_related("author").first()
    return schemas.ClientPageOut(
        id=client.pk, email=client.email, name=client.name, company=client.company,
        internal_comment=client.internal_comment, registered=client.user.date_joined,
        comment_changed=(
            schemas.CommentChangeOut(
                author=schemas.PersonOut(id=revision.author.pk,
                                         name=revision.author.display_name),
                at=revision.created_at,
            ) if revision else None
        ),
        services=[service_out(s) for s in client.services.all()],
        tickets=[
            schemas.ClientTicketRow(
                number=t.number, subject=t.subject, title=t.title,
                department=schemas.DepartmentOut(id=t.department.pk, name=t.department.name),
                state=t.state, state_label=str(t.state_label),
                staff_status=str(t.staff_status), created=t.created_at, updated=t.updated_at,
            )
            for t in page.tickets
        ],
        next_before=page.next_before,
    )


@router.get("/clients/{client_id}", response={200: schemas.ClientPageOut, **ERRORS},
            summary="A client, for staff")
def get_client(request, client_id: ClientId,
               before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None):
    """Contact details, the internal comment, services and the requests the caller may see
    (newest first; pass `next_before` as `before` for older ones). Staff only."""
    return _client_page(request.auth, client_id, before)


@router.patch("/clients/{client_id}",
              response={200: schemas.ClientPageOut, **ERRORS, 422: ErrorOut},
              summary="Change the internal comment about a client")
def update_client(request, payload: schemas.ClientIn, client_id: ClientId):
    client_services.update_client_comment(request.auth, client_id, body=payload.internal_comment)
    return _client_page(request.auth, client_id)

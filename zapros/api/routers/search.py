"""Search: the same search as the workspace and the portal, through the same function."""

from ninja import Query, Router

from zapros.accounts import roles
from zapros.tickets import search, selectors

from .. import present, schemas
from ..schemas import ErrorOut

router = Router(tags=["search"])


@router.get("/search", response={200: schemas.SearchOut, 401: ErrorOut}, summary="Search")
def search_tickets(request, filters: Query[schemas.SearchFilters]):
    """A number finds that request if the caller may see it (otherwise nothing); staff find a
    client's requests by e-mail or name; words find requests by subject and messages,
    stemmed (English, Russian), best first, with highlighted snippets. Clients search their
    own requests and public messages only; staff what they may see, internal comments
    included, narrowed by the queue's filters."""
    user = request.auth
    queue_filters = None
    if roles.is_staff_viewer(user):
        queue_filters = selectors.QueueFilters(
            department=filters.department, status=filters.status,
            assignee=filters.assignee, client=filters.client, needs_reply=filters.needs_reply,
        )
    result = search.search(user, filters.q, queue_filters, limit=filters.limit)
    return present.search_result(user, result)

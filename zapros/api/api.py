"""Zapros REST API, version 1: ``/api/v1/``, schema at ``/api/v1/openapi.json``, browsable
documentation at ``/api/docs``."""

from ninja import NinjaAPI

from . import errors, openapi
from .auth import SessionAuth, TokenAuth
from .idempotency import idempotent
from .routers import (
    account,
    clients,
    diagnostics,
    followers,
    incoming,
    reports,
    search,
    service_levels,
    templates,
    tickets,
)

DESCRIPTION = """
The operations of the Zapros portal and workspace for integrations.

**Authentication**: `Authorization: Bearer <token>` (an administrator issues tokens with
`manage.py create_api_token`), or the browser session of a signed-in user; session calls that
change something need the `X-CSRFToken` header. A token sees and may do exactly what its user
sees and may do.

**Errors**: every error is JSON with a `detail`. Refusals answer `{"detail": "...", "field":
"..."}` with status 403, 404, 409 or 422; input that does not parse answers 422 with a list of
problems, each naming its `loc` (a NUL character in any text is one); a body that cannot be
read answers 400, one over the limits 413.

**Retries**: send an `Idempotency-Key` header with a POST; sent again within 24 hours, the
first answer comes back and nothing is done twice.
"""


class ZaprosAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return openapi.document(super().get_openapi_schema(*args, **kwargs))


api = ZaprosAPI(
    title="Zapros API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    docs_url=None,  # served at /api/docs, see urls.py
)
errors.install(api)
api.add_decorator(idempotent, mode="view")
api.add_router("", account.router)
api.add_router("", tickets.router)
api.add_router("", templates.router)
api.add_router("", diagnostics.router)
api.add_router("", followers.router)
api.add_router("", incoming.router)
api.add_router("", search.router)
api.add_router("", clients.router)
api.add_router("", service_levels.router)
api.add_router("", reports.router)

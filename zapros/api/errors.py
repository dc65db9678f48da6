"""The one place where refusals become HTTP answers.

Domain refusals keep their status (404, 403, 409, 422, and 507 when a file could not be
stored: ``attachments.StorageFull``) and come back as ``{"detail": message, "field": field}``
in the caller's language. Input that does not even
parse gets ninja's validation shape with status 422, like any other malformed payload.
"""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError

from zapros.core.errors import DomainError


def install(api: NinjaAPI) -> None:
    def domain_error(request, error: DomainError):
        response = api.create_response(
            request, {"detail": str(error.message), "field": error.field}, status=error.status
        )
        if getattr(error, "retry_after", None):
            response["Retry-After"] = str(error.retry_after)
        return response

    def http_error(request, error: HttpError):
        if error.status_code == 400 and isinstance(error.__cause__, ValueError):
            # ninja answers 400 for a JSON body it cannot parse: it is a malformed payload.
            return api.create_response(
                request,
                {"detail": [{"type": "json_invalid", "loc": ["body"],
                             "msg": _("The request body is not valid JSON.")}]},
                status=422,
            )
        return api.create_response(request, {"detail": str(error)}, status=error.status_code)

    def authentication_error(request, error: AuthenticationError):
        response = api.create_response(
            request, {"detail": _("Sign in or send a valid API token.")}, status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="zapros"'
        return response

    api.add_exception_handler(DomainError, domain_error)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(AuthenticationError, authentication_error)

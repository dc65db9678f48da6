"""The API's answers before and around its endpoints: always JSON with a ``detail``.

Django answers some requests before any endpoint runs — a body over the size limits, too many
fields, multipart it cannot read, an unknown address, a method the address does not take —
and its answers are HTML pages. Under ``/api/`` this middleware reads the request's input
first, so that those refusals become JSON with the right status, and turns any other error
page into a JSON answer.

It also refuses NUL characters anywhere in the input (the path, the query, form fields, file
names, JSON strings and keys): PostgreSQL cannot store them in text, and the HTML forms refuse
them too. The refusal has the shape of every other input error (422, a list of problems, each
with its ``type``, ``loc`` and ``msg``).
"""

import json

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from .auth import TokenAuth

PREFIX = "/api/v1/"
FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}
NUL = "\x00"


def api_input(get_response):
    def middleware(request: HttpRequest):
        if not request.path_info.startswith(PREFIX):
            return get_response(request)
        refusal = read_input(request)
        if refusal is not None:
            speak_as_caller(request)
            return refusal()
        return as_json(request, get_response(request))

    return middleware


def speak_as_caller(request: HttpRequest) -> None:
    """Refuse in the caller's language: a session's is already chosen, a token's is not yet
    (the endpoint's authentication has not run)."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        TokenAuth().authenticate(request, secret.strip())


def detail(message: str, status: int, **headers) -> JsonResponse:
    response = JsonResponse({"detail": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def too_large(limit: int):
    return lambda: detail(_("The request is too large: at most %(limit)s bytes are accepted.")
                  % {"limit": limit}, 413)


def read_input(request: HttpRequest):
    """Read the query and the body now. If they cannot be read or hold a NUL: the refusal,
    to be made once the caller's language is known."""
    limit = settings.ZAPROS_API_MAX_REQUEST_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return lambda: detail(_("The Content-Length header is not a number."), 400)
    if length > limit:
        return too_large(limit)
    try:
        query = request.GET
        if request.method == "POST" and request.content_type in FORM_TYPES:
            form, files = request.POST, request.FILES
            body = None
        else:
            form = files = None
            body = request.body
    except RequestDataTooBig:
        return too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    except TooManyFieldsSent:
        return lambda: detail(_("The request has too many fields: at most %(limit)s are accepted.")
                      % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}, 413)
    except TooManyFilesSent:
        return lambda: detail(_("The request has too many files: at most %(limit)s are accepted.")
                      % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}, 413)
    except MultiPartParserError:
        return lambda: detail(_("The form data cannot be read: it is not valid multipart."), 400)
    except (SuspiciousOperation, BadRequest):
        return lambda: detail(_("The request is malformed."), 400)
    if not any(nul_problems(request.path_info, query, form, files, body)):
        return None
    return lambda: JsonResponse(
        {"detail": list(nul_problems(request.path_info, query, form, files, body))}, status=422)


def nul_problems(path, query, form, files, body):
    message = _("Null characters are not allowed.")

    def problem(*loc):
        return {"type": "null_character", "loc": list(loc), "msg": message}

    if NUL in path:
        yield problem("path")
    for key, values in query.lists():
        if NUL in key or any(NUL in value for value in values):
            yield problem("query", key.replace(NUL, ""))
    if form is not None:
        for key, values in form.lists():
            if NUL in key or any(NUL in value for value in values):
                yield problem("body", key.replace(NUL, ""))
        for key, uploads in files.lists():
            if NUL in key or any(NUL in (upload.name or "") for upload in uploads):
                yield problem("body", key.replace(NUL, ""))
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            return   # not JSON: the endpoint's parsing says what is wrong with it
        for loc in nul_in_json(data, ["body"]):
            yield problem(*loc)


def nul_in_json(value, loc):
    """The places in a JSON document where a string or a key holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_in_json(item, [*loc, index])
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield [*loc, key.replace(NUL, "")]
            else:
                yield from nul_in_json(item, [*loc, key])


def as_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An error page (Django's, or ninja's plain 405) as a JSON answer with the same status."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(
            "application/json"):
        return response
    messages = {
        400: _("The request is malformed."),
        404: _("There is no such address in the API."),
        405: _("This address does not take the %(method)s method."),
    }
    message = messages.get(response.status_code, response.reason_phrase)
    if response.status_code == 405:
        return detail(message % {"method": request.method}, 405, Allow=response.get("Allow", ""))
    return detail(message, response.status_code)

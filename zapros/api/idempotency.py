"""``Idempotency-Key`` on every POST: the same key from the same user within the kept time
returns the first answer (same status, same body) instead of doing the work again.

The key is claimed in the database before the endpoint runs (see ``IdempotencyKey``), so two
concurrent duplicates cannot both write: the second is told the first is still being
answered (409). The same key with another request (method, address or body) is refused
(422). Only successful answers are kept.
"""

import hashlib
import json
import re
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError

from .auth import SessionAuth, TokenAuth
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY = re.compile(r"[!-~]{1,255}")   # printable ASCII, no spaces
FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


def idempotent(run):
    """Wraps an operation's view (``api.add_decorator(idempotent, mode="view")``)."""

    @wraps(run)
    def answer(request: HttpRequest, *args, **kwargs):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return run(request, *args, **kwargs)
        if not KEY.fullmatch(key):
            return JsonResponse({"detail": [{
                "type": "idempotency_key", "loc": ["header", HEADER],
                "msg": _("The Idempotency-Key must be 1 to 255 printable ASCII characters "
                         "without spaces."),
            }]}, status=422)
        user = caller(request)
        if user is None:
            return run(request, *args, **kwargs)   # which refuses the caller
        fingerprint = fingerprint_of(request)
        claim, fresh = IdempotencyKey.claim(user, key, fingerprint)
        if not fresh:
            return replay(claim, fingerprint)
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            claim.release()
            raise
        if 200 <= response.status_code < 300 and not response.streaming:
            claim.keep(response.status_code, response.get("Content-Type", ""),
                       response.content.decode())
        else:
            claim.release()
        return response

    return answer


def caller(request: HttpRequest):
    """Who the operation's authentication will find, or None if it will refuse."""
    try:
        return TokenAuth()(request) or SessionAuth()(request)
    except (AuthenticationError, HttpError):
        return None


def replay(claim: IdempotencyKey | None, fingerprint: str) -> HttpResponse:
    if claim is not None and claim.fingerprint != fingerprint:
        return JsonResponse({"detail": _("This Idempotency-Key was already used with a "
                                         "different request."), "field": HEADER}, status=422)
    if claim is None or claim.status is None:
        return JsonResponse({"detail": _("A request with this Idempotency-Key is still being "
                                         "answered: try again shortly."), "field": HEADER},
                            status=409)
    response = HttpResponse(claim.body, status=claim.status, content_type=claim.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def fingerprint_of(request: HttpRequest) -> str:
    """The request as far as its answer depends on it: method, address and body."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type in FORM_TYPES:
        fields = sorted(request.POST.lists())
        digest.update(json.dumps(fields).encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(f"\n{name} {upload.name} {upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        try:
            # Key order and spacing do not make another request.
            digest.update(json.dumps(json.loads(request.body), sort_keys=True).encode())
        except ValueError:
            digest.update(request.body)
    return digest.hexdigest()

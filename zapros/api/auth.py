"""Who is calling: an API token (``Authorization: Bearer <secret>``) or a signed-in session.

A token acts exactly as its user; session calls that change something need the CSRF token,
as every form on the site does.
"""

from django.conf import settings
from django.utils.translation import gettext
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from zapros.core.middleware import speak_as

from .models import ApiToken


class TokenAuth(HttpBearer):
    def __call__(self, request):
        header = request.headers.get(self.header, "")
        if not header:
            return None
        scheme, _space, secret = header.partition(" ")
        user = self.authenticate(request, secret.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            # A key was offered and it is wrong: say so rather than fall back to the session.
            raise AuthenticationError()
        return user

    def authenticate(self, request, token):
        if not token:
            return None
        found = ApiToken.signing_in(token)
        if found is None:
            return None
        user = found.user
        request.user = user
        speak_as(request, user)
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session. Unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        return self.authenticate(request, self._get_key(request))

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if (self.csrf and not getattr(request, "_ninja_csrf_exempt", False)
                and check_csrf(request) is not None):
            raise HttpError(403, gettext("CSRF check failed. Reload the page and try again."))
        return user



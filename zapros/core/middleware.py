from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone, translation

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy(get_response):
    """A strict policy: no inline scripts or styles, nothing from other origins."""

    def middleware(request):
        response = get_response(request)
        if request.path.startswith("/api/docs"):
            # The OpenAPI viewer ships its own inline bootstrap; it shows no client data.
            response.setdefault(
                "Content-Security-Policy",
                CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
                    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
                ),
            )
        else:
            response.setdefault("Content-Security-Policy", CSP)
        return response

    return middleware


def speak_as(request, user) -> None:
    """Answer this request in ``user``'s language and time zone."""
    if user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
    try:
        timezone.activate(ZoneInfo(user.timezone or "UTC"))
    except ZoneInfoNotFoundError:
        timezone.deactivate()


def user_language_and_timezone(get_response):
    """Signed-in users see Zapros in their own language and time zone."""

    def middleware(request):
        language = translation.get_language()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            speak_as(request, user)
        try:
            return get_response(request)
        finally:
            # Leave the thread as found: API token callers are switched further in, too.
            translation.activate(language)
            timezone.deactivate()

    return middleware

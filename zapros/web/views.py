from contextlib import suppress

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from zapros.accounts import roles
from zapros.accounts import services as account_services
from zapros.core.errors import NotFound, ValidationFailed
from zapros.tickets import policies
from zapros.tickets.files import attachment_response


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if roles.is_staff_viewer(request.user):
        return redirect("staff:queue")
    return redirect("portal:requests")


def favicon(request):
    return redirect(static("zapros/favicon.svg"), permanent=True)


@require_POST
def language(request):
    """Switch language: remembered on the account when signed in, in a cookie otherwise."""
    if request.user.is_authenticated:
        # A language not offered changes nothing: Django's set_language ignores it too.
        with suppress(ValidationFailed):
            account_services.update_language(request.user, request.POST.get("language", ""))
    response = set_language(request)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    response["Location"] = target
    return response


@login_required
def download(request, attachment_id: int):
    """Serve an attachment after the access check. Only raster images open in the browser;
    everything else downloads, and nosniff keeps the browser from guessing a type."""
    try:
        attachment = policies.access_attachment(request.user, attachment_id)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    return attachment_response(attachment, download=request.GET.get("download") is not None)

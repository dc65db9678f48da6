from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from zapros.core.errors import NotFound
from zapros.tickets import policies
from zapros.tickets.files import attachment_response


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_staff_member:
        return redirect("staff:queue")
    return redirect("portal:requests")


def favicon(request):
    return redirect(static("zapros/favicon.svg"), permanent=True)


@require_POST
def language(request):
    """Switch language: remembered on the account when signed in, in a cookie otherwise."""
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(request.user._meta.get_field(
            "language").choices):
        request.user.language = code
        request.user.save(update_fields=["language"])
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

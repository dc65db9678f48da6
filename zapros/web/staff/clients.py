"""The client page of the workspace, and "filter by this client" across the workspace."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zapros.clients import policies as client_policies
from zapros.clients import services as client_services
from zapros.clients.models import CommentRevision
from zapros.core.errors import DomainError, NotFound, ValidationFailed
from zapros.tickets import selectors
from zapros.web.http import add_domain_error

from . import client_filter
from .views import staff_member_required

TICKETS_PAGE = 20


class ClientCommentForm(forms.Form):
    internal_comment = forms.CharField(
        label=gettext_lazy("Internal comment about the client"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Only staff see it; the client never does."),
    )


def access(user, client_id: int):
    try:
        return client_policies.access_client(user, client_id)
    except NotFound as error:
        raise Http404(str(error.message)) from None


def before_param(value) -> int | None:
    return int(value) if value and value.isdigit() and 0 < int(value) < 2**63 else None


def render_client(request, client, *, form=None):
    user = request.user
    tickets = selectors.client_tickets(
        user, client.pk, before=before_param(request.GET.get("before")), size=TICKETS_PAGE
    )
    return render(request, "staff/client.html", {
        "client": client,
        "services": list(client.services.all()),
        "last_revision": (
            CommentRevision.objects.filter(client=client).select_related("author").first()
        ),
        "tickets": tickets,
        "form": form or ClientCommentForm(initial={
            "internal_comment": client.internal_comment,
        }),
        "filter_is_this": (
            (active := client_filter.current(request)) is not None and active.id == client.pk
        ),
    })


@staff_member_required
@require_GET
def client_page(request, client_id: int):
    return render_client(request, access(request.user, client_id))


@staff_member_required
@require_POST
def client_comment(request, client_id: int):
    form = ClientCommentForm(request.POST)
    form.is_valid()
    try:
        client_services.update_client_comment(
            request.user, client_id, body=form.cleaned_data.get("internal_comment", "")
        )
    except ValidationFailed as error:
        add_domain_error(request, error, form)
        return render_client(request, access(request.user, client_id), form=form)
    except DomainError as error:
        add_domain_error(request, error)
    else:
        messages.success(request, _("The comment about the client is saved."))
    return redirect("staff:client", client_id=client_id)


def back_to(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@staff_member_required
@require_POST
def filter_by_client(request, client_id: int):
    """Narrow every list of the workspace to this client, and show the queue."""
    client = access(request.user, client_id)
    client_filter.choose(request, client)
    return redirect("staff:queue")


@staff_member_required
@require_POST
def clear_client_filter(request):
    client_filter.clear(request)
    return back_to(request, "staff:queue")

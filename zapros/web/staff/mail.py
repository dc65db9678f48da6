"""The mail pages of the workspace: the Incoming inbox and, for administrators, the gateways.

Views parse the request, call ``zapros.mail`` and render; access and rules live there.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zapros.accounts.models import Department
from zapros.clients.models import Client
from zapros.core.errors import DomainError, NotFound, ValidationFailed
from zapros.core.html import link_images
from zapros.core.validation import clean_id
from zapros.mail import gateways, incoming, policies
from zapros.mail.models import InboundMail, MailGateway
from zapros.tickets.files import content_response
from zapros.web.http import add_domain_error

from .views import staff_member_required

PAGE = 50


# --- Incoming -------------------------------------------------------------------------------

@staff_member_required
@require_GET
def incoming_list(request):
    status = request.GET.get("status")
    if status != InboundMail.Status.DISCARDED:
        status = InboundMail.Status.INCOMING
    mails, next_before = incoming.incoming_page(
        request.user, status=status, before=clean_id(request.GET.get("before")), limit=PAGE)
    return render(request, "staff/incoming.html", {
        "mails": mails, "next_before": next_before, "status": status, "nav": "incoming",
        "first_page": not request.GET.get("before"),
    })


def _mail_or_404(user, mail_id):
    try:
        return policies.access_incoming(user, mail_id)
    except NotFound:
        raise Http404 from None


def _client_id(value: str):
    """A client given by e-mail address or number."""
    value = (value or "").strip()
    if "@" in value:
        client = Client.objects.filter(user__email__iexact=value).only("pk").first()
        return client.pk if client else None
    return clean_id(value)


@staff_member_required
@require_http_methods(["GET", "POST"])
def incoming_mail(request, mail_id: int):
    user = request.user
    mail = _mail_or_404(user, mail_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "attach":
                mail = incoming.attach_to_client(
                    user, mail.pk, client_id=_client_id(request.POST.get("client")))
            elif action == "create_client":
                mail = incoming.create_client(user, mail.pk)
            elif action == "append":
                mail = incoming.append_to_ticket(
                    user, mail.pk, number=request.POST.get("number", "").strip().lstrip("#"))
            elif action == "discard":
                incoming.discard(user, mail.pk)
                messages.success(request, _("The mail was discarded; it can be restored."))
                return redirect("staff:incoming")
            elif action == "restore":
                incoming.restore(user, mail.pk)
                messages.success(request, _("The mail is back in Incoming."))
                return redirect("staff:incoming_mail", mail.pk)
            else:
                raise ValidationFailed(_("Choose an action."))
        except NotFound as error:
            # A request the agent cannot see reads as a refusal on the form, not a 404 page.
            messages.error(request, error.message)
        except DomainError as error:
            add_domain_error(request, error)
        else:
            messages.success(request, _("Request #%(number)d now holds the mail.")
                             % {"number": mail.ticket.number})
            return redirect("staff:ticket", mail.ticket.number)
        mail = _mail_or_404(user, mail.pk)
    parsed = incoming.read(mail)
    files = [
        (part, reverse("staff:incoming_file", args=[mail.pk, number]))
        for number, part in enumerate(parsed.parts, start=1)
    ]
    by_cid = {part.content_id: url for part, url in files if part.content_id}
    return render(request, "staff/incoming_mail.html", {
        "mail": mail, "parsed": parsed, "nav": "incoming", "files": files,
        "html": link_images(parsed.html, by_cid.get) if parsed.html else "",
        "waiting": policies.may_sort(user, mail), "restorable": policies.may_restore(user, mail),
    })


@staff_member_required
@require_GET
def incoming_file(request, mail_id: int, number: int):
    """A file of a received mail, for staff who may see the mail; 404 for everyone else."""
    try:
        _mail, part = incoming.incoming_file(request.user, mail_id, number)
    except NotFound:
        raise Http404 from None
    return content_response(part.content, name=part.name, content_type=part.content_type,
                            download=request.GET.get("download") is not None)


# --- Gateways (administrators) --------------------------------------------------------------

class GatewayForm(forms.ModelForm):
    password = forms.CharField(
        label=gettext_lazy("Password"), required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Stored encrypted. Leave empty to keep the current password."),
    )

    class Meta:
        model = MailGateway
        fields = ("name", "protocol", "host", "port", "security", "login", "password",
                  "folder", "address", "department", "poll_interval", "enabled", "pop3_mode")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("position", "name")


@staff_member_required
@require_GET
def gateway_list(request):
    try:
        found = gateways.gateway_list(request.user)
    except NotFound:
        raise Http404 from None
    return render(request, "staff/gateways.html", {"gateways": found, "nav": "gateways"})


@staff_member_required
@require_http_methods(["GET", "POST"])
def gateway_edit(request, gateway_id: int | None = None):
    user = request.user
    gateway = None
    try:
        if gateway_id is None:
            policies.ensure_can_manage_gateways(user)
        else:
            gateway = policies.access_gateway(user, gateway_id)
    except NotFound:
        raise Http404 from None
    form = GatewayForm(request.POST or None, instance=gateway)
    if request.method == "POST":
        form.is_valid()
        values = {name: form.cleaned_data[name] for name in gateways.FIELDS
                  if name in form.cleaned_data}
        if not form.errors:
            try:
                saved = gateways.save_gateway(
                    user, gateway.pk if gateway else None,
                    password=form.cleaned_data.get("password", ""), **values)
            except DomainError as error:
                add_domain_error(request, error, form)
            else:
                messages.success(request, _("Mail gateway saved."))
                return redirect("staff:gateway", saved.pk)
    return render(request, "staff/gateway_edit.html", {
        "form": form, "gateway": gateway, "nav": "gateways",
    })


@staff_member_required
@require_GET
def gateway_detail(request, gateway_id: int):
    try:
        gateway = policies.access_gateway(request.user, gateway_id)
    except NotFound:
        raise Http404 from None
    return render(request, "staff/gateway.html", {
        "gateway": gateway, "skipped": list(gateways.skipped_log(gateway)), "nav": "gateways",
    })


@staff_member_required
@require_POST
def gateway_test(request, gateway_id: int):
    try:
        messages.success(request, gateways.test_connection(request.user, gateway_id))
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("staff:gateway", gateway_id)


@staff_member_required
@require_POST
def gateway_poll(request, gateway_id: int):
    try:
        gateways.poll_now(request.user, gateway_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The mailbox is being polled."))
    return redirect("staff:gateway", gateway_id)

"""Response templates in the workspace: the list, adding, editing, deactivating, and inserting
a filled template into the reply being written. Rules live in ``zapros.tickets``."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from zapros.accounts.models import Department
from zapros.core.errors import DomainError, NotFound, ValidationFailed
from zapros.tickets import policies, services
from zapros.tickets.services.templates import access_managed_template
from zapros.web.http import add_domain_error

from . import forms as staff_forms
from .views import access, active_staff, render_ticket, reply_form, staff_member_required


class TemplateForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), required=False, max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Placeholders: {client_name}, {ticket_number}, {agent_name}, "
                               "{department}, {service}."),
    )
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    agent = forms.ChoiceField(label=gettext_lazy("Agent"), required=False)

    def __init__(self, *args, departments=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        nobody = [("", _("— any —"))]
        self.fields["department"].choices = nobody + [(str(d.pk), d.name) for d in departments]
        self.fields["agent"].choices = nobody + [(str(m.pk), m.display_name) for m in staff]
        self.fields["department"].help_text = _(
            "Leave both department and agent empty to share the template with all staff.")

    def scope(self) -> dict:
        return {"department_id": self.cleaned_data.get("department") or None,
                "agent_id": self.cleaned_data.get("agent") or None}


def template_form(user, data=None, *, template=None):
    if template is not None:
        initial = {"title": template.title, "body": template.body,
                   "department": template.department_id or "", "agent": template.agent_id or ""}
    else:
        # Who may not add a template for all staff starts with a personal one.
        initial = {} if policies.may_manage_template(user, None, None) else {"agent": user.pk}
    return TemplateForm(data, initial=initial, departments=Department.objects.order_by("name"),
                        staff=active_staff(user))


def template_rows(user):
    templates = policies.visible_templates(user).select_related("department", "agent")
    return [
        {"template": t, "can_manage": policies.may_manage_template(user, t.department_id,
                                                                  t.agent_id)}
        for t in templates
    ]


def render_list(request, form=None):
    user = request.user
    return render(request, "staff/templates.html", {
        "rows": template_rows(user),
        "form": form or template_form(user),
        "nav": "templates",
    })


@staff_member_required
@require_http_methods(["GET", "POST"])
def templates(request):
    if request.method == "GET":
        return render_list(request)
    form = template_form(request.user, request.POST)
    form.is_valid()
    try:
        services.create_template(
            request.user, title=form.cleaned_data.get("title", ""),
            body=form.cleaned_data.get("body", ""), **form.scope(),
        )
    except DomainError as error:
        add_domain_error(request, error, form if isinstance(error, ValidationFailed) else None)
        return render_list(request, form)
    messages.success(request, _("Template added."))
    return redirect("staff:templates")


@staff_member_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_id: int):
    user = request.user
    try:
        template = access_managed_template(user, template_id)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        add_domain_error(request, error)
        return redirect("staff:templates")
    if request.method == "GET":
        form = template_form(user, template=template)
    else:
        form = template_form(user, request.POST, template=template)
        form.is_valid()
        try:
            services.update_template(
                user, template.pk, title=form.cleaned_data.get("title", ""),
                body=form.cleaned_data.get("body", ""), **form.scope(),
            )
        except DomainError as error:
            add_domain_error(request, error,
                             form if isinstance(error, ValidationFailed) else None)
        else:
            messages.success(request, _("Template saved."))
            return redirect("staff:templates")
    return render(request, "staff/template_edit.html", {
        "template": template, "form": form, "nav": "templates",
    })


@staff_member_required
@require_POST
def template_deactivate(request, template_id: int):
    try:
        services.deactivate_template(request.user, template_id)
    except DomainError as error:
        add_domain_error(request, error)
    else:
        messages.success(request, _("Template removed from the list."))
    return redirect("staff:templates")


@staff_member_required
@require_http_methods(["GET", "POST"])
def template_insert(request, number: int):
    """Append the filled template to the reply being written.

    With htmx (GET) the answer is the reply's text area, re-rendered with the text; without
    JavaScript the reply form posts here and the ticket page comes back with it.
    """
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    current = data.get("body", "")
    try:
        text = services.render_template(user, data.get("template"), number)
    except NotFound as error:
        if not request.htmx:
            add_domain_error(request, error)
        text = ""
    body = f"{current.rstrip()}\n\n{text}" if current.strip() and text else (current or text)
    if request.htmx:
        widget = staff_forms.ReplyForm.base_fields["body"].widget
        return HttpResponse(widget.render("body", body))
    ticket = access(user, number)
    client_services = list(ticket.client.services.all())
    form = reply_form(ticket, client_services,
                      initial={"body": body, "note": data.get("note", "")})
    return render_ticket(request, ticket, form=form)


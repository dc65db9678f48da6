"""The messages view of a ticket (every message with its earlier texts), editing a message,
and splitting and merging tickets. Parse, call the service, render; the rules are in
``zapros.tickets``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zapros.core.errors import DomainError
from zapros.tickets import policies, selectors, services
from zapros.web.http import add_domain_error

from . import forms
from .views import access, staff_member_required


def messages_url(number: int, message_id: int | None = None) -> str:
    url = reverse("staff:messages", args=[number])
    return f"{url}#message-{message_id}" if message_id else url


@staff_member_required
@require_GET
def messages_view(request, number: int):
    """Every message of the ticket, public and internal, with who wrote it, when, through
    which channel, whether it was edited, and each earlier text."""
    user = request.user
    ticket = access(user, number)
    conversation = selectors.ticket_messages(user, ticket)
    first_id = conversation[0].pk if conversation else None
    rows = [
        {
            "message": message,
            "may_edit": policies.may_edit_message(user, ticket, message),
            "may_split": policies.may_split_from(user, ticket, message, first_id),
        }
        for message in conversation
    ]
    return render(request, "staff/messages.html", {
        "ticket": ticket,
        "rows": rows,
        "split_form": forms.SplitForm(),
    })


@staff_member_required
@require_POST
def edit_message(request, number: int, message_id: int):
    form = forms.EditMessageForm(request.POST)
    form.is_valid()
    try:
        services.edit_message(request.user, number, message_id,
                              body=form.cleaned_data.get("body", ""))
    except DomainError as error:
        add_domain_error(request, error)
    else:
        messages.success(request, _("The message is saved; its earlier text is kept."))
    return redirect(messages_url(number, message_id))


@staff_member_required
@require_POST
def split(request, number: int):
    form = forms.SplitForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        new = services.split(request.user, number, message_id=data.get("message"),
                             subject=data.get("subject", ""))
    except DomainError as error:
        add_domain_error(request, error)
        return redirect(messages_url(number))
    messages.success(request, _(
        "Request #%(new)s was created from request #%(old)s, starting with the chosen message."
    ) % {"new": new.number, "old": number})
    return redirect("staff:ticket", number=new.number)


@staff_member_required
@require_POST
def merge(request, number: int):
    form = forms.MergeForm(request.POST)
    try:
        target = services.merge(request.user, number, target=form.target_number())
    except DomainError as error:
        add_domain_error(request, error)
        return redirect("staff:ticket", number=number)
    messages.success(request, _("Request #%(old)s was merged into request #%(new)s.")
                     % {"old": number, "new": target.number})
    return redirect("staff:ticket", number=target.number)

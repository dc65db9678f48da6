"""The staff workspace: the queue and the ticket page.

Views parse the request, call a selector or a service and render; every rule lives in
``zapros.tickets`` (policies, services, the state machine). Buttons are drawn from
``policies.offered_actions``. Refusals come back as form errors or flash messages.
"""

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zapros.accounts import roles
from zapros.accounts.models import User
from zapros.clients import policies as client_policies
from zapros.core.errors import DomainError, NotFound, ValidationFailed
from zapros.tickets import policies, search, selectors, services
from zapros.tickets.models import Topic
from zapros.tickets.states import Action, StaffStatus
from zapros.web import http
from zapros.web.http import add_domain_error

from . import client_filter, forms, service_levels
from .rows import queue_rows, queue_rows_html, search_rows, search_rows_html
from .timeline import conversation_html, timeline_rows


def staff_member_required(view):
    """Anonymous visitors go to the login page; signed-in clients get a plain 404, so the
    workspace does not even admit that it exists."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.is_staff_viewer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A name in the lists of staff to choose from (assignee, reassign, transfer)."""

    pk: int
    display_name: str


def active_staff(user: User) -> list[StaffMember]:
    """The staff ``user`` may choose from, by name. Only what the lists show is read: the
    pages read them on every view, and a user object each cost more than the query."""
    rows = (policies.staff_to_choose(user)
            .order_by("name", "email").values_list("pk", "name", "email"))
    return [StaffMember(pk, name or email) for pk, name, email in rows]   # as display_name


# --- Queue ----------------------------------------------------------------------------------

def queue_filters(user: User, values: dict) -> selectors.QueueFilters:
    status = values.get("status") or ""
    assignee = values.get("assignee") or ""
    if assignee == forms.ASSIGNEE_ME:
        assignee_id = user.pk
    elif assignee == forms.ASSIGNEE_NOBODY:
        assignee_id = 0
    else:
        assignee_id = int(assignee) if assignee.isdigit() else None
    return selectors.QueueFilters(
        department=values.get("department"),
        status=status if status in {s.value for s in StaffStatus} else None,
        include_archived=status == forms.ALL_STATUSES,
        assignee=assignee_id,
        client=values.get("client"),
        needs_reply=bool(values.get("needs_reply")),
        overdue=bool(values.get("overdue")),
    )


def current_nav(values: dict) -> str:
    """Which of the navigation's views of the queue this is, if any."""
    applied = {name for name, value in values.items() if value}
    if not applied:
        return "queue"
    if applied == {"needs_reply"}:
        return "needs_reply"
    if applied == {"assignee"} and values["assignee"] == forms.ASSIGNEE_ME:
        return "mine"
    return ""


@staff_member_required
@require_GET
def queue(request):
    user = request.user
    form = forms.QueueFilterForm(
        request.GET,
        departments=policies.visible_departments(user),
        staff=active_staff(user),
    )
    values = form.valid_data()
    sticky = client_filter.current(request)
    filters = queue_filters(user, {**values, "client": values.get("client") or (
        sticky.id if sticky else None)})
    size = settings.ZAPROS_QUEUE_PAGE_SIZE
    try:
        page = selectors.queue_page(user, filters, request.GET.get("cursor"), size)
    except ValidationFailed:
        # An old or altered link: start again from the top rather than fail.
        messages.warning(request, _("That page link is no longer valid: here is the first "
                                    "page."))
        page = selectors.queue_page(user, filters, None, size)
    client = None
    if values.get("client"):
        try:
            client = client_policies.access_client(user, values["client"])
        except NotFound:
            client = None   # the chip then shows the number asked for
    return render(request, "staff/queue.html", {
        "form": form,
        "page": page,
        "rows_html": queue_rows_html(queue_rows(request, page.rows)),
        "filter_client": client,
        "filter_client_id": values.get("client"),
        "nav": current_nav(values),
    })


@staff_member_required
@require_GET
def search_page(request):
    """Search with the queue's filters: a number opens its request, a client's e-mail or name
    lists their requests, words find the best matching requests with highlighted snippets."""
    user = request.user
    form = forms.SearchForm(
        request.GET, departments=policies.visible_departments(user), staff=active_staff(user),
    )
    values = form.valid_data()
    result = search.search(user, values.get("q", ""), queue_filters(user, values))
    if result.jump is not None:
        return redirect("staff:ticket", result.jump.number)
    return render(request, "staff/search.html", {
        "form": form, "result": result,
        "rows_html": search_rows_html(search_rows(request, result.hits)),
        "limit": search.LIMIT, "nav": "search",
    })


# --- Ticket page ----------------------------------------------------------------------------

def access(user: User, number: int, annotate: dict | None = None):
    try:
        return policies.access_ticket(user, number, annotate=annotate)
    except NotFound as error:
        raise Http404(str(error.message)) from None


def reply_form(ticket, client_services, *, data=None, files=None, initial=None):
    return forms.ReplyForm(
        data, files, initial=initial or {}, ticket=ticket, client_services=client_services,
        topics=Topic.objects.filter(active=True),
    )


def render_ticket(request, ticket, *, form=None, comment_form=None):
    """The ticket page. ``form``/``comment_form`` carry what was typed back after a refusal."""
    user = request.user
    offered = policies.offered_actions(user, ticket)
    can = {action.value: True for action in offered}
    client_services = list(ticket.client.services.all())
    if Action.SEND in offered or Action.SEND_AND_CLOSE in offered:
        form = form or reply_form(ticket, client_services)
    else:
        form = None
    # Reassigning and transferring choose from the same people: read them once.
    staff = active_staff(user) if {Action.REASSIGN, Action.TRANSFER} & offered else []
    return render(request, "staff/ticket.html", {
        "ticket": ticket,
        "conversation_html": conversation_html(
            timeline_rows(ticket, selectors.ticket_timeline(user, ticket))),
        "client": ticket.client,
        "client_services": client_services,
        "shares": selectors.shares(user, ticket),
        "clocks": service_levels.clock_views(selectors.ticket_clocks(user, ticket)),
        "freeze_form": forms.FreezeForm() if Action.FREEZE in offered else None,
        "reassign_form": forms.ReassignForm(staff=staff) if Action.REASSIGN in offered else None,
        "transfer_form": transfer_form(user, staff=staff) if Action.TRANSFER in offered else None,
        "merge_form": forms.MergeForm() if Action.MERGE in offered else None,
        "can": can,
        "held_by_me": policies.holds(user, ticket),
        "held_by_other": policies.held_by_other(user, ticket),
        "form": form,
        "comment_form": comment_form or forms.CommentForm(),
        "related": selectors.related_tickets(ticket),
        "response_templates": (
            list(policies.visible_templates(user).only("pk", "title")) if form else []
        ),
        **audience(user, ticket),
    })


def audience(user, ticket) -> dict:
    """Followers, copy addresses and failed mail: three queries whatever their number."""
    followers = selectors.followers(user, ticket)
    return {
        "followers": followers,
        "following": any(follower.user_id == user.pk for follower in followers),
        "cc_addresses": selectors.copy_addresses(user, ticket),
        "failed_mails": selectors.failed_mails(user, ticket),
    }


@staff_member_required
@require_GET
def ticket(request, number: int):
    # What the page shows only when there is some is asked with the ticket (see selectors).
    return render_ticket(request, access(request.user, number, selectors.ticket_page_extras()))


@staff_member_required
@require_POST
def reply(request, number: int):
    """The holder's form: *Send and close*, *Send* or *Save parameters*."""
    user = request.user
    ticket = access(user, number)
    client_services = list(ticket.client.services.all())
    form = reply_form(ticket, client_services, data=request.POST, files=request.FILES)
    action = request.POST.get("action")
    if action not in {Action.SEND, Action.SEND_AND_CLOSE, Action.SAVE}:
        messages.error(request, _("Choose what to do with the reply."))
        return redirect("staff:ticket", number=ticket.number)
    if not form.is_valid():
        return render_ticket(request, ticket, form=form)
    data = form.cleaned_data
    changes = form.changed_parameters()
    try:
        if action == Action.SAVE:
            services.save_parameters(user, ticket.number, **changes)
        else:
            services.reply(
                user, ticket.number, body=data["body"], note=data["note"],
                close=action == Action.SEND_AND_CLOSE, parameters=changes,
                files=data["attachments"],
            )
    except ValidationFailed as error:
        add_domain_error(request, error, form)
        return render_ticket(request, access(user, number), form=form)
    except DomainError as error:
        add_domain_error(request, error)
        return redirect("staff:ticket", number=ticket.number)

    if action == Action.SAVE:
        # The typed reply is not sent, and not lost either: the form comes back with it.
        messages.success(request, _("Parameters saved.") if changes
                         else _("Nothing to save: the parameters are unchanged."))
        if data["attachments"]:
            messages.warning(request, _("Files are not kept when parameters are saved. "
                                        "Choose them again before you send."))
        ticket = access(user, number)
        return render_ticket(request, ticket, form=reply_form(
            ticket, client_services, initial=form.kept_text()))
    if action == Action.SEND_AND_CLOSE:
        messages.success(request, _("Request #%(number)s: the answer was sent and the request "
                                    "closed.") % {"number": ticket.number})
        return redirect("staff:queue")
    messages.success(request, _("Sent."))
    return redirect("staff:ticket", number=ticket.number)


@staff_member_required
@require_POST
def comment(request, number: int):
    """An internal comment from anyone on staff who sees the ticket."""
    user = request.user
    form = forms.CommentForm(request.POST, request.FILES)
    form.is_valid()
    try:
        services.comment(user, number, body=form.cleaned_data.get("body", ""),
                         files=form.cleaned_data.get("attachments", []))
    except ValidationFailed as error:
        add_domain_error(request, error, form)
        return render_ticket(request, access(user, number), comment_form=form)
    except DomainError as error:
        add_domain_error(request, error)
    else:
        messages.success(request, _("Internal comment added."))
    return redirect("staff:ticket", number=number)


def perform(request, number: int, operation, done: str):
    """Run one button's service call and come back to the ticket page (PRG)."""
    return http.perform(request, operation, done, reverse("staff:ticket", args=[number]))


@staff_member_required
@require_POST
def take(request, number: int):
    return perform(request, number, lambda: services.take(request.user, number),
                   _("You took the request. Only you can answer it now."))


@staff_member_required
@require_POST
def freeze(request, number: int):
    form = forms.FreezeForm(request.POST)
    if not form.is_valid() and "resume_on" in form.errors:
        messages.error(request, _("Enter the resume date as a date, or leave it empty."))
        return redirect("staff:ticket", number=number)
    # The reason goes to the service as typed: it refuses one that is too long.
    return perform(request, number,
                   lambda: services.freeze(request.user, number,
                                           reason=request.POST.get("reason", ""),
                                           resume_on=form.cleaned_data.get("resume_on")),
                   _("The request is on hold."))


@staff_member_required
@require_POST
def resume(request, number: int):
    return perform(request, number, lambda: services.resume(request.user, number),
                   _("The request is back in work."))


@staff_member_required
@require_POST
def resolve(request, number: int):
    return perform(request, number, lambda: services.resolve(request.user, number),
                   _("The request is marked as solved."))


@staff_member_required
@require_POST
def archive(request, number: int):
    return perform(request, number, lambda: services.archive(request.user, number),
                   _("The request is archived."))


@staff_member_required
@require_POST
def unlock(request, number: int):
    return perform(request, number, lambda: services.unlock(request.user, number),
                   _("The request is unlocked: anyone in its department can take it."))


@staff_member_required
@require_POST
def reassign(request, number: int):
    form = forms.ReassignForm(request.POST, staff=active_staff(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a staff member."))
        return redirect("staff:ticket", number=number)
    agent_id = form.cleaned_data["agent"]
    return perform(request, number,
                   lambda: services.reassign(request.user, number, agent_id),
                   _("The request is reassigned."))


def transfer_form(user, data=None, staff=None):
    return forms.TransferForm(data, departments=policies.transfer_departments(user),
                              staff=active_staff(user) if staff is None else staff)


@staff_member_required
@require_POST
def transfer(request, number: int):
    """Copy the request to a department or a staff member; the holder keeps it."""
    form = transfer_form(request.user, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a department or a staff member."))
        return redirect("staff:ticket", number=number)
    return perform(request, number,
                   lambda: services.transfer(request.user, number, **form.target_kwargs()),
                   _("Request copied to %(target)s.") % {"target": form.target_label()})


@staff_member_required
@require_POST
def follow(request, number: int):
    return perform(request, number, lambda: services.follow(request.user, number),
                   _("You follow the request: its conversation comes to you by mail."))


@staff_member_required
@require_POST
def unfollow(request, number: int):
    return perform(request, number, lambda: services.unfollow(request.user, number),
                   _("You no longer follow the request."))


@staff_member_required
@require_POST
def cc_add(request, number: int):
    email = request.POST.get("email", "")
    return perform(request, number, lambda: services.add_cc(request.user, number, email),
                   _("%(email)s gets the replies in copy.") % {"email": email.strip()})


@staff_member_required
@require_POST
def cc_remove(request, number: int):
    email = request.POST.get("email", "")
    return perform(request, number, lambda: services.remove_cc(request.user, number, email),
                   _("%(email)s no longer gets the replies.") % {"email": email.strip()})


@staff_member_required
@require_POST
def retry_mail(request, number: int, mail_id: int):
    return perform(request, number,
                   lambda: services.retry_mail(request.user, number, mail_id),
                   _("The mail is queued to be sent again."))

"""The client portal: a client's requests, opening one, and the conversation inside it.

Views parse the input, call a ticket service or selector and render. Refusals come back from
the services as DomainError and are shown on the form field they name or as a flash message;
every action is a POST that redirects afterwards.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zapros.accounts import roles
from zapros.core.addresses import client_address
from zapros.core.errors import DomainError, NotFound
from zapros.tickets import policies, search, selectors, services
from zapros.tickets.states import Action
from zapros.web.http import add_domain_error, perform

from .forms import NewRequestForm, RatingForm, ReplyForm, SearchForm

PAGE_SIZE = 25


def client_required(view):
    """The portal is for clients: anonymous visitors go to the login page, staff members to
    their own workspace."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_client(request.user):
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapper


def _ticket_url(number, message_id=None) -> str:
    url = reverse("portal:ticket", args=[number])
    return f"{url}#m{message_id}" if message_id else url


def _access(request, number):
    """The client's own ticket; a missing one and another client's are both 404."""
    try:
        return policies.access_ticket(request.user, number)
    except NotFound as error:
        raise Http404(str(error.message)) from None


# --- Lists ----------------------------------------------------------------------------------

@client_required
def requests(request):
    """The client's requests that are not archived: the page they land on after login."""
    return _request_list(request, active=True)


@client_required
def all_requests(request):
    """Every request of the client, the archive included."""
    return _request_list(request, active=False)


def _request_list(request, *, active: bool):
    tickets = selectors.client_requests(request.user, active=active)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/requests.html", {
        "page": page,
        "active": active,
        "section": "requests" if active else "all",
    })


@client_required
@require_GET
def search_page(request):
    """The client's own requests by number or by words of the subject and public messages."""
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    result = search.search(request.user, query)
    if result.jump is not None:
        return redirect(_ticket_url(result.jump.number))
    return render(request, "portal/search.html", {
        "form": form, "query": search.text.clean_query(query), "result": result,
        "limit": search.LIMIT,
    })


# --- Opening a request ----------------------------------------------------------------------

@client_required
@require_http_methods(["GET", "POST"])
def new(request):
    if request.method != "POST":
        return render(request, "portal/new.html", {
            "form": NewRequestForm(request.user), "section": "new",
        })
    form = NewRequestForm(request.user, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.open_ticket(
                request.user,
                department_id=data["department"],
                subject=data["subject"],
                body=data["body"],
                type=data["type"],
                service_id=data.get("service"),
                topic_id=data.get("topic"),
                files=data["attachments"],
                address=client_address(request),
            )
        except DomainError as error:
            add_domain_error(request, error, form)
        else:
            messages.success(request, _(
                "Your request #%(number)s has been received. Support will answer you here."
            ) % {"number": ticket.number})
            return redirect(_ticket_url(ticket.number))
    return render(request, "portal/new.html", {"form": form, "section": "new"})


# --- One request ----------------------------------------------------------------------------

@client_required
@require_http_methods(["GET", "POST"])
def ticket(request, number: int):
    """The public conversation; a POST here is the client's reply."""
    ticket = _access(request, number)
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message = services.client_reply(
                    request.user, ticket.number,
                    body=form.cleaned_data["body"], files=form.cleaned_data["attachments"],
                )
            except DomainError as error:
                add_domain_error(request, error, form)
            else:
                messages.success(request, _("Your message has been sent."))
                return redirect(_ticket_url(message.ticket.number, message.pk))
    return _ticket_page(request, ticket, form)


def _ticket_page(request, ticket, reply_form):
    page = selectors.client_ticket_page(request.user, ticket)
    services.mark_seen(request.user, ticket)
    return render(request, "portal/ticket.html", {
        "ticket": ticket,
        "conversation": page.conversation,
        "unread_ids": page.unread_ids,
        "reply_form": reply_form,
        "can_reply": Action.CLIENT_REPLY in page.offered,
        "reply_reopens": page.reply_reopens,
        "can_resolve": Action.CLIENT_RESOLVE in page.offered,
        "can_archive": Action.ARCHIVE in page.offered,
        "section": "all" if ticket.is_archived else "requests",
        "section_current": "true",
        "cc_addresses": page.cc_addresses,
        "answer_by": page.answer_by,
    })


@client_required
@require_POST
def resolve(request, number: int):
    return perform(request, lambda: services.resolve(request.user, number), _(
        "The request is marked as solved. If the problem comes back, write into this "
        "request and it will be reopened."
    ), _ticket_url(number))


@client_required
@require_POST
def archive(request, number: int):
    return perform(request, lambda: services.archive(request.user, number), _(
        "The request is archived: you will find it under “All requests”. Writing into it "
        "reopens it."
    ), _ticket_url(number))


@client_required
@require_POST
def rate(request, number: int):
    form = RatingForm(request.POST)
    form.is_valid()  # every field is optional: what is missing or malformed stays empty
    data = form.cleaned_data
    message_id = data.get("message")
    try:
        services.rate(
            request.user, number, message_id=message_id,
            value=data.get("value") or "", comment=data.get("comment") or "",
        )
    except DomainError as error:
        add_domain_error(request, error)
    else:
        messages.success(request, _("Thank you for rating the answer."))
    return redirect(_ticket_url(number, message_id))


@client_required
@require_POST
def cc_add(request, number: int):
    """Add an address that gets support's replies in copy."""
    email = request.POST.get("email", "")
    return perform(request, lambda: services.add_cc(request.user, number, email),
                   _("%(email)s will get support's replies in copy.") % {"email": email.strip()},
                   _ticket_url(number) + "#copies")


@client_required
@require_POST
def cc_remove(request, number: int):
    email = request.POST.get("email", "")
    return perform(request, lambda: services.remove_cc(request.user, number, email),
                   _("%(email)s no longer gets the replies.") % {"email": email.strip()},
                   _ticket_url(number) + "#copies")

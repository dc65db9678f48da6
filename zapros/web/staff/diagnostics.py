"""Whois and DNS of the domain of a ticket's service, from the staff ticket page.

With htmx the answer is a fragment swapped into the page; without JavaScript the buttons are
plain links to a page of their own. The rules (who, which domain, how often) live in
``zapros.tickets.services.diagnostics``.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zapros.core.errors import DomainError, NotFound
from zapros.tickets import diagnostics

from .views import access, staff_member_required


@staff_member_required
@require_GET
def whois(request, number: int):
    return show(request, number, diagnostics.whois_lookup, "whois")


@staff_member_required
@require_GET
def dns(request, number: int):
    return show(request, number, diagnostics.dns_lookup, "dns")


def show(request, number: int, run, kind: str):
    lookup, error, status = None, "", 200
    try:
        lookup = run(request.user, number)
    except NotFound as missing:
        raise Http404(str(missing.message)) from None
    except DomainError as refusal:
        error, status = str(refusal.message), refusal.status
    context = {"lookup": lookup, "error": error, "kind": kind}
    if request.htmx:
        # htmx swaps only successful answers; the refusal is in the fragment.
        return render(request, "staff/_diagnostics.html", context)
    context["ticket"] = access(request.user, number)
    return render(request, "staff/diagnostics.html", context, status=status)


"""Small helpers the views share: turning domain refusals into what a person sees."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect

from zapros.core.errors import DomainError, NotFound


def add_domain_error(request, error: DomainError, form=None) -> None:
    """Show a refusal: on the form field it names, else as a message at the top of the page."""
    if isinstance(error, NotFound):
        raise Http404(str(error.message))
    if form is not None and error.field and error.field in form.fields:
        form.add_error(error.field, str(error.message))
    elif form is not None:
        form.add_error(None, str(error.message))
    else:
        messages.error(request, error.message)


def perform(request, operation, done: str, back: str) -> HttpResponseRedirect:
    """Run one button's operation, say how it went (``done``, or the refusal), and go back to
    ``back`` (post, redirect, get)."""
    try:
        operation()
    except DomainError as error:
        add_domain_error(request, error)
    else:
        messages.success(request, done)
    return redirect(back)

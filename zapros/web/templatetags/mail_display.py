"""Showing mail in the conversation: the quoted history below a reply folds away."""

from django import template
from django.utils.safestring import mark_safe

from zapros.core.html import sanitise
from zapros.mail.parsing import split_quoted

register = template.Library()


@register.filter
def quoted_parts(message) -> tuple[str, str]:
    """(what was written, the quoted history) for a mail; (body, "") for anything else."""
    if getattr(message, "channel", "") != "email":
        return message.body, ""
    return split_quoted(message.body)


@register.filter
def formatted(message) -> str:
    """The sanitised HTML of an imported mail, sanitised once more on the way out so that only
    the sanitiser's output ever reaches the page; "" when the message has none."""
    html = getattr(message, "body_html", None)
    if not html or getattr(message, "channel", "") != "email":
        return ""
    return mark_safe(sanitise(html))  # the sanitiser's own output

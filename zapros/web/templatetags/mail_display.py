"""Showing mail in the conversation: the quoted history below a reply folds away."""

from django import template

from zapros.mail.parsing import split_quoted

register = template.Library()


@register.filter
def quoted_parts(message) -> tuple[str, str]:
    """(what was written, the quoted history) for a mail; (body, "") for anything else."""
    if getattr(message, "channel", "") != "email":
        return message.body, ""
    return split_quoted(message.body)

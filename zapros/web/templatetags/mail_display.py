"""Showing a message in the conversation: the parts it was rendered into when it was written."""

from django import template

from zapros.tickets import rendering

register = template.Library()


@register.filter
def shown(message) -> tuple:
    """(the text written now, the quoted history below it, the formatted version of a mail),
    each ready to print, "" for a part the message does not have (zapros.tickets.rendering)."""
    return rendering.message_parts(message)

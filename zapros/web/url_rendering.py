"""``{% url %}`` that asks the URL resolver once per URL name, not once per link.

``reverse()`` searches the URL patterns, checks the arguments against the pattern's regular
expression and quotes the result: about 22 µs a link, and a page of the workspace has twenty
to thirty links. For a name whose arguments are all whole numbers (ticket numbers, keys) or
none, the URL is the same text around them every time: the first call learns that text, the
next ones only put the numbers in (about 10 µs, most of it finding the request's URLconf,
script prefix and language). Anything else (keyword arguments, text arguments, a name
that does not reverse the same way twice) goes to ``reverse()`` as before. Installed as a
template builtin (settings.TEMPLATES), it replaces Django's tag of the same name and syntax.
"""

import re

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

# Two sets of stand-in numbers: the URL built with the first is cut into the text between
# the arguments, and rebuilding it with the second must give what reverse() gives.
_FIRST = (918273645, 918273646, 918273647, 918273648)
_SECOND = (546372819, 546372818, 546372817, 546372816)
_UNCACHEABLE = ()
_shapes: dict[tuple, tuple[str, ...]] = {}


def quick_reverse(view_name: str, args=(), current_app: str | None = None) -> str:
    """``reverse(view_name, args=args, current_app=current_app)``, learnt once per name."""
    if len(args) > len(_FIRST) or not all(type(arg) is int and arg >= 0 for arg in args):
        return reverse(view_name, args=args, current_app=current_app)
    key = (get_resolver(get_urlconf()), get_script_prefix(), get_language(), view_name,
           current_app, len(args))
    pieces = _shapes.get(key)
    if pieces is None:
        pieces = _shapes[key] = _learn(view_name, len(args), current_app)
    if pieces is _UNCACHEABLE:
        return reverse(view_name, args=args, current_app=current_app)
    return _fill(pieces, args)


def _learn(view_name: str, count: int, current_app: str | None) -> tuple[str, ...]:
    first = reverse(view_name, args=_FIRST[:count], current_app=current_app)
    if count == 0:
        return (first,)
    pieces = tuple(re.split("|".join(str(marker) for marker in _FIRST[:count]), first))
    if len(pieces) != count + 1:
        return _UNCACHEABLE
    second = _SECOND[:count]
    if _fill(pieces, second) != reverse(view_name, args=second, current_app=current_app):
        return _UNCACHEABLE
    return pieces


def _fill(pieces: tuple[str, ...], args) -> str:
    if len(pieces) == 1:
        return pieces[0]
    out = [pieces[0]]
    for arg, piece in zip(args, pieces[1:], strict=True):
        out.append(str(arg))
        out.append(piece)
    return "".join(out)


class QuickURLNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = quick_reverse(view_name, args, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return QuickURLNode(node.view_name, node.args, node.kwargs, node.asvar)

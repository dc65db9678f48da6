"""URLs of one name for many numbers, at the cost of asking the URL resolver once.

The rows drawn in Python (staff/rows.py, staff/timeline.py) link fifty tickets or thirty
attachments by number. ``reverse()`` searches the URL patterns, checks the arguments against
the pattern's regular expression and quotes the result, about 22 µs a link; for a name whose
one argument is a whole number, the URL is the same text around the number every time. The
first call learns that text (and checks it against a second ``reverse()``); a name that does
not reverse the same way twice goes to ``reverse()`` for every number. Templates use Django's
own ``{% url %}``.
"""

from collections.abc import Callable

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stand-in numbers: the URL built with the first is cut around it, and filling in the second
# must give what reverse() gives for it.
_FIRST, _SECOND = 918273645, 546372819
_shapes: dict[tuple, tuple[str, str] | None] = {}


def numbered_url(view_name: str) -> Callable[[int], str]:
    """``lambda number: reverse(view_name, args=[number])`` for whole numbers ≥ 0."""
    key = (get_resolver(get_urlconf()), get_script_prefix(), get_language(), view_name)
    if key not in _shapes:
        _shapes[key] = _learn(view_name)
    shape = _shapes[key]
    if shape is None:
        return lambda number: reverse(view_name, args=[number])
    head, tail = shape
    return lambda number: f"{head}{number}{tail}"


def _learn(view_name: str) -> tuple[str, str] | None:
    pieces = reverse(view_name, args=[_FIRST]).split(str(_FIRST))
    if len(pieces) != 2:
        return None
    head, tail = pieces
    if f"{head}{_SECOND}{tail}" != reverse(view_name, args=[_SECOND]):
        return None
    return head, tail

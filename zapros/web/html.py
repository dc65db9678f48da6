"""HTML written in Python, escaped by default: the one way the web layer does it.

Where a page is drawn in Python for speed (the queue's and the search's rows, the ticket's
conversation), its markup is an :class:`Html` with named places, compiled once. Every value
put into a place is escaped as ``{{ value }}`` in a template would be (Django's
``conditional_escape``), unless it is already safe: a ``SafeString``, such as another
:class:`Html`'s output. So a place added to the markup is escaped without anyone asking, and
text from the data can never become markup or a format instruction: a ``{`` or ``%`` in a
value is printed, not read.

This is ``format_html`` with the format string looked up once and plain ``str`` values
escaped without ``conditional_escape``'s function calls and lazy-text layers (the same
result, a test checks it): fifty rows of twenty values go through here on every queue page.
"""

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

__all__ = ["Html", "escape", "join"]

_plain = str.__str__   # the text of a str subclass as a plain str


def escape(value) -> SafeString:
    """``conditional_escape(value)``: the text of ``value`` escaped, unless it is safe; for
    a text placed many times, escape it once with this and place the result."""
    kind = type(value)
    if kind is str:
        return SafeString(_escape_str(value))
    if kind is SafeString:
        return value
    if kind is int:
        return SafeString(value)
    return conditional_escape(value)


def _escape_str(text: str) -> str:
    # What django.utils.html.escape (the standard library's html.escape) writes, without
    # its function calls: this runs for nearly every value of every row.
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


class Html:
    """A piece of markup with named places: ``ROW = Html('<a href="{href}">{text}</a>')``,
    then ``ROW(href=..., text=...)`` is a ``SafeString`` with every value escaped unless it
    is already safe. Places are plain names (no attribute look-ups or format specs)."""

    __slots__ = ("_format_map", "markup")

    def __init__(self, markup: str):
        self.markup = markup
        self._format_map = markup.format_map

    def __call__(self, **values) -> SafeString:
        for name, value in values.items():
            kind = type(value)
            if kind is str:     # most values: escape() written out, a call saved per value
                values[name] = (value.replace("&", "&amp;").replace("<", "&lt;")
                                .replace(">", "&gt;").replace('"', "&quot;")
                                .replace("'", "&#x27;"))
            elif kind is SafeString:
                # As a plain str: formatting a str subclass calls its __str__, written in
                # Python for SafeString, once for every piece of every row.
                values[name] = _plain(value)
            elif kind is not int:
                values[name] = conditional_escape(value)
        return SafeString(self._format_map(values))

    def __repr__(self):
        return f"Html({self.markup!r})"


def join(pieces, separator: str = "") -> SafeString:
    """The pieces one after another (``separator`` between them), each escaped unless safe."""
    return SafeString(escape(separator).join(map(escape, pieces)))

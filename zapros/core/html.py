"""Sanitising HTML that comes from outside (e-mail bodies): only harmless markup survives.

No scripts, event handlers, styles or ``javascript:`` links, and nothing that loads from
elsewhere: an image survives only when it points into the mail itself (``cid:``), and only
where the caller asks for images; :func:`link_images` then points it at our own copy.
"""

import html
import re
from collections.abc import Callable

import nh3

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "hr", "i", "li", "ol", "p", "pre",
    "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
IMAGE_ATTRIBUTES = {"src", "alt", "width", "height"}


def _only_inline_images(tag: str, attribute: str, value: str) -> str | None:
    """Remote images would tell the sender when and where the mail was read: only ``cid:``
    sources stay. A ``cid:`` link goes nowhere, so it is dropped too."""
    is_cid = value.strip().lower().startswith("cid:")
    if tag == "img" and attribute == "src":
        return value if is_cid else None
    if tag == "a" and attribute == "href" and is_cid:
        return None
    return value


def sanitise(markup: str, *, images: bool = False) -> str:
    """``markup`` with only harmless tags and attributes; with ``images``, ``<img>`` whose
    source is a ``cid:`` part of the same mail (every other source is removed)."""
    if not images:
        return nh3.clean(
            markup,
            tags=ALLOWED_TAGS,
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS | {"img"},
        attributes={"a": {"href", "title"}, "img": IMAGE_ATTRIBUTES},
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_only_inline_images,
    )


CID_SRC_RE = re.compile(r'<img([^>]*?) src="cid:([^"]*)"')


def link_images(markup: str, resolve: Callable[[str], str | None]) -> str:
    """Sanitised ``markup`` (from :func:`sanitise` with ``images``) with every ``cid:`` image
    pointed at ``resolve(content_id)``, our own address of that part; an image ``resolve``
    does not know loses its source. Only what the sanitiser wrote is rewritten: attributes
    come out of it double-quoted and escaped."""

    def replace(match: re.Match) -> str:
        url = resolve(html.unescape(match.group(2)).strip().strip("<>"))
        if not url:
            return f"<img{match.group(1)}"
        return f'<img{match.group(1)} src="{html.escape(url)}"'

    return CID_SRC_RE.sub(replace, markup)

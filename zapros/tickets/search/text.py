# ruff: noqa: RUF001 - Russian word endings: Cyrillic letters are meant here.
"""Pure text work for search: reading the query, SQLite's query language, safe highlighting.

No ORM here. The database marks matches with two private-use characters; :func:`mark_up`
escapes everything else and turns each pair into ``<mark>…</mark>``, so a subject or a body
can never inject markup through a snippet.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Private-use code points: never typed by people, stripped from the indexed text.
START = "\ue000"
STOP = "\ue001"

MAX_QUERY_LENGTH = 200
MAX_NUMBER = 2**63 - 1

_NUMBER = re.compile(r"#?\s*(\d+)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A word of any script, letters and digits, with inner hyphens or apostrophes kept together.
_TERM = re.compile(r"(-?)(\"[^\"]*\"?|[\w]+(?:['’-][\w]+)*)", re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def clean_query(query: str | None) -> str:
    """The query as searched: one line, collapsed spaces, bounded length, no markers."""
    text = (query or "").replace(START, " ").replace(STOP, " ")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def ticket_number(query: str) -> int | None:
    """``1024`` and ``#1024`` ask for a ticket by number (0 for one that cannot exist);
    anything else is not a number."""
    match = _NUMBER.fullmatch(query)
    if match is None:
        return None
    digits = match.group(1).lstrip("0")
    if not digits or len(digits) > 19 or int(digits) > MAX_NUMBER:
        return 0
    return int(digits)


def looks_like_email(query: str) -> bool:
    return _EMAIL.fullmatch(query) is not None


def strip_markers(text: str) -> str:
    return text.replace(START, "").replace(STOP, "")


def mark_up(text: str | None) -> SafeString:
    """Escape ``text`` and turn each START…STOP pair into ``<mark>…</mark>``; a lone marker
    is dropped. The only markup that can come out is ``<mark>`` and ``</mark>``."""
    out: list[str] = []
    inside = False
    for piece in re.split(f"([{START}{STOP}])", text or ""):
        if piece == START:
            if not inside:
                out.append("<mark>")
                inside = True
        elif piece == STOP:
            if inside:
                out.append("</mark>")
                inside = False
        else:
            out.append(escape(piece))
    if inside:
        out.append("</mark>")
    return mark_safe("".join(out))


# --- SQLite (FTS5) ---------------------------------------------------------------------------

# Russian endings, longest first, for SQLite, whose tokenizers have no Russian stemmer: a query
# word loses its ending and becomes a prefix query ("оплатил" → оплат*), so that "оплата",
# "оплаты" and "оплатил" find each other. PostgreSQL does real Snowball stemming instead.
_RUSSIAN_ENDINGS = sorted({
    "иями", "ями", "ами", "ией", "ием", "иях", "ях", "ах", "ов", "ев", "ей", "ий", "ый", "ой",
    "ая", "яя", "ое", "ее", "ие", "ые", "ого", "его", "ому", "ему", "ым", "им", "ых", "их",
    "ую", "юю", "ом", "ам", "ям", "ию", "ия", "ья", "ье", "ью", "ьи",
    "ила", "ило", "или", "ыла", "ыло", "ыли", "ала", "ало", "али", "яла", "яло", "яли",
    "ил", "ыл", "ал", "ял", "ать", "ять", "ить", "еть", "уть", "ешь", "ет", "ют", "ут", "ит",
    "ат", "ят", "ете", "ите", "ться", "тся", "ась", "ось", "ись", "ся", "сь",
    "а", "я", "о", "е", "ы", "и", "у", "ю", "ь", "й",
}, key=len, reverse=True)
MIN_STEM = 3


def russian_stem(word: str) -> str:
    """A light suffix strip for Cyrillic words (at least MIN_STEM letters stay)."""
    lower = word.lower()
    for ending in _RUSSIAN_ENDINGS:
        if lower.endswith(ending) and len(lower) - len(ending) >= MIN_STEM:
            return lower[: -len(ending)]
    return lower


def _fts5_term(word: str) -> str:
    """One query word as an FTS5 string (quoted, so no word is read as an operator)."""
    if _CYRILLIC.search(word):
        stem = russian_stem(word)
        if stem != word.lower():
            return f'"{stem}"*'
    return f'"{word}"'


def fts5_query(query: str, columns: tuple[str, ...] | None = None) -> str | None:
    """The user's words as an FTS5 expression, in the spirit of ``websearch_to_tsquery``:
    words must all occur, ``"a phrase"`` keeps its order, ``-word`` excludes, ``or`` between
    two words accepts either. ``columns`` limits where the words may occur.

    Returns None when nothing searchable is left.
    """
    positive: list[str] = []
    negative: list[str] = []
    pending_or = False
    for minus, token in _TERM.findall(query):
        if token.startswith('"'):
            words = _WORD.findall(token)
            if not words:
                continue
            term = '"' + " ".join(words) + '"' if len(words) > 1 else _fts5_term(words[0])
        else:
            if token.lower() == "or" and positive and not minus:
                pending_or = True
                continue
            words = _WORD.findall(token)
            term = (
                _fts5_term(words[0]) if len(words) == 1
                else '"' + " ".join(words) + '"'
            )
        if minus:
            negative.append(term)
        elif pending_or:
            positive[-1] = f"({positive[-1]} OR {term})"
            pending_or = False
        else:
            positive.append(term)
    if not positive:
        return None
    expression = " AND ".join(positive)
    for term in negative:
        expression = f"({expression}) NOT {term}"
    if columns:
        expression = "{" + " ".join(columns) + "} : (" + expression + ")"
    return expression

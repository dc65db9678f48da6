"""Keyset pages: a page starts right after (or before) the row the reader last saw, found by
the values the list is sorted on, so that page 1,000 costs what page 1 costs and rows added
meanwhile neither repeat nor vanish between pages.

The cursor carries those values, the direction and the page's number, signed with the
project's secret: a reader cannot forge a position, and a cursor that does not verify is
refused with :class:`ValidationFailed` on the field ``cursor``. The queryset passed in must
already be filtered to what the reader may see; a cursor only says where to start.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_

from django.core import signing
from django.db.models import BooleanField, Expression, F, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

INVALID = _("This page link is not valid.")


@dataclass(frozen=True)
class Key:
    """One column of the sort order. ``nullable`` keys sort their NULLs after every value,
    in both directions and on every database."""

    field: str
    descending: bool = False
    nullable: bool = False
    type: type = int   # int, bool or datetime: what a cursor value must parse as


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    next_cursor: str | None
    previous_cursor: str | None
    has_previous: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def ordering(keys, *, reverse: bool = False) -> list:
    """ORDER BY expressions for ``keys`` (``reverse``: the same order read backwards)."""
    expressions = []
    for key in keys:
        descending = key.descending != reverse
        if key.nullable:
            column = F(key.field)
            expressions.append(column.desc(nulls_first=True) if descending and reverse
                               else column.desc(nulls_last=True) if descending
                               else column.asc(nulls_first=True) if reverse
                               else column.asc(nulls_last=True))
        else:
            expressions.append(f"-{key.field}" if descending else key.field)
    return expressions


def paginate(queryset: QuerySet, keys, cursor: str | None, size: int, *, salt: str) -> Page:
    """One page of ``queryset`` in the order of ``keys``, after (or before) ``cursor``.

    One query: it reads one row more than the page to know whether another page follows.
    Raises ValidationFailed(field="cursor") for a cursor that is not valid.
    """
    if not cursor:
        rows = list(queryset.order_by(*ordering(keys))[: size + 1])
        return _page(keys, rows, size, number=1, forward=True, from_cursor=False, salt=salt)
    values, forward, number = decode(cursor, keys, salt=salt)
    queryset = queryset.filter(beyond(keys, values, forward=forward))
    rows = list(queryset.order_by(*ordering(keys, reverse=not forward))[: size + 1])
    return _page(keys, rows, size, number=number, forward=forward, from_cursor=True, salt=salt)


def _page(keys, rows, size, *, number, forward, from_cursor, salt) -> Page:
    more = len(rows) > size
    rows = rows[:size]
    if forward:
        has_next, has_previous = more, from_cursor
    else:
        rows.reverse()
        has_next, has_previous = True, more
        if not has_previous:
            number = 1   # back at the start, however far the count says
    number = max(number, 2) if has_previous else 1
    return Page(
        rows=rows,
        number=number,
        next_cursor=encode(keys, rows[-1], True, number + 1, salt=salt)
        if has_next and rows else None,
        previous_cursor=encode(keys, rows[0], False, number - 1, salt=salt)
        if has_previous and rows and number > 2 else None,
        has_previous=has_previous,
    )


def beyond(keys, values, *, forward: bool = True) -> Q:
    """Rows strictly after (``forward``) or before ``values`` in the order of ``keys``.

    Keys on which no row can be past the cursor (the last group of a boolean, NULL at the
    end) only fix the group: rows beyond are in it. When the keys after those go one way and
    hold no NULLs, "beyond" is a single row comparison, ``(updated_at, id) < (…, …)``, which
    the database reads as a bound of the index rather than as a filter: page 20,000 of the
    archive then costs what page 1 costs. Otherwise it is the chain "past on the first key, or
    equal on it and past on the next, …".
    """
    terms = []
    same = Q()
    for index, (key, value) in enumerate(zip(keys, values, strict=True)):
        step = _strictly(key, value, forward)
        if step is not None:
            if not terms:
                rest = _row_beyond(keys[index:], values[index:], forward)
                if rest is not None:
                    return same & Q(rest)
            terms.append(same & step)
        same &= Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})
    return reduce(or_, terms) if terms else Q(pk__in=[])


def _row_beyond(keys, values, forward: bool):
    if len(keys) < 2 or any(value is None for value in values) or any(
        key.nullable or key.type is bool or key.descending != keys[0].descending
        for key in keys
    ):
        return None
    later = forward != keys[0].descending
    return RowComparison([key.field for key in keys], list(values), ">" if later else "<")


class RowComparison(Expression):
    """``(a, b, …) < (x, y, …)`` over columns ``fields`` and the ``values`` given."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, fields, values, operator: str):
        super().__init__(output_field=BooleanField())
        self.operator = operator
        self.width = len(fields)
        self.sources = [F(name) for name in fields] + [Value(value) for value in values]

    def get_source_expressions(self):
        return self.sources

    def set_source_expressions(self, expressions):
        self.sources = list(expressions)

    def as_sql(self, compiler, connection):
        parts, params = [], []
        for expression in self.sources:
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width:])
        return f"({left}) {self.operator} ({right})", params


def _strictly(key: Key, value, forward: bool) -> Q | None:
    """Rows past ``value`` on this key alone; None when no row can be."""
    name = key.field
    later = forward != key.descending       # "past" means greater on this column
    if value is None:                       # NULLs come last in either direction
        return None if forward else Q(**{f"{name}__isnull": False})
    if key.type is bool:
        if later:
            return None if value else Q(**{name: True})
        return Q(**{name: False}) if value else None
    past = Q(**{f"{name}__{'gt' if later else 'lt'}": value})
    if key.nullable and forward:
        past |= Q(**{f"{name}__isnull": True})
    return past


def encode(keys, row, forward: bool, number: int, *, salt: str) -> str:
    values = []
    for key in keys:
        value = getattr(row, key.field)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return signing.dumps([values, 1 if forward else 0, number], salt=salt, compress=True)


def decode(cursor: str, keys, *, salt: str) -> tuple[list, bool, int]:
    """The values, the direction and the page number of a cursor this module signed."""
    try:
        values, forward, number = signing.loads(str(cursor), salt=salt)
        if len(values) != len(keys) or forward not in (0, 1):
            raise ValueError
        parsed = [_parse(key, value) for key, value in zip(keys, values, strict=True)]
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise ValueError
    except (signing.BadSignature, TypeError, ValueError):
        raise ValidationFailed(INVALID, field="cursor") from None
    return parsed, bool(forward), number


def _parse(key: Key, value):
    if value is None:
        if not key.nullable:
            raise ValueError
        return None
    if key.type is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed
    if type(value) is not key.type:
        raise TypeError
    return value

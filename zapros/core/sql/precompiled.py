"""Expressions turned into SQL once per process, for the statements a busy page runs on every
request.

Django builds and compiles every expression of a statement each time the statement runs. For
a subquery that is most of the cost: the ticket page asks with the ticket whether it has
followers, copy addresses and so on, five EXISTS that PostgreSQL answers in microseconds and
that took the ORM 2 ms to build and compile on every page. An expression whose SQL never
changes (no parameter that depends on the request) can be compiled once and reused as
``RawSQL``. It is still written with the ORM, where its meaning is checked and kept.
"""

from collections.abc import Callable

from django.db import connection
from django.db.models import Expression, Model
from django.db.models.expressions import RawSQL

_compiled: dict[tuple[str, str], dict[str, tuple[str, tuple, object]]] = {}


def annotations(model: type[Model], name: str,
                build: Callable[[], dict[str, Expression]]) -> dict[str, RawSQL]:
    """``build()``'s expressions, compiled once for ``model``'s rows, as annotations.

    ``name`` keys the cache: one name, one ``build``. An ``OuterRef`` in them refers to the
    row of ``model`` that the statement reads, so the annotations belong on a statement that
    reads ``model`` itself (``Ticket.objects...annotate(**annotations(Ticket, ...))``), not on
    one that reaches ``model`` through a join or as a subquery of another statement.
    ``build()`` must not depend on the request: what it returns the first time is what every
    later statement gets.
    """
    key = (connection.vendor, name)
    compiled = _compiled.get(key)
    if compiled is None:
        query = model._default_manager.all().query
        compiler = query.get_compiler(connection=connection)
        compiled = {}
        for label, expression in build().items():
            resolved = expression.resolve_expression(query, allow_joins=False)
            sql, params = compiler.compile(resolved)
            compiled[label] = (sql, tuple(params), resolved.output_field)
        _compiled[key] = compiled
    return {label: RawSQL(sql, params, output_field=field)
            for label, (sql, params, field) in compiled.items()}

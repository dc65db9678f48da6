"""Rows read and written with SQL built once per process, for the operations run many times a
second (opening a ticket).

Building a statement through the ORM costs more than its round trip to the database on a
small machine (0.5 to 1 ms per statement on two cores, against 0.1 to 0.2 ms for the round
trip), and that work is the same every time. Here the statement is built once from the
models' metadata, and values still go through the fields (``get_db_prep_save`` going in, the
backend's and the field's converters coming out), so every column is written and read exactly
as the ORM would.
Models saved here must not rely on ``pre_save``/``post_save`` signals (Zapros uses none).
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import NOT_PROVIDED, Model


def _database():
    # The connection itself: going through ``django.db.connection`` looks it up again on every
    # attribute, which here would cost more than the fields' own work.
    return connections[DEFAULT_DB_ALIAS]


class Select:
    """A query joining several models, each under an alias, that returns one instance of
    each per row (None for a model whose columns are all NULL, as after a LEFT JOIN miss).

    ``sql`` is a format string: ``{columns}`` becomes the columns of every model, in the
    order given, and ``{Client}`` (any model's class name) its quoted table name.
    """

    def __init__(self, models: list[tuple[type[Model], str]], sql: str):
        self.models = models
        self.sql = sql
        self._built: dict[str, tuple] = {}

    def _build(self, connection):
        key = connection.alias
        if key not in self._built:
            qn = connection.ops.quote_name
            columns, readers = [], []
            for model, alias in self.models:
                fields = model._meta.concrete_fields
                columns += [f"{alias}.{qn(field.column)}" for field in fields]
                converters = []
                for field in fields:
                    column = field.get_col(alias)
                    converters.append((column, connection.ops.get_db_converters(column)
                                       + field.get_db_converters(connection)))
                readers.append((model, [field.attname for field in fields], converters))
            tables = {model.__name__: qn(model._meta.db_table) for model, _alias in self.models}
            self._built[key] = (self.sql.format(columns=", ".join(columns), **tables), readers)
        return self._built[key]

    def first(self, params) -> tuple | None:
        """The first row as a tuple of instances, or None when there is none."""
        connection = _database()
        sql, readers = self._build(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        return self._instances(connection, readers, row)

    def all(self, params) -> list[tuple]:
        """Every row, each as a tuple of instances."""
        connection = _database()
        sql, readers = self._build(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [self._instances(connection, readers, row) for row in rows]

    @staticmethod
    def _instances(connection, readers, row) -> tuple:
        instances, start = [], 0
        for model, names, converters in readers:
            values = list(row[start:start + len(names)])
            start += len(names)
            if all(value is None for value in values):
                instances.append(None)
                continue
            for i, (column, field_converters) in enumerate(converters):
                for converter in field_converters:
                    values[i] = converter(values[i], column, connection)
            instances.append(model.from_db(connection.alias, names, values))
        return tuple(instances)


def insert(*instances: Model, also: list[tuple[str, list]] = ()) -> None:
    """Write new ``instances`` (their models' keys are automatic; any foreign keys already
    set) and set their keys, as ``save()`` would, with statements built once per model; then
    run the statements ``also`` (writes that return nothing, as ``(sql, params)``). On
    PostgreSQL they all go in one statement (data-modifying WITH): one round trip for all."""
    connection = _database()
    statements, returning = [], True
    for instance in instances:
        table = _table(connection, type(instance))
        statements.append((table.insert_sql, table.params(connection, instance)))
        returning = returning and table.returning
    with connection.cursor() as cursor:
        if len(statements) + len(also) > 1 and connection.vendor == "postgresql":
            parts = ", ".join(
                f"w{n} AS ({sql})" for n, (sql, _params) in enumerate([*statements, *also])
            )
            keys = ", ".join(f"(SELECT * FROM w{n})" for n in range(len(statements))) or "1"
            cursor.execute(f"WITH {parts} SELECT {keys}",
                           [param for _sql, params in [*statements, *also] for param in params])
            keys = cursor.fetchone()[:len(statements)]
        else:
            keys = []
            for sql, params in statements:
                cursor.execute(sql, params)
                keys.append(cursor.fetchone()[0] if returning else cursor.lastrowid)
            for sql, params in also:
                cursor.execute(sql, params)
    for instance, key in zip(instances, keys, strict=True):
        _inserted(connection, instance, key)


def insert_counted(instance: Model, field_name: str, counter_sql: str) -> bool:
    """On PostgreSQL, write a new ``instance`` whose ``field_name`` is the value that
    ``counter_sql`` returns (a data-modifying statement returning one value, such as a
    counter's ``UPDATE … RETURNING``), in one statement; set its key and that field. Returns
    False, having written nothing, when the counter returns no row, and on other databases."""
    connection = _database()
    if connection.vendor != "postgresql":
        return False
    table = _table(connection, type(instance))
    position = [field.name for field in table.fields].index(field_name)
    field = table.fields[position]
    values = ["%s"] * len(table.fields)
    values[position] = "c.value"
    params = table.params(connection, instance)
    del params[position]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH c(value) AS ({counter_sql}) {table.head} SELECT {', '.join(values)} FROM c "
            f"RETURNING {table.key}, {connection.ops.quote_name(field.column)}",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    key, value = row
    setattr(instance, field.attname, value)
    _inserted(connection, instance, key)
    return True


class _Table:
    """What writing a model's rows needs, built once per model and database."""

    def __init__(self, connection, model: type[Model]):
        meta = model._meta
        self.fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
        # A column the database fills in, or computes, is not written by the ORM either.
        assert all(field.db_default is NOT_PROVIDED and not field.generated
                   for field in self.fields)
        qn = connection.ops.quote_name
        self.head = (f"INSERT INTO {qn(meta.db_table)} "
                     f"({', '.join(qn(field.column) for field in self.fields)})")
        self.key = qn(meta.pk.column)
        # SQLite before 3.35 has no RETURNING: the key is then the cursor's last row id.
        self.returning = connection.features.can_return_columns_from_insert
        self.insert_sql = (f"{self.head} VALUES ({', '.join(['%s'] * len(self.fields))})"
                           + (f" RETURNING {self.key}" if self.returning else ""))

    def params(self, connection, instance: Model) -> list:
        return [field.get_db_prep_save(field.pre_save(instance, True), connection)
                for field in self.fields]


_TABLES: dict[tuple[str, type[Model]], _Table] = {}


def _table(connection, model: type[Model]) -> _Table:
    table = _TABLES.get((connection.alias, model))
    if table is None:
        table = _TABLES[(connection.alias, model)] = _Table(connection, model)
    return table


def _inserted(connection, instance: Model, key) -> None:
    instance.pk = key
    instance._state.adding = False
    instance._state.db = connection.alias


def update_many(instances: list[Model], field_names: tuple[str, ...], *,
                batch: int = 1000) -> None:
    """Write ``field_names`` of saved ``instances`` of one model, one row each, by their keys:
    one statement prepared once and run for every row (``executemany``: pipelined on
    PostgreSQL). Django's ``bulk_update`` builds a CASE per column and row instead, which for
    thousands of rows costs seconds of Python and a quadratic plan."""
    if not instances:
        return
    connection = _database()
    meta = type(instances[0])._meta
    qn = connection.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    key = meta.pk
    sql = (f"UPDATE {qn(meta.db_table)} SET "
           + ", ".join(f"{qn(field.column)} = %s" for field in fields)
           + f" WHERE {qn(key.column)} = %s")
    with connection.cursor() as cursor:
        for start in range(0, len(instances), batch):
            cursor.executemany(sql, [
                [field.get_db_prep_save(getattr(instance, field.attname), connection)
                 for field in fields]
                + [key.get_db_prep_save(instance.pk, connection)]
                for instance in instances[start:start + batch]
            ])

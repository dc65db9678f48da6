"""What Zapros tells PostgreSQL's planner about statements whose best plan it knows."""

from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def joins_as_written():
    """Plan the joins of the statements run inside in the order they are written.

    A list of tickets reads its rows from the tickets table by an index and joins each row's
    client, department and people by their keys. With five such joins PostgreSQL spends
    2-4 ms trying other orders, longer than reading the rows takes, and comes back to this
    one. The setting lasts until the end of a transaction opened here; inside a transaction
    already open it would outlive these statements, so nothing changes there, nor on other
    databases.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # SET LOCAL, as a statement that can be prepared.
        cursor.execute("SELECT set_config('join_collapse_limit', '1', true)")
        yield

#!/usr/bin/env python
"""Opening tickets through the service layer: open_ticket() per second in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zapros_bench \\
        .venv/bin/python bench/create_tickets.py --count 1000

A client opens ``--count`` tickets one after another, each in its own transaction, as the
portal and the API do. Prints the rate, the SQL queries one ticket takes (counted on a few
more tickets afterwards, so that recording them does not slow the timed run) and, on
PostgreSQL, how many empty write transactions per second the server commits: with
``synchronous_commit`` on every commit waits for the WAL to reach the disk, which bounds any
one-ticket-per-transaction rate. ``bench/run.py`` measures the service layer with
:func:`measure`.

The database is written to: use one made for benchmarks (``manage.py generate``), which has
the client (client2@bench.zapros.test); the tickets go to a department the measured agent
(agent1@bench.zapros.test) does not work in.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITER = "client2@bench.zapros.test"
AGENT = "agent1@bench.zapros.test"
COUNTED = 20


def writes_department():
    """Where the benchmarks open their tickets: a department of the support center that the
    measured agent does not work in, so that what one run writes never enters the queue the
    next run measures."""
    from zapros.accounts.models import Department

    return (Department.objects.filter(in_support_center=True)
            .exclude(members__email=AGENT).order_by("pk").first())


def measure(count: int, *, counted: int = COUNTED) -> dict:
    """Open ``count`` tickets as the bench's client; the rate, and queries per ticket over
    ``counted`` more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zapros.accounts.models import User
    from zapros.tickets import services

    client = User.objects.get(email=WRITER)
    department = writes_department()

    def open_one(i):
        services.open_ticket(client, department_id=department.pk,
                             subject=f"Service layer {i}",
                             body="Opened in one process by the bench.")

    open_one(-1)  # connection, translations and caches are ready before the clock starts
    began = time.perf_counter()
    for i in range(count):
        open_one(i)
    seconds = time.perf_counter() - began
    with CaptureQueriesContext(connection) as queries:
        for i in range(counted):
            open_one(count + i)
    return {"tickets": count, "seconds": round(seconds, 2),
            "per_s": round(count / seconds, 1),
            "queries_per_ticket": round(len(queries) / counted, 2)}


def commit_ceiling(count: int = 500) -> float | None:
    """Empty write transactions (one row inserted, committed) per second on PostgreSQL; None
    on other databases. A temporary table would not be WAL-logged, so a real one is made and
    dropped."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (id bigserial PRIMARY KEY)")
    try:
        began = time.perf_counter()
        for _ in range(count):
            with connection.cursor() as cursor:   # autocommit: one transaction per statement
                cursor.execute("INSERT INTO bench_commit_probe DEFAULT VALUES")
        seconds = time.perf_counter() - began
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_commit_probe")
    return round(count / seconds, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="tickets to open")
    parser.add_argument("--database", help="DATABASE_URL (default: the environment's)")
    parser.add_argument("--no-ceiling", action="store_true",
                        help="skip measuring the commit rate of the server")
    args = parser.parse_args()
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL or pass --database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "zapros-bench-only-" + "x" * 40)
    os.environ.setdefault("HUEY_IMMEDIATE", "0")
    os.environ.setdefault("ZAPROS_OPEN_LIMIT", "100000000")   # counted, never refused
    os.environ.setdefault("DEBUG", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    result = measure(args.count)
    print(f"open_ticket(): {result['per_s']} tickets/s ({result['tickets']} in "
          f"{result['seconds']} s), {result['queries_per_ticket']} queries per ticket")
    if not args.no_ceiling:
        ceiling = commit_ceiling()
        if ceiling is not None:
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                sync = cursor.fetchone()[0]
            print(f"empty write transactions: {ceiling}/s (synchronous_commit={sync})")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

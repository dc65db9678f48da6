#!/usr/bin/env python
"""The SLA escalation sweep over many running clocks: how long one sweep takes, and how many
rows it reads, when few or many clocks crossed a threshold.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zapros_bench1m \\
        .venv/bin/python bench/sla_sweep.py --clocks 20000 --crossed 200

Adds ``--clocks`` running clocks (resolution clocks of archived tickets, which have none)
with due times spread over the next days, ``--crossed`` of them past their warning and
``--crossed`` past their due time, runs :func:`zapros.tickets.deadlines.sweep` once with
the crossed ones and once more with none left, then counts every live clock again as an
administrator's change of a policy does, and rolls everything back: the database is left as
it was. Prints the times, the statements and what was announced.
"""

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clocks", type=int, default=20000)
    parser.add_argument("--crossed", type=int, default=200)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from zapros.core import clock
    from zapros.sla.models import Clock
    from zapros.tickets import deadlines
    from zapros.tickets.models import Ticket

    now = clock.now()
    tickets = list(Ticket.objects.filter(state="archived").order_by("id")
                   .values_list("pk", flat=True)[:args.clocks])
    if len(tickets) < args.clocks:
        raise SystemExit(f"only {len(tickets)} archived tickets: generate more data")
    figures = {}

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            rows = []
            for i, pk in enumerate(tickets):
                if i < args.crossed:                      # past its due time
                    due = now - timedelta(minutes=5 + i)
                elif i < 2 * args.crossed:                # past its warning only
                    due = now + timedelta(minutes=30)
                else:                                     # running quietly
                    due = now + timedelta(hours=2, minutes=i % 5000)
                target = timedelta(hours=10)
                rows.append(Clock(
                    ticket_id=pk, metric="resolution", state="running", policy_name="bench",
                    target=target, started_at=due - target, due_at=due,
                    warn_at=due - target * 0.2, reason={"start": "bench"}, updated_at=now))
            Clock.objects.bulk_create(rows, batch_size=5000)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE sla_clock")
            for name in ("sweep_with_crossed", "sweep_quiet"):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    swept = deadlines.sweep(now=now)
                    seconds = time.perf_counter() - began
                figures[name] = {"seconds": round(seconds, 3), "statements": len(queries),
                                 "warned": swept.warned, "breached": swept.breached,
                                 "escalated": swept.escalated}
            # An administrator's change of a policy counts every live clock again, in the
            # change's own transaction.
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                deadlines.configuration_changed()
                seconds = round(time.perf_counter() - began, 3)
                figures["policy_change_recount"] = {"seconds": seconds,
                                                    "statements": len(queries)}
            with connection.cursor() as cursor:
                cursor.execute(
                    "EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM sla_clock "
                    "WHERE state = 'running' AND due_at <= %s ORDER BY due_at LIMIT 5000", [now])
                figures["plan"] = [row[0] for row in cursor.fetchall()]
            raise Rollback
    except Rollback:
        pass
    figures.update(clocks=args.clocks, crossed=args.crossed,
                   running_before=Clock.objects.filter(state="running").count())
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

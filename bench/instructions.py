#!/usr/bin/env python
"""The Python work of one page, counted in instructions rather than milliseconds.

    .venv/bin/python bench/instructions.py \\
        --database postgres://postgres@127.0.0.1:5432/zapros_bench1m

This machine's CPU changes speed by itself, so two timings of the same code can differ by a
third. valgrind's callgrind counts the instructions the process executes instead: the same
for the same code and data whatever else the machine does, which makes it the measure for
comparing two versions of a page. The page is requested through Django's test client, signed
in as ``--user``, under callgrind twice: 10 and 40 requests after the same start. The
difference over 30 is one request: the application's own work, the database's excepted
(PostgreSQL runs in its own processes). Needs valgrind (Debian's package) and a database that
``bench/run.py`` has prepared: by default the page is its ticket of thirty messages. A
measurement takes a few minutes: callgrind runs Python about fifty times slower.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBJECT_30 = "Benchmark: a conversation of thirty messages"   # bench/run.py's ticket
FEW, MANY = 10, 40


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL of a benchmark database")
    parser.add_argument("--path", help="the page (default: the benchmark's ticket page)")
    parser.add_argument("--user", default="agent1@bench.zapros.test", help="who reads it")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/2",
                        help="REDIS_URL for the cache and the sessions ('' for none)")
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)  # the inner run
    args = parser.parse_args()
    os.environ.update({
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "zapros-bench-only-" + "x" * 40,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
        "STATIC_MANIFEST": "0",
        "REDIS_URL": args.redis,
        "PYTHONHASHSEED": "0",
    })
    if args.requests is not None:
        request_page(args)
        return
    counts = {count: instructions(count) for count in (FEW, MANY)}
    per_request = (counts[MANY] - counts[FEW]) / (MANY - FEW)
    print(f"{args.path or 'ticket page (30 messages)'} as {args.user}: "
          f"{per_request / 1e6:.1f} M instructions per request")


def instructions(count: int) -> int:
    """What callgrind counts for this script requesting the page ``count`` times."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, __file__, *sys.argv[1:], "--requests", str(count)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        sys.exit(f"valgrind failed:\n{done.stdout}\n{done.stderr[-2000:]}")
    return int(found.group(1))


def request_page(args):
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from zapros.accounts.models import User
    from zapros.tickets.models import Ticket

    path = args.path
    if path is None:
        ticket = Ticket.objects.filter(subject=SUBJECT_30).first()
        if ticket is None:
            sys.exit("No benchmark ticket here: run bench/run.py on this database first.")
        path = f"/staff/tickets/{ticket.number}/"
    browser = Client()
    browser.force_login(User.objects.get(email=args.user))
    for _ in range(3):   # warm: templates loaded, statements prepared
        response = browser.get(path)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
    for _ in range(args.requests):
        browser.get(path)


if __name__ == "__main__":
    main()

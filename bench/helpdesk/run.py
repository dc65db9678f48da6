#!/usr/bin/env python
"""django-helpdesk measured the way bench/run.py measures Zapros, on the same machine.

    ~/.cache/zapros-helpdesk/venv/bin/python bench/helpdesk/run.py \\
        --database postgres://postgres@127.0.0.1:5432/hd_100k \\
        --name helpdesk-100k --json bench/results/helpdesk-100k.json

Run with the django-helpdesk virtualenv (``bench/helpdesk/setup.sh``) on a database filled
by ``bench/helpdesk/generate.py``. Starts gunicorn on 127.0.0.1 (2 workers x 4 threads,
gthread, DEBUG off, persistent connections), signs in as ``agent1`` through django-helpdesk's
login form, and measures sequential latency (median, p95) on one kept-alive connection of:
the staff ticket list (its HTML page, and the JSON its table then loads by AJAX), a ticket
with 20 follow-ups, a keyword search (the list with ``?q=``, page and JSON) for a common word
and a rare one, and the dashboard. A page whose first requests take over a second is measured
``--slow-requests`` times instead of ``--requests``, one whose first request takes over ten
seconds ``--very-slow-requests`` times; each row records its n. Then ticket
creation per second through the staff "create ticket" form over HTTP and through
django-helpdesk's own form code in one process, SQL queries per page, and the peak RSS
(VmHWM) of each gunicorn worker. Prints a table and writes JSON.

The database is written to (tickets are created): use one made for benchmarks.
"""

import argparse
import html
import json
import os
import platform
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/harness.py, shared with Zapros's benchmark
from harness import Browser, Server, cpu_reference, rate, summary, timed  # noqa: E402

SITE = HERE / "site"
VENV = Path(os.environ.get("HD_VENV") or Path.home() / ".cache" / "zapros-helpdesk" / "venv")
PASSWORD = "bench12345"
AGENT = "agent1"
SUBMITTER = "client2@bench.zapros.test"
SUBJECT_20 = "Benchmark: a conversation of twenty follow-ups"
# The parameters DataTables sends for the first page of the table as the list shows it.
DATATABLE = ("draw=1&start=0&length={length}&order%5B0%5D%5Bcolumn%5D=5"
             "&order%5B0%5D%5Bdir%5D=asc&search%5Bvalue%5D=&search%5Bregex%5D=false")
# The same words as Zapros's bench searches for: one most tickets hold, one a few share.
WORDS = {"common word": "site", "rare word": "client17.example"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL of a benchmark database")
    parser.add_argument("--requests", type=int, default=200, help="per page, sequentially")
    parser.add_argument("--slow-requests", type=int, default=20,
                        help="per page whose first requests take over a second")
    parser.add_argument("--very-slow-requests", type=int, default=5,
                        help="per page whose first request takes over ten seconds")
    parser.add_argument("--writes", type=int, default=100, help="tickets created over HTTP")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--name", default="", help="a label for this run")
    args = parser.parse_args()

    env = {
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "hdsite.settings",
        "DEBUG": "0",
        "DATABASE_CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }
    os.environ.update(env)
    sys.path.insert(0, str(SITE))
    import django

    django.setup()
    import helpdesk

    results = {"name": args.name, "product": f"django-helpdesk {helpdesk_version(helpdesk)}",
               "django": django.get_version(), "machine": machine(),
               "database": database_label(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    fixtures = prepare_fixtures()
    results["data"] = fixtures.pop("counts")
    print(f"data: {results['data']}", flush=True)
    with Server(VENV / "bin" / "gunicorn", "hdsite.wsgi:application", SITE, env) as server:
        results["http"] = measure_http(server.port, fixtures, args)
        results["memory"] = server.memory()
    print(f"  gunicorn workers' peak RSS: {results['memory']}", flush=True)
    results["in_process"] = measure_in_process(args.writes * 3)
    results["queries"] = measure_queries(fixtures)
    results["load_at_end"] = os.getloadavg()
    results["cpu_reference_ms_at_end"] = cpu_reference()
    report(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"\nwritten to {args.json}")


def helpdesk_version(module) -> str:
    from importlib.metadata import version

    try:
        return version("django-helpdesk")
    except Exception:  # an unpackaged checkout
        return getattr(module, "__version__", "?")


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "system": platform.platform(), "load_at_start": os.getloadavg(),
            "cpu_reference_ms_at_start": cpu_reference()}


def database_label() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        return cursor.fetchone()[0].split(" on ")[0]


def prepare_fixtures() -> dict:
    from django.contrib.auth.models import User
    from helpdesk.models import FollowUp, Queue, Ticket

    long = Ticket.objects.filter(title=SUBJECT_20).order_by("pk").first()
    if long is None:
        raise SystemExit("No ticket with 20 follow-ups: run bench/helpdesk/generate.py first.")
    return {
        "long": long.pk,
        "queue": Queue.objects.get(slug="tech").pk,
        "counts": {
            "tickets": Ticket.objects.count(),
            "open_tickets": Ticket.objects.filter(status__in=(1, 2)).count(),
            "followups": FollowUp.objects.count(),
            "private_followups": FollowUp.objects.filter(public=False).count(),
            "followups_on_long_ticket": FollowUp.objects.filter(ticket=long).count(),
            "users": User.objects.count(),
            "staff": User.objects.filter(is_staff=True).count(),
        },
    }


# --- the server -----------------------------------------------------------------------------

def table_url(browser, page) -> str:
    """The JSON address the list's table loads, as the page names it."""
    _status, content, _response = browser.request("GET", page)
    match = re.search(rb'"url": "(/helpdesk/datatables_ticket_list/[^"]+)"', content)
    length = re.search(rb"data-page-length='(\d+)'", content)
    if not match or not length:
        raise RuntimeError(f"{page} names no table data address or page length")
    return (html.unescape(match.group(1).decode()) + "?"
            + DATATABLE.format(length=int(length.group(1))))


def measure_http(port, fixtures, args) -> dict:
    agent = Browser(port, timeout=300).sign_in("/helpdesk/login/", AGENT, PASSWORD,
                                               next="/helpdesk/")
    pages = {
        "ticket list (page)": "/helpdesk/tickets/",
        "ticket list (table data)": table_url(agent, "/helpdesk/tickets/"),
        "ticket page (20 follow-ups)": f"/helpdesk/tickets/{fixtures['long']}/",
        "dashboard": "/helpdesk/dashboard/",
    }
    for label, word in WORDS.items():
        page = "/helpdesk/tickets/?" + urllib.parse.urlencode({"q": word})
        pages[f"search, {label} (page)"] = page
        pages[f"search, {label} (table data)"] = table_url(agent, page)
    out = {}
    for label, path in pages.items():
        # Warm up with 10 requests, as for Zapros, unless the page takes seconds.
        probe = timed(agent, "GET", path, 1)
        if probe[0] > 10_000:
            count = args.very_slow_requests
        else:
            probe += timed(agent, "GET", path, 2)
            if statistics.median(probe) > 1000:
                count = args.slow_requests
            else:
                timed(agent, "GET", path, 7)
                count = args.requests
        row = summary(timed(agent, "GET", path, count))
        row["path"] = path
        row["load"] = [round(x, 2) for x in os.getloadavg()]
        out[label] = row
        print(f"  {label:38} median {row['median_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms  "
              f"n {row['n']:3}  load {row['load'][0]:.2f}", flush=True)
    # What a person waits for: the page, then the table's data it fetches.
    for base in ("ticket list", "search, common word", "search, rare word"):
        page, data = out[f"{base} (page)"], out[f"{base} (table data)"]
        out[f"{base} (page + table data)"] = {
            "n": min(page["n"], data["n"]),
            "median_ms": round(page["median_ms"] + data["median_ms"], 2),
            "p95_ms": round(page["p95_ms"] + data["p95_ms"], 2),
            "note": "sum of the two requests' figures", "load": data["load"]}
    out.update(measure_writes(agent, fixtures, args.writes))
    return out


def measure_writes(agent, fixtures, count) -> dict:
    token = agent.csrf("/helpdesk/tickets/submit/")
    form = {"csrfmiddlewaretoken": token, "queue": fixtures["queue"],
            "title": "Benchmark request", "body": "Opened by the bench.", "priority": "3",
            "due_date": "", "submitter_email": SUBMITTER, "assigned_to": ""}
    times = timed(agent, "POST", "/helpdesk/tickets/submit/", count, body=form, expect=(302,),
                  headers={"Referer": f"http://127.0.0.1:{agent.port}/helpdesk/tickets/submit/"})
    row = {**summary(times), "per_s": rate(times), "load": [round(x, 2) for x in
                                                             os.getloadavg()]}
    print(f"  {'create ticket (staff form, HTTP)':38} median {row['median_ms']:8.1f} ms  "
          f"p95 {row['p95_ms']:8.1f} ms  {row['per_s']:7.1f} /s", flush=True)
    return {"create ticket (staff form, HTTP)": row}


# --- in one process -------------------------------------------------------------------------

def measure_in_process(count) -> dict:
    """Tickets made by django-helpdesk's own code: TicketForm.save() (ticket, first follow-up,
    notifications rendered and handed to the dummy mail backend)."""
    from django.contrib.auth.models import User
    from helpdesk.forms import TicketForm
    from helpdesk.models import Queue
    from helpdesk.views.staff import get_user_queues

    agent = User.objects.get(username=AGENT)
    queue = Queue.objects.get(slug="tech")
    choices = get_user_queues(agent)
    began = time.perf_counter()
    for i in range(count):
        form = TicketForm(data={"queue": str(queue.pk), "title": f"In one process {i}",
                                "body": "Opened in one process by the bench.", "priority": "3",
                                "submitter_email": SUBMITTER, "assigned_to": ""},
                          queue_choices=choices)
        if not form.is_valid():
            raise RuntimeError(f"the form refused the ticket: {form.errors}")
        form.save(user=agent)
    seconds = time.perf_counter() - began
    result = {"tickets": count, "seconds": round(seconds, 2), "per_s": round(count / seconds, 1),
              "load": [round(x, 2) for x in os.getloadavg()]}
    print(f"  TicketForm.save() in one process: {result['per_s']} tickets/s", flush=True)
    return result


def measure_queries(fixtures) -> dict:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    browser = Client()
    browser.force_login(User.objects.get(username=AGENT))
    pages = {"ticket list (page)": "/helpdesk/tickets/",
             "ticket page (20 follow-ups)": f"/helpdesk/tickets/{fixtures['long']}/",
             "dashboard": "/helpdesk/dashboard/"}
    response = browser.get("/helpdesk/tickets/")
    data = re.search(r'"url": "(/helpdesk/datatables_ticket_list/[^"]+)"',
                     response.content.decode())
    pages["ticket list (table data)"] = (html.unescape(data.group(1)) + "?"
                                         + DATATABLE.format(length=25))
    counts = {}
    for label, path in pages.items():
        browser.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[label] = len(captured)
    return counts


# --- the report -----------------------------------------------------------------------------

def report(results):
    print(f"\n{results['product']} benchmark {results['name']}  {results['started']}")
    print(f"machine: {results['machine']['cpus']} CPUs, {results['machine']['system']}, "
          f"load {', '.join(f'{x:.1f}' for x in results['machine']['load_at_start'])}")
    print(f"database: {results['database']}; data: {results['data']}")
    print(f"\n{'page / operation':42} {'median ms':>10} {'p95 ms':>9} {'n':>4} {'/s':>7} "
          f"{'queries':>8} {'load':>5}")
    for label, row in results["http"].items():
        speed = row.get("per_s", "")
        queries = results["queries"].get(label, "")
        print(f"{label:42} {row['median_ms']:>10.1f} {row['p95_ms']:>9.1f} {row['n']:>4} "
              f"{speed!s:>7} {queries!s:>8} {row['load'][0]:>5.2f}")
    layer = results["in_process"]
    print(f"\nTicketForm.save() in one process: {layer['per_s']} tickets/s "
          f"(load {layer['load'][0]:.2f})")
    print(f"gunicorn worker peak RSS (VmHWM): {results['memory']['max_peak_mib']} MiB")


if __name__ == "__main__":
    main()

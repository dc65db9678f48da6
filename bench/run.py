#!/usr/bin/env python
"""Zapros benchmarks: the pages and the API through HTTP, against gunicorn on 127.0.0.1.

    .venv/bin/python bench/run.py --database postgres://postgres@127.0.0.1:5432/zapros_bench \\
        --tickets 100000 --json bench/results/pg-100k.json

Migrates the database, generates ``--tickets`` tickets if it holds fewer (``manage.py
generate``), starts gunicorn on a free port, signs in through the real login form, and
measures: latency (median, p95) of the queue (default, filtered, its next page), a ticket
page with 30 messages, the client's "Requests" page and the API list; requests per second at
``--concurrency``; opening requests through the portal form and the API and posting messages;
opening requests through the service layer in one process; the peak RSS (VmHWM) of each
gunicorn worker; SQL queries per page; and, on
PostgreSQL, EXPLAIN (ANALYZE, BUFFERS) of the queue's and the ticket page's queries, flagging
any sequential scan of tickets or messages. Prints a table and writes JSON.

The database is written to (tickets and messages are created): use one made for benchmarks.
Every request goes to 127.0.0.1 only, and every loop is bounded by its count.
"""

import argparse
import json
import os
import platform
import re
import sys
import time
import urllib.parse
from pathlib import Path

from harness import Browser, Server, cpu_reference, rate, summary, throughput, timed

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
SUBJECT_30 = "Benchmark: a conversation of thirty messages"
SUBJECT_WRITES = "Benchmark: messages are posted here"
PASSWORD = "bench12345"
AGENT, SUPERVISOR, CLIENT = ("agent1@bench.zapros.test", "supervisor@bench.zapros.test",
                             "client1@bench.zapros.test")
# Writes go to another client's account, so that the pages read stay the same run after run.
WRITER = "client2@bench.zapros.test"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL of a benchmark database")
    parser.add_argument("--tickets", type=int, default=0,
                        help="generate this many tickets first if the database has fewer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200, help="per page, sequentially")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--writes", type=int, default=100, help="per write benchmark")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/2",
                        help="REDIS_URL for the cache and the sessions, as in production "
                             "('' for none: sessions then come from the database)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--name", default="", help="a label for this run")
    parser.add_argument("--only", type=re.compile, metavar="REGEX",
                        help="measure only the pages and operations whose label matches")
    args = parser.parse_args()

    env = {
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "zapros-bench-only-" + "x" * 40,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_COOKIES": "0",
        "STATIC_MANIFEST": "0",
        "HUEY_IMMEDIATE": "0",
        # One client opens the measured tickets: counted, as always, but never refused.
        "ZAPROS_OPEN_LIMIT": "100000000",
        "ZAPROS_OPEN_ADDRESS_LIMIT": "100000000",
        "REDIS_URL": args.redis,
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", str(ROOT / "var" / "bench-media")),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    results = {"name": args.name, "machine": machine(), "database": database_label(),
               "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    results["generate"] = prepare_data(args)
    fixtures = prepare_fixtures()
    results["data"] = fixtures.pop("counts")
    with Server(VENV / "gunicorn", "config.wsgi:application", ROOT, env) as server:
        results["http"] = measure_http(server.port, fixtures, args)
        results["memory"] = server.memory()
    results["service_layer"] = (measure_service_layer(args.writes * 3)
                                if wanted(args, "open_ticket()") else None)
    results["queries"], results["explain"] = measure_queries(fixtures, args)
    results["machine"]["load_at_end"] = os.getloadavg()
    results["machine"]["cpu_reference_ms_at_end"] = cpu_reference()
    report(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"\nwritten to {args.json}")


def wanted(args, label: str) -> bool:
    return args.only is None or args.only.search(label) is not None


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "system": platform.platform(), "load_at_start": os.getloadavg(),
            "cpu_reference_ms_at_start": cpu_reference()}


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            return cursor.fetchone()[0].split(" on ")[0]
    return f"{connection.vendor} {connection.Database.sqlite_version}"


# --- data -----------------------------------------------------------------------------------

def prepare_data(args) -> dict:
    from django.core.management import call_command

    from zapros.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    have = Ticket.objects.count()
    if have >= args.tickets:
        return {"generated": 0, "existing": have}
    began = time.monotonic()
    call_command("generate", tickets=args.tickets - have, seed=args.seed)
    return {"generated": args.tickets - have, "seconds": round(time.monotonic() - began, 1)}


def prepare_fixtures() -> dict:
    """The people who sign in, a ticket with 30 messages, an API token; made once."""
    from bench.create_tickets import writes_department
    from zapros.accounts.models import User
    from zapros.api.models import ApiToken
    from zapros.tickets import services
    from zapros.tickets.models import Event, Message, Ticket
    from zapros.tickets.states import State

    agent = User.objects.get(email=AGENT)
    client = User.objects.get(email=CLIENT)
    department = agent.departments.filter(in_support_center=True).first()
    long = Ticket.objects.filter(subject=SUBJECT_30).first()
    if long is None:
        long = services.open_ticket(client, department_id=department.pk, subject=SUBJECT_30,
                                    body="The first message.")
        services.take(agent, long.number)
        for i in range(29):
            if i % 2 == 0:
                services.reply(agent, long.number, body=f"Answer {i}", close=False,
                                 note="Checked the logs." if i % 6 == 0 else "")
            else:
                services.client_reply(client, long.number, body=f"Reply {i}")
    writer = User.objects.get(email=WRITER)
    # What the benchmark writes goes to a department agent1 does not work in (see
    # create_tickets.writes_department): the queues measured stay the same run after run.
    elsewhere = writes_department()
    writes = Ticket.objects.filter(subject=SUBJECT_WRITES, client_id=writer.pk,
                                   department=elsewhere).first()
    if writes is None:
        writes = services.open_ticket(writer, department_id=elsewhere.pk,
                                      subject=SUBJECT_WRITES, body="The first message.")
    ApiToken.objects.filter(name="bench").delete()
    # A rare word: the order number one of the oldest requests quotes, so that the search
    # has to go all the way back through the index to find it.
    quoting = (Message.objects.filter(ticket_id__lte=1000, body__contains="Order A")
               .order_by("ticket_id").values_list("body", flat=True).first() or "")
    order = re.search(r"Order (A\d+)", quoting)
    _token, agent_key = ApiToken.issue(agent, "bench")
    _token, supervisor_key = ApiToken.issue(User.objects.get(email=SUPERVISOR), "bench")
    _token, client_key = ApiToken.issue(client, "bench")
    _token, writer_key = ApiToken.issue(writer, "bench")
    return {
        "long": long.number,
        "writes": writes.number,
        "department": department.pk,
        "writes_department": elsewhere.pk,
        "agent_key": agent_key,
        "supervisor_key": supervisor_key,
        "client_key": client_key,
        "writer_key": writer_key,
        "rare_word": order.group(1) if order else "client17.example",
        "counts": {
            "tickets": Ticket.objects.count(),
            "active_tickets": Ticket.objects.exclude(state=State.ARCHIVED).count(),
            "messages": Message.objects.count(),
            "events": Event.objects.count(),
            "messages_on_long_ticket": Message.objects.filter(ticket__number=long.number).count(),
            "client_tickets": Ticket.objects.filter(client_id=client.pk).count(),
            "client_active_tickets": Ticket.objects.filter(client_id=client.pk).exclude(
                state=State.ARCHIVED).count(),
        },
    }


# --- through HTTP ---------------------------------------------------------------------------

def measure_http(port, fixtures, args) -> dict:
    agent = Browser(port).sign_in("/login/", AGENT, PASSWORD)
    client = Browser(port).sign_in("/login/", CLIENT, PASSWORD)
    api_agent = {"Authorization": f"Bearer {fixtures['agent_key']}"}
    api_client = {"Authorization": f"Bearer {fixtures['client_key']}"}
    # The second page of the queue, by the cursor the first page links to.
    _s, first, _r = agent.request("GET", "/staff/")
    next_link = re.search(rb'rel="next" href="([^"]+)"', first)
    next_page = "/staff/" + next_link.group(1).decode().replace("&amp;", "&") if next_link \
        else "/staff/"
    pages = {
        "queue (default)": (agent, "/staff/", None),
        "queue (needs reply, department)":
            (agent, f"/staff/?needs_reply=on&department={fixtures['department']}", None),
        "queue (archived included)": (agent, "/staff/?status=all", None),
        # Waiting for our answer past the deadline: the head of the queue's SLA order.
        "queue (overdue only)": (agent, "/staff/?overdue=on", None),
        "queue (next page)": (agent, next_page, None),
        "ticket page (30 messages)": (agent, f"/staff/tickets/{fixtures['long']}/", None),
        "client Requests page": (client, "/portal/requests/", None),
        "API list (staff)": (agent, "/api/v1/tickets", api_agent),
        "API list (client)": (client, "/api/v1/tickets", api_client),
        # A word in most tickets, one in internal comments only, one in a single old ticket.
        "search, staff (common word)": (agent, "/staff/search/?q=site", None),
        "search, staff (internal word)": (agent, "/staff/search/?q=RAID", None),
        "search, staff (rare word)": (agent, f"/staff/search/?q={fixtures['rare_word']}", None),
        "search, client (common word)": (client, "/portal/requests/search/?q=site+down", None),
    }
    out = {}
    for label, (browser, path, headers) in pages.items():
        if not wanted(args, label):
            continue
        timed(browser, "GET", path, 10, headers=headers)  # warm up
        row = summary(timed(browser, "GET", path, args.requests, headers=headers))
        row["rps"] = round(throughput(browser, path, args.requests * 2, args.concurrency,
                                      headers=headers), 1)
        row["path"] = path
        out[label] = row
        print(f"  {label:34} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
              f"{row['rps']:7.1f} req/s", flush=True)
    writer = Browser(port).sign_in("/login/", WRITER, PASSWORD)
    api_writer = {"Authorization": f"Bearer {fixtures['writer_key']}"}
    supervisor = Browser(port).sign_in("/login/", SUPERVISOR, PASSWORD)
    api_supervisor = {"Authorization": f"Bearer {fixtures['supervisor_key']}"}
    out.update(measure_writes(writer, supervisor, fixtures, args, api_supervisor, api_writer))
    return out


def measure_writes(client, staff, fixtures, args, api_staff, api_client) -> dict:
    out = {}
    count = args.writes
    if not any(wanted(args, label) for label in WRITES):
        return out
    token = client.csrf("/portal/requests/new/")
    form = {"csrfmiddlewaretoken": token, "department": fixtures["writes_department"],
            "subject": "Benchmark request", "type": "question", "body": "Opened by the bench."}
    times = timed(client, "POST", "/portal/requests/new/", count, body=form, expect=(302,))
    out["open request (portal form)"] = {**summary(times), "per_s": rate(times)}
    payload = json.dumps({"department": fixtures["writes_department"],
                          "subject": "Benchmark request",
                          "body": "Opened through the API."})
    times = timed(client, "POST", "/api/v1/tickets", count, body=payload, expect=(201,),
                  headers={**api_client, "Content-Type": "application/json"})
    out["open request (API)"] = {**summary(times), "per_s": rate(times)}
    number = fixtures["writes"]
    payload = json.dumps({"body": "One more message from the bench."})
    times = timed(client, "POST", f"/api/v1/tickets/{number}/messages", count, body=payload,
                  expect=(201,), headers={**api_client, "Content-Type": "application/json"})
    out["post message (API, client)"] = {**summary(times), "per_s": rate(times)}
    payload = json.dumps({"body": "Internal note from the bench.", "visibility": "internal"})
    times = timed(staff, "POST", f"/api/v1/tickets/{number}/messages", count, body=payload,
                  expect=(201,), headers={**api_staff, "Content-Type": "application/json"})
    out["post internal comment (API, staff)"] = {**summary(times), "per_s": rate(times)}
    for label in WRITES:
        row = out[label]
        print(f"  {label:34} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
              f"{row['per_s']:7.1f} /s", flush=True)
    return out


WRITES = ("open request (portal form)", "open request (API)", "post message (API, client)",
          "post internal comment (API, staff)")


# --- in one process -------------------------------------------------------------------------

def measure_service_layer(count) -> dict:
    """open_ticket() in one process, as bench/create_tickets.py measures it."""
    from bench.create_tickets import measure

    result = measure(count)
    print(f"  open_ticket() in one process: {result['per_s']} tickets/s, "
          f"{result['queries_per_ticket']} queries each", flush=True)
    return result


def measure_queries(fixtures, args):
    """Queries per page through Django's test client, and the plans of the big ones."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from zapros.accounts.models import User

    setup_test_environment()  # responses then carry their template context
    browsers = {}
    for email in (AGENT, SUPERVISOR, CLIENT):
        browsers[email] = Client()
        browsers[email].force_login(User.objects.get(email=email))
    agent = browsers[AGENT]
    first = agent.get("/staff/")
    page = first.context["page"]
    pages = {
        "queue (default)": (AGENT, "/staff/"),
        "queue (needs reply, department)":
            (AGENT, f"/staff/?needs_reply=on&department={fixtures['department']}"),
        "queue (archived included)": (AGENT, "/staff/?status=all"),
        "queue (next page)": (AGENT, "/staff/?" + urllib.parse.urlencode(
            {"cursor": page.next_cursor or ""})),
        "queue (supervisor, assignee=nobody)": (SUPERVISOR, "/staff/?assignee=nobody"),
        "ticket page (30 messages)": (AGENT, f"/staff/tickets/{fixtures['long']}/"),
        "client Requests page": (CLIENT, "/portal/requests/"),
        "client ticket page": (CLIENT, f"/portal/requests/{fixtures['long']}/"),
        "search, staff (common word)": (AGENT, "/staff/search/?q=site"),
        "search, staff (rare word)": (AGENT, f"/staff/search/?q={fixtures['rare_word']}"),
        "search, client (common word)": (CLIENT, "/portal/requests/search/?q=site+down"),
    }
    counts, plans = {}, {}
    for label, (email, path) in pages.items():
        if not wanted(args, label):
            continue
        browser = browsers[email]
        browser.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[label] = len(captured)
        if connection.vendor == "postgresql":
            plans[label] = explain(connection, captured.captured_queries)
    return counts, plans


BIG_TABLES = ("tickets_ticket", "tickets_message", "tickets_event", "tickets_search")


def explain(connection, queries) -> list:
    from django.db import transaction

    out = []
    with transaction.atomic(), connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"].lstrip()
            if sql.startswith("SELECT set_config("):
                # What the search sets for its ranking (no parallel workers, no JIT) applies
                # to the plans that follow, as it does to the page's ranking query.
                cursor.execute(sql)
                continue
            if not any(table in sql for table in BIG_TABLES) or not sql.startswith(
                    ("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            out.append(_plan_summary(sql, plan))
    return out


def _plan_summary(sql: str, plan: str) -> dict:
    """The plan with the big tables it scanned sequentially: scans PostgreSQL planned but never
    ran (a later window of a search, once the earlier ones had found enough) are listed apart."""
    scans = re.findall(r"Seq Scan on (\w+) .*?\((never executed|actual)", plan)
    seq = sorted({table for table, ran in scans if table in BIG_TABLES and ran == "actual"})
    planned = sorted({table for table, ran in scans if table in BIG_TABLES} - set(seq))
    total = re.search(r"Execution Time: ([\d.]+) ms", plan)
    planning = re.search(r"Planning Time: ([\d.]+) ms", plan)
    return {"sql": sql, "plan": plan, "seq_scans": seq, "seq_scans_never_run": planned,
            "execution_ms": float(total.group(1)) if total else None,
            "planning_ms": float(planning.group(1)) if planning else None}


# --- the report -----------------------------------------------------------------------------

def report(results):
    print(f"\nZapros benchmark {results['name']}  {results['started']}")
    print(f"machine: {results['machine']['cpus']} CPUs, {results['machine']['system']}, "
          f"load at start {', '.join(f'{x:.1f}' for x in results['machine']['load_at_start'])}, "
          f"at end {', '.join(f'{x:.1f}' for x in results['machine']['load_at_end'])}")
    print(f"CPU reference (bench/harness.py cpu_reference, lower is faster): "
          f"{results['machine']['cpu_reference_ms_at_start']} ms at start, "
          f"{results['machine']['cpu_reference_ms_at_end']} ms at end")
    print(f"database: {results['database']}; data: {results['data']}")
    print(f"\n{'page / operation':38} {'median ms':>10} {'p95 ms':>9} {'req/s':>8} "
          f"{'queries':>8}")
    for label, row in results["http"].items():
        speed = row.get("rps", row.get("per_s"))
        queries = results["queries"].get(label, "")
        print(f"{label:38} {row['median_ms']:>10.1f} {row['p95_ms']:>9.1f} {speed:>8.1f} "
              f"{queries!s:>8}")
    for label, queries in results["queries"].items():
        if label not in results["http"]:
            print(f"{label:38} {'':>10} {'':>9} {'':>8} {queries!s:>8}")
    layer = results["service_layer"]
    if layer:
        print(f"\nopen_ticket() through the service layer: {layer['per_s']} tickets/s, "
              f"{layer['queries_per_ticket']} queries each")
    if results.get("memory"):
        print(f"gunicorn worker peak RSS (VmHWM): {results['memory']['max_peak_mib']} MiB")
    if results["explain"]:
        print("\nEXPLAIN (ANALYZE, BUFFERS): slowest query of each page")
        for label, plans in results["explain"].items():
            if not plans:
                continue
            worst = max(plans, key=lambda p: p["execution_ms"] or 0)
            seq = ", ".join(sorted({t for p in plans for t in p["seq_scans"]})) or "none"
            unrun = sorted({t for p in plans for t in p.get("seq_scans_never_run", ())})
            planning = sum(p["planning_ms"] or 0 for p in plans)
            print(f"  {label:38} {worst['execution_ms']:8.2f} ms  (planning, all queries: "
                  f"{planning:.2f} ms)  seq scans of big tables: {seq}"
                  + (f" (planned, never run: {', '.join(unrun)})" if unrun else ""))


if __name__ == "__main__":
    main()

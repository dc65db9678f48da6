"""A large, realistic help desk for benchmarks: ``manage.py generate --tickets N --seed S``.

The demo (``manage.py demo``) writes a dozen tickets through the services; a million tickets
that way would take hours. Here every ticket's life is replayed in memory (:mod:`.life`)
with the same state table (``states.next_state``) and the same flag rules
(``tickets.conversation``) as the services, and the rows are then written in bulk: ``COPY``
on PostgreSQL, ``executemany`` elsewhere. The result is what the services would have written
for that life: messages, internal comments, events, ratings, transfers and attachment rows,
with needs-reply, the reply deadline, the holder and the activity stamps in step.

Everything comes from the seed and from the ``until`` moment the history ends at (today at
midnight UTC unless given), so the same seed and ``until`` give the same rows.
"""

import contextlib
import hashlib
import json
import multiprocessing
import queue
import random
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.models import Max

from zapros.accounts.models import Department, Role, User
from zapros.clients.models import Client, Service
from zapros.sla import businesstime
from zapros.sla import clocks as sla_clocks
from zapros.sla.models import Clock, Policy, Revision
from zapros.tickets import rendering, search
from zapros.tickets.models import (
    Attachment,
    Event,
    Message,
    Rating,
    Share,
    Ticket,
    TicketCounter,
    Topic,
)
from zapros.tickets.states import State

from .life import live
from .seed import (
    CLIENT_LINES,
    DEPARTMENTS,
    FILES,
    MIX_STATES,
    MIX_WEIGHTS,
    NOTE_LINES,
    PROBLEMS,
    STAFF_LINES,
    THINGS,
    TOPICS,
)

PASSWORD = "bench12345"
EMAIL_DOMAIN = "bench.zapros.test"

# Ids are handed out in a fixed block per ticket (a life has at most 12 messages and 24
# events), so that workers need not agree on them; the gaps cost nothing.
PER_TICKET = {"messages": 12, "events": 24, "clocks": 2}


@dataclass
class Options:
    tickets: int
    seed: int = 1
    until: datetime | None = None
    clients: int | None = None
    agents: int | None = None
    years: float = 4.0
    chunk: int = 5000
    jobs: int = 2
    using: str = "default"
    search_index: bool = True


class Generator:
    def __init__(self, options: Options, out=sys.stderr):
        self.o = options
        self.out = out
        self.rng = random.Random(options.seed)
        self.until = options.until or datetime.now(UTC).replace(
            hour=0, minute=0, second=0, microsecond=0)
        self.connection = connections[options.using]
        self.postgres = self.connection.vendor == "postgresql"
        self.counts = dict.fromkeys(
            ("tickets", "messages", "events", "attachments", "ratings", "shares", "clocks"), 0)

    # --- service levels ---------------------------------------------------------------------
    def policies(self):
        """The response deadlines of the seed as SLA policies around the clock: a topic's
        first, then its department's (:mod:`zapros.sla.matching` picks them so); the
        generator sets each ticket's clocks by the same targets."""
        db = self.o.using
        self.policy_of = {}
        position = Policy.objects.using(db).filter(is_default=False).count() + 1
        for key, (pk, deadline), name in [
                *((("topic", t[0]), t, n) for t, (n, _d) in zip(self.topics, TOPICS,
                                                                 strict=True)),
                *((("department", d[0]), (d[0], d[1]), n)
                  for d, (n, *_rest) in zip(self.departments, DEPARTMENTS, strict=True))]:
            if deadline is None:
                continue
            policy, created = Policy.objects.using(db).get_or_create(
                name=f"{name} ({key[0]})", defaults={
                    "position": position, "first_response": deadline,
                    "next_response": deadline})
            if created:
                getattr(policy, f"{key[0]}s").add(pk)
            self.policy_of[key] = (policy.pk, policy.name, deadline)
            position += 1
        default = Policy.objects.using(db).filter(is_default=True).first()
        self.default_policy = (default.pk, default.name, default.first_response) \
            if default is not None and default.first_response else None
        Revision.objects.using(db).update_or_create(
            pk=1, defaults={"value": random.Random().getrandbits(62)})

    def targets(self, department_id, topic_id):
        """(policy id, name, response target) of a ticket, as the policies choose."""
        return (self.policy_of.get(("topic", topic_id))
                or self.policy_of.get(("department", department_id)) or self.default_policy)

    def clocks(self, rows, pk, ticket_id, sim, t, created, policy) -> bool:
        """The first response clock of the life, and the live one of the wait it ends
        with, made and ended by :mod:`zapros.sla.clocks` around the clock (see
        :meth:`policies`), from id ``pk`` on; a live one past its due time is breached, as
        the escalation sweep would have left it. Returns whether one of the present round was
        breached (the ticket's ``late``)."""
        if policy is None:
            return False
        policy_id, name, target = policy
        length = target.total_seconds()
        answers = [(t(at), author) for at, kind, visibility, author, _body, _file
                   in sim.messages if kind == "staff" and visibility == "public"]

        targets = sla_clocks.Targets(policy_id, name, businesstime.ALWAYS, None,
                                     first_response=target, next_response=target)

        def clock(metric, start, *, ended=None, staff=None):
            made = sla_clocks.start(metric, datetime.fromtimestamp(start, UTC), targets,
                                    why="client_message")
            if ended is not None:
                made.ended_at, made.staff_id = datetime.fromtimestamp(ended, UTC), staff
                made.reason["end"] = "answered"
                sla_clocks.reckon(made, businesstime.ALWAYS)
            elif made.due_at < self.until:
                sla_clocks.breach(made)          # as the escalation sweep would have
                made.warned_at = made.warn_at
            rows.clocks.append((
                pk + len(rows.clocks) - first, ticket_id, made.metric, made.state, policy_id,
                name, None, length, start, made.due_at.timestamp(), made.warn_at.timestamp(),
                _seconds(made.warned_at), None, _seconds(made.breached_at), ended, [],
                made.paused.total_seconds(),
                None if made.took is None else made.took.total_seconds(), made.reason,
                ended if ended is not None else start, staff))
            return made.state == sla_clocks.BREACHED

        first = len(rows.clocks)
        late = False
        if answers:
            at, author = answers[0]
            late = clock("first_response", created, ended=at, staff=author)
        flags = sim.flags
        if flags.running and sim.state in (State.NEW, State.OPEN, State.ON_HOLD):
            late = clock("next_response" if answers else "first_response",
                         t(flags.waiting_since))
        return late

    # --- people -----------------------------------------------------------------------------
    def people(self):
        n = self.o.tickets
        o = self.o
        if User.objects.using(o.using).filter(email__endswith="@" + EMAIL_DOMAIN).exists():
            raise ValueError("This database already holds generated data; use a fresh one.")
        password = make_password(PASSWORD)
        db = o.using
        self.departments = []
        for position, (name, public, deadline, share) in enumerate(DEPARTMENTS, start=1):
            department, _created = Department.objects.using(db).get_or_create(
                name=name, defaults={"in_support_center": public, "position": position})
            self.departments.append((department.pk, deadline, share,
                                     department.in_support_center))
        self.topics = []
        for name, deadline in TOPICS:
            topic, _created = Topic.objects.using(db).get_or_create(name=name)
            self.topics.append((topic.pk, deadline))
        self.policies()

        joined = self.until - timedelta(days=365 * o.years + 30)
        agents = o.agents or max(4, min(80, n // 15000 + 6))
        staff = [User(email=f"agent{i}@{EMAIL_DOMAIN}", name=f"Agent {i}", role=Role.AGENT,
                      password=password, date_joined=joined) for i in range(1, agents + 1)]
        staff.append(User(email=f"supervisor@{EMAIL_DOMAIN}", name="Sue Bench",
                          role=Role.SUPERVISOR, password=password, date_joined=joined))
        staff.append(User(email=f"admin@{EMAIL_DOMAIN}", name="Ada Bench", role=Role.ADMIN,
                          password=password, date_joined=joined, is_superuser=True))
        staff = User.objects.using(db).bulk_create(staff, batch_size=1000)
        self.supervisor = staff[-2].pk
        self.agents_by_department = {d[0]: [] for d in self.departments}
        membership = Department.members.through
        rows = []
        for i, agent in enumerate(staff[:-2]):
            home = self.departments[i % len(self.departments)][0]
            mine = {home}
            if self.rng.random() < 0.3:
                mine.add(self.rng.choice(self.departments)[0])
            for department in sorted(mine):
                self.agents_by_department[department].append(agent.pk)
                rows.append(membership(department_id=department, user_id=agent.pk))
        membership.objects.using(db).bulk_create(rows, batch_size=1000)

        clients = o.clients or max(5, n // 20)
        users = User.objects.using(db).bulk_create(
            [User(email=f"client{i}@{EMAIL_DOMAIN}", name=f"Client {i}", password=password,
                  language="ru" if i % 7 == 0 else "en", date_joined=joined)
             for i in range(1, clients + 1)], batch_size=2000)
        Client.objects.using(db).bulk_create(
            [Client(user_id=user.pk, company=f"Company {i}" if i % 3 == 0 else "")
             for i, user in enumerate(users, start=1)], batch_size=2000)
        services = []
        for i, user in enumerate(users, start=1):
            for j in range(1 + (i % 3)):
                kind = ("hosting", "vps", "domain")[(i + j) % 3]
                services.append(Service(client_id=user.pk, name=f"{kind.upper()}-{i}-{j}",
                                        kind=kind, domain=f"site{i}-{j}.example"))
        services = Service.objects.using(db).bulk_create(services, batch_size=2000)
        self.clients = [user.pk for user in users]
        # A client's place in the list names their site: the same from run to run.
        self.client_place = {pk: place for place, pk in enumerate(self.clients, 1)}
        self.services = {}
        for service in services:
            self.services.setdefault(service.client_id, []).append(service.pk)

    # --- texts ------------------------------------------------------------------------------
    def texts(self):
        rng = self.rng
        self.subjects = [f"{p} {t}".strip() for p in PROBLEMS for t in THINGS]
        self.client_bodies = ["\n\n".join(rng.sample(CLIENT_LINES, rng.randint(1, 4)))
                              for _ in range(400)]
        self.staff_bodies = ["\n\n".join(rng.sample(STAFF_LINES, rng.randint(2, 4)))
                             for _ in range(400)]
        self.notes = NOTE_LINES
        self.files = []
        for i, (name, content_type) in enumerate(FILES):
            content = f"Zapros benchmark attachment {i}\n".encode() * 8
            digest = hashlib.sha256(content).hexdigest()
            path = f"attachments/bench/{digest[:2]}/{digest}"
            if not default_storage.exists(path):
                path = default_storage.save(path, ContentFile(content))
            self.files.append((path, name, content_type, len(content), digest))

    # --- the run ----------------------------------------------------------------------------
    def run(self):
        o = self.o
        began = time.monotonic()
        with transaction.atomic(using=o.using):
            self.people()
        self.texts()
        db = o.using
        self.next_id = {
            model: (model.objects.using(db).aggregate(m=Max("pk"))["m"] or 0) + 1
            for model in (Ticket, Message, Event, Attachment, Rating, Share, Clock)
        }
        counter = TicketCounter.objects.using(db).filter(pk=1).first()
        first_number = max(
            (counter.value if counter else 0) + 1,
            (Ticket.objects.using(db).aggregate(m=Max("number"))["m"] or 0) + 1,
            settings.ZAPROS_TICKET_NUMBER_START,
        )
        n = o.tickets
        self.first_number = first_number
        self.active = min(n // 2, 2000 + n // 500)
        end = self.until.timestamp()
        self.span = (end - o.years * 365 * 86400, end - 20 * 86400, end)
        self.department_weights = [d[2] for d in self.departments]
        self.progress(0, began)
        chunks = [(start, min(n, start + o.chunk)) for start in range(0, n, o.chunk)]
        jobs = min(o.jobs, len(chunks))
        # The rows of the next chunks are made (in other processes when there are several
        # chunks and cores) while the database writes this one.
        with self.bulk_load(), _makers(self, jobs) as make:
            for done, counts, prepared in make(chunks):
                self.write(prepared)
                for name, count in counts.items():
                    self.counts[name] += count
                self.progress(done, began)
        with transaction.atomic(using=db):
            last = first_number + n - 1
            TicketCounter.objects.using(db).update_or_create(pk=1, defaults={"value": last})
            if self.postgres:
                with self.connection.cursor() as cursor:
                    for sql in self.connection.ops.sequence_reset_sql(
                            no_style(), [Ticket, Message, Event, Attachment, Rating, Share,
                                         Clock]):
                        cursor.execute(sql)
        self.out.write("\n")
        self.search_hook()
        self.tidy(("tickets_ticket", "tickets_message", "tickets_event", "tickets_attachment",
                   "tickets_rating", "tickets_share", "tickets_search", "sla_clock"))
        return time.monotonic() - began

    def tidy(self, tables):
        """PostgreSQL: statistics for the planner and, outside a transaction, a VACUUM that
        marks the new pages all-visible (index-only scans skip the table) and spares the
        first hour of use an autovacuum of millions of rows (8 s here at a million tickets).
        """
        if not self.postgres:
            return
        command = "ANALYZE" if self.connection.in_atomic_block else "VACUUM (ANALYZE)"
        with self.connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {table}")

    def chunk(self, start: int, stop: int):
        """Tickets ``start`` to ``stop`` (0-based) as rows ready to write, and their counts."""
        n, active = self.o.tickets, self.active
        span_start, span_end, end = self.span
        rows = _Rows()
        for i in range(start, stop):
            # Each ticket has its own random stream and its own block of ids, so that the
            # data does not depend on how the work is cut or shared out.
            rng = random.Random(self.o.seed * 1_000_003 + i)
            if i < n - active:
                target = State.ARCHIVED
                created = span_start + (span_end - span_start) * i / max(1, n - active)
                limit = span_end + 15 * 86400
            else:
                target = rng.choices(MIX_STATES, MIX_WEIGHTS)[0]
                created = span_end + (end - 3600 - span_end) * (i - n + active) / active
                limit = end - 60
            self.ticket(rng, rows, i, target, created, limit)
        counts = {name: len(getattr(rows, name)) for name in self.TABLES}
        return stop, counts, self.prepare(rows)

    def ticket(self, rng, rows, i, target, created, limit):
        number = self.first_number + i
        department = rng.choices(self.departments, self.department_weights)[0]
        # A few clients write a lot: the square skews the choice towards the first ones.
        client = self.clients[int(len(self.clients) * rng.random() ** 2)]
        sim = live(self, rng, target, created, department, client, limit)
        if len(sim.messages) > PER_TICKET["messages"] or (
                len(sim.events) > PER_TICKET["events"]):
            raise AssertionError("a ticket outgrew its block of ids")  # pragma: no cover
        flags = sim.flags
        if flags.last_staff_public_at is not None and rng.random() < 0.8:
            sim.client_seen_at = flags.last_staff_public_at + rng.expovariate(1 / 3600) + 30
        # A life that would run past its limit is compressed to fit, keeping its order.
        last = max(sim.updated_at, sim.client_seen_at or 0,
                   sim.rating[3] if sim.rating else 0)
        scale = 1.0 if last <= limit else (limit - created) / (last - created)

        def t(moment):
            return None if moment is None else created + (moment - created) * scale

        ticket_id = self.next_id[Ticket] + i
        ids = {model: self.next_id[model] + i * PER_TICKET[name]
               for model, name in ((Message, "messages"), (Event, "events"),
                                   (Attachment, "messages"))}
        topic = rng.choice(self.topics) if rng.random() < 0.3 else (None, None)
        policy = self.targets(department[0], topic[0])
        services = self.services.get(client, [])
        subject = rng.choice(self.subjects)
        waiting = t(flags.waiting_since) if flags.running else None
        due = None if waiting is None or policy is None else (
            waiting + policy[2].total_seconds())
        late = self.clocks(rows, self.next_id[Clock] + i * PER_TICKET["clocks"], ticket_id,
                           sim, t, created, policy)
        rows.tickets.append((
            ticket_id, number, client, department[0], subject,
            subject if rng.random() < 0.8 else f"{subject} (checked)",
            rng.choice(("question", "question", "question", "bug", "wish", "incident")),
            topic[0], rng.choice(services) if services and rng.random() < 0.7 else None,
            rng.choice((2, 2, 2, 2, 1, 3, 4)), str(sim.state), sim.assignee, sim.holder,
            t(sim.held_at), created, t(sim.updated_at), t(flags.client_activity_at),
            flags.last_public_from_client, flags.needs_reply, due, t(flags.last_staff_public_at),
            t(sim.client_seen_at), "", "web", waiting, late,
        ))
        message_ids = []
        for at, kind, visibility, author, body, attach in sim.messages:
            message_id = ids[Message] + len(message_ids)
            message_ids.append(message_id)
            moment = t(at)
            rows.messages.append((message_id, ticket_id, author, kind, visibility, body,
                                  "web", moment, "", rendering.render(body, channel="web")))
            if attach is not None:
                path, name, content_type, size, digest = self.files[attach]
                attachment_id = ids[Attachment] + len(message_ids) - 1
                rows.attachments.append((attachment_id, message_id, ticket_id, path,
                                         f"b{attachment_id:031x}", name, content_type, size,
                                         digest, moment))
        for index, (at, actor, kind, data) in enumerate(sim.events):
            if "message" in data:
                data = {**data, "message": message_ids[data["message"]]}
            event_id = ids[Event] + index
            rows.events.append((event_id, ticket_id, actor, str(kind), data, t(at)))
        for at, department_id, by in sim.shares:
            share_id = self.next_id[Share] + i
            rows.shares.append((share_id, ticket_id, department_id, None, by, t(at)))
        if sim.rating:
            index, value, comment, at = sim.rating
            rating_id = self.next_id[Rating] + i
            rows.ratings.append((rating_id, message_ids[index], ticket_id, value, comment,
                                 t(at), t(at)))

    # --- writing ----------------------------------------------------------------------------
    TABLES = {
        "tickets": ("tickets_ticket", (
            "id", "number", "client_id", "department_id", "subject", "title", "type", "topic_id",
            "service_id", "priority", "state", "assignee_id", "holder_id", "held_at",
            "created_at", "updated_at", "client_activity_at", "last_public_from_client",
            "needs_reply", "reply_due_at", "last_staff_public_at", "client_seen_at",
            "hold_reason", "channel", "waiting_since", "late")),
        "clocks": ("sla_clock", (
            "id", "ticket_id", "metric", "state", "policy_id", "policy_name", "calendar_id",
            "target", "started_at", "due_at", "warn_at", "warned_at", "next_escalation_at",
            "breached_at", "ended_at", "pauses", "paused", "took", "reason", "updated_at",
            "staff_id")),
        "messages": ("tickets_message", (
            "id", "ticket_id", "author_id", "author_kind", "visibility", "body", "channel",
            "created_at", "email_message_id", "rendered")),
        "attachments": ("tickets_attachment", (
            "id", "message_id", "ticket_id", "file", "storage_key", "original_name",
            "content_type", "size", "sha256", "created_at")),
        "events": ("tickets_event", ("id", "ticket_id", "actor_id", "kind", "data",
                                     "created_at")),
        "shares": ("tickets_share", ("id", "ticket_id", "department_id", "agent_id",
                                     "created_by_id", "created_at")),
        "ratings": ("tickets_rating", ("id", "message_id", "ticket_id", "value", "comment",
                                       "created_at", "updated_at")),
    }
    # Which columns hold times (seconds since the epoch until written) and JSON.
    TIMES = {name: {i for i, c in enumerate(cols) if c.endswith(("_at", "_since"))}
             for name, (_t, cols) in TABLES.items()}
    # Durations, in seconds until written.
    DURATIONS = {name: {i for i, c in enumerate(cols) if c in ("target", "paused", "took")}
                 for name, (_t, cols) in TABLES.items()}

    def bulk_load(self):
        return _BulkLoad(self)

    def prepare(self, rows):
        """Per table: COPY text on PostgreSQL, parameter rows elsewhere."""
        prepared = {}
        for name, (table, columns) in self.TABLES.items():
            batch = getattr(rows, name)
            if batch:
                make = self._copy_text if self.postgres else self._parameters
                prepared[name] = (table, columns, make(name, batch))
        return prepared

    def write(self, prepared):
        with transaction.atomic(using=self.o.using), self.connection.cursor() as cursor:
            for table, columns, payload in prepared.values():
                if self.postgres:
                    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                    with cursor.cursor.copy(sql) as copy:
                        copy.write(payload)
                else:
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join(['%s'] * len(columns))})", payload)

    def _copy_text(self, name, batch):
        return "".join(map(COPY_LINES[name], batch))

    def _parameters(self, name, batch):
        times, durations = self.TIMES[name], self.DURATIONS[name]
        adapt = self.connection.ops.adapt_datetimefield_value

        def value(i, v):
            if v is None:
                return None
            if i in times:
                return adapt(datetime.fromtimestamp(v, UTC))
            if i in durations:  # as DurationField keeps them without a native type
                return round(v * 1_000_000)
            if isinstance(v, dict | list):
                return json.dumps(v)
            return v

        return [[value(i, v) for i, v in enumerate(row)] for row in batch]

    def progress(self, done, began):
        n = self.o.tickets
        elapsed = time.monotonic() - began
        rate = done / elapsed if elapsed > 0 else 0
        eta = (n - done) / rate if rate else 0
        self.out.write(f"\r  tickets {done:>9}/{n} {100 * done / max(n, 1):5.1f}%  "
                       f"{rate:8.0f}/s  elapsed {elapsed:6.0f}s  eta {eta:6.0f}s ")
        self.out.flush()

    def search_hook(self):
        """The rows were written around the services, so the search index learns of them
        here, in batches (or later, with ``manage.py rebuild_search_index``)."""
        if not self.o.search_index:
            self.out.write("Search index not built: run `manage.py rebuild_search_index`.\n")
            return
        began = time.monotonic()

        def progress(done, upto, last):
            rate = done / max(time.monotonic() - began, 1e-6)
            self.out.write(f"\rSearch index: {upto * 100 // max(last, 1)}% ({rate:,.0f}/s)")
            self.out.flush()

        search.rebuild_index(progress=progress)
        self.out.write("\n")


_MAKER = None  # the generator, in a worker process (inherited by fork)


def _make(bounds):
    return _MAKER.chunk(*bounds)


@contextlib.contextmanager
def _makers(generator, jobs: int):
    """``make(chunks)`` yields the chunks made ready, in order: in ``jobs`` forked worker
    processes, or in one thread beside the writer when one job (or no fork) is at hand."""
    global _MAKER
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        _MAKER = generator
        # The workers only compute; they never touch the database connection they inherit.
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield lambda chunks: pool.imap(_make, chunks)
        _MAKER = None
    else:
        yield lambda chunks: _ahead(generator.chunk(*bounds) for bounds in chunks)


def _ahead(iterable, depth=2):
    """Iterate over ``iterable`` while a thread computes up to ``depth`` items ahead."""
    items = queue.Queue(maxsize=depth)
    done = object()
    failure = []

    def run():
        try:
            for item in iterable:
                items.put(item)
        except BaseException as error:  # handed to the consumer
            failure.append(error)
        finally:
            items.put(done)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    while (item := items.get()) is not done:
        yield item
    worker.join()
    if failure:
        raise failure[0]


class _Rows:
    def __init__(self):
        self.tickets, self.messages, self.attachments = [], [], []
        self.events, self.shares, self.ratings = [], [], []
        self.clocks = []


class _BulkLoad:
    """Make the bulk load fast on PostgreSQL, and put everything back afterwards.

    The secondary indexes of the tables written to are dropped while copying and built again
    from their own definitions at the end (one sort each instead of millions of inserts);
    those behind constraints (primary keys, unique) stay. As a superuser the foreign-key
    triggers are skipped too: the rows are consistent by construction, and checking 15
    million references one by one would take longer than writing them. Anyone else keeps
    the checks.
    """

    TABLES = ("tickets_ticket", "tickets_message", "tickets_event", "tickets_attachment",
              "tickets_rating", "tickets_share")

    def __init__(self, generator):
        self.generator = generator
        self.replica = False
        self.indexes = []

    def __enter__(self):
        if not self.generator.postgres:
            return self
        with self.generator.connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET session_replication_role = replica")
                self.replica = True
            cursor.execute("SET synchronous_commit = off")
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || "
                "quote_ident(i.indexname))::regclass)",
                [list(self.TABLES)],
            )
            self.indexes = cursor.fetchall()
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        if not self.generator.postgres:
            return
        out = self.generator.out
        out.write(f"\n  building {len(self.indexes)} indexes...")
        out.flush()
        began = time.monotonic()
        with self.generator.connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
            if self.replica:
                cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET synchronous_commit = DEFAULT")
        out.write(f" {time.monotonic() - began:.0f} s")


def _escape(text: str) -> str:
    if "\\" in text or "\n" in text or "\t" in text or "\r" in text:
        text = (text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
                .replace("\r", "\\r"))
    return text


def _t(seconds: float | None) -> str:
    if seconds is None:
        return "\\N"
    return datetime.fromtimestamp(seconds, UTC).isoformat(" ")


def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _n(value) -> str:
    return "\\N" if value is None else str(value)


def _b(value: bool) -> str:
    return "t" if value else "f"


# One COPY text line per row, column by column as in Generator.TABLES; the texts the
# generator writes contain no tab, and only message bodies (and their renderings) contain new
# lines or backslashes.
COPY_LINES = {
    "tickets": lambda r: (
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{_n(r[7])}\t{_n(r[8])}\t"
        f"{r[9]}\t{r[10]}\t{_n(r[11])}\t{_n(r[12])}\t{_t(r[13])}\t{_t(r[14])}\t{_t(r[15])}\t"
        f"{_t(r[16])}\t{_b(r[17])}\t{_b(r[18])}\t{_t(r[19])}\t{_t(r[20])}\t{_t(r[21])}\t"
        f"{r[22]}\t{r[23]}\t{_t(r[24])}\t{_b(r[25])}\n"),
    "clocks": lambda r: (
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{_escape(r[5])}\t\\N\t{r[7]} seconds\t"
        f"{_t(r[8])}\t{_t(r[9])}\t{_t(r[10])}\t{_t(r[11])}\t{_t(r[12])}\t{_t(r[13])}\t"
        f"{_t(r[14])}\t[]\t{r[16]} seconds\t{_n(r[17]) if r[17] is None else f'{r[17]} seconds'}"
        f"\t{_escape(json.dumps(r[18]))}\t{_t(r[19])}\t{_n(r[20])}\n"),
    "messages": lambda r: (
        f"{r[0]}\t{r[1]}\t{_n(r[2])}\t{r[3]}\t{r[4]}\t{_escape(r[5])}\t{r[6]}\t{_t(r[7])}\t"
        f"{r[8]}\t{_escape(r[9])}\n"),
    "attachments": lambda r: (
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\t"
        f"{_t(r[9])}\n"),
    "events": lambda r: (
        f"{r[0]}\t{r[1]}\t{_n(r[2])}\t{r[3]}\t{_escape(json.dumps(r[4]))}\t{_t(r[5])}\n"),
    "shares": lambda r: (
        f"{r[0]}\t{r[1]}\t{_n(r[2])}\t{_n(r[3])}\t{r[4]}\t{_t(r[5])}\n"),
    "ratings": lambda r: f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{_t(r[5])}\t{_t(r[6])}\n",
}


def generate(options: Options, out=sys.stderr) -> dict:
    generator = Generator(options, out=out)
    seconds = generator.run()
    return {**generator.counts, "seconds": seconds, "until": generator.until.isoformat(),
            "media": str(Path(settings.MEDIA_ROOT))}


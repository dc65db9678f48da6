#!/usr/bin/env python
"""Fill django-helpdesk's tables with a help desk like ``manage.py generate`` makes for Zapros.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_100k \\
        ~/.cache/zapros-helpdesk/venv/bin/python bench/helpdesk/generate.py \\
        --tickets 100000 --seed 1

Run with the django-helpdesk virtualenv (``bench/helpdesk/setup.sh``) on a migrated database.
The same shape as Zapros's generator: five queues named like its departments, one client per
20 tickets (a few of them writing most), staff growing with the tickets (12 at 100k, 72 at 1M),
four years of tickets of which ``min(n/2, 2000 + n/500)`` are still in work and the rest
closed, 3 to 10 follow-ups each (a fifth of them private: notes and assignments), the same
subjects and texts (so that the same words can be searched for), the same for the same seed.
The rows are written with PostgreSQL ``COPY``. Then one ticket with exactly 20 follow-ups,
for the ticket page figure. Staff sign in with their user name (``agent1``, ``supervisor``,
``admin``) and the password ``bench12345``.
"""

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

SITE = Path(__file__).resolve().parent / "site"
# The texts come from Zapros's generator: the same words in both help desks.
sys.path.insert(0, str(SITE.parents[2]))
from zapros.demo.texts import CLIENT_LINES, NOTE_LINES, PROBLEMS, STAFF_LINES, THINGS  # noqa: E402

PASSWORD = "bench12345"
EMAIL_DOMAIN = "bench.zapros.test"
SUBJECT_20 = "Benchmark: a conversation of twenty follow-ups"

# The same departments, texts and mix as Zapros's generator, so that both hold alike data.
QUEUES = [("Technical support", "tech", True, 0.55), ("Billing", "billing", True, 0.2),
          ("Domains", "domains", True, 0.12), ("Abuse", "abuse", True, 0.08),
          ("Sales", "sales", False, 0.05)]
# Zapros's states of the tickets in work, and what django-helpdesk calls them:
# (weight, what Zapros calls it, status, assigned, on hold, last word from the client).
ACTIVE_MIX = [
    (12, "new", 1, False, False, False),
    (3, "reopened", 2, True, False, True),
    (25, "open", 1, True, False, True),
    (8, "on_hold", 1, True, True, True),
    (32, "answered", 1, True, False, False),
    (20, "resolved", 3, True, False, False),
]
OPEN, REOPENED, RESOLVED, CLOSED = 1, 2, 3, 4


TICKET_COLUMNS = ("id", "title", "created", "modified", "submitter_email", "status", "on_hold",
                  "description", "resolution", "priority", "due_date", "assigned_to_id",
                  "queue_id", "secret_key")
FOLLOWUP_COLUMNS = ("id", "date", "title", "comment", "public", "new_status", "ticket_id",
                    "user_id")
CHANGE_COLUMNS = ("id", "field", "old_value", "new_value", "followup_id")


def setup_django():
    sys.path.insert(0, str(SITE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsite.settings")
    import django

    django.setup()


class Generator:
    def __init__(self, tickets, seed, until, years, chunk, out=sys.stderr):
        self.n, self.seed, self.years, self.chunk_size, self.out = tickets, seed, years, chunk, out
        self.until = until
        self.rng = random.Random(seed)
        self.counts = {"tickets": 0, "followups": 0, "private_followups": 0, "changes": 0}

    # --- people and queues ------------------------------------------------------------------
    def people(self):
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import User
        from helpdesk.models import Queue, UserSettings

        if User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).exists():
            raise SystemExit("This database already holds generated data; use a fresh one.")
        n = self.n
        self.queues = []
        for title, slug, public, share in QUEUES:
            queue, _created = Queue.objects.get_or_create(
                slug=slug, defaults={"title": title, "allow_public_submission": public,
                                     "email_address": f"{slug}@{EMAIL_DOMAIN}"})
            self.queues.append((queue.pk, share))
        password = make_password(PASSWORD)
        joined = self.until - timedelta(days=365 * self.years + 30)
        agents = max(4, min(80, n // 15000 + 6))
        staff = [User(username=f"agent{i}", email=f"agent{i}@{EMAIL_DOMAIN}",
                      first_name="Agent", last_name=str(i), is_staff=True,
                      password=password, date_joined=joined) for i in range(1, agents + 1)]
        staff.append(User(username="supervisor", email=f"supervisor@{EMAIL_DOMAIN}",
                          first_name="Sue", last_name="Bench", is_staff=True,
                          password=password, date_joined=joined))
        staff.append(User(username="admin", email=f"admin@{EMAIL_DOMAIN}", first_name="Ada",
                          last_name="Bench", is_staff=True, is_superuser=True,
                          password=password, date_joined=joined))
        staff = User.objects.bulk_create(staff, batch_size=1000)
        self.agents_by_queue = {q[0]: [] for q in self.queues}
        for i, agent in enumerate(staff[:-2]):
            home = self.queues[i % len(self.queues)][0]
            self.agents_by_queue[home].append(agent.pk)
            if self.rng.random() < 0.3:
                self.agents_by_queue[self.rng.choice(self.queues)[0]].append(agent.pk)
        self.supervisor = staff[-2].pk
        self.usernames = {user.pk: user.username for user in staff}
        clients = max(5, n // 20)
        users = User.objects.bulk_create(
            [User(username=f"client{i}", email=f"client{i}@{EMAIL_DOMAIN}",
                  first_name="Client", last_name=str(i), password=password, date_joined=joined)
             for i in range(1, clients + 1)], batch_size=5000)
        # Saving a user one by one makes its settings row (a signal); in bulk we make them.
        UserSettings.objects.bulk_create(
            [UserSettings(user_id=user.pk) for user in [*staff, *users]], batch_size=5000)
        self.clients = [(user.pk, user.email, place) for place, user in enumerate(users, 1)]

    # --- texts ------------------------------------------------------------------------------
    def texts(self):
        rng = self.rng
        self.subjects = [f"{p} {t}".strip() for p in PROBLEMS for t in THINGS]
        self.client_bodies = ["\n\n".join(rng.sample(CLIENT_LINES, rng.randint(1, 4)))
                              for _ in range(400)]
        self.staff_bodies = ["\n\n".join(rng.sample(STAFF_LINES, rng.randint(2, 4)))
                             for _ in range(400)]

    # --- one ticket -------------------------------------------------------------------------
    def ticket(self, rng, i, target, created, limit, rows):
        ticket_id = self.first_ticket + i
        queue = rng.choices(self.queues, self.queue_weights)[0][0]
        client, email, place = self.clients[int(len(self.clients) * rng.random() ** 2)]
        agents = self.agents_by_queue[queue] or [self.supervisor]
        agent = rng.choice(agents)
        subject = rng.choice(self.subjects)
        body = rng.choice(self.client_bodies)
        if rng.random() < 0.5:
            body += f"\n\nOur site: client{place}.example"
        if rng.random() < 0.3:
            body += f"\nOrder A{rng.randrange(10**6, 10**7)}"
        if target is None:
            status, assigned, on_hold, client_last, kind = CLOSED, True, False, False, "closed"
        else:
            kind, status, assigned, on_hold, client_last = target[1:]
        # follow-ups: (at, title, comment, public, new_status, user, changes)
        follow = []

        def gap(mean):
            return rng.expovariate(1 / mean) + 30

        at = created
        follow.append((at, "Ticket Opened Via Web", body, True, None, client, ()))
        total = rng.choice((3, 3, 4, 4, 4, 5, 5, 6, 7, 8, 10))
        if kind == "new":
            if rng.random() < 0.4:
                at += gap(3600)
                follow.append((at, "Comment", rng.choice(self.client_bodies), True, None,
                               client, ()))
        else:
            at += gap(2 * 3600)
            owner = self.usernames[agent]
            follow.append((at, f"Assigned to {owner}", "", False, None, agent,
                           (("Owner", "Unassigned", owner),)))
            staff_last = False
            while len(follow) < total - 1:
                if rng.random() < 0.12:
                    at += gap(900)
                    follow.append((at, "Comment", rng.choice(NOTE_LINES), False, None,
                                   rng.choice(agents), ()))
                elif not staff_last:
                    at += gap(3 * 3600)
                    follow.append((at, "Updated", rng.choice(self.staff_bodies), True, None,
                                   agent, ()))
                    staff_last = True
                else:
                    at += gap(10 * 3600)
                    follow.append((at, "Comment", rng.choice(self.client_bodies), True, None,
                                   client, ()))
                    staff_last = False
            if client_last or kind == "reopened":
                if kind == "reopened":
                    at += gap(86400)
                    follow.append((at, "Resolved", rng.choice(self.staff_bodies), True,
                                   RESOLVED, agent, (("Status", "Open", "Resolved"),)))
                    at += gap(86400)
                    follow.append((at, "Reopened", rng.choice(self.client_bodies), True,
                                   REOPENED, client, (("Status", "Resolved", "Reopened"),)))
                elif staff_last:
                    at += gap(10 * 3600)
                    follow.append((at, "Comment", rng.choice(self.client_bodies), True, None,
                                   client, ()))
                if on_hold:
                    at += gap(1800)
                    follow.append((at, "Updated", "Waiting for the datacenter", False, None,
                                   agent, (("On hold", "False", "True"),)))
            elif kind == "answered":
                if not staff_last:
                    at += gap(3 * 3600)
                    follow.append((at, "Updated", rng.choice(self.staff_bodies), True, None,
                                   agent, ()))
            else:  # resolved or closed: the answer comes last
                at += gap(3 * 3600)
                follow.append((at, "Resolved", rng.choice(self.staff_bodies), True, RESOLVED,
                               agent, (("Status", "Open", "Resolved"),)))
                if status == CLOSED:
                    at += gap(86400) if rng.random() < 0.4 else 30 * 86400
                    follow.append((at, "Closed", "", True, CLOSED, agent,
                                   (("Status", "Resolved", "Closed"),)))
        last = follow[-1][0]
        scale = 1.0 if last <= limit else (limit - created) / (last - created)

        def t(moment):
            return datetime.fromtimestamp(created + (moment - created) * scale, UTC)

        resolution = ""
        if status in (RESOLVED, CLOSED):
            resolution = next(f[2] for f in reversed(follow) if f[4] == RESOLVED)
        rows["tickets"].append((
            ticket_id, subject, t(created), t(last), email, status, on_hold, body, resolution,
            rng.choice((3, 3, 3, 3, 2, 4, 1)), None, agent if assigned else None, queue,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        ))
        for at, title, comment, public, new_status, user, changes in follow:
            followup_id = self.next_followup
            self.next_followup += 1
            rows["followups"].append((followup_id, t(at), title, comment, public, new_status,
                                      ticket_id, user))
            self.counts["private_followups"] += not public
            for field, old, new in changes:
                rows["changes"].append((self.next_change, field, old, new, followup_id))
                self.next_change += 1

    # --- the run ----------------------------------------------------------------------------
    def run(self):
        from django.core.management.color import no_style
        from django.db import connection, transaction
        from django.db.models import Max
        from helpdesk.models import FollowUp, Ticket, TicketChange

        began = time.monotonic()
        with transaction.atomic():
            self.people()
        self.texts()
        self.queue_weights = [q[1] for q in self.queues]
        self.first_ticket = (Ticket.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_followup = (FollowUp.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_change = (TicketChange.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        n = self.n
        active = min(n // 2, 2000 + n // 500)
        end = self.until.timestamp()
        span_start, span_end = end - self.years * 365 * 86400, end - 20 * 86400
        weights = [m[0] for m in ACTIVE_MIX]
        for start in range(0, n, self.chunk_size):
            rows = {"tickets": [], "followups": [], "changes": []}
            for i in range(start, min(n, start + self.chunk_size)):
                rng = random.Random(self.seed * 1_000_003 + i)
                if i < n - active:
                    target = None
                    created = span_start + (span_end - span_start) * i / max(1, n - active)
                    limit = span_end + 15 * 86400
                else:
                    target = rng.choices(ACTIVE_MIX, weights)[0]
                    created = span_end + (end - 3600 - span_end) * (i - n + active) / active
                    limit = end - 60
                self.ticket(rng, i, target, created, limit, rows)
            self.write(connection, rows)
            self.out.write(f"\r{min(n, start + self.chunk_size):,} of {n:,} tickets "
                           f"({time.monotonic() - began:.0f} s)")
            self.out.flush()
        self.out.write("\n")
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(),
                                                         [Ticket, FollowUp, TicketChange]):
                cursor.execute(sql)
        self.long_ticket()
        with connection.cursor() as cursor:
            for table in ("helpdesk_ticket", "helpdesk_followup", "helpdesk_ticketchange",
                          "auth_user", "helpdesk_usersettings"):
                cursor.execute(f"ANALYZE {table}")
        self.counts["seconds"] = round(time.monotonic() - began, 1)
        return self.counts

    def write(self, connection, rows):
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            # The rows are consistent by construction: the foreign keys are not checked row by
            # row while they are copied in (the constraints stay, for the rows written later).
            cursor.execute("SET LOCAL session_replication_role = replica")
            raw = cursor.cursor
            for table, columns, key in (
                    ("helpdesk_ticket", TICKET_COLUMNS, "tickets"),
                    ("helpdesk_followup", FOLLOWUP_COLUMNS, "followups"),
                    ("helpdesk_ticketchange", CHANGE_COLUMNS, "changes")):
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[key]:
                        copy.write_row(row)
        self.counts["tickets"] += len(rows["tickets"])
        self.counts["followups"] += len(rows["followups"])
        self.counts["changes"] += len(rows["changes"])

    def long_ticket(self):
        """A ticket of client1 held by agent1 with exactly 20 follow-ups, made with the ORM."""
        from django.contrib.auth.models import User
        from helpdesk.models import FollowUp, Queue, Ticket

        client = User.objects.get(username="client1")
        agent = User.objects.get(username="agent1")
        queue = Queue.objects.get(slug="tech")
        opened = self.until - timedelta(days=3)
        ticket = Ticket.objects.create(
            title=SUBJECT_20, queue=queue, created=opened, modified=opened, status=OPEN,
            submitter_email=client.email, assigned_to=agent, priority=3,
            description="The first message.\n\nOur site: client1.example")
        rows = [FollowUp(ticket=ticket, date=opened, title="Ticket Opened Via Web",
                         comment=ticket.description, public=True, user=client)]
        for k in range(1, 20):
            at = opened + timedelta(hours=2 * k)
            if k % 6 == 0:
                rows.append(FollowUp(ticket=ticket, date=at, title="Comment", public=False,
                                     comment="Checked the logs.", user=agent))
            elif k % 2:
                rows.append(FollowUp(ticket=ticket, date=at, title="Updated", public=True,
                                     comment=f"Answer {k}\n\n{self.staff_bodies[k]}",
                                     user=agent))
            else:
                rows.append(FollowUp(ticket=ticket, date=at, title="Comment", public=True,
                                     comment=f"Reply {k}\n\n{self.client_bodies[k]}",
                                     user=client))
        FollowUp.objects.bulk_create(rows)
        Ticket.objects.filter(pk=ticket.pk).update(modified=rows[-1].date)
        self.counts["long_ticket"] = ticket.pk


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--until", help="when the history ends, ISO date (default: today UTC)")
    parser.add_argument("--years", type=float, default=4.0)
    parser.add_argument("--chunk", type=int, default=20000, help="tickets per COPY")
    args = parser.parse_args()
    setup_django()
    if args.until:
        until = datetime.fromisoformat(args.until)
        until = until.replace(tzinfo=until.tzinfo or UTC)
    else:
        until = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = Generator(args.tickets, args.seed, until, args.years, args.chunk).run()
    print(f"Generated {counts['tickets']} tickets, {counts['followups']} follow-ups "
          f"({counts['private_followups']} private), {counts['changes']} ticket changes in "
          f"{counts['seconds']} s; the ticket with 20 follow-ups is #{counts['long_ticket']}. "
          f"Staff sign in as agent1 / {PASSWORD}.")


if __name__ == "__main__":
    main()

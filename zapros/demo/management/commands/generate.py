"""``manage.py generate --tickets N --seed S``: a large help desk for benchmarks.

See :mod:`zapros.demo.generate`. Runs on a migrated database, preferably an empty one.
"""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from zapros.demo.generate import PASSWORD, Options, generate


class Command(BaseCommand):
    help = ("Fill the database with N generated tickets (clients, staff, messages, events, "
            "ratings, attachment rows), the same for the same seed.")

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--until", help="when the history ends, ISO date or time in UTC "
                                            "(default: today at 00:00 UTC)")
        parser.add_argument("--clients", type=int, help="default: one per 20 tickets")
        parser.add_argument("--agents", type=int, help="default: grows with the tickets")
        parser.add_argument("--years", type=float, default=4.0)
        parser.add_argument("--chunk", type=int, default=5000, help="tickets per write")
        parser.add_argument("--jobs", type=int, default=2,
                            help="processes that make the rows while the database writes")
        parser.add_argument("--database", default="default")
        parser.add_argument("--without-search-index", action="store_true",
                            help="leave the full-text index for rebuild_search_index")

    def handle(self, *args, **options):
        if options["tickets"] < 1:
            raise CommandError("--tickets must be at least 1.")
        until = None
        if options["until"]:
            until = datetime.fromisoformat(options["until"])
            until = until.replace(tzinfo=until.tzinfo or UTC)
        try:
            result = generate(Options(
                tickets=options["tickets"], seed=options["seed"], until=until,
                clients=options["clients"], agents=options["agents"], years=options["years"],
                chunk=options["chunk"], jobs=options["jobs"], using=options["database"],
                search_index=not options["without_search_index"],
            ), out=self.stderr)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Generated {result['tickets']} tickets, {result['messages']} messages, "
            f"{result['events']} events, {result['attachments']} attachments, "
            f"{result['ratings']} ratings, {result['shares']} transfers "
            f"in {result['seconds']:.1f} s. Staff and clients sign in with {PASSWORD!r} "
            f"(agent1@bench.zapros.test, supervisor@bench.zapros.test, client1@bench.zapros.test)."
        )

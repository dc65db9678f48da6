from django.core.management.base import BaseCommand

from zapros.tickets.search import rebuild_index


class Command(BaseCommand):
    help = "Write the search index anew from every ticket's subject, title and messages."

    def handle(self, *args, **options):
        def progress(done, upto, last):
            self.stdout.write(f"{done} requests indexed (ids up to {upto} of {last})")

        total = rebuild_index(progress=progress if options["verbosity"] > 1 else None)
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {total} requests."))

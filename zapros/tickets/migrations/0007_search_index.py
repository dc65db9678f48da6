"""The search index (see zapros.tickets.search): on PostgreSQL a table of tsvectors with GIN
indexes, on SQLite an FTS5 table. Existing tickets are indexed (on PostgreSQL by 0011);
afterwards the services keep it up to date, and ``manage.py rebuild_search_index`` writes it
anew."""

from django.db import migrations

POSTGRESQL = [
    """CREATE TABLE tickets_search (
        ticket_id bigint PRIMARY KEY,
        public_vector tsvector NOT NULL,
        internal_vector tsvector NOT NULL
    )""",
    "CREATE INDEX tickets_search_public ON tickets_search USING gin (public_vector)",
    """CREATE INDEX tickets_search_staff ON tickets_search
        USING gin ((public_vector || internal_vector))""",
]
SQLITE = [
    """CREATE VIRTUAL TABLE tickets_search USING fts5(
        subject, body, internal, tokenize = 'porter unicode61 remove_diacritics 2'
    )""",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = POSTGRESQL
    elif vendor == "sqlite":
        statements = SQLITE
    else:
        raise RuntimeError(f"Zapros search needs PostgreSQL or SQLite, not {vendor}.")
    for statement in statements:
        schema_editor.execute(statement)
    # Existing tickets are indexed by 0011, which gives PostgreSQL's table its present layout
    # (the code that writes the index knows only that one); SQLite's is indexed here.
    if vendor == "sqlite" and apps.get_model("tickets", "Ticket").objects.exists():
        from zapros.tickets.search import rebuild_index

        rebuild_index()


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS tickets_search")


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0006_event_kinds"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]

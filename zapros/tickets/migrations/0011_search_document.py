"""PostgreSQL's search index becomes one weighted tsvector per ticket with one GIN index (see
zapros.tickets.search.postgres), instead of a public and an internal vector and an index over
their concatenation. Existing tickets are indexed again. SQLite's FTS5 table is unchanged."""

from django.db import migrations

POSTGRESQL = [
    "DROP TABLE IF EXISTS tickets_search",
    """CREATE TABLE tickets_search (
        ticket_id bigint PRIMARY KEY,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX tickets_search_document ON tickets_search USING gin (document)",
]
PREVIOUS = [
    "DROP TABLE IF EXISTS tickets_search",
    """CREATE TABLE tickets_search (
        ticket_id bigint PRIMARY KEY,
        public_vector tsvector NOT NULL,
        internal_vector tsvector NOT NULL
    )""",
    "CREATE INDEX tickets_search_public ON tickets_search USING gin (public_vector)",
    """CREATE INDEX tickets_search_staff ON tickets_search
        USING gin ((public_vector || internal_vector))""",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRESQL:
        schema_editor.execute(statement)
    if apps.get_model("tickets", "Ticket").objects.exists():
        from zapros.tickets.search import rebuild_index

        rebuild_index()


def backward(apps, schema_editor):
    # The earlier layout comes back empty: run `manage.py rebuild_search_index` at that version.
    if schema_editor.connection.vendor == "postgresql":
        for statement in PREVIOUS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0010_message_html"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]

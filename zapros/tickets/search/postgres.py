"""Search on PostgreSQL: one row of tsvectors per ticket, GIN indexes, websearch queries.

The ``russian`` configuration is used for both languages on purpose: it stems Cyrillic words
with the Russian Snowball stemmer and ASCII words with the English one (with each language's
stop words), so one vector and one query cover mixed Russian and English text. Two separate
configurations would double the vectors and the indexes for no better match.

``public_vector`` holds the subject (weight A) and the public messages (B): what the client
may search. ``internal_vector`` holds the staff title when it differs from the subject (A)
and the internal comments (C). Staff search the concatenation, which has its own expression
index, so that the words of one query may be spread over public and internal text.
"""

from django.db import connection

from .text import START, STOP

CONFIG = "russian"
TABLE = "tickets_search"
# Text beyond this is not indexed: a tsvector is capped at 1 MB.
MAX_TEXT = 200_000


_SENTINELS = "U&'\\E000\\E001'"

# The ticket's text, gathered and weighted. ``%(ids)s`` is replaced by the id condition.
_DOCUMENTS = f"""
    SELECT t.id,
        setweight(to_tsvector('{CONFIG}', t.subject), 'A')
        || setweight(to_tsvector('{CONFIG}', left(coalesce(x.public_text, ''), {MAX_TEXT})), 'B'),
        setweight(to_tsvector('{CONFIG}',
                  CASE WHEN t.title <> t.subject THEN t.title ELSE '' END), 'A')
        || setweight(to_tsvector('{CONFIG}', left(coalesce(x.internal_text, ''), {MAX_TEXT})),
                     'C')
    FROM tickets_ticket t
    LEFT JOIN LATERAL (
        SELECT string_agg(m.body, E'\\n' ORDER BY m.created_at, m.id)
                   FILTER (WHERE m.visibility = 'public') AS public_text,
               string_agg(m.body, E'\\n' ORDER BY m.created_at, m.id)
                   FILTER (WHERE m.visibility = 'internal') AS internal_text
        FROM tickets_message m WHERE m.ticket_id = t.id
    ) x ON true
    WHERE %(ids)s
"""

_UPSERT = f"""
    INSERT INTO {TABLE} (ticket_id, public_vector, internal_vector) {{documents}}
    ON CONFLICT (ticket_id) DO UPDATE
    SET public_vector = EXCLUDED.public_vector, internal_vector = EXCLUDED.internal_vector
"""


def index(ticket_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT.format(documents=_DOCUMENTS % {"ids": "t.id = ANY(%s)"}), [ticket_ids]
        )


def index_range(first_id: int, last_id: int) -> int:
    """(Re)index the tickets with ids in [first_id, last_id]; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT.format(documents=_DOCUMENTS % {"ids": "t.id BETWEEN %s AND %s"}),
            [first_id, last_id],
        )
        return cursor.rowcount


def drop_orphans() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} s WHERE NOT EXISTS "
            "(SELECT 1 FROM tickets_ticket t WHERE t.id = s.ticket_id)"
        )


def _vector(staff: bool) -> str:
    return "(s.public_vector || s.internal_vector)" if staff else "s.public_vector"


# Ranking reads every candidate's vector; for a word found in tens of thousands of tickets
# that alone would take seconds. So the newest CANDIDATES matches are ranked and the rest
# left out: a query that common needs more words or a filter anyway.
CANDIDATES = 1000


def rank(query: str, base_sql: str, base_params, *, staff: bool, limit: int):
    """Ids of the best matching tickets among ``base_sql``'s, best first: [(id, rank)].

    Staff see whole departments: their matches are read from the GIN index first
    (MATERIALIZED keeps the planner from walking the table newest-first and testing every
    vector, which it prefers for frequent words and which is slow for phrases). A client
    has a few tickets: the planner starts from them and tests their vectors directly.
    """
    vector = _vector(staff)
    tsquery = f"websearch_to_tsquery('{CONFIG}', %s)"
    if staff:
        candidates = f"""
            WITH matches AS MATERIALIZED (
                SELECT s.ticket_id FROM {TABLE} s WHERE {vector} @@ {tsquery}
            )
            SELECT ticket_id FROM matches WHERE ticket_id IN ({base_sql})
            ORDER BY ticket_id DESC LIMIT {CANDIDATES}
        """
    else:
        candidates = f"""
            SELECT s.ticket_id FROM {TABLE} s
            WHERE {vector} @@ {tsquery} AND s.ticket_id IN ({base_sql})
            ORDER BY s.ticket_id DESC LIMIT {CANDIDATES}
        """
    sql = f"""
        SELECT s.ticket_id, ts_rank_cd({vector}, {tsquery}) AS rank
        FROM ({candidates}) c
        JOIN {TABLE} s ON s.ticket_id = c.ticket_id
        ORDER BY rank DESC, s.ticket_id DESC
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [query, query, *base_params, limit])
        return cursor.fetchall()


_HEADLINE = (
    f"'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, "
    "FragmentDelimiter=\" … \"'"
)
# Headlines are built from the first matching messages of each ticket on the page, at most
# SNIPPET_TEXT characters of them: enough for two fragments, bounded for long conversations.
SNIPPET_TEXT = 4000
_SNIPPET = f"""
    (SELECT ts_headline('{CONFIG}', left(string_agg(translate(left(m.body, {SNIPPET_TEXT}),
                                                            {_SENTINELS}, ''),
                                                  E'\\n' ORDER BY m.created_at, m.id),
                                       {SNIPPET_TEXT}),
                        q.q, {_HEADLINE})
     FROM (SELECT m.body, m.created_at, m.id FROM tickets_message m
           WHERE m.ticket_id = t.id AND m.visibility = %s
             AND to_tsvector('{CONFIG}', m.body) @@ q.q
           ORDER BY m.created_at, m.id LIMIT 3) m)
"""


def snippets(query: str, ticket_ids: list[int], *, staff: bool) -> dict[int, tuple]:
    """For the page's tickets only: {id: (subject, public snippet, internal snippet)} with
    matches between START and STOP. Clients' snippets come from public messages alone."""
    internal = _SNIPPET if staff else "''"
    sql = f"""
        SELECT t.id,
            ts_headline('{CONFIG}', translate(t.subject, {_SENTINELS}, ''), q.q,
                        'HighlightAll=true, StartSel={START}, StopSel={STOP}'),
            {_SNIPPET},
            {internal}
        FROM tickets_ticket t, websearch_to_tsquery('{CONFIG}', %s) AS q(q)
        WHERE t.id = ANY(%s)
    """
    # The SELECT list's parameters come before FROM's in the SQL text.
    params = ["public", *(["internal"] if staff else []), query, ticket_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}

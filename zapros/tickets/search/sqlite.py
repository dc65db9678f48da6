"""Search on SQLite: an FTS5 table, one row per ticket (rowid = ticket id), bm25 ranking.

The tokenizer is ``porter unicode61 remove_diacritics 2``: words of any script are split and
case-folded, diacritics ignored, and English words stemmed (billing, billed → bill). FTS5
has no Russian stemmer: the query side strips Russian endings and searches by prefix instead
(see ``text.fts5_query``), which finds most word forms but also some unrelated words sharing
the stem, and does not drop Russian stop words. Columns: ``subject`` and ``body`` (public
messages) are what a client may search; ``internal`` (a differing staff title and internal
comments) only staff.
"""

from django.db import connection

from .text import START, STOP, fts5_query, strip_markers

TABLE = "tickets_search"
MAX_TEXT = 200_000
CLIENT_COLUMNS = ("subject", "body")



def _clean(expression: str) -> str:
    return f"replace(replace({expression}, char(57344), ''), char(57345), '')"


_DOCUMENTS = f"""
    SELECT t.id, {_clean("t.subject")},
        substr({_clean("coalesce((SELECT group_concat(body, char(10)) FROM (SELECT m.body FROM "
                       "tickets_message m WHERE m.ticket_id = t.id AND m.visibility = 'public' "
                       "ORDER BY m.created_at, m.id)), '')")}, 1, {MAX_TEXT}),
        substr({_clean("(CASE WHEN t.title <> t.subject THEN t.title || char(10) ELSE '' END) "
                       "|| coalesce((SELECT group_concat(body, char(10)) FROM (SELECT m.body "
                       "FROM tickets_message m WHERE m.ticket_id = t.id "
                       "AND m.visibility = 'internal' ORDER BY m.created_at, m.id)), '')")},
               1, {MAX_TEXT})
    FROM tickets_ticket t WHERE %(ids)s
"""
_INSERT = f"INSERT INTO {TABLE} (rowid, subject, body, internal) {{documents}}"


def _placeholders(ids) -> str:
    return ", ".join(["%s"] * len(ids))


def index(ticket_ids: list[int]) -> None:
    marks = _placeholders(ticket_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", ticket_ids)
        cursor.execute(
            _INSERT.format(documents=_DOCUMENTS % {"ids": f"t.id IN ({marks})"}), ticket_ids
        )


def document_statements(ticket_id: int, *, subject: str, title: str, public_text: str,
                        internal_text: str) -> list[tuple[str, list]]:
    """The same row as _DOCUMENTS builds, from texts already gathered."""
    internal = (f"{title}\n" if title != subject else "") + internal_text
    return [
        (f"DELETE FROM {TABLE} WHERE rowid = %s", [ticket_id]),
        (f"INSERT INTO {TABLE} (rowid, subject, body, internal) VALUES (%s, %s, %s, %s)",
         [ticket_id, strip_markers(subject), strip_markers(public_text)[:MAX_TEXT],
          strip_markers(internal)[:MAX_TEXT]]),
    ]


def index_range(first_id: int, last_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid BETWEEN %s AND %s",
                       [first_id, last_id])
        cursor.execute(
            _INSERT.format(documents=_DOCUMENTS % {"ids": "t.id BETWEEN %s AND %s"}),
            [first_id, last_id],
        )
        return cursor.rowcount


def drop_orphans() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE rowid NOT IN (SELECT id FROM tickets_ticket)"
        )


def prepare(query: str, *, staff: bool) -> str | None:
    """The FTS5 match expression (public columns only for clients); None when the query has
    no searchable word."""
    return fts5_query(query, None if staff else CLIENT_COLUMNS)


def _weights(staff: bool) -> str:
    # subject, body, internal: a client's ranking never counts internal text.
    return "10.0, 1.0, 1.0" if staff else "10.0, 1.0, 0.0"


# Only the newest CANDIDATES matches are ranked (as on PostgreSQL). FTS5 hands out its matches
# in rowid order, newest first when asked, and computes bm25 only for the rows taken.
CANDIDATES = 300


def rank(query: str, base_sql: str, base_params, *, staff: bool, limit: int):
    """[(id, score)] best first among the tickets of ``base_sql`` (their ``id``).

    The check against them is a correlated EXISTS: with ``rowid IN (...)`` SQLite would look
    every one of them up in the FTS5 index in turn."""
    sql = f"""
        SELECT rowid, score FROM (
            SELECT rowid, bm25({TABLE}, {_weights(staff)}) AS score
            FROM {TABLE}
            WHERE {TABLE} MATCH %s
              AND EXISTS (SELECT 1 FROM ({base_sql}) b WHERE b.id = {TABLE}.rowid)
            ORDER BY rowid DESC
            LIMIT {CANDIDATES}
        )
        ORDER BY score, rowid DESC
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [query, *base_params, limit])
        return [(ticket_id, -score) for ticket_id, score in cursor.fetchall()]


def snippets(_query: str, prepared: str, ticket_ids: list[int], *, staff: bool) -> dict[int, tuple]:
    """{id: (subject, public snippet, internal snippet)} for the page's tickets, matched by the
    FTS5 expression ``prepared`` (the words as typed are not needed here)."""
    marks = _placeholders(ticket_ids)
    internal = f"snippet({TABLE}, 2, '{START}', '{STOP}', ' … ', 24)" if staff else "''"
    sql = f"""
        SELECT rowid, highlight({TABLE}, 0, '{START}', '{STOP}'),
            snippet({TABLE}, 1, '{START}', '{STOP}', ' … ', 24), {internal}
        FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN ({marks})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [prepared, *ticket_ids])
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}

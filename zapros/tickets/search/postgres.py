"""Search on PostgreSQL: one tsvector per ticket, one GIN index, websearch queries.

The ``russian`` configuration is used for both languages on purpose: it stems Cyrillic words
with the Russian Snowball stemmer and ASCII words with the English one (with each language's
stop words), so one vector and one query cover mixed Russian and English text. Two separate
configurations would double the vectors and the indexes for no better match.

Each ticket's ``document`` holds everything, told apart by weight: the subject (A) and the
public messages (B) are what the client may search; the internal comments (C) and the staff
title when it differs from the subject (D) only staff. A client's query is restricted to
weights A and B (``'word':AB``) and ranked with C and D weighing nothing, so internal text can
never match or count for a client. One vector instead of a public and an internal one keeps the
table and its index half the size and spares concatenating vectors row by row.

Finding the newest matches fast, whatever the word. A word found in most tickets ("hello")
has hundreds of thousands of entries in the GIN index, and reading them all takes seconds; a
rare word is found at once in the index but would need a walk through the whole table. So a
staff search looks through id windows, newest first, growing four times each
(:func:`windows`), as one ``UNION ALL`` under a ``LIMIT``: PostgreSQL runs the branches in
order and stops as soon as it has enough, and in each branch it picks the walk (few rows,
a frequent word) or the index (a rare word) by its statistics. A client's own tickets are
few: their matches are gathered directly.
"""

import json
import re

from django.db import connection, transaction

from .text import START, STOP

CONFIG = "russian"
TABLE = "tickets_search"
# Text beyond this is not indexed: a tsvector is capped at 1 MB.
MAX_TEXT = 200_000

_SENTINELS = "U&'\\E000\\E001'"

# The ticket's document, gathered and weighted. ``%(ids)s`` is replaced by the id condition.
_DOCUMENTS = f"""
    SELECT t.id,
        setweight(to_tsvector('{CONFIG}', t.subject), 'A')
        || setweight(to_tsvector('{CONFIG}', left(coalesce(x.public_text, ''), {MAX_TEXT})), 'B')
        || setweight(to_tsvector('{CONFIG}', left(coalesce(x.internal_text, ''), {MAX_TEXT})),
                     'C')
        || setweight(to_tsvector('{CONFIG}',
                     CASE WHEN t.title <> t.subject THEN t.title ELSE '' END), 'D')
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
    INSERT INTO {TABLE} (ticket_id, document) {{documents}}
    ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document
"""


def index(ticket_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT.format(documents=_DOCUMENTS % {"ids": "t.id = ANY(%s)"}), [ticket_ids]
        )


# The same document as _DOCUMENTS, from texts already gathered (each cut to MAX_TEXT).
_DOCUMENT = f"""
    INSERT INTO {TABLE} (ticket_id, document) VALUES (%s,
        setweight(to_tsvector('{CONFIG}', %s), 'A')
        || setweight(to_tsvector('{CONFIG}', %s), 'B')
        || setweight(to_tsvector('{CONFIG}', %s), 'C')
        || setweight(to_tsvector('{CONFIG}', %s), 'D'))
    ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document
"""


def document_statements(ticket_id: int, *, subject: str, title: str, public_text: str,
                        internal_text: str) -> list[tuple[str, list]]:
    return [(_DOCUMENT, [
        ticket_id, subject, public_text[:MAX_TEXT], internal_text[:MAX_TEXT],
        title if title != subject else "",
    ])]


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


# --- Searching -------------------------------------------------------------------------------

# Ranking reads every candidate's vector, so only the newest CANDIDATES matches are ranked:
# a word that common needs more words or a filter anyway.
CANDIDATES = 300
# The first window covers the newest FIRST_WINDOW ids; each next one is GROWTH times wider.
FIRST_WINDOW = 4_000
GROWTH = 4
# Up to this many tickets searched (as the planner estimates them), their documents are read
# one by one; beyond it the index is read window by window.
FEW_TICKETS = 10_000
# In the first WALKED windows PostgreSQL may walk the ids newest first, testing each
# document, which is quickest for a frequent word; in wider ones a walk would be long if it
# guessed a rare word's frequency wrong (it has no statistics for words it never saw), so
# there the ids are hidden from it ("+ 0"), in the order and in the bounds alike: the matches
# come from the word's index alone, not intersected with a range of hundreds of thousands of
# ids read from the key's index.
WALKED = 2
# Weights of D (staff title), C (internal comments), B (public messages), A (subject).
STAFF_WEIGHTS = "'{0.8, 0.2, 0.4, 1.0}'"
CLIENT_WEIGHTS = "'{0, 0, 0.4, 1.0}'"
_LEXEME = re.compile(r"'((?:[^']|'')*)'")
# A lexeme of a tsquery, with the negation before it if any.
_WORD = re.compile(r"(?P<not>!\s*)?'(?P<word>(?:[^']|'')*)'")


def prepare(query: str, *, staff: bool) -> tuple[str, int] | None:
    """The query as a tsquery literal (restricted to public text for clients) and the newest
    ticket id in the index; None when the query holds no searchable word (only stop words)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT websearch_to_tsquery('{CONFIG}', %s)::text, "
            f"(SELECT max(ticket_id) FROM {TABLE})",
            [query],
        )
        tsquery, newest = cursor.fetchone()
    if not tsquery or newest is None:
        return None
    if not staff:
        tsquery = public_only(tsquery)
    return tsquery, newest


def public_only(tsquery: str) -> str:
    """``'site' & !'down'`` → ``'site':AB & !'down':AB``: every lexeme of a websearch query
    (which never carries weights of its own) limited to the subject and public messages."""
    return _LEXEME.sub(lambda match: f"{match.group(0)}:AB", tsquery)


def _estimated_rows(sql: str, params) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def windows(newest: int) -> list[tuple[int | None, int | None]]:
    """(low, high] id bounds, newest first, each GROWTH times wider; the last is open below."""
    bounds, high, top, width = [], None, newest, FIRST_WINDOW
    while True:
        low = top - width
        if low <= 0:
            bounds.append((None, high))
            return bounds
        bounds.append((low, high))
        high = top = low
        width *= GROWTH


def rank(prepared: tuple[str, int], base_sql: str, base_params, *, staff: bool, limit: int):
    """Ids of the best matching tickets among ``base_sql``'s, best first: [(id, rank)].

    ``base_sql`` selects the ``id`` and ``number`` of the tickets searched. The newest
    CANDIDATES matches are ranked. When those tickets are few (a client's own, or a queue
    filter such as a status or a client), their documents are read newest first until
    enough match; otherwise the matches come window by window (see the module's notes).
    Which is decided by the planner's estimate of how many tickets ``base_sql`` holds.
    """
    tsquery, newest = prepared
    if _estimated_rows(base_sql, base_params) <= FEW_TICKETS:
        candidates = f"""
            SELECT b.id AS ticket_id FROM ({base_sql}) b
            JOIN {TABLE} s ON s.ticket_id = b.id
            WHERE s.document @@ %s::tsquery
            ORDER BY b.number DESC LIMIT {CANDIDATES}
        """
        params = [*base_params, tsquery]
    else:
        branches, params = [], []
        for step, (low, high) in enumerate(windows(newest)):
            key = "s.ticket_id" if step < WALKED else "s.ticket_id + 0"
            bounds = []
            if low is not None:
                bounds.append(f"{key} > %s")
                params.append(low)
            if high is not None:
                bounds.append(f"{key} <= %s")
                params.append(high)
            bounds = " AND ".join(bounds) or "true"
            branches.append(f"""
                (SELECT s.ticket_id FROM {TABLE} s
                 WHERE {bounds} AND s.document @@ %s::tsquery
                   AND s.ticket_id IN (SELECT b.id FROM ({base_sql}) b)
                 ORDER BY {key} DESC
                 LIMIT {CANDIDATES})""")
            params += [tsquery, *base_params]
        candidates = f"SELECT ticket_id FROM ({' UNION ALL '.join(branches)}) w " \
                     f"LIMIT {CANDIDATES}"
    weights = STAFF_WEIGHTS if staff else CLIENT_WEIGHTS
    sql = f"""
        SELECT s.ticket_id, ts_rank_cd({weights}, s.document, %s::tsquery) AS rank
        FROM ({candidates}) c
        JOIN {TABLE} s ON s.ticket_id = c.ticket_id
        ORDER BY rank DESC, s.ticket_id DESC
        LIMIT %s
    """
    # Parallel workers and JIT compilation take longer to start than these bounded scans take
    # to run (PostgreSQL planned both for the oldest window of a rare word).
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # SET LOCAL, as one statement that can be prepared.
        cursor.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true), "
                       "set_config('jit', 'off', true)")
        cursor.execute(sql, [tsquery, *params, limit])
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


def any_word_in(tsquery: str, weights: str) -> str | None:
    """A tsquery true when any word of ``tsquery`` is in the text of ``weights``; None when
    no such test is safe (a query of negations alone matches text without its words).

    The ticket's stored document answers it: where it is false no message of that kind can
    match, and its snippet is not looked for message by message.
    """
    words = [match["word"] for match in _WORD.finditer(tsquery) if not match["not"]]
    if not words or "!(" in tsquery.replace(" ", ""):
        return None
    return " | ".join(f"'{word}':{weights}" for word in dict.fromkeys(words))


def snippets(query: str, prepared, ticket_ids: list[int], *, staff: bool) -> dict[int, tuple]:
    """For the page's tickets only: {id: (subject, public snippet, internal snippet)} with
    matches between START and STOP. Clients' snippets come from public messages alone."""
    tsquery, _newest = prepared
    texts, params = [], []
    for visibility, weight in (("public", "B"), ("internal", "C"))[:2 if staff else 1]:
        test = any_word_in(tsquery, weight)
        if test is None:
            texts.append(_SNIPPET)
            params.append(visibility)
        else:
            texts.append(f"CASE WHEN s.document @@ %s::tsquery THEN {_SNIPPET} END")
            params += [test, visibility]
    if not staff:
        texts.append("''")
    sql = f"""
        SELECT t.id,
            ts_headline('{CONFIG}', translate(t.subject, {_SENTINELS}, ''), q.q,
                        'HighlightAll=true, StartSel={START}, StopSel={STOP}'),
            {texts[0]},
            {texts[1]}
        FROM tickets_ticket t
        LEFT JOIN {TABLE} s ON s.ticket_id = t.id,
        websearch_to_tsquery('{CONFIG}', %s) AS q(q)
        WHERE t.id = ANY(%s)
    """
    # The SELECT list's parameters come before FROM's in the SQL text.
    params += [query, ticket_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}

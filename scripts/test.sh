#!/usr/bin/env bash
# `make test`: lint, the migrations check, the test suite on SQLite and, when a server
# answers, again on PostgreSQL. Arguments go to pytest (make test ARGS="-k portal").
#
# With CI set, nothing is skipped for lack of tools: a missing PostgreSQL server, Redis or
# Chromium fails the run (ZAPROS_REQUIRE_POSTGRES=1, ZAPROS_REQUIRE_REDIS=1 and
# ZAPROS_REQUIRE_BROWSER=1 tell the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
POSTGRES_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/zapros}"
if [ -n "${CI:-}" ] && [ "${CI}" != "false" ] && [ "${CI}" != "0" ]; then
    export ZAPROS_REQUIRE_POSTGRES=1 ZAPROS_REQUIRE_BROWSER=1 ZAPROS_REQUIRE_MAIL=1 \
        ZAPROS_REQUIRE_REDIS=1
fi

step() { printf '\n==> %s\n' "$*"; }

step "ruff check"
.venv/bin/ruff check .

step "migrations match the models"
DEBUG=1 $PY manage.py makemigrations --check --dry-run

if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    echo "Chromium found: the browser tests run."
elif [ "${ZAPROS_REQUIRE_BROWSER:-}" = "1" ]; then
    echo "Chromium is not installed and ZAPROS_REQUIRE_BROWSER=1: the browser tests will fail."
else
    echo "Chromium is not installed: skipping the browser tests (Debian package: chromium)."
fi

step "pytest on SQLite"
# The races (marked postgres) need two real concurrent connections: they run in the
# PostgreSQL pass below, which CI requires.
env -u DATABASE_URL -u ZAPROS_REQUIRE_POSTGRES .venv/bin/pytest -m "not postgres" "$@"

step "pytest on PostgreSQL"
if $PY - "$POSTGRES_URL" <<'PYTHON'
import sys

import dj_database_url
import psycopg

db = dj_database_url.parse(sys.argv[1])
try:
    # The maintenance database: pytest-django creates test_<NAME> itself.
    psycopg.connect(
        host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
        password=db["PASSWORD"] or None, dbname="postgres", connect_timeout=5,
    ).close()
except psycopg.Error as error:
    print(f"  {error}".rstrip())
    sys.exit(1)
PYTHON
then
    DATABASE_URL="$POSTGRES_URL" .venv/bin/pytest "$@"
elif [ "${ZAPROS_REQUIRE_POSTGRES:-}" = "1" ]; then
    echo "PostgreSQL not reachable, and CI requires the PostgreSQL run." >&2
    exit 1
else
    echo "PostgreSQL not reachable: skipping the PostgreSQL run."
    echo "(Start one on 127.0.0.1:5432, or point TEST_DATABASE_URL at a server.)"
fi

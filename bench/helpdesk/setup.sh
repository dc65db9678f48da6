#!/bin/sh
# A virtualenv with django-helpdesk for the side-by-side benchmarks, outside the repository.
#
#   bench/helpdesk/setup.sh [VENV]          (default: $HD_VENV or ~/.cache/zapros-helpdesk/venv)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_100k bench/helpdesk/setup.sh --migrate
#
# Installs django-helpdesk 2.6.x from the package registry with gunicorn and psycopg; with
# --migrate also creates the database named in DATABASE_URL if it is missing and migrates it.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
MIGRATE=0
VENV=${HD_VENV:-$HOME/.cache/zapros-helpdesk/venv}
for arg in "$@"; do
    case "$arg" in
        --migrate) MIGRATE=1 ;;
        *) VENV=$arg ;;
    esac
done
case "$VENV" in
    "$(cd "$HERE/../.." && pwd)"/*) echo "the virtualenv must live outside the repository" >&2
                                    exit 1 ;;
esac

if [ ! -x "$VENV/bin/python" ]; then
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --upgrade "django-helpdesk>=2.6,<2.7" "gunicorn>=23" \
    "psycopg[binary]>=3.1"
"$VENV/bin/python" -c "import importlib.metadata as m; print('django-helpdesk', \
m.version('django-helpdesk'), 'Django', m.version('django'), 'in $VENV')"

if [ "$MIGRATE" = 1 ]; then
    : "${DATABASE_URL:?set DATABASE_URL to the benchmark database}"
    name=${DATABASE_URL##*/}
    base=${DATABASE_URL%/*}
    if ! psql "$base/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" \
            | grep -q 1; then
        psql "$base/postgres" -qc "CREATE DATABASE \"$name\""
    fi
    "$VENV/bin/python" "$HERE/site/manage.py" migrate --verbosity 0
    echo "migrated $name"
fi

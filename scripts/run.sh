#!/usr/bin/env bash
# `make run`: migrate, load the demo data, then run the web server and the Huey worker
# together until Ctrl-C. PORT (default 8000) and HOST (default 127.0.0.1) move the server.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/venv.sh

export DEBUG="${DEBUG:-1}"
export PYTHONUNBUFFERED=1
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python

if ! $PY -c 'import socket, sys; socket.create_server((sys.argv[1], int(sys.argv[2]))).close()' \
    "$HOST" "$PORT" 2>/dev/null; then
    echo "Port $PORT on $HOST is already in use: choose another one, e.g. PORT=8001 make run" >&2
    exit 1
fi

$PY manage.py migrate --noinput
$PY manage.py demo
if [ -d zapros/locale ]; then
    if command -v msgfmt >/dev/null 2>&1; then
        $PY manage.py compilemessages --ignore=.venv --ignore=var --verbosity 0
    else
        echo "gettext's msgfmt is not installed: using the translations compiled in the repository."
    fi
fi

pids=()
stop() {
    trap - INT TERM HUP EXIT
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM HUP
trap stop EXIT

$PY manage.py runserver "$HOST:$PORT" &
pids+=($!)
$PY manage.py run_huey &
pids+=($!)

# Show the address once the server answers, so it is not lost among the start-up lines.
if $PY - "$HOST" "$PORT" <<'PYTHON'
import socket, sys, time
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.3)
sys.exit(1)
PYTHON
then
    echo
    echo "Zapros is running at http://$HOST:$PORT/  (Django admin: http://$HOST:$PORT/admin/)"
    echo "The web server and the background worker stop together on Ctrl-C."
    echo
    echo "Demo logins (for this demo only):"
    $PY -m zapros.demo.data
    echo
fi

# Whichever stops first (Ctrl-C, a crash, a port already in use) stops the other.
status=0
wait -n "${pids[@]}" || status=$?
stop
exit "$status"

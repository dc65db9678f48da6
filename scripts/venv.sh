#!/usr/bin/env bash
# Make sure .venv exists and holds Zapros with its development tools.
# pip runs only when pyproject.toml changed since the last install (stamp file in .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.zapros-installed"

pick_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "Zapros needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
    exit 1
}

if [ ! -x "$VENV/bin/python" ]; then
    python=$(pick_python)
    echo "Creating $VENV with $("$python" --version)"
    "$python" -m venv "$VENV"
fi

wanted=$("$VENV/bin/python" -c \
    'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$wanted" ]; then
    echo "Installing Zapros and its dependencies into $VENV (the first time takes a minute)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
    echo "$wanted" > "$STAMP"
fi

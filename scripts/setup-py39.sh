#!/usr/bin/env bash
# The Python 3.9 environment of local Python shell jobs (Glue's Python shell is CPython
# 3.9): .venv-py39 with the boto3/botocore Glue provides (requirements-py39.txt).
# Without a Python 3.9 on this machine it says so and exits 0: the Python 3.9 test leg
# is then skipped, and Python shell jobs run under the project's interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${PY39_VENV:-.venv-py39}"
STAMP="$VENV/.installed"

find_python39() {
    local candidate
    # PY39 names one explicitly; then PATH (a pyenv shim may not resolve: check it runs),
    # then pyenv's versions, then the usual system locations.
    for candidate in "${PY39:-}" "$(command -v python3.9 || true)" \
        "$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"/versions/3.9*/bin/python3.9 \
        /usr/local/bin/python3.9 /usr/bin/python3.9; do
        [ -n "$candidate" ] && [ -x "$candidate" ] || continue
        if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 9))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [ -f "$STAMP" ] && [ "$STAMP" -nt requirements-py39.txt ]; then
    exit 0
fi
if ! PY39_BIN="$(find_python39)"; then
    echo "setup-py39: no Python 3.9 interpreter found (set PY39=/path/to/python3.9);" \
        "the Python 3.9 leg of the tests will be skipped" >&2
    exit 0
fi
rm -rf "$VENV"
"$PY39_BIN" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-py39.txt
touch "$STAMP"
echo "setup-py39: $VENV uses $PY39_BIN ($("$VENV/bin/python" -V))"

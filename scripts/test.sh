#!/usr/bin/env bash
# The test command (`make test`): the whole suite on SQLite, then again on PostgreSQL at 127.0.0.1:5432.
# Outside CI, PostgreSQL is skipped (with a message) when no server answers; in CI (CI=true) it is required.
# Browser tests (marker "browser") run as their own step after both, when Chromium is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
WORKERS=${PYTEST_WORKERS:-auto}
PG_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/sendtrack}
export SENDTRACK_ENV_FILE=""  # never read a developer's .env: the tests choose their own databases

echo "== tests on SQLite"
env -u DATABASE_URL "$BIN/pytest" -n "$WORKERS" -m "not browser and not postgres_only" "$@"

if "$BIN/python" - "$PG_URL" <<'PY'
import sys
import psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001
    print(f"PostgreSQL not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL"
  DATABASE_URL="$PG_URL" "$BIN/pytest" -n "$WORKERS" -m "not browser" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required in CI" >&2
  exit 1
else
  echo "== PostgreSQL tests skipped: no server at 127.0.0.1:5432"
fi

if [ -x /usr/bin/chromium ] && "$BIN/python" -c "import playwright" 2>/dev/null; then
  echo "== browser tests (Chromium)"
  env -u DATABASE_URL "$BIN/pytest" -m browser -p no:xdist "$@"
elif [ "${CI:-}" = "true" ] && [ -d tests/browser ]; then
  echo "Chromium and Playwright are required in CI for the browser tests" >&2
  exit 1
else
  echo "== browser tests skipped: install Debian's chromium (/usr/bin/chromium) to run them"
fi

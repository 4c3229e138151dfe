#!/usr/bin/env bash
# Run the whole suite on SQLite, then the store-touching tests on PostgreSQL when one
# answers at 127.0.0.1:5432, and say how many ran on each. pytest's exit code 5
# ("no tests ran") is a failure here.
set -uo pipefail
BIN=.venv/bin
export PYTHONDONTWRITEBYTECODE=1

run() {
  local label=$1; shift
  echo "== $label"
  "$BIN/pytest" "$@" | tee ".pytest-$label.log"
  local status=${PIPESTATUS[0]}
  if [ "$status" = "5" ]; then echo "no tests ran on $label: that is a failure"; return 1; fi
  return "$status"
}

summary() { tail -n 1 ".pytest-$1.log" | sed 's/=//g'; }

run sqlite -p no:cacheprovider -q tests; sqlite_status=$?

if "$BIN/python" -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres', connect_timeout=3).close()" 2>/dev/null; then
  CCPULSE_TEST_BACKEND=postgresql run postgresql -p no:cacheprovider -q -m "not browser" tests
  pg_status=$?
  pg_line=$(summary postgresql)
else
  pg_status=0
  pg_line="skipped: no PostgreSQL answers at 127.0.0.1:5432"
fi

echo
echo "tests on SQLite:     $(summary sqlite)"
echo "tests on PostgreSQL: $pg_line"
rm -f .pytest-sqlite.log .pytest-postgresql.log
[ "$sqlite_status" = "0" ] && [ "$pg_status" = "0" ]

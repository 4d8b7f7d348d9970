#!/usr/bin/env bash
# Makes sure the test database answers: starts the local cluster if it is installed and
# down, and fails loudly (never skips) when PostgreSQL cannot be reached.
set -euo pipefail
url="${ORDERFLOW_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

reachable() { psql "$url" -Atqc 'select 1' >/dev/null 2>&1; }

if ! command -v psql >/dev/null; then
  echo "error: psql not found; install the PostgreSQL client (and server) to run the tests" >&2
  exit 1
fi
if reachable; then exit 0; fi
# The server may be up with no test database yet: create it.
if createdb -h 127.0.0.1 -U postgres test 2>/dev/null && reachable; then exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "PostgreSQL is down; starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    reachable && exit 0
    createdb -h 127.0.0.1 -U postgres test 2>/dev/null || true
    sleep 1
  done
fi
echo "error: PostgreSQL is unreachable at $url; the tests need it (set ORDERFLOW_TEST_DATABASE_URL)" >&2
exit 1

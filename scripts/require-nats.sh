#!/usr/bin/env bash
# Makes sure the test NATS server answers with JetStream on: starts the local server if
# it is installed and down, and fails loudly (never skips) when NATS with JetStream
# cannot be reached. The tests use ORDERFLOW_TEST_NATS_URL (default
# nats://127.0.0.1:4222); this script checks a nats://host:port URL without credentials.
set -euo pipefail
url="${ORDERFLOW_TEST_NATS_URL:-nats://127.0.0.1:4222}"
hostport="${url#nats://}"
hostport="${hostport##*@}"
hostport="${hostport%%/*}"
host="${hostport%:*}"
port="${hostport##*:}"
[ "$host" = "$hostport" ] && port=4222

# The server greets every connection with an INFO line, which says whether JetStream is on.
info() { timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port && head -n 1 <&3" 2>/dev/null || true; }

jetstream_on() { info | grep -q '"jetstream":true'; }

if jetstream_on; then exit 0; fi
if [ -n "$(info)" ]; then
  echo "error: the NATS server at $url runs without JetStream; restart it with -js (the tests need JetStream)" >&2
  exit 1
fi
if command -v nats-server >/dev/null && [ "$host" = 127.0.0.1 -o "$host" = localhost ]; then
  echo "NATS is down; starting nats-server with JetStream on $host:$port"
  store=/var/lib/nats-server
  [ "$port" = 4222 ] || store="$store-$port"
  mkdir -p "$store" 2>/dev/null || store="${TMPDIR:-/tmp}/nats-server"
  mkdir -p "$store"
  if [ "$port" = 4222 ] && command -v start-stop-daemon >/dev/null; then
    # As this machine's own service is started.
    start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
      -a "$host" -p "$port" -js -sd "$store" -l "$store/nats-server.log" || true
  else
    setsid nohup nats-server -a "$host" -p "$port" -js -sd "$store" >"$store/nats-server.log" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 30); do
    jetstream_on && exit 0
    sleep 1
  done
fi
echo "error: NATS with JetStream is unreachable at $url; the tests need it (install nats-server, e.g. apt-get install nats-server, or set ORDERFLOW_TEST_NATS_URL)" >&2
exit 1

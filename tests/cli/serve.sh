#!/usr/bin/env bash
# serve-1.x: `kaoping serve --listen HOST:PORT` (the issue's spelling) starts the server on
# that address; malformed or conflicting addresses are usage errors (exit 2).
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$KAOPING" init --db "$tmp/k.db" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$KAOPING" serve --db "$tmp/k.db" --listen "127.0.0.1:$port" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" && break; sleep 0.1; done
assert_contains "serve-1.1 --listen prints the address" "$(cat "$tmp/out")" "http://127.0.0.1:$port/"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")
assert_eq "serve-1.2 the home page answers on that address" 200 "$code"
kill "$pid"; wait "$pid" 2>/dev/null; pid=
run_kp serve --db "$tmp/k.db" --listen 8080
assert_eq "serve-1.3 --listen without a host is a usage error" 2 "$rc"
assert_contains "serve-1.4 ... which says the form" "$err" "--listen takes HOST:PORT"
run_kp serve --db "$tmp/k.db" --listen 127.0.0.1:8080 --port 9000
assert_eq "serve-1.5 --listen with --port is a usage error" 2 "$rc"
run_kp serve --db "$tmp/k.db" --listen 127.0.0.1:99999
assert_eq "serve-1.6 a port above 65535 is a usage error" 2 "$rc"
finish

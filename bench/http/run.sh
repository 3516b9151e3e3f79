#!/usr/bin/env bash
# bench/http/run.sh: kaoping's HTTP server against nginx serving the same bytes, in one run.
#
# Builds build/kaoping, makes the demo database, starts `kaoping serve` on a free loopback
# port, signs in as a browser would (a provider account: published reviews, every unit; the
# forced password change included), saves the answers of the two read routes measured (the
# published review GET /api/reviews/2021-B3 and a unit page's trend GET
# /api/units/430421/trend) and starts nginx (unprivileged, temporary config, another loopback
# port) serving those same bytes as static files at the same paths (checked with cmp). Then
# wrk --latency at 64 connections against each, kaoping with the session cookie, in the same
# run; then the review once more with Accept-Encoding: gzip, against nginx's gzip_static
# serving a precompressed copy (kaoping's response cache also compresses once). Prints the table and writes it into bench/http/README.md between its markers.
#
# Installs what it needs (kaoping's packages, then wrk and nginx).
# Environment: BENCH_WORK (default /tmp/kaoping-bench-http), BENCH_SECONDS (10),
# BENCH_CONNECTIONS (64), BENCH_THREADS (wrk threads, 4), KP_THREADS (server pool, nproc).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh
# The peers of this benchmark only (not needed to build or test kaoping).
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk nginx-light || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk nginx
fi
for tool in wrk nginx curl jq; do
  command -v "$tool" >/dev/null || { echo "bench/http: $tool is missing (apt-get install -y wrk nginx curl jq)" >&2; exit 1; }
done
W=${BENCH_WORK:-/tmp/kaoping-bench-http}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
WT=${BENCH_THREADS:-4}
KPT=${KP_THREADS:-$(nproc)}
PERIOD=2021-B3
UNIT=430421
SPID= NPID=
cleanup() {
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  [ -n "$NPID" ] && kill "$NPID" 2>/dev/null
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
  true
}
trap cleanup EXIT
rm -rf "$W"; mkdir -p "$W/www/api/reviews" "$W/nginx"
make -s build/kaoping >/dev/null
KP=$PWD/build/kaoping
$KP demo --db "$W/kp.db" --force >/dev/null
PW0='Init-Pass-2021x'; PW1='Zweite-Kennung-77y'
echo "$PW0" | $KP user add wrk1 --role provider --password-stdin --db "$W/kp.db" >/dev/null

$KP serve --db "$W/kp.db" --port 0 --threads "$KPT" >"$W/serve.out" 2>"$W/serve.err" &
SPID=$!
for _ in $(seq 100); do grep -q listening "$W/serve.out" 2>/dev/null && break; sleep 0.1; done
KPORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$W/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$KPORT
J=(-H 'Content-Type: application/json')
curl -s -c "$W/jar" "${J[@]}" --data-binary "{\"username\":\"wrk1\",\"password\":\"$PW0\"}" "$B/api/login" > "$W/login.json"
CSRF=$(jq -r .csrf_token "$W/login.json")
curl -s -b "$W/jar" -c "$W/jar" "${J[@]}" -H "X-CSRF-Token: $CSRF" \
  --data-binary "{\"old_password\":\"$PW0\",\"new_password\":\"$PW1\"}" "$B/api/password" >/dev/null
SID=$(awk '$6=="kp_sid"{print $7}' "$W/jar" | tail -1)
[ -n "$SID" ] || { echo "bench/http: no session" >&2; exit 1; }
PATHS=("/api/reviews/$PERIOD" "/api/units/$UNIT/trend")
declare -A BYTES
for p in "${PATHS[@]}"; do
  mkdir -p "$W/www$(dirname "$p")"
  code=$(curl -s -o "$W/www$p" -w '%{http_code}' -H "Cookie: kp_sid=$SID" "$B$p")
  [ "$code" = 200 ] || { echo "bench/http: GET $p answered $code" >&2; exit 1; }
  BYTES[$p]=$(stat -c %s "$W/www$p")
done

# nginx: same bytes, static, keep-alive, no logging; workers = the server's threads
NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$W/nginx/nginx.conf" <<CONF
worker_processes $KPT;
pid $W/nginx.pid;
error_log $W/nginx/error.log warn;
daemon on;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $W/nginx/body; proxy_temp_path $W/nginx/proxy;
  fastcgi_temp_path $W/nginx/fcgi; uwsgi_temp_path $W/nginx/uwsgi; scgi_temp_path $W/nginx/scgi;
  types { application/json json; }
  default_type application/json;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NPORT;
    root $W/www;
    location / { gzip_static on; try_files \$uri =404; }
  }
}
CONF
# the gzip row: nginx serves a precompressed copy (gzip_static), as kaoping does from its
# response cache, so both send compressed bytes made once, not per request
GZP=${PATHS[0]}
gzip -6 -k -n "$W/www$GZP"
code=$(curl -s -o "$W/kp.gz" -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "Cookie: kp_sid=$SID" "$B$GZP")
[ "$code" = 200 ] && cmp -s <(gunzip -c "$W/kp.gz") "$W/www$GZP" \
  || { echo "bench/http: kaoping's gzip answer for $GZP is not the same JSON" >&2; exit 1; }
chmod -R a+rX "$W/www"
nginx -c "$W/nginx/nginx.conf" -p "$W/nginx"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$NPORT${PATHS[0]}" && break; sleep 0.1; done
for p in "${PATHS[@]}"; do
  cmp -s <(curl -s "http://127.0.0.1:$NPORT$p") "$W/www$p" \
    || { echo "bench/http: nginx does not serve the same bytes for $p" >&2; exit 1; }
done
cmp -s <(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$NPORT$GZP") "$W/www$GZP.gz" \
  || { echo "bench/http: nginx does not serve the precompressed copy of $GZP" >&2; exit 1; }

# one wrk run: prints "requests/s p99"
bench() {
  local out
  out=$(wrk -t"$WT" -c"$CONNS" -d"${SECS}s" --latency "$@")
  echo "$out" > "$W/wrk.$(date +%s%N).txt"
  local rps p99 non2xx
  rps=$(echo "$out" | awk '/^Requests\/sec:/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/{print $NF}')
  echo "$rps $p99 ${non2xx:-0}"
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
machine="$(nproc) CPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
ROWS=""
for p in "${PATHS[@]}"; do
  read -r k_rps k_p99 k_bad < <(bench -H "Cookie: kp_sid=$SID" "$B$p")
  read -r n_rps n_p99 n_bad < <(bench "http://127.0.0.1:$NPORT$p")
  ratio=$(awk -v a="$k_rps" -v b="$n_rps" 'BEGIN{printf "%.2f", a/b}')
  ROWS+="| GET $p | ${BYTES[$p]} | $k_rps | $k_p99 | $k_bad | $n_rps | $n_p99 | $ratio |
"
done
GZH=(-H 'Accept-Encoding: gzip')
read -r k_rps k_p99 k_bad < <(bench "${GZH[@]}" -H "Cookie: kp_sid=$SID" "$B$GZP")
read -r n_rps n_p99 n_bad < <(bench "${GZH[@]}" "http://127.0.0.1:$NPORT$GZP")
ratio=$(awk -v a="$k_rps" -v b="$n_rps" 'BEGIN{printf "%.2f", a/b}')
ROWS+="| GET $GZP, Accept-Encoding: gzip | $(stat -c %s "$W/www$GZP.gz") | $k_rps | $k_p99 | $k_bad | $n_rps | $n_p99 | $ratio |
"
TABLE=$(cat <<TBL
<!-- bench-http:begin -->
Run: $(date -u +%Y-%m-%dT%H:%MZ), machine: $machine (load average before the run: $LOAD0); wrk -t$WT -c$CONNS -d${SECS}s --latency,
kaoping \`serve --threads $KPT\` (session cookie on every request), nginx $(nginx -v 2>&1 | sed 's/.*\///') \`worker_processes $KPT\` serving the same bytes as static files.

| route | bytes | kaoping req/s | kaoping p99 | non-2xx | nginx req/s | nginx p99 | kaoping / nginx |
|---|---:|---:|---:|---:|---:|---:|---:|
$ROWS<!-- bench-http:end -->
TBL
)
echo "$TABLE"
R=bench/http/README.md
if [ -f "$R" ] && grep -q 'bench-http:begin' "$R"; then
  python3 - "$R" "$TABLE" <<'PY'
import re, sys
p, t = sys.argv[1], sys.argv[2]
s = open(p).read()
s = re.sub(r"<!-- bench-http:begin -->.*?<!-- bench-http:end -->", lambda m: t, s, flags=re.S)
open(p, "w").write(s)
PY
fi

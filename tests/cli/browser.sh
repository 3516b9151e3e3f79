#!/usr/bin/env bash
# browser: the web UI (web/) in Debian's chromium, driven by playwright-core through node's
# test runner (tests/browser/ui.test.mjs), against the real server on a temporary demo
# database. Builds the UI first when web/dist or web/node_modules is missing (npm ci &&
# npm run build). Screenshots of each main screen: tests/browser/screenshots/.
# The last line is "N passed, M failed"; the exit status is non-zero on any failure.
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
KAOPING=${KAOPING:-build/kaoping}
case "$KAOPING" in /*) ;; *) KAOPING="$ROOT/$KAOPING" ;; esac
export KAOPING

die() { echo "FAIL browser-0 $*"; echo "0 passed, 1 failed"; exit 1; }
command -v node >/dev/null || die "node is not installed"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing (apt-get install chromium)"
[ -x "$KAOPING" ] || die "$KAOPING is not built (make)"

if [ ! -d web/node_modules ] || [ ! -f web/dist/index.html ] || [ ! -d web/node_modules/playwright-core ]; then
  echo "building the web UI (npm ci && npm run build)"
  (cd web && npm ci --no-audit --no-fund && npm run build) >/tmp/kp-web-build.$$ 2>&1 \
    || { tail -30 /tmp/kp-web-build.$$; rm -f /tmp/kp-web-build.$$; die "web UI build failed"; }
  rm -f /tmp/kp-web-build.$$
fi

T=$(mktemp -d)
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT

"$KAOPING" demo --db "$T/k.db" >"$T/demo.out" 2>&1 || { tail -20 "$T/demo.out"; die "kaoping demo failed"; }
[ -f "$T/demo-logins.txt" ] || die "the demo wrote no demo-logins.txt"

"$KAOPING" serve --db "$T/k.db" --port 0 --web-root "$ROOT/web/dist" >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 100); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(head -1 "$T/serve.out" | grep -oE '127\.0\.0\.1:[0-9]+' | cut -d: -f2)
[ -n "$PORT" ] || { cat "$T/serve.err"; die "the server did not start"; }

KP_BASE="http://127.0.0.1:$PORT" KP_LOGINS="$T/demo-logins.txt" KP_DB="$T/k.db" CHROMIUM="$CHROMIUM" \
  node --test --test-reporter=tap --test-concurrency=1 tests/browser/ >"$T/tap" 2>&1
rc=$?
mkdir -p tests/browser/screenshots && cp "$T/tap" tests/browser/screenshots/last-run.tap
grep -vE '^\s*(duration_ms|type:|\.\.\.|---)' "$T/tap" | grep -E '^(not )?ok |^# |^\s+(error|expected|actual|at .*ui\.test)' | head -120
pass=$(grep -E '^# pass ' "$T/tap" | awk '{print $3}')
failn=$(grep -E '^# fail ' "$T/tap" | awk '{print $3}')
pass=${pass:-0}; failn=${failn:-0}
if [ "$rc" -ne 0 ] && [ "$failn" -eq 0 ]; then tail -40 "$T/tap"; failn=1; fi
echo "screenshots: tests/browser/screenshots/"
echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ]

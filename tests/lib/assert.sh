# Shared helpers for the CLI test scripts (tests/cli/*.sh). Source it, call the asserts,
# and end with `finish`, which prints "N passed, M failed" and sets the exit status.
# Each assert takes a test name first; failures print what was expected and what came.
KAOPING=${KAOPING:-build/kaoping}
case "$KAOPING" in /*) ;; *) KAOPING="$PWD/$KAOPING" ;; esac
KAOPING_SHARED=${KAOPING_SHARED:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared}
_pass=0
_fail=0
ok()   { _pass=$((_pass + 1)); echo "ok   $1"; }
fail() { _fail=$((_fail + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "     $l"; done; }
# assert_eq NAME EXPECTED ACTUAL
assert_eq() { if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "expected: $2" "actual:   $3"; fi; }
# assert_contains NAME HAYSTACK NEEDLE
assert_contains() {
  if [[ "$2" == *"$3"* ]]; then ok "$1"; else fail "$1" "expected to contain: $3" "actual: ${2:0:600}"; fi
}
assert_not_contains() {
  if [[ "$2" != *"$3"* ]]; then ok "$1"; else fail "$1" "expected NOT to contain: $3"; fi
}
# run_kp: runs kaoping, capturing stdout in $out, stderr in $err and the status in $rc
run_kp() {
  local o e
  o=$(mktemp); e=$(mktemp)
  "$KAOPING" "$@" >"$o" 2>"$e"; rc=$?
  out=$(cat "$o"); err=$(cat "$e"); rm -f "$o" "$e"
}
finish() { echo "$_pass passed, $_fail failed"; [ "$_fail" -eq 0 ]; }

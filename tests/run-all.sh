#!/usr/bin/env bash
# Runs every test against one build directory: the cmocka unit tests (B/test_*), then each
# CLI test script (tests/cli/*.sh) and conformance check (tests/conformance/*.sh) with
# KAOPING=B/kaoping. Each suite prints its own summary; this script adds them up and ends
# with the line "N passed, M failed". Exit status is non-zero when anything failed.
#   usage: tests/run-all.sh [build|build-asan]
set -u
B=${1:-build}
cd "$(dirname "$0")/.." || exit 1
export KAOPING="$PWD/$B/kaoping"
export KAOPING_SHARED="${KAOPING_SHARED:-$(cd .. && pwd)/shared}"
total_pass=0
total_fail=0
failed_suites=()

add_counts() { # $1 = suite name, $2 = log file, $3 = exit status
  local p f line
  # cmocka: "[  PASSED  ] 12 test(s)." / "[  FAILED  ] 1 test(s), listed below:"
  p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$2" | tail -1 | grep -oE '[0-9]+' | head -1)
  f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$2" | tail -1 | grep -oE '[0-9]+' | head -1)
  if [ -z "$p$f" ]; then
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -1)
    p=$(echo "$line" | awk '{print $1}')
    f=$(echo "$line" | awk '{print $3}')
  fi
  p=${p:-0}; f=${f:-0}
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # a crash or a failure that printed no count
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  if [ "$f" -ne 0 ]; then failed_suites+=("$1"); fi
  printf '  %-40s %4d passed, %d failed\n' "$1" "$p" "$f"
}

logdir=$(mktemp -d)
echo "== tests against $B =="
for src in tests/unit/test_*.c; do
  t=$B/$(basename "$src" .c)
  name=unit/$(basename "$t")
  # a missing or stale binary would test other code than the tree's: count it as a failure
  if [ ! -x "$t" ] || [ "$src" -nt "$t" ] || [ -n "$(find "$B/obj" -name '*.o' -newer "$t" | head -1)" ]; then
    echo "  $name: missing, or older than its source or the objects it links (run make)"
    add_counts "$name" /dev/null 1
    continue
  fi
  "$t" >"$logdir/log" 2>&1; rc=$?
  add_counts "$name" "$logdir/log" $rc
  [ $rc -ne 0 ] && sed 's/^/    | /' "$logdir/log" | tail -40
done
for t in tests/cli/*.sh tests/conformance/*.sh; do
  [ -f "$t" ] || continue
  name=${t#tests/}
  bash "$t" >"$logdir/log" 2>&1; rc=$?
  add_counts "$name" "$logdir/log" $rc
  [ $rc -ne 0 ] && sed 's/^/    | /' "$logdir/log" | grep -v '^    | ok' | tail -40
done
rm -rf "$logdir"
if [ ${#failed_suites[@]} -gt 0 ]; then echo "failed suites: ${failed_suites[*]}"; fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]

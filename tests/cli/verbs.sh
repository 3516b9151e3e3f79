#!/usr/bin/env bash
# verbs-1.x: the command table (src/cli/verbs.c) as a whole: sorted, every row with a
# handler in this build, a capability and help; unknown verbs give "did you mean".
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh

names=$(sed -n '/^const Verb aVerb\[\] = {/,/^};/p' src/cli/verbs.c | grep -oE '^  \{"[^"]+"' | sed 's/^  {"//; s/"$//')
sorted=$(printf '%s\n' "$names" | LC_ALL=C sort)
assert_eq "verbs-1.1 table is sorted" "$sorted" "$names"
assert_eq "verbs-1.2 table has rows" "1" "$([ "$(printf '%s\n' "$names" | wc -l)" -ge 15 ] && echo 1)"

while IFS= read -r v; do
  # shellcheck disable=SC2086
  run_kp $v --help
  assert_eq "verbs-1.3 '$v --help' exits 0" 0 "$rc"
  assert_contains "verbs-1.4 '$v --help' shows usage" "$out" "usage: kaoping $v"
  assert_contains "verbs-1.5 '$v' names a capability" "$out" "needs capability: "
  # Running with no arguments must never say the handler is missing from the build.
  # shellcheck disable=SC2086
  (cd "$(mktemp -d)" && "$KAOPING" $v </dev/null >/dev/null 2>err.txt; cat err.txt) >/tmp/kp_verbs_err.$$ 2>&1
  assert_not_contains "verbs-1.6 '$v' has a handler" "$(cat /tmp/kp_verbs_err.$$)" "lacks the handler"
done <<<"$names"
rm -f /tmp/kp_verbs_err.$$

run_kp scor
assert_eq "verbs-1.7 unknown verb exits 2" 2 "$rc"
assert_contains "verbs-1.8 did you mean" "$err" 'did you mean "score"'
run_kp
assert_eq "verbs-1.9 no verb exits 2" 2 "$rc"
run_kp --version
assert_contains "verbs-1.10 version" "$out" "kaoping "
finish

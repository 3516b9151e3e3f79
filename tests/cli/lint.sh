#!/usr/bin/env bash
# lint-1: the house-style checks of scripts/lint.sh pass on the tree.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
o=$(scripts/lint.sh 2>&1); r=$?
assert_eq "lint-1.1 scripts/lint.sh passes" "0 lint: ok" "$r $o"
finish

#!/usr/bin/env bash
# score-1.x: `kaoping score` end to end on the real binary ($KAOPING, default build/kaoping)
# with the small hand-made files in tests/data/score/.
#
# The worked case (score-1.1 .. 1.6), scheme tests/data/score/scheme.json, period 2021-B3,
# units U1 U2 in 县市 and U3 U4 in 城区, total 100:
#   A1 completion w40 (targets 100): U1 90 -> 0.9 -> 36; U2 100 -> 40; U3 50 -> 20; U4 120 -> 40 (cap 1)
#   A2 minmax w20, per group:        县市 3, 5 -> U1 0, U2 20;  城区 7, 9 -> U3 0, U4 20
#   B1 bands w30, 县市 only:          U1 12 -> 1 -> 30; U2 6 -> 0.5 -> 15
#   C1 deduct 0.5/event, cap 2:      U1 3 -> -1.5; U2 0; U3 10 -> -2 (cap); U4 empty -> MISSING, 0
#   C2 bonus 1/event, cap 3:         U1 0; U2 2 -> +2; U3 no row -> MISSING; U4 5 -> +3 (cap)
#   U1: W = 90 -> base = 66 * 100/90 = 73.333..; total 73.333.. - 1.5 = 71.83333333333333 一般, rank 2
#   U2: 75 * 100/90 = 83.333.. + 2 = 85.33333333333333 良好, rank 1
#   U3: W = 60 (no B1) -> 20 * 100/60 = 33.333.. - 2 = 31.333333333333336 较差, rank 2
#   U4: 60 * 100/60 = 100 + 3 = 103 优秀, rank 1
#   categories of U1: A = 36 * 100/90 = 40 points, value 36/60 = 0.6; B = 30 * 100/90, value 1;
#   C has no weighted leaf: null, null.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
D=tests/data/score
OK_ARGS=(--units $D/units.csv --scheme $D/scheme.json --targets $D/targets.csv --period 2021-B3)

# --- the worked case -------------------------------------------------------------------
run_kp score "${OK_ARGS[@]}" --values $D/values.csv --format csv
assert_eq "score-1.1 csv exits 0" 0 "$rc"
assert_eq "score-1.2 csv totals, ranks, grades" "unit,group,total,rank,grade,flags
U1,县市,71.83333333333333,2,一般,
U2,县市,85.33333333333333,1,良好,
U3,城区,31.333333333333336,2,较差,
U4,城区,103,1,优秀," "$out"

run_kp score "${OK_ARGS[@]}" --values $D/values.csv
assert_eq "score-1.3 json exits 0" 0 "$rc"
json_check=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
u = {x["code"]: x for x in d["units"]}
ind = lambda c, i: next(x for x in u[c]["indicators"] if x["code"] == i)
cat = lambda c, k: next(x for x in u[c]["categories"] if x["code"] == k)
checks = [
  d["scheme"] == "T2021", d["period"] == "2021-B3",
  [x["code"] for x in d["units"]] == ["U1", "U2", "U3", "U4"],
  [x["code"] for x in u["U1"]["indicators"]] == ["A1", "A2", "B1", "C1", "C2"],
  u["U1"]["total"] == 71.83333333333333, u["U4"]["total"] == 103,
  ind("U1", "A1") == {"code": "A1", "value": 90, "share": 0.9, "points": 36, "rank": 2, "flags": []},
  ind("U1", "C1") == {"code": "C1", "value": 3, "share": None, "points": -1.5, "rank": 2, "flags": []},
  ind("U4", "C1") == {"code": "C1", "value": None, "share": None, "points": 0, "rank": None, "flags": ["MISSING"]},
  ind("U3", "B1") == {"code": "B1", "value": None, "share": None, "points": None, "rank": None, "flags": []},
  cat("U1", "A") == {"code": "A", "value": 0.6, "points": 40},
  cat("U1", "B")["points"] == 30 * 100 / 90,
  cat("U1", "C") == {"code": "C", "value": None, "points": None},
  u["U2"]["grade"] == "良好" and u["U2"]["rank"] == 1 and u["U2"]["flags"] == [],
]
print(" ".join("ok" if c else "BAD%d" % i for i, c in enumerate(checks)))
')
assert_eq "score-1.4 json values, nulls and order" "ok ok ok ok ok ok ok ok ok ok ok ok ok ok" "$json_check"
assert_contains "score-1.5 json prints 103 as 103" "$out" '"total": 103, "rank": 1'

run_kp score "${OK_ARGS[@]}" --values $D/values.csv --format table
assert_eq "score-1.6 table exits 0" 0 "$rc"
assert_contains "score-1.7 table: group heading" "$out" "县市 (2)"
assert_contains "score-1.8 table: aligned row (UTF-8 widths)" "$out" "   1  U2    衡南县  85.33  良好"
assert_contains "score-1.9 table: aligned row, second group" "$out" "   2  U3    珠晖区   31.33  较差"

# GBK with CRLF and a Chinese extra column reads as the same numbers.
run_kp score "${OK_ARGS[@]}" --values $D/values-gbk.csv --format csv
assert_eq "score-1.10 GBK values file exits 0" 0 "$rc"
assert_contains "score-1.11 GBK values give the same totals" "$out" "U1,县市,71.83333333333333,2,一般,"

# --previous feeds the carry policy; nothing else changes here (no leaf uses carry).
run_kp score "${OK_ARGS[@]}" --values $D/values.csv --previous $D/values.csv --format csv
assert_eq "score-1.12 --previous accepted" "0" "$rc"

# --- malformed input: exit 1, and the exact "FILE: line L, column C" ---------------------
bad() { # NAME FILE EXPECTED-MESSAGE
  run_kp score "${OK_ARGS[@]}" --values "$D/$2"
  assert_eq "$1 exits 1" 1 "$rc"
  assert_contains "$1 message" "$err" "$3"
  assert_eq "$1 prints no result" "" "$out"
}
bad "score-2.1 bad UTF-8" bad-utf8.csv \
  "$D/bad-utf8.csv: line 3, column 9: byte 0xFF is not valid UTF-8, and the file does not read as GBK either"
bad "score-2.2 ragged row (too many fields)" ragged.csv \
  "$D/ragged.csv: line 3, column 4: the row has 4 fields, the header 3"
bad "score-2.3 ragged row (too few fields)" ragged.csv \
  "$D/ragged.csv: line 4, column 3: the row has 2 fields, the header 3"
bad "score-2.4 unknown unit" unknown-unit.csv \
  "$D/unknown-unit.csv: line 3, column 1: unknown unit \"U9\""
bad "score-2.5 unknown indicator" unknown-indicator.csv \
  "$D/unknown-indicator.csv: line 3, column 2: unknown indicator \"Z9\" (not in scheme T2021)"
bad "score-2.6 a category is not an indicator" unknown-indicator.csv \
  "$D/unknown-indicator.csv: line 4, column 2: indicator A is a category"
bad "score-2.7 non-number (thousands separator)" non-number.csv \
  "$D/non-number.csv: line 3, column 3: value \"1,000\" is not a number"
bad "score-2.8 non-number (percent sign)" non-number.csv \
  "$D/non-number.csv: line 4, column 3: value \"12%\" is not a number"
bad "score-2.9 non-number (text)" non-number.csv \
  "$D/non-number.csv: line 5, column 3: value \"abc\" is not a number"
bad "score-2.10 duplicate row" duplicate.csv \
  "$D/duplicate.csv: line 4, column 1: a second row for unit U1, indicator A1 (first on line 2)"
bad "score-2.11 missing header column" bad-header.csv \
  "$D/bad-header.csv: line 1, column 1: the header lacks column \"indicator\""
run_kp score "${OK_ARGS[@]}" --values $D/non-number.csv
assert_contains "score-2.12 every bad row is listed" "$err" "3 problems; nothing was scored"

run_kp score --units $D/units.csv --scheme $D/bad-scheme.json --values $D/values.csv --period 2021-B3
assert_eq "score-2.13 bad scheme exits 1" 1 "$rc"
assert_contains "score-2.14 bad scheme: unknown method names the code" "$err" \
  "$D/bad-scheme.json: indicator A2: unknown method \"median\""
assert_contains "score-2.15 bad scheme: unknown key names the code" "$err" \
  "$D/bad-scheme.json: indicator B1: unknown key \"mising\""

run_kp score --units $D/bad-units.csv --scheme $D/scheme.json --values $D/values.csv --period 2021-B3
assert_eq "score-2.16 bad units exit 1" 1 "$rc"
assert_contains "score-2.17 duplicate unit" "$err" \
  "$D/bad-units.csv: line 3, column 1: unit U1 appears twice (first on line 2)"
assert_contains "score-2.18 empty peer group" "$err" \
  "$D/bad-units.csv: line 4, column 4: the peer group (peer_group) is empty"

# A data error of the engine: a completion leaf without its targets.
run_kp score --units $D/units.csv --scheme $D/scheme.json --values $D/values.csv --period 2021-B3
assert_eq "score-2.19 missing targets exit 1" 1 "$rc"
assert_contains "score-2.20 data error names indicator and unit" "$err" \
  "indicator A1, unit U1: target is missing (completion needs a target > 0)"
assert_contains "score-2.21 ... and every unit" "$err" "indicator A1, unit U4: target is missing"

# A period outside the scheme's year.
run_kp score "${OK_ARGS[@]/2021-B3/2020-B3}" --values $D/values.csv
assert_eq "score-2.22 period outside the scheme year exits 1" 1 "$rc"
assert_contains "score-2.23 ... and says so" "$err" "period 2020-B3 is not in the year of scheme T2021 (2021)"

run_kp score "${OK_ARGS[@]}" --values $D/no-such-file.csv
assert_eq "score-2.24 unreadable file exits 1" 1 "$rc"
assert_contains "score-2.25 ... naming the file" "$err" "$D/no-such-file.csv: cannot open"

# --- usage errors: exit 2 ----------------------------------------------------------------
run_kp score --units $D/units.csv --scheme $D/scheme.json --period 2021-B3
assert_eq "score-3.1 missing --values exits 2" 2 "$rc"
assert_contains "score-3.2 ... and says which" "$err" "--values FILE is required"
run_kp score "${OK_ARGS[@]/2021-B3/2021-B7}" --values $D/values.csv
assert_eq "score-3.3 bad period exits 2" 2 "$rc"
assert_contains "score-3.4 ... and says why" "$err" "bad period code \"2021-B7\""
run_kp score "${OK_ARGS[@]}" --values $D/values.csv --format xml
assert_eq "score-3.5 bad format exits 2" 2 "$rc"
run_kp score "${OK_ARGS[@]}" --values $D/values.csv --colour
assert_eq "score-3.6 unknown option exits 2" 2 "$rc"
assert_contains "score-3.7 ... and names it" "$err" "--colour"
run_kp score --help
assert_eq "score-3.8 --help exits 0" 0 "$rc"

# --- every SCORING.md clause tag on a formula in src/score.c is tested ---------------------
tag_check() { # SOURCE TEST: tags in SOURCE that TEST never names
  local tag missing=""
  for tag in $(grep -oE '\[S-[A-Z0-9-]+\]' "$1" | sort -u | tr -d '[]'); do
    grep -q "\[$tag\]" "$2" || missing="$missing $tag"
  done
  echo "$missing"
}
assert_eq "score-4.1 every clause tag of score.c is named by a unit test" "" \
  "$(tag_check src/score.c tests/unit/test_score.c)"
assert_eq "score-4.2 every clause tag of period.c is named by a unit test" "" \
  "$(tag_check src/period.c tests/unit/test_period.c)"

finish

#!/usr/bin/env bash
# hdi-1.x: conformance with the UNDP Human Development Index (HDR 2015, data for 2014), the
# index mode of SCORING.md on real published figures (shared/conformance/hdi/README.md).
#
# Runs `kaoping score` on the 188 countries and checks with python3 (stdlib only) that every
# country's total, rounded to three decimals, is within 0.001 of the published HDI. The
# published components are themselves rounded, so only some totals match exactly; the
# README says 121 of 188, and so must we (a different count means the formula changed).
#
# Paths: the binary is $KAOPING (default build/kaoping); the shared documents are
# $KAOPING_SHARED, else ../shared beside the repository.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
SHARED=${KAOPING_SHARED:-$top/../shared}
KAOPING=${KAOPING:-build/kaoping}
case "$KAOPING" in /*) ;; *) KAOPING="$PWD/$KAOPING" ;; esac
H="$SHARED/conformance/hdi"
pass=0
fail=0
check() { # NAME CONDITION-STATUS DETAIL
  if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; [ -n "${3:-}" ] && echo "$3" | sed 's/^/     /'; fi
}

if [ ! -f "$H/expected.csv" ]; then
  echo "FAIL hdi-1.0 conformance data not found at $H (set KAOPING_SHARED)"
  echo "0 passed, 1 failed"
  exit 1
fi

out=$(mktemp)
errf=$(mktemp)
trap 'rm -f "$out" "$errf"' EXIT
"$KAOPING" score --units "$H/units.csv" --scheme "$H/scheme.json" --values "$H/values.csv" \
  --period 2014-Y >"$out" 2>"$errf"
rc=$?
check "hdi-1.1 kaoping score exits 0" "$rc" "$(head -20 "$errf")"

report=$( [ "$rc" -eq 0 ] && python3 - "$out" "$H/expected.csv" <<'PY'
import csv, json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    expected = {r["unit"]: (r["name"], float(r["hdi"])) for r in csv.DictReader(f)}
got = {u["code"]: u["total"] for u in doc["units"]}
bad, exact = [], 0
for code, (name, hdi) in expected.items():
    if code not in got or got[code] is None:
        bad.append("%s %s: no total" % (code, name))
        continue
    r = round(got[code], 3)
    if abs(r - hdi) > 0.001 + 1e-9:
        bad.append("%s %s: total %.6f rounds to %.3f, published %.3f" % (code, name, got[code], r, hdi))
    if abs(r - hdi) < 1e-9:
        exact += 1
print(len(expected), len(got), len(bad), exact)
for line in bad[:20]:
    print(line)
PY
)
read -r n_expected n_got n_bad n_exact <<<"$(echo "$report" | head -1)"
echo "HDI: $n_exact of $n_expected totals match the published HDI exactly (three decimals); $n_bad beyond 0.001"
check "hdi-1.2 every country is scored" "$([ "${n_got:-0}" = "${n_expected:-x}" ] && [ "${n_expected:-0}" -eq 188 ]; echo $?)"
check "hdi-1.3 every total within 0.001 of the published HDI" "$([ "${n_bad:-1}" -eq 0 ]; echo $?)" \
  "$(echo "$report" | tail -n +2)"
check "hdi-1.4 121 of 188 match exactly, as the README says" "$([ "${n_exact:-0}" -eq 121 ]; echo $?)" \
  "exact matches: ${n_exact:-?}"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

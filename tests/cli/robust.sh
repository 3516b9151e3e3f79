#!/usr/bin/env bash
# robust-1.x .. robust-4.x: `review robust`, `whatif` and `test-sobol` (src/robust_cmd.c) on
# the real binary and a small store whose results are worked out by hand below.
#   env: KAOPING (default build/kaoping). Needs python3 and sqlite3 (scripts/install-deps.sh).
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
command -v python3 >/dev/null || { fail "robust-0 needs python3"; finish; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/kp-robust.XXXXXX")
trap 'rm -rf "$T"' EXIT
export KAOPING_DB="$T/k.db"
export KAOPING_NOW=2021-07-05T09:00:00Z
kp() { run_kp "$@"; }
assert_rc() {
  if [ "$rc" == "$2" ]; then ok "$1"; else fail "$1" "expected exit $2, got $rc" "stdout: ${out:0:800}" "stderr: ${err:0:800}"; fi
}
# pyq EXPR: a Python expression over the JSON on stdin (d); U(code) = the unit object.
pyq() {
  python3 -c 'import json, sys
d = json.load(sys.stdin)
def U(c): return [u for u in d["units"] if u["code"] == c][0]
r = eval(sys.argv[1])
print(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False, separators=(",", ":")))' "$1"
}

# ---- fixture ----------------------------------------------------------------------------
# Four counties, one group; A1 completion (target 100) and A2 minmax, weights 50 and 50.
#   values   A1  A2   A1 points   A2 points (min 2, max 10)   total   rank
#   430001      100  10   50          50                          100     1
#   430002       96   6   48          25                          73      2
#   430003       60   2   30           0                          30      4
#   430004       70   8   35          37.5                        72.5    3
cat >"$T/units.csv" <<'EOF'
code,name,kind,peer_group
430001,甲县,county,县市
430002,乙县,county,县市
430003,丙县,county,县市
430004,丁县,county,县市
EOF
scheme() { # scheme CODE UNCERTAINTY-JSON-OR-EMPTY
  cat <<EOF
{"code": "$1", "name": "区间测试", "year": 2021, "aggregation": "points", "total": 100,
 ${2:+\"uncertainty\": $2,}
 "grades": {"by": "score", "levels": [[80, "优秀"], [60, "良好"], [null, "一般"]]},
 "indicators": [
  {"code": "A1", "name": "目标完成率", "unit": "%", "weight": 50, "method": "completion"},
  {"code": "A2", "name": "增速", "unit": "%", "weight": 50, "method": "minmax"}]}
EOF
}
scheme RB1 "" >"$T/rb1.json"
scheme RB2 '{"weights": 0}' >"$T/rb2.json"
printf 'unit,indicator,target\n430001,A1,100\n430002,A1,100\n430003,A1,100\n430004,A1,100\n' >"$T/targets.csv"
cat >"$T/values.csv" <<'EOF'
unit,indicator,value
430001,A1,100
430001,A2,10
430002,A1,96
430002,A2,6
430003,A1,60
430003,A2,2
430004,A1,70
430004,A2,8
EOF
kp init;                                   assert_rc "robust-1.1 init" 0
kp unit import "$T/units.csv";             assert_rc "robust-1.2 unit import" 0
kp scheme import "$T/rb1.json";            assert_rc "robust-1.3 scheme import (default choices)" 0
kp scheme import "$T/rb2.json";            assert_rc "robust-1.4 scheme import (weights fixed)" 0
kp period open 2021-B3 --scheme RB1;       assert_rc "robust-1.5 period open" 0
kp target import "$T/targets.csv" --scheme RB1; assert_rc "robust-1.6 target import" 0
kp data import "$T/values.csv" --period 2021-B3; assert_rc "robust-1.7 data import" 0
kp period open 2021-B4 --scheme RB2;       assert_rc "robust-1.8 period open (fixed)" 0
kp target import "$T/targets.csv" --scheme RB2; assert_rc "robust-1.9 target import (fixed)" 0
kp data import "$T/values.csv" --period 2021-B4; assert_rc "robust-1.10 data import (fixed)" 0

# ---- review robust ------------------------------------------------------------------------
# Default choices: w1 = 50 (0.75 + 0.5 a), w2 = 50 (0.75 + 0.5 b), renormalised to 100.
# 430001 is best on both indicators: [1, 1]; 430003 worst on both: [4, 4]. 430002 = 50 + 0.46 w1 and
# 430004 = 75 - 0.05 w1, so 430002 is ahead iff w1 > 49.02 iff a > (25/26) b - 3/52; the other side
# has area int_{0.06}^{1} ((25/26) b - 3/52) db = 0.424808: 430002's mean rank is 2.4248,
# 430004's 2.5752; both intervals [2, 3]; median 2 for 430002 (0.575 >= 0.5), 3 for 430004.
kp review robust 2021-B3 --format json --sobol 256
assert_rc "robust-2.1 review robust json" 0
J=$out
assert_eq "robust-2.2 430001 best everywhere: [1, 1]" '[1,1]' "$(pyq 'U("430001")["rank_interval"]' <<<"$J")"
assert_eq "robust-2.3 430003 worst everywhere: [4, 4]" '[4,4]' "$(pyq 'U("430003")["rank_interval"]' <<<"$J")"
assert_eq "robust-2.4 430002 interval [2, 3], median 2" '[[2,3],2,2]' \
  "$(pyq '[U("430002")["rank_interval"], U("430002")["median_rank"], U("430002")["rank"]]' <<<"$J")"
assert_eq "robust-2.5 430004 interval [2, 3], median 3" '[[2,3],3,3]' \
  "$(pyq '[U("430004")["rank_interval"], U("430004")["median_rank"], U("430004")["rank"]]' <<<"$J")"
assert_eq "robust-2.6 430002 mean rank 2.4248 (+-0.015)" 'true' \
  "$(pyq 'abs(U("430002")["mean_rank"] - 2.424808) < 0.015' <<<"$J")"
assert_eq "robust-2.7 430004 mean rank 2.5752 (+-0.015)" 'true' \
  "$(pyq 'abs(U("430004")["mean_rank"] - 2.575192) < 0.015' <<<"$J")"
assert_eq "robust-2.8 method record" '[10000,20211,"weights",0.25,2]' \
  "$(pyq '[d["method"]["draws"], d["method"]["seed"], d["method"]["choices"][0]["name"], d["method"]["choices"][0]["spread"], d["method"]["choices"][0]["weights"]]' <<<"$J")"
# 430002's total 50 + 0.46 w1 >= 80 needs w1 >= 65.2, beyond the +-25 % range: 良好 always
assert_eq "robust-2.9 grade probabilities" '{"良好":1}' "$(pyq 'U("430002")["grade_probabilities"]' <<<"$J")"
# the only choice explains all the variance of the rank shift
assert_eq "robust-2.10 Sobol ST of weights = 1" 'true' \
  "$(pyq 'abs(d["sobol"]["mean_abs_rank_shift"][0]["st"] - 1) < 0.05' <<<"$J")"
kp review robust 2021-B3 --format json --threads 1 --sobol 0
J1=$(pyq '[[U(c)["rank_interval"], U(c)["mean_rank"]] for c in ["430001","430002","430003","430004"]]' <<<"$out")
kp review robust 2021-B3 --format json --threads 3 --sobol 0
J3=$(pyq '[[U(c)["rank_interval"], U(c)["mean_rank"]] for c in ["430001","430002","430003","430004"]]' <<<"$out")
assert_eq "robust-2.11 same seed, 1 thread = 3 threads" "$J1" "$J3"
kp review robust 2021-B3 --format json --seed 7 --sobol 0
assert_eq "robust-2.12 another seed, other draws" 'true' \
  "$(pyq "U('430002')['mean_rank'] != $(pyq 'U("430002")["mean_rank"]' <<<"$J")" <<<"$out")"
kp review robust 2021-B4 --format json
assert_eq "robust-2.13 weights fixed: every interval is the official rank" '[[1,1],[2,2],[4,4],[3,3]]' \
  "$(pyq '[U(c)["rank_interval"] for c in ["430001","430002","430003","430004"]]' <<<"$out")"
kp review robust 2021-B3
assert_rc "robust-2.14 table" 0
assert_contains "robust-2.15 table row of 430002" "$out" "430002     县市        2       2       2-3   2.42"
kp review robust 2021-B3 --draws 0;        assert_rc "robust-2.16 --draws 0 refused" 2
assert_contains "robust-2.17 says why" "$err" "--draws must be an integer from 1"
kp review robust 2021-Q4;                  assert_rc "robust-2.18 unknown period" 1

# ---- whatif -------------------------------------------------------------------------------
# 430002 (73, rank 2, 良好). A2 = group_median: median of (10, 6, 2, 8) = 7, A2 share 5/8,
# points 31.25, total 79.25: still rank 2, 良好.
kp whatif 2021-B3 --unit 430002 --set A2=group_median --format json
assert_rc "robust-3.1 whatif json" 0
assert_eq "robust-3.2 group median" '[7,31.25,79.25,2,"良好"]' \
  "$(pyq '[d["changes"][0]["value_after"], d["changes"][0]["points_after"], d["after"]["total"], d["after"]["rank"], d["after"]["grade"]]' <<<"$out")"
assert_eq "robust-3.3 before" '[73,2,"良好"]' \
  "$(pyq '[d["before"]["total"], d["before"]["rank"], d["before"]["grade"]]' <<<"$out")"
# A1 to time progress: 2021-B3 ends in June, tp = 6/12, x = 100 x 0.5 = 50, points 25:
# total 50, rank 3 (430004 72.5 passes it).
kp whatif 2021-B3 --unit 430002 --set A1=timeprogress --format json
assert_eq "robust-3.4 time progress" '[50,25,50,3,"一般"]' \
  "$(pyq '[d["changes"][0]["value_after"], d["changes"][0]["points_after"], d["after"]["total"], d["after"]["rank"], d["after"]["grade"]]' <<<"$out")"
# A2 = 12.5: the new max; 430002's share 1 (50 points), total 98: rank 1, 优秀; 430001's A2 share
# falls to 8/10.5, total 88.095
kp whatif 2021-B3 --unit 乙县 --set A2=12.5 --set A1=96 --format json
assert_eq "robust-3.5 a number, by name" '[98,1,"优秀"]' \
  "$(pyq '[d["after"]["total"], d["after"]["rank"], d["after"]["grade"]]' <<<"$out")"
kp whatif 2021-B3 --unit 430002 --set A2=group_best
assert_rc "robust-3.6 table" 0
assert_contains "robust-3.7 table total" "$out" "total                    73             98"
# A2 = group_best = 10 ties 430001's A2: 98 against its 100, still second
assert_contains "robust-3.8 table rank" "$out" "rank                      2              2"
kp whatif 2021-B3 --unit 430002 --set Z9=1;    assert_rc "robust-3.9 unknown indicator" 1
assert_contains "robust-3.10 names it" "$err" "no indicator Z9"
kp whatif 2021-B3 --unit 430002 --set A2=lots; assert_rc "robust-3.11 bad value" 1
assert_contains "robust-3.12 says why" "$err" "\"lots\" is neither a number"
kp whatif 2021-B3 --set A2=1;              assert_rc "robust-3.13 no --unit" 2
kp whatif 2021-B3 --unit 430009 --set A2=1;    assert_rc "robust-3.14 unknown unit" 1
# nothing was stored: the review still scores 430002 at 73
kp whatif 2021-B3 --unit 430002 --set A2=group_median --format json
assert_eq "robust-3.15 inputs unchanged" '73' "$(pyq 'd["before"]["total"]' <<<"$out")"

# ---- the review document -------------------------------------------------------------------
kp period close 2021-B3;                   assert_rc "robust-5.1 close" 0
kp review compute 2021-B3;                 assert_rc "robust-5.2 review compute" 0
SHA1=$(sqlite3 -batch -noheader "$KAOPING_DB" "SELECT inputs_sha256 FROM review WHERE period = '2021-B3'")
kp review show 2021-B3 --format json
D=$out
assert_eq "robust-5.3 intervals in the review" '[[1,1],[2,3],[4,4],[2,3]]' \
  "$(pyq '[U(c)["rank_interval"] for c in ["430001","430002","430003","430004"]]' <<<"$D")"
assert_eq "robust-5.4 median, certainty" '[2,false,1,true]' \
  "$(pyq '[U("430002")["rank_median"], U("430002")["rank_certain"], U("430001")["rank_median"], U("430001")["rank_certain"]]' <<<"$D")"
assert_eq "robust-5.5 method record" '[10000,20211,["weights"],[5,95]]' \
  "$(pyq '[d["robustness"]["draws"], d["robustness"]["seed"], [c["name"] for c in d["robustness"]["choices"]], d["robustness"]["percentiles"]]' <<<"$D")"
assert_eq "robust-5.6 review interval = review robust's" \
  "$(kp review robust 2021-B3 --format json --sobol 0; pyq '[U(c)["rank_interval"] for c in ["430002","430004"]]' <<<"$out")" \
  "$(pyq '[U(c)["rank_interval"] for c in ["430002","430004"]]' <<<"$D")"
kp review publish 2021-B3;                 assert_rc "robust-5.7 publish" 0
kp review verify 2021-B3;                  assert_rc "robust-5.8 verify recomputes the intervals" 0
SHA2=$(sqlite3 -batch -noheader "$KAOPING_DB" "SELECT inputs_sha256 FROM review WHERE period = '2021-B3'")
assert_eq "robust-5.9 the inputs' SHA-256 is the canonical inputs' (unchanged by intervals)" "$SHA1" "$SHA2"
# ---- the bulletin ---------------------------------------------------------------------------
kp report --period 2021-B3 --format html -o "$T/b.html"; assert_rc "robust-6.1 html bulletin" 0
H=$(cat "$T/b.html")
assert_contains "robust-6.2 html: rank with its interval" "$H" '<td class="c">2 (2–3)</td><td class="u">乙县</td>'
assert_contains "robust-6.3 html: a certain rank stays plain" "$H" '<td class="c">1</td><td class="u">甲县</td>'
assert_contains "robust-6.4 html: interval chart per group" "$H" '<figure class="intervals">'
assert_contains "robust-6.5 html: method annex (N, seed)" "$H" "随机抽样10000次(随机种子20211)"
assert_contains "robust-6.6 html: the choices" "$H" "weights ±25 %"
assert_contains "robust-6.7 html: headline" "$H" "县市组第2名(共4个),名次区间2–3"
kp report --period 2021-B3 --format md -o "$T/b.md"; assert_rc "robust-6.8 md bulletin" 0
assert_contains "robust-6.9 md: rank with its interval" "$(cat "$T/b.md")" "| 3 (2–3) | 丁县 |"
kp report --period 2021-B3 --format pdf -o "$T/b.pdf" --lang en; assert_rc "robust-6.10 pdf bulletin" 0
if command -v pdftotext >/dev/null; then
  P=$(pdftotext "$T/b.pdf" -)
  assert_contains "robust-6.11 pdf: interval chart" "$P" "Rank intervals"
  assert_contains "robust-6.12 pdf: rank with its interval" "$P" "2 (2–3)"
  assert_contains "robust-6.13 pdf: annex" "$P" "Monte Carlo draws (seed 20211)"
fi
kp report --period 2021-B3 --format xlsx -o "$T/b.xlsx"; assert_rc "robust-6.14 xlsx bulletin" 0
# the group sheet: A rank, B interval low, C interval high (numbers), D code
xr=$(python3 - "$T/b.xlsx" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
ss = re.findall(r'<t[^>]*>([^<]*)</t>', z.read("xl/sharedStrings.xml").decode())
x = z.read("xl/worksheets/sheet1.xml").decode()
num = lambda c: (lambda m: m and 't="' not in m.group(1) and str(int(float(m.group(2)))))(re.search(r'<c r="%s"([^>]*)><v>([^<]*)</v>' % c, x))
row = lambda r: "%s:%s,%s,%s" % (ss[int(re.search(r'<c r="D%d"[^>]*t="s"[^>]*><v>(\d+)</v>' % r, x).group(1))], num("A%d" % r), num("B%d" % r), num("C%d" % r))
print(" ".join(row(r) for r in range(2, 6)))
PY
)
assert_eq "robust-6.15 xlsx: each rank with its interval as two numbers" \
  "430001:1,1,1 430002:2,2,3 430004:3,2,3 430003:4,4,4" "$xr"
x1=$(unzip -p "$T/b.xlsx" xl/sharedStrings.xml)
assert_contains "robust-6.16 xlsx: the interval columns say what they are" "$x1" "名次区间下限(5%)"
kp report --period 2021-B3 --format csv -o "$T/b.csv"; assert_rc "robust-6.17 csv bulletin" 0
assert_eq "robust-6.18 csv: rank, rank_lo, rank_hi per unit" \
  "rank,rank_lo,rank_hi,unit 1,1,1,430001 2,2,3,430002 3,2,3,430004 4,4,4,430003" \
  "$(cut -d, -f3-6 "$T/b.csv" | tr -d '\r' | sed '1s/^\xEF\xBB\xBF//' | tr '\n' ' ' | sed 's/ $//')"

# ---- the what-if API ------------------------------------------------------------------------
kp user add asr --role assessor;           assert_rc "robust-7.1 an assessor" 0
kp user add rep1 --role reporter --unit 430001; assert_rc "robust-7.2 a reporter of 430001" 0
whatif_req() { # whatif_req BODY > request file
  printf 'POST /api/periods/2021-B3/whatif HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "${#1}" "$1"
}
whatif_req '{"unit":"430002","set":{"A2":"group_median"}}' >"$T/w1.txt"
kp http "$T/w1.txt" --as asr
assert_contains "robust-7.3 POST whatif: 200" "$out" "HTTP/1.1 200 OK"
W=$(printf '%s\n' "$out" | sed -n '/^{/,$p')
assert_eq "robust-7.4 same figures as the verb" '[73,79.25,2,"增速"]' \
  "$(pyq '[d["before"]["total"], d["after"]["total"], d["after"]["rank"], d["changes"][0]["name"]]' <<<"$W")"
whatif_req '{"unit":"430002","set":{"A2":12.5,"A1":96}}' >"$T/w2.txt"
kp http "$T/w2.txt" --as asr
W=$(printf '%s\n' "$out" | sed -n '/^{/,$p')
assert_eq "robust-7.5 numbers" '[98,1,"优秀"]' "$(pyq '[d["after"]["total"], d["after"]["rank"], d["after"]["grade"]]' <<<"$W")"
kp http "$T/w1.txt" --as rep1
assert_contains "robust-7.6 a reporter asks about another unit: 403" "$out" "HTTP/1.1 403"
assert_contains "robust-7.7 scope error" "$out" '"code":2012'
whatif_req '{"unit":"430001","set":{"A2":"group_median"}}' >"$T/w3.txt"
kp http "$T/w3.txt" --as rep1
assert_contains "robust-7.8 ... about its own unit of a published period: 200" "$out" "HTTP/1.1 200 OK"
whatif_req '{"unit":"430002","set":{"Z9":1}}' >"$T/w4.txt"
kp http "$T/w4.txt" --as asr
assert_contains "robust-7.9 unknown indicator: 400" "$out" "HTTP/1.1 400"
assert_contains "robust-7.10 names it" "$out" "no indicator Z9"
whatif_req '{"unit":"430002","set":{}}' >"$T/w5.txt"
kp http "$T/w5.txt" --as asr
assert_contains "robust-7.11 empty set: 400" "$out" "HTTP/1.1 400"
kp audit list --limit 10
assert_contains "robust-7.12 audited" "$out" "review.whatif"

# ---- older and tampered reviews ----------------------------------------------------------
# a review published before rank intervals existed verifies without them
sqlite3 -batch "$KAOPING_DB" "UPDATE review SET result = json_remove(result, '\$.robustness',
  '\$.units[0].rank_interval', '\$.units[0].rank_median', '\$.units[0].rank_certain', '\$.units[0].grade_probabilities',
  '\$.units[1].rank_interval', '\$.units[1].rank_median', '\$.units[1].rank_certain', '\$.units[1].grade_probabilities',
  '\$.units[2].rank_interval', '\$.units[2].rank_median', '\$.units[2].rank_certain', '\$.units[2].grade_probabilities',
  '\$.units[3].rank_interval', '\$.units[3].rank_median', '\$.units[3].rank_certain', '\$.units[3].grade_probabilities')
  WHERE period = '2021-B3'"
kp review verify 2021-B3;                  assert_rc "robust-5.10 an older review verifies" 0
# a tampered interval is found
sqlite3 -batch "$KAOPING_DB" "UPDATE review SET result = json_set(result, '\$.robustness', json('{\"draws\":5}')) WHERE period = '2021-B3'"
kp review verify 2021-B3;                  assert_rc "robust-5.11 a tampered record: exit 3" 3
assert_contains "robust-5.12 counted apart" "$out" "in the rank intervals (robustness)"

# ---- test-sobol -----------------------------------------------------------------------------
kp test-sobol --boot 50
assert_rc "robust-4.1 test-sobol" 0
assert_contains "robust-4.2 Ishigami x1 analytic S1" "$out" "0.3139"
assert_contains "robust-4.3 Ishigami x3 analytic ST" "$out" "0.2437"
assert_contains "robust-4.4 g-function x1 analytic S1" "$out" "0.7162"
assert_eq "robust-4.5 largest error < 0.02" 'True' \
  "$(awk '/largest error/ { print ($3 < 0.02) ? "True" : "False" }' <<<"$out")"
finish

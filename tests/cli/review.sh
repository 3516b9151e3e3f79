#!/usr/bin/env bash
# review-1.x .. review-6.x: the review verbs (src/review_cmd.c) on the real binary and a
# temporary database built with the store verbs: init, unit import, scheme import, period
# open/close, target import, data import, then review compute / show / publish / verify, a
# `data revise` after publication (verify must exit 3 naming the change), recompute and
# republish as revision 2 (verify exits 0 again), the consistency of the stored totals with
# the stateless `kaoping score` on the same inputs exported as files, and determinism.
#   env: KAOPING (default build/kaoping). Needs sqlite3 and python3 (scripts/install-deps.sh).
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
command -v sqlite3 >/dev/null && command -v python3 >/dev/null || {
  fail "review-0 needs sqlite3 and python3"; finish; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/kp-review.XXXXXX")
trap 'rm -rf "$T"' EXIT
export KAOPING_DB="$T/k.db"
export KAOPING_NOW=2021-07-05T09:00:00Z
kp() { run_kp "$@"; }
# assert_rc NAME EXPECTED: the status of the last kp, showing its output when it differs
assert_rc() {
  if [ "$rc" == "$2" ]; then ok "$1"; else fail "$1" "expected exit $2, got $rc" "stdout: ${out:0:800}" "stderr: ${err:0:800}"; fi
}
sql() { sqlite3 -batch -noheader "$KAOPING_DB" "$@"; }
# pyq EXPR: evaluates a Python expression over the JSON document on stdin (d), with U(code)
# = the unit, L(unit, code) = its indicator, j(x) = compact JSON; prints strings as they are.
pyq() {
  python3 -c 'import json, sys
d = json.load(sys.stdin)
def U(c): return [u for u in d["units"] if u["code"] == c][0]
def L(u, c): return [l for l in u["indicators"] if l["code"] == c][0]
def j(x): return json.dumps(x, ensure_ascii=False, separators=(",", ":"))
r = eval(sys.argv[1])
print(r if isinstance(r, str) else j(r))' "$1"
}

# ---- fixture ----------------------------------------------------------------------------
# Two peer groups (4 counties, 2 parks) and a department that is not ranked. The scheme
# says "synthetic": true; A2 carries last period's value when missing; B1 applies to 县市
# only; B2 deducts; B3 is a veto.
cat >"$T/units.csv" <<'EOF'
code,name,kind,peer_group
430421,衡阳县,county,县市
430422,衡南县,county,县市
430423,衡山县,county,县市
430424,衡东县,county,县市
P01,松木经开区,park,园区
P02,白沙洲工业园区,park,园区
D01,市统计局,department,
EOF
cat >"$T/scheme.json" <<'EOF'
{"code": "RT2021", "name": "回归测试方案", "year": 2021, "aggregation": "points", "total": 100,
 "synthetic": true,
 "grades": {"by": "score", "levels": [[80, "优秀"], [60, "良好"], [null, "一般"]]},
 "indicators": [
  {"code": "A", "name": "经济运行", "children": [
    {"code": "A1", "name": "目标完成率", "unit": "%", "weight": 40, "method": "completion",
     "source": "市统计局"},
    {"code": "A2", "name": "工业增速", "unit": "%", "weight": 30, "method": "minmax",
     "missing": "carry"}]},
  {"code": "B", "name": "项目建设", "children": [
    {"code": "B1", "name": "投资完成额", "unit": "亿元", "weight": 30, "method": "timeprogress",
     "accumulate": "ytd", "groups": ["县市"]},
    {"code": "B2", "name": "督查问题", "method": "deduct", "params": {"per_event": 1, "cap": 5}},
    {"code": "B3", "name": "较大安全事故", "method": "veto"}]}]}
EOF
{
  echo "unit,indicator,target"
  for u in 430421 430422 430423 430424 P01 P02; do echo "$u,A1,100"; done
  for u in 430421 430422 430423 430424; do echo "$u,B1,200"; done
} >"$T/targets.csv"
cat >"$T/b2.csv" <<'EOF'
unit,indicator,value
430421,A1,90
430421,A2,8
430421,B1,50
430421,B2,0
430421,B3,0
430422,A1,100
430422,A2,10
430422,B1,70
430422,B2,1
430422,B3,0
430423,A1,80
430423,A2,6
430423,B1,60
430423,B2,0
430423,B3,0
430424,A1,110
430424,A2,12
430424,B1,40
430424,B2,2
430424,B3,0
P01,A1,95
P01,A2,15
P01,B2,0
P01,B3,0
P02,A1,105
P02,A2,9
P02,B2,1
P02,B3,0
EOF
# 2021-B3: 430421's A2 is reported missing (carried from B2); 430423 has a veto
cat >"$T/b3.csv" <<'EOF'
unit,indicator,value
430421,A1,120
430421,A2,
430421,B1,120
430421,B2,0
430421,B3,0
430422,A1,100
430422,A2,20
430422,B1,80
430422,B2,2
430422,B3,0
430423,A1,60
430423,A2,30
430423,B1,100
430423,B2,0
430423,B3,1
430424,A1,100
430424,A2,50
430424,B1,50
430424,B2,1
430424,B3,0
P01,A1,90
P01,A2,12.5
P01,B2,0
P01,B3,0
P02,A1,100
P02,A2,10
P02,B2,3
P02,B3,0
EOF

kp init;                                  assert_rc "review-1.1 init" 0
kp unit import "$T/units.csv";            assert_rc "review-1.2 unit import" 0
kp scheme import "$T/scheme.json";        assert_rc "review-1.3 scheme import" 0
kp period open 2021-B2 --scheme RT2021;   assert_rc "review-1.4 period open 2021-B2" 0
kp target import "$T/targets.csv" --scheme RT2021; assert_rc "review-1.5 target import" 0
kp data import "$T/b2.csv" --period 2021-B2; assert_rc "review-1.6 data import 2021-B2" 0

# ---- 2021-B2: compute, publish, verify -------------------------------------------------
kp review verify 2021-B2
assert_rc "review-2.1 verify before any publication: exit 1" 1
assert_contains "review-2.1 says there is none" "$err" "no published review of 2021-B2"
kp review compute 2021-B2
assert_rc "review-2.2 compute an open period" 0
assert_contains "review-2.2 marked provisional" "$out" "PROVISIONAL"
kp review publish 2021-B2
assert_rc "review-2.3 publishing an open period is refused" 1
assert_contains "review-2.3 says to close it" "$err" "still open"
kp period close 2021-B2;                  assert_rc "review-2.4 period close" 0
kp review publish 2021-B2
assert_rc "review-2.5 publishing a provisional computation is refused" 1
assert_contains "review-2.5 says to recompute" "$err" "review compute 2021-B2"
kp review compute 2021-B2
assert_rc "review-2.6 compute the closed period" 0
assert_contains "review-2.6 revision 1 (the provisional one was replaced)" "$out" "revision 1, 6 units"
assert_not_contains "review-2.6 not provisional" "$out" "PROVISIONAL"
assert_eq "review-2.6 one review row" "1|computed" "$(sql "SELECT revision||'|'||state FROM review WHERE period='2021-B2'")"
kp review publish 2021-B2
assert_rc "review-2.7 publish" 0
assert_eq "review-2.7 period published" "published" "$(sql "SELECT state FROM period WHERE code='2021-B2'")"
kp review verify 2021-B2
assert_rc "review-2.8 verify exits 0" 0
assert_contains "review-2.8 verified line" "$out" "verified: inputs sha256 "
assert_contains "review-2.8 6 units identical" "$out" ", 6 units, identical"
kp data import "$T/b2.csv" --period 2021-B2
assert_rc "review-2.9 data import into a published period is refused" 1

# ---- 2021-B3: the review's content ------------------------------------------------------
kp period open 2021-B3 --scheme RT2021;   assert_rc "review-3.1 period open 2021-B3" 0
kp data import "$T/b3.csv" --period 2021-B3; assert_rc "review-3.2 data import 2021-B3" 0
kp period close 2021-B3;                  assert_rc "review-3.3 period close" 0
kp review compute 2021-B3
assert_rc "review-3.4 compute" 0
assert_contains "review-3.4 summary table has the group" "$out" "县市 (4)"
assert_contains "review-3.4 summary table has a unit" "$out" "衡阳县"
kp review show 2021-B3 --format json
assert_rc "review-3.5 show json" 0
doc=$out
assert_eq "review-3.5 kind/format" "kaoping-review 1" "$(pyq 'd["kind"] + " " + j(d["format"])' <<<"$doc")"
assert_eq "review-3.5 six ranked units, not the department" "6 []" \
  "$(pyq 'j(len(d["units"])) + " " + j([u for u in d["units"] if u["code"] == "D01"])' <<<"$doc")"
assert_eq "review-3.5 units in table order" '["430421","430422","430423","430424","P01","P02"]' \
  "$(pyq '[u["code"] for u in d["units"]]' <<<"$doc")"
assert_eq "review-3.5 previous is the published 2021-B2 r1" "2021-B2 1" \
  "$(pyq 'd["previous_period"] + " " + j(d["previous_revision"])' <<<"$doc")"
assert_eq "review-3.5 synthetic, not provisional" "true false" \
  "$(pyq 'j(d["synthetic"]) + " " + j(d["provisional"])' <<<"$doc")"
assert_eq "review-3.5 time progress and end" "0.5 2021-06-30" \
  "$(pyq 'j(d["time_progress"]) + " " + d["period_end"]' <<<"$doc")"
assert_eq "review-3.6 carry: 430421 A2 = 8 from 2021-B2" '8 ["CARRIED"]' \
  "$(pyq 'j(L(U("430421"), "A2")["value"]) + " " + j(L(U("430421"), "A2")["flags"])' <<<"$doc")"
assert_eq "review-3.7 veto: 430423 flagged, lowest grade, in city.vetoes" '["VETO"] 一般 ["430423"]' \
  "$(pyq 'j(U("430423")["flags"]) + " " + U("430423")["grade"] + " " + j(d["city"]["vetoes"])' <<<"$doc")"
assert_eq "review-3.8 parks are not assessed on B1" "0" \
  "$(pyq 'len([l for l in U("P01")["indicators"] if l["code"] == "B1"])' <<<"$doc")"
assert_eq "review-3.9 groups are ordered by rank" "true" \
  "$(pyq 'all([U(c)["rank"] for c in g["units"]] == sorted(U(c)["rank"] for c in g["units"]) for g in d["groups"])' <<<"$doc")"
assert_eq "review-3.10 rank_change = previous rank - rank" "true" \
  "$(pyq 'all(u["rank_change"] == u["previous"]["rank"] - u["rank"] for u in d["units"] if u["previous"])' <<<"$doc")"
assert_eq "review-3.11 double_half present at June for the counties" "true" \
  "$(pyq 'all(u["double_half"]["status"] in ("achieved", "not_achieved") for u in d["units"] if u["group"] == "县市")' <<<"$doc")"
assert_eq "review-3.12 lists per group" "2 2 2 2" \
  "$(pyq '" ".join(str(len(d["lists"][k])) for k in ("red", "black", "improved", "declined"))' <<<"$doc")"
kp review show 2021-B3
assert_rc "review-3.13 show table" 0
assert_contains "review-3.13 header says not published" "$out" "computed, not published"
assert_contains "review-3.13 says synthetic" "$out" "SYNTHETIC"
assert_contains "review-3.13 totals with 分" "$out" "分"
kp review show 2021-B3 --unit 430422
assert_rc "review-3.14 unit card" 0
for w in "衡南县 (430422)" "总分" "短板 shortfalls" "长板 strengths" "潜力 potential" "双过半"; do
  assert_contains "review-3.14 card has $w" "$out" "$w"
done
kp review show 2021-B3 --unit NOPE
assert_rc "review-3.15 unknown unit: exit 1" 1
kp review show 2021-B3 --format xml
assert_rc "review-3.16 bad format: exit 2" 2

# ---- publish, revise, verify mismatch, republish -----------------------------------------
kp review publish 2021-B3
assert_rc "review-4.1 publish 2021-B3" 0
kp review verify 2021-B3
assert_rc "review-4.2 verify exits 0" 0
sha1=$(sql "SELECT inputs_sha256 FROM review WHERE period='2021-B3' AND state='published'")
assert_contains "review-4.2 prints the stored hash" "$out" "verified: inputs sha256 $sha1, 6 units, identical"
kp data revise --period 2021-B3 --unit 430422 --indicator A1 --value 80 --reason "统计局更正"
assert_rc "review-4.3 data revise" 0
kp review verify 2021-B3
assert_rc "review-4.4 verify after a revision exits 3" 3
assert_contains "review-4.4 says MISMATCH" "$out" "MISMATCH"
assert_contains "review-4.4 names the changed value and revision" "$out" "value 430422 A1: 100 -> 80 (revision 2"
assert_contains "review-4.4 with the reason" "$out" "统计局更正"
assert_contains "review-4.4 lists the result differences" "$out" "units[430422].total"
kp review publish 2021-B3
assert_rc "review-4.5 publish with nothing computed is refused" 1
kp review compute 2021-B3
assert_rc "review-4.6 recompute" 0
assert_contains "review-4.6 revision 2" "$out" "revision 2"
kp review show 2021-B3
assert_contains "review-4.6 show prefers the newer computation" "$out" "revision 2 (computed, not published)"
kp review verify 2021-B3
assert_rc "review-4.7 verify still checks the published r1: exit 3" 3
kp review publish 2021-B3
assert_rc "review-4.8 republish" 0
assert_contains "review-4.8 supersedes revision 1" "$out" "supersedes revision 1"
assert_eq "review-4.8 states" "1|superseded 2|published" \
  "$(sql "SELECT revision||'|'||state FROM review WHERE period='2021-B3' ORDER BY revision" | tr '\n' ' ' | sed 's/ $//')"
kp review verify 2021-B3
assert_rc "review-4.9 verify revision 2 exits 0" 0
assert_eq "review-4.10 audit records" "2 2" \
  "$(sql "SELECT count(*) FROM audit WHERE event='review.publish' AND object='period:2021-B3'") $(sql "SELECT count(*) FROM audit WHERE event='review.compute' AND object='period:2021-B3'")"

# ---- consistency with the stateless engine ----------------------------------------------
{
  echo "code,name,kind,peer_group"
  sql -csv "SELECT code, name, kind, peer_group FROM unit WHERE peer_group IS NOT NULL ORDER BY sort_order, code"
} >"$T/x-units.csv"
sql "SELECT body FROM scheme WHERE code='RT2021' AND version=1" >"$T/x-scheme.json"
{ echo "unit,indicator,value"
  sql -csv "SELECT unit, indicator, value FROM observation_current WHERE period='2021-B3' AND state<>'rejected' ORDER BY unit, indicator"
} >"$T/x-values.csv"
{ echo "unit,indicator,value"
  sql -csv "SELECT unit, indicator, value FROM observation_current WHERE period='2021-B2' AND state<>'rejected' ORDER BY unit, indicator"
} >"$T/x-previous.csv"
{ echo "unit,indicator,target"
  sql -csv "SELECT t.unit, t.indicator, t.target FROM target t JOIN scheme s ON s.id=t.scheme_id WHERE s.code='RT2021' ORDER BY 1, 2"
} >"$T/x-targets.csv"
grep -v '^D01,' "$T/x-values.csv" >"$T/x-values2.csv"; mv "$T/x-values2.csv" "$T/x-values.csv"
grep -v '^D01,' "$T/x-previous.csv" >"$T/x-prev2.csv"; mv "$T/x-prev2.csv" "$T/x-previous.csv"
kp score --units "$T/x-units.csv" --scheme "$T/x-scheme.json" --values "$T/x-values.csv" \
  --targets "$T/x-targets.csv" --previous "$T/x-previous.csv" --period 2021-B3 --format json
assert_rc "review-5.1 kaoping score on the exported inputs" 0
pick='[[u["code"], float(u["total"]), u["rank"], u["grade"]] for u in d["units"]]'
engine=$(pyq "$pick" <<<"$out")
stored=$(sql "SELECT result FROM review WHERE period='2021-B3' AND state='published'" | pyq "$pick")
assert_eq "review-5.2 stored totals, ranks, grades = kaoping score" "$engine" "$stored"
assert_eq "review-5.3 review_unit rows = the document" \
  "$(sql "SELECT result FROM review WHERE period='2021-B3' AND state='published'" |
     pyq '"\n".join("%s %.9f %d" % (u["code"], u["total"], u["rank"]) for u in d["units"])' | sort)" \
  "$(sql "SELECT printf('%s %.9f %d', u.unit, u.total, u.rank) FROM review_unit u JOIN review r ON r.id=u.review_id WHERE r.period='2021-B3' AND r.state='published'" | sort)"

# The canonical inputs (review.c NOTES) rebuilt independently, from SQL, in Python: "anyone
# can recompute it" holds only if this gives the stored hash.
cat >"$T/canon.py" <<'PY'
import hashlib, json, math, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); period, prev, basis = sys.argv[2], sys.argv[3], sys.argv[4]
def field(z):
    out = bytearray()
    for b in z.encode():
        if b <= 0x20 or b in (0x25, 0x7F): out += b"%%%02X" % b
        else: out.append(b)
    return out.decode()
def num(x):
    if x is None: return "null"
    if x == math.floor(x) and abs(x) < 1e17: return "%.0f" % x
    return repr(x)
sid, code, ver, body = db.execute("SELECT s.id, s.code, s.version, s.body FROM period p JOIN scheme s ON s.id = p.scheme_id WHERE p.code = ?", (period,)).fetchone()
leaves = {}
def walk(nodes):
    for n in nodes:
        if "children" in n: walk(n["children"])
        else: leaves[n["code"]] = n.get("missing", "zero")
walk(json.loads(body)["indicators"])
out = ["kaoping-inputs 1", "scheme %s %d %s" % (field(code), ver, hashlib.sha256(body.encode()).hexdigest()), "period " + field(period)]
units = db.execute("SELECT code, peer_group, name FROM unit WHERE peer_group IS NOT NULL ORDER BY sort_order, code").fetchall()
out += ["unit %s %s %s" % tuple(field(f) for f in u) for u in units]
ranked = {u[0] for u in units}
def rows(tag, sql, arg, keep):
    r = [(u.encode(), i.encode(), u, i, v) for u, i, v in db.execute(sql, (arg,)) if u in ranked and i in leaves and keep(i)]
    return ["%s %s %s %s" % (tag, field(u), field(i), num(v)) for _, _, u, i, v in sorted(r)]
obs = "SELECT unit, indicator, value FROM observation_current WHERE period = ? AND state <> 'rejected'"
out += rows("value", obs, period, lambda i: True)
out += rows("target", "SELECT unit, indicator, target FROM target WHERE scheme_id = ?", sid, lambda i: True)
out += rows("previous", obs, prev, lambda i: leaves[i] == "carry")
out.append("basis " + basis)
print(hashlib.sha256(("\n".join(out) + "\n").encode()).hexdigest())
PY
assert_eq "review-5.4 canonical inputs rebuilt from SQL give the stored sha256" \
  "$(sql "SELECT inputs_sha256 FROM review WHERE period='2021-B3' AND state='published'")" \
  "$(python3 "$T/canon.py" "$KAOPING_DB" 2021-B3 2021-B2 "2021-B2 1")"

# ---- determinism and replacement ---------------------------------------------------------
kp review compute 2021-B3
kp review compute 2021-B3
assert_eq "review-6.1 recomputing replaces the unpublished computation" "1 3" \
  "$(sql "SELECT count(*), max(revision) FROM review WHERE period='2021-B3' AND state='computed'" | tr '|' ' ')"
r2=$(sql "SELECT result FROM review WHERE period='2021-B3' AND revision=2" | sed 's/"revision":2,/"revision":N,/')
r3=$(sql "SELECT result FROM review WHERE period='2021-B3' AND revision=3" | sed 's/"revision":3,/"revision":N,/')
assert_eq "review-6.2 same inputs, byte-identical document (but the revision)" "$r2" "$r3"
# tampering with a published document is caught even when the inputs are unchanged
sql "UPDATE review SET result = replace(result, '\"name\":\"衡南县\"', '\"name\":\"衡南县X\"') WHERE period='2021-B3' AND state='published'"
kp review verify 2021-B3
assert_rc "review-6.3 a tampered document: exit 3" 3
assert_contains "review-6.3 inputs unchanged" "$out" "unchanged"
assert_contains "review-6.3 names the field" "$out" "units[430422].name"
kp review verify 2021-B5
assert_rc "review-6.4 verify a period without a review: exit 1" 1
kp review compute
assert_rc "review-6.5 compute without a period: exit 2" 2

finish

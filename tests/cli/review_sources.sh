#!/usr/bin/env bash
# rsrc-1.x .. rsrc-5.x: `review compute` brings the derived values up to date first
# (src/review_sources.c): finding sync, project sync and wish feed run in the computation's
# transaction and the review records what they did ("sources", docs/review-json.md).
#   rsrc-1  an open period: the three feeds write, the review uses their values without any
#           separate sync verb having been run; audited in the same transaction
#   rsrc-2  computing again: the feeds find nothing new (unchanged counts)
#   rsrc-3  a closed period: findings and projects still sync, the wish feed is skipped
#   rsrc-4  a published period: nothing is fed; the observations stay as they were
#   rsrc-5  a scheme without a supervision section: skipped feeds, the review as before
#   env: KAOPING (default build/kaoping). Needs sqlite3 and jq.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
for tool in sqlite3 jq; do
  command -v "$tool" >/dev/null || { fail "rsrc-0 needs $tool"; finish; exit 1; }
done
ROOT=$PWD
T=$(mktemp -d "${TMPDIR:-/tmp}/kp-rsrc.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export KAOPING_DB="$T/k.db"
kp() { run_kp "$@"; }
assert_rc() {
  if [ "$rc" == "$2" ]; then ok "$1"; else fail "$1" "expected exit $2, got $rc" "stdout: ${out:0:800}" "stderr: ${err:0:800}"; fi
}
sql() { sqlite3 -batch -noheader "$KAOPING_DB" "$@"; }
at() { export KAOPING_NOW=$1; }
src() { "$KAOPING" review show 2021-B5 --format json 2>/dev/null | jq -c "$1"; }
unitv() { "$KAOPING" review show 2021-B5 --unit "$1" --format json 2>/dev/null \
  | jq -r ".indicators[] | select(.code==\"$2\") | .value"; }

# ---- setup: one scheme mapping findings (C1), projects (P1) and wishes (D1, D2) -------------
at 2021-09-01T02:00:00Z
kp init
kp unit import "$KAOPING_SHARED/data/units.csv"
kp calendar import "$ROOT/data/calendar/cn-2021.csv"
kp user add ins --role inspector
kp user add rep --role reporter --unit 430421
kp user add pm --role leader
kp user party pm on
cat >"$T/scheme.json" <<'JSON'
{"code": "SRC", "name": "来源测试方案", "year": 2021, "aggregation": "points", "total": 100,
 "indicators": [
  {"code": "E1", "name": "经济运行", "weight": 40, "method": "minmax"},
  {"code": "P1", "name": "投资完成率", "unit": "%", "weight": 20, "method": "minmax"},
  {"code": "D1", "name": "微心愿认领率", "unit": "%", "weight": 20, "method": "minmax"},
  {"code": "D2", "name": "微心愿办结满意率", "unit": "%", "weight": 20, "method": "minmax"},
  {"code": "C1", "name": "暗访督查问题扣分", "method": "deduct", "params": {"per_event": 1, "cap": 5}}],
 "supervision": {"map": {"值班值守": "C1"}, "projects": {"invest_rate": "P1"}}}
JSON
kp scheme import "$T/scheme.json"
assert_rc "rsrc-0.1 scheme" 0
# the same leaves under the completion method, without targets: a scheme that cannot score
jq '.code = "SRCT" | .indicators[1].method = "completion"' "$T/scheme.json" >"$T/scheme-t.json"
kp scheme import "$T/scheme-t.json"
kp period open 2021-B4 --scheme SRCT
kp period open 2021-B5 --scheme SRC
(echo unit,indicator,value; cut -d, -f1 "$KAOPING_SHARED/data/units.csv" | tail -n +2 | sed 's/$/,E1,10/') >"$T/e1.csv"
kp data import "$T/e1.csv" --period 2021-B5
assert_rc "rsrc-0.2 values" 0
# a finding handed over on 09-28 (1 point), a project with 4 of its 10 亿元 done, one wish
# claimed the same day (claimed within 7 days: 1 of 1 decided = 100 %), none confirmed yet.
at 2021-09-28T02:00:00Z
kp finding add --as ins --unit 430421 --category 值班值守 --text "值班室无人接听" --days 5 --deduction 1
kp finding act 1 assign --as ins
assert_rc "rsrc-0.3 finding handed over" 0
kp project add --code XM-01 --name "新材料项目" --unit 430421 --industry 新材料 --total 30 --year 2021 --annual-plan 10
kp project progress 1 --as rep --period 2021-B5 --completed 4
assert_rc "rsrc-0.4 project progress" 0
kp wish submit --unit 430421 --category 养老 --place 西渡镇 --text "独居老人需要助餐" --contact 13907342222
wid=$(printf '%s\n' "$out" | sed -n 's/^wish \([0-9]*\) submitted.*/\1/p')
kp wish act "$wid" claim --as pm
assert_rc "rsrc-0.5 wish claimed" 0
assert_eq "rsrc-0.6 no derived value yet" "0" "$(sql "SELECT count(*) FROM observation WHERE provenance IN ('finding','project','wish')")"

# ---- rsrc-0.7: a computation that fails saves no fed value either -------------------------------
kp data import "$T/e1.csv" --period 2021-B4
kp review compute 2021-B4
assert_rc "rsrc-0.7 B4 cannot be scored (P1 completion without a target)" 1
assert_contains "rsrc-0.7 says why" "$err" "indicator P1, unit 430421: target is missing"
assert_eq "rsrc-0.8 the finding feed that ran first is rolled back with it" "0|0" \
  "$(sql "SELECT (SELECT count(*) FROM observation WHERE provenance = 'finding'), (SELECT count(*) FROM audit WHERE event = 'finding.sync')")"

# ---- rsrc-1: compute alone brings them in ------------------------------------------------------
at 2021-09-29T02:00:00Z
kp review compute 2021-B5
assert_rc "rsrc-1.1 review compute" 0
# finding: one C1 value per assessed unit (16); project: 430421 only (no other unit has one);
# wish: D1 of 430421 (D2 has no confirmed wish: no value, none before either)
assert_contains "rsrc-1.2 prints the feeds" "$out" "  finding: 16 written, 0 unchanged"
assert_contains "rsrc-1.2 project" "$out" "  project: 1 written, 0 unchanged"
assert_contains "rsrc-1.2 wish" "$out" "  wish: 1 written, 0 unchanged"
assert_eq "rsrc-1.3 sources in the review" \
  '{"finding":{"written":16,"unchanged":0},"project":{"written":1,"unchanged":0},"wish":{"written":1,"unchanged":0}}' \
  "$(src .sources)"
assert_eq "rsrc-1.4 430421: C1 1 point, P1 4/10 = 40 %, D1 100 %" "1 40 100" \
  "$(unitv 430421 C1) $(unitv 430421 P1) $(unitv 430421 D1)"
assert_eq "rsrc-1.5 430422: C1 0" "0" "$(unitv 430422 C1)"
assert_eq "rsrc-1.6 audited in order, one transaction" "finding.sync project.sync wish.feed review.compute" \
  "$(sql "SELECT group_concat(event, ' ') FROM (SELECT event FROM audit WHERE event IN ('finding.sync','project.sync','wish.feed','review.compute') ORDER BY id)")"
kp audit verify
assert_rc "rsrc-1.7 the audit chain verifies" 0

# ---- rsrc-2: again: nothing new ----------------------------------------------------------------
n0=$(sql "SELECT count(*) FROM observation")
kp review compute 2021-B5
assert_eq "rsrc-2.1 unchanged" \
  '{"finding":{"written":0,"unchanged":16},"project":{"written":0,"unchanged":1},"wish":{"written":0,"unchanged":1}}' \
  "$(src .sources)"
assert_eq "rsrc-2.2 no new revision" "$n0" "$(sql "SELECT count(*) FROM observation")"
assert_eq "rsrc-2.3 the recomputation replaces the unpublished one (same revision number)" "1|1" "$(sql "SELECT max(revision), count(*) FROM review WHERE period = '2021-B5'")"

# ---- rsrc-3: closed: findings and projects, not wishes ----------------------------------------
kp period close 2021-B5
at 2021-10-12T02:00:00Z # the finding is overdue by one working day: 黄牌 +0.5
kp wish act "$wid" complete --as pm --note "已纳入社区助餐"
kp review compute 2021-B5
assert_rc "rsrc-3.1 compute a closed period" 0
assert_eq "rsrc-3.2 finding re-synced, wish skipped" \
  '[{"written":1,"unchanged":15},{"written":0,"unchanged":1},"the period is closed: wish figures go into an open period only"]' \
  "$(src '[.sources.finding, .sources.project, .sources.wish.skipped]')"
assert_eq "rsrc-3.3 430421 C1 = 1 + 0.5 (黄牌)" "1.5" "$(unitv 430421 C1)"
assert_eq "rsrc-3.4 not provisional" "false" "$(src .provisional)"

# ---- rsrc-4: published: nothing fed ------------------------------------------------------------
kp review publish 2021-B5
assert_rc "rsrc-4.1 publish" 0
kp finding add --as ins --unit 430422 --category 值班值守 --text "第二个问题" --days 5 --deduction 1
kp finding act 2 assign --as ins
n0=$(sql "SELECT count(*) FROM observation")
kp review compute 2021-B5
assert_rc "rsrc-4.2 compute a published period (a new revision to publish)" 0
assert_contains "rsrc-4.3 says why nothing was fed" "$out" "finding: skipped (the period is published: its values are frozen"
assert_eq "rsrc-4.4 no observation written" "$n0" "$(sql "SELECT count(*) FROM observation")"
kp review verify 2021-B5
assert_rc "rsrc-4.5 the published review verifies (its sources carried over)" 0

# ---- rsrc-5: no supervision section: as before -------------------------------------------------
jq 'del(.supervision) | .code = "SRC2"' "$T/scheme.json" >"$T/scheme2.json"
kp scheme import "$T/scheme2.json"
kp period open 2021-B6 --scheme SRC2
kp data import "$T/e1.csv" --period 2021-B6
at 2021-11-02T02:00:00Z
kp review compute 2021-B6
assert_rc "rsrc-5.1 compute" 0
assert_contains "rsrc-5.2 findings skipped" "$out" "finding: skipped (the scheme maps no finding category (supervision.map))"
assert_contains "rsrc-5.2 projects skipped" "$out" "project: skipped (the scheme maps no project figure (supervision.projects))"
assert_contains "rsrc-5.3 no wish in the period: the entered values stand" "$out" "wish: skipped (no wish was submitted in the period"
assert_eq "rsrc-5.4 nothing derived in B6" "0" "$(sql "SELECT count(*) FROM observation WHERE period = '2021-B6' AND provenance IN ('finding','project','wish')")"
finish

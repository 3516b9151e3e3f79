#!/usr/bin/env bash
# rus-1.x .. rus-4.x: the review's unit page figures (GET /api/reviews/{period}/supervision,
# src/http/api_supervision.c) on the demo database, against counts made here with sqlite3
# straight from the tables, without the finding module:
#   rus-1  every assessed unit of 2021-B5: open findings, overdue findings (签收逾期 pending or
#          办理逾期 on the clock's day, or finished late) and lagging projects
#   rus-2  the filtered lists the page links to (?unit&from&to&open=1, ?late=1) hold as many
#   rus-3  the bulletin's section (the same computation) prints the same numbers
#   rus-4  readers: a unit's reporter sees nothing of an unpublished review (404); an unknown
#          unit is 404, a missing one 400
# The demo's findings are handed over in September and October 2021 (2021-B5); the test opens
# 2021-B5 with the demo's own values (demo-data/README.txt) and fixes the clock at
# 2021-10-25 10:00 China time (KAOPING_NOW), when some are overdue and some are not.
#   env: KAOPING (default build/kaoping). Needs sqlite3 and jq.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
for tool in sqlite3 jq; do
  command -v "$tool" >/dev/null || { fail "rus-0 needs $tool"; finish; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/kp-rus.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export KAOPING_DB="$T/k.db"
sql() { sqlite3 -batch -noheader "$KAOPING_DB" "$@"; }
# get USER PATH: one request through `kaoping http --as USER`; status in $s, body in T/out
get() {
  printf 'GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n' "$2" >"$T/req"
  "$KAOPING" http "$T/req" --as "$1" >"$T/resp" 2>>"$T/err"
  s=$(head -1 "$T/resp" | cut -d' ' -f2)
  sed '1,/^\r$/d' "$T/resp" >"$T/out"
}
j() { jq -r "$1" "$T/out"; }

unset KAOPING_NOW
run_kp demo --db "$KAOPING_DB"
assert_eq "rus-0.1 demo database" 0 "$rc"
(cd "$T" && "$KAOPING" period open 2021-B5 --scheme HY2021 >/dev/null &&
  "$KAOPING" data import demo-data/values-2021-B5.csv --period 2021-B5 >/dev/null)
export KAOPING_NOW=2021-10-25T02:00:00Z
run_kp review compute 2021-B5
assert_eq "rus-0.2 2021-B5 opened with the demo's values and computed" 0 "$rc"
TODAY=2021-10-25
FROM=2021-09-01
TO=2021-10-31

# ---- the independent counts (sqlite3 only) ----------------------------------------------------
# handed over in the period, not a duplicate (a duplicate counts with its original)
IN="unit = '%s' AND assigned_on BETWEEN '$FROM' AND '$TO' AND state <> 'duplicate'"
OPEN="state IN ('registered','assigned','in_progress','req_close','req_extend','req_suspend','req_partial','partial')"
# overdue: not signed by its sign deadline; open (but not waiting on a close request) past its
# deadline; a close request made after the deadline, pending or approved; stored finished late
LATE="((state = 'assigned' AND sign_due < '$TODAY')
   OR (state IN ('assigned','in_progress','req_extend','req_suspend','req_partial','partial') AND due < '$TODAY')
   OR (state IN ('req_close','closed','verified','archived') AND requested_on > due)
   OR finish_late = 1)"
# lagging: completed this year up to October (B1..B5) over the annual plan, below 10/12
LAG="SELECT count(*) FROM project p WHERE p.unit = '%s' AND p.year = 2021 AND
   (SELECT coalesce(sum(completed), 0) FROM project_progress g WHERE g.project_id = p.id
      AND g.period LIKE '2021-B%%' AND CAST(substr(g.period, 7) AS INTEGER) <= 5)
   < p.annual_plan * 10.0 / 12"
want=""
got=""
nonzero=0
for u in $(sql "SELECT unit FROM review_unit WHERE review_id = (SELECT max(id) FROM review WHERE period = '2021-B5') ORDER BY unit"); do
  # shellcheck disable=SC2059
  w="$u $(sql "SELECT count(*) FROM finding WHERE $(printf "$IN" "$u") AND $OPEN") $(sql "SELECT count(*) FROM finding WHERE $(printf "$IN" "$u") AND $LATE") $(sql "$(printf "$LAG" "$u")")"
  want+="$w;"
  get leader "/api/reviews/2021-B5/supervision?unit=$u"
  got+="$u $(j .findings.open) $(j .findings.overdue) $(j .projects.lagging);"
  case "$w" in *" 0 0 0") ;; *) nonzero=$((nonzero + 1)) ;; esac
done
assert_eq "rus-1.1 every unit of 2021-B5: open, overdue and lagging as counted with sqlite3" "$want" "$got"
# the demo's story on 2021-10-25: 430421 has f1 (closed in time), f2 (returned, past its
# 10-18 deadline) and f6 (extended to 11-30) open; 430422's f3 not signed by 10-19; the
# projects of 430421, 430422 and 430424 are behind 10/12 of their annual plan
get leader "/api/reviews/2021-B5/supervision?unit=430421"
assert_eq "rus-1.2 430421 by hand: 3 handed over, 2 open, 1 overdue, 1 on time, 1 returned; 1 of 1 project lagging" \
  "200 3 2 1 1 1 1 1 2021-10-25 2021-09-01 2021-10-31" \
  "$s $(j .findings.assigned) $(j .findings.open) $(j .findings.overdue) $(j .findings.on_time) $(j .findings.returned) $(j .projects.count) $(j .projects.lagging) $(j .as_of) $(j .from) $(j .to)"
get leader "/api/reviews/2021-B5/supervision?unit=430422"
assert_eq "rus-1.3 430422 by hand: 1 open, overdue (not signed by 10-19); its project lagging" "200 1 1 1" \
  "$s $(j .findings.open) $(j .findings.overdue) $(j .projects.lagging)"
assert_eq "rus-1.4 the comparison covered units with findings or lagging projects" 1 "$([ "$nonzero" -ge 3 ] && echo 1)"
export KAOPING_NOW=2021-10-12T02:00:00Z
get leader "/api/reviews/2021-B5/supervision?unit=430421"
assert_eq "rus-1.5 on 2021-10-12 nothing of 430421 is overdue yet (f2 due 10-18)" "200 0 2021-10-12" \
  "$s $(j .findings.overdue) $(j .as_of)"
export KAOPING_NOW=2021-10-25T02:00:00Z

# ---- rus-2 the lists the page links to --------------------------------------------------------
bad=""
for u in 430421 430422 430423 430405; do
  get leader "/api/reviews/2021-B5/supervision?unit=$u"
  o=$(j .findings.open); l=$(j .findings.overdue)
  get leader "/api/findings?unit=$u&from=$FROM&to=$TO&open=1"
  [ "$(j .total)" = "$o" ] || bad+="$u open $o list $(j .total); "
  get leader "/api/findings?unit=$u&from=$FROM&to=$TO&late=1"
  [ "$(j .total)" = "$l" ] || bad+="$u overdue $l list $(j .total); "
done
assert_eq "rus-2.1 the filtered findings lists hold the page's numbers" "" "$bad"
get leader "/api/findings?unit=430421&from=$FROM&to=$TO&late=1"
assert_eq "rus-2.2 the overdue list of 430421 is finding 2" "200 1 2" "$s $(j .total) $(j '.findings[0].id')"
get leader "/api/findings?from=2021-13-01"
assert_eq "rus-2.3 a bad date is refused" "400 from" "$s $(j .field)"
get leader "/api/projects?period=2021-B5&unit=430421"
assert_eq "rus-2.4 the projects list of 430421 shows its lagging project" "200 1 true" \
  "$s $(j '.projects | length') $(j '.projects[0].lagging')"

# ---- rus-3 the bulletin ------------------------------------------------------------------------
run_kp report --period 2021-B5 --format md -o "$T/b5.md"
row=$(grep -E '^\| 衡阳县 \| 合计 \|' "$T/b5.md")
assert_eq "rus-3.1 the bulletin's total row of 衡阳县 (430421): 3 assigned, 1 on time, 1 overdue, 1 returned, 2 open" \
  "| 衡阳县 | 合计 | 3 | 1 | 1 | 1 | 2 |" "$row"

# ---- rus-4 readers -----------------------------------------------------------------------------
get hengyang "/api/reviews/2021-B5/supervision?unit=430421"
assert_eq "rus-4.1 the unit's reporter: the review is not published, so 404" 404 "$s"
get hengyang "/api/reviews/2021-B3/supervision?unit=430421"
assert_eq "rus-4.2 a published review: the reporter reads its unit's figures (none in 2021-B3)" "200 0 0 1" \
  "$s $(j .findings.assigned) $(j .findings.open) $(j .projects.count)"
get leader "/api/reviews/2021-B5/supervision?unit=999999"
assert_eq "rus-4.3 an unknown unit: 404 4001" "404 4001" "$s $(j .code)"
get leader "/api/reviews/2021-B5/supervision"
assert_eq "rus-4.4 no unit: 400 3002" "400 3002" "$s $(j .code)"
# under ASan (KAOPING=build-asan/kaoping) a leak or an error would be reported here
assert_eq "rus-4.5 no sanitizer report from any request" "" \
  "$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T/err" | head -3)"
finish

#!/usr/bin/env bash
# ctask-1.x .. ctask-4.x: a problem raised on a contact-point visit (基层联点) becomes a 督办
# task (src/contact_task.c), on the real binary and a real SQLite file:
#   ctask-1  CLI: the point's leader turns a problem into a task (title, category, source,
#            deadline in working days); another leader may not; twice is refused; the
#            supervision office may; a refused task leaves the problem unlinked
#   ctask-2  the task's close (confirmed by the assigning office) closes the problem
#   ctask-3  audited: task.assign + contact.problem_task, contact.problem_close with the task
#   ctask-4  HTTP: POST /api/contacts/problems/{id}/task (leader 201, reporter 403)
#   env: KAOPING (default build/kaoping). Needs sqlite3, jq and curl.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh
for tool in sqlite3 jq curl; do
  command -v "$tool" >/dev/null || { fail "ctask-0 needs $tool"; finish; exit 1; }
done
ROOT=$PWD
T=$(mktemp -d "${TMPDIR:-/tmp}/kp-ctask.XXXXXX")
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
export KAOPING_DB="$T/k.db"
export KAOPING_NOW=2021-10-11T02:00:00Z # Monday 10:00 in China
kp() { run_kp "$@"; }
assert_rc() {
  if [ "$rc" == "$2" ]; then ok "$1"; else fail "$1" "expected exit $2, got $rc" "stdout: ${out:0:800}" "stderr: ${err:0:800}"; fi
}
sql() { sqlite3 -batch -noheader "$KAOPING_DB" "$@"; }

# ---- setup ---------------------------------------------------------------------------------
kp init
kp unit import "$KAOPING_SHARED/data/units.csv"
kp calendar import "$ROOT/data/calendar/cn-2021.csv"
PW0='Init-Pass-2021a'
PW='Kaoping#2026pw'
for u in "ldr leader -" "ldr2 leader -" "ins inspector -" "rep reporter 430421"; do
  set -- $u
  if [ "$3" == "-" ]; then printf '%s\n' "$PW0" | "$KAOPING" user add "$1" --role "$2" --password-stdin >/dev/null
  else printf '%s\n' "$PW0" | "$KAOPING" user add "$1" --role "$2" --unit "$3" --password-stdin >/dev/null; fi
done
kp place add 梅花村 --kind contact --unit 430421 --lon 112.37 --lat 26.97
kp contact assign 梅花村 ldr
assert_rc "ctask-0.1 contact point assigned" 0
kp contact visit 1 --date 2021-10-08 --notes 回访 --problem 灌溉渠淤塞 --problem 缺少村医 --as ldr
assert_rc "ctask-0.2 a visit with two problems" 0

# ---- ctask-1 -------------------------------------------------------------------------------
kp contact task 1 --lead 430421 --days 5 --as ldr2
assert_rc "ctask-1.1 another leader's point: refused" 1
assert_contains "ctask-1.1 says whose" "$err" "problem 1 was raised at ldr's contact point"
kp contact task 1 --lead 430421 --as ldr
assert_rc "ctask-1.2 a deadline is required" 1
assert_contains "ctask-1.2 says so" "$err" "a deadline (date) or days (working days) is required"
kp contact task 1 --lead 430421 --days 5 --as ldr
assert_rc "ctask-1.3 the leader makes it a task" 0
assert_eq "ctask-1.3 output" "problem 1: task:1 assigned (督办)" "$out"
kp task show 1 --format json
# Monday 10-11 + 5 working days: 10-12, 10-13, 10-14, 10-15, (weekend), 10-18
assert_eq "ctask-1.4 the task: the problem's text, 基层联点, lead unit, deadline" \
  "灌溉渠淤塞|基层联点|430421|2021-10-18|ldr" \
  "$(echo "$out" | jq -r '"\(.title)|\(.category)|\(.lead_unit)|\(.due)|\(.assigned_by)"')"
assert_eq "ctask-1.5 its source names the point, the visit and the problem" "基层联点 梅花村 2021-10-08 走访问题 #1" \
  "$(echo "$out" | jq -r .source)"
assert_eq "ctask-1.6 the problem links it" "task:1|open" "$(sql "SELECT task_ref, state FROM contact_problem WHERE id = 1")"
kp contact task 1 --lead 430421 --days 5 --as ldr
assert_rc "ctask-1.7 twice: refused" 1
assert_contains "ctask-1.7 says which task" "$err" "problem 1 is already task:1"
kp contact task 2 --lead 999999 --days 5 --as ins
assert_rc "ctask-1.8 an unknown lead unit: refused" 1
assert_contains "ctask-1.8 says so" "$err" "no unit 999999"
assert_eq "ctask-1.9 nothing saved: no task, no link" "1|" \
  "$(sql "SELECT (SELECT count(*) FROM task), (SELECT task_ref FROM contact_problem WHERE id = 2)")"
kp contact task 2 --lead 430421 --co 430422 --deadline 2021-11-30 --title "村卫生室缺少村医" --as ins
assert_rc "ctask-1.10 the supervision office may" 0
assert_eq "ctask-1.10 its title, co-handling unit and date" "村卫生室缺少村医|430422|2021-11-30" \
  "$("$KAOPING" task show 2 --format json | jq -r '"\(.title)|\([.units[] | select(.role=="co") | .unit] | join(","))|\(.due)"')"
kp contact task 77 --lead 430421 --days 5 --as ldr
assert_rc "ctask-1.11 no such problem" 1
kp contact task x --lead 430421 --days 0 --as ldr
assert_rc "ctask-1.12 bad days: usage" 2

# ---- ctask-2 -------------------------------------------------------------------------------
export KAOPING_NOW=2021-10-14T02:00:00Z
kp task act 1 request_close --as rep --note "已清淤" --progress 100
assert_eq "ctask-2.1 asked to close: the problem is still open" "open" "$(sql "SELECT state FROM contact_problem WHERE id = 1")"
kp task act 1 confirm --as ldr
assert_rc "ctask-2.2 the leader confirms" 0
assert_eq "ctask-2.3 the problem closed with the task" "closed|ldr|督办事项 task:1 已办结" \
  "$(sql "SELECT state, closed_by, closing_note FROM contact_problem WHERE id = 1")"
assert_eq "ctask-2.4 the other problem is untouched" "open" "$(sql "SELECT state FROM contact_problem WHERE id = 2")"
kp contact task 1 --lead 430421 --days 5 --as ldr
assert_contains "ctask-2.5 a closed problem becomes no task" "$err" "problem 1 is closed"

# ---- ctask-3 -------------------------------------------------------------------------------
assert_eq "ctask-3.1 audited" "task.assign contact.problem_task task.assign contact.problem_task task.request_close contact.problem_close task.confirm" \
  "$(sql "SELECT group_concat(event, ' ') FROM (SELECT event FROM audit WHERE event LIKE 'task.%' OR event LIKE 'contact.problem%' ORDER BY id)")"
assert_eq "ctask-3.2 the link in the audit detail" '{"task":"task:1"}' \
  "$(sql "SELECT detail FROM audit WHERE event = 'contact.problem_task' AND object = 'problem:1'")"
kp audit verify
assert_rc "ctask-3.3 the chain verifies" 0

# ---- ctask-4 HTTP ----------------------------------------------------------------------------
kp contact visit 1 --date 2021-10-13 --notes 再访 --problem 路灯损坏 --as ldr
unset KAOPING_NOW
"$KAOPING" serve --db "$KAOPING_DB" --port 0 --threads 2 >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT
req() {
  local u=$1 m=$2 p=$3 body=${4-} data=()
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  curl -s -o "$T/out" -w '%{http_code}' -b "$T/$u.jar" -c "$T/$u.jar" \
       -H "X-CSRF-Token: $(cat "$T/$u.csrf")" "${data[@]}" -X "$m" "$B$p"
}
for u in ldr rep; do
  api_login "$B" "$u" "$PW0" "" "$T" >/dev/null
  req "$u" POST /api/password "$(jq -cn --arg o "$PW0" --arg n "$PW" '{old_password: $o, new_password: $n}')" >/dev/null
  api_login "$B" "$u" "$PW" "" "$T" >/dev/null
done
s=$(req rep POST /api/contacts/problems/3/task '{"lead_unit":"430421","days":3}')
assert_eq "ctask-4.1 a reporter may not (403)" "403" "$s"
s=$(req ldr POST /api/contacts/problems/3/task '{"lead_unit":"430421","bogus":1,"days":3}')
assert_eq "ctask-4.2 an unknown field is refused (400)" "400" "$s"
# the server runs on the real clock: a deadline a month from today
due=$(date -u -d '+30 days' +%F)
s=$(req ldr POST /api/contacts/problems/3/task "{\"lead_unit\":\"430421\",\"deadline\":\"$due\"}")
assert_eq "ctask-4.3 the leader: 201 with the link" "201 task:3 3" "$s $(jq -r '"\(.task_ref) \(.problem)"' "$T/out")"
s=$(req ldr GET /api/contacts)
assert_eq "ctask-4.4 the contacts list shows the link" "task:3" \
  "$(jq -r '.points[0].visit_log[] | .problems[] | select(.id==3) | .task_ref' "$T/out")"
assert_eq "ctask-4.5 audited with the address" "ldr 127.0.0.1" \
  "$(sql "SELECT actor || ' ' || ip FROM audit WHERE event = 'contact.problem_task' AND object = 'problem:3'")"
finish

#!/usr/bin/env bash
# hsup-1.x .. hsup-8.x: supervision over HTTP, on the real server (`kaoping serve`, real
# clock) with signed-in accounts, session cookies and CSRF tokens:
#   hsup-1 inspection and finding recorded by the inspector; a reporter may not (403 2004)
#   hsup-2 a unit sees its finding only once assigned; another unit never (404, audited)
#   hsup-3 the lifecycle: assign, sign, report, request, return (note required), request,
#          approve, verify (public); roles refused with 403 2012 and audited
#   hsup-4 lists: filters, pages, bad parameters and fields refused
#   hsup-5 key tasks: assign, report, request, confirm only by the assigning office
#   hsup-6 the audit trail of all of it; the chain verifies
#   hsup-7 industrial projects: registry, investment by the unit, lagging flag, site link
#   hsup-9 the holiday calendar over HTTP: upload, the working-day count follows the file, a
#          bad row is 422 with line and column and writes nothing, wrong roles 403 and audited
# The clock is the real one: deadlines are counted from today on the shipped calendars (a
# year without one gets a minimal test calendar, so the test does not expire).
#   Needs curl, jq and sqlite3.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh
for tool in curl jq sqlite3; do
  command -v "$tool" >/dev/null || { echo "FAIL hsup-0 $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
done
ROOT=$PWD
T=$(mktemp -d)
DB=$T/k.db
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
unset KAOPING_NOW
export KAOPING_DB=$DB

# ---- fixtures -------------------------------------------------------------------------------
run_kp init
run_kp unit import "$KAOPING_SHARED/data/units.csv"
PW0='Init-Pass-2021a'
PW='Kaoping#2026pw'
for u in "ins inspector -" "rep reporter 430421" "rep3 reporter 430423" "ldr leader -" "asr assessor -"; do
  set -- $u
  if [ "$3" = - ]; then printf '%s\n' "$PW0" | "$KAOPING" user add "$1" --role "$2" --password-stdin >/dev/null
  else printf '%s\n' "$PW0" | "$KAOPING" user add "$1" --role "$2" --unit "$3" --password-stdin >/dev/null; fi
done
# the assessor signs in with a one-time code (totp_enforce is on by default)
declare -A SECRET
SECRET[asr]=$("$KAOPING" user totp enrol asr | sed -n 's/^secret: //p')
"$KAOPING" calendar import "$ROOT"/data/calendar/cn-20*.csv >/dev/null
for y in $(date -u +%Y) $(( $(date -u +%Y) + 1 )); do
  if [ ! -f "$ROOT/data/calendar/cn-$y.csv" ]; then
    printf 'year,date,kind,name\n%s,%s-01-01,off,元旦\n' "$y" "$y" >"$T/cn-$y.csv"
    "$KAOPING" calendar import "$T/cn-$y.csv" >/dev/null
  fi
done
"$KAOPING" serve --db "$DB" --port 0 --threads 2 >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT

# login USER PASSWORD: status; cookie jar T/USER.jar, CSRF token T/USER.csrf; an account with a
# second factor (SECRET[USER]) signs in with a fresh code (tests/lib/totp.sh)
login() { api_login "$B" "$1" "$2" "${SECRET[$1]-}" "$T"; }
# req USER METHOD PATH [BODY]: status; body in T/out
req() {
  local u=$1 m=$2 p=$3 body=${4-} data=()
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  curl -s -o "$T/out" -w '%{http_code}' -b "$T/$u.jar" -c "$T/$u.jar" \
       -H "X-CSRF-Token: $(cat "$T/$u.csrf" 2>/dev/null)" "${data[@]}" -X "$m" "$B$p"
}
j() { jq -r "$1" "$T/out"; }
code() { jq -r '.code // empty' "$T/out"; }
sql() { sqlite3 "$DB" "$1"; }
act() { req "$1" POST "/api/findings/$2/actions" "$3"; }

bad=""
for u in ins rep rep3 ldr asr; do
  login "$u" "$PW0" >/dev/null
  s=$(req "$u" POST /api/password "$(jq -cn --arg o "$PW0" --arg n "$PW" '{old_password: $o, new_password: $n}')")
  [ "$s" = 200 ] || bad+="$u:$s "
  s=$(login "$u" "$PW"); [ "$s" = 200 ] || bad+="$u:login $s "
done
assert_eq "hsup-0.1 every account signs in" "" "$bad"

# ---- hsup-1 recording -------------------------------------------------------------------------
s=$(req ins POST /api/inspections '{"kind":"undercover","topic":"值班值守暗访","team":"第一督查组","start":"2026-11-02"}')
assert_eq "hsup-1.1 inspection (201)" "201 1 暗访" "$s $(j .id) $(j .kind_label)"
s=$(req ins POST /api/findings '{"unit":"430421","category":"作风","text":"工作时间在岗人员玩手机游戏","days":5,"inspection":1,"severity":"major","deduction":1}')
assert_eq "hsup-1.2 finding (201, registered)" "201 1 registered 较重" "$s $(j .id) $(j .state) $(j .severity_label)"
s=$(req rep POST /api/findings '{"unit":"430421","category":"作风","text":"x"}')
assert_eq "hsup-1.3 a reporter records no finding (403 2004)" "403 2004" "$s $(code)"
s=$(req ins POST /api/findings '{"unit":"430421","category":"作风","text":"x","owner":"ins"}')
assert_eq "hsup-1.4 an unknown field is refused (400 3004)" "400 3004" "$s $(code)"
s=$(req ins POST /api/findings '{"unit":"430421","category":"作风","text":"x","days":0}')
assert_eq "hsup-1.5 days out of range (400 3003 days)" "400 3003 days" "$s $(code) $(j .field)"

# ---- hsup-2 scope -----------------------------------------------------------------------------
s=$(req rep GET /api/findings)
assert_eq "hsup-2.1 not yet assigned: the unit lists nothing" "200 0" "$s $(j .total)"
s=$(req rep GET /api/findings/1)
assert_eq "hsup-2.2 nor reads it (404)" "404 4001" "$s $(code)"
s=$(act ins 1 '{"action":"assign"}')
assert_eq "hsup-2.3 assigned" "200 assigned" "$s $(j .state)"
due=$(j .due)
today=$(j .today)
assert_eq "hsup-2.3 5 working days after today" "$due" "$("$KAOPING" calendar due "$today" 5)"
s=$(req rep GET /api/findings/1)
assert_eq "hsup-2.4 now the unit reads it, without the inspection" "200 null sign" "$s $(j .inspection) $(j '.actions | join(",")')"
s=$(req rep3 GET /api/findings/1)
assert_eq "hsup-2.5 another unit: 404" "404 4001" "$s $(code)"
s=$(act rep3 1 '{"action":"sign"}')
assert_eq "hsup-2.6 another unit cannot act (404)" "404" "$s"
s=$(req rep3 GET /api/findings)
assert_eq "hsup-2.7 another unit lists nothing" "200 0" "$s $(j .total)"

# ---- hsup-3 lifecycle ---------------------------------------------------------------------------
s=$(act ins 1 '{"action":"sign"}')
assert_eq "hsup-3.1 the inspector does not sign (403 2012)" "403 2012" "$s $(code)"
s=$(act ldr 1 '{"action":"sign"}')
assert_eq "hsup-3.1 nor a leader" "403 2012" "$s $(code)"
s=$(act rep 1 '{"action":"sign"}')
assert_eq "hsup-3.2 the unit signs" "200 in_progress false" "$s $(j .state) $(j .sign_late)"
s=$(act rep 1 '{"action":"report","note":"已约谈相关人员","progress":50}')
assert_eq "hsup-3.3 progress report" "200 50" "$s $(j .progress)"
s=$(act ldr 1 '{"action":"instruct","note":"请严肃问责，举一反三"}')
assert_eq "hsup-3.4 a leader's instruction" "200 in_progress" "$s $(j .state)"
s=$(act rep 1 '{"action":"request_close","note":"已整改"}')
assert_eq "hsup-3.5 close requested" "200 req_close" "$s $(j .state)"
s=$(act rep 1 '{"action":"approve"}')
assert_eq "hsup-3.6 the unit cannot approve (403 2012)" "403 2012" "$s $(code)"
s=$(act ins 1 '{"action":"return"}')
assert_eq "hsup-3.7 a return needs a note (400 3002 note)" "400 3002 note" "$s $(code) $(j .field)"
s=$(act ins 1 '{"action":"return","note":"问责材料不全"}')
assert_eq "hsup-3.8 returned" "200 in_progress 1" "$s $(j .state) $(j .returns)"
s=$(act ins 1 '{"action":"verify","note":"x"}')
assert_eq "hsup-3.9 verify does not apply in progress (409 4003)" "409 4003" "$s $(code)"
s=$(act rep 1 '{"action":"request_close","note":"补充问责材料","progress":100}')
s=$(act ins 1 '{"action":"approve"}')
assert_eq "hsup-3.10 approved" "200 closed none" "$s $(j .state) $(j .light)"
s=$(act ins 1 '{"action":"verify","note":"现场复查：在岗人员履职正常","public":true}')
assert_eq "hsup-3.11 verified and public" "200 verified true" "$s $(j .state) $(j .public)"
s=$(act ins 1 '{"action":"fly"}')
assert_eq "hsup-3.12 unknown action (400 3003)" "400 3003" "$s $(code)"
s=$(req ins GET /api/findings/1)
assert_eq "hsup-3.13 the timeline" "open assign sign report instruct request_close return request_close approve verify" \
  "$(j '[.events[].action] | join(" ")')"
assert_eq "hsup-3.13 actors" "ins ins rep rep ldr rep ins rep ins ins" "$(j '[.events[].actor] | join(" ")')"
assert_eq "hsup-3.13 the return's note" "问责材料不全" "$(j '.events[6].note')"
assert_eq "hsup-3.13 what the inspector may do now" "publish,archive,reopen" "$(j '.actions | join(",")')"
# the public notice (公示): no login, only what was made public, nothing personal
s=$(req - GET /api/public/findings)
assert_eq "hsup-3.14 the public list: the one verified and public finding" "200 1 1 430421 衡阳县 作风 较重 工作时间在岗人员玩手机游戏" \
  "$s $(j .total) $(j '.findings[0].id') $(j '.findings[0].unit') $(j '.findings[0].unit_name') $(j '.findings[0].category') $(j '.findings[0].severity_label') $(j '.findings[0].text')"
assert_eq "hsup-3.14 ... with no person, place, coordinates or notes" "assigned_on,category,closed_on,due,finished_late,id,severity_label,text,unit,unit_name,verified_on" \
  "$(j '.findings[0] | keys | join(",")')"
s=$(req - GET '/api/public/findings?unit=430423')
assert_eq "hsup-3.15 filtered by unit" "200 0" "$s $(j .total)"
s=$(req - GET '/api/public/findings?inspector=ins')
assert_eq "hsup-3.16 an undeclared parameter is refused" "400 3006" "$s $(code)"

# ---- hsup-4 lists ---------------------------------------------------------------------------
req ins POST /api/findings '{"unit":"430423","category":"安全生产","text":"消防通道堵塞","days":3}' >/dev/null
act ins 2 '{"action":"assign"}' >/dev/null
req ins POST /api/findings '{"unit":"430421","category":"环保","text":"夜间偷排","days":10}' >/dev/null
s=$(req ins GET '/api/findings?unit=430421')
assert_eq "hsup-4.1 by unit" "200 2" "$s $(j .total)"
s=$(req ins GET '/api/findings?state=verified')
assert_eq "hsup-4.2 by state" "200 1" "$s $(j '.findings[0].id')"
s=$(req ins GET '/api/findings?category=安全生产')
assert_eq "hsup-4.3 by category" "200 2" "$s $(j '.findings[0].id')"
s=$(req ins GET '/api/findings?open=1&per_page=1&page=2')
assert_eq "hsup-4.4 open ones, page 2 of 1 per page" "200 2 2" "$s $(j .total) $(j '.findings[0].id')"
s=$(req ins GET '/api/findings?light=purple')
assert_eq "hsup-4.5 bad light (400 3003)" "400 3003" "$s $(code)"
s=$(req ins GET '/api/findings?colour=red')
assert_eq "hsup-4.6 undeclared parameter (400 3006)" "400 3006" "$s $(code)"
s=$(req ins GET '/api/findings?per_page=501')
assert_eq "hsup-4.7 per_page above 500 (400 3003)" "400 3003" "$s $(code)"
s=$(req rep3 GET /api/findings)
assert_eq "hsup-4.8 430423 sees its assigned finding only" "200 1 2" "$s $(j .total) $(j '.findings[0].id')"
s=$(req ins GET /api/inspections)
assert_eq "hsup-4.9 inspections with their findings" "200 1" "$s $(j '.inspections[0].findings')"
s=$(req rep GET /api/inspections)
assert_eq "hsup-4.10 a unit reads no inspections (403 2004)" "403 2004" "$s $(code)"

# ---- hsup-5 tasks ---------------------------------------------------------------------------
s=$(req ldr POST /api/tasks '{"title":"冬季安全生产大检查","category":"安全生产","lead_unit":"430421","co_units":["430423"],"days":5,"source":"全市高质量发展点评会"}')
assert_eq "hsup-5.1 a leader assigns a task" "201 1 open" "$s $(j .id) $(j .state)"
s=$(req rep POST /api/tasks/1/actions '{"action":"report","note":"已完成自查","progress":40}')
assert_eq "hsup-5.2 the lead unit reports" "200 40" "$s $(j .progress)"
s=$(req rep3 POST /api/tasks/1/actions '{"action":"report","note":"协办单位已自查","progress":30}')
assert_eq "hsup-5.3 the co-handling unit reports" "200" "$s"
s=$(req rep3 POST /api/tasks/1/actions '{"action":"request_close","note":"x"}')
assert_eq "hsup-5.4 only the lead unit asks to close" "403 2012" "$s $(code)"
s=$(req rep POST /api/tasks/1/actions '{"action":"request_close","note":"检查完成","progress":100}')
assert_eq "hsup-5.5 close requested" "200 req_close" "$s $(j .state)"
s=$(req ins POST /api/tasks/1/actions '{"action":"confirm"}')
assert_eq "hsup-5.6 not the assigning office (403 2012)" "403 2012" "$s $(code)"
s=$(req ldr POST /api/tasks/1/actions '{"action":"confirm"}')
assert_eq "hsup-5.7 the leader confirms" "200 closed" "$s $(j .state)"
s=$(req rep GET /api/tasks)
assert_eq "hsup-5.8 the unit lists its task" "200 1" "$s $(j .total)"
s=$(req ldr GET /api/tasks/1)
assert_eq "hsup-5.9 units and progress" "430421:lead:100 430423:co:30" \
  "$(j '[.units[] | "\(.unit):\(.role):\(.progress)"] | join(" ")')"

# ---- hsup-7 projects -------------------------------------------------------------------------
s=$(req asr POST /api/projects '{"code":"XM-2026-01","name":"新能源电池材料项目","unit":"430421","industry":"新材料","total_investment":30,"year":2026,"annual_plan":10,"stream_url":"https://live.example.cn/xm1"}')
assert_eq "hsup-7.1 the assessor registers a project" "201 1" "$s $(j .id)"
s=$(req asr POST /api/projects '{"code":"XM-2026-02","name":"x","unit":"430421","industry":"x","total_investment":1,"year":2026,"annual_plan":1,"stream_url":"javascript:alert(1)"}')
assert_eq "hsup-7.2 a javascript: site link is refused" "400 3003 stream_url" "$s $(code) $(j .field)"
s=$(req rep POST /api/projects/1/progress '{"period":"2026-B5","completed":4,"note":"设备进场"}')
assert_eq "hsup-7.3 the unit reports investment" "200 4" "$s $(j .ytd)"
s=$(req rep3 POST /api/projects/1/progress '{"period":"2026-B5","completed":9}')
assert_eq "hsup-7.4 another unit may not (403 2012)" "403 2012" "$s $(code)"
s=$(req ins POST /api/projects/1/progress '{"period":"2026-B5","completed":9}')
assert_eq "hsup-7.5 nor the inspector (403 2004)" "403 2004" "$s $(code)"
# 2026-B5 ends in October: time progress 10/12; 4 of 10 = 40 %: lagging.
s=$(req ldr GET '/api/projects?period=2026-B5')
assert_eq "hsup-7.6 lagging, with its site link" "200 true https://live.example.cn/xm1 40" \
  "$s $(j '.projects[0].lagging') $(j '.projects[0].stream_url') $(j '.units[0].invest_rate')"
s=$(req ldr GET '/api/projects')
assert_eq "hsup-7.7 the period is required (400 3003)" "400 3003" "$s $(code)"
s=$(req rep3 GET '/api/projects?period=2026-B5')
assert_eq "hsup-7.8 another unit's reporter sees none" "200 0" "$s $(j '.projects | length')"

# ---- hsup-8 the web workflow's compute feeds the review first --------------------------------
cat >"$T/src-scheme.json" <<'JSON'
{"code": "HSRC", "name": "来源测试方案", "year": 2026, "aggregation": "points", "total": 100,
 "indicators": [
  {"code": "E1", "name": "经济运行", "weight": 50, "method": "minmax"},
  {"code": "P1", "name": "投资完成率", "unit": "%", "weight": 50, "method": "minmax"},
  {"code": "C1", "name": "暗访督查问题扣分", "method": "deduct", "params": {"per_event": 1, "cap": 5}}],
 "supervision": {"map": {"值班值守": "C1"}, "projects": {"invest_rate": "P1"}}}
JSON
run_kp scheme import "$T/src-scheme.json"
run_kp period open 2026-B5 --scheme HSRC
(echo unit,indicator,value; cut -d, -f1 "$KAOPING_SHARED/data/units.csv" | tail -n +2 | sed 's/$/,E1,10/') >"$T/e1.csv"
run_kp data import "$T/e1.csv" --period 2026-B5
assert_eq "hsup-8.1 no project value before the compute" "0" "$(sql "SELECT count(*) FROM observation WHERE provenance = 'project'")"
s=$(req asr POST /api/periods/2026-B5/compute)
# one C1 value per assessed unit (16), P1 for 430421 only (the one project: 4 of 10 = 40 %),
# no wish leaf in the scheme
assert_eq "hsup-8.2 computed; the feeds ran first" "200 16 1 the scheme has neither leaf D1 nor D2" \
  "$s $(j .sources.finding.written) $(j .sources.project.written) $(j .sources.wish.skipped)"
assert_eq "hsup-8.3 the review uses the project figure" "40" \
  "$("$KAOPING" review show 2026-B5 --unit 430421 --format json | jq '.indicators[] | select(.code=="P1") | .value')"
assert_eq "hsup-8.4 the feeds audited with the assessor and address" "asr 127.0.0.1|asr 127.0.0.1" \
  "$(sql "SELECT (SELECT actor || ' ' || ip FROM audit WHERE event = 'finding.sync'), (SELECT actor || ' ' || ip FROM audit WHERE event = 'project.sync')")"

# ---- hsup-9 the holiday calendar over HTTP ----------------------------------------------------
# calup USER FILE: POST /api/calendar?filename=BASENAME with the file as the body
calup() {
  curl -s -o "$T/out" -w '%{http_code}' -b "$T/$1.jar" -c "$T/$1.jar" -H "X-CSRF-Token: $(cat "$T/$1.csrf")" \
       -H 'Content-Type: text/csv' --data-binary "@$2" "$B/api/calendar?filename=$(basename "$2")"
}
mkdir -p "$T/cal" "$T/bad"
# 2030-02-01 is a Friday; to Friday 2030-02-15 there are 10 weekdays after it
printf 'year,date,kind,name\n2030,2030-01-01,off,元旦\n' >"$T/cal/cn-2030.csv"
s=$(req ins GET "/api/calendar?from=2030-02-01&to=2030-02-15")
assert_eq "hsup-9.1 no calendar for 2030 yet: the count is refused, not guessed" "400 no holiday calendar for 2030:" \
  "$s $(j .message | cut -d' ' -f1-5)"
s=$(calup ins "$T/cal/cn-2030.csv")
assert_eq "hsup-9.2 the inspector uploads a 2030 calendar with New Year's Day only" \
  "200 calendar 2030: 1 days off, 0 make-up working days 2030 cn-2030.csv 1 0" \
  "$s $(j .summary) $(j '.years[-1].year') $(j '.years[-1].source') $(j '.years[-1].off') $(j '.years[-1].work')"
s=$(req ins GET "/api/calendar?from=2030-02-01&to=2030-02-15")
assert_eq "hsup-9.3 2030-02-01 .. 02-15: 10 working days (two plain weeks)" "200 10" "$s $(j .workdays.n)"
# the revised notice: Spring Festival Mon 02-04 .. Fri 02-08 off, Saturday 02-09 worked
{ printf 'year,date,kind,name\n2030,2030-01-01,off,元旦\n'
  for d in 04 05 06 07 08; do printf '2030,2030-02-%s,off,春节\n' "$d"; done
  printf '2030,2030-02-09,work,春节\n'; } >"$T/cal/cn-2030.csv"
s=$(calup ins "$T/cal/cn-2030.csv")
assert_eq "hsup-9.4 the revised file replaces the year" "200 calendar 2030: 6 days off, 1 make-up working days" \
  "$s $(j .summary)"
s=$(req ins GET "/api/calendar?from=2030-02-01&to=2030-02-15")
assert_eq "hsup-9.5 now 10 - 5 holidays + 1 make-up Saturday = 6 working days" "200 6" "$s $(j .workdays.n)"
# a bad row: a make-up working day on a Tuesday (line 4: header, 元旦, 02-04, then 02-05)
{ printf 'year,date,kind,name\n2030,2030-01-01,off,元旦\n2030,2030-02-04,off,春节\n'
  printf '2030,2030-02-05,work,春节\n'; } >"$T/bad/cn-2030.csv"
n0=$(sql "SELECT count(*) FROM calendar_day WHERE year = 2030")
a0=$(sql "SELECT count(*) FROM audit WHERE event = 'calendar.import'")
s=$(calup ins "$T/bad/cn-2030.csv")
assert_eq "hsup-9.6 a work day on a weekday: 422 4004 with file, line 4, column 2 and the reason" \
  "422 4004 cn-2030.csv 4 2 true" \
  "$s $(code) $(j .file) $(j .line) $(j .column) $(j '.reason | test("Saturday or Sunday")')"
assert_eq "hsup-9.7 the message is the CLI's (FILE: line, column: reason)" "cn-2030.csv: line 4, column 2: " \
  "$(j .message | cut -c1-31)"
s=$(req ins GET "/api/calendar?from=2030-02-01&to=2030-02-15")
assert_eq "hsup-9.8 nothing written: the same days, the same count, no import audited" "$n0 6 $a0" \
  "$(sql "SELECT count(*) FROM calendar_day WHERE year = 2030") $(j .workdays.n) $(sql "SELECT count(*) FROM audit WHERE event = 'calendar.import'")"
printf 'year,date,kind,name\n2030,2030-02-11,rest,x\n' >"$T/bad/cn-2030.csv"
s=$(calup ins "$T/bad/cn-2030.csv")
assert_eq "hsup-9.9 an unknown kind: line 2, column 3" "422 2 3" "$s $(j .line) $(j .column)"
s=$(calup ldr "$T/cal/cn-2030.csv")
assert_eq "hsup-9.10 a leader may not load calendars (403 2004)" "403 2004" "$s $(code)"
s=$(req rep GET /api/calendar)
assert_eq "hsup-9.11 nor a reporter list them" "403 2004" "$s $(code)"
assert_eq "hsup-9.12 both refusals audited" "1 1" \
  "$(sql "SELECT (SELECT count(*) FROM audit WHERE event = 'access.denied' AND actor = 'ldr' AND object = 'route:POST /api/calendar'), (SELECT count(*) FROM audit WHERE event = 'access.denied' AND actor = 'rep' AND object = 'route:GET /api/calendar')" | tr '|' ' ')"
assert_eq "hsup-9.13 the two imports audited with the inspector and address" "2 ins 127.0.0.1" \
  "$(sql "SELECT count(*), max(actor), max(ip) FROM audit WHERE event = 'calendar.import' AND actor = 'ins'" | tr '|' ' ')"

# ---- hsup-6 audit -------------------------------------------------------------------------
assert_eq "hsup-6.1 each finding event audited with the account and address" \
  "$(sql "SELECT count(*) FROM finding_event")" \
  "$(sql "SELECT count(*) FROM audit WHERE event LIKE 'finding.%' AND event <> 'finding.sync' AND outcome = 'ok' AND ip = '127.0.0.1'")"
# Refused by the domain (not the route): 2.2 (show), 2.5 (show), 2.6, 3.1 (two), 3.6, 3.7, 3.9,
# 3.12 is an input error before any record is read (not audited) = 8 finding.denied.
assert_eq "hsup-6.2 refusals audited" "8" "$(sql "SELECT count(*) FROM audit WHERE event = 'finding.denied'")"
assert_eq "hsup-6.3 task refusals audited" "2" "$(sql "SELECT count(*) FROM audit WHERE event = 'task.denied'")"
assert_eq "hsup-6.4 the route refusals audited (1.3, 4.10, 9.11)" "3" \
  "$(sql "SELECT count(*) FROM audit WHERE event = 'access.denied' AND actor = 'rep'")"
run_kp audit verify
assert_eq "hsup-6.5 the chain verifies" "0" "$rc"
kill "$SPID" && wait "$SPID" 2>/dev/null
SPID=
assert_not_contains "hsup-6.6 no sanitizer report" "$(cat "$T/serve.err")" "ERROR: AddressSanitizer"
finish

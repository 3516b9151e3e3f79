#!/usr/bin/env bash
# sup-1.x .. sup-12.x: supervision (云督查) on the real binary and a real SQLite file:
#   sup-1  the holiday calendar: import of the shipped notices, show, due dates across
#          National Day 2021, a bad file refused with line and column and nothing stored
#   sup-2  inspections; a finding recorded by the inspector; a reporter may not record one
#   sup-3  a unit sees its finding only once assigned; another unit never (audited)
#   sup-4  assign: working-day deadlines; the wrong roles refused and audited
#   sup-5  signing late appears the moment the sign deadline ends (China midnight)
#   sup-6  progress report, leader's instruction, close request, return (驳回)
#   sup-7  overdue the moment the deadline passes: 15:59:59Z vs 16:00:00Z
#   sup-8  extension, approval, close, verification (public), archive, reopen (回头看)
#   sup-9  duplicates (of a finding, of a hotline work order), suspension, partial close
#   sup-10 escalation: three returns -> 提级督办
#   sup-11 lists: filters, lights, pages, JSON
#   sup-12 every change and refusal in the audit log; the chain verifies
#   sup-13 key tasks (督办): assignment, progress by lead and co-handling units, close only
#          with the assigning office's confirmation, overdue on the dashboard
#   sup-14 scores: confirmed findings become deduct/veto values (provenance finding) through
#          the scheme's supervision map; the next computed review shows the deductions; the
#          bulletin's section 暗访督查情况通报
#   sup-15 industrial projects: registry, investment per period, lagging against time
#          progress, 投资完成率/开工率/投产率 written into the review (provenance project)
# Dates: KAOPING_NOW is UTC; China is UTC+8, so 2021-10-11T16:00:00Z is already 10-12 there.
#   env: KAOPING (default build/kaoping). Needs sqlite3 and jq.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
for tool in sqlite3 jq; do
  command -v "$tool" >/dev/null || { fail "sup-0 needs $tool"; finish; exit 1; }
done
ROOT=$PWD
T=$(mktemp -d "${TMPDIR:-/tmp}/kp-sup.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export KAOPING_DB="$T/k.db"
export KAOPING_NOW=2021-09-28T02:00:00Z # Tuesday 10:00 in China

kp() { run_kp "$@"; }
assert_rc() {
  if [ "$rc" == "$2" ]; then ok "$1"; else fail "$1" "expected exit $2, got $rc" "stdout: ${out:0:800}" "stderr: ${err:0:800}"; fi
}
sql() { sqlite3 -batch -noheader "$KAOPING_DB" "$@"; }
at() { export KAOPING_NOW=$1; }
fjson() { "$KAOPING" finding show "$1" --format json 2>/dev/null; }
field() { fjson "$1" | jq -r "$2"; }
denied() { sql "SELECT count(*) FROM audit WHERE event = 'finding.denied'"; }

# ---- setup ---------------------------------------------------------------------------------
kp init
kp unit import "$KAOPING_SHARED/data/units.csv"
assert_rc "sup-0.1 units" 0
for u in "ins inspector -" "rep reporter 430421" "rep2 reporter 430422" "rep3 reporter 430423" \
         "ldr leader -" "ass assessor -"; do
  set -- $u
  if [ "$3" == "-" ]; then kp user add "$1" --role "$2"; else kp user add "$1" --role "$2" --unit "$3"; fi
  [ "$rc" == 0 ] || fail "sup-0 user $1" "$err"
done

# ---- sup-1: calendar -------------------------------------------------------------------------
kp calendar due 2021-09-28 5
assert_rc "sup-1.1 no calendar yet: refused" 1
assert_contains "sup-1.1 names the year" "$err" "no holiday calendar for 2021"
kp calendar import "$ROOT"/data/calendar/cn-20{21,22,23,24,25,26}.csv
assert_rc "sup-1.2 import the shipped notices" 0
assert_contains "sup-1.2 2021 summary" "$out" "calendar 2021: 31 days off, 7 make-up working days"
assert_eq "sup-1.2 six years stored" "2021 2022 2023 2024 2025 2026" "$(sql "SELECT group_concat(year, ' ') FROM calendar_year")"
kp calendar show 2021
assert_contains "sup-1.3 National Day make-up Sunday" "$out" "2021-09-26 周日 上班"
assert_contains "sup-1.3 make-up Saturday" "$out" "2021-10-09 周六 上班"
assert_contains "sup-1.3 holiday" "$out" "2021-10-07 周四 放假 国庆节"
# Tuesday 09-28 + 5 working days: 09-29, 09-30, (10-01..07 off), 10-08, 10-09 (Sat, worked),
# (10-10 Sun), 10-11.
kp calendar due 2021-09-28 5
assert_eq "sup-1.4 5 working days across National Day" "2021-10-11" "$out"
kp calendar due 2021-09-24 5
assert_eq "sup-1.4 the make-up Sunday 09-26 counts" "2021-09-30" "$out"
kp calendar due 2026-12-28 10
assert_rc "sup-1.5 into 2027 (no notice): refused" 1
before=$(sql "SELECT count(*) FROM calendar_day")
printf 'year,date,kind,name\n2027,2027-01-01,off,元旦\n2027,2027-01-05,work,x\n' >"$T/cn-2027.csv"
kp calendar import "$T/cn-2027.csv"
assert_rc "sup-1.6 bad calendar file refused" 1
assert_contains "sup-1.6 line and column" "$err" "cn-2027.csv: line 3, column 2: 2027-01-05 is a weekday"
assert_eq "sup-1.6 nothing stored" "$before" "$(sql "SELECT count(*) FROM calendar_day")"
kp calendar import "$ROOT/data/calendar/cn-2021.csv"
assert_rc "sup-1.7 re-import replaces the year" 0
assert_eq "sup-1.7 same days" "$before" "$(sql "SELECT count(*) FROM calendar_day")"

# ---- sup-2: inspection and finding ------------------------------------------------------------
kp inspection add --as ins --kind 暗访 --topic "国庆节前值班值守暗访" --team "市委督查室第一组" --start 2021-09-27 --end 2021-09-28
assert_rc "sup-2.1 inspection" 0
assert_contains "sup-2.1 output" "$out" "inspection 1: 暗访"
kp inspection add --as rep --kind 暗访 --topic x --team y --start 2021-09-27
assert_rc "sup-2.2 a reporter records no inspection" 1
kp finding add --as ins --unit 430421 --category 值班值守 --text "县应急局值班室22时无人接听" --days 5 \
  --inspection 1 --co 430422 --severity major --deduction 1 --place "县应急局" --lon 112.37 --lat 26.97
assert_rc "sup-2.3 finding recorded" 0
assert_contains "sup-2.3 output" "$out" "finding 1 recorded (已立项)"
assert_eq "sup-2.3 state" "registered" "$(field 1 .state)"
assert_eq "sup-2.3 co-handling unit" "430422" "$(field 1 '.co_units[0].unit')"
d0=$(denied)
kp finding add --as rep --unit 430421 --category 作风 --text x
assert_rc "sup-2.4 a reporter may not record a finding" 1
assert_eq "sup-2.4 refusal audited" "$((d0 + 1))" "$(denied)"
kp finding add --as ins --unit 999999 --category 作风 --text x
assert_rc "sup-2.5 unknown unit" 1
assert_contains "sup-2.5 says so" "$err" "no unit 999999"
kp finding add --as ins --unit 430421 --category 作风 --text x --severity grave
assert_rc "sup-2.6 bad severity" 1
kp finding add --as ins --unit 430421 --category 作风
assert_rc "sup-2.7 text required" 1
assert_contains "sup-2.7 names it" "$err" "text is required"

# ---- sup-3: scope ----------------------------------------------------------------------------
kp finding list --as rep
assert_contains "sup-3.1 not yet assigned: the unit does not see it" "$out" "0 findings"
kp finding show 1 --as rep
assert_rc "sup-3.2 nor show it" 1
d0=$(denied)
kp finding act 1 sign --as rep
assert_rc "sup-3.3 nor act on it" 1
assert_eq "sup-3.3 audited" "$((d0 + 1))" "$(denied)"

# ---- sup-4: assign ----------------------------------------------------------------------------
d0=$(denied)
kp finding act 1 assign --as rep
assert_rc "sup-4.1 a reporter cannot assign" 1
kp finding act 1 assign --as ldr
assert_rc "sup-4.1 nor a leader" 1
assert_contains "sup-4.1 says who may" "$err" "only for the supervision office"
assert_eq "sup-4.1 audited" "$((d0 + 2))" "$(denied)"
kp finding act 1 assign --as ins
assert_rc "sup-4.2 inspector assigns" 0
assert_contains "sup-4.2 due after National Day" "$out" "due 2021-10-11"
assert_eq "sup-4.2 sign due 2 working days" "2021-09-30" "$(field 1 .sign_due)"
kp finding act 1 assign --as ins
assert_rc "sup-4.3 assigning twice: wrong state" 1
assert_contains "sup-4.3 says the state" "$err" "finding 1 is assigned (已交办): assign (交办) does not apply"
kp finding show 1 --as rep3
assert_rc "sup-4.4 another unit never sees it" 1
assert_contains "sup-4.4 as if absent" "$err" "no finding 1"
kp finding list --as rep
assert_contains "sup-4.5 the lead unit sees it" "$out" "1 findings"
kp finding list --as rep2
assert_contains "sup-4.5 the co-handling unit sees it" "$out" "1 findings"
kp finding show 1 --as rep --format json
assert_eq "sup-4.6 the unit does not see the inspection" "null" "$(echo "$out" | jq -r .inspection)"
assert_eq "sup-4.6 the unit may sign" '["sign"]' "$(echo "$out" | jq -c .actions)"

# ---- sup-5: signing late --------------------------------------------------------------------
at 2021-09-30T15:59:59Z # 23:59:59 on 09-30 in China: the last second to sign
assert_eq "sup-5.1 not yet late" "false" "$(field 1 .sign_overdue)"
assert_eq "sup-5.1 3 working days left: blue" "blue" "$(field 1 .light)"
at 2021-09-30T16:00:00Z # 10-01 in China
assert_eq "sup-5.2 sign overdue at China midnight" "true" "$(field 1 .sign_overdue)"
assert_eq "sup-5.2 red" "red" "$(field 1 .light)"
assert_eq "sup-5.2 黄牌" "黄牌" "$(field 1 .level_label)"
kp finding act 1 sign --as rep2
assert_rc "sup-5.3 the co-handling unit does not sign" 1
assert_contains "sup-5.3 says who may" "$err" "only for the lead unit's reporters"
at 2021-10-08T01:00:00Z
kp finding act 1 sign --as rep
assert_rc "sup-5.4 the unit signs" 0
assert_eq "sup-5.4 signed late recorded" "1" "$(sql "SELECT sign_late FROM finding WHERE id = 1")"

# ---- sup-6: progress, instruction, request, return -----------------------------------------
kp finding act 1 report --as rep --progress 50
assert_rc "sup-6.1 a report needs a note" 1
assert_contains "sup-6.1 names it" "$err" "report (报送进展) needs note"
kp finding act 1 report --as rep --progress 50 --note "已明确专人24小时值守"
assert_rc "sup-6.2 progress report" 0
kp finding act 1 report --as rep2 --progress 60 --note "协办单位已配合排查"
assert_rc "sup-6.3 the co-handling unit reports too" 0
assert_eq "sup-6.3 progress" "60" "$(field 1 .progress)"
kp finding act 1 instruct --as ins --note x
assert_rc "sup-6.4 an inspector does not write instructions" 1
kp finding act 1 instruct --as ldr --note "请县政府主要负责同志督促整改到位"
assert_rc "sup-6.5 a leader's written instruction (领导批示)" 0
kp finding act 1 request_close --as rep2 --note x
assert_rc "sup-6.6 the co-handling unit does not ask to close" 1
kp finding act 1 request_close --as rep --note "已整改到位" --progress 100
assert_rc "sup-6.7 close request" 0
assert_contains "sup-6.7 state" "$out" "req_close (申请办结)"
kp finding act 1 approve --as rep
assert_rc "sup-6.8 the unit cannot approve itself" 1
kp finding act 1 return --as ins
assert_rc "sup-6.9 a return needs a reason" 1
kp finding act 1 return --as ins --note "值班记录不全，整改不到位"
assert_rc "sup-6.10 returned (驳回)" 0
assert_eq "sup-6.10 back in progress" "in_progress" "$(field 1 .state)"
assert_eq "sup-6.10 one return" "1" "$(field 1 .returns)"
assert_eq "sup-6.10 the close request is cleared" "null" "$(field 1 .requested_on)"

# ---- sup-7: overdue the moment the deadline passes ------------------------------------------
at 2021-10-11T15:59:59Z # 23:59:59 on the deadline day in China
kp finding list --overdue
assert_contains "sup-7.1 not overdue on the deadline day" "$out" "0 findings"
assert_eq "sup-7.1 behind time progress (100 % > 100 reported? no: 100 reported)" "false" "$(field 1 .overdue)"
at 2021-10-11T16:00:00Z # 10-12 in China
kp finding list --overdue
assert_contains "sup-7.2 overdue at China midnight" "$out" "1 findings"
assert_eq "sup-7.2 red" "red" "$(field 1 .light)"
assert_eq "sup-7.2 one working day overdue" "1" "$(field 1 .overdue_days)"
at 2021-10-19T02:00:00Z # 10-12..10-15, 10-18, 10-19: 6 working days overdue
assert_eq "sup-7.3 6 working days overdue" "6" "$(field 1 .overdue_days)"
assert_eq "sup-7.3 提级督办" "提级督办" "$(field 1 .level_label)"
assert_eq "sup-7.3 extra deduction" "1" "$(field 1 .extra_deduction)"
at 2021-10-12T02:00:00Z

# ---- sup-8: extension, close, verify, archive, reopen ----------------------------------------
kp finding act 1 request_extend --as rep --note "需更换值班设备"
assert_rc "sup-8.1 an extension needs a deadline" 1
assert_contains "sup-8.1 names it" "$err" "needs deadline"
kp finding act 1 request_extend --as rep --note x --deadline 2021-10-05
assert_rc "sup-8.2 a deadline before the current one" 1
kp finding act 1 request_extend --as rep --note "需更换值班设备" --deadline 2021-10-20
assert_rc "sup-8.3 extension requested" 0
kp finding act 1 approve --as ins
assert_rc "sup-8.4 extension approved" 0
assert_eq "sup-8.4 new deadline" "2021-10-20" "$(field 1 .due)"
assert_eq "sup-8.4 no longer overdue" "false" "$(field 1 .overdue)"
at 2021-10-13T02:00:00Z
kp finding act 1 request_close --as rep --note "设备已更换，制度已建立" --progress 100
assert_rc "sup-8.5 close requested" 0
kp finding act 1 approve --as ins
assert_rc "sup-8.6 approved: 已办结" 0
assert_eq "sup-8.6 closed" "closed" "$(field 1 .state)"
assert_eq "sup-8.6 not late" "false" "$(field 1 .finish_late)"
assert_eq "sup-8.6 no light any more" "none" "$(field 1 .light)"
kp finding act 1 verify --as ins
assert_rc "sup-8.7 verification needs the check's note" 1
kp finding act 1 verify --as ins --note "现场核查：值班到位" --public
assert_rc "sup-8.8 verified (验收销号)" 0
assert_eq "sup-8.8 public" "true" "$(field 1 .public)"
kp finding act 1 archive --as ins
assert_rc "sup-8.9 archived" 0
at 2021-11-01T02:00:00Z # Monday
kp finding act 1 reopen --as ins --note "回头看：值班室再次无人"
assert_rc "sup-8.10 reopening needs new days" 1
kp finding act 1 reopen --as ins --note "回头看：值班室再次无人" --days 3
assert_rc "sup-8.11 reopened (回头看)" 0
assert_eq "sup-8.11 due 3 working days later" "2021-11-04" "$(field 1 .due)"
assert_eq "sup-8.11 reopens" "1" "$(field 1 .reopens)"
assert_eq "sup-8.11 15 events" "15" "$(fjson 1 | jq '.events | length')"
assert_eq "sup-8.11 the timeline" "open assign sign report report instruct request_close return request_extend approve request_close approve verify archive reopen" \
  "$(fjson 1 | jq -r '[.events[].action] | join(" ")')"
assert_eq "sup-8.11 actors" "ins ins rep rep rep2 ldr rep ins rep ins rep ins ins ins ins" \
  "$(fjson 1 | jq -r '[.events[].actor] | join(" ")')"

# ---- sup-9: duplicates, suspension, partial ---------------------------------------------------
at 2021-11-02T02:00:00Z
for t in a b c d; do kp finding add --as ins --unit 430422 --category 作风 --text "问题$t" --days 10; done
assert_eq "sup-9.0 four more findings" "5" "$(sql "SELECT count(*) FROM finding")"
kp finding act 2 duplicate --as ins
assert_rc "sup-9.1 a duplicate needs what it duplicates" 1
kp finding act 2 duplicate --as ins --dup-of 2
assert_rc "sup-9.2 not of itself" 1
kp finding act 2 duplicate --as ins --dup-of 1
assert_rc "sup-9.3 duplicate of finding 1" 0
assert_eq "sup-9.3 dup_of" "1" "$(field 2 .dup_of)"
kp finding act 3 duplicate --as ins --dup-of-order 12345-2021110200017
assert_rc "sup-9.4 duplicate of a hotline work order" 0
kp finding act 4 assign --as ins && kp finding act 4 sign --as rep2
kp finding act 4 request_suspend --as rep2 --note "涉及省级审批，暂无法整改"
assert_rc "sup-9.5 suspension requested" 0
kp finding act 4 approve --as ins
assert_rc "sup-9.6 a suspension is approved with a note" 1
kp finding act 4 approve --as ins --note "同意中止，待省级批复后恢复"
assert_rc "sup-9.7 suspended" 0
assert_eq "sup-9.7 state" "suspended" "$(field 4 .state)"
kp finding act 5 assign --as ins && kp finding act 5 sign --as rep2
kp finding act 5 request_partial --as rep2 --note "第一阶段完成" --progress 40
kp finding act 5 approve --as ins
assert_rc "sup-9.8 partial close approved" 0
assert_eq "sup-9.8 阶段性办结" "阶段性办结" "$(field 5 .state_label)"
kp finding act 5 report --as rep2 --note "第二阶段推进中" --progress 70
assert_rc "sup-9.9 still reporting" 0

# ---- sup-10: escalation by returns -------------------------------------------------------------
for i in 1 2 3; do
  kp finding act 5 request_close --as rep2 --note "第${i}次申请办结"
  kp finding act 5 return --as ins --note "第${i}次驳回"
done
assert_eq "sup-10.1 three returns" "3" "$(field 5 .returns)"
assert_eq "sup-10.1 提级督办" "2" "$(field 5 .level)"

# ---- sup-11: lists -------------------------------------------------------------------------
kp finding list --unit 430422 --format json
assert_eq "sup-11.1 by unit" "4" "$(echo "$out" | jq .total)"
kp finding list --category 值班值守 --format json
assert_eq "sup-11.2 by category" "1" "$(echo "$out" | jq .total)"
kp finding list --state duplicate --format json
assert_eq "sup-11.3 by state" "2 3" "$(echo "$out" | jq -r '[.findings[].id] | sort | join(" ")')"
kp finding list --state 已中止 --format json
assert_eq "sup-11.3 by state label" "4" "$(echo "$out" | jq -r '.findings[0].id')"
kp finding list --open --format json
assert_eq "sup-11.4 open ones" "1 5" "$(echo "$out" | jq -r '[.findings[].id] | sort | join(" ")')"
kp finding list --per-page 2 --page 2 --format json
assert_eq "sup-11.5 page 2 of 2 per page" "3 2" "$(echo "$out" | jq -r '[.findings[].id] | join(" ")')"
assert_eq "sup-11.5 total" "5" "$(echo "$out" | jq .total)"
kp finding list --light purple
assert_rc "sup-11.6 bad light" 1
kp finding list --as rep3
assert_contains "sup-11.7 an unrelated unit sees nothing" "$out" "0 findings"
kp finding list --as rep2 --format json
assert_eq "sup-11.8 the co-handling unit sees 1 (co), 4, 5 (lead; 2 and 3 never assigned)" "1 4 5" \
  "$(echo "$out" | jq -r '[.findings[].id] | sort | join(" ")')"
kp inspection list --as rep
assert_rc "sup-11.9 a unit does not list inspections" 1

# ---- sup-12: audit -------------------------------------------------------------------------
assert_eq "sup-12.1 one audit record per event" \
  "$(sql "SELECT count(*) FROM finding_event")" \
  "$(sql "SELECT count(*) FROM audit WHERE event LIKE 'finding.%' AND outcome = 'ok'")"
assert_eq "sup-12.2 the return audited with its note" "值班记录不全，整改不到位" \
  "$(sql "SELECT json_extract(detail, '$.note') FROM audit WHERE event = 'finding.return' ORDER BY id LIMIT 1")"
# Refusals of a finding (role, state, missing field, not visible): 2.4, 3.2, 3.3, 4.1 (two),
# 4.3, 4.4, 5.3, 6.1, 6.4, 6.6, 6.8, 6.9, 8.1, 8.7, 8.10, 9.1, 9.6 = 18. Bad values (2.5-2.7,
# 8.2, 9.2) are input errors caught before any record is touched, not refusals.
assert_eq "sup-12.3 every refusal audited" "18" "$(denied)"
assert_eq "sup-12.3 the inspection refused to a reporter audited" "1" \
  "$(sql "SELECT count(*) FROM audit WHERE event = 'inspection.denied' AND actor = 'rep'")"
kp audit verify
assert_rc "sup-12.4 the chain verifies" 0
# ---- sup-13: key tasks ----------------------------------------------------------------------
at 2021-11-02T02:00:00Z # Tuesday
kp task add --as rep --title x --category 防汛 --lead 430421 --days 5
assert_rc "sup-13.1 a reporter assigns no task" 1
kp task add --as ldr --title "汛后水毁设施修复" --category 防汛 --lead 430421 --co 430422 --days 5 \
  --source "2021年第5次高质量发展点评会"
assert_rc "sup-13.2 a leader assigns a task" 0
# 11-03, 04, 05, 08, 09: 5 working days
assert_contains "sup-13.2 due in 5 working days" "$out" "due 2021-11-09"
kp task act 1 report --as rep3 --note x
assert_rc "sup-13.3 an unrelated unit cannot report" 1
assert_contains "sup-13.3 as if absent" "$err" "no task 1"
kp task act 1 report --as rep2 --note "协办：已完成排查" --progress 50
assert_rc "sup-13.4 the co-handling unit reports" 0
kp task act 1 report --as rep --progress 40
assert_rc "sup-13.5 a report needs a note" 1
kp task act 1 report --as rep --note "牵头：修复过半" --progress 60
assert_rc "sup-13.6 the lead unit reports" 0
assert_contains "sup-13.6 lead progress" "$out" "progress 60 %"
kp task act 1 request_close --as rep2 --note x
assert_rc "sup-13.7 only the lead unit asks to close" 1
kp task act 1 confirm --as rep
assert_rc "sup-13.8 the unit cannot confirm" 1
kp task act 1 request_close --as rep --note "修复完成" --progress 100
assert_rc "sup-13.9 close requested" 0
kp task act 1 confirm --as ins
assert_rc "sup-13.10 not the assigning office: refused" 1
assert_contains "sup-13.10 says who" "$err" "only for the office that assigned it"
kp task act 1 return --as ldr --note "缺少验收材料"
assert_rc "sup-13.11 the leader returns it" 0
at 2021-11-09T15:59:59Z
kp task list
assert_contains "sup-13.12 not overdue on the deadline day" "$out" "1 tasks, 0 overdue"
at 2021-11-09T16:00:00Z
kp task list
assert_contains "sup-13.13 overdue the moment the deadline passes" "$out" "1 tasks, 1 overdue"
assert_contains "sup-13.13 red" "$out" "red"
kp task list --as rep3
assert_contains "sup-13.14 an unrelated unit sees no task" "$out" "0 tasks"
kp task act 1 request_close --as rep --note "验收材料已补齐"
kp task act 1 confirm --as ldr
assert_rc "sup-13.15 confirmed by the leader: closed" 0
kp task show 1 --format json
assert_eq "sup-13.15 state" "closed" "$(echo "$out" | jq -r .state)"
assert_eq "sup-13.15 timeline" "assign report report request_close return request_close confirm" \
  "$(echo "$out" | jq -r '[.events[].action] | join(" ")')"
assert_eq "sup-13.15 finished late (requested 11-10, due 11-09)" "true" "$(echo "$out" | jq -r .finish_late)"
# Refused: 13.1 (assign), 13.3, 13.5, 13.7, 13.8, 13.10 = 6.
assert_eq "sup-13.16 task refusals audited" "6" "$(sql "SELECT count(*) FROM audit WHERE event = 'task.denied'")"
assert_eq "sup-13.16 task changes audited" "$(sql "SELECT count(*) FROM task_event")" \
  "$(sql "SELECT count(*) FROM audit WHERE event LIKE 'task.%' AND outcome = 'ok'")"
# ---- sup-14: findings in the review -----------------------------------------------------------
export KAOPING_DB="$T/k2.db"
at 2021-09-01T02:00:00Z
kp init
kp unit import "$KAOPING_SHARED/data/units.csv"
for u in "ins inspector -" "rep reporter 430421"; do
  set -- $u
  if [ "$3" == "-" ]; then kp user add "$1" --role "$2"; else kp user add "$1" --role "$2" --unit "$3"; fi
done
kp calendar import "$ROOT/data/calendar/cn-2021.csv"
cat >"$T/sup-scheme.json" <<'JSON'
{"code": "SUP", "name": "督查测试方案", "year": 2021, "aggregation": "points", "total": 100,
 "grades": {"by": "score", "levels": [[90, "优秀"], [60, "一般"], [null, "较差"]]},
 "indicators": [
  {"code": "E1", "name": "经济运行", "weight": 100, "method": "minmax"},
  {"code": "D1", "name": "暗访督查问题扣分", "method": "deduct", "params": {"per_event": 1, "cap": 5}},
  {"code": "V1", "name": "重大安全生产事故", "method": "veto"}],
 "supervision": {"map": {"值班值守": "D1", "作风": "D1", "安全生产事故": "V1"},
                 "escalation_deduct": [0, 0.5, 1]}}
JSON
sed 's/"安全生产事故": "V1"/"安全生产事故": "E1"/' "$T/sup-scheme.json" >"$T/sup-bad.json"
kp scheme validate "$T/sup-bad.json"
assert_rc "sup-14.1 a map onto a weighted leaf is refused" 1
assert_contains "sup-14.1 says why" "$err" "leaf E1 must use the deduct or veto method"
kp scheme import "$T/sup-scheme.json"
assert_rc "sup-14.2 scheme with a supervision map" 0
kp period open 2021-B4 --scheme SUP
kp period open 2021-B5 --scheme SUP
(echo unit,indicator,value; cut -d, -f1 "$KAOPING_SHARED/data/units.csv" | tail -n +2 | sed 's/$/,E1,10/') >"$T/e1.csv"
kp data import "$T/e1.csv" --period 2021-B5
assert_rc "sup-14.3 values" 0
fadd() { kp finding add --as ins --unit "$1" --category "$2" --text "$3" --days "$4" --deduction "$5"; }
at 2021-08-10T02:00:00Z
fadd 430424 作风 "七月问题(上一期)" 10 0.5 && kp finding act 1 assign --as ins
at 2021-09-28T02:00:00Z
fadd 430421 值班值守 "值班室无人" 5 1 && kp finding act 2 assign --as ins   # due 10-11
fadd 430421 作风 "上班时间玩游戏" 10 0.5 && kp finding act 3 assign --as ins  # due 10-18
kp finding act 3 sign --as rep # signed in time: no 黄牌 (finding 2 is never signed)
fadd 430422 值班值守 "未交办的问题" 5 0.5                                      # never assigned
fadd 430423 安全生产事故 "较大生产安全事故" 5 0 && kp finding act 5 assign --as ins
fadd 430421 值班值守 "重复" 5 1 && kp finding act 6 assign --as ins && kp finding act 6 duplicate --as ins --dup-of 2
at 2021-10-12T02:00:00Z # finding 2 is 1 working day overdue: 黄牌 (+0.5); finding 3 on time
kp finding sync 2021-B5 --as rep
assert_rc "sup-14.4 a reporter cannot write findings into a period" 1
kp finding sync 2021-B5 --as ins
assert_rc "sup-14.5 sync" 0
# 430421: finding 2 (1 + 0.5 黄牌) + finding 3 (0.5) = 2; finding 6 is a duplicate, finding 4
# never assigned, finding 1 (430424) was assigned in B4: D1 = 0 there.
assert_contains "sup-14.5 430421 D1" "$out" "430421 D1 2"
assert_contains "sup-14.5 430423 V1" "$out" "430423 V1 1"
assert_not_contains "sup-14.5 430424 nothing in B5" "$out" "430424 D1"
assert_contains "sup-14.5 one value per unit and leaf (16 x 2)" "$out" "32 values written, 0 unchanged"
assert_eq "sup-14.5 provenance finding" "32" "$(sql "SELECT count(*) FROM observation WHERE provenance = 'finding' AND state = 'verified'")"
kp finding sync 2021-B5 --as ins
assert_contains "sup-14.6 again: nothing changed" "$out" "0 values written, 32 unchanged"
kp review compute 2021-B5
assert_rc "sup-14.7 review" 0
kp review show 2021-B5 --unit 430421 --format json
assert_eq "sup-14.7 430421 total 100 - 2" "98" "$(echo "$out" | jq '.total')"
assert_eq "sup-14.7 430421 deduct 2" "2" "$(echo "$out" | jq '.deduct')"
kp review show 2021-B5 --unit 430423 --format json
assert_eq "sup-14.8 430423 vetoed" '["VETO"]' "$(echo "$out" | jq -c '.flags')"
assert_eq "sup-14.8 lowest grade" "较差" "$(echo "$out" | jq -r '.grade')"
kp finding sync 2021-B4 --as ins
# Finding 1 (0.5 points) was due 08-24 and is still open on 10-12: far more than 5 working
# days overdue, 提级督办, +1: 1.5.
assert_contains "sup-14.9 B4: 430424's August finding, escalated" "$out" "430424 D1 1.5"
kp finding act 3 request_close --as rep --note "已整改"
kp finding act 3 return --as ins --note "缺少佐证材料"
kp finding act 3 request_close --as rep --note "已补充佐证"
kp finding act 3 approve --as ins
kp report --period 2021-B5 --format md -o "$T/b5.md"
assert_rc "sup-14.10 bulletin" 0
md=$(cat "$T/b5.md")
# Handed over in B5 (09-01..10-31): findings 2, 3, 5 (6 is a duplicate, 4 never assigned, 1
# in August). 2: overdue; 3: returned once, then closed before its deadline (on time); 5:
# never signed (sign overdue).
assert_contains "sup-14.10 section" "$md" "## 暗访督查情况通报"
assert_contains "sup-14.10 summary" "$md" "统计截至 2021-10-12 (2021-09-01 – 2021-10-31): 3, 按期整改 1, 逾期 2, 被驳回 1, 未办结 2."
assert_contains "sup-14.10 unit total" "$md" "| 衡阳县 | 合计 | 2 | 1 | 1 | 1 | 1 |"
assert_contains "sup-14.10 by category" "$md" "| 衡阳县 | 值班值守 | 1 | 0 | 1 | 0 | 1 |"
assert_contains "sup-14.10 returned, then on time" "$md" "| 衡阳县 | 作风 | 1 | 1 | 0 | 1 | 0 |"
assert_contains "sup-14.10 never signed" "$md" "| 衡山县 | 安全生产事故 | 1 | 0 | 1 | 0 | 1 |"
kp report --period 2021-B5 --format html -o "$T/b5.html"
assert_contains "sup-14.11 HTML section" "$(cat "$T/b5.html")" '<section id="supervision"'
# ---- sup-15: industrial projects ---------------------------------------------------------------
export KAOPING_DB="$T/k3.db"
at 2021-03-01T02:00:00Z
kp init
kp unit import "$KAOPING_SHARED/data/units.csv"
kp user add rep --role reporter --unit 430421
cat >"$T/prj-scheme.json" <<'JSON'
{"code": "PRJ", "name": "项目测试方案", "year": 2021, "aggregation": "points", "total": 100,
 "indicators": [
  {"code": "P1", "name": "投资完成率", "unit": "%", "weight": 60, "method": "minmax"},
  {"code": "P2", "name": "开工率", "unit": "%", "weight": 40, "method": "minmax"}],
 "supervision": {"projects": {"invest_rate": "P1", "start_rate": "P2"}}}
JSON
kp scheme import "$T/prj-scheme.json"
assert_rc "sup-15.1 scheme mapping project figures" 0
kp period open 2021-B3 --scheme PRJ
kp project add --as rep --code XM-01 --name x --unit 430421 --industry 制造业 --total 20 --year 2021 --annual-plan 10
assert_rc "sup-15.2 a reporter keeps no registry" 1
kp project add --code XM-01 --name "年产10万吨新材料项目" --unit 430421 --industry 新材料 --total 30 \
  --year 2021 --annual-plan 10 --plan-start 2021-03-01 --started 2021-03-20 --plan-produce 2021-12-01 \
  --lon 112.4 --lat 26.9 --stream https://live.example.cn/xm01
assert_rc "sup-15.3 project A" 0
kp project add --code XM-02 --name "智能装备产业园" --unit 430421 --industry 装备制造 --total 12 \
  --year 2021 --annual-plan 6 --plan-start 2021-06-15 --plan-produce 2021-06-30
assert_rc "sup-15.4 project B" 0
kp project add --code XM-03 --name "冷链物流中心" --unit 430424 --industry 物流 --total 8 --year 2021 \
  --annual-plan 8 --stream "javascript:alert(1)"
assert_rc "sup-15.5 a stream address that is not http(s) is refused" 1
assert_contains "sup-15.5 says so" "$err" "stream_url must be an http:// or https:// address"
kp project add --code XM-03 --name "冷链物流中心" --unit 430424 --industry 物流 --total 8 --year 2021 --annual-plan 8
kp project add --code XM-03 --name again --unit 430424 --industry 物流 --total 8 --year 2021 --annual-plan 8
assert_rc "sup-15.6 a code is unique" 1
kp project progress 1 --as rep --period 2021-B1 --completed 1.5
kp project progress 1 --as rep --period 2021-B2 --completed 1.5
kp project progress 1 --as rep --period 2021-B3 --completed 1
kp project progress 2 --as rep --period 2021-B3 --completed 3.5 --note "主体厂房封顶"
assert_rc "sup-15.7 the unit reports its investment" 0
kp project progress 3 --as rep --period 2021-B3 --completed 2
assert_rc "sup-15.8 not another unit's project" 1
kp project progress 1 --as rep --period 2021-B2 --completed 1.5 --note "复核后不变"
assert_rc "sup-15.9 reporting a period again replaces it" 0
# 2021-B3 (May-Jun): time progress 6/12 = 50 %. A: 1.5 + 1.5 + 1 = 4 of 10 = 40 %: lagging;
# B: 3.5 of 6 = 58.3 %. 430421: 7.5 / 16 = 46.875 %; start: A started, B (due 06-15) not:
# 50 %; produce: B due 06-30, not producing: 0 %.
kp project list --period 2021-B3 --format json
assert_eq "sup-15.10 A lags" "true" "$(echo "$out" | jq '.projects[] | select(.code=="XM-01") | .lagging')"
assert_eq "sup-15.10 B does not" "false" "$(echo "$out" | jq '.projects[] | select(.code=="XM-02") | .lagging')"
assert_eq "sup-15.10 B not started although due" "true" "$(echo "$out" | jq '.projects[] | select(.code=="XM-02") | .start_overdue')"
assert_eq "sup-15.11 430421 rates" "46.875 50 0 1" \
  "$(echo "$out" | jq -r '.units[] | select(.unit=="430421") | "\(.invest_rate) \(.start_rate) \(.produce_rate) \(.lagging)"')"
assert_eq "sup-15.11 430424: nothing done of 8" "0 null" \
  "$(echo "$out" | jq -r '.units[] | select(.unit=="430424") | "\(.invest_rate) \(.start_rate)"')"
assert_eq "sup-15.12 the site link" "https://live.example.cn/xm01" "$(echo "$out" | jq -r '.projects[0].stream_url')"
kp project list --period 2021-B2 --format json
# 2021-B2 (Mar-Apr): time 4/12 = 33.3 %; A 3 of 10 = 30 %: lagging; B 0 of 6: lagging.
assert_eq "sup-15.13 B2: both lag" "2" "$(echo "$out" | jq '.units[] | select(.unit=="430421") | .lagging')"
kp project list --period 2021-B3 --as rep --format json
assert_eq "sup-15.14 a reporter sees its unit's projects" "XM-01 XM-02" "$(echo "$out" | jq -r '[.projects[].code] | join(" ")')"
kp project sync 2021-B3
assert_rc "sup-15.15 project figures into the period" 0
assert_contains "sup-15.15 three values (invest: 430421, 430424; start: 430421 only, nothing due at 430424)" "$out" "3 values written"
assert_eq "sup-15.15 provenance project" "46.875" \
  "$(sql "SELECT value FROM observation WHERE provenance = 'project' AND unit = '430421' AND indicator = 'P1'")"
kp review compute 2021-B3
kp review show 2021-B3 --unit 430421 --format json
assert_eq "sup-15.16 the review uses the figure" "46.875" "$(echo "$out" | jq '.indicators[] | select(.code=="P1") | .value')"
# two syncs: `project sync`, then the one `review compute` runs first (review_sources.c)
assert_eq "sup-15.17 audited (5 reports, 3 projects, 2 syncs)" "5|3|2" "$(sql "SELECT sum(event = 'project.progress'), sum(event = 'project.add'), sum(event = 'project.sync') FROM audit")"
kp report --period 2021-B3 --format md -o "$T/b3.md"
assert_contains "sup-15.18 the bulletin lists lagging projects per unit" "$(cat "$T/b3.md")" "| 衡阳县 | 2 | 1 | 46.88% |"
assert_contains "sup-15.18 and a unit with nothing done" "$(cat "$T/b3.md")" "| 衡东县 | 1 | 1 | 0.00% |"
assert_eq "sup-15.19 refusals audited (15.2 registry, 15.8 another unit's project)" "2" \
  "$(sql "SELECT count(*) FROM audit WHERE event = 'project.denied' AND actor = 'rep'")"
finish

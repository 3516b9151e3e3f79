#!/usr/bin/env bash
# entry-1.x .. entry-14.x: data entry and the period workflow over HTTP (issue 3, part 4, and
# the server side of part 5), on the real server (`kaoping serve`) with a temporary copy of
# the synthetic demo (`kaoping demo`: one account per role, logins in demo-logins.txt):
#   entry-1  the assessor opens a period (POST /api/periods)
#   entry-2  the reporter's grid: own unit, hints, previous value; another unit is 403, audited
#   entry-3  saving drafts; validation errors with field names (type, range, not applicable,
#            unknown unit, category); closed period later (entry-9)
#   entry-4  scope: reporter writing another unit (403, audited, nothing written), sysadmin /
#            assessor / leader writing data (403 2004), missing CSRF (403 2005)
#   entry-5  providers: assignment (API and `kaoping provider list`), column of one indicator,
#            writing outside it (403); department indicators are read-only for the unit
#   entry-6  upload: a bad row gives 422 with file, line, column and nothing is written; a
#            good file imports drafts
#   entry-7  submit, progress
#   entry-8  assessor return with a reason (the unit sees it), fix, resubmit, verify, locked
#   entry-9  close; entry refused in a closed period; compute; publish
#   entry-10 comments (点评意见)
#   entry-11 downloads: PDF, XLSX, CSV with Content-Type and Content-Disposition
#   entry-12 units and trend
#   entry-13 audit records of all of the above; the chain verifies
#   entry-14 clean stop, no sanitizer report (run it with KAOPING=build-asan/kaoping too)
# The assessor and the administrators sign in with two steps (codes from oathtool).
# The server is always stopped at exit (trap). Needs curl, jq, sqlite3 and oathtool.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh

for tool in curl jq sqlite3; do
  command -v "$tool" >/dev/null || { echo "FAIL entry-0 $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
done

T=$(mktemp -d)
DB=$T/k.db
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT

# ---- fixtures -------------------------------------------------------------------------
run_kp demo --db "$DB"
assert_eq "entry-0.1 demo database" 0 "$rc"
[ -f "$T/demo-logins.txt" ] || { fail "entry-0.2 demo-logins.txt written" "$(ls "$T")"; finish; exit 1; }
# "  NAME  PASSWORD  DISPLAY" after a title line; the accounts with a second factor have
# deeper-indented lines below theirs, "TOTP secret  BASE32 ...", "TOTP URI ...", "code now ..."
declare -A PW SECRET
while IFS= read -r line; do
  case $line in
    "             TOTP secret "*) read -r _ _ sec _ <<<"$line"; SECRET[$name]=$sec ;;
    "  "[a-z]*) read -r name pw _ <<<"$line"; PW[$name]=$pw ;;
  esac
done < <(tail -n +2 "$T/demo-logins.txt")
assert_eq "entry-0.2 demo logins for every role" "8" "${#PW[@]}"
assert_eq "entry-0.2b a second factor for the assessor and the three administrators" \
  "auditor kpb secadmin sysadmin" "$(printf '%s\n' "${!SECRET[@]}" | sort | tr '\n' ' ' | sed 's/ $//')"

# The demo's world is 2021: its accounts' passwords were set in September 2021 and would count
# as expired today under the 90-day rule (a forced change is http.sh's subject, not this one's).
"$KAOPING" user policy password_max_age_days 0 --db "$DB" >/dev/null
mkdir -p "$T/tmp"   # the server's TMPDIR: uploads and PDF/XLSX renderings pass through it
TMPDIR=$T/tmp "$KAOPING" serve --db "$DB" --port 0 --threads 4 >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT
assert_contains "entry-0.3 server listens" "$(cat "$T/serve.out")" "listening on http://127.0.0.1:"

# login USER: status; cookie jar T/USER.jar; CSRF token in T/USER.csrf. An account with a
# second factor sends its code (oathtool) as the second step.
login() {
  local u=$1 s pend
  s=$(curl -s -o "$T/out" -w '%{http_code}' -c "$T/$u.jar" -H 'Content-Type: application/json' \
        --data-binary "$(jq -cn --arg u "$u" --arg p "${PW[$u]}" '{username: $u, password: $p}')" "$B/api/login")
  if [ "$s" = 200 ] && [ -n "${SECRET[$u]-}" ]; then
    [ "$(jq -r '.status // empty' "$T/out")" = totp_required ] || { echo "no-second-step"; return; }
    pend=$(jq -r .pending_token "$T/out")
    s=$(curl -s -o "$T/out" -w '%{http_code}' -c "$T/$u.jar" -H 'Content-Type: application/json' \
          --data-binary "{\"pending_token\":\"$pend\",\"code\":\"$(totp_fresh "${SECRET[$u]}" "$T/$u.step")\"}" \
          "$B/api/login/totp")
  fi
  jq -r '.csrf_token // empty' "$T/out" > "$T/$u.csrf" 2>/dev/null
  echo "$s"
}
# req USER METHOD PATH [BODY] [extra curl args]: status; body in T/out, headers in T/hdr
req() {
  local u=$1 m=$2 p=$3 body=${4-}
  shift 3; [ $# -gt 0 ] && shift
  local jar=() data=()
  [ "$u" != - ] && jar=(-b "$T/$u.jar" -c "$T/$u.jar" -H "X-CSRF-Token: $(cat "$T/$u.csrf" 2>/dev/null)")
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' "${jar[@]}" "${data[@]}" -X "$m" "$@" "$B$p"
}
# upload USER PERIOD FILE NAME: status
upload() {
  curl -s -o "$T/out" -w '%{http_code}' -b "$T/$1.jar" -H "X-CSRF-Token: $(cat "$T/$1.csrf")" \
       -H 'Content-Type: text/csv' --data-binary "@$3" "$B/api/periods/$2/upload?filename=$4"
}
code() { jq -r '.code // empty' "$T/out" 2>/dev/null; }
field() { jq -r '.field // empty' "$T/out" 2>/dev/null; }
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
sql() { sqlite3 "$DB" "$1"; }

bad=""
for u in kpb leader hengyang tongji ducha sysadmin secadmin auditor; do
  s=$(login "$u"); [ "$s" = 200 ] || bad+="$u:$s "
done
assert_eq "entry-0.4 every demo account signs in" "" "$bad"

P=2021-B5
REP=hengyang   # reporter of 430421 衡阳县
OTHER=430422   # 衡南县, same peer group

# ---- entry-1 open a period ----------------------------------------------------------------
s=$(req kpb POST /api/periods "{\"period\":\"$P\",\"scheme\":\"HY2021\",\"deadline\":\"2021-11-10\"}")
assert_eq "entry-1.1 assessor opens $P (201)" "201 open HY2021@1" "$s $(jq -r '.state + " " + .scheme' "$T/out")"
s=$(req kpb POST /api/periods "{\"period\":\"$P\",\"scheme\":\"HY2021\"}")
assert_eq "entry-1.2 opening it again: 409 4002" "409 4002" "$s $(code)"
s=$(req kpb POST /api/periods '{"period":"2021-B6","scheme":"HY2021","deadline":"2021-02-30"}')
assert_eq "entry-1.3 an impossible deadline: 400 3003 deadline" "400 3003 deadline" "$s $(code) $(field)"
s=$(req kpb POST /api/periods '{"period":"2022-B1","scheme":"HY2021"}')
assert_eq "entry-1.4 a scheme of another year: 400 3003 scheme" "400 3003 scheme" "$s $(code) $(field)"
s=$(req kpb POST /api/periods '{"period":"2021-B6","scheme":"HY2021","owner":"x"}')
assert_eq "entry-1.5 unknown field refused (no mass assignment)" "400 3004" "$s $(code)"

# ---- entry-2 the reporter's grid --------------------------------------------------------------
s=$(req $REP GET /api/periods/$P/entry)
assert_eq "entry-2.1 reporter's grid (own unit, no parameter)" "200 430421" "$s $(jq -r .unit "$T/out")"
assert_eq "entry-2.2 35 indicators apply to a county" 35 "$(jq '.rows | length' "$T/out")"
assert_eq "entry-2.3 all empty in a new period" "empty" "$(jq -r '[.rows[].state] | unique | join(",")' "$T/out")"
assert_eq "entry-2.4 manual D3: hints 0..2 (its weight), unit 分" "0 2 分 manual" \
  "$(jq -r '.rows[] | select(.indicator=="D3") | "\(.hints.min) \(.hints.max) \(.unit_of_measure) \(.method)"' "$T/out")"
assert_eq "entry-2.5 deduct C1: whole numbers >= 0" "0 true" \
  "$(jq -r '.rows[] | select(.indicator=="C1") | "\(.hints.min) \(.hints.integer)"' "$T/out")"
assert_eq "entry-2.6 last period's value and the target are in the row" "true true" \
  "$(jq -r '.rows[] | select(.indicator=="E5") | "\(.previous != null) \(.target != null)"' "$T/out")"
assert_eq "entry-2.7 previous period is 2021-B4; rows are editable" "2021-B4 true" \
  "$(jq -r '"\(.previous_period) \(all(.rows[]; .editable))"' "$T/out")"
s=$(req $REP GET "/api/periods/$P/entry?unit=$OTHER")
assert_eq "entry-2.8 reporter asking for another unit: 403 2012 unit" "403 2012 unit" "$s $(code) $(field)"
n=$(sql "select count(*) from audit where actor='$REP' and event='entry.denied' and outcome='denied'")
assert_eq "entry-2.9 ... and the refusal is audited" 1 "$n"
s=$(req kpb GET "/api/periods/$P/entry?unit=$OTHER")
assert_eq "entry-2.10 assessor reads any unit's grid (read-only)" "200 false" "$s $(jq '[.rows[].editable] | any' "$T/out")"
s=$(req kpb GET /api/periods/$P/entry)
assert_eq "entry-2.11 assessor must name a unit or an indicator" "400 3002" "$s $(code)"
s=$(req ducha GET "/api/periods/$P/entry?unit=430421")
assert_eq "entry-2.12 inspector has no entry grid (403 2004)" "403 2004" "$s $(code)"
s=$(req $REP GET "/api/periods/$P/entry?unit=430421&x=1")
assert_eq "entry-2.13 undeclared parameter refused" "400 3006" "$s $(code)"
n=$(sql "select count(*) from audit where event='entry.read' and actor='$REP'")
assert_eq "entry-2.14 reading the grid is audited (sensitive read)" 1 "$([ "$n" -ge 1 ] && echo 1 || echo "$n")"

# ---- entry-3 drafts and validation ---------------------------------------------------------------
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E1","value":12.5,"note":"快报数"},{"unit":"430421","indicator":"D3","value":1.5},{"unit":"430421","indicator":"C1","value":2},{"unit":"430421","indicator":"E2","value":null}]}')
assert_eq "entry-3.1 four drafts saved" "200 4 0" "$s $(jq -r '"\(.saved) \(.unchanged)"' "$T/out")"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E1","value":12.5,"note":"快报数"}]}')
assert_eq "entry-3.2 the same draft again: unchanged, no new revision" "200 0 1" "$s $(jq -r '"\(.saved) \(.unchanged)"' "$T/out")"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E1","value":13}]}')
assert_eq "entry-3.3 a change is a new revision (2)" "200 2" "$s $(jq -r '.rows[0].revision' "$T/out")"
assert_eq "entry-3.4 revisions are kept (append-only)" "1:12.5 2:13.0" \
  "$(sql "select group_concat(revision || ':' || value, ' ') from (select * from observation where period='$P' and unit='430421' and indicator='E1' order by revision)")"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E3","value":"abc"}]}')
assert_eq "entry-3.5 a string value: 400 3003 items[0].value" "400 3003 items[0].value" "$s $(code) $(field)"
assert_contains "entry-3.6 ... the message says a number is expected" "$(jq -r .message "$T/out")" "must be a number"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"D3","value":5}]}')
assert_eq "entry-3.7 manual points above the weight: 400 items[0].value" "400 3003 items[0].value" "$s $(code) $(field)"
assert_contains "entry-3.8 ... the message gives the range" "$(jq -r .message "$T/out")" "0 to 2"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"C1","value":1.5}]}')
assert_eq "entry-3.9 a count of 1.5 events: 400 items[0].value" "400 3003 items[0].value" "$s $(code) $(field)"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"Y1","value":3}]}')
assert_eq "entry-3.10 a park indicator for a county (not applicable): 400 items[0].indicator" \
  "400 3003 items[0].indicator" "$s $(code) $(field)"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"NOPE","value":3}]}')
assert_eq "entry-3.11 unknown indicator: 400 items[0].indicator" "400 3003 items[0].indicator" "$s $(code) $(field)"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E4","value":1},{"unit":"430421","indicator":"E5","value":true},{"unit":"430421","indicator":"D3","value":-1}]}')
assert_eq "entry-3.12 every problem is listed (errors[]), first in field" "400 items[1].value items[1].value,items[2].value" \
  "$s $(field) $(jq -r '[.errors[].field] | join(",")' "$T/out")"
assert_eq "entry-3.13 ... and nothing of that batch was saved (E4 still empty)" 0 \
  "$(sql "select count(*) from observation where period='$P' and unit='430421' and indicator='E4'")"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E4"}]}')
assert_eq "entry-3.14 value is required (null for missing)" "400 3002 items[0].value" "$s $(code) $(field)"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E4","value":1,"state":"verified"}]}')
assert_eq "entry-3.15 an item may not set its state" "400 3004" "$s $(code)"
s=$(req $REP POST /api/periods/2021-B3/entry '{"items":[{"unit":"430421","indicator":"E4","value":1}]}')
assert_eq "entry-3.16 a published period refuses entry: 409 4003 period" "409 4003 period" "$s $(code) $(field)"

# ---- entry-4 scope ------------------------------------------------------------------------------
before=$(sql "select count(*) from observation where period='$P'")
s=$(req $REP POST /api/periods/$P/entry "{\"items\":[{\"unit\":\"430421\",\"indicator\":\"E4\",\"value\":1},{\"unit\":\"$OTHER\",\"indicator\":\"E1\",\"value\":99}]}")
assert_eq "entry-4.1 reporter writing another unit's value: 403 2012" "403 2012" "$s $(code)"
assert_eq "entry-4.2 ... nothing of the batch was written" "$before" "$(sql "select count(*) from observation where period='$P'")"
n=$(sql "select count(*) from audit where actor='$REP' and event='entry.denied' and outcome='denied' and detail like '%$OTHER%'")
assert_eq "entry-4.3 ... and it is audited" 1 "$n"
s=$(req sysadmin POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E4","value":1}]}')
assert_eq "entry-4.4 sysadmin changing data: 403 2004" "403 2004" "$s $(code)"
s=$(req sysadmin POST /api/periods/$P/upload '' --data-binary 'unit,indicator,value')
assert_eq "entry-4.5 sysadmin uploading: 403 2004" "403 2004" "$s $(code)"
s=$(req kpb POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E4","value":1}]}')
assert_eq "entry-4.6 assessor has no data capability: 403 2004" "403 2004" "$s $(code)"
s=$(req leader POST /api/periods/$P/entry/submit '{}')
assert_eq "entry-4.7 leader cannot submit: 403 2004" "403 2004" "$s $(code)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/$REP.jar" -H 'Content-Type: application/json' \
     --data-binary '{"items":[{"unit":"430421","indicator":"E4","value":1}]}' "$B/api/periods/$P/entry")
assert_eq "entry-4.8 no CSRF token: 403 2005" "403 2005" "$s $(code)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/$REP.jar" -H 'X-CSRF-Token: deadbeef' -H 'Content-Type: text/csv' \
     --data-binary 'unit,indicator,value' "$B/api/periods/$P/upload?filename=a.csv")
assert_eq "entry-4.9 upload with a wrong CSRF token: 403 2005" "403 2005" "$s $(code)"
n=$(sql "select count(*) from audit where event='access.denied' and actor='sysadmin' and object like 'route:POST /api/periods/%'")
assert_eq "entry-4.10 the sysadmin's refusals are audited" 2 "$n"
assert_eq "entry-4.11 none of these wrote a value" "$before" "$(sql "select count(*) from observation where period='$P'")"

# ---- entry-5 providers ----------------------------------------------------------------------------
s=$(req kpb POST /api/providers/tongji/indicators '{"indicators":["E2","E3"]}')
assert_eq "entry-5.1 assessor assigns E2, E3 to the provider tongji" "200 E2,E3" "$s $(jq -r '.indicators | join(",")' "$T/out")"
run_kp provider list tongji --db "$DB"
assert_eq "entry-5.1b the CLI shows the same assignment" "tongji           E2 E3" "$out"
s=$(req kpb GET /api/providers/tongji/indicators)
assert_eq "entry-5.1c ... and so does GET" "200 E2,E3" "$s $(jq -r '.indicators | join(",")' "$T/out")"
s=$(req kpb POST /api/providers/hengyang/indicators '{"indicators":["E2"]}')
assert_eq "entry-5.2 only a provider account gets indicators (404)" "404 4001" "$s $(code)"
s=$(req tongji GET /api/periods/$P/entry)
assert_eq "entry-5.3 provider's grid: its two indicators for every unit they apply to" "200 E2,E3 true" \
  "$s $(jq -r '"\([.rows[].indicator] | unique | join(",")) \((.rows | length) > 20)"' "$T/out")"
s=$(req tongji GET "/api/periods/$P/entry?indicator=E3")
assert_eq "entry-5.4 provider's column of E3 (all units)" "200 E3" "$s $(jq -r '[.rows[].indicator] | unique | join(",")' "$T/out")"
s=$(req tongji GET "/api/periods/$P/entry?indicator=E1")
assert_eq "entry-5.5 provider asking for an indicator not assigned: 403 2012" "403 2012 indicator" "$s $(code) $(field)"
s=$(req tongji POST /api/periods/$P/entry "{\"items\":[{\"unit\":\"$OTHER\",\"indicator\":\"E1\",\"value\":5}]}")
assert_eq "entry-5.6 provider writing outside its indicators: 403 2012" "403 2012" "$s $(code)"
s=$(req tongji POST /api/periods/$P/entry "{\"items\":[{\"unit\":\"$OTHER\",\"indicator\":\"E3\",\"value\":5.5},{\"unit\":\"430421\",\"indicator\":\"E3\",\"value\":6}]}")
assert_eq "entry-5.7 provider writes its indicator for two units" "200 2" "$s $(jq -r .saved "$T/out")"
assert_eq "entry-5.8 ... with provenance department" "department" \
  "$(sql "select provenance from observation where period='$P' and unit='$OTHER' and indicator='E3'")"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E3","value":1}]}')
assert_eq "entry-5.9 the unit no longer enters E3 (department data): 403 2012" "403 2012" "$s $(code)"
s=$(req $REP GET "/api/periods/$P/entry?unit=430421")
assert_eq "entry-5.10 ... it reads the department's value, read-only" "6 false department" \
  "$(jq -r '.rows[] | select(.indicator=="E3") | "\(.value) \(.editable) \(.entered_in)"' "$T/out")"

# ---- entry-6 upload ----------------------------------------------------------------------------------
printf 'unit,indicator,value,note\n430421,E4,7.5,ok\n430421,E5,abc,\n%s,E6,50,\n430421,Y1,3,\n' "$OTHER" > "$T/bad.csv"
before=$(sql "select count(*) from observation where period='$P'")
s=$(upload $REP $P "$T/bad.csv" "县报.csv")
assert_eq "entry-6.1 upload with bad rows: 422 4004" "422 4004" "$s $(code)"
assert_eq "entry-6.2 ... the report names file, line and column of each bad row" \
  "县报.csv:3:3 县报.csv:4:1 县报.csv:5:3" \
  "$(jq -r '[.report[] | "\(.file):\(.line):\(.column)"] | join(" ")' "$T/out")"
assert_contains "entry-6.3 ... with the reason" "$(jq -r '.report[0].reason' "$T/out")" "not a number"
assert_contains "entry-6.4 ... another unit's row is a bad row" "$(jq -r '.report[1].reason' "$T/out")" "own unit"
assert_eq "entry-6.5 ... and nothing was written" "$before" "$(sql "select count(*) from observation where period='$P'")"
printf '单位代码,指标代码,数值,备注\n430421,E4,7.5,ok\n430421,E5,16.2,\n430421,E6,74,\n' > "$T/good.csv"
s=$(upload $REP $P "$T/good.csv" "good.csv")
assert_eq "entry-6.6 a good file (Chinese headers): 3 new drafts" "200 3 3" "$s $(jq -r '"\(.rows) \(.new)"' "$T/out")"
assert_eq "entry-6.7 ... stored as drafts with an import batch" "draft 3" \
  "$(sql "select state || ' ' || count(*) from observation where period='$P' and unit='430421' and batch_id is not null group by state")"
printf 'unit,indicator,value\n' > "$T/empty.csv"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/$REP.jar" -H "X-CSRF-Token: $(cat "$T/$REP.csrf")" \
     -H 'Content-Type: text/csv' --data-binary "@$T/good.csv" "$B/api/periods/$P/upload")
assert_eq "entry-6.8 the file name is required" "400 3002 filename" "$s $(code) $(field)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/$REP.jar" -H "X-CSRF-Token: $(cat "$T/$REP.csrf")" \
     -H 'Content-Type: text/csv' --data-binary "@$T/good.csv" "$B/api/periods/$P/upload?filename=..%2Fx.csv")
assert_eq "entry-6.9 a path as file name is refused" "400 3003" "$s $(code)"
printf 'unit,indicator,value\n430421,E1,1\n' > "$T/prov.csv"
s=$(upload tongji $P "$T/prov.csv" "p.csv")
assert_eq "entry-6.10 provider uploading an unassigned indicator: 422 with the row" "422 p.csv:2:2" \
  "$s $(jq -r '[.report[] | "\(.file):\(.line):\(.column)"] | join(" ")' "$T/out")"

s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/$REP.jar" -H "X-CSRF-Token: $(cat "$T/$REP.csrf")" \
     -H 'Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' \
     --data-binary @tests/data/store/values.xlsx "$B/api/periods/$P/upload?filename=values.xlsx")
assert_eq "entry-6.11 an XLSX upload goes through the same reader: rows and column letters" \
  "422 values.xlsx:2:B unknown indicator A1: not in scheme HY2021@1" \
  "$s $(jq -r '.report[0] | "\(.file):\(.line):\(.column) \(.reason)"' "$T/out")"

# ---- entry-7 submit and progress ---------------------------------------------------------------------
s=$(req $REP POST /api/periods/$P/entry/submit "{\"unit\":\"$OTHER\"}")
assert_eq "entry-7.1 reporter submitting another unit: 403 2012" "403 2012" "$s $(code)"
s=$(req $REP POST /api/periods/$P/entry/submit '{}')
n_sub=$(jq -r .submitted "$T/out")
assert_eq "entry-7.2 reporter submits its drafts (E1 D3 C1 E4 E5 E6; not E2, E3: department data)" "200 6" "$s $n_sub"
s=$(req $REP GET /api/periods/$P/entry)
assert_eq "entry-7.3 the grid shows them submitted" "6" "$(jq '[.rows[] | select(.state=="submitted")] | length' "$T/out")"
s=$(req tongji POST /api/periods/$P/entry/submit '{"indicator":"E3"}')
assert_eq "entry-7.4 provider submits its E3 values" "200 2" "$s $(jq -r .submitted "$T/out")"
s=$(req kpb GET /api/periods/$P/progress)
assert_eq "entry-7.5 progress for the assessor: 430421 has 7 submitted, 1 draft, 27 empty" "200 7 1 27 false" \
  "$s $(jq -r '.units[] | select(.unit=="430421") | "\(.submitted) \(.draft) \(.empty) \(.complete)"' "$T/out")"
assert_eq "entry-7.6 ... every assessed unit is listed" 16 "$(jq '.units | length' "$T/out")"
s=$(req $REP GET /api/periods/$P/progress)
assert_eq "entry-7.7 a reporter does not see everyone's progress (403 2004)" "403 2004" "$s $(code)"

# ---- entry-8 return, fix, resubmit, verify ------------------------------------------------------------
s=$(req kpb POST /api/periods/$P/entry/return '{"unit":"430421","indicator":"E1"}')
assert_eq "entry-8.1 return needs a reason" "400 3002 reason" "$s $(code) $(field)"
s=$(req kpb POST /api/periods/$P/entry/return '{"unit":"430421","indicator":"E1","reason":"与统计快报不一致,请核实"}')
assert_eq "entry-8.2 assessor returns E1 with a reason" "200 rejected 1" "$s $(jq -r '"\(.state) \(.count)"' "$T/out")"
s=$(req $REP GET "/api/periods/$P/entry?unit=430421")
assert_eq "entry-8.3 the unit sees the state and the reason" "rejected 与统计快报不一致,请核实" \
  "$(jq -r '.rows[] | select(.indicator=="E1") | "\(.state) \(.reason)"' "$T/out")"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E1","value":12.8,"note":"已核实"}]}')
s2=$(req $REP POST /api/periods/$P/entry/submit '{}')
assert_eq "entry-8.4 the unit fixes and resubmits" "200 200 1" "$s $s2 $(jq -r .submitted "$T/out")"
s=$(req kpb POST /api/periods/$P/entry/verify '{"unit":"430421"}')
assert_eq "entry-8.5 assessor verifies the unit's submitted values" "200 verified 7" "$s $(jq -r '"\(.state) \(.count)"' "$T/out")"
s=$(req kpb POST /api/periods/$P/entry/verify '{"unit":"430421"}')
assert_eq "entry-8.6 nothing left to verify: 409 4003" "409 4003" "$s $(code)"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E1","value":1}]}')
assert_eq "entry-8.7 a verified value is locked for the unit: 409 4003" "409 4003 items[0].value" "$s $(code) $(field)"
assert_eq "entry-8.8 E1's history: draft draft submitted rejected draft submitted verified" \
  "draft draft submitted rejected draft submitted verified" \
  "$(sql "select group_concat(state, ' ') from (select state from observation where period='$P' and unit='430421' and indicator='E1' order by revision)")"

# ---- entry-9 close, compute, publish --------------------------------------------------------------------
s=$(req kpb POST /api/periods/$P/publish)
assert_eq "entry-9.1 publish before computing: 409 4003" "409 4003" "$s $(code)"
s=$(req kpb POST /api/periods/$P/close)
assert_eq "entry-9.2 assessor closes $P" "200 closed" "$s $(jq -r .state "$T/out")"
s=$(req kpb POST /api/periods/$P/close)
assert_eq "entry-9.3 closing twice: 409 4003" "409 4003" "$s $(code)"
s=$(req $REP POST /api/periods/$P/entry '{"items":[{"unit":"430421","indicator":"E4","value":8}]}')
assert_eq "entry-9.4 entry in a closed period: 409 4003 period" "409 4003 period" "$s $(code) $(field)"
s=$(upload $REP $P "$T/good.csv" "good.csv")
assert_eq "entry-9.5 upload in a closed period: 409 4003" "409 4003" "$s $(code)"
s=$(req kpb POST /api/periods/$P/compute)
assert_eq "entry-9.6 assessor computes the review" "200 computed false" "$s $(jq -r '"\(.state) \(.provisional)"' "$T/out")"
s=$(req $REP GET /api/reviews/$P)
assert_eq "entry-9.7 a reporter does not see the unpublished review" "404" "$s"
s=$(req kpb POST /api/periods/$P/publish)
assert_eq "entry-9.8 assessor publishes" "200 published" "$s $(jq -r .state "$T/out")"
s=$(req $REP GET /api/reviews/$P)
assert_eq "entry-9.9 now the reporter reads it" "200 published" "$s $(jq -r .state "$T/out")"
run_kp review verify $P --db "$DB"
assert_eq "entry-9.10 kaoping review verify confirms the published review" 0 "$rc"
s=$(req kpb POST /api/periods/2021-B4/publish)
assert_eq "entry-9.11 publishing an open period: 409 4003" "409 4003" "$s $(code)"

# ---- entry-10 comments ------------------------------------------------------------------------------------
s=$(req leader POST /api/reviews/2021-B3/comments '{"unit":"430421","text":"项目建设进度滞后,要对标先进、补齐短板。"}')
assert_eq "entry-10.1 leader comments on 衡阳县 (201)" "201 leader" "$s $(jq -r .author "$T/out")"
s=$(req leader POST /api/reviews/2021-B3/comments "{\"unit\":\"$OTHER\",\"text\":\"继续保持。\"}")
s=$(req leader POST /api/reviews/2021-B3/comments '{"unit":"430421"}')
assert_eq "entry-10.2 text is required" "400 3002 text" "$s $(code) $(field)"
s=$(req kpb POST /api/reviews/2021-B3/comments '{"unit":"430421","text":"x"}')
assert_eq "entry-10.3 the assessor does not write leaders' comments (403 2004)" "403 2004" "$s $(code)"
s=$(req $REP GET /api/reviews/2021-B3/comments)
assert_eq "entry-10.4 the reporter reads the comments on its unit only" "200 1 430421" \
  "$s $(jq -r '"\(.comments | length) \([.comments[].unit] | unique | join(","))"' "$T/out")"
s=$(req $REP GET "/api/reviews/2021-B3/comments?unit=$OTHER")
assert_eq "entry-10.5 ... another unit's comments: 403 2012" "403 2012" "$s $(code)"
s=$(req kpb GET /api/reviews/2021-B3/comments)
assert_eq "entry-10.6 the assessor reads all of them" "200 2" "$s $(jq '.comments | length' "$T/out")"

# ---- entry-11 downloads --------------------------------------------------------------------------------------
s=$(req $REP GET /api/reviews/2021-B3/bulletin.pdf)
assert_eq "entry-11.1 PDF bulletin: 200 application/pdf, starts with %PDF" "200 application/pdf %PDF" \
  "$s $(hdr Content-Type) $(head -c 4 "$T/out")"
assert_contains "entry-11.2 Content-Disposition with an UTF-8 file name" "$(hdr Content-Disposition)" \
  "attachment; filename=\"kaoping-bulletin-2021-B3.pdf\"; filename*=UTF-8''%E8%80%83%E8%AF%84%E9%80%9A%E6%8A%A5-2021-B3.pdf"
s=$(req $REP GET /api/reviews/2021-B3/bulletin.xlsx)
assert_eq "entry-11.3 XLSX bulletin is a zip" "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet PK" \
  "$s $(hdr Content-Type) $(head -c 2 "$T/out")"
s=$(req $REP GET /api/reviews/2021-B3/bulletin.csv)
assert_eq "entry-11.4 CSV bulletin" "200 text/csv; charset=utf-8" "$s $(hdr Content-Type)"
assert_eq "entry-11.5 no CSV cell starts with a formula character" "" \
  "$(grep -E '(^|,)"?[=+@]' "$T/out" | head -3)"
s=$(req $REP GET /api/reviews/2021-B4/bulletin.pdf)
assert_eq "entry-11.6 a reporter gets no unpublished bulletin" "404" "$s"
s=$(req kpb GET /api/reviews/2021-B4/bulletin.pdf)
assert_contains "entry-11.7 the assessor's draft bulletin is marked draft" "$s $(hdr Content-Disposition)" "200 attachment; filename=\"kaoping-bulletin-2021-B4-draft.pdf\""

# ---- entry-12 units and trend ------------------------------------------------------------------------------------
s=$(req $REP GET /api/units)
assert_eq "entry-12.1 units with their peer groups" "200 true" "$s $(jq '(.units | length) >= 16 and (.peer_groups | length) == 3' "$T/out")"
s=$(req $REP GET /api/units/$OTHER)
assert_eq "entry-12.2 one unit with its group" "200 县市 7" "$s $(jq -r '"\(.peer_group) \(.group_members | length)"' "$T/out")"
s=$(req $REP GET /api/units/NOPE)
assert_eq "entry-12.3 unknown unit: 404" "404 4001" "$s $(code)"
s=$(req $REP GET /api/units/$OTHER/trend)
assert_eq "entry-12.4 trend of another unit's published rankings (B1 B2 B3 and $P)" "200 2021-B1,2021-B2,2021-B3,$P" \
  "$s $(jq -r '[.trend[].period] | join(",")' "$T/out")"
assert_eq "entry-12.5 each point has total, rank and grade" "true" \
  "$(jq '[.trend[] | (.total | type) == "number" and (.rank >= 1) and has("grade")] | all' "$T/out")"
s=$(req - GET /api/units)
assert_eq "entry-12.6 no session: 401" "401" "$s"

# ---- entry-13 audit ----------------------------------------------------------------------------------------------
missing=""
for ev in period.open entry.read entry.save entry.submit entry.return entry.verify entry.upload entry.denied \
          provider.assign period.close review.compute review.publish comment.add bulletin.download; do
  n=$(sql "select count(*) from audit where event='$ev'")
  [ "$n" -ge 1 ] || missing+="$ev "
done
assert_eq "entry-13.1 every step is audited" "" "$missing"
assert_eq "entry-13.2 the account and the address are recorded" "hengyang 127.0.0.1" \
  "$(sql "select actor, ip from audit where event='entry.submit' order by id limit 1" | tr '|' ' ')"
assert_contains "entry-13.3 a save records old and new values" \
  "$(sql "select detail from audit where event='entry.save' and detail like '%\"new\":13%' limit 1")" '"old":12.5'
assert_eq "entry-13.4 a failed upload is recorded (denied: rows outside scope)" "denied" \
  "$(sql "select outcome from audit where event='entry.upload' order by id limit 1")"
run_kp audit verify --db "$DB"
assert_eq "entry-13.5 the audit chain is intact" 0 "$rc"

# ---- entry-14 the server stops cleanly, without sanitizer reports (build-asan) ----------------------
kill "$SPID"; wait "$SPID"; src=$?; SPID=
assert_eq "entry-14.1 SIGTERM stops the server with status 0" 0 "$src"
assert_eq "entry-14.2 no AddressSanitizer/UBSan/LeakSanitizer report in the server log" "" \
  "$(grep -E 'Sanitizer|runtime error' "$T/serve.err" | head -3)"
assert_eq "entry-14.3 no temporary upload or bulletin file is left behind" "" \
  "$(ls -A "$T/tmp" | head -3)"

finish

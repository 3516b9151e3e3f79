#!/usr/bin/env bash
# wish: 我为群众办实事 (issue 6) through the real binary: the CLI verbs on a demo database, and
# the public and signed-in API over HTTP against `kaoping serve`.
#   wish-1  CLI: places.csv import (datum, second source), place add with WGS-84 conversion,
#           route distances, bad rows, honours, contact points, party membership
#   wish-2  CLI: a worker's wish, its lifecycle by table (who may do what), confirmation by
#           tracking code, stats and the feed into D1/D2 of an open period, audit
#   wish-3  HTTP public form: signed token with minimum fill time, validation errors, reuse
#   wish-4  HTTP: no personal data: the raw phone number is in no response, not in the
#           database file, not in the audit log; the public board masks numbers in text
#   wish-5  HTTP flood from one address: token bucket answers 429 + Retry-After
#   wish-6  HTTP: party member claims and completes, citizen confirms, assessor feeds
#   wish-7  HTTP: leaders' contact points, visits, problems; public map, route, honours
# The server is stopped at exit. Needs curl, jq, sqlite3.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh
for tool in curl jq sqlite3; do
  command -v "$tool" >/dev/null || { echo "FAIL wish-0 $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
done
T=$(mktemp -d)
DB=$T/k.db
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT

run_kp demo --db "$DB"
assert_eq "wish-0.1 demo database (with wishes, places, contact points, honours)" 0 "$rc"
assert_contains "wish-0.2 the demo fed 2021-B4 from the wish board" "$out" "observations with provenance wish"
q() { sqlite3 "$DB" "$1"; }

# ---- wish-1 places, honours, contact points (CLI) ------------------------------------------------
run_kp init --db "$T/p.db"
run_kp unit import "$T/demo-data/units.csv" --db "$T/p.db"
run_kp place import "$KAOPING_SHARED/data/geo/places.csv" --db "$T/p.db"
assert_eq "wish-1.1 places.csv imports" 0 "$rc"
assert_contains "wish-1.2 four places (one name twice)" "$out" "4 places imported"
assert_contains "wish-1.3 the second source is reported with its distance" "$out" "罗荣桓故居: second source"
assert_contains "wish-1.4 ... 1.18 km from the first point (haversine of the two rows)" "$out" "1.18 km"
assert_eq "wish-1.5 the GCJ-02 row is kept as it is, not approximate" "112.718337|27.264839|GCJ-02|0" \
  "$(sqlite3 "$T/p.db" "select lon, lat, datum, approximate from place where name='南岳忠烈祠'")"
assert_eq "wish-1.6 unknown-datum rows are stored unchanged and marked approximate" "113.155907|27.069044|unknown|1" \
  "$(sqlite3 "$T/p.db" "select lon, lat, datum, approximate from place where name='罗荣桓故居'")"
assert_eq "wish-1.7 a parenthetical goes to the description" "(proxy: 岳屏公园)" \
  "$(sqlite3 "$T/p.db" "select description from place where name='衡阳抗战纪念城'")"
# WGS-84 input is converted with the published formula: the eviltransform sample point is in
# Beijing, outside Hengyang, so check the conversion on a Hengyang point against the unit
# test's formula by converting back the offset: GCJ - WGS must be a few hundred metres
run_kp place add 测试点 --kind youth --unit 430407 --lon 112.6 --lat 26.9 --datum WGS-84 --db "$T/p.db"
assert_eq "wish-1.8 place add with a WGS-84 point" 0 "$rc"
off=$(sqlite3 "$T/p.db" "select round((lon-112.6)*1e6), round((lat-26.9)*1e6) from place where name='测试点'")
lonoff=${off%|*}; latoff=${off#*|}
assert_eq "wish-1.9 converted to GCJ-02: east by 0.004-0.006 deg, south by 0.002-0.004 deg" 1 \
  "$(awk -v a="${lonoff%.0}" -v b="${latoff%.0}" 'BEGIN{print (a>4000 && a<6000 && b<-2000 && b>-4000) ? 1 : 0}')"
run_kp place add 错点 --kind red --lon 26.9 --lat 112.6 --db "$T/p.db"
assert_eq "wish-1.10 a point outside Hengyang (lat/lon swapped) is refused" 1 "$rc"
assert_contains "wish-1.11 ... saying so" "$err" "swapped"
printf 'name,lat,lon,datum,source\nA,26.9,112.6,GCJ-02,x\nB,abc,112.6,GCJ-02,x\nC,26.9,112.6,NAD27,x\n' > "$T/bad.csv"
run_kp place import "$T/bad.csv" --db "$T/p.db"
assert_eq "wish-1.12 bad rows: exit 1" 1 "$rc"
assert_contains "wish-1.13 file, line and column of the bad latitude" "$err" "bad.csv: line 3, column 2: lat is not a number"
assert_contains "wish-1.14 ... and of the bad datum" "$err" "bad.csv: line 4, column 4: datum must be"
assert_eq "wish-1.15 nothing of that file was imported" 0 "$(sqlite3 "$T/p.db" "select count(*) from place where name='A'")"
run_kp place route 南岳忠烈祠 衡阳抗战纪念城 --db "$T/p.db"
# haversine(112.718337 27.264839, 112.616917 26.894753), R = 6371.0088 km: 42.36 km
assert_contains "wish-1.16 route: straight-line distance between two sites" "$out" "42.36 km"
assert_contains "wish-1.17 ... and says it is not a road distance" "$out" "not road distances"
run_kp honour add --award 衡阳青年五四奖章 --year 2021 --recipient 测试 --kind group --citation x --db "$DB"
assert_eq "wish-1.18 honour kind must be person or collective" 1 "$rc"
assert_eq "wish-1.19 the demo has honours, 衡阳青年五四奖章 among them" 3 "$(q "select count(*) from honour where award='衡阳青年五四奖章'")"
run_kp contact list leader --db "$DB"
assert_contains "wish-1.20 the demo leader's contact points with last visit" "$out" "西渡镇梅花村(演示) last visit 2021-06-18"
run_kp contact visit 1 --date 2099-01-01 --notes x --as leader --db "$DB"
assert_eq "wish-1.21 a visit in the future is refused" 1 "$rc"
run_kp contact visit 1 --date 2021-02-30 --notes x --as leader --db "$DB"
assert_contains "wish-1.22 an impossible date is refused" "$err" "date must be a day"
run_kp contact visit 1 --date 2021-10-08 --notes 回访 --problem 灌溉渠淤塞 --problem 缺少村医 --as kpb --db "$DB"
assert_eq "wish-1.23 only the point's leader logs visits" 1 "$rc"
run_kp contact visit 1 --date 2021-10-08 --notes 回访 --problem 灌溉渠淤塞 --problem 缺少村医 --as leader --db "$DB"
assert_contains "wish-1.24 a visit with two problems" "$out" "2 problems raised"
assert_eq "wish-1.25 new problems are not yet tasks: task_ref NULL" "2|0" \
  "$(q "select count(*), count(task_ref) from contact_problem where text in ('灌溉渠淤塞','缺少村医')")"
run_kp user party ducha off --db "$DB"
assert_eq "wish-1.26 party membership off (user party)" "0|user.party" \
  "$(q "select party_member from users where name='ducha'")|$(q "select event from audit order by id desc limit 1")"
run_kp user party ducha on --db "$DB"

# ---- wish-2 a worker's wish through the CLI -------------------------------------------------------
run_kp wish submit --unit 430421 --category 养老 --place 西渡镇 --text "独居老人需要助餐 电话 139 0734 1111" \
  --contact 13907342222 --db "$DB"
assert_eq "wish-2.1 a worker enters a wish" 0 "$rc"
code=$(printf '%s\n' "$out" | sed -n 's/^tracking code: \([0-9A-Z-]*\).*/\1/p')
wid=$(printf '%s\n' "$out" | sed -n 's/^wish \([0-9]*\) submitted.*/\1/p')
assert_eq "wish-2.2 a 19-character tracking code" 19 "${#code}"
assert_eq "wish-2.3 stored masked; the number in the text masked too" "139****2222|独居老人需要助餐 电话 139****1111" \
  "$(q "select contact_masked, text from wish where id=$wid")"
assert_eq "wish-2.4 only the SHA-256 of the code is stored" 64 "$(q "select length(tracking_hash) from wish where id=$wid")"
run_kp wish submit --unit 430421 --category 住房 --place x --text y --contact 13907342222 --db "$DB"
assert_contains "wish-2.5 an unknown category is refused with the list" "$err" "category must be one of 学位 床位 车位 厕位 就业 养老 其他"
run_kp wish submit --unit 430421 --category 学位 --place x --text y --contact 12345 --db "$DB"
assert_contains "wish-2.6 a bad phone number is refused" "$err" "mainland mobile number"
run_kp wish confirm "$code" --rating 5 --db "$DB"
assert_eq "wish-2.7 cannot confirm before it is done (exit 1)" 1 "$rc"
assert_contains "wish-2.8 ... saying why" "$err" "cannot be confirmed: it must be done first"
run_kp wish act "$wid" claim --as kpb --db "$DB"
assert_contains "wish-2.9 a non-party-member cannot claim" "$err" "only party members"
run_kp wish act "$wid" claim --as tongji --db "$DB"
assert_eq "wish-2.10 a party member claims" "wish $wid: claimed" "$out"
run_kp wish act "$wid" complete --as ducha --note 不是我的 --db "$DB"
assert_contains "wish-2.11 only the claimer completes it" "$err" "only the party member who claimed this wish (tongji)"
run_kp wish act "$wid" complete --as tongji --db "$DB"
assert_contains "wish-2.12 completion needs a proof" "$err" "complete needs a note (the completion proof"
run_kp wish act "$wid" complete --as tongji --note "已纳入社区助餐" --db "$DB"
assert_eq "wish-2.13 completed with a proof" "wish $wid: done" "$out"
run_kp wish confirm "$code" --rating 6 --db "$DB"
assert_contains "wish-2.14 a rating is 1 to 5" "$err" "rating must be 1 to 5"
run_kp wish confirm "XXXX-XXXX-XXXX-XXXX" --rating 5 --db "$DB"
assert_contains "wish-2.15 an unknown code" "$err" "no wish has this tracking code"
run_kp wish confirm "$(echo "$code" | tr 'A-Z' 'a-z')" --rating 4 --db "$DB"
assert_eq "wish-2.16 the submitter confirms with the code (any case)" "wish $wid: confirmed" "$out"
assert_eq "wish-2.17 every step is audited" "wish.submit wish.claim wish.complete wish.confirm" \
  "$(q "select group_concat(event, ' ') from (select event from audit where object='wish:$wid' and outcome='ok' order by id)")"
assert_eq "wish-2.18 the submitter's step is recorded as '-' (anonymous)" "-" \
  "$(q "select actor from audit where object='wish:$wid' and event='wish.confirm'")"
run_kp wish stats 2021-B4 --format json --db "$DB"
# from the demo's stored rows, recount independently in SQL for one unit
exp=$(q "select count(*) from wish where unit='430421' and submitted_at >= '2021-06-30T16:00:00Z' and submitted_at < '2021-08-31T16:00:00Z' and state <> 'rejected'")
assert_eq "wish-2.19 stats: submitted in 2021-B4 (local days) for 衡阳县 match a recount" "$exp" \
  "$(printf '%s' "$out" | jq '.units[] | select(.unit=="430421") | .submitted')"
sat=$(q "select 100.0*sum(rating>=4)/count(*) from wish where unit='430421' and state='confirmed' and confirmed_at >= '2021-06-30T16:00:00Z' and confirmed_at < '2021-08-31T16:00:00Z'")
assert_eq "wish-2.20 the demo's D2 observation of 衡阳县 is the satisfied share, 2 decimals" \
  "$(printf '%.2f' "$sat")" "$(printf '%.2f' "$(q "select value from observation_current where period='2021-B4' and unit='430421' and indicator='D2'")")"
assert_eq "wish-2.21 ... with provenance wish" wish "$(q "select provenance from observation_current where period='2021-B4' and unit='430421' and indicator='D2'")"
run_kp wish feed 2021-B3 --db "$DB"
assert_contains "wish-2.22 a published period is refused" "$err" "is published"
run_kp wish feed 2021-B4 --claim7 X9 --db "$DB"
assert_contains "wish-2.23 an indicator not in the scheme is refused" "$err" "X9 is not an indicator"
run_kp wish feed 2021-B4 --db "$DB"
assert_contains "wish-2.24 feeding again changes nothing" "$out" "0 observations written (provenance wish), 32 unchanged"
run_kp audit verify --db "$DB"
assert_eq "wish-2.25 the audit chain is intact" 0 "$rc"

# ---- the server ----------------------------------------------------------------------------------
# 3 s: long enough that "sent at once" stays under it on a loaded machine (a test that needs
# the first post refused must not depend on how fast two curl calls run)
"$KAOPING" user policy wish_form_min_seconds 3 --db "$DB" >/dev/null
"$KAOPING" user policy wish_rate_burst 1000 --db "$DB" >/dev/null
"$KAOPING" serve --db "$DB" --port 0 >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT
ALL=$T/all-responses   # every response body and header of this test, to search for the number
: > "$ALL"
declare -A PW SECRET
demo_logins "$T/demo-logins.txt"  # the assessor and the administrators sign in with a code
login() { api_login "$B" "$1" "$2" "${SECRET[$1]-}" "$T"; }
req() { # req USER|- METHOD PATH [BODY]: status; body T/out; headers T/hdr
  local u=$1 m=$2 p=$3 body=${4-}
  local jar=() data=()
  [ "$u" != - ] && jar=(-b "$T/$u.jar" -c "$T/$u.jar" -H "X-CSRF-Token: $(cat "$T/$u.csrf")")
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' "${jar[@]}" "${data[@]}" -X "$m" "$B$p"
  cat "$T/hdr" "$T/out" >> "$ALL"
}
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
pw() { echo "${PW[$1]}"; }

# ---- wish-3 the public form ----------------------------------------------------------------------
RAW=13812345678
s=$(req - GET /api/public/wishes/form)
assert_eq "wish-3.1 the form needs no login" 200 "$s"
tok=$(jq -r .token "$T/out")
assert_eq "wish-3.2 the form lists the seven categories and the units" "7 16" \
  "$(jq -r '"\(.categories | length) \(.units | length)"' "$T/out")"
body() { printf '{"category":"%s","unit":"430421","place":"西渡镇梅花村","text":"%s","contact":"%s","form_token":"%s"}' "$1" "$2" "$3" "$4"; }
s=$(req - POST /api/public/wishes "$(body 学位 "孩子上学 请打138 1234 5678" $RAW "$tok")")
assert_eq "wish-3.3 sent at once after opening the form: 429 (2011)" "429 2011 form_token" "$s $(jq -r '"\(.code) \(.field)"' "$T/out")"
assert_eq "wish-3.4 ... with Retry-After (the seconds still to wait)" 1 "$([ "$(hdr Retry-After)" -ge 1 ] && [ "$(hdr Retry-After)" -le 3 ] && echo 1)"
sleep 3.1
s=$(req - POST /api/public/wishes "$(body 学位 "孩子上学 请打138 1234 5678" $RAW "$tok")")
assert_eq "wish-3.5 after the minimum fill time: 201" 201 "$s"
CODE=$(jq -r .tracking_code "$T/out"); WID=$(jq -r .id "$T/out")
assert_eq "wish-3.6 the answer: masked contact and a tracking code" "138****5678 19" \
  "$(jq -r .contact_masked "$T/out") ${#CODE}"
s=$(req - POST /api/public/wishes "$(body 学位 x $RAW "$tok")")
assert_eq "wish-3.7 the same form token twice: 409 (4003)" "409 4003" "$s $(jq -r .code "$T/out")"
tok2() { req - GET /api/public/wishes/form >/dev/null; jq -r .token "$T/out"; }
t2=$(tok2); sleep 3.1
s=$(req - POST /api/public/wishes "$(body 住房 x $RAW "$t2")")
assert_eq "wish-3.8 a bad category: 400 3003 field category" "400 3003 category" "$s $(jq -r '"\(.code) \(.field)"' "$T/out")"
s=$(req - POST /api/public/wishes "$(body 学位 x 555 "$t2")")
assert_eq "wish-3.9 a bad phone: 400 field contact" "400 contact" "$s $(jq -r .field "$T/out")"
s=$(req - POST /api/public/wishes "$(body 学位 "" $RAW "$t2")")
assert_eq "wish-3.10 an empty wish: 400 3002 field text" "400 3002 text" "$s $(jq -r '"\(.code) \(.field)"' "$T/out")"
s=$(req - POST /api/public/wishes '{"category":"学位","unit":"430421","place":"x","text":"x","contact":"13812345678","form_token":"AAAA","name":"x"}')
assert_eq "wish-3.11 an undeclared field: 400 3004" "400 3004" "$s $(jq -r .code "$T/out")"
c30=${t2:30:1}; [ "$c30" = A ] && c30=B || c30=A   # one character of the MAC'd part changed
s=$(req - POST /api/public/wishes "$(body 学位 x $RAW "${t2:0:30}$c30${t2:31}")")
assert_eq "wish-3.12 a forged token: 400 field form_token" "400 form_token" "$s $(jq -r .field "$T/out")"
s=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' -H 'Content-Type: application/json' \
      --data-binary "$(body 学位 x $RAW "$t2")" "$B/api/public/wishes")
assert_eq "wish-3.13 a cross-origin post is refused" 403 "$s"

# ---- wish-4 no personal data -----------------------------------------------------------------------
s=$(req - GET /api/public/wishes?unit=430421)
assert_eq "wish-4.1 public board: no contact field at all" 0 "$(jq '[.items[] | select(has("contact_masked") or has("claimed_by"))] | length' "$T/out")"
assert_contains "wish-4.2 public board: the number typed into the text is masked" \
  "$(jq -r ".items[] | select(.id == $WID) | .text" "$T/out")" "请打138****5678"
s=$(req - POST /api/public/wishes/track "{\"code\":\"$CODE\"}")
assert_eq "wish-4.3 tracking by code" "200 submitted" "$s $(jq -r .state "$T/out")"
assert_eq "wish-4.4 tracking shows no contact" false "$(jq 'has("contact_masked")' "$T/out")"
s=$(req - POST /api/public/wishes/track '{"code":"0000-0000-0000-0000"}')
assert_eq "wish-4.5 an unknown code: 404 4001" "404 4001" "$s $(jq -r .code "$T/out")"
login hengyang "$(pw hengyang)" >/dev/null
s=$(req hengyang GET "/api/wishes/$WID")
assert_eq "wish-4.6 signed in: the contact masked" "200 138****5678" "$s $(jq -r .contact_masked "$T/out")"

# ---- wish-5 flooding from one address ----------------------------------------------------------------
"$KAOPING" user policy wish_rate_burst 3 --db "$DB" >/dev/null
"$KAOPING" user policy wish_rate_per_hour 36 --db "$DB" >/dev/null
codes=""
for i in $(seq 20); do codes+="$(req - POST /api/public/wishes '{}') "; done
n429=$(echo "$codes" | tr ' ' '\n' | grep -c '^429$')
assert_eq "wish-5.1 20 posts from one address: 3 pass the bucket (400: empty body), 17 get 429" \
  "400 400 400 17" "$(echo "$codes" | cut -d' ' -f1-3) $n429"
assert_eq "wish-5.2 429 says when to come back: 1 token at 36/h = 100 s" 100 "$(hdr Retry-After)"
assert_eq "wish-5.3 ... with code 2011" 2011 "$(jq -r .code "$T/out")"
s=$(req - POST /api/public/wishes/track "{\"code\":\"$CODE\"}")
assert_eq "wish-5.4 tracking has its own bucket: still 200" 200 "$s"
"$KAOPING" user policy wish_rate_burst 1000 --db "$DB" >/dev/null
"$KAOPING" user policy wish_rate_per_hour 100000 --db "$DB" >/dev/null
sleep 0.2

# ---- wish-6 the lifecycle over HTTP ---------------------------------------------------------------------
login kpb "$(pw kpb)" >/dev/null
s=$(req kpb POST "/api/wishes/$WID/claim" '{}')
assert_eq "wish-6.1 the performance office's account is no party member: 403 2012" "403 2012" "$s $(jq -r .code "$T/out")"
s=$(req hengyang POST "/api/wishes/$WID/claim" '{}')
assert_eq "wish-6.2 a party member claims: 200 claimed" "200 claimed" "$s $(jq -r .state "$T/out")"
s=$(req hengyang POST "/api/wishes/$WID/complete" '{"note":"已协调片区小学落实学位"}')
assert_eq "wish-6.3 ... and completes it with a proof" "200 done" "$s $(jq -r .state "$T/out")"
s=$(req - POST /api/public/wishes/track "{\"code\":\"$CODE\",\"event\":\"confirm\",\"rating\":5}")
assert_eq "wish-6.4 the citizen confirms with the code and rates 5" "200 confirmed 5" "$s $(jq -r '"\(.state) \(.rating)"' "$T/out")"
s=$(req - POST /api/public/wishes/track "{\"code\":\"$CODE\",\"event\":\"confirm\",\"rating\":5}")
assert_eq "wish-6.5 confirming twice: 409" 409 "$s"
s=$(req kpb GET "/api/wishes/stats?period=2021-B4")
assert_eq "wish-6.6 the assessor reads the figures" 200 "$s"
s=$(req kpb POST /api/wishes/feed '{"period":"2021-B4"}')
assert_eq "wish-6.7 the feed over the API (nothing new in 2021-B4: 0 written)" "200 0" "$s $(jq -r .written "$T/out")"
s=$(req hengyang POST /api/wishes/feed '{"period":"2021-B4"}')
assert_eq "wish-6.8 a reporter cannot feed: 403" 403 "$s"
s=$(req hengyang GET "/api/wishes?unit=430422")
assert_eq "wish-6.9 a party member (the reporter hengyang) reads every unit's wishes" 200 "$s"
"$KAOPING" user add rep2 --unit 430422 --role reporter --db "$DB" >/dev/null
run_kp wish list --unit 430421 --as rep2 --db "$DB"
assert_contains "wish-6.10 a reporter who is no party member: its own unit only" "$err" "reads the wishes of unit 430422 only"
login secadmin "$(pw secadmin)" >/dev/null
s=$(req secadmin POST /api/users/kpb/party '{"party_member":true}')
assert_eq "wish-6.11 the security administrator makes kpb a party member" "200 true" "$s $(jq -r .party_member "$T/out")"

# ---- wish-7 contact points, map, honours ----------------------------------------------------------------
login leader "$(pw leader)" >/dev/null
s=$(req leader GET /api/contacts)
assert_eq "wish-7.1 the leader's page: 3 points" "200 3" "$s $(jq '.points | length' "$T/out")"
pid=$(jq '.points[] | select(.place == "云集街道花园社区(演示)") | .id' "$T/out")
s=$(req leader POST "/api/contacts/$pid/visits" '{"date":"2021-11-02","notes":"回访加装电梯","problems":["资金仍有缺口"]}')
assert_eq "wish-7.2 a visit with a problem: 201" 201 "$s"
prob=$(jq '.problems[0]' "$T/out")
s=$(req leader GET /api/contacts)
assert_eq "wish-7.3 last visit and open problems updated" "2021-11-02 2" \
  "$(jq -r ".points[] | select(.id == $pid) | \"\(.last_visit) \(.open_problems)\"" "$T/out")"
s=$(req leader POST "/api/contacts/problems/$prob/close" '{"note":"争取到省级补助"}')
assert_eq "wish-7.4 a problem closed" "200 closed" "$s $(jq -r .state "$T/out")"
s=$(req - GET /api/public/places)
assert_eq "wish-7.5 public map: red and youth places only (no contact places)" "0" \
  "$(jq '[.items[] | select(.kind == "contact")] | length' "$T/out")"
assert_eq "wish-7.6 the sites named by address only are there, approximate" "1 1" \
  "$(jq -r '[.items[] | select(.name == "常宁水口山工人运动纪念馆" or .name == "衡阳党史陈列馆") | .approximate] | map(if . then 1 else 0 end) | join(" ")' "$T/out")"
a=$(jq '.items[] | select(.name == "南岳忠烈祠") | .id' "$T/out")
b=$(jq '.items[] | select(.name == "衡阳抗战纪念城") | .id' "$T/out")
s=$(req - GET "/api/public/places/route?ids=$a,$b,$a")
# 2 x 42.3615 km (python3 haversine, R = 6371.0088) = 84.723 -> 84.72
assert_eq "wish-7.7 a route there and back: 2 legs, 84.72 km" "200 2 84.72" "$s $(jq -r '"\(.legs | length) \(.total_km)"' "$T/out")"
c=$(sqlite3 "$DB" "select id from place where kind='contact' limit 1")
s=$(req - GET "/api/public/places/route?ids=$a,$c")
assert_eq "wish-7.8 a contact place is not on the public route: 404" 404 "$s"
s=$(req - GET /api/public/honours)
assert_eq "wish-7.9 public honours, newest year first" "200 2021" "$s $(jq -r '.items[0].year' "$T/out")"

# ---- the raw number, anywhere ----------------------------------------------------------------------------
assert_eq "wish-4.7 the raw phone number is in none of the responses above" 0 \
  "$(grep -c -e "$RAW" -e '138 1234 5678' "$ALL")"
kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=
assert_eq "wish-4.8 ... nor anywhere in the database file or its WAL" 0 \
  "$(cat "$DB" "$DB-wal" 2>/dev/null | grep -a -c -e "$RAW" -e '138 1234 5678' -e 13907342222 -e '139 0734 1111')"
assert_eq "wish-4.9 ... nor in a dump of every table (audit included)" 0 \
  "$(sqlite3 "$DB" .dump | grep -c -e "$RAW" -e 13907342222)"
assert_eq "wish-4.10 the key is beside the database, 32 bytes in hex and a newline, owner-only" "65 600" \
  "$(stat -c '%s %a' "$DB.wish-key")"

finish

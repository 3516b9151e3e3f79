#!/usr/bin/env bash
# http_live: the response cache of the read routes (src/http/cache.c) and the review meeting
# that counties follow (src/meeting.c, src/http/api_meeting.c), over HTTP against the real
# server on the synthetic demo:
#   live-1  ETag and 304; gzip copy; scopes cached apart; a forbidden reader gets 403 with a
#           warm cache; a new comment and a publication change the answers (and their ETags)
#   live-2  meeting: start (audited), follow with ?after=SEQ (204 when nothing changed), only
#           the presenter moves (reporter 403 2004, another assessor 403 2012, audited), bad
#           slides, end (audited), a follower sees the end
# The server is always stopped at exit (trap). Needs curl, jq and sqlite3.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh

for tool in curl jq sqlite3 gzip; do
  command -v "$tool" >/dev/null || { echo "FAIL live-0 $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
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
assert_eq "live-0.1 demo database" 0 "$rc"
declare -A PW SECRET
demo_logins "$T/demo-logins.txt"  # the assessor and the administrators sign in with a code
# the demo's passwords date from 2021: no forced change here (http.sh tests that)
"$KAOPING" user policy password_max_age_days 0 --db "$DB" >/dev/null
# a second assessor, to show that only the presenter moves the slides
PW[kpb2]='Zweiter-Pruefer-2026x'
echo "${PW[kpb2]}" | "$KAOPING" user add kpb2 --role assessor --password-stdin --db "$DB" >/dev/null
sqlite3 "$DB" "update users set must_change = 0 where name = 'kpb2'"
SECRET[kpb2]=$("$KAOPING" user totp enrol kpb2 --db "$DB" | sed -n 's/^secret: //p')

"$KAOPING" serve --db "$DB" --port 0 --threads 4 >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT
assert_contains "live-0.2 server listens" "$(cat "$T/serve.out")" "listening on http://127.0.0.1:"

login() { api_login "$B" "$1" "${PW[$1]}" "${SECRET[$1]-}" "$T"; }
# req USER METHOD PATH [BODY] [extra curl args]: status; body in T/out, headers in T/hdr
req() {
  local u=$1 m=$2 p=$3 body=${4-}
  shift 3; [ $# -gt 0 ] && shift
  local jar=() data=()
  [ "$u" != - ] && jar=(-b "$T/$u.jar" -c "$T/$u.jar" -H "X-CSRF-Token: $(cat "$T/$u.csrf" 2>/dev/null)")
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  : > "$T/out" # curl leaves the file alone when there is no body (304, 204)
  curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' "${jar[@]}" "${data[@]}" -X "$m" "$@" "$B$p"
}
code() { jq -r '.code // empty' "$T/out" 2>/dev/null; }
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
sql() { sqlite3 "$DB" "$1"; }

bad=""
for u in kpb kpb2 leader hengyang tongji auditor; do
  s=$(login "$u"); [ "$s" = 200 ] || bad+="$u:$s "
done
assert_eq "live-0.3 the accounts sign in" "" "$bad"

P=2021-B3      # published in the demo
REP=hengyang   # reporter of 430421 衡阳县

# ---- live-1 the response cache ------------------------------------------------------------
s=$(req tongji GET /api/units/430421/trend); cp "$T/out" "$T/trend1"
E1=$(hdr ETag)
assert_eq "live-1.1 trend: 200 with a strong ETag and Vary" "200 yes Accept-Encoding" \
  "$s $([[ $E1 =~ ^\"kp-[0-9a-f]{32}\"$ ]] && echo yes || echo "no:$E1") $(hdr Vary)"
assert_eq "live-1.2 ... the browser may keep it but must revalidate" "private, no-cache" "$(hdr Cache-Control)"
n1=$(jq '.trend | length' "$T/trend1")
assert_eq "live-1.3 ... three published periods (2021-B1..B3)" "3 2021-B1 2021-B3" \
  "$n1 $(jq -r '.trend[0].period + " " + .trend[-1].period' "$T/trend1")"
s=$(req tongji GET /api/units/430421/trend "" -H "If-None-Match: $E1")
assert_eq "live-1.4 If-None-Match with that ETag: 304, empty body" "304 0 $E1" "$s $(stat -c %s "$T/out") $(hdr ETag)"
s=$(req tongji GET /api/units/430421/trend "" -H "If-None-Match: \"kp-0000\", W/$E1")
assert_eq "live-1.5 ... weak form in a list: 304" "304" "$s"
s=$(req tongji GET /api/units/430421/trend "" -H 'If-None-Match: "kp-00000000000000000000000000000000"')
assert_eq "live-1.6 another ETag: 200, same bytes" "200 same" "$s $(cmp -s "$T/out" "$T/trend1" && echo same)"
s=$(req "$REP" GET /api/units/430421/trend "" -H "If-None-Match: $E1")
assert_eq "live-1.7 the published trend is the same for a reporter (304 on the provider's tag)" "304" "$s"

# the review: gzip copy and scope
s=$(req tongji GET /api/reviews/$P); cp "$T/out" "$T/rev_all"
EA=$(hdr ETag)
s=$(req tongji GET /api/reviews/$P "" -H 'Accept-Encoding: gzip, br')
cp "$T/out" "$T/rev_all.gz"
assert_eq "live-1.8 Accept-Encoding gzip: a gzip copy with its own ETag" "200 gzip ${EA%\"}-gz\"" \
  "$s $(hdr Content-Encoding) $(hdr ETag)"
assert_eq "live-1.9 ... which is the same JSON, and smaller" "same smaller" \
  "$(gzip -dc "$T/rev_all.gz" | cmp -s - "$T/rev_all" && echo same) $([ "$(stat -c %s "$T/rev_all.gz")" -lt "$(stat -c %s "$T/rev_all")" ] && echo smaller)"
s=$(req tongji GET /api/reviews/$P "" -H 'Accept-Encoding: gzip;q=0, identity')
assert_eq "live-1.10 gzip;q=0: the plain body" "200 - same" "$s $(hdr Content-Encoding || true)- $(cmp -s "$T/out" "$T/rev_all" && echo same)"
s=$(req tongji GET /api/reviews/$P "" -H 'Accept-Encoding: gzip' -H "If-None-Match: ${EA%\"}-gz\"")
assert_eq "live-1.10a the gzip copy's ETag revalidates the gzip copy: 304" "304 ${EA%\"}-gz\"" "$s $(hdr ETag)"
s=$(req tongji GET /api/reviews/$P "" -H "If-None-Match: ${EA%\"}-gz\"")
assert_eq "live-1.10b ... but not the plain body (another representation): 200" "200" "$s"
s=$(req "$REP" GET /api/reviews/$P); cp "$T/out" "$T/rev_rep"
ER=$(hdr ETag)
assert_eq "live-1.11 a reporter's review (cache warm for all units) is its own: other units without indicators" \
  "200 differs 1 0" \
  "$s $([ "$ER" != "$EA" ] && echo differs) $(jq '[.review.units[] | select(.indicators)] | length' "$T/rev_rep") $(jq '[.review.units[] | select(.code != "430421" and .indicators)] | length' "$T/rev_rep")"
s=$(req "$REP" GET /api/reviews/$P "" -H "If-None-Match: $EA")
assert_eq "live-1.12 ... and the all-units ETag does not give a reporter a 304" "200" "$s"
s=$(req auditor GET /api/reviews/$P "" -H "If-None-Match: $EA")
assert_eq "live-1.13 an auditor (no review_read) gets 403 2004 with a warm cache and the ETag" "403 2004 -" "$s $(code) $(hdr ETag)-"
s=$(req "$REP" GET "/api/reviews/$P/comments?unit=430422")
assert_eq "live-1.14 a reporter asking for another unit's comments: 403 2012 (audited)" "403 2012 1" \
  "$s $(code) $(sql "select count(*) from audit where event='comment.denied' and actor='$REP'")"

# a new comment changes the comments answer
s=$(req "$REP" GET "/api/reviews/$P/comments?unit=430421"); EC=$(hdr ETag)
assert_eq "live-1.15 comments of 430421: none yet, with an ETag" "200 0 yes" "$s $(jq '.comments | length' "$T/out") $([ -n "$EC" ] && echo yes)"
s=$(req "$REP" GET "/api/reviews/$P/comments?unit=430421" "" -H "If-None-Match: $EC")
assert_eq "live-1.16 ... 304 while nothing changed" "304" "$s"
s=$(req leader POST /api/reviews/$P/comments '{"unit":"430421","text":"招商引资后劲不足，要补短板。"}')
assert_eq "live-1.17 a leader comments on 430421" "201" "$s"
s=$(req "$REP" GET "/api/reviews/$P/comments?unit=430421" "" -H "If-None-Match: $EC")
assert_eq "live-1.18 the old ETag now gets 200 with the new comment" "200 招商引资后劲不足，要补短板。 changed" \
  "$s $(jq -r '.comments[0].text' "$T/out") $([ "$(hdr ETag)" != "$EC" ] && echo changed)"

# a publication changes the trend and the periods' review
s=$(req kpb POST /api/periods/2021-B4/close)
assert_eq "live-1.19 the assessor closes 2021-B4" "200" "$s"
s=$(req kpb POST /api/periods/2021-B4/compute)
assert_eq "live-1.20 ... computes it" "200" "$s"
s=$(req tongji GET /api/units/430421/trend "" -H "If-None-Match: $E1")
assert_eq "live-1.21 computing alone changes nothing published: still 304" "304" "$s"
s=$(req kpb POST /api/periods/2021-B4/publish)
assert_eq "live-1.22 ... publishes it" "200" "$s"
s=$(req tongji GET /api/units/430421/trend "" -H "If-None-Match: $E1")
assert_eq "live-1.23 after the publication the old trend ETag gets 200 with four periods" "200 4 2021-B4" \
  "$s $(jq '.trend | length' "$T/out") $(jq -r '.trend[-1].period' "$T/out")"
# the command line publishes too (another process): a republication of 2021-B4 is seen
E2=$(hdr ETag)
rev=$(sql "select max(revision) from review where period='2021-B4' and state='published'")
s=$(req tongji GET /api/reviews/2021-B4); EB=$(hdr ETag)
assert_eq "live-1.24 the new review is served (revision $rev)" "200 $rev" "$s $(jq .revision "$T/out")"
s=$(req tongji GET /api/reviews/2021-B4 "" -H "If-None-Match: $EB")
assert_eq "live-1.25 ... and revalidates with 304" "304" "$s"

# ---- live-2 the meeting -----------------------------------------------------------------------
s=$(req "$REP" GET /api/meetings/$P)
assert_eq "live-2.1 no meeting yet: live false, seq 0" "200 false 0" "$s $(jq -r '"\(.live) \(.seq)"' "$T/out")"
s=$(req "$REP" GET "/api/meetings/$P?after=0")
assert_eq "live-2.2 ... and after=0 is 204 without a body" "204 0" "$s $(stat -c %s "$T/out")"
s=$(req "$REP" POST /api/meetings/$P/start '{}')
assert_eq "live-2.3 a reporter cannot start a meeting: 403 2004" "403 2004" "$s $(code)"
s=$(req kpb POST /api/meetings/2021-B5/start '{}')
assert_eq "live-2.4 no such period: 404" "404" "$s"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/kpb.jar" -H "X-CSRF-Token: $(cat "$T/kpb.csrf")" -X POST "$B/api/meetings/$P/start")
assert_eq "live-2.5 the assessor starts the meeting on $P (201, cover, seq 1, presenter kpb)" "201 true cover 1 kpb" \
  "$s $(jq -r '"\(.live) \(.slide) \(.seq) \(.presenter)"' "$T/out")"
assert_eq "live-2.6 ... audited meeting.start" "1 kpb meeting:$P" \
  "$(sql "select count(*), actor, object from audit where event='meeting.start'" | tr '|' ' ')"
s=$(req kpb2 POST /api/meetings/$P/start '{}')
assert_eq "live-2.7 a second start while it runs: 409 4003 naming the presenter" "409 4003 yes" \
  "$s $(code) $(jq -r .message "$T/out" | grep -q kpb && echo yes)"
s=$(req "$REP" GET "/api/meetings/$P?after=0")
assert_eq "live-2.8 a follower (reporter) sees it" "200 true cover 1" "$s $(jq -r '"\(.live) \(.slide) \(.seq)"' "$T/out")"
s=$(req "$REP" GET "/api/meetings/$P?after=1")
assert_eq "live-2.9 ... and nothing new after seq 1: 204" "204" "$s"
s=$(req "$REP" POST /api/meetings/$P/slide '{"slide":"lists","index":3}')
assert_eq "live-2.10 a reporter cannot move the slide: 403 2004" "403 2004" "$s $(code)"
s=$(req kpb2 POST /api/meetings/$P/slide '{"slide":"lists","index":3}')
assert_eq "live-2.11 another assessor cannot either: 403 2012 (only the presenter)" "403 2012" "$s $(code)"
assert_eq "live-2.12 ... audited meeting.denied" "1 denied" \
  "$(sql "select count(*), outcome from audit where event='meeting.denied' and actor='kpb2'" | tr '|' ' ')"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/kpb.jar" -H 'Content-Type: application/json' \
      --data-binary '{"slide":"lists"}' "$B/api/meetings/$P/slide")
assert_eq "live-2.13 no CSRF token: 403 2005" "403 2005" "$s $(code)"
s=$(req kpb POST /api/meetings/$P/slide '{"slide":"group:县市","index":1}')
assert_eq "live-2.14 the presenter moves to the 县市 ranking: seq 2" "200 group:县市 1 2" \
  "$s $(jq -r '"\(.slide) \(.index) \(.seq)"' "$T/out")"
s=$(req "$REP" GET "/api/meetings/$P?after=1")
assert_eq "live-2.15 the follower polling after=1 gets the new slide" "200 group:县市 1 2" \
  "$s $(jq -r '"\(.slide) \(.index) \(.seq)"' "$T/out")"
s=$(req kpb POST /api/meetings/$P/slide '{"slide":"unit:430421","index":5}')
s2=$(req "$REP" GET "/api/meetings/$P?after=2")
assert_eq "live-2.16 to the unit slide of 衡阳县: the follower sees seq 3" "200 200 unit:430421 3" \
  "$s $s2 $(jq -r '"\(.slide) \(.seq)"' "$T/out")"
bad=""
for body in '{"slide":"unit:999999"}' '{"slide":"group:没有的组"}' '{"slide":"page:1"}' '{"slide":"unit:"}' \
            '{"slide":"lists","index":-1}' '{"slide":"lists","index":"2"}' '{"index":2}' '{"slide":"lists","x":1}'; do
  s=$(req kpb POST /api/meetings/$P/slide "$body"); [ "$s" = 400 ] || bad+="$body:$s "
done
assert_eq "live-2.17 bad slides (unknown unit or group, bad key, bad index, missing, unknown field): 400" "" "$bad"
s=$(req "$REP" GET "/api/meetings/$P?after=x")
assert_eq "live-2.18 a bad after: 400 3003" "400 3003" "$s $(code)"
s=$(req "$REP" GET "/api/meetings/$P?after=3")
assert_eq "live-2.19 the bad moves changed nothing: 204 after seq 3" "204" "$s"
s=$(req kpb2 POST /api/meetings/$P/end)
assert_eq "live-2.20 another assessor ends the meeting (an absent presenter's one can be closed)" "200 false 4" \
  "$s $(jq -r '"\(.live) \(.seq)"' "$T/out")"
assert_eq "live-2.21 ... audited meeting.end with the presenter" "kpb2 kpb" \
  "$(sql "select actor, json_extract(detail, '$.presenter') from audit where event='meeting.end'" | tr '|' ' ')"
s=$(req "$REP" GET "/api/meetings/$P?after=3")
assert_eq "live-2.22 the follower sees the end" "200 false" "$s $(jq -r .live "$T/out")"
s=$(req kpb POST /api/meetings/$P/slide '{"slide":"lists"}')
assert_eq "live-2.23 no move after the end: 409 4003" "409 4003" "$s $(code)"
s=$(req kpb POST /api/meetings/$P/end)
assert_eq "live-2.24 nor a second end: 409" "409" "$s"
s=$(req kpb POST /api/meetings/$P/start '{"slide":"lists","index":3}')
assert_eq "live-2.25 a new meeting continues the sequence (seq 5), on the given slide" "201 5 lists" \
  "$s $(jq -r '"\(.seq) \(.slide)"' "$T/out")"
s=$(req auditor GET /api/meetings/$P)
assert_eq "live-2.26 an auditor may not follow: 403 2004" "403 2004" "$s $(code)"

run_kp audit verify --db "$DB"
assert_eq "live-2.27 the audit chain verifies" 0 "$rc"

kill "$SPID"; wait "$SPID"; rcs=$?; SPID=
assert_eq "live-3.1 SIGTERM stops the server with status 0" 0 "$rcs"
assert_eq "live-3.2 no sanitizer report in the server log" "" "$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/serve.err")"
finish

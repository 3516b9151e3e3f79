#!/usr/bin/env bash
# http-1.x .. http-14.x: the real HTTP server (`kaoping serve`) on a free loopback port with a
# temporary database (the synthetic demo, plus one account per role added with
# `kaoping user add`), driven with curl. Guards the web issue (accounts, sessions, CSRF,
# role matrix) and reference/security.md probes 1.2-1.13, 2.1, 2.2, 2.6:
#   http-1  route table: sorted, every row with capability and help, known to this test
#   http-2  login, forced change of the initial password, password policy and history
#   http-3  role matrix: every role x every route, allowed vs 403 (and 401 without session)
#   http-4  lockout after 5 failures (429 + Retry-After), auto-unlock, secadmin unlock,
#           no user enumeration, administrator lock, per-address throttle
#   http-5  CSRF: token required, per session, origin checks; content types
#   http-6  session expiry (idle and absolute), logout, fixation, cookie flags
#   http-7  security headers on every kind of response
#   http-8  static files and path traversal
#   http-9  accounts through the API: create, roles, separation of duties, mass assignment
#   http-10 reviews: scope of a reporter, drafts for assessor/leader, bulletin HTML + CSP
#   http-11 request errors: 404 with suggestion, 405, 413, unknown parameters
#   http-12 `kaoping http` (one raw request, no socket) and password expiry with KAOPING_NOW
#   http-13 concurrency: parallel requests and logins, audit chain intact afterwards
#   http-14 audit records of what happened above
# The administrative roles and the assessor sign in with two steps (password, then a code
# computed with oathtool): totp_enforce is on by default.
# The server is always stopped at exit (trap). Needs curl, jq and oathtool.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh

for tool in curl jq sqlite3; do
  command -v "$tool" >/dev/null || { echo "FAIL http-0 $tool is not installed (apt-get install $tool)"; echo "0 passed, 1 failed"; exit 1; }
done

T=$(mktemp -d)
DB=$T/kp.db
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT

# ---- fixtures -------------------------------------------------------------------------
run_kp demo --db "$DB" --force
assert_eq "http-0.1 demo database" 0 "$rc"

PW0='Init-Pass-2021x'   # initial passwords (must be changed at first login)
PW1='Zweite-Kennung-77y' # the passwords after the change (no login name inside)
declare -A ROLE=([sys]=sysadmin [sec]=secadmin [aud]=auditor [asr]=assessor [prov]=provider
                 [rep_a]=reporter [insp]=inspector [ldr]=leader)
USERS="sys sec aud asr prov rep_a insp ldr"
for u in $USERS; do
  unit=()
  [ "$u" = rep_a ] && unit=(--unit 430421)
  echo "$PW0" | "$KAOPING" user add "$u" --role "${ROLE[$u]}" "${unit[@]}" --password-stdin --db "$DB" >/dev/null 2>"$T/err" \
    || fail "http-0.2 user add $u" "$(cat "$T/err")"
done
for u in victim dummy; do echo "$PW0" | "$KAOPING" user add "$u" --password-stdin --db "$DB" >/dev/null; done
# The administrative roles and the assessor sign in with a one-time code (totp_enforce is on
# by default): the operator enrols their second factor; login() below computes the codes.
for u in sys sec aud asr; do
  run_kp user totp enrol "$u" --db "$DB"
  printf '%s\n' "$out" | sed -n 's/^secret: //p' > "$T/$u.secret"
  [ -s "$T/$u.secret" ] || fail "http-0.4 user totp enrol $u" "$err"
done

WEB=$T/web
mkdir -p "$WEB/sub" "$WEB/assets"
echo '<!doctype html><title>ui</title><div id=app>KAOPING-UI</div>' > "$WEB/index.html"
echo 'console.log("app")' > "$WEB/assets/app.js"
echo 'body{color:red}' > "$WEB/sub/x.css"
echo 'HIDDEN-FILE' > "$WEB/.hidden"
echo 'TOP-SECRET' > "$T/secret.txt"
ln -s "$T/secret.txt" "$WEB/link.txt"

"$KAOPING" serve --db "$DB" --port 0 --threads 4 --web-root "$WEB" >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT
assert_contains "http-0.3 server listens on loopback" "$(cat "$T/serve.out")" "listening on http://127.0.0.1:"

# ---- helpers ---------------------------------------------------------------------------
# login USER PASS [extra curl args]: status on stdout; cookie jar T/USER.jar; CSRF in T/USER.csrf.
# An account with a second factor (T/USER.secret) gets its code sent as the second step, and
# the status and body are that step's.
login() {
  local u=$1 p=$2; shift 2
  local s pend
  s=$(curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -c "$T/$u.jar" -H 'Content-Type: application/json' \
        "$@" --data-binary "{\"username\":\"$u\",\"password\":\"$p\"}" "$B/api/login")
  if [ "$s" = 200 ] && [ -s "$T/$u.secret" ] && [ "$(jq -r '.status // empty' "$T/out")" = totp_required ]; then
    pend=$(jq -r .pending_token "$T/out")
    s=$(curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -c "$T/$u.jar" -H 'Content-Type: application/json' "$@" \
          --data-binary "{\"pending_token\":\"$pend\",\"code\":\"$(totp_fresh "$(cat "$T/$u.secret")" "$T/$u.step")\"}" \
          "$B/api/login/totp")
  fi
  jq -r '.csrf_token // empty' "$T/out" > "$T/$u.csrf" 2>/dev/null
  echo "$s"
}
# req USER METHOD PATH [BODY] [extra curl args]: status on stdout; body T/out; headers T/hdr
req() {
  local u=$1 m=$2 p=$3 body=${4-}
  shift 3; [ $# -gt 0 ] && shift
  local jar=() data=()
  [ "$u" != - ] && jar=(-b "$T/$u.jar" -c "$T/$u.jar" -H "X-CSRF-Token: $(cat "$T/$u.csrf" 2>/dev/null)")
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' "${jar[@]}" "${data[@]}" -X "$m" "$@" "$B$p"
}
# the error code of the last response: JSON {code}, or "error NNNN" on an HTML error page
code() { jq -r '.code // empty' "$T/out" 2>/dev/null || grep -oE 'error [0-9]{4}' "$T/out" | cut -d' ' -f2; }
relogin_all() { for u in $USERS; do login "$u" "$PW1" >/dev/null; done; }
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# ---- http-1 the route table -------------------------------------------------------------
routes=$("$KAOPING" http --routes)
keys=$(printf '%s\n' "$routes" | awk -F'\t' '{print $2 "\t" $1}')
assert_eq "http-1.1 route table sorted by path, then method" "$(printf '%s\n' "$keys" | LC_ALL=C sort)" "$keys"
assert_eq "http-1.2 every route has a capability and help" "" \
  "$(printf '%s\n' "$routes" | awk -F'\t' '$3=="" || $6=="" {print}')"
KNOWN="GET /
GET /api/audit
GET /api/audit/export
GET /api/calendar
POST /api/calendar
GET /api/contacts
POST /api/contacts/problems/{id}/close
POST /api/contacts/problems/{id}/task
POST /api/contacts/{id}/visits
GET /api/crosscheck/{period}
GET /api/evidence
POST /api/evidence
GET /api/evidence/{id}
GET /api/feeds/batches
GET /api/feeds/rejects
GET /api/feeds/uploads/{id}
GET /api/feeds/{feed}/records
GET /api/feeds/{feed}/records.csv
POST /api/feeds/{feed}/upload
GET /api/findings
POST /api/findings
GET /api/findings/{id}
POST /api/findings/{id}/actions
GET /api/honours
POST /api/honours
POST /api/honours/{id}
POST /api/honours/{id}/delete
GET /api/inspections
POST /api/inspections
POST /api/login
POST /api/login/totp
POST /api/logout
GET /api/me
GET /api/meetings/{period}
POST /api/meetings/{period}/end
POST /api/meetings/{period}/slide
POST /api/meetings/{period}/start
POST /api/password
GET /api/periods
POST /api/periods
POST /api/periods/{period}/close
POST /api/periods/{period}/compute
GET /api/periods/{period}/entry
POST /api/periods/{period}/entry
POST /api/periods/{period}/entry/return
POST /api/periods/{period}/entry/submit
POST /api/periods/{period}/entry/verify
POST /api/periods/{period}/findings/sync
GET /api/periods/{period}/progress
POST /api/periods/{period}/projects/sync
POST /api/periods/{period}/publish
POST /api/periods/{period}/upload
POST /api/periods/{period}/whatif
GET /api/places
POST /api/places
POST /api/places/{id}
POST /api/places/{id}/delete
GET /api/projects
POST /api/projects
GET /api/projects/{id}
POST /api/projects/{id}/progress
GET /api/providers/{name}/indicators
POST /api/providers/{name}/indicators
GET /api/public/findings
GET /api/public/honours
GET /api/public/photos/{id}
GET /api/public/places
GET /api/public/places/route
GET /api/public/wishes
POST /api/public/wishes
GET /api/public/wishes/form
POST /api/public/wishes/track
GET /api/reviews/{period}
GET /api/reviews/{period}/bulletin.csv
GET /api/reviews/{period}/bulletin.pdf
GET /api/reviews/{period}/bulletin.xlsx
GET /api/reviews/{period}/comments
POST /api/reviews/{period}/comments
GET /api/reviews/{period}/supervision
GET /api/tasks
POST /api/tasks
GET /api/tasks/{id}
POST /api/tasks/{id}/actions
POST /api/totp/confirm
POST /api/totp/enrol
GET /api/units
GET /api/units/{code}
GET /api/units/{code}/trend
GET /api/users
POST /api/users
POST /api/users/{name}/party
POST /api/users/{name}/roles
POST /api/users/{name}/unlock
GET /api/wishes
POST /api/wishes/feed
GET /api/wishes/stats
GET /api/wishes/{id}
POST /api/wishes/{id}/claim
POST /api/wishes/{id}/complete
POST /api/wishes/{id}/progress
POST /api/wishes/{id}/reject
POST /api/wishes/{id}/release
GET /bulletin/{period}.html
POST /login
POST /logout
GET /{file...}"
assert_eq "http-1.3 every route is in this test's matrix (add new ones below)" "$KNOWN" \
  "$(printf '%s\n' "$routes" | awk -F'\t' '{print $1 " " $2}')"
assert_eq "http-1.4 only public routes: home, login forms, static, the public wish form, map, honours, their photos, verified findings" "GET / POST /api/login POST /api/login/totp GET /api/public/findings GET /api/public/honours GET /api/public/photos/{id} GET /api/public/places GET /api/public/places/route GET /api/public/wishes POST /api/public/wishes GET /api/public/wishes/form POST /api/public/wishes/track POST /login GET /{file...}" \
  "$(printf '%s\n' "$routes" | awk -F'\t' '$3=="public" {printf "%s%s %s", (n++?" ":""), $1, $2}')"
assert_eq "http-1.5 every POST needs a CSRF check" "" \
  "$(printf '%s\n' "$routes" | awk -F'\t' '$1=="POST" && $4=="none" {print}')"
if [ -f tests/data/report/check_html_printf.py ]; then # the report module's R8 checker
  chk=$(python3 tests/data/report/check_html_printf.py -Isrc \
        $(pkg-config --cflags jansson sqlite3 libmicrohttpd 2>/dev/null) -- src/http/*.c 2>&1)
  assert_eq "http-1.6 html_printf in src/http: literal formats, %s only for literals" ok "$chk"
fi

# ---- http-2 login and the forced password change ------------------------------------------
s=$(login asr "$PW0")
assert_eq "http-2.1 login with the initial password" 200 "$s"
assert_eq "http-2.2 login says the password must be changed" true "$(jq -r .must_change_password "$T/out")"
assert_eq "http-2.3 login returns a 64-hex CSRF token" 64 "$(tr -d '\n' < "$T/asr.csrf" | wc -c)"
s=$(req asr GET /api/periods)
assert_eq "http-2.4 before the change, other routes refuse (403 2006)" "403 2006" "$s $(code)"
s=$(req asr GET /api/me)
assert_eq "http-2.5 /api/me works before the change" "200 true" "$s $(jq -r .must_change_password "$T/out")"
for bad in 'abcdefgh' 'Passw0rd' 'xxasr2024X!' 'Short1!' ; do
  s=$(req asr POST /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"$bad\"}")
  assert_eq "http-2.6 policy refuses '$bad' (400 3005)" "400 3005" "$s $(code)"
done
assert_contains "http-2.7 the message names the rule" "$(jq -r .message "$T/out")" "at least 8 characters"
s=$(req asr POST /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"$PW0\"}")
assert_eq "http-2.8 the current password cannot be reused (history)" "400 3005" "$s $(code)"
s=$(req asr POST /api/password "{\"old_password\":\"Wrong-Pass-9z\",\"new_password\":\"$PW1\"}")
assert_eq "http-2.9 a wrong old password is refused (401 2002)" "401 2002" "$s $(code)"
s=$(req asr POST /api/password "{\"new_password\":\"$PW1\"}")
assert_eq "http-2.10 the old password is required" "400 3002" "$s $(code)"
oldjar=$(cat "$T/asr.jar")
s=$(req asr POST /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"$PW1\"}")
assert_eq "http-2.11 password changed" 200 "$s"
jq -r .csrf_token "$T/out" > "$T/asr.csrf"
assert_contains "http-2.12 a new session cookie is issued" "$(hdr Set-Cookie)" "kp_sid="
s=$(req asr GET /api/periods)
assert_eq "http-2.13 after the change the routes work" 200 "$s"
echo "$oldjar" > "$T/old.jar"; cp "$T/asr.csrf" "$T/old.csrf"
s=$(req old GET /api/me)
assert_eq "http-2.14 the session from before the change is dead" "401" "$s"
s=$(login asr "$PW0")
assert_eq "http-2.15 the old password no longer signs in" "401" "$s"
s=$(login asr "$PW1")
assert_eq "http-2.16 the new password signs in, no change required" "200 false" "$s $(jq -r .must_change_password "$T/out")"
# every other account changes its initial password now
for u in sys sec aud prov rep_a insp ldr dummy; do
  login "$u" "$PW0" >/dev/null
  s=$(req "$u" POST /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"$PW1\"}")
  [ "$s" = 200 ] || fail "http-2.17 $u changes the initial password" "status $s $(cat "$T/out")"
  jq -r .csrf_token "$T/out" > "$T/$u.csrf"
done
ok "http-2.17 every account changed its initial password"
s=$(req rep_a POST /api/password "{\"old_password\":\"$PW1\",\"new_password\":\"$PW0\"}")
assert_eq "http-2.18 an earlier password (history of 5) cannot be reused" "400 3005" "$s $(code)"

# ---- http-3 the role matrix -------------------------------------------------------------------
# One line per route: METHOD PATH BODY then the expected outcome for
# sys sec aud asr prov rep_a insp ldr (Y = allowed: any status but 401/403; N = 403 2004).
MATRIX='GET /api/audit - N N Y N N N N N
GET /api/audit/export - N N Y N N N N N
POST /api/login/totp {} Y Y Y Y Y Y Y Y
POST /api/totp/confirm {} Y Y Y Y Y Y Y Y
GET /api/me - Y Y Y Y Y Y Y Y
GET /api/meetings/2021-B1 - N N N Y Y Y Y Y
POST /api/meetings/2022-B1/end - N N N Y N N N N
POST /api/meetings/2022-B1/slide {} N N N Y N N N N
POST /api/meetings/2022-B1/start {} N N N Y N N N N
POST /api/password {} Y Y Y Y Y Y Y Y
GET /api/periods - N N N Y Y Y Y Y
POST /api/periods {} N N N Y N N N N
POST /api/periods/2022-B1/close - N N N Y N N N N
POST /api/periods/2022-B1/compute - N N N Y N N N N
GET /api/periods/2021-B4/entry?unit=430421 - N N N Y Y Y N Y
POST /api/periods/2021-B4/entry {} N N N N Y Y N N
POST /api/periods/2021-B4/entry/return {} N N N Y N N N N
POST /api/periods/2022-B1/entry/submit {} N N N N Y Y N N
POST /api/periods/2021-B4/entry/verify {} N N N Y N N N N
GET /api/periods/2021-B4/progress - N N N Y N N N Y
POST /api/periods/2022-B1/publish - N N N Y N N N N
POST /api/periods/2022-B1/upload - N N N N Y Y N N
POST /api/periods/2021-B1/whatif {} N N N Y Y Y Y Y
GET /api/providers/nobody/indicators - N N N Y N N N N
POST /api/providers/nobody/indicators {} N N N Y N N N N
GET /api/reviews/2021-B1 - N N N Y Y Y Y Y
GET /api/reviews/2021-B1/bulletin.csv - N N N Y Y Y Y Y
GET /api/reviews/2021-B1/bulletin.pdf - N N N Y Y Y Y Y
GET /api/reviews/2021-B1/bulletin.xlsx - N N N Y Y Y Y Y
GET /api/reviews/2021-B1/comments - N N N Y Y Y Y Y
GET /api/reviews/2021-B1/supervision?unit=430421 - N N N Y Y Y Y Y
POST /api/reviews/2021-B1/comments {} N N N N N N N Y
GET /api/units - N N N Y Y Y Y Y
GET /api/units/430421 - N N N Y Y Y Y Y
GET /api/units/430421/trend - N N N Y Y Y Y Y
GET /api/users - Y Y N N N N N N
POST /api/users {} Y N N N N N N N
POST /api/users/nobody/roles {} N Y N N N N N N
POST /api/users/nobody/unlock - N Y N N N N N N
GET /bulletin/2021-B1.html - N N N Y Y Y Y Y
GET / - Y Y Y Y Y Y Y Y
GET /assets/app.js - Y Y Y Y Y Y Y Y
POST /api/login {} Y Y Y Y Y Y Y Y
POST /login - Y Y Y Y Y Y Y Y
GET /api/calendar - N N N N N N Y N
POST /api/calendar {} N N N N N N Y N
GET /api/contacts - N N N N N N N Y
POST /api/contacts/problems/999/close {} N N N N N N N Y
POST /api/contacts/problems/999/task {} N N N N N N Y Y
POST /api/contacts/999/visits {} N N N N N N N Y
GET /api/places - Y N N Y Y Y Y Y
POST /api/places {} Y N N N N N N N
POST /api/places/999 {} Y N N N N N N N
POST /api/places/999/delete - Y N N N N N N N
GET /api/honours - Y N N N N N N N
POST /api/honours {} Y N N N N N N N
POST /api/honours/999 {} Y N N N N N N N
POST /api/honours/999/delete - Y N N N N N N N
GET /api/public/findings - Y Y Y Y Y Y Y Y
GET /api/public/honours - Y Y Y Y Y Y Y Y
GET /api/public/photos/999 - Y Y Y Y Y Y Y Y
GET /api/public/places - Y Y Y Y Y Y Y Y
GET /api/public/places/route - Y Y Y Y Y Y Y Y
GET /api/public/wishes - Y Y Y Y Y Y Y Y
POST /api/public/wishes {} Y Y Y Y Y Y Y Y
GET /api/public/wishes/form - Y Y Y Y Y Y Y Y
POST /api/public/wishes/track {} Y Y Y Y Y Y Y Y
POST /api/users/nobody/party {} N Y N N N N N N
GET /api/wishes - N N N Y Y Y Y Y
POST /api/wishes/feed {} N N N Y N N N N
GET /api/wishes/stats - N N N Y N N N Y
GET /api/wishes/999 - N N N Y Y Y Y Y
POST /api/wishes/999/claim {} N N N Y Y Y Y Y
POST /api/wishes/999/complete {} N N N Y Y Y Y Y
POST /api/wishes/999/progress {} N N N Y Y Y Y Y
POST /api/wishes/999/reject {} N N N Y Y Y Y Y
POST /api/wishes/999/release {} N N N Y Y Y Y Y
GET /api/findings - N N N Y N Y Y Y
POST /api/findings {} N N N N N N Y N
GET /api/findings/1 - N N N Y N Y Y Y
POST /api/findings/1/actions {} N N N N N Y Y Y
GET /api/inspections - N N N N N N Y Y
POST /api/inspections {} N N N N N N Y N
POST /api/periods/2099-B1/findings/sync - N N N Y N N Y N
GET /api/tasks - N N N Y N Y Y Y
POST /api/tasks {} N N N N N N Y Y
GET /api/tasks/1 - N N N Y N Y Y Y
POST /api/tasks/1/actions {} N N N N N Y Y Y
GET /api/projects?period=2021-B3 - N N N Y Y Y Y Y
POST /api/projects {} N N N Y Y N N N
GET /api/projects/1?period=2021-B3 - N N N Y Y Y Y Y
POST /api/projects/1/progress {} N N N N Y Y N N
GET /api/evidence?kind=x&id=1 - Y N N Y Y Y Y Y
POST /api/evidence?kind=x&id=1 {} Y N N Y Y Y Y Y
GET /api/evidence/999 - Y N N Y Y Y Y Y
POST /api/periods/2099-B1/projects/sync - N N N Y Y N N N
GET /api/crosscheck/2021-B4 - N N N Y N N N Y
GET /api/feeds/batches - N N N Y N N N Y
GET /api/feeds/rejects - N N N Y N N N Y
GET /api/feeds/uploads/1 - N N N Y N N N N
GET /api/feeds/hotline/records?unit=430421&period=2021-B4 - N N N Y N N N Y
GET /api/feeds/hotline/records.csv?unit=430421&period=2021-B4 - N N N Y N N N Y
POST /api/feeds/hotline/upload {} N N N Y N N N N'
bad_cells=""
while read -r m p body exp; do
  [ "$body" = - ] && body=
  i=0
  for u in $USERS; do
    i=$((i + 1))
    want=$(echo "$exp" | cut -d' ' -f$i)
    s=$(req "$u" "$m" "$p" "$body")
    c=$(code)
    if [ "$want" = Y ]; then
      if [ "$s" = 401 ] || [ "$s" = 403 ]; then bad_cells+="$u $m $p: expected allowed, got $s $c; "; fi
    else
      if [ "$s $c" != "403 2004" ]; then bad_cells+="$u $m $p: expected 403 2004, got $s $c; "; fi
    fi
  done
done <<<"$MATRIX"
assert_eq "http-3.1 role matrix (8 roles x $(printf '%s\n' "$MATRIX" | wc -l) routes) matches the table" "" "$bad_cells"
# no session at all: every non-public route is 401
anon_bad=""
for mp in "GET /api/audit" "POST /api/logout" "GET /api/me" "POST /api/password" "GET /api/periods" \
          "GET /api/reviews/2021-B1" "GET /api/users" "POST /api/users" "POST /api/users/x1/roles" \
          "POST /api/users/x1/unlock" "GET /bulletin/2021-B1.html" "POST /logout" \
          "POST /api/periods" "GET /api/periods/2021-B4/entry" "POST /api/periods/2021-B4/entry" \
          "POST /api/periods/2021-B4/upload" "GET /api/periods/2021-B4/progress" \
          "POST /api/periods/2021-B4/close" "GET /api/reviews/2021-B1/bulletin.pdf" \
          "POST /api/reviews/2021-B1/comments" "GET /api/units" "GET /api/units/430421/trend" \
          "GET /api/providers/x1/indicators" "GET /api/meetings/2021-B1" "GET /api/wishes" "POST /api/wishes/1/claim" \
          "GET /api/contacts" "POST /api/users/x1/party" "GET /api/wishes/stats" "GET /api/places" \
          "GET /api/findings" "POST /api/findings/1/actions" "GET /api/tasks" "POST /api/inspections" \
          "GET /api/honours" "POST /api/honours" "POST /api/places" "POST /api/places/1/delete" \
          "GET /api/calendar" "POST /api/calendar"; do
  set -- $mp
  s=$(req - "$1" "$2")
  c=$(code)
  if [ "$s" != 401 ]; then anon_bad+="$mp -> $s; "
  elif [ "${2#/api/}" != "$2" ] && [ "$c" != 2001 ]; then anon_bad+="$mp -> $s $c; "; fi
done
assert_eq "http-3.2 without a session every non-public route is 401" "" "$anon_bad"
s=$(req - GET /api/me)
assert_eq "http-3.3 401 body has code 2001 and field null" "2001 null" "$(code) $(jq -r .field "$T/out")"
n=$(sqlite3 "$DB" "select count(*) from audit where event='access.denied' and outcome='denied'")
nN=$(printf '%s\n' "$MATRIX" | awk '{for (i = 4; i <= NF; i++) if ($i == "N") n++} END {print n + 0}')
assert_eq "http-3.4 every one of the $nN refusals of the matrix was audited" "$nN" "$n"

# ---- http-4 lockout ------------------------------------------------------------------------------
"$KAOPING" user policy lockout_seconds 3 --db "$DB" >/dev/null
codes=""
for i in 1 2 3 4 5; do codes+="$(login victim Wrong-Pass-$i) "; done
assert_eq "http-4.1 five wrong passwords: 401 each" "401 401 401 401 401 " "$codes"
s=$(login victim "$PW0")
assert_eq "http-4.2 then even the right password is refused (429 2003)" "429 2003" "$s $(code)"
assert_eq "http-4.3 with Retry-After" 1 "$([ -n "$(hdr Retry-After)" ] && echo 1)"
ghost=""
for i in 1 2 3 4 5; do ghost+="$(login ghost Wrong-Pass-$i) "; done
assert_eq "http-4.4 an unknown name answers like a known one (401 x5)" "401 401 401 401 401 " "$ghost"
m1=$(jq -c 'del(.request_id)' "$T/out")
login victim Wrong-Pass-x >/dev/null  # still locked: 429
s=$(login ghost "$PW0")
assert_eq "http-4.5 ... and locks like a known one (no enumeration)" "429 2003" "$s $(code)"
login dummy Wrong-Pass-1 >/dev/null
assert_eq "http-4.6 failure bodies identical for known and unknown names" "$m1" "$(jq -c 'del(.request_id)' "$T/out")"
sleep 3.5
s=$(login victim "$PW0")
assert_eq "http-4.7 the lock ends by itself after lockout_seconds" 200 "$s"
for i in 1 2 3 4 5; do login victim Wrong-Pass-$i >/dev/null; done
s=$(req sec POST /api/users/victim/unlock)
assert_eq "http-4.8 secadmin unlocks through the API" 200 "$s"
s=$(login victim "$PW0")
assert_eq "http-4.9 unlocked account signs in at once" 200 "$s"
"$KAOPING" user lock victim --db "$DB" >/dev/null
s=$(req victim GET /api/me)
assert_eq "http-4.10 an administrator lock ends live sessions" 401 "$s"
s=$(login victim "$PW0")
assert_eq "http-4.11 a locked account cannot sign in (403 2010)" "403 2010" "$s $(code)"
s=$(login victim Wrong-Pass-q)
assert_eq "http-4.12 ... and with a wrong password it looks like any failure" "401 2002" "$s $(code)"
"$KAOPING" user unlock victim --db "$DB" >/dev/null
s=$(login victim "$PW0")
assert_eq "http-4.13 user unlock lets it in again" 200 "$s"
sleep 4.2   # the failures above age out of the window (times are whole seconds: 3 + 1)
"$KAOPING" user policy login_ip_max_failures 5 --db "$DB" >/dev/null
for i in 1 2 3 4 5; do login "nobody$i" Wrong-Pass-1 >/dev/null; done
s=$(login ldr "$PW1")
assert_eq "http-4.14 an address with too many failures is throttled (429 2011)" "429 2011" "$s $(code)"
sleep 4.2
s=$(login ldr "$PW1")
assert_eq "http-4.15 the throttle is lifted after the window" 200 "$s"
# back to the defaults, with room for the failures this test still makes
"$KAOPING" user policy lockout_seconds 900 --db "$DB" >/dev/null
"$KAOPING" user policy login_ip_max_failures 1000 --db "$DB" >/dev/null

# ---- http-5 CSRF ----------------------------------------------------------------------------------
login asr "$PW1" >/dev/null
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/asr.jar" -H 'Content-Type: application/json' -d '{}' "$B/api/password")
assert_eq "http-5.1 POST without X-CSRF-Token: 403 2005" "403 2005" "$s $(code)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/asr.jar" -H 'X-CSRF-Token: 0000' -H 'Content-Type: application/json' -d '{}' "$B/api/password")
assert_eq "http-5.2 with a wrong token: 403 2005" "403 2005" "$s $(code)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/asr.jar" -H "X-CSRF-Token: $(cat "$T/ldr.csrf")" -H 'Content-Type: application/json' -d '{}' "$B/api/password")
assert_eq "http-5.3 with another session's token: 403 2005" "403 2005" "$s $(code)"
s=$(req asr POST /api/password '{}' -H 'Origin: https://evil.example')
assert_eq "http-5.4 right token but foreign Origin: 403 2009" "403 2009" "$s $(code)"
s=$(req asr POST /api/password '{}' -H 'Origin: null')
assert_eq "http-5.5 Origin: null refused" "403 2009" "$s $(code)"
s=$(req asr POST /api/password '{}' -H 'Sec-Fetch-Site: cross-site')
assert_eq "http-5.6 Sec-Fetch-Site: cross-site refused" "403 2009" "$s $(code)"
s=$(req asr POST /api/password '{}' -H "Origin: http://127.0.0.1:$PORT" -H 'Sec-Fetch-Site: same-origin')
assert_eq "http-5.7 right token from the same origin passes CSRF (then 400 for the body)" "400 3002" "$s $(code)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Origin: https://evil.example' \
       --data-binary "{\"username\":\"asr\",\"password\":\"$PW1\"}" "$B/api/login")
assert_eq "http-5.8 login from a foreign origin refused (login CSRF)" "403 2009" "$s $(code)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: text/plain' -d '{"username":"asr","password":"x"}' "$B/api/login")
assert_eq "http-5.9 login body must be application/json (415)" "415 1015" "$s $(code)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/asr.jar" -H 'Content-Type: application/x-www-form-urlencoded' -d 'csrf=1' "$B/logout")
assert_eq "http-5.10 form logout with a wrong csrf field refused" 403 "$s"
s=$(req asr GET /api/me '' -H 'Sec-Fetch-Site: cross-site')
assert_eq "http-5.11 a cross-site GET still reads (read-only connection)" 200 "$s"
n=$(sqlite3 "$DB" "select count(*) from audit where event='csrf.denied'")
assert_eq "http-5.12 CSRF refusals are audited" 1 "$([ "$n" -ge 6 ] && echo 1 || echo "$n")"

# ---- http-6 sessions ----------------------------------------------------------------------------
s=$(login ldr "$PW1")
assert_contains "http-6.1 cookie is HttpOnly" "$(hdr Set-Cookie)" "HttpOnly"
assert_contains "http-6.2 cookie is SameSite=Strict" "$(hdr Set-Cookie)" "SameSite=Strict"
assert_contains "http-6.3 cookie is Path=/" "$(hdr Set-Cookie)" "Path=/"
tok=$(hdr Set-Cookie | sed 's/^kp_sid=\([^;]*\).*/\1/')
assert_eq "http-6.4 token is 43 base64url characters (256 bits)" 43 "${#tok}"
n=$(sqlite3 "$DB" "select count(*) from session where token_hash='$tok'")
h=$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
n2=$(sqlite3 "$DB" "select count(*) from session where token_hash='$h'")
assert_eq "http-6.5 the database keeps only the SHA-256 of the token" "0 1" "$n $n2"
FIX=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
s=$(login ldr "$PW1" -b "kp_sid=$FIX")
assert_not_contains "http-6.6 no session fixation: login issues a new token" "$(hdr Set-Cookie)" "$FIX"
"$KAOPING" user policy session_idle_seconds 2 --db "$DB" >/dev/null
login ldr "$PW1" >/dev/null
s=$(req ldr GET /api/me)
assert_eq "http-6.7 fresh session works" 200 "$s"
sleep 3.2
s=$(req ldr GET /api/me)
assert_eq "http-6.8 idle timeout: 401 2008" "401 2008" "$s $(code)"
s=$(req ldr GET /api/me)
assert_eq "http-6.9 the expired session is gone for good (401 2001)" "401 2001" "$s $(code)"
"$KAOPING" user policy session_idle_seconds 1800 --db "$DB" >/dev/null
"$KAOPING" user policy session_absolute_seconds 4 --db "$DB" >/dev/null
login ldr "$PW1" >/dev/null
seq_ok=""
for i in 1 2; do sleep 1; seq_ok+="$(req ldr GET /api/me) "; done
assert_eq "http-6.10 an active session works before the absolute limit" "200 200 " "$seq_ok"
sleep 2.8
s=$(req ldr GET /api/me)
assert_eq "http-6.11 absolute limit ends even an active session" "401 2008" "$s $(code)"
"$KAOPING" user policy session_absolute_seconds 43200 --db "$DB" >/dev/null
login ldr "$PW1" >/dev/null
cp "$T/ldr.jar" "$T/saved.jar"; cp "$T/ldr.csrf" "$T/saved.csrf"
s=$(req ldr POST /api/logout)
assert_eq "http-6.12 logout" 200 "$s"
assert_contains "http-6.13 logout clears the cookie" "$(hdr Set-Cookie)" "Max-Age=0"
assert_contains "http-6.14 logout sends Clear-Site-Data" "$(hdr Clear-Site-Data)" '"cookies"'
s=$(req saved GET /api/me)
assert_eq "http-6.15 the logged-out cookie never works again" 401 "$s"
# the short limits above swept every idle session: everyone signs in again
relogin_all

# ---- http-7 security headers ---------------------------------------------------------------------
check_headers() { # NAME
  local missing=""
  grep -qi "^Content-Security-Policy:.*default-src 'self'.*object-src 'none'.*base-uri 'none'.*frame-ancestors 'none'" "$T/hdr" || missing+="CSP "
  grep -qi "^X-Content-Type-Options: nosniff" "$T/hdr" || missing+="nosniff "
  grep -qi "^X-Frame-Options: DENY" "$T/hdr" || missing+="XFO "
  grep -qi "^Referrer-Policy: no-referrer" "$T/hdr" || missing+="Referrer-Policy "
  grep -qi "^Cache-Control: no-" "$T/hdr" || missing+="Cache-Control "
  grep -qi "^Content-Type: .*charset=utf-8\|^Content-Type: image\|^Content-Type: font" "$T/hdr" || missing+="Content-Type "
  grep -qi "^Server:" "$T/hdr" && missing+="Server-banner "
  grep -qi "^Access-Control-Allow-Origin" "$T/hdr" && missing+="CORS "
  assert_eq "http-7 security headers on $1" "" "$missing"
}
req ldr GET /api/me >/dev/null; check_headers "200 JSON"
assert_eq "http-7.1 API JSON is not cached" "no-store" "$(hdr Cache-Control)"
req - GET /api/me >/dev/null; check_headers "401"
req ldr GET /api/nope >/dev/null; check_headers "404"
req ldr DELETE /api/me >/dev/null; check_headers "405"
req ldr GET /api/me '' -H 'Origin: https://evil.example' >/dev/null; check_headers "cross-origin GET"
curl -s -o /dev/null -D "$T/hdr" -H 'Content-Type: application/json' -H 'Content-Length: 100000' --data-binary '{}' "$B/api/login" >/dev/null
check_headers "413"
req - GET / >/dev/null; check_headers "HTML"
req - GET /assets/app.js >/dev/null; check_headers "static file"
curl -s -I -o /dev/null -D "$T/hdr" "$B/api/me"; check_headers "HEAD"
req ldr GET /bulletin/2021-B1.html >/dev/null; check_headers "bulletin"
n1=$(req - GET / >/dev/null; hdr Content-Security-Policy | grep -oE "nonce-[0-9a-f]+" | head -1)
n2=$(req - GET / >/dev/null; hdr Content-Security-Policy | grep -oE "nonce-[0-9a-f]+" | head -1)
assert_eq "http-7.2 a fresh CSP nonce per response" 1 "$([ -n "$n1" ] && [ "$n1" != "$n2" ] && echo 1)"

# ---- http-8 static files and path traversal -----------------------------------------------------
s=$(req - GET /assets/app.js)
assert_eq "http-8.1 static file served" "200 text/javascript; charset=utf-8" "$s $(hdr Content-Type)"
s=$(req - GET /sub/x.css)
assert_eq "http-8.2 content type by extension" "200 text/css; charset=utf-8" "$s $(hdr Content-Type)"
s=$(req - GET /)
assert_contains "http-8.3 / serves the web UI's index.html when built" "$(cat "$T/out")" "KAOPING-UI"
s=$(req - GET /reviews/2021-B1)
assert_contains "http-8.4 a client-side route gets index.html" "$s $(cat "$T/out")" "200 <!doctype html>"
s=$(req - GET '/projects?period=2021-B4&x=1')
assert_contains "http-8.4b a client-side route with its query (a deep link) gets index.html" "$s $(cat "$T/out")" "200 <!doctype html>"
s=$(req - GET '/api/periods?nonsense=1')
assert_eq "http-8.4c an API route still refuses a query parameter it does not declare" "400 3006" "$s $(code)"
leak=""
for p in '/../secret.txt' '/%2e%2e/secret.txt' '/..%2fsecret.txt' '/sub/..%2f..%2fsecret.txt' \
         '/sub/../../secret.txt' '/%2e%2e%2f%2e%2e%2fsecret.txt' '/link.txt' '/.hidden' \
         '//etc/passwd' '/..%5csecret.txt' '/sub/%2e%2e/%2e%2e/secret.txt' '/assets/app.js%00.png' \
         '/./assets/app.js'; do
  s=$(curl -s --path-as-is -o "$T/out" -w '%{http_code}' "$B$p")
  if grep -q 'TOP-SECRET\|HIDDEN-FILE\|root:' "$T/out" || [ "$s" = 200 ]; then leak+="$p -> $s; "; fi
done
assert_eq "http-8.5 no traversal, no symlink escape, no hidden files (13 probes)" "" "$leak"
s=$(curl -s --path-as-is -o "$T/out" -w '%{http_code}' "$B/../secret.txt")
assert_eq "http-8.6 a traversal attempt is a plain 404" 404 "$s"

# ---- http-9 accounts through the API ----------------------------------------------------------------
s=$(req sys POST /api/users '{"username":"newbie","display_name":"新 员工"}')
assert_eq "http-9.1 sysadmin creates an account" "201 true" "$s $(jq -r .must_change_password "$T/out")"
NEWPW=$(jq -r .initial_password "$T/out")
assert_eq "http-9.2 with a generated 16-character initial password" 16 "${#NEWPW}"
s=$(login newbie "$NEWPW")
assert_eq "http-9.3 which signs in, change required, no roles" "200 true []" "$s $(jq -r .must_change_password "$T/out") $(jq -c .roles "$T/out")"
s=$(req sys POST /api/users '{"username":"asr"}')
assert_eq "http-9.4 duplicate name: 409 4002" "409 4002 username" "$s $(code) $(jq -r .field "$T/out")"
s=$(req sys POST /api/users '{"username":"ASR"}')
assert_eq "http-9.5 upper-case names are refused (no case duplicates)" "400 3003" "$s $(code)"
s=$(req sys POST /api/users '{"username":"u2","roles":["sysadmin"]}')
assert_eq "http-9.6 unknown field (mass assignment) refused" "400 3004 roles" "$s $(code) $(jq -r .field "$T/out")"
s=$(req sys POST /api/users '{"username":"u3","unit":"999999"}')
assert_eq "http-9.7 unknown unit refused" "400 3003 unit" "$s $(code) $(jq -r .field "$T/out")"
s=$(req sys POST /api/users 'not json')
assert_eq "http-9.8 malformed JSON: 400 3001" "400 3001" "$s $(code)"
s=$(req sec POST /api/users/newbie/roles '{"roles":["leader","inspector"]}')
assert_eq "http-9.9 secadmin grants business roles" "200 [\"inspector\",\"leader\"]" "$s $(jq -c .roles "$T/out")"
s=$(req sec POST /api/users/newbie/roles '{"roles":["sysadmin"]}')
assert_eq "http-9.10 administrator roles cannot be granted through the API" "403 2012" "$s $(code)"
s=$(req sec POST /api/users/sys/roles '{"roles":["leader"]}')
assert_eq "http-9.11 an administrator account's roles are not changed through the API" "403 2012" "$s $(code)"
s=$(req sec POST /api/users/sec/roles '{"roles":[]}')
assert_eq "http-9.12 nobody changes their own roles" "403 2012" "$s $(code)"
s=$(req sec POST /api/users/newbie/roles '{"roles":["reporter"]}')
assert_eq "http-9.13 reporter without a unit refused" "400 3007" "$s $(code)"
s=$(req sec POST /api/users/newbie/roles '{"roles":["boss"]}')
assert_eq "http-9.14 unknown role refused" "400 3003" "$s $(code)"
s=$(req sec POST /api/users/nobody/roles '{"roles":[]}')
assert_eq "http-9.15 unknown account: 404 4001" "404 4001" "$s $(code)"
s=$(req sys GET /api/users)
assert_eq "http-9.16 the list shows roles and state" "[\"inspector\",\"leader\"] true" \
  "$(jq -c '.users[] | select(.username=="newbie") | .roles' "$T/out") $(jq -r '.users[] | select(.username=="newbie") | .must_change_password' "$T/out")"
assert_eq "http-9.17 the list never carries password hashes" "" "$(grep -o 'argon2' "$T/out")"

# ---- http-10 reviews and bulletins --------------------------------------------------------------------
s=$(req rep_a GET /api/reviews/2021-B1)
assert_eq "http-10.1 reporter reads a published review" "200 published" "$s $(jq -r .state "$T/out")"
assert_eq "http-10.2 ... its own unit in full" true "$(jq '[.review.units[] | select(.code=="430421")][0] | has("indicators")' "$T/out")"
assert_eq "http-10.3 ... other units as rankings only (no indicator detail)" 0 \
  "$(jq '[.review.units[] | select(.code!="430421") | select(has("indicators") or has("shortfalls") or has("potential"))] | length' "$T/out")"
assert_eq "http-10.4 ... but every unit's rank" true "$(jq '[.review.units[] | has("rank")] | all' "$T/out")"
s=$(req asr GET /api/reviews/2021-B1)
assert_eq "http-10.5 assessor sees every unit in full" 0 "$(jq '[.review.units[] | select(has("indicators") | not)] | length' "$T/out")"
s=$(req rep_a GET /api/reviews/2021-B4)
assert_eq "http-10.6 reporter cannot see a computed, unpublished review (404)" "404 4001" "$s $(code)"
s=$(req asr GET /api/reviews/2021-B4)
assert_eq "http-10.7 assessor sees the draft" "200 computed" "$s $(jq -r .state "$T/out")"
s=$(req ldr GET /api/reviews/2021-B4)
assert_eq "http-10.8 leader sees the draft" "200 computed" "$s $(jq -r .state "$T/out")"
s=$(req insp GET /api/reviews/2021-B4)
assert_eq "http-10.9 inspector does not" 404 "$s"
s=$(req asr GET /api/reviews/2021-B6)
assert_eq "http-10.10 no review for a period: 404" "404 4001" "$s $(code)"
s=$(req asr GET '/api/reviews/2021-XX')
assert_eq "http-10.11 malformed period: 400 3003 period" "400 3003 period" "$s $(code) $(jq -r .field "$T/out")"
s=$(req rep_a GET /bulletin/2021-B1.html)
assert_eq "http-10.12 bulletin is HTML" "200 text/html; charset=utf-8" "$s $(hdr Content-Type)"
assert_contains "http-10.13 bulletin shows the units" "$(cat "$T/out")" "衡阳县"
assert_contains "http-10.14 its <style> is allowed by hash in the CSP" "$(hdr Content-Security-Policy)" "'sha256-"
css_hash=$(python3 - "$T/out" <<'EOF'
import sys, re, hashlib, base64
html = open(sys.argv[1], encoding='utf-8').read()
m = re.search(r'<style>(.*?)</style>', html, re.S)
print(base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode() if m else '')
EOF
)
assert_contains "http-10.15 the CSP hash is the hash of that style block" "$(hdr Content-Security-Policy)" "sha256-$css_hash"
s=$(req rep_a GET /bulletin/2021-B4.html)
assert_eq "http-10.16 reporter gets no draft bulletin" 404 "$s"
s=$(req ldr GET '/bulletin/2021-B4.html?lang=en')
assert_eq "http-10.17 leader gets the draft bulletin, in English" 200 "$s"
s=$(req asr GET /api/periods)
assert_eq "http-10.18 periods list" "200 4 true" "$s $(jq '.periods | length' "$T/out") $(jq '.periods[3].review_computed' "$T/out")"
s=$(req rep_a GET /api/periods)
assert_eq "http-10.19 a reporter is not told about drafts" null "$(jq '.periods[3].review_computed' "$T/out")"

# ---- http-11 request errors -------------------------------------------------------------------------
s=$(req ldr GET /api/mee)
assert_eq "http-11.1 unknown API route: 404 1004 with a suggestion" "404 1004" "$s $(code)"
assert_contains "http-11.2 ... did you mean" "$(jq -r .message "$T/out")" "did you mean /api/me"
s=$(req ldr DELETE /api/me)
assert_eq "http-11.3 wrong method: 405 with Allow" "405 1005 GET, HEAD" "$s $(code) $(hdr Allow)"
s=$(req - TRACE /)
assert_eq "http-11.4 TRACE refused" 405 "$s"
s=$(req ldr GET '/api/me?debug=1')
assert_eq "http-11.5 undeclared query parameter: 400 3006" "400 3006 debug" "$s $(code) $(jq -r .field "$T/out")"
s=$(req aud GET '/api/audit?limit=0')
assert_eq "http-11.6 parameter out of range: 400 3003" "400 3003 limit" "$s $(code) $(jq -r .field "$T/out")"
big=$(head -c 5000 /dev/zero | tr '\0' a)
s=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "{\"username\":\"$big\"}" "$B/api/login")
assert_eq "http-11.7 body over the route's limit: 413 1013" "413 1013" "$s $(code)"
s=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "{\"username\":\"$big\"}" "$B/api/login")
assert_eq "http-11.8 chunked body over the limit: 413" "413 1013" "$s $(code)"
s=$(req ldr POST /api/logout '{"x":1}')
assert_eq "http-11.9 a body where none is allowed: 413" 413 "$s"
s=$(req - GET /bulletin/nope.txt)
assert_eq "http-11.10 page errors are HTML" "404 text/html; charset=utf-8" "$s $(hdr Content-Type)"
long=$(head -c 70000 /dev/zero | tr '\0' a)
s=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Long: $long" "$B/api/me")
assert_eq "http-11.11 oversized headers refused by the server" 1 "$([ "$s" -ge 400 ] && [ "$s" -lt 500 ] && echo 1 || echo "$s")"
s=$(req ldr GET /api/me)
assert_eq "http-11.12 the server still answers after all that" 200 "$s"

# ---- http-12 kaoping http: one raw request, no socket ----------------------------------------------------
printf 'GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n' > "$T/me.txt"
run_kp http "$T/me.txt" --as asr --db "$DB"
assert_contains "http-12.1 --as serves the request as that account" "$out" '"username":"asr"'
assert_contains "http-12.2 raw status line" "$out" "HTTP/1.1 200 OK"
assert_contains "http-12.3 same security headers as the server" "$out" "X-Frame-Options: DENY"
run_kp http "$T/me.txt" --db "$DB"
assert_contains "http-12.4 without --as or cookie: 401" "$out" "HTTP/1.1 401 Unauthorized"
printf 'GET /api/users HTTP/1.1\r\n\r\n' > "$T/users.txt"
run_kp http "$T/users.txt" --as rep_a --db "$DB"
assert_contains "http-12.5 --as keeps the account's capabilities (403)" "$out" "HTTP/1.1 403 Forbidden"
body="{\"username\":\"prov\",\"password\":\"$PW1\"}"
printf 'POST /api/login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body" > "$T/login.txt"
run_kp http "$T/login.txt" --db "$DB" --peer 10.0.0.9
assert_contains "http-12.6 a login request from a file sets a cookie" "$out" "Set-Cookie: kp_sid="
cookie=$(printf '%s\n' "$out" | grep -o 'kp_sid=[^;]*' | head -1)
printf 'GET /api/periods HTTP/1.1\nCookie: %s\n\n' "$cookie" > "$T/p.txt"
run_kp http "$T/p.txt" --db "$DB"
assert_contains "http-12.7 ... which the next request file can use (LF line ends too)" "$out" "HTTP/1.1 200 OK"
printf 'GET / HTTP/1.1\r\n\r\n' > "$T/root.txt"
run_kp http "$T/root.txt" --db "$DB" --web-root "$T/none"
assert_contains "http-12.8 without a web UI, / is the server-rendered sign-in page" "$out" 'action="/login"'
run_kp http "$T/root.txt" --db "$DB" --as asr --web-root "$T/none"
assert_contains "http-12.9 ... and for a reader it lists bulletins" "$out" 'href="/bulletin/2021-B1.html"'
assert_contains "http-12.10 the inline style carries the CSP nonce" "$out" '<style nonce="'
FUT=$(date -u -d '+91 days' +%Y-%m-%dT%H:%M:%SZ)
body="{\"username\":\"insp\",\"password\":\"$PW1\"}"
printf 'POST /api/login HTTP/1.1\r\nContent-Type: application/json\r\n\r\n%s' "$body" > "$T/l2.txt"
out=$(KAOPING_NOW=$FUT "$KAOPING" http "$T/l2.txt" --db "$DB" 2>/dev/null)
assert_contains "http-12.11 after 91 days the password has expired" "$out" '"password_expired":true'
cookie=$(printf '%s\n' "$out" | grep -o 'kp_sid=[^;]*' | head -1)
printf 'GET /api/periods HTTP/1.1\nCookie: %s\n\n' "$cookie" > "$T/p2.txt"
out=$(KAOPING_NOW=$FUT "$KAOPING" http "$T/p2.txt" --db "$DB" 2>/dev/null)
assert_contains "http-12.12 ... and must be changed before anything else (403 2006)" "$out" '"code":2006'
assert_contains "http-12.13 ... saying why" "$out" 'expired'
printf 'GARBAGE\n' > "$T/bad.txt"
run_kp http "$T/bad.txt" --db "$DB"
assert_eq "http-12.14 a malformed request file is bad input (exit 1)" 1 "$rc"
relogin_all # the login 91 days ahead swept every session as idle

# ---- http-13 concurrency -------------------------------------------------------------------------------
par=$(seq 40 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' -b "$T/asr.jar" "$B/api/me" | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')
assert_eq "http-13.1 40 parallel requests on 4 threads all answered" "200:40 " "$par"
par=$(for u in asr prov insp rep_a ldr sec sys aud; do echo "$u"; done | \
  xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
    -d "{\"username\":\"{}\",\"password\":\"$PW1\"}" "$B/api/login" | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')
assert_eq "http-13.2 8 parallel logins succeed" "200:8 " "$par"
run_kp audit verify --db "$DB"
assert_eq "http-13.3 audit chain intact after concurrent writes" 0 "$rc"

# ---- http-14 the audit trail of all this ---------------------------------------------------------------
s=$(req aud GET '/api/audit?limit=1000')
ev=$(jq -r '[.records[].event] | unique | join(" ")' "$T/out")
for e in login logout password.change password.verify account.lockout user.add role.set user.unlock \
         user.lock access.denied csrf.denied session.expired setting.set user.list review.read; do
  assert_contains "http-14.1 audit has $e" " $ev " " $e "
done
assert_eq "http-14.2 failed logins are audited with the address" "127.0.0.1" \
  "$(jq -r '[.records[] | select(.event=="login" and .outcome=="failed")][0].ip' "$T/out")"
assert_eq "http-14.3 no password or token in any audit record" "" \
  "$(sqlite3 "$DB" "select id from audit where detail like '%$PW1%' or detail like '%$PW0%' or detail like '%$tok%'")"
assert_eq "http-14.4 no password or token in the server log" "" "$(grep -e "$PW1" -e "$PW0" -e "$tok" "$T/serve.err")"
n=$(sqlite3 "$DB" "select count(*) from login_attempt where outcome='bad_password'")
assert_eq "http-14.5 login attempts are recorded" 1 "$([ "$n" -ge 10 ] && echo 1 || echo "$n")"

KAOPING_NOW=2021-03-05T09:14:27Z "$KAOPING" serve --db "$DB" --port 0 >/dev/null 2>"$T/err"; r=$?
assert_eq "http-12.15 serve refuses the frozen test clock" 2 "$r"
"$KAOPING" serve --db "$DB" --port 0 --bind 0.0.0.0 >/dev/null 2>"$T/err"; r=$?
assert_eq "http-12.16 serve refuses a non-loopback address without TLS in front" "2" "$r"
assert_contains "http-12.17 ... saying why" "$(cat "$T/err")" "without TLS"

# ---- stop -----------------------------------------------------------------------------------------------
kill -TERM "$SPID"; wait "$SPID"; src=$?; SPID=
assert_eq "http-15.1 SIGTERM stops the server cleanly (exit 0)" 0 "$src"
assert_contains "http-15.2 ... saying so" "$(cat "$T/serve.err")" "stopping"
finish

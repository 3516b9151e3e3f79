#!/usr/bin/env bash
# totp-1.x .. totp-9.x: the level-3 (等保三级) additions to accounts and the audit log, on the
# real server (`kaoping serve`, loopback, temporary database) and the command line:
#   totp-1  `user totp enrol`: otpauth URI + base32 secret printed once, refused twice
#   totp-2  two-step login: totp_required + pending token, no session before the code,
#           wrong code 401, right code 200 + cookie, a used code refused (replay)
#   totp-3  wrong codes count as failed logins: the account locks
#   totp-4  enrolment through the API (enrol, confirm) for a signed-in account; the secret
#           is never returned again (me, users, audit)
#   totp-5  reset by the security administrator (CLI), audited
#   totp-6  totp_enforce, on by default: an assessor without a second factor may only enrol
#           (after the forced password change); then every login needs a code; a wrong code
#           counts as a failed login; a replayed code is refused; the setting can be turned off
#   totp-7  admin_networks (CIDR, IPv4/IPv6): administrator logins from elsewhere refused
#           and audited; business roles unaffected; bad ranges refused
#   totp-8  password profiles mlps / asvs
#   totp-9  audit: CSV export (CLI and API) with formula neutralisation, purge refused
#           under 180 days and chain kept verifiable after it, signed checkpoints detect the
#           deletion of the newest records and a forged checkpoint
#   totp-10 secrets encrypted at rest under the key file DB.totp-key (0600): the column is not
#           the secret, a copy of the database without the key reveals nothing; plain secrets
#           of an older database are sealed by `kaoping init` (and `serve` at start); a missing
#           or wrong key file fails closed with a message naming it
# The server is always stopped at exit (trap). Needs curl, jq, sqlite3, oathtool (to compute
# codes independently of kaoping).
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh
for tool in curl jq sqlite3; do
  command -v "$tool" >/dev/null || { echo "FAIL totp-0 $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
done

T=$(mktemp -d)
DB=$T/kp.db
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
q() { sqlite3 "$DB" "$1"; }

run_kp demo --db "$DB" --force
assert_eq "totp-0.1 demo database" 0 "$rc"
PW0='Init-Pass-2021x'
declare -A ROLE=([sys]=sysadmin [sec]=secadmin [aud]=auditor [aud2]=auditor [asr]=assessor [asr2]=assessor [ldr]=leader [ldr2]=leader)
for u in sys sec aud aud2 asr asr2 ldr ldr2; do
  echo "$PW0" | "$KAOPING" user add "$u" --role "${ROLE[$u]}" --password-stdin --db "$DB" >/dev/null 2>"$T/err" \
    || fail "totp-0.2 user add $u" "$(cat "$T/err")"
done

"$KAOPING" serve --db "$DB" --port 0 --threads 4 >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT

# code SECRET [OFFSET_SECONDS]: the RFC 6238 code of now + OFFSET, computed with oathtool
code_of() { totp_code "$1" $((($(date +%s) + ${2:-0}) / 30)); }
# post USER PATH BODY: status on stdout; body in T/out; cookie jar T/USER.jar
post() {
  curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -b "$T/$1.jar" -c "$T/$1.jar" \
    -H "X-CSRF-Token: $(cat "$T/$1.csrf" 2>/dev/null)" -H 'Content-Type: application/json' \
    --data-binary "$3" "$B$2"
}
get() { curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -b "$T/$1.jar" -c "$T/$1.jar" "$B$2"; }
login() { # login USER PASS: status; T/out holds the answer
  local s
  s=$(post "$1" /api/login "{\"username\":\"$1\",\"password\":\"$2\"}")
  jq -r '.csrf_token // empty' "$T/out" > "$T/$1.csrf" 2>/dev/null
  echo "$s"
}
login_totp() { # login_totp USER PENDING CODE
  local s
  s=$(post "$1" /api/login/totp "{\"pending_token\":\"$2\",\"code\":\"$3\"}")
  jq -r '.csrf_token // empty' "$T/out" > "$T/$1.csrf" 2>/dev/null
  echo "$s"
}
ecode() { jq -r '.code // empty' "$T/out" 2>/dev/null; }
# signin USER PASS SECRET: both steps (the code from oathtool, never one used before by this
# test); status of the last step
signin() {
  local s
  s=$(login "$1" "$2")
  [ "$s" = 200 ] && [ "$(jq -r '.status // empty' "$T/out")" = totp_required ] || { echo "$s"; return; }
  login_totp "$1" "$(jq -r .pending_token "$T/out")" "$(totp_fresh "$3" "$T/$1.step")"
}

# ---- totp-1 enrolment on the command line ---------------------------------------------------
run_kp user totp enrol asr --db "$DB"
assert_eq "totp-1.1 user totp enrol" 0 "$rc"
assert_contains "totp-1.2 prints the otpauth URI" "$out" "uri: otpauth://totp/kaoping:asr?secret="
SEC_ASR=$(printf '%s\n' "$out" | sed -n 's/^secret: //p')
assert_eq "totp-1.3 a 32-character base32 secret (160 bits)" 32 "$(printf '%s' "$SEC_ASR" | tr -cd 'A-Z2-7' | wc -c)"
assert_contains "totp-1.4 the URI carries the parameters" "$out" "&algorithm=SHA1&digits=6&period=30"
run_kp user totp enrol asr --db "$DB"
assert_eq "totp-1.5 a second enrolment is refused (exit 1)" 1 "$rc"
assert_contains "totp-1.6 ... saying reset first" "$err" "resets it first"
assert_eq "totp-1.7 audited" 1 "$(q "select count(*) from audit where event='totp.enrol' and object='user:asr'")"

# ---- totp-2 two-step login -----------------------------------------------------------------------
s=$(login asr "$PW0")
assert_eq "totp-2.1 the right password answers 200 totp_required" "200 totp_required" "$s $(jq -r .status "$T/out")"
PEND=$(jq -r .pending_token "$T/out")
assert_eq "totp-2.2 a 43-character pending token" 43 "${#PEND}"
assert_not_contains "totp-2.3 no session cookie before the code" "$(cat "$T/hdr")" "kp_sid="
assert_eq "totp-2.4 no CSRF token before the code" "" "$(cat "$T/asr.csrf")"
s=$(get asr /api/me)
assert_eq "totp-2.5 not signed in yet (401)" 401 "$s"
s=$(login_totp asr "$PEND" 000000)
[ "$(code_of "$SEC_ASR")" = 000000 ] && s=$(login_totp asr "$PEND" 999999)
assert_eq "totp-2.6 a wrong code is 401 2002 on field code" "401 2002 code" "$s $(ecode) $(jq -r .field "$T/out")"
C1=$(code_of "$SEC_ASR")
s=$(login_totp asr "$PEND" "$C1")
assert_eq "totp-2.7 the right code signs in" 200 "$s"
assert_contains "totp-2.8 ... with the session cookie" "$(cat "$T/hdr")" "kp_sid="
s=$(get asr /api/me)
assert_eq "totp-2.9 the session works" "200 asr" "$s $(jq -r .username "$T/out")"
s=$(login_totp asr "$PEND" "$C1")
assert_eq "totp-2.10 the pending token works once" 401 "$s"
login asr "$PW0" >/dev/null
PEND=$(jq -r .pending_token "$T/out")
s=$(login_totp asr "$PEND" "$C1")
assert_eq "totp-2.11 a used code is refused (replay)" "401 2002" "$s $(ecode)"
s=$(login_totp asr "$PEND" "$(code_of "$SEC_ASR" 30)")
assert_eq "totp-2.12 the next step's code is accepted (window of one step)" 200 "$s"
assert_eq "totp-2.13 every step audited (login ok x2, login.totp ok x2, failed x2)" "2 2 2" \
  "$(q "select count(*) from audit where event='login' and actor='asr' and outcome='ok'") $(q "select count(*) from audit where event='login.totp' and actor='asr' and outcome='ok'") $(q "select count(*) from audit where event='login.totp' and actor='asr' and outcome='failed'")"
q "select detail from audit where event like 'login%'" > "$T/details"
assert_not_contains "totp-2.14 no code or secret in the audit log" "$(cat "$T/details")" "$SEC_ASR"

# ---- totp-3 wrong codes lock the account -----------------------------------------------------
run_kp user totp enrol aud --db "$DB"
SEC_AUD=$(printf '%s\n' "$out" | sed -n 's/^secret: //p')
BAD=000000; [ "$(code_of "$SEC_AUD")" = 000000 ] && BAD=111111
codes=""
for i in 1 2 3 4 5; do
  login aud "$PW0" >/dev/null
  P=$(jq -r .pending_token "$T/out")
  codes+="$(login_totp aud "$P" $BAD) "
done
assert_eq "totp-3.1 five wrong codes (each after the right password) are 401" "401 401 401 401 401 " "$codes"
s=$(login aud "$PW0")
assert_eq "totp-3.2 then the account is locked (429 2003), password or not" "429 2003" "$s $(ecode)"
assert_eq "totp-3.3 the lockout is audited" 1 "$(q "select count(*) from audit where event='account.lockout' and object='user:aud'")"
"$KAOPING" user unlock aud --db "$DB" >/dev/null

# ---- totp-4 enrolment through the API -----------------------------------------------------------
s=$(login ldr "$PW0")
assert_eq "totp-4.1 a leader without a second factor signs in with the password" "200 null" "$s $(jq -r .status "$T/out")"
s=$(post ldr /api/totp/confirm '{"code":"123456"}')
assert_eq "totp-4.2 nothing to confirm before enrolling (409 4003)" "409 4003" "$s $(ecode)"
s=$(post ldr /api/totp/enrol '')
assert_eq "totp-4.3 enrol answers the URI and secret" "200 false" "$s $(jq -r .confirmed "$T/out")"
SEC_LDR=$(jq -r .secret "$T/out")
assert_contains "totp-4.4 ... an otpauth URI" "$(jq -r .otpauth_uri "$T/out")" "otpauth://totp/kaoping:ldr?secret=$SEC_LDR"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/ldr.jar" -H 'Content-Type: application/json' --data-binary '' "$B/api/totp/enrol")
assert_eq "totp-4.5 enrol needs the CSRF token" "403 2005" "$s $(ecode)"
s=$(login ldr "$PW0")
assert_eq "totp-4.6 an unconfirmed enrolment does not change the login" "200 null" "$s $(jq -r .status "$T/out")"
BADL=000000; [ "$(code_of "$SEC_LDR")" = 000000 ] && BADL=111111
s=$(post ldr /api/totp/confirm "{\"code\":\"$BADL\"}")
assert_eq "totp-4.7 a wrong confirmation code is 400 3003" "400 3003" "$s $(ecode)"
s=$(post ldr /api/totp/confirm "{\"code\":\"$(code_of "$SEC_LDR")\"}")
assert_eq "totp-4.8 the right code confirms" "200 true" "$s $(jq -r .confirmed "$T/out")"
s=$(post ldr /api/totp/enrol '')
assert_eq "totp-4.9 a second enrolment is refused (409 4003): a session cannot replace the factor" "409 4003" "$s $(ecode)"
s=$(post ldr /api/totp/confirm '{"code":"123456","secret":"AAAA"}')
assert_eq "totp-4.10 undeclared fields are refused" "400 3004" "$s $(ecode)"
get ldr /api/me >/dev/null
assert_not_contains "totp-4.11 /api/me does not return the secret" "$(cat "$T/out")" "$SEC_LDR"
s=$(login ldr "$PW0")
assert_eq "totp-4.12 from now on the leader's login has two steps" "200 totp_required" "$s $(jq -r .status "$T/out")"
run_kp user totp enrol sec --db "$DB"
SEC_SEC=$(printf '%s\n' "$out" | sed -n 's/^secret: //p')
s=$(signin sec "$PW0" "$SEC_SEC")
s=$(post sec /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"Zweite-Kennung-77y\"}")
jq -r .csrf_token "$T/out" > "$T/sec.csrf"
s=$(get sec /api/users)
assert_eq "totp-4.13 the secadmin (two steps, new password) lists the accounts" "200 true" "$s $(jq '[.users[] | select(.username=="ldr")][0].totp_enrolled' "$T/out")"
assert_not_contains "totp-4.13b the account list does not return secrets" "$(cat "$T/out")" "$SEC_LDR"
assert_eq "totp-4.14 the secret is in no audit record" 0 "$(q "select count(*) from audit where detail like '%$SEC_LDR%' or object like '%$SEC_LDR%'")"

# ---- totp-5 reset ------------------------------------------------------------------------------------
run_kp user totp reset ldr --db "$DB"
assert_eq "totp-5.1 user totp reset" 0 "$rc"
s=$(login ldr "$PW0")
assert_eq "totp-5.2 after the reset the login has one step" "200 null" "$s $(jq -r .status "$T/out")"
assert_eq "totp-5.3 the reset is audited with its actor" 1 "$(q "select count(*) from audit where event='totp.reset' and object='user:ldr' and actor like 'local:%'")"
run_kp user totp reset nobody --db "$DB"
assert_eq "totp-5.4 an unknown account is refused" 1 "$rc"
run_kp user totp frob ldr --db "$DB"
assert_eq "totp-5.5 an unknown sub-command is a usage error" 2 "$rc"

# ---- totp-6 enforcement, on by default ----------------------------------------------------------------
run_kp user policy --db "$DB"
assert_eq "totp-6.1 totp_enforce is 1 by default" "totp_enforce 1 (default 1," "$(printf '%s\n' "$out" | awk '$1=="totp_enforce" {print $1, $2, $3, $4}')"
s=$(login asr2 "$PW0")
assert_eq "totp-6.2 an assessor without a second factor signs in with the password: password change, then enrolment" \
  "200 null true true" "$s $(jq -r '.status' "$T/out") $(jq -r .must_change_password "$T/out") $(jq -r .totp_enrol_required "$T/out")"
s=$(get asr2 /api/periods)
assert_eq "totp-6.3 ... the initial password first (403 2006)" "403 2006" "$s $(ecode)"
assert_contains "totp-6.3b ... saying so" "$(jq -r .message "$T/out")" "initial password"
s=$(post asr2 /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"Zweite-Kennung-77y\"}")
jq -r .csrf_token "$T/out" > "$T/asr2.csrf"
assert_eq "totp-6.4 the password change says an enrolment is still required" "200 true" "$s $(jq -r .totp_enrol_required "$T/out")"
denied=""
for mp in "GET /api/periods" "GET /api/reviews/2021-B1" "GET /api/units" "GET /api/periods/2021-B4/progress" \
          "POST /api/periods/2021-B4/compute -" "POST /api/periods {}" "POST /api/providers/tongji/indicators {}"; do
  set -- $mp
  if [ "$1" = GET ]; then s=$(get asr2 "$2"); else s=$(post asr2 "$2" "${3#-}"); fi
  [ "$s $(ecode)" = "403 2006" ] || denied+="$mp -> $s $(ecode); "
done
assert_eq "totp-6.5 without a second factor the assessor can do nothing of its work (403 2006)" "" "$denied"
s=$(get asr2 /api/periods)
assert_contains "totp-6.5b ... saying why" "$(jq -r .message "$T/out")" "second factor"
get asr2 /api/me >/dev/null
assert_eq "totp-6.5c /api/me: password done, enrolment required" "false true" "$(jq -r .must_change_password "$T/out") $(jq -r .totp_enrol_required "$T/out")"
assert_eq "totp-6.5d user list shows the state" "totp-enrol" "$("$KAOPING" user list --format json --db "$DB" | jq -r '.[] | select(.name=="asr2") | .state')"
s=$(post asr2 /api/totp/enrol '')
assert_eq "totp-6.6 ... but it may enrol" "200 false" "$s $(jq -r .confirmed "$T/out")"
SEC_ASR2=$(jq -r .secret "$T/out")
BAD2=000000; [ "$(code_of "$SEC_ASR2")" = 000000 ] && BAD2=111111
s=$(post asr2 /api/totp/confirm "{\"code\":\"$BAD2\"}")
assert_eq "totp-6.7 a wrong confirmation code is refused (400 3003)" "400 3003" "$s $(ecode)"
s=$(post asr2 /api/totp/confirm "{\"code\":\"$(totp_fresh "$SEC_ASR2" "$T/asr2.step")\"}")
assert_eq "totp-6.8 the right code confirms" "200 true" "$s $(jq -r .confirmed "$T/out")"
s=$(get asr2 /api/periods)
assert_eq "totp-6.9 from then on the session is unrestricted" 200 "$s"
post asr2 /api/logout '' >/dev/null
s=$(login asr2 'Zweite-Kennung-77y')
assert_eq "totp-6.10 every later login has two steps" "200 totp_required" "$s $(jq -r .status "$T/out")"
PEND=$(jq -r .pending_token "$T/out")
f0=$(q "select failed_logins from users where name='asr2'")
s=$(login_totp asr2 "$PEND" "$BAD2")
[ "$(code_of "$SEC_ASR2")" = "$BAD2" ] && s=$(login_totp asr2 "$PEND" 222222)
assert_eq "totp-6.11 a wrong code is refused (401 2002)" "401 2002" "$s $(ecode)"
assert_eq "totp-6.12 ... and counts as a failed login of the account (lockout)" "$((f0 + 1))" "$(q "select failed_logins from users where name='asr2'")"
C2=$(totp_fresh "$SEC_ASR2" "$T/asr2.step")
s=$(login_totp asr2 "$PEND" "$C2")
assert_eq "totp-6.13 the right code signs in and clears the count" "200 0" "$s $(q "select failed_logins from users where name='asr2'")"
s=$(login asr2 'Zweite-Kennung-77y')
s=$(login_totp asr2 "$(jq -r .pending_token "$T/out")" "$C2")
assert_eq "totp-6.14 the same code again, inside its 30-second step, is refused (replay)" "401 2002" "$s $(ecode)"
assert_eq "totp-6.15 ... audited as a failed second step" 1 "$(q "select count(*) from audit where event='login.totp' and actor='asr2' and outcome='failed' and detail like '%already used%'")"
s=$(login ldr2 "$PW0"); s=$(post ldr2 /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"Zweite-Kennung-77y\"}")
s=$(get ldr2 /api/periods)
assert_eq "totp-6.16 a leader (no second factor required) is not restricted" 200 "$s"
s=$(login sys "$PW0"); s=$(post sys /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"Zweite-Kennung-77y\"}")
jq -r .csrf_token "$T/out" > "$T/sys.csrf"
s=$(get sys /api/users)
assert_eq "totp-6.17 an unenrolled sysadmin is restricted too" "403 2006" "$s $(ecode)"
"$KAOPING" user policy totp_enforce 0 --db "$DB" >/dev/null
s=$(get sys /api/users)
assert_eq "totp-6.18 with totp_enforce 0 it works with the password alone (at once, same session)" 200 "$s"
"$KAOPING" user policy totp_enforce 1 --db "$DB" >/dev/null
s=$(get sys /api/users)
assert_eq "totp-6.19 back to 1: restricted again" "403 2006" "$s $(ecode)"
assert_eq "totp-6.20 both changes audited" 2 "$(q "select count(*) from audit where event='setting.set' and object='setting:totp_enforce'")"

# ---- totp-7 address ranges for administrator roles -----------------------------------------------
run_kp user policy admin_networks '10.0.0.0/33' --db "$DB"
assert_eq "totp-7.1 a bad range is refused" 1 "$rc"
run_kp user policy admin_networks '10.0.0.0/8,2001:db8::/32' --db "$DB"
assert_eq "totp-7.2 ranges set" 0 "$rc"
s=$(login sec 'Zweite-Kennung-77y')
assert_eq "totp-7.3 a secadmin from 127.0.0.1 is refused (403 2012)" "403 2012" "$s $(ecode)"
assert_eq "totp-7.4 the refusal is audited" 1 "$(q "select count(*) from audit where event='login' and actor='sec' and outcome='denied' and detail like '%admin_networks%'")"
s=$(login ldr2 'Zweite-Kennung-77y')
assert_eq "totp-7.5 business roles are not limited" 200 "$s"
"$KAOPING" user policy admin_networks '10.0.0.0/8, 127.0.0.0/8, ::1' --db "$DB" >/dev/null
s=$(login sec 'Zweite-Kennung-77y')
assert_eq "totp-7.6 inside the ranges the secadmin signs in" 200 "$s"
"$KAOPING" user policy admin_networks '' --db "$DB" >/dev/null
run_kp user policy --db "$DB"
assert_contains "totp-7.7 user policy lists the text settings" "$out" "password_profile"

# ---- totp-8 password profiles -----------------------------------------------------------------------------
echo 'eleventhhourtrain' | "$KAOPING" user passwd ldr2 --password-stdin --db "$DB" >/dev/null 2>"$T/err"
assert_contains "totp-8.1 mlps: one kind of character is refused" "$(cat "$T/err")" "kinds of character"
run_kp user policy password_profile nist --db "$DB"
assert_eq "totp-8.2 an unknown profile is refused" 1 "$rc"
"$KAOPING" user policy password_profile asvs --db "$DB" >/dev/null
echo 'eleventhhourtrain' | "$KAOPING" user passwd ldr2 --password-stdin --db "$DB" >/dev/null 2>"$T/err"
assert_eq "totp-8.3 asvs: no composition rule" "" "$(cat "$T/err")"
echo 'Password123' | "$KAOPING" user passwd ldr2 --password-stdin --db "$DB" >/dev/null 2>"$T/err"
assert_contains "totp-8.4 asvs: common passwords still refused" "$(cat "$T/err")" "common"
echo 'short1' | "$KAOPING" user passwd ldr2 --password-stdin --db "$DB" >/dev/null 2>"$T/err"
assert_contains "totp-8.5 asvs: length still applies" "$(cat "$T/err")" "at least 8 characters"
st=$(KAOPING_NOW=2031-01-01T00:00:00Z "$KAOPING" user list --format json --db "$DB" | jq -r '.[] | select(.name=="ldr") | .state')
assert_eq "totp-8.6 asvs: no forced rotation after years" "must-change" "$st"
"$KAOPING" user policy password_profile mlps --db "$DB" >/dev/null
st=$(KAOPING_NOW=2031-01-01T00:00:00Z "$KAOPING" user list --format json --db "$DB" | jq -r '.[] | select(.name=="ldr") | .state')
assert_eq "totp-8.7 mlps: the password expires" "expired" "$st"
assert_eq "totp-8.8 profile changes audited" 2 "$(q "select count(*) from audit where event='setting.set' and object='setting:password_profile'")"

# ---- totp-9 audit export, purge, checkpoints ---------------------------------------------------------
login '=1+1' 'Wrong-Pass-1' >/dev/null   # an actor name that a spreadsheet would run
run_kp audit export --out "$T/a.csv" --db "$DB"
assert_eq "totp-9.1 audit export" 0 "$rc"
assert_eq "totp-9.2 CSV header" "id,at,actor,ip,event,object,outcome,detail,prev_hash,hash" "$(head -1 "$T/a.csv" | tr -d '\r')"
assert_contains "totp-9.3 a formula cell is neutralised" "$(cat "$T/a.csv")" "\"'=1+1\""
assert_eq "totp-9.4 one line per record (all but the export's own)" "$(($(q 'select count(*) from audit') - 1))" "$(($(wc -l < "$T/a.csv") - 1))"
SEC_AUD2=$("$KAOPING" user totp enrol aud2 --db "$DB" | sed -n 's/^secret: //p')
s=$(signin aud2 "$PW0" "$SEC_AUD2"); s=$(post aud2 /api/password "{\"old_password\":\"$PW0\",\"new_password\":\"Zweite-Kennung-77y\"}")
jq -r .csrf_token "$T/out" > "$T/aud2.csrf"
s=$(get aud2 /api/audit/export)
assert_eq "totp-9.5 GET /api/audit/export for the auditor" 200 "$s"
assert_contains "totp-9.6 ... as CSV" "$(grep -i '^content-type' "$T/hdr")" "text/csv"
assert_contains "totp-9.7 ... neutralised there too" "$(cat "$T/out")" "\"'=1+1\""
login ldr2 'eleventhhourtrain' >/dev/null
s=$(get ldr2 /api/audit/export)
assert_eq "totp-9.8 nobody else may export (403)" 403 "$s"
assert_eq "totp-9.9 exports are audited" 2 "$(q "select count(*) from audit where event='audit.export'")"

KEY=$T/keys/audit.key; mkdir -p "$T/keys"
run_kp audit checkpoint --key "$KEY" --out "$T/cp1" --db "$DB"
assert_eq "totp-9.10 audit checkpoint" 0 "$rc"
assert_eq "totp-9.11 the secret key is private (0600)" 600 "$(stat -c %a "$KEY")"
assert_contains "totp-9.12 signed" "$(cat "$T/cp1")" "sig "
run_kp audit verify --checkpoint "$T/cp1" --key "$KEY" --db "$DB"
assert_eq "totp-9.13 verify --checkpoint: intact" "0" "$rc"
"$KAOPING" user add late1 --db "$DB" >/dev/null; "$KAOPING" user add late2 --db "$DB" >/dev/null
run_kp audit verify --checkpoint "$T/cp1" --key "$KEY" --db "$DB"
assert_eq "totp-9.14 newer records after the checkpoint are fine" "0" "$rc"
sed 's/^records .*/records 1/' "$T/cp1" > "$T/cp-forged"
run_kp audit verify --checkpoint "$T/cp-forged" --key "$KEY" --db "$DB"
assert_eq "totp-9.15 an edited checkpoint fails its signature" "3" "$rc"
assert_contains "totp-9.16 ... saying so" "$out" "signature is not valid"
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=
cp "$DB" "$T/cut.db"
last=$(sed -n 's/^last_id //p' "$T/cp1")
sqlite3 "$T/cut.db" "drop trigger audit_no_delete; delete from audit where id >= $((last - 1));"
run_kp audit verify --db "$T/cut.db"
assert_eq "totp-9.17 the chain alone does not see the newest records cut" 0 "$rc"
run_kp audit verify --checkpoint "$T/cp1" --key "$KEY" --db "$T/cut.db"
assert_eq "totp-9.18 the checkpoint does (exit 3)" 3 "$rc"
assert_contains "totp-9.19 ... naming it" "$out" "records were removed from the end"

run_kp audit purge --before "$(date -u +%Y-%m-%d)" --db "$DB"
assert_eq "totp-9.20 purge of records younger than 180 days is refused" 1 "$rc"
assert_contains "totp-9.21 ... saying why" "$err" "180 days"
n0=$(q 'select count(*) from audit')
KAOPING_NOW=2031-01-01T00:00:00Z run_kp audit purge --before 2030-01-01 --db "$DB"
assert_eq "totp-9.22 purge of records older than 180 days" 0 "$rc"
assert_eq "totp-9.23 only the purge record is left" "1 audit.purge" "$(q 'select count(*) from audit') $(q 'select event from audit')"
assert_contains "totp-9.24 ... which says what went" "$(q 'select detail from audit')" "\"last_id\":$n0"
run_kp audit verify --db "$DB"
assert_eq "totp-9.25 the chain still verifies after the purge" 0 "$rc"
"$KAOPING" user add after1 --db "$DB" >/dev/null
run_kp audit verify --db "$DB"
assert_eq "totp-9.26 ... and after new records" 0 "$rc"
assert_eq "totp-9.27 the append-only trigger is back" "1" "$(q "select count(*) from sqlite_master where name='audit_no_delete'")"
sqlite3 "$DB" "delete from audit where id = $((n0 + 1))" 2>/dev/null
assert_eq "totp-9.28 ... and refuses deletes" 2 "$(q 'select count(*) from audit')"
sqlite3 "$DB" "update audit_purge set last_hash = '$(printf '0%.0s' $(seq 64))'"
run_kp audit verify --db "$DB"
assert_eq "totp-9.29 an edited purge record breaks the chain" 3 "$rc"

# ---- totp-10 secrets encrypted at rest -------------------------------------------------------------------
E=$T/enc; mkdir -p "$E/copy"; EDB=$E/k.db
# kreq PATH JSON [DB]: one POST through `kaoping http` (no server); raw response in $out
kreq() {
  printf 'POST %s HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "$1" "${#2}" "$2" > "$E/req.txt"
  run_kp http "$E/req.txt" --db "${3:-$EDB}"
}
body() { printf '%s\n' "$out" | sed '1,/^\r*$/d'; }
# klogin USER PASS SECRET [DB]: both steps through `kaoping http`; $out is the second answer
klogin() {
  kreq /api/login "{\"username\":\"$1\",\"password\":\"$2\"}" "${4:-$EDB}"
  local p; p=$(body | jq -r '.pending_token // empty')
  [ -n "$p" ] || return
  kreq /api/login/totp "{\"pending_token\":\"$p\",\"code\":\"$(totp_fresh "$3" "$E/$1.step")\"}" "${4:-$EDB}"
}
run_kp init --db "$EDB"
assert_eq "totp-10.1 init creates the key file beside the database, 0600, 64 hex digits" "0 600 64" \
  "$rc $(stat -c %a "$EDB.totp-key") $(tr -cd '0-9a-f' < "$EDB.totp-key" | wc -c)"
assert_contains "totp-10.2 ... and says where it is" "$out" "TOTP key file: $EDB.totp-key"
echo "$PW0" | "$KAOPING" user add boss --role assessor --password-stdin --db "$EDB" >/dev/null
SEC_B=$("$KAOPING" user totp enrol boss --db "$EDB" | sed -n 's/^secret: //p')
stored=$(sqlite3 "$EDB" "select totp_secret from users where name='boss'")
assert_eq "totp-10.3 the stored column is sealed (sb1:...), not the secret" "sb1: no" \
  "${stored:0:4} $([[ "$stored" == *"$SEC_B"* ]] && echo yes || echo no)"
sqlite3 "$EDB" "pragma wal_checkpoint(TRUNCATE)" >/dev/null
assert_eq "totp-10.4 the secret is nowhere in the database files" 0 "$(cat "$EDB" "$EDB"-* 2>/dev/null | grep -c -a "$SEC_B")"
klogin boss "$PW0" "$SEC_B"
assert_contains "totp-10.5 two-step login works with the sealed secret" "$out" "HTTP/1.1 200 OK"
assert_eq "totp-10.6 the sealed text is 96 characters after sb1: (nonce, MAC, 32 characters)" 96 "$((${#stored} - 4))"

cp "$EDB" "$E/copy/k.db"
timeout 10 "$KAOPING" serve --db "$E/copy/k.db" --port 0 >/dev/null 2>"$E/err"; r=$?
assert_eq "totp-10.7 a copy of the database without its key file: serve refuses to start (exit 4)" 4 "$r"
assert_contains "totp-10.8 ... naming the missing file and what to do" "$(cat "$E/err")" "the TOTP key file $E/copy/k.db.totp-key is missing and the second factors in the database are encrypted under it"
kreq /api/login "{\"username\":\"boss\",\"password\":\"$PW0\"}" "$E/copy/k.db"
P=$(body | jq -r .pending_token)
# (the code is never compared: the secret cannot be opened)
kreq /api/login/totp "{\"pending_token\":\"$P\",\"code\":\"$(code_of "$SEC_B")\"}" "$E/copy/k.db"
assert_contains "totp-10.9 ... and the second login step fails closed (500)" "$out" "HTTP/1.1 500"
assert_contains "totp-10.10 ... telling the user the server's key is the problem" "$(body | jq -r .message)" "TOTP key is missing or wrong"
assert_contains "totp-10.11 ... and the operator which file (server log)" "$err" "k.db.totp-key is missing"
echo "$PW0" | "$KAOPING" user add boss3 --role auditor --password-stdin --db "$E/copy/k.db" >/dev/null
run_kp user totp enrol boss3 --db "$E/copy/k.db"
assert_eq "totp-10.12 enrolling on the copy is refused: no new key replaces the lost one" "4 no" "$rc $([ -e "$E/copy/k.db.totp-key" ] && echo yes || echo no)"
assert_contains "totp-10.13 ... with the same message" "$err" "is missing"

od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$E/copy/k.db.totp-key"; echo >> "$E/copy/k.db.totp-key"
timeout 10 "$KAOPING" serve --db "$E/copy/k.db" --port 0 >/dev/null 2>"$E/err"; r=$?
assert_eq "totp-10.14 a wrong key file: serve refuses to start" 4 "$r"
assert_contains "totp-10.15 ... saying the key does not open the secrets" "$(cat "$E/err")" "does not open the second factors"
f0=$(sqlite3 "$E/copy/k.db" "select failed_logins from users where name='boss'")
kreq /api/login "{\"username\":\"boss\",\"password\":\"$PW0\"}" "$E/copy/k.db"
P=$(body | jq -r .pending_token)
kreq /api/login/totp "{\"pending_token\":\"$P\",\"code\":\"$(code_of "$SEC_B")\"}" "$E/copy/k.db"
assert_contains "totp-10.16 ... and the second login step fails closed (500)" "$out" "HTTP/1.1 500"
assert_eq "totp-10.17 ... without counting a failure against the account" "$f0" "$(sqlite3 "$E/copy/k.db" "select failed_logins from users where name='boss'")"
echo "garbage" > "$E/copy/k.db.totp-key"
run_kp user totp enrol boss3 --db "$E/copy/k.db"
assert_contains "totp-10.18 a malformed key file is named as such" "$err" "expected one line of 64 hex digits"
rm "$E/copy/k.db.totp-key"
KAOPING_TOTP_KEY=$EDB.totp-key klogin boss "$PW0" "$SEC_B" "$E/copy/k.db"
assert_contains "totp-10.19 the right key restored (KAOPING_TOTP_KEY names it) opens the copy again" "$out" "HTTP/1.1 200 OK"

# migration: secrets stored in plain text before encryption still work, and are sealed by
# `kaoping init` and by `kaoping serve` at start
echo "$PW0" | "$KAOPING" user add old1 --role auditor --password-stdin --db "$EDB" >/dev/null
echo "$PW0" | "$KAOPING" user add old2 --role auditor --password-stdin --db "$EDB" >/dev/null
PLAIN1=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP; PLAIN2=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
sqlite3 "$EDB" "update users set totp_secret='$PLAIN1', totp_confirmed=1 where name='old1'"
klogin old1 "$PW0" "$PLAIN1"
assert_contains "totp-10.20 a plain secret from before encryption still signs in" "$out" "HTTP/1.1 200 OK"
run_kp init --db "$EDB"
assert_contains "totp-10.21 init seals it" "$out" "encrypted 1 stored TOTP secret"
assert_eq "totp-10.22 ... in the column" "sb1:" "$(sqlite3 "$EDB" "select substr(totp_secret, 1, 4) from users where name='old1'")"
assert_eq "totp-10.23 ... audited" 1 "$(sqlite3 "$EDB" "select count(*) from audit where event='totp.seal' and detail like '%\"sealed\":1%'")"
klogin old1 "$PW0" "$PLAIN1"
assert_contains "totp-10.24 the same authenticator still works after sealing" "$out" "HTTP/1.1 200 OK"
sqlite3 "$EDB" "update users set totp_secret='$PLAIN2', totp_confirmed=1 where name='old2'"
"$KAOPING" serve --db "$EDB" --port 0 >"$E/serve.out" 2>"$E/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$E/serve.out" 2>/dev/null && break; sleep 0.1; done
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=
assert_contains "totp-10.25 serve seals plain secrets at start" "$(cat "$E/serve.err")" "encrypted 1 stored TOTP secret"
assert_eq "totp-10.26 ... none is left in plain text" 0 "$(sqlite3 "$EDB" "select count(*) from users where totp_secret is not null and totp_secret not like 'sb1:%'")"
sqlite3 "$EDB" "update users set totp_secret=(select totp_secret from users where name='boss') where name='old2'"
klogin old2 "$PW0" "$SEC_B"
assert_contains "totp-10.27 a sealed secret copied onto another account does not open there (fail closed)" "$out" "HTTP/1.1 500"

finish

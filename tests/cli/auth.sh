#!/usr/bin/env bash
# auth-2.x .. auth-6.x: the account verbs (`kaoping user add|passwd|lock|unlock|list|roles|
# policy`) and the audit log (`kaoping audit verify|list`) on a real SQLite file. Guards the
# web issue's account rules on the command line path (reference/security.md 1.1, 1.2, 1.10,
# 1.12, 1.18, 1.19):
#   auth-2  user add: generated or stdin passwords, policy, names, units, separation of duties
#   auth-3  user passwd / lock / unlock / roles / list
#   auth-4  user policy: declared settings, ranges
#   auth-5  audit: the hash chain detects edits, deletions, insertions and (with --head)
#           truncation; rows are append-only
#   auth-6  fail closed: no change is committed when its audit record cannot be written
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
command -v sqlite3 >/dev/null || { echo "FAIL auth-0 sqlite3 is not installed"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB=$T/kp.db
run_kp demo --db "$DB" --force
assert_eq "auth-0.1 demo database" 0 "$rc"
q() { sqlite3 "$DB" "$1"; }

# ---- auth-2 user add ---------------------------------------------------------------------
run_kp user add alice --display '张 三' --db "$DB"
assert_eq "auth-2.1 user add" 0 "$rc"
pw=$(printf '%s\n' "$out" | sed -n 's/^initial password: //p')
assert_eq "auth-2.2 a 16-character password is generated and printed once" 16 "${#pw}"
assert_contains "auth-2.3 it must be changed at first login" "$out" "must be changed at first login"
assert_eq "auth-2.4 stored as Argon2id, never in clear" "1 0" \
  "$(q "select password_hash like '\$argon2id\$v=19\$m=%' from users where name='alice'") $(q "select count(*) from users where password_hash like '%$pw%'")"
assert_eq "auth-2.5 the new account must change its password and has no roles" "1 0" \
  "$(q "select must_change from users where name='alice'") $(q "select count(*) from user_role r join users u on u.id=r.user_id where u.name='alice'")"
echo 'Same-Pass-2021q' | "$KAOPING" user add bob --password-stdin --db "$DB" >/dev/null
echo 'Same-Pass-2021q' | "$KAOPING" user add carol --password-stdin --db "$DB" >/dev/null
assert_eq "auth-2.6 same password, different salts" 2 "$(q "select count(distinct password_hash) from users where name in ('bob','carol')")"
run_kp user add alice --db "$DB"
assert_eq "auth-2.7 a duplicate name is refused (exit 1)" "1" "$rc"
assert_contains "auth-2.8 ... saying why" "$err" "account alice exists"
for bad in 'Alice' 'a' '1x' 'x y' 'abcdefghijklmnopqrstuvwxyz0123456'; do
  run_kp user add "$bad" --db "$DB"
  assert_eq "auth-2.9 name '$bad' refused" 1 "$rc"
done
run_kp user add dave --unit 999999 --db "$DB"
assert_eq "auth-2.10 an unknown unit is refused" "1" "$rc"
assert_contains "auth-2.11 ... naming it" "$err" 'no unit with code "999999"'
printf 'abcdefgh\n' > "$T/weak"
"$KAOPING" user add erin --password-stdin --db "$DB" <"$T/weak" >/dev/null 2>"$T/err"; r=$?
assert_eq "auth-2.12 a weak password on stdin is refused" 1 "$r"
assert_contains "auth-2.13 ... naming the rule" "$(cat "$T/err")" "kinds of character"
run_kp user add frank --role sysadmin,auditor --db "$DB"
assert_eq "auth-2.14 two administrator roles are refused" 1 "$rc"
assert_contains "auth-2.15 ... separation of duties" "$err" "separation of duties"
assert_eq "auth-2.16 ... and nothing was written (no half-created account)" 0 "$(q "select count(*) from users where name='frank'")"
run_kp user add gina --role reporter --db "$DB"
assert_eq "auth-2.17 reporter without a unit refused" 1 "$rc"
run_kp user add gina --role reporter --unit 430421 --db "$DB"
assert_eq "auth-2.18 reporter with a unit" 0 "$rc"
run_kp user add hank --role sysadmin,assessor --db "$DB"
assert_eq "auth-2.19 an administrator role with a business role is refused" 1 "$rc"
run_kp user add ivan --role boss --db "$DB"
assert_eq "auth-2.20 an unknown role is a usage error (exit 2)" 2 "$rc"
run_kp user add judy --db "$DB" --password 'Secret-Pass-1x'
assert_eq "auth-2.21 no password option on the command line (it would land in ps and history)" 2 "$rc"
: | "$KAOPING" user add kate --password-stdin --db "$DB" >/dev/null 2>&1; r=$?
assert_eq "auth-2.22 --password-stdin with nothing on stdin" 2 "$r"

# ---- auth-3 passwd, lock, unlock, roles, list -------------------------------------------------
run_kp user passwd alice --db "$DB"
assert_eq "auth-3.1 user passwd generates a new password" 0 "$rc"
assert_contains "auth-3.2 ... and prints it" "$out" "new password: "
echo 'Third-Pass-2021z' | "$KAOPING" user passwd bob --password-stdin --db "$DB" >/dev/null; r=$?
assert_eq "auth-3.3 user passwd from stdin" 0 "$r"
echo 'Third-Pass-2021z' | "$KAOPING" user passwd bob --password-stdin --db "$DB" >/dev/null 2>"$T/err"; r=$?
assert_eq "auth-3.4 the current password cannot be set again" 1 "$r"
echo 'Same-Pass-2021q' | "$KAOPING" user passwd bob --password-stdin --db "$DB" >/dev/null 2>"$T/err"; r=$?
assert_eq "auth-3.5 nor an earlier one (history)" 1 "$r"
assert_contains "auth-3.6 ... saying so" "$(cat "$T/err")" "used before"
"$KAOPING" user policy password_history 1 --db "$DB" >/dev/null
echo 'Same-Pass-2021q' | "$KAOPING" user passwd bob --password-stdin --db "$DB" >/dev/null 2>&1; r=$?
assert_eq "auth-3.7 with password_history 1 the earlier one is allowed again" 0 "$r"
"$KAOPING" user policy password_history 5 --db "$DB" >/dev/null
assert_eq "auth-3.8 a reset by the operator forces a change" 1 "$(q "select must_change from users where name='bob'")"
run_kp user passwd nobody --db "$DB"
assert_eq "auth-3.9 passwd of an unknown account" 1 "$rc"
run_kp user lock bob --db "$DB"
assert_eq "auth-3.10 user lock" 0 "$rc"
run_kp user list --db "$DB"
assert_contains "auth-3.11 list shows the lock" "$(printf '%s\n' "$out" | grep '^bob ')" "locked"
run_kp user unlock bob --db "$DB"
assert_eq "auth-3.12 user unlock" 0 "$rc"
assert_eq "auth-3.13 unlock clears the lock and the failure count" "0 0 " \
  "$(q "select disabled, failed_logins, coalesce(locked_until,'') from users where name='bob'" | tr '|' ' ')"
run_kp user roles bob assessor,leader --db "$DB"
assert_eq "auth-3.14 user roles sets business roles" 0 "$rc"
run_kp user roles bob none --db "$DB"
assert_eq "auth-3.15 user roles none clears them" "0 0" "$rc $(q "select count(*) from user_role r join users u on u.id=r.user_id where u.name='bob'")"
run_kp user roles bob secadmin --db "$DB"
assert_eq "auth-3.16 the command line grants administrator roles" 0 "$rc"
run_kp user roles bob secadmin,auditor --db "$DB"
assert_eq "auth-3.17 ... one at most" 1 "$rc"
run_kp user list --format json --db "$DB"
assert_eq "auth-3.18 list as JSON" '["secadmin"]' "$(printf '%s' "$out" | jq -c '.[] | select(.name=="bob") | .roles')"
assert_eq "auth-3.19 JSON carries no hash" "" "$(printf '%s' "$out" | grep -o argon2)"
run_kp user list --format xml --db "$DB"
assert_eq "auth-3.20 unknown format" 2 "$rc"

# ---- auth-4 policy ------------------------------------------------------------------------------
run_kp user policy --db "$DB"
for name in lockout_seconds lockout_threshold login_ip_max_failures password_history \
            password_max_age_days password_min_classes password_min_length \
            session_absolute_seconds session_idle_seconds; do
  assert_contains "auth-4.1 policy lists $name" "$out" "$name"
done
assert_contains "auth-4.2 defaults: 5 failures" "$(printf '%s\n' "$out" | grep '^lockout_threshold')" " 5 "
assert_contains "auth-4.3 defaults: 30-minute idle limit" "$(printf '%s\n' "$out" | grep '^session_idle_seconds')" " 1800 "
run_kp user policy password_min_length 6 --db "$DB"
assert_eq "auth-4.4 below the declared minimum (8) refused" 1 "$rc"
assert_contains "auth-4.5 ... naming the range" "$err" "from 8 to 128"
run_kp user policy password_min_length 12x --db "$DB"
assert_eq "auth-4.6 not a number refused" 1 "$rc"
run_kp user policy no_such_thing 1 --db "$DB"
assert_eq "auth-4.7 undeclared setting refused" 1 "$rc"
run_kp user policy password_min_length 12 --db "$DB"
assert_eq "auth-4.8 a valid value is stored" "0 12" "$rc $(q "select value from settings where name='password_min_length'")"
echo 'Short-Pw-1x' | "$KAOPING" user passwd carol --password-stdin --db "$DB" >/dev/null 2>"$T/err"; r=$?
assert_eq "auth-4.9 the stored policy applies at once (12 characters)" 1 "$r"
"$KAOPING" user policy password_min_length 8 --db "$DB" >/dev/null

# ---- auth-5 the audit chain -----------------------------------------------------------------------
run_kp audit verify --db "$DB"
assert_eq "auth-5.1 audit verify on an honest log" 0 "$rc"
assert_contains "auth-5.2 ... says intact and prints the head" "$out" "chain intact, head "
head=$(printf '%s\n' "$out" | grep -oE 'head [0-9a-f]{64}' | cut -d' ' -f2)
n=$(q "select count(*) from audit")
assert_eq "auth-5.3 every change above was recorded (>= 20)" 1 "$([ "$n" -ge 20 ] && echo 1 || echo "$n")"
assert_eq "auth-5.4 by the local operator, from no address" "local:" "$(q "select distinct substr(actor,1,6) from audit where event='user.add'")"
run_kp audit list --limit 3 --db "$DB"
assert_eq "auth-5.5 audit list --limit 3" 3 "$(printf '%s\n' "$out" | grep -c .)"
assert_contains "auth-5.6 ... newest first" "$(printf '%s\n' "$out" | head -1)" "setting.set"
run_kp audit verify --head "$head" --db "$DB"
assert_eq "auth-5.7 --head with the right head" 0 "$rc"
sqlite3 "$DB" "update audit set outcome='failed' where id=2" 2>"$T/err"
assert_contains "auth-5.8 UPDATE on audit is refused by the database" "$(cat "$T/err")" "append-only"
sqlite3 "$DB" "delete from audit where id=2" 2>"$T/err"
assert_contains "auth-5.9 DELETE on audit is refused by the database" "$(cat "$T/err")" "append-only"
tamper() { # NAME SQL: on a copy, without the triggers, then audit verify
  rm -f "$T/t.db" "$T/t.db-wal" "$T/t.db-shm"
  sqlite3 "$DB" ".backup '$T/t.db'"
  sqlite3 "$T/t.db" "drop trigger audit_no_update; drop trigger audit_no_delete; $2"
  run_kp audit verify --db "$T/t.db" "${@:3}"
}
tamper edit "update audit set detail='{\"display_name\":\"mallory\"}' where id=3"
assert_eq "auth-5.10 an edited record breaks the chain (exit 3)" 3 "$rc"
assert_contains "auth-5.11 ... naming it" "$out" "record 3 is bad: content does not match its hash"
tamper delete "delete from audit where id=4"
assert_eq "auth-5.12 a deleted record breaks the chain" 3 "$rc"
assert_contains "auth-5.13 ... naming where" "$out" "record 5 is bad: expected record 4 here"
tamper rehash "update audit set actor='mallory', hash=hash where id=2"
assert_eq "auth-5.14 an edited actor breaks the chain" 3 "$rc"
tamper forge "update audit set detail=null, hash='$(printf '%064d' 0)' where id=$n"
assert_eq "auth-5.15 a forged hash on the last record is detected" 3 "$rc"
tamper truncate "delete from audit where id=$n"
assert_eq "auth-5.16 a cut tail alone leaves an intact chain ..." 0 "$rc"
tamper truncate "delete from audit where id=$n" --head "$head"
assert_eq "auth-5.17 ... which --head with the kept head detects" 3 "$rc"
assert_contains "auth-5.18 ... saying so" "$out" "removed from the end"
tamper swap "update audit set id=-1 where id=2; update audit set id=2 where id=3; update audit set id=3 where id=-1"
assert_eq "auth-5.19 swapped records break the chain" 3 "$rc"

# ---- auth-6 fail closed ---------------------------------------------------------------------------
before=$(q "select count(*) from audit")
KAOPING_FAILPOINT=audit "$KAOPING" user add mallory --db "$DB" >/dev/null 2>"$T/err"; r=$?
assert_eq "auth-6.1 a change whose audit record cannot be written fails" 4 "$r"
assert_eq "auth-6.2 ... and nothing was committed" "0 $before" "$(q "select count(*) from users where name='mallory'") $(q "select count(*) from audit")"
KAOPING_FAILPOINT=audit "$KAOPING" user lock alice --db "$DB" >/dev/null 2>&1
assert_eq "auth-6.3 a lock without its record is not applied" 0 "$(q "select disabled from users where name='alice'")"
KAOPING_FAILPOINT=audit "$KAOPING" user policy lockout_threshold 3 --db "$DB" >/dev/null 2>&1
assert_eq "auth-6.4 a policy change without its record is not applied" "" "$(q "select value from settings where name='lockout_threshold'")"
KAOPING_FAILPOINT=audit "$KAOPING" user roles alice leader --db "$DB" >/dev/null 2>&1
assert_eq "auth-6.5 a role change without its record is not applied" 0 "$(q "select count(*) from user_role r join users u on u.id=r.user_id where u.name='alice'")"
run_kp audit verify --db "$DB"
assert_eq "auth-6.6 the chain is still intact" 0 "$rc"
finish

#!/usr/bin/env bash
# demo-1.x: `kaoping demo` (src/demo.c, src/demo/gen.c; DESIGN.md 9). Builds the synthetic
# Hengyang 2021 demo twice into temporary databases and checks: the run succeeds and goes
# through the ordinary verbs; the three published reviews verify; the generated files and
# the stored review documents are byte-identical between runs (fixed seed); the scheme is
# rich enough (30-40 leaves, >= 10 methods); the story is in the data (the vetoed unit is
# 较差, someone is behind time progress at mid-year); the demo logins (0600) give every role a
# way in, with a TOTP secret, otpauth URI and oathtool command for the roles that need a
# second factor, whose secrets are stored encrypted; an existing database is replaced only
# with --force. Needs the sqlite3 CLI (JSON1), python3 (json only), jq and oathtool.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/a" "$tmp/b"
A="$tmp/a/kaoping.db"
B="$tmp/b/kaoping.db"

# --- the run ------------------------------------------------------------------------------
run_kp demo --db "$A"
assert_eq "demo-1.1 demo exits 0" 0 "$rc"
DEMO_OUT=$out
[ "$rc" -eq 0 ] || echo "$err" | tail -20
assert_contains "demo-1.2 says the data are synthetic" "$out" "演示数据,合成"
assert_contains "demo-1.3 runs the ordinary verbs" "$out" "kaoping data import $tmp/a/demo-data/values-2021-B1.csv"
assert_contains "demo-1.4 prints what to open next" "$out" "kaoping review show 2021-B3 --db $A"
for f in README.txt units.csv scheme.json targets.csv values-2021-B1.csv values-2021-B6.csv hotline-2021.csv; do
  assert_eq "demo-1.5 wrote demo-data/$f" 1 "$([ -s "$tmp/a/demo-data/$f" ] && echo 1)"
done

# --- the published reviews verify -----------------------------------------------------------
for p in 2021-B1 2021-B2 2021-B3; do
  run_kp review verify "$p" --db "$A"
  assert_eq "demo-2.1 review verify $p exits 0" 0 "$rc"
done
states=$(sqlite3 "$A" "SELECT code || ':' || state FROM period ORDER BY code" | tr '\n' ' ')
assert_eq "demo-2.2 period states" "2021-B1:published 2021-B2:published 2021-B3:published 2021-B4:open " "$states"
nrev=$(sqlite3 "$A" "SELECT count(*) FROM review WHERE state = 'published'")
assert_eq "demo-2.3 three published reviews" 3 "$nrev"

# --- determinism ----------------------------------------------------------------------------
run_kp demo --db "$B"
assert_eq "demo-3.1 second demo exits 0" 0 "$rc"
same=1
for f in "$tmp"/a/demo-data/*; do
  cmp -s "$f" "$tmp/b/demo-data/$(basename "$f")" || { same=0; echo "     differs: $(basename "$f")"; }
done
assert_eq "demo-3.2 generated files are byte-identical" 1 "$same"
assert_eq "demo-3.3 same file list" "$(ls "$tmp/a/demo-data")" "$(ls "$tmp/b/demo-data")"
for p in 2021-B1 2021-B2 2021-B3 2021-B4; do
  ha=$(sqlite3 "$A" "SELECT result FROM review WHERE period = '$p' ORDER BY revision" | sha256sum)
  hb=$(sqlite3 "$B" "SELECT result FROM review WHERE period = '$p' ORDER BY revision" | sha256sum)
  assert_eq "demo-3.4 review JSON of $p identical across runs" "$ha" "$hb"
done
emp=$(sqlite3 "$A" "SELECT count(*) FROM review WHERE result = '' OR result IS NULL")
assert_eq "demo-3.5 no empty review document" 0 "$emp"

# --- the scheme -------------------------------------------------------------------------------
read -r nleaf nmeth syn < <(python3 - "$tmp/a/demo-data/scheme.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
leaves = []
def walk(ns):
    for n in ns:
        walk(n["children"]) if "children" in n else leaves.append(n)
walk(s["indicators"])
print(len(leaves), len({l["method"] for l in leaves}), int(s.get("synthetic") is True and "(演示)" in s["name"]))
PY
)
assert_eq "demo-4.1 scheme has 30-40 leaves ($nleaf)" 1 "$([ "${nleaf:-0}" -ge 30 ] && [ "${nleaf:-0}" -le 40 ] && echo 1)"
assert_eq "demo-4.2 scheme uses >= 10 methods ($nmeth)" 1 "$([ "${nmeth:-0}" -ge 10 ] && echo 1)"
assert_eq "demo-4.3 scheme is labelled synthetic and (演示)" 1 "$syn"
if [ -f "$KAOPING_SHARED/data/units.csv" ]; then
  # the embedded copy must match the shared source of truth (codes, names, kinds, groups)
  assert_eq "demo-4.4 embedded units match shared/data/units.csv" \
    "$(tr -d '\r' <"$KAOPING_SHARED/data/units.csv")" "$(cut -d, -f1-4 "$tmp/a/demo-data/units.csv")"
fi

# --- the story --------------------------------------------------------------------------------
vetoed=$(sqlite3 "$A" "SELECT r.period || ' ' || json_extract(u.value, '$.code') || ' ' ||
                              json_extract(u.value, '$.grade')
                       FROM review r, json_each(r.result, '$.units') u, json_each(u.value, '$.flags') f
                       WHERE r.state = 'published' AND f.value = 'VETO' ORDER BY r.period")
assert_eq "demo-5.1 one veto in a published review" 1 "$(printf '%s\n' "$vetoed" | grep -c .)"
assert_contains "demo-5.2 the vetoed unit is 较差 that period" "$vetoed" " 较差"
vtop=$(sqlite3 "$A" "SELECT json_extract(u.value, '$.grade')
                     FROM review r, json_each(r.result, '$.units') u, json_each(u.value, '$.flags') f
                     WHERE r.period = '2021-B3' AND f.value = 'VETO_TOP'")
assert_eq "demo-5.3 the 一票否优 unit is not 优秀" 1 "$([ -n "$vtop" ] && [ "$vtop" != "优秀" ] && echo 1)"
behind=$(sqlite3 "$A" "SELECT count(*) FROM review r, json_each(r.result, '$.units') u,
                              json_each(u.value, '$.indicators') i, json_each(i.value, '$.flags') f
                       WHERE r.period = '2021-B3' AND r.state = 'published' AND f.value = 'BEHIND'")
assert_eq "demo-5.4 someone is behind time progress at 2021-B3 ($behind)" 1 "$([ "${behind:-0}" -ge 1 ] && echo 1)"
notdh=$(sqlite3 "$A" "SELECT count(*) FROM review r, json_each(r.result, '$.units') u
                      WHERE r.period = '2021-B3' AND json_extract(u.value, '$.double_half.status') = 'not_achieved'")
assert_eq "demo-5.5 one or two units miss 双过半 at 2021-B3 ($notdh)" 1 "$([ "${notdh:-0}" -ge 1 ] && [ "${notdh:-0}" -le 2 ] && echo 1)"
flags=$(sqlite3 "$A" "SELECT DISTINCT f.value FROM review r, json_each(r.result, '$.units') u,
                             json_each(u.value, '$.indicators') i, json_each(i.value, '$.flags') f
                      WHERE r.state = 'published' ORDER BY 1" | tr '\n' ' ')
for fl in MISSING IMPUTED CARRIED EXCLUDED BEHIND; do
  assert_contains "demo-5.6 a published review shows $fl" "$flags" "$fl"
done
syn=$(sqlite3 "$A" "SELECT count(*) FROM review WHERE json_extract(result, '$.synthetic') = 1")
assert_eq "demo-5.7 every review says synthetic" 4 "$syn"

# --- the demo logins and the second factor ---------------------------------------------------
L=$tmp/a/demo-logins.txt
assert_eq "demo-7.1 demo-logins.txt is private (0600)" 600 "$(stat -c %a "$L")"
assert_eq "demo-7.2 one login line per role" 8 "$(grep -cE '^  [a-z]' "$L")"
assert_eq "demo-7.3 a TOTP secret for the assessor and the three administrators, none for the rest" \
  "kpb sysadmin secadmin auditor" "$(awk '/^  [a-z]/ {u = $1} /^ +TOTP secret / {printf "%s ", u}' "$L" | sed 's/ $//')"
assert_eq "demo-7.4 the key file that encrypts them is private (0600)" 600 "$(stat -c %a "$A.totp-key")"
bad=""
for u in kpb sysadmin secadmin auditor; do
  block=$(awk -v u="$u" '/^  [a-z]/ {on = ($1 == u)} on' "$L")
  sec=$(printf '%s\n' "$block" | awk '/TOTP secret/ {print $3}')
  [ "${#sec}" = 32 ] || bad+="$u: secret '$sec'; "
  [[ "$block" == *"TOTP URI     otpauth://totp/kaoping:$u?secret=$sec&issuer=kaoping&algorithm=SHA1&digits=6&period=30"* ]] || bad+="$u: URI; "
  [[ "$block" == *"code now     oathtool --totp -b $sec"* ]] || bad+="$u: oathtool command; "
  [[ "$DEMO_OUT" == *"TOTP secret  $sec"* ]] || bad+="$u: not printed; "
  stored=$(sqlite3 "$A" "select totp_secret from users where name='$u' and totp_confirmed=1")
  [ "${stored:0:4}" = sb1: ] && [[ "$stored" != *"$sec"* ]] || bad+="$u: stored '$stored'; "
done
assert_eq "demo-7.5 each has its base32 secret, otpauth URI and oathtool command, printed too; stored sealed" "" "$bad"
# sign in as kpb with the password and the code from the command the file gives
read -r _ PWK _ < <(grep -E '^  kpb ' "$L")
CMD=$(awk '/^  [a-z]/ {on = ($1 == "kpb")} on && /code now/ {sub(/^ +code now +/, ""); print}' "$L")
req() { printf 'POST %s HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "$1" "${#2}" "$2" > "$tmp/req"; "$KAOPING" http "$tmp/req" --db "$A" 2>/dev/null | sed '1,/^\r*$/d'; }
pend=$(req /api/login "$(jq -cn --arg p "$PWK" '{username: "kpb", password: $p}')" | jq -r .pending_token)
ans=$(req /api/login/totp "{\"pending_token\":\"$pend\",\"code\":\"$(bash -c "$CMD")\"}")
assert_eq "demo-7.6 kpb signs in with the password, then the code of '$CMD'" "kpb false" \
  "$(printf '%s' "$ans" | jq -r '"\(.username) \(.must_change_password)"')"

# --- refusing to overwrite ------------------------------------------------------------------
before=$(sha256sum <"$A")
run_kp demo --db "$A"
assert_eq "demo-6.1 existing database: refused (exit 1)" 1 "$rc"
assert_contains "demo-6.2 refusal names --force" "$err" "--force"
assert_eq "demo-6.3 refused run left the database alone" "$before" "$(sha256sum <"$A")"
run_kp demo --db "$A" --force
assert_eq "demo-6.4 --force replaces it (exit 0)" 0 "$rc"
ha=$(sqlite3 "$A" "SELECT group_concat(result, '') FROM (SELECT result FROM review ORDER BY period, revision)" | sha256sum)
hb=$(sqlite3 "$B" "SELECT group_concat(result, '') FROM (SELECT result FROM review ORDER BY period, revision)" | sha256sum)
assert_eq "demo-6.5 the replaced database holds the same reviews" "$ha" "$hb"
run_kp demo --db "$A" --bogus
assert_eq "demo-6.6 unknown option is a usage error" 2 "$rc"
finish

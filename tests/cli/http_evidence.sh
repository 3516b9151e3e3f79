#!/usr/bin/env bash
# hev-1 .. hev-13: the evidence store over HTTP, on the real server (`kaoping serve`), with
# signed-in accounts (docs/evidence.md):
#   hev-1 the inspector attaches a geotagged JPEG to a finding: stored by SHA-256, EXIF read
#   hev-2 the unit's reporter gets a copy without EXIF (no GPS, no capture time); the office
#         gets the stored bytes with the GPS
#   hev-3 type by content: an executable named .jpg and a truncated JPEG refused (415), nothing
#         stored, no temp file left
#   hev-4 a name with ../ is text only; the file is named by its hash
#   hev-5 a reporter of another unit may neither attach nor read (403 2012, audited)
#   hev-6 the same bytes twice: two rows, one blob, one file
#   hev-7 over upload_max_mb: 413 by Content-Length and for a chunked body, nothing stored
#   hev-8 a 1 GiB upload keeps the server's peak memory (VmHWM) within 64 MiB of before
#   hev-9 office MP4 withheld outside the office; no session: 401 before any byte is stored
#   hev-10 a project site check-in: the unit's geotagged photo shows its position to the unit
#   hev-12 downloading that 1 GiB file streams it from disk: VmHWM within 64 MiB, bytes and
#          SHA-256 equal; hev-2.6-2.8 the stripped copy is made once and served from its cache
#   hev-13 `kaoping http` sends a file body (the stored file, the cached stripped copy)
#   Needs curl, jq and sqlite3.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
for tool in curl jq sqlite3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "FAIL hev-0 $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
done
T=$(mktemp -d)
DB=$T/k.db
FILES=$DB.files
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
unset KAOPING_NOW
export KAOPING_DB=$DB

run_kp init
run_kp unit import "$KAOPING_SHARED/data/units.csv"
PW0='Init-Pass-2021a'
PW='Kaoping#2026pw'
for u in "ins inspector -" "rep reporter 430421" "rep3 reporter 430423"; do
  set -- $u
  if [ "$3" = - ]; then printf '%s\n' "$PW0" | "$KAOPING" user add "$1" --role "$2" --password-stdin >/dev/null
  else printf '%s\n' "$PW0" | "$KAOPING" user add "$1" --role "$2" --unit "$3" --password-stdin >/dev/null; fi
done
# deadlines count working days: the shipped calendars, or a minimal one for a year without
"$KAOPING" calendar import data/calendar/cn-20*.csv >/dev/null
for y in $(date -u +%Y) $(( $(date -u +%Y) + 1 )); do
  if [ ! -f "data/calendar/cn-$y.csv" ]; then
    printf 'year,date,kind,name\n%s,%s-01-01,off,元旦\n' "$y" "$y" >"$T/cn-$y.csv"
    "$KAOPING" calendar import "$T/cn-$y.csv" >/dev/null
  fi
done
"$KAOPING" serve --db "$DB" --port 0 --threads 2 >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT

login() {
  curl -s -o "$T/out" -w '%{http_code}' -c "$T/$1.jar" -H 'Content-Type: application/json' \
    --data-binary "$(jq -cn --arg u "$1" --arg p "$2" '{username: $u, password: $p}')" "$B/api/login"
  jq -r '.csrf_token // empty' "$T/out" >"$T/$1.csrf"
}
req() {
  local u=$1 m=$2 p=$3 body=${4-} data=()
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -b "$T/$u.jar" -c "$T/$u.jar" \
       -H "X-CSRF-Token: $(cat "$T/$u.csrf")" "${data[@]}" -X "$m" "$B$p"
}
# up USER FILE QUERY [curl options]: uploads FILE as the raw body (streamed by curl)
up() {
  local u=$1 f=$2 q=$3; shift 3
  curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -b "$T/$u.jar" -c "$T/$u.jar" \
       -H "X-CSRF-Token: $(cat "$T/$u.csrf")" -H 'Content-Type: image/jpeg' "$@" \
       --data-binary "@$f" "$B/api/evidence?$q"
}
j() { jq -r "$1" "$T/out"; }
code() { jq -r '.code // empty' "$T/out"; }
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
sql() { sqlite3 "$DB" "$1"; }
# stored blobs: not the spool's temp files, not the stripped copies' cache
nfiles() { find "$FILES" -type f 2>/dev/null | grep -v /tmp/upload- | grep -vc "^$FILES/stripped/"; }
ntmp() { find "$FILES/tmp" -type f 2>/dev/null | wc -l; }

bad=""
for u in ins rep rep3; do
  login "$u" "$PW0" >/dev/null
  s=$(req "$u" POST /api/password "$(jq -cn --arg o "$PW0" --arg n "$PW" '{old_password: $o, new_password: $n}')")
  [ "$s" = 200 ] || bad+="$u:$s "
  s=$(login "$u" "$PW"); [ "$s" = 200 ] || bad+="$u:login $s "
done
assert_eq "hev-0.1 accounts signed in" "" "$bad"
req ins POST /api/inspections '{"kind":"undercover","topic":"值班值守暗访","team":"第一督查组","start":"2026-11-02"}' >/dev/null
s=$(req ins POST /api/findings '{"unit":"430421","category":"作风","text":"工作时间在岗人员玩手机游戏","days":5,"inspection":1}')
s2=$(req ins POST /api/findings/1/actions '{"action":"assign"}')
assert_eq "hev-0.2 a finding on 430421, assigned" "201 200" "$s $s2"

# ---- hev-1 the inspector's photo --------------------------------------------------------------
"$KAOPING" evidence sample "$T/site.jpg" --lat 26.893456 --lon 112.571234 --taken "2026-11-20 09:30:00"
SHA=$(sha256sum "$T/site.jpg" | cut -c1-64)
s=$(up ins "$T/site.jpg" "kind=finding&id=1&name=site.jpg")
assert_eq "hev-1.1 attached: 201, type by content, size" "201 jpeg $(stat -c %s "$T/site.jpg") $SHA" \
  "$s $(j .type) $(j .size) $(j .sha256)"
assert_eq "hev-1.2 EXIF read: capture time and GPS (office view)" "2026-11-20 09:30:00 26.893456 112.571234" \
  "$(j .taken_at) $(printf '%.6f %.6f' "$(j .lat)" "$(j .lon)")"
assert_eq "hev-1.3 stored as DB.files/ab/cdef... (its SHA-256), byte for byte" "0" \
  "$(cmp -s "$T/site.jpg" "$FILES/${SHA:0:2}/${SHA:2}"; echo $?)"
assert_eq "hev-1.4 audited as evidence.add" "1" "$(sql "SELECT count(*) FROM audit WHERE event='evidence.add' AND actor='ins' AND object='finding:1'")"

# ---- hev-2 location stripped outside the office ----------------------------------------------
s=$(curl -s -o "$T/rep.jpg" -D "$T/hdr" -w '%{http_code}' -b "$T/rep.jar" "$B/api/evidence/1")
assert_eq "hev-2.1 the unit's reporter reads it: image/jpeg, nosniff, safe name, stripped" \
  "200 image/jpeg nosniff inline; filename=\"evidence-1.jpg\" yes" \
  "$s $(hdr Content-Type) $(hdr X-Content-Type-Options) $(hdr Content-Disposition) $(hdr X-Location-Stripped)"
assert_eq "hev-2.2 the reporter's copy has no GPS and no EXIF at all" \
  '{"type":"jpeg","taken_at":null,"lat":null,"lon":null}' "$("$KAOPING" evidence exif "$T/rep.jpg")"
a=$(stat -c %s "$T/site.jpg"); b=$(stat -c %s "$T/rep.jpg")
app1=$(( $(od -An -tu1 -j22 -N2 "$T/site.jpg" | awk '{print $1 * 256 + $2}') + 2 ))
assert_eq "hev-2.3 the reporter's copy is the photo minus its APP1 segment (EXIF) only" \
  "FFE1 $((a - app1))" "$(od -An -tx1 -j20 -N2 "$T/site.jpg" | tr -d ' \n' | tr a-f A-F) $b"
s=$(curl -s -o "$T/ins.jpg" -D "$T/hdr" -w '%{http_code}' -b "$T/ins.jar" "$B/api/evidence/1")
assert_eq "hev-2.4 the office's copy is the stored file, GPS included" \
  "200 no 0 26.893456" "$s $(hdr X-Location-Stripped) $(cmp -s "$T/site.jpg" "$T/ins.jpg"; echo $?) $("$KAOPING" evidence exif "$T/ins.jpg" | jq -r .lat)"
CACHE=$FILES/stripped/${SHA:0:2}/${SHA:2}
assert_eq "hev-2.6 the stripped copy was made once into DB.files/stripped/ab/cdef... (the stored hash)" \
  "0 0" "$(cmp -s "$T/rep.jpg" "$CACHE"; echo $?) $(find "$FILES/tmp" -name 'strip-*' | wc -l)"
st0=$(stat -c '%i %Y' "$CACHE")
s=$(curl -s -o "$T/rep2.jpg" -D "$T/hdr" -w '%{http_code}' -b "$T/rep.jar" "$B/api/evidence/1")
assert_eq "hev-2.7 the second download is the same copy, served from the cache (same inode and time)" \
  "200 0 $st0" "$s $(cmp -s "$T/rep.jpg" "$T/rep2.jpg"; echo $?) $(stat -c '%i %Y' "$CACHE")"
"$KAOPING" evidence exif "$T/rep2.jpg" >"$T/exif2"
assert_eq "hev-2.8 the cached copy has no GPS either" '{"type":"jpeg","taken_at":null,"lat":null,"lon":null}' "$(cat "$T/exif2")"
s=$(req rep GET "/api/evidence?kind=finding&id=1")
assert_eq "hev-2.5 the reporter's list: has_location, but no lat/lon" "200 1 true null" \
  "$s $(j '.evidence | length') $(j '.evidence[0].has_location') $(j '.evidence[0].lat')"

# ---- hev-3 type by content ---------------------------------------------------------------------
n0=$(sql "SELECT count(*) FROM evidence")
cp "$KAOPING" "$T/photo.jpg"
s=$(up rep "$T/photo.jpg" "kind=finding&id=1&name=photo.jpg")
assert_eq "hev-3.1 an executable named .jpg: 415 1015" "415 1015" "$s $(code)"
head -c $(( $(stat -c %s "$T/site.jpg") / 2 )) "$T/site.jpg" >"$T/cut.jpg"
s=$(up rep "$T/cut.jpg" "kind=finding&id=1&name=cut.jpg")
assert_eq "hev-3.2 a truncated JPEG: 415, said so" "415 truncated JPEG" "$s $(j .message | cut -c1-14)"
assert_eq "hev-3.3 nothing stored, no temp file left" "$n0 1 0" "$(sql "SELECT count(*) FROM evidence") $(nfiles) $(ntmp)"

# ---- hev-4 names are text ----------------------------------------------------------------------
"$KAOPING" evidence sample "$T/fix.jpg" --taken "2026-11-25 15:00:00"
s=$(up rep "$T/fix.jpg" "kind=finding&id=1&name=..%2F..%2F..%2Fetc%2Fpasswd")
assert_eq "hev-4.1 the unit's rectification photo with a ../ name: stored, name kept as text" \
  "201 ../../../etc/passwd" "$s $(j .name)"
FSHA=$(sha256sum "$T/fix.jpg" | cut -c1-64)
assert_eq "hev-4.2 the file is named by its hash; no other file appeared" "2 0" \
  "$(nfiles) $(cmp -s "$T/fix.jpg" "$FILES/${FSHA:0:2}/${FSHA:2}"; echo $?)"

# ---- hev-5 scope -------------------------------------------------------------------------------
s=$(up rep3 "$T/fix.jpg" "kind=finding&id=1&name=x.jpg")
assert_eq "hev-5.1 a reporter of another unit may not attach: 403 2012" "403 2012" "$s $(code)"
s=$(req rep3 GET /api/evidence/1)
assert_eq "hev-5.2 nor read" "403 2012" "$s $(code)"
assert_eq "hev-5.3 both refusals audited as evidence.denied" "2" \
  "$(sql "SELECT count(*) FROM audit WHERE event='evidence.denied' AND actor='rep3' AND object='finding:1'")"
s=$(up rep "$T/fix.jpg" "kind=finding&id=99&name=x.jpg")
assert_eq "hev-5.4 a finding that does not exist: the same 403 (no existence oracle)" "403 2012" "$s $(code)"

# ---- hev-6 stored once -------------------------------------------------------------------------
s=$(up ins "$T/fix.jpg" "kind=finding&id=1&name=again.jpg")
assert_eq "hev-6.1 the same bytes again: a second row, the same blob and file" "201 1 2 2" \
  "$s $(sql "SELECT count(*) FROM evidence_blob WHERE sha256='$FSHA'") $(sql "SELECT count(*) FROM evidence WHERE sha256='$FSHA'") $(nfiles)"

# ---- hev-7 size limit --------------------------------------------------------------------------
"$KAOPING" user policy upload_max_mb 1 >/dev/null
{ head -c 1048000 "$T/site.jpg"; head -c 1048576 /dev/zero; } >"$T/big.jpg"
n0=$(sql "SELECT count(*) FROM evidence")
s=$(up rep "$T/big.jpg" "kind=finding&id=1")
assert_eq "hev-7.1 2 MiB with upload_max_mb 1: 413 (by Content-Length, before the body)" "413 1013" "$s $(code)"
s=$(up rep "$T/big.jpg" "kind=finding&id=1" -H 'Transfer-Encoding: chunked')
assert_eq "hev-7.2 the same sent chunked: 413" "413 1013" "$s $(code)"
assert_eq "hev-7.3 nothing stored, no temp file" "$n0 2 0" "$(sql "SELECT count(*) FROM evidence") $(nfiles) $(ntmp)"

# ---- hev-8 a 1 GiB upload streams --------------------------------------------------------------
"$KAOPING" user policy upload_max_mb 2048 >/dev/null
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$SPID/status"; }
h0=$(hwm)
# an MP4 (ISO-BMFF ftyp box) followed by 1 GiB of zeros, piped: curl sends it chunked
s=$({ printf '\0\0\0\x18ftypisom\0\0\0\0isommp41'; head -c 1073741824 /dev/zero; } |
    curl -s -o "$T/out" -w '%{http_code}' -b "$T/ins.jar" -H "X-CSRF-Token: $(cat "$T/ins.csrf")" \
      -H 'Content-Type: video/mp4' -T - -X POST "$B/api/evidence?kind=finding&id=1&name=walk.mp4")
h1=$(hwm)
assert_eq "hev-8.1 1 GiB + 24 bytes stored as mp4" "201 mp4 1073741848" "$s $(j .type) $(j .size)"
d=$(( (h1 - h0) / 1024 ))
if [ "$d" -lt 64 ]; then ok "hev-8.2 server peak memory grew by $d MiB (VmHWM $h0 -> $h1 kB), under 64 MiB"
else fail "hev-8.2 server peak memory grew by $d MiB (VmHWM $h0 -> $h1 kB): the body is held in memory"; fi
MID=$(j .id)
MSHA=$(j .sha256)

# ---- hev-12 the 1 GiB file downloads streamed from disk -------------------------------------
h0=$(hwm)
dsha=$(curl -s -b "$T/ins.jar" -w '%{stderr}%{http_code} %{size_download}' "$B/api/evidence/$MID?download=1" \
       2>"$T/dl.w" | sha256sum | cut -c1-64)
h1=$(hwm)
assert_eq "hev-12.1 the office downloads it: 200, 1 GiB + 24 bytes, the stored file's SHA-256" \
  "200 1073741848 $(sha256sum "$FILES/${MSHA:0:2}/${MSHA:2}" | cut -c1-64)" "$(cat "$T/dl.w") $dsha"
d=$(( (h1 - h0) / 1024 ))
if [ "$d" -lt 64 ]; then ok "hev-12.2 server peak memory grew by $d MiB during the download (VmHWM $h0 -> $h1 kB), under 64 MiB"
else fail "hev-12.2 server peak memory grew by $d MiB during the download (VmHWM $h0 -> $h1 kB): the file is read into memory"; fi

# ---- hev-9 MP4 outside the office; no session --------------------------------------------------
s=$(req rep GET "/api/evidence/$MID")
assert_eq "hev-9.1 the office's MP4 is not served to the unit (location atoms not stripped)" "403 2012" "$s $(code)"
rm -f "$FILES/${SHA:0:2}/${SHA:2}.none"
n0=$(sql "SELECT count(*) FROM evidence")
s=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: image/jpeg' --data-binary "@$T/site.jpg" "$B/api/evidence?kind=finding&id=1")
assert_eq "hev-9.2 no session: 401, nothing stored, no temp file" "401 2001 $n0 0" "$s $(code) $(sql "SELECT count(*) FROM evidence") $(ntmp)"

# ---- hev-10 a project site check-in ----------------------------------------------------------
"$KAOPING" user policy upload_max_mb 50 >/dev/null
"$KAOPING" project add --code P-EV-1 --name 智能制造产业园 --unit 430421 --industry 装备制造 --total 12 \
  --year 2026 --annual-plan 3 >/dev/null
PID=$(sql "SELECT id FROM project WHERE code='P-EV-1'")
"$KAOPING" evidence sample "$T/check.jpg" --lat 26.90812 --lon 112.40731 --taken "2026-11-26 10:00:00"
s=$(up rep "$T/check.jpg" "kind=project&id=$PID&name=check-in.jpg")
assert_eq "hev-10.1 the unit's reporter checks in on its project with a geotagged photo" \
  "201 26.908120 112.407310" "$s $(printf "%.6f %.6f" "$(j .lat)" "$(j .lon)")"
s=$(req rep GET "/api/evidence?kind=project&id=$PID")
assert_eq "hev-10.2 the check-in's position is shown to the unit (its own photo)" "200 26.90812" "$s $(j '.evidence[0].lat')"
s=$(up rep3 "$T/check.jpg" "kind=project&id=$PID")
assert_eq "hev-10.3 another unit's reporter may not check in there" "403 2012" "$s $(code)"

# ---- hev-13 `kaoping http` (one request from a file) sends a file body too -------------------
printf 'GET /api/evidence/1 HTTP/1.1\r\nHost: localhost\r\n\r\n' >"$T/req"
"$KAOPING" http "$T/req" --as ins >"$T/resp" 2>"$T/resp.err"
sed '1,/^\r$/d' "$T/resp" >"$T/cli.jpg"
assert_eq "hev-13.1 the office's copy through kaoping http: 200, Content-Length, the stored bytes" \
  "200 $(stat -c %s "$T/site.jpg") 0" \
  "$(head -1 "$T/resp" | cut -d' ' -f2) $(grep -a -i '^Content-Length:' "$T/resp" | tr -d '\r' | cut -d' ' -f2) $(cmp -s "$T/site.jpg" "$T/cli.jpg"; echo $?)"
"$KAOPING" http "$T/req" --as rep >"$T/resp" 2>>"$T/resp.err"
sed '1,/^\r$/d' "$T/resp" >"$T/cli-rep.jpg"
assert_eq "hev-13.2 the unit's copy through kaoping http is the cached stripped copy" "0" \
  "$(cmp -s "$CACHE" "$T/cli-rep.jpg"; echo $?)"
assert_eq "hev-13.3 no sanitizer report from kaoping http" "" \
  "$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T/resp.err" | head -3)"

# the server stops cleanly; under ASan its report (leaks, errors) would be in serve.err
kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=
assert_eq "hev-11 the server stopped without a sanitizer report" "" "$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T/serve.err" | head -3)"

finish

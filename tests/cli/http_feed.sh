#!/usr/bin/env bash
# http_feed: big-data feeds and cross-checks over HTTP (src/http/api_feed.c) against the real
# server on the demo:
#   hf-1  upload a CSV export: 202 at once, the progress API polled until done (bytes, rows,
#         rejects, MB/s, ETA, 100 %), the upload audited
#   hf-2  batches and rejects (line, column, reason)
#   hf-3  drill-down: all records of a unit and period, an indicator's part, a field filter,
#         paging, CSV export with formula cells neutralised
#   hf-4  an XLSX upload stores the same records (all already stored: duplicates)
#   hf-5  cross-check flags of 2021-B4 (the same four as `kaoping crosscheck`, feed.sh 9.2);
#         cached: the same answer again (ETag, 304), a new one after an observation changes
#   hf-6  refusals: a reporter (403 2004), a leader may read but not upload, a bad file name
#   hf-8  the upload is streamed to disk: a file over upload_max_mb is 413; a file that breaks
#         off (a quoted field never closed) fails with its line and column and stores nothing
#         of the batch it breaks in; an export bigger than 64 MB imports whole while the
#         server's peak memory (VmHWM) grows by much less than the file; no temp file is left
# The expected counts are from tests/data/feed/small.csv, worked out by hand in feed.sh.
# Needs curl, jq, sqlite3, python3 (to write the XLSX copy).
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh

for tool in curl jq sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "FAIL hf-0 $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
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
assert_eq "hf-0.1 demo database" 0 "$rc"
declare -A PW SECRET
demo_logins "$T/demo-logins.txt"
"$KAOPING" user policy password_max_age_days 0 --db "$DB" >/dev/null
"$KAOPING" review compute 2021-B4 --db "$DB" >/dev/null 2>&1 # a draft review, for the bulletin

# start_server: kaoping serve in the background (SPID), its address in B
start_server() {
  "$KAOPING" serve --db "$DB" --port 0 --threads 4 >"$T/serve.out" 2>>"$T/serve.err" &
  SPID=$!
  for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
  B=http://127.0.0.1:$PORT
}
start_server

login() { api_login "$B" "$1" "${PW[$1]}" "${SECRET[$1]-}" "$T"; }
# req USER METHOD PATH [curl args...]: status; body in T/out
req() {
  local u=$1 m=$2 p=$3
  shift 3
  curl -s -o "$T/out" -w '%{http_code}' -b "$T/$u.jar" -c "$T/$u.jar" \
    -H "X-CSRF-Token: $(cat "$T/$u.csrf" 2>/dev/null)" -X "$m" "$@" "$B$p"
}
code() { jq -r '.code // empty' "$T/out" 2>/dev/null; }
bad=""
for u in kpb leader hengyang; do s=$(login "$u"); [ "$s" = 200 ] || bad+="$u:$s "; done
assert_eq "hf-0.2 the accounts sign in" "" "$bad"

# the upload: small.csv (7 work orders of March-April 2021) + one whose content a spreadsheet
# would run as a formula (GD9) + one with 30 February (a reject at line 13, column 4)
cp tests/data/feed/small.csv "$T/orders.csv"
printf '%s\r\n' '=1+2,GD9,430421,2021-04-05 08:00:00,2021-04-05 09:00:00,2021-04-06 08:00:00,2021-04-10 08:00:00,已办结,满意,教育,电话' \
  '无,GD8,430421,2021-02-30 10:00:00,,,,办理中,未回访,教育,电话' >>"$T/orders.csv"
SIZE=$(stat -c %s "$T/orders.csv")

# ---- hf-1 upload and progress -----------------------------------------------------------
s=$(req kpb POST "/api/feeds/hotline/upload?filename=orders.csv" -H 'Content-Type: text/csv' --data-binary @"$T/orders.csv")
assert_eq "hf-1.1 upload: 202 with a job and its progress URL" "202 running $SIZE" "$s $(jq -r '.state' "$T/out") $(jq -r .bytes "$T/out")"
PURL=$(jq -r .progress "$T/out")
state=running
for _ in $(seq 100); do
  s=$(req kpb GET "$PURL")
  state=$(jq -r .state "$T/out")
  [ "$state" = running ] || break
  sleep 0.1
done
assert_eq "hf-1.2 progress until done: 100 %, every byte, 9 rows, 8 added, 1 rejected, ETA 0" \
  "200 done 100 $SIZE 9 8 1 0" \
  "$s $state $(jq -r '"\(.percent) \(.bytes_done) \(.rows) \(.added) \(.rejected) \(.eta_s)"' "$T/out")"
assert_eq "hf-1.3 progress carries MB/s and the elapsed time (numbers)" "number number" \
  "$(jq -r '"\(.mb_per_s | type) \(.elapsed_s | type)"' "$T/out")"
assert_eq "hf-1.4 the upload is audited with the account" "1" \
  "$(sqlite3 "$DB" "select count(*) from audit where event = 'feed.upload' and actor = 'kpb' and outcome = 'ok'")"
assert_eq "hf-1.5 the file is kept beside the database" "1" "$(ls "$DB.feeds" | grep -c 'orders\.csv$')"

# ---- hf-2 batches and rejects -----------------------------------------------------------
s=$(req leader GET "/api/feeds/batches?feed=hotline")
assert_eq "hf-2.1 batches (leader reads): one batch of orders.csv, 9 rows, 1 reject" "200 1 orders.csv 9 8 1" \
  "$s $(jq -r '"\(.total) \(.batches[0].file | sub("^[0-9]+-[0-9]+-"; "")) \(.batches[0].rows) \(.batches[0].added) \(.batches[0].rejected)"' "$T/out")"
s=$(req kpb GET "/api/feeds/rejects?feed=hotline")
assert_eq "hf-2.2 the reject: line 13, column 4, the reason" "200 1 13 4 yes" \
  "$s $(jq -r '"\(.total) \(.rejects[0].line) \(.rejects[0].column) \(.rejects[0].reason | test("2021-02-30.*not a time") | if . then "yes" else "no" end)"' "$T/out")"
s=$(req kpb GET "/api/feeds/rejects?page=x")
assert_eq "hf-2.3 a bad page number is 400 3003" "400 3003" "$s $(code)"

# ---- hf-3 drill-down --------------------------------------------------------------------
R=/api/feeds/hotline/records
s=$(req kpb GET "$R?unit=430421&period=2021-B2")
assert_eq "hf-3.1 all records of 衡阳县 in 2021-B2: GD1-GD4, GD7, GD9" "200 6 GD1,GD2,GD3,GD4,GD7,GD9" \
  "$s $(jq -r '"\(.total) \([.records[].order_id] | join(","))"' "$T/out")"
s=$(req kpb GET "$R?unit=430421&period=2021-B2&indicator=hotline.ontime_rate&part=rest")
assert_eq "hf-3.2 on-time rate, not on time: GD2 only" "200 1 GD2" "$s $(jq -r '"\(.total) \(.records[0].order_id)"' "$T/out")"
s=$(req kpb GET "$R?unit=430421&period=2021-B2&indicator=hotline.ontime_rate&part=numerator")
assert_eq "hf-3.3 on time: GD1, GD4, GD7, GD9" "200 GD1,GD4,GD7,GD9" "$s $(jq -r '[.records[].order_id] | join(",")' "$T/out")"
s=$(req kpb GET "$R?unit=430421&period=2021-B2&where=channel=%E7%94%B5%E8%AF%9D")
assert_eq "hf-3.4 filter channel=电话: GD1, GD7, GD9" "200 GD1,GD7,GD9" "$s $(jq -r '[.records[].order_id] | join(",")' "$T/out")"
s=$(req kpb GET "$R?unit=430421&period=2021-B2&page=3&page_size=2")
assert_eq "hf-3.5 page 3 of size 2: GD7, GD9 (of 6)" "200 6 3 GD7,GD9" "$s $(jq -r '"\(.total) \(.page) \([.records[].order_id] | join(","))"' "$T/out")"
s=$(req kpb GET "$R?unit=430421&period=2021-B2&indicator=nope")
assert_eq "hf-3.6 an unknown indicator is 400 3003" "400 3003" "$s $(code)"
s=$(req leader GET "$R.csv?unit=430421&period=2021-B2&where=order_id=GD9")
assert_eq "hf-3.7 CSV: header and GD9 with its formula neutralised" "200 yes" \
  "$s $(tr -d '\r' <"$T/out" | grep -q "^GD9,.*,\"'=1+2\"\$" && ! grep -q ',=1+2' "$T/out" && head -1 "$T/out" | grep -q '^工单编号,' && echo yes || echo no)"
assert_eq "hf-3.8 CSV has the header and one record" "2" "$(wc -l <"$T/out")"

# ---- hf-4 XLSX --------------------------------------------------------------------------
python3 tests/data/feed/make-xlsx.py "$T/orders.csv" "$T/orders.xlsx"
s=$(req kpb POST "/api/feeds/hotline/upload?filename=orders.xlsx" --data-binary @"$T/orders.xlsx")
assert_eq "hf-4.0 a form-encoded body is not a file: 415 1015" "415 1015" "$s $(code)"
s=$(req kpb POST "/api/feeds/hotline/upload?filename=orders.xlsx" -H 'Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' --data-binary @"$T/orders.xlsx")
PURL=$(jq -r .progress "$T/out")
for _ in $(seq 100); do s=$(req kpb GET "$PURL"); [ "$(jq -r .state "$T/out")" = running ] || break; sleep 0.1; done
assert_eq "hf-4.1 the XLSX copy: done, 9 rows, 0 added, 8 duplicates, 1 rejected" "200 done 9 0 8 1" \
  "$s $(jq -r '"\(.state) \(.rows) \(.added) \(.duplicates) \(.rejected)"' "$T/out")"
s=$(req kpb GET "/api/feeds/rejects?feed=hotline&page=2&page_size=1")
assert_eq "hf-4.2 its reject names Excel's row 13, column 4" "200 13 4" "$s $(jq -r '"\(.rejects[0].line) \(.rejects[0].column)"' "$T/out")"
printf 'not a zip' >"$T/broken.xlsx"
s=$(req kpb POST "/api/feeds/hotline/upload?filename=broken.xlsx" -H 'Content-Type: application/octet-stream' --data-binary @"$T/broken.xlsx")
assert_eq "hf-4.3 a broken XLSX is 400 3003 with the reason" "400 3003 yes" \
  "$s $(code) $(jq -r '.message | test("broken.xlsx") | if . then "yes" else "no" end' "$T/out")"

# ---- hf-5 cross-checks ------------------------------------------------------------------
s=$(req leader GET /api/crosscheck/2021-B4)
cp "$T/out" "$T/xc-first.json"
assert_eq "hf-5.1 2021-B4 flags (as feed.sh 9.2)" "200 P04 jump B1; P01 jump D1; 430405 jump D2; P01 jump D2" \
  "$s $(jq -r '[.flags[] | "\(.unit) \(.kind) \(.indicator)"] | join("; ")' "$T/out")"
assert_eq "hf-5.2 each flag has its evidence (previous, current, modified z)" "4" \
  "$(jq '[.flags[] | select(.evidence.previous != null and .evidence.current != null and .evidence.modified_z != null)] | length' "$T/out")"
s=$(req leader GET /api/crosscheck/2099-B1)
assert_eq "hf-5.3 a period that does not exist is 404 4001" "404 4001" "$s $(code)"

s=$(req leader GET /bulletin/2021-B4.html)
assert_eq "hf-5.4 the draft bulletin has a 数据存疑 section with the four flags and their evidence" "200 1 4" \
  "$s $(grep -c '<section id="flags"' "$T/out") $(sed -n '/<section id="flags"/,/<\/section>/p' "$T/out" | grep -c '<tr><td>.*in 2021-B3, .* in 2021-B4')"
assert_contains "hf-5.5 the row of 衡阳综合保税区: leaf, kind and evidence" "$(cat "$T/out")" \
  "<td>B1 12345热线按时办结率</td><td>环比跳变</td><td>B1: 95.65 in 2021-B3, 70.83 in 2021-B4 (-24.82 points; the units&#39; median change -1.4 points)</td>"
run_kp report --period 2021-B4 --format md -o "$T/b.md" --db "$DB"
assert_eq "hf-5.6 the Markdown bulletin has the section and its 4 rows" "1 4" \
  "$(grep -c '^## 数据存疑' "$T/b.md") $(sed -n '/^## 数据存疑/,/^## /p' "$T/b.md" | grep -c '| 环比跳变 |')"
run_kp report --period 2021-B3 --format html -o "$T/b3.html" --db "$DB"
assert_contains "hf-5.7 2021-B3 (no flag): the section says so" "$(cat "$T/b3.html")" "本期无存疑数据。"

# the flags are cached (crosscheck_run per process, the response cache for the API): the
# cached answer is the computed one, and a changed observation changes it
# (the verb prints numbers to 15 digits, the API to 17: compared to 1e-9)
norm() { jq -cS 'walk(if type == "number" then (. * 1e9 | round) else . end)' "$@"; }
"$KAOPING" crosscheck 2021-B4 --format json --db "$DB" | norm >"$T/xc-cli.json"
s=$(curl -s -D "$T/hdr" -o "$T/out" -w '%{http_code}' -b "$T/leader.jar" "$B/api/crosscheck/2021-B4")
ETAG=$(tr -d '\r' <"$T/hdr" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
assert_eq "hf-5.8 cached: the same flags as the first answer and as a fresh run of the verb" "200 same same" \
  "$s $(cmp -s <(jq -cS . "$T/out") <(jq -cS . "$T/xc-first.json") && echo same || echo differs) $(cmp -s <(norm "$T/out") "$T/xc-cli.json" && echo same || echo differs)"
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$T/leader.jar" -H "If-None-Match: $ETAG" "$B/api/crosscheck/2021-B4")
assert_eq "hf-5.9 the answer carries an ETag; asked again with it: 304" "yes 304" "$([ -n "$ETAG" ] && echo yes || echo no) $s"
# plant a jump (as feed.sh 9.4): 珠晖区 reports 企业开办时间 9 working days
run_kp data revise --period 2021-B4 --unit 430405 --indicator B3 --value 9 --reason "test: planted" --db "$DB"
s=$(curl -s -o "$T/out" -w '%{http_code}' -b "$T/leader.jar" -H "If-None-Match: $ETAG" "$B/api/crosscheck/2021-B4")
assert_eq "hf-5.10 after a revised observation: 200 (not 304), the planted jump flagged, no stale answer" \
  "200 430405 jump B3; 430405 jump D2; P01 jump D1; P01 jump D2; P04 jump B1" \
  "$s $(jq -r '[.flags[] | "\(.unit) \(.kind) \(.indicator)"] | sort | join("; ")' "$T/out")"
assert_eq "hf-5.11 ... equal to a fresh run of the verb" "same" \
  "$(cmp -s <(norm "$T/out") <("$KAOPING" crosscheck 2021-B4 --format json --db "$DB" | norm) && echo same || echo differs)"
s=$(req leader GET /bulletin/2021-B4.html)
assert_eq "hf-5.12 the bulletin, rendered again, has the fifth flag (珠晖区 B3)" "200 5 1" \
  "$s $(sed -n '/<section id="flags"/,/<\/section>/p' "$T/out" | grep -c '<tr><td>.*in 2021-B3, .* in 2021-B4') $(sed -n '/<section id="flags"/,/<\/section>/p' "$T/out" | grep -c '<td>B3 ')"

# ---- hf-6 refusals ----------------------------------------------------------------------
bad=""
for p in /api/feeds/batches /api/feeds/rejects "$R?unit=430421&period=2021-B2" "$R.csv?unit=430421&period=2021-B2" /api/crosscheck/2021-B4 /api/feeds/uploads/1; do
  s=$(req hengyang GET "$p"); [ "$s $(code)" = "403 2004" ] || bad+="$p:$s "
done
assert_eq "hf-6.1 a reporter reads none of it (403 2004)" "" "$bad"
s=$(req leader POST "/api/feeds/hotline/upload?filename=x.csv" --data-binary @"$T/orders.csv")
assert_eq "hf-6.2 a leader may not upload" "403 2004" "$s $(code)"
s=$(req kpb POST "/api/feeds/hotline/upload?filename=../x.csv" --data-binary @"$T/orders.csv")
assert_eq "hf-6.3 a file name with a path is 400 3003" "400 3003" "$s $(code)"
s=$(req kpb POST "/api/feeds/nope/upload?filename=x.csv" --data-binary @"$T/orders.csv")
assert_eq "hf-6.4 only built-in feeds: an unknown code is 404 4001" "404 4001" "$s $(code)"
s=$(req kpb POST "/api/feeds/meter.json/upload?filename=x.csv" --data-binary @"$T/orders.csv")
assert_eq "hf-6.5 never a definition file: a feed code with a dot is 400 3003" "400 3003" "$s $(code)"

# ---- hf-8 streamed uploads --------------------------------------------------------------
# a fresh server, so that its peak memory (VmHWM) starts near its resident size: rendering
# the bulletins above raised it; the sessions are in the database and stay valid
kill -TERM "$SPID"; wait "$SPID"; rcs=$?; SPID=
assert_eq "hf-8.0 SIGTERM stops the first server with status 0" 0 "$rcs"
start_server
gcc -std=c17 -O2 bench/feed/gen.c -o "$T/gen" || fail "hf-8.0 bench/feed/gen.c does not build"
ntmp() { find "$DB.files/tmp" -type f 2>/dev/null | wc -l; }
# wait_job: polls the progress URL in T/out until the job is no longer running
wait_job() {
  local u
  u=$(jq -r .progress "$T/out")
  for _ in $(seq 1200); do s=$(req kpb GET "$u"); [ "$(jq -r .state "$T/out")" = running ] || break; sleep 0.1; done
}
"$KAOPING" user policy upload_max_mb 1 --db "$DB" >/dev/null
head -c 2000000 /dev/zero | tr '\0' 'x' >"$T/big.csv"
s=$(req kpb POST "/api/feeds/hotline/upload?filename=big.csv" -H 'Content-Type: text/csv' -T "$T/big.csv")
assert_eq "hf-8.1 2 MB over upload_max_mb 1: 413 1013, no temp file" "413 1013 0" "$s $(code) $(ntmp)"
"$KAOPING" user policy upload_max_mb 200 --db "$DB" >/dev/null

# 12,000 generated work orders (12,225 lines: some texts hold line breaks), then a record
# whose last field opens a quote that never closes: batches of 5,000 records store 1-5,000
# and 5,001-10,000; the third batch, where the file breaks, stores nothing
"$T/gen" 12000 >"$T/trunc.csv"
printf 'GDX1,2021-03-01 10:00:00,430421,教育,电话,,,,已办结,满意,"never closed\r\nmore text\r\n' >>"$T/trunc.csv"
s=$(req kpb POST "/api/feeds/hotline/upload?filename=trunc.csv" -H 'Content-Type: text/csv' -T "$T/trunc.csv")
wait_job
assert_eq "hf-8.2 a file that breaks off: failed, with its line and column" "200 failed yes" \
  "$s $(jq -r .state "$T/out") $(jq -r '.message | test("trunc.csv: line 12226, column 11: quoted field is never closed") | if . then "yes" else "no" end' "$T/out")"
assert_eq "hf-8.3 two whole batches stored (10,000 records, up to line 10,190), none of the broken one" "2 10000 10190" \
  "$(sqlite3 -separator ' ' "$DB" "select count(*), sum(added), max(line_end) from feed_batch where file_name like '%-trunc.csv'")"

# 230,000 work orders, about 80 MB (over the old in-memory limit of 64 MB), sent with a
# Content-Length by curl -T (which reads the file as it sends it); the first 10,000 are the
# ones trunc.csv stored
"$T/gen" 230000 >"$T/huge.csv"
HSIZE=$(stat -c %s "$T/huge.csv")
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$SPID/status"; }
h0=$(hwm)
s=$(req kpb POST "/api/feeds/hotline/upload?filename=huge.csv" -H 'Content-Type: text/csv' -T "$T/huge.csv")
h1=$(hwm)
assert_eq "hf-8.4 an upload of $HSIZE bytes (over 64 MB): 202" "202 $HSIZE yes" \
  "$s $(jq -r .bytes "$T/out") $([ "$HSIZE" -gt 67108864 ] && echo yes || echo no)"
wait_job
assert_eq "hf-8.5 imported whole: 230,000 rows, 220,000 added, 10,000 already stored, none rejected" \
  "200 done 230000 220000 10000 0 100" \
  "$s $(jq -r '"\(.state) \(.rows) \(.added) \(.duplicates) \(.rejected) \(.percent)"' "$T/out")"
assert_eq "hf-8.6 the saved file is the upload, byte for byte" "yes" \
  "$(cmp -s "$T/huge.csv" "$(ls "$DB".feeds/*-huge.csv)" && echo yes || echo no)"
d=$(( (h1 - h0) / 1024 ))
lim=$(( HSIZE / 4 / 1048576 ))
if [ "$d" -lt "$lim" ]; then ok "hf-8.7 server peak memory grew by $d MiB for a $(( HSIZE / 1048576 )) MiB upload (VmHWM $h0 -> $h1 kB), under $lim MiB"
else fail "hf-8.7 server peak memory grew by $d MiB (VmHWM $h0 -> $h1 kB) for a $(( HSIZE / 1048576 )) MiB upload: the body is held in memory"; fi
assert_eq "hf-8.8 no temp file left in DB.files/tmp" "0" "$(ntmp)"

# ---- the server and the importers it started: clean exits, no sanitizer report ----------
kill -TERM "$SPID"; wait "$SPID"; rcs=$?; SPID=
assert_eq "hf-7.1 SIGTERM stops the server with status 0" 0 "$rcs"
assert_eq "hf-7.2 no sanitizer report from the server or the imports it ran" "" \
  "$(cat "$T/serve.err" "$DB".feeds/*.log 2>/dev/null | grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:')"

finish

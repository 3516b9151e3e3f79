#!/usr/bin/env bash
# feed-1.x: `kaoping feed derive` and `kaoping feed show` on the real binary.
#
# tests/data/feed/small.csv (UTF-8 with BOM, CRLF, columns reordered, headers by alias,
# quoted fields with a comma, doubled quotes and CRLF line breaks, a field of "" and a blank
# last line) holds seven work orders; by hand, with response hours in brackets:
#   430421, March: GD1 on time 满意 (1 h); GD2 closed late 不满意 (3.5 h); GD3 open 未回访
#     (2 h, across midnight into April: the period is by 受理时间); GD4 on time 基本满意 (no
#     response time: left out of the median; "12:00" without seconds)
#     -> orders 4, on time 2/3, satisfied 2/3, median of 1, 3.5, 2 = 2
#   430421, April: GD7 on time 满意 (0.25 h) -> 1, 1, 1, 0.25
#   430422, April: GD5 (2021/04/02 written with slashes) and GD6 (unit " 430422 " trimmed),
#     both 已退回 未回访 (0.5 h, 2 h) -> orders 2, on-time and satisfaction empty (nothing to
#     divide by), median (0.5 + 2) / 2 = 1.25
#   bimonth 2021-B2 for 430421: orders 5, on time 3/4, satisfied 3/4, median of
#     0.25, 1, 2, 3.5 = 1.5
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
D=tests/data/feed
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

MONTH="unit,period,indicator,value
430421,2021-M03,hotline.orders,4
430421,2021-M03,hotline.ontime_rate,0.6666666666666666
430421,2021-M03,hotline.satisfaction_rate,0.6666666666666666
430421,2021-M03,hotline.response_median_h,2
430421,2021-M04,hotline.orders,1
430421,2021-M04,hotline.ontime_rate,1
430421,2021-M04,hotline.satisfaction_rate,1
430421,2021-M04,hotline.response_median_h,0.25
430422,2021-M04,hotline.orders,2
430422,2021-M04,hotline.ontime_rate,
430422,2021-M04,hotline.satisfaction_rate,
430422,2021-M04,hotline.response_median_h,1.25"

run_kp feed derive hotline $D/small.csv
assert_eq "feed-1.1 derive exits 0" 0 "$rc"
assert_eq "feed-1.2 monthly indicators (BOM, CRLF, quotes, aliases, reordered columns)" "$MONTH" "$out"
assert_eq "feed-1.3 nothing on stderr for a clean file" "" "$err"

run_kp feed derive hotline $D/small-gbk.csv
assert_eq "feed-1.4 the same export in GBK (LF, line breaks in quotes) gives the same values" "$MONTH" "$out"

run_kp feed derive hotline $D/small.csv --period-kind bimonth
assert_eq "feed-1.5 bimonthly codes and values" "unit,period,indicator,value
430421,2021-B2,hotline.orders,5
430421,2021-B2,hotline.ontime_rate,0.75
430421,2021-B2,hotline.satisfaction_rate,0.75
430421,2021-B2,hotline.response_median_h,1.5
430422,2021-B2,hotline.orders,2
430422,2021-B2,hotline.ontime_rate,
430422,2021-B2,hotline.satisfaction_rate,
430422,2021-B2,hotline.response_median_h,1.25" "$out"

run_kp feed derive hotline $D/small.csv --period-kind quarter
assert_contains "feed-1.6 quarter codes: March is Q1" "$out" "430421,2021-Q1,hotline.response_median_h,2"
assert_contains "feed-1.7 quarter codes: April is Q2" "$out" "430422,2021-Q2,hotline.orders,2"

run_kp feed derive hotline $D/small.csv --format json
json=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = {(x["unit"], x["period"], x["indicator"]): (x["value"], x["n"]) for x in d}
print(len(d), v[("430422", "2021-M04", "hotline.ontime_rate")], v[("430421", "2021-M03", "hotline.ontime_rate")])')
assert_eq "feed-1.8 json: 12 values; an empty rate is null with n 0; n is the denominator" \
  "12 (None, 0) (0.6666666666666666, 3)" "$json"

# --- bad rows -------------------------------------------------------------------------
run_kp feed derive hotline $D/bad.csv
assert_eq "feed-2.1 bad rows do not stop the good ones (exit 0)" 0 "$rc"
assert_eq "feed-2.2 only the good rows count (GD1 in March, GD7 in April)" "unit,period,indicator,value
430421,2021-M03,hotline.orders,1
430421,2021-M03,hotline.ontime_rate,1
430421,2021-M03,hotline.satisfaction_rate,1
430421,2021-M03,hotline.response_median_h,1
430421,2021-M04,hotline.orders,1
430421,2021-M04,hotline.ontime_rate,1
430421,2021-M04,hotline.satisfaction_rate,1
430421,2021-M04,hotline.response_median_h,0.25" "$out"
assert_contains "feed-2.3 no such date: file, line, column, reason" "$err" \
  'tests/data/feed/bad.csv: line 3, column 4: 受理时间 "2021-02-30 10:00:00" is not a time'
assert_contains "feed-2.4 wrong field count" "$err" \
  "tests/data/feed/bad.csv: line 4, column 11: the record has 10 fields, the header 11"
assert_contains "feed-2.5 text after a closing quote" "$err" \
  "tests/data/feed/bad.csv: line 5, column 1: text after a closing quote"
assert_contains "feed-2.6 empty unit" "$err" "tests/data/feed/bad.csv: line 6, column 3: 承办单位编码 (unit) is empty"
assert_contains "feed-2.7 bad response time" "$err" 'line 7, column 5: 响应时间 "明天" is not a time'
assert_contains "feed-2.8 the count of bad rows" "$err" "5 of 7 rows are bad and were left out"

run_kp feed derive hotline $D/bad.csv --strict
assert_eq "feed-2.9 --strict: exit 1" 1 "$rc"
assert_eq "feed-2.10 --strict: no output" "" "$out"

printf 'code,name\n430421,耒阳\n' >"$T/units.csv"
run_kp feed derive hotline $D/small.csv --units "$T/units.csv"
assert_contains "feed-2.11 --units: an unknown unit is a bad row" "$err" \
  'small.csv: line 8, column 3: unknown unit "430422"'
assert_not_contains "feed-2.12 --units: its rows are left out" "$out" "430422"

# A file cut inside a quoted field: an error naming the record, the rows before it count.
head -c 400 $D/small.csv >"$T/cut.csv"
printf '\r\nGD9,"never closed\r\n' >>"$T/cut.csv"
run_kp feed derive hotline "$T/cut.csv"
assert_contains "feed-2.13 truncated file: the unterminated quote is named" "$err" "quoted field is never closed (the file ends inside it)"

head -c 3000 /bin/ls >"$T/binary.csv"
run_kp feed derive hotline "$T/binary.csv"
assert_eq "feed-2.14 binary file: exit 1" 1 "$rc"
assert_contains "feed-2.15 binary file: a clear reason" "$err" "this is not a text file"

printf '工单编号,受理时间\nGD1,2021-03-01 08:00:00\n' >"$T/nounit.csv"
run_kp feed derive hotline "$T/nounit.csv"
assert_eq "feed-2.16 a missing column: exit 1" 1 "$rc"
assert_contains "feed-2.17 a missing column is named with its aliases" "$err" "承办单位编码|单位编码|单位代码"

run_kp feed derive nosuchfeed $D/small.csv
assert_eq "feed-2.18 unknown feed: exit 1" 1 "$rc"
run_kp feed derive hotline $D/small.csv --period-kind week
assert_eq "feed-2.19 bad --period-kind: exit 2" 2 "$rc"

# --- a feed defined in a file ------------------------------------------------------------
# meter.csv by hand: U1 Q1 readings 100 (工业), 40.5, 250 (工业), empty (未知) ->
#   4 readings; industry sum 350; mean (100 + 40.5 + 250) / 3 = 130.16666666666666;
#   median 100; industry share among known sectors 2/3.
# U2: 10 and -2e1 (居民) -> sum over 工业 is empty (no row), mean -5, median -5, share 0.
run_kp feed derive $D/meter.json $D/meter.csv --period-kind quarter
assert_eq "feed-3.1 a definition file: count, sum with a filter, mean, median, rate" "unit,period,indicator,value
U1,2021-Q1,meter.readings,4
U1,2021-Q1,meter.industry_kwh,350
U1,2021-Q1,meter.mean_kwh,130.16666666666666
U1,2021-Q1,meter.median_kwh,100
U1,2021-Q1,meter.industry_share,0.6666666666666666
U2,2021-Q1,meter.readings,2
U2,2021-Q1,meter.industry_kwh,
U2,2021-Q1,meter.mean_kwh,-5
U2,2021-Q1,meter.median_kwh,-5
U2,2021-Q1,meter.industry_share,0" "$out"
sed 's/"agg": "rate",/"agg": "ratio",/' $D/meter.json >"$T/badagg.json"
run_kp feed derive "$T/badagg.json" $D/meter.csv
assert_contains "feed-3.2 a bad definition names the place" "$err" 'indicators[4].agg: "ratio" is not one of'

run_kp feed show
assert_contains "feed-3.3 feed show prints the built-in hotline definition" "$out" '"hotline.response_median_h"'
printf '%s' "$out" >"$T/hotline.json"
run_kp feed derive "$T/hotline.json" $D/small.csv
assert_eq "feed-3.4 the printed definition, used as a file, gives the same values" "$MONTH" "$out"

# --- the demo export: the rates the demo derived, as fractions --------------------------
run_kp demo --db "$T/demo.db"
run_kp feed derive hotline "$T/demo-data/hotline-2021.csv" --period-kind bimonth
b1=$(printf '%s\n' "$out" | awk -F, '$1 == "430405" && $2 == "2021-B1" && $3 == "hotline.ontime_rate" { printf "%.2f", $4 * 100 }')
want=$(awk -F, '$1 == "430405" && $2 == "B1" { print $3 }' "$T/demo-data/values-2021-B1.csv")
assert_eq "feed-4.1 demo: 珠晖区 2021-B1 on-time rate equals the demo's B1 value" "$want" "$b1"
b2=$(printf '%s\n' "$out" | awk -F, '$1 == "430406" && $2 == "2021-B1" && $3 == "hotline.satisfaction_rate" { print "[" $4 "]" }')
assert_eq "feed-4.2 demo: 雁峰区 made no follow-up calls in 2021-B1: satisfaction empty" "[]" "$b2"

# --- the demo export imported: its indicators become observations of the open period ------
# The demo has 2021-B4 open (B1..B3 published) and a scheme whose leaves B1 and B2 are the
# hotline's on-time and satisfaction rates in percent.
b4=$(printf '%s\n' "$out" | awk -F, '$1 == "430405" && $2 == "2021-B4" && $3 == "hotline.ontime_rate" { print $4 * 100 }')
run_kp feed import hotline "$T/demo-data/hotline-2021.csv" --db "$T/demo.db" \
  --observe hotline.ontime_rate=B1*100,hotline.satisfaction_rate=B2*100
assert_eq "feed-8.1 import into the demo exits 0" 0 "$rc"
assert_contains "feed-8.2 new revisions for the open period" "$out" "observations (provenance feed) for the open periods: 30 new revisions"
obs=$(sqlite3 "$T/demo.db" "SELECT provenance, value, b.kind, b.feed_batch FROM observation o JOIN import_batch b ON b.id = o.batch_id WHERE period = '2021-B4' AND unit = '430405' AND indicator = 'B1' ORDER BY revision DESC LIMIT 1")
assert_eq "feed-8.3 珠晖区 2021-B4 B1: 100 x the derived on-time rate, provenance feed, linked to feed batch 1" \
  "feed|$b4|feed|1" "$(printf '%s' "$obs" | awk -F'|' '{ printf "%s|%s|%s|%s", $1, $2 + 0, $3, $4 }')"
assert_eq "feed-8.4 published periods are not touched" "0" \
  "$(sqlite3 "$T/demo.db" "SELECT count(*) FROM observation WHERE provenance = 'feed' AND period <> '2021-B4'")"
# P01's 2021-B4 on-time rate is 0.875 in the export, and the demo entered 87.5:
# an equal value adds no revision (so 2 x 16 units - 2 such = 30 above).
assert_eq "feed-8.5 a value equal to the current one adds no revision (P01 B1 87.5)" "1|87.5|department" \
  "$(sqlite3 "$T/demo.db" "SELECT count(*), max(value), max(provenance) FROM observation WHERE period = '2021-B4' AND unit = 'P01' AND indicator = 'B1'")"
run_kp feed import hotline "$T/demo-data/hotline-2021.csv" --db "$T/demo.db" \
  --observe hotline.ontime_rate=B1*100,hotline.satisfaction_rate=B2*100
assert_eq "feed-8.6 importing again adds no revision" "30" \
  "$(sqlite3 "$T/demo.db" "SELECT count(*) FROM observation WHERE provenance = 'feed'")"
# A run that stored its batches but not the observations (killed in between, or as here
# --no-observations) is completed by the next run, which has nothing new to store.
mkdir -p "$T/d2"
run_kp demo --db "$T/d2/demo.db"
run_kp feed import hotline "$T/demo-data/hotline-2021.csv" --db "$T/d2/demo.db" --no-observations
assert_not_contains "feed-8.8 --no-observations writes none" "$out" "observations"
run_kp feed import hotline "$T/demo-data/hotline-2021.csv" --db "$T/d2/demo.db" \
  --observe hotline.ontime_rate=B1*100,hotline.satisfaction_rate=B2*100
assert_contains "feed-8.9 the next run: nothing new to store" "$out" "already imported"
assert_contains "feed-8.10 ... but the observations are written" "$out" "30 new revisions"
run_kp feed import hotline "$T/demo-data/hotline-2021.csv" --db "$T/demo.db" --observe hotline.nope=B1
assert_eq "feed-8.7 a bad --observe is a usage error" 2 "$rc"

# --- cross-checks (数据存疑) on the demo ---------------------------------------------------
# Clean demo data: 衡阳综合保税区's hotline on-time rate fell from 95.65 % to 70.83 % (about 24
# orders a bimonth) while the units' median moved -1.39 points; and in 2021-B4 the demo's
# micro-wish feed (src/wish_demo.c) replaces the reported 微心愿 rates D1/D2 by the rates of a
# handful of synthetic wishes per unit, a real change of source that the check flags where it
# moved most: 松木经开区 D1 90.9 -> 60 and D2 96.1 -> 66.67, 珠晖区 D2 94.7 -> 75.
run_kp crosscheck 2021-B4 --db "$T/demo.db"
assert_eq "feed-9.1 crosscheck exits 0" 0 "$rc"
assert_eq "feed-9.2 clean demo: P04's hotline rate and the wish feed's change of source" "P04 jump B1; P01 jump D1; 430405 jump D2; P01 jump D2" \
  "$(printf '%s\n' "$out" | awk 'NR > 1 { printf "%s%s %s %s", sep, $1, $2, substr($3, 1, length($3) - 1); sep = "; " }')"
run_kp crosscheck 2021-B3 --db "$T/demo.db"
assert_contains "feed-9.3 clean demo 2021-B3: no flag" "$out" "2021-B3: 0 flags"
# Plant a jump: 珠晖区 reports 企业开办时间 9 working days instead of its usual value.
run_kp data revise --period 2021-B4 --unit 430405 --indicator B3 --value 9 --reason "test: planted" --db "$T/demo.db"
run_kp crosscheck 2021-B4 --db "$T/demo.db" --format json
flags=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sorted((f["unit"], f["kind"], f["indicator"]) for f in d["flags"]))
f = [f for f in d["flags"] if f["unit"] == "430405" and f["indicator"] == "B3"][0]
print(f["evidence"]["current"], f["evidence"]["previous_period"], f["evidence"]["modified_z"] > 3.5)')
assert_eq "feed-9.4 the planted jump is flagged with its evidence" "[('430405', 'jump', 'B3'), ('430405', 'jump', 'D2'), ('P01', 'jump', 'D1'), ('P01', 'jump', 'D2'), ('P04', 'jump', 'B1')]
9.0 2021-B3 True" "$flags"
# A pair: 规模以上工业增加值增速 E2 (self-reported) against industrial electricity use, from a
# meter feed: 430405 1000 -> 1100 kWh (+10 %, E2 12.3: 2.3 points apart, fine);
# 430421 1000 -> 700 kWh (-30 %, E2 14.1: 44.1 points apart, flagged).
{ echo '读数编号,区县代码,抄表日期,行业,用电量'
  echo 'A1,430405,2020-07-10,工业,600'; echo 'A2,430405,2020-08-10,工业,400'
  echo 'A3,430405,2021-07-10,工业,700'; echo 'A4,430405,2021-08-10,工业,400'
  echo 'B1,430421,2020-07-10,工业,1000'; echo 'B2,430421,2021-08-10,工业,700'
  echo 'B3,430421,2021-08-11,居民,5000'; } >"$T/meter-2021.csv"
run_kp feed import $D/meter.json "$T/meter-2021.csv" --db "$T/demo.db" --no-observations
printf '{"pairs": [{"reported": "E2", "feed": "%s", "indicator": "meter.industry_kwh", "threshold": 10}]}\n' \
  "$PWD/$D/meter.json" >"$T/xc.json"
run_kp crosscheck 2021-B4 --db "$T/demo.db" --config "$T/xc.json"
assert_contains "feed-9.5 a pair more than 10 points apart is flagged" "$out" \
  "430421   pair     E2 reported 14.1%, while meter.industry_kwh grew -30% against the same months a year before"
assert_not_contains "feed-9.6 a pair within 10 points is not" "$out" "430405   pair"
assert_contains "feed-9.7 two pairs checked" "$out" "2 feed pairs"

# --- two threads: the same result, also when the middle of the file is a quoted text ----
gcc -O2 -o "$T/gen" bench/feed/gen.c 2>/dev/null
"$T/gen" 40000 >"$T/big.csv"
run_kp feed derive hotline "$T/big.csv" --threads 1
one=$out
KAOPING_FEED_STATS=1 run_kp feed derive hotline "$T/big.csv" --threads 2
assert_eq "feed-5.1 2 threads = 1 thread on a 14 MB file" "$one" "$out"
assert_contains "feed-5.2 ... read in parts (no file read again)" "$err" "files read again whole 0"
# A 1.8 MB quoted text with 600 line breaks across the middle of a 10.5 MB file (read in 2
# parts of at least 4 MB): the cut guess finds no line that starts a record in 200 tries,
# the first part ends inside the quote, and the file is read again whole: still the same
# values, and that one record counted once.
"$T/gen" 25000 >"$T/mid-base.csv"
{
  head -12501 "$T/mid-base.csv"
  printf 'GD2021999999999,2021-06-01 08:00:00,430421,教育,电话,2021-06-01 09:00:00,,2021-06-06 08:00:00,办理中,未回访,"'
  for i in $(seq 600); do head -c 3000 /dev/zero | tr '\0' 'x'; printf '\r\n'; done
  printf '"\r\n'
  tail -n +12502 "$T/mid-base.csv"
} >"$T/mid.csv"
run_kp feed derive hotline "$T/mid.csv" --threads 1
one=$out
KAOPING_FEED_STATS=1 run_kp feed derive hotline "$T/mid.csv" --threads 2
assert_eq "feed-5.3 a cut inside a quoted field: the same values as 1 thread" "$one" "$out"
assert_contains "feed-5.4 ... because the file was read again whole" "$err" "files read again whole 1"
assert_contains "feed-5.5 ... with the long record counted" "$err" "rows 25001, bad 0"

# --- feed import: batches, deduplication, rejects, drill-down, kill -9 -----------------
DB="$T/feed.db"
run_kp init --db "$DB"
run_kp unit import "$KAOPING_SHARED/data/units.csv" --db "$DB"
run_kp feed import hotline $D/small.csv --db "$DB" --rejects "$T/rej0.csv"
assert_eq "feed-6.1 import exits 0" 0 "$rc"
assert_contains "feed-6.2 seven records added, one batch" "$out" "small.csv: 7 rows in 1 batches: 7 added, 0 already stored, 0 rejected"
assert_eq "feed-6.3 no progress bar when stdout is not a terminal" "" "$(printf '%s' "$out" | grep -c '\[#' | grep -v '^0$')"
run_kp feed derive hotline --db "$DB"
assert_eq "feed-6.4 indicators from the stored records = from the file" "$MONTH" "$out"
run_kp feed import hotline $D/small.csv --db "$DB"
assert_contains "feed-6.5 the same file again: recognised, nothing added" "$out" "already imported"
# an overlapping export: GD1 (stored), GD7 (stored) and a new GD100
{ head -1 $D/bad.csv; sed -n 2p $D/bad.csv; tail -1 $D/bad.csv; echo; \
  echo '无,GD100,430422,2021-04-05 08:00:00,2021-04-05 09:00:00,,2021-04-10 08:00:00,办理中,未回访,教育,电话'; } >"$T/overlap.csv"
run_kp feed import hotline "$T/overlap.csv" --db "$DB"
assert_contains "feed-6.6 an overlapping file: the known ids are not stored twice" "$out" "3 rows in 1 batches: 1 added, 2 already stored, 0 rejected"
run_kp feed import hotline $D/bad.csv --db "$DB" --rejects "$T/rej.csv"
assert_contains "feed-6.7 bad rows are rejected, the good ones were stored before" "$out" "7 rows in 1 batches: 0 added, 2 already stored, 5 rejected (reasons in $T/rej.csv)"
rej=$(cat "$T/rej.csv")
assert_contains "feed-6.8 reject file: header" "$rej" "file,line,column,reason,record"
assert_contains "feed-6.9 reject file: line, column, reason and the record" "$rej" \
  'tests/data/feed/bad.csv,3,4,"受理时间 ""2021-02-30 10:00:00"" is not a time (YYYY-MM-DD HH:MM:SS)",'
assert_contains "feed-6.10 reject file: a record that could not be split has its reason" "$rej" \
  "tests/data/feed/bad.csv,5,1,text after a closing quote"
run_kp feed batches --db "$DB"
assert_contains "feed-6.11 batches: 8 records stored" "$out" "records stored: 8 (of 17 rows read)"
run_kp feed records hotline --unit 430421 --period 2021-B2 --indicator hotline.ontime_rate --part rest --db "$DB"
assert_eq "feed-6.12 drill-down: the export's headers in the definition's order" "工单编号,受理时间,承办单位编码,诉求类别,来源渠道,响应时间,办结时间,办结时限,办理状态,回访满意度,诉求内容" \
  "$(printf '%s\n' "$out" | head -1)"
assert_contains "feed-6.13 drill-down: GD2 with its quoted text" "$out" 'GD2,2021-03-10 10:00:00,430421,营商环境,网站,2021-03-10 13:30:00,2021-03-20 10:00:00,2021-03-15 10:00:00,已办结,不满意,"个体户反映""门头招牌""审批慢"'
assert_contains "feed-6.14 drill-down: the count" "$err" "1 records match; page 1 of 1"
run_kp feed records hotline --unit 430421 --period 2021-M03 --format json --page-size 2 --page 2 --db "$DB"
json=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["total"], d["page"], [r["order_id"] for r in d["records"]], repr(d["records"][0]["content"]))')
assert_eq "feed-6.15 drill-down JSON: 4 in March, page 2 of size 2, line breaks kept" \
  "4 2 ['GD3', 'GD4'] '第一行\\n第二行,带逗号\\n第三行'" "$json"
run_kp feed records hotline --unit 430421 --period 2021-M03 --where satisfaction=满意 --db "$DB"
assert_contains "feed-6.16 drill-down filtered by a field" "$err" "1 records match"

# A truncated export: the batch with the broken record is not stored, the earlier ones are.
{ head -1 "$T/overlap.csv"; for i in 1 2 3 4 5; do
    echo "无,TR$i,430421,2021-03-0$i 08:00:00,2021-03-0$i 09:00:00,,2021-03-09 08:00:00,办理中,未回访,教育,电话"; done
  printf '"cut off here,TR6,430421\n'; } >"$T/trunc.csv"
run_kp feed import hotline "$T/trunc.csv" --db "$DB" --batch-rows 2
assert_eq "feed-6.18 a truncated file: exit 1" 1 "$rc"
assert_contains "feed-6.19 ... says where and what was not imported" "$err" \
  "trunc.csv: line 7, column 1: quoted field is never closed (the file ends inside it); the records from line 6 on were not imported"
assert_contains "feed-6.20 ... the two whole batches before it are stored" "$out" "4 rows in 2 batches: 4 added"

DB2="$T/gbk.db"
run_kp init --db "$DB2"
run_kp unit import "$KAOPING_SHARED/data/units.csv" --db "$DB2"
run_kp feed import hotline $D/small-gbk.csv --db "$DB2"
run_kp feed derive hotline --db "$DB2"
assert_eq "feed-6.17 a GBK export imports to the same indicators" "$MONTH" "$out"

# Duplicates inside a batch that stores its ids 32 at a time (import.c, feed_store_keys):
# 100 work orders D1..D100 where row 25 repeats D20 (the same chunk of 32) and row 50
# repeats D10 (a later chunk): 98 added, 2 already stored, the first occurrences kept.
{ echo 工单编号,受理时间,承办单位编码,诉求类别,来源渠道,响应时间,办结时间,办结时限,办理状态,回访满意度,诉求内容
  for i in $(seq 100); do
    id=D$i; [ "$i" = 25 ] && id=D20; [ "$i" = 50 ] && id=D10
    echo "$id,2021-05-$(printf %02d $(( i % 28 + 1 ))) 10:00:00,430421,教育,电话,,,,办理中,未回访,row $i"
  done; } >"$T/dups.csv"
DBD="$T/dups.db"
run_kp init --db "$DBD"
run_kp unit import "$KAOPING_SHARED/data/units.csv" --db "$DBD"
run_kp feed import hotline "$T/dups.csv" --db "$DBD"
assert_contains "feed-6.21 ids repeated within a batch: stored once" "$out" "100 rows in 1 batches: 98 added, 2 already stored, 0 rejected"
run_kp feed records hotline --unit 430421 --period 2021-M05 --where order_id=D20 --db "$DBD"
assert_eq "feed-6.22 ... the first occurrence kept (row 20, not row 25)" "1 yes" \
  "$(printf '%s\n' "$out" | grep -c '^D20,') $(printf '%s\n' "$out" | grep -q ',row 20$' && echo yes || echo no)"

# kill -9 in the middle of an import, then the same command again.
"$T/gen" 400000 >"$T/k.csv"
DB3="$T/kill.db"
run_kp init --db "$DB3"
run_kp unit import "$KAOPING_SHARED/data/units.csv" --db "$DB3"
"$KAOPING" feed import hotline "$T/k.csv" --db "$DB3" --batch-rows 20000 >/dev/null 2>&1 &
pid=$!
for i in $(seq 500); do
  n=$("$KAOPING" feed batches --db "$DB3" 2>/dev/null | grep -c '/k.csv$')
  [ "${n:-0}" -ge 3 ] && break
  sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
run_kp feed batches --db "$DB3"
stored=$(printf '%s\n' "$out" | sed -n 's/^records stored: \([0-9]*\).*/\1/p')
if [ "$stored" -ge 60000 ] && [ "$stored" -lt 400000 ] && [ $((stored % 20000)) -eq 0 ]; then
  ok "feed-7.1 killed mid-import: only whole batches stored ($stored records)"
else
  fail "feed-7.1 killed mid-import: only whole batches stored" "records stored: $stored"
fi
run_kp feed import hotline "$T/k.csv" --db "$DB3" --batch-rows 20000
assert_contains "feed-7.2 the rerun resumes after the stored batches" "$out" "resuming at byte"
assert_contains "feed-7.3 ... and adds exactly the rest" "$out" "$((400000 - stored)) added, 0 already stored"
run_kp feed batches --db "$DB3"
assert_contains "feed-7.4 every record exactly once" "$out" "records stored: 400000 (of 400000 rows read)"
run_kp feed derive hotline --db "$DB3"
fromdb=$out
run_kp feed derive hotline "$T/k.csv"
assert_eq "feed-7.5 indicators after kill and rerun = a clean derive from the file" "$out" "$fromdb"
clean=$out

# kill -9 between a batch's segment write and its commit: KAOPING_FEED_KILL_BEFORE_COMMIT=3
# makes the import SIGKILL itself once the third batch's records are written to its segment
# and fsynced, before the transaction naming them commits.
DB4="$T/kill2.db"
run_kp init --db "$DB4"
run_kp unit import "$KAOPING_SHARED/data/units.csv" --db "$DB4"
{ KAOPING_FEED_KILL_BEFORE_COMMIT=3 "$KAOPING" feed import hotline "$T/k.csv" --db "$DB4" --batch-rows 20000 >/dev/null; } 2>/dev/null
assert_eq "feed-7.6 the import died of SIGKILL (status 137)" 137 "$?"
SEG=$(ls "$DB4".feed/*.seg)
segsize=$(stat -c %s "$SEG")
committed=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select max(seg_end) from feed_batch").fetchone()[0])' "$DB4")
run_kp feed batches --db "$DB4"
assert_eq "feed-7.7 two batches committed; the segment holds more than they name (the third's bytes)" \
  "records stored: 40000 (of 40000 rows read) yes" \
  "$(printf '%s\n' "$out" | grep '^records stored') $([ "$segsize" -gt "$committed" ] && echo yes || echo no)"
run_kp feed import hotline "$T/k.csv" --db "$DB4" --batch-rows 20000
assert_contains "feed-7.8 the rerun cuts the uncommitted tail off the segment" "$err" \
  "$SEG: removed $((segsize - committed)) bytes a killed import wrote but never committed"
assert_eq "feed-7.9 ... which now ends at its committed end" "$committed" "$(stat -c %s "$SEG")"
assert_contains "feed-7.10 ... and resumes, adding exactly the rest" "$out" "360000 added, 0 already stored"
run_kp feed batches --db "$DB4"
assert_contains "feed-7.11 every record exactly once" "$out" "records stored: 400000 (of 400000 rows read)"
run_kp feed derive hotline --db "$DB4"
assert_eq "feed-7.12 indicators after the kill and rerun = a clean derive from the file" "$clean" "$out"
orders=$(printf '%s\n' "$clean" | awk -F, '$1 == "430421" && $2 == "2021-M03" && $3 == "hotline.orders" { print $4 }')
run_kp feed records hotline --unit 430421 --period 2021-M03 --page-size 3 --db "$DB4"
assert_contains "feed-7.13 the drill-down reads the segments: as many orders as derived ($orders)" "$err" "$orders records match"
# an overlapping export (the same 400,000 orders, then 100 new ones): the parser writes batches to
# the segment ahead of the writer while it takes them for new; here they are duplicates, so
# the writer stores only the new ones, rewritten without the rest
{ cat "$T/k.csv"; for i in $(seq 100); do
    echo "NEW$i,2021-05-$(printf %02d $(( i % 28 + 1 ))) 10:00:00,430421,教育,电话,2021-05-$(printf %02d $(( i % 28 + 1 ))) 11:00:00,,,办理中,未回访,new $i"
  done; } >"$T/k2.csv"
run_kp feed import hotline "$T/k2.csv" --db "$DB4" --batch-rows 20000
assert_contains "feed-7.15 an overlapping export: only the 100 new orders added" "$out" \
  "400100 rows in 21 batches: 100 added, 400000 already stored, 0 rejected"
run_kp feed derive hotline --db "$DB4"
fromdb=$out
run_kp feed derive hotline "$T/k2.csv"
assert_eq "feed-7.16 ... and the indicators from the store equal those from the file" "$out" "$fromdb"
# a damaged segment is named, not read as records: one byte changed inside a stored block
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(1000); b = f.read(1); f.seek(1000); f.write(bytes([b[0] ^ 1]))' "$(ls "$DB4".feed/*.seg | head -1)"
run_kp feed derive hotline --db "$DB4"
assert_eq "feed-7.14 a damaged segment: exit 4 and the block named" "4 yes" \
  "$rc $(printf '%s' "$err" | grep -q 'the block at byte 0 .* is damaged (its checksum differs)' && echo yes || echo no)"

# --- XLSX feed files: the same records as the CSV (tests/data/feed/make-xlsx.py writes a CSV
# as a workbook of inline strings), Excel's row numbers in messages, import and resume -------
python3 tests/data/feed/make-xlsx.py $D/small.csv "$T/small.xlsx"
run_kp feed derive hotline "$T/small.xlsx"
assert_eq "feed-10.1 derive from XLSX = derive from the CSV" "$MONTH" "$out"
assert_eq "feed-10.2 the temporary CSV beside the workbook is gone" "no" "$([ -e "$T/small.xlsx.csv" ] && echo yes || echo no)"
printf '%s\n' 工单号,单位编码,受理时间,响应时间,办结时间,办结时限,办理状态,回访满意度 \
  GD1,430421,2021-03-01,,,,办理中,未回访 GD2,430421,2021-02-30,,,,办理中,未回访 GD3,,2021-03-02,,,,办理中,未回访 >"$T/x.csv"
python3 tests/data/feed/make-xlsx.py "$T/x.csv" "$T/x.xlsx"
run_kp feed derive hotline "$T/x.xlsx" --format json
assert_eq "feed-10.3 bad rows of a workbook name the workbook, Excel's row and column" \
  "$T/x.xlsx.csv: line 3, column 3: 受理时间 \"2021-02-30\" is not a time (YYYY-MM-DD HH:MM:SS)|$T/x.xlsx.csv: line 4, column 2: 承办单位编码 (unit) is empty" \
  "$(printf '%s\n' "$err" | grep -E '^/' | paste -sd'|')"
assert_eq "feed-10.4 the good row counts (1 order of 430421 in 2021-M03)" "1" \
  "$(printf '%s' "$out" | jq -r '.[] | select(.indicator == "hotline.orders") | .value')"
run_kp demo --db "$T/x.db"
run_kp feed import hotline "$T/small.xlsx" --db "$T/x.db" --no-observations
assert_eq "feed-10.5 import from XLSX: the 7 records" "0 $T/small.xlsx.csv: 7 rows in 1 batches: 7 added, 0 already stored, 0 rejected" "$rc $out"
run_kp feed import hotline "$T/small.xlsx" --db "$T/x.db" --no-observations
assert_contains "feed-10.6 the same workbook again is recognised (content key): nothing to do" "$out" "already imported (feed hotline); nothing to do"
run_kp feed import hotline "$T/x.xlsx" --db "$T/x.db" --no-observations
assert_eq "feed-10.7 rejects of a workbook go to WORKBOOK.xlsx.rejects.csv, with Excel's rows" "3,3|4,2" \
  "$(tail -n +2 "$T/x.xlsx.rejects.csv" | awk -F, '{ print $2 "," $3 }' | paste -sd'|')"
printf 'PK but not a zip' >"$T/broken.xlsx"
run_kp feed import hotline "$T/broken.xlsx" --db "$T/x.db"
assert_eq "feed-10.8 a broken workbook: exit 1, the reason, nothing left beside it" "1 yes no" \
  "$rc $(printf '%s' "$err" | grep -q 'broken.xlsx: not an XLSX workbook' && echo yes || echo no) $([ -e "$T/broken.xlsx.csv" ] && echo yes || echo no)"

finish

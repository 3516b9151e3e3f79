#!/usr/bin/env bash
# bench/feed/run.sh: the feed benchmark. The 12345 hotline indicators (per unit and month:
# orders, on-time closure rate, satisfaction rate, median response hours; data-formats.md)
# computed from the same CSV export by `kaoping feed derive`, DuckDB, the sqlite3 CLI and
# pandas, with a bare RFC 4180 splitter as the floor; and a full `kaoping feed import` into
# a fresh database against the sqlite3 CLI's `.import`.
#
#   bench/feed/run.sh                      # 1 M and 5 M rows, 3 runs each; writes bench/README.md
#   SIZES="1000000" RUNS=5 BENCH_WORK=DIR bench/feed/run.sh
#
# Steps:
#  1. build: build/kaoping (copied, so every run times the same binary), gen.c, split.c;
#     `npm install` in bench/feed for @duckdb/node-api when node_modules is missing;
#  2. data: gen.c writes hotline-N.csv deterministically (about 350 bytes a row, CRLF, some
#     quoted fields with commas, doubled quotes and line breaks);
#  3. check: every engine's result is compared with kaoping's (compare.py: counts exact,
#     numbers to 1e-9, missing where missing); the script stops if any differs;
#  4. time: RUNS rounds; in each round every program runs once, in turn, so that load from
#     other processes falls on all of them alike. Wall time (date +%s%N around the
#     process) and peak memory (GNU time's maximum resident set size);
#  5. write the table (median and range of the runs, peak memory, ratios) between the feed
#     markers of bench/README.md, and print it.
# Needs: gcc, make, node + npm, sqlite3, python3 with pandas (Debian python3-pandas), GNU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/kaoping-bench-feed}
RUNS=${RUNS:-3}
SIZES=${SIZES:-"1000000 5000000"}
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for c in python3 /usr/bin/python3; do
    if "$c" -c 'import pandas' 2>/dev/null; then PY=$c; break; fi
  done
fi
[ -n "$PY" ] || { echo "run.sh: no python3 with pandas (apt-get install python3-pandas)" >&2; exit 1; }
TIME=/usr/bin/time
"$TIME" -f %M true >/dev/null 2>&1 || { echo "run.sh: GNU time is needed (apt-get install time)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "run.sh: sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }

say() { printf '\n== %s\n' "$*"; }
now_ns() { date +%s%N; }

say "build"
make -s build/kaoping
mkdir -p "$WORK"
cp build/kaoping "$WORK/kaoping"
KP="$WORK/kaoping"
gcc -std=c17 -O2 -Wall -Wextra -Werror bench/feed/gen.c -o "$WORK/gen"
gcc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror bench/feed/split.c -o "$WORK/split"
if [ ! -d bench/feed/node_modules/@duckdb/node-api ]; then
  (cd bench/feed && npm install --no-audit --no-fund >/dev/null)
fi
UNITS=${KAOPING_SHARED:-$ROOT/../shared}/data/units.csv # the units the generator uses
HAS_IMPORT=0
"$KP" feed import --help >/dev/null 2>&1 && HAS_IMPORT=1

# run NAME RSSFILE CMD...: runs once, appends "seconds" to $WORK/t-NAME and the peak KB to
# $WORK/m-NAME.
run() {
  local name=$1
  shift
  local t0 t1
  t0=$(now_ns)
  "$TIME" -o "$WORK/rss.tmp" -f %M "$@" >/dev/null
  t1=$(now_ns)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }' >>"$WORK/t-$name"
  tail -1 "$WORK/rss.tmp" >>"$WORK/m-$name"
}
median() { sort -g "$1" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
range() { sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s–%s", lo, hi }'; }
peak_mb() { sort -n "$1" | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'; }

TABLE="$WORK/table.md"
: >"$TABLE"
{
  echo "Machine: $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)); run on $(date -u +%Y-%m-%d)."
  echo "Software: gcc $(gcc -dumpfullversion), DuckDB $(node -e "console.log(require('./bench/feed/node_modules/@duckdb/node-api/package.json').version)" 2>/dev/null || echo '?') (node $(node --version)), sqlite3 $(sqlite3 --version | cut -d' ' -f1), pandas $("$PY" -c 'import pandas; print(pandas.__version__)')."
  echo "Load averages when timing began: $(cut -d' ' -f1-3 /proc/loadavg)."
} >>"$TABLE"

for N in $SIZES; do
  F="$WORK/hotline-$N.csv"
  say "data: $N rows"
  [ -s "$F" ] || "$WORK/gen" "$N" >"$F"
  MB=$(awk -v b="$(stat -c %s "$F")" 'BEGIN { printf "%.0f", b / 1e6 }')
  O="$WORK/out-$N"
  mkdir -p "$O"
  rm -f "$WORK"/t-* "$WORK"/m-*

  say "check ($N rows): DuckDB, sqlite3 and pandas against kaoping"
  "$KP" feed derive hotline "$F" --format csv >"$O/kaoping.csv"
  "$KP" feed derive hotline "$F" --format csv --threads 1 >"$O/kaoping-1.csv"
  cmp -s "$O/kaoping.csv" "$O/kaoping-1.csv" || { echo "kaoping 1 and 2 threads differ" >&2; exit 1; }
  node bench/feed/duck.mjs "$F" "$O/duckdb.csv" 2
  rm -f "$O/sqlite.db"
  sqlite3 "$O/sqlite.db" ".import --csv $F hot"
  sqlite3 "$O/sqlite.db" <bench/feed/sqlite.sql >"$O/sqlite.csv"
  "$PY" bench/feed/hot_pandas.py "$F" "$O/pandas.csv"
  "$PY" bench/feed/compare.py "$O/kaoping.csv" "$O/duckdb.csv" "$O/sqlite.csv" "$O/pandas.csv"
  REC=$("$WORK/split" "$F")
  if [ $HAS_IMPORT = 1 ]; then
    rm -rf "$O/kp.db"*
    "$KP" init --db "$O/kp.db" >/dev/null
    "$KP" unit import "$UNITS" --db "$O/kp.db" >/dev/null
    "$KP" feed import hotline "$F" --db "$O/kp.db" --no-observations >/dev/null
    "$KP" feed derive hotline --db "$O/kp.db" --format csv >"$O/kaoping-db.csv"
    cmp -s "$O/kaoping.csv" "$O/kaoping-db.csv" || { echo "derive from the imported records differs" >&2; exit 1; }
  fi

  say "time ($N rows, $RUNS rounds)"
  for r in $(seq "$RUNS"); do
    run kp2 "$KP" feed derive hotline "$F" --threads 2
    run kp1 "$KP" feed derive hotline "$F" --threads 1
    run split "$WORK/split" "$F"
    run duck node bench/feed/duck.mjs "$F" "$O/duckdb.csv" 2
    rm -f "$O/sqlite.db"
    run sqlite_import sqlite3 "$O/sqlite.db" ".import --csv $F hot"
    run sqlite_query sqlite3 "$O/sqlite.db" ".read bench/feed/sqlite.sql"
    run pandas "$PY" bench/feed/hot_pandas.py "$F" "$O/pandas.csv"
    if [ $HAS_IMPORT = 1 ]; then
      rm -rf "$O/kp.db"*
      "$KP" init --db "$O/kp.db" >/dev/null
      "$KP" unit import "$UNITS" --db "$O/kp.db" >/dev/null
      run kpimport "$KP" feed import hotline "$F" --db "$O/kp.db" --no-observations
    fi
    echo "round $r: derive $(tail -1 "$WORK/t-kp2") s (1 thread $(tail -1 "$WORK/t-kp1")), splitter $(tail -1 "$WORK/t-split"), DuckDB $(tail -1 "$WORK/t-duck"), sqlite3 import $(tail -1 "$WORK/t-sqlite_import") + query $(tail -1 "$WORK/t-sqlite_query"), pandas $(tail -1 "$WORK/t-pandas")$([ $HAS_IMPORT = 1 ] && echo ", kaoping import $(tail -1 "$WORK/t-kpimport")")"
  done
  paste -d' ' "$WORK/t-sqlite_import" "$WORK/t-sqlite_query" | awk '{ printf "%.3f\n", $1 + $2 }' >"$WORK/t-sqlite"
  paste -d'\n' "$WORK/m-sqlite_import" "$WORK/m-sqlite_query" >"$WORK/m-sqlite"
  K=$(median "$WORK/t-kp2")
  row() { # label name
    local m
    m=$(median "$WORK/t-$2")
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$m" "$(range "$WORK/t-$2")" "$(peak_mb "$WORK/m-$2")" \
      "$(awk -v a="$m" -v k="$K" 'BEGIN { printf "%.2f", a / k }')"
  }
  {
    echo
    echo "**$N rows** ($MB MB; records and fields: $REC), wall seconds of $RUNS runs:"
    echo
    echo "| program | median s | range s | peak MB | / kaoping derive |"
    echo "|---|---:|---:|---:|---:|"
    row "\`kaoping feed derive\` (2 threads)" kp2
    row "\`kaoping feed derive --threads 1\`" kp1
    row "bare RFC 4180 splitter, C, 1 thread (the floor)" split
    row "DuckDB read_csv + GROUP BY + median (2 threads)" duck
    row "sqlite3 CLI: .import, then the query" sqlite
    row "sqlite3 CLI: .import alone (fresh database)" sqlite_import
    row "pandas read_csv + groupby" pandas
    [ $HAS_IMPORT = 1 ] && row "\`kaoping feed import\` (fresh database, every record stored)" kpimport
    D=$(median "$WORK/t-duck") S=$(median "$WORK/t-split") SI=$(median "$WORK/t-sqlite_import")
    echo
    echo "Targets: derive faster than DuckDB: $(awk -v k="$K" -v d="$D" 'BEGIN { printf "%s (%.1fx)", (k < d ? "met" : "not met"), d / k }');" \
      "within 1.5x of the splitter: $(awk -v k="$K" -v s="$S" 'BEGIN { printf "%s (%.2fx)", (k <= 1.5 * s ? "met" : "not met"), k / s }')$(
      [ $HAS_IMPORT = 1 ] && awk -v i="$(median "$WORK/t-kpimport")" -v s="$SI" 'BEGIN { printf "; import at least 4x faster than sqlite3 .import: %s (%.1fx)", (s >= 4 * i ? "met" : "not met"), s / i }')."
  } >>"$TABLE"
done

say "results"
cat "$TABLE"
"$PY" - "$ROOT/bench/README.md" "$TABLE" <<'EOF'
import sys
readme, table = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
text = open(readme, encoding="utf-8").read()
begin = "<!-- feed:begin (written by bench/feed/run.sh; do not edit by hand) -->"
end = "<!-- feed:end -->"
block = begin + "\n" + table.strip() + "\n" + end
if begin in text:
    a = text.index(begin)
    b = text.index(end) + len(end)
    text = text[:a] + block + text[b:]
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(readme, "w", encoding="utf-8").write(text)
EOF

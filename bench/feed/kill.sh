#!/usr/bin/env bash
# bench/feed/kill.sh: issue 5's crash check at full size, too heavy for the test suite (the
# suite kills smaller imports: tests/cli/feed.sh feed-7). `kill -9` during `feed import` of
# the 5 M-row benchmark file, then the same command again; a clean import of the same file
# beside it. Every record must be stored exactly once, and the indicators derived from the
# stored records must equal the clean import's and those derived straight from the file.
#   bench/feed/kill.sh [ROWS] [SECONDS]   (defaults 5000000 and 1.5; run bench/feed/run.sh
#                                          first, or it generates the file)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-5000000}
WAIT=${2:-1.5}
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/kaoping-bench-feed}
K=$PWD/build/kaoping
SHARED=${KAOPING_SHARED:-$(cd .. && pwd)/shared}
make -j2 build/kaoping >/dev/null
mkdir -p "$WORK"
F=$WORK/hotline-$N.csv
if [ ! -f "$F" ]; then gcc -O2 -o "$WORK/gen" bench/feed/gen.c && "$WORK/gen" "$N" >"$F"; fi
W=$WORK/kill; rm -rf "$W"; mkdir -p "$W"
for d in killed clean; do
  "$K" init --db "$W/$d.db" >/dev/null
  "$K" unit import "$SHARED/data/units.csv" --db "$W/$d.db" >/dev/null
done
"$K" feed import hotline "$F" --db "$W/killed.db" --no-observations >"$W/first.out" 2>&1 &
pid=$!
sleep "$WAIT"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "killed after $WAIT s; committed then: $(sqlite3 "$W/killed.db" 'select count(*) || " batches, " || coalesce(sum(added), 0) || " records" from feed_batch')"
"$K" feed import hotline "$F" --db "$W/killed.db" --no-observations | tail -1 | sed 's/^/rerun: /'
"$K" feed import hotline "$F" --db "$W/clean.db" --no-observations | tail -1 | sed 's/^/clean: /'
ok=1
for d in killed clean; do
  c=$(sqlite3 "$W/$d.db" 'select sum(added) || " " || sum(duplicates) || " " || (select count(*) from feed_key) from feed_batch')
  echo "$d: records added, duplicates, ids stored: $c"
  [ "$c" = "$N 0 $N" ] || ok=0
done
"$K" feed derive hotline --db "$W/killed.db" >"$W/killed.csv"
"$K" feed derive hotline --db "$W/clean.db" >"$W/clean.csv"
"$K" feed derive hotline "$F" >"$W/file.csv" 2>/dev/null
cmp -s "$W/killed.csv" "$W/clean.csv" || ok=0
cmp -s "$W/killed.csv" "$W/file.csv" || ok=0
echo "indicators ($(($(wc -l <"$W/killed.csv") - 1)) values): killed+rerun $( [ $ok = 1 ] && echo "=" || echo "!=") clean import = derive from the file"
rm -rf "$W"
[ $ok = 1 ]

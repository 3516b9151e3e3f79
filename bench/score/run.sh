#!/usr/bin/env bash
# bench/score/run.sh: the scoring benchmark. kaoping's engine against pandas, on the same
# synthetic data and the same scheme semantics (SCORING.md), after checking that both give
# the same outputs. Anyone can run it; it takes about a minute on a 2-core machine.
#
#   bench/score/run.sh            # writes the results table into bench/README.md
#   BENCH_WORK=DIR REPEAT=5 PYTHON=/usr/bin/python3 bench/score/run.sh
#
# Steps:
#  1. build: `make build/kaoping` (the engine objects, which go into a private archive so
#     that bench_score.c links only what it uses), bench_score.c and gen_data.c;
#  2. data: gen_data writes 2,844 units (31 peer groups) x 60 indicators x 12 monthly
#     periods into $BENCH_WORK/data (fixed seed: the same files on every run);
#  3. check: the engine (bench_score), the CLI (`kaoping score --format csv`, one process per
#     period with --previous, and --format json for the first period) and pandas
#     (score_pandas.py) each score all 12 periods; check.py compares every output: unit
#     totals, ranks, grades and flags; every leaf's value, share, points, rank and flags;
#     every category's value and points (numbers to 1e-9, the rest exactly). The script
#     stops before timing anything if they disagree;
#  4. time (wall clock; ROUNDS rounds, each program's best run kept): the engine alone,
#     inputs in memory, on 1 thread and on 2 (score_compute_batch, results reused), and
#     with fresh results (score_compute per period); pandas' score_period for the 12
#     periods, inputs in memory; end to end, the CLI run 12 times (parse, score, write
#     totals) against one pandas process that does the same. Rounds alternate the
#     programs, so that load from other processes falls on all of them alike. The CPU
#     time that other processes used meanwhile is measured and reported;
#  5. peak memory (GNU time's maximum resident set size) of each program, in runs of
#     their own;
#  6. write the table (machine, date, numbers, ratios) between the score markers of
#     bench/README.md, and print it.
# Needs: gcc, make, the build dependencies, python3 with pandas and numpy (Debian
# python3-pandas python3-numpy), GNU time (`time` package) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/kaoping-bench-score}
ROUNDS=${REPEAT:-5}
ENGINE_REPEAT=20 # runs per engine process (each 12 periods); the best is kept
PANDAS_REPEAT=3  # runs per pandas process, likewise
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  # Debian's python3 has python3-pandas; a pyenv or venv python3 earlier on PATH may not.
  for c in python3 /usr/bin/python3; do
    if "$c" -c 'import pandas, numpy' 2>/dev/null; then PY=$c; break; fi
  done
fi
[ -n "$PY" ] || { echo "run.sh: no python3 with pandas and numpy (apt-get install python3-pandas python3-numpy)" >&2; exit 1; }
TIME=/usr/bin/time
if ! "$TIME" -f %M true >/dev/null 2>&1; then
  echo "run.sh: GNU time not found: peak memory will read n/a (apt-get install -y time)" >&2
  TIME=""
fi

say() { printf '\n== %s\n' "$*"; }
now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }
min() { printf '%s\n' "$@" | sort -g | head -1; }
json_num() { sed -n "s/.*\"$1\": \([0-9.e-]*\).*/\1/p"; } # json_num KEY < one JSON line
rss_max() { cat "$@" 2>/dev/null | sort -n | tail -1; }    # the largest %M (KB) in the files
# CPU ticks: all CPUs busy (from /proc/stat), and this script's finished children.
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
cpu_total() { awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
cpu_children() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }

say "build"
make -s build/kaoping
PKGS=$(sed -n 's/^PKGS *:= *//p' Makefile)
mkdir -p "$WORK/out/engine" "$WORK/out/cli" "$WORK/out/pandas" "$WORK/rss"
CF="-std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wno-unused-parameter -Isrc"
mapfile -t OBJS < <(find build/obj/src -name '*.o' ! -name main.o | sort)
rm -f "$WORK/libkaoping.a"
ar rcs "$WORK/libkaoping.a" "${OBJS[@]}"
# shellcheck disable=SC2086,SC2046 # word splitting of the flag lists is wanted
gcc $CF $(pkg-config --cflags $PKGS) bench/score/bench_score.c "$WORK/libkaoping.a" \
  $(pkg-config --libs $PKGS) -lm -pthread -o "$WORK/bench_score"
gcc -std=c17 -O2 -Wall -Wextra -Werror bench/score/gen_data.c -o "$WORK/gen_data"
# A private copy: every run below times the same binary, even if the tree is rebuilt meanwhile.
cp build/kaoping "$WORK/kaoping"
KP="$WORK/kaoping"

say "data"
"$WORK/gen_data" "$WORK/data"
D="$WORK/data"
mapfile -t PERIODS <"$D/periods.txt"

# The CLI over all periods: one process per period, as a user would run it.
cli_all() { # $1 = output dir or "" (discard); $2 = rss dir or ""
  local prev="" p out
  for p in "${PERIODS[@]}"; do
    out=/dev/null
    [ -n "$1" ] && out="$1/totals-$p.csv"
    if [ -n "$2" ] && [ -n "$TIME" ]; then
      "$TIME" -o "$2/cli-$p" -f %M "$KP" score --units "$D/units.csv" --scheme "$D/scheme.json" \
        --targets "$D/targets.csv" --values "$D/values-$p.csv" ${prev:+--previous "$prev"} \
        --period "$p" --format csv >"$out"
    else
      "$KP" score --units "$D/units.csv" --scheme "$D/scheme.json" --targets "$D/targets.csv" \
        --values "$D/values-$p.csv" ${prev:+--previous "$prev"} --period "$p" --format csv >"$out"
    fi
    prev="$D/values-$p.csv"
  done
}
timed() { # $1 = rss file; the rest = the command
  local f=$1
  shift
  if [ -n "$TIME" ]; then "$TIME" -o "$f" -f %M "$@"; else "$@"; fi
}

say "check: engine, CLI and pandas agree on every output before anything is timed"
"$WORK/bench_score" "$D" --repeat 1 --threads 2 --out-dir "$WORK/out/engine" >/dev/null
cli_all "$WORK/out/cli" "$WORK/rss"
"$KP" score --units "$D/units.csv" --scheme "$D/scheme.json" --targets "$D/targets.csv" \
  --values "$D/values-${PERIODS[0]}.csv" --period "${PERIODS[0]}" --format json \
  >"$WORK/out/cli/json-${PERIODS[0]}.json"
"$PY" bench/score/score_pandas.py --bench "$D" --out-dir "$WORK/out/pandas" >/dev/null
"$PY" bench/score/check.py "$WORK/out" "${PERIODS[@]}"

say "time: $ROUNDS rounds"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
busy0=$(cpu_busy) total0=$(cpu_total) mine0=$(cpu_children)
e1=() e2=() ef=() pd_score=() cli_runs=() pd_runs=()
for r in $(seq "$ROUNDS"); do
  e1+=("$("$WORK/bench_score" "$D" --repeat $ENGINE_REPEAT --threads 1 | json_num score_best_s)")
  e2+=("$("$WORK/bench_score" "$D" --repeat $ENGINE_REPEAT --threads 2 | json_num score_best_s)")
  ef+=("$("$WORK/bench_score" "$D" --repeat $ENGINE_REPEAT --fresh | json_num score_best_s)")
  pd_score+=("$("$PY" bench/score/score_pandas.py --bench "$D" --repeat $PANDAS_REPEAT | json_num score_best_s)")
  t0=$(now_ns); cli_all "" ""; t1=$(now_ns)
  cli_runs+=("$(secs "$t0" "$t1")")
  t0=$(now_ns)
  "$PY" bench/score/score_pandas.py --bench "$D" --out-dir "$WORK/out/pandas-e2e" --totals-only >/dev/null
  t1=$(now_ns)
  pd_runs+=("$(secs "$t0" "$t1")")
  echo "round $r: engine 1 thread ${e1[-1]} s, 2 threads ${e2[-1]} s, fresh ${ef[-1]} s; pandas ${pd_score[-1]} s; end to end: CLI ${cli_runs[-1]} s, pandas ${pd_runs[-1]} s"
done
busy1=$(cpu_busy) total1=$(cpu_total) mine1=$(cpu_children)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
# Of all CPU time that passed while timing (2 CPUs x wall), the share other processes used.
OTHERS=$(awk -v b="$((busy1 - busy0))" -v t="$((total1 - total0))" -v m="$((mine1 - mine0))" \
  'BEGIN { o = (b - m) / t * 100; if (o < 0) o = 0; printf "%.0f", o }')
MINE=$(awk -v t="$((total1 - total0))" -v m="$((mine1 - mine0))" 'BEGIN { printf "%.0f", m / t * 100 }')

say "peak memory"
timed "$WORK/rss/engine-1" "$WORK/bench_score" "$D" --repeat 3 --threads 1 >/dev/null
timed "$WORK/rss/engine-2" "$WORK/bench_score" "$D" --repeat 3 --threads 2 >/dev/null
timed "$WORK/rss/engine-fresh" "$WORK/bench_score" "$D" --repeat 3 --fresh >/dev/null
timed "$WORK/rss/pandas" "$PY" bench/score/score_pandas.py --bench "$D" >/dev/null
# (the CLI's were recorded by the check above, one file per period)

say "results"
MACHINE="$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))"
DATE=$(date -u +%Y-%m-%d)
VERS="gcc $(gcc -dumpfullversion), $("$PY" -c 'import sys, pandas, numpy; print(f"Python {sys.version.split()[0]}, pandas {pandas.__version__}, numpy {numpy.__version__}")')"
"$PY" - "$ROOT/bench/README.md" "$MACHINE" "$DATE" "$VERS" "$ROUNDS" "$LOAD0" "$LOAD1" \
  "$OTHERS" "$MINE" "$(min "${e1[@]}")" "$(min "${e2[@]}")" "$(min "${ef[@]}")" \
  "$(min "${pd_score[@]}")" "$(min "${cli_runs[@]}")" "$(min "${pd_runs[@]}")" \
  "$(rss_max "$WORK/rss/engine-1")" "$(rss_max "$WORK/rss/engine-2")" \
  "$(rss_max "$WORK/rss/engine-fresh")" "$(rss_max "$WORK"/rss/cli-*)" \
  "$(rss_max "$WORK/rss/pandas")" "${e1[*]}" "${e2[*]}" "${pd_score[*]}" <<'PY'
import sys
(path, machine, date, vers, rounds, load0, load1, others, mine, e1, e2, ef, pds, cli, pde,
 rss_e1, rss_e2, rss_ef, rss_c, rss_p, e1_runs, e2_runs, pd_runs) = sys.argv[1:]
e1, e2, ef, pds, cli, pde = map(float, (e1, e2, ef, pds, cli, pde))
mb = lambda kb: f"{int(kb) / 1024:.0f} MB" if kb else "n/a"
ms = lambda s: f"{s * 1000:.1f} ms"
goal = lambda r: "met" if r >= 20 else "**not met**"
runs = lambda z: ", ".join(f"{float(x) * 1000:.1f}" for x in z.split())
table = f"""<!-- score:begin (written by bench/score/run.sh; do not edit by hand) -->
Machine: {machine}; run on {date}. Software: {vers}.
Load: 1/5/15-minute load averages {load0} when timing began, {load1} when it ended; while
timing, other processes used {others} % of the machine's CPU time (this script {mine} %).
Data: 2,844 units in 31 peer groups x 60 indicators x 12 monthly periods (170,640
unit-indicator cells per period), generated by `bench/score/gen_data.c`.
Before timing, the engine, the CLI and pandas agreed on every output: 34,128 unit totals,
ranks, grades and flags; 2,047,680 leaf values, shares, points, ranks and flags; 204,768
category values and points (numbers to 1e-9; bench/score/check.py).
Wall time of the 12 periods, best of {rounds} rounds (engine rows: the best of
{rounds} x 20 runs; pandas scoring: of {rounds} x 3).

| what is timed (12 periods) | kaoping | pandas | pandas / kaoping |
|---|---:|---:|---:|
| scoring only, kaoping 2 threads (`score_compute_batch`, results reused) | {ms(e2)} | {ms(pds)} | **{pds / e2:.1f}x** |
| scoring only, kaoping 1 thread (`score_compute_batch`, results reused) | {ms(e1)} | {ms(pds)} | **{pds / e1:.1f}x** |
| scoring only, kaoping 1 thread, fresh results (`score_compute` per period) | {ms(ef)} | {ms(pds)} | {pds / ef:.1f}x |
| end to end: read CSV, score, write totals (CLI 12 processes / 1 Python process) | {cli * 1000:.0f} ms | {pde * 1000:.0f} ms | {pde / cli:.1f}x |
| peak memory (max RSS) | {mb(rss_e2)} driver, 2 threads ({mb(rss_e1)} 1 thread, {mb(rss_ef)} fresh), all 12 periods held; {mb(rss_c)} per CLI run | {mb(rss_p)} | |

Goal of the issue (engine >= 20x faster than pandas at scoring): {goal(pds / e2)} with 2
threads ({pds / e2:.1f}x), {goal(pds / e1).replace("**", "")} with 1 thread ({pds / e1:.1f}x).
Pandas is single-threaded: the 2-thread row compares 2 cores with 1.
Best run of each round, ms: kaoping 1 thread {runs(e1_runs)}; 2 threads {runs(e2_runs)};
pandas {runs(pd_runs)}.
<!-- score:end -->"""
try:
    text = open(path, encoding="utf-8").read()
except FileNotFoundError:
    text = "# Benchmarks\n\n## score\n\n<!-- score:begin -->\n<!-- score:end -->\n"
a, b = text.find("<!-- score:begin"), text.find("<!-- score:end -->")
if a < 0 or b < 0:
    text = text.rstrip("\n") + "\n\n" + table + "\n"
else:
    text = text[:a] + table + text[b + len("<!-- score:end -->"):]
open(path, "w", encoding="utf-8").write(text)
print(table)
PY
echo
echo "run.sh: results written to bench/README.md; data and outputs in $WORK"

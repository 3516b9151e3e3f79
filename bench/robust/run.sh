#!/usr/bin/env bash
# bench/robust/run.sh: the rank-interval benchmark. kaoping's uncertainty analysis
# (src/robust.c) against a vectorised numpy implementation of the same draws, on two cases:
# Hunan (122 units x 40 indicators, one peer group) and the whole country (2,844 units in
# 31 peer groups x 60 indicators), 10,000 draws each, after checking that both give the same
# result. Anyone can run it; it takes a few minutes on a 2-core machine.
#
#   bench/robust/run.sh            # writes the results table into bench/README.md
#   BENCH_WORK=DIR ROUNDS=5 DRAWS=10000 PYTHON=/usr/bin/python3 bench/robust/run.sh
#
# Steps:
#  1. build: `make build/kaoping` (the engine's objects go into a private archive that
#     bench_robust.c links against), bench_robust.c, and bench/score/gen_data.c, the
#     deterministic generator of the scoring benchmark (reused: same units, scheme, values);
#  2. data: gen_data writes the national data set into $BENCH_WORK/data; subset.py cuts the
#     Hunan case from it (the 122 units of peer group 湖南, the first 40 indicators). Both are
#     scored for period 2021-M06 with 2021-M05 as the previous values (for `carry`);
#  3. check: bench_robust plans the analysis (the scheme names no choices: every weight
#     +-25 %, renormalised) and runs it on 1 and 2 threads; it exports the plan (the
#     engine's share of every leaf and unit, masks, weights, groups, grades), and
#     robust_numpy.py computes the same 10,000 draws from it with numpy: the same
#     counter-based random numbers, weights, totals, tie-tolerant ranks and grades. The
#     script stops unless every unit's 5th/95th percentile and median rank, sum of ranks and
#     grade counts are identical in all three, and the mean absolute rank shift too;
#  4. time (wall clock, ROUNDS rounds alternating the programs, each program's best run
#     per round; the table gives the median of the rounds and their range):
#     robust_run on 2 threads and on 1 (the plan, i.e. the engine runs that make the share
#     columns, is timed apart), against robust_numpy.py's draws (its JSON reading not
#     timed). The CPU time other processes took meanwhile is reported, and kaoping's own
#     CPU time of its 2-thread runs (bench_robust's run_best_cpu_s);
#  5. peak memory (GNU time's maximum resident set size) of each program, in runs of their
#     own (bench_robust includes reading the CSV files and the engine's plan);
#  6. write the table between the robust markers of bench/README.md, and print it.
# Needs: gcc, make, the build dependencies, python3 with numpy (Debian python3-numpy), GNU
# time (`time` package) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/kaoping-bench-robust}
ROUNDS=${ROUNDS:-5}
DRAWS=${DRAWS:-10000}
SEED=20211
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for c in python3 /usr/bin/python3; do
    if "$c" -c 'import numpy' 2>/dev/null; then PY=$c; break; fi
  done
fi
[ -n "$PY" ] || { echo "run.sh: no python3 with numpy (apt-get install python3-numpy)" >&2; exit 1; }
TIME=/usr/bin/time
if ! "$TIME" -f %M true >/dev/null 2>&1; then
  echo "run.sh: GNU time not found: peak memory will read n/a (apt-get install -y time)" >&2
  TIME=""
fi

say() { printf '\n== %s\n' "$*"; }
jget() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
min() { printf '%s\n' "$@" | sort -g | head -1; }
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
cpu_total() { awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
cpu_children() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }

say "build"
make -s build/kaoping
PKGS=$(sed -n 's/^PKGS *:= *//p' Makefile)
mkdir -p "$WORK/out" "$WORK/rss"
mapfile -t OBJS < <(find build/obj/src -name '*.o' ! -name main.o | sort)
rm -f "$WORK/libkaoping.a"
ar rcs "$WORK/libkaoping.a" "${OBJS[@]}"
CF="-std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wno-unused-parameter -Isrc"
# shellcheck disable=SC2086,SC2046 # word splitting of the flag lists is wanted
gcc $CF $(pkg-config --cflags $PKGS) bench/robust/bench_robust.c "$WORK/libkaoping.a" \
  $(pkg-config --libs $PKGS) -lm -pthread -o "$WORK/bench_robust"
gcc -std=c17 -O2 -Wall -Wextra -Werror bench/score/gen_data.c -o "$WORK/gen_data"
BR="$WORK/bench_robust"
NP="$ROOT/bench/robust/robust_numpy.py"

say "data"
"$WORK/gen_data" "$WORK/national" >/dev/null
"$PY" bench/robust/subset.py "$WORK/national" "$WORK/hunan" 湖南 40 2021-M06 2021-M05
CASES="hunan national"
run_c() { # run_c CASE THREADS REPEAT [more options]
  local d="$WORK/$1"; shift
  "$BR" "$d" "$d/values-2021-M06.csv" "$d/values-2021-M05.csv" 2021-M06 --draws "$DRAWS" \
    --seed "$SEED" --threads "$1" --repeat "$2" "${@:3}"
}

say "check: kaoping (1 and 2 threads) and numpy give the same result"
for c in $CASES; do
  run_c "$c" 1 1 --export "$WORK/out/$c-plan.json" >"$WORK/out/$c-c1.json"
  run_c "$c" 2 1 >"$WORK/out/$c-c2.json"
  "$PY" "$NP" "$WORK/out/$c-plan.json" --repeat 1 >"$WORK/out/$c-np.json"
  "$PY" - "$WORK/out/$c-c1.json" "$WORK/out/$c-c2.json" "$WORK/out/$c-np.json" "$c" <<'PY'
import json, sys
a, b, n = (json.load(open(p)) for p in sys.argv[1:4])
bad = [i for i, (x, y, z) in enumerate(zip(a["result"], b["result"], n["result"])) if not x == y == z]
if len(a["result"]) != len(n["result"]) or bad or not a["mean_abs_shift"] == b["mean_abs_shift"] == n["mean_abs_shift"]:
    sys.exit("run.sh: %s: results differ for %d units (first: %s)" % (sys.argv[4], len(bad), bad[:3]))
w = sum(1 for r in a["result"] if r[1] > r[0])
print("%s: %d units, %d draws: identical in kaoping (1 and 2 threads) and numpy; %d intervals wider than one place, mean absolute rank shift %.4f"
      % (sys.argv[4], len(a["result"]), a["draws"], w, a["mean_abs_shift"]))
PY
done

say "time ($ROUNDS rounds)"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
busy0=$(cpu_busy); total0=$(cpu_total); mine0=$(cpu_children)
declare -A C1 C2 C2CPU NPT PLAN
for c in $CASES; do C1[$c]=""; C2[$c]=""; C2CPU[$c]=""; NPT[$c]=""; done
for r in $(seq "$ROUNDS"); do
  for c in $CASES; do
    run_c "$c" 2 5 >"$WORK/out/t.json"; C2[$c]+=" $(jget "$WORK/out/t.json" run_best_s)"
    C2CPU[$c]+=" $(jget "$WORK/out/t.json" run_best_cpu_s)"
    PLAN[$c]=$(jget "$WORK/out/t.json" plan_s)
    run_c "$c" 1 5 >"$WORK/out/t.json"; C1[$c]+=" $(jget "$WORK/out/t.json" run_best_s)"
    rep=3; [ "$c" = national ] && rep=1
    "$PY" "$NP" "$WORK/out/$c-plan.json" --repeat "$rep" >"$WORK/out/t.json"
    NPT[$c]+=" $(jget "$WORK/out/t.json" run_best_s)"
  done
  echo "round $r done"
done
busy1=$(cpu_busy); total1=$(cpu_total); mine1=$(cpu_children)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
OTHERS=$(awk -v b="$((busy1 - busy0))" -v t="$((total1 - total0))" -v m="$((mine1 - mine0))" \
  'BEGIN { o = (b - m) / t * 100; printf "%.0f", o < 0 ? 0 : o }')
MINE=$(awk -v t="$((total1 - total0))" -v m="$((mine1 - mine0))" 'BEGIN { printf "%.0f", m / t * 100 }')

say "peak memory"
declare -A RC RN
for c in $CASES; do
  RC[$c]=n/a; RN[$c]=n/a
  if [ -n "$TIME" ]; then
    "$TIME" -f %M -o "$WORK/rss/$c-c" "$BR" "$WORK/$c" "$WORK/$c/values-2021-M06.csv" \
      "$WORK/$c/values-2021-M05.csv" 2021-M06 --draws "$DRAWS" --threads 2 --repeat 1 >/dev/null
    "$TIME" -f %M -o "$WORK/rss/$c-np" "$PY" "$NP" "$WORK/out/$c-plan.json" --repeat 1 >/dev/null
    RC[$c]=$(tail -1 "$WORK/rss/$c-c"); RN[$c]=$(tail -1 "$WORK/rss/$c-np")
  fi
done

say "results"
MACHINE="$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))"
DATE=$(date -u +%Y-%m-%d)
VERS="gcc $(gcc -dumpfullversion), $("$PY" -c 'import sys, numpy; print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}")')"
AVX=$(grep -q ' avx2 ' /proc/cpuinfo && echo "AVX2 path" || echo "SSE2 path")
grep -q ' avx512f ' /proc/cpuinfo && AVX="AVX2 path for the sums and AVX-512 path for the ranks"
"$PY" - "$ROOT/bench/README.md" "$MACHINE" "$DATE" "$VERS" "$ROUNDS" "$DRAWS" "$LOAD0" "$LOAD1" \
  "$OTHERS" "$MINE" "$AVX" \
  "${C2[hunan]}" "${C1[hunan]}" "${NPT[hunan]}" "${PLAN[hunan]}" "${RC[hunan]}" "${RN[hunan]}" \
  "${C2[national]}" "${C1[national]}" "${NPT[national]}" "${PLAN[national]}" "${RC[national]}" \
  "${RN[national]}" "${C2CPU[hunan]}" "${C2CPU[national]}" <<'PY'
import sys
(path, machine, date, vers, rounds, draws, load0, load1, others, mine, avx,
 h2, h1, hn, hp, hrc, hrn, n2, n1, nn, npl, nrc, nrn, hcpu, ncpu) = sys.argv[1:]
best = lambda z: min(float(x) for x in z.split())
med = lambda z: sorted(float(x) for x in z.split())[len(z.split()) // 2]
span = lambda z: f"{min(float(x) for x in z.split()) * 1000:.1f}–{max(float(x) for x in z.split()) * 1000:.1f}"
runs = lambda z: ", ".join(f"{float(x) * 1000:.0f}" for x in z.split())
mb = lambda kb: f"{int(kb) / 1024:.0f} MB" if kb.isdigit() else "n/a"
ms = lambda s: f"{s * 1000:.1f} ms" if s < 10 else f"{s:.2f} s"
met = lambda ok: "met" if ok else "**not met**"
rows, goals = [], []
for name, c2, c1, npy, plan, rc, rn in (
        ("Hunan: 122 units (1 group) x 40 indicators", h2, h1, hn, hp, hrc, hrn),
        ("China: 2,844 units (31 groups) x 60 indicators", n2, n1, nn, npl, nrc, nrn)):
    r2, r1, rn_ = span(c2), span(c1), span(npy)
    c2, c1, npy, plan = med(c2), med(c1), med(npy), float(plan)
    rows.append(f"| {name} | {ms(c2)} ({r2}) | {ms(c1)} ({r1}) | {ms(npy)} ({rn_}) | **{npy / c2:.1f}x** | {npy / c1:.1f}x | {ms(plan)} | {mb(rc)} / {mb(rn)} |")
    goals.append((name.split(":")[0], c2, npy / c2, npy / c1))
(hname, hc2, hr2, hr1), (nname, nc2, nr2, nr1) = goals
table = f"""<!-- robust:begin (written by bench/robust/run.sh; do not edit by hand) -->
Machine: {machine}; run on {date}. Software: {vers}; kaoping took its {avx}.
Load: 1/5/15-minute load averages {load0} when timing began, {load1} when it ended; while
timing, other processes used {others} % of the machine's CPU time (this script {mine} %).
Each case: {int(draws):,} draws from seed 20211 of the default uncertain choice (every weight
+-25 %, renormalised among siblings), period 2021-M06 of `bench/score/gen_data.c`'s data.
Before timing, kaoping on 1 and 2 threads and numpy gave identical results for every unit
(5th/95th percentile and median ranks, sum of ranks, count of each grade) and the same
mean absolute rank shift. Wall time of the draws: the median over {rounds} rounds of each
round's best run (kaoping: best of 5 runs; numpy: of 3 for Hunan, 1 for China), in brackets
the range over the rounds, ms; the ratios are of the medians.

| case | kaoping 2 threads | kaoping 1 thread | numpy | numpy / kaoping (2 threads) | numpy / kaoping (1 thread) | kaoping plan (engine runs, not in the draws) | peak memory kaoping / numpy |
|---|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

Goals of the issue: at least 10x faster than numpy: {met(hr2 >= 10)} for Hunan ({hr2:.1f}x on 2
threads, {hr1:.1f}x on 1), {met(nr2 >= 10)} for China ({nr2:.1f}x on 2 threads, {nr1:.1f}x on 1); the
Hunan case under one second on 2 cores: {met(hc2 < 1)} ({ms(hc2)}).
numpy's matrix products run on OpenBLAS, which may use both cores; the rest of numpy is
single-threaded. Peak memory of kaoping includes reading the CSV files and the plan.
Best run of each round, ms: Hunan kaoping 2 threads {runs(h2)}; 1 thread {runs(h1)}; numpy {runs(hn)}.
China kaoping 2 threads {runs(n2)}; 1 thread {runs(n1)}; numpy {runs(nn)}.
CPU time of kaoping's 2-thread runs (both threads together; the least of each round), ms:
Hunan {runs(hcpu)}; China {runs(ncpu)}: against the 1-thread wall times, what the second
thread costs in work; the wall time is below it by what the two cores did at once.
<!-- robust:end -->"""
text = open(path, encoding="utf-8").read()
a, b = text.find("<!-- robust:begin"), text.find("<!-- robust:end -->")
if a < 0 or b < 0:
    text = text.rstrip("\n") + "\n\n" + table + "\n"
else:
    text = text[:a] + table + text[b + len("<!-- robust:end -->"):]
open(path, "w", encoding="utf-8").write(text)
print(table)
PY
echo
echo "run.sh: results written to bench/README.md; data and outputs in $WORK"

#!/usr/bin/env bash
# bench/score/run.sh: the scoring benchmark. kaoping's engine against pandas, on the same
# synthetic data and the same scheme semantics (SCORING.md), after checking that both give
# the same totals. Anyone can run it; it takes under a minute on a 2-core machine.
#
#   bench/score/run.sh            # writes the results table into bench/README.md
#   BENCH_WORK=DIR REPEAT=5 PYTHON=/usr/bin/python3 bench/score/run.sh
#
# Steps:
#  1. build: `make build/kaoping` (the engine objects), then bench_score.c linked against
#     build/obj/src/*.o except main.o, and gen_data.c (standalone);
#  2. data: gen_data writes 2,844 units (31 peer groups) x 60 indicators x 12 monthly
#     periods into $BENCH_WORK/data (fixed seed: the same files on every run);
#  3. check: the engine (bench_score), the CLI (`kaoping score --format csv`, one process per
#     period with --previous) and pandas (score_pandas.py) each score all 12 periods; every
#     unit's total must agree to 1e-9 and every rank and grade exactly, or the script stops
#     before timing anything. This pass also records each program's peak RSS;
#  4. time (wall clock, best of $REPEAT): engine score_compute alone (inputs parsed once);
#     pandas scoring alone (inputs read once); end to end, the CLI run 12 times (parse,
#     score, write totals) against one pandas process that does the same;
#  5. write the table (machine, date, numbers, ratios) between the score markers of
#     bench/README.md, and print it.
# Needs: gcc, make, the build dependencies, python3 with pandas and numpy (Debian
# python3-pandas python3-numpy), GNU time (`time` package) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/kaoping-bench-score}
REPEAT=${REPEAT:-3}
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
# rss_of FILE...: the largest "%M" (KB) found in the files
rss_max() { cat "$@" 2>/dev/null | sort -n | tail -1; }

say "build"
make -s build/kaoping
PKGS=$(sed -n 's/^PKGS *:= *//p' Makefile)
mkdir -p "$WORK/out/engine" "$WORK/out/cli" "$WORK/out/pandas" "$WORK/rss"
CF="-std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wno-unused-parameter -Isrc"
mapfile -t OBJS < <(find build/obj/src -name '*.o' ! -name main.o | sort)
# shellcheck disable=SC2086
gcc $CF $(pkg-config --cflags $PKGS) bench/score/bench_score.c "${OBJS[@]}" \
  $(pkg-config --libs $PKGS) -lm -o "$WORK/bench_score"
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

say "check: engine, CLI and pandas agree on every total before anything is timed"
timed "$WORK/rss/engine" "$WORK/bench_score" "$D" --repeat 1 --out-dir "$WORK/out/engine" >/dev/null
cli_all "$WORK/out/cli" "$WORK/rss"
timed "$WORK/rss/pandas" "$PY" bench/score/score_pandas.py --bench "$D" --out-dir "$WORK/out/pandas" >/dev/null
"$PY" - "$WORK/out" "${PERIODS[@]}" <<'PY'
import csv, sys
out, periods = sys.argv[1], sys.argv[2:]
def load(kind, p):
    with open(f"{out}/{kind}/totals-{p}.csv", encoding="utf-8") as f:
        return {r["unit"]: r for r in csv.DictReader(f)}
worst, bad, n = 0.0, [], 0
for p in periods:
    e, c, d = load("engine", p), load("cli", p), load("pandas", p)
    if not (e.keys() == c.keys() == d.keys()):
        sys.exit(f"check: {p}: the three programs scored different units")
    for u in e:
        n += 1
        for other, name in ((c[u], "cli"), (d[u], "pandas")):
            diff = abs(float(e[u]["total"]) - float(other["total"]))
            worst = max(worst, diff)
            if diff > 1e-9 or e[u]["rank"] != other["rank"] or e[u]["grade"] != other["grade"]:
                bad.append(f"{p} {u}: engine {e[u]['total']} #{e[u]['rank']} {e[u]['grade']}, "
                           f"{name} {other['total']} #{other['rank']} {other['grade']}")
print(f"check: {n} unit totals x 3 programs; largest difference {worst:.3g}; "
      f"{len(bad)} disagreements")
for line in bad[:10]:
    print("  " + line)
sys.exit(1 if bad else 0)
PY

say "time: best of $REPEAT"
LOAD=$(cut -d' ' -f1 /proc/loadavg)
eng_json=$("$WORK/bench_score" "$D" --repeat $((REPEAT > 5 ? REPEAT : 5)))
eng_score=$(echo "$eng_json" | sed -n 's/.*"score_best_s": \([0-9.]*\).*/\1/p')
eng_parse=$(echo "$eng_json" | sed -n 's/.*"parse_s": \([0-9.]*\).*/\1/p')
cli_runs=() pd_runs=() pd_score=()
for _ in $(seq "$REPEAT"); do
  t0=$(now_ns); cli_all "$WORK/out/cli" ""; t1=$(now_ns)
  cli_runs+=("$(secs "$t0" "$t1")")
  t0=$(now_ns)
  j=$("$PY" bench/score/score_pandas.py --bench "$D" --out-dir "$WORK/out/pandas")
  t1=$(now_ns)
  pd_runs+=("$(secs "$t0" "$t1")")
  pd_score+=("$(echo "$j" | sed -n 's/.*"score_s": \([0-9.e-]*\).*/\1/p')")
done
cli_best=$(min "${cli_runs[@]}")
pd_best=$(min "${pd_runs[@]}")
pd_score_best=$(min "${pd_score[@]}")
rss_eng=$(rss_max "$WORK/rss/engine")
rss_cli=$(rss_max "$WORK"/rss/cli-*)
rss_pd=$(rss_max "$WORK/rss/pandas")

say "results"
MACHINE="$(nproc) CPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
DATE=$(date -u +%Y-%m-%d)
VERS="gcc $(gcc -dumpfullversion), $("$PY" -c 'import sys, pandas, numpy; print(f"Python {sys.version.split()[0]}, pandas {pandas.__version__}, numpy {numpy.__version__}")')"
"$PY" - "$ROOT/bench/README.md" "$MACHINE" "$DATE" "$VERS" "$REPEAT" \
  "$LOAD" "$eng_score" "$pd_score_best" "$cli_best" "$pd_best" "$eng_parse" \
  "${rss_eng:-}" "${rss_cli:-}" "${rss_pd:-}" "${cli_runs[*]}" "${pd_runs[*]}" <<'PY'
import sys
(path, machine, date, vers, repeat, load, eng, pds, cli, pde, parse,
 rss_e, rss_c, rss_p, cli_runs, pd_runs) = sys.argv[1:]
eng, pds, cli, pde, parse = map(float, (eng, pds, cli, pde, parse))
mb = lambda kb: f"{int(kb) / 1024:.0f} MB" if kb else "n/a"
goal = "met" if pds / eng >= 20 else "**not met**"
table = f"""<!-- score:begin (written by bench/score/run.sh; do not edit by hand) -->
Machine: {machine}; 1-minute load average {load} when timing began; run on {date}.
Software: {vers}.
Data: 2,844 units in 31 peer groups x 60 indicators x 12 monthly periods (170,640
unit-indicator cells per period), generated by `bench/score/gen_data.c`.
Wall time, best of {repeat} (the scoring-only engine row: best of at least 5).
Before timing, the engine, the CLI and pandas agreed on all 34,128 unit totals to 1e-9,
with identical ranks and grades.

| what is timed (12 periods) | kaoping | pandas | pandas / kaoping |
|---|---:|---:|---:|
| scoring only: inputs already parsed (`score_compute` / `score_period`) | {eng * 1000:.1f} ms | {pds * 1000:.1f} ms | **{pds / eng:.1f}x** |
| end to end: read CSV, score, write totals (CLI 12 processes / 1 Python process) | {cli * 1000:.0f} ms | {pde * 1000:.0f} ms | **{pde / cli:.1f}x** |
| peak memory (max RSS) | {mb(rss_c)} per CLI run; {mb(rss_e)} bench driver holding all 12 periods | {mb(rss_p)} | |

Goal of the issue (engine >= 20x faster than pandas at scoring): {goal}
({pds / eng:.1f}x). The engine driver spent {parse * 1000:.0f} ms parsing the inputs once.
All runs, seconds: CLI end to end {cli_runs}; pandas end to end {pd_runs}.
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

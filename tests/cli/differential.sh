#!/usr/bin/env bash
# differential-1: `kaoping score` against the independent Python reference of SCORING.md
# (tests/reference/score_ref.py) on seeded random cases (tests/reference/gen_cases.py).
# For seeds 1..N (N = $DIFF_CASES, default 300) it generates a case, runs both, and compares
# every number to 1e-9 (absolute or relative), every rank, grade and null, and every flag
# list (as a set: SCORING.md does not fix the order). One test per case. A failing case's
# directory is kept and printed with its seed and first differences; passing ones are
# removed. Ends with "N passed, M failed"; exits non-zero on any failure.
#   env: KAOPING (default build/kaoping), DIFF_CASES (300), DIFF_FIRST (1, first seed),
#        DIFF_JOBS (parallel runs, default: number of CPUs), DIFF_KEEP=1 keeps every case.
# To rerun one case by hand, from its directory: "$KAOPING" score $(cat args), and
# python3 /path/to/tests/reference/score_ref.py $(cat args).
set -u
cd "$(dirname "$0")/../.." || exit 1
KAOPING=${KAOPING:-build/kaoping}
case "$KAOPING" in /*) ;; *) KAOPING="$PWD/$KAOPING" ;; esac
N=${DIFF_CASES:-300}
FIRST=${DIFF_FIRST:-1}
LAST=$((FIRST + N - 1))
JOBS=${DIFF_JOBS:-$(nproc 2>/dev/null || echo 2)}
root=$(mktemp -d "${TMPDIR:-/tmp}/kp-diff.XXXXXX")

if ! python3 tests/reference/gen_cases.py --seeds "$FIRST-$LAST" "$root"; then
  echo "FAIL differential: the case generator failed"
  echo "0 passed, $N failed"
  exit 1
fi

# The reference: one Python process for every case, calling score_ref.main(ARGS) in each
# case directory (exactly what `python3 score_ref.py ARGS` runs, without 300 interpreter
# start-ups), in the background while the C binary runs case by case. Each case keeps
# ref.json, ref.err, ref.rc and c.json, c.err, c.rc.
python3 - "$root" "$FIRST" "$LAST" <<'PYEOF' &
import contextlib, os, sys, traceback
sys.dont_write_bytecode = True  # leave no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.getcwd(), "tests", "reference"))
import score_ref
root, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for seed in range(first, last + 1):
    d = os.path.join(root, str(seed))
    with open(os.path.join(d, "args"), encoding="utf-8") as f:
        args = f.read().splitlines()
    os.chdir(d)
    with open("ref.json", "w", encoding="utf-8") as out, \
         open("ref.err", "w", encoding="utf-8") as err, \
         contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = score_ref.main(args)
        except Exception:
            traceback.print_exc()
            rc = 3
    with open("ref.rc", "w") as f:
        f.write("%d\n" % rc)
PYEOF
ref_pid=$!

run_case() {
  cd "$1" || return
  mapfile -t a <args
  timeout 20 "$KAOPING" score "${a[@]}" >c.json 2>c.err
  echo $? >c.rc
}
export -f run_case
export KAOPING
seq "$FIRST" "$LAST" | xargs -P "$JOBS" -I{} bash -c 'run_case "$0"' "$root/{}"
wait "$ref_pid"

python3 - "$root" "$FIRST" "$LAST" "${DIFF_KEEP:-0}" <<'EOF'
import json, math, os, shutil, sys

root, first, last, keep = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
TOL = 1e-9

def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)

def same_num(a, b):
    if a is None or b is None:
        return a is None and b is None
    if not (is_num(a) and is_num(b)):
        return False
    d = abs(a - b)
    return d <= TOL or d <= TOL * max(abs(a), abs(b))

def compare(ref, c):
    diffs = []
    def diff(path, r, k):
        diffs.append("%s: reference %s, kaoping %s" % (path, json.dumps(r, ensure_ascii=False),
                                                       json.dumps(k, ensure_ascii=False)))
    def field(path, r, k, key, kind):
        if not isinstance(k, dict) or key not in k:
            diffs.append("%s.%s: missing in kaoping's output" % (path, key))
            return
        a, b = r.get(key), k.get(key)
        p = "%s.%s" % (path, key)
        if kind == "num":
            if not same_num(a, b):
                diff(p, a, b)
        elif kind == "int":
            if a != b or (b is not None and not isinstance(b, int)) or isinstance(b, bool):
                diff(p, a, b)
        elif kind == "flags":
            if not isinstance(b, list) or sorted(a) != sorted(b):
                diff(p, a, b)
        else:
            if a != b:
                diff(p, a, b)
    for key in ("scheme", "period"):
        field("", ref, c, key, "str")
    ru, cu = ref["units"], c.get("units")
    if not isinstance(cu, list) or len(cu) != len(ru):
        diffs.append("units: reference has %d, kaoping %s" % (
            len(ru), len(cu) if isinstance(cu, list) else "none"))
        return diffs
    for u, k in zip(ru, cu):
        up = "unit %s" % u["code"]
        field(up, u, k, "code", "str")
        field(up, u, k, "group", "str")
        field(up, u, k, "total", "num")
        field(up, u, k, "rank", "int")
        field(up, u, k, "grade", "str")
        field(up, u, k, "flags", "flags")
        for part, keys in (("indicators", [("value", "num"), ("share", "num"), ("points", "num"),
                                           ("rank", "int"), ("flags", "flags")]),
                           ("categories", [("value", "num"), ("points", "num")])):
            ri, ci = u[part], k.get(part)
            if not isinstance(ci, list) or len(ci) != len(ri):
                diffs.append("%s.%s: reference has %d, kaoping %s" % (
                    up, part, len(ri), len(ci) if isinstance(ci, list) else "none"))
                continue
            for x, y in zip(ri, ci):
                p = "%s %s" % (up, x["code"])
                field(p, x, y, "code", "str")
                for key, kind in keys:
                    field(p, x, y, key, kind)
    return diffs

def head(path, n=3):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [l.rstrip("\n") for l in f.readlines()[:n]]
    except OSError:
        return ["(no %s)" % os.path.basename(path)]

npass = nfail = 0
for seed in range(first, last + 1):
    d = os.path.join(root, str(seed))
    about = head(os.path.join(d, "about.txt"), 1)[0]
    try:
        rrc = int(open(os.path.join(d, "ref.rc")).read())
        crc = int(open(os.path.join(d, "c.rc")).read())
    except (OSError, ValueError):
        rrc = crc = -1
    problems = []
    if rrc != 0 or crc != 0:
        problems.append("exit status: reference %d, kaoping %d" % (rrc, crc))
        if rrc != 0:
            problems += ["reference stderr: " + l for l in head(os.path.join(d, "ref.err"))]
        if crc != 0:
            problems += ["kaoping stderr: " + l for l in head(os.path.join(d, "c.err"))]
    else:
        try:
            ref = json.load(open(os.path.join(d, "ref.json"), encoding="utf-8"))
            c = json.load(open(os.path.join(d, "c.json"), encoding="utf-8"))
            problems = compare(ref, c)
        except (ValueError, OSError) as e:
            problems = ["kaoping's output is not JSON: %s" % e]
    if problems:
        nfail += 1
        print("FAIL differential seed %d (%d differences): %s" % (seed, len(problems), about))
        print("     case: %s" % d)
        for p in problems[:8]:
            print("     " + p)
    else:
        npass += 1
        if not keep:
            shutil.rmtree(d, ignore_errors=True)
if nfail == 0 and not keep:
    shutil.rmtree(root, ignore_errors=True)
print("%d passed, %d failed" % (npass, nfail))
sys.exit(1 if nfail else 0)
EOF

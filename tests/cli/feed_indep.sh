#!/usr/bin/env bash
# feed-indep-1.x: the hotline indicators of `kaoping feed derive` and `feed import` equal an
# independent computation (pandas, bench/feed/hot_pandas.py: read_csv + groupby + median)
# on files the project's own tests have not seen: a size the benchmark does not use (23,457
# rows of bench/feed/gen.c), the columns in other orders, GBK with CRLF and UTF-8 with a
# byte-order mark, and malformed rows planted at known places (an impossible date, a record
# one field short, an empty unit) that kaoping must leave out and count, while pandas reads
# the same rows without them. The comparison is bench/feed/compare.py (counts exact,
# numbers to 1e-9 relative, missing where missing).
#   env: KAOPING (default build/kaoping). Needs gcc, python3 with pandas.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
PY=
for c in python3 /usr/bin/python3; do   # Debian's python3 has python3-pandas; another may not
  if "$c" -c 'import pandas' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || { fail "feed-indep-0 no python3 with pandas (apt-get install python3-pandas)"; finish; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

gcc -O2 -o "$T/gen" bench/feed/gen.c || { fail "feed-indep-0 gen.c builds"; finish; exit 1; }
"$T/gen" 23457 >"$T/g.csv"

# The variants, and the clean reference (original order, UTF-8, planted rows left out).
# Planted: data row i (1-based) with i % 1009 == 0 gets 受理时间 2021-02-30 (no such day),
# i % 1511 == 0 loses its last field, i % 2003 == 0 gets an empty unit; each is counted once.
"$PY" - "$T" <<'EOF'
import csv, sys
t = sys.argv[1]
with open(f"{t}/g.csv", newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
head, data = rows[0], rows[1:]
col = {name: i for i, name in enumerate(head)}
clean, planted, bad = [head], [], 0
for i, r in enumerate(data, 1):
    r = list(r)
    if i % 1009 == 0:
        r[col["受理时间"]] = "2021-02-30 10:00:00"; bad += 1
    elif i % 1511 == 0:
        r = r[:-1]; bad += 1
    elif i % 2003 == 0:
        r[col["承办单位编码"]] = ""; bad += 1
    else:
        clean.append(r)
    planted.append(r)
def write(path, order, enc, eol, bom=False):
    with open(path, "w", newline="", encoding=enc) as f:
        if bom:
            f.write("\ufeff")
        w = csv.writer(f, lineterminator=eol)
        w.writerow([head[j] for j in order])
        for r in planted:
            w.writerow([r[j] for j in order if j < len(r)])
n = len(head)
write(f"{t}/a-gbk.csv", list(range(n))[::-1], "gbk", "\r\n")                  # reversed, GBK, CRLF
write(f"{t}/b-bom.csv", list(range(1, n, 2)) + list(range(0, n, 2)), "utf-8", "\n", True)  # odd then even
with open(f"{t}/clean.csv", "w", newline="", encoding="utf-8") as f:
    csv.writer(f, lineterminator="\n").writerows(clean)
open(f"{t}/nbad", "w").write(str(bad))
EOF
NBAD=$(cat "$T/nbad")
assert_eq "feed-indep-1.0 planted bad rows (23 + 15 + 11: every 1009th, 1511th and 2003rd row, none twice)" 49 "$NBAD"

"$PY" bench/feed/hot_pandas.py "$T/clean.csv" "$T/pandas.csv"
assert_eq "feed-indep-1.1 pandas computed the reference" 0 "$?"

# A record one field short is caught by the field count whatever the column order; in the
# reversed file the short record lacks its first column instead (the writer drops the last
# position of the reordered list only when it is out of range), so both variants still
# carry exactly the planted rows.
for v in a-gbk b-bom; do
  run_kp feed derive hotline "$T/$v.csv"
  assert_eq "feed-indep-1.2 $v: derive exits 0" 0 "$rc"
  printf '%s\n' "$out" >"$T/k-$v.csv"
  assert_contains "feed-indep-1.3 $v: the planted rows are left out and counted" "$err" \
    "$NBAD of 23457 rows are bad and were left out"
  cmp_out=$("$PY" bench/feed/compare.py "$T/k-$v.csv" "$T/pandas.csv" 2>&1)
  assert_eq "feed-indep-1.4 $v: equal to pandas on the clean rows ($cmp_out)" 0 "$?"
done
assert_eq "feed-indep-1.5 the two variants give the same bytes" "$(cat "$T/k-a-gbk.csv")" "$(cat "$T/k-b-bom.csv")"

# Stored, then derived from the stored records: the same as from the file.
run_kp init --db "$T/k.db"
run_kp unit import "${KAOPING_SHARED:-../shared}/data/units.csv" --db "$T/k.db"
run_kp feed import hotline "$T/a-gbk.csv" --db "$T/k.db" --no-observations --rejects "$T/rej.csv"
assert_eq "feed-indep-1.6 import exits 0" 0 "$rc"
assert_contains "feed-indep-1.7 import: the good rows stored, the planted ones rejected" "$out" \
  "$((23457 - NBAD)) added, 0 already stored, $NBAD rejected"
assert_eq "feed-indep-1.7b the reject file holds the planted rows" "$NBAD" "$(($(wc -l <"$T/rej.csv") - 1))"
run_kp feed derive hotline --db "$T/k.db"
assert_eq "feed-indep-1.8 derive --db equals derive from the file" "$(cat "$T/k-a-gbk.csv")" "$out"
finish

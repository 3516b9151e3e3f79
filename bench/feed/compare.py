"""bench/feed/compare.py: checks that every engine computed the same hotline indicators.
    python3 compare.py KAOPING.csv OTHER.csv...
KAOPING.csv is `kaoping feed derive` output (unit,period,indicator,value); the others are
wide (unit,period,orders,ontime_rate,satisfaction_rate,response_median_h). Counts must be
equal, numbers equal to 1e-9 (relative), empty (missing) where kaoping's is empty.
Exit 1 and a message naming the first differences otherwise.
"""
import csv
import sys

COLS = {"hotline.orders": "orders", "hotline.ontime_rate": "ontime_rate",
        "hotline.satisfaction_rate": "satisfaction_rate",
        "hotline.response_median_h": "response_median_h"}


def num(s):
    return None if s in ("", "NULL", "NaN", "nan", None) else float(s)


ref = {}
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        ref[(row["unit"], row["period"], COLS[row["indicator"]])] = num(row["value"])
bad = 0
for path in sys.argv[2:]:
    seen = set()
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for col in COLS.values():
                key = (row["unit"], row["period"], col)
                seen.add(key)
                a, b = ref.get(key, "absent"), num(row[col])
                same = (a is None and b is None) or (
                    isinstance(a, float) and b is not None and abs(a - b) <= 1e-9 * max(1, abs(a)))
                if not same:
                    bad += 1
                    if bad <= 10:
                        print(f"{path}: {key}: kaoping {a}, other {b}")
    missing = set(ref) - seen
    if missing:
        bad += len(missing)
        print(f"{path}: {len(missing)} values kaoping has and it lacks, e.g. {sorted(missing)[:3]}")
    if not bad:
        print(f"{path}: equal ({len(seen)} values)")
sys.exit(1 if bad else 0)

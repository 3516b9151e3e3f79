#!/usr/bin/env python3
# subset.py: the Hunan case of the robustness benchmark (bench/robust/run.sh), cut from the
# national data set of bench/score/gen_data.c: the units of one peer group (湖南, 122 units,
# as many as Hunan's county-level divisions in 2020) and the first 40 indicators (categories
# A-D). Deterministic: the same input files give the same output files.
#   usage: subset.py SRC_DIR DST_DIR GROUP NLEAF PERIOD PREVIOUS
import csv, json, os, sys

src, dst, group, nleaf, period, previous = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
os.makedirs(dst, exist_ok=True)
with open(os.path.join(src, "units.csv"), encoding="utf-8") as f:
    rows = list(csv.reader(f))
keep_units = {r[0] for r in rows[1:] if r[3] == group}
with open(os.path.join(dst, "units.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(rows[0])
    w.writerows(r for r in rows[1:] if r[0] in keep_units)
with open(os.path.join(src, "scheme.json"), encoding="utf-8") as f:
    scheme = json.load(f)
keep_leaves, cats = set(), []
for cat in scheme["indicators"]:
    children = []
    for leaf in cat["children"]:
        if len(keep_leaves) < nleaf:
            keep_leaves.add(leaf["code"])
            children.append(leaf)
    if children:
        cats.append(dict(cat, children=children))
scheme["indicators"] = cats
scheme["code"] = "BENCH-HN"
with open(os.path.join(dst, "scheme.json"), "w", encoding="utf-8") as f:
    json.dump(scheme, f, ensure_ascii=False, indent=1)
for name in ("targets.csv", "values-%s.csv" % period, "values-%s.csv" % previous):
    with open(os.path.join(src, name), encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with open(os.path.join(dst, name), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(rows[0])
        w.writerows(r for r in rows[1:] if r[0] in keep_units and r[1] in keep_leaves)
print("subset: %d units of %s, %d indicators -> %s" % (len(keep_units), group, len(keep_leaves), dst))

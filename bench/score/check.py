#!/usr/bin/env python3
"""check.py: do the engine, the CLI and pandas agree? (bench/score/run.sh, before timing.)

Compares, for every period, every output the engine computes, as written by
bench_score.c (OUT/engine: totals-, leaves- and categories-PERIOD.csv) with what
score_pandas.py computed (OUT/pandas: totals-PERIOD.csv, outputs-PERIOD.npz), and the
unit totals with the CLI's (OUT/cli: `kaoping score --format csv`); for the first period
also every indicator of the CLI's JSON (OUT/cli/json-PERIOD.json) with the engine's.

Numbers agree when |a - b| <= 1e-9 max(1, |a|, |b|) (SCORING.md compares to 1e-9) and
null agrees only with null; ranks, grades and flags must be equal. Prints one summary
line per kind of output and the first disagreements; exits 1 on any.

  usage: check.py OUT PERIOD...
"""
import json
import sys

import numpy as np
import pandas as pd

FLAG_BITS = {"MISSING": 1, "EXCLUDED": 2, "IMPUTED": 4, "CARRIED": 8, "BEHIND": 16,
             "VETO": 32, "VETO_TOP": 64}


def close(a, b):
    """Elementwise: both null, or both numbers within the tolerance."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        tol = 1e-9 * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        ok = np.abs(a - b) <= tol
    return both_nan | ok


def worst(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = np.abs(a - b)
    d = d[~np.isnan(d)]
    return float(d.max()) if len(d) else 0.0


class Report:
    def __init__(self):
        self.bad = []
        self.counts = {}

    def compare(self, what, period, labels, got, want, exact=False):
        """Records len(labels) comparisons of one output; got/want are arrays."""
        ok = (np.asarray(got) == np.asarray(want)) if exact else close(got, want)
        n, d = self.counts.get(what, (0, 0.0))
        self.counts[what] = (n + len(ok), max(d, 0.0 if exact else worst(got, want)))
        for i in np.flatnonzero(~ok)[:5]:
            self.bad.append(f"{period} {what} {labels[i]}: {got[i]!r} vs {want[i]!r}")


def main():
    out, periods = sys.argv[1], sys.argv[2:]
    rep = Report()
    for k, p in enumerate(periods):
        e = pd.read_csv(f"{out}/engine/totals-{p}.csv", dtype={"unit": str, "grade": str},
                        keep_default_na=False, float_precision="round_trip")
        c = pd.read_csv(f"{out}/cli/totals-{p}.csv", dtype={"unit": str, "grade": str},
                        keep_default_na=False, float_precision="round_trip")
        d = pd.read_csv(f"{out}/pandas/totals-{p}.csv", dtype={"unit": str, "grade": str},
                        keep_default_na=False, float_precision="round_trip")
        if not (list(e["unit"]) == list(c["unit"]) == list(d["unit"])):
            sys.exit(f"check: {p}: the three programs scored different units")
        units = e["unit"].to_numpy()
        for name, o in (("cli", c), ("pandas", d)):
            rep.compare(f"unit total ({name})", p, units, o["total"].to_numpy(),
                        e["total"].to_numpy())
            rep.compare(f"unit rank ({name})", p, units, o["rank"].to_numpy(),
                        e["rank"].to_numpy(), exact=True)
            rep.compare(f"unit grade ({name})", p, units, o["grade"].to_numpy(),
                        e["grade"].to_numpy(), exact=True)
        rep.compare("unit flags (pandas)", p, units, d["flags"].to_numpy(),
                    e["flags"].to_numpy(), exact=True)

        lv = pd.read_csv(f"{out}/engine/leaves-{p}.csv", dtype={"unit": str, "indicator": str},
                         float_precision="round_trip")
        cat = pd.read_csv(f"{out}/engine/categories-{p}.csv", dtype={"unit": str, "category": str},
                          float_precision="round_trip")
        npz = np.load(f"{out}/pandas/outputs-{p}.npz")
        cells = (lv["unit"] + "/" + lv["indicator"]).to_numpy()
        for col in ("value", "share", "points"):
            rep.compare(f"leaf {col} (pandas)", p, cells, npz[f"leaf_{col}"],
                        lv[col].to_numpy(dtype=float))
        rep.compare("leaf rank (pandas)", p, cells, npz["leaf_rank"],
                    lv["rank"].fillna(0).to_numpy(dtype=np.int64), exact=True)
        rep.compare("leaf flags (pandas)", p, cells, npz["leaf_flags"],
                    lv["flags"].to_numpy(dtype=np.int64), exact=True)
        slots = (cat["unit"] + "/" + cat["category"]).to_numpy()
        for col in ("value", "points"):
            rep.compare(f"category {col} (pandas)", p, slots, npz[f"cat_{col}"],
                        cat[col].to_numpy(dtype=float))

        if k == 0:
            with open(f"{out}/cli/json-{p}.json", encoding="utf-8") as f:
                doc = json.load(f)
            rows = [(u["code"], i["code"], i["value"], i["share"], i["points"], i["rank"] or 0,
                     sum(FLAG_BITS[x] for x in i["flags"]))
                    for u in doc["units"] for i in u["indicators"]]
            j = pd.DataFrame(rows, columns=["unit", "indicator", "value", "share", "points",
                                            "rank", "flags"])
            if list(j["unit"] + "/" + j["indicator"]) != list(cells):
                sys.exit(f"check: {p}: the CLI's JSON lists other indicators than the engine")
            for col in ("value", "share", "points"):
                rep.compare(f"leaf {col} (cli json)", p, cells,
                            j[col].to_numpy(dtype=float), lv[col].to_numpy(dtype=float))
            rep.compare("leaf rank (cli json)", p, cells, j["rank"].to_numpy(dtype=np.int64),
                        lv["rank"].fillna(0).to_numpy(dtype=np.int64), exact=True)
            rep.compare("leaf flags (cli json)", p, cells, j["flags"].to_numpy(dtype=np.int64),
                        lv["flags"].to_numpy(dtype=np.int64), exact=True)

    for what, (n, d) in rep.counts.items():
        print(f"check: {what}: {n} compared, largest difference {d:.3g}")
    print(f"check: {len(rep.bad)} disagreements")
    for line in rep.bad[:20]:
        print("  " + line)
    sys.exit(1 if rep.bad else 0)


if __name__ == "__main__":
    main()

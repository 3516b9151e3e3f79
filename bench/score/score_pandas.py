#!/usr/bin/env python3
"""score_pandas.py: the scoring semantics of ../shared/SCORING.md in pandas, points mode.

What it is for: the other side of the engine benchmark (bench/score/run.sh), an
independent implementation of the same contract written the way a data analyst would
write it in pandas: one long table of (unit, indicator) rows per period, group statistics
with groupby().transform(), the methods as vectorised numpy expressions. The benchmark
first checks that it and `kaoping score` agree on every unit's total to 1e-9, so the timing
compares two correct programs. It also serves as a second opinion on the demo data set
(`--units ... --period ...` on one period prints the totals).

What it is not: a replacement for the engine. It implements points mode only (the bench
and demo schemes are points mode), no zscore (index mode only), and it trusts its inputs
(the engine validates; this script assumes a scheme the engine accepted).

Usage:
  score_pandas.py --units U --scheme S --values V [--targets T] [--previous P] --period CODE
                  [--out totals.csv]
  score_pandas.py --bench DIR [--out-dir OUT] [--repeat N]
      DIR holds units.csv, scheme.json, targets.csv and values-PERIOD.csv for the periods
      listed in DIR/periods.txt (in order; each period's previous is the one before it).
      Prints one line of timings as JSON: {"read_s": ..., "score_s": ..., "write_s": ...}.
Totals are written as CSV "unit,total,rank,grade" with repr() floats (round-trip exact).
"""
import argparse
import calendar
import json
import math
import os
import sys
import time

import numpy as np
import pandas as pd

WEIGHTED = {"completion", "rank", "efficacy", "minmax", "goalpost", "bands",
            "timeprogress", "manual"}


def load_scheme(path):
    """Flattens the scheme's leaves (pre-order) into a DataFrame, one row per leaf."""
    with open(path, encoding="utf-8") as f:
        scheme = json.load(f)
    if scheme.get("aggregation") != "points":
        sys.exit("score_pandas.py: only points mode is implemented")
    rows = []

    def walk(nodes):
        for n in nodes:
            if "children" in n:
                walk(n["children"])
                continue
            p = n.get("params", {})
            m = n["method"]
            w = float(n.get("weight", math.nan))
            cap_default = (w if not math.isnan(w) else math.inf) if m in ("deduct", "bonus") else 1.0
            rows.append({
                "leaf": n["code"], "method": m, "weight": w,
                "lower": n.get("direction", "higher") == "lower",
                "missing": n.get("missing", "zero"),
                "groups": n.get("groups"),
                "full_at": float(p.get("full_at", 1.0)),
                "cap": float(p.get("cap", cap_default)),
                "min_share": float(p.get("min_share", 0.0)),
                "step": float(p["step"]) if "step" in p else math.nan,
                "base": float(p.get("base", 0.6)),
                "good": float(p["good"]) if "good" in p else math.nan,
                "bad": float(p["bad"]) if "bad" in p else math.nan,
                "lo": float(p.get("lo", math.nan)), "hi": float(p.get("hi", math.nan)),
                "ln": p.get("transform", "none") == "ln",
                "clamp": bool(p.get("clamp", True)),
                "bands": p.get("bands"),
                "per_event": float(p.get("per_event", 1.0)),
                "tp": float(p["tp"]) if "tp" in p else math.nan,
            })
    walk(scheme["indicators"])
    leaves = pd.DataFrame(rows)
    leaves["order"] = np.arange(len(leaves))
    return scheme, leaves


def time_progress(scheme, period):
    """SCORING.md Periods: month basis = last month / 12; day basis = end day / days."""
    year, code = period.split("-")
    year = int(year)
    kind, idx = code[0], int(code[1:]) if len(code) > 1 else 1
    last = {"M": idx, "B": 2 * idx, "Q": 3 * idx, "H": 6 * idx, "Y": 12}[kind]
    if scheme.get("time_basis", "month") == "day":
        days = 366 if calendar.isleap(year) else 365
        end = sum(calendar.monthrange(year, m)[1] for m in range(1, last + 1))
        return end / days
    return last / 12.0



class Layout:
    """What does not change between periods, computed once: the long table of applicable
    (unit, leaf) pairs in units-file x scheme order, an integer key per (leaf, peer group)
    for groupby, boolean masks per method, and the leaf parameters as numpy arrays. This is
    what a pandas user does before a loop over periods: factorize once, not on every call."""

    def __init__(self, scheme, leaves, units):
        self.scheme, self.units = scheme, units
        self.n_unit, self.n_leaf = len(units), len(leaves)
        self.unit_pos = pd.Index(units["unit"])
        self.leaf_pos = pd.Index(leaves["leaf"])
        d = units.reset_index(drop=True).rename_axis("u").reset_index().merge(
            leaves.rename_axis("l").reset_index(), how="cross")
        ok = np.array([g is None or (isinstance(g, list) and grp in g)
                       for g, grp in zip(d["groups"], d["group"])])
        d = d[ok].reset_index(drop=True)
        self.cell = d["u"].to_numpy() * self.n_leaf + d["l"].to_numpy()  # flat matrix index
        self.gkey = pd.factorize(d["l"].astype(str) + "\x1f" + d["group"])[0]
        self.ukey = d["u"].to_numpy()
        self.method = {m: (d["method"] == m).to_numpy() for m in d["method"].unique()}
        for col in ("weight", "full_at", "cap", "min_share", "step", "base", "good", "bad",
                    "lo", "hi", "per_event", "tp"):
            setattr(self, col, d[col].to_numpy(dtype=float))
        self.lower = d["lower"].to_numpy(dtype=bool)
        self.ln = d["ln"].to_numpy(dtype=bool)
        self.clamp = d["clamp"].to_numpy(dtype=bool)
        self.pol_mean = (d["missing"] == "group_mean").to_numpy()
        self.pol_carry = (d["missing"] == "carry").to_numpy()
        self.pol_excl = (d["missing"] == "exclude").to_numpy()
        self.weighted = d["method"].isin(list(WEIGHTED)).to_numpy()
        self.bands = []  # (mask, bands sorted by threshold, lower) per bands leaf
        for leaf in d.loc[d["method"] == "bands", "leaf"].unique():
            sel = (d["leaf"] == leaf).to_numpy()
            self.bands.append((sel, sorted(d.loc[sel, "bands"].iloc[0], key=lambda b: b[0]),
                               bool(d.loc[sel, "lower"].iloc[0])))
        self.group = units["group"].to_numpy()
        self.group_key = pd.factorize(units["group"])[0]

    def read_matrix(self, path, column):
        """unit,indicator,<column> CSV -> dense unit x leaf matrix (flat), NaN = missing."""
        df = pd.read_csv(path, dtype={"unit": str, "indicator": str},
                         usecols=["unit", "indicator", column], keep_default_na=False,
                         na_values=[""])
        u = self.unit_pos.get_indexer(df["unit"])
        l = self.leaf_pos.get_indexer(df["indicator"])
        if (u < 0).any() or (l < 0).any():
            sys.exit(f"score_pandas.py: {path}: unknown unit or indicator")
        a = np.full(self.n_unit * self.n_leaf, np.nan)
        a[u * self.n_leaf + l] = df[column].to_numpy(dtype=float)
        return a


def is_tie(a, b):
    """The engine's one tolerance (score.h, score_values_tie): a and b tie when they differ
    by at most 1e-9 of the larger magnitude."""
    return (a == b) | (np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), np.abs(b)))


def tie_rank(v, key):
    """Competition ranks (1, 2, 2, 4) of v within each key, largest first, NaN unranked,
    ties as the engine makes them (score.c, score_rank_sorted): walking from the best, a
    value joins the current run when it ties with the run's FIRST value (the anchor), so a
    chain a~b~c with a and c apart does not merge. Vectorised; the anchor rule only needs a
    sequential pass over the rare runs where a member ties its neighbour but not the anchor."""
    v = np.asarray(v, dtype=float)
    key = np.asarray(key)
    out = np.full(len(v), np.nan)
    idx = np.nonzero(~np.isnan(v))[0]
    if len(idx) == 0:
        return out
    order = np.lexsort((-v[idx], key[idx]))     # by key, then best first
    sv, sk = v[idx][order], key[idx][order]
    n = len(sv)
    ar = np.arange(n)
    newgrp = np.ones(n, dtype=bool)
    newgrp[1:] = sk[1:] != sk[:-1]
    pos = ar - np.maximum.accumulate(np.where(newgrp, ar, 0))   # 0-based place in group
    start = np.ones(n, dtype=bool)
    start[1:] = newgrp[1:] | ~is_tie(sv[1:], sv[:-1])
    anchor = np.maximum.accumulate(np.where(start, ar, 0))
    for k in np.nonzero(~start & ~is_tie(sv, sv[anchor]))[0]:
        # a chain: re-walk this run from its anchor, sequentially
        a = anchor[k]
        j = a + 1
        while j < n and not start[j]:
            if not is_tie(sv[j], sv[a]):
                start[j] = True
                a = j
            j += 1
        anchor = np.maximum.accumulate(np.where(start, ar, 0))
    out[idx[order]] = pos[anchor] + 1
    return out


def ge_tie(a, b):
    """a >= b, or a and b tie: |a - b| <= 1e-9 max(|a|, |b|): the engine's one tolerance
    (score.h, score_values_tie), which it uses for every threshold test."""
    return (a >= b) | is_tie(a, b)


def score_period(L, values, targets, previous, period):
    """Scores one period from dense matrices (Layout.read_matrix). Returns a DataFrame of
    the units (units-file order) with group, total, rank, grade."""
    scheme = L.scheme
    nan = np.full(len(L.cell), np.nan)
    x = values[L.cell]
    t = targets[L.cell] if targets is not None else nan
    prev = previous[L.cell] if previous is not None else nan

    # Missing-data policy (SCORING.md "Missing values").
    missing = np.isnan(x)
    gmean = pd.Series(x).groupby(L.gkey).transform("mean").to_numpy()  # of present values
    x = np.where(missing & L.pol_mean & ~np.isnan(gmean), gmean, x)
    x = np.where(missing & L.pol_carry & ~np.isnan(prev), prev, x)
    excluded = missing & L.pol_excl
    zeroed = np.isnan(x) & ~excluded                  # scored as zero (MISSING)

    # Group statistics over the units that have a value after imputation.
    gx = pd.Series(x).groupby(L.gkey)
    gmin = gx.transform("min").to_numpy()
    gmax = gx.transform("max").to_numpy()
    n = gx.transform("count").to_numpy()
    rank = tie_rank(np.where(L.lower, -x, x), L.gkey)

    s = np.full(len(x), np.nan)
    lower, M = L.lower, L.method
    none = np.zeros(len(x), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        sel = M.get("completion", none)
        r = np.where(lower, np.where(x <= 0, L.cap, t / x), x / t)
        s[sel] = np.clip(r / L.full_at, 0, L.cap)[sel]
        sel = M.get("rank", none)
        step = np.where(np.isnan(L.step), (1 - L.min_share) / (n - 1), L.step)
        s[sel] = np.where(n == 1, 1.0, np.maximum(L.min_share, 1 - step * (rank - 1)))[sel]
        sel = M.get("efficacy", none)
        good = np.where(np.isnan(L.good), np.where(lower, gmin, gmax), L.good)
        bad = np.where(np.isnan(L.bad), np.where(lower, gmax, gmin), L.bad)
        dd = np.where(good == bad, 1.0, np.clip((x - bad) / (good - bad), 0, 1))
        s[sel] = (L.base + (1 - L.base) * dd)[sel]
        sel = M.get("minmax", none)
        dm = np.where(gmax == gmin, 1.0,
                      np.where(lower, (gmax - x) / (gmax - gmin), (x - gmin) / (gmax - gmin)))
        s[sel] = dm[sel]
        sel = M.get("goalpost", none)
        if sel.any():
            f = lambda v: np.where(L.ln, np.log(np.where(L.ln, v, 1.0)), v)
            dg = (f(x) - f(L.lo)) / (f(L.hi) - f(L.lo))
            dg = np.where(lower, 1 - dg, dg)
            dg = np.where(L.clamp, np.clip(dg, 0, 1), dg)
            s[sel] = dg[sel]
        sel = M.get("timeprogress", none)
        tp = np.where(np.isnan(L.tp), time_progress(scheme, period), L.tp)
        rt = x / t
        s[sel] = np.where(ge_tie(rt, tp), 1.0, np.clip(rt / tp, 0, 1))[sel]
        sel = M.get("manual", none)
        s[sel] = (x / L.weight)[sel]
    for sel, bands, lw in L.bands:
        # higher: the share of the largest threshold <= x; lower: of the smallest >= x
        xs = x[sel]
        out = np.zeros(len(xs))
        done = np.zeros(len(xs), dtype=bool)
        for thr, share in (bands if lw else reversed(bands)):
            hit = ~done & (ge_tie(thr, xs) if lw else ge_tie(xs, thr))
            out[hit] = share
            done |= hit
        s[sel] = out

    # Points and the unit's sums (SCORING.md "Aggregation", points).
    s = np.where(zeroed & L.weighted, 0.0, s)
    use = L.weighted & ~excluded
    amount = np.minimum(L.cap, L.per_event * np.nan_to_num(x))
    xz = np.nan_to_num(x)
    agg = pd.DataFrame({
        "points": np.where(use, L.weight * s, 0.0), "W": np.where(use, L.weight, 0.0),
        "bonus": np.where(M.get("bonus", none), amount, 0.0),
        "deduct": np.where(M.get("deduct", none), amount, 0.0),
        "veto": M.get("veto", none) & (xz > 0), "veto_top": M.get("veto_top", none) & (xz > 0),
    }).groupby(L.ukey).sum().reindex(range(L.n_unit), fill_value=0)
    total_w = float(scheme.get("total", 100))
    W, P = agg["W"].to_numpy(), agg["points"].to_numpy()
    base_pts = np.where(W == 0, 0.0, np.where(W != total_w, P * total_w / W, P))
    u = pd.DataFrame({"unit": L.units["unit"].to_numpy(), "group": L.group,
                      "total": base_pts + agg["bonus"].to_numpy() - agg["deduct"].to_numpy()})
    u["rank"] = tie_rank(u["total"].to_numpy(), L.group_key).astype(int)

    # Grades: the first level whose threshold <= total (null: always); VETO takes the last
    # level; VETO_TOP (without VETO) turns the first level into the second.
    levels = scheme["grades"]["levels"]
    if scheme["grades"].get("by", "score") != "score":
        sys.exit("score_pandas.py: only grades by score are implemented")
    total = u["total"].to_numpy()
    idx = np.full(len(u), len(levels) - 1)
    for i in reversed(range(len(levels))):
        thr = levels[i][0]
        idx = np.where(True if thr is None else ge_tie(total, thr), i, idx)
    vt, vtop = agg["veto"].to_numpy() > 0, agg["veto_top"].to_numpy() > 0
    idx = np.where(vt, len(levels) - 1, np.where(vtop & (idx == 0) & (len(levels) > 1), 1, idx))
    u["grade"] = np.array([lv[1] for lv in levels], dtype=object)[idx]
    return u


def read_units(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return pd.DataFrame({"unit": df["code"], "group": df["peer_group"]})


def write_totals(res, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("unit,total,rank,grade\n")
        for unit, total, rank, grade in zip(res["unit"], res["total"], res["rank"], res["grade"]):
            f.write(f"{unit},{float(total)!r},{rank},{grade}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("--units", "--scheme", "--values", "--targets", "--previous", "--period",
                "--out", "--bench", "--out-dir"):
        ap.add_argument(opt)
    a = ap.parse_args()
    if a.bench:
        t0 = time.perf_counter()
        scheme, leaves = load_scheme(os.path.join(a.bench, "scheme.json"))
        units = read_units(os.path.join(a.bench, "units.csv"))
        L = Layout(scheme, leaves, units)
        targets = L.read_matrix(os.path.join(a.bench, "targets.csv"), "target")
        with open(os.path.join(a.bench, "periods.txt"), encoding="utf-8") as f:
            periods = [line.strip() for line in f if line.strip()]
        values = {p: L.read_matrix(os.path.join(a.bench, f"values-{p}.csv"), "value")
                  for p in periods}
        t1 = time.perf_counter()
        results, prev = {}, None
        for p in periods:
            results[p] = score_period(L, values[p], targets, prev, p)
            prev = values[p]
        t2 = time.perf_counter()
        if a.out_dir:
            os.makedirs(a.out_dir, exist_ok=True)
            for p in periods:
                write_totals(results[p], os.path.join(a.out_dir, f"totals-{p}.csv"))
        t3 = time.perf_counter()
        print(json.dumps({"read_s": t1 - t0, "score_s": t2 - t1, "write_s": t3 - t2,
                          "periods": len(periods), "units": len(units), "leaves": len(leaves)}))
        return
    if not (a.units and a.scheme and a.values and a.period):
        ap.error("--units, --scheme, --values and --period are required (or --bench DIR)")
    scheme, leaves = load_scheme(a.scheme)
    L = Layout(scheme, leaves, read_units(a.units))
    values = L.read_matrix(a.values, "value")
    targets = L.read_matrix(a.targets, "target") if a.targets else None
    previous = L.read_matrix(a.previous, "value") if a.previous else None
    res = score_period(L, values, targets, previous, a.period)
    if a.out:
        write_totals(res, a.out)
    else:
        with pd.option_context("display.max_rows", None, "display.width", 120):
            print(res.to_string(index=False))


if __name__ == "__main__":
    main()

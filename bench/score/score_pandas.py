#!/usr/bin/env python3
"""score_pandas.py: the scoring semantics of ../shared/SCORING.md in pandas, points mode.

What it is for: the other side of the engine benchmark (bench/score/run.sh), an
independent implementation of the same contract written the way a data analyst would
write it in pandas/numpy: one long table of the applicable (unit, indicator) cells per
period, group statistics per (indicator, peer group), the methods as vectorised numpy
expressions. It computes every output the engine computes, so that the timing compares
the same work: each leaf's value (after the missing-data policy), share, points, rank in
its group and flags; each category's value and points; each unit's total, rank, grade
and flags. The benchmark first checks that it and the engine agree on all of them (to
1e-9, ranks, grades and flags exactly), so the timing compares two correct programs. It
also serves as a second opinion on the demo data set (`--units ... --period ...` on one
period prints the totals).

It is meant to be a fair opponent, not a straw man: what does not change between
periods (the cell layout, group keys, method masks, parameters, category membership) is
computed once before the loop, as a pandas user would; group statistics use
np.bincount / ufunc.reduceat on a layout sorted by group (several times faster than
groupby().transform() here, measured); the one sort per period (ranks) is a quicksort of
the values followed by a stable radix sort of small integer group keys, faster than
np.lexsort or groupby().rank(), which also cannot apply the engine's tie tolerance.

What it is not: a replacement for the engine. It implements points mode only (the bench
and demo schemes are points mode), no zscore (index mode only), and it trusts its inputs
(the engine validates; this script assumes a scheme the engine accepted and data
without errors).

Usage:
  score_pandas.py --units U --scheme S --values V [--targets T] [--previous P] --period CODE
                  [--out totals.csv]
  score_pandas.py --bench DIR [--out-dir OUT [--totals-only]] [--repeat N]
      DIR holds units.csv, scheme.json, targets.csv and values-PERIOD.csv for the periods
      listed in DIR/periods.txt (in order; each period's previous is the one before it).
      Scores all periods N times (default 1) and prints one line of timings as JSON:
      {"read_s": ..., "score_s": (the first run), "score_best_s": ..., "write_s": ...}.
      --out-dir writes, per period, totals-PERIOD.csv (as bench_score.c writes it) and,
      unless --totals-only, outputs-PERIOD.npz (every leaf's and category's outputs as
      dense matrices).
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
# Leaf flags, as score.h numbers them.
F_MISSING, F_EXCLUDED, F_IMPUTED, F_CARRIED, F_BEHIND, F_VETO, F_VETO_TOP = (
    1, 2, 4, 8, 16, 32, 64)


def load_scheme(path):
    """Flattens the scheme's leaves (pre-order) into a DataFrame, one row per leaf, with
    the codes of the categories above each leaf (parent first); also returns the list of
    category codes in pre-order (the engine's category order)."""
    with open(path, encoding="utf-8") as f:
        scheme = json.load(f)
    if scheme.get("aggregation") != "points":
        sys.exit("score_pandas.py: only points mode is implemented")
    rows, cats = [], []

    def walk(nodes, above):
        for n in nodes:
            if "children" in n:
                cats.append(n["code"])
                walk(n["children"], [n["code"]] + above)
                continue
            p = n.get("params", {})
            m = n["method"]
            if m == "zscore":
                sys.exit("score_pandas.py: zscore is index mode only")
            w = float(n.get("weight", math.nan))
            cap_default = (w if not math.isnan(w) else math.inf) if m in ("deduct", "bonus") else 1.0
            lower = n.get("direction", "higher") == "lower"
            rows.append({
                "leaf": n["code"], "method": m, "weight": w, "lower": lower,
                # indicator ranks: fewer deduct/veto/veto_top events rank better, more
                # bonus events; every other method follows its direction (SCORING.md)
                "rank_lower": m in ("deduct", "veto", "veto_top") or (m != "bonus" and lower),
                "missing": n.get("missing", "zero"),
                "groups": n.get("groups"), "cats": above,
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
    walk(scheme["indicators"], [])
    leaves = pd.DataFrame(rows)
    leaves["order"] = np.arange(len(leaves))
    return scheme, leaves, cats


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
    (unit, leaf) cells, sorted by (leaf, peer group) so that each group's cells are
    contiguous (for ufunc.reduceat) and in units-file order within it; an integer key per
    (leaf, peer group); boolean masks per method; the leaf parameters as numpy arrays; the
    (unit, category) slot each weighted cell adds into. This is what a pandas user does
    before a loop over periods: factorize once, not on every call."""

    def __init__(self, scheme, leaves, cats, units):
        self.scheme, self.units, self.cats = scheme, units, cats
        self.n_unit, self.n_leaf, self.n_cat = len(units), len(leaves), len(cats)
        self.unit_pos = pd.Index(units["unit"])
        self.leaf_pos = pd.Index(leaves["leaf"])
        self.leaf_codes = leaves["leaf"].to_numpy()
        d = units.reset_index(drop=True).rename_axis("u").reset_index().merge(
            leaves.rename_axis("l").reset_index(), how="cross")
        ok = np.array([g is None or (isinstance(g, list) and grp in g)
                       for g, grp in zip(d["groups"], d["group"])])
        d = d[ok]
        d = d.assign(gname=d["l"].astype(str) + "\x1f" + d["group"])
        d = d.sort_values(["l", "group"], kind="stable").reset_index(drop=True)
        self.u = d["u"].to_numpy()
        self.cell = self.u * self.n_leaf + d["l"].to_numpy()  # flat matrix index
        gkey, _ = pd.factorize(d["gname"])
        self.gkey = gkey.astype(np.int32)
        self.n_gkey = int(gkey.max()) + 1 if len(gkey) else 0
        self.gkey16 = self.gkey.astype(np.int16) if self.n_gkey < 32768 else self.gkey
        self.gstart = np.flatnonzero(np.r_[True, self.gkey[1:] != self.gkey[:-1]])
        self.method = {m: (d["method"] == m).to_numpy() for m in d["method"].unique()}
        for col in ("weight", "full_at", "cap", "min_share", "step", "base", "good", "bad",
                    "lo", "hi", "per_event", "tp"):
            setattr(self, col, d[col].to_numpy(dtype=float))
        self.lower = d["lower"].to_numpy(dtype=bool)
        self.rank_lower = d["rank_lower"].to_numpy(dtype=bool)
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
        # each weighted cell's categories: one (cell, unit * n_cat + category) pair each
        cat_pos = {c: i for i, c in enumerate(cats)}
        pc, pu = [], []
        for i, (above, w) in enumerate(zip(d["cats"], self.weighted)):
            if w:
                for c in above:
                    pc.append(i)
                    pu.append(self.u[i] * self.n_cat + cat_pos[c])
        self.cat_cell = np.array(pc, dtype=np.int64)
        self.cat_slot = np.array(pu, dtype=np.int64)
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


def ge_tie(a, b):
    """a >= b, or a and b tie: the engine's tolerance, which it uses for every threshold
    test."""
    return (a >= b) | is_tie(a, b)


def tie_rank(v, key, key_small):
    """Competition ranks (1, 2, 2, 4) of v within each key, largest first, NaN unranked,
    ties as the engine makes them (score.c, score_rank_sorted): walking from the best, a
    value joins the current run when it ties with the run's FIRST value (the anchor), so a
    chain a~b~c with a and c apart does not merge. One sort (by value, then a stable radix
    sort by the small integer key), the rest vectorised; the anchor rule only needs a
    sequential pass over the rare runs where a member ties its neighbour but not the
    anchor."""
    v = np.asarray(v, dtype=float)
    out = np.full(len(v), np.nan)
    idx = np.flatnonzero(~np.isnan(v))
    if len(idx) == 0:
        return out
    o = idx[np.argsort(-v[idx])]                    # best first
    order = o[np.argsort(key_small[o], kind="stable")]  # then by key, best first within
    sv, sk = v[order], key[order]
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
    out[order] = pos[anchor] + 1
    return out


def score_period(L, values, targets, previous, period):
    """Scores one period from dense matrices (Layout.read_matrix). Returns a dict:
    leaf_value, leaf_share, leaf_points, leaf_rank, leaf_flags (dense unit x leaf, NaN =
    null, rank 0 = null), cat_value, cat_points (dense unit x category), and a DataFrame
    "units" (units-file order) with group, total, rank, grade, flags."""
    scheme = L.scheme
    nan = np.full(len(L.cell), np.nan)
    x0 = values[L.cell]
    t = targets[L.cell] if targets is not None else nan
    prev = previous[L.cell] if previous is not None else nan

    # Missing-data policy (SCORING.md "Missing values"): the group mean of the present
    # values, the previous period's value, exclusion, or zero.
    missing = np.isnan(x0)
    present = (~missing).astype(float)
    gsum = np.bincount(L.gkey, weights=np.where(missing, 0.0, x0), minlength=L.n_gkey)
    gcnt = np.bincount(L.gkey, weights=present, minlength=L.n_gkey)
    with np.errstate(invalid="ignore", divide="ignore"):
        gmean = (gsum / gcnt)[L.gkey]
    imputed = missing & L.pol_mean & (gcnt[L.gkey] > 0)
    carried = missing & L.pol_carry & ~np.isnan(prev)
    x = np.where(imputed, gmean, np.where(carried, prev, x0))
    excluded = missing & L.pol_excl
    valued = ~np.isnan(x)
    zeroed = ~valued & ~excluded                      # scored as zero (MISSING)

    # Group statistics over the units that have a value after imputation.
    n = np.bincount(L.gkey, weights=valued.astype(float), minlength=L.n_gkey)[L.gkey]
    gmin = np.fmin.reduceat(x, L.gstart)[L.gkey]
    gmax = np.fmax.reduceat(x, L.gstart)[L.gkey]
    rank = tie_rank(np.where(L.rank_lower, -x, x), L.gkey, L.gkey16)

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
        dd = np.where(is_tie(good, bad), 1.0, np.clip((x - bad) / (good - bad), 0, 1))
        s[sel] = (L.base + (1 - L.base) * dd)[sel]
        sel = M.get("minmax", none)
        dm = np.where(is_tie(gmax, gmin), 1.0,
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
        on_time = ge_tie(rt, tp)
        s[sel] = np.where(on_time, 1.0, np.clip(rt / tp, 0, 1))[sel]
        behind = sel & valued & ~on_time
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

    # Shares and points (SCORING.md "Aggregation", points, and "Nulls").
    weighted = L.weighted
    share = np.where(weighted & valued, s, np.where(weighted & zeroed, 0.0, np.nan))
    amount = np.minimum(L.cap, L.per_event * np.where(valued, x, 0.0))
    is_deduct, is_bonus = M.get("deduct", none), M.get("bonus", none)
    is_veto, is_veto_top = M.get("veto", none), M.get("veto_top", none)
    points = np.where(weighted, L.weight * share, np.nan)           # excluded: NaN
    points = np.where(is_deduct & ~excluded, np.where(amount == 0, 0.0, -amount), points)
    points = np.where((is_bonus | is_veto | is_veto_top) & ~excluded,
                      np.where(is_bonus, amount, 0.0), points)
    veto = is_veto & valued & (x > 0)
    veto_top = is_veto_top & valued & (x > 0)
    flags = (zeroed * F_MISSING + excluded * F_EXCLUDED + imputed * F_IMPUTED
             + carried * F_CARRIED + behind * F_BEHIND + veto * F_VETO
             + veto_top * F_VETO_TOP)

    # The unit's sums: base (rescaled to the scheme's total), bonus, deduct.
    scored = weighted & ~np.isnan(points)
    nu = L.n_unit
    P = np.bincount(L.u, weights=np.where(scored, points, 0.0), minlength=nu)
    W = np.bincount(L.u, weights=np.where(scored, L.weight, 0.0), minlength=nu)
    bonus = np.bincount(L.u, weights=np.where(is_bonus, amount, 0.0), minlength=nu)
    deduct = np.bincount(L.u, weights=np.where(is_deduct, amount, 0.0), minlength=nu)
    total_w = float(scheme.get("total", 100))
    with np.errstate(divide="ignore", invalid="ignore"):
        base_pts = np.where(W == 0, 0.0, np.where(W != total_w, P * total_w / W, P))
    total = base_pts + bonus - deduct

    # Categories: sums of their weighted leaves' points and weights.
    nslot = nu * L.n_cat
    cp = points[L.cat_cell]
    cs = scored[L.cat_cell]
    cP = np.bincount(L.cat_slot, weights=np.where(cs, cp, 0.0), minlength=nslot)
    cW = np.bincount(L.cat_slot, weights=np.where(cs, L.weight[L.cat_cell], 0.0),
                     minlength=nslot)
    cAny = np.bincount(L.cat_slot, weights=cs.astype(float), minlength=nslot) > 0
    Wu = np.repeat(W, L.n_cat)
    with np.errstate(divide="ignore", invalid="ignore"):
        cat_value = np.where(cAny & (cW > 0), cP / cW, np.nan)
        cat_points = np.where(cAny, np.where(Wu == 0, 0.0,
                                             np.where(Wu != total_w, cP * total_w / Wu, cP)),
                              np.nan)

    # Every leaf of every unit, not applicable ones null.
    size = nu * L.n_leaf
    leaf = {k: np.full(size, np.nan) for k in ("value", "share", "points")}
    leaf["value"][L.cell] = np.where(valued, x, np.nan)
    leaf["share"][L.cell] = share
    leaf["points"][L.cell] = points
    leaf_rank = np.zeros(size, dtype=np.int64)
    leaf_rank[L.cell] = np.nan_to_num(rank).astype(np.int64)
    leaf_flags = np.zeros(size, dtype=np.int64)
    leaf_flags[L.cell] = flags

    u = pd.DataFrame({"unit": L.units["unit"].to_numpy(), "group": L.group, "total": total})
    u["rank"] = tie_rank(total, L.group_key, L.group_key).astype(int)
    unit_veto = np.bincount(L.u, weights=veto.astype(float), minlength=nu) > 0
    unit_veto_top = np.bincount(L.u, weights=veto_top.astype(float), minlength=nu) > 0
    u["flags"] = unit_veto * F_VETO + unit_veto_top * F_VETO_TOP

    # Grades: the first level whose threshold <= total (null: always); VETO takes the last
    # level; VETO_TOP (without VETO) turns the first level into the second.
    levels = scheme["grades"]["levels"]
    if scheme["grades"].get("by", "score") != "score":
        sys.exit("score_pandas.py: only grades by score are implemented")
    idx = np.full(nu, len(levels) - 1)
    for i in reversed(range(len(levels))):
        thr = levels[i][0]
        idx = np.where(True if thr is None else ge_tie(total, thr), i, idx)
    idx = np.where(unit_veto, len(levels) - 1,
                   np.where(unit_veto_top & (idx == 0) & (len(levels) > 1), 1, idx))
    u["grade"] = np.array([lv[1] for lv in levels], dtype=object)[idx]
    return {"units": u, "leaf_value": leaf["value"], "leaf_share": leaf["share"],
            "leaf_points": leaf["points"], "leaf_rank": leaf_rank, "leaf_flags": leaf_flags,
            "cat_value": cat_value, "cat_points": cat_points}


def read_units(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return pd.DataFrame({"unit": df["code"], "group": df["peer_group"]})


def write_totals(res, path):
    u = res["units"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("unit,total,rank,grade,flags\n")
        for unit, total, rank, grade, flags in zip(u["unit"], u["total"], u["rank"], u["grade"],
                                                   u["flags"]):
            f.write(f"{unit},{float(total)!r},{rank},{grade},{flags}\n")


def write_all(L, res, out_dir, period):
    """One period's outputs: totals-PERIOD.csv as bench_score.c writes it, and the dense
    leaf and category matrices (unit-major, scheme order, as the engine's) in
    outputs-PERIOD.npz, which run.sh compares with bench_score.c's leaves- and
    categories-PERIOD.csv (writing 2 million CSV rows from pandas took longer than the
    whole benchmark)."""
    write_totals(res, os.path.join(out_dir, f"totals-{period}.csv"))
    np.savez(os.path.join(out_dir, f"outputs-{period}.npz"),
             **{k: v for k, v in res.items() if k != "units"})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("--units", "--scheme", "--values", "--targets", "--previous", "--period",
                "--out", "--bench", "--out-dir"):
        ap.add_argument(opt)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--totals-only", action="store_true")
    a = ap.parse_args()
    if a.bench:
        t0 = time.perf_counter()
        scheme, leaves, cats = load_scheme(os.path.join(a.bench, "scheme.json"))
        units = read_units(os.path.join(a.bench, "units.csv"))
        L = Layout(scheme, leaves, cats, units)
        targets = L.read_matrix(os.path.join(a.bench, "targets.csv"), "target")
        with open(os.path.join(a.bench, "periods.txt"), encoding="utf-8") as f:
            periods = [line.strip() for line in f if line.strip()]
        values = {p: L.read_matrix(os.path.join(a.bench, f"values-{p}.csv"), "value")
                  for p in periods}
        t1 = time.perf_counter()
        runs = []
        for _ in range(a.repeat):
            ta = time.perf_counter()
            results, prev = {}, None
            for p in periods:
                results[p] = score_period(L, values[p], targets, prev, p)
                prev = values[p]
            runs.append(time.perf_counter() - ta)
        t2 = time.perf_counter()
        if a.out_dir:
            os.makedirs(a.out_dir, exist_ok=True)
            for p in periods:
                if a.totals_only:
                    write_totals(results[p], os.path.join(a.out_dir, f"totals-{p}.csv"))
                else:
                    write_all(L, results[p], a.out_dir, p)
        t3 = time.perf_counter()
        print(json.dumps({"read_s": t1 - t0, "score_s": runs[0], "score_best_s": min(runs),
                          "score_runs_s": runs, "write_s": t3 - t2, "periods": len(periods),
                          "units": len(units), "leaves": len(leaves)}))
        return
    if not (a.units and a.scheme and a.values and a.period):
        ap.error("--units, --scheme, --values and --period are required (or --bench DIR)")
    scheme, leaves, cats = load_scheme(a.scheme)
    L = Layout(scheme, leaves, cats, read_units(a.units))
    values = L.read_matrix(a.values, "value")
    targets = L.read_matrix(a.targets, "target") if a.targets else None
    previous = L.read_matrix(a.previous, "value") if a.previous else None
    res = score_period(L, values, targets, previous, a.period)
    if a.out:
        write_totals(res, a.out)
    else:
        with pd.option_context("display.max_rows", None, "display.width", 120):
            print(res["units"][["unit", "group", "total", "rank", "grade"]].to_string(index=False))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""score_ref.py: an independent reference implementation of ../../../shared/SCORING.md.

It reads the same files as `kaoping score` and prints the same JSON, so that
tests/cli/differential.sh can compare the C engine against it number by number. It is
written for readability, not speed: Python 3 standard library only, one function per
clause, each formula commented with the SCORING.md text it implements ("§Leaf methods",
"§Aggregation", ...). It shares no code with src/score.c and was written without reading it.

    usage: score_ref.py --units U.csv --scheme S.json --values V.csv [--targets T.csv]
                        [--previous P.csv] --period P [--format json]

Exit status: 0 and the JSON on stdout; 1 and one problem per line on stderr for input that
SCORING.md does not cover ("make it a clear validation error rather than a guess"); 2 for a
bad command line.

Choices this file makes where SCORING.md is silent or ambiguous (marked "CHOICE" or
"AMBIGUOUS" below; tests/reference/FINDINGS.md gives both readings of each ambiguity):
  - `accumulate` has no effect here: the values file already holds the figure to score
    (year-to-date for `ytd` leaves); accumulation belongs to the store.
  - A leaf that does not apply to a unit's group is printed with value, share, points and
    rank null and no flags.
  - Leaf flags are printed in the bit order of src/score.h (MISSING, EXCLUDED, IMPUTED,
    CARRIED, BEHIND, VETO, VETO_TOP); the differential test compares them as sets.
  - A missing value scored "as zero" under a non-weighted method (deduct, bonus, veto,
    veto_top) gives points 0 and raises no VETO/VETO_TOP; a missing timeprogress value is
    not flagged BEHIND (there is no r to compare).
  - deduct/bonus `cap` defaults to the leaf's weight when the weight is given, else no cap
    (the engine's resolution, to be recorded in docs/scoring-notes.md).
  - A points-mode category with no applicable weighted leaf has value and points null
    (FINDINGS.md A1).
  - Index mode: a category's default weight sums its weighted children only, not the
    weight (= default cap) of a deduct/bonus child (FINDINGS.md A2).
  - One tolerance, 1e-9 relative (src/score.h; SCORING.md: "compare ... to 1e-9"), for
    every equality and threshold test on computed numbers: ranks, grade thresholds, band
    thresholds, r ≥ tp, and the degenerate cases "max = min", "good = bad", "sd = 0"
    (all values tie), so that a mean that is 12.3 on paper but 12.300000000000002 in
    binary is treated as 12.3 (FINDINGS.md A3, F1).
  - Index mode: a category with nothing left to aggregate has value null and leaves its
    parent's aggregate like an excluded leaf; so does one whose remaining weights sum to
    0, and a points-mode category value Σ points / Σ weights with Σ weights = 0 is null
    (FINDINGS.md A4).
"""
import csv
import json
import math
import sys

TIE_REL = 1e-9  # src/score.h: "Values within 1e-9 (relative) tie."

WEIGHTED = {"completion", "rank", "efficacy", "minmax", "zscore", "goalpost", "bands",
            "timeprogress", "manual"}
NON_WEIGHTED = {"deduct", "bonus", "veto", "veto_top"}
# Flag order of src/score.h (used only for printing; compared as sets).
FLAG_ORDER = ["MISSING", "EXCLUDED", "IMPUTED", "CARRIED", "BEHIND", "VETO", "VETO_TOP"]


class Invalid(Exception):
    """A validation error: input SCORING.md does not cover, or forbids."""


def clamp(v, a, b):
    # §Leaf methods: "clamp(v, a, b) = min(max(v, a), b)".
    return min(max(v, a), b)


def num(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise Invalid("%s must be a number" % what)
    if not math.isfinite(v):
        raise Invalid("%s must be finite" % what)
    return float(v)


# ---------------------------------------------------------------------------------------
# Periods (§Periods)
# ---------------------------------------------------------------------------------------

def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def month_days(y, m):
    return [31, 29 if is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def parse_period(code):
    """§Periods: `2021-M03` (month), `2021-B2` (bimonth: Mar–Apr), `2021-Q1`, `2021-H1`,
    `2021-Y`. Returns (year, last month of the period)."""
    try:
        y_s, rest = code.split("-", 1)
        year = int(y_s)
        if len(y_s) != 4 or not rest:
            raise ValueError
        kind, idx_s = rest[0], rest[1:]
        if kind == "Y":
            if idx_s:
                raise ValueError
            return year, 12
        idx = int(idx_s)
        span, count = {"M": (1, 12), "B": (2, 6), "Q": (3, 4), "H": (6, 2)}[kind]
        if not 1 <= idx <= count:
            raise ValueError
        return year, idx * span  # "The period end is the last day of its last month."
    except (ValueError, KeyError):
        raise Invalid("bad period code %r" % code)


def time_progress(year, last_month, basis):
    """§Leaf methods, timeprogress: tp = month of period end / 12 (`time_basis` month) or
    days elapsed to period end / days in year (day)."""
    if basis == "month":
        return last_month / 12
    days_elapsed = sum(month_days(year, m) for m in range(1, last_month + 1))
    return days_elapsed / (366 if is_leap(year) else 365)


# ---------------------------------------------------------------------------------------
# Scheme (§Files, Scheme)
# ---------------------------------------------------------------------------------------

class Node:
    def __init__(self):
        self.code = None
        self.children = None      # list of Node for a category, None for a leaf
        self.weight = None        # declared weight (None when not given)
        self.aggregate = "arithmetic"
        self.method = None
        self.params = {}
        self.direction = "higher"
        self.missing = "zero"
        self.groups = None        # None = all groups
        self.parent = None

    @property
    def is_leaf(self):
        return self.children is None

    def declared_weight(self):
        """§Aggregation (index): "A category's weight in index mode is its declared weight
        (given, or the sum of its children's declared weights)". AMBIGUOUS (FINDINGS.md
        A2): the `weight` of a deduct/bonus leaf is its default cap, and such a leaf is
        "not a weighted leaf"; this reading leaves it out of the sum, as W leaves it out
        in points mode. (The literal reading would add it.)"""
        if self.is_leaf:
            return self.weight if self.method in WEIGHTED else 0.0
        if self.weight is not None:
            return self.weight
        return sum(c.declared_weight() for c in self.children)


def parse_scheme(doc):
    if not isinstance(doc, dict):
        raise Invalid("scheme must be a JSON object")
    s = {"code": doc.get("code"), "nodes": [], "leaves": [], "cats": []}
    s["aggregation"] = doc.get("aggregation", "points")
    if s["aggregation"] not in ("points", "index"):
        raise Invalid("aggregation must be points or index")
    # "total": points mode: the full score of a group (default 100, src/scheme.h).
    s["total"] = num(doc.get("total", 100), "total")
    # "scale": index mode: total = root value × scale (default 1).
    s["scale"] = num(doc.get("scale", 1), "scale")
    # "time_basis": "month" (default) or "day".
    s["time_basis"] = doc.get("time_basis", "month")
    if s["time_basis"] not in ("month", "day"):
        raise Invalid("time_basis must be month or day")
    # The root: "the scheme's top-level list aggregated arithmetically unless the scheme
    # gives "aggregate" at top level".
    s["top_aggregate"] = doc.get("aggregate", "arithmetic")
    if s["top_aggregate"] not in ("arithmetic", "geometric"):
        raise Invalid("aggregate must be arithmetic or geometric")
    grades = doc.get("grades")
    s["grade_by"], s["levels"] = "score", []
    if grades is not None:
        # `grades.by` is `score` or `share`; SCORING.md gives no default.
        s["grade_by"] = grades.get("by")
        if s["grade_by"] not in ("score", "share"):
            raise Invalid("grades.by must be score or share")
        for lv in grades.get("levels", []):
            if not isinstance(lv, list) or len(lv) != 2:
                raise Invalid("a grade level is [threshold, label]")
            thr = None if lv[0] is None else num(lv[0], "grade threshold")
            s["levels"].append((thr, lv[1]))
    inds = doc.get("indicators")
    if not isinstance(inds, list) or not inds:
        raise Invalid("indicators must be a non-empty list")
    s["top"] = [parse_node(x, None, s) for x in inds]
    codes = [n.code for n in s["nodes"]]
    if len(set(codes)) != len(codes):
        raise Invalid("indicator codes must be unique")
    return s


def parse_node(d, parent, s):
    n = Node()
    n.parent = parent
    n.code = d.get("code")
    if not isinstance(n.code, str) or not n.code:
        raise Invalid("every indicator needs a code")
    if "weight" in d:
        n.weight = num(d["weight"], "indicator %s: weight" % n.code)
        if n.weight < 0:
            raise Invalid("indicator %s: weight must be >= 0" % n.code)
    s["nodes"].append(n)  # pre-order: scheme order of indicators and categories
    if "children" in d:
        # "A node with `children` is a category"; `aggregate` is arithmetic (default)
        # or geometric.
        n.children = []
        n.aggregate = d.get("aggregate", "arithmetic")
        if n.aggregate not in ("arithmetic", "geometric"):
            raise Invalid("category %s: aggregate must be arithmetic or geometric" % n.code)
        s["cats"].append(n)
        if not isinstance(d["children"], list):
            raise Invalid("category %s: children must be a list" % n.code)
        for c in d["children"]:
            n.children.append(parse_node(c, n, s))
        return n
    n.method = d.get("method")
    if n.method not in WEIGHTED | NON_WEIGHTED:
        raise Invalid("indicator %s: unknown method %r" % (n.code, n.method))
    n.direction = d.get("direction", "higher")
    if n.direction not in ("higher", "lower"):
        raise Invalid("indicator %s: direction must be higher or lower" % n.code)
    n.missing = d.get("missing", "zero")
    if n.missing not in ("zero", "exclude", "group_mean", "carry"):
        raise Invalid("indicator %s: bad missing policy" % n.code)
    n.groups = d.get("groups")
    n.params = d.get("params") or {}
    if n.method in WEIGHTED and n.weight is None:
        raise Invalid("indicator %s: a weighted leaf needs a weight" % n.code)
    validate_params(n, s)
    s["leaves"].append(n)
    return n


def validate_params(n, s):
    p, m, code = n.params, n.method, n.code
    for k, v in p.items():
        if k not in ("bands", "transform", "clamp"):
            num(v, "indicator %s: %s" % (code, k))
    if m == "zscore" and s["aggregation"] != "index":
        raise Invalid("indicator %s: zscore is index mode only" % code)
    if m == "timeprogress" and n.direction == "lower":
        raise Invalid("indicator %s: timeprogress with direction lower" % code)
    if m == "completion":
        if p.get("full_at", 1) <= 0:
            raise Invalid("indicator %s: completion needs full_at > 0" % code)
        if p.get("cap", 1) < 0:
            raise Invalid("indicator %s: completion needs cap >= 0" % code)
    if m == "goalpost":
        if "lo" not in p or "hi" not in p or p["lo"] == p["hi"]:
            raise Invalid("indicator %s: goalpost needs lo != hi" % code)
        if p.get("transform", "none") not in ("none", "ln"):
            raise Invalid("indicator %s: transform must be none or ln" % code)
        if p.get("transform") == "ln" and (p["lo"] <= 0 or p["hi"] <= 0):
            raise Invalid("indicator %s: ln goalposts must be > 0" % code)
    if m == "bands":
        b = p.get("bands")
        if not isinstance(b, list) or not b:
            raise Invalid("indicator %s: bands needs [[threshold, share], ...]" % code)
        for e in b:
            if not isinstance(e, list) or len(e) != 2:
                raise Invalid("indicator %s: a band is [threshold, share]" % code)
            num(e[0], "band threshold")
            num(e[1], "band share")
    if m == "manual" and not n.weight:
        raise Invalid("indicator %s: manual needs a weight > 0" % code)


def leaf_applies(leaf, group):
    # §Files: `groups` (absent = all groups).
    return leaf.groups is None or group in leaf.groups


# ---------------------------------------------------------------------------------------
# Files (§Files: Units, Values, Targets, Previous values)
# ---------------------------------------------------------------------------------------

def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def read_matrix(path, column, known_units, known_leaves):
    """Values / targets / previous: header `unit,indicator,<column>`; "optional further
    columns are ignored"; "Empty value = missing"."""
    out = {}
    if path is None:
        return out
    for i, row in enumerate(read_csv(path), start=2):
        u, ind, v = row.get("unit"), row.get("indicator"), (row.get(column) or "").strip()
        if u not in known_units:
            raise Invalid("%s: line %d: unknown unit %r" % (path, i, u))
        if ind not in known_leaves:
            raise Invalid("%s: line %d: unknown indicator %r" % (path, i, ind))
        if v == "":
            continue
        try:
            x = float(v)
        except ValueError:
            raise Invalid("%s: line %d: bad number %r" % (path, i, v))
        if not math.isfinite(x):
            raise Invalid("%s: line %d: bad number %r" % (path, i, v))
        out[(u, ind)] = x
    return out


# ---------------------------------------------------------------------------------------
# Ranks (§Leaf methods: "Ranks are competition ranks (1, 2, 2, 4), best first,
# direction-aware"; §Aggregation, Ranks)
# ---------------------------------------------------------------------------------------

def ties(a, b):
    """|a − b| ≤ 1e-9·max(|a|, |b|): equal up to the tolerance of the contract."""
    return abs(a - b) <= TIE_REL * max(abs(a), abs(b))


def at_most(a, b):
    """a ≤ b, up to the tolerance."""
    return a <= b or ties(a, b)


def competition_ranks(values, lower_is_better):
    """values: {key: number}. Rank = 1 + the number of values strictly better (not tying)."""
    ranks = {}
    for k, x in values.items():
        better = 0
        for k2, y in values.items():
            if k2 == k or ties(x, y):
                continue
            if (y < x) if lower_is_better else (y > x):
                better += 1
        ranks[k] = 1 + better
    return ranks


# ---------------------------------------------------------------------------------------
# Leaf scoring (§Leaf methods, missing values)
# ---------------------------------------------------------------------------------------

def score_leaf(leaf, s, units, values, targets, previous, tp):
    """Returns {unit code: dict(value, share, points, rank, flags, excluded)} for one leaf,
    every unit included (non-applicable ones all null)."""
    code = leaf.code
    res = {}
    groups = {}
    for u in units:
        groups.setdefault(u["peer_group"], []).append(u["code"])

    for g, members in groups.items():
        if not leaf_applies(leaf, g):
            for uc in members:
                res[uc] = dict(value=None, share=None, points=None, rank=None, flags=set(),
                               excluded=False, applies=False)
            continue
        # "group" = units of the same peer group that the leaf applies to and that have
        # a value.
        present = {uc: values[(uc, code)] for uc in members if (uc, code) in values}

        # §Missing values.
        x = {}        # unit -> x after the policy (None: no value)
        flags = {}
        excluded = set()
        for uc in members:
            flags[uc] = set()
            if uc in present:
                x[uc] = present[uc]
                continue
            pol = leaf.missing
            if pol == "exclude":
                # "`exclude` → the leaf is dropped for that unit (its weight leaves the
                # unit's sum), flag `EXCLUDED`"
                x[uc] = None
                excluded.add(uc)
                flags[uc].add("EXCLUDED")
                continue
            if pol == "group_mean" and present:
                # "`group_mean` → x = mean of the group's present values, flag `IMPUTED`"
                x[uc] = math.fsum(present.values()) / len(present)
                flags[uc].add("IMPUTED")
                continue
            if pol == "carry" and (uc, code) in previous:
                # "`carry` → x = the previous period's value, flag `CARRIED`"
                x[uc] = previous[(uc, code)]
                flags[uc].add("CARRIED")
                continue
            # "`zero` → s = 0, flag `MISSING`"; group_mean with "no present value in the
            # group → as `zero`"; carry "or as `zero` when there is none".
            x[uc] = None
            flags[uc].add("MISSING")

        # "Group-relative methods (rank, efficacy, minmax, zscore) compute their statistics
        # over the units that have a value after imputation."
        have = {uc: v for uc, v in x.items() if v is not None}
        n = len(have)
        lower = leaf.direction == "lower"
        # Leaf ranks (src/score.h): direction-aware among the group units that have a value
        # after imputation; deduct/veto/veto_top: fewer events rank better; bonus: more.
        if leaf.method in ("deduct", "veto", "veto_top"):
            rank_lower = True
        elif leaf.method == "bonus":
            rank_lower = False
        else:
            rank_lower = lower
        ranks = competition_ranks(have, rank_lower)

        stats = {}
        if n:
            vals = list(have.values())
            stats["min"], stats["max"] = min(vals), max(vals)
            stats["mean"] = math.fsum(vals) / n
            if n >= 2:
                stats["sd"] = math.sqrt(
                    math.fsum((v - stats["mean"]) ** 2 for v in vals) / (n - 1))

        for uc in members:
            r = dict(value=x[uc], share=None, points=None, rank=ranks.get(uc),
                     flags=flags[uc], excluded=uc in excluded, applies=True)
            res[uc] = r
            if uc in excluded:
                # "an excluded leaf has `share` and `points` null"
                continue
            if x[uc] is None:
                # Missing, scored as zero: "s = 0". CHOICE for non-weighted methods:
                # no events counted, points 0.
                if leaf.method in WEIGHTED:
                    r["share"] = 0.0
                    r["points"] = 0.0 if s["aggregation"] == "points" else None
                else:
                    r["points"] = 0.0 if s["aggregation"] == "points" else None
                    r["amount"] = 0.0
                continue
            compute_method(leaf, s, uc, x[uc], targets, tp, n, ranks.get(uc), stats, r)
    return res


def compute_method(leaf, s, uc, x, targets, tp, n, rank, stats, r):
    m, p, w, code = leaf.method, leaf.params, leaf.weight, leaf.code
    lower = leaf.direction == "lower"
    share = None

    if m == "completion":
        # `full_at` (1), `cap` (1).
        full_at, cap = float(p.get("full_at", 1)), float(p.get("cap", 1))
        t = targets.get((uc, code))
        if t is None or t <= 0:
            # "t must be > 0"
            raise Invalid("indicator %s, unit %s: completion needs a target > 0" % (code, uc))
        if not lower:
            ratio = x / t                        # "higher: r = x/t"
        elif x <= 0:
            ratio = cap                          # "r = cap when x ≤ 0"
        else:
            ratio = t / x                        # "lower: r = t/x"
        share = clamp(ratio / full_at, 0.0, cap)  # "s = clamp(r/full_at, 0, cap)"

    elif m == "rank":
        # "n = group size; n = 1 → s = 1; step defaults to (1 − min_share)/(n − 1);
        #  s = max(min_share, 1 − step·(rank − 1))"
        min_share = float(p.get("min_share", 0))
        if n == 1:
            share = 1.0
        else:
            step = float(p["step"]) if "step" in p else (1 - min_share) / (n - 1)
            share = max(min_share, 1 - step * (rank - 1))

    elif m == "efficacy":
        # `base` (0.6), `good`, `bad` (group best/worst); "For `lower`, best = min and
        # worst = max".
        base = float(p.get("base", 0.6))
        best = stats["min"] if lower else stats["max"]
        worst = stats["max"] if lower else stats["min"]
        good = float(p["good"]) if "good" in p else best
        bad = float(p["bad"]) if "bad" in p else worst
        if ties(good, bad):
            d = 1.0                              # "d = 1 when good = bad"
        else:
            d = clamp((x - bad) / (good - bad), 0.0, 1.0)  # "d = (x − bad)/(good − bad),
            #                                                   clamped to [0, 1]"
        share = base + (1 - base) * d            # "s = base + (1 − base)·d"

    elif m == "minmax":
        lo, hi = stats["min"], stats["max"]
        if ties(hi, lo):
            share = 1.0                          # "max = min → 1"
        elif not lower:
            share = (x - lo) / (hi - lo)         # "higher: d = (x − min)/(max − min)"
        else:
            share = (hi - x) / (hi - lo)         # "lower: (max − x)/(max − min)"

    elif m == "zscore":
        # "z = (x − mean)/sd with the sample standard deviation (n − 1) ...; lower: −z;
        #  n < 2 or sd = 0 → 0"
        if n < 2 or stats["sd"] == 0 or ties(stats["max"], stats["min"]):
            share = 0.0                          # sd = 0 ⇔ all values tie
        else:
            z = (x - stats["mean"]) / stats["sd"]
            share = -z if lower else z

    elif m == "goalpost":
        # "d = (f(x) − f(lo))/(f(hi) − f(lo)); lower: 1 − d; clamped to [0, 1] unless
        #  clamp is false"
        lo, hi = float(p["lo"]), float(p["hi"])
        if p.get("transform", "none") == "ln":
            if x <= 0:
                raise Invalid("indicator %s, unit %s: ln of a value <= 0" % (code, uc))
            f = math.log
        else:
            def f(v):
                return v
        d = (f(x) - f(lo)) / (f(hi) - f(lo))
        if lower:
            d = 1 - d
        if p.get("clamp", True):
            d = clamp(d, 0.0, 1.0)
        share = d

    elif m == "bands":
        # "higher: share of the largest threshold ≤ x; lower: of the smallest threshold
        #  ≥ x; none met → 0"
        bands = [(float(t), float(sh)) for t, sh in p["bands"]]
        if not lower:
            met = [b for b in bands if at_most(b[0], x)]
            share = max(met)[1] if met else 0.0
        else:
            met = [b for b in bands if at_most(x, b[0])]
            share = min(met)[1] if met else 0.0

    elif m == "timeprogress":
        # "r = x/t with x year-to-date; s = 1 if r ≥ tp else clamp(r/tp, 0, 1); flag
        #  `BEHIND` when r < tp"
        t = targets.get((uc, code))
        if t is None or t <= 0:
            raise Invalid("indicator %s, unit %s: timeprogress needs a target > 0" % (code, uc))
        tpv = float(p["tp"]) if "tp" in p else tp
        ratio = x / t
        if at_most(tpv, ratio):
            share = 1.0
        else:
            share = clamp(ratio / tpv, 0.0, 1.0)
            r["flags"].add("BEHIND")

    elif m == "manual":
        # "x is the points given, 0 ≤ x ≤ w (else a validation error); s = x/w"
        if not 0 <= x <= w:
            raise Invalid("indicator %s, unit %s: manual value %r outside [0, %r]"
                          % (code, uc, x, w))
        share = x / w

    elif m in ("deduct", "bonus"):
        # "`per_event` (1), `cap` (w); points = ∓min(cap, per_event·x)"; the cap defaults
        # to the weight when one is given, else no cap (docs/scoring-notes.md).
        per_event = float(p.get("per_event", 1))
        cap = float(p["cap"]) if "cap" in p else w
        amount = per_event * x
        if cap is not None:
            amount = min(cap, amount)
        r["amount"] = amount + 0.0
        pts = -amount if m == "deduct" else amount
        # "in index mode every leaf's and category's `points` is null"
        r["points"] = (pts + 0.0) if s["aggregation"] == "points" else None
        return

    elif m in ("veto", "veto_top"):
        # "x > 0 → flag `VETO` / `VETO_TOP`; points 0"
        if x > 0:
            r["flags"].add("VETO" if m == "veto" else "VETO_TOP")
        r["points"] = 0.0 if s["aggregation"] == "points" else None
        return

    r["share"] = share
    # "a weighted leaf earns points = w·s" (points mode only).
    r["points"] = w * share if s["aggregation"] == "points" else None


# ---------------------------------------------------------------------------------------
# Aggregation (§Aggregation)
# ---------------------------------------------------------------------------------------

def weighted_leaves_under(node):
    if node.is_leaf:
        return [node] if node.method in WEIGHTED else []
    out = []
    for c in node.children:
        out.extend(weighted_leaves_under(c))
    return out


def bonus_deduct(s, leaf_res):
    """Σ bonus and Σ deduct (both as positive amounts) over the unit's applicable leaves."""
    bonus = deduct = 0.0
    for leaf in s["leaves"]:
        r = leaf_res[leaf.code]
        if not r["applies"] or r["excluded"]:
            continue
        if leaf.method == "bonus":
            bonus += r.get("amount", 0.0)
        elif leaf.method == "deduct":
            deduct += r.get("amount", 0.0)
    return bonus, deduct


def aggregate_points(s, leaf_res):
    """§Aggregation, points. Returns (total, {category code: (value, points)})."""
    def counted(leaf):
        r = leaf_res[leaf.code]
        return r["applies"] and not r["excluded"]
    applicable = [lf for lf in s["leaves"] if lf.method in WEIGHTED and counted(lf)]
    # "A unit's base = Σ points over its applicable weighted leaves; W = Σ of their
    #  weights"
    base = math.fsum(leaf_res[lf.code]["points"] for lf in applicable)
    W = math.fsum(lf.weight for lf in applicable)
    T = s["total"]
    if W == 0:
        base = 0.0                                   # "W = 0 → base = 0"
    elif W != T:
        base = base * T / W                          # "when W ≠ total, base = base·total/W"
    bonus, deduct = bonus_deduct(s, leaf_res)
    total = base + bonus - deduct                    # "total = base + Σ bonus − Σ deduct"
    cats = {}
    for c in s["cats"]:
        ls = [lf for lf in weighted_leaves_under(c) if counted(lf)]
        sp = math.fsum(leaf_res[lf.code]["points"] for lf in ls)
        sw = math.fsum(lf.weight for lf in ls)
        # "A category's `points` = Σ of its weighted leaves' points × total/W ... and its
        # `value` = Σ of their points / Σ of their weights (null when none applies)".
        # AMBIGUOUS (FINDINGS.md A1): this reading takes "(null when none applies)" for
        # the category as a whole, so points is null too when none of its weighted leaves
        # applies (the other reading: Σ over nothing = 0).
        # A category whose applicable leaves all weigh 0 has value 0/0: null (FINDINGS.md
        # A4).
        if not ls:
            val = pts = None
        else:
            pts = sp * T / W if W != 0 else 0.0
            val = sp / sw if sw != 0 else None
        cats[c.code] = (val, pts)
    return total, cats


def aggregate_index(s, leaf_res):
    """§Aggregation, index. Returns (total, {category code: (value, None)})."""
    cats = {}

    def value_of(node):
        if node.is_leaf:
            r = leaf_res[node.code]
            # "A leaf's value is its share s"; "Excluded leaves leave the aggregate";
            # non-weighted leaves (deduct, bonus, veto, veto_top) have no share.
            if node.method not in WEIGHTED or not r["applies"] or r["excluded"]:
                return None
            return r["share"]
        v = combine(node.children, node.aggregate)
        cats[node.code] = (v, None)   # "in index mode every ... category's `points` is null"
        return v

    def combine(children, how):
        items = []
        for c in children:
            v = value_of(c)
            if v is not None:
                # "a category's weight is the one it gives, else the sum of its
                #  children's"; exclusions change its value, not its weight.
                items.append((c.declared_weight(), v))
        sw = math.fsum(w for w, _ in items)
        if not items or sw == 0:
            return None                    # nothing (of any weight) to aggregate: A4
        if how == "arithmetic":
            # "arithmetic Σ wᵢvᵢ / Σ wᵢ"
            return math.fsum(w * v for w, v in items) / sw
        # "geometric Π vᵢ^(wᵢ/Σw) (any vᵢ ≤ 0 → 0)"
        if any(v <= 0 for _, v in items):
            return 0.0
        prod = 1.0
        for w, v in items:
            prod *= v ** (w / sw)
        return prod

    # "the root is the scheme's top-level list aggregated arithmetically unless the scheme
    #  gives "aggregate" at top level"
    root = combine(s["top"], s["top_aggregate"])
    bonus, deduct = bonus_deduct(s, leaf_res)
    # "total = root value × scale + Σ bonus − Σ deduct"; "A unit with nothing left to
    #  aggregate has total 0 (plus bonus − deduct)".
    total = (root if root is not None else 0.0) * s["scale"] + bonus - deduct
    return total, cats


# ---------------------------------------------------------------------------------------
# Ranks and grades (§Aggregation, Ranks / Grades)
# ---------------------------------------------------------------------------------------

def grade_index(s, total, rank, n, unit_flags):
    levels = s["levels"]
    if not levels:
        return None
    gi = None
    for i, (thr, _label) in enumerate(levels):
        if s["grade_by"] == "score":
            # "`score` (first level whose threshold ≤ total; `null` = no threshold)"
            ok = thr is None or at_most(thr, total)
        else:
            # "`share` (... a unit ranked r of n takes the first level whose threshold
            #  ≥ r/n)"
            ok = thr is None or at_most(rank / n, thr)
        if ok:
            gi = i
            break
    # "a unit with `VETO` takes the last level; a unit with `VETO_TOP` (and no `VETO`) that
    #  would take the first level takes the second instead."
    if "VETO" in unit_flags:
        gi = len(levels) - 1
    elif "VETO_TOP" in unit_flags and gi == 0 and len(levels) > 1:
        gi = 1
    return gi


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------

def score(args):
    with open(args["--scheme"], encoding="utf-8-sig") as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            raise Invalid("%s: %s" % (args["--scheme"], e))
    s = parse_scheme(doc)
    year, last_month = parse_period(args["--period"])
    period_code = canonical_period(args["--period"])
    tp = time_progress(year, last_month, s["time_basis"])

    units = read_csv(args["--units"])
    for u in units:
        if not u.get("code") or u.get("peer_group") is None:
            raise Invalid("units: every row needs code and peer_group")
    ucodes = {u["code"] for u in units}
    if len(ucodes) != len(units):
        raise Invalid("units: duplicate unit code")
    lcodes = {lf.code for lf in s["leaves"]}
    values = read_matrix(args["--values"], "value", ucodes, lcodes)
    targets = read_matrix(args.get("--targets"), "target", ucodes, lcodes)
    previous = read_matrix(args.get("--previous"), "value", ucodes, lcodes)

    by_leaf = {lf.code: score_leaf(lf, s, units, values, targets, previous, tp)
               for lf in s["leaves"]}

    out_units = []
    for u in units:
        uc = u["code"]
        leaf_res = {lf.code: by_leaf[lf.code][uc] for lf in s["leaves"]}
        if s["aggregation"] == "points":
            total, cats = aggregate_points(s, leaf_res)
        else:
            total, cats = aggregate_index(s, leaf_res)
        # "A unit's `flags` list each of `VETO` and `VETO_TOP` that any of its leaves
        #  raised."
        uflags = set()
        for r in leaf_res.values():
            uflags |= r["flags"] & {"VETO", "VETO_TOP"}
        out_units.append(dict(code=uc, group=u["peer_group"], total=total + 0.0,
                              flags=uflags, leaf_res=leaf_res, cats=cats))

    # "Ranks: units by total within their peer group, descending, competition ranking, no
    #  tie-break."
    for g in {u["group"] for u in out_units}:
        members = [u for u in out_units if u["group"] == g]
        ranks = competition_ranks({u["code"]: u["total"] for u in members}, False)
        for u in members:
            u["rank"] = ranks[u["code"]]
            gi = grade_index(s, u["total"], u["rank"], len(members), u["flags"])
            u["grade"] = None if gi is None else s["levels"][gi][1]

    def flag_list(fl):
        return [f for f in FLAG_ORDER if f in fl]

    # §Output: units in the order of the units file; indicators in scheme order.
    result = {"scheme": s["code"], "period": period_code, "units": []}
    for u in out_units:
        result["units"].append({
            "code": u["code"], "group": u["group"], "total": u["total"],
            "rank": u["rank"], "grade": u["grade"], "flags": flag_list(u["flags"]),
            "indicators": [{
                "code": lf.code,
                "value": u["leaf_res"][lf.code]["value"],
                "share": u["leaf_res"][lf.code]["share"],
                "points": u["leaf_res"][lf.code]["points"],
                "rank": u["leaf_res"][lf.code]["rank"],
                "flags": flag_list(u["leaf_res"][lf.code]["flags"]),
            } for lf in s["leaves"]],
            "categories": [{"code": c.code, "value": u["cats"].get(c.code, (None, None))[0],
                            "points": u["cats"].get(c.code, (None, None))[1]}
                           for c in s["cats"]],
        })
    return result


def canonical_period(code):
    y, rest = code.split("-", 1)
    if rest[0] == "M":
        return "%s-M%02d" % (y, int(rest[1:]))
    if rest[0] == "Y":
        return "%s-Y" % y
    return "%s-%s%d" % (y, rest[0], int(rest[1:]))


def main(argv):
    args, i = {}, 0
    known = {"--units", "--scheme", "--values", "--targets", "--previous", "--period",
             "--format"}
    while i < len(argv):
        if argv[i] not in known or i + 1 >= len(argv):
            print("usage: score_ref.py --units U.csv --scheme S.json --values V.csv "
                  "[--targets T.csv] [--previous P.csv] --period P [--format json]",
                  file=sys.stderr)
            return 2
        args[argv[i]] = argv[i + 1]
        i += 2
    for k in ("--units", "--scheme", "--values", "--period"):
        if k not in args:
            print("score_ref.py: %s is required" % k, file=sys.stderr)
            return 2
    if args.get("--format", "json") != "json":
        print("score_ref.py: only --format json", file=sys.stderr)
        return 2
    try:
        result = score(args)
    except Invalid as e:
        print("score_ref.py: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("score_ref.py: %s" % e, file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

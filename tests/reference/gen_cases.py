#!/usr/bin/env python3
"""gen_cases.py: seeded random scoring cases for the differential test (SCORING.md).

    usage: gen_cases.py SEED OUTDIR            one case into OUTDIR
           gen_cases.py --seeds A-B ROOT       cases A..B into ROOT/A, ROOT/A+1, ...

A case is the input of `kaoping score`: units.csv, scheme.json, values.csv, and when the
case needs them targets.csv and previous.csv; plus `args`, the command-line options after
`score` (one per line), and `about.txt`, a one-line summary. The same seed always gives
the same files (random.Random(seed), no other source of randomness).

What the cases cover: points and index aggregation; categories nested up to depth 3 with
arithmetic and geometric aggregation and given or derived weights (index mode); every
method with random valid params and both directions where allowed; a few weight-0 leaves;
every missing-data policy; `groups` restrictions; grades by score and by share, with and
without a null last level; veto and veto_top; deduct and bonus with and without caps and
weights; time_basis month and day; every period kind, leap and non-leap years; 1-4 peer
groups, often one of a single unit; values with deliberate ties (and whole units cloned,
so totals tie), missing cells (empty or absent rows), zeros and negatives where the method
allows them; targets > 0 for completion and timeprogress; previous values for carry;
manual values within [0, w]; whole groups whose values are all equal but not exact in binary (12.3, 99.9, ...), so that
imputed means differ from them by an ulp.

Cases are valid input for both SCORING.md and the engine's stricter validation: the
scheme's year is the period's; timeprogress leaves are `accumulate: "ytd"` and never
`lower`; manual is never `lower`; zscore appears only in index mode and never anywhere
under a geometric aggregate; `grades.by` is always given, with at least two levels;
band thresholds are distinct; deduct/bonus counts are >= 0; categories carry a weight
only in index mode; points-mode `total` is > 0. (FINDINGS.md lists these rules.)
"""
import json
import os
import random
import sys

GROUP_NAMES = ["县市", "城区", "园区", "G4"]
LEVEL_LABELS = ["优秀", "良好", "一般", "较差", "差"]
WEIGHTED_POINTS = ["completion", "rank", "efficacy", "minmax", "goalpost", "bands",
                   "timeprogress", "manual"]
NON_WEIGHTED = ["deduct", "bonus", "veto", "veto_top"]


def r2(x, nd=2):
    v = round(x, nd)
    return 0.0 if v == 0 else v


class Gen:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)
        self.leaves = []
        self.ncode = 0

    def chance(self, p):
        return self.rng.random() < p

    # -- units ------------------------------------------------------------------------
    def make_units(self):
        rng = self.rng
        ngroups = rng.choice([1, 2, 2, 3, 3, 4])
        names = GROUP_NAMES[:]
        rng.shuffle(names)
        names = names[:ngroups]
        sizes = [rng.randint(2, 7) for _ in names]
        if ngroups >= 2 and self.chance(0.6):
            sizes[rng.randrange(ngroups)] = 1          # a group of one unit
        if ngroups == 1 and self.chance(0.05):
            sizes[0] = 1
        units = []
        for g, n in zip(names, sizes):
            for _ in range(n):
                units.append({"group": g})
        rng.shuffle(units)                           # groups interleaved in the file
        for i, u in enumerate(units):
            u["code"] = "U%02d" % (i + 1)
            u["name"] = "单位%d" % (i + 1)
            u["kind"] = rng.choice(["county", "district", "park"])
        self.groups = names
        self.units = units

    # -- scheme -----------------------------------------------------------------------
    def code(self, prefix):
        self.ncode += 1
        return "%s%d" % (prefix, self.ncode)

    def make_scheme(self):
        rng = self.rng
        self.mode = rng.choice(["points", "index"])
        doc = {"code": "S%d" % self.seed, "name": "随机方案 %d" % self.seed,
               "year": self.year, "aggregation": self.mode}
        if self.mode == "index":
            top_agg = rng.choice([None, None, "arithmetic", "geometric"])
            if top_agg:
                doc["aggregate"] = top_agg
            self.top_geometric = top_agg == "geometric"
            sc = rng.choice([None, 1, 100, 10])
            if sc is not None:
                doc["scale"] = sc
            self.scale = sc or 1
        else:
            self.top_geometric = False
            if self.chance(0.1):
                doc["aggregate"] = "arithmetic"    # meaningless in points mode, allowed
        tb = rng.choice([None, "month", "day", "day"])
        if tb:
            doc["time_basis"] = tb
        ntop = rng.randint(1, 4)
        doc["indicators"] = [self.make_node(1, self.top_geometric) for _ in range(ntop)]
        if not any(lf["method"] in WEIGHTED_POINTS + ["zscore"] for lf in self.leaves):
            doc["indicators"].append(self.make_leaf(self.top_geometric, force_weighted=True))
        if self.mode == "points":
            wsum = sum(lf["weight"] for lf in self.leaves if lf["method"] in WEIGHTED_POINTS)
            t = rng.choice([None, 100, 100, "sum", 50, 120, 1000])
            if t == "sum":
                t = wsum if wsum > 0 else 100         # W = total for fully-covered units
            if t is not None:
                doc["total"] = t
            self.total = t if t is not None else 100
        g = self.make_grades()
        if g is not None:
            doc["grades"] = g
        self.doc = doc

    def make_node(self, depth, parent_geometric):
        if depth <= 3 and self.chance(0.55 if depth == 1 else 0.35):
            return self.make_category(depth, parent_geometric)
        return self.make_leaf(parent_geometric)

    def make_category(self, depth, parent_geometric):
        rng = self.rng
        c = {"code": self.code("C"), "name": "类别"}
        geometric = False
        if self.mode == "index" or self.chance(0.1):
            agg = rng.choice([None, "arithmetic", "geometric"])
            if agg:
                c["aggregate"] = agg
            geometric = agg == "geometric" and self.mode == "index"
        geometric = geometric or parent_geometric     # "under" = anywhere above
        if self.mode == "index" and self.chance(0.4):
            c["weight"] = rng.choice([1, 2, 3, 0.5, 1.5, 5])
        c["children"] = [self.make_node(depth + 1, geometric)
                         for _ in range(rng.randint(1, 4))]
        return c

    def make_leaf(self, parent_geometric, force_weighted=False):
        rng = self.rng
        methods = list(WEIGHTED_POINTS)
        if self.mode == "index" and not parent_geometric:
            methods += ["zscore", "zscore"]
        if not force_weighted and self.chance(0.22):
            method = rng.choice(NON_WEIGHTED)
        else:
            method = rng.choice(methods)
        lf = {"code": self.code("L"), "name": "指标", "unit": "%", "method": method}
        # direction: timeprogress is never lower (SCORING.md), nor manual (the engine
        # rejects it: the value is the points given); deduct/bonus/veto/veto_top ignore
        # it (fewer events rank better, bonus more).
        if method in ("timeprogress", "manual"):
            if self.chance(0.3):
                lf["direction"] = "higher"
        elif method in NON_WEIGHTED:
            if self.chance(0.25):
                lf["direction"] = rng.choice(["higher", "lower"])
        else:
            d = rng.choice([None, "higher", "lower", "lower"])
            if d:
                lf["direction"] = d
        lower = lf.get("direction") == "lower"
        if method in NON_WEIGHTED:
            if method in ("deduct", "bonus") and self.chance(0.5):
                lf["weight"] = rng.choice([1, 2, 3, 5])
        else:
            lf["weight"] = rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 2.5, 1.5, 0.5])
            if method != "manual" and self.chance(0.03):
                lf["weight"] = 0                      # "weight (≥ 0)"
        lf["params"] = self.make_params(method, lower, lf.get("weight"))
        if not lf["params"] and self.chance(0.5):
            del lf["params"]
        if method == "timeprogress":
            lf["accumulate"] = "ytd"                  # x is year-to-date
        elif self.chance(0.4):
            lf["accumulate"] = rng.choice(["period", "ytd"])
        miss = rng.choice([None, "zero", "exclude", "group_mean", "carry"])
        if miss:
            lf["missing"] = miss
        if len(self.groups) > 1 and self.chance(0.35):
            k = rng.randint(1, len(self.groups))
            lf["groups"] = sorted(rng.sample(self.groups, k))
        if self.chance(0.3):
            lf["source"] = "市统计局"
        self.leaves.append(lf)
        return lf

    def make_params(self, m, lower, w):
        rng, p = self.rng, {}
        if m == "completion":
            if self.chance(0.3):
                p["full_at"] = rng.choice([0.8, 1, 1.2, 0.9])
            if self.chance(0.5):
                p["cap"] = rng.choice([1, 1.2, 1.5, 0.9, 2])
        elif m == "rank":
            if self.chance(0.6):
                p["min_share"] = rng.choice([0, 0.3, 0.6, 0.5])
            if self.chance(0.3):
                p["step"] = rng.choice([0.1, 0.15, 0.25, 0.05])
        elif m == "efficacy":
            if self.chance(0.5):
                p["base"] = rng.choice([0.6, 0.5, 0.7, 0, 0.8])
            hi, lo = rng.choice([(20, 0), (15, 2), (30, -5), (12.5, 5.5)])
            if self.chance(0.3):
                p["good"] = lo if lower else hi
            if self.chance(0.3):
                p["bad"] = hi if lower else lo
        elif m == "goalpost":
            if self.chance(0.3):
                lo = rng.choice([1, 10, 100, 0.5])
                hi = lo * rng.choice([10, 50, 750])
                p["transform"] = "ln"
            else:
                lo = rng.choice([0, 20, -5, 50, 70])
                hi = lo + rng.choice([10, 25, 65, 100])
                if self.chance(0.2):
                    p["transform"] = "none"
            p["lo"], p["hi"] = lo, hi
            if self.chance(0.25):
                p["clamp"] = False
            elif self.chance(0.2):
                p["clamp"] = True
        elif m == "bands":
            n = rng.randint(1, 4)
            ths = sorted(rng.sample(range(0, 12), n))
            shares = sorted((rng.choice([0.2, 0.4, 0.5, 0.6, 0.8, 1]) for _ in ths),
                            reverse=lower)
            if not lower:
                shares = sorted(shares)
            bands = [[t, s] for t, s in zip(ths, shares)]
            if self.chance(0.3):
                rng.shuffle(bands)                    # given in any order
            p["bands"] = bands
        elif m == "timeprogress":
            if self.chance(0.2):
                p["tp"] = rng.choice([0.5, 0.25, 0.75, 0.6])
        elif m in ("deduct", "bonus"):
            if self.chance(0.6):
                p["per_event"] = rng.choice([0.5, 1, 2, 0.25])
            if self.chance(0.4):
                p["cap"] = rng.choice([1, 2, 3, 5, 0.5])
        return p

    def make_grades(self):
        rng = self.rng
        if self.chance(0.1):
            return None
        n = rng.randint(2, 4)
        labels = LEVEL_LABELS[:n + 1]
        null_last = self.chance(0.75)
        if self.chance(0.5):
            by = "score"
            full = self.total if self.mode == "points" else self.scale
            fr = sorted(rng.sample([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.3], n), reverse=True)
            ths = [r2(f * full * rng.uniform(0.97, 1.0), 3) for f in fr]
        else:
            by = "share"
            ths = sorted(rng.sample([0.1, 0.2, 0.25, 0.3, 0.5, 0.6, 0.75, 0.8, 1.0], n))
        levels = [[t, labels[i]] for i, t in enumerate(ths)]
        if null_last:
            levels.append([None, labels[n]])
        return {"by": by, "levels": levels}

    # -- period -----------------------------------------------------------------------
    def make_period(self):
        rng = self.rng
        year = rng.choice([2019, 2020, 2021, 2021, 2022, 2023, 2024, 2000, 2100])
        self.year = year
        kind = rng.choice("MBQHY")
        if kind == "M":
            self.period = "%d-M%02d" % (year, rng.randint(1, 12))
        elif kind == "Y":
            self.period = "%d-Y" % year
        else:
            self.period = "%d-%s%d" % (year, kind, rng.randint(1, {"B": 6, "Q": 4, "H": 2}[kind]))

    # -- values -----------------------------------------------------------------------
    def value_for(self, lf, target):
        """One random value for a leaf (may be tied/zero/negative where allowed)."""
        rng, m, p = self.rng, lf["method"], lf.get("params", {})
        if m in ("rank", "efficacy", "minmax"):
            return rng.choice([r2(rng.uniform(-10, 25), 2), r2(rng.uniform(0, 100), 1),
                               0.0, float(rng.randint(-3, 15))])
        if m == "zscore":
            return rng.randint(-40, 100) / 4
        if m == "completion":
            u = rng.choice([rng.uniform(0, 1.6), rng.uniform(0, 1.6), 1.0, 0.0, -0.1,
                            p.get("full_at", 1)])
            return r2(target * u, 2)
        if m == "timeprogress":
            u = rng.choice([rng.uniform(0, 1.2), rng.uniform(0.3, 0.8), 0.5, 0.0])
            return r2(target * u, 2)
        if m == "goalpost":
            lo, hi = p["lo"], p["hi"]
            if p.get("transform") == "ln":
                v = lo * (hi / lo) ** rng.uniform(-0.2, 1.2)
                return max(r2(v, 2), 0.01)
            return r2(lo + (hi - lo) * rng.uniform(-0.2, 1.2), 2)
        if m == "bands":
            return rng.choice([float(rng.randint(-1, 12)), r2(rng.uniform(-1, 12), 1)])
        if m == "manual":
            w = lf["weight"]
            return rng.choice([0.0, w, r2(w * rng.random(), 2), w / 2])
        if m in ("deduct", "bonus"):
            return float(rng.choice([0, 0, 1, 1, 2, 3, 5, 8]))
        if m in ("veto", "veto_top"):
            return float(rng.choice([0] * 8 + [1, 2]))
        raise AssertionError(m)

    def applies(self, lf, group):
        return "groups" not in lf or group in lf["groups"]

    def make_data(self):
        rng = self.rng
        self.values, self.targets, self.previous = {}, {}, {}
        self.empty_rows = set()
        needs_target = {"completion", "timeprogress"}
        for lf in self.leaves:
            c = lf["code"]
            p_missing = rng.choice([0, 0.1, 0.15, 0.3, 0.6])
            all_missing_group = (rng.choice(self.groups)
                                 if self.chance(0.08) else None)
            pool = []                                     # earlier values, for ties
            # Now and then a whole group reports one value whose mean is not exact in
            # binary (3 × 12.3 / 3 = 12.300000000000002): "max = min", "sd = 0" and
            # "good = bad" must hold for it, imputed means included.
            flat_group = flat_value = None
            if lf["method"] in ("rank", "efficacy", "minmax", "zscore") and self.chance(0.15):
                flat_group = rng.choice(self.groups)
                flat_value = rng.choice([0.1, 0.7, 12.3, 3.3, 87.4, 99.9])
            for u in self.units:
                if not self.applies(lf, u["group"]):
                    continue
                key = (u["code"], c)
                t = None
                if lf["method"] in needs_target:
                    t = rng.choice([100.0, 50.0, r2(rng.uniform(20, 500), 1), 12.5])
                    self.targets[key] = t
                if lf.get("missing") == "carry" or self.chance(0.1):
                    if self.chance(0.75):
                        self.previous[key] = self.value_for(lf, t if t else 100.0)
                if (self.chance(p_missing) or u["group"] == all_missing_group
                        or (u["group"] == flat_group and self.chance(0.35))):
                    if self.chance(0.5):
                        self.empty_rows.add(key)      # row present, value empty
                    continue
                if u["group"] == flat_group:
                    v = flat_value
                elif pool and self.chance(0.25) and lf["method"] not in needs_target:
                    v = rng.choice(pool)              # deliberate tie
                else:
                    v = self.value_for(lf, t)
                pool.append(v)
                self.values[key] = v
        # Clone whole units within a group now and then, so that totals tie exactly.
        if self.chance(0.3):
            for g in self.groups:
                members = [u["code"] for u in self.units if u["group"] == g]
                if len(members) >= 2 and self.chance(0.6):
                    a, b = rng.sample(members, 2)
                    for store in (self.values, self.targets, self.previous):
                        for (uc, c) in list(store):
                            if uc == b:
                                del store[(uc, c)]
                        for (uc, c), v in list(store.items()):
                            if uc == a:
                                store[(b, c)] = v
                    self.empty_rows = {k for k in self.empty_rows if k[0] != b}
                    self.empty_rows |= {(b, c) for (uc, c) in self.empty_rows if uc == a}

    # -- files ------------------------------------------------------------------------
    def csv_text(self, header, rows):
        """CSV as an operator's tool may write it: now and then CRLF line ends, a UTF-8
        byte-order mark, or every field quoted (RFC 4180)."""
        rng = self.rng
        quote = self.chance(0.15)
        eol = "\r\n" if self.chance(0.2) else "\n"
        lines = [header] + [",".join('"%s"' % f if quote else f for f in r) for r in rows]
        return ("\ufeff" if self.chance(0.15) else "") + eol.join(lines) + eol

    def write(self, out):
        os.makedirs(out, exist_ok=True)
        rng = self.rng
        with open(os.path.join(out, "units.csv"), "w", encoding="utf-8", newline="") as f:
            f.write(self.csv_text("code,name,kind,peer_group",
                                  [(u["code"], u["name"], u["kind"], u["group"])
                                   for u in self.units]))
        with open(os.path.join(out, "scheme.json"), "w", encoding="utf-8") as f:
            json.dump(self.doc, f, ensure_ascii=False, indent=1)
            f.write("\n")
        rows = []
        for (uc, c), v in self.values.items():
            rows.append((uc, c, repr(v)))
        for (uc, c) in self.empty_rows:
            if (uc, c) not in self.values:
                rows.append((uc, c, ""))
        rng.shuffle(rows)
        extra = self.chance(0.2)                      # "optional further columns"
        with open(os.path.join(out, "values.csv"), "w", encoding="utf-8", newline="") as f:
            f.write(self.csv_text("unit,indicator,value" + (",note" if extra else ""),
                                  [r + (("x",) if extra else ()) for r in rows]))
        args = ["--units", "units.csv", "--scheme", "scheme.json", "--values", "values.csv"]
        if self.targets:
            with open(os.path.join(out, "targets.csv"), "w", encoding="utf-8") as f:
                f.write("unit,indicator,target\n")
                for (uc, c), t in sorted(self.targets.items()):
                    f.write("%s,%s,%r\n" % (uc, c, t))
            args += ["--targets", "targets.csv"]
        if self.previous and not self.chance(0.08):
            with open(os.path.join(out, "previous.csv"), "w", encoding="utf-8") as f:
                f.write("unit,indicator,value\n")
                for (uc, c), v in sorted(self.previous.items()):
                    f.write("%s,%s,%r\n" % (uc, c, v))
            args += ["--previous", "previous.csv"]
        args += ["--period", self.period, "--format", "json"]
        with open(os.path.join(out, "args"), "w", encoding="utf-8") as f:
            f.write("\n".join(args) + "\n")
        methods = sorted({lf["method"] for lf in self.leaves})
        with open(os.path.join(out, "about.txt"), "w", encoding="utf-8") as f:
            f.write("seed %d: %s mode, %d units in %d groups, %d leaves (%s), period %s\n"
                    % (self.seed, self.mode, len(self.units), len(self.groups),
                       len(self.leaves), " ".join(methods), self.period))


def generate(seed, out):
    g = Gen(seed)
    g.make_units()
    g.scale = 1
    g.total = 100
    g.make_period()        # the scheme's year is the period's
    g.make_scheme()
    g.make_data()
    g.write(out)


def main(argv):
    if len(argv) == 3 and argv[0] == "--seeds":
        a, b = (int(x) for x in argv[1].split("-"))
        for seed in range(a, b + 1):
            generate(seed, os.path.join(argv[2], str(seed)))
        return 0
    if len(argv) == 2:
        generate(int(argv[0]), argv[1])
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

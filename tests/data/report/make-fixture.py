#!/usr/bin/env python3
# Writes the hand-made review fixtures of the report tests (tests/data/report/*.json), in the
# shape of docs/review-json.md. It exists because the fixtures were made before src/review.c
# could produce reviews: the figures follow SCORING.md's points mode closely enough to be
# coherent (totals = category points + bonus - deduct, ranks from totals), but they are test
# data, not a second scoring engine. Re-run after changing it:
#   python3 tests/data/report/make-fixture.py
# review.json: 2021-B3 with a previous review, a veto, a missing value, 双过半, and names with
# markup (<script>, &, quotes) that every format must escape. review-first.json: 2021-B1 with
# no previous review (null changes, empty improved/declined lists, no 双过半).
import json, os, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
EVIL_UNIT = '石鼓区<script>alert("x")</script>&amp;\'s'
EVIL_IND = '营商环境<b>满意度</b> & "评价"'

CATS = [("E", "经济运行"), ("P", "产业项目建设年"), ("B", "营商环境优化年"),
        ("C", "干部作风建设年"), ("S", "底线工作"), ("Y", "园区专项")]
# code, name, unit, category, method, weight, groups, source
IND = [
    ("E1", "地区生产总值增速", "%", "E", "efficacy", 6, ["县市", "城区"], "市统计局"),
    ("E3", "固定资产投资增速", "%", "E", "efficacy", 5, None, "市统计局"),
    ("E5", "一般公共预算收入", "亿元", "E", "timeprogress", 5, ["县市", "城区"], "市财政局"),
    ("P1", "重点项目投资完成额", "亿元", "P", "timeprogress", 8, None, "市发改委"),
    ("P2", "新开工亿元以上项目", "个", "P", "completion", 4, None, "市发改委"),
    ("B1", "12345热线按时办结率", "%", "B", "efficacy", 4, None, "hotline feed"),
    ("B2", EVIL_IND, "%", "B", "efficacy", 4, None, "市政务服务中心"),
    ("C1", "暗访督查发现问题", "件", "C", "deduct", 0, None, "supervision findings"),
    ("S1", "较大及以上生产安全事故", "起", "S", "veto", 0, None, "市应急管理局"),
    ("S3", "环保督察交办问题整改完成率", "%", "S", "timeprogress", 4, None, "市生态环境局"),
    ("Y1", "技工贸总收入增速", "%", "Y", "efficacy", 6, ["园区"], "市发改委"),
]
GROUPS = ["县市", "城区", "园区"]
UNITS = [  # code, name, group (order of data/units.csv)
    ("430405", "珠晖区", "城区"), ("430407", EVIL_UNIT, "城区"),
    ("430421", "衡阳县", "县市"), ("430426", "祁东县", "县市"), ("430481", "耒阳市", "县市"),
    ("P01", "松木经开区", "园区"), ("P03", "衡阳高新区", "园区"),
]
# values (None = missing), targets for completion/timeprogress leaves
VAL = {
    "430405": dict(E1=8.1, E3=9.5, E5=6.1, P1=21.0, P2=3, B1=96.0, B2=90.1, C1=1, S1=0, S3=55.0),
    "430407": dict(E1=7.2, E3=11.0, E5=4.2, P1=15.5, P2=2, B1=92.5, B2=93.4, C1=3, S1=0, S3=41.0),
    "430421": dict(E1=9.4, E3=12.1, E5=7.9, P1=30.2, P2=5, B1=95.1, B2=88.0, C1=0, S1=0, S3=62.0),
    "430426": dict(E1=8.8, E3=10.2, E5=5.0, P1=19.8, P2=4, B1=97.3, B2=91.2, C1=2, S1=1, S3=48.0),
    "430481": dict(E1=10.3, E3=13.4, E5=9.6, P1=36.0, P2=6, B1=93.8, B2=94.0, C1=1, S1=0, S3=70.0),
    "P01": dict(E3=15.2, P1=28.0, P2=4, B1=94.0, B2=89.5, C1=0, S1=0, S3=66.0, Y1=14.5),
    "P03": dict(E3=12.8, P1=22.5, P2=3, B1=None, B2=92.0, C1=2, S1=0, S3=52.0, Y1=16.8),
}
TGT = {"E5": 12.0, "P1": 50.0, "P2": 8, "S3": 100.0}
PREV_TOTAL = {"430405": 80.5, "430407": 78.0, "430421": 88.0, "430426": 84.2, "430481": 85.9,
              "P01": 86.0, "P03": 79.5}
TP = 0.5


def applies(ind, group):
    return ind[6] is None or group in ind[6]


def comp_rank(vals, v):
    return 1 + sum(1 for x in vals if x > v)


def score(values, group_units):
    """Per-unit leaf results and totals for one group (points mode, rescaled to 100)."""
    out = {}
    group = UNITS_BY[group_units[0]][2]
    leaves = [i for i in IND if applies(i, group)]
    W = sum(i[5] for i in leaves)
    for u in group_units:
        out[u] = {"leaves": {}, "flags": [], "deduct": 0.0}
    for ind in leaves:
        code, _, _, _, method, w = ind[:6]
        present = [values[u].get(code) for u in group_units if values[u].get(code) is not None]
        for u in group_units:
            x = values[u].get(code)
            flags, share = [], None
            if method == "veto":
                if x and x > 0:
                    out[u]["flags"].append("VETO")
                out[u]["leaves"][code] = dict(value=x, share=None, points=0, flags=[])
                continue
            if method == "deduct":
                d = min(5, 0.5 * (x or 0))
                out[u]["deduct"] += d
                out[u]["leaves"][code] = dict(value=x, share=None, points=-d, flags=[])
                continue
            if x is None:
                share, flags = 0.0, ["MISSING"]
            elif method == "efficacy":
                lo, hi = min(present), max(present)
                share = 0.6 + 0.4 * ((x - lo) / (hi - lo) if hi > lo else 1)
            elif method == "completion":
                share = min(x / TGT[code], 1.0)
            elif method == "timeprogress":
                r = x / TGT[code]
                share = 1.0 if r >= TP else r / TP
                if r < TP:
                    flags = ["BEHIND"]
            mx = w * 100 / W
            pts = w * share * 100 / W
            out[u]["leaves"][code] = dict(
                value=x, target=TGT.get(code) if method in ("completion", "timeprogress") else None,
                share=share, points=pts, max_points=mx, lost=mx - pts,
                rank=comp_rank(present, x) if x is not None else len(group_units),
                flags=flags, group_median=statistics.median(present), group_best=max(present))
        for u in group_units:
            pass
    for u in group_units:
        base = sum(l["points"] for c, l in out[u]["leaves"].items() if l.get("max_points"))
        out[u]["base"] = base
        out[u]["total"] = base - out[u]["deduct"]
    return out, leaves, W


UNITS_BY = {u[0]: u for u in UNITS}


def grade(total, flags):
    if "VETO" in flags:
        return "较差"
    return "优秀" if total >= 90 else "良好" if total >= 80 else "一般" if total >= 60 else "较差"


def build(period, period_end, with_previous):
    units_json, groups_json = [], []
    lists = {"red": [], "black": [], "improved": [], "declined": []}
    vetoes, behind, missing = [], 0, 0
    per_unit = {}
    for g in GROUPS:
        members = [u[0] for u in UNITS if u[2] == g]
        res, leaves, W = score(VAL, members)
        order = sorted(members, key=lambda c: -res[c]["total"])
        totals = [res[c]["total"] for c in members]
        prev_totals = [PREV_TOTAL[c] for c in members]
        groups_json.append({"name": g, "units": order})
        for c in members:
            r = res[c]
            r["rank"] = comp_rank(totals, r["total"])
            r["prev_rank"] = comp_rank(prev_totals, PREV_TOTAL[c])
            r["leaves_def"] = leaves
            r["W"] = W
            r["n"] = len(members)
            r["others"] = {o: res[o]["total"] for o in members if o != c}
            per_unit[c] = r
        lists["red"].append({"group": g, "units": order[:3]})
        lists["black"].append({"group": g, "units": list(reversed(order))[:3]})
        if with_previous:
            moves = [(c, per_unit[c]["prev_rank"] - per_unit[c]["rank"],
                      per_unit[c]["total"] - PREV_TOTAL[c]) for c in members]
            up = sorted([m for m in moves if m[1] > 0], key=lambda m: (-m[1], -m[2]))[:3]
            dn = sorted([m for m in moves if m[1] < 0], key=lambda m: (m[1], m[2]))[:3]
            lists["improved"].append({"group": g, "units": [
                {"code": c, "rank_change": rc, "total_change": tc} for c, rc, tc in up]})
            lists["declined"].append({"group": g, "units": [
                {"code": c, "rank_change": rc, "total_change": tc} for c, rc, tc in dn]})
    for code, name, g in UNITS:
        r = per_unit[code]
        leaves = r["leaves_def"]
        ind_json, cats = [], {}
        for ind in leaves:
            l = r["leaves"][ind[0]]
            e = {"code": ind[0], "value": l["value"], "target": l.get("target"),
                 "share": l["share"], "points": l["points"], "max_points": l.get("max_points"),
                 "lost": l.get("lost"), "rank": l.get("rank"), "flags": l["flags"],
                 "group_median": l.get("group_median"), "group_best": l.get("group_best")}
            ind_json.append(e)
            if l.get("max_points"):
                c = cats.setdefault(ind[3], [0.0, 0.0])
                c[0] += l["points"]
                c[1] += l["max_points"]
        cat_json = []
        for cc, _ in CATS:
            if cc in cats:
                p, mx = cats[cc]
                cat_json.append({"code": cc, "value": p / mx, "points": p, "max_points": mx})
            elif any(i[3] == cc for i in leaves):
                cat_json.append({"code": cc, "value": None, "points": None, "max_points": None})
        weighted = [(i, r["leaves"][i[0]]) for i in leaves if r["leaves"][i[0]].get("max_points")]
        short = sorted([(i, l) for i, l in weighted if l["lost"] > 1e-9], key=lambda t: -t[1]["lost"])[:5]
        shortfalls = [{"code": i[0], "name": i[1], "lost": l["lost"], "rank": l["rank"],
                       "group_size": r["n"],
                       "why": ["lost"] + (["bottom"] if l["rank"] == r["n"] else [])
                       + (["behind"] if "BEHIND" in l["flags"] else [])} for i, l in short]
        strong = sorted([(i, l) for i, l in weighted if l["rank"] == 1 or l["share"] >= 1],
                        key=lambda t: (-t[1]["share"], -t[0][5]))[:5]
        strengths = [{"code": i[0], "name": i[1], "rank": l["rank"], "group_size": r["n"],
                      "share": l["share"]} for i, l in strong]
        pots = []
        for i, l in weighted:
            if l["value"] is None or l["value"] >= l["group_median"]:
                continue
            gain = l["lost"] * 0.5
            new_total = r["total"] + gain
            rank_after = 1 + sum(1 for t in r["others"].values() if t > new_total)
            pots.append({"code": i[0], "name": i[1], "to": "median", "value": l["value"],
                         "raised_to": l["group_median"], "gain": gain,
                         "rank_after": rank_after, "places": r["rank"] - rank_after})
        pots = sorted(pots, key=lambda p: -p["gain"])[:5]
        dh = None
        if period_end >= "2021-06-30":
            tps = [(i, r["leaves"][i[0]]) for i in leaves if i[4] == "timeprogress"]
            prog = [{"code": i[0], "progress": l["value"] / TGT[i[0]],
                     "passed": l["value"] / TGT[i[0]] >= 0.5} for i, l in tps]
            dh = {"status": "achieved" if all(p["passed"] for p in prog) else "not_achieved",
                  "time_progress": TP, "indicators": prog}
        allflags = set(f for l in r["leaves"].values() for f in l["flags"])
        behind += "BEHIND" in allflags
        missing += "MISSING" in allflags
        if "VETO" in r["flags"]:
            vetoes.append(code)
        prev = {"period": "2021-B2", "total": PREV_TOTAL[code], "rank": r["prev_rank"]} if with_previous else None
        units_json.append({
            "code": code, "name": name, "group": g, "group_size": r["n"],
            "total": r["total"], "rank": r["rank"], "grade": grade(r["total"], r["flags"]),
            "flags": r["flags"], "base": r["base"], "bonus": 0, "deduct": r["deduct"],
            "previous": prev,
            "total_change": r["total"] - PREV_TOTAL[code] if with_previous else None,
            "rank_change": r["prev_rank"] - r["rank"] if with_previous else None,
            "indicators": ind_json, "categories": cat_json, "shortfalls": shortfalls,
            "strengths": strengths, "potential": pots, "double_half": dh})
    if not with_previous:
        lists["improved"], lists["declined"] = [], []
    return {
        "kind": "kaoping-review", "format": 1, "period": period, "period_end": period_end,
        "time_progress": TP if period_end >= "2021-06-30" else 1 / 6,
        "scheme": {"code": "HY2021", "version": 1, "name": "衡阳市高质量发展考核方案",
                   "year": 2021, "aggregation": "points", "total": 100},
        "previous_period": "2021-B2" if with_previous else None,
        "inputs_sha256": "9f2c" + "0" * 56 + "beef", "revision": 1, "synthetic": True,
        "grades": ["优秀", "良好", "一般", "较差"],
        "categories": [{"code": c, "name": n} for c, n in CATS],
        "indicators": [{"code": i[0], "name": i[1], "unit": i[2], "category": i[3],
                        "method": i[4], "weight": i[5], "direction": "higher",
                        "groups": i[6] if i[6] else GROUPS, "source": i[7]} for i in IND],
        "groups": groups_json, "units": units_json, "lists": lists,
        "city": {"units": len(UNITS), "groups": len(GROUPS), "vetoes": vetoes,
                 "behind": behind, "missing": missing},
    }


for name, args in (("review.json", ("2021-B3", "2021-06-30", True)),
                   ("review-first.json", ("2021-B1", "2021-02-28", False))):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(build(*args), f, ensure_ascii=False, indent=1)
        f.write("\n")

"""bench/feed/hot_pandas.py: the hotline query in pandas, end to end from the CSV file
(read_csv + groupby), per unit and month. Writes the wide result to OUT.
    python3 hot_pandas.py FILE OUT
"""
import sys

import pandas as pd

src, out = sys.argv[1], sys.argv[2]
times = ["受理时间", "响应时间", "办结时间", "办结时限"]
df = pd.read_csv(src, dtype={"承办单位编码": str}, usecols=["承办单位编码", "办理状态", "回访满意度"] + times,
                 parse_dates=times, engine="c")
df["period"] = df["受理时间"].dt.strftime("%Y-M%m")
closed = df["办理状态"] == "已办结"
df["closed"] = closed.astype("int64")
df["ontime"] = (closed & (df["办结时间"] <= df["办结时限"])).astype("int64")
df["rated"] = df["回访满意度"].isin(["满意", "基本满意", "不满意"]).astype("int64")
df["sat"] = df["回访满意度"].isin(["满意", "基本满意"]).astype("int64")
df["h"] = (df["响应时间"] - df["受理时间"]).dt.total_seconds() / 3600
g = df.groupby(["承办单位编码", "period"], sort=True)
r = g.agg(orders=("closed", "size"), closed=("closed", "sum"), ontime=("ontime", "sum"),
          rated=("rated", "sum"), sat=("sat", "sum"), response_median_h=("h", "median"))
r["ontime_rate"] = (r["ontime"] / r["closed"]).where(r["closed"] > 0)
r["satisfaction_rate"] = (r["sat"] / r["rated"]).where(r["rated"] > 0)
r = r.reset_index().rename(columns={"承办单位编码": "unit"})
r[["unit", "period", "orders", "ontime_rate", "satisfaction_rate", "response_median_h"]].to_csv(
    out, index=False, float_format="%.17g")

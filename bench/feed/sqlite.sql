-- bench/feed/sqlite.sql: the hotline query in SQLite, on the table `hot` that the sqlite3
-- CLI's `.import --csv` made from the export (every column TEXT). SQLite has no median, so
-- the two middle values are found with window functions. Prints the wide result as CSV.
.headers on
.mode csv
WITH t AS (
  SELECT 承办单位编码 AS unit,
         substr(受理时间, 1, 4) || '-M' || substr(受理时间, 6, 2) AS period,
         办理状态 AS st, 回访满意度 AS sat,
         CASE WHEN 办结时间 <> '' AND 办结时限 <> '' AND 办结时间 <= 办结时限 THEN 1 ELSE 0 END AS ontime,
         CASE WHEN 响应时间 <> '' THEN (unixepoch(响应时间) - unixepoch(受理时间)) / 3600.0 END AS h
  FROM hot),
agg AS (
  SELECT unit, period, count(*) AS orders,
         CAST(sum(st = '已办结' AND ontime) AS REAL) / nullif(sum(st = '已办结'), 0) AS ontime_rate,
         CAST(sum(sat IN ('满意', '基本满意')) AS REAL) / nullif(sum(sat IN ('满意', '基本满意', '不满意')), 0) AS satisfaction_rate
  FROM t GROUP BY unit, period),
r AS (
  SELECT unit, period, h, row_number() OVER (PARTITION BY unit, period ORDER BY h) AS rn,
         count(*) OVER (PARTITION BY unit, period) AS c
  FROM t WHERE h IS NOT NULL),
med AS (
  SELECT unit, period, avg(h) AS response_median_h FROM r
  WHERE rn IN ((c + 1) / 2, (c + 2) / 2) GROUP BY unit, period)
SELECT agg.unit, agg.period, orders, ontime_rate, satisfaction_rate, response_median_h
FROM agg LEFT JOIN med USING (unit, period) ORDER BY agg.unit, agg.period;

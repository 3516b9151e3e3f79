// bench/feed/duck.mjs: the hotline query in DuckDB (npm @duckdb/node-api), end to end from
// the CSV file: read_csv + GROUP BY + median, per unit and month. Writes the wide result
// (unit,period,orders,ontime_rate,satisfaction_rate,response_median_h) to OUT.
//   node duck.mjs FILE OUT [THREADS]
import { DuckDBInstance } from '@duckdb/node-api';

const [file, out, threads = '2'] = process.argv.slice(2);
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const inst = await DuckDBInstance.create(':memory:', { threads });
const con = await inst.connect();
await con.run(`
COPY (
  SELECT 承办单位编码 AS unit,
         strftime(受理时间, '%Y-M%m') AS period,
         count(*) AS orders,
         count(*) FILTER (WHERE 办理状态 = '已办结' AND 办结时间 <= 办结时限)::DOUBLE
           / nullif(count(*) FILTER (WHERE 办理状态 = '已办结'), 0) AS ontime_rate,
         count(*) FILTER (WHERE 回访满意度 IN ('满意', '基本满意'))::DOUBLE
           / nullif(count(*) FILTER (WHERE 回访满意度 IN ('满意', '基本满意', '不满意')), 0)
           AS satisfaction_rate,
         median((epoch(响应时间) - epoch(受理时间)) / 3600.0) AS response_median_h
  FROM read_csv(${q(file)}, header = true, quote = '"', escape = '"',
                types = {'承办单位编码': 'VARCHAR', '受理时间': 'TIMESTAMP', '响应时间': 'TIMESTAMP',
                         '办结时间': 'TIMESTAMP', '办结时限': 'TIMESTAMP'})
  GROUP BY ALL ORDER BY unit, period
) TO ${q(out)} (HEADER, DELIMITER ',')`);

/*
** verbs.c: THE command table. Every verb of `kaoping`, its handler, the capability it
** needs, its synopsis and its help, in one sorted array, so that the command surface and
** its policy can be read in one place. main.c dispatches through verb_find();
** tests/cli/verbs.sh checks that the table is sorted, that every row has a handler, a
** capability and help, and that `--help` works for each.
*/
#include "cli/verbs.h"

#include <stdio.h>
#include <string.h>

/* Sorted by zName (strcmp order). */
const Verb aVerb[] = {
  {"audit checkpoint", audit_checkpoint_cmd, "auditor",
   "audit checkpoint [--key FILE] [--out FILE] [--db F]",
   "Writes a signed checkpoint of the audit chain's head (record count, last id, head hash,\n"
   "Ed25519 signature) to --out or standard output. The key pair lives outside the database:\n"
   "--key FILE, else $KAOPING_AUDIT_KEY, else DB.audit-key (public key FILE.pub); created\n"
   "on first use. Keep checkpoints off the host; `audit verify --checkpoint` uses them."},
  {"audit export", audit_export_cmd, "auditor",
   "audit export [--out FILE] [--db F]",
   "Writes the whole audit log as CSV (cells that a spreadsheet would run as formulas get a\n"
   "leading apostrophe). The export is itself audited."},
  {"audit list", audit_list_cmd, "auditor",
   "audit list [--limit N] [--db F]",
   "Prints the newest audit records (default 50): time, actor, address, event, object,\n"
   "outcome and detail."},
  {"audit purge", audit_purge_cmd, "auditor",
   "audit purge --before YYYY-MM-DD [--db F]",
   "Deletes audit records older than the day given, which must be at least 180 days ago\n"
   "(retention). The chain stays verifiable: the purge keeps the hash of the last purged\n"
   "record and a hash over the purged ones, and is itself audited."},
  {"audit verify", audit_verify_cmd, "auditor",
   "audit verify [--head HASH] [--checkpoint FILE [--key FILE]] [--db F]",
   "Checks the hash chain of the audit log: record ids without gaps, every prev_hash equal\n"
   "to the hash before it, every hash recomputed from the record. Prints the count and the\n"
   "head hash (keep it outside the database; --head HASH then also detects records cut\n"
   "off the end), and so does --checkpoint FILE (a signed `audit checkpoint`, checked with\n"
   "the public key KEY.pub). Exit 0 when intact, 3 when a record was changed, removed or\n"
   "inserted."},
  {"calendar due", calendar_due_cmd, "inspector",
   "calendar due YYYY-MM-DD DAYS [--db F]",
   "Prints the date on which the DAYS-th working day after the given date falls, on the\n"
   "stored holiday calendar (weekends, public holidays and 调休 make-up working days).\n"
   "The day itself does not count. Exit 1 when a year on the way has no calendar."},
  {"calendar import", calendar_import_cmd, "inspector",
   "calendar import FILE.csv... [--db F]",
   "Imports the State Council's holiday notices (国务院办公厅关于……部分节假日安排的通知):\n"
   "CSV with header year,date,kind,name, kind off (放假) or work (上班 on a weekend), lines\n"
   "starting with # are comments (docs/supervision.md). Replaces the stored days of each year\n"
   "the file holds. data/calendar/cn-2021.csv .. cn-2026.csv ship with kaoping. Audited."},
  {"calendar show", calendar_show_cmd, "inspector",
   "calendar show [YEAR] [--db F]",
   "Lists the years with a holiday calendar, or one year's days off and make-up working days."},
  {"contact assign", contact_assign_cmd, "leader",
   "contact assign PLACE LEADER [--db F]",
   "Assigns a leader account to a grassroots contact place (基层联点; a place of kind\n"
   "contact: village, community or enterprise). Audited."},
  {"contact close", contact_close_cmd, "leader",
   "contact close PROBLEM --note TEXT [--as LEADER] [--db F]",
   "Closes an open problem raised on a visit, with a note saying how it was settled."},
  {"contact list", contact_list_cmd, "leader",
   "contact list [LEADER] [--as LEADER] [--format text|json] [--db F]",
   "A leader's contact points: place, last visit, visits and open problems (JSON: the\n"
   "visit log with every problem; task_ref stays empty until problems become tasks)."},
  {"contact task", contact_task_cmd, "leader",
   "contact task PROBLEM --lead UNIT (--deadline YYYY-MM-DD | --days N) [--co UNIT]...\n"
   "      [--category C] [--title T] [--as USER] [--db F]",
   "Turns an open problem raised on a contact-point visit into a 督办 key task (lead unit,\n"
   "deadline; title = the problem's text, category 基层联点 unless given). The point's own\n"
   "leader or the supervision office. The problem's task_ref links the task; confirming\n"
   "the task closed closes the problem. Audited (task.assign, contact.problem_task)."},
  {"contact visit", contact_visit_cmd, "leader",
   "contact visit POINT --date YYYY-MM-DD --notes TEXT [--problem TEXT]... [--as LEADER] [--db F]",
   "Logs a visit on a contact point (its own leader only) with the problems raised there."},
  {"crosscheck", crosscheck_cmd, "assessor",
   "crosscheck PERIOD [--config FILE.json] [--format table|json] [--db F]",
   "Flags reported figures to look at again before the meeting (数据存疑), with evidence:\n"
   "jumps against the previous period (over jump_points points for leaves in %, else over\n"
   "jump_relative), Benford's law on each unit's absolute figures of the year (Nigrini's MAD\n"
   "nonconformity, at least benford_min figures), and configured pairs of a self-reported\n"
   "growth leaf and a feed indicator's growth on the same months a year before (over\n"
   "threshold points apart). Reads the store only (docs/crosscheck.md)."},
  {"data import", data_import_cmd, "reporter",
   "data import FILE... --period P [--provenance self|department|feed] [--skip-bad] [--db F]",
   "Imports observations (指标值) for an open period from CSV (unit,indicator,value[,note];\n"
   "also 单位代码|单位编码, 指标代码, 数值|指标值, 备注) or XLSX (first sheet, same header).\n"
   "UTF-8 with or without BOM and GBK are detected. An empty value is a reported missing.\n"
   "Every bad row is reported as FILE: line L, column C: reason (XLSX: row R, column X).\n"
   "Any bad row in any file imports nothing (exit 1) unless --skip-bad, which imports the\n"
   "good rows and lists each skipped row. A changed value is a new revision; an unchanged\n"
   "one adds nothing. A closed period refuses data and a published one needs `data revise`."},
  {"data revise", data_revise_cmd, "assessor",
   "data revise --period P --unit U --indicator I --value V --reason TEXT\n"
   "      [--provenance self|department|feed] [--db F]",
   "Corrects one value, in any period state, as a new revision (never an overwrite) that\n"
   "keeps the reason. --value '' records a missing value. The earlier revisions stay in the\n"
   "history; after publication, recompute and republish the review to take it into account."},
  {"demo", demo_cmd, "local",
   "demo [--db FILE] [--force]",
   "Builds the synthetic Hengyang 2021 demo data set (clearly labelled synthetic): 16 units\n"
   "in three peer groups, a 38-indicator scheme using 12 scoring methods, six bimonthly\n"
   "periods with targets and values, and the 12345 hotline records behind two indicators.\n"
   "The files go to demo-data/ beside the database (open them, edit them, re-import them),\n"
   "then are imported with the ordinary verbs: 2021-B1 to 2021-B3 closed and published,\n"
   "2021-B4 open with a provisional review, 2021-B5 and 2021-B6 left to import by hand.\n"
   "The same files and reviews on every run (fixed seed). Refuses an existing database\n"
   "file unless --force, which replaces it."},
  {"evidence exif", evidence_exif_cmd, "local",
   "evidence exif FILE",
   "Prints what the evidence store reads from a file: its type (by content), the EXIF\n"
   "capture time and GPS position, as one JSON line; refuses a file of another type or a\n"
   "truncated JPEG/PNG as an upload would."},
  {"evidence sample", evidence_sample_cmd, "local",
   "evidence sample OUT.jpg [--lat D --lon D] [--taken \"YYYY-MM-DD HH:MM:SS\"]",
   "Writes a small JPEG (160 x 120) carrying EXIF capture time and GPS position: the\n"
   "demo's site photos and the tests' input (docs/evidence.md)."},
  {"feed batches", feed_batches_cmd, "assessor",
   "feed batches [--feed CODE] [--db F]",
   "Lists the import batches of feeds: rows read, records added, duplicates, rejects, the\n"
   "file's lines covered, when and from which file; and the number of records stored."},
  {"feed derive", feed_derive_xlsx_cmd, "local",
   "feed derive FEED FILE...|--db F [--period-kind month|bimonth|quarter|half|year]\n"
   "      [--format csv|json] [--units units.csv] [--threads N] [--strict]",
   "Computes a feed's derived indicators straight from its export files, storing nothing\n"
   "(the fast path; docs/feeds.md): one row per unit, period and indicator, as CSV\n"
   "unit,period,indicator,value (default) or JSON. FEED is a built-in feed (hotline) or a\n"
   "definition file. CSV per RFC 4180, UTF-8 with or without BOM or GBK, or XLSX (first\n"
   "worksheet; line numbers are Excel's row numbers), columns in any\n"
   "order (matched by header name or alias). Periods by the feed's period field (default\n"
   "month: 2021-M03; bimonth 2021-B2; quarter 2021-Q1). A rate with nothing to divide by is\n"
   "empty (null); medians are exact. Bad rows are listed on stderr as FILE: line L, column\n"
   "C: reason and left out; --strict makes any bad row fail the run (exit 1, no output).\n"
   "--units limits unit codes to a units file's. --threads: parts per file (default: cores).\n"
   "With --db instead of files: the same from the records `feed import` stored."},
  {"feed import", feed_import_xlsx_cmd, "assessor",
   "feed import FEED FILE... [--batch-rows 50000] [--rejects FILE]\n"
   "      [--observe IND=LEAF[*SCALE],...] [--no-observations] [--db F]",
   "Imports a feed's export files (CSV or XLSX as for `feed derive`) into the database, streaming:\n"
   "every record once (deduplicated by record id, so a re-import or an overlapping file adds\n"
   "nothing twice), in batches of --batch-rows records, each one transaction with its batch\n"
   "record; a crash or kill -9 leaves the earlier batches whole, and running the same command\n"
   "again resumes after them. Bad rows are stored as rejects with file, line, column and\n"
   "reason, and written to --rejects (default FILE.rejects.csv). Unit codes must be known to\n"
   "the database. On a terminal, a progress bar (rows, MB/s, ETA). Then the feed's\n"
   "indicators are derived for every open period the new records fall in and written as\n"
   "observations (provenance feed, linked to the batch) of the scheme leaf with the same code,\n"
   "or the leaf --observe names (hotline.ontime_rate=B1*100: in percent); an unchanged value\n"
   "adds no revision. --no-observations skips that step."},
  {"feed records", feed_records_cmd, "assessor",
   "feed records FEED --unit U --period P [--indicator CODE [--part numerator|rest]]\n"
   "      [--where FIELD=VALUE] [--page N] [--page-size 50] [--format csv|json] [--db F]",
   "The drill-down: the stored records of a unit in a period (e.g. 2021-B2: March and April,\n"
   "by the feed's period field), optionally only those an indicator counts (--indicator),\n"
   "for a rate its numerator or the rest (--part), and one field equal to a value\n"
   "(--where state=已办结). Pages of --page-size; CSV with the export's headers (the count\n"
   "on stderr) or JSON with the total. --page-size 100000 exports."},
  {"feed show", feed_show_cmd, "local",
   "feed show [FEED]",
   "Prints a built-in feed definition as JSON (default hotline), the format a definition\n"
   "file uses; or summarises a definition file's fields and indicators."},
  {"finding act", finding_act_cmd, "inspector",
   "finding act FINDING ACTION --as USER [--note TEXT] [--deadline YYYY-MM-DD] [--days N]\n"
   "      [--progress 0-100] [--dup-of FINDING | --dup-of-order ID] [--public] [--db F]",
   "Moves a finding (督查问题) along its lifecycle as account USER. Actions: assign (交办;\n"
   "sets the sign and rectification deadlines in working days), sign (签收), report (进展,\n"
   "--note, --progress), request_close|request_extend (--deadline)|request_suspend|\n"
   "request_partial (the unit asks: --note), approve, return (驳回, --note), verify (验收销号,\n"
   "--note, --public), publish, archive, duplicate (--dup-of or --dup-of-order), reopen\n"
   "(回头看: --note, --days), instruct (领导批示, --note). Only an inspector opens, assigns,\n"
   "approves, returns, verifies; only the unit's own reporters sign and request; a leader\n"
   "instructs. Every action is an event with actor, time and note, and is audited; a\n"
   "refused one is audited too (finding.denied) and exits 1."},
  {"finding add", finding_add_cmd, "inspector",
   "finding add --as USER --unit CODE --category TEXT --text TEXT [--severity minor|major|severe]\n"
   "      [--inspection N] [--days N] [--sign-days N] [--report-every DAYS] [--deduction P]\n"
   "      [--place TEXT] [--lon X --lat Y] [--responsible NAME] [--co CODE,CODE] [--db F]",
   "Records a finding (立项) of an inspection: the lead unit, category (作风, 安全生产, 环保,\n"
   "营商环境, 值班值守, 吃喝风 ...), text, severity (default minor), time limits in working\n"
   "days (整改时限 --days, default 10; 签收时限 --sign-days, default 2), progress report\n"
   "frequency (--report-every, default 7 days; 0 = by stage), the points it deducts\n"
   "(default 0.5) and co-handling units (协办, --co). USER must be an inspector."},
  {"finding list", finding_list_cmd, "inspector",
   "finding list [--as USER] [--unit CODE] [--category TEXT] [--state S] [--light red|yellow|\n"
   "      blue|green|none] [--overdue] [--open] [--page N] [--per-page N] [--format table|json]",
   "Lists findings newest first with their traffic light (red overdue, yellow behind time\n"
   "progress 序时进度, blue near the deadline), overdue flag and escalation (黄牌, 提级督办),\n"
   "computed for today (China time; $KAOPING_NOW in tests). --as USER lists what that\n"
   "account may see (a reporter: its own unit's findings once assigned)."},
  {"finding show", finding_show_cmd, "inspector",
   "finding show FINDING [--as USER] [--format table|json] [--db F]",
   "Shows one finding: status, deadlines, late flags, co-handling units, the event timeline\n"
   "and (JSON) the actions USER may take now."},
  {"finding sync", finding_sync_cmd, "inspector",
   "finding sync PERIOD [--as USER] [--db F]",
   "Writes the period's confirmed findings as values of the deduct and veto indicators the\n"
   "scheme's \"supervision\" section maps their categories to (provenance finding): per\n"
   "unit, the points of its findings (each finding's deduction plus the escalation extra\n"
   "for 黄牌/提级督办) or, for a veto leaf, their number; 0 when none. `review compute`\n"
   "runs it first. Refused for a published period. Audited."},
  {"honour add", honour_add_cmd, "sysadmin",
   "honour add --award A --year Y --recipient R --kind person|collective --citation T\n"
   "      [--unit U] [--db F]",
   "Records an award (表彰, e.g. 衡阳青年五四奖章) to a person or a collective. Shown on the\n"
   "public honours page. Audited."},
  {"honour list", honour_list_cmd, "sysadmin",
   "honour list [--year Y] [--format text|json] [--db F]",
   "Lists honours, newest year first."},
  {"http", http_cmd, "local",
   "http REQUEST.txt|- [--as USER] [--peer IP] [--web-root DIR] [--db F] | http --routes",
   "Serves one raw HTTP request read from a file (or stdin) through the server's router,\n"
   "without a socket, and prints the raw response: for tests and debugging. --as USER acts\n"
   "as that account (no password or CSRF token: the local operator's privilege); --routes\n"
   "prints the route table (method, path, capability, CSRF level, body limit, help)."},
  {"init", init_cmd, "local",
   "init [--db FILE]",
   "Creates an empty kaoping database (SQLite, WAL) and applies every migration. On an\n"
   "existing database, applies the migrations it lacks."},
  {"inspection add", inspection_add_cmd, "inspector",
   "inspection add --as USER --kind undercover|announced|online --topic TEXT --team TEXT\n"
   "      --start YYYY-MM-DD [--end YYYY-MM-DD] [--db F]",
   "Records an inspection (督查: 暗访 undercover, 明查 announced, 网络/云督查 online) with its\n"
   "team, dates and topic. Findings name it with --inspection. Audited."},
  {"inspection list", inspection_list_cmd, "inspector",
   "inspection list [--as USER] [--format table|json] [--db F]",
   "Lists inspections, newest first, with their number of findings."},
  {"period close", period_close_cmd, "assessor",
   "period close PERIOD [--db F]",
   "Closes an open period: no more data entry; the review can be computed and published."},
  {"period list", period_list_cmd, "assessor",
   "period list [--db F]",
   "Lists periods with their scheme, state (open, closed, published) and deadline."},
  {"period open", period_open_cmd, "assessor",
   "period open PERIOD --scheme CODE[@VERSION] [--deadline YYYY-MM-DD] [--db F]",
   "Opens a period (e.g. 2021-B3) for data entry under a scheme version (latest when no\n"
   "version is given)."},
  {"place add", place_add_cmd, "sysadmin",
   "place add NAME --kind red|youth|contact [--unit U] [--lon X --lat Y [--datum D]]\n"
   "      [--approximate] [--address A] [--description T] [--source S] [--db F]",
   "Adds or updates a place: red-heritage site (红色遗址), youth education base (青少年教育\n"
   "基地) or grassroots contact place (基层联点). The point is stored in GCJ-02, the datum of\n"
   "the map shapes: --datum WGS-84 (GPS) or BD-09 (Baidu) is converted; unknown or address\n"
   "(placed by hand from an address) is kept and marked approximate. Must lie in Hengyang."},
  {"place import", place_import_cmd, "sysadmin",
   "place import FILE [--kind red|youth|contact] [--db F]",
   "Imports places from CSV with header name,lat,lon,datum,source (../shared/data/geo/\n"
   "places.csv) and optional kind, unit, address, description, approximate. A name's\n"
   "parenthetical goes to the description; a second row for the same name is reported with\n"
   "its distance from the first and not stored. Any bad row imports nothing."},
  {"place list", place_list_cmd, "sysadmin",
   "place list [--kind red|youth|contact] [--format text|json] [--db F]",
   "Lists places with their GCJ-02 point, source datum and the approximate flag."},
  {"place route", place_route_cmd, "sysadmin",
   "place route NAME NAME... [--format text|json] [--db F]",
   "A route through the named sites in the order given: straight-line (great-circle) legs\n"
   "and the total in km; not road distances."},
  {"project add", project_add_cmd, "assessor",
   "project add --code C --name N --unit U --industry I --total 亿元 --year Y --annual-plan 亿元\n"
   "      [--plan-start D] [--plan-produce D] [--signed D] [--started D] [--produced D]\n"
   "      [--lon X --lat Y] [--stream https://...] [--as USER] [--db F]",
   "Registers an industrial project (产业项目): unit, industry, total and annual planned\n"
   "investment (亿元), milestones 签约/开工/投产 (planned and actual dates), the site and its\n"
   "live camera or stream address (连线现场, http or https only). Audited."},
  {"project list", project_list_cmd, "assessor",
   "project list --period P [--unit CODE] [--as USER] [--format table|json] [--db F]",
   "Lists projects with investment completed from January to the period's end against the\n"
   "annual plan, the lagging flag (落后时序进度: completed share below time progress) and\n"
   "milestones due, then per unit 投资完成率, 开工率 and 投产率 (%)."},
  {"project progress", project_progress_cmd, "reporter",
   "project progress PROJECT --period P --completed 亿元 --as USER [--note T] [--started D]\n"
   "      [--produced D] [--db F]",
   "Reports a project's investment completed in a period (replacing an earlier figure for\n"
   "that period) and its actual milestones, as the unit's reporter or the data department."},
  {"project sync", project_sync_cmd, "assessor",
   "project sync PERIOD [--as USER] [--db F]",
   "Writes each unit's project figures of the period (投资完成率, 开工率, 投产率 in %) into the\n"
   "leaves the scheme's supervision section maps them to (\"projects\": {...}), provenance\n"
   "project. A figure with nothing due writes no value. Audited."},
  {"provider assign", provider_assign_cmd, "assessor",
   "provider assign ACCOUNT [INDICATOR...] [--db F]",
   "Sets the indicators a provider account (数据提供部门) enters for every unit, replacing\n"
   "the earlier set (none given: clears it). Units no longer enter those indicators\n"
   "themselves. Same as POST /api/providers/{name}/indicators; audited."},
  {"provider list", provider_list_cmd, "assessor",
   "provider list [ACCOUNT] [--db F]",
   "Lists provider accounts with the indicators each enters."},
  {"report", report_cmd, "assessor",
   "report --period P --format html|pdf|xlsx|csv|md -o FILE [--lang zh|en] [--db F]",
   "Writes the review bulletin (点评通报) of a period: the published review, else the\n"
   "computed one marked 「未发布 · 草稿」 on every page. HTML (print-ready A4, inline SVG\n"
   "charts, no external resources) and PDF (cairo/pango, Noto Sans CJK SC) with group\n"
   "rankings, 红榜/黑榜 and a card per unit; XLSX with a sheet per peer group, a 明细\n"
   "detail sheet and a 说明 sheet; CSV of the unit results (UTF-8 with BOM); Markdown.\n"
   "--lang en switches the labels to English (names stay as they are). The file is\n"
   "written to a temporary name and renamed, so a failure leaves no partial output.\n"
   "Exit 1 when the period has no computed or published review, 4 when FILE cannot be\n"
   "written."},
  {"review compute", review_compute_cmd, "assessor",
   "review compute PERIOD [--db F]",
   "Scores the period from the store and saves the review (点评): totals, ranks, grades,\n"
   "changes since the previous published review, shortfalls, strengths, potential,\n"
   "双过半 status and 红榜/黑榜. Replaces an earlier unpublished computation. An open period\n"
   "may be computed before the deadline: the review is marked provisional and cannot be\n"
   "published. First brings the derived values up to date in the same transaction\n"
   "(finding sync, project sync, wish feed; docs/review-json.md \"sources\"): none for a\n"
   "published period, no wish feed for a closed one. Prints what they did and the group\n"
   "ranks."},
  {"review publish", review_publish_cmd, "assessor",
   "review publish PERIOD [--db F]",
   "Publishes the computed review of a closed period, if its inputs (SHA-256 of the\n"
   "canonical inputs) are still the store's; else recompute first. Supersedes an earlier\n"
   "publication of the period and freezes the period's data, so that `review verify` can\n"
   "confirm it later."},
  {"review robust", review_robust_cmd, "assessor",
   "review robust PERIOD [--draws N] [--seed S] [--threads T] [--sobol N] [--boot B]\n"
   "      [--format table|json] [--db F]",
   "How certain is each rank? Monte Carlo uncertainty analysis of the period's stored inputs\n"
   "(docs/robustness.md): N draws (default 10000, seed default 20211) of the uncertain\n"
   "choices the scheme names under \"uncertainty\" (default: every weight +-25 %,\n"
   "renormalised). Prints each unit's official rank, median rank, 5th-95th percentile rank\n"
   "interval and grade probabilities; then first-order and total Sobol' indices of each\n"
   "choice on the mean absolute rank shift (--sobol N base rows, default 1024, 0 = none;\n"
   "--boot resamples for the 90 % intervals). Same seed, same result on any --threads.\n"
   "--format json adds the indices on each unit's rank. Reads the store, writes nothing."},
  {"review show", review_show_cmd, "assessor",
   "review show PERIOD [--format table|json] [--unit CODE] [--db F]",
   "Shows the newest review of a period (a fresh computation before the published one):\n"
   "group tables, or one unit's card with --unit (total, rank, change, grade, shortfalls,\n"
   "strengths, potential, 双过半). --format json prints the document (docs/review-json.md)."},
  {"review verify", review_verify_cmd, "assessor",
   "review verify PERIOD [--db F]",
   "Recomputes a published review from the stored inputs and confirms the input hash and\n"
   "every result. Exit 0 when identical, 3 when anything differs (and says what)."},
  {"scheme import", scheme_import_cmd, "assessor",
   "scheme import FILE.json [--db F]",
   "Validates a scheme (考核方案) and stores it as a new version of its code."},
  {"scheme show", scheme_show_cmd, "assessor",
   "scheme show CODE[@VERSION] [--format tree|json] [--db F]",
   "Prints a stored scheme: the indicator tree with weights, methods and groups."},
  {"scheme validate", scheme_validate_cmd, "assessor",
   "scheme validate FILE.json",
   "Checks a scheme file without storing it; lists every problem with its indicator code."},
  {"score", score_cmd, "local",
   "score --units U.csv --scheme S.json --values V.csv [--targets T.csv] [--previous P.csv]\n"
   "      --period P [--format json|csv|table]",
   "Scores one period from files, storing nothing: the engine's public contract\n"
   "(SCORING.md). --previous gives last period's values for the `carry` missing policy."},
  {"serve", serve_cmd, "local",
   "serve [--db F] [--listen 127.0.0.1:8080 | --port 8080 --bind 127.0.0.1] [--threads 4]\n"
   "      [--web-root web/dist] [--behind-tls-proxy]",
   "Runs the HTTP server: the JSON API under /api/, the web UI from --web-root (default\n"
   "web/dist, when it exists) and the HTML bulletins. Listens on loopback unless\n"
   "--behind-tls-proxy (then cookies are Secure and HSTS is sent). --port 0 picks a free\n"
   "port; the first line printed says which. Stops cleanly on SIGINT or SIGTERM."},
  {"target import", target_import_cmd, "assessor",
   "target import FILE --scheme CODE[@VERSION] [--skip-bad] [--db F]",
   "Imports annual targets (目标值) of a scheme version (latest when no version is given),\n"
   "CSV or XLSX with header unit,indicator,target (also 单位代码|单位编码, 指标代码, 目标值).\n"
   "Bad rows as for data import; a changed target replaces the stored one."},
  {"task act", task_act_cmd, "reporter",
   "task act TASK report|request_close|confirm|return --as USER [--note TEXT] [--progress 0-100]\n"
   "      [--db F]",
   "Follows a key task (督办事项): the lead and co-handling units' reporters report progress\n"
   "(--note, --progress), the lead unit asks to close (request_close), and only the office\n"
   "that assigned it (leaders or the supervision office) confirms or returns it (--note).\n"
   "Audited; refusals too (task.denied)."},
  {"task add", task_add_cmd, "leader",
   "task add --as USER --title TEXT --category TEXT --lead CODE [--co CODE,CODE]\n"
   "      (--deadline YYYY-MM-DD | --days N) [--source TEXT] [--db F]",
   "Assigns a key task from a meeting (环保督察整改, 防汛, 安全生产, 值班值守 ...) to a lead unit\n"
   "(牵头) and co-handling units (协办) with a deadline (a date, or N working days from\n"
   "today). USER is a leader or an inspector; that office alone may close it."},
  {"task list", task_list_cmd, "leader",
   "task list [--as USER] [--unit CODE] [--state open|req_close|closed] [--format table|json]",
   "Lists tasks by deadline with their light, progress and overdue flag (the leaders'\n"
   "dashboard); a reporter sees the tasks of its own unit."},
  {"task show", task_show_cmd, "leader",
   "task show TASK [--as USER] [--format table|json] [--db F]",
   "Shows one task: units and their progress, the event timeline and what USER may do."},
  {"test-sobol", test_sobol_cmd, "local",
   "test-sobol [--n N] [--seed S] [--boot B]",
   "Checks the Sobol' estimators (Saltelli design, Saltelli 2010 first order, Jansen total,\n"
   "bootstrap intervals) on the Ishigami function (a = 7, b = 0.1) and the Sobol'\n"
   "g-function (a = 0, 1, 4.5, 9, 99, 99, 99, 99): estimated against analytic indices,\n"
   "N base rows (default 2^14)."},
  {"unit import", unit_import_cmd, "sysadmin",
   "unit import FILE [--skip-bad] [--db F]",
   "Imports or updates units (考核单位) and their peer groups from CSV or XLSX with header\n"
   "code,name,kind,peer_group[,population,area,lon,lat] (also 单位代码|单位编码, 单位名称,\n"
   "类型, 考核组别, 人口, 面积, 经度, 纬度). Codes: 430421 (six digits), P01 (park),\n"
   "D01 (department, no peer group). Kinds: county|city|district|park|department or\n"
   "县|市|区|园区|部门. Bad rows as for data import."},
  {"unit list", unit_list_cmd, "sysadmin",
   "unit list [--db F]",
   "Lists units by peer group."},
  {"user add", user_add_cmd, "sysadmin",
   "user add NAME [--display TEXT] [--unit CODE] [--role R[,R...]] [--password-stdin] [--db F]",
   "Creates an account. Its password is generated and printed once, or read as one line\n"
   "from standard input with --password-stdin (never on the command line); either way it\n"
   "must be changed at first login. --unit binds the account to a unit (required for the\n"
   "reporter role). --role grants roles at once (sysadmin, secadmin, auditor, assessor,\n"
   "provider, reporter, inspector, leader); separation of duties applies."},
  {"user list", user_list_cmd, "sysadmin",
   "user list [--format table|json] [--db F]",
   "Lists accounts with their unit, roles, state (active, must-change, expired, locked,\n"
   "locked-out) and last login."},
  {"user lock", user_lock_cmd, "secadmin",
   "user lock NAME [--db F]",
   "Locks an account (administrator lock): it cannot sign in, and its sessions end at once."},
  {"user party", user_party_cmd, "secadmin",
   "user party NAME on|off [--db F]",
   "Sets or clears an account's party membership (党员): party members claim micro-wishes.\n"
   "Audited as user.party."},
  {"user passwd", user_passwd_cmd, "secadmin",
   "user passwd NAME [--password-stdin] [--db F]",
   "Resets an account's password (generated and printed once, or one line from standard\n"
   "input). The policy and history apply; every session of the account ends; the account\n"
   "must change the password at its next login."},
  {"user policy", user_policy_cmd, "secadmin",
   "user policy [NAME VALUE] [--db F]",
   "Shows the password and session policy (lockout, password length, classes, history,\n"
   "maximum age, session idle and absolute limits) with defaults and ranges, or sets one\n"
   "setting. Every change is audited."},
  {"user roles", user_roles_cmd, "secadmin",
   "user roles NAME ROLE[,ROLE...]|none [--db F]",
   "Sets an account's roles. The only way to grant sysadmin, secadmin or auditor (the API\n"
   "grants business roles only). At most one administrator role per account, never together\n"
   "with a business role; reporter needs a unit."},
  {"user totp", user_totp_cmd, "secadmin",
   "user totp enrol|reset NAME [--db F]",
   "Second login factor (TOTP, RFC 6238: SHA-1, 6 digits, 30 s). enrol: creates a secret for\n"
   "the account and prints the otpauth:// URI and the base32 secret once (refused when one\n"
   "exists); reset: removes it (lost device). Required for sysadmin, secadmin, auditor and\n"
   "assessor when the setting totp_enforce is 1."},
  {"user unlock", user_unlock_cmd, "secadmin",
   "user unlock NAME [--db F]",
   "Unlocks an account: clears an administrator lock and a lockout after failed logins."},
  {"whatif", whatif_cmd, "assessor",
   "whatif PERIOD --unit U --set IND=VALUE [--set ...] [--format table|json] [--db F]",
   "What if unit U's values were different? Scores a copy of the period's stored inputs\n"
   "with U's values set and prints its total, rank and grade before and after, and each\n"
   "changed indicator's value and points. VALUE is a number, group_median, group_mean,\n"
   "group_best (of U's peer group's present values, before any change), target, or\n"
   "timeprogress (U's target x time progress). Stores nothing."},
  {"wish act", wish_act_cmd, "party member",
   "wish act ID claim|progress|complete|release|reject [--note TEXT] [--as NAME] [--db F]",
   "A party member's step on a micro-wish (--as the account): claim (认领) it, post progress,\n"
   "complete it with a proof (--note: what was done), or release it; a leader may reject a\n"
   "wish (spam, abuse) with a reason. The lifecycle is the table in src/wish.c. Audited."},
  {"wish confirm", wish_confirm_cmd, "public",
   "wish confirm CODE --rating 1-5 [--note TEXT] [--db F]",
   "The submitter confirms a completed wish with the tracking code and rates it (满意度)."},
  {"wish dispute", wish_dispute_cmd, "public",
   "wish dispute CODE --note TEXT [--db F]",
   "The submitter says a completed wish is not done: it goes back to in progress."},
  {"wish feed", wish_feed_cmd, "assessor",
   "wish feed PERIOD [--claim7 CODE|none] [--completed CODE|none] [--satisfied CODE|none] [--db F]",
   "Writes the period's per-unit wish rates as observations (provenance wish) of an open\n"
   "period: by default claimed within 7 days -> D1 (微心愿认领率) and satisfied (4-5 stars)\n"
   "-> D2 (微心愿办结满意率); the completion rate is written only with --completed CODE.\n"
   "Unchanged values add no revision. `review compute` runs it first (D1/D2). Audited."},
  {"wish list", wish_list_cmd, "party member",
   "wish list [--unit U] [--state open|submitted|claimed|in_progress|done|confirmed|rejected]\n"
   "      [--category C] [--page N] [--format text|json] [--db F]",
   "The wish board, longest idle first: state, category, unit, masked contact, days since\n"
   "submission and since the last activity, who claimed it."},
  {"wish show", wish_show_cmd, "party member",
   "wish show ID [--format text|json] [--db F]",
   "One wish with every event (who, when, note)."},
  {"wish stats", wish_stats_cmd, "assessor",
   "wish stats PERIOD [--format text|json] [--db F]",
   "Per unit for the period (local +08:00 days): submitted, due for a claim, claimed within\n"
   "7 days, completed, confirmed, satisfied, and the three rates."},
  {"wish submit", wish_submit_cmd, "worker",
   "wish submit --unit U --category C --place P --text T --contact PHONE [--db F]",
   "A grassroots worker enters a citizen's wish (categories 学位 床位 车位 厕位 就业 养老\n"
   "其他). The phone number is stored only as a keyed hash (key in DB.wish-key) and masked\n"
   "(138****1234). Prints the tracking code once: the citizen confirms with it."},
};
const int nVerb = (int)(sizeof aVerb / sizeof aVerb[0]);

const Verb *verb_find(int argc, char **argv, int *pnWords) {
  /* Two-word phrases first, so "data import" wins over a hypothetical "data". */
  if (argc >= 2) {
    for (int i = 0; i < nVerb; i++) {
      const char *zSp = strchr(aVerb[i].zName, ' ');
      if (!zSp) continue;
      size_t n1 = (size_t)(zSp - aVerb[i].zName);
      if (strlen(argv[0]) == n1 && strncmp(argv[0], aVerb[i].zName, n1) == 0 &&
          strcmp(argv[1], zSp + 1) == 0) {
        *pnWords = 2;
        return &aVerb[i];
      }
    }
  }
  if (argc >= 1) {
    for (int i = 0; i < nVerb; i++) {
      if (strcmp(argv[0], aVerb[i].zName) == 0) {
        *pnWords = 1;
        return &aVerb[i];
      }
    }
  }
  return NULL;
}

void verb_print_help(const Verb *p) {
  printf("usage: kaoping %s\n\n%s\n", p->zUsage, p->zHelp);
  printf("\nneeds capability: %s\n", p->zCap);
}

void verb_print_list(void) {
  printf("usage: kaoping VERB [ARGS] (kaoping VERB --help for details)\n\nverbs:\n");
  for (int i = 0; i < nVerb; i++) {
    const char *zNl = strchr(aVerb[i].zHelp, '\n');
    int n = zNl ? (int)(zNl - aVerb[i].zHelp) : (int)strlen(aVerb[i].zHelp);
    printf("  %-16s %.*s\n", aVerb[i].zName, n, aVerb[i].zHelp);
  }
  printf("\nexit codes: 0 ok, 1 bad input (nothing written), 2 usage, 3 verification "
         "mismatch, 4 internal error\n");
}

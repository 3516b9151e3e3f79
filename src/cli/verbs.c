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
  {"feed batches", feed_batches_cmd, "assessor",
   "feed batches [--feed CODE] [--db F]",
   "Lists the import batches of feeds: rows read, records added, duplicates, rejects, the\n"
   "file's lines covered, when and from which file; and the number of records stored."},
  {"feed derive", feed_derive_cmd, "local",
   "feed derive FEED FILE...|--db F [--period-kind month|bimonth|quarter|half|year]\n"
   "      [--format csv|json] [--units units.csv] [--threads N] [--strict]",
   "Computes a feed's derived indicators straight from its export files, storing nothing\n"
   "(the fast path; docs/feeds.md): one row per unit, period and indicator, as CSV\n"
   "unit,period,indicator,value (default) or JSON. FEED is a built-in feed (hotline) or a\n"
   "definition file. CSV per RFC 4180, UTF-8 with or without BOM or GBK, columns in any\n"
   "order (matched by header name or alias). Periods by the feed's period field (default\n"
   "month: 2021-M03; bimonth 2021-B2; quarter 2021-Q1). A rate with nothing to divide by is\n"
   "empty (null); medians are exact. Bad rows are listed on stderr as FILE: line L, column\n"
   "C: reason and left out; --strict makes any bad row fail the run (exit 1, no output).\n"
   "--units limits unit codes to a units file's. --threads: parts per file (default: cores).\n"
   "With --db instead of files: the same from the records `feed import` stored."},
  {"feed import", feed_import_cmd, "assessor",
   "feed import FEED FILE... [--batch-rows 50000] [--rejects FILE]\n"
   "      [--observe IND=LEAF[*SCALE],...] [--no-observations] [--db F]",
   "Imports a feed's export files (CSV as for `feed derive`) into the database, streaming:\n"
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
   "published. Prints the group ranks."},
  {"review publish", review_publish_cmd, "assessor",
   "review publish PERIOD [--db F]",
   "Publishes the computed review of a closed period, if its inputs (SHA-256 of the\n"
   "canonical inputs) are still the store's; else recompute first. Supersedes an earlier\n"
   "publication of the period and freezes the period's data, so that `review verify` can\n"
   "confirm it later."},
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

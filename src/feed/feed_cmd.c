/*
** feed/feed_cmd.c: the verbs `kaoping feed derive` and `kaoping feed show`.
**
**   kaoping feed derive FEED FILE... [--period-kind month|bimonth|quarter|half|year]
**                       [--format csv|json] [--units units.csv] [--threads N] [--strict]
**   kaoping feed show [FEED]
**
** FEED is a built-in feed code (hotline) or a definition file (JSON, docs/feeds.md).
** `feed derive` is the fast path: it computes the feed's indicators straight from the
** files and stores nothing; one row per unit, period and indicator. Bad rows are listed on
** standard error as "FILE: line L, column C: reason" and left out of every indicator; with
** --strict any bad row makes the run fail (exit 1) with no output. What this file is not
** for: parsing (reader.c), the arithmetic (derive.c).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "feed/def.h"
#include "feed/derive.h"
#include "period.h"
#include "store/db.h"
#include "util/csv.h"
#include "util/mem.h"
#include "util/text.h"

/* Loads a feed: a built-in code, else a JSON definition file. NULL with *pzErr. */
FeedDef *feed_load(const char *zFeed, char **pzErr);
FeedDef *feed_load(const char *zFeed, char **pzErr) {
  FeedDef *p = feed_def_builtin(zFeed);
  if (p) return p;
  if (access(zFeed, R_OK) != 0) {
    *pzErr = xasprintf("no built-in feed \"%s\" (there is: hotline) and no definition file of "
                       "that name", zFeed);
    return NULL;
  }
  char *zText = NULL;
  size_t nText = 0;
  if (text_load(zFeed, &zText, &nText, NULL, pzErr)) return NULL;
  p = feed_def_parse(zFeed, zText, pzErr);
  free(zText);
  return p;
}

static int feed_cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the unit codes of a units file (column code, 单位代码 or 单位编码), sorted. */
static int feed_load_units(const char *zPath, char ***pazOut, int *pnOut, char **pzErr) {
  CsvReader r;
  if (csv_open(&r, zPath, pzErr)) return -1;
  int rc = csv_next(&r, pzErr);
  if (rc <= 0) {
    if (rc == 0) *pzErr = xasprintf("%s: the file is empty", zPath);
    csv_close(&r);
    return -1;
  }
  int iCol = csv_field_index(&r, "code");
  if (iCol < 0) iCol = csv_field_index(&r, "单位代码");
  if (iCol < 0) iCol = csv_field_index(&r, "单位编码");
  if (iCol < 0) {
    *pzErr = xasprintf("%s: line 1: no column code (or 单位代码, 单位编码)", zPath);
    csv_close(&r);
    return -1;
  }
  char **az = NULL;
  int n = 0;
  while ((rc = csv_next(&r, pzErr)) == 1) {
    if (iCol >= r.nField) continue;
    az = xrealloc_array(az, (size_t)n + 1, sizeof(char *));
    az[n++] = xstrdup(text_trim(r.azField[iCol]));
  }
  csv_close(&r);
  if (rc < 0) {
    for (int i = 0; i < n; i++) free(az[i]);
    free(az);
    return -1;
  }
  qsort(az, (size_t)n, sizeof(char *), feed_cmp_str);
  *pazOut = az;
  *pnOut = n;
  return 0;
}

static void feed_json_string(Buf *b, const char *z) {
  buf_putc(b, '"');
  for (; *z; z++) {
    unsigned char c = (unsigned char)*z;
    if (c == '"' || c == '\\') { buf_putc(b, '\\'); buf_putc(b, (char)c); }
    else if (c < 0x20) buf_printf(b, "\\u%04x", c);
    else buf_putc(b, (char)c);
  }
  buf_putc(b, '"');
}

/* CSV field: quoted when it holds a comma, quote or line break. */
static void feed_csv_field(Buf *b, const char *z) {
  if (!strpbrk(z, ",\"\r\n")) { buf_puts(b, z); return; }
  buf_putc(b, '"');
  for (; *z; z++) {
    if (*z == '"') buf_putc(b, '"');
    buf_putc(b, *z);
  }
  buf_putc(b, '"');
}

int feed_parse_period_kind(const char *z, PeriodKind *pe);
int feed_parse_period_kind(const char *z, PeriodKind *pe) {
  static const struct { const char *z; PeriodKind e; } a[] = {
    {"month", PERIOD_MONTH}, {"bimonth", PERIOD_BIMONTH}, {"quarter", PERIOD_QUARTER},
    {"half", PERIOD_HALF}, {"year", PERIOD_YEAR}};
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
    if (strcmp(z, a[i].z) == 0) { *pe = a[i].e; return 0; }
  return -1;
}

int feed_derive_stored(Db *pDb, const FeedDef *d, PeriodKind eKind, FeedResult *pRes,
                       char **pzErr);

int feed_derive_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "feed derive", argc, argv);
  const char *zDb = cli_opt(&a, "--db");
  const char *zKind = cli_opt(&a, "--period-kind");
  const char *zFormat = cli_opt(&a, "--format");
  const char *zUnits = cli_opt(&a, "--units");
  const char *zThreads = cli_opt(&a, "--threads");
  int bStrict = cli_flag(&a, "--strict");
  const char **azPos = NULL;
  int nPos = cli_positionals(&a, &azPos);
  int rc = EXIT_OK;
  FeedDef *pDef = NULL;
  char **azUnit = NULL;
  int nUnit = 0;
  char *zErr = NULL;
  PeriodKind eKind = PERIOD_MONTH;
  if (cli_finish(&a)) { rc = EXIT_USAGE; goto done; }
  if (nPos < 2 && !(zDb && nPos == 1)) {
    cli_error(&a, "a feed and at least one file (or --db) are required (kaoping feed derive "
                  "hotline FILE)");
    rc = EXIT_USAGE;
    goto done;
  }
  if (zKind && feed_parse_period_kind(zKind, &eKind)) {
    cli_error(&a, "--period-kind must be month, bimonth, quarter, half or year");
    rc = EXIT_USAGE;
    goto done;
  }
  if (zFormat && strcmp(zFormat, "csv") != 0 && strcmp(zFormat, "json") != 0) {
    cli_error(&a, "--format must be csv or json");
    rc = EXIT_USAGE;
    goto done;
  }
  int nThreads = 2;
  if (zThreads) {
    nThreads = atoi(zThreads);
    if (nThreads < 1 || nThreads > 16) {
      cli_error(&a, "--threads must be 1 to 16");
      rc = EXIT_USAGE;
      goto done;
    }
  } else {
    long nCpu = sysconf(_SC_NPROCESSORS_ONLN);
    nThreads = nCpu >= 2 ? (nCpu > 8 ? 8 : (int)nCpu) : 1;
  }
  pDef = feed_load(azPos[0], &zErr);
  if (!pDef) {
    fprintf(stderr, "%s\n", zErr);
    rc = EXIT_BAD_INPUT;
    goto done;
  }
  if (zUnits && feed_load_units(zUnits, &azUnit, &nUnit, &zErr)) {
    fprintf(stderr, "%s\n", zErr);
    rc = EXIT_BAD_INPUT;
    goto done;
  }
  FeedDeriveOpts opts = {eKind, nThreads, 2u << 20, (const char *const *)azUnit, nUnit, 1000};
  if (!zUnits) opts.azKnownUnit = NULL;
  FeedResult res;
  FeedDeriveStats st;
  char *zProblems = NULL;
  memset(&st, 0, sizeof st);
  if (zDb) {
    if (nPos > 1) {
      cli_error(&a, "either files or --db, not both");
      rc = EXIT_USAGE;
      goto done;
    }
    Db *pDb = NULL;
    if (db_open(zDb, 0, &pDb, &zErr)) {
      fprintf(stderr, "%s\n", zErr);
      rc = EXIT_INTERNAL;
      goto done;
    }
    int rcD = feed_derive_stored(pDb, pDef, eKind, &res, &zErr);
    db_close(pDb);
    if (rcD) {
      fprintf(stderr, "%s\n", zErr);
      rc = EXIT_INTERNAL;
      goto done;
    }
    zProblems = xstrdup("");
  } else if (feed_derive_files(pDef, azPos + 1, nPos - 1, &opts, &res, &st, &zProblems, &zErr)) {
    fputs(zProblems ? zProblems : "", stderr);
    fprintf(stderr, "%s\n", zErr);
    free(zProblems);
    rc = EXIT_BAD_INPUT;
    goto done;
  }
  fputs(zProblems, stderr);
  free(zProblems);
  if (getenv("KAOPING_FEED_STATS"))
    fprintf(stderr, "rows %lld, bad %lld, bytes %llu, files read again whole %d\n",
            (long long)st.nRows, (long long)st.nBad, (unsigned long long)st.nBytes, st.nFallback);
  if (st.nBad > 0) {
    fprintf(stderr, "kaoping feed derive: %lld of %lld rows are bad and were left out%s\n",
            (long long)st.nBad, (long long)st.nRows, bStrict ? "; nothing derived (--strict)" : "");
    if (bStrict) {
      feed_result_free(&res);
      rc = EXIT_BAD_INPUT;
      goto done;
    }
  }
  Buf b = BUF_INIT;
  int bJson = zFormat && strcmp(zFormat, "json") == 0;
  if (bJson) buf_puts(&b, "[\n");
  else buf_puts(&b, "unit,period,indicator,value\n");
  for (int i = 0; i < res.nVal; i++) {
    const FeedValue *v = &res.aVal[i];
    char zNum[32] = "";
    if (!v->bMissing) text_fmt_double(zNum, v->rValue);
    if (bJson) {
      buf_puts(&b, "  {\"unit\": ");
      feed_json_string(&b, v->zUnit);
      buf_printf(&b, ", \"period\": \"%s\", \"indicator\": ", v->zPeriod);
      feed_json_string(&b, pDef->aInd[v->iInd].zCode);
      buf_printf(&b, ", \"value\": %s, \"n\": %lld}%s\n", v->bMissing ? "null" : zNum,
                 (long long)v->nBase, i + 1 < res.nVal ? "," : "");
    } else {
      feed_csv_field(&b, v->zUnit);
      buf_printf(&b, ",%s,", v->zPeriod);
      feed_csv_field(&b, pDef->aInd[v->iInd].zCode);
      buf_printf(&b, ",%s\n", zNum);
    }
    if (b.n > (1u << 20)) {
      if (fwrite(b.z, 1, b.n, stdout) != b.n) rc = EXIT_INTERNAL;
      buf_reset(&b);
    }
  }
  if (bJson) buf_puts(&b, "]\n");
  if (b.n && fwrite(b.z, 1, b.n, stdout) != b.n) rc = EXIT_INTERNAL;
  if (fflush(stdout)) rc = EXIT_INTERNAL;
  buf_free(&b);
  feed_result_free(&res);
done:
  free(zErr);
  for (int i = 0; i < nUnit; i++) free(azUnit[i]);
  free(azUnit);
  feed_def_free(pDef);
  free(azPos);
  cli_free(&a);
  return rc;
}

int feed_show_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "feed show", argc, argv);
  const char *zFeed = cli_positional(&a, 0);
  if (cli_finish(&a)) { cli_free(&a); return EXIT_USAGE; }
  int rc = EXIT_OK;
  if (!zFeed) zFeed = "hotline";
  const char *zJson = feed_def_builtin_json(zFeed);
  if (zJson) {
    fputs(zJson, stdout);
  } else {
    char *zErr = NULL;
    FeedDef *p = feed_load(zFeed, &zErr);
    if (!p) {
      fprintf(stderr, "%s\n", zErr);
      rc = EXIT_BAD_INPUT;
    } else {
      printf("feed %s (%s): %d fields, %d indicators\n", p->zCode, p->zName, p->nField, p->nInd);
      for (int i = 0; i < p->nInd; i++)
        printf("  %s  %s  (%s)\n", p->aInd[i].zCode, p->aInd[i].zName, p->aInd[i].zUnit);
    }
    free(zErr);
    feed_def_free(p);
  }
  cli_free(&a);
  return rc;
}

/*
** observation.c: indicator values (指标值): `data import` (files of values for an open
** period) and `data revise` (one audited correction, in any state).
**
** NOTES ON THE DESIGN
**  - Observations are append-only (store/schema.c): every accepted value that differs from
**    the current one is a NEW ROW with the next revision for (period, unit, indicator); the
**    current value is the highest revision (view observation_current). Nothing here ever
**    updates or deletes an observation, so the whole history stays, as DESIGN.md asks of
**    corrections after publication.
**  - A value equal to the current one (both missing counts as equal) adds no revision, so
**    re-importing the same file is harmless and the history shows only real changes.
**  - An empty value cell means "reported missing" (value NULL), which the scoring engine
**    treats by the leaf's missing-data policy. It is not an error.
**  - `data import` takes several files as one batch: all rows of all files are checked
**    first, inside one transaction; any bad row anywhere imports nothing (exit 1) unless
**    --skip-bad. The same unit+indicator twice, in one file or across files, is a bad row
**    (the later one): which value is meant is ambiguous.
**  - State rules: import only into an OPEN period (closed: entry is over; published: frozen,
**    use `data revise`). `data revise` works in any state and requires a reason, which is
**    stored with the revision.
**
** Header: unit,indicator,value[,note] (Chinese: 单位代码|单位编码, 指标代码, 数值|指标值, 备注);
** other columns are ignored. Values may be negative (growth rates): that is never an error.
** A `manual` leaf's value is points given by a department and must lie in 0..weight
** (SCORING.md), which is checked here so that the mistake surfaces at entry, not at scoring.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "period_store.h"
#include "scheme_store.h"
#include "store/db.h"
#include "store/import.h"
#include "util/mem.h"
#include "util/table.h"
#include "util/text.h"

enum { VC_UNIT, VC_INDICATOR, VC_VALUE, VC_NOTE, VC__COUNT };

static const ImportColumn aValueColumn[VC__COUNT] = {
  {"unit", {"单位代码", "单位编码", NULL}, 1},
  {"indicator", {"指标代码", NULL, NULL}, 1},
  {"value", {"数值", "指标值", NULL}, 1},
  {"note", {"备注", NULL, NULL}, 0},
};

typedef struct ValueRow {
  int iFile;               /* index into the command's files */
  int iLine;
  char *zUnit, *zIndicator, *zNote; /* arena; zNote NULL when empty */
  double rValue;           /* NaN = reported missing */
  int bBad;
  int bIgnore;             /* empty value for a unit the leaf does not apply to */
} ValueRow;

/* One file of a `data import`. */
typedef struct ValueFile {
  const char *zPath;
  char *zFormat;           /* "UTF-8" ... "XLSX" (copied: the reader is closed early) */
  char zSha256[65];
  int nOk, nBad, nIgnored, nNew, nSame;
} ValueFile;

/* Are two values (NaN = missing) the same observation value? */
static int obs_same_value(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return a == b;
}

static void obs_fmt_value(char *z, double r) {
  if (isnan(r)) strcpy(z, "(missing)");
  else text_fmt_double(z, r);
}

/* Checks a value against its leaf: manual points must lie in 0..weight. Returns NULL or a
** reason (malloc'd). */
static char *obs_value_problem(const Scheme *pScheme, int iNode, double rValue) {
  const SchemeNode *n = &pScheme->aNode[iNode];
  if (n->eMethod == METHOD_MANUAL && !isnan(rValue) && (rValue < 0 || rValue > n->rWeight)) {
    char zV[32], zW[32];
    text_fmt_double(zV, rValue);
    text_fmt_double(zW, n->rWeight);
    return xasprintf("indicator %s is scored manually: its value is the points given, 0 to %s "
                     "(the weight), not %s", n->zCode, zW, zV);
  }
  return NULL;
}

/* Reads the period row and refuses it unless its state allows zVerb. bImport: only open. */
static int obs_period_check(Db *pDb, const char *zVerb, const char *zPeriod, int bImport,
                            PeriodRow *pPer) {
  int rc = period_store_get(pDb, zPeriod, pPer);
  if (rc < 0) {
    fprintf(stderr, "kaoping %s: database error: %s\n", zVerb, db_errmsg(pDb));
    return -1;
  }
  if (!rc) {
    fprintf(stderr, "kaoping %s: no period %s (kaoping period list; kaoping period open)\n",
            zVerb, zPeriod);
    return -1;
  }
  if (!bImport) return 0;
  if (strcmp(pPer->zState, "closed") == 0) {
    fprintf(stderr, "kaoping %s: period %s is closed: data entry is over (a correction is "
            "kaoping data revise ... --reason TEXT)\n", zVerb, pPer->zCode);
    return -1;
  }
  if (strcmp(pPer->zState, "published") == 0) {
    fprintf(stderr, "kaoping %s: period %s is published and its data are frozen: use "
            "kaoping data revise ... --reason TEXT for an audited correction\n", zVerb,
            pPer->zCode);
    return -1;
  }
  return 0;
}

/* Validates one data row of t into r (problems into pLog). */
static void obs_check_row(Arena *pArena, const TableReader *t, const int *aiCol,
                          const ImportUnits *pUnits, const Scheme *pScheme, const char *zLabel,
                          ImportKeys *pKeys, ImportLog *pLog, ValueRow *r) {
  r->iLine = t->iLine;
  r->zUnit = import_field(pArena, t, aiCol[VC_UNIT]);
  r->zIndicator = import_field(pArena, t, aiCol[VC_INDICATOR]);
  char *zValue = import_field(pArena, t, aiCol[VC_VALUE]);
  char *zNote = import_field(pArena, t, aiCol[VC_NOTE]);
  r->zNote = zNote[0] ? zNote : NULL;
  r->rValue = NAN;
  int iNode;
  const ImportUnit *pUnit;
  ImportCells e = import_check_cells(t, pLog, pUnits, pScheme, zLabel, aiCol[VC_UNIT], r->zUnit,
                                     aiCol[VC_INDICATOR], r->zIndicator, &iNode, &pUnit);
  if (e == IMPORT_CELLS_BAD) r->bBad = 1;
  if (zValue[0] && text_parse_double(zValue, &r->rValue)) {
    import_problem(pLog, t, r->iLine, aiCol[VC_VALUE], "value \"%s\" is not a number", zValue);
    r->rValue = NAN;
    r->bBad = 1;
  } else if (e == IMPORT_CELLS_NA) {
    if (zValue[0]) {
      char *zWhy = import_na_reason(pScheme, iNode, pUnit);
      import_problem(pLog, t, r->iLine, aiCol[VC_VALUE], "%s", zWhy);
      free(zWhy);
      r->bBad = 1;
    } else {
      r->bIgnore = 1; /* an empty cell where no value belongs: nothing to store */
    }
  } else if (e == IMPORT_CELLS_OK) {
    char *zWhy = obs_value_problem(pScheme, iNode, r->rValue);
    if (zWhy) {
      import_problem(pLog, t, r->iLine, aiCol[VC_VALUE], "%s", zWhy);
      free(zWhy);
      r->bBad = 1;
    }
  }
  const ImportKeySeen *pSeen;
  /* Every row that names a unit and an indicator counts for duplicates, bad or not: when
  ** one of two rows for the same cell is wrong, which one was meant is still unknown. */
  if (r->zUnit[0] && r->zIndicator[0] && !r->bIgnore &&
      (pSeen = import_keys_add(pKeys, r->zUnit, r->zIndicator, t)) && !r->bBad) {
    char *zFirst = import_keys_where(pSeen, t);
    import_problem(pLog, t, r->iLine, aiCol[VC_UNIT], "duplicate row for unit %s, indicator %s "
                   "(first on %s)", r->zUnit, r->zIndicator, zFirst);
    free(zFirst);
    r->bBad = 1;
  }
}

/* Adds a revision when the value differs from the current one. *pbNew says whether it did.
** Returns 0 or -1 (SQL error). */
static int obs_put(Stmt *pCur, Stmt *pIns, const char *zPeriod, const char *zUnit,
                   const char *zIndicator, double rValue, const char *zNote,
                   const char *zProvenance, int64_t iBatch, const char *zReason,
                   const char *zNow, int *pbNew, int *piRevision, double *prOld) {
  stmt_bind_text(pCur, 1, zPeriod);
  stmt_bind_text(pCur, 2, zUnit);
  stmt_bind_text(pCur, 3, zIndicator);
  int rc = stmt_step(pCur);
  int iRev = rc == 1 ? (int)stmt_int(pCur, 0) : 0;
  double rOld = rc == 1 ? stmt_double(pCur, 1) : NAN;
  stmt_reset(pCur);
  if (rc < 0) return -1;
  if (prOld) *prOld = rOld;
  *pbNew = 0;
  *piRevision = iRev;
  if (iRev > 0 && obs_same_value(rOld, rValue)) return 0;
  stmt_bind_text(pIns, 1, zPeriod);
  stmt_bind_text(pIns, 2, zUnit);
  stmt_bind_text(pIns, 3, zIndicator);
  stmt_bind_int(pIns, 4, iRev + 1);
  stmt_bind_double(pIns, 5, rValue); /* NaN binds NULL: reported missing */
  stmt_bind_text(pIns, 6, zNote);
  stmt_bind_text(pIns, 7, zProvenance);
  if (iBatch > 0) stmt_bind_int(pIns, 8, iBatch);
  else stmt_bind_null(pIns, 8);
  stmt_bind_text(pIns, 9, zReason);
  stmt_bind_text(pIns, 10, cli_actor());
  stmt_bind_text(pIns, 11, zNow);
  if (stmt_run(pIns)) return -1;
  *pbNew = 1;
  *piRevision = iRev + 1;
  return 0;
}

#define OBS_SQL_CURRENT                                                                    \
  "SELECT revision, value FROM observation WHERE period = ?1 AND unit = ?2"                \
  " AND indicator = ?3 ORDER BY revision DESC LIMIT 1"
#define OBS_SQL_INSERT                                                                     \
  "INSERT INTO observation(period, unit, indicator, revision, value, note, provenance,"    \
  " state, batch_id, reason, entered_by, entered_at)"                                      \
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'submitted', ?8, ?9, ?10, ?11)"

static int obs_provenance_valid(const char *z) {
  return strcmp(z, "self") == 0 || strcmp(z, "department") == 0 || strcmp(z, "feed") == 0;
}

int data_import_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "data import", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char *zPeriod = cli_opt(&args, "--period");
  const char *zProvenance = cli_opt(&args, "--provenance");
  int bSkipBad = cli_flag(&args, "--skip-bad");
  const char **azPath = NULL;
  int nFile = cli_positionals(&args, &azPath);
  if (cli_finish(&args) || nFile == 0 || !zPeriod || !*zPeriod) {
    if (nFile == 0 || !zPeriod || !*zPeriod)
      cli_error(&args, "usage: kaoping data import FILE... --period P "
                       "[--provenance self|department|feed] [--skip-bad]");
    free(azPath);
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (!zProvenance) zProvenance = "self";
  if (!obs_provenance_valid(zProvenance)) {
    cli_error(&args, "--provenance must be self, department or feed");
    free(azPath);
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping data import: %s\n", zErr);
    free(zErr);
    free(azPath);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  ImportLog log = IMPORT_LOG_INIT;
  ImportUnits units;
  memset(&units, 0, sizeof units);
  ImportKeys keys;
  memset(&keys, 0, sizeof keys);
  Arena *pArena = arena_new();
  ValueFile *aFile = xcalloc((size_t)nFile, sizeof(ValueFile));
  ValueRow *aRow = NULL;
  int nRow = 0, nRowAlloc = 0, nBad = 0, bFileError = 0;
  Scheme *pScheme = NULL;
  char *zLabel = NULL;
  int rc = EXIT_BAD_INPUT;

  /* One transaction from the first check to the commit (BEGIN IMMEDIATE: no other writer
  ** can change the period, units or current values between checking and writing). */
  if (db_begin(pDb)) goto sql_error;
  PeriodRow per;
  if (obs_period_check(pDb, "data import", zPeriod, 1, &per)) goto refuse;
  int iVersion;
  pScheme = scheme_store_load(pDb, per.iSchemeId, &iVersion, &zErr);
  if (!pScheme) {
    fprintf(stderr, "kaoping data import: %s\n", zErr);
    rc = EXIT_INTERNAL;
    goto refuse;
  }
  zLabel = xasprintf("%s@%d", pScheme->zCode, iVersion);
  if (import_units_load(pDb, &units)) goto sql_error;

  for (int f = 0; f < nFile; f++) {
    ValueFile *pF = &aFile[f];
    pF->zPath = azPath[f];
    TableReader t;
    if (import_open(&t, azPath[f], aValueColumn, VC__COUNT, &zErr)) {
      import_problem_text(&log, zErr);
      free(zErr);
      zErr = NULL;
      bFileError = 1;
      continue;
    }
    pF->zFormat = xstrdup(t.zFormat);
    memcpy(pF->zSha256, t.zSha256, sizeof pF->zSha256);
    int aiCol[VC__COUNT];
    if (import_map_header(&t, aValueColumn, VC__COUNT, aiCol, &log)) {
      bFileError = 1;
      table_close(&t);
      continue;
    }
    import_print_header_note(&t, "data import");
    int rcRow;
    while ((rcRow = import_next_row(&t, &log, &pF->nBad)) > 0) {
      if (nRow >= nRowAlloc) {
        nRowAlloc = nRowAlloc ? 2 * nRowAlloc : 256;
        aRow = xrealloc_array(aRow, (size_t)nRowAlloc, sizeof(ValueRow));
      }
      ValueRow *r = &aRow[nRow++];
      memset(r, 0, sizeof *r);
      r->iFile = f;
      obs_check_row(pArena, &t, aiCol, &units, pScheme, zLabel, &keys, &log, r);
      if (r->bBad) pF->nBad++;
      else if (r->bIgnore) pF->nIgnored++;
      else pF->nOk++;
    }
    if (rcRow < 0) bFileError = 1;
    nBad += pF->nBad;
    table_close(&t);
  }
  if (bFileError) {
    /* a file that cannot be read, has no usable header or an unclosed quote has no rows
    ** that can be trusted */
    import_log_print(&log, stderr);
    fprintf(stderr, "kaoping data import: nothing imported\n");
    goto refuse;
  }
  if (nBad && !bSkipBad) {
    import_print_refusal("data import", &log, nBad);
    goto refuse;
  }

  char zNow[32];
  db_now(zNow);
  Stmt *pCur = db_prepare(pDb, OBS_SQL_CURRENT);
  Stmt *pIns = db_prepare(pDb, OBS_SQL_INSERT);
  int rcSql = 0, iRow = 0, bAuditFailed = 0;
  for (int f = 0; f < nFile && !rcSql; f++) {
    ValueFile *pF = &aFile[f];
    int64_t iBatch = 0;
    if (import_batch_add(pDb, "values", pF->zPath, pF->zSha256, pF->zFormat, pF->nOk, pF->nBad,
                         &iBatch)) {
      rcSql = -1;
      break;
    }
    for (; iRow < nRow && aRow[iRow].iFile == f; iRow++) {
      ValueRow *r = &aRow[iRow];
      if (r->bBad || r->bIgnore) continue;
      int bNew, iRev;
      if (obs_put(pCur, pIns, per.zCode, r->zUnit, r->zIndicator, r->rValue, r->zNote,
                  zProvenance, iBatch, NULL, zNow, &bNew, &iRev, NULL)) {
        rcSql = -1;
        break;
      }
      if (bNew) pF->nNew++;
      else pF->nSame++;
    }
    if (rcSql) break;
    char *zObject = xasprintf("period:%s", per.zCode);
    int rcAudit = import_audit(pDb, "data.import", zObject,
                               json_pack("{s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:i, s:i}",
                                         "file", pF->zPath, "sha256", pF->zSha256, "encoding",
                                         pF->zFormat, "batch", (json_int_t)iBatch,
                                         "provenance", zProvenance, "rows_ok", pF->nOk,
                                         "rows_skipped", pF->nBad, "new", pF->nNew,
                                         "unchanged", pF->nSame));
    free(zObject);
    if (rcAudit) {
      bAuditFailed = 1;
      break;
    }
  }
  stmt_finalize(pCur);
  stmt_finalize(pIns);
  if (bAuditFailed) {
    fprintf(stderr, "kaoping data import: cannot write the audit record; nothing imported\n");
    rc = EXIT_INTERNAL;
    goto refuse;
  }
  if (rcSql || db_commit(pDb)) goto sql_error;
  if (nBad) import_log_print(&log, stderr);
  for (int f = 0; f < nFile; f++) {
    ValueFile *pF = &aFile[f];
    printf("imported %d value%s for %s from %s (%s)", pF->nNew, pF->nNew == 1 ? "" : "s",
           per.zCode, pF->zPath, pF->zFormat);
    if (pF->nSame) printf("; %d unchanged", pF->nSame);
    if (pF->nIgnored) printf("; %d empty where the indicator does not apply", pF->nIgnored);
    if (pF->nBad || bSkipBad) printf("; %d skipped", pF->nBad);
    printf("\n");
  }
  rc = EXIT_OK;
  goto done;
sql_error:
  fprintf(stderr, "kaoping data import: database error: %s; nothing imported\n",
          db_errmsg(pDb));
  rc = EXIT_INTERNAL;
refuse:
  db_rollback(pDb);
done:
  for (int f = 0; f < nFile; f++) free(aFile[f].zFormat);
  free(aFile);
  free(aRow);
  free(zLabel);
  scheme_free(pScheme);
  import_units_free(&units);
  import_keys_free(&keys);
  arena_free(pArena);
  import_log_free(&log);
  free(zErr);
  db_close(pDb);
  free(azPath);
  cli_free(&args);
  return rc;
}

int data_revise_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "data revise", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char *zPeriod = cli_opt(&args, "--period");
  const char *zUnit = cli_opt(&args, "--unit");
  const char *zIndicator = cli_opt(&args, "--indicator");
  const char *zValue = cli_opt(&args, "--value");
  const char *zReason = cli_opt(&args, "--reason");
  const char *zProvenance = cli_opt(&args, "--provenance");
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (!zPeriod || !*zPeriod || !zUnit || !*zUnit || !zIndicator || !*zIndicator || !zValue) {
    cli_error(&args, "usage: kaoping data revise --period P --unit U --indicator I --value V "
                     "--reason TEXT (--value '' records a missing value)");
    cli_free(&args);
    return EXIT_USAGE;
  }
  char *zReasonCopy = xstrdup(zReason ? zReason : "");
  text_trim(zReasonCopy);
  if (!zReasonCopy[0]) {
    cli_error(&args, "--reason is required: say why the value changes (it is kept with the "
                     "revision)");
    free(zReasonCopy);
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (zProvenance && !obs_provenance_valid(zProvenance)) {
    cli_error(&args, "--provenance must be self, department or feed");
    free(zReasonCopy);
    cli_free(&args);
    return EXIT_USAGE;
  }
  double rValue = NAN;
  char *zValueCopy = text_trim(xstrdup(zValue));
  if (zValueCopy[0] && text_parse_double(zValueCopy, &rValue)) {
    fprintf(stderr, "kaoping data revise: --value \"%s\" is not a number (give '' for a missing "
            "value)\n", zValueCopy);
    free(zValueCopy);
    free(zReasonCopy);
    cli_free(&args);
    return EXIT_BAD_INPUT;
  }
  free(zValueCopy);
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping data revise: %s\n", zErr);
    free(zErr);
    free(zReasonCopy);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  Scheme *pScheme = NULL;
  char *zProvCopy = NULL;
  int rc = EXIT_BAD_INPUT;
  if (db_begin(pDb)) goto sql_error;
  PeriodRow per;
  if (obs_period_check(pDb, "data revise", zPeriod, 0, &per)) goto refuse;
  int iVersion;
  pScheme = scheme_store_load(pDb, per.iSchemeId, &iVersion, &zErr);
  if (!pScheme) {
    fprintf(stderr, "kaoping data revise: %s\n", zErr);
    rc = EXIT_INTERNAL;
    goto refuse;
  }
  Stmt *s = db_prepare(pDb, "SELECT peer_group FROM unit WHERE code = ?1");
  stmt_bind_text(s, 1, zUnit);
  int bUnit = stmt_step(s) == 1;
  char *zGroup = bUnit ? xstrdup(stmt_text(s, 0)) : NULL;
  stmt_finalize(s);
  if (!bUnit) {
    fprintf(stderr, "kaoping data revise: unknown unit %s\n", zUnit);
    goto refuse;
  }
  int iNode = scheme_find(pScheme, zIndicator);
  if (iNode < 0 || !pScheme->aNode[iNode].bLeaf) {
    fprintf(stderr, "kaoping data revise: %s %s: not an indicator of scheme %s@%d\n",
            iNode < 0 ? "unknown indicator" : "category", zIndicator, pScheme->zCode, iVersion);
    free(zGroup);
    goto refuse;
  }
  if (!zGroup || !scheme_leaf_applies(pScheme, iNode, zGroup)) {
    ImportUnit u = {(char *)zUnit, zGroup};
    char *zWhy = import_na_reason(pScheme, iNode, &u);
    fprintf(stderr, "kaoping data revise: %s\n", zWhy);
    free(zWhy);
    free(zGroup);
    goto refuse;
  }
  free(zGroup);
  char *zWhy = obs_value_problem(pScheme, iNode, rValue);
  if (zWhy) {
    fprintf(stderr, "kaoping data revise: %s\n", zWhy);
    free(zWhy);
    goto refuse;
  }
  /* provenance: as given, else that of the value being corrected, else self */
  if (zProvenance) {
    zProvCopy = xstrdup(zProvenance);
  } else {
    s = db_prepare(pDb, "SELECT provenance FROM observation WHERE period = ?1 AND unit = ?2"
                        " AND indicator = ?3 ORDER BY revision DESC LIMIT 1");
    stmt_bind_text(s, 1, per.zCode);
    stmt_bind_text(s, 2, zUnit);
    stmt_bind_text(s, 3, zIndicator);
    zProvCopy = xstrdup(stmt_step(s) == 1 ? stmt_text(s, 0) : "self");
    stmt_finalize(s);
  }
  char zNow[32];
  db_now(zNow);
  Stmt *pCur = db_prepare(pDb, OBS_SQL_CURRENT);
  Stmt *pIns = db_prepare(pDb, OBS_SQL_INSERT);
  int bNew = 0, iRev = 0;
  double rOld = NAN;
  int rcSql = obs_put(pCur, pIns, per.zCode, zUnit, zIndicator, rValue, NULL, zProvCopy, 0,
                      zReasonCopy, zNow, &bNew, &iRev, &rOld);
  stmt_finalize(pCur);
  stmt_finalize(pIns);
  if (rcSql) goto sql_error;
  char zOld[32], zNew[32];
  obs_fmt_value(zOld, rOld);
  obs_fmt_value(zNew, rValue);
  if (!bNew) {
    db_rollback(pDb);
    printf("%s %s %s: %s is already the current value (revision %d); nothing written\n",
           per.zCode, zUnit, zIndicator, zNew, iRev);
    rc = EXIT_OK;
    goto done;
  }
  char *zObject = xasprintf("observation:%s/%s/%s", per.zCode, zUnit, zIndicator);
  int rcAudit = import_audit(pDb, "data.revise", zObject,
                             json_pack("{s:o, s:o, s:i, s:s, s:s, s:s}",
                                       "old", iRev > 1 && !isnan(rOld) ? json_real(rOld)
                                                                       : json_null(),
                                       "new", isnan(rValue) ? json_null() : json_real(rValue),
                                       "revision", iRev, "reason", zReasonCopy,
                                       "period_state", per.zState, "provenance", zProvCopy));
  free(zObject);
  if (rcAudit) {
    fprintf(stderr, "kaoping data revise: cannot write the audit record; nothing written\n");
    rc = EXIT_INTERNAL;
    goto refuse;
  }
  if (db_commit(pDb)) goto sql_error;
  printf("revised %s %s %s: %s -> %s (revision %d, period %s)%s\n", per.zCode, zUnit,
         zIndicator, iRev > 1 ? zOld : "(none)", zNew, iRev, per.zState,
         strcmp(per.zState, "published") == 0
             ? "; recompute and republish the review to take it into account"
             : "");
  rc = EXIT_OK;
  goto done;
sql_error:
  fprintf(stderr, "kaoping data revise: database error: %s; nothing written\n", db_errmsg(pDb));
  rc = EXIT_INTERNAL;
refuse:
  db_rollback(pDb);
done:
  free(zProvCopy);
  free(zReasonCopy);
  free(zErr);
  scheme_free(pScheme);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

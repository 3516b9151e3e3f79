/*
** target.c: annual targets (目标值), `target import FILE --scheme CODE[@VERSION]`.
**
** Targets belong to a scheme VERSION (target.scheme_id): a revised scheme may change
** indicators, so its targets are imported for it anew, and the targets a published review
** used stay as they were. Header unit,indicator,target (Chinese: 单位代码|单位编码, 指标代码,
** 目标值). Bad rows, each reported "FILE: line L, column C: reason": empty or unknown unit,
** empty or unknown indicator, a category instead of a leaf, an empty or non-numeric target,
** a target for a unit the indicator does not apply to (its peer group, or a department), a
** unit+indicator given twice. An import upserts: a new target is added, a changed one
** replaced (targets are plans, not observations, so they carry no revision history; the
** import_batch row records each file that changed them).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "scheme_store.h"
#include "store/db.h"
#include "store/import.h"
#include "util/mem.h"
#include "util/table.h"
#include "util/text.h"

enum { TC_UNIT, TC_INDICATOR, TC_TARGET, TC__COUNT };

static const ImportColumn aTargetColumn[TC__COUNT] = {
  {"unit", {"单位代码", "单位编码", NULL}, 1},
  {"indicator", {"指标代码", NULL, NULL}, 1},
  {"target", {"目标值", NULL, NULL}, 1},
};

typedef struct TargetRow {
  int iLine;
  char *zUnit, *zIndicator; /* arena */
  double rTarget;
  int bBad;
} TargetRow;

int target_import_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "target import", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char *zSchemeSpec = cli_opt(&args, "--scheme");
  int bSkipBad = cli_flag(&args, "--skip-bad");
  const char *zPath = cli_positional(&args, 0);
  if (cli_finish(&args) || !zPath || !zSchemeSpec || !*zSchemeSpec) {
    if (!zPath || !zSchemeSpec || !*zSchemeSpec)
      cli_error(&args, "usage: kaoping target import FILE --scheme CODE[@VERSION] [--skip-bad]");
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping target import: %s\n", zErr);
    free(zErr);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  TableReader t;
  memset(&t, 0, sizeof t);
  ImportLog log = IMPORT_LOG_INIT;
  ImportUnits units;
  memset(&units, 0, sizeof units);
  ImportKeys keys;
  memset(&keys, 0, sizeof keys);
  Arena *pArena = arena_new();
  TargetRow *aRow = NULL;
  Scheme *pScheme = NULL;
  char *zLabel = NULL;
  int nRow = 0, nRowAlloc = 0, nBad = 0;
  int rc = EXIT_BAD_INPUT;
  int aiCol[TC__COUNT];

  /* Everything from here to the commit is one transaction: the units and scheme checked
  ** against are the ones the rows are written with. */
  if (db_begin(pDb)) goto sql_error;
  int64_t iSchemeId;
  int iVersion;
  if (scheme_store_resolve(pDb, zSchemeSpec, &iSchemeId, &iVersion, &zErr)) {
    fprintf(stderr, "kaoping target import: %s\n", zErr);
    goto refuse;
  }
  pScheme = scheme_store_load(pDb, iSchemeId, NULL, &zErr);
  if (!pScheme) {
    fprintf(stderr, "kaoping target import: %s\n", zErr);
    rc = EXIT_INTERNAL;
    goto refuse;
  }
  zLabel = xasprintf("%s@%d", pScheme->zCode, iVersion);
  if (import_units_load(pDb, &units)) goto sql_error;
  if (import_begin(&t, zPath, aTargetColumn, TC__COUNT, aiCol, &log, "target import"))
    goto refuse;

  int rcRow;
  while ((rcRow = import_next_row(&t, &log, &nBad)) > 0) {
    if (nRow >= nRowAlloc) {
      nRowAlloc = nRowAlloc ? 2 * nRowAlloc : 64;
      aRow = xrealloc_array(aRow, (size_t)nRowAlloc, sizeof(TargetRow));
    }
    TargetRow *r = &aRow[nRow++];
    memset(r, 0, sizeof *r);
    r->iLine = t.iLine;
    r->zUnit = import_field(pArena, &t, aiCol[TC_UNIT]);
    r->zIndicator = import_field(pArena, &t, aiCol[TC_INDICATOR]);
    char *zTarget = import_field(pArena, &t, aiCol[TC_TARGET]);
    int iNode;
    const ImportUnit *pUnit;
    ImportCells e = import_check_cells(&t, &log, &units, pScheme, zLabel, aiCol[TC_UNIT],
                                       r->zUnit, aiCol[TC_INDICATOR], r->zIndicator, &iNode,
                                       &pUnit);
    if (e == IMPORT_CELLS_BAD) r->bBad = 1;
    if (!zTarget[0]) {
      import_problem(&log, &t, r->iLine, aiCol[TC_TARGET], "empty target");
      r->bBad = 1;
    } else if (text_parse_double(zTarget, &r->rTarget)) {
      import_problem(&log, &t, r->iLine, aiCol[TC_TARGET], "target \"%s\" is not a number",
                     zTarget);
      r->bBad = 1;
    } else if (e == IMPORT_CELLS_NA) {
      char *zWhy = import_na_reason(pScheme, iNode, pUnit);
      import_problem(&log, &t, r->iLine, aiCol[TC_TARGET], "%s", zWhy);
      free(zWhy);
      r->bBad = 1;
    }
    const ImportKeySeen *pSeen;
    /* bad rows count too: of two rows for one cell, which was meant is unknown */
    if (r->zUnit[0] && r->zIndicator[0] &&
        (pSeen = import_keys_add(&keys, r->zUnit, r->zIndicator, &t)) && !r->bBad) {
      char *zFirst = import_keys_where(pSeen, &t);
      import_problem(&log, &t, r->iLine, aiCol[TC_UNIT], "duplicate row for unit %s, indicator "
                     "%s (first on %s)", r->zUnit, r->zIndicator, zFirst);
      free(zFirst);
      r->bBad = 1;
    }
    nBad += r->bBad;
  }
  if (rcRow < 0) {
    import_log_print(&log, stderr);
    fprintf(stderr, "kaoping target import: nothing imported\n");
    goto refuse;
  }
  if (nBad && !bSkipBad) {
    import_print_refusal("target import", &log, nBad);
    goto refuse;
  }

  char zNow[32];
  db_now(zNow);
  Stmt *pOld = db_prepare(pDb, "SELECT target FROM target WHERE scheme_id = ?1 AND unit = ?2"
                               " AND indicator = ?3");
  Stmt *pPut = db_prepare(pDb,
      "INSERT INTO target(scheme_id, unit, indicator, target, updated_at, updated_by)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
      " ON CONFLICT(scheme_id, unit, indicator) DO UPDATE SET target = excluded.target,"
      " updated_at = excluded.updated_at, updated_by = excluded.updated_by");
  int nNew = 0, nChanged = 0, nSame = 0, nOk = 0, rcSql = 0;
  for (int i = 0; i < nRow && !rcSql; i++) {
    TargetRow *r = &aRow[i];
    if (r->bBad) continue;
    nOk++;
    stmt_bind_int(pOld, 1, iSchemeId);
    stmt_bind_text(pOld, 2, r->zUnit);
    stmt_bind_text(pOld, 3, r->zIndicator);
    int rcOld = stmt_step(pOld);
    double rOld = rcOld == 1 ? stmt_double(pOld, 0) : NAN;
    stmt_reset(pOld);
    if (rcOld < 0) { rcSql = -1; break; }
    if (rcOld == 1 && rOld == r->rTarget) { nSame++; continue; }
    if (rcOld == 1) nChanged++;
    else nNew++;
    stmt_bind_int(pPut, 1, iSchemeId);
    stmt_bind_text(pPut, 2, r->zUnit);
    stmt_bind_text(pPut, 3, r->zIndicator);
    stmt_bind_double(pPut, 4, r->rTarget);
    stmt_bind_text(pPut, 5, zNow);
    stmt_bind_text(pPut, 6, cli_actor());
    rcSql = stmt_run(pPut);
  }
  stmt_finalize(pOld);
  stmt_finalize(pPut);
  if (rcSql) goto sql_error;
  int64_t iBatch = 0;
  if (import_batch_add(pDb, "targets", zPath, t.zSha256, t.zFormat, nOk, nBad, &iBatch))
    goto sql_error;
  char *zObject = xasprintf("scheme:%s", zLabel);
  int rcAudit = import_audit(pDb, "target.import", zObject,
                             json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:i, s:i}", "file",
                                       zPath, "sha256", t.zSha256, "encoding", t.zFormat,
                                       "batch", (json_int_t)iBatch, "rows_ok", nOk,
                                       "rows_skipped", nBad, "new", nNew, "changed", nChanged,
                                       "unchanged", nSame));
  free(zObject);
  if (rcAudit) {
    fprintf(stderr, "kaoping target import: cannot write the audit record; nothing imported\n");
    rc = EXIT_INTERNAL;
    goto refuse;
  }
  if (db_commit(pDb)) goto sql_error;
  if (nBad) import_log_print(&log, stderr);
  printf("imported %d target%s for %s from %s (%s): %d new, %d changed, %d unchanged", nOk,
         nOk == 1 ? "" : "s", zLabel, zPath, t.zFormat, nNew, nChanged, nSame);
  if (nBad) printf("; %d skipped", nBad);
  printf("\n");
  rc = EXIT_OK;
  goto done;
sql_error:
  fprintf(stderr, "kaoping target import: database error: %s; nothing imported\n",
          db_errmsg(pDb));
  rc = EXIT_INTERNAL;
refuse:
  db_rollback(pDb);
done:
  free(aRow);
  free(zLabel);
  scheme_free(pScheme);
  import_units_free(&units);
  import_keys_free(&keys);
  arena_free(pArena);
  import_log_free(&log);
  table_close(&t);
  free(zErr);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

/*
** import.c: the shared parts of imports declared in import.h: header mapping with Chinese
** aliases, the problem log and the import_batch row. See import.h for the contract.
*/
#include "store/import.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli/cli.h"
#include "util/text.h"

void import_problem(ImportLog *pLog, const TableReader *p, int iLine, int iCol,
                    const char *zFmt, ...) {
  char *zWhere = table_where(p, iLine, iCol);
  buf_puts(&pLog->text, zWhere);
  buf_puts(&pLog->text, ": ");
  free(zWhere);
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(&pLog->text, zFmt, ap);
  va_end(ap);
  buf_putc(&pLog->text, '\n');
  pLog->nProblem++;
}

void import_problem_text(ImportLog *pLog, const char *zMsg) {
  buf_puts(&pLog->text, zMsg);
  buf_putc(&pLog->text, '\n');
  pLog->nProblem++;
}

void import_log_print(const ImportLog *pLog, FILE *out) {
  fputs(buf_str(&pLog->text), out);
}

void import_log_free(ImportLog *pLog) {
  buf_free(&pLog->text);
  pLog->nProblem = 0;
}

/* The accepted names of a column, for messages: "value" or "数值" or "指标值". */
static void import_column_names(Buf *b, const ImportColumn *c) {
  buf_printf(b, "\"%s\"", c->zName);
  for (int k = 0; k < 3 && c->azAlias[k]; k++) buf_printf(b, " or \"%s\"", c->azAlias[k]);
}

int import_open(TableReader *p, const char *zPath, const ImportColumn *aSpec, int nSpec,
                char **pzErr) {
  const char **az = xmalloc_array((size_t)nSpec * 4 + 1, sizeof(char *));
  int n = 0;
  for (int i = 0; i < nSpec; i++) {
    az[n++] = aSpec[i].zName;
    for (int k = 0; k < 3 && aSpec[i].azAlias[k]; k++) az[n++] = aSpec[i].azAlias[k];
  }
  int rc = table_open_expect(p, zPath, az, n, pzErr);
  free(az);
  return rc;
}

char *import_header_note(const TableReader *p) {
  if (p->bXlsx) {
    if (p->nLead == 0 && p->iSheet == 0) return NULL;
    return xasprintf("%s: header on row %d of worksheet \"%s\"%s", p->zName, p->iHeaderLine,
                     p->zSheet, p->nLead ? " (the rows above it are skipped as a title)" : "");
  }
  if (p->nLead == 0) return NULL;
  return xasprintf("%s: header on line %d (the lines above it are skipped as a title)",
                   p->zName, p->iHeaderLine);
}

void import_print_header_note(const TableReader *p, const char *zVerb) {
  char *zNote = import_header_note(p);
  if (zNote) fprintf(stderr, "kaoping %s: note: %s\n", zVerb, zNote);
  free(zNote);
}

int import_next_row(TableReader *t, ImportLog *pLog, int *pnBad) {
  for (;;) {
    char *zErr = NULL;
    int rc = table_next(t, &zErr);
    if (rc >= 0) return rc;
    import_problem_text(pLog, zErr);
    free(zErr);
    (*pnBad)++;
    if (t->bFatal) return -1;
  }
}

int import_begin(TableReader *t, const char *zPath, const ImportColumn *aSpec, int nSpec,
                 int *aiCol, ImportLog *pLog, const char *zVerb) {
  char *zErr = NULL;
  if (import_open(t, zPath, aSpec, nSpec, &zErr)) {
    fprintf(stderr, "%s\nkaoping %s: nothing imported\n", zErr, zVerb);
    free(zErr);
    return -1;
  }
  if (import_map_header(t, aSpec, nSpec, aiCol, pLog)) {
    import_log_print(pLog, stderr);
    fprintf(stderr, "kaoping %s: nothing imported\n", zVerb);
    table_close(t);
    return -1;
  }
  import_print_header_note(t, zVerb);
  return 0;
}

int import_map_header(const TableReader *p, const ImportColumn *aSpec, int nSpec, int *aiCol,
                      ImportLog *pLog) {
  int rc = 0;
  for (int i = 0; i < nSpec; i++) {
    const ImportColumn *c = &aSpec[i];
    aiCol[i] = -1;
    for (int f = 0; f < p->nHeader; f++) {
      int bMatch = strcmp(p->azHeader[f], c->zName) == 0;
      for (int k = 0; k < 3 && c->azAlias[k] && !bMatch; k++) {
        bMatch = strcmp(p->azHeader[f], c->azAlias[k]) == 0;
      }
      if (!bMatch) continue;
      if (aiCol[i] >= 0) {
        import_problem(pLog, p, p->iHeaderLine, f, "\"%s\" and \"%s\" both name column "
                       "\"%s\": keep one", p->azHeader[aiCol[i]], p->azHeader[f], c->zName);
        rc = -1;
        continue;
      }
      aiCol[i] = f;
    }
    if (aiCol[i] < 0 && c->bRequired) {
      Buf names = BUF_INIT;
      import_column_names(&names, c);
      import_problem(pLog, p, p->iHeaderLine, -1, "the header has no column %s",
                     buf_str(&names));
      buf_free(&names);
      rc = -1;
    }
  }
  return rc;
}

char *import_field(Arena *pArena, const TableReader *p, int iCol) {
  if (iCol < 0 || iCol >= p->nField) return arena_strdup(pArena, "");
  char *z = arena_strdup(pArena, p->azField[iCol]);
  return text_trim(z);
}

int import_batch_add(Db *pDb, const char *zKind, const char *zFileName, const char *zSha256,
                     const char *zEncoding, int nOk, int nSkipped, int64_t *piBatch) {
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb,
                       "INSERT INTO import_batch(kind, file_name, file_sha256, encoding, rows_ok,"
                       " rows_skipped, imported_at, imported_by)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  stmt_bind_text(s, 1, zKind);
  stmt_bind_text(s, 2, zFileName);
  stmt_bind_text(s, 3, zSha256);
  stmt_bind_text(s, 4, zEncoding);
  stmt_bind_int(s, 5, nOk);
  stmt_bind_int(s, 6, nSkipped);
  stmt_bind_text(s, 7, zNow);
  stmt_bind_text(s, 8, cli_actor());
  int rc = stmt_run(s);
  stmt_finalize(s);
  if (rc == 0 && piBatch) *piBatch = db_last_insert_id(pDb);
  return rc;
}

int import_audit(Db *pDb, const char *zEvent, const char *zObject, json_t *pDetail) {
  int rc = audit_record(pDb, cli_actor(), NULL, zEvent, zObject, "ok", pDetail);
  if (pDetail) json_decref(pDetail);
  return rc;
}

void import_print_refusal(const char *zVerb, const ImportLog *pLog, int nBadRow) {
  import_log_print(pLog, stderr);
  fprintf(stderr, "kaoping %s: %d bad row%s: nothing imported (--skip-bad imports the good "
          "rows and skips these)\n", zVerb, nBadRow, nBadRow == 1 ? "" : "s");
}

/* ---- units and the unit/indicator cells ---------------------------------------------- */

static int import_unit_cmp(const void *a, const void *b) {
  return strcmp(((const ImportUnit *)a)->zCode, ((const ImportUnit *)b)->zCode);
}

int import_units_load(Db *pDb, ImportUnits *p) {
  memset(p, 0, sizeof *p);
  Stmt *s = db_prepare(pDb, "SELECT code, peer_group FROM unit ORDER BY code");
  int nAlloc = 0, rc;
  while ((rc = stmt_step(s)) == 1) {
    if (p->n >= nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 32;
      p->a = xrealloc_array(p->a, (size_t)nAlloc, sizeof(ImportUnit));
    }
    p->a[p->n].zCode = xstrdup(stmt_text(s, 0));
    p->a[p->n].zGroup = xstrdup(stmt_text(s, 1)); /* NULL stays NULL */
    p->n++;
  }
  stmt_finalize(s);
  /* ORDER BY uses SQLite's BINARY collation, which is memcmp order like strcmp; sort anyway
  ** so the binary search never depends on a backend's collation. */
  if (p->n) qsort(p->a, (size_t)p->n, sizeof(ImportUnit), import_unit_cmp);
  return rc < 0 ? -1 : 0;
}

const ImportUnit *import_units_find(const ImportUnits *p, const char *zCode) {
  if (!p->n) return NULL;
  ImportUnit key = {(char *)zCode, NULL};
  return bsearch(&key, p->a, (size_t)p->n, sizeof(ImportUnit), import_unit_cmp);
}

void import_units_free(ImportUnits *p) {
  for (int i = 0; i < p->n; i++) {
    free(p->a[i].zCode);
    free(p->a[i].zGroup);
  }
  free(p->a);
  memset(p, 0, sizeof *p);
}

ImportCells import_check_cells(const TableReader *t, ImportLog *pLog, const ImportUnits *pUnits,
                               const Scheme *pScheme, const char *zScheme, int iColUnit,
                               const char *zUnit, int iColInd, const char *zInd, int *piNode,
                               const ImportUnit **ppUnit) {
  int bBad = 0;
  *piNode = -1;
  *ppUnit = NULL;
  if (!zUnit[0]) {
    import_problem(pLog, t, t->iLine, iColUnit, "empty unit");
    bBad = 1;
  } else if (!(*ppUnit = import_units_find(pUnits, zUnit))) {
    import_problem(pLog, t, t->iLine, iColUnit, "unknown unit %s", zUnit);
    bBad = 1;
  }
  if (!zInd[0]) {
    import_problem(pLog, t, t->iLine, iColInd, "empty indicator");
    bBad = 1;
  } else {
    int iNode = scheme_find(pScheme, zInd);
    if (iNode < 0) {
      import_problem(pLog, t, t->iLine, iColInd, "unknown indicator %s: not in scheme %s", zInd,
                     zScheme);
      bBad = 1;
    } else if (!pScheme->aNode[iNode].bLeaf) {
      import_problem(pLog, t, t->iLine, iColInd, "%s is a category of scheme %s, not an "
                     "indicator: give values for its leaves", zInd, zScheme);
      bBad = 1;
    } else {
      *piNode = iNode;
    }
  }
  if (bBad) return IMPORT_CELLS_BAD;
  if (!(*ppUnit)->zGroup || !scheme_leaf_applies(pScheme, *piNode, (*ppUnit)->zGroup))
    return IMPORT_CELLS_NA;
  return IMPORT_CELLS_OK;
}

char *import_na_reason(const Scheme *pScheme, int iNode, const ImportUnit *pUnit) {
  const SchemeNode *n = &pScheme->aNode[iNode];
  if (!pUnit->zGroup) {
    return xasprintf("unit %s is a department: departments are not assessed", pUnit->zCode);
  }
  Buf b = BUF_INIT;
  buf_printf(&b, "indicator %s does not apply to unit %s (peer group %s; it applies to ",
             n->zCode, pUnit->zCode, pUnit->zGroup);
  for (int k = 0; k < n->nGroup; k++) buf_printf(&b, "%s%s", k ? ", " : "", n->azGroup[k]);
  buf_putc(&b, ')');
  return buf_detach(&b);
}

/* ---- duplicate detection -------------------------------------------------------------- */

static uint64_t import_hash(const char *z) {
  uint64_t h = 14695981039346656037ULL; /* FNV-1a */
  for (; *z; z++) h = (h ^ (unsigned char)*z) * 1099511628211ULL;
  return h;
}

const ImportKeySeen *import_keys_add(ImportKeys *p, const char *zUnit, const char *zIndicator,
                                     const TableReader *t) {
  if (2 * (p->nUsed + 1) > p->nSlot) {
    /* grow to keep the load under one half, re-inserting every key */
    int nOld = p->nSlot;
    ImportKeySeen *aOld = p->a;
    p->nSlot = nOld ? 2 * nOld : 256;
    p->a = xcalloc((size_t)p->nSlot, sizeof(ImportKeySeen));
    for (int i = 0; i < nOld; i++) {
      if (!aOld[i].zKey) continue;
      size_t k = import_hash(aOld[i].zKey) & (size_t)(p->nSlot - 1);
      while (p->a[k].zKey) k = (k + 1) & (size_t)(p->nSlot - 1);
      p->a[k] = aOld[i];
    }
    free(aOld);
  }
  char *zKey = xasprintf("%s\x1f%s", zUnit, zIndicator);
  size_t k = import_hash(zKey) & (size_t)(p->nSlot - 1);
  while (p->a[k].zKey) {
    if (strcmp(p->a[k].zKey, zKey) == 0) {
      free(zKey);
      return &p->a[k];
    }
    k = (k + 1) & (size_t)(p->nSlot - 1);
  }
  p->a[k].zKey = zKey;
  p->a[k].zFile = xstrdup(t->zName);
  p->a[k].iLine = t->iLine;
  p->a[k].bXlsx = t->bXlsx;
  p->nUsed++;
  return NULL;
}

char *import_keys_where(const ImportKeySeen *pSeen, const TableReader *t) {
  const char *zWord = pSeen->bXlsx ? "row" : "line";
  if (strcmp(pSeen->zFile, t->zName) == 0) return xasprintf("%s %d", zWord, pSeen->iLine);
  return xasprintf("%s, %s %d", pSeen->zFile, zWord, pSeen->iLine);
}

void import_keys_free(ImportKeys *p) {
  for (int i = 0; i < p->nSlot; i++) {
    free(p->a[i].zKey);
    free(p->a[i].zFile);
  }
  free(p->a);
  memset(p, 0, sizeof *p);
}

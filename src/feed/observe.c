/*
** feed/observe.c: after `feed import`, the feed's indicators become observations (指标值)
** with provenance `feed`, so that the next review uses them.
**
** Which: every OPEN period (closed and published ones take no data, as for `data import`)
** whose months overlap [iMonthLo, iMonthHi] (the import passes all months: see import.c). Each feed indicator goes to the leaf
** of the period's scheme with the same code (a scheme that wants hotline.ontime_rate names
** its leaf so), or to the leaf a mapping names: `--observe hotline.ontime_rate=B1*100` (a
** scale, e.g. a fraction to a percentage). The values are derived from all stored records
** of the period's months (not only the new ones), per unit, with the period's kind (a
** bimonth 2021-B2 = the records of March and April), for the units the leaf applies to.
**
** Like `data import`: a value equal to the current one adds nothing; a different one is a
** new revision (never an overwrite); a rate with nothing to divide by is a reported missing
** (NULL). The revisions point at an import_batch row of kind "feed" whose feed_batch is the
** last batch of the import, and whose file_sha256 holds the files' resume keys (a SHA-256
** of gigabytes is not computed). One transaction for all of it.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed/def.h"
#include "feed/derive.h"
#include "period.h"
#include "scheme.h"
#include "scheme_store.h"
#include "store/db.h"
#include "store/import.h"
#include "util/mem.h"

typedef struct FeedObserveMap {
  int iInd;        /* feed indicator */
  char *zLeaf;     /* scheme leaf code */
  double rScale;
} FeedObserveMap;

/* Parses "IND=LEAF[*SCALE],..." against the feed. Returns the count, or -1 (*pzErr). */
int feed_observe_parse(const FeedDef *d, const char *z, FeedObserveMap **paOut, char **pzErr);
int feed_observe_parse(const FeedDef *d, const char *z, FeedObserveMap **paOut, char **pzErr) {
  FeedObserveMap *a = NULL;
  int n = 0;
  char *zCopy = xstrdup(z), *zSave = NULL;
  for (char *zItem = strtok_r(zCopy, ",", &zSave); zItem; zItem = strtok_r(NULL, ",", &zSave)) {
    char *zEq = strchr(zItem, '=');
    int iInd = -1;
    if (zEq) {
      *zEq = 0;
      for (int i = 0; i < d->nInd; i++)
        if (strcmp(d->aInd[i].zCode, zItem) == 0) iInd = i;
    }
    double rScale = 1;
    char *zStar = zEq ? strchr(zEq + 1, '*') : NULL;
    if (zStar) {
      *zStar = 0;
      char *zEnd = NULL;
      rScale = strtod(zStar + 1, &zEnd);
      if (!zEnd || *zEnd || !isfinite(rScale) || rScale == 0) iInd = -2;
    }
    if (iInd < 0 || !zEq[1]) {
      *pzErr = xasprintf("--observe: \"%s\" is not IND=LEAF[*SCALE] with an indicator of feed %s",
                         zItem, d->zCode);
      for (int i = 0; i < n; i++) free(a[i].zLeaf);
      free(a);
      free(zCopy);
      return -1;
    }
    a = xrealloc_array(a, (size_t)n + 1, sizeof(FeedObserveMap));
    a[n].iInd = iInd;
    a[n].zLeaf = xstrdup(zEq + 1);
    a[n].rScale = rScale;
    n++;
  }
  free(zCopy);
  *paOut = a;
  return n;
}

void feed_observe_free(FeedObserveMap *a, int n);
void feed_observe_free(FeedObserveMap *a, int n) {
  for (int i = 0; i < n; i++) free(a[i].zLeaf);
  free(a);
}

int feed_derive_stored_range(Db *pDb, const FeedDef *d, PeriodKind eKind, int64_t iFrom,
                             int64_t iTo, FeedResult *pRes, char **pzErr);

/* Writes the observations. Returns the number of new revisions, or -1 on an error (*pzErr;
** the caller's transaction is rolled back by the caller). */
int feed_observe(Db *pDb, const FeedDef *d, const FeedObserveMap *aMap, int nMap,
                 int64_t iMonthLo, int64_t iMonthHi, int64_t iFeedBatch, const char *zKeys,
                 const char *zFiles, const char *zActor, char **pzErr);
int feed_observe(Db *pDb, const FeedDef *d, const FeedObserveMap *aMap, int nMap,
                 int64_t iMonthLo, int64_t iMonthHi, int64_t iFeedBatch, const char *zKeys,
                 const char *zFiles, const char *zActor, char **pzErr) {
  /* the open periods */
  char **azPer = NULL;
  int64_t *aScheme = NULL;
  int nPer = 0;
  Stmt *s = db_prepare(pDb, "SELECT code, scheme_id FROM period WHERE state = 'open' ORDER BY code");
  while (stmt_step(s) == 1) {
    azPer = xrealloc_array(azPer, (size_t)nPer + 1, sizeof(char *));
    aScheme = xrealloc_array(aScheme, (size_t)nPer + 1, sizeof(int64_t));
    azPer[nPer] = xstrdup(stmt_text(s, 0));
    aScheme[nPer++] = stmt_int(s, 1);
  }
  stmt_finalize(s);
  ImportUnits units;
  memset(&units, 0, sizeof units);
  int nNew = 0, rc = 0;
  int64_t iImportBatch = 0;
  if (import_units_load(pDb, &units)) {
    *pzErr = xasprintf("cannot read the units: %s", db_errmsg(pDb));
    rc = -1;
  }
  Stmt *pCur = db_prepare(pDb, "SELECT revision, value FROM observation WHERE period = ?1 AND"
                               " unit = ?2 AND indicator = ?3 ORDER BY revision DESC LIMIT 1");
  Stmt *pIns = db_prepare(pDb, "INSERT INTO observation(period, unit, indicator, revision, value,"
                               " note, provenance, state, batch_id, reason, entered_by, entered_at)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'feed', 'submitted', ?7, NULL, ?8, ?9)");
  for (int p = 0; p < nPer && rc == 0; p++) {
    Period per;
    char *zE = NULL;
    if (period_parse(azPer[p], &per, &zE)) { free(zE); continue; }
    int64_t iFrom = (int64_t)per.iYear * 12 + per.iFirstMonth - 1;
    int64_t iTo = (int64_t)per.iYear * 12 + per.iLastMonth - 1;
    if (iTo < iMonthLo || iFrom > iMonthHi) continue;
    int iVersion;
    Scheme *pScheme = scheme_store_load(pDb, aScheme[p], &iVersion, pzErr);
    if (!pScheme) { rc = -1; break; }
    /* the leaves this period's scheme takes from the feed */
    int *aNode = xmalloc_array((size_t)d->nInd, sizeof(int));
    double *aScale = xmalloc_array((size_t)d->nInd, sizeof(double));
    int nUsed = 0;
    for (int i = 0; i < d->nInd; i++) {
      const char *zLeaf = d->aInd[i].zCode;
      aScale[i] = 1;
      for (int k = 0; k < nMap; k++)
        if (aMap[k].iInd == i) { zLeaf = aMap[k].zLeaf; aScale[i] = aMap[k].rScale; }
      int iNode = scheme_find(pScheme, zLeaf);
      aNode[i] = iNode >= 0 && pScheme->aNode[iNode].bLeaf ? iNode : -1;
      nUsed += aNode[i] >= 0;
    }
    FeedResult res;
    memset(&res, 0, sizeof res);
    if (nUsed && feed_derive_stored_range(pDb, d, per.eKind, iFrom, iTo, &res, pzErr)) rc = -1;
    char zNow[32];
    db_now(zNow);
    for (int v = 0; v < res.nVal && rc == 0; v++) {
      const FeedValue *fv = &res.aVal[v];
      int iNode = aNode[fv->iInd];
      if (iNode < 0 || strcmp(fv->zPeriod, per.zCode) != 0) continue;
      const ImportUnit *pU = import_units_find(&units, fv->zUnit);
      if (!pU || !pU->zGroup) continue; /* unknown, or a department: not assessed */
      const SchemeNode *n = &pScheme->aNode[iNode];
      int bApplies = n->nGroup == 0;
      for (int k = 0; k < n->nGroup; k++) bApplies |= strcmp(n->azGroup[k], pU->zGroup) == 0;
      if (!bApplies) continue;
      double rNew = fv->bMissing ? NAN : fv->rValue * aScale[fv->iInd];
      stmt_bind_text(pCur, 1, per.zCode);
      stmt_bind_text(pCur, 2, fv->zUnit);
      stmt_bind_text(pCur, 3, n->zCode);
      int64_t iRev = 0;
      double rOld = NAN;
      int bHave = stmt_step(pCur) == 1;
      if (bHave) { iRev = stmt_int(pCur, 0); rOld = stmt_double(pCur, 1); }
      stmt_reset(pCur);
      if (bHave && ((isnan(rOld) && isnan(rNew)) || rOld == rNew)) continue;
      if (!iImportBatch) {
        if (import_batch_add(pDb, "feed", zFiles, zKeys, "CSV", 0, 0, &iImportBatch)) { rc = -1; break; }
        Stmt *u = db_prepare(pDb, "UPDATE import_batch SET feed_batch = ?1 WHERE id = ?2");
        stmt_bind_int(u, 1, iFeedBatch);
        stmt_bind_int(u, 2, iImportBatch);
        if (stmt_run(u)) rc = -1;
        stmt_finalize(u);
        if (rc) break;
      }
      char *zNote = xasprintf("derived from feed %s (%s), %lld records; batch %lld", d->zCode,
                              d->aInd[fv->iInd].zCode, (long long)fv->nBase, (long long)iFeedBatch);
      stmt_bind_text(pIns, 1, per.zCode);
      stmt_bind_text(pIns, 2, fv->zUnit);
      stmt_bind_text(pIns, 3, n->zCode);
      stmt_bind_int(pIns, 4, iRev + 1);
      stmt_bind_double(pIns, 5, rNew);
      stmt_bind_text(pIns, 6, zNote);
      stmt_bind_int(pIns, 7, iImportBatch);
      stmt_bind_text(pIns, 8, zActor);
      stmt_bind_text(pIns, 9, zNow);
      free(zNote);
      if (stmt_run(pIns)) { rc = -1; break; }
      nNew++;
    }
    if (rc && !*pzErr) *pzErr = xasprintf("%s", db_errmsg(pDb));
    feed_result_free(&res);
    free(aNode);
    free(aScale);
    scheme_free(pScheme);
  }
  stmt_finalize(pCur);
  stmt_finalize(pIns);
  import_units_free(&units);
  for (int p = 0; p < nPer; p++) free(azPer[p]);
  free(azPer);
  free(aScheme);
  return rc ? -1 : nNew;
}

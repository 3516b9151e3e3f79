/*
** crosscheck_cmd.c: `kaoping crosscheck PERIOD` — flags reported figures that deserve a
** second look before the meeting (数据存疑), each with the evidence behind it:
**
**  - jump: a unit's current value of a leaf against the previous period of the same kind
**    (2021-B4 against 2021-B3): for a leaf in % a change of more than `jump_points` points
**    (default 15), for other leaves a relative change of more than `jump_relative` (0.5),
**    when that change is also an outlier among the units' changes of the leaf (modified
**    z-score > 3.5, crosscheck.h). Event counts, points and year-to-date leaves are left out;
**    at least 5 units must have both values;
**  - benford: per unit, the first digits of its absolute figures (leaves not in %, ‰ or
**    分) over the periods of the year up to PERIOD, when there are at least `benford_min`
**    (default 50) of them, and the MAD is in Nigrini's nonconformity class (crosscheck.h);
**  - pair: a self-reported growth leaf against the growth of a feed indicator from the
**    same months a year before, from the records `feed import` stored; flagged when they
**    differ by more than `threshold` points.
**
**   kaoping crosscheck PERIOD [--config FILE.json] [--format table|json] [--db F]
**
** The configuration (docs/crosscheck.md) is JSON: {"jump_relative": 0.5, "jump_points": 15,
** "benford_min": 50, "pairs": [{"reported": "E2", "feed": "meter.json", "indicator":
** "meter.industry_kwh", "threshold": 10}]}. Reads the store only; writes nothing.
** Exit 0 whether or not anything is flagged; 1 bad configuration; 2 usage; 4 database.
*/
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "crosscheck.h"
#include "feed/def.h"
#include "feed/derive.h"
#include "period.h"
#include "period_store.h"
#include "scheme.h"
#include "scheme_store.h"
#include "store/db.h"
#include "util/mem.h"
#include "util/text.h"

FeedDef *feed_load(const char *zFeed, char **pzErr);
int feed_derive_stored_range(Db *pDb, const FeedDef *d, PeriodKind eKind, int64_t iFrom,
                             int64_t iTo, FeedResult *pRes, char **pzErr);

typedef struct XcVal {
  char *zUnit, *zInd, *zPeriod;
  double r;
} XcVal;

typedef struct XcVals {
  XcVal *a;
  int n;
} XcVals;

/* Current values (observation_current) of periods [zFrom, zTo] (codes of one kind compare
** as strings), non-missing. */
static void xc_load(Db *pDb, const char *zFrom, const char *zTo, XcVals *p) {
  Stmt *s = db_prepare(pDb, "SELECT unit, indicator, period, value FROM observation_current"
                            " WHERE period BETWEEN ?1 AND ?2"
                            " AND substr(period, 6, 1) = substr(?1, 6, 1) AND value IS NOT NULL"
                            " ORDER BY unit, indicator, period");
  stmt_bind_text(s, 1, zFrom);
  stmt_bind_text(s, 2, zTo);
  while (stmt_step(s) == 1) {
    p->a = xrealloc_array(p->a, (size_t)p->n + 1, sizeof(XcVal));
    XcVal *v = &p->a[p->n++];
    v->zUnit = xstrdup(stmt_text(s, 0));
    v->zInd = xstrdup(stmt_text(s, 1));
    v->zPeriod = xstrdup(stmt_text(s, 2));
    v->r = stmt_double(s, 3);
  }
  stmt_finalize(s);
}

static void xc_free(XcVals *p) {
  for (int i = 0; i < p->n; i++) {
    free(p->a[i].zUnit);
    free(p->a[i].zInd);
    free(p->a[i].zPeriod);
  }
  free(p->a);
  memset(p, 0, sizeof *p);
}

static const XcVal *xc_find(const XcVals *p, const char *zUnit, const char *zInd,
                            const char *zPeriod) {
  for (int i = 0; i < p->n; i++)
    if (strcmp(p->a[i].zUnit, zUnit) == 0 && strcmp(p->a[i].zInd, zInd) == 0 &&
        strcmp(p->a[i].zPeriod, zPeriod) == 0)
      return &p->a[i];
  return NULL;
}

static int xc_is_share(const Scheme *pS, const char *zInd) {
  int i = scheme_find(pS, zInd);
  if (i < 0 || !pS->aNode[i].zUnit) return 0;
  const char *u = pS->aNode[i].zUnit;
  return strcmp(u, "%") == 0 || strcmp(u, "‰") == 0 || strcmp(u, "分") == 0;
}

static double xc_num(json_t *o, const char *zKey, double rDefault) {
  json_t *v = json_object_get(o, zKey);
  return json_is_number(v) ? json_number_value(v) : rDefault;
}

/* Adds a flag: kind, unit, indicator, a sentence and the evidence (stolen). */
static void xc_flag(json_t *aFlags, const char *zKind, const char *zUnit, const char *zInd,
                    const char *zWhy, json_t *pEvidence) {
  json_t *f = json_object();
  json_object_set_new(f, "kind", json_string(zKind));
  json_object_set_new(f, "unit", json_string(zUnit));
  json_object_set_new(f, "indicator", zInd ? json_string(zInd) : json_null());
  json_object_set_new(f, "reason", json_string(zWhy));
  json_object_set_new(f, "evidence", pEvidence);
  json_array_append_new(aFlags, f);
}

static json_t *xc_real(double r) {
  char z[32];
  text_fmt_double(z, r);
  return isfinite(r) ? json_real(strtod(z, NULL)) : json_null();
}

/* The cross-checks themselves, uncached (crosscheck_run below caches them). */
static int xc_compute(Db *pDb, const char *zPeriod, json_t *pCfg, const char *zConfig,
                      json_t **ppOut, char **pzErr) {
  int rc = EXIT_OK;
  char *zErr = NULL;
  json_t *aFlags = json_array();
  Scheme *pScheme = NULL;
  XcVals cur = {0}, prev = {0}, year = {0};
  Period per;
  *ppOut = NULL;
  if (!zConfig) zConfig = "configuration";
  if (period_parse(zPeriod, &per, &zErr)) { rc = EXIT_USAGE; goto done; }
  double rJumpRel = xc_num(pCfg, "jump_relative", 0.5);
  double rJumpPts = xc_num(pCfg, "jump_points", 15);
  int nBenfordMin = (int)xc_num(pCfg, "benford_min", 50);
  PeriodRow pr;
  if (period_store_get(pDb, per.zCode, &pr) != 1) {
    zErr = xasprintf("no period %s", per.zCode);
    rc = EXIT_BAD_INPUT;
    goto done;
  }
  int iVersion;
  pScheme = scheme_store_load(pDb, pr.iSchemeId, &iVersion, &zErr);
  if (!pScheme) { rc = EXIT_INTERNAL; goto done; }
  Period pp = period_previous(&per);
  xc_load(pDb, per.zCode, per.zCode, &cur);
  xc_load(pDb, pp.zCode, pp.zCode, &prev);
  int nJump = 0, nBenford = 0, nPair = 0;

  /* jumps: per indicator, each unit's change, flagged when over the threshold and an
  ** outlier among the units' changes (modified z-score > 3.5; with MAD 0, when it is over
  ** the threshold away from the median change). Event counts and points are left out. */
  {
    /* cur is ordered by unit then indicator: collect the distinct indicators first */
    char **azInd = NULL;
    int nInd = 0;
    for (int i = 0; i < cur.n; i++) {
      int bSeen = 0;
      for (int k = 0; k < nInd && !bSeen; k++) bSeen = strcmp(azInd[k], cur.a[i].zInd) == 0;
      if (!bSeen) {
        azInd = xrealloc_array(azInd, (size_t)nInd + 1, sizeof(char *));
        azInd[nInd++] = cur.a[i].zInd;
      }
    }
    double *aChg = xmalloc_array((size_t)cur.n + 1, sizeof(double));
    double *aDev = xmalloc_array((size_t)cur.n + 1, sizeof(double));
    for (int k = 0; k < nInd; k++) {
      int iNode = scheme_find(pScheme, azInd[k]);
      if (iNode < 0 || !pScheme->aNode[iNode].bLeaf) continue;
      Method m = pScheme->aNode[iNode].eMethod;
      if (m == METHOD_DEDUCT || m == METHOD_BONUS || m == METHOD_VETO || m == METHOD_VETO_TOP ||
          m == METHOD_MANUAL || pScheme->aNode[iNode].eAccumulate == ACCUMULATE_YTD)
        continue; /* events, points, and year-to-date sums (which only grow) */
      int bShare = xc_is_share(pScheme, azInd[k]);
      double rThr = bShare ? rJumpPts : rJumpRel;
      int nChg = 0;
      for (int i = 0; i < cur.n; i++) {
        if (strcmp(cur.a[i].zInd, azInd[k]) != 0) continue;
        const XcVal *w = xc_find(&prev, cur.a[i].zUnit, azInd[k], pp.zCode);
        double rRel;
        int bF;
        if (!w) continue;
        if (bShare) aChg[nChg++] = cur.a[i].r - w->r;
        else if (xc_jump(w->r, cur.a[i].r, rThr, &rRel, &bF) == 0) aChg[nChg++] = rRel;
      }
      if (nChg < 5) continue; /* too few units to tell an outlier */
      nJump += nChg;
      for (int i = 0; i < nChg; i++) aDev[i] = aChg[i];
      double rMed = xc_median(aDev, nChg);
      for (int i = 0; i < nChg; i++) aDev[i] = fabs(aChg[i] - rMed);
      double rMad = xc_median(aDev, nChg);
      for (int i = 0; i < cur.n; i++) {
        const XcVal *v = &cur.a[i];
        if (strcmp(v->zInd, azInd[k]) != 0) continue;
        const XcVal *w = xc_find(&prev, v->zUnit, azInd[k], pp.zCode);
        double rChg, rRel;
        int bF;
        if (!w) continue;
        if (bShare) rChg = v->r - w->r;
        else if (xc_jump(w->r, v->r, rThr, &rRel, &bF) == 0) rChg = rRel;
        else continue;
        double z = xc_modified_z(rChg, rMed, rMad);
        int bFlag = fabs(rChg) > rThr && (isnan(z) ? fabs(rChg - rMed) > rThr : fabs(z) > 3.5);
        if (!bFlag) continue;
        char zA[32], zB[32], zC[32], zD[32];
        text_fmt_double(zA, w->r);
        text_fmt_double(zB, v->r);
        text_fmt_double(zC, round((bShare ? rChg : 100 * rChg) * 100) / 100);
        text_fmt_double(zD, round((bShare ? rMed : 100 * rMed) * 100) / 100);
        char *zWhy = xasprintf("%s: %s in %s, %s in %s (%s%s; the units' median change %s%s)",
                               v->zInd, zA, pp.zCode, zB, per.zCode, zC, bShare ? " points" : "%",
                               zD, bShare ? " points" : "%");
        json_t *e = json_object();
        json_object_set_new(e, "previous_period", json_string(pp.zCode));
        json_object_set_new(e, "previous", xc_real(w->r));
        json_object_set_new(e, "current", xc_real(v->r));
        json_object_set_new(e, bShare ? "change_points" : "change_relative", xc_real(rChg));
        json_object_set_new(e, "median_change", xc_real(rMed));
        json_object_set_new(e, "modified_z", xc_real(z));
        json_object_set_new(e, "threshold", xc_real(rThr));
        xc_flag(aFlags, "jump", v->zUnit, v->zInd, zWhy, e);
        free(zWhy);
      }
    }
    free(aChg);
    free(aDev);
    free(azInd);
  }

  /* Benford per unit, over the year's periods of this kind up to this one */
  {
    char zFirst[16];
    snprintf(zFirst, sizeof zFirst, "%04d-%c", per.iYear % 10000, (char)per.eKind);
    xc_load(pDb, zFirst, per.zCode, &year);
    for (int i = 0; i < year.n;) {
      int j = i;
      double *aV = NULL;
      int nV = 0;
      while (j < year.n && strcmp(year.a[j].zUnit, year.a[i].zUnit) == 0) {
        if (!xc_is_share(pScheme, year.a[j].zInd)) {
          aV = xrealloc_array(aV, (size_t)nV + 1, sizeof(double));
          aV[nV++] = year.a[j].r;
        }
        j++;
      }
      XcBenford b;
      xc_benford(aV, nV, &b);
      free(aV);
      if (b.n >= nBenfordMin) {
        nBenford++;
        if (strcmp(b.zClass, "nonconformity") == 0) {
          char zM[32];
          text_fmt_double(zM, round(b.rMad * 10000) / 10000);
          char *zWhy = xasprintf("first digits of %d reported figures: MAD %s > 0.015 "
                                 "(Nigrini: nonconformity)", b.n, zM);
          json_t *e = json_object(), *aC = json_array();
          for (int d = 1; d <= 9; d++) json_array_append_new(aC, json_integer(b.anDigit[d]));
          json_object_set_new(e, "n", json_integer(b.n));
          json_object_set_new(e, "first_digit_counts", aC);
          json_object_set_new(e, "mad", xc_real(b.rMad));
          json_object_set_new(e, "class", json_string(b.zClass));
          json_object_set_new(e, "source", json_string("Nigrini 2012, table 7.1"));
          xc_flag(aFlags, "benford", year.a[i].zUnit, NULL, zWhy, e);
          free(zWhy);
        }
      }
      i = j;
    }
  }

  /* pairs: reported growth against a feed proxy's growth */
  json_t *aPairs = json_object_get(pCfg, "pairs");
  for (size_t k = 0; json_is_array(aPairs) && k < json_array_size(aPairs) && rc == EXIT_OK; k++) {
    json_t *o = json_array_get(aPairs, k);
    const char *zRep = json_string_value(json_object_get(o, "reported"));
    const char *zFeed = json_string_value(json_object_get(o, "feed"));
    const char *zInd = json_string_value(json_object_get(o, "indicator"));
    double rThr = xc_num(o, "threshold", 10);
    if (!zRep || !zFeed || !zInd) {
      zErr = xasprintf("%s: pairs[%zu]: reported, feed and indicator are required", zConfig, k);
      rc = EXIT_BAD_INPUT;
      break;
    }
    FeedDef *d = feed_load(zFeed, &zErr);
    int iInd = -1;
    for (int i = 0; d && i < d->nInd; i++)
      if (strcmp(d->aInd[i].zCode, zInd) == 0) iInd = i;
    if (!d || iInd < 0) {
      char *zWhy = xasprintf("%s: pairs[%zu]: %s", zConfig, k, d ? "no such feed indicator" : zErr);
      free(zErr);
      zErr = zWhy;
      feed_def_free(d);
      rc = EXIT_BAD_INPUT;
      break;
    }
    int64_t iFrom = (int64_t)per.iYear * 12 + per.iFirstMonth - 1;
    int64_t iTo = (int64_t)per.iYear * 12 + per.iLastMonth - 1;
    FeedResult now, before;
    memset(&now, 0, sizeof now);
    memset(&before, 0, sizeof before);
    if (feed_derive_stored_range(pDb, d, per.eKind, iFrom, iTo, &now, &zErr) ||
        feed_derive_stored_range(pDb, d, per.eKind, iFrom - 12, iTo - 12, &before, &zErr)) {
      rc = EXIT_INTERNAL;
    }
    for (int i = 0; rc == EXIT_OK && i < now.nVal; i++) {
      const FeedValue *v = &now.aVal[i];
      if (v->iInd != iInd || v->bMissing) continue;
      const FeedValue *w = NULL;
      for (int j = 0; j < before.nVal && !w; j++)
        if (before.aVal[j].iInd == iInd && strcmp(before.aVal[j].zUnit, v->zUnit) == 0 &&
            !before.aVal[j].bMissing)
          w = &before.aVal[j];
      const XcVal *r = xc_find(&cur, v->zUnit, zRep, per.zCode);
      double rG;
      if (!w || !r || xc_growth(w->rValue, v->rValue, &rG)) continue;
      nPair++;
      if (!(fabs(r->r - rG) > rThr)) continue;
      char zA[32], zB[32];
      text_fmt_double(zA, r->r);
      text_fmt_double(zB, round(rG * 100) / 100);
      char *zWhy = xasprintf("%s reported %s%%, while %s grew %s%% against the same months a "
                             "year before (more than %g points apart)", zRep, zA, zInd, zB, rThr);
      json_t *e = json_object();
      json_object_set_new(e, "reported", xc_real(r->r));
      json_object_set_new(e, "proxy", json_string(zInd));
      json_object_set_new(e, "proxy_value", xc_real(v->rValue));
      json_object_set_new(e, "proxy_value_year_before", xc_real(w->rValue));
      json_object_set_new(e, "proxy_growth", xc_real(rG));
      json_object_set_new(e, "proxy_records", json_integer(v->nBase));
      json_object_set_new(e, "threshold_points", xc_real(rThr));
      xc_flag(aFlags, "pair", v->zUnit, zRep, zWhy, e);
      free(zWhy);
    }
    feed_result_free(&now);
    feed_result_free(&before);
    feed_def_free(d);
  }
  if (rc != EXIT_OK) goto done;

  {
    json_t *out = json_object();
    json_object_set_new(out, "period", json_string(per.zCode));
    json_t *c = json_object();
    json_object_set_new(c, "jump_comparisons", json_integer(nJump));
    json_object_set_new(c, "benford_units", json_integer(nBenford));
    json_object_set_new(c, "pairs", json_integer(nPair));
    json_object_set_new(out, "checked", c);
    json_object_set(out, "flags", aFlags);
    *ppOut = out;
  }
done:
  if (rc != EXIT_OK) *pzErr = zErr ? zErr : xstrdup("the cross-checks failed");
  else free(zErr);
  xc_free(&cur);
  xc_free(&prev);
  xc_free(&year);
  scheme_free(pScheme);
  json_decref(aFlags);
  return rc;
}

/* ---- the cache ---------------------------------------------------------------------------
** The flags are shown on every bulletin render (HTML page, PDF, Markdown), every unit page
** (GET /api/crosscheck) and the 数据存疑 page; with feed pairs they derive a year of stored
** records. They change only when what they read changes, so the results are kept in this
** process (the server's threads share them), keyed like the response cache (http/cache.c):
** not invalidated by calls, but looked up under a key that a cheap query builds from what
** the checks read — the period, the configuration, and the inputs' version:
**   - observations (append-only: max id and count; any new value or revision changes it),
**   - the period row (state, scheme) and the scheme (its id and version),
**   - the feed batches (max id, count, records added: any import or removal),
**   - the period's reviews (id, revision, state: a computation or publication),
**   - the units (count and last change).
** A change by any process (the CLI included) changes the key; the old entry is never found
** again and ages out (least recently used of XC_CACHE_SLOTS). A result is stored only when
** the key read after computing it equals the key read before (no change raced it), so an
** entry always holds what its inputs give. A configuration whose pairs name a definition
** file is not cached (the file can change outside the database). The stored JSON is a deep
** copy; callers get their own copy. */
#define XC_CACHE_SLOTS 16

typedef struct XcCacheEntry {
  char *zKey;
  json_t *pOut;
  uint64_t iUsed;
} XcCacheEntry;

static pthread_mutex_t xcCacheMutex = PTHREAD_MUTEX_INITIALIZER;
static XcCacheEntry aXcCache[XC_CACHE_SLOTS];
static uint64_t iXcClock;
static int64_t nXcHit, nXcMiss;

char *crosscheck_inputs_key(Db *pDb, const char *zPeriod) {
  Stmt *s = db_prepare(
      pDb,
      "SELECT (SELECT coalesce(max(id), 0) || '.' || count(*) FROM observation),"
      " (SELECT coalesce(max(p.state || '.' || p.scheme_id || '.' || sc.version), '-')"
      "  FROM period p JOIN scheme sc ON sc.id = p.scheme_id WHERE p.code = ?1),"
      " (SELECT coalesce(max(id), 0) || '.' || count(*) || '.' || coalesce(sum(added), 0)"
      "  FROM feed_batch),"
      " (SELECT coalesce(group_concat(id || '.' || revision || '.' || state, ','), '-')"
      "  FROM review WHERE period = ?1),"
      " (SELECT count(*) || '.' || coalesce(max(updated_at), '') FROM unit)");
  if (!s) return NULL;
  stmt_bind_text(s, 1, zPeriod);
  char *zKey = NULL;
  if (stmt_step(s) == 1)
    zKey = xasprintf("%s|obs %s|period %s|feed %s|review %s|unit %s", zPeriod, stmt_text(s, 0),
                     stmt_text(s, 1), stmt_text(s, 2), stmt_text(s, 3), stmt_text(s, 4));
  stmt_finalize(s);
  return zKey;
}

void crosscheck_cache_stats(int64_t *pnHit, int64_t *pnMiss) {
  pthread_mutex_lock(&xcCacheMutex);
  *pnHit = nXcHit;
  *pnMiss = nXcMiss;
  pthread_mutex_unlock(&xcCacheMutex);
}

/* The cache key of a run (malloc'd), or NULL: not cacheable. */
static char *xc_cache_key(Db *pDb, const char *zPeriod, json_t *pCfg) {
  json_t *aPairs = json_object_get(pCfg, "pairs");
  for (size_t k = 0; k < json_array_size(aPairs); k++) {
    const char *zFeed = json_string_value(json_object_get(json_array_get(aPairs, k), "feed"));
    FeedDef *d = zFeed ? feed_def_builtin(zFeed) : NULL;
    if (!d) return NULL; /* a definition file (or an error to report): not cached */
    feed_def_free(d);
  }
  char *zCfg = json_dumps(pCfg, JSON_COMPACT | JSON_SORT_KEYS);
  char *zIn = crosscheck_inputs_key(pDb, zPeriod);
  char *zKey = zCfg && zIn ? xasprintf("%s|%s", zIn, zCfg) : NULL;
  free(zCfg);
  free(zIn);
  return zKey;
}

int crosscheck_run(Db *pDb, const char *zPeriod, json_t *pCfg, const char *zConfig,
                   json_t **ppOut, char **pzErr) {
  char *zKey = xc_cache_key(pDb, zPeriod, pCfg);
  if (zKey) {
    json_t *pHit = NULL;
    pthread_mutex_lock(&xcCacheMutex);
    for (int i = 0; i < XC_CACHE_SLOTS && !pHit; i++)
      if (aXcCache[i].zKey && strcmp(aXcCache[i].zKey, zKey) == 0) {
        aXcCache[i].iUsed = ++iXcClock;
        pHit = json_deep_copy(aXcCache[i].pOut);
      }
    if (pHit) nXcHit++;
    else nXcMiss++;
    pthread_mutex_unlock(&xcCacheMutex);
    if (pHit) {
      free(zKey);
      *ppOut = pHit;
      return EXIT_OK;
    }
  }
  int rc = xc_compute(pDb, zPeriod, pCfg, zConfig, ppOut, pzErr);
  char *zAfter = rc == EXIT_OK && zKey ? xc_cache_key(pDb, zPeriod, pCfg) : NULL;
  if (zAfter && strcmp(zAfter, zKey) == 0) {
    json_t *pCopy = json_deep_copy(*ppOut);
    pthread_mutex_lock(&xcCacheMutex);
    /* a free slot, else the least recently used; none when another thread stored it */
    int iSlot = -1, iOld = 0, bDup = 0;
    for (int i = 0; i < XC_CACHE_SLOTS; i++) {
      if (!aXcCache[i].zKey) {
        if (iSlot < 0) iSlot = i;
      } else {
        if (strcmp(aXcCache[i].zKey, zKey) == 0) bDup = 1;
        if (aXcCache[i].iUsed < aXcCache[iOld].iUsed || !aXcCache[iOld].zKey) iOld = i;
      }
    }
    if (iSlot < 0) iSlot = iOld;
    if (!bDup) {
      XcCacheEntry *e = &aXcCache[iSlot];
      free(e->zKey);
      json_decref(e->pOut);
      e->zKey = zKey;
      e->pOut = pCopy;
      e->iUsed = ++iXcClock;
      zKey = NULL;
      pCopy = NULL;
    }
    pthread_mutex_unlock(&xcCacheMutex);
    json_decref(pCopy);
  }
  free(zAfter);
  free(zKey);
  return rc;
}

int crosscheck_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "crosscheck", argc, argv);
  const char *zDb = cli_db_path(&a);
  const char *zConfig = cli_opt(&a, "--config");
  const char *zFormat = cli_opt(&a, "--format");
  const char *zPeriod = cli_positional(&a, 0);
  int rc = EXIT_OK;
  Db *pDb = NULL;
  char *zErr = NULL;
  json_t *pCfg = NULL, *out = NULL;
  Period per;
  if (cli_finish(&a)) { rc = EXIT_USAGE; goto done; }
  if (!zPeriod || period_parse(zPeriod, &per, &zErr)) {
    cli_error(&a, "a period code is required (%s)", zErr ? zErr : "e.g. 2021-B4");
    rc = EXIT_USAGE;
    goto done;
  }
  if (zFormat && strcmp(zFormat, "table") != 0 && strcmp(zFormat, "json") != 0) {
    cli_error(&a, "--format must be table or json");
    rc = EXIT_USAGE;
    goto done;
  }
  if (zConfig) {
    json_error_t je;
    pCfg = json_load_file(zConfig, 0, &je);
    if (!pCfg || !json_is_object(pCfg)) {
      fprintf(stderr, "%s: line %d, column %d: %s\n", zConfig, je.line, je.column,
              pCfg ? "the configuration must be a JSON object" : je.text);
      rc = EXIT_BAD_INPUT;
      goto done;
    }
  } else {
    pCfg = json_object();
  }
  if (db_open(zDb, 0, &pDb, &zErr)) { fprintf(stderr, "%s\n", zErr); rc = EXIT_INTERNAL; goto done; }
  rc = crosscheck_run(pDb, per.zCode, pCfg, zConfig, &out, &zErr);
  if (rc != EXIT_OK) {
    fprintf(stderr, "kaoping crosscheck: %s\n", zErr);
    goto done;
  }
  json_t *aFlags = json_object_get(out, "flags");
  if (zFormat && strcmp(zFormat, "json") == 0) {
    char *z = json_dumps(out, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
    printf("%s\n", z);
    free(z);
  } else {
    json_t *c = json_object_get(out, "checked");
    printf("%s: %zu flags (数据存疑); checked %d period-over-period values, %d units by Benford's "
           "law, %d feed pairs\n", per.zCode, json_array_size(aFlags),
           (int)json_integer_value(json_object_get(c, "jump_comparisons")),
           (int)json_integer_value(json_object_get(c, "benford_units")),
           (int)json_integer_value(json_object_get(c, "pairs")));
    for (size_t i = 0; i < json_array_size(aFlags); i++) {
      json_t *f = json_array_get(aFlags, i);
      printf("  %-8s %-8s %s\n", json_string_value(json_object_get(f, "unit")),
             json_string_value(json_object_get(f, "kind")),
             json_string_value(json_object_get(f, "reason")));
    }
  }
done:
  free(zErr);
  json_decref(out);
  json_decref(pCfg);
  db_close(pDb);
  cli_free(&a);
  return rc;
}

/*
** whatif.c: what-if analysis (whatif.h). The unit's changed values are resolved against
** the inputs as they are (a group median is the median before any change), written into a
** copy of the value matrix, and both matrices are scored by the engine; nothing is stored.
*/
#include "whatif.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static const char *const azWhatIfKind[] = {"", "group_median", "group_mean", "group_best",
                                           "target", "timeprogress", NULL};

int whatif_parse_set(const Scheme *pS, const char *z, WhatIfSet *pOut, char **pzErr) {
  *pzErr = NULL;
  const char *zEq = strchr(z, '=');
  if (!zEq || zEq == z) {
    *pzErr = xasprintf("--set %s: expected INDICATOR=VALUE (a number, group_median, "
                       "group_mean, group_best, target or timeprogress)", z);
    return -1;
  }
  char *zCode = xstrndup(z, (size_t)(zEq - z));
  int i = scheme_find(pS, zCode);
  if (i < 0 || !pS->aNode[i].bLeaf) {
    *pzErr = xasprintf("--set %s: no indicator %s in scheme %s", z, zCode, pS->zCode);
    free(zCode);
    return -1;
  }
  free(zCode);
  pOut->iLeaf = pS->aNode[i].iLeaf;
  const char *zSpec = zEq + 1;
  for (int k = 1; azWhatIfKind[k]; k++) {
    if (strcmp(zSpec, azWhatIfKind[k]) == 0) {
      pOut->eKind = (WhatIfKind)k;
      pOut->rValue = NAN;
      return 0;
    }
  }
  char *zEnd = NULL;
  double r = strtod(zSpec, &zEnd);
  if (!zSpec[0] || !zEnd || *zEnd || !isfinite(r)) {
    *pzErr = xasprintf("--set %s: \"%s\" is neither a number nor one of group_median, "
                       "group_mean, group_best, target, timeprogress", z, zSpec);
    return -1;
  }
  pOut->eKind = WHATIF_VALUE;
  pOut->rValue = r;
  return 0;
}

static int whatif_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The value a set gives unit u, from the unchanged inputs; NaN with *pzErr when none. */
static double whatif_resolve(const ScoreInput *pIn, int u, const WhatIfSet *s, char **pzErr) {
  const Scheme *pS = pIn->pScheme;
  int nL = pS->nLeaf, l = s->iLeaf, iNode = pS->aLeafNode[l];
  const SchemeNode *pN = &pS->aNode[iNode];
  double t = pIn->aTarget ? pIn->aTarget[(size_t)u * nL + l] : NAN;
  switch (s->eKind) {
  case WHATIF_VALUE:
    return s->rValue;
  case WHATIF_TARGET:
  case WHATIF_TIMEPROGRESS:
    if (isnan(t)) {
      *pzErr = xasprintf("%s: unit %s has no target", pN->zCode, pIn->azUnit[u]);
      return NAN;
    }
    if (s->eKind == WHATIF_TARGET) return t;
    return t * (pN->params.bTp ? pN->params.rTp
                               : period_time_progress(&pIn->period, pS->bDayBasis));
  default:
    break;
  }
  double *a = xmalloc_array((size_t)pIn->nUnit + 1, sizeof(double));
  int n = 0;
  for (int v = 0; v < pIn->nUnit; v++) {
    double x = pIn->aValue[(size_t)v * nL + l];
    if (strcmp(pIn->azGroup[v], pIn->azGroup[u]) == 0 && !isnan(x)) a[n++] = x;
  }
  double r = NAN;
  if (n == 0) {
    *pzErr = xasprintf("%s: no unit of group %s has a value", pN->zCode, pIn->azGroup[u]);
  } else {
    qsort(a, (size_t)n, sizeof(double), whatif_cmp);
    if (s->eKind == WHATIF_GROUP_MEDIAN)
      r = n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    else if (s->eKind == WHATIF_GROUP_BEST)
      r = pN->bLower ? a[0] : a[n - 1];
    else {
      r = 0;
      for (int k = 0; k < n; k++)
        r += a[k];
      r /= n;
    }
  }
  free(a);
  return r;
}

int whatif_run(const ScoreInput *pIn, int iUnit, const WhatIfSet *aSet, int nSet,
               WhatIfResult *pOut, char **pzErr) {
  *pzErr = NULL;
  memset(pOut, 0, sizeof *pOut);
  const Scheme *pS = pIn->pScheme;
  size_t nL = (size_t)pS->nLeaf, nCell = (size_t)pIn->nUnit * nL;
  if (iUnit < 0 || iUnit >= pIn->nUnit) {
    *pzErr = xstrdup("no such unit");
    return -1;
  }
  pOut->iUnit = iUnit;
  pOut->nLeaf = nSet;
  pOut->aLeaf = xcalloc((size_t)nSet + 1, sizeof(WhatIfLeaf));
  double *aCopy = xmalloc_array(nCell + 1, sizeof(double));
  memcpy(aCopy, pIn->aValue, sizeof(double) * nCell);
  for (int k = 0; k < nSet; k++) {
    double r = whatif_resolve(pIn, iUnit, &aSet[k], pzErr);
    if (*pzErr) {
      free(aCopy);
      whatif_result_free(pOut);
      return -1;
    }
    pOut->aLeaf[k].iLeaf = aSet[k].iLeaf;
    pOut->aLeaf[k].rValueBefore = pIn->aValue[(size_t)iUnit * nL + (size_t)aSet[k].iLeaf];
    aCopy[(size_t)iUnit * nL + (size_t)aSet[k].iLeaf] = r;
  }
  ScoreInput in = *pIn;
  in.aValue = aCopy;
  char *zErr = NULL;
  ScoreResult *pB = score_compute(pIn, &zErr);
  ScoreResult *pA = pB ? score_compute(&in, &zErr) : NULL;
  if (!pA) {
    *pzErr = xasprintf("%s: %s", pB ? "after the change" : "as it is", zErr ? zErr : "");
    free(zErr);
    score_result_free(pB);
    free(aCopy);
    whatif_result_free(pOut);
    return -1;
  }
  const UnitScore *pUB = &pB->aUnit[iUnit], *pUA = &pA->aUnit[iUnit];
  pOut->rTotalBefore = pUB->rTotal;
  pOut->rTotalAfter = pUA->rTotal;
  pOut->iRankBefore = pUB->iRank;
  pOut->iRankAfter = pUA->iRank;
  pOut->nGroupSize = pUB->nGroupSize;
  pOut->iGradeBefore = pUB->iGrade;
  pOut->iGradeAfter = pUA->iGrade;
  for (int k = 0; k < nSet; k++) {
    WhatIfLeaf *w = &pOut->aLeaf[k];
    const LeafScore *lb = &pB->aLeaf[(size_t)iUnit * nL + (size_t)w->iLeaf];
    const LeafScore *la = &pA->aLeaf[(size_t)iUnit * nL + (size_t)w->iLeaf];
    w->rValueAfter = aCopy[(size_t)iUnit * nL + (size_t)w->iLeaf];
    w->rPointsBefore = lb->rPoints;
    w->rPointsAfter = la->rPoints;
    w->rShareBefore = lb->rShare;
    w->rShareAfter = la->rShare;
  }
  score_result_free(pA);
  score_result_free(pB);
  free(aCopy);
  return 0;
}

void whatif_result_free(WhatIfResult *p) {
  if (!p) return;
  free(p->aLeaf);
  p->aLeaf = NULL;
}

static json_t *whatif_num(double r) {
  return isfinite(r) ? json_real(r) : json_null();
}

static json_t *whatif_side(const Scheme *pS, double rTotal, int iRank, int iGrade) {
  json_t *o = json_object();
  json_object_set_new(o, "total", whatif_num(rTotal));
  json_object_set_new(o, "rank", json_integer(iRank));
  json_object_set_new(o, "grade", iGrade >= 0 ? json_string(pS->aGrade[iGrade].zLabel)
                                              : json_null());
  return o;
}

json_t *whatif_json(const ScoreInput *pIn, const WhatIfResult *p) {
  const Scheme *pS = pIn->pScheme;
  json_t *o = json_object();
  json_object_set_new(o, "unit", json_string(pIn->azUnit[p->iUnit]));
  json_object_set_new(o, "period", json_string(pIn->period.zCode));
  json_object_set_new(o, "group", json_string(pIn->azGroup[p->iUnit]));
  json_object_set_new(o, "group_size", json_integer(p->nGroupSize));
  json_object_set_new(o, "before", whatif_side(pS, p->rTotalBefore, p->iRankBefore,
                                               p->iGradeBefore));
  json_object_set_new(o, "after", whatif_side(pS, p->rTotalAfter, p->iRankAfter,
                                              p->iGradeAfter));
  json_t *a = json_array();
  for (int k = 0; k < p->nLeaf; k++) {
    const WhatIfLeaf *w = &p->aLeaf[k];
    json_t *c = json_object();
    json_object_set_new(c, "indicator", json_string(pS->aNode[pS->aLeafNode[w->iLeaf]].zCode));
    json_object_set_new(c, "value_before", whatif_num(w->rValueBefore));
    json_object_set_new(c, "value_after", whatif_num(w->rValueAfter));
    json_object_set_new(c, "share_before", whatif_num(w->rShareBefore));
    json_object_set_new(c, "share_after", whatif_num(w->rShareAfter));
    json_object_set_new(c, "points_before", whatif_num(w->rPointsBefore));
    json_object_set_new(c, "points_after", whatif_num(w->rPointsAfter));
    json_array_append_new(a, c);
  }
  json_object_set_new(o, "changes", a);
  return o;
}

/*
** model.c: the review JSON -> ReportModel loader of model.h, and the store query that
** finds the review of a period.
**
** NOTES ON THE DESIGN
**  - One parse, one model: every renderer reads the model, so a number cannot print one way
**    in the HTML and another in the XLSX. The JSON contract is docs/review-json.md.
**  - Strictness: what the bulletin cannot do without (period, scheme, units with code, name,
**    group, total, rank) is required and a missing or mistyped field is an error naming its
**    JSON path. Optional detail (cards, lists, double_half) may be absent or null; the
**    renderers then leave that part out rather than invent it.
**  - Invariants after a successful parse: every RpUnit.iGroup and RpGroup.aUnit entry is a
**    valid index; every RpLeaf/RpShortfall/... iInd is a valid index or -1 (code unknown to
**    the scheme list: the renderers fall back to the code); list entries naming an unknown
**    unit are an error (a bulletin must not silently drop a name from 黑榜).
**  - All memory lives in one arena, freed by report_model_free.
*/
#include "report/model.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

/* Parse state: the arena, and the first error (later ones are dropped: the first names
** the real problem). zWhere is the JSON path of the object being read, for messages. */
typedef struct Parse {
  Arena *a;
  char *zErr;
  char zWhere[96];
} Parse;

static void mp_error(Parse *p, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
static void mp_error(Parse *p, const char *zFmt, ...) {
  if (p->zErr) return;
  Buf b = BUF_INIT;
  if (p->zWhere[0]) buf_printf(&b, "%s.", p->zWhere);
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(&b, zFmt, ap);
  va_end(ap);
  p->zErr = buf_detach(&b);
}

static void mp_where(Parse *p, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
static void mp_where(Parse *p, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(p->zWhere, sizeof p->zWhere, zFmt, ap); /* a message prefix only: truncation is harmless */
  va_end(ap);
}

/* A string member: the arena copy, NULL when absent or null (an error when bRequired), and
** an error when present with another type. */
static char *mp_str(Parse *p, json_t *o, const char *zKey, int bRequired) {
  json_t *v = json_object_get(o, zKey);
  if (!v || json_is_null(v)) {
    if (bRequired) mp_error(p, "%s: missing", zKey);
    return NULL;
  }
  if (!json_is_string(v)) {
    mp_error(p, "%s: not a string", zKey);
    return NULL;
  }
  return arena_strdup(p->a, json_string_value(v));
}

/* A number member: NaN when absent or null (an error when bRequired). */
static double mp_num(Parse *p, json_t *o, const char *zKey, int bRequired) {
  json_t *v = json_object_get(o, zKey);
  if (!v || json_is_null(v)) {
    if (bRequired) mp_error(p, "%s: missing", zKey);
    return NAN;
  }
  if (!json_is_number(v)) {
    mp_error(p, "%s: not a number", zKey);
    return NAN;
  }
  return json_number_value(v);
}

/* An integer member (ranks, counts): 0 when absent or null; *pbSet says whether it was
** there. A fractional value is an error: ranks are whole. */
static int mp_int(Parse *p, json_t *o, const char *zKey, int bRequired, int *pbSet) {
  double r = mp_num(p, o, zKey, bRequired);
  if (pbSet) *pbSet = !isnan(r);
  if (isnan(r)) return 0;
  if (r != floor(r) || fabs(r) > 1e9) {
    mp_error(p, "%s: not a whole number", zKey);
    return 0;
  }
  return (int)r;
}

/* An array member: NULL when absent or null, an error when of another type. */
static json_t *mp_array(Parse *p, json_t *o, const char *zKey, int bRequired) {
  json_t *v = json_object_get(o, zKey);
  if (!v || json_is_null(v)) {
    if (bRequired) mp_error(p, "%s: missing", zKey);
    return NULL;
  }
  if (!json_is_array(v)) {
    mp_error(p, "%s: not an array", zKey);
    return NULL;
  }
  return v;
}

/* Allocates n zeroed elements of size sz from the arena (n may be 0). */
static void *mp_alloc(Parse *p, size_t n, size_t sz) {
  if (n && sz > ((size_t)-1) / 4 / n) mp_error(p, "array too large");
  return arena_alloc(p->a, n ? n * sz : 1);
}

static void mp_strings(Parse *p, json_t *o, const char *zKey, RpStrings *pOut) {
  json_t *a = mp_array(p, o, zKey, 0);
  pOut->n = 0;
  pOut->az = NULL;
  if (!a) return;
  pOut->az = mp_alloc(p, json_array_size(a), sizeof(char *));
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    if (!json_is_string(v)) {
      mp_error(p, "%s[%zu]: not a string", zKey, i);
      return;
    }
    pOut->az[pOut->n++] = arena_strdup(p->a, json_string_value(v));
  }
}

static int mp_object_ok(Parse *p, json_t *v, const char *zWhat, size_t i) {
  if (json_is_object(v)) return 1;
  mp_error(p, "%s[%zu]: not an object", zWhat, i);
  return 0;
}

int report_unit_index(const ReportModel *m, const char *zCode) {
  if (!zCode) return -1;
  for (int i = 0; i < m->nUnit; i++)
    if (strcmp(m->aUnit[i].zCode, zCode) == 0) return i;
  return -1;
}

int report_indicator_index(const ReportModel *m, const char *zCode) {
  if (!zCode) return -1;
  for (int i = 0; i < m->nIndicator; i++)
    if (strcmp(m->aIndicator[i].zCode, zCode) == 0) return i;
  return -1;
}

int report_category_index(const ReportModel *m, const char *zCode) {
  if (!zCode) return -1;
  for (int i = 0; i < m->nCategory; i++)
    if (strcmp(m->aCategory[i].zCode, zCode) == 0) return i;
  return -1;
}

int report_has_flag(const RpStrings *p, const char *zFlag) {
  for (int i = 0; i < p->n; i++)
    if (strcmp(p->az[i], zFlag) == 0) return 1;
  return 0;
}

static void mp_scheme_lists(Parse *p, json_t *root, ReportModel *m) {
  json_t *a = mp_array(p, root, "categories", 0);
  if (a) {
    m->aCategory = mp_alloc(p, json_array_size(a), sizeof(RpCategory));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
      if (!mp_object_ok(p, v, "categories", i)) return;
      mp_where(p, "categories[%zu]", i);
      RpCategory *c = &m->aCategory[m->nCategory++];
      c->zCode = mp_str(p, v, "code", 1);
      c->zName = mp_str(p, v, "name", 0);
      if (!c->zName) c->zName = c->zCode;
    }
  }
  p->zWhere[0] = 0;
  a = mp_array(p, root, "indicators", 0);
  if (a) {
    m->aIndicator = mp_alloc(p, json_array_size(a), sizeof(RpIndicator));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
      if (!mp_object_ok(p, v, "indicators", i)) return;
      mp_where(p, "indicators[%zu]", i);
      RpIndicator *d = &m->aIndicator[m->nIndicator++];
      d->zCode = mp_str(p, v, "code", 1);
      d->zName = mp_str(p, v, "name", 0);
      if (!d->zName) d->zName = d->zCode;
      d->zUnit = mp_str(p, v, "unit", 0);
      d->zMethod = mp_str(p, v, "method", 0);
      d->zDirection = mp_str(p, v, "direction", 0);
      d->zSource = mp_str(p, v, "source", 0);
      d->rWeight = mp_num(p, v, "weight", 0);
      d->iCategory = -1;
      char *zCat = mp_str(p, v, "category", 0);
      if (zCat) d->iCategory = report_category_index(m, zCat);
    }
  }
  p->zWhere[0] = 0;
}

/* The per-unit detail arrays: leaves, categories, shortfalls, strengths, potential. */
static void mp_unit_detail(Parse *p, json_t *u, ReportModel *m, RpUnit *pU, size_t iU) {
  json_t *a = mp_array(p, u, "indicators", 0);
  size_t i;
  json_t *v;
  if (a) {
    pU->aLeaf = mp_alloc(p, json_array_size(a), sizeof(RpLeaf));
    json_array_foreach(a, i, v) {
      mp_where(p, "units[%zu]", iU);
      if (!mp_object_ok(p, v, "indicators", i)) return;
      mp_where(p, "units[%zu].indicators[%zu]", iU, i);
      RpLeaf *l = &pU->aLeaf[pU->nLeaf++];
      l->zCode = mp_str(p, v, "code", 1);
      l->iInd = report_indicator_index(m, l->zCode);
      l->rValue = mp_num(p, v, "value", 0);
      l->rTarget = mp_num(p, v, "target", 0);
      l->rShare = mp_num(p, v, "share", 0);
      l->rPoints = mp_num(p, v, "points", 0);
      l->rMaxPoints = mp_num(p, v, "max_points", 0);
      l->rLost = mp_num(p, v, "lost", 0);
      l->rMedian = mp_num(p, v, "group_median", 0);
      l->rBest = mp_num(p, v, "group_best", 0);
      l->iRank = mp_int(p, v, "rank", 0, NULL);
      mp_strings(p, v, "flags", &l->flags);
    }
  }
  mp_where(p, "units[%zu]", iU);
  a = mp_array(p, u, "categories", 0);
  if (a) {
    pU->aCat = mp_alloc(p, json_array_size(a), sizeof(RpCatResult));
    json_array_foreach(a, i, v) {
      mp_where(p, "units[%zu]", iU);
      if (!mp_object_ok(p, v, "categories", i)) return;
      mp_where(p, "units[%zu].categories[%zu]", iU, i);
      RpCatResult *c = &pU->aCat[pU->nCat++];
      c->zCode = mp_str(p, v, "code", 1);
      c->iCat = report_category_index(m, c->zCode);
      c->rValue = mp_num(p, v, "value", 0);
      c->rPoints = mp_num(p, v, "points", 0);
      c->rMaxPoints = mp_num(p, v, "max_points", 0);
    }
  }
  mp_where(p, "units[%zu]", iU);
  a = mp_array(p, u, "shortfalls", 0);
  if (a) {
    pU->aShort = mp_alloc(p, json_array_size(a), sizeof(RpShortfall));
    json_array_foreach(a, i, v) {
      mp_where(p, "units[%zu]", iU);
      if (!mp_object_ok(p, v, "shortfalls", i)) return;
      mp_where(p, "units[%zu].shortfalls[%zu]", iU, i);
      RpShortfall *s = &pU->aShort[pU->nShort++];
      s->zCode = mp_str(p, v, "code", 1);
      s->iInd = report_indicator_index(m, s->zCode);
      s->zName = mp_str(p, v, "name", 0);
      s->rLost = mp_num(p, v, "lost", 0);
      s->iRank = mp_int(p, v, "rank", 0, NULL);
      s->nGroup = mp_int(p, v, "group_size", 0, NULL);
      RpStrings why;
      mp_strings(p, v, "why", &why);
      s->mWhy = (report_has_flag(&why, "lost") ? RP_WHY_LOST : 0) |
                (report_has_flag(&why, "bottom") ? RP_WHY_BOTTOM : 0) |
                (report_has_flag(&why, "behind") ? RP_WHY_BEHIND : 0);
    }
  }
  mp_where(p, "units[%zu]", iU);
  a = mp_array(p, u, "strengths", 0);
  if (a) {
    pU->aStrong = mp_alloc(p, json_array_size(a), sizeof(RpStrength));
    json_array_foreach(a, i, v) {
      mp_where(p, "units[%zu]", iU);
      if (!mp_object_ok(p, v, "strengths", i)) return;
      mp_where(p, "units[%zu].strengths[%zu]", iU, i);
      RpStrength *s = &pU->aStrong[pU->nStrong++];
      s->zCode = mp_str(p, v, "code", 1);
      s->iInd = report_indicator_index(m, s->zCode);
      s->zName = mp_str(p, v, "name", 0);
      s->iRank = mp_int(p, v, "rank", 0, NULL);
      s->nGroup = mp_int(p, v, "group_size", 0, NULL);
      s->rShare = mp_num(p, v, "share", 0);
    }
  }
  mp_where(p, "units[%zu]", iU);
  a = mp_array(p, u, "potential", 0);
  if (a) {
    pU->aPot = mp_alloc(p, json_array_size(a), sizeof(RpPotential));
    json_array_foreach(a, i, v) {
      mp_where(p, "units[%zu]", iU);
      if (!mp_object_ok(p, v, "potential", i)) return;
      mp_where(p, "units[%zu].potential[%zu]", iU, i);
      RpPotential *s = &pU->aPot[pU->nPot++];
      s->zCode = mp_str(p, v, "code", 1);
      s->iInd = report_indicator_index(m, s->zCode);
      s->zName = mp_str(p, v, "name", 0);
      char *zTo = mp_str(p, v, "to", 0);
      s->bToBest = zTo && strcmp(zTo, "best") == 0;
      s->rValue = mp_num(p, v, "value", 0);
      s->rRaisedTo = mp_num(p, v, "raised_to", 0);
      s->rGain = mp_num(p, v, "gain", 1);
      s->iRankAfter = mp_int(p, v, "rank_after", 0, NULL);
      s->nPlaces = mp_int(p, v, "places", 0, NULL);
    }
  }
  mp_where(p, "units[%zu]", iU);
  json_t *dh = json_object_get(u, "double_half");
  if (dh && !json_is_null(dh)) {
    if (!json_is_object(dh)) {
      mp_error(p, "double_half: not an object");
      return;
    }
    mp_where(p, "units[%zu].double_half", iU);
    char *zStatus = mp_str(p, dh, "status", 1);
    if (zStatus && strcmp(zStatus, "achieved") == 0) pU->eDoubleHalf = RP_DH_ACHIEVED;
    else if (zStatus && strcmp(zStatus, "not_achieved") == 0) pU->eDoubleHalf = RP_DH_NOT;
    else if (zStatus) mp_error(p, "status: \"%s\" is neither achieved nor not_achieved", zStatus);
    pU->rDhTime = mp_num(p, dh, "time_progress", 0);
    a = mp_array(p, dh, "indicators", 0);
    if (a) {
      pU->aDh = mp_alloc(p, json_array_size(a), sizeof(RpProgress));
      json_array_foreach(a, i, v) {
        if (!mp_object_ok(p, v, "indicators", i)) return;
        RpProgress *g = &pU->aDh[pU->nDh++];
        g->zCode = mp_str(p, v, "code", 1);
        g->iInd = report_indicator_index(m, g->zCode);
        g->rProgress = mp_num(p, v, "progress", 0);
        json_t *b = json_object_get(v, "passed");
        g->bPassed = b && json_is_true(b);
      }
    }
  }
}

static void mp_units(Parse *p, json_t *root, ReportModel *m) {
  json_t *a = mp_array(p, root, "units", 1);
  if (!a) return;
  m->aUnit = mp_alloc(p, json_array_size(a), sizeof(RpUnit));
  size_t i;
  json_t *u;
  json_array_foreach(a, i, u) {
    p->zWhere[0] = 0;
    if (!mp_object_ok(p, u, "units", i)) return;
    mp_where(p, "units[%zu]", i);
    RpUnit *pU = &m->aUnit[m->nUnit++];
    pU->zCode = mp_str(p, u, "code", 1);
    pU->zName = mp_str(p, u, "name", 1);
    pU->zGroup = mp_str(p, u, "group", 1);
    pU->nGroupSize = mp_int(p, u, "group_size", 0, NULL);
    pU->rTotal = mp_num(p, u, "total", 1);
    pU->iRank = mp_int(p, u, "rank", 1, NULL);
    pU->zGrade = mp_str(p, u, "grade", 0);
    mp_strings(p, u, "flags", &pU->flags);
    pU->rBase = mp_num(p, u, "base", 0);
    pU->rBonus = mp_num(p, u, "bonus", 0);
    pU->rDeduct = mp_num(p, u, "deduct", 0);
    json_t *prev = json_object_get(u, "previous");
    if (prev && json_is_object(prev)) {
      mp_where(p, "units[%zu].previous", i);
      pU->bPrevious = 1;
      pU->zPrevPeriod = mp_str(p, prev, "period", 0);
      pU->rPrevTotal = mp_num(p, prev, "total", 0);
      pU->iPrevRank = mp_int(p, prev, "rank", 0, NULL);
      mp_where(p, "units[%zu]", i);
    } else if (prev && !json_is_null(prev)) {
      mp_error(p, "previous: not an object");
    }
    int bRank = 0;
    pU->iRankChange = mp_int(p, u, "rank_change", 0, &bRank);
    pU->rTotalChange = mp_num(p, u, "total_change", 0);
    pU->bChange = bRank && !isnan(pU->rTotalChange);
    json_t *iv = json_object_get(u, "rank_interval");
    if (iv && json_is_array(iv) && json_array_size(iv) == 2 &&
        json_is_integer(json_array_get(iv, 0)) && json_is_integer(json_array_get(iv, 1))) {
      pU->bInterval = 1;
      pU->iRankLo = (int)json_integer_value(json_array_get(iv, 0));
      pU->iRankHi = (int)json_integer_value(json_array_get(iv, 1));
      pU->iRankMedian = mp_int(p, u, "rank_median", 0, NULL);
    } else if (iv && !json_is_null(iv)) {
      mp_error(p, "rank_interval: not [lo, hi]");
    }
    if (p->zErr) return;
    mp_unit_detail(p, u, m, pU, i);
    if (p->zErr) return;
  }
  p->zWhere[0] = 0;
}

/* Resolves a JSON array of unit codes into indices; an unknown code is an error. */
static int *mp_unit_codes(Parse *p, ReportModel *m, json_t *a, int *pn, const char *zWhat) {
  int *aOut = mp_alloc(p, json_array_size(a), sizeof(int));
  size_t i;
  json_t *v;
  *pn = 0;
  json_array_foreach(a, i, v) {
    int iU = json_is_string(v) ? report_unit_index(m, json_string_value(v)) : -1;
    if (iU < 0) {
      mp_error(p, "%s[%zu]: not the code of a unit in this review", zWhat, i);
      return aOut;
    }
    aOut[(*pn)++] = iU;
  }
  return aOut;
}

static RpGroup *mp_group_named(ReportModel *m, const char *zName) {
  for (int i = 0; i < m->nGroup; i++)
    if (zName && strcmp(m->aGroup[i].zName, zName) == 0) return &m->aGroup[i];
  return NULL;
}

static void mp_groups(Parse *p, json_t *root, ReportModel *m) {
  json_t *a = mp_array(p, root, "groups", 1);
  if (!a) return;
  m->aGroup = mp_alloc(p, json_array_size(a), sizeof(RpGroup));
  size_t i;
  json_t *g;
  json_array_foreach(a, i, g) {
    p->zWhere[0] = 0;
    if (!mp_object_ok(p, g, "groups", i)) return;
    mp_where(p, "groups[%zu]", i);
    RpGroup *pG = &m->aGroup[m->nGroup++];
    pG->zName = mp_str(p, g, "name", 1);
    json_t *u = mp_array(p, g, "units", 1);
    if (p->zErr) return;
    pG->aUnit = mp_unit_codes(p, m, u, &pG->nUnit, "units");
  }
  p->zWhere[0] = 0;
  for (int iU = 0; iU < m->nUnit && !p->zErr; iU++) {
    RpUnit *pU = &m->aUnit[iU];
    RpGroup *pG = mp_group_named(m, pU->zGroup);
    if (!pG) {
      mp_where(p, "units[%d]", iU);
      mp_error(p, "group: \"%s\" is not in groups", pU->zGroup);
      return;
    }
    pU->iGroup = (int)(pG - m->aGroup);
  }
}

/* lists.red etc.: [{"group": G, "units": [codes]}] or, for improved/declined,
** [{"group": G, "units": [{"code", "rank_change", "total_change"}]}]. */
static void mp_lists(Parse *p, json_t *root, ReportModel *m) {
  json_t *lists = json_object_get(root, "lists");
  if (!lists || json_is_null(lists)) return;
  if (!json_is_object(lists)) {
    mp_error(p, "lists: not an object");
    return;
  }
  static const char *azKind[] = {"red", "black", "improved", "declined"};
  for (int k = 0; k < 4 && !p->zErr; k++) {
    p->zWhere[0] = 0;
    mp_where(p, "lists");
    json_t *a = mp_array(p, lists, azKind[k], 0);
    if (!a) continue;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
      mp_where(p, "lists");
      if (!mp_object_ok(p, e, azKind[k], i)) return;
      mp_where(p, "lists.%s[%zu]", azKind[k], i);
      char *zGroup = mp_str(p, e, "group", 1);
      RpGroup *pG = mp_group_named(m, zGroup);
      if (!pG && !p->zErr) mp_error(p, "group: \"%s\" is not in groups", zGroup);
      json_t *u = mp_array(p, e, "units", 1);
      if (p->zErr) return;
      if (k == 0) pG->aRed = mp_unit_codes(p, m, u, &pG->nRed, "units");
      else if (k == 1) pG->aBlack = mp_unit_codes(p, m, u, &pG->nBlack, "units");
      else {
        RpMove *aMove = mp_alloc(p, json_array_size(u), sizeof(RpMove));
        int n = 0;
        size_t j;
        json_t *v;
        json_array_foreach(u, j, v) {
          mp_where(p, "lists.%s[%zu]", azKind[k], i);
          if (!mp_object_ok(p, v, "units", j)) return;
          mp_where(p, "lists.%s[%zu].units[%zu]", azKind[k], i, j);
          char *zCode = mp_str(p, v, "code", 1);
          int iU = report_unit_index(m, zCode);
          if (iU < 0 && !p->zErr) mp_error(p, "code: not the code of a unit in this review");
          aMove[n].iUnit = iU;
          aMove[n].iRankChange = mp_int(p, v, "rank_change", 0, NULL);
          aMove[n].rTotalChange = mp_num(p, v, "total_change", 0);
          if (p->zErr) return;
          n++;
        }
        if (k == 2) {
          pG->aUp = aMove;
          pG->nUp = n;
        } else {
          pG->aDown = aMove;
          pG->nDown = n;
        }
      }
    }
  }
  p->zWhere[0] = 0;
}

static void mp_city(Parse *p, json_t *root, ReportModel *m) {
  json_t *c = json_object_get(root, "city");
  m->nCityUnits = m->nUnit;
  m->nCityGroups = m->nGroup;
  if (!c || json_is_null(c)) return;
  if (!json_is_object(c)) {
    mp_error(p, "city: not an object");
    return;
  }
  mp_where(p, "city");
  int bSet = 0;
  int n = mp_int(p, c, "units", 0, &bSet);
  if (bSet) m->nCityUnits = n;
  n = mp_int(p, c, "groups", 0, &bSet);
  if (bSet) m->nCityGroups = n;
  m->nCityBehind = mp_int(p, c, "behind", 0, NULL);
  m->nCityMissing = mp_int(p, c, "missing", 0, NULL);
  json_t *a = mp_array(p, c, "vetoes", 0);
  if (a && !p->zErr) m->aVeto = mp_unit_codes(p, m, a, &m->nVeto, "vetoes");
  p->zWhere[0] = 0;
}

/* "robustness" (docs/review-json.md): the method record of the rank intervals. */
static void mp_robustness(Parse *p, json_t *root, ReportModel *m) {
  json_t *r = json_object_get(root, "robustness");
  if (!r || json_is_null(r) || json_object_get(r, "error")) return;
  if (!json_is_object(r)) {
    mp_error(p, "robustness: not an object");
    return;
  }
  mp_where(p, "robustness");
  m->bRobust = 1;
  m->nRobustDraws = mp_int(p, r, "draws", 1, NULL);
  json_t *pSeed = json_object_get(r, "seed");
  m->iRobustSeed = json_is_integer(pSeed) ? (long long)json_integer_value(pSeed) : 0;
  m->rMeanShift = mp_num(p, r, "mean_abs_rank_shift", 0);
  json_t *a = mp_array(p, r, "choices", 0);
  if (a) {
    m->robustChoices.az = mp_alloc(p, json_array_size(a), sizeof(char *));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
      if (!mp_object_ok(p, v, "choices", i)) return;
      const char *zName = json_string_value(json_object_get(v, "name"));
      json_t *pOpt = json_object_get(v, "options");
      Buf b = BUF_INIT;
      buf_puts(&b, zName ? zName : "?");
      if (json_is_number(json_object_get(v, "spread")))
        buf_printf(&b, " ±%g %%", 100 * json_number_value(json_object_get(v, "spread")));
      if (json_is_array(pOpt)) {
        size_t k;
        json_t *o;
        json_array_foreach(pOpt, k, o) buf_printf(&b, "%s%s", k ? " / " : ": ",
                                                  json_is_string(o) ? json_string_value(o) : "?");
      }
      m->robustChoices.az[m->robustChoices.n++] = arena_strdup(p->a, buf_str(&b));
      buf_free(&b);
    }
  }
  a = mp_array(p, r, "sensitivity", 0);
  if (a) {
    m->aSens = mp_alloc(p, json_array_size(a), sizeof(RpSensitivity));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
      if (!mp_object_ok(p, v, "sensitivity", i)) return;
      RpSensitivity *pS = &m->aSens[m->nSens++];
      pS->zChoice = mp_str(p, v, "choice", 1);
      pS->rS1 = mp_num(p, v, "s1", 0);
      pS->rST = mp_num(p, v, "st", 0);
    }
  }
  p->zWhere[0] = 0;
}

static int mp_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The share a radar draws for one unit's category: its value (Σ points / Σ weights, a
** share in [0,1]), else points / max_points; NaN when the category does not apply. */
static double mp_cat_share(const RpCatResult *c) {
  if (!isnan(c->rValue)) return c->rValue;
  if (!isnan(c->rPoints) && !isnan(c->rMaxPoints) && c->rMaxPoints > 0)
    return c->rPoints / c->rMaxPoints;
  return NAN;
}

/* Each group's median category share, for the radar's reference polygon (the one figure
** the JSON does not carry; see the file header). */
static void mp_group_medians(Parse *p, ReportModel *m) {
  double *aVal = mp_alloc(p, (size_t)m->nUnit + 1, sizeof(double));
  for (int g = 0; g < m->nGroup; g++) {
    RpGroup *pG = &m->aGroup[g];
    pG->aCatMedian = mp_alloc(p, (size_t)m->nCategory + 1, sizeof(double));
    pG->aCatUsed = mp_alloc(p, (size_t)m->nCategory + 1, sizeof(int));
    for (int c = 0; c < m->nCategory; c++) {
      int n = 0;
      for (int k = 0; k < pG->nUnit; k++) {
        const RpUnit *pU = &m->aUnit[pG->aUnit[k]];
        for (int j = 0; j < pU->nCat; j++) {
          if (pU->aCat[j].iCat != c) continue;
          double r = mp_cat_share(&pU->aCat[j]);
          if (!isnan(r)) aVal[n++] = r;
        }
      }
      pG->aCatUsed[c] = n > 0;
      if (n == 0) {
        pG->aCatMedian[c] = NAN;
        continue;
      }
      qsort(aVal, (size_t)n, sizeof(double), mp_cmp_double);
      pG->aCatMedian[c] = (n & 1) ? aVal[n / 2] : (aVal[n / 2 - 1] + aVal[n / 2]) / 2;
    }
  }
}

int report_model_parse(const char *zJson, int bDraft, ReportModel **ppModel, char **pzErr) {
  *ppModel = NULL;
  json_error_t jerr;
  json_t *root = json_loads(zJson, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    *pzErr = xasprintf("the review is not valid JSON: line %d, column %d: %s", jerr.line,
                       jerr.column, jerr.text);
    return -1;
  }
  Parse p = {arena_new(), NULL, ""};
  ReportModel *m = arena_alloc(p.a, sizeof *m);
  m->pArena = p.a;
  m->bDraft = bDraft;
  json_t *kind = json_object_get(root, "kind");
  json_t *fmt = json_object_get(root, "format");
  if (!json_is_object(root) || !json_is_string(kind) ||
      strcmp(json_string_value(kind), "kaoping-review") != 0) {
    mp_error(&p, "kind: not a kaoping-review document");
  } else if (!json_is_integer(fmt) || json_integer_value(fmt) != 1) {
    mp_error(&p, "format: this kaoping reads review format 1");
  }
  if (!p.zErr) {
    m->zPeriod = mp_str(&p, root, "period", 1);
    m->zPeriodEnd = mp_str(&p, root, "period_end", 0);
    m->rTimeProgress = mp_num(&p, root, "time_progress", 0);
    m->zPrevPeriod = mp_str(&p, root, "previous_period", 0);
    m->iPrevRevision = mp_int(&p, root, "previous_revision", 0, NULL);
    json_t *prov = json_object_get(root, "provisional");
    m->bProvisional = prov && json_is_true(prov);
    m->zInputsSha = mp_str(&p, root, "inputs_sha256", 0);
    m->iRevision = mp_int(&p, root, "revision", 0, NULL);
    json_t *syn = json_object_get(root, "synthetic");
    m->bSynthetic = syn && json_is_true(syn);
    mp_strings(&p, root, "grades", &m->grades);
    json_t *s = json_object_get(root, "scheme");
    if (!json_is_object(s)) mp_error(&p, "scheme: missing");
    else {
      mp_where(&p, "scheme");
      m->zSchemeCode = mp_str(&p, s, "code", 1);
      m->zSchemeName = mp_str(&p, s, "name", 0);
      if (!m->zSchemeName) m->zSchemeName = m->zSchemeCode;
      m->iSchemeVersion = mp_int(&p, s, "version", 0, NULL);
      m->iSchemeYear = mp_int(&p, s, "year", 0, NULL);
      m->zAggregation = mp_str(&p, s, "aggregation", 0);
      m->rSchemeTotal = mp_num(&p, s, "total", 0);
      p.zWhere[0] = 0;
    }
  }
  if (!p.zErr) mp_scheme_lists(&p, root, m);
  if (!p.zErr) mp_units(&p, root, m);
  if (!p.zErr) mp_groups(&p, root, m);
  if (!p.zErr) mp_lists(&p, root, m);
  if (!p.zErr) mp_city(&p, root, m);
  if (!p.zErr) mp_robustness(&p, root, m);
  if (!p.zErr) mp_group_medians(&p, m);
  json_decref(root);
  if (p.zErr) {
    *pzErr = xasprintf("the review JSON is malformed: %s", p.zErr);
    free(p.zErr);
    arena_free(p.a);
    return -1;
  }
  *ppModel = m;
  return 0;
}

int report_model_load(Db *pDb, const char *zPeriod, ReportModel **ppModel, char **pzErr) {
  *ppModel = NULL;
  /* docs/review-json.md: the bulletin shows the published review; a period that has only
  ** a computed one gets it, marked as a draft. 'superseded' rows are history, never shown. */
  Stmt *s = db_prepare(pDb,
                       "SELECT state, result, revision FROM review"
                       " WHERE period = ?1 AND state IN ('published', 'computed')"
                       " ORDER BY state = 'published' DESC, revision DESC LIMIT 1");
  stmt_bind_text(s, 1, zPeriod);
  int rc = stmt_step(s);
  if (rc < 0) {
    *pzErr = xasprintf("cannot read the review of %s: %s", zPeriod, db_errmsg(pDb));
    stmt_finalize(s);
    return -1;
  }
  if (rc == 0) {
    *pzErr = xasprintf("no computed or published review for period %s in %s "
                       "(run: kaoping review compute %s)",
                       zPeriod, db_path(pDb), zPeriod);
    stmt_finalize(s);
    return 1;
  }
  int bDraft = strcmp(stmt_text(s, 0), "published") != 0;
  int64_t iRev = stmt_int(s, 2);
  char *zErr = NULL;
  rc = report_model_parse(stmt_text(s, 1), bDraft, ppModel, &zErr);
  stmt_finalize(s);
  if (rc) {
    *pzErr = xasprintf("review of %s (revision %lld): %s", zPeriod, (long long)iRev, zErr);
    free(zErr);
    return -1;
  }
  if (strcmp((*ppModel)->zPeriod, zPeriod) != 0) {
    *pzErr = xasprintf("review of %s (revision %lld) says it is for period %s", zPeriod,
                       (long long)iRev, (*ppModel)->zPeriod);
    report_model_free(*ppModel);
    *ppModel = NULL;
    return -1;
  }
  return 0;
}

void report_model_free(ReportModel *p) {
  if (p) arena_free(p->pArena);
}

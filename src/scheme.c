/*
** scheme.c: loading and validating an assessment scheme (考核方案) from the JSON of
** SCORING.md ("Files", "Leaf methods") into the flat pre-order tree of scheme.h.
**
** What it is for: every rule about what a scheme may say lives here, so that the engine
** (score.c) can trust a Scheme completely and contain no validation. What it is not for:
** storing or versioning schemes (store/, scheme import), or scoring.
**
** NOTES ON THE DESIGN
**
**  1. Validation collects every problem, not the first: a scheme is written by hand by the
**     performance office, and a list of all mistakes with their indicator codes saves a
**     round trip per mistake. Each line is "NAME: indicator CODE: what is wrong"
**     (or "NAME: scheme: ..." for the top level, or "NAME: indicator at PATH: ..." when
**     a node has no usable code).
**  2. Strictness: an unknown key, a wrong type or a value outside its range is an error,
**     never ignored, because a misspelt "mising": "exclude" would otherwise score
**     silently with the default policy. Where SCORING.md is silent, the choice is a clear
**     error rather than a guess; each such choice is listed in docs/scoring-notes.md.
**  3. The tree is flattened in pre-order while parsing (scheme.h): a node is appended
**     before its children, and its iEnd is set after them. Nothing holds a pointer into
**     aNode across the recursion, because appending may move the array.
**  4. Invariants of a Scheme returned by scheme_parse():
**       - aNode[i].iParent < i, and every j in (i, aNode[i].iEnd) descends from i;
**       - codes are unique; aCodeOrder sorts node indices by code (strcmp);
**       - a category has at least one child; a leaf has a method and no children;
**       - every weighted leaf has a weight >= 0; a manual leaf's weight is > 0;
**       - a category's rWeight is its given weight or the sum of its children's (weighted
**         leaves and subcategories; deduct, bonus, veto and veto_top carry no weight);
**       - zscore appears only in index mode and under no geometric aggregate;
**       - strings (zName, zUnit, zSource) are never NULL ("" when not given).
*/
#include "scheme.h"
#include "finding_map.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "robust.h"

static const char *const azSchemeMethod[METHOD__COUNT] = {
    "completion",   "rank",   "efficacy", "minmax", "zscore", "goalpost", "bands",
    "timeprogress", "manual", "deduct",   "bonus",  "veto",   "veto_top"};

/* The params keys each method accepts (SCORING.md "Leaf methods", params column). */
static const char *const azSchemeParamKeys[METHOD__COUNT][5] = {
    [METHOD_COMPLETION] = {"full_at", "cap", NULL},
    [METHOD_RANK] = {"min_share", "step", NULL},
    [METHOD_EFFICACY] = {"base", "good", "bad", NULL},
    [METHOD_MINMAX] = {NULL},
    [METHOD_ZSCORE] = {NULL},
    [METHOD_GOALPOST] = {"lo", "hi", "transform", "clamp", NULL},
    [METHOD_BANDS] = {"bands", NULL},
    [METHOD_TIMEPROGRESS] = {"tp", NULL},
    [METHOD_MANUAL] = {NULL},
    [METHOD_DEDUCT] = {"per_event", "cap", NULL},
    [METHOD_BONUS] = {"per_event", "cap", NULL},
    [METHOD_VETO] = {NULL},
    [METHOD_VETO_TOP] = {NULL},
};

static const char *const azSchemeTopKeys[] = {
    "code",       "name",   "year",       "aggregation", "total",     "scale",
    "time_basis", "grades", "indicators", "aggregate",   "synthetic", /* demo data marker read by
                                                                         review.c (DESIGN.md 9:
                                                                         clearly labelled) */
    "uncertainty", /* the uncertain choices of the rank intervals: kept as text, read by
                   ** robust.c (docs/robustness.md) */
    "supervision", /* findings -> deduct/veto leaves: finding_map.c checks it */
    NULL};
static const char *const azSchemeLeafKeys[] = {"code",   "name",    "unit",   "direction",
                                               "weight", "method",  "params", "accumulate",
                                               "groups", "missing", "source", NULL};
/* "method" is reported on its own (a leaf with children), not as an unknown key. */
static const char *const azSchemeCatKeys[] = {"code",     "name",   "weight", "aggregate",
                                              "children", "method", NULL};

const char *scheme_method_name(Method e) {
  if ((int)e < 0 || e >= METHOD__COUNT) return "?";
  return azSchemeMethod[e];
}

/* SCORING.md: deduct, bonus, veto and veto_top are "not a weighted leaf". */
int scheme_method_weighted(Method e) {
  return !(e == METHOD_DEDUCT || e == METHOD_BONUS || e == METHOD_VETO || e == METHOD_VETO_TOP);
}

/* SCORING.md: completion (r = x/t) and timeprogress (r = x/t) read a target. */
int scheme_method_needs_target(Method e) {
  return e == METHOD_COMPLETION || e == METHOD_TIMEPROGRESS;
}

/* Parsing state. */
typedef struct SchemeCtx {
  const char *zName; /* source name for messages */
  Buf err;           /* one problem per line */
  int nErr;
  SchemeNode *aNode;
  int nNode, nAlloc;
  Aggregation eAggregation;
  int bAggregationKnown;
} SchemeCtx;

/* Appends one problem. zWho is "scheme", "indicator CODE" or "indicator at PATH". */
static void scheme_err(SchemeCtx *c, const char *zWho, const char *zFmt, ...)
    __attribute__((format(printf, 3, 4)));
static void scheme_err(SchemeCtx *c, const char *zWho, const char *zFmt, ...) {
  va_list ap;
  if (c->zName && c->zName[0]) buf_printf(&c->err, "%s: ", c->zName);
  buf_printf(&c->err, "%s: ", zWho);
  va_start(ap, zFmt);
  buf_vprintf(&c->err, zFmt, ap);
  va_end(ap);
  buf_putc(&c->err, '\n');
  c->nErr++;
}

static int scheme_in_list(const char *z, const char *const *az) {
  for (int i = 0; az[i]; i++) {
    if (strcmp(z, az[i]) == 0) return 1;
  }
  return 0;
}

/* Reports every key of object pObj not in azAllowed. */
static void scheme_check_keys(SchemeCtx *c, const char *zWho, json_t *pObj,
                              const char *const *azAllowed, const char *zWhat) {
  const char *zKey;
  json_t *pVal;
  json_object_foreach(pObj, zKey, pVal) {
    (void)pVal;
    if (!scheme_in_list(zKey, azAllowed)) {
      scheme_err(c, zWho, "unknown key \"%s\" in %s", zKey, zWhat);
    }
  }
}

/* Optional string member: returns a malloc'd copy, or a copy of zDefault when absent.
** A present non-string is reported and gives the default. */
static char *scheme_opt_string(SchemeCtx *c, const char *zWho, json_t *pObj, const char *zKey,
                               const char *zDefault) {
  json_t *p = json_object_get(pObj, zKey);
  if (!p) return xstrdup(zDefault);
  if (!json_is_string(p)) {
    scheme_err(c, zWho, "%s must be a string", zKey);
    return xstrdup(zDefault);
  }
  return xstrdup(json_string_value(p));
}

/* Optional number member. Returns 1 and sets *pr when present and a number, 0 when absent;
** a present non-number is reported and counts as absent. */
static int scheme_opt_number(SchemeCtx *c, const char *zWho, json_t *pObj, const char *zKey,
                             const char *zWhat, double *pr) {
  json_t *p = json_object_get(pObj, zKey);
  if (!p) return 0;
  if (!json_is_number(p)) {
    scheme_err(c, zWho, "%s%s must be a number", zWhat, zKey);
    return 0;
  }
  *pr = json_number_value(p);
  return 1;
}

/* Optional enumerated string: returns the index in azChoice, iDefault when absent, and
** iDefault with a report when it is not one of the choices. */
static int scheme_opt_enum(SchemeCtx *c, const char *zWho, json_t *pObj, const char *zKey,
                           const char *const *azChoice, int iDefault, const char *zHint) {
  json_t *p = json_object_get(pObj, zKey);
  if (!p) return iDefault;
  if (json_is_string(p)) {
    for (int i = 0; azChoice[i]; i++) {
      if (strcmp(json_string_value(p), azChoice[i]) == 0) return i;
    }
    scheme_err(c, zWho, "unknown %s \"%s\" (%s)", zKey, json_string_value(p), zHint);
  } else {
    scheme_err(c, zWho, "%s must be a string (%s)", zKey, zHint);
  }
  return iDefault;
}

static int scheme_push_node(SchemeCtx *c) {
  if (c->nNode >= c->nAlloc) {
    c->nAlloc = c->nAlloc ? c->nAlloc * 2 : 32;
    c->aNode = xrealloc_array(c->aNode, (size_t)c->nAlloc, sizeof(SchemeNode));
  }
  SchemeNode *p = &c->aNode[c->nNode];
  memset(p, 0, sizeof *p);
  p->iLeaf = -1;
  p->iCat = -1;
  return c->nNode++;
}

/* Parses the params object of leaf iNode (already holding eMethod and rWeight). */
static void scheme_parse_params(SchemeCtx *c, const char *zWho, int iNode, json_t *pParams) {
  SchemeNode *pN = &c->aNode[iNode];
  MethodParams *m = &pN->params;
  Method e = pN->eMethod;
  /* Defaults, SCORING.md "Leaf methods" params column. */
  m->rFullAt = 1;
  m->rCap = 1;
  m->rMinShare = 0;
  m->rBase = 0.6;
  m->bClamp = 1;
  m->rPerEvent = 1;
  if (pParams && !json_is_object(pParams)) {
    scheme_err(c, zWho, "params must be an object");
    pParams = NULL;
  }
  if (pParams) {
    const char *zKey;
    json_t *pVal;
    json_object_foreach(pParams, zKey, pVal) {
      (void)pVal;
      if (!scheme_in_list(zKey, azSchemeParamKeys[e])) {
        scheme_err(c, zWho, "%s takes no parameter \"%s\"", azSchemeMethod[e], zKey);
      }
    }
  }
  json_t *pP = pParams ? pParams : json_object();
  const char *zM = azSchemeMethod[e];
  double r;
  switch (e) {
  case METHOD_COMPLETION:
    if (scheme_opt_number(c, zWho, pP, "full_at", "completion param ", &r)) {
      if (!(r > 0))
        scheme_err(c, zWho, "completion needs full_at > 0");
      else
        m->rFullAt = r;
    }
    if (scheme_opt_number(c, zWho, pP, "cap", "completion param ", &r)) {
      /* cap 0 would score every unit 0: surely a mistake, so > 0 */
      if (!(r > 0))
        scheme_err(c, zWho, "completion needs cap > 0");
      else {
        m->rCap = r;
        m->bCap = 1;
      }
    }
    break;
  case METHOD_RANK:
    if (scheme_opt_number(c, zWho, pP, "min_share", "rank param ", &r)) {
      if (r < 0 || r > 1)
        scheme_err(c, zWho, "rank needs 0 <= min_share <= 1");
      else
        m->rMinShare = r;
    }
    if (scheme_opt_number(c, zWho, pP, "step", "rank param ", &r)) {
      if (r < 0)
        scheme_err(c, zWho, "rank needs step >= 0");
      else {
        m->rStep = r;
        m->bStep = 1;
      }
    }
    break;
  case METHOD_EFFICACY:
    if (scheme_opt_number(c, zWho, pP, "base", "efficacy param ", &r)) {
      /* s = base + (1 - base) d must stay in [0, 1] */
      if (r < 0 || r > 1)
        scheme_err(c, zWho, "efficacy needs 0 <= base <= 1");
      else
        m->rBase = r;
    }
    if (scheme_opt_number(c, zWho, pP, "good", "efficacy param ", &r)) {
      m->rGood = r;
      m->bGood = 1;
    }
    if (scheme_opt_number(c, zWho, pP, "bad", "efficacy param ", &r)) {
      m->rBad = r;
      m->bBad = 1;
    }
    /* d = (x - bad)/(good - bad) is direction-free, so fixed good/bad that contradict the
    ** direction are a mistake in the scheme, not a second way to say "lower". good = bad
    ** is allowed: SCORING.md sets d = 1. */
    if (m->bGood && m->bBad) {
      if (!pN->bLower && m->rGood < m->rBad) {
        scheme_err(c, zWho, "efficacy with direction higher needs good >= bad (good %g, bad %g)",
                   m->rGood, m->rBad);
      } else if (pN->bLower && m->rGood > m->rBad) {
        scheme_err(c, zWho, "efficacy with direction lower needs good <= bad (good %g, bad %g)",
                   m->rGood, m->rBad);
      }
    }
    break;
  case METHOD_GOALPOST: {
    int bLo = scheme_opt_number(c, zWho, pP, "lo", "goalpost param ", &m->rLo);
    int bHi = scheme_opt_number(c, zWho, pP, "hi", "goalpost param ", &m->rHi);
    static const char *const azTransform[] = {"none", "ln", NULL};
    m->bLn = scheme_opt_enum(c, zWho, pP, "transform", azTransform, 0, "none or ln");
    json_t *pClamp = json_object_get(pP, "clamp");
    if (pClamp) {
      if (!json_is_boolean(pClamp))
        scheme_err(c, zWho, "goalpost param clamp must be true or false");
      else
        m->bClamp = json_is_true(pClamp);
    }
    if (!bLo || !bHi) {
      scheme_err(c, zWho, "goalpost needs params lo and hi");
    } else if (m->rLo == m->rHi) {
      scheme_err(c, zWho, "goalpost needs lo != hi (both are %g)", m->rLo);
    } else if (m->bLn && (m->rLo <= 0 || m->rHi <= 0)) {
      scheme_err(c, zWho, "goalpost with transform ln needs lo > 0 and hi > 0");
    }
    break;
  }
  case METHOD_BANDS: {
    json_t *pB = json_object_get(pP, "bands");
    if (!pB) {
      scheme_err(c, zWho, "bands needs params bands: [[threshold, share], ...]");
      break;
    }
    if (!json_is_array(pB) || json_array_size(pB) == 0) {
      scheme_err(c, zWho, "bands param bands must be a non-empty list of [threshold, share]");
      break;
    }
    size_t n = json_array_size(pB);
    m->aBand = xcalloc(n, sizeof(Band));
    for (size_t i = 0; i < n; i++) {
      json_t *pPair = json_array_get(pB, i);
      if (!json_is_array(pPair) || json_array_size(pPair) != 2 ||
          !json_is_number(json_array_get(pPair, 0)) || !json_is_number(json_array_get(pPair, 1))) {
        scheme_err(c, zWho, "band %zu must be [threshold, share] with two numbers", i + 1);
        continue;
      }
      double rT = json_number_value(json_array_get(pPair, 0));
      double rS = json_number_value(json_array_get(pPair, 1));
      if (rS < 0 || rS > 1) {
        scheme_err(c, zWho, "band %zu: share %g is outside [0, 1]", i + 1, rS);
        continue;
      }
      /* Two bands with one threshold would make "the share of the largest threshold <= x"
      ** ambiguous. */
      for (int k = 0; k < m->nBand; k++) {
        if (m->aBand[k].rThreshold == rT) {
          scheme_err(c, zWho, "bands: threshold %g appears twice", rT);
        }
      }
      m->aBand[m->nBand].rThreshold = rT;
      m->aBand[m->nBand].rShare = rS;
      m->nBand++;
    }
    break;
  }
  case METHOD_TIMEPROGRESS:
    if (scheme_opt_number(c, zWho, pP, "tp", "timeprogress param ", &r)) {
      if (!(r > 0 && r <= 1))
        scheme_err(c, zWho, "timeprogress needs 0 < tp <= 1");
      else {
        m->rTp = r;
        m->bTp = 1;
      }
    }
    break;
  case METHOD_DEDUCT:
  case METHOD_BONUS:
    if (scheme_opt_number(c, zWho, pP, "per_event", "", &r)) {
      if (r < 0)
        scheme_err(c, zWho, "%s needs per_event >= 0", zM);
      else
        m->rPerEvent = r;
    }
    /* cap: given, else the leaf's weight when it has one, else no cap (decision recorded
    ** in docs/scoring-notes.md: SCORING.md writes the default as "w"). */
    if (scheme_opt_number(c, zWho, pP, "cap", "", &r)) {
      if (r < 0)
        scheme_err(c, zWho, "%s needs cap >= 0", zM);
      else {
        m->rCap = r;
        m->bCap = 1;
      }
    } else {
      m->rCap = pN->bWeightGiven ? pN->rWeight : INFINITY;
    }
    break;
  case METHOD_MINMAX:
  case METHOD_ZSCORE:
  case METHOD_MANUAL:
  case METHOD_VETO:
  case METHOD_VETO_TOP:
  case METHOD__COUNT:
    break;
  }
  if (!pParams) json_decref(pP);
}

/* Reads the peer groups a leaf applies to. */
static void scheme_parse_groups(SchemeCtx *c, const char *zWho, int iNode, json_t *pG) {
  if (!pG) return;
  if (!json_is_array(pG) || json_array_size(pG) == 0) {
    /* An empty list would make the leaf apply to no one; absent means everyone. */
    scheme_err(c, zWho, "groups must be a non-empty list of peer-group names (omit it for all)");
    return;
  }
  size_t n = json_array_size(pG);
  char **az = xcalloc(n, sizeof(char *));
  int nOk = 0;
  for (size_t i = 0; i < n; i++) {
    json_t *p = json_array_get(pG, i);
    if (!json_is_string(p) || json_string_length(p) == 0) {
      scheme_err(c, zWho, "groups must hold non-empty strings (item %zu does not)", i + 1);
      continue;
    }
    az[nOk++] = xstrdup(json_string_value(p));
  }
  c->aNode[iNode].azGroup = az;
  c->aNode[iNode].nGroup = nOk;
}

static void scheme_parse_list(SchemeCtx *c, json_t *pList, int iParent, int iDepth, Buf *pPath);

/* Parses one node (pObj) at pPath, appending it and its descendants. */
static void scheme_parse_node(SchemeCtx *c, json_t *pObj, int iParent, int iDepth, Buf *pPath) {
  char *zWho;
  if (!json_is_object(pObj)) {
    zWho = xasprintf("indicator at %s", buf_str(pPath));
    scheme_err(c, zWho, "must be an object");
    free(zWho);
    return;
  }
  json_t *pCode = json_object_get(pObj, "code");
  if (pCode && json_is_string(pCode) && json_string_length(pCode) > 0) {
    zWho = xasprintf("indicator %s", json_string_value(pCode));
  } else {
    zWho = xasprintf("indicator at %s", buf_str(pPath));
    scheme_err(c, zWho, "code is %s", pCode ? "not a non-empty string" : "missing");
  }
  json_t *pChildren = json_object_get(pObj, "children");
  int bLeaf = pChildren == NULL;
  int i = scheme_push_node(c);
  SchemeNode *pN = &c->aNode[i];
  pN->zCode = xstrdup(pCode && json_is_string(pCode) ? json_string_value(pCode) : "");
  pN->bLeaf = bLeaf;
  pN->iParent = iParent;
  pN->iDepth = iDepth;
  char *zName = scheme_opt_string(c, zWho, pObj, "name", "");
  c->aNode[i].zName = zName;
  if (!bLeaf && json_object_get(pObj, "method")) {
    scheme_err(c, zWho,
               "has both children and a method: a leaf cannot have children, and a "
               "category (a node with children) has no method");
  }
  scheme_check_keys(c, zWho, pObj, bLeaf ? azSchemeLeafKeys : azSchemeCatKeys,
                    bLeaf ? "a leaf" : "a category (a node with children)");
  double rW = 0;
  /* A weight that is present but wrong is reported once, here, and then counts as given
  ** (0), so that "weight is missing" does not follow it. */
  c->aNode[i].bWeightGiven = json_object_get(pObj, "weight") != NULL;
  if (scheme_opt_number(c, zWho, pObj, "weight", "", &rW)) {
    if (rW < 0)
      scheme_err(c, zWho, "weight must be >= 0 (it is %g)", rW);
    else
      c->aNode[i].rWeight = rW;
  }
  if (bLeaf) {
    c->aNode[i].zUnit = scheme_opt_string(c, zWho, pObj, "unit", "");
    c->aNode[i].zSource = scheme_opt_string(c, zWho, pObj, "source", "");
    static const char *const azDir[] = {"higher", "lower", NULL};
    c->aNode[i].bLower = scheme_opt_enum(c, zWho, pObj, "direction", azDir, 0, "higher or lower");
    static const char *const azAcc[] = {"period", "ytd", NULL};
    c->aNode[i].eAccumulate =
        (Accumulate)scheme_opt_enum(c, zWho, pObj, "accumulate", azAcc, 0, "period or ytd");
    c->aNode[i].bAccumulateGiven = json_object_get(pObj, "accumulate") != NULL;
    static const char *const azMissing[] = {"zero", "exclude", "group_mean", "carry", NULL};
    c->aNode[i].eMissing = (MissingPolicy)scheme_opt_enum(c, zWho, pObj, "missing", azMissing, 0,
                                                          "zero, exclude, group_mean or carry");
    json_t *pMethod = json_object_get(pObj, "method");
    int bMethodOk = 0;
    if (!pMethod) {
      scheme_err(c, zWho,
                 "method is missing (a leaf needs one of: completion, rank, efficacy, "
                 "minmax, zscore, goalpost, bands, timeprogress, manual, deduct, bonus, "
                 "veto, veto_top)");
    } else if (!json_is_string(pMethod)) {
      scheme_err(c, zWho, "method must be a string");
    } else {
      for (int k = 0; k < METHOD__COUNT; k++) {
        if (strcmp(json_string_value(pMethod), azSchemeMethod[k]) == 0) {
          c->aNode[i].eMethod = (Method)k;
          bMethodOk = 1;
        }
      }
      if (!bMethodOk) {
        scheme_err(c, zWho, "unknown method \"%s\"", json_string_value(pMethod));
      }
    }
    if (bMethodOk) {
      scheme_parse_params(c, zWho, i, json_object_get(pObj, "params"));
    } else if (json_object_get(pObj, "params") &&
               !json_is_object(json_object_get(pObj, "params"))) {
      scheme_err(c, zWho, "params must be an object");
    }
    scheme_parse_groups(c, zWho, i, json_object_get(pObj, "groups"));
  } else {
    c->aNode[i].zUnit = xstrdup("");
    c->aNode[i].zSource = xstrdup("");
    static const char *const azAgg[] = {"arithmetic", "geometric", NULL};
    c->aNode[i].eAggregate =
        (Aggregate)scheme_opt_enum(c, zWho, pObj, "aggregate", azAgg, 0, "arithmetic or geometric");
    if (!json_is_array(pChildren)) {
      scheme_err(c, zWho, "children must be a list of indicators");
    } else if (json_array_size(pChildren) == 0) {
      scheme_err(c, zWho, "category has no children (give it indicators, or remove it)");
    } else {
      size_t nPath = pPath->n;
      buf_puts(pPath, ".children");
      scheme_parse_list(c, pChildren, i, iDepth + 1, pPath);
      pPath->n = nPath;
      pPath->z[nPath] = 0;
    }
  }
  c->aNode[i].iEnd = c->nNode;
  free(zWho);
}

static void scheme_parse_list(SchemeCtx *c, json_t *pList, int iParent, int iDepth, Buf *pPath) {
  size_t n = json_array_size(pList);
  for (size_t k = 0; k < n; k++) {
    size_t nPath = pPath->n;
    buf_printf(pPath, "[%zu]", k);
    scheme_parse_node(c, json_array_get(pList, k), iParent, iDepth, pPath);
    pPath->n = nPath;
    pPath->z[nPath] = 0;
  }
}

/* Parses "grades": {"by": "score"|"share", "levels": [[threshold|null, label], ...]}. */
static void scheme_parse_grades(SchemeCtx *c, Scheme *p, json_t *pG) {
  if (!pG) return;
  if (!json_is_object(pG)) {
    scheme_err(c, "scheme", "grades must be an object {\"by\": ..., \"levels\": [...]}");
    return;
  }
  static const char *const azKeys[] = {"by", "levels", NULL};
  scheme_check_keys(c, "scheme", pG, azKeys, "grades");
  json_t *pBy = json_object_get(pG, "by");
  if (!pBy) {
    scheme_err(c, "scheme", "grades.by is missing (score or share)");
  } else if (!json_is_string(pBy) ||
             (strcmp(json_string_value(pBy), "score") && strcmp(json_string_value(pBy), "share"))) {
    scheme_err(c, "scheme", "grades.by must be \"score\" or \"share\"");
  } else {
    p->bGradeByShare = strcmp(json_string_value(pBy), "share") == 0;
  }
  json_t *pL = json_object_get(pG, "levels");
  if (!pL || !json_is_array(pL) || json_array_size(pL) == 0) {
    scheme_err(c, "scheme", "grades.levels must be a non-empty list of [threshold or null, label]");
    return;
  }
  size_t n = json_array_size(pL);
  p->aGrade = xcalloc(n, sizeof(GradeLevel));
  for (size_t i = 0; i < n; i++) {
    json_t *pLev = json_array_get(pL, i);
    json_t *pT = json_is_array(pLev) ? json_array_get(pLev, 0) : NULL;
    json_t *pLab = json_is_array(pLev) ? json_array_get(pLev, 1) : NULL;
    if (!json_is_array(pLev) || json_array_size(pLev) != 2 ||
        !(json_is_number(pT) || json_is_null(pT)) || !json_is_string(pLab) ||
        json_string_length(pLab) == 0) {
      scheme_err(c, "scheme", "grades.levels[%zu] must be [threshold (a number or null), label]",
                 i);
      continue;
    }
    GradeLevel *g = &p->aGrade[p->nGrade];
    g->bThreshold = json_is_number(pT);
    g->rThreshold = g->bThreshold ? json_number_value(pT) : 0;
    g->zLabel = xstrdup(json_string_value(pLab));
    p->nGrade++;
  }
  /* A level that can never be taken is a mistake: "first level whose threshold <= total"
  ** (score) needs thresholds falling, "first whose threshold >= r/n" (share) rising, and
  ** a null (always met) threshold only in the last place. */
  for (int i = 0; i < p->nGrade; i++) {
    GradeLevel *g = &p->aGrade[i];
    if (!g->bThreshold && i != p->nGrade - 1) {
      scheme_err(c, "scheme", "grade \"%s\": only the last level may have a null threshold",
                 g->zLabel);
    }
    if (p->bGradeByShare && g->bThreshold && !(g->rThreshold > 0 && g->rThreshold <= 1)) {
      scheme_err(c, "scheme", "grade \"%s\": a share threshold must be in (0, 1]", g->zLabel);
    }
    if (i > 0 && g->bThreshold && p->aGrade[i - 1].bThreshold) {
      double rPrev = p->aGrade[i - 1].rThreshold;
      if (!p->bGradeByShare && !(g->rThreshold < rPrev)) {
        scheme_err(c, "scheme", "grade \"%s\": score thresholds must fall from level to level",
                   g->zLabel);
      }
      if (p->bGradeByShare && !(g->rThreshold > rPrev)) {
        scheme_err(c, "scheme", "grade \"%s\": share thresholds must rise from level to level",
                   g->zLabel);
      }
    }
  }
}

/* A node index and its code, sorted by code (then index, so the order is total). */
typedef struct SchemeCodeRef {
  const char *zCode;
  int iNode;
} SchemeCodeRef;

static int scheme_cmp_code(const void *a, const void *b) {
  const SchemeCodeRef *x = a, *y = b;
  int r = strcmp(x->zCode, y->zCode);
  if (r) return r;
  return (x->iNode > y->iNode) - (x->iNode < y->iNode);
}

/* Checks that need the whole tree; fills the dense indices and the code index. */
static void scheme_check_tree(SchemeCtx *c, Scheme *p) {
  SchemeNode *a = p->aNode;
  int n = p->nNode;
  /* Dense indices in scheme (pre-) order. */
  for (int i = 0; i < n; i++) {
    if (a[i].bLeaf)
      a[i].iLeaf = p->nLeaf++;
    else
      a[i].iCat = p->nCat++;
  }
  p->aLeafNode = xmalloc_array((size_t)(p->nLeaf ? p->nLeaf : 1), sizeof(int));
  p->aCatNode = xmalloc_array((size_t)(p->nCat ? p->nCat : 1), sizeof(int));
  for (int i = 0; i < n; i++) {
    if (a[i].bLeaf)
      p->aLeafNode[a[i].iLeaf] = i;
    else
      p->aCatNode[a[i].iCat] = i;
  }
  /* Unique codes, categories and leaves together (a category code equal to a leaf code
  ** would make a values row ambiguous). */
  SchemeCodeRef *aRef = xmalloc_array((size_t)(n ? n : 1), sizeof(SchemeCodeRef));
  for (int i = 0; i < n; i++) {
    aRef[i].zCode = a[i].zCode;
    aRef[i].iNode = i;
  }
  qsort(aRef, (size_t)n, sizeof aRef[0], scheme_cmp_code);
  p->aCodeOrder = xmalloc_array((size_t)(n ? n : 1), sizeof(int));
  for (int i = 0; i < n; i++)
    p->aCodeOrder[i] = aRef[i].iNode;
  for (int i = 0; i < n;) {
    int j = i + 1;
    while (j < n && strcmp(aRef[j].zCode, aRef[i].zCode) == 0)
      j++;
    if (j - i > 1 && aRef[i].zCode[0]) {
      char *z = xasprintf("indicator %s", aRef[i].zCode);
      scheme_err(c, z,
                 "code is used %d times (codes must be unique in the scheme, "
                 "categories included)",
                 j - i);
      free(z);
    }
    i = j;
  }
  free(aRef);

  /* Category weights, bottom-up (reverse pre-order visits children before parents):
  ** given, else the sum of the children's (SCORING.md Aggregation, index). */
  double *aSum = xcalloc((size_t)(n ? n : 1), sizeof(double));
  for (int i = n - 1; i >= 0; i--) {
    if (!a[i].bLeaf && !a[i].bWeightGiven) a[i].rWeight = aSum[i];
    int bCounts = a[i].bLeaf ? scheme_method_weighted(a[i].eMethod) : 1;
    if (a[i].iParent >= 0 && bCounts) aSum[a[i].iParent] += a[i].rWeight;
  }
  free(aSum);

  for (int i = 0; i < n; i++) {
    SchemeNode *pN = &a[i];
    char *z = pN->zCode[0] ? xasprintf("indicator %s", pN->zCode) : NULL;
    const char *zW = z ? z : "indicator (no code)";
    if (pN->bLeaf) {
      Method e = pN->eMethod;
      if (scheme_method_weighted(e) && !pN->bWeightGiven) {
        scheme_err(c, zW, "weight is missing (a %s leaf earns weight x share)", azSchemeMethod[e]);
      }
      if (e == METHOD_MANUAL && pN->bWeightGiven && pN->rWeight <= 0) {
        scheme_err(c, zW, "manual needs weight > 0 (share = points given / weight)");
      }
      if (e == METHOD_TIMEPROGRESS && pN->bLower) {
        scheme_err(c, zW, "timeprogress cannot have direction lower");
      }
      /* SCORING.md: timeprogress scores "x year-to-date". A leaf that leaves accumulate at
      ** its default is therefore year-to-date; one that says "period" contradicts the
      ** method and is refused rather than scored wrongly. */
      if (e == METHOD_TIMEPROGRESS && pN->eAccumulate != ACCUMULATE_YTD) {
        if (pN->bAccumulateGiven)
          scheme_err(c, zW,
                     "timeprogress compares year-to-date values with the time elapsed: "
                     "accumulate must be \"ytd\" (or left out), not \"period\"");
        else
          pN->eAccumulate = ACCUMULATE_YTD;
      }
      if (e == METHOD_MANUAL && pN->bLower) {
        scheme_err(c, zW, "manual cannot have direction lower (its value is the points given)");
      }
      if (e == METHOD_ZSCORE && c->bAggregationKnown && c->eAggregation == AGGREGATION_POINTS) {
        scheme_err(c, zW, "zscore is for index mode only (a z-score is not a share of points)");
      }
      if (e == METHOD_ZSCORE && c->bAggregationKnown && c->eAggregation == AGGREGATION_INDEX) {
        /* A z-score can be negative, and a geometric mean of a non-positive value is 0
        ** by rule: the leaf would silently zero its whole subtree. */
        for (int k = pN->iParent; k >= 0; k = a[k].iParent) {
          if (a[k].eAggregate == AGG_GEOMETRIC) {
            scheme_err(c, zW,
                       "zscore under geometric category %s: a z-score can be <= 0, "
                       "which a geometric mean cannot take",
                       a[k].zCode);
          }
        }
        if (p->eTopAggregate == AGG_GEOMETRIC) {
          scheme_err(c, zW,
                     "zscore under the geometric top-level aggregate: a z-score can be "
                     "<= 0, which a geometric mean cannot take");
        }
      }
      if (e == METHOD_VETO_TOP && p->nGrade == 1) {
        scheme_err(c, zW,
                   "veto_top moves a unit from the first grade to the second, but the "
                   "scheme has only one grade level");
      }
    } else if (pN->bWeightGiven && c->bAggregationKnown && c->eAggregation == AGGREGATION_POINTS) {
      scheme_err(c, zW,
                 "a category's weight is for index mode; in points mode a category's "
                 "points are its leaves' points (remove weight)");
    }
    free(z);
  }
}

Scheme *scheme_parse(const char *zName, const char *zJson, char **pzErr) {
  SchemeCtx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.zName = zName;
  if (pzErr) *pzErr = NULL;
  json_error_t jerr;
  json_t *pRoot = json_loads(zJson ? zJson : "", JSON_REJECT_DUPLICATES, &jerr);
  if (!pRoot) {
    if (pzErr) {
      *pzErr = xasprintf("%s: line %d, column %d: %s", zName && zName[0] ? zName : "scheme",
                         jerr.line, jerr.column, jerr.text);
    }
    return NULL;
  }
  Scheme *p = xcalloc(1, sizeof(Scheme));
  if (!json_is_object(pRoot)) {
    scheme_err(&ctx, "scheme", "the scheme must be a JSON object");
    goto done;
  }
  scheme_check_keys(&ctx, "scheme", pRoot, azSchemeTopKeys, "the scheme");
  json_t *pCode = json_object_get(pRoot, "code");
  if (!pCode || !json_is_string(pCode) || json_string_length(pCode) == 0) {
    scheme_err(&ctx, "scheme", "code is missing or not a non-empty string");
    p->zCode = xstrdup("");
  } else {
    p->zCode = xstrdup(json_string_value(pCode));
  }
  p->zName = scheme_opt_string(&ctx, "scheme", pRoot, "name", "");
  json_t *pYear = json_object_get(pRoot, "year");
  if (pYear) {
    if (!json_is_integer(pYear) || json_integer_value(pYear) < 1 ||
        json_integer_value(pYear) > 9999) {
      scheme_err(&ctx, "scheme", "year must be an integer from 1 to 9999");
    } else {
      p->iYear = (int)json_integer_value(pYear);
    }
  }
  json_t *pSyn = json_object_get(pRoot, "synthetic");
  if (pSyn && !json_is_boolean(pSyn)) scheme_err(&ctx, "scheme", "synthetic must be true or false");
  json_t *pUnc = json_object_get(pRoot, "uncertainty");
  if (pUnc && !json_is_object(pUnc)) {
    scheme_err(&ctx, "scheme", "uncertainty must be an object");
  } else if (pUnc) {
    p->zUncertainty = json_dumps(pUnc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!p->zUncertainty) scheme_err(&ctx, "scheme", "uncertainty cannot be serialised");
  }

  /* aggregation has no default in SCORING.md: required (docs/scoring-notes.md). */
  json_t *pAgg = json_object_get(pRoot, "aggregation");
  if (!pAgg) {
    scheme_err(&ctx, "scheme", "aggregation is missing (\"points\" or \"index\")");
  } else if (!json_is_string(pAgg) || (strcmp(json_string_value(pAgg), "points") &&
                                       strcmp(json_string_value(pAgg), "index"))) {
    scheme_err(&ctx, "scheme", "unknown aggregation (\"points\" or \"index\")");
  } else {
    ctx.eAggregation =
        strcmp(json_string_value(pAgg), "index") == 0 ? AGGREGATION_INDEX : AGGREGATION_POINTS;
    ctx.bAggregationKnown = 1;
  }
  p->eAggregation = ctx.eAggregation;
  p->rTotal = 100;
  p->rScale = 1;
  double r;
  if (scheme_opt_number(&ctx, "scheme", pRoot, "total", "", &r)) {
    if (ctx.bAggregationKnown && ctx.eAggregation == AGGREGATION_INDEX) {
      scheme_err(&ctx, "scheme", "total is for points mode; index mode uses scale");
    } else if (!(r > 0)) {
      scheme_err(&ctx, "scheme", "total must be > 0 (it is %g)", r);
    } else {
      p->rTotal = r;
    }
  }
  if (scheme_opt_number(&ctx, "scheme", pRoot, "scale", "", &r)) {
    if (ctx.bAggregationKnown && ctx.eAggregation == AGGREGATION_POINTS) {
      scheme_err(&ctx, "scheme", "scale is for index mode; points mode uses total");
    } else if (!(r > 0)) {
      scheme_err(&ctx, "scheme", "scale must be > 0 (it is %g)", r);
    } else {
      p->rScale = r;
    }
  }
  static const char *const azBasis[] = {"month", "day", NULL};
  p->bDayBasis = scheme_opt_enum(&ctx, "scheme", pRoot, "time_basis", azBasis, 0, "month or day");
  static const char *const azAgg[] = {"arithmetic", "geometric", NULL};
  p->eTopAggregate = (Aggregate)scheme_opt_enum(&ctx, "scheme", pRoot, "aggregate", azAgg, 0,
                                                "arithmetic or geometric");
  if (p->eTopAggregate == AGG_GEOMETRIC && ctx.bAggregationKnown &&
      ctx.eAggregation == AGGREGATION_POINTS) {
    scheme_err(&ctx, "scheme", "aggregate (top level) is for index mode; points mode adds points");
  }
  scheme_parse_grades(&ctx, p, json_object_get(pRoot, "grades"));

  json_t *pInd = json_object_get(pRoot, "indicators");
  if (!pInd || !json_is_array(pInd) || json_array_size(pInd) == 0) {
    scheme_err(&ctx, "scheme", "indicators must be a non-empty list");
  } else {
    Buf path = BUF_INIT;
    buf_puts(&path, "indicators");
    scheme_parse_list(&ctx, pInd, -1, 0, &path);
    buf_free(&path);
  }
  p->aNode = ctx.aNode;
  p->nNode = ctx.nNode;
  ctx.aNode = NULL;
  scheme_check_tree(&ctx, p);
  if (ctx.nErr == 0) { /* the leaf index exists only for a sound tree */
    FindingMap map;
    char *zSup = NULL;
    if (finding_map_parse(p, json_object_get(pRoot, "supervision"), &map, &zSup)) {
      scheme_err(&ctx, "supervision", "%s", zSup);
      free(zSup);
    } else {
      finding_map_free(&map);
    }
  }

done:
  json_decref(pRoot);
  if (!ctx.nErr && p->zUncertainty) {
    /* the uncertain choices name indicators and methods: checked once the tree is built */
    char *zUncErr = NULL;
    RobustSpec *pSpec = robust_spec_parse(p, p->zUncertainty, &zUncErr);
    if (!pSpec) {
      buf_printf(&ctx.err, "%s\n", zUncErr ? zUncErr : "uncertainty: invalid");
      ctx.nErr++;
    }
    free(zUncErr);
    robust_spec_free(pSpec);
  }
  if (ctx.nErr) {
    if (pzErr) {
      /* drop the final newline: callers print the text with their own */
      if (ctx.err.n && ctx.err.z[ctx.err.n - 1] == '\n') ctx.err.z[--ctx.err.n] = 0;
      *pzErr = buf_detach(&ctx.err);
    }
    buf_free(&ctx.err);
    scheme_free(p);
    return NULL;
  }
  buf_free(&ctx.err);
  return p;
}

void scheme_free(Scheme *p) {
  if (!p) return;
  for (int i = 0; i < p->nNode; i++) {
    SchemeNode *pN = &p->aNode[i];
    free(pN->zCode);
    free(pN->zName);
    free(pN->zUnit);
    free(pN->zSource);
    for (int k = 0; k < pN->nGroup; k++)
      free(pN->azGroup[k]);
    free(pN->azGroup);
    free(pN->params.aBand);
  }
  for (int i = 0; i < p->nGrade; i++)
    free(p->aGrade[i].zLabel);
  free(p->aGrade);
  free(p->aNode);
  free(p->aLeafNode);
  free(p->aCatNode);
  free(p->aCodeOrder);
  free(p->zCode);
  free(p->zName);
  free(p->zUncertainty);
  free(p);
}

int scheme_find(const Scheme *p, const char *zCode) {
  if (!p || !zCode) return -1;
  int lo = 0, hi = p->nNode - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int iNode = p->aCodeOrder[mid];
    int r = strcmp(p->aNode[iNode].zCode, zCode);
    if (r == 0) return iNode;
    if (r < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

int scheme_leaf_applies(const Scheme *p, int iNode, const char *zGroup) {
  const SchemeNode *pN = &p->aNode[iNode];
  if (pN->nGroup == 0) return 1; /* SCORING.md: groups absent = all groups */
  for (int k = 0; k < pN->nGroup; k++) {
    if (zGroup && strcmp(pN->azGroup[k], zGroup) == 0) return 1;
  }
  return 0;
}

/*
** robust.c: uncertainty and sensitivity analysis of a period's ranks (robust.h): the
** scheme's uncertain choices (robust_spec_parse), the plan that scores every alternative
** once with the engine (robust_plan), the evaluation of one draw (robust_eval), the Monte
** Carlo run on threads (robust_run) and the Sobol' indices of each choice (robust_sobol).
** Pure: no I/O, no clock; threads only inside robust_run and robust_sobol.
**
** NOTES
**
** Weights. Each perturbed node's weight w becomes w (1 + spread (2u - 1)), u uniform, then
** the perturbed weights of each set of siblings (children of one category, or the top
** level) are scaled by one factor so that their sum is the sum of their official weights
** (COINr get_noisy_weights, then renormalised as the issue asks). Perturbed are the
** weighted leaves of positive weight except `manual` ones (their value is points given by
** hand, bounded by the weight: perturbing the weight would only rescale those points), and,
** when an index aggregation can occur, the categories of positive weight. One random
** number per perturbed node, in pre-order.
**
** Bit-identity with the engine (robust.h): points mode sums w s over the leaves in scheme
** order into base and w into W, adding w * 0 = +0 for a leaf that does not count for the
** unit (not applicable, excluded), which leaves both sums unchanged; the share 0 of a
** MISSING leaf enters as the engine enters it. Rescale, bonus and deduct, the index
** aggregates (score_aggregate's loop, copied), the ranks (anchored runs of ties on values
** sorted ascending; the order of equal values does not matter) and the grades (veto rules
** included) are the engine's. tests/unit/test_robust.c compares totals with == against
** score_compute on copies of the scheme.
**
** Speed (bench/robust; bench/README.md has the numbers). Points mode is the costly case: a
** draw is two weighted sums over every leaf and unit (base and W), then a sort per group.
** What made it fast, measured one change at a time: draws scored in batches of
** ROBUST_BATCH over blocks of units, so that a block's share columns come from memory once
** per batch (a country's columns do not fit in the caches); the sums in AVX2 registers when
** the CPU has them (chosen at run time; blocks of 32 units, so that eight chains of
** additions keep both adders busy), else SSE2, with separate multiply and add so that
** every path gives the scalar loop's bits; the columns found once in the plan when no leaf
** has a method or missing choice; W summed once per class of units whose masks
** agree in every column (a peer group is mostly one class) instead of once per unit, eight
** classes at a time in registers; columns that count for no unit skipped. Ranks by
** counting (robust_rank_count_avx2, _avx512: each unit's place is the number of units of
** its group whose total, rounded to float, is at least its own; 8 or 16 units a vector, no
** data-dependent branch), first over a band of the official order, then in full when a
** unit moved further; when the floats prove that no two totals are within the tie
** tolerance (keys two apart or more), the count is the rank and the tie walk is skipped,
** else the walk (or, for two equal floats, an insertion sort from the official order)
** decides. Ranks and grades are counted as the grade walk meets each unit, into windows
** of ROBUST_WIN ranks around the official rank (small enough for the caches), and threads
** take chunks of draws from a shared counter. Profiled with perf (no cycle counters on
** this VM), 2,844 units: the insertion sort was once half of a draw; the tie and grade
** walk a third, the counting a quarter and the rank counts a fifth after counting came
** in. Now (Hunan, 122 units) about a quarter is the counting, a quarter the grade walk
** and the counts, a fifth the sums, the rest the weights, the columns and the totals.
** Tried and dropped: W of each unit gathered from its class inside the totals (AVX2
** gathers: slower than filling W unit by unit).
**
** Determinism: draw d's random numbers are rng_uniform(seed, d, dim); threads take chunks
** of draws from a shared counter and keep integer counts (rank histograms, grade counts),
** which are added after the join: integer addition does not depend on order, so the result
** is the same for every thread count and every way the chunks fell.
*/
#include "robust.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "rng.h"
#include "sobol.h"
#include "util/mem.h"

/* ---------------------------------------------------------------- choices (the spec) */

static const char *const azRobustMissing[] = {"zero", "exclude", "group_mean", "carry", NULL};
static const char *const azRobustAgg[] = {"official", "points", "arithmetic", "geometric", NULL};

static int robust_name_index(const char *const *az, const char *z) {
  for (int i = 0; az[i]; i++)
    if (strcmp(az[i], z) == 0) return i;
  return -1;
}

/* Methods that may be alternatives: they need no parameter beyond the defaults. */
static int robust_method_allowed(Method e) {
  return e == METHOD_COMPLETION || e == METHOD_RANK || e == METHOD_EFFICACY ||
         e == METHOD_MINMAX || e == METHOD_ZSCORE || e == METHOD_TIMEPROGRESS;
}

static int robust_method_by_name(const char *z) {
  for (int e = 0; e < METHOD__COUNT; e++)
    if (strcmp(scheme_method_name((Method)e), z) == 0) return e;
  return -1;
}

static RobustChoice *robust_add_choice(RobustSpec *p, ChoiceKind e, const char *zName) {
  p->aChoice = xrealloc_array(p->aChoice, (size_t)p->nChoice + 1, sizeof(RobustChoice));
  RobustChoice *c = &p->aChoice[p->nChoice++];
  memset(c, 0, sizeof *c);
  c->eKind = e;
  c->zName = xstrdup(zName);
  c->iLeaf = -1;
  c->nDim = 1;
  return c;
}

/* Adds option v unless present; returns 0, or -1 when there are too many. */
static int robust_add_option(RobustChoice *c, int v) {
  for (int k = 0; k < c->nOption; k++)
    if (c->aOption[k] == v) return 0;
  if (c->nOption == ROBUST_MAX_OPTION) return -1;
  c->aOption[c->nOption++] = v;
  return 0;
}

/* Is the index aggregation of the scheme all arithmetic (resp. geometric)? */
static int robust_index_all(const Scheme *pS, Aggregate e) {
  if (pS->eAggregation != AGGREGATION_INDEX || pS->eTopAggregate != e) return 0;
  for (int i = 0; i < pS->nNode; i++)
    if (!pS->aNode[i].bLeaf && pS->aNode[i].eAggregate != e) return 0;
  return 1;
}

/* The weighted leaf of code z, or -1 with a message. */
static int robust_leaf(const Scheme *pS, const char *zWhat, const char *z, Buf *pErr) {
  int i = scheme_find(pS, z);
  if (i < 0 || !pS->aNode[i].bLeaf) {
    buf_printf(pErr, "uncertainty: %s: no indicator \"%s\" in the scheme\n", zWhat, z);
    return -1;
  }
  if (!scheme_method_weighted(pS->aNode[i].eMethod) || pS->aNode[i].eMethod == METHOD_MANUAL) {
    buf_printf(pErr, "uncertainty: %s: indicator %s (%s) has no share to vary\n", zWhat, z,
               scheme_method_name(pS->aNode[i].eMethod));
    return -1;
  }
  return i;
}

RobustSpec *robust_spec_parse(const Scheme *pS, const char *zJson, char **pzErr) {
  if (pzErr) *pzErr = NULL;
  RobustSpec *p = xcalloc(1, sizeof(RobustSpec));
  Buf err = BUF_INIT;
  json_t *pRoot = NULL;
  double rSpread = 0.25;
  if (!zJson) {
    p->bDefault = 1;
  } else {
    json_error_t e;
    pRoot = json_loads(zJson, JSON_REJECT_DUPLICATES, &e);
    if (!pRoot || !json_is_object(pRoot)) {
      buf_printf(&err, "uncertainty: not a JSON object (%s)\n", pRoot ? "" : e.text);
      goto done;
    }
    const char *zKey;
    json_t *pVal;
    json_object_foreach(pRoot, zKey, pVal) {
      if (strcmp(zKey, "weights") && strcmp(zKey, "methods") && strcmp(zKey, "missing") &&
          strcmp(zKey, "aggregation"))
        buf_printf(&err, "uncertainty: unknown key \"%s\" (weights, methods, missing, "
                         "aggregation)\n", zKey);
    }
    json_t *pW = json_object_get(pRoot, "weights");
    if (pW) {
      if (!json_is_number(pW) || json_number_value(pW) < 0 || json_number_value(pW) >= 1)
        buf_printf(&err, "uncertainty: weights must be a number in [0, 1) (the spread, e.g. "
                         "0.25 for +-25 %%)\n");
      else
        rSpread = json_number_value(pW);
    }
  }
  /* aggregation first: which weights are perturbed and whether zscore may occur depend on it */
  int bAnyIndex = pS->eAggregation == AGGREGATION_INDEX, bAnyPoints = !bAnyIndex;
  RobustChoice cAgg;
  memset(&cAgg, 0, sizeof cAgg);
  json_t *pAgg = pRoot ? json_object_get(pRoot, "aggregation") : NULL;
  if (pAgg) {
    cAgg.aOption[cAgg.nOption++] = RAGG_OFFICIAL;
    if (!json_is_array(pAgg)) buf_printf(&err, "uncertainty: aggregation must be a list\n");
    size_t k;
    json_t *pV;
    json_array_foreach(pAgg, k, pV) {
      int a = json_is_string(pV) ? robust_name_index(azRobustAgg, json_string_value(pV)) : -1;
      if (a <= 0) {
        buf_printf(&err, "uncertainty: aggregation: unknown option (points, arithmetic, "
                         "geometric)\n");
        continue;
      }
      /* the scheme's own aggregation is option 0 already */
      if (a == RAGG_POINTS && pS->eAggregation == AGGREGATION_POINTS) continue;
      if (a == RAGG_ARITHMETIC && robust_index_all(pS, AGG_ARITHMETIC)) continue;
      if (a == RAGG_GEOMETRIC && robust_index_all(pS, AGG_GEOMETRIC)) continue;
      if (a == RAGG_POINTS) bAnyPoints = 1;
      else bAnyIndex = 1;
      robust_add_option(&cAgg, a);
    }
  }
  /* weights */
  int nPert = 0;
  for (int i = 0; i < pS->nNode; i++) {
    const SchemeNode *pN = &pS->aNode[i];
    if (!(pN->rWeight > 0)) continue;
    if (pN->bLeaf ? scheme_method_weighted(pN->eMethod) && pN->eMethod != METHOD_MANUAL
                  : bAnyIndex)
      nPert++;
  }
  if (rSpread > 0 && nPert > 0) {
    RobustChoice *c = robust_add_choice(p, CHOICE_WEIGHTS, "weights");
    c->rSpread = rSpread;
    c->nDim = nPert;
  }
  /* methods */
  json_t *pM = pRoot ? json_object_get(pRoot, "methods") : NULL;
  if (pM && !json_is_object(pM)) buf_printf(&err, "uncertainty: methods must be an object\n");
  if (pM && json_is_object(pM)) {
    const char *zLeaf;
    json_t *pList;
    json_object_foreach(pM, zLeaf, pList) {
      int i = robust_leaf(pS, "methods", zLeaf, &err);
      if (i < 0) continue;
      const SchemeNode *pN = &pS->aNode[i];
      char *zName = xasprintf("method %s", zLeaf);
      RobustChoice *c = robust_add_choice(p, CHOICE_METHOD, zName);
      free(zName);
      c->iLeaf = pN->iLeaf;
      c->aOption[c->nOption++] = (int)pN->eMethod;
      if (!json_is_array(pList)) {
        buf_printf(&err, "uncertainty: methods.%s must be a list of methods\n", zLeaf);
        continue;
      }
      size_t k;
      json_t *pV;
      json_array_foreach(pList, k, pV) {
        int e = json_is_string(pV) ? robust_method_by_name(json_string_value(pV)) : -1;
        if (e < 0 || !robust_method_allowed((Method)e)) {
          buf_printf(&err, "uncertainty: methods.%s: %s is not an alternative method "
                           "(completion, rank, efficacy, minmax, zscore, timeprogress)\n",
                     zLeaf, json_is_string(pV) ? json_string_value(pV) : "a non-string");
          continue;
        }
        if (e == METHOD_ZSCORE && bAnyPoints)
          buf_printf(&err, "uncertainty: methods.%s: zscore is for index mode only\n", zLeaf);
        if (e == METHOD_TIMEPROGRESS && pN->bLower)
          buf_printf(&err, "uncertainty: methods.%s: timeprogress cannot score a \"lower\" "
                           "indicator\n", zLeaf);
        if (robust_add_option(c, e))
          buf_printf(&err, "uncertainty: methods.%s: at most %d options\n", zLeaf,
                     ROBUST_MAX_OPTION);
      }
      if (c->nOption < 2)
        buf_printf(&err, "uncertainty: methods.%s names no alternative to %s\n", zLeaf,
                   scheme_method_name(pN->eMethod));
    }
  }
  /* missing-data policies: option 0 = the leaf's own (-1 for "*": each leaf's own) */
  json_t *pMiss = pRoot ? json_object_get(pRoot, "missing") : NULL;
  if (pMiss && !json_is_object(pMiss)) buf_printf(&err, "uncertainty: missing must be an object\n");
  if (pMiss && json_is_object(pMiss)) {
    int bStar = json_object_get(pMiss, "*") != NULL;
    const char *zLeaf;
    json_t *pList;
    json_object_foreach(pMiss, zLeaf, pList) {
      int bAll = strcmp(zLeaf, "*") == 0, i = -1;
      if (!bAll) {
        if (bStar) {
          buf_printf(&err, "uncertainty: missing: \"*\" and indicator %s both given\n", zLeaf);
          continue;
        }
        i = robust_leaf(pS, "missing", zLeaf, &err);
        if (i < 0) continue;
      }
      char *zName = xasprintf("missing %s", zLeaf);
      RobustChoice *c = robust_add_choice(p, CHOICE_MISSING, zName);
      free(zName);
      c->iLeaf = bAll ? -1 : pS->aNode[i].iLeaf;
      c->aOption[c->nOption++] = bAll ? -1 : (int)pS->aNode[i].eMissing;
      if (!json_is_array(pList)) {
        buf_printf(&err, "uncertainty: missing.%s must be a list of policies\n", zLeaf);
        continue;
      }
      size_t k;
      json_t *pV;
      json_array_foreach(pList, k, pV) {
        int e = json_is_string(pV) ? robust_name_index(azRobustMissing, json_string_value(pV)) : -1;
        if (e < 0) {
          buf_printf(&err, "uncertainty: missing.%s: unknown policy (zero, exclude, "
                           "group_mean, carry)\n", zLeaf);
          continue;
        }
        if (robust_add_option(c, e))
          buf_printf(&err, "uncertainty: missing.%s: at most %d options\n", zLeaf,
                     ROBUST_MAX_OPTION);
      }
      if (c->nOption < 2)
        buf_printf(&err, "uncertainty: missing.%s names no alternative policy\n", zLeaf);
    }
  }
  if (cAgg.nOption >= 2) {
    RobustChoice *c = robust_add_choice(p, CHOICE_AGGREGATION, "aggregation");
    c->nOption = cAgg.nOption;
    memcpy(c->aOption, cAgg.aOption, sizeof c->aOption);
  } else if (pAgg && !err.n) {
    buf_printf(&err, "uncertainty: aggregation names no alternative to the scheme's own\n");
  }
  if (bAnyPoints) {
    for (int l = 0; l < pS->nLeaf; l++)
      if (pS->aNode[pS->aLeafNode[l]].eMethod == METHOD_ZSCORE && cAgg.nOption >= 2)
        buf_printf(&err, "uncertainty: aggregation: points cannot score the zscore indicator "
                         "%s\n", pS->aNode[pS->aLeafNode[l]].zCode);
  }
  for (int k = 0; k < p->nChoice; k++) {
    p->aChoice[k].iDim = p->nDim;
    p->nDim += p->aChoice[k].nDim;
  }
done:
  json_decref(pRoot);
  if (err.n) {
    if (err.z[err.n - 1] == '\n') err.z[--err.n] = 0;
    if (pzErr) *pzErr = buf_detach(&err);
    buf_free(&err);
    robust_spec_free(p);
    return NULL;
  }
  return p;
}

void robust_spec_free(RobustSpec *p) {
  if (!p) return;
  for (int k = 0; k < p->nChoice; k++)
    free(p->aChoice[k].zName);
  free(p->aChoice);
  free(p);
}

int robust_option(const RobustChoice *pC, double u) {
  int k = (int)(u * pC->nOption);
  return k < 0 ? 0 : k >= pC->nOption ? pC->nOption - 1 : k;
}

/* ---------------------------------------------------------------- scheme copies */

Scheme *robust_scheme_copy(const Scheme *pS) {
  Scheme *p = xmalloc(sizeof(Scheme));
  *p = *pS;
  p->aNode = xmalloc_array((size_t)pS->nNode, sizeof(SchemeNode));
  memcpy(p->aNode, pS->aNode, sizeof(SchemeNode) * (size_t)pS->nNode);
  return p;
}

void robust_scheme_copy_free(Scheme *p) {
  if (!p) return;
  free(p->aNode);
  free(p);
}

/* SCORING.md's default parameters (scheme.c scheme_parse_params), for an alternative method. */
static MethodParams robust_default_params(void) {
  MethodParams m;
  memset(&m, 0, sizeof m);
  m.rFullAt = 1;
  m.rCap = 1;
  m.rMinShare = 0;
  m.rBase = 0.6;
  m.bClamp = 1;
  m.rPerEvent = 1;
  return m;
}

/* Sets leaf node i of the copy to method e (its own parameters when e is its own method). */
static void robust_set_method(Scheme *pCopy, const Scheme *pS, int i, Method e) {
  SchemeNode *pN = &pCopy->aNode[i];
  pN->eMethod = e;
  pN->params = e == pS->aNode[i].eMethod ? pS->aNode[i].params : robust_default_params();
}

/* ---------------------------------------------------------------- the plan */

/* Ranks by counting compare a unit first with the units this many places either side of it
** in the official order (robust_rank_count_avx2 and the NOTES before it). */
enum { ROBUST_BAND = 16 };

struct RobustPlan {
  const ScoreInput *pIn;
  const RobustSpec *pSpec;
  const Scheme *pS;
  int nUnit, nLeaf, nNode, nGrade;
  ScoreResult *pOfficial;
  int iWeights, iAgg;      /* choice indices, -1 = none */
  int *aMethodChoice;      /* nLeaf: choice index or -1 */
  int *aMissChoice;        /* nLeaf: choice index or -1 ("*" included) */
  int *aPert;              /* nPert perturbed nodes, pre-order */
  int nPert;
  int *aPertSet;           /* nPert: sibling set of each */
  double *aSetSum;         /* nSet: official weight sum of each set's perturbed nodes */
  int nSet;
  double *aW0;             /* nNode: official weights */
  int *aWeighted;          /* nLeaf */
  int *aComboStart;        /* nLeaf + 1: leaf l's combos are aComboStart[l] .. [l+1]-1 */
  double *aShare;          /* combos x nUnit: share, 0 where the leaf does not count */
  double *aMask;           /* combos x nUnit: 1 where it counts, else 0 */
  double *aBonus, *aDeduct;/* nUnit */
  unsigned *aFlags;        /* nUnit: VETO, VETO_TOP */
  int nGroup;
  int *aGroupStart;        /* nGroup + 1 */
  int *aMember;            /* units by group, input order within a group */
  int *aGroupSize;         /* nUnit: size of the unit's group */
  int nMaxGroup;
  unsigned char *aDead;    /* combos: 1 when the column counts for no unit (robust_eval skips it) */
  int nClass;              /* classes of units whose masks agree in every combo column: */
  int *aClassOf;           /* nUnit: each unit's class */
  int *aClassRep;          /* nClass: one unit of each (its W is the class's, every draw) */
  int nClass8;             /* nClass rounded up to 8 */
  double *aClassMask;      /* combos x nClass8: the mask of each class's unit in each column
                           ** (0 past nClass) */
  int bAvx2;               /* the CPU has AVX2: robust_sums_avx2 sums four units at once,
                           ** robust_rank_count_avx2 compares eight floats at once */
  int bAvx512;             /* the CPU has AVX-512F: robust_rank_count_avx512 compares 16 */
  int nBand;               /* ranks by counting: first over a band (ROBUST_BAND), 0 = never */
  double *aThreshold;      /* nGrade: each level's threshold, -inf for a level without one */
  int nFixedCol;           /* when no leaf has a method or missing choice, the columns every
                           ** points draw sums (robust_prepare's loop, done once), else -1: */
  const double **apFixedS; /* their share columns, */
  int *aFixedCombo;        /* combo indices */
  int *aFixedNode;         /* and leaf nodes (whose weights they take) */
  int bAnyFlag;            /* some unit has a veto flag (aFlags) */
};

const ScoreResult *robust_official(const RobustPlan *p) {
  return p->pOfficial;
}

void robust_plan_set_simd(RobustPlan *p, int iLevel) {
  p->bAvx2 = p->bAvx512 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (iLevel >= 1) p->bAvx2 = __builtin_cpu_supports("avx2");
  if (iLevel >= 2) p->bAvx512 = p->bAvx2 && __builtin_cpu_supports("avx512f");
#endif
}

int robust_plan_simd(const RobustPlan *p) {
  return p->bAvx512 ? 2 : p->bAvx2 ? 1 : 0;
}

void robust_plan_set_band(RobustPlan *p, int bOn) {
  p->nBand = bOn ? ROBUST_BAND : 0;
}

void robust_plan_set_avx2(RobustPlan *p, int bOn) {
  robust_plan_set_simd(p, bOn ? 2 : 0);
}

/* Options of leaf l's method and missing choices for combo index c (c < combos of l). */
static void robust_combo_options(const RobustPlan *p, int l, int c, int *piMethod, int *piMiss) {
  const RobustSpec *s = p->pSpec;
  int nMiss = p->aMissChoice[l] >= 0 ? s->aChoice[p->aMissChoice[l]].nOption : 1;
  *piMethod = c / nMiss;
  *piMiss = c % nMiss;
}

/* Applies method option m and missing option k of leaf l to the copy. */
static void robust_apply_leaf(const RobustPlan *p, Scheme *pCopy, int l, int m, int k) {
  const RobustSpec *s = p->pSpec;
  int i = p->pS->aLeafNode[l];
  if (p->aMethodChoice[l] >= 0)
    robust_set_method(pCopy, p->pS, i, (Method)s->aChoice[p->aMethodChoice[l]].aOption[m]);
  if (p->aMissChoice[l] >= 0) {
    int e = s->aChoice[p->aMissChoice[l]].aOption[k];
    pCopy->aNode[i].eMissing = e < 0 ? p->pS->aNode[i].eMissing : (MissingPolicy)e;
  }
}

static void robust_groups(RobustPlan *p) {
  int n = p->nUnit;
  int *aGroupOf = xmalloc_array((size_t)n + 1, sizeof(int));
  p->aGroupStart = xmalloc_array((size_t)n + 2, sizeof(int));
  p->aMember = xmalloc_array((size_t)n + 1, sizeof(int));
  p->aGroupSize = xmalloc_array((size_t)n + 1, sizeof(int));
  p->nGroup = 0;
  /* groups in order of first appearance; quadratic in the number of groups only */
  char const **azG = xmalloc_array((size_t)n + 1, sizeof(char *));
  for (int u = 0; u < n; u++) {
    int g = 0;
    while (g < p->nGroup && strcmp(azG[g], p->pIn->azGroup[u])) g++;
    if (g == p->nGroup) azG[p->nGroup++] = p->pIn->azGroup[u];
    aGroupOf[u] = g;
  }
  memset(p->aGroupStart, 0, sizeof(int) * ((size_t)p->nGroup + 1));
  for (int u = 0; u < n; u++)
    p->aGroupStart[aGroupOf[u] + 1]++;
  for (int g = 0; g < p->nGroup; g++)
    p->aGroupStart[g + 1] += p->aGroupStart[g];
  int *aFill = xmalloc_array((size_t)p->nGroup + 1, sizeof(int));
  memcpy(aFill, p->aGroupStart, sizeof(int) * (size_t)p->nGroup);
  p->nMaxGroup = 0;
  for (int u = 0; u < n; u++)
    p->aMember[aFill[aGroupOf[u]]++] = u;
  for (int u = 0; u < n; u++) {
    int g = aGroupOf[u];
    p->aGroupSize[u] = p->aGroupStart[g + 1] - p->aGroupStart[g];
    if (p->aGroupSize[u] > p->nMaxGroup) p->nMaxGroup = p->aGroupSize[u];
  }
  free(aFill);
  free(azG);
  free(aGroupOf);
}

/* The perturbed nodes and their sibling sets (robust_spec_parse decided how many). */
static void robust_perturbed(RobustPlan *p) {
  const Scheme *pS = p->pS;
  const RobustSpec *s = p->pSpec;
  int bAnyIndex = pS->eAggregation == AGGREGATION_INDEX;
  if (p->iAgg >= 0) {
    const RobustChoice *c = &s->aChoice[p->iAgg];
    for (int k = 1; k < c->nOption; k++)
      if (c->aOption[k] != RAGG_POINTS) bAnyIndex = 1;
  }
  p->aPert = xmalloc_array((size_t)pS->nNode + 1, sizeof(int));
  p->aPertSet = xmalloc_array((size_t)pS->nNode + 1, sizeof(int));
  p->aSetSum = xcalloc((size_t)pS->nNode + 2, sizeof(double));
  int *aSetOfParent = xmalloc_array((size_t)pS->nNode + 1, sizeof(int)); /* [parent + 1] */
  for (int i = 0; i <= pS->nNode; i++)
    aSetOfParent[i] = -1;
  for (int i = 0; i < pS->nNode; i++) {
    const SchemeNode *pN = &pS->aNode[i];
    if (!(pN->rWeight > 0)) continue;
    if (!(pN->bLeaf ? scheme_method_weighted(pN->eMethod) && pN->eMethod != METHOD_MANUAL
                    : bAnyIndex))
      continue;
    int *pSet = &aSetOfParent[pN->iParent + 1];
    if (*pSet < 0) *pSet = p->nSet++;
    p->aPertSet[p->nPert] = *pSet;
    p->aSetSum[*pSet] += pN->rWeight;
    p->aPert[p->nPert++] = i;
  }
  free(aSetOfParent);
}

/* Classes of units with the same mask in every combo column: in any draw they count the
** same leaves, so their sums of weights W are the same numbers, added in the same order. A
** draw then sums W once per class (a province's units are mostly one class) instead of once
** per unit. Found by sorting the units by their mask bytes (a merge sort: qsort's
** comparator could not see the bytes without a global). */
static int robust_sig_less(const unsigned char *aSig, size_t nSig, int x, int y) {
  int c = memcmp(aSig + (size_t)x * nSig, aSig + (size_t)y * nSig, nSig);
  return c < 0 || (c == 0 && x < y);
}

static void robust_classes(RobustPlan *p) {
  size_t nSig = (size_t)p->aComboStart[p->nLeaf] + 1, nU = (size_t)p->nUnit;
  unsigned char *aSig = xcalloc(nU * nSig + 1, 1);
  for (size_t c = 0; c + 1 < nSig; c++)
    for (size_t u = 0; u < nU; u++) aSig[u * nSig + c] = p->aMask[c * nU + u] != 0;
  int *aIdx = xmalloc_array(nU + 1, sizeof(int)), *aTmp = xmalloc_array(nU + 1, sizeof(int));
  for (size_t u = 0; u < nU; u++) aIdx[u] = (int)u;
  for (size_t w = 1; w < nU; w *= 2) {
    for (size_t lo = 0; lo < nU; lo += 2 * w) {
      size_t mid = lo + w < nU ? lo + w : nU, hi = lo + 2 * w < nU ? lo + 2 * w : nU;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        aTmp[k++] = robust_sig_less(aSig, nSig, aIdx[j], aIdx[i]) ? aIdx[j++] : aIdx[i++];
      while (i < mid) aTmp[k++] = aIdx[i++];
      while (j < hi) aTmp[k++] = aIdx[j++];
    }
    int *t = aIdx;
    aIdx = aTmp;
    aTmp = t;
  }
  free(aTmp);
  p->aClassOf = xmalloc_array(nU + 1, sizeof(int));
  p->aClassRep = xmalloc_array(nU + 1, sizeof(int));
  p->nClass = 0;
  for (size_t k = 0; k < nU; k++) {
    int u = aIdx[k];
    if (k == 0 || memcmp(aSig + (size_t)u * nSig, aSig + (size_t)aIdx[k - 1] * nSig, nSig))
      p->aClassRep[p->nClass++] = u;
    p->aClassOf[u] = p->nClass - 1;
  }
  free(aIdx);
  free(aSig);
  p->nClass8 = (p->nClass + 7) & ~7;
  size_t nCombo = (size_t)p->aComboStart[p->nLeaf], nC8 = (size_t)p->nClass8;
  p->aClassMask = xcalloc(nCombo * nC8 + 1, sizeof(double));
  for (size_t c = 0; c < nCombo; c++)
    for (size_t j = 0; j < (size_t)p->nClass; j++)
      p->aClassMask[c * nC8 + j] = p->aMask[c * nU + (size_t)p->aClassRep[j]];
}

/* The columns of a draw when they are the same in every draw (robust_prepare): weighted
** leaves in leaf order, the dead columns left out. */
static void robust_fixed_columns(RobustPlan *p) {
  p->nFixedCol = -1;
  for (int l = 0; l < p->nLeaf; l++)
    if (p->aMethodChoice[l] >= 0 || p->aMissChoice[l] >= 0) return;
  p->apFixedS = xmalloc_array((size_t)p->nLeaf + 1, sizeof(double *));
  p->aFixedCombo = xmalloc_array((size_t)p->nLeaf + 1, sizeof(int));
  p->aFixedNode = xmalloc_array((size_t)p->nLeaf + 1, sizeof(int));
  int n = 0;
  for (int l = 0; l < p->nLeaf; l++) {
    if (!p->aWeighted[l]) continue;
    int c = p->aComboStart[l]; /* the one combo of the leaf */
    if (p->aDead[c]) continue;
    p->apFixedS[n] = p->aShare + (size_t)c * (size_t)p->nUnit;
    p->aFixedCombo[n] = c;
    p->aFixedNode[n++] = p->pS->aLeafNode[l];
  }
  p->nFixedCol = n;
}

RobustPlan *robust_plan(const ScoreInput *pIn, const RobustSpec *pSpec, char **pzErr) {
  if (pzErr) *pzErr = NULL;
  const Scheme *pS = pIn->pScheme;
  RobustPlan *p = xcalloc(1, sizeof(RobustPlan));
  p->pIn = pIn;
  p->pSpec = pSpec;
  p->pS = pS;
  p->nUnit = pIn->nUnit;
  p->nLeaf = pS->nLeaf;
  p->nNode = pS->nNode;
  p->nGrade = pS->nGrade;
  p->iWeights = p->iAgg = -1;
  p->aMethodChoice = xmalloc_array((size_t)p->nLeaf + 1, sizeof(int));
  p->aMissChoice = xmalloc_array((size_t)p->nLeaf + 1, sizeof(int));
  p->aWeighted = xmalloc_array((size_t)p->nLeaf + 1, sizeof(int));
  for (int l = 0; l < p->nLeaf; l++) {
    p->aMethodChoice[l] = p->aMissChoice[l] = -1;
    p->aWeighted[l] = scheme_method_weighted(pS->aNode[pS->aLeafNode[l]].eMethod);
  }
  for (int k = 0; k < pSpec->nChoice; k++) {
    const RobustChoice *c = &pSpec->aChoice[k];
    if (c->eKind == CHOICE_WEIGHTS) p->iWeights = k;
    if (c->eKind == CHOICE_AGGREGATION) p->iAgg = k;
    if (c->eKind == CHOICE_METHOD) p->aMethodChoice[c->iLeaf] = k;
    if (c->eKind == CHOICE_MISSING) {
      for (int l = 0; l < p->nLeaf; l++) {
        int i = pS->aLeafNode[l];
        if (c->iLeaf == l || (c->iLeaf < 0 && p->aWeighted[l] &&
                              pS->aNode[i].eMethod != METHOD_MANUAL))
          p->aMissChoice[l] = k;
      }
    }
  }
  robust_groups(p);
  robust_perturbed(p);
  if (p->iWeights >= 0 && pSpec->aChoice[p->iWeights].nDim != p->nPert) {
    /* robust_spec_parse and robust_perturbed count the same nodes; a spec parsed for
    ** another scheme would not */
    if (pzErr) *pzErr = xstrdup("the uncertain choices were read for another scheme");
    robust_plan_free(p);
    return NULL;
  }
  p->aW0 = xmalloc_array((size_t)p->nNode + 1, sizeof(double));
  for (int i = 0; i < p->nNode; i++)
    p->aW0[i] = pS->aNode[i].rWeight;

  char *zErr = NULL;
  p->pOfficial = score_compute(pIn, &zErr);
  if (!p->pOfficial) {
    if (pzErr) *pzErr = xasprintf("the official choices do not score: %s", zErr ? zErr : "");
    free(zErr);
    robust_plan_free(p);
    return NULL;
  }
  p->aBonus = xmalloc_array((size_t)p->nUnit + 1, sizeof(double));
  p->aDeduct = xmalloc_array((size_t)p->nUnit + 1, sizeof(double));
  p->aFlags = xmalloc_array((size_t)p->nUnit + 1, sizeof(unsigned));
  for (int u = 0; u < p->nUnit; u++) {
    p->aBonus[u] = p->pOfficial->aUnit[u].rBonus;
    p->aDeduct[u] = p->pOfficial->aUnit[u].rDeduct;
    p->aFlags[u] = p->pOfficial->aUnit[u].flags;
    p->bAnyFlag |= p->aFlags[u] != 0;
  }
  p->aThreshold = xmalloc_array((size_t)p->nGrade + 1, sizeof(double));
  for (int k = 0; k < p->nGrade; k++)
    p->aThreshold[k] = pS->aGrade[k].bThreshold ? pS->aGrade[k].rThreshold : -INFINITY;
  /* combos of each weighted leaf: (method option) x (missing option) */
  p->aComboStart = xmalloc_array((size_t)p->nLeaf + 1, sizeof(int));
  int nMaxCombo = 1;
  p->aComboStart[0] = 0;
  for (int l = 0; l < p->nLeaf; l++) {
    int n = 0;
    if (p->aWeighted[l]) {
      n = p->aMethodChoice[l] >= 0 ? pSpec->aChoice[p->aMethodChoice[l]].nOption : 1;
      n *= p->aMissChoice[l] >= 0 ? pSpec->aChoice[p->aMissChoice[l]].nOption : 1;
    }
    if (n > nMaxCombo) nMaxCombo = n;
    p->aComboStart[l + 1] = p->aComboStart[l] + n;
  }
  size_t nCell = (size_t)p->aComboStart[p->nLeaf] * (size_t)(p->nUnit > 0 ? p->nUnit : 1);
  p->aShare = xmalloc_array(nCell, sizeof(double));
  p->aMask = xmalloc_array(nCell, sizeof(double));
  /* one engine run per combo index c: every leaf that has a combo c takes it */
  Scheme *pCopy = robust_scheme_copy(pS);
  ScoreInput in = *pIn;
  in.pScheme = pCopy;
  ScoreResult *pRes = NULL;
  for (int c = 0; c < nMaxCombo; c++) {
    memcpy(pCopy->aNode, pS->aNode, sizeof(SchemeNode) * (size_t)pS->nNode);
    for (int l = 0; l < p->nLeaf; l++) {
      if (c >= p->aComboStart[l + 1] - p->aComboStart[l]) continue;
      int m, k;
      robust_combo_options(p, l, c, &m, &k);
      robust_apply_leaf(p, pCopy, l, m, k);
    }
    pRes = score_compute_into(&in, pRes, &zErr);
    if (!pRes) {
      if (pzErr) *pzErr = xasprintf("an alternative choice does not score: %s", zErr ? zErr : "");
      free(zErr);
      robust_scheme_copy_free(pCopy);
      robust_plan_free(p);
      return NULL;
    }
    for (int l = 0; l < p->nLeaf; l++) {
      if (c >= p->aComboStart[l + 1] - p->aComboStart[l]) continue;
      size_t o = (size_t)(p->aComboStart[l] + c) * (size_t)p->nUnit;
      for (int u = 0; u < p->nUnit; u++) {
        double s = pRes->aLeaf[(size_t)u * p->nLeaf + l].rShare;
        p->aShare[o + u] = isnan(s) ? 0 : s;
        p->aMask[o + u] = isnan(s) ? 0 : 1;
      }
    }
  }
  score_result_free(pRes);
  robust_scheme_copy_free(pCopy);
  int nCombo = p->aComboStart[p->nLeaf];
  p->aDead = xcalloc((size_t)nCombo + 1, 1);
  for (int c = 0; c < nCombo; c++) {
    int bDead = 1;
    for (int u = 0; u < p->nUnit && bDead; u++) bDead = p->aMask[(size_t)c * p->nUnit + u] == 0;
    p->aDead[c] = (unsigned char)bDead;
  }
  robust_classes(p);
  robust_fixed_columns(p);
  robust_plan_set_simd(p, 2);
  p->nBand = ROBUST_BAND;
  return p;
}

void robust_plan_free(RobustPlan *p) {
  if (!p) return;
  score_result_free(p->pOfficial);
  free(p->aMethodChoice);
  free(p->aMissChoice);
  free(p->aPert);
  free(p->aPertSet);
  free(p->aSetSum);
  free(p->aW0);
  free(p->aWeighted);
  free(p->aComboStart);
  free(p->aShare);
  free(p->aMask);
  free(p->aBonus);
  free(p->aDeduct);
  free(p->aFlags);
  free(p->aThreshold);
  free(p->apFixedS);
  free(p->aFixedCombo);
  free(p->aFixedNode);
  free(p->aGroupStart);
  free(p->aMember);
  free(p->aGroupSize);
  free(p->aDead);
  free(p->aClassOf);
  free(p->aClassRep);
  free(p->aClassMask);
  free(p);
}

/* ---------------------------------------------------------------- one draw (helpers) */

/* score_values_tie, inline: totals are never NaN, where fmax and the engine's score_fmax
** agree. The first test settles most calls. */
static inline int robust_tie(double a, double b) {
  double x = fabs(a), y = fabs(b);
  return a == b || fabs(a - b) <= 1e-9 * (x > y ? x : y);
}

/* The sums of a batch of draws: aOut[d nU + u] = sum over k < anCol[d] of
** aColW[d nLeaf + k] apCol[d nLeaf + k][u], added in k order from 0, for the draws d < nB
** with abUse[d]. Units are taken in blocks (32, 16, 4, then 1-3 with AVX2; 8 with SSE2) and,
** within a block, draw after draw: the block's columns are read from memory once for the
** batch, then from the cache. Every path multiplies and adds as plain C does (no FMA: the
** AVX2 target enables AVX2 only, and ISO C mode does not contract), so the sums are
** bit-identical to the scalar loop whatever the CPU. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx2"))) static int robust_sums_avx2(int nB, const int *abUse,
                                                            const double *const *apCol,
                                                            const double *aColW,
                                                            const int *anCol, int nLeaf,
                                                            int nU, double *aOut) {
  int u0 = 0;
  /* 32 units: eight chains of additions, enough to keep both adders busy (an addition
  ** waits three cycles for the previous one of its unit; with four chains, 16 units, the
  ** adders idle a third of the time) */
  for (; u0 + 32 <= nU; u0 += 32) {
    for (int d = 0; d < nB; d++) {
      if (!abUse[d]) continue;
      const double *const *ap = apCol + (size_t)d * nLeaf;
      const double *aw = aColW + (size_t)d * nLeaf;
      __m256d b0 = _mm256_setzero_pd(), b1 = b0, b2 = b0, b3 = b0;
      __m256d b4 = b0, b5 = b0, b6 = b0, b7 = b0;
      for (int k = 0; k < anCol[d]; k++) {
        const double *aS = ap[k] + u0;
        __m256d vW = _mm256_set1_pd(aw[k]);
        b0 = _mm256_add_pd(b0, _mm256_mul_pd(vW, _mm256_loadu_pd(aS)));
        b1 = _mm256_add_pd(b1, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 4)));
        b2 = _mm256_add_pd(b2, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 8)));
        b3 = _mm256_add_pd(b3, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 12)));
        b4 = _mm256_add_pd(b4, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 16)));
        b5 = _mm256_add_pd(b5, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 20)));
        b6 = _mm256_add_pd(b6, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 24)));
        b7 = _mm256_add_pd(b7, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 28)));
      }
      double *aO = aOut + (size_t)d * nU + u0;
      _mm256_storeu_pd(aO, b0);
      _mm256_storeu_pd(aO + 4, b1);
      _mm256_storeu_pd(aO + 8, b2);
      _mm256_storeu_pd(aO + 12, b3);
      _mm256_storeu_pd(aO + 16, b4);
      _mm256_storeu_pd(aO + 20, b5);
      _mm256_storeu_pd(aO + 24, b6);
      _mm256_storeu_pd(aO + 28, b7);
    }
  }
  for (; u0 + 16 <= nU; u0 += 16) {
    for (int d = 0; d < nB; d++) {
      if (!abUse[d]) continue;
      const double *const *ap = apCol + (size_t)d * nLeaf;
      const double *aw = aColW + (size_t)d * nLeaf;
      __m256d b0 = _mm256_setzero_pd(), b1 = b0, b2 = b0, b3 = b0;
      for (int k = 0; k < anCol[d]; k++) {
        const double *aS = ap[k] + u0;
        __m256d vW = _mm256_set1_pd(aw[k]);
        b0 = _mm256_add_pd(b0, _mm256_mul_pd(vW, _mm256_loadu_pd(aS)));
        b1 = _mm256_add_pd(b1, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 4)));
        b2 = _mm256_add_pd(b2, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 8)));
        b3 = _mm256_add_pd(b3, _mm256_mul_pd(vW, _mm256_loadu_pd(aS + 12)));
      }
      double *aO = aOut + (size_t)d * nU + u0;
      _mm256_storeu_pd(aO, b0);
      _mm256_storeu_pd(aO + 4, b1);
      _mm256_storeu_pd(aO + 8, b2);
      _mm256_storeu_pd(aO + 12, b3);
    }
  }
  /* the rest four units at a time (a province of 122 units: 7 blocks of 16, then 2 of 4) */
  for (; u0 + 4 <= nU; u0 += 4) {
    for (int d = 0; d < nB; d++) {
      if (!abUse[d]) continue;
      const double *const *ap = apCol + (size_t)d * nLeaf;
      const double *aw = aColW + (size_t)d * nLeaf;
      __m256d b0 = _mm256_setzero_pd();
      for (int k = 0; k < anCol[d]; k++)
        b0 = _mm256_add_pd(b0, _mm256_mul_pd(_mm256_set1_pd(aw[k]), _mm256_loadu_pd(ap[k] + u0)));
      _mm256_storeu_pd(aOut + (size_t)d * nU + u0, b0);
    }
  }
  /* the last one to three units: lanes past nU neither read nor written */
  if (u0 < nU) {
    __m256i vMask =
        _mm256_cmpgt_epi64(_mm256_set1_epi64x(nU - u0), _mm256_setr_epi64x(0, 1, 2, 3));
    for (int d = 0; d < nB; d++) {
      if (!abUse[d]) continue;
      const double *const *ap = apCol + (size_t)d * nLeaf;
      const double *aw = aColW + (size_t)d * nLeaf;
      __m256d b0 = _mm256_setzero_pd();
      for (int k = 0; k < anCol[d]; k++)
        b0 = _mm256_add_pd(b0, _mm256_mul_pd(_mm256_set1_pd(aw[k]),
                                             _mm256_maskload_pd(ap[k] + u0, vMask)));
      _mm256_maskstore_pd(aOut + (size_t)d * nU + u0, vMask, b0);
    }
    u0 = nU;
  }
  return u0;
}
#endif

static void robust_sums(const RobustPlan *p, int nB, const int *abUse,
                        const double *const *apCol, const double *aColW, const int *anCol,
                        int nU, double *aOut) {
  int u0 = 0, nLeaf = p->nLeaf + 1;
#if defined(__x86_64__) && defined(__GNUC__)
  if (p->bAvx2) u0 = robust_sums_avx2(nB, abUse, apCol, aColW, anCol, nLeaf, nU, aOut);
#endif
#ifdef __SSE2__
  for (; u0 + 8 <= nU; u0 += 8) {
    for (int d = 0; d < nB; d++) {
      if (!abUse[d]) continue;
      const double *const *ap = apCol + (size_t)d * nLeaf;
      const double *aw = aColW + (size_t)d * nLeaf;
      __m128d b0 = _mm_setzero_pd(), b1 = b0, b2 = b0, b3 = b0;
      for (int k = 0; k < anCol[d]; k++) {
        const double *aS = ap[k] + u0;
        __m128d vW = _mm_set1_pd(aw[k]);
        b0 = _mm_add_pd(b0, _mm_mul_pd(vW, _mm_loadu_pd(aS)));
        b1 = _mm_add_pd(b1, _mm_mul_pd(vW, _mm_loadu_pd(aS + 2)));
        b2 = _mm_add_pd(b2, _mm_mul_pd(vW, _mm_loadu_pd(aS + 4)));
        b3 = _mm_add_pd(b3, _mm_mul_pd(vW, _mm_loadu_pd(aS + 6)));
      }
      double *aO = aOut + (size_t)d * nU + u0;
      _mm_storeu_pd(aO, b0);
      _mm_storeu_pd(aO + 2, b1);
      _mm_storeu_pd(aO + 4, b2);
      _mm_storeu_pd(aO + 6, b3);
    }
  }
#endif
  for (int d = 0; d < nB; d++) {
    if (!abUse[d]) continue;
    const double *const *ap = apCol + (size_t)d * nLeaf;
    const double *aw = aColW + (size_t)d * nLeaf;
    for (int u = u0; u < nU; u++) {
      double r = 0;
      for (int k = 0; k < anCol[d]; k++) r += aw[k] * ap[k][u];
      aOut[(size_t)d * nU + u] = r;
    }
  }
}

/* ---------------------------------------------------------------- one draw */

typedef struct RobustPair {
  double r;
  int i;
} RobustPair;

static void robust_sort_pairs(RobustPair *a, int n);

/* Draws scored together by robust_eval_batch: the share columns of a group of units are
** read once for all of them (a province's columns fit in the caches, a country's do not). */
enum { ROBUST_BATCH = 16 };

struct RobustWork {
  double *aW;        /* nNode: the weights of the draw being prepared */
  double *aSetSum;   /* nSet */
  int *aCombo;       /* nLeaf: its combo of each leaf */
  double *aBase, *aWSum, *aTotal; /* ROBUST_BATCH x nUnit */
  double *aVal;      /* nNode (index mode) */
  RobustPair *aPair; /* nMaxGroup: robust_work_new's sort of the official order */
  double *aKey;      /* nMaxGroup + 1: a group's totals sorted ascending from aKey[1];
                     ** aKey[0] = -inf stops the insertion sort without an index test */
  int *aIdx;         /* nMaxGroup + 1: the unit of each key */
  float *aF;         /* nMaxGroup rounded up to 16: a group's totals as floats (ranks by
                     ** counting) */
  int32_t *aQ;       /* nMaxGroup: their keys (robust_fkey), sorted ascending */
  int *aGe;          /* nMaxGroup rounded up to 16: each unit's count (ranks by counting) */
  unsigned char *aSeen; /* nMaxGroup: places taken (robust_rank_count) */
  int *aOrder;       /* nUnit: each group's units in official order, worst first: each
                     ** draw's sort starts from it (robust_eval_batch) */
  int *aRank, *aGrade; /* ROBUST_BATCH x nUnit */
  const double **apS; /* ROBUST_BATCH x nLeaf: each draw's share columns */
  int *aColCombo;    /* ROBUST_BATCH x nLeaf: their combo indices */
  double *aColW;     /* ROBUST_BATCH x nLeaf: their weights */
  int anCol[ROBUST_BATCH];   /* columns of each draw */
  double *aClassW;   /* nClass: W of each class of units (robust_classes) */
  int abPoints[ROBUST_BATCH]; /* the draw aggregates points (else index: total computed) */
};

RobustWork *robust_work_new(const RobustPlan *p) {
  RobustWork *w = xcalloc(1, sizeof(RobustWork));
  size_t nU = (size_t)p->nUnit + 1, nN = (size_t)p->nNode + 1;
  w->aW = xmalloc_array(nN, sizeof(double));
  w->aSetSum = xmalloc_array((size_t)p->nSet + 1, sizeof(double));
  w->aCombo = xmalloc_array((size_t)p->nLeaf + 1, sizeof(int));
  w->aBase = xmalloc_array(nU * ROBUST_BATCH, sizeof(double));
  w->aWSum = xmalloc_array(nU * ROBUST_BATCH, sizeof(double));
  w->aTotal = xmalloc_array(nU * ROBUST_BATCH, sizeof(double));
  w->aVal = xmalloc_array(nN, sizeof(double));
  w->aPair = xmalloc_array((size_t)p->nMaxGroup + 1, sizeof(RobustPair));
  w->aOrder = xmalloc_array(nU, sizeof(int));
  w->aKey = xmalloc_array((size_t)p->nMaxGroup + 1, sizeof(double));
  w->aIdx = xmalloc_array((size_t)p->nMaxGroup + 1, sizeof(int));
  w->aF = xmalloc_array((size_t)p->nMaxGroup + 16, sizeof(float));
  w->aQ = xmalloc_array((size_t)p->nMaxGroup + 1, sizeof(int32_t));
  w->aGe = xmalloc_array((size_t)p->nMaxGroup + 16, sizeof(int));
  w->aSeen = xmalloc_array((size_t)p->nMaxGroup + 1, 1);
  w->aKey[0] = -INFINITY;
  w->aIdx[0] = -1;
  w->apS = xmalloc_array(((size_t)p->nLeaf + 1) * ROBUST_BATCH, sizeof(double *));
  w->aColCombo = xmalloc_array(((size_t)p->nLeaf + 1) * ROBUST_BATCH, sizeof(int));
  w->aColW = xmalloc_array(((size_t)p->nLeaf + 1) * ROBUST_BATCH, sizeof(double));

  /* start from the official order: draws stay close to it */
  for (int g = 0; g < p->nGroup; g++) {
    int n = p->aGroupStart[g + 1] - p->aGroupStart[g];
    for (int k = 0; k < n; k++) w->aPair[k] = (RobustPair){0, p->aMember[p->aGroupStart[g] + k]};
    for (int k = 0; k < n; k++) w->aPair[k].r = -(double)p->pOfficial->aUnit[w->aPair[k].i].iRank;
    robust_sort_pairs(w->aPair, n);
    for (int k = 0; k < n; k++) w->aOrder[p->aGroupStart[g] + k] = w->aPair[k].i;
  }
  w->aClassW = xmalloc_array((size_t)p->nClass8 + 1, sizeof(double));
  w->aRank = xmalloc_array(nU * ROBUST_BATCH, sizeof(int));
  w->aGrade = xmalloc_array(nU * ROBUST_BATCH, sizeof(int));
  return w;
}

void robust_work_free(RobustWork *w) {
  if (!w) return;
  free(w->aW);
  free(w->aSetSum);
  free(w->aCombo);
  free(w->aBase);
  free(w->aWSum);
  free(w->aTotal);
  free(w->aVal);
  free(w->aPair);
  free(w->aOrder);
  free(w->aKey);
  free(w->aIdx);
  free(w->aF);
  free(w->aQ);
  free(w->aGe);
  free(w->aSeen);
  free(w->aClassW);
  free(w->apS);
  free(w->aColCombo);
  free(w->aColW);

  free(w->aRank);
  free(w->aGrade);
  free(w);
}

/* The draw's weights into aW (robust.c NOTES: perturbed, then renormalised per set). */
static void robust_weights(const RobustPlan *p, const double *aU, double *aW, double *aSetSum) {
  memcpy(aW, p->aW0, sizeof(double) * (size_t)p->nNode);
  if (p->iWeights < 0) return;
  const RobustChoice *c = &p->pSpec->aChoice[p->iWeights];
  for (int s = 0; s < p->nSet; s++)
    aSetSum[s] = 0;
  for (int k = 0; k < p->nPert; k++) {
    int i = p->aPert[k];
    aW[i] = p->aW0[i] * (1 + c->rSpread * (2 * aU[c->iDim + k] - 1));
    aSetSum[p->aPertSet[k]] += aW[i];
  }
  /* each set's factor once: the quotient is the same number for every node of the set */
  for (int s = 0; s < p->nSet; s++)
    aSetSum[s] = p->aSetSum[s] / aSetSum[s];
  for (int k = 0; k < p->nPert; k++) {
    int i = p->aPert[k];
    aW[i] = aW[i] * aSetSum[p->aPertSet[k]];
  }
}

/* The aggregation option of the draw. */
static int robust_agg(const RobustPlan *p, const double *aU) {
  if (p->iAgg < 0) return RAGG_OFFICIAL;
  const RobustChoice *c = &p->pSpec->aChoice[p->iAgg];
  return c->aOption[robust_option(c, aU[c->iDim])];
}

/* The engine's score_aggregate with the draw's weights and aggregate. */
static double robust_aggregate(const Scheme *pS, int iNode, Aggregate eAgg, const double *aVal,
                               const double *aW) {
  int iFirst = iNode < 0 ? 0 : iNode + 1;
  int iEnd = iNode < 0 ? pS->nNode : pS->aNode[iNode].iEnd;
  double rW = 0, rWV = 0;
  int n = 0, bNonPositive = 0;
  for (int j = iFirst; j < iEnd; j = pS->aNode[j].iEnd) {
    if (isnan(aVal[j])) continue;
    double w = aW[j];
    rW += w;
    rWV += w * aVal[j];
    if (aVal[j] <= 0) bNonPositive = 1;
    n++;
  }
  if (n == 0 || rW == 0) return NAN;
  if (eAgg == AGG_ARITHMETIC) return rWV / rW;
  if (bNonPositive) return 0;
  double rProd = 1;
  for (int j = iFirst; j < iEnd; j = pS->aNode[j].iEnd) {
    if (isnan(aVal[j])) continue;
    rProd *= pow(aVal[j], aW[j] / rW);
  }
  return rProd;
}

static void robust_sort_pairs(RobustPair *a, int n) {
  /* quicksort (median of three) down to runs of 16, then one insertion sort */
  while (n > 16) {
    RobustPair *m = &a[n / 2], *z = &a[n - 1], t;
    if (m->r < a->r) t = *m, *m = *a, *a = t;
    if (z->r < a->r) t = *z, *z = *a, *a = t;
    if (z->r < m->r) t = *z, *z = *m, *m = t;
    double rPivot = m->r;
    int i = 0, j = n - 1;
    for (;;) {
      while (a[i].r < rPivot) i++;
      while (rPivot < a[j].r) j--;
      if (i >= j) break;
      t = a[i], a[i] = a[j], a[j] = t;
      i++, j--;
    }
    /* recurse into the smaller part, loop on the larger */
    if (j + 1 < n - j - 1) {
      robust_sort_pairs(a, j + 1);
      a += j + 1;
      n -= j + 1;
    } else {
      robust_sort_pairs(a + j + 1, n - j - 1);
      n = j + 1;
    }
  }
  for (int i = 1; i < n; i++) {
    RobustPair x = a[i];
    int j = i - 1;
    while (j >= 0 && a[j].r > x.r) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/* Prepares draw d of a batch from its random numbers aU: its weights and combos; in points
** mode its columns (scored later, with the batch), in index mode its totals at once. */
static void robust_prepare(const RobustPlan *p, const double *aU, RobustWork *w, int d,
                           double *aTot) {
  const Scheme *pS = p->pS;
  const RobustSpec *s = p->pSpec;
  int nU = p->nUnit;
  robust_weights(p, aU, w->aW, w->aSetSum);
  for (int l = 0; l < p->nLeaf; l++) {
    int m = 0, k = 0;
    if (p->aMethodChoice[l] >= 0) {
      const RobustChoice *c = &s->aChoice[p->aMethodChoice[l]];
      m = robust_option(c, aU[c->iDim]);
    }
    if (p->aMissChoice[l] >= 0) {
      const RobustChoice *c = &s->aChoice[p->aMissChoice[l]];
      k = robust_option(c, aU[c->iDim]);
      m = m * c->nOption + k;
    }
    w->aCombo[l] = m;
  }
  int eAgg = robust_agg(p, aU);
  int bPoints = eAgg == RAGG_OFFICIAL ? pS->eAggregation == AGGREGATION_POINTS
                                      : eAgg == RAGG_POINTS;
  w->abPoints[d] = bPoints;
  if (bPoints) {
    /* the columns and weights of the draw, in leaf order */
    size_t o0 = (size_t)d * (size_t)(p->nLeaf + 1);
    int nCol = 0;
    if (p->nFixedCol >= 0) {
      /* no leaf has a method or missing choice: every draw has the plan's columns */
      nCol = p->nFixedCol;
      memcpy(w->apS + o0, p->apFixedS, sizeof(double *) * (size_t)nCol);
      memcpy(w->aColCombo + o0, p->aFixedCombo, sizeof(int) * (size_t)nCol);
      for (int k = 0; k < nCol; k++) w->aColW[o0 + k] = w->aW[p->aFixedNode[k]];
    }
    for (int l = 0; l < p->nLeaf && p->nFixedCol < 0; l++) {
      if (!p->aWeighted[l]) continue;
      int c = p->aComboStart[l] + w->aCombo[l];
      /* a column that counts for no unit (a leaf of other groups) adds +0 everywhere */
      if (p->aDead[c]) continue;
      size_t o = (size_t)c * (size_t)nU;
      w->apS[o0 + nCol] = p->aShare + o;
      w->aColCombo[o0 + nCol] = c;
      w->aColW[o0 + nCol++] = w->aW[pS->aLeafNode[l]];
    }
    w->anCol[d] = nCol;
    return;
  }
  double rScale = pS->eAggregation == AGGREGATION_INDEX ? pS->rScale : pS->rTotal;
  Aggregate eTop = eAgg == RAGG_OFFICIAL   ? pS->eTopAggregate
                   : eAgg == RAGG_GEOMETRIC ? AGG_GEOMETRIC
                                            : AGG_ARITHMETIC;
  double *aVal = w->aVal;
  for (int u = 0; u < nU; u++) {
    for (int i = p->nNode - 1; i >= 0; i--) {
      const SchemeNode *pN = &pS->aNode[i];
      if (pN->bLeaf) {
        int l = pN->iLeaf;
        if (!p->aWeighted[l]) {
          aVal[i] = NAN;
          continue;
        }
        size_t o = (size_t)(p->aComboStart[l] + w->aCombo[l]) * (size_t)nU + (size_t)u;
        aVal[i] = p->aMask[o] != 0 ? p->aShare[o] : NAN;
      } else {
        Aggregate e = eAgg == RAGG_OFFICIAL ? pN->eAggregate : eTop;
        aVal[i] = robust_aggregate(pS, i, e, aVal, w->aW);
      }
    }
    double rRoot = robust_aggregate(pS, -1, eTop, aVal, w->aW);
    double rBase = isnan(rRoot) ? 0 : rRoot * rScale;
    aTot[u] = rBase + p->aBonus[u] - p->aDeduct[u];
  }
}

/* The points totals of one draw, four units at a time (robust_eval_batch has the plain
** loop): base rescaled to the total where the unit's weights do not sum to it, 0 where
** they sum to 0, then + bonus - deduct. The same operations in the same order as the
** plain loop, each correctly rounded, both sides of every select computed: the same bits.
** Returns the number of units done (a multiple of 4). */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static int robust_totals_avx2(const double *aBase,
                                                              const double *aWSum,
                                                              const double *aBonus,
                                                              const double *aDeduct,
                                                              double rTotal, int nU,
                                                              double *aT) {
  __m256d vTotal = _mm256_set1_pd(rTotal), vZero = _mm256_setzero_pd();
  int u = 0;
  for (; u + 4 <= nU; u += 4) {
    __m256d vW = _mm256_loadu_pd(aWSum + u), vB = _mm256_loadu_pd(aBase + u);
    __m256d vScaled = _mm256_div_pd(_mm256_mul_pd(vB, vTotal), vW);
    /* rW != rTotal (unordered: true for NaN, as C's != is) takes the rescaled base */
    vB = _mm256_blendv_pd(vB, vScaled, _mm256_cmp_pd(vW, vTotal, _CMP_NEQ_UQ));
    vB = _mm256_blendv_pd(vB, vZero, _mm256_cmp_pd(vW, vZero, _CMP_EQ_OQ));
    vB = _mm256_sub_pd(_mm256_add_pd(vB, _mm256_loadu_pd(aBonus + u)),
                       _mm256_loadu_pd(aDeduct + u));
    _mm256_storeu_pd(aT + u, vB);
  }
  return u;
}
#endif

/* Ranks and grades of one draw from its totals. */
/* Rank counts. A unit's rank stays near its official rank in most draws, so each unit
** counts in a window of ROBUST_WIN ranks around it (aWinBase[u] .. + ROBUST_WIN - 1), and
** only a rank outside it goes to the full table (nUnit x nH, nH = nMaxGroup + 1). The
** windows of a country (2,844 units, 360 KB) stay in the second-level cache where the full
** table (2 MB) did not; robust_run adds the windows into the table at the end. Counts are
** integers either way: the result does not depend on where a rank was counted. */
enum { ROBUST_WIN = 32 };

typedef struct RobustCount {
  const int *aWinBase; /* nUnit: the first rank of each unit's window */
  int *aWin;           /* nUnit x ROBUST_WIN: draws with each rank of the window */
  int *aHist;          /* nUnit x nH: draws with each rank outside it */
  int nH;
  int *aGrade;         /* nUnit x nG: draws with each grade, last = none (nG = nGrade + 1) */
  int nG;
} RobustCount;

/* Ranks and grades of one draw from its totals; counted into pC too when not NULL (aGrade
** must then be given). */
static void robust_rank_grade(const RobustPlan *p, RobustWork *w, const double *aTot,
                              int *aRank, int *aGrade, RobustCount *pC);

/* Scores nB <= ROBUST_BATCH draws: aU holds draw d's numbers at d nDim; aTotal (may be
** NULL), aRank and aGrade (may be NULL) receive draw d's at d nUnit; pC (may be NULL)
** counts each draw's ranks and grades. */
static void robust_eval_batch(const RobustPlan *p, int nB, const double *aU, RobustWork *w,
                              double *aTotal, int *aRank, int *aGrade, RobustCount *pC) {
  const Scheme *pS = p->pS;
  int nU = p->nUnit, nD = p->pSpec->nDim, nPoints = 0;
  double *aTot = aTotal ? aTotal : w->aTotal;
  for (int d = 0; d < nB; d++) {
    robust_prepare(p, aU + (size_t)d * nD, w, d, aTot + (size_t)d * nU);
    nPoints += w->abPoints[d];
  }
  if (nPoints) {
    /* base = sum of w s, and W = sum of w m (m = 1 where the leaf counts), each in leaf
    ** order from 0 as the engine adds them */
    robust_sums(p, nB, w->abPoints, w->apS, w->aColW, w->anCol, nU, w->aBase);
    for (int d = 0; d < nB; d++) {
      if (!w->abPoints[d]) continue;
      const int *ac = w->aColCombo + (size_t)d * (p->nLeaf + 1);
      const double *aw = w->aColW + (size_t)d * (p->nLeaf + 1);
      /* eight classes at once, each in column order: eight independent chains of
      ** additions in registers (aClassMask's rows are padded with zeros to nClass8) */
      double *aCW = w->aClassW;
      int nC8 = p->nClass8;
      for (int c0 = 0; c0 < nC8; c0 += 8) {
        double r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0, r6 = 0, r7 = 0;
        for (int k = 0; k < w->anCol[d]; k++) {
          const double *aM = p->aClassMask + (size_t)ac[k] * (size_t)nC8 + c0;
          double wk = aw[k];
          r0 += wk * aM[0], r1 += wk * aM[1], r2 += wk * aM[2], r3 += wk * aM[3];
          r4 += wk * aM[4], r5 += wk * aM[5], r6 += wk * aM[6], r7 += wk * aM[7];
        }
        aCW[c0] = r0, aCW[c0 + 1] = r1, aCW[c0 + 2] = r2, aCW[c0 + 3] = r3;
        aCW[c0 + 4] = r4, aCW[c0 + 5] = r5, aCW[c0 + 6] = r6, aCW[c0 + 7] = r7;
      }
      double *aWSum = w->aWSum + (size_t)d * nU;
      for (int u = 0; u < nU; u++) aWSum[u] = w->aClassW[p->aClassOf[u]];
    }
    double rTotal = pS->eAggregation == AGGREGATION_POINTS ? pS->rTotal : pS->rScale;
    for (int d = 0; d < nB; d++) {
      if (!w->abPoints[d]) continue;
      const double *aBase = w->aBase + (size_t)d * nU, *aWSum = w->aWSum + (size_t)d * nU;
      double *aT = aTot + (size_t)d * nU;
      int u0 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
      if (p->bAvx2) u0 = robust_totals_avx2(aBase, aWSum, p->aBonus, p->aDeduct, rTotal, nU, aT);
#endif
      for (int u = u0; u < nU; u++) {
        double rW = aWSum[u], rBase = aBase[u];
        if (rW == 0)
          rBase = 0;
        else if (rW != rTotal)
          rBase = rBase * rTotal / rW;
        aT[u] = rBase + p->aBonus[u] - p->aDeduct[u];
      }
    }
  }
  for (int d = 0; d < nB; d++)
    robust_rank_grade(p, w, aTot + (size_t)d * nU, aRank + (size_t)d * nU,
                      aGrade ? aGrade + (size_t)d * nU : NULL, pC);
}

void robust_eval(const RobustPlan *p, const double *aU, RobustWork *w, double *aTotal,
                 int *aRank, int *aGrade) {
  robust_eval_batch(p, 1, aU, w, aTotal, aRank, aGrade, NULL);
}

void robust_rank_totals(const RobustPlan *p, RobustWork *w, const double *aTotal, int *aRank,
                        int *aGrade) {
  robust_rank_grade(p, w, aTotal, aRank, aGrade, NULL);
}

/* Ranks by counting (robust_rank_count_avx2, _avx512): unit u's place from the top is the
** number of units of its group whose total, rounded to float, is >= its own. Rounding to
** float is monotonic, so when the n rounded totals are all different their order is the
** totals' order, the places are a permutation, and the units come out sorted ascending
** by total into aI[0 .. n-1] (their floats' keys into aQ). Eight (AVX2) or sixteen
** (AVX-512) comparisons per instruction and no data-dependent branch: an insertion sort of
** a draw's totals from the official order mispredicts a branch per unit and moves each
** unit several places.
**
** What the caller may take from it (the return value):
**   ROBUST_COUNT_DUP  two totals rounded to the same float (an exact tie, or totals closer
**                     than float resolution): nothing is sorted, sort by insertion;
**   ROBUST_COUNT_NEAR sorted, but two neighbours' floats are adjacent (their keys differ by
**                     1): the totals may be within the engine's tie tolerance, so the
**                     anchored walk must decide the ranks;
**   ROBUST_COUNT_EXACT sorted, and aRank[u] = the place is the engine's rank: no two totals
**                     tie. Why: if robust_tie(a, b) with a < b, then b - a <= 1e-9 |b|,
**                     less than half the spacing of floats near b (>= 2^-24 |b| / 2), so
**                     at most one rounding boundary of floats lies between a and b and
**                     float(a), float(b) are equal or adjacent. Keys (robust_fkey) map
**                     floats in order onto consecutive integers (-0 and +0 onto -1 and 0,
**                     adjacent: conservative), so keys 2 or more apart rule a tie out,
**                     and with no ties the engine's rank is 1 + the number of greater
**                     totals, the count;
**   ROBUST_COUNT_MISS  (a count over a band only) the draw moved a unit further than the
**                     band from its official place: count again over the whole group.
**
** The band. A draw moves most units a few places from the official order (the units are
** taken in that order, worst first), so a first count compares each block of units only
** with the ROBUST_BAND positions either side of it and takes the units beyond as greater
** (above) or smaller (below); robust_count_verdict checks the outcome, and a wrong one
** (rare: a unit moved further) is counted again in full. */
enum { ROBUST_COUNT_DUP, ROBUST_COUNT_NEAR, ROBUST_COUNT_EXACT, ROBUST_COUNT_MISS };

/* A float's place in the order of floats, as an integer: the bits of a non-negative float
** grow with it; a negative float's bits grow as it falls, so they are flipped. */
static inline int32_t robust_fkey(float f) {
  int32_t b;
  memcpy(&b, &f, sizeof b);
  return b >= 0 ? b : b ^ 0x7fffffff;
}

/* Files unit aUnit[k], counted nGe (itself included), at its place; returns 1 when the
** place was taken already. */
static inline int robust_count_place(const int *aUnit, int k, int n, int nGe, const float *aF,
                                     int32_t *aQ, unsigned char *aSeen, int *aI, int *aRank) {
  int q = n - nGe; /* ascending place */
  int bDup = aSeen[q];
  aSeen[q] = 1;
  aQ[q] = robust_fkey(aF[k]);
  aI[q] = aUnit[k];
  aRank[aUnit[k]] = nGe;
  return bDup;
}

/* What a count came to: see the enum. A count over a band (nBand > 0) is right exactly
** when its places are a permutation with the floats strictly ascending (the one sorted
** order of distinct values); otherwise it returns ROBUST_COUNT_MISS. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx2"))) static int robust_count_verdict(const int32_t *aQ, int n,
                                                                int nDup, int nBand) {
  if (nDup) return nBand ? ROBUST_COUNT_MISS : ROBUST_COUNT_DUP;
  unsigned bNear = 0, bDown = 0;
  int q = 0;
  /* eight neighbours at a time; the keys' difference in 32-bit arithmetic is 1 only when
  ** the true difference is (the true one lies in -2^32 .. 2^32) */
  __m256i vUp = _mm256_set1_epi32(-1), vNear = _mm256_setzero_si256();
  const __m256i vOne = _mm256_set1_epi32(1);
  for (; q + 9 <= n; q += 8) {
    __m256i a0 = _mm256_loadu_si256((const __m256i *)(aQ + q));
    __m256i a1 = _mm256_loadu_si256((const __m256i *)(aQ + q + 1));
    vUp = _mm256_and_si256(vUp, _mm256_cmpgt_epi32(a1, a0));
    vNear = _mm256_or_si256(vNear, _mm256_cmpeq_epi32(_mm256_sub_epi32(a1, a0), vOne));
  }
  bDown = _mm256_movemask_epi8(vUp) != -1;
  bNear = _mm256_movemask_epi8(vNear) != 0;
  for (; q + 1 < n; q++) {
    int64_t d = (int64_t)aQ[q + 1] - aQ[q];
    bNear |= d == 1;
    bDown |= d <= 0;
  }
  /* only a band's count can leave the order wrong (a full count cannot, but if it did the
  ** insertion sort would still be right, and the caller would not count again forever) */
  if (bDown) return nBand ? ROBUST_COUNT_MISS : ROBUST_COUNT_DUP;
  return bNear ? ROBUST_COUNT_NEAR : ROBUST_COUNT_EXACT;
}
#endif

/* The band of unit positions a block of units k0 .. k0 + nLane - 1 is compared with:
** v0 .. v1 - 1; the units past v1 count as greater, those before v0 as smaller. */
static inline void robust_band(int n, int k0, int nLane, int nBand, int *pV0, int *pV1) {
  *pV0 = 0;
  *pV1 = n;
  if (nBand <= 0) return;
  if (k0 - nBand > 0) *pV0 = k0 - nBand;
  if (k0 + nLane + nBand < n) *pV1 = k0 + nLane + nBand;
}

/* The counts of a group, eight (AVX2) or sixteen (AVX-512) units at a time: a vector
** holds the floats of units k0 .. k0 + 7 (15), and every unit v of the group, broadcast,
** adds 1 to the lanes whose float it is >= to. No horizontal sums: after the pass over v
** the vector is the eight (sixteen) counts. Two accumulators halve the chain of adds. The
** lanes past n count garbage and are ignored; aF has room for them (nMaxGroup + 16). */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static int robust_rank_count_avx2(
    const int *aUnit, int n, const double *aTot, float *aF, int *aGe, int32_t *aQ,
    unsigned char *aSeen, int *aI, int *aRank, int nBand) {
  if (n <= 0) return ROBUST_COUNT_EXACT;
  int n8 = (n + 7) & ~7;
  for (int k = 0; k < n; k++) aF[k] = (float)aTot[aUnit[k]];
  for (int k = n; k < n8; k++) aF[k] = 0;
  for (int k0 = 0; k0 < n; k0 += 8) {
    int v, v1;
    robust_band(n, k0, 8, nBand, &v, &v1);
    __m256 vK = _mm256_loadu_ps(aF + k0);
    __m256i c0 = _mm256_set1_epi32(n - v1), c1 = _mm256_setzero_si256();
    for (; v + 2 <= v1; v += 2) {
      c0 = _mm256_sub_epi32(c0, _mm256_castps_si256(
                                    _mm256_cmp_ps(_mm256_set1_ps(aF[v]), vK, _CMP_GE_OQ)));
      c1 = _mm256_sub_epi32(c1, _mm256_castps_si256(
                                    _mm256_cmp_ps(_mm256_set1_ps(aF[v + 1]), vK, _CMP_GE_OQ)));
    }
    if (v < v1)
      c0 = _mm256_sub_epi32(c0, _mm256_castps_si256(
                                    _mm256_cmp_ps(_mm256_set1_ps(aF[v]), vK, _CMP_GE_OQ)));
    _mm256_storeu_si256((__m256i *)(aGe + k0), _mm256_add_epi32(c0, c1));
  }
  memset(aSeen, 0, (size_t)n);
  int nDup = 0;
  for (int k = 0; k < n; k++)
    nDup += robust_count_place(aUnit, k, n, aGe[k], aF, aQ, aSeen, aI, aRank);
  return robust_count_verdict(aQ, n, nDup, nBand);
}

__attribute__((target("avx512f"))) static int robust_rank_count_avx512(
    const int *aUnit, int n, const double *aTot, float *aF, int *aGe, int32_t *aQ,
    unsigned char *aSeen, int *aI, int *aRank, int nBand) {
  if (n <= 0) return ROBUST_COUNT_EXACT;
  int n16 = (n + 15) & ~15;
  for (int k = 0; k < n; k++) aF[k] = (float)aTot[aUnit[k]];
  for (int k = n; k < n16; k++) aF[k] = 0;
  const __m512i vOne = _mm512_set1_epi32(1);
  for (int k0 = 0; k0 < n; k0 += 16) {
    int v, v1;
    robust_band(n, k0, 16, nBand, &v, &v1);
    __m512 vK = _mm512_loadu_ps(aF + k0);
    __m512i c0 = _mm512_set1_epi32(n - v1), c1 = _mm512_setzero_si512();
    for (; v + 2 <= v1; v += 2) {
      /* lanes with aF[v] >= their float, i.e. their float <= aF[v] */
      c0 = _mm512_mask_add_epi32(c0, _mm512_cmp_ps_mask(vK, _mm512_set1_ps(aF[v]), _CMP_LE_OQ),
                                 c0, vOne);
      c1 = _mm512_mask_add_epi32(
          c1, _mm512_cmp_ps_mask(vK, _mm512_set1_ps(aF[v + 1]), _CMP_LE_OQ), c1, vOne);
    }
    if (v < v1)
      c0 = _mm512_mask_add_epi32(c0, _mm512_cmp_ps_mask(vK, _mm512_set1_ps(aF[v]), _CMP_LE_OQ),
                                 c0, vOne);
    _mm512_storeu_si512(aGe + k0, _mm512_add_epi32(c0, c1));
  }
  memset(aSeen, 0, (size_t)n);
  int nDup = 0;
  for (int k = 0; k < n; k++)
    nDup += robust_count_place(aUnit, k, n, aGe[k], aF, aQ, aSeen, aI, aRank);
  return robust_count_verdict(aQ, n, nDup, nBand);
}
#endif

/* A grade after the veto rules of the unit's flags f (FLAG_VETO: the lowest level;
** FLAG_VETO_TOP: not the top level). */
static inline int robust_veto(unsigned f, int iGrade, int nGrade) {
  if (f) {
    if (nGrade > 0 && (f & FLAG_VETO))
      iGrade = nGrade - 1;
    else if ((f & FLAG_VETO_TOP) && iGrade == 0 && nGrade > 1)
      iGrade = 1;
  }
  return iGrade;
}

/* Counts unit u's rank and grade in a draw. The counters come as values, not through a
** RobustCount pointer: stores through int pointers could change the struct's ints as far
** as the compiler knows, and it would load them again for every unit. */
static inline void robust_count_add(RobustCount c, int u, int iRank, int iGrade) {
  unsigned o = (unsigned)(iRank - c.aWinBase[u]);
  if (o < ROBUST_WIN)
    c.aWin[(size_t)u * ROBUST_WIN + o]++;
  else
    c.aHist[(size_t)u * c.nH + iRank]++;
  c.aGrade[(size_t)u * c.nG + (iGrade < 0 ? c.nG - 1 : iGrade)]++;
}

static void robust_rank_grade(const RobustPlan *p, RobustWork *w, const double *aTot,
                              int *aRank, int *aGrade, RobustCount *pC) {
  const RobustCount cnt = pC ? *pC : (RobustCount){0};
  const Scheme *pS = p->pS;
  /* ranks in each group: the engine's anchored runs of ties, best first */
  for (int g = 0; g < p->nGroup; g++) {
    /* The units in the official order, which is nearly this draw's order (the choices
    ** move totals a little): an insertion sort then costs n plus the number of units that
    ** changed places, where a full sort costs n log n. The ranks depend on the
    ** values only, never on the order a sort leaves equal values in (robust.h), so the
    ** starting order changes nothing but the time. */
    int *aOrd = w->aOrder + p->aGroupStart[g];
    int n = p->aGroupStart[g + 1] - p->aGroupStart[g];
    /* keys and units in two arrays (a move is two plain copies), the -inf sentinel at
    ** aKey[0] ends every walk down the list; x + 0.0 turns -0 into +0 and leaves every
    ** other total as it is */
    double *aK = w->aKey + 1;
    int *aI = w->aIdx + 1;
    int eCount = ROBUST_COUNT_DUP;
#if defined(__x86_64__) && defined(__GNUC__)
    /* over the band first, where the group is wider than it; in full when that missed */
    for (int nBand = n > 2 * p->nBand + 16 ? p->nBand : 0;; nBand = 0) {
      if (p->bAvx512)
        eCount = robust_rank_count_avx512(aOrd, n, aTot, w->aF, w->aGe, w->aQ, w->aSeen, aI,
                                          aRank, nBand);
      else if (p->bAvx2)
        eCount = robust_rank_count_avx2(aOrd, n, aTot, w->aF, w->aGe, w->aQ, w->aSeen, aI,
                                        aRank, nBand);
      if (eCount != ROBUST_COUNT_MISS) break;
    }
#endif
    for (int k = 0; k < n && eCount == ROBUST_COUNT_DUP; k++) {
      int u = aOrd[k];
      double r = aTot[u] + 0.0;
      int j = k - 1;
      while (aK[j] > r) {
        aK[j + 1] = aK[j];
        aI[j + 1] = aI[j];
        j--;
      }
      aK[j + 1] = r;
      aI[j + 1] = u;
    }

    const GradeLevel *aG = pS->aGrade;
    int nGrade = pS->nGrade, bScore = aGrade && !pS->bGradeByShare, k = 0;
    const double *aT = p->aThreshold;
    int bFlags = p->bAnyFlag;
    /* counted with no possible tie: the ranks are set, only the grades need the walk */
    int bRanked = eCount == ROBUST_COUNT_EXACT;
    if (!bRanked || bScore) {
      double rAnchor = 0;
      int iAnchor = 0;
      for (int q = 0; q < n; q++) {
        int iU = aI[n - 1 - q];
        double v = aTot[iU] + 0.0; /* aK[n - 1 - q] where the insertion sort made aK */
        if (!bRanked) {
          if (q == 0 || !robust_tie(v, rAnchor)) {
            rAnchor = v;
            iAnchor = q + 1;
          }
          aRank[iU] = iAnchor;
        }
        if (bScore) {
          /* grades by score: the first level whose threshold the total meets. "Meets" (v >=
          ** t or v ties t) holds for every v above one that meets it, so, walking the group
          ** best first, a level a unit misses is missed by every unit after it: the level
          ** index only moves down the list, one test per unit and level. A level without a
          ** threshold has -inf in aThreshold: every total meets it at the first test. */
          while (k < nGrade && !(v >= aT[k] || robust_tie(v, aT[k]))) k++;
          int iGrade = k < nGrade ? k : -1;
          if (bFlags) iGrade = robust_veto(p->aFlags[iU], iGrade, nGrade);
          aGrade[iU] = iGrade;
          /* counted here, while the unit is at hand (robust_job_run) */
          if (pC) robust_count_add(cnt, iU, bRanked ? q + 1 : iAnchor, iGrade);
        }
      }
    }
    if (!aGrade || bScore) continue;
    /* grades by share: [share] ranked r of n: the first level whose threshold >= r/n */
    for (int m = 0; m < n; m++) {
      int u = aOrd[m], iGrade = -1;
      double t = (double)aRank[u] / (double)n;
      for (int j = 0; j < nGrade && iGrade < 0; j++)
        if (!aG[j].bThreshold || aG[j].rThreshold >= t || robust_tie(aG[j].rThreshold, t))
          iGrade = j;
      iGrade = robust_veto(p->aFlags[u], iGrade, nGrade);
      aGrade[u] = iGrade;
      if (pC) robust_count_add(cnt, u, aRank[u], iGrade);
    }
  }
}

Scheme *robust_scheme_for_draw(const RobustPlan *p, const double *aU) {
  const Scheme *pS = p->pS;
  Scheme *pC = robust_scheme_copy(pS);
  double *aW = xmalloc_array((size_t)p->nNode + 1, sizeof(double));
  double *aSetSum = xmalloc_array((size_t)p->nSet + 1, sizeof(double));
  robust_weights(p, aU, aW, aSetSum);
  for (int i = 0; i < p->nNode; i++) {
    pC->aNode[i].rWeight = aW[i];
    if (!pC->aNode[i].bLeaf) pC->aNode[i].bWeightGiven = 1;
  }
  free(aW);
  free(aSetSum);
  for (int l = 0; l < p->nLeaf; l++) {
    int m = 0, k = 0;
    if (p->aMethodChoice[l] >= 0) {
      const RobustChoice *c = &p->pSpec->aChoice[p->aMethodChoice[l]];
      m = robust_option(c, aU[c->iDim]);
    }
    if (p->aMissChoice[l] >= 0) {
      const RobustChoice *c = &p->pSpec->aChoice[p->aMissChoice[l]];
      k = robust_option(c, aU[c->iDim]);
    }
    robust_apply_leaf(p, pC, l, m, k);
  }
  int eAgg = robust_agg(p, aU);
  if (eAgg == RAGG_POINTS && pS->eAggregation == AGGREGATION_INDEX) {
    pC->eAggregation = AGGREGATION_POINTS;
    pC->rTotal = pS->rScale;
  } else if ((eAgg == RAGG_ARITHMETIC || eAgg == RAGG_GEOMETRIC)) {
    Aggregate e = eAgg == RAGG_GEOMETRIC ? AGG_GEOMETRIC : AGG_ARITHMETIC;
    if (pS->eAggregation == AGGREGATION_POINTS) pC->rScale = pS->rTotal;
    pC->eAggregation = AGGREGATION_INDEX;
    pC->eTopAggregate = e;
    for (int i = 0; i < p->nNode; i++)
      if (!pC->aNode[i].bLeaf) pC->aNode[i].eAggregate = e;
  }
  return pC;
}

/* ---------------------------------------------------------------- the Monte Carlo run */

/* Draws are handed out in chunks of ROBUST_CHUNK from a shared counter, so that a thread
** whose core is taken by another process meanwhile holds up the end by one chunk at most
** (halves fixed in advance made the run wait for the slower half). Which thread scores a
** draw does not matter: a draw's numbers depend on (seed, draw) only, and the counts are
** integers added after the join. */
enum { ROBUST_CHUNK = 4 * ROBUST_BATCH };

typedef struct RobustJob {
  const RobustPlan *p;
  uint64_t iSeed;
  int nDraw;
  atomic_int *pNext;    /* the first draw of the next chunk (shared) */
  const int *aWinBase;  /* nUnit: the first rank of each unit's window */
  int *aWin;            /* nUnit x ROBUST_WIN: draws with each rank of the window */
  int *aHist;           /* nUnit x (nMaxGroup + 1): draws with each rank outside it */
  int *aGrade;          /* nUnit x (nGrade + 1) */
} RobustJob;

static void *robust_job_run(void *pArg) {
  RobustJob *j = pArg;
  const RobustPlan *p = j->p;
  RobustWork *w = robust_work_new(p);
  int nD = p->pSpec->nDim;
  double *aU = xmalloc_array((size_t)nD * ROBUST_BATCH + 1, sizeof(double));
  RobustCount count = {j->aWinBase, j->aWin, j->aHist, p->nMaxGroup + 1, j->aGrade,
                       p->nGrade + 1};
  for (;;) {
    int iChunk = atomic_fetch_add_explicit(j->pNext, ROBUST_CHUNK, memory_order_relaxed);
    if (iChunk >= j->nDraw) break;
    int iEnd = j->nDraw - iChunk < ROBUST_CHUNK ? j->nDraw : iChunk + ROBUST_CHUNK;
    for (int d0 = iChunk; d0 < iEnd; d0 += ROBUST_BATCH) {
      int nB = iEnd - d0 < ROBUST_BATCH ? iEnd - d0 : ROBUST_BATCH;
      for (int b = 0; b < nB; b++) {
        uint64_t hRow = rng_row(j->iSeed, (uint64_t)(d0 + b));
        for (int k = 0; k < nD; k++) aU[(size_t)b * nD + k] = rng_uniform_row(hRow, (uint64_t)k);
      }
      robust_eval_batch(p, nB, aU, w, NULL, w->aRank, w->aGrade, &count);
    }
  }
  free(aU);
  robust_work_free(w);
  return NULL;
}

/* The smallest rank r with count(rank <= r) * den >= num * nDraw (the num/den quantile). */
static int robust_quantile(const int *aHist, int nH, int nDraw, int num, int den) {
  long long nCum = 0;
  for (int r = 0; r < nH; r++) {
    nCum += aHist[r];
    if (nCum * den >= (long long)num * nDraw && nCum > 0) return r;
  }
  return nH - 1;
}

RobustResult *robust_run(const RobustPlan *p, int nDraw, uint64_t iSeed, int nThreads) {
  if (nDraw < 1) nDraw = 1;
  if (nDraw > ROBUST_MAX_DRAW) nDraw = ROBUST_MAX_DRAW; /* the chunk counter stays an int */
  if (nThreads < 1) nThreads = 1;
  if (nThreads > nDraw) nThreads = nDraw;
  if (nThreads > 1024) nThreads = 1024;
  int nH = p->nMaxGroup + 1, nG = p->nGrade + 1;
  size_t nHist = (size_t)p->nUnit * nH + 1, nGr = (size_t)p->nUnit * nG + 1;
  size_t nWin = (size_t)p->nUnit * ROBUST_WIN + 1;
  int *aWinBase = xmalloc_array((size_t)p->nUnit + 1, sizeof(int));
  for (int u = 0; u < p->nUnit; u++) {
    /* centred on the official rank, inside 0 .. nH - 1 where the table is wide enough */
    int b = p->pOfficial->aUnit[u].iRank - ROBUST_WIN / 2;
    if (b > nH - ROBUST_WIN) b = nH - ROBUST_WIN;
    aWinBase[u] = b < 0 ? 0 : b;
  }
  RobustJob *aJob = xcalloc((size_t)nThreads, sizeof(RobustJob));
  pthread_t *aTid = xcalloc((size_t)nThreads, sizeof(pthread_t));
  int *aStarted = xcalloc((size_t)nThreads, sizeof(int));
  atomic_int iNext;
  atomic_init(&iNext, 0);
  for (int t = 0; t < nThreads; t++) {
    RobustJob *j = &aJob[t];
    j->p = p;
    j->iSeed = iSeed;
    j->nDraw = nDraw;
    j->pNext = &iNext;
    j->aWinBase = aWinBase;
    j->aWin = xcalloc(nWin, sizeof(int));
    j->aHist = xcalloc(nHist, sizeof(int));
    j->aGrade = xcalloc(nGr, sizeof(int));
  }
  /* the calling thread runs job 0; a thread that cannot start runs its job here too */
  for (int t = 1; t < nThreads; t++)
    aStarted[t] = pthread_create(&aTid[t], NULL, robust_job_run, &aJob[t]) == 0;
  robust_job_run(&aJob[0]);
  for (int t = 1; t < nThreads; t++) {
    if (aStarted[t])
      pthread_join(aTid[t], NULL);
    else
      robust_job_run(&aJob[t]);
  }
  for (int t = 0; t < nThreads; t++) {
    for (int u = 0; u < p->nUnit; u++) {
      int *aH = aJob[0].aHist + (size_t)u * nH + aWinBase[u];
      const int *aW = aJob[t].aWin + (size_t)u * ROBUST_WIN;
      for (int k = 0; k < ROBUST_WIN && aWinBase[u] + k < nH; k++) aH[k] += aW[k];
    }
  }
  for (int t = 1; t < nThreads; t++) {
    for (size_t k = 0; k < nHist; k++)
      aJob[0].aHist[k] += aJob[t].aHist[k];
    for (size_t k = 0; k < nGr; k++)
      aJob[0].aGrade[k] += aJob[t].aGrade[k];
  }
  RobustResult *r = xcalloc(1, sizeof(RobustResult));
  r->nUnit = p->nUnit;
  r->nDraw = nDraw;
  r->nGrade = p->nGrade;
  r->nThread = nThreads;
  r->iSeed = iSeed;
  r->aUnit = xcalloc((size_t)p->nUnit + 1, sizeof(RobustUnit));
  for (int u = 0; u < p->nUnit; u++) {
    RobustUnit *pU = &r->aUnit[u];
    const int *aH = aJob[0].aHist + (size_t)u * nH;
    pU->iOfficial = p->pOfficial->aUnit[u].iRank;
    pU->iMedian = robust_quantile(aH, nH, nDraw, 1, 2);
    pU->iLo = robust_quantile(aH, nH, nDraw, 1, 20);
    pU->iHi = robust_quantile(aH, nH, nDraw, 19, 20);
    pU->bCertain = pU->iLo == pU->iHi;
    long long nSum = 0;
    for (int k = 0; k < nH; k++)
      nSum += (long long)k * aH[k];
    pU->rMeanRank = (double)nSum / nDraw;
    pU->aGradeProb = xmalloc_array((size_t)nG, sizeof(double));
    for (int g = 0; g < nG; g++)
      pU->aGradeProb[g] = (double)aJob[0].aGrade[(size_t)u * nG + g] / nDraw;
  }
  /* the sum of |rank - official| over draws and units, from the counts */
  long long nShift = 0;
  for (int u = 0; u < p->nUnit; u++) {
    const int *aH = aJob[0].aHist + (size_t)u * nH;
    int iOff = p->pOfficial->aUnit[u].iRank;
    for (int k = 0; k < nH; k++) nShift += (long long)aH[k] * (k < iOff ? iOff - k : k - iOff);
  }
  r->rMeanAbsShift = p->nUnit ? (double)nShift / nDraw / p->nUnit : 0;
  for (int t = 0; t < nThreads; t++) {
    free(aJob[t].aWin);
    free(aJob[t].aHist);
    free(aJob[t].aGrade);
  }
  free(aJob);
  free(aTid);
  free(aStarted);
  free(aWinBase);
  return r;
}

void robust_result_free(RobustResult *p) {
  if (!p) return;
  for (int u = 0; u < p->nUnit; u++)
    free(p->aUnit[u].aGradeProb);
  free(p->aUnit);
  free(p);
}

/* ---------------------------------------------------------------- JSON */

json_t *robust_method_json(const Scheme *pS, const RobustSpec *pSpec, int nDraw, uint64_t iSeed) {
  json_t *o = json_object();
  json_t *a = json_array();
  for (int k = 0; k < pSpec->nChoice; k++) {
    const RobustChoice *c = &pSpec->aChoice[k];
    json_t *j = json_object();
    static const char *const azKind[] = {"weights", "method", "missing", "aggregation"};
    json_object_set_new(j, "name", json_string(c->zName));
    json_object_set_new(j, "kind", json_string(azKind[c->eKind]));
    if (c->eKind == CHOICE_WEIGHTS) {
      json_object_set_new(j, "spread", json_real(c->rSpread));
      json_object_set_new(j, "weights", json_integer(c->nDim));
    } else {
      json_t *pOpt = json_array();
      for (int m = 0; m < c->nOption; m++) {
        int v = c->aOption[m];
        const char *z = "?";
        if (c->eKind == CHOICE_METHOD) z = scheme_method_name((Method)v);
        else if (c->eKind == CHOICE_MISSING) z = v < 0 ? "own" : azRobustMissing[v];
        else if (v == RAGG_OFFICIAL)
          z = pS->eAggregation == AGGREGATION_POINTS ? "points" : "index";
        else z = azRobustAgg[v];
        json_array_append_new(pOpt, json_string(z));
      }
      json_object_set_new(j, "options", pOpt);
    }
    json_array_append_new(a, j);
  }
  json_object_set_new(o, "choices", a);
  json_object_set_new(o, "default", json_boolean(pSpec->bDefault));
  json_object_set_new(o, "draws", json_integer(nDraw));
  json_object_set_new(o, "seed", json_integer((json_int_t)(iSeed & 0x7fffffffffffffffull)));
  json_t *pPct = json_array();
  json_array_append_new(pPct, json_integer(5));
  json_array_append_new(pPct, json_integer(95));
  json_object_set_new(o, "percentiles", pPct);
  json_object_set_new(o, "generator", json_string("splitmix64(seed, draw, dim)"));
  return o;
}

json_t *robust_unit_json(const Scheme *pS, const RobustUnit *pU) {
  json_t *o = json_object();
  json_object_set_new(o, "rank", json_integer(pU->iOfficial));
  json_t *a = json_array();
  json_array_append_new(a, json_integer(pU->iLo));
  json_array_append_new(a, json_integer(pU->iHi));
  json_object_set_new(o, "rank_interval", a);
  json_object_set_new(o, "median_rank", json_integer(pU->iMedian));
  json_object_set_new(o, "mean_rank", json_real(pU->rMeanRank));
  json_object_set_new(o, "rank_certain", json_boolean(pU->bCertain));
  json_t *g = json_object();
  for (int k = 0; k <= pS->nGrade; k++) {
    if (pU->aGradeProb[k] == 0) continue;
    json_object_set_new(g, k < pS->nGrade ? pS->aGrade[k].zLabel : "", json_real(pU->aGradeProb[k]));
  }
  json_object_set_new(o, "grade_probabilities", g);
  return o;
}

json_t *robust_plan_export(const RobustPlan *p) {
  const Scheme *pS = p->pS;
  if (pS->eAggregation != AGGREGATION_POINTS || pS->bGradeByShare) return NULL;
  for (int k = 0; k < p->pSpec->nChoice; k++)
    if (p->pSpec->aChoice[k].eKind != CHOICE_WEIGHTS) return NULL;
  json_t *o = json_object();
  json_object_set_new(o, "total", json_real(pS->rTotal));
  json_object_set_new(o, "spread",
                      json_real(p->iWeights >= 0 ? p->pSpec->aChoice[p->iWeights].rSpread : 0));
  json_object_set_new(o, "dims", json_integer(p->nPert));
  json_t *aDim = json_array(), *aW0 = json_array(), *aSh = json_array(), *aMk = json_array();
  for (int l = 0; l < p->nLeaf; l++) {
    if (!p->aWeighted[l]) continue;
    int iNode = pS->aLeafNode[l], iDim = -1;
    for (int k = 0; k < p->nPert; k++)
      if (p->aPert[k] == iNode) iDim = k;
    json_array_append_new(aDim, json_integer(iDim));
    json_array_append_new(aW0, json_real(p->aW0[iNode]));
    json_t *a = json_array(), *m = json_array();
    size_t off = (size_t)p->aComboStart[l] * (size_t)p->nUnit;
    for (int u = 0; u < p->nUnit; u++) {
      json_array_append_new(a, json_real(p->aShare[off + u]));
      json_array_append_new(m, json_integer(p->aMask[off + u] != 0));
    }
    json_array_append_new(aSh, a);
    json_array_append_new(aMk, m);
  }
  json_object_set_new(o, "leaf_dim", aDim);
  json_object_set_new(o, "leaf_w0", aW0);
  json_object_set_new(o, "shares", aSh);
  json_object_set_new(o, "masks", aMk);
  json_t *aSet = json_array(), *aDW = json_array(), *aSum = json_array();
  for (int k = 0; k < p->nPert; k++) {
    json_array_append_new(aSet, json_integer(p->aPertSet[k]));
    json_array_append_new(aDW, json_real(p->aW0[p->aPert[k]]));
  }
  for (int s = 0; s < p->nSet; s++)
    json_array_append_new(aSum, json_real(p->aSetSum[s]));
  json_object_set_new(o, "dim_set", aSet);
  json_object_set_new(o, "dim_w0", aDW);
  json_object_set_new(o, "set_sum0", aSum);
  json_t *aB = json_array(), *aD = json_array(), *aV = json_array(), *aG = json_array();
  json_t *aGS = json_array(), *aR = json_array();
  int *aGroupOf = xmalloc_array((size_t)p->nUnit + 1, sizeof(int));
  for (int g = 0; g < p->nGroup; g++)
    for (int k = p->aGroupStart[g]; k < p->aGroupStart[g + 1]; k++)
      aGroupOf[p->aMember[k]] = g;
  for (int u = 0; u < p->nUnit; u++) {
    json_array_append_new(aB, json_real(p->aBonus[u]));
    json_array_append_new(aD, json_real(p->aDeduct[u]));
    json_array_append_new(aV, json_integer(((p->aFlags[u] & FLAG_VETO) ? 1 : 0) |
                                           ((p->aFlags[u] & FLAG_VETO_TOP) ? 2 : 0)));
    json_array_append_new(aG, json_integer(aGroupOf[u]));
    json_array_append_new(aGS, json_integer(p->aGroupSize[u]));
    json_array_append_new(aR, json_integer(p->pOfficial->aUnit[u].iRank));
  }
  free(aGroupOf);
  json_object_set_new(o, "bonus", aB);
  json_object_set_new(o, "deduct", aD);
  json_object_set_new(o, "veto", aV);
  json_object_set_new(o, "group", aG);
  json_object_set_new(o, "group_size", aGS);
  json_object_set_new(o, "official_rank", aR);
  json_t *aT = json_array();
  for (int k = 0; k < pS->nGrade; k++)
    json_array_append_new(aT, pS->aGrade[k].bThreshold ? json_real(pS->aGrade[k].rThreshold)
                                                       : json_null());
  json_object_set_new(o, "grades", aT);
  return o;
}

/* ---------------------------------------------------------------- Sobol' indices */

typedef struct RobustSobolJob {
  const RobustPlan *p;
  uint64_t iSeed;
  int nBase, iFirst, iEnd;
  double *aY; /* (2 + k) blocks of (nUnit + 1) x nBase: A, B, AB_0 .. AB_k-1 */
} RobustSobolJob;

/* Output column o of matrix block b, row j. */
#define ROBUST_Y(pY, nOut, nBase, b, o, j) \
  ((pY)[((size_t)(b) * (size_t)(nOut) + (size_t)(o)) * (size_t)(nBase) + (size_t)(j)])

static void robust_sobol_outputs(const RobustPlan *p, const int *aRank, double *aY, int b, int j,
                                 int nBase) {
  int nOut = p->nUnit + 1;
  long long nShift = 0;
  for (int u = 0; u < p->nUnit; u++) {
    ROBUST_Y(aY, nOut, nBase, b, u, j) = aRank[u];
    int d = aRank[u] - p->pOfficial->aUnit[u].iRank;
    nShift += d < 0 ? -d : d;
  }
  ROBUST_Y(aY, nOut, nBase, b, p->nUnit, j) = p->nUnit ? (double)nShift / p->nUnit : 0;
}

static void *robust_sobol_job(void *pArg) {
  RobustSobolJob *s = pArg;
  const RobustPlan *p = s->p;
  const RobustSpec *sp = p->pSpec;
  int D = sp->nDim, k = sp->nChoice;
  RobustWork *w = robust_work_new(p);
  double *aA = xmalloc_array((size_t)D + 1, sizeof(double));
  double *aB = xmalloc_array((size_t)D + 1, sizeof(double));
  double *aAB = xmalloc_array((size_t)D + 1, sizeof(double));
  for (int j = s->iFirst; j < s->iEnd; j++) {
    for (int d = 0; d < D; d++) {
      aA[d] = sobol_sample(s->iSeed, (uint64_t)j, d, 2 * D);
      aB[d] = sobol_sample(s->iSeed, (uint64_t)j, D + d, 2 * D);
    }
    robust_eval(p, aA, w, NULL, w->aRank, NULL);
    robust_sobol_outputs(p, w->aRank, s->aY, 0, j, s->nBase);
    robust_eval(p, aB, w, NULL, w->aRank, NULL);
    robust_sobol_outputs(p, w->aRank, s->aY, 1, j, s->nBase);
    for (int i = 0; i < k; i++) {
      const RobustChoice *c = &sp->aChoice[i];
      memcpy(aAB, aA, sizeof(double) * (size_t)D);
      memcpy(aAB + c->iDim, aB + c->iDim, sizeof(double) * (size_t)c->nDim);
      robust_eval(p, aAB, w, NULL, w->aRank, NULL);
      robust_sobol_outputs(p, w->aRank, s->aY, 2 + i, j, s->nBase);
    }
  }
  free(aA);
  free(aB);
  free(aAB);
  robust_work_free(w);
  return NULL;
}

RobustSobol *robust_sobol(const RobustPlan *p, int nBase, uint64_t iSeed, int nBoot,
                          int nThreads) {
  const RobustSpec *sp = p->pSpec;
  int k = sp->nChoice, nOut = p->nUnit + 1;
  if (nBase < 2) nBase = 2;
  if (nThreads < 1) nThreads = 1;
  if (nThreads > nBase) nThreads = nBase;
  double *aY = xmalloc_array((size_t)(2 + k) * (size_t)nOut * (size_t)nBase, sizeof(double));
  RobustSobolJob *aJob = xcalloc((size_t)nThreads, sizeof(RobustSobolJob));
  pthread_t *aTid = xcalloc((size_t)nThreads, sizeof(pthread_t));
  int *aStarted = xcalloc((size_t)nThreads, sizeof(int));
  for (int t = 0; t < nThreads; t++) {
    aJob[t] = (RobustSobolJob){p, iSeed, nBase, (int)((long long)nBase * t / nThreads),
                               (int)((long long)nBase * (t + 1) / nThreads), aY};
  }
  for (int t = 1; t < nThreads; t++)
    aStarted[t] = pthread_create(&aTid[t], NULL, robust_sobol_job, &aJob[t]) == 0;
  robust_sobol_job(&aJob[0]);
  for (int t = 1; t < nThreads; t++) {
    if (aStarted[t])
      pthread_join(aTid[t], NULL);
    else
      robust_sobol_job(&aJob[t]);
  }
  RobustSobol *r = xcalloc(1, sizeof(RobustSobol));
  r->nChoice = k;
  r->nUnit = p->nUnit;
  r->nBase = nBase;
  r->nBoot = nBoot;
  size_t nIdx = (size_t)k * (size_t)nOut + 1;
  r->aS1 = xmalloc_array(nIdx, sizeof(double));
  r->aST = xmalloc_array(nIdx, sizeof(double));
  r->aS1Lo = xmalloc_array((size_t)k + 1, sizeof(double));
  r->aS1Hi = xmalloc_array((size_t)k + 1, sizeof(double));
  r->aSTLo = xmalloc_array((size_t)k + 1, sizeof(double));
  r->aSTHi = xmalloc_array((size_t)k + 1, sizeof(double));
  SobolIndex *aIdx = xmalloc_array((size_t)k + 1, sizeof(SobolIndex));
  double *aAB = xmalloc_array((size_t)k * (size_t)nBase + 1, sizeof(double));
  for (int o = 0; o < nOut; o++) {
    for (int i = 0; i < k; i++)
      memcpy(aAB + (size_t)i * nBase, &ROBUST_Y(aY, nOut, nBase, 2 + i, o, 0),
             sizeof(double) * (size_t)nBase);
    int bShift = o == p->nUnit;
    sobol_estimate(nBase, k, &ROBUST_Y(aY, nOut, nBase, 0, o, 0),
                   &ROBUST_Y(aY, nOut, nBase, 1, o, 0), aAB, bShift ? nBoot : 0, 0.1,
                   iSeed ^ 0xb007ull, aIdx);
    for (int i = 0; i < k; i++) {
      r->aS1[(size_t)i * nOut + o] = aIdx[i].rS1;
      r->aST[(size_t)i * nOut + o] = aIdx[i].rST;
      if (bShift) {
        r->aS1Lo[i] = aIdx[i].rS1Lo;
        r->aS1Hi[i] = aIdx[i].rS1Hi;
        r->aSTLo[i] = aIdx[i].rSTLo;
        r->aSTHi[i] = aIdx[i].rSTHi;
      }
    }
  }
  free(aIdx);
  free(aAB);
  free(aY);
  free(aJob);
  free(aTid);
  free(aStarted);
  return r;
}

void robust_sobol_free(RobustSobol *p) {
  if (!p) return;
  free(p->aS1);
  free(p->aST);
  free(p->aS1Lo);
  free(p->aS1Hi);
  free(p->aSTLo);
  free(p->aSTHi);
  free(p);
}

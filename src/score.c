/*
** score.c: the scoring engine (评分引擎) of score.h. Pure C: no I/O, no globals, no clock,
** no threads. Given a validated Scheme, a Period, the units and three value matrices, it
** computes every leaf's value, share, points, rank and flags, every category's value and
** points, and every unit's total, rank, grade and flags, exactly as SCORING.md says.
**
** What it is not for: reading files (cli/score_cmd.c), validating schemes (scheme.c),
** deriving the review (review.c: shortfalls, potential, 红榜/黑榜).
**
** NOTES ON THE DESIGN
**
** Every formula carries a tag naming its SCORING.md clause, "[S-M-COMPLETION]" and so
** on; docs/scoring-notes.md lists the tags, and tests/unit/test_score.c names the same tag
** beside the test of that clause (tests/cli/score.sh checks that each tag here is tested).
**
** The computation runs in three passes over the dense matrices:
**
**   1. per leaf (column): for each peer group the leaf applies to, the missing-data policy
**      gives each unit x, or "zero", or "excluded" [S-MISS-*]; the units with an x are
**      sorted ONCE (radix sort of (x, unit) pairs), which yields the competition ranks
**      [S-RANK-LEAF], min and max; mean and sd are one more pass. Then every unit's share
**      and points follow from its x and its group's statistics [S-M-*]. Cost per leaf:
**      O(n log n) in the group size, no allocation (scratch arrays are sized once).
**   2. per unit (row): points mode sums weighted leaves into W and base, and into each
**      ancestor category [S-AGG-POINTS]; index mode walks the nodes in reverse pre-order,
**      so each category aggregates children already computed [S-AGG-INDEX-*].
**   3. per peer group: ranks of totals [S-UNIT-RANK], then grades [S-GRADE-*].
**
** Invariants:
**   I1. Results do not depend on hash order, pointer values or an unstable sort: every
**       sort key ends with the unit index, and every sum runs in a fixed order (leaves in
**       scheme order; units in input order).
**   I2. NaN means "null" in every output field; the engine never yields +-Inf (inputs that
**       are infinite are data errors).
**   I3. A unit's leaf is in exactly one state: not applicable (all null, no flags),
**       excluded (value, share, points null; EXCLUDED), zero (value null, share 0 for a
**       weighted leaf, points 0 in points mode; MISSING), or valued (x known).
**   I4. Only valued units enter group statistics and ranks [S-MISS-STATS].
**   I5. Data errors do not stop the passes: all of them are collected, one line each
**       naming indicator and unit, and the result is then withheld (NULL).
**
** One tolerance: two numbers tie when they differ by at most 1e-9 of the larger magnitude
** (score_values_tie). Ranks use it with the first value of a run of ties as the run's
** anchor, so a chain a~b~c with a and c apart does not merge into one rank. Threshold tests
** (grades, bands, time progress) use it too, so arithmetic noise never changes a grade.
*/
#include "score.h"

#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/mem.h"
#include "util/text.h"

static const char *const azScoreFlag[FLAG__COUNT] = {"MISSING", "EXCLUDED", "IMPUTED", "CARRIED",
                                                     "BEHIND",  "VETO",     "VETO_TOP"};

const char *score_flag_name(unsigned bit) {
  for (int k = 0; k < FLAG__COUNT; k++) {
    if (bit == (1u << k)) return azScoreFlag[k];
  }
  return NULL;
}

int score_values_tie(double a, double b) {
  if (a == b) return 1;
  double m = fmax(fabs(a), fabs(b));
  return fabs(a - b) <= 1e-9 * m;
}

/* "v meets threshold t" for a test v >= t, with the tie tolerance. */
static int score_at_least(double v, double t) {
  return v >= t || score_values_tie(v, t);
}

static double score_clamp(double v, double a, double b) {
  return fmin(fmax(v, a), b);
}

/* A value and the unit (or any index) it belongs to, for sorting. */
typedef struct ScorePair {
  double r;
  int i;
} ScorePair;

/* A double's order-preserving key: unsigned comparison of keys orders the doubles
** (negative ones have every bit flipped, positive ones the sign bit set). -0 must not reach
** here (callers store +0), so that key order agrees with < and ==. */
static inline uint64_t score_key(double r) {
  uint64_t k;
  memcpy(&k, &r, sizeof k);
  return (k >> 63) ? ~k : k | 0x8000000000000000ull;
}

/* Stable LSD radix sort of n 64-bit integers by their high 32 bits, one byte per pass; a
** byte that is the same in every integer costs no pass (the exponent of values of one
** magnitude, typically). Returns a or aTmp, whichever holds the result. */
static uint64_t *score_radix_hi(uint64_t *a, uint64_t *aTmp, int n) {
  uint32_t aCount[4][256];
  memset(aCount, 0, sizeof aCount);
  for (int i = 0; i < n; i++) {
    uint32_t k = (uint32_t)(a[i] >> 32);
    aCount[0][k & 255]++;
    aCount[1][(k >> 8) & 255]++;
    aCount[2][(k >> 16) & 255]++;
    aCount[3][k >> 24]++;
  }
  /* counts -> starting offsets, the four running sums interleaved so that they do not
  ** wait on one another */
  uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int c = 0; c < 256; c++) {
    uint32_t c0 = aCount[0][c], c1 = aCount[1][c], c2 = aCount[2][c], c3 = aCount[3][c];
    aCount[0][c] = s0;
    aCount[1][c] = s1;
    aCount[2][c] = s2;
    aCount[3][c] = s3;
    s0 += c0;
    s1 += c1;
    s2 += c2;
    s3 += c3;
  }
  uint64_t *pSrc = a, *pDst = aTmp;
  uint32_t k0 = (uint32_t)(a[0] >> 32);
  for (int d = 0; d < 4; d++) {
    int iShift = 32 + 8 * d;
    uint32_t *aOfs = aCount[d];
    /* a constant byte: every integer's byte is k0's, whose bucket starts at 0 and whose
    ** successor starts at n (or there is no successor) */
    uint32_t c = (k0 >> (8 * d)) & 255;
    if (aOfs[c] == 0 && (c == 255 || aOfs[c + 1] == (uint32_t)n)) continue;
    for (int i = 0; i < n; i++)
      pDst[aOfs[(pSrc[i] >> iShift) & 255]++] = pSrc[i];
    uint64_t *t = pSrc;
    pSrc = pDst;
    pDst = t;
  }
  return pSrc;
}

/* Sorts n pairs ascending by (r, i); aTmp (n pairs) and aKey, aKey2 (n each) are scratch.
** This runs once per leaf per peer group, so it is the engine's hottest loop, and a
** comparison sort on random doubles spends its time in mispredicted branches. Instead,
** in O(n) whatever the data (a merge sort below 250 pairs won on random doubles but lost
** on the benchmark's figures, where repeated values make whole radix passes free):
**   1. each pair becomes one 64-bit integer: the high half of its key above its position
**      (pairs come in index order, so position order is index order);
**   2. a radix sort by the high halves; being stable, it keeps positions ascending among
**      equal halves;
**   3. each run of equal high halves (values that agree in sign, exponent and the first
**      20 bits of the mantissa) is ordered by the low halves: by insertion when short, by
**      a second radix sort when long, so that no input can make this quadratic. A run of
**      one value repeated (ties) is left in position order by either;
**   4. the pairs are permuted into that order. */
static void score_sort_pairs(ScorePair *a, int n, ScorePair *aTmp, uint64_t *aKey,
                             uint64_t *aKey2) {
  if (n < 2) return;
  for (int i = 0; i < n; i++)
    aKey[i] = (score_key(a[i].r) & 0xFFFFFFFF00000000ull) | (uint32_t)i;
  uint64_t *p = score_radix_hi(aKey, aKey2, n);
  uint64_t *q = p == aKey ? aKey2 : aKey;
  for (int i0 = 0; i0 < n;) {
    int i1 = i0 + 1;
    while (i1 < n && (p[i1] >> 32) == (p[i0] >> 32))
      i1++;
    int k = i1 - i0;
    if (k >= 2) {
      /* the run's integers become (low half of the key, position) */
      for (int j = i0; j < i1; j++) {
        uint32_t iPos = (uint32_t)p[j];
        p[j] = score_key(a[iPos].r) << 32 | iPos;
      }
      if (k <= 16) {
        for (int j = i0 + 1; j < i1; j++) {
          uint64_t v = p[j];
          int m = j;
          while (m > i0 && p[m - 1] > v) { /* distinct positions: never equal */
            p[m] = p[m - 1];
            m--;
          }
          p[m] = v;
        }
      } else {
        uint64_t *pRun = score_radix_hi(p + i0, q + i0, k);
        if (pRun != p + i0) memcpy(p + i0, pRun, sizeof(uint64_t) * (size_t)k);
      }
    }
    i0 = i1;
  }
  for (int i = 0; i < n; i++)
    aTmp[i] = a[(uint32_t)p[i]];
  memcpy(a, aTmp, sizeof(ScorePair) * (size_t)n);
}

/* [S-RANK-COMP] Competition ranks of n pairs already sorted ascending: best first is
** from the end unless bLower. aRank[k] receives the rank of aPair[k]. A run of ties takes
** the rank of its first (best) member; the next distinct value takes its position. */
static void score_rank_sorted(const ScorePair *aPair, int n, int bLower, int *aRank) {
  double rAnchor = 0;
  int iAnchorRank = 0;
  for (int p = 0; p < n; p++) {
    int k = bLower ? p : n - 1 - p;
    if (p > 0 && score_values_tie(aPair[k].r, rAnchor)) {
      aRank[k] = iAnchorRank;
    } else {
      rAnchor = aPair[k].r;
      iAnchorRank = p + 1;
      aRank[k] = iAnchorRank;
    }
  }
}

void score_competition_rank(const double *aValue, int n, int bLower, int *aRank) {
  if (n <= 0) return;
  ScorePair *aPair = xmalloc_array((size_t)n, sizeof(ScorePair));
  int *aPos = xmalloc_array((size_t)n, sizeof(int));
  int m = 0;
  for (int i = 0; i < n; i++) {
    aRank[i] = 0;
    if (isnan(aValue[i])) continue;
    aPair[m].r = aValue[i] == 0 ? 0 : aValue[i]; /* -0 as +0 (score_key) */
    aPair[m].i = i;
    m++;
  }
  ScorePair *aTmp = xmalloc_array((size_t)n, sizeof(ScorePair));
  uint64_t *aKey = xmalloc_array((size_t)n, sizeof(uint64_t));
  uint64_t *aKey2 = xmalloc_array((size_t)n, sizeof(uint64_t));
  score_sort_pairs(aPair, m, aTmp, aKey, aKey2);
  free(aTmp);
  free(aKey);
  free(aKey2);
  score_rank_sorted(aPair, m, bLower, aPos);
  for (int k = 0; k < m; k++)
    aRank[aPair[k].i] = aPos[k];
  free(aPair);
  free(aPos);
}

/* Leaf states of invariant I3. */
enum { ST_NA = 0, ST_EXCLUDED, ST_ZERO, ST_VALUED };

/* Statistics of one leaf over one peer group's valued units. */
typedef struct ScoreGroupStat {
  int bApplies; /* the leaf applies to this group */
  int nPresent; /* units with an original (not imputed) value */
  double rSum;  /* sum of the original values, input order */
  int n;        /* valued units (after imputation) */
  double rMin, rMax, rMean, rSd;
  int bFlat; /* max and min tie: every valued unit has the same value on paper */
} ScoreGroupStat;

/* The working state of one score_compute call: every scratch array is allocated here
** once, so the passes allocate nothing. */
typedef struct ScoreRun {
  const ScoreInput *pIn;
  const Scheme *pS;
  ScoreResult *pRes;
  int nUnit, nLeaf, nNode;
  int nGroup;
  int *aGid;                /* nUnit: group id of each unit */
  int *aGroupStart;         /* nGroup+1: members of group g are aMember[aGroupStart[g]..] */
  int *aMember;             /* nUnit: unit indices by group, input order within a group */
  const char **azGroupName; /* nGroup */
  int *aGroupSize;          /* nGroup */
  ScoreGroupStat *aStat;    /* nGroup, reset per leaf */
  /* Pass 1 works on a block of up to SCORE_BLOCK leaves at a time, gathered from the
  ** row-major inputs into contiguous columns (index b * nUnit + u) and scattered back into
  ** the row-major result once: walking a row-major matrix column by column touches a new
  ** cache line at every unit, and pass 1 reads and writes each leaf's column several
  ** times. A block of 8 doubles is one cache line of an input row. */
  double *aColX, *aColT, *aColP; /* values, targets, previous values */
  LeafScore *aColOut;            /* results */
  unsigned char *aColState;      /* I3 states */
  ScorePair *aPair, *aPairTmp;   /* nUnit each: sort input and scratch */
  uint64_t *aKey, *aKey2;        /* nUnit each: sort keys */
  int *aPos;                     /* nUnit */
  double *aNodeA, *aNodeB;       /* nNode accumulators, per unit */
  unsigned char *aNodeAny;       /* nNode */
  unsigned char *aWeighted;      /* nLeaf: scheme_method_weighted, looked up once */
  double rTp;                    /* time progress of the period, scheme basis */
  Buf err;
  int nErr;
} ScoreRun;

static void score_err(ScoreRun *r, int iLeaf, int iUnit, const char *zFmt, ...)
    __attribute__((format(printf, 4, 5)));
static void score_err(ScoreRun *r, int iLeaf, int iUnit, const char *zFmt, ...) {
  const SchemeNode *pN = &r->pS->aNode[r->pS->aLeafNode[iLeaf]];
  buf_printf(&r->err, "indicator %s, unit %s: ", pN->zCode, r->pIn->azUnit[iUnit]);
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(&r->err, zFmt, ap);
  va_end(ap);
  buf_putc(&r->err, '\n');
  r->nErr++;
}

/* FNV-1a: only to find equal group names quickly; ids never depend on it. */
static unsigned score_hash(const char *z) {
  unsigned h = 2166136261u;
  for (; *z; z++)
    h = (h ^ (unsigned char)*z) * 16777619u;
  return h;
}

/* Peer groups: ids in order of first appearance (a hash table finds a name's id), then a
** counting sort by id lists each group's members contiguously, in input order. */
static void score_build_groups(ScoreRun *r) {
  int n = r->nUnit;
  size_t nSlot = 16;
  while (nSlot < 2 * (size_t)n)
    nSlot *= 2;
  int *aSlot = xmalloc_array(nSlot, sizeof(int)); /* group id + 1, 0 = empty */
  memset(aSlot, 0, nSlot * sizeof(int));
  r->aGid = xmalloc_array((size_t)(n ? n : 1), sizeof(int));
  r->azGroupName = xmalloc_array((size_t)(n ? n : 1), sizeof(char *));
  r->nGroup = 0;
  for (int u = 0; u < n; u++) {
    const char *z = r->pIn->azGroup[u];
    size_t k = score_hash(z) & (nSlot - 1);
    while (aSlot[k] && strcmp(r->azGroupName[aSlot[k] - 1], z) != 0)
      k = (k + 1) & (nSlot - 1);
    if (!aSlot[k]) {
      r->azGroupName[r->nGroup] = z;
      aSlot[k] = ++r->nGroup;
    }
    r->aGid[u] = aSlot[k] - 1;
  }
  free(aSlot);
  r->aGroupSize = xcalloc((size_t)r->nGroup + 1, sizeof(int));
  r->aGroupStart = xmalloc_array((size_t)r->nGroup + 1, sizeof(int));
  r->aMember = xmalloc_array((size_t)(n ? n : 1), sizeof(int));
  for (int u = 0; u < n; u++)
    r->aGroupSize[r->aGid[u]]++;
  r->aGroupStart[0] = 0;
  for (int g = 0; g < r->nGroup; g++)
    r->aGroupStart[g + 1] = r->aGroupStart[g] + r->aGroupSize[g];
  int *aFill = xmalloc_array((size_t)r->nGroup + 1, sizeof(int));
  memcpy(aFill, r->aGroupStart, sizeof(int) * (size_t)(r->nGroup + 1));
  for (int u = 0; u < n; u++)
    r->aMember[aFill[r->aGid[u]]++] = u;
  free(aFill);
}

/* Rank direction of a leaf [S-RANK-LEAF]: events of deduct, veto and veto_top rank
** better when fewer, bonus events when more; every other method follows `direction`. */
static int score_rank_lower(const SchemeNode *pN) {
  switch (pN->eMethod) {
  case METHOD_DEDUCT:
  case METHOD_VETO:
  case METHOD_VETO_TOP:
    return 1;
  case METHOD_BONUS:
    return 0;
  default:
    return pN->bLower;
  }
}

/* Reads a target for a unit whose share must be computed: completion and timeprogress
** divide by it, so it must exist and be > 0. Returns NaN after reporting otherwise. */
static double score_target(ScoreRun *r, int iLeaf, int b, int u) {
  double t = r->pIn->aTarget ? r->aColT[(size_t)b * r->nUnit + u] : NAN;
  const SchemeNode *pN = &r->pS->aNode[r->pS->aLeafNode[iLeaf]];
  if (isnan(t)) {
    score_err(r, iLeaf, u, "target is missing (%s needs a target > 0)",
              scheme_method_name(pN->eMethod));
    return NAN;
  }
  if (!(t > 0) || isinf(t)) {
    score_err(r, iLeaf, u, "target %g is not > 0 (%s divides by it)", t,
              scheme_method_name(pN->eMethod));
    return NAN;
  }
  return t;
}

/* Leaves per block of pass 1 (see aColX). */
#define SCORE_BLOCK 8

/* Copies the columns l0 .. l0+nB-1 of the input matrices into aColX/T/P. Each unit's
** row segment is contiguous, so this reads each input cache line once. */
static void score_block_gather(ScoreRun *r, int l0, int nB) {
  const ScoreInput *pIn = r->pIn;
  size_t nU = (size_t)r->nUnit, nL = (size_t)r->nLeaf;
  int bTarget = 0, bPrevious = 0; /* does a leaf of the block read targets, previous values? */
  for (int b = 0; b < nB; b++) {
    const SchemeNode *pN = &r->pS->aNode[r->pS->aLeafNode[l0 + b]];
    bTarget |= scheme_method_needs_target(pN->eMethod);
    bPrevious |= pN->eMissing == MISSING_CARRY;
  }
  for (size_t u = 0; u < nU; u++) {
    const double *pV = pIn->aValue ? pIn->aValue + u * nL + (size_t)l0 : NULL;
    const double *pT = pIn->aTarget && bTarget ? pIn->aTarget + u * nL + (size_t)l0 : NULL;
    const double *pP = pIn->aPrevious && bPrevious ? pIn->aPrevious + u * nL + (size_t)l0 : NULL;
    for (int b = 0; b < nB; b++) {
      r->aColX[(size_t)b * nU + u] = pV ? pV[b] : NAN;
      if (pT) r->aColT[(size_t)b * nU + u] = pT[b];
      if (pP) r->aColP[(size_t)b * nU + u] = pP[b];
    }
  }
}

/* Writes the block's results into the row-major result matrix. */
static void score_block_scatter(ScoreRun *r, int l0, int nB) {
  size_t nU = (size_t)r->nUnit, nL = (size_t)r->nLeaf;
  for (size_t u = 0; u < nU; u++) {
    LeafScore *pRow = r->pRes->aLeaf + u * nL + (size_t)l0;
    for (int b = 0; b < nB; b++)
      pRow[b] = r->aColOut[(size_t)b * nU + u];
  }
}

/* Pass 1a: the missing-data policy of one leaf for every unit, and the valued units'
** group statistics (sorted once per group). */
static void score_leaf_values(ScoreRun *r, int iLeaf, int b) {
  const Scheme *pS = r->pS;
  const ScoreInput *pIn = r->pIn;
  const SchemeNode *pN = &pS->aNode[pS->aLeafNode[iLeaf]];
  const double *aX = r->aColX + (size_t)b * r->nUnit;
  LeafScore *aL = r->aColOut + (size_t)b * r->nUnit;
  unsigned char *aState = r->aColState + (size_t)b * r->nUnit;

  for (int g = 0; g < r->nGroup; g++) {
    ScoreGroupStat *st = &r->aStat[g];
    memset(st, 0, sizeof *st);
    st->bApplies = scheme_leaf_applies(pS, pS->aLeafNode[iLeaf], r->azGroupName[g]);
  }
  /* [S-MISS-GROUP-MEAN] the group's present values, summed in input order. */
  for (int u = 0; pN->eMissing == MISSING_GROUP_MEAN && u < r->nUnit; u++) {
    ScoreGroupStat *st = &r->aStat[r->aGid[u]];
    double x = aX[u];
    if (st->bApplies && !isnan(x) && isfinite(x)) {
      st->rSum += x;
      st->nPresent++;
    }
  }
  for (int u = 0; u < r->nUnit; u++) {
    LeafScore *pL = &aL[u];
    ScoreGroupStat *st = &r->aStat[r->aGid[u]];
    pL->rValue = pL->rShare = pL->rPoints = NAN;
    pL->iRank = 0;
    pL->flags = 0;
    if (!st->bApplies) {
      aState[u] = ST_NA;
      continue;
    }
    double x = aX[u];
    unsigned char eState = ST_VALUED;
    if (isnan(x)) {
      switch (pN->eMissing) {
      case MISSING_ZERO: /* [S-MISS-ZERO] s = 0, flag MISSING */
        eState = ST_ZERO;
        break;
      case MISSING_EXCLUDE: /* [S-MISS-EXCLUDE] dropped for the unit, flag EXCLUDED */
        eState = ST_EXCLUDED;
        pL->flags |= FLAG_EXCLUDED;
        break;
      case MISSING_GROUP_MEAN: /* [S-MISS-GROUP-MEAN] mean of present values, or as zero */
        if (st->nPresent > 0) {
          x = st->rSum / st->nPresent;
          pL->flags |= FLAG_IMPUTED;
        } else {
          eState = ST_ZERO;
        }
        break;
      case MISSING_CARRY: /* [S-MISS-CARRY] previous period's value, or as zero */
        x = pIn->aPrevious ? r->aColP[(size_t)b * r->nUnit + u] : NAN;
        if (!isnan(x))
          pL->flags |= FLAG_CARRIED;
        else
          eState = ST_ZERO;
        break;
      }
      if (eState == ST_ZERO) pL->flags |= FLAG_MISSING;
    }
    if (eState == ST_VALUED && !isfinite(x)) {
      score_err(r, iLeaf, u, "value is not a finite number");
      eState = ST_ZERO; /* keeps the passes going; the result is withheld anyway (I5) */
    }
    aState[u] = eState;
    if (eState == ST_VALUED) pL->rValue = x;
  }
  /* [S-MISS-STATS] statistics and ranks over the valued units of each group. */
  int bRankLower = score_rank_lower(pN);
  for (int g = 0; g < r->nGroup; g++) {
    ScoreGroupStat *st = &r->aStat[g];
    if (!st->bApplies) continue;
    int n = 0;
    double rSum = 0;
    for (int k = r->aGroupStart[g]; k < r->aGroupStart[g + 1]; k++) {
      int u = r->aMember[k];
      if (aState[u] != ST_VALUED) continue;
      r->aPair[n].r = aL[u].rValue == 0 ? 0 : aL[u].rValue; /* -0 as +0 (score_key) */
      r->aPair[n].i = u;
      rSum += r->aPair[n].r;
      n++;
    }
    st->n = n;
    if (n == 0) continue;
    st->rMean = rSum / n;
    if (pN->eMethod == METHOD_ZSCORE && n >= 2) {
      /* [S-M-ZSCORE] sample sd (n - 1), two-pass in input order for accuracy. */
      double rSq = 0;
      for (int k = 0; k < n; k++) {
        double d = r->aPair[k].r - st->rMean;
        rSq += d * d;
      }
      st->rSd = sqrt(rSq / (n - 1));
    }
    score_sort_pairs(r->aPair, n, r->aPairTmp, r->aKey, r->aKey2);
    st->rMin = r->aPair[0].r;
    st->rMax = r->aPair[n - 1].r;
    /* "max = min", "good = bad" (from the group) and "sd = 0" are tested with the tie
    ** tolerance, like every other equality of the engine: a group_mean of three 12.3s is
    ** 12.300000000000002, and an exact test would score that ulp as the whole range,
    ** giving the units that reported 0 and the imputed one 1 (tests/reference/FINDINGS.md
    ** F1). */
    st->bFlat = score_values_tie(st->rMin, st->rMax);
    if (st->bFlat) st->rSd = 0;
    score_rank_sorted(r->aPair, n, bRankLower, r->aPos);
    for (int k = 0; k < n; k++)
      aL[r->aPair[k].i].iRank = r->aPos[k];
  }
}

/* Pass 1b: share, points and flags of one leaf for every unit, in input order (so that
** data errors come out in the order of the units file). */
static void score_leaf_shares(ScoreRun *r, int iLeaf, int b) {
  const Scheme *pS = r->pS;
  const SchemeNode *pN = &pS->aNode[pS->aLeafNode[iLeaf]];
  const MethodParams *m = &pN->params;
  LeafScore *aL = r->aColOut + (size_t)b * r->nUnit;
  const unsigned char *aState = r->aColState + (size_t)b * r->nUnit;
  int bPoints = pS->eAggregation == AGGREGATION_POINTS;
  int bWeighted = scheme_method_weighted(pN->eMethod);
  double w = pN->rWeight;

  for (int u = 0; u < r->nUnit; u++) {
    LeafScore *pL = &aL[u];
    UnitScore *pU = &r->pRes->aUnit[u];
    const ScoreGroupStat *st = &r->aStat[r->aGid[u]];
    int eState = aState[u];
    if (eState == ST_NA || eState == ST_EXCLUDED) continue; /* [S-NULLS-EXCL] */
    if (eState == ST_ZERO) {
      /* [S-MISS-ZERO] a weighted leaf scores s = 0; an event leaf counts no event. */
      if (bWeighted) pL->rShare = 0;
      pL->rPoints = bPoints ? 0 : NAN;
      continue;
    }
    double x = pL->rValue;
    double s = NAN;
    switch (pN->eMethod) {
    case METHOD_COMPLETION: { /* [S-M-COMPLETION] */
      double t = score_target(r, iLeaf, b, u);
      if (isnan(t)) break;
      double rr;
      if (!pN->bLower)
        rr = x / t;
      else
        rr = x <= 0 ? m->rCap : t / x;
      s = score_clamp(rr / m->rFullAt, 0, m->rCap);
      break;
    }
    case METHOD_RANK: { /* [S-M-RANK] */
      if (st->n == 1) {
        s = 1;
        break;
      }
      double rStep = m->bStep ? m->rStep : (1 - m->rMinShare) / (st->n - 1);
      s = fmax(m->rMinShare, 1 - rStep * (pL->iRank - 1));
      break;
    }
    case METHOD_EFFICACY: { /* [S-M-EFFICACY] best = max, worst = min; lower: reversed */
      double rGood = m->bGood ? m->rGood : (pN->bLower ? st->rMin : st->rMax);
      double rBad = m->bBad ? m->rBad : (pN->bLower ? st->rMax : st->rMin);
      double d = score_values_tie(rGood, rBad) ? 1 : score_clamp((x - rBad) / (rGood - rBad), 0, 1);
      s = m->rBase + (1 - m->rBase) * d;
      break;
    }
    case METHOD_MINMAX: { /* [S-M-MINMAX] */
      if (st->bFlat)
        s = 1;
      else if (!pN->bLower)
        s = (x - st->rMin) / (st->rMax - st->rMin);
      else
        s = (st->rMax - x) / (st->rMax - st->rMin);
      break;
    }
    case METHOD_ZSCORE: { /* [S-M-ZSCORE] n < 2 or sd = 0 -> 0; lower: -z */
      if (st->n < 2 || st->rSd == 0)
        s = 0;
      else
        s = (x - st->rMean) / st->rSd;
      if (pN->bLower && s != 0) s = -s;
      break;
    }
    case METHOD_GOALPOST: { /* [S-M-GOALPOST] */
      double fx = x, fLo = m->rLo, fHi = m->rHi;
      if (m->bLn) {
        if (!(x > 0)) {
          score_err(r, iLeaf, u, "value %g is not > 0, which transform ln needs", x);
          break;
        }
        fx = log(x);
        fLo = log(m->rLo);
        fHi = log(m->rHi);
      }
      double d = (fx - fLo) / (fHi - fLo);
      if (pN->bLower) d = 1 - d;
      s = m->bClamp ? score_clamp(d, 0, 1) : d;
      break;
    }
    case METHOD_BANDS: { /* [S-M-BANDS] */
      int iBest = -1;
      for (int k = 0; k < m->nBand; k++) {
        double rT = m->aBand[k].rThreshold;
        if (!pN->bLower) {
          /* the largest threshold <= x */
          if (score_at_least(x, rT) && (iBest < 0 || rT > m->aBand[iBest].rThreshold)) iBest = k;
        } else {
          /* the smallest threshold >= x */
          if (score_at_least(rT, x) && (iBest < 0 || rT < m->aBand[iBest].rThreshold)) iBest = k;
        }
      }
      s = iBest < 0 ? 0 : m->aBand[iBest].rShare;
      break;
    }
    case METHOD_TIMEPROGRESS: { /* [S-M-TIMEPROGRESS] */
      double t = score_target(r, iLeaf, b, u);
      if (isnan(t)) break;
      double tp = m->bTp ? m->rTp : r->rTp;
      double rr = x / t;
      if (score_at_least(rr, tp)) {
        s = 1;
      } else {
        s = score_clamp(rr / tp, 0, 1);
        pL->flags |= FLAG_BEHIND;
      }
      break;
    }
    case METHOD_MANUAL: { /* [S-M-MANUAL] 0 <= x <= w; s = x/w */
      if (x < 0 || (x > w && !score_values_tie(x, w))) {
        score_err(r, iLeaf, u, "manual points %g are outside [0, %g] (the weight)", x, w);
        break;
      }
      s = x / w;
      break;
    }
    case METHOD_DEDUCT:
    case METHOD_BONUS: { /* [S-M-DEDUCT] [S-M-BONUS] points = -/+ min(cap, per_event x) */
      if (x < 0) {
        score_err(r, iLeaf, u, "%s counts events: %g is negative", scheme_method_name(pN->eMethod),
                  x);
        break;
      }
      double rAmount = fmin(m->rCap, m->rPerEvent * x);
      if (pN->eMethod == METHOD_DEDUCT) {
        pU->rDeduct += rAmount;
        pL->rPoints = bPoints ? (rAmount == 0 ? 0 : -rAmount) : NAN; /* [S-NULLS-DEDUCT] */
      } else {
        pU->rBonus += rAmount;
        pL->rPoints = bPoints ? rAmount : NAN;
      }
      continue; /* share stays null */
    }
    case METHOD_VETO:
    case METHOD_VETO_TOP: { /* [S-M-VETO] [S-M-VETO-TOP] x > 0 raises the flag; points 0 */
      if (x < 0) {
        score_err(r, iLeaf, u, "%s counts events: %g is negative", scheme_method_name(pN->eMethod),
                  x);
        break;
      }
      if (x > 0) {
        unsigned f = pN->eMethod == METHOD_VETO ? FLAG_VETO : FLAG_VETO_TOP;
        pL->flags |= f;
        pU->flags |= f; /* [S-UNIT-FLAGS] */
      }
      pL->rPoints = bPoints ? 0 : NAN; /* [S-NULLS-VETO] */
      continue;
    }
    case METHOD__COUNT:
      break;
    }
    if (isnan(s)) continue; /* a data error was reported */
    pL->rShare = s;
    /* [S-AGG-POINTS] a weighted leaf earns w s; [S-NULLS-INDEX] no points in index mode */
    pL->rPoints = bPoints ? w * s : NAN;
  }
}

/* Pass 2, points mode, one unit [S-AGG-POINTS] [S-AGG-RESCALE] [S-AGG-CAT-POINTS]. */
static void score_unit_points(ScoreRun *r, int u) {
  const Scheme *pS = r->pS;
  int nL = r->nLeaf;
  double *aPts = r->aNodeA, *aW = r->aNodeB;
  memset(aPts, 0, sizeof(double) * (size_t)r->nNode);
  memset(aW, 0, sizeof(double) * (size_t)r->nNode);
  memset(r->aNodeAny, 0, (size_t)r->nNode);
  double rBase = 0, rW = 0;
  for (int l = 0; l < nL; l++) {
    int iNode = pS->aLeafNode[l];
    const SchemeNode *pN = &pS->aNode[iNode];
    const LeafScore *pL = &r->pRes->aLeaf[(size_t)u * nL + l];
    /* applicable, not excluded, scored: the leaf's points and weight enter the sums */
    if (!r->aWeighted[l] || isnan(pL->rPoints)) continue;
    rBase += pL->rPoints;
    rW += pN->rWeight;
    for (int k = pN->iParent; k >= 0; k = pS->aNode[k].iParent) {
      aPts[k] += pL->rPoints;
      aW[k] += pN->rWeight;
      r->aNodeAny[k] = 1;
    }
  }
  UnitScore *pU = &r->pRes->aUnit[u];
  double rTotal = pS->rTotal;
  pU->rWeightSum = rW;
  /* [S-AGG-RESCALE] when W != total, base = base total / W; W = 0 -> base = 0 */
  if (rW == 0)
    pU->rBase = 0;
  else if (rW != rTotal)
    pU->rBase = rBase * rTotal / rW;
  else
    pU->rBase = rBase;
  /* [S-AGG-TOTAL-POINTS] total = base + bonus - deduct */
  pU->rTotal = pU->rBase + pU->rBonus - pU->rDeduct;
  for (int c = 0; c < r->pRes->nCat; c++) {
    int iNode = pS->aCatNode[c];
    CatScore *pC = &r->pRes->aCat[(size_t)u * r->pRes->nCat + c];
    if (!r->aNodeAny[iNode]) {
      /* [S-NULLS-EMPTY] no weighted leaf of the category applies to the unit */
      pC->rValue = pC->rPoints = NAN;
      continue;
    }
    /* [S-AGG-CAT-VALUE] value = sum of points / sum of weights */
    pC->rValue = aW[iNode] > 0 ? aPts[iNode] / aW[iNode] : NAN;
    /* [S-AGG-CAT-POINTS] points = sum of points x total/W, so categories add up to base */
    if (rW == 0)
      pC->rPoints = 0;
    else if (rW != rTotal)
      pC->rPoints = aPts[iNode] * rTotal / rW;
    else
      pC->rPoints = aPts[iNode];
  }
}

/* Aggregates the direct children of a node (or the top level when iNode < 0) from
** aVal [S-AGG-INDEX-ARITH] [S-AGG-INDEX-GEOM]. Children with a NaN value are left out
** [S-AGG-INDEX-EXCL]; nothing left (or no weight left) gives NaN. *pW receives the sum
** of the weights that entered. */
static double score_aggregate(const Scheme *pS, int iNode, Aggregate eAgg, const double *aVal,
                              double *pW) {
  int iFirst = iNode < 0 ? 0 : iNode + 1;
  int iEnd = iNode < 0 ? pS->nNode : pS->aNode[iNode].iEnd;
  double rW = 0, rWV = 0;
  int n = 0, bNonPositive = 0;
  for (int j = iFirst; j < iEnd; j = pS->aNode[j].iEnd) {
    if (isnan(aVal[j])) continue;
    /* [S-AGG-INDEX-WEIGHT] a category's weight is its declared one, whatever was
    ** excluded inside it (scheme.c computed it) */
    double w = pS->aNode[j].rWeight;
    rW += w;
    rWV += w * aVal[j];
    if (aVal[j] <= 0) bNonPositive = 1;
    n++;
  }
  *pW = rW;
  if (n == 0 || rW == 0) return NAN;
  if (eAgg == AGG_ARITHMETIC) return rWV / rW; /* sum w v / sum w */
  if (bNonPositive) return 0;                  /* any v <= 0 -> 0 */
  double rProd = 1;
  for (int j = iFirst; j < iEnd; j = pS->aNode[j].iEnd) {
    if (isnan(aVal[j])) continue;
    rProd *= pow(aVal[j], pS->aNode[j].rWeight / rW); /* product of v^(w / sum w) */
  }
  return rProd;
}

/* Pass 2, index mode, one unit [S-AGG-INDEX-*]. */
static void score_unit_index(ScoreRun *r, int u) {
  const Scheme *pS = r->pS;
  int nL = r->nLeaf;
  double *aVal = r->aNodeA;
  /* Reverse pre-order: a node's children (higher indices) are done before it. */
  for (int i = r->nNode - 1; i >= 0; i--) {
    const SchemeNode *pN = &pS->aNode[i];
    if (pN->bLeaf) {
      /* A leaf's value is its share; event leaves (deduct, bonus, veto, veto_top) are
      ** not weighted and stay out of every aggregate. */
      const LeafScore *pL = &r->pRes->aLeaf[(size_t)u * nL + pN->iLeaf];
      aVal[i] = r->aWeighted[pN->iLeaf] ? pL->rShare : NAN;
    } else {
      double rW;
      aVal[i] = score_aggregate(pS, i, pN->eAggregate, aVal, &rW);
      CatScore *pC = &r->pRes->aCat[(size_t)u * r->pRes->nCat + pN->iCat];
      pC->rValue = aVal[i]; /* [S-NULLS-EMPTY] NaN: left out of its parent */
      pC->rPoints = NAN;    /* [S-NULLS-INDEX] */
    }
  }
  /* [S-AGG-INDEX-ROOT] the top level, arithmetic unless the scheme says otherwise */
  double rW;
  double rRoot = score_aggregate(pS, -1, pS->eTopAggregate, aVal, &rW);
  UnitScore *pU = &r->pRes->aUnit[u];
  pU->rWeightSum = rW;
  /* [S-AGG-INDEX-TOTAL] total = root x scale + bonus - deduct; nothing -> 0 */
  pU->rBase = isnan(rRoot) ? 0 : rRoot * pS->rScale;
  pU->rTotal = pU->rBase + pU->rBonus - pU->rDeduct;
}

/* Pass 3: ranks of totals within each peer group [S-UNIT-RANK], then grades. */
static void score_units_rank_grade(ScoreRun *r) {
  const Scheme *pS = r->pS;
  for (int g = 0; g < r->nGroup; g++) {
    int n = 0;
    for (int k = r->aGroupStart[g]; k < r->aGroupStart[g + 1]; k++) {
      int u = r->aMember[k];
      r->aPair[n].r = r->pRes->aUnit[u].rTotal == 0 ? 0 : r->pRes->aUnit[u].rTotal;
      r->aPair[n].i = u;
      n++;
    }
    score_sort_pairs(r->aPair, n, r->aPairTmp, r->aKey, r->aKey2);
    score_rank_sorted(r->aPair, n, 0, r->aPos);
    for (int k = 0; k < n; k++) {
      UnitScore *pU = &r->pRes->aUnit[r->aPair[k].i];
      pU->iRank = r->aPos[k];
      pU->nGroupSize = n;
    }
  }
  for (int u = 0; u < r->nUnit; u++) {
    UnitScore *pU = &r->pRes->aUnit[u];
    pU->iGrade = -1;
    for (int k = 0; k < pS->nGrade; k++) {
      const GradeLevel *pG = &pS->aGrade[k];
      int bMet;
      if (!pG->bThreshold)
        bMet = 1; /* null = no threshold */
      else if (pS->bGradeByShare) {
        /* [S-GRADE-SHARE] ranked r of n: the first level whose threshold >= r/n */
        bMet = score_at_least(pG->rThreshold, (double)pU->iRank / (double)pU->nGroupSize);
      } else {
        /* [S-GRADE-SCORE] the first level whose threshold <= total */
        bMet = score_at_least(pU->rTotal, pG->rThreshold);
      }
      if (bMet) {
        pU->iGrade = k;
        break;
      }
    }
    if (pS->nGrade > 0 && (pU->flags & FLAG_VETO)) {
      pU->iGrade = pS->nGrade - 1; /* [S-GRADE-VETO] the last level */
    } else if ((pU->flags & FLAG_VETO_TOP) && pU->iGrade == 0 && pS->nGrade > 1) {
      pU->iGrade = 1; /* [S-GRADE-VETO-TOP] not the first level: the second */
    }
  }
}

/* Allocates a result matrix. One period of a large run is megabytes (2,844 units x 60
** leaves x 32 bytes = 5.4 MB), written once, and faulting it in 4 KiB pages cost more than
** all the scoring: where the kernel offers transparent huge pages on request, a big matrix
** is 2 MiB-aligned and asks for them. Only speed depends on it; free() releases either. */
static void *score_alloc_matrix(size_t nmemb, size_t size) {
  size_t n = nmemb * size;
#ifdef MADV_HUGEPAGE
  enum { HUGE = 2 * 1024 * 1024 };
  if (size && nmemb <= SIZE_MAX / size && n >= 2 * (size_t)HUGE) {
    void *p = NULL;
    if (posix_memalign(&p, HUGE, n) == 0) {
      /* a refusal (EINVAL on kernels without THP) only means small pages */
      if (madvise(p, n, MADV_HUGEPAGE) != 0) errno = 0;
      return p;
    }
  }
#endif
  return xmalloc_array(nmemb, size);
}

void score_result_free(ScoreResult *p) {
  if (!p) return;
  free(p->aLeaf);
  free(p->aCat);
  free(p->aUnit);
  free(p);
}

static void score_run_free(ScoreRun *r) {
  free(r->aGid);
  free(r->aGroupStart);
  free(r->aMember);
  free(r->azGroupName);
  free(r->aGroupSize);
  free(r->aStat);
  free(r->aColX);
  free(r->aColT);
  free(r->aColP);
  free(r->aColOut);
  free(r->aColState);
  free(r->aPair);
  free(r->aPairTmp);
  free(r->aKey);
  free(r->aKey2);
  free(r->aPos);
  free(r->aNodeA);
  free(r->aNodeB);
  free(r->aNodeAny);
  free(r->aWeighted);
  buf_free(&r->err);
}

ScoreResult *score_compute(const ScoreInput *pIn, char **pzErr) {
  if (pzErr) *pzErr = NULL;
  if (!pIn || !pIn->pScheme || pIn->nUnit < 0 ||
      (pIn->nUnit > 0 && (!pIn->azUnit || !pIn->azGroup))) {
    if (pzErr)
      *pzErr = xstrdup("score_compute: incomplete input (scheme, units and groups are required)");
    return NULL;
  }
  ScoreRun run;
  memset(&run, 0, sizeof run);
  ScoreRun *r = &run;
  r->pIn = pIn;
  r->pS = pIn->pScheme;
  r->nUnit = pIn->nUnit;
  r->nLeaf = r->pS->nLeaf;
  r->nNode = r->pS->nNode;
  size_t nU = (size_t)(r->nUnit ? r->nUnit : 1);

  if (r->pS->iYear && pIn->period.iYear != r->pS->iYear) {
    /* A period outside the scheme's year would score against another year's targets and
    ** time progress (docs/scoring-notes.md). */
    buf_printf(&r->err, "period %s is not in the year of scheme %s (%d)\n", pIn->period.zCode,
               r->pS->zCode, r->pS->iYear);
    r->nErr++;
  }
  for (int u = 0; u < r->nUnit; u++) {
    if (!pIn->azGroup[u] || !pIn->azGroup[u][0]) {
      buf_printf(&r->err, "unit %s: no peer group\n", pIn->azUnit[u] ? pIn->azUnit[u] : "?");
      r->nErr++;
    }
  }
  if (r->nErr) goto fail;

  ScoreResult *pRes = xcalloc(1, sizeof(ScoreResult));
  pRes->nUnit = r->nUnit;
  pRes->nLeaf = r->nLeaf;
  pRes->nCat = r->pS->nCat;
  pRes->aLeaf = score_alloc_matrix(nU * (size_t)(r->nLeaf ? r->nLeaf : 1), sizeof(LeafScore));
  pRes->aCat = score_alloc_matrix(nU * (size_t)(pRes->nCat ? pRes->nCat : 1), sizeof(CatScore));
  pRes->aUnit = xcalloc(nU, sizeof(UnitScore));
  r->pRes = pRes;

  score_build_groups(r);
  r->aStat = xcalloc((size_t)r->nGroup + 1, sizeof(ScoreGroupStat));
  r->aColX = xmalloc_array(nU * SCORE_BLOCK, sizeof(double));
  if (pIn->aTarget) r->aColT = xmalloc_array(nU * SCORE_BLOCK, sizeof(double));
  if (pIn->aPrevious) r->aColP = xmalloc_array(nU * SCORE_BLOCK, sizeof(double));
  r->aColOut = xmalloc_array(nU * SCORE_BLOCK, sizeof(LeafScore));
  r->aColState = xmalloc_array(nU * SCORE_BLOCK, 1);
  r->aPair = xmalloc_array(nU, sizeof(ScorePair));
  r->aPairTmp = xmalloc_array(nU, sizeof(ScorePair));
  r->aKey = xmalloc_array(nU, sizeof(uint64_t));
  r->aKey2 = xmalloc_array(nU, sizeof(uint64_t));
  r->aPos = xmalloc_array(nU, sizeof(int));
  size_t nN = (size_t)(r->nNode ? r->nNode : 1);
  r->aNodeA = xmalloc_array(nN, sizeof(double));
  r->aNodeB = xmalloc_array(nN, sizeof(double));
  r->aNodeAny = xmalloc(nN);
  r->aWeighted = xmalloc((size_t)(r->nLeaf ? r->nLeaf : 1));
  for (int l = 0; l < r->nLeaf; l++) {
    r->aWeighted[l] =
        (unsigned char)scheme_method_weighted(r->pS->aNode[r->pS->aLeafNode[l]].eMethod);
  }
  r->rTp = period_time_progress(&pIn->period, r->pS->bDayBasis);

  for (int l0 = 0; l0 < r->nLeaf; l0 += SCORE_BLOCK) {
    int nB = r->nLeaf - l0 < SCORE_BLOCK ? r->nLeaf - l0 : SCORE_BLOCK;
    score_block_gather(r, l0, nB);
    for (int b = 0; b < nB; b++) {
      score_leaf_values(r, l0 + b, b);
      score_leaf_shares(r, l0 + b, b);
    }
    score_block_scatter(r, l0, nB);
  }
  if (r->nErr) {
    score_result_free(pRes);
    goto fail;
  }
  for (int u = 0; u < r->nUnit; u++) {
    if (r->pS->eAggregation == AGGREGATION_POINTS)
      score_unit_points(r, u);
    else
      score_unit_index(r, u);
  }
  score_units_rank_grade(r);
  score_run_free(r);
  return pRes;

fail:
  if (pzErr) {
    if (r->err.n && r->err.z[r->err.n - 1] == '\n') r->err.z[--r->err.n] = 0;
    *pzErr = buf_detach(&r->err);
  }
  score_run_free(r);
  return NULL;
}

/*
** JSON output [S-OUT-JSON]. The tree is built with jansson; it is printed here rather than
** with json_dumps because jansson 2.14 prints reals with %.17g (0.1 becomes
** 0.10000000000000001), while SCORING.md asks for the shortest form that reads back
** exactly [S-OUT-NUM], which text_fmt_double gives. The printer below handles every
** jansson type, keeps object keys in insertion order, and escapes only what JSON requires.
*/

/* The shortest decimal that reads back as exactly r: text_fmt_double's output (the unit
** test checks they agree), computed fast enough for a 20 MB document. text_fmt_double
** tries precisions 1 to 17, each with snprintf and strtod; here:
**   - whole numbers below 1e15 print as integers: exact, and the commonest case;
**   - otherwise %.15g is tried first (normal numbers only; subnormals, with fewer than 53
**     bits, go to text_fmt_double). Any decimal of at most 15 significant digits survives
**     decimal -> double -> decimal at 15 digits (DBL_DIG), so when some string of k <= 15
**     digits reads back as r, %.15g prints exactly it once %g drops trailing zeros: the
**     shortest form. Else 16 digits, else 17, which always reads back;
**   - a %g exponent form of a number 1 <= |r| < 1e17 denotes a whole number (the exponent
**     is at least the precision): %.0f prints it positionally, 120 and not 1.2e+02. */
void score_format_number(char *z, double r) {
  if (!isfinite(r)) {
    memcpy(z, "null", 5);
    return;
  }
  if (r == 0) {
    memcpy(z, "0", 2); /* -0 too */
    return;
  }
  if (fabs(r) < 1e15 && r == (double)(long long)r) {
    snprintf(z, 32, "%lld", (long long)r);
    return;
  }
  if (fabs(r) < DBL_MIN) {
    /* subnormals carry fewer than 53 bits, so the DBL_DIG argument fails: search all */
    text_fmt_double(z, r);
    return;
  }
  for (int p = 15; p <= 17; p++) {
    snprintf(z, 32, "%.*g", p, r);
    if (p == 17 || strtod(z, NULL) == r) break;
  }
  if (strchr(z, 'e') && fabs(r) >= 1 && fabs(r) < 1e17) snprintf(z, 32, "%.0f", r);
}

/* jansson allocation failures are as fatal as xmalloc's. */
static void score_json_need(int bOk) {
  if (!bOk) {
    fputs("kaoping: out of memory building JSON\n", stderr);
    abort();
  }
}

static json_t *score_json_number(double r) {
  json_t *p = isnan(r) ? json_null() : json_real(r);
  score_json_need(p != NULL);
  return p;
}

/* A JSON string of z, which should be UTF-8; invalid bytes become '?' so that the
** document stays valid whatever a caller passed. */
static json_t *score_json_string(const char *z) {
  json_t *p = json_string(z ? z : "");
  if (p) return p;
  char *zCopy = xstrdup(z);
  size_t n = strlen(zCopy), i;
  while ((i = text_utf8_invalid_at(zCopy, n)) < n)
    zCopy[i] = '?';
  p = json_string(zCopy);
  free(zCopy);
  score_json_need(p != NULL);
  return p;
}

static void score_json_set(json_t *pObj, const char *zKey, json_t *pVal) {
  score_json_need(pVal != NULL && json_object_set_new(pObj, zKey, pVal) == 0);
}

static void score_json_append(json_t *pArr, json_t *pVal) {
  score_json_need(pVal != NULL && json_array_append_new(pArr, pVal) == 0);
}

static json_t *score_json_flags(unsigned flags) {
  json_t *p = json_array();
  score_json_need(p != NULL);
  for (int k = 0; k < FLAG__COUNT; k++) {
    if (flags & (1u << k)) score_json_append(p, score_json_string(azScoreFlag[k]));
  }
  return p;
}

static void score_json_put_string(Buf *b, const char *z, size_t n) {
  buf_putc(b, '"');
  size_t iStart = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    buf_append(b, z + iStart, i - iStart);
    switch (c) {
    case '"':
      buf_puts(b, "\\\"");
      break;
    case '\\':
      buf_puts(b, "\\\\");
      break;
    case '\n':
      buf_puts(b, "\\n");
      break;
    case '\r':
      buf_puts(b, "\\r");
      break;
    case '\t':
      buf_puts(b, "\\t");
      break;
    case '\b':
      buf_puts(b, "\\b");
      break;
    case '\f':
      buf_puts(b, "\\f");
      break;
    default:
      buf_printf(b, "\\u%04x", c);
      break;
    }
    iStart = i + 1;
  }
  buf_append(b, z + iStart, n - iStart);
  buf_putc(b, '"');
}

/* Prints p. Containers at depth < nPretty put each member on its own line, indented by
** two spaces per level; deeper ones are compact (", " and ": " separators). */
static void score_json_put(Buf *b, const json_t *p, int iDepth, int nPretty) {
  char zNum[32];
  int bPretty = iDepth < nPretty;
  switch (json_typeof(p)) {
  case JSON_OBJECT: {
    const char *zKey;
    json_t *pVal;
    int bFirst = 1;
    buf_putc(b, '{');
    json_object_foreach((json_t *)p, zKey, pVal) {
      if (!bFirst) buf_putc(b, ',');
      if (bPretty)
        buf_printf(b, "\n%*s", 2 * (iDepth + 1), "");
      else if (!bFirst)
        buf_putc(b, ' ');
      score_json_put_string(b, zKey, strlen(zKey));
      buf_puts(b, ": ");
      score_json_put(b, pVal, iDepth + 1, nPretty);
      bFirst = 0;
    }
    if (bPretty && !bFirst) buf_printf(b, "\n%*s", 2 * iDepth, "");
    buf_putc(b, '}');
    break;
  }
  case JSON_ARRAY: {
    size_t n = json_array_size(p);
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
      if (i) buf_putc(b, ',');
      if (bPretty)
        buf_printf(b, "\n%*s", 2 * (iDepth + 1), "");
      else if (i)
        buf_putc(b, ' ');
      score_json_put(b, json_array_get(p, i), iDepth + 1, nPretty);
    }
    if (bPretty && n) buf_printf(b, "\n%*s", 2 * iDepth, "");
    buf_putc(b, ']');
    break;
  }
  case JSON_STRING:
    score_json_put_string(b, json_string_value(p), json_string_length(p));
    break;
  case JSON_INTEGER:
    buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(p));
    break;
  case JSON_REAL:
    score_format_number(zNum, json_real_value(p)); /* shortest round-trip; "null" if not finite */
    buf_puts(b, zNum);
    break;
  case JSON_TRUE:
    buf_puts(b, "true");
    break;
  case JSON_FALSE:
    buf_puts(b, "false");
    break;
  case JSON_NULL:
    buf_puts(b, "null");
    break;
  }
}

char *score_result_json(const ScoreInput *pIn, const ScoreResult *pRes) {
  const Scheme *pS = pIn->pScheme;
  json_t *pRoot = json_object();
  score_json_need(pRoot != NULL);
  score_json_set(pRoot, "scheme", score_json_string(pS->zCode));
  score_json_set(pRoot, "period", score_json_string(pIn->period.zCode));
  json_t *aUnits = json_array();
  score_json_set(pRoot, "units", aUnits);
  for (int u = 0; u < pRes->nUnit; u++) { /* [S-OUT-ORDER] units in input order */
    const UnitScore *pU = &pRes->aUnit[u];
    json_t *pUnit = json_object();
    score_json_append(aUnits, pUnit);
    score_json_set(pUnit, "code", score_json_string(pIn->azUnit[u]));
    score_json_set(pUnit, "group", score_json_string(pIn->azGroup[u]));
    score_json_set(pUnit, "total", score_json_number(pU->rTotal));
    score_json_set(pUnit, "rank", pU->iRank > 0 ? json_integer(pU->iRank) : json_null());
    score_json_set(pUnit, "grade",
                   pU->iGrade >= 0 ? score_json_string(pS->aGrade[pU->iGrade].zLabel)
                                   : json_null());
    score_json_set(pUnit, "flags", score_json_flags(pU->flags));
    json_t *aInd = json_array();
    score_json_set(pUnit, "indicators", aInd);
    for (int l = 0; l < pRes->nLeaf; l++) { /* scheme order */
      const LeafScore *pL = &pRes->aLeaf[(size_t)u * pRes->nLeaf + l];
      json_t *pI = json_object();
      score_json_append(aInd, pI);
      score_json_set(pI, "code", score_json_string(pS->aNode[pS->aLeafNode[l]].zCode));
      score_json_set(pI, "value", score_json_number(pL->rValue));
      score_json_set(pI, "share", score_json_number(pL->rShare));
      score_json_set(pI, "points", score_json_number(pL->rPoints));
      score_json_set(pI, "rank", pL->iRank > 0 ? json_integer(pL->iRank) : json_null());
      score_json_set(pI, "flags", score_json_flags(pL->flags));
    }
    json_t *aCat = json_array();
    score_json_set(pUnit, "categories", aCat);
    for (int c = 0; c < pRes->nCat; c++) {
      const CatScore *pC = &pRes->aCat[(size_t)u * pRes->nCat + c];
      json_t *pJ = json_object();
      score_json_append(aCat, pJ);
      score_json_set(pJ, "code", score_json_string(pS->aNode[pS->aCatNode[c]].zCode));
      score_json_set(pJ, "value", score_json_number(pC->rValue));
      score_json_set(pJ, "points", score_json_number(pC->rPoints));
    }
  }
  Buf b = BUF_INIT;
  score_json_put(&b, pRoot, 0, 2);
  json_decref(pRoot);
  return buf_detach(&b);
}

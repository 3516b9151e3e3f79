/*
** score.c: the scoring engine (评分引擎) of score.h. Pure C: no I/O, no globals, no clock.
** Given a validated Scheme, a Period, the units and three value matrices, it computes
** every leaf's value, share, points, rank and flags, every category's value and points,
** and every unit's total, rank, grade and flags, exactly as SCORING.md says. One period is
** scored by one thread; score_compute_batch() scores several periods on several threads,
** each exactly as score_compute() would.
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
** The computation runs in passes over the dense matrices:
**
**   0. the input matrices, row-major, are copied into columns (score_gather): values of
**      every leaf, targets and previous values of the leaves that read them;
**   1. per leaf (column): for each peer group the leaf applies to, the missing-data
**      policy gives each unit x, or "zero", or "excluded" [S-MISS-*]; the units with an x
**      are sorted ONCE (a bucket sort of (x, unit) pairs, score_sort_pairs), which yields
**      the competition ranks [S-RANK-LEAF]; min, max and mean come with the same walk, sd
**      with one more (1a). Then every unit's share and points follow from its x and its
**      group's statistics [S-M-*], and its LeafScore is assembled (1b). Blocks of
**      SCORE_BLOCK leaves are then copied into the row-major result, where points mode
**      also adds each unit's points and weights into its sums and its categories' sums
**      [S-AGG-POINTS] (1c): the result is written once and never read back.
**   2. per unit (row): points mode rescales the sums [S-AGG-RESCALE]; index mode walks
**      the nodes in reverse pre-order, so each category aggregates children already
**      computed [S-AGG-INDEX-*].
**   3. per peer group: ranks of totals [S-UNIT-RANK], then grades [S-GRADE-*].
**
** Invariants:
**   I1. Results do not depend on hash order, pointer values, thread scheduling or the
**       order a sort leaves equal values in: ranks, minima and maxima are functions of the
**       sorted sequence of values alone (equal values take equal ranks), and every sum
**       runs in a fixed order (leaves in scheme order; units in input order) whichever
**       pass performs it. Data errors are reported in input order even where a pass walks
**       the units group by group.
**   I2. NaN means "null" in every output field; the engine never yields +-Inf (inputs that
**       are infinite are data errors).
**   I3. A unit's leaf is in exactly one state: not applicable (all null, no flags),
**       excluded (value, share, points null; EXCLUDED), zero (value null, share 0 for a
**       weighted leaf, points 0 in points mode; MISSING), or valued (x known).
**   I4. Only valued units enter group statistics and ranks [S-MISS-STATS].
**   I5. Data errors do not stop the passes: all of them are collected, one line each
**       naming indicator and unit, and the result is then withheld (NULL).
**   I6. A result reused by score_compute_into() is overwritten in full: no field of the
**       previous period survives (the matrices that pass 1 adds into, aUnit and in points
**       mode aCat, are zeroed first), so a reused result is bit-identical to a fresh one.
**
** One tolerance: two numbers tie when they differ by at most 1e-9 of the larger magnitude
** (score_values_tie). Ranks use it with the first value of a run of ties as the run's
** anchor, so a chain a~b~c with a and c apart does not merge into one rank. Threshold tests
** (grades, bands, time progress) use it too, so arithmetic noise never changes a grade.
**
** Speed (bench/score/: 2,844 units x 60 leaves x 12 periods; bench/README.md has the
** numbers). What made the difference, measured one change at a time on the benchmark:
** the bucket sort instead of a radix sort per group (most groups hold under 200 units,
** where a radix sort's 256-entry tables cost more than the data); a result reused instead
** of allocated, and scratch in one block, so that no call page-faults; the inputs copied
** into columns in one sequential read rather than block by block; the points summed as
** the result is written (with the sums of a unit and of its leaves' parent category held
** in registers across a block) instead of re-reading the 5.4 MB result row by row, and
** written with non-temporal stores; the methods that read group statistics walked group
** by group; libm's fmin and fmax replaced by inline equivalents (gcc calls them) and the
** tie test made branch-free. What is left is about a third sorting and ranking, a third
** the per-cell method loops, a sixth writing the result. Threads: periods are independent,
** so score_compute_batch() gives each thread whole periods and shares nothing but the
** read-only inputs; on 2 cores it runs 12 periods in just over half the time of one.
*/
#include "score.h"

#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* fmax and fmin exactly as glibc's x86-64 libm computes them (maxsd/minsd), inline: gcc
** does not inline the libm calls without -ffinite-math-only, and the calls were
** measurable in the share loop. Between numbers that compare equal the second argument
** wins, which decides the sign of a zero: fmax(-0, +0) is +0 and fmax(+0, -0) is -0
** (a completion of a value of -0 has share -0 or +0 by this; tests/unit/test_score.c
** checks these against the library). A NaN argument yields the other one. */
static inline double score_fmax(double a, double b) {
  return (a > b) | isnan(b) ? a : b; /* | rather than ||: no branch */
}
static inline double score_fmin(double a, double b) {
  return (a < b) | isnan(b) ? a : b;
}

int score_values_tie(double a, double b) {
  /* both tests always: cheaper than a branch that data decides (| rather than ||) */
  return (a == b) | (fabs(a - b) <= 1e-9 * score_fmax(fabs(a), fabs(b)));
}

/* "v meets threshold t" for a test v >= t, with the tie tolerance. */
static int score_at_least(double v, double t) {
  return (v >= t) | score_values_tie(v, t);
}

static double score_clamp(double v, double a, double b) {
  return score_fmin(score_fmax(v, a), b);
}

/* A value and the unit (or any index) it belongs to, for sorting. */
typedef struct ScorePair {
  double r;
  int i;
} ScorePair;

/* Scratch of score_sort_pairs for up to n pairs. */
typedef struct ScoreSortWork {
  ScorePair *aTmp;        /* n */
  uint64_t *aKey, *aKey2; /* n each: radix sort keys */
  int *aCount;            /* 2n + 1: bucket counts, then offsets */
  int *aBucket;           /* n: each pair's bucket */
} ScoreSortWork;

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

/* Sorts n pairs ascending by (r, i) in O(n) whatever the data; aTmp (n pairs) and aKey,
** aKey2 (n each) are scratch. score_sort_pairs uses it for what its buckets cannot split:
**   1. each pair becomes one 64-bit integer: the high half of its key above its position
**      (pairs come in index order, so position order is index order);
**   2. a radix sort by the high halves; being stable, it keeps positions ascending among
**      equal halves;
**   3. each run of equal high halves (values that agree in sign, exponent and the first
**      20 bits of the mantissa) is ordered by the low halves: by insertion when short, by
**      a second radix sort when long, so that no input can make this quadratic. A run of
**      one value repeated (ties) is left in position order by either;
**   4. the pairs are permuted into that order. */
static void score_sort_pairs_radix(ScorePair *a, int n, ScorePair *aTmp, uint64_t *aKey,
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

/* Insertion sort of n pairs by r, giving up (returning 0) once it has moved pairs more
** than nBudget places in all, so that it stays O(n) when the input is nearly in order
** and cannot turn quadratic when it is not. The pairs are a permutation of the input
** either way. */
static int score_sort_insertion(ScorePair *a, int n, int nBudget) {
  for (int j = 1; j < n; j++) {
    if (!(a[j - 1].r > a[j].r)) continue; /* in order already: the common case */
    ScorePair v = a[j];
    int m = j;
    do {
      a[m] = a[m - 1];
      m--;
    } while (m > 0 && a[m - 1].r > v.r);
    a[m] = v;
    nBudget -= j - m;
    if (nBudget < 0) return 0;
  }
  return 1;
}

/* Pairs up to which a plain insertion sort is the fastest. */
#define SCORE_SORT_SMALL 16

/* Sorts n pairs ascending by r, given rLo and rHi, their smallest and largest r; every r
** is finite and none is -0 (callers store +0). Pairs with equal r end in an unspecified
** order, which nothing downstream can see (I1). Returns the array holding the result: a
** or w->aTmp.
**
** This runs once per leaf per peer group, so it is the engine's hottest loop, and groups
** are small (the benchmark's average 92 units): a comparison sort spends its time in
** mispredicted branches, and a byte-wise radix sort in its 256-entry tables. Instead, a
** bucket sort by value: pair k goes to bucket floor((r - min) * 2n / (max - min)), capped
** at 2n - 1. Rounding cannot break the order: subtracting min and multiplying by a positive
** constant are monotonic in IEEE arithmetic, and so are floor and the cap, so r < r'
** never puts r' in an earlier bucket. Spread values (the common case) mostly land one to
** a bucket, and one insertion pass over the concatenated buckets finishes the job. Ties
** cost that pass nothing (equal values are not moved); clustered values that would make
** it long go to the radix sort instead, so no input makes this quadratic. (Twice as many
** buckets as pairs measured faster than as many, or four times as many, on the
** benchmark's data.) */
static const ScorePair *score_sort_pairs(ScorePair *a, int n, double rLo, double rHi,
                                         ScoreSortWork *w) {
  if (n < 2 || rLo == rHi) return a; /* all equal: any order is sorted */
  if (n <= SCORE_SORT_SMALL && score_sort_insertion(a, n, n * n)) return a;
  int nBucket = n <= INT_MAX / 2 ? 2 * n : n; /* twice the pairs: fewer collisions */
  double rRange = rHi - rLo;
  double rScale = (double)nBucket / rRange;
  if (!(rRange < INFINITY && rScale < INFINITY)) {
    /* max - min overflows, or 2n / (max - min) does (a range of a few subnormals) */
    score_sort_pairs_radix(a, n, w->aTmp, w->aKey, w->aKey2);
    return a;
  }
  int *aCount = w->aCount, *aBucket = w->aBucket;
  memset(aCount, 0, sizeof(int) * ((size_t)nBucket + 1));
  for (int i = 0; i < n; i++) {
    int k = (int)((a[i].r - rLo) * rScale); /* in [0, nBucket (1 + 2 eps)]: fits an int */
    if (k > nBucket - 1) k = nBucket - 1;
    aBucket[i] = k;
    aCount[k + 1]++;
  }
  for (int k = 1; k < nBucket; k++)
    aCount[k] += aCount[k - 1]; /* aCount[k]: first slot of bucket k */
  ScorePair *aTmp = w->aTmp;
  for (int i = 0; i < n; i++)
    aTmp[aCount[aBucket[i]]++] = a[i];
  if (score_sort_insertion(aTmp, n, 4 * n)) return aTmp;
  score_sort_pairs_radix(aTmp, n, a, w->aKey, w->aKey2); /* a is free scratch now */
  return aTmp;
}

/* The smallest and largest r of n > 0 pairs, and whether any r is NaN (NaN compares
** false both ways, so it never becomes the minimum or maximum unless it comes first). */
static int score_pairs_range(const ScorePair *a, int n, double *pLo, double *pHi) {
  double rLo = a[0].r, rHi = a[0].r;
  int bNaN = 0;
  for (int i = 0; i < n; i++) {
    if (a[i].r < rLo) rLo = a[i].r;
    if (a[i].r > rHi) rHi = a[i].r;
    bNaN |= isnan(a[i].r);
  }
  *pLo = rLo;
  *pHi = rHi;
  return bNaN;
}

/* Sorts pairs whose r may be anything, NaN and infinities included: a total gone NaN or
** infinite by overflow has no place in an order by value, and the radix sort orders it by
** its bits, as the engine always has. */
static const ScorePair *score_sort_any(ScorePair *a, int n, ScoreSortWork *w) {
  if (n < 2) return a;
  double rLo, rHi;
  if (score_pairs_range(a, n, &rLo, &rHi) || isinf(rLo) || isinf(rHi)) {
    score_sort_pairs_radix(a, n, w->aTmp, w->aKey, w->aKey2);
    return a;
  }
  return score_sort_pairs(a, n, rLo, rHi, w);
}

/* [S-RANK-COMP] Competition ranks of n pairs sorted ascending by r: best first is from
** the end unless bLower. aRankOf[aPair[k].i] receives the rank of aPair[k]. A run of ties
** takes the rank of its first (best) member; the next distinct value takes its position. */
static void score_rank_sorted(const ScorePair *aPair, int n, int bLower, int *aRankOf) {
  /* one loop per direction: measurably faster than choosing the index in the loop */
  double rAnchor = 0;
  int iAnchorRank = 0;
  if (bLower) {
    for (int p = 0; p < n; p++) {
      if (p == 0 || !score_values_tie(aPair[p].r, rAnchor)) {
        rAnchor = aPair[p].r;
        iAnchorRank = p + 1;
      }
      aRankOf[aPair[p].i] = iAnchorRank;
    }
  } else {
    for (int p = 0; p < n; p++) {
      const ScorePair *q = &aPair[n - 1 - p];
      if (p == 0 || !score_values_tie(q->r, rAnchor)) {
        rAnchor = q->r;
        iAnchorRank = p + 1;
      }
      aRankOf[q->i] = iAnchorRank;
    }
  }
}

void score_competition_rank(const double *aValue, int n, int bLower, int *aRank) {
  if (n <= 0) return;
  ScorePair *aPair = xmalloc_array((size_t)n, sizeof(ScorePair));
  int m = 0;
  for (int i = 0; i < n; i++) {
    aRank[i] = 0;
    if (isnan(aValue[i])) continue;
    aPair[m].r = aValue[i] == 0 ? 0 : aValue[i]; /* -0 as +0 (score_key) */
    aPair[m].i = i;
    m++;
  }
  ScoreSortWork w;
  w.aTmp = xmalloc_array((size_t)n, sizeof(ScorePair));
  w.aKey = xmalloc_array((size_t)n, sizeof(uint64_t));
  w.aKey2 = xmalloc_array((size_t)n, sizeof(uint64_t));
  w.aCount = xmalloc_array(2 * (size_t)n + 1, sizeof(int));
  w.aBucket = xmalloc_array((size_t)n, sizeof(int));
  const ScorePair *aSorted = score_sort_any(aPair, m, &w);
  score_rank_sorted(aSorted, m, bLower, aRank); /* pair indices are positions in aValue */
  free(w.aTmp);
  free(w.aKey);
  free(w.aKey2);
  free(w.aCount);
  free(w.aBucket);
  free(aPair);
}

/* Leaf states of invariant I3. ST_BAD marks, for a moment in score_leaf_values, a zero
** that is a data error still to be reported. */
enum { ST_NA = 0, ST_EXCLUDED, ST_ZERO, ST_VALUED, ST_BAD = 0x80 };

/* Statistics of one leaf over one peer group's valued units. */
typedef struct ScoreGroupStat {
  int bApplies; /* the leaf applies to this group */
  int nPresent; /* units with an original (not imputed) value */
  double rSum;  /* sum of the original values, input order */
  int n;        /* valued units (after imputation) */
  double rMin, rMax, rMean, rSd;
  int bFlat; /* max and min tie: every valued unit has the same value on paper */
} ScoreGroupStat;

/* Leaves per block of pass 1c (see aColOut): 8 LeafScores are 4 cache lines of a result
** row, written whole. */
#define SCORE_BLOCK 8

/* The working state of one score_compute call. The unit-sized scratch arrays are carved
** out of one allocation (aWork) made once per call, so the passes allocate nothing, and
** a repeated call gets memory that malloc has already mapped (no page faults). */
typedef struct ScoreRun {
  const ScoreInput *pIn;
  const Scheme *pS;
  ScoreResult *pRes;
  int nUnit, nLeaf, nNode, nCat;
  int bPoints; /* points mode */
  int nGroup;
  void *aWork;              /* the one allocation holding the unit-sized arrays below */
  int *aGid;                /* nUnit: group id of each unit */
  int *aGroupStart;         /* nGroup+1: members of group g are aMember[aGroupStart[g]..] */
  int *aMember;             /* nUnit: unit indices by group, input order within a group */
  const char **azGroupName; /* nUnit (nGroup used) */
  int *aSlot;               /* nSlot: hash table of group names, group id + 1 (0 = empty) */
  size_t nSlot;             /* a power of two >= 2 nUnit */
  unsigned char *aApplies;  /* nLeaf*nGroup: does leaf l apply to group g */
  ScoreGroupStat *aStat;    /* nGroup, reset per leaf */
  /* The inputs as columns (index iCol * nUnit + u), copied by score_gather: walking a
  ** row-major matrix column by column touches a new cache line at every unit, and pass 1
  ** reads each leaf's column several times. Targets and previous values are copied only
  ** for the leaves that read them. */
  double *aColX, *aColT, *aColP; /* values (column = leaf), targets, previous values */
  int nColT, nColP;              /* columns of aColT, aColP */
  int *aColOfT, *aColOfP;        /* nLeaf: a leaf's column of aColT, aColP, or -1 */
  int *aLeafOfT, *aLeafOfP;      /* the leaf of each column of aColT, aColP */
  /* One leaf's working columns (index u), written by pass 1a, read by 1b. */
  double *aX;               /* x after the missing-data policy (valued units) */
  int *aRank;               /* rank in the group (valued units) */
  unsigned char *aState;    /* I3 state */
  unsigned char *aFlags;    /* FLAG_* of the leaf */
  LeafScore *aColOut;       /* the block's results (1b), index b * nUnit + u */
  ScorePair *aPair;         /* nUnit: valued units, each group's contiguous */
  ScoreSortWork sort;       /* nUnit */
  int *aLeafCatStart;       /* nLeaf+1: leaf l's ancestors are aLeafCat[aLeafCatStart[l]..] */
  int *aLeafCat;            /* category index (iCat) of each ancestor, parent first */
  unsigned char *aCatAny;   /* nUnit*nCat, points mode: a weighted leaf scored under it */
  double *aNodeA;           /* nNode: node values, per unit (index mode) */
  unsigned char *aWeighted; /* nLeaf: scheme_method_weighted, looked up once */
  double rTp;               /* time progress of the period, scheme basis */
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

/* The slot of group name z in the hash table: its own, or the empty one where it would
** go. */
static size_t score_group_slot(const ScoreRun *r, const char *z) {
  size_t k = score_hash(z) & (r->nSlot - 1);
  while (r->aSlot[k] && strcmp(r->azGroupName[r->aSlot[k] - 1], z) != 0)
    k = (k + 1) & (r->nSlot - 1);
  return k;
}

/* Peer groups: ids in order of first appearance (the hash table finds a name's id), then
** a counting sort by id lists each group's members contiguously, in input order. */
static void score_build_groups(ScoreRun *r) {
  memset(r->aSlot, 0, r->nSlot * sizeof(int));
  r->nGroup = 0;
  for (int u = 0; u < r->nUnit; u++) {
    const char *z = r->pIn->azGroup[u];
    size_t k = score_group_slot(r, z);
    if (!r->aSlot[k]) {
      r->azGroupName[r->nGroup] = z;
      r->aSlot[k] = ++r->nGroup;
    }
    r->aGid[u] = r->aSlot[k] - 1;
  }
  size_t nG = (size_t)r->nGroup;
  r->aGroupStart = xcalloc(nG + 1, sizeof(int));
  int *aFill = xmalloc_array(nG + 1, sizeof(int));
  r->aStat = xcalloc(nG + 1, sizeof(ScoreGroupStat));
  for (int u = 0; u < r->nUnit; u++)
    r->aGroupStart[r->aGid[u] + 1]++;
  for (int g = 0; g < r->nGroup; g++)
    r->aGroupStart[g + 1] += r->aGroupStart[g];
  memcpy(aFill, r->aGroupStart, sizeof(int) * nG);
  for (int u = 0; u < r->nUnit; u++)
    r->aMember[aFill[r->aGid[u]]++] = u;
  free(aFill);
}

/* Which leaf applies to which group (scheme_leaf_applies for every pair, but each name a
** leaf lists is looked up once in the group table instead of compared with every group). */
static void score_build_applies(ScoreRun *r) {
  const Scheme *pS = r->pS;
  size_t nG = (size_t)r->nGroup;
  r->aApplies = xmalloc_array((size_t)r->nLeaf * nG + 1, 1);
  for (int l = 0; l < r->nLeaf; l++) {
    const SchemeNode *pN = &pS->aNode[pS->aLeafNode[l]];
    unsigned char *a = r->aApplies + (size_t)l * nG;
    memset(a, pN->nGroup == 0, nG); /* SCORING.md: groups absent = all groups */
    for (int k = 0; k < pN->nGroup; k++) {
      size_t iSlot = score_group_slot(r, pN->azGroup[k]);
      if (r->aSlot[iSlot]) a[r->aSlot[iSlot] - 1] = 1;
    }
  }
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

/* Reports a target that completion or timeprogress cannot divide by (missing, <= 0 or
** infinite) and returns NaN. */
static double score_target_bad(ScoreRun *r, int iLeaf, int u, double t) {
  const SchemeNode *pN = &r->pS->aNode[r->pS->aLeafNode[iLeaf]];
  if (isnan(t)) {
    score_err(r, iLeaf, u, "target is missing (%s needs a target > 0)",
              scheme_method_name(pN->eMethod));
  } else {
    score_err(r, iLeaf, u, "target %g is not > 0 (%s divides by it)", t,
              scheme_method_name(pN->eMethod));
  }
  return NAN;
}

/* Reads a target for a unit whose share must be computed: completion and timeprogress
** divide by it, so it must exist and be > 0. Returns NaN after reporting otherwise. */
static double score_target(ScoreRun *r, int iLeaf, int u) {
  double t = r->aColOfT[iLeaf] >= 0 ? r->aColT[(size_t)r->aColOfT[iLeaf] * r->nUnit + u] : NAN;
  if (t > 0 && t < INFINITY) return t;
  return score_target_bad(r, iLeaf, u, t);
}

/* The leaf's column of targets when every valued unit's can be divided by (the loop then
** reads it directly), else NULL (the loop goes through score_target, which reports). */
static const double *score_targets(ScoreRun *r, int iLeaf) {
  if (r->aColOfT[iLeaf] < 0) return NULL;
  const double *aT = r->aColT + (size_t)r->aColOfT[iLeaf] * r->nUnit;
  int bOk = 1;
  for (int u = 0; u < r->nUnit; u++)
    bOk &= r->aState[u] != ST_VALUED || (aT[u] > 0 && aT[u] < INFINITY);
  return bOk ? aT : NULL;
}

/* Which leaves read targets (completion, timeprogress) and previous values (missing =
** carry): those get a column of aColT, aColP. */
static void score_plan_columns(ScoreRun *r) {
  size_t nL = (size_t)(r->nLeaf ? r->nLeaf : 1);
  r->aColOfT = xmalloc_array(nL, sizeof(int));
  r->aColOfP = xmalloc_array(nL, sizeof(int));
  r->aLeafOfT = xmalloc_array(nL, sizeof(int));
  r->aLeafOfP = xmalloc_array(nL, sizeof(int));
  for (int l = 0; l < r->nLeaf; l++) {
    const SchemeNode *pN = &r->pS->aNode[r->pS->aLeafNode[l]];
    r->aColOfT[l] = r->aColOfP[l] = -1;
    if (r->pIn->aTarget && scheme_method_needs_target(pN->eMethod)) {
      r->aLeafOfT[r->nColT] = l;
      r->aColOfT[l] = r->nColT++;
    }
    if (r->pIn->aPrevious && pN->eMissing == MISSING_CARRY) {
      r->aLeafOfP[r->nColP] = l;
      r->aColOfP[l] = r->nColP++;
    }
  }
}

/* Copies the input matrices into columns (index iCol * nUnit + u): values of every leaf
** (iCol = the leaf), targets and previous values of the leaves that read them (iCol =
** aColOfT[l], aColOfP[l]). Rows are read whole and in order, which the hardware prefetches
** well (copying a block of columns at a time, strided, was slower); the columns written
** are few cache lines at a time. The copy costs scratch memory the size of the inputs
** read: 8 to 24 bytes per cell, against the result's 32. */
static void score_gather(ScoreRun *r) {
  const ScoreInput *pIn = r->pIn;
  size_t nU = (size_t)r->nUnit, nL = (size_t)r->nLeaf;
  for (size_t u = 0; u < nU; u++) {
    const double *pV = pIn->aValue ? pIn->aValue + u * nL : NULL;
    for (size_t l = 0; l < nL; l++)
      r->aColX[l * nU + u] = pV ? pV[l] : NAN;
  }
  for (size_t u = 0; u < nU && r->nColT; u++) {
    const double *pT = pIn->aTarget + u * nL;
    for (int k = 0; k < r->nColT; k++)
      r->aColT[(size_t)k * nU + u] = pT[r->aLeafOfT[k]];
  }
  for (size_t u = 0; u < nU && r->nColP; u++) {
    const double *pP = pIn->aPrevious + u * nL;
    for (int k = 0; k < r->nColP; k++)
      r->aColP[(size_t)k * nU + u] = pP[r->aLeafOfP[k]];
  }
}

/* Pass 1a: the missing-data policy of one leaf for every unit (aState, aFlags, aX), and
** the valued units' group statistics and ranks (aRank), each group sorted once. */
static void score_leaf_values(ScoreRun *r, int iLeaf) {
  const Scheme *pS = r->pS;
  const SchemeNode *pN = &pS->aNode[pS->aLeafNode[iLeaf]];
  const double *aColX = r->aColX + (size_t)iLeaf * r->nUnit;
  const double *aColP =
      r->aColOfP[iLeaf] >= 0 ? r->aColP + (size_t)r->aColOfP[iLeaf] * r->nUnit : NULL;
  const unsigned char *aApplies = r->aApplies + (size_t)iLeaf * r->nGroup;
  double *aX = r->aX;
  unsigned char *aState = r->aState, *aFlags = r->aFlags;
  int bRankLower = score_rank_lower(pN);
  int nBad = 0; /* valued units whose x is not finite */

  /* Group by group, so that a group's counters stay in registers; each group's members
  ** come in input order, which is the order of every sum below. */
  for (int g = 0; g < r->nGroup; g++) {
    ScoreGroupStat *st = &r->aStat[g];
    const int *aMember = r->aMember + r->aGroupStart[g];
    int nMember = r->aGroupStart[g + 1] - r->aGroupStart[g];
    memset(st, 0, sizeof *st);
    if (!aApplies[g]) {
      for (int k = 0; k < nMember; k++) {
        aState[aMember[k]] = ST_NA;
        aFlags[aMember[k]] = 0;
      }
      continue;
    }
    st->bApplies = 1;
    if (pN->eMissing == MISSING_GROUP_MEAN) {
      /* [S-MISS-GROUP-MEAN] the group's present values, summed in input order. */
      double rPresent = 0;
      int nPresent = 0;
      for (int k = 0; k < nMember; k++) {
        double x = aColX[aMember[k]];
        if (!isnan(x) && isfinite(x)) {
          rPresent += x;
          nPresent++;
        }
      }
      st->rSum = rPresent;
      st->nPresent = nPresent;
    }
    ScorePair *aPair = r->aPair + r->aGroupStart[g]; /* the group's valued units */
    int n = 0;
    double rSum = 0, rLo = INFINITY, rHi = -INFINITY; /* x is finite: the first one replaces */
    for (int k = 0; k < nMember; k++) {
      int u = aMember[k];
      double x = aColX[u];
      unsigned char eState = ST_VALUED, flags = 0;
      if (isnan(x)) {
        switch (pN->eMissing) {
        case MISSING_ZERO: /* [S-MISS-ZERO] s = 0, flag MISSING */
          eState = ST_ZERO;
          break;
        case MISSING_EXCLUDE: /* [S-MISS-EXCLUDE] dropped for the unit, flag EXCLUDED */
          eState = ST_EXCLUDED;
          flags |= FLAG_EXCLUDED;
          break;
        case MISSING_GROUP_MEAN: /* [S-MISS-GROUP-MEAN] mean of present values, or as zero */
          if (st->nPresent > 0) {
            x = st->rSum / st->nPresent;
            flags |= FLAG_IMPUTED;
          } else {
            eState = ST_ZERO;
          }
          break;
        case MISSING_CARRY: /* [S-MISS-CARRY] previous period's value, or as zero */
          x = aColP ? aColP[u] : NAN;
          if (!isnan(x))
            flags |= FLAG_CARRIED;
          else
            eState = ST_ZERO;
          break;
        }
        if (eState == ST_ZERO) flags |= FLAG_MISSING;
      }
      if (eState == ST_VALUED && !isfinite(x)) {
        /* reported below; scored as zero meanwhile, to keep the passes going (the result
        ** is withheld anyway, I5) */
        eState = ST_ZERO | ST_BAD;
        nBad++;
      }
      aState[u] = eState;
      aFlags[u] = flags;
      if (eState == ST_VALUED) {
        double rx = x == 0 ? 0 : x; /* -0 as +0 (score_key) */
        aX[u] = x;
        aPair[n].r = rx;
        aPair[n].i = u;
        n++;
        rSum += rx;
        if (rx < rLo) rLo = rx;
        if (rx > rHi) rHi = rx;
      }
    }
    /* [S-MISS-STATS] statistics and ranks over the valued units of the group. */
    st->n = n;
    if (n == 0) continue;
    st->rMean = rSum / n;
    st->rMin = rLo;
    st->rMax = rHi;
    if (pN->eMethod == METHOD_ZSCORE && n >= 2) {
      /* [S-M-ZSCORE] sample sd (n - 1), two-pass in input order for accuracy. */
      double rSq = 0;
      for (int k = 0; k < n; k++) {
        double d = aPair[k].r - st->rMean;
        rSq += d * d;
      }
      st->rSd = sqrt(rSq / (n - 1));
    }
    /* "max = min", "good = bad" (from the group) and "sd = 0" are tested with the tie
    ** tolerance, like every other equality of the engine: a group_mean of three 12.3s is
    ** 12.300000000000002, and an exact test would score that ulp as the whole range,
    ** giving the units that reported 0 and the imputed one 1 (tests/reference/FINDINGS.md
    ** F1). */
    st->bFlat = score_values_tie(st->rMin, st->rMax);
    if (st->bFlat) st->rSd = 0;
    score_rank_sorted(score_sort_pairs(aPair, n, rLo, rHi, &r->sort), n, bRankLower, r->aRank);
  }
  /* Data errors in input order, as the units file lists the units. */
  for (int u = 0; nBad > 0 && u < r->nUnit; u++) {
    if (!(aState[u] & ST_BAD)) continue;
    aState[u] &= (unsigned char)~ST_BAD;
    score_err(r, iLeaf, u, "value is not a finite number");
    nBad--;
  }
}

/* What score_emit needs to know of the leaf being scored. */
typedef struct ScoreEmit {
  LeafScore *aOut; /* the leaf's column of the block (aColOut) */
  int bWeighted;   /* a weighted leaf: points = w s */
  double w;        /* its weight */
} ScoreEmit;

/* Pass 1b, one cell: unit u's LeafScore of the leaf, from its state (aState, aFlags, aX,
** aRank) and, for a valued unit, the share s of a weighted leaf (NaN after a data error:
** share and points stay null) or the points rPts of an event leaf. */
static inline void score_emit(ScoreRun *r, const ScoreEmit *e, int u, double s, double rPts) {
  LeafScore L;
  L.flags = r->aFlags[u];
  L.iRank = 0;
  L.rValue = L.rShare = L.rPoints = NAN;
  switch (r->aState[u]) {
  case ST_NA:       /* all null */
  case ST_EXCLUDED: /* [S-NULLS-EXCL] */
    break;
  case ST_ZERO:
    /* [S-MISS-ZERO] a weighted leaf scores s = 0; an event leaf counts no event. */
    if (e->bWeighted) L.rShare = 0;
    L.rPoints = r->bPoints ? 0 : NAN;
    break;
  case ST_VALUED:
    L.rValue = r->aX[u];
    L.iRank = r->aRank[u];
    if (!e->bWeighted) {
      L.rPoints = rPts;
    } else if (!isnan(s)) {
      L.rShare = s;
      /* [S-AGG-POINTS] w s; [S-NULLS-INDEX] no points in index mode */
      L.rPoints = r->bPoints ? e->w * s : NAN;
    }
    break;
  }
  e->aOut[u] = L;
}

/* Pass 1b: the share [S-M-*] of every valued unit, then its LeafScore (score_emit), one
** loop per method so that each loop is small and branch-free on the method. Event leaves
** (deduct, bonus, veto, veto_top) have no share: they give points and add into the
** unit's bonus, deduct and flags. Every unit of the column is emitted exactly once. */
static void score_leaf_shares(ScoreRun *r, int iLeaf, int b) {
  const Scheme *pS = r->pS;
  const SchemeNode *pN = &pS->aNode[pS->aLeafNode[iLeaf]];
  const MethodParams *m = &pN->params;
  const unsigned char *aState = r->aState;
  const double *aX = r->aX;
  const int *aRank = r->aRank;
  int nU = r->nUnit, bPoints = r->bPoints;
  double w = pN->rWeight;
  ScoreEmit e;
  e.aOut = r->aColOut + (size_t)b * r->nUnit;
  e.bWeighted = r->aWeighted[iLeaf];
  e.w = w;

  switch (pN->eMethod) {
  case METHOD_COMPLETION: { /* [S-M-COMPLETION] */
    const double *aT = score_targets(r, iLeaf);
    double rFullAt = m->rFullAt, rCap = m->rCap;
    for (int u = 0; u < nU; u++) {
      if (aState[u] != ST_VALUED) {
        score_emit(r, &e, u, NAN, NAN);
        continue;
      }
      double x = aX[u];
      double s = NAN;
      double t = aT ? aT[u] : score_target(r, iLeaf, u);
      if (!isnan(t)) {
        double rr;
        if (!pN->bLower)
          rr = x / t;
        else
          rr = x <= 0 ? rCap : t / x;
        s = score_clamp(rr / rFullAt, 0, rCap);
      }
      score_emit(r, &e, u, s, NAN);
    }
    break;
  }
  /* The methods that read group statistics go group by group (they raise no data error,
  ** so the order of units does not show), with the statistics in registers. */
  case METHOD_RANK: /* [S-M-RANK] */
    for (int g = 0; g < r->nGroup; g++) {
      const ScoreGroupStat *st = &r->aStat[g];
      double rStep = m->bStep ? m->rStep : (1 - m->rMinShare) / (st->n - 1); /* n > 1 */
      for (int k = r->aGroupStart[g]; k < r->aGroupStart[g + 1]; k++) {
        int u = r->aMember[k];
        if (aState[u] != ST_VALUED) {
          score_emit(r, &e, u, NAN, NAN);
          continue;
        }
        score_emit(r, &e, u, st->n == 1 ? 1 : score_fmax(m->rMinShare, 1 - rStep * (aRank[u] - 1)),
                   NAN);
      }
    }
    break;
  case METHOD_EFFICACY: /* [S-M-EFFICACY] best = max, worst = min; lower: reversed */
    for (int g = 0; g < r->nGroup; g++) {
      const ScoreGroupStat *st = &r->aStat[g];
      double rGood = m->bGood ? m->rGood : (pN->bLower ? st->rMin : st->rMax);
      double rBad = m->bBad ? m->rBad : (pN->bLower ? st->rMax : st->rMin);
      int bSame = score_values_tie(rGood, rBad); /* d = 1 when good = bad */
      for (int k = r->aGroupStart[g]; k < r->aGroupStart[g + 1]; k++) {
        int u = r->aMember[k];
        if (aState[u] != ST_VALUED) {
          score_emit(r, &e, u, NAN, NAN);
          continue;
        }
        double d = bSame ? 1 : score_clamp((aX[u] - rBad) / (rGood - rBad), 0, 1);
        score_emit(r, &e, u, m->rBase + (1 - m->rBase) * d, NAN);
      }
    }
    break;
  case METHOD_MINMAX: /* [S-M-MINMAX] */
    for (int g = 0; g < r->nGroup; g++) {
      const ScoreGroupStat *st = &r->aStat[g];
      for (int k = r->aGroupStart[g]; k < r->aGroupStart[g + 1]; k++) {
        int u = r->aMember[k];
        if (aState[u] != ST_VALUED) {
          score_emit(r, &e, u, NAN, NAN);
          continue;
        }
        double x = aX[u], s;
        if (st->bFlat)
          s = 1;
        else if (!pN->bLower)
          s = (x - st->rMin) / (st->rMax - st->rMin);
        else
          s = (st->rMax - x) / (st->rMax - st->rMin);
        score_emit(r, &e, u, s, NAN);
      }
    }
    break;
  case METHOD_ZSCORE: /* [S-M-ZSCORE] n < 2 or sd = 0 -> 0; lower: -z */
    for (int g = 0; g < r->nGroup; g++) {
      const ScoreGroupStat *st = &r->aStat[g];
      for (int k = r->aGroupStart[g]; k < r->aGroupStart[g + 1]; k++) {
        int u = r->aMember[k];
        if (aState[u] != ST_VALUED) {
          score_emit(r, &e, u, NAN, NAN);
          continue;
        }
        double s;
        if (st->n < 2 || st->rSd == 0)
          s = 0;
        else
          s = (aX[u] - st->rMean) / st->rSd;
        if (pN->bLower && s != 0) s = -s;
        score_emit(r, &e, u, s, NAN);
      }
    }
    break;
  case METHOD_GOALPOST: { /* [S-M-GOALPOST] */
    double fLo = m->bLn ? log(m->rLo) : m->rLo, fHi = m->bLn ? log(m->rHi) : m->rHi;
    for (int u = 0; u < nU; u++) {
      if (aState[u] != ST_VALUED) {
        score_emit(r, &e, u, NAN, NAN);
        continue;
      }
      double x = aX[u];
      double s = NAN;
      double fx = x;
      if (m->bLn) {
        if (!(x > 0)) {
          score_err(r, iLeaf, u, "value %g is not > 0, which transform ln needs", x);
          score_emit(r, &e, u, s, NAN);
          continue;
        }
        fx = log(x);
      }
      double d = (fx - fLo) / (fHi - fLo);
      if (pN->bLower) d = 1 - d;
      s = m->bClamp ? score_clamp(d, 0, 1) : d;
      score_emit(r, &e, u, s, NAN);
    }
    break;
  }
  case METHOD_BANDS: { /* [S-M-BANDS] */
    /* Higher: the share of the largest threshold t with x >= t; lower: of the smallest t
    ** with t >= x (both with the tie tolerance). Thresholds are distinct (scheme.c), so
    ** trying them from the largest down (lower: from the smallest up) and stopping at the
    ** first that is met finds that same band. */
    Band *aBand = xmalloc_array((size_t)m->nBand, sizeof(Band));
    for (int k = 0; k < m->nBand; k++) {
      int j = k;
      while (j > 0 && (pN->bLower ? aBand[j - 1].rThreshold > m->aBand[k].rThreshold
                                  : aBand[j - 1].rThreshold < m->aBand[k].rThreshold)) {
        aBand[j] = aBand[j - 1];
        j--;
      }
      aBand[j] = m->aBand[k];
    }
    for (int u = 0; u < nU; u++) {
      if (aState[u] != ST_VALUED) {
        score_emit(r, &e, u, NAN, NAN);
        continue;
      }
      double x = aX[u], s = 0; /* none met -> 0 */
      for (int k = 0; k < m->nBand; k++) {
        if (pN->bLower ? score_at_least(aBand[k].rThreshold, x)
                       : score_at_least(x, aBand[k].rThreshold)) {
          s = aBand[k].rShare;
          break;
        }
      }
      score_emit(r, &e, u, s, NAN);
    }
    free(aBand);
    break;
  }
  case METHOD_TIMEPROGRESS: { /* [S-M-TIMEPROGRESS] */
    const double *aT = score_targets(r, iLeaf);
    double tp = m->bTp ? m->rTp : r->rTp;
    for (int u = 0; u < nU; u++) {
      if (aState[u] != ST_VALUED) {
        score_emit(r, &e, u, NAN, NAN);
        continue;
      }
      double x = aX[u];
      double s = NAN;
      double t = aT ? aT[u] : score_target(r, iLeaf, u);
      if (!isnan(t)) {
        double rr = x / t;
        if (score_at_least(rr, tp)) {
          s = 1;
        } else {
          s = score_clamp(rr / tp, 0, 1);
          r->aFlags[u] |= FLAG_BEHIND;
        }
      }
      score_emit(r, &e, u, s, NAN);
    }
    break;
  }
  case METHOD_MANUAL: /* [S-M-MANUAL] 0 <= x <= w; s = x/w */
    for (int u = 0; u < nU; u++) {
      if (aState[u] != ST_VALUED) {
        score_emit(r, &e, u, NAN, NAN);
        continue;
      }
      double x = aX[u];
      double s = NAN;
      if (x < 0 || (x > w && !score_values_tie(x, w)))
        score_err(r, iLeaf, u, "manual points %g are outside [0, %g] (the weight)", x, w);
      else
        s = x / w;
      score_emit(r, &e, u, s, NAN);
    }
    break;
  case METHOD_DEDUCT:
  case METHOD_BONUS: /* [S-M-DEDUCT] [S-M-BONUS] points = -/+ min(cap, per_event x) */
    for (int u = 0; u < nU; u++) {
      if (aState[u] != ST_VALUED) {
        score_emit(r, &e, u, NAN, NAN);
        continue;
      }
      double x = aX[u];
      UnitScore *pU = &r->pRes->aUnit[u];
      double rPts = NAN; /* share stays null */
      if (x < 0) {
        score_err(r, iLeaf, u, "%s counts events: %g is negative", scheme_method_name(pN->eMethod),
                  x);
      } else {
        double rAmount = score_fmin(m->rCap, m->rPerEvent * x);
        if (pN->eMethod == METHOD_DEDUCT) {
          pU->rDeduct += rAmount;
          rPts = bPoints ? (rAmount == 0 ? 0 : -rAmount) : NAN; /* [S-NULLS-DEDUCT] */
        } else {
          pU->rBonus += rAmount;
          rPts = bPoints ? rAmount : NAN;
        }
      }
      score_emit(r, &e, u, NAN, rPts);
    }
    break;
  case METHOD_VETO:
  case METHOD_VETO_TOP: /* [S-M-VETO] [S-M-VETO-TOP] x > 0 raises the flag; points 0 */
    for (int u = 0; u < nU; u++) {
      if (aState[u] != ST_VALUED) {
        score_emit(r, &e, u, NAN, NAN);
        continue;
      }
      double x = aX[u];
      double rPts = NAN;
      if (x < 0) {
        score_err(r, iLeaf, u, "%s counts events: %g is negative", scheme_method_name(pN->eMethod),
                  x);
      } else {
        if (x > 0) {
          unsigned f = pN->eMethod == METHOD_VETO ? FLAG_VETO : FLAG_VETO_TOP;
          r->aFlags[u] |= f;
          r->pRes->aUnit[u].flags |= f; /* [S-UNIT-FLAGS] */
        }
        rPts = bPoints ? 0 : NAN; /* [S-NULLS-VETO] */
      }
      score_emit(r, &e, u, NAN, rPts);
    }
    break;
  case METHOD__COUNT:
    for (int u = 0; u < nU; u++)
      score_emit(r, &e, u, NAN, NAN);
    break;
  }
}

/* Pass 1c: the block's LeafScores copied into the row-major result matrix, per unit nB
** contiguous ones: non-temporal stores where SSE2 has them, because the result is
** megabytes, written once here and read by the caller later, if at all, and an ordinary
** store would first fetch each line it overwrites. In points mode it also makes the sums
** of pass 2: each scored weighted leaf's points and weight enter the unit's (rBase and
** rWeightSum, zeroed by score_compute_into) and its ancestor categories' (held in the
** category's rValue and rPoints until score_unit_points) [S-AGG-POINTS]. Blocks come in
** scheme order and so do the leaves of a block, so every sum adds its terms in scheme
** order, as a row-by-row pass would; a unit's sums, and its leaves' parent's (the
** leaves of a category are consecutive), are held in registers across the block. */
static void score_block_store(ScoreRun *r, int l0, int nB) {
  const Scheme *pS = r->pS;
  size_t nU = (size_t)r->nUnit, nL = (size_t)r->nLeaf, nC = (size_t)r->nCat;
  int aSum[SCORE_BLOCK], aParent[SCORE_BLOCK];
  double aW[SCORE_BLOCK];
  for (int b = 0; b < nB; b++) {
    int l = l0 + b, k = r->aLeafCatStart[l];
    aSum[b] = r->bPoints && r->aWeighted[l]; /* its points enter the sums */
    aW[b] = pS->aNode[pS->aLeafNode[l]].rWeight;
    aParent[b] = k < r->aLeafCatStart[l + 1] ? r->aLeafCat[k] : -1;
  }
  /* Streamed stores need 16-byte alignment: malloc's on x86-64 (score.c allocates every
  ** result), and aWork's layout aligns aColOut to 64. */
  int bStream = ((uintptr_t)(void *)r->pRes->aLeaf & 15) == 0;
  for (size_t u = 0; u < nU; u++) {
    LeafScore *pRow = r->pRes->aLeaf + u * nL + (size_t)l0;
#ifdef __SSE2__
    for (int b = 0; b < nB && bStream; b++) {
      const __m128i *pSrc = (const __m128i *)(const void *)&r->aColOut[(size_t)b * nU + u];
      __m128i *pDst = (__m128i *)(void *)&pRow[b];
      _mm_stream_si128(pDst, _mm_load_si128(pSrc));
      _mm_stream_si128(pDst + 1, _mm_load_si128(pSrc + 1));
    }
#else
    bStream = 0;
#endif
    for (int b = 0; b < nB && !bStream; b++)
      pRow[b] = r->aColOut[(size_t)b * nU + u];
    if (!r->bPoints) continue;
    UnitScore *pU = &r->pRes->aUnit[u];
    CatScore *aC = r->pRes->aCat + u * nC;
    unsigned char *aAny = r->aCatAny + u * nC;
    double rBase = pU->rBase, rWeightSum = pU->rWeightSum;
    int c = -1; /* the category whose sums are in rCatPts, rCatW */
    double rCatPts = 0, rCatW = 0;
    for (int b = 0; b < nB; b++) {
      double rPts = r->aColOut[(size_t)b * nU + u].rPoints;
      /* applicable, not excluded, scored: the leaf's points and weight enter the sums */
      if (!aSum[b] || isnan(rPts)) continue;
      rBase += rPts;
      rWeightSum += aW[b];
      if (aParent[b] != c) {
        if (c >= 0) {
          aC[c].rValue = rCatPts; /* the sum of points, until score_unit_points */
          aC[c].rPoints = rCatW;  /* the sum of weights, likewise */
          aAny[c] = 1;
        }
        c = aParent[b];
        if (c >= 0) {
          rCatPts = aC[c].rValue;
          rCatW = aC[c].rPoints;
        }
      }
      if (c < 0) continue; /* a top-level leaf */
      rCatPts += rPts;
      rCatW += aW[b];
      /* the categories above the parent, in memory */
      for (int k = r->aLeafCatStart[l0 + b] + 1; k < r->aLeafCatStart[l0 + b + 1]; k++) {
        aC[r->aLeafCat[k]].rValue += rPts;
        aC[r->aLeafCat[k]].rPoints += aW[b];
        aAny[r->aLeafCat[k]] = 1;
      }
    }
    if (c >= 0) {
      aC[c].rValue = rCatPts;
      aC[c].rPoints = rCatW;
      aAny[c] = 1;
    }
    pU->rBase = rBase;
    pU->rWeightSum = rWeightSum;
  }
#ifdef __SSE2__
  _mm_sfence(); /* the streamed stores are ordered before anything after */
#endif
}

/* Pass 2, points mode, one unit [S-AGG-RESCALE] [S-AGG-CAT-POINTS]: the sums were made by
** score_block_store [S-AGG-POINTS]; here the unit's base and its categories' points are
** rescaled and the category values divided out. */
static void score_unit_points(ScoreRun *r, int u) {
  const Scheme *pS = r->pS;
  UnitScore *pU = &r->pRes->aUnit[u];
  double rTotal = pS->rTotal;
  double rW = pU->rWeightSum, rBase = pU->rBase;
  /* [S-AGG-RESCALE] when W != total, base = base total / W; W = 0 -> base = 0 */
  if (rW == 0)
    pU->rBase = 0;
  else if (rW != rTotal)
    pU->rBase = rBase * rTotal / rW;
  else
    pU->rBase = rBase;
  /* [S-AGG-TOTAL-POINTS] total = base + bonus - deduct */
  pU->rTotal = pU->rBase + pU->rBonus - pU->rDeduct;
  CatScore *aC = r->pRes->aCat + (size_t)u * r->nCat;
  const unsigned char *aAny = r->aCatAny + (size_t)u * r->nCat;
  for (int c = 0; c < r->nCat; c++) {
    CatScore *pC = &aC[c];
    if (!aAny[c]) {
      /* [S-NULLS-EMPTY] no weighted leaf of the category applies to the unit */
      pC->rValue = pC->rPoints = NAN;
      continue;
    }
    double rPts = pC->rValue, rCatW = pC->rPoints; /* the sums (score_block_store) */
    /* [S-AGG-CAT-VALUE] value = sum of points / sum of weights */
    pC->rValue = rCatW > 0 ? rPts / rCatW : NAN;
    /* [S-AGG-CAT-POINTS] points = sum of points x total/W, so categories add up to base */
    if (rW == 0)
      pC->rPoints = 0;
    else if (rW != rTotal)
      pC->rPoints = rPts * rTotal / rW;
    else
      pC->rPoints = rPts;
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
    score_rank_sorted(score_sort_any(r->aPair, n, &r->sort), n, 0, r->aRank);
    for (int k = r->aGroupStart[g]; k < r->aGroupStart[g + 1]; k++) {
      UnitScore *pU = &r->pRes->aUnit[r->aMember[k]];
      pU->iRank = r->aRank[r->aMember[k]];
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
** is 2 MiB-aligned and asks for them. Only speed depends on it; free() releases either.
** (score_compute_into with a result to reuse avoids the faults altogether.) */
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

/* A result of the given shape: p itself when its matrices have that shape (aUnit zeroed,
** the rest left to be overwritten, I6), else p (or a new result when p is NULL) with new
** matrices. aUnit starts zeroed either way: pass 1 adds into it. */
static ScoreResult *score_result_shape(ScoreResult *p, int nUnit, int nLeaf, int nCat) {
  size_t nU = (size_t)(nUnit ? nUnit : 1);
  if (p && p->nUnit == nUnit && p->nLeaf == nLeaf && p->nCat == nCat) {
    memset(p->aUnit, 0, nU * sizeof(UnitScore));
    return p;
  }
  if (p) {
    free(p->aLeaf);
    free(p->aCat);
    free(p->aUnit);
  } else {
    p = xcalloc(1, sizeof(ScoreResult));
  }
  p->nUnit = nUnit;
  p->nLeaf = nLeaf;
  p->nCat = nCat;
  p->aLeaf = score_alloc_matrix(nU * (size_t)(nLeaf ? nLeaf : 1), sizeof(LeafScore));
  p->aCat = score_alloc_matrix(nU * (size_t)(nCat ? nCat : 1), sizeof(CatScore));
  p->aUnit = xcalloc(nU, sizeof(UnitScore));
  return p;
}

/* Lays the unit-sized scratch of a run out in one block of 64-byte aligned arrays: called
** with p == NULL it only returns the size; with the block it sets the pointers. */
static size_t score_layout(ScoreRun *r, char *p) {
  size_t o = 0, nU = (size_t)(r->nUnit ? r->nUnit : 1), nB = nU * SCORE_BLOCK;
#define SCORE_CARVE(ptr, nmemb, type)                                                              \
  do {                                                                                             \
    o = (o + 63) & ~(size_t)63;                                                                    \
    if (p) (ptr) = (type *)(void *)(p + o);                                                        \
    o += (size_t)(nmemb) * sizeof(type);                                                           \
  } while (0)
  SCORE_CARVE(r->aSlot, r->nSlot, int);
  SCORE_CARVE(r->aGid, nU, int);
  SCORE_CARVE(r->aMember, nU, int);
  SCORE_CARVE(r->azGroupName, nU, const char *);
  SCORE_CARVE(r->aColX, nU * (size_t)(r->nLeaf ? r->nLeaf : 1), double);
  SCORE_CARVE(r->aColT, nU * (size_t)r->nColT, double);
  SCORE_CARVE(r->aColP, nU * (size_t)r->nColP, double);
  SCORE_CARVE(r->aColOut, nB, LeafScore);
  SCORE_CARVE(r->aX, nU, double);
  SCORE_CARVE(r->aRank, nU, int);
  SCORE_CARVE(r->aState, nU, unsigned char);
  SCORE_CARVE(r->aFlags, nU, unsigned char);
  SCORE_CARVE(r->aPair, nU, ScorePair);
  SCORE_CARVE(r->sort.aTmp, nU, ScorePair);
  SCORE_CARVE(r->sort.aKey, nU, uint64_t);
  SCORE_CARVE(r->sort.aKey2, nU, uint64_t);
  SCORE_CARVE(r->sort.aCount, 2 * nU + 1, int);
  SCORE_CARVE(r->sort.aBucket, nU, int);
  if (r->bPoints) SCORE_CARVE(r->aCatAny, nU * (size_t)r->nCat, unsigned char);
#undef SCORE_CARVE
  return o;
}

/* The scheme-sized scratch: each leaf's ancestor categories, node accumulators. */
static void score_build_scheme(ScoreRun *r) {
  const Scheme *pS = r->pS;
  size_t nL = (size_t)r->nLeaf;
  r->aLeafCatStart = xmalloc_array(nL + 1, sizeof(int));
  int nAnc = 0;
  for (int l = 0; l < r->nLeaf; l++) {
    for (int k = pS->aNode[pS->aLeafNode[l]].iParent; k >= 0; k = pS->aNode[k].iParent)
      nAnc++;
  }
  r->aLeafCat = xmalloc_array((size_t)nAnc + 1, sizeof(int));
  nAnc = 0;
  for (int l = 0; l < r->nLeaf; l++) {
    r->aLeafCatStart[l] = nAnc;
    for (int k = pS->aNode[pS->aLeafNode[l]].iParent; k >= 0; k = pS->aNode[k].iParent)
      r->aLeafCat[nAnc++] = pS->aNode[k].iCat;
  }
  r->aLeafCatStart[r->nLeaf] = nAnc;
  r->aNodeA = xmalloc_array((size_t)(r->nNode ? r->nNode : 1), sizeof(double));
  r->aWeighted = xmalloc(nL ? nL : 1);
  for (int l = 0; l < r->nLeaf; l++) {
    r->aWeighted[l] = (unsigned char)scheme_method_weighted(pS->aNode[pS->aLeafNode[l]].eMethod);
  }
}

static void score_run_free(ScoreRun *r) {
  free(r->aWork);
  free(r->aColOfT);
  free(r->aColOfP);
  free(r->aLeafOfT);
  free(r->aLeafOfP);
  free(r->aApplies);
  free(r->aStat);
  free(r->aGroupStart);
  free(r->aLeafCatStart);
  free(r->aLeafCat);
  free(r->aNodeA);
  free(r->aWeighted);
  buf_free(&r->err);
}

ScoreResult *score_compute_into(const ScoreInput *pIn, ScoreResult *pReuse, char **pzErr) {
  if (pzErr) *pzErr = NULL;
  if (!pIn || !pIn->pScheme || pIn->nUnit < 0 ||
      (pIn->nUnit > 0 && (!pIn->azUnit || !pIn->azGroup))) {
    if (pzErr)
      *pzErr = xstrdup("score_compute: incomplete input (scheme, units and groups are required)");
    score_result_free(pReuse);
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
  r->nCat = r->pS->nCat;
  r->bPoints = r->pS->eAggregation == AGGREGATION_POINTS;

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

  ScoreResult *pRes = score_result_shape(pReuse, r->nUnit, r->nLeaf, r->nCat);
  pReuse = NULL; /* now pRes, freed with it on failure */
  r->pRes = pRes;

  r->nSlot = 16;
  while (r->nSlot < 2 * (size_t)r->nUnit)
    r->nSlot *= 2;
  score_plan_columns(r);
  r->aWork = xmalloc(score_layout(r, NULL));
  score_layout(r, r->aWork);
  score_build_groups(r);
  score_build_applies(r);
  score_build_scheme(r);
  score_gather(r);
  r->rTp = period_time_progress(&pIn->period, r->pS->bDayBasis);
  if (r->bPoints) {
    /* score_block_store adds into these */
    memset(pRes->aCat, 0, sizeof(CatScore) * (size_t)r->nUnit * (size_t)r->nCat);
    memset(r->aCatAny, 0, (size_t)r->nUnit * (size_t)r->nCat);
  }

  for (int l0 = 0; l0 < r->nLeaf; l0 += SCORE_BLOCK) {
    int nB = r->nLeaf - l0 < SCORE_BLOCK ? r->nLeaf - l0 : SCORE_BLOCK;
    for (int b = 0; b < nB; b++) {
      score_leaf_values(r, l0 + b);
      score_leaf_shares(r, l0 + b, b);
    }
    score_block_store(r, l0, nB);
  }
  if (r->nErr) {
    score_result_free(pRes);
    goto fail;
  }
  for (int u = 0; u < r->nUnit; u++) {
    if (r->bPoints)
      score_unit_points(r, u);
    else
      score_unit_index(r, u);
  }
  score_units_rank_grade(r);
  score_run_free(r);
  return pRes;

fail:
  score_result_free(pReuse);
  if (pzErr) {
    if (r->err.n && r->err.z[r->err.n - 1] == '\n') r->err.z[--r->err.n] = 0;
    *pzErr = buf_detach(&r->err);
  }
  score_run_free(r);
  return NULL;
}

ScoreResult *score_compute(const ScoreInput *pIn, char **pzErr) {
  return score_compute_into(pIn, NULL, pzErr);
}

/* Shared by the threads of one score_compute_batch call. Each input is taken by exactly
** one thread (iNext), which alone writes apOut[i] and azErr[i]; pthread_join orders those
** writes before the caller reads them. */
typedef struct ScoreBatch {
  const ScoreInput *aIn;
  ScoreResult **apOut;
  char **azErr;
  int nIn;
  atomic_int iNext;
} ScoreBatch;

static void *score_batch_worker(void *pArg) {
  ScoreBatch *p = pArg;
  for (;;) {
    int i = atomic_fetch_add(&p->iNext, 1);
    if (i >= p->nIn) break;
    p->apOut[i] = score_compute_into(&p->aIn[i], p->apOut[i], &p->azErr[i]);
  }
  return NULL;
}

int score_compute_batch(const ScoreInput *aIn, int nIn, ScoreResult **apOut, int nThreads,
                        char **pzErr) {
  if (pzErr) *pzErr = NULL;
  if (nIn <= 0) return 0;
  if (nThreads < 1) nThreads = 1;
  if (nThreads > nIn) nThreads = nIn;
  ScoreBatch batch;
  batch.aIn = aIn;
  batch.apOut = apOut;
  batch.azErr = xcalloc((size_t)nIn, sizeof(char *));
  batch.nIn = nIn;
  atomic_init(&batch.iNext, 0);
  pthread_t *aThread = xmalloc_array((size_t)nThreads, sizeof(pthread_t));
  int nStarted = 0;
  for (int t = 1; t < nThreads; t++) {
    /* A thread that cannot be started (EAGAIN) only costs speed: the threads that run,
    ** the caller's included, take every input between them. */
    if (pthread_create(&aThread[nStarted], NULL, score_batch_worker, &batch) != 0) break;
    nStarted++;
  }
  score_batch_worker(&batch);
  for (int t = 0; t < nStarted; t++) {
    int rc = pthread_join(aThread[t], NULL);
    if (rc != 0) {
      /* cannot happen for a joinable thread we created; results would be unsafe to read */
      fprintf(stderr, "kaoping: pthread_join: %s\n", strerror(rc));
      abort();
    }
  }
  free(aThread);
  int nFail = 0;
  Buf err = BUF_INIT;
  for (int i = 0; i < nIn; i++) {
    if (apOut[i]) continue;
    nFail++;
    /* each line of input i's report, prefixed with the input it belongs to */
    const char *z = batch.azErr[i] ? batch.azErr[i] : "score_compute failed";
    for (;;) {
      const char *zEnd = strchr(z, '\n');
      size_t n = zEnd ? (size_t)(zEnd - z) : strlen(z);
      buf_printf(&err, "%sinput %d (period %s): %.*s", err.n ? "\n" : "", i, aIn[i].period.zCode,
                 (int)n, z);
      if (!zEnd) break;
      z = zEnd + 1;
    }
  }
  for (int i = 0; i < nIn; i++)
    free(batch.azErr[i]);
  free(batch.azErr);
  if (pzErr && nFail)
    *pzErr = buf_detach(&err);
  else
    buf_free(&err);
  return nFail;
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

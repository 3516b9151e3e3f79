/*
** test_score.c: unit tests of the scheme loader (scheme.c) and the scoring engine
** (score.c), clause by clause of SCORING.md. Each test names the clause tags it covers
** ("[S-M-EFFICACY]" ...), the same tags that src/score.c puts on its formulas, and
** works its expectations out by hand in the comments, so that a reader can check the
** arithmetic without running anything.
**
** Schemes are written inline with single quotes for readability; fx_quote() turns them
** into JSON. Fixtures are small (at most FX_MAX_UNIT units and FX_MAX_LEAF leaves).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"
#include "scheme.h"
#include "score.h"
#include "util/mem.h"
#include "util/text.h"

/* ---------------------------------------------------------------- helpers */

/* a == b within 1e-12 relative (SCORING.md asks 1e-9; we hold the engine tighter). */
#define assert_near(a, b)                                                                          \
  do {                                                                                             \
    double _a = (a), _b = (b);                                                                     \
    if (!(fabs(_a - _b) <= 1e-12 * fmax(1.0, fmax(fabs(_a), fabs(_b)))))                           \
      fail_msg("%s = %.17g, expected %.17g (line %d)", #a, _a, _b, __LINE__);                      \
  } while (0)
#define assert_null_num(a)                                                                         \
  do {                                                                                             \
    double _a = (a);                                                                               \
    if (!isnan(_a)) fail_msg("%s = %.17g, expected null (line %d)", #a, _a, __LINE__);             \
  } while (0)
#define assert_contains(hay, needle)                                                               \
  do {                                                                                             \
    const char *_h = (hay), *_n = (needle);                                                        \
    if (!_h || !strstr(_h, _n))                                                                    \
      fail_msg("expected to find \"%s\" in:\n%s\n(line %d)", _n, _h ? _h : "(null)", __LINE__);    \
  } while (0)

static char *fx_quote(const char *z) {
  char *p = xstrdup(z);
  for (char *q = p; *q; q++) {
    if (*q == '\'') *q = '"';
  }
  return p;
}

static Scheme *scheme_ok(const char *zJson) {
  char *z = fx_quote(zJson);
  char *zErr = NULL;
  Scheme *p = scheme_parse("t.json", z, &zErr);
  if (!p) fail_msg("scheme rejected:\n%s", zErr);
  free(z);
  return p;
}

/* Parses a scheme that must be rejected; returns the message (caller frees). */
static char *scheme_bad(const char *zJson) {
  char *z = fx_quote(zJson);
  char *zErr = NULL;
  Scheme *p = scheme_parse("t.json", z, &zErr);
  free(z);
  if (p) fail_msg("scheme accepted, expected an error:\n%s", zJson);
  assert_non_null(zErr);
  return zErr;
}

/* Asserts the scheme is rejected with a message containing every needle (NULL-ended). */
static void expect_scheme_error(const char *zJson, ...) {
  char *zErr = scheme_bad(zJson);
  va_list ap;
  va_start(ap, zJson);
  const char *zNeedle;
  while ((zNeedle = va_arg(ap, const char *)) != NULL) {
    if (!strstr(zErr, zNeedle)) {
      fail_msg("message lacks \"%s\":\n%s", zNeedle, zErr);
    }
  }
  va_end(ap);
  free(zErr);
}

#define FX_MAX_UNIT 16
#define FX_MAX_LEAF 24

typedef struct Fx {
  Scheme *pS;
  ScoreInput in;
  int nUnit;
  char *azUnit[FX_MAX_UNIT], *azGroup[FX_MAX_UNIT];
  double aV[FX_MAX_UNIT * FX_MAX_LEAF], aT[FX_MAX_UNIT * FX_MAX_LEAF];
  double aP[FX_MAX_UNIT * FX_MAX_LEAF];
  ScoreResult *pR;
  char *zErr;
} Fx;

/* A fixture: scheme JSON, period code, units as "CODE:GROUP CODE:GROUP ...". Every value,
** target and previous value starts missing (NaN). */
static Fx *fx_new(const char *zScheme, const char *zPeriod, const char *zUnits) {
  Fx *f = xcalloc(1, sizeof(Fx));
  f->pS = scheme_ok(zScheme);
  assert_true(f->pS->nLeaf <= FX_MAX_LEAF);
  char *zErr = NULL;
  if (period_parse(zPeriod, &f->in.period, &zErr)) fail_msg("%s", zErr);
  char *zCopy = xstrdup(zUnits);
  for (char *zTok = strtok(zCopy, " "); zTok; zTok = strtok(NULL, " ")) {
    char *zColon = strchr(zTok, ':');
    assert_non_null(zColon);
    assert_true(f->nUnit < FX_MAX_UNIT);
    f->azUnit[f->nUnit] = xstrndup(zTok, (size_t)(zColon - zTok));
    f->azGroup[f->nUnit] = xstrdup(zColon + 1);
    f->nUnit++;
  }
  free(zCopy);
  for (int i = 0; i < FX_MAX_UNIT * FX_MAX_LEAF; i++)
    f->aV[i] = f->aT[i] = f->aP[i] = NAN;
  f->in.pScheme = f->pS;
  f->in.nUnit = f->nUnit;
  f->in.azUnit = (const char *const *)f->azUnit;
  f->in.azGroup = (const char *const *)f->azGroup;
  f->in.aValue = f->aV;
  f->in.aTarget = f->aT;
  f->in.aPrevious = f->aP;
  return f;
}

static int fx_unit(const Fx *f, const char *zUnit) {
  for (int i = 0; i < f->nUnit; i++) {
    if (strcmp(f->azUnit[i], zUnit) == 0) return i;
  }
  fail_msg("no unit %s in the fixture", zUnit);
  return -1;
}

static int fx_leaf(const Fx *f, const char *zCode) {
  int iNode = scheme_find(f->pS, zCode);
  if (iNode < 0 || !f->pS->aNode[iNode].bLeaf) fail_msg("no leaf %s", zCode);
  return f->pS->aNode[iNode].iLeaf;
}

static int fx_catidx(const Fx *f, const char *zCode) {
  int iNode = scheme_find(f->pS, zCode);
  if (iNode < 0 || f->pS->aNode[iNode].bLeaf) fail_msg("no category %s", zCode);
  return f->pS->aNode[iNode].iCat;
}

static void fx_v(Fx *f, const char *zUnit, const char *zLeaf, double r) {
  f->aV[fx_unit(f, zUnit) * f->pS->nLeaf + fx_leaf(f, zLeaf)] = r;
}
static void fx_t(Fx *f, const char *zUnit, const char *zLeaf, double r) {
  f->aT[fx_unit(f, zUnit) * f->pS->nLeaf + fx_leaf(f, zLeaf)] = r;
}
static void fx_p(Fx *f, const char *zUnit, const char *zLeaf, double r) {
  f->aP[fx_unit(f, zUnit) * f->pS->nLeaf + fx_leaf(f, zLeaf)] = r;
}

static void fx_run(Fx *f) {
  score_result_free(f->pR);
  free(f->zErr);
  f->zErr = NULL;
  f->pR = score_compute(&f->in, &f->zErr);
  if (!f->pR) fail_msg("score_compute failed:\n%s", f->zErr);
}

/* Runs a computation that must fail; returns the message (owned by the fixture). */
static const char *fx_run_err(Fx *f) {
  score_result_free(f->pR);
  free(f->zErr);
  f->zErr = NULL;
  f->pR = score_compute(&f->in, &f->zErr);
  if (f->pR) fail_msg("score_compute succeeded, expected a data error");
  assert_non_null(f->zErr);
  return f->zErr;
}

static const LeafScore *fx_l(const Fx *f, const char *zUnit, const char *zLeaf) {
  return &f->pR->aLeaf[fx_unit(f, zUnit) * f->pR->nLeaf + fx_leaf(f, zLeaf)];
}
static const CatScore *fx_c(const Fx *f, const char *zUnit, const char *zCat) {
  return &f->pR->aCat[fx_unit(f, zUnit) * f->pR->nCat + fx_catidx(f, zCat)];
}
static const UnitScore *fx_u(const Fx *f, const char *zUnit) {
  return &f->pR->aUnit[fx_unit(f, zUnit)];
}
static const char *fx_grade(const Fx *f, const char *zUnit) {
  int g = fx_u(f, zUnit)->iGrade;
  return g < 0 ? "(none)" : f->pS->aGrade[g].zLabel;
}

static void fx_free(Fx *f) {
  score_result_free(f->pR);
  free(f->zErr);
  scheme_free(f->pS);
  for (int i = 0; i < f->nUnit; i++) {
    free(f->azUnit[i]);
    free(f->azGroup[i]);
  }
  free(f);
}

/* A one-leaf points scheme around a leaf definition (JSON object text, single quotes). */
static char *one_leaf(const char *zLeaf) {
  return xasprintf("{'code':'T','aggregation':'points','total':100,'indicators':[%s]}", zLeaf);
}

/* A one-leaf index scheme. */
static char *one_leaf_index(const char *zLeaf) {
  return xasprintf("{'code':'T','aggregation':'index','indicators':[%s]}", zLeaf);
}

/* ---------------------------------------------------------------- ranks and ties */

/* [S-RANK-COMP] competition ranks 1,2,2,4, both directions; NaN unranked. */
static void test_rank_competition(void **state) {
  (void)state;
  double a[] = {10, 8, 8, 5, NAN};
  int r[5];
  score_competition_rank(a, 5, 0, r);
  /* higher: 10 first, 8 and 8 share 2, 5 is 4th (not 3rd) */
  assert_int_equal(r[0], 1);
  assert_int_equal(r[1], 2);
  assert_int_equal(r[2], 2);
  assert_int_equal(r[3], 4);
  assert_int_equal(r[4], 0);
  score_competition_rank(a, 5, 1, r);
  /* lower: 5 first, the two 8s share 2, 10 is 4th */
  assert_int_equal(r[0], 4);
  assert_int_equal(r[1], 2);
  assert_int_equal(r[2], 2);
  assert_int_equal(r[3], 1);
  assert_int_equal(r[4], 0);
}

/* [S-RANK-COMP] the 1e-9 relative tolerance, anchored at the first value of a run. */
static void test_rank_tolerance(void **state) {
  (void)state;
  assert_true(score_values_tie(1, 1 + 5e-10));
  assert_false(score_values_tie(1, 1 + 2e-9));
  assert_true(score_values_tie(0, 0));
  assert_false(score_values_tie(0, 1e-300));
  assert_true(score_values_tie(1e12, 1e12 + 100)); /* relative: 1e-10 of 1e12 */
  /* 1 and 1 + 1e-12 tie; 0.5 is third */
  double a[] = {1.0, 1.0 + 1e-12, 0.5};
  int r[3];
  score_competition_rank(a, 3, 0, r);
  assert_int_equal(r[0], 1);
  assert_int_equal(r[1], 1);
  assert_int_equal(r[2], 3);
  /* A chain: c = 1+1.2e-9 is best; b = 1+0.6e-9 ties with c (0.6e-9 apart); a = 1 is
  ** 1.2e-9 from the anchor c, so it does not tie, even though it ties with b. */
  double b[] = {1.0, 1.0 + 0.6e-9, 1.0 + 1.2e-9};
  score_competition_rank(b, 3, 0, r);
  assert_int_equal(r[2], 1);
  assert_int_equal(r[1], 1);
  assert_int_equal(r[0], 3);
}

/* [S-RANK-COMP] against a naive O(n^2) definition on random data with many exact ties:
** rank = 1 + number of values strictly better. */
static void test_rank_random(void **state) {
  (void)state;
  unsigned seed = 12345;
  for (int round = 0; round < 50; round++) {
    int n = 1 + round * 3;
    double *a = xmalloc_array((size_t)n, sizeof(double));
    int *r = xmalloc_array((size_t)n, sizeof(int));
    for (int i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      a[i] = (double)((seed >> 16) % 7) * 0.25; /* values on a coarse grid: exact ties */
      if ((seed >> 8) % 11 == 0) a[i] = NAN;
    }
    for (int bLower = 0; bLower <= 1; bLower++) {
      score_competition_rank(a, n, bLower, r);
      for (int i = 0; i < n; i++) {
        if (isnan(a[i])) {
          assert_int_equal(r[i], 0);
          continue;
        }
        int nBetter = 0;
        for (int j = 0; j < n; j++) {
          if (!isnan(a[j]) && (bLower ? a[j] < a[i] : a[j] > a[i])) nBetter++;
        }
        assert_int_equal(r[i], 1 + nBetter);
      }
    }
    free(a);
    free(r);
  }
}

/* [S-RANK-COMP] the radix sort's hard case: long runs of values that agree in their first
** 20 mantissa bits (so in the high half of the sort key) but differ further down, with
** exact duplicates among them; 1000 + k * 1e-5 are 1e-8 apart, more than the tie
** tolerance. Ranks must match the naive definition, in both directions. */
static void test_rank_long_runs(void **state) {
  (void)state;
  int n = 700;
  double *a = xmalloc_array((size_t)n, sizeof(double));
  int *r = xmalloc_array((size_t)n, sizeof(int));
  unsigned seed = 4242;
  for (int i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    a[i] = 1000 + (double)((seed >> 16) % 60) * 1e-5;
    if (i % 50 == 0) a[i] = -3.5 + (double)(i % 3); /* a few far values, negatives too */
  }
  for (int bLower = 0; bLower <= 1; bLower++) {
    score_competition_rank(a, n, bLower, r);
    for (int i = 0; i < n; i++) {
      int nBetter = 0;
      for (int j = 0; j < n; j++)
        nBetter += bLower ? a[j] < a[i] : a[j] > a[i];
      assert_int_equal(r[i], 1 + nBetter);
    }
  }
  free(a);
  free(r);
}

/* [S-RANK-LEAF] indicator ranks per peer group, direction-aware; deduct, veto and veto_top
** rank fewer events better, bonus more better; units without a value get no rank. */
static void test_rank_leaf_directions(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'points','indicators':["
                 "{'code':'H','weight':10,'method':'minmax'},"
                 "{'code':'L','weight':10,'method':'minmax','direction':'lower'},"
                 "{'code':'D','method':'deduct'},{'code':'B','method':'bonus'},"
                 "{'code':'V','method':'veto'},{'code':'VT','method':'veto_top'}]}",
                 "2021-B3", "A:g B:g C:g X:h");
  /* g: values 3, 1, 3; X alone in h */
  const char *azU[] = {"A", "B", "C"};
  double aX[] = {3, 1, 3};
  const char *azL[] = {"H", "L", "D", "B", "V", "VT"};
  for (int i = 0; i < 3; i++) {
    for (int k = 0; k < 6; k++)
      fx_v(f, azU[i], azL[k], aX[i]);
  }
  fx_v(f, "X", "H", 5);
  fx_run(f);
  /* higher: A 3 and C 3 share 1, B is 3rd; lower and event counts: B 1st, A and C 2nd */
  assert_int_equal(fx_l(f, "A", "H")->iRank, 1);
  assert_int_equal(fx_l(f, "C", "H")->iRank, 1);
  assert_int_equal(fx_l(f, "B", "H")->iRank, 3);
  assert_int_equal(fx_l(f, "B", "L")->iRank, 1);
  assert_int_equal(fx_l(f, "A", "L")->iRank, 2);
  assert_int_equal(fx_l(f, "C", "L")->iRank, 2);
  assert_int_equal(fx_l(f, "B", "D")->iRank, 1); /* fewer deductions is better */
  assert_int_equal(fx_l(f, "A", "D")->iRank, 2);
  assert_int_equal(fx_l(f, "A", "B")->iRank, 1); /* more bonus events is better */
  assert_int_equal(fx_l(f, "B", "B")->iRank, 3);
  assert_int_equal(fx_l(f, "B", "V")->iRank, 1);
  assert_int_equal(fx_l(f, "C", "VT")->iRank, 2);
  /* X is ranked only against its own group; missing values (zero policy) are unranked */
  assert_int_equal(fx_l(f, "X", "H")->iRank, 1);
  assert_int_equal(fx_l(f, "X", "L")->iRank, 0);
  assert_int_equal(fx_l(f, "X", "D")->iRank, 0);
  fx_free(f);
}

/* ---------------------------------------------------------------- methods */

/* [S-M-COMPLETION] higher: r = x/t, s = clamp(r/full_at, 0, cap). */
static void test_m_completion_higher(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'K','weight':10,'method':'completion'},"
                     "{'code':'K8','weight':10,'method':'completion','params':{'full_at':0.8}},"
                     "{'code':'K12','weight':10,'method':'completion','params':{'cap':1.2}}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g");
  free(z);
  const char *azL[] = {"K", "K8", "K12"};
  for (int k = 0; k < 3; k++) {
    fx_v(f, "A", azL[k], 80);
    fx_t(f, "A", azL[k], 100);
    fx_v(f, "B", azL[k], 130);
    fx_t(f, "B", azL[k], 100);
    fx_v(f, "C", azL[k], -5);
    fx_t(f, "C", azL[k], 100);
  }
  fx_run(f);
  /* A: r = 0.8 -> s 0.8, 8 points; full_at 0.8 -> 0.8/0.8 = 1 -> 10 points */
  assert_near(fx_l(f, "A", "K")->rShare, 0.8);
  assert_near(fx_l(f, "A", "K")->rPoints, 8);
  assert_near(fx_l(f, "A", "K8")->rShare, 1);
  /* B: r = 1.3 -> capped at 1; with cap 1.2 -> 1.2, 12 points (over the weight) */
  assert_near(fx_l(f, "B", "K")->rShare, 1);
  assert_near(fx_l(f, "B", "K12")->rShare, 1.2);
  assert_near(fx_l(f, "B", "K12")->rPoints, 12);
  /* C: r < 0 -> clamped to 0 */
  assert_near(fx_l(f, "C", "K")->rShare, 0);
  assert_near(fx_l(f, "A", "K")->rValue, 80);
  assert_int_equal(fx_l(f, "B", "K")->iRank, 1);
  fx_free(f);
}

/* [S-M-COMPLETION] lower: r = t/x, or r = cap when x <= 0. */
static void test_m_completion_lower(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'K','weight':10,'method':'completion','direction':'lower'},"
                     "{'code':'K15','weight':10,'method':'completion','direction':'lower',"
                     "'params':{'cap':1.5}}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g");
  free(z);
  const char *azL[] = {"K", "K15"};
  double aX[] = {50, 30, 0, -2};
  const char *azU[] = {"A", "B", "C", "D"};
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < 4; i++) {
      fx_v(f, azU[i], azL[k], aX[i]);
      fx_t(f, azU[i], azL[k], 40);
    }
  }
  fx_run(f);
  /* A: 40/50 = 0.8; B: 40/30 = 1.333 -> cap 1 (K) or 1.3333 (K15); C, D: x <= 0 -> r = cap */
  assert_near(fx_l(f, "A", "K")->rShare, 0.8);
  assert_near(fx_l(f, "B", "K")->rShare, 1);
  assert_near(fx_l(f, "B", "K15")->rShare, 40.0 / 30.0);
  assert_near(fx_l(f, "C", "K")->rShare, 1);
  assert_near(fx_l(f, "C", "K15")->rShare, 1.5);
  assert_near(fx_l(f, "D", "K15")->rShare, 1.5);
  /* ranks by value, lower better: D -2, C 0, B 30, A 50 */
  assert_int_equal(fx_l(f, "D", "K")->iRank, 1);
  assert_int_equal(fx_l(f, "A", "K")->iRank, 4);
  fx_free(f);
}

/* [S-M-COMPLETION] data errors: a target missing or <= 0 where a share must be computed;
** every problem listed, naming indicator and unit; none for a zero-policy missing value. */
static void test_m_completion_target_errors(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'K','weight':10,'method':'completion'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g");
  free(z);
  fx_v(f, "A", "K", 5); /* no target */
  fx_v(f, "B", "K", 5);
  fx_t(f, "B", "K", 0); /* target 0 */
  fx_v(f, "C", "K", 5);
  fx_t(f, "C", "K", -3); /* negative */
  /* D: no value (missing -> zero): no share to compute, so no target needed */
  const char *zErr = fx_run_err(f);
  assert_contains(zErr, "indicator K, unit A: target is missing");
  assert_contains(zErr, "indicator K, unit B: target 0 is not > 0");
  assert_contains(zErr, "indicator K, unit C: target -3 is not > 0");
  assert_null(strstr(zErr, "unit D"));
  fx_free(f);
}

/* [S-M-RANK] s = max(min_share, 1 - step (rank - 1)), step = (1 - min_share)/(n - 1). */
static void test_m_rank(void **state) {
  (void)state;
  char *z =
      one_leaf("{'code':'R','weight':10,'method':'rank'},"
               "{'code':'R6','weight':10,'method':'rank','params':{'min_share':0.6}},"
               "{'code':'RS','weight':10,'method':'rank','params':{'min_share':0.75,'step':0.1}},"
               "{'code':'RL','weight':10,'method':'rank','direction':'lower'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g S:solo");
  free(z);
  const char *azU[] = {"A", "B", "C", "D"};
  double aX[] = {10, 8, 8, 5};
  const char *azL[] = {"R", "R6", "RS", "RL"};
  for (int k = 0; k < 4; k++) {
    for (int i = 0; i < 4; i++)
      fx_v(f, azU[i], azL[k], aX[i]);
    fx_v(f, "S", azL[k], 1);
  }
  fx_run(f);
  /* ranks 1, 2, 2, 4; n = 4; R: step 1/3 -> 1, 2/3, 2/3, 0 */
  assert_near(fx_l(f, "A", "R")->rShare, 1);
  assert_near(fx_l(f, "B", "R")->rShare, 2.0 / 3.0);
  assert_near(fx_l(f, "C", "R")->rShare, 2.0 / 3.0);
  assert_near(fx_l(f, "D", "R")->rShare, 0);
  assert_near(fx_l(f, "B", "R")->rPoints, 10 * (1 - 1.0 / 3.0));
  /* R6: step 0.4/3 -> 1, 1 - 0.4/3 = 0.8667, 0.8667, 0.6 */
  assert_near(fx_l(f, "B", "R6")->rShare, 1 - 0.4 / 3);
  assert_near(fx_l(f, "D", "R6")->rShare, 0.6);
  /* RS: step 0.1 -> 1, 0.9, 0.9, max(0.75, 0.7) = 0.75 */
  assert_near(fx_l(f, "B", "RS")->rShare, 0.9);
  assert_near(fx_l(f, "D", "RS")->rShare, 0.75);
  /* RL: lower: D (5) rank 1 -> 1; B, C rank 2 -> 2/3; A rank 4 -> 0 */
  assert_near(fx_l(f, "D", "RL")->rShare, 1);
  assert_near(fx_l(f, "C", "RL")->rShare, 2.0 / 3.0);
  assert_near(fx_l(f, "A", "RL")->rShare, 0);
  /* n = 1 -> s = 1 */
  assert_near(fx_l(f, "S", "R")->rShare, 1);
  assert_near(fx_l(f, "S", "RS")->rShare, 1);
  fx_free(f);
}

/* [S-M-EFFICACY] d = (x - bad)/(good - bad) clamped, s = base + (1 - base) d. */
static void test_m_efficacy(void **state) {
  (void)state;
  char *z = one_leaf(
      "{'code':'EF','weight':10,'method':'efficacy','params':{'good':16,'bad':8}},"
      "{'code':'EG','weight':10,'method':'efficacy'},"
      "{'code':'EL','weight':10,'method':'efficacy','direction':'lower'},"
      "{'code':'EB','weight':10,'method':'efficacy','params':{'base':0,'good':10,'bad':10}},"
      "{'code':'EP','weight':10,'method':'efficacy','params':{'good':16}}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g E:g");
  free(z);
  const char *azU[] = {"A", "B", "C", "D", "E"};
  double aX[] = {12, 8, 16, 20, 4};
  const char *azL[] = {"EF", "EG", "EL", "EB", "EP"};
  for (int k = 0; k < 5; k++) {
    for (int i = 0; i < 5; i++)
      fx_v(f, azU[i], azL[k], aX[i]);
  }
  fx_run(f);
  /* EF (base 0.6, good 16, bad 8): x = 12 -> d = 0.5 -> s = 0.6 + 0.4 * 0.5 = 0.8 */
  assert_near(fx_l(f, "A", "EF")->rShare, 0.8);
  assert_near(fx_l(f, "A", "EF")->rPoints, 8);
  assert_near(fx_l(f, "B", "EF")->rShare, 0.6); /* x = bad -> d 0 */
  assert_near(fx_l(f, "C", "EF")->rShare, 1);   /* x = good -> d 1 */
  assert_near(fx_l(f, "D", "EF")->rShare, 1);   /* 20: d 1.5 clamped to 1 */
  assert_near(fx_l(f, "E", "EF")->rShare, 0.6); /* 4: d -0.5 clamped to 0 */
  /* EG: good/bad = group max/min = 20/4: x = 12 -> d = 8/16 = 0.5 -> 0.8 */
  assert_near(fx_l(f, "A", "EG")->rShare, 0.8);
  assert_near(fx_l(f, "B", "EG")->rShare, 0.6 + 0.4 * 4.0 / 16.0); /* x = 8: d 0.25 -> 0.7 */
  /* EL: lower, good = min 4, bad = max 20: x = 8 -> d = (8-20)/(4-20) = 0.75 -> 0.9 */
  assert_near(fx_l(f, "B", "EL")->rShare, 0.9);
  assert_near(fx_l(f, "E", "EL")->rShare, 1);
  assert_near(fx_l(f, "D", "EL")->rShare, 0.6);
  /* EB: good = bad -> d = 1 -> s = 0 + 1 * 1 = 1 for everyone */
  assert_near(fx_l(f, "E", "EB")->rShare, 1);
  /* EP: good fixed 16, bad = group min 4: x = 12 -> d = 8/12 -> 0.6 + 0.4 * 2/3 */
  assert_near(fx_l(f, "A", "EP")->rShare, 0.6 + 0.4 * (8.0 / 12.0));
  fx_free(f);
}

/* [S-M-EFFICACY] all values equal in the group: good = bad -> d = 1. */
static void test_m_efficacy_all_equal(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'E','weight':5,'method':'efficacy'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g");
  free(z);
  fx_v(f, "A", "E", 7);
  fx_v(f, "B", "E", 7);
  fx_run(f);
  assert_near(fx_l(f, "A", "E")->rShare, 1);
  assert_near(fx_l(f, "B", "E")->rPoints, 5);
  fx_free(f);
}

/* [S-M-MINMAX] higher (x - min)/(max - min); lower (max - x)/(max - min); max = min -> 1. */
static void test_m_minmax(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'M','weight':10,'method':'minmax'},"
                     "{'code':'ML','weight':10,'method':'minmax','direction':'lower'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g X:h Y:h");
  free(z);
  double aX[] = {10, 15, 20};
  const char *azU[] = {"A", "B", "C"};
  for (int i = 0; i < 3; i++) {
    fx_v(f, azU[i], "M", aX[i]);
    fx_v(f, azU[i], "ML", aX[i]);
  }
  fx_v(f, "X", "M", 3);
  fx_v(f, "Y", "M", 3);
  fx_run(f);
  assert_near(fx_l(f, "A", "M")->rShare, 0);
  assert_near(fx_l(f, "B", "M")->rShare, 0.5);
  assert_near(fx_l(f, "C", "M")->rShare, 1);
  assert_near(fx_l(f, "A", "ML")->rShare, 1);
  assert_near(fx_l(f, "B", "ML")->rShare, 0.5);
  assert_near(fx_l(f, "C", "ML")->rShare, 0);
  /* group h: max = min -> 1 */
  assert_near(fx_l(f, "X", "M")->rShare, 1);
  assert_near(fx_l(f, "Y", "M")->rShare, 1);
  fx_free(f);
}

/* [S-M-ZSCORE] z = (x - mean)/sd with sample sd; lower -z; n < 2 or sd = 0 -> 0. */
static void test_m_zscore(void **state) {
  (void)state;
  char *z = one_leaf_index("{'code':'Z','weight':1,'method':'zscore'},"
                           "{'code':'ZL','weight':1,'method':'zscore','direction':'lower'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g S:solo X:e Y:e");
  free(z);
  double aX[] = {2, 4, 6, 8};
  const char *azU[] = {"A", "B", "C", "D"};
  for (int i = 0; i < 4; i++) {
    fx_v(f, azU[i], "Z", aX[i]);
    fx_v(f, azU[i], "ZL", aX[i]);
  }
  fx_v(f, "S", "Z", 5);
  /* 0.1 three times: a naive mean is 0.10000000000000002, and a naive sd is not 0; the
  ** engine must still see "all equal" */
  fx_v(f, "X", "Z", 0.1);
  fx_v(f, "Y", "Z", 0.1);
  fx_run(f);
  /* mean 5; squared deviations 9 + 1 + 1 + 9 = 20; sd = sqrt(20/3) = 2.5820 */
  double sd = sqrt(20.0 / 3.0);
  assert_near(fx_l(f, "A", "Z")->rShare, -3 / sd); /* -1.1619 */
  assert_near(fx_l(f, "B", "Z")->rShare, -1 / sd);
  assert_near(fx_l(f, "D", "Z")->rShare, 3 / sd);
  assert_near(fx_l(f, "A", "ZL")->rShare, 3 / sd);
  assert_near(fx_l(f, "D", "ZL")->rShare, -3 / sd);
  assert_near(fx_l(f, "S", "Z")->rShare, 0); /* n = 1 */
  assert_near(fx_l(f, "X", "Z")->rShare, 0); /* sd = 0 */
  /* index mode: root = arithmetic mean of Z and ZL shares = 0 for A (they cancel) */
  assert_near(fx_u(f, "A")->rTotal, 0);
  assert_null_num(fx_l(f, "A", "Z")->rPoints);
  fx_free(f);
}

/* [S-M-GOALPOST] d = (f(x) - f(lo))/(f(hi) - f(lo)); lower 1 - d; clamp unless false. */
static void test_m_goalpost(void **state) {
  (void)state;
  char *z = one_leaf_index(
      "{'code':'G','weight':1,'method':'goalpost','params':{'lo':20,'hi':85}},"
      "{'code':'GL','weight':1,'method':'goalpost','direction':'lower','params':{'lo':20,'hi':85}},"
      "{'code':'GN','weight':1,'method':'goalpost','params':{'lo':20,'hi':85,'clamp':false}},"
      "{'code':'GI','weight':1,'method':'goalpost','params':{'lo':100,'hi':75000,'transform':'ln'}"
      "}");
  Fx *f = fx_new(z, "2014-Y", "A:g B:g C:g");
  free(z);
  const char *azL[] = {"G", "GL", "GN"};
  for (int k = 0; k < 3; k++) {
    fx_v(f, "A", azL[k], 81.6);
    fx_v(f, "B", azL[k], 90);
    fx_v(f, "C", azL[k], 10);
  }
  fx_v(f, "A", "GI", 64992);
  fx_v(f, "B", "GI", 100000);
  fx_v(f, "C", "GI", 50);
  fx_run(f);
  /* A: (81.6 - 20)/65 = 0.947692...; lower 1 - that */
  assert_near(fx_l(f, "A", "G")->rShare, (81.6 - 20) / 65);
  assert_near(fx_l(f, "A", "GL")->rShare, 1 - (81.6 - 20) / 65);
  /* B: 70/65 clamps to 1; unclamped 1.0769; lower clamps to 0 */
  assert_near(fx_l(f, "B", "G")->rShare, 1);
  assert_near(fx_l(f, "B", "GN")->rShare, 70.0 / 65.0);
  assert_near(fx_l(f, "B", "GL")->rShare, 0);
  /* C: -10/65 clamps to 0; unclamped negative */
  assert_near(fx_l(f, "C", "G")->rShare, 0);
  assert_near(fx_l(f, "C", "GN")->rShare, -10.0 / 65.0);
  /* ln: (ln 64992 - ln 100)/(ln 75000 - ln 100) = 0.97836... (HDR 2015 Norway) */
  assert_near(fx_l(f, "A", "GI")->rShare, (log(64992) - log(100)) / (log(75000) - log(100)));
  assert_near(fx_l(f, "B", "GI")->rShare, 1);
  assert_near(fx_l(f, "C", "GI")->rShare, 0);
  fx_free(f);
}

/* [S-M-GOALPOST] ln of a value <= 0 is a data error naming indicator and unit. */
static void test_m_goalpost_ln_error(void **state) {
  (void)state;
  char *z = one_leaf_index(
      "{'code':'GI','weight':1,'method':'goalpost','params':{'lo':1,'hi':10,'transform':'ln'}}");
  Fx *f = fx_new(z, "2021-Y", "A:g B:g");
  free(z);
  fx_v(f, "A", "GI", 0);
  fx_v(f, "B", "GI", 5);
  const char *zErr = fx_run_err(f);
  assert_contains(zErr, "indicator GI, unit A: value 0 is not > 0, which transform ln needs");
  fx_free(f);
}

/* [S-M-BANDS] higher: the share of the largest threshold <= x; lower: of the smallest
** threshold >= x; none met -> 0. Bands may be given in any order. */
static void test_m_bands(void **state) {
  (void)state;
  char *z = one_leaf(
      "{'code':'BH','weight':10,'method':'bands','params':{'bands':[[70,0.8],[75,1],[65,0.6]]}},"
      "{'code':'BL','weight':10,'method':'bands','direction':'lower',"
      "'params':{'bands':[[1,1],[2,0.8],[3,0.6]]}}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g E:g");
  free(z);
  const char *azU[] = {"A", "B", "C", "D", "E"};
  double aH[] = {72, 75, 64, 100, 75 - 1e-12};
  double aL[] = {1.5, 1, 3, 4, 0};
  for (int i = 0; i < 5; i++) {
    fx_v(f, azU[i], "BH", aH[i]);
    fx_v(f, azU[i], "BL", aL[i]);
  }
  fx_run(f);
  assert_near(fx_l(f, "A", "BH")->rShare, 0.8); /* 72: largest threshold <= 72 is 70 */
  assert_near(fx_l(f, "B", "BH")->rShare, 1);   /* 75: threshold met exactly */
  assert_near(fx_l(f, "C", "BH")->rShare, 0);   /* 64: none met */
  assert_near(fx_l(f, "D", "BH")->rShare, 1);
  assert_near(fx_l(f, "E", "BH")->rShare, 1);   /* 75 - 1e-12 ties with 75 */
  assert_near(fx_l(f, "A", "BL")->rShare, 0.8); /* 1.5: smallest threshold >= 1.5 is 2 */
  assert_near(fx_l(f, "B", "BL")->rShare, 1);
  assert_near(fx_l(f, "C", "BL")->rShare, 0.6);
  assert_near(fx_l(f, "D", "BL")->rShare, 0); /* 4: none met */
  assert_near(fx_l(f, "E", "BL")->rShare, 1); /* 0: smallest threshold >= 0 is 1 */
  assert_near(fx_l(f, "C", "BL")->rPoints, 6);
  fx_free(f);
}

/* [S-M-TIMEPROGRESS] a timeprogress leaf without "accumulate" is year-to-date (its values
** are "x year-to-date"): it validates and scores like one that says "ytd" (A: 60/100 = 0.6
** >= tp 0.5 -> share 1; B: 40/100 = 0.4 -> 0.4/0.5 = 0.8, BEHIND). */
static void test_m_timeprogress_default_ytd(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'TP','weight':8,'method':'timeprogress'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g");
  free(z);
  assert_int_equal(f->pS->aNode[scheme_find(f->pS, "TP")].eAccumulate, ACCUMULATE_YTD);
  fx_v(f, "A", "TP", 60);
  fx_t(f, "A", "TP", 100);
  fx_v(f, "B", "TP", 40);
  fx_t(f, "B", "TP", 100);
  fx_run(f);
  assert_near(fx_l(f, "A", "TP")->rShare, 1);
  assert_near(fx_l(f, "B", "TP")->rShare, 0.8);
  assert_true(fx_l(f, "B", "TP")->flags & FLAG_BEHIND);
  fx_free(f);
}

/* [S-M-TIMEPROGRESS] month basis: tp = 6/12 at 2021-B3; s = 1 if r >= tp, else r/tp with
** flag BEHIND. */
static void test_m_timeprogress_month(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'TP','weight':8,'method':'timeprogress','accumulate':'ytd'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g");
  free(z);
  const char *azU[] = {"A", "B", "C", "D"};
  double aX[] = {60, 40, 50, 49};
  for (int i = 0; i < 4; i++) {
    fx_v(f, azU[i], "TP", aX[i]);
    fx_t(f, azU[i], "TP", 100);
  }
  fx_run(f);
  /* A: r 0.6 >= 0.5 -> 1, 8 points, not behind */
  assert_near(fx_l(f, "A", "TP")->rShare, 1);
  assert_near(fx_l(f, "A", "TP")->rPoints, 8);
  assert_int_equal(fx_l(f, "A", "TP")->flags, 0);
  /* B: r 0.4 -> 0.4/0.5 = 0.8, 6.4 points, BEHIND */
  assert_near(fx_l(f, "B", "TP")->rShare, 0.8);
  assert_near(fx_l(f, "B", "TP")->rPoints, 6.4);
  assert_int_equal(fx_l(f, "B", "TP")->flags, FLAG_BEHIND);
  /* C: exactly on time progress: full, not behind */
  assert_near(fx_l(f, "C", "TP")->rShare, 1);
  assert_int_equal(fx_l(f, "C", "TP")->flags, 0);
  /* D: 0.49/0.5 = 0.98, BEHIND */
  assert_near(fx_l(f, "D", "TP")->rShare, 0.98);
  assert_int_equal(fx_l(f, "D", "TP")->flags, FLAG_BEHIND);
  fx_free(f);
}

/* [S-M-TIMEPROGRESS] day basis: tp = 181/365 at 2021-B3 (0.49589); and a given tp. */
static void test_m_timeprogress_day(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'points','time_basis':'day','indicators':["
                 "{'code':'TP','weight':8,'method':'timeprogress','accumulate':'ytd'},"
                 "{'code':'TQ','weight':8,'method':'timeprogress','accumulate':'ytd',"
                 "'params':{'tp':0.6}}]}",
                 "2021-B3", "A:g B:g");
  fx_v(f, "A", "TP", 49);
  fx_t(f, "A", "TP", 100);
  fx_v(f, "B", "TP", 50);
  fx_t(f, "B", "TP", 100);
  fx_v(f, "A", "TQ", 54);
  fx_t(f, "A", "TQ", 100);
  fx_v(f, "B", "TQ", 60);
  fx_t(f, "B", "TQ", 100);
  fx_run(f);
  /* A: 0.49 < 0.49589 -> 0.49 / (181/365) = 0.98812..., BEHIND (on the month basis 0.49
  ** would also be behind, but with share 0.98) */
  assert_near(fx_l(f, "A", "TP")->rShare, 0.49 / (181.0 / 365.0));
  assert_int_equal(fx_l(f, "A", "TP")->flags, FLAG_BEHIND);
  /* B: 0.5 >= 0.49589 -> full */
  assert_near(fx_l(f, "B", "TP")->rShare, 1);
  assert_int_equal(fx_l(f, "B", "TP")->flags, 0);
  /* TQ, tp 0.6: 0.54/0.6 = 0.9 BEHIND; 0.6 full */
  assert_near(fx_l(f, "A", "TQ")->rShare, 0.9);
  assert_int_equal(fx_l(f, "A", "TQ")->flags, FLAG_BEHIND);
  assert_near(fx_l(f, "B", "TQ")->rShare, 1);
  fx_free(f);
}

/* [S-M-TIMEPROGRESS] a missing target is a data error; a missing value (zero) is MISSING,
** not BEHIND, and needs no target. */
static void test_m_timeprogress_errors(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'TP','weight':8,'method':'timeprogress','accumulate':'ytd'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g");
  free(z);
  fx_v(f, "A", "TP", 10);
  const char *zErr = fx_run_err(f);
  assert_contains(zErr,
                  "indicator TP, unit A: target is missing (timeprogress needs a target > 0)");
  assert_null(strstr(zErr, "unit B"));
  fx_t(f, "A", "TP", 100);
  fx_run(f);
  assert_int_equal(fx_l(f, "B", "TP")->flags, FLAG_MISSING);
  assert_near(fx_l(f, "B", "TP")->rShare, 0);
  fx_free(f);
}

/* [S-M-MANUAL] x is the points given, s = x/w; outside [0, w] is a data error. */
static void test_m_manual(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'MA','weight':5,'method':'manual'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g");
  free(z);
  fx_v(f, "A", "MA", 4);
  fx_v(f, "B", "MA", 5);
  fx_v(f, "C", "MA", 0);
  fx_run(f);
  assert_near(fx_l(f, "A", "MA")->rShare, 0.8);
  assert_near(fx_l(f, "A", "MA")->rPoints, 4);
  assert_near(fx_l(f, "B", "MA")->rShare, 1);
  assert_near(fx_l(f, "C", "MA")->rShare, 0);
  fx_v(f, "C", "MA", 6);
  fx_v(f, "D", "MA", -1);
  const char *zErr = fx_run_err(f);
  assert_contains(zErr, "indicator MA, unit C: manual points 6 are outside [0, 5]");
  assert_contains(zErr, "indicator MA, unit D: manual points -1 are outside [0, 5]");
  fx_free(f);
}

/* [S-M-DEDUCT] [S-M-BONUS] points = -/+ min(cap, per_event x); share null; total = base +
** bonus - deduct; cap defaults to the weight when given, else no cap. */
static void test_m_deduct_bonus(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'W','weight':100,'method':'minmax'},"
                     "{'code':'D1','method':'deduct','params':{'per_event':0.5,'cap':5}},"
                     "{'code':'D2','weight':2,'method':'deduct'},"
                     "{'code':'D3','method':'deduct'},"
                     "{'code':'B1','method':'bonus','params':{'per_event':2,'cap':3}}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g");
  free(z);
  fx_v(f, "A", "W", 1);
  fx_v(f, "B", "W", 1);    /* max = min: both share 1, base 100 */
  fx_v(f, "A", "D1", 3);   /* -1.5 */
  fx_v(f, "B", "D1", 20);  /* 10 -> capped at 5 */
  fx_v(f, "A", "D2", 10);  /* cap = weight 2 -> -2 */
  fx_v(f, "B", "D2", 1);   /* -1 */
  fx_v(f, "A", "D3", 100); /* no weight, no cap -> -100 */
  fx_v(f, "B", "D3", 0);   /* 0 */
  fx_v(f, "A", "B1", 1);   /* +2 */
  fx_v(f, "B", "B1", 5);   /* 10 -> capped at 3 */
  fx_run(f);
  assert_near(fx_l(f, "A", "D1")->rPoints, -1.5);
  assert_near(fx_l(f, "B", "D1")->rPoints, -5);
  assert_near(fx_l(f, "A", "D2")->rPoints, -2);
  assert_near(fx_l(f, "B", "D2")->rPoints, -1);
  assert_near(fx_l(f, "A", "D3")->rPoints, -100);
  assert_near(fx_l(f, "B", "D3")->rPoints, 0);
  assert_false(signbit(fx_l(f, "B", "D3")->rPoints)); /* 0, not -0 */
  assert_near(fx_l(f, "A", "B1")->rPoints, 2);
  assert_near(fx_l(f, "B", "B1")->rPoints, 3);
  assert_null_num(fx_l(f, "A", "D1")->rShare); /* [S-NULLS-DEDUCT] */
  assert_null_num(fx_l(f, "A", "B1")->rShare);
  /* deduct and bonus are not weighted: W = 100, base 100.
  ** A: 100 + 2 - (1.5 + 2 + 100) = -1.5; B: 100 + 3 - (5 + 1 + 0) = 97 */
  assert_near(fx_u(f, "A")->rBase, 100);
  assert_near(fx_u(f, "A")->rTotal, -1.5);
  assert_near(fx_u(f, "A")->rDeduct, 103.5);
  assert_near(fx_u(f, "A")->rBonus, 2);
  assert_near(fx_u(f, "B")->rTotal, 97);
  assert_near(fx_u(f, "B")->rWeightSum, 100);
  /* negative counts are data errors */
  fx_v(f, "A", "D1", -1);
  fx_v(f, "B", "B1", -2);
  const char *zErr = fx_run_err(f);
  assert_contains(zErr, "indicator D1, unit A: deduct counts events: -1 is negative");
  assert_contains(zErr, "indicator B1, unit B: bonus counts events: -2 is negative");
  fx_free(f);
}

/* [S-M-VETO] [S-M-VETO-TOP] [S-GRADE-VETO] [S-GRADE-VETO-TOP] [S-UNIT-FLAGS] [S-NULLS-VETO]
** x > 0 raises the flag; points 0, share null; VETO takes the last grade; VETO_TOP moves
** the first grade to the second and leaves other grades alone. */
static void test_m_veto(void **state) {
  (void)state;
  Fx *f =
      fx_new("{'code':'T','aggregation':'points','total':100,"
             "'grades':{'by':'score','levels':[[90,'优秀'],[80,'良好'],[60,'一般'],[null,'较差']]},"
             "'indicators':[{'code':'W','weight':100,'method':'manual'},"
             "{'code':'V','method':'veto'},{'code':'VT','method':'veto_top'}]}",
             "2021-B3", "A:g B:g C:g D:g E:g");
  /* A 95 veto -> 较差; B 95 veto_top -> 良好; C 85 veto_top -> stays 良好;
  ** D 95 both -> 较差; E 95 nothing -> 优秀 */
  double aW[] = {95, 95, 85, 95, 95};
  double aV[] = {1, 0, 0, 2, 0};
  double aVT[] = {0, 1, 3, 1, 0};
  const char *azU[] = {"A", "B", "C", "D", "E"};
  for (int i = 0; i < 5; i++) {
    fx_v(f, azU[i], "W", aW[i]);
    fx_v(f, azU[i], "V", aV[i]);
    fx_v(f, azU[i], "VT", aVT[i]);
  }
  fx_run(f);
  assert_string_equal(fx_grade(f, "A"), "较差");
  assert_string_equal(fx_grade(f, "B"), "良好");
  assert_string_equal(fx_grade(f, "C"), "良好");
  assert_string_equal(fx_grade(f, "D"), "较差");
  assert_string_equal(fx_grade(f, "E"), "优秀");
  assert_int_equal(fx_u(f, "A")->flags, FLAG_VETO);
  assert_int_equal(fx_u(f, "B")->flags, FLAG_VETO_TOP);
  assert_int_equal(fx_u(f, "D")->flags, FLAG_VETO | FLAG_VETO_TOP);
  assert_int_equal(fx_u(f, "E")->flags, 0);
  assert_int_equal(fx_l(f, "A", "V")->flags, FLAG_VETO);
  assert_int_equal(fx_l(f, "B", "V")->flags, 0);
  assert_near(fx_l(f, "A", "V")->rPoints, 0);
  assert_null_num(fx_l(f, "A", "V")->rShare);
  assert_null_num(fx_l(f, "B", "VT")->rShare);
  /* the veto changes the grade, not the total or the rank */
  assert_near(fx_u(f, "A")->rTotal, 95);
  assert_int_equal(fx_u(f, "A")->iRank, 1);
  fx_free(f);
}

/* ---------------------------------------------------------------- missing data */

/* [S-MISS-ZERO] s = 0, flag MISSING, value and rank null, points 0. */
static void test_miss_zero(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'A1','weight':60,'method':'minmax'},"
                     "{'code':'A2','weight':40,'method':'minmax'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g");
  free(z);
  fx_v(f, "A", "A1", 1);
  fx_v(f, "B", "A1", 2);
  fx_v(f, "A", "A2", 5); /* B's A2 is missing */
  fx_run(f);
  const LeafScore *p = fx_l(f, "B", "A2");
  assert_int_equal(p->flags, FLAG_MISSING);
  assert_null_num(p->rValue);
  assert_near(p->rShare, 0);
  assert_near(p->rPoints, 0);
  assert_int_equal(p->iRank, 0);
  /* A alone valued on A2: max = min -> 1. B: A1 1 -> 60, A2 0 -> W = 100, total 60 */
  assert_near(fx_l(f, "A", "A2")->rShare, 1);
  assert_near(fx_u(f, "B")->rTotal, 60);
  assert_near(fx_u(f, "A")->rTotal, 40);
  fx_free(f);
}

/* [S-MISS-EXCLUDE] [S-AGG-RESCALE] [S-NULLS-EXCL] the leaf leaves the unit's sum. */
static void test_miss_exclude(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'A1','weight':60,'method':'manual'},"
                     "{'code':'A2','weight':40,'method':'manual','missing':'exclude'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g");
  free(z);
  fx_v(f, "A", "A1", 45);
  fx_v(f, "A", "A2", 40);
  fx_v(f, "B", "A1", 45); /* B's A2 missing -> excluded */
  fx_run(f);
  const LeafScore *p = fx_l(f, "B", "A2");
  assert_int_equal(p->flags, FLAG_EXCLUDED);
  assert_null_num(p->rValue);
  assert_null_num(p->rShare);
  assert_null_num(p->rPoints);
  assert_int_equal(p->iRank, 0);
  /* A: 45 + 40 = 85 of W 100. B: W = 60, base 45 * 100/60 = 75 */
  assert_near(fx_u(f, "A")->rTotal, 85);
  assert_near(fx_u(f, "B")->rWeightSum, 60);
  assert_near(fx_u(f, "B")->rTotal, 45.0 * 100 / 60);
  fx_free(f);
}

/* [S-MISS-GROUP-MEAN] [S-MISS-STATS] x = mean of the group's present values (the peer
** group's own, for units the leaf applies to), flag IMPUTED; statistics include it; no
** present value in the group -> as zero. */
static void test_miss_group_mean(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'M','weight':10,'method':'minmax','missing':'group_mean'},"
                     "{'code':'R','weight':10,'method':'rank','missing':'group_mean'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g X:h Y:h P:p");
  free(z);
  fx_v(f, "A", "M", 10);
  fx_v(f, "B", "M", 20);  /* C missing -> 15 */
  fx_v(f, "X", "M", 100); /* Y missing -> 100 (h's mean, not g's) */
  fx_v(f, "A", "R", 10);
  fx_v(f, "B", "R", 20);
  /* P: alone in p and missing: no present value -> as zero */
  fx_run(f);
  const LeafScore *p = fx_l(f, "C", "M");
  assert_int_equal(p->flags, FLAG_IMPUTED);
  assert_near(p->rValue, 15);
  /* minmax over 10, 20, 15 (imputed counts) -> C = 0.5 */
  assert_near(p->rShare, 0.5);
  assert_int_equal(p->iRank, 2);
  assert_near(fx_l(f, "Y", "M")->rValue, 100);
  assert_near(fx_l(f, "Y", "M")->rShare, 1);
  /* rank: n = 3 (the imputed unit counts): 20, 15, 10 -> ranks 1, 2, 3 -> s 1, 0.5, 0 */
  assert_near(fx_l(f, "C", "R")->rShare, 0.5);
  assert_near(fx_l(f, "A", "R")->rShare, 0);
  assert_int_equal(fx_l(f, "P", "M")->flags, FLAG_MISSING);
  assert_near(fx_l(f, "P", "M")->rShare, 0);
  fx_free(f);
}

/* [S-M-MINMAX] [S-M-EFFICACY] [S-M-ZSCORE] [S-MISS-STATS] "max = min", "good = bad" and
** "sd = 0" hold within the tie tolerance: three units report 12.3 and the fourth is imputed
** their mean, 36.9 / 3 = 12.300000000000002 in binary. On paper all four are equal, so all
** take minmax 1, efficacy 1 and zscore 0 (tests/reference/FINDINGS.md F1: exact tests gave
** the reporting units minmax 0 and efficacy 0.6, and the unit that reported nothing 1). */
static void test_miss_group_mean_flat(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'M','weight':10,'method':'minmax','missing':'group_mean'},"
                     "{'code':'E','weight':10,'method':'efficacy','missing':'group_mean'},"
                     "{'code':'Z','weight':10,'method':'manual'}");
  Fx *f = fx_new(z, "2021-M04", "A:G B:G C:G D:G");
  free(z);
  const char *azU[] = {"A", "B", "C", "D"};
  for (int i = 0; i < 4; i++) {
    if (i < 3) {
      fx_v(f, azU[i], "M", 12.3);
      fx_v(f, azU[i], "E", 12.3);
    }
    fx_v(f, azU[i], "Z", 5);
  }
  fx_run(f);
  assert_true(fx_l(f, "D", "M")->rValue != 12.3); /* the premise: one ulp away */
  for (int i = 0; i < 4; i++) {
    assert_near(fx_l(f, azU[i], "M")->rShare, 1);
    assert_near(fx_l(f, azU[i], "E")->rShare, 1);
    assert_near(fx_u(f, azU[i])->rTotal, 25.0 * 100 / 30); /* 83.333... */
    assert_int_equal(fx_u(f, azU[i])->iRank, 1);
  }
  fx_free(f);
  /* zscore, index mode, the same values: 0 for everyone */
  z = one_leaf_index("{'code':'Z','weight':1,'method':'zscore','missing':'group_mean'}");
  f = fx_new(z, "2021-M04", "A:G B:G C:G D:G");
  free(z);
  for (int i = 0; i < 3; i++)
    fx_v(f, azU[i], "Z", 12.3);
  fx_run(f);
  for (int i = 0; i < 4; i++)
    assert_near(fx_l(f, azU[i], "Z")->rShare, 0);
  fx_free(f);
}

/* [S-MISS-GROUP-MEAN] the group is the units of the same peer group to which the leaf
** applies: a value of a unit the leaf does not apply to never enters the mean. */
static void test_miss_group_mean_applies(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'M','weight':10,'method':'minmax','missing':'group_mean',"
                     "'groups':['g']}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g X:h");
  free(z);
  fx_v(f, "A", "M", 10);
  fx_v(f, "B", "M", 30);
  fx_v(f, "X", "M", 1000); /* X is in h: the leaf does not apply, its value is ignored */
  fx_run(f);
  assert_near(fx_l(f, "C", "M")->rValue, 20);
  assert_null_num(fx_l(f, "X", "M")->rValue);
  assert_int_equal(fx_l(f, "X", "M")->flags, 0);
  fx_free(f);
}

/* [S-MISS-CARRY] x = the previous period's value, flag CARRIED, or as zero. */
static void test_miss_carry(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'K','weight':10,'method':'minmax','missing':'carry'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g");
  free(z);
  fx_v(f, "A", "K", 10);
  fx_p(f, "A", "K", 99); /* not used: A has a value */
  fx_p(f, "B", "K", 20); /* B carries 20 */
  /* C: no previous value -> as zero */
  fx_run(f);
  assert_near(fx_l(f, "A", "K")->rValue, 10);
  assert_int_equal(fx_l(f, "A", "K")->flags, 0);
  assert_near(fx_l(f, "B", "K")->rValue, 20);
  assert_int_equal(fx_l(f, "B", "K")->flags, FLAG_CARRIED);
  assert_near(fx_l(f, "B", "K")->rShare, 1); /* minmax over 10, 20 */
  assert_int_equal(fx_l(f, "C", "K")->flags, FLAG_MISSING);
  assert_near(fx_l(f, "C", "K")->rShare, 0);
  /* without a previous matrix at all: as zero */
  f->in.aPrevious = NULL;
  fx_run(f);
  assert_int_equal(fx_l(f, "B", "K")->flags, FLAG_MISSING);
  fx_free(f);
}

/* [S-MISS-ZERO] event leaves: a missing count is zero events, flag MISSING. */
static void test_miss_event_leaves(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'W','weight':100,'method':'manual'},"
                     "{'code':'D','method':'deduct'},{'code':'V','method':'veto'}");
  Fx *f = fx_new(z, "2021-B3", "A:g");
  free(z);
  fx_v(f, "A", "W", 90);
  fx_run(f);
  assert_int_equal(fx_l(f, "A", "D")->flags, FLAG_MISSING);
  assert_near(fx_l(f, "A", "D")->rPoints, 0);
  assert_null_num(fx_l(f, "A", "D")->rShare);
  assert_int_equal(fx_u(f, "A")->flags, 0);
  assert_near(fx_u(f, "A")->rTotal, 90);
  fx_free(f);
}

/* ---------------------------------------------------------------- points aggregation */

/* The worked example of tests/cli/score.sh, in the engine directly.
** [S-AGG-POINTS] [S-AGG-RESCALE] [S-AGG-TOTAL-POINTS] [S-AGG-CAT-POINTS]
** [S-AGG-CAT-VALUE] [S-NULLS-EMPTY] [S-UNIT-RANK] [S-GRADE-SCORE] */
static const char *zPointsScheme =
    "{'code':'P','aggregation':'points','total':100,"
    "'grades':{'by':'score','levels':[[90,'优秀'],[80,'良好'],[60,'一般'],[null,'较差']]},"
    "'indicators':["
    "{'code':'A','children':["
    "  {'code':'A1','weight':40,'method':'completion'},"
    "  {'code':'A2','weight':20,'method':'minmax'}]},"
    "{'code':'B','children':["
    "  {'code':'B1','weight':30,'method':'bands','params':{'bands':[[10,1],[5,0.5]]},"
    "   'groups':['g1']}]},"
    "{'code':'C','children':["
    "  {'code':'C1','method':'deduct','params':{'per_event':0.5,'cap':2}},"
    "  {'code':'C2','method':'bonus','params':{'per_event':1,'cap':3}}]}]}";

static Fx *points_fixture(void) {
  Fx *f = fx_new(zPointsScheme, "2021-B3", "U1:g1 U2:g1 U3:g2 U4:g2");
  /* A1 completion, targets 100: U1 90 -> 0.9 (36), U2 100 -> 1 (40), U3 50 -> 0.5 (20),
  ** U4 120 -> 1 capped (40) */
  const char *azU[] = {"U1", "U2", "U3", "U4"};
  double aA1[] = {90, 100, 50, 120};
  for (int i = 0; i < 4; i++) {
    fx_v(f, azU[i], "A1", aA1[i]);
    fx_t(f, azU[i], "A1", 100);
  }
  /* A2 minmax per group: g1 3, 5 -> 0, 1; g2 7, 9 -> 0, 1 (points 0, 20) */
  fx_v(f, "U1", "A2", 3);
  fx_v(f, "U2", "A2", 5);
  fx_v(f, "U3", "A2", 7);
  fx_v(f, "U4", "A2", 9);
  /* B1 for g1 only: U1 12 -> 1 (30); U2 6 -> 0.5 (15) */
  fx_v(f, "U1", "B1", 12);
  fx_v(f, "U2", "B1", 6);
  /* C1 deduct 0.5 per event, cap 2: U1 3 -> 1.5; U2 0; U3 10 -> 2 (cap); U4 missing */
  fx_v(f, "U1", "C1", 3);
  fx_v(f, "U2", "C1", 0);
  fx_v(f, "U3", "C1", 10);
  /* C2 bonus 1 per event, cap 3: U1 0; U2 2; U3 missing; U4 5 -> 3 (cap) */
  fx_v(f, "U1", "C2", 0);
  fx_v(f, "U2", "C2", 2);
  fx_v(f, "U4", "C2", 5);
  return f;
}

static void test_agg_points(void **state) {
  (void)state;
  Fx *f = points_fixture();
  fx_run(f);
  /* U1: W = 40 + 20 + 30 = 90 != 100 -> base = (36 + 0 + 30) * 100/90 = 73.333...;
  **     total = 73.333... - 1.5 = 71.8333... */
  assert_near(fx_u(f, "U1")->rWeightSum, 90);
  assert_near(fx_u(f, "U1")->rBase, 66.0 * 100 / 90);
  assert_near(fx_u(f, "U1")->rTotal, 66.0 * 100 / 90 - 1.5);
  /* U2: (40 + 20 + 15) * 100/90 = 83.333...; + 2 = 85.333... */
  assert_near(fx_u(f, "U2")->rTotal, 75.0 * 100 / 90 + 2);
  /* U3: W = 60 (B1 not for g2): (20 + 0) * 100/60 = 33.333...; - 2 = 31.333... */
  assert_near(fx_u(f, "U3")->rWeightSum, 60);
  assert_near(fx_u(f, "U3")->rTotal, 20.0 * 100 / 60 - 2);
  /* U4: (40 + 20) * 100/60 = 100; + 3 = 103 */
  assert_near(fx_u(f, "U4")->rTotal, 103);
  /* leaf points are w s, before the rescale */
  assert_near(fx_l(f, "U1", "A1")->rPoints, 36);
  assert_near(fx_l(f, "U1", "A1")->rShare, 0.9);
  assert_near(fx_l(f, "U1", "C1")->rPoints, -1.5);
  assert_near(fx_l(f, "U3", "C1")->rPoints, -2);
  assert_int_equal(fx_l(f, "U4", "C1")->flags, FLAG_MISSING);
  /* categories, U1: A points 36 * 100/90 = 40, value 36/60 = 0.6; B 30 * 100/90, value 1;
  ** C has no weighted leaf: null, null. A + B = base. */
  assert_near(fx_c(f, "U1", "A")->rPoints, 40);
  assert_near(fx_c(f, "U1", "A")->rValue, 0.6);
  assert_near(fx_c(f, "U1", "B")->rPoints, 30.0 * 100 / 90);
  assert_near(fx_c(f, "U1", "B")->rValue, 1);
  assert_null_num(fx_c(f, "U1", "C")->rPoints);
  assert_null_num(fx_c(f, "U1", "C")->rValue);
  assert_near(fx_c(f, "U1", "A")->rPoints + fx_c(f, "U1", "B")->rPoints, fx_u(f, "U1")->rBase);
  /* U3: A points 20 * 100/60, value 20/60; B does not apply: null */
  assert_near(fx_c(f, "U3", "A")->rPoints, 20.0 * 100 / 60);
  assert_near(fx_c(f, "U3", "A")->rValue, 20.0 / 60);
  assert_null_num(fx_c(f, "U3", "B")->rValue);
  assert_null_num(fx_c(f, "U3", "B")->rPoints);
  /* B1 does not apply to g2: everything null, no flags */
  const LeafScore *p = fx_l(f, "U3", "B1");
  assert_null_num(p->rValue);
  assert_null_num(p->rShare);
  assert_null_num(p->rPoints);
  assert_int_equal(p->iRank, 0);
  assert_int_equal(p->flags, 0);
  /* ranks within groups; grades by score */
  assert_int_equal(fx_u(f, "U2")->iRank, 1);
  assert_int_equal(fx_u(f, "U1")->iRank, 2);
  assert_int_equal(fx_u(f, "U4")->iRank, 1);
  assert_int_equal(fx_u(f, "U3")->iRank, 2);
  assert_int_equal(fx_u(f, "U1")->nGroupSize, 2);
  assert_string_equal(fx_grade(f, "U1"), "一般"); /* 71.83 >= 60 */
  assert_string_equal(fx_grade(f, "U2"), "良好"); /* 85.33 >= 80 */
  assert_string_equal(fx_grade(f, "U3"), "较差"); /* 31.33: the null level */
  assert_string_equal(fx_grade(f, "U4"), "优秀"); /* 103 */
  /* leaf ranks: A1 in g1: U2 100 first; C1 (fewer better) g1: U2 0 first */
  assert_int_equal(fx_l(f, "U2", "A1")->iRank, 1);
  assert_int_equal(fx_l(f, "U1", "A1")->iRank, 2);
  assert_int_equal(fx_l(f, "U2", "C1")->iRank, 1);
  assert_int_equal(fx_l(f, "U1", "C1")->iRank, 2);
  assert_int_equal(fx_l(f, "U4", "C1")->iRank, 0);
  fx_free(f);
}

/* [S-AGG-RESCALE] W = total: no rescale (and no rounding from x * t / t); W = 0: base 0.
** [S-NULLS-EMPTY] a unit with nothing applicable: categories null, total bonus - deduct. */
static void test_agg_points_rescale_edges(void **state) {
  (void)state;
  Fx *f =
      fx_new("{'code':'T','aggregation':'points','total':3,'indicators':["
             "{'code':'A','children':[{'code':'A1','weight':1,'method':'manual','groups':['g']},"
             "{'code':'A2','weight':2,'method':'manual','groups':['g']}]},"
             "{'code':'BB','method':'bonus','params':{'per_event':0.25}}]}",
             "2021-B3", "U:g Z:other");
  /* U: W = 3 = total. 0.1 + 0.2 = 0.30000000000000004 exactly as summed; no rescale */
  fx_v(f, "U", "A1", 0.1);
  fx_v(f, "U", "A2", 0.2);
  fx_v(f, "Z", "BB", 2); /* +0.5 */
  fx_run(f);
  assert_true(fx_u(f, "U")->rBase == 0.1 + 0.2);
  assert_true(fx_c(f, "U", "A")->rPoints == 0.1 + 0.2);
  /* Z: no weighted leaf applies: W = 0 -> base 0; total = 0 + 0.5 */
  assert_near(fx_u(f, "Z")->rWeightSum, 0);
  assert_near(fx_u(f, "Z")->rBase, 0);
  assert_near(fx_u(f, "Z")->rTotal, 0.5);
  assert_null_num(fx_c(f, "Z", "A")->rValue);
  assert_null_num(fx_c(f, "Z", "A")->rPoints);
  fx_free(f);
}

/* [S-AGG-CAT-POINTS] [S-AGG-CAT-VALUE] nested categories sum every descendant leaf;
** excluded leaves leave both sums. */
static void test_agg_points_nested(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'points','total':100,'indicators':["
                 "{'code':'A','children':["
                 "  {'code':'A1','weight':20,'method':'manual'},"
                 "  {'code':'AA','children':["
                 "    {'code':'AA1','weight':30,'method':'manual'},"
                 "    {'code':'AA2','weight':10,'method':'manual','missing':'exclude'}]}]},"
                 "{'code':'B1','weight':40,'method':'manual'}]}",
                 "2021-B3", "U:g V:g");
  fx_v(f, "U", "A1", 10);
  fx_v(f, "U", "AA1", 15);
  fx_v(f, "U", "AA2", 5);
  fx_v(f, "U", "B1", 40);
  fx_v(f, "V", "A1", 10);
  fx_v(f, "V", "AA1", 15);
  fx_v(f, "V", "B1", 40); /* AA2 excluded */
  fx_run(f);
  /* U: W = 100, no rescale. AA: 20 points of 40 -> value 0.5; A: 30 of 60 -> 0.5 */
  assert_near(fx_c(f, "U", "AA")->rPoints, 20);
  assert_near(fx_c(f, "U", "AA")->rValue, 0.5);
  assert_near(fx_c(f, "U", "A")->rPoints, 30);
  assert_near(fx_c(f, "U", "A")->rValue, 0.5);
  assert_near(fx_u(f, "U")->rTotal, 70);
  /* V: W = 90; base 65 * 100/90. AA: 15 of 30 -> value 0.5, points 15 * 100/90 */
  assert_near(fx_c(f, "V", "AA")->rValue, 0.5);
  assert_near(fx_c(f, "V", "AA")->rPoints, 15.0 * 100 / 90);
  assert_near(fx_c(f, "V", "A")->rPoints, 25.0 * 100 / 90);
  assert_near(fx_c(f, "V", "A")->rValue, 25.0 / 50);
  assert_near(fx_u(f, "V")->rTotal, 65.0 * 100 / 90);
  fx_free(f);
}

/* ---------------------------------------------------------------- index aggregation */

/* [S-AGG-INDEX-ARITH] [S-AGG-INDEX-GEOM] [S-AGG-INDEX-ROOT] [S-AGG-INDEX-TOTAL]
** [S-NULLS-INDEX] the UNDP HDI shape on Norway's published 2014 components. */
static void test_agg_index_hdi(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'HDI','aggregation':'index','scale':1,'aggregate':'geometric',"
                 "'indicators':["
                 "{'code':'H','weight':1,'children':[{'code':'LE','weight':1,'method':'goalpost',"
                 "  'params':{'lo':20,'hi':85}}]},"
                 "{'code':'E','weight':1,'aggregate':'arithmetic','children':["
                 "  {'code':'EYS','weight':1,'method':'goalpost','params':{'lo':0,'hi':18}},"
                 "  {'code':'MYS','weight':1,'method':'goalpost','params':{'lo':0,'hi':15}}]},"
                 "{'code':'I','weight':1,'children':[{'code':'GNI','weight':1,'method':'goalpost',"
                 "  'params':{'lo':100,'hi':75000,'transform':'ln'}}]}]}",
                 "2014-Y", "NOR:world");
  fx_v(f, "NOR", "LE", 81.6);
  fx_v(f, "NOR", "EYS", 17.5);
  fx_v(f, "NOR", "MYS", 12.6);
  fx_v(f, "NOR", "GNI", 64992);
  fx_run(f);
  /* H = 61.6/65 = 0.94769; E = (17.5/18 + 12.6/15)/2 = (0.97222 + 0.84)/2 = 0.90611;
  ** I = ln(649.92)/ln(750) = 0.97837; HDI = (H E I)^(1/3) = 0.94359 -> 0.944 published */
  double h = 61.6 / 65, e = (17.5 / 18 + 12.6 / 15) / 2;
  double i = (log(64992) - log(100)) / (log(75000) - log(100));
  assert_near(fx_c(f, "NOR", "H")->rValue, h);
  assert_near(fx_c(f, "NOR", "E")->rValue, e);
  assert_near(fx_c(f, "NOR", "I")->rValue, i);
  assert_near(fx_u(f, "NOR")->rTotal, pow(h, 1.0 / 3) * pow(e, 1.0 / 3) * pow(i, 1.0 / 3));
  assert_true(fabs(round(fx_u(f, "NOR")->rTotal * 1000) / 1000 - 0.944) < 1e-12);
  assert_null_num(fx_c(f, "NOR", "H")->rPoints);
  assert_null_num(fx_l(f, "NOR", "LE")->rPoints);
  fx_free(f);
}

/* [S-AGG-INDEX-ARITH] [S-AGG-INDEX-GEOM] weighted means; geometric with any v <= 0 -> 0. */
static void test_agg_index_means(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'index','scale':100,'indicators':["
                 "{'code':'AR','children':[{'code':'a1','weight':1,'method':'manual'},"
                 "  {'code':'a2','weight':3,'method':'manual'}]},"
                 "{'code':'GE','aggregate':'geometric','children':["
                 "  {'code':'g1','weight':1,'method':'manual'},"
                 "  {'code':'g2','weight':3,'method':'manual'}]}]}",
                 "2021-B3", "U:g V:g");
  /* manual with weight 1 and 3: share = x/w */
  fx_v(f, "U", "a1", 0.2);
  fx_v(f, "U", "a2", 1.8); /* shares 0.2, 0.6 */
  fx_v(f, "U", "g1", 0.25);
  fx_v(f, "U", "g2", 3); /* shares 0.25, 1 */
  fx_v(f, "V", "a1", 0.2);
  fx_v(f, "V", "a2", 1.8);
  fx_v(f, "V", "g1", 0);
  fx_v(f, "V", "g2", 3); /* shares 0, 1 */
  fx_run(f);
  /* AR = (1 * 0.2 + 3 * 0.6)/4 = 0.5; GE = 0.25^(1/4) * 1^(3/4) = 0.70711 */
  assert_near(fx_c(f, "U", "AR")->rValue, 0.5);
  assert_near(fx_c(f, "U", "GE")->rValue, pow(0.25, 0.25));
  /* root: arithmetic (default) with category weights = sums of children's: 4 and 4:
  ** (4 * 0.5 + 4 * 0.70711)/8 = 0.60355; total = root * scale 100 */
  assert_near(fx_u(f, "U")->rTotal, 100 * (4 * 0.5 + 4 * pow(0.25, 0.25)) / 8);
  /* V: a share of 0 in a geometric mean -> 0; root (4 * 0.5 + 4 * 0)/8 = 0.25 */
  assert_near(fx_c(f, "V", "GE")->rValue, 0);
  assert_near(fx_u(f, "V")->rTotal, 25);
  fx_free(f);
}

/* [S-AGG-INDEX-GEOM] a negative value (goalpost without clamp) also gives 0, where the
** product of powers would be NaN (a negative number to the power 1/2). */
static void test_agg_index_geom_negative(void **state) {
  (void)state;
  Fx *f = fx_new(
      "{'code':'T','aggregation':'index','indicators':["
      "{'code':'GE','aggregate':'geometric','children':["
      "  {'code':'g1','weight':1,'method':'goalpost','params':{'lo':0,'hi':10,'clamp':false}},"
      "  {'code':'g2','weight':1,'method':'goalpost','params':{'lo':0,'hi':10}}]}]}",
      "2021-B3", "U:g V:g");
  fx_v(f, "U", "g1", -1);
  fx_v(f, "U", "g2", 8); /* shares -0.1 and 0.8 */
  fx_v(f, "V", "g1", 2);
  fx_v(f, "V", "g2", 8); /* 0.2 and 0.8: sqrt(0.16) = 0.4 */
  fx_run(f);
  assert_near(fx_l(f, "U", "g1")->rShare, -0.1);
  assert_near(fx_c(f, "U", "GE")->rValue, 0);
  assert_near(fx_u(f, "U")->rTotal, 0);
  assert_near(fx_c(f, "V", "GE")->rValue, 0.4);
  fx_free(f);
}

/* [S-AGG-INDEX-WEIGHT] [S-AGG-INDEX-EXCL] [S-NULLS-EMPTY] declared category weights;
** exclusions change a category's value, not its weight; a category with nothing left is
** left out of its parent; a unit with nothing left totals bonus - deduct. */
static void test_agg_index_weights_exclusions(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'index','indicators':["
                 "{'code':'A','weight':2,'children':["
                 "  {'code':'a1','weight':1,'method':'manual','missing':'exclude'},"
                 "  {'code':'a2','weight':1,'method':'manual','missing':'exclude'}]},"
                 "{'code':'B','children':["
                 "  {'code':'b1','weight':1,'method':'manual','missing':'exclude'}]},"
                 "{'code':'X','method':'bonus','params':{'per_event':0.5}},"
                 "{'code':'Y','method':'deduct','params':{'per_event':0.1}}]}",
                 "2021-B3", "U:g V:g W:g Z:g");
  /* U: everything: A = (0.4 + 0.8)/2 = 0.6 (weight 2), B = 0.9 (weight 1);
  **    root = (2 * 0.6 + 1 * 0.9)/3 = 0.7 */
  fx_v(f, "U", "a1", 0.4);
  fx_v(f, "U", "a2", 0.8);
  fx_v(f, "U", "b1", 0.9);
  /* V: a2 excluded: A = 0.4, still weight 2: root = (2 * 0.4 + 0.9)/3 = 0.56667 */
  fx_v(f, "V", "a1", 0.4);
  fx_v(f, "V", "b1", 0.9);
  /* W: b1 excluded: B has nothing -> left out: root = A = 0.6 */
  fx_v(f, "W", "a1", 0.4);
  fx_v(f, "W", "a2", 0.8);
  /* Z: all excluded: total = 0 + bonus 2 * 0.5 - deduct 3 * 0.1 = 0.7 */
  fx_v(f, "Z", "X", 2);
  fx_v(f, "Z", "Y", 3);
  fx_run(f);
  assert_near(fx_u(f, "U")->rTotal, 0.7);
  assert_near(fx_c(f, "V", "A")->rValue, 0.4);
  assert_near(fx_u(f, "V")->rTotal, (2 * 0.4 + 0.9) / 3);
  assert_null_num(fx_c(f, "W", "B")->rValue);
  assert_near(fx_u(f, "W")->rTotal, 0.6);
  assert_null_num(fx_c(f, "Z", "A")->rValue);
  assert_near(fx_u(f, "Z")->rBase, 0);
  assert_near(fx_u(f, "Z")->rTotal, 2 * 0.5 - 3 * 0.1);
  /* [S-NULLS-INDEX] in index mode the event leaves' points are null too */
  assert_null_num(fx_l(f, "Z", "X")->rPoints);
  assert_null_num(fx_l(f, "Z", "X")->rShare);
  fx_free(f);
}

/* [S-AGG-INDEX-ROOT] a geometric top level over leaves directly. */
static void test_agg_index_top_geometric(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'index','aggregate':'geometric','scale':10,"
                 "'indicators':[{'code':'a','weight':1,'method':'manual'},"
                 "{'code':'b','weight':2,'method':'manual'}]}",
                 "2021-B3", "U:g");
  fx_v(f, "U", "a", 0.5); /* share 0.5 */
  fx_v(f, "U", "b", 1);   /* share 0.5 */
  fx_run(f);
  /* 0.5^(1/3) * 0.5^(2/3) = 0.5; x scale 10 = 5 */
  assert_near(fx_u(f, "U")->rTotal, 5);
  fx_free(f);
}

/* ---------------------------------------------------------------- ranks and grades */

/* [S-UNIT-RANK] units by total within the peer group, competition ranking, no tie-break. */
static void test_unit_ranks_ties(void **state) {
  (void)state;
  char *z = one_leaf("{'code':'W','weight':100,'method':'manual'}");
  Fx *f = fx_new(z, "2021-B3", "A:g B:g C:g D:g X:h");
  free(z);
  fx_v(f, "A", "W", 90);
  fx_v(f, "B", "W", 80);
  fx_v(f, "C", "W", 80);
  fx_v(f, "D", "W", 70);
  fx_v(f, "X", "W", 10);
  fx_run(f);
  assert_int_equal(fx_u(f, "A")->iRank, 1);
  assert_int_equal(fx_u(f, "B")->iRank, 2);
  assert_int_equal(fx_u(f, "C")->iRank, 2);
  assert_int_equal(fx_u(f, "D")->iRank, 4);
  assert_int_equal(fx_u(f, "X")->iRank, 1);
  assert_int_equal(fx_u(f, "A")->nGroupSize, 4);
  assert_int_equal(fx_u(f, "X")->nGroupSize, 1);
  fx_free(f);
}

/* [S-GRADE-SCORE] the first level whose threshold <= total; null = always; thresholds
** met within the tie tolerance; no level met -> no grade. */
static void test_grades_by_score(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'points','total':100,"
                 "'grades':{'by':'score','levels':[[90,'A'],[80,'B'],[60,'C'],[null,'D']]},"
                 "'indicators':[{'code':'W','weight':100,'method':'manual'}]}",
                 "2021-B3", "P:g Q:g R:g S:g T:g");
  fx_v(f, "P", "W", 95);
  fx_v(f, "Q", "W", 89.99999999999999); /* 90 on paper: ties with 90 */
  fx_v(f, "R", "W", 60);
  fx_v(f, "S", "W", 59.9);
  fx_v(f, "T", "W", 80);
  fx_run(f);
  assert_string_equal(fx_grade(f, "P"), "A");
  assert_string_equal(fx_grade(f, "Q"), "A");
  assert_string_equal(fx_grade(f, "R"), "C");
  assert_string_equal(fx_grade(f, "S"), "D");
  assert_string_equal(fx_grade(f, "T"), "B");
  fx_free(f);
  /* without a null level, a low total takes no grade */
  f = fx_new("{'code':'T','aggregation':'points',"
             "'grades':{'by':'score','levels':[[90,'A'],[60,'B']]},"
             "'indicators':[{'code':'W','weight':100,'method':'manual'}]}",
             "2021-B3", "P:g");
  fx_v(f, "P", "W", 50);
  fx_run(f);
  assert_int_equal(fx_u(f, "P")->iGrade, -1);
  fx_free(f);
  /* without grades at all: no grade */
  char *z = one_leaf("{'code':'W','weight':100,'method':'manual'}");
  f = fx_new(z, "2021-B3", "P:g");
  free(z);
  fx_v(f, "P", "W", 50);
  fx_run(f);
  assert_int_equal(fx_u(f, "P")->iGrade, -1);
  fx_free(f);
}

/* [S-GRADE-SHARE] ranked r of n: the first level whose threshold >= r/n. */
static void test_grades_by_share(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'points',"
                 "'grades':{'by':'share','levels':[[0.3,'A'],[0.7,'B'],[null,'C']]},"
                 "'indicators':[{'code':'W','weight':100,'method':'manual'},"
                 "{'code':'V','method':'veto'}]}",
                 "2021-B3", "U1:g U2:g U3:g U4:g U5:g U6:g U7:g U8:g U9:g U10:g");
  /* totals 100, 90, 80, 80, 60, 50, 40, 30, 20, 10 -> ranks 1, 2, 3, 3, 5, ..., 10 */
  double aX[] = {100, 90, 80, 80, 60, 50, 40, 30, 20, 10};
  char zU[16];
  for (int i = 0; i < 10; i++) {
    snprintf(zU, sizeof zU, "U%d", i + 1);
    fx_v(f, zU, "W", aX[i]);
  }
  fx_v(f, "U1", "V", 1); /* a veto on the best unit: last level */
  fx_run(f);
  /* r/n: 0.1 0.2 0.3 0.3 -> A (0.3 >= 0.3, exactly); 0.5 0.6 0.7 -> B; 0.8 0.9 1 -> C */
  assert_string_equal(fx_grade(f, "U2"), "A");
  assert_string_equal(fx_grade(f, "U3"), "A");
  assert_string_equal(fx_grade(f, "U4"), "A");
  assert_string_equal(fx_grade(f, "U5"), "B");
  assert_string_equal(fx_grade(f, "U7"), "B");
  assert_string_equal(fx_grade(f, "U8"), "C");
  assert_string_equal(fx_grade(f, "U10"), "C");
  assert_string_equal(fx_grade(f, "U1"), "C"); /* [S-GRADE-VETO] */
  fx_free(f);
}

/* ---------------------------------------------------------------- errors and output */

/* Data errors: all listed, one line each, in the order of the units; the period must be
** in the scheme's year. */
static void test_data_errors_all_listed(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T','aggregation':'points','year':2021,'indicators':["
                 "{'code':'K','weight':50,'method':'completion'},"
                 "{'code':'M','weight':50,'method':'manual'}]}",
                 "2021-B3", "A:g B:g C:g");
  fx_v(f, "A", "K", 1);
  fx_v(f, "B", "K", 1);
  fx_t(f, "C", "K", 5);
  fx_v(f, "C", "K", 1);
  fx_v(f, "B", "M", 51);
  const char *zErr = fx_run_err(f);
  assert_string_equal(zErr,
                      "indicator K, unit A: target is missing (completion needs a target > 0)\n"
                      "indicator K, unit B: target is missing (completion needs a target > 0)\n"
                      "indicator M, unit B: manual points 51 are outside [0, 50] (the weight)");
  fx_free(f);
  f = fx_new("{'code':'T','aggregation':'points','year':2021,'indicators':["
             "{'code':'M','weight':50,'method':'manual'}]}",
             "2020-B3", "A:g");
  zErr = fx_run_err(f);
  assert_contains(zErr, "period 2020-B3 is not in the year of scheme T (2021)");
  fx_free(f);
  /* Data errors come in the order of the units file even where the engine walks the
  ** units group by group (groups interleaved here), leaf by leaf, a leaf's non-finite
  ** values before its other problems. */
  f = fx_new("{'code':'T','aggregation':'points','indicators':["
             "{'code':'K','weight':50,'method':'completion'},"
             "{'code':'R','weight':50,'method':'rank'}]}",
             "2021-B3", "A:g1 B:g2 C:g1 D:g2");
  fx_v(f, "A", "K", 1);
  fx_t(f, "A", "K", 4);
  fx_v(f, "B", "K", INFINITY);
  fx_v(f, "C", "K", -INFINITY);
  fx_v(f, "D", "K", 2); /* no target */
  fx_v(f, "D", "R", INFINITY);
  fx_v(f, "A", "R", INFINITY);
  fx_v(f, "C", "R", 3);
  zErr = fx_run_err(f);
  assert_string_equal(zErr,
                      "indicator K, unit B: value is not a finite number\n"
                      "indicator K, unit C: value is not a finite number\n"
                      "indicator K, unit D: target is missing (completion needs a target > 0)\n"
                      "indicator R, unit A: value is not a finite number\n"
                      "indicator R, unit D: value is not a finite number");
  fx_free(f);
}

/* [S-OUT-JSON] [S-OUT-NUM] [S-OUT-ORDER] the JSON shape of SCORING.md, nulls as null,
** numbers in the shortest form that reads back exactly. */
static void test_output_json(void **state) {
  (void)state;
  Fx *f = points_fixture();
  fx_run(f);
  char *zJson = score_result_json(&f->in, f->pR);
  json_error_t jerr;
  json_t *pRoot = json_loads(zJson, 0, &jerr);
  if (!pRoot) fail_msg("output is not JSON: %s\n%s", jerr.text, zJson);
  assert_string_equal(json_string_value(json_object_get(pRoot, "scheme")), "P");
  assert_string_equal(json_string_value(json_object_get(pRoot, "period")), "2021-B3");
  json_t *aU = json_object_get(pRoot, "units");
  assert_int_equal(json_array_size(aU), 4);
  const char *azU[] = {"U1", "U2", "U3", "U4"};
  for (int u = 0; u < 4; u++) {
    json_t *pU = json_array_get(aU, (size_t)u);
    assert_string_equal(json_string_value(json_object_get(pU, "code")), azU[u]); /* input order */
    assert_true(json_number_value(json_object_get(pU, "total")) == f->pR->aUnit[u].rTotal);
    assert_int_equal(json_object_size(pU), 8);
    json_t *aI = json_object_get(pU, "indicators");
    assert_int_equal(json_array_size(aI), 5);
    const char *azL[] = {"A1", "A2", "B1", "C1", "C2"}; /* scheme order */
    for (int l = 0; l < 5; l++) {
      json_t *pI = json_array_get(aI, (size_t)l);
      assert_string_equal(json_string_value(json_object_get(pI, "code")), azL[l]);
      assert_int_equal(json_object_size(pI), 6);
      const LeafScore *pL = &f->pR->aLeaf[u * 5 + l];
      /* every number reads back bit for bit; NaN is null */
      json_t *pV = json_object_get(pI, "points");
      if (isnan(pL->rPoints))
        assert_true(json_is_null(pV));
      else
        assert_true(json_number_value(pV) == pL->rPoints);
      pV = json_object_get(pI, "share");
      if (isnan(pL->rShare))
        assert_true(json_is_null(pV));
      else
        assert_true(json_number_value(pV) == pL->rShare);
    }
    json_t *aC = json_object_get(pU, "categories");
    assert_int_equal(json_array_size(aC), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(aC, 2), "code")), "C");
  }
  /* literal text of a few numbers and nulls */
  assert_contains(zJson, "\"code\": \"U4\", \"group\": \"g2\", \"total\": 103, \"rank\": 1, "
                         "\"grade\": \"优秀\", \"flags\": []");
  assert_contains(zJson, "{\"code\": \"A1\", \"value\": 90, \"share\": 0.9, \"points\": 36, "
                         "\"rank\": 2, \"flags\": []}");
  assert_contains(zJson, "{\"code\": \"C1\", \"value\": null, \"share\": null, \"points\": 0, "
                         "\"rank\": null, \"flags\": [\"MISSING\"]}");
  assert_contains(zJson, "{\"code\": \"C\", \"value\": null, \"points\": null}");
  assert_contains(zJson, "\"total\": 71.83333333333333");
  json_decref(pRoot);
  free(zJson);
  /* determinism: a second run prints the same bytes */
  fx_run(f);
  char *zJson2 = score_result_json(&f->in, f->pR);
  zJson = score_result_json(&f->in, f->pR);
  assert_string_equal(zJson, zJson2);
  free(zJson);
  free(zJson2);
  fx_free(f);
}

/* [S-OUT-NUM] 87.25 prints as 87.25, 6 as 6, 0.1 as 0.1; strings are escaped. */
static void test_output_numbers(void **state) {
  (void)state;
  Fx *f = fx_new("{'code':'T\\\\\\\"q','aggregation':'points','total':100,'indicators':["
                 "{'code':'W','weight':100,'method':'manual'}]}",
                 "2021-B3", "A:g\"x B:g\"x C:g\"x");
  fx_v(f, "A", "W", 87.25);
  fx_v(f, "B", "W", 6);
  fx_v(f, "C", "W", 0.1);
  fx_run(f);
  char *zJson = score_result_json(&f->in, f->pR);
  assert_contains(zJson, "\"total\": 87.25,");
  assert_contains(zJson, "\"total\": 6,");
  assert_contains(zJson, "\"total\": 0.1,");
  assert_contains(zJson, "\"share\": 0.8725,");
  assert_contains(zJson, "\"scheme\": \"T\\\\\\\"q\"");
  assert_contains(zJson, "\"group\": \"g\\\"x\"");
  json_error_t jerr;
  json_t *p = json_loads(zJson, 0, &jerr);
  assert_non_null(p);
  assert_string_equal(json_string_value(json_object_get(p, "scheme")), "T\\\"q");
  json_decref(p);
  free(zJson);
  fx_free(f);
}

/* [S-OUT-NUM] score_format_number: shortest round-trip, positional below 1e17. */
static void test_format_number(void **state) {
  (void)state;
  struct {
    double r;
    const char *z;
  } a[] = {
      {87.25, "87.25"},
      {6, "6"},
      {90, "90"},
      {100, "100"},
      {150, "150"},
      {12000, "12000"},
      {0.1, "0.1"},
      {-1.5, "-1.5"},
      {-0.0, "0"},
      {0, "0"},
      {1.0 / 3, "0.3333333333333333"},
      {71.83333333333333, "71.83333333333333"},
      {1e16, "10000000000000000"},
      {1e21, "1e+21"},
      {0.944, "0.944"},
      {1e-7, "1e-07"},
      {-250, "-250"},
      {NAN, "null"},
      {INFINITY, "null"},
  };
  char z[32];
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
    score_format_number(z, a[i].r);
    assert_string_equal(z, a[i].z);
    if (isfinite(a[i].r)) assert_true(strtod(z, NULL) == a[i].r);
  }
  /* the same text as text_fmt_double */
  double aSame[] = {0.1,
                    1.0 / 3,
                    2.0 / 3,
                    87.25,
                    0.944,
                    1e-7,
                    123456.789,
                    0.9476923076923076,
                    3.141592653589793,
                    71.83333333333333,
                    1e300,
                    5e-324,
                    -0.3};
  char zRef[32];
  for (size_t i = 0; i < sizeof aSame / sizeof aSame[0]; i++) {
    score_format_number(z, aSame[i]);
    text_fmt_double(zRef, aSame[i]);
    assert_string_equal(z, zRef);
  }
  /* every double of a sweep reads back exactly */
  unsigned seed = 99;
  for (int i = 0; i < 20000; i++) {
    seed = seed * 1103515245u + 12345u;
    double r = (double)(seed >> 4) / (double)(1u << (seed % 23)) * ((seed & 1) ? 1 : -1);
    if (i % 3 == 0) r = round(r);
    score_format_number(z, r);
    assert_true(strtod(z, NULL) == r);
    text_fmt_double(zRef, r); /* the same text as the slow, obviously shortest search */
    assert_string_equal(z, zRef);
  }
}

/* score_flag_name covers every flag bit and nothing else. */
static void test_flag_names(void **state) {
  (void)state;
  assert_string_equal(score_flag_name(FLAG_MISSING), "MISSING");
  assert_string_equal(score_flag_name(FLAG_EXCLUDED), "EXCLUDED");
  assert_string_equal(score_flag_name(FLAG_IMPUTED), "IMPUTED");
  assert_string_equal(score_flag_name(FLAG_CARRIED), "CARRIED");
  assert_string_equal(score_flag_name(FLAG_BEHIND), "BEHIND");
  assert_string_equal(score_flag_name(FLAG_VETO), "VETO");
  assert_string_equal(score_flag_name(FLAG_VETO_TOP), "VETO_TOP");
  assert_null(score_flag_name(1u << FLAG__COUNT));
  assert_null(score_flag_name(3));
}

/* A bigger run: every unit and leaf is scored, deterministic, and fast enough (a smoke
** test of the one-sort-per-leaf design, not the benchmark). */
static void test_large_run(void **state) {
  (void)state;
  Buf b = BUF_INIT;
  buf_puts(&b, "{\"code\":\"BIG\",\"aggregation\":\"points\",\"indicators\":[");
  const char *azMethod[] = {"efficacy", "rank", "minmax", "completion", "bands"};
  int nLeaf = 60;
  for (int l = 0; l < nLeaf; l++) {
    buf_printf(&b, "%s{\"code\":\"L%d\",\"weight\":%d,\"method\":\"%s\"%s%s}", l ? "," : "", l,
               1 + l % 3, azMethod[l % 5],
               l % 5 == 4 ? ",\"params\":{\"bands\":[[50,1],[20,0.5]]}" : "",
               l % 7 == 0 ? ",\"missing\":\"group_mean\"" : "");
  }
  buf_puts(&b, "]}");
  char *zErr = NULL;
  Scheme *pS = scheme_parse("big", buf_str(&b), &zErr);
  if (!pS) fail_msg("%s", zErr);
  buf_free(&b);
  int nUnit = 2844;
  char **azU = xmalloc_array((size_t)nUnit, sizeof(char *));
  const char *azG[] = {"县市", "城区", "园区"};
  const char **azGroup = xmalloc_array((size_t)nUnit, sizeof(char *));
  double *aV = xmalloc_array((size_t)nUnit * nLeaf, sizeof(double));
  double *aT = xmalloc_array((size_t)nUnit * nLeaf, sizeof(double));
  unsigned seed = 7;
  for (int u = 0; u < nUnit; u++) {
    azU[u] = xasprintf("U%04d", u);
    azGroup[u] = azG[u % 3];
    for (int l = 0; l < nLeaf; l++) {
      seed = seed * 1103515245u + 12345u;
      aV[u * nLeaf + l] = (seed >> 16) % 13 == 0 ? NAN : (double)((seed >> 8) % 1000) / 10;
      aT[u * nLeaf + l] = 60;
    }
  }
  ScoreInput in;
  memset(&in, 0, sizeof in);
  in.pScheme = pS;
  assert_int_equal(period_parse("2021-B3", &in.period, NULL), 0);
  in.nUnit = nUnit;
  in.azUnit = (const char *const *)azU;
  in.azGroup = azGroup;
  in.aValue = aV;
  in.aTarget = aT;
  ScoreResult *p1 = score_compute(&in, &zErr);
  if (!p1) fail_msg("%s", zErr);
  ScoreResult *p2 = score_compute(&in, &zErr);
  assert_non_null(p2);
  assert_memory_equal(p1->aUnit, p2->aUnit, sizeof(UnitScore) * (size_t)nUnit);
  for (int u = 0; u < nUnit; u++) {
    assert_true(p1->aUnit[u].iRank >= 1 && p1->aUnit[u].iRank <= p1->aUnit[u].nGroupSize);
    assert_int_equal(p1->aUnit[u].nGroupSize, 948);
    assert_true(isfinite(p1->aUnit[u].rTotal));
  }
  score_result_free(p1);
  score_result_free(p2);
  for (int u = 0; u < nUnit; u++)
    free(azU[u]);
  free(azU);
  free(azGroup);
  free(aV);
  free(aT);
  scheme_free(pS);
}

/* ---------------------------------------------------------------- reuse, batches, sorting */

/* [S-RANK-COMP] every path of the engine's sort (score.c, score_sort_pairs), against the
** naive definition: insertion for small groups; buckets for spread values; values far
** apart but clustered, which overflow the insertion budget and go to the radix sort; a
** range that overflows (+-1e308) or whose reciprocal does (subnormals); a group of one
** value; few distinct values with many ties. No two distinct values here are within the
** tie tolerance, so "1 + the number of values strictly better" is the rank. */
static void test_rank_sort_paths(void **state) {
  (void)state;
  enum { N = 600 };
  double *a = xmalloc_array(N, sizeof(double));
  int *r = xmalloc_array(N, sizeof(int));
  unsigned seed = 99;
  for (int eKind = 0; eKind < 7; eKind++) {
    for (int n = 1; n <= N; n = n < 40 ? n + 7 : n * 2) {
      for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        double u = (double)(seed >> 8) / 16777216.0; /* [0, 1) in 24 bits */
        switch (eKind) {
        case 0:
          a[i] = floor(u * 100000) / 100;
          break; /* spread, 2 decimals */
        case 1:
          a[i] = i % 10 == 0 ? 1e6 * u : 1 + u * 1e-3;
          break; /* clustered + outliers */
        case 2:
          a[i] = (2 * u - 1) * 1.5e308;
          break; /* max - min overflows */
        case 3:
          a[i] = (double)(seed >> 20) * 4.9406564584124654e-324;
          break; /* subnormals */
        case 4:
          a[i] = 42;
          break; /* one value */
        case 5:
          a[i] = (double)((seed >> 16) % 4);
          break; /* few values, ties */
        case 6:
          a[i] = i % 2 ? -u : u;
          break; /* signs mixed */
        }
      }
      for (int bLower = 0; bLower <= 1; bLower++) {
        score_competition_rank(a, n, bLower, r);
        for (int i = 0; i < n; i++) {
          int nBetter = 0;
          for (int j = 0; j < n; j++)
            nBetter += bLower ? a[j] < a[i] : a[j] > a[i];
          if (r[i] != 1 + nBetter)
            fail_msg("kind %d, n %d, %s: value %.17g ranked %d, expected %d", eKind, n,
                     bLower ? "lower" : "higher", a[i], r[i], 1 + nBetter);
        }
      }
    }
  }
  free(a);
  free(r);
}

/* A few periods of a mixed points scheme: categories two deep, every points-mode method,
** every missing policy, leaves restricted to some groups, units of three groups
** interleaved, values with ties and gaps. For the reuse and batch tests. */
typedef struct Periods {
  Scheme *pS;
  int nUnit, nPeriod;
  char **azUnit;
  const char **azGroup;
  double *aT, *aaV[4];
  ScoreInput aIn[4];
} Periods;

static Periods *periods_new(int nUnit) {
  Periods *p = xcalloc(1, sizeof(Periods));
  p->pS = scheme_ok(
      "{'code':'MIX','year':2021,'aggregation':'points','total':100,"
      "'grades':{'by':'score','levels':[[80,'A'],[60,'B'],[null,'C']]},'indicators':["
      " {'code':'A','children':["
      "  {'code':'A1','weight':10,'method':'completion','missing':'carry'},"
      "  {'code':'A2','weight':10,'method':'rank','missing':'group_mean'},"
      "  {'code':'AA','children':["
      "   {'code':'A3','weight':5,'method':'efficacy','direction':'lower'},"
      "   {'code':'A4','weight':5,'method':'minmax','missing':'exclude','groups':['g1','g2']}]}]},"
      " {'code':'B','children':["
      "  {'code':'B1','weight':10,'method':'goalpost','params':{'lo':1,'hi':100,'transform':'ln'}},"
      "  {'code':'B2','weight':10,'method':'bands','params':{'bands':[[60,1],[20,0.5]]}},"
      "  {'code':'B3','weight':20,'method':'timeprogress','missing':'carry'},"
      "  {'code':'B4','weight':10,'method':'manual'},"
      "  {'code':'B5','method':'deduct','weight':5},"
      "  {'code':'B6','method':'bonus','params':{'per_event':2}},"
      "  {'code':'B7','method':'veto'},{'code':'B8','method':'veto_top'}]}]}");
  p->nUnit = nUnit;
  p->nPeriod = 4;
  int nL = p->pS->nLeaf;
  static const char *azG[] = {"g0", "g1", "g2"};
  p->azUnit = xmalloc_array((size_t)nUnit, sizeof(char *));
  p->azGroup = xmalloc_array((size_t)nUnit, sizeof(char *));
  p->aT = xmalloc_array((size_t)nUnit * nL, sizeof(double));
  unsigned seed = 2024;
  for (int u = 0; u < nUnit; u++) {
    p->azUnit[u] = xasprintf("U%d", u);
    p->azGroup[u] = azG[(u * 7 + u / 5) % 3];
    for (int l = 0; l < nL; l++)
      p->aT[u * nL + l] = 50 + u % 13;
  }
  static const char *azPeriod[] = {"2021-M01", "2021-M02", "2021-M03", "2021-Q2"};
  for (int k = 0; k < p->nPeriod; k++) {
    p->aaV[k] = xmalloc_array((size_t)nUnit * nL, sizeof(double));
    for (int u = 0; u < nUnit; u++) {
      for (int l = 0; l < nL; l++) {
        seed = seed * 1103515245u + 12345u;
        int eMethod = p->pS->aNode[p->pS->aLeafNode[l]].eMethod;
        double v = (double)((seed >> 12) % 1000) / 10;                 /* 0 .. 99.9, with repeats */
        if (eMethod == METHOD_GOALPOST) v += 0.5;                      /* ln needs x > 0 */
        if (eMethod == METHOD_MANUAL) v = (double)((seed >> 12) % 11); /* 0 .. w */
        if (eMethod >= METHOD_DEDUCT) v = (seed >> 12) % 9 == 0 ? (double)((seed >> 20) % 3) : 0;
        if ((seed >> 4) % 17 == 0) v = NAN;
        p->aaV[k][u * nL + l] = v;
      }
    }
    ScoreInput *pIn = &p->aIn[k];
    pIn->pScheme = p->pS;
    assert_int_equal(period_parse(azPeriod[k], &pIn->period, NULL), 0);
    pIn->nUnit = nUnit;
    pIn->azUnit = (const char *const *)p->azUnit;
    pIn->azGroup = p->azGroup;
    pIn->aValue = p->aaV[k];
    pIn->aTarget = p->aT;
    pIn->aPrevious = k ? p->aaV[k - 1] : NULL;
  }
  return p;
}

static void periods_free(Periods *p) {
  for (int u = 0; u < p->nUnit; u++)
    free(p->azUnit[u]);
  free(p->azUnit);
  free(p->azGroup);
  free(p->aT);
  for (int k = 0; k < p->nPeriod; k++)
    free(p->aaV[k]);
  scheme_free(p->pS);
  free(p);
}

/* Bit for bit: every byte of every matrix (NaN payloads and signs of zero included). */
static void assert_result_identical(const ScoreResult *a, const ScoreResult *b) {
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(a->nUnit, b->nUnit);
  assert_int_equal(a->nLeaf, b->nLeaf);
  assert_int_equal(a->nCat, b->nCat);
  size_t nU = (size_t)a->nUnit;
  assert_memory_equal(a->aLeaf, b->aLeaf, sizeof(LeafScore) * nU * (size_t)a->nLeaf);
  assert_memory_equal(a->aCat, b->aCat, sizeof(CatScore) * nU * (size_t)a->nCat);
  assert_memory_equal(a->aUnit, b->aUnit, sizeof(UnitScore) * nU);
}

/* score_compute_into: a reused result is bit-identical to a fresh one, whatever it held
** before (another period; another scheme's shape, which makes it resize); on failure
** the result passed in is freed (ASan's leak check holds the test to that) and NULL
** comes back with the message. */
static void test_compute_into_reuse(void **state) {
  (void)state;
  Periods *p = periods_new(150);
  char *zErr = NULL;
  ScoreResult *apFresh[4];
  for (int k = 0; k < p->nPeriod; k++) {
    apFresh[k] = score_compute(&p->aIn[k], &zErr);
    if (!apFresh[k]) fail_msg("%s", zErr);
  }
  /* one result carried through every period, twice round */
  ScoreResult *pR = NULL;
  for (int round = 0; round < 2; round++) {
    for (int k = 0; k < p->nPeriod; k++) {
      ScoreResult *pPrev = pR;
      pR = score_compute_into(&p->aIn[k], pR, &zErr);
      if (!pR) fail_msg("%s", zErr);
      assert_null(zErr);
      if (pPrev) assert_ptr_equal(pR, pPrev); /* same shape: the same result, reused */
      assert_result_identical(pR, apFresh[k]);
    }
  }
  /* a result of another shape (an index scheme, 3 units) is resized */
  Fx *f = fx_new("{'code':'T','aggregation':'index','indicators':["
                 "{'code':'C','children':[{'code':'X','weight':1,'method':'minmax'}]}]}",
                 "2021-M03", "a:g b:g c:h");
  fx_v(f, "a", "X", 1);
  fx_v(f, "b", "X", 2);
  ScoreResult *pOther = score_compute_into(&f->in, NULL, &zErr);
  if (!pOther) fail_msg("%s", zErr);
  pOther = score_compute_into(&p->aIn[2], pOther, &zErr);
  if (!pOther) fail_msg("%s", zErr);
  assert_result_identical(pOther, apFresh[2]);
  /* and back: the small index result from the big points one */
  fx_run(f);
  pOther = score_compute_into(&f->in, pOther, &zErr);
  if (!pOther) fail_msg("%s", zErr);
  assert_result_identical(pOther, f->pR);
  /* a data error: the result passed in is consumed, the message is score_compute's */
  double rSaved = p->aT[0];
  p->aT[0] = 0; /* A1 (completion) of U0 divides by it */
  char *zErrFresh = NULL;
  assert_null(score_compute(&p->aIn[1], &zErrFresh));
  pR = score_compute_into(&p->aIn[1], pR, &zErr);
  assert_null(pR);
  assert_non_null(zErr);
  assert_string_equal(zErr, zErrFresh);
  assert_contains(zErr, "indicator A1, unit U0: target 0 is not > 0");
  free(zErr);
  free(zErrFresh);
  zErr = NULL;
  p->aT[0] = rSaved;
  /* incomplete input: also consumed */
  ScoreInput bad = p->aIn[0];
  bad.azGroup = NULL;
  assert_null(score_compute_into(&bad, pOther, &zErr));
  assert_contains(zErr, "incomplete input");
  free(zErr);
  for (int k = 0; k < p->nPeriod; k++)
    score_result_free(apFresh[k]);
  fx_free(f);
  periods_free(p);
}

/* score_compute_batch: each result is bit-identical to score_compute's, on 1, 2, 3 and 8
** threads (more threads than inputs too), into fresh results and into reused ones; a
** failing input leaves NULL in its slot, the others are scored, and the message names
** the input on every line. */
static void test_compute_batch(void **state) {
  (void)state;
  Periods *p = periods_new(400);
  char *zErr = NULL;
  ScoreResult *apSerial[4];
  for (int k = 0; k < p->nPeriod; k++) {
    apSerial[k] = score_compute(&p->aIn[k], &zErr);
    if (!apSerial[k]) fail_msg("%s", zErr);
  }
  ScoreResult *apOut[4] = {NULL, NULL, NULL, NULL};
  static const int anThread[] = {1, 2, 3, 8, 0};
  for (int t = 0; t < 5; t++) {
    for (int bReuse = 0; bReuse <= 1; bReuse++) {
      if (!bReuse) {
        for (int k = 0; k < p->nPeriod; k++) {
          score_result_free(apOut[k]);
          apOut[k] = NULL;
        }
      }
      int nFail = score_compute_batch(p->aIn, p->nPeriod, apOut, anThread[t], &zErr);
      if (nFail) fail_msg("%d failed: %s", nFail, zErr);
      assert_null(zErr);
      for (int k = 0; k < p->nPeriod; k++)
        assert_result_identical(apOut[k], apSerial[k]);
    }
  }
  /* input 2 fails on two units (its own targets): its slot becomes NULL, the result that
  ** was there freed; 0, 1 and 3 are scored */
  int nL = p->pS->nLeaf;
  double *aT2 = xmalloc_array((size_t)p->nUnit * nL, sizeof(double));
  memcpy(aT2, p->aT, sizeof(double) * (size_t)p->nUnit * nL);
  aT2[0] = NAN;     /* U0, A1: completion needs a target */
  aT2[nL] = -1;     /* U1, A1 */
  p->aaV[2][0] = 5; /* A1 valued for both, so that the targets are read */
  p->aaV[2][nL] = 5;
  p->aIn[2].aTarget = aT2;
  char *zSerial = NULL;
  assert_null(score_compute(&p->aIn[2], &zSerial));
  assert_string_equal(zSerial, "indicator A1, unit U0: target is missing (completion needs a "
                               "target > 0)\nindicator A1, unit U1: target -1 is not > 0 "
                               "(completion divides by it)");
  int nFail = score_compute_batch(p->aIn, p->nPeriod, apOut, 2, &zErr);
  assert_int_equal(nFail, 1);
  assert_null(apOut[2]);
  assert_string_equal(zErr, "input 2 (period 2021-M03): indicator A1, unit U0: target is "
                            "missing (completion needs a target > 0)\n"
                            "input 2 (period 2021-M03): indicator A1, unit U1: target -1 is "
                            "not > 0 (completion divides by it)");
  for (int k = 0; k < p->nPeriod; k++) {
    if (k != 2) assert_result_identical(apOut[k], apSerial[k]);
  }
  free(zSerial);
  free(zErr);
  free(aT2);
  zErr = NULL;
  assert_int_equal(score_compute_batch(p->aIn, 0, apOut, 2, &zErr), 0);
  assert_null(zErr);
  for (int k = 0; k < p->nPeriod; k++) {
    score_result_free(apOut[k]);
    score_result_free(apSerial[k]);
  }
  periods_free(p);
}

/* Every byte of every output of the 4 periods of periods_new(400), hashed (FNV-1a), is
** what the engine gave before its speed work (2026-11-29: score.c with a radix sort per
** group, one thread, libm's fmin and fmax): the optimisations changed no bit. Should a
** deliberate change of the results ever move this hash, update it with the reason; a
** different libm (log of goalpost ln) could move it too. */
static void test_outputs_pinned(void **state) {
  (void)state;
  Periods *p = periods_new(400);
  uint64_t h = 1469598103934665603ull;
  for (int k = 0; k < p->nPeriod; k++) {
    char *zErr = NULL;
    ScoreResult *r = score_compute(&p->aIn[k], &zErr);
    if (!r) fail_msg("%s", zErr);
    size_t nU = (size_t)r->nUnit;
    const unsigned char *ap[3] = {(const void *)r->aLeaf, (const void *)r->aCat,
                                  (const void *)r->aUnit};
    size_t an[3] = {sizeof(LeafScore) * nU * (size_t)r->nLeaf,
                    sizeof(CatScore) * nU * (size_t)r->nCat, sizeof(UnitScore) * nU};
    for (int j = 0; j < 3; j++) {
      for (size_t i = 0; i < an[j]; i++)
        h = (h ^ ap[j][i]) * 1099511628211ull;
    }
    score_result_free(r);
  }
  assert_int_equal(h, 0xd17ff57ccdfa9e00ull);
  periods_free(p);
}

/* [S-M-COMPLETION] The engine computes fmax and fmin inline, as glibc does: between equal
** numbers the second argument wins. That decides the sign of a zero share: a completion
** of -0 is clamp(-0, 0, cap) = fmin(fmax(-0, +0), cap) = +0, points +0, exactly what the
** engine gave when it called libm. */
static void test_clamp_signed_zero(void **state) {
  (void)state;
  assert_false(signbit(fmin(fmax(-0.0, 0.0), 1.0))); /* the library's answer */
  char *z = one_leaf("{'code':'X','weight':10,'method':'completion'}");
  Fx *f = fx_new(z, "2021-M03", "a:g b:g");
  free(z);
  fx_v(f, "a", "X", -0.0);
  fx_t(f, "a", "X", 10);
  fx_v(f, "b", "X", 5);
  fx_t(f, "b", "X", 10);
  fx_run(f);
  assert_true(fx_l(f, "a", "X")->rShare == 0);
  assert_false(signbit(fx_l(f, "a", "X")->rShare));
  assert_false(signbit(fx_l(f, "a", "X")->rPoints));
  fx_free(f);
}

/* ---------------------------------------------------------------- scheme loading */

/* The flat pre-order tree, dense indices, lookups, defaults. */
static void test_scheme_structure(void **state) {
  (void)state;
  Scheme *p = scheme_ok(
      "{'code':'S','name':'方案','year':2021,'aggregation':'index','scale':100,"
      "'time_basis':'day','aggregate':'geometric','synthetic':true,"
      "'indicators':["
      "{'code':'A','name':'甲','children':["
      "  {'code':'A1','weight':2,'method':'completion','unit':'%','source':'统计局'},"
      "  {'code':'AA','aggregate':'geometric','children':["
      "    {'code':'AA1','weight':3,'method':'goalpost','params':{'lo':0,'hi':1}},"
      "    {'code':'AAD','weight':4,'method':'deduct'}]}]},"
      "{'code':'B1','weight':5,'method':'efficacy','direction':'lower','groups':['县市','城区'],"
      "  'missing':'carry','accumulate':'ytd'}]}");
  assert_string_equal(p->zCode, "S");
  assert_string_equal(p->zName, "方案");
  assert_int_equal(p->iYear, 2021);
  assert_int_equal(p->eAggregation, AGGREGATION_INDEX);
  assert_true(p->rScale == 100);
  assert_int_equal(p->bDayBasis, 1);
  assert_int_equal(p->eTopAggregate, AGG_GEOMETRIC);
  assert_int_equal(p->nNode, 6);
  assert_int_equal(p->nLeaf, 4);
  assert_int_equal(p->nCat, 2);
  /* pre-order: A, A1, AA, AA1, AAD, B1 */
  const char *azOrder[] = {"A", "A1", "AA", "AA1", "AAD", "B1"};
  int aParent[] = {-1, 0, 0, 2, 2, -1};
  int aEnd[] = {5, 2, 5, 4, 5, 6};
  for (int i = 0; i < 6; i++) {
    assert_string_equal(p->aNode[i].zCode, azOrder[i]);
    assert_int_equal(p->aNode[i].iParent, aParent[i]);
    assert_int_equal(p->aNode[i].iEnd, aEnd[i]);
    assert_int_equal(scheme_find(p, azOrder[i]), i);
  }
  assert_int_equal(scheme_find(p, "nope"), -1);
  assert_int_equal(p->aNode[3].iDepth, 2);
  assert_int_equal(p->aLeafNode[0], 1);
  assert_int_equal(p->aLeafNode[3], 5);
  assert_int_equal(p->aCatNode[1], 2);
  assert_int_equal(p->aNode[5].iLeaf, 3);
  assert_int_equal(p->aNode[2].iCat, 1);
  /* category weights: AA = 3 (AA1; the deduct leaf carries none), A = 2 + 3 = 5 */
  assert_true(p->aNode[2].rWeight == 3);
  assert_true(p->aNode[0].rWeight == 5);
  assert_int_equal(p->aNode[0].bWeightGiven, 0);
  /* leaf fields and defaults */
  assert_string_equal(p->aNode[1].zUnit, "%");
  assert_string_equal(p->aNode[1].zSource, "统计局");
  assert_string_equal(p->aNode[3].zUnit, "");
  assert_true(p->aNode[1].params.rFullAt == 1 && p->aNode[1].params.rCap == 1);
  assert_int_equal(p->aNode[3].params.bClamp, 1);
  assert_int_equal(p->aNode[1].eMissing, MISSING_ZERO);
  assert_int_equal(p->aNode[1].eAccumulate, ACCUMULATE_PERIOD);
  assert_int_equal(p->aNode[5].eMissing, MISSING_CARRY);
  assert_int_equal(p->aNode[5].eAccumulate, ACCUMULATE_YTD);
  assert_int_equal(p->aNode[5].bLower, 1);
  assert_true(p->aNode[5].params.rBase == 0.6);
  /* deduct cap defaults to the weight when one is given */
  assert_true(p->aNode[4].params.rCap == 4);
  assert_int_equal(p->aNode[4].params.bCap, 0);
  assert_true(p->aNode[4].params.rPerEvent == 1);
  assert_true(scheme_leaf_applies(p, 5, "县市"));
  assert_false(scheme_leaf_applies(p, 5, "园区"));
  assert_true(scheme_leaf_applies(p, 1, "园区"));
  assert_true(scheme_method_weighted(METHOD_COMPLETION));
  assert_false(scheme_method_weighted(METHOD_DEDUCT));
  assert_false(scheme_method_weighted(METHOD_VETO_TOP));
  assert_true(scheme_method_needs_target(METHOD_TIMEPROGRESS));
  assert_false(scheme_method_needs_target(METHOD_MINMAX));
  assert_string_equal(scheme_method_name(METHOD_VETO_TOP), "veto_top");
  scheme_free(p);
  /* points defaults: total 100, month basis, no grades; deduct without weight: no cap */
  p = scheme_ok(
      "{'code':'S','aggregation':'points','indicators':[{'code':'D','method':'deduct'}]}");
  assert_true(p->rTotal == 100);
  assert_int_equal(p->bDayBasis, 0);
  assert_int_equal(p->nGrade, 0);
  assert_true(isinf(p->aNode[0].params.rCap));
  scheme_free(p);
  /* efficacy with good == bad is allowed (d = 1) */
  p = scheme_ok("{'code':'S','aggregation':'points','indicators':[{'code':'E','weight':1,"
                "'method':'efficacy','params':{'good':5,'bad':5}}]}");
  scheme_free(p);
}

static const char *zOkHead = "{'code':'S','aggregation':'points','indicators':[";

/* One test per validation error kind; each message names the indicator code. */
static void test_scheme_errors_leaf(void **state) {
  (void)state;
  char *z;
#define LEAF_ERR(zLeaf, ...)                                                                       \
  do {                                                                                             \
    z = xasprintf("%s%s]}", zOkHead, zLeaf);                                                       \
    expect_scheme_error(z, __VA_ARGS__, NULL);                                                     \
    free(z);                                                                                       \
  } while (0)
  LEAF_ERR("{'code':'X1','weight':1,'method':'median'}",
           "t.json: indicator X1: unknown method \"median\"");
  LEAF_ERR("{'code':'X1','weight':1}", "indicator X1: method is missing");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','mising':'exclude'}",
           "indicator X1: unknown key \"mising\"");
  LEAF_ERR("{'code':'X1','weight':'8','method':'minmax'}", "indicator X1: weight must be a number");
  LEAF_ERR("{'code':'X1','weight':-1,'method':'minmax'}", "indicator X1: weight must be >= 0");
  LEAF_ERR("{'code':'X1','method':'minmax'}", "indicator X1: weight is missing");
  LEAF_ERR(
      "{'code':'X1','weight':1,'method':'timeprogress','direction':'lower','accumulate':'ytd'}",
      "indicator X1: timeprogress cannot have direction lower");
  LEAF_ERR("{'code':'X1','weight':1,'method':'timeprogress','accumulate':'period'}",
           "indicator X1: timeprogress compares year-to-date", "not \"period\"");
  LEAF_ERR("{'code':'X1','weight':1,'method':'zscore'}",
           "indicator X1: zscore is for index mode only");
  LEAF_ERR("{'code':'X1','weight':1,'method':'bands'}", "indicator X1: bands needs params bands");
  LEAF_ERR("{'code':'X1','weight':1,'method':'bands','params':{'bands':[]}}",
           "indicator X1: bands param bands must be a non-empty list");
  LEAF_ERR("{'code':'X1','weight':1,'method':'bands','params':{'bands':[[1,2,3]]}}",
           "indicator X1: band 1 must be [threshold, share]");
  LEAF_ERR("{'code':'X1','weight':1,'method':'bands','params':{'bands':[[1,'a']]}}",
           "indicator X1: band 1 must be [threshold, share]");
  LEAF_ERR("{'code':'X1','weight':1,'method':'bands','params':{'bands':[[1,1.5]]}}",
           "indicator X1: band 1: share 1.5 is outside [0, 1]");
  LEAF_ERR("{'code':'X1','weight':1,'method':'bands','params':{'bands':[[1,1],[1,0.5]]}}",
           "indicator X1: bands: threshold 1 appears twice");
  LEAF_ERR("{'code':'X1','weight':1,'method':'goalpost','params':{'lo':1}}",
           "indicator X1: goalpost needs params lo and hi");
  LEAF_ERR("{'code':'X1','weight':1,'method':'goalpost'}",
           "indicator X1: goalpost needs params lo and hi");
  LEAF_ERR("{'code':'X1','weight':1,'method':'goalpost','params':{'lo':3,'hi':3}}",
           "indicator X1: goalpost needs lo != hi");
  LEAF_ERR("{'code':'X1','weight':1,'method':'goalpost','params':{'lo':0,'hi':3,'transform':'ln'}}",
           "indicator X1: goalpost with transform ln needs lo > 0 and hi > 0");
  LEAF_ERR(
      "{'code':'X1','weight':1,'method':'goalpost','params':{'lo':1,'hi':3,'transform':'log'}}",
      "indicator X1: unknown transform \"log\"");
  LEAF_ERR("{'code':'X1','weight':1,'method':'goalpost','params':{'lo':1,'hi':3,'clamp':1}}",
           "indicator X1: goalpost param clamp must be true or false");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','missing':'skip'}",
           "indicator X1: unknown missing \"skip\"");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','accumulate':'sum'}",
           "indicator X1: unknown accumulate \"sum\"");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','direction':'up'}",
           "indicator X1: unknown direction \"up\"");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','groups':'县市'}",
           "indicator X1: groups must be a non-empty list");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','groups':[]}",
           "indicator X1: groups must be a non-empty list");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','groups':['县市',3]}",
           "indicator X1: groups must hold non-empty strings");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','params':{'lo':1}}",
           "indicator X1: minmax takes no parameter \"lo\"");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','params':[1]}",
           "indicator X1: params must be an object");
  LEAF_ERR("{'code':'X1','weight':1,'method':'completion','params':{'full_at':0}}",
           "indicator X1: completion needs full_at > 0");
  LEAF_ERR("{'code':'X1','weight':1,'method':'completion','params':{'cap':0}}",
           "indicator X1: completion needs cap > 0");
  LEAF_ERR("{'code':'X1','weight':1,'method':'rank','params':{'min_share':1.2}}",
           "indicator X1: rank needs 0 <= min_share <= 1");
  LEAF_ERR("{'code':'X1','weight':1,'method':'rank','params':{'step':-0.1}}",
           "indicator X1: rank needs step >= 0");
  LEAF_ERR("{'code':'X1','weight':1,'method':'efficacy','params':{'base':2}}",
           "indicator X1: efficacy needs 0 <= base <= 1");
  LEAF_ERR("{'code':'X1','weight':1,'method':'efficacy','params':{'good':5,'bad':9}}",
           "indicator X1: efficacy with direction higher needs good >= bad");
  LEAF_ERR("{'code':'X1','weight':1,'method':'efficacy','direction':'lower','params':{'good':9,'"
           "bad':5}}",
           "indicator X1: efficacy with direction lower needs good <= bad");
  LEAF_ERR(
      "{'code':'X1','weight':1,'method':'timeprogress','accumulate':'ytd','params':{'tp':1.5}}",
      "indicator X1: timeprogress needs 0 < tp <= 1");
  LEAF_ERR("{'code':'X1','weight':0,'method':'manual'}", "indicator X1: manual needs weight > 0");
  LEAF_ERR("{'code':'X1','weight':3,'method':'manual','direction':'lower'}",
           "indicator X1: manual cannot have direction lower");
  LEAF_ERR("{'code':'X1','method':'deduct','params':{'per_event':-1}}",
           "indicator X1: deduct needs per_event >= 0");
  LEAF_ERR("{'code':'X1','method':'bonus','params':{'cap':-1}}",
           "indicator X1: bonus needs cap >= 0");
  LEAF_ERR("{'code':'X1','weight':1,'method':'minmax','name':5}",
           "indicator X1: name must be a string");
  LEAF_ERR("{'weight':1,'method':'minmax'}", "indicator at indicators[0]: code is missing");
  LEAF_ERR("{'code':'','weight':1,'method':'minmax'}",
           "indicator at indicators[0]: code is not a non-empty string");
  LEAF_ERR("42", "indicator at indicators[0]: must be an object");
#undef LEAF_ERR
}

static void test_scheme_errors_tree(void **state) {
  (void)state;
  /* duplicate codes: leaf and leaf, and a category with a leaf's code */
  expect_scheme_error(
      "{'code':'S','aggregation':'points','indicators':["
      "{'code':'A1','weight':1,'method':'minmax'},{'code':'A1','weight':1,'method':'minmax'}]}",
      "indicator A1: code is used 2 times", NULL);
  expect_scheme_error("{'code':'S','aggregation':'points','indicators':["
                      "{'code':'A','children':[{'code':'A','weight':1,'method':'minmax'}]}]}",
                      "indicator A: code is used 2 times", NULL);
  /* category with no children; a leaf with children */
  expect_scheme_error(
      "{'code':'S','aggregation':'points','indicators':[{'code':'C','children':[]}]}",
      "indicator C: category has no children", NULL);
  expect_scheme_error(
      "{'code':'S','aggregation':'points','indicators':[{'code':'C','method':'minmax',"
      "'children':[{'code':'C1','weight':1,'method':'minmax'}]}]}",
      "indicator C: has both children and a method", NULL);
  expect_scheme_error(
      "{'code':'S','aggregation':'points','indicators':[{'code':'C','children':5}]}",
      "indicator C: children must be a list", NULL);
  expect_scheme_error(
      "{'code':'S','aggregation':'points','indicators':[{'code':'C','direction':'lower',"
      "'children':[{'code':'C1','weight':1,'method':'minmax'}]}]}",
      "indicator C: unknown key \"direction\" in a category", NULL);
  expect_scheme_error(
      "{'code':'S','aggregation':'index','indicators':[{'code':'C','aggregate':'harmonic',"
      "'children':[{'code':'C1','weight':1,'method':'minmax'}]}]}",
      "indicator C: unknown aggregate \"harmonic\"", NULL);
  /* a category weight in points mode */
  expect_scheme_error("{'code':'S','aggregation':'points','indicators':[{'code':'C','weight':10,"
                      "'children':[{'code':'C1','weight':10,'method':'minmax'}]}]}",
                      "indicator C: a category's weight is for index mode", NULL);
  /* zscore under a geometric category, even deep; and under a geometric top level */
  expect_scheme_error(
      "{'code':'S','aggregation':'index','indicators':[{'code':'G','aggregate':'geometric',"
      "'children':[{'code':'M','children':[{'code':'Z1','weight':1,'method':'zscore'}]}]}]}",
      "indicator Z1: zscore under geometric category G", NULL);
  expect_scheme_error("{'code':'S','aggregation':'index','aggregate':'geometric','indicators':["
                      "{'code':'Z1','weight':1,'method':'zscore'}]}",
                      "indicator Z1: zscore under the geometric top-level aggregate", NULL);
  /* an empty indicator list */
  expect_scheme_error("{'code':'S','aggregation':'points','indicators':[]}",
                      "t.json: scheme: indicators must be a non-empty list", NULL);
  expect_scheme_error("{'code':'S','aggregation':'points'}",
                      "scheme: indicators must be a non-empty list", NULL);
}

static void test_scheme_errors_top(void **state) {
  (void)state;
  const char *zInd = "'indicators':[{'code':'A','weight':1,'method':'manual'}]}";
  char *z;
#define TOP_ERR(zHead, ...)                                                                        \
  do {                                                                                             \
    z = xasprintf("%s%s", zHead, zInd);                                                            \
    expect_scheme_error(z, __VA_ARGS__, NULL);                                                     \
    free(z);                                                                                       \
  } while (0)
  TOP_ERR("{'code':'S','aggregation':'sum',", "scheme: unknown aggregation");
  TOP_ERR("{'code':'S',", "scheme: aggregation is missing");
  TOP_ERR("{'code':'S','aggregation':'points','total':0,", "scheme: total must be > 0");
  TOP_ERR("{'code':'S','aggregation':'points','total':-5,", "scheme: total must be > 0");
  TOP_ERR("{'code':'S','aggregation':'index','total':100,", "scheme: total is for points mode");
  TOP_ERR("{'code':'S','aggregation':'points','scale':2,", "scheme: scale is for index mode");
  TOP_ERR("{'code':'S','aggregation':'index','scale':0,", "scheme: scale must be > 0");
  TOP_ERR("{'code':'S','aggregation':'points','aggregate':'geometric',",
          "scheme: aggregate (top level) is for index mode");
  TOP_ERR("{'code':'S','aggregation':'points','time_basis':'week',",
          "scheme: unknown time_basis \"week\"");
  TOP_ERR("{'aggregation':'points',", "scheme: code is missing");
  TOP_ERR("{'code':'S','aggregation':'points','year':'2021',", "scheme: year must be an integer");
  TOP_ERR("{'code':'S','aggregation':'points','version':3,", "scheme: unknown key \"version\"");
  TOP_ERR("{'code':'S','aggregation':'points','synthetic':'yes',",
          "scheme: synthetic must be true or false");
  /* grades */
  TOP_ERR("{'code':'S','aggregation':'points','grades':[],", "scheme: grades must be an object");
  TOP_ERR("{'code':'S','aggregation':'points','grades':{'levels':[[null,'A']]},",
          "scheme: grades.by is missing");
  TOP_ERR("{'code':'S','aggregation':'points','grades':{'by':'rank','levels':[[null,'A']]},",
          "scheme: grades.by must be \"score\" or \"share\"");
  TOP_ERR("{'code':'S','aggregation':'points','grades':{'by':'score'},",
          "scheme: grades.levels must be a non-empty list");
  TOP_ERR("{'code':'S','aggregation':'points','grades':{'by':'score','levels':[['90','A']]},",
          "scheme: grades.levels[0] must be [threshold (a number or null), label]");
  TOP_ERR("{'code':'S','aggregation':'points','grades':{'by':'score','levels':[[90]]},",
          "scheme: grades.levels[0] must be");
  TOP_ERR("{'code':'S','aggregation':'points','grades':{'by':'score','levels':[[90,'A'],[null,'B'],"
          "[60,'C']]},",
          "scheme: grade \"B\": only the last level may have a null threshold");
  TOP_ERR(
      "{'code':'S','aggregation':'points','grades':{'by':'score','levels':[[60,'A'],[90,'B']]},",
      "scheme: grade \"B\": score thresholds must fall");
  TOP_ERR(
      "{'code':'S','aggregation':'points','grades':{'by':'share','levels':[[0.5,'A'],[0.2,'B']]},",
      "scheme: grade \"B\": share thresholds must rise");
  TOP_ERR(
      "{'code':'S','aggregation':'points','grades':{'by':'share','levels':[[30,'A'],[null,'B']]},",
      "scheme: grade \"A\": a share threshold must be in (0, 1]");
  TOP_ERR("{'code':'S','aggregation':'points','grades':{'by':'score','levels':[[90,'A']]},'x':1,",
          "scheme: unknown key \"x\"");
  TOP_ERR(
      "{'code':'S','aggregation':'points','grades':{'by':'score','levels':[[90,'A']],'extra':1},",
      "scheme: unknown key \"extra\" in grades");
#undef TOP_ERR
  /* veto_top with a single grade level cannot move anyone to a second level */
  expect_scheme_error(
      "{'code':'S','aggregation':'points','grades':{'by':'score','levels':[[null,'A']]},"
      "'indicators':[{'code':'VT','method':'veto_top'}]}",
      "indicator VT: veto_top moves a unit from the first grade to the second", NULL);
  /* not JSON, not an object, duplicate keys */
  expect_scheme_error("{'code':'S',\n 'aggregation':}", "t.json: line 2, column", NULL);
  expect_scheme_error("[1]", "scheme: the scheme must be a JSON object", NULL);
  expect_scheme_error("{'code':'S','code':'T','aggregation':'points','indicators':[]}",
                      "t.json: line 1", "duplicate", NULL);
}

/* Every problem is listed, not just the first. */
static void test_scheme_errors_all_collected(void **state) {
  (void)state;
  char *zErr = scheme_bad("{'code':'S','aggregation':'points','total':0,'indicators':["
                          "{'code':'A1','weight':-2,'method':'minmax'},"
                          "{'code':'A2','weight':1,'method':'nope'},"
                          "{'code':'A3','weight':1,'method':'goalpost'}]}");
  assert_contains(zErr, "scheme: total must be > 0");
  assert_contains(zErr, "indicator A1: weight must be >= 0");
  assert_contains(zErr, "indicator A2: unknown method \"nope\"");
  assert_contains(zErr, "indicator A3: goalpost needs params lo and hi");
  int nLine = 1;
  for (const char *c = zErr; *c; c++)
    nLine += *c == '\n';
  assert_int_equal(nLine, 4);
  free(zErr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rank_competition),
      cmocka_unit_test(test_rank_tolerance),
      cmocka_unit_test(test_rank_random),
      cmocka_unit_test(test_rank_long_runs),
      cmocka_unit_test(test_rank_leaf_directions),
      cmocka_unit_test(test_m_completion_higher),
      cmocka_unit_test(test_m_completion_lower),
      cmocka_unit_test(test_m_completion_target_errors),
      cmocka_unit_test(test_m_rank),
      cmocka_unit_test(test_m_efficacy),
      cmocka_unit_test(test_m_efficacy_all_equal),
      cmocka_unit_test(test_m_minmax),
      cmocka_unit_test(test_m_zscore),
      cmocka_unit_test(test_m_goalpost),
      cmocka_unit_test(test_m_goalpost_ln_error),
      cmocka_unit_test(test_m_bands),
      cmocka_unit_test(test_m_timeprogress_month),
      cmocka_unit_test(test_m_timeprogress_default_ytd),
      cmocka_unit_test(test_m_timeprogress_day),
      cmocka_unit_test(test_m_timeprogress_errors),
      cmocka_unit_test(test_m_manual),
      cmocka_unit_test(test_m_deduct_bonus),
      cmocka_unit_test(test_m_veto),
      cmocka_unit_test(test_miss_zero),
      cmocka_unit_test(test_miss_exclude),
      cmocka_unit_test(test_miss_group_mean),
      cmocka_unit_test(test_miss_group_mean_applies),
      cmocka_unit_test(test_miss_group_mean_flat),
      cmocka_unit_test(test_miss_carry),
      cmocka_unit_test(test_miss_event_leaves),
      cmocka_unit_test(test_agg_points),
      cmocka_unit_test(test_agg_points_rescale_edges),
      cmocka_unit_test(test_agg_points_nested),
      cmocka_unit_test(test_agg_index_hdi),
      cmocka_unit_test(test_agg_index_means),
      cmocka_unit_test(test_agg_index_geom_negative),
      cmocka_unit_test(test_agg_index_weights_exclusions),
      cmocka_unit_test(test_agg_index_top_geometric),
      cmocka_unit_test(test_unit_ranks_ties),
      cmocka_unit_test(test_grades_by_score),
      cmocka_unit_test(test_grades_by_share),
      cmocka_unit_test(test_data_errors_all_listed),
      cmocka_unit_test(test_output_json),
      cmocka_unit_test(test_output_numbers),
      cmocka_unit_test(test_format_number),
      cmocka_unit_test(test_flag_names),
      cmocka_unit_test(test_large_run),
      cmocka_unit_test(test_rank_sort_paths),
      cmocka_unit_test(test_compute_into_reuse),
      cmocka_unit_test(test_compute_batch),
      cmocka_unit_test(test_outputs_pinned),
      cmocka_unit_test(test_clamp_signed_zero),
      cmocka_unit_test(test_scheme_structure),
      cmocka_unit_test(test_scheme_errors_leaf),
      cmocka_unit_test(test_scheme_errors_tree),
      cmocka_unit_test(test_scheme_errors_top),
      cmocka_unit_test(test_scheme_errors_all_collected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** test_robust.c: unit tests of the uncertainty analysis (robust.c) and the Sobol'
** estimators (sobol.c). Expectations are worked out by hand in the comments or come from
** published analytic values; the draws of robust_eval are also checked against the scoring
** engine itself (score_compute on the scheme copy a draw amounts to), total by total with ==.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "robust.h"
#include "sobol.h"
#include "util/mem.h"

#define assert_within(a, b, tol)                                                                   \
  do {                                                                                             \
    double _a = (a), _b = (b);                                                                     \
    if (!(fabs(_a - _b) <= (tol)))                                                                 \
      fail_msg("%s = %.6f, expected %.6f within %g (line %d)", #a, _a, _b, (double)(tol),          \
               __LINE__);                                                                          \
  } while (0)

/* A fixture: scheme text (single quotes for double), units with groups, a value matrix. */
typedef struct Fx {
  Scheme *pS;
  RobustSpec *pSpec;
  RobustPlan *pPlan;
  ScoreInput in;
  const char *azUnit[16], *azGroup[16];
  double aValue[16 * 8], aTarget[16 * 8], aPrev[16 * 8];
} Fx;

static void fx_open(Fx *f, const char *zScheme, int nUnit, const char *const *azGroup,
                    const double *aValue) {
  memset(f, 0, sizeof *f);
  char *z = xstrdup(zScheme);
  for (char *q = z; *q; q++)
    if (*q == '\'') *q = '"';
  char *zErr = NULL;
  f->pS = scheme_parse("t.json", z, &zErr);
  free(z);
  if (!f->pS) fail_msg("scheme rejected: %s", zErr);
  f->pSpec = robust_spec_parse(f->pS, f->pS->zUncertainty, &zErr);
  if (!f->pSpec) fail_msg("uncertainty rejected: %s", zErr);
  static const char *const azCode[16] = {"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7",
                                         "u8", "u9", "u10", "u11", "u12", "u13", "u14", "u15"};
  for (int u = 0; u < nUnit; u++) {
    f->azUnit[u] = azCode[u];
    f->azGroup[u] = azGroup ? azGroup[u] : "g";
  }
  int nL = f->pS->nLeaf;
  for (int k = 0; k < nUnit * nL; k++) {
    f->aValue[k] = aValue[k];
    f->aTarget[k] = 100;
    f->aPrev[k] = isnan(aValue[k]) ? 50 : aValue[k];
  }
  f->in.pScheme = f->pS;
  assert_int_equal(period_parse("2021-B3", &f->in.period, NULL), 0);
  f->in.nUnit = nUnit;
  f->in.azUnit = f->azUnit;
  f->in.azGroup = f->azGroup;
  f->in.aValue = f->aValue;
  f->in.aTarget = f->aTarget;
  f->in.aPrevious = f->aPrev;
  f->pPlan = robust_plan(&f->in, f->pSpec, &zErr);
  if (!f->pPlan) fail_msg("plan failed: %s", zErr);
}

static void fx_close(Fx *f) {
  robust_plan_free(f->pPlan);
  robust_spec_free(f->pSpec);
  scheme_free(f->pS);
}

/* ---------------------------------------------------------------- uncertainty */

/* Six units, three leaves of mixed methods, one group; u0 is best on every indicator. */
#define MIXED_LEAVES                                                                              \
  "{'code':'A','children':["                                                                       \
  " {'code':'A1','weight':40,'method':'completion'},"                                              \
  " {'code':'A2','weight':30,'method':'efficacy','missing':'group_mean'}]},"                       \
  "{'code':'B','children':["                                                                       \
  " {'code':'B1','weight':30,'method':'minmax','direction':'lower'},"                              \
  " {'code':'B2','method':'bonus','params':{'cap':2}}]}"
static const double aMixed[6 * 4] = {
    /* A1   A2   B1  B2 */
    120, 9.5, 1, 1,  /* u0: best everywhere */
    80,  7,   3, 0,  /* u1 */
    85,  NAN, 4, 0,  /* u2 */
    60,  8,   2, 2,  /* u3 */
    90,  6,   5, 0,  /* u4 */
    70,  6.5, 6, 0,  /* u5 */
};

/* Every choice fixed (weights spread 0, nothing else named): every draw is the official
** scoring, so every interval collapses onto the official rank and its grade is certain. */
static void test_fixed_choices_collapse(void **state) {
  (void)state;
  Fx f;
  fx_open(&f,
          "{'code':'T','aggregation':'points','uncertainty':{'weights':0},"
          "'grades':{'by':'score','levels':[[80,'优'],[null,'差']]},'indicators':[" MIXED_LEAVES
          "]}",
          6, NULL, aMixed);
  assert_int_equal(f.pSpec->nChoice, 0);
  RobustResult *r = robust_run(f.pPlan, 500, 7, 2);
  const ScoreResult *pOff = robust_official(f.pPlan);
  for (int u = 0; u < 6; u++) {
    const RobustUnit *pU = &r->aUnit[u];
    assert_int_equal(pU->iLo, pOff->aUnit[u].iRank);
    assert_int_equal(pU->iHi, pOff->aUnit[u].iRank);
    assert_int_equal(pU->iMedian, pOff->aUnit[u].iRank);
    assert_true(pU->bCertain);
    assert_within(pU->aGradeProb[pOff->aUnit[u].iGrade], 1.0, 0);
  }
  /* u0 best everywhere: rank 1; the totals by hand (group of 6, efficacy base 0.6 over
  ** 6..9.5, minmax lower over 1..6, u2's A2 imputed = mean 7.4):
  ** u1: 40*0.8 + 30*(0.6+0.4*1/3.5) + 30*(3/5) = 32 + 21.428571 + 18 = 71.43 */
  assert_int_equal(pOff->aUnit[0].iRank, 1);
  assert_true(fabs(pOff->aUnit[1].rTotal - (32 + 30 * (0.6 + 0.4 / 3.5) + 18)) < 1e-9);
  assert_within(r->rMeanAbsShift, 0, 0);
  robust_result_free(r);
  fx_close(&f);
}

/* A unit best on every indicator has interval [1, 1] however weights, methods, missing
** policies and aggregation vary: every share is its group's best under every method. */
static void test_best_everywhere_is_first(void **state) {
  (void)state;
  Fx f;
  fx_open(&f,
          "{'code':'T','aggregation':'points','uncertainty':{'weights':0.25,"
          "'methods':{'A1':['rank','minmax'],'A2':['rank','minmax']},"
          "'missing':{'*':['zero','exclude']},'aggregation':['arithmetic','geometric']},"
          "'indicators':[" MIXED_LEAVES "]}",
          6, NULL, aMixed);
  assert_int_equal(f.pSpec->nChoice, 5); /* weights, 2 methods, missing, aggregation */
  RobustResult *r = robust_run(f.pPlan, 4000, 11, 2);
  assert_int_equal(r->aUnit[0].iLo, 1);
  assert_int_equal(r->aUnit[0].iHi, 1);
  assert_true(r->aUnit[0].bCertain);
  /* and the others do move: u2 (missing A2) and u1/u4 swap under some choices */
  assert_true(r->rMeanAbsShift > 0);
  robust_result_free(r);
  fx_close(&f);
}

/* Two units, two leaves of weight 50, shares u0 (1, 0.5), u1 (0.2, 1) (bands give exact
** shares). With w1 = 50 (0.75 + 0.5 a), w2 = 50 (0.75 + 0.5 b) renormalised to sum 100:
** u1 ranks first iff 0.8 w1 < 0.5 w2 iff a < 0.625 b - 0.5625, of probability
** int_{0.9}^{1} (0.625 b - 0.5625) db = 0.003125; u0's total 50 + w1/2 reaches 80 iff
** w1 >= 60 iff a >= 0.75 + 1.5 b, of probability int_0^{1/6} (0.25 - 1.5 b) db = 1/48. */
static void test_probabilities_by_hand(void **state) {
  (void)state;
  static const double aV[2 * 2] = {10, 5, 2, 10};
  Fx f;
  fx_open(&f,
          "{'code':'T','aggregation':'points',"
          "'grades':{'by':'score','levels':[[80,'优'],[null,'差']]},'indicators':["
          "{'code':'X','weight':50,'method':'bands','params':{'bands':[[0,0.2],[5,0.5],[10,1]]}},"
          "{'code':'Y','weight':50,'method':'bands','params':{'bands':[[0,0.2],[5,0.5],[10,1]]}}]}",
          2, NULL, aV);
  assert_true(f.pSpec->bDefault);
  RobustResult *r = robust_run(f.pPlan, 100000, 2026, 2);
  assert_within(1 - r->aUnit[1].aGradeProb[0] - r->aUnit[1].aGradeProb[1], 0, 1e-12);
  double pFirst = 0; /* P(u1 ranks first) = 1 - P(u1 ranks second) */
  assert_within(r->aUnit[0].aGradeProb[0], 1.0 / 48, 0.0015);
  /* rank probabilities are not stored; the mean rank is 1 + P(second) */
  pFirst = 2 - r->aUnit[1].rMeanRank;
  assert_within(pFirst, 0.003125, 0.0007);
  assert_within(r->aUnit[0].rMeanRank, 1.003125, 0.0007);
  /* the interval: u0 first in >= 95 % of draws */
  assert_int_equal(r->aUnit[0].iLo, 1);
  assert_int_equal(r->aUnit[0].iHi, 1);
  assert_int_equal(r->aUnit[1].iLo, 2);
  robust_result_free(r);
  fx_close(&f);
}

/* robust_eval against the engine: for many draws, the scheme copy the draw amounts to is
** scored by score_compute, and totals (==), ranks and grades must agree. Points and index
** schemes, with method, missing and aggregation alternatives, two groups, a veto. */
static void check_against_engine(const char *zScheme, int nUnit, const char *const *azGroup,
                                 const double *aV) {
  Fx f;
  fx_open(&f, zScheme, nUnit, azGroup, aV);
  RobustWork *w = robust_work_new(f.pPlan);
  double aU[64], aTotal[16];
  int aRank[16], aGrade[16];
  assert_true(f.pSpec->nDim <= 64);
  for (int d = 0; d < 300; d++) {
    for (int k = 0; k < f.pSpec->nDim; k++)
      aU[k] = rng_uniform(99, (uint64_t)d, (uint64_t)k);
    robust_eval(f.pPlan, aU, w, aTotal, aRank, aGrade);
    Scheme *pC = robust_scheme_for_draw(f.pPlan, aU);
    ScoreInput in = f.in;
    in.pScheme = pC;
    char *zErr = NULL;
    ScoreResult *pR = score_compute(&in, &zErr);
    if (!pR) fail_msg("draw %d does not score: %s", d, zErr);
    for (int u = 0; u < nUnit; u++) {
      if (!(aTotal[u] == pR->aUnit[u].rTotal))
        fail_msg("draw %d unit %d: total %.17g, engine %.17g", d, u, aTotal[u],
                 pR->aUnit[u].rTotal);
      assert_int_equal(aRank[u], pR->aUnit[u].iRank);
      assert_int_equal(aGrade[u], pR->aUnit[u].iGrade);
    }
    score_result_free(pR);
    robust_scheme_copy_free(pC);
  }
  robust_work_free(w);
  fx_close(&f);
}

static void test_draws_match_engine(void **state) {
  (void)state;
  static const char *const azG[6] = {"g1", "g1", "g1", "g2", "g2", "g2"};
  static const double aV[6 * 5] = {
      /* A1  A2   B1  B2  V */
      120, 9.5, 1, 1, 0, 80, 7, 3, 0, 0, 85, NAN, 4, 0, 1,
      60,  8,   2, 2, 0, 90, 6, 5, 0, 0, 70, 6.5, NAN, 0, 0,
  };
  check_against_engine(
      "{'code':'T','aggregation':'points',"
      "'grades':{'by':'score','levels':[[75,'优'],[60,'良'],[null,'差']]},"
      "'uncertainty':{'weights':0.25,'methods':{'A1':['rank','minmax','efficacy']},"
      "'missing':{'A2':['zero','exclude','carry'],'B1':['group_mean']},"
      "'aggregation':['arithmetic','geometric']},"
      "'indicators':[{'code':'A','children':["
      " {'code':'A1','weight':40,'method':'completion','params':{'cap':1.2}},"
      " {'code':'A2','weight':30,'method':'efficacy','missing':'group_mean'}]},"
      "{'code':'B','children':["
      " {'code':'B1','weight':30,'method':'minmax','direction':'lower','missing':'exclude'},"
      " {'code':'B2','method':'bonus','params':{'cap':2}}]},"
      "{'code':'V','method':'veto'}]}",
      6, azG, aV);
  static const double aW[5 * 4] = {
      0.9, 0.8, 0.7, 0.5, 0.4, 0.9, 0.6, 0.7, 0.3, NAN, 0.9, 0.2, 0.8, 0.1, 0.1, 0.95,
      0.6, 0.6, 0.6, 0.6,
  };
  check_against_engine(
      "{'code':'H','aggregation':'index','scale':100,'aggregate':'geometric',"
      "'grades':{'by':'share','levels':[[0.4,'前'],[null,'后']]},"
      "'uncertainty':{'weights':0.3,'aggregation':['arithmetic','points'],"
      "'missing':{'*':['zero','group_mean']}},"
      "'indicators':[{'code':'E','weight':2,'children':["
      " {'code':'E1','weight':1,'method':'goalpost','params':{'lo':0,'hi':1}},"
      " {'code':'E2','weight':1,'method':'goalpost','params':{'lo':0,'hi':1},'missing':'exclude'}]},"
      "{'code':'F','weight':1,'aggregate':'geometric','children':["
      " {'code':'F1','weight':1,'method':'minmax'},{'code':'F2','weight':3,'method':'rank'}]}]}",
      5, NULL, aW);
}

/* A larger fixture (53 units: the AVX2 sums take blocks of 32, 16 and 4 units and a
** masked block of the last one; test_rank_paths_match runs the SSE2 blocks of 8 and the
** plain C) with a leaf of one group only, exclusions and method alternatives: every draw
** against the engine, and robust_run (batches of draws) against robust_eval one by one. */
static void test_vector_paths_match_engine(void **state) {
  (void)state;
  enum { NU = 53, NL = 5 };
  static const char *const azG[2] = {"g1", "g2"};
  const char *azUnit[NU], *azGroup[NU];
  char azCode[NU][8];
  double aV[NU * NL], aT[NU * NL];
  uint64_t x = 12345;
  for (int u = 0; u < NU; u++) {
    snprintf(azCode[u], sizeof azCode[u], "u%d", u);
    azUnit[u] = azCode[u];
    azGroup[u] = azG[u % 3 == 0];
    for (int l = 0; l < NL; l++) {
      x = rng_mix(x);
      double r = (double)(x >> 11) * 0x1.0p-53;
      aV[u * NL + l] = (u * 7 + l * 3) % 11 == 0 ? NAN : 50 + 50 * r;
      aT[u * NL + l] = 80;
    }
  }
  char *zErr = NULL;
  char *zS = xstrdup(
      "{'code':'V','aggregation':'points','grades':{'by':'score','levels':[[70,'A'],[null,'B']]},"
      "'uncertainty':{'weights':0.25,'methods':{'A1':['rank','minmax']},"
      "'missing':{'A2':['zero','group_mean']}},'indicators':[{'code':'A','children':["
      "{'code':'A1','weight':30,'method':'completion'},"
      "{'code':'A2','weight':20,'method':'efficacy','missing':'exclude'},"
      "{'code':'A3','weight':20,'method':'minmax','groups':['g1']}]},"
      "{'code':'B1','weight':30,'method':'rank','direction':'lower','missing':'exclude'},"
      "{'code':'B2','method':'bonus','params':{'cap':3}}]}");
  for (char *q = zS; *q; q++)
    if (*q == '\'') *q = '"';
  Scheme *pS = scheme_parse("v.json", zS, &zErr);
  if (!pS) fail_msg("%s", zErr);
  RobustSpec *pSpec = robust_spec_parse(pS, pS->zUncertainty, &zErr);
  if (!pSpec) fail_msg("%s", zErr);
  ScoreInput in = {0};
  in.pScheme = pS;
  assert_int_equal(period_parse("2021-B3", &in.period, NULL), 0);
  in.nUnit = NU;
  in.azUnit = azUnit;
  in.azGroup = azGroup;
  in.aValue = aV;
  in.aTarget = aT;
  RobustPlan *pPlan = robust_plan(&in, pSpec, &zErr);
  if (!pPlan) fail_msg("%s", zErr);
  RobustWork *w = robust_work_new(pPlan);
  double aU[64], aTotal[NU];
  int aRank[NU], aGrade[NU];
  long long aSum[NU] = {0};
  enum { ND = 200 };
  for (int d = 0; d < ND; d++) {
    for (int k = 0; k < pSpec->nDim; k++) aU[k] = rng_uniform(7, (uint64_t)d, (uint64_t)k);
    robust_eval(pPlan, aU, w, aTotal, aRank, aGrade);
    for (int u = 0; u < NU; u++) aSum[u] += aRank[u];
    Scheme *pC = robust_scheme_for_draw(pPlan, aU);
    ScoreInput in2 = in;
    in2.pScheme = pC;
    ScoreResult *pR = score_compute(&in2, &zErr);
    if (!pR) fail_msg("draw %d: %s", d, zErr);
    for (int u = 0; u < NU; u++) {
      if (!(aTotal[u] == pR->aUnit[u].rTotal))
        fail_msg("draw %d unit %d: %.17g, engine %.17g", d, u, aTotal[u], pR->aUnit[u].rTotal);
      assert_int_equal(aRank[u], pR->aUnit[u].iRank);
      assert_int_equal(aGrade[u], pR->aUnit[u].iGrade);
    }
    score_result_free(pR);
    robust_scheme_copy_free(pC);
  }
  RobustResult *r = robust_run(pPlan, ND, 7, 2);
  for (int u = 0; u < NU; u++) assert_true(r->aUnit[u].rMeanRank == (double)aSum[u] / ND);
  robust_result_free(r);
  robust_work_free(w);
  robust_plan_free(pPlan);
  robust_spec_free(pSpec);
  scheme_free(pS);
  free(zS);
}

/* Ranks by counting (robust_rank_count, the AVX2 path) against ranks by insertion sort
** (the path of a CPU without AVX2) and against the engine, on data made to fall back:
** units with identical values (exact ties: their totals round to one float), pairs whose
** totals differ by one part in 10^13 (the engine's tolerance ties them), and groups whose
** sizes (29, 11, 1) are not multiples of the eight floats compared at once. */
static void test_rank_paths_match(void **state) {
  (void)state;
  enum { NU = 41, NL = 4, ND = 300 };
  const char *azUnit[NU], *azGroup[NU];
  char azCode[NU][8];
  double aV[NU * NL], aT[NU * NL];
  uint64_t x = 777;
  for (int u = 0; u < NU; u++) {
    snprintf(azCode[u], sizeof azCode[u], "u%d", u);
    azUnit[u] = azCode[u];
    azGroup[u] = u == 40 ? "g3" : u >= 29 ? "g2" : "g1";
    for (int l = 0; l < NL; l++) {
      x = rng_mix(x);
      aV[u * NL + l] = 40 + 60 * ((double)(x >> 11) * 0x1.0p-53);
      aT[u * NL + l] = 100;
    }
    /* every fifth unit repeats the one before; every seventh nearly does */
    if (u % 5 == 0 && u > 0 && u != 40)
      for (int l = 0; l < NL; l++) aV[u * NL + l] = aV[(u - 1) * NL + l];
    if (u % 7 == 0 && u > 0 && u != 40)
      for (int l = 0; l < NL; l++) aV[u * NL + l] = aV[(u - 1) * NL + l] * (1 + 1e-13);
  }
  char *zErr = NULL;
  char *zS = xstrdup(
      "{'code':'R','aggregation':'points','grades':{'by':'score','levels':[[60,'A'],[null,'B']]},"
      "'indicators':[{'code':'A','children':["
      "{'code':'A1','weight':30,'method':'completion','params':{'cap':1.2}},"
      "{'code':'A2','weight':20,'method':'completion','params':{'cap':1.2}}]},"
      "{'code':'B1','weight':25,'method':'completion','params':{'cap':1.2}},"
      "{'code':'B2','weight':25,'method':'completion','params':{'cap':1.2}}]}");
  for (char *q = zS; *q; q++)
    if (*q == '\'') *q = '"';
  Scheme *pS = scheme_parse("r.json", zS, &zErr);
  if (!pS) fail_msg("%s", zErr);
  RobustSpec *pSpec = robust_spec_parse(pS, NULL, &zErr);
  if (!pSpec) fail_msg("%s", zErr);
  ScoreInput in = {0};
  in.pScheme = pS;
  assert_int_equal(period_parse("2021-B3", &in.period, NULL), 0);
  in.nUnit = NU;
  in.azUnit = azUnit;
  in.azGroup = azGroup;
  in.aValue = aV;
  in.aTarget = aT;
  RobustPlan *pPlan = robust_plan(&in, pSpec, &zErr);
  if (!pPlan) fail_msg("%s", zErr);
  /* the data do tie: identical totals in the official scoring */
  const ScoreResult *pOff = robust_official(pPlan);
  assert_true(pOff->aUnit[5].rTotal == pOff->aUnit[4].rTotal);
  assert_int_equal(pOff->aUnit[5].iRank, pOff->aUnit[4].iRank);
  assert_int_equal(pOff->aUnit[7].iRank, pOff->aUnit[6].iRank);
  assert_true(pOff->aUnit[7].rTotal != pOff->aUnit[6].rTotal);
  RobustWork *w = robust_work_new(pPlan);
  double aU[64], aTotal[NU], aTotal2[NU];
  int aRank[NU], aGrade[NU], aRank2[NU], aGrade2[NU];
  for (int d = 0; d < ND; d++) {
    for (int k = 0; k < pSpec->nDim; k++) aU[k] = rng_uniform(11, (uint64_t)d, (uint64_t)k);
    robust_plan_set_avx2(pPlan, 1);
    robust_eval(pPlan, aU, w, aTotal, aRank, aGrade);
    robust_plan_set_avx2(pPlan, 0);
    robust_eval(pPlan, aU, w, aTotal2, aRank2, aGrade2);
    Scheme *pC = robust_scheme_for_draw(pPlan, aU);
    ScoreInput in2 = in;
    in2.pScheme = pC;
    ScoreResult *pR = score_compute(&in2, &zErr);
    if (!pR) fail_msg("draw %d: %s", d, zErr);
    for (int u = 0; u < NU; u++) {
      assert_true(aTotal[u] == pR->aUnit[u].rTotal);
      assert_true(aTotal2[u] == pR->aUnit[u].rTotal);
      assert_int_equal(aRank[u], pR->aUnit[u].iRank);
      assert_int_equal(aRank2[u], pR->aUnit[u].iRank);
      assert_int_equal(aGrade[u], pR->aUnit[u].iGrade);
      assert_int_equal(aGrade2[u], pR->aUnit[u].iGrade);
    }
    /* the ties stay ties in every draw */
    assert_int_equal(aRank[5], aRank[4]);
    assert_int_equal(aRank[7], aRank[6]);
    score_result_free(pR);
    robust_scheme_copy_free(pC);
  }
  robust_plan_set_avx2(pPlan, 1);
  RobustResult *r1 = robust_run(pPlan, 2000, 3, 2);
  robust_plan_set_avx2(pPlan, 0);
  RobustResult *r2 = robust_run(pPlan, 2000, 3, 1);
  assert_true(r1->rMeanAbsShift == r2->rMeanAbsShift);
  for (int u = 0; u < NU; u++) {
    assert_int_equal(r1->aUnit[u].iLo, r2->aUnit[u].iLo);
    assert_int_equal(r1->aUnit[u].iHi, r2->aUnit[u].iHi);
    assert_int_equal(r1->aUnit[u].iMedian, r2->aUnit[u].iMedian);
    assert_true(r1->aUnit[u].rMeanRank == r2->aUnit[u].rMeanRank);
    for (int g = 0; g <= pS->nGrade; g++)
      assert_true(r1->aUnit[u].aGradeProb[g] == r2->aUnit[u].aGradeProb[g]);
  }
  /* the unit alone in its group is first in every draw */
  assert_int_equal(r1->aUnit[40].iLo, 1);
  assert_int_equal(r1->aUnit[40].iHi, 1);
  robust_result_free(r1);
  robust_result_free(r2);
  robust_work_free(w);
  robust_plan_free(pPlan);
  robust_spec_free(pSpec);
  scheme_free(pS);
  free(zS);
}

/* A plan for the rank and count tests: nU units, one value column per leaf (4 leaves of
** completion against 100), groups from azGroup, grades 80 / 60 / none. */
static RobustPlan *plan_open(int nU, const char *const *azUnit, const char *const *azGroup,
                             const double *aV, double *aT, const char *zUncertainty,
                             Scheme **ppS, RobustSpec **ppSpec, ScoreInput *pIn) {
  char *zErr = NULL;
  char *zS = xasprintf(
      "{'code':'K','aggregation':'points',%s"
      "'grades':{'by':'score','levels':[[80,'A'],[60,'B'],[null,'C']]},"
      "'indicators':[{'code':'A','children':["
      "{'code':'A1','weight':30,'method':'completion','params':{'cap':1.2}},"
      "{'code':'A2','weight':20,'method':'completion','params':{'cap':1.2}}]},"
      "{'code':'B1','weight':25,'method':'completion','params':{'cap':1.2}},"
      "{'code':'B2','weight':25,'method':'completion','params':{'cap':1.2}}]}",
      zUncertainty);
  for (char *q = zS; *q; q++)
    if (*q == '\'') *q = '"';
  *ppS = scheme_parse("k.json", zS, &zErr);
  free(zS);
  if (!*ppS) fail_msg("%s", zErr);
  *ppSpec = robust_spec_parse(*ppS, (*ppS)->zUncertainty, &zErr);
  if (!*ppSpec) fail_msg("%s", zErr);
  for (int k = 0; k < nU * 4; k++) aT[k] = 100;
  memset(pIn, 0, sizeof *pIn);
  pIn->pScheme = *ppS;
  assert_int_equal(period_parse("2021-B3", &pIn->period, NULL), 0);
  pIn->nUnit = nU;
  pIn->azUnit = azUnit;
  pIn->azGroup = azGroup;
  pIn->aValue = aV;
  pIn->aTarget = aT;
  RobustPlan *pPlan = robust_plan(pIn, *ppSpec, &zErr);
  if (!pPlan) fail_msg("%s", zErr);
  return pPlan;
}

/* The engine's grade of a total under the levels 80 / 60 / none (SCORING.md: the first
** level whose threshold the total meets, i.e. is >= or ties within 1e-9). */
static int grade_ref(double v) {
  if (v >= 80 || score_values_tie(v, 80)) return 0;
  if (v >= 60 || score_values_tie(v, 60)) return 1;
  return 2;
}

/* Ranks of any totals by every path of robust_rank_totals (no vector code, AVX2, AVX-512;
** counting over a band of the official order first, or over the whole group) against the
** engine's own ranking (score_competition_rank) and grading, group by group. The totals
** are made to hit every case of ranks by counting: totals near the official ones (the
** band's count is right), the official order reversed and shuffled (units move further
** than the band: counted again in full), exact ties and -0 against +0 (two units on one
** float: insertion sort), the official totals with one unit moved up 64 places (the
** band's counts then are a permutation, but a wrong one: only the order check catches
** it), totals on either side of a float rounding boundary within the tie tolerance
** (adjacent floats that tie: the tie walk), adjacent floats that do not tie, and totals on,
** just under (a tie) and further under (a miss) a grade threshold. Groups of 90 (the band
** is used above 48), 7 and 1 units. */
static void test_rank_totals_paths(void **state) {
  (void)state;
  enum { NU = 98, ND = 60 };
  const char *azUnit[NU], *azGroup[NU];
  char azCode[NU][8];
  double aV[NU * 4], aT[NU * 4];
  uint64_t x = 4242;
  for (int u = 0; u < NU; u++) {
    snprintf(azCode[u], sizeof azCode[u], "u%d", u);
    azUnit[u] = azCode[u];
    azGroup[u] = u < 90 ? "g1" : u < 97 ? "g2" : "g3";
    for (int l = 0; l < 4; l++) {
      x = rng_mix(x);
      aV[u * 4 + l] = 40 + 80 * ((double)(x >> 11) * 0x1.0p-53);
    }
  }
  Scheme *pS;
  RobustSpec *pSpec;
  ScoreInput in;
  RobustPlan *pPlan = plan_open(NU, azUnit, azGroup, aV, aT, "", &pS, &pSpec, &in);
  const ScoreResult *pOff = robust_official(pPlan);
  RobustWork *w = robust_work_new(pPlan);
  double aTot[NU];
  int aRank[NU], aGrade[NU], aRef[NU], aR1[NU];
  /* g1's units in official order, worst first (their totals are all different) */
  int aAsc[90];
  for (int u = 0; u < 90; u++) aAsc[90 - pOff->aUnit[u].iRank] = u;
  for (int k = 0; k + 1 < 90; k++)
    assert_true(pOff->aUnit[aAsc[k]].rTotal < pOff->aUnit[aAsc[k + 1]].rTotal);
  for (int d = 0; d < ND; d++) {
    int eKind = d % 5;
    for (int u = 0; u < NU; u++) {
      x = rng_mix(x);
      double r = (double)(x >> 11) * 0x1.0p-53;
      double t = pOff->aUnit[u].rTotal;
      aTot[u] = eKind == 2 ? (d % 8 == 2 ? pOff->aUnit[NU - 1 - u].rTotal : 30 + 70 * r)
                           : t * (1 + 0.002 * (r - 0.5));
    }
    if (eKind == 0) {
      aTot[1] = aTot[2];                         /* exact tie */
      aTot[3] = aTot[4] * (1 + 4e-10);           /* tie by tolerance */
      aTot[91] = -0.0, aTot[92] = 0.0;           /* -0 and +0 tie */
      aTot[10] = 80, aTot[11] = 80 * (1 - 5e-10), aTot[12] = 80 * (1 - 1e-8);
      aTot[13] = 60 * (1 - 5e-10), aTot[14] = 60 * (1 - 1e-8);
    }
    if (eKind == 4) {
      /* the official totals; the 9th worst unit now between the 73rd and 74th */
      for (int u = 0; u < NU; u++) aTot[u] = pOff->aUnit[u].rTotal;
      aTot[aAsc[8]] = (aTot[aAsc[72]] + aTot[aAsc[73]]) / 2;
    }
    if (eKind == 1) {
      /* either side of the midpoint of two adjacent floats, 2e-10 apart: they tie */
      float f = (float)aTot[5], f2 = nextafterf(f, INFINITY);
      double m = ((double)f + (double)f2) / 2;
      aTot[5] = m * (1 - 1e-10), aTot[6] = m * (1 + 1e-10);
      assert_true((float)aTot[5] == f && (float)aTot[6] == f2);
      assert_true(score_values_tie(aTot[5], aTot[6]));
      /* the same below zero (group g2) */
      float h = -7.3f, h2 = nextafterf(h, -INFINITY);
      double mh = ((double)h + (double)h2) / 2;
      aTot[93] = mh * (1 - 1e-10), aTot[94] = mh * (1 + 1e-10), aTot[95] = -7.2;
      assert_true((float)aTot[93] == h && (float)aTot[94] == h2);
      /* adjacent floats that do not tie */
      float g = (float)aTot[7];
      aTot[7] = g, aTot[8] = nextafterf(g, INFINITY);
      assert_false(score_values_tie(aTot[7], aTot[8]));
    }
    /* the engine: each group ranked on its own */
    const int aStart[4] = {0, 90, 97, NU};
    for (int g = 0; g < 3; g++) {
      score_competition_rank(aTot + aStart[g], aStart[g + 1] - aStart[g], 0, aR1);
      for (int u = aStart[g]; u < aStart[g + 1]; u++) aRef[u] = aR1[u - aStart[g]];
    }
    for (int iSimd = 0; iSimd <= 2; iSimd++) {
      for (int bBand = 0; bBand <= 1; bBand++) {
        robust_plan_set_simd(pPlan, iSimd);
        robust_plan_set_band(pPlan, bBand);
        robust_rank_totals(pPlan, w, aTot, aRank, aGrade);
        for (int u = 0; u < NU; u++) {
          if (aRank[u] != aRef[u] || aGrade[u] != grade_ref(aTot[u]))
            fail_msg("draw %d (kind %d), level %d, band %d, unit %d (%.17g): rank %d grade %d, "
                     "engine %d %d", d, eKind, robust_plan_simd(pPlan), bBand, u, aTot[u],
                     aRank[u], aGrade[u], aRef[u], grade_ref(aTot[u]));
        }
      }
    }
    /* the special totals are what they were made to be, by the engine's own ranking */
    if (eKind == 0) {
      assert_int_equal(aRef[1], aRef[2]);
      assert_int_equal(aRef[3], aRef[4]);
      assert_int_equal(aRef[91], aRef[92]);
      assert_int_equal(grade_ref(aTot[11]), 0);
      assert_int_equal(grade_ref(aTot[12]), 1);
      assert_int_equal(grade_ref(aTot[13]), 1);
      assert_int_equal(grade_ref(aTot[14]), 2);
    }
    if (eKind == 1) {
      assert_int_equal(aRef[5], aRef[6]);
      assert_int_equal(aRef[93], aRef[94]);
      assert_true(aRef[95] < aRef[93]);
      assert_true(aRef[7] != aRef[8]);
    }
  }
  robust_plan_set_simd(pPlan, 2);
  robust_plan_set_band(pPlan, 1);
  robust_work_free(w);
  robust_plan_free(pPlan);
  robust_spec_free(pSpec);
  scheme_free(pS);
}

/* robust_run's counts (each unit's ranks in a window of 32 around its official rank, the
** rest in a full table; threads taking chunks of draws) against the definition worked out
** from single draws: every draw's ranks from robust_eval, sorted per unit, the q-quantile
** the smallest rank r with (draws ranked <= r) >= q N, i.e. the ceil(q N)-th smallest; the
** mean rank, each grade's share and the mean absolute rank shift. One group of 80 units
** and weights +-90 %, so that ranks do leave the window (checked). */
static int int_less(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static void test_run_counts_match_draws(void **state) {
  (void)state;
  enum { NU = 80, ND = 1501 };
  const char *azUnit[NU], *azGroup[NU];
  char azCode[NU][8];
  double aV[NU * 4], aT[NU * 4];
  uint64_t x = 99;
  for (int u = 0; u < NU; u++) {
    snprintf(azCode[u], sizeof azCode[u], "u%d", u);
    azUnit[u] = azCode[u];
    azGroup[u] = "g";
    for (int l = 0; l < 4; l++) {
      x = rng_mix(x);
      aV[u * 4 + l] = 20 + 100 * ((double)(x >> 11) * 0x1.0p-53);
    }
  }
  Scheme *pS;
  RobustSpec *pSpec;
  ScoreInput in;
  RobustPlan *pPlan =
      plan_open(NU, azUnit, azGroup, aV, aT, "'uncertainty':{'weights':0.9},", &pS, &pSpec, &in);
  const ScoreResult *pOff = robust_official(pPlan);
  RobustWork *w = robust_work_new(pPlan);
  int *aAll = xmalloc_array((size_t)NU * ND, sizeof(int));
  int aRank[NU], aGrade[NU];
  long long aSum[NU] = {0}, aGr[NU][4] = {{0}}, nShift = 0;
  int nFar = 0;
  double aU[16];
  for (int d = 0; d < ND; d++) {
    for (int k = 0; k < pSpec->nDim; k++) aU[k] = rng_uniform(31, (uint64_t)d, (uint64_t)k);
    robust_eval(pPlan, aU, w, NULL, aRank, aGrade);
    for (int u = 0; u < NU; u++) {
      int r = aRank[u], o = pOff->aUnit[u].iRank;
      aAll[(size_t)u * ND + d] = r;
      aSum[u] += r;
      aGr[u][aGrade[u] < 0 ? 3 : aGrade[u]]++;
      nShift += r > o ? r - o : o - r;
      nFar += r - o > 16 || o - r > 16;
    }
  }
  assert_true(nFar > 0); /* some ranks are counted outside their window */
  for (int t = 1; t <= 3; t++) {
    RobustResult *r = robust_run(pPlan, ND, 31, t);
    for (int u = 0; u < NU; u++) {
      int *a = aAll + (size_t)u * ND;
      qsort(a, ND, sizeof(int), int_less);
      const RobustUnit *pU = &r->aUnit[u];
      /* ceil(q N) for q = 1/20, 1/2, 19/20 */
      assert_int_equal(pU->iLo, a[(ND + 19) / 20 - 1]);
      assert_int_equal(pU->iMedian, a[(ND + 1) / 2 - 1]);
      assert_int_equal(pU->iHi, a[(19 * ND + 19) / 20 - 1]);
      assert_true(pU->rMeanRank == (double)aSum[u] / ND);
      for (int g = 0; g < 3; g++) assert_true(pU->aGradeProb[g] == (double)aGr[u][g] / ND);
      assert_true(pU->aGradeProb[3] == (double)aGr[u][3] / ND);
    }
    assert_true(r->rMeanAbsShift == (double)nShift / ND / NU);
    robust_result_free(r);
  }
  free(aAll);
  robust_work_free(w);
  robust_plan_free(pPlan);
  robust_spec_free(pSpec);
  scheme_free(pS);
}

/* The same seed gives the same result on 1, 2 and 3 threads (counter-based numbers). */
static void test_threads_identical(void **state) {
  (void)state;
  Fx f;
  fx_open(&f,
          "{'code':'T','aggregation':'points','uncertainty':{'weights':0.25,"
          "'methods':{'A1':['rank','minmax']},'aggregation':['geometric']},"
          "'grades':{'by':'score','levels':[[80,'优'],[60,'良'],[null,'差']]},"
          "'indicators':[" MIXED_LEAVES "]}",
          6, NULL, aMixed);
  RobustResult *r1 = robust_run(f.pPlan, 3001, 5, 1);
  for (int t = 2; t <= 3; t++) {
    RobustResult *r2 = robust_run(f.pPlan, 3001, 5, t);
    assert_int_equal(r2->nThread, t);
    for (int u = 0; u < 6; u++) {
      assert_int_equal(r1->aUnit[u].iLo, r2->aUnit[u].iLo);
      assert_int_equal(r1->aUnit[u].iHi, r2->aUnit[u].iHi);
      assert_int_equal(r1->aUnit[u].iMedian, r2->aUnit[u].iMedian);
      assert_true(r1->aUnit[u].rMeanRank == r2->aUnit[u].rMeanRank);
      for (int g = 0; g <= r1->nGrade; g++)
        assert_true(r1->aUnit[u].aGradeProb[g] == r2->aUnit[u].aGradeProb[g]);
    }
    assert_true(r1->rMeanAbsShift == r2->rMeanAbsShift);
    robust_result_free(r2);
  }
  /* another seed gives other draws (the mean rank of a moving unit changes) */
  RobustResult *r3 = robust_run(f.pPlan, 3001, 6, 1);
  int bDiffer = 0;
  for (int u = 0; u < 6; u++)
    bDiffer |= r1->aUnit[u].rMeanRank != r3->aUnit[u].rMeanRank;
  assert_true(bDiffer);
  robust_result_free(r3);
  robust_result_free(r1);
  fx_close(&f);
}

/* Intervals at 10,000 and 100,000 draws differ by at most one place. */
static void test_draws_converge(void **state) {
  (void)state;
  static const double aV[12 * 3] = {
      95, 80, 70, 90, 85, 60, 88, 70, 90, 70, 95, 80, 60, 60, 99, 85, 75, 75,
      80, 90, 65, 75, 65, 85, 99, 55, 60, 65, 99, 70, 72, 72, 72, 50, 50, 50,
  };
  Fx f;
  fx_open(&f,
          "{'code':'T','aggregation':'points','uncertainty':{'weights':0.25,"
          "'methods':{'C':['rank','efficacy']}},'indicators':["
          "{'code':'A','weight':40,'method':'minmax'},{'code':'B','weight':35,'method':'minmax'},"
          "{'code':'C','weight':25,'method':'minmax'}]}",
          12, NULL, aV);
  RobustResult *r1 = robust_run(f.pPlan, 10000, 1, 2);
  RobustResult *r2 = robust_run(f.pPlan, 100000, 1, 2);
  int nWide = 0;
  for (int u = 0; u < 12; u++) {
    assert_true(abs(r1->aUnit[u].iLo - r2->aUnit[u].iLo) <= 1);
    assert_true(abs(r1->aUnit[u].iHi - r2->aUnit[u].iHi) <= 1);
    nWide += r2->aUnit[u].iHi > r2->aUnit[u].iLo;
  }
  assert_true(nWide >= 4); /* the data do make intervals */
  robust_result_free(r1);
  robust_result_free(r2);
  fx_close(&f);
}

static void test_spec_errors(void **state) {
  (void)state;
  static const char *const azBad[][2] = {
      {"{'weights':1.5}", "weights must be a number in [0, 1)"},
      {"{'methods':{'Z9':['rank']}}", "no indicator \"Z9\""},
      {"{'methods':{'A1':['goalpost']}}", "goalpost is not an alternative method"},
      {"{'methods':{'B2':['rank']}}", "B2 (bonus) has no share to vary"},
      {"{'missing':{'*':['zero'],'A1':['carry']}}", "\"*\" and indicator A1 both given"},
      {"{'aggregation':['points']}", "names no alternative"},
      {"{'methods':{'A1':['zscore']}}", "zscore is for index mode only"},
      {"{'colour':1}", "unknown key \"colour\""},
  };
  for (size_t k = 0; k < sizeof azBad / sizeof azBad[0]; k++) {
    char *zS = xasprintf("{'code':'T','aggregation':'points','uncertainty':%s,'indicators':["
                         MIXED_LEAVES "]}", azBad[k][0]);
    for (char *q = zS; *q; q++)
      if (*q == '\'') *q = '"';
    /* scheme_parse checks the choices (so `scheme import` refuses them) */
    char *zErr = NULL;
    Scheme *pS = scheme_parse("t.json", zS, &zErr);
    assert_null(pS);
    if (!zErr || !strstr(zErr, azBad[k][1]))
      fail_msg("case %zu: expected \"%s\" in \"%s\"", k, azBad[k][1], zErr ? zErr : "(null)");
    free(zErr);
    free(zS);
  }
}

/* ---------------------------------------------------------------- Sobol' */

/* Ishigami a = 7, b = 0.1: S1 = 0.3139, S2 = 0.4424, S3 = 0, ST1 = 0.5576, ST2 = 0.4424,
** ST3 = 0.2437 (Saltelli et al. 2000, "Sensitivity Analysis", section 2.9); estimated at
** N = 2^14 within 0.02. */
static void test_sobol_ishigami(void **state) {
  (void)state;
  SobolIndex e[3];
  double s1[3], st[3];
  assert_int_equal(sobol_test_function("ishigami", 1 << 14, 1, 200, e, s1, st), 3);
  assert_within(s1[0], 0.3139, 0.0001);
  assert_within(s1[1], 0.4424, 0.0001);
  assert_within(st[0], 0.5576, 0.0001);
  assert_within(st[2], 0.2437, 0.0001);
  for (int i = 0; i < 3; i++) {
    assert_within(e[i].rS1, s1[i], 0.02);
    assert_within(e[i].rST, st[i], 0.02);
    assert_true(e[i].rSTLo <= e[i].rST && e[i].rST <= e[i].rSTHi);
  }
}

/* g-function, a = (0, 1, 4.5, 9, 99, 99, 99, 99): V_i = 1/(3 (1 + a_i)^2): V1 = 1/3,
** V2 = 1/12, V3 = 1/90.75, V4 = 1/300, V5..8 = 1/30000; V = prod(1 + V_i) - 1 = 4/3 * 13/12 * 1.011019 * 1.003333 *
** 1.0001333 - 1 = 0.46542, so S1 = (1/3)/0.46542 = 0.7162; estimated within 0.02 at N = 2^14. */
static void test_sobol_gfunc(void **state) {
  (void)state;
  SobolIndex e[8];
  double s1[8], st[8];
  assert_int_equal(sobol_test_function("gfunc", 1 << 14, 3, 0, e, s1, st), 8);
  double v[8] = {1.0 / 3, 1.0 / 12, 1 / 90.75, 1.0 / 300, 1.0 / 30000, 1.0 / 30000,
                 1.0 / 30000, 1.0 / 30000};
  double rProd = 1;
  for (int i = 0; i < 8; i++)
    rProd *= 1 + v[i];
  assert_within(rProd - 1, 0.46542, 0.00001);
  assert_within(s1[0], 0.7162, 0.0001);
  assert_within(s1[0], (1.0 / 3) / (rProd - 1), 1e-12);
  assert_within(st[1], (1.0 / 12) * rProd / (1 + 1.0 / 12) / (rProd - 1), 1e-12);
  for (int i = 0; i < 8; i++) {
    assert_within(e[i].rS1, s1[i], 0.02);
    assert_within(e[i].rST, st[i], 0.02);
  }
}

/* Sobol' indices of the choices: with only the method of C uncertain, it explains all the
** variance of the mean rank shift (S1 = ST = 1 exactly: the output is a function of it). */
static void test_sobol_choices(void **state) {
  (void)state;
  static const double aV[5 * 2] = {90, 10, 80, 30, 70, 50, 60, 80, 50, 99};
  Fx f;
  fx_open(&f,
          "{'code':'T','aggregation':'points','uncertainty':{'weights':0,"
          "'methods':{'B':['rank']}},'indicators':["
          "{'code':'A','weight':50,'method':'minmax'},{'code':'B','weight':50,'method':'completion'}]}",
          5, NULL, aV);
  assert_int_equal(f.pSpec->nChoice, 1);
  RobustSobol *s = robust_sobol(f.pPlan, 512, 3, 100, 2);
  double rST = s->aST[5], rS1 = s->aS1[5]; /* column nUnit: the mean abs shift */
  assert_within(rST, 1, 0.05);
  assert_within(rS1, 1, 0.05);
  robust_sobol_free(s);
  fx_close(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixed_choices_collapse), cmocka_unit_test(test_best_everywhere_is_first),
      cmocka_unit_test(test_probabilities_by_hand),  cmocka_unit_test(test_draws_match_engine),
      cmocka_unit_test(test_threads_identical),      cmocka_unit_test(test_draws_converge),
      cmocka_unit_test(test_spec_errors),            cmocka_unit_test(test_vector_paths_match_engine),
      cmocka_unit_test(test_rank_paths_match),            cmocka_unit_test(test_sobol_ishigami),
      cmocka_unit_test(test_sobol_gfunc),            cmocka_unit_test(test_sobol_choices),
      cmocka_unit_test(test_rank_totals_paths),      cmocka_unit_test(test_run_counts_match_draws),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** robust_cmd.c: the verbs of the uncertainty analysis: `review robust` (rank intervals,
** grade probabilities and Sobol' indices of a period's stored inputs), `whatif` (a unit's
** points, rank and grade with some values changed) and `test-sobol` (the Sobol' estimator
** on functions with known indices). Each reads the store (never writes it) and prints; the
** analysis itself is robust.c, whatif.c and sobol.c.
*/
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "review.h"
#include "robust.h"
#include "sobol.h"
#include "util/mem.h"
#include "whatif.h"

/* An integer option in [lo, hi], or the default; -1 after printing why. */
static int robust_cmd_int(CliArgs *pArgs, const char *zName, long long lo, long long hi,
                          long long iDefault, long long *pOut) {
  const char *z = cli_opt(pArgs, zName);
  *pOut = iDefault;
  if (!z) return 0;
  char *zEnd = NULL;
  errno = 0;
  long long v = strtoll(z, &zEnd, 10);
  if (!z[0] || *zEnd || errno || v < lo || v > hi) {
    cli_error(pArgs, "%s must be an integer from %lld to %lld (it is \"%s\")", zName, lo, hi, z);
    return -1;
  }
  *pOut = v;
  return 0;
}


/* The period's inputs from the store. Returns 0, or an exit code. */
static int robust_cmd_load(CliArgs *pArgs, const char *zPeriod, Db **ppDb, ReviewInputs **ppIn) {
  char *zErr = NULL;
  if (db_open(cli_db_path(pArgs), 0, ppDb, &zErr)) {
    cli_error(pArgs, "%s", zErr ? zErr : "cannot open the database");
    free(zErr);
    return EXIT_INTERNAL;
  }
  /* "" = no basis: the analysis needs the period's inputs only */
  if (review_load(*ppDb, zPeriod, "", 0, ppIn, &zErr)) {
    cli_error(pArgs, "%s", zErr ? zErr : "cannot load the period's inputs");
    free(zErr);
    return EXIT_BAD_INPUT;
  }
  return 0;
}

static void robust_cmd_print_json(json_t *o) {
  char *z = review_json_text(o, 2);
  printf("%s\n", z);
  free(z);
}

/* "0.314" or "-" for NaN */
static const char *robust_cmd_idx(char *z, double r) {
  if (isnan(r)) snprintf(z, 32, "-");
  else snprintf(z, 32, "%.3f", r);
  return z;
}

int review_robust_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "review robust", argc, argv);
  int rc = EXIT_USAGE;
  Db *pDb = NULL;
  ReviewInputs *pIn = NULL;
  RobustSpec *pSpec = NULL;
  RobustPlan *pPlan = NULL;
  RobustResult *pRes = NULL;
  RobustSobol *pSob = NULL;
  char *zErr = NULL;
  long long nDraw, iSeed, nThread, nSobol, nBoot;
  const char *zFormat = cli_opt(&args, "--format");
  if (!zFormat) zFormat = "table";
  if (robust_cmd_int(&args, "--draws", 1, 10000000, 10000, &nDraw) ||
      robust_cmd_int(&args, "--seed", 0, INT64_MAX, 20211, &iSeed) ||
      robust_cmd_int(&args, "--threads", 1, 64, 2, &nThread) ||
      robust_cmd_int(&args, "--sobol", 0, 1 << 20, 1024, &nSobol) ||
      robust_cmd_int(&args, "--boot", 0, 100000, 500, &nBoot))
    goto done;
  if (strcmp(zFormat, "table") && strcmp(zFormat, "json")) {
    cli_error(&args, "--format must be table or json");
    goto done;
  }
  (void)cli_db_path(&args);
  char zPeriod[16];
  if (cli_period(&args, zPeriod) || cli_finish(&args)) goto done;
  if ((rc = robust_cmd_load(&args, zPeriod, &pDb, &pIn))) goto done;
  rc = EXIT_BAD_INPUT;
  const Scheme *pS = pIn->pScheme;
  if (!(pSpec = robust_spec_parse(pS, pS->zUncertainty, &zErr))) {
    cli_error(&args, "scheme %s: %s", pS->zCode, zErr);
    goto done;
  }
  if (!(pPlan = robust_plan(&pIn->in, pSpec, &zErr))) {
    cli_error(&args, "%s", zErr);
    goto done;
  }
  struct timespec t0, t1, t2;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pRes = robust_run(pPlan, (int)nDraw, (uint64_t)iSeed, (int)nThread);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (nSobol > 0 && pSpec->nChoice > 0)
    pSob = robust_sobol(pPlan, (int)nSobol, (uint64_t)iSeed, (int)nBoot, (int)nThread);
  clock_gettime(CLOCK_MONOTONIC, &t2);
  double rMsUA = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  double rMsSA = (t2.tv_sec - t1.tv_sec) * 1e3 + (t2.tv_nsec - t1.tv_nsec) / 1e6;
  const ScoreResult *pOff = robust_official(pPlan);
  int nOut = pIn->nUnit + 1;
  if (strcmp(zFormat, "json") == 0) {
    json_t *o = json_object();
    json_object_set_new(o, "period", json_string(pIn->period.zCode));
    json_object_set_new(o, "scheme", json_string(pS->zCode));
    json_object_set_new(o, "method", robust_method_json(pS, pSpec, (int)nDraw, (uint64_t)iSeed));
    json_object_set_new(o, "mean_abs_rank_shift", json_real(pRes->rMeanAbsShift));
    json_t *a = json_array();
    for (int u = 0; u < pIn->nUnit; u++) {
      json_t *j = json_object();
      json_object_set_new(j, "code", json_string(pIn->azUnit[u]));
      json_object_set_new(j, "name", json_string(pIn->azName[u]));
      json_object_set_new(j, "group", json_string(pIn->azGroup[u]));
      json_t *pU = robust_unit_json(pS, &pRes->aUnit[u]);
      json_object_update(j, pU);
      json_decref(pU);
      if (pSob) {
        json_t *pSi = json_object();
        for (int k = 0; k < pSob->nChoice; k++) {
          json_t *pPair = json_array();
          double s1 = pSob->aS1[(size_t)k * nOut + u], st = pSob->aST[(size_t)k * nOut + u];
          json_array_append_new(pPair, isnan(s1) ? json_null() : json_real(s1));
          json_array_append_new(pPair, isnan(st) ? json_null() : json_real(st));
          json_object_set_new(pSi, pSpec->aChoice[k].zName, pPair);
        }
        json_object_set_new(j, "sobol_s1_st", pSi);
      }
      json_array_append_new(a, j);
    }
    json_object_set_new(o, "units", a);
    if (pSob) {
      json_t *s = json_object();
      json_object_set_new(s, "base_rows", json_integer(pSob->nBase));
      json_object_set_new(s, "runs", json_integer((json_int_t)pSob->nBase * (pSpec->nChoice + 2)));
      json_object_set_new(s, "bootstrap", json_integer(pSob->nBoot));
      json_t *c = json_array();
      for (int k = 0; k < pSob->nChoice; k++) {
        json_t *j = json_object();
        size_t q = (size_t)k * nOut + (size_t)pIn->nUnit;
        json_object_set_new(j, "choice", json_string(pSpec->aChoice[k].zName));
        json_object_set_new(j, "s1", isnan(pSob->aS1[q]) ? json_null() : json_real(pSob->aS1[q]));
        json_object_set_new(j, "st", isnan(pSob->aST[q]) ? json_null() : json_real(pSob->aST[q]));
        json_t *ci = json_array();
        json_array_append_new(ci, isnan(pSob->aSTLo[k]) ? json_null() : json_real(pSob->aSTLo[k]));
        json_array_append_new(ci, isnan(pSob->aSTHi[k]) ? json_null() : json_real(pSob->aSTHi[k]));
        json_object_set_new(j, "st_90ci", ci);
        json_array_append_new(c, j);
      }
      json_object_set_new(s, "mean_abs_rank_shift", c);
      json_object_set_new(o, "sobol", s);
    }
    robust_cmd_print_json(o);
    json_decref(o);
  } else {
    printf("%s %s: %lld draws, seed %lld, %lld thread(s), %.1f ms", pS->zCode,
           pIn->period.zCode, nDraw, iSeed, nThread, rMsUA);
    if (pSob) printf("; Sobol' %d x %d runs, %.1f ms", pSob->nBase, pSpec->nChoice + 2, rMsSA);
    printf("\nuncertain choices:%s\n", pSpec->nChoice ? "" : " none (every rank is certain)");
    for (int k = 0; k < pSpec->nChoice; k++) {
      const RobustChoice *c = &pSpec->aChoice[k];
      if (c->eKind == CHOICE_WEIGHTS)
        printf("  %s: %d weights x U(%g, %g), renormalised among siblings\n", c->zName, c->nDim,
               1 - c->rSpread, 1 + c->rSpread);
      else
        printf("  %s: %d options\n", c->zName, c->nOption);
    }
    printf("%-10s %-8s %6s %7s %9s %6s  %s\n", "unit", "group", "rank", "median", "5-95%",
           "mean", "grade probabilities");
    for (int u = 0; u < pIn->nUnit; u++) {
      const RobustUnit *r = &pRes->aUnit[u];
      char zIv[32];
      snprintf(zIv, sizeof zIv, "%d-%d", r->iLo, r->iHi);
      printf("%-10s %-8s %6d %7d %9s %6.2f ", pIn->azUnit[u], pIn->azGroup[u],
             pOff->aUnit[u].iRank, r->iMedian, zIv, r->rMeanRank);
      for (int g = 0; g <= pS->nGrade; g++)
        if (r->aGradeProb[g] > 0)
          printf(" %s %.1f%%", g < pS->nGrade ? pS->aGrade[g].zLabel : "-",
                 100 * r->aGradeProb[g]);
      printf("\n");
    }
    printf("mean absolute rank shift: %.4f places\n", pRes->rMeanAbsShift);
    if (pSob) {
      printf("Sobol' indices on the mean absolute rank shift (90%% bootstrap interval of ST):\n");
      printf("  %-24s %7s %7s  %s\n", "choice", "S1", "ST", "ST interval");
      for (int k = 0; k < pSob->nChoice; k++) {
        size_t q = (size_t)k * nOut + (size_t)pIn->nUnit;
        char a[32], b[32], c[32], d[32];
        printf("  %-24s %7s %7s  [%s, %s]\n", pSpec->aChoice[k].zName,
               robust_cmd_idx(a, pSob->aS1[q]), robust_cmd_idx(b, pSob->aST[q]),
               robust_cmd_idx(c, pSob->aSTLo[k]), robust_cmd_idx(d, pSob->aSTHi[k]));
      }
    }
  }
  rc = EXIT_OK;
done:
  free(zErr);
  robust_sobol_free(pSob);
  robust_result_free(pRes);
  robust_plan_free(pPlan);
  robust_spec_free(pSpec);
  review_inputs_free(pIn);
  if (pDb) db_close(pDb);
  cli_free(&args);
  return rc;
}

static const char *robust_cmd_grade(const Scheme *pS, int g) {
  return g >= 0 && g < pS->nGrade ? pS->aGrade[g].zLabel : "-";
}

int whatif_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "whatif", argc, argv);
  int rc = EXIT_USAGE;
  Db *pDb = NULL;
  ReviewInputs *pIn = NULL;
  const char **azSet = NULL;
  WhatIfSet *aSet = NULL;
  WhatIfResult res;
  memset(&res, 0, sizeof res);
  char *zErr = NULL;
  const char *zUnit = cli_opt(&args, "--unit");
  const char *zFormat = cli_opt(&args, "--format");
  if (!zFormat) zFormat = "table";
  int nSet = cli_opt_all(&args, "--set", &azSet);
  (void)cli_db_path(&args);
  char zPeriod[16];
  if (cli_period(&args, zPeriod) || cli_finish(&args)) goto done;
  if (!zUnit || !zUnit[0]) {
    cli_error(&args, "--unit CODE is required");
    goto done;
  }
  if (nSet == 0) {
    cli_error(&args, "give at least one --set INDICATOR=VALUE");
    goto done;
  }
  if (strcmp(zFormat, "table") && strcmp(zFormat, "json")) {
    cli_error(&args, "--format must be table or json");
    goto done;
  }
  if ((rc = robust_cmd_load(&args, zPeriod, &pDb, &pIn))) goto done;
  rc = EXIT_BAD_INPUT;
  int iUnit = -1;
  for (int u = 0; u < pIn->nUnit && iUnit < 0; u++)
    if (strcmp(pIn->azUnit[u], zUnit) == 0 || strcmp(pIn->azName[u], zUnit) == 0) iUnit = u;
  if (iUnit < 0) {
    cli_error(&args, "no unit %s in period %s", zUnit, pIn->period.zCode);
    goto done;
  }
  aSet = xcalloc((size_t)nSet, sizeof(WhatIfSet));
  for (int k = 0; k < nSet; k++) {
    if (whatif_parse_set(pIn->pScheme, azSet[k], &aSet[k], &zErr)) {
      cli_error(&args, "%s", zErr);
      goto done;
    }
  }
  if (whatif_run(&pIn->in, iUnit, aSet, nSet, &res, &zErr)) {
    cli_error(&args, "%s", zErr);
    goto done;
  }
  const Scheme *pS = pIn->pScheme;
  if (strcmp(zFormat, "json") == 0) {
    json_t *o = whatif_json(&pIn->in, &res);
    robust_cmd_print_json(o);
    json_decref(o);
  } else {
    char a[32], b[32];
    printf("%s %s (%s), %s, group of %d\n", pIn->azUnit[iUnit], pIn->azName[iUnit],
           pIn->azGroup[iUnit], pIn->period.zCode, res.nGroupSize);
    printf("%-12s %14s %14s\n", "", "before", "after");
    review_fmt_double(a, res.rTotalBefore);
    review_fmt_double(b, res.rTotalAfter);
    printf("%-12s %14s %14s\n", "total", a, b);
    printf("%-12s %14d %14d\n", "rank", res.iRankBefore, res.iRankAfter);
    printf("%-12s %14s %14s\n", "grade", robust_cmd_grade(pS, res.iGradeBefore),
           robust_cmd_grade(pS, res.iGradeAfter));
    for (int k = 0; k < res.nLeaf; k++) {
      const WhatIfLeaf *w = &res.aLeaf[k];
      const char *zCode = pS->aNode[pS->aLeafNode[w->iLeaf]].zCode;
      review_fmt_double(a, w->rValueBefore);
      review_fmt_double(b, w->rValueAfter);
      printf("%-12s %14s %14s  (value)\n", zCode, a, b);
      if (!isnan(w->rPointsBefore) || !isnan(w->rPointsAfter)) {
        review_fmt_double(a, w->rPointsBefore);
        review_fmt_double(b, w->rPointsAfter);
        printf("%-12s %14s %14s  (points)\n", zCode, a, b);
      }
    }
  }
  rc = EXIT_OK;
done:
  free(zErr);
  free(azSet);
  free(aSet);
  whatif_result_free(&res);
  review_inputs_free(pIn);
  if (pDb) db_close(pDb);
  cli_free(&args);
  return rc;
}

int test_sobol_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "test-sobol", argc, argv);
  int rc = EXIT_USAGE;
  long long n, iSeed, nBoot;
  if (robust_cmd_int(&args, "--n", 16, 1 << 22, 1 << 14, &n) ||
      robust_cmd_int(&args, "--seed", 0, INT64_MAX, 1, &iSeed) ||
      robust_cmd_int(&args, "--boot", 0, 10000, 200, &nBoot) || cli_finish(&args))
    goto done;
  static const char *const azFunc[] = {"ishigami", "gfunc"};
  static const char *const azTitle[] = {
      "Ishigami (a = 7, b = 0.1; Ishigami and Homma 1990; analytic: Saltelli et al. 2000)",
      "Sobol' g-function, a = (0, 1, 4.5, 9, 99, 99, 99, 99) (Saltelli and Sobol' 1995);\n"
      "  analytic: V_i = 1/(3 (1 + a_i)^2), S_i = V_i / V, ST_i = V_i prod_{j!=i}(1 + V_j) / V"};
  double rMax = 0;
  for (int f = 0; f < 2; f++) {
    SobolIndex e[8];
    double s1[8], st[8];
    int k = sobol_test_function(azFunc[f], (int)n, (uint64_t)iSeed, (int)nBoot, e, s1, st);
    printf("%s\nN = %lld base rows, %lld runs; 90%% bootstrap intervals (%lld resamples)\n",
           azTitle[f], n, n * (k + 2), nBoot);
    printf("  %-3s %9s %9s %17s   %9s %9s %17s\n", "x", "S1", "analytic", "interval", "ST",
           "analytic", "interval");
    for (int i = 0; i < k; i++) {
      char a[32], b[32], c[32], d[32];
      printf("  x%-2d %9.4f %9.4f  [%6s, %6s]   %9.4f %9.4f  [%6s, %6s]\n", i + 1, e[i].rS1,
             s1[i], robust_cmd_idx(a, e[i].rS1Lo), robust_cmd_idx(b, e[i].rS1Hi), e[i].rST, st[i],
             robust_cmd_idx(c, e[i].rSTLo), robust_cmd_idx(d, e[i].rSTHi));
      rMax = fmax(rMax, fmax(fabs(e[i].rS1 - s1[i]), fabs(e[i].rST - st[i])));
    }
  }
  printf("largest error: %.4f\n", rMax);
  rc = EXIT_OK;
done:
  cli_free(&args);
  return rc;
}

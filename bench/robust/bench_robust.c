/*
** bench_robust.c: the uncertainty analysis alone, timed (bench/robust/run.sh).
**
** Linked against the engine's objects (as bench/score/bench_score.c is), it reads one
** period of a benchmark data set (DIR/units.csv, scheme.json, targets.csv, and the values
** and previous values given), plans the analysis of the scheme's uncertain choices
** (robust_plan: the engine scores every alternative once) and times robust_run: --draws
** draws from --seed on --threads threads, the best of --repeat runs. It prints one JSON
** line: the plan and run times (wall clock; run_best_cpu_s the least CPU time of a run,
** all threads) and, per unit, the result the numpy implementation must
** reproduce: [lo, hi, median, sum of ranks, grade counts...]. --export FILE writes the plan
** (robust_plan_export: shares, masks, weights, groups, grades) for robust_numpy.py.
**
**   usage: bench_robust DIR VALUES.csv PREVIOUS.csv PERIOD [--draws N] [--seed S]
**          [--threads T] [--repeat R] [--export FILE]
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "period.h"
#include "robust.h"
#include "scheme.h"
#include "score.h"
#include "util/csv.h"
#include "util/mem.h"
#include "util/text.h"

static double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process (every thread): on a machine shared with other work it
** moves less than the wall clock, which waits whenever a core is taken. */
static double bench_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void bench_die(const char *zMsg) {
  fprintf(stderr, "bench_robust: %s\n", zMsg);
  exit(1);
}

typedef struct Units {
  int n;
  char **azCode, **azGroup;
} Units;

static void bench_open(CsvReader *r, const char *zPath) {
  char *zErr = NULL;
  if (csv_open(r, zPath, &zErr)) bench_die(zErr ? zErr : zPath);
  if (csv_next(r, &zErr) != 1) bench_die(zErr ? zErr : "empty file");
}

static void bench_read_units(Units *p, const char *zPath) {
  CsvReader r;
  bench_open(&r, zPath);
  int iCode = csv_field_index(&r, "code"), iGroup = csv_field_index(&r, "peer_group");
  if (iCode < 0 || iGroup < 0) bench_die("units.csv needs code and peer_group");
  int nAlloc = 0, rc;
  char *zErr = NULL;
  while ((rc = csv_next(&r, &zErr)) == 1) {
    if (p->n == nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 1024;
      p->azCode = xrealloc_array(p->azCode, (size_t)nAlloc, sizeof(char *));
      p->azGroup = xrealloc_array(p->azGroup, (size_t)nAlloc, sizeof(char *));
    }
    p->azCode[p->n] = xstrdup(text_trim(r.azField[iCode]));
    p->azGroup[p->n] = xstrdup(text_trim(r.azField[iGroup]));
    p->n++;
  }
  if (rc < 0) bench_die(zErr);
  csv_close(&r);
}

/* The unit index of a code: a linear scan is fine for a file read once. A hash would be
** faster; the reading is not what is timed. Units are looked up in file order, so the
** scan starts where the previous one ended. */
static int bench_find_unit(const Units *p, const char *z, int *piHint) {
  for (int k = 0; k < p->n; k++) {
    int i = (*piHint + k) % p->n;
    if (strcmp(p->azCode[i], z) == 0) {
      *piHint = i;
      return i;
    }
  }
  return -1;
}

static double *bench_read_matrix(const char *zPath, const char *zCol, const Units *pU,
                                 const Scheme *pS) {
  size_t n = (size_t)pU->n * (size_t)pS->nLeaf;
  double *a = xmalloc_array(n, sizeof(double));
  for (size_t i = 0; i < n; i++) a[i] = NAN;
  CsvReader r;
  bench_open(&r, zPath);
  int iUnit = csv_field_index(&r, "unit"), iInd = csv_field_index(&r, "indicator");
  int iVal = csv_field_index(&r, zCol);
  if (iUnit < 0 || iInd < 0 || iVal < 0) bench_die("a matrix file has the wrong header");
  int rc, iHint = 0;
  char *zErr = NULL;
  while ((rc = csv_next(&r, &zErr)) == 1) {
    int u = bench_find_unit(pU, text_trim(r.azField[iUnit]), &iHint);
    int iNode = scheme_find(pS, text_trim(r.azField[iInd]));
    if (u < 0 || iNode < 0 || !pS->aNode[iNode].bLeaf) {
      fprintf(stderr, "bench_robust: %s: line %d: unknown unit or indicator\n", zPath,
              r.iRecordLine);
      exit(1);
    }
    const char *zV = text_trim(r.azField[iVal]);
    double v = NAN;
    if (zV[0] && text_parse_double(zV, &v)) {
      fprintf(stderr, "bench_robust: %s: line %d: not a number\n", zPath, r.iRecordLine);
      exit(1);
    }
    a[(size_t)u * (size_t)pS->nLeaf + (size_t)pS->aNode[iNode].iLeaf] = v;
  }
  if (rc < 0) bench_die(zErr);
  csv_close(&r);
  return a;
}

static char *bench_slurp(const char *zPath) {
  FILE *f = fopen(zPath, "rb");
  if (!f) bench_die(zPath);
  Buf b = BUF_INIT;
  char z[65536];
  size_t n;
  while ((n = fread(z, 1, sizeof z, f)) > 0) buf_append(&b, z, n);
  fclose(f);
  return buf_detach(&b);
}

static const char *bench_opt(int argc, char **argv, const char *zName, const char *zDefault) {
  for (int i = 5; i + 1 < argc; i++)
    if (strcmp(argv[i], zName) == 0) return argv[i + 1];
  return zDefault;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: bench_robust DIR VALUES.csv PREVIOUS.csv PERIOD [--draws N] "
                    "[--seed S] [--threads T] [--repeat R] [--export FILE]\n");
    return 2;
  }
  const char *zDir = argv[1];
  int nDraw = atoi(bench_opt(argc, argv, "--draws", "10000"));
  uint64_t iSeed = strtoull(bench_opt(argc, argv, "--seed", "20211"), NULL, 10);
  int nThread = atoi(bench_opt(argc, argv, "--threads", "1"));
  int nRepeat = atoi(bench_opt(argc, argv, "--repeat", "5"));
  const char *zExport = bench_opt(argc, argv, "--export", NULL);

  Units units = {0};
  char *zPath = xasprintf("%s/units.csv", zDir);
  bench_read_units(&units, zPath);
  free(zPath);
  zPath = xasprintf("%s/scheme.json", zDir);
  char *zJson = bench_slurp(zPath);
  free(zPath);
  char *zErr = NULL;
  Scheme *pS = scheme_parse("scheme.json", zJson, &zErr);
  if (!pS) bench_die(zErr);
  free(zJson);
  zPath = xasprintf("%s/targets.csv", zDir);
  double *aTarget = bench_read_matrix(zPath, "target", &units, pS);
  free(zPath);
  double *aValue = bench_read_matrix(argv[2], "value", &units, pS);
  double *aPrev = bench_read_matrix(argv[3], "value", &units, pS);
  ScoreInput in = {0};
  in.pScheme = pS;
  if (period_parse(argv[4], &in.period, &zErr)) bench_die(zErr);
  in.nUnit = units.n;
  in.azUnit = (const char *const *)units.azCode;
  in.azGroup = (const char *const *)units.azGroup;
  in.aValue = aValue;
  in.aTarget = aTarget;
  in.aPrevious = aPrev;

  RobustSpec *pSpec = robust_spec_parse(pS, pS->zUncertainty, &zErr);
  if (!pSpec) bench_die(zErr);
  double t0 = bench_now();
  RobustPlan *pPlan = robust_plan(&in, pSpec, &zErr);
  double tPlan = bench_now() - t0;
  if (!pPlan) bench_die(zErr);
  if (zExport) {
    json_t *o = robust_plan_export(pPlan);
    if (!o) bench_die("the plan cannot be exported (choices other than weights?)");
    json_object_set_new(o, "draws", json_integer(nDraw));
    json_object_set_new(o, "seed", json_integer((json_int_t)iSeed));
    if (json_dump_file(o, zExport, JSON_COMPACT)) bench_die("cannot write the export");
    json_decref(o);
  }
  double rBest = 1e300, rBestCpu = 1e300;
  Buf runs = BUF_INIT;
  RobustResult *pRes = NULL;
  for (int k = 0; k < nRepeat; k++) {
    robust_result_free(pRes);
    double c0 = bench_cpu();
    t0 = bench_now();
    pRes = robust_run(pPlan, nDraw, iSeed, nThread);
    double t = bench_now() - t0, c = bench_cpu() - c0;
    if (t < rBest) rBest = t;
    if (c < rBestCpu) rBestCpu = c;
    buf_printf(&runs, "%s%.6f", k ? ", " : "", t);
  }
  printf("{\"units\": %d, \"leaves\": %d, \"dims\": %d, \"draws\": %d, \"threads\": %d, "
         "\"plan_s\": %.6f, \"run_best_s\": %.6f, \"run_best_cpu_s\": %.6f, \"runs_s\": [%s], "
         "\"mean_abs_shift\": %.17g, "
         "\"result\": [",
         units.n, pS->nLeaf, pSpec->nDim, nDraw, nThread, tPlan, rBest, rBestCpu, buf_str(&runs),
         pRes->rMeanAbsShift);
  for (int u = 0; u < units.n; u++) {
    const RobustUnit *r = &pRes->aUnit[u];
    printf("%s[%d, %d, %d, %.0f", u ? ", " : "", r->iLo, r->iHi, r->iMedian,
           r->rMeanRank * nDraw);
    for (int g = 0; g <= pS->nGrade; g++) printf(", %.0f", r->aGradeProb[g] * nDraw);
    printf("]");
  }
  printf("]}\n");
  buf_free(&runs);
  robust_result_free(pRes);
  robust_plan_free(pPlan);
  robust_spec_free(pSpec);
  scheme_free(pS);
  free(aValue);
  free(aTarget);
  free(aPrev);
  for (int u = 0; u < units.n; u++) {
    free(units.azCode[u]);
    free(units.azGroup[u]);
  }
  free(units.azCode);
  free(units.azGroup);
  return 0;
}

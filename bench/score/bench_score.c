/*
** bench_score.c: the scoring engine alone, timed (bench/score/run.sh).
**
** Linked against the engine's objects (build/obj/src/ *.o except main.o), it parses the
** benchmark's inputs once (units, scheme, targets, the values of every period listed in
** DIR/periods.txt), then times score_compute() over all periods in sequence, each period's
** previous values being the period before (for the `carry` policy), as `kaoping score
** --previous` would get them. The best of --repeat runs is reported, so that the number is
** the engine's cost, not the page cache's or the CSV parser's. It writes each period's totals
** as "unit,total,rank,grade" (shortest round-trip numbers) for run.sh to compare with the
** pandas implementation and the CLI before anything is timed.
**
** Not a test of input checking: the benchmark files are well-formed by construction, and a
** bad row simply stops the program with its line number.
**
**   usage: bench_score DIR [--repeat N] [--out-dir OUT]
**   prints one JSON line: {"parse_s": .., "score_best_s": .., "score_runs_s": [..], ...}
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "period.h"
#include "scheme.h"
#include "score.h"
#include "util/csv.h"
#include "util/mem.h"
#include "util/text.h"

static double bench_now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    perror("clock_gettime");
    exit(1);
  }
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void bench_die(const char *zMsg) {
  fprintf(stderr, "bench_score: %s\n", zMsg);
  exit(1);
}

typedef struct Units {
  int n;
  char **azCode, **azGroup;
  int *aSorted; /* indices sorted by code */
} Units;

static const Units *gpUnits; /* for qsort/bsearch comparators */

static int bench_cmp_idx(const void *a, const void *b) {
  return strcmp(gpUnits->azCode[*(const int *)a], gpUnits->azCode[*(const int *)b]);
}

static int bench_find_unit(const Units *p, const char *z) {
  int lo = 0, hi = p->n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = strcmp(p->azCode[p->aSorted[mid]], z);
    if (c == 0) return p->aSorted[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

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
  p->aSorted = xmalloc_array((size_t)p->n, sizeof(int));
  for (int i = 0; i < p->n; i++) p->aSorted[i] = i;
  gpUnits = p;
  qsort(p->aSorted, (size_t)p->n, sizeof(int), bench_cmp_idx);
}

/* unit,indicator,<zCol> -> dense matrix, NaN = missing. */
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
  int rc;
  char *zErr = NULL;
  while ((rc = csv_next(&r, &zErr)) == 1) {
    int u = bench_find_unit(pU, text_trim(r.azField[iUnit]));
    int iNode = scheme_find(pS, text_trim(r.azField[iInd]));
    if (u < 0 || iNode < 0 || !pS->aNode[iNode].bLeaf) {
      fprintf(stderr, "bench_score: %s: line %d: unknown unit or indicator\n", zPath,
              r.iRecordLine);
      exit(1);
    }
    const char *zV = text_trim(r.azField[iVal]);
    double v = NAN;
    if (zV[0] && text_parse_double(zV, &v)) {
      fprintf(stderr, "bench_score: %s: line %d: not a number\n", zPath, r.iRecordLine);
      exit(1);
    }
    a[(size_t)u * (size_t)pS->nLeaf + (size_t)pS->aNode[iNode].iLeaf] = v;
  }
  if (rc < 0) bench_die(zErr);
  csv_close(&r);
  return a;
}

static char *bench_path(const char *zDir, const char *zName) {
  return xasprintf("%s/%s", zDir, zName);
}

int main(int argc, char **argv) {
  const char *zDir = NULL, *zOut = NULL;
  int nRepeat = 5;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) nRepeat = atoi(argv[++i]);
    else if (strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc) zOut = argv[++i];
    else if (!zDir && argv[i][0] != '-') zDir = argv[i];
    else {
      fprintf(stderr, "usage: bench_score DIR [--repeat N] [--out-dir OUT]\n");
      return 2;
    }
  }
  if (!zDir || nRepeat < 1) {
    fprintf(stderr, "usage: bench_score DIR [--repeat N] [--out-dir OUT]\n");
    return 2;
  }
  double t0 = bench_now();
  /* scheme */
  char *zPath = bench_path(zDir, "scheme.json"), *zText = NULL, *zErr = NULL;
  size_t nText = 0;
  if (text_load(zPath, &zText, &nText, NULL, &zErr)) bench_die(zErr);
  Scheme *pS = scheme_parse(zPath, zText, &zErr);
  if (!pS) bench_die(zErr);
  free(zText);
  free(zPath);
  /* units, targets */
  Units units;
  memset(&units, 0, sizeof units);
  zPath = bench_path(zDir, "units.csv");
  bench_read_units(&units, zPath);
  free(zPath);
  zPath = bench_path(zDir, "targets.csv");
  double *aTarget = bench_read_matrix(zPath, "target", &units, pS);
  free(zPath);
  /* periods and their values */
  zPath = bench_path(zDir, "periods.txt");
  FILE *f = fopen(zPath, "r");
  if (!f) bench_die("cannot open periods.txt");
  free(zPath);
  int nPeriod = 0;
  Period aPeriod[64];
  double *aaValue[64];
  char zLine[64];
  while (fgets(zLine, sizeof zLine, f)) {
    text_trim(zLine);
    if (!zLine[0]) continue;
    if (nPeriod == 64) bench_die("more than 64 periods");
    if (period_parse(zLine, &aPeriod[nPeriod], &zErr)) bench_die(zErr);
    char *zName = xasprintf("values-%s.csv", zLine);
    zPath = bench_path(zDir, zName);
    aaValue[nPeriod] = bench_read_matrix(zPath, "value", &units, pS);
    free(zPath);
    free(zName);
    nPeriod++;
  }
  if (ferror(f) || fclose(f) != 0) bench_die("cannot read periods.txt");
  double t1 = bench_now();

  /* Time score_compute over all periods, best of nRepeat. */
  ScoreResult **apRes = xcalloc((size_t)nPeriod, sizeof(ScoreResult *));
  double rBest = INFINITY;
  double *aRun = xmalloc_array((size_t)nRepeat, sizeof(double));
  for (int k = 0; k < nRepeat; k++) {
    for (int p = 0; p < nPeriod; p++) {
      score_result_free(apRes[p]);
      apRes[p] = NULL;
    }
    double ta = bench_now();
    for (int p = 0; p < nPeriod; p++) {
      ScoreInput in;
      memset(&in, 0, sizeof in);
      in.pScheme = pS;
      in.period = aPeriod[p];
      in.nUnit = units.n;
      in.azUnit = (const char *const *)units.azCode;
      in.azGroup = (const char *const *)units.azGroup;
      in.aValue = aaValue[p];
      in.aTarget = aTarget;
      in.aPrevious = p ? aaValue[p - 1] : NULL;
      apRes[p] = score_compute(&in, &zErr);
      if (!apRes[p]) bench_die(zErr);
    }
    aRun[k] = bench_now() - ta;
    if (aRun[k] < rBest) rBest = aRun[k];
  }

  if (zOut) {
    for (int p = 0; p < nPeriod; p++) {
      char *zName = xasprintf("totals-%s.csv", aPeriod[p].zCode);
      zPath = bench_path(zOut, zName);
      FILE *fo = fopen(zPath, "w");
      if (!fo) bench_die("cannot write a totals file (does --out-dir exist?)");
      fprintf(fo, "unit,total,rank,grade\n");
      for (int u = 0; u < units.n; u++) {
        const UnitScore *pU = &apRes[p]->aUnit[u];
        char zNum[32];
        text_fmt_double(zNum, pU->rTotal);
        fprintf(fo, "%s,%s,%d,%s\n", units.azCode[u], zNum, pU->iRank,
                pU->iGrade >= 0 ? pS->aGrade[pU->iGrade].zLabel : "");
      }
      if (ferror(fo) || fclose(fo) != 0) bench_die("write error");
      free(zPath);
      free(zName);
    }
  }
  printf("{\"parse_s\": %.6f, \"score_best_s\": %.6f, \"score_runs_s\": [", t1 - t0, rBest);
  for (int k = 0; k < nRepeat; k++) printf("%s%.6f", k ? ", " : "", aRun[k]);
  printf("], \"periods\": %d, \"units\": %d, \"leaves\": %d}\n", nPeriod, units.n, pS->nLeaf);

  for (int p = 0; p < nPeriod; p++) {
    score_result_free(apRes[p]);
    free(aaValue[p]);
  }
  free(apRes);
  free(aRun);
  free(aTarget);
  for (int u = 0; u < units.n; u++) {
    free(units.azCode[u]);
    free(units.azGroup[u]);
  }
  free(units.azCode);
  free(units.azGroup);
  free(units.aSorted);
  scheme_free(pS);
  return 0;
}

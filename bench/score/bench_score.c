/*
** bench_score.c: the scoring engine alone, timed (bench/score/run.sh).
**
** Linked against the engine's objects (run.sh puts build/obj/src/ *.o but main.o in an
** archive, so that only what the engine needs is linked in), it parses the benchmark's
** inputs once (units, scheme, targets, the values of every period listed in
** DIR/periods.txt), then times the scoring of all periods, each period's previous values
** being the period before (for the `carry` policy), as `kaoping score --previous` would get
** them. The best of --repeat runs is reported, so that the number is the engine's cost, not
** the page cache's or the CSV parser's. Two ways of calling the engine:
**
**   default   score_compute_batch(periods, --threads N): the 12 periods scored on N
**             threads (N = 1: one after another on the calling thread), each into its own
**             result, which later repetitions reuse (score_compute_into), as a server
**             scoring period after period would. The first repetition allocates them.
**   --fresh   score_compute() per period, one after another, every result allocated anew
**             (and freed before the next repetition): page faults included.
**
** Either way every output of the engine is computed: each leaf's value, share, points,
** rank and flags, each category's value and points, each unit's total, rank, grade and
** flags. --out-dir writes them for run.sh to compare with pandas before anything is timed:
** totals-PERIOD.csv "unit,total,rank,grade,flags", leaves-PERIOD.csv
** "unit,indicator,value,share,points,rank,flags" and categories-PERIOD.csv
** "unit,category,value,points" (numbers as the shortest decimal that reads back exactly;
** empty = null; flags as the sum of the FLAG_* bits of score.h).
**
** Not a test of input checking: the benchmark files are well-formed by construction, and a
** bad row simply stops the program with its line number.
**
**   usage: bench_score DIR [--repeat N] [--threads N] [--fresh] [--out-dir OUT]
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

/* Writes r as a CSV field: empty when null. */
static void bench_put_number(FILE *f, double r) {
  char zNum[32];
  if (isnan(r)) return;
  score_format_number(zNum, r);
  fputs(zNum, f);
}

static FILE *bench_create(const char *zOut, const char *zKind, const char *zPeriod) {
  char *zPath = xasprintf("%s/%s-%s.csv", zOut, zKind, zPeriod);
  FILE *f = fopen(zPath, "w");
  if (!f) bench_die("cannot write an output file (does --out-dir exist?)");
  free(zPath);
  return f;
}

static void bench_close(FILE *f) {
  if (ferror(f) || fclose(f) != 0) bench_die("write error");
}

/* Every output of one period's result, as described in the header comment. */
static void bench_write(const char *zOut, const char *zPeriod, const Scheme *pS,
                        const Units *pUnits, const ScoreResult *pRes) {
  FILE *f = bench_create(zOut, "totals", zPeriod);
  fprintf(f, "unit,total,rank,grade,flags\n");
  for (int u = 0; u < pRes->nUnit; u++) {
    const UnitScore *pU = &pRes->aUnit[u];
    fprintf(f, "%s,", pUnits->azCode[u]);
    bench_put_number(f, pU->rTotal);
    fprintf(f, ",%d,%s,%u\n", pU->iRank, pU->iGrade >= 0 ? pS->aGrade[pU->iGrade].zLabel : "",
            pU->flags);
  }
  bench_close(f);
  f = bench_create(zOut, "leaves", zPeriod);
  fprintf(f, "unit,indicator,value,share,points,rank,flags\n");
  for (int u = 0; u < pRes->nUnit; u++) {
    for (int l = 0; l < pRes->nLeaf; l++) {
      const LeafScore *pL = &pRes->aLeaf[(size_t)u * (size_t)pRes->nLeaf + (size_t)l];
      fprintf(f, "%s,%s,", pUnits->azCode[u], pS->aNode[pS->aLeafNode[l]].zCode);
      bench_put_number(f, pL->rValue);
      fputc(',', f);
      bench_put_number(f, pL->rShare);
      fputc(',', f);
      bench_put_number(f, pL->rPoints);
      fputc(',', f);
      if (pL->iRank > 0) fprintf(f, "%d", pL->iRank);
      fprintf(f, ",%u\n", pL->flags);
    }
  }
  bench_close(f);
  f = bench_create(zOut, "categories", zPeriod);
  fprintf(f, "unit,category,value,points\n");
  for (int u = 0; u < pRes->nUnit; u++) {
    for (int c = 0; c < pRes->nCat; c++) {
      const CatScore *pC = &pRes->aCat[(size_t)u * (size_t)pRes->nCat + (size_t)c];
      fprintf(f, "%s,%s,", pUnits->azCode[u], pS->aNode[pS->aCatNode[c]].zCode);
      bench_put_number(f, pC->rValue);
      fputc(',', f);
      bench_put_number(f, pC->rPoints);
      fputc('\n', f);
    }
  }
  bench_close(f);
}

static void bench_usage(void) {
  fprintf(stderr, "usage: bench_score DIR [--repeat N] [--threads N] [--fresh] [--out-dir OUT]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *zDir = NULL, *zOut = NULL;
  int nRepeat = 5, nThread = 1, bFresh = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) nRepeat = atoi(argv[++i]);
    else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) nThread = atoi(argv[++i]);
    else if (strcmp(argv[i], "--fresh") == 0) bFresh = 1;
    else if (strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc) zOut = argv[++i];
    else if (!zDir && argv[i][0] != '-') zDir = argv[i];
    else bench_usage();
  }
  if (!zDir || nRepeat < 1 || nThread < 1 || (bFresh && nThread != 1)) bench_usage();
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

  /* The inputs of every period, then the timed runs: best of nRepeat. */
  ScoreInput *aIn = xcalloc((size_t)nPeriod, sizeof(ScoreInput));
  for (int p = 0; p < nPeriod; p++) {
    aIn[p].pScheme = pS;
    aIn[p].period = aPeriod[p];
    aIn[p].nUnit = units.n;
    aIn[p].azUnit = (const char *const *)units.azCode;
    aIn[p].azGroup = (const char *const *)units.azGroup;
    aIn[p].aValue = aaValue[p];
    aIn[p].aTarget = aTarget;
    aIn[p].aPrevious = p ? aaValue[p - 1] : NULL;
  }
  ScoreResult **apRes = xcalloc((size_t)nPeriod, sizeof(ScoreResult *));
  double rBest = INFINITY;
  double *aRun = xmalloc_array((size_t)nRepeat, sizeof(double));
  for (int k = 0; k < nRepeat; k++) {
    if (bFresh) {
      for (int p = 0; p < nPeriod; p++) {
        score_result_free(apRes[p]);
        apRes[p] = NULL;
      }
    }
    double ta = bench_now();
    if (bFresh) {
      for (int p = 0; p < nPeriod; p++) {
        apRes[p] = score_compute(&aIn[p], &zErr);
        if (!apRes[p]) bench_die(zErr);
      }
    } else if (score_compute_batch(aIn, nPeriod, apRes, nThread, &zErr) != 0) {
      bench_die(zErr);
    }
    aRun[k] = bench_now() - ta;
    if (aRun[k] < rBest) rBest = aRun[k];
  }

  if (zOut) {
    for (int p = 0; p < nPeriod; p++)
      bench_write(zOut, aPeriod[p].zCode, pS, &units, apRes[p]);
  }
  printf("{\"parse_s\": %.6f, \"score_best_s\": %.6f, \"score_runs_s\": [", t1 - t0, rBest);
  for (int k = 0; k < nRepeat; k++) printf("%s%.6f", k ? ", " : "", aRun[k]);
  printf("], \"mode\": \"%s\", \"threads\": %d, \"periods\": %d, \"units\": %d, \"leaves\": %d}\n",
         bFresh ? "fresh" : "batch", nThread, nPeriod, units.n, pS->nLeaf);

  for (int p = 0; p < nPeriod; p++) {
    score_result_free(apRes[p]);
    free(aaValue[p]);
  }
  free(apRes);
  free(aIn);
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

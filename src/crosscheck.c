/*
** crosscheck.c: the arithmetic of the cross-checks (see crosscheck.h); crosscheck_cmd.c
** reads the store and reports.
*/
#include "crosscheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int xc_first_digit(double v) {
  if (!isfinite(v) || v == 0) return 0;
  v = fabs(v);
  /* Scale into [1, 10) by powers of ten; the printed form decides at the edges so that
  ** 0.3 (0.29999...) counts as 3, as a reader sees it. */
  char z[40];
  snprintf(z, sizeof z, "%.14e", v);
  return z[0] >= '1' && z[0] <= '9' ? z[0] - '0' : 0;
}

void xc_benford(const double *a, int n, XcBenford *p) {
  memset(p, 0, sizeof *p);
  for (int i = 0; i < n; i++) {
    int d = xc_first_digit(a[i]);
    if (d) { p->anDigit[d]++; p->n++; }
  }
  double rSum = 0;
  for (int d = 1; d <= 9 && p->n; d++)
    rSum += fabs((double)p->anDigit[d] / p->n - log10(1.0 + 1.0 / d));
  p->rMad = p->n ? rSum / 9 : NAN;
  p->zClass = p->n ? xc_benford_class(p->rMad) : "";
}

const char *xc_benford_class(double rMad) {
  if (rMad <= 0.006) return "close";
  if (rMad <= 0.012) return "acceptable";
  if (rMad <= 0.015) return "marginal";
  return "nonconformity";
}

int xc_jump(double rPrev, double rCur, double rThreshold, double *pRel, int *pbFlag) {
  if (!isfinite(rPrev) || !isfinite(rCur) || rPrev == 0) return -1;
  *pRel = (rCur - rPrev) / fabs(rPrev);
  *pbFlag = fabs(*pRel) > rThreshold;
  return 0;
}

int xc_growth(double rPrev, double rCur, double *pGrowth) {
  if (!isfinite(rPrev) || !isfinite(rCur) || rPrev <= 0) return -1;
  *pGrowth = 100.0 * (rCur / rPrev - 1.0);
  return 0;
}

static int xc_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double xc_median(double *a, int n) {
  qsort(a, (size_t)n, sizeof(double), xc_cmp_double);
  return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

double xc_modified_z(double x, double rMedian, double rMad) {
  return rMad > 0 ? 0.6745 * (x - rMedian) / rMad : NAN;
}

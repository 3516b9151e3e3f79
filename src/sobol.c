/*
** sobol.c: Sobol' sensitivity indices (sobol.h): Saltelli's design, the Saltelli 2010
** first-order and Jansen total estimators, percentile bootstrap intervals; the Ishigami
** function and the Sobol' g-function with their analytic indices, for `kaoping test-sobol`
** and tests/unit/test_sobol.c. Pure: no I/O.
**
** Invariants: the estimates are functions of the outputs alone (sums run in row order);
** the bootstrap's resampled rows are rng_uniform(seed, b, j), so intervals are
** reproducible.
*/
#include "sobol.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util/mem.h"

/* Variance of the 2n outputs of A and B (population form, as Saltelli 2010 uses). */
static double sobol_variance(int n, const double *yA, const double *yB, const int *aRow) {
  double rSum = 0, rSum2 = 0;
  for (int j = 0; j < n; j++) {
    int r = aRow ? aRow[j] : j;
    rSum += yA[r] + yB[r];
  }
  double rMean = rSum / (2.0 * n);
  for (int j = 0; j < n; j++) {
    int r = aRow ? aRow[j] : j;
    rSum2 += (yA[r] - rMean) * (yA[r] - rMean) + (yB[r] - rMean) * (yB[r] - rMean);
  }
  return rSum2 / (2.0 * n);
}

/* S1 and ST of input i over rows aRow (NULL = 0..n-1). */
static void sobol_pair(int n, const double *yA, const double *yB, const double *yABi,
                       const int *aRow, double rV, double *pS1, double *pST) {
  double rFirst = 0, rTotal = 0;
  for (int j = 0; j < n; j++) {
    int r = aRow ? aRow[j] : j;
    rFirst += yB[r] * (yABi[r] - yA[r]);
    rTotal += (yA[r] - yABi[r]) * (yA[r] - yABi[r]);
  }
  if (!(rV > 0)) {
    *pS1 = *pST = NAN; /* a constant output has no variance to share out */
    return;
  }
  *pS1 = rFirst / n / rV;
  *pST = rTotal / (2.0 * n) / rV;
}

static int sobol_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-quantile of n sorted values by the inverse empirical distribution. */
static double sobol_quantile(const double *a, int n, double q) {
  int k = (int)ceil(q * n) - 1;
  if (k < 0) k = 0;
  if (k >= n) k = n - 1;
  return a[k];
}

void sobol_estimate(int n, int k, const double *yA, const double *yB, const double *yAB,
                    int nBoot, double rAlpha, uint64_t iSeed, SobolIndex *aOut) {
  double rV = sobol_variance(n, yA, yB, NULL);
  for (int i = 0; i < k; i++) {
    sobol_pair(n, yA, yB, yAB + (size_t)i * n, NULL, rV, &aOut[i].rS1, &aOut[i].rST);
    aOut[i].rS1Lo = aOut[i].rS1Hi = aOut[i].rSTLo = aOut[i].rSTHi = NAN;
  }
  if (nBoot <= 0 || n <= 0 || k <= 0) return;
  int *aRow = xmalloc_array((size_t)n, sizeof(int));
  double *aS1 = xmalloc_array((size_t)nBoot * k, sizeof(double));
  double *aST = xmalloc_array((size_t)nBoot * k, sizeof(double));
  for (int b = 0; b < nBoot; b++) {
    for (int j = 0; j < n; j++) {
      int r = (int)(rng_uniform(iSeed, (uint64_t)b, (uint64_t)j) * n);
      aRow[j] = r < n ? r : n - 1;
    }
    double rVb = sobol_variance(n, yA, yB, aRow);
    for (int i = 0; i < k; i++)
      sobol_pair(n, yA, yB, yAB + (size_t)i * n, aRow, rVb, &aS1[(size_t)i * nBoot + b],
                 &aST[(size_t)i * nBoot + b]);
  }
  for (int i = 0; i < k; i++) {
    double *p1 = aS1 + (size_t)i * nBoot, *pT = aST + (size_t)i * nBoot;
    if (isnan(aOut[i].rS1)) continue;
    qsort(p1, (size_t)nBoot, sizeof(double), sobol_cmp_double);
    qsort(pT, (size_t)nBoot, sizeof(double), sobol_cmp_double);
    aOut[i].rS1Lo = sobol_quantile(p1, nBoot, rAlpha / 2);
    aOut[i].rS1Hi = sobol_quantile(p1, nBoot, 1 - rAlpha / 2);
    aOut[i].rSTLo = sobol_quantile(pT, nBoot, rAlpha / 2);
    aOut[i].rSTHi = sobol_quantile(pT, nBoot, 1 - rAlpha / 2);
  }
  free(aRow);
  free(aS1);
  free(aST);
}

/* Direction numbers of dimensions 2..20 of Joe and Kuo's new-joe-kuo-6.21201 table
** (S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional
** projections", SIAM J. Sci. Comput. 30:2635, 2008): degree s, coefficient a, m_1..m_s.
** Dimension 1 is the van der Corput sequence (every m = 1). */
static const struct {
  int s, a, m[7];
} aSobolJoeKuo[SOBOL_QMC_DIM - 1] = {
    {1, 0, {1}},                {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},          {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},       {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},   {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},  {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},  {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}}, {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}}, {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}}, {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
};

/* Direction numbers V_1..V_32 of dimension d (0-based), scaled to 32 bits (Bratley and Fox
** 1988, algorithm 659; the recurrence of Joe and Kuo's sobol.cc). */
static void sobol_directions(int d, uint32_t *aV) {
  if (d == 0) {
    for (int j = 0; j < 32; j++)
      aV[j] = 1u << (31 - j);
    return;
  }
  int s = aSobolJoeKuo[d - 1].s, a = aSobolJoeKuo[d - 1].a;
  for (int j = 0; j < s; j++)
    aV[j] = (uint32_t)aSobolJoeKuo[d - 1].m[j] << (31 - j);
  for (int j = s; j < 32; j++) {
    aV[j] = aV[j - s] ^ (aV[j - s] >> s);
    for (int k = 1; k < s; k++)
      aV[j] ^= (((uint32_t)a >> (s - 1 - k)) & 1u) * aV[j - k];
  }
}

double sobol_sample(uint64_t iSeed, uint64_t iRow, int iDim, int nDim) {
  if (nDim > SOBOL_QMC_DIM || iRow >= 0xffffffffull) return rng_uniform(iSeed, iRow, (uint64_t)iDim);
  uint32_t aV[32];
  sobol_directions(iDim, aV);
  /* point iRow + 1 (the first point, all zeros, is skipped) in Gray-code order: the XOR of
  ** the direction numbers of the set bits of g = i ^ (i >> 1) */
  uint32_t i = (uint32_t)(iRow + 1), g = i ^ (i >> 1), x = 0;
  for (int j = 0; g; j++, g >>= 1)
    if (g & 1u) x ^= aV[j];
  /* a random digital shift (XOR with seed-derived bits) keeps the net's structure */
  x ^= (uint32_t)(rng_mix(iSeed ^ rng_mix((uint64_t)iDim + 1)) >> 32);
  return ((double)x + 0.5) * 0x1.0p-32;
}

double sobol_ishigami(const double *x, double a, double b) {
  double x1 = -M_PI + 2 * M_PI * x[0], x2 = -M_PI + 2 * M_PI * x[1];
  double x3 = -M_PI + 2 * M_PI * x[2];
  double s2 = sin(x2);
  return sin(x1) + a * s2 * s2 + b * pow(x3, 4) * sin(x1);
}

/* Ishigami's variances (Sobol' and Levitan 1999; Saltelli et al. 2000, "Sensitivity
** Analysis", Wiley, section 2.9): V1 = 1/2 (1 + b pi^4/5)^2, V2 = a^2/8,
** V13 = b^2 pi^8 (1/18 - 1/50), V = V1 + V2 + V13, V3 = V12 = V23 = V123 = 0. */
void sobol_ishigami_analytic(double a, double b, double *aS1, double *aST) {
  double p4 = pow(M_PI, 4), p8 = p4 * p4;
  double v1 = 0.5 * (1 + b * p4 / 5) * (1 + b * p4 / 5);
  double v2 = a * a / 8;
  double v13 = b * b * p8 * (1.0 / 18 - 1.0 / 50);
  double v = v1 + v2 + v13;
  aS1[0] = v1 / v;
  aS1[1] = v2 / v;
  aS1[2] = 0;
  aST[0] = (v1 + v13) / v;
  aST[1] = v2 / v;
  aST[2] = v13 / v;
}

double sobol_gfunc(const double *x, const double *aA, int k) {
  double r = 1;
  for (int i = 0; i < k; i++)
    r *= (fabs(4 * x[i] - 2) + aA[i]) / (1 + aA[i]);
  return r;
}

void sobol_gfunc_analytic(const double *aA, int k, double *aS1, double *aST) {
  double rProd = 1;
  for (int i = 0; i < k; i++)
    rProd *= 1 + 1 / (3 * (1 + aA[i]) * (1 + aA[i]));
  double v = rProd - 1;
  for (int i = 0; i < k; i++) {
    double vi = 1 / (3 * (1 + aA[i]) * (1 + aA[i]));
    aS1[i] = vi / v;
    aST[i] = vi * (rProd / (1 + vi)) / v;
  }
}

/* The g-function's coefficients of Saltelli and Sobol' (1995, Reliab. Eng. Syst. Saf.
** 50:225) and of Saltelli et al. (2010, section 4, test case with k = 8):
** a = (0, 1, 4.5, 9, 99, 99, 99, 99). */
static const double aSobolGfuncA[8] = {0, 1, 4.5, 9, 99, 99, 99, 99};

int sobol_test_function(const char *zFunc, int n, uint64_t iSeed, int nBoot, SobolIndex *aEst,
                        double *aS1, double *aST) {
  int k, bIshigami = strcmp(zFunc, "ishigami") == 0;
  if (bIshigami)
    k = 3;
  else if (strcmp(zFunc, "gfunc") == 0)
    k = 8;
  else
    return 0;
  double *yA = xmalloc_array((size_t)n, sizeof(double));
  double *yB = xmalloc_array((size_t)n, sizeof(double));
  double *yAB = xmalloc_array((size_t)n * k, sizeof(double));
  double x[8], xB[8];
  for (int j = 0; j < n; j++) {
    for (int d = 0; d < k; d++) {
      x[d] = sobol_sample(iSeed, (uint64_t)j, d, 2 * k);
      xB[d] = sobol_sample(iSeed, (uint64_t)j, k + d, 2 * k);
    }
    yA[j] = bIshigami ? sobol_ishigami(x, 7, 0.1) : sobol_gfunc(x, aSobolGfuncA, k);
    yB[j] = bIshigami ? sobol_ishigami(xB, 7, 0.1) : sobol_gfunc(xB, aSobolGfuncA, k);
    for (int i = 0; i < k; i++) {
      double xi = x[i];
      x[i] = xB[i];
      yAB[(size_t)i * n + j] =
          bIshigami ? sobol_ishigami(x, 7, 0.1) : sobol_gfunc(x, aSobolGfuncA, k);
      x[i] = xi;
    }
  }
  sobol_estimate(n, k, yA, yB, yAB, nBoot, 0.1, iSeed ^ 0x5eed, aEst);
  if (bIshigami)
    sobol_ishigami_analytic(7, 0.1, aS1, aST);
  else
    sobol_gfunc_analytic(aSobolGfuncA, k, aS1, aST);
  free(yA);
  free(yB);
  free(yAB);
  return k;
}

/*
** sobol.h: variance-based sensitivity indices (Sobol' indices) from Saltelli's sampling
** design. Pure: no I/O, no globals. Used by robust.c (which choice drives a rank) and by
** `kaoping test-sobol`, which checks the estimators against the analytic indices of the
** Ishigami function and the Sobol' g-function.
**
** Design (Saltelli et al. 2010, "Variance based sensitivity analysis of model output.
** Design and estimator for the total sensitivity index", Comput. Phys. Commun. 181:259):
** two independent N x k sample matrices A and B, and for each input (or group of inputs) i
** the matrix AB_i: A with the column(s) of i taken from B. The model is run on the rows of
** A, B and every AB_i: N (k + 2) runs. Estimators, with V = the variance of the 2N outputs
** of A and B together:
**   first order (Saltelli 2010, table 2 (b)):  S_i  = (1/N) sum_j yB_j (yAB_i,j - yA_j) / V
**   total (Jansen 1999, table 2 (f)):           ST_i = (1/2N) sum_j (yA_j - yAB_i,j)^2 / V
** Confidence intervals: a percentile bootstrap over the N rows (rows resampled with
** replacement, the same rows for every index; the resampling numbers are rng.h's).
*/
#ifndef KP_SOBOL_H
#define KP_SOBOL_H
#include <stdint.h>

typedef struct SobolIndex {
  double rS1, rST;              /* NaN when the output does not vary */
  double rS1Lo, rS1Hi, rSTLo, rSTHi; /* bootstrap interval; NaN when nBoot == 0 */
} SobolIndex;

/* The sample of Saltelli's design: the value of dimension iDim (0-based) in row iRow when
** the design has nDim dimensions (2k: A's then B's). Up to SOBOL_QMC_DIM dimensions it is
** the Sobol' quasi-random sequence (point iRow + 1; Joe-Kuo direction numbers) with a
** random digital shift drawn from iSeed, as Saltelli's design prescribes; beyond that,
** rng_uniform(iSeed, iRow, iDim). Either way a function of (seed, row, dim) only. */
enum { SOBOL_QMC_DIM = 20 };
double sobol_sample(uint64_t iSeed, uint64_t iRow, int iDim, int nDim);

/* Estimates the indices of k inputs from yA, yB (n each) and yAB (k x n, row i = AB_i).
** nBoot bootstrap resamples (0 = none) give the (1 - rAlpha) percentile intervals. */
void sobol_estimate(int n, int k, const double *yA, const double *yB, const double *yAB,
                    int nBoot, double rAlpha, uint64_t iSeed, SobolIndex *aOut);

/* Standard test functions, x in [0, 1)^k (rescaled inside as each definition requires). */
/* Ishigami and Homma (1990): f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi). */
double sobol_ishigami(const double *x, double a, double b);
/* Its analytic indices (3 each). */
void sobol_ishigami_analytic(double a, double b, double *aS1, double *aST);
/* Sobol' g-function: f = prod_i (|4 x_i - 2| + a_i) / (1 + a_i), x_i ~ U(0, 1). */
double sobol_gfunc(const double *x, const double *aA, int k);
/* Analytic: V_i = 1 / (3 (1 + a_i)^2), V = prod (1 + V_i) - 1, S_i = V_i / V,
** ST_i = V_i prod_{j != i} (1 + V_j) / V. */
void sobol_gfunc_analytic(const double *aA, int k, double *aS1, double *aST);

/* Runs the estimator on a test function ("ishigami" or "gfunc") with N = n base rows
** (rows of A: sobol_sample(seed, row, dim, 2k); of B: dims k..2k-1), writing estimates and
** analytic values (k each). Returns k, or 0 for an unknown function. */
int sobol_test_function(const char *zFunc, int n, uint64_t iSeed, int nBoot, SobolIndex *aEst,
                        double *aS1, double *aST);

#endif

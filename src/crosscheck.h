/*
** crosscheck.h: cross-checks of reported figures (数据存疑) — pure arithmetic, no I/O.
**
**  - Benford's law on first digits (Newcomb 1881, Benford 1938): in many sets of absolute
**    figures spanning orders of magnitude, the first significant digit d occurs with
**    probability log10(1 + 1/d). Conformity is judged by the mean absolute deviation (MAD)
**    of the observed first-digit proportions from those, with the thresholds of Nigrini,
**    M. J. (2012), "Benford's Law: Applications for Forensic Accounting, Auditing, and Fraud
**    Detection", Wiley, table 7.1 (first digits): 0.000-0.006 close conformity, 0.006-0.012
**    acceptable conformity, 0.012-0.015 marginally acceptable, above 0.015 nonconformity.
**    With few numbers the MAD is large by chance alone, so the caller sets a minimum count.
**  - A jump: a value that changed by more than a threshold since the previous period AND
**    whose change is an outlier among the other units' changes of the same indicator (so a
**    season or a year-to-date figure that rises everywhere is not flagged): the modified
**    z-score of Iglewicz, B. and Hoaglin, D. C. (1993), "How to Detect and Handle
**    Outliers", ASQC, above 3.5.
**  - A pair: a self-reported growth rate and the growth of a feed proxy (industrial value
**    added vs industrial electricity use) differing by more than a threshold in points.
*/
#ifndef KP_CROSSCHECK_H
#define KP_CROSSCHECK_H

#include <stdint.h>

/* The first significant digit of |v| (1-9), or 0 for 0, NaN and infinities. */
int xc_first_digit(double v);

typedef struct XcBenford {
  int n;             /* numbers with a first digit */
  int anDigit[10];   /* counts per first digit 1..9 */
  double rMad;       /* mean over d = 1..9 of |observed share - log10(1 + 1/d)| */
  const char *zClass; /* "close", "acceptable", "marginal", "nonconformity" (Nigrini) */
} XcBenford;

/* Tallies the first digits of a[0..n) (zeros and NaN skipped) and computes the MAD. */
void xc_benford(const double *a, int n, XcBenford *p);
/* Nigrini's class of a first-digit MAD. */
const char *xc_benford_class(double rMad);

/* Relative change (cur - prev) / |prev|; *pbFlag = |change| > rThreshold. Returns 0, or -1
** when it is undefined (a missing value, or prev = 0). */
int xc_jump(double rPrev, double rCur, double rThreshold, double *pRel, int *pbFlag);

/* Median of a[0..n) (n > 0; a is sorted in place); for an even n the mean of the middle two. */
double xc_median(double *a, int n);
/* The modified z-score of Iglewicz and Hoaglin (1993), 0.6745 (x - median) / MAD, where MAD
** is the median absolute deviation; NaN when MAD is 0. |z| > 3.5 marks an outlier. */
double xc_modified_z(double x, double rMedian, double rMad);

/* Growth in percent of a proxy from its value a year before: 100 (cur / prev - 1); -1 when
** undefined (missing, or prev <= 0). */
int xc_growth(double rPrev, double rCur, double *pGrowth);

/* ---- crosscheck_cmd.c: the three checks over the store (reads only) ----------------------
** The flags of period zPeriod as {"period", "checked": {jump_comparisons, benford_units,
** pairs}, "flags": [{kind, unit, indicator, reason, evidence}]} (docs/crosscheck.md), with
** the configuration pCfg (a JSON object; {} for the defaults; zConfig names it in messages).
** Returns 0 (EXIT_OK) with *ppOut set, or the verb's exit code (1 bad configuration or no
** such period, 2 bad period code, 4 database) with *pzErr. Used by the verb, the HTTP API
** (/api/crosscheck/{period}), the unit page and the bulletin's 数据存疑 section. */
typedef struct Db Db;
typedef struct json_t json_t;
int crosscheck_run(Db *pDb, const char *zPeriod, json_t *pCfg, const char *zConfig,
                   json_t **ppOut, char **pzErr);
/* crosscheck_run keeps its results in this process (crosscheck_cmd.c, "the cache"), found
** again under a key that names the inputs' version: crosscheck_inputs_key is that version
** for a period (malloc'd; NULL on a database error); any new observation, feed import,
** review computation or publication, period or unit change gives another key. The HTTP
** response cache (http/cache.c) uses it too. */
char *crosscheck_inputs_key(Db *pDb, const char *zPeriod);
/* How many runs were answered from the cache and how many computed (cacheable ones only). */
void crosscheck_cache_stats(int64_t *pnHit, int64_t *pnMiss);

#endif

/*
** robust.h: how certain is each rank? Monte Carlo uncertainty analysis of a period's scores
** (OECD/JRC Handbook step 8; COINr get_sensitivity): the scheme names its uncertain choices
** (docs/robustness.md), N draws each pick one value of every choice, and each draw ranks
** the units again; per unit come the median rank, the 5th-95th percentile interval, the
** probability of each grade and whether the place is certain. Pure: no I/O, no clock, no
** globals. The random numbers are rng.h's: draw d's numbers depend on (seed, d) only, so a
** result is identical whatever the number of threads.
**
** How a draw is scored. A leaf's shares depend only on its own column, method and
** missing-data policy, never on weights or on the aggregation (score.c pass 1). So
** robust_plan() runs the engine (score_compute_into) once per alternative of the leaves'
** (method, missing) combinations and keeps every share column; a draw then aggregates the
** chosen columns with the drawn weights and aggregation and ranks the totals, with the
** engine's own formulas, in the engine's order of operations, and its tie tolerance. The
** totals are bit-identical to what score_compute gives for the same choices applied to a
** copy of the scheme (robust_scheme_for_draw builds that copy; tests/unit/test_robust.c
** compares the two on hundreds of draws). This is what makes 10,000 draws of a province
** take a fraction of a second instead of 10,000 runs of the whole engine.
*/
#ifndef KP_ROBUST_H
#define KP_ROBUST_H
#include <jansson.h>
#include <stdint.h>

#include "score.h"

enum { ROBUST_MAX_OPTION = 8 };

typedef enum { CHOICE_WEIGHTS, CHOICE_METHOD, CHOICE_MISSING, CHOICE_AGGREGATION } ChoiceKind;

/* Aggregation options: the scheme's own (option 0), points, index with every aggregate
** arithmetic, index with every aggregate geometric. */
typedef enum { RAGG_OFFICIAL, RAGG_POINTS, RAGG_ARITHMETIC, RAGG_GEOMETRIC } RobustAgg;

typedef struct RobustChoice {
  ChoiceKind eKind;
  char *zName;    /* "weights", "method E3", "missing *", "aggregation" */
  int iLeaf;      /* method, missing: the leaf; -1 = missing of every weighted leaf */
  int nOption;    /* discrete choices: options, option 0 = the scheme's own */
  int aOption[ROBUST_MAX_OPTION]; /* Method, MissingPolicy or RobustAgg values */
  double rSpread; /* weights: each weight times U(1 - spread, 1 + spread) */
  int iDim, nDim; /* its random numbers: dims iDim .. iDim+nDim-1 of a draw */
} RobustChoice;

typedef struct RobustSpec {
  int nChoice;
  RobustChoice *aChoice;
  int nDim;          /* random numbers per draw */
  int bDefault;      /* the scheme named no choices: weights +-25 % */
} RobustSpec;

/* Reads the choices from zJson, the scheme's "uncertainty" object (Scheme.zUncertainty;
** NULL = the default: every weight +-25 %). Returns the spec, or NULL with *pzErr
** (malloc'd, one problem per line). */
RobustSpec *robust_spec_parse(const Scheme *pS, const char *zJson, char **pzErr);
void robust_spec_free(RobustSpec *p);
/* The choice option a random number u in [0, 1) picks: floor(u n), n = nOption. */
int robust_option(const RobustChoice *pC, double u);

typedef struct RobustPlan RobustPlan; /* opaque: the share columns and the groups */

/* Prepares the analysis of pIn (its scheme's choices pSpec; both must outlive the plan):
** scores the official choices and every alternative with the engine. Returns NULL with
** *pzErr when the engine reports a data error for some alternative (e.g. a completion
** alternative without targets), naming the choice. */
RobustPlan *robust_plan(const ScoreInput *pIn, const RobustSpec *pSpec, char **pzErr);
void robust_plan_free(RobustPlan *p);
/* The official result the plan was made from (owned by the plan). */
const ScoreResult *robust_official(const RobustPlan *p);

/* For tests: bOn = 0 makes the draws take the paths of a CPU without AVX2 (sums in SSE2
** or C, ranks by insertion sort); 1 (the default) takes the widest the CPU has
** (robust_plan_set_simd(p, 2)). The results are the same either way: the tests check that. */
void robust_plan_set_avx2(RobustPlan *p, int bOn);
/* For tests: the widest vector paths the draws may take: 0 none (sums in SSE2 or C, ranks
** by insertion sort), 1 AVX2, 2 AVX-512F for the ranks by counting (AVX2 for the rest);
** each as far as the CPU has it. robust_plan_simd says which level is in effect. */
void robust_plan_set_simd(RobustPlan *p, int iLevel);
int robust_plan_simd(const RobustPlan *p);
/* For tests: bOn = 0 makes ranks by counting compare every pair of a group at once instead
** of a band of the official order first (robust.c); 1 is the default. */
void robust_plan_set_band(RobustPlan *p, int bOn);

/* Per-thread scratch for robust_eval. */
typedef struct RobustWork RobustWork;
RobustWork *robust_work_new(const RobustPlan *p);
void robust_work_free(RobustWork *w);

/* Scores one draw given its random numbers aU[0 .. nDim-1] in [0, 1): aTotal (nUnit,
** may be NULL), aRank and aGrade (nUnit each; grade -1 = none) receive what the engine
** would give with those choices. */
void robust_eval(const RobustPlan *p, const double *aU, RobustWork *w, double *aTotal,
                 int *aRank, int *aGrade);

/* For tests: the ranks and grades (as robust_eval gives them) of any totals aTotal[nUnit]
** in the plan's peer groups, grades and veto flags. */
void robust_rank_totals(const RobustPlan *p, RobustWork *w, const double *aTotal, int *aRank,
                        int *aGrade);

/* The scheme a draw amounts to: a copy of the official scheme (sharing its strings, which
** the copy must not outlive) with the draw's weights, methods (default parameters for an
** alternative method), missing policies and aggregation. Free with robust_scheme_copy_free.
** For checking robust_eval against score_compute, and for what-if analyses. */
Scheme *robust_scheme_for_draw(const RobustPlan *p, const double *aU);
/* A shallow copy of pS whose nodes may be edited (weights, methods, params, policies). */
Scheme *robust_scheme_copy(const Scheme *pS);
void robust_scheme_copy_free(Scheme *p);

typedef struct RobustUnit {
  int iOfficial;      /* the official rank */
  int iMedian;        /* median rank over the draws */
  int iLo, iHi;       /* 5th and 95th percentile ranks: the rank interval */
  double rMeanRank;
  int bCertain;       /* iLo == iHi */
  double *aGradeProb; /* nGrade + 1: probability of each grade level, last = no grade */
} RobustUnit;

typedef struct RobustResult {
  int nUnit, nDraw, nGrade, nThread;
  uint64_t iSeed;
  RobustUnit *aUnit;
  double rMeanAbsShift; /* mean over draws and units of |rank - official rank| */
} RobustResult;

/* Runs nDraw draws (draw d uses rng_uniform(seed, d, dim)) on up to nThreads threads.
** Percentiles are the inverse of the empirical distribution: the q-quantile is the
** smallest rank r with (draws ranked <= r) >= q N, computed on integer counts. */
RobustResult *robust_run(const RobustPlan *p, int nDraw, uint64_t iSeed, int nThreads);
enum { ROBUST_MAX_DRAW = 1 << 30 }; /* robust_run runs at most this many draws */
void robust_result_free(RobustResult *p);

/* The method record of a run, for documents: {"choices": [{"name", "kind", "spread" or
** "options"}], "draws", "seed", "percentiles": [5, 95], "generator"}. */
json_t *robust_method_json(const Scheme *pS, const RobustSpec *pSpec, int nDraw, uint64_t iSeed);
/* One unit's result: {"rank", "rank_interval": [lo, hi], "median_rank", "mean_rank",
** "rank_certain", "grade_probabilities": {label: p, ...}} (levels of probability 0 left out). */
json_t *robust_unit_json(const Scheme *pS, const RobustUnit *pU);

/* The plan of a points-mode analysis whose only uncertain choice is the weights, as data
** for an independent implementation of the same draws (bench/robust/robust_numpy.py):
** {"total", "spread", "dims", "leaf_dim" (per weighted leaf: its random dimension, -1 =
** fixed), "leaf_w0", "dim_set", "dim_w0", "set_sum0", "shares", "masks" (per weighted leaf,
** per unit), "bonus", "deduct", "veto" (bits 1 VETO, 2 VETO_TOP), "group", "group_size",
** "official_rank", "grades" (thresholds, null = none)}. NULL when the plan has other
** choices or is not points mode. */
json_t *robust_plan_export(const RobustPlan *p);

/* Sensitivity: first-order and total Sobol indices of each choice (sobol.h), with
** Saltelli's design on nBase base rows (rows of A: dims 0..nDim-1 of row r; of B: dims
** nDim..2nDim-1), outputs: each unit's rank and the mean absolute rank shift. */
typedef struct RobustSobol {
  int nChoice, nUnit, nBase, nBoot;
  double *aS1, *aST;          /* nChoice x (nUnit + 1): column nUnit = mean abs shift */
  double *aS1Lo, *aS1Hi, *aSTLo, *aSTHi; /* nChoice: 90 % bootstrap CIs, mean abs shift */
} RobustSobol;
RobustSobol *robust_sobol(const RobustPlan *p, int nBase, uint64_t iSeed, int nBoot,
                          int nThreads);
void robust_sobol_free(RobustSobol *p);

#endif

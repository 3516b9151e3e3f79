/*
** whatif.h: what-if analysis (潜力, made interactive): "if this county raised E3 to its
** group's median and P1 to time progress, what would its points, rank and grade be?".
** Pure: the engine (score_compute) scores a copy of the inputs with the unit's values
** changed; nothing else changes (targets, other units, the scheme). Used by `kaoping
** whatif` (robust_cmd.c) and POST /api/periods/{period}/whatif (api.c).
*/
#ifndef KP_WHATIF_H
#define KP_WHATIF_H
#include <jansson.h>

#include "score.h"

typedef enum {
  WHATIF_VALUE,        /* a number */
  WHATIF_GROUP_MEDIAN, /* the median of the group's present values */
  WHATIF_GROUP_MEAN,   /* their mean */
  WHATIF_GROUP_BEST,   /* their best (max, or min for a "lower" indicator) */
  WHATIF_TARGET,       /* the unit's target */
  WHATIF_TIMEPROGRESS  /* the unit's target x time progress (the value that is not behind) */
} WhatIfKind;

typedef struct WhatIfSet {
  int iLeaf;
  WhatIfKind eKind;
  double rValue; /* WHATIF_VALUE */
} WhatIfSet;

/* Parses "CODE=SPEC" (SPEC a number, group_median, group_mean, group_best, target or
** timeprogress). Returns 0, or -1 with *pzErr (malloc'd). */
int whatif_parse_set(const Scheme *pS, const char *z, WhatIfSet *pOut, char **pzErr);

typedef struct WhatIfLeaf {
  int iLeaf;
  double rValueBefore, rValueAfter;   /* raw values (NaN = missing) */
  double rPointsBefore, rPointsAfter; /* NaN in index mode or when null */
  double rShareBefore, rShareAfter;
} WhatIfLeaf;

typedef struct WhatIfResult {
  int iUnit, nLeaf;
  WhatIfLeaf *aLeaf;                  /* nLeaf: one per set, in order */
  double rTotalBefore, rTotalAfter;
  int iRankBefore, iRankAfter, nGroupSize;
  int iGradeBefore, iGradeAfter;      /* -1 = none */
} WhatIfResult;

/* Scores the inputs as they are and with unit iUnit's values set (later sets of the same
** leaf win). Returns 0, or -1 with *pzErr: a spec that cannot be resolved (no target for
** timeprogress, no group value for group_median) or a data error of the engine. */
int whatif_run(const ScoreInput *pIn, int iUnit, const WhatIfSet *aSet, int nSet,
               WhatIfResult *pOut, char **pzErr);
void whatif_result_free(WhatIfResult *p);

/* The result as JSON: {"unit", "period", "before": {total, rank, grade}, "after": {...},
** "group_size", "changes": [{indicator, value_before, value_after, points_before, ...}]}. */
json_t *whatif_json(const ScoreInput *pIn, const WhatIfResult *p);

#endif

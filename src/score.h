/*
** score.h: the scoring engine (评分引擎), the heart of kaoping. Pure C, no I/O, no global
** state, deterministic: the same inputs give bit-identical outputs on every run.
**
** Input: a validated Scheme, a Period, the units (code and peer group), and three dense
** matrices indexed [iUnit * nLeaf + iLeaf]: values, targets and previous-period values,
** with NaN meaning "missing". Output: every leaf's value after the missing-data policy,
** share, points, rank and flags; every category's value and points; every unit's total,
** rank in its group, grade and flags. The semantics are SCORING.md's, clause by clause.
*/
#ifndef KP_SCORE_H
#define KP_SCORE_H
#include "period.h"
#include "scheme.h"

/* Leaf and unit flags (bit set). Names as printed: see score_flag_name(). */
enum {
  FLAG_MISSING = 1 << 0,   /* value missing, scored as zero (缺报) */
  FLAG_EXCLUDED = 1 << 1,  /* value missing, leaf dropped for the unit */
  FLAG_IMPUTED = 1 << 2,   /* value missing, group mean used */
  FLAG_CARRIED = 1 << 3,   /* value missing, previous period's used */
  FLAG_BEHIND = 1 << 4,    /* behind time progress (落后时序进度) */
  FLAG_VETO = 1 << 5,      /* 一票否决 */
  FLAG_VETO_TOP = 1 << 6,  /* 一票否优 */
  FLAG__COUNT = 7
};
const char *score_flag_name(unsigned bit); /* "MISSING", ... ; NULL for an unknown bit */

typedef struct ScoreInput {
  const Scheme *pScheme;
  Period period;
  int nUnit;
  const char *const *azUnit;  /* unit codes (for messages) */
  const char *const *azGroup; /* peer group of each unit */
  const double *aValue;       /* nUnit*nLeaf, NaN = missing */
  const double *aTarget;      /* nUnit*nLeaf or NULL, NaN = none */
  const double *aPrevious;    /* nUnit*nLeaf or NULL (for missing = carry) */
} ScoreInput;

typedef struct LeafScore {
  double rValue;  /* x after the missing policy; NaN when none (null) */
  double rShare;  /* NaN = null */
  double rPoints; /* NaN = null */
  int iRank;      /* rank of the value in the group, 0 = null */
  unsigned flags;
} LeafScore;

typedef struct CatScore {
  double rValue;  /* NaN = null */
  double rPoints; /* NaN = null (always in index mode) */
} CatScore;

typedef struct UnitScore {
  double rTotal;
  double rBase;      /* points: rescaled weighted points; index: root value * scale */
  double rBonus;     /* sum of bonus points (>= 0) */
  double rDeduct;    /* sum of deduct points as a positive number */
  double rWeightSum; /* W: applicable weights (points mode) */
  int iRank;         /* in group, competition ranking, 1 = best */
  int nGroupSize;    /* units in the unit's peer group */
  int iGrade;        /* index into pScheme->aGrade, -1 when no level applies */
  unsigned flags;    /* FLAG_VETO, FLAG_VETO_TOP */
} UnitScore;

typedef struct ScoreResult {
  int nUnit, nLeaf, nCat;
  LeafScore *aLeaf; /* nUnit*nLeaf */
  CatScore *aCat;   /* nUnit*nCat */
  UnitScore *aUnit; /* nUnit */
} ScoreResult;

/* Scores. Returns a result (free with score_result_free), or NULL with *pzErr set
** (malloc'd, one problem per line naming indicator and unit), e.g. for a completion leaf
** whose target is missing or <= 0, or a manual value outside [0, w]. */
ScoreResult *score_compute(const ScoreInput *pIn, char **pzErr);
void score_result_free(ScoreResult *p);

/* score_compute, writing into pReuse (NULL: a new result) so that scoring period after
** period reuses one result's memory instead of allocating (and page-faulting) megabytes
** each time. The result is bit-identical to score_compute's: every field is overwritten.
** pReuse is consumed, as realloc's argument is: on success the return value replaces it
** (it is pReuse itself, its matrices resized if the shape changed); on failure pReuse has
** been freed and NULL is returned with *pzErr set. So `p = score_compute_into(&in, p,
** &zErr)` in a loop never leaks. */
ScoreResult *score_compute_into(const ScoreInput *pIn, ScoreResult *pReuse, char **pzErr);

/* Scores nIn independent inputs (typically the periods of a year) on up to nThreads
** threads (nThreads < 1 counts as 1; the calling thread is one of them). apOut[i] is
** input i's result, exactly as score_compute_into(&aIn[i], apOut[i], ...) would give it:
** bit-identical whatever nThreads and whichever thread ran it, since each input is scored
** by one thread alone and the threads share only the (read-only) inputs. On entry each
** apOut[i] is NULL or a result to reuse. Returns the number of inputs that failed; their
** apOut[i] are NULL and *pzErr (malloc'd, or NULL when all succeeded) lists their
** problems in input order, each line prefixed "input I (period CODE): ". The inputs must
** not change while the call runs; nothing in them is written. */
int score_compute_batch(const ScoreInput *aIn, int nIn, ScoreResult **apOut, int nThreads,
                        char **pzErr);

/* Competition ranks (1,2,2,4) of n values, best first: descending unless bLower.
** NaN values get rank 0 and are not counted. Values within 1e-9 (relative) tie.
** aRank receives the ranks (n ints); the function allocates its own scratch. */
void score_competition_rank(const double *aValue, int n, int bLower, int *aRank);

/* Do a and b tie, i.e. |a - b| <= 1e-9 * max(|a|, |b|)? The one tolerance of the engine:
** used for ranks and for every threshold test (grades, bands, time progress), so that a
** total of 89.99999999999999 that is 90 on paper takes the grade of 90. */
int score_values_tie(double a, double b);

/* Writes r as SCORING.md prints numbers: the shortest decimal that reads back exactly,
** positional (90, 150, 87.25; never 9e+01) when 1 <= |r| < 1e17, "null" when NaN or
** infinite. z must hold at least 32 bytes. */
void score_format_number(char *z, double r);

/* Writes the result as SCORING.md's JSON to a malloc'd string (caller frees). */
char *score_result_json(const ScoreInput *pIn, const ScoreResult *pRes);

#endif

/*
** scheme.h: the assessment scheme (考核方案): an indicator tree loaded from the JSON of
** SCORING.md and validated. Pure: parsing takes text, never opens files.
**
** The tree is stored flat in pre-order (a node's descendants follow it), so the engine can
** walk it with indices and no recursion: aNode[i].iParent < i, aNode[i].iEnd is one past
** the last descendant. Leaves also get a dense index 0..nLeaf-1 (iLeaf), categories
** 0..nCat-1 (iCat), both in scheme order, which are the column orders of the engine's
** input and output matrices.
*/
#ifndef KP_SCHEME_H
#define KP_SCHEME_H

typedef enum {
  METHOD_COMPLETION, METHOD_RANK, METHOD_EFFICACY, METHOD_MINMAX, METHOD_ZSCORE,
  METHOD_GOALPOST, METHOD_BANDS, METHOD_TIMEPROGRESS, METHOD_MANUAL, METHOD_DEDUCT,
  METHOD_BONUS, METHOD_VETO, METHOD_VETO_TOP, METHOD__COUNT
} Method;

typedef enum { MISSING_ZERO, MISSING_EXCLUDE, MISSING_GROUP_MEAN, MISSING_CARRY } MissingPolicy;
typedef enum { AGG_ARITHMETIC, AGG_GEOMETRIC } Aggregate;
typedef enum { AGGREGATION_POINTS, AGGREGATION_INDEX } Aggregation;
typedef enum { ACCUMULATE_PERIOD, ACCUMULATE_YTD } Accumulate;

typedef struct Band {
  double rThreshold;
  double rShare;
} Band;

/* Method parameters. A b* flag says the parameter was given in the scheme; where it was
** not, the field holds the SCORING.md default (or the engine derives it per group). */
typedef struct MethodParams {
  double rFullAt, rCap;           /* completion: full_at (1), cap (1); deduct/bonus: cap */
  int bCap;
  double rMinShare, rStep;        /* rank */
  int bStep;
  double rBase, rGood, rBad;      /* efficacy */
  int bGood, bBad;
  double rLo, rHi;                /* goalpost */
  int bLn, bClamp;                /* goalpost transform ln; clamp (default true) */
  int nBand;                      /* bands, in the order given */
  Band *aBand;
  double rPerEvent;               /* deduct/bonus (1) */
  double rTp;                     /* timeprogress: tp when given */
  int bTp;
} MethodParams;

typedef struct SchemeNode {
  char *zCode, *zName, *zUnit, *zSource;
  int bLeaf;
  int iParent;          /* index in aNode, -1 at top level */
  int iEnd;             /* one past the last descendant */
  int iDepth;           /* 0 at top level */
  double rWeight;       /* leaf: given weight; category: given, else sum of children's */
  int bWeightGiven;
  Aggregate eAggregate; /* category */
  int iLeaf;            /* dense leaf index, -1 for categories */
  int iCat;             /* dense category index, -1 for leaves */
  /* leaves */
  Method eMethod;
  int bLower;           /* direction "lower" */
  Accumulate eAccumulate;
  int bAccumulateGiven; /* "accumulate" was in the scheme (timeprogress defaults to ytd) */
  MissingPolicy eMissing;
  int nGroup;           /* 0 = applies to all groups */
  char **azGroup;
  MethodParams params;
} SchemeNode;

typedef struct GradeLevel {
  int bThreshold;       /* 0 = null threshold (always met) */
  double rThreshold;
  char *zLabel;
} GradeLevel;

typedef struct Scheme {
  char *zCode, *zName;
  int iYear;
  Aggregation eAggregation;
  double rTotal;        /* points mode: full score (default 100) */
  double rScale;        /* index mode: default 1 */
  int bDayBasis;        /* time_basis "day" */
  Aggregate eTopAggregate;
  int bGradeByShare;    /* grades.by "share" */
  int nGrade;
  GradeLevel *aGrade;
  int nNode, nLeaf, nCat;
  SchemeNode *aNode;    /* pre-order */
  int *aLeafNode;       /* nLeaf: node index of each leaf */
  int *aCatNode;        /* nCat: node index of each category */
  int *aCodeOrder;      /* nNode: node indices sorted by zCode (strcmp), for scheme_find */
  char *zUncertainty;   /* the "uncertainty" object as compact JSON text, or NULL when the
                        ** scheme names none; validated by robust_spec_parse (robust.h) */
} Scheme;

/* Parses and validates scheme JSON text. Returns the scheme, or NULL with every problem
** found listed in *pzErr (malloc'd, one per line, each naming the indicator code, e.g.
** "indicator E7: completion needs cap >= 0"). zName names the source in messages. */
Scheme *scheme_parse(const char *zName, const char *zJson, char **pzErr);
void scheme_free(Scheme *p);

/* Node index of an indicator or category code, or -1. Binary search on a sorted index. */
int scheme_find(const Scheme *p, const char *zCode);
/* Does leaf node iNode apply to peer group zGroup? */
int scheme_leaf_applies(const Scheme *p, int iNode, const char *zGroup);
/* Is the method weighted (earns w*s), as opposed to deduct, bonus, veto, veto_top? */
int scheme_method_weighted(Method e);
/* Needs a target per unit (completion, timeprogress)? */
int scheme_method_needs_target(Method e);
const char *scheme_method_name(Method e);

#endif

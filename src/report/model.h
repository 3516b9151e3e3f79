/*
** model.h: the in-memory model of one review (点评) that every report format renders.
**
** The review JSON (docs/review-json.md, produced by src/review.c) is parsed once, here,
** into plain structs; the HTML, PDF, XLSX, CSV and Markdown renderers read only this model
** and the shared phrasing of label.c, never the JSON, so that the formats cannot disagree
** (STYLE.md R11). The model holds what the JSON holds, resolved: unit codes become indices,
** null numbers become NaN (ints: the matching b* flag is 0), and the review's state in the
** store (published, or computed = a draft) is recorded beside it.
**
** The only figures the model derives are for drawing: each group's median category share
** (the radar's reference polygon), which the JSON does not carry. Nothing that the
** bulletin prints as a result (totals, ranks, changes, gains) is recomputed.
**
** Not here: reading the database (report.c), rendering (html.c, pdf.c, xlsx.c, csv.c, md.c).
*/
#ifndef KP_REPORT_MODEL_H
#define KP_REPORT_MODEL_H
#include "util/mem.h"

typedef struct Db Db;

typedef enum { RP_ZH = 0, RP_EN = 1 } RpLang;

/* A list of strings (flags, grades). */
typedef struct RpStrings {
  char **az;
  int n;
} RpStrings;

typedef struct RpCategory { /* 一级指标, from "categories" */
  char *zCode, *zName;
} RpCategory;

typedef struct RpIndicator { /* a scheme leaf, from "indicators" */
  char *zCode, *zName, *zUnit, *zMethod, *zDirection, *zSource;
  int iCategory; /* index in aCategory, or -1 */
  double rWeight;
} RpIndicator;

typedef struct RpLeaf { /* one unit's result on one leaf (units[].indicators[]) */
  int iInd;      /* index in aIndicator, or -1 when the code is unknown */
  char *zCode;
  double rValue, rTarget, rShare, rPoints, rMaxPoints, rLost, rMedian, rBest; /* NaN = null */
  int iRank;     /* 0 = null */
  RpStrings flags;
} RpLeaf;

typedef struct RpCatResult { /* units[].categories[] */
  int iCat;
  char *zCode;
  double rValue, rPoints, rMaxPoints; /* NaN = null */
} RpCatResult;

enum { RP_WHY_LOST = 1, RP_WHY_BOTTOM = 2, RP_WHY_BEHIND = 4 };

typedef struct RpShortfall { /* 短板 */
  int iInd;
  char *zCode, *zName;
  double rLost;
  int iRank, nGroup;
  unsigned mWhy; /* RP_WHY_* bits */
} RpShortfall;

typedef struct RpStrength { /* 长板 */
  int iInd;
  char *zCode, *zName;
  int iRank, nGroup;
  double rShare;
} RpStrength;

typedef struct RpPotential { /* 潜力 */
  int iInd;
  char *zCode, *zName;
  int bToBest; /* 0 = raised to the group median, 1 = to the group best */
  double rValue, rRaisedTo, rGain;
  int iRankAfter, nPlaces;
} RpPotential;

typedef struct RpProgress { /* one timeprogress leaf in the 双过半 status */
  int iInd;
  char *zCode;
  double rProgress;
  int bPassed;
} RpProgress;

enum { RP_DH_NONE = 0, RP_DH_ACHIEVED = 1, RP_DH_NOT = 2 }; /* NONE: before mid-year */

typedef struct RpUnit {
  char *zCode, *zName, *zGroup;
  int iGroup;        /* index in aGroup, or -1 */
  int nGroupSize;
  double rTotal, rBase, rBonus, rDeduct;
  int iRank;
  char *zGrade;      /* NULL when the review gives none */
  RpStrings flags;   /* VETO, VETO_TOP */
  int bPrevious;     /* the unit was in the previous published review */
  char *zPrevPeriod;
  double rPrevTotal;
  int iPrevRank;
  int bChange;       /* rank_change / total_change are not null */
  int iRankChange;   /* > 0 = moved up */
  double rTotalChange;
  RpLeaf *aLeaf; int nLeaf;
  RpCatResult *aCat; int nCat;
  RpShortfall *aShort; int nShort;
  RpStrength *aStrong; int nStrong;
  RpPotential *aPot; int nPot;
  int eDoubleHalf;   /* RP_DH_* */
  double rDhTime;
  RpProgress *aDh; int nDh;
  int bInterval;     /* the review has a rank interval for the unit (robustness) */
  int iRankLo, iRankHi, iRankMedian;
} RpUnit;

typedef struct RpSensitivity { /* robustness.sensitivity[] */
  char *zChoice;
  double rS1, rST;   /* NaN = null */
} RpSensitivity;

typedef struct RpMove { /* an entry of the improved/declined lists */
  int iUnit;
  int iRankChange;
  double rTotalChange;
} RpMove;

typedef struct RpGroup {
  char *zName;
  int *aUnit; int nUnit;         /* unit indices, best first (as the JSON orders them) */
  int *aRed; int nRed;           /* 红榜 */
  int *aBlack; int nBlack;       /* 黑榜 */
  RpMove *aUp; int nUp;          /* most improved */
  RpMove *aDown; int nDown;      /* most declined */
  double *aCatMedian;            /* per category (nCategory): median share, NaN when none */
  int *aCatUsed;                 /* per category: 1 when some unit of the group has it */
} RpGroup;

typedef struct ReportModel {
  Arena *pArena;                 /* owns every string and array below */
  RpLang eLang;                  /* labels: set by the caller before rendering */
  int bDraft;                    /* the review is computed but not published */
  char *zPeriod, *zPeriodEnd;
  double rTimeProgress;
  char *zSchemeCode, *zSchemeName, *zAggregation;
  int iSchemeVersion, iSchemeYear;
  double rSchemeTotal;
  char *zPrevPeriod;             /* NULL when there is no previous published review */
  int iPrevRevision;             /* its revision, 0 when unknown */
  int bProvisional;              /* computed while the period was still open */
  char *zInputsSha;
  int iRevision;
  int bSynthetic;
  RpStrings grades;
  RpCategory *aCategory; int nCategory;
  RpIndicator *aIndicator; int nIndicator;
  RpGroup *aGroup; int nGroup;
  RpUnit *aUnit; int nUnit;
  int nCityUnits, nCityGroups, nCityBehind, nCityMissing;
  int *aVeto; int nVeto;         /* unit indices of city.vetoes */
  /* rank intervals (docs/robustness.md); bRobust 0 when the review has none */
  int bRobust;
  int nRobustDraws;
  long long iRobustSeed;
  RpStrings robustChoices;       /* one line per choice, e.g. "weights ±25 %", "method E3: a/b" */
  double rMeanShift;
  RpSensitivity *aSens; int nSens;
  struct RpSupervision *pSup;    /* 暗访督查情况通报 from the store (report/sup_section.c), or
                                 ** NULL: no section */
  struct RpFlags *pFlags;        /* 数据存疑 (report/flag_section.c), or NULL: no section */
} ReportModel;

/* Parses the review JSON text into *ppModel (allocated; free with report_model_free).
** bDraft: 1 when the review is computed but not published. Returns 0, or -1 with *pzErr
** (malloc'd) naming the JSON path that is wrong ("units[2].total: not a number"). */
int report_model_parse(const char *zJson, int bDraft, ReportModel **ppModel, char **pzErr);

/* Loads the review of zPeriod from the store: the latest published revision, else the
** latest computed one (then bDraft = 1). Returns 0 with *ppModel set, 1 when the period has
** no such review (*pzErr says so), -1 on a malformed review (*pzErr). */
int report_model_load(Db *pDb, const char *zPeriod, ReportModel **ppModel, char **pzErr);

void report_model_free(ReportModel *p);

/* Lookups; -1 when absent. */
int report_unit_index(const ReportModel *p, const char *zCode);
int report_indicator_index(const ReportModel *p, const char *zCode);
int report_category_index(const ReportModel *p, const char *zCode);

/* Does the list hold zFlag? */
int report_has_flag(const RpStrings *p, const char *zFlag);

#endif

/*
** sup_section.h: the bulletin's section 暗访督查情况通报 (supervision findings of the
** period): per unit and category, how many findings were handed over in the period, how
** many were rectified on time, are or were overdue, were returned (驳回), and are still
** open; and each unit's industrial projects lagging behind time progress. Loaded from the store beside the review model (the review JSON does not carry it:
** findings keep changing after a review is computed; the bulletin shows them as of the
** day it is rendered, and says so), rendered by html.c and md.c.
*/
#ifndef KP_REPORT_SUP_SECTION_H
#define KP_REPORT_SUP_SECTION_H
#include "report/model.h"
#include "util/mem.h"

typedef struct RpSupRow {
  char *zUnit, *zUnitName, *zCategory; /* zCategory NULL = the unit's total row */
  int nTotal, nOnTime, nOverdue, nReturned, nOpen;
} RpSupRow;

typedef struct RpProjRow { /* a unit's industrial projects at the period's end */
  char *zUnit, *zUnitName;
  int nProjects, nLagging;
  double rInvestRate; /* %, NaN when no plan */
} RpProjRow;

typedef struct RpSupervision {
  char *zAsOf;        /* YYYY-MM-DD (China) the figures are for */
  char *zFrom, *zTo;  /* the period's days */
  RpSupRow *aRow;
  int nRow;
  int nTotal, nOnTime, nOverdue, nReturned, nOpen; /* city-wide */
  RpProjRow *aProj;   /* units with projects (产业项目), in the units' order */
  int nProj;
} RpSupervision;

/* Computes the figures for period zPeriod as of today (China date of db_now()) into *ppOut,
** allocated in pArena; *ppOut NULL when zPeriod is not a period code that can be dated. The
** one computation of these counts: the bulletin and the review's unit page
** (GET /api/reviews/{period}/supervision) both read it. 0, or -1 with *pzErr. */
int rp_supervision_compute(Db *pDb, Arena *pArena, const char *zPeriod, RpSupervision **ppOut,
                           char **pzErr);
/* Loads the section for m->zPeriod into m->pSup (in m's arena): rp_supervision_compute. */
int rp_supervision_load(Db *pDb, ReportModel *m, char **pzErr);
void rp_supervision_html(const ReportModel *m, Buf *p);
void rp_supervision_md(const ReportModel *m, Buf *p);

#endif

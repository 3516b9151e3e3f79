/*
** project.h: industrial projects (产业项目) in a period: investment completion against the
** annual plan, the lagging flag (completed share of the annual plan behind time progress,
** 落后时序进度), and the per-unit figures the review may score (投资完成率, 开工率, 投产率).
** Pure: no I/O; callers pass the period and the figures.
**
** Time progress is the month basis of period.h (last month of the period / 12), as for
** the timeprogress scoring method, so a project and a timeprogress leaf agree on "behind".
** Milestones count when their ACTUAL date is on or before the period's end; a project
** counts in a rate's denominator when its PLANNED date is (开工率: started / planned to
** start by then). A rate with an empty denominator is NaN (nothing was due).
*/
#ifndef KP_PROJECT_H
#define KP_PROJECT_H

#include "period.h"

typedef struct ProjectFigures {
  double rAnnualPlan;   /* 亿元 planned for the year */
  double rYtd;          /* 亿元 completed from January to the period's end */
  int iPlanStart, iStarted;     /* day numbers (calendar.h) or FD_NONE-like INT_MIN */
  int iPlanProduce, iProduced;
} ProjectFigures;

#define PROJECT_NO_DAY (-2147483647 - 1)

typedef struct ProjectStatus {
  double rShare;        /* rYtd / rAnnualPlan (NaN when no plan) */
  double rTimeProgress; /* month basis */
  int bLagging;         /* rShare < rTimeProgress */
  int bStartDue, bStarted, bProduceDue, bProduced; /* by the period's end */
} ProjectStatus;

/* The status of one project at the end of period p (iEnd = its last day, a day number). */
void project_status(const ProjectFigures *f, const Period *p, int iEnd, ProjectStatus *s);

/* Per-unit figures over its projects: investment completion (Σ ytd / Σ annual plan, %),
** start rate (started / due to start, %), production rate (producing / due, %), and how many
** projects lag. NaN when the denominator is 0. */
typedef struct ProjectUnitFigures {
  double rInvestRate, rStartRate, rProduceRate;
  int nProjects, nLagging;
} ProjectUnitFigures;
void project_unit_figures(const ProjectFigures *a, int n, const Period *p, int iEnd,
                          ProjectUnitFigures *u);

#endif

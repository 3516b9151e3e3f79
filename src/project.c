/*
** project.c: project status and per-unit figures (project.h).
*/
#include "project.h"

#include <math.h>

void project_status(const ProjectFigures *f, const Period *p, int iEnd, ProjectStatus *s) {
  s->rTimeProgress = period_time_progress(p, 0);
  s->rShare = f->rAnnualPlan > 0 ? f->rYtd / f->rAnnualPlan : NAN;
  s->bLagging = !isnan(s->rShare) && s->rShare < s->rTimeProgress;
  s->bStartDue = f->iPlanStart != PROJECT_NO_DAY && f->iPlanStart <= iEnd;
  s->bStarted = f->iStarted != PROJECT_NO_DAY && f->iStarted <= iEnd;
  s->bProduceDue = f->iPlanProduce != PROJECT_NO_DAY && f->iPlanProduce <= iEnd;
  s->bProduced = f->iProduced != PROJECT_NO_DAY && f->iProduced <= iEnd;
}

void project_unit_figures(const ProjectFigures *a, int n, const Period *p, int iEnd,
                          ProjectUnitFigures *u) {
  double rPlan = 0, rDone = 0;
  int nStartDue = 0, nStarted = 0, nProduceDue = 0, nProduced = 0;
  u->nProjects = n;
  u->nLagging = 0;
  for (int i = 0; i < n; i++) {
    ProjectStatus s;
    project_status(&a[i], p, iEnd, &s);
    rPlan += a[i].rAnnualPlan;
    rDone += a[i].rYtd;
    u->nLagging += s.bLagging;
    if (s.bStartDue) {
      nStartDue++;
      nStarted += s.bStarted;
    }
    if (s.bProduceDue) {
      nProduceDue++;
      nProduced += s.bProduced;
    }
  }
  u->rInvestRate = rPlan > 0 ? 100 * rDone / rPlan : NAN;
  u->rStartRate = nStartDue ? 100.0 * nStarted / nStartDue : NAN;
  u->rProduceRate = nProduceDue ? 100.0 * nProduced / nProduceDue : NAN;
}

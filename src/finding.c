/*
** finding.c: the finding lifecycle as a table (finding.h draws it), and the derived status:
** overdue, traffic light (宿迁 三色督办单: blue near the deadline, yellow behind 序时进度,
** red overdue), escalation (黄牌, 提级督办) with its extra deduction.
**
** The table is data on purpose: the policy can be read (and reviewed) in one screen, and
** tests/unit/test_finding.c checks it against an independent hand-written list of every
** allowed (state, action, role) and a refusal for every other combination.
*/
#include "finding.h"

#include <string.h>

#define INS FR_INSPECTOR
#define LEAD FR_LEAD_UNIT
#define CO FR_CO_UNIT
#define LDR FR_LEADER

const FindingRule aFindingRule[] = {
  {FS_NONE, FA_OPEN, FS_REGISTERED, INS, 0},
  {FS_REGISTERED, FA_ASSIGN, FS_ASSIGNED, INS, 0},
  {FS_REGISTERED, FA_DUPLICATE, FS_DUPLICATE, INS, FF_DUP_OF},
  {FS_REGISTERED, FA_INSTRUCT, FS_SAME, LDR, FF_NOTE},
  {FS_ASSIGNED, FA_SIGN, FS_IN_PROGRESS, LEAD, 0},
  {FS_ASSIGNED, FA_DUPLICATE, FS_DUPLICATE, INS, FF_DUP_OF},
  {FS_ASSIGNED, FA_INSTRUCT, FS_SAME, LDR, FF_NOTE},
  {FS_IN_PROGRESS, FA_REPORT, FS_SAME, LEAD | CO, FF_NOTE},
  {FS_IN_PROGRESS, FA_REQ_CLOSE, FS_REQ_CLOSE, LEAD, FF_NOTE},
  {FS_IN_PROGRESS, FA_REQ_EXTEND, FS_REQ_EXTEND, LEAD, FF_NOTE | FF_DEADLINE},
  {FS_IN_PROGRESS, FA_REQ_SUSPEND, FS_REQ_SUSPEND, LEAD, FF_NOTE},
  {FS_IN_PROGRESS, FA_REQ_PARTIAL, FS_REQ_PARTIAL, LEAD, FF_NOTE},
  {FS_IN_PROGRESS, FA_DUPLICATE, FS_DUPLICATE, INS, FF_DUP_OF},
  {FS_IN_PROGRESS, FA_INSTRUCT, FS_SAME, LDR, FF_NOTE},
  {FS_REQ_CLOSE, FA_APPROVE, FS_CLOSED, INS, 0},
  {FS_REQ_CLOSE, FA_RETURN, FS_IN_PROGRESS, INS, FF_NOTE},
  {FS_REQ_CLOSE, FA_INSTRUCT, FS_SAME, LDR, FF_NOTE},
  {FS_REQ_EXTEND, FA_APPROVE, FS_IN_PROGRESS, INS, 0},
  {FS_REQ_EXTEND, FA_RETURN, FS_IN_PROGRESS, INS, FF_NOTE},
  {FS_REQ_EXTEND, FA_INSTRUCT, FS_SAME, LDR, FF_NOTE},
  {FS_REQ_SUSPEND, FA_APPROVE, FS_SUSPENDED, INS, FF_NOTE},
  {FS_REQ_SUSPEND, FA_RETURN, FS_IN_PROGRESS, INS, FF_NOTE},
  {FS_REQ_SUSPEND, FA_INSTRUCT, FS_SAME, LDR, FF_NOTE},
  {FS_REQ_PARTIAL, FA_APPROVE, FS_PARTIAL, INS, 0},
  {FS_REQ_PARTIAL, FA_RETURN, FS_IN_PROGRESS, INS, FF_NOTE},
  {FS_REQ_PARTIAL, FA_INSTRUCT, FS_SAME, LDR, FF_NOTE},
  {FS_PARTIAL, FA_REPORT, FS_SAME, LEAD | CO, FF_NOTE},
  {FS_PARTIAL, FA_REQ_CLOSE, FS_REQ_CLOSE, LEAD, FF_NOTE},
  {FS_PARTIAL, FA_INSTRUCT, FS_SAME, LDR, FF_NOTE},
  {FS_CLOSED, FA_VERIFY, FS_VERIFIED, INS, FF_NOTE},
  {FS_CLOSED, FA_RETURN, FS_IN_PROGRESS, INS, FF_NOTE},
  {FS_VERIFIED, FA_PUBLISH, FS_SAME, INS, 0},
  {FS_VERIFIED, FA_ARCHIVE, FS_ARCHIVED, INS, 0},
  {FS_VERIFIED, FA_REOPEN, FS_IN_PROGRESS, INS, FF_NOTE | FF_DAYS},
  {FS_SUSPENDED, FA_ARCHIVE, FS_ARCHIVED, INS, 0},
  {FS_SUSPENDED, FA_REOPEN, FS_IN_PROGRESS, INS, FF_NOTE | FF_DAYS},
  {FS_ARCHIVED, FA_REOPEN, FS_IN_PROGRESS, INS, FF_NOTE | FF_DAYS},
  {FS_DUPLICATE, FA_ARCHIVE, FS_ARCHIVED, INS, 0},
};
const int nFindingRule = (int)(sizeof aFindingRule / sizeof aFindingRule[0]);

static const char *const azStateName[FS_COUNT] = {
  "none", "registered", "assigned", "in_progress", "req_close", "req_extend", "req_suspend",
  "req_partial", "partial", "closed", "suspended", "verified", "archived", "duplicate"};
static const char *const azStateLabel[FS_COUNT] = {
  "未立项", "已立项", "已交办", "办理中", "申请办结", "申请延期", "申请中止",
  "申请阶段性办结", "阶段性办结", "已办结", "已中止", "验收销号", "已归档", "重复"};
static const char *const azActionName[FA_COUNT] = {
  "open", "assign", "sign", "report", "request_close", "request_extend", "request_suspend",
  "request_partial", "approve", "return", "verify", "publish", "archive", "duplicate",
  "reopen", "instruct"};
static const char *const azActionLabel[FA_COUNT] = {
  "立项", "交办", "签收", "报送进展", "申请办结", "申请延期", "申请中止", "申请阶段性办结",
  "审核通过", "驳回", "验收销号", "公示", "归档", "标记重复", "回头看重新交办", "领导批示"};

const char *finding_state_name(FindingState e) {
  return (unsigned)e < FS_COUNT ? azStateName[e] : "?";
}
const char *finding_state_label(FindingState e) {
  return (unsigned)e < FS_COUNT ? azStateLabel[e] : "?";
}
const char *finding_action_name(FindingAction e) {
  return (unsigned)e < FA_COUNT ? azActionName[e] : "?";
}
const char *finding_action_label(FindingAction e) {
  return (unsigned)e < FA_COUNT ? azActionLabel[e] : "?";
}

int finding_state_find(const char *z) {
  for (int i = 0; z && i < FS_COUNT; i++)
    if (strcmp(z, azStateName[i]) == 0 || strcmp(z, azStateLabel[i]) == 0) return i;
  return -1;
}

int finding_action_find(const char *z) {
  for (int i = 0; z && i < FA_COUNT; i++)
    if (strcmp(z, azActionName[i]) == 0 || strcmp(z, azActionLabel[i]) == 0) return i;
  return -1;
}

int finding_state_open(FindingState e) {
  switch (e) {
  case FS_REGISTERED: case FS_ASSIGNED: case FS_IN_PROGRESS: case FS_REQ_CLOSE:
  case FS_REQ_EXTEND: case FS_REQ_SUSPEND: case FS_REQ_PARTIAL: case FS_PARTIAL:
    return 1;
  default:
    return 0;
  }
}

FindingCheck finding_check(FindingState eFrom, FindingAction eAction, unsigned mActor,
                           unsigned mGiven, FindingState *peTo, unsigned *pmMissing) {
  for (int i = 0; i < nFindingRule; i++) {
    const FindingRule *r = &aFindingRule[i];
    if (r->eFrom != eFrom || r->eAction != eAction) continue;
    if ((r->mRoles & mActor) == 0) return FC_ROLE;
    if ((r->mFields & mGiven) != r->mFields) {
      if (pmMissing) *pmMissing = r->mFields & ~mGiven;
      return FC_FIELD;
    }
    if (peTo) *peTo = r->eTo == FS_SAME ? eFrom : r->eTo;
    return FC_OK;
  }
  return FC_STATE;
}

unsigned finding_rule_roles(FindingState eFrom, FindingAction eAction) {
  for (int i = 0; i < nFindingRule; i++)
    if (aFindingRule[i].eFrom == eFrom && aFindingRule[i].eAction == eAction)
      return aFindingRule[i].mRoles;
  return 0;
}

void finding_policy_default(FindingPolicy *p) {
  p->nWarnDays = 3;
  p->nYellowReturns = 2;
  p->nEscalateReturns = 3;
  p->nEscalateOverdueDays = 5;
  p->aDeduct[0] = 0;
  p->aDeduct[1] = 0.5;
  p->aDeduct[2] = 1.0;
}

int finding_late(const FindingStatus *s, int bStoredFinishLate) {
  return s->bOverdue || s->bSignOverdue || s->bFinishLate || bStoredFinishLate != 0;
}

const char *finding_light_name(FindingLight e) {
  static const char *const az[] = {"none", "green", "blue", "yellow", "red"};
  return (unsigned)e <= FL_RED ? az[e] : "?";
}

int finding_status(const Calendar *pCal, const FindingClock *c, const FindingPolicy *pPol,
                   int iToday, FindingStatus *s, char **pzErr) {
  memset(s, 0, sizeof *s);
  FindingState e = c->eState;
  int bOpen = finding_state_open(e);
  /* Signing: pending and late, or done late. */
  if (c->iSignDue != FD_NONE) {
    if (e == FS_ASSIGNED && iToday > c->iSignDue) s->bSignOverdue = 1;
    if (c->iSigned != FD_NONE && c->iSigned > c->iSignDue) s->bSignLate = 1;
    if (s->bSignOverdue) s->bSignLate = 1;
  }
  /* Handling: a pending close request stops the clock on the day it was made. */
  if (c->iDue != FD_NONE) {
    int iUntil = iToday;
    if (e == FS_REQ_CLOSE && c->iRequested != FD_NONE) iUntil = c->iRequested;
    if (bOpen && e != FS_REGISTERED) {
      int n;
      if (cal_workdays_between(pCal, c->iDue, iUntil, &n, pzErr)) return -1;
      s->nDaysLeft = -n;
      if (iUntil > c->iDue) {
        s->bOverdue = e != FS_REQ_CLOSE;
        s->bFinishLate = e == FS_REQ_CLOSE;
        s->nOverdueDays = n;
      }
    } else if (!bOpen && c->iRequested != FD_NONE && c->iRequested > c->iDue &&
               (e == FS_CLOSED || e == FS_VERIFIED || e == FS_ARCHIVED)) {
      s->bFinishLate = 1;
    }
    /* Time progress (序时进度) from assignment to the deadline, in working days. */
    if (c->iAssigned != FD_NONE && bOpen && e != FS_REGISTERED) {
      int nAll, nGone;
      if (cal_workdays_between(pCal, c->iAssigned, c->iDue, &nAll, pzErr)) return -1;
      if (cal_workdays_between(pCal, c->iAssigned, iUntil, &nGone, pzErr)) return -1;
      if (nAll <= 0) s->rTimeProgress = 1;
      else s->rTimeProgress = nGone <= 0 ? 0 : nGone >= nAll ? 1 : (double)nGone / nAll;
      if ((e == FS_IN_PROGRESS || e == FS_PARTIAL) && nGone > 0 &&
          c->nProgress < 100 * s->rTimeProgress)
        s->bBehind = 1;
    }
  }
  /* Progress reports at the set frequency (calendar days since signing or the last one). */
  if ((e == FS_IN_PROGRESS || e == FS_PARTIAL) && c->nReportEvery > 0) {
    int iLast = c->iLastReport != FD_NONE ? c->iLastReport : c->iSigned;
    if (iLast != FD_NONE && iToday > iLast + c->nReportEvery) s->bReportDue = 1;
  }
  if (!bOpen || e == FS_REGISTERED) s->eLight = FL_NONE;
  else if (s->bOverdue || s->bSignOverdue || s->bFinishLate) s->eLight = FL_RED;
  else if (e == FS_REQ_CLOSE) s->eLight = FL_GREEN; /* the office has it, in time */
  else if (s->bBehind) s->eLight = FL_YELLOW;
  else if (c->iDue != FD_NONE && s->nDaysLeft <= pPol->nWarnDays) s->eLight = FL_BLUE;
  else s->eLight = FL_GREEN;
  /* Escalation: returns and overdue, whichever is worse. */
  if (c->nReturns >= pPol->nEscalateReturns ||
      (pPol->nEscalateOverdueDays > 0 && s->nOverdueDays >= pPol->nEscalateOverdueDays))
    s->iLevel = 2;
  else if (c->nReturns >= pPol->nYellowReturns || s->bOverdue || s->bFinishLate ||
           s->bSignOverdue)
    s->iLevel = 1;
  if (e == FS_DUPLICATE || e == FS_SUSPENDED) s->iLevel = 0;
  s->rExtraDeduct = pPol->aDeduct[s->iLevel];
  return 0;
}

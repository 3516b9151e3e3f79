/*
** finding.h: the lifecycle of a supervision finding (督查问题) as Chinese 督办 practice runs
** it, and its derived status (overdue, traffic light, escalation). Pure: no I/O, no clock;
** "today" is a parameter (a day number in China, calendar.h), so tests move time freely.
**
**   (none) -open-> 已立项 -assign-> 已交办 -sign-> 办理中 <-report (progress reports)
**   办理中 -request_close|request_extend|request_suspend|request_partial-> 申请… (pending)
**   申请… -approve-> 已办结 | 办理中 (new deadline) | 已中止 | 阶段性办结 ; -return-> 办理中
**   已办结 -verify-> 验收销号 (on-site check) -publish-> (made public) -archive-> 已归档
**   已办结 -return-> 办理中 (the on-site check failed)
**   验收销号 | 已归档 | 已中止 -reopen-> 办理中 (回头看: a later check found it again)
**   已立项 | 已交办 | 办理中 -duplicate-> 重复 (of another finding or a hotline work order)
**   any open state -instruct-> same state (领导批示: a leader's written instruction)
** The table aFindingRule (finding.c) is the whole policy: state x action -> state, the
** roles allowed, the fields required. Only an inspector (督查员) opens, assigns, approves,
** returns, verifies, publishes, archives, marks duplicates and reopens; only the lead
** unit's own reporters sign and request; the lead and co-handling (协办) units' reporters
** report progress; a leader writes instructions.
**
** Deadlines are in working days (calendar.h): the sign deadline (签收时限) and the
** rectification deadline (整改时限) both count from the day of assignment. A deadline day
** ends at midnight in China; the next day the item is overdue.
*/
#ifndef KP_FINDING_H
#define KP_FINDING_H

#include "calendar.h"

typedef enum {
  FS_NONE = 0,     /* not yet recorded: only "open" applies */
  FS_REGISTERED,   /* registered  已立项 */
  FS_ASSIGNED,     /* assigned    已交办 (待签收) */
  FS_IN_PROGRESS,  /* in_progress 办理中 */
  FS_REQ_CLOSE,    /* req_close   申请办结 */
  FS_REQ_EXTEND,   /* req_extend  申请延期 */
  FS_REQ_SUSPEND,  /* req_suspend 申请中止 */
  FS_REQ_PARTIAL,  /* req_partial 申请阶段性办结 */
  FS_PARTIAL,      /* partial     阶段性办结 (still followed until closed) */
  FS_CLOSED,       /* closed      已办结 (awaiting the on-site check) */
  FS_SUSPENDED,    /* suspended   已中止 */
  FS_VERIFIED,     /* verified    验收销号 */
  FS_ARCHIVED,     /* archived    已归档 */
  FS_DUPLICATE,    /* duplicate   重复 (merged into another item) */
  FS_COUNT
} FindingState;

typedef enum {
  FA_OPEN = 0,     /* 立项 */
  FA_ASSIGN,       /* 交办 */
  FA_SIGN,         /* 签收 */
  FA_REPORT,       /* 报送进展 */
  FA_REQ_CLOSE,    /* 申请办结 */
  FA_REQ_EXTEND,   /* 申请延期 */
  FA_REQ_SUSPEND,  /* 申请中止 */
  FA_REQ_PARTIAL,  /* 申请阶段性办结 */
  FA_APPROVE,      /* 审核通过 */
  FA_RETURN,       /* 驳回 */
  FA_VERIFY,       /* 验收销号 */
  FA_PUBLISH,      /* 公示 */
  FA_ARCHIVE,      /* 归档 */
  FA_DUPLICATE,    /* 标记重复 */
  FA_REOPEN,       /* 回头看 重新交办 */
  FA_INSTRUCT,     /* 领导批示 */
  FA_COUNT
} FindingAction;

/* Who is acting, relative to the finding (a bit set: an account may be several). */
#define FR_INSPECTOR 1u /* holds CAP_INSPECT */
#define FR_LEAD_UNIT 2u /* a reporter of the finding's (lead) unit */
#define FR_CO_UNIT   4u /* a reporter of a co-handling unit (协办) */
#define FR_LEADER    8u /* a leader (CAP_COMMENT) */

/* Fields an action requires. */
#define FF_NOTE     1u /* a note (what was done, why returned ...) */
#define FF_DEADLINE 2u /* a new deadline date (extension) */
#define FF_DUP_OF   4u /* the finding id or hotline work order id it duplicates */
#define FF_DAYS     8u /* a new time limit in working days (reopen) */

#define FS_SAME FS_COUNT /* rule target: the state does not change */

typedef struct FindingRule {
  FindingState eFrom;
  FindingAction eAction;
  FindingState eTo;   /* or FS_SAME */
  unsigned mRoles;    /* FR_* allowed */
  unsigned mFields;   /* FF_* required */
} FindingRule;

extern const FindingRule aFindingRule[];
extern const int nFindingRule;

const char *finding_state_name(FindingState e);   /* "in_progress" */
const char *finding_state_label(FindingState e);  /* "办理中" */
const char *finding_action_name(FindingAction e); /* "request_close" */
const char *finding_action_label(FindingAction e);/* "申请办结" */
int finding_state_find(const char *z);            /* FindingState or -1 */
int finding_action_find(const char *z);           /* FindingAction or -1 */
/* Open states are followed (lights, overdue); the others are done with. */
int finding_state_open(FindingState e);

/* Outcome of finding_check. */
typedef enum {
  FC_OK = 0,
  FC_STATE,   /* the action does not apply in this state */
  FC_ROLE,    /* it applies, but not for this actor */
  FC_FIELD    /* a required field is missing (*pmMissing says which) */
} FindingCheck;

/* Checks an action: state, actor (FR_* bits), fields given (FF_* bits). On FC_OK sets
** *peTo to the new state (eFrom itself for FS_SAME rules). */
FindingCheck finding_check(FindingState eFrom, FindingAction eAction, unsigned mActor,
                           unsigned mGiven, FindingState *peTo, unsigned *pmMissing);

/* The FR_* roles allowed to take eAction in eFrom (0 when it does not apply there). */
unsigned finding_rule_roles(FindingState eFrom, FindingAction eAction);

/* ---- derived status ------------------------------------------------------------------ */

#define FD_NONE (-2147483647 - 1) /* "no such day" for the day fields below */

typedef struct FindingClock {
  FindingState eState;
  int iAssigned;    /* day of assignment (交办), or FD_NONE */
  int iSignDue;     /* sign deadline, or FD_NONE */
  int iSigned;      /* day signed, or FD_NONE */
  int iDue;         /* rectification deadline, or FD_NONE */
  int iRequested;   /* day of the latest close request (申请办结), or FD_NONE */
  int iLastReport;  /* day of the latest progress report, or FD_NONE */
  int nReportEvery; /* calendar days between progress reports (汇报频次), 0 = by stage */
  int nProgress;    /* 0..100, the unit's latest reported completion */
  int nReturns;     /* how many times a request was returned (驳回) */
} FindingClock;

/* The office's policy (settings and the scheme's supervision section). */
typedef struct FindingPolicy {
  int nWarnDays;            /* blue light: at most this many working days left (3) */
  int nYellowReturns;       /* 黄牌 after this many returns (2) */
  int nEscalateReturns;     /* 提级督办 after this many returns (3) */
  int nEscalateOverdueDays; /* 提级督办 when this many working days overdue (5) */
  double aDeduct[3];        /* points deducted per finding at level 0, 黄牌, 提级督办,
                            ** on top of the finding's own deduction (0, 0.5, 1) */
} FindingPolicy;

void finding_policy_default(FindingPolicy *p);

typedef enum { FL_NONE = 0, FL_GREEN, FL_BLUE, FL_YELLOW, FL_RED } FindingLight;
const char *finding_light_name(FindingLight e); /* none green blue yellow red */

typedef struct FindingStatus {
  FindingLight eLight;
  int bSignOverdue;   /* assigned, not signed, past the sign deadline (逾期未签收) */
  int bSignLate;      /* signed after the sign deadline (签收逾期), or bSignOverdue */
  int bOverdue;       /* open and past the deadline (办理逾期, still running) */
  int bFinishLate;    /* the close request came after the deadline */
  int nOverdueDays;   /* working days past the deadline (0 when not overdue) */
  int nDaysLeft;      /* working days left until the deadline (negative when overdue) */
  double rTimeProgress; /* working days elapsed / working days allowed, 0..1 (序时进度) */
  int bBehind;        /* reported progress below time progress */
  int bReportDue;     /* the next progress report is late (催报) */
  int iLevel;         /* 0, 1 = 黄牌, 2 = 提级督办 */
  double rExtraDeduct;/* aDeduct[iLevel] */
} FindingStatus;

/* Derives the status on day iToday. Red: overdue (signing or handling); yellow: progress
** behind time progress; blue: at most nWarnDays working days left; green otherwise; none
** for items no longer open. 0, or -1 with *pzErr when a day's year has no calendar. */
int finding_status(const Calendar *pCal, const FindingClock *c, const FindingPolicy *pPol,
                   int iToday, FindingStatus *s, char **pzErr);

/* Is the finding counted as overdue (逾期) in the bulletin, on the review's unit page and by
** the list's ?late=1: signing overdue (签收逾期 pending) or handling overdue (办理逾期) on the
** day s was derived for, or finished late (now, or bStoredFinishLate: approved after a late
** close request, as stored). One predicate, so the counts and the lists agree. */
int finding_late(const FindingStatus *s, int bStoredFinishLate);

#endif

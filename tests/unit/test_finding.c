/*
** test_finding.c: unit tests of finding.c (cmocka). The lifecycle: a hand-written list of
** every allowed (state, action, role) with its target state, checked against the rule
** table over the whole matrix of 14 states x 16 actions x 4 roles (each allowed one
** succeeds, every other is refused as "wrong state" or "wrong role"), required fields, and
** an outsider (a reporter of another unit) refused everywhere. The derived status (lights,
** overdue, escalation) on the real 2021 calendar around National Day, worked out by hand.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "finding.h"
#include "util/text.h"

/* Written from the design (docs/supervision.md), not from the table: from action roles to.
** Roles: I inspector, L lead unit's reporter, C co-handling unit's reporter, D leader. */
static const char *azAllowed[] = {
  "none open I registered",
  "registered assign I assigned",
  "registered duplicate I duplicate",
  "registered instruct D registered",
  "assigned sign L in_progress",
  "assigned duplicate I duplicate",
  "assigned instruct D assigned",
  "in_progress report LC in_progress",
  "in_progress request_close L req_close",
  "in_progress request_extend L req_extend",
  "in_progress request_suspend L req_suspend",
  "in_progress request_partial L req_partial",
  "in_progress duplicate I duplicate",
  "in_progress instruct D in_progress",
  "req_close approve I closed",
  "req_close return I in_progress",
  "req_close instruct D req_close",
  "req_extend approve I in_progress",
  "req_extend return I in_progress",
  "req_extend instruct D req_extend",
  "req_suspend approve I suspended",
  "req_suspend return I in_progress",
  "req_suspend instruct D req_suspend",
  "req_partial approve I partial",
  "req_partial return I in_progress",
  "req_partial instruct D req_partial",
  "partial report LC partial",
  "partial request_close L req_close",
  "partial instruct D partial",
  "closed verify I verified",
  "closed return I in_progress",
  "verified publish I verified",
  "verified archive I archived",
  "verified reopen I in_progress",
  "suspended archive I archived",
  "suspended reopen I in_progress",
  "archived reopen I in_progress",
  "duplicate archive I archived",
};

static const struct { char c; unsigned m; } aRole[4] = {
  {'I', FR_INSPECTOR}, {'L', FR_LEAD_UNIT}, {'C', FR_CO_UNIT}, {'D', FR_LEADER}};

/* Looks (state, action) up in the hand-written list: returns the roles string and target. */
static const char *allowed(int s, int a, char *zTo) {
  static char zRoles[8];
  for (size_t i = 0; i < sizeof azAllowed / sizeof azAllowed[0]; i++) {
    char zF[32], zA[32], zR[8], zT[32];
    if (sscanf(azAllowed[i], "%31s %31s %7s %31s", zF, zA, zR, zT) != 4) fail_msg("bad line");
    if (strcmp(zF, finding_state_name(s)) == 0 && strcmp(zA, finding_action_name(a)) == 0) {
      strcpy(zTo, zT);
      strcpy(zRoles, zR);
      return zRoles;
    }
  }
  return NULL;
}

static void test_matrix(void **state) {
  (void)state;
  int nOk = 0, nRole = 0, nState = 0;
  for (int s = 0; s < FS_COUNT; s++) {
    for (int a = 0; a < FA_COUNT; a++) {
      char zTo[32];
      const char *zRoles = allowed(s, a, zTo);
      for (int r = 0; r < 4; r++) {
        FindingState eTo = FS_COUNT;
        FindingCheck k = finding_check(s, a, aRole[r].m, ~0u, &eTo, NULL);
        if (zRoles && strchr(zRoles, aRole[r].c)) {
          if (k != FC_OK)
            fail_msg("%s %s by %c refused (%d)", finding_state_name(s), finding_action_name(a),
                     aRole[r].c, k);
          assert_string_equal(finding_state_name(eTo), zTo);
          nOk++;
        } else if (zRoles) {
          if (k != FC_ROLE)
            fail_msg("%s %s by %c: expected a role refusal, got %d", finding_state_name(s),
                     finding_action_name(a), aRole[r].c, k);
          nRole++;
        } else {
          if (k != FC_STATE)
            fail_msg("%s %s by %c: expected a state refusal, got %d", finding_state_name(s),
                     finding_action_name(a), aRole[r].c, k);
          nState++;
        }
      }
      /* A reporter of an unrelated unit has no FR_* bit: refused everywhere. */
      FindingCheck k = finding_check(s, a, 0, ~0u, NULL, NULL);
      assert_int_equal(k, zRoles ? FC_ROLE : FC_STATE);
    }
  }
  /* 38 listed lines, two of them for two roles (report by L and C): 40 allowed. The rest of
  ** the 14 x 16 x 4 = 896 combinations is refused. */
  assert_int_equal(nOk, 40);
  assert_int_equal(nOk + nRole + nState, 896);
  /* 38 (state, action) pairs x 4 roles = 152, of which 40 allowed: 112 role refusals. */
  assert_int_equal(nRole, 112);
  assert_int_equal(nFindingRule, 38);
}

static void test_fields(void **state) {
  (void)state;
  unsigned mMissing = 0;
  FindingState eTo;
  assert_int_equal(finding_check(FS_REQ_CLOSE, FA_RETURN, FR_INSPECTOR, 0, &eTo, &mMissing),
                   FC_FIELD);
  assert_int_equal(mMissing, FF_NOTE);
  assert_int_equal(finding_check(FS_IN_PROGRESS, FA_REQ_EXTEND, FR_LEAD_UNIT, FF_NOTE, &eTo,
                                 &mMissing), FC_FIELD);
  assert_int_equal(mMissing, FF_DEADLINE);
  assert_int_equal(finding_check(FS_ASSIGNED, FA_DUPLICATE, FR_INSPECTOR, FF_NOTE, &eTo,
                                 &mMissing), FC_FIELD);
  assert_int_equal(mMissing, FF_DUP_OF);
  assert_int_equal(finding_check(FS_ARCHIVED, FA_REOPEN, FR_INSPECTOR, FF_NOTE, &eTo, &mMissing),
                   FC_FIELD);
  assert_int_equal(mMissing, FF_DAYS);
  assert_int_equal(finding_check(FS_ASSIGNED, FA_SIGN, FR_LEAD_UNIT, 0, &eTo, &mMissing), FC_OK);
  assert_int_equal(eTo, FS_IN_PROGRESS);
  /* An account that is both inspector and leader acts in either capacity. */
  assert_int_equal(finding_check(FS_IN_PROGRESS, FA_INSTRUCT, FR_INSPECTOR | FR_LEADER,
                                 FF_NOTE, &eTo, NULL), FC_OK);
  /* Names and labels round-trip. */
  assert_int_equal(finding_action_find("request_close"), FA_REQ_CLOSE);
  assert_int_equal(finding_action_find("驳回"), FA_RETURN);
  assert_int_equal(finding_state_find("验收销号"), FS_VERIFIED);
  assert_int_equal(finding_state_find("nonsense"), -1);
}

static int day(const char *z) {
  int d;
  if (cal_date_parse(z, &d)) fail_msg("bad date %s", z);
  return d;
}

static Calendar cal2021;

static int setup(void **state) {
  (void)state;
  char *zText = NULL, *zErr = NULL;
  size_t n;
  TextEncoding e;
  cal_init(&cal2021);
  if (text_load("data/calendar/cn-2021.csv", &zText, &n, &e, &zErr)) fail_msg("%s", zErr);
  if (cal_parse_csv(&cal2021, "cn-2021.csv", zText, n, NULL, NULL, &zErr)) fail_msg("%s", zErr);
  free(zText);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  cal_free(&cal2021);
  return 0;
}

static FindingStatus status(const FindingClock *c, const char *zToday) {
  FindingPolicy pol;
  FindingStatus s;
  char *zErr = NULL;
  finding_policy_default(&pol);
  if (finding_status(&cal2021, c, &pol, day(zToday), &s, &zErr)) fail_msg("%s", zErr);
  return s;
}

/* Handed over on Tuesday 2021-09-28 with 2 working days to sign (due Thursday 09-30) and 5
** to rectify (due Monday 10-11: 09-29, 09-30, [10-01..07 off], 10-08, 10-09 Sat worked,
** 10-11; see test_calendar.c). Default policy: blue at <= 3 working days left, 黄牌 at 2
** returns or any overdue (+0.5), 提级督办 at 3 returns or 5 working days overdue (+1). */
static void test_lights(void **state) {
  (void)state;
  FindingClock c = {FS_ASSIGNED, day("2021-09-28"), day("2021-09-30"), FD_NONE,
                    day("2021-10-11"), FD_NONE, FD_NONE, 7, 0, 0};
  FindingStatus s = status(&c, "2021-09-29");
  /* Left after 09-29: 09-30, 10-08, 10-09, 10-11 = 4 > 3: green. */
  assert_int_equal(s.nDaysLeft, 4);
  assert_int_equal(s.eLight, FL_GREEN);
  s = status(&c, "2021-09-30"); /* 3 left: blue; signing is due today, not late yet */
  assert_int_equal(s.nDaysLeft, 3);
  assert_int_equal(s.eLight, FL_BLUE);
  assert_int_equal(s.bSignOverdue, 0);
  s = status(&c, "2021-10-08"); /* not signed by 09-30: red, 黄牌 */
  assert_int_equal(s.bSignOverdue, 1);
  assert_int_equal(s.eLight, FL_RED);
  assert_int_equal(s.iLevel, 1);
  assert_true(s.rExtraDeduct == 0.5);

  /* Signed late on 10-08, nothing done: 3 of 5 working days gone (09-29, 09-30, 10-08), time
  ** progress 0.6 > 0 % reported: yellow; signed late stays recorded. */
  c.eState = FS_IN_PROGRESS;
  c.iSigned = day("2021-10-08");
  s = status(&c, "2021-10-08");
  assert_true(s.rTimeProgress == 0.6);
  assert_int_equal(s.bBehind, 1);
  assert_int_equal(s.eLight, FL_YELLOW);
  assert_int_equal(s.bSignLate, 1);
  assert_int_equal(s.bSignOverdue, 0);
  c.nProgress = 60; /* exactly on time progress: not behind; 2 left (10-09, 10-11): blue */
  s = status(&c, "2021-10-08");
  assert_int_equal(s.bBehind, 0);
  assert_int_equal(s.eLight, FL_BLUE);
  s = status(&c, "2021-10-11"); /* deadline day: 0 left, progress 60 < 100 %: yellow */
  assert_int_equal(s.nDaysLeft, 0);
  assert_int_equal(s.bOverdue, 0);
  assert_int_equal(s.eLight, FL_YELLOW);
  /* The moment the deadline passes (10-12 in China) it is overdue: 1 working day, 黄牌. */
  s = status(&c, "2021-10-12");
  assert_int_equal(s.bOverdue, 1);
  assert_int_equal(s.nOverdueDays, 1);
  assert_int_equal(s.eLight, FL_RED);
  assert_int_equal(s.iLevel, 1);
  /* 10-19: 10-12, 13, 14, 15, 18, 19 = 6 working days overdue >= 5: 提级督办, +1 point. */
  s = status(&c, "2021-10-19");
  assert_int_equal(s.nOverdueDays, 6);
  assert_int_equal(s.iLevel, 2);
  assert_true(s.rExtraDeduct == 1.0);
  /* Reports every 7 days since signing on 10-08: due after 10-15. */
  assert_int_equal(status(&c, "2021-10-15").bReportDue, 0);
  assert_int_equal(status(&c, "2021-10-16").bReportDue, 1);
  c.iLastReport = day("2021-10-14");
  assert_int_equal(status(&c, "2021-10-16").bReportDue, 0);

  /* A close request on the deadline day stops the clock: on 10-20 it is not overdue. */
  c.eState = FS_REQ_CLOSE;
  c.iRequested = day("2021-10-11");
  s = status(&c, "2021-10-20");
  assert_int_equal(s.bOverdue, 0);
  assert_int_equal(s.bFinishLate, 0);
  assert_int_equal(s.eLight, FL_GREEN);
  assert_int_equal(s.iLevel, 0);
  /* Requested a day late: finished late (办理逾期), red until decided, 黄牌. */
  c.iRequested = day("2021-10-12");
  s = status(&c, "2021-10-20");
  assert_int_equal(s.bFinishLate, 1);
  assert_int_equal(s.eLight, FL_RED);
  assert_int_equal(s.iLevel, 1);
  /* Approved: no light any more, but finished late stays and so does the 黄牌. */
  c.eState = FS_CLOSED;
  s = status(&c, "2021-11-30");
  assert_int_equal(s.eLight, FL_NONE);
  assert_int_equal(s.bFinishLate, 1);
  assert_int_equal(s.iLevel, 1);
  /* Returns: 2 -> 黄牌, 3 -> 提级督办, even when on time. */
  c.eState = FS_IN_PROGRESS;
  c.iRequested = FD_NONE;
  c.nProgress = 100;
  c.nReturns = 2;
  assert_int_equal(status(&c, "2021-10-08").iLevel, 1);
  c.nReturns = 3;
  assert_int_equal(status(&c, "2021-10-08").iLevel, 2);
  /* A date without a calendar year is an error. */
  FindingPolicy pol;
  char *zErr = NULL;
  finding_policy_default(&pol);
  assert_int_equal(finding_status(&cal2021, &c, &pol, day("2022-01-05"), &s, &zErr), -1);
  assert_non_null(strstr(zErr, "2022"));
  free(zErr);
}

/* finding_late: the 逾期 of the bulletin and the review's unit page, on the same clock as
** test_lights (assigned 09-28, sign by 09-30, due 10-11 on the 2021 calendar). */
static void test_late(void **state) {
  (void)state;
  FindingClock c = {FS_ASSIGNED, day("2021-09-28"), day("2021-09-30"), FD_NONE,
                    day("2021-10-11"), FD_NONE, FD_NONE, 7, 0, 0};
  FindingStatus s = status(&c, "2021-09-30");
  assert_int_equal(finding_late(&s, 0), 0); /* signing due today: not yet */
  s = status(&c, "2021-10-01");
  assert_int_equal(finding_late(&s, 0), 1); /* 签收逾期, still unsigned */
  c.eState = FS_IN_PROGRESS;
  c.iSigned = day("2021-10-08");
  s = status(&c, "2021-10-11");
  assert_int_equal(finding_late(&s, 0), 0); /* signed late, but handling is in time */
  s = status(&c, "2021-10-12");
  assert_int_equal(finding_late(&s, 0), 1); /* 办理逾期 */
  c.eState = FS_REQ_CLOSE;
  c.iRequested = day("2021-10-11");
  s = status(&c, "2021-10-20");
  assert_int_equal(finding_late(&s, 0), 0); /* asked to close on the deadline day */
  c.eState = FS_CLOSED;
  s = status(&c, "2021-10-20");
  assert_int_equal(finding_late(&s, 0), 0);
  assert_int_equal(finding_late(&s, 1), 1); /* stored as finished late when approved */
  c.iRequested = day("2021-10-12");
  s = status(&c, "2021-10-20");
  assert_int_equal(finding_late(&s, 0), 1); /* closed after a late request */
  c.eState = FS_SUSPENDED;
  s = status(&c, "2021-11-30");
  assert_int_equal(finding_late(&s, 0), 0); /* suspended: no clock runs */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matrix),
      cmocka_unit_test(test_fields),
      cmocka_unit_test_setup_teardown(test_lights, setup, teardown),
      cmocka_unit_test_setup_teardown(test_late, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

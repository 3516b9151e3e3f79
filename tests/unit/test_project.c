/*
** test_project.c: unit tests of project.c (cmocka): the lagging flag against time progress
** and the per-unit rates (投资完成率, 开工率, 投产率), worked out by hand in the comments.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "calendar.h"
#include "project.h"

static int day(const char *z) {
  int d;
  if (cal_date_parse(z, &d)) fail_msg("bad date %s", z);
  return d;
}

/* 2021-B3 = May-June: time progress 6/12 = 0.5; the period ends 2021-06-30.
**   A: plan 10 亿, 4 done -> 0.4 < 0.5: lagging; planned to start 03-01, started 03-20;
**      planned to produce 12-01 (not due yet).
**   B: plan 6 亿, 3.5 done -> 0.5833 >= 0.5: not lagging; planned to start 06-15, not
**      started; planned to produce 06-30 (due), not producing.
** Unit: investment 7.5 / 16 = 46.875 %; start 1 of 2 due = 50 %; production 0 of 1 = 0 %. */
static void test_b3(void **state) {
  (void)state;
  Period p;
  char *zErr = NULL;
  assert_int_equal(period_parse("2021-B3", &p, &zErr), 0);
  int iEnd = day("2021-06-30");
  ProjectFigures a[2] = {
    {10, 4, day("2021-03-01"), day("2021-03-20"), day("2021-12-01"), PROJECT_NO_DAY},
    {6, 3.5, day("2021-06-15"), PROJECT_NO_DAY, day("2021-06-30"), PROJECT_NO_DAY},
  };
  ProjectStatus s;
  project_status(&a[0], &p, iEnd, &s);
  assert_true(s.rTimeProgress == 0.5);
  assert_true(s.rShare == 0.4);
  assert_int_equal(s.bLagging, 1);
  assert_int_equal(s.bStartDue, 1);
  assert_int_equal(s.bStarted, 1);
  assert_int_equal(s.bProduceDue, 0);
  project_status(&a[1], &p, iEnd, &s);
  assert_int_equal(s.bLagging, 0);
  assert_int_equal(s.bStarted, 0);
  assert_int_equal(s.bProduceDue, 1);
  ProjectUnitFigures u;
  project_unit_figures(a, 2, &p, iEnd, &u);
  assert_true(u.rInvestRate == 46.875);
  assert_true(u.rStartRate == 50.0);
  assert_true(u.rProduceRate == 0.0);
  assert_int_equal(u.nLagging, 1);
  assert_int_equal(u.nProjects, 2);
  /* B1 (Jan-Feb, ends 02-28): nothing was due to start or produce: NaN rates. */
  assert_int_equal(period_parse("2021-B1", &p, &zErr), 0);
  project_unit_figures(a, 2, &p, day("2021-02-28"), &u);
  assert_true(isnan(u.rStartRate));
  assert_true(isnan(u.rProduceRate));
  /* Exactly on time progress is not lagging: 5 of 10 at mid-year. */
  ProjectFigures c = {10, 5, PROJECT_NO_DAY, PROJECT_NO_DAY, PROJECT_NO_DAY, PROJECT_NO_DAY};
  assert_int_equal(period_parse("2021-B3", &p, &zErr), 0);
  project_status(&c, &p, iEnd, &s);
  assert_int_equal(s.bLagging, 0);
  /* No annual plan: no share, never lagging. */
  c.rAnnualPlan = 0;
  project_status(&c, &p, iEnd, &s);
  assert_true(isnan(s.rShare));
  assert_int_equal(s.bLagging, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_b3)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** test_period.c: unit tests of period.c (cmocka): the code grammar of SCORING.md
** "Periods" [S-PERIOD-CODES], the period end and day of year with leap years
** [S-PERIOD-END], the previous period, and time progress on both bases
** [S-M-TIMEPROGRESS]. Expected values are worked out by hand in the comments.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"

static Period parse_ok(const char *z) {
  Period p;
  char *zErr = NULL;
  if (period_parse(z, &p, &zErr)) fail_msg("period_parse(\"%s\") failed: %s", z, zErr);
  return p;
}

/* Asserts that z is rejected and that the message quotes the code and contains zWhy. */
static void parse_bad(const char *z, const char *zWhy) {
  Period p;
  char *zErr = NULL;
  if (period_parse(z, &p, &zErr) == 0) fail_msg("period_parse(\"%s\") accepted a bad code", z);
  assert_non_null(zErr);
  if (!strstr(zErr, zWhy)) fail_msg("message for \"%s\" lacks \"%s\": %s", z, zWhy, zErr);
  if (z && *z && !strstr(zErr, z)) fail_msg("message does not quote \"%s\": %s", z, zErr);
  free(zErr);
}

/* [S-PERIOD-CODES] every kind, with its months and canonical code. */
static void test_period_parse_kinds(void **state) {
  (void)state;
  struct {
    const char *z;
    PeriodKind e;
    int iIndex, iFirst, iLast;
  } a[] = {
      {"2021-M03", PERIOD_MONTH, 3, 3, 3},  {"2021-M12", PERIOD_MONTH, 12, 12, 12},
      {"2021-B1", PERIOD_BIMONTH, 1, 1, 2}, {"2021-B2", PERIOD_BIMONTH, 2, 3, 4}, /* Mar-Apr */
      {"2021-B3", PERIOD_BIMONTH, 3, 5, 6}, {"2021-B6", PERIOD_BIMONTH, 6, 11, 12},
      {"2021-Q1", PERIOD_QUARTER, 1, 1, 3}, {"2021-Q4", PERIOD_QUARTER, 4, 10, 12},
      {"2021-H1", PERIOD_HALF, 1, 1, 6},    {"2021-H2", PERIOD_HALF, 2, 7, 12},
      {"2021-Y", PERIOD_YEAR, 1, 1, 12},
  };
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
    Period p = parse_ok(a[i].z);
    assert_int_equal(p.iYear, 2021);
    assert_int_equal(p.eKind, a[i].e);
    assert_int_equal(p.iIndex, a[i].iIndex);
    assert_int_equal(p.iFirstMonth, a[i].iFirst);
    assert_int_equal(p.iLastMonth, a[i].iLast);
    assert_string_equal(p.zCode, a[i].z);
  }
}

/* [S-PERIOD-CODES] bad codes are errors that say why. */
static void test_period_parse_bad(void **state) {
  (void)state;
  parse_bad("", "empty");
  parse_bad("2021", "four-digit year");
  parse_bad("21-M03", "four-digit year");
  parse_bad("2021/M03", "four-digit year");
  parse_bad("2021-M3", "two digits");
  parse_bad("2021-M123", "two digits");
  parse_bad("2021-M13", "01 to 12");
  parse_bad("2021-M00", "01 to 12");
  parse_bad("2021-B0", "1 to 6");
  parse_bad("2021-B7", "1 to 6");
  parse_bad("2021-B12", "one digit");
  parse_bad("2021-Q5", "1 to 4");
  parse_bad("2021-H3", "1 to 2");
  parse_bad("2021-Y1", "nothing may follow Y");
  parse_bad("2021-q1", "upper case");
  parse_bad("2021-X1", "M, B, Q, H or Y");
  parse_bad("0000-Y", "0000");
  Period p;
  char *zErr = NULL;
  assert_int_equal(period_parse(NULL, &p, &zErr), -1);
  free(zErr);
  assert_int_equal(period_parse("2021-Q9", &p, NULL), -1); /* NULL pzErr is allowed */
}

/* The period before: same kind, wrapping into the previous year. */
static void test_period_previous(void **state) {
  (void)state;
  struct {
    const char *z, *zPrev;
  } a[] = {
      {"2021-B1", "2020-B6"},   {"2021-B3", "2021-B2"}, {"2021-M01", "2020-M12"},
      {"2021-M10", "2021-M09"}, {"2021-Q1", "2020-Q4"}, {"2021-H2", "2021-H1"},
      {"2021-H1", "2020-H2"},   {"2021-Y", "2020-Y"},
  };
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
    Period p = parse_ok(a[i].z);
    Period q = period_previous(&p);
    assert_string_equal(q.zCode, a[i].zPrev);
    Period r = parse_ok(a[i].zPrev);
    assert_int_equal(q.iFirstMonth, r.iFirstMonth);
    assert_int_equal(q.iLastMonth, r.iLastMonth);
  }
}

/* [S-PERIOD-END] leap years: divisible by 4, except centuries unless divisible by 400. */
static void test_period_days(void **state) {
  (void)state;
  assert_int_equal(period_days_in_year(2021), 365);
  assert_int_equal(period_days_in_year(2020), 366);
  assert_int_equal(period_days_in_year(1900), 365);
  assert_int_equal(period_days_in_year(2000), 366);
  Period p;
  p = parse_ok("2021-B1");
  assert_int_equal(period_end_day_of_year(&p), 59); /* 31 + 28 */
  p = parse_ok("2020-B1");
  assert_int_equal(period_end_day_of_year(&p), 60); /* 31 + 29 */
  p = parse_ok("1900-B1");
  assert_int_equal(period_end_day_of_year(&p), 59);
  p = parse_ok("2000-B1");
  assert_int_equal(period_end_day_of_year(&p), 60);
  p = parse_ok("2021-H1");
  assert_int_equal(period_end_day_of_year(&p), 181); /* 31+28+31+30+31+30 */
  p = parse_ok("2020-H1");
  assert_int_equal(period_end_day_of_year(&p), 182);
  p = parse_ok("2021-Q1");
  assert_int_equal(period_end_day_of_year(&p), 90);
  p = parse_ok("2021-M01");
  assert_int_equal(period_end_day_of_year(&p), 31);
  p = parse_ok("2021-Y");
  assert_int_equal(period_end_day_of_year(&p), 365);
  p = parse_ok("2020-Y");
  assert_int_equal(period_end_day_of_year(&p), 366);
}

/* [S-PERIOD-END] the last day of the last month. */
static void test_period_end_date(void **state) {
  (void)state;
  char z[11];
  Period p;
  p = parse_ok("2021-B1");
  period_end_date(&p, z);
  assert_string_equal(z, "2021-02-28");
  p = parse_ok("2020-B1");
  period_end_date(&p, z);
  assert_string_equal(z, "2020-02-29");
  p = parse_ok("2021-B2");
  period_end_date(&p, z);
  assert_string_equal(z, "2021-04-30");
  p = parse_ok("2021-B3");
  period_end_date(&p, z);
  assert_string_equal(z, "2021-06-30");
  p = parse_ok("2021-Q3");
  period_end_date(&p, z);
  assert_string_equal(z, "2021-09-30");
  p = parse_ok("2021-Y");
  period_end_date(&p, z);
  assert_string_equal(z, "2021-12-31");
  p = parse_ok("2021-M07");
  period_end_date(&p, z);
  assert_string_equal(z, "2021-07-31");
}

/* [S-M-TIMEPROGRESS] tp = last month / 12 (month basis) or end day / days in year. */
static void test_period_time_progress(void **state) {
  (void)state;
  Period p;
  p = parse_ok("2021-B3");
  assert_true(period_time_progress(&p, 0) == 0.5);           /* 6/12 */
  assert_true(period_time_progress(&p, 1) == 181.0 / 365.0); /* Jun 30 = day 181 */
  p = parse_ok("2020-B3");
  assert_true(period_time_progress(&p, 1) == 182.0 / 366.0); /* leap year */
  p = parse_ok("2021-M03");
  assert_true(period_time_progress(&p, 0) == 0.25); /* 3/12 */
  p = parse_ok("2021-Q1");
  assert_true(period_time_progress(&p, 1) == 90.0 / 365.0);
  p = parse_ok("2021-Y");
  assert_true(period_time_progress(&p, 0) == 1.0);
  assert_true(period_time_progress(&p, 1) == 1.0);
  p = parse_ok("2021-B1");
  assert_true(period_time_progress(&p, 0) == 2.0 / 12.0);
  assert_true(period_time_progress(&p, 1) == 59.0 / 365.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_period_parse_kinds), cmocka_unit_test(test_period_parse_bad),
      cmocka_unit_test(test_period_previous),    cmocka_unit_test(test_period_days),
      cmocka_unit_test(test_period_end_date),    cmocka_unit_test(test_period_time_progress),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** test_calendar.c: unit tests of calendar.c (cmocka): date arithmetic, the shipped State
** Council calendars 2021-2026 (data/calendar/cn-YYYY.csv, read from the repository root,
** where tests/run-all.sh runs), working-day deadlines across holidays and make-up working
** days, and bad calendar files. Expected values are worked out by hand in the comments,
** from the notices' text.
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
#include "util/text.h"

static int day(const char *z) {
  int d;
  if (cal_date_parse(z, &d)) fail_msg("bad date in test: %s", z);
  return d;
}

static void load_year(Calendar *p, int y) {
  char zPath[64], *zText = NULL, *zErr = NULL;
  size_t n;
  TextEncoding e;
  snprintf(zPath, sizeof zPath, "data/calendar/cn-%d.csv", y);
  if (text_load(zPath, &zText, &n, &e, &zErr)) fail_msg("%s", zErr);
  if (cal_parse_csv(p, zPath, zText, n, NULL, NULL, &zErr)) fail_msg("%s", zErr);
  free(zText);
}

static void load_all(Calendar *p) {
  cal_init(p);
  for (int y = 2021; y <= 2026; y++) load_year(p, y);
}

static void test_dates(void **state) {
  (void)state;
  char z[11];
  assert_int_equal(day("1970-01-01"), 0);
  assert_int_equal(day("2021-01-01"), 18628); /* 51 years, 13 leap days: 51*365+13 */
  cal_date_format(18628 + 59, z);             /* 31 (Jan) + 28 (Feb) days later */
  assert_string_equal(z, "2021-03-01");
  assert_int_equal(cal_weekday(day("2021-10-01")), 5); /* a Friday */
  assert_int_equal(cal_weekday(day("2021-10-09")), 6); /* a Saturday */
  assert_int_equal(cal_weekday(day("2021-09-26")), 7); /* a Sunday */
  int d;
  assert_int_equal(cal_date_parse("2021-02-29", &d), -1);
  assert_int_equal(cal_date_parse("2024-02-29", &d), 0);
  assert_int_equal(cal_date_parse("2021-1-01", &d), -1);
  assert_int_equal(cal_date_parse("2021-13-01", &d), -1);
  /* China is UTC+8: 2021-10-14T15:59:59Z is 23:59:59 on the 14th in Beijing, 16:00:00Z is
  ** already the 15th. */
  int64_t t;
  assert_int_equal(cal_time_parse("2021-10-14T15:59:59Z", &t), 0);
  assert_int_equal(cal_day_of_time(t), day("2021-10-14"));
  assert_int_equal(cal_time_parse("2021-10-14T16:00:00Z", &t), 0);
  assert_int_equal(cal_day_of_time(t), day("2021-10-15"));
}

/* The 2021 notice: 10-01..10-07 off, 09-26 (Sunday) and 10-09 (Saturday) worked; 元旦
** 2021-01-01..03; 春节 02-11..17 with 02-07 (Sun) and 02-20 (Sat) worked. */
static void test_shipped_2021(void **state) {
  (void)state;
  Calendar c;
  load_all(&c);
  for (int i = 1; i <= 7; i++) {
    char z[11];
    snprintf(z, sizeof z, "2021-10-%02d", i);
    assert_int_equal(cal_is_workday(&c, day(z)), 0);
  }
  assert_int_equal(cal_is_workday(&c, day("2021-09-26")), 1);
  assert_int_equal(cal_is_workday(&c, day("2021-10-09")), 1);
  assert_int_equal(cal_is_workday(&c, day("2021-10-10")), 0); /* an ordinary Sunday */
  assert_int_equal(cal_is_workday(&c, day("2021-10-08")), 1); /* Friday after the holiday */
  assert_int_equal(cal_is_workday(&c, day("2021-02-07")), 1);
  assert_int_equal(cal_is_workday(&c, day("2021-02-11")), 0);
  assert_int_equal(cal_is_workday(&c, day("2021-02-17")), 0);
  assert_int_equal(cal_is_workday(&c, day("2021-02-18")), 1);
  assert_int_equal(cal_is_workday(&c, day("2021-02-20")), 1);
  /* The 2023 notice starts on 2022-12-31 (a Saturday, off anyway) and 2023-01-02 (Monday)
  ** is off; 2023-01-28 and 01-29 (Sat, Sun) are worked. */
  assert_int_equal(cal_is_workday(&c, day("2023-01-02")), 0);
  assert_int_equal(cal_is_workday(&c, day("2023-01-28")), 1);
  /* 2025: 元旦 only 01-01; 春节 01-28..02-04, 01-26 (Sun) and 02-08 (Sat) worked. */
  assert_int_equal(cal_is_workday(&c, day("2025-01-02")), 1);
  assert_int_equal(cal_is_workday(&c, day("2025-02-04")), 0);
  assert_int_equal(cal_is_workday(&c, day("2025-02-08")), 1);
  /* 2026: 春节 02-15..23 (9 days), 02-14 and 02-28 (Saturdays) worked; 国庆 09-20 (Sun). */
  assert_int_equal(cal_is_workday(&c, day("2026-02-23")), 0);
  assert_int_equal(cal_is_workday(&c, day("2026-02-28")), 1);
  assert_int_equal(cal_is_workday(&c, day("2026-09-20")), 1);
  /* Years outside 2021-2026 are unknown: an error, not a guess. */
  assert_int_equal(cal_is_workday(&c, day("2027-03-01")), -1);
  assert_int_equal(cal_is_workday(&c, day("2020-12-31")), -1);
  /* Every year gives 11 statutory days off on weekdays net of make-up days (13 from 2025,
  ** after the 2024 revision of 全国年节及纪念日放假办法): weekdays off minus weekend days
  ** worked, counted over each notice year. */
  int aNet[6] = {0};
  for (int i = 0; i < c.nDay; i++) {
    int k = c.aDay[i].iYear - 2021;
    if (c.aDay[i].bWork) aNet[k]--;
    else if (cal_weekday(c.aDay[i].iDay) <= 5) aNet[k]++;
  }
  int aWant[6] = {11, 11, 11, 11, 13, 13};
  for (int k = 0; k < 6; k++) assert_int_equal(aNet[k], aWant[k]);
  cal_free(&c);
}

/* The check: a deadline of 5 working days across National Day 2021.
** Handed over on Tuesday 2021-09-28:
**   09-29 Wed (1), 09-30 Thu (2), 10-01..10-07 off (holiday), 10-08 Fri (3),
**   10-09 Sat (4, the make-up working Saturday), 10-10 Sun off, 10-11 Mon (5)
** -> due 2021-10-11. (Counting plain weekdays would give 10-05, in the middle of the
** holiday.) Handed over on Friday 2021-09-24: 09-25 Sat off, 09-26 Sun worked (1),
** 09-27 (2), 09-28 (3), 09-29 (4), 09-30 (5) -> 2021-09-30. */
static void test_deadline_national_day(void **state) {
  (void)state;
  Calendar c;
  char *zErr = NULL, z[11];
  int d, n;
  load_all(&c);
  assert_int_equal(cal_add_workdays(&c, day("2021-09-28"), 5, &d, &zErr), 0);
  cal_date_format(d, z);
  assert_string_equal(z, "2021-10-11");
  assert_int_equal(cal_add_workdays(&c, day("2021-09-24"), 5, &d, &zErr), 0);
  cal_date_format(d, z);
  assert_string_equal(z, "2021-09-30");
  assert_int_equal(cal_workdays_between(&c, day("2021-09-28"), day("2021-10-11"), &n, &zErr), 0);
  assert_int_equal(n, 5);
  assert_int_equal(cal_workdays_between(&c, day("2021-10-11"), day("2021-09-28"), &n, &zErr), 0);
  assert_int_equal(n, -5);
  /* 0 working days: the day itself. 1 working day from Thursday 09-30: Friday 10-08. */
  assert_int_equal(cal_add_workdays(&c, day("2021-09-30"), 0, &d, &zErr), 0);
  assert_int_equal(d, day("2021-09-30"));
  assert_int_equal(cal_add_workdays(&c, day("2021-09-30"), 1, &d, &zErr), 0);
  assert_int_equal(d, day("2021-10-08"));
  /* Spring Festival 2021: 10 working days from Monday 02-08: 02-09 (1), 02-10 (2),
  ** 02-11..17 off, 02-18 (3), 02-19 (4), 02-20 Sat worked (5), 02-22..26 (6..10)
  ** -> 2021-02-26. */
  assert_int_equal(cal_add_workdays(&c, day("2021-02-08"), 10, &d, &zErr), 0);
  cal_date_format(d, z);
  assert_string_equal(z, "2021-02-26");
  /* Past the last known year: an error naming it. */
  assert_int_equal(cal_add_workdays(&c, day("2026-12-28"), 10, &d, &zErr), -1);
  assert_non_null(strstr(zErr, "2027"));
  free(zErr);
  cal_free(&c);
}

static void parse_bad(const char *zText, const char *zWant) {
  Calendar c;
  char *zErr = NULL;
  cal_init(&c);
  if (cal_parse_csv(&c, "cal.csv", zText, strlen(zText), NULL, NULL, &zErr) == 0)
    fail_msg("accepted: %s", zText);
  if (!strstr(zErr, zWant)) fail_msg("message lacks \"%s\": %s", zWant, zErr);
  assert_int_equal(c.nDay, 0); /* nothing added */
  free(zErr);
  cal_free(&c);
}

static void test_bad_files(void **state) {
  (void)state;
  parse_bad("date,kind\n2021-01-01,off\n", "line 1, column 1: the header must be");
  parse_bad("year,date,kind,name\n2021,2021-02-30,off,x\n", "line 2, column 2: date \"2021-02-30\"");
  parse_bad("year,date,kind,name\n2021,2021-02-11,holiday,x\n", "line 2, column 3: kind");
  /* 2021-10-08 was a Friday: it cannot be a make-up working day. */
  parse_bad("year,date,kind,name\n2021,2021-10-08,work,x\n", "line 2, column 2: 2021-10-08 is a weekday");
  parse_bad("# c\nyear,date,kind,name\n2021,2021-10-01,off,x\n2021,2021-10-01,off,x\n",
            "line 4, column 2: 2021-10-01 is listed twice");
  parse_bad("year,date,kind,name\n2021,2019-10-01,off,x\n", "not in the notice's year 2021");
  parse_bad("year,date,kind,name\n", "no days listed");
  /* A second file that lists a day again is refused as a whole. */
  Calendar c;
  char *zErr = NULL;
  const char *z1 = "year,date,kind,name\n2021,2021-10-01,off,国庆节\n";
  const char *z2 = "year,date,kind,name\n2021,2021-10-02,off,国庆节\n2021,2021-10-01,off,x\n";
  cal_init(&c);
  assert_int_equal(cal_parse_csv(&c, "a.csv", z1, strlen(z1), NULL, NULL, &zErr), 0);
  assert_int_equal(cal_parse_csv(&c, "b.csv", z2, strlen(z2), NULL, NULL, &zErr), -1);
  assert_non_null(strstr(zErr, "already listed"));
  assert_int_equal(c.nDay, 1);
  free(zErr);
  cal_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_shipped_2021),
      cmocka_unit_test(test_deadline_national_day),
      cmocka_unit_test(test_bad_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

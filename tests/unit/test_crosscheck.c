/*
** test_crosscheck.c: unit tests of crosscheck.c (cmocka): first digits, the Benford MAD
** against values computed independently (Python, math.log10), Nigrini's classes at their
** edges, relative jumps, growth, the median and the modified z-score.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "crosscheck.h"

static void test_first_digit(void **state) {
  (void)state;
  assert_int_equal(xc_first_digit(0.0305), 3);
  assert_int_equal(xc_first_digit(-47), 4);
  assert_int_equal(xc_first_digit(1e-300), 1);
  assert_int_equal(xc_first_digit(0.3), 3);        /* not 2 from 0.2999... */
  assert_int_equal(xc_first_digit(999999.9), 9);
  assert_int_equal(xc_first_digit(0), 0);
  assert_int_equal(xc_first_digit(NAN), 0);
  assert_int_equal(xc_first_digit(INFINITY), 0);
}

static void test_benford(void **state) {
  (void)state;
  /* 1..9 once each: MAD = mean |1/9 - log10(1 + 1/d)| = 0.05971703510991756 (Python) */
  double a[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0, NAN};
  XcBenford b;
  xc_benford(a, 11, &b);
  assert_int_equal(b.n, 9);
  assert_true(fabs(b.rMad - 0.05971703510991756) < 1e-15);
  assert_string_equal(b.zClass, "nonconformity");
  /* counts 30 18 12 10 8 7 6 5 4 (n 100), near Benford: MAD 0.002861943395630571 */
  double c[100];
  int aCount[9] = {30, 18, 12, 10, 8, 7, 6, 5, 4}, k = 0;
  for (int d = 1; d <= 9; d++)
    for (int i = 0; i < aCount[d - 1]; i++) c[k++] = d * 1000.0 + i;
  xc_benford(c, 100, &b);
  assert_int_equal(b.n, 100);
  assert_int_equal(b.anDigit[1], 30);
  assert_true(fabs(b.rMad - 0.002861943395630571) < 1e-15);
  assert_string_equal(b.zClass, "close");
  /* Nigrini's edges (table 7.1) */
  assert_string_equal(xc_benford_class(0.006), "close");
  assert_string_equal(xc_benford_class(0.0061), "acceptable");
  assert_string_equal(xc_benford_class(0.012), "acceptable");
  assert_string_equal(xc_benford_class(0.0121), "marginal");
  assert_string_equal(xc_benford_class(0.015), "marginal");
  assert_string_equal(xc_benford_class(0.0151), "nonconformity");
}

static void test_jump_growth_median(void **state) {
  (void)state;
  double r;
  int bFlag;
  assert_int_equal(xc_jump(40, 90, 0.5, &r, &bFlag), 0);
  assert_true(r == 1.25 && bFlag);
  assert_int_equal(xc_jump(-20, -10, 0.5, &r, &bFlag), 0); /* |prev| in the denominator */
  assert_true(r == 0.5 && !bFlag);
  assert_int_equal(xc_jump(0, 5, 0.5, &r, &bFlag), -1);
  assert_int_equal(xc_jump(NAN, 5, 0.5, &r, &bFlag), -1);
  double g;
  assert_int_equal(xc_growth(1000, 700, &g), 0);
  assert_true(fabs(g - -30) < 1e-12);
  assert_int_equal(xc_growth(0, 700, &g), -1);
  double m[] = {5, 1, 3, 2};
  assert_true(xc_median(m, 4) == 2.5);
  double m2[] = {7, 1, 3};
  assert_true(xc_median(m2, 3) == 3);
  /* changes 1, 2, 2, 3, 10: median 2, deviations 1 0 0 1 8 -> MAD 1; z(10) = 0.6745 * 8 */
  assert_true(fabs(xc_modified_z(10, 2, 1) - 5.396) < 1e-12);
  assert_true(isnan(xc_modified_z(10, 2, 0)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_first_digit),
    cmocka_unit_test(test_benford),
    cmocka_unit_test(test_jump_growth_median),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

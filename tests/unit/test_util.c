/*
** test_util.c: unit tests of src/util: text decoding (UTF-8, BOM, GBK, garbage), strict
** number parsing, shortest round-trip printing, the RFC 4180 CSV reader, Buf and Arena.
** Expected values are written out by hand.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/mem.h"
#include "util/text.h"

/* util-1.1: a BOM is removed and reported. */
static void test_decode_bom(void **state) {
  char *z = NULL, *zErr = NULL;
  size_t n = 0;
  TextEncoding e;
  assert_int_equal(text_decode("t", "\xEF\xBB\xBF" "a,b\n", 7, &z, &n, &e, &zErr), 0);
  assert_string_equal(z, "a,b\n");
  assert_int_equal(n, 4);
  assert_int_equal(e, TEXT_UTF8_BOM);
  free(z);
}

/* util-1.2: GBK bytes of "衡阳县" (BA E2 D1 F4 CF D8) decode to UTF-8. */
static void test_decode_gbk(void **state) {
  const char gbk[] = "code,name\n430421,\xBA\xE2\xD1\xF4\xCF\xD8\n";
  char *z = NULL, *zErr = NULL;
  size_t n = 0;
  TextEncoding e;
  assert_int_equal(text_decode("g.csv", gbk, sizeof gbk - 1, &z, &n, &e, &zErr), 0);
  assert_int_equal(e, TEXT_GBK);
  assert_string_equal(z, "code,name\n430421,衡阳县\n");
  free(z);
}

/* util-1.3: bytes that are neither UTF-8 nor GBK: error names line 2, column 3. */
static void test_decode_garbage(void **state) {
  const char bad[] = "a,b\nxy\xFF\xFFz\n";
  char *z = NULL, *zErr = NULL;
  size_t n = 0;
  assert_int_equal(text_decode("bad.csv", bad, sizeof bad - 1, &z, &n, NULL, &zErr), -1);
  assert_non_null(strstr(zErr, "bad.csv: line 2, column 3: byte 0xFF is not valid UTF-8"));
  free(zErr);
}

/* util-1.4: Latin-1 text ("café, crème") decodes as GBK pairs that are not CJK: refused. */
static void test_decode_latin1_refused(void **state) {
  const char l1[] = "name\ncaf\xE9\xE8 cr\xE8me\n";
  char *z = NULL, *zErr = NULL;
  size_t n = 0;
  assert_int_equal(text_decode("l1.csv", l1, sizeof l1 - 1, &z, &n, NULL, &zErr), -1);
  assert_non_null(strstr(zErr, "line 2, column 4"));
  free(zErr);
}

/* util-1.5: overlong and surrogate encodings are invalid UTF-8. */
static void test_utf8_invalid(void **state) {
  assert_int_equal(text_utf8_invalid_at("ab\xC0\xAF", 4), 2);      /* overlong '/' */
  assert_int_equal(text_utf8_invalid_at("\xED\xA0\x80", 3), 0);    /* U+D800 */
  assert_int_equal(text_utf8_invalid_at("\xE8\xA1\xA1", 3), 3);    /* 衡 is valid */
  assert_int_equal(text_utf8_invalid_at("\xE8\xA1", 2), 0);        /* truncated */
}

/* util-1.6: strict numbers. */
static void test_parse_double(void **state) {
  double r = 0;
  assert_int_equal(text_parse_double(" 12.5 ", &r), 0);
  assert_true(r == 12.5);
  assert_int_equal(text_parse_double("-3e2", &r), 0);
  assert_true(r == -300);
  assert_int_equal(text_parse_double(".5", &r), 0);
  assert_true(r == 0.5);
  assert_int_equal(text_parse_double("", &r), -1);
  assert_int_equal(text_parse_double("12a", &r), -1);
  assert_int_equal(text_parse_double("1,000", &r), -1);
  assert_int_equal(text_parse_double("0x10", &r), -1);
  assert_int_equal(text_parse_double("nan", &r), -1);
  assert_int_equal(text_parse_double("inf", &r), -1);
  assert_int_equal(text_parse_double("1e999", &r), -1); /* overflows to inf */
  assert_int_equal(text_parse_double("12%", &r), -1);
}

/* util-1.7: shortest round-trip printing. */
static void test_fmt_double(void **state) {
  char z[32];
  text_fmt_double(z, 87.25);
  assert_string_equal(z, "87.25");
  text_fmt_double(z, 0.1 + 0.2); /* 0.30000000000000004 needs 17 digits */
  assert_string_equal(z, "0.30000000000000004");
  text_fmt_double(z, 6);
  assert_string_equal(z, "6");
  text_fmt_double(z, 120);
  assert_string_equal(z, "120");
  text_fmt_double(z, -70);
  assert_string_equal(z, "-70");
  text_fmt_double(z, 1e-7);
  assert_string_equal(z, "1e-07");
  text_fmt_double(z, -0.0);
  assert_string_equal(z, "0");
  text_fmt_double(z, NAN);
  assert_string_equal(z, "null");
  text_fmt_double(z, 1.0 / 3);
  assert_true(strtod(z, NULL) == 1.0 / 3);
}

/* util-1.8: RFC 4180: quotes, doubled quotes, embedded newline, CRLF, line numbers. */
static void test_csv_rfc4180(void **state) {
  const char t[] = "unit,indicator,value\r\n"
                   "430421,\"E,1\",\"12\"\"5\"\r\n"
                   "430422,\"multi\nline\",3\r\n"
                   "\r\n"
                   "430423,E2,\n";
  CsvReader r;
  char *zErr = NULL;
  assert_int_equal(csv_open_mem(&r, "v.csv", t, sizeof t - 1, &zErr), 0);
  assert_int_equal(csv_next(&r, &zErr), 1);
  assert_int_equal(r.nField, 3);
  assert_int_equal(csv_field_index(&r, "value"), 2);
  assert_int_equal(csv_next(&r, &zErr), 1);
  assert_int_equal(r.iRecordLine, 2);
  assert_string_equal(r.azField[1], "E,1");
  assert_string_equal(r.azField[2], "12\"5");
  assert_int_equal(csv_next(&r, &zErr), 1);
  assert_int_equal(r.iRecordLine, 3);
  assert_string_equal(r.azField[1], "multi\nline");
  assert_int_equal(csv_next(&r, &zErr), 1); /* the blank line 5 is skipped */
  assert_int_equal(r.iRecordLine, 6);
  assert_int_equal(r.nField, 3);
  assert_string_equal(r.azField[2], "");
  assert_int_equal(csv_next(&r, &zErr), 0);
  csv_close(&r);
}

/* util-1.9: an unterminated quote names the line where the field starts. */
static void test_csv_unterminated(void **state) {
  const char t[] = "a,b\n1,\"open\n2,3\n";
  CsvReader r;
  char *zErr = NULL;
  assert_int_equal(csv_open_mem(&r, "q.csv", t, sizeof t - 1, &zErr), 0);
  assert_int_equal(csv_next(&r, &zErr), 1);
  assert_int_equal(csv_next(&r, &zErr), -1);
  assert_string_equal(zErr, "q.csv: line 2, column 2: quoted field is never closed");
  free(zErr);
  csv_close(&r);
}

/* util-1.10: a stray quote inside an unquoted field is an error; the reader resumes. */
static void test_csv_stray_quote(void **state) {
  const char t[] = "a,b\n1,x\"y\n2,3";
  CsvReader r;
  char *zErr = NULL;
  assert_int_equal(csv_open_mem(&r, "s.csv", t, sizeof t - 1, &zErr), 0);
  assert_int_equal(csv_next(&r, &zErr), 1);
  assert_int_equal(csv_next(&r, &zErr), -1);
  assert_non_null(strstr(zErr, "s.csv: line 2, column 2: a quote inside an unquoted field"));
  free(zErr);
  assert_int_equal(csv_next(&r, &zErr), 1);
  assert_int_equal(r.iRecordLine, 3);
  assert_string_equal(r.azField[1], "3");
  csv_close(&r);
}

/* util-1.11: a trailing comma makes an empty last field. */
static void test_csv_trailing_comma(void **state) {
  const char t[] = "a,b,\n";
  CsvReader r;
  char *zErr = NULL;
  assert_int_equal(csv_open_mem(&r, "t.csv", t, sizeof t - 1, &zErr), 0);
  assert_int_equal(csv_next(&r, &zErr), 1);
  assert_int_equal(r.nField, 3);
  assert_string_equal(r.azField[2], "");
  csv_close(&r);
}

/* util-1.12: Buf grows without truncation; Arena hands out zeroed aligned memory. */
static void test_buf_arena(void **state) {
  Buf b = BUF_INIT;
  assert_string_equal(buf_str(&b), "");
  for (int i = 0; i < 10000; i++) buf_printf(&b, "%d,", i % 10);
  assert_int_equal(b.n, 20000);
  assert_int_equal(b.z[19998], '9');
  buf_free(&b);
  Arena *a = arena_new();
  for (int i = 0; i < 1000; i++) {
    unsigned char *p = arena_alloc(a, (size_t)(i * 37 % 5000) + 1);
    assert_int_equal(((uintptr_t)p) % 16, 0);
    assert_int_equal(p[0], 0);
    p[0] = 0xAA;
  }
  assert_string_equal(arena_strdup(a, "衡阳"), "衡阳");
  arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_decode_bom),        cmocka_unit_test(test_decode_gbk),
    cmocka_unit_test(test_decode_garbage),    cmocka_unit_test(test_decode_latin1_refused),
    cmocka_unit_test(test_utf8_invalid),      cmocka_unit_test(test_parse_double),
    cmocka_unit_test(test_fmt_double),        cmocka_unit_test(test_csv_rfc4180),
    cmocka_unit_test(test_csv_unterminated),  cmocka_unit_test(test_csv_stray_quote),
    cmocka_unit_test(test_csv_trailing_comma), cmocka_unit_test(test_buf_arena),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** test_live.c: unit tests of the pure parts of the live features: the meeting's slide keys
** (meeting_slide_valid, src/meeting.c) and the Accept-Encoding check of the response cache
** (http_accepts, src/http/cache.c, RFC 9110 12.5.3: a q value of 0 means "not acceptable").
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/http.h"
#include "meeting.h"

/* live-1.1: the four kinds of slide, and what is refused. */
static void test_slide_keys(void **state) {
  (void)state;
  assert_true(meeting_slide_valid("cover"));
  assert_true(meeting_slide_valid("lists"));
  assert_true(meeting_slide_valid("unit:430421"));
  assert_true(meeting_slide_valid("unit:P01"));
  assert_true(meeting_slide_valid("group:县市"));
  assert_true(meeting_slide_valid("group:Parks and zones"));
  assert_false(meeting_slide_valid(NULL));
  assert_false(meeting_slide_valid(""));
  assert_false(meeting_slide_valid("Cover"));
  assert_false(meeting_slide_valid("unit:"));
  assert_false(meeting_slide_valid("group:"));
  assert_false(meeting_slide_valid("unit:4304 21"));
  assert_false(meeting_slide_valid("unit:12345678901234567")); /* 17 characters */
  assert_true(meeting_slide_valid("unit:1234567890123456"));   /* 16 */
  assert_false(meeting_slide_valid("group:a\tb"));
  assert_false(meeting_slide_valid("group:\xe5\x8e"));         /* cut UTF-8 */
  assert_false(meeting_slide_valid("page:3"));
  char z[128];
  memset(z, 0, sizeof z);
  memcpy(z, "group:", 6);
  memset(z + 6, 'a', 64);
  assert_true(meeting_slide_valid(z));  /* 70 bytes, a 64-byte name */
  z[70] = 'a';
  assert_false(meeting_slide_valid(z)); /* a 65-byte name */
}

/* live-1.2: Accept-Encoding lists. */
static void test_accepts(void **state) {
  (void)state;
  assert_true(http_accepts("gzip", "gzip"));
  assert_true(http_accepts("gzip, deflate, br, zstd", "gzip"));  /* what chromium sends */
  assert_true(http_accepts("br;q=1.0, GZIP;q=0.5", "gzip"));
  assert_true(http_accepts("deflate, gzip;q=0.001", "gzip"));
  assert_false(http_accepts("gzip;q=0", "gzip"));
  assert_false(http_accepts("gzip; q=0.000, identity", "gzip"));
  assert_false(http_accepts("deflate, br", "gzip"));
  assert_false(http_accepts("x-gzip", "gzip"));
  assert_false(http_accepts("gzipped", "gzip"));
  assert_false(http_accepts("", "gzip"));
  assert_false(http_accepts(NULL, "gzip"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_slide_keys),
    cmocka_unit_test(test_accepts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

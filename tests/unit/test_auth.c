/*
** test_auth.c: unit tests of auth.c (cmocka), the pure parts: the password policy of the
** 等保 profile (length, 3 of 4 classes, no login name, no common password, UTF-8 and
** control characters, the 1024-byte cap), generated passwords, Argon2id hashing and
** verification, CSRF tokens, the role -> capability table (DESIGN.md section 2) and the
** separation-of-duties check, login-name syntax, and ISO time parsing.
** tests/cli/http.sh drives the same rules end to end through the real server.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "auth.h"

static const PwPolicy polDefault = {8, 3};

/* Asserts that zPw passes the default policy for user zUser. */
static void pw_ok(const char *zUser, const char *zPw) {
  char zWhy[200] = "";
  if (auth_password_policy_check(&polDefault, zUser, zPw, zWhy, sizeof zWhy))
    fail_msg("password \"%s\" refused: %s", zPw, zWhy);
}

/* Asserts that zPw is refused with a message containing zRule. */
static void pw_bad(const char *zUser, const char *zPw, const char *zRule) {
  char zWhy[200] = "";
  if (auth_password_policy_check(&polDefault, zUser, zPw, zWhy, sizeof zWhy) == 0)
    fail_msg("password \"%s\" accepted, expected refusal (%s)", zPw, zRule);
  if (!strstr(zWhy, zRule)) fail_msg("password \"%s\": message \"%s\" lacks \"%s\"", zPw, zWhy, zRule);
}

/* auth-1.1 length: at least 8 characters, counted in code points */
static void test_policy_length(void **state) {
  (void)state;
  pw_bad("rep_a", "Ab1!xyz", "at least 8 characters");
  pw_ok("rep_a", "Ab1!xyzq");
  /* 7 Chinese characters + a digit: 8 code points (22 bytes) but only 2 classes */
  pw_bad("rep_a", "衡阳考评中心站1", "kinds of character");
  /* 6 汉字 + "A1": 8 code points, other + upper + digit */
  pw_ok("rep_a", "衡阳考评中心A1");
  /* 4 汉字 + "A1" = 6 code points although 14 bytes */
  pw_bad("rep_a", "衡阳考评A1", "at least 8 characters");
}

/* auth-1.2 classes: 3 of lower, upper, digit, other */
static void test_policy_classes(void **state) {
  (void)state;
  pw_bad("rep_a", "abcdefghij", "kinds of character");
  pw_bad("rep_a", "abcdefgh12", "kinds of character");
  pw_bad("rep_a", "ABCDEFGH!!", "kinds of character");
  pw_ok("rep_a", "abcdefgH12");
  pw_ok("rep_a", "abcdefg!12");
  pw_ok("rep_a", "ABCDEFG!12");
  pw_ok("rep_a", "correct horse Battery");  /* lower, upper, space (other) */
  PwPolicy p4 = {8, 4};
  char zWhy[200];
  assert_int_equal(auth_password_policy_check(&p4, "x", "abcdefgH12", zWhy, sizeof zWhy), -1);
  assert_int_equal(auth_password_policy_check(&p4, "x", "abcdefgH1!", zWhy, sizeof zWhy), 0);
}

/* auth-1.3 the login name may not appear, in any case */
static void test_policy_username(void **state) {
  (void)state;
  pw_bad("rep_a", "rep_a2024X!", "login name");
  pw_bad("rep_a", "xxREP_Axx1!", "login name");
  pw_ok("ab", "ab-Xy12345"); /* names shorter than 3 are not checked (too many hits) */
}

/* auth-1.4 common passwords and common words dressed up */
static void test_policy_common(void **state) {
  (void)state;
  pw_bad("rep_a", "Passw0rd", "common");
  pw_bad("rep_a", "P@ssw0rd", "common");
  pw_bad("rep_a", "Password1!", "common");
  pw_bad("rep_a", "Passw0rd2024!", "common");
  pw_bad("rep_a", "Admin@123", "common");
  pw_bad("rep_a", "1qaz@WSX", "common");
  pw_bad("rep_a", "Qwerty123!", "common");
  pw_bad("rep_a", "Hengyang2021!", "common");
  pw_bad("rep_a", "Kaoping@2021", "common");
  pw_bad("rep_a", "W3lc0me!!", "common");
  pw_ok("rep_a", "Tr0ub4dor&3");
  pw_ok("rep_a", "Hengyang-Lake-7");  /* a word inside a longer phrase is fine */
}

/* auth-1.5 encoding, control characters and the byte cap */
static void test_policy_bytes(void **state) {
  (void)state;
  pw_bad("rep_a", "Abcdefg1\x01", "control character");
  pw_bad("rep_a", "Abcdefg1\x7f", "control character");
  pw_bad("rep_a", "Abcdefg1\xff", "UTF-8");
  pw_bad("rep_a", "Abcdefg1\xc0\xaf", "UTF-8"); /* overlong '/' */
  char *zLong = malloc(1100);
  memset(zLong, 'a', 1099);
  zLong[1099] = 0;
  zLong[0] = 'A';
  zLong[1] = '1';
  pw_bad("rep_a", zLong, "longer than 1024 bytes");
  zLong[1024] = 0; /* exactly 1024 bytes is allowed (ASVS: 64 and more) */
  pw_ok("rep_a", zLong);
  free(zLong);
}

/* auth-1.6 generated passwords satisfy the strictest policy and differ */
static void test_generate(void **state) {
  (void)state;
  PwPolicy p4 = {16, 4};
  char zA[17], zB[17], zWhy[200];
  for (int i = 0; i < 50; i++) {
    auth_password_generate("someone", zA);
    assert_int_equal(strlen(zA), 16);
    if (auth_password_policy_check(&p4, "someone", zA, zWhy, sizeof zWhy))
      fail_msg("generated \"%s\" refused: %s", zA, zWhy);
  }
  /* a three-letter login name (the demo's kpb) appears, ignoring case, in about one random
  ** 16-character password in 3,000 (14 places x (2 in 57 x 4/5)^3): 30,000 draws would
  ** find some 10 if the generator did not draw again (P(none) ~ e^-10) */
  for (int i = 0; i < 30000; i++) {
    auth_password_generate("kpb", zA);
    if (auth_password_policy_check(&p4, "kpb", zA, zWhy, sizeof zWhy))
      fail_msg("generated \"%s\" for kpb refused: %s", zA, zWhy);
  }
  auth_password_generate(NULL, zB);
  assert_string_not_equal(zA, zB);
}

/* auth-1.7 Argon2id: right password verifies, wrong does not, salts differ */
static void test_hash(void **state) {
  (void)state;
  char zH1[256], zH2[256];
  assert_int_equal(auth_password_hash("Abcdefg1!", zH1), 0);
  assert_int_equal(auth_password_hash("Abcdefg1!", zH2), 0);
  assert_true(strncmp(zH1, "$argon2id$", 10) == 0);
  assert_string_not_equal(zH1, zH2);
  assert_true(auth_password_verify(zH1, "Abcdefg1!"));
  assert_false(auth_password_verify(zH1, "Abcdefg1! ")); /* exactly as typed: no trimming */
  assert_false(auth_password_verify(zH1, "abcdefg1!"));
  assert_false(auth_password_verify("not a hash", "Abcdefg1!"));
}

/* auth-1.8 CSRF tokens: derived from the session token, checked in constant time */
static void test_csrf(void **state) {
  (void)state;
  const char *zTok = "rG6zSc7izihRK-b8YQxYM3RtLch4cX5EmisfU5vZ8bw";
  const char *zOther = "sG6zSc7izihRK-b8YQxYM3RtLch4cX5EmisfU5vZ8bw";
  char zA[AUTH_CSRF_CHARS + 1], zB[AUTH_CSRF_CHARS + 1];
  auth_csrf_token(zTok, zA);
  auth_csrf_token(zOther, zB);
  assert_int_equal(strlen(zA), AUTH_CSRF_CHARS);
  assert_string_not_equal(zA, zB);
  assert_true(auth_csrf_check(zTok, zA));
  assert_false(auth_csrf_check(zTok, zB));
  assert_false(auth_csrf_check(zTok, NULL));
  assert_false(auth_csrf_check(zTok, ""));
  assert_false(auth_csrf_check(NULL, zA));
  assert_null(strstr(zA, zTok)); /* the token is not in the CSRF token */
}

/* auth-1.9 roles -> capabilities, as DESIGN.md section 2 says */
static void test_roles(void **state) {
  (void)state;
  Caps aud = auth_role_caps(ROLE_BIT(ROLE_AUDITOR));
  assert_int_equal(aud, CAP_LOGIN | CAP_AUDIT_READ); /* "read the audit log; nothing else" */
  Caps sys = auth_role_caps(ROLE_BIT(ROLE_SYSADMIN));
  assert_true(sys & CAP_USER_CREATE);
  assert_false(sys & (CAP_ROLE_GRANT | CAP_REVIEW_READ | CAP_DATA_OWN_UNIT |
                      CAP_DATA_DEPARTMENT | CAP_REVIEW_PUBLISH | CAP_AUDIT_READ));
  Caps sec = auth_role_caps(ROLE_BIT(ROLE_SECADMIN));
  assert_true((sec & (CAP_ROLE_GRANT | CAP_USER_UNLOCK | CAP_POLICY)) ==
              (CAP_ROLE_GRANT | CAP_USER_UNLOCK | CAP_POLICY));
  assert_false(sec & (CAP_USER_CREATE | CAP_AUDIT_READ | CAP_REVIEW_READ));
  Caps rep = auth_role_caps(ROLE_BIT(ROLE_REPORTER));
  assert_true(rep & CAP_REVIEW_READ);
  assert_false(rep & (CAP_ALL_UNITS | CAP_REVIEW_DRAFT));
  Caps ldr = auth_role_caps(ROLE_BIT(ROLE_LEADER));
  assert_true((ldr & (CAP_REVIEW_DRAFT | CAP_ALL_UNITS | CAP_COMMENT)) ==
              (CAP_REVIEW_DRAFT | CAP_ALL_UNITS | CAP_COMMENT));
  assert_int_equal(auth_role_caps(0), CAP_LOGIN);
  for (int i = 0; i < ROLE_COUNT; i++) assert_int_equal(auth_role_find(auth_role_name(i)), i);
  assert_int_equal(auth_role_find("admin"), -1);
  assert_string_equal(auth_cap_name(CAP_AUDIT_READ), "audit_read");
  assert_string_equal(auth_cap_name(CAP_PUBLIC), "public");
}

/* auth-1.10 separation of duties (三员) */
static void test_roles_check(void **state) {
  (void)state;
  const char *zWhy;
  assert_int_equal(auth_roles_check(ROLE_BIT(ROLE_SYSADMIN) | ROLE_BIT(ROLE_AUDITOR), NULL, &zWhy), -1);
  assert_int_equal(auth_roles_check(ROLE_BIT(ROLE_SECADMIN) | ROLE_BIT(ROLE_SYSADMIN), NULL, &zWhy), -1);
  assert_int_equal(auth_roles_check(ROLE_BIT(ROLE_SYSADMIN) | ROLE_BIT(ROLE_ASSESSOR), NULL, &zWhy), -1);
  assert_non_null(strstr(zWhy, "business role"));
  assert_int_equal(auth_roles_check(ROLE_BIT(ROLE_REPORTER), NULL, &zWhy), -1);
  assert_non_null(strstr(zWhy, "unit"));
  assert_int_equal(auth_roles_check(ROLE_BIT(ROLE_REPORTER), "430421", &zWhy), 0);
  assert_int_equal(auth_roles_check(ROLE_BIT(ROLE_ASSESSOR) | ROLE_BIT(ROLE_LEADER), NULL, &zWhy), 0);
  assert_int_equal(auth_roles_check(ROLE_BIT(ROLE_AUDITOR), NULL, &zWhy), 0);
  assert_int_equal(auth_roles_check(0, NULL, &zWhy), 0);
}

/* auth-1.11 login names: lower-case ASCII, 2..32 */
static void test_names(void **state) {
  (void)state;
  assert_true(auth_name_valid("rep_a"));
  assert_true(auth_name_valid("zhang.san-2"));
  assert_false(auth_name_valid("REP_A"));
  assert_false(auth_name_valid("a"));
  assert_false(auth_name_valid("1abc"));
  assert_false(auth_name_valid("张三"));
  assert_false(auth_name_valid("a b"));
  assert_false(auth_name_valid("x\r\nadmin"));
  assert_false(auth_name_valid("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
  assert_true(auth_name_valid("abcdefghijklmnopqrstuvwxyz012345"));   /* 32 */
  assert_false(auth_name_valid(NULL));
}

/* auth-1.12 time: ISO 8601 UTC round trip; malformed is -1; KAOPING_NOW moves the clock */
static void test_time(void **state) {
  (void)state;
  assert_int_equal(auth_time_parse("1970-01-01T00:00:00Z"), 0);
  assert_int_equal(auth_time_parse("2021-03-05T09:14:27Z"), 1614935667);
  assert_int_equal(auth_time_parse("2021-03-05 09:14:27"), -1);
  assert_int_equal(auth_time_parse(NULL), -1);
  char z[32];
  auth_time_fmt(1614935667, z);
  assert_string_equal(z, "2021-03-05T09:14:27Z");
  setenv("KAOPING_NOW", "2021-03-05T09:14:27Z", 1);
  assert_int_equal(auth_now(), 1614935667);
  unsetenv("KAOPING_NOW");
  assert_true(auth_now() > 1614935667);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_policy_length), cmocka_unit_test(test_policy_classes),
    cmocka_unit_test(test_policy_username), cmocka_unit_test(test_policy_common),
    cmocka_unit_test(test_policy_bytes), cmocka_unit_test(test_generate),
    cmocka_unit_test(test_hash), cmocka_unit_test(test_csrf),
    cmocka_unit_test(test_roles), cmocka_unit_test(test_roles_check),
    cmocka_unit_test(test_names), cmocka_unit_test(test_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

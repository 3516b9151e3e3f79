/*
** test_wish.c: unit tests of wish.c (cmocka), the pure part of micro-wishes: the lifecycle
** table, categories, phone normalisation and masking, masking of numbers inside free text,
** tracking codes, the signed form token with its minimum fill time, the keyed contact hash
** (checked against Python's hashlib.blake2b, an independent implementation), the token
** bucket (worked by hand in the comments) and the rates.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "wish.h"

static void test_wish_lifecycle(void **state) {
  (void)state;
  const WishTransition *t = wish_transition(WISH_SUBMITTED, WISH_EV_CLAIM);
  assert_non_null(t);
  assert_int_equal(t->eTo, WISH_CLAIMED);
  assert_int_equal(t->eBy, WISH_BY_PARTY);
  t = wish_transition(WISH_DONE, WISH_EV_CONFIRM);
  assert_int_equal(t->eTo, WISH_CONFIRMED);
  assert_int_equal(t->eBy, WISH_BY_SUBMITTER);
  t = wish_transition(WISH_DONE, WISH_EV_DISPUTE);
  assert_int_equal(t->eTo, WISH_IN_PROGRESS);
  assert_int_equal(t->bNeedsNote, 1);
  /* refused pairs: confirm before completion, claim twice, anything after the end */
  assert_null(wish_transition(WISH_SUBMITTED, WISH_EV_CONFIRM));
  assert_null(wish_transition(WISH_IN_PROGRESS, WISH_EV_CONFIRM));
  assert_null(wish_transition(WISH_CLAIMED, WISH_EV_CLAIM));
  for (int e = 0; e < WISH_EV_COUNT; e++) {
    assert_null(wish_transition(WISH_CONFIRMED, (WishEvent)e));
    assert_null(wish_transition(WISH_REJECTED, (WishEvent)e));
  }
  /* every state but the two ends can be left; names round-trip */
  for (int s = 0; s < WISH_STATE_COUNT; s++) {
    assert_int_equal(wish_state_find(wish_state_name(s)), s);
    int bOut = 0;
    for (int i = 0; i < nWishTransition; i++) bOut |= aWishTransition[i].eFrom == (WishState)s;
    assert_int_equal(bOut, s != WISH_CONFIRMED && s != WISH_REJECTED);
  }
  for (int e = 0; e < WISH_EV_COUNT; e++) assert_int_equal(wish_event_find(wish_event_name(e)), e);
  assert_int_equal(wish_state_find("done!"), -1);
  assert_null(wish_state_name(WISH_STATE_COUNT));
}

static void test_wish_categories(void **state) {
  (void)state;
  const char *az[] = {"学位", "床位", "车位", "厕位", "就业", "养老", "其他"};
  for (int i = 0; i < 7; i++) assert_true(wish_category_valid(az[i]));
  assert_false(wish_category_valid("住房"));
  assert_false(wish_category_valid(""));
  assert_false(wish_category_valid(NULL));
}

static void test_wish_contact(void **state) {
  (void)state;
  char z[16], m[16];
  const char *zWhy = NULL;
  assert_int_equal(wish_contact_normalise("138 1234 1234", z, &zWhy), 0);
  assert_string_equal(z, "13812341234");
  wish_contact_mask(z, m);
  assert_string_equal(m, "138****1234");
  assert_int_equal(wish_contact_normalise("+86 199-0734-5678", z, &zWhy), 0);
  assert_string_equal(z, "19907345678");
  assert_int_equal(wish_contact_normalise("0734-8123456", z, &zWhy), 0);
  assert_string_equal(z, "07348123456");
  wish_contact_mask(z, m);
  assert_string_equal(m, "073****3456");
  assert_int_equal(wish_contact_normalise("12812341234", z, &zWhy), -1); /* 12x: no such mobile */
  assert_non_null(strstr(zWhy, "mobile"));
  assert_int_equal(wish_contact_normalise("1381234123", z, &zWhy), -1);  /* 10 digits */
  assert_int_equal(wish_contact_normalise("zhang@example.com", z, &zWhy), -1);
  assert_non_null(strstr(zWhy, "digits"));
  assert_int_equal(wish_contact_normalise("", z, &zWhy), -1);
  assert_int_equal(wish_contact_normalise("1234567890123456789012345", z, &zWhy), -1);
}

static void test_wish_mask_digits(void **state) {
  (void)state;
  struct { const char *zIn, *zOut; } a[] = {
    {"请联系13812341234谢谢", "请联系138****1234谢谢"},
    {"电话 138 1234 1234。", "电话 138****1234。"},
    {"座机0734-8123456", "座机073****3456"},
    {"\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
     "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94", "138****1234"}, /* full-width */
    {"302室, 2021年, 门牌 1-2-3", "302室, 2021年, 门牌 1-2-3"},   /* short runs stay */
    {"1234567", "1234567"}, /* 7 digits: the first 3 and last 4 kept leave nothing to star */
    {"", ""},
  };
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
    char *z = wish_mask_digits(a[i].zIn);
    assert_string_equal(z, a[i].zOut);
    free(z);
  }
  char *z = wish_mask_digits("12345678");
  assert_string_equal(z, "123*5678");
  free(z);
}

static void test_wish_code(void **state) {
  (void)state;
  /* the 16 five-bit groups 0, 1, ..., 15 packed into 10 bytes */
  const unsigned char a[10] = {0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54, 0xb6, 0x35, 0xcf};
  char z[WISH_CODE_CHARS + 1], n[17];
  wish_code_format(a, z);
  assert_string_equal(z, "0123-4567-89AB-CDEF");
  const unsigned char aMax[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  wish_code_format(aMax, z);
  assert_string_equal(z, "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
  assert_int_equal(wish_code_normalise("o123 4567-89ab-cdef", n), 0);
  assert_string_equal(n, "0123456789ABCDEF");
  assert_int_equal(wish_code_normalise("lI23-4567-89AB-CDEF", n), 0);
  assert_string_equal(n, "1123456789ABCDEF");
  assert_int_equal(wish_code_normalise("0123-4567-89AB-CDE", n), -1);   /* 15 */
  assert_int_equal(wish_code_normalise("0123-4567-89AB-CDEFG", n), -1); /* 17 */
  assert_int_equal(wish_code_normalise("0123-4567-89AB-CDEU", n), -1);  /* U not base32 */
}

static void test_wish_form_token(void **state) {
  (void)state;
  unsigned char k[WISH_KEY_BYTES], k2[WISH_KEY_BYTES], nonce[16];
  memset(k, 1, sizeof k);
  memset(k2, 2, sizeof k2);
  for (int i = 0; i < 16; i++) nonce[i] = (unsigned char)i;
  char zTok[WISH_FORM_TOKEN_CHARS + 1], zNonce[33];
  const char *zWhy = NULL;
  int nWait = -1;
  wish_form_token_make(k, 1000, nonce, zTok);
  assert_int_equal(strlen(zTok), WISH_FORM_TOKEN_CHARS);
  /* 2 s after issue with a 3 s minimum: refused, 1 s to wait */
  assert_int_equal(wish_form_token_check(k, zTok, 1002, 3, zNonce, &zWhy, &nWait), -1);
  assert_int_equal(nWait, 1);
  assert_non_null(strstr(zWhy, "too quickly"));
  assert_int_equal(wish_form_token_check(k, zTok, 1003, 3, zNonce, &zWhy, &nWait), 0);
  assert_string_equal(zNonce, "000102030405060708090a0b0c0d0e0f");
  assert_int_equal(wish_form_token_check(k, zTok, 1000 + WISH_FORM_MAX_AGE, 3, zNonce, &zWhy, &nWait), 0);
  assert_int_equal(wish_form_token_check(k, zTok, 1001 + WISH_FORM_MAX_AGE, 3, zNonce, &zWhy, &nWait), -1);
  assert_non_null(strstr(zWhy, "expired"));
  assert_int_equal(wish_form_token_check(k, zTok, 999, 0, zNonce, &zWhy, &nWait), -1); /* future */
  assert_int_equal(wish_form_token_check(k2, zTok, 1003, 3, zNonce, &zWhy, &nWait), -1);
  assert_non_null(strstr(zWhy, "not valid"));
  zTok[10] = zTok[10] == 'A' ? 'B' : 'A'; /* one character changed */
  assert_int_equal(wish_form_token_check(k, zTok, 1003, 3, zNonce, &zWhy, &nWait), -1);
  assert_int_equal(wish_form_token_check(k, "short", 1003, 3, zNonce, &zWhy, &nWait), -1);
  assert_non_null(strstr(zWhy, "malformed"));
  assert_int_equal(wish_form_token_check(k, NULL, 1003, 3, zNonce, &zWhy, &nWait), -1);
}

static void test_wish_contact_hash(void **state) {
  (void)state;
  unsigned char k[WISH_KEY_BYTES], k2[WISH_KEY_BYTES];
  memset(k, 1, sizeof k);
  memset(k2, 2, sizeof k2);
  char z[65], z2[65];
  /* python3: hashlib.blake2b(b'kaoping wish contact v1' + b'13812341234',
  **                          key=bytes([1]*32), digest_size=32).hexdigest() */
  wish_contact_hash(k, "13812341234", z);
  assert_string_equal(z, "ebbca78797a8247db30e8d6443b8616340e113be2968305aee9b451ead9481e3");
  wish_contact_hash(k2, "13812341234", z2);
  assert_string_not_equal(z, z2); /* another key, another hash: the key is the secret */
}

static void test_wish_bucket(void **state) {
  (void)state;
  WishBucket b = {0, 0};
  /* burst 3, 36 an hour = 0.01 token/s */
  assert_int_equal(wish_bucket_take(&b, 1000, 3, 36), 0); /* full: 3 -> 2 */
  assert_int_equal(wish_bucket_take(&b, 1000, 3, 36), 0); /* 1 */
  assert_int_equal(wish_bucket_take(&b, 1000, 3, 36), 0); /* 0 */
  assert_int_equal(wish_bucket_take(&b, 1000, 3, 36), 100); /* 1 token takes 100 s */
  assert_int_equal(wish_bucket_take(&b, 1050, 3, 36), 50);  /* 0.5 there: 50 s more */
  assert_int_equal(wish_bucket_take(&b, 1100, 3, 36), 0);   /* 1.0 there: taken */
  assert_int_equal(wish_bucket_take(&b, 1100, 3, 36), 100);
  assert_int_equal(wish_bucket_take(&b, 1000000, 3, 36), 0); /* long idle: capped at 3 */
  assert_int_equal(wish_bucket_take(&b, 1000000, 3, 36), 0);
  assert_int_equal(wish_bucket_take(&b, 1000000, 3, 36), 0);
  assert_int_equal(wish_bucket_take(&b, 1000000, 3, 36), 100);
  WishBucket c = {0, 0};
  assert_int_equal(wish_bucket_take(&c, 5, 1, 0), 0);
  assert_int_equal(wish_bucket_take(&c, 9999, 1, 0), 3600); /* no refill at all */
}

static void test_wish_rates(void **state) {
  (void)state;
  WishCounts c = {.nSubmitted = 8, .nDecided = 6, .nClaimed7 = 5, .nCompleted = 4,
                  .nConfirmed = 3, .nSatisfied = 2};
  assert_true(fabs(wish_rate_claim7(&c) - 500.0 / 6) < 1e-12);   /* 83.33 % */
  assert_true(wish_rate_completed(&c) == 50.0);                  /* 4 / 8 */
  assert_true(fabs(wish_rate_satisfied(&c) - 200.0 / 3) < 1e-12); /* 66.67 % */
  WishCounts z = {0};
  assert_true(isnan(wish_rate_claim7(&z)));
  assert_true(isnan(wish_rate_satisfied(&z)));
  assert_int_equal(wish_age_days(0, 86399), 0);
  assert_int_equal(wish_age_days(0, 86400 * 3 + 5), 3);
  assert_int_equal(wish_age_days(100, 50), 0);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wish_lifecycle),    cmocka_unit_test(test_wish_categories),
      cmocka_unit_test(test_wish_contact),      cmocka_unit_test(test_wish_mask_digits),
      cmocka_unit_test(test_wish_code),         cmocka_unit_test(test_wish_form_token),
      cmocka_unit_test(test_wish_contact_hash), cmocka_unit_test(test_wish_bucket),
      cmocka_unit_test(test_wish_rates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

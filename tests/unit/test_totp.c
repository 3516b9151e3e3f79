/*
** test_totp.c: unit tests of src/totp.c against the published vectors: RFC 6238 appendix B
** (TOTP, SHA-1, 8 digits, secret "12345678901234567890") and RFC 4226 appendix D (HOTP,
** 6 digits), RFC 4648 base32, and the replay / window rules of totp_verify; and seal.c,
** which encrypts the secrets at rest (round trip, fresh nonce, wrong key / record / altered
** text refused, the key derivation checked against an independent BLAKE2b computation).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "seal.h"
#include "totp.h"

static const uint8_t aKey[] = "12345678901234567890";
#define NKEY 20

/* totp-1.1: RFC 6238 appendix B, SHA-1 rows. */
static void test_rfc6238(void **state) {
  static const struct { int64_t t; uint32_t v; } a[] = {
    {59, 94287082},         {1111111109, 7081804}, {1111111111, 14050471},
    {1234567890, 89005924}, {2000000000, 69279037}, {20000000000LL, 65353130},
  };
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
    assert_int_equal(totp_hotp(aKey, NKEY, (uint64_t)totp_step(a[i].t), 8), a[i].v);
}

/* totp-1.2: RFC 4226 appendix D, counters 0..9, 6 digits. */
static void test_rfc4226(void **state) {
  static const uint32_t a[] = {755224, 287082, 359152, 969429, 338314,
                               254676, 287922, 162583, 399871, 520489};
  for (int i = 0; i < 10; i++) assert_int_equal(totp_hotp(aKey, NKEY, (uint64_t)i, 6), a[i]);
}

/* totp-1.3: base32 round trip and RFC 4648 section 10 vectors. */
static void test_base32(void **state) {
  char z[64];
  totp_base32_encode((const uint8_t *)"foobar", 6, z);
  assert_string_equal(z, "MZXW6YTBOI");
  totp_base32_encode(aKey, NKEY, z);
  assert_string_equal(z, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  uint8_t a[32];
  assert_int_equal(totp_base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", a, sizeof a), 20);
  assert_memory_equal(a, aKey, 20);
  assert_int_equal(totp_base32_decode("MZXW6YTBOI======", a, sizeof a), 6);
  assert_memory_equal(a, "foobar", 6);
  assert_int_equal(totp_base32_decode("AB1C", a, sizeof a), -1); /* 1 is not base32 */
  assert_int_equal(totp_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", a, 10), -1);
}

/* totp-1.4: window of one step either side, replay refused, malformed codes refused. */
static void test_verify(void **state) {
  int64_t t = 1111111111; /* step 37037037 */
  char z[8];
  snprintf(z, sizeof z, "%06u", totp_hotp(aKey, NKEY, 37037037, 6));
  assert_int_equal(totp_verify(aKey, NKEY, z, t, -1), 37037037);
  assert_int_equal(totp_verify(aKey, NKEY, z, t, 37037037), -1);      /* replay */
  assert_int_equal(totp_verify(aKey, NKEY, z, t + 30, -1), 37037037); /* one step late */
  assert_int_equal(totp_verify(aKey, NKEY, z, t - 30, -1), 37037037); /* one step early */
  assert_int_equal(totp_verify(aKey, NKEY, z, t + 60, -1), -1);       /* two steps late */
  snprintf(z, sizeof z, "%06u", totp_hotp(aKey, NKEY, 37037036, 6));
  assert_int_equal(totp_verify(aKey, NKEY, z, t, 37037037), -1);      /* older than last */
  assert_int_equal(totp_verify(aKey, NKEY, "12345", t, -1), -1);
  assert_int_equal(totp_verify(aKey, NKEY, "12345a", t, -1), -1);
  assert_int_equal(totp_verify(aKey, NKEY, "1234567", t, -1), -1);
  assert_int_equal(totp_verify(aKey, NKEY, NULL, t, -1), -1);
}

/* totp-1.5: the otpauth URI carries issuer, account and parameters, percent-encoded. */
static void test_uri(void **state) {
  char *z = totp_uri("kaoping", "a b", "ABC");
  assert_string_equal(z, "otpauth://totp/kaoping:a%20b?secret=ABC&issuer=kaoping&algorithm=SHA1"
                         "&digits=6&period=30");
  free(z);
}

/* totp-1.6: administrator address ranges (auth_cidr_match), IPv4 and IPv6. */
static void test_cidr(void **state) {
  assert_int_equal(auth_cidr_match("10.0.0.0/8", "10.200.3.4"), 1);
  assert_int_equal(auth_cidr_match("10.0.0.0/8", "11.0.0.1"), 0);
  assert_int_equal(auth_cidr_match("192.168.1.0/25", "192.168.1.127"), 1);
  assert_int_equal(auth_cidr_match("192.168.1.0/25", "192.168.1.128"), 0);
  assert_int_equal(auth_cidr_match("10.0.0.0/8, 127.0.0.1", "127.0.0.1"), 1);
  assert_int_equal(auth_cidr_match("127.0.0.1", "127.0.0.2"), 0);
  assert_int_equal(auth_cidr_match("10.0.0.0/8", "::ffff:10.1.2.3"), 1); /* mapped */
  assert_int_equal(auth_cidr_match("2001:db8::/32", "2001:db8:1::5"), 1);
  assert_int_equal(auth_cidr_match("2001:db8::/32", "2001:db9::5"), 0);
  assert_int_equal(auth_cidr_match("::1", "::1"), 1);
  assert_int_equal(auth_cidr_match("0.0.0.0/0", "8.8.8.8"), 1);
  assert_int_equal(auth_cidr_match("0.0.0.0/0", "2001:db8::1"), 0); /* IPv4 ranges only */
  assert_int_equal(auth_cidr_match("", "10.0.0.1"), 0);
  assert_int_equal(auth_cidr_match("10.0.0.0/33", "10.0.0.1"), -1);
  assert_int_equal(auth_cidr_match("10.0.0/8", "10.0.0.1"), -1);
  assert_int_equal(auth_cidr_match("10.0.0.0/8", "not-an-ip"), -1);
  assert_int_equal(auth_cidr_match("fe80::/10,", "fe80::1"), 1);
  const char *zWhy;
  assert_int_equal(auth_cidr_list_valid("10.0.0.0/8,::1/128", &zWhy), 0);
  assert_int_equal(auth_cidr_list_valid("10.0.0.0/8;x", &zWhy), -1);
}

/* The master key of the seal tests: bytes 0, 1, ..., 31. */
static void seal_master(uint8_t a[SEAL_KEY_BYTES]) {
  for (int i = 0; i < SEAL_KEY_BYTES; i++) a[i] = (uint8_t)i;
}

/* seal-1.1: round trip; a fresh random nonce per seal (same secret, different text). */
static void test_seal_roundtrip(void **state) {
  uint8_t k[SEAL_KEY_BYTES];
  seal_master(k);
  char *z1 = seal_text(k, 42, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  char *z2 = seal_text(k, 42, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  assert_true(seal_is_sealed(z1));
  assert_int_equal(strncmp(z1, "sb1:", 4), 0);
  /* 24 nonce + 16 MAC + 32 bytes = 72 bytes = 96 base64 characters, no padding */
  assert_int_equal(strlen(z1), 4 + 96);
  assert_null(strstr(z1, "GEZDGNBV"));
  assert_string_not_equal(z1, z2);
  assert_int_not_equal(memcmp(z1 + 4, z2 + 4, 32), 0); /* the nonces (first 24 bytes) differ */
  char *p1 = seal_open(k, 42, z1), *p2 = seal_open(k, 42, z2);
  assert_non_null(p1);
  assert_non_null(p2);
  assert_string_equal(p1, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  assert_string_equal(p2, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  free(p1);
  free(p2);
  free(z1);
  free(z2);
}

/* seal-1.2: the wrong key, the wrong record, an altered or cut text, plain text: NULL. */
static void test_seal_refuse(void **state) {
  uint8_t k[SEAL_KEY_BYTES], k2[SEAL_KEY_BYTES];
  seal_master(k);
  seal_master(k2);
  k2[31] ^= 1;
  char *z = seal_text(k, 42, "JBSWY3DPEHPK3PXP");
  assert_null(seal_open(k2, 42, z)); /* another key file */
  assert_null(seal_open(k, 43, z));  /* copied onto another account */
  char *zAlt = strdup(z);
  zAlt[60] = zAlt[60] == 'A' ? 'B' : 'A'; /* one ciphertext/MAC character changed */
  assert_null(seal_open(k, 42, zAlt));
  zAlt[60] = z[60];
  zAlt[40] = 0; /* cut short */
  assert_null(seal_open(k, 42, zAlt));
  assert_null(seal_open(k, 42, "sb1:"));
  assert_null(seal_open(k, 42, "sb1:!!!not-base64"));
  assert_null(seal_open(k, 42, "JBSWY3DPEHPK3PXP")); /* plain: not sealed */
  assert_false(seal_is_sealed("JBSWY3DPEHPK3PXP"));
  assert_false(seal_is_sealed(NULL));
  free(zAlt);
  free(z);
}

/* seal-1.3: the layout and key derivation, checked without seal.c: the record key is
** BLAKE2b-256(key = master, salt = id little-endian + 8 zero bytes, personal = "kptotp01" +
** 8 zero bytes), which is what crypto_kdf_derive_from_key computes; the values below came
** from Python's hashlib.blake2b. The text after "sb1:" is base64url(nonce || secretbox). */
static void test_seal_layout(void **state) {
  static const char *const azSub[] = {
    "f17a6c689321b8c7e5ddcee937798e259f98354ca9a55fcead40cc631f7befb9", /* id 42 */
    "37cda7c368774f85fddd5c51ddc3d500365256e884e127e7b2bc490765b44a98", /* id 43 */
  };
  uint8_t k[SEAL_KEY_BYTES];
  seal_master(k);
  for (int i = 0; i < 2; i++) {
    uint8_t aSub[32];
    size_t nSub = 0;
    assert_int_equal(sodium_hex2bin(aSub, sizeof aSub, azSub[i], 64, NULL, &nSub, NULL), 0);
    char *z = seal_text(k, 42 + i, "JBSWY3DPEHPK3PXP");
    uint8_t aBox[128], aPlain[64];
    size_t nBox = 0;
    assert_int_equal(sodium_base642bin(aBox, sizeof aBox, z + 4, strlen(z + 4), NULL, &nBox, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
    assert_int_equal(nBox, 24 + 16 + 16);
    assert_int_equal(crypto_secretbox_open_easy(aPlain, aBox + 24, nBox - 24, aBox, aSub), 0);
    assert_memory_equal(aPlain, "JBSWY3DPEHPK3PXP", 16);
    free(z);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rfc6238), cmocka_unit_test(test_rfc4226),
    cmocka_unit_test(test_base32),  cmocka_unit_test(test_verify),
    cmocka_unit_test(test_uri),    cmocka_unit_test(test_cidr),
    cmocka_unit_test(test_seal_roundtrip), cmocka_unit_test(test_seal_refuse),
    cmocka_unit_test(test_seal_layout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

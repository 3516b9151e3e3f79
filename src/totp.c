/*
** totp.c: HOTP/TOTP codes (RFC 4226, RFC 6238), base32 and the otpauth:// URI of totp.h.
**
** HMAC-SHA-1 comes from glib (GHmac, G_CHECKSUM_SHA1), already linked through pango:
** libsodium offers no SHA-1, and a hand-written SHA-1 would be one more thing to get
** wrong. SHA-1 is what every authenticator app supports by default; HMAC-SHA-1 is not
** affected by SHA-1's collision weakness.
**
** Replay: totp_verify never accepts a step at or before iLastStep, so the caller that
** stores the accepted step makes every code single-use (and refuses older codes too).
** Tested with the RFC 6238 appendix B vectors (tests/unit/test_totp.c).
*/
#include "totp.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "util/mem.h"

uint32_t totp_hotp(const uint8_t *k, size_t n, uint64_t c, int nDigits) {
  uint8_t aMsg[8];
  for (int i = 7; i >= 0; i--) {
    aMsg[i] = (uint8_t)(c & 0xff);
    c >>= 8;
  }
  GHmac *h = g_hmac_new(G_CHECKSUM_SHA1, k, n);
  g_hmac_update(h, aMsg, sizeof aMsg);
  uint8_t aMac[20];
  gsize nMac = sizeof aMac;
  g_hmac_get_digest(h, aMac, &nMac);
  g_hmac_unref(h);
  int iOff = aMac[19] & 0x0f; /* dynamic truncation, RFC 4226 5.3 */
  uint32_t v = ((uint32_t)(aMac[iOff] & 0x7f) << 24) | ((uint32_t)aMac[iOff + 1] << 16) |
               ((uint32_t)aMac[iOff + 2] << 8) | (uint32_t)aMac[iOff + 3];
  sodium_memzero(aMac, sizeof aMac);
  uint32_t mod = 1;
  for (int i = 0; i < nDigits; i++) mod *= 10;
  return v % mod;
}

int64_t totp_step(int64_t t) {
  return t < 0 ? -1 : t / TOTP_STEP;
}

int64_t totp_verify(const uint8_t *k, size_t n, const char *zCode, int64_t t, int64_t iLastStep) {
  if (!zCode || strlen(zCode) != TOTP_DIGITS) return -1;
  for (int i = 0; i < TOTP_DIGITS; i++)
    if (zCode[i] < '0' || zCode[i] > '9') return -1;
  int64_t iNow = totp_step(t), iFound = -1;
  for (int64_t s = iNow - TOTP_WINDOW; s <= iNow + TOTP_WINDOW; s++) {
    if (s < 0) continue;
    char zWant[16];
    snprintf(zWant, sizeof zWant, "%0*u", TOTP_DIGITS, totp_hotp(k, n, (uint64_t)s, TOTP_DIGITS));
    /* every step is computed and compared, matched or not (no early exit on a match) */
    int bEq = sodium_memcmp(zWant, zCode, TOTP_DIGITS) == 0;
    if (bEq && s > iLastStep && iFound < 0) iFound = s;
  }
  return iFound;
}

static const char zB32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void totp_base32_encode(const uint8_t *a, size_t n, char *zOut) {
  size_t j = 0;
  uint32_t acc = 0;
  int nBits = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8) | a[i];
    nBits += 8;
    while (nBits >= 5) {
      zOut[j++] = zB32[(acc >> (nBits - 5)) & 31];
      nBits -= 5;
    }
  }
  if (nBits > 0) zOut[j++] = zB32[(acc << (5 - nBits)) & 31];
  zOut[j] = 0;
}

int totp_base32_decode(const char *z, uint8_t *a, size_t nMax) {
  uint32_t acc = 0;
  int nBits = 0;
  size_t n = 0;
  for (; *z; z++) {
    char c = *z;
    if (c == ' ' || c == '=' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    const char *p = strchr(zB32, c);
    if (!p || !c) return -1;
    acc = (acc << 5) | (uint32_t)(p - zB32);
    nBits += 5;
    if (nBits >= 8) {
      if (n >= nMax) return -1;
      a[n++] = (uint8_t)((acc >> (nBits - 8)) & 0xff);
      nBits -= 8;
    }
  }
  return (int)n;
}

/* Percent-encodes z (unreserved characters kept) onto b. */
static void totp_urlencode(Buf *b, const char *z) {
  for (const unsigned char *p = (const unsigned char *)z; *p; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
        *p == '-' || *p == '.' || *p == '_' || *p == '~')
      buf_putc(b, (char)*p);
    else
      buf_printf(b, "%%%02X", *p);
  }
}

char *totp_uri(const char *zIssuer, const char *zAccount, const char *zBase32) {
  Buf b = BUF_INIT;
  buf_puts(&b, "otpauth://totp/");
  totp_urlencode(&b, zIssuer);
  buf_putc(&b, ':');
  totp_urlencode(&b, zAccount);
  buf_printf(&b, "?secret=%s&issuer=", zBase32);
  totp_urlencode(&b, zIssuer);
  buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP);
  return buf_detach(&b);
}

/*
** totp.h: one-time passwords for the second login factor: HOTP (RFC 4226) and TOTP
** (RFC 6238) with HMAC-SHA-1, 6 digits, 30-second steps, and the base32 text (RFC 4648)
** and otpauth:// URI that authenticator apps read. Pure functions: no database, no clock
** of their own (the caller passes the time), so the RFC test vectors run as unit tests.
**
** Not here: which accounts need a second factor, storing the secret, refusing a replayed
** code (auth.c keeps the last accepted time step per account), the HTTP routes (http/api.c).
*/
#ifndef KP_TOTP_H
#define KP_TOTP_H
#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_BYTES 20 /* 160-bit secrets, as RFC 4226 recommends */
#define TOTP_STEP 30         /* seconds per time step */
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1        /* steps accepted either side of the current one */

/* HOTP value of counter c under key k (n bytes), truncated to nDigits (6..8).
** Uses glib's GHmac (SHA-1), since libsodium has no SHA-1. */
uint32_t totp_hotp(const uint8_t *k, size_t n, uint64_t c, int nDigits);

/* The time step of t (Unix seconds): floor(t / TOTP_STEP). */
int64_t totp_step(int64_t t);

/* Checks a presented code (exactly TOTP_DIGITS ASCII digits) against the steps
** step(t)-TOTP_WINDOW .. step(t)+TOTP_WINDOW, skipping every step <= iLastStep (a code
** already used, or an older one: replay). Compares in constant time. Returns the matched
** step (>= 0), or -1. */
int64_t totp_verify(const uint8_t *k, size_t n, const char *zCode, int64_t t, int64_t iLastStep);

/* Base32 (RFC 4648 alphabet, no padding) of n bytes into zOut (>= (n*8+4)/5 + 1 bytes). */
void totp_base32_encode(const uint8_t *a, size_t n, char *zOut);
/* Decodes base32 (upper or lower case, spaces and '=' ignored) into a (nMax bytes).
** Returns the byte count, or -1 on a bad character or overflow. */
int totp_base32_decode(const char *z, uint8_t *a, size_t nMax);

/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
** (malloc'd). Issuer and account are percent-encoded. */
char *totp_uri(const char *zIssuer, const char *zAccount, const char *zBase32);

#endif

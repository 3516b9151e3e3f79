/*
** wish.c: micro-wishes (微心愿), the pure part: the lifecycle table, validation, masking,
** tracking codes, form tokens, the token bucket and the rates. No I/O (wish.h says why each
** piece exists; wish_store.c stores and audits). libsodium is used for BLAKE2b and base64,
** which are pure functions of their inputs; randomness comes from the caller.
*/
#include "wish.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* ---- lifecycle ------------------------------------------------------------------------ */

static const char *const azWishState[WISH_STATE_COUNT] = {
  "submitted", "claimed", "in_progress", "done", "confirmed", "rejected"};
static const char *const azWishEvent[WISH_EV_COUNT] = {
  "claim", "progress", "complete", "release", "confirm", "dispute", "reject"};

/* The whole lifecycle: a (state, event) pair not listed here is refused. */
const WishTransition aWishTransition[] = {
  {WISH_SUBMITTED, WISH_EV_CLAIM, WISH_CLAIMED, WISH_BY_PARTY, 0},
  {WISH_SUBMITTED, WISH_EV_REJECT, WISH_REJECTED, WISH_BY_MODERATOR, 1},
  {WISH_CLAIMED, WISH_EV_PROGRESS, WISH_IN_PROGRESS, WISH_BY_CLAIMER, 1},
  {WISH_CLAIMED, WISH_EV_COMPLETE, WISH_DONE, WISH_BY_CLAIMER, 1},
  {WISH_CLAIMED, WISH_EV_RELEASE, WISH_SUBMITTED, WISH_BY_CLAIMER, 1},
  {WISH_IN_PROGRESS, WISH_EV_PROGRESS, WISH_IN_PROGRESS, WISH_BY_CLAIMER, 1},
  {WISH_IN_PROGRESS, WISH_EV_COMPLETE, WISH_DONE, WISH_BY_CLAIMER, 1},
  {WISH_IN_PROGRESS, WISH_EV_RELEASE, WISH_SUBMITTED, WISH_BY_CLAIMER, 1},
  {WISH_DONE, WISH_EV_CONFIRM, WISH_CONFIRMED, WISH_BY_SUBMITTER, 0},
  {WISH_DONE, WISH_EV_DISPUTE, WISH_IN_PROGRESS, WISH_BY_SUBMITTER, 1},
};
const int nWishTransition = (int)(sizeof aWishTransition / sizeof aWishTransition[0]);

const char *wish_state_name(int e) {
  return e >= 0 && e < WISH_STATE_COUNT ? azWishState[e] : NULL;
}

int wish_state_find(const char *z) {
  for (int i = 0; z && i < WISH_STATE_COUNT; i++)
    if (strcmp(z, azWishState[i]) == 0) return i;
  return -1;
}

const char *wish_event_name(int e) {
  return e >= 0 && e < WISH_EV_COUNT ? azWishEvent[e] : NULL;
}

int wish_event_find(const char *z) {
  for (int i = 0; z && i < WISH_EV_COUNT; i++)
    if (strcmp(z, azWishEvent[i]) == 0) return i;
  return -1;
}

const WishTransition *wish_transition(WishState eFrom, WishEvent eEvent) {
  for (int i = 0; i < nWishTransition; i++)
    if (aWishTransition[i].eFrom == eFrom && aWishTransition[i].eEvent == eEvent)
      return &aWishTransition[i];
  return NULL;
}

/* ---- categories and contacts ------------------------------------------------------------ */

const char *const azWishCategory[] = {"学位", "床位", "车位", "厕位", "就业", "养老", "其他", NULL};

int wish_category_valid(const char *z) {
  for (int i = 0; z && azWishCategory[i]; i++)
    if (strcmp(z, azWishCategory[i]) == 0) return 1;
  return 0;
}

int wish_contact_normalise(const char *zIn, char *zOut, const char **pzWhy) {
  char z[24];
  size_t n = 0;
  if (!zIn || !*zIn) {
    *pzWhy = "a contact phone number is required";
    return -1;
  }
  const char *p = zIn;
  if (*p == '+') p++;
  for (; *p; p++) {
    if (*p == ' ' || *p == '-') continue;
    if (*p < '0' || *p > '9') {
      *pzWhy = "the contact must be a phone number: digits, spaces and hyphens only";
      return -1;
    }
    if (n >= sizeof z - 1) {
      *pzWhy = "the contact is too long for a phone number";
      return -1;
    }
    z[n++] = *p;
  }
  z[n] = 0;
  const char *d = z;
  if (n == 13 && strncmp(z, "86", 2) == 0) { /* +86 13812341234 */
    d += 2;
    n -= 2;
  }
  if (n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9') {
    memcpy(zOut, d, n + 1);
    return 0;
  }
  if (d[0] == '0' && n >= 10 && n <= 12) { /* 0734-1234567, 010-12345678 */
    memcpy(zOut, d, n + 1);
    return 0;
  }
  *pzWhy = "the contact must be a mainland mobile number (11 digits starting 13-19) or a "
           "landline with its area code (0734-1234567)";
  return -1;
}

void wish_contact_mask(const char *zDigits, char *zOut) {
  size_t n = strlen(zDigits);
  if (n < 8) { /* not a normalised number: show nothing of it */
    strcpy(zOut, "****");
    return;
  }
  size_t j = 0;
  for (size_t i = 0; i < n && j < 15; i++) zOut[j++] = (i < 3 || i >= n - 4) ? zDigits[i] : '*';
  zOut[j] = 0;
}

/* Length in bytes of the digit at z (1 for ASCII, 3 for a full-width U+FF10..FF19), with
** its value in *pd; 0 when z is not a digit. */
static int wish_digit_at(const char *z, char *pd) {
  unsigned char c = (unsigned char)z[0];
  if (c >= '0' && c <= '9') {
    *pd = (char)c;
    return 1;
  }
  if (c == 0xEF && (unsigned char)z[1] == 0xBC && (unsigned char)z[2] >= 0x90 &&
      (unsigned char)z[2] <= 0x99) {
    *pd = (char)('0' + ((unsigned char)z[2] - 0x90));
    return 3;
  }
  return 0;
}

char *wish_mask_digits(const char *z) {
  Buf out = BUF_INIT;
  size_t i = 0, n = strlen(z);
  while (i < n) {
    char d;
    int k = wish_digit_at(z + i, &d);
    if (!k) {
      buf_putc(&out, z[i]);
      i++;
      continue;
    }
    /* a run: digits, with single spaces or hyphens between them */
    char aDig[64];
    int nDig = 0, nAll = 0;
    size_t j = i, jEnd = i;
    for (;;) {
      int kk = wish_digit_at(z + j, &d);
      if (kk) {
        if (nDig < (int)sizeof aDig) aDig[nDig++] = d;
        nAll++;
        j += (size_t)kk;
        jEnd = j;
        continue;
      }
      char d2;
      if ((z[j] == ' ' || z[j] == '-') && wish_digit_at(z + j + 1, &d2)) {
        j++;
        continue;
      }
      break;
    }
    if (nAll >= 7) {
      for (int t = 0; t < nDig; t++) buf_putc(&out, (t < 3 || t >= nDig - 4) ? aDig[t] : '*');
    } else {
      buf_append(&out, z + i, jEnd - i);
    }
    i = jEnd;
  }
  return buf_detach(&out);
}

/* ---- tracking codes ----------------------------------------------------------------------- */

static const char zCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void wish_code_format(const unsigned char aRand[10], char *zOut) {
  /* 80 bits, 5 at a time, most significant first */
  int j = 0;
  for (int i = 0; i < 16; i++) {
    int bit = i * 5, v = 0;
    for (int b = 0; b < 5; b++) {
      int k = bit + b;
      v = (v << 1) | ((aRand[k / 8] >> (7 - k % 8)) & 1);
    }
    if (i && i % 4 == 0) zOut[j++] = '-';
    zOut[j++] = zCrockford[v];
  }
  zOut[j] = 0;
}

int wish_code_normalise(const char *zIn, char *zOut) {
  int n = 0;
  for (const char *p = zIn; p && *p; p++) {
    char c = *p;
    if (c == ' ' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (!strchr(zCrockford, c) || c == 0 || n >= 16) return -1;
    zOut[n++] = c;
  }
  zOut[n] = 0;
  return n == 16 ? 0 : -1;
}

/* ---- form tokens and the contact hash ------------------------------------------------------ */

/* MAC over (context, issued time, nonce): the key is shared with the contact hash, so the
** context string keeps the two uses apart. */
static void wish_form_mac(const unsigned char aKey[WISH_KEY_BYTES], const unsigned char *aBody,
                          unsigned char aMac[16]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, aKey, WISH_KEY_BYTES, 16);
  crypto_generichash_update(&st, (const unsigned char *)"kaoping wish form v1", 20);
  crypto_generichash_update(&st, aBody, 24);
  crypto_generichash_final(&st, aMac, 16);
}

void wish_form_token_make(const unsigned char aKey[WISH_KEY_BYTES], int64_t tNow,
                          const unsigned char aNonce[16], char *zOut) {
  unsigned char a[40];
  uint64_t t = (uint64_t)tNow;
  for (int i = 0; i < 8; i++) a[i] = (unsigned char)(t >> (56 - 8 * i));
  memcpy(a + 8, aNonce, 16);
  wish_form_mac(aKey, a, a + 24);
  sodium_bin2base64(zOut, WISH_FORM_TOKEN_CHARS + 1, a, sizeof a,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int wish_form_token_check(const unsigned char aKey[WISH_KEY_BYTES], const char *zToken,
                          int64_t tNow, int nMinFill, char *zNonceHex, const char **pzWhy,
                          int *pnWait) {
  unsigned char a[40], aMac[16];
  size_t n = 0;
  *pnWait = 0;
  if (!zToken || strlen(zToken) != WISH_FORM_TOKEN_CHARS ||
      sodium_base642bin(a, sizeof a, zToken, strlen(zToken), NULL, &n, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || n != sizeof a) {
    *pzWhy = "the form token is missing or malformed: reload the form";
    return -1;
  }
  wish_form_mac(aKey, a, aMac);
  if (sodium_memcmp(aMac, a + 24, 16) != 0) {
    *pzWhy = "the form token is not valid: reload the form";
    return -1;
  }
  uint64_t t = 0;
  for (int i = 0; i < 8; i++) t = (t << 8) | a[i];
  int64_t tIssued = (int64_t)t, nAge = tNow - tIssued;
  if (nAge < 0 || nAge > WISH_FORM_MAX_AGE) {
    *pzWhy = "the form has expired: reload it";
    return -1;
  }
  if (nAge < nMinFill) {
    *pzWhy = "the form was sent too quickly after it was opened";
    *pnWait = (int)(nMinFill - nAge);
    return -1;
  }
  sodium_bin2hex(zNonceHex, 33, a + 8, 16);
  return 0;
}

void wish_contact_hash(const unsigned char aKey[WISH_KEY_BYTES], const char *zDigits, char *zOut) {
  unsigned char h[32];
  crypto_generichash_state st;
  crypto_generichash_init(&st, aKey, WISH_KEY_BYTES, sizeof h);
  crypto_generichash_update(&st, (const unsigned char *)"kaoping wish contact v1", 23);
  crypto_generichash_update(&st, (const unsigned char *)zDigits, strlen(zDigits));
  crypto_generichash_final(&st, h, sizeof h);
  sodium_bin2hex(zOut, 65, h, sizeof h);
}

/* ---- token bucket --------------------------------------------------------------------------- */

int wish_bucket_take(WishBucket *p, double rNow, int nBurst, int nPerHour) {
  if (nBurst < 1) nBurst = 1;
  double rRate = nPerHour > 0 ? nPerHour / 3600.0 : 0; /* tokens per second */
  if (p->rLast == 0) {
    p->rTokens = nBurst;
  } else if (rNow > p->rLast) {
    p->rTokens += (rNow - p->rLast) * rRate;
    if (p->rTokens > nBurst) p->rTokens = nBurst;
  }
  if (rNow > p->rLast) p->rLast = rNow;
  if (p->rTokens >= 1.0) {
    p->rTokens -= 1.0;
    return 0;
  }
  if (rRate <= 0) return 3600;
  int nWait = (int)ceil((1.0 - p->rTokens) / rRate);
  return nWait < 1 ? 1 : nWait;
}

/* ---- age and rates ---------------------------------------------------------------------------- */

int wish_age_days(int64_t tFrom, int64_t tNow) {
  return tNow > tFrom ? (int)((tNow - tFrom) / 86400) : 0;
}

static double wish_pct(int a, int b) {
  return b > 0 ? 100.0 * a / b : NAN;
}

double wish_rate_claim7(const WishCounts *c) { return wish_pct(c->nClaimed7, c->nDecided); }
double wish_rate_completed(const WishCounts *c) { return wish_pct(c->nCompleted, c->nSubmitted); }
double wish_rate_satisfied(const WishCounts *c) { return wish_pct(c->nSatisfied, c->nConfirmed); }

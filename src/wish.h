/*
** wish.h: micro-wishes (微心愿), the pure part. Pure C, no I/O: the lifecycle as a data
** table, validation of what a citizen types (category, contact), masking, tracking codes,
** the signed form token that slows scripted floods, the per-address token bucket, the age of
** a wish and the per-unit rates that feed indicators. wish_store.c does the storage, the
** audit and the verbs; http/api_wish.c the routes.
**
** NOTES ON THE DESIGN
**
** Lifecycle (aWishTransition in wish.c is the whole of it; nothing else moves a state):
**
**     submitted --claim--> claimed --progress--> in_progress --progress--> in_progress
**        |   ^                |  \                  |   \
**        |   +----release-----+   +---complete---+  |    +--release--> submitted
**        |                                       v  v
**      reject (leader: spam, abuse)             done --confirm (tracking code, rating 1-5)--> confirmed
**        v                                       |
**     rejected                                   +--dispute (tracking code, reason)--> in_progress
**
**   who may fire an event: WISH_BY_PARTY (any party member: claim), WISH_BY_CLAIMER (the
**   party member holding it: progress, complete, release), WISH_BY_SUBMITTER (whoever holds
**   the tracking code: confirm, dispute), WISH_BY_MODERATOR (a leader: reject).
**
** Personal data (个人信息保护法 第六条 minimum scope; security.md 1.30, 1.36, 1.37): the contact
** (a phone number) is stored only as a keyed BLAKE2b hash (the key is a file beside the
** database, so a copy of the database alone cannot be brute-forced over the ~10^10 phone
** numbers) plus a masked form 138****1234. The raw number is never stored, logged or
** returned. Free text shown publicly has long digit runs masked (wish_mask_digits), since
** citizens write their number into the wish itself.
**
** Flood protection, without a third party (no CAPTCHA service):
**  1. a per-address token bucket (wish_bucket_take): burst B, refill R per hour; an empty
**     bucket answers 429 with Retry-After;
**  2. a signed form token (wish_form_token_make/check): GET /api/wishes/form hands out
**     base64url(issued_at || nonce || MAC) with MAC = keyed BLAKE2b over both; a submission
**     must carry a token whose MAC verifies, that is at least min_fill seconds old (a person
**     takes that long to fill the form; a script posting at once is refused) and at most
**     WISH_FORM_MAX_AGE old; each token works once (wish.form_nonce is UNIQUE). A script can
**     still wait, but then the bucket bounds it to B + R per hour per address.
**  3. at most WISH_OPEN_PER_CONTACT open wishes per contact hash.
**
** Not here: SQL, the key file, HTTP.
*/
#ifndef KP_WISH_H
#define KP_WISH_H
#include <stddef.h>
#include <stdint.h>

/* ---- lifecycle ---------------------------------------------------------------------- */

typedef enum {
  WISH_SUBMITTED = 0, WISH_CLAIMED, WISH_IN_PROGRESS, WISH_DONE, WISH_CONFIRMED,
  WISH_REJECTED, WISH_STATE_COUNT
} WishState;

typedef enum {
  WISH_EV_CLAIM = 0, WISH_EV_PROGRESS, WISH_EV_COMPLETE, WISH_EV_RELEASE, WISH_EV_CONFIRM,
  WISH_EV_DISPUTE, WISH_EV_REJECT, WISH_EV_COUNT
} WishEvent;

typedef enum { WISH_BY_PARTY = 1, WISH_BY_CLAIMER, WISH_BY_SUBMITTER, WISH_BY_MODERATOR } WishActor;

typedef struct WishTransition {
  WishState eFrom;
  WishEvent eEvent;
  WishState eTo;
  WishActor eBy;
  int bNeedsNote;  /* progress text, proof, dispute or reject reason required */
} WishTransition;

extern const WishTransition aWishTransition[];
extern const int nWishTransition;

const char *wish_state_name(int e);   /* "submitted" ...; NULL when out of range */
int wish_state_find(const char *z);   /* WishState or -1 */
const char *wish_event_name(int e);   /* "claim" ... */
int wish_event_find(const char *z);   /* WishEvent or -1 */
/* The transition for (state, event), or NULL when the event is not allowed in that state. */
const WishTransition *wish_transition(WishState eFrom, WishEvent eEvent);

/* ---- what a citizen types ------------------------------------------------------------- */

#define WISH_TEXT_MAX 1000       /* bytes */
#define WISH_PLACE_MAX 200
#define WISH_NOTE_MAX 2000
#define WISH_FORM_MAX_AGE 7200   /* seconds a form token lives */
#define WISH_OPEN_PER_CONTACT 5  /* open wishes one contact may have */
#define WISH_CLAIM_DAYS 7        /* 认领率 counts claims within this many days */

/* Is z one of the seven categories (学位 床位 车位 厕位 就业 养老 其他)? */
int wish_category_valid(const char *z);
extern const char *const azWishCategory[];  /* NULL-terminated */

/* Normalises a phone number: mainland mobile (1[3-9] + 9 digits, optional +86/86 prefix)
** or landline (0 + area code 2-3 digits + 7-8 digits); spaces and hyphens are ignored.
** Writes the digits into zOut (>= 16 bytes). 0, or -1 with a static reason in *pzWhy. */
int wish_contact_normalise(const char *zIn, char *zOut, const char **pzWhy);
/* Masks normalised digits: the first 3 and last 4 kept, the rest '*' (13812341234 ->
** 138****1234). zOut >= 16 bytes. */
void wish_contact_mask(const char *zDigits, char *zOut);
/* Copy of z (malloc'd) with every run of 7 or more ASCII or full-width digits (spaces and
** hyphens inside the run allowed) replaced by the masked form of the run: a phone number
** written into a wish's text is not shown on public pages. */
char *wish_mask_digits(const char *z);

/* ---- tracking code ---------------------------------------------------------------------- */

#define WISH_CODE_CHARS 19  /* XXXX-XXXX-XXXX-XXXX: 16 Crockford base32 characters, 80 bits */

/* Formats 10 random bytes as a tracking code into zOut (>= WISH_CODE_CHARS + 1). */
void wish_code_format(const unsigned char aRand[10], char *zOut);
/* Normalises a typed code: upper case, spaces and hyphens dropped, O->0, I/L->1. Writes the
** 16 characters into zOut (>= 17). 0, or -1 when it is not 16 base32 characters. */
int wish_code_normalise(const char *zIn, char *zOut);

/* ---- form token ----------------------------------------------------------------------- */

#define WISH_KEY_BYTES 32
#define WISH_FORM_TOKEN_CHARS 54  /* base64url (no padding) of 8 + 16 + 16 bytes = 40 */

/* Makes a token for time tNow with the given 16-byte nonce, MAC'd under aKey. zOut >=
** WISH_FORM_TOKEN_CHARS + 1. */
void wish_form_token_make(const unsigned char aKey[WISH_KEY_BYTES], int64_t tNow,
                          const unsigned char aNonce[16], char *zOut);
/* Checks a presented token at time tNow: MAC, age in [nMinFill, WISH_FORM_MAX_AGE]. On
** success writes the nonce as 32 hex characters into zNonceHex (>= 33) and returns 0;
** else -1 with a static reason in *pzWhy, and *pnWait = seconds until it would be old
** enough (0 when waiting does not help). */
int wish_form_token_check(const unsigned char aKey[WISH_KEY_BYTES], const char *zToken,
                          int64_t tNow, int nMinFill, char *zNonceHex, const char **pzWhy,
                          int *pnWait);

/* Keyed BLAKE2b-256 of normalised contact digits, as 64 hex characters (zOut >= 65). */
void wish_contact_hash(const unsigned char aKey[WISH_KEY_BYTES], const char *zDigits, char *zOut);

/* ---- token bucket ---------------------------------------------------------------------- */

typedef struct WishBucket {
  double rTokens;  /* tokens left */
  double rLast;    /* time of the last update, seconds (may be fractional) */
} WishBucket;

/* Refills the bucket for time rNow (nPerHour tokens an hour, at most nBurst), then takes one
** token. A fresh bucket (rLast == 0) starts full. Returns 0 when a token was taken, else the
** whole seconds until one will be there (>= 1): the Retry-After. */
int wish_bucket_take(WishBucket *p, double rNow, int nBurst, int nPerHour);

/* ---- age and rates ----------------------------------------------------------------------- */

/* Whole days from tFrom to tNow (Unix seconds), never negative. */
int wish_age_days(int64_t tFrom, int64_t tNow);

/* Per-unit figures of one period (wish_store.c counts them). */
typedef struct WishCounts {
  int nSubmitted;    /* submitted in the period, not rejected */
  int nDecided;      /* of those: claimed, or unclaimed and at least 7 days old (the
                     ** denominator of the 7-day claim rate: a younger unclaimed wish is
                     ** still pending and counts neither way) */
  int nClaimed7;     /* of those: first claimed within WISH_CLAIM_DAYS of submission */
  int nCompleted;    /* of the submitted: done or confirmed */
  int nConfirmed;    /* confirmed (with a rating) in the period */
  int nSatisfied;    /* of the confirmed: rating 4 or 5 */
} WishCounts;

/* Rates in percent; NaN when the denominator is 0 (reported missing: the scheme's
** missing-data policy applies). claim7 = nClaimed7/nDecided, completed =
** nCompleted/nSubmitted, satisfied = nSatisfied/nConfirmed. */
double wish_rate_claim7(const WishCounts *c);
double wish_rate_completed(const WishCounts *c);
double wish_rate_satisfied(const WishCounts *c);

#endif

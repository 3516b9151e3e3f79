/*
** wish_store.h: micro-wishes (微心愿) in the database: the public submission, the party
** members' claim and work, the submitter's confirmation by tracking code, the wish board
** with ages, per-unit figures of a period and their feed into indicators (observations with
** provenance `wish`), and the party-member attribute of accounts. The rules themselves
** (lifecycle table, validation, masking, tokens, bucket) are wish.c's; this module applies
** them, stores, and audits every change with audit_record in the same transaction (fail
** closed: when the audit record cannot be written nothing is saved).
**
** The server secret (contact hash key, form token MAC key) is the file DB.wish-key beside
** the database (32 random bytes, mode 0600, created on first use), never in the database,
** so that a stolen copy of the database reveals no phone number.
**
** Scheme mapping of the feed (docs/wish.md): metric -> indicator code of the period's
** scheme, by default claim7 -> D1 (微心愿认领率(7日内), %) and satisfied -> D2
** (微心愿办结满意率, %); completed has no indicator in the demo scheme and is reported
** only. A mapped code that is not a leaf of the period's scheme is refused.
**
** Not here: HTTP (http/api_wish.c), the CLI verbs' argument handling (wish_cmd.c).
*/
#ifndef KP_WISH_STORE_H
#define KP_WISH_STORE_H
#include <jansson.h>

#include "entry.h"
#include "wish.h"

/* Reads (creating on first use) the server secret beside the database. 0, or -1 with a
** message in e (KP_E_INTERNAL). */
int wish_key(Db *pDb, unsigned char aKey[WISH_KEY_BYTES], EntryErr *e);

/* Settings (auth.c's table, `kaoping user policy`): wish_form_min_seconds,
** wish_rate_burst, wish_rate_per_hour. */

/* Takes one token from zIp's bucket (process-wide, in memory, guarded by a mutex; at most
** WISH_BUCKETS addresses, the longest idle evicted). 0 = go on, else Retry-After seconds. */
#define WISH_BUCKETS 4096
int wish_throttle(Db *pDb, const char *zIp);
/* Forgets every bucket (tests). */
void wish_throttle_reset(void);

/* The public form: {token, min_fill_seconds, categories: [...], units: [{code, name}]}. */
int wish_form(Db *pDb, json_t **ppOut, EntryErr *e);

/* What a wish is made of. zFormToken is required from the public (w == NULL); a worker
** (w != NULL, an account or the local operator) needs none. */
typedef struct WishInput {
  const char *zCategory, *zUnit, *zPlace, *zText, *zContact, *zFormToken;
} WishInput;

/* Stores a new wish. 0 and *ppOut = {tracking_code (shown once), id, state,
** contact_masked, unit, category}, or -1 (KP_E_MISSING / KP_E_INVALID with the field,
** KP_E_THROTTLED with e->pExtra {retry_after} for a form sent too fast, KP_E_STATE for a
** reused token or too many open wishes of one contact). zIp: client address (NULL: CLI). */
int wish_submit(Db *pDb, const EntryWho *w, const char *zIp, const WishInput *pIn,
                json_t **ppOut, EntryErr *e);

/* An account's event on wish iId: claim, progress, complete, release (party members; the
** claimer for all but claim), reject (CAP_COMMENT). zNote: progress text, proof, reason.
** 0 and *ppOut = the wish as wish_get shows it, or -1. */
int wish_act(Db *pDb, const EntryWho *w, int64_t iId, const char *zEvent, const char *zNote,
             json_t **ppOut, EntryErr *e);

/* The submitter's view by tracking code: the public fields, state, age and the events
** (notes with digit runs masked). zEvent NULL = read only; "confirm" with iRating 1..5
** (zNote optional) or "dispute" with zNote. 0 and *ppOut, or -1 (KP_E_NO_SUCH for an
** unknown code: the same answer whether or not it ever existed). */
int wish_track(Db *pDb, const char *zIp, const char *zCode, const char *zEvent, int iRating,
               const char *zNote, json_t **ppOut, EntryErr *e);

/* The board. w == NULL: public (no contact, digits in text masked). Signed-in: party
** members and CAP_ALL_UNITS read all units with contact_masked, a reporter its own unit,
** others are refused. Filters may be NULL; zState "open" = submitted|claimed|in_progress.
** *ppOut = {total, items: [...], page, page_size}, newest activity last (oldest first: the
** stalled ones are on top), each with age_days (since submission) and idle_days (since the
** last activity). */
int wish_list(Db *pDb, const EntryWho *w, const char *zUnit, const char *zState,
              const char *zCategory, int iPage, int nPageSize, json_t **ppOut, EntryErr *e);
/* One wish with its events (signed-in readers as for wish_list). */
int wish_get(Db *pDb, const EntryWho *w, int64_t iId, json_t **ppOut, EntryErr *e);

/* Per-unit counts and rates of a period: {period, from, to, units: [{unit, name,
** submitted, decided, claimed7, completed, confirmed, satisfied, claim7_rate,
** completed_rate, satisfied_rate}]} (rates null when undefined). */
int wish_stats(Db *pDb, const char *zPeriod, json_t **ppOut, EntryErr *e);

/* Writes the rates of an open period as observations (provenance wish, state submitted)
** for the mapped indicators: zClaim7 / zCompleted / zSatisfied are indicator codes or NULL
** (not written). A value equal to the current one adds no revision; a unit without data
** gets a missing value only where it had a value before. Audited as wish.feed with the
** counts. *ppOut = {period, written, unchanged, indicators: {...}}. */
int wish_feed(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zClaim7,
              const char *zCompleted, const char *zSatisfied, json_t **ppOut, EntryErr *e);
#define WISH_FEED_CLAIM7 "D1"
#define WISH_FEED_SATISFIED "D2"

/* Sets or clears an account's party membership (secadmin; audited as user.party). */
int wish_party_set(Db *pDb, const EntryWho *w, const char *zName, int bOn, json_t **ppOut,
                   EntryErr *e);
/* Is the account a party member? */
int wish_is_party(Db *pDb, const char *zName);

/* The 我为群众办实事 part of `kaoping demo` (wish_demo.c): an exit code. */
int wish_demo(const char *zDb, const char *zDataDir);

#endif

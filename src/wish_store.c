/*
** wish_store.c: micro-wishes (微心愿) in the database (wish_store.h says what each function
** promises; wish.h holds the rules and the NOTES ON THE DESIGN).
**
** Invariants:
**  - the raw contact never reaches SQL, the audit log or a response: wish_submit normalises
**    it, hashes it with the key from DB.wish-key and masks it, then drops it;
**  - every state change goes through wish_apply, which looks the (state, event) pair up in
**    aWishTransition, checks who may fire it, writes the wish row and one wish_event row
**    and the audit record in one transaction;
**  - the tracking code is stored only as its SHA-256; an unknown code and a wrong code get
**    the same answer.
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "http/errcode.h"
#include "period.h"
#include "scheme_store.h"
#include "store/db.h"
#include "util/keyfile.h"
#include "util/mem.h"
#include "util/text.h"
#include "wish_store.h"

/* ---- the server secret ------------------------------------------------------------------- */

int wish_key(Db *pDb, unsigned char aKey[WISH_KEY_BYTES], EntryErr *e) {
  /* the one key-file convention (util/keyfile.h): DB.wish-key or $KAOPING_WISH_KEY */
  char *zPath = keyfile_path(NULL, "KAOPING_WISH_KEY", db_path(pDb), ".wish-key");
  int r = keyfile_read_hex(zPath, aKey, WISH_KEY_BYTES);
  if (r == -1) {
    /* first use: created exclusively, so two threads cannot both write a key; the loser of
    ** that race reads the winner's */
    randombytes_buf(aKey, WISH_KEY_BYTES);
    (void)keyfile_write_hex(zPath, aKey, WISH_KEY_BYTES, 0600);
    r = keyfile_read_hex(zPath, aKey, WISH_KEY_BYTES);
  }
  if (r) {
    sodium_memzero(aKey, WISH_KEY_BYTES);
    if (r == -1) entry_err_set(e, KP_E_INTERNAL, NULL, "cannot create the wish key file %s", zPath);
    else
      entry_err_set(e, KP_E_INTERNAL, NULL, "the wish key file %s cannot be read or is damaged "
                    "(not %d bytes of hex)", zPath, WISH_KEY_BYTES);
    free(zPath);
    return -1;
  }
  free(zPath);
  return 0;
}

/* ---- throttle ------------------------------------------------------------------------------ */

typedef struct WishSlot {
  char zIp[64];
  WishBucket b;
} WishSlot;

static pthread_mutex_t wishMutex = PTHREAD_MUTEX_INITIALIZER;
static WishSlot *aWishSlot; /* WISH_BUCKETS, allocated on first use, kept for the process */
static int nWishSlot;

void wish_throttle_reset(void) {
  pthread_mutex_lock(&wishMutex);
  nWishSlot = 0;
  pthread_mutex_unlock(&wishMutex);
}

int wish_throttle(Db *pDb, const char *zIp) {
  int nBurst = (int)auth_setting(pDb, "wish_rate_burst");
  int nPerHour = (int)auth_setting(pDb, "wish_rate_per_hour");
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* a duration: never the wall clock (security.md 4.2) */
  double rNow = (double)ts.tv_sec + ts.tv_nsec / 1e9 + 1.0; /* > 0: 0 marks a fresh bucket */
  if (!zIp) zIp = "-";
  pthread_mutex_lock(&wishMutex);
  if (!aWishSlot) aWishSlot = xcalloc(WISH_BUCKETS, sizeof *aWishSlot);
  WishSlot *p = NULL;
  for (int i = 0; i < nWishSlot && !p; i++)
    if (strcmp(aWishSlot[i].zIp, zIp) == 0) p = &aWishSlot[i];
  if (!p) {
    if (nWishSlot < WISH_BUCKETS) {
      p = &aWishSlot[nWishSlot++];
    } else { /* evict the longest idle address: it has refilled the most anyway */
      p = &aWishSlot[0];
      for (int i = 1; i < nWishSlot; i++)
        if (aWishSlot[i].b.rLast < p->b.rLast) p = &aWishSlot[i];
    }
    memset(p, 0, sizeof *p);
    snprintf(p->zIp, sizeof p->zIp, "%s", zIp);
  }
  int nWait = wish_bucket_take(&p->b, rNow, nBurst, nPerHour);
  pthread_mutex_unlock(&wishMutex);
  return nWait;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *wish_actor(const EntryWho *w) {
  return w && w->pUser && w->pUser->zName ? w->pUser->zName : "-";
}

static int wish_audit_fail(Db *pDb, EntryErr *e) {
  db_rollback(pDb);
  return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
}

/* Checks a free-text field: present (when required), valid UTF-8 without control
** characters other than newline and tab, at most nMax bytes. 0 or -1 (e set). */
static int wish_text_check(const char *z, const char *zField, size_t nMax, int bRequired,
                           EntryErr *e) {
  if (!z || !*z) {
    if (bRequired) return entry_err_set(e, KP_E_MISSING, zField, "%s is required", zField);
    return 0;
  }
  size_t n = strlen(z);
  if (n > nMax) return entry_err_set(e, KP_E_INVALID, zField, "%s is longer than %zu bytes", zField, nMax);
  if (text_utf8_invalid_at(z, n) != n)
    return entry_err_set(e, KP_E_INVALID, zField, "%s is not valid UTF-8", zField);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
      return entry_err_set(e, KP_E_INVALID, zField, "%s contains a control character", zField);
  }
  return 0;
}

int wish_is_party(Db *pDb, const char *zName) {
  Stmt *s = db_prepare(pDb, "SELECT party_member FROM users WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  int b = stmt_step(s) == 1 && stmt_int(s, 0) == 1;
  stmt_finalize(s);
  return b;
}

/* Is the caller the local operator (command line)? Such a caller has no account row and
** acts with the operator's authority over the server. */
static int wish_is_local(const EntryWho *w) {
  return w && w->pUser && w->pUser->zName && strncmp(w->pUser->zName, "local:", 6) == 0;
}

static json_t *wish_str_or_null(const char *z) {
  return z ? json_string(z) : json_null();
}

/* ---- the form ------------------------------------------------------------------------------ */

int wish_form(Db *pDb, json_t **ppOut, EntryErr *e) {
  unsigned char aKey[WISH_KEY_BYTES], aNonce[16];
  if (wish_key(pDb, aKey, e)) return -1;
  randombytes_buf(aNonce, sizeof aNonce);
  char zTok[WISH_FORM_TOKEN_CHARS + 1];
  wish_form_token_make(aKey, auth_now(), aNonce, zTok);
  sodium_memzero(aKey, sizeof aKey);
  json_t *aCat = json_array();
  for (int i = 0; azWishCategory[i]; i++) json_array_append_new(aCat, json_string(azWishCategory[i]));
  json_t *aUnit = json_array();
  Stmt *s = db_prepare(pDb, "SELECT code, name FROM unit WHERE kind <> 'department' ORDER BY sort_order");
  while (stmt_step(s) == 1)
    json_array_append_new(aUnit, json_pack("{s:s, s:s}", "code", stmt_text(s, 0), "name", stmt_text(s, 1)));
  stmt_finalize(s);
  *ppOut = json_pack("{s:s, s:I, s:o, s:o}", "token", zTok, "min_fill_seconds",
                     (json_int_t)auth_setting(pDb, "wish_form_min_seconds"), "categories", aCat,
                     "units", aUnit);
  return 0;
}

/* ---- submit ------------------------------------------------------------------------------- */

int wish_submit(Db *pDb, const EntryWho *w, const char *zIp, const WishInput *pIn,
                json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const int bPublic = w == NULL;
  if (!pIn->zCategory || !*pIn->zCategory)
    return entry_err_set(e, KP_E_MISSING, "category", "category is required");
  if (!wish_category_valid(pIn->zCategory))
    return entry_err_set(e, KP_E_INVALID, "category",
                         "category must be one of 学位 床位 车位 厕位 就业 养老 其他");
  if (!pIn->zUnit || !*pIn->zUnit) return entry_err_set(e, KP_E_MISSING, "unit", "unit is required");
  if (wish_text_check(pIn->zPlace, "place", WISH_PLACE_MAX, 1, e)) return -1;
  if (wish_text_check(pIn->zText, "text", WISH_TEXT_MAX, 1, e)) return -1;
  char zDigits[16], zMasked[16], zHash[65], zNonce[33];
  const char *zWhy = NULL;
  if (!pIn->zContact || !*pIn->zContact)
    return entry_err_set(e, KP_E_MISSING, "contact", "contact is required (a phone number)");
  if (wish_contact_normalise(pIn->zContact, zDigits, &zWhy))
    return entry_err_set(e, KP_E_INVALID, "contact", "%s", zWhy);
  unsigned char aKey[WISH_KEY_BYTES];
  if (wish_key(pDb, aKey, e)) return -1;
  zNonce[0] = 0;
  if (bPublic) {
    int nWait = 0;
    if (!pIn->zFormToken || !*pIn->zFormToken) {
      sodium_memzero(aKey, sizeof aKey);
      return entry_err_set(e, KP_E_MISSING, "form_token", "form_token is required: load the form first");
    }
    if (wish_form_token_check(aKey, pIn->zFormToken, auth_now(),
                              (int)auth_setting(pDb, "wish_form_min_seconds"), zNonce, &zWhy, &nWait)) {
      sodium_memzero(aKey, sizeof aKey);
      if (nWait > 0) {
        entry_err_set(e, KP_E_THROTTLED, "form_token", "%s: wait %d s", zWhy, nWait);
        e->pExtra = json_pack("{s:i}", "retry_after", nWait);
        return -1;
      }
      return entry_err_set(e, KP_E_INVALID, "form_token", "%s", zWhy);
    }
  }
  wish_contact_hash(aKey, zDigits, zHash);
  sodium_memzero(aKey, sizeof aKey);
  wish_contact_mask(zDigits, zMasked);
  sodium_memzero(zDigits, sizeof zDigits);

  unsigned char aRand[10];
  randombytes_buf(aRand, sizeof aRand);
  char zCode[WISH_CODE_CHARS + 1], zNorm[17], zCodeHash[65];
  wish_code_format(aRand, zCode);
  if (wish_code_normalise(zCode, zNorm)) return entry_err_set(e, KP_E_INTERNAL, NULL, "tracking code");
  auth_sha256_hex(zNorm, 16, zCodeHash);

  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM unit WHERE code = ?1 AND kind <> 'department'");
  stmt_bind_text(s, 1, pIn->zUnit);
  int bUnit = stmt_step(s) == 1;
  stmt_finalize(s);
  if (!bUnit) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INVALID, "unit", "no unit %s (a county, district or park code)", pIn->zUnit);
  }
  if (zNonce[0]) {
    s = db_prepare(pDb, "SELECT 1 FROM wish WHERE form_nonce = ?1");
    stmt_bind_text(s, 1, zNonce);
    int bUsed = stmt_step(s) == 1;
    stmt_finalize(s);
    if (bUsed) {
      db_rollback(pDb);
      return entry_err_set(e, KP_E_STATE, "form_token", "this form was already sent: reload it for another wish");
    }
  }
  s = db_prepare(pDb, "SELECT count(*) FROM wish WHERE contact_hash = ?1 "
                      "AND state IN ('submitted','claimed','in_progress','done')");
  stmt_bind_text(s, 1, zHash);
  int nOpen = stmt_step(s) == 1 ? (int)stmt_int(s, 0) : 0;
  stmt_finalize(s);
  if (nOpen >= WISH_OPEN_PER_CONTACT) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_STATE, "contact", "this contact already has %d open wishes: "
                         "wait until one is done", nOpen);
  }
  /* a phone number typed into the text or the place is masked before it is stored: the
  ** raw number must not reach the database by that door either */
  char *zText = wish_mask_digits(pIn->zText), *zPlace = wish_mask_digits(pIn->zPlace);
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "INSERT INTO wish(tracking_hash, form_nonce, category, unit, place, text, "
                      "contact_hash, contact_masked, source, state, submitted_at, submitted_by, "
                      "last_activity_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'submitted', "
                      "?10, ?11, ?10)");
  stmt_bind_text(s, 1, zCodeHash);
  stmt_bind_text(s, 2, zNonce[0] ? zNonce : NULL);
  stmt_bind_text(s, 3, pIn->zCategory);
  stmt_bind_text(s, 4, pIn->zUnit);
  stmt_bind_text(s, 5, zPlace);
  stmt_bind_text(s, 6, zText);
  stmt_bind_text(s, 7, zHash);
  stmt_bind_text(s, 8, zMasked);
  stmt_bind_text(s, 9, bPublic ? "public" : "worker");
  stmt_bind_text(s, 10, zNow);
  stmt_bind_text(s, 11, wish_actor(w));
  int bad = stmt_run(s);
  stmt_finalize(s);
  free(zText);
  free(zPlace);
  int64_t id = db_last_insert_id(pDb);
  if (!bad) {
    s = db_prepare(pDb, "INSERT INTO wish_event(wish_id, at, actor, event, from_state, to_state) "
                        "VALUES (?1, ?2, ?3, 'submit', NULL, 'submitted')");
    stmt_bind_int(s, 1, id);
    stmt_bind_text(s, 2, zNow);
    stmt_bind_text(s, 3, wish_actor(w));
    bad = stmt_run(s);
    stmt_finalize(s);
  }
  if (bad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char zObj[32];
  snprintf(zObj, sizeof zObj, "wish:%lld", (long long)id);
  json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "category", pIn->zCategory, "unit", pIn->zUnit,
                        "contact", zMasked, "source", bPublic ? "public" : "worker");
  int rcA = audit_record(pDb, wish_actor(w), zIp, "wish.submit", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) return wish_audit_fail(pDb, e);
  *ppOut = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "tracking_code", zCode, "id",
                     (json_int_t)id, "state", "submitted", "contact_masked", zMasked, "unit",
                     pIn->zUnit, "category", pIn->zCategory, "submitted_at", zNow);
  return 0;
}

/* ---- reading ------------------------------------------------------------------------------- */

#define WISH_COLS                                                                             \
  "w.id, w.category, w.unit, u.name, w.place, w.text, w.contact_masked, w.state, "            \
  "w.submitted_at, w.claimed_by, (SELECT display_name FROM users WHERE name = w.claimed_by), " \
  "w.done_at, w.confirmed_at, w.rating, w.last_activity_at, w.source"

/* One row of WISH_COLS as JSON. bPublic: no contact, no account names, digits masked. */
static json_t *wish_row_json(Stmt *s, int bPublic) {
  int64_t tNow = auth_now();
  int64_t tSub = auth_time_parse(stmt_text(s, 8)), tLast = auth_time_parse(stmt_text(s, 14));
  char *zText = bPublic ? wish_mask_digits(stmt_text(s, 5)) : xstrdup(stmt_text(s, 5));
  char *zPlace = bPublic ? wish_mask_digits(stmt_text(s, 4)) : xstrdup(stmt_text(s, 4));
  json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
                        "id", (json_int_t)stmt_int(s, 0), "category", stmt_text(s, 1),
                        "unit", stmt_text(s, 2), "unit_name", stmt_text(s, 3),
                        "place", zPlace, "text", zText, "state", stmt_text(s, 7),
                        "submitted_at", stmt_text(s, 8),
                        "age_days", wish_age_days(tSub, tNow),
                        "idle_days", wish_age_days(tLast, tNow));
  free(zText);
  free(zPlace);
  json_object_set_new(o, "last_activity_at", json_string(stmt_text(s, 14)));
  json_object_set_new(o, "claimed_by_name", wish_str_or_null(stmt_text(s, 10)));
  json_object_set_new(o, "done_at", wish_str_or_null(stmt_text(s, 11)));
  json_object_set_new(o, "confirmed_at", wish_str_or_null(stmt_text(s, 12)));
  json_object_set_new(o, "rating", stmt_is_null(s, 13) ? json_null() : json_integer(stmt_int(s, 13)));
  if (!bPublic) {
    json_object_set_new(o, "contact_masked", json_string(stmt_text(s, 6)));
    json_object_set_new(o, "claimed_by", wish_str_or_null(stmt_text(s, 9)));
    json_object_set_new(o, "source", json_string(stmt_text(s, 15)));
  }
  return o;
}

/* The events of a wish, oldest first. bPublic: actors hidden (only "party member",
** "submitter"), digits masked in notes. */
static json_t *wish_events_json(Db *pDb, int64_t iId, int bPublic) {
  json_t *a = json_array();
  Stmt *s = db_prepare(pDb, "SELECT e.at, e.actor, e.event, e.from_state, e.to_state, e.note, "
                            "(SELECT display_name FROM users WHERE name = e.actor) "
                            "FROM wish_event e WHERE e.wish_id = ?1 ORDER BY e.id");
  stmt_bind_int(s, 1, iId);
  while (stmt_step(s) == 1) {
    const char *zNote = stmt_text(s, 5);
    char *zShown = zNote ? (bPublic ? wish_mask_digits(zNote) : xstrdup(zNote)) : NULL;
    json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:o}", "at", stmt_text(s, 0), "event",
                          stmt_text(s, 2), "from", wish_str_or_null(stmt_text(s, 3)), "to",
                          stmt_text(s, 4), "note", wish_str_or_null(zShown));
    free(zShown);
    const char *zActor = stmt_text(s, 1);
    if (bPublic) {
      json_object_set_new(o, "by", json_string(strcmp(zActor, "-") == 0 ? "submitter" : "party_member"));
      json_object_set_new(o, "by_name", wish_str_or_null(stmt_text(s, 6)));
    } else {
      json_object_set_new(o, "by", json_string(zActor));
      json_object_set_new(o, "by_name", wish_str_or_null(stmt_text(s, 6)));
    }
    json_array_append_new(a, o);
  }
  stmt_finalize(s);
  return a;
}

/* Which units may a signed-in account read? Returns 1 (all), 0 (zOwn only, set), or -1
** (none: e set). */
static int wish_reader_scope(Db *pDb, const EntryWho *w, const char **pzOwn, EntryErr *e) {
  const AuthUser *u = w->pUser;
  *pzOwn = NULL;
  if (wish_is_local(w) || auth_has(u, CAP_ALL_UNITS) || wish_is_party(pDb, u->zName)) return 1;
  if (auth_has(u, CAP_DATA_OWN_UNIT) && u->zUnit) {
    *pzOwn = u->zUnit;
    return 0;
  }
  return entry_err_set(e, KP_E_SCOPE, NULL, "only party members, leaders, the performance office "
                       "and a unit's reporter read the wish board");
}

int wish_list(Db *pDb, const EntryWho *w, const char *zUnit, const char *zState,
              const char *zCategory, int iPage, int nPageSize, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const int bPublic = w == NULL;
  if (!bPublic) {
    const char *zOwn = NULL;
    int rc = wish_reader_scope(pDb, w, &zOwn, e);
    if (rc < 0) return -1;
    if (rc == 0) {
      if (zUnit && strcmp(zUnit, zOwn) != 0)
        return entry_err_set(e, KP_E_SCOPE, "unit", "this account reads the wishes of unit %s only", zOwn);
      zUnit = zOwn;
    }
  }
  int bOpen = zState && strcmp(zState, "open") == 0;
  if (zState && !bOpen && wish_state_find(zState) < 0)
    return entry_err_set(e, KP_E_INVALID, "state", "state must be open, submitted, claimed, "
                         "in_progress, done, confirmed or rejected");
  if (zCategory && !wish_category_valid(zCategory))
    return entry_err_set(e, KP_E_INVALID, "category", "no category %s", zCategory);
  if (iPage < 1) iPage = 1;
  if (nPageSize < 1 || nPageSize > 200) nPageSize = 20;
  /* the public board never shows rejected wishes (spam, abuse) */
  Stmt *s = db_prepare(pDb, "SELECT count(*) FROM wish w WHERE (?1 IS NULL OR w.unit = ?1) "
                            "AND (?2 IS NULL OR w.state = ?2) AND (?3 = 0 OR w.state IN "
                            "('submitted','claimed','in_progress')) AND (?4 IS NULL OR "
                            "w.category = ?4) AND (?5 = 0 OR w.state <> 'rejected')");
  stmt_bind_text(s, 1, zUnit);
  stmt_bind_text(s, 2, bOpen ? NULL : zState);
  stmt_bind_int(s, 3, bOpen);
  stmt_bind_text(s, 4, zCategory);
  stmt_bind_int(s, 5, bPublic);
  int64_t nTotal = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  s = db_prepare(pDb, "SELECT " WISH_COLS " FROM wish w JOIN unit u ON u.code = w.unit "
                      "WHERE (?1 IS NULL OR w.unit = ?1) AND (?2 IS NULL OR w.state = ?2) "
                      "AND (?3 = 0 OR w.state IN ('submitted','claimed','in_progress')) "
                      "AND (?4 IS NULL OR w.category = ?4) AND (?5 = 0 OR w.state <> 'rejected') "
                      "ORDER BY w.state IN ('confirmed','rejected'), w.last_activity_at, w.id "
                      "LIMIT ?6 OFFSET ?7");
  stmt_bind_text(s, 1, zUnit);
  stmt_bind_text(s, 2, bOpen ? NULL : zState);
  stmt_bind_int(s, 3, bOpen);
  stmt_bind_text(s, 4, zCategory);
  stmt_bind_int(s, 5, bPublic);
  stmt_bind_int(s, 6, nPageSize);
  stmt_bind_int(s, 7, (int64_t)(iPage - 1) * nPageSize);
  json_t *a = json_array();
  while (stmt_step(s) == 1) json_array_append_new(a, wish_row_json(s, bPublic));
  stmt_finalize(s);
  *ppOut = json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)nTotal, "page", iPage,
                     "page_size", nPageSize, "items", a);
  return 0;
}

/* Loads wish iId as JSON (bPublic as wish_row_json) with its events; NULL when absent. */
static json_t *wish_load_json(Db *pDb, int64_t iId, int bPublic) {
  Stmt *s = db_prepare(pDb, "SELECT " WISH_COLS " FROM wish w JOIN unit u ON u.code = w.unit "
                            "WHERE w.id = ?1");
  stmt_bind_int(s, 1, iId);
  json_t *o = stmt_step(s) == 1 ? wish_row_json(s, bPublic) : NULL;
  stmt_finalize(s);
  if (o) json_object_set_new(o, "events", wish_events_json(pDb, iId, bPublic));
  return o;
}

int wish_get(Db *pDb, const EntryWho *w, int64_t iId, json_t **ppOut, EntryErr *e) {
  const char *zOwn = NULL;
  int rc = wish_reader_scope(pDb, w, &zOwn, e);
  if (rc < 0) return -1;
  json_t *o = wish_load_json(pDb, iId, 0);
  if (!o || (rc == 0 && strcmp(json_string_value(json_object_get(o, "unit")), zOwn) != 0)) {
    json_decref(o);
    return entry_err_set(e, KP_E_NO_SUCH, "id", "no wish %lld", (long long)iId);
  }
  *ppOut = o;
  return 0;
}

/* ---- state changes ---------------------------------------------------------------------------- */

/* Applies event eEvent to wish iId (current state zState, claimer zClaimer) by zActor:
** updates the row, appends the event, audits; inside the caller's transaction. 0 or -1. */
static int wish_apply(Db *pDb, int64_t iId, const WishTransition *t, const char *zActor,
                      const char *zIp, const char *zNote, int iRating, EntryErr *e) {
  char zNow[32];
  db_now(zNow);
  const char *zTo = wish_state_name(t->eTo);
  Stmt *s = db_prepare(pDb,
      "UPDATE wish SET state = ?2, last_activity_at = ?3, "
      "claimed_by = CASE WHEN ?4 = 'claim' THEN ?5 WHEN ?4 = 'release' THEN NULL ELSE claimed_by END, "
      "first_claimed_at = CASE WHEN ?4 = 'claim' AND first_claimed_at IS NULL THEN ?3 "
      "  ELSE first_claimed_at END, "
      "done_at = CASE WHEN ?4 = 'complete' THEN ?3 ELSE done_at END, "
      "confirmed_at = CASE WHEN ?4 = 'confirm' THEN ?3 ELSE confirmed_at END, "
      "rating = CASE WHEN ?4 = 'confirm' THEN ?6 ELSE rating END "
      "WHERE id = ?1");
  stmt_bind_int(s, 1, iId);
  stmt_bind_text(s, 2, zTo);
  stmt_bind_text(s, 3, zNow);
  stmt_bind_text(s, 4, wish_event_name(t->eEvent));
  stmt_bind_text(s, 5, zActor);
  if (t->eEvent == WISH_EV_CONFIRM) stmt_bind_int(s, 6, iRating);
  else stmt_bind_null(s, 6);
  int bad = stmt_run(s);
  stmt_finalize(s);
  if (!bad) {
    s = db_prepare(pDb, "INSERT INTO wish_event(wish_id, at, actor, event, from_state, to_state, note) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    stmt_bind_int(s, 1, iId);
    stmt_bind_text(s, 2, zNow);
    stmt_bind_text(s, 3, zActor);
    stmt_bind_text(s, 4, wish_event_name(t->eEvent));
    stmt_bind_text(s, 5, wish_state_name(t->eFrom));
    stmt_bind_text(s, 6, zTo);
    stmt_bind_text(s, 7, zNote && *zNote ? zNote : NULL);
    bad = stmt_run(s);
    stmt_finalize(s);
  }
  if (bad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char zObj[32], zEv[32];
  snprintf(zObj, sizeof zObj, "wish:%lld", (long long)iId);
  snprintf(zEv, sizeof zEv, "wish.%s", wish_event_name(t->eEvent));
  json_t *d = json_pack("{s:s, s:s}", "from", wish_state_name(t->eFrom), "to", zTo);
  if (zNote && *zNote) json_object_set_new(d, "note", json_string(zNote));
  if (t->eEvent == WISH_EV_CONFIRM) json_object_set_new(d, "rating", json_integer(iRating));
  int rcA = audit_record(pDb, zActor, zIp, zEv, zObj, "ok", d);
  json_decref(d);
  if (rcA) return wish_audit_fail(pDb, e);
  return 0;
}

int wish_act(Db *pDb, const EntryWho *w, int64_t iId, const char *zEvent, const char *zNote,
             json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  int eEv = wish_event_find(zEvent);
  if (eEv < 0 || eEv == WISH_EV_CONFIRM || eEv == WISH_EV_DISPUTE)
    return entry_err_set(e, KP_E_INVALID, "event", "an account may claim, progress, complete, "
                         "release or reject a wish");
  if (wish_text_check(zNote, "note", WISH_NOTE_MAX, 0, e)) return -1;
  const char *zActor = wish_actor(w);
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT state, claimed_by FROM wish WHERE id = ?1");
  stmt_bind_int(s, 1, iId);
  if (stmt_step(s) != 1) {
    stmt_finalize(s);
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "id", "no wish %lld", (long long)iId);
  }
  int eState = wish_state_find(stmt_text(s, 0));
  char *zClaimer = xstrdup(stmt_text(s, 1));
  stmt_finalize(s);
  const WishTransition *t = eState >= 0 ? wish_transition((WishState)eState, (WishEvent)eEv) : NULL;
  int rc = 0;
  if (!t) {
    rc = entry_err_set(e, KP_E_STATE, "event", "a %s wish cannot be %s", wish_state_name(eState),
                       eEv == WISH_EV_PROGRESS ? "given progress" : zEvent);
  } else if (t->eBy == WISH_BY_MODERATOR) {
    if (!wish_is_local(w) && !auth_has(w->pUser, CAP_COMMENT))
      rc = entry_err_set(e, KP_E_SCOPE, NULL, "only a leader rejects a wish");
  } else if (!wish_is_local(w) && !wish_is_party(pDb, zActor)) {
    rc = entry_err_set(e, KP_E_SCOPE, NULL, "only party members (党员) claim and carry out wishes");
  } else if (t->eBy == WISH_BY_CLAIMER && (!zClaimer || strcmp(zClaimer, zActor) != 0)) {
    rc = entry_err_set(e, KP_E_SCOPE, NULL, "only the party member who claimed this wish (%s) may "
                       "%s it", zClaimer ? zClaimer : "nobody", zEvent);
  }
  if (!rc && t->bNeedsNote && (!zNote || !*zNote))
    rc = entry_err_set(e, KP_E_MISSING, "note", "%s needs a note (%s)", zEvent,
                       eEv == WISH_EV_COMPLETE ? "the completion proof: what was done" :
                       eEv == WISH_EV_PROGRESS ? "what was done so far" : "the reason");
  free(zClaimer);
  if (rc) {
    db_rollback(pDb);
    if (e->iCode == KP_E_SCOPE) { /* refusals of scope are audited, after the rollback */
      char zObj[32];
      snprintf(zObj, sizeof zObj, "wish:%lld", (long long)iId);
      json_t *d = json_pack("{s:s, s:s}", "event", zEvent, "why", e->zMsg);
      (void)audit_record(pDb, zActor, w->zIp, "wish.denied", zObj, "denied", d);
      json_decref(d);
    }
    return -1;
  }
  if (wish_apply(pDb, iId, t, zActor, w->zIp, zNote, 0, e)) return -1;
  if (db_commit(pDb)) return wish_audit_fail(pDb, e);
  *ppOut = wish_load_json(pDb, iId, 0);
  return 0;
}

int wish_track(Db *pDb, const char *zIp, const char *zCode, const char *zEvent, int iRating,
               const char *zNote, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  char zNorm[17], zHash[65];
  if (!zCode || !*zCode) return entry_err_set(e, KP_E_MISSING, "code", "code is required");
  if (wish_code_normalise(zCode, zNorm))
    return entry_err_set(e, KP_E_INVALID, "code", "a tracking code has 16 letters and digits "
                         "(XXXX-XXXX-XXXX-XXXX)");
  auth_sha256_hex(zNorm, 16, zHash);
  int eEv = -1;
  if (zEvent) {
    eEv = wish_event_find(zEvent);
    if (eEv != WISH_EV_CONFIRM && eEv != WISH_EV_DISPUTE)
      return entry_err_set(e, KP_E_INVALID, "event", "the submitter may confirm or dispute");
    if (eEv == WISH_EV_CONFIRM && (iRating < 1 || iRating > 5))
      return entry_err_set(e, KP_E_INVALID, "rating", "rating must be 1 to 5 (满意度)");
    if (wish_text_check(zNote, "note", WISH_NOTE_MAX, eEv == WISH_EV_DISPUTE, e)) return -1;
  }
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT id, state FROM wish WHERE tracking_hash = ?1");
  stmt_bind_text(s, 1, zHash);
  int64_t id = 0;
  int eState = -1;
  if (stmt_step(s) == 1) {
    id = stmt_int(s, 0);
    eState = wish_state_find(stmt_text(s, 1));
  }
  stmt_finalize(s);
  if (!id) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "code", "no wish has this tracking code");
  }
  if (eEv >= 0) {
    const WishTransition *t = wish_transition((WishState)eState, (WishEvent)eEv);
    if (!t) {
      db_rollback(pDb);
      return entry_err_set(e, KP_E_STATE, "event", "a %s wish cannot be %sed: it must be done "
                           "first", wish_state_name(eState), zEvent);
    }
    if (wish_apply(pDb, id, t, "-", zIp, zNote, iRating, e)) return -1;
  }
  if (db_commit(pDb)) return wish_audit_fail(pDb, e);
  *ppOut = wish_load_json(pDb, id, 1);
  return 0;
}

/* ---- figures of a period ---------------------------------------------------------------------- */

/* The period's bounds as UTC times of local (+08:00) midnights: [zFrom, zTo). */
static int wish_period_bounds(const char *zPeriod, Period *p, char *zFrom, char *zTo, EntryErr *e) {
  char *zErr = NULL;
  if (!zPeriod || period_parse(zPeriod, p, &zErr)) {
    entry_err_set(e, KP_E_INVALID, "period", "%s", zErr ? zErr : "period is required");
    free(zErr);
    return -1;
  }
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = p->iYear - 1900;
  tm.tm_mon = p->iFirstMonth - 1;
  tm.tm_mday = 1;
  auth_time_fmt((int64_t)timegm(&tm) - 8 * 3600, zFrom);
  tm.tm_mon = p->iLastMonth; /* the month after the last: timegm normalises month 12 */
  auth_time_fmt((int64_t)timegm(&tm) - 8 * 3600, zTo);
  return 0;
}

/* Counts per unit into a JSON array of {unit, name, WishCounts...}. */
static json_t *wish_counts_json(Db *pDb, const char *zFrom, const char *zTo) {
  char zNow[32];
  db_now(zNow);
  int64_t tNow = auth_time_parse(zNow);
  char zDecided[32]; /* a wish submitted before this is at least 7 days old */
  auth_time_fmt(tNow - WISH_CLAIM_DAYS * 86400, zDecided);
  Stmt *s = db_prepare(pDb,
      "SELECT u.code, u.name, "
      " (SELECT count(*) FROM wish w WHERE w.unit = u.code AND w.submitted_at >= ?1 "
      "   AND w.submitted_at < ?2 AND w.state <> 'rejected'), "
      " (SELECT count(*) FROM wish w WHERE w.unit = u.code AND w.submitted_at >= ?1 "
      "   AND w.submitted_at < ?2 AND w.state <> 'rejected' "
      "   AND (w.first_claimed_at IS NOT NULL OR w.submitted_at <= ?3)), "
      " (SELECT count(*) FROM wish w WHERE w.unit = u.code AND w.submitted_at >= ?1 "
      "   AND w.submitted_at < ?2 AND w.state <> 'rejected' AND w.first_claimed_at IS NOT NULL "
      "   AND julianday(w.first_claimed_at) - julianday(w.submitted_at) <= ?4), "
      " (SELECT count(*) FROM wish w WHERE w.unit = u.code AND w.submitted_at >= ?1 "
      "   AND w.submitted_at < ?2 AND w.state IN ('done','confirmed')), "
      " (SELECT count(*) FROM wish w WHERE w.unit = u.code AND w.confirmed_at >= ?1 "
      "   AND w.confirmed_at < ?2 AND w.state = 'confirmed'), "
      " (SELECT count(*) FROM wish w WHERE w.unit = u.code AND w.confirmed_at >= ?1 "
      "   AND w.confirmed_at < ?2 AND w.state = 'confirmed' AND w.rating >= 4) "
      "FROM unit u WHERE u.kind <> 'department' ORDER BY u.sort_order");
  stmt_bind_text(s, 1, zFrom);
  stmt_bind_text(s, 2, zTo);
  stmt_bind_text(s, 3, zDecided);
  stmt_bind_int(s, 4, WISH_CLAIM_DAYS);
  json_t *a = json_array();
  while (stmt_step(s) == 1) {
    WishCounts c = {(int)stmt_int(s, 2), (int)stmt_int(s, 3), (int)stmt_int(s, 4),
                    (int)stmt_int(s, 5), (int)stmt_int(s, 6), (int)stmt_int(s, 7)};
    double r1 = wish_rate_claim7(&c), r2 = wish_rate_completed(&c), r3 = wish_rate_satisfied(&c);
    json_array_append_new(a, json_pack(
        "{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:o}", "unit", stmt_text(s, 0),
        "name", stmt_text(s, 1), "submitted", c.nSubmitted, "decided", c.nDecided, "claimed7",
        c.nClaimed7, "completed", c.nCompleted, "confirmed", c.nConfirmed, "satisfied",
        c.nSatisfied, "claim7_rate", isnan(r1) ? json_null() : json_real(r1),
        "completed_rate", isnan(r2) ? json_null() : json_real(r2),
        "satisfied_rate", isnan(r3) ? json_null() : json_real(r3)));
  }
  stmt_finalize(s);
  return a;
}

int wish_stats(Db *pDb, const char *zPeriod, json_t **ppOut, EntryErr *e) {
  Period p;
  char zFrom[32], zTo[32];
  if (wish_period_bounds(zPeriod, &p, zFrom, zTo, e)) return -1;
  *ppOut = json_pack("{s:s, s:s, s:s, s:o}", "period", p.zCode, "from", zFrom, "to", zTo,
                     "units", wish_counts_json(pDb, zFrom, zTo));
  return 0;
}

/* Rounds a rate to 2 decimals, as a person would enter it. */
static double wish_round2(double r) {
  return isnan(r) ? r : round(r * 100.0) / 100.0;
}

int wish_feed(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zClaim7,
              const char *zCompleted, const char *zSatisfied, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  Period p;
  char zFrom[32], zTo[32];
  if (wish_period_bounds(zPeriod, &p, zFrom, zTo, e)) return -1;
  const char *azInd[3] = {zClaim7, zCompleted, zSatisfied};
  const char *azRate[3] = {"claim7_rate", "completed_rate", "satisfied_rate"};
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT state, scheme_id FROM period WHERE code = ?1");
  stmt_bind_text(s, 1, p.zCode);
  char *zState = NULL;
  int64_t iScheme = 0;
  if (stmt_step(s) == 1) {
    zState = xstrdup(stmt_text(s, 0));
    iScheme = stmt_int(s, 1);
  }
  stmt_finalize(s);
  if (!zState) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "period", "no period %s", p.zCode);
  }
  if (strcmp(zState, "open") != 0) {
    entry_err_set(e, KP_E_STATE, "period", "period %s is %s: wish figures go into an open period "
                  "(after publication: data revise)", p.zCode, zState);
    free(zState);
    db_rollback(pDb);
    return -1;
  }
  free(zState);
  char *zErr = NULL;
  Scheme *pScheme = scheme_store_load(pDb, iScheme, NULL, &zErr);
  if (!pScheme) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr ? zErr : "scheme");
    free(zErr);
    return -1;
  }
  for (int k = 0; k < 3; k++) {
    if (!azInd[k]) continue;
    int iNode = scheme_find(pScheme, azInd[k]);
    if (iNode < 0 || !pScheme->aNode[iNode].bLeaf) {
      entry_err_set(e, KP_E_INVALID, "indicator", "%s is not an indicator of the period's scheme %s",
                    azInd[k], pScheme->zCode);
      scheme_free(pScheme);
      db_rollback(pDb);
      return -1;
    }
  }
  json_t *aCounts = wish_counts_json(pDb, zFrom, zTo);
  char zNow[32];
  db_now(zNow);
  int nWritten = 0, nSame = 0;
  Stmt *pCur = db_prepare(pDb, "SELECT revision, value FROM observation WHERE period = ?1 AND "
                               "unit = ?2 AND indicator = ?3 ORDER BY revision DESC LIMIT 1");
  Stmt *pIns = db_prepare(pDb, "INSERT INTO observation(period, unit, indicator, revision, value, "
                               "note, provenance, state, batch_id, reason, entered_by, entered_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'wish', 'submitted', NULL, ?7, ?8, ?9)");
  size_t i;
  json_t *u;
  int bad = 0;
  json_array_foreach(aCounts, i, u) {
    const char *zUnit = json_string_value(json_object_get(u, "unit"));
    /* only assessed units whose peer group the leaf applies to */
    Stmt *g = db_prepare(pDb, "SELECT peer_group FROM unit WHERE code = ?1");
    stmt_bind_text(g, 1, zUnit);
    char *zGroup = stmt_step(g) == 1 && !stmt_is_null(g, 0) ? xstrdup(stmt_text(g, 0)) : NULL;
    stmt_finalize(g);
    for (int k = 0; k < 3 && !bad && zGroup; k++) {
      if (!azInd[k]) continue;
      int iNode = scheme_find(pScheme, azInd[k]);
      if (!scheme_leaf_applies(pScheme, iNode, zGroup)) continue;
      json_t *v = json_object_get(u, azRate[k]);
      double r = json_is_number(v) ? wish_round2(json_number_value(v)) : NAN;
      stmt_bind_text(pCur, 1, p.zCode);
      stmt_bind_text(pCur, 2, zUnit);
      stmt_bind_text(pCur, 3, azInd[k]);
      int64_t iRev = 0;
      double rOld = NAN;
      int bHave = stmt_step(pCur) == 1;
      if (bHave) {
        iRev = stmt_int(pCur, 0);
        rOld = stmt_double(pCur, 1);
      }
      stmt_reset(pCur);
      if (isnan(r) && (!bHave || isnan(rOld))) continue; /* nothing to say, nothing said */
      if (bHave && ((isnan(r) && isnan(rOld)) || r == rOld)) {
        nSame++;
        continue;
      }
      char *zNote = xasprintf("微心愿平台: %s", k == 0 ? "7日内认领/应认领" :
                              k == 1 ? "已办结/提交" : "满意(4-5星)/已确认");
      stmt_bind_text(pIns, 1, p.zCode);
      stmt_bind_text(pIns, 2, zUnit);
      stmt_bind_text(pIns, 3, azInd[k]);
      stmt_bind_int(pIns, 4, iRev + 1);
      stmt_bind_double(pIns, 5, r);
      stmt_bind_text(pIns, 6, zNote);
      stmt_bind_text(pIns, 7, "wish feed");
      stmt_bind_text(pIns, 8, wish_actor(w));
      stmt_bind_text(pIns, 9, zNow);
      free(zNote);
      if (stmt_run(pIns)) bad = 1;
      else nWritten++;
    }
    free(zGroup);
  }
  stmt_finalize(pCur);
  stmt_finalize(pIns);
  scheme_free(pScheme);
  if (bad) {
    json_decref(aCounts);
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  }
  json_t *oInd = json_object();
  for (int k = 0; k < 3; k++)
    json_object_set_new(oInd, azRate[k], azInd[k] ? json_string(azInd[k]) : json_null());
  json_t *d = json_pack("{s:i, s:i, s:O}", "written", nWritten, "unchanged", nSame, "indicators", oInd);
  char *zObj = xasprintf("period:%s", p.zCode);
  int rcA = audit_record(pDb, wish_actor(w), w ? w->zIp : NULL, "wish.feed", zObj, "ok", d);
  free(zObj);
  json_decref(d);
  if (rcA || db_commit(pDb)) {
    json_decref(aCounts);
    json_decref(oInd);
    return wish_audit_fail(pDb, e);
  }
  *ppOut = json_pack("{s:s, s:i, s:i, s:o, s:o}", "period", p.zCode, "written", nWritten,
                     "unchanged", nSame, "indicators", oInd, "units", aCounts);
  return 0;
}

/* ---- party membership ---------------------------------------------------------------------- */

int wish_party_set(Db *pDb, const EntryWho *w, const char *zName, int bOn, json_t **ppOut,
                   EntryErr *e) {
  *ppOut = NULL;
  if (!wish_is_local(w) && !auth_has(w->pUser, CAP_ROLE_GRANT))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the security administrator sets party membership");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT party_member FROM users WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  int bFound = stmt_step(s) == 1;
  int bOld = bFound && stmt_int(s, 0) == 1;
  stmt_finalize(s);
  if (!bFound) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "name", "no account %s", zName);
  }
  s = db_prepare(pDb, "UPDATE users SET party_member = ?2 WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  stmt_bind_int(s, 2, bOn ? 1 : 0);
  int bad = stmt_run(s);
  stmt_finalize(s);
  if (bad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char *zObj = xasprintf("user:%s", zName);
  json_t *d = json_pack("{s:b, s:b}", "before", bOld, "after", bOn);
  int rcA = audit_record(pDb, wish_actor(w), w->zIp, "user.party", zObj, "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA || db_commit(pDb)) return wish_audit_fail(pDb, e);
  *ppOut = json_pack("{s:s, s:b}", "username", zName, "party_member", bOn);
  return 0;
}

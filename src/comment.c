/*
** comment.c: leaders' review comments (点评意见); comment.h has the rules. Comments are
** append-only rows of table review_comment (store/schema.c, migration 3).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "comment.h"
#include "http/errcode.h"
#include "util/mem.h"

/* The review states of a period: *pbComputed (computed or published), *pbPublished. */
static int comment_review_state(Db *pDb, const char *zPeriod, int *pbAny, int *pbPublished) {
  Stmt *s = db_prepare(pDb, "SELECT count(*), sum(state = 'published') FROM review "
                            "WHERE period = ?1 AND state IN ('computed','published')");
  stmt_bind_text(s, 1, zPeriod);
  int rc = stmt_step(s);
  *pbAny = rc == 1 && stmt_int(s, 0) > 0;
  *pbPublished = rc == 1 && stmt_int(s, 1) > 0;
  stmt_finalize(s);
  return rc == 1 ? 0 : -1;
}

static int comment_period_exists(Db *pDb, const char *zPeriod) {
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM period WHERE code = ?1");
  stmt_bind_text(s, 1, zPeriod);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

int comment_add(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
                const char *zText, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_COMMENT))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only leaders write review comments");
  if (!zText || !*zText) return entry_err_set(e, KP_E_MISSING, "text", "text is required");
  if (strlen(zText) > COMMENT_MAX_BYTES)
    return entry_err_set(e, KP_E_INVALID, "text", "text is longer than %d bytes", COMMENT_MAX_BYTES);
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  int bAny = 0, bPub = 0;
  if (!comment_period_exists(pDb, zPeriod)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "period", "no period %s", zPeriod);
  }
  if (comment_review_state(pDb, zPeriod, &bAny, &bPub) || !bAny) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_STATE, "period", "period %s has no computed or published review "
                         "to comment on", zPeriod);
  }
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM unit WHERE code = ?1 AND peer_group IS NOT NULL");
  stmt_bind_text(s, 1, zUnit);
  int bUnit = stmt_step(s) == 1;
  stmt_finalize(s);
  if (!bUnit) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "unit", "no assessed unit %s", zUnit);
  }
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "INSERT INTO review_comment(period, unit, text, author, created_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)");
  stmt_bind_text(s, 1, zPeriod);
  stmt_bind_text(s, 2, zUnit);
  stmt_bind_text(s, 3, zText);
  stmt_bind_text(s, 4, w->pUser->zName);
  stmt_bind_text(s, 5, zNow);
  int bad = stmt_run(s);
  stmt_finalize(s);
  int64_t id = db_last_insert_id(pDb);
  if (bad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char *zObj = xasprintf("comment:%s/%s", zPeriod, zUnit);
  json_t *d = json_pack("{s:I, s:s}", "id", (json_int_t)id, "text", zText);
  int rcA = audit_record(pDb, w->pUser->zName, w->zIp, "comment.add", zObj, "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
  }
  *ppOut = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "period", zPeriod,
                     "unit", zUnit, "text", zText, "author", w->pUser->zName, "created_at", zNow);
  return 0;
}

int comment_list(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
                 json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!comment_period_exists(pDb, zPeriod))
    return entry_err_set(e, KP_E_NO_SUCH, "period", "no period %s", zPeriod);
  if (!auth_has(u, CAP_ALL_UNITS)) {
    if (!u->zUnit) return entry_err_set(e, KP_E_SCOPE, "unit", "this account has no unit");
    if (zUnit && strcmp(zUnit, u->zUnit) != 0) {
      entry_err_set(e, KP_E_SCOPE, "unit", "this account reads the comments on unit %s only", u->zUnit);
      char *zObj = xasprintf("comment:%s/%s", zPeriod, zUnit);
      json_t *d = json_pack("{s:s}", "why", e->zMsg);
      (void)audit_record(pDb, u->zName, w->zIp, "comment.denied", zObj, "denied", d);
      json_decref(d);
      free(zObj);
      return -1;
    }
    zUnit = u->zUnit;
  }
  int bAny = 0, bPub = 0;
  if (comment_review_state(pDb, zPeriod, &bAny, &bPub))
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  json_t *a = json_array();
  if (bPub || auth_has(u, CAP_REVIEW_DRAFT)) {
    Stmt *s = db_prepare(pDb, "SELECT id, unit, text, author, created_at FROM review_comment "
                              "WHERE period = ?1 AND (?2 IS NULL OR unit = ?2) ORDER BY id");
    stmt_bind_text(s, 1, zPeriod);
    stmt_bind_text(s, 2, zUnit);
    while (stmt_step(s) == 1)
      json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
                                         (json_int_t)stmt_int(s, 0), "unit", stmt_text(s, 1),
                                         "text", stmt_text(s, 2), "author", stmt_text(s, 3),
                                         "created_at", stmt_text(s, 4)));
    stmt_finalize(s);
  }
  *ppOut = json_pack("{s:s, s:s?, s:o}", "period", zPeriod, "unit", zUnit, "comments", a);
  return 0;
}

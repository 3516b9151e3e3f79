/*
** meeting.c: the review meeting's shared slide (meeting.h has the rules). Every change is
** one short write transaction; starting and ending write their audit record in the same
** transaction (fail closed: no record, no change).
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "http/errcode.h"
#include "meeting.h"
#include "util/mem.h"
#include "util/text.h"

int meeting_slide_valid(const char *z) {
  if (!z) return 0;
  size_t n = strlen(z);
  if (n == 0 || n > MEETING_SLIDE_MAX) return 0;
  if (strcmp(z, "cover") == 0 || strcmp(z, "lists") == 0) return 1;
  if (strncmp(z, "unit:", 5) == 0) {
    const char *c = z + 5;
    size_t nc = strlen(c);
    if (nc == 0 || nc > 16) return 0;
    for (; *c; c++)
      if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') return 0;
    return 1;
  }
  if (strncmp(z, "group:", 6) == 0) {
    const char *g = z + 6;
    size_t ng = strlen(g);
    if (ng == 0 || ng > 64 || text_utf8_invalid_at(g, ng) != ng) return 0;
    for (; *g; g++)
      if ((unsigned char)*g < 0x20 || *g == 0x7f) return 0;
    return 1;
  }
  return 0;
}

/* The period's published review row id, 0 when none, -1 on error. */
static int64_t meeting_review_id(Db *pDb, const char *zPeriod) {
  Stmt *s = db_prepare(pDb, "SELECT id FROM review WHERE period = ?1 AND state = 'published' "
                            "ORDER BY revision DESC LIMIT 1");
  stmt_bind_text(s, 1, zPeriod);
  int rc = stmt_step(s);
  int64_t id = rc == 1 ? stmt_int(s, 0) : rc == 0 ? 0 : -1;
  stmt_finalize(s);
  return id;
}

/* Is the group or unit of a slide key in review idReview? (cover and lists always are) */
static int meeting_slide_in_review(Db *pDb, int64_t idReview, const char *zSlide) {
  Stmt *s;
  if (strncmp(zSlide, "unit:", 5) == 0) {
    s = db_prepare(pDb, "SELECT 1 FROM review_unit WHERE review_id = ?1 AND unit = ?2");
    stmt_bind_text(s, 2, zSlide + 5);
  } else if (strncmp(zSlide, "group:", 6) == 0) {
    s = db_prepare(pDb, "SELECT 1 FROM review_unit WHERE review_id = ?1 AND peer_group = ?2 "
                        "LIMIT 1");
    stmt_bind_text(s, 2, zSlide + 6);
  } else {
    return 1;
  }
  stmt_bind_int(s, 1, idReview);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

static int meeting_period_exists(Db *pDb, const char *zPeriod) {
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM period WHERE code = ?1");
  stmt_bind_text(s, 1, zPeriod);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

/* The period's latest meeting row: id, presenter, slide, idx, seq, started_at, moved_at,
** ended_at, presenter's display name. The caller steps and finalizes. */
static Stmt *meeting_latest(Db *pDb, const char *zPeriod) {
  Stmt *s = db_prepare(pDb, "SELECT m.id, m.presenter, m.slide, m.idx, m.seq, m.started_at, "
                            "m.moved_at, m.ended_at, u.display_name FROM meeting m "
                            "LEFT JOIN users u ON u.name = m.presenter "
                            "WHERE m.period = ?1 ORDER BY m.id DESC LIMIT 1");
  stmt_bind_text(s, 1, zPeriod);
  return s;
}

int meeting_get(Db *pDb, const char *zPeriod, json_t **ppOut, int64_t *piSeq, EntryErr *e) {
  *ppOut = NULL;
  *piSeq = 0;
  Stmt *s = meeting_latest(pDb, zPeriod);
  int rc = stmt_step(s);
  if (rc < 0) {
    stmt_finalize(s);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  if (rc == 0) {
    stmt_finalize(s);
    if (!meeting_period_exists(pDb, zPeriod))
      return entry_err_set(e, KP_E_NO_SUCH, "period", "no period %s", zPeriod);
    *ppOut = json_pack("{s:s, s:b, s:i}", "period", zPeriod, "live", 0, "seq", 0);
    return 0;
  }
  int bLive = stmt_is_null(s, 7);
  *piSeq = stmt_int(s, 4);
  *ppOut = json_pack("{s:s, s:b, s:I, s:I, s:s, s:s?, s:s, s:i, s:s, s:s, s:s?}", "period",
                     zPeriod, "live", bLive, "seq", (json_int_t)*piSeq, "meeting",
                     (json_int_t)stmt_int(s, 0), "presenter", stmt_text(s, 1), "presenter_name",
                     stmt_text(s, 8), "slide", stmt_text(s, 2), "index", (int)stmt_int(s, 3),
                     "started_at", stmt_text(s, 5), "moved_at", stmt_text(s, 6), "ended_at",
                     stmt_text(s, 7));
  stmt_finalize(s);
  return *ppOut ? 0 : entry_err_set(e, KP_E_INTERNAL, NULL, "internal error (meeting)");
}

/* The live meeting's id and presenter (malloc'd) of a period; 1 found, 0 none, -1 error. */
static int meeting_live(Db *pDb, const char *zPeriod, int64_t *pId, char **pzPresenter) {
  Stmt *s = db_prepare(pDb, "SELECT id, presenter FROM meeting WHERE period = ?1 "
                            "AND ended_at IS NULL");
  stmt_bind_text(s, 1, zPeriod);
  int rc = stmt_step(s);
  if (rc == 1) {
    *pId = stmt_int(s, 0);
    *pzPresenter = xstrdup(stmt_text(s, 1));
  }
  stmt_finalize(s);
  return rc;
}

/* The period's next sequence number. */
static int64_t meeting_next_seq(Db *pDb, const char *zPeriod) {
  Stmt *s = db_prepare(pDb, "SELECT coalesce(max(seq), 0) + 1 FROM meeting WHERE period = ?1");
  stmt_bind_text(s, 1, zPeriod);
  int64_t n = stmt_step(s) == 1 ? stmt_int(s, 0) : -1;
  stmt_finalize(s);
  return n;
}

/* Rolls back, and sets e: a write or its audit record failed, nothing changed. */
static int meeting_fail_db(Db *pDb, EntryErr *e) {
  db_rollback(pDb);
  return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "could not be recorded (nothing changed)");
}

int meeting_start(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zSlide,
                  int iIndex, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_REVIEW_PUBLISH))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the performance office presents a meeting");
  if (!zSlide) zSlide = "cover";
  if (!meeting_slide_valid(zSlide))
    return entry_err_set(e, KP_E_INVALID, "slide", "bad slide key (cover, lists, group:NAME, "
                         "unit:CODE)");
  if (iIndex < 0) return entry_err_set(e, KP_E_INVALID, "index", "index must be 0 or more");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  if (!meeting_period_exists(pDb, zPeriod)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "period", "no period %s", zPeriod);
  }
  int64_t idReview = meeting_review_id(pDb, zPeriod);
  if (idReview <= 0) {
    db_rollback(pDb);
    if (idReview < 0) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
    return entry_err_set(e, KP_E_STATE, "period", "the review of %s is not published: a "
                         "meeting shows published reviews only", zPeriod);
  }
  if (!meeting_slide_in_review(pDb, idReview, zSlide)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INVALID, "slide", "%s is not in the published review", zSlide);
  }
  int64_t idLive = 0;
  char *zPresenter = NULL;
  int rcLive = meeting_live(pDb, zPeriod, &idLive, &zPresenter);
  if (rcLive != 0) {
    db_rollback(pDb);
    if (rcLive < 0) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
    entry_err_set(e, KP_E_STATE, "period", "a meeting on %s is already running, presented by "
                  "%s: end it first", zPeriod, zPresenter);
    free(zPresenter);
    return -1;
  }
  int64_t iSeq = meeting_next_seq(pDb, zPeriod);
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb, "INSERT INTO meeting(period, presenter, slide, idx, seq, "
                            "started_at, moved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)");
  stmt_bind_text(s, 1, zPeriod);
  stmt_bind_text(s, 2, w->pUser->zName);
  stmt_bind_text(s, 3, zSlide);
  stmt_bind_int(s, 4, iIndex);
  stmt_bind_int(s, 5, iSeq);
  stmt_bind_text(s, 6, zNow);
  int bad = iSeq < 0 || stmt_run(s);
  stmt_finalize(s);
  if (bad) return meeting_fail_db(pDb, e);
  int64_t id = db_last_insert_id(pDb);
  char *zObj = xasprintf("meeting:%s", zPeriod);
  json_t *d = json_pack("{s:I, s:s}", "meeting", (json_int_t)id, "slide", zSlide);
  int rcA = audit_record(pDb, w->pUser->zName, w->zIp, "meeting.start", zObj, "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA || db_commit(pDb)) return meeting_fail_db(pDb, e);
  int64_t iDummy;
  return meeting_get(pDb, zPeriod, ppOut, &iDummy, e);
}

int meeting_move(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zSlide,
                 int iIndex, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!meeting_slide_valid(zSlide))
    return entry_err_set(e, KP_E_INVALID, "slide", "bad slide key (cover, lists, group:NAME, "
                         "unit:CODE)");
  if (iIndex < 0) return entry_err_set(e, KP_E_INVALID, "index", "index must be 0 or more");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  int64_t idLive = 0;
  char *zPresenter = NULL;
  int rcLive = meeting_live(pDb, zPeriod, &idLive, &zPresenter);
  if (rcLive != 1) {
    db_rollback(pDb);
    if (rcLive < 0) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
    return entry_err_set(e, KP_E_STATE, "period", "no meeting on %s is running", zPeriod);
  }
  if (strcmp(zPresenter, w->pUser->zName) != 0) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_SCOPE, NULL, "only the presenter (%s) moves the slides", zPresenter);
    free(zPresenter);
    char *zObj = xasprintf("meeting:%s", zPeriod);
    json_t *d = json_pack("{s:s, s:I}", "why", e->zMsg, "meeting", (json_int_t)idLive);
    (void)audit_record(pDb, w->pUser->zName, w->zIp, "meeting.denied", zObj, "denied", d);
    json_decref(d);
    free(zObj);
    return -1;
  }
  free(zPresenter);
  int64_t idReview = meeting_review_id(pDb, zPeriod);
  if (idReview <= 0 || !meeting_slide_in_review(pDb, idReview, zSlide)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INVALID, "slide", "%s is not in the published review", zSlide);
  }
  int64_t iSeq = meeting_next_seq(pDb, zPeriod);
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb, "UPDATE meeting SET slide = ?2, idx = ?3, seq = ?4, moved_at = ?5 "
                            "WHERE id = ?1");
  stmt_bind_int(s, 1, idLive);
  stmt_bind_text(s, 2, zSlide);
  stmt_bind_int(s, 3, iIndex);
  stmt_bind_int(s, 4, iSeq);
  stmt_bind_text(s, 5, zNow);
  int bad = iSeq < 0 || stmt_run(s);
  stmt_finalize(s);
  if (bad || db_commit(pDb)) return meeting_fail_db(pDb, e);
  int64_t iDummy;
  return meeting_get(pDb, zPeriod, ppOut, &iDummy, e);
}

int meeting_end(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_REVIEW_PUBLISH))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the performance office ends a meeting");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  int64_t idLive = 0;
  char *zPresenter = NULL;
  int rcLive = meeting_live(pDb, zPeriod, &idLive, &zPresenter);
  if (rcLive != 1) {
    db_rollback(pDb);
    if (rcLive < 0) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
    return entry_err_set(e, KP_E_STATE, "period", "no meeting on %s is running", zPeriod);
  }
  int64_t iSeq = meeting_next_seq(pDb, zPeriod);
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb, "UPDATE meeting SET seq = ?2, ended_at = ?3, ended_by = ?4 "
                            "WHERE id = ?1");
  stmt_bind_int(s, 1, idLive);
  stmt_bind_int(s, 2, iSeq);
  stmt_bind_text(s, 3, zNow);
  stmt_bind_text(s, 4, w->pUser->zName);
  int bad = iSeq < 0 || stmt_run(s);
  stmt_finalize(s);
  if (bad) {
    free(zPresenter);
    return meeting_fail_db(pDb, e);
  }
  char *zObj = xasprintf("meeting:%s", zPeriod);
  json_t *d = json_pack("{s:I, s:s}", "meeting", (json_int_t)idLive, "presenter", zPresenter);
  free(zPresenter);
  int rcA = audit_record(pDb, w->pUser->zName, w->zIp, "meeting.end", zObj, "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA || db_commit(pDb)) return meeting_fail_db(pDb, e);
  int64_t iDummy;
  return meeting_get(pDb, zPeriod, ppOut, &iDummy, e);
}

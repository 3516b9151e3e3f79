/*
** workflow.c: open, close, compute and publish a period from the web API (workflow.h has
** the contract and says what is shared with the CLI verbs and what is repeated).
**
** Each function is one transaction that ends with its audit record (audit.h: the record
** commits with the change or nothing commits). Rules, as the CLI enforces them:
**   open     the period code is canonical, not yet stored; the scheme exists and is for
**            the period's year; the deadline is a real date
**   close    only an open period
**   compute  any stored period; while open the review is provisional
**   publish  a computed, non-provisional review of a closed (or republished) period whose
**            inputs still hash to what was computed
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "http/errcode.h"
#include "period.h"
#include "period_store.h"
#include "review.h"
#include "review_sources.h"
#include "scheme_store.h"
#include "util/mem.h"
#include "workflow.h"

static int workflow_date_valid(const char *z) {
  if (strlen(z) != 10 || z[4] != '-' || z[7] != '-') return 0;
  for (int i = 0; i < 10; i++) {
    if (i == 4 || i == 7) continue;
    if (z[i] < '0' || z[i] > '9') return 0;
  }
  int y = atoi(z), m = atoi(z + 5), d = atoi(z + 8);
  static const int aDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return 0;
  int nDays = aDays[m - 1] + (m == 2 && period_days_in_year(y) == 366);
  return d <= nDays;
}

/* The audit record could not be written: rolls back. -1 (e set). */
static int workflow_audit_failed(Db *pDb, EntryErr *e) {
  db_rollback(pDb);
  return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing changed");
}

/* Commits (the audit record is written); on failure rolls back. 0 or -1 (e set). */
static int workflow_end(Db *pDb, EntryErr *e) {
  if (db_commit(pDb)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  }
  return 0;
}

/* Writes the audit record and commits; on failure rolls back. 0 or -1 (e set). */
static int workflow_commit(Db *pDb, const EntryWho *w, const char *zEvent, const char *zPeriod,
                           json_t *pDetail, EntryErr *e) {
  char *zObj = xasprintf("period:%s", zPeriod);
  int rc = audit_record(pDb, w->pUser->zName, w->zIp, zEvent, zObj, "ok", pDetail);
  json_decref(pDetail);
  free(zObj);
  if (rc) return workflow_audit_failed(pDb, e);
  return workflow_end(pDb, e);
}

int workflow_open(Db *pDb, const EntryWho *w, const char *zCode, const char *zScheme,
                  const char *zDeadline, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_SCHEME_MANAGE))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the assessing office opens periods");
  Period per;
  char *zErr = NULL;
  if (period_parse(zCode, &per, &zErr)) {
    entry_err_set(e, KP_E_INVALID, "period", "%s", zErr ? zErr : "bad period code");
    free(zErr);
    return -1;
  }
  if (strcmp(per.zCode, zCode) != 0)
    return entry_err_set(e, KP_E_INVALID, "period", "write the period as %s", per.zCode);
  if (zDeadline && !workflow_date_valid(zDeadline))
    return entry_err_set(e, KP_E_INVALID, "deadline", "deadline must be a date YYYY-MM-DD");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  PeriodRow old;
  int rc = period_store_get(pDb, per.zCode, &old);
  if (rc != 0) {
    db_rollback(pDb);
    if (rc < 0) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
    return entry_err_set(e, KP_E_EXISTS, "period", "period %s already exists (state %s): a "
                         "period is opened once", per.zCode, old.zState);
  }
  int64_t iSchemeId;
  int iVersion;
  if (scheme_store_resolve(pDb, zScheme, &iSchemeId, &iVersion, &zErr)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_NO_SUCH, "scheme", "%s", zErr ? zErr : "no such scheme");
    free(zErr);
    return -1;
  }
  Scheme *pScheme = scheme_store_load(pDb, iSchemeId, NULL, &zErr);
  if (!pScheme) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr ? zErr : "cannot load the scheme");
    free(zErr);
    return -1;
  }
  int iYear = pScheme->iYear;
  char *zLabel = xasprintf("%s@%d", pScheme->zCode, iVersion);
  scheme_free(pScheme);
  if (iYear != 0 && iYear != per.iYear) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_INVALID, "scheme", "period %s is in %d, but scheme %s is for %d",
                  per.zCode, per.iYear, zLabel, iYear);
    free(zLabel);
    return -1;
  }
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb, "INSERT INTO period(code, scheme_id, state, deadline, opened_at)"
                            " VALUES (?1, ?2, 'open', ?3, ?4)");
  stmt_bind_text(s, 1, per.zCode);
  stmt_bind_int(s, 2, iSchemeId);
  stmt_bind_text(s, 3, zDeadline);
  stmt_bind_text(s, 4, zNow);
  rc = stmt_run(s);
  stmt_finalize(s);
  if (rc) {
    db_rollback(pDb);
    free(zLabel);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  if (workflow_commit(pDb, w, "period.open", per.zCode,
                      json_pack("{s:s, s:s?}", "scheme", zLabel, "deadline", zDeadline), e)) {
    free(zLabel);
    return -1;
  }
  *ppOut = json_pack("{s:s, s:s, s:s, s:s?}", "period", per.zCode, "state", "open", "scheme",
                     zLabel, "deadline", zDeadline);
  free(zLabel);
  return 0;
}

int workflow_close(Db *pDb, const EntryWho *w, const char *zCode, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_SCHEME_MANAGE))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the assessing office closes periods");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  PeriodRow per;
  int rc = period_store_get(pDb, zCode, &per);
  if (rc <= 0) {
    db_rollback(pDb);
    if (rc < 0) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
    return entry_err_set(e, KP_E_NO_SUCH, "period", "no period %s", zCode);
  }
  if (strcmp(per.zState, "open") != 0) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_STATE, "period", "period %s is already %s", per.zCode, per.zState);
  }
  /* what is still missing at closing time goes into the record */
  Stmt *s = db_prepare(pDb, "SELECT count(*) FROM observation_current WHERE period = ?1 "
                            "AND state IN ('draft','rejected')");
  stmt_bind_text(s, 1, per.zCode);
  int nOpen = stmt_step(s) == 1 ? (int)stmt_int(s, 0) : 0;
  stmt_finalize(s);
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "UPDATE period SET state = 'closed', closed_at = ?2"
                      " WHERE code = ?1 AND state = 'open'");
  stmt_bind_text(s, 1, per.zCode);
  stmt_bind_text(s, 2, zNow);
  rc = stmt_run(s);
  stmt_finalize(s);
  if (rc || db_changes(pDb) != 1) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  if (workflow_commit(pDb, w, "period.close", per.zCode,
                      json_pack("{s:s, s:s, s:i}", "before", "open", "after", "closed",
                                "unsubmitted_cells", nOpen), e))
    return -1;
  *ppOut = json_pack("{s:s, s:s, s:s, s:i}", "period", per.zCode, "state", "closed",
                     "closed_at", zNow, "unsubmitted_cells", nOpen);
  return 0;
}

int workflow_compute(Db *pDb, const EntryWho *w, const char *zCode, json_t **ppOut,
                     EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_REVIEW_PUBLISH))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the assessing office computes reviews");
  ReviewInputs *pIn = NULL;
  ScoreResult *pRes = NULL;
  json_t *pDoc = NULL;
  char *zErr = NULL;
  int rc = -1;
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  PeriodRow per;
  int rcGet = period_store_get(pDb, zCode, &per);
  if (rcGet <= 0) {
    entry_err_set(e, rcGet < 0 ? KP_E_INTERNAL : KP_E_NO_SUCH, "period", "no period %s", zCode);
    goto rollback;
  }
  /* the derived observations first (findings, projects, wishes), in this transaction */
  json_t *pSources = NULL;
  if (review_sources_sync(pDb, w, per.zCode, &pSources, e)) goto rollback;
  if (review_load(pDb, zCode, NULL, 0, &pIn, &zErr)) {
    json_decref(pSources);
    entry_err_set(e, KP_E_STATE, "period", "%s", zErr ? zErr : "the inputs cannot be loaded");
    goto rollback;
  }
  pIn->pSources = pSources;
  if (!(pRes = score_compute(&pIn->in, &zErr))) {
    entry_err_set(e, KP_E_STATE, "period", "the inputs cannot be scored (nothing was saved): %s",
                  zErr ? zErr : "?");
    goto rollback;
  }
  char zSha[65];
  int iRevision = 0, bProvisional = 0;
  switch (review_store_computed(pDb, zCode, pIn, pRes, w->pUser->zName, w->zIp, zSha,
                                &iRevision, &bProvisional, &pDoc, &zErr)) {
    case 0: break;
    case REVIEW_STORE_DERIVE:
      entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr ? zErr : "cannot derive the review");
      goto rollback;
    case REVIEW_STORE_AUDIT:
      workflow_audit_failed(pDb, e);
      goto done;
    default: goto db_error;
  }
  if (workflow_end(pDb, e)) goto done;
  *ppOut = json_pack("{s:s, s:s, s:i, s:i, s:s, s:b, s:O}", "period", zCode, "state",
                     "computed", "revision", iRevision, "units", pIn->nUnit, "inputs_sha256",
                     zSha, "provisional", bProvisional, "sources", pIn->pSources);
  rc = 0;
  goto done;
db_error:
  entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
rollback:
  db_rollback(pDb);
done:
  json_decref(pDoc);
  free(zErr);
  if (pRes) score_result_free(pRes);
  review_inputs_free(pIn);
  return rc;
}

int workflow_publish(Db *pDb, const EntryWho *w, const char *zCode, json_t **ppOut,
                     EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_REVIEW_PUBLISH))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the assessing office publishes reviews");
  ReviewInputs *pIn = NULL;
  json_t *pDoc = NULL;
  char *zErr = NULL;
  char zSha[65] = "", zStoredSha[65] = "", zState[16] = "";
  int rc = -1;
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT id, revision, inputs_sha256, result FROM review "
                            "WHERE period = ?1 AND state = 'computed' "
                            "ORDER BY revision DESC LIMIT 1");
  stmt_bind_text(s, 1, zCode);
  int r = stmt_step(s);
  int64_t iReview = 0;
  int iRevision = 0;
  if (r == 1) {
    iReview = stmt_int(s, 0);
    iRevision = (int)stmt_int(s, 1);
    snprintf(zStoredSha, sizeof zStoredSha, "%s", stmt_text(s, 2));
    pDoc = json_loads(stmt_text(s, 3), 0, NULL);
  }
  stmt_finalize(s);
  s = db_prepare(pDb, "SELECT state FROM period WHERE code = ?1");
  stmt_bind_text(s, 1, zCode);
  int rp = stmt_step(s);
  if (rp == 1) snprintf(zState, sizeof zState, "%s", stmt_text(s, 0));
  stmt_finalize(s);
  if (r < 0 || rp < 0) goto db_error;
  if (rp == 0) {
    entry_err_set(e, KP_E_NO_SUCH, "period", "no period %s", zCode);
    goto rollback;
  }
  if (r == 0) {
    entry_err_set(e, KP_E_STATE, "period", "no computed review of %s to publish (compute it first)%s",
                  zCode, strcmp(zState, "published") == 0 ? "; the published one is current" : "");
    goto rollback;
  }
  if (!pDoc) {
    entry_err_set(e, KP_E_STATE, "period", "the stored review of %s is not valid JSON: recompute it", zCode);
    goto rollback;
  }
  if (strcmp(zState, "open") == 0) {
    entry_err_set(e, KP_E_STATE, "period", "period %s is still open: close it, then recompute and "
                  "publish", zCode);
    goto rollback;
  }
  if (json_is_true(json_object_get(pDoc, "provisional"))) {
    entry_err_set(e, KP_E_STATE, "period", "the review of %s was computed while the period was open "
                  "(provisional): compute it again, then publish", zCode);
    goto rollback;
  }
  if (review_load(pDb, zCode, NULL, 0, &pIn, &zErr)) {
    entry_err_set(e, KP_E_STATE, "period", "%s", zErr ? zErr : "cannot load the inputs");
    goto rollback;
  }
  review_inputs_sha256(pIn, zSha);
  if (strcmp(zSha, zStoredSha) != 0) {
    entry_err_set(e, KP_E_STATE, "period", "the inputs of %s changed after the review was computed: "
                  "compute it again, then publish", zCode);
    goto rollback;
  }
  int iOld = 0;
  switch (review_store_published(pDb, zCode, iReview, iRevision, zSha, w->pUser->zName, w->zIp,
                                 &iOld)) {
    case 0: break;
    case REVIEW_STORE_AUDIT:
      workflow_audit_failed(pDb, e);
      goto done;
    default: goto db_error;
  }
  if (workflow_end(pDb, e)) goto done;
  *ppOut = json_pack("{s:s, s:s, s:i, s:i, s:s}", "period", zCode, "state", "published",
                     "revision", iRevision, "supersedes", iOld, "inputs_sha256", zSha);
  rc = 0;
  goto done;
db_error:
  entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
rollback:
  db_rollback(pDb);
done:
  json_decref(pDoc);
  free(zErr);
  review_inputs_free(pIn);
  return rc;
}

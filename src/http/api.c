/*
** api.c: the handlers of the JSON API under /api/ (the rows of router.c's table).
**
** Each handler starts where the router's prologue ended: the route matched, the account
** holds the row's capability, CSRF was checked. It parses its declared body fields
** (unknown fields are refused: no mass assignment), asks the domain module (auth.c,
** audit.c, the review table) to do the work, and renders JSON with jansson. Scope that the
** capability alone cannot express (a reporter's own unit, one's own roles) is enforced
** here and again in the domain module.
**
** Secrets in requests (passwords) are wiped from the request body and the parsed JSON as
** soon as they were used (GB/T 22239 8.1.4.10: residual information).
**
** Not here: sessions, lockout and the password rules (auth.c), HTML pages (pages.c).
*/
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "audit.h"
#include "http/http.h"
#include "store/db.h"

/* Overwrites the password-bearing parts of a request: the raw body and the parsed strings. */
static void api_wipe(HttpReq *r, json_t *o, const char *const *azKeys) {
  if (r->zBody && r->nBody) sodium_memzero((char *)r->zBody, r->nBody);
  for (int i = 0; o && azKeys[i]; i++) {
    json_t *v = json_object_get(o, azKeys[i]);
    if (json_is_string(v)) sodium_memzero((char *)json_string_value(v), json_string_length(v));
  }
}

static void api_wipe_str(const char *z) {
  if (z) sodium_memzero((char *)z, strlen(z));
}

static json_t *api_roles_json(unsigned m) {
  json_t *a = json_array();
  for (int i = 0; i < ROLE_COUNT; i++)
    if (m & ROLE_BIT(i)) json_array_append_new(a, json_string(auth_role_name(i)));
  return a;
}

static json_t *api_caps_json(Caps c) {
  json_t *a = json_array();
  for (int i = 0; i < CAP_COUNT; i++)
    if (c & (1u << i)) json_array_append_new(a, json_string(auth_cap_name(1u << i)));
  return a;
}

/* Audits a sensitive read; -1 (and a 503 response) when the record cannot be written:
** a read that must be audited is not served unaudited (fail closed). */
static int api_audit_read(HttpReq *r, const char *zEvent, const char *zObject, json_t *pDetail) {
  int rc = audit_record(r->pDb, r->user.zName, r->zPeer, zEvent, zObject, "ok", pDetail);
  json_decref(pDetail);
  if (rc) return http_fail(r, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: try again");
  return 0;
}

/* ---- sessions -------------------------------------------------------------------------- */

/* Maps a failed authentication to its response. */
static int api_auth_fail(HttpReq *r, int rc, int nRetry) {
  char zRetry[24];
  snprintf(zRetry, sizeof zRetry, "%d", nRetry > 0 ? nRetry : 1);
  switch (rc) {
    case AUTH_BAD_CREDENTIALS:
      return http_fail(r, KP_E_BAD_CREDENTIALS, NULL, "wrong user name or password");
    case AUTH_LOCKED:
      http_fail(r, KP_E_LOCKED, NULL,
                "too many failed logins: the account is locked, try again later or ask the "
                "security administrator");
      http_add_header(r, "Retry-After", zRetry);
      return -1;
    case AUTH_THROTTLED:
      http_fail(r, KP_E_THROTTLED, NULL, "too many failed logins from this address");
      http_add_header(r, "Retry-After", zRetry);
      return -1;
    case AUTH_DISABLED:
      return http_fail(r, KP_E_DISABLED, NULL,
                       "the account is locked by an administrator: ask the security "
                       "administrator");
    case AUTH_NETWORK:
      return http_fail(r, KP_E_SCOPE, NULL,
                       "administrator accounts may not sign in from this address");
    default:
      return http_fail(r, KP_E_UNAVAILABLE, NULL, "sign-in could not be recorded: try again");
  }
}

int api_login(HttpReq *r) {
  static const char *const azField[] = {"username", "password", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zUser = http_json_str(r, o, "username", 64, 1);
  const char *zPw = zUser ? http_json_str(r, o, "password", AUTH_PASSWORD_MAX_BYTES, 1) : NULL;
  api_wipe(r, o, azField + 1);
  json_decref(o);
  if (!zUser || !zPw) return -1;
  AuthLogin lg;
  int rc = auth_login(r->pDb, zUser, zPw, r->zPeer, http_header(r, "User-Agent"), &lg);
  api_wipe_str(zPw);
  if (rc != AUTH_OK) return api_auth_fail(r, rc, lg.nRetryAfter);
  if (lg.bTotpRequired) {
    /* password right; no session yet: the code goes to POST /api/login/totp */
    http_json(r, 200, json_pack("{s:s, s:s, s:i}", "status", "totp_required", "pending_token",
                                lg.zPending, "expires_in", AUTH_PENDING_SECONDS));
    sodium_memzero(&lg, sizeof lg);
    return 0;
  }
  AuthUser u;
  if (auth_user_load(r->pDb, r->pArena, zUser, &u)) {
    memset(&u, 0, sizeof u);
    u.zName = (char *)zUser;
  }
  http_set_session_cookie(r, lg.zToken);
  http_json(r, 200,
            json_pack("{s:s, s:o, s:b, s:b, s:b, s:s}", "username", u.zName, "roles", api_roles_json(u.mRoles),
                      "must_change_password", lg.bMustChange, "password_expired", lg.bExpired,
                      "totp_enrol_required", lg.bTotpEnrol, "csrf_token", lg.zCsrf));
  sodium_memzero(&lg, sizeof lg);
  return 0;
}

/* POST /api/login/totp {pending_token, code}: the second login step. */
int api_login_totp(HttpReq *r) {
  static const char *const azField[] = {"pending_token", "code", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zPending = http_json_str(r, o, "pending_token", 64, 1);
  const char *zCode = zPending ? http_json_str(r, o, "code", 16, 1) : NULL;
  json_decref(o);
  if (!zPending || !zCode) return -1;
  AuthLogin lg;
  int rc = auth_login_totp(r->pDb, zPending, zCode, r->zPeer, http_header(r, "User-Agent"), &lg);
  if (rc == AUTH_KEY) /* the detail (key file) went to the server log */
    return http_fail(r, KP_E_INTERNAL, NULL,
                     "the one-time code cannot be checked: the server's TOTP key is missing or "
                     "wrong (the administrator sees the server log)");
  if (rc == AUTH_BAD_CREDENTIALS)
    return http_fail(r, KP_E_BAD_CREDENTIALS, "code",
                     "wrong or used one-time code, or the sign-in step expired");
  if (rc != AUTH_OK) return api_auth_fail(r, rc, lg.nRetryAfter);
  Arena *pA = r->pArena;
  AuthUser u;
  memset(&u, 0, sizeof u);
  (void)auth_session_load(r->pDb, pA, lg.zToken, r->zPeer, &u, NULL);
  http_set_session_cookie(r, lg.zToken);
  http_json(r, 200,
            json_pack("{s:s?, s:o, s:b, s:b, s:b, s:s}", "username", u.zName, "roles",
                      api_roles_json(u.mRoles), "must_change_password", lg.bMustChange,
                      "password_expired", lg.bExpired, "totp_enrol_required", lg.bTotpEnrol,
                      "csrf_token", lg.zCsrf));
  sodium_memzero(&lg, sizeof lg);
  return 0;
}

/* The failure of an enrolment step. A key-file problem (KP_E_INTERNAL) names a server path:
** the detail goes to the server log, the client gets a plain 500. */
static void api_totp_fail(HttpReq *r, int code, const char *zField, const char *zErr) {
  if (code == KP_E_INTERNAL) {
    fprintf(stderr, "kaoping: TOTP enrolment of %s refused: %s\n", r->user.zName, zErr);
    http_fail(r, code, NULL, "the second factor cannot be stored: the server's TOTP key is "
                             "missing or wrong (the administrator sees the server log)");
  } else {
    http_fail(r, code, zField, "%s", zErr);
  }
}

/* POST /api/totp/enrol: a new, unconfirmed secret for the signed-in account, returned this
** once (otpauth URI and base32); refused when one is confirmed already. */
int api_totp_enrol(HttpReq *r) {
  char *zB32 = NULL, *zUri = NULL, *zErr = NULL;
  int code = 0;
  if (auth_totp_enrol(r->pDb, r->user.zName, 0, r->user.zName, r->zPeer, &zB32, &zUri, &code,
                      &zErr)) {
    api_totp_fail(r, code, NULL, zErr);
    free(zErr);
    return -1;
  }
  http_json(r, 200, json_pack("{s:s, s:s, s:b}", "otpauth_uri", zUri, "secret", zB32,
                              "confirmed", 0));
  api_wipe_str(zB32);
  api_wipe_str(zUri);
  free(zB32);
  free(zUri);
  return 0;
}

/* POST /api/totp/confirm {code}: turns the enrolment on. */
int api_totp_confirm(HttpReq *r) {
  static const char *const azField[] = {"code", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zCode = http_json_str(r, o, "code", 16, 1);
  json_decref(o);
  if (!zCode) return -1;
  char *zErr = NULL;
  int code = 0;
  if (auth_totp_confirm(r->pDb, r->user.zName, zCode, r->user.zName, r->zPeer, &code, &zErr)) {
    api_totp_fail(r, code, code == KP_E_INVALID ? "code" : NULL, zErr);
    free(zErr);
    return -1;
  }
  http_json(r, 200, json_pack("{s:b}", "confirmed", 1));
  return 0;
}

int api_logout(HttpReq *r) {
  if (r->zToken) {
    auth_session_end(r->pDb, r->zToken);
    (void)audit_record(r->pDb, r->user.zName, r->zPeer, "logout", NULL, "ok", NULL);
  }
  http_set_session_cookie(r, NULL);
  http_add_header(r, "Clear-Site-Data", "\"cache\", \"cookies\", \"storage\"");
  http_json(r, 200, json_pack("{s:b}", "ok", 1));
  return 0;
}

int api_me(HttpReq *r) {
  const AuthUser *u = &r->user;
  json_t *o = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:b, s:b, s:s?}", "username", u->zName, "display_name", u->zDisplay,
                        "unit", u->zUnit, "roles", api_roles_json(u->mRoles), "capabilities",
                        api_caps_json(u->caps), "must_change_password", u->bPasswordChange,
                        "password_expired", u->bExpired, "csrf_token",
                        r->zToken ? r->zCsrf : NULL);
  json_object_set_new(o, "totp_enrol_required", json_boolean(u->bTotpEnrol));
  json_object_set_new(o, "session",
                      json_pack("{s:I, s:I}", "idle_seconds",
                                (json_int_t)auth_setting(r->pDb, "session_idle_seconds"),
                                "absolute_seconds",
                                (json_int_t)auth_setting(r->pDb, "session_absolute_seconds")));
  http_json(r, 200, o);
  return 0;
}

int api_password(HttpReq *r) {
  static const char *const azField[] = {"old_password", "new_password", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zOld = http_json_str(r, o, "old_password", AUTH_PASSWORD_MAX_BYTES, 1);
  const char *zNew = zOld ? http_json_str(r, o, "new_password", AUTH_PASSWORD_MAX_BYTES, 1) : NULL;
  api_wipe(r, o, azField);
  json_decref(o);
  if (!zOld || !zNew) {
    api_wipe_str(zOld);
    return -1;
  }
  int rc = auth_verify_current(r->pDb, r->user.zName, zOld, r->zPeer);
  api_wipe_str(zOld);
  if (rc != AUTH_OK) {
    api_wipe_str(zNew);
    if (rc == AUTH_BAD_CREDENTIALS)
      return http_fail(r, KP_E_BAD_CREDENTIALS, "old_password", "the current password is wrong");
    return api_auth_fail(r, rc, (int)auth_setting(r->pDb, "lockout_seconds"));
  }
  char *zErr = NULL;
  int code = 0;
  rc = auth_password_set(r->pDb, r->user.zName, zNew, 0, r->user.zName, r->zPeer, &code, &zErr);
  api_wipe_str(zNew);
  if (rc) {
    http_fail(r, code, code == KP_E_PASSWORD_POLICY ? "new_password" : NULL, "%s", zErr);
    free(zErr);
    return -1;
  }
  /* every session ended with the change: issue a fresh one to the changer (no fixation) */
  AuthLogin lg;
  memset(&lg, 0, sizeof lg);
  if (!r->zAsUser) {
    if (auth_session_open(r->pDb, r->user.id, r->zPeer, http_header(r, "User-Agent"), &lg))
      return http_fail(r, KP_E_UNAVAILABLE, NULL,
                       "password changed, but no new session could be opened: sign in again");
    http_set_session_cookie(r, lg.zToken);
  }
  http_json(r, 200,
            json_pack("{s:b, s:b, s:b, s:s?}", "ok", 1, "must_change_password", 0,
                      "totp_enrol_required", r->user.bTotpEnrol, "csrf_token",
                      r->zAsUser ? NULL : lg.zCsrf));
  sodium_memzero(&lg, sizeof lg);
  return 0;
}

/* ---- periods and reviews --------------------------------------------------------------- */

int api_periods(HttpReq *r) {
  json_t *a = json_array();
  Stmt *s = db_prepare(r->pDb,
                       "SELECT p.code, p.state, p.deadline, s.code, s.version, s.name, "
                       "p.published_at, "
                       "(SELECT max(v.revision) FROM review v WHERE v.period = p.code "
                       "  AND v.state = 'published'), "
                       "(SELECT max(v.revision) FROM review v WHERE v.period = p.code "
                       "  AND v.state IN ('computed','published')) "
                       "FROM period p JOIN scheme s ON s.id = p.scheme_id ORDER BY p.code");
  int bDraft = auth_has(&r->user, CAP_REVIEW_DRAFT);
  while (stmt_step(s) == 1) {
    json_t *o = json_pack("{s:s, s:s, s:s?, s:{s:s, s:I, s:s}, s:s?}", "code", stmt_text(s, 0), "state",
                          stmt_text(s, 1), "deadline", stmt_text(s, 2), "scheme", "code",
                          stmt_text(s, 3), "version", (json_int_t)stmt_int(s, 4), "name",
                          stmt_text(s, 5), "published_at", stmt_text(s, 6));
    json_object_set_new(o, "review_published", json_boolean(!stmt_is_null(s, 7)));
    if (bDraft) json_object_set_new(o, "review_computed", json_boolean(!stmt_is_null(s, 8)));
    json_array_append_new(a, o);
  }
  stmt_finalize(s);
  http_json(r, 200, json_pack("{s:o}", "periods", a));
  return 0;
}

/* Cuts a unit entry of the review down to its ranking (a reporter's view of others). */
static void api_review_ranking_only(json_t *u) {
  static const char *const azDetail[] = {"indicators", "categories", "shortfalls", "strengths",
                                         "potential", "double_half", NULL};
  for (int i = 0; azDetail[i]; i++) json_object_del(u, azDetail[i]);
}

int api_review_for(HttpReq *r, const char *zPeriod, char **pzJson, char *zState,
                   int *piRevision) {
  *pzJson = NULL;
  Stmt *s;
  if (auth_has(&r->user, CAP_REVIEW_DRAFT)) {
    s = db_prepare(r->pDb, "SELECT state, result, revision FROM review WHERE period = ?1 "
                           "AND state IN ('computed','published') ORDER BY revision DESC LIMIT 1");
  } else {
    s = db_prepare(r->pDb, "SELECT state, result, revision FROM review WHERE period = ?1 "
                           "AND state = 'published' ORDER BY revision DESC LIMIT 1");
  }
  stmt_bind_text(s, 1, zPeriod);
  int rc = stmt_step(s);
  if (rc == 1) {
    snprintf(zState, 16, "%s", stmt_text(s, 0));
    *piRevision = (int)stmt_int(s, 2);
    *pzJson = xstrdup(stmt_text(s, 1));
  }
  stmt_finalize(s);
  if (rc < 0) return -1;
  if (rc == 0) return 1;
  if (!auth_has(&r->user, CAP_ALL_UNITS)) {
    /* scope: the own unit in full, every other unit's ranking only */
    json_t *o = json_loads(*pzJson, 0, NULL);
    if (!o) return -1;
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(o, "units"), i, u) {
      const char *zCode = json_string_value(json_object_get(u, "code"));
      if (!r->user.zUnit || !zCode || strcmp(zCode, r->user.zUnit) != 0)
        api_review_ranking_only(u);
    }
    free(*pzJson);
    *pzJson = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!*pzJson) return -1;
  }
  return 0;
}

/* ---- the review response cache ----------------------------------------------------------
**
** GET /api/reviews/{period} used to parse the stored review (150 KB for the demo) and print
** it again on every request: about 4 ms of CPU, 1 % of nginx's rate on the same bytes
** (bench/http). The response body is a pure function of the review row and the reader's
** scope, and a review row's content never changes (a correction is a new revision), so the
** finished body is kept in the response cache (cache.c), keyed by (row id, state, revision,
** inputs hash, computed_at, scope). The key is read with a small query that skips the result
** column; a body is stored only when the row read with it is the row of the key (a
** publication between the two queries is not cached under the old key). Per-request work
** that must not be cached still runs on a hit: the session, the capability and the audit
** record of a draft read (before the body is served). */

/* The cache key of the review the request would get (malloc'd), or NULL when there is
** none or it cannot be read (the slow path then answers). */
static char *api_review_cache_key(HttpReq *r, const char *zPeriod, int *piRev, char *zState) {
  Stmt *s;
  if (auth_has(&r->user, CAP_REVIEW_DRAFT)) {
    s = db_prepare(r->pDb, "SELECT id, state, revision, inputs_sha256, computed_at FROM review "
                           "WHERE period = ?1 AND state IN ('computed','published') "
                           "ORDER BY revision DESC LIMIT 1");
  } else {
    s = db_prepare(r->pDb, "SELECT id, state, revision, inputs_sha256, computed_at FROM review "
                           "WHERE period = ?1 AND state = 'published' "
                           "ORDER BY revision DESC LIMIT 1");
  }
  stmt_bind_text(s, 1, zPeriod);
  char *zKey = NULL;
  if (stmt_step(s) == 1) {
    const char *zScope = auth_has(&r->user, CAP_ALL_UNITS) ? "*"
                         : r->user.zUnit                  ? r->user.zUnit
                                                          : "-";
    snprintf(zState, 16, "%s", stmt_text(s, 1) ? stmt_text(s, 1) : "");
    *piRev = (int)stmt_int(s, 2);
    zKey = xasprintf("review|%" PRId64 "|%s|%d|%s|%s|%s|%s", stmt_int(s, 0), zState, *piRev,
                     stmt_text(s, 3) ? stmt_text(s, 3) : "", stmt_text(s, 4) ? stmt_text(s, 4) : "",
                     zPeriod, zScope);
  }
  stmt_finalize(s);
  return zKey;
}

/* Audits the read of an unpublished review (fail closed). 0 or -1 (response set). */
static int api_review_audit_draft(HttpReq *r, const char *zPeriod, const char *zState, int iRev) {
  if (strcmp(zState, "published") == 0) return 0;
  char *zObj = xasprintf("review:%s", zPeriod);
  int rcA = api_audit_read(r, "review.read", zObj,
                           json_pack("{s:s, s:i}", "state", zState, "revision", iRev));
  free(zObj);
  return rcA;
}

int api_review(HttpReq *r) {
  const char *zPeriod = http_arg(r, "period");
  char *zJson = NULL;
  char zState[16], zKeyState[16];
  int iRev = 0, iKeyRev = -1, bAudited = 0;
  char *zKey = api_review_cache_key(r, zPeriod, &iKeyRev, zKeyState);
  if (zKey) {
    /* the audit of a draft read comes first: no body leaves unaudited */
    if (api_review_audit_draft(r, zPeriod, zKeyState, iKeyRev)) {
      free(zKey);
      return -1;
    }
    bAudited = 1;
    if (http_cache_serve(r, zKey)) {
      free(zKey);
      return 0;
    }
  }
  int rc = api_review_for(r, zPeriod, &zJson, zState, &iRev);
  if (rc) free(zKey);
  if (rc < 0) return http_fail(r, KP_E_INTERNAL, NULL, "the stored review cannot be read");
  if (rc > 0)
    return http_fail(r, KP_E_NO_SUCH, "period", "no %s review for period %s",
                     auth_has(&r->user, CAP_REVIEW_DRAFT) ? "computed or published"
                                                          : "published",
                     zPeriod);
  int bSameRow = zKey && iRev == iKeyRev && strcmp(zState, zKeyState) == 0;
  json_t *pReview = json_loads(zJson, 0, NULL);
  free(zJson);
  if (!pReview) {
    free(zKey);
    return http_fail(r, KP_E_INTERNAL, NULL, "the stored review is not JSON");
  }
  if ((!bAudited || !bSameRow) && api_review_audit_draft(r, zPeriod, zState, iRev)) {
    json_decref(pReview);
    free(zKey);
    return -1;
  }
  http_json(r, 200,
            json_pack("{s:s, s:s, s:i, s:o}", "period", zPeriod, "state", zState, "revision", iRev,
                      "review", pReview));
  /* cache only when the row served is the row of the key */
  if (bSameRow) http_cache_store(r, zKey);
  free(zKey);
  return 0;
}

/* ---- accounts ------------------------------------------------------------------------ */

int api_users_list(HttpReq *r) {
  if (api_audit_read(r, "user.list", NULL, NULL)) return -1;
  json_t *a = json_array();
  Stmt *s = db_prepare(r->pDb, "SELECT name FROM users ORDER BY name");
  while (stmt_step(s) == 1) {
    AuthUser u;
    if (auth_user_load(r->pDb, r->pArena, stmt_text(s, 0), &u)) continue;
    int64_t tLocked = auth_time_parse(u.zLockedUntil);
    json_array_append_new(
        a, json_pack("{s:s, s:s, s:s?, s:o, s:b, s:b, s:b, s:b, s:b, s:b, s:i, s:s?}", "username", u.zName, "display_name", u.zDisplay,
                     "unit", u.zUnit, "roles", api_roles_json(u.mRoles), "disabled",
                     u.bDisabled, "locked_out", tLocked > auth_now(), "must_change_password",
                     u.bPasswordChange, "password_expired", u.bExpired, "totp_enrolled",
                     auth_totp_enrolled(r->pDb, u.id), "totp_enrol_required", u.bTotpEnrol,
                     "failed_logins", u.nFailed, "last_login_at", u.zLastLogin));
  }
  stmt_finalize(s);
  http_json(r, 200, json_pack("{s:o}", "users", a));
  return 0;
}

int api_users_add(HttpReq *r) {
  static const char *const azField[] = {"username", "display_name", "unit", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zName = http_json_str(r, o, "username", 64, 1);
  const char *zDisplay = zName ? http_json_str(r, o, "display_name", 256, 0) : NULL;
  const char *zUnit = zName && r->iStatus == 0 ? http_json_str(r, o, "unit", 32, 0) : NULL;
  json_decref(o);
  if (!zName || r->iStatus) return -1;
  char *zGen = NULL, *zErr = NULL;
  int code = 0;
  const char *zField = NULL;
  if (auth_user_add(r->pDb, zName, zDisplay, zUnit, NULL, r->user.zName, r->zPeer, &zGen, &code,
                    &zField, &zErr)) {
    http_fail(r, code, zField, "%s", zErr);
    free(zErr);
    return -1;
  }
  http_json(r, 201,
            json_pack("{s:s, s:s, s:b}", "username", zName, "initial_password", zGen ? zGen : "",
                      "must_change_password", 1));
  if (zGen) {
    sodium_memzero(zGen, strlen(zGen));
    free(zGen);
  }
  return 0;
}

int api_user_roles(HttpReq *r) {
  static const char *const azField[] = {"roles", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  json_t *a = json_object_get(o, "roles");
  if (!a) {
    json_decref(o);
    return http_fail(r, KP_E_MISSING, "roles", "roles is required (a list of role names)");
  }
  if (!json_is_array(a) || json_array_size(a) > ROLE_COUNT) {
    json_decref(o);
    return http_fail(r, KP_E_INVALID, "roles", "roles must be a list of role names");
  }
  unsigned m = 0;
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    int iRole = auth_role_find(json_string_value(v));
    if (iRole < 0) {
      json_decref(o);
      return http_fail(r, KP_E_INVALID, "roles",
                       "unknown role in roles (roles: sysadmin, secadmin, auditor, assessor, "
                       "provider, reporter, inspector, leader)");
    }
    m |= ROLE_BIT(iRole);
  }
  json_decref(o);
  const char *zName = http_arg(r, "name");
  char *zErr = NULL;
  int code = 0;
  /* through the API only business roles move; the three administrator roles are the
  ** server operator's (kaoping user roles) */
  unsigned mGrantable = ((1u << ROLE_COUNT) - 1) & ~ROLE_ADMIN_MASK;
  if (auth_user_set_roles(r->pDb, zName, m, mGrantable, r->user.zName, r->zPeer, &code, &zErr)) {
    http_fail(r, code, code == KP_E_NO_SUCH ? NULL : "roles", "%s", zErr);
    free(zErr);
    return -1;
  }
  http_json(r, 200, json_pack("{s:s, s:o}", "username", zName, "roles", api_roles_json(m)));
  return 0;
}

int api_user_unlock(HttpReq *r) {
  const char *zName = http_arg(r, "name");
  char *zErr = NULL;
  int code = 0;
  if (auth_user_lock(r->pDb, zName, 0, r->user.zName, r->zPeer, &code, &zErr)) {
    http_fail(r, code, NULL, "%s", zErr);
    free(zErr);
    return -1;
  }
  http_json(r, 200, json_pack("{s:s, s:b}", "username", zName, "unlocked", 1));
  return 0;
}

/* ---- audit --------------------------------------------------------------------------- */

/* A whole number in [lo, hi] from a query parameter; -1 after a 400 response. */
static int api_query_int(HttpReq *r, const char *zName, int64_t lo, int64_t hi, int64_t dflt,
                         int64_t *pOut) {
  const char *z = http_query(r, zName);
  *pOut = dflt;
  if (!z) return 0;
  char *zEnd;
  long long v = strtoll(z, &zEnd, 10);
  if (!*z || *zEnd || v < lo || v > hi)
    return http_fail(r, KP_E_INVALID, zName, "%s must be a whole number from %" PRId64
                     " to %" PRId64, zName, lo, hi);
  *pOut = v;
  return 0;
}

/* GET /api/audit/export: the whole log as CSV (audit_export_csv), audited first. */
int api_audit_export(HttpReq *r) {
  if (api_audit_read(r, "audit.export", "audit", NULL)) return -1;
  if (audit_export_csv(r->pDb, &r->body))
    return http_fail(r, KP_E_UNAVAILABLE, NULL, "the audit log cannot be read: try again");
  r->iStatus = 200;
  r->zContentType = "text/csv; charset=utf-8";
  http_add_header(r, "Content-Disposition", "attachment; filename=\"audit.csv\"");
  return 0;
}

int api_audit(HttpReq *r) {
  int64_t nLimit, idBefore;
  if (api_query_int(r, "limit", 1, 1000, 100, &nLimit)) return -1;
  if (api_query_int(r, "before", 1, INT64_MAX, 0, &idBefore)) return -1;
  if (api_audit_read(r, "audit.read", NULL, NULL)) return -1;
  http_json(r, 200, json_pack("{s:o}", "records", audit_list_json(r->pDb, idBefore, (int)nLimit)));
  return 0;
}

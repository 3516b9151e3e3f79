/*
** api_entry.c: the handlers of data entry, the period workflow, units, review comments and
** bulletin downloads (rows of router.c's table; docs/api.md documents each one).
**
** Each handler follows the fixed prologue (STYLE.md R3): parse the declared body fields and
** query parameters (unknown fields are refused) -> the router already checked the row's
** capability -> the domain module (entry.c, workflow.c, comment.c) does the work and
** enforces the scope of the account again -> render JSON. Domain errors come back as an
** EntryErr (KP_E_* code, field, message, optional extra JSON) and are rendered here.
**
** Not here: the rules of entry and the workflow (entry.c, workflow.c), the renderers of the
** bulletin (report/).
*/
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "comment.h"
#include "entry.h"
#include "http/http.h"
#include "report/flag_section.h"
#include "report/report.h"
#include "store/db.h"
#include "workflow.h"

/* Renders a domain result: 200 with *pOut, or the error of e. */
static int api_entry_result(HttpReq *r, int rc, json_t *pOut, EntryErr *e, int iOkStatus) {
  if (rc) {
    if (e->iCode == KP_E_INTERNAL)
      fprintf(stderr, "kaoping serve: rid=%s: %s\n", r->zRid, e->zMsg);
    http_fail_extra(r, e->iCode ? e->iCode : KP_E_INTERNAL, e->zField, e->pExtra, "%s",
                    e->iCode == KP_E_INTERNAL ? "internal error" : e->zMsg);
    entry_err_free(e);
    return -1;
  }
  http_json(r, iOkStatus, pOut);
  return 0;
}

static void api_who(HttpReq *r, EntryWho *w, EntryErr *e) {
  w->pUser = &r->user;
  w->zIp = r->zPeer;
  memset(e, 0, sizeof *e);
}

/* ---- entry --------------------------------------------------------------------------------- */

int api_entry_grid(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = entry_grid(r->pDb, &w, http_arg(r, "period"), http_query(r, "unit"),
                      http_query(r, "indicator"), &pOut, &e);
  return api_entry_result(r, rc, pOut, &e, 200);
}

int api_entry_save(HttpReq *r) {
  static const char *const azField[] = {"items", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  json_t *aItems = json_object_get(o, "items");
  if (!aItems) {
    json_decref(o);
    return http_fail(r, KP_E_MISSING, "items", "items is required: [{unit, indicator, value, note}]");
  }
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = entry_save(r->pDb, &w, http_arg(r, "period"), aItems, &pOut, &e);
  json_decref(o);
  return api_entry_result(r, rc, pOut, &e, 200);
}

int api_entry_submit(HttpReq *r) {
  static const char *const azField[] = {"unit", "indicator", NULL};
  const char *zUnit = NULL, *zInd = NULL;
  if (r->nBody) {
    json_t *o = http_json_body(r, azField);
    if (!o) return -1;
    zUnit = http_json_str(r, o, "unit", 16, 0);
    if (!r->iStatus) zInd = http_json_str(r, o, "indicator", 32, 0);
    json_decref(o);
    if (r->iStatus) return -1;
  }
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = entry_submit(r->pDb, &w, http_arg(r, "period"), zUnit, zInd, &pOut, &e);
  return api_entry_result(r, rc, pOut, &e, 200);
}

/* verify and return share one handler: the path says which */
int api_entry_check(HttpReq *r) {
  int bReturn = strstr(r->pRoute->zPattern, "/return") != NULL;
  static const char *const azVerify[] = {"unit", "indicator", NULL};
  static const char *const azReturn[] = {"unit", "indicator", "reason", NULL};
  json_t *o = http_json_body(r, bReturn ? azReturn : azVerify);
  if (!o) return -1;
  const char *zUnit = http_json_str(r, o, "unit", 16, 1);
  const char *zInd = !r->iStatus ? http_json_str(r, o, "indicator", 32, 0) : NULL;
  const char *zReason = !r->iStatus && bReturn ? http_json_str(r, o, "reason", 1000, 1) : NULL;
  json_decref(o);
  if (r->iStatus) return -1;
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = entry_check(r->pDb, &w, http_arg(r, "period"), zUnit, zInd,
                       bReturn ? (zReason ? zReason : "") : NULL, &pOut, &e);
  return api_entry_result(r, rc, pOut, &e, 200);
}

/* Is an uploaded file's name acceptable (a plain file name, no path, no control bytes)? */
static int api_filename_ok(const char *z) {
  size_t n = strlen(z);
  if (n == 0 || n > 128 || z[0] == '.') return 0;
  for (; *z; z++)
    if ((unsigned char)*z < 0x20 || *z == 0x7f || *z == '/' || *z == '\\') return 0;
  return 1;
}

int api_entry_upload(HttpReq *r) {
  const char *zName = http_query(r, "filename");
  if (!zName) return http_fail(r, KP_E_MISSING, "filename", "?filename=NAME is required");
  if (!api_filename_ok(zName))
    return http_fail(r, KP_E_INVALID, "filename", "filename must be a plain file name "
                                                  "(no path, at most 128 bytes)");
  const char *zType = http_header(r, "Content-Type");
  if (zType && strncasecmp(zType, "text/csv", 8) != 0 &&
      strncasecmp(zType, "application/octet-stream", 24) != 0 &&
      strncasecmp(zType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 65) != 0)
    return http_fail(r, KP_E_MEDIA_TYPE, NULL, "the body must be the file itself: text/csv, "
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or "
                     "application/octet-stream");
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = entry_upload(r->pDb, &w, http_arg(r, "period"), zName, r->zBody, r->nBody, &pOut, &e);
  return api_entry_result(r, rc, pOut, &e, 200);
}

int api_period_progress(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = entry_progress(r->pDb, &w, http_arg(r, "period"), &pOut, &e);
  return api_entry_result(r, rc, pOut, &e, 200);
}

int api_provider_get(HttpReq *r) {
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *pOut = NULL;
  int rc = entry_assigned(r->pDb, http_arg(r, "name"), &pOut, &e);
  return api_entry_result(r, rc, pOut, &e, 200);
}

int api_provider_set(HttpReq *r) {
  static const char *const azField[] = {"indicators", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  json_t *a = json_object_get(o, "indicators");
  if (!a) {
    json_decref(o);
    return http_fail(r, KP_E_MISSING, "indicators", "indicators is required");
  }
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = entry_assign(r->pDb, &w, http_arg(r, "name"), a, &pOut, &e);
  json_decref(o);
  return api_entry_result(r, rc, pOut, &e, 200);
}

/* ---- the period workflow ---------------------------------------------------------------- */

int api_period_open(HttpReq *r) {
  static const char *const azField[] = {"period", "scheme", "deadline", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zPeriod = http_json_str(r, o, "period", 16, 1);
  const char *zScheme = !r->iStatus ? http_json_str(r, o, "scheme", 64, 1) : NULL;
  const char *zDeadline = !r->iStatus ? http_json_str(r, o, "deadline", 10, 0) : NULL;
  json_decref(o);
  if (r->iStatus) return -1;
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = workflow_open(r->pDb, &w, zPeriod, zScheme, zDeadline, &pOut, &e);
  return api_entry_result(r, rc, pOut, &e, 201);
}

#define API_PERIOD_VERB(name, fn)                                                          \
  int name(HttpReq *r) {                                                                   \
    EntryWho w;                                                                            \
    EntryErr e;                                                                            \
    api_who(r, &w, &e);                                                                    \
    json_t *pOut = NULL;                                                                   \
    int rc = fn(r->pDb, &w, http_arg(r, "period"), &pOut, &e);                             \
    return api_entry_result(r, rc, pOut, &e, 200);                                         \
  }
API_PERIOD_VERB(api_period_close, workflow_close)
API_PERIOD_VERB(api_period_compute, workflow_compute)
API_PERIOD_VERB(api_period_publish, workflow_publish)

/* ---- units --------------------------------------------------------------------------------- */

static json_t *api_unit_json(Stmt *s) {
  json_t *o = json_pack("{s:s, s:s, s:s, s:s?}", "code", stmt_text(s, 0), "name", stmt_text(s, 1),
                        "kind", stmt_text(s, 2), "peer_group", stmt_text(s, 3));
  static const char *const azNum[] = {"population", "area", "lon", "lat"};
  for (int i = 0; i < 4; i++)
    json_object_set_new(o, azNum[i], stmt_is_null(s, 4 + i) ? json_null() : json_real(stmt_double(s, 4 + i)));
  return o;
}

int api_units(HttpReq *r) {
  json_t *a = json_array(), *g = json_array();
  Stmt *s = db_prepare(r->pDb, "SELECT code, name, kind, peer_group, population, area, lon, lat "
                               "FROM unit ORDER BY sort_order, code");
  while (stmt_step(s) == 1) json_array_append_new(a, api_unit_json(s));
  stmt_finalize(s);
  s = db_prepare(r->pDb, "SELECT name FROM peer_group ORDER BY sort_order, name");
  while (stmt_step(s) == 1) json_array_append_new(g, json_string(stmt_text(s, 0)));
  stmt_finalize(s);
  http_json(r, 200, json_pack("{s:o, s:o}", "units", a, "peer_groups", g));
  return 0;
}

int api_unit_get(HttpReq *r) {
  const char *zCode = http_arg(r, "code");
  Stmt *s = db_prepare(r->pDb, "SELECT code, name, kind, peer_group, population, area, lon, lat "
                               "FROM unit WHERE code = ?1");
  stmt_bind_text(s, 1, zCode);
  json_t *o = stmt_step(s) == 1 ? api_unit_json(s) : NULL;
  stmt_finalize(s);
  if (!o) return http_fail(r, KP_E_NO_SUCH, "code", "no unit %s", zCode);
  json_t *aPeer = json_array();
  s = db_prepare(r->pDb, "SELECT code, name FROM unit WHERE peer_group = ?1 "
                         "ORDER BY sort_order, code");
  stmt_bind_text(s, 1, json_string_value(json_object_get(o, "peer_group")));
  while (stmt_step(s) == 1)
    json_array_append_new(aPeer, json_pack("{s:s, s:s}", "code", stmt_text(s, 0), "name", stmt_text(s, 1)));
  stmt_finalize(s);
  json_object_set_new(o, "group_members", aPeer);
  http_json(r, 200, o);
  return 0;
}

/* The response cache key of a unit's trend (malloc'd): the unit and the published review
** rows, which is all the answer is made of (published rows never change; a publication
** supersedes one row and publishes a newer one, so max(id) moves). Published reviews are
** open to every reader of reviews, whatever its unit: no scope in the key. NULL on error. */
static char *api_trend_cache_key(HttpReq *r, const char *zCode) {
  Stmt *s = db_prepare(r->pDb, "SELECT count(*), max(id), sum(id) FROM review "
                               "WHERE state = 'published'");
  char *zKey = NULL;
  if (stmt_step(s) == 1)
    zKey = xasprintf("trend|%s|%lld|%lld|%lld", zCode, (long long)stmt_int(s, 0),
                     (long long)stmt_int(s, 1), (long long)stmt_int(s, 2));
  stmt_finalize(s);
  return zKey;
}

int api_unit_trend(HttpReq *r) {
  const char *zCode = http_arg(r, "code");
  char *zKey = api_trend_cache_key(r, zCode);
  if (zKey && http_cache_serve(r, zKey)) {
    free(zKey);
    return 0;
  }
  /* the unit and its rows in one snapshot */
  int bSnap = db_read_begin(r->pDb);
  Stmt *s = db_prepare(r->pDb, "SELECT 1 FROM unit WHERE code = ?1");
  stmt_bind_text(s, 1, zCode);
  int bFound = stmt_step(s) == 1;
  stmt_finalize(s);
  if (!bFound) {
    db_read_end(r->pDb, bSnap);
    free(zKey);
    return http_fail(r, KP_E_NO_SUCH, "code", "no unit %s", zCode);
  }
  /* published reviews only: they are public to every reader of reviews, whatever the unit */
  json_t *a = json_array();
  s = db_prepare(r->pDb, "SELECT v.period, v.revision, u.peer_group, u.total, u.rank, u.grade, "
                         "(SELECT count(*) FROM review_unit x WHERE x.review_id = v.id "
                         "   AND x.peer_group = u.peer_group) "
                         "FROM review v JOIN review_unit u ON u.review_id = v.id "
                         "WHERE u.unit = ?1 AND v.state = 'published' ORDER BY v.period");
  stmt_bind_text(s, 1, zCode);
  while (stmt_step(s) == 1)
    json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:f, s:i, s:i, s:s?}", "period",
                                       stmt_text(s, 0), "revision", (int)stmt_int(s, 1),
                                       "peer_group", stmt_text(s, 2), "total", stmt_double(s, 3),
                                       "rank", (int)stmt_int(s, 4), "group_size",
                                       (int)stmt_int(s, 6), "grade", stmt_text(s, 5)));
  stmt_finalize(s);
  /* the key read after the rows: stored only if nothing was published in between */
  char *zKeyAfter = api_trend_cache_key(r, zCode);
  db_read_end(r->pDb, bSnap);
  http_json(r, 200, json_pack("{s:s, s:o}", "unit", zCode, "trend", a));
  if (zKey && zKeyAfter && strcmp(zKey, zKeyAfter) == 0) http_cache_store(r, zKey);
  free(zKey);
  free(zKeyAfter);
  return 0;
}

/* ---- comments ------------------------------------------------------------------------------ */

int api_comments_add(HttpReq *r) {
  static const char *const azField[] = {"unit", "text", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zUnit = http_json_str(r, o, "unit", 16, 1);
  const char *zText = !r->iStatus ? http_json_str(r, o, "text", COMMENT_MAX_BYTES, 1) : NULL;
  json_decref(o);
  if (r->iStatus) return -1;
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = comment_add(r->pDb, &w, http_arg(r, "period"), zUnit, zText, &pOut, &e);
  return api_entry_result(r, rc, pOut, &e, 201);
}

/* The response cache key of a comments list (malloc'd), or NULL when the request must take
** the slow path (a refusal to render and audit, an error). What the answer is made of: the
** period, the unit asked for (a reader without all_units always gets its own unit, which
** comment_list enforces), whether the reader sees drafts, the review states of the period
** (comments show once published) and the comments themselves, which are append-only (a new
** one moves count and max(id)). */
static char *api_comments_cache_key(HttpReq *r, const char *zPeriod, const char *zUnit) {
  const AuthUser *u = &r->user;
  if (!auth_has(u, CAP_ALL_UNITS)) {
    if (!u->zUnit || (zUnit && strcmp(zUnit, u->zUnit) != 0)) return NULL;
    zUnit = u->zUnit;
  }
  Stmt *s = db_prepare(r->pDb,
                       "SELECT (SELECT count(*) FROM period WHERE code = ?1), "
                       "(SELECT count(*) FROM review_comment WHERE period = ?1 "
                       "   AND (?2 IS NULL OR unit = ?2)), "
                       "(SELECT max(id) FROM review_comment WHERE period = ?1 "
                       "   AND (?2 IS NULL OR unit = ?2)), "
                       "(SELECT count(*) FROM review WHERE period = ?1 AND state = 'published')");
  stmt_bind_text(s, 1, zPeriod);
  stmt_bind_text(s, 2, zUnit);
  char *zKey = NULL;
  if (stmt_step(s) == 1 && stmt_int(s, 0) == 1)
    zKey = xasprintf("comments|%s|%s|%d|%lld|%lld|%lld", zPeriod, zUnit ? zUnit : "*",
                     auth_has(u, CAP_REVIEW_DRAFT), (long long)stmt_int(s, 1),
                     (long long)stmt_int(s, 2), (long long)stmt_int(s, 3));
  stmt_finalize(s);
  return zKey;
}

int api_comments_list(HttpReq *r) {
  const char *zPeriod = http_arg(r, "period");
  char *zKey = api_comments_cache_key(r, zPeriod, http_query(r, "unit"));
  if (zKey && http_cache_serve(r, zKey)) {
    free(zKey);
    return 0;
  }
  EntryWho w;
  EntryErr e;
  api_who(r, &w, &e);
  json_t *pOut = NULL;
  /* one snapshot for the rows and the second key; only on the cacheable path, where
  ** comment_list refuses nothing (a refusal writes its audit record) */
  int bSnap = zKey ? db_read_begin(r->pDb) : 0;
  int rc = comment_list(r->pDb, &w, zPeriod, http_query(r, "unit"), &pOut, &e);
  /* stored only if nothing changed between the key and the rows */
  char *zKeyAfter = rc == 0 && zKey ? api_comments_cache_key(r, zPeriod, http_query(r, "unit")) : NULL;
  db_read_end(r->pDb, bSnap);
  rc = api_entry_result(r, rc, pOut, &e, 200);
  if (rc == 0 && zKey && zKeyAfter && strcmp(zKey, zKeyAfter) == 0) http_cache_store(r, zKey);
  free(zKey);
  free(zKeyAfter);
  return rc;
}

/* ---- bulletin downloads -------------------------------------------------------------------- */

/* cairo/pango and libxlsxwriter keep process-wide state: one rendering at a time */
static pthread_mutex_t api_render_mutex = PTHREAD_MUTEX_INITIALIZER;

/* Renders a file format into r->body through a private temporary file. 0 or -1. */
static int api_render_file(HttpReq *r, const ReportModel *m, int bPdf, char **pzErr) {
  const char *zTmpDir = getenv("TMPDIR");
  char *zTmp = xasprintf("%s/kaoping-bulletin-XXXXXX", zTmpDir && *zTmpDir ? zTmpDir : "/tmp");
  int fd = mkstemp(zTmp);
  if (fd < 0) {
    *pzErr = xasprintf("cannot create a temporary file");
    free(zTmp);
    return -1;
  }
  close(fd);
  pthread_mutex_lock(&api_render_mutex);
  int rc = bPdf ? report_pdf(m, zTmp, pzErr) : report_xlsx(m, zTmp, pzErr);
  pthread_mutex_unlock(&api_render_mutex);
  if (rc == 0) {
    FILE *f = fopen(zTmp, "rb");
    if (!f) {
      rc = -1;
      *pzErr = xasprintf("cannot read the rendered file");
    } else {
      char aBuf[65536];
      size_t n;
      buf_reset(&r->body);
      while ((n = fread(aBuf, 1, sizeof aBuf, f)) > 0) buf_append(&r->body, aBuf, n);
      fclose(f);
    }
  }
  unlink(zTmp);
  free(zTmp);
  return rc;
}

/* RFC 8187 percent-encoding of a UTF-8 file name for filename*=. */
static void api_rfc8187(Buf *b, const char *z) {
  for (const unsigned char *p = (const unsigned char *)z; *p; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
        *p == '-' || *p == '.' || *p == '_')
      buf_putc(b, (char)*p);
    else
      buf_printf(b, "%%%02X", *p);
  }
}

int api_bulletin_file(HttpReq *r) {
  const char *zPeriod = http_arg(r, "period");
  const char *zPat = r->pRoute->zPattern;
  const char *zExt = strrchr(zPat, '.') + 1; /* csv | pdf | xlsx */
  char *zJson = NULL;
  char zState[16];
  int iRev = 0;
  int rc = api_review_for(r, zPeriod, &zJson, zState, &iRev);
  if (rc < 0) return http_fail(r, KP_E_INTERNAL, NULL, "the stored review cannot be read");
  if (rc > 0) return http_fail(r, KP_E_NO_SUCH, "period", "no bulletin for period %s", zPeriod);
  int bDraft = strcmp(zState, "published") != 0;
  char *zObj = xasprintf("review:%s", zPeriod);
  json_t *d = json_pack("{s:s, s:i, s:s}", "state", zState, "revision", iRev, "as", zExt);
  /* a draft is a sensitive read; a published bulletin's download is recorded too (who took
  ** which file out of the system) */
  int rcA = audit_record(r->pDb, r->user.zName, r->zPeer, bDraft ? "review.read" : "bulletin.download",
                         zObj, "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA) {
    free(zJson);
    return http_fail(r, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: try again");
  }
  ReportModel *m = NULL;
  char *zErr = NULL;
  rc = report_model_parse(zJson, bDraft, &m, &zErr);
  free(zJson);
  if (rc) {
    fprintf(stderr, "kaoping serve: bulletin %s rid=%s: %s\n", zPeriod, r->zRid, zErr);
    free(zErr);
    return http_fail(r, KP_E_INTERNAL, NULL, "the stored review cannot be rendered");
  }
  m->eLang = RP_ZH;
  if (rp_flags_load(r->pDb, m, &zErr)) { /* the 数据存疑 section: left out rather than fail */
    fprintf(stderr, "kaoping serve: bulletin %s rid=%s: %s\n", zPeriod, r->zRid, zErr);
    free(zErr);
    zErr = NULL;
  }
  if (strcmp(zExt, "csv") == 0) {
    buf_reset(&r->body);
    report_csv(m, &r->body);
    r->zContentType = "text/csv; charset=utf-8";
  } else {
    int bPdf = strcmp(zExt, "pdf") == 0;
    rc = api_render_file(r, m, bPdf, &zErr);
    if (rc) {
      fprintf(stderr, "kaoping serve: bulletin %s rid=%s: %s\n", zPeriod, r->zRid, zErr ? zErr : "?");
      free(zErr);
      report_model_free(m);
      return http_fail(r, KP_E_INTERNAL, NULL, "the bulletin cannot be rendered");
    }
    r->zContentType = bPdf ? "application/pdf"
                           : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  report_model_free(m);
  Buf cd = BUF_INIT;
  buf_printf(&cd, "attachment; filename=\"kaoping-bulletin-%s%s.%s\"; filename*=UTF-8''", zPeriod,
             bDraft ? "-draft" : "", zExt);
  char *zUtf = xasprintf("考评通报-%s%s.%s", zPeriod, bDraft ? "-草稿" : "", zExt);
  api_rfc8187(&cd, zUtf);
  free(zUtf);
  http_add_header(r, "Content-Disposition", buf_str(&cd));
  buf_free(&cd);
  r->iStatus = 200;
  return 0;
}

/*
** project_store.c: projects in the store (project_store.h), and the `project` verbs.
** The arithmetic is project.c's; this file loads, checks scope, writes and audits.
**
** Year to date: the investment of every period of the project's plan year whose last month
** is not after the asked period's last month (2021-B1 .. 2021-B3 for 2021-B3), so a monthly
** and a bimonthly figure of the same months are never both counted only if the office
** enters one kind of period per year, which the CLI and API leave to it.
*/
#include "project_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "cli/cli.h"
#include "cli/verbs.h"
#include "finding_map.h"
#include "http/errcode.h"
#include "period.h"
#include "period_store.h"
#include "project.h"
#include "scheme_store.h"
#include "supervision.h"
#include "util/mem.h"
#include "util/text.h"

static const char *pj_str(json_t *o, const char *zKey, int bRequired, size_t nMax, EntryErr *e,
                          int *pBad) {
  json_t *v = json_object_get(o, zKey);
  if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) {
    if (bRequired && !*pBad) {
      entry_err_set(e, KP_E_MISSING, zKey, "%s is required", zKey);
      *pBad = 1;
    }
    return NULL;
  }
  if ((!json_is_string(v) || strlen(json_string_value(v)) > nMax) && !*pBad) {
    entry_err_set(e, KP_E_INVALID, zKey, "%s must be text of at most %zu bytes", zKey, nMax);
    *pBad = 1;
    return NULL;
  }
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static double pj_num(json_t *o, const char *zKey, int bRequired, double lo, double hi,
                     EntryErr *e, int *pBad) {
  json_t *v = json_object_get(o, zKey);
  if (!v || json_is_null(v)) {
    if (bRequired && !*pBad) {
      entry_err_set(e, KP_E_MISSING, zKey, "%s is required", zKey);
      *pBad = 1;
    }
    return NAN;
  }
  if ((!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi) && !*pBad) {
    entry_err_set(e, KP_E_INVALID, zKey, "%s must be a number from %g to %g", zKey, lo, hi);
    *pBad = 1;
    return NAN;
  }
  return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *pj_date(json_t *o, const char *zKey, EntryErr *e, int *pBad) {
  const char *z = pj_str(o, zKey, 0, 10, e, pBad);
  int d;
  if (z && cal_date_parse(z, &d) && !*pBad) {
    entry_err_set(e, KP_E_INVALID, zKey, "%s \"%s\" is not a date YYYY-MM-DD", zKey, z);
    *pBad = 1;
    return NULL;
  }
  return z;
}

static int pj_day(const char *z) {
  int d;
  return z && cal_date_parse(z, &d) == 0 ? d : PROJECT_NO_DAY;
}

static int pj_reads_all(const AuthUser *u) {
  return auth_has(u, CAP_PERIOD_READ) && auth_has(u, CAP_ALL_UNITS);
}

static int pj_audit(Db *pDb, const EntryWho *w, const char *zEvent, int64_t id, json_t *d) {
  char zObj[40];
  snprintf(zObj, sizeof zObj, "project:%lld", (long long)id);
  int rc = audit_record(pDb, w->pUser->zName, w->zIp, zEvent, zObj, "ok", d);
  json_decref(d);
  return rc;
}

/* Audits a refusal in its own transaction (best effort: the refusal stands anyway). */
static void pj_audit_denied(Db *pDb, const EntryWho *w, int64_t id, const EntryErr *e) {
  char zObj[40];
  if (id) snprintf(zObj, sizeof zObj, "project:%lld", (long long)id);
  else snprintf(zObj, sizeof zObj, "project:new");
  json_t *d = json_pack("{s:s}", "why", e->zMsg);
  if (db_begin(pDb) == 0) {
    if (audit_record(pDb, w->pUser->zName, w->zIp, "project.denied", zObj, "denied", d) ||
        db_commit(pDb))
      db_rollback(pDb);
  }
  json_decref(d);
}

int proj_add(Db *pDb, const EntryWho *w, json_t *pIn, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!auth_has(u, CAP_SCHEME_MANAGE) && !auth_has(u, CAP_DATA_DEPARTMENT)) {
    entry_err_set(e, KP_E_SCOPE, NULL, "the project registry is kept by the performance "
                  "office and the data department");
    pj_audit_denied(pDb, w, 0, e);
    return -1;
  }
  int bad = 0;
  const char *zCode = pj_str(pIn, "code", 1, 32, e, &bad);
  const char *zName = pj_str(pIn, "name", 1, 200, e, &bad);
  const char *zUnit = pj_str(pIn, "unit", 1, 16, e, &bad);
  const char *zInd = pj_str(pIn, "industry", 1, 64, e, &bad);
  double rTotal = pj_num(pIn, "total_investment", 1, 0, 1e6, e, &bad);
  double rYear = pj_num(pIn, "year", 1, 2000, 2100, e, &bad);
  double rPlan = pj_num(pIn, "annual_plan", 1, 0, 1e6, e, &bad);
  const char *zPS = pj_date(pIn, "plan_start", e, &bad);
  const char *zPP = pj_date(pIn, "plan_produce", e, &bad);
  const char *zSig = pj_date(pIn, "signed_on", e, &bad);
  const char *zSt = pj_date(pIn, "started_on", e, &bad);
  const char *zPr = pj_date(pIn, "produced_on", e, &bad);
  double rLon = pj_num(pIn, "lon", 0, 73, 136, e, &bad);
  double rLat = pj_num(pIn, "lat", 0, 3, 54, e, &bad);
  const char *zUrl = pj_str(pIn, "stream_url", 0, 1000, e, &bad);
  if (bad) return -1;
  if (zUrl && strncmp(zUrl, "https://", 8) != 0 && strncmp(zUrl, "http://", 7) != 0)
    return entry_err_set(e, KP_E_INVALID, "stream_url", "stream_url must be an http:// or "
                         "https:// address");
  if (rYear != floor(rYear)) return entry_err_set(e, KP_E_INVALID, "year", "year must be a year");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM unit WHERE code = ?1");
  stmt_bind_text(s, 1, zUnit);
  int bUnit = stmt_step(s) == 1;
  stmt_finalize(s);
  if (!bUnit) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "unit", "no unit %s", zUnit);
  }
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "INSERT INTO project(code, name, unit, industry, total_investment, year, "
                      "annual_plan, plan_start, started_on, plan_produce, produced_on, "
                      "signed_on, lon, lat, stream_url, created_at, created_by, updated_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                      "?15, ?16, ?17, ?16)");
  stmt_bind_text(s, 1, zCode);
  stmt_bind_text(s, 2, zName);
  stmt_bind_text(s, 3, zUnit);
  stmt_bind_text(s, 4, zInd);
  stmt_bind_double(s, 5, rTotal);
  stmt_bind_int(s, 6, (int64_t)rYear);
  stmt_bind_double(s, 7, rPlan);
  stmt_bind_text(s, 8, zPS);
  stmt_bind_text(s, 9, zSt);
  stmt_bind_text(s, 10, zPP);
  stmt_bind_text(s, 11, zPr);
  stmt_bind_text(s, 12, zSig);
  stmt_bind_double(s, 13, rLon);
  stmt_bind_double(s, 14, rLat);
  stmt_bind_text(s, 15, zUrl);
  stmt_bind_text(s, 16, zNow);
  stmt_bind_text(s, 17, u->zName);
  int rcIns = stmt_run(s);
  stmt_finalize(s);
  int64_t id = db_last_insert_id(pDb);
  if (rcIns) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_EXISTS, "code", "project code %s exists", zCode);
  }
  if (pj_audit(pDb, w, "project.add", id,
               json_pack("{s:s, s:s, s:s, s:f}", "code", zCode, "name", zName, "unit", zUnit,
                         "annual_plan", rPlan)) ||
      db_commit(pDb)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
  }
  char zYear[8];
  snprintf(zYear, sizeof zYear, "%d-Y", (int)rYear);
  return proj_show(pDb, w, id, zYear, ppOut, e);
}

/* ---- reading ------------------------------------------------------------------------------ */

typedef struct PRow {
  int64_t id;
  char *zCode, *zName, *zUnit, *zUnitName, *zIndustry, *zUrl;
  char *zPlanStart, *zStarted, *zPlanProduce, *zProduced, *zSigned;
  double rTotal, rPlan, rLon, rLat, rYtd;
  int iYear;
} PRow;

#define PROJECT_SELECT                                                                     \
  "SELECT p.id, p.code, p.name, p.unit, u.name, p.industry, p.stream_url, p.plan_start, "  \
  "p.started_on, p.plan_produce, p.produced_on, p.signed_on, p.total_investment, "         \
  "p.annual_plan, p.lon, p.lat, p.year FROM project p JOIN unit u ON u.code = p.unit "

static char *pcol(Arena *a, Stmt *s, int i) {
  return stmt_is_null(s, i) ? NULL : arena_strdup(a, stmt_text(s, i));
}

static void prow_read(Arena *a, Stmt *s, PRow *r) {
  r->id = stmt_int(s, 0);
  r->zCode = pcol(a, s, 1);
  r->zName = pcol(a, s, 2);
  r->zUnit = pcol(a, s, 3);
  r->zUnitName = pcol(a, s, 4);
  r->zIndustry = pcol(a, s, 5);
  r->zUrl = pcol(a, s, 6);
  r->zPlanStart = pcol(a, s, 7);
  r->zStarted = pcol(a, s, 8);
  r->zPlanProduce = pcol(a, s, 9);
  r->zProduced = pcol(a, s, 10);
  r->zSigned = pcol(a, s, 11);
  r->rTotal = stmt_double(s, 12);
  r->rPlan = stmt_double(s, 13);
  r->rLon = stmt_double(s, 14);
  r->rLat = stmt_double(s, 15);
  r->iYear = (int)stmt_int(s, 16);
  r->rYtd = 0;
}

/* Investment of the project's plan year up to the end of period p. */
static double prow_ytd(Db *pDb, int64_t id, const Period *p) {
  double r = 0;
  Stmt *s = db_prepare(pDb, "SELECT period, completed FROM project_progress WHERE project_id = ?1");
  stmt_bind_int(s, 1, id);
  while (stmt_step(s) == 1) {
    Period q;
    char *zErr = NULL;
    if (period_parse(stmt_text(s, 0), &q, &zErr) == 0 && q.iYear == p->iYear &&
        q.iLastMonth <= p->iLastMonth)
      r += stmt_double(s, 1);
    free(zErr);
  }
  stmt_finalize(s);
  return r;
}

static json_t *jstr_or_null(const char *z) { return z ? json_string(z) : json_null(); }
static json_t *jnum_or_null(double r) { return isnan(r) ? json_null() : json_real(r); }

static json_t *prow_json(const PRow *r, const Period *p, int iEnd, ProjectFigures *pf) {
  ProjectFigures f = {r->iYear == p->iYear ? r->rPlan : 0, r->rYtd, pj_day(r->zPlanStart),
                      pj_day(r->zStarted), pj_day(r->zPlanProduce), pj_day(r->zProduced)};
  ProjectStatus st;
  project_status(&f, p, iEnd, &st);
  if (pf) *pf = f;
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "code", json_string(r->zCode));
  json_object_set_new(o, "name", json_string(r->zName));
  json_object_set_new(o, "unit", json_string(r->zUnit));
  json_object_set_new(o, "unit_name", json_string(r->zUnitName));
  json_object_set_new(o, "industry", json_string(r->zIndustry));
  json_object_set_new(o, "total_investment", json_real(r->rTotal));
  json_object_set_new(o, "year", json_integer(r->iYear));
  json_object_set_new(o, "annual_plan", json_real(r->rPlan));
  json_object_set_new(o, "ytd", json_real(r->rYtd));
  json_object_set_new(o, "share", jnum_or_null(st.rShare));
  json_object_set_new(o, "time_progress", json_real(st.rTimeProgress));
  json_object_set_new(o, "lagging", json_boolean(st.bLagging));
  json_object_set_new(o, "signed_on", jstr_or_null(r->zSigned));
  json_object_set_new(o, "plan_start", jstr_or_null(r->zPlanStart));
  json_object_set_new(o, "started_on", jstr_or_null(r->zStarted));
  json_object_set_new(o, "plan_produce", jstr_or_null(r->zPlanProduce));
  json_object_set_new(o, "produced_on", jstr_or_null(r->zProduced));
  json_object_set_new(o, "start_overdue", json_boolean(st.bStartDue && !st.bStarted));
  json_object_set_new(o, "produce_overdue", json_boolean(st.bProduceDue && !st.bProduced));
  json_object_set_new(o, "lon", jnum_or_null(r->rLon));
  json_object_set_new(o, "lat", jnum_or_null(r->rLat));
  json_object_set_new(o, "stream_url", jstr_or_null(r->zUrl));
  return o;
}

static int pj_period(const char *zPeriod, Period *p, int *piEnd, EntryErr *e) {
  char *zErr = NULL;
  if (!zPeriod || period_parse(zPeriod, p, &zErr)) {
    entry_err_set(e, KP_E_INVALID, "period", "%s", zErr ? zErr : "period is required");
    free(zErr);
    return -1;
  }
  char zEnd[11];
  period_end_date(p, zEnd);
  *piEnd = pj_day(zEnd);
  return 0;
}

int proj_list(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
              json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!auth_has(u, CAP_PERIOD_READ)) return entry_err_set(e, KP_E_SCOPE, NULL, "no access to projects");
  const char *zScope = pj_reads_all(u) ? NULL : u->zUnit ? u->zUnit : "";
  Period p;
  int iEnd;
  if (pj_period(zPeriod, &p, &iEnd, e)) return -1;
  Stmt *s = db_prepare(pDb, PROJECT_SELECT "WHERE (?1 IS NULL OR p.unit = ?1) AND "
                                           "(?2 IS NULL OR p.unit = ?2) ORDER BY u.sort_order, p.code");
  stmt_bind_text(s, 1, zScope);
  stmt_bind_text(s, 2, zUnit);
  json_t *a = json_array(), *aU = json_array();
  Arena *pArena = arena_new();
  ProjectFigures *aF = NULL;
  int nF = 0, rc;
  const char *zCur = NULL, *zCurName = NULL;
  int iFirst = 0;
  for (;;) {
    rc = stmt_step(s);
    PRow r;
    if (rc == 1) {
      prow_read(pArena, s, &r);
      r.rYtd = prow_ytd(pDb, r.id, &p);
    }
    /* a unit's figures when its last project has been read */
    if (zCur && (rc != 1 || strcmp(zCur, r.zUnit) != 0)) {
      ProjectUnitFigures uf;
      project_unit_figures(aF + iFirst, nF - iFirst, &p, iEnd, &uf);
      json_array_append_new(aU, json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:i}", "unit", zCur,
                                          "unit_name", zCurName, "invest_rate",
                                          jnum_or_null(uf.rInvestRate), "start_rate",
                                          jnum_or_null(uf.rStartRate), "produce_rate",
                                          jnum_or_null(uf.rProduceRate), "projects",
                                          uf.nProjects, "lagging", uf.nLagging));
      iFirst = nF;
    }
    if (rc != 1) break;
    aF = xrealloc_array(aF, (size_t)nF + 1, sizeof *aF);
    json_array_append_new(a, prow_json(&r, &p, iEnd, &aF[nF]));
    nF++;
    zCur = r.zUnit;
    zCurName = r.zUnitName;
  }
  stmt_finalize(s);
  free(aF);
  arena_free(pArena);
  if (rc < 0) {
    json_decref(a);
    json_decref(aU);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  *ppOut = json_pack("{s:s, s:f, s:o, s:o}", "period", p.zCode, "time_progress",
                     period_time_progress(&p, 0), "projects", a, "units", aU);
  return 0;
}

int proj_show(Db *pDb, const EntryWho *w, int64_t id, const char *zPeriod, json_t **ppOut,
              EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!auth_has(u, CAP_PERIOD_READ) && !auth_has(u, CAP_SCHEME_MANAGE))
    return entry_err_set(e, KP_E_SCOPE, NULL, "no access to projects");
  Period p;
  int iEnd;
  if (pj_period(zPeriod, &p, &iEnd, e)) return -1;
  Arena *pArena = arena_new();
  Stmt *s = db_prepare(pDb, PROJECT_SELECT "WHERE p.id = ?1");
  stmt_bind_int(s, 1, id);
  PRow r;
  int k = stmt_step(s);
  if (k == 1) prow_read(pArena, s, &r);
  stmt_finalize(s);
  if (k != 1 || (!pj_reads_all(u) && !auth_has(u, CAP_SCHEME_MANAGE) &&
                 (!u->zUnit || strcmp(u->zUnit, r.zUnit) != 0))) {
    arena_free(pArena);
    return entry_err_set(e, k < 0 ? KP_E_INTERNAL : KP_E_NO_SUCH, "project", "no project %lld",
                         (long long)id);
  }
  r.rYtd = prow_ytd(pDb, id, &p);
  json_t *o = prow_json(&r, &p, iEnd, NULL);
  json_object_set_new(o, "period", json_string(p.zCode));
  json_t *aP = json_array();
  s = db_prepare(pDb, "SELECT period, completed, note, entered_by, entered_at FROM "
                      "project_progress WHERE project_id = ?1 ORDER BY period");
  stmt_bind_int(s, 1, id);
  while (stmt_step(s) == 1)
    json_array_append_new(aP, json_pack("{s:s, s:f, s:s?, s:s, s:s}", "period",
                                        stmt_text(s, 0), "completed", stmt_double(s, 1),
                                        "note", stmt_text(s, 2), "entered_by", stmt_text(s, 3),
                                        "entered_at", stmt_text(s, 4)));
  stmt_finalize(s);
  json_object_set_new(o, "progress", aP);
  arena_free(pArena);
  *ppOut = o;
  return 0;
}

int proj_progress(Db *pDb, const EntryWho *w, int64_t id, json_t *pIn, json_t **ppOut,
                  EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  int bad = 0;
  const char *zPeriod = pj_str(pIn, "period", 1, 16, e, &bad);
  double rDone = pj_num(pIn, "completed", 1, 0, 1e6, e, &bad);
  const char *zNote = pj_str(pIn, "note", 0, 2000, e, &bad);
  const char *zSt = pj_date(pIn, "started_on", e, &bad);
  const char *zPr = pj_date(pIn, "produced_on", e, &bad);
  if (bad) return -1;
  Period p;
  int iEnd;
  if (pj_period(zPeriod, &p, &iEnd, e)) return -1;
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT unit FROM project WHERE id = ?1");
  stmt_bind_int(s, 1, id);
  char *zUnit = stmt_step(s) == 1 ? xstrdup(stmt_text(s, 0)) : NULL;
  stmt_finalize(s);
  int bMay = zUnit && (auth_has(u, CAP_DATA_DEPARTMENT) ||
                       (auth_has(u, CAP_DATA_OWN_UNIT) && u->zUnit && strcmp(u->zUnit, zUnit) == 0));
  if (!bMay) {
    db_rollback(pDb);
    int bExists = zUnit != NULL;
    free(zUnit);
    if (bExists) {
      entry_err_set(e, KP_E_SCOPE, "project", "a project's investment is reported by its unit "
                    "or the data department");
      pj_audit_denied(pDb, w, id, e);
      return -1;
    }
    return entry_err_set(e, KP_E_NO_SUCH, "project", "no project %lld", (long long)id);
  }
  free(zUnit);
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "INSERT INTO project_progress(project_id, period, completed, note, "
                      "entered_at, entered_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                      "ON CONFLICT(project_id, period) DO UPDATE SET completed = excluded.completed, "
                      "note = excluded.note, entered_at = excluded.entered_at, "
                      "entered_by = excluded.entered_by");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, p.zCode);
  stmt_bind_double(s, 3, rDone);
  stmt_bind_text(s, 4, zNote);
  stmt_bind_text(s, 5, zNow);
  stmt_bind_text(s, 6, u->zName);
  int bBad = stmt_run(s);
  stmt_finalize(s);
  s = db_prepare(pDb, "UPDATE project SET started_on = coalesce(?2, started_on), "
                      "produced_on = coalesce(?3, produced_on), updated_at = ?4 WHERE id = ?1");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, zSt);
  stmt_bind_text(s, 3, zPr);
  stmt_bind_text(s, 4, zNow);
  bBad |= stmt_run(s);
  stmt_finalize(s);
  if (bBad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  }
  if (pj_audit(pDb, w, "project.progress", id,
               json_pack("{s:s, s:f, s:s?, s:s?}", "period", p.zCode, "completed", rDone,
                         "started_on", zSt, "produced_on", zPr)) ||
      db_commit(pDb)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
  }
  return proj_show(pDb, w, id, p.zCode, ppOut, e);
}

int proj_sync(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!auth_has(u, CAP_REVIEW_PUBLISH) && !auth_has(u, CAP_DATA_DEPARTMENT))
    return entry_err_set(e, KP_E_SCOPE, NULL, "project figures are written into a period by "
                         "the performance office or the data department");
  json_t *pList = NULL;
  if (proj_list(pDb, w, zPeriod, NULL, &pList, e)) return -1;
  Period p;
  int iEnd;
  pj_period(zPeriod, &p, &iEnd, e);
  PeriodRow pr;
  int k = period_store_get(pDb, p.zCode, &pr);
  if (k <= 0 || strcmp(pr.zState, "published") == 0) {
    json_decref(pList);
    return entry_err_set(e, k <= 0 ? KP_E_NO_SUCH : KP_E_STATE, "period", k <= 0
                         ? "no period %s" : "period %s is published: its values are frozen",
                         p.zCode);
  }
  char *zErr = NULL;
  Scheme *pScheme = scheme_store_load(pDb, pr.iSchemeId, NULL, &zErr);
  json_t *pBody = NULL;
  Stmt *s = db_prepare(pDb, "SELECT body FROM scheme WHERE id = ?1");
  stmt_bind_int(s, 1, pr.iSchemeId);
  if (stmt_step(s) == 1) pBody = json_loads(stmt_text(s, 0), 0, NULL);
  stmt_finalize(s);
  FindingMap map = {0};
  int rc = -1, nWritten = 0, nSame = 0;
  if (!pScheme || !pBody ||
      finding_map_parse(pScheme, json_object_get(pBody, "supervision"), &map, &zErr)) {
    entry_err_set(e, KP_E_INTERNAL, NULL, "the period's scheme: %s", zErr ? zErr : "unreadable");
    goto done;
  }
  if (!map.azProjectLeaf[0] && !map.azProjectLeaf[1] && !map.azProjectLeaf[2]) {
    entry_err_set(e, KP_E_STATE, "period", "the scheme of period %s maps no project figure "
                  "(\"supervision\": {\"projects\": ...})", p.zCode);
    goto done;
  }
  if (db_begin(pDb)) {
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
    goto done;
  }
  char zNow[32];
  db_now(zNow);
  static const char *const azKey[3] = {"invest_rate", "start_rate", "produce_rate"};
  size_t i;
  json_t *pU;
  json_array_foreach(json_object_get(pList, "units"), i, pU) {
    for (int f = 0; f < 3; f++) {
      json_t *v = json_object_get(pU, azKey[f]);
      if (!map.azProjectLeaf[f] || !json_is_number(v)) continue; /* nothing due: no value */
      double rValue = json_number_value(v);
      const char *zUnit = json_string_value(json_object_get(pU, "unit"));
      s = db_prepare(pDb, "SELECT revision, value FROM observation WHERE period = ?1 AND "
                          "unit = ?2 AND indicator = ?3 ORDER BY revision DESC LIMIT 1");
      stmt_bind_text(s, 1, p.zCode);
      stmt_bind_text(s, 2, zUnit);
      stmt_bind_text(s, 3, map.azProjectLeaf[f]);
      int kc = stmt_step(s);
      int iRev = kc == 1 ? (int)stmt_int(s, 0) : 0;
      int bSame = kc == 1 && !stmt_is_null(s, 1) && stmt_double(s, 1) == rValue;
      stmt_finalize(s);
      if (bSame) {
        nSame++;
        continue;
      }
      s = db_prepare(pDb, "INSERT INTO observation(period, unit, indicator, revision, value, "
                          "note, provenance, state, reason, entered_by, entered_at) VALUES "
                          "(?1, ?2, ?3, ?4, ?5, ?6, 'project', 'verified', ?6, ?7, ?8)");
      stmt_bind_text(s, 1, p.zCode);
      stmt_bind_text(s, 2, zUnit);
      stmt_bind_text(s, 3, map.azProjectLeaf[f]);
      stmt_bind_int(s, 4, iRev + 1);
      stmt_bind_double(s, 5, rValue);
      stmt_bind_text(s, 6, "industrial project figures (project sync)");
      stmt_bind_text(s, 7, u->zName);
      stmt_bind_text(s, 8, zNow);
      int bad = stmt_run(s);
      stmt_finalize(s);
      if (bad) {
        db_rollback(pDb);
        entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
        goto done;
      }
      nWritten++;
    }
  }
  char zObj[32];
  snprintf(zObj, sizeof zObj, "period:%s", p.zCode);
  json_t *d = json_pack("{s:i, s:i}", "written", nWritten, "unchanged", nSame);
  int rcA = audit_record(pDb, u->zName, w->zIp, "project.sync", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
    goto done;
  }
  *ppOut = json_pack("{s:s, s:i, s:i, s:O}", "period", p.zCode, "written", nWritten,
                     "unchanged", nSame, "units", json_object_get(pList, "units"));
  rc = 0;
done:
  free(zErr);
  json_decref(pBody);
  json_decref(pList);
  finding_map_free(&map);
  scheme_free(pScheme);
  return rc;
}

/* ---- the `project` verbs -------------------------------------------------------------- */

/* Opens the database and the --as account (or the operator's stand-in with caps). */
static int pj_cli_open(CliArgs *a, int bNeedAs, Caps capsLocal, Db **ppDb, Arena *pArena,
                       AuthUser *pUser) {
  const char *zAs = cli_opt(a, "--as");
  const char *zDb = cli_db_path(a);
  if (cli_finish(a)) return EXIT_USAGE;
  if (bNeedAs && !zAs) {
    cli_error(a, "--as USER is required: the account that acts");
    return EXIT_USAGE;
  }
  char *zErr = NULL;
  if (db_open(zDb, 0, ppDb, &zErr)) {
    cli_error(a, "%s", zErr);
    free(zErr);
    return EXIT_INTERNAL;
  }
  memset(pUser, 0, sizeof *pUser);
  if (zAs) {
    if (!auth_name_valid(zAs) || auth_user_load(*ppDb, pArena, zAs, pUser)) {
      cli_error(a, "--as %s: no such account", zAs);
      return EXIT_USAGE;
    }
  } else {
    pUser->zName = arena_strdup(pArena, cli_actor());
    pUser->caps = CAP_LOGIN | CAP_PERIOD_READ | CAP_ALL_UNITS | capsLocal;
  }
  return 0;
}

static int pj_cli_fail(CliArgs *a, EntryErr *e) {
  cli_error(a, "%s", e->zMsg);
  int rc = e->iCode == KP_E_INTERNAL || e->iCode == KP_E_UNAVAILABLE ? EXIT_INTERNAL : EXIT_BAD_INPUT;
  entry_err_free(e);
  return rc;
}

static int pj_opt_num(CliArgs *a, const char *zName, json_t *o, const char *zKey) {
  const char *z = cli_opt(a, zName);
  double r;
  if (!z) return 0;
  if (text_parse_double(z, &r)) {
    cli_error(a, "%s must be a number, not \"%s\"", zName, z);
    return -1;
  }
  json_object_set_new(o, zKey, json_real(r));
  return 0;
}

static void pj_opt_text(CliArgs *a, const char *zName, json_t *o, const char *zKey) {
  const char *z = cli_opt(a, zName);
  if (z) json_object_set_new(o, zKey, json_string(z));
}

static const char *pjs(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : "-";
}

static void pj_print(json_t *o) {
  json_t *pS = json_object_get(o, "share");
  printf("%4lld  %-10s %-8s %s  plan %g 亿元, done %g 亿元 (%.1f %% of plan, time %.1f %%)%s%s%s\n",
         (long long)json_integer_value(json_object_get(o, "id")), pjs(o, "code"), pjs(o, "unit"),
         pjs(o, "name"), json_number_value(json_object_get(o, "annual_plan")),
         json_number_value(json_object_get(o, "ytd")), json_is_number(pS) ? 100 * json_number_value(pS) : 0,
         100 * json_number_value(json_object_get(o, "time_progress")),
         json_is_true(json_object_get(o, "lagging")) ? "  LAGGING 落后时序进度" : "",
         json_is_true(json_object_get(o, "start_overdue")) ? "  not started" : "",
         json_is_string(json_object_get(o, "stream_url")) ? "  [连线现场]" : "");
}

int project_add_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "project add", argc, argv);
  json_t *pIn = json_object();
  static const char *const azText[][2] = {
    {"--code", "code"}, {"--name", "name"}, {"--unit", "unit"}, {"--industry", "industry"},
    {"--plan-start", "plan_start"}, {"--plan-produce", "plan_produce"}, {"--signed", "signed_on"},
    {"--started", "started_on"}, {"--produced", "produced_on"}, {"--stream", "stream_url"}};
  for (size_t i = 0; i < sizeof azText / sizeof azText[0]; i++) pj_opt_text(&a, azText[i][0], pIn, azText[i][1]);
  int bad = pj_opt_num(&a, "--total", pIn, "total_investment") | pj_opt_num(&a, "--year", pIn, "year") |
            pj_opt_num(&a, "--annual-plan", pIn, "annual_plan") | pj_opt_num(&a, "--lon", pIn, "lon") |
            pj_opt_num(&a, "--lat", pIn, "lat");
  Db *pDb = NULL;
  Arena *pArena = arena_new();
  AuthUser user;
  int rc = bad ? EXIT_USAGE : pj_cli_open(&a, 0, CAP_SCHEME_MANAGE, &pDb, pArena, &user);
  if (!rc) {
    EntryWho w = {&user, NULL};
    EntryErr e = {0};
    json_t *pOut = NULL;
    if (proj_add(pDb, &w, pIn, &pOut, &e)) rc = pj_cli_fail(&a, &e);
    else {
      printf("project %lld added: ", (long long)json_integer_value(json_object_get(pOut, "id")));
      pj_print(pOut);
      json_decref(pOut);
    }
  }
  json_decref(pIn);
  db_close(pDb);
  arena_free(pArena);
  cli_free(&a);
  return rc;
}

int project_progress_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "project progress", argc, argv);
  const char *zId = cli_positional(&a, 0);
  json_t *pIn = json_object();
  pj_opt_text(&a, "--period", pIn, "period");
  pj_opt_text(&a, "--note", pIn, "note");
  pj_opt_text(&a, "--started", pIn, "started_on");
  pj_opt_text(&a, "--produced", pIn, "produced_on");
  int bad = pj_opt_num(&a, "--completed", pIn, "completed");
  Db *pDb = NULL;
  Arena *pArena = arena_new();
  AuthUser user;
  double rId = 0;
  int rc = bad ? EXIT_USAGE : pj_cli_open(&a, 1, 0, &pDb, pArena, &user);
  if (!rc && (!zId || text_parse_double(zId, &rId) || rId < 1)) {
    cli_error(&a, "usage: kaoping project progress PROJECT --period P --completed 亿元 --as USER");
    rc = EXIT_USAGE;
  }
  if (!rc) {
    EntryWho w = {&user, NULL};
    EntryErr e = {0};
    json_t *pOut = NULL;
    if (proj_progress(pDb, &w, (int64_t)rId, pIn, &pOut, &e)) rc = pj_cli_fail(&a, &e);
    else {
      pj_print(pOut);
      json_decref(pOut);
    }
  }
  json_decref(pIn);
  db_close(pDb);
  arena_free(pArena);
  cli_free(&a);
  return rc;
}

int project_list_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "project list", argc, argv);
  const char *zPeriod = cli_opt(&a, "--period"), *zUnit = cli_opt(&a, "--unit");
  const char *zFormat = cli_opt(&a, "--format");
  Db *pDb = NULL;
  Arena *pArena = arena_new();
  AuthUser user;
  int rc = pj_cli_open(&a, 0, 0, &pDb, pArena, &user);
  if (!rc) {
    EntryWho w = {&user, NULL};
    EntryErr e = {0};
    json_t *pOut = NULL;
    if (proj_list(pDb, &w, zPeriod, zUnit, &pOut, &e)) rc = pj_cli_fail(&a, &e);
    else if (zFormat && strcmp(zFormat, "json") == 0) {
      char *z = json_dumps(pOut, JSON_INDENT(2));
      if (z) puts(z);
      free(z);
      json_decref(pOut);
    } else {
      size_t i;
      json_t *o;
      json_array_foreach(json_object_get(pOut, "projects"), i, o) pj_print(o);
      json_array_foreach(json_object_get(pOut, "units"), i, o) {
        printf("  %s %s: %lld projects, %lld lagging", pjs(o, "unit"), pjs(o, "unit_name"),
               (long long)json_integer_value(json_object_get(o, "projects")),
               (long long)json_integer_value(json_object_get(o, "lagging")));
        static const char *const az[3][2] = {{"invest_rate", "投资完成率"}, {"start_rate", "开工率"},
                                             {"produce_rate", "投产率"}};
        for (int k = 0; k < 3; k++) {
          json_t *v = json_object_get(o, az[k][0]);
          if (json_is_number(v)) printf(", %s %.2f %%", az[k][1], json_number_value(v));
        }
        printf("\n");
      }
      json_decref(pOut);
    }
  }
  db_close(pDb);
  arena_free(pArena);
  cli_free(&a);
  return rc;
}

int project_sync_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "project sync", argc, argv);
  const char *zPeriod = cli_positional(&a, 0);
  Db *pDb = NULL;
  Arena *pArena = arena_new();
  AuthUser user;
  int rc = pj_cli_open(&a, 0, CAP_REVIEW_PUBLISH, &pDb, pArena, &user);
  if (!rc) {
    EntryWho w = {&user, NULL};
    EntryErr e = {0};
    json_t *pOut = NULL;
    if (proj_sync(pDb, &w, zPeriod, &pOut, &e)) rc = pj_cli_fail(&a, &e);
    else {
      printf("period %s: %lld values written, %lld unchanged\n", pjs(pOut, "period"),
             (long long)json_integer_value(json_object_get(pOut, "written")),
             (long long)json_integer_value(json_object_get(pOut, "unchanged")));
      json_decref(pOut);
    }
  }
  db_close(pDb);
  arena_free(pArena);
  cli_free(&a);
  return rc;
}

/*
** api_supervision.c: HTTP handlers for inspections, findings, tasks and industrial projects
** (api_supervision.h).
** Bodies are JSON objects with declared keys only (http_json_body refuses others); the
** domain functions of supervision.c check values, scope and the lifecycle, and audit.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/api_supervision.h"
#include "http/errcode.h"
#include "contact_task.h"
#include "project_store.h"
#include "report/sup_section.h"
#include "store/db.h"
#include "supervision.h"
#include "util/text.h"

static void sup_who(HttpReq *r, EntryWho *w, EntryErr *e) {
  w->pUser = &r->user;
  w->zIp = r->zPeer;
  memset(e, 0, sizeof *e);
}

static int sup_result(HttpReq *r, int rc, json_t *pOut, EntryErr *e, int iOk) {
  if (rc) {
    if (e->iCode == KP_E_INTERNAL) fprintf(stderr, "kaoping serve: rid=%s: %s\n", r->zRid, e->zMsg);
    http_fail_extra(r, e->iCode ? e->iCode : KP_E_INTERNAL, e->zField, e->pExtra, "%s",
                    e->iCode == KP_E_INTERNAL ? "internal error" : e->zMsg);
    entry_err_free(e);
    return -1;
  }
  http_json(r, iOk, pOut);
  return 0;
}

/* A query integer in [lo, hi], default iDefault. -1 after a 400. */
static int sup_qint(HttpReq *r, const char *zName, int lo, int hi, int iDefault, int *pv) {
  const char *z = http_query(r, zName);
  *pv = iDefault;
  if (!z) return 0;
  size_t n = strlen(z);
  if (n == 0 || n > 9 || strspn(z, "0123456789") != n || atoi(z) < lo || atoi(z) > hi) {
    http_fail(r, KP_E_INVALID, zName, "%s must be a whole number from %d to %d", zName, lo, hi);
    return -1;
  }
  *pv = atoi(z);
  return 0;
}

/* A query flag: absent, 0/false or 1/true. */
static int sup_qflag(HttpReq *r, const char *zName, int *pb) {
  const char *z = http_query(r, zName);
  *pb = 0;
  if (!z) return 0;
  if (strcmp(z, "1") == 0 || strcmp(z, "true") == 0) *pb = 1;
  else if (strcmp(z, "0") && strcmp(z, "false"))
    return http_fail(r, KP_E_INVALID, zName, "%s must be 1 or 0", zName);
  return 0;
}

/* The shape of a create handler: a JSON body of the declared fields, passed to xAdd as the
** signed-in account; 201 with what xAdd returns. */
typedef int (*SupAddFn)(Db *, const EntryWho *, json_t *, json_t **, EntryErr *);
static int sup_add(HttpReq *r, const char *const *azField, SupAddFn xAdd) {
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = xAdd(r->pDb, &w, o, &pOut, &e);
  json_decref(o);
  return sup_result(r, rc, pOut, &e, 201);
}

/* The shape of an action handler (POST …/{id}/actions): the path id, a JSON body whose
** "action" names the transition, passed to xAct; 200 with what xAct returns. */
typedef int (*SupActFn)(Db *, const EntryWho *, int64_t, const char *, json_t *, json_t **,
                        EntryErr *);
static int sup_act(HttpReq *r, const char *const *azField, SupActFn xAct) {
  int64_t id = http_arg_id(r, "id");
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zAction = http_json_str(r, o, "action", 32, 1);
  if (!zAction) {
    json_decref(o);
    return -1;
  }
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = xAct(r->pDb, &w, id, zAction, o, &pOut, &e);
  json_decref(o);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_inspections_list(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = sup_inspection_list(r->pDb, &w, &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_inspections_add(HttpReq *r) {
  static const char *const azField[] = {"kind", "topic", "team", "start", "end", NULL};
  return sup_add(r, azField, sup_inspection_add);
}

int api_findings_list(HttpReq *r) {
  FindingFilter f = {0};
  f.zUnit = http_query(r, "unit");
  f.zCategory = http_query(r, "category");
  f.zState = http_query(r, "state");
  f.zLight = http_query(r, "light");
  f.zFrom = http_query(r, "from");
  f.zTo = http_query(r, "to");
  if (sup_qflag(r, "overdue", &f.bOverdue) || sup_qflag(r, "open", &f.bOpen) ||
      sup_qflag(r, "late", &f.bLate) ||
      sup_qint(r, "page", 1, 1000000, 1, &f.iPage) ||
      sup_qint(r, "per_page", 1, 500, 50, &f.nPerPage))
    return -1;
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = sup_finding_list(r->pDb, &w, &f, &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

/* GET /api/public/findings: no login; sup_finding_public says what is (never) shown. */
int api_pub_findings(HttpReq *r) {
  int iPage = 1;
  if (sup_qint(r, "page", 1, 1000000, 1, &iPage)) return -1;
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *pOut = NULL;
  int rc = sup_finding_public(r->pDb, http_query(r, "unit"), http_query(r, "category"), iPage,
                              &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_findings_add(HttpReq *r) {
  static const char *const azField[] = {"unit", "category", "text", "severity", "inspection",
                                        "place", "lon", "lat", "responsible", "days",
                                        "sign_days", "report_every", "deduction", "co_units",
                                        NULL};
  return sup_add(r, azField, sup_finding_add);
}

int api_finding_get(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = sup_finding_show(r->pDb, &w, id, &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_finding_act(HttpReq *r) {
  static const char *const azField[] = {"action", "note", "deadline", "days", "progress",
                                        "dup_of", "dup_of_order", "public", NULL};
  return sup_act(r, azField, sup_finding_act);
}

int api_findings_sync(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = sup_finding_sync(r->pDb, &w, http_arg(r, "period"), &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_tasks_list(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = sup_task_list(r->pDb, &w, http_query(r, "unit"), http_query(r, "state"),
                     &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_tasks_add(HttpReq *r) {
  static const char *const azField[] = {"title", "category", "source", "lead_unit", "co_units",
                                        "deadline", "days", NULL};
  return sup_add(r, azField, sup_task_add);
}

int api_task_get(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = sup_task_show(r->pDb, &w, id, &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_task_act(HttpReq *r) {
  static const char *const azField[] = {"action", "note", "progress", NULL};
  return sup_act(r, azField, sup_task_act);
}

/* ---- industrial projects (project_store.c) ------------------------------------------------ */

int api_projects_list(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = proj_list(r->pDb, &w, http_query(r, "period"), http_query(r, "unit"), &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_projects_add(HttpReq *r) {
  static const char *const azField[] = {"code", "name", "unit", "industry", "total_investment",
                                        "year", "annual_plan", "plan_start", "plan_produce",
                                        "signed_on", "started_on", "produced_on", "lon", "lat",
                                        "stream_url", NULL};
  return sup_add(r, azField, proj_add);
}

int api_project_get(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = proj_show(r->pDb, &w, id, http_query(r, "period"), &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_project_progress(HttpReq *r) {
  static const char *const azField[] = {"period", "completed", "note", "started_on",
                                        "produced_on", NULL};
  int64_t id = http_arg_id(r, "id");
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = proj_progress(r->pDb, &w, id, o, &pOut, &e);
  json_decref(o);
  return sup_result(r, rc, pOut, &e, 200);
}

int api_projects_sync(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = proj_sync(r->pDb, &w, http_arg(r, "period"), &pOut, &e);
  return sup_result(r, rc, pOut, &e, 200);
}

/* POST /api/contacts/problems/{id}/task: a contact-point problem becomes a task. */
int api_contact_problem_task(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  static const char *const azField[] = {"title", "category", "lead_unit", "co_units", "deadline",
                                        "days", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  EntryWho w;
  EntryErr e;
  sup_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = contact_problem_task(r->pDb, &w, id, o, &pOut, &e);
  json_decref(o);
  return sup_result(r, rc, pOut, &e, 201);
}

/* ---- the working-day calendar (工作日历) ------------------------------------------------ */

/* GET /api/calendar[?from=&to=]: the imported years, and with from and to the working days d
** with from < d <= to (calendar.h cal_workdays_between), so that a reader can check what a
** file changed. */
int api_calendar_list(HttpReq *r) {
  const char *zFrom = http_query(r, "from"), *zTo = http_query(r, "to");
  int iFrom = 0, iTo = 0;
  if ((zFrom != NULL) != (zTo != NULL))
    return http_fail(r, KP_E_MISSING, zFrom ? "to" : "from", "from and to go together");
  if (zFrom && cal_date_parse(zFrom, &iFrom))
    return http_fail(r, KP_E_INVALID, "from", "from must be a date YYYY-MM-DD");
  if (zTo && cal_date_parse(zTo, &iTo))
    return http_fail(r, KP_E_INVALID, "to", "to must be a date YYYY-MM-DD");
  json_t *o = json_pack("{s:o}", "years", sup_calendar_years(r->pDb));
  if (zFrom) {
    Calendar cal;
    char *zErr = NULL;
    int n = 0;
    if (sup_calendar_load(r->pDb, &cal, &zErr)) {
      json_decref(o);
      fprintf(stderr, "kaoping serve: rid=%s: %s\n", r->zRid, zErr);
      free(zErr);
      return http_fail(r, KP_E_INTERNAL, NULL, "internal error");
    }
    int rc = cal_workdays_between(&cal, iFrom, iTo, &n, &zErr);
    cal_free(&cal);
    if (rc) { /* a year without a calendar: said, never guessed */
      json_decref(o);
      http_fail(r, KP_E_INVALID, "to", "%s", zErr);
      free(zErr);
      return -1;
    }
    json_object_set_new(o, "workdays", json_pack("{s:s, s:s, s:i}", "from", zFrom, "to", zTo,
                                                 "n", n));
  }
  http_json(r, 200, o);
  return 0;
}

/* POST /api/calendar?filename=cn-YYYY.csv, the body is the file: the same parser and the same
** errors as `kaoping calendar import` (sup_calendar_import). A bad file is 422 with the file,
** line, column and reason as fields, and nothing is stored. */
int api_calendar_import(HttpReq *r) {
  const char *zName = http_query(r, "filename");
  if (!zName) return http_fail(r, KP_E_MISSING, "filename", "?filename=NAME.csv is required");
  size_t nName = strlen(zName);
  if (nName == 0 || nName > 128 || zName[0] == '.' || strpbrk(zName, "/\\") ||
      strspn(zName, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != nName)
    return http_fail(r, KP_E_INVALID, "filename", "filename must be a plain file name of "
                     "letters, digits, - _ . (at most 128 bytes)");
  const char *zType = http_header(r, "Content-Type");
  if (zType && strncasecmp(zType, "text/csv", 8) != 0 && strncasecmp(zType, "text/plain", 10) != 0 &&
      strncasecmp(zType, "application/octet-stream", 24) != 0)
    return http_fail(r, KP_E_MEDIA_TYPE, NULL, "the body must be the CSV file itself: text/csv, "
                     "text/plain or application/octet-stream");
  char *zText = NULL, *zErr = NULL, *zSum = NULL;
  size_t n = 0;
  TextEncoding enc;
  int rc = text_decode(zName, r->zBody ? r->zBody : "", r->nBody, &zText, &n, &enc, &zErr);
  if (rc == 0)
    rc = sup_calendar_import(r->pDb, r->user.zName, r->zPeer, zName, zText, n, &zSum, &zErr);
  free(zText);
  if (rc) {
    /* "FILE: line L, column C: reason" (calendar.c), or a message without a place */
    int iLine = 0, iCol = 0, nPos = 0;
    const char *zAt = zErr ? strstr(zErr, ": line ") : NULL;
    json_t *pX = json_object();
    json_object_set_new(pX, "file", json_string(zName));
    if (zAt && sscanf(zAt, ": line %d, column %d: %n", &iLine, &iCol, &nPos) == 2 && nPos > 0) {
      json_object_set_new(pX, "line", json_integer(iLine));
      json_object_set_new(pX, "column", json_integer(iCol));
      json_object_set_new(pX, "reason", json_string(zAt + nPos));
    }
    int bDb = zErr && strncmp(zErr, "database error", 14) == 0;
    if (bDb) fprintf(stderr, "kaoping serve: rid=%s: %s\n", r->zRid, zErr);
    http_fail_extra(r, bDb ? KP_E_INTERNAL : KP_E_BAD_ROWS, NULL, pX, "%s",
                    bDb ? "internal error" : zErr ? zErr : "the calendar cannot be read");
    json_decref(pX);
    free(zErr);
    return -1;
  }
  json_t *o = json_pack("{s:s, s:s, s:o}", "file", zName, "summary", zSum, "years",
                        sup_calendar_years(r->pDb));
  free(zSum);
  http_json(r, 200, o);
  return 0;
}

/* ---- the review's unit page: a unit's findings and projects ------------------------------ */

/* GET /api/reviews/{period}/supervision?unit=U: for a reader of the period's review, the
** unit's findings handed over in the period (assigned, open, overdue as finding_late counts
** them, rectified on time, returned) and its industrial projects (projects, lagging behind
** time progress, 投资完成率), as of today. The figures are the bulletin's section
** (rp_supervision_compute), so the page and the bulletin cannot disagree. */
int api_review_supervision(HttpReq *r) {
  const char *zPeriod = http_arg(r, "period");
  const char *zUnit = http_query(r, "unit");
  if (!zUnit) return http_fail(r, KP_E_MISSING, "unit", "?unit=CODE is required");
  Stmt *q = db_prepare(r->pDb, "SELECT name FROM unit WHERE code = ?1");
  stmt_bind_text(q, 1, zUnit);
  const char *zName = stmt_step(q) == 1 ? arena_strdup(r->pArena, stmt_text(q, 0)) : NULL;
  stmt_finalize(q);
  if (!zName) return http_fail(r, KP_E_NO_SUCH, "unit", "no unit %s", zUnit);
  /* the same readers as the review itself (and the bulletin that shows these figures) */
  char *zJson = NULL;
  char zState[16];
  int iRev = 0;
  int rc = api_review_for(r, zPeriod, &zJson, zState, &iRev);
  free(zJson);
  if (rc < 0) return http_fail(r, KP_E_INTERNAL, NULL, "the stored review cannot be read");
  if (rc > 0) return http_fail(r, KP_E_NO_SUCH, "period", "no review for period %s", zPeriod);
  RpSupervision *s = NULL;
  char *zErr = NULL;
  if (rp_supervision_compute(r->pDb, r->pArena, zPeriod, &s, &zErr)) {
    fprintf(stderr, "kaoping serve: rid=%s: %s\n", r->zRid, zErr);
    free(zErr);
    return http_fail(r, KP_E_INTERNAL, NULL, "internal error");
  }
  if (!s) return http_fail(r, KP_E_INVALID, "period", "%s is not a period code", zPeriod);
  const RpSupRow *pRow = NULL;
  for (int i = 0; i < s->nRow && !pRow; i++)
    if (!s->aRow[i].zCategory && strcmp(s->aRow[i].zUnit, zUnit) == 0) pRow = &s->aRow[i];
  const RpProjRow *pProj = NULL;
  for (int i = 0; i < s->nProj && !pProj; i++)
    if (s->aProj[i].zUnit && strcmp(s->aProj[i].zUnit, zUnit) == 0) pProj = &s->aProj[i];
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "period", zPeriod, "review_state",
                        zState, "unit", zUnit, "unit_name", zName, "as_of", s->zAsOf, "from",
                        s->zFrom, "to", s->zTo);
  json_object_set_new(o, "review_revision", json_integer(iRev));
  json_object_set_new(o, "findings", json_pack("{s:i, s:i, s:i, s:i, s:i}", "assigned",
                                               pRow ? pRow->nTotal : 0, "open",
                                               pRow ? pRow->nOpen : 0, "overdue",
                                               pRow ? pRow->nOverdue : 0, "on_time",
                                               pRow ? pRow->nOnTime : 0, "returned",
                                               pRow ? pRow->nReturned : 0));
  json_t *pP = json_pack("{s:i, s:i}", "count", pProj ? pProj->nProjects : 0, "lagging",
                         pProj ? pProj->nLagging : 0);
  json_object_set_new(pP, "invest_rate", pProj && !isnan(pProj->rInvestRate)
                                             ? json_real(pProj->rInvestRate) : json_null());
  json_object_set_new(o, "projects", pP);
  http_json(r, 200, o);
  return 0;
}

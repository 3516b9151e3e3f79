/*
** supervision.c: calendar, inspections, findings and tasks in the store (supervision.h has
** the scope rules). Each write is one transaction: check, apply, write the event, write the
** audit record, commit; any failure rolls everything back. Refusals are audited after the
** rollback in their own small transaction.
**
** Dates of the lifecycle (assigned_on, due ...) are China dates YYYY-MM-DD; event times
** are db_now() UTC stamps. The derived status (light, overdue, escalation) is computed on
** every read from the stored dates and today (finding_status), never stored, so it is
** right the moment a deadline passes without any scheduled job.
*/
#include "supervision.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "contact_task.h"
#include "finding_map.h"
#include "period.h"
#include "period_store.h"
#include "scheme_store.h"
#include "http/errcode.h"
#include "util/mem.h"

/* ---- small helpers ------------------------------------------------------------------- */

int sup_today(void) {
  char zNow[32];
  int64_t t = 0;
  db_now(zNow);
  if (cal_time_parse(zNow, &t)) return 0; /* db_now always writes the right format */
  return cal_day_of_time(t);
}

static int day_of(const char *z) {
  int d;
  if (!z || cal_date_parse(z, &d)) return FD_NONE;
  return d;
}

/* Binds a day as text, or NULL for FD_NONE. */
static void bind_day(Stmt *s, int i, int iDay) {
  if (iDay == FD_NONE) {
    stmt_bind_null(s, i);
    return;
  }
  char z[11];
  cal_date_format(iDay, z);
  stmt_bind_text(s, i, z);
}

static json_t *day_json(int iDay) {
  if (iDay == FD_NONE) return json_null();
  char z[11];
  cal_date_format(iDay, z);
  return json_string(z);
}

/* Integer field: 0 absent (*pv untouched), 1 present, -1 present but not an integer in
** [lo, hi] (e filled, zKey named). */
static int jint(json_t *o, const char *zKey, int lo, int hi, int *pv, EntryErr *e) {
  json_t *v = o ? json_object_get(o, zKey) : NULL;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
    entry_err_set(e, KP_E_INVALID, zKey, "%s must be a whole number from %d to %d", zKey, lo, hi);
    return -1;
  }
  *pv = (int)json_integer_value(v);
  return 1;
}

static int jnum(json_t *o, const char *zKey, double *pv, EntryErr *e) {
  json_t *v = o ? json_object_get(o, zKey) : NULL;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_number(v)) {
    entry_err_set(e, KP_E_INVALID, zKey, "%s must be a number", zKey);
    return -1;
  }
  *pv = json_number_value(v);
  return 1;
}

/* A text field that is required (bRequired) and at most nMax bytes of valid UTF-8 text. */
static int jtext(json_t *o, const char *zKey, int bRequired, size_t nMax, const char **pz,
                 EntryErr *e) {
  json_t *v = o ? json_object_get(o, zKey) : NULL;
  *pz = NULL;
  if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) {
    if (bRequired) return entry_err_set(e, KP_E_MISSING, zKey, "%s is required", zKey);
    return 0;
  }
  if (!json_is_string(v)) return entry_err_set(e, KP_E_INVALID, zKey, "%s must be text", zKey);
  if (strlen(json_string_value(v)) > nMax)
    return entry_err_set(e, KP_E_INVALID, zKey, "%s is longer than %zu bytes", zKey, nMax);
  *pz = json_string_value(v);
  return 0;
}

static int unit_exists(Db *pDb, const char *zUnit) {
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM unit WHERE code = ?1");
  stmt_bind_text(s, 1, zUnit);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

static int sup_reads_all(const AuthUser *u) {
  return auth_has(u, CAP_INSPECT) || auth_has(u, CAP_COMMENT) || auth_has(u, CAP_REVIEW_DRAFT);
}

static int sup_reads_own(const AuthUser *u) {
  return auth_has(u, CAP_DATA_OWN_UNIT) && u->zUnit && *u->zUnit;
}

/* Audits a refusal in its own transaction (best effort: the refusal stands anyway). */
static void sup_audit_denied(Db *pDb, const EntryWho *w, const char *zEvent, const char *zObj,
                             const char *zAction, const EntryErr *e) {
  json_t *d = json_pack("{s:s, s:s}", "action", zAction ? zAction : "", "why", e->zMsg);
  if (db_begin(pDb) == 0) {
    if (audit_record(pDb, w->pUser->zName, w->zIp, zEvent, zObj, "denied", d) ||
        db_commit(pDb))
      db_rollback(pDb);
  }
  json_decref(d);
}

/* ---- calendar ------------------------------------------------------------------------- */

int sup_calendar_load(Db *pDb, Calendar *pCal, char **pzErr) {
  cal_init(pCal);
  Stmt *s = db_prepare(pDb, "SELECT year FROM calendar_year ORDER BY year");
  int rc;
  while ((rc = stmt_step(s)) == 1) cal_add_year(pCal, (int)stmt_int(s, 0));
  stmt_finalize(s);
  if (rc < 0) goto sql_error;
  s = db_prepare(pDb, "SELECT day, year, kind, name FROM calendar_day ORDER BY day");
  while ((rc = stmt_step(s)) == 1) {
    int d;
    char *zWhy = NULL;
    if (cal_date_parse(stmt_text(s, 0), &d) ||
        cal_add_day(pCal, (int)stmt_int(s, 1), d, strcmp(stmt_text(s, 2), "work") == 0,
                    stmt_text(s, 3), &zWhy)) {
      *pzErr = xasprintf("stored calendar day %s is invalid%s%s", stmt_text(s, 0),
                         zWhy ? ": " : "", zWhy ? zWhy : "");
      free(zWhy);
      stmt_finalize(s);
      cal_free(pCal);
      return -1;
    }
  }
  stmt_finalize(s);
  if (rc < 0) goto sql_error;
  return 0;
sql_error:
  *pzErr = xasprintf("database error: %s", db_errmsg(pDb));
  cal_free(pCal);
  return -1;
}

int sup_calendar_import(Db *pDb, const char *zActor, const char *zIp, const char *zFile,
                        const char *zText, size_t nText, char **pzSummary, char **pzErr) {
  Calendar c;
  int iLo = 0, iHi = 0;
  cal_init(&c);
  if (cal_parse_csv(&c, zFile, zText, nText, &iLo, &iHi, pzErr)) {
    cal_free(&c);
    return -1;
  }
  char zNow[32];
  db_now(zNow);
  const char *zBase = strrchr(zFile, '/') ? strrchr(zFile, '/') + 1 : zFile;
  if (db_begin(pDb)) goto sql_error;
  int nOff = 0, nWork = 0;
  for (int i = 0; i < c.nYear; i++) {
    Stmt *s = db_prepare(pDb, "DELETE FROM calendar_day WHERE year = ?1");
    stmt_bind_int(s, 1, c.aYear[i]);
    int bad = stmt_run(s);
    stmt_finalize(s);
    s = db_prepare(pDb, "INSERT INTO calendar_year(year, source, imported_at, imported_by) "
                        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(year) DO UPDATE SET "
                        "source = excluded.source, imported_at = excluded.imported_at, "
                        "imported_by = excluded.imported_by");
    stmt_bind_int(s, 1, c.aYear[i]);
    stmt_bind_text(s, 2, zBase);
    stmt_bind_text(s, 3, zNow);
    stmt_bind_text(s, 4, zActor);
    bad |= stmt_run(s);
    stmt_finalize(s);
    if (bad) goto sql_error;
  }
  for (int i = 0; i < c.nDay; i++) {
    char zDay[11];
    cal_date_format(c.aDay[i].iDay, zDay);
    Stmt *s = db_prepare(pDb, "INSERT INTO calendar_day(day, year, kind, name) "
                              "VALUES (?1, ?2, ?3, ?4)");
    stmt_bind_text(s, 1, zDay);
    stmt_bind_int(s, 2, c.aDay[i].iYear);
    stmt_bind_text(s, 3, c.aDay[i].bWork ? "work" : "off");
    stmt_bind_text(s, 4, c.aDay[i].zName);
    int bad = stmt_run(s);
    stmt_finalize(s);
    if (bad) {
      *pzErr = xasprintf("%s: %s is already listed by the calendar of another year", zFile, zDay);
      db_rollback(pDb);
      cal_free(&c);
      return -1;
    }
    if (c.aDay[i].bWork) nWork++;
    else nOff++;
  }
  json_t *d = json_pack("{s:s, s:i, s:i, s:i, s:i}", "file", zBase, "from", iLo, "to", iHi,
                        "off", nOff, "work", nWork);
  int rcA = audit_record(pDb, zActor, zIp, "calendar.import", "calendar", "ok", d);
  json_decref(d);
  if (rcA) {
    *pzErr = xasprintf("cannot write the audit record; nothing imported");
    db_rollback(pDb);
    cal_free(&c);
    return -1;
  }
  if (db_commit(pDb)) goto sql_error;
  if (iLo == iHi)
    *pzSummary = xasprintf("calendar %d: %d days off, %d make-up working days", iLo, nOff, nWork);
  else
    *pzSummary = xasprintf("calendars %d-%d: %d days off, %d make-up working days", iLo, iHi,
                           nOff, nWork);
  cal_free(&c);
  return 0;
sql_error:
  *pzErr = xasprintf("database error: %s", db_errmsg(pDb));
  db_rollback(pDb);
  cal_free(&c);
  return -1;
}

json_t *sup_calendar_years(Db *pDb) {
  json_t *a = json_array();
  Stmt *s = db_prepare(pDb, "SELECT y.year, y.source, y.imported_at, y.imported_by, "
                            "(SELECT count(*) FROM calendar_day d WHERE d.year = y.year "
                            "   AND d.kind = 'off'), "
                            "(SELECT count(*) FROM calendar_day d WHERE d.year = y.year "
                            "   AND d.kind = 'work') "
                            "FROM calendar_year y ORDER BY y.year");
  while (stmt_step(s) == 1)
    json_array_append_new(a, json_pack("{s:i, s:s?, s:s?, s:s?, s:i, s:i}", "year",
                                       (int)stmt_int(s, 0), "source", stmt_text(s, 1),
                                       "imported_at", stmt_text(s, 2), "imported_by",
                                       stmt_text(s, 3), "off", (int)stmt_int(s, 4), "work",
                                       (int)stmt_int(s, 5)));
  stmt_finalize(s);
  return a;
}

void sup_policy(Db *pDb, FindingPolicy *p) {
  finding_policy_default(p);
  Stmt *s = db_prepare(pDb, "SELECT body FROM scheme ORDER BY year DESC, id DESC");
  while (stmt_step(s) == 1) {
    json_t *pBody = json_loads(stmt_text(s, 0), 0, NULL);
    json_t *pSup = pBody ? json_object_get(pBody, "supervision") : NULL;
    FindingMap map;
    char *zErr = NULL;
    int bFound = pSup && finding_map_parse(NULL, pSup, &map, &zErr) == 0;
    if (bFound) {
      *p = map.policy;
      finding_map_free(&map);
    }
    free(zErr);
    json_decref(pBody);
    if (bFound) break;
  }
  stmt_finalize(s);
}

/* ---- inspections ---------------------------------------------------------------------- */

static const struct { const char *zName, *zLabel; } aInspKind[] = {
  {"undercover", "暗访"}, {"announced", "明查"}, {"online", "网络"}};

static const char *insp_kind(const char *z) {
  for (size_t i = 0; z && i < sizeof aInspKind / sizeof aInspKind[0]; i++)
    if (strcmp(z, aInspKind[i].zName) == 0 || strcmp(z, aInspKind[i].zLabel) == 0 ||
        (i == 2 && strcmp(z, "云督查") == 0))
      return aInspKind[i].zName;
  return NULL;
}

static const char *insp_kind_label(const char *z) {
  for (size_t i = 0; z && i < sizeof aInspKind / sizeof aInspKind[0]; i++)
    if (strcmp(z, aInspKind[i].zName) == 0) return aInspKind[i].zLabel;
  return "?";
}

int sup_inspection_add(Db *pDb, const EntryWho *w, json_t *pIn, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_INSPECT)) {
    entry_err_set(e, KP_E_SCOPE, NULL, "only the supervision office records inspections");
    sup_audit_denied(pDb, w, "inspection.denied", "inspection:new", "add", e);
    return -1;
  }
  const char *zKind, *zTopic, *zTeam, *zStart, *zEnd;
  if (jtext(pIn, "kind", 1, 32, &zKind, e) || jtext(pIn, "topic", 1, 400, &zTopic, e) ||
      jtext(pIn, "team", 1, 400, &zTeam, e) || jtext(pIn, "start", 1, 10, &zStart, e) ||
      jtext(pIn, "end", 0, 10, &zEnd, e))
    return -1;
  const char *zK = insp_kind(zKind);
  if (!zK)
    return entry_err_set(e, KP_E_INVALID, "kind", "kind \"%s\" must be undercover (暗访), "
                         "announced (明查) or online (网络)", zKind);
  int iStart, iEnd;
  if (cal_date_parse(zStart, &iStart))
    return entry_err_set(e, KP_E_INVALID, "start", "start \"%s\" is not a date YYYY-MM-DD", zStart);
  if (!zEnd) zEnd = zStart;
  if (cal_date_parse(zEnd, &iEnd) || iEnd < iStart)
    return entry_err_set(e, KP_E_INVALID, "end", "end \"%s\" is not a date YYYY-MM-DD on or after "
                         "the start", zEnd);
  char zNow[32];
  db_now(zNow);
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "INSERT INTO inspection(kind, topic, team, start_date, end_date, "
                            "created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  stmt_bind_text(s, 1, zK);
  stmt_bind_text(s, 2, zTopic);
  stmt_bind_text(s, 3, zTeam);
  stmt_bind_text(s, 4, zStart);
  stmt_bind_text(s, 5, zEnd);
  stmt_bind_text(s, 6, zNow);
  stmt_bind_text(s, 7, w->pUser->zName);
  int bad = stmt_run(s);
  stmt_finalize(s);
  int64_t id = db_last_insert_id(pDb);
  if (bad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char *zObj = xasprintf("inspection:%lld", (long long)id);
  json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "kind", zK, "topic", zTopic, "start", zStart,
                        "end", zEnd);
  int rcA = audit_record(pDb, w->pUser->zName, w->zIp, "inspection.add", zObj, "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
  }
  *ppOut = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "kind",
                     zK, "kind_label", insp_kind_label(zK), "topic", zTopic, "team", zTeam,
                     "start", zStart, "end", zEnd, "created_by", w->pUser->zName);
  return 0;
}

int sup_inspection_list(Db *pDb, const EntryWho *w, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_INSPECT) && !auth_has(w->pUser, CAP_COMMENT))
    return entry_err_set(e, KP_E_SCOPE, NULL, "inspections are read by the supervision office "
                         "and leaders");
  Stmt *s = db_prepare(pDb, "SELECT i.id, i.kind, i.topic, i.team, i.start_date, i.end_date, "
                            "(SELECT count(*) FROM finding f WHERE f.inspection_id = i.id) "
                            "FROM inspection i ORDER BY i.start_date DESC, i.id DESC");
  json_t *a = json_array();
  int rc;
  while ((rc = stmt_step(s)) == 1)
    json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id",
                                       (json_int_t)stmt_int(s, 0), "kind", stmt_text(s, 1),
                                       "kind_label", insp_kind_label(stmt_text(s, 1)), "topic",
                                       stmt_text(s, 2), "team", stmt_text(s, 3), "start",
                                       stmt_text(s, 4), "end", stmt_text(s, 5), "findings",
                                       (json_int_t)stmt_int(s, 6)));
  stmt_finalize(s);
  if (rc < 0) {
    json_decref(a);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  *ppOut = json_pack("{s:o}", "inspections", a);
  return 0;
}

/* ---- findings: rows ------------------------------------------------------------------- */

typedef struct FRow {
  int64_t id, iInspection, iDupOf;
  char *zUnit, *zUnitName, *zCategory, *zSeverity, *zText, *zPlace, *zResponsible;
  char *zDupOrder, *zCreatedAt, *zCreatedBy, *zInspKind;
  double rLon, rLat, rDeduct;
  int nLimit, nSign, nReopens, bSignLate, bFinishLate, bPublic;
  int iRequestedDue, iClosed, iVerified;
  FindingClock c;
} FRow;

#define FINDING_SELECT                                                                        \
  "SELECT f.id, f.inspection_id, f.unit, u.name, f.category, f.severity, f.text, f.place, "   \
  "f.lon, f.lat, f.responsible, f.limit_days, f.sign_days, f.report_every, f.deduction, "     \
  "f.state, f.assigned_on, f.sign_due, f.signed_on, f.due, f.requested_on, f.requested_due, " \
  "f.progress, f.last_report_on, f.returns, f.reopens, f.sign_late, f.finish_late, f.public, " \
  "f.dup_of, f.dup_of_order, f.closed_on, f.verified_on, f.created_at, f.created_by, "        \
  "(SELECT kind FROM inspection i WHERE i.id = f.inspection_id) "                             \
  "FROM finding f JOIN unit u ON u.code = f.unit "

static char *col_dup(Arena *a, Stmt *s, int i) {
  return stmt_is_null(s, i) ? NULL : arena_strdup(a, stmt_text(s, i));
}

static void frow_read(Arena *a, Stmt *s, FRow *r) {
  memset(r, 0, sizeof *r);
  r->id = stmt_int(s, 0);
  r->iInspection = stmt_is_null(s, 1) ? 0 : stmt_int(s, 1);
  r->zUnit = col_dup(a, s, 2);
  r->zUnitName = col_dup(a, s, 3);
  r->zCategory = col_dup(a, s, 4);
  r->zSeverity = col_dup(a, s, 5);
  r->zText = col_dup(a, s, 6);
  r->zPlace = col_dup(a, s, 7);
  r->rLon = stmt_double(s, 8);
  r->rLat = stmt_double(s, 9);
  r->zResponsible = col_dup(a, s, 10);
  r->nLimit = (int)stmt_int(s, 11);
  r->nSign = (int)stmt_int(s, 12);
  r->c.nReportEvery = (int)stmt_int(s, 13);
  r->rDeduct = stmt_double(s, 14);
  int eState = finding_state_find(stmt_text(s, 15));
  r->c.eState = eState < 0 ? FS_NONE : (FindingState)eState;
  r->c.iAssigned = day_of(stmt_text(s, 16));
  r->c.iSignDue = day_of(stmt_text(s, 17));
  r->c.iSigned = day_of(stmt_text(s, 18));
  r->c.iDue = day_of(stmt_text(s, 19));
  r->c.iRequested = day_of(stmt_text(s, 20));
  r->iRequestedDue = day_of(stmt_text(s, 21));
  r->c.nProgress = (int)stmt_int(s, 22);
  r->c.iLastReport = day_of(stmt_text(s, 23));
  r->c.nReturns = (int)stmt_int(s, 24);
  r->nReopens = (int)stmt_int(s, 25);
  r->bSignLate = (int)stmt_int(s, 26);
  r->bFinishLate = (int)stmt_int(s, 27);
  r->bPublic = (int)stmt_int(s, 28);
  r->iDupOf = stmt_is_null(s, 29) ? 0 : stmt_int(s, 29);
  r->zDupOrder = col_dup(a, s, 30);
  r->iClosed = day_of(stmt_text(s, 31));
  r->iVerified = day_of(stmt_text(s, 32));
  r->zCreatedAt = col_dup(a, s, 33);
  r->zCreatedBy = col_dup(a, s, 34);
  r->zInspKind = col_dup(a, s, 35);
}

/* Loads one finding: 1 found, 0 not, -1 error. */
static int frow_load(Db *pDb, Arena *a, int64_t id, FRow *r) {
  Stmt *s = db_prepare(pDb, FINDING_SELECT "WHERE f.id = ?1");
  stmt_bind_int(s, 1, id);
  int rc = stmt_step(s);
  if (rc == 1) frow_read(a, s, r);
  stmt_finalize(s);
  return rc;
}

static int is_co_unit(Db *pDb, int64_t id, const char *zUnit) {
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM finding_unit WHERE finding_id = ?1 AND unit = ?2");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, zUnit);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

/* May this account read the finding? A unit sees its findings only once handed over. */
static int frow_visible(Db *pDb, const AuthUser *u, const FRow *r) {
  if (sup_reads_all(u)) return 1;
  if (!sup_reads_own(u) || r->c.iAssigned == FD_NONE) return 0;
  return strcmp(u->zUnit, r->zUnit) == 0 || is_co_unit(pDb, r->id, u->zUnit);
}

static unsigned frow_actor(Db *pDb, const AuthUser *u, const FRow *r) {
  unsigned m = 0;
  if (auth_has(u, CAP_INSPECT)) m |= FR_INSPECTOR;
  if (auth_has(u, CAP_COMMENT)) m |= FR_LEADER;
  if (sup_reads_own(u)) {
    if (strcmp(u->zUnit, r->zUnit) == 0) m |= FR_LEAD_UNIT;
    else if (is_co_unit(pDb, r->id, u->zUnit)) m |= FR_CO_UNIT;
  }
  return m;
}

static const char *severity_label(const char *z) {
  if (!z) return "?";
  if (strcmp(z, "minor") == 0) return "一般";
  if (strcmp(z, "major") == 0) return "较重";
  if (strcmp(z, "severe") == 0) return "严重";
  return z;
}

static const char *level_label(int i) {
  return i == 2 ? "提级督办" : i == 1 ? "黄牌" : "";
}

/* The finding as JSON with its derived status on day iToday (*pStatus gets the status
** when not NULL). The caller removes what a unit may not see (the inspection). */
static json_t *frow_json(const FRow *r, const Calendar *pCal, const FindingPolicy *pPol,
                         int iToday, FindingStatus *pStatus) {
  FindingStatus st;
  char *zErr = NULL;
  int rcS = finding_status(pCal, &r->c, pPol, iToday, &st, &zErr);
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "inspection", r->iInspection ? json_integer(r->iInspection) : json_null());
  json_object_set_new(o, "inspection_kind", r->zInspKind ? json_string(r->zInspKind) : json_null());
  json_object_set_new(o, "unit", json_string(r->zUnit));
  json_object_set_new(o, "unit_name", json_string(r->zUnitName ? r->zUnitName : ""));
  json_object_set_new(o, "category", json_string(r->zCategory));
  json_object_set_new(o, "severity", json_string(r->zSeverity));
  json_object_set_new(o, "severity_label", json_string(severity_label(r->zSeverity)));
  json_object_set_new(o, "text", json_string(r->zText));
  json_object_set_new(o, "place", r->zPlace ? json_string(r->zPlace) : json_null());
  json_object_set_new(o, "lon", isnan(r->rLon) ? json_null() : json_real(r->rLon));
  json_object_set_new(o, "lat", isnan(r->rLat) ? json_null() : json_real(r->rLat));
  json_object_set_new(o, "responsible", r->zResponsible ? json_string(r->zResponsible) : json_null());
  json_object_set_new(o, "limit_days", json_integer(r->nLimit));
  json_object_set_new(o, "sign_days", json_integer(r->nSign));
  json_object_set_new(o, "report_every", json_integer(r->c.nReportEvery));
  json_object_set_new(o, "deduction", json_real(r->rDeduct));
  json_object_set_new(o, "state", json_string(finding_state_name(r->c.eState)));
  json_object_set_new(o, "state_label", json_string(finding_state_label(r->c.eState)));
  json_object_set_new(o, "assigned_on", day_json(r->c.iAssigned));
  json_object_set_new(o, "sign_due", day_json(r->c.iSignDue));
  json_object_set_new(o, "signed_on", day_json(r->c.iSigned));
  json_object_set_new(o, "due", day_json(r->c.iDue));
  json_object_set_new(o, "requested_on", day_json(r->c.iRequested));
  json_object_set_new(o, "requested_due", day_json(r->iRequestedDue));
  json_object_set_new(o, "closed_on", day_json(r->iClosed));
  json_object_set_new(o, "verified_on", day_json(r->iVerified));
  json_object_set_new(o, "progress", json_integer(r->c.nProgress));
  json_object_set_new(o, "last_report_on", day_json(r->c.iLastReport));
  json_object_set_new(o, "returns", json_integer(r->c.nReturns));
  json_object_set_new(o, "reopens", json_integer(r->nReopens));
  json_object_set_new(o, "public", json_boolean(r->bPublic));
  json_object_set_new(o, "dup_of", r->iDupOf ? json_integer(r->iDupOf) : json_null());
  json_object_set_new(o, "dup_of_order", r->zDupOrder ? json_string(r->zDupOrder) : json_null());
  json_object_set_new(o, "created_at", json_string(r->zCreatedAt));
  json_object_set_new(o, "created_by", json_string(r->zCreatedBy));
  char zToday[11];
  cal_date_format(iToday, zToday);
  json_object_set_new(o, "today", json_string(zToday));
  if (rcS) {
    json_object_set_new(o, "light", json_string("none"));
    json_object_set_new(o, "calendar_error", json_string(zErr));
    free(zErr);
    memset(&st, 0, sizeof st);
  } else {
    json_object_set_new(o, "light", json_string(finding_light_name(st.eLight)));
    json_object_set_new(o, "overdue", json_boolean(st.bOverdue || st.bSignOverdue));
    json_object_set_new(o, "sign_overdue", json_boolean(st.bSignOverdue));
    json_object_set_new(o, "sign_late", json_boolean(st.bSignLate || r->bSignLate));
    json_object_set_new(o, "finish_late", json_boolean(st.bFinishLate || r->bFinishLate));
    json_object_set_new(o, "overdue_days", json_integer(st.nOverdueDays));
    json_object_set_new(o, "days_left", r->c.iDue == FD_NONE || !finding_state_open(r->c.eState)
                                            ? json_null() : json_integer(st.nDaysLeft));
    json_object_set_new(o, "time_progress", json_real(st.rTimeProgress));
    json_object_set_new(o, "behind", json_boolean(st.bBehind));
    json_object_set_new(o, "report_due", json_boolean(st.bReportDue));
    json_object_set_new(o, "level", json_integer(st.iLevel));
    json_object_set_new(o, "level_label", json_string(level_label(st.iLevel)));
    json_object_set_new(o, "extra_deduction", json_real(st.rExtraDeduct));
  }
  if (pStatus) *pStatus = st;
  return o;
}

/* ---- findings: add ---------------------------------------------------------------------- */

static int sup_event(Db *pDb, int64_t id, FindingAction a, FindingState eFrom, FindingState eTo,
                     const char *zActor, const char *zAt, const char *zNote, int nProgress,
                     json_t *pDetail) {
  Stmt *s = db_prepare(pDb, "INSERT INTO finding_event(finding_id, action, from_state, "
                            "to_state, actor, at, note, progress, detail) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, finding_action_name(a));
  stmt_bind_text(s, 3, finding_state_name(eFrom));
  stmt_bind_text(s, 4, finding_state_name(eTo));
  stmt_bind_text(s, 5, zActor);
  stmt_bind_text(s, 6, zAt);
  stmt_bind_text(s, 7, zNote);
  if (nProgress >= 0) stmt_bind_int(s, 8, nProgress);
  else stmt_bind_null(s, 8);
  char *zDetail = pDetail && json_object_size(pDetail)
                      ? json_dumps(pDetail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  stmt_bind_text(s, 9, zDetail);
  free(zDetail);
  int rc = stmt_run(s);
  stmt_finalize(s);
  return rc;
}

static const char *severity_code(const char *z) {
  if (!z || strcmp(z, "minor") == 0 || strcmp(z, "一般") == 0) return "minor";
  if (strcmp(z, "major") == 0 || strcmp(z, "较重") == 0) return "major";
  if (strcmp(z, "severe") == 0 || strcmp(z, "严重") == 0) return "severe";
  return NULL;
}

int sup_finding_add(Db *pDb, const EntryWho *w, json_t *pIn, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!auth_has(w->pUser, CAP_INSPECT)) {
    entry_err_set(e, KP_E_SCOPE, NULL, "only the supervision office (inspector) records findings");
    sup_audit_denied(pDb, w, "finding.denied", "finding:new", "open", e);
    return -1;
  }
  const char *zUnit, *zCat, *zText, *zSev, *zPlace, *zResp;
  if (jtext(pIn, "unit", 1, 16, &zUnit, e) || jtext(pIn, "category", 1, 64, &zCat, e) ||
      jtext(pIn, "text", 1, 4000, &zText, e) || jtext(pIn, "severity", 0, 16, &zSev, e) ||
      jtext(pIn, "place", 0, 400, &zPlace, e) || jtext(pIn, "responsible", 0, 200, &zResp, e))
    return -1;
  const char *zSevCode = severity_code(zSev);
  if (!zSevCode)
    return entry_err_set(e, KP_E_INVALID, "severity", "severity \"%s\" must be minor (一般), "
                         "major (较重) or severe (严重)", zSev);
  int nDays = 10, nSign = 2, nEvery = 7, iInsp = 0;
  double rDeduct = 0.5, rLon = NAN, rLat = NAN;
  if (jint(pIn, "days", 1, 365, &nDays, e) < 0 || jint(pIn, "sign_days", 1, 30, &nSign, e) < 0 ||
      jint(pIn, "report_every", 0, 366, &nEvery, e) < 0 ||
      jint(pIn, "inspection", 1, 2000000000, &iInsp, e) < 0 ||
      jnum(pIn, "deduction", &rDeduct, e) < 0 || jnum(pIn, "lon", &rLon, e) < 0 ||
      jnum(pIn, "lat", &rLat, e) < 0)
    return -1;
  if (!(rDeduct >= 0 && rDeduct <= 100))
    return entry_err_set(e, KP_E_INVALID, "deduction", "deduction must be 0 to 100 points");
  if (!isnan(rLon) && !(rLon >= 73 && rLon <= 136))
    return entry_err_set(e, KP_E_INVALID, "lon", "lon must be a longitude in China (73 to 136)");
  if (!isnan(rLat) && !(rLat >= 3 && rLat <= 54))
    return entry_err_set(e, KP_E_INVALID, "lat", "lat must be a latitude in China (3 to 54)");
  json_t *aCo = json_object_get(pIn, "co_units");
  if (aCo && !json_is_array(aCo) && !json_is_null(aCo))
    return entry_err_set(e, KP_E_INVALID, "co_units", "co_units must be a list of unit codes");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  if (!unit_exists(pDb, zUnit)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "unit", "no unit %s", zUnit);
  }
  if (iInsp) {
    Stmt *s = db_prepare(pDb, "SELECT 1 FROM inspection WHERE id = ?1");
    stmt_bind_int(s, 1, iInsp);
    int b = stmt_step(s) == 1;
    stmt_finalize(s);
    if (!b) {
      db_rollback(pDb);
      return entry_err_set(e, KP_E_NO_SUCH, "inspection", "no inspection %d", iInsp);
    }
  }
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb,
                       "INSERT INTO finding(inspection_id, unit, category, severity, text, "
                       "place, lon, lat, responsible, limit_days, sign_days, report_every, "
                       "deduction, state, created_at, created_by, updated_at) VALUES (?1, ?2, "
                       "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'registered', ?14, "
                       "?15, ?14)");
  if (iInsp) stmt_bind_int(s, 1, iInsp);
  else stmt_bind_null(s, 1);
  stmt_bind_text(s, 2, zUnit);
  stmt_bind_text(s, 3, zCat);
  stmt_bind_text(s, 4, zSevCode);
  stmt_bind_text(s, 5, zText);
  stmt_bind_text(s, 6, zPlace);
  stmt_bind_double(s, 7, rLon);
  stmt_bind_double(s, 8, rLat);
  stmt_bind_text(s, 9, zResp);
  stmt_bind_int(s, 10, nDays);
  stmt_bind_int(s, 11, nSign);
  stmt_bind_int(s, 12, nEvery);
  stmt_bind_double(s, 13, rDeduct);
  stmt_bind_text(s, 14, zNow);
  stmt_bind_text(s, 15, w->pUser->zName);
  int bad = stmt_run(s);
  stmt_finalize(s);
  int64_t id = db_last_insert_id(pDb);
  if (bad) goto sql_error;
  size_t i;
  json_t *v;
  json_array_foreach(aCo, i, v) {
    const char *zCo = json_is_string(v) ? json_string_value(v) : NULL;
    if (!zCo || !unit_exists(pDb, zCo) || strcmp(zCo, zUnit) == 0) {
      db_rollback(pDb);
      return entry_err_set(e, KP_E_INVALID, "co_units", "co_units[%zu]: %s%s", i,
                           zCo ? zCo : "not a unit code",
                           zCo && strcmp(zCo, zUnit) == 0 ? " is the lead unit" : ": no such unit");
    }
    s = db_prepare(pDb, "INSERT OR IGNORE INTO finding_unit(finding_id, unit) VALUES (?1, ?2)");
    stmt_bind_int(s, 1, id);
    stmt_bind_text(s, 2, zCo);
    bad = stmt_run(s);
    stmt_finalize(s);
    if (bad) goto sql_error;
  }
  if (sup_event(pDb, id, FA_OPEN, FS_NONE, FS_REGISTERED, w->pUser->zName, zNow, NULL, -1, NULL))
    goto sql_error;
  char *zObj = xasprintf("finding:%lld", (long long)id);
  json_t *d = json_pack("{s:s, s:s, s:s, s:i, s:f}", "unit", zUnit, "category", zCat,
                        "severity", zSevCode, "days", nDays, "deduction", rDeduct);
  int rcA = audit_record(pDb, w->pUser->zName, w->zIp, "finding.open", zObj, "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
  }
  return sup_finding_show(pDb, w, id, ppOut, e);
sql_error:
  db_rollback(pDb);
  return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
}

/* ---- findings: act ---------------------------------------------------------------------- */

static int frow_update(Db *pDb, const FRow *r, FindingState eOld, const char *zNow) {
  Stmt *s = db_prepare(pDb,
                       "UPDATE finding SET state = ?2, assigned_on = ?3, sign_due = ?4, "
                       "signed_on = ?5, due = ?6, requested_on = ?7, requested_due = ?8, "
                       "progress = ?9, last_report_on = ?10, returns = ?11, reopens = ?12, "
                       "sign_late = ?13, finish_late = ?14, public = ?15, dup_of = ?16, "
                       "dup_of_order = ?17, closed_on = ?18, verified_on = ?19, "
                       "limit_days = ?20, updated_at = ?21 WHERE id = ?1 AND state = ?22");
  stmt_bind_int(s, 1, r->id);
  stmt_bind_text(s, 2, finding_state_name(r->c.eState));
  bind_day(s, 3, r->c.iAssigned);
  bind_day(s, 4, r->c.iSignDue);
  bind_day(s, 5, r->c.iSigned);
  bind_day(s, 6, r->c.iDue);
  bind_day(s, 7, r->c.iRequested);
  bind_day(s, 8, r->iRequestedDue);
  stmt_bind_int(s, 9, r->c.nProgress);
  bind_day(s, 10, r->c.iLastReport);
  stmt_bind_int(s, 11, r->c.nReturns);
  stmt_bind_int(s, 12, r->nReopens);
  stmt_bind_int(s, 13, r->bSignLate);
  stmt_bind_int(s, 14, r->bFinishLate);
  stmt_bind_int(s, 15, r->bPublic);
  if (r->iDupOf) stmt_bind_int(s, 16, r->iDupOf);
  else stmt_bind_null(s, 16);
  stmt_bind_text(s, 17, r->zDupOrder);
  bind_day(s, 18, r->iClosed);
  bind_day(s, 19, r->iVerified);
  stmt_bind_int(s, 20, r->nLimit);
  stmt_bind_text(s, 21, zNow);
  stmt_bind_text(s, 22, finding_state_name(eOld));
  int rc = stmt_run(s);
  stmt_finalize(s);
  return rc || db_changes(pDb) != 1 ? -1 : 0;
}

static const char *missing_name(unsigned m) {
  if (m & FF_NOTE) return "note";
  if (m & FF_DEADLINE) return "deadline";
  if (m & FF_DUP_OF) return "dup_of";
  if (m & FF_DAYS) return "days";
  return "?";
}

int sup_finding_act(Db *pDb, const EntryWho *w, int64_t id, const char *zAction,
                    json_t *pArgs, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  char zObj[48];
  snprintf(zObj, sizeof zObj, "finding:%lld", (long long)id);
  int iAction = finding_action_find(zAction);
  if (iAction < 0)
    return entry_err_set(e, KP_E_INVALID, "action", "unknown action \"%s\" (assign, sign, "
                         "report, request_close, request_extend, request_suspend, "
                         "request_partial, approve, return, verify, publish, archive, "
                         "duplicate, reopen, instruct)", zAction ? zAction : "");
  FindingAction a = (FindingAction)iAction;
  const char *zNote, *zDeadline, *zDupOrder;
  int nProgress = -1, nDays = 0, iDupOf = 0, bPublic = 0;
  if (jtext(pArgs, "note", 0, 4000, &zNote, e) || jtext(pArgs, "deadline", 0, 10, &zDeadline, e) ||
      jtext(pArgs, "dup_of_order", 0, 64, &zDupOrder, e) ||
      jint(pArgs, "progress", 0, 100, &nProgress, e) < 0 ||
      jint(pArgs, "days", 1, 365, &nDays, e) < 0 ||
      jint(pArgs, "dup_of", 1, 2000000000, &iDupOf, e) < 0)
    return -1;
  json_t *pPub = json_object_get(pArgs, "public");
  if (pPub && !json_is_boolean(pPub) && !json_is_null(pPub))
    return entry_err_set(e, KP_E_INVALID, "public", "public must be true or false");
  bPublic = json_is_true(pPub);
  int iDeadline = FD_NONE;
  if (zDeadline && cal_date_parse(zDeadline, &iDeadline))
    return entry_err_set(e, KP_E_INVALID, "deadline", "deadline \"%s\" is not a date YYYY-MM-DD",
                         zDeadline);
  unsigned mGiven = (zNote ? FF_NOTE : 0) | (zDeadline ? FF_DEADLINE : 0) |
                    (iDupOf || zDupOrder ? FF_DUP_OF : 0) | (nDays ? FF_DAYS : 0);

  Arena *pArena = arena_new();
  Calendar cal;
  cal_init(&cal);
  char *zErr = NULL;
  int iToday = sup_today();
  char zNow[32];
  db_now(zNow);
  int rc = -1;
  if (db_begin(pDb)) {
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
    goto done;
  }
  FRow r;
  int k = frow_load(pDb, pArena, id, &r);
  if (k < 0) goto sql_error;
  if (k == 0 || !frow_visible(pDb, u, &r)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_NO_SUCH, "finding", "no finding %lld", (long long)id);
    if (k) sup_audit_denied(pDb, w, "finding.denied", zObj, zAction, e);
    goto done;
  }
  FindingState eFrom = r.c.eState, eTo;
  unsigned mActor = frow_actor(pDb, u, &r), mMissing = 0;
  FindingCheck chk = finding_check(eFrom, a, mActor, mGiven, &eTo, &mMissing);
  if (chk != FC_OK) {
    db_rollback(pDb);
    if (chk == FC_STATE)
      entry_err_set(e, KP_E_STATE, "action", "finding %lld is %s (%s): %s (%s) does not apply",
                    (long long)id, finding_state_name(eFrom), finding_state_label(eFrom),
                    finding_action_name(a), finding_action_label(a));
    else if (chk == FC_ROLE) {
      unsigned m = finding_rule_roles(eFrom, a);
      entry_err_set(e, KP_E_SCOPE, "action", "%s (%s) on finding %lld is only for %s%s%s%s",
                    finding_action_name(a), finding_action_label(a), (long long)id,
                    m & FR_INSPECTOR ? "the supervision office (inspector)" : "",
                    m & FR_LEAD_UNIT ? "the lead unit's reporters" : "",
                    m & FR_CO_UNIT ? " and the co-handling units' reporters" : "",
                    m & FR_LEADER ? "leaders" : "");
    }
    else
      entry_err_set(e, KP_E_MISSING, missing_name(mMissing), "%s (%s) needs %s",
                    finding_action_name(a), finding_action_label(a), missing_name(mMissing));
    sup_audit_denied(pDb, w, "finding.denied", zObj, zAction, e);
    goto done;
  }
  if (sup_calendar_load(pDb, &cal, &zErr)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr);
    goto done;
  }
  json_t *pDetail = json_object();
  /* The action's effect on the record (the state itself comes from the table). */
  switch (a) {
  case FA_ASSIGN:
    r.c.iAssigned = iToday;
    if (cal_add_workdays(&cal, iToday, r.nSign, &r.c.iSignDue, &zErr) ||
        cal_add_workdays(&cal, iToday, r.nLimit, &r.c.iDue, &zErr))
      goto calendar_error;
    json_object_set_new(pDetail, "sign_due", day_json(r.c.iSignDue));
    json_object_set_new(pDetail, "due", day_json(r.c.iDue));
    break;
  case FA_SIGN:
    r.c.iSigned = iToday;
    r.bSignLate = r.c.iSignDue != FD_NONE && iToday > r.c.iSignDue;
    if (r.bSignLate) json_object_set_new(pDetail, "sign_late", json_true());
    break;
  case FA_REPORT:
    if (nProgress >= 0) r.c.nProgress = nProgress;
    r.c.iLastReport = iToday;
    break;
  case FA_REQ_CLOSE:
    r.c.iRequested = iToday;
    if (nProgress >= 0) r.c.nProgress = nProgress;
    break;
  case FA_REQ_EXTEND:
    if (r.c.iDue != FD_NONE && iDeadline <= r.c.iDue) {
      db_rollback(pDb);
      json_decref(pDetail);
      char zDue[11];
      cal_date_format(r.c.iDue, zDue);
      entry_err_set(e, KP_E_INVALID, "deadline", "an extension must ask for a deadline after "
                    "the current one (%s)", zDue);
      goto done;
    }
    r.iRequestedDue = iDeadline;
    json_object_set_new(pDetail, "deadline", day_json(iDeadline));
    if (nProgress >= 0) r.c.nProgress = nProgress;
    break;
  case FA_REQ_SUSPEND:
  case FA_REQ_PARTIAL:
    if (nProgress >= 0) r.c.nProgress = nProgress;
    break;
  case FA_APPROVE:
    if (eFrom == FS_REQ_CLOSE) {
      r.iClosed = iToday;
      r.bFinishLate = r.c.iRequested != FD_NONE && r.c.iDue != FD_NONE && r.c.iRequested > r.c.iDue;
      r.c.nProgress = 100;
      if (r.bFinishLate) json_object_set_new(pDetail, "finish_late", json_true());
    } else if (eFrom == FS_REQ_EXTEND) {
      json_object_set_new(pDetail, "old_due", day_json(r.c.iDue));
      r.c.iDue = r.iRequestedDue;
      r.iRequestedDue = FD_NONE;
      json_object_set_new(pDetail, "due", day_json(r.c.iDue));
    }
    break;
  case FA_RETURN:
    r.c.nReturns++;
    if (eFrom == FS_REQ_CLOSE || eFrom == FS_CLOSED) {
      r.c.iRequested = FD_NONE;
      r.iClosed = FD_NONE;
      r.bFinishLate = 0;
    }
    r.iRequestedDue = FD_NONE;
    json_object_set_new(pDetail, "returns", json_integer(r.c.nReturns));
    break;
  case FA_VERIFY:
    r.iVerified = iToday;
    r.bPublic = bPublic;
    break;
  case FA_PUBLISH:
    r.bPublic = 1;
    break;
  case FA_DUPLICATE:
    if (iDupOf) {
      FRow o;
      int ko = iDupOf == id ? 0 : frow_load(pDb, pArena, iDupOf, &o);
      if (ko < 0) goto sql_error;
      if (ko == 0) {
        db_rollback(pDb);
        json_decref(pDetail);
        entry_err_set(e, KP_E_INVALID, "dup_of", "dup_of: no other finding %d", iDupOf);
        goto done;
      }
      r.iDupOf = iDupOf;
      json_object_set_new(pDetail, "dup_of", json_integer(iDupOf));
    }
    if (zDupOrder) {
      r.zDupOrder = arena_strdup(pArena, zDupOrder);
      json_object_set_new(pDetail, "dup_of_order", json_string(zDupOrder));
    }
    break;
  case FA_REOPEN:
    r.nReopens++;
    r.nLimit = nDays;
    r.c.iAssigned = iToday;
    if (cal_add_workdays(&cal, iToday, nDays, &r.c.iDue, &zErr)) goto calendar_error;
    r.c.iRequested = FD_NONE;
    r.iClosed = FD_NONE;
    r.iVerified = FD_NONE;
    r.bFinishLate = 0;
    r.c.nProgress = 0;
    r.c.iLastReport = FD_NONE;
    if (r.c.iSigned == FD_NONE) r.c.iSigned = iToday;
    json_object_set_new(pDetail, "due", day_json(r.c.iDue));
    break;
  case FA_OPEN:
  case FA_ARCHIVE:
  case FA_INSTRUCT:
  case FA_COUNT:
    break;
  }
  r.c.eState = eTo;
  if (frow_update(pDb, &r, eFrom, zNow) ||
      sup_event(pDb, id, a, eFrom, eTo, u->zName, zNow, zNote,
                (a == FA_REPORT || a == FA_REQ_CLOSE || a == FA_REQ_EXTEND ||
                 a == FA_REQ_SUSPEND || a == FA_REQ_PARTIAL) ? nProgress : -1, pDetail)) {
    json_decref(pDetail);
    goto sql_error;
  }
  json_object_set_new(pDetail, "from", json_string(finding_state_name(eFrom)));
  json_object_set_new(pDetail, "to", json_string(finding_state_name(eTo)));
  if (zNote) json_object_set_new(pDetail, "note", json_string(zNote));
  if (nProgress >= 0) json_object_set_new(pDetail, "progress", json_integer(nProgress));
  char zEvent[48];
  snprintf(zEvent, sizeof zEvent, "finding.%s", finding_action_name(a));
  int rcA = audit_record(pDb, u->zName, w->zIp, zEvent, zObj, "ok", pDetail);
  json_decref(pDetail);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
    goto done;
  }
  rc = sup_finding_show(pDb, w, id, ppOut, e);
  goto done;
calendar_error:
  json_decref(pDetail);
  db_rollback(pDb);
  entry_err_set(e, KP_E_STATE, "calendar", "%s", zErr);
  goto done;
sql_error:
  db_rollback(pDb);
  entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
done:
  free(zErr);
  cal_free(&cal);
  arena_free(pArena);
  return rc;
}

/* ---- findings: read --------------------------------------------------------------------- */

int sup_finding_show(Db *pDb, const EntryWho *w, int64_t id, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!sup_reads_all(u) && !sup_reads_own(u))
    return entry_err_set(e, KP_E_SCOPE, NULL, "this account does not read findings");
  Arena *pArena = arena_new();
  Calendar cal;
  FRow r;
  char *zErr = NULL;
  int k = frow_load(pDb, pArena, id, &r);
  if (k < 0) {
    arena_free(pArena);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  if (k == 0 || !frow_visible(pDb, u, &r)) {
    arena_free(pArena);
    entry_err_set(e, KP_E_NO_SUCH, "finding", "no finding %lld", (long long)id);
    if (k) {
      char zObj[48];
      snprintf(zObj, sizeof zObj, "finding:%lld", (long long)id);
      sup_audit_denied(pDb, w, "finding.denied", zObj, "show", e);
    }
    return -1;
  }
  if (sup_calendar_load(pDb, &cal, &zErr)) {
    arena_free(pArena);
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr);
    free(zErr);
    return -1;
  }
  FindingPolicy pol;
  sup_policy(pDb, &pol);
  json_t *o = frow_json(&r, &cal, &pol, sup_today(), NULL);
  cal_free(&cal);
  /* The undercover inspection's team and topic stay with the office and leaders. */
  if (!sup_reads_all(u)) json_object_set_new(o, "inspection", json_null());
  json_t *aCo = json_array();
  Stmt *s = db_prepare(pDb, "SELECT fu.unit, u.name FROM finding_unit fu JOIN unit u ON "
                            "u.code = fu.unit WHERE fu.finding_id = ?1 ORDER BY u.sort_order");
  stmt_bind_int(s, 1, id);
  while (stmt_step(s) == 1)
    json_array_append_new(aCo, json_pack("{s:s, s:s}", "unit", stmt_text(s, 0), "name",
                                         stmt_text(s, 1)));
  stmt_finalize(s);
  json_object_set_new(o, "co_units", aCo);
  json_t *aEv = json_array();
  s = db_prepare(pDb, "SELECT id, action, from_state, to_state, actor, at, note, progress, "
                      "detail FROM finding_event WHERE finding_id = ?1 ORDER BY id");
  stmt_bind_int(s, 1, id);
  while (stmt_step(s) == 1) {
    json_t *ev = json_object();
    int ia = finding_action_find(stmt_text(s, 1));
    json_object_set_new(ev, "id", json_integer(stmt_int(s, 0)));
    json_object_set_new(ev, "action", json_string(stmt_text(s, 1)));
    json_object_set_new(ev, "action_label",
                        json_string(ia >= 0 ? finding_action_label(ia) : stmt_text(s, 1)));
    json_object_set_new(ev, "from", json_string(stmt_text(s, 2)));
    json_object_set_new(ev, "to", json_string(stmt_text(s, 3)));
    json_object_set_new(ev, "actor", json_string(stmt_text(s, 4)));
    json_object_set_new(ev, "at", json_string(stmt_text(s, 5)));
    json_object_set_new(ev, "note", stmt_is_null(s, 6) ? json_null() : json_string(stmt_text(s, 6)));
    json_object_set_new(ev, "progress", stmt_is_null(s, 7) ? json_null() : json_integer(stmt_int(s, 7)));
    json_t *pD = stmt_is_null(s, 8) ? NULL : json_loads(stmt_text(s, 8), 0, NULL);
    json_object_set_new(ev, "detail", pD ? pD : json_null());
    json_array_append_new(aEv, ev);
  }
  stmt_finalize(s);
  json_object_set_new(o, "events", aEv);
  /* What this account may do now (the UI's buttons). */
  json_t *aCan = json_array();
  unsigned mActor = frow_actor(pDb, u, &r);
  for (int i = 0; i < FA_COUNT; i++)
    if (finding_check(r.c.eState, (FindingAction)i, mActor, ~0u, NULL, NULL) == FC_OK)
      json_array_append_new(aCan, json_string(finding_action_name((FindingAction)i)));
  json_object_set_new(o, "actions", aCan);
  arena_free(pArena);
  *ppOut = o;
  return 0;
}

int sup_finding_list(Db *pDb, const EntryWho *w, const FindingFilter *f, json_t **ppOut,
                     EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  const char *zScope = NULL;
  if (!sup_reads_all(u)) {
    if (!sup_reads_own(u))
      return entry_err_set(e, KP_E_SCOPE, NULL, "this account does not read findings");
    zScope = u->zUnit;
  }
  if (f->zState && finding_state_find(f->zState) < 0)
    return entry_err_set(e, KP_E_INVALID, "state", "unknown state \"%s\"", f->zState);
  const char *zStateName = f->zState ? finding_state_name(finding_state_find(f->zState)) : NULL;
  static const char *const azLight[] = {"none", "green", "blue", "yellow", "red"};
  if (f->zLight) {
    size_t i = 0;
    while (i < 5 && strcmp(f->zLight, azLight[i]) != 0) i++;
    if (i == 5)
      return entry_err_set(e, KP_E_INVALID, "light", "light \"%s\" must be red, yellow, blue, "
                           "green or none", f->zLight);
  }
  int iDay;
  if (f->zFrom && cal_date_parse(f->zFrom, &iDay))
    return entry_err_set(e, KP_E_INVALID, "from", "from must be a date YYYY-MM-DD");
  if (f->zTo && cal_date_parse(f->zTo, &iDay))
    return entry_err_set(e, KP_E_INVALID, "to", "to must be a date YYYY-MM-DD");
  int iPage = f->iPage > 0 ? f->iPage : 1;
  int nPer = f->nPerPage > 0 ? (f->nPerPage > 500 ? 500 : f->nPerPage) : 50;
  Calendar cal;
  char *zErr = NULL;
  if (sup_calendar_load(pDb, &cal, &zErr)) {
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr);
    free(zErr);
    return -1;
  }
  FindingPolicy pol;
  sup_policy(pDb, &pol);
  int iToday = sup_today();
  Stmt *s = db_prepare(pDb, FINDING_SELECT
                       "WHERE (?1 IS NULL OR ((f.unit = ?1 OR f.id IN (SELECT finding_id FROM "
                       "finding_unit WHERE unit = ?1)) AND f.assigned_on IS NOT NULL)) "
                       "AND (?2 IS NULL OR f.unit = ?2) AND (?3 IS NULL OR f.category = ?3) "
                       "AND (?4 IS NULL OR f.state = ?4) "
                       "AND (?5 IS NULL OR f.assigned_on >= ?5) "
                       "AND (?6 IS NULL OR f.assigned_on <= ?6) ORDER BY f.id DESC");
  stmt_bind_text(s, 1, zScope);
  stmt_bind_text(s, 2, f->zUnit);
  stmt_bind_text(s, 3, f->zCategory);
  stmt_bind_text(s, 4, zStateName);
  stmt_bind_text(s, 5, f->zFrom);
  stmt_bind_text(s, 6, f->zTo);
  json_t *a = json_array();
  int nTotal = 0, aCount[5] = {0}, rc;
  while ((rc = stmt_step(s)) == 1) {
    Arena *pArena = arena_new();
    FRow r;
    FindingStatus st;
    frow_read(pArena, s, &r);
    if (f->bOpen && !finding_state_open(r.c.eState)) {
      arena_free(pArena);
      continue;
    }
    json_t *o = frow_json(&r, &cal, &pol, iToday, &st);
    arena_free(pArena);
    if (zScope) json_object_set_new(o, "inspection", json_null());
    if ((f->zLight && strcmp(f->zLight, finding_light_name(st.eLight)) != 0) ||
        (f->bOverdue && !(st.bOverdue || st.bSignOverdue)) ||
        (f->bLate && !finding_late(&st, r.bFinishLate))) {
      json_decref(o);
      continue;
    }
    aCount[st.eLight]++;
    nTotal++;
    if (nTotal > (iPage - 1) * nPer && nTotal <= iPage * nPer) json_array_append_new(a, o);
    else json_decref(o);
  }
  stmt_finalize(s);
  cal_free(&cal);
  if (rc < 0) {
    json_decref(a);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  *ppOut = json_pack("{s:i, s:i, s:i, s:o, s:{s:i, s:i, s:i, s:i, s:i}}", "total", nTotal,
                     "page", iPage, "per_page", nPer, "findings", a, "counts", "red",
                     aCount[FL_RED], "yellow", aCount[FL_YELLOW], "blue", aCount[FL_BLUE],
                     "green", aCount[FL_GREEN], "none", aCount[FL_NONE]);
  return 0;
}

/* ---- tasks (督办事项) ----------------------------------------------------------------- */

/* The task lifecycle, as data like finding.c's: state x action -> state, who, note. */
#define TR_OFFICE 1u /* the office that assigned it (assigner_cap) */
#define TR_LEAD 2u   /* a reporter of the lead unit */
#define TR_CO 4u     /* a reporter of a co-handling unit */
static const struct {
  const char *zFrom, *zAction, *zTo;
  unsigned mRoles;
  int bNote;
} aTaskRule[] = {
  {"open", "report", "open", TR_LEAD | TR_CO, 1},
  {"open", "request_close", "req_close", TR_LEAD, 1},
  {"req_close", "confirm", "closed", TR_OFFICE, 0},
  {"req_close", "return", "open", TR_OFFICE, 1},
};

static const char *task_state_label(const char *z) {
  if (strcmp(z, "open") == 0) return "办理中";
  if (strcmp(z, "req_close") == 0) return "申请办结";
  if (strcmp(z, "closed") == 0) return "已办结";
  return z;
}

typedef struct TRow {
  int64_t id;
  char *zTitle, *zCategory, *zSource, *zLead, *zLeadName, *zState, *zBy, *zCap, *zCreatedAt;
  int iAssigned, iDue, iRequested, iClosed, nReturns, nProgress;
} TRow;

#define TASK_SELECT                                                                           \
  "SELECT t.id, t.title, t.category, t.source, t.lead_unit, u.name, t.state, t.assigned_by, " \
  "t.assigner_cap, t.created_at, t.assigned_on, t.due, t.requested_on, t.closed_on, "         \
  "t.returns, (SELECT progress FROM task_unit x WHERE x.task_id = t.id AND x.role = 'lead') " \
  "FROM task t JOIN unit u ON u.code = t.lead_unit "

static void trow_read(Arena *a, Stmt *s, TRow *r) {
  r->id = stmt_int(s, 0);
  r->zTitle = col_dup(a, s, 1);
  r->zCategory = col_dup(a, s, 2);
  r->zSource = col_dup(a, s, 3);
  r->zLead = col_dup(a, s, 4);
  r->zLeadName = col_dup(a, s, 5);
  r->zState = col_dup(a, s, 6);
  r->zBy = col_dup(a, s, 7);
  r->zCap = col_dup(a, s, 8);
  r->zCreatedAt = col_dup(a, s, 9);
  r->iAssigned = day_of(stmt_text(s, 10));
  r->iDue = day_of(stmt_text(s, 11));
  r->iRequested = day_of(stmt_text(s, 12));
  r->iClosed = day_of(stmt_text(s, 13));
  r->nReturns = (int)stmt_int(s, 14);
  r->nProgress = (int)stmt_int(s, 15);
}

static int trow_load(Db *pDb, Arena *a, int64_t id, TRow *r) {
  Stmt *s = db_prepare(pDb, TASK_SELECT "WHERE t.id = ?1");
  stmt_bind_int(s, 1, id);
  int rc = stmt_step(s);
  if (rc == 1) trow_read(a, s, r);
  stmt_finalize(s);
  return rc;
}

/* The reporter's unit's role in the task: "lead", "co" or NULL. */
static const char *task_unit_role(Db *pDb, int64_t id, const char *zUnit, Arena *a) {
  if (!zUnit) return NULL;
  Stmt *s = db_prepare(pDb, "SELECT role FROM task_unit WHERE task_id = ?1 AND unit = ?2");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, zUnit);
  const char *z = stmt_step(s) == 1 ? arena_strdup(a, stmt_text(s, 0)) : NULL;
  stmt_finalize(s);
  return z;
}

static unsigned trow_actor(Db *pDb, const AuthUser *u, const TRow *r, Arena *a) {
  unsigned m = 0;
  if ((strcmp(r->zCap, "inspect") == 0 && auth_has(u, CAP_INSPECT)) ||
      (strcmp(r->zCap, "comment") == 0 && auth_has(u, CAP_COMMENT)))
    m |= TR_OFFICE;
  if (sup_reads_own(u)) {
    const char *zRole = task_unit_role(pDb, r->id, u->zUnit, a);
    if (zRole && strcmp(zRole, "lead") == 0) m |= TR_LEAD;
    else if (zRole) m |= TR_CO;
  }
  return m;
}

static int trow_visible(Db *pDb, const AuthUser *u, const TRow *r, Arena *a) {
  if (sup_reads_all(u)) return 1;
  return sup_reads_own(u) && task_unit_role(pDb, r->id, u->zUnit, a) != NULL;
}

static json_t *trow_json(const TRow *r, const Calendar *pCal, const FindingPolicy *pPol,
                         int iToday, FindingStatus *pSt) {
  FindingClock c = {strcmp(r->zState, "open") == 0 ? FS_IN_PROGRESS
                    : strcmp(r->zState, "req_close") == 0 ? FS_REQ_CLOSE : FS_CLOSED,
                    r->iAssigned, FD_NONE, r->iAssigned, r->iDue, r->iRequested, FD_NONE, 0,
                    r->nProgress, r->nReturns};
  FindingStatus st;
  char *zErr = NULL;
  int rcS = finding_status(pCal, &c, pPol, iToday, &st, &zErr);
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "title", json_string(r->zTitle));
  json_object_set_new(o, "category", json_string(r->zCategory));
  json_object_set_new(o, "source", r->zSource ? json_string(r->zSource) : json_null());
  json_object_set_new(o, "lead_unit", json_string(r->zLead));
  json_object_set_new(o, "lead_unit_name", json_string(r->zLeadName));
  json_object_set_new(o, "state", json_string(r->zState));
  json_object_set_new(o, "state_label", json_string(task_state_label(r->zState)));
  json_object_set_new(o, "assigned_by", json_string(r->zBy));
  json_object_set_new(o, "assigned_on", day_json(r->iAssigned));
  json_object_set_new(o, "due", day_json(r->iDue));
  json_object_set_new(o, "requested_on", day_json(r->iRequested));
  json_object_set_new(o, "closed_on", day_json(r->iClosed));
  json_object_set_new(o, "returns", json_integer(r->nReturns));
  json_object_set_new(o, "progress", json_integer(r->nProgress));
  if (rcS) {
    json_object_set_new(o, "light", json_string("none"));
    json_object_set_new(o, "calendar_error", json_string(zErr));
    free(zErr);
    memset(&st, 0, sizeof st);
  } else {
    json_object_set_new(o, "light", json_string(finding_light_name(st.eLight)));
    json_object_set_new(o, "overdue", json_boolean(st.bOverdue));
    json_object_set_new(o, "finish_late", json_boolean(st.bFinishLate));
    json_object_set_new(o, "overdue_days", json_integer(st.nOverdueDays));
    json_object_set_new(o, "days_left", strcmp(r->zState, "closed") == 0
                                            ? json_null() : json_integer(st.nDaysLeft));
    json_object_set_new(o, "time_progress", json_real(st.rTimeProgress));
    json_object_set_new(o, "level", json_integer(st.iLevel));
    json_object_set_new(o, "level_label", json_string(level_label(st.iLevel)));
  }
  if (pSt) *pSt = st;
  return o;
}

int sup_task_add(Db *pDb, const EntryWho *w, json_t *pIn, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!auth_has(u, CAP_COMMENT) && !auth_has(u, CAP_INSPECT)) {
    entry_err_set(e, KP_E_SCOPE, NULL, "tasks are assigned by leaders and the supervision office");
    sup_audit_denied(pDb, w, "task.denied", "task:new", "assign", e);
    return -1;
  }
  const char *zTitle, *zCat, *zSource, *zLead, *zDeadline;
  if (jtext(pIn, "title", 1, 400, &zTitle, e) || jtext(pIn, "category", 1, 64, &zCat, e) ||
      jtext(pIn, "source", 0, 400, &zSource, e) || jtext(pIn, "lead_unit", 1, 16, &zLead, e) ||
      jtext(pIn, "deadline", 0, 10, &zDeadline, e))
    return -1;
  int nDays = 0, iToday = sup_today(), iDue = FD_NONE;
  if (jint(pIn, "days", 1, 365, &nDays, e) < 0) return -1;
  if (zDeadline && (cal_date_parse(zDeadline, &iDue) || iDue <= iToday))
    return entry_err_set(e, KP_E_INVALID, "deadline", "deadline \"%s\" must be a date "
                         "YYYY-MM-DD after today", zDeadline);
  if (!zDeadline && !nDays)
    return entry_err_set(e, KP_E_MISSING, "deadline", "a deadline (date) or days (working "
                         "days) is required");
  json_t *aCo = json_object_get(pIn, "co_units");
  if (aCo && !json_is_array(aCo) && !json_is_null(aCo))
    return entry_err_set(e, KP_E_INVALID, "co_units", "co_units must be a list of unit codes");
  if (!zDeadline) {
    Calendar cal;
    char *zErr = NULL;
    if (sup_calendar_load(pDb, &cal, &zErr) ||
        cal_add_workdays(&cal, iToday, nDays, &iDue, &zErr)) {
      cal_free(&cal);
      entry_err_set(e, KP_E_STATE, "days", "%s", zErr);
      free(zErr);
      return -1;
    }
    cal_free(&cal);
  }
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  if (!unit_exists(pDb, zLead)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "lead_unit", "no unit %s", zLead);
  }
  char zNow[32];
  db_now(zNow);
  const char *zCap = auth_has(u, CAP_COMMENT) ? "comment" : "inspect";
  Stmt *s = db_prepare(pDb, "INSERT INTO task(title, category, source, lead_unit, assigned_on, "
                            "due, state, assigned_by, assigner_cap, created_at, updated_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?9, ?9)");
  stmt_bind_text(s, 1, zTitle);
  stmt_bind_text(s, 2, zCat);
  stmt_bind_text(s, 3, zSource);
  stmt_bind_text(s, 4, zLead);
  bind_day(s, 5, iToday);
  bind_day(s, 6, iDue);
  stmt_bind_text(s, 7, u->zName);
  stmt_bind_text(s, 8, zCap);
  stmt_bind_text(s, 9, zNow);
  int bad = stmt_run(s);
  stmt_finalize(s);
  int64_t id = db_last_insert_id(pDb);
  if (bad) goto sql_error;
  s = db_prepare(pDb, "INSERT INTO task_unit(task_id, unit, role) VALUES (?1, ?2, 'lead')");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, zLead);
  bad = stmt_run(s);
  stmt_finalize(s);
  if (bad) goto sql_error;
  size_t i;
  json_t *v;
  json_array_foreach(aCo, i, v) {
    const char *zCo = json_is_string(v) ? json_string_value(v) : NULL;
    if (!zCo || !unit_exists(pDb, zCo) || strcmp(zCo, zLead) == 0) {
      db_rollback(pDb);
      return entry_err_set(e, KP_E_INVALID, "co_units", "co_units[%zu]: %s%s", i,
                           zCo ? zCo : "not a unit code",
                           zCo && strcmp(zCo, zLead) == 0 ? " is the lead unit" : ": no such unit");
    }
    s = db_prepare(pDb, "INSERT OR IGNORE INTO task_unit(task_id, unit, role) VALUES (?1, ?2, 'co')");
    stmt_bind_int(s, 1, id);
    stmt_bind_text(s, 2, zCo);
    bad = stmt_run(s);
    stmt_finalize(s);
    if (bad) goto sql_error;
  }
  s = db_prepare(pDb, "INSERT INTO task_event(task_id, unit, action, actor, at, note) "
                      "VALUES (?1, NULL, 'assign', ?2, ?3, ?4)");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, u->zName);
  stmt_bind_text(s, 3, zNow);
  stmt_bind_text(s, 4, zSource);
  bad = stmt_run(s);
  stmt_finalize(s);
  if (bad) goto sql_error;
  char zObj[48], zDue[11];
  snprintf(zObj, sizeof zObj, "task:%lld", (long long)id);
  cal_date_format(iDue, zDue);
  json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "title", zTitle, "category", zCat, "lead_unit",
                        zLead, "due", zDue);
  int rcA = audit_record(pDb, u->zName, w->zIp, "task.assign", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
  }
  return sup_task_show(pDb, w, id, ppOut, e);
sql_error:
  db_rollback(pDb);
  return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
}

int sup_task_act(Db *pDb, const EntryWho *w, int64_t id, const char *zAction, json_t *pArgs,
                 json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  char zObj[48];
  snprintf(zObj, sizeof zObj, "task:%lld", (long long)id);
  const char *zNote;
  int nProgress = -1;
  if (jtext(pArgs, "note", 0, 4000, &zNote, e) || jint(pArgs, "progress", 0, 100, &nProgress, e) < 0)
    return -1;
  int iRule = -1, bKnown = 0;
  Arena *pArena = arena_new();
  int rc = -1;
  if (db_begin(pDb)) {
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
    goto done;
  }
  TRow r;
  int k = trow_load(pDb, pArena, id, &r);
  if (k < 0) goto sql_error;
  if (k == 0 || !trow_visible(pDb, u, &r, pArena)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_NO_SUCH, "task", "no task %lld", (long long)id);
    if (k) sup_audit_denied(pDb, w, "task.denied", zObj, zAction, e);
    goto done;
  }
  for (size_t i = 0; zAction && i < sizeof aTaskRule / sizeof aTaskRule[0]; i++) {
    if (strcmp(aTaskRule[i].zAction, zAction) != 0) continue;
    bKnown = 1;
    if (strcmp(aTaskRule[i].zFrom, r.zState) == 0) iRule = (int)i;
  }
  unsigned mActor = trow_actor(pDb, u, &r, pArena);
  if (!bKnown) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_INVALID, "action", "unknown action \"%s\" (report, request_close, "
                  "confirm, return)", zAction ? zAction : "");
    goto done;
  }
  if (iRule < 0 || !(aTaskRule[iRule].mRoles & mActor) || (aTaskRule[iRule].bNote && !zNote)) {
    db_rollback(pDb);
    if (iRule < 0)
      entry_err_set(e, KP_E_STATE, "action", "task %lld is %s (%s): %s does not apply",
                    (long long)id, r.zState, task_state_label(r.zState), zAction);
    else if (!(aTaskRule[iRule].mRoles & mActor))
      entry_err_set(e, KP_E_SCOPE, "action", "%s on task %lld is only for %s", zAction,
                    (long long)id, aTaskRule[iRule].mRoles & TR_OFFICE
                    ? "the office that assigned it" : aTaskRule[iRule].mRoles & TR_CO
                    ? "the lead and co-handling units' reporters" : "the lead unit's reporters");
    else
      entry_err_set(e, KP_E_MISSING, "note", "%s needs note", zAction);
    sup_audit_denied(pDb, w, "task.denied", zObj, zAction, e);
    goto done;
  }
  char zNow[32];
  db_now(zNow);
  int iToday = sup_today();
  const char *zTo = aTaskRule[iRule].zTo;
  const char *zUnit = (mActor & (TR_LEAD | TR_CO)) && !(aTaskRule[iRule].mRoles & TR_OFFICE)
                          ? u->zUnit : NULL;
  Stmt *s;
  int bad = 0;
  if (zUnit && (strcmp(zAction, "report") == 0 || nProgress >= 0)) {
    s = db_prepare(pDb, "UPDATE task_unit SET progress = coalesce(?3, progress), "
                        "last_report_on = ?4 WHERE task_id = ?1 AND unit = ?2");
    stmt_bind_int(s, 1, id);
    stmt_bind_text(s, 2, zUnit);
    if (nProgress >= 0) stmt_bind_int(s, 3, nProgress);
    else stmt_bind_null(s, 3);
    bind_day(s, 4, iToday);
    bad |= stmt_run(s);
    stmt_finalize(s);
  }
  s = db_prepare(pDb, "UPDATE task SET state = ?2, updated_at = ?3, "
                      "requested_on = CASE ?4 WHEN 'request_close' THEN ?5 WHEN 'return' THEN "
                      "NULL ELSE requested_on END, "
                      "closed_on = CASE ?4 WHEN 'confirm' THEN ?5 ELSE closed_on END, "
                      "returns = returns + (?4 = 'return') WHERE id = ?1 AND state = ?6");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, zTo);
  stmt_bind_text(s, 3, zNow);
  stmt_bind_text(s, 4, zAction);
  bind_day(s, 5, iToday);
  stmt_bind_text(s, 6, r.zState);
  bad |= stmt_run(s);
  stmt_finalize(s);
  if (bad || db_changes(pDb) != 1) goto sql_error;
  s = db_prepare(pDb, "INSERT INTO task_event(task_id, unit, action, actor, at, note, progress) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, zUnit);
  stmt_bind_text(s, 3, zAction);
  stmt_bind_text(s, 4, u->zName);
  stmt_bind_text(s, 5, zNow);
  stmt_bind_text(s, 6, zNote);
  if (nProgress >= 0) stmt_bind_int(s, 7, nProgress);
  else stmt_bind_null(s, 7);
  bad = stmt_run(s);
  stmt_finalize(s);
  /* a contact-point problem that became this task closes with it (contact_task.c) */
  if (!bad && strcmp(zTo, "closed") == 0) bad = contact_task_closed(pDb, id, u->zName, w->zIp, zNow);
  if (bad) goto sql_error;
  char zEvent[48];
  snprintf(zEvent, sizeof zEvent, "task.%s", zAction);
  json_t *d = json_pack("{s:s, s:s, s:s?, s:s?}", "from", r.zState, "to", zTo, "note", zNote,
                        "unit", zUnit);
  if (nProgress >= 0) json_object_set_new(d, "progress", json_integer(nProgress));
  int rcA = audit_record(pDb, u->zName, w->zIp, zEvent, zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
    goto done;
  }
  rc = sup_task_show(pDb, w, id, ppOut, e);
  goto done;
sql_error:
  db_rollback(pDb);
  entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
done:
  arena_free(pArena);
  return rc;
}

int sup_task_show(Db *pDb, const EntryWho *w, int64_t id, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!sup_reads_all(u) && !sup_reads_own(u))
    return entry_err_set(e, KP_E_SCOPE, NULL, "this account does not read tasks");
  Arena *pArena = arena_new();
  TRow r;
  int k = trow_load(pDb, pArena, id, &r);
  if (k <= 0 || !trow_visible(pDb, u, &r, pArena)) {
    arena_free(pArena);
    if (k < 0) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
    return entry_err_set(e, KP_E_NO_SUCH, "task", "no task %lld", (long long)id);
  }
  Calendar cal;
  char *zErr = NULL;
  if (sup_calendar_load(pDb, &cal, &zErr)) {
    arena_free(pArena);
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr);
    free(zErr);
    return -1;
  }
  FindingPolicy pol;
  sup_policy(pDb, &pol);
  json_t *o = trow_json(&r, &cal, &pol, sup_today(), NULL);
  cal_free(&cal);
  json_t *aU = json_array();
  Stmt *s = db_prepare(pDb, "SELECT x.unit, u.name, x.role, x.progress, x.last_report_on FROM "
                            "task_unit x JOIN unit u ON u.code = x.unit WHERE x.task_id = ?1 "
                            "ORDER BY x.role DESC, u.sort_order");
  stmt_bind_int(s, 1, id);
  while (stmt_step(s) == 1)
    json_array_append_new(aU, json_pack("{s:s, s:s, s:s, s:I, s:s?}", "unit", stmt_text(s, 0),
                                         "name", stmt_text(s, 1), "role", stmt_text(s, 2),
                                         "progress", (json_int_t)stmt_int(s, 3),
                                         "last_report_on", stmt_text(s, 4)));
  stmt_finalize(s);
  json_object_set_new(o, "units", aU);
  json_t *aEv = json_array();
  s = db_prepare(pDb, "SELECT action, unit, actor, at, note, progress FROM task_event "
                      "WHERE task_id = ?1 ORDER BY id");
  stmt_bind_int(s, 1, id);
  while (stmt_step(s) == 1) {
    json_t *ev = json_pack("{s:s, s:s?, s:s, s:s, s:s?}", "action", stmt_text(s, 0), "unit",
                           stmt_text(s, 1), "actor", stmt_text(s, 2), "at", stmt_text(s, 3),
                           "note", stmt_text(s, 4));
    json_object_set_new(ev, "progress", stmt_is_null(s, 5) ? json_null()
                                                           : json_integer(stmt_int(s, 5)));
    json_array_append_new(aEv, ev);
  }
  stmt_finalize(s);
  json_object_set_new(o, "events", aEv);
  json_t *aCan = json_array();
  unsigned mActor = trow_actor(pDb, u, &r, pArena);
  for (size_t i = 0; i < sizeof aTaskRule / sizeof aTaskRule[0]; i++)
    if (strcmp(aTaskRule[i].zFrom, r.zState) == 0 && (aTaskRule[i].mRoles & mActor))
      json_array_append_new(aCan, json_string(aTaskRule[i].zAction));
  json_object_set_new(o, "actions", aCan);
  arena_free(pArena);
  *ppOut = o;
  return 0;
}

int sup_task_list(Db *pDb, const EntryWho *w, const char *zUnit, const char *zState,
                  json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  const char *zScope = NULL;
  if (!sup_reads_all(u)) {
    if (!sup_reads_own(u)) return entry_err_set(e, KP_E_SCOPE, NULL, "this account does not read tasks");
    zScope = u->zUnit;
  }
  Calendar cal;
  char *zErr = NULL;
  if (sup_calendar_load(pDb, &cal, &zErr)) {
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr);
    free(zErr);
    return -1;
  }
  FindingPolicy pol;
  sup_policy(pDb, &pol);
  int iToday = sup_today(), nOverdue = 0;
  Stmt *s = db_prepare(pDb, TASK_SELECT
                       "WHERE (?1 IS NULL OR t.id IN (SELECT task_id FROM task_unit WHERE unit = ?1)) "
                       "AND (?2 IS NULL OR t.id IN (SELECT task_id FROM task_unit WHERE unit = ?2)) "
                       "AND (?3 IS NULL OR t.state = ?3) ORDER BY t.due, t.id");
  stmt_bind_text(s, 1, zScope);
  stmt_bind_text(s, 2, zUnit);
  stmt_bind_text(s, 3, zState);
  json_t *a = json_array();
  int rc;
  while ((rc = stmt_step(s)) == 1) {
    Arena *pArena = arena_new();
    TRow r;
    FindingStatus st;
    trow_read(pArena, s, &r);
    json_array_append_new(a, trow_json(&r, &cal, &pol, iToday, &st));
    nOverdue += st.bOverdue;
    arena_free(pArena);
  }
  stmt_finalize(s);
  cal_free(&cal);
  if (rc < 0) {
    json_decref(a);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  *ppOut = json_pack("{s:i, s:i, s:o}", "total", (int)json_array_size(a), "overdue", nOverdue,
                     "tasks", a);
  return 0;
}

/* ---- findings -> indicator values ------------------------------------------------------ */

int sup_finding_sync(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppOut,
                     EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!auth_has(u, CAP_INSPECT) && !auth_has(u, CAP_REVIEW_PUBLISH))
    return entry_err_set(e, KP_E_SCOPE, NULL, "findings are written into a period by the "
                         "supervision office or the performance office");
  Period per;
  char *zErr = NULL;
  if (!zPeriod || period_parse(zPeriod, &per, &zErr)) {
    entry_err_set(e, KP_E_INVALID, "period", "%s", zErr ? zErr : "period is required");
    free(zErr);
    return -1;
  }
  Scheme *pScheme = NULL;
  FindingMap map = {0};
  Calendar cal;
  cal_init(&cal);
  json_t *aVal = json_array(), *pBody = NULL;
  double *aSum = NULL;
  int rc = -1, nWritten = 0, nSame = 0, nUnit = 0;
  char **azUnit = NULL, **azGroup = NULL;
  if (db_begin(pDb)) {
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
    goto done;
  }
  PeriodRow pr;
  int k = period_store_get(pDb, per.zCode, &pr);
  if (k <= 0) {
    db_rollback(pDb);
    entry_err_set(e, k < 0 ? KP_E_INTERNAL : KP_E_NO_SUCH, "period", "no period %s", per.zCode);
    goto done;
  }
  if (strcmp(pr.zState, "published") == 0) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_STATE, "period", "period %s is published: its values are frozen "
                  "(corrections go through data revise)", per.zCode);
    goto done;
  }
  pScheme = scheme_store_load(pDb, pr.iSchemeId, NULL, &zErr);
  Stmt *s = db_prepare(pDb, "SELECT body FROM scheme WHERE id = ?1");
  stmt_bind_int(s, 1, pr.iSchemeId);
  if (stmt_step(s) == 1) pBody = json_loads(stmt_text(s, 0), 0, NULL);
  stmt_finalize(s);
  if (!pScheme || !pBody ||
      finding_map_parse(pScheme, json_object_get(pBody, "supervision"), &map, &zErr)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_INTERNAL, NULL, "the period's scheme: %s", zErr ? zErr : "unreadable");
    goto done;
  }
  if (map.nEntry == 0) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_STATE, "period", "the scheme of period %s maps no finding category "
                  "to an indicator (its \"supervision\": {\"map\": ...} section)", per.zCode);
    goto done;
  }
  if (sup_calendar_load(pDb, &cal, &zErr)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s", zErr);
    goto done;
  }
  /* Assessed units (those with a peer group), in the units file's order. */
  s = db_prepare(pDb, "SELECT code, peer_group FROM unit WHERE peer_group IS NOT NULL "
                      "ORDER BY sort_order");
  while (stmt_step(s) == 1) {
    azUnit = xrealloc_array(azUnit, (size_t)nUnit + 1, sizeof *azUnit);
    azGroup = xrealloc_array(azGroup, (size_t)nUnit + 1, sizeof *azGroup);
    azUnit[nUnit] = xstrdup(stmt_text(s, 0));
    azGroup[nUnit] = xstrdup(stmt_text(s, 1));
    nUnit++;
  }
  stmt_finalize(s);
  aSum = xcalloc((size_t)(nUnit ? nUnit : 1) * (size_t)map.nEntry, sizeof *aSum);
  char zFirst[11], zYearStart[11], zLast[11];
  snprintf(zFirst, sizeof zFirst, "%04d-%02d-01", per.iYear, per.iFirstMonth);
  snprintf(zYearStart, sizeof zYearStart, "%04d-01-01", per.iYear);
  period_end_date(&per, zLast);
  int iToday = sup_today();
  /* Every confirmed finding of the year up to the period end; which ones count for a leaf
  ** depends on its accumulation. */
  s = db_prepare(pDb, FINDING_SELECT "WHERE f.assigned_on >= ?1 AND f.assigned_on <= ?2 "
                      "AND f.state NOT IN ('registered','duplicate') ORDER BY f.id");
  stmt_bind_text(s, 1, zYearStart);
  stmt_bind_text(s, 2, zLast);
  int rcStep;
  while ((rcStep = stmt_step(s)) == 1) {
    Arena *pArena = arena_new();
    FRow r;
    frow_read(pArena, s, &r);
    const FindingMapEntry *pE = finding_map_find(&map, r.zCategory);
    FindingStatus st;
    char zAssigned[11];
    cal_date_format(r.c.iAssigned, zAssigned);
    if (pE && finding_status(&cal, &r.c, &map.policy, iToday, &st, &zErr) == 0) {
      int iNode = scheme_find(pScheme, pE->zLeaf);
      int bYtd = pScheme->aNode[iNode].eAccumulate == ACCUMULATE_YTD;
      if (bYtd || strcmp(zAssigned, zFirst) >= 0) {
        for (int iU = 0; iU < nUnit; iU++) {
          if (strcmp(azUnit[iU], r.zUnit) != 0) continue;
          /* All categories mapped to the same leaf add into its first entry's slot. */
          int iE = 0;
          while (strcmp(map.aEntry[iE].zLeaf, pE->zLeaf) != 0) iE++;
          aSum[iU * map.nEntry + iE] += pE->bVeto ? 1 : r.rDeduct + st.rExtraDeduct;
        }
      }
    }
    arena_free(pArena);
    if (zErr) {
      stmt_finalize(s);
      db_rollback(pDb);
      entry_err_set(e, KP_E_STATE, "calendar", "%s", zErr);
      goto done;
    }
  }
  stmt_finalize(s);
  if (rcStep < 0) goto sql_error;
  char zNow[32];
  db_now(zNow);
  char zReason[64];
  char zToday[11];
  cal_date_format(iToday, zToday);
  snprintf(zReason, sizeof zReason, "supervision findings as of %s", zToday);
  for (int iE = 0; iE < map.nEntry; iE++) {
    int bFirst = 1; /* one write per leaf: later entries for the same leaf were summed in */
    for (int j = 0; j < iE; j++)
      if (strcmp(map.aEntry[j].zLeaf, map.aEntry[iE].zLeaf) == 0) bFirst = 0;
    if (!bFirst) continue;
    int iNode = scheme_find(pScheme, map.aEntry[iE].zLeaf);
    for (int iU = 0; iU < nUnit; iU++) {
      if (!scheme_leaf_applies(pScheme, iNode, azGroup[iU])) continue;
      double rValue = aSum[iU * map.nEntry + iE];
      s = db_prepare(pDb, "SELECT revision, value FROM observation WHERE period = ?1 AND "
                          "unit = ?2 AND indicator = ?3 ORDER BY revision DESC LIMIT 1");
      stmt_bind_text(s, 1, per.zCode);
      stmt_bind_text(s, 2, azUnit[iU]);
      stmt_bind_text(s, 3, map.aEntry[iE].zLeaf);
      int kc = stmt_step(s);
      int iRev = kc == 1 ? (int)stmt_int(s, 0) : 0;
      int bSame = kc == 1 && !stmt_is_null(s, 1) && stmt_double(s, 1) == rValue;
      stmt_finalize(s);
      if (kc < 0) goto sql_error;
      json_array_append_new(aVal, json_pack("{s:s, s:s, s:f}", "unit", azUnit[iU], "indicator",
                                            map.aEntry[iE].zLeaf, "value", rValue));
      if (bSame) {
        nSame++;
        continue;
      }
      s = db_prepare(pDb, "INSERT INTO observation(period, unit, indicator, revision, value, "
                          "note, provenance, state, reason, entered_by, entered_at) VALUES "
                          "(?1, ?2, ?3, ?4, ?5, ?6, 'finding', 'verified', ?6, ?7, ?8)");
      stmt_bind_text(s, 1, per.zCode);
      stmt_bind_text(s, 2, azUnit[iU]);
      stmt_bind_text(s, 3, map.aEntry[iE].zLeaf);
      stmt_bind_int(s, 4, iRev + 1);
      stmt_bind_double(s, 5, rValue);
      stmt_bind_text(s, 6, zReason);
      stmt_bind_text(s, 7, u->zName);
      stmt_bind_text(s, 8, zNow);
      int bad = stmt_run(s);
      stmt_finalize(s);
      if (bad) goto sql_error;
      nWritten++;
    }
  }
  char zObj[32];
  snprintf(zObj, sizeof zObj, "period:%s", per.zCode);
  json_t *d = json_pack("{s:i, s:i, s:s}", "written", nWritten, "unchanged", nSame, "as_of", zToday);
  int rcA = audit_record(pDb, u->zName, w->zIp, "finding.sync", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
    goto done;
  }
  *ppOut = json_pack("{s:s, s:i, s:i, s:O}", "period", per.zCode, "written", nWritten,
                     "unchanged", nSame, "values", aVal);
  rc = 0;
  goto done;
sql_error:
  db_rollback(pDb);
  entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
done:
  for (int i = 0; i < nUnit; i++) {
    free(azUnit[i]);
    free(azGroup[i]);
  }
  free(azUnit);
  free(azGroup);
  free(aSum);
  free(zErr);
  json_decref(aVal);
  json_decref(pBody);
  finding_map_free(&map);
  cal_free(&cal);
  scheme_free(pScheme);
  return rc;
}

/* ---- the public list (公示) ---------------------------------------------------------------- */

int sup_finding_public(Db *pDb, const char *zUnit, const char *zCategory, int iPage,
                       json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (iPage < 1) iPage = 1;
  const int nPerPage = 20;
  Stmt *s = db_prepare(pDb, "SELECT count(*) FROM finding f WHERE f.public = 1"
                            " AND f.state IN ('verified', 'archived')"
                            " AND (?1 IS NULL OR f.unit = ?1) AND (?2 IS NULL OR f.category = ?2)");
  stmt_bind_text(s, 1, zUnit);
  stmt_bind_text(s, 2, zCategory);
  int rc = stmt_step(s);
  int64_t nTotal = rc == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  if (rc != 1) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  s = db_prepare(pDb, "SELECT f.id, f.unit, u.name, f.category, f.severity, f.text, f.assigned_on,"
                      " f.due, f.closed_on, f.verified_on, f.finish_late"
                      " FROM finding f JOIN unit u ON u.code = f.unit WHERE f.public = 1"
                      " AND f.state IN ('verified', 'archived')"
                      " AND (?1 IS NULL OR f.unit = ?1) AND (?2 IS NULL OR f.category = ?2)"
                      " ORDER BY f.verified_on DESC, f.id DESC LIMIT ?3 OFFSET ?4");
  stmt_bind_text(s, 1, zUnit);
  stmt_bind_text(s, 2, zCategory);
  stmt_bind_int(s, 3, nPerPage);
  stmt_bind_int(s, 4, (int64_t)(iPage - 1) * nPerPage);
  json_t *a = json_array();
  while ((rc = stmt_step(s)) == 1) {
    json_array_append_new(
        a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:b}", "id",
                     (json_int_t)stmt_int(s, 0), "unit", stmt_text(s, 1), "unit_name",
                     stmt_text(s, 2), "category", stmt_text(s, 3), "severity_label",
                     severity_label(stmt_text(s, 4)), "text", stmt_text(s, 5), "assigned_on",
                     stmt_text(s, 6), "due", stmt_text(s, 7), "closed_on", stmt_text(s, 8),
                     "verified_on", stmt_text(s, 9), "finished_late", (int)stmt_int(s, 10)));
  }
  stmt_finalize(s);
  if (rc < 0) {
    json_decref(a);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  }
  *ppOut = json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)nTotal, "page", iPage,
                     "per_page", nPerPage, "findings", a);
  return 0;
}

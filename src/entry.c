/*
** entry.c: data entry and the period workflow on the web (entry.h has the contract, the
** scope rules and the state diagram of one cell).
**
** NOTES ON THE DESIGN
**  - Every state change is a new observation revision carrying the same value (submit,
**    verify, return) or a new value (save): the table stays append-only, and the history of
**    a cell shows who entered, submitted, verified or returned it and when. The reason of a
**    return is stored in the revision's `reason` column.
**  - One function = one transaction (BEGIN IMMEDIATE via db_begin): the checks and the
**    writes see the same state; any error rolls the whole batch back (STYLE.md R7).
**  - A refusal of scope is audited AFTER the rollback, in its own transaction, so that the
**    record survives while nothing else of the batch does.
**  - The upload reuses the importer's reader and checks (util/table.h, store/import.h): the
**    same headers (unit, indicator, value, note and their Chinese aliases), the same
**    messages "FILE: line L, column C: reason", the same rule "any bad row: nothing".
**    Only the row's destination differs: a draft in the account's scope.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "entry.h"
#include "http/errcode.h"
#include "period_store.h"
#include "scheme_store.h"
#include "store/import.h"
#include "util/mem.h"
#include "util/table.h"
#include "util/text.h"

#define entry_fail entry_err_set
#define ENTRY_MAX_ITEMS 5000
#define ENTRY_NOTE_MAX 1000

void entry_err_free(EntryErr *e) {
  if (e && e->pExtra) {
    json_decref(e->pExtra);
    e->pExtra = NULL;
  }
}

int entry_err_set(EntryErr *e, int iCode, const char *zField, const char *zFmt, ...) {
  e->iCode = iCode;
  snprintf(e->zField, sizeof e->zField, "%s", zField ? zField : "");
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(e->zMsg, sizeof e->zMsg, zFmt, ap);
  va_end(ap);
  return -1;
}

/* ---- the context of one call: period, scheme, units, the account's assignments ---------- */

typedef struct EntryCtx {
  PeriodRow per;
  char zDeadline[16];
  Scheme *pScheme;
  int iVersion;
  ImportUnits units;
  int nAssigned;
  char **azAssigned;   /* indicator codes of a provider account, sorted */
  int nDeptAll;
  char **azDeptAll;    /* indicators assigned to ANY provider: department data, which a
                       ** reporter reads but does not enter (sorted) */
  int bOwn;            /* CAP_DATA_OWN_UNIT with a bound unit */
  int bDept;           /* CAP_DATA_DEPARTMENT */
  int bReadAll;        /* CAP_REVIEW_DRAFT */
  const AuthUser *u;
} EntryCtx;

static void entry_ctx_free(EntryCtx *c) {
  scheme_free(c->pScheme);
  import_units_free(&c->units);
  for (int i = 0; i < c->nAssigned; i++) free(c->azAssigned[i]);
  free(c->azAssigned);
  for (int i = 0; i < c->nDeptAll; i++) free(c->azDeptAll[i]);
  free(c->azDeptAll);
  memset(c, 0, sizeof *c);
}

static int entry_str_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads the assignments of an account, or of every account when zAccount is NULL (distinct,
** sorted). 0 or -1. */
static int entry_load_assigned(Db *pDb, const char *zAccount, char ***pazOut, int *pnOut) {
  Stmt *s = db_prepare(pDb, "SELECT DISTINCT indicator FROM provider_indicator "
                            "WHERE ?1 IS NULL OR account = ?1 ORDER BY indicator");
  stmt_bind_text(s, 1, zAccount);
  int n = 0, nAlloc = 0, rc;
  char **a = NULL;
  while ((rc = stmt_step(s)) == 1) {
    if (n >= nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 16;
      a = xrealloc_array(a, (size_t)nAlloc, sizeof(char *));
    }
    a[n++] = xstrdup(stmt_text(s, 0));
  }
  stmt_finalize(s);
  *pazOut = a;
  *pnOut = n;
  return rc < 0 ? -1 : 0;
}

static int entry_is_assigned(const EntryCtx *c, const char *zIndicator) {
  if (!c->nAssigned) return 0;
  return bsearch(&zIndicator, c->azAssigned, (size_t)c->nAssigned, sizeof(char *),
                 entry_str_cmp) != NULL;
}

/* Is the indicator department data (assigned to some provider)? */
static int entry_is_department(const EntryCtx *c, const char *zIndicator) {
  if (!c->nDeptAll) return 0;
  return bsearch(&zIndicator, c->azDeptAll, (size_t)c->nDeptAll, sizeof(char *),
                 entry_str_cmp) != NULL;
}

/* Opens the context. bOpenOnly: refuse a period that is not open (entry). */
static int entry_ctx_open(Db *pDb, const AuthUser *u, const char *zPeriod, int bOpenOnly,
                          EntryCtx *c, EntryErr *e) {
  memset(c, 0, sizeof *c);
  c->u = u;
  c->bOwn = auth_has(u, CAP_DATA_OWN_UNIT) && u->zUnit && u->zUnit[0];
  c->bDept = auth_has(u, CAP_DATA_DEPARTMENT);
  c->bReadAll = auth_has(u, CAP_REVIEW_DRAFT);
  int rc = period_store_get(pDb, zPeriod, &c->per);
  if (rc < 0) return entry_fail(e, KP_E_INTERNAL, NULL, "database error");
  if (rc == 0) return entry_fail(e, KP_E_NO_SUCH, "period", "no period %s", zPeriod);
  Stmt *s = db_prepare(pDb, "SELECT deadline FROM period WHERE code = ?1");
  stmt_bind_text(s, 1, c->per.zCode);
  if (stmt_step(s) == 1 && !stmt_is_null(s, 0))
    snprintf(c->zDeadline, sizeof c->zDeadline, "%s", stmt_text(s, 0));
  stmt_finalize(s);
  if (bOpenOnly && strcmp(c->per.zState, "open") != 0)
    return entry_fail(e, KP_E_STATE, "period",
                      "period %s is %s: data entry is over (corrections: the assessor's "
                      "audited revision)", c->per.zCode, c->per.zState);
  char *zErr = NULL;
  c->pScheme = scheme_store_load(pDb, c->per.iSchemeId, &c->iVersion, &zErr);
  if (!c->pScheme) {
    entry_fail(e, KP_E_INTERNAL, NULL, "the period's scheme cannot be loaded: %s",
               zErr ? zErr : "?");
    free(zErr);
    return -1;
  }
  if (import_units_load(pDb, &c->units)) return entry_fail(e, KP_E_INTERNAL, NULL, "database error");
  if (c->bDept && entry_load_assigned(pDb, u->zName, &c->azAssigned, &c->nAssigned))
    return entry_fail(e, KP_E_INTERNAL, NULL, "database error");
  if (entry_load_assigned(pDb, NULL, &c->azDeptAll, &c->nDeptAll))
    return entry_fail(e, KP_E_INTERNAL, NULL, "database error");
  return 0;
}

/* May the account write (period, zUnit, zIndicator)? A reporter: its own unit's
** self-reported indicators (not those a provider department enters); a provider: its
** indicators, every unit. */
static int entry_may_write(const EntryCtx *c, const char *zUnit, const char *zIndicator) {
  if (c->bOwn && strcmp(zUnit, c->u->zUnit) == 0 && !entry_is_department(c, zIndicator)) return 1;
  if (c->bDept && entry_is_assigned(c, zIndicator)) return 1;
  return 0;
}

/* May the account submit this draft? What it entered in its role: a reporter its own unit's
** self-reported values, a provider its indicators' department values (a provider's draft in
** a county's grid is the provider's to submit, not the county's). */
static int entry_may_submit(const EntryCtx *c, const char *zUnit, const char *zIndicator,
                            const char *zProvenance) {
  int bSelf = zProvenance && strcmp(zProvenance, "self") == 0;
  if (c->bOwn && strcmp(zUnit, c->u->zUnit) == 0 && bSelf && !entry_is_department(c, zIndicator))
    return 1;
  if (c->bDept && entry_is_assigned(c, zIndicator) && !bSelf) return 1;
  return 0;
}

static int entry_may_read(const EntryCtx *c, const char *zUnit, const char *zIndicator) {
  if (c->bOwn && strcmp(zUnit, c->u->zUnit) == 0) return 1; /* department rows read-only */
  return c->bReadAll || entry_may_write(c, zUnit, zIndicator);
}

/* Audits a refusal of scope (own transaction, best effort: the refusal stands anyway). */
static void entry_audit_denied(Db *pDb, const EntryWho *w, const char *zEvent,
                               const char *zPeriod, const char *zWhy) {
  char *zObj = xasprintf("period:%s", zPeriod);
  json_t *d = json_pack("{s:s}", "why", zWhy);
  (void)audit_record(pDb, w->pUser->zName, w->zIp, zEvent, zObj, "denied", d);
  json_decref(d);
  free(zObj);
}

/* ---- validation -------------------------------------------------------------------------- */

/* The validation hints of a leaf (for the grid) */
static json_t *entry_hints(const SchemeNode *n) {
  json_t *h = json_pack("{s:s}", "type", "number");
  if (n->eMethod == METHOD_MANUAL) {
    json_object_set_new(h, "min", json_integer(0));
    json_object_set_new(h, "max", json_real(n->rWeight));
  } else if (n->eMethod == METHOD_DEDUCT || n->eMethod == METHOD_BONUS ||
             n->eMethod == METHOD_VETO || n->eMethod == METHOD_VETO_TOP) {
    json_object_set_new(h, "min", json_integer(0));
    json_object_set_new(h, "integer", json_true());
  }
  return h;
}

/* Checks a value against its leaf (range and integrality). NULL or a reason (malloc'd). */
static char *entry_value_problem(const SchemeNode *n, double r) {
  if (isnan(r)) return NULL;
  char zV[32], zW[32];
  text_fmt_double(zV, r);
  if (n->eMethod == METHOD_MANUAL && (r < 0 || r > n->rWeight)) {
    text_fmt_double(zW, n->rWeight);
    return xasprintf("indicator %s is scored manually: its value is the points given, 0 to %s "
                     "(the weight), not %s", n->zCode, zW, zV);
  }
  if ((n->eMethod == METHOD_DEDUCT || n->eMethod == METHOD_BONUS ||
       n->eMethod == METHOD_VETO || n->eMethod == METHOD_VETO_TOP) &&
      (r < 0 || r != floor(r))) {
    return xasprintf("indicator %s (%s) counts events: its value is a whole number >= 0, not %s",
                     n->zCode, scheme_method_name(n->eMethod), zV);
  }
  return NULL;
}

/* ---- observations ------------------------------------------------------------------------ */

typedef struct EntryObs {
  int iRevision;          /* 0 = none */
  double rValue;          /* NaN = missing */
  char *zNote, *zState, *zProvenance, *zReason, *zBy, *zAt;
} EntryObs;

static void entry_obs_clear(EntryObs *o) {
  free(o->zNote);
  free(o->zState);
  free(o->zProvenance);
  free(o->zReason);
  free(o->zBy);
  free(o->zAt);
  memset(o, 0, sizeof *o);
  o->rValue = NAN;
}

#define ENTRY_SQL_CURRENT                                                                 \
  "SELECT revision, value, note, state, provenance, reason, entered_by, entered_at"       \
  " FROM observation WHERE period = ?1 AND unit = ?2 AND indicator = ?3"                  \
  " ORDER BY revision DESC LIMIT 1"
#define ENTRY_SQL_INSERT                                                                  \
  "INSERT INTO observation(period, unit, indicator, revision, value, note, provenance,"   \
  " state, batch_id, reason, entered_by, entered_at)"                                     \
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"

/* Reads the current revision of a cell into *o. 0 or -1. */
static int entry_obs_get(Stmt *pCur, const char *zPeriod, const char *zUnit,
                         const char *zIndicator, EntryObs *o) {
  entry_obs_clear(o);
  stmt_bind_text(pCur, 1, zPeriod);
  stmt_bind_text(pCur, 2, zUnit);
  stmt_bind_text(pCur, 3, zIndicator);
  int rc = stmt_step(pCur);
  if (rc == 1) {
    o->iRevision = (int)stmt_int(pCur, 0);
    o->rValue = stmt_double(pCur, 1);
    o->zNote = xstrdup(stmt_text(pCur, 2));
    o->zState = xstrdup(stmt_text(pCur, 3));
    o->zProvenance = xstrdup(stmt_text(pCur, 4));
    o->zReason = xstrdup(stmt_text(pCur, 5));
    o->zBy = xstrdup(stmt_text(pCur, 6));
    o->zAt = xstrdup(stmt_text(pCur, 7));
  }
  stmt_reset(pCur);
  return rc < 0 ? -1 : 0;
}

/* Appends revision iRev of a cell. 0 or -1. */
static int entry_obs_put(Stmt *pIns, const char *zPeriod, const char *zUnit,
                         const char *zIndicator, int iRev, double rValue, const char *zNote,
                         const char *zProvenance, const char *zState, int64_t iBatch,
                         const char *zReason, const char *zBy, const char *zNow) {
  stmt_bind_text(pIns, 1, zPeriod);
  stmt_bind_text(pIns, 2, zUnit);
  stmt_bind_text(pIns, 3, zIndicator);
  stmt_bind_int(pIns, 4, iRev);
  stmt_bind_double(pIns, 5, rValue);
  stmt_bind_text(pIns, 6, zNote);
  stmt_bind_text(pIns, 7, zProvenance);
  stmt_bind_text(pIns, 8, zState);
  if (iBatch > 0) stmt_bind_int(pIns, 9, iBatch);
  else stmt_bind_null(pIns, 9);
  stmt_bind_text(pIns, 10, zReason);
  stmt_bind_text(pIns, 11, zBy);
  stmt_bind_text(pIns, 12, zNow);
  return stmt_run(pIns);
}

static json_t *entry_num(double r) {
  return isnan(r) ? json_null() : json_real(r);
}

static int entry_same_value(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return a == b;
}

static int entry_same_text(const char *a, const char *b) {
  if (!a || !*a) return !b || !*b;
  return b && strcmp(a, b) == 0;
}

/* The provenance of a value the account enters for zUnit. */
static const char *entry_provenance(const EntryCtx *c, const char *zUnit) {
  return c->bOwn && strcmp(zUnit, c->u->zUnit) == 0 ? "self" : "department";
}

/* ---- the grid ---------------------------------------------------------------------------- */

/* Units in display order (sort_order), assessed ones only (with a peer group). */
typedef struct EntryUnitRow {
  char *zCode, *zName, *zGroup;
} EntryUnitRow;

static int entry_units_ordered(Db *pDb, EntryUnitRow **paOut, int *pnOut) {
  Stmt *s = db_prepare(pDb, "SELECT code, name, peer_group FROM unit "
                            "WHERE peer_group IS NOT NULL ORDER BY sort_order, code");
  int n = 0, nAlloc = 0, rc;
  EntryUnitRow *a = NULL;
  while ((rc = stmt_step(s)) == 1) {
    if (n >= nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 32;
      a = xrealloc_array(a, (size_t)nAlloc, sizeof *a);
    }
    a[n].zCode = xstrdup(stmt_text(s, 0));
    a[n].zName = xstrdup(stmt_text(s, 1));
    a[n].zGroup = xstrdup(stmt_text(s, 2));
    n++;
  }
  stmt_finalize(s);
  *paOut = a;
  *pnOut = n;
  return rc < 0 ? -1 : 0;
}

static void entry_units_free(EntryUnitRow *a, int n) {
  for (int i = 0; i < n; i++) {
    free(a[i].zCode);
    free(a[i].zName);
    free(a[i].zGroup);
  }
  free(a);
}

int entry_grid(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
               const char *zIndicator, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  EntryCtx c;
  EntryUnitRow *aUnit = NULL;
  int nUnit = 0, rc = -1;
  json_t *aRow = NULL;
  Stmt *pCur = NULL, *pTarget = NULL, *pPrev = NULL;
  EntryObs o;
  memset(&o, 0, sizeof o);
  if (db_begin(pDb)) return entry_fail(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  if (entry_ctx_open(pDb, u, zPeriod, 0, &c, e)) goto fail;
  /* scope of the question itself */
  if (!c.bReadAll) {
    if (zUnit && !(c.bOwn && strcmp(zUnit, u->zUnit) == 0) && !c.bDept) {
      entry_fail(e, KP_E_SCOPE, "unit", "this account enters data for unit %s only",
                 c.bOwn ? u->zUnit : "(none)");
      goto denied;
    }
    if (zIndicator && !(c.bDept && entry_is_assigned(&c, zIndicator)) && !c.bOwn) {
      entry_fail(e, KP_E_SCOPE, "indicator", "indicator %s is not assigned to this account",
                 zIndicator);
      goto denied;
    }
    if (!c.bOwn && !c.bDept) {
      entry_fail(e, KP_E_SCOPE, NULL, "this account enters no data");
      goto denied;
    }
  } else if (!zUnit && !zIndicator && !c.bOwn && !c.bDept) {
    entry_fail(e, KP_E_MISSING, "unit", "give ?unit=CODE (a unit's grid) or ?indicator=CODE "
                                        "(one indicator for all units)");
    goto fail;
  }
  if (zUnit && !import_units_find(&c.units, zUnit)) {
    entry_fail(e, KP_E_NO_SUCH, "unit", "no unit %s", zUnit);
    goto fail;
  }
  int iIndNode = -1;
  if (zIndicator) {
    iIndNode = scheme_find(c.pScheme, zIndicator);
    if (iIndNode < 0 || !c.pScheme->aNode[iIndNode].bLeaf) {
      entry_fail(e, KP_E_NO_SUCH, "indicator", "no indicator %s in scheme %s@%d", zIndicator,
                 c.pScheme->zCode, c.iVersion);
      goto fail;
    }
  }
  if (entry_units_ordered(pDb, &aUnit, &nUnit)) {
    entry_fail(e, KP_E_INTERNAL, NULL, "database error");
    goto fail;
  }
  /* the previous period of the same kind (2021-B3 -> 2021-B2, 2021-B1 -> 2020-B6) */
  char zPrev[16] = "";
  Stmt *s = db_prepare(pDb, "SELECT max(code) FROM period WHERE code < ?1 "
                            "AND substr(code, 6, 1) = substr(?1, 6, 1)");
  stmt_bind_text(s, 1, c.per.zCode);
  if (stmt_step(s) == 1 && !stmt_is_null(s, 0)) snprintf(zPrev, sizeof zPrev, "%s", stmt_text(s, 0));
  stmt_finalize(s);

  pCur = db_prepare(pDb, ENTRY_SQL_CURRENT);
  pTarget = db_prepare(pDb, "SELECT target FROM target WHERE scheme_id = ?1 AND unit = ?2 "
                            "AND indicator = ?3");
  pPrev = db_prepare(pDb, "SELECT value FROM observation WHERE period = ?1 AND unit = ?2 "
                          "AND indicator = ?3 ORDER BY revision DESC LIMIT 1");
  aRow = json_array();
  int bOpen = strcmp(c.per.zState, "open") == 0;
  for (int iu = 0; iu < nUnit; iu++) {
    const EntryUnitRow *pu = &aUnit[iu];
    if (zUnit && strcmp(zUnit, pu->zCode) != 0) continue;
    if (!zUnit && !c.bReadAll && !c.bDept && strcmp(pu->zCode, u->zUnit) != 0) continue;
    for (int in = 0; in < c.pScheme->nNode; in++) {
      const SchemeNode *n = &c.pScheme->aNode[in];
      if (!n->bLeaf) continue;
      if (iIndNode >= 0 && in != iIndNode) continue;
      if (!scheme_leaf_applies(c.pScheme, in, pu->zGroup)) continue;
      if (!entry_may_read(&c, pu->zCode, n->zCode)) continue;
      if (entry_obs_get(pCur, c.per.zCode, pu->zCode, n->zCode, &o)) goto sql;
      double rTarget = NAN, rPrev = NAN;
      stmt_bind_int(pTarget, 1, c.per.iSchemeId);
      stmt_bind_text(pTarget, 2, pu->zCode);
      stmt_bind_text(pTarget, 3, n->zCode);
      if (stmt_step(pTarget) == 1) rTarget = stmt_double(pTarget, 0);
      stmt_reset(pTarget);
      if (zPrev[0]) {
        stmt_bind_text(pPrev, 1, zPrev);
        stmt_bind_text(pPrev, 2, pu->zCode);
        stmt_bind_text(pPrev, 3, n->zCode);
        if (stmt_step(pPrev) == 1) rPrev = stmt_double(pPrev, 0);
        stmt_reset(pPrev);
      }
      const char *zCat = n->iParent >= 0 ? c.pScheme->aNode[n->iParent].zName : NULL;
      int bWrite = entry_may_write(&c, pu->zCode, n->zCode);
      int bEditable = bWrite && bOpen && (!o.zState || strcmp(o.zState, "verified") != 0);
      json_t *r = json_pack(
          "{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:f, s:o, s:o, s:o, s:s, s:s?, s:i, "
          "s:s?, s:s?, s:s?, s:s?, s:b, s:s, s:o}",
          "unit", pu->zCode, "unit_name", pu->zName, "indicator", n->zCode, "name", n->zName,
          "category", zCat, "unit_of_measure", n->zUnit, "method",
          scheme_method_name(n->eMethod), "direction", n->bLower ? "lower" : "higher", "weight",
          n->rWeight, "target", entry_num(rTarget), "previous", entry_num(rPrev), "value",
          entry_num(o.rValue), "state", o.zState ? o.zState : "empty", "note", o.zNote,
          "revision", o.iRevision, "reason",
          o.zState && strcmp(o.zState, "rejected") == 0 ? o.zReason : NULL, "provenance",
          o.zProvenance, "entered_by", o.zBy, "entered_at", o.zAt, "editable", bEditable,
          "entered_in", entry_is_department(&c, n->zCode) ? "department" : "unit", "hints",
          entry_hints(n));
      json_array_append_new(aRow, r);
    }
  }
  /* the grid holds unpublished values: a sensitive read */
  {
    char *zObj = xasprintf("period:%s", c.per.zCode);
    json_t *d = json_pack("{s:s?, s:s?, s:i}", "unit", zUnit, "indicator", zIndicator, "rows",
                          (int)json_array_size(aRow));
    int rcA = audit_record(pDb, u->zName, w->zIp, "entry.read", zObj, "ok", d);
    json_decref(d);
    free(zObj);
    if (rcA) {
      entry_fail(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: try again");
      goto fail;
    }
  }
  if (db_commit(pDb)) goto sql;
  json_t *aAssigned = json_array();
  for (int i = 0; i < c.nAssigned; i++) json_array_append_new(aAssigned, json_string(c.azAssigned[i]));
  *ppOut = json_pack("{s:s, s:s, s:s?, s:{s:s, s:i}, s:s?, s:s?, s:o, s:o}", "period",
                     c.per.zCode, "state", c.per.zState, "deadline",
                     c.zDeadline[0] ? c.zDeadline : NULL, "scheme", "code", c.pScheme->zCode,
                     "version", c.iVersion, "previous_period", zPrev[0] ? zPrev : NULL,
                     "unit", zUnit ? zUnit : (!c.bReadAll && !c.bDept ? u->zUnit : NULL),
                     "assigned_indicators", aAssigned, "rows", aRow);
  aRow = NULL;
  rc = 0;
  goto done;
sql:
  entry_fail(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
fail:
  db_rollback(pDb);
  goto done;
denied:
  db_rollback(pDb);
  entry_audit_denied(pDb, w, "entry.denied", zPeriod, e->zMsg);
done:
  json_decref(aRow);
  entry_obs_clear(&o);
  stmt_finalize(pCur);
  stmt_finalize(pTarget);
  stmt_finalize(pPrev);
  entry_units_free(aUnit, nUnit);
  entry_ctx_free(&c);
  return rc;
}

/* ---- saving drafts ----------------------------------------------------------------------- */

/* Adds {index, field, code, message} to the errors array. */
static void entry_item_error(json_t *aErr, int i, const char *zKey, int iCode, const char *zMsg) {
  char zField[64];
  snprintf(zField, sizeof zField, "items[%d].%s", i, zKey);
  json_array_append_new(aErr, json_pack("{s:i, s:s, s:i, s:s}", "index", i, "field", zField,
                                        "code", iCode, "message", zMsg));
}

/* Checks unit + indicator of an item: known, a leaf, applicable. NULL or a reason
** (malloc'd); *piNode is the leaf. */
static char *entry_cell_problem(const EntryCtx *c, const char *zUnit, const char *zIndicator,
                                int *piNode, const char **pzKey) {
  const ImportUnit *pu = import_units_find(&c->units, zUnit);
  *pzKey = "unit";
  if (!pu) return xasprintf("no unit %s", zUnit);
  if (!pu->zGroup) return xasprintf("unit %s is a department: it is not assessed", zUnit);
  int iNode = scheme_find(c->pScheme, zIndicator);
  *pzKey = "indicator";
  if (iNode < 0) return xasprintf("no indicator %s in scheme %s@%d", zIndicator, c->pScheme->zCode, c->iVersion);
  if (!c->pScheme->aNode[iNode].bLeaf)
    return xasprintf("%s is a category, not an indicator: enter its indicators", zIndicator);
  if (!scheme_leaf_applies(c->pScheme, iNode, pu->zGroup)) return import_na_reason(c->pScheme, iNode, pu);
  *piNode = iNode;
  return NULL;
}

int entry_save(Db *pDb, const EntryWho *w, const char *zPeriod, json_t *aItems,
               json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!json_is_array(aItems))
    return entry_fail(e, KP_E_INVALID, "items", "items must be a list of {unit, indicator, value, note}");
  size_t nItem = json_array_size(aItems);
  if (nItem == 0) return entry_fail(e, KP_E_MISSING, "items", "items is empty");
  if (nItem > ENTRY_MAX_ITEMS)
    return entry_fail(e, KP_E_INVALID, "items", "at most %d items per request", ENTRY_MAX_ITEMS);
  EntryCtx c;
  int rc = -1;
  json_t *aErr = json_array(), *aDone = json_array(), *aChange = json_array();
  Stmt *pCur = NULL, *pIns = NULL;
  EntryObs o;
  memset(&o, 0, sizeof o);
  char *zScope = NULL;
  if (db_begin(pDb)) {
    json_decref(aErr);
    json_decref(aDone);
    json_decref(aChange);
    return entry_fail(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  }
  if (entry_ctx_open(pDb, u, zPeriod, 1, &c, e)) goto fail;
  pCur = db_prepare(pDb, ENTRY_SQL_CURRENT);
  pIns = db_prepare(pDb, ENTRY_SQL_INSERT);
  char zNow[32];
  db_now(zNow);
  int nSaved = 0, nSame = 0;
  /* pass 1: check every item; pass 2 (only when all are good): write */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < nItem; i++) {
      json_t *it = json_array_get(aItems, i);
      int ii = (int)i;
      if (!json_is_object(it)) {
        if (!pass) entry_item_error(aErr, ii, "unit", KP_E_INVALID, "an item must be an object");
        continue;
      }
      const char *zKey;
      json_t *v;
      int bBadKey = 0;
      json_object_foreach(it, zKey, v) {
        if (strcmp(zKey, "unit") && strcmp(zKey, "indicator") && strcmp(zKey, "value") &&
            strcmp(zKey, "note")) {
          bBadKey = 1;
        }
      }
      if (bBadKey) {
        if (!pass) entry_item_error(aErr, ii, "unit", KP_E_UNKNOWN_FIELD,
                                    "unknown field (allowed: unit, indicator, value, note)");
        continue;
      }
      const char *zUnit = json_string_value(json_object_get(it, "unit"));
      const char *zInd = json_string_value(json_object_get(it, "indicator"));
      if (!zUnit || !*zUnit) {
        if (!pass) entry_item_error(aErr, ii, "unit", KP_E_MISSING, "unit is required (a string)");
        continue;
      }
      if (!zInd || !*zInd) {
        if (!pass) entry_item_error(aErr, ii, "indicator", KP_E_MISSING, "indicator is required (a string)");
        continue;
      }
      json_t *jv = json_object_get(it, "value");
      if (!jv) {
        if (!pass) entry_item_error(aErr, ii, "value", KP_E_MISSING, "value is required (a number, or null for missing)");
        continue;
      }
      if (!json_is_null(jv) && !json_is_number(jv)) {
        if (!pass) entry_item_error(aErr, ii, "value", KP_E_INVALID, "value must be a number (or null for missing)");
        continue;
      }
      double rValue = json_is_null(jv) ? NAN : json_number_value(jv);
      json_t *jn = json_object_get(it, "note");
      const char *zNote = NULL;
      if (jn && !json_is_null(jn)) {
        if (!json_is_string(jn) || json_string_length(jn) > ENTRY_NOTE_MAX ||
            strlen(json_string_value(jn)) != json_string_length(jn)) {
          if (!pass) entry_item_error(aErr, ii, "note", KP_E_INVALID, "note must be text of at most 1000 bytes");
          continue;
        }
        zNote = json_string_value(jn);
        if (!*zNote) zNote = NULL;
      }
      int iNode = -1;
      const char *zBadKey = "unit";
      char *zWhy = entry_cell_problem(&c, zUnit, zInd, &iNode, &zBadKey);
      if (zWhy) {
        if (!pass) entry_item_error(aErr, ii, zBadKey, KP_E_INVALID, zWhy);
        free(zWhy);
        continue;
      }
      if (!entry_may_write(&c, zUnit, zInd)) {
        if (!zScope)
          zScope = xasprintf("unit %s, indicator %s is outside this account's scope (%s)", zUnit,
                             zInd, c.bOwn && strcmp(zUnit, u->zUnit) == 0
                                       ? "a provider department enters this indicator"
                                       : c.bOwn ? "own unit only"
                                       : c.bDept ? "assigned indicators only" : "no data entry");
        continue;
      }
      zWhy = entry_value_problem(&c.pScheme->aNode[iNode], rValue);
      if (zWhy) {
        if (!pass) entry_item_error(aErr, ii, "value", KP_E_INVALID, zWhy);
        free(zWhy);
        continue;
      }
      if (entry_obs_get(pCur, c.per.zCode, zUnit, zInd, &o)) goto sql;
      if (o.zState && strcmp(o.zState, "verified") == 0) {
        if (!pass) entry_item_error(aErr, ii, "value", KP_E_STATE,
                                    "this value is verified: the assessor must return it before "
                                    "it can change");
        continue;
      }
      if (!pass) continue;
      /* pass 2: write */
      if (o.iRevision && strcmp(o.zState, "draft") == 0 && entry_same_value(o.rValue, rValue) &&
          entry_same_text(o.zNote, zNote)) {
        nSame++;
        json_array_append_new(aDone, json_pack("{s:s, s:s, s:i, s:s, s:b}", "unit", zUnit, "indicator", zInd,
                                               "revision", o.iRevision, "state", "draft", "changed", 0));
        continue;
      }
      if (entry_obs_put(pIns, c.per.zCode, zUnit, zInd, o.iRevision + 1, rValue, zNote,
                        entry_provenance(&c, zUnit), "draft", 0, NULL, u->zName, zNow))
        goto sql;
      nSaved++;
      json_array_append_new(aDone, json_pack("{s:s, s:s, s:i, s:s, s:b}", "unit", zUnit, "indicator", zInd,
                                             "revision", o.iRevision + 1, "state", "draft", "changed", 1));
      if (json_array_size(aChange) < 500)
        json_array_append_new(aChange, json_pack("{s:s, s:s, s:o, s:o, s:s?, s:i}", "unit", zUnit,
                                                 "indicator", zInd, "old", entry_num(o.rValue), "new",
                                                 entry_num(rValue), "old_state", o.zState, "revision",
                                                 o.iRevision + 1));
    }
    if (pass == 0) {
      if (zScope) {
        entry_fail(e, KP_E_SCOPE, "items", "%s", zScope);
        goto denied;
      }
      if (json_array_size(aErr)) {
        json_t *first = json_array_get(aErr, 0);
        entry_fail(e, (int)json_integer_value(json_object_get(first, "code")),
                   json_string_value(json_object_get(first, "field")), "%s%s",
                   json_string_value(json_object_get(first, "message")),
                   json_array_size(aErr) > 1 ? " (and more: see errors)" : "");
        e->pExtra = json_pack("{s:O}", "errors", aErr);
        goto fail;
      }
    }
  }
  {
    char *zObj = xasprintf("period:%s", c.per.zCode);
    json_t *d = json_pack("{s:i, s:i, s:i, s:O}", "items", (int)nItem, "saved", nSaved,
                          "unchanged", nSame, "changes", aChange);
    int rcA = audit_record(pDb, u->zName, w->zIp, "entry.save", zObj, "ok", d);
    json_decref(d);
    free(zObj);
    if (rcA) {
      entry_fail(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
      goto fail;
    }
  }
  if (db_commit(pDb)) goto sql;
  *ppOut = json_pack("{s:s, s:i, s:i, s:O}", "period", c.per.zCode, "saved", nSaved,
                     "unchanged", nSame, "rows", aDone);
  rc = 0;
  goto done;
sql:
  entry_fail(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
fail:
  db_rollback(pDb);
  goto done;
denied:
  db_rollback(pDb);
  entry_audit_denied(pDb, w, "entry.denied", zPeriod, e->zMsg);
done:
  free(zScope);
  entry_obs_clear(&o);
  stmt_finalize(pCur);
  stmt_finalize(pIns);
  json_decref(aErr);
  json_decref(aDone);
  json_decref(aChange);
  entry_ctx_free(&c);
  return rc;
}

/* ---- state moves: submit, verify, return --------------------------------------------------- */

/* Moves every current cell of the period that matches the filters and is in one of the
** states of zFrom ("draft" or "submitted,verified" ...) to zTo, as new revisions.
** xScope decides per cell (NULL = all). Collects {unit, indicator, revision} in aOut. */
static int entry_move(Db *pDb, const EntryCtx *c, const char *zUnit, const char *zIndicator,
                      const char *zFrom1, const char *zFrom2, const char *zTo,
                      const char *zReason, int bScope, const char *zBy, json_t *aOut) {
  Stmt *s = db_prepare(pDb, "SELECT unit, indicator, revision, value, note, provenance, state "
                            "FROM observation_current WHERE period = ?1 "
                            "AND (?2 IS NULL OR unit = ?2) AND (?3 IS NULL OR indicator = ?3) "
                            "AND (state = ?4 OR state = ?5) ORDER BY unit, indicator");
  stmt_bind_text(s, 1, c->per.zCode);
  stmt_bind_text(s, 2, zUnit);
  stmt_bind_text(s, 3, zIndicator);
  stmt_bind_text(s, 4, zFrom1);
  stmt_bind_text(s, 5, zFrom2 ? zFrom2 : zFrom1);
  typedef struct Cell {
    char *zUnit, *zInd, *zNote, *zProv, *zState;
    int iRev;
    double r;
  } Cell;
  Cell *a = NULL;
  int n = 0, nAlloc = 0, rc;
  while ((rc = stmt_step(s)) == 1) {
    if (bScope && !entry_may_submit(c, stmt_text(s, 0), stmt_text(s, 1), stmt_text(s, 5))) continue;
    if (n >= nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 64;
      a = xrealloc_array(a, (size_t)nAlloc, sizeof *a);
    }
    a[n].zUnit = xstrdup(stmt_text(s, 0));
    a[n].zInd = xstrdup(stmt_text(s, 1));
    a[n].iRev = (int)stmt_int(s, 2);
    a[n].r = stmt_double(s, 3);
    a[n].zNote = xstrdup(stmt_text(s, 4));
    a[n].zProv = xstrdup(stmt_text(s, 5));
    a[n].zState = xstrdup(stmt_text(s, 6));
    n++;
  }
  stmt_finalize(s);
  char zNow[32];
  db_now(zNow);
  Stmt *pIns = db_prepare(pDb, ENTRY_SQL_INSERT);
  for (int i = 0; i < n && rc == 0; i++) {
    if (entry_obs_put(pIns, c->per.zCode, a[i].zUnit, a[i].zInd, a[i].iRev + 1, a[i].r,
                      a[i].zNote, a[i].zProv, zTo, 0, zReason, zBy, zNow))
      rc = -1;
    else
      json_array_append_new(aOut, json_pack("{s:s, s:s, s:i, s:s, s:s}", "unit", a[i].zUnit,
                                            "indicator", a[i].zInd, "revision", a[i].iRev + 1,
                                            "from", a[i].zState, "state", zTo));
  }
  stmt_finalize(pIns);
  for (int i = 0; i < n; i++) {
    free(a[i].zUnit);
    free(a[i].zInd);
    free(a[i].zNote);
    free(a[i].zProv);
    free(a[i].zState);
  }
  free(a);
  return rc;
}

int entry_submit(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
                 const char *zIndicator, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  EntryCtx c;
  int rc = -1;
  json_t *aOut = json_array();
  if (db_begin(pDb)) {
    json_decref(aOut);
    return entry_fail(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  }
  if (entry_ctx_open(pDb, u, zPeriod, 1, &c, e)) goto fail;
  if (zUnit && !c.bDept && !(c.bOwn && strcmp(zUnit, u->zUnit) == 0)) {
    entry_fail(e, KP_E_SCOPE, "unit", "this account submits for unit %s only",
               c.bOwn ? u->zUnit : "(none)");
    goto denied;
  }
  if (zIndicator && !c.bOwn && !entry_is_assigned(&c, zIndicator)) {
    entry_fail(e, KP_E_SCOPE, "indicator", "indicator %s is not assigned to this account", zIndicator);
    goto denied;
  }
  if (!c.bOwn && !c.bDept) {
    entry_fail(e, KP_E_SCOPE, NULL, "this account enters no data");
    goto denied;
  }
  /* a reporter without a unit named submits its own unit */
  const char *zU = zUnit ? zUnit : (c.bOwn && !c.bDept ? u->zUnit : NULL);
  if (entry_move(pDb, &c, zU, zIndicator, "draft", NULL, "submitted", NULL, 1, u->zName, aOut)) {
    entry_fail(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
    goto fail;
  }
  char *zObj = xasprintf("period:%s", c.per.zCode);
  json_t *d = json_pack("{s:s?, s:s?, s:i, s:O}", "unit", zU, "indicator", zIndicator,
                        "submitted", (int)json_array_size(aOut), "cells", aOut);
  int rcA = audit_record(pDb, u->zName, w->zIp, "entry.submit", zObj, "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA) {
    entry_fail(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing submitted");
    goto fail;
  }
  if (db_commit(pDb)) {
    entry_fail(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
    goto fail;
  }
  *ppOut = json_pack("{s:s, s:i, s:O}", "period", c.per.zCode, "submitted",
                     (int)json_array_size(aOut), "rows", aOut);
  rc = 0;
  goto done;
fail:
  db_rollback(pDb);
  goto done;
denied:
  db_rollback(pDb);
  entry_audit_denied(pDb, w, "entry.denied", zPeriod, e->zMsg);
done:
  json_decref(aOut);
  entry_ctx_free(&c);
  return rc;
}

int entry_check(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
                const char *zIndicator, const char *zReason, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (!zUnit || !*zUnit) return entry_fail(e, KP_E_MISSING, "unit", "unit is required");
  if (zReason && !*zReason)
    return entry_fail(e, KP_E_MISSING, "reason", "reason is required: say what to fix");
  if (!auth_has(u, CAP_SCHEME_MANAGE))
    return entry_fail(e, KP_E_SCOPE, NULL, "only the assessing office verifies and returns data");
  EntryCtx c;
  int rc = -1;
  json_t *aOut = json_array();
  if (db_begin(pDb)) {
    json_decref(aOut);
    return entry_fail(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  }
  if (entry_ctx_open(pDb, u, zPeriod, 0, &c, e)) goto fail;
  if (strcmp(c.per.zState, "published") == 0) {
    entry_fail(e, KP_E_STATE, "period", "period %s is published: its data are frozen", c.per.zCode);
    goto fail;
  }
  if (!import_units_find(&c.units, zUnit)) {
    entry_fail(e, KP_E_NO_SUCH, "unit", "no unit %s", zUnit);
    goto fail;
  }
  const char *zTo = zReason ? "rejected" : "verified";
  if (entry_move(pDb, &c, zUnit, zIndicator, "submitted", zReason ? "verified" : NULL, zTo,
                 zReason, 0, u->zName, aOut)) {
    entry_fail(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
    goto fail;
  }
  if (json_array_size(aOut) == 0) {
    entry_fail(e, KP_E_STATE, zIndicator ? "indicator" : "unit",
               "nothing submitted%s to %s for unit %s%s%s", zReason ? " or verified" : "",
               zReason ? "return" : "verify", zUnit, zIndicator ? ", indicator " : "",
               zIndicator ? zIndicator : "");
    goto fail;
  }
  char *zObj = xasprintf("period:%s", c.per.zCode);
  json_t *d = json_pack("{s:s, s:s?, s:s?, s:i, s:O}", "unit", zUnit, "indicator", zIndicator,
                        "reason", zReason, "count", (int)json_array_size(aOut), "cells", aOut);
  int rcA = audit_record(pDb, u->zName, w->zIp, zReason ? "entry.return" : "entry.verify", zObj,
                         "ok", d);
  json_decref(d);
  free(zObj);
  if (rcA) {
    entry_fail(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing changed");
    goto fail;
  }
  if (db_commit(pDb)) {
    entry_fail(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
    goto fail;
  }
  *ppOut = json_pack("{s:s, s:s, s:s, s:i, s:O}", "period", c.per.zCode, "unit", zUnit, "state",
                     zTo, "count", (int)json_array_size(aOut), "rows", aOut);
  rc = 0;
  goto done;
fail:
  db_rollback(pDb);
done:
  json_decref(aOut);
  entry_ctx_free(&c);
  return rc;
}

/* ---- progress ------------------------------------------------------------------------------ */

int entry_progress(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppOut,
                   EntryErr *e) {
  *ppOut = NULL;
  EntryCtx c;
  EntryUnitRow *aUnit = NULL;
  int nUnit = 0, rc = -1;
  if (!auth_has(w->pUser, CAP_REVIEW_DRAFT))
    return entry_fail(e, KP_E_SCOPE, NULL, "the progress of all units is the assessing office's");
  if (db_begin(pDb)) return entry_fail(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  if (entry_ctx_open(pDb, w->pUser, zPeriod, 0, &c, e)) goto fail;
  if (entry_units_ordered(pDb, &aUnit, &nUnit)) {
    entry_fail(e, KP_E_INTERNAL, NULL, "database error");
    goto fail;
  }
  Stmt *s = db_prepare(pDb, "SELECT indicator, state FROM observation_current "
                            "WHERE period = ?1 AND unit = ?2");
  json_t *a = json_array();
  int nComplete = 0;
  for (int iu = 0; iu < nUnit; iu++) {
    int nLeaf = 0, nDraft = 0, nSub = 0, nVer = 0, nRej = 0;
    for (int in = 0; in < c.pScheme->nNode; in++)
      if (c.pScheme->aNode[in].bLeaf && scheme_leaf_applies(c.pScheme, in, aUnit[iu].zGroup)) nLeaf++;
    stmt_bind_text(s, 1, c.per.zCode);
    stmt_bind_text(s, 2, aUnit[iu].zCode);
    while (stmt_step(s) == 1) {
      int in = scheme_find(c.pScheme, stmt_text(s, 0));
      if (in < 0 || !c.pScheme->aNode[in].bLeaf ||
          !scheme_leaf_applies(c.pScheme, in, aUnit[iu].zGroup))
        continue;
      const char *zState = stmt_text(s, 1);
      if (strcmp(zState, "draft") == 0) nDraft++;
      else if (strcmp(zState, "submitted") == 0) nSub++;
      else if (strcmp(zState, "verified") == 0) nVer++;
      else nRej++;
    }
    stmt_reset(s);
    int nEmpty = nLeaf - nDraft - nSub - nVer - nRej;
    int bComplete = nSub + nVer == nLeaf;
    nComplete += bComplete;
    json_array_append_new(
        a, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:b}", "unit", aUnit[iu].zCode,
                     "name", aUnit[iu].zName, "peer_group", aUnit[iu].zGroup, "leaves", nLeaf,
                     "empty", nEmpty, "draft", nDraft, "submitted", nSub, "verified", nVer,
                     "rejected", nRej, "complete", bComplete));
  }
  stmt_finalize(s);
  db_commit(pDb);
  *ppOut = json_pack("{s:s, s:s, s:s?, s:i, s:i, s:o}", "period", c.per.zCode, "state",
                     c.per.zState, "deadline", c.zDeadline[0] ? c.zDeadline : NULL, "units_total",
                     nUnit, "units_complete", nComplete, "units", a);
  rc = 0;
  goto done;
fail:
  db_rollback(pDb);
done:
  entry_units_free(aUnit, nUnit);
  entry_ctx_free(&c);
  return rc;
}

/* ---- upload -------------------------------------------------------------------------------- */

/* The importer's value columns (observation.c, docs/imports.md): same headers, same aliases. */
enum { EC_UNIT, EC_INDICATOR, EC_VALUE, EC_NOTE, EC__COUNT };
static const ImportColumn aEntryColumn[EC__COUNT] = {
  {"unit", {"单位代码", "单位编码", NULL}, 1},
  {"indicator", {"指标代码", NULL, NULL}, 1},
  {"value", {"数值", "指标值", NULL}, 1},
  {"note", {"备注", NULL, NULL}, 0},
};

/* Turns the importer's problem lines ("FILE: line L, column C: reason", "FILE: row R, column
** X: reason", "FILE: reason") into [{file, line, column, reason}]. */
static json_t *entry_report_json(const ImportLog *pLog, const char *zFile) {
  json_t *a = json_array();
  const char *z = buf_str(&pLog->text);
  size_t nFile = strlen(zFile);
  while (*z) {
    size_t nLine = strcspn(z, "\n");
    char *zLine = xstrndup(z, nLine);
    z += nLine + (z[nLine] == '\n');
    char *p = zLine;
    json_t *jLine = json_null(), *jCol = json_null();
    if (strncmp(p, zFile, nFile) == 0 && p[nFile] == ':' && p[nFile + 1] == ' ') p += nFile + 2;
    int iNum = 0, nUsed = 0;
    if ((sscanf(p, "line %d%n", &iNum, &nUsed) == 1 || sscanf(p, "row %d%n", &iNum, &nUsed) == 1) &&
        nUsed > 0) {
      json_decref(jLine);
      jLine = json_integer(iNum);
      p += nUsed;
      if (strncmp(p, ", column ", 9) == 0) {
        p += 9;
        size_t nCol = strcspn(p, ":");
        char *zCol = xstrndup(p, nCol);
        json_decref(jCol);
        jCol = json_string(zCol);
        free(zCol);
        p += nCol;
      }
      if (p[0] == ':' && p[1] == ' ') p += 2;
    }
    json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:s}", "file", zFile, "line", jLine,
                                       "column", jCol, "reason", p));
    free(zLine);
  }
  return a;
}

int entry_upload(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zFileName,
                 const char *zData, size_t nData, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const AuthUser *u = w->pUser;
  if (nData == 0) return entry_fail(e, KP_E_MISSING, "file", "the upload is empty");
  /* the reader takes a path: the bytes go to a private temporary file */
  const char *zTmpDir = getenv("TMPDIR");
  char *zTmp = xasprintf("%s/kaoping-upload-XXXXXX", zTmpDir && *zTmpDir ? zTmpDir : "/tmp");
  int fd = mkstemp(zTmp);
  if (fd < 0) {
    free(zTmp);
    return entry_fail(e, KP_E_INTERNAL, NULL, "cannot store the upload");
  }
  size_t nDone = 0;
  while (nDone < nData) {
    ssize_t k = write(fd, zData + nDone, nData - nDone);
    if (k <= 0) break;
    nDone += (size_t)k;
  }
  close(fd);
  if (nDone != nData) {
    unlink(zTmp);
    free(zTmp);
    return entry_fail(e, KP_E_INTERNAL, NULL, "cannot store the upload");
  }
  EntryCtx c;
  memset(&c, 0, sizeof c);
  ImportLog log = IMPORT_LOG_INIT;
  ImportKeys keys;
  memset(&keys, 0, sizeof keys);
  Arena *pArena = arena_new();
  TableReader t;
  int bOpen = 0, rc = -1, nOk = 0, nBad = 0, nIgnored = 0, nNew = 0, nSame = 0, nScope = 0;
  char *zErr = NULL, *zLabel = NULL;
  Stmt *pCur = NULL, *pIns = NULL;
  EntryObs o;
  memset(&o, 0, sizeof o);
  typedef struct Row {
    char *zUnit, *zInd, *zNote;
    double r;
  } Row;
  Row *aRow = NULL;
  int nRow = 0, nRowAlloc = 0;
  json_t *aChange = json_array();

  if (db_begin(pDb)) {
    entry_fail(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
    goto cleanup;
  }
  if (entry_ctx_open(pDb, u, zPeriod, 1, &c, e)) goto fail;
  if (!c.bOwn && !c.bDept) {
    entry_fail(e, KP_E_SCOPE, NULL, "this account enters no data");
    goto denied;
  }
  zLabel = xasprintf("%s@%d", c.pScheme->zCode, c.iVersion);
  if (import_open(&t, zTmp, aEntryColumn, EC__COUNT, &zErr)) {
    /* messages name the temporary file: name the upload instead */
    char *zMsg = zErr;
    if (strncmp(zMsg, zTmp, strlen(zTmp)) == 0) zMsg += strlen(zTmp);
    char *zFull = xasprintf("%s%s", zFileName, zMsg);
    import_problem_text(&log, zFull);
    free(zFull);
    nBad++;
    goto bad_rows;
  }
  bOpen = 1;
  free(t.zName);
  t.zName = xstrdup(zFileName);
  int aiCol[EC__COUNT];
  if (import_map_header(&t, aEntryColumn, EC__COUNT, aiCol, &log)) {
    nBad++;
    goto bad_rows;
  }
  while (import_next_row(&t, &log, &nBad) > 0) {
    char *zUnit = import_field(pArena, &t, aiCol[EC_UNIT]);
    char *zInd = import_field(pArena, &t, aiCol[EC_INDICATOR]);
    char *zValue = import_field(pArena, &t, aiCol[EC_VALUE]);
    char *zNote = import_field(pArena, &t, aiCol[EC_NOTE]);
    int iNode = -1, bBad = 0;
    const ImportUnit *pUnit = NULL;
    ImportCells ec = import_check_cells(&t, &log, &c.units, c.pScheme, zLabel, aiCol[EC_UNIT],
                                        zUnit, aiCol[EC_INDICATOR], zInd, &iNode, &pUnit);
    double r = NAN;
    if (ec == IMPORT_CELLS_BAD) bBad = 1;
    if (zValue[0] && text_parse_double(zValue, &r)) {
      import_problem(&log, &t, t.iLine, aiCol[EC_VALUE], "value \"%s\" is not a number", zValue);
      bBad = 1;
    } else if (ec == IMPORT_CELLS_NA) {
      if (zValue[0]) {
        char *zWhy = import_na_reason(c.pScheme, iNode, pUnit);
        import_problem(&log, &t, t.iLine, aiCol[EC_VALUE], "%s", zWhy);
        free(zWhy);
        bBad = 1;
      } else {
        nIgnored++;
        continue;
      }
    } else if (ec == IMPORT_CELLS_OK) {
      if (!entry_may_write(&c, zUnit, zInd)) {
        int bOwnUnit = c.bOwn && strcmp(zUnit, u->zUnit) == 0;
        import_problem(&log, &t, t.iLine, c.bOwn && !bOwnUnit ? aiCol[EC_UNIT] : aiCol[EC_INDICATOR],
                       "%s", bOwnUnit ? "a provider department enters this indicator, not the unit"
                             : c.bOwn ? "this account enters data for its own unit only"
                                      : "this indicator is not assigned to this account");
        bBad = 1;
        nScope++;
      } else {
        char *zWhy = entry_value_problem(&c.pScheme->aNode[iNode], r);
        if (zWhy) {
          import_problem(&log, &t, t.iLine, aiCol[EC_VALUE], "%s", zWhy);
          free(zWhy);
          bBad = 1;
        }
      }
    }
    const ImportKeySeen *pSeen;
    if (zUnit[0] && zInd[0] && (pSeen = import_keys_add(&keys, zUnit, zInd, &t)) && !bBad) {
      char *zFirst = import_keys_where(pSeen, &t);
      import_problem(&log, &t, t.iLine, aiCol[EC_UNIT],
                     "duplicate row for unit %s, indicator %s (first on %s)", zUnit, zInd, zFirst);
      free(zFirst);
      bBad = 1;
    }
    if (bBad) {
      nBad++;
      continue;
    }
    if (nRow >= nRowAlloc) {
      nRowAlloc = nRowAlloc ? 2 * nRowAlloc : 128;
      aRow = xrealloc_array(aRow, (size_t)nRowAlloc, sizeof *aRow);
    }
    aRow[nRow].zUnit = zUnit;
    aRow[nRow].zInd = zInd;
    aRow[nRow].zNote = zNote[0] ? zNote : NULL;
    aRow[nRow].r = r;
    nRow++;
    nOk++;
  }
  if (nBad) goto bad_rows;
  /* verified cells are locked */
  pCur = db_prepare(pDb, ENTRY_SQL_CURRENT);
  pIns = db_prepare(pDb, ENTRY_SQL_INSERT);
  int64_t iBatch = 0;
  if (import_batch_add(pDb, "values", zFileName, t.zSha256, t.zFormat, nOk, 0, &iBatch)) goto sql;
  char zNow[32];
  db_now(zNow);
  for (int i = 0; i < nRow; i++) {
    Row *p = &aRow[i];
    if (entry_obs_get(pCur, c.per.zCode, p->zUnit, p->zInd, &o)) goto sql;
    if (o.zState && strcmp(o.zState, "verified") == 0) {
      char zMsg[200];
      snprintf(zMsg, sizeof zMsg, "%s: unit %s, indicator %s is verified: the assessor must "
               "return it before it can change", zFileName, p->zUnit, p->zInd);
      import_problem_text(&log, zMsg);
      nBad++;
      continue;
    }
    if (o.iRevision && strcmp(o.zState, "draft") == 0 && entry_same_value(o.rValue, p->r) &&
        entry_same_text(o.zNote, p->zNote)) {
      nSame++;
      continue;
    }
    if (entry_obs_put(pIns, c.per.zCode, p->zUnit, p->zInd, o.iRevision + 1, p->r, p->zNote,
                      entry_provenance(&c, p->zUnit), "draft", iBatch, NULL, u->zName, zNow))
      goto sql;
    nNew++;
    if (json_array_size(aChange) < 500)
      json_array_append_new(aChange, json_pack("{s:s, s:s, s:o, s:o, s:i}", "unit", p->zUnit,
                                               "indicator", p->zInd, "old", entry_num(o.rValue),
                                               "new", entry_num(p->r), "revision", o.iRevision + 1));
  }
  if (nBad) goto bad_rows;
  {
    char *zObj = xasprintf("period:%s", c.per.zCode);
    json_t *d = json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:O}", "file", zFileName, "sha256",
                          t.zSha256, "encoding", t.zFormat, "batch", (json_int_t)iBatch, "rows_ok",
                          nOk, "new", nNew, "unchanged", nSame, "changes", aChange);
    int rcA = audit_record(pDb, u->zName, w->zIp, "entry.upload", zObj, "ok", d);
    json_decref(d);
    free(zObj);
    if (rcA) {
      entry_fail(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing imported");
      goto fail;
    }
  }
  if (db_commit(pDb)) goto sql;
  *ppOut = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:I}", "period", c.per.zCode, "file",
                     zFileName, "format", t.zFormat, "rows", nOk, "new", nNew, "unchanged", nSame,
                     "ignored", nIgnored, "batch", (json_int_t)iBatch);
  char *zNote = import_header_note(&t);
  if (zNote) json_object_set_new(*ppOut, "note", json_string(zNote));
  free(zNote);
  rc = 0;
  goto cleanup;
bad_rows:
  db_rollback(pDb);
  entry_fail(e, KP_E_BAD_ROWS, "file", "%s: %d bad row%s: nothing imported", zFileName, nBad,
             nBad == 1 ? "" : "s");
  e->pExtra = json_pack("{s:o}", "report", entry_report_json(&log, zFileName));
  {
    /* a refused upload is recorded too: what was tried, and how many rows were outside the
    ** account's scope */
    char *zObj = xasprintf("period:%s", zPeriod);
    json_t *d = json_pack("{s:s, s:i, s:i}", "file", zFileName, "bad_rows", nBad, "outside_scope", nScope);
    (void)audit_record(pDb, u->zName, w->zIp, "entry.upload", zObj, nScope ? "denied" : "failed", d);
    json_decref(d);
    free(zObj);
  }
  goto cleanup;
sql:
  entry_fail(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
fail:
  db_rollback(pDb);
  goto cleanup;
denied:
  db_rollback(pDb);
  entry_audit_denied(pDb, w, "entry.denied", zPeriod, e->zMsg);
cleanup:
  if (bOpen) table_close(&t);
  unlink(zTmp);
  free(zTmp);
  free(zErr);
  free(zLabel);
  free(aRow);
  json_decref(aChange);
  entry_obs_clear(&o);
  stmt_finalize(pCur);
  stmt_finalize(pIns);
  import_log_free(&log);
  import_keys_free(&keys);
  arena_free(pArena);
  entry_ctx_free(&c);
  return rc;
}

/* ---- provider assignments ------------------------------------------------------------------ */

int entry_assigned(Db *pDb, const char *zAccount, json_t **ppOut, EntryErr *e) {
  char **az = NULL;
  int n = 0;
  if (entry_load_assigned(pDb, zAccount, &az, &n))
    return entry_fail(e, KP_E_INTERNAL, NULL, "database error");
  json_t *a = json_array();
  for (int i = 0; i < n; i++) {
    json_array_append_new(a, json_string(az[i]));
    free(az[i]);
  }
  free(az);
  *ppOut = json_pack("{s:s, s:o}", "account", zAccount, "indicators", a);
  return 0;
}

static int entry_code_valid(const char *z) {
  size_t n = strlen(z);
  if (n == 0 || n > 32) return 0;
  for (; *z; z++)
    if (!((*z >= 'A' && *z <= 'Z') || (*z >= 'a' && *z <= 'z') || (*z >= '0' && *z <= '9') ||
          *z == '_' || *z == '.' || *z == '-'))
      return 0;
  return 1;
}

int entry_assign(Db *pDb, const EntryWho *w, const char *zAccount, json_t *aInd,
                 json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!json_is_array(aInd) || json_array_size(aInd) > 1000)
    return entry_fail(e, KP_E_INVALID, "indicators", "indicators must be a list of indicator codes");
  size_t i;
  json_t *v;
  json_array_foreach(aInd, i, v) {
    if (!json_is_string(v) || !entry_code_valid(json_string_value(v)))
      return entry_fail(e, KP_E_INVALID, "indicators", "indicators[%zu] is not an indicator code", i);
  }
  if (db_begin(pDb)) return entry_fail(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM users u JOIN user_role r ON r.user_id = u.id "
                            "WHERE u.name = ?1 AND r.role = 'provider'");
  stmt_bind_text(s, 1, zAccount);
  int bProvider = stmt_step(s) == 1;
  stmt_finalize(s);
  if (!bProvider) {
    db_rollback(pDb);
    return entry_fail(e, KP_E_NO_SUCH, "name", "no provider account %s", zAccount);
  }
  json_t *pBefore = NULL;
  if (entry_assigned(pDb, zAccount, &pBefore, e)) {
    db_rollback(pDb);
    return -1;
  }
  s = db_prepare(pDb, "DELETE FROM provider_indicator WHERE account = ?1");
  stmt_bind_text(s, 1, zAccount);
  int bad = stmt_run(s);
  stmt_finalize(s);
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "INSERT OR IGNORE INTO provider_indicator(account, indicator, assigned_at, "
                      "assigned_by) VALUES (?1, ?2, ?3, ?4)");
  json_array_foreach(aInd, i, v) {
    if (bad) break;
    stmt_bind_text(s, 1, zAccount);
    stmt_bind_text(s, 2, json_string_value(v));
    stmt_bind_text(s, 3, zNow);
    stmt_bind_text(s, 4, w->pUser->zName);
    bad = stmt_run(s);
  }
  stmt_finalize(s);
  json_t *pAfter = NULL;
  if (bad || entry_assigned(pDb, zAccount, &pAfter, e)) {
    json_decref(pBefore);
    db_rollback(pDb);
    return entry_fail(e, KP_E_INTERNAL, NULL, "database error");
  }
  char *zObj = xasprintf("user:%s", zAccount);
  json_t *d = json_pack("{s:O, s:O}", "before", json_object_get(pBefore, "indicators"), "after",
                        json_object_get(pAfter, "indicators"));
  int rcA = audit_record(pDb, w->pUser->zName, w->zIp, "provider.assign", zObj, "ok", d);
  json_decref(d);
  free(zObj);
  json_decref(pBefore);
  if (rcA || db_commit(pDb)) {
    json_decref(pAfter);
    db_rollback(pDb);
    return entry_fail(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing changed");
  }
  *ppOut = pAfter;
  return 0;
}

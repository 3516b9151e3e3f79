/*
** contact_task.c: contact-point problems become 督办 tasks (contact_task.h). A leader hears a
** problem on a visit (contact visit --problem); so that it is not forgotten in the visit log
** it becomes a key task with a lead unit and a deadline, followed like any other task; when
** the assigning office confirms the task closed, the problem closes with it.
**
** Invariant: a problem has at most one task (task_ref is set once, only while the problem
** is open and unlinked); the task, the link and the audit record commit together.
*/
#include "contact_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "http/errcode.h"
#include "supervision.h"
#include "util/mem.h"

#define CONTACT_TASK_TITLE_MAX 400 /* sup_task_add's limit on a title, in bytes */

static int contact_task_local(const EntryWho *w) {
  return w && w->pUser && w->pUser->zName && strncmp(w->pUser->zName, "local:", 6) == 0;
}

/* z cut to at most n bytes on a UTF-8 character boundary (malloc'd). */
static char *contact_task_cut(const char *z, size_t n) {
  size_t k = strlen(z);
  if (k <= n) return xstrdup(z);
  k = n;
  while (k > 0 && ((unsigned char)z[k] & 0xC0) == 0x80) k--; /* not inside a character */
  char *r = xmalloc(k + 1);
  memcpy(r, z, k);
  r[k] = 0;
  return r;
}

int contact_problem_task(Db *pDb, const EntryWho *w, int64_t iProblem, json_t *pIn,
                         json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!json_is_object(pIn)) return entry_err_set(e, KP_E_INVALID, NULL, "a JSON object is expected");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT p.state, p.task_ref, p.text, c.leader, pl.name, v.visit_date "
                            "FROM contact_problem p JOIN contact_visit v ON v.id = p.visit_id "
                            "JOIN contact_point c ON c.id = v.point_id "
                            "JOIN place pl ON pl.id = c.place_id WHERE p.id = ?1");
  stmt_bind_int(s, 1, iProblem);
  int bFound = stmt_step(s) == 1;
  char *zState = bFound ? xstrdup(stmt_text(s, 0)) : NULL;
  char *zRef = bFound && !stmt_is_null(s, 1) ? xstrdup(stmt_text(s, 1)) : NULL;
  char *zText = bFound ? xstrdup(stmt_text(s, 2)) : NULL;
  char *zLeader = bFound ? xstrdup(stmt_text(s, 3)) : NULL;
  char *zSource = bFound ? xasprintf("基层联点 %s %s 走访问题 #%lld", stmt_text(s, 4),
                                     stmt_text(s, 5), (long long)iProblem)
                         : NULL;
  stmt_finalize(s);
  const AuthUser *u = w->pUser;
  int rc = 0;
  if (!bFound)
    rc = entry_err_set(e, KP_E_NO_SUCH, "problem", "no problem %lld", (long long)iProblem);
  else if (!contact_task_local(w) && !auth_has(u, CAP_INSPECT) &&
           !(auth_has(u, CAP_COMMENT) && strcmp(zLeader, u->zName) == 0))
    rc = entry_err_set(e, KP_E_SCOPE, "problem", "problem %lld was raised at %s's contact point: "
                       "that leader or the supervision office makes it a task",
                       (long long)iProblem, zLeader);
  else if (strcmp(zState, "open") != 0)
    rc = entry_err_set(e, KP_E_STATE, "problem", "problem %lld is closed", (long long)iProblem);
  else if (zRef)
    rc = entry_err_set(e, KP_E_STATE, "problem", "problem %lld is already %s",
                       (long long)iProblem, zRef);
  json_t *pTask = NULL, *pOut = NULL;
  if (!rc) {
    /* the task's fields: the caller's, the problem's text and origin by default */
    pTask = json_deep_copy(pIn);
    if (!json_object_get(pTask, "title")) {
      char *zTitle = contact_task_cut(zText, CONTACT_TASK_TITLE_MAX);
      json_object_set_new(pTask, "title", json_string(zTitle));
      free(zTitle);
    }
    if (!json_object_get(pTask, "category")) json_object_set_new(pTask, "category", json_string("基层联点"));
    json_object_set_new(pTask, "source", json_string(zSource));
    if (sup_task_add(pDb, w, pTask, &pOut, e)) rc = -1; /* it rolled back its level */
  }
  free(zState);
  free(zRef);
  free(zText);
  free(zLeader);
  free(zSource);
  json_decref(pTask);
  if (rc) {
    db_rollback(pDb);
    return -1;
  }
  json_int_t iTask = json_integer_value(json_object_get(pOut, "id"));
  json_decref(pOut);
  char zRefNew[32], zObj[32];
  snprintf(zRefNew, sizeof zRefNew, "task:%lld", (long long)iTask);
  snprintf(zObj, sizeof zObj, "problem:%lld", (long long)iProblem);
  s = db_prepare(pDb, "UPDATE contact_problem SET task_ref = ?2 WHERE id = ?1 AND state = 'open' "
                      "AND task_ref IS NULL");
  stmt_bind_int(s, 1, iProblem);
  stmt_bind_text(s, 2, zRefNew);
  int bad = stmt_run(s);
  stmt_finalize(s);
  if (bad || db_changes(pDb) != 1 || iTask <= 0) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  }
  json_t *d = json_pack("{s:s}", "task", zRefNew);
  int rcA = audit_record(pDb, u->zName, w->zIp, "contact.problem_task", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
  }
  *ppOut = json_pack("{s:I, s:I, s:s}", "problem", (json_int_t)iProblem, "task", iTask,
                     "task_ref", zRefNew);
  return 0;
}

int contact_task_closed(Db *pDb, int64_t iTask, const char *zActor, const char *zIp,
                        const char *zNow) {
  char zRef[32];
  snprintf(zRef, sizeof zRef, "task:%lld", (long long)iTask);
  Stmt *s = db_prepare(pDb, "SELECT id FROM contact_problem WHERE task_ref = ?1 AND state = 'open'");
  stmt_bind_text(s, 1, zRef);
  int64_t *aId = NULL;
  int n = 0, r;
  /* one problem per task in practice (task_ref is set once per problem) */
  while ((r = stmt_step(s)) == 1) {
    aId = xrealloc_array(aId, (size_t)n + 1, sizeof *aId);
    aId[n++] = stmt_int(s, 0);
  }
  stmt_finalize(s);
  if (r < 0) {
    free(aId);
    return -1;
  }
  char *zNote = xasprintf("督办事项 %s 已办结", zRef);
  int bad = 0;
  for (int i = 0; i < n && !bad; i++) {
    s = db_prepare(pDb, "UPDATE contact_problem SET state = 'closed', closed_at = ?2, "
                        "closed_by = ?3, closing_note = ?4 WHERE id = ?1");
    stmt_bind_int(s, 1, aId[i]);
    stmt_bind_text(s, 2, zNow);
    stmt_bind_text(s, 3, zActor);
    stmt_bind_text(s, 4, zNote);
    bad = stmt_run(s);
    stmt_finalize(s);
    char zObj[32];
    snprintf(zObj, sizeof zObj, "problem:%lld", (long long)aId[i]);
    json_t *d = json_pack("{s:s, s:s}", "note", zNote, "task", zRef);
    bad = bad || audit_record(pDb, zActor, zIp, "contact.problem_close", zObj, "ok", d);
    json_decref(d);
  }
  free(zNote);
  free(aId);
  return bad ? -1 : 0;
}

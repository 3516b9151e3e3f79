/*
** api_evidence.c: HTTP handlers of the evidence store (evidence.h, docs/evidence.md).
**
** Who may see evidence is who may see its object: the object's own show function decides
** (sup_finding_show, sup_task_show; projects by unit as proj_show does), so the scope rules
** live in one place. The kinds and their read and attach rules are one table, aEvKind. A
** refusal is 403 whether the object is missing or out of scope (no existence oracle) and is
** audited as evidence.denied.
**
** Photos of places and honours (kinds place, honour) are managed by whoever manages places
** and honours (unit_manage, the `place` and `honour` verbs' role); the public reads them
** through GET /api/public/photos/{id} without login, always stripped of location metadata,
** and only while the object is public (place_photo_public): anything else is 404 there.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "evidence.h"
#include "http/http.h"
#include "place_store.h"
#include "project_store.h"
#include "store/db.h"
#include "supervision.h"
#include "wish_store.h"

static void ev_who(HttpReq *r, EntryWho *w, EvWho *pWho) {
  w->pUser = &r->user;
  w->zIp = r->zPeer;
  pWho->w = w;
  pWho->bOffice = auth_has(&r->user, CAP_INSPECT);
}

/* The project's unit may be read by the account (proj_show's rule). */
static int ev_project_visible(HttpReq *r, int64_t id) {
  const AuthUser *u = &r->user;
  if (!auth_has(u, CAP_PERIOD_READ) && !auth_has(u, CAP_SCHEME_MANAGE)) return 0;
  Stmt *q = db_prepare(r->pDb, "SELECT unit FROM project WHERE id = ?1");
  stmt_bind_int(q, 1, id);
  int bOk = 0;
  if (stmt_step(q) == 1)
    bOk = (auth_has(u, CAP_PERIOD_READ) && auth_has(u, CAP_ALL_UNITS)) ||
          auth_has(u, CAP_SCHEME_MANAGE) ||
          (u->zUnit && stmt_text(q, 0) && strcmp(u->zUnit, stmt_text(q, 0)) == 0);
  stmt_finalize(q);
  return bOk;
}

/* A contact-point visit: its leader reads and attaches; all_units readers read. */
static int ev_visit_allowed(HttpReq *r, int64_t id, int bWrite) {
  Stmt *q = db_prepare(r->pDb, "SELECT p.leader FROM contact_visit v JOIN contact_point p "
                               "ON p.id = v.point_id WHERE v.id = ?1");
  stmt_bind_int(q, 1, id);
  int bOk = 0;
  if (stmt_step(q) == 1)
    bOk = (stmt_text(q, 0) && strcmp(stmt_text(q, 0), r->user.zName) == 0) ||
          (!bWrite && auth_has(&r->user, CAP_ALL_UNITS));
  stmt_finalize(q);
  return bOk;
}

/* A wish's completion proof is attached by its claimer only. */
static int ev_wish_claimer(HttpReq *r, int64_t id) {
  Stmt *q = db_prepare(r->pDb, "SELECT claimed_by FROM wish WHERE id = ?1");
  stmt_bind_int(q, 1, id);
  int bOk = stmt_step(q) == 1 && stmt_text(q, 0) && strcmp(stmt_text(q, 0), r->user.zName) == 0;
  stmt_finalize(q);
  return bOk;
}

/* finding, task: the object's show function; attaching needs a writer's capability too. */
static int ev_bWriter(HttpReq *r) {
  return auth_has(&r->user, CAP_INSPECT) || auth_has(&r->user, CAP_DATA_OWN_UNIT) ||
         auth_has(&r->user, CAP_DATA_DEPARTMENT);
}
static int ev_finding_allowed(HttpReq *r, int64_t id, int bWrite, EntryErr *e) {
  EntryWho w = {&r->user, r->zPeer};
  json_t *pOut = NULL;
  int bOk = (!bWrite || ev_bWriter(r)) && sup_finding_show(r->pDb, &w, id, &pOut, e) == 0;
  json_decref(pOut);
  return bOk;
}
static int ev_task_allowed(HttpReq *r, int64_t id, int bWrite, EntryErr *e) {
  EntryWho w = {&r->user, r->zPeer};
  json_t *pOut = NULL;
  int bOk = (!bWrite || ev_bWriter(r)) && sup_task_show(r->pDb, &w, id, &pOut, e) == 0;
  json_decref(pOut);
  return bOk;
}
static int ev_project_allowed(HttpReq *r, int64_t id, int bWrite, EntryErr *e) {
  (void)e;
  return (!bWrite || ev_bWriter(r)) && ev_project_visible(r, id);
}
static int ev_wish_allowed(HttpReq *r, int64_t id, int bWrite, EntryErr *e) {
  if (bWrite) return ev_wish_claimer(r, id);
  EntryWho w = {&r->user, r->zPeer};
  json_t *pOut = NULL;
  int bOk = wish_get(r->pDb, &w, id, &pOut, e) == 0;
  json_decref(pOut);
  return bOk;
}
static int ev_visit_allowed_k(HttpReq *r, int64_t id, int bWrite, EntryErr *e) {
  (void)e;
  return ev_visit_allowed(r, id, bWrite);
}
/* place, honour: the managers of places and honours read and attach (signed in); the public
** reads through api_pub_photo. */
static int ev_place_allowed(HttpReq *r, int64_t id, int bWrite, EntryErr *e) {
  (void)bWrite;
  (void)e;
  return auth_has(&r->user, CAP_UNIT_MANAGE) && place_object_exists(r->pDb, "place", id);
}
static int ev_honour_allowed(HttpReq *r, int64_t id, int bWrite, EntryErr *e) {
  (void)bWrite;
  (void)e;
  return auth_has(&r->user, CAP_UNIT_MANAGE) && place_object_exists(r->pDb, "honour", id);
}

/* THE kinds of evidence and who may read (bWrite 0) or attach (1); docs/evidence.md. */
static const struct EvKind {
  const char *zKind;
  int (*xAllowed)(HttpReq *r, int64_t id, int bWrite, EntryErr *e);
} aEvKind[] = {
  {"finding", ev_finding_allowed},   /* readers per sup_finding_show; writers attach */
  {"task", ev_task_allowed},         /* readers per sup_task_show; writers attach */
  {"project", ev_project_allowed},   /* all-units readers and the project's unit */
  {"wish", ev_wish_allowed},         /* readers per wish_get; the claimer attaches */
  {"visit", ev_visit_allowed_k},     /* the point's leader; all-units readers read */
  {"place", ev_place_allowed},       /* unit_manage (the `place` verbs' role) */
  {"honour", ev_honour_allowed},     /* unit_manage (the `honour` verbs' role) */
};

/* Checks ?kind and ?id and that the account may see the object (and, bWrite, attach to it)
** by the kind's row of aEvKind. 0, or -1 after a response. */
static int ev_object(HttpReq *r, const char *zKind, const char *zId, int64_t *pid,
                     const char *zWhat, int bWrite) {
  size_t n = zId ? strlen(zId) : 0;
  const struct EvKind *pK = NULL;
  for (size_t i = 0; zKind && i < sizeof aEvKind / sizeof aEvKind[0]; i++)
    if (strcmp(zKind, aEvKind[i].zKind) == 0) pK = &aEvKind[i];
  if (!pK)
    return http_fail(r, KP_E_INVALID, "kind", "kind must be finding, task, project, wish, visit, "
                     "place or honour");
  if (n == 0 || n > 15 || strspn(zId, "0123456789") != n || (*pid = strtoll(zId, NULL, 10)) < 1)
    return http_fail(r, KP_E_INVALID, "id", "id must be a number");
  EntryErr e;
  memset(&e, 0, sizeof e);
  int bOk = pK->xAllowed(r, *pid, bWrite, &e);
  int iCode = e.iCode;
  entry_err_free(&e);
  if (bOk) return 0;
  if (iCode == KP_E_INTERNAL) return http_fail(r, KP_E_INTERNAL, NULL, "internal error");
  char zObj[48];
  snprintf(zObj, sizeof zObj, "%s:%lld", zKind, (long long)*pid);
  json_t *d = json_pack("{s:s, s:s}", "why", "object not in the account's scope", "action", zWhat);
  (void)audit_record(r->pDb, r->user.zName, r->zPeer, "evidence.denied", zObj, "denied", d);
  json_decref(d);
  return http_fail(r, KP_E_SCOPE, NULL, "no %s %lld in this account's scope", zKind,
                   (long long)*pid);
}

static int ev_result(HttpReq *r, EntryErr *e) {
  if (e->iCode == KP_E_INTERNAL) fprintf(stderr, "kaoping serve: rid=%s: %s\n", r->zRid, e->zMsg);
  http_fail(r, e->iCode ? e->iCode : KP_E_INTERNAL, e->zField[0] ? e->zField : NULL, "%s",
            e->iCode == KP_E_INTERNAL ? "internal error" : e->zMsg);
  entry_err_free(e);
  return -1;
}

int api_evidence_upload(HttpReq *r) {
  int64_t id = 0;
  if (ev_object(r, http_query(r, "kind"), http_query(r, "id"), &id, "attach", 1)) return -1;
  const char *zName = http_query(r, "name");
  if (zName && strlen(zName) > 255)
    return http_fail(r, KP_E_INVALID, "name", "name is at most 255 bytes");
  EvSpool local, *s = r->pSpool;
  if (!s) {
    /* kaoping http: the body is in memory; spool it the same way */
    char *zErr = NULL;
    char *zDir = ev_files_dir(db_path(r->pDb));
    int rc = ev_spool_open(&local, zDir, &zErr);
    free(zDir);
    if (rc) {
      fprintf(stderr, "kaoping: %s\n", zErr);
      free(zErr);
      return http_fail(r, KP_E_INTERNAL, NULL, "internal error");
    }
    s = &local;
    if (r->nBody && ev_spool_write(s, r->zBody, r->nBody)) {
      ev_spool_discard(s);
      return http_fail(r, KP_E_INTERNAL, NULL, "internal error");
    }
  }
  EntryWho w;
  EvWho who;
  ev_who(r, &w, &who);
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *pOut = NULL;
  uint64_t nMax = (uint64_t)auth_setting(r->pDb, "upload_max_mb") << 20;
  if (ev_ingest(r->pDb, &who, s, http_query(r, "kind"), id, zName, nMax, &pOut, &e))
    return ev_result(r, &e);
  http_json(r, 201, pOut);
  return 0;
}

int api_evidence_list(HttpReq *r) {
  int64_t id = 0;
  const char *zKind = http_query(r, "kind");
  if (ev_object(r, zKind, http_query(r, "id"), &id, "list", 0)) return -1;
  http_json(r, 200, json_pack("{s:s, s:I, s:o}", "kind", zKind, "id", (json_int_t)id, "evidence",
                              ev_list(r->pDb, zKind, id, auth_has(&r->user, CAP_INSPECT))));
  /* no audit of reads: the object's own show function audited any refusal above */
  return 0;
}

int api_evidence_get(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  json_t *pRow = ev_row(r->pDb, id, 0);
  if (!pRow) return http_fail(r, KP_E_NOT_FOUND, NULL, "no evidence %lld", (long long)id);
  char zObj[24];
  snprintf(zObj, sizeof zObj, "%lld", (long long)json_integer_value(json_object_get(pRow, "object")));
  const char *zKind = arena_strdup(r->pArena, json_string_value(json_object_get(pRow, "kind")));
  json_decref(pRow);
  int64_t idObj;
  if (ev_object(r, zKind, zObj, &idObj, "read", 0)) return -1;
  EntryWho w;
  EvWho who;
  ev_who(r, &w, &who);
  EntryErr e;
  memset(&e, 0, sizeof e);
  int fd = -1;
  uint64_t nSize = 0;
  int eType = EV_NONE;
  if (ev_open(r->pDb, &who, id, &fd, &nSize, &eType, &e)) return ev_result(r, &e);
  /* streamed from disk by the server: memory does not grow with the file */
  http_body_fd(r, fd, nSize);
  r->iStatus = 200;
  r->zContentType = ev_type_mime(eType);
  /* the name is ours (id and type), never the uploaded one: nothing to escape */
  char zDisp[96];
  snprintf(zDisp, sizeof zDisp, "%s; filename=\"evidence-%lld.%s\"",
           http_query(r, "download") ? "attachment" : "inline", (long long)id, ev_type_ext(eType));
  http_add_header(r, "Content-Disposition", zDisp);
  http_add_header(r, "X-Location-Stripped", who.bOffice ? "no" : "yes");
  r->zCacheControl = "private, no-store";
  return 0;
}

/* GET /api/public/photos/{id}: a photo of a public place or honour, for anyone. Always the
** stripped copy (ev_open as a reader outside the office); 404 alike for a missing id, another
** kind, an unpublished or contact place and a video or PDF, so that nothing about non-public
** objects can be learnt here. */
int api_pub_photo(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  if (!place_photo_public(r->pDb, id))
    return http_fail(r, KP_E_NOT_FOUND, NULL, "no public photo %lld", (long long)id);
  AuthUser anon;
  memset(&anon, 0, sizeof anon);
  anon.zName = "-";
  EntryWho w = {&anon, r->zPeer};
  EvWho who = {&w, 0};
  EntryErr e;
  memset(&e, 0, sizeof e);
  int fd = -1;
  uint64_t nSize = 0;
  int eType = EV_NONE;
  if (ev_open(r->pDb, &who, id, &fd, &nSize, &eType, &e)) return ev_result(r, &e);
  http_body_fd(r, fd, nSize); /* the cached stripped copy, streamed from disk */
  r->iStatus = 200;
  r->zContentType = ev_type_mime(eType);
  char zDisp[96];
  snprintf(zDisp, sizeof zDisp, "inline; filename=\"photo-%lld.%s\"", (long long)id, ev_type_ext(eType));
  http_add_header(r, "Content-Disposition", zDisp);
  http_add_header(r, "X-Location-Stripped", "yes");
  /* revalidate every time: an unpublished object's photo must disappear at once */
  r->zCacheControl = "public, no-cache";
  return 0;
}

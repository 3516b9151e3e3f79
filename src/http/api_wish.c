/*
** api_wish.c: the handlers of 我为群众办实事 (rows of router.c's table; docs/api.md): the
** public micro-wish form, board and tracking page, the red-heritage map and honours (no
** login), and, for signed-in accounts, the party members' wish work, the wish figures and
** their feed into indicators, party membership, leaders' contact points, and the
** management of places and honours (list with paging and filters, create, edit, delete).
**
** Fixed prologue as everywhere (STYLE.md R3): declared fields only -> the router checked the
** row's capability -> the domain module (wish_store.c, place_store.c) checks scope again and
** does the work -> JSON. Public routes never return a contact other than its masked form,
** never an account name of a citizen, and mask digit runs in free text (wish.h).
**
** Flooding: POST /api/public/wishes and POST /api/public/wishes/track take a token from the
** client address's bucket first (wish_throttle: 429 + Retry-After when empty), before any
** parsing, so a flood costs the server almost nothing. The address is the socket peer
** (server.c): X-Forwarded-For is not trusted.
**
** Not here: the rules (wish.c, place.c), storage (wish_store.c, place_store.c).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "place_store.h"
#include "store/db.h"
#include "wish_store.h"

static void api_wish_who(HttpReq *r, EntryWho *w, EntryErr *e) {
  w->pUser = &r->user;
  w->zIp = r->zPeer;
  memset(e, 0, sizeof *e);
}

/* Renders a domain result (as api_entry.c does). */
static int api_wish_result(HttpReq *r, int rc, json_t *pOut, EntryErr *e, int iOkStatus) {
  if (rc) {
    if (e->iCode == KP_E_INTERNAL) fprintf(stderr, "kaoping serve: rid=%s: %s\n", r->zRid, e->zMsg);
    json_t *pRetry = e->pExtra ? json_object_get(e->pExtra, "retry_after") : NULL;
    if (json_is_integer(pRetry)) {
      char z[24];
      snprintf(z, sizeof z, "%lld", (long long)json_integer_value(pRetry));
      http_add_header(r, "Retry-After", z);
    }
    http_fail_extra(r, e->iCode ? e->iCode : KP_E_INTERNAL, e->zField, e->pExtra, "%s",
                    e->iCode == KP_E_INTERNAL ? "internal error" : e->zMsg);
    entry_err_free(e);
    return -1;
  }
  http_json(r, iOkStatus, pOut);
  return 0;
}

/* A positive integer path parameter or query value; -1 when malformed. */
static int64_t api_wish_id(const char *z) {
  if (!z || !*z || strlen(z) > 15) return -1;
  for (const char *p = z; *p; p++)
    if (*p < '0' || *p > '9') return -1;
  return atoll(z);
}

/* Takes a token of the address's bucket for zWhat; 0 or -1 after a 429. */
static int api_wish_throttle(HttpReq *r, const char *zWhat) {
  char zKey[96];
  snprintf(zKey, sizeof zKey, "%s|%s", zWhat, r->zPeer ? r->zPeer : "-");
  int nWait = wish_throttle(r->pDb, zKey);
  if (!nWait) return 0;
  char z[24];
  snprintf(z, sizeof z, "%d", nWait);
  http_add_header(r, "Retry-After", z);
  fprintf(stderr, "kaoping serve: rid=%s: %s throttled for %s\n", r->zRid, zWhat,
          r->zPeer ? r->zPeer : "-");
  return http_fail(r, KP_E_THROTTLED, NULL, "too many requests from this address: try again in %d s", nWait);
}

/* ---- public: micro-wishes ------------------------------------------------------------------- */

int api_pub_wish_form(HttpReq *r) {
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  int rc = wish_form(r->pDb, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_pub_wish_submit(HttpReq *r) {
  if (api_wish_throttle(r, "wish.submit")) return -1;
  static const char *const azField[] = {"category", "unit", "place", "text", "contact",
                                        "form_token", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  WishInput in;
  memset(&in, 0, sizeof in);
  in.zCategory = http_json_str(r, o, "category", 32, 0);
  if (!r->iStatus) in.zUnit = http_json_str(r, o, "unit", 16, 0);
  if (!r->iStatus) in.zPlace = http_json_str(r, o, "place", WISH_PLACE_MAX, 0);
  if (!r->iStatus) in.zText = http_json_str(r, o, "text", WISH_TEXT_MAX, 0);
  if (!r->iStatus) in.zContact = http_json_str(r, o, "contact", 32, 0);
  if (!r->iStatus) in.zFormToken = http_json_str(r, o, "form_token", 128, 0);
  json_decref(o);
  if (r->iStatus) return -1;
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *pOut = NULL;
  int rc = wish_submit(r->pDb, NULL, r->zPeer, &in, &pOut, &e);
  return api_wish_result(r, rc, pOut, &e, 201);
}

int api_pub_wishes(HttpReq *r) {
  const char *zPage = http_query(r, "page");
  int64_t iPage = zPage ? api_wish_id(zPage) : 1;
  if (iPage < 1) return http_fail(r, KP_E_INVALID, "page", "page must be a positive number");
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  int rc = wish_list(r->pDb, NULL, http_query(r, "unit"), http_query(r, "state"),
                     http_query(r, "category"), (int)iPage, 20, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_pub_wish_track(HttpReq *r) {
  if (api_wish_throttle(r, "wish.track")) return -1;
  static const char *const azField[] = {"code", "event", "rating", "note", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zCode = http_json_str(r, o, "code", 64, 1);
  const char *zEvent = !r->iStatus ? http_json_str(r, o, "event", 16, 0) : NULL;
  const char *zNote = !r->iStatus ? http_json_str(r, o, "note", WISH_NOTE_MAX, 0) : NULL;
  json_t *pRating = json_object_get(o, "rating");
  int iRating = 0;
  if (!r->iStatus && pRating && !json_is_null(pRating)) {
    if (!json_is_integer(pRating)) http_fail(r, KP_E_INVALID, "rating", "rating must be a whole number 1 to 5");
    else iRating = (int)json_integer_value(pRating);
  }
  json_decref(o);
  if (r->iStatus) return -1;
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *pOut = NULL;
  int rc = wish_track(r->pDb, r->zPeer, zCode, zEvent, iRating, zNote, &pOut, &e);
  return api_wish_result(r, rc, pOut, &e, 200);
}

/* ---- public: map and honours ------------------------------------------------------------------ */

int api_pub_places(HttpReq *r) {
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  int rc = place_list(r->pDb, http_query(r, "kind"), 1, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

/* ?ids=3,1,4: the places of a route in order */
static int api_route(HttpReq *r, int bPublic) {
  const char *zIds = http_query(r, "ids");
  if (!zIds || !*zIds) return http_fail(r, KP_E_MISSING, "ids", "ids is required: ids=3,1,4 (in route order)");
  int64_t aId[50];
  int n = 0;
  const char *p = zIds;
  while (*p) {
    size_t k = strcspn(p, ",");
    char z[20];
    if (k == 0 || k >= sizeof z || n >= 50)
      return http_fail(r, KP_E_INVALID, "ids", "ids must be 2 to 50 place ids separated by commas");
    memcpy(z, p, k);
    z[k] = 0;
    if ((aId[n++] = api_wish_id(z)) < 1)
      return http_fail(r, KP_E_INVALID, "ids", "ids must be place ids (numbers) separated by commas");
    p += k;
    if (*p == ',') p++;
  }
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  int rc = place_route(r->pDb, aId, n, bPublic, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_pub_route(HttpReq *r) {
  return api_route(r, 1);
}

int api_pub_honours(HttpReq *r) {
  const char *zYear = http_query(r, "year");
  int64_t iYear = zYear ? api_wish_id(zYear) : 0;
  if (iYear < 0) return http_fail(r, KP_E_INVALID, "year", "year must be a number");
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  int rc = honour_list(r->pDb, (int)iYear, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

/* ---- signed in: wishes ----------------------------------------------------------------------- */

int api_wishes(HttpReq *r) {
  const char *zPage = http_query(r, "page");
  int64_t iPage = zPage ? api_wish_id(zPage) : 1;
  if (iPage < 1) return http_fail(r, KP_E_INVALID, "page", "page must be a positive number");
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = wish_list(r->pDb, &w, http_query(r, "unit"), http_query(r, "state"),
                     http_query(r, "category"), (int)iPage, 20, &o, &e);
  if (!rc) json_object_set_new(o, "party_member", json_boolean(wish_is_party(r->pDb, r->user.zName)));
  return api_wish_result(r, rc, o, &e, 200);
}

int api_wish_get(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = wish_get(r->pDb, &w, id, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

/* POST /api/wishes/{id}/EVENT: the event is the last segment of the row's pattern */
int api_wish_act(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  const char *zEvent = strrchr(r->pRoute->zPattern, '/') + 1;
  const char *zNote = NULL;
  if (r->nBody) {
    static const char *const azField[] = {"note", NULL};
    json_t *o = http_json_body(r, azField);
    if (!o) return -1;
    zNote = http_json_str(r, o, "note", WISH_NOTE_MAX, 0);
    json_decref(o);
    if (r->iStatus) return -1;
  }
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = wish_act(r->pDb, &w, id, zEvent, zNote, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_wish_stats(HttpReq *r) {
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  const char *zPeriod = http_query(r, "period");
  if (!zPeriod) return http_fail(r, KP_E_MISSING, "period", "period is required (?period=2021-B4)");
  int rc = wish_stats(r->pDb, zPeriod, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_wish_feed(HttpReq *r) {
  static const char *const azField[] = {"period", "claim7", "completed", "satisfied", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zPeriod = http_json_str(r, o, "period", 16, 1);
  /* absent = the default mapping; null = not written */
  const char *azInd[3] = {WISH_FEED_CLAIM7, NULL, WISH_FEED_SATISFIED};
  const char *azKey[3] = {"claim7", "completed", "satisfied"};
  for (int k = 0; k < 3 && !r->iStatus; k++) {
    json_t *v = json_object_get(o, azKey[k]);
    if (v) azInd[k] = json_is_null(v) ? NULL : http_json_str(r, o, azKey[k], 32, 0);
  }
  json_decref(o);
  if (r->iStatus) return -1;
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = wish_feed(r->pDb, &w, zPeriod, azInd[0], azInd[1], azInd[2], &pOut, &e);
  return api_wish_result(r, rc, pOut, &e, 200);
}

int api_user_party(HttpReq *r) {
  static const char *const azField[] = {"party_member", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  json_t *v = json_object_get(o, "party_member");
  if (!json_is_boolean(v)) {
    json_decref(o);
    return http_fail(r, KP_E_INVALID, "party_member", "party_member must be true or false");
  }
  int bOn = json_is_true(v);
  json_decref(o);
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = wish_party_set(r->pDb, &w, http_arg(r, "name"), bOn, &pOut, &e);
  return api_wish_result(r, rc, pOut, &e, 200);
}

/* ---- signed in: places and contact points ------------------------------------------------------ */

/* ---- signed in: places and honours (the management pages; place_store.c) -------------------- */

/* ?page= and ?page_size= (1..200, default 20). 0, or -1 after a response. */
static int api_paging(HttpReq *r, int *piPage, int *pnSize) {
  const char *zPage = http_query(r, "page"), *zSize = http_query(r, "page_size");
  int64_t iPage = zPage ? api_wish_id(zPage) : 1, nSize = zSize ? api_wish_id(zSize) : 20;
  if (iPage < 1 || iPage > 1000000) return http_fail(r, KP_E_INVALID, "page", "page must be a positive number");
  if (nSize < 1 || nSize > 200) return http_fail(r, KP_E_INVALID, "page_size", "page_size must be 1 to 200");
  *piPage = (int)iPage;
  *pnSize = (int)nSize;
  return 0;
}

int api_places(HttpReq *r) {
  PlaceQuery q = {http_query(r, "kind"), http_query(r, "unit"), http_query(r, "q"), 1, 20};
  if (api_paging(r, &q.iPage, &q.nPageSize)) return -1;
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = place_search(r->pDb, &w, &q, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

/* An optional number field: NaN when absent or null; -1 after a response when not a number. */
static int api_json_num(HttpReq *r, json_t *o, const char *zKey, double *pr) {
  json_t *v = json_object_get(o, zKey);
  *pr = NAN;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_number(v)) return http_fail(r, KP_E_INVALID, zKey, "%s must be a number (degrees)", zKey);
  *pr = json_number_value(v);
  return 0;
}

/* An optional boolean field (default bDefault); -1 after a response when not a boolean. */
static int api_json_bool(HttpReq *r, json_t *o, const char *zKey, int bDefault, int *pb) {
  json_t *v = json_object_get(o, zKey);
  *pb = bDefault;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_boolean(v)) return http_fail(r, KP_E_INVALID, zKey, "%s must be true or false", zKey);
  *pb = json_is_true(v);
  return 0;
}

/* The body of a place create or edit into *pIn (strings in the request's arena). 0 or -1. */
static int api_place_input(HttpReq *r, PlaceInput *pIn) {
  static const char *const azField[] = {"name", "kind", "unit", "lon", "lat", "datum", "approximate",
                                        "address", "description", "source", "published", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  memset(pIn, 0, sizeof *pIn);
  int bPublished = 1;
  pIn->zName = http_json_str(r, o, "name", 200, 1);
  if (!r->iStatus) pIn->zKind = http_json_str(r, o, "kind", 16, 1);
  if (!r->iStatus) pIn->zUnit = http_json_str(r, o, "unit", 32, 0);
  if (!r->iStatus) pIn->zDatum = http_json_str(r, o, "datum", 16, 0);
  if (!r->iStatus) pIn->zAddress = http_json_str(r, o, "address", 500, 0);
  if (!r->iStatus) pIn->zDescription = http_json_str(r, o, "description", 4000, 0);
  if (!r->iStatus) pIn->zSource = http_json_str(r, o, "source", 1000, 0);
  if (!r->iStatus) api_json_num(r, o, "lon", &pIn->rLon);
  if (!r->iStatus) api_json_num(r, o, "lat", &pIn->rLat);
  if (!r->iStatus) api_json_bool(r, o, "approximate", 0, &pIn->bApproximate);
  if (!r->iStatus) api_json_bool(r, o, "published", 1, &bPublished);
  pIn->bUnpublished = !bPublished;
  json_decref(o);
  return r->iStatus ? -1 : 0;
}

int api_place_create(HttpReq *r) {
  PlaceInput in;
  if (api_place_input(r, &in)) return -1;
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = place_create(r->pDb, &w, &in, &o, &e);
  return api_wish_result(r, rc, o, &e, 201);
}

int api_place_update(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  PlaceInput in;
  if (api_place_input(r, &in)) return -1;
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = place_update(r->pDb, &w, id, &in, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_place_delete(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = place_delete(r->pDb, &w, id, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_honours(HttpReq *r) {
  const char *zYear = http_query(r, "year");
  int64_t iYear = zYear ? api_wish_id(zYear) : 0;
  if (iYear < 0 || iYear > 9999) return http_fail(r, KP_E_INVALID, "year", "year must be a number");
  HonourQuery q = {http_query(r, "kind"), http_query(r, "unit"), http_query(r, "q"), (int)iYear, 1, 20};
  if (api_paging(r, &q.iPage, &q.nPageSize)) return -1;
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = honour_search(r->pDb, &w, &q, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

/* The body of an honour create or edit into *pIn. 0 or -1. */
static int api_honour_input(HttpReq *r, HonourInput *pIn) {
  static const char *const azField[] = {"award", "year", "recipient", "recipient_kind", "unit",
                                        "citation", "published", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  memset(pIn, 0, sizeof *pIn);
  int bPublished = 1;
  pIn->zAward = http_json_str(r, o, "award", 200, 1);
  if (!r->iStatus) pIn->zRecipient = http_json_str(r, o, "recipient", 200, 1);
  if (!r->iStatus) pIn->zKind = http_json_str(r, o, "recipient_kind", 16, 1);
  if (!r->iStatus) pIn->zUnit = http_json_str(r, o, "unit", 32, 0);
  if (!r->iStatus) pIn->zCitation = http_json_str(r, o, "citation", 4000, 1);
  if (!r->iStatus) {
    json_t *v = json_object_get(o, "year");
    if (!v || json_is_null(v)) http_fail(r, KP_E_MISSING, "year", "year is required");
    else if (!json_is_integer(v)) http_fail(r, KP_E_INVALID, "year", "year must be a whole number");
    else pIn->iYear = json_integer_value(v) < 0 || json_integer_value(v) > 9999 ? 0 : (int)json_integer_value(v);
  }
  if (!r->iStatus) api_json_bool(r, o, "published", 1, &bPublished);
  pIn->bUnpublished = !bPublished;
  json_decref(o);
  return r->iStatus ? -1 : 0;
}

int api_honour_create(HttpReq *r) {
  HonourInput in;
  if (api_honour_input(r, &in)) return -1;
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = honour_add(r->pDb, &w, &in, &o, &e);
  return api_wish_result(r, rc, o, &e, 201);
}

int api_honour_update(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  HonourInput in;
  if (api_honour_input(r, &in)) return -1;
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = honour_update(r->pDb, &w, id, &in, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_honour_delete(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = honour_delete(r->pDb, &w, id, &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_contacts(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *o = NULL;
  int rc = contact_list(r->pDb, &w, http_query(r, "leader"), &o, &e);
  return api_wish_result(r, rc, o, &e, 200);
}

int api_contact_visit(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  static const char *const azField[] = {"date", "notes", "problems", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zDate = http_json_str(r, o, "date", 10, 1);
  const char *zNotes = !r->iStatus ? http_json_str(r, o, "notes", 4000, 1) : NULL;
  json_t *aProb = json_incref(json_object_get(o, "problems"));
  json_decref(o);
  if (r->iStatus) {
    json_decref(aProb);
    return -1;
  }
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = contact_visit(r->pDb, &w, id, zDate, zNotes, aProb, &pOut, &e);
  json_decref(aProb);
  return api_wish_result(r, rc, pOut, &e, 201);
}

int api_contact_problem_close(HttpReq *r) {
  int64_t id = http_arg_id(r, "id");
  static const char *const azField[] = {"note", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zNote = http_json_str(r, o, "note", 2000, 1);
  json_decref(o);
  if (r->iStatus) return -1;
  EntryWho w;
  EntryErr e;
  api_wish_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = contact_problem_close(r->pDb, &w, id, zNote, &pOut, &e);
  return api_wish_result(r, rc, pOut, &e, 200);
}

/*
** place_store.c: places, contact points (基层联点) with visits and problems, and honours in
** the database (place_store.h says who may do what and what each function promises).
** Every change writes its audit record in the same transaction: place.put, place.import,
** place.create, place.update, place.delete, contact.assign, contact.visit,
** contact.problem_close, honour.add, honour.update, honour.delete.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "http/errcode.h"
#include "place.h"
#include "place_store.h"
#include "store/db.h"
#include "util/mem.h"
#include "util/table.h"
#include "util/text.h"

static const char *place_actor(const EntryWho *w) {
  return w && w->pUser && w->pUser->zName ? w->pUser->zName : "-";
}

static int place_is_local(const EntryWho *w) {
  return w && w->pUser && w->pUser->zName && strncmp(w->pUser->zName, "local:", 6) == 0;
}

static int place_audit_fail(Db *pDb, EntryErr *e) {
  db_rollback(pDb);
  return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: nothing saved");
}

static json_t *place_str(const char *z) {
  return z ? json_string(z) : json_null();
}

/* A free-text field: valid UTF-8, no control characters but newline/tab, at most nMax. */
static int place_text_ok(const char *z, const char *zField, size_t nMax, int bRequired, EntryErr *e) {
  if (!z || !*z) return bRequired ? entry_err_set(e, KP_E_MISSING, zField, "%s is required", zField) : 0;
  size_t n = strlen(z);
  if (n > nMax) return entry_err_set(e, KP_E_INVALID, zField, "%s is longer than %zu bytes", zField, nMax);
  if (text_utf8_invalid_at(z, n) != n)
    return entry_err_set(e, KP_E_INVALID, zField, "%s is not valid UTF-8", zField);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
      return entry_err_set(e, KP_E_INVALID, zField, "%s contains a control character", zField);
  }
  return 0;
}

static int place_unit_ok(Db *pDb, const char *zUnit) {
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM unit WHERE code = ?1");
  stmt_bind_text(s, 1, zUnit);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

/* ---- places ---------------------------------------------------------------------------------- */

#define PLACE_COLS                                                                            \
  "p.id, p.name, p.kind, p.unit, (SELECT name FROM unit WHERE code = p.unit), p.lon, p.lat, " \
  "p.datum, p.approximate, p.address, p.description, p.source, p.published"

/* The photos of an object: ids of its image evidence, oldest first (videos and PDFs are
** not photos: they would not be stripped of location data for the public). */
static json_t *place_photos(Db *pDb, const char *zKind, int64_t iId) {
  Stmt *s = db_prepare(pDb, "SELECT e.id FROM evidence e JOIN evidence_blob b ON b.sha256 = e.sha256 "
                            "WHERE e.kind = ?1 AND e.object = ?2 AND b.type IN ('jpeg','png','webp') "
                            "ORDER BY e.id");
  stmt_bind_text(s, 1, zKind);
  stmt_bind_int(s, 2, iId);
  json_t *a = json_array();
  while (stmt_step(s) == 1) json_array_append_new(a, json_integer(stmt_int(s, 0)));
  stmt_finalize(s);
  return a;
}

/* A LIKE pattern matching zText anywhere, with % _ and \ escaped (ESCAPE '\'). */
static char *place_like(const char *zText) {
  if (!zText || !*zText) return NULL;
  Buf b = BUF_INIT;
  buf_putc(&b, '%');
  for (const char *p = zText; *p; p++) {
    if (*p == '%' || *p == '_' || *p == '\\') buf_putc(&b, '\\');
    buf_putc(&b, *p);
  }
  buf_putc(&b, '%');
  return buf_detach(&b);
}

static json_t *place_row_json(Stmt *s) {
  json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:b, s:o, s:o, s:o}",
                        "id", (json_int_t)stmt_int(s, 0), "name", stmt_text(s, 1),
                        "kind", stmt_text(s, 2), "unit", place_str(stmt_text(s, 3)),
                        "unit_name", place_str(stmt_text(s, 4)),
                        "lon", stmt_is_null(s, 5) ? json_null() : json_real(stmt_double(s, 5)),
                        "lat", stmt_is_null(s, 6) ? json_null() : json_real(stmt_double(s, 6)),
                        "datum", stmt_text(s, 7), "approximate", (int)stmt_int(s, 8),
                        "address", place_str(stmt_text(s, 9)),
                        "description", place_str(stmt_text(s, 10)),
                        "source", place_str(stmt_text(s, 11)));
  json_object_set_new(o, "published", json_boolean(stmt_int(s, 12) != 0));
  return o;
}

/* The id of the place named zName, or 0. */
static int64_t place_id_by_name(Db *pDb, const char *zName) {
  Stmt *s = db_prepare(pDb, "SELECT id FROM place WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  int64_t id = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  return id;
}

/* How place_put_one stores: by name (insert or update, the published flag kept), a new
** place only, or place iId replaced. */
enum { PLACE_UPSERT, PLACE_NEW, PLACE_REPLACE };

/* Validates and stores one place inside the caller's transaction. 0 or -1 (e set). */
static int place_put_one(Db *pDb, const EntryWho *w, const PlaceInput *pIn, int eMode,
                         int64_t iId, int64_t *piId, EntryErr *e) {
  if (place_text_ok(pIn->zName, "name", 200, 1, e)) return -1;
  if (!place_kind_valid(pIn->zKind))
    return entry_err_set(e, KP_E_INVALID, "kind", "kind must be red (红色遗址), youth (青少年教育基地) "
                         "or contact (基层联点)");
  const char *zDatum = pIn->zDatum ? pIn->zDatum : "GCJ-02";
  if (!place_datum_valid(zDatum))
    return entry_err_set(e, KP_E_INVALID, "datum", "datum must be GCJ-02, WGS-84, BD-09, unknown or address");
  if (pIn->zUnit && *pIn->zUnit && !place_unit_ok(pDb, pIn->zUnit))
    return entry_err_set(e, KP_E_INVALID, "unit", "no unit %s", pIn->zUnit);
  if (place_text_ok(pIn->zAddress, "address", 500, 0, e) ||
      place_text_ok(pIn->zDescription, "description", 4000, 0, e) ||
      place_text_ok(pIn->zSource, "source", 1000, 0, e))
    return -1;
  double rLon = NAN, rLat = NAN;
  if (!isnan(pIn->rLon) || !isnan(pIn->rLat)) {
    if (isnan(pIn->rLon) || isnan(pIn->rLat))
      return entry_err_set(e, KP_E_INVALID, "lon", "give both lon and lat, or neither");
    place_to_gcj02(zDatum, pIn->rLon, pIn->rLat, &rLon, &rLat);
    if (!place_in_hengyang(rLon, rLat))
      return entry_err_set(e, KP_E_INVALID, "lat", "(%g E, %g N) is not in Hengyang "
                           "(111.54-113.28 E, 26.10-27.47 N): latitude and longitude swapped?",
                           pIn->rLon, pIn->rLat);
  }
  int bApprox = pIn->bApproximate || strcmp(zDatum, "unknown") == 0 || strcmp(zDatum, "address") == 0;
  int64_t idSame = eMode == PLACE_UPSERT ? 0 : place_id_by_name(pDb, pIn->zName);
  if (eMode == PLACE_NEW && idSame)
    return entry_err_set(e, KP_E_EXISTS, "name", "a place named %s exists (#%lld)", pIn->zName,
                         (long long)idSame);
  if (eMode == PLACE_REPLACE) {
    Stmt *q = db_prepare(pDb, "SELECT 1 FROM place WHERE id = ?1");
    stmt_bind_int(q, 1, iId);
    int bFound = stmt_step(q) == 1;
    stmt_finalize(q);
    if (!bFound) return entry_err_set(e, KP_E_NO_SUCH, "id", "no place %lld", (long long)iId);
    if (idSame && idSame != iId)
      return entry_err_set(e, KP_E_EXISTS, "name", "another place is named %s (#%lld)", pIn->zName,
                           (long long)idSame);
  }
  char zNow[32];
  db_now(zNow);
  Stmt *s = eMode == PLACE_REPLACE
      ? db_prepare(pDb, "UPDATE place SET name = ?1, kind = ?2, unit = ?3, lon = ?4, lat = ?5, "
                        "datum = ?6, approximate = ?7, address = ?8, description = ?9, source = ?10, "
                        "published = ?13 WHERE id = ?14")
      : db_prepare(pDb,
      "INSERT INTO place(name, kind, unit, lon, lat, datum, approximate, address, description, "
      "source, created_at, created_by, published) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
      "?11, ?12, ?13) "
      "ON CONFLICT(name) DO UPDATE SET kind = ?2, unit = ?3, lon = ?4, lat = ?5, datum = ?6, "
      "approximate = ?7, address = ?8, description = ?9, source = ?10");
  stmt_bind_text(s, 1, pIn->zName);
  stmt_bind_text(s, 2, pIn->zKind);
  stmt_bind_text(s, 3, pIn->zUnit && *pIn->zUnit ? pIn->zUnit : NULL);
  stmt_bind_double(s, 4, rLon);
  stmt_bind_double(s, 5, rLat);
  stmt_bind_text(s, 6, zDatum);
  stmt_bind_int(s, 7, bApprox);
  stmt_bind_text(s, 8, pIn->zAddress && *pIn->zAddress ? pIn->zAddress : NULL);
  stmt_bind_text(s, 9, pIn->zDescription && *pIn->zDescription ? pIn->zDescription : NULL);
  stmt_bind_text(s, 10, pIn->zSource && *pIn->zSource ? pIn->zSource : NULL);
  if (eMode != PLACE_REPLACE) {
    stmt_bind_text(s, 11, zNow);
    stmt_bind_text(s, 12, place_actor(w));
  }
  stmt_bind_int(s, 13, !pIn->bUnpublished);
  if (eMode == PLACE_REPLACE) stmt_bind_int(s, 14, iId);
  int bad = stmt_run(s);
  stmt_finalize(s);
  if (bad) return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  *piId = place_id_by_name(pDb, pIn->zName);
  return 0;
}

static json_t *place_get_json(Db *pDb, int64_t iId) {
  Stmt *s = db_prepare(pDb, "SELECT " PLACE_COLS " FROM place p WHERE p.id = ?1");
  stmt_bind_int(s, 1, iId);
  json_t *o = stmt_step(s) == 1 ? place_row_json(s) : NULL;
  stmt_finalize(s);
  return o;
}

static int place_may_manage(const EntryWho *w) {
  return place_is_local(w) || auth_has(w->pUser, CAP_UNIT_MANAGE);
}

/* place_put, place_create, place_update: one place stored and audited as zEvent. */
static int place_store(Db *pDb, const EntryWho *w, const PlaceInput *pIn, int eMode, int64_t iId,
                       const char *zEvent, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!place_may_manage(w))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the system administrator manages places");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  int64_t id = 0;
  if (place_put_one(pDb, w, pIn, eMode, iId, &id, e)) {
    db_rollback(pDb);
    return -1;
  }
  json_t *o = place_get_json(pDb, id);
  char zObj[32];
  snprintf(zObj, sizeof zObj, "place:%lld", (long long)id);
  int rcA = audit_record(pDb, place_actor(w), w->zIp, zEvent, zObj, "ok", o);
  if (rcA || db_commit(pDb)) {
    json_decref(o);
    return place_audit_fail(pDb, e);
  }
  json_object_set_new(o, "photos", place_photos(pDb, "place", id));
  *ppOut = o;
  return 0;
}

int place_put(Db *pDb, const EntryWho *w, const PlaceInput *pIn, json_t **ppOut, EntryErr *e) {
  return place_store(pDb, w, pIn, PLACE_UPSERT, 0, "place.put", ppOut, e);
}

int place_create(Db *pDb, const EntryWho *w, const PlaceInput *pIn, json_t **ppOut, EntryErr *e) {
  return place_store(pDb, w, pIn, PLACE_NEW, 0, "place.create", ppOut, e);
}

int place_update(Db *pDb, const EntryWho *w, int64_t iId, const PlaceInput *pIn, json_t **ppOut,
                 EntryErr *e) {
  return place_store(pDb, w, pIn, PLACE_REPLACE, iId, "place.update", ppOut, e);
}

/* Deletes the evidence links of (zKind, iId) inside the caller's transaction; the blobs stay
** (docs/evidence.md: no garbage collector). The number deleted, or -1. */
static int place_unlink_photos(Db *pDb, const char *zKind, int64_t iId) {
  Stmt *s = db_prepare(pDb, "DELETE FROM evidence WHERE kind = ?1 AND object = ?2");
  stmt_bind_text(s, 1, zKind);
  stmt_bind_int(s, 2, iId);
  int bad = stmt_run(s);
  stmt_finalize(s);
  return bad ? -1 : db_changes(pDb);
}

int place_delete(Db *pDb, const EntryWho *w, int64_t iId, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!place_may_manage(w))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the system administrator manages places");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  json_t *o = place_get_json(pDb, iId);
  Stmt *s = db_prepare(pDb, "SELECT count(*) FROM contact_point WHERE place_id = ?1");
  stmt_bind_int(s, 1, iId);
  int nPoints = stmt_step(s) == 1 ? (int)stmt_int(s, 0) : 0;
  stmt_finalize(s);
  int rc = 0;
  if (!o) rc = entry_err_set(e, KP_E_NO_SUCH, "id", "no place %lld", (long long)iId);
  else if (nPoints > 0)
    rc = entry_err_set(e, KP_E_STATE, "id", "%s is the contact point of %d leader%s: its visits "
                       "hang on it; unpublish it instead", json_string_value(json_object_get(o, "name")),
                       nPoints, nPoints == 1 ? "" : "s");
  int nPhotos = rc ? 0 : place_unlink_photos(pDb, "place", iId);
  if (!rc && nPhotos >= 0) {
    s = db_prepare(pDb, "DELETE FROM place WHERE id = ?1");
    stmt_bind_int(s, 1, iId);
    if (stmt_run(s)) nPhotos = -1;
    stmt_finalize(s);
  }
  if (!rc && nPhotos < 0) rc = entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  if (rc) {
    json_decref(o);
    db_rollback(pDb);
    return -1;
  }
  json_object_set_new(o, "photos_unlinked", json_integer(nPhotos));
  char zObj[32];
  snprintf(zObj, sizeof zObj, "place:%lld", (long long)iId);
  int rcA = audit_record(pDb, place_actor(w), w->zIp, "place.delete", zObj, "ok", o);
  json_decref(o);
  if (rcA || db_commit(pDb)) return place_audit_fail(pDb, e);
  *ppOut = json_pack("{s:I, s:b, s:i}", "id", (json_int_t)iId, "deleted", 1, "photos_unlinked", nPhotos);
  return 0;
}

int place_search(Db *pDb, const EntryWho *w, const PlaceQuery *q, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  (void)w;
  if (q->zKind && *q->zKind && !place_kind_valid(q->zKind))
    return entry_err_set(e, KP_E_INVALID, "kind", "kind must be red, youth or contact");
  int iPage = q->iPage < 1 ? 1 : q->iPage;
  int nPageSize = q->nPageSize < 1 || q->nPageSize > 200 ? 20 : q->nPageSize;
  char *zLike = place_like(q->zText);
  Stmt *s = db_prepare(pDb, "SELECT count(*) FROM place p WHERE (?1 IS NULL OR p.kind = ?1) "
      "AND (?2 IS NULL OR p.unit = ?2) AND (?3 IS NULL OR p.name LIKE ?3 ESCAPE '\\' "
      "OR p.address LIKE ?3 ESCAPE '\\' OR p.description LIKE ?3 ESCAPE '\\')");
  stmt_bind_text(s, 1, q->zKind && *q->zKind ? q->zKind : NULL);
  stmt_bind_text(s, 2, q->zUnit && *q->zUnit ? q->zUnit : NULL);
  stmt_bind_text(s, 3, zLike);
  int64_t nTotal = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  s = db_prepare(pDb, "SELECT " PLACE_COLS " FROM place p WHERE (?1 IS NULL OR p.kind = ?1) "
      "AND (?2 IS NULL OR p.unit = ?2) AND (?3 IS NULL OR p.name LIKE ?3 ESCAPE '\\' "
      "OR p.address LIKE ?3 ESCAPE '\\' OR p.description LIKE ?3 ESCAPE '\\') "
      "ORDER BY p.kind, p.unit, p.name LIMIT ?4 OFFSET ?5");
  stmt_bind_text(s, 1, q->zKind && *q->zKind ? q->zKind : NULL);
  stmt_bind_text(s, 2, q->zUnit && *q->zUnit ? q->zUnit : NULL);
  stmt_bind_text(s, 3, zLike);
  stmt_bind_int(s, 4, nPageSize);
  stmt_bind_int(s, 5, (int64_t)(iPage - 1) * nPageSize);
  json_t *a = json_array();
  while (stmt_step(s) == 1) json_array_append_new(a, place_row_json(s));
  stmt_finalize(s);
  free(zLike);
  size_t i;
  json_t *o;
  json_array_foreach(a, i, o)
      json_object_set_new(o, "photos", place_photos(pDb, "place", json_integer_value(json_object_get(o, "id"))));
  *ppOut = json_pack("{s:s, s:I, s:i, s:i, s:o}", "datum", "GCJ-02", "total", (json_int_t)nTotal,
                     "page", iPage, "page_size", nPageSize, "items", a);
  return 0;
}

int place_photo_public(Db *pDb, int64_t iEvidence) {
  Stmt *s = db_prepare(pDb,
      "SELECT 1 FROM evidence e JOIN evidence_blob b ON b.sha256 = e.sha256 "
      "WHERE e.id = ?1 AND b.type IN ('jpeg','png','webp') AND ("
      " (e.kind = 'place' AND EXISTS (SELECT 1 FROM place p WHERE p.id = e.object "
      "   AND p.published = 1 AND p.kind IN ('red','youth'))) OR "
      " (e.kind = 'honour' AND EXISTS (SELECT 1 FROM honour h WHERE h.id = e.object "
      "   AND h.published = 1)))");
  stmt_bind_int(s, 1, iEvidence);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

int place_object_exists(Db *pDb, const char *zKind, int64_t iId) {
  Stmt *s = strcmp(zKind, "place") == 0 ? db_prepare(pDb, "SELECT 1 FROM place WHERE id = ?1")
          : strcmp(zKind, "honour") == 0 ? db_prepare(pDb, "SELECT 1 FROM honour WHERE id = ?1")
          : NULL;
  if (!s) return 0;
  stmt_bind_int(s, 1, iId);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

/* Reads a coordinate cell: empty = NaN; else a number. 0 or -1. */
static int place_cell_num(const char *z, double *pr) {
  while (*z == ' ') z++;
  if (!*z) {
    *pr = NAN;
    return 0;
  }
  return text_parse_double(z, pr) == 0 && isfinite(*pr) ? 0 : -1;
}

int place_import(Db *pDb, const EntryWho *w, const char *zFile, const char *zKind,
                 json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!place_may_manage(w))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the system administrator manages places");
  TableReader t;
  char *zErr = NULL;
  if (table_open(&t, zFile, &zErr)) {
    entry_err_set(e, KP_E_INVALID, "file", "%s", zErr);
    free(zErr);
    return -1;
  }
  static const char *const azCol[] = {"name", "lat", "lon", "datum", "source", "kind", "unit",
                                      "address", "description", "approximate"};
  int aIdx[10];
  for (int k = 0; k < 10; k++) aIdx[k] = table_header_index(&t, azCol[k]);
  for (int k = 0; k < 4; k++) {
    if (aIdx[k] < 0) {
      entry_err_set(e, KP_E_INVALID, "file", "%s: line %d: no column \"%s\" (header: name,lat,lon,"
                    "datum,source[,kind,unit,address,description,approximate])", t.zName,
                    t.iHeaderLine, azCol[k]);
      table_close(&t);
      return -1;
    }
  }
  if (db_begin(pDb)) {
    table_close(&t);
    return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  }
  json_t *aSkipped = json_array(), *aReport = json_array();
  int nOk = 0, rc;
  /* names stored by this import, with their point, to spot second sources */
  json_t *oSeen = json_object();
  while ((rc = table_next(&t, &zErr)) != 0) {
    if (rc < 0) {
      json_array_append_new(aReport, json_string(zErr));
      free(zErr);
      zErr = NULL;
      if (t.bFatal) break;
      continue;
    }
    const char *azF[10];
    for (int k = 0; k < 10; k++) azF[k] = aIdx[k] >= 0 ? t.azField[aIdx[k]] : NULL;
    char *zName = xstrdup(azF[0]);
    text_trim(zName);
    char *zNote = NULL;
    char *zParen = strstr(zName, " (");
    if (zParen && zName[strlen(zName) - 1] == ')') {
      zNote = xstrndup(zParen + 2, strlen(zParen + 2) - 1);
      *zParen = 0;
    }
    double rLat, rLon;
    int iBadCol = -1;
    const char *zWhy = NULL;
    if (place_cell_num(azF[1], &rLat)) iBadCol = aIdx[1], zWhy = "lat is not a number";
    else if (place_cell_num(azF[2], &rLon)) iBadCol = aIdx[2], zWhy = "lon is not a number";
    /* the datum column may explain itself: "unknown (source does not say ...)" */
    char zDatum[16];
    snprintf(zDatum, sizeof zDatum, "%s", azF[3]);
    zDatum[strcspn(zDatum, " (")] = 0;
    if (!zWhy && !place_datum_valid(zDatum)) iBadCol = aIdx[3], zWhy = "datum must be GCJ-02, WGS-84, BD-09, unknown or address";
    if (zWhy) {
      char *zAt = table_where(&t, t.iLine, iBadCol);
      char *zLine = xasprintf("%s: %s", zAt, zWhy);
      json_array_append_new(aReport, json_string(zLine));
      free(zLine);
      free(zAt);
      free(zName);
      free(zNote);
      continue;
    }
    json_t *pSeen = json_object_get(oSeen, zName);
    if (pSeen) { /* a second source for a name already imported: report, do not store */
      double rLon0 = json_real_value(json_array_get(pSeen, 0)), rLat0 = json_real_value(json_array_get(pSeen, 1));
      char zKm[32];
      text_fmt_double(zKm, round(place_distance_km(rLon0, rLat0, rLon, rLat) * 100) / 100);
      json_array_append_new(aSkipped, json_pack("{s:i, s:s, s:s, s:s}", "line", t.iLine, "name",
                                                zName, "why", "second source for a place already "
                                                "imported from this file", "distance_km", zKm));
      free(zName);
      free(zNote);
      continue;
    }
    const char *zApprox = azF[9];
    PlaceInput in = {zName, azF[5] && *azF[5] ? azF[5] : zKind, azF[6], zDatum, azF[7], NULL,
                     azF[4], rLon, rLat, zApprox && (strcmp(zApprox, "1") == 0 || strcmp(zApprox, "yes") == 0), 0};
    char *zDesc = NULL;
    if (azF[8] && *azF[8] && zNote) zDesc = xasprintf("%s (%s)", azF[8], zNote);
    else if (azF[8] && *azF[8]) zDesc = xstrdup(azF[8]);
    else if (zNote) zDesc = xasprintf("(%s)", zNote);
    in.zDescription = zDesc;
    if (zNote && (strstr(zNote, "unverified") || strstr(zNote, "proxy"))) in.bApproximate = 1;
    int64_t id;
    EntryErr e1;
    memset(&e1, 0, sizeof e1);
    if (place_put_one(pDb, w, &in, PLACE_UPSERT, 0, &id, &e1)) {
      int iCol = strcmp(e1.zField, "lat") == 0 ? aIdx[1] : strcmp(e1.zField, "lon") == 0 ? aIdx[2] :
                 strcmp(e1.zField, "kind") == 0 ? aIdx[5] : strcmp(e1.zField, "unit") == 0 ? aIdx[6] :
                 strcmp(e1.zField, "name") == 0 ? aIdx[0] : -1;
      char *zAt = table_where(&t, t.iLine, iCol);
      char *zLine = xasprintf("%s: %s", zAt, e1.zMsg);
      json_array_append_new(aReport, json_string(zLine));
      free(zLine);
      free(zAt);
      entry_err_free(&e1);
    } else {
      json_object_set_new(oSeen, zName, json_pack("[f, f]", rLon, rLat));
      nOk++;
    }
    free(zDesc);
    free(zName);
    free(zNote);
  }
  char zSha[65];
  memcpy(zSha, t.zSha256, sizeof zSha);
  char *zFileName = xstrdup(t.zName);
  table_close(&t);
  json_decref(oSeen);
  if (json_array_size(aReport) > 0) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_BAD_ROWS, "file", "%s: %zu bad row%s, nothing imported: %s", zFileName,
                  json_array_size(aReport), json_array_size(aReport) == 1 ? "" : "s",
                  json_string_value(json_array_get(aReport, 0)));
    e->pExtra = json_pack("{s:o}", "report", aReport);
    json_decref(aSkipped);
    free(zFileName);
    return -1;
  }
  json_decref(aReport);
  json_t *d = json_pack("{s:s, s:s, s:i, s:i}", "file", zFileName, "sha256", zSha, "imported", nOk,
                        "skipped", (int)json_array_size(aSkipped));
  int rcA = audit_record(pDb, place_actor(w), w->zIp, "place.import", "places", "ok", d);
  json_decref(d);
  free(zFileName);
  if (rcA || db_commit(pDb)) {
    json_decref(aSkipped);
    return place_audit_fail(pDb, e);
  }
  *ppOut = json_pack("{s:i, s:o}", "imported", nOk, "skipped", aSkipped);
  return 0;
}

int place_list(Db *pDb, const char *zKind, int bPublic, json_t **ppOut, EntryErr *e) {
  if (zKind && !place_kind_valid(zKind))
    return entry_err_set(e, KP_E_INVALID, "kind", "kind must be red, youth or contact");
  if (bPublic && zKind && strcmp(zKind, "contact") == 0)
    return entry_err_set(e, KP_E_INVALID, "kind", "the public map shows red and youth places");
  Stmt *s = db_prepare(pDb, "SELECT " PLACE_COLS " FROM place p WHERE (?1 IS NULL OR p.kind = ?1) "
                            "AND (?2 = 0 OR (p.kind IN ('red','youth') AND p.published = 1)) "
                            "ORDER BY p.kind, p.unit, p.name");
  stmt_bind_text(s, 1, zKind);
  stmt_bind_int(s, 2, bPublic);
  json_t *a = json_array();
  while (stmt_step(s) == 1) json_array_append_new(a, place_row_json(s));
  stmt_finalize(s);
  size_t i;
  json_t *o;
  json_array_foreach(a, i, o)
      json_object_set_new(o, "photos", place_photos(pDb, "place", json_integer_value(json_object_get(o, "id"))));
  *ppOut = json_pack("{s:s, s:o}", "datum", "GCJ-02", "items", a);
  return 0;
}

int place_route(Db *pDb, const int64_t *aId, int nId, int bPublic, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (nId < 2) return entry_err_set(e, KP_E_INVALID, "ids", "a route needs at least two places");
  if (nId > 50) return entry_err_set(e, KP_E_INVALID, "ids", "a route has at most 50 places");
  json_t *aStop = json_array(), *aLeg = json_array();
  double rTotal = 0, rLon0 = 0, rLat0 = 0;
  for (int i = 0; i < nId; i++) {
    json_t *o = place_get_json(pDb, aId[i]);
    const char *zKind = o ? json_string_value(json_object_get(o, "kind")) : NULL;
    if (!o || (bPublic && (strcmp(zKind, "contact") == 0 ||
                           !json_is_true(json_object_get(o, "published"))))) {
      json_decref(o);
      json_decref(aStop);
      json_decref(aLeg);
      return entry_err_set(e, KP_E_NO_SUCH, "ids", "no place %lld", (long long)aId[i]);
    }
    json_t *pLon = json_object_get(o, "lon"), *pLat = json_object_get(o, "lat");
    if (!json_is_number(pLon) || !json_is_number(pLat)) {
      entry_err_set(e, KP_E_STATE, "ids", "%s has no position on the map",
                    json_string_value(json_object_get(o, "name")));
      json_decref(o);
      json_decref(aStop);
      json_decref(aLeg);
      return -1;
    }
    double rLon = json_number_value(pLon), rLat = json_number_value(pLat);
    if (i > 0) {
      double r = place_distance_km(rLon0, rLat0, rLon, rLat);
      rTotal += r;
      json_array_append_new(aLeg, json_pack("{s:i, s:i, s:f}", "from", i - 1, "to", i, "km",
                                            round(r * 100) / 100));
    }
    rLon0 = rLon;
    rLat0 = rLat;
    json_array_append_new(aStop, o);
  }
  *ppOut = json_pack("{s:o, s:o, s:f, s:s}", "stops", aStop, "legs", aLeg, "total_km",
                     round(rTotal * 100) / 100, "note",
                     "straight-line (great-circle) distances between the sites, not road distances");
  return 0;
}

/* ---- contact points ------------------------------------------------------------------------- */

static int contact_is_leader(Db *pDb, const char *zName) {
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM users u JOIN user_role r ON r.user_id = u.id "
                            "WHERE u.name = ?1 AND r.role = 'leader'");
  stmt_bind_text(s, 1, zName);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

int contact_assign(Db *pDb, const EntryWho *w, const char *zPlace, const char *zLeader,
                   json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!place_is_local(w) && !auth_has(w->pUser, CAP_COMMENT))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only leaders are assigned contact points");
  if (!zPlace || !*zPlace) return entry_err_set(e, KP_E_MISSING, "place", "place is required");
  if (!zLeader || !*zLeader) return entry_err_set(e, KP_E_MISSING, "leader", "leader is required");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT id, kind FROM place WHERE name = ?1");
  stmt_bind_text(s, 1, zPlace);
  int64_t idPlace = 0;
  int bContact = 0;
  if (stmt_step(s) == 1) {
    idPlace = stmt_int(s, 0);
    bContact = strcmp(stmt_text(s, 1), "contact") == 0;
  }
  stmt_finalize(s);
  int rc = 0;
  if (!idPlace) rc = entry_err_set(e, KP_E_NO_SUCH, "place", "no place %s", zPlace);
  else if (!bContact) rc = entry_err_set(e, KP_E_INVALID, "place", "%s is not a grassroots contact place "
                                         "(kind contact)", zPlace);
  else if (!contact_is_leader(pDb, zLeader))
    rc = entry_err_set(e, KP_E_INVALID, "leader", "%s is not a leader account", zLeader);
  if (rc) {
    db_rollback(pDb);
    return -1;
  }
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "INSERT INTO contact_point(place_id, leader, assigned_at, assigned_by) "
                      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(place_id, leader) DO NOTHING");
  stmt_bind_int(s, 1, idPlace);
  stmt_bind_text(s, 2, zLeader);
  stmt_bind_text(s, 3, zNow);
  stmt_bind_text(s, 4, place_actor(w));
  int bad = stmt_run(s);
  stmt_finalize(s);
  s = db_prepare(pDb, "SELECT id FROM contact_point WHERE place_id = ?1 AND leader = ?2");
  stmt_bind_int(s, 1, idPlace);
  stmt_bind_text(s, 2, zLeader);
  int64_t id = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  if (bad || !id) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char zObj[32];
  snprintf(zObj, sizeof zObj, "contact:%lld", (long long)id);
  json_t *d = json_pack("{s:s, s:s}", "place", zPlace, "leader", zLeader);
  int rcA = audit_record(pDb, place_actor(w), w->zIp, "contact.assign", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) return place_audit_fail(pDb, e);
  *ppOut = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "place", zPlace, "leader", zLeader);
  return 0;
}

/* The leader of point iPoint (malloc'd) or NULL. */
static char *contact_point_leader(Db *pDb, int64_t iPoint) {
  Stmt *s = db_prepare(pDb, "SELECT leader FROM contact_point WHERE id = ?1");
  stmt_bind_int(s, 1, iPoint);
  char *z = stmt_step(s) == 1 ? xstrdup(stmt_text(s, 0)) : NULL;
  stmt_finalize(s);
  return z;
}

/* Is z a valid calendar date YYYY-MM-DD? */
static int contact_date_ok(const char *z) {
  if (!z || strlen(z) != 10 || z[4] != '-' || z[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (z[i] < '0' || z[i] > '9')) return 0;
  int y = atoi(z), m = atoi(z + 5), d = atoi(z + 8);
  static const int aDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return 0;
  int nMax = aDays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  return d <= nMax;
}

int contact_visit(Db *pDb, const EntryWho *w, int64_t iPoint, const char *zDate,
                  const char *zNotes, json_t *aProblems, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!zDate || !*zDate) return entry_err_set(e, KP_E_MISSING, "date", "date is required");
  if (!contact_date_ok(zDate)) return entry_err_set(e, KP_E_INVALID, "date", "date must be a day YYYY-MM-DD");
  char zNow[32];
  db_now(zNow);
  if (strncmp(zDate, zNow, 10) > 0)
    return entry_err_set(e, KP_E_INVALID, "date", "a visit cannot be in the future (%s)", zDate);
  if (place_text_ok(zNotes, "notes", 4000, 1, e)) return -1;
  if (aProblems && !json_is_array(aProblems))
    return entry_err_set(e, KP_E_INVALID, "problems", "problems must be a list of texts");
  size_t i;
  json_t *v;
  json_array_foreach(aProblems, i, v) {
    if (!json_is_string(v)) return entry_err_set(e, KP_E_INVALID, "problems", "problems[%zu] must be a text", i);
    char zF[32];
    snprintf(zF, sizeof zF, "problems[%zu]", i);
    if (place_text_ok(json_string_value(v), zF, 2000, 1, e)) return -1;
  }
  char *zLeader = contact_point_leader(pDb, iPoint);
  if (!zLeader) return entry_err_set(e, KP_E_NO_SUCH, "point", "no contact point %lld", (long long)iPoint);
  if (!place_is_local(w) && strcmp(zLeader, place_actor(w)) != 0) {
    entry_err_set(e, KP_E_SCOPE, "point", "contact point %lld is %s's: a leader logs visits on his or "
                  "her own points", (long long)iPoint, zLeader);
    free(zLeader);
    return -1;
  }
  free(zLeader);
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "INSERT INTO contact_visit(point_id, visit_date, notes, recorded_by, "
                            "recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  stmt_bind_int(s, 1, iPoint);
  stmt_bind_text(s, 2, zDate);
  stmt_bind_text(s, 3, zNotes);
  stmt_bind_text(s, 4, place_actor(w));
  stmt_bind_text(s, 5, zNow);
  int bad = stmt_run(s);
  stmt_finalize(s);
  int64_t idVisit = db_last_insert_id(pDb);
  json_t *aIds = json_array();
  s = db_prepare(pDb, "INSERT INTO contact_problem(visit_id, text, state, task_ref) "
                      "VALUES (?1, ?2, 'open', NULL)");
  json_array_foreach(aProblems, i, v) {
    if (bad) break;
    stmt_bind_int(s, 1, idVisit);
    stmt_bind_text(s, 2, json_string_value(v));
    bad = stmt_run(s);
    json_array_append_new(aIds, json_integer(db_last_insert_id(pDb)));
  }
  stmt_finalize(s);
  if (bad) {
    json_decref(aIds);
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char zObj[32];
  snprintf(zObj, sizeof zObj, "contact:%lld", (long long)iPoint);
  json_t *d = json_pack("{s:I, s:s, s:O}", "visit", (json_int_t)idVisit, "date", zDate,
                        "problems", aIds);
  int rcA = audit_record(pDb, place_actor(w), w->zIp, "contact.visit", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) {
    json_decref(aIds);
    return place_audit_fail(pDb, e);
  }
  *ppOut = json_pack("{s:I, s:I, s:s, s:o}", "visit", (json_int_t)idVisit, "point",
                     (json_int_t)iPoint, "date", zDate, "problems", aIds);
  return 0;
}

int contact_problem_close(Db *pDb, const EntryWho *w, int64_t iProblem, const char *zNote,
                          json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (place_text_ok(zNote, "note", 2000, 1, e)) return -1;
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "SELECT p.state, c.leader FROM contact_problem p JOIN contact_visit v "
                            "ON v.id = p.visit_id JOIN contact_point c ON c.id = v.point_id "
                            "WHERE p.id = ?1");
  stmt_bind_int(s, 1, iProblem);
  int bFound = stmt_step(s) == 1;
  int bOpen = bFound && strcmp(stmt_text(s, 0), "open") == 0;
  char *zLeader = bFound ? xstrdup(stmt_text(s, 1)) : NULL;
  stmt_finalize(s);
  int rc = 0;
  if (!bFound) rc = entry_err_set(e, KP_E_NO_SUCH, "problem", "no problem %lld", (long long)iProblem);
  else if (!place_is_local(w) && strcmp(zLeader, place_actor(w)) != 0)
    rc = entry_err_set(e, KP_E_SCOPE, "problem", "problem %lld was raised at %s's contact point",
                       (long long)iProblem, zLeader);
  else if (!bOpen) rc = entry_err_set(e, KP_E_STATE, "problem", "problem %lld is already closed",
                                      (long long)iProblem);
  free(zLeader);
  if (rc) {
    db_rollback(pDb);
    return -1;
  }
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "UPDATE contact_problem SET state = 'closed', closed_at = ?2, closed_by = ?3, "
                      "closing_note = ?4 WHERE id = ?1");
  stmt_bind_int(s, 1, iProblem);
  stmt_bind_text(s, 2, zNow);
  stmt_bind_text(s, 3, place_actor(w));
  stmt_bind_text(s, 4, zNote);
  int bad = stmt_run(s);
  stmt_finalize(s);
  if (bad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char zObj[32];
  snprintf(zObj, sizeof zObj, "problem:%lld", (long long)iProblem);
  json_t *d = json_pack("{s:s}", "note", zNote);
  int rcA = audit_record(pDb, place_actor(w), w->zIp, "contact.problem_close", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) return place_audit_fail(pDb, e);
  *ppOut = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)iProblem, "state", "closed", "closed_at", zNow);
  return 0;
}

int contact_list(Db *pDb, const EntryWho *w, const char *zLeader, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  const char *zMe = place_actor(w);
  if (!zLeader) zLeader = zMe;
  if (strcmp(zLeader, zMe) != 0 && !place_is_local(w) && !auth_has(w->pUser, CAP_ALL_UNITS))
    return entry_err_set(e, KP_E_SCOPE, "leader", "this account sees its own contact points only");
  json_t *aPoint = json_array();
  Stmt *s = db_prepare(pDb,
      "SELECT c.id, p.id, p.name, p.unit, (SELECT name FROM unit WHERE code = p.unit), p.lon, "
      "p.lat, p.approximate, p.address, c.assigned_at, "
      "(SELECT max(visit_date) FROM contact_visit v WHERE v.point_id = c.id), "
      "(SELECT count(*) FROM contact_visit v WHERE v.point_id = c.id), "
      "(SELECT count(*) FROM contact_problem q JOIN contact_visit v ON v.id = q.visit_id "
      "  WHERE v.point_id = c.id AND q.state = 'open') "
      "FROM contact_point c JOIN place p ON p.id = c.place_id WHERE c.leader = ?1 ORDER BY p.name");
  stmt_bind_text(s, 1, zLeader);
  while (stmt_step(s) == 1) {
    json_t *o = json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:s, s:o, s:i, s:i}",
                          "id", (json_int_t)stmt_int(s, 0), "place_id", (json_int_t)stmt_int(s, 1),
                          "place", stmt_text(s, 2), "unit", place_str(stmt_text(s, 3)),
                          "unit_name", place_str(stmt_text(s, 4)),
                          "lon", stmt_is_null(s, 5) ? json_null() : json_real(stmt_double(s, 5)),
                          "lat", stmt_is_null(s, 6) ? json_null() : json_real(stmt_double(s, 6)),
                          "approximate", (int)stmt_int(s, 7), "address", place_str(stmt_text(s, 8)),
                          "assigned_at", stmt_text(s, 9), "last_visit", place_str(stmt_text(s, 10)),
                          "visits", (int)stmt_int(s, 11), "open_problems", (int)stmt_int(s, 12));
    json_array_append_new(aPoint, o);
  }
  stmt_finalize(s);
  /* visits and problems of each point, newest first */
  size_t i;
  json_t *o;
  Stmt *pV = db_prepare(pDb, "SELECT id, visit_date, notes, recorded_by FROM contact_visit "
                             "WHERE point_id = ?1 ORDER BY visit_date DESC, id DESC");
  Stmt *pP = db_prepare(pDb, "SELECT id, text, state, task_ref, closed_at, closing_note "
                             "FROM contact_problem WHERE visit_id = ?1 ORDER BY id");
  json_array_foreach(aPoint, i, o) {
    json_t *aVisit = json_array();
    stmt_bind_int(pV, 1, json_integer_value(json_object_get(o, "id")));
    while (stmt_step(pV) == 1) {
      json_t *aProb = json_array();
      stmt_bind_int(pP, 1, stmt_int(pV, 0));
      while (stmt_step(pP) == 1)
        json_array_append_new(aProb, json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}", "id",
                                               (json_int_t)stmt_int(pP, 0), "text", stmt_text(pP, 1),
                                               "state", stmt_text(pP, 2), "task_ref",
                                               place_str(stmt_text(pP, 3)), "closed_at",
                                               place_str(stmt_text(pP, 4)), "closing_note",
                                               place_str(stmt_text(pP, 5))));
      stmt_reset(pP);
      json_array_append_new(aVisit, json_pack("{s:I, s:s, s:s, s:s, s:o}", "id",
                                              (json_int_t)stmt_int(pV, 0), "date", stmt_text(pV, 1),
                                              "notes", stmt_text(pV, 2), "recorded_by",
                                              stmt_text(pV, 3), "problems", aProb));
    }
    stmt_reset(pV);
    json_object_set_new(o, "visit_log", aVisit);
  }
  stmt_finalize(pV);
  stmt_finalize(pP);
  Stmt *pN = db_prepare(pDb, "SELECT display_name FROM users WHERE name = ?1");
  stmt_bind_text(pN, 1, zLeader);
  json_t *pName = stmt_step(pN) == 1 ? json_string(stmt_text(pN, 0)) : json_null();
  stmt_finalize(pN);
  *ppOut = json_pack("{s:s, s:o, s:o}", "leader", zLeader, "leader_name", pName, "points", aPoint);
  return 0;
}

/* ---- honours ----------------------------------------------------------------------------------- */

/* Checks an honour's fields. 0 or -1 (e set, naming the field). */
static int honour_check(Db *pDb, const HonourInput *pIn, EntryErr *e) {
  if (place_text_ok(pIn->zAward, "award", 200, 1, e) ||
      place_text_ok(pIn->zRecipient, "recipient", 200, 1, e) ||
      place_text_ok(pIn->zCitation, "citation", 4000, 1, e))
    return -1;
  if (!pIn->zKind || (strcmp(pIn->zKind, "person") != 0 && strcmp(pIn->zKind, "collective") != 0))
    return entry_err_set(e, KP_E_INVALID, "recipient_kind", "recipient_kind (--kind) must be person or collective");
  if (pIn->iYear < 1949 || pIn->iYear > 2100)
    return entry_err_set(e, KP_E_INVALID, "year", "year must be 1949 to 2100");
  if (pIn->zUnit && *pIn->zUnit && !place_unit_ok(pDb, pIn->zUnit))
    return entry_err_set(e, KP_E_INVALID, "unit", "no unit %s", pIn->zUnit);
  return 0;
}

#define HONOUR_COLS                                                                    \
  "h.id, h.award, h.year, h.recipient, h.recipient_kind, h.unit, "                   \
  "(SELECT name FROM unit WHERE code = h.unit), h.citation, h.published"

static json_t *honour_row_json(Db *pDb, Stmt *s) {
  json_t *o = json_pack("{s:I, s:s, s:i, s:s, s:s, s:o, s:o, s:s, s:b}", "id",
                        (json_int_t)stmt_int(s, 0), "award", stmt_text(s, 1),
                        "year", (int)stmt_int(s, 2), "recipient", stmt_text(s, 3),
                        "recipient_kind", stmt_text(s, 4), "unit", place_str(stmt_text(s, 5)),
                        "unit_name", place_str(stmt_text(s, 6)), "citation", stmt_text(s, 7),
                        "published", stmt_int(s, 8) != 0);
  json_object_set_new(o, "photos", place_photos(pDb, "honour", stmt_int(s, 0)));
  return o;
}

static json_t *honour_get_json(Db *pDb, int64_t iId) {
  Stmt *s = db_prepare(pDb, "SELECT " HONOUR_COLS " FROM honour h WHERE h.id = ?1");
  stmt_bind_int(s, 1, iId);
  json_t *o = stmt_step(s) == 1 ? honour_row_json(pDb, s) : NULL;
  stmt_finalize(s);
  return o;
}

int honour_update(Db *pDb, const EntryWho *w, int64_t iId, const HonourInput *pIn, json_t **ppOut,
                  EntryErr *e) {
  *ppOut = NULL;
  if (!place_may_manage(w))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the system administrator records honours");
  if (honour_check(pDb, pIn, e)) return -1;
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  Stmt *s = db_prepare(pDb, "UPDATE honour SET award = ?1, year = ?2, recipient = ?3, "
                            "recipient_kind = ?4, unit = ?5, citation = ?6, published = ?7 WHERE id = ?8");
  stmt_bind_text(s, 1, pIn->zAward);
  stmt_bind_int(s, 2, pIn->iYear);
  stmt_bind_text(s, 3, pIn->zRecipient);
  stmt_bind_text(s, 4, pIn->zKind);
  stmt_bind_text(s, 5, pIn->zUnit && *pIn->zUnit ? pIn->zUnit : NULL);
  stmt_bind_text(s, 6, pIn->zCitation);
  stmt_bind_int(s, 7, !pIn->bUnpublished);
  stmt_bind_int(s, 8, iId);
  int bad = stmt_run(s);
  stmt_finalize(s);
  if (bad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  }
  if (db_changes(pDb) != 1) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "id", "no honour %lld", (long long)iId);
  }
  json_t *o = honour_get_json(pDb, iId);
  char zObj[32];
  snprintf(zObj, sizeof zObj, "honour:%lld", (long long)iId);
  int rcA = audit_record(pDb, place_actor(w), w->zIp, "honour.update", zObj, "ok", o);
  if (rcA || db_commit(pDb)) {
    json_decref(o);
    return place_audit_fail(pDb, e);
  }
  *ppOut = o;
  return 0;
}

int honour_delete(Db *pDb, const EntryWho *w, int64_t iId, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!place_may_manage(w))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the system administrator records honours");
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  json_t *o = honour_get_json(pDb, iId);
  if (!o) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_NO_SUCH, "id", "no honour %lld", (long long)iId);
  }
  int nPhotos = place_unlink_photos(pDb, "honour", iId);
  if (nPhotos >= 0) {
    Stmt *s = db_prepare(pDb, "DELETE FROM honour WHERE id = ?1");
    stmt_bind_int(s, 1, iId);
    if (stmt_run(s)) nPhotos = -1;
    stmt_finalize(s);
  }
  if (nPhotos < 0) {
    json_decref(o);
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error: %s", db_errmsg(pDb));
  }
  json_object_set_new(o, "photos_unlinked", json_integer(nPhotos));
  char zObj[32];
  snprintf(zObj, sizeof zObj, "honour:%lld", (long long)iId);
  int rcA = audit_record(pDb, place_actor(w), w->zIp, "honour.delete", zObj, "ok", o);
  json_decref(o);
  if (rcA || db_commit(pDb)) return place_audit_fail(pDb, e);
  *ppOut = json_pack("{s:I, s:b, s:i}", "id", (json_int_t)iId, "deleted", 1, "photos_unlinked", nPhotos);
  return 0;
}

int honour_search(Db *pDb, const EntryWho *w, const HonourQuery *q, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  (void)w;
  if (q->zKind && *q->zKind && strcmp(q->zKind, "person") != 0 && strcmp(q->zKind, "collective") != 0)
    return entry_err_set(e, KP_E_INVALID, "kind", "kind must be person or collective");
  int iPage = q->iPage < 1 ? 1 : q->iPage;
  int nPageSize = q->nPageSize < 1 || q->nPageSize > 200 ? 20 : q->nPageSize;
  char *zLike = place_like(q->zText);
  Stmt *s = db_prepare(pDb, "SELECT count(*) FROM honour h WHERE (?1 IS NULL OR h.recipient_kind = ?1) "
      "AND (?2 IS NULL OR h.unit = ?2) AND (?3 = 0 OR h.year = ?3) AND (?4 IS NULL OR "
      "h.award LIKE ?4 ESCAPE '\\' OR h.recipient LIKE ?4 ESCAPE '\\' OR h.citation LIKE ?4 ESCAPE '\\')");
  stmt_bind_text(s, 1, q->zKind && *q->zKind ? q->zKind : NULL);
  stmt_bind_text(s, 2, q->zUnit && *q->zUnit ? q->zUnit : NULL);
  stmt_bind_int(s, 3, q->iYear);
  stmt_bind_text(s, 4, zLike);
  int64_t nTotal = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  s = db_prepare(pDb, "SELECT " HONOUR_COLS " FROM honour h WHERE (?1 IS NULL OR h.recipient_kind = ?1) "
      "AND (?2 IS NULL OR h.unit = ?2) AND (?3 = 0 OR h.year = ?3) AND (?4 IS NULL OR "
      "h.award LIKE ?4 ESCAPE '\\' OR h.recipient LIKE ?4 ESCAPE '\\' OR h.citation LIKE ?4 ESCAPE '\\') "
      "ORDER BY h.year DESC, h.award, h.id LIMIT ?5 OFFSET ?6");
  stmt_bind_text(s, 1, q->zKind && *q->zKind ? q->zKind : NULL);
  stmt_bind_text(s, 2, q->zUnit && *q->zUnit ? q->zUnit : NULL);
  stmt_bind_int(s, 3, q->iYear);
  stmt_bind_text(s, 4, zLike);
  stmt_bind_int(s, 5, nPageSize);
  stmt_bind_int(s, 6, (int64_t)(iPage - 1) * nPageSize);
  json_t *a = json_array();
  while (stmt_step(s) == 1) json_array_append_new(a, honour_row_json(pDb, s));
  stmt_finalize(s);
  free(zLike);
  *ppOut = json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)nTotal, "page", iPage,
                     "page_size", nPageSize, "items", a);
  return 0;
}

int honour_add(Db *pDb, const EntryWho *w, const HonourInput *pIn, json_t **ppOut, EntryErr *e) {
  *ppOut = NULL;
  if (!place_may_manage(w))
    return entry_err_set(e, KP_E_SCOPE, NULL, "only the system administrator records honours");
  if (honour_check(pDb, pIn, e)) return -1;
  if (db_begin(pDb)) return entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb, "INSERT INTO honour(award, year, recipient, recipient_kind, unit, "
                            "citation, created_at, created_by, published) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  stmt_bind_int(s, 9, !pIn->bUnpublished);
  stmt_bind_text(s, 1, pIn->zAward);
  stmt_bind_int(s, 2, pIn->iYear);
  stmt_bind_text(s, 3, pIn->zRecipient);
  stmt_bind_text(s, 4, pIn->zKind);
  stmt_bind_text(s, 5, pIn->zUnit && *pIn->zUnit ? pIn->zUnit : NULL);
  stmt_bind_text(s, 6, pIn->zCitation);
  stmt_bind_text(s, 7, zNow);
  stmt_bind_text(s, 8, place_actor(w));
  int bad = stmt_run(s);
  stmt_finalize(s);
  int64_t id = db_last_insert_id(pDb);
  if (bad) {
    db_rollback(pDb);
    return entry_err_set(e, KP_E_INTERNAL, NULL, "database error");
  }
  char zObj[32];
  snprintf(zObj, sizeof zObj, "honour:%lld", (long long)id);
  json_t *d = json_pack("{s:s, s:i, s:s}", "award", pIn->zAward, "year", pIn->iYear, "recipient",
                        pIn->zRecipient);
  int rcA = audit_record(pDb, place_actor(w), w->zIp, "honour.add", zObj, "ok", d);
  json_decref(d);
  if (rcA || db_commit(pDb)) return place_audit_fail(pDb, e);
  *ppOut = json_pack("{s:I, s:s, s:i, s:s}", "id", (json_int_t)id, "award", pIn->zAward, "year",
                     pIn->iYear, "recipient", pIn->zRecipient);
  return 0;
}

int honour_list(Db *pDb, int iYear, json_t **ppOut, EntryErr *e) {
  (void)e;
  Stmt *s = db_prepare(pDb, "SELECT " HONOUR_COLS " FROM honour h "
                            "WHERE h.published = 1 AND (?1 = 0 OR h.year = ?1) "
                            "ORDER BY h.year DESC, h.award, h.id");
  stmt_bind_int(s, 1, iYear);
  json_t *a = json_array();
  while (stmt_step(s) == 1) json_array_append_new(a, honour_row_json(pDb, s));
  stmt_finalize(s);
  *ppOut = json_pack("{s:o}", "items", a);
  return 0;
}

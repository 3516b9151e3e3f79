/*
** place_store.h: places (红色地图: red-heritage sites, youth education bases, grassroots
** contact places), leaders' contact points (基层联点) with their visits and the problems
** raised, and honours (表彰), in the database. Every change is audited in the same
** transaction (fail closed). Datum conversion and distances are place.c's (pure).
**
** Who: places and honours are the city's public content, managed by the system
** administrator (CAP_UNIT_MANAGE) or the local operator; contact points are assigned by the
** local operator or a leader to a leader account (CAP_COMMENT); a leader logs visits only on
** his or her own points. Problems raised on a visit keep a task_ref column that stays NULL
** until the 督办 task module (another branch) turns problems into tasks.
**
** Public reads (no login): published red and youth places (never the contact places: those
** are villages and enterprises a leader visits, not destinations), and published honours,
** each with the ids of its photos (evidence kinds place and honour, images only); a photo
** is served publicly only while its object is public (place_photo_public).
**
** Not here: HTTP (http/api_wish.c), argument handling (place_cmd.c).
*/
#ifndef KP_PLACE_STORE_H
#define KP_PLACE_STORE_H
#include <jansson.h>

#include "entry.h"

typedef struct PlaceInput {
  const char *zName, *zKind, *zUnit, *zDatum, *zAddress, *zDescription, *zSource;
  double rLon, rLat;     /* in zDatum; NaN when the place has no point */
  int bApproximate;      /* forced on for datum unknown or address */
  int bUnpublished;      /* 1: kept off the public map (new places; place_update sets it) */
} PlaceInput;

/* Adds or (same name) updates a place: the point is converted to GCJ-02 (place_to_gcj02)
** and must fall in Hengyang. An update keeps the published flag. 0 and *ppOut = the place,
** or -1. */
int place_put(Db *pDb, const EntryWho *w, const PlaceInput *pIn, json_t **ppOut, EntryErr *e);
/* Adds a new place (the name must be new: 409 otherwise), as the web UI's "create". */
int place_create(Db *pDb, const EntryWho *w, const PlaceInput *pIn, json_t **ppOut, EntryErr *e);
/* Replaces every field of place iId, the name and published flag included (audited
** place.update). A new name must not be another place's. */
int place_update(Db *pDb, const EntryWho *w, int64_t iId, const PlaceInput *pIn, json_t **ppOut,
                 EntryErr *e);
/* Deletes place iId and the links of its photos (audited place.delete). A contact place with
** a leader assigned is refused (409: its visits hang on it; unpublish or keep it). */
int place_delete(Db *pDb, const EntryWho *w, int64_t iId, json_t **ppOut, EntryErr *e);

/* The management list: every place, published or not, filtered by kind, unit and a text
** (in name, address or description), iPage from 1, nPageSize 1..200. Each row has
** published and photos (ids). {items, total, page, page_size}. */
typedef struct PlaceQuery {
  const char *zKind, *zUnit, *zText;
  int iPage, nPageSize;
} PlaceQuery;
int place_search(Db *pDb, const EntryWho *w, const PlaceQuery *q, json_t **ppOut, EntryErr *e);

/* May evidence id be shown to the public? 1 when it is an image (jpeg, png, webp) attached
** to a published red or youth place or to a published honour; 0 otherwise (no such id,
** another kind, a contact place, unpublished, a video or PDF). */
int place_photo_public(Db *pDb, int64_t iEvidence);
/* Does object (zKind place|honour, iId) exist? For the evidence store's kind table. */
int place_object_exists(Db *pDb, const char *zKind, int64_t iId);

/* Imports a CSV of places: header name,lat,lon,datum,source (../shared/data/geo/places.csv)
** with optional kind, unit, address, description, approximate columns; zKind is the
** default kind. A name with a parenthetical ("罗荣桓故居 (second source)") is stored under
** the part before it, the parenthetical kept in the description; a second row for the same
** name is reported as a corroborating point with its distance from the first and not
** stored. Any bad row imports nothing (file, line, column, reason in e and e->pExtra
** {report}). One transaction. *ppOut = {imported, skipped: [...]}. */
int place_import(Db *pDb, const EntryWho *w, const char *zFile, const char *zKind,
                 json_t **ppOut, EntryErr *e);

/* Places: zKind NULL = all; bPublic = published red and youth only, each with photos (ids).
** {items: [...]}. */
int place_list(Db *pDb, const char *zKind, int bPublic, json_t **ppOut, EntryErr *e);

/* A route through the named places (ids) in the order given: legs with straight-line
** distances (great circle, km) and the total. Only published red and youth places when
** bPublic. */
int place_route(Db *pDb, const int64_t *aId, int nId, int bPublic, json_t **ppOut, EntryErr *e);

/* ---- contact points -------------------------------------------------------------------- */

/* Assigns leader account zLeader to the contact place zPlace (name). */
int contact_assign(Db *pDb, const EntryWho *w, const char *zPlace, const char *zLeader,
                   json_t **ppOut, EntryErr *e);
/* Logs a visit on point iPoint: date YYYY-MM-DD (not in the future), notes, and the problems
** raised (JSON array of strings, may be NULL). Only the point's leader (or the operator). */
int contact_visit(Db *pDb, const EntryWho *w, int64_t iPoint, const char *zDate,
                  const char *zNotes, json_t *aProblems, json_t **ppOut, EntryErr *e);
/* Closes an open problem with a note (the point's leader or the operator). */
int contact_problem_close(Db *pDb, const EntryWho *w, int64_t iProblem, const char *zNote,
                          json_t **ppOut, EntryErr *e);
/* The points of a leader (zLeader NULL: the caller's own; another leader's needs
** CAP_ALL_UNITS), each with its place, last visit, visit count and open problems, and the
** visits. {leader, points: [...]}. */
int contact_list(Db *pDb, const EntryWho *w, const char *zLeader, json_t **ppOut, EntryErr *e);

/* ---- honours --------------------------------------------------------------------------------- */

typedef struct HonourInput {
  const char *zAward, *zRecipient, *zKind, *zUnit, *zCitation;
  int iYear;
  int bUnpublished;      /* 1: kept off the public honours page */
} HonourInput;
int honour_add(Db *pDb, const EntryWho *w, const HonourInput *pIn, json_t **ppOut, EntryErr *e);
/* Replaces every field of honour iId (audited honour.update). */
int honour_update(Db *pDb, const EntryWho *w, int64_t iId, const HonourInput *pIn, json_t **ppOut,
                  EntryErr *e);
/* Deletes honour iId and the links of its photos (audited honour.delete). */
int honour_delete(Db *pDb, const EntryWho *w, int64_t iId, json_t **ppOut, EntryErr *e);
/* Published honours, newest year first, with photos (ids); iYear 0 = all. {items: [...]}. */
int honour_list(Db *pDb, int iYear, json_t **ppOut, EntryErr *e);
/* The management list: every honour, filtered by recipient kind (person, collective), unit,
** year (0 = all) and a text (award, recipient or citation), paged as place_search. */
typedef struct HonourQuery {
  const char *zKind, *zUnit, *zText;
  int iYear, iPage, nPageSize;
} HonourQuery;
int honour_search(Db *pDb, const EntryWho *w, const HonourQuery *q, json_t **ppOut, EntryErr *e);

#endif

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
** Public reads (no login): red and youth places (never the contact places: those are
** villages and enterprises a leader visits, not destinations), and honours.
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
} PlaceInput;

/* Adds or (same name) updates a place: the point is converted to GCJ-02 (place_to_gcj02)
** and must fall in Hengyang. 0 and *ppOut = the place, or -1. */
int place_put(Db *pDb, const EntryWho *w, const PlaceInput *pIn, json_t **ppOut, EntryErr *e);

/* Imports a CSV of places: header name,lat,lon,datum,source (../shared/data/geo/places.csv)
** with optional kind, unit, address, description, approximate columns; zKind is the
** default kind. A name with a parenthetical ("罗荣桓故居 (second source)") is stored under
** the part before it, the parenthetical kept in the description; a second row for the same
** name is reported as a corroborating point with its distance from the first and not
** stored. Any bad row imports nothing (file, line, column, reason in e and e->pExtra
** {report}). One transaction. *ppOut = {imported, skipped: [...]}. */
int place_import(Db *pDb, const EntryWho *w, const char *zFile, const char *zKind,
                 json_t **ppOut, EntryErr *e);

/* Places: zKind NULL = all; bPublic = red and youth only. {items: [...]}. */
int place_list(Db *pDb, const char *zKind, int bPublic, json_t **ppOut, EntryErr *e);

/* A route through the named places (ids) in the order given: legs with straight-line
** distances (great circle, km) and the total. Only public places when bPublic. */
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
} HonourInput;
int honour_add(Db *pDb, const EntryWho *w, const HonourInput *pIn, json_t **ppOut, EntryErr *e);
/* Honours, newest year first; iYear 0 = all. {items: [...]}. */
int honour_list(Db *pDb, int iYear, json_t **ppOut, EntryErr *e);

#endif

/*
** review_sources.h: bringing the derived observations of a period up to date before its
** review is computed (finding sync, project sync, wish feed), so that `review compute` and
** the web workflow's compute never score a period without them. docs/review-json.md
** ("sources") describes the record this produces.
*/
#ifndef KAOPING_REVIEW_SOURCES_H
#define KAOPING_REVIEW_SOURCES_H

#include <jansson.h>

#include "entry.h"
#include "store/db.h"

/* Runs, inside the caller's open transaction (db_begin already called), the three feeds for
** period zPeriod in this order: findings (the scheme's supervision.map), industrial
** projects (supervision.projects), micro-wishes (leaves D1 claim7 / D2 satisfied when they
** are leaves of the period's scheme). A feed runs only where its store accepts values:
**   - published period: none runs (values are frozen; corrections go through data revise);
**   - closed period: findings and projects run (their stores accept a closed period), the
**     wish feed does not (wish_feed writes into open periods only);
**   - a feed the scheme does not map is skipped.
** Each feed writes its own audit record (finding.sync, project.sync, wish.feed) in the same
** transaction. On success returns 0 and *ppSources = {finding: {...}, project: {...},
** wish: {...}} where each is {written, unchanged} or {skipped: reason}. On failure returns
** -1 with *e set: the caller then rolls its transaction back (a feed that failed inside may
** already have done so; db_rollback at the caller's depth is still required). */
int review_sources_sync(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppSources,
                        EntryErr *e);

#endif

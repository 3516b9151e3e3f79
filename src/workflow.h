/*
** workflow.h: the assessor's period workflow for the web API: open a period, close it,
** compute its review, publish it. The same rules as the CLI verbs (`period open|close`,
** period_store.c; `review compute|publish`, review_cmd.c), with the signed-in account as the
** actor and its address in the audit record, and errors as KP_E_* codes instead of printed
** messages and exit codes.
**
** The scoring itself is review.c's and score.c's (review_load, score_compute,
** review_derive, review_json_text): nothing here computes a number. What is repeated from
** review_cmd.c is the bookkeeping of the review rows (replace the computed row, next
** revision, supersede on publish); review_cmd.c keeps it inside its CLI verbs, so it cannot
** be called from here without changing that file (a follow-up: move both into review.c).
**
** Not here: scope (the router's capability row: CAP_SCHEME_MANAGE / CAP_REVIEW_PUBLISH; the
** functions check it again), data entry (entry.c).
*/
#ifndef KP_WORKFLOW_H
#define KP_WORKFLOW_H
#include <jansson.h>

#include "entry.h"

/* Opens period zCode under scheme zScheme ("CODE" or "CODE@VERSION") with an optional
** deadline (YYYY-MM-DD). 0 and *ppOut = {period, state, scheme, deadline}, or -1. */
int workflow_open(Db *pDb, const EntryWho *w, const char *zCode, const char *zScheme,
                  const char *zDeadline, json_t **ppOut, EntryErr *e);
/* open -> closed. */
int workflow_close(Db *pDb, const EntryWho *w, const char *zCode, json_t **ppOut, EntryErr *e);
/* Computes (or recomputes) the review: a 'computed' row, provisional while open. */
int workflow_compute(Db *pDb, const EntryWho *w, const char *zCode, json_t **ppOut, EntryErr *e);
/* Publishes the computed review of a closed period whose inputs did not change since. */
int workflow_publish(Db *pDb, const EntryWho *w, const char *zCode, json_t **ppOut, EntryErr *e);

#endif

/*
** comment.h: leaders' review comments (点评意见) on one unit in one period's review.
**
** A comment is written by an account with CAP_COMMENT (leader) once the period has a
** computed or published review, and is never edited or deleted (a correction is a new
** comment). Readers: CAP_REVIEW_DRAFT (assessor, leader) always; other readers of reviews
** (reporter, provider, inspector) once the review is published, and a reporter
** (no CAP_ALL_UNITS) only the comments on its own unit. Scope is enforced here.
** Writing is audited (comment.add, with the text) in the same transaction.
**
** Not here: the review itself (review.c), HTTP (http/api_entry.c).
*/
#ifndef KP_COMMENT_H
#define KP_COMMENT_H
#include <jansson.h>

#include "entry.h"

#define COMMENT_MAX_BYTES 4000

/* Adds a comment. 0 and *ppOut = {id, period, unit, text, author, created_at}, or -1. */
int comment_add(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
                const char *zText, json_t **ppOut, EntryErr *e);
/* Lists comments of a period, oldest first; zUnit NULL = all units the reader may see. */
int comment_list(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
                 json_t **ppOut, EntryErr *e);

#endif

/*
** meeting.h: the review meeting that every county follows from its own browser (issue 3
** part 6, "follow the presenter"). The performance office (the assessor role: it runs the
** review and publishes it, DESIGN.md section 2) starts a meeting for a period whose review
** is published; the server keeps the presenter's current slide; every account that may read
** the published review follows it by polling (docs/api.md, "Meeting").
**
** State (table meeting, store/schema.c): one row per meeting; at most one live meeting per
** period (ended_at IS NULL, a unique partial index). seq is the period's sequence number:
** it grows by one at the start, at every move and at the end, and never repeats across
** meetings of the period, so a follower that knows seq N asks "anything after N?".
**
** Rules: starting and ending are audited (meeting.start, meeting.end); only the presenter
** moves the slide (anyone else: KP_E_SCOPE, audited meeting.denied); any account with
** review_publish may end a meeting (so that one left open by an absent presenter can be
** closed), the audit record names both. Moves are not audited: they are many, and the
** slide shown is no data of its own (the published review is public to every reader).
*/
#ifndef KP_MEETING_H
#define KP_MEETING_H
#include <jansson.h>

#include "entry.h"
#include "store/db.h"

#define MEETING_SLIDE_MAX 80 /* bytes of a slide key */

/* Is z a well-formed slide key: "cover", "lists", "group:NAME" or "unit:CODE" (NAME 1..64
** bytes of UTF-8 without control characters, CODE letters, digits, - and _, 1..16)?
** Pure; 1 or 0. */
int meeting_slide_valid(const char *z);

/* The meeting state of a period as JSON: {period, live, seq, meeting?, presenter?,
** presenter_name?, slide?, index?, started_at?, moved_at?, ended_at?}; live is false and
** seq 0 when there never was one. 0, or -1 (e set). */
int meeting_get(Db *pDb, const char *zPeriod, json_t **ppOut, int64_t *piSeq, EntryErr *e);

/* Starts a meeting on zSlide (NULL = "cover"). 409 KP_E_STATE when the period's review is not
** published or a meeting is live; 404 when there is no such period. Audited. */
int meeting_start(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zSlide,
                  int iIndex, json_t **ppOut, EntryErr *e);

/* Moves the live meeting to zSlide (the slide's position iIndex is a hint for followers).
** The presenter only (else KP_E_SCOPE, audited); 409 when no meeting is live; 400 for a bad
** key or a group/unit that is not in the published review. */
int meeting_move(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zSlide,
                 int iIndex, json_t **ppOut, EntryErr *e);

/* Ends the live meeting (409 when none). Audited. */
int meeting_end(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppOut, EntryErr *e);

#endif

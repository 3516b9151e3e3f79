/*
** period_store.h: periods (考核期) in the database: their state and scheme. Period codes and
** their calendar arithmetic are period.c's (pure); this module is about the stored row and
** the rule that a state only moves forward: open -> closed -> published.
**   open       data entry (data import) allowed
**   closed     no more entry; corrections go through `data revise`; the review is computed
**   published  the review is public (set by `review publish`, review_cmd.c); data frozen,
**              corrections are audited revisions (`data revise`)
*/
#ifndef KP_PERIOD_STORE_H
#define KP_PERIOD_STORE_H
#include <stdint.h>

#include "store/db.h"

typedef struct PeriodRow {
  char zCode[16];      /* canonical code, e.g. "2021-B3" */
  int64_t iSchemeId;   /* scheme.id */
  char zState[12];     /* "open", "closed" or "published" */
} PeriodRow;

/* Reads period zCode. Returns 1 when found (and fills *p), 0 when there is none, -1 on a
** database error (see db_errmsg). */
int period_store_get(Db *pDb, const char *zCode, PeriodRow *p);

#endif

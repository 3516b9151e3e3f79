/*
** scheme_store.h: schemes (考核方案) in the database: stored versions, and finding and
** loading one. The JSON language of a scheme and its validation are scheme.c's; this module
** only keeps the text, its version number and its hash, and hands the text to scheme_parse.
**
** Versioning: each import of a code stores the body as version = previous max + 1, unless
** its SHA-256 equals the latest version's (then nothing is stored). A period is bound to one
** version (period.scheme_id), so a later version never changes a published review.
*/
#ifndef KP_SCHEME_STORE_H
#define KP_SCHEME_STORE_H
#include <stdint.h>

#include "scheme.h"
#include "store/db.h"

/* Finds the stored scheme "CODE" (latest version) or "CODE@VERSION". Returns 0 and sets
** *piId (scheme.id) and *piVersion; or -1 with *pzErr (malloc'd) saying what is missing
** ("no scheme HY2022 is stored", "scheme HY2021 has no version 3 (latest is 2)"). */
int scheme_store_resolve(Db *pDb, const char *zSpec, int64_t *piId, int *piVersion,
                         char **pzErr);

/* Loads and parses the stored scheme with id iId. Returns the scheme (scheme_free it), or
** NULL with *pzErr set. *piVersion (may be NULL) receives its version. */
Scheme *scheme_store_load(Db *pDb, int64_t iId, int *piVersion, char **pzErr);

#endif

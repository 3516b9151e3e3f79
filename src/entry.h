/*
** entry.h: data entry (填报) and the period workflow on the web: the entry grid of a period,
** saving drafts, submitting, the assessor's verify / return, the progress table, uploads
** of CSV/XLSX files, and which indicators a provider (数据提供部门) account enters.
**
** SCOPE IS ENFORCED HERE, not only by the route's capability (STYLE.md R9): every function
** takes the signed-in account and refuses, with KP_E_SCOPE, anything outside it:
**   - CAP_DATA_OWN_UNIT (reporter): rows of the account's own unit (AuthUser.zUnit);
**   - CAP_DATA_DEPARTMENT (provider): rows of the indicators assigned to the account
**     (table provider_indicator), for every unit;
**   - CAP_REVIEW_DRAFT (assessor, leader): reads every row; writes none (no data capability);
**   - anyone else (sysadmin, inspector ...): nothing.
** A refusal of scope is audited (entry.denied) after the transaction was rolled back.
**
** State of one cell (period, unit, indicator), each step a NEW observation revision
** (observations are append-only, store/schema.c):
**
**     (empty) --save--> draft --submit--> submitted --verify--> verified
**                        ^  ^                 |  \                 |
**                        |  +----save---------+   +--return------> rejected (reason)
**                        +------------save-------------------------+
** Saving a submitted cell moves it back to draft; a verified cell is locked until the
** assessor returns it. Entry (save, submit, upload) needs an OPEN period; verify and return
** work while the period is open or closed, never after publication.
**
** Every change is audited with audit_record in the same transaction (fail closed); the
** grid of unpublished values is a sensitive read and is audited too.
**
** Not here: HTTP (http/api_entry.c), CLI imports (observation.c, whose header checks and
** cell checks in store/import.h the upload reuses).
*/
#ifndef KP_ENTRY_H
#define KP_ENTRY_H
#include <stddef.h>
#include <jansson.h>

#include "auth.h"
#include "store/db.h"

/* Why a call failed: a KP_E_* code (http/errcode.h), the offending input ("items[2].value",
** "unit", "period" ...; "" when none), a message, and optional extra JSON for the error body
** (errors: [...] or report: [...]; owned, freed by entry_err_free). */
typedef struct EntryErr {
  int iCode;
  char zField[64];
  char zMsg[480];
  json_t *pExtra;
} EntryErr;

void entry_err_free(EntryErr *e);
/* Fills *e; returns -1 (so that a caller can `return entry_err_set(...)`). */
int entry_err_set(EntryErr *e, int iCode, const char *zField, const char *zFmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The caller's context for audit records: account and client address. */
typedef struct EntryWho {
  const AuthUser *pUser;
  const char *zIp;
} EntryWho;

/* The grid: rows {unit, indicator, ... value, state, hints} (docs/api.md). zUnit and/or
** zIndicator filter (NULL = any); with neither, a reporter gets its own unit and a provider
** its indicators; an account reading everything must name one. 0 and *ppOut, or -1. */
int entry_grid(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
               const char *zIndicator, json_t **ppOut, EntryErr *e);

/* Saves drafts: aItems is a JSON array of {unit, indicator, value (number|null), note}.
** All or nothing. 0 and *ppOut = {saved, unchanged, rows:[...]}, or -1. */
int entry_save(Db *pDb, const EntryWho *w, const char *zPeriod, json_t *aItems,
               json_t **ppOut, EntryErr *e);

/* Submits the drafts in scope (zUnit / zIndicator may narrow them). 0 or -1. */
int entry_submit(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
                 const char *zIndicator, json_t **ppOut, EntryErr *e);

/* Assessor: zReason NULL = verify the submitted cells of zUnit (zIndicator NULL = all);
** else return them (submitted or verified -> rejected) with the reason. 0 or -1. */
int entry_check(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
                const char *zIndicator, const char *zReason, json_t **ppOut, EntryErr *e);

/* Per unit: applicable leaves and how many are empty/draft/submitted/verified/rejected. */
int entry_progress(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppOut,
                   EntryErr *e);

/* Imports one uploaded CSV/XLSX file (bytes zData[0..n)) as drafts, through the importer's
** reader and checks (util/table.h, store/import.h). Any bad row (including a row outside
** the account's scope) imports nothing: -1 with KP_E_BAD_ROWS and e->pExtra = {report:
** [{file, line, column, reason}]}. 0 and *ppOut = {file, format, rows, new, unchanged}. */
int entry_upload(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zFileName,
                 const char *zData, size_t nData, json_t **ppOut, EntryErr *e);

/* Provider assignments: the indicators account zAccount enters (replaced as a whole by
** entry_assign; audited with before and after). */
int entry_assigned(Db *pDb, const char *zAccount, json_t **ppOut, EntryErr *e);
int entry_assign(Db *pDb, const EntryWho *w, const char *zAccount, json_t *aIndicators,
                 json_t **ppOut, EntryErr *e);

#endif

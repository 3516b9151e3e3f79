/*
** supervision.h: the supervision office's records in the store (云督查): the working-day
** calendar, inspections (督查: 暗访, 明查, 网络/云督查), findings (问题) and their event
** timeline, and key tasks (督办事项). The rules are finding.c's (the lifecycle table and
** the derived lights) and calendar.c's; this module loads, checks scope, applies, audits.
**
** SCOPE IS ENFORCED HERE, like entry.h (STYLE.md R9), for every caller (CLI and HTTP):
**   - CAP_INSPECT (inspector): every finding; records inspections and findings;
**   - CAP_COMMENT (leader): reads everything, writes instructions (领导批示), assigns tasks;
**   - CAP_REVIEW_DRAFT (assessor): reads everything (the findings feed the review);
**   - CAP_DATA_OWN_UNIT (reporter): only findings and tasks of its own unit, as lead or
**     co-handling unit (协办); an inspection's team is never shown to it (undercover);
**   - anyone else: nothing.
** What an actor may DO to a finding is the lifecycle table's (finding.h: FR_* of the
** account relative to the finding). Every change is audited with audit_record in the same
** transaction (fail closed); every refusal (state, role, scope) is audited as
** finding.denied / task.denied after the rollback.
**
** "Today" is the China date (UTC+8) of db_now(), which honours $KAOPING_NOW: tests move the
** clock with it, and an item is overdue the moment its deadline day ends in China.
**
** Not here: HTTP (http/api_supervision.c), the CLI (supervision_cmd.c), the lifecycle
** table (finding.c), date arithmetic (calendar.c).
*/
#ifndef KP_SUPERVISION_H
#define KP_SUPERVISION_H
#include <jansson.h>

#include "calendar.h"
#include "entry.h"
#include "finding.h"

/* Loads the stored calendar (every imported year). 0, or -1 with *pzErr. */
int sup_calendar_load(Db *pDb, Calendar *pCal, char **pzErr);
/* Imports one calendar file (calendar.h format): replaces the stored days of the years it
** holds, audited as calendar.import. zActor: the account or local:<user>; zIp: the client
** address (HTTP) or NULL. *pzSummary says what was stored (malloc'd). 0, or -1 with *pzErr
** ("FILE: line L, column C: reason"); nothing is stored then (one transaction). */
int sup_calendar_import(Db *pDb, const char *zActor, const char *zIp, const char *zFile,
                        const char *zText, size_t nText, char **pzSummary, char **pzErr);
/* The imported years: [{year, source (file name), imported_at, imported_by, off, work}]. */
json_t *sup_calendar_years(Db *pDb);

/* Today's China date as a day number, from db_now(). */
int sup_today(void);

/* The policy in force (finding.h FindingPolicy): the newest scheme's supervision section
** (finding_map.h), else the defaults. */
void sup_policy(Db *pDb, FindingPolicy *p);

/* Inspections. pIn = {kind: undercover|announced|online (or 暗访|明查|网络), topic, team,
** start: YYYY-MM-DD, end?: YYYY-MM-DD}. Needs CAP_INSPECT. 0 and *ppOut = the inspection. */
int sup_inspection_add(Db *pDb, const EntryWho *w, json_t *pIn, json_t **ppOut, EntryErr *e);
int sup_inspection_list(Db *pDb, const EntryWho *w, json_t **ppOut, EntryErr *e);

/* Records a finding (立项, state registered). pIn = {unit, category, text, severity?
** (minor|major|severe, default minor), inspection?, place?, lon?, lat?, responsible?,
** days? (整改时限, working days, default 10), sign_days? (签收时限, default 2),
** report_every? (days between progress reports, default 7; 0 = by stage), deduction?
** (points, default 0.5), co_units? [unit ...]}. Needs CAP_INSPECT. */
int sup_finding_add(Db *pDb, const EntryWho *w, json_t *pIn, json_t **ppOut, EntryErr *e);

/* Applies one lifecycle action (finding.h names: assign, sign, report, request_close ...).
** pArgs = {note?, deadline? (request_extend), days? (reopen), progress? (0..100: report,
** request_*), dup_of? (finding id), dup_of_order? (hotline work order id), public?
** (verify)}. 0 and *ppOut = the finding after the action, or -1 (KP_E_STATE, KP_E_SCOPE,
** KP_E_MISSING, KP_E_INVALID, KP_E_NO_SUCH ...; refusals audited). */
int sup_finding_act(Db *pDb, const EntryWho *w, int64_t id, const char *zAction,
                    json_t *pArgs, json_t **ppOut, EntryErr *e);

/* One finding with its status, co-handling units and event timeline. */
int sup_finding_show(Db *pDb, const EntryWho *w, int64_t id, json_t **ppOut, EntryErr *e);

/* Filters for sup_finding_list (NULL / 0 = any). */
typedef struct FindingFilter {
  const char *zUnit, *zCategory, *zState, *zLight;
  int bOverdue;    /* only overdue (办理逾期 running, or not signed in time) */
  int bLate;       /* only those finding_late counts (overdue now or finished late): the
                   ** bulletin's and the review unit page's 逾期 */
  int bOpen;       /* only open states */
  const char *zFrom, *zTo; /* handed over (assigned_on) within [zFrom, zTo], YYYY-MM-DD */
  int iPage;       /* 1-based, default 1 */
  int nPerPage;    /* 1..500, default 50 */
} FindingFilter;

/* Findings in scope, newest first, with status: {total, page, per_page, findings: [...],
** counts: {red, yellow, blue, green, none}} (counts over all the filtered findings). */
int sup_finding_list(Db *pDb, const EntryWho *w, const FindingFilter *f, json_t **ppOut,
                     EntryErr *e);

/* The public list (公示, no login): findings verified (验收销号) or archived after it whose
** verification the office made public, newest verification first, 20 a page, optionally of
** one unit or category. Only what a notice would print: unit, category, severity, what was
** found, the dates, whether it was finished late. Never the responsible person, the
** inspector, the place or coordinates, the events' notes. *ppOut = {total, page, per_page,
** findings: [...]}. 0 or -1 (e set). */
int sup_finding_public(Db *pDb, const char *zUnit, const char *zCategory, int iPage,
                       json_t **ppOut, EntryErr *e);

/* Writes the findings of period zPeriod as observations (provenance `finding`, state
** verified) of the deduct and veto leaves the period's scheme maps them to (finding_map.h):
** per unit and leaf, a deduct leaf gets the points of the unit's confirmed findings (each
** finding's deduction plus the escalation schedule's extra for its level today), a veto
** leaf their number; 0 when none. Confirmed = handed over (assigned) within the period
** (from 1 January for a year-to-date leaf) and not a duplicate. A value that did not change
** adds no revision. Needs CAP_INSPECT or CAP_REVIEW_PUBLISH; refused for a published
** period. Audited (finding.sync). *ppOut = {period, written, unchanged, values: [...]}. */
int sup_finding_sync(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppOut,
                     EntryErr *e);

/* ---- tasks (督办事项) ------------------------------------------------------------------
** A key task from a meeting, assigned by a leader (CAP_COMMENT) or the supervision office
** (CAP_INSPECT) to a lead unit (牵头) and co-handling units with a deadline. The units'
** reporters post progress; the lead unit asks to close; only the assigning office (an
** account with the capability that assigned it) confirms or returns. Overdue tasks
** escalate (level as for findings: 黄牌 when overdue, 提级督办 at nEscalateOverdueDays).
**   open -report-> open ; open -request_close-> req_close -confirm-> closed
**   req_close -return-> open                                                          */

/* pIn = {title, category, source?, lead_unit, co_units? [..], deadline: YYYY-MM-DD | days:
** N (working days from today)}. */
int sup_task_add(Db *pDb, const EntryWho *w, json_t *pIn, json_t **ppOut, EntryErr *e);
/* zAction: report | request_close | confirm | return. pArgs = {note?, progress?}. */
int sup_task_act(Db *pDb, const EntryWho *w, int64_t id, const char *zAction, json_t *pArgs,
                 json_t **ppOut, EntryErr *e);
int sup_task_show(Db *pDb, const EntryWho *w, int64_t id, json_t **ppOut, EntryErr *e);
/* Tasks in scope with status; zUnit / zState filter (NULL = any). */
int sup_task_list(Db *pDb, const EntryWho *w, const char *zUnit, const char *zState,
                  json_t **ppOut, EntryErr *e);

#endif

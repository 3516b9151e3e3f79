/*
** project_store.h: industrial projects (产业项目) in the store: the registry, investment
** completed per period with the milestones (开工, 投产), the lagging flag and the per-unit
** figures (project.h), the live site link (连线现场), and the figures written into a period
** as observations with provenance `project` through the scheme's supervision section
** ("projects": {invest_rate, start_rate, produce_rate}).
**
** Scope (enforced here): the registry is kept by the performance office or the data
** department (CAP_SCHEME_MANAGE, CAP_DATA_DEPARTMENT); investment is reported by the
** unit's reporter (own unit) or the data department; everyone who reads periods reads the
** projects, a reporter only its own unit's. Every change is audited in its transaction.
** A stream address must be http(s): the UI opens it in a new window, and a javascript: or
** data: address would run in the application's origin.
*/
#ifndef KP_PROJECT_STORE_H
#define KP_PROJECT_STORE_H
#include <jansson.h>

#include "entry.h"

/* pIn = {code, name, unit, industry, total_investment, year, annual_plan, plan_start?,
** plan_produce?, signed_on?, started_on?, produced_on?, lon?, lat?, stream_url?}. */
int proj_add(Db *pDb, const EntryWho *w, json_t *pIn, json_t **ppOut, EntryErr *e);
/* Investment completed in period zPeriod (亿元, replaces an earlier figure of that period),
** with optional actual milestones: pIn = {period, completed, note?, started_on?,
** produced_on?}. */
int proj_progress(Db *pDb, const EntryWho *w, int64_t id, json_t *pIn, json_t **ppOut,
                  EntryErr *e);
/* Projects in scope with their status at the end of zPeriod (year to date), and the
** per-unit figures: {period, time_progress, projects: [...], units: [...]}. zUnit filters. */
int proj_list(Db *pDb, const EntryWho *w, const char *zPeriod, const char *zUnit,
              json_t **ppOut, EntryErr *e);
/* One project with its progress per period and its status at the end of zPeriod. */
int proj_show(Db *pDb, const EntryWho *w, int64_t id, const char *zPeriod, json_t **ppOut,
              EntryErr *e);
/* Writes the per-unit figures of zPeriod into the mapped leaves (provenance project). */
int proj_sync(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppOut, EntryErr *e);

#endif

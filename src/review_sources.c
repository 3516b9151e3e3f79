/*
** review_sources.c: the feeds a review computation runs first (review_sources.h). The
** three feeds were separate verbs (`finding sync`, `project sync`, `wish feed`); a review
** computed without running them silently lacked their values. Here they run inside the
** computation's transaction, so the observations, the review and the audit records of both
** commit together or not at all.
**
** Invariant: a feed is called only when its own preconditions hold (period state, mapping,
** indicator codes), because a refused feed rolls the whole transaction back (db.c's
** nesting): a precondition that does not hold is a "skipped" entry, not an error.
*/
#include "review_sources.h"

#include <stdlib.h>
#include <string.h>

#include "finding_map.h"
#include "http/errcode.h"
#include "period.h"
#include "period_store.h"
#include "project_store.h"
#include "scheme.h"
#include "scheme_store.h"
#include "supervision.h"
#include "util/mem.h"
#include "wish_store.h"

/* {written, unchanged} out of a feed's answer (consumed). */
static json_t *review_sources_counts(json_t *pOut) {
  json_t *o = json_pack("{s:I, s:I}", "written",
                        (json_int_t)json_integer_value(json_object_get(pOut, "written")),
                        "unchanged",
                        (json_int_t)json_integer_value(json_object_get(pOut, "unchanged")));
  json_decref(pOut);
  return o;
}

static json_t *review_sources_skip(const char *zWhy) {
  return json_pack("{s:s}", "skipped", zWhy);
}

/* Wishes submitted in the period (all units), or -1 with *e. A period without any leaves
** its D1/D2 as entered: feeding it would replace them by missing values. */
static int review_sources_wishes(Db *pDb, const char *zPeriod, EntryErr *e) {
  json_t *pStats = NULL;
  if (wish_stats(pDb, zPeriod, &pStats, e)) return -1;
  json_int_t n = 0;
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(pStats, "units"), i, u)
    n += json_integer_value(json_object_get(u, "submitted"));
  json_decref(pStats);
  return n > 0;
}

int review_sources_sync(Db *pDb, const EntryWho *w, const char *zPeriod, json_t **ppSources,
                        EntryErr *e) {
  *ppSources = NULL;
  PeriodRow pr;
  int k = period_store_get(pDb, zPeriod, &pr);
  if (k <= 0)
    return entry_err_set(e, k < 0 ? KP_E_INTERNAL : KP_E_NO_SUCH, "period", "no period %s",
                         zPeriod);
  if (strcmp(pr.zState, "published") == 0) {
    const char *z = "the period is published: its values are frozen (corrections go "
                    "through data revise)";
    *ppSources = json_pack("{s:o, s:o, s:o}", "finding", review_sources_skip(z), "project",
                           review_sources_skip(z), "wish", review_sources_skip(z));
    return 0;
  }
  /* the scheme and its supervision section decide which feeds have somewhere to write */
  char *zErr = NULL;
  Scheme *pScheme = scheme_store_load(pDb, pr.iSchemeId, NULL, &zErr);
  json_t *pBody = NULL;
  Stmt *s = db_prepare(pDb, "SELECT body FROM scheme WHERE id = ?1");
  stmt_bind_int(s, 1, pr.iSchemeId);
  if (stmt_step(s) == 1) pBody = json_loads(stmt_text(s, 0), 0, NULL);
  stmt_finalize(s);
  FindingMap map = {0};
  if (!pScheme || !pBody ||
      finding_map_parse(pScheme, json_object_get(pBody, "supervision"), &map, &zErr)) {
    entry_err_set(e, KP_E_INTERNAL, NULL, "the period's scheme: %s", zErr ? zErr : "unreadable");
    free(zErr);
    json_decref(pBody);
    if (pScheme) scheme_free(pScheme);
    return -1;
  }
  json_decref(pBody);
  int bFinding = map.nEntry > 0;
  int bProject = map.azProjectLeaf[0] || map.azProjectLeaf[1] || map.azProjectLeaf[2];
  finding_map_free(&map);
  /* the wish feed's indicators, as `wish feed` defaults them, where the scheme has them */
  const char *zClaim7 = NULL, *zSatisfied = NULL;
  int i1 = scheme_find(pScheme, WISH_FEED_CLAIM7), i2 = scheme_find(pScheme, WISH_FEED_SATISFIED);
  if (i1 >= 0 && pScheme->aNode[i1].bLeaf) zClaim7 = WISH_FEED_CLAIM7;
  if (i2 >= 0 && pScheme->aNode[i2].bLeaf) zSatisfied = WISH_FEED_SATISFIED;
  scheme_free(pScheme);

  json_t *pSources = json_object();
  json_t *pOut = NULL;
  if (!bFinding) {
    json_object_set_new(pSources, "finding", review_sources_skip(
        "the scheme maps no finding category (supervision.map)"));
  } else if (sup_finding_sync(pDb, w, zPeriod, &pOut, e)) {
    json_decref(pSources);
    return -1;
  } else {
    json_object_set_new(pSources, "finding", review_sources_counts(pOut));
  }
  if (!bProject) {
    json_object_set_new(pSources, "project", review_sources_skip(
        "the scheme maps no project figure (supervision.projects)"));
  } else if (proj_sync(pDb, w, zPeriod, &pOut, e)) {
    json_decref(pSources);
    return -1;
  } else {
    json_object_set_new(pSources, "project", review_sources_counts(pOut));
  }
  if (strcmp(pr.zState, "open") != 0) {
    json_object_set_new(pSources, "wish", review_sources_skip(
        "the period is closed: wish figures go into an open period only"));
  } else if (!zClaim7 && !zSatisfied) {
    json_object_set_new(pSources, "wish", review_sources_skip(
        "the scheme has neither leaf " WISH_FEED_CLAIM7 " nor " WISH_FEED_SATISFIED));
  } else if ((k = review_sources_wishes(pDb, zPeriod, e)) <= 0) {
    if (k < 0) {
      json_decref(pSources);
      return -1;
    }
    json_object_set_new(pSources, "wish", review_sources_skip(
        "no wish was submitted in the period: the platform is not in use for it, so the "
        "values entered for the indicators stand"));
  } else if (wish_feed(pDb, w, zPeriod, zClaim7, NULL, zSatisfied, &pOut, e)) {
    json_decref(pSources);
    return -1;
  } else {
    json_object_set_new(pSources, "wish", review_sources_counts(pOut));
  }
  *ppSources = pSources;
  return 0;
}

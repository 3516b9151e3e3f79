/*
** api_robust.c: the HTTP side of the uncertainty analysis: POST
** /api/periods/{period}/whatif (whatif.h), for the what-if form of the unit page. The rank
** intervals themselves need no route: they are in the review document (GET
** /api/reviews/{period}).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "http/errcode.h"
#include "http/http.h"
#include "period.h"
#include "review.h"
#include "store/db.h"
#include "util/mem.h"
#include "whatif.h"

enum { API_WHATIF_MAX_SET = 64 };

int api_whatif(HttpReq *r) {
  const char *zPeriod = http_arg(r, "period");
  Period per;
  char *zErr = NULL;
  if (period_parse(zPeriod, &per, &zErr)) {
    free(zErr);
    return http_fail(r, KP_E_INVALID, "period", "not a period code");
  }
  static const char *const azField[] = {"unit", "set", NULL};
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  const char *zUnit = http_json_str(r, o, "unit", 32, 1);
  json_t *pSet = json_object_get(o, "set");
  if (!r->iStatus && (!json_is_object(pSet) || json_object_size(pSet) == 0 ||
                      json_object_size(pSet) > API_WHATIF_MAX_SET)) {
    json_decref(o);
    return http_fail(r, KP_E_INVALID, "set", "set must be an object of 1 to %d indicators",
                     API_WHATIF_MAX_SET);
  }
  if (r->iStatus) {
    json_decref(o);
    return -1;
  }
  /* scope: an account that does not see every unit asks about its own */
  if (!auth_has(&r->user, CAP_ALL_UNITS) && (!r->user.zUnit || strcmp(r->user.zUnit, zUnit))) {
    json_decref(o);
    return http_fail(r, KP_E_SCOPE, "unit", "what-if is for your own unit");
  }
  /* visibility: the inputs of a period whose review is not published are a draft */
  if (!auth_has(&r->user, CAP_REVIEW_DRAFT)) {
    Stmt *s = db_prepare(r->pDb, "SELECT 1 FROM review WHERE period = ?1 AND state = 'published'");
    stmt_bind_text(s, 1, per.zCode);
    int rc = stmt_step(s);
    stmt_finalize(s);
    if (rc < 0) {
      json_decref(o);
      return http_fail(r, KP_E_INTERNAL, NULL, "the review cannot be read");
    }
    if (rc == 0) {
      json_decref(o);
      return http_fail(r, KP_E_NO_SUCH, "period", "no published review for period %s",
                       per.zCode);
    }
  }
  ReviewInputs *pIn = NULL;
  if (review_load(r->pDb, per.zCode, "", 0, &pIn, &zErr)) {
    json_decref(o);
    http_fail(r, KP_E_NO_SUCH, "period", "%s", zErr ? zErr : "the period has no inputs");
    free(zErr);
    return -1;
  }
  int iUnit = -1;
  for (int u = 0; u < pIn->nUnit && iUnit < 0; u++)
    if (strcmp(pIn->azUnit[u], zUnit) == 0) iUnit = u;
  WhatIfSet aSet[API_WHATIF_MAX_SET];
  int nSet = 0, rc = 0;
  if (iUnit < 0) {
    rc = http_fail(r, KP_E_NO_SUCH, "unit", "no unit %s in period %s", zUnit, per.zCode);
  } else {
    const char *zKey;
    json_t *v;
    json_object_foreach(pSet, zKey, v) {
      char *zSpec;
      if (json_is_number(v) && isfinite(json_number_value(v)))
        zSpec = xasprintf("%s=%.17g", zKey, json_number_value(v));
      else if (json_is_string(v))
        zSpec = xasprintf("%s=%s", zKey, json_string_value(v));
      else
        zSpec = xasprintf("%s=?", zKey);
      int bad = whatif_parse_set(pIn->pScheme, zSpec, &aSet[nSet], &zErr);
      free(zSpec);
      if (bad) {
        rc = http_fail(r, KP_E_INVALID, "set", "%s", zErr);
        free(zErr);
        break;
      }
      nSet++;
    }
  }
  WhatIfResult res;
  memset(&res, 0, sizeof res);
  if (!rc && whatif_run(&pIn->in, iUnit, aSet, nSet, &res, &zErr)) {
    rc = http_fail(r, KP_E_INVALID, "set", "%s", zErr ? zErr : "cannot score");
    free(zErr);
  }
  if (!rc) {
    json_t *pDetail = json_pack("{s:s, s:O}", "unit", zUnit, "set", pSet);
    char *zObject = xasprintf("period:%s", per.zCode);
    int bAudit = audit_record(r->pDb, r->user.zName, r->zPeer, "review.whatif", zObject, "ok",
                              pDetail);
    free(zObject);
    json_decref(pDetail);
    if (bAudit) {
      rc = http_fail(r, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: try again");
    } else {
      json_t *pOut = whatif_json(&pIn->in, &res);
      /* the indicator names, for the form's result table */
      size_t i;
      json_t *c;
      json_array_foreach(json_object_get(pOut, "changes"), i, c) {
        int iNode = scheme_find(pIn->pScheme, json_string_value(json_object_get(c, "indicator")));
        const SchemeNode *pN = iNode >= 0 ? &pIn->pScheme->aNode[iNode] : NULL;
        json_object_set_new(c, "name", json_string(pN && pN->zName ? pN->zName : ""));
        json_object_set_new(c, "unit", json_string(pN && pN->zUnit ? pN->zUnit : ""));
      }
      http_json(r, 200, pOut);
    }
  }
  whatif_result_free(&res);
  review_inputs_free(pIn);
  json_decref(o);
  return rc;
}

/*
** finding_map.c: parses and checks a scheme's "supervision" section (finding_map.h).
** Strict like the rest of the scheme: an unknown key, a wrong type, an unknown leaf or a
** leaf that is not deduct/veto is an error, so a typo never silently drops deductions.
*/
#include "finding_map.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static void map_err(Buf *pErr, int *pn, const char *zFmt, const char *zArg) {
  if (*pn) buf_puts(pErr, "; ");
  buf_printf(pErr, zFmt, zArg);
  (*pn)++;
}

static int read_int(json_t *pSup, const char *zKey, int lo, int hi, int *pv, Buf *pErr, int *pn) {
  json_t *v = json_object_get(pSup, zKey);
  if (!v) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
    if (*pn) buf_puts(pErr, "; ");
    buf_printf(pErr, "%s must be a whole number from %d to %d", zKey, lo, hi);
    (*pn)++;
    return -1;
  }
  *pv = (int)json_integer_value(v);
  return 0;
}

int finding_map_parse(const Scheme *p, json_t *pSup, FindingMap *pMap, char **pzErr) {
  memset(pMap, 0, sizeof *pMap);
  finding_policy_default(&pMap->policy);
  if (!pSup || json_is_null(pSup)) return 0;
  Buf err = BUF_INIT;
  int nErr = 0;
  if (!json_is_object(pSup)) {
    *pzErr = xstrdup("supervision must be an object");
    return -1;
  }
  static const char *const azKey[] = {"map", "warn_days", "yellow_returns", "escalate_returns",
                                      "escalate_overdue_days", "escalation_deduct", "projects",
                                      NULL};
  const char *zKey;
  json_t *v;
  json_object_foreach(pSup, zKey, v) {
    int i = 0;
    while (azKey[i] && strcmp(azKey[i], zKey) != 0) i++;
    if (!azKey[i]) map_err(&err, &nErr, "unknown key \"%s\"", zKey);
  }
  FindingPolicy *pol = &pMap->policy;
  read_int(pSup, "warn_days", 0, 60, &pol->nWarnDays, &err, &nErr);
  read_int(pSup, "yellow_returns", 1, 100, &pol->nYellowReturns, &err, &nErr);
  read_int(pSup, "escalate_returns", 1, 100, &pol->nEscalateReturns, &err, &nErr);
  read_int(pSup, "escalate_overdue_days", 1, 365, &pol->nEscalateOverdueDays, &err, &nErr);
  json_t *aDed = json_object_get(pSup, "escalation_deduct");
  if (aDed) {
    if (!json_is_array(aDed) || json_array_size(aDed) != 3) {
      map_err(&err, &nErr, "%s must be a list of 3 numbers (none, 黄牌, 提级督办)",
              "escalation_deduct");
    } else {
      for (int i = 0; i < 3; i++) {
        json_t *x = json_array_get(aDed, (size_t)i);
        if (!json_is_number(x) || json_number_value(x) < 0 || json_number_value(x) > 100)
          map_err(&err, &nErr, "%s entries must be numbers from 0 to 100", "escalation_deduct");
        else pol->aDeduct[i] = json_number_value(x);
      }
    }
  }
  json_t *pM = json_object_get(pSup, "map");
  if (pM && !json_is_object(pM)) {
    map_err(&err, &nErr, "%s must be an object {category: leaf code}", "map");
  } else if (pM) {
    pMap->aEntry = xcalloc(json_object_size(pM) + 1, sizeof *pMap->aEntry);
    json_object_foreach(pM, zKey, v) {
      if (!json_is_string(v)) {
        map_err(&err, &nErr, "map[\"%s\"] must be a leaf code", zKey);
        continue;
      }
      const char *zLeaf = json_string_value(v);
      int bVeto = 0;
      if (p) {
        int iNode = scheme_find(p, zLeaf);
        if (iNode < 0 || !p->aNode[iNode].bLeaf) {
          map_err(&err, &nErr, "map: no leaf indicator %s", zLeaf);
          continue;
        }
        Method m = p->aNode[iNode].eMethod;
        if (m != METHOD_DEDUCT && m != METHOD_VETO) {
          map_err(&err, &nErr, "map: leaf %s must use the deduct or veto method", zLeaf);
          continue;
        }
        bVeto = m == METHOD_VETO;
      }
      FindingMapEntry *e = &pMap->aEntry[pMap->nEntry++];
      e->zCategory = xstrdup(zKey);
      e->zLeaf = xstrdup(zLeaf);
      e->bVeto = bVeto;
    }
  }
  json_t *pProj = json_object_get(pSup, "projects");
  if (pProj && !json_is_object(pProj)) {
    map_err(&err, &nErr, "%s must be an object {invest_rate|start_rate|produce_rate: leaf}",
            "projects");
  } else if (pProj) {
    static const char *const azFig[3] = {"invest_rate", "start_rate", "produce_rate"};
    json_object_foreach(pProj, zKey, v) {
      int k = 0;
      while (k < 3 && strcmp(azFig[k], zKey) != 0) k++;
      if (k == 3) {
        map_err(&err, &nErr, "projects: unknown figure \"%s\" (invest_rate, start_rate, "
                "produce_rate)", zKey);
        continue;
      }
      if (!json_is_string(v)) {
        map_err(&err, &nErr, "projects.%s must be a leaf code", zKey);
        continue;
      }
      const char *zLeaf = json_string_value(v);
      if (p) {
        int iNode = scheme_find(p, zLeaf);
        if (iNode < 0 || !p->aNode[iNode].bLeaf || !scheme_method_weighted(p->aNode[iNode].eMethod)) {
          map_err(&err, &nErr, "projects: %s is not a weighted leaf indicator", zLeaf);
          continue;
        }
      }
      pMap->azProjectLeaf[k] = xstrdup(zLeaf);
    }
  }
  if (nErr) {
    *pzErr = buf_detach(&err);
    finding_map_free(pMap);
    return -1;
  }
  buf_free(&err);
  return 0;
}

void finding_map_free(FindingMap *pMap) {
  for (int i = 0; i < pMap->nEntry; i++) {
    free(pMap->aEntry[i].zCategory);
    free(pMap->aEntry[i].zLeaf);
  }
  free(pMap->aEntry);
  pMap->aEntry = NULL;
  for (int k = 0; k < 3; k++) {
    free(pMap->azProjectLeaf[k]);
    pMap->azProjectLeaf[k] = NULL;
  }
  pMap->nEntry = 0;
}

const FindingMapEntry *finding_map_find(const FindingMap *pMap, const char *zCategory) {
  for (int i = 0; zCategory && i < pMap->nEntry; i++)
    if (strcmp(pMap->aEntry[i].zCategory, zCategory) == 0) return &pMap->aEntry[i];
  return NULL;
}

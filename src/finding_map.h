/*
** finding_map.h: the optional "supervision" section of a scheme (考核方案): how confirmed
** findings become indicator values, and the office's lifecycle policy. Pure: parses JSON
** and checks it against the scheme's leaves; no I/O.
**
**   "supervision": {
**     "map": {"作风": "X1", "吃喝风": "X1", "安全生产": "X2", "重大安全事故": "V1"},
**     "warn_days": 3, "yellow_returns": 2, "escalate_returns": 3,
**     "escalate_overdue_days": 5, "escalation_deduct": [0, 0.5, 1],
**     "projects": {"invest_rate": "P1", "start_rate": "P2", "produce_rate": "P3"}
**   }
** map: finding category -> leaf code; the leaf's method must be deduct or veto. A deduct
** leaf receives, per unit and period, the POINTS of its confirmed findings: each finding's
** own deduction plus escalation_deduct[level] (0 none, 1 黄牌, 2 提级督办), so the leaf
** should use per_event 1 and its cap. A veto leaf receives the NUMBER of confirmed
** findings (x > 0 vetoes). projects: the leaves that receive each unit's project figures
** in percent (project.h: 投资完成率, 开工率, 投产率; provenance project); they must be
** weighted leaves. The other keys override finding_policy_default().
*/
#ifndef KP_FINDING_MAP_H
#define KP_FINDING_MAP_H
#include <jansson.h>

#include "finding.h"
#include "scheme.h"

typedef struct FindingMapEntry {
  char *zCategory; /* finding category, as recorded */
  char *zLeaf;     /* leaf code */
  int bVeto;       /* the leaf is a veto leaf (count), else deduct (points) */
} FindingMapEntry;

typedef struct FindingMap {
  int nEntry;
  FindingMapEntry *aEntry;
  FindingPolicy policy; /* defaults overridden by the section */
  char *azProjectLeaf[3]; /* invest_rate, start_rate, produce_rate leaf codes, or NULL */
} FindingMap;

/* Parses pSup (NULL = no section: an empty map and the default policy) against scheme p.
** 0, or -1 with *pzErr listing every problem (malloc'd; lines separated by "; "). */
int finding_map_parse(const Scheme *p, json_t *pSup, FindingMap *pMap, char **pzErr);
void finding_map_free(FindingMap *pMap);
/* The entry of a category, or NULL. */
const FindingMapEntry *finding_map_find(const FindingMap *pMap, const char *zCategory);

#endif

/*
** feed/def.c: parsing feed definitions (JSON, docs/feeds.md), the built-in hotline feed, and
** the value parsers the feed code shares (times, numbers). See def.h.
**
** Why the built-in feed is JSON text and not a C table: one parser, one set of checks, and
** `feed show hotline` prints exactly what a user copies to define a feed of their own.
*/
#include "feed/def.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/text.h"

/* The 12345 hotline export of data-formats.md and its four standard indicators. */
static const char zHotlineJson[] =
  "{\n"
  "  \"feed\": \"hotline\",\n"
  "  \"name\": \"12345政务服务便民热线工单\",\n"
  "  \"id\": \"order_id\", \"unit\": \"unit\", \"period\": \"accepted_at\",\n"
  "  \"fields\": [\n"
  "    {\"code\": \"order_id\", \"header\": \"工单编号\", \"aliases\": [\"工单号\", \"工单ID\"], \"type\": \"id\"},\n"
  "    {\"code\": \"accepted_at\", \"header\": \"受理时间\", \"aliases\": [\"登记时间\"], \"type\": \"time\", \"required\": true},\n"
  "    {\"code\": \"unit\", \"header\": \"承办单位编码\", \"aliases\": [\"单位编码\", \"单位代码\"], \"type\": \"unit\"},\n"
  "    {\"code\": \"category\", \"header\": \"诉求类别\", \"aliases\": [\"工单类别\"], \"type\": \"category\"},\n"
  "    {\"code\": \"channel\", \"header\": \"来源渠道\", \"aliases\": [\"渠道\"], \"type\": \"category\"},\n"
  "    {\"code\": \"responded_at\", \"header\": \"响应时间\", \"type\": \"time\"},\n"
  "    {\"code\": \"closed_at\", \"header\": \"办结时间\", \"type\": \"time\"},\n"
  "    {\"code\": \"deadline\", \"header\": \"办结时限\", \"type\": \"time\"},\n"
  "    {\"code\": \"state\", \"header\": \"办理状态\", \"aliases\": [\"工单状态\"], \"type\": \"category\"},\n"
  "    {\"code\": \"satisfaction\", \"header\": \"回访满意度\", \"aliases\": [\"满意度\"], \"type\": \"category\"},\n"
  "    {\"code\": \"content\", \"header\": \"诉求内容\", \"type\": \"text\"}\n"
  "  ],\n"
  "  \"indicators\": [\n"
  "    {\"code\": \"hotline.orders\", \"name\": \"工单量\", \"unit\": \"件\", \"agg\": \"count\"},\n"
  "    {\"code\": \"hotline.ontime_rate\", \"name\": \"按时办结率\", \"unit\": \"比率\", \"agg\": \"rate\",\n"
  "     \"where\": [{\"field\": \"state\", \"in\": [\"已办结\"]}],\n"
  "     \"numerator\": [{\"field\": \"closed_at\", \"le_field\": \"deadline\"}]},\n"
  "    {\"code\": \"hotline.satisfaction_rate\", \"name\": \"满意率\", \"unit\": \"比率\", \"agg\": \"rate\",\n"
  "     \"where\": [{\"field\": \"satisfaction\", \"in\": [\"满意\", \"基本满意\", \"不满意\"]}],\n"
  "     \"numerator\": [{\"field\": \"satisfaction\", \"in\": [\"满意\", \"基本满意\"]}]},\n"
  "    {\"code\": \"hotline.response_median_h\", \"name\": \"响应时长中位数\", \"unit\": \"小时\", \"agg\": \"median\",\n"
  "     \"duration\": {\"from\": \"accepted_at\", \"to\": \"responded_at\", \"unit\": \"hour\"}}\n"
  "  ]\n"
  "}\n";

const char *feed_def_builtin_json(const char *zCode) {
  return zCode && strcmp(zCode, "hotline") == 0 ? zHotlineJson : NULL;
}

FeedDef *feed_def_builtin(const char *zCode) {
  const char *z = feed_def_builtin_json(zCode);
  if (!z) return NULL;
  char *zErr = NULL;
  FeedDef *p = feed_def_parse("built-in hotline", z, &zErr);
  free(zErr); /* the built-in text is tested to parse (test_feed) */
  return p;
}

void feed_def_free(FeedDef *p) {
  if (!p) return;
  for (int i = 0; i < p->nField; i++) {
    free(p->aField[i].zCode);
    free(p->aField[i].zHeader);
    for (int k = 0; k < p->aField[i].nAlias; k++) free(p->aField[i].azAlias[k]);
    free(p->aField[i].azAlias);
  }
  free(p->aField);
  for (int i = 0; i < p->nCond; i++) {
    for (int k = 0; k < p->aCond[i].nValue; k++) free(p->aCond[i].azValue[k]);
    free(p->aCond[i].azValue);
    free(p->aCond[i].anValue);
  }
  free(p->aCond);
  for (int i = 0; i < p->nInd; i++) {
    free(p->aInd[i].zCode);
    free(p->aInd[i].zName);
    free(p->aInd[i].zUnit);
    free(p->aInd[i].aWhere);
    free(p->aInd[i].aNum);
  }
  free(p->aInd);
  free(p->zCode);
  free(p->zName);
  free(p);
}

static int feed_field_by_code(const FeedDef *p, const char *z) {
  for (int i = 0; i < p->nField; i++)
    if (strcmp(p->aField[i].zCode, z) == 0) return i;
  return -1;
}

int feed_def_match_header(const FeedDef *p, const char *z, int n) {
  while (n > 0 && (*z == ' ' || *z == '\t')) { z++; n--; }
  while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t' || z[n - 1] == '\r')) n--;
  for (int i = 0; i < p->nField; i++) {
    const FeedField *f = &p->aField[i];
    if ((int)strlen(f->zHeader) == n && memcmp(f->zHeader, z, (size_t)n) == 0) return i;
    if ((int)strlen(f->zCode) == n && memcmp(f->zCode, z, (size_t)n) == 0) return i;
    for (int k = 0; k < f->nAlias; k++)
      if ((int)strlen(f->azAlias[k]) == n && memcmp(f->azAlias[k], z, (size_t)n) == 0) return i;
  }
  return -1;
}

/* A required non-empty string member, or NULL with *pzErr set. */
static const char *feed_json_str(json_t *o, const char *zKey, const char *zWhere, char **pzErr) {
  json_t *v = json_object_get(o, zKey);
  if (!json_is_string(v) || json_string_length(v) == 0) {
    *pzErr = xasprintf("%s.%s: a non-empty string is required", zWhere, zKey);
    return NULL;
  }
  return json_string_value(v);
}

static int feed_parse_type(const char *z, FeedType *pe) {
  static const char *const az[] = {"id", "unit", "time", "category", "number", "text"};
  for (int i = 0; i < 6; i++)
    if (strcmp(z, az[i]) == 0) { *pe = (FeedType)i; return 0; }
  return -1;
}

/* Parses one condition object into p->aCond; returns its index or -1 with *pzErr. */
static int feed_parse_cond(FeedDef *p, json_t *o, const char *zWhere, char **pzErr) {
  if (!json_is_object(o)) {
    *pzErr = xasprintf("%s: a condition must be an object", zWhere);
    return -1;
  }
  const char *zField = feed_json_str(o, "field", zWhere, pzErr);
  if (!zField) return -1;
  FeedCond c;
  memset(&c, 0, sizeof c);
  c.iField = feed_field_by_code(p, zField);
  c.iField2 = -1;
  if (c.iField < 0) {
    *pzErr = xasprintf("%s.field: no field \"%s\"", zWhere, zField);
    return -1;
  }
  json_t *vIn = json_object_get(o, "in"), *vNotIn = json_object_get(o, "not_in");
  json_t *vLe = json_object_get(o, "le_field"), *vLt = json_object_get(o, "lt_field");
  json_t *vEmpty = json_object_get(o, "empty");
  int nOps = (vIn != NULL) + (vNotIn != NULL) + (vLe != NULL) + (vLt != NULL) + (vEmpty != NULL);
  if (nOps != 1) {
    *pzErr = xasprintf("%s: exactly one of in, not_in, empty, le_field, lt_field is required",
                       zWhere);
    return -1;
  }
  if (vIn || vNotIn) {
    json_t *a = vIn ? vIn : vNotIn;
    c.eOp = vIn ? FEED_OP_IN : FEED_OP_NOT_IN;
    if (!json_is_array(a) || json_array_size(a) == 0) {
      *pzErr = xasprintf("%s.%s: a non-empty array of strings is required", zWhere,
                         vIn ? "in" : "not_in");
      return -1;
    }
    c.nValue = (int)json_array_size(a);
    c.azValue = xcalloc((size_t)c.nValue, sizeof(char *));
    c.anValue = xcalloc((size_t)c.nValue, sizeof(int));
    for (int k = 0; k < c.nValue; k++) {
      json_t *s = json_array_get(a, (size_t)k);
      if (!json_is_string(s)) {
        for (int j = 0; j < k; j++) free(c.azValue[j]);
        free(c.azValue);
        free(c.anValue);
        *pzErr = xasprintf("%s: values must be strings", zWhere);
        return -1;
      }
      c.azValue[k] = xstrdup(json_string_value(s));
      c.anValue[k] = (int)strlen(c.azValue[k]);
    }
  } else if (vEmpty) {
    if (!json_is_boolean(vEmpty)) {
      *pzErr = xasprintf("%s.empty: true or false", zWhere);
      return -1;
    }
    c.eOp = json_is_true(vEmpty) ? FEED_OP_EMPTY : FEED_OP_PRESENT;
  } else {
    json_t *v = vLe ? vLe : vLt;
    c.eOp = vLe ? FEED_OP_LE_FIELD : FEED_OP_LT_FIELD;
    c.iField2 = json_is_string(v) ? feed_field_by_code(p, json_string_value(v)) : -1;
    if (c.iField2 < 0) {
      *pzErr = xasprintf("%s.%s: the code of another field is required", zWhere,
                         vLe ? "le_field" : "lt_field");
      return -1;
    }
    FeedType t1 = p->aField[c.iField].eType, t2 = p->aField[c.iField2].eType;
    if (t1 != t2 || (t1 != FEED_TIME && t1 != FEED_NUMBER)) {
      *pzErr = xasprintf("%s: a comparison needs two time fields or two number fields", zWhere);
      return -1;
    }
  }
  p->aCond = xrealloc_array(p->aCond, (size_t)p->nCond + 1, sizeof(FeedCond));
  p->aCond[p->nCond] = c;
  return p->nCond++;
}

/* Parses an array of conditions into a malloc'd index list. Returns 0 or -1 with *pzErr. */
static int feed_parse_conds(FeedDef *p, json_t *a, const char *zWhere, int **paOut, int *pnOut,
                            char **pzErr) {
  *paOut = NULL;
  *pnOut = 0;
  if (!a) return 0;
  if (!json_is_array(a)) {
    *pzErr = xasprintf("%s: an array of conditions is required", zWhere);
    return -1;
  }
  int n = (int)json_array_size(a);
  int *aIdx = xcalloc((size_t)n + 1, sizeof(int));
  for (int k = 0; k < n; k++) {
    char *zAt = xasprintf("%s[%d]", zWhere, k);
    int i = feed_parse_cond(p, json_array_get(a, (size_t)k), zAt, pzErr);
    free(zAt);
    if (i < 0) { free(aIdx); return -1; }
    aIdx[k] = i;
  }
  *paOut = aIdx;
  *pnOut = n;
  return 0;
}

static int feed_parse_fields(FeedDef *p, json_t *a, char **pzErr) {
  if (!json_is_array(a) || json_array_size(a) == 0) {
    *pzErr = xasprintf("fields: a non-empty array is required");
    return -1;
  }
  p->nField = 0;
  p->aField = xcalloc(json_array_size(a), sizeof(FeedField));
  for (size_t i = 0; i < json_array_size(a); i++) {
    json_t *o = json_array_get(a, i);
    char zAt[48];
    snprintf(zAt, sizeof zAt, "fields[%zu]", i);
    if (!json_is_object(o)) { *pzErr = xasprintf("%s: an object is required", zAt); return -1; }
    const char *zCode = feed_json_str(o, "code", zAt, pzErr);
    if (!zCode) return -1;
    const char *zHeader = feed_json_str(o, "header", zAt, pzErr);
    if (!zHeader) return -1;
    const char *zType = feed_json_str(o, "type", zAt, pzErr);
    if (!zType) return -1;
    FeedField *f = &p->aField[p->nField];
    if (feed_parse_type(zType, &f->eType)) {
      *pzErr = xasprintf("%s.type: \"%s\" is not one of id, unit, time, category, number, text",
                         zAt, zType);
      return -1;
    }
    if (feed_field_by_code(p, zCode) >= 0) {
      *pzErr = xasprintf("%s.code: \"%s\" is defined twice", zAt, zCode);
      return -1;
    }
    if (feed_def_match_header(p, zHeader, (int)strlen(zHeader)) >= 0) {
      *pzErr = xasprintf("%s.header: \"%s\" names another field too", zAt, zHeader);
      return -1;
    }
    f->zCode = xstrdup(zCode);
    f->zHeader = xstrdup(zHeader);
    p->nField++;
    json_t *vAlias = json_object_get(o, "aliases");
    if (vAlias) {
      if (!json_is_array(vAlias)) { *pzErr = xasprintf("%s.aliases: an array is required", zAt); return -1; }
      f->azAlias = xcalloc(json_array_size(vAlias) + 1, sizeof(char *));
      for (size_t k = 0; k < json_array_size(vAlias); k++) {
        json_t *s = json_array_get(vAlias, k);
        if (!json_is_string(s) || json_string_length(s) == 0) {
          *pzErr = xasprintf("%s.aliases[%zu]: a non-empty string is required", zAt, k);
          return -1;
        }
        if (feed_def_match_header(p, json_string_value(s), (int)json_string_length(s)) >= 0) {
          *pzErr = xasprintf("%s.aliases[%zu]: \"%s\" names another field too", zAt, k,
                             json_string_value(s));
          return -1;
        }
        f->azAlias[f->nAlias++] = xstrdup(json_string_value(s));
      }
    }
    json_t *vReq = json_object_get(o, "required");
    f->bRequired = f->eType == FEED_ID || f->eType == FEED_UNIT || json_is_true(vReq);
  }
  return 0;
}

static int feed_parse_indicator(FeedDef *p, json_t *o, const char *zAt, char **pzErr) {
  FeedIndicator *d = &p->aInd[p->nInd];
  memset(d, 0, sizeof *d);
  d->iValue = d->iFrom = d->iTo = -1;
  if (!json_is_object(o)) { *pzErr = xasprintf("%s: an object is required", zAt); return -1; }
  const char *zCode = feed_json_str(o, "code", zAt, pzErr);
  if (!zCode) return -1;
  const char *zAgg = feed_json_str(o, "agg", zAt, pzErr);
  if (!zAgg) return -1;
  static const char *const azAgg[] = {"count", "rate", "sum", "mean", "median"};
  int eAgg = -1;
  for (int k = 0; k < 5; k++)
    if (strcmp(zAgg, azAgg[k]) == 0) eAgg = k;
  if (eAgg < 0) {
    *pzErr = xasprintf("%s.agg: \"%s\" is not one of count, rate, sum, mean, median", zAt, zAgg);
    return -1;
  }
  for (int k = 0; k < p->nInd; k++)
    if (strcmp(p->aInd[k].zCode, zCode) == 0) {
      *pzErr = xasprintf("%s.code: \"%s\" is defined twice", zAt, zCode);
      return -1;
    }
  d->eAgg = (FeedAgg)eAgg;
  json_t *vName = json_object_get(o, "name"), *vUnit = json_object_get(o, "unit");
  d->zCode = xstrdup(zCode);
  d->zName = xstrdup(json_is_string(vName) ? json_string_value(vName) : zCode);
  d->zUnit = xstrdup(json_is_string(vUnit) ? json_string_value(vUnit) : "");
  p->nInd++; /* from here on, feed_def_free frees what d holds */
  char *zW = xasprintf("%s.where", zAt);
  int rc = feed_parse_conds(p, json_object_get(o, "where"), zW, &d->aWhere, &d->nWhere, pzErr);
  free(zW);
  if (rc) return -1;
  json_t *vNum = json_object_get(o, "numerator");
  if (d->eAgg == FEED_RATE) {
    if (!vNum) { *pzErr = xasprintf("%s.numerator: a rate needs one", zAt); return -1; }
    char *zN = xasprintf("%s.numerator", zAt);
    rc = feed_parse_conds(p, vNum, zN, &d->aNum, &d->nNum, pzErr);
    free(zN);
    if (rc) return -1;
  } else if (vNum) {
    *pzErr = xasprintf("%s.numerator: only a rate has one", zAt);
    return -1;
  }
  json_t *vField = json_object_get(o, "field"), *vDur = json_object_get(o, "duration");
  int bNeedsValue = d->eAgg == FEED_SUM || d->eAgg == FEED_MEAN || d->eAgg == FEED_MEDIAN;
  if (!bNeedsValue) {
    if (vField || vDur) { *pzErr = xasprintf("%s: a %s takes no field or duration", zAt, zAgg); return -1; }
    return 0;
  }
  if ((vField != NULL) == (vDur != NULL)) {
    *pzErr = xasprintf("%s: a %s needs either \"field\" or \"duration\"", zAt, zAgg);
    return -1;
  }
  if (vField) {
    d->iValue = json_is_string(vField) ? feed_field_by_code(p, json_string_value(vField)) : -1;
    if (d->iValue < 0 || p->aField[d->iValue].eType != FEED_NUMBER) {
      *pzErr = xasprintf("%s.field: the code of a number field is required", zAt);
      return -1;
    }
    return 0;
  }
  if (!json_is_object(vDur)) { *pzErr = xasprintf("%s.duration: an object is required", zAt); return -1; }
  json_t *vFrom = json_object_get(vDur, "from"), *vTo = json_object_get(vDur, "to");
  d->iFrom = json_is_string(vFrom) ? feed_field_by_code(p, json_string_value(vFrom)) : -1;
  d->iTo = json_is_string(vTo) ? feed_field_by_code(p, json_string_value(vTo)) : -1;
  if (d->iFrom < 0 || d->iTo < 0 || p->aField[d->iFrom].eType != FEED_TIME ||
      p->aField[d->iTo].eType != FEED_TIME) {
    *pzErr = xasprintf("%s.duration: \"from\" and \"to\" must name time fields", zAt);
    return -1;
  }
  json_t *vU = json_object_get(vDur, "unit");
  const char *zU = json_is_string(vU) ? json_string_value(vU) : "hour";
  if (strcmp(zU, "second") == 0) d->rPerUnit = 1;
  else if (strcmp(zU, "minute") == 0) d->rPerUnit = 60;
  else if (strcmp(zU, "hour") == 0) d->rPerUnit = 3600;
  else if (strcmp(zU, "day") == 0) d->rPerUnit = 86400;
  else {
    *pzErr = xasprintf("%s.duration.unit: \"%s\" is not one of second, minute, hour, day", zAt, zU);
    return -1;
  }
  return 0;
}

FeedDef *feed_def_parse(const char *zName, const char *zJson, char **pzErr) {
  json_error_t e;
  json_t *root = json_loads(zJson, 0, &e);
  if (!root) {
    *pzErr = xasprintf("%s: line %d, column %d: %s", zName, e.line, e.column, e.text);
    return NULL;
  }
  FeedDef *p = xcalloc(1, sizeof *p);
  char *zErr = NULL;
  const char *zCode, *zF;
  if (!json_is_object(root)) { zErr = xasprintf("the definition must be a JSON object"); goto fail; }
  zCode = feed_json_str(root, "feed", "definition", &zErr);
  if (!zCode) goto fail;
  p->zCode = xstrdup(zCode);
  json_t *vName = json_object_get(root, "name");
  p->zName = xstrdup(json_is_string(vName) ? json_string_value(vName) : zCode);
  if (feed_parse_fields(p, json_object_get(root, "fields"), &zErr)) goto fail;
  if (!(zF = feed_json_str(root, "id", "definition", &zErr))) goto fail;
  p->iId = feed_field_by_code(p, zF);
  if (p->iId < 0 || p->aField[p->iId].eType != FEED_ID) {
    zErr = xasprintf("id: \"%s\" is not a field of type id", zF);
    goto fail;
  }
  if (!(zF = feed_json_str(root, "unit", "definition", &zErr))) goto fail;
  p->iUnit = feed_field_by_code(p, zF);
  if (p->iUnit < 0 || p->aField[p->iUnit].eType != FEED_UNIT) {
    zErr = xasprintf("unit: \"%s\" is not a field of type unit", zF);
    goto fail;
  }
  if (!(zF = feed_json_str(root, "period", "definition", &zErr))) goto fail;
  p->iPeriod = feed_field_by_code(p, zF);
  if (p->iPeriod < 0 || p->aField[p->iPeriod].eType != FEED_TIME) {
    zErr = xasprintf("period: \"%s\" is not a field of type time", zF);
    goto fail;
  }
  p->aField[p->iPeriod].bRequired = 1;
  json_t *aInd = json_object_get(root, "indicators");
  if (!json_is_array(aInd) || json_array_size(aInd) == 0) {
    zErr = xasprintf("indicators: a non-empty array is required");
    goto fail;
  }
  p->aInd = xcalloc(json_array_size(aInd), sizeof(FeedIndicator));
  for (size_t i = 0; i < json_array_size(aInd); i++) {
    char zAt[48];
    snprintf(zAt, sizeof zAt, "indicators[%zu]", i);
    if (feed_parse_indicator(p, json_array_get(aInd, i), zAt, &zErr)) goto fail;
  }
  json_decref(root);
  return p;
fail:
  *pzErr = xasprintf("%s: %s", zName, zErr);
  free(zErr);
  json_decref(root);
  feed_def_free(p);
  return NULL;
}

/* ---------------------------------------------------------------------------------------
** Values.
*/

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
** days_from_civil algorithm, public domain). */
static int64_t feed_days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void feed_time_month(int64_t t, int *piYear, int *piMonth) {
  int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *piYear = (int)(yoe + era * 400 + (m <= 2));
  *piMonth = m;
}

/* Reads 1..nMax digits at z[*pi] (i < n); returns the value or -1 when there is none. */
static int feed_digits(const char *z, int n, int *pi, int nMin, int nMax) {
  int v = 0, k = 0;
  while (*pi < n && k < nMax && z[*pi] >= '0' && z[*pi] <= '9') {
    v = v * 10 + (z[*pi] - '0');
    (*pi)++;
    k++;
  }
  return k >= nMin ? v : -1;
}

int feed_parse_time(const char *z, int n, int64_t *pT) {
  while (n > 0 && (*z == ' ' || *z == '\t')) { z++; n--; }
  while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t' || z[n - 1] == '\r')) n--;
  int i = 0;
  int y = feed_digits(z, n, &i, 4, 4);
  if (y < 0 || i >= n || (z[i] != '-' && z[i] != '/')) return -1;
  char cSep = z[i++];
  int m = feed_digits(z, n, &i, 1, 2);
  if (m < 1 || m > 12 || i >= n || z[i] != cSep) return -1;
  i++;
  int d = feed_digits(z, n, &i, 1, 2);
  static const int aDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int bLeap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d < 1 || d > aDays[m - 1] + (m == 2 && bLeap)) return -1;
  int hh = 0, mm = 0, ss = 0;
  if (i < n) {
    if (z[i] != ' ' && z[i] != 'T') return -1;
    while (i < n && (z[i] == ' ' || z[i] == 'T')) i++;
    hh = feed_digits(z, n, &i, 1, 2);
    if (hh < 0 || hh > 23 || i >= n || z[i] != ':') return -1;
    i++;
    mm = feed_digits(z, n, &i, 2, 2);
    if (mm < 0 || mm > 59) return -1;
    if (i < n && z[i] == ':') {
      i++;
      ss = feed_digits(z, n, &i, 2, 2);
      if (ss < 0 || ss > 59) return -1;
      if (i < n && z[i] == '.') {
        i++;
        if (feed_digits(z, n, &i, 1, 9) < 0) return -1;
      }
    }
    if (i != n) return -1;
  }
  *pT = feed_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
  return 0;
}

int feed_parse_number(const char *z, int n, double *pr) {
  char zBuf[64];
  if (n <= 0 || n >= (int)sizeof zBuf) {
    if (n <= 0) return -1;
    char *zCopy = xstrndup(z, (size_t)n);
    int rc = text_parse_double(zCopy, pr);
    free(zCopy);
    return rc;
  }
  memcpy(zBuf, z, (size_t)n);
  zBuf[n] = 0;
  return text_parse_double(zBuf, pr);
}

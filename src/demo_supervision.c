/*
** demo_supervision.c: the supervision part of `kaoping demo` (synthetic, like the rest):
** the holiday calendars 2021-2026 (data/calendar/, found beside the binary's build folder
** or under the current directory), three inspections of autumn 2021 (暗访, 明查, 网络), findings
** in most states of the lifecycle (one verified and archived, one returned, one extended,
** one never signed, one a duplicate of a hotline work order, one only registered) and two
** key tasks, all through supervision.c with the demo accounts (ducha 督查室, hengyang
** 衡阳县, leader), so the audit trail and the timelines are the real thing.
**
** Times are 2021 (as the rest of the demo); lights are derived for the day the server
** runs, so in a later year every open item shows red: the demo's world is 2021.
** Without the calendar files the supervision part is skipped with a note (the deadlines
** could not be counted).
*/
#include "demo_supervision.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cli/cli.h"
#include "project_store.h"
#include "supervision.h"
#include "util/mem.h"
#include "util/text.h"

/* The folder holding cn-2021.csv: <binary>/../data/calendar, else ./data/calendar. */
static char *demo_calendar_dir(void) {
  char zExe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", zExe, sizeof zExe - 1);
  if (n > 0) {
    zExe[n] = 0;
    char *zSlash = strrchr(zExe, '/');
    if (zSlash) {
      *zSlash = 0;
      char *z = xasprintf("%s/../data/calendar", zExe);
      char *zProbe = xasprintf("%s/cn-2021.csv", z);
      int bOk = access(zProbe, R_OK) == 0;
      free(zProbe);
      if (bOk) return z;
      free(z);
    }
  }
  if (access("data/calendar/cn-2021.csv", R_OK) == 0) return xstrdup("data/calendar");
  return NULL;
}

typedef struct DemoSup {
  Db *pDb;
  Arena *pArena;
  AuthUser aUser[5]; /* ducha, hengyang, leader, kpb, tongji */
  int bFail;
} DemoSup;

enum { DU_DUCHA, DU_UNIT, DU_LEADER, DU_KPB, DU_TONGJI };

static int64_t demo_id(json_t *o) {
  json_t *v = json_object_get(o, "id");
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Runs one supervision call as account iUser at time zNow; frees pIn. Returns the new id
** (add) or 0; sets bFail on error. */
static int64_t demo_do(DemoSup *d, const char *zNow, int iUser, const char *zWhat, int64_t id,
                       const char *zAction, json_t *pIn) {
  if (d->bFail) {
    json_decref(pIn);
    return 0;
  }
  if (setenv("KAOPING_NOW", zNow, 1) != 0) {
    d->bFail = 1;
    json_decref(pIn);
    return 0;
  }
  EntryWho w = {&d->aUser[iUser], NULL};
  EntryErr e = {0};
  json_t *pOut = NULL;
  int rc;
  if (strcmp(zWhat, "inspection") == 0) rc = sup_inspection_add(d->pDb, &w, pIn, &pOut, &e);
  else if (strcmp(zWhat, "finding") == 0) rc = sup_finding_add(d->pDb, &w, pIn, &pOut, &e);
  else if (strcmp(zWhat, "task") == 0) rc = sup_task_add(d->pDb, &w, pIn, &pOut, &e);
  else if (strcmp(zWhat, "task_act") == 0) rc = sup_task_act(d->pDb, &w, id, zAction, pIn, &pOut, &e);
  else if (strcmp(zWhat, "project") == 0) rc = proj_add(d->pDb, &w, pIn, &pOut, &e);
  else if (strcmp(zWhat, "progress") == 0) rc = proj_progress(d->pDb, &w, id, pIn, &pOut, &e);
  else rc = sup_finding_act(d->pDb, &w, id, zAction, pIn, &pOut, &e);
  json_decref(pIn);
  if (rc) {
    fprintf(stderr, "kaoping demo: supervision step %s %s failed: %s\n", zWhat,
            zAction ? zAction : "", e.zMsg);
    entry_err_free(&e);
    d->bFail = 1;
    return 0;
  }
  int64_t iNew = demo_id(pOut);
  json_decref(pOut);
  return iNew;
}

#define ACT(now, who, id, action, fmt, ...) \
  demo_do(&d, now, who, "act", id, action, json_pack("{" fmt "}", __VA_ARGS__))
#define ACT0(now, who, id, action) demo_do(&d, now, who, "act", id, action, json_object())

int demo_supervision(const char *zDb) {
  char *zDir = demo_calendar_dir();
  if (!zDir) {
    printf("\nkaoping demo: data/calendar/ not found beside the binary or here: supervision "
           "skipped (kaoping calendar import data/calendar/cn-*.csv, then add findings)\n");
    return EXIT_OK;
  }
  DemoSup d = {0};
  char *zErr = NULL;
  int rc = EXIT_OK;
  if (db_open(zDb, 0, &d.pDb, &zErr)) {
    fprintf(stderr, "kaoping demo: %s\n", zErr);
    free(zErr);
    free(zDir);
    return EXIT_INTERNAL;
  }
  d.pArena = arena_new();
  printf("\nkaoping demo: supervision (云督查): holiday calendars from %s/\n", zDir);
  for (int y = 2021; y <= 2026 && rc == EXIT_OK; y++) {
    char *zPath = xasprintf("%s/cn-%d.csv", zDir, y);
    char *zText = NULL, *zSum = NULL;
    size_t n;
    TextEncoding enc;
    if (text_load(zPath, &zText, &n, &enc, &zErr) ||
        sup_calendar_import(d.pDb, cli_actor(), NULL, zPath, zText, n, &zSum, &zErr)) {
      fprintf(stderr, "kaoping demo: %s\n", zErr);
      rc = EXIT_INTERNAL;
    } else {
      printf("  %s\n", zSum);
    }
    free(zText);
    free(zSum);
    free(zErr);
    zErr = NULL;
    free(zPath);
  }
  static const char *const azUser[5] = {"ducha", "hengyang", "leader", "kpb", "tongji"};
  for (int i = 0; i < 5 && rc == EXIT_OK; i++)
    if (auth_user_load(d.pDb, d.pArena, azUser[i], &d.aUser[i])) rc = EXIT_INTERNAL;
  if (rc != EXIT_OK) goto done;

  const char *T1 = "2021-09-27T13:00:00Z", *T2 = "2021-09-28T02:00:00Z";
  int64_t i1 = demo_do(&d, T1, DU_DUCHA, "inspection", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:s}", "kind", "undercover", "topic",
                                 "国庆节前值班值守和作风暗访", "team", "市委督查室第一暗访组",
                                 "start", "2021-09-26"));
  int64_t i2 = demo_do(&d, "2021-10-15T02:00:00Z", DU_DUCHA, "inspection", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "announced", "topic",
                                 "工贸企业安全生产明查", "team", "市安委办联合督查组", "start",
                                 "2021-10-13", "end", "2021-10-15"));
  int64_t i3 = demo_do(&d, "2021-11-02T02:00:00Z", DU_DUCHA, "inspection", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:s}", "kind", "online", "topic",
                                 "政务服务“一网通办”网络督查", "team", "市营商办", "start",
                                 "2021-11-01"));
  /* F1: the whole lifecycle, verified and archived. */
  int64_t f1 = demo_do(&d, T1, DU_DUCHA, "finding", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:I, s:i, s:f, s:s, s:f, s:f}", "unit",
                                 "430421", "category", "值班值守", "text",
                                 "县应急管理局值班室22时无人接听值班电话", "inspection",
                                 (json_int_t)i1, "days", 5, "deduction", 0.5, "place",
                                 "县应急管理局", "lon", 112.37, "lat", 26.97));
  ACT0(T2, DU_DUCHA, f1, "assign");
  ACT0("2021-09-28T06:00:00Z", DU_UNIT, f1, "sign");
  ACT("2021-09-29T08:00:00Z", DU_UNIT, f1, "report", "s:s, s:i", "note",
      "已约谈值班人员，完善值班制度", "progress", 60);
  ACT("2021-10-08T08:00:00Z", DU_UNIT, f1, "request_close", "s:s, s:i", "note",
      "落实24小时领导带班和专人值守，已建立抽查通报制度", "progress", 100);
  ACT0("2021-10-09T02:00:00Z", DU_DUCHA, f1, "approve");
  ACT("2021-10-12T02:00:00Z", DU_DUCHA, f1, "verify", "s:s, s:b", "note",
      "现场复查：值班到岗，电话接听正常", "public", 1);
  ACT0("2021-10-20T02:00:00Z", DU_DUCHA, f1, "archive");
  /* F2: returned once, still in progress, with a leader's instruction. */
  int64_t f2 = demo_do(&d, T1, DU_DUCHA, "finding", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:I, s:i, s:f}", "unit", "430421",
                                 "category", "作风", "text", "县政务服务中心窗口工作人员上班时间玩手机",
                                 "inspection", (json_int_t)i1, "days", 10, "deduction", 0.5));
  ACT0(T2, DU_DUCHA, f2, "assign");
  ACT0("2021-09-29T01:00:00Z", DU_UNIT, f2, "sign");
  ACT("2021-10-11T08:00:00Z", DU_UNIT, f2, "request_close", "s:s", "note", "已批评教育");
  ACT("2021-10-12T02:00:00Z", DU_DUCHA, f2, "return", "s:s", "note",
      "仅批评教育，未举一反三建立长效机制，退回重办");
  ACT("2021-10-12T06:00:00Z", DU_LEADER, f2, "instruct", "s:s", "note",
      "请县政府主要负责同志亲自督办，月底前报送整改情况");
  ACT("2021-10-14T08:00:00Z", DU_UNIT, f2, "report", "s:s, s:i", "note",
      "已开展窗口作风专项整治，制定考勤巡查办法", "progress", 70);
  /* F3: never signed by 衡南县 (no demo account there): sign overdue. */
  int64_t f3 = demo_do(&d, "2021-10-15T03:00:00Z", DU_DUCHA, "finding", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:f}", "unit", "430422",
                                 "category", "安全生产", "severity", "major", "text",
                                 "某工贸企业粉尘涉爆车间未按规定清扫，除尘系统未运行",
                                 "inspection", (json_int_t)i2, "days", 10, "deduction", 1.0));
  ACT0("2021-10-15T04:00:00Z", DU_DUCHA, f3, "assign");
  /* F4: only registered (not yet handed over). */
  demo_do(&d, "2021-11-02T03:00:00Z", DU_DUCHA, "finding", 0, NULL,
          json_pack("{s:s, s:s, s:s, s:I}", "unit", "430423", "category", "营商环境", "text",
                    "网上办事指南与窗口要求不一致，群众多次往返", "inspection", (json_int_t)i3));
  /* F5: a duplicate of a 12345 hotline work order. */
  int64_t f5 = demo_do(&d, "2021-11-02T03:00:00Z", DU_DUCHA, "finding", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:I}", "unit", "430405", "category",
                                 "营商环境", "text", "企业开办材料重复提交", "inspection",
                                 (json_int_t)i3));
  ACT("2021-11-02T04:00:00Z", DU_DUCHA, f5, "duplicate", "s:s", "dup_of_order",
      "12345-2021103100417");
  /* F6: an extension asked for and approved. */
  int64_t f6 = demo_do(&d, "2021-10-15T03:00:00Z", DU_DUCHA, "finding", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:I, s:i, s:f}", "unit", "430421",
                                 "category", "环保", "text", "工业园区雨污管网混接，雨水排口有污水流出",
                                 "inspection", (json_int_t)i2, "days", 10, "deduction", 1.0));
  ACT0("2021-10-15T04:00:00Z", DU_DUCHA, f6, "assign");
  ACT0("2021-10-18T01:00:00Z", DU_UNIT, f6, "sign");
  ACT("2021-10-25T08:00:00Z", DU_UNIT, f6, "request_extend", "s:s, s:s, s:i", "note",
      "管网改造需施工招标", "deadline", "2021-11-30", "progress", 30);
  ACT0("2021-10-26T02:00:00Z", DU_DUCHA, f6, "approve");
  /* Two key tasks from the review meeting. */
  int64_t t1 = demo_do(&d, "2021-10-28T02:00:00Z", DU_LEADER, "task", 0, NULL,
                       json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s}", "title",
                                 "中央环保督察反馈问题整改销号", "category", "环保督察整改",
                                 "source", "全市高质量发展点评会(2021年第5期)", "lead_unit",
                                 "430421", "co_units", "430422", "deadline", "2021-12-31"));
  demo_do(&d, "2021-11-10T08:00:00Z", DU_UNIT, "task_act", t1, "report",
          json_pack("{s:s, s:i}", "note", "12个问题已销号8个", "progress", 67));
  demo_do(&d, "2021-10-28T02:00:00Z", DU_LEADER, "task", 0, NULL,
          json_pack("{s:s, s:s, s:s, s:s, s:i}", "title", "冬春火灾防控和安全生产大检查",
                    "category", "安全生产", "source", "全市高质量发展点评会(2021年第5期)",
                    "lead_unit", "430424", "days", 20));
  /* Industrial projects (产业项目), 2021 plans, investment per bimonth up to 2021-B4; the
  ** site links are placeholders of the synthetic demo. */
  static const struct {
    const char *zCode, *zName, *zUnit, *zIndustry, *zPlanStart, *zStarted, *zPlanProduce;
    double rTotal, rPlan, aDone[4], rLon, rLat;
  } aProj[] = {
    {"HY2021-001", "年产5万吨锂电池正极材料项目", "430421", "新材料", "2021-03-01", "2021-03-18",
     "2021-12-30", 32, 12, {1.5, 2.0, 2.5, 1.0}, 112.37, 26.96},
    {"HY2021-002", "智能输变电装备产业园", "430424", "装备制造", "2021-04-15", "2021-05-10",
     "2022-06-30", 18, 8, {0, 0.8, 1.6, 2.2}, 112.90, 27.08},
    {"HY2021-003", "冷链物流与农产品加工中心", "430422", "现代物流", "2021-05-01", NULL,
     "2021-10-31", 9, 6, {0, 0.3, 0.4, 0.3}, 112.68, 26.74},
    {"HY2021-004", "电子信息产业园二期", "P01", "电子信息", "2021-02-20", "2021-02-26",
     "2021-08-30", 25, 10, {2.0, 2.0, 2.4, 1.8}, 112.57, 26.88},
  };
  static const char *const azB[4] = {"2021-B1", "2021-B2", "2021-B3", "2021-B4"};
  static const char *const azAt[4] = {"2021-03-05T02:00:00Z", "2021-05-06T02:00:00Z",
                                       "2021-07-06T02:00:00Z", "2021-09-06T02:00:00Z"};
  for (size_t i = 0; i < sizeof aProj / sizeof aProj[0]; i++) {
    char zUrl[80];
    snprintf(zUrl, sizeof zUrl, "https://live.example.cn/hengyang/%s", aProj[i].zCode);
    json_t *pIn = json_pack("{s:s, s:s, s:s, s:s, s:f, s:i, s:f, s:s, s:s, s:f, s:f, s:s}",
                            "code", aProj[i].zCode, "name", aProj[i].zName, "unit",
                            aProj[i].zUnit, "industry", aProj[i].zIndustry, "total_investment",
                            aProj[i].rTotal, "year", 2021, "annual_plan", aProj[i].rPlan,
                            "plan_start", aProj[i].zPlanStart, "plan_produce",
                            aProj[i].zPlanProduce, "lon", aProj[i].rLon, "lat", aProj[i].rLat,
                            "stream_url", zUrl);
    int64_t ip = demo_do(&d, "2021-01-20T02:00:00Z", DU_KPB, "project", 0, NULL, pIn);
    for (int b = 0; b < 4; b++) {
      json_t *pP = json_pack("{s:s, s:f}", "period", azB[b], "completed", aProj[i].aDone[b]);
      if (b == 1 && aProj[i].zStarted) json_object_set_new(pP, "started_on", json_string(aProj[i].zStarted));
      demo_do(&d, azAt[b], DU_TONGJI, "progress", ip, NULL, pP);
    }
  }
  if (d.bFail) rc = EXIT_INTERNAL;
  else printf("  3 inspections, 6 findings (verified, returned, extended, unsigned, "
              "registered, duplicate), 2 key tasks, 4 industrial projects\n");
done:
  unsetenv("KAOPING_NOW"); /* the caller restores its own */
  arena_free(d.pArena);
  db_close(d.pDb);
  free(zDir);
  return rc;
}

/*
** wish_demo.c: the 我为群众办实事 part of `kaoping demo` (DESIGN.md 9): synthetic micro-wishes
** with their whole lifecycle, the red-heritage map, leaders' contact points with visits and
** problems, and honours. demo.c calls wish_demo() once, after the demo accounts exist.
**
** Everything goes through the same functions as the CLI and the API (wish_store.c,
** place_store.c); nothing here writes SQL. The data are synthetic and say so (演示):
**  - party members: the demo logins hengyang, tongji and ducha are made party members (so a
**    signed-in demo user can claim wishes in the UI);
**  - wishes: every assessed unit gets 3-5 wishes in 2021-B4 (Jul-Aug 2021) and two earlier
**    ones, a third of them through the public path (signed form token, filled for 90 s),
**    the rest entered by a worker; each is claimed, worked, completed and confirmed with a
**    rating, or left stalled, on dates drawn from a fixed-seed generator (same on every
**    run). Then `wish feed 2021-B4` writes D1 (claimed within 7 days) and D2 (satisfied) and
**    the provisional review of 2021-B4 is recomputed, so the review shows them. A few fresh
**    wishes dated in the last days before today show ages on the board.
**  - places: demo-data/places.csv is written from ../shared/data/geo/places.csv (the five
**    rows as found, datum column kept) plus the sites that SOURCE.md names by address only,
**    placed at their county's seat (DataV "center" of hengyang-430400.geojson, GCJ-02) and
**    marked approximate, plus synthetic youth bases and contact places (演示).
**  - contact points: the demo leader holds three; visits in 2021 with problems, one closed.
**  - honours: 衡阳青年五四奖章 and others to synthetic people and collectives (演示).
** Timestamps: events run at their own 2021 moments ($KAOPING_NOW), after the accounts were
** made at the real time, so those audit records come after later-dated ones; the chain
** itself (audit verify) is unaffected.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "cli/cli.h"
#include "cli/verbs.h"
#include "place_store.h"
#include "store/db.h"
#include "util/mem.h"
#include "wish_store.h"

/* ---- the places file ------------------------------------------------------------------------ */

static const char zDemoPlaces[] =
  "name,lat,lon,datum,source,kind,unit,address,description,approximate\n"
  /* the five rows of ../shared/data/geo/places.csv, with kind and unit added */
  "南岳忠烈祠,27.264839,112.718337,GCJ-02,\"GitHub libo9527/static, map/amap/2020-0117-0120/hengshan/"
  "data.js (AMap/高德 marker list, id 5; AMap positions are GCJ-02)\",red,430412,南岳区,"
  "抗日阵亡将士纪念陵园,0\n"
  "罗荣桓故居,27.069044,113.155907,unknown,\"GitHub cenbow/ots, mike3.0_430400.sql @6c5c475b "
  "(s_landmark 9065); datum not stated\",red,430424,衡东县,罗荣桓元帅故居,1\n"
  "罗荣桓故居 (second source),27.078361,113.161538,unknown,\"GitHub shuaiyongyong/Traces_Network, "
  "traces.sql @c1b2090b\",red,430424,衡东县,,1\n"
  "衡阳抗战纪念城 (proxy: 岳屏公园),26.894753,112.616917,unknown,\"GitHub shuaiyongyong/"
  "Traces_Network, traces.sql @c1b2090b (row 岳屏公园)\",red,430406,雁峰区岳屏山,"
  "纪念城碑塔在岳屏公园内岳屏山顶; 此为公园点位,1\n"
  "衡阳保卫战纪念馆 (as labelled in source; unverified),26.891968,112.553781,unknown,\"GitHub "
  "shuaiyongyong/Traces_Network, traces.sql @c1b2090b\",red,430408,蒸湘区,,1\n"
  /* named in SOURCE.md by address only: at the county seat (DataV center), approximate */
  "常宁水口山工人运动纪念馆,26.406773,112.396821,address,\"../shared/data/geo/SOURCE.md (address "
  "only); placed at the seat of 常宁市 (DataV center)\",red,430482,常宁市水口山镇大渔村太平江组,"
  "水口山工人运动纪念馆; 位置按县市驻地近似,1\n"
  "衡阳党史陈列馆,26.900358,112.607693,address,\"../shared/data/geo/SOURCE.md (named, no address); "
  "placed at the seat of 衡阳市 (DataV center)\",red,,衡阳市,位置按市驻地近似,1\n"
  "夏明翰故居,26.962388,112.379643,address,\"../shared/data/geo/SOURCE.md (address only); placed at "
  "the seat of 衡阳县 (DataV center)\",red,430421,衡阳县洪市镇礼梓村,位置按县驻地近似,1\n"
  "湘南学联旧址,26.891063,112.626324,address,\"../shared/data/geo/SOURCE.md (address only); placed "
  "at the seat of 珠晖区 (DataV center)\",red,430405,珠晖区粤汉码头1号,位置按区驻地近似,1\n"
  /* synthetic (演示) */
  "衡阳市青少年校外活动中心(演示),26.903908,112.607635,address,demo (synthetic),youth,430407,"
  "石鼓区,演示数据: 青少年教育基地,1\n"
  "南岳区青少年研学基地(演示),27.240536,112.734147,address,demo (synthetic),youth,430412,南岳区,"
  "演示数据: 青少年教育基地,1\n"
  "西渡镇梅花村(演示),26.962388,112.379643,address,demo (synthetic),contact,430421,衡阳县西渡镇,"
  "演示数据: 市领导基层联点(村),1\n"
  "云集街道花园社区(演示),26.739973,112.677459,address,demo (synthetic),contact,430422,衡南县云集街道,"
  "演示数据: 市领导基层联点(社区),1\n"
  "松木经开区某化工企业(演示),26.97,112.62,address,demo (synthetic),contact,P01,松木经开区,"
  "演示数据: 市领导基层联点(企业),1\n";

/* ---- a fixed-seed generator and the clock ---------------------------------------------------- */

static uint32_t wdemo_state = 20210701u;

static uint32_t wdemo_rand(uint32_t n) {
  /* xorshift32: the same sequence on every platform */
  uint32_t x = wdemo_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  wdemo_state = x;
  return n ? x % n : x;
}

/* Sets $KAOPING_NOW to Unix time t. 0 or -1. */
static int wdemo_at(int64_t t) {
  char z[32];
  auth_time_fmt(t, z);
  return setenv("KAOPING_NOW", z, 1);
}

/* Local (+08:00) time of a day and hour of 2021 as Unix seconds. */
static int64_t wdemo_time(int iMonth, int iDay, int iHour, int iMin) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = 2021 - 1900;
  tm.tm_mon = iMonth - 1;
  tm.tm_mday = iDay;
  tm.tm_hour = iHour;
  tm.tm_min = iMin;
  return (int64_t)timegm(&tm) - 8 * 3600;
}

static const struct {
  const char *zCat, *zText, *zProof;
} aDemoWish[] = {
  {"学位", "孩子明年上小学，户口在本社区，希望协调就近入学学位", "已协调片区小学落实学位，家长到校确认"},
  {"床位", "家中老人失能，希望协调一张公办养老机构床位", "已对接乡镇敬老院，老人已入住"},
  {"车位", "老旧小区停车难，希望在空地增设夜间停车位", "社区划设夜间停车位20个，已启用"},
  {"厕位", "农贸市场附近没有公厕，赶集时很不方便", "市场东侧新建公厕已投入使用"},
  {"就业", "本人失业半年，希望推荐家门口的就业岗位", "推荐至园区企业，已签订劳动合同"},
  {"养老", "独居老人，希望安排社区助餐和上门探访", "纳入社区老年助餐，每周探访两次"},
  {"其他", "村口路灯坏了三个月，晚上出行不安全", "更换路灯5盏，已恢复照明"},
};
#define N_DEMO_WISH (int)(sizeof aDemoWish / sizeof aDemoWish[0])

static const char *const azDemoParty[] = {"hengyang", "tongji", "ducha"};

typedef struct WDemo {
  Db *pDb;
  Arena *pArena;
  AuthUser aParty[3];
  AuthUser op, lead;
  EntryWho opWho;
  int nWish, nPublic, nConfirmed;
} WDemo;

/* One step of a wish's story: the event, its note, the delay after the previous step. */
typedef struct WDemoStep {
  const char *zEv, *zNote;
  int64_t dt;
} WDemoStep;

static int wdemo_fail(const char *zWhat, EntryErr *e) {
  fprintf(stderr, "kaoping demo: %s: %s\n", zWhat, e->zMsg);
  entry_err_free(e);
  return -1;
}

/* Submits one wish at local time tSub and runs its story up to tEnd (events after it are
** left for later). eFate: 0 normal, 1 late claim, 2 stalled in progress, 3 never claimed. */
static int wdemo_wish(WDemo *d, const char *zUnit, const char *zUnitName, int64_t tSub,
                      int64_t tEnd, int eFate, int bPublic) {
  int k = (int)wdemo_rand(N_DEMO_WISH);
  char zPlace[96], zContact[16];
  snprintf(zPlace, sizeof zPlace, "%s某社区(演示)", zUnitName);
  snprintf(zContact, sizeof zContact, "1700734%04u", wdemo_rand(10000));
  WishInput in = {aDemoWish[k].zCat, zUnit, zPlace, aDemoWish[k].zText, zContact, NULL};
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  if (bPublic) { /* the citizen's path: a signed form, sent after 90 s of filling it in */
    if (wdemo_at(tSub - 90) || wish_form(d->pDb, &o, &e)) return wdemo_fail("wish form", &e);
    char *zTok = xstrdup(json_string_value(json_object_get(o, "token")));
    json_decref(o);
    in.zFormToken = zTok;
    int rc = wdemo_at(tSub) ? -1 : wish_submit(d->pDb, NULL, "127.0.0.1", &in, &o, &e);
    free(zTok);
    if (rc) return wdemo_fail("wish submit", &e);
    d->nPublic++;
  } else if (wdemo_at(tSub) || wish_submit(d->pDb, &d->opWho, NULL, &in, &o, &e)) {
    return wdemo_fail("wish submit", &e);
  }
  d->nWish++;
  int64_t id = json_integer_value(json_object_get(o, "id"));
  char *zCode = xstrdup(json_string_value(json_object_get(o, "tracking_code")));
  json_decref(o);
  EntryWho who = {&d->aParty[wdemo_rand(3)], NULL};
  int64_t t = tSub;
  WDemoStep aStep[3];
  int nStep = 0;
  if (eFate != 3) {
    aStep[nStep++] = (WDemoStep){"claim", NULL, eFate == 1 ? (8 + (int64_t)wdemo_rand(5)) * 86400
                                                           : (int64_t)wdemo_rand(5 * 86400)};
    aStep[nStep++] = (WDemoStep){"progress", "已联系相关部门，正在协调", (1 + (int64_t)wdemo_rand(3)) * 86400};
    if (eFate != 2)
      aStep[nStep++] = (WDemoStep){"complete", aDemoWish[k].zProof, (2 + (int64_t)wdemo_rand(9)) * 86400};
  }
  int rc = 0;
  for (int i = 0; i < nStep && !rc; i++) {
    t += aStep[i].dt + 3600;
    if (t > tEnd) break;
    if (wdemo_at(t) || wish_act(d->pDb, &who, id, aStep[i].zEv, aStep[i].zNote, &o, &e))
      rc = wdemo_fail("wish act", &e);
    else json_decref(o);
  }
  if (!rc && nStep == 3 && t <= tEnd) {
    t += (1 + (int64_t)wdemo_rand(3)) * 86400;
    uint32_t r = wdemo_rand(100);
    int iRating = r < 60 ? 5 : r < 90 ? 4 : r < 98 ? 3 : 2;
    if (t <= tEnd) {
      if (wdemo_at(t) || wish_track(d->pDb, "127.0.0.1", zCode, "confirm", iRating,
                                    iRating >= 4 ? "问题解决了，感谢党员同志" : "解决了，但拖得有点久", &o, &e))
        rc = wdemo_fail("wish confirm", &e);
      else {
        json_decref(o);
        d->nConfirmed++;
      }
    }
  }
  free(zCode);
  return rc;
}

/* Runs a verb handler as if typed (as demo.c does), echoing the command. */
static int wdemo_verb(const char *zVerb, const char *zArg, const char *zDb) {
  int nWords = 0;
  char *azArgv[8];
  char *zCopy = xstrdup(zVerb);
  int n = 0;
  for (char *p = strtok(zCopy, " "); p && n < 2; p = strtok(NULL, " ")) azArgv[n++] = p;
  azArgv[n++] = (char *)zArg;
  azArgv[n++] = "--db";
  azArgv[n++] = (char *)zDb;
  azArgv[n] = NULL;
  const Verb *v = verb_find(n, azArgv, &nWords);
  int rc = EXIT_INTERNAL;
  if (v && v->xRun) {
    printf("$ kaoping %s %s --db %s\n", zVerb, zArg, zDb);
    fflush(stdout);
    rc = v->xRun(n - nWords, azArgv + nWords);
  }
  free(zCopy);
  return rc;
}

static int wdemo_places(WDemo *d, const char *zDataDir) {
  char *zPath = xasprintf("%s/places.csv", zDataDir);
  FILE *f = fopen(zPath, "w");
  int bad = !f || fputs(zDemoPlaces, f) < 0;
  if (f && fclose(f) != 0) bad = 1;
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  if (bad) {
    fprintf(stderr, "kaoping demo: cannot write %s\n", zPath);
    free(zPath);
    return -1;
  }
  printf("$ kaoping place import %s\n", zPath);
  int rc = place_import(d->pDb, &d->opWho, zPath, "red", &o, &e);
  free(zPath);
  if (rc) return wdemo_fail("place import", &e);
  printf("  %lld places (red-heritage map, youth bases, contact places)\n",
         (long long)json_integer_value(json_object_get(o, "imported")));
  json_decref(o);
  return 0;
}

static int wdemo_contacts(WDemo *d) {
  static const struct {
    const char *zPlace;
    int iMonth, iDay;
    const char *zNotes, *zProblem, *zClosed;
  } aVisit[] = {
    {"西渡镇梅花村(演示)", 3, 12, "走访村两委和脱贫户，了解春耕备耕", "村道3公里路面破损，雨天难行", "已纳入2021年农村公路提质改造计划"},
    {"西渡镇梅花村(演示)", 6, 18, "察看防汛准备，慰问老党员", "山塘防汛物资不足", NULL},
    {"云集街道花园社区(演示)", 4, 9, "调研老旧小区改造和社区养老", "小区加装电梯资金缺口", NULL},
    {"松木经开区某化工企业(演示)", 5, 20, "现场察看安全生产和项目建设进度", "企业反映用地报批慢", NULL},
  };
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  EntryWho lw = {&d->lead, NULL};
  for (int i = 0; i < 4; i++) {
    if (i == 0 || strcmp(aVisit[i].zPlace, aVisit[i - 1].zPlace) != 0) {
      if (wdemo_at(wdemo_time(2, 20, 10, 0)) ||
          contact_assign(d->pDb, &d->opWho, aVisit[i].zPlace, "leader", &o, &e))
        return wdemo_fail("contact assign", &e);
      json_decref(o);
    }
  }
  json_t *oList = NULL;
  if (contact_list(d->pDb, &lw, "leader", &oList, &e)) return wdemo_fail("contact list", &e);
  for (int i = 0; i < 4; i++) {
    int64_t idPoint = 0;
    size_t k;
    json_t *p;
    json_array_foreach(json_object_get(oList, "points"), k, p)
      if (strcmp(json_string_value(json_object_get(p, "place")), aVisit[i].zPlace) == 0)
        idPoint = json_integer_value(json_object_get(p, "id"));
    char zDate[16];
    snprintf(zDate, sizeof zDate, "2021-%02d-%02d", aVisit[i].iMonth, aVisit[i].iDay);
    json_t *aProb = json_pack("[s]", aVisit[i].zProblem);
    int rc = wdemo_at(wdemo_time(aVisit[i].iMonth, aVisit[i].iDay, 17, 0)) ||
             contact_visit(d->pDb, &lw, idPoint, zDate, aVisit[i].zNotes, aProb, &o, &e);
    json_decref(aProb);
    if (rc) {
      json_decref(oList);
      return wdemo_fail("contact visit", &e);
    }
    int64_t idProb = json_integer_value(json_array_get(json_object_get(o, "problems"), 0));
    json_decref(o);
    if (aVisit[i].zClosed) {
      if (wdemo_at(wdemo_time(aVisit[i].iMonth + 2, 1, 9, 0)) ||
          contact_problem_close(d->pDb, &lw, idProb, aVisit[i].zClosed, &o, &e)) {
        json_decref(oList);
        return wdemo_fail("contact close", &e);
      }
      json_decref(o);
    }
  }
  json_decref(oList);
  printf("  3 contact points of the demo leader, 4 visits, 4 problems (1 closed)\n");
  return 0;
}

static int wdemo_honours(WDemo *d) {
  static const HonourInput aH[] = {
    {"衡阳青年五四奖章", "李某某(演示)", "person", "430421",
     "扎根乡村十年，带领村民发展油茶产业，户均增收万元(演示数据)", 2021, 0},
    {"衡阳青年五四奖章", "王某某(演示)", "person", "P01",
     "园区企业技术骨干，攻克关键工艺难题(演示数据)", 2021, 0},
    {"衡阳青年五四奖章集体", "衡南县云集街道青年突击队(演示)", "collective", "430422",
     "防汛抢险中连续奋战72小时(演示数据)", 2021, 0},
    {"衡阳市优秀共产党员", "张某某(演示)", "person", "430482",
     "认领并办结微心愿12件，群众满意率100%(演示数据)", 2021, 0},
    {"衡阳青年五四奖章", "赵某某(演示)", "person", "430412",
     "红色讲解员，年均义务讲解300场(演示数据)", 2020, 0},
  };
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  for (size_t i = 0; i < sizeof aH / sizeof aH[0]; i++) {
    if (wdemo_at(wdemo_time(5, 4, 10, (int)i)) || honour_add(d->pDb, &d->opWho, &aH[i], &o, &e))
      return wdemo_fail("honour add", &e);
    json_decref(o);
  }
  printf("  %zu honours (衡阳青年五四奖章 ...)\n", sizeof aH / sizeof aH[0]);
  return 0;
}

int wish_demo(const char *zDb, const char *zDataDir) {
  WDemo d;
  memset(&d, 0, sizeof d);
  char *zErr = NULL;
  if (db_open(zDb, 0, &d.pDb, &zErr)) {
    fprintf(stderr, "kaoping demo: %s\n", zErr);
    free(zErr);
    return EXIT_INTERNAL;
  }
  d.pArena = arena_new();
  d.op.zName = "local:demo";
  d.op.caps = ~0u;
  d.opWho.pUser = &d.op;
  wdemo_state = 20210701u;
  int rc = 0;
  int64_t tReal = auth_now();
  printf("\n我为群众办实事 (synthetic): party members, wishes, map, contact points, honours\n");
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *o = NULL;
  for (int i = 0; i < 3 && !rc; i++) {
    if (auth_user_load(d.pDb, d.pArena, azDemoParty[i], &d.aParty[i]) ||
        wish_party_set(d.pDb, &d.opWho, azDemoParty[i], 1, &o, &e)) {
      rc = -1;
      fprintf(stderr, "kaoping demo: party member %s: %s\n", azDemoParty[i], e.zMsg);
      entry_err_free(&e);
    } else {
      json_decref(o);
    }
  }
  if (!rc && auth_user_load(d.pDb, d.pArena, "leader", &d.lead)) rc = -1;
  if (!rc) rc = wdemo_places(&d, zDataDir);
  if (!rc) rc = wdemo_contacts(&d);
  if (!rc) rc = wdemo_honours(&d);

  /* wishes: per unit, two earlier in the year and 3-5 in 2021-B4 */
  Stmt *s = db_prepare(d.pDb, "SELECT code, name FROM unit WHERE kind <> 'department' ORDER BY sort_order");
  char azUnit[32][16], azName[32][64];
  int nUnit = 0;
  while (stmt_step(s) == 1 && nUnit < 32) {
    snprintf(azUnit[nUnit], sizeof azUnit[0], "%s", stmt_text(s, 0));
    snprintf(azName[nUnit], sizeof azName[0], "%s", stmt_text(s, 1));
    nUnit++;
  }
  stmt_finalize(s);
  const int64_t tFeed = wdemo_time(9, 3, 10, 0); /* B4's data are entered early in September */
  for (int u = 0; u < nUnit && !rc; u++) {
    for (int j = 0; j < 2 && !rc; j++)
      rc = wdemo_wish(&d, azUnit[u], azName[u], wdemo_time(2 + (int)wdemo_rand(4), 1 + (int)wdemo_rand(27),
                                                           9 + (int)wdemo_rand(8), (int)wdemo_rand(60)),
                      tFeed, 0, j == 0);
    int nB4 = 3 + (int)wdemo_rand(3);
    for (int j = 0; j < nB4 && !rc; j++) {
      uint32_t r = wdemo_rand(100);
      int eFate = r < 84 ? 0 : r < 92 ? 1 : r < 97 ? 2 : 3;
      int64_t tSub = wdemo_time(7, 1, 9 + (int)wdemo_rand(8), (int)wdemo_rand(60)) +
                     (int64_t)wdemo_rand(50) * 86400;
      rc = wdemo_wish(&d, azUnit[u], azName[u], tSub, tFeed, eFate, j % 3 == 0);
    }
  }
  if (!rc) printf("  %d wishes (%d through the public form), %d confirmed with a rating\n", d.nWish,
                  d.nPublic, d.nConfirmed);
  if (!rc) {
    rc = wdemo_at(tFeed) ? -1 : wish_feed(d.pDb, &d.opWho, "2021-B4", WISH_FEED_CLAIM7, NULL,
                                          WISH_FEED_SATISFIED, &o, &e);
    if (rc) wdemo_fail("wish feed", &e);
    else {
      printf("$ kaoping wish feed 2021-B4\n  %lld observations with provenance wish (D1 认领率, D2 "
             "满意率)\n", (long long)json_integer_value(json_object_get(o, "written")));
      json_decref(o);
    }
  }
  /* fresh wishes on the board: the last days before today */
  for (int j = 0; j < 6 && !rc; j++) {
    int u = (int)wdemo_rand((uint32_t)nUnit);
    rc = wdemo_wish(&d, azUnit[u], azName[u], tReal - (int64_t)(1 + j * 3) * 86400 - 3600,
                    tReal - 60, j % 2 ? 3 : 0, j % 2);
  }
  db_close(d.pDb);
  arena_free(d.pArena);
  if (!rc) rc = wdemo_at(tFeed + 600) ? -1 : wdemo_verb("review compute", "2021-B4", zDb);
  return rc ? EXIT_INTERNAL : EXIT_OK;
}

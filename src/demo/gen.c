/*
** demo/gen.c: the synthetic Hengyang 2021 data set behind `kaoping demo` (演示数据,合成).
**
** Every figure here is invented. Codes and names of the 16 units are the real ones
** (../shared/data/units.csv, embedded below so that the demo runs without the shared
** folder); seat coordinates are the DataV "center" points of hengyang-430400.geojson
** (GCJ-02) for the 12 county-level divisions and rough guesses for the parks; population,
** area and the economic scale that drives the targets are plausible round figures, not
** statistics. The scheme is ../shared/data/demo-scheme.md with the changes listed at
** aDemoLeaf.
**
** NOTES ON THE DESIGN
**
**  1. Determinism. One generator, splitmix64, seeded from a constant. Each (indicator, unit)
**     pair draws from its own stream, keyed by a hash of the indicator code and the unit
**     index, so that changing one recipe does not reshuffle every other figure. Normal
**     deviates are Irwin-Hall (sum of 12 uniforms - 6), not Box-Muller: Box-Muller needs
**     log/cos, whose last bit may differ between libm versions, and the generated files must
**     be byte-identical on every machine. Rounding is floor(x*10^d + 0.5)/10^d and printing
**     is "%.*f" of that, both exact in IEEE arithmetic.
**  2. The story is written down, not left to chance. Each unit has a latent strength and a
**     momentum (aDemoUnitInfo) that every indicator leans on, so rankings are coherent
**     across indicators and move believably between periods; the events a review meeting
**     talks about (the veto, the 一票否优, the counties behind time progress at mid-year,
**     the missing reports) are fixed rows in aDemoEvent, and demo_story() describes
**     exactly those rows.
**  3. Year-to-date leaves (timeprogress) are generated as a cumulative share of the annual
**     target that never decreases. At mid-year (2021-B3, time progress 0.5) every unit not
**     named as a laggard in aDemoEvent is lifted to at least half of each target, so that
**     the 双过半 status is the story's, not noise.
**  4. The 12345 hotline rates (B1 按时办结率, B2 满意率) are derived from generated work
**     orders (data-formats.md), and the orders are written out too, so that the feed
**     import can later reproduce the same rates from the same file.
*/
#include "demo/gen.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/mem.h"

/* ---------------------------------------------------------------------------------------
** The fixed-seed generator.
*/
#define DEMO_SEED UINT64_C(0x4859323032314B50) /* "HY2021KP" */

typedef struct DemoRng {
  uint64_t s;
} DemoRng;

/* splitmix64 (Steele, Lea, Flood 2014): a 64-bit counter through a strong mixer. Small,
** fast, and good enough for figures that only need to look random. */
static uint64_t demo_rng_next(DemoRng *p) {
  uint64_t z = (p->s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform on [0, 1) with 53 random bits. */
static double demo_rng_uniform(DemoRng *p) {
  return (double)(demo_rng_next(p) >> 11) * 0x1.0p-53;
}

/* Approximately standard normal, in [-6, 6] (see NOTES 1 for why not Box-Muller). */
static double demo_rng_normal(DemoRng *p) {
  double r = 0;
  for (int i = 0; i < 12; i++) r += demo_rng_uniform(p);
  return r - 6.0;
}

/* Integer in [0, n). */
static int demo_rng_int(DemoRng *p, int n) {
  return (int)(demo_rng_uniform(p) * n);
}

/* A stream of its own for (zKey, i, j): FNV-1a of the key mixed with the indices. */
static DemoRng demo_rng_stream(const char *zKey, int i, int j) {
  uint64_t h = UINT64_C(0xCBF29CE484222325);
  for (const unsigned char *z = (const unsigned char *)zKey; *z; z++) {
    h = (h ^ *z) * UINT64_C(0x100000001B3);
  }
  DemoRng r = {DEMO_SEED ^ h ^ ((uint64_t)(unsigned)i << 32) ^ ((uint64_t)(unsigned)j << 48)};
  demo_rng_next(&r); /* one step, so that neighbouring keys start far apart */
  return r;
}

/* Count of events with mean rLambda: binomial(8, rLambda/8), exact arithmetic only. */
static int demo_rng_count(DemoRng *p, double rLambda) {
  double rP = rLambda / 8.0;
  int n = 0;
  for (int i = 0; i < 8; i++) n += demo_rng_uniform(p) < rP;
  return n;
}

static double demo_clamp(double r, double rLo, double rHi) {
  return r < rLo ? rLo : r > rHi ? rHi : r;
}

/* Rounds to nDec decimals (0..3) exactly as "%.*f" will then print it. */
static double demo_round(double r, int nDec) {
  static const double aScale[] = {1, 10, 100, 1000};
  double m = aScale[nDec < 0 ? 0 : nDec > 3 ? 3 : nDec];
  return floor(r * m + 0.5) / m + 0.0; /* + 0.0 turns -0 into 0 */
}

/* ---------------------------------------------------------------------------------------
** Units. The CSV is ../shared/data/units.csv verbatim (the shared file is the source of
** truth for codes and peer groups; update both together).
*/
static const char zDemoUnitsCsv[] =
    "code,name,kind,peer_group\n"
    "430405,珠晖区,district,城区\n"
    "430406,雁峰区,district,城区\n"
    "430407,石鼓区,district,城区\n"
    "430408,蒸湘区,district,城区\n"
    "430412,南岳区,district,城区\n"
    "430421,衡阳县,county,县市\n"
    "430422,衡南县,county,县市\n"
    "430423,衡山县,county,县市\n"
    "430424,衡东县,county,县市\n"
    "430426,祁东县,county,县市\n"
    "430481,耒阳市,city,县市\n"
    "430482,常宁市,city,县市\n"
    "P01,松木经开区,park,园区\n"
    "P02,白沙洲工业园区,park,园区\n"
    "P03,衡阳高新区,park,园区\n"
    "P04,衡阳综合保税区,park,园区\n";

#define DEMO_UNITS 16
#define DEMO_GROUPS 3

static const char *const azDemoGroup[DEMO_GROUPS] = {"县市", "城区", "园区"};

/* What the units file does not say. Population (persons) and area (km2) are round,
** plausible figures; rScale (亿元, roughly a GDP or a park's output) sizes the targets;
** rStrength (-1 .. 1) and rMomentum (change per bimonth) drive every indicator.
** Story roles: 耒阳市 and 蒸湘区 lead their groups, 松木经开区 the parks; 衡东县 starts the
** year behind and recovers after the mid-year campaign; 雁峰区 and 常宁市 slip. */
typedef struct DemoUnitInfo {
  const char *zCode;
  double rPop, rArea, rLon, rLat;
  double rScale, rStrength, rMomentum;
} DemoUnitInfo;

static const DemoUnitInfo aDemoUnitInfo[DEMO_UNITS] = {
  {"430405", 390000, 232, 112.626324, 26.891063, 225, 0.05, 0.00},
  {"430406", 280000, 102, 112.612241, 26.893694, 180, -0.15, -0.08},
  {"430407", 310000, 93, 112.607635, 26.903908, 205, 0.20, 0.00},
  {"430408", 420000, 104, 112.570608, 26.890870, 270, 0.75, 0.02},
  {"430412", 65000, 181, 112.734147, 27.240536, 42, -0.45, 0.05},
  {"430421", 1000000, 2558, 112.379643, 26.962388, 380, 0.40, 0.00},
  {"430422", 860000, 2619, 112.677459, 26.739973, 400, 0.35, 0.00},
  {"430423", 370000, 936, 112.869710, 27.234808, 170, -0.15, 0.08},
  {"430424", 570000, 1926, 112.950412, 27.083531, 300, -0.30, 0.10},
  {"430426", 820000, 1872, 112.111192, 26.787109, 300, -0.30, 0.00},
  {"430481", 1100000, 2656, 112.847215, 26.414162, 480, 0.80, 0.00},
  {"430482", 760000, 2046, 112.396821, 26.406773, 330, 0.05, -0.07},
  {"P01", 60000, 72, 112.592000, 26.987000, 200, 0.65, 0.00},
  {"P02", 30000, 21, 112.637000, 26.846000, 90, -0.10, 0.04},
  {"P03", 50000, 38, 112.584000, 26.912000, 220, 0.50, -0.03},
  {"P04", 5000, 2.6, 112.643000, 26.838000, 60, -0.35, 0.05},
};

typedef struct DemoUnit {
  char *zCode, *zName, *zKind, *zGroup;
  int iGroup; /* index in azDemoGroup */
  const DemoUnitInfo *pInfo;
} DemoUnit;

/* The unit's effective strength in period p (0-based): level plus momentum around the
** middle of the year, so that B1..B3 and B4..B6 tell a before/after story. */
static double demo_strength(const DemoUnit *pU, int p) {
  return pU->pInfo->rStrength + pU->pInfo->rMomentum * (p - 2.5);
}

/* ---------------------------------------------------------------------------------------
** The scheme, with the recipe of each leaf's figures.
**
** Changes from demo-scheme.md, and why: targets in kaoping are annual (one per unit and
** indicator), so a count or amount scored by `completion` against an annual target would
** score everyone low early in the year. Amounts and counts that accumulate are therefore
** scored against time progress (P2, P3, B5, like P1/P4/E5); E7 becomes the foreign-trade
** growth rate, scored as completion of the growth target (cap 1.2 kept); P5 (三类500强
** projects landed) becomes a bonus (加分) per project, which is how such one-off wins are
** usually rewarded. Y3 gets cap 1.2 so over-achievement shows. Net: 38 leaves, 12 methods;
** group weights 101 (县市), 93 (城区), 85 (园区), rescaled to 100 (分类考核).
*/
typedef enum {
  R_GROWTH,   /* a growth rate: aCurve = city-wide rate per period */
  R_LEVEL,    /* a level or a rate: aCurve = city-wide mean per period */
  R_YTD,      /* year-to-date amount or count: aCurve = share of the annual target */
  R_YTD_PCT,  /* year-to-date completion in %: 100 x share, at most 100 */
  R_MANUAL,   /* points given by a department, 0..weight */
  R_COUNT,    /* events (deduct, bonus): aCurve = mean count per period */
  R_EVENT,    /* veto, veto_top: 0 except the rows of aDemoEvent */
  R_HOT_ONTIME, R_HOT_SAT /* from the generated hotline orders */
} DemoRecipe;

typedef enum { T_NONE, T_FIXED, T_JITTER, T_SCALED } DemoTargetKind;

typedef struct DemoLeaf {
  const char *zCat, *zCode, *zName, *zUnit, *zDir; /* zDir NULL: not given (event leaves) */
  double rWeight;                                  /* 0: not a weighted leaf */
  const char *zMethod, *zParams;                   /* params as JSON text, or NULL */
  const char *zGroups;                             /* "县市 城区", or NULL for all */
  const char *zAccumulate, *zMissing, *zSource;
  DemoRecipe eRecipe;
  double aCurve[DEMO_PERIODS];
  double rSpread;  /* effect of one unit of strength */
  double rNoise;   /* standard deviation of the unit's own noise */
  double rLo, rHi; /* values are clamped to this range */
  int nDec;        /* decimals of the value */
  DemoTargetKind eTarget;
  double aTarget[DEMO_GROUPS]; /* per group: the target, or its multiple of rScale */
  int nDecTarget;
  double rTargetMin;
} DemoLeaf;

#define DEMO_LEAVES 38

static const DemoLeaf aDemoLeaf[DEMO_LEAVES] = {
  /* E 经济运行 */
  {"E", "E1", "地区生产总值增速", "%", "higher", 6, "efficacy", NULL, "县市 城区", "period",
   "carry", "市统计局", R_GROWTH, {17.5, 14.2, 12.6, 10.8, 9.3, 8.4}, 1.5, 0.5, -5, 30, 1,
   T_NONE, {0}, 0, 0},
  {"E", "E2", "规模以上工业增加值增速", "%", "higher", 5, "rank", "{\"min_share\": 0.6}", NULL,
   "period", "zero", "市统计局", R_GROWTH, {19.8, 16.5, 14.1, 11.9, 10.2, 9.1}, 2.5, 1.0, -10,
   40, 1, T_NONE, {0}, 0, 0},
  {"E", "E3", "固定资产投资增速", "%", "higher", 5, "efficacy", NULL, NULL, "period", "zero",
   "市统计局", R_GROWTH, {18.6, 15.9, 13.4, 11.2, 9.6, 8.7}, 3.0, 1.5, -15, 45, 1, T_NONE, {0},
   0, 0},
  {"E", "E4", "社会消费品零售总额增速", "%", "higher", 3, "efficacy", NULL, "县市 城区",
   "period", "zero", "市统计局", R_GROWTH, {20.4, 17.1, 14.5, 11.8, 9.9, 8.6}, 1.8, 0.8, -10,
   40, 1, T_NONE, {0}, 0, 0},
  {"E", "E5", "一般公共预算收入", "亿元", "higher", 5, "timeprogress", NULL, "县市 城区", "ytd",
   "zero", "市财政局", R_YTD, {0.20, 0.37, 0.55, 0.70, 0.86, 1.02}, 0.05, 0.02, 0, 2, 2,
   T_SCALED, {0.055, 0.05, 0}, 2, 1},
  {"E", "E6", "税收占一般公共预算收入比重", "%", "higher", 3, "bands",
   "{\"bands\": [[75, 1], [70, 0.8], [65, 0.6]]}", "县市 城区", "period", "zero", "市财政局",
   R_LEVEL, {70, 71, 72, 72.5, 73, 73.5}, 5, 2, 55, 88, 1, T_NONE, {0}, 0, 0},
  {"E", "E7", "外贸进出口总额增速", "%", "higher", 3, "completion", "{\"cap\": 1.2}", NULL,
   "period", "zero", "市商务局", R_GROWTH, {34, 30, 27, 24, 22, 21}, 5, 3, -20, 80, 1,
   T_JITTER, {25, 25, 30}, 0, 10},
  /* P 产业项目建设年 */
  {"P", "P1", "重点项目投资完成额", "亿元", "higher", 8, "timeprogress", NULL, NULL, "ytd",
   "zero", "市发改委", R_YTD, {0.16, 0.35, 0.54, 0.71, 0.87, 1.04}, 0.05, 0.02, 0, 2, 2,
   T_SCALED, {0.30, 0.30, 0.50}, 2, 5},
  {"P", "P2", "新开工亿元以上项目", "个", "higher", 4, "timeprogress", NULL, NULL, "ytd", "zero",
   "市发改委", R_YTD, {0.15, 0.36, 0.56, 0.73, 0.88, 1.05}, 0.06, 0.04, 0, 2, 0, T_SCALED,
   {0.04, 0.04, 0.10}, 0, 3},
  {"P", "P3", "竣工投产项目", "个", "higher", 3, "timeprogress", NULL, NULL, "ytd", "zero",
   "市发改委", R_YTD, {0.10, 0.28, 0.53, 0.69, 0.86, 1.02}, 0.06, 0.04, 0, 2, 0, T_SCALED,
   {0.02, 0.02, 0.05}, 0, 2},
  {"P", "P4", "招商引资实际到位资金", "亿元", "higher", 5, "timeprogress", NULL, NULL, "ytd",
   "zero", "市商务局", R_YTD, {0.15, 0.34, 0.53, 0.70, 0.86, 1.03}, 0.05, 0.02, 0, 2, 2,
   T_SCALED, {0.16, 0.15, 0.45}, 2, 3},
  {"P", "P5", "\"三类500强\"项目引进", "个", NULL, 0, "bonus",
   "{\"per_event\": 0.5, \"cap\": 2}", NULL, "period", "zero", "市商务局", R_COUNT,
   {0.15, 0.2, 0.2, 0.2, 0.2, 0.25}, 0.25, 0, 0.02, 1.2, 0, T_NONE, {0}, 0, 0},
  {"P", "P6", "高新技术产业增加值增速", "%", "higher", 3, "efficacy", NULL, NULL, "period",
   "zero", "市科技局", R_GROWTH, {21.0, 18.6, 16.2, 13.9, 12.1, 11.0}, 3.0, 1.5, -10, 50, 1,
   T_NONE, {0}, 0, 0},
  {"P", "P7", "数字经济核心产业营业收入增速", "%", "higher", 2, "minmax", NULL, NULL, "period",
   "zero", "市工信局", R_GROWTH, {24, 21, 18.5, 16, 14, 12.5}, 4, 2, -10, 60, 1, T_NONE, {0}, 0,
   0},
  /* B 营商环境优化年 */
  {"B", "B1", "12345热线按时办结率", "%", "higher", 4, "efficacy",
   "{\"good\": 98, \"bad\": 80}", NULL, "period", "group_mean", "12345热线(大数据)",
   R_HOT_ONTIME, {0}, 0, 0, 0, 100, 2, T_NONE, {0}, 0, 0},
  {"B", "B2", "12345热线群众满意率", "%", "higher", 4, "efficacy",
   "{\"good\": 95, \"bad\": 75}", NULL, "period", "group_mean", "12345热线(大数据)", R_HOT_SAT,
   {0}, 0, 0, 0, 100, 2, T_NONE, {0}, 0, 0},
  {"B", "B3", "企业开办时间", "工作日", "lower", 3, "bands",
   "{\"bands\": [[1, 1], [2, 0.8], [3, 0.6]]}", NULL, "period", "zero", "市行政审批局",
   R_LEVEL, {2.6, 2.3, 2.0, 1.8, 1.6, 1.5}, -0.6, 0.3, 0.5, 4.5, 1, T_NONE, {0}, 0, 0},
  {"B", "B4", "政务服务\"好差评\"差评整改率", "%", "higher", 2, "completion", NULL, NULL,
   "period", "zero", "市政务服务中心", R_LEVEL, {95, 96, 97, 97, 98, 98}, 2, 1.5, 80, 100, 1,
   T_FIXED, {100, 100, 100}, 0, 0},
  {"B", "B5", "新增市场主体", "户", "higher", 3, "timeprogress", NULL, NULL, "ytd", "zero",
   "市市场监管局", R_YTD, {0.14, 0.33, 0.53, 0.70, 0.86, 1.03}, 0.05, 0.02, 0, 2, 0, T_SCALED,
   {20, 25, 6}, 0, 100},
  /* C 干部作风建设年 */
  {"C", "C1", "暗访督查发现问题", "件", NULL, 0, "deduct", "{\"per_event\": 0.5, \"cap\": 5}",
   NULL, "period", "zero", "市委督查室(暗访)", R_COUNT, {1.2, 1.2, 1.1, 1.0, 1.0, 0.9}, -0.8,
   0, 0.1, 3, 0, T_NONE, {0}, 0, 0},
  {"C", "C2", "督查问题按期整改率", "%", "higher", 4, "efficacy", NULL, NULL, "period", "zero",
   "市委督查室", R_LEVEL, {85, 88, 90, 92, 93, 94}, 4, 2, 60, 100, 1, T_NONE, {0}, 0, 0},
  {"C", "C3", "\"吃喝风\"等作风问题查处", "件", NULL, 0, "deduct",
   "{\"per_event\": 1, \"cap\": 5}", NULL, "period", "zero", "市纪委监委", R_COUNT,
   {0.25, 0.25, 0.2, 0.2, 0.2, 0.3}, -0.2, 0, 0.02, 1, 0, T_NONE, {0}, 0, 0},
  {"C", "C4", "值班值守抽查脱岗", "次", NULL, 0, "deduct", "{\"per_event\": 0.5, \"cap\": 2}",
   NULL, "period", "zero", "市委督查室", R_COUNT, {0.3, 0.25, 0.25, 0.3, 0.25, 0.3}, -0.2, 0,
   0.02, 1, 0, T_NONE, {0}, 0, 0},
  {"C", "C5", "督办事项按期办结率", "%", "higher", 3, "completion", NULL, NULL, "period", "zero",
   "市委督查室", R_LEVEL, {90, 91, 93, 94, 95, 96}, 3, 2, 70, 100, 1, T_FIXED, {100, 100, 100},
   0, 0},
  /* S 底线工作 */
  {"S", "S1", "较大及以上生产安全事故", "起", NULL, 0, "veto", NULL, NULL, "period", "zero",
   "市应急管理局", R_EVENT, {0}, 0, 0, 0, 0, 0, T_NONE, {0}, 0, 0},
  {"S", "S2", "重大舆情或群体性事件处置不力", "起", NULL, 0, "veto_top", NULL, NULL, "period",
   "zero", "市委政法委", R_EVENT, {0}, 0, 0, 0, 0, 0, T_NONE, {0}, 0, 0},
  {"S", "S3", "环保督察交办问题整改完成率", "%", "higher", 4, "timeprogress", NULL, NULL, "ytd",
   "zero", "市生态环境局", R_YTD_PCT, {0.15, 0.35, 0.56, 0.72, 0.88, 1.0}, 0.05, 0.03, 0, 100,
   1, T_FIXED, {100, 100, 100}, 0, 0},
  {"S", "S4", "空气质量优良天数比率", "%", "higher", 3, "goalpost",
   "{\"lo\": 70, \"hi\": 95}", "县市 城区", "period", "zero", "市生态环境局", R_LEVEL,
   {80, 88, 93, 95, 92, 84}, 3, 2.5, 60, 99.5, 1, T_NONE, {0}, 0, 0},
  {"S", "S5", "耕地抛荒整治完成率", "%", "higher", 3, "completion", NULL, "县市", "period",
   "zero", "市农业农村局", R_LEVEL, {75, 93, 98, 99, 99.5, 100}, 4, 3, 50, 100, 1, T_FIXED,
   {100, 100, 100}, 0, 0},
  {"S", "S6", "粮食播种面积完成率", "%", "higher", 3, "completion", NULL, "县市", "period",
   "zero", "市农业农村局", R_LEVEL, {99, 100, 100.5, 101, 101, 101}, 1.2, 0.8, 92, 104, 1,
   T_FIXED, {100, 100, 100}, 0, 0},
  {"S", "S7", "防汛工作评价", "分", "higher", 2, "manual", NULL, "县市 城区", "period", "zero",
   "市水利局", R_MANUAL, {0}, 0, 0, 0, 0, 1, T_NONE, {0}, 0, 0},
  {"S", "S8", "防返贫监测帮扶覆盖率", "%", "higher", 2, "completion", NULL, "县市", "period",
   "zero", "市乡村振兴局", R_LEVEL, {97, 98, 98.5, 99, 99.5, 99.8}, 1, 0.6, 90, 100, 1,
   T_FIXED, {100, 100, 100}, 0, 0},
  /* D 党建引领与办实事 */
  {"D", "D1", "微心愿认领率(7日内)", "%", "higher", 2, "efficacy", NULL, NULL, "period",
   "group_mean", "微心愿平台", R_LEVEL, {85, 88, 90, 91, 92, 93}, 5, 3, 60, 100, 1, T_NONE,
   {0}, 0, 0},
  {"D", "D2", "微心愿办结满意率", "%", "higher", 2, "efficacy", NULL, NULL, "period", "exclude",
   "微心愿平台", R_LEVEL, {92, 93, 94, 94, 95, 95}, 3, 2, 75, 100, 1, T_NONE, {0}, 0, 0},
  {"D", "D3", "党史学习教育评价", "分", "higher", 2, "manual", NULL, NULL, "period", "zero",
   "市委宣传部", R_MANUAL, {0}, 0, 0, 0, 0, 1, T_NONE, {0}, 0, 0},
  /* Y 园区专项 */
  {"Y", "Y1", "技工贸总收入增速", "%", "higher", 6, "efficacy", NULL, "园区", "period", "zero",
   "市发改委", R_GROWTH, {19.5, 16.8, 14.6, 12.3, 10.6, 9.4}, 3, 1.2, -10, 50, 1, T_NONE, {0},
   0, 0},
  {"Y", "Y2", "亩均税收", "万元/亩", "higher", 5, "rank", NULL, "园区", "period", "zero",
   "市税务局", R_LEVEL, {28, 29, 30, 31, 32, 33}, 10, 2, 5, 80, 2, T_NONE, {0}, 0, 0},
  {"Y", "Y3", "标准厂房入驻率", "%", "higher", 3, "completion", "{\"cap\": 1.2}", "园区",
   "period", "zero", "市工信局", R_LEVEL, {86, 87, 88, 89, 90, 90}, 5, 2, 60, 99, 1, T_JITTER,
   {88, 88, 88}, 0, 80},
};

static const struct {
  const char *zCode, *zName;
} aDemoCat[] = {
  {"E", "经济运行"}, {"P", "产业项目建设年"}, {"B", "营商环境优化年"},
  {"C", "干部作风建设年"}, {"S", "底线工作"}, {"D", "党建引领与办实事"}, {"Y", "园区专项"},
};

/* Does leaf l apply to peer group zGroup? (zGroups is a space-separated list.) */
static int demo_leaf_applies(const DemoLeaf *pL, const char *zGroup) {
  if (!pL->zGroups) return 1;
  size_t n = strlen(zGroup);
  for (const char *z = pL->zGroups; (z = strstr(z, zGroup)) != NULL; z += n) {
    int bStart = z == pL->zGroups || z[-1] == ' ';
    int bEnd = z[n] == 0 || z[n] == ' ';
    if (bStart && bEnd) return 1;
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------
** The story's fixed events (NOTES 2). Periods are 0-based (0 = 2021-B1).
*/
typedef enum {
  EV_MISSING,  /* the value is not reported (empty), with a note */
  EV_SET,      /* the value is rValue, with a note */
  EV_PROGRESS  /* year-to-date leaf: share of the annual target in each period (aShare) */
} DemoEventKind;

typedef struct DemoEvent {
  DemoEventKind e;
  int iPeriod;   /* EV_MISSING, EV_SET */
  const char *zUnit, *zLeaf;
  double rValue;
  double aShare[DEMO_PERIODS];
  const char *zNote;
} DemoEvent;

static const DemoEvent aDemoEvent[] = {
  /* 一票否决: a major work-safety accident in 衡南县 in April. */
  {EV_SET, 1, "430422", "S1", 1, {0}, "4月辖区一化工企业发生较大生产安全事故(演示数据)"},
  /* 一票否优: 蒸湘区, the urban districts' leader, mishandles a mass petition in May. */
  {EV_SET, 2, "430408", "S2", 1, {0}, "5月一起群体性信访事件处置不力(演示数据)"},
  /* Behind time progress at mid-year (not 双过半), catching up after the campaign. 衡东县's
  ** lag is deep enough (P1 38%: 1.8 points lost) to show among its shortfalls. */
  {EV_PROGRESS, 0, "430424", "P1", 0, {0.11, 0.24, 0.38, 0.60, 0.81, 0.99}, NULL},
  {EV_PROGRESS, 0, "430424", "S3", 0, {0.10, 0.22, 0.40, 0.62, 0.85, 1.00}, NULL},
  {EV_PROGRESS, 0, "430426", "P1", 0, {0.15, 0.31, 0.47, 0.66, 0.84, 1.01}, NULL},
  /* Missing reports, one per policy. */
  {EV_MISSING, 0, "430406", "B2", 0, {0}, "回访系统切换,本期未开展回访(满意率无分母)"},
  {EV_MISSING, 1, "430423", "E4", 0, {0}, "未按时报送(缺报)"},
  {EV_MISSING, 2, "430412", "E1", 0, {0}, "季度统计快报未出,沿用上期"},
  {EV_MISSING, 2, "P04", "D2", 0, {0}, "本期无办结微心愿"},
  {EV_MISSING, 3, "430482", "S7", 0, {0}, "待市水利局评价"},
  {EV_MISSING, 4, "P02", "Y2", 0, {0}, "税务数据未推送"},
};
#define DEMO_EVENTS ((int)(sizeof aDemoEvent / sizeof aDemoEvent[0]))

static const char zDemoStory[] =
    "- 一票否决 (veto, S1): 衡南县 430422 in 2021-B2 (a major work-safety accident in April):\n"
    "  its grade that period is 较差 whatever its score.\n"
    "- 一票否优 (veto_top, S2): 蒸湘区 430408 in 2021-B3 (a mass petition mishandled in May):\n"
    "  the urban districts' leader cannot be 优秀 that period.\n"
    "- Behind time progress at mid-year (2021-B3, time progress 50%, not 双过半):\n"
    "  衡东县 430424 on P1 重点项目投资 (38%) and S3 环保督察整改 (40%), which shows among\n"
    "  its shortfalls; 祁东县 430426 on P1 (47%).\n"
    "- Missing reports, one per missing-data policy:\n"
    "  2021-B1 雁峰区 430406 B2 热线满意率 (no follow-up calls: group_mean, 均值替代);\n"
    "  2021-B2 衡山县 430423 E4 社零增速 (not reported: zero, 缺报);\n"
    "  2021-B3 南岳区 430412 E1 GDP增速 (quarterly flash not out: carry, 沿用上期);\n"
    "  2021-B3 衡阳综合保税区 P04 D2 微心愿满意率 (nothing to rate: exclude, 不参与);\n"
    "  2021-B4 常宁市 430482 S7 防汛评价 (not yet scored: zero, provisional);\n"
    "  2021-B5 白沙洲工业园区 P02 Y2 亩均税收 (tax feed late: zero).\n"
    "- Over the year: 耒阳市, 蒸湘区 and 松木经开区 lead their groups; 常宁市 slides from\n"
    "  2nd (B1) to 7th (B5); 衡东县, 6th in B2, falls back to 7th at mid-year on its\n"
    "  project lag, then climbs to 4th (B5, B6) after the 奋战一百天 campaign; 雁峰区\n"
    "  slips in the second half. Deductions (C1 暗访问题, C3 作风问题, C4 值班脱岗) and\n"
    "  the bonus for landing \"三类500强\" projects (P5) follow each unit's record.\n";

const char *demo_story(void) {
  return zDemoStory;
}

const char *demo_period_code(int i) {
  static const char *const az[DEMO_PERIODS] = {"2021-B1", "2021-B2", "2021-B3",
                                               "2021-B4", "2021-B5", "2021-B6"};
  return i >= 0 && i < DEMO_PERIODS ? az[i] : "";
}

/* ---------------------------------------------------------------------------------------
** The 12345 hotline (data-formats.md): work orders per unit and period, from which B1 and
** B2 are derived.
*/
static const char *const azHotCat[] = {"营商环境", "城市管理", "住房保障", "交通出行",
                                       "环境保护", "劳动社保", "教育", "医疗卫生",
                                       "市场监管", "农业农村"};
#define DEMO_HOT_CATS 10
/* Complaint texts by category (two each), as citizens write them: some hold commas and
** quotes, which the export then has to quote (RFC 4180). The unit's name is put before. */
static const char *const azHotText[DEMO_HOT_CATS][2] = {
  {"某企业反映办理施工许可材料多次被退回,希望一次性告知", "个体户反映\"门头招牌\"审批时限过长"},
  {"某小区旁餐馆油烟扰民,夜间噪音大,请求处理", "某路段路灯不亮已一周,存在安全隐患"},
  {"某安置小区房产证迟迟未办,业主多次询问无果", "反映公租房申请进度查询不到"},
  {"某公交线路班次减少,早高峰等车超过半小时", "某路口\"僵尸车\"长期占道,请求清理"},
  {"反映河道有不明污水排入,气味刺鼻", "某工地夜间施工扬尘大,影响周边居民"},
  {"农民工反映工程款被拖欠三个月,请求协调", "反映社保转移接续办理流程不清楚"},
  {"反映学位分配不合理,孩子上学距离远", "某校课后服务收费标准不明,家长有疑问"},
  {"反映社区卫生服务中心周末无人值班", "某医院挂号难,\"黄牛\"倒号现象突出"},
  {"反映超市销售过期食品,要求查处", "某商家预付卡到期不退款"},
  {"反映村组道路破损严重,雨天无法通行", "某村灌溉水渠堵塞,影响春耕用水"},
};
static const char *const azHotChannel[] = {"电话", "电话", "电话", "微信", "网站", "APP"};

typedef struct HotOrder {
  int64_t tAccept, tResponse, tDeadline, tClose; /* seconds from 2021-01-01 00:00; -1 none */
  int iUnit, iSeq, iCat, iText, iChannel;
  int eState; /* 0 已办结, 1 办理中, 2 已退回 */
  int eSat;   /* 0 满意, 1 基本满意, 2 不满意, 3 未回访 */
} HotOrder;

static const int aDemoMonthDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* Day of the year (0-based) on which month iMonth (1-12) of 2021 starts. */
static int demo_month_start(int iMonth) {
  int d = 0;
  for (int m = 1; m < iMonth; m++) d += aDemoMonthDays[m - 1];
  return d;
}

/* Appends t (seconds from 2021-01-01 00:00) as "YYYY-MM-DD HH:MM:SS" (into 2022 too). */
static void demo_put_time(Buf *pOut, int64_t t) {
  int64_t nDay = t / 86400;
  int iSec = (int)(t % 86400);
  int iYear = 2021;
  int nYearDays = 365; /* 2021 and 2022 are not leap years */
  while (nDay >= nYearDays) {
    nDay -= nYearDays;
    iYear++;
  }
  int iMonth = 0;
  while (nDay >= aDemoMonthDays[iMonth]) nDay -= aDemoMonthDays[iMonth++];
  buf_printf(pOut, "%04d-%02d-%02d %02d:%02d:%02d", iYear, iMonth + 1, (int)nDay + 1,
             iSec / 3600, iSec / 60 % 60, iSec % 60);
}

/* Appends one CSV field, quoted when it must be (RFC 4180). */
static void demo_put_field(Buf *pOut, const char *z) {
  if (!strpbrk(z, ",\"\r\n")) {
    buf_puts(pOut, z);
    return;
  }
  buf_putc(pOut, '"');
  for (; *z; z++) {
    if (*z == '"') buf_putc(pOut, '"');
    buf_putc(pOut, *z);
  }
  buf_putc(pOut, '"');
}

static int demo_cmp_order(const void *a, const void *b) {
  const HotOrder *x = a, *y = b;
  if (x->tAccept != y->tAccept) return x->tAccept < y->tAccept ? -1 : 1;
  if (x->iUnit != y->iUnit) return x->iUnit - y->iUnit;
  return x->iSeq - y->iSeq;
}

/* Generates the orders, writes the export into pOut and the derived rates (in %, NaN when
** the denominator is zero) into aOntime/aSat [period][unit]. */
static void demo_hotline(const DemoUnit *aU, Buf *pOut, double aOntime[][DEMO_UNITS],
                         double aSat[][DEMO_UNITS]) {
  HotOrder *aOrder = NULL;
  int nOrder = 0, nAlloc = 0;
  const int64_t tYearEnd = 365 * 86400LL;
  for (int p = 0; p < DEMO_PERIODS; p++) {
    int iDay0 = demo_month_start(2 * p + 1);
    int nDays = aDemoMonthDays[2 * p] + aDemoMonthDays[2 * p + 1];
    for (int u = 0; u < DEMO_UNITS; u++) {
      DemoRng rng = demo_rng_stream("hotline", u, p);
      double q = demo_strength(&aU[u], p);
      double rOntime = demo_clamp(0.93 + 0.035 * q + 0.012 * demo_rng_normal(&rng), 0.78, 0.995);
      double rSatisfied = demo_clamp(0.86 + 0.05 * q + 0.015 * demo_rng_normal(&rng), 0.6, 0.99);
      /* Order volume follows population; parks get enterprises' calls. */
      double rBase = aU[u].iGroup == 2 ? 24 : 20 + aU[u].pInfo->rPop / 10000.0 * 1.5;
      int n = (int)(rBase * (0.9 + 0.2 * demo_rng_uniform(&rng)));
      int nClosed = 0, nOnTime = 0, nSat = 0, nRated = 0;
      /* Story: 雁峰区 did no follow-up calls in 2021-B1 (its B2 is missing). */
      int bNoFollowUp = p == 0 && strcmp(aU[u].zCode, "430406") == 0;
      for (int i = 0; i < n; i++) {
        if (nOrder == nAlloc) {
          nAlloc = nAlloc ? 2 * nAlloc : 4096;
          aOrder = xrealloc_array(aOrder, (size_t)nAlloc, sizeof(HotOrder));
        }
        HotOrder *o = &aOrder[nOrder++];
        memset(o, 0, sizeof *o);
        o->iUnit = u;
        o->iSeq = i;
        o->iCat = demo_rng_int(&rng, DEMO_HOT_CATS);
        o->iText = demo_rng_int(&rng, 2);
        o->iChannel = demo_rng_int(&rng, 6);
        int iDay = iDay0 + demo_rng_int(&rng, nDays);
        int iSec = 7 * 3600 + demo_rng_int(&rng, 15 * 3600);
        o->tAccept = (int64_t)iDay * 86400 + iSec;
        double rU = demo_rng_uniform(&rng);
        o->tResponse = o->tAccept + 600 + (int64_t)(rU * rU * 47 * 3600);
        /* 城市管理 orders must close within 3 days, the rest within 5. */
        o->tDeadline = o->tAccept + (o->iCat == 1 ? 3 : 5) * 86400LL;
        double rState = demo_rng_uniform(&rng);
        int bOnTime = demo_rng_uniform(&rng) < rOntime;
        double rClose = demo_rng_uniform(&rng);
        double rFollow = demo_rng_uniform(&rng);
        double rHow = demo_rng_uniform(&rng);
        if (rState < 0.02) {
          o->eState = 2; /* returned to the dispatcher: no closure, no follow-up */
          o->tClose = -1;
          o->eSat = 3;
          continue;
        }
        int64_t tSpan = o->tDeadline - o->tAccept - 2 * 3600 - 600;
        o->tClose = bOnTime ? o->tAccept + 2 * 3600 + (int64_t)(rClose * (double)tSpan)
                            : o->tDeadline + 3600 + (int64_t)(rClose * 5 * 86400);
        if (o->tClose > tYearEnd - 3600 && o->tAccept > tYearEnd - 6 * 86400) {
          o->eState = 1; /* still open at the year's export */
          o->tClose = -1;
          o->eSat = 3;
          continue;
        }
        nClosed++;
        nOnTime += o->tClose <= o->tDeadline;
        if (bNoFollowUp || rFollow < 0.12) {
          o->eSat = 3;
        } else if (rHow < rSatisfied) {
          o->eSat = rHow < 0.7 * rSatisfied ? 0 : 1;
          nSat++;
          nRated++;
        } else {
          o->eSat = 2;
          nRated++;
        }
      }
      aOntime[p][u] = nClosed ? demo_round(100.0 * nOnTime / nClosed, 2) : NAN;
      aSat[p][u] = nRated ? demo_round(100.0 * nSat / nRated, 2) : NAN;
    }
  }
  qsort(aOrder, (size_t)nOrder, sizeof aOrder[0], demo_cmp_order);
  static const char *const azState[] = {"已办结", "办理中", "已退回"};
  static const char *const azSat[] = {"满意", "基本满意", "不满意", "未回访"};
  buf_puts(pOut, "工单编号,受理时间,承办单位编码,诉求类别,来源渠道,响应时间,办结时间,"
                 "办结时限,办理状态,回访满意度,诉求内容\n");
  for (int i = 0; i < nOrder; i++) {
    const HotOrder *o = &aOrder[i];
    buf_printf(pOut, "GD2021%09d,", i + 1);
    demo_put_time(pOut, o->tAccept);
    buf_printf(pOut, ",%s,%s,%s,", aU[o->iUnit].zCode, azHotCat[o->iCat],
               azHotChannel[o->iChannel]);
    demo_put_time(pOut, o->tResponse);
    buf_putc(pOut, ',');
    if (o->tClose >= 0) demo_put_time(pOut, o->tClose);
    buf_putc(pOut, ',');
    demo_put_time(pOut, o->tDeadline);
    buf_printf(pOut, ",%s,%s,", azState[o->eState], azSat[o->eSat]);
    char *zText = xasprintf("%s%s", aU[o->iUnit].zName, azHotText[o->iCat][o->iText]);
    demo_put_field(pOut, zText);
    free(zText);
    buf_putc(pOut, '\n');
  }
  free(aOrder);
}

/* ---------------------------------------------------------------------------------------
** Generation.
*/
typedef struct DemoGen {
  DemoUnit aU[DEMO_UNITS];
  double aTarget[DEMO_UNITS][DEMO_LEAVES];            /* NaN = none */
  double aValue[DEMO_PERIODS][DEMO_UNITS][DEMO_LEAVES]; /* NaN = missing */
  const char *azNote[DEMO_PERIODS][DEMO_UNITS][DEMO_LEAVES];
  double aOntime[DEMO_PERIODS][DEMO_UNITS], aSat[DEMO_PERIODS][DEMO_UNITS];
} DemoGen;

/* Parses the embedded units CSV and joins it with aDemoUnitInfo. A mismatch is a bug in
** this file, so it aborts. */
static void demo_load_units(DemoGen *g) {
  CsvReader rd;
  char *zErr = NULL;
  if (csv_open_mem(&rd, "units.csv (embedded)", zDemoUnitsCsv, sizeof zDemoUnitsCsv - 1, &zErr)) {
    fprintf(stderr, "demo: %s\n", zErr ? zErr : "cannot read the embedded units");
    abort();
  }
  int n = -1, rc;
  while ((rc = csv_next(&rd, &zErr)) == 1) {
    if (n++ < 0) continue; /* header */
    if (n > DEMO_UNITS || rd.nField != 4) break;
    DemoUnit *pU = &g->aU[n - 1];
    pU->zCode = xstrdup(rd.azField[0]);
    pU->zName = xstrdup(rd.azField[1]);
    pU->zKind = xstrdup(rd.azField[2]);
    pU->zGroup = xstrdup(rd.azField[3]);
    pU->iGroup = -1;
    for (int k = 0; k < DEMO_GROUPS; k++) {
      if (strcmp(pU->zGroup, azDemoGroup[k]) == 0) pU->iGroup = k;
    }
    for (int k = 0; k < DEMO_UNITS; k++) {
      if (strcmp(aDemoUnitInfo[k].zCode, pU->zCode) == 0) pU->pInfo = &aDemoUnitInfo[k];
    }
    if (pU->iGroup < 0 || !pU->pInfo) break;
  }
  csv_close(&rd);
  if (rc != 0 || n != DEMO_UNITS) {
    fprintf(stderr, "demo: the embedded units table is inconsistent (%s)\n",
                    zErr ? zErr : "unit, group or count");
    abort();
  }
}

static int demo_unit_index(const DemoGen *g, const char *zCode) {
  for (int u = 0; u < DEMO_UNITS; u++) {
    if (strcmp(g->aU[u].zCode, zCode) == 0) return u;
  }
  return -1;
}

static int demo_leaf_index(const char *zCode) {
  for (int l = 0; l < DEMO_LEAVES; l++) {
    if (strcmp(aDemoLeaf[l].zCode, zCode) == 0) return l;
  }
  return -1;
}

/* The aDemoEvent row of kind EV_PROGRESS for (u, l), or NULL. */
static const DemoEvent *demo_progress_event(const DemoGen *g, int u, int l) {
  for (int i = 0; i < DEMO_EVENTS; i++) {
    const DemoEvent *e = &aDemoEvent[i];
    if (e->e == EV_PROGRESS && demo_unit_index(g, e->zUnit) == u &&
        demo_leaf_index(e->zLeaf) == l) {
      return e;
    }
  }
  return NULL;
}

static void demo_make_targets(DemoGen *g) {
  for (int u = 0; u < DEMO_UNITS; u++) {
    const DemoUnit *pU = &g->aU[u];
    for (int l = 0; l < DEMO_LEAVES; l++) {
      const DemoLeaf *pL = &aDemoLeaf[l];
      g->aTarget[u][l] = NAN;
      if (pL->eTarget == T_NONE || !demo_leaf_applies(pL, pU->zGroup)) continue;
      DemoRng rng = demo_rng_stream(pL->zCode, u, 99);
      double t = pL->aTarget[pU->iGroup];
      if (pL->eTarget == T_JITTER) t += 2.0 * demo_rng_normal(&rng);
      if (pL->eTarget == T_SCALED) t *= pU->pInfo->rScale * (1 + 0.04 * demo_rng_normal(&rng));
      t = demo_round(t, pL->nDecTarget);
      if (t < pL->rTargetMin) t = pL->rTargetMin;
      g->aTarget[u][l] = t;
    }
  }
}

/* Year-to-date values of leaf l for unit u in every period (NOTES 3). */
static void demo_make_ytd(DemoGen *g, int u, int l) {
  const DemoLeaf *pL = &aDemoLeaf[l];
  const DemoEvent *pStory = demo_progress_event(g, u, l);
  DemoRng rng = demo_rng_stream(pL->zCode, u, 0);
  double t = g->aTarget[u][l];
  double rPrevShare = 0, rPrevX = 0;
  for (int p = 0; p < DEMO_PERIODS; p++) {
    double q = demo_strength(&g->aU[u], p);
    double r = pL->aCurve[p] * (1 + pL->rSpread * q + pL->rNoise * demo_rng_normal(&rng));
    if (r < rPrevShare + 0.03) r = rPrevShare + 0.03;
    if (pStory) r = pStory->aShare[p];
    else if (p == 2 && r < 0.51) r = 0.51 + 0.02 * demo_rng_uniform(&rng); /* 双过半 */
    rPrevShare = r;
    double x;
    if (pL->eRecipe == R_YTD_PCT) {
      x = demo_round(100.0 * (r < 1 ? r : 1), pL->nDec);
    } else {
      x = demo_round(t * r, pL->nDec);
      /* A count rounded down may fall under half the target: lift it (not for the
      ** laggards, whose shortfall is the point). */
      if (!pStory && p == 2 && x < 0.5 * t) x = ceil(0.5 * t);
    }
    if (x < rPrevX) x = rPrevX;
    rPrevX = x;
    g->aValue[p][u][l] = x;
  }
}

static void demo_make_values(DemoGen *g) {
  for (int u = 0; u < DEMO_UNITS; u++) {
    const DemoUnit *pU = &g->aU[u];
    for (int l = 0; l < DEMO_LEAVES; l++) {
      const DemoLeaf *pL = &aDemoLeaf[l];
      for (int p = 0; p < DEMO_PERIODS; p++) {
        g->aValue[p][u][l] = NAN;
        g->azNote[p][u][l] = NULL;
      }
      if (!demo_leaf_applies(pL, pU->zGroup)) continue;
      if (pL->eRecipe == R_YTD || pL->eRecipe == R_YTD_PCT) {
        demo_make_ytd(g, u, l);
        continue;
      }
      DemoRng rng = demo_rng_stream(pL->zCode, u, 0);
      for (int p = 0; p < DEMO_PERIODS; p++) {
        double q = demo_strength(pU, p);
        double x = 0;
        switch (pL->eRecipe) {
        case R_GROWTH:
        case R_LEVEL:
          x = pL->aCurve[p] + pL->rSpread * q + pL->rNoise * demo_rng_normal(&rng);
          x = demo_round(demo_clamp(x, pL->rLo, pL->rHi), pL->nDec);
          break;
        case R_MANUAL: {
          double rShare = demo_clamp(0.86 + 0.08 * q + 0.04 * demo_rng_normal(&rng), 0.6, 1.0);
          x = demo_round(pL->rWeight * rShare, pL->nDec);
          break;
        }
        case R_COUNT:
          x = demo_rng_count(&rng, demo_clamp(pL->aCurve[p] + pL->rSpread * q, pL->rLo, pL->rHi));
          break;
        case R_EVENT:
          x = 0;
          break;
        case R_HOT_ONTIME:
          x = g->aOntime[p][u];
          break;
        case R_HOT_SAT:
          x = g->aSat[p][u];
          break;
        case R_YTD:
        case R_YTD_PCT:
          break;
        }
        g->aValue[p][u][l] = x;
      }
    }
  }
  for (int i = 0; i < DEMO_EVENTS; i++) {
    const DemoEvent *e = &aDemoEvent[i];
    int u = demo_unit_index(g, e->zUnit), l = demo_leaf_index(e->zLeaf);
    if (u < 0 || l < 0 || !demo_leaf_applies(&aDemoLeaf[l], g->aU[u].zGroup)) {
      fprintf(stderr, "demo: story event %s/%s names no applicable leaf\n", e->zUnit, e->zLeaf);
      abort(); /* a bug in aDemoEvent */
    }
    if (e->e == EV_PROGRESS) continue;
    g->aValue[e->iPeriod][u][l] = e->e == EV_SET ? e->rValue : NAN;
    g->azNote[e->iPeriod][u][l] = e->zNote;
  }
}

/* ---------------------------------------------------------------------------------------
** Writing the files.
*/
static void demo_put_number(Buf *pOut, double r, int nDec) {
  buf_printf(pOut, "%.*f", nDec, r);
}

static char *demo_units_csv(const DemoGen *g) {
  Buf b = BUF_INIT;
  buf_puts(&b, "code,name,kind,peer_group,population,area,lon,lat\n");
  for (int u = 0; u < DEMO_UNITS; u++) {
    const DemoUnit *pU = &g->aU[u];
    buf_printf(&b, "%s,%s,%s,%s,%.0f,", pU->zCode, pU->zName, pU->zKind, pU->zGroup,
               pU->pInfo->rPop);
    /* area: integers print without a fraction, the small 综保区 with one decimal */
    demo_put_number(&b, pU->pInfo->rArea, pU->pInfo->rArea < 10 ? 1 : 0);
    buf_printf(&b, ",%.6f,%.6f\n", pU->pInfo->rLon, pU->pInfo->rLat);
  }
  return buf_detach(&b);
}

static void demo_json_set(json_t *pObj, const char *zKey, json_t *pVal) {
  if (!pVal || json_object_set_new(pObj, zKey, pVal)) {
    fprintf(stderr, "demo: out of memory building the scheme\n");
    abort();
  }
}

static void demo_json_append(json_t *pArr, json_t *pVal) {
  if (!pVal || json_array_append_new(pArr, pVal)) {
    fprintf(stderr, "demo: out of memory building the scheme\n");
    abort();
  }
}

/* jansson's text of one value on one line ("key": value separators with a space). Real
** precision 15: every figure here is a short decimal, which then prints as written (0.6,
** not 0.59999999999999998). */
static void demo_put_json(Buf *pOut, const json_t *pVal) {
  char *z = json_dumps(pVal, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
  if (!z) {
    fprintf(stderr, "demo: cannot print the scheme\n");
    abort();
  }
  buf_puts(pOut, z);
  free(z);
}

/* Prints the scheme as SCORING.md shows it: top-level keys one per line, then each
** category with one leaf per line, so that the file reads like the scheme table. The
** values are printed by jansson; this only chooses the line breaks, and the result is
** parsed back as a check. Keys keep insertion order (jansson >= 2.8). */
static char *demo_scheme_print(json_t *pRoot) {
  Buf b = BUF_INIT;
  const char *zKey;
  json_t *pVal;
  int bFirst = 1;
  buf_puts(&b, "{");
  json_object_foreach(pRoot, zKey, pVal) {
    buf_puts(&b, bFirst ? "\n  " : ",\n  ");
    bFirst = 0;
    json_t *pName = json_string(zKey);
    demo_put_json(&b, pName);
    json_decref(pName);
    buf_puts(&b, ": ");
    if (strcmp(zKey, "indicators") != 0) {
      demo_put_json(&b, pVal);
      continue;
    }
    buf_puts(&b, "[");
    for (size_t c = 0; c < json_array_size(pVal); c++) {
      json_t *pCat = json_array_get(pVal, c);
      buf_printf(&b, "%s\n    {\"code\": ", c ? "," : "");
      demo_put_json(&b, json_object_get(pCat, "code"));
      buf_puts(&b, ", \"name\": ");
      demo_put_json(&b, json_object_get(pCat, "name"));
      buf_puts(&b, ", \"children\": [");
      json_t *pKids = json_object_get(pCat, "children");
      for (size_t k = 0; k < json_array_size(pKids); k++) {
        buf_puts(&b, k ? ",\n      " : "\n      ");
        demo_put_json(&b, json_array_get(pKids, k));
      }
      buf_puts(&b, "\n    ]}");
    }
    buf_puts(&b, "\n  ]");
  }
  buf_puts(&b, "\n}\n");
  json_error_t jerr;
  json_t *pBack = json_loads(buf_str(&b), JSON_REJECT_DUPLICATES, &jerr);
  if (!pBack || !json_equal(pBack, pRoot)) {
    fprintf(stderr, "demo: the printed scheme does not read back (%s)\n",
            pBack ? "differs" : jerr.text);
    abort(); /* a bug in this printer */
  }
  json_decref(pBack);
  return buf_detach(&b);
}

/* The scheme as SCORING.md JSON, keys in a stable, readable order. */
static char *demo_scheme_json(void) {
  json_t *pRoot = json_object();
  demo_json_set(pRoot, "code", json_string(DEMO_SCHEME_CODE));
  demo_json_set(pRoot, "name", json_string("衡阳市2021年度高质量发展点评考核方案(演示)"));
  demo_json_set(pRoot, "year", json_integer(2021));
  demo_json_set(pRoot, "synthetic", json_true());
  demo_json_set(pRoot, "aggregation", json_string("points"));
  demo_json_set(pRoot, "total", json_integer(100));
  demo_json_set(pRoot, "time_basis", json_string("month"));
  json_t *pGrades = json_object();
  demo_json_set(pGrades, "by", json_string("score"));
  json_error_t jerr;
  json_t *pLevels = json_loads("[[90, \"优秀\"], [80, \"良好\"], [60, \"一般\"], [null, \"较差\"]]",
                               0, &jerr);
  demo_json_set(pGrades, "levels", pLevels);
  demo_json_set(pRoot, "grades", pGrades);
  json_t *pTop = json_array();
  for (size_t c = 0; c < sizeof aDemoCat / sizeof aDemoCat[0]; c++) {
    json_t *pCat = json_object();
    demo_json_set(pCat, "code", json_string(aDemoCat[c].zCode));
    demo_json_set(pCat, "name", json_string(aDemoCat[c].zName));
    json_t *pKids = json_array();
    for (int l = 0; l < DEMO_LEAVES; l++) {
      const DemoLeaf *pL = &aDemoLeaf[l];
      if (strcmp(pL->zCat, aDemoCat[c].zCode) != 0) continue;
      json_t *pLeaf = json_object();
      demo_json_set(pLeaf, "code", json_string(pL->zCode));
      demo_json_set(pLeaf, "name", json_string(pL->zName));
      demo_json_set(pLeaf, "unit", json_string(pL->zUnit));
      if (pL->zDir) demo_json_set(pLeaf, "direction", json_string(pL->zDir));
      if (pL->rWeight > 0) demo_json_set(pLeaf, "weight", json_integer((json_int_t)pL->rWeight));
      demo_json_set(pLeaf, "method", json_string(pL->zMethod));
      if (pL->zParams) {
        json_t *pParams = json_loads(pL->zParams, JSON_REJECT_DUPLICATES, &jerr);
        if (!pParams) {
          fprintf(stderr, "demo: leaf %s params: %s\n", pL->zCode, jerr.text);
          abort(); /* a bug in aDemoLeaf */
        }
        demo_json_set(pLeaf, "params", pParams);
      }
      demo_json_set(pLeaf, "accumulate", json_string(pL->zAccumulate));
      if (pL->zGroups) {
        json_t *pGroups = json_array();
        for (int k = 0; k < DEMO_GROUPS; k++) {
          if (demo_leaf_applies(pL, azDemoGroup[k])) {
            demo_json_append(pGroups, json_string(azDemoGroup[k]));
          }
        }
        demo_json_set(pLeaf, "groups", pGroups);
      }
      demo_json_set(pLeaf, "missing", json_string(pL->zMissing));
      demo_json_set(pLeaf, "source", json_string(pL->zSource));
      demo_json_append(pKids, pLeaf);
    }
    demo_json_set(pCat, "children", pKids);
    demo_json_append(pTop, pCat);
  }
  demo_json_set(pRoot, "indicators", pTop);
  char *z = demo_scheme_print(pRoot);
  json_decref(pRoot);
  return z;
}

static char *demo_targets_csv(const DemoGen *g) {
  Buf b = BUF_INIT;
  buf_puts(&b, "unit,indicator,target\n");
  for (int u = 0; u < DEMO_UNITS; u++) {
    for (int l = 0; l < DEMO_LEAVES; l++) {
      if (isnan(g->aTarget[u][l])) continue;
      buf_printf(&b, "%s,%s,", g->aU[u].zCode, aDemoLeaf[l].zCode);
      demo_put_number(&b, g->aTarget[u][l], aDemoLeaf[l].nDecTarget);
      buf_putc(&b, '\n');
    }
  }
  return buf_detach(&b);
}

static char *demo_values_csv(const DemoGen *g, int p) {
  Buf b = BUF_INIT;
  buf_puts(&b, "unit,indicator,value,note\n");
  for (int u = 0; u < DEMO_UNITS; u++) {
    for (int l = 0; l < DEMO_LEAVES; l++) {
      const DemoLeaf *pL = &aDemoLeaf[l];
      if (!demo_leaf_applies(pL, g->aU[u].zGroup)) continue;
      buf_printf(&b, "%s,%s,", g->aU[u].zCode, pL->zCode);
      double x = g->aValue[p][u][l];
      if (!isnan(x)) demo_put_number(&b, x, pL->nDec); /* empty = missing (SCORING.md) */
      buf_putc(&b, ',');
      if (g->azNote[p][u][l]) demo_put_field(&b, g->azNote[p][u][l]);
      buf_putc(&b, '\n');
    }
  }
  return buf_detach(&b);
}

static char *demo_readme(void) {
  Buf b = BUF_INIT;
  buf_puts(&b,
           "演示数据,合成 — SYNTHETIC DEMO DATA, NOT OFFICIAL STATISTICS\n"
           "=========================================================\n\n"
           "These files were written by `kaoping demo` from a fixed-seed generator\n"
           "(src/demo/gen.c): every run writes the same bytes. Unit codes and names are the\n"
           "real ones of 衡阳市 (Hengyang); every figure is invented for demonstration.\n\n"
           "Files\n"
           "  units.csv            16 units in three peer groups (县市, 城区, 园区), with\n"
           "                       round, plausible population (persons), area (km2) and seat\n"
           "                       coordinates (GCJ-02).\n"
           "  scheme.json          the scheme HY2021 (SCORING.md JSON), 38 indicators in 7\n"
           "                       categories using 12 scoring methods; \"synthetic\": true.\n"
           "  targets.csv          annual targets 目标值 (completion and time-progress leaves).\n"
           "  values-2021-Bn.csv   the values 指标值 of each bimonthly period; year-to-date\n"
           "                       figures for time-progress leaves; an empty value is a\n"
           "                       missing report; the note column says why.\n"
           "  hotline-2021.csv     12345 hotline work orders (data-formats.md) from which\n"
           "                       B1 按时办结率 and B2 满意率 were derived (in %).\n\n"
           "What `kaoping demo` did with them\n"
           "  2021-B1 .. 2021-B3   opened, data imported, closed, review computed and\n"
           "                       published (verify with `kaoping review verify 2021-B2`).\n"
           "  2021-B4              open, data imported: a provisional period.\n"
           "  2021-B5, 2021-B6     files only, to import by hand (from the folder that holds\n"
           "                       the database; add --db FILE if it is not kaoping.db):\n"
           "      kaoping period open 2021-B5 --scheme HY2021\n"
           "      kaoping data import demo-data/values-2021-B5.csv --period 2021-B5\n"
           "      kaoping review compute 2021-B5\n\n"
           "The story in the data\n");
  buf_puts(&b, zDemoStory);
  return buf_detach(&b);
}

static void demo_file_set(DemoSet *p, int i, const char *zName, char *zText) {
  p->aFile[i].zName = zName;
  p->aFile[i].zText = zText;
  p->aFile[i].nText = strlen(zText);
}

void demo_generate(DemoSet *p) {
  static const char *const azValues[DEMO_PERIODS] = {
    "values-2021-B1.csv", "values-2021-B2.csv", "values-2021-B3.csv",
    "values-2021-B4.csv", "values-2021-B5.csv", "values-2021-B6.csv"};
  memset(p, 0, sizeof *p);
  DemoGen *g = xcalloc(1, sizeof(DemoGen)); /* ~150 KB: not on the stack */
  demo_load_units(g);
  Buf hot = BUF_INIT;
  demo_hotline(g->aU, &hot, g->aOntime, g->aSat);
  demo_make_targets(g);
  demo_make_values(g);
  demo_file_set(p, DEMO_FILE_README, "README.txt", demo_readme());
  demo_file_set(p, DEMO_FILE_UNITS, "units.csv", demo_units_csv(g));
  demo_file_set(p, DEMO_FILE_SCHEME, "scheme.json", demo_scheme_json());
  demo_file_set(p, DEMO_FILE_TARGETS, "targets.csv", demo_targets_csv(g));
  for (int i = 0; i < DEMO_PERIODS; i++) {
    demo_file_set(p, DEMO_FILE_VALUES_FIRST + i, azValues[i], demo_values_csv(g, i));
  }
  demo_file_set(p, DEMO_FILE_HOTLINE, "hotline-2021.csv", buf_detach(&hot));
  for (int u = 0; u < DEMO_UNITS; u++) {
    free(g->aU[u].zCode);
    free(g->aU[u].zName);
    free(g->aU[u].zKind);
    free(g->aU[u].zGroup);
  }
  free(g);
}

void demo_set_free(DemoSet *p) {
  for (int i = 0; i < DEMO_FILE__COUNT; i++) {
    free(p->aFile[i].zText);
    p->aFile[i].zText = NULL;
  }
}

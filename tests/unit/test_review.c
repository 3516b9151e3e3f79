/*
** test_review.c: unit tests of the pure review derivation (src/review.c), with expectations
** computed by hand from SCORING.md and docs/review-json.md. Built by `make build/test_review`.
**
** The fixture: one peer group 县市 of four units, period 2021-B3 (ends in June: time
** progress 6/12 = 0.5), points mode, total 100, grades 优秀 >= 80 else 一般.
**
**   leaf  method        w    U1    U2    U3    U4    target
**   A1    completion    40   120   100    60   100    100 each   (cap 1)
**   A2    minmax        30    10    20    30    50
**   B1    timeprogress  30   120    80   100    50    200 each   (ytd, tp 0.5)
**   B2    deduct (1/ev, cap 5)  0     2     0     1
**
**   shares  A1: 1 1 .6 1        points 40 40 24 40
**           A2: 0 .25 .5 1             0 7.5 15 30
**           B1: r = .6 .4 .5 .25 -> 1 .8 1 .5   30 24 30 15 (U2, U4 BEHIND)
**   totals  U1 70, U2 40+7.5+24-2 = 69.5, U3 69, U4 40+30+15-1 = 84
**   ranks   U4 1, U1 2, U2 3, U3 4;   W = 100, so max_points = weight
**
** The previous review (2021-B2, revision 1): U1 72 (1), U4 70 (2), U3 69 (3), U2 60 (4).
*/
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "review.h"

static const char zScheme[] =
  "{\"code\":\"T1\",\"name\":\"测试方案\",\"year\":2021,\"aggregation\":\"points\",\"total\":100,"
  "\"grades\":{\"by\":\"score\",\"levels\":[[80,\"优秀\"],[null,\"一般\"]]},"
  "\"indicators\":["
  " {\"code\":\"A\",\"name\":\"甲类\",\"children\":["
  "  {\"code\":\"A1\",\"name\":\"目标完成率\",\"unit\":\"%\",\"weight\":40,\"method\":\"completion\"},"
  "  {\"code\":\"A2\",\"name\":\"增速\",\"unit\":\"%\",\"weight\":30,\"method\":\"minmax\"}]},"
  " {\"code\":\"B\",\"name\":\"乙类\",\"children\":["
  "  {\"code\":\"B1\",\"name\":\"投资完成额\",\"unit\":\"亿元\",\"weight\":30,"
  "   \"method\":\"timeprogress\",\"accumulate\":\"ytd\"},"
  "  {\"code\":\"B2\",\"name\":\"督查问题\",\"method\":\"deduct\","
  "   \"params\":{\"per_event\":1,\"cap\":5}}]}]}";

enum { NU = 4, NL = 4 };
static const char *const azUnit[NU] = {"U1", "U2", "U3", "U4"};
static const char *const azName[NU] = {"一县", "二县", "三县", "四县"};
static const char *const azGroup[NU] = {"县市", "县市", "县市", "县市"};
/* [unit][leaf] in leaf order A1 A2 B1 B2 */
static const double aValue0[NU * NL] = {120, 10, 120, 0, 100, 20, 80, 2,
                                        60,  30, 100, 0, 100, 50, 50, 1};
static const double aTarget0[NU * NL] = {100, NAN, 200, NAN, 100, NAN, 200, NAN,
                                         100, NAN, 200, NAN, 100, NAN, 200, NAN};

typedef struct Fixture {
  Scheme *pScheme;
  ScoreInput in;
  ScoreResult *pRes;
  double aValue[NU * NL], aTarget[NU * NL];
  ReviewBasis basis;
  json_t *pDoc;
} Fixture;

static char *azPrevUnit[NU] = {"U1", "U2", "U3", "U4"};
static double aPrevTotal[NU] = {72, 60, 69, 70};
static int aPrevRank[NU] = {1, 4, 3, 2};

/* Scores the fixture for zPeriod and derives the review, with or without the basis. */
static Fixture *fixture_new(const char *zPeriod, int bBasis) {
  Fixture *f = calloc(1, sizeof *f);
  char *zErr = NULL;
  f->pScheme = scheme_parse("test", zScheme, &zErr);
  if (!f->pScheme) fail_msg("scheme: %s", zErr);
  assert_int_equal(f->pScheme->nLeaf, NL);
  memcpy(f->aValue, aValue0, sizeof aValue0);
  memcpy(f->aTarget, aTarget0, sizeof aTarget0);
  assert_int_equal(period_parse(zPeriod, &f->in.period, &zErr), 0);
  f->in.pScheme = f->pScheme;
  f->in.nUnit = NU;
  f->in.azUnit = azUnit;
  f->in.azGroup = azGroup;
  f->in.aValue = f->aValue;
  f->in.aTarget = f->aTarget;
  f->pRes = score_compute(&f->in, &zErr);
  if (!f->pRes) fail_msg("score: %s", zErr);
  if (bBasis) {
    strcpy(f->basis.zPeriod, "2021-B2");
    f->basis.iRevision = 1;
    f->basis.nUnit = NU;
    f->basis.azUnit = azPrevUnit;
    f->basis.aTotal = aPrevTotal;
    f->basis.aRank = aPrevRank;
  }
  ReviewMeta meta = {.iSchemeVersion = 1, .zInputsSha256 = "00", .iRevision = 1,
                     .azName = azName};
  f->pDoc = review_derive(&meta, &f->in, f->pRes, bBasis ? &f->basis : NULL, &zErr);
  if (!f->pDoc) fail_msg("derive: %s", zErr);
  return f;
}

static void fixture_free(Fixture *f) {
  json_decref(f->pDoc);
  score_result_free(f->pRes);
  scheme_free(f->pScheme);
  free(f);
}

static json_t *unit_of(const Fixture *f, const char *zCode) {
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(f->pDoc, "units"), i, u) {
    if (strcmp(json_string_value(json_object_get(u, "code")), zCode) == 0) return u;
  }
  fail_msg("no unit %s", zCode);
  return NULL;
}

static json_t *leaf_of(json_t *u, const char *zCode) {
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(u, "indicators"), i, l) {
    if (strcmp(json_string_value(json_object_get(l, "code")), zCode) == 0) return l;
  }
  fail_msg("no indicator %s", zCode);
  return NULL;
}

static double num(const json_t *o, const char *zKey) {
  const json_t *v = json_object_get(o, zKey);
  if (!json_is_number(v)) fail_msg("%s is not a number", zKey);
  return json_number_value(v);
}

static const char *str(const json_t *o, const char *zKey) {
  const json_t *v = json_object_get(o, zKey);
  if (!json_is_string(v)) fail_msg("%s is not a string", zKey);
  return json_string_value(v);
}

/* The array member zKey printed compactly, for whole-list comparisons. */
static char *text_of(const json_t *o, const char *zKey) {
  return review_json_text(json_object_get(o, zKey), 0);
}

#define assert_text(o, key, expected)                 \
  do {                                                \
    char *z_ = text_of((o), (key));                   \
    assert_string_equal(z_, (expected));              \
    free(z_);                                         \
  } while (0)

/* The engine's totals and ranks are what the hand computation above says: the base of
** every other expectation here. */
static void test_review_totals(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  const double aTotal[NU] = {70, 69.5, 69, 84};
  const int aRank[NU] = {2, 3, 4, 1};
  for (int u = 0; u < NU; u++) {
    json_t *o = unit_of(f, azUnit[u]);
    assert_float_equal(num(o, "total"), aTotal[u], 1e-9);
    assert_int_equal((int)num(o, "rank"), aRank[u]);
    assert_int_equal((int)num(o, "group_size"), 4);
  }
  assert_string_equal(str(unit_of(f, "U4"), "grade"), "优秀");
  assert_string_equal(str(unit_of(f, "U1"), "grade"), "一般");
  assert_text(json_array_get(json_object_get(f->pDoc, "groups"), 0), "units",
              "[\"U4\",\"U1\",\"U2\",\"U3\"]");
  fixture_free(f);
}

/* max_points = w x total / W (= w here), lost = max - points; deduct leaves have neither;
** group median and best of the raw values. */
static void test_review_points_and_group_stats(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  json_t *u2 = unit_of(f, "U2");
  assert_float_equal(num(leaf_of(u2, "A1"), "max_points"), 40, 1e-12);
  assert_float_equal(num(leaf_of(u2, "A1"), "lost"), 0, 1e-12);
  assert_float_equal(num(leaf_of(u2, "A2"), "lost"), 22.5, 1e-12);
  assert_float_equal(num(leaf_of(u2, "B1"), "lost"), 6, 1e-12);
  assert_true(json_is_null(json_object_get(leaf_of(u2, "B2"), "max_points")));
  assert_true(json_is_null(json_object_get(leaf_of(u2, "B2"), "lost")));
  assert_float_equal(num(leaf_of(u2, "B2"), "points"), -2, 1e-12);
  assert_float_equal(num(leaf_of(u2, "A1"), "group_median"), 100, 1e-12); /* 60 100 100 120 */
  assert_float_equal(num(leaf_of(u2, "A1"), "group_best"), 120, 1e-12);
  assert_float_equal(num(leaf_of(u2, "A2"), "group_median"), 25, 1e-12); /* 10 20 30 50 */
  assert_float_equal(num(leaf_of(u2, "B1"), "group_median"), 90, 1e-12); /* 50 80 100 120 */
  assert_float_equal(num(leaf_of(u2, "B1"), "target"), 200, 1e-12);
  assert_text(leaf_of(u2, "B1"), "flags", "[\"BEHIND\"]");
  /* categories: A = A1 + A2 (max 70), B = B1 (max 30; the deduct leaf has no maximum) */
  json_t *c = json_array_get(json_object_get(u2, "categories"), 0);
  assert_string_equal(str(c, "code"), "A");
  assert_float_equal(num(c, "max_points"), 70, 1e-12);
  assert_float_equal(num(c, "points"), 47.5, 1e-12);
  fixture_free(f);
}

/* 短板: weighted leaves with lost > 0 by lost, descending; why = lost, bottom, behind. */
static void test_review_shortfalls(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  json_t *a = json_object_get(unit_of(f, "U2"), "shortfalls");
  assert_int_equal(json_array_size(a), 2); /* A2 22.5, B1 6; A1 lost nothing */
  assert_string_equal(str(json_array_get(a, 0), "code"), "A2");
  assert_float_equal(num(json_array_get(a, 0), "lost"), 22.5, 1e-12);
  assert_text(json_array_get(a, 0), "why", "[\"lost\"]"); /* rank 3 of 4: not bottom */
  assert_string_equal(str(json_array_get(a, 1), "code"), "B1");
  assert_text(json_array_get(a, 1), "why", "[\"lost\",\"behind\"]");
  a = json_object_get(unit_of(f, "U3"), "shortfalls");
  assert_int_equal(json_array_size(a), 2); /* A1 16 (60 is the group's worst), A2 15 */
  assert_string_equal(str(json_array_get(a, 0), "code"), "A1");
  assert_float_equal(num(json_array_get(a, 0), "lost"), 16, 1e-12);
  assert_text(json_array_get(a, 0), "why", "[\"lost\",\"bottom\"]");
  assert_int_equal((int)num(json_array_get(a, 0), "rank"), 4);
  assert_string_equal(str(json_array_get(a, 1), "code"), "A2");
  a = json_object_get(unit_of(f, "U4"), "shortfalls");
  assert_int_equal(json_array_size(a), 1);
  assert_text(json_array_get(a, 0), "why", "[\"lost\",\"bottom\",\"behind\"]");
  fixture_free(f);
}

/* 长板: rank 1 or a full share, by share then weight. */
static void test_review_strengths(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  json_t *a = json_object_get(unit_of(f, "U4"), "strengths");
  assert_int_equal(json_array_size(a), 2); /* A1 (share 1, w 40), A2 (share 1, rank 1, w 30) */
  assert_string_equal(str(json_array_get(a, 0), "code"), "A1");
  assert_int_equal((int)num(json_array_get(a, 0), "rank"), 2); /* 100 ties with U2 behind 120 */
  assert_string_equal(str(json_array_get(a, 1), "code"), "A2");
  assert_int_equal((int)num(json_array_get(a, 1), "rank"), 1);
  a = json_object_get(unit_of(f, "U1"), "strengths");
  assert_int_equal(json_array_size(a), 2);
  assert_string_equal(str(json_array_get(a, 0), "code"), "A1");
  assert_string_equal(str(json_array_get(a, 1), "code"), "B1");
  assert_int_equal(json_array_size(json_object_get(unit_of(f, "U2"), "strengths")), 1);
  fixture_free(f);
}

/* 潜力, by hand:
**  U3 (69, rank 4): A1 ratio .6 -> group median ratio 1 (.6 1 1 1.2): x 100, share 1, +16 ->
**     85, rank 1, 3 places; to the best ratio 1.2 the share is capped at 1: the same gain, so
**     the median is the target. A2 30 is above the median 25; to the best 50 (min 10, max
**     50): share 1, +15 -> 84, ties U4 for rank 1. B1 ratio .5 >= median .45; best .6 gains 0.
**  U1 (70, rank 2): A2 10 -> median 25 (the group min becomes 20: +5), -> best 50: +30, 100,
**     rank 1: the best wins.
**  U2 (69.5, rank 3): A2 -> best 50 +22.5 (rank 1, 2 places); B1 .4 -> median .45 (90) +3 or
**     best .6 (120) +6 -> 75.5, rank 2. A1 ratio 1 = median; the best is capped: no gain.
**  U4 (84, rank 1): B1 50 -> best 120: +15, still rank 1, 0 places. */
static void test_review_potential(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  json_t *a = json_object_get(unit_of(f, "U3"), "potential");
  assert_int_equal(json_array_size(a), 2);
  json_t *p = json_array_get(a, 0);
  assert_string_equal(str(p, "code"), "A1");
  assert_string_equal(str(p, "to"), "median");
  assert_float_equal(num(p, "value"), 60, 1e-12);
  assert_float_equal(num(p, "raised_to"), 100, 1e-9);
  assert_float_equal(num(p, "gain"), 16, 1e-9);
  assert_int_equal((int)num(p, "rank_after"), 1);
  assert_int_equal((int)num(p, "places"), 3);
  p = json_array_get(a, 1);
  assert_string_equal(str(p, "code"), "A2");
  assert_string_equal(str(p, "to"), "best");
  assert_float_equal(num(p, "raised_to"), 50, 1e-12);
  assert_float_equal(num(p, "gain"), 15, 1e-9);
  assert_int_equal((int)num(p, "rank_after"), 1);
  assert_int_equal((int)num(p, "places"), 3);

  a = json_object_get(unit_of(f, "U1"), "potential");
  assert_int_equal(json_array_size(a), 1);
  p = json_array_get(a, 0);
  assert_string_equal(str(p, "code"), "A2");
  assert_string_equal(str(p, "to"), "best");
  assert_float_equal(num(p, "gain"), 30, 1e-9);
  assert_int_equal((int)num(p, "places"), 1);

  a = json_object_get(unit_of(f, "U2"), "potential");
  assert_int_equal(json_array_size(a), 2);
  assert_string_equal(str(json_array_get(a, 0), "code"), "A2");
  assert_float_equal(num(json_array_get(a, 0), "gain"), 22.5, 1e-9);
  assert_int_equal((int)num(json_array_get(a, 0), "places"), 2);
  p = json_array_get(a, 1);
  assert_string_equal(str(p, "code"), "B1");
  assert_string_equal(str(p, "to"), "best");
  assert_float_equal(num(p, "raised_to"), 120, 1e-9);
  assert_float_equal(num(p, "gain"), 6, 1e-9);
  assert_int_equal((int)num(p, "rank_after"), 2);
  assert_int_equal((int)num(p, "places"), 1);

  a = json_object_get(unit_of(f, "U4"), "potential");
  assert_int_equal(json_array_size(a), 1);
  assert_float_equal(num(json_array_get(a, 0), "gain"), 15, 1e-9);
  assert_int_equal((int)num(json_array_get(a, 0), "places"), 0);
  fixture_free(f);
}

/* 双过半 at 2021-B3 (June): B1 progress x/t >= 0.5; before June it is null. */
static void test_review_double_half(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  const char *azStatus[NU] = {"achieved", "not_achieved", "achieved", "not_achieved"};
  const double aProgress[NU] = {0.6, 0.4, 0.5, 0.25};
  for (int u = 0; u < NU; u++) {
    json_t *dh = json_object_get(unit_of(f, azUnit[u]), "double_half");
    assert_true(json_is_object(dh));
    assert_string_equal(str(dh, "status"), azStatus[u]);
    assert_float_equal(num(dh, "time_progress"), 0.5, 1e-12);
    json_t *g = json_array_get(json_object_get(dh, "indicators"), 0);
    assert_string_equal(str(g, "code"), "B1");
    assert_float_equal(num(g, "progress"), aProgress[u], 1e-12);
    assert_int_equal(json_is_true(json_object_get(g, "passed")), u == 0 || u == 2);
  }
  fixture_free(f);
  f = fixture_new("2021-B2", 0); /* ends in April */
  for (int u = 0; u < NU; u++)
    assert_true(json_is_null(json_object_get(unit_of(f, azUnit[u]), "double_half")));
  assert_float_equal(num(f->pDoc, "time_progress"), 4.0 / 12, 1e-12);
  fixture_free(f);
}

/* Changes and lists against the previous review (rank_change > 0 = moved up). */
static void test_review_changes_and_lists(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  const int aChange[NU] = {-1, +1, -1, +1}; /* 1->2, 4->3, 3->4, 2->1 */
  const double aTotalChange[NU] = {-2, 9.5, 0, 14};
  for (int u = 0; u < NU; u++) {
    json_t *o = unit_of(f, azUnit[u]);
    assert_int_equal((int)num(o, "rank_change"), aChange[u]);
    assert_float_equal(num(o, "total_change"), aTotalChange[u], 1e-12);
    assert_string_equal(str(json_object_get(o, "previous"), "period"), "2021-B2");
  }
  assert_string_equal(str(f->pDoc, "previous_period"), "2021-B2");
  assert_int_equal((int)num(f->pDoc, "previous_revision"), 1);
  json_t *lists = json_object_get(f->pDoc, "lists");
  char *z = review_json_text(lists, 0);
  /* red: ranks 1-3; black: the rest of the bottom three (small group: no overlap);
  ** improved: U4 (+1, +14) before U2 (+1, +9.5); declined: U1 (-1, -2) before U3 (-1, 0) */
  assert_string_equal(z,
    "{\"red\":[{\"group\":\"县市\",\"units\":[\"U4\",\"U1\",\"U2\"]}],"
    "\"black\":[{\"group\":\"县市\",\"units\":[\"U3\"]}],"
    "\"improved\":[{\"group\":\"县市\",\"units\":[{\"code\":\"U4\",\"rank_change\":1,"
    "\"total_change\":14},{\"code\":\"U2\",\"rank_change\":1,\"total_change\":9.5}]}],"
    "\"declined\":[{\"group\":\"县市\",\"units\":[{\"code\":\"U1\",\"rank_change\":-1,"
    "\"total_change\":-2},{\"code\":\"U3\",\"rank_change\":-1,\"total_change\":0}]}]}");
  free(z);
  json_t *city = json_object_get(f->pDoc, "city");
  assert_int_equal((int)num(city, "units"), 4);
  assert_int_equal((int)num(city, "behind"), 2); /* U2, U4 */
  assert_int_equal((int)num(city, "missing"), 0);
  fixture_free(f);

  f = fixture_new("2021-B3", 0);
  json_t *u = unit_of(f, "U1");
  assert_true(json_is_null(json_object_get(u, "previous")));
  assert_true(json_is_null(json_object_get(u, "rank_change")));
  assert_true(json_is_null(json_object_get(f->pDoc, "previous_period")));
  assert_text(json_object_get(f->pDoc, "lists"), "improved", "[]");
  fixture_free(f);
}

/* Invariant I1: same inputs, same bytes; numbers in their shortest round-trip form. */
static void test_review_deterministic_text(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  Fixture *g = fixture_new("2021-B3", 1);
  char *z1 = review_json_text(f->pDoc, 0), *z2 = review_json_text(g->pDoc, 0);
  assert_string_equal(z1, z2);
  assert_non_null(strstr(z1, "\"kind\":\"kaoping-review\",\"format\":1,\"period\":\"2021-B3\","
                             "\"period_end\":\"2021-06-30\",\"time_progress\":0.5,"));
  free(z1);
  free(z2);
  fixture_free(f);
  fixture_free(g);
  json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:s, s:n, s:[i, b]}", "a", 0.1, "b", 87.0, "c",
                        1.0 / 3, "d", -0.0, "e", "引号\"\n", "f", "g", 7, 1);
  char *z = review_json_text(o, 0);
  assert_string_equal(z, "{\"a\":0.1,\"b\":87,\"c\":0.3333333333333333,\"d\":0,"
                         "\"e\":\"引号\\\"\\n\",\"f\":null,\"g\":[7,true]}");
  /* and it reads back to the same doubles */
  json_t *back = json_loads(z, 0, NULL);
  assert_true(json_number_value(json_object_get(back, "c")) == 1.0 / 3);
  json_decref(back);
  free(z);
  z = review_json_text(o, 2);
  assert_string_equal(z, "{\n  \"a\": 0.1,\n  \"b\": 87,\n  \"c\": 0.3333333333333333,\n"
                         "  \"d\": 0,\n  \"e\": \"引号\\\"\\n\",\n  \"f\": null,\n"
                         "  \"g\": [7, true]\n}");
  free(z);
  json_decref(o);
}

/* The canonical inputs: the exact text of the NOTES format. */
static void test_review_canonical(void **state) {
  (void)state;
  char *zErr = NULL;
  ReviewInputs in = {0};
  in.pScheme = scheme_parse("test", zScheme, &zErr);
  assert_non_null(in.pScheme);
  in.zSchemeCode = "T1";
  in.iSchemeVersion = 2;
  strcpy(in.zSchemeSha256, "ab");
  assert_int_equal(period_parse("2021-B3", &in.period, &zErr), 0);
  char *azU[2] = {"U9", "U10"}, *azN[2] = {"九 县", "十%县"}, *azG[2] = {"县市", "县市"};
  in.nUnit = 2;
  in.azUnit = azU;
  in.azName = azN;
  in.azGroup = azG;
  double aV[2 * NL], aT[2 * NL], aP[2 * NL];
  unsigned char aVS[2 * NL] = {0}, aTS[2 * NL] = {0}, aPS[2 * NL] = {0};
  for (int i = 0; i < 2 * NL; i++) aV[i] = aT[i] = aP[i] = NAN;
  aV[0 * NL + 1] = 0.1;  aVS[0 * NL + 1] = 1;  /* U9 A2 */
  aV[0 * NL + 0] = 120;  aVS[0 * NL + 0] = 1;  /* U9 A1 */
  aVS[1 * NL + 2] = 1;                         /* U10 B1: reported missing */
  aT[1 * NL + 0] = 1e21; aTS[1 * NL + 0] = 1;  /* U10 A1 */
  in.aValue = aV; in.aTarget = aT; in.aPrevious = aP;
  in.aValueSet = aVS; in.aTargetSet = aTS; in.aPreviousSet = aPS;
  char *z = review_inputs_canonical(&in);
  /* units in table order; values sorted by unit code (U10 < U9 bytewise), then indicator */
  assert_string_equal(z, "kaoping-inputs 1\n"
                         "scheme T1 2 ab\n"
                         "period 2021-B3\n"
                         "unit U9 县市 九%20县\n"
                         "unit U10 县市 十%25县\n"
                         "value U10 B1 null\n"
                         "value U9 A1 120\n"
                         "value U9 A2 0.1\n"
                         "target U10 A1 1e+21\n"
                         "basis none\n");
  char zHex[65], zHex2[65];
  review_inputs_sha256(&in, zHex);
  review_sha256_hex(z, strlen(z), zHex2);
  assert_string_equal(zHex, zHex2);
  free(z);
  strcpy(in.basis.zPeriod, "2021-B2");
  in.basis.iRevision = 3;
  z = review_inputs_canonical(&in);
  assert_non_null(strstr(z, "target U10 A1 1e+21\nbasis 2021-B2 3\n"));
  free(z);
  scheme_free(in.pScheme);
}

/* The verify diff names units and indicators by code. */
static void test_review_diff(void **state) {
  (void)state;
  Fixture *f = fixture_new("2021-B3", 1);
  char *z = review_json_text(f->pDoc, 0);
  json_t *pOther = json_loads(z, 0, NULL);
  free(z);
  Buf b = BUF_INIT;
  assert_int_equal(review_json_diff(f->pDoc, pOther, 10, &b), 0);
  json_t *u = json_array_get(json_object_get(pOther, "units"), 0);
  json_object_set_new(u, "total", json_real(71));
  json_object_set_new(json_array_get(json_object_get(u, "indicators"), 1), "points", json_real(1));
  assert_int_equal(review_json_diff(f->pDoc, pOther, 10, &b), 2);
  assert_non_null(strstr(buf_str(&b), "units[U1].total: 70 -> 71\n"));
  assert_non_null(strstr(buf_str(&b), "units[U1].indicators[A2].points: 0 -> 1\n"));
  buf_free(&b);
  json_decref(pOther);
  fixture_free(f);
}

/* Index mode: points, max_points and lost are null; shortfalls rank by
** (1 - share) x weight share x scale. Two minmax leaves of weights 1 and 3, scale 100:
**   U1: L1 0, L2 10 -> shares 0, 1 -> total (0x1 + 1x3)/4 x 100 = 75; L1 lost 1 x 1/4 x 100 = 25
**   U2: L1 10, L2 0 -> shares 1, 0 -> total 25;                      L2 lost 1 x 3/4 x 100 = 75 */
static void test_review_index_mode(void **state) {
  (void)state;
  static const char zIndex[] =
    "{\"code\":\"IX\",\"name\":\"index\",\"year\":2021,\"aggregation\":\"index\",\"scale\":100,"
    "\"grades\":{\"by\":\"score\",\"levels\":[[null,\"-\"]]},\"indicators\":["
    "{\"code\":\"L1\",\"name\":\"一\",\"weight\":1,\"method\":\"minmax\"},"
    "{\"code\":\"L2\",\"name\":\"二\",\"weight\":3,\"method\":\"minmax\"}]}";
  char *zErr = NULL;
  Scheme *pS = scheme_parse("index", zIndex, &zErr);
  if (!pS) fail_msg("scheme: %s", zErr);
  const char *azU[2] = {"U1", "U2"}, *azG[2] = {"g", "g"};
  double aV[4] = {0, 10, 10, 0};
  ScoreInput in = {.pScheme = pS, .nUnit = 2, .azUnit = azU, .azGroup = azG, .aValue = aV};
  assert_int_equal(period_parse("2021-Y", &in.period, &zErr), 0);
  ScoreResult *pRes = score_compute(&in, &zErr);
  if (!pRes) fail_msg("score: %s", zErr);
  ReviewMeta meta = {.iSchemeVersion = 1, .zInputsSha256 = "00", .iRevision = 1, .azName = azU};
  json_t *pDoc = review_derive(&meta, &in, pRes, NULL, &zErr);
  assert_non_null(pDoc);
  json_t *u1 = json_array_get(json_object_get(pDoc, "units"), 0);
  json_t *u2 = json_array_get(json_object_get(pDoc, "units"), 1);
  assert_float_equal(num(u1, "total"), 75, 1e-9);
  assert_true(json_is_null(json_object_get(leaf_of(u1, "L1"), "points")));
  assert_true(json_is_null(json_object_get(leaf_of(u1, "L1"), "max_points")));
  assert_true(json_is_null(json_object_get(leaf_of(u1, "L1"), "lost")));
  assert_true(json_is_null(json_object_get(json_object_get(pDoc, "scheme"), "total")));
  json_t *a = json_object_get(u1, "shortfalls");
  assert_int_equal(json_array_size(a), 1);
  assert_string_equal(str(json_array_get(a, 0), "code"), "L1");
  assert_float_equal(num(json_array_get(a, 0), "lost"), 25, 1e-9);
  a = json_object_get(u2, "shortfalls");
  assert_string_equal(str(json_array_get(a, 0), "code"), "L2");
  assert_float_equal(num(json_array_get(a, 0), "lost"), 75, 1e-9);
  /* potential in index mode: U2 raising L2 to the best (10) gains 75 (both shares of 1) */
  a = json_object_get(u2, "potential");
  assert_string_equal(str(json_array_get(a, 0), "code"), "L2");
  assert_float_equal(num(json_array_get(a, 0), "gain"), 75, 1e-9);
  assert_int_equal((int)num(json_array_get(a, 0), "places"), 1);
  assert_true(json_is_null(json_object_get(u1, "double_half"))); /* no timeprogress leaf */
  json_decref(pDoc);
  score_result_free(pRes);
  scheme_free(pS);
}

/* The size the city runs: 16 units in 3 groups x 40 leaves. The potential reruns the engine
** up to 2 x 16 x 40 times; the derivation must stay fast (here well under the bound even
** under AddressSanitizer) and deterministic. */
static void test_review_city_size(void **state) {
  (void)state;
  enum { NUC = 16, NLC = 40 };
  static const char *const azMethod[] = {"minmax", "efficacy", "rank", "completion",
                                         "timeprogress"};
  Buf b = BUF_INIT;
  buf_puts(&b, "{\"code\":\"BIG\",\"name\":\"big\",\"year\":2021,\"aggregation\":\"points\","
               "\"total\":100,\"grades\":{\"by\":\"share\",\"levels\":[[0.3,\"A\"],[1,\"B\"]]},"
               "\"indicators\":[");
  for (int c = 0; c < 4; c++) {
    buf_printf(&b, "%s{\"code\":\"C%d\",\"name\":\"cat\",\"children\":[", c ? "," : "", c);
    for (int k = 0; k < NLC / 4; k++) {
      int l = c * (NLC / 4) + k;
      buf_printf(&b, "%s{\"code\":\"L%02d\",\"name\":\"leaf\",\"weight\":%d,\"method\":\"%s\"%s%s}",
                 k ? "," : "", l, 1 + l % 4, azMethod[l % 5],
                 l % 5 == 4 ? ",\"accumulate\":\"ytd\"" : "",
                 l % 7 == 3 ? ",\"missing\":\"group_mean\"" : "");
    }
    buf_puts(&b, "]}");
  }
  buf_puts(&b, "]}");
  char *zErr = NULL;
  Scheme *pS = scheme_parse("big", buf_str(&b), &zErr);
  if (!pS) fail_msg("scheme: %s", zErr);
  buf_free(&b);
  const char *azU[NUC], *azG[NUC];
  char azCode[NUC][16];
  double aV[NUC * NLC], aT[NUC * NLC];
  unsigned seed = 12345;
  for (int u = 0; u < NUC; u++) {
    snprintf(azCode[u], sizeof azCode[u], "U%02d", u);
    azU[u] = azCode[u];
    azG[u] = u < 7 ? "县市" : u < 12 ? "城区" : "园区";
    for (int l = 0; l < NLC; l++) {
      seed = seed * 1103515245u + 12345u;
      aV[u * NLC + l] = (l % 7 == 3 && u % 5 == 0) ? NAN : 50 + (seed >> 16) % 100;
      aT[u * NLC + l] = 120;
    }
  }
  ScoreInput in = {.pScheme = pS, .nUnit = NUC, .azUnit = azU, .azGroup = azG, .aValue = aV,
                   .aTarget = aT};
  assert_int_equal(period_parse("2021-B3", &in.period, &zErr), 0);
  ScoreResult *pRes = score_compute(&in, &zErr);
  if (!pRes) fail_msg("score: %s", zErr);
  ReviewMeta meta = {.iSchemeVersion = 1, .zInputsSha256 = "00", .iRevision = 1, .azName = azU};
  clock_t t0 = clock();
  json_t *pDoc = review_derive(&meta, &in, pRes, NULL, &zErr);
  double rSec = (double)(clock() - t0) / CLOCKS_PER_SEC;
  assert_non_null(pDoc);
  print_message("16 units x 40 leaves: derived in %.3f s\n", rSec);
  assert_true(rSec < 10);
  json_t *pDoc2 = review_derive(&meta, &in, pRes, NULL, &zErr);
  char *z1 = review_json_text(pDoc, 0), *z2 = review_json_text(pDoc2, 0);
  assert_string_equal(z1, z2);
  size_t i, nPotential = 0;
  json_t *u;
  json_array_foreach(json_object_get(pDoc, "units"), i, u) {
    nPotential += json_array_size(json_object_get(u, "potential"));
    assert_true(json_array_size(json_object_get(u, "potential")) <= 5);
    assert_true(json_array_size(json_object_get(u, "shortfalls")) <= 5);
    assert_true(json_array_size(json_object_get(u, "strengths")) <= 5);
  }
  assert_true(nPotential > 16); /* the reruns did happen and found gains */
  free(z1);
  free(z2);
  json_decref(pDoc);
  json_decref(pDoc2);
  score_result_free(pRes);
  scheme_free(pS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_review_totals),
    cmocka_unit_test(test_review_points_and_group_stats),
    cmocka_unit_test(test_review_shortfalls),
    cmocka_unit_test(test_review_strengths),
    cmocka_unit_test(test_review_potential),
    cmocka_unit_test(test_review_double_half),
    cmocka_unit_test(test_review_changes_and_lists),
    cmocka_unit_test(test_review_deterministic_text),
    cmocka_unit_test(test_review_canonical),
    cmocka_unit_test(test_review_diff),
    cmocka_unit_test(test_review_index_mode),
    cmocka_unit_test(test_review_city_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

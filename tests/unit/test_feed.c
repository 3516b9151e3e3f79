/*
** test_feed.c: unit tests of the feed module (cmocka): time parsing against known epoch
** seconds, period codes, the built-in hotline definition and definition errors, the
** streaming reader's RFC 4180 cases (from memory) with their line numbers, and the
** accumulator's counts, rates and exact medians, also when medians spill to disk.
** Expected values are worked out by hand in the comments.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed/def.h"
#include "feed/derive.h"
#include "feed/reader.h"
#include "util/mem.h"

/* Epoch seconds computed with Python's calendar.timegm. */
static void test_parse_time(void **state) {
  (void)state;
  int64_t t = 0;
  assert_int_equal(feed_parse_time("2021-03-05 09:14:27", 19, &t), 0);
  assert_int_equal(t, 1614935667);
  assert_int_equal(feed_parse_time(" 2021/3/5 9:14 ", 15, &t), 0); /* blanks, slashes, no seconds */
  assert_int_equal(t, 1614935640);
  assert_int_equal(feed_parse_time("2021-03-05T09:14:27.250", 23, &t), 0); /* fraction ignored */
  assert_int_equal(t, 1614935667);
  assert_int_equal(feed_parse_time("2020-02-29 23:59:59", 19, &t), 0); /* leap day */
  assert_int_equal(t, 1583020799);
  assert_int_equal(feed_parse_time("1969-12-31 23:00:00", 19, &t), 0); /* before 1970 */
  assert_int_equal(t, -3600);
  assert_int_equal(feed_parse_time("2021-03-05", 10, &t), 0);
  assert_int_equal(t, 1614902400);
  const char *azBad[] = {"2021-02-29 00:00:00", "2021-13-01", "2021-03-05 24:00:00",
                         "2021-03-05 09:60", "21-03-05", "2021-03-05 09:14:27x", "明天", "",
                         "2021-03/05", "2021-04-31"};
  for (size_t i = 0; i < sizeof azBad / sizeof azBad[0]; i++)
    if (feed_parse_time(azBad[i], (int)strlen(azBad[i]), &t) == 0)
      fail_msg("accepted \"%s\"", azBad[i]);
}

static void test_time_month_and_periods(void **state) {
  (void)state;
  int y, m;
  feed_time_month(1614935667, &y, &m);
  assert_int_equal(y, 2021);
  assert_int_equal(m, 3);
  feed_time_month(-3600, &y, &m); /* 1969-12-31 23:00 */
  assert_int_equal(y, 1969);
  assert_int_equal(m, 12);
  char z[16];
  /* 2021-03-05: month 3 -> M03, bimonth (3-1)/2+1 = 2 -> B2, quarter 1, half 1. */
  feed_period_code(PERIOD_MONTH, feed_period_serial(PERIOD_MONTH, 1614935667), z);
  assert_string_equal(z, "2021-M03");
  feed_period_code(PERIOD_BIMONTH, feed_period_serial(PERIOD_BIMONTH, 1614935667), z);
  assert_string_equal(z, "2021-B2");
  feed_period_code(PERIOD_QUARTER, feed_period_serial(PERIOD_QUARTER, 1614935667), z);
  assert_string_equal(z, "2021-Q1");
  feed_period_code(PERIOD_HALF, feed_period_serial(PERIOD_HALF, 1614935667), z);
  assert_string_equal(z, "2021-H1");
  feed_period_code(PERIOD_YEAR, feed_period_serial(PERIOD_YEAR, 1614935667), z);
  assert_string_equal(z, "2021-Y");
  /* 2020-12-31 23:59:59 = 1609459199: M12, B6, Q4 */
  feed_period_code(PERIOD_BIMONTH, feed_period_serial(PERIOD_BIMONTH, 1609459199), z);
  assert_string_equal(z, "2020-B6");
  feed_period_code(PERIOD_QUARTER, feed_period_serial(PERIOD_QUARTER, 1609459199), z);
  assert_string_equal(z, "2020-Q4");
}

static void test_builtin_hotline(void **state) {
  (void)state;
  FeedDef *p = feed_def_builtin("hotline");
  assert_non_null(p);
  assert_int_equal(p->nField, 11);
  assert_int_equal(p->nInd, 4);
  assert_string_equal(p->aInd[0].zCode, "hotline.orders");
  assert_int_equal(p->aInd[1].eAgg, FEED_RATE);
  assert_int_equal(p->aInd[3].eAgg, FEED_MEDIAN);
  assert_true(p->aInd[3].rPerUnit == 3600);
  assert_string_equal(p->aField[p->iUnit].zHeader, "承办单位编码");
  assert_int_equal(feed_def_match_header(p, " 单位编码 ", 14), p->iUnit); /* alias, trimmed */
  assert_int_equal(feed_def_match_header(p, "备注", 6), -1);
  assert_null(feed_def_builtin("nosuch"));
  feed_def_free(p);
}

static void def_bad(const char *zJson, const char *zWhy) {
  char *zErr = NULL;
  FeedDef *p = feed_def_parse("t.json", zJson, &zErr);
  if (p) fail_msg("accepted a bad definition (%s)", zWhy);
  assert_non_null(zErr);
  if (!strstr(zErr, zWhy)) fail_msg("message lacks \"%s\": %s", zWhy, zErr);
  free(zErr);
}

static void test_def_errors(void **state) {
  (void)state;
#define F "\"fields\": [{\"code\": \"i\", \"header\": \"编号\", \"type\": \"id\"}, " \
          "{\"code\": \"u\", \"header\": \"单位\", \"type\": \"unit\"}, " \
          "{\"code\": \"t\", \"header\": \"时间\", \"type\": \"time\"}], \"id\": \"i\", \"unit\": \"u\", \"period\": \"t\""
  def_bad("{\"feed\": \"x\", " F ", \"indicators\": [{\"code\": \"r\", \"agg\": \"rate\"}]}",
          "indicators[0].numerator: a rate needs one");
  def_bad("{\"feed\": \"x\", " F ", \"indicators\": [{\"code\": \"c\", \"agg\": \"count\", "
          "\"where\": [{\"field\": \"nope\", \"in\": [\"a\"]}]}]}",
          "indicators[0].where[0].field: no field \"nope\"");
  def_bad("{\"feed\": \"x\", " F ", \"indicators\": [{\"code\": \"m\", \"agg\": \"median\", "
          "\"field\": \"t\"}]}", "indicators[0].field: the code of a number field is required");
  def_bad("{\"feed\": \"x\", \"fields\": [{\"code\": \"i\", \"header\": \"编号\", \"type\": \"id\"}, "
          "{\"code\": \"j\", \"header\": \"编号\", \"type\": \"text\"}]}",
          "fields[1].header: \"编号\" names another field too");
  def_bad("{\"feed\": \"x\", " F ", \"indicators\": []}", "indicators: a non-empty array");
  def_bad("{\"feed\": ", "t.json: line 1");
#undef F
}

/* Reads every record of z; returns them as "a|b|c" lines with "@L" (start line) or
** "!L,C" for an error. */
static char *read_all(const char *z) {
  FeedReader *r = feed_reader_open_mem("m.csv", z, strlen(z));
  Buf b = BUF_INIT;
  const FeedSpan *aF;
  int nF, rc;
  char *zErr = NULL;
  while ((rc = feed_reader_next(r, &aF, &nF, &zErr)) != 0) {
    if (rc < 0) {
      buf_printf(&b, "!%lld,%d\n", (long long)feed_reader_err_line(r), feed_reader_err_col(r));
      free(zErr);
      continue;
    }
    buf_printf(&b, "@%lld ", (long long)feed_reader_line(r));
    for (int i = 0; i < nF; i++) buf_printf(&b, "%s%.*s", i ? "|" : "", aF[i].n, aF[i].z);
    buf_putc(&b, '\n');
  }
  feed_reader_close(r);
  return buf_detach(&b);
}

static void test_reader_rfc4180(void **state) {
  (void)state;
  struct { const char *zIn, *zOut; } a[] = {
    /* plain, LF and CRLF, no final line break */
    {"a,b,c\n1,2,3", "@1 a|b|c\n@2 1|2|3\n"},
    {"a,b\r\n1,2\r\n", "@1 a|b\n@2 1|2\n"},
    /* BOM; empty fields; a trailing comma is an empty last field */
    {"\xEF\xBB\xBFx,,y,\n", "@1 x||y|\n"},
    /* quotes: comma, doubled quote, line breaks (CRLF inside becomes LF), empty quoted */
    {"\"a,b\",\"say \"\"hi\"\"\",\"l1\r\nl2\nl3\",\"\"\nnext,1\n",
     "@1 a,b|say \"hi\"|l1\nl2\nl3|\n@4 next|1\n"},
    /* blank lines are skipped, line numbers still count them */
    {"a\n\n\r\nb\n", "@1 a\n@4 b\n"},
    /* text after a closing quote: an error at its field, then the reader goes on */
    {"x,\"ab\"c,d\nok,1\n", "!1,2\n@2 ok|1\n"},
    /* a quote inside an unquoted field */
    {"ab\"c,d\nok\n", "!1,1\n@2 ok\n"},
    /* never closed: an error at the record's line and field, nothing after */
    {"h\nx,\"open\nmore\n", "@1 h\n!2,2\n"},
  };
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
    char *z = read_all(a[i].zIn);
    if (strcmp(z, a[i].zOut) != 0) fail_msg("case %zu:\nwant %s\ngot  %s", i, a[i].zOut, z);
    free(z);
  }
}

/* Reads a whole file of tests/data (the tests run from the project root). */
static char *slurp(const char *zPath, size_t *pn) {
  FILE *f = fopen(zPath, "rb");
  if (!f) fail_msg("cannot open %s (run from the project root)", zPath);
  Buf b = BUF_INIT;
  char a[4096];
  size_t n;
  while ((n = fread(a, 1, sizeof a, f)) > 0) buf_append(&b, a, n);
  fclose(f);
  *pn = b.n;
  return buf_detach(&b);
}

/* The records of a CSV text as csv-spectrum's JSON: an array of objects keyed by the header.
** A reader error gives the string "error at line L, column C". */
static json_t *spectrum_parse(const char *z, size_t n) {
  FeedReader *r = feed_reader_open_mem("s.csv", z, n);
  json_t *aOut = json_array(), *aHead = json_array();
  const FeedSpan *aF;
  int nF, rc, bHead = 1;
  char *zErr = NULL;
  while ((rc = feed_reader_next(r, &aF, &nF, &zErr)) != 0) {
    if (rc < 0) {
      free(zErr);
      json_decref(aOut);
      aOut = json_sprintf("error at line %lld, column %d", (long long)feed_reader_err_line(r),
                          feed_reader_err_col(r));
      break;
    }
    json_t *o = bHead ? NULL : json_object();
    for (int i = 0; i < nF; i++) {
      json_t *v = json_stringn(aF[i].z, (size_t)aF[i].n);
      if (bHead) json_array_append_new(aHead, v);
      else json_object_set_new(o, json_string_value(json_array_get(aHead, (size_t)i)), v);
    }
    if (!bHead) json_array_append_new(aOut, o);
    bHead = 0;
  }
  feed_reader_close(r);
  json_decref(aHead);
  return aOut;
}

/* feed-csv: every case of the csv-spectrum corpus (tests/data/csv-spectrum/SOURCE.md) gives
** the fields of its published JSON, except the three departures docs/feeds.md states, whose
** expected values are written here. */
static void test_reader_csv_spectrum(void **state) {
  (void)state;
  static const char *const azSame[] = {"comma_in_quotes", "empty", "empty_crlf", "escaped_quotes",
                                       "json", "newlines", "quotes_and_newlines", "simple",
                                       "simple_crlf", "utf8"};
  struct { const char *zName, *zOurs; } aDepart[] = {
    /* a line break inside a quoted field is stored as LF */
    {"newlines_crlf", "[{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"},{\"a\":\"Once upon \\na time\",\"b\":\"5\","
                      "\"c\":\"6\"},{\"a\":\"7\",\"b\":\"8\",\"c\":\"9\"}]"},
    /* an unquoted NULL is the word NULL */
    {"null", "[{\"a\":\"1\",\"b\":\"\",\"c\":\"2\"},{\"a\":\"3\",\"b\":\"NULL\",\"c\":\"4\"},"
             "{\"a\":\"5\",\"b\":\"NULL\",\"c\":\"6\"}]"},
    /* a bare CR ends no record: the whole file is one line, and the quote that opens
    ** "Once upon" stands inside its unquoted fifth field (a | b | c\r1 | 2 | 3\r"Once …):
    ** an error there, never a silent misreading */
    {"newlines_cr", "\"error at line 1, column 5\""},
  };
  char zPath[128];
  size_t n;
  for (size_t i = 0; i < sizeof azSame / sizeof azSame[0]; i++) {
    snprintf(zPath, sizeof zPath, "tests/data/csv-spectrum/%s.csv", azSame[i]);
    char *z = slurp(zPath, &n);
    json_t *pGot = spectrum_parse(z, n);
    snprintf(zPath, sizeof zPath, "tests/data/csv-spectrum/%s.json", azSame[i]);
    json_error_t err;
    json_t *pWant = json_load_file(zPath, 0, &err);
    if (!pWant) fail_msg("%s: %s", zPath, err.text);
    if (!json_equal(pGot, pWant)) {
      char *zGot = json_dumps(pGot, JSON_ENCODE_ANY);
      fail_msg("%s: got %s", azSame[i], zGot);
    }
    json_decref(pGot);
    json_decref(pWant);
    free(z);
  }
  for (size_t i = 0; i < sizeof aDepart / sizeof aDepart[0]; i++) {
    snprintf(zPath, sizeof zPath, "tests/data/csv-spectrum/%s.csv", aDepart[i].zName);
    char *z = slurp(zPath, &n);
    json_t *pGot = spectrum_parse(z, n);
    json_t *pWant = json_loads(aDepart[i].zOurs, JSON_DECODE_ANY, NULL);
    assert_non_null(pWant);
    if (!json_equal(pGot, pWant)) {
      char *zGot = json_dumps(pGot, JSON_ENCODE_ANY);
      fail_msg("%s: got %s", aDepart[i].zName, zGot);
    }
    /* and it does differ from the corpus: the departure is real, not a copy of it */
    snprintf(zPath, sizeof zPath, "tests/data/csv-spectrum/%s.json", aDepart[i].zName);
    json_t *pCorpus = json_load_file(zPath, 0, NULL);
    assert_non_null(pCorpus);
    assert_false(json_equal(pGot, pCorpus));
    json_decref(pCorpus);
    json_decref(pGot);
    json_decref(pWant);
    free(z);
  }
}

/* Feeds the CSV text z (header first) through a row parser into an accumulator with the
** given median budget, and returns the result. */
static void derive_mem(const FeedDef *d, const char *z, size_t nBudget, PeriodKind eKind,
                       FeedResult *pRes, int *pnBad) {
  FeedReader *r = feed_reader_open_mem("m.csv", z, strlen(z));
  FeedSpill *s = feed_spill_new();
  FeedAccum *a = feed_accum_new(d, eKind, s, 0, nBudget);
  const FeedSpan *aF;
  int nF;
  char *zErr = NULL;
  assert_int_equal(feed_reader_next(r, &aF, &nF, &zErr), 1);
  FeedRowParser p;
  assert_int_equal(feed_row_parser_init(&p, d, "m.csv", 1, aF, nF, &zErr), 0);
  *pnBad = 0;
  while (feed_reader_next(r, &aF, &nF, &zErr) == 1) {
    int iCol;
    char *zWhy = NULL;
    if (feed_row_parse(&p, aF, nF, &iCol, &zWhy)) {
      (*pnBad)++;
      free(zWhy);
      continue;
    }
    assert_int_equal(feed_accum_add(a, &p, &zErr), 0);
  }
  assert_int_equal(feed_accum_result(a, pRes, &zErr), 0);
  feed_row_parser_free(&p);
  feed_accum_free(a);
  feed_spill_free(s);
  feed_reader_close(r);
}

static const FeedValue *find(const FeedResult *p, const FeedDef *d, const char *zUnit,
                             const char *zPeriod, const char *zInd) {
  for (int i = 0; i < p->nVal; i++)
    if (strcmp(p->aVal[i].zUnit, zUnit) == 0 && strcmp(p->aVal[i].zPeriod, zPeriod) == 0 &&
        strcmp(d->aInd[p->aVal[i].iInd].zCode, zInd) == 0)
      return &p->aVal[i];
  fail_msg("no value %s %s %s", zUnit, zPeriod, zInd);
  return NULL;
}

/* Hotline rows by hand, unit A in March 2021:
**   1: closed on time, 满意, response 1 h
**   2: closed late, 不满意, 3.5 h
**   3: open (办理中), 未回访, 2 h
**   4: closed on time, 基本满意, no response time
**   5: closed, 办结时间 empty (counts as not on time), 不满意, 0.5 h
** orders 5; on time 2 of 4 closed = 0.5; satisfied 2 (满意, 基本满意) of 4 rated (two
** 不满意) = 0.5; median of 1, 3.5, 2, 0.5
** = (1 + 2) / 2 = 1.5. Unit B in April: one returned order, nothing rated -> rates missing,
** median 0.25. One bad row (unit empty). */
static const char zHot[] =
  "工单编号,受理时间,承办单位编码,响应时间,办结时间,办结时限,办理状态,回访满意度\n"
  "1,2021-03-01 08:00:00,A,2021-03-01 09:00:00,2021-03-02 08:00:00,2021-03-03 08:00:00,已办结,满意\n"
  "2,2021-03-10 10:00:00,A,2021-03-10 13:30:00,2021-03-20 10:00:00,2021-03-15 10:00:00,已办结,不满意\n"
  "3,2021-03-31 23:59:59,A,2021-04-01 01:59:59,,2021-04-05 23:59:59,办理中,未回访\n"
  "4,2021-03-15 12:00:00,A,,2021-03-16 12:00:00,2021-03-20 12:00:00,已办结,基本满意\n"
  "5,2021-03-20 08:00:00,A,2021-03-20 08:30:00,,2021-03-25 08:00:00,已办结,不满意\n"
  "6,2021-04-02 08:00:00,B,2021-04-02 08:15:00,,2021-04-07 08:00:00,已退回,未回访\n"
  "7,2021-04-02 08:00:00,,2021-04-02 08:15:00,,2021-04-07 08:00:00,已退回,未回访\n";

static void check_hotline(size_t nBudget) {
  FeedDef *d = feed_def_builtin("hotline");
  FeedResult res;
  int nBad;
  derive_mem(d, zHot, nBudget, PERIOD_MONTH, &res, &nBad);
  assert_int_equal(nBad, 1);
  assert_int_equal(res.nVal, 8);
  assert_true(find(&res, d, "A", "2021-M03", "hotline.orders")->rValue == 5);
  const FeedValue *v = find(&res, d, "A", "2021-M03", "hotline.ontime_rate");
  assert_true(v->rValue == 0.5);
  assert_int_equal(v->nBase, 4);
  assert_true(find(&res, d, "A", "2021-M03", "hotline.satisfaction_rate")->rValue == 0.5);
  assert_true(find(&res, d, "A", "2021-M03", "hotline.response_median_h")->rValue == 1.5);
  assert_true(find(&res, d, "B", "2021-M04", "hotline.ontime_rate")->bMissing);
  assert_true(find(&res, d, "B", "2021-M04", "hotline.satisfaction_rate")->bMissing);
  assert_true(find(&res, d, "B", "2021-M04", "hotline.response_median_h")->rValue == 0.25);
  /* sorted by unit, then period, then indicator order */
  assert_string_equal(res.aVal[0].zUnit, "A");
  assert_string_equal(res.aVal[7].zUnit, "B");
  feed_result_free(&res);
  feed_def_free(d);
}

static void test_hotline_indicators(void **state) {
  (void)state;
  check_hotline(1 << 20);
  check_hotline(8); /* every median value goes through the spill file */
}

/* Exact medians of many values, with spilling: n values 0..n-1 shuffled; the median is
** (n-1)/2 for any n (for even n, the mean of n/2-1 and n/2). */
static void test_median_exact_with_spill(void **state) {
  (void)state;
  FeedDef *d = feed_def_builtin("hotline");
  /* 70000 and 70001 exceed FEED_SELECT_CAP (65536): the histogram path */
  int aN[] = {1, 2, 3, 1000, 4097, 70000, 70001};
  for (size_t k = 0; k < sizeof aN / sizeof aN[0]; k++) {
    int n = aN[k];
    Buf b = BUF_INIT;
    buf_puts(&b, "工单编号,受理时间,承办单位编码,响应时间,办结时间,办结时限,办理状态,回访满意度\n");
    uint32_t x = 12345;
    int *aPerm = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) aPerm[i] = i;
    for (int i = n - 1; i > 0; i--) {
      x = x * 1103515245u + 12345u;
      int j = (int)((x >> 8) % (uint32_t)(i + 1));
      int t = aPerm[i]; aPerm[i] = aPerm[j]; aPerm[j] = t;
    }
    for (int i = 0; i < n; i++) {
      /* response aPerm[i] seconds after 2021-05-01 00:00:00, one hour = 3600 s (up to 19 h) */
      int s = aPerm[i];
      buf_printf(&b, "%d,2021-05-01 00:00:00,U,2021-05-01 %02d:%02d:%02d,,,,\n", i, s / 3600,
                 s / 60 % 60, s % 60);
    }
    FeedResult res;
    int nBad;
    derive_mem(d, buf_str(&b), 256, PERIOD_MONTH, &res, &nBad);
    assert_int_equal(nBad, 0);
    double want = (n - 1) / 2.0 / 3600.0;
    double got = find(&res, d, "U", "2021-M05", "hotline.response_median_h")->rValue;
    if (fabs(got - want) > 1e-12) fail_msg("n = %d: median %.17g, want %.17g", n, got, want);
    feed_result_free(&res);
    free(aPerm);
    buf_free(&b);
  }
  feed_def_free(d);
}

/* More than FEED_SELECT_CAP values, nearly all equal: 69,990 responses after exactly 1 h,
** five after 1 s and five after 10 h. The middle ranks are in the 1 h bucket, which alone
** holds more values than the selection buffer: the median is still exactly 1. */
static void test_median_crowded_bucket(void **state) {
  (void)state;
  FeedDef *d = feed_def_builtin("hotline");
  Buf b = BUF_INIT;
  buf_puts(&b, "工单编号,受理时间,承办单位编码,响应时间,办结时间,办结时限,办理状态,回访满意度\n");
  for (int i = 0; i < 70000; i++) {
    const char *zResp = i < 5 ? "00:00:01" : i < 10 ? "10:00:00" : "01:00:00";
    buf_printf(&b, "%d,2021-05-01 00:00:00,U,2021-05-01 %s,,,,\n", i, zResp);
  }
  FeedResult res;
  int nBad;
  derive_mem(d, buf_str(&b), 1 << 16, PERIOD_MONTH, &res, &nBad);
  assert_true(find(&res, d, "U", "2021-M05", "hotline.response_median_h")->rValue == 1);
  feed_result_free(&res);
  buf_free(&b);
  feed_def_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_time),
    cmocka_unit_test(test_time_month_and_periods),
    cmocka_unit_test(test_builtin_hotline),
    cmocka_unit_test(test_def_errors),
    cmocka_unit_test(test_reader_rfc4180),
    cmocka_unit_test(test_reader_csv_spectrum),
    cmocka_unit_test(test_hotline_indicators),
    cmocka_unit_test(test_median_exact_with_spill),
    cmocka_unit_test(test_median_crowded_bucket),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

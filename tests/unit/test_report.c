/*
** test_report.c: unit tests of the report module (cmocka), without the CLI: the escaping
** formatter (util/html.c), the review JSON loader (report/model.c) on the hand-made
** fixtures of tests/data/report/, the shared phrases (label.c), chart geometry (chart.c),
** every renderer on the model (HTML, CSV, Markdown in memory; PDF and XLSX to a temporary
** file), and the store query (the published review wins, else the computed one as a draft).
** tests/cli/report.sh drives the real binary end to end.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/chart.h"
#include "report/label.h"
#include "report/model.h"
#include "report/report.h"
#include "store/db.h"
#include "util/html.h"
#include "util/text.h"

#define FIXTURE "tests/data/report/review.json"
#define FIXTURE_FIRST "tests/data/report/review-first.json"

static char *load_text(const char *zPath) {
  char *z = NULL, *zErr = NULL;
  size_t n = 0;
  if (text_load(zPath, &z, &n, NULL, &zErr)) fail_msg("cannot read %s: %s", zPath, zErr);
  return z;
}

static ReportModel *load_model(const char *zPath, int bDraft) {
  char *zJson = load_text(zPath);
  ReportModel *m = NULL;
  char *zErr = NULL;
  if (report_model_parse(zJson, bDraft, &m, &zErr)) fail_msg("parse %s: %s", zPath, zErr);
  free(zJson);
  return m;
}

/* Parses zJson expecting an error that contains zWant. */
static void parse_bad(const char *zJson, const char *zWant) {
  ReportModel *m = NULL;
  char *zErr = NULL;
  if (report_model_parse(zJson, 0, &m, &zErr) == 0) fail_msg("accepted: %s", zJson);
  assert_null(m);
  if (!strstr(zErr, zWant)) fail_msg("message lacks \"%s\": %s", zWant, zErr);
  free(zErr);
}

static int count(const char *zHay, const char *zNeedle) {
  int n = 0;
  for (const char *z = strstr(zHay, zNeedle); z; z = strstr(z + 1, zNeedle)) n++;
  return n;
}

/* ---- html_printf ------------------------------------------------------------------------ */

static void test_html_escape(void **state) {
  (void)state;
  Buf b = BUF_INIT;
  html_printf(&b, "<p title=\"%h\">%h</p>", "a\"b'c", "<script>&amp;");
  assert_string_equal(buf_str(&b),
                      "<p title=\"a&quot;b&#39;c\">&lt;script&gt;&amp;amp;</p>");
  buf_reset(&b);
  html_printf(&b, "%h|%t|%j", NULL, NULL, NULL);
  assert_string_equal(buf_str(&b), "||null");
  buf_free(&b);
}

static void test_html_url_json(void **state) {
  (void)state;
  Buf b = BUF_INIT;
  html_printf(&b, "?q=%t", "衡阳 a&b=c/~._-");
  assert_string_equal(buf_str(&b), "?q=%E8%A1%A1%E9%98%B3%20a%26b%3Dc%2F~._-");
  buf_reset(&b);
  html_printf(&b, "%j", "a\"\\\n</script>\xE2\x80\xA8");
  assert_string_equal(buf_str(&b), "\"a\\\"\\\\\\n\\u003c/script\\u003e\\u2028\"");
  buf_free(&b);
}

static void test_html_numbers(void **state) {
  (void)state;
  Buf b = BUF_INIT;
  html_printf(&b, "%d %5.2f %s %ld %zu %x %% %c %g %lld %u", -7, 3.14159, "lit", 1234567890123L,
              (size_t)42, 255u, 'Z', 0.5, 9000000000LL, 3u);
  assert_string_equal(buf_str(&b), "-7  3.14 lit 1234567890123 42 ff % Z 0.5 9000000000 3");
  buf_free(&b);
}

/* ---- model ------------------------------------------------------------------------------ */

static void test_model_fixture(void **state) {
  (void)state;
  ReportModel *m = load_model(FIXTURE, 0);
  assert_string_equal(m->zPeriod, "2021-B3");
  assert_int_equal(m->nGroup, 3);
  assert_int_equal(m->nUnit, 7);
  assert_int_equal(m->nCategory, 6);
  assert_true(m->bSynthetic);
  assert_false(m->bDraft);
  assert_string_equal(m->zPrevPeriod, "2021-B2");
  int i = report_unit_index(m, "430481");
  assert_true(i >= 0);
  const RpUnit *u = &m->aUnit[i];
  assert_string_equal(u->zName, "耒阳市");
  assert_int_equal(u->iRank, 1);
  assert_true(u->bChange);
  assert_int_equal(u->iRankChange, 1);
  assert_string_equal(m->aGroup[u->iGroup].zName, "县市");
  assert_int_equal(m->aGroup[u->iGroup].aUnit[0], i); /* best first */
  assert_int_equal(u->eDoubleHalf, RP_DH_ACHIEVED);
  /* every index is in range (the model's invariant) */
  for (int k = 0; k < m->nUnit; k++) {
    const RpUnit *v = &m->aUnit[k];
    assert_true(v->iGroup >= 0 && v->iGroup < m->nGroup);
    for (int j = 0; j < v->nLeaf; j++) assert_true(v->aLeaf[j].iInd >= 0);
    for (int j = 0; j < v->nCat; j++) assert_true(v->aCat[j].iCat >= 0);
  }
  /* the veto, the missing value and BEHIND reach the model */
  int iVeto = report_unit_index(m, "430426");
  assert_int_equal(m->nVeto, 1);
  assert_int_equal(m->aVeto[0], iVeto);
  assert_true(report_has_flag(&m->aUnit[iVeto].flags, "VETO"));
  assert_int_equal(m->nCityMissing, 1);
  /* group medians of category shares: 园区 has 5 categories with shares, C has none */
  const RpGroup *pPark = &m->aGroup[m->aUnit[report_unit_index(m, "P01")].iGroup];
  int aiCat[8];
  assert_int_equal(report_group_cats(m, pPark, aiCat), 5);
  assert_false(pPark->aCatUsed[report_category_index(m, "C")]);
  double r = pPark->aCatMedian[report_category_index(m, "Y")];
  assert_true(r > 0.6 && r <= 1);
  report_model_free(m);
}

static void test_model_first_period(void **state) {
  (void)state;
  ReportModel *m = load_model(FIXTURE_FIRST, 1);
  assert_null(m->zPrevPeriod);
  for (int k = 0; k < m->nUnit; k++) {
    assert_false(m->aUnit[k].bChange);
    assert_false(m->aUnit[k].bPrevious);
    assert_int_equal(m->aUnit[k].eDoubleHalf, RP_DH_NONE);
  }
  for (int g = 0; g < m->nGroup; g++) assert_int_equal(m->aGroup[g].nUp, 0);
  report_model_free(m);
}

static void test_model_errors(void **state) {
  (void)state;
  parse_bad("{", "not valid JSON");
  parse_bad("{\"kind\":\"other\"}", "kind");
  parse_bad("{\"kind\":\"kaoping-review\",\"format\":2}", "format");
  parse_bad("{\"kind\":\"kaoping-review\",\"format\":1,\"period\":\"2021-B3\","
            "\"scheme\":{\"code\":\"X\"}}", "units: missing");
  parse_bad("{\"kind\":\"kaoping-review\",\"format\":1,\"period\":\"2021-B3\","
            "\"scheme\":{\"code\":\"X\"},\"units\":[{\"code\":\"A\",\"name\":\"a\","
            "\"group\":\"G\",\"total\":\"high\",\"rank\":1}]}", "units[0].total: not a number");
  parse_bad("{\"kind\":\"kaoping-review\",\"format\":1,\"period\":\"2021-B3\","
            "\"scheme\":{\"code\":\"X\"},\"units\":[{\"code\":\"A\",\"name\":\"a\","
            "\"group\":\"G\",\"total\":1,\"rank\":1}],\"groups\":[{\"name\":\"G\","
            "\"units\":[\"A\"]}],\"lists\":{\"red\":[{\"group\":\"G\",\"units\":[\"B\"]}]}}",
            "lists.red[0].units[0]: not the code of a unit");
  parse_bad("{\"kind\":\"kaoping-review\",\"format\":1,\"period\":\"2021-B3\","
            "\"scheme\":{\"code\":\"X\"},\"units\":[{\"code\":\"A\",\"name\":\"a\","
            "\"group\":\"H\",\"total\":1,\"rank\":1}],\"groups\":[{\"name\":\"G\","
            "\"units\":[]}]}", "\"H\" is not in groups");
  parse_bad("{\"kind\":\"kaoping-review\",\"format\":1,\"period\":\"2021-B3\","
            "\"scheme\":{\"code\":\"X\"},\"units\":[{\"code\":\"A\",\"name\":\"a\","
            "\"group\":\"G\",\"total\":1,\"rank\":1.5}]}", "rank: not a whole number");
}

/* A minimal review (no optional parts) renders in every text format without crashing. */
static void test_model_minimal_renders(void **state) {
  (void)state;
  const char *z = "{\"kind\":\"kaoping-review\",\"format\":1,\"period\":\"2021-Y\","
                  "\"scheme\":{\"code\":\"X\"},\"units\":[{\"code\":\"A\",\"name\":\"a\","
                  "\"group\":\"G\",\"total\":50,\"rank\":1}],\"groups\":[{\"name\":\"G\","
                  "\"units\":[\"A\"]}]}";
  ReportModel *m = NULL;
  char *zErr = NULL;
  assert_int_equal(report_model_parse(z, 0, &m, &zErr), 0);
  Buf b = BUF_INIT;
  report_html(m, &b);
  assert_non_null(strstr(buf_str(&b), "2021年度"));
  buf_reset(&b);
  report_md(m, &b);
  buf_reset(&b);
  report_csv(m, &b);
  /* rank_lo, rank_hi empty: the model has no rank intervals */
  if (!strstr(buf_str(&b), "2021-Y,G,1,,,A,a,50,,,,,\r\n")) fail_msg("csv: %s", buf_str(&b));
  buf_free(&b);
  report_model_free(m);
}

/* ---- labels ----------------------------------------------------------------------------- */

static void test_label_period_title(void **state) {
  (void)state;
  ReportModel *m = load_model(FIXTURE, 0);
  Buf b = BUF_INIT;
  label_period(m, &b);
  assert_string_equal(buf_str(&b), "2021年第3期(5—6月)");
  buf_reset(&b);
  label_title(m, &b);
  assert_string_equal(buf_str(&b), "衡阳市高质量发展点评通报");
  static const char *aCase[][2] = {
    {"衡阳市2021年度高质量发展点评考核方案(演示)", "衡阳市2021年度高质量发展点评通报"},
    {"衡阳市高质量发展考核（试行）", "衡阳市高质量发展点评通报"},
    {"某市点评通报", "某市点评通报"},
    {"X", "X点评通报"},
    {"", "点评通报"},
  };
  char *zSave = m->zSchemeName;
  for (size_t i = 0; i < sizeof aCase / sizeof aCase[0]; i++) {
    m->zSchemeName = (char *)aCase[i][0];
    buf_reset(&b);
    label_title(m, &b);
    assert_string_equal(buf_str(&b), aCase[i][1]);
  }
  m->zSchemeName = zSave;
  m->eLang = RP_EN;
  buf_reset(&b);
  label_period(m, &b);
  assert_string_equal(buf_str(&b), "2021 period 3 (May–Jun)");
  buf_free(&b);
  char z[32];
  label_pts(z, 87.254);
  assert_string_equal(z, "87.25");
  label_pts(z, -0.001);
  assert_string_equal(z, "0.00");
  label_pts(z, NAN);
  assert_string_equal(z, "—");
  label_value(z, 12.30);
  assert_string_equal(z, "12.3");
  label_value(z, 8.0);
  assert_string_equal(z, "8");
  label_share(z, 0.825);
  assert_string_equal(z, "82.5%");
  label_total_change(1, -3.896, z);
  assert_string_equal(z, "-3.90");
  label_total_change(1, 2.25, z);
  assert_string_equal(z, "+2.25");
  label_rank_change(m, 1, 2, z);
  assert_string_equal(z, "↑2");
  label_rank_change(m, 1, -1, z);
  assert_string_equal(z, "↓1");
  label_rank_change(m, 0, 0, z);
  assert_string_equal(z, "—");
  report_model_free(m);
}

static void test_label_card_sentences(void **state) {
  (void)state;
  ReportModel *m = load_model(FIXTURE, 0);
  const RpUnit *u = &m->aUnit[report_unit_index(m, "430407")];
  assert_true(u->nPot > 0);
  Buf b = BUF_INIT;
  label_potential(m, &u->aPot[0], &b);
  assert_non_null(strstr(buf_str(&b), "提高到组内中位数"));
  assert_non_null(strstr(buf_str(&b), "可增加"));
  buf_reset(&b);
  label_score_parts(m, u, &b); /* 430407: 3 findings x 0.5 = 1.5 deducted */
  assert_non_null(strstr(buf_str(&b), "扣分 1.50分"));
  buf_reset(&b);
  label_score_parts(m, &m->aUnit[report_unit_index(m, "430421")], &b); /* none: no line */
  assert_int_equal(b.n, 0);
  buf_reset(&b);
  label_summary(m, &b);
  assert_non_null(strstr(buf_str(&b), "共对3个组别的7个考核单位进行点评"));
  assert_non_null(strstr(buf_str(&b), "1个单位触发一票否决:祁东县"));
  buf_free(&b);
  report_model_free(m);
}

/* ---- charts ----------------------------------------------------------------------------- */

static void test_chart_geometry(void **state) {
  (void)state;
  ChartBar a[2] = {{"耒阳市", 93, "93.00", CHART_RED}, {"衡阳县", 46.5, "46.50", CHART_BLUE}};
  Chart *c = chart_bars("t", a, 2, 100, 600);
  assert_true(c->w == 600 && c->h > 40);
  double w0 = -1, w1 = -1;
  for (int i = 0; i < c->nOp; i++) {
    if (c->aOp[i].eKind != CHART_RECT) continue;
    if (w0 < 0) w0 = c->aOp[i].w;
    else w1 = c->aOp[i].w;
  }
  assert_true(fabs(w0 / w1 - 2.0) < 1e-9); /* bars are proportional, from zero */
  chart_free(c);
  const char *az[4] = {"经济", "项目", "营商", "底线"};
  double aU[4] = {1, 0.5, NAN, 2}, aR[4] = {0.5, 0.5, 0.5, 0.5};
  c = chart_radar("r", az, aU, aR, 4, "本单位", "组内中位数");
  int nPoly = 0;
  for (int i = 0; i < c->nOp; i++) {
    const ChartOp *o = &c->aOp[i];
    for (int k = 0; k < o->nPt * 2; k++) assert_true(isfinite(o->aXY[k]));
    if (o->eKind == CHART_POLYGON) nPoly++;
  }
  assert_int_equal(nPoly, 4 + 2); /* 4 rings, the reference and the unit */
  chart_free(c);
  assert_true(chart_text_width("衡阳", 10) == 20);
}

/* ---- renderers -------------------------------------------------------------------------- */

static void test_render_html(void **state) {
  (void)state;
  ReportModel *m = load_model(FIXTURE, 1);
  Buf b = BUF_INIT;
  report_html(m, &b);
  const char *z = buf_str(&b);
  assert_non_null(strstr(z, "<h1>衡阳市高质量发展点评通报</h1>"));
  assert_non_null(strstr(z, "2021年第3期(5—6月)"));
  assert_non_null(strstr(z, "演示数据(合成,非官方)"));
  assert_non_null(strstr(z, "class=\"watermark\""));
  assert_null(strstr(z, "<script"));
  assert_null(strstr(z, "<b>满意度"));
  assert_non_null(strstr(z, "石鼓区&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;&#39;s"));
  assert_non_null(strstr(z, "93.00"));
  assert_int_equal(count(z, "<article class=\"card\""), 7);
  assert_int_equal(count(z, "<table class=\"ranking\""), 3);
  assert_true(count(z, "<svg") >= 3 + 7);
  /* self-contained: the only URL is the SVG namespace name, nothing is fetched */
  assert_int_equal(count(z, "http"), count(z, "xmlns=\"http://www.w3.org/2000/svg\""));
  assert_null(strstr(z, "<link"));
  assert_null(strstr(z, "<img"));
  buf_reset(&b);
  m->bDraft = 0;
  m->eLang = RP_EN;
  report_html(m, &b);
  z = buf_str(&b);
  assert_null(strstr(z, "class=\"watermark\""));
  assert_non_null(strstr(z, "Rankings by peer group"));
  assert_non_null(strstr(z, "<html lang=\"en\">"));
  buf_free(&b);
  report_model_free(m);
}

static void test_render_csv(void **state) {
  (void)state;
  ReportModel *m = load_model(FIXTURE, 0);
  Buf b = BUF_INIT;
  report_csv(m, &b);
  const char *z = buf_str(&b);
  const char *zHead = "\xEF\xBB\xBFperiod,group,rank,rank_lo,rank_hi,unit,name,total,grade,"
                      "rank_change,total_change,flags,notice\r\n";
  assert_memory_equal(z, zHead, strlen(zHead));
  assert_int_equal(count(z, "\r\n"), 1 + 7);
  assert_non_null(strstr(z, ",\"石鼓区<script>alert(\"\"x\"\")</script>&amp;'s\","));
  char zTotal[32];
  text_fmt_double(zTotal, m->aUnit[report_unit_index(m, "430481")].rTotal);
  char zWant[96];
  snprintf(zWant, sizeof zWant, "2021-B3,县市,1,,,430481,耒阳市,%s,优秀,1,", zTotal); /* no intervals */
  assert_non_null(strstr(z, zWant));
  assert_non_null(strstr(z, ",VETO,\"演示数据(合成,非官方)\"\r\n"));
  buf_free(&b);
  report_model_free(m);
}

static void test_render_md(void **state) {
  (void)state;
  ReportModel *m = load_model(FIXTURE, 1);
  Buf b = BUF_INIT;
  report_md(m, &b);
  const char *z = buf_str(&b);
  assert_memory_equal(z, "# 衡阳市高质量发展点评通报", strlen("# 衡阳市高质量发展点评通报"));
  assert_non_null(strstr(z, "> **未发布 · 草稿**"));
  assert_non_null(strstr(z, "石鼓区\\<script\\>alert(\"x\")\\</script\\>\\&amp;'s"));
  assert_null(strstr(z, "<script>"));
  assert_int_equal(count(z, "\n### "), 3 + 3 + 7);
  buf_free(&b);
  report_model_free(m);
}

static char *read_file(const char *zPath, size_t *pn) {
  FILE *f = fopen(zPath, "rb");
  assert_non_null(f);
  Buf b = BUF_INIT;
  char a[4096];
  size_t n;
  while ((n = fread(a, 1, sizeof a, f)) > 0) buf_append(&b, a, n);
  fclose(f);
  *pn = b.n;
  return buf_detach(&b);
}

static void test_render_pdf_xlsx(void **state) {
  (void)state;
  ReportModel *m = load_model(FIXTURE, 1);
  char zPath[] = "/tmp/kp_test_report_XXXXXX";
  int fd = mkstemp(zPath);
  assert_true(fd >= 0);
  close(fd);
  char *zErr = NULL;
  if (report_pdf(m, zPath, &zErr)) fail_msg("pdf: %s", zErr);
  size_t n;
  char *z = read_file(zPath, &n);
  assert_true(n > 10000);
  assert_memory_equal(z, "%PDF-", 5);
  free(z);
  if (report_xlsx(m, zPath, &zErr)) fail_msg("xlsx: %s", zErr);
  z = read_file(zPath, &n);
  assert_memory_equal(z, "PK\x03\x04", 4);
  free(z);
  unlink(zPath);
  /* an unwritable path is an error with a message, not a crash */
  assert_int_equal(report_pdf(m, "/nonexistent-dir/x.pdf", &zErr), -1);
  assert_non_null(zErr);
  free(zErr);
  zErr = NULL;
  assert_int_equal(report_xlsx(m, "/nonexistent-dir/x.xlsx", &zErr), -1);
  assert_non_null(zErr);
  free(zErr);
  report_model_free(m);
}

/* ---- the store query -------------------------------------------------------------------- */

static void insert_review(Db *p, int iRev, const char *zState, const char *zJson) {
  Stmt *s = db_prepare(p, "INSERT INTO review(period, scheme_id, revision, state, inputs_sha256,"
                          " result, computed_at, computed_by) VALUES ('2021-B3', 1, ?1, ?2,"
                          " 'x', ?3, '2021-07-01T00:00:00Z', 'test')");
  stmt_bind_int(s, 1, iRev);
  stmt_bind_text(s, 2, zState);
  stmt_bind_text(s, 3, zJson);
  assert_int_equal(stmt_run(s), 0);
  stmt_finalize(s);
}

static void test_model_load_db(void **state) {
  (void)state;
  char zDir[] = "/tmp/kp_test_report_db_XXXXXX";
  assert_non_null(mkdtemp(zDir));
  char *zPath = xasprintf("%s/k.db", zDir);
  Db *p = NULL;
  char *zErr = NULL;
  if (db_open(zPath, 1, &p, &zErr)) fail_msg("db_open: %s", zErr);
  assert_int_equal(db_exec(p, "INSERT INTO scheme(id, code, version, name, year, body, sha256,"
                              " imported_at, imported_by) VALUES (1, 'HY2021', 1, 'x', 2021,"
                              " '{}', 'x', 'now', 'test')"), 0);
  assert_int_equal(db_exec(p, "INSERT INTO period(code, scheme_id, state, opened_at)"
                              " VALUES ('2021-B3', 1, 'closed', 'now')"), 0);
  ReportModel *m = NULL;
  assert_int_equal(report_model_load(p, "2021-B3", &m, &zErr), 1);
  assert_non_null(strstr(zErr, "no computed or published review for period 2021-B3"));
  free(zErr);
  char *zJson = load_text(FIXTURE);
  insert_review(p, 1, "computed", zJson);
  assert_int_equal(report_model_load(p, "2021-B3", &m, &zErr), 0);
  assert_true(m->bDraft);
  report_model_free(m);
  /* a published revision wins over a later computed one; superseded never shows */
  Stmt *s = db_prepare(p, "UPDATE review SET state = 'published' WHERE revision = 1");
  assert_int_equal(stmt_run(s), 0);
  stmt_finalize(s);
  insert_review(p, 2, "computed", "{\"kind\":\"kaoping-review\"}");
  assert_int_equal(report_model_load(p, "2021-B3", &m, &zErr), 0);
  assert_false(m->bDraft);
  report_model_free(m);
  /* with only the broken computed revision left, the error names the revision */
  s = db_prepare(p, "UPDATE review SET state = 'superseded' WHERE revision = 1");
  assert_int_equal(stmt_run(s), 0);
  stmt_finalize(s);
  assert_int_equal(report_model_load(p, "2021-B3", &m, &zErr), -1);
  assert_non_null(strstr(zErr, "revision 2"));
  free(zErr);
  free(zJson);
  db_close(p);
  char *zCmd = xasprintf("rm -rf '%s'", zDir);
  assert_int_equal(system(zCmd), 0);
  free(zCmd);
  free(zPath);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_html_escape),
    cmocka_unit_test(test_html_url_json),
    cmocka_unit_test(test_html_numbers),
    cmocka_unit_test(test_model_fixture),
    cmocka_unit_test(test_model_first_period),
    cmocka_unit_test(test_model_errors),
    cmocka_unit_test(test_model_minimal_renders),
    cmocka_unit_test(test_label_period_title),
    cmocka_unit_test(test_label_card_sentences),
    cmocka_unit_test(test_chart_geometry),
    cmocka_unit_test(test_render_html),
    cmocka_unit_test(test_render_csv),
    cmocka_unit_test(test_render_md),
    cmocka_unit_test(test_render_pdf_xlsx),
    cmocka_unit_test(test_model_load_db),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  report_pdf_shutdown();
  return rc;
}

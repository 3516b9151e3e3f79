/*
** flag_section.c: the bulletin's 数据存疑 section (flag_section.h says what and why).
*/
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crosscheck.h"
#include "report/flag_section.h"
#include "store/db.h"
#include "util/html.h"

const char *rp_flag_label(const ReportModel *m, int i) {
  static const char *const az[2][7] = {
      {"数据存疑", "单位", "指标", "类型", "依据",
       "以下数据经交叉核验存疑(环比跳变且为各单位中的离群值、首位数字分布不符合本福特定律、"
       "自报增速与大数据代理指标不符),请在点评会前复核。核验于通报生成时进行。",
       "本期无存疑数据。"},
      {"Figures to check", "Unit", "Indicator", "Kind", "Evidence",
       "These figures failed a cross-check (a jump that is an outlier among the units, first "
       "digits that do not follow Benford's law, a reported growth far from a big-data proxy) "
       "and deserve a second look before the review meeting. Checked when this bulletin was "
       "rendered.",
       "No figure of this period was flagged."}};
  return az[m->eLang == RP_EN][i];
}

const char *rp_flag_kind(const ReportModel *m, const char *zKind) {
  int en = m->eLang == RP_EN;
  if (strcmp(zKind, "jump") == 0) return en ? "jump" : "环比跳变";
  if (strcmp(zKind, "benford") == 0) return en ? "Benford's law" : "首位数字分布";
  if (strcmp(zKind, "pair") == 0) return en ? "feed proxy" : "大数据比对";
  return zKind;
}

int rp_flags_load(Db *pDb, ReportModel *m, char **pzErr) {
  json_t *pCfg = json_object(), *pOut = NULL;
  int rc = crosscheck_run(pDb, m->zPeriod, pCfg, NULL, &pOut, pzErr);
  json_decref(pCfg);
  if (rc) return -1;
  RpFlags *f = arena_alloc(m->pArena, sizeof(RpFlags));
  memset(f, 0, sizeof *f);
  json_t *a = json_object_get(pOut, "flags"), *c = json_object_get(pOut, "checked");
  f->nChecked = (int)(json_integer_value(json_object_get(c, "jump_comparisons")) +
                      json_integer_value(json_object_get(c, "benford_units")) +
                      json_integer_value(json_object_get(c, "pairs")));
  size_t nAll = json_array_size(a);
  f->aFlag = arena_alloc(m->pArena, sizeof(RpFlag) * (nAll ? nAll : 1));
  for (size_t k = 0; k < nAll; k++) {
    json_t *o = json_array_get(a, k);
    const char *zUnit = json_string_value(json_object_get(o, "unit"));
    const char *zInd = json_string_value(json_object_get(o, "indicator"));
    const RpUnit *pU = NULL;
    for (int u = 0; zUnit && u < m->nUnit && !pU; u++)
      if (strcmp(m->aUnit[u].zCode, zUnit) == 0) pU = &m->aUnit[u];
    /* the bulletin's scope is the review's: a unit the model does not show is left out */
    if (!pU) continue;
    RpFlag *g = &f->aFlag[f->nFlag++];
    g->zUnit = arena_strdup(m->pArena, zUnit);
    g->zUnitName = pU->zName ? pU->zName : g->zUnit;
    g->zIndicator = arena_strdup(m->pArena, zInd ? zInd : "—");
    for (int q = 0; zInd && q < m->nIndicator; q++)
      if (strcmp(m->aIndicator[q].zCode, zInd) == 0 && m->aIndicator[q].zName) {
        Buf b = BUF_INIT;
        buf_printf(&b, "%s %s", zInd, m->aIndicator[q].zName);
        g->zIndicator = arena_strdup(m->pArena, buf_str(&b));
        buf_free(&b);
      }
    g->zKind = arena_strdup(m->pArena, json_string_value(json_object_get(o, "kind")));
    const char *zWhy = json_string_value(json_object_get(o, "reason"));
    g->zReason = arena_strdup(m->pArena, zWhy ? zWhy : "");
  }
  json_decref(pOut);
  m->pFlags = f;
  return 0;
}

void rp_flags_html(const ReportModel *m, Buf *p) {
  const RpFlags *f = m->pFlags;
  if (!f) return;
  html_printf(p, "<section id=\"flags\" class=\"pagebreak\">\n<h2>%h</h2>\n<p>%h</p>\n",
              rp_flag_label(m, 0), rp_flag_label(m, 5));
  if (!f->nFlag) {
    html_printf(p, "<p>%h</p>\n</section>\n", rp_flag_label(m, 6));
    return;
  }
  html_printf(p, "<table class=\"rank\">\n<thead><tr><th>%h</th><th>%h</th><th>%h</th><th>%h"
              "</th></tr></thead>\n<tbody>\n", rp_flag_label(m, 1), rp_flag_label(m, 2),
              rp_flag_label(m, 3), rp_flag_label(m, 4));
  for (int i = 0; i < f->nFlag; i++) {
    const RpFlag *g = &f->aFlag[i];
    html_printf(p, "<tr><td>%h</td><td>%h</td><td>%h</td><td>%h</td></tr>\n", g->zUnitName,
                g->zIndicator, rp_flag_kind(m, g->zKind), g->zReason);
  }
  html_printf(p, "</tbody>\n</table>\n</section>\n");
}

static void flag_md_text(Buf *p, const char *z) {
  for (; z && *z; z++) {
    if (*z == '\n' || *z == '\r') buf_putc(p, ' ');
    else {
      if (strchr("\\`*_{}[]<>#|&~$", *z)) buf_putc(p, '\\');
      buf_putc(p, *z);
    }
  }
}

void rp_flags_md(const ReportModel *m, Buf *p) {
  const RpFlags *f = m->pFlags;
  if (!f) return;
  buf_printf(p, "## %s\n\n%s\n\n", rp_flag_label(m, 0), rp_flag_label(m, 5));
  if (!f->nFlag) {
    buf_printf(p, "%s\n\n", rp_flag_label(m, 6));
    return;
  }
  buf_printf(p, "| %s | %s | %s | %s |\n| --- | --- | --- | --- |\n", rp_flag_label(m, 1),
             rp_flag_label(m, 2), rp_flag_label(m, 3), rp_flag_label(m, 4));
  for (int i = 0; i < f->nFlag; i++) {
    const RpFlag *g = &f->aFlag[i];
    buf_puts(p, "| ");
    flag_md_text(p, g->zUnitName);
    buf_puts(p, " | ");
    flag_md_text(p, g->zIndicator);
    buf_puts(p, " | ");
    flag_md_text(p, rp_flag_kind(m, g->zKind));
    buf_puts(p, " | ");
    flag_md_text(p, g->zReason);
    buf_puts(p, " |\n");
  }
  buf_puts(p, "\n");
}

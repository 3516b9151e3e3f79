/*
** html.c: the review bulletin as one self-contained, print-ready HTML page.
**
** What an office prints and hands out at the review meeting: A4, inline CSS with an
** @media print part (page breaks between sections, cards never split), no external
** resource of any kind (no fonts, scripts or images fetched: charts are inline SVG drawn
** from chart.c's display lists), so the file can be mailed, archived and opened offline.
** Sections: masthead (title, period, notices), 一 overview, 二 group rankings with bars,
** 三 red/black lists, 四 one card per unit with its radar, 五 notes.
**
** Every byte goes through html_printf (STYLE.md R8): %h for all text that did not come
** from this file, %s only for literal markup. The draft watermark is a position:fixed
** element, which browsers repeat on every printed page; page numbers come from an @page
** margin box (browsers without margin boxes simply print none). The notices also open
** and close the document, as a block at the top and the footer line.
*/
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/chart.h"
#include "report/label.h"
#include "util/html.h"
#include "report/flag_section.h"
#include "report/sup_section.h"

#define HTML_CSS \
  "@page{size:A4;margin:16mm 14mm 18mm 14mm;" \
  "@bottom-right{content:counter(page) \" / \" counter(pages);font-size:8pt;color:#757575}}\n" \
  "*{box-sizing:border-box}\n" \
  "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\"," \
  "\"Microsoft YaHei\",\"SimHei\",sans-serif;color:#212121;margin:0 auto;max-width:190mm;" \
  "padding:8mm 0;font-size:10.5pt;line-height:1.55}\n" \
  "h1{color:#c62828;text-align:center;font-size:22pt;margin:4mm 0 1mm;letter-spacing:.05em}\n" \
  ".period{text-align:center;font-size:13pt;margin:0}\n" \
  ".meta{text-align:center;color:#616161;font-size:9pt;margin:1mm 0 3mm}\n" \
  ".rule{border:0;border-top:3px solid #c62828;margin:2mm 0 4mm}\n" \
  "h2{font-size:15pt;color:#c62828;border-bottom:1px solid #e0e0e0;padding-bottom:1mm;" \
  "margin:6mm 0 3mm}\n" \
  "h3{font-size:12pt;margin:4mm 0 2mm}\n" \
  "h4{font-size:10.5pt;margin:2mm 0 1mm;color:#37474f}\n" \
  ".notice{border:2px solid #c62828;color:#c62828;font-weight:bold;text-align:center;" \
  "padding:1.5mm;margin:2mm 0}\n" \
  ".watermark{position:fixed;top:45%;left:0;right:0;text-align:center;font-size:64pt;" \
  "font-weight:bold;color:rgba(198,40,40,.13);transform:rotate(-28deg);z-index:10;" \
  "pointer-events:none;white-space:nowrap}\n" \
  ".runfoot{font-size:8pt;color:#757575;text-align:center;border-top:1px solid #e0e0e0;" \
  "margin-top:8mm;padding-top:1mm}\n" \
  "table{border-collapse:collapse;width:100%;margin:1mm 0 3mm;font-size:9.5pt}\n" \
  "caption{text-align:left;color:#616161;font-size:9pt;padding-bottom:1mm}\n" \
  "th,td{border:1px solid #bdbdbd;padding:1mm 1.5mm}\n" \
  "th{background:#fbe9e7;font-weight:bold;text-align:center}\n" \
  "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n" \
  "td.c{text-align:center;white-space:nowrap}\n" \
  "td.u,.lists th{white-space:nowrap}\n" \
  "tr:nth-child(even) td{background:#fafafa}\n" \
  ".up{color:#c62828}.down{color:#2e7d32}\n" \
  ".flag{color:#c62828;font-weight:bold}\n" \
  "figure{margin:2mm 0 4mm;text-align:center}\n" \
  "figcaption{font-size:8.5pt;color:#616161}\n" \
  "svg{max-width:100%;height:auto}\n" \
  "svg text{font-family:inherit}\n" \
  ".lists td{vertical-align:top}\n" \
  ".lists ol{margin:0;padding-left:5mm}\n" \
  ".card{border:1px solid #bdbdbd;border-top:4px solid #c62828;padding:2mm 4mm 3mm;" \
  "margin:0 0 5mm;page-break-inside:avoid;break-inside:avoid}\n" \
  ".card h3{margin:1mm 0;display:flex;justify-content:space-between;align-items:baseline}\n" \
  ".card h3 small{color:#757575;font-weight:normal;font-size:9pt}\n" \
  ".figs{display:flex;gap:2mm;margin:1mm 0 2mm}\n" \
  ".figs div{flex:1;background:#fff3f0;border-radius:1mm;padding:1mm 2mm;text-align:center}\n" \
  ".figs b{display:block;font-size:14pt;color:#c62828}\n" \
  ".figs span{font-size:8pt;color:#616161}\n" \
  ".headline{font-size:9.5pt;color:#37474f;margin:0 0 1mm}\n" \
  ".cardbody{display:flex;gap:3mm;align-items:flex-start}\n" \
  ".cardbody .text{flex:1;min-width:0}\n" \
  ".cardbody ul{margin:0 0 1mm;padding-left:5mm}\n" \
  ".cardbody figure{flex:0 0 auto;width:72mm;margin:0}\n" \
  "dl{display:grid;grid-template-columns:max-content 1fr;gap:1mm 4mm;font-size:9.5pt}\n" \
  "dt{color:#616161}dd{margin:0;word-break:break-all}\n" \
  "@media print{body{padding:0;max-width:none}" \
  ".pagebreak{break-before:page;page-break-before:always}" \
  "h2,h3{break-after:avoid;page-break-after:avoid}" \
  "table,figure{break-inside:avoid;page-break-inside:avoid}}\n"

/* #RRGGBB of a palette colour, into z (>= 8 bytes). */
static void html_rgb(char *z, uint32_t rgb) {
  snprintf(z, 8, "#%06X", (unsigned)(rgb & 0xFFFFFF));
}

/* One chart as inline SVG: the chart.c display list, op by op. */
static void html_svg(Buf *p, const Chart *c) {
  html_printf(p, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.1f %.1f\" "
              "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"%h\">",
              c->w, c->h, c->w, c->h, c->zTitle ? c->zTitle : "");
  if (c->zTitle) html_printf(p, "<title>%h</title>", c->zTitle);
  for (int i = 0; i < c->nOp; i++) {
    const ChartOp *o = &c->aOp[i];
    char zFill[8] = "none", zStroke[8] = "none";
    if (o->fill != CHART_NONE) html_rgb(zFill, o->fill);
    if (o->stroke != CHART_NONE) html_rgb(zStroke, o->stroke);
    switch (o->eKind) {
      case CHART_RECT:
        html_printf(p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"%h\" fill-opacity=\"%.2f\" stroke=\"%h\"/>",
                    o->x, o->y, o->w, o->h, zFill, o->rAlpha, zStroke);
        break;
      case CHART_LINE:
        html_printf(p, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%h\" "
                    "stroke-width=\"%.2f\"%s/>",
                    o->x, o->y, o->w, o->h, zStroke, o->rStroke,
                    o->bDash ? " stroke-dasharray=\"4 3\"" : "");
        break;
      case CHART_POLYGON:
        html_printf(p, "<polygon points=\"");
        for (int k = 0; k < o->nPt; k++)
          html_printf(p, "%s%.1f,%.1f", k ? " " : "", o->aXY[2 * k], o->aXY[2 * k + 1]);
        html_printf(p, "\" fill=\"%h\" fill-opacity=\"%.2f\" stroke=\"%h\" stroke-width=\"%.2f\"%s/>",
                    zFill, o->rAlpha, zStroke, o->rStroke,
                    o->bDash ? " stroke-dasharray=\"4 3\"" : "");
        break;
      case CHART_TEXT:
        html_printf(p, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" fill=\"%h\" "
                    "dominant-baseline=\"central\" text-anchor=\"%s\"%s>%h</text>",
                    o->x, o->y, o->rFont, zFill,
                    o->eAnchor == CHART_START ? "start" : o->eAnchor == CHART_END ? "end" : "middle",
                    o->bBold ? " font-weight=\"bold\"" : "", o->zText);
        break;
    }
  }
  html_printf(p, "</svg>");
}

static void html_masthead(Buf *p, const ReportModel *m, const char *zTitle, const char *zPeriod) {
  if (m->bDraft)
    html_printf(p, "<div class=\"watermark\" aria-hidden=\"true\">%h</div>\n",
                label_get(m, L_NOTICE_DRAFT));
  html_printf(p, "<header>\n");
  if (m->bSynthetic)
    html_printf(p, "<p class=\"notice\" id=\"synthetic\">%h</p>\n",
                label_get(m, L_NOTICE_SYNTHETIC));
  if (m->bDraft) {
    Buf d = BUF_INIT;
    label_draft(m, &d);
    html_printf(p, "<p class=\"notice\" id=\"draft\">%h</p>\n", buf_str(&d));
    buf_free(&d);
  }
  html_printf(p, "<h1>%h</h1>\n<p class=\"period\">%h</p>\n", zTitle, zPeriod);
  html_printf(p, "<p class=\"meta\">%h %h v%d", m->zSchemeCode, m->zSchemeName, m->iSchemeVersion);
  if (m->zPeriodEnd) html_printf(p, " · %h %h", m->eLang == RP_EN ? "as of" : "截至", m->zPeriodEnd);
  html_printf(p, " · %h</p>\n<hr class=\"rule\">\n</header>\n",
              label_get(m, m->bDraft ? L_STATE_DRAFT : L_STATE_PUBLISHED));
}

static void html_change_cell(Buf *p, const ReportModel *m, const RpUnit *u) {
  char z[32];
  label_rank_change(m, u->bChange, u->iRankChange, z);
  const char *zClass = !u->bChange ? "c" : u->iRankChange > 0 ? "c up" : u->iRankChange < 0 ? "c down" : "c";
  html_printf(p, "<td class=\"%h\">%h</td>", zClass, z);
  label_total_change(u->bChange, u->rTotalChange, z);
  html_printf(p, "<td class=\"n\">%h</td>", z);
}

static void html_group_table(Buf *p, const ReportModel *m, const RpGroup *g, const int *aiCat,
                             int nCat) {
  Buf cap = BUF_INIT;
  label_group_caption(m, g, &cap);
  html_printf(p, "<table class=\"ranking\">\n<caption>%h</caption>\n<thead><tr>", buf_str(&cap));
  buf_free(&cap);
  html_printf(p, "<th>%h</th><th>%h</th><th>%h</th><th>%h</th><th>%h</th><th>%h</th>",
              label_get(m, L_COL_RANK), label_get(m, L_COL_UNIT), label_get(m, L_COL_TOTAL),
              label_get(m, L_COL_GRADE), label_get(m, L_COL_CHANGE),
              label_get(m, L_COL_TOTAL_CHANGE));
  for (int k = 0; k < nCat; k++)
    html_printf(p, "<th>%h%h</th>", m->aCategory[aiCat[k]].zName,
                m->eLang == RP_EN ? " (pts)" : "(分)");
  html_printf(p, "<th>%h</th></tr></thead>\n<tbody>\n", label_get(m, L_COL_FLAGS));
  for (int i = 0; i < g->nUnit; i++) {
    const RpUnit *u = &m->aUnit[g->aUnit[i]];
    char z[32];
    label_pts(z, u->rTotal);
    char zRank[48];
    label_rank_interval(u, zRank);
    html_printf(p, "<tr data-unit=\"%h\"><td class=\"c\">%h</td><td class=\"u\">%h</td><td class=\"n\">%h</td>"
                "<td class=\"c\">%h</td>",
                u->zCode, zRank, u->zName, z, u->zGrade ? u->zGrade : "—");
    html_change_cell(p, m, u);
    for (int k = 0; k < nCat; k++) {
      const RpCatResult *c = report_unit_cat(u, aiCat[k]);
      if (c && !isnan(c->rPoints)) label_pts(z, c->rPoints);
      else if (c) label_share(z, report_cat_share(c));
      else label_pts(z, NAN);
      html_printf(p, "<td class=\"n\">%h</td>", z);
    }
    Buf f = BUF_INIT;
    label_flags(m, &u->flags, &f);
    html_printf(p, "<td class=\"flag\">%h</td></tr>\n", buf_str(&f));
    buf_free(&f);
  }
  html_printf(p, "</tbody>\n</table>\n");
}

static void html_group_bars(Buf *p, const ReportModel *m, const RpGroup *g, const char *zPeriod) {
  ChartBar *aBar = xcalloc((size_t)g->nUnit + 1, sizeof(ChartBar));
  char (*azVal)[32] = xcalloc((size_t)g->nUnit + 1, 32);
  for (int i = 0; i < g->nUnit; i++) {
    const RpUnit *u = &m->aUnit[g->aUnit[i]];
    label_pts(azVal[i], u->rTotal);
    aBar[i].zLabel = u->zName;
    aBar[i].rValue = u->rTotal;
    aBar[i].zValue = azVal[i];
    aBar[i].rgb = report_bar_colour(m, g, g->aUnit[i]);
  }
  Buf title = BUF_INIT;
  buf_printf(&title, "%s · %s · %s", g->zName, label_get(m, L_CHART_TOTALS), zPeriod);
  Chart *c = chart_bars(buf_str(&title), aBar, g->nUnit,
                        isnan(m->rSchemeTotal) ? 0 : m->rSchemeTotal, 620);
  html_printf(p, "<figure>");
  html_svg(p, c);
  html_printf(p, "<figcaption>%h%h</figcaption></figure>\n", buf_str(&title),
              m->eLang == RP_EN ? " (pts; red: red list, grey: black list)"
                                : "(单位:分;红色为红榜,灰色为黑榜)");
  chart_free(c);
  buf_free(&title);
  free(azVal);
  free(aBar);
}

/* The rank-interval chart of a group (docs/robustness.md); nothing without intervals. */
static void html_group_intervals(Buf *p, const ReportModel *m, const RpGroup *g,
                                 const char *zPeriod) {
  if (!m->bRobust || g->nUnit == 0) return;
  ChartInterval *aRow = xcalloc((size_t)g->nUnit + 1, sizeof(ChartInterval));
  int n = 0, nMax = 1;
  for (int i = 0; i < g->nUnit; i++) {
    const RpUnit *u = &m->aUnit[g->aUnit[i]];
    if (!u->bInterval) continue;
    aRow[n++] = (ChartInterval){u->zName, u->iRank, u->iRankLo, u->iRankHi};
    if (u->nGroupSize > nMax) nMax = u->nGroupSize;
    if (u->iRankHi > nMax) nMax = u->iRankHi;
  }
  if (n > 0) {
    Buf title = BUF_INIT;
    buf_printf(&title, "%s · %s · %s", g->zName, label_get(m, L_CHART_INTERVALS), zPeriod);
    Chart *c = chart_intervals(buf_str(&title), aRow, n, nMax, 620);
    html_printf(p, "<figure class=\"intervals\">");
    html_svg(p, c);
    html_printf(p, "<figcaption>%h%h</figcaption></figure>\n", buf_str(&title),
                m->eLang == RP_EN ? " (official rank and its 5th–95th percentile interval; "
                                    "red: the place is uncertain)"
                                  : "(方块为正式名次,横条为第5至第95百分位名次区间;红色表示名次不确定)");
    chart_free(c);
    buf_free(&title);
  }
  free(aRow);
}

/* The cell of one 红榜/黑榜 list: an ordered list of "name total". */
static void html_list_cell(Buf *p, const ReportModel *m, const int *aU, int n) {
  html_printf(p, "<td>");
  if (n == 0) html_printf(p, "%h", label_get(m, L_NONE));
  else {
    html_printf(p, "<ol>");
    for (int i = 0; i < n; i++) {
      char z[32];
      label_pts(z, m->aUnit[aU[i]].rTotal);
      html_printf(p, "<li>%h %h%h</li>", m->aUnit[aU[i]].zName, z, label_get(m, L_PTS));
    }
    html_printf(p, "</ol>");
  }
  html_printf(p, "</td>");
}

static void html_move_cell(Buf *p, const ReportModel *m, const RpMove *a, int n) {
  html_printf(p, "<td>");
  if (n == 0) html_printf(p, "%h", label_get(m, L_NONE));
  else {
    html_printf(p, "<ol>");
    for (int i = 0; i < n; i++) {
      char zR[32], zT[32];
      label_rank_change(m, 1, a[i].iRankChange, zR);
      label_total_change(1, a[i].rTotalChange, zT);
      html_printf(p, "<li>%h %h(%h%h)</li>", m->aUnit[a[i].iUnit].zName, zR, zT,
                  label_get(m, L_PTS));
    }
    html_printf(p, "</ol>");
  }
  html_printf(p, "</td>");
}

static void html_lists(Buf *p, const ReportModel *m) {
  html_printf(p, "<section id=\"lists\">\n<h2>%h</h2>\n", label_get(m, L_SEC_LISTS));
  html_printf(p, "<table class=\"lists\"><thead><tr><th>%h</th><th>%h</th><th>%h</th>"
              "<th>%h</th><th>%h</th></tr></thead>\n<tbody>\n",
              label_get(m, L_COL_GROUP), label_get(m, L_RED), label_get(m, L_BLACK),
              label_get(m, L_IMPROVED), label_get(m, L_DECLINED));
  for (int g = 0; g < m->nGroup; g++) {
    const RpGroup *pG = &m->aGroup[g];
    html_printf(p, "<tr><th>%h</th>", pG->zName);
    html_list_cell(p, m, pG->aRed, pG->nRed);
    html_list_cell(p, m, pG->aBlack, pG->nBlack);
    html_move_cell(p, m, pG->aUp, pG->nUp);
    html_move_cell(p, m, pG->aDown, pG->nDown);
    html_printf(p, "</tr>\n");
  }
  html_printf(p, "</tbody></table>\n");
  if (!m->zPrevPeriod) html_printf(p, "<p class=\"meta\">%h</p>\n", label_get(m, L_NO_PREVIOUS));
  html_printf(p, "</section>\n");
}

static void html_card(Buf *p, const ReportModel *m, const RpUnit *u) {
  char zTotal[32], zChange[32], zTotalChange[32];
  label_pts(zTotal, u->rTotal);
  label_rank_change(m, u->bChange, u->iRankChange, zChange);
  label_total_change(u->bChange, u->rTotalChange, zTotalChange);
  html_printf(p, "<article class=\"card\" id=\"unit-%h\">\n<h3><span>%h</span><small>%h · %h</small></h3>\n",
              u->zCode, u->zName, u->zCode, u->zGroup);
  Buf head = BUF_INIT;
  label_unit_headline(m, u, &head);
  html_printf(p, "<p class=\"headline\">%h", buf_str(&head));
  buf_reset(&head);
  label_score_parts(m, u, &head);
  if (head.n) html_printf(p, "<br>%h", buf_str(&head));
  html_printf(p, "</p>\n");
  buf_free(&head);
  Buf rank = BUF_INIT;
  label_rank_of(m, u->iRank, u->nGroupSize, &rank);
  html_printf(p, "<div class=\"figs\"><div><b>%h</b><span>%h(%h)</span></div>"
              "<div><b>%h</b><span>%h</span></div>"
              "<div><b>%h</b><span>%h</span></div>"
              "<div><b>%h</b><span>%h%h%h</span></div></div>\n",
              zTotal, label_get(m, L_CARD_TOTAL), m->eLang == RP_EN ? "pts" : "分",
              buf_str(&rank), label_get(m, L_CARD_RANK),
              u->zGrade ? u->zGrade : "—", label_get(m, L_COL_GRADE),
              zChange, label_get(m, L_CARD_CHANGE), u->bChange ? " " : "",
              u->bChange ? zTotalChange : "");
  buf_free(&rank);
  html_printf(p, "<div class=\"cardbody\"><div class=\"text\">\n");
  if (u->flags.n) {
    Buf f = BUF_INIT;
    label_flags(m, &u->flags, &f);
    html_printf(p, "<p class=\"flag\">%h</p>\n", buf_str(&f));
    buf_free(&f);
  }
  Buf line = BUF_INIT;
  html_printf(p, "<h4>%h</h4><ul>", label_get(m, L_STRENGTHS));
  for (int i = 0; i < u->nStrong; i++) {
    buf_reset(&line);
    label_strength(m, &u->aStrong[i], &line);
    html_printf(p, "<li>%h</li>", buf_str(&line));
  }
  if (!u->nStrong) html_printf(p, "<li>%h</li>", label_get(m, L_NONE));
  html_printf(p, "</ul>\n<h4>%h</h4><ul>", label_get(m, L_SHORTFALLS));
  for (int i = 0; i < u->nShort; i++) {
    buf_reset(&line);
    label_shortfall(m, &u->aShort[i], &line);
    html_printf(p, "<li>%h</li>", buf_str(&line));
  }
  if (!u->nShort) html_printf(p, "<li>%h</li>", label_get(m, L_NONE));
  html_printf(p, "</ul>\n<h4>%h</h4><ul>", label_get(m, L_POTENTIAL));
  for (int i = 0; i < u->nPot; i++) {
    buf_reset(&line);
    label_potential(m, &u->aPot[i], &line);
    html_printf(p, "<li>%h</li>", buf_str(&line));
  }
  if (!u->nPot) html_printf(p, "<li>%h</li>", label_get(m, L_NONE));
  buf_reset(&line);
  label_double_half(m, u, &line);
  html_printf(p, "</ul>\n<h4>%h</h4><p>%h</p>\n</div>\n", label_get(m, L_DOUBLE_HALF),
              buf_str(&line));
  buf_free(&line);
  Chart *c = report_unit_radar(m, u);
  if (c) {
    html_printf(p, "<figure>");
    html_svg(p, c);
    html_printf(p, "<figcaption>%h</figcaption></figure>\n", c->zTitle);
    chart_free(c);
  }
  html_printf(p, "</div>\n</article>\n");
}

static void html_notes(Buf *p, const ReportModel *m) {
  html_printf(p, "<section id=\"notes\">\n<h2>%h</h2>\n<dl>\n", label_get(m, L_SEC_NOTES));
  html_printf(p, "<dt>%h</dt><dd>%h %h v%d</dd>\n", label_get(m, L_NOTE_SCHEME),
              m->zSchemeCode, m->zSchemeName, m->iSchemeVersion);
  html_printf(p, "<dt>%h</dt><dd>%h</dd>\n", label_get(m, L_NOTE_METHOD), label_aggregation(m));
  html_printf(p, "<dt>%h</dt><dd>%h</dd>\n", label_get(m, L_NOTE_STATE),
              label_get(m, m->bDraft ? L_STATE_DRAFT : L_STATE_PUBLISHED));
  html_printf(p, "<dt>%h</dt><dd>%d</dd>\n", label_get(m, L_NOTE_REVISION), m->iRevision);
  html_printf(p, "<dt>%h</dt><dd><code>%h</code></dd>\n", label_get(m, L_NOTE_INPUTS),
              m->zInputsSha ? m->zInputsSha : "—");
  Buf prev = BUF_INIT;
  label_previous(m, &prev);
  html_printf(p, "<dt>%h</dt><dd>%h</dd>\n", label_get(m, L_COL_PREV), buf_str(&prev));
  buf_free(&prev);
  if (m->bRobust) {
    Buf r = BUF_INIT;
    label_robust_method(m, &r);
    html_printf(p, "<dt>%h</dt><dd id=\"rank-intervals\">%h", label_get(m, L_NOTE_ROBUST),
                buf_str(&r));
    buf_reset(&r);
    label_robust_sensitivity(m, &r);
    if (r.n) html_printf(p, "<br>%h", buf_str(&r));
    html_printf(p, "</dd>\n");
    buf_free(&r);
  }
  html_printf(p, "</dl>\n");
  if (m->eLang == RP_EN)
    html_printf(p, "<p>Totals are points (pts) out of the scheme's full score; ranks are within "
                "each peer group; changes compare with the previous published review. "
                "Category columns give the points each category contributed.</p>\n");
  else
    html_printf(p, "<p>总分单位为分,满分按考核方案;名次为组内名次;变化与上期已发布点评比较;"
                "分类得分为各一级指标对总分的贡献。</p>\n");
  html_printf(p, "</section>\n");
}

void report_html(const ReportModel *m, Buf *p) {
  Buf title = BUF_INIT, period = BUF_INIT, notices = BUF_INIT;
  label_title(m, &title);
  label_period(m, &period);
  label_notices(m, &notices);
  html_printf(p, "<!DOCTYPE html>\n<html lang=\"%h\">\n<head>\n<meta charset=\"utf-8\">\n",
              m->eLang == RP_EN ? "en" : "zh-CN");
  html_printf(p, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  html_printf(p, "<meta name=\"generator\" content=\"kaoping report\">\n");
  html_printf(p, "<title>%h · %h</title>\n<style>\n%s</style>\n</head>\n<body>\n",
              buf_str(&title), buf_str(&period), HTML_CSS);
  html_masthead(p, m, buf_str(&title), buf_str(&period));

  Buf sum = BUF_INIT;
  label_summary(m, &sum);
  html_printf(p, "<section id=\"summary\">\n<h2>%h</h2>\n<p>%h</p>\n<div class=\"figs city\">",
              label_get(m, L_SEC_SUMMARY), buf_str(&sum));
  buf_free(&sum);
  int aFig[LABEL_N_CITY];
  const char *azFig[LABEL_N_CITY];
  label_city_figures(m, aFig, azFig);
  for (int i = 0; i < LABEL_N_CITY; i++)
    html_printf(p, "<div><b>%d</b><span>%h</span></div>", aFig[i], azFig[i]);
  html_printf(p, "</div>\n</section>\n");
  html_lists(p, m);

  int *aiCat = xcalloc((size_t)m->nCategory + 1, sizeof(int));
  html_printf(p, "<section id=\"ranking\" class=\"pagebreak\">\n<h2>%h</h2>\n",
              label_get(m, L_SEC_RANKING));
  for (int g = 0; g < m->nGroup; g++) {
    const RpGroup *pG = &m->aGroup[g];
    int nCat = report_group_cats(m, pG, aiCat);
    html_printf(p, "<h3 id=\"group-%d\">%h%h</h3>\n", g + 1, pG->zName,
                m->eLang == RP_EN ? "" : "组");
    html_group_table(p, m, pG, aiCat, nCat);
    html_group_bars(p, m, pG, buf_str(&period));
    html_group_intervals(p, m, pG, buf_str(&period));
  }
  html_printf(p, "</section>\n");
  free(aiCat);

  html_printf(p, "<section id=\"units\" class=\"pagebreak\">\n<h2>%h</h2>\n",
              label_get(m, L_SEC_UNITS));
  for (int g = 0; g < m->nGroup; g++)
    for (int i = 0; i < m->aGroup[g].nUnit; i++) html_card(p, m, &m->aUnit[m->aGroup[g].aUnit[i]]);
  html_printf(p, "</section>\n");

  rp_supervision_html(m, p);
  rp_flags_html(m, p);
  html_notes(p, m);
  html_printf(p, "<footer class=\"runfoot\">%h · %h%h%h</footer>\n", buf_str(&title),
              buf_str(&period), notices.n ? " · " : "", buf_str(&notices));
  html_printf(p, "</body>\n</html>\n");
  buf_free(&title);
  buf_free(&period);
  buf_free(&notices);
}

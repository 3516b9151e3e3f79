/*
** md.c: the review bulletin as Markdown (CommonMark + GFM tables), for wikis, chat and
** e-mail: the same sections as the HTML (overview, group tables, red/black lists, unit
** cards, notes), minus the charts.
**
** Escaping: every piece of data goes through md_text, which backslash-escapes the ASCII
** punctuation that Markdown or inline HTML would act on inside a line (so a unit named
** "<script>" stays text in any renderer; with [ ] escaped no link can form, so ( ) ! stay
** readable) and turns line breaks into spaces (a break would end a table row). Data never
** starts a line (it follows "- ", "| ", "### " or a label), so line-start markers need no care.
** The draft and synthetic notices open the file as a quote block.
*/
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/label.h"
#include "report/flag_section.h"
#include "report/sup_section.h"

static void md_text(Buf *p, const char *z) {
  for (; z && *z; z++) {
    if (*z == '\n' || *z == '\r') buf_putc(p, ' ');
    else {
      if (strchr("\\`*_{}[]<>#|&~$", *z)) buf_putc(p, '\\');
      buf_putc(p, *z);
    }
  }
}

/* "| a | b |" header with its alignment row; aRight[i] right-aligns column i. */
static void md_table_head(Buf *p, const char *const *azCol, const int *aRight, int nCol) {
  buf_putc(p, '|');
  for (int i = 0; i < nCol; i++) {
    buf_putc(p, ' ');
    md_text(p, azCol[i]);
    buf_puts(p, " |");
  }
  buf_puts(p, "\n|");
  for (int i = 0; i < nCol; i++) buf_puts(p, aRight[i] ? " ---: |" : " --- |");
  buf_putc(p, '\n');
}

static void md_cell(Buf *p, const char *z) {
  buf_putc(p, ' ');
  md_text(p, z);
  buf_puts(p, " |");
}

static void md_group_table(Buf *p, const ReportModel *m, const RpGroup *g) {
  int *aiCat = xcalloc((size_t)m->nCategory + 1, sizeof(int));
  int nCat = report_group_cats(m, g, aiCat);
  int nCol = 7 + nCat;
  const char **azCol = xcalloc((size_t)nCol, sizeof(char *));
  int *aRight = xcalloc((size_t)nCol, sizeof(int));
  Buf *aHead = xcalloc((size_t)nCat + 1, sizeof(Buf));
  azCol[0] = label_get(m, L_COL_RANK), aRight[0] = 1;
  azCol[1] = label_get(m, L_COL_UNIT);
  azCol[2] = label_get(m, L_COL_TOTAL), aRight[2] = 1;
  azCol[3] = label_get(m, L_COL_GRADE);
  azCol[4] = label_get(m, L_COL_CHANGE);
  azCol[5] = label_get(m, L_COL_TOTAL_CHANGE), aRight[5] = 1;
  for (int k = 0; k < nCat; k++) {
    buf_printf(&aHead[k], "%s%s", m->aCategory[aiCat[k]].zName, m->eLang == RP_EN ? " (pts)" : "(分)");
    azCol[6 + k] = buf_str(&aHead[k]);
    aRight[6 + k] = 1;
  }
  azCol[6 + nCat] = label_get(m, L_COL_FLAGS);
  Buf cap = BUF_INIT;
  label_group_caption(m, g, &cap);
  buf_puts(p, "*");
  md_text(p, buf_str(&cap));
  buf_puts(p, "*\n\n");
  buf_free(&cap);
  md_table_head(p, azCol, aRight, nCol);
  for (int i = 0; i < g->nUnit; i++) {
    const RpUnit *u = &m->aUnit[g->aUnit[i]];
    char z[32];
    char zRank[48];
    label_rank_interval(u, zRank);
    buf_printf(p, "| %s |", zRank);
    md_cell(p, u->zName);
    label_pts(z, u->rTotal);
    md_cell(p, z);
    md_cell(p, u->zGrade ? u->zGrade : "—");
    label_rank_change(m, u->bChange, u->iRankChange, z);
    md_cell(p, z);
    label_total_change(u->bChange, u->rTotalChange, z);
    md_cell(p, z);
    for (int k = 0; k < nCat; k++) {
      const RpCatResult *c = report_unit_cat(u, aiCat[k]);
      if (c && !isnan(c->rPoints)) label_pts(z, c->rPoints);
      else if (c) label_share(z, report_cat_share(c));
      else label_pts(z, NAN);
      md_cell(p, z);
    }
    Buf f = BUF_INIT;
    label_flags(m, &u->flags, &f);
    md_cell(p, buf_str(&f));
    buf_free(&f);
    buf_putc(p, '\n');
  }
  buf_putc(p, '\n');
  for (int k = 0; k < nCat; k++) buf_free(&aHead[k]);
  free(aHead);
  free(aRight);
  free(azCol);
  free(aiCat);
}

/* "- **红榜(前三名)**: 耒阳市 93.00分, ..." */
static void md_list_line(Buf *p, const ReportModel *m, LabelId e, const int *aU, int n) {
  buf_puts(p, "- **");
  md_text(p, label_get(m, e));
  buf_puts(p, "**: ");
  if (!n) md_text(p, label_get(m, L_NONE));
  for (int i = 0; i < n; i++) {
    char z[32];
    label_pts(z, m->aUnit[aU[i]].rTotal);
    if (i) buf_puts(p, m->eLang == RP_EN ? ", " : "、");
    md_text(p, m->aUnit[aU[i]].zName);
    buf_printf(p, " %s%s", z, label_get(m, L_PTS));
  }
  buf_putc(p, '\n');
}

static void md_move_line(Buf *p, const ReportModel *m, LabelId e, const RpMove *a, int n) {
  buf_puts(p, "- **");
  md_text(p, label_get(m, e));
  buf_puts(p, "**: ");
  if (!n) md_text(p, label_get(m, L_NONE));
  for (int i = 0; i < n; i++) {
    char zR[32], zT[32];
    label_rank_change(m, 1, a[i].iRankChange, zR);
    label_total_change(1, a[i].rTotalChange, zT);
    if (i) buf_puts(p, m->eLang == RP_EN ? ", " : "、");
    md_text(p, m->aUnit[a[i].iUnit].zName);
    buf_printf(p, " %s (%s%s)", zR, zT, label_get(m, L_PTS));
  }
  buf_putc(p, '\n');
}

static void md_bullets_head(Buf *p, const ReportModel *m, LabelId e) {
  buf_puts(p, "\n**");
  md_text(p, label_get(m, e));
  buf_puts(p, "**\n\n");
}

static void md_card(Buf *p, const ReportModel *m, const RpUnit *u) {
  buf_puts(p, "### ");
  md_text(p, u->zName);
  buf_puts(p, " (");
  md_text(p, u->zCode);
  buf_puts(p, ")\n\n");
  Buf line = BUF_INIT;
  label_unit_headline(m, u, &line);
  md_text(p, buf_str(&line));
  buf_reset(&line);
  label_score_parts(m, u, &line);
  if (line.n) {
    buf_puts(p, "  \n"); /* a hard line break */
    md_text(p, buf_str(&line));
  }
  buf_puts(p, "\n");
  if (u->flags.n) {
    buf_reset(&line);
    label_flags(m, &u->flags, &line);
    buf_puts(p, "\n**");
    md_text(p, buf_str(&line));
    buf_puts(p, "**\n");
  }
  md_bullets_head(p, m, L_STRENGTHS);
  for (int i = 0; i < u->nStrong; i++) {
    buf_reset(&line);
    label_strength(m, &u->aStrong[i], &line);
    buf_puts(p, "- ");
    md_text(p, buf_str(&line));
    buf_putc(p, '\n');
  }
  if (!u->nStrong) buf_printf(p, "- %s\n", label_get(m, L_NONE));
  md_bullets_head(p, m, L_SHORTFALLS);
  for (int i = 0; i < u->nShort; i++) {
    buf_reset(&line);
    label_shortfall(m, &u->aShort[i], &line);
    buf_puts(p, "- ");
    md_text(p, buf_str(&line));
    buf_putc(p, '\n');
  }
  if (!u->nShort) buf_printf(p, "- %s\n", label_get(m, L_NONE));
  md_bullets_head(p, m, L_POTENTIAL);
  for (int i = 0; i < u->nPot; i++) {
    buf_reset(&line);
    label_potential(m, &u->aPot[i], &line);
    buf_puts(p, "- ");
    md_text(p, buf_str(&line));
    buf_putc(p, '\n');
  }
  if (!u->nPot) buf_printf(p, "- %s\n", label_get(m, L_NONE));
  md_bullets_head(p, m, L_DOUBLE_HALF);
  buf_reset(&line);
  label_double_half(m, u, &line);
  md_text(p, buf_str(&line));
  buf_puts(p, "\n\n");
  buf_free(&line);
}

void report_md(const ReportModel *m, Buf *p) {
  Buf t = BUF_INIT;
  label_title(m, &t);
  buf_puts(p, "# ");
  md_text(p, buf_str(&t));
  buf_reset(&t);
  label_period(m, &t);
  buf_puts(p, "\n\n**");
  md_text(p, buf_str(&t));
  buf_puts(p, "** · ");
  md_text(p, m->zSchemeCode);
  buf_printf(p, " v%d · ", m->iSchemeVersion);
  md_text(p, label_get(m, m->bDraft ? L_STATE_DRAFT : L_STATE_PUBLISHED));
  buf_puts(p, "\n\n");
  if (m->bSynthetic) {
    buf_puts(p, "> **");
    md_text(p, label_get(m, L_NOTICE_SYNTHETIC));
    buf_puts(p, "**\n");
  }
  if (m->bDraft) {
    buf_puts(p, m->bSynthetic ? ">\n> **" : "> **");
    Buf d = BUF_INIT;
    label_draft(m, &d);
    md_text(p, buf_str(&d));
    buf_free(&d);
    buf_puts(p, "**\n");
  }
  if (m->bSynthetic || m->bDraft) buf_putc(p, '\n');

  buf_printf(p, "## %s\n\n", label_get(m, L_SEC_SUMMARY));
  buf_reset(&t);
  label_summary(m, &t);
  md_text(p, buf_str(&t));
  buf_puts(p, "\n\n");

  buf_printf(p, "## %s\n\n", label_get(m, L_SEC_LISTS));
  for (int g = 0; g < m->nGroup; g++) {
    const RpGroup *pG = &m->aGroup[g];
    buf_puts(p, "### ");
    md_text(p, pG->zName);
    buf_puts(p, m->eLang == RP_EN ? "\n\n" : "组\n\n");
    md_list_line(p, m, L_RED, pG->aRed, pG->nRed);
    md_list_line(p, m, L_BLACK, pG->aBlack, pG->nBlack);
    md_move_line(p, m, L_IMPROVED, pG->aUp, pG->nUp);
    md_move_line(p, m, L_DECLINED, pG->aDown, pG->nDown);
    buf_putc(p, '\n');
  }

  buf_printf(p, "## %s\n\n", label_get(m, L_SEC_RANKING));
  for (int g = 0; g < m->nGroup; g++) {
    buf_puts(p, "### ");
    md_text(p, m->aGroup[g].zName);
    buf_puts(p, m->eLang == RP_EN ? "\n\n" : "组\n\n");
    md_group_table(p, m, &m->aGroup[g]);
  }

  buf_printf(p, "## %s\n\n", label_get(m, L_SEC_UNITS));
  for (int g = 0; g < m->nGroup; g++)
    for (int i = 0; i < m->aGroup[g].nUnit; i++) md_card(p, m, &m->aUnit[m->aGroup[g].aUnit[i]]);

  rp_supervision_md(m, p);
  rp_flags_md(m, p);
  buf_printf(p, "## %s\n\n", label_get(m, L_SEC_NOTES));
  buf_printf(p, "- %s: ", label_get(m, L_NOTE_SCHEME));
  md_text(p, m->zSchemeCode);
  buf_putc(p, ' ');
  md_text(p, m->zSchemeName);
  buf_printf(p, " v%d\n- %s: ", m->iSchemeVersion, label_get(m, L_NOTE_METHOD));
  md_text(p, label_aggregation(m));
  buf_printf(p, "\n- %s: %d\n- %s: ", label_get(m, L_NOTE_REVISION), m->iRevision,
             label_get(m, L_NOTE_INPUTS));
  md_text(p, m->zInputsSha ? m->zInputsSha : "—");
  buf_printf(p, "\n- %s: ", label_get(m, L_COL_PREV));
  Buf prev = BUF_INIT;
  label_previous(m, &prev);
  md_text(p, buf_str(&prev));
  buf_free(&prev);
  buf_putc(p, '\n');
  if (m->bRobust) {
    Buf r = BUF_INIT;
    label_robust_method(m, &r);
    buf_printf(p, "- %s: ", label_get(m, L_NOTE_ROBUST));
    md_text(p, buf_str(&r));
    buf_reset(&r);
    label_robust_sensitivity(m, &r);
    if (r.n) {
      buf_putc(p, ' ');
      md_text(p, buf_str(&r));
    }
    buf_putc(p, '\n');
    buf_free(&r);
  }
  buf_free(&t);
}

/*
** xlsx.c (report): the review as an Excel workbook (libxlsxwriter), for offices that
** re-sort, filter and chart the figures themselves.
**
** Sheets: one per peer group (rank, its interval low and high as two numbers, code, name,
** total, grade, changes, previous total and rank, each category's points, flags), then 明细 (one row per unit and leaf: value,
** target, share, points, max, lost, rank, group median, flags), then 说明 (title, period,
** state, notices, scheme, input hash, the city summary). Numbers are numeric cells
** (worksheet_write_number) with number formats, never text, so Excel can sum and sort
** them; null is an empty cell, never 0. Header rows are bold, shaded, frozen and repeated
** on printed pages; pages are A4 with the draft/synthetic notice in the print header and
** footer of every sheet, so that a printout of any sheet carries the mark.
**
** Not here: reading XLSX (util/xlsx.c does that for imports).
*/
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "report/label.h"

typedef struct Xl {
  const ReportModel *m;
  lxw_workbook *wb;
  lxw_format *fHead, *fPts, *fNum, *fShare, *fInt, *fText, *fFlag, *fKey;
  lxw_error err;           /* first error of any call; the workbook is then abandoned */
  const char *zErrWhere;
  Arena *pArena;           /* sheet names and header strings (libxlsxwriter copies most) */
} Xl;

static void xl_check(Xl *x, lxw_error e, const char *zWhere) {
  if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR) {
    x->err = e;
    x->zErrWhere = zWhere;
  }
}

static void xl_str(Xl *x, lxw_worksheet *ws, int r, int c, const char *z, lxw_format *f) {
  if (!z || !*z) {
    xl_check(x, worksheet_write_blank(ws, (lxw_row_t)r, (lxw_col_t)c, f), "blank cell");
    return;
  }
  /* worksheet_write_string stores text, never a formula, whatever it starts with */
  xl_check(x, worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, z, f), "text cell");
}

static void xl_num(Xl *x, lxw_worksheet *ws, int r, int c, double v, lxw_format *f) {
  if (isnan(v)) {
    xl_check(x, worksheet_write_blank(ws, (lxw_row_t)r, (lxw_col_t)c, f), "blank cell");
    return;
  }
  xl_check(x, worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, v, f), "number cell");
}

/* Excel header/footer text: '&' starts a control code, so a literal one is doubled. */
static void xl_hf_text(Buf *p, const char *z) {
  for (; z && *z; z++) {
    if (*z == '&') buf_putc(p, '&');
    buf_putc(p, *z);
  }
}

/* A4, header row repeated, print header with title/period (and the draft mark), footer
** with the notices and page numbers. */
static void xl_page_setup(Xl *x, lxw_worksheet *ws, int bLandscape) {
  const ReportModel *m = x->m;
  worksheet_set_paper(ws, 9); /* A4 */
  if (bLandscape) worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  xl_check(x, worksheet_repeat_rows(ws, 0, 0), "repeat rows");
  Buf title = BUF_INIT, period = BUF_INIT, notices = BUF_INIT, h = BUF_INIT;
  label_title(m, &title);
  label_period(m, &period);
  label_notices(m, &notices);
  buf_puts(&h, "&L&8");
  xl_hf_text(&h, buf_str(&title));
  if (m->bDraft) {
    buf_puts(&h, "&C&14&\"-,Bold\"&KC62828");
    xl_hf_text(&h, label_get(m, L_NOTICE_DRAFT));
  }
  buf_puts(&h, "&R&8");
  xl_hf_text(&h, buf_str(&period));
  xl_check(x, worksheet_set_header(ws, buf_str(&h)), "print header");
  buf_reset(&h);
  buf_puts(&h, "&L&8&KC62828");
  xl_hf_text(&h, buf_str(&notices));
  buf_puts(&h, m->eLang == RP_EN ? "&R&8page &P of &N" : "&R&8第 &P 页 / 共 &N 页");
  xl_check(x, worksheet_set_footer(ws, buf_str(&h)), "print footer");
  buf_free(&title);
  buf_free(&period);
  buf_free(&notices);
  buf_free(&h);
}

/* A sheet name Excel accepts: no []:*?/\, not starting or ending with ', at most 31
** characters, unique in the workbook (a suffix " (2)" ... when taken). */
static lxw_worksheet *xl_sheet(Xl *x, const char *zWant) {
  Buf b = BUF_INIT;
  int nChar = 0;
  for (const unsigned char *z = (const unsigned char *)zWant; *z && nChar < 28; nChar++) {
    size_t n = *z < 0x80 ? 1 : *z < 0xE0 ? 2 : *z < 0xF0 ? 3 : 4; /* whole characters */
    if (n == 1) buf_putc(&b, strchr("[]:*?/\\", *z) ? '_' : (char)*z);
    else buf_append(&b, z, strnlen((const char *)z, n));
    z += strnlen((const char *)z, n);
  }
  if (b.n == 0 || b.z[0] == '\'') buf_puts(&b, "_");
  if (b.z[b.n - 1] == '\'') b.z[b.n - 1] = '_';
  char *zName = arena_strdup(x->pArena, buf_str(&b));
  for (int i = 2; workbook_get_worksheet_by_name(x->wb, zName); i++) {
    size_t n = b.n + 16;
    zName = arena_alloc(x->pArena, n);
    snprintf(zName, n, "%s (%d)", buf_str(&b), i);
  }
  buf_free(&b);
  lxw_worksheet *ws = workbook_add_worksheet(x->wb, zName);
  if (!ws) xl_check(x, LXW_ERROR_SHEETNAME_ALREADY_USED, "add worksheet");
  return ws;
}

static void xl_header(Xl *x, lxw_worksheet *ws, const char *const *az, const double *aw, int n) {
  for (int c = 0; c < n; c++) {
    xl_str(x, ws, 0, c, az[c], x->fHead);
    xl_check(x, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, aw[c], NULL), "column width");
  }
  xl_check(x, worksheet_set_row(ws, 0, 30, NULL), "header row");
}

static void xl_group_sheet(Xl *x, const RpGroup *g) {
  const ReportModel *m = x->m;
  lxw_worksheet *ws = xl_sheet(x, g->zName);
  if (!ws) return;
  int *aiCat = xcalloc((size_t)m->nCategory + 1, sizeof(int));
  int nCat = report_group_cats(m, g, aiCat);
  int nCol = 12 + nCat;
  const char **az = xcalloc((size_t)nCol, sizeof(char *));
  double *aw = xcalloc((size_t)nCol, sizeof(double));
  /* the rank interval (docs/robustness.md) as two numbers beside the rank, blank for a
  ** review without intervals */
  const char *azFixed[11] = {label_get(m, L_COL_RANK),
                            m->eLang == RP_EN ? "Rank interval, low (5th pct)" : "名次区间下限(5%)",
                            m->eLang == RP_EN ? "Rank interval, high (95th pct)" : "名次区间上限(95%)",
                            label_get(m, L_COL_CODE),
                            label_get(m, L_COL_UNIT), label_get(m, L_COL_TOTAL),
                            label_get(m, L_COL_GRADE), label_get(m, L_COL_CHANGE),
                            label_get(m, L_COL_TOTAL_CHANGE),
                            m->eLang == RP_EN ? "Previous total (pts)" : "上期总分(分)",
                            m->eLang == RP_EN ? "Previous rank" : "上期名次"};
  const double awFixed[11] = {7, 10, 10, 10, 20, 11, 8, 10, 13, 13, 10};
  for (int c = 0; c < 11; c++) az[c] = azFixed[c], aw[c] = awFixed[c];
  for (int k = 0; k < nCat; k++) {
    Buf h = BUF_INIT;
    buf_printf(&h, "%s%s", m->aCategory[aiCat[k]].zName, m->eLang == RP_EN ? " (pts)" : "(分)");
    az[11 + k] = arena_strdup(x->pArena, buf_str(&h));
    aw[11 + k] = 14;
    buf_free(&h);
  }
  az[11 + nCat] = label_get(m, L_COL_FLAGS);
  aw[11 + nCat] = 16;
  xl_header(x, ws, az, aw, nCol);
  for (int i = 0; i < g->nUnit; i++) {
    const RpUnit *u = &m->aUnit[g->aUnit[i]];
    int r = i + 1;
    xl_num(x, ws, r, 0, u->iRank, x->fInt);
    xl_num(x, ws, r, 1, u->bInterval ? u->iRankLo : NAN, x->fInt);
    xl_num(x, ws, r, 2, u->bInterval ? u->iRankHi : NAN, x->fInt);
    xl_str(x, ws, r, 3, u->zCode, x->fText);
    xl_str(x, ws, r, 4, u->zName, x->fText);
    xl_num(x, ws, r, 5, u->rTotal, x->fPts);
    xl_str(x, ws, r, 6, u->zGrade, x->fText);
    xl_num(x, ws, r, 7, u->bChange ? u->iRankChange : NAN, x->fInt);
    xl_num(x, ws, r, 8, u->bChange ? u->rTotalChange : NAN, x->fPts);
    xl_num(x, ws, r, 9, u->bPrevious ? u->rPrevTotal : NAN, x->fPts);
    xl_num(x, ws, r, 10, u->bPrevious && u->iPrevRank > 0 ? u->iPrevRank : NAN, x->fInt);
    for (int k = 0; k < nCat; k++) {
      const RpCatResult *c = report_unit_cat(u, aiCat[k]);
      xl_num(x, ws, r, 11 + k, c ? c->rPoints : NAN, x->fPts);
    }
    Buf f = BUF_INIT;
    label_flags(m, &u->flags, &f);
    xl_str(x, ws, r, 11 + nCat, buf_str(&f), x->fFlag);
    buf_free(&f);
  }
  worksheet_freeze_panes(ws, 1, 0);
  xl_page_setup(x, ws, nCol > 12);
  free(az);
  free(aw);
  free(aiCat);
}

static void xl_detail_sheet(Xl *x) {
  const ReportModel *m = x->m;
  lxw_worksheet *ws = xl_sheet(x, label_get(m, L_SHEET_DETAIL));
  if (!ws) return;
  const char *az[15] = {label_get(m, L_COL_CODE), label_get(m, L_COL_UNIT),
                        label_get(m, L_COL_GROUP), label_get(m, L_COL_IND_CODE),
                        label_get(m, L_COL_INDICATOR), label_get(m, L_COL_MEASURE),
                        label_get(m, L_COL_VALUE), label_get(m, L_COL_TARGET),
                        label_get(m, L_COL_SHARE), label_get(m, L_COL_POINTS),
                        label_get(m, L_COL_MAX), label_get(m, L_COL_LOST),
                        label_get(m, L_COL_IND_RANK), label_get(m, L_COL_MEDIAN),
                        label_get(m, L_COL_FLAGS)};
  const double aw[15] = {9, 16, 7, 9, 28, 8, 10, 10, 9, 10, 10, 10, 9, 11, 16};
  xl_header(x, ws, az, aw, 15);
  int r = 1;
  for (int g = 0; g < m->nGroup; g++) {
    for (int i = 0; i < m->aGroup[g].nUnit; i++) {
      const RpUnit *u = &m->aUnit[m->aGroup[g].aUnit[i]];
      for (int k = 0; k < u->nLeaf; k++, r++) {
        const RpLeaf *l = &u->aLeaf[k];
        xl_str(x, ws, r, 0, u->zCode, x->fText);
        xl_str(x, ws, r, 1, u->zName, x->fText);
        xl_str(x, ws, r, 2, u->zGroup, x->fText);
        xl_str(x, ws, r, 3, l->zCode, x->fText);
        xl_str(x, ws, r, 4, label_indicator_name(m, l->iInd, NULL, l->zCode), x->fText);
        xl_str(x, ws, r, 5, label_indicator_unit(m, l->iInd), x->fText);
        xl_num(x, ws, r, 6, l->rValue, x->fNum);
        xl_num(x, ws, r, 7, l->rTarget, x->fNum);
        xl_num(x, ws, r, 8, l->rShare, x->fShare);
        xl_num(x, ws, r, 9, l->rPoints, x->fPts);
        xl_num(x, ws, r, 10, l->rMaxPoints, x->fPts);
        xl_num(x, ws, r, 11, l->rLost, x->fPts);
        xl_num(x, ws, r, 12, l->iRank > 0 ? l->iRank : NAN, x->fInt);
        xl_num(x, ws, r, 13, l->rMedian, x->fNum);
        Buf f = BUF_INIT;
        label_flags(m, &l->flags, &f);
        xl_str(x, ws, r, 14, buf_str(&f), x->fFlag);
        buf_free(&f);
      }
    }
  }
  worksheet_freeze_panes(ws, 1, 2);
  if (r > 1) xl_check(x, worksheet_autofilter(ws, 0, 0, (lxw_row_t)(r - 1), 14), "autofilter");
  xl_page_setup(x, ws, 1);
}

static void xl_about_sheet(Xl *x) {
  const ReportModel *m = x->m;
  lxw_worksheet *ws = xl_sheet(x, label_get(m, L_SHEET_ABOUT));
  if (!ws) return;
  Buf title = BUF_INIT, period = BUF_INIT, notices = BUF_INIT, summary = BUF_INIT,
      scheme = BUF_INIT, prev = BUF_INIT;
  label_previous(m, &prev);
  label_title(m, &title);
  label_period(m, &period);
  label_notices(m, &notices);
  label_summary(m, &summary);
  buf_printf(&scheme, "%s %s v%d", m->zSchemeCode, m->zSchemeName, m->iSchemeVersion);
  int en = m->eLang == RP_EN;
  const char *azKey[] = {en ? "Title" : "标题", en ? "Period" : "考核期",
                         label_get(m, L_NOTE_STATE), en ? "Notice" : "提示",
                         label_get(m, L_NOTE_SCHEME), label_get(m, L_NOTE_METHOD),
                         label_get(m, L_NOTE_REVISION), label_get(m, L_NOTE_INPUTS),
                         label_get(m, L_COL_PREV), label_get(m, L_SEC_SUMMARY)};
  const char *azVal[] = {buf_str(&title), buf_str(&period),
                         label_get(m, m->bDraft ? L_STATE_DRAFT : L_STATE_PUBLISHED),
                         buf_str(&notices), buf_str(&scheme),
                         label_aggregation(m), NULL,
                         m->zInputsSha ? m->zInputsSha : "",
                         buf_str(&prev),
                         buf_str(&summary)};
  const double aw[2] = {22, 100};
  const char *azHead[2] = {en ? "Item" : "项目", en ? "Value" : "内容"};
  xl_header(x, ws, azHead, aw, 2);
  for (int i = 0; i < 10; i++) {
    xl_str(x, ws, i + 1, 0, azKey[i], x->fKey);
    if (i == 6) xl_num(x, ws, i + 1, 1, m->iRevision, x->fInt);
    else xl_str(x, ws, i + 1, 1, azVal[i], i == 3 ? x->fFlag : x->fText);
  }
  worksheet_freeze_panes(ws, 1, 0);
  xl_page_setup(x, ws, 0);
  buf_free(&title);
  buf_free(&period);
  buf_free(&notices);
  buf_free(&summary);
  buf_free(&scheme);
  buf_free(&prev);
}

int report_xlsx(const ReportModel *m, const char *zPath, char **pzErr) {
  Xl x = {.m = m, .pArena = arena_new()};
  x.wb = workbook_new(zPath);
  if (!x.wb) {
    *pzErr = xasprintf("%s: cannot create the workbook", zPath);
    arena_free(x.pArena);
    return -1;
  }
  x.fHead = workbook_add_format(x.wb);
  format_set_bold(x.fHead);
  format_set_bg_color(x.fHead, 0xFBE9E7);
  format_set_border(x.fHead, LXW_BORDER_THIN);
  format_set_text_wrap(x.fHead);
  format_set_align(x.fHead, LXW_ALIGN_CENTER);
  format_set_align(x.fHead, LXW_ALIGN_VERTICAL_CENTER);
  x.fPts = workbook_add_format(x.wb);
  format_set_num_format(x.fPts, "0.00");
  x.fNum = workbook_add_format(x.wb);
  format_set_num_format(x.fNum, "General");
  x.fShare = workbook_add_format(x.wb);
  format_set_num_format(x.fShare, "0.0%");
  x.fInt = workbook_add_format(x.wb);
  format_set_num_format(x.fInt, "0");
  format_set_align(x.fInt, LXW_ALIGN_CENTER);
  x.fText = workbook_add_format(x.wb);
  x.fFlag = workbook_add_format(x.wb);
  format_set_font_color(x.fFlag, 0xC62828);
  x.fKey = workbook_add_format(x.wb);
  format_set_bold(x.fKey);
  format_set_text_wrap(x.fText);

  Buf title = BUF_INIT, subject = BUF_INIT, notices = BUF_INIT;
  label_title(m, &title);
  label_period(m, &subject);
  label_notices(m, &notices);
  lxw_doc_properties props = {.title = (char *)buf_str(&title),
                              .subject = (char *)buf_str(&subject),
                              .author = "kaoping",
                              .comments = (char *)buf_str(&notices),
                              .status = (char *)label_get(m, m->bDraft ? L_STATE_DRAFT
                                                                        : L_STATE_PUBLISHED)};
  xl_check(&x, workbook_set_properties(x.wb, &props), "document properties");

  for (int g = 0; g < m->nGroup; g++) xl_group_sheet(&x, &m->aGroup[g]);
  xl_detail_sheet(&x);
  xl_about_sheet(&x);
  lxw_error eClose = workbook_close(x.wb); /* writes the file and frees the workbook */
  buf_free(&title);
  buf_free(&subject);
  buf_free(&notices);
  arena_free(x.pArena);
  if (x.err != LXW_NO_ERROR) {
    *pzErr = xasprintf("%s: %s: %s", zPath, x.zErrWhere, lxw_strerror(x.err));
    return -1;
  }
  if (eClose != LXW_NO_ERROR) {
    *pzErr = xasprintf("%s: %s", zPath, lxw_strerror(eClose));
    return -1;
  }
  return 0;
}

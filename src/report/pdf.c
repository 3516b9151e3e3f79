/*
** pdf.c: the review bulletin as an A4 PDF drawn with cairo and laid out with pango, so that
** Chinese text renders without a browser (font "Noto Sans CJK SC", fonts-noto-cjk).
**
** NOTES ON THE DESIGN
**  - Same sections and words as the HTML (label.c), same chart geometry (chart.c display
**    lists, drawn here with cairo paths instead of SVG).
**  - Layout is a single cursor (Pdf.y) moving down the page; before a block is drawn its
**    height is measured with the same code in measuring mode (Pdf.bMeasure: every drawing
**    helper returns its height and draws nothing), and the block moves to a new page when
**    it does not fit. Tables break between rows and repeat their header.
**  - "第 n 页 / 共 N 页" needs N before page 1 is drawn: the document is laid out twice,
**    first into a PDF surface that discards its bytes (counting pages), then into the file.
**    The layout is deterministic, so both passes break pages identically.
**  - Every page gets the running header (from page 2), the footer with the notices and page
**    number, and, for an unpublished review, the 「未发布 · 草稿」 watermark.
**  - Units: PDF points (1/72 in); chart units are CSS px, drawn at 0.75 pt per px.
*/
#include "report/report.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/flag_section.h"
#include "report/label.h"

#define PDF_W 595.28 /* A4 */
#define PDF_H 841.89
#define PDF_ML 48.0
#define PDF_MR 48.0
#define PDF_MT 58.0
#define PDF_MB 56.0
#define PDF_CW (PDF_W - PDF_ML - PDF_MR)
#define PDF_FONT "Noto Sans CJK SC"

typedef struct Pdf {
  const ReportModel *m;
  cairo_surface_t *pSurf;
  cairo_t *cr;
  int bMeasure;       /* helpers measure only, draw nothing */
  double y;           /* cursor: top of the next block */
  int iPage;          /* 1-based page being drawn */
  int nPage;          /* total, known in the second pass (0 in the first) */
  const char *zTitle, *zPeriod, *zNotices;
} Pdf;

static void pdf_rgb(cairo_t *cr, uint32_t rgb, double a) {
  cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0,
                        (rgb & 255) / 255.0, a);
}

/* A pango layout of z at size pt; w > 0 wraps (or, with bOneLine, ellipsizes) at w pt. */
static PangoLayout *pdf_layout(Pdf *p, const char *z, double size, int bBold, double w,
                               int bOneLine) {
  PangoLayout *l = pango_cairo_create_layout(p->cr);
  PangoFontDescription *fd = pango_font_description_from_string(PDF_FONT);
  pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
  pango_font_description_set_weight(fd, bBold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(l, fd);
  pango_font_description_free(fd);
  if (w > 0) {
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    if (bOneLine) pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    else pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_text(l, z ? z : "", -1);
  return l;
}

/* Draws z in the box (x, y, w) aligned as given; returns its height. In measuring mode
** returns the height only. */
static double pdf_text(Pdf *p, double x, double y, double w, const char *z, double size,
                       int bBold, uint32_t rgb, PangoAlignment eAlign) {
  PangoLayout *l = pdf_layout(p, z, size, bBold, w, 0);
  pango_layout_set_alignment(l, eAlign);
  int iw, ih;
  pango_layout_get_size(l, &iw, &ih);
  if (!p->bMeasure) {
    pdf_rgb(p->cr, rgb, 1);
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, l);
  }
  g_object_unref(l);
  return (double)ih / PANGO_SCALE;
}

/* One line, ellipsized to w, vertically centred on yMid. */
static void pdf_cell_text(Pdf *p, double x, double yMid, double w, const char *z, double size,
                          int bBold, uint32_t rgb, PangoAlignment eAlign) {
  if (p->bMeasure) return;
  PangoLayout *l = pdf_layout(p, z, size, bBold, w, 1);
  pango_layout_set_alignment(l, eAlign);
  int iw, ih;
  pango_layout_get_size(l, &iw, &ih);
  pdf_rgb(p->cr, rgb, 1);
  cairo_move_to(p->cr, x, yMid - (double)ih / PANGO_SCALE / 2);
  pango_cairo_show_layout(p->cr, l);
  g_object_unref(l);
}

static void pdf_fill_rect(Pdf *p, double x, double y, double w, double h, uint32_t rgb) {
  if (p->bMeasure) return;
  pdf_rgb(p->cr, rgb, 1);
  cairo_rectangle(p->cr, x, y, w, h);
  cairo_fill(p->cr);
}

static void pdf_hline(Pdf *p, double x1, double x2, double y, uint32_t rgb, double width) {
  if (p->bMeasure) return;
  pdf_rgb(p->cr, rgb, 1);
  cairo_set_line_width(p->cr, width);
  cairo_move_to(p->cr, x1, y);
  cairo_line_to(p->cr, x2, y);
  cairo_stroke(p->cr);
}

/* Running header (from page 2) and footer of the page just started. */
static void pdf_page_furniture(Pdf *p) {
  const ReportModel *m = p->m;
  if (p->bMeasure) return;
  if (p->iPage > 1) {
    pdf_cell_text(p, PDF_ML, 36, PDF_CW * 0.65, p->zTitle, 8, 0, 0x757575, PANGO_ALIGN_LEFT);
    pdf_cell_text(p, PDF_ML + PDF_CW * 0.65, 36, PDF_CW * 0.35, p->zPeriod, 8, 0, 0x757575,
                  PANGO_ALIGN_RIGHT);
    pdf_hline(p, PDF_ML, PDF_W - PDF_MR, 44, CHART_RED, 0.8);
  }
  pdf_hline(p, PDF_ML, PDF_W - PDF_MR, PDF_H - 40, 0xBDBDBD, 0.5);
  char zPage[64];
  if (p->nPage > 0) snprintf(zPage, sizeof zPage, label_get(m, L_PAGE_OF), p->iPage, p->nPage);
  else snprintf(zPage, sizeof zPage, "%d", p->iPage);
  const char *zLeft = *p->zNotices ? p->zNotices : p->zPeriod;
  pdf_cell_text(p, PDF_ML, PDF_H - 30, PDF_CW * 0.7, zLeft, 8, *p->zNotices != 0,
                *p->zNotices ? CHART_RED : 0x757575, PANGO_ALIGN_LEFT);
  pdf_cell_text(p, PDF_ML + PDF_CW * 0.7, PDF_H - 30, PDF_CW * 0.3, zPage, 8, 0, 0x757575,
                PANGO_ALIGN_RIGHT);
}

/* Ends the page being drawn: the draft watermark goes on last, over the content (it is
** translucent), so that no shaded box can hide it; then the page is emitted. */
static void pdf_page_end(Pdf *p) {
  cairo_t *cr = p->cr;
  const ReportModel *m = p->m;
  if (m->bDraft && !p->bMeasure) {
    PangoLayout *l = pdf_layout(p, label_get(m, L_NOTICE_DRAFT), 64, 1, 0, 0);
    int iw, ih;
    pango_layout_get_size(l, &iw, &ih);
    cairo_save(cr);
    cairo_translate(cr, PDF_W / 2, PDF_H / 2);
    cairo_rotate(cr, -28 * M_PI / 180);
    pdf_rgb(cr, CHART_RED, 0.13);
    cairo_move_to(cr, -(double)iw / PANGO_SCALE / 2, -(double)ih / PANGO_SCALE / 2);
    pango_cairo_show_layout(cr, l);
    cairo_restore(cr);
    g_object_unref(l);
  }
  cairo_show_page(cr);
}

static void pdf_new_page(Pdf *p) {
  pdf_page_end(p);
  p->iPage++;
  p->y = PDF_MT;
  pdf_page_furniture(p);
}

/* Makes room for a block of height h: a new page when it does not fit (unless the page is
** still empty, where a new page would not help). */
static void pdf_need(Pdf *p, double h) {
  if (p->y + h > PDF_H - PDF_MB && p->y > PDF_MT + 1) pdf_new_page(p);
}

static void pdf_section(Pdf *p, LabelId e, int bNewPage) {
  if (bNewPage && p->y > PDF_MT + 1) pdf_new_page(p);
  pdf_need(p, 60); /* never a heading alone at the foot of a page */
  double h = pdf_text(p, PDF_ML, p->y, PDF_CW, label_get(p->m, e), 15, 1, CHART_RED,
                      PANGO_ALIGN_LEFT);
  pdf_hline(p, PDF_ML, PDF_W - PDF_MR, p->y + h + 2, 0xE0E0E0, 0.6);
  p->y += h + 10;
}

/* ---- tables ---------------------------------------------------------------------------- */

typedef struct PdfCol {
  const char *zHead;
  double w;
  PangoAlignment eAlign;
} PdfCol;

/* Height of a row whose cells wrap in their columns. */
static double pdf_row_height(Pdf *p, const PdfCol *aCol, int nCol, const char *const *azCell,
                             double size, int bBold) {
  int bSave = p->bMeasure;
  p->bMeasure = 1;
  double h = 0;
  for (int c = 0; c < nCol; c++) {
    double t = pdf_text(p, 0, 0, aCol[c].w - 6, azCell[c], size, bBold, 0, aCol[c].eAlign);
    if (t > h) h = t;
  }
  p->bMeasure = bSave;
  return h + 6;
}

static void pdf_row(Pdf *p, const PdfCol *aCol, int nCol, const char *const *azCell,
                    double size, int bBold, double h, uint32_t bg, const uint32_t *aInk) {
  double x = PDF_ML;
  if (bg != CHART_NONE) pdf_fill_rect(p, PDF_ML, p->y, PDF_CW, h, bg);
  for (int c = 0; c < nCol; c++) {
    if (!p->bMeasure) {
      PangoLayout *l = pdf_layout(p, azCell[c], size, bBold, aCol[c].w - 6, 0);
      pango_layout_set_alignment(l, aCol[c].eAlign);
      int iw, ih;
      pango_layout_get_size(l, &iw, &ih);
      pdf_rgb(p->cr, aInk ? aInk[c] : CHART_INK, 1);
      cairo_move_to(p->cr, x + 3, p->y + (h - (double)ih / PANGO_SCALE) / 2);
      pango_cairo_show_layout(p->cr, l);
      g_object_unref(l);
    }
    x += aCol[c].w;
  }
  pdf_hline(p, PDF_ML, PDF_W - PDF_MR, p->y + h, 0xBDBDBD, 0.4);
  p->y += h;
}

/* A table of nRow rows (azCell row-major, nCol per row); breaks between rows, repeating the
** header. aInk (optional, nRow x nCol) colours cells. */
static void pdf_table(Pdf *p, const PdfCol *aCol, int nCol, const char *const *azCell, int nRow,
                      const uint32_t *aInk) {
  const char **azHead = xcalloc((size_t)nCol, sizeof(char *));
  for (int c = 0; c < nCol; c++) azHead[c] = aCol[c].zHead;
  double hHead = pdf_row_height(p, aCol, nCol, azHead, 8, 1);
  PdfCol *aHeadCol = xcalloc((size_t)nCol, sizeof(PdfCol));
  for (int c = 0; c < nCol; c++) aHeadCol[c] = aCol[c], aHeadCol[c].eAlign = PANGO_ALIGN_CENTER;
  for (int r = -1; r < nRow; r++) {
    if (r < 0 || p->y + pdf_row_height(p, aCol, nCol, azCell + (size_t)r * nCol, 8.5, 0) >
                     PDF_H - PDF_MB) {
      if (r >= 0) pdf_new_page(p);
      else pdf_need(p, hHead + 2 * 18);
      pdf_hline(p, PDF_ML, PDF_W - PDF_MR, p->y, CHART_INK, 0.8);
      pdf_row(p, aHeadCol, nCol, azHead, 8, 1, hHead, 0xFBE9E7, NULL);
      if (r < 0) continue;
    }
    const char *const *az = azCell + (size_t)r * nCol;
    double h = pdf_row_height(p, aCol, nCol, az, 8.5, 0);
    pdf_row(p, aCol, nCol, az, 8.5, 0, h, (r & 1) ? 0xFAFAFA : CHART_NONE,
            aInk ? aInk + (size_t)r * nCol : NULL);
  }
  pdf_hline(p, PDF_ML, PDF_W - PDF_MR, p->y, CHART_INK, 0.8);
  p->y += 8;
  free(aHeadCol);
  free(azHead);
}

/* ---- charts ---------------------------------------------------------------------------- */

/* Draws a chart.c display list with its top-left at (x, y), scaled (pt per chart unit). */
static void pdf_chart(Pdf *p, const Chart *c, double x0, double y0, double s) {
  if (p->bMeasure) return;
  cairo_t *cr = p->cr;
  for (int i = 0; i < c->nOp; i++) {
    const ChartOp *o = &c->aOp[i];
    switch (o->eKind) {
      case CHART_RECT:
      case CHART_POLYGON:
        if (o->eKind == CHART_RECT) cairo_rectangle(cr, x0 + o->x * s, y0 + o->y * s, o->w * s, o->h * s);
        else {
          for (int k = 0; k < o->nPt; k++) {
            double px = x0 + o->aXY[2 * k] * s, py = y0 + o->aXY[2 * k + 1] * s;
            if (k == 0) cairo_move_to(cr, px, py);
            else cairo_line_to(cr, px, py);
          }
          cairo_close_path(cr);
        }
        if (o->fill != CHART_NONE) {
          pdf_rgb(cr, o->fill, o->rAlpha);
          if (o->stroke != CHART_NONE) cairo_fill_preserve(cr);
          else cairo_fill(cr);
        }
        if (o->stroke != CHART_NONE) {
          pdf_rgb(cr, o->stroke, 1);
          cairo_set_line_width(cr, o->rStroke * s);
          if (o->bDash) {
            double aDash[2] = {4 * s, 3 * s};
            cairo_set_dash(cr, aDash, 2, 0);
          }
          cairo_stroke(cr);
          cairo_set_dash(cr, NULL, 0, 0);
        }
        cairo_new_path(cr);
        break;
      case CHART_LINE:
        pdf_rgb(cr, o->stroke, 1);
        cairo_set_line_width(cr, o->rStroke * s);
        if (o->bDash) {
          double aDash[2] = {4 * s, 3 * s};
          cairo_set_dash(cr, aDash, 2, 0);
        }
        cairo_move_to(cr, x0 + o->x * s, y0 + o->y * s);
        cairo_line_to(cr, x0 + o->w * s, y0 + o->h * s);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
      case CHART_TEXT: {
        PangoLayout *l = pdf_layout(p, o->zText, o->rFont * s, o->bBold, 0, 0);
        int iw, ih;
        pango_layout_get_size(l, &iw, &ih);
        double w = (double)iw / PANGO_SCALE, h = (double)ih / PANGO_SCALE;
        double x = x0 + o->x * s - (o->eAnchor == CHART_END ? w : o->eAnchor == CHART_MIDDLE ? w / 2 : 0);
        pdf_rgb(cr, o->fill == CHART_NONE ? CHART_INK : o->fill, 1);
        cairo_move_to(cr, x, y0 + o->y * s - h / 2);
        pango_cairo_show_layout(cr, l);
        g_object_unref(l);
        break;
      }
    }
  }
}

/* ---- sections -------------------------------------------------------------------------- */

static void pdf_masthead(Pdf *p) {
  const ReportModel *m = p->m;
  if (m->bSynthetic || m->bDraft) {
    double h = pdf_text(p, PDF_ML, p->y + 4, PDF_CW, p->zNotices, 11, 1, CHART_RED, PANGO_ALIGN_CENTER);
    if (!p->bMeasure) {
      pdf_rgb(p->cr, CHART_RED, 1);
      cairo_set_line_width(p->cr, 1.5);
      cairo_rectangle(p->cr, PDF_ML, p->y, PDF_CW, h + 8);
      cairo_stroke(p->cr);
    }
    p->y += h + 16;
  }
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, p->zTitle, 22, 1, CHART_RED, PANGO_ALIGN_CENTER) + 4;
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, p->zPeriod, 13, 0, CHART_INK, PANGO_ALIGN_CENTER) + 2;
  Buf meta = BUF_INIT;
  buf_printf(&meta, "%s %s v%d", m->zSchemeCode, m->zSchemeName, m->iSchemeVersion);
  if (m->zPeriodEnd) buf_printf(&meta, " · %s %s", m->eLang == RP_EN ? "as of" : "截至", m->zPeriodEnd);
  buf_printf(&meta, " · %s", label_get(m, m->bDraft ? L_STATE_DRAFT : L_STATE_PUBLISHED));
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, buf_str(&meta), 8.5, 0, 0x616161, PANGO_ALIGN_CENTER) + 6;
  buf_free(&meta);
  if (!p->bMeasure) {
    pdf_rgb(p->cr, CHART_RED, 1);
    cairo_set_line_width(p->cr, 2.5);
    cairo_move_to(p->cr, PDF_ML, p->y);
    cairo_line_to(p->cr, PDF_W - PDF_MR, p->y);
    cairo_stroke(p->cr);
  }
  p->y += 14;
}

static void pdf_summary(Pdf *p) {
  pdf_section(p, L_SEC_SUMMARY, 0);
  Buf s = BUF_INIT;
  label_summary(p->m, &s);
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, buf_str(&s), 10.5, 0, CHART_INK, PANGO_ALIGN_LEFT) + 8;
  buf_free(&s);
  int aFig[LABEL_N_CITY];
  const char *azFig[LABEL_N_CITY];
  label_city_figures(p->m, aFig, azFig);
  double wBox = (PDF_CW - (LABEL_N_CITY - 1) * 6) / LABEL_N_CITY;
  for (int i = 0; i < LABEL_N_CITY; i++) {
    char z[16];
    snprintf(z, sizeof z, "%d", aFig[i]);
    double bx = PDF_ML + i * (wBox + 6);
    pdf_fill_rect(p, bx, p->y, wBox, 38, 0xFFF3F0);
    pdf_cell_text(p, bx, p->y + 14, wBox, z, 15, 1, CHART_RED, PANGO_ALIGN_CENTER);
    pdf_cell_text(p, bx, p->y + 30, wBox, azFig[i], 7.5, 0, 0x616161, PANGO_ALIGN_CENTER);
  }
  p->y += 38 + 14;
}

/* The rank-interval chart of a group (docs/robustness.md); nothing without intervals. */
static void pdf_group_intervals(Pdf *p, const RpGroup *g) {
  const ReportModel *m = p->m;
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
    buf_printf(&title, "%s · %s · %s", g->zName, label_get(m, L_CHART_INTERVALS), p->zPeriod);
    Chart *ch = chart_intervals(buf_str(&title), aRow, n, nMax, PDF_CW / 0.75);
    pdf_need(p, ch->h * 0.75 + 30);
    pdf_chart(p, ch, PDF_ML, p->y, 0.75);
    p->y += ch->h * 0.75 + 2;
    buf_puts(&title, m->eLang == RP_EN ? " (official rank and its 5th–95th percentile interval)"
                                       : "(方块为正式名次,横条为第5至第95百分位名次区间)");
    p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, buf_str(&title), 8, 0, 0x616161,
                     PANGO_ALIGN_CENTER) + 14;
    chart_free(ch);
    buf_free(&title);
  }
  free(aRow);
}

static void pdf_group(Pdf *p, const RpGroup *g) {
  const ReportModel *m = p->m;
  int *aiCat = xcalloc((size_t)m->nCategory + 1, sizeof(int));
  int nCat = report_group_cats(m, g, aiCat);
  int nCol = 7 + nCat;
  PdfCol *aCol = xcalloc((size_t)nCol, sizeof(PdfCol));
  Arena *a = arena_new();
  /* Fixed columns as narrow as their content allows, so that up to 6 category columns
  ** still hold "31.78" on one line (about 22 pt at 8.5 pt). */
  PdfCol fixed[6] = {
    {label_get(m, L_COL_RANK), m->bRobust ? 44 : 26, PANGO_ALIGN_CENTER},
    {label_get(m, L_COL_UNIT), 72, PANGO_ALIGN_LEFT},
    {label_get(m, L_COL_TOTAL), 40, PANGO_ALIGN_RIGHT},
    {label_get(m, L_COL_GRADE), 30, PANGO_ALIGN_CENTER},
    {label_get(m, L_COL_CHANGE), 36, PANGO_ALIGN_CENTER},
    {label_get(m, L_COL_TOTAL_CHANGE), 40, PANGO_ALIGN_RIGHT},
  };
  double wFlags = 44, wRest = PDF_CW - fixed[0].w - 72 - 40 - 30 - 36 - 40 - wFlags;
  for (int c = 0; c < 6; c++) aCol[c] = fixed[c];
  for (int k = 0; k < nCat; k++) {
    Buf h = BUF_INIT;
    buf_printf(&h, "%s%s", m->aCategory[aiCat[k]].zName, m->eLang == RP_EN ? " (pts)" : "(分)");
    aCol[6 + k].zHead = arena_strdup(a, buf_str(&h));
    aCol[6 + k].w = wRest / nCat;
    aCol[6 + k].eAlign = PANGO_ALIGN_RIGHT;
    buf_free(&h);
  }
  aCol[6 + nCat] = (PdfCol){label_get(m, L_COL_FLAGS), nCat ? wFlags : wFlags + wRest, PANGO_ALIGN_LEFT};
  const char **azCell = xcalloc((size_t)nCol * (size_t)(g->nUnit + 1), sizeof(char *));
  uint32_t *aInk = xcalloc((size_t)nCol * (size_t)(g->nUnit + 1), sizeof(uint32_t));
  for (int i = 0; i < g->nUnit; i++) {
    const RpUnit *u = &m->aUnit[g->aUnit[i]];
    const char **row = azCell + (size_t)i * nCol;
    uint32_t *ink = aInk + (size_t)i * nCol;
    char z[32];
    for (int c = 0; c < nCol; c++) ink[c] = CHART_INK;
    char zRank[48];
    label_rank_interval(u, zRank);
    row[0] = arena_strdup(a, zRank);
    row[1] = u->zName;
    label_pts(z, u->rTotal);
    row[2] = arena_strdup(a, z);
    row[3] = u->zGrade ? u->zGrade : "—";
    label_rank_change(m, u->bChange, u->iRankChange, z);
    row[4] = arena_strdup(a, z);
    if (u->bChange && u->iRankChange > 0) ink[4] = CHART_RED;
    if (u->bChange && u->iRankChange < 0) ink[4] = 0x2E7D32;
    label_total_change(u->bChange, u->rTotalChange, z);
    row[5] = arena_strdup(a, z);
    for (int k = 0; k < nCat; k++) {
      const RpCatResult *c = report_unit_cat(u, aiCat[k]);
      if (c && !isnan(c->rPoints)) label_pts(z, c->rPoints);
      else if (c) label_share(z, report_cat_share(c));
      else label_pts(z, NAN);
      row[6 + k] = arena_strdup(a, z);
    }
    Buf f = BUF_INIT;
    label_flags(m, &u->flags, &f);
    row[6 + nCat] = arena_strdup(a, buf_str(&f));
    ink[6 + nCat] = CHART_RED;
    buf_free(&f);
  }
  /* heading + caption + table + chart stay together when they fit on a page */
  ChartBar *aBar = xcalloc((size_t)g->nUnit + 1, sizeof(ChartBar));
  for (int i = 0; i < g->nUnit; i++) {
    const RpUnit *u = &m->aUnit[g->aUnit[i]];
    aBar[i].zLabel = u->zName;
    aBar[i].rValue = u->rTotal;
    aBar[i].zValue = azCell[(size_t)i * nCol + 2];
    aBar[i].rgb = report_bar_colour(m, g, g->aUnit[i]);
  }
  Buf title = BUF_INIT;
  buf_printf(&title, "%s · %s · %s", g->zName, label_get(m, L_CHART_TOTALS), p->zPeriod);
  Chart *ch = chart_bars(buf_str(&title), aBar, g->nUnit,
                         isnan(m->rSchemeTotal) ? 0 : m->rSchemeTotal, PDF_CW / 0.75);
  double hTable = 40 + 18 * (g->nUnit + 2);
  pdf_need(p, 22 + 14 + hTable + ch->h * 0.75 + 20);
  Buf head = BUF_INIT;
  buf_printf(&head, "%s%s", g->zName, m->eLang == RP_EN ? "" : "组");
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, buf_str(&head), 12, 1, CHART_INK, PANGO_ALIGN_LEFT) + 3;
  buf_free(&head);
  Buf cap = BUF_INIT;
  label_group_caption(m, g, &cap);
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, buf_str(&cap), 8.5, 0, 0x616161, PANGO_ALIGN_LEFT) + 3;
  buf_free(&cap);
  pdf_table(p, aCol, nCol, azCell, g->nUnit, aInk);
  pdf_need(p, ch->h * 0.75 + 16);
  pdf_chart(p, ch, PDF_ML, p->y, 0.75);
  p->y += ch->h * 0.75 + 2;
  buf_puts(&title, m->eLang == RP_EN ? " (pts; red: red list, grey: black list)"
                                     : "(单位:分;红色为红榜,灰色为黑榜)");
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, buf_str(&title), 8, 0, 0x616161, PANGO_ALIGN_CENTER) + 14;
  buf_free(&title);
  chart_free(ch);
  pdf_group_intervals(p, g);
  free(aBar);
  free(aInk);
  free(azCell);
  arena_free(a);
  free(aCol);
  free(aiCat);
}

static void pdf_lists(Pdf *p) {
  const ReportModel *m = p->m;
  pdf_section(p, L_SEC_LISTS, 0);
  double w = (PDF_CW - 50) / 4;
  PdfCol aCol[5] = {
    {label_get(m, L_COL_GROUP), 50, PANGO_ALIGN_CENTER}, {label_get(m, L_RED), w, PANGO_ALIGN_LEFT},
    {label_get(m, L_BLACK), w, PANGO_ALIGN_LEFT}, {label_get(m, L_IMPROVED), w, PANGO_ALIGN_LEFT},
    {label_get(m, L_DECLINED), w, PANGO_ALIGN_LEFT},
  };
  Arena *a = arena_new();
  const char **azCell = xcalloc((size_t)5 * (size_t)(m->nGroup + 1), sizeof(char *));
  for (int g = 0; g < m->nGroup; g++) {
    const RpGroup *pG = &m->aGroup[g];
    const char **row = azCell + (size_t)g * 5;
    row[0] = pG->zName;
    for (int k = 0; k < 4; k++) {
      Buf b = BUF_INIT;
      int n = k == 0 ? pG->nRed : k == 1 ? pG->nBlack : k == 2 ? pG->nUp : pG->nDown;
      for (int i = 0; i < n; i++) {
        char z1[32], z2[32];
        if (i) buf_putc(&b, '\n');
        if (k < 2) {
          int iU = (k == 0 ? pG->aRed : pG->aBlack)[i];
          label_pts(z1, m->aUnit[iU].rTotal);
          buf_printf(&b, "%d. %s %s%s", i + 1, m->aUnit[iU].zName, z1, label_get(m, L_PTS));
        } else {
          const RpMove *mv = &(k == 2 ? pG->aUp : pG->aDown)[i];
          label_rank_change(m, 1, mv->iRankChange, z1);
          label_total_change(1, mv->rTotalChange, z2);
          buf_printf(&b, "%d. %s %s (%s%s)", i + 1, m->aUnit[mv->iUnit].zName, z1, z2,
                     label_get(m, L_PTS));
        }
      }
      if (n == 0) buf_puts(&b, label_get(m, L_NONE));
      row[1 + k] = arena_strdup(a, buf_str(&b));
      buf_free(&b);
    }
  }
  pdf_table(p, aCol, 5, azCell, m->nGroup, NULL);
  if (!m->zPrevPeriod)
    p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, label_get(m, L_NO_PREVIOUS), 8.5, 0, 0x616161,
                     PANGO_ALIGN_LEFT) + 6;
  free(azCell);
  arena_free(a);
}

/* A bulleted list under a small heading in a column of width w; returns its height. */
static double pdf_bullets(Pdf *p, double x, double y, double w, const char *zHead,
                          const char *const *az, int n, const char *zNone) {
  double y0 = y;
  y += pdf_text(p, x, y, w, zHead, 9.5, 1, 0x37474F, PANGO_ALIGN_LEFT) + 1;
  for (int i = 0; i < (n ? n : 1); i++) {
    pdf_text(p, x + 2, y, 8, "•", 8.5, 0, CHART_RED, PANGO_ALIGN_LEFT);
    y += pdf_text(p, x + 10, y, w - 10, n ? az[i] : zNone, 8.5, 0, CHART_INK, PANGO_ALIGN_LEFT) + 1;
  }
  return y - y0 + 3;
}

/* One unit's card at p->y; returns its height (drawn unless measuring). */
static double pdf_card_body(Pdf *p, const RpUnit *u, Chart *radar) {
  const ReportModel *m = p->m;
  double y = p->y, x = PDF_ML;
  if (!p->bMeasure) {
    pdf_fill_rect(p, x, y, PDF_CW, 3, CHART_RED);
  }
  y += 7;
  pdf_text(p, x + 6, y, PDF_CW * 0.6, u->zName, 13, 1, CHART_INK, PANGO_ALIGN_LEFT);
  Buf b = BUF_INIT;
  buf_printf(&b, "%s · %s", u->zCode, u->zGroup);
  double h = pdf_text(p, x + PDF_CW * 0.6, y + 3, PDF_CW * 0.4 - 6, buf_str(&b), 8.5, 0, 0x757575,
                      PANGO_ALIGN_RIGHT);
  y += fmax(h, 19) + 2;
  buf_reset(&b);
  label_unit_headline(m, u, &b);
  y += pdf_text(p, x + 6, y, PDF_CW - 12, buf_str(&b), 8.5, 0, 0x37474F, PANGO_ALIGN_LEFT) + 2;
  buf_reset(&b);
  label_score_parts(m, u, &b);
  if (b.n) y += pdf_text(p, x + 6, y, PDF_CW - 12, buf_str(&b), 8.5, 0, 0x37474F, PANGO_ALIGN_LEFT);
  y += 2;
  /* four key figures */
  char zTotal[32], zChange[32], zTotalChange[32];
  label_pts(zTotal, u->rTotal);
  label_rank_change(m, u->bChange, u->iRankChange, zChange);
  label_total_change(u->bChange, u->rTotalChange, zTotalChange);
  Buf rank = BUF_INIT, chg = BUF_INIT, tot = BUF_INIT;
  label_rank_of(m, u->iRank, u->nGroupSize, &rank);
  buf_printf(&chg, "%s%s%s", zChange, u->bChange ? " " : "", u->bChange ? zTotalChange : "");
  buf_printf(&tot, "%s(%s)", label_get(m, L_CARD_TOTAL), m->eLang == RP_EN ? "pts" : "分");
  const char *azBig[4] = {zTotal, buf_str(&rank), u->zGrade ? u->zGrade : "—", buf_str(&chg)};
  const char *azSmall[4] = {buf_str(&tot), label_get(m, L_CARD_RANK), label_get(m, L_COL_GRADE),
                            label_get(m, L_CARD_CHANGE)};
  double wBox = (PDF_CW - 12 - 3 * 6) / 4;
  for (int i = 0; i < 4; i++) {
    double bx = x + 6 + i * (wBox + 6);
    pdf_fill_rect(p, bx, y, wBox, 34, 0xFFF3F0);
    pdf_cell_text(p, bx, y + 13, wBox, azBig[i], 13, 1, CHART_RED, PANGO_ALIGN_CENTER);
    pdf_cell_text(p, bx, y + 27, wBox, azSmall[i], 7.5, 0, 0x616161, PANGO_ALIGN_CENTER);
  }
  y += 40;
  buf_free(&rank);
  buf_free(&chg);
  buf_free(&tot);
  if (u->flags.n) {
    buf_reset(&b);
    label_flags(m, &u->flags, &b);
    y += pdf_text(p, x + 6, y, PDF_CW - 12, buf_str(&b), 9, 1, CHART_RED, PANGO_ALIGN_LEFT) + 2;
  }
  /* left: the lists; right: the radar */
  double s = radar ? fmin(0.75, 190 / radar->w) : 0;
  double wRadar = radar ? radar->w * s : 0;
  double wText = PDF_CW - 12 - (radar ? wRadar + 8 : 0);
  double yText = y;
  Arena *a = arena_new();
  const char **az = xcalloc(8, sizeof(char *));
  for (int i = 0; i < u->nStrong && i < 8; i++) {
    buf_reset(&b);
    label_strength(m, &u->aStrong[i], &b);
    az[i] = arena_strdup(a, buf_str(&b));
  }
  yText += pdf_bullets(p, x + 6, yText, wText, label_get(m, L_STRENGTHS), az,
                       u->nStrong < 8 ? u->nStrong : 8, label_get(m, L_NONE));
  for (int i = 0; i < u->nShort && i < 8; i++) {
    buf_reset(&b);
    label_shortfall(m, &u->aShort[i], &b);
    az[i] = arena_strdup(a, buf_str(&b));
  }
  yText += pdf_bullets(p, x + 6, yText, wText, label_get(m, L_SHORTFALLS), az,
                       u->nShort < 8 ? u->nShort : 8, label_get(m, L_NONE));
  for (int i = 0; i < u->nPot && i < 8; i++) {
    buf_reset(&b);
    label_potential(m, &u->aPot[i], &b);
    az[i] = arena_strdup(a, buf_str(&b));
  }
  yText += pdf_bullets(p, x + 6, yText, wText, label_get(m, L_POTENTIAL), az,
                       u->nPot < 8 ? u->nPot : 8, label_get(m, L_NONE));
  buf_reset(&b);
  label_double_half(m, u, &b);
  az[0] = arena_strdup(a, buf_str(&b));
  yText += pdf_bullets(p, x + 6, yText, wText, label_get(m, L_DOUBLE_HALF), az, 1, "");
  free(az);
  arena_free(a);
  buf_free(&b);
  double yEnd = yText;
  if (radar) {
    pdf_chart(p, radar, PDF_W - PDF_MR - 6 - wRadar, y, s);
    if (y + radar->h * s > yEnd) yEnd = y + radar->h * s;
  }
  yEnd += 6;
  if (!p->bMeasure) {
    pdf_rgb(p->cr, 0xBDBDBD, 1);
    cairo_set_line_width(p->cr, 0.6);
    cairo_rectangle(p->cr, x, p->y, PDF_CW, yEnd - p->y);
    cairo_stroke(p->cr);
  }
  return yEnd - p->y;
}

static void pdf_card(Pdf *p, const RpUnit *u) {
  Chart *radar = report_unit_radar(p->m, u);
  int bSave = p->bMeasure;
  p->bMeasure = 1;
  double h = pdf_card_body(p, u, radar);
  p->bMeasure = bSave;
  pdf_need(p, h);
  p->y += pdf_card_body(p, u, radar) + 12;
  chart_free(radar);
}

static void pdf_notes(Pdf *p) {
  const ReportModel *m = p->m;
  pdf_section(p, L_SEC_NOTES, 0);
  Buf b = BUF_INIT, prev = BUF_INIT;
  label_previous(m, &prev);
  buf_printf(&b, "%s: %s %s v%d\n%s: %s\n%s: %s\n%s: %d\n%s: %s\n%s: %s",
             label_get(m, L_NOTE_SCHEME), m->zSchemeCode, m->zSchemeName, m->iSchemeVersion,
             label_get(m, L_NOTE_METHOD), label_aggregation(m),
             label_get(m, L_NOTE_STATE), label_get(m, m->bDraft ? L_STATE_DRAFT : L_STATE_PUBLISHED),
             label_get(m, L_NOTE_REVISION), m->iRevision,
             label_get(m, L_NOTE_INPUTS), m->zInputsSha ? m->zInputsSha : "—",
             label_get(m, L_COL_PREV), buf_str(&prev));
  buf_free(&prev);
  double h = pdf_text(p, PDF_ML, p->y, PDF_CW, buf_str(&b), 8.5, 0, CHART_INK, PANGO_ALIGN_LEFT);
  pdf_need(p, h);
  p->y += h + 6;
  buf_free(&b);
  const char *zNote = m->eLang == RP_EN
    ? "Totals are points (pts) out of the scheme's full score; ranks are within each peer "
      "group; changes compare with the previous published review. Category columns give the "
      "points each category contributed."
    : "总分单位为分,满分按考核方案;名次为组内名次;变化与上期已发布点评比较;分类得分为各一级指标对总分的贡献。";
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, zNote, 8.5, 0, 0x616161, PANGO_ALIGN_LEFT);
  if (m->bRobust) {
    Buf r = BUF_INIT;
    buf_printf(&r, "%s: ", label_get(m, L_NOTE_ROBUST));
    label_robust_method(m, &r);
    Buf sens = BUF_INIT;
    label_robust_sensitivity(m, &sens);
    if (sens.n) buf_printf(&r, "\n%s", buf_str(&sens));
    buf_free(&sens);
    int bMeasure = p->bMeasure; /* measure first: the paragraph moves to a new page whole */
    p->bMeasure = 1;
    double hR = pdf_text(p, PDF_ML, p->y + 6, PDF_CW, buf_str(&r), 8.5, 0, CHART_INK,
                         PANGO_ALIGN_LEFT);
    p->bMeasure = bMeasure;
    pdf_need(p, hR + 6);
    p->y += 6 + pdf_text(p, PDF_ML, p->y + 6, PDF_CW, buf_str(&r), 8.5, 0, CHART_INK,
                         PANGO_ALIGN_LEFT);
    buf_free(&r);
  }
}

/* 数据存疑: the cross-check flags (flag_section.h), as a table of unit, indicator, kind and
** evidence; a sentence when nothing was flagged. */
static void pdf_flags(Pdf *p) {
  const ReportModel *m = p->m;
  const RpFlags *f = m->pFlags;
  if (!f) return;
  if (p->y > PDF_MT + 1) pdf_new_page(p);
  double h = pdf_text(p, PDF_ML, p->y, PDF_CW, rp_flag_label(m, 0), 15, 1, CHART_RED,
                      PANGO_ALIGN_LEFT);
  pdf_hline(p, PDF_ML, PDF_W - PDF_MR, p->y + h + 2, 0xE0E0E0, 0.6);
  p->y += h + 10;
  p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, rp_flag_label(m, 5), 8.5, 0, 0x616161,
                   PANGO_ALIGN_LEFT) + 6;
  if (!f->nFlag) {
    p->y += pdf_text(p, PDF_ML, p->y, PDF_CW, rp_flag_label(m, 6), 8.5, 0, CHART_INK,
                     PANGO_ALIGN_LEFT) + 8;
    return;
  }
  const PdfCol aCol[] = {{rp_flag_label(m, 1), 80, PANGO_ALIGN_LEFT},
                         {rp_flag_label(m, 2), 95, PANGO_ALIGN_LEFT},
                         {rp_flag_label(m, 3), 60, PANGO_ALIGN_LEFT},
                         {rp_flag_label(m, 4), PDF_CW - 235, PANGO_ALIGN_LEFT}};
  const char **az = xcalloc((size_t)f->nFlag * 4, sizeof(char *));
  for (int i = 0; i < f->nFlag; i++) {
    az[i * 4] = f->aFlag[i].zUnitName;
    az[i * 4 + 1] = f->aFlag[i].zIndicator;
    az[i * 4 + 2] = rp_flag_kind(m, f->aFlag[i].zKind);
    az[i * 4 + 3] = f->aFlag[i].zReason;
  }
  pdf_table(p, aCol, 4, az, f->nFlag, NULL);
  free(az);
}

/* Lays the whole document out on p->pSurf; returns the number of pages. */
static int pdf_document(Pdf *p) {
  const ReportModel *m = p->m;
  p->cr = cairo_create(p->pSurf);
  p->iPage = 1;
  p->y = PDF_MT - 14;
  pdf_page_furniture(p);
  pdf_masthead(p);
  pdf_summary(p);
  pdf_lists(p);
  pdf_section(p, L_SEC_RANKING, 1);
  for (int g = 0; g < m->nGroup; g++) pdf_group(p, &m->aGroup[g]);
  pdf_section(p, L_SEC_UNITS, 1);
  for (int g = 0; g < m->nGroup; g++)
    for (int i = 0; i < m->aGroup[g].nUnit; i++) pdf_card(p, &m->aUnit[m->aGroup[g].aUnit[i]]);
  pdf_flags(p);
  pdf_notes(p);
  pdf_page_end(p);
  return p->iPage;
}

static cairo_status_t pdf_discard(void *pArg, const unsigned char *z, unsigned int n) {
  (void)pArg, (void)z, (void)n;
  return CAIRO_STATUS_SUCCESS;
}

int report_pdf(const ReportModel *m, const char *zPath, char **pzErr) {
  Buf title = BUF_INIT, period = BUF_INIT, notices = BUF_INIT;
  label_title(m, &title);
  label_period(m, &period);
  label_notices(m, &notices);
  Pdf p = {.m = m, .zTitle = buf_str(&title), .zPeriod = buf_str(&period),
           .zNotices = buf_str(&notices)};
  int rc = 0;
  /* pass 1: count pages */
  p.pSurf = cairo_pdf_surface_create_for_stream(pdf_discard, NULL, PDF_W, PDF_H);
  int nPage = pdf_document(&p);
  cairo_destroy(p.cr);
  cairo_surface_destroy(p.pSurf);
  /* pass 2: the file */
  p.nPage = nPage;
  p.pSurf = cairo_pdf_surface_create(zPath, PDF_W, PDF_H);
  if (cairo_surface_status(p.pSurf) != CAIRO_STATUS_SUCCESS) {
    *pzErr = xasprintf("%s: %s", zPath, cairo_status_to_string(cairo_surface_status(p.pSurf)));
    cairo_surface_destroy(p.pSurf);
    rc = -1;
    goto done;
  }
  Buf subject = BUF_INIT;
  buf_printf(&subject, "%s %s", buf_str(&period), buf_str(&notices));
  cairo_pdf_surface_set_metadata(p.pSurf, CAIRO_PDF_METADATA_TITLE, buf_str(&title));
  cairo_pdf_surface_set_metadata(p.pSurf, CAIRO_PDF_METADATA_SUBJECT, buf_str(&subject));
  cairo_pdf_surface_set_metadata(p.pSurf, CAIRO_PDF_METADATA_CREATOR, "kaoping report");
  buf_free(&subject);
  int nPage2 = pdf_document(&p);
  cairo_status_t st = cairo_status(p.cr);
  cairo_destroy(p.cr);
  cairo_surface_finish(p.pSurf);
  if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(p.pSurf);
  cairo_surface_destroy(p.pSurf);
  if (st != CAIRO_STATUS_SUCCESS) {
    *pzErr = xasprintf("%s: %s", zPath, cairo_status_to_string(st));
    rc = -1;
  } else if (nPage2 != nPage) {
    /* both passes run the same layout code: a difference is a bug, never a user error */
    *pzErr = xasprintf("internal error: the PDF layout gave %d then %d pages", nPage, nPage2);
    rc = -1;
  }
done:
  buf_free(&title);
  buf_free(&period);
  buf_free(&notices);
  return rc;
}

void report_pdf_shutdown(void) {
  /* Order matters: pango's default font map holds cairo fonts, which hold
  ** fontconfig-backed faces in cairo's static caches. */
  pango_cairo_font_map_set_default(NULL);
  cairo_debug_reset_static_data();
}

/* LeakSanitizer suppressions compiled into the binary (the sanitizer runtime calls this
** hook; other builds never do). Two leaks remain after report_pdf_shutdown, both inside
** the libraries, not in kaoping: cairo 1.16 loses font-subset buffers while it finishes a
** PDF surface, and fontconfig keeps what it parsed from its XML configuration. The
** libraries have no frame pointers, so the sanitizer's fast unwinder stops at their first
** frame and only the library name can be matched: the price is that a cairo object
** kaoping forgot to destroy would be hidden too, which is why every cairo and pango object
** in pdf.c is created and destroyed in the same function. Weak, so that a module with
** wider needs can define the hook instead. */
__attribute__((weak)) const char *__lsan_default_suppressions(void);
__attribute__((weak)) const char *__lsan_default_suppressions(void) {
  return "leak:libcairo.so\nleak:libfontconfig.so\n";
}

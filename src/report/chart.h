/*
** chart.h: the bulletin's charts as device-independent display lists.
**
** A chart is computed once, here, as a list of primitive operations (rectangles, lines,
** polygons, text) in abstract units (1 unit = 1 CSS px = 0.75 pt), and then drawn by a
** backend: SVG inline in the HTML bulletin (html.c), cairo paths in the PDF (pdf.c). So the
** ranking bars and the radars have one geometry, and the HTML and the PDF cannot show
** different pictures of the same numbers.
**
** Text is positioned by its anchor point: x is the start, middle or end of the text
** (eAnchor) and y its vertical centre; each backend maps that to its own text model. Widths
** needed for layout are estimated by chart_text_width (CJK = 1 em, Latin = 0.55 em), which
** is good enough for label columns with a margin, and identical for both backends.
*/
#ifndef KP_REPORT_CHART_H
#define KP_REPORT_CHART_H
#include <stdint.h>

#include "util/mem.h"

#define CHART_NONE 0xFFFFFFFFu /* no fill / no stroke */

typedef enum { CHART_RECT, CHART_LINE, CHART_POLYGON, CHART_TEXT } ChartKind;
typedef enum { CHART_START, CHART_MIDDLE, CHART_END } ChartAnchor;

typedef struct ChartOp {
  ChartKind eKind;
  double x, y, w, h;   /* RECT: corner and size; LINE: (x,y) -> (w,h) as x2,y2;
                       ** TEXT: anchor point */
  double *aXY;         /* POLYGON: nPt (x,y) pairs */
  int nPt;
  uint32_t fill;       /* 0xRRGGBB or CHART_NONE */
  uint32_t stroke;     /* 0xRRGGBB or CHART_NONE */
  double rStroke;      /* stroke width */
  double rAlpha;       /* fill opacity, 0..1 */
  int bDash;           /* dashed stroke */
  char *zText;         /* TEXT: UTF-8 */
  double rFont;        /* TEXT: font size */
  int bBold;
  ChartAnchor eAnchor;
} ChartOp;

typedef struct Chart {
  double w, h;         /* extent */
  char *zTitle;        /* accessible name (SVG <title>), may be NULL */
  ChartOp *aOp;
  int nOp, nAlloc;
  Arena *pArena;       /* texts and point arrays */
} Chart;

/* One bar of a ranking chart. */
typedef struct ChartBar {
  const char *zLabel;  /* unit name */
  double rValue;       /* bar length in axis units (NaN: no bar) */
  const char *zValue;  /* printed at the bar's end, e.g. "87.25" */
  uint32_t rgb;        /* bar colour */
} ChartBar;

/* Horizontal ranking bars, first bar on top, axis from 0 to rMax, width w. */
Chart *chart_bars(const char *zTitle, const ChartBar *aBar, int nBar, double rMax, double w);

/* A radar of nAxis (>= 3) shares in [0,1] (clamped; NaN drawn at 0): the unit's polygon
** filled, the reference polygon dashed, a legend below. Size: w x h fits the labels. */
Chart *chart_radar(const char *zTitle, const char *const *azAxis, const double *aUnit,
                   const double *aRef, int nAxis, const char *zUnitLegend,
                   const char *zRefLegend);

/* One row of a rank-interval chart. */
typedef struct ChartInterval {
  const char *zLabel;  /* unit name */
  int iRank;           /* official rank (a dot) */
  int iLo, iHi;        /* 5th-95th percentile ranks (a bar from lo to hi) */
} ChartInterval;

/* Rank intervals of one peer group, first row on top: an axis of ranks 1 (left) to nMax,
** a bar from lo to hi and a dot at the official rank; the text "3 (2–5)" at the right. */
Chart *chart_intervals(const char *zTitle, const ChartInterval *aRow, int nRow, int nMax,
                       double w);

void chart_free(Chart *p);

/* Estimated advance width of UTF-8 text at font size rFont. */
double chart_text_width(const char *z, double rFont);

/* The bulletin's palette, shared by every format. */
#define CHART_RED 0xC62828u    /* 红榜, headings, the unit's radar */
#define CHART_BLUE 0x1565C0u   /* ordinary bars, the reference polygon */
#define CHART_GREY 0x546E7Au   /* 黑榜 bars */
#define CHART_INK 0x212121u
#define CHART_FAINT 0xBDBDBDu

#endif

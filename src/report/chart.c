/*
** chart.c: layout of the bulletin's charts into display lists (chart.h).
**
** Everything here is arithmetic on rectangles and angles; nothing draws. The two layouts:
**  - ranking bars: one row per unit, label column sized to the longest name (capped at 40 %
**    of the width), bars from 0 so that lengths compare honestly, value printed after each
**    bar, vertical grid lines at "nice" steps (1, 2 or 5 x 10^k) with tick labels below;
**  - radar: axes clockwise from 12 o'clock, rings at 25 % steps, labels outside the rim
**    anchored by the side they fall on, legend centred below.
*/
#include "report/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ChartOp *chart_op(Chart *p, ChartKind e) {
  if (p->nOp == p->nAlloc) {
    p->nAlloc = p->nAlloc ? 2 * p->nAlloc : 32;
    p->aOp = xrealloc_array(p->aOp, (size_t)p->nAlloc, sizeof(ChartOp));
  }
  ChartOp *o = &p->aOp[p->nOp++];
  memset(o, 0, sizeof *o);
  o->eKind = e;
  o->fill = CHART_NONE;
  o->stroke = CHART_NONE;
  o->rAlpha = 1;
  o->rStroke = 1;
  return o;
}

static Chart *chart_new(const char *zTitle) {
  Chart *p = xcalloc(1, sizeof *p);
  p->pArena = arena_new();
  p->zTitle = zTitle ? arena_strdup(p->pArena, zTitle) : NULL;
  return p;
}

void chart_free(Chart *p) {
  if (!p) return;
  free(p->aOp);
  arena_free(p->pArena);
  free(p);
}

static void chart_rect(Chart *p, double x, double y, double w, double h, uint32_t fill) {
  ChartOp *o = chart_op(p, CHART_RECT);
  o->x = x, o->y = y, o->w = w, o->h = h, o->fill = fill;
}

static void chart_line(Chart *p, double x1, double y1, double x2, double y2, uint32_t rgb,
                       double rWidth, int bDash) {
  ChartOp *o = chart_op(p, CHART_LINE);
  o->x = x1, o->y = y1, o->w = x2, o->h = y2;
  o->stroke = rgb, o->rStroke = rWidth, o->bDash = bDash;
}

static void chart_text(Chart *p, double x, double y, const char *z, double rFont,
                       ChartAnchor e, uint32_t rgb, int bBold) {
  ChartOp *o = chart_op(p, CHART_TEXT);
  o->x = x, o->y = y, o->zText = arena_strdup(p->pArena, z ? z : "");
  o->rFont = rFont, o->eAnchor = e, o->fill = rgb, o->bBold = bBold;
}

static ChartOp *chart_polygon(Chart *p, const double *aXY, int nPt) {
  ChartOp *o = chart_op(p, CHART_POLYGON);
  o->aXY = arena_alloc(p->pArena, sizeof(double) * 2 * (size_t)nPt);
  memcpy(o->aXY, aXY, sizeof(double) * 2 * (size_t)nPt);
  o->nPt = nPt;
  return o;
}

double chart_text_width(const char *z, double rFont) {
  double w = 0;
  const unsigned char *u = (const unsigned char *)z;
  while (*u) {
    unsigned c = *u;
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    unsigned cp = c;
    if (n == 3 && u[1] && u[2]) cp = ((c & 0x0F) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
    /* CJK ideographs, kana, full-width forms and the punctuation around them: one em. */
    w += (n >= 3 && cp >= 0x1100) || n == 4 ? rFont : rFont * 0.56;
    for (int i = 0; i < n && *u; i++) u++;
  }
  return w;
}

/* The tick step for an axis 0..rMax with about 5 intervals: 1, 2 or 5 x 10^k. */
static double chart_nice_step(double rMax) {
  if (!(rMax > 0)) return 1;
  double raw = rMax / 5;
  double p10 = pow(10, floor(log10(raw)));
  double f = raw / p10;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p10;
}

Chart *chart_bars(const char *zTitle, const ChartBar *aBar, int nBar, double rMax, double w) {
  Chart *p = chart_new(zTitle);
  const double rFont = 12, rRow = 22, rBar = 14, rTop = 6, rAxis = 22;
  double wLabel = 0, wValue = 0;
  for (int i = 0; i < nBar; i++) {
    double t = chart_text_width(aBar[i].zLabel, rFont);
    if (t > wLabel) wLabel = t;
    t = chart_text_width(aBar[i].zValue ? aBar[i].zValue : "", rFont);
    if (t > wValue) wValue = t;
  }
  if (wLabel > 0.4 * w) wLabel = 0.4 * w;
  double x0 = wLabel + 10, x1 = w - wValue - 10;
  if (x1 < x0 + 40) x1 = x0 + 40;
  for (int i = 0; i < nBar; i++) {
    if (!isnan(aBar[i].rValue) && aBar[i].rValue > rMax) rMax = aBar[i].rValue;
  }
  double step = chart_nice_step(rMax);
  double rTop1 = ceil(rMax / step - 1e-9) * step;
  if (!(rTop1 > 0)) rTop1 = 1;
  double scale = (x1 - x0) / rTop1;
  double yBottom = rTop + nBar * rRow;
  p->w = w;
  p->h = yBottom + rAxis;
  /* grid first, so that bars paint over it */
  for (double t = 0; t <= rTop1 + 1e-9; t += step) {
    double x = x0 + t * scale;
    chart_line(p, x, rTop, x, yBottom, t == 0 ? CHART_INK : CHART_FAINT, t == 0 ? 1 : 0.5, 0);
    char z[32];
    snprintf(z, sizeof z, "%g", t);
    chart_text(p, x, yBottom + 11, z, 10, CHART_MIDDLE, CHART_GREY, 0);
  }
  for (int i = 0; i < nBar; i++) {
    double yMid = rTop + i * rRow + rRow / 2;
    chart_text(p, x0 - 6, yMid, aBar[i].zLabel, rFont, CHART_END, CHART_INK, 0);
    double len = isnan(aBar[i].rValue) ? 0 : fmax(0, aBar[i].rValue) * scale;
    if (len > 0) chart_rect(p, x0, yMid - rBar / 2, len, rBar, aBar[i].rgb);
    if (aBar[i].zValue)
      chart_text(p, x0 + len + 4, yMid, aBar[i].zValue, rFont, CHART_START, CHART_INK, 1);
  }
  return p;
}

Chart *chart_intervals(const char *zTitle, const ChartInterval *aRow, int nRow, int nMax,
                       double w) {
  Chart *p = chart_new(zTitle);
  const double rFont = 12, rRow = 22, rTop = 6, rAxis = 22, rBar = 8;
  double wLabel = 0;
  for (int i = 0; i < nRow; i++) {
    double t = chart_text_width(aRow[i].zLabel, rFont);
    if (t > wLabel) wLabel = t;
  }
  if (wLabel > 0.4 * w) wLabel = 0.4 * w;
  if (nMax < 1) nMax = 1;
  double wValue = chart_text_width("99 (99–99)", rFont);
  double x0 = wLabel + 16, x1 = w - wValue - 16;
  if (x1 < x0 + 40) x1 = x0 + 40;
  /* rank r at x0 + (r - 1) * step: rank 1 (best) on the left */
  double step = nMax > 1 ? (x1 - x0) / (nMax - 1) : 0;
  double yBottom = rTop + nRow * rRow;
  p->w = w;
  p->h = yBottom + rAxis;
  int nEvery = nMax <= 12 ? 1 : nMax <= 30 ? 5 : 10;
  for (int r = 1; r <= nMax; r++) {
    if (r != 1 && r != nMax && r % nEvery) continue;
    double x = x0 + (r - 1) * step;
    chart_line(p, x, rTop, x, yBottom, CHART_FAINT, 0.5, 0);
    char z[16];
    snprintf(z, sizeof z, "%d", r);
    chart_text(p, x, yBottom + 11, z, 10, CHART_MIDDLE, CHART_GREY, 0);
  }
  for (int i = 0; i < nRow; i++) {
    const ChartInterval *q = &aRow[i];
    double yMid = rTop + i * rRow + rRow / 2;
    chart_text(p, x0 - 10, yMid, q->zLabel, rFont, CHART_END, CHART_INK, 0);
    double xa = x0 + (q->iLo - 1) * step, xb = x0 + (q->iHi - 1) * step;
    /* the interval: a bar at least as wide as the dot, so a certain place shows too */
    chart_rect(p, xa - 4, yMid - rBar / 2, xb - xa + 8, rBar, CHART_FAINT);
    double xr = x0 + (q->iRank - 1) * step;
    chart_rect(p, xr - 4, yMid - 4, 8, 8, q->iLo == q->iHi ? CHART_BLUE : CHART_RED);
    char z[48];
    if (q->iLo == q->iHi) snprintf(z, sizeof z, "%d", q->iRank);
    else snprintf(z, sizeof z, "%d (%d–%d)", q->iRank, q->iLo, q->iHi);
    chart_text(p, x1 + 12, yMid, z, rFont, CHART_START, CHART_INK, 0);
  }
  return p;
}

Chart *chart_radar(const char *zTitle, const char *const *azAxis, const double *aUnit,
                   const double *aRef, int nAxis, const char *zUnitLegend,
                   const char *zRefLegend) {
  Chart *p = chart_new(zTitle);
  const double rFont = 11, R = 78;
  double wLabel = 0;
  for (int i = 0; i < nAxis; i++) {
    double t = chart_text_width(azAxis[i], rFont);
    if (t > wLabel) wLabel = t;
  }
  if (wLabel > 110) wLabel = 110;
  double cx = R + wLabel + 14, cy = R + 22;
  p->w = 2 * cx;
  p->h = cy + R + 40;
  double *aXY = xmalloc_array((size_t)nAxis * 2 + 2, sizeof(double));
  /* Angle of axis i: clockwise from 12 o'clock. */
#define RADAR_X(i, r) (cx + (r) * sin(2 * M_PI * (i) / nAxis))
#define RADAR_Y(i, r) (cy - (r) * cos(2 * M_PI * (i) / nAxis))
  for (int ring = 1; ring <= 4; ring++) {
    double r = R * ring / 4;
    for (int i = 0; i < nAxis; i++) {
      aXY[2 * i] = RADAR_X(i, r);
      aXY[2 * i + 1] = RADAR_Y(i, r);
    }
    ChartOp *o = chart_polygon(p, aXY, nAxis);
    o->stroke = CHART_FAINT;
    o->rStroke = ring == 4 ? 1 : 0.5;
  }
  for (int i = 0; i < nAxis; i++) {
    chart_line(p, cx, cy, RADAR_X(i, R), RADAR_Y(i, R), CHART_FAINT, 0.5, 0);
    double s = sin(2 * M_PI * i / nAxis), c = cos(2 * M_PI * i / nAxis);
    ChartAnchor e = s > 0.3 ? CHART_START : s < -0.3 ? CHART_END : CHART_MIDDLE;
    double lx = RADAR_X(i, R + 8), ly = RADAR_Y(i, R + 8);
    if (e == CHART_MIDDLE) ly -= c > 0 ? 6 : -6;
    chart_text(p, lx, ly, azAxis[i], rFont, e, CHART_INK, 0);
  }
  chart_text(p, cx + 3, cy - R / 2, "50%", 8, CHART_START, CHART_GREY, 0);
  chart_text(p, cx + 3, cy - R, "100%", 8, CHART_START, CHART_GREY, 0);
  for (int k = 0; k < 2; k++) {
    const double *a = k == 0 ? aRef : aUnit;
    if (!a) continue;
    for (int i = 0; i < nAxis; i++) {
      double v = isnan(a[i]) ? 0 : fmin(1, fmax(0, a[i]));
      aXY[2 * i] = RADAR_X(i, R * v);
      aXY[2 * i + 1] = RADAR_Y(i, R * v);
    }
    ChartOp *o = chart_polygon(p, aXY, nAxis);
    if (k == 0) {
      o->stroke = CHART_BLUE;
      o->rStroke = 1.5;
      o->bDash = 1;
    } else {
      o->fill = CHART_RED;
      o->rAlpha = 0.25;
      o->stroke = CHART_RED;
      o->rStroke = 1.5;
    }
  }
#undef RADAR_X
#undef RADAR_Y
  free(aXY);
  /* legend: a swatch and a label for each polygon, centred under the chart */
  double yL = cy + R + 28;
  double w1 = chart_text_width(zUnitLegend, 10), w2 = chart_text_width(zRefLegend, 10);
  double x = cx - (w1 + w2 + 60) / 2;
  ChartOp *o = chart_op(p, CHART_RECT);
  o->x = x, o->y = yL - 5, o->w = 14, o->h = 10;
  o->fill = CHART_RED, o->rAlpha = 0.25, o->stroke = CHART_RED;
  chart_text(p, x + 18, yL, zUnitLegend, 10, CHART_START, CHART_INK, 0);
  x += 18 + w1 + 14;
  chart_line(p, x, yL, x + 14, yL, CHART_BLUE, 1.5, 1);
  chart_text(p, x + 18, yL, zRefLegend, 10, CHART_START, CHART_INK, 0);
  return p;
}

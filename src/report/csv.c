/*
** csv.c (report): the unit results of a review as CSV, for spreadsheets and other programs.
**
** One row per unit, groups in order and units by rank within each:
**   period,group,rank,rank_lo,rank_hi,unit,name,total,grade,rank_change,total_change,flags,notice
** rank_lo, rank_hi: the rank interval (5th and 95th percentile rank, docs/robustness.md) as
** two numbers; empty for a review without intervals.
** RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF, quotes
** doubled. UTF-8 with a byte-order mark, because Excel on Chinese Windows reads a CSV
** without one as GBK and shows the names as mojibake. Numbers are the review's own values
** in their shortest round-trip form (not rounded to 2 decimals as in the bulletin), so a
** program reading this file gets exactly the JSON's numbers. Empty = null (no previous).
** flags: the review's flag codes (VETO, VETO_TOP) joined by ";".
** notice: "未发布 · 草稿" and/or "演示数据(合成,非官方)" on every row when they apply, so
** that no copy of a row loses the mark (a CSV has no header or footer to carry it).
**
** Text fields that a spreadsheet would run as a formula (starting with = + - @ TAB CR) get
** a leading apostrophe (the OWASP "CSV injection" defence); numeric fields never start so
** except with a minus sign, and they are written by this file, not taken from input.
*/
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/label.h"
#include "util/text.h"

/* Appends one text field, quoted as RFC 4180 needs, apostrophe-guarded against formulas. */
static void csv_field(Buf *p, const char *z, int bFirst) {
  if (!bFirst) buf_putc(p, ',');
  if (!z) return;
  int bGuard = z[0] == '=' || z[0] == '+' || z[0] == '-' || z[0] == '@' || z[0] == '\t' ||
               z[0] == '\r';
  int bQuote = strpbrk(z, ",\"\r\n") != NULL;
  if (bQuote) buf_putc(p, '"');
  if (bGuard) buf_putc(p, '\'');
  for (const char *c = z; *c; c++) {
    if (*c == '"') buf_putc(p, '"');
    buf_putc(p, *c);
  }
  if (bQuote) buf_putc(p, '"');
}

/* A number field: shortest round-trip text, empty for NaN. */
static void csv_number(Buf *p, double r) {
  char z[32];
  buf_putc(p, ',');
  if (isnan(r)) return;
  /* Whole numbers directly: text_fmt_double picks the shortest %g that round-trips, which
  ** for 50 is "5e+01" (a valid number, but not what a person expects in a table). */
  if (r == floor(r) && fabs(r) < 1e15) snprintf(z, sizeof z, "%.0f", r == 0 ? 0.0 : r);
  else text_fmt_double(z, r);
  buf_puts(p, z);
}

void report_csv(const ReportModel *m, Buf *p) {
  static const char *azHead[] = {"period", "group", "rank", "rank_lo", "rank_hi", "unit",
                                 "name", "total", "grade",
                                 "rank_change", "total_change", "flags", "notice"};
  buf_puts(p, "\xEF\xBB\xBF");
  for (size_t i = 0; i < sizeof azHead / sizeof azHead[0]; i++) csv_field(p, azHead[i], i == 0);
  buf_puts(p, "\r\n");
  Buf notices = BUF_INIT, flags = BUF_INIT;
  label_notices(m, &notices);
  for (int g = 0; g < m->nGroup; g++) {
    const RpGroup *pG = &m->aGroup[g];
    for (int i = 0; i < pG->nUnit; i++) {
      const RpUnit *u = &m->aUnit[pG->aUnit[i]];
      csv_field(p, m->zPeriod, 1);
      csv_field(p, u->zGroup, 0);
      csv_number(p, u->iRank);
      csv_number(p, u->bInterval ? u->iRankLo : NAN);
      csv_number(p, u->bInterval ? u->iRankHi : NAN);
      csv_field(p, u->zCode, 0);
      csv_field(p, u->zName, 0);
      csv_number(p, u->rTotal);
      csv_field(p, u->zGrade, 0);
      csv_number(p, u->bChange ? (double)u->iRankChange : NAN);
      csv_number(p, u->bChange ? u->rTotalChange : NAN);
      buf_reset(&flags);
      for (int k = 0; k < u->flags.n; k++) {
        if (k) buf_putc(&flags, ';');
        buf_puts(&flags, u->flags.az[k]);
      }
      csv_field(p, buf_str(&flags), 0);
      csv_field(p, buf_str(&notices), 0);
      buf_puts(p, "\r\n");
    }
  }
  buf_free(&notices);
  buf_free(&flags);
}

/*
** report.h: the renderers of the review bulletin, one per format, all reading the same
** ReportModel (model.h) and the same phrases (label.h). `kaoping report` (report.c)
** loads the model, calls one of these and moves the result into place.
**
** Text formats render into a Buf (they cannot fail); PDF and XLSX write a file at zPath
** (their libraries write files) and return 0, or -1 with *pzErr (malloc'd). Each renderer
** marks an unpublished review as a draft (未发布 · 草稿) and synthetic data as such, in the
** way its format allows: every page (HTML print, PDF), every sheet's print header (XLSX), a
** notice column (CSV), a quote block on top (Markdown).
*/
#ifndef KP_REPORT_REPORT_H
#define KP_REPORT_REPORT_H
#include "report/chart.h"
#include "report/model.h"
#include "util/mem.h"

void report_html(const ReportModel *m, Buf *pOut);
void report_csv(const ReportModel *m, Buf *pOut);
void report_md(const ReportModel *m, Buf *pOut);
int report_pdf(const ReportModel *m, const char *zPath, char **pzErr);
int report_xlsx(const ReportModel *m, const char *zPath, char **pzErr);
/* Frees the process-wide font caches that pango, cairo and fontconfig keep after the first
** PDF (otherwise reported as leaks by LeakSanitizer). Only at process exit, with no PDF
** being rendered in any thread: it tears down global state. */
void report_pdf_shutdown(void);

/* Helpers the renderers share. The units of group g in ranking order. The unit's result
** for category iCat (NULL when the unit has none). Does category iCat have points for
** any unit of group g (the columns of a group's ranking table)? */
const RpCatResult *report_unit_cat(const RpUnit *u, int iCat);
/* Display share of a category result: value, else points / max_points; NaN when none. */
double report_cat_share(const RpCatResult *c);
/* Colour of a unit's ranking bar: red list red, black list grey, otherwise blue (a unit in
** both lists, as in a group of three or fewer, stays blue). */
unsigned report_bar_colour(const ReportModel *m, const RpGroup *g, int iUnit);
/* The categories a group's radar and table show: those with a result in the group.
** Fills aiCat (nCategory long), returns the count. */
int report_group_cats(const ReportModel *m, const RpGroup *g, int *aiCat);
/* The radar of unit u's category shares against its group's medians (chart.c display
** list, drawn by html.c as SVG and by pdf.c with cairo), or NULL when fewer than 3
** categories apply: a radar of two axes is a line. Caller frees with chart_free. */
Chart *report_unit_radar(const ReportModel *m, const RpUnit *u);

#endif

/*
** flag_section.h: the bulletin's section 数据存疑 (figures to check): the cross-check flags
** of the period (crosscheck_run: jumps, Benford, feed pairs; docs/crosscheck.md), each with
** its unit, indicator, kind and the evidence in words. Computed from the store when the
** bulletin is rendered, beside the review model; the review JSON and its inputs hash are
** not changed (the flags are derived data, like the supervision section), and the
** bulletin says the flags are as of rendering. Rendered by html.c, md.c and pdf.c.
*/
#ifndef KP_REPORT_FLAG_SECTION_H
#define KP_REPORT_FLAG_SECTION_H
#include "report/model.h"
#include "util/mem.h"

typedef struct RpFlag {
  char *zUnit, *zUnitName; /* the unit's name from the review, else its code */
  char *zKind;             /* jump, benford, pair */
  char *zIndicator;        /* leaf code and name ("B1 按时办结率"), or "—" (Benford) */
  char *zReason;           /* the evidence in words (crosscheck.c) */
} RpFlag;

typedef struct RpFlags {
  RpFlag *aFlag;
  int nFlag;
  int nChecked; /* period-over-period values compared + units tested + pairs */
} RpFlags;

/* Computes the flags of m->zPeriod into m->pFlags (m's arena). 0, or -1 with *pzErr. */
int rp_flags_load(Db *pDb, ReportModel *m, char **pzErr);
/* The kind in the bulletin's language (跳变 / 首位数字分布 / 数据比对). */
const char *rp_flag_kind(const ReportModel *m, const char *zKind);
/* Section labels: 0 title, 1 unit, 2 indicator, 3 kind, 4 evidence, 5 intro, 6 none. */
const char *rp_flag_label(const ReportModel *m, int i);
void rp_flags_html(const ReportModel *m, Buf *p);
void rp_flags_md(const ReportModel *m, Buf *p);

#endif

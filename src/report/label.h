/*
** label.h: the words of the bulletin. A zh/en label table, and the phrases every format
** prints (period name, title, city summary, change arrows, card sentences), written once
** so that the HTML, PDF, XLSX, CSV and Markdown say the same thing in the same words.
**
** Every function here produces plain UTF-8 text (never markup): each renderer escapes it
** for its own format (%h in HTML, RFC 4180 quoting in CSV, ...). Functions that build text
** append to a Buf (they allocate through it); label_get returns static storage.
*/
#ifndef KP_REPORT_LABEL_H
#define KP_REPORT_LABEL_H
#include "report/model.h"
#include "util/mem.h"

typedef enum {
  L_TITLE_SUFFIX, L_NOTICE_SYNTHETIC, L_NOTICE_DRAFT,
  L_SEC_SUMMARY, L_SEC_RANKING, L_SEC_LISTS, L_SEC_UNITS, L_SEC_NOTES,
  L_COL_RANK, L_COL_CODE, L_COL_UNIT, L_COL_GROUP, L_COL_TOTAL, L_COL_GRADE, L_COL_CHANGE,
  L_COL_TOTAL_CHANGE, L_COL_FLAGS, L_COL_PREV, L_COL_INDICATOR, L_COL_IND_CODE,
  L_COL_MEASURE, L_COL_VALUE, L_COL_TARGET, L_COL_SHARE, L_COL_POINTS, L_COL_MAX,
  L_COL_LOST, L_COL_IND_RANK, L_COL_MEDIAN,
  L_RED, L_BLACK, L_IMPROVED, L_DECLINED,
  L_STRENGTHS, L_SHORTFALLS, L_POTENTIAL, L_DOUBLE_HALF,
  L_CHART_TOTALS, L_RADAR, L_RADAR_UNIT, L_RADAR_MEDIAN,
  L_SHEET_DETAIL, L_SHEET_ABOUT, L_NONE, L_NO_PREVIOUS, L_PTS, L_CARD_TOTAL,
  L_CARD_RANK, L_CARD_CHANGE, L_DH_ACHIEVED, L_DH_NOT, L_DH_NONE, L_NOTE_METHOD,
  L_NOTE_SCHEME, L_NOTE_INPUTS, L_NOTE_REVISION, L_NOTE_STATE, L_STATE_PUBLISHED,
  L_STATE_DRAFT, L_BASE, L_BONUS, L_DEDUCT, L_PAGE_OF,
  L_FIG_UNITS, L_FIG_GROUPS, L_FIG_VETOES, L_FIG_BEHIND, L_FIG_MISSING,
  L_CHART_INTERVALS, L_NOTE_ROBUST, L_NOTE_ROBUST_CHOICES, L_NOTE_ROBUST_SENS,
  L_COUNT
} LabelId;

/* The label in the model's language (static storage). */
const char *label_get(const ReportModel *m, LabelId e);

/* "2021年第3期(5—6月)" / "2021 period 3 (May–Jun)", from the period code; the code itself
** when it is not one of the SCORING.md forms. */
void label_period(const ReportModel *m, Buf *pOut);
/* The bulletin title from the scheme name: a trailing note in brackets dropped, a trailing
** 考核方案/方案/考核 replaced by 点评通报 ("衡阳市高质量发展考核方案" -> "衡阳市高质量发展
** 点评通报"; "衡阳市2021年度高质量发展点评考核方案(演示)" -> "衡阳市2021年度高质量发展
** 点评通报"). English: "NAME — review bulletin". */
void label_title(const ReportModel *m, Buf *pOut);
/* The city summary paragraph (units, groups, vetoes, behind time progress, missing). */
void label_summary(const ReportModel *m, Buf *pOut);
/* The draft notice of an unpublished review: "未发布 · 草稿", with "(临时计算:考核期未关闭)"
** when it was computed while the period was open. Appends nothing for a published one. */
void label_draft(const ReportModel *m, Buf *pOut);
/* Notices that must head every page/sheet/file: draft, synthetic ("" when neither),
** joined by "; ". */
void label_notices(const ReportModel *m, Buf *pOut);

/* The previous published review compared with: "2021-B2(第1版)", or the no-previous note. */
void label_previous(const ReportModel *m, Buf *pOut);
/* The aggregation mode in words: "累加计分(points)" / "综合指数(index)". */
const char *label_aggregation(const ReportModel *m);
/* The five city figures of the overview (units, groups, vetoes, units behind time
** progress, units with missing data): values and captions, in this order. */
#define LABEL_N_CITY 5
void label_city_figures(const ReportModel *m, int aValue[LABEL_N_CITY],
                        const char *azCaption[LABEL_N_CITY]);

/* Fixed-format numbers into z (>= 32 bytes): points always with 2 decimals ("87.25");
** a value with at most 2 decimals and no trailing zeros; a share as a percentage. NaN
** prints as "—" (a dash, never 0). */
void label_pts(char *z, double r);
void label_value(char *z, double r);
void label_share(char *z, double r);
/* A value with its unit of measure: "12.3%", "3.2 亿元"; "—" for NaN. */
void label_value_unit(Buf *pOut, double r, const char *zUnit);

/* Change since the previous review: "↑2", "↓1", "持平"/"same", "—" without a previous;
** total change "+2.25" / "−3.00" / "—". */
void label_rank_change(const ReportModel *m, int bChange, int iChange, char *z);
void label_total_change(int bChange, double r, char *z);

/* A flag's name (VETO -> 一票否决); unknown flags print as they are. */
const char *label_flag(const ReportModel *m, const char *zFlag);
/* Flags joined with "、" / ", ". */
void label_flags(const ReportModel *m, const RpStrings *p, Buf *pOut);

/* The name of a leaf for a card line: the indicator's name, else the given name, else code. */
const char *label_indicator_name(const ReportModel *m, int iInd, const char *zName,
                                 const char *zCode);
const char *label_indicator_unit(const ReportModel *m, int iInd);

/* Card sentences, one per list entry. */
void label_strength(const ReportModel *m, const RpStrength *s, Buf *pOut);
void label_shortfall(const ReportModel *m, const RpShortfall *s, Buf *pOut);
void label_potential(const ReportModel *m, const RpPotential *s, Buf *pOut);
void label_double_half(const ReportModel *m, const RpUnit *u, Buf *pOut);
/* "第3名 / 7" line: rank within the group with its size. */
void label_rank_of(const ReportModel *m, int iRank, int nGroup, Buf *pOut);
/* The unit's headline: "总分87.25分,县市组第3名(共7个),等次良好,比上期↑1、+2.25分". */
void label_unit_headline(const ReportModel *m, const RpUnit *u, Buf *pOut);
/* How the total is made when bonus or deductions apply: "基础分88.10分 + 加分1.00分 −
** 扣分1.85分"; nothing when the review gives no parts or both are zero. */
void label_score_parts(const ReportModel *m, const RpUnit *u, Buf *pOut);
/* A rank with its 5th-95th percentile interval: "3 (2–5)"; "3" when the place is certain
** or the review has no interval. z: >= 48 bytes. */
void label_rank_interval(const RpUnit *u, char *z);
/* The method annex of the rank intervals: one paragraph (choices, draws, seed, how to read
** "3 (2–5)"); nothing when the review has no intervals. */
void label_robust_method(const ReportModel *m, Buf *pOut);
/* The Sobol' indices line: "weights S1 0.89, ST 0.95; method E3 …"; nothing when none. */
void label_robust_sensitivity(const ReportModel *m, Buf *pOut);
/* "Group 县市: 7 units" caption for a ranking table. */
void label_group_caption(const ReportModel *m, const RpGroup *g, Buf *pOut);

#endif

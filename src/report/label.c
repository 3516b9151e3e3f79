/*
** label.c: the zh/en label table and the shared phrases of label.h.
**
** Why one file: a bulletin's sentences ("将X提高到组内中位数可增加N分、前进M位") carry
** numbers, and if each format composed them itself the PDF and the HTML would drift apart
** the first time someone changed one. Here they are composed once, as plain text.
** Chinese is the default language of the product (DESIGN.md §8); English exists for
** visitors and reviewers, and only the labels change: unit and indicator names are data.
*/
#include "report/label.h"

#include "period.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const aLabel[L_COUNT][2] = {
  [L_TITLE_SUFFIX] = {"点评通报", "review bulletin"},
  [L_NOTICE_SYNTHETIC] = {"演示数据(合成,非官方)", "Demo data (synthetic, not official)"},
  [L_NOTICE_DRAFT] = {"未发布 · 草稿", "Unpublished · draft"},
  [L_SEC_SUMMARY] = {"一、总体情况", "1. Overview"},
  [L_SEC_LISTS] = {"二、红榜与黑榜", "2. Red and black lists"},
  [L_SEC_RANKING] = {"三、分组排名", "3. Rankings by peer group"},
  [L_SEC_UNITS] = {"四、单位点评", "4. Unit reviews"},
  [L_SEC_NOTES] = {"五、说明", "5. Notes"},
  [L_COL_RANK] = {"名次", "Rank"},
  [L_COL_CODE] = {"代码", "Code"},
  [L_COL_UNIT] = {"单位", "Unit"},
  [L_COL_GROUP] = {"组别", "Group"},
  [L_COL_TOTAL] = {"总分(分)", "Total (pts)"},
  [L_COL_GRADE] = {"等次", "Grade"},
  [L_COL_CHANGE] = {"名次变化", "Rank change"},
  [L_COL_TOTAL_CHANGE] = {"总分变化(分)", "Total change (pts)"},
  [L_COL_FLAGS] = {"标记", "Flags"},
  [L_COL_PREV] = {"上期", "Previous"},
  [L_COL_INDICATOR] = {"指标", "Indicator"},
  [L_COL_IND_CODE] = {"指标代码", "Indicator code"},
  [L_COL_MEASURE] = {"计量单位", "Measure"},
  [L_COL_VALUE] = {"指标值", "Value"},
  [L_COL_TARGET] = {"目标值", "Target"},
  [L_COL_SHARE] = {"得分率", "Share"},
  [L_COL_POINTS] = {"得分(分)", "Points"},
  [L_COL_MAX] = {"满分(分)", "Max (pts)"},
  [L_COL_LOST] = {"失分(分)", "Lost (pts)"},
  [L_COL_IND_RANK] = {"组内排名", "Rank in group"},
  [L_COL_MEDIAN] = {"组内中位数", "Group median"},
  [L_RED] = {"红榜(前三名)", "Red list (top 3)"},
  [L_BLACK] = {"黑榜(后三名)", "Black list (bottom 3)"},
  [L_IMPROVED] = {"进步最快", "Most improved"},
  [L_DECLINED] = {"退步最大", "Most declined"},
  [L_STRENGTHS] = {"长板", "Strengths"},
  [L_SHORTFALLS] = {"短板", "Shortfalls"},
  [L_POTENTIAL] = {"潜力", "Potential"},
  [L_DOUBLE_HALF] = {"双过半", "Double half (双过半)"},
  [L_CHART_TOTALS] = {"总分排名", "Totals"},
  [L_RADAR] = {"分类得分率", "Category shares"},
  [L_RADAR_UNIT] = {"本单位", "This unit"},
  [L_RADAR_MEDIAN] = {"组内中位数", "Group median"},
  [L_SHEET_DETAIL] = {"明细", "Detail"},
  [L_SHEET_ABOUT] = {"说明", "About"},
  [L_NONE] = {"无", "none"},
  [L_NO_PREVIOUS] = {"无上期已发布点评,不作比较", "no previous published review to compare"},
  [L_PTS] = {"分", " pts"},
  [L_CARD_TOTAL] = {"总分", "Total"},
  [L_CARD_RANK] = {"组内名次", "Rank in group"},
  [L_CARD_CHANGE] = {"较上期", "Since previous"},
  [L_DH_ACHIEVED] = {"已实现双过半", "double half achieved"},
  [L_DH_NOT] = {"未实现双过半", "double half not achieved"},
  [L_DH_NONE] = {"本期不评双过半(年中起评)", "not assessed before mid-year"},
  [L_NOTE_METHOD] = {"计分方式", "Aggregation"},
  [L_CHART_INTERVALS] = {"名次区间", "Rank intervals"},
  [L_NOTE_ROBUST] = {"名次区间", "Rank intervals"},
  [L_NOTE_ROBUST_CHOICES] = {"不确定选项", "Uncertain choices"},
  [L_NOTE_ROBUST_SENS] = {"敏感性(Sobol指数)", "Sensitivity (Sobol' indices)"},
  [L_NOTE_SCHEME] = {"考核方案", "Scheme"},
  [L_NOTE_INPUTS] = {"输入数据指纹(SHA-256)", "Inputs (SHA-256)"},
  [L_NOTE_REVISION] = {"版次", "Revision"},
  [L_NOTE_STATE] = {"状态", "State"},
  [L_STATE_PUBLISHED] = {"已发布", "published"},
  [L_STATE_DRAFT] = {"未发布(草稿)", "unpublished (draft)"},
  [L_BASE] = {"基础分", "base"},
  [L_BONUS] = {"加分", "bonus"},
  [L_DEDUCT] = {"扣分", "deductions"},
  [L_PAGE_OF] = {"第 %d 页 / 共 %d 页", "page %d of %d"},
  [L_FIG_UNITS] = {"考核单位(个)", "units"},
  [L_FIG_GROUPS] = {"考核组别(个)", "peer groups"},
  [L_FIG_VETOES] = {"一票否决(个)", "vetoes"},
  [L_FIG_BEHIND] = {"落后时序进度(个单位)", "behind time progress"},
  [L_FIG_MISSING] = {"数据缺报(个单位)", "with missing data"},
};

void label_previous(const ReportModel *m, Buf *pOut) {
  if (!m->zPrevPeriod) {
    buf_puts(pOut, label_get(m, L_NO_PREVIOUS));
    return;
  }
  buf_puts(pOut, m->zPrevPeriod);
  if (m->iPrevRevision > 0)
    buf_printf(pOut, m->eLang == RP_EN ? " (revision %d)" : "(第%d版)", m->iPrevRevision);
}

const char *label_aggregation(const ReportModel *m) {
  int en = m->eLang == RP_EN;
  if (!m->zAggregation) return "—";
  if (strcmp(m->zAggregation, "points") == 0) return en ? "points (sum of points)" : "累加计分(points)";
  if (strcmp(m->zAggregation, "index") == 0) return en ? "index (composite index)" : "综合指数(index)";
  return m->zAggregation;
}

void label_city_figures(const ReportModel *m, int aValue[LABEL_N_CITY],
                        const char *azCaption[LABEL_N_CITY]) {
  aValue[0] = m->nCityUnits, azCaption[0] = label_get(m, L_FIG_UNITS);
  aValue[1] = m->nCityGroups, azCaption[1] = label_get(m, L_FIG_GROUPS);
  aValue[2] = m->nVeto, azCaption[2] = label_get(m, L_FIG_VETOES);
  aValue[3] = m->nCityBehind, azCaption[3] = label_get(m, L_FIG_BEHIND);
  aValue[4] = m->nCityMissing, azCaption[4] = label_get(m, L_FIG_MISSING);
}

const char *label_get(const ReportModel *m, LabelId e) {
  const char *z = aLabel[e][m->eLang == RP_EN ? 1 : 0];
  return z ? z : "?";
}

static int label_is_en(const ReportModel *m) {
  return m->eLang == RP_EN;
}

void label_period(const ReportModel *m, Buf *pOut) {
  static const char *azMonth[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Period per;
  char *zErr = NULL;
  if (period_parse(m->zPeriod, &per, &zErr)) {
    free(zErr);
    buf_puts(pOut, m->zPeriod); /* not a SCORING.md code: show it as it is */
    return;
  }
  int y = per.iYear, n = per.iIndex, a = per.iFirstMonth, b = per.iLastMonth;
  int en = label_is_en(m);
  switch (per.eKind) {
    case PERIOD_BIMONTH:
      if (en) buf_printf(pOut, "%d period %d (%s–%s)", y, n, azMonth[a - 1], azMonth[b - 1]);
      else buf_printf(pOut, "%d年第%d期(%d—%d月)", y, n, a, b);
      break;
    case PERIOD_MONTH:
      if (en) buf_printf(pOut, "%s %d", azMonth[a - 1], y);
      else buf_printf(pOut, "%d年%d月", y, n);
      break;
    case PERIOD_QUARTER:
      if (en) buf_printf(pOut, "%d Q%d", y, n);
      else buf_printf(pOut, "%d年第%d季度", y, n);
      break;
    case PERIOD_HALF:
      if (en) buf_printf(pOut, "%d H%d", y, n);
      else buf_printf(pOut, "%d年%s", y, n == 1 ? "上半年" : "下半年");
      break;
    case PERIOD_YEAR:
      if (en) buf_printf(pOut, "Year %d", y);
      else buf_printf(pOut, "%d年度", y);
      break;
  }
}

/* Does z end with zSuffix? */
static int label_ends_with(const char *z, const char *zSuffix) {
  size_t n = strlen(z), nS = strlen(zSuffix);
  return n >= nS && memcmp(z + n - nS, zSuffix, nS) == 0;
}

void label_title(const ReportModel *m, Buf *pOut) {
  const char *zName = m->zSchemeName ? m->zSchemeName : "";
  if (label_is_en(m)) {
    buf_printf(pOut, "%s — review bulletin", zName);
    return;
  }
  if (label_ends_with(zName, "通报")) {
    buf_puts(pOut, zName);
    return;
  }
  /* A trailing note in brackets, "…考核方案(演示)", is not part of the title: the
  ** bulletin carries its own notices (synthetic, draft). */
  size_t n = strlen(zName);
  if (n > 0 && (zName[n - 1] == ')' || label_ends_with(zName, "）"))) {
    for (size_t k = n; k-- > 0;) {
      if (zName[k] == '(' || (k + 3 <= n && memcmp(zName + k, "（", 3) == 0)) {
        n = k;
        break;
      }
    }
  }
  Buf stem = BUF_INIT;
  buf_append(&stem, zName, n);
  static const char *azStrip[] = {"考核方案", "评价方案", "实施方案", "方案", "考核", "评价"};
  for (size_t i = 0; i < sizeof azStrip / sizeof azStrip[0]; i++) {
    if (label_ends_with(buf_str(&stem), azStrip[i])) {
      stem.n -= strlen(azStrip[i]);
      stem.z[stem.n] = 0;
      break;
    }
  }
  buf_puts(pOut, buf_str(&stem));
  /* "…高质量发展点评" + "通报", not "…点评点评通报" */
  buf_puts(pOut, label_ends_with(buf_str(&stem), "点评") ? "通报" : label_get(m, L_TITLE_SUFFIX));
  buf_free(&stem);
}

void label_pts(char *z, double r) {
  if (isnan(r)) snprintf(z, 32, "—");
  else snprintf(z, 32, "%.2f", fabs(r) < 0.005 ? 0.0 : r); /* no "-0.00" */
}

void label_value(char *z, double r) {
  if (isnan(r)) {
    snprintf(z, 32, "—");
    return;
  }
  if (fabs(r) >= 1e15) {
    snprintf(z, 32, "%.6g", r);
    return;
  }
  snprintf(z, 32, "%.2f", r);
  char *zDot = strchr(z, '.');
  if (zDot) {
    char *zEnd = z + strlen(z) - 1;
    while (zEnd > zDot && *zEnd == '0') *zEnd-- = 0;
    if (zEnd == zDot) *zEnd = 0;
  }
  if (strcmp(z, "-0") == 0) snprintf(z, 32, "0");
}

void label_share(char *z, double r) {
  if (isnan(r)) {
    snprintf(z, 32, "—");
    return;
  }
  char zNum[32];
  label_value(zNum, r * 100);
  snprintf(z, 32, "%.30s%%", zNum); /* label_value never writes 30 bytes */
}

void label_value_unit(Buf *pOut, double r, const char *zUnit) {
  char z[32];
  label_value(z, r);
  buf_puts(pOut, z);
  /* Chinese typesetting writes 3.2亿元 and 12.3% with no gap; names of units of measure
  ** are data (亿元, 个), so the English bulletin keeps them as they are. */
  if (!isnan(r) && zUnit) buf_puts(pOut, zUnit);
}

void label_draft(const ReportModel *m, Buf *pOut) {
  if (!m->bDraft) return;
  buf_puts(pOut, label_get(m, L_NOTICE_DRAFT));
  if (m->bProvisional)
    buf_puts(pOut, label_is_en(m) ? " (provisional: the period is still open)" : "(临时计算:考核期未关闭)");
}

void label_notices(const ReportModel *m, Buf *pOut) {
  label_draft(m, pOut);
  if (m->bDraft && m->bSynthetic) buf_puts(pOut, "; ");
  if (m->bSynthetic) buf_puts(pOut, label_get(m, L_NOTICE_SYNTHETIC));
}

void label_rank_change(const ReportModel *m, int bChange, int iChange, char *z) {
  if (!bChange) snprintf(z, 32, "—");
  else if (iChange > 0) snprintf(z, 32, "↑%d", iChange);
  else if (iChange < 0) snprintf(z, 32, "↓%d", -iChange);
  else snprintf(z, 32, "%s", label_is_en(m) ? "same" : "持平");
}

void label_total_change(int bChange, double r, char *z) {
  if (!bChange || isnan(r)) snprintf(z, 32, "—");
  else if (fabs(r) < 0.005) snprintf(z, 32, "0.00");
  else snprintf(z, 32, "%+.2f", r);
}

static const struct {
  const char *zFlag, *zZh, *zEn;
} aFlagName[] = {
  {"BEHIND", "落后时序进度", "behind time progress"},
  {"CARRIED", "沿用上期", "carried from last period"},
  {"EXCLUDED", "不参评", "excluded"},
  {"IMPUTED", "均值替代", "group mean imputed"},
  {"MISSING", "缺报", "missing"},
  {"SUSPECT", "数据存疑", "data in doubt"},
  {"VETO", "一票否决", "veto"},
  {"VETO_TOP", "一票否优", "barred from the top grade"},
};

const char *label_flag(const ReportModel *m, const char *zFlag) {
  for (size_t i = 0; i < sizeof aFlagName / sizeof aFlagName[0]; i++)
    if (strcmp(aFlagName[i].zFlag, zFlag) == 0)
      return label_is_en(m) ? aFlagName[i].zEn : aFlagName[i].zZh;
  return zFlag;
}

void label_flags(const ReportModel *m, const RpStrings *p, Buf *pOut) {
  for (int i = 0; i < p->n; i++) {
    if (i) buf_puts(pOut, label_is_en(m) ? ", " : "、");
    buf_puts(pOut, label_flag(m, p->az[i]));
  }
}

const char *label_indicator_name(const ReportModel *m, int iInd, const char *zName,
                                 const char *zCode) {
  if (iInd >= 0 && m->aIndicator[iInd].zName) return m->aIndicator[iInd].zName;
  if (zName) return zName;
  return zCode ? zCode : "?";
}

const char *label_indicator_unit(const ReportModel *m, int iInd) {
  return iInd >= 0 && m->aIndicator[iInd].zUnit ? m->aIndicator[iInd].zUnit : "";
}

void label_rank_of(const ReportModel *m, int iRank, int nGroup, Buf *pOut) {
  if (iRank <= 0) {
    buf_puts(pOut, "—");
    return;
  }
  if (label_is_en(m)) {
    if (nGroup > 0) buf_printf(pOut, "%d of %d", iRank, nGroup);
    else buf_printf(pOut, "%d", iRank);
  } else {
    if (nGroup > 0) buf_printf(pOut, "第%d名/%d", iRank, nGroup);
    else buf_printf(pOut, "第%d名", iRank);
  }
}

void label_strength(const ReportModel *m, const RpStrength *s, Buf *pOut) {
  char zShare[32];
  label_share(zShare, s->rShare);
  buf_puts(pOut, label_indicator_name(m, s->iInd, s->zName, s->zCode));
  buf_puts(pOut, label_is_en(m) ? ": rank " : ":组内");
  label_rank_of(m, s->iRank, s->nGroup, pOut);
  if (!isnan(s->rShare)) {
    if (label_is_en(m)) buf_printf(pOut, ", share %s", zShare);
    else buf_printf(pOut, ",得分率%s", zShare);
  }
}

void label_shortfall(const ReportModel *m, const RpShortfall *s, Buf *pOut) {
  char zLost[32];
  label_pts(zLost, s->rLost);
  int en = label_is_en(m);
  buf_puts(pOut, label_indicator_name(m, s->iInd, s->zName, s->zCode));
  if (en) buf_printf(pOut, ": lost %s pts", zLost);
  else buf_printf(pOut, ":失分%s分", zLost);
  if (s->iRank > 0) {
    buf_puts(pOut, en ? ", rank " : ",组内");
    label_rank_of(m, s->iRank, s->nGroup, pOut);
  }
  if (s->mWhy & RP_WHY_BOTTOM) buf_puts(pOut, en ? ", last in group" : ",居组内末位");
  if (s->mWhy & RP_WHY_BEHIND) buf_puts(pOut, en ? ", behind time progress" : ",落后时序进度");
}

void label_potential(const ReportModel *m, const RpPotential *s, Buf *pOut) {
  int en = label_is_en(m);
  const char *zUnit = label_indicator_unit(m, s->iInd);
  const char *zName = label_indicator_name(m, s->iInd, s->zName, s->zCode);
  char zGain[32];
  label_pts(zGain, s->rGain);
  Buf from = BUF_INIT, to = BUF_INIT;
  label_value_unit(&from, s->rValue, zUnit);
  label_value_unit(&to, s->rRaisedTo, zUnit);
  if (en) {
    buf_printf(pOut, "raising %s from %s to the group %s (%s) would gain %s pts", zName,
               buf_str(&from), s->bToBest ? "best" : "median", buf_str(&to), zGain);
    if (s->nPlaces > 0)
      buf_printf(pOut, " and %d place%s (to rank %d)", s->nPlaces, s->nPlaces == 1 ? "" : "s",
                 s->iRankAfter);
    else buf_puts(pOut, ", rank unchanged");
  } else {
    buf_printf(pOut, "将「%s」由%s提高到组内%s%s,可增加%s分", zName, buf_str(&from),
               s->bToBest ? "最好水平" : "中位数", buf_str(&to), zGain);
    if (s->nPlaces > 0) buf_printf(pOut, "、前进%d位(至第%d名)", s->nPlaces, s->iRankAfter);
    else buf_puts(pOut, ",名次不变");
  }
  buf_free(&from);
  buf_free(&to);
}

void label_double_half(const ReportModel *m, const RpUnit *u, Buf *pOut) {
  int en = label_is_en(m);
  if (u->eDoubleHalf == RP_DH_NONE) {
    buf_puts(pOut, label_get(m, L_DH_NONE));
    return;
  }
  char zTp[32];
  label_share(zTp, u->rDhTime);
  buf_puts(pOut, label_get(m, u->eDoubleHalf == RP_DH_ACHIEVED ? L_DH_ACHIEVED : L_DH_NOT));
  buf_printf(pOut, en ? " (time progress %s)" : "(时序进度%s)", zTp);
  int nBad = 0;
  for (int i = 0; i < u->nDh; i++) {
    const RpProgress *g = &u->aDh[i];
    if (g->bPassed) continue;
    char zP[32];
    label_share(zP, g->rProgress);
    buf_puts(pOut, nBad++ ? (en ? ", " : "、") : (en ? "; not past half: " : ";未过半:"));
    buf_printf(pOut, en ? "%s %s" : "%s进度%s",
               label_indicator_name(m, g->iInd, NULL, g->zCode), zP);
  }
}

void label_rank_interval(const RpUnit *u, char *z) {
  if (u->bInterval && u->iRankLo != u->iRankHi)
    snprintf(z, 48, "%d (%d–%d)", u->iRank, u->iRankLo, u->iRankHi);
  else
    snprintf(z, 48, "%d", u->iRank);
}

void label_robust_method(const ReportModel *m, Buf *pOut) {
  if (!m->bRobust) return;
  int en = label_is_en(m);
  if (en)
    buf_printf(pOut, "Each rank is followed by its 5th–95th percentile interval over %d "
                     "Monte Carlo draws (seed %lld) of the uncertain choices: ",
               m->nRobustDraws, m->iRobustSeed);
  else
    buf_printf(pOut, "名次后括号内为名次区间:对下列不确定选项随机抽样%d次(随机种子%lld)重新"
                     "计分排名,取第5至第95百分位名次。不确定选项:", m->nRobustDraws,
               m->iRobustSeed);
  if (m->robustChoices.n == 0) buf_puts(pOut, en ? "none" : "无");
  for (int i = 0; i < m->robustChoices.n; i++)
    buf_printf(pOut, "%s%s", i ? (en ? "; " : ";") : "", m->robustChoices.az[i]);
  if (en)
    buf_printf(pOut, ". Weights are renormalised among siblings. A rank without brackets is "
                     "the same in at least 90 %% of the draws. Mean absolute rank shift: %.2f "
                     "places.", isnan(m->rMeanShift) ? 0 : m->rMeanShift);
  else
    buf_printf(pOut, "(权重扰动后同级归一)。名次后无括号表示至少90%%的抽样名次不变。平均名次"
                     "变动%.2f位。", isnan(m->rMeanShift) ? 0 : m->rMeanShift);
}

void label_robust_sensitivity(const ReportModel *m, Buf *pOut) {
  if (!m->bRobust || m->nSens == 0) return;
  int en = label_is_en(m);
  buf_puts(pOut, en ? "Share of the variance of the mean absolute rank shift explained by each "
                      "choice (first order S1, total ST): "
                    : "各选项对平均名次变动方差的贡献(一阶S1、总效应ST):");
  for (int i = 0; i < m->nSens; i++) {
    const RpSensitivity *s = &m->aSens[i];
    char z1[32], zT[32];
    if (isnan(s->rS1)) snprintf(z1, sizeof z1, "—");
    else snprintf(z1, sizeof z1, "%.2f", s->rS1);
    if (isnan(s->rST)) snprintf(zT, sizeof zT, "—");
    else snprintf(zT, sizeof zT, "%.2f", s->rST);
    buf_printf(pOut, "%s%s S1 %s, ST %s", i ? (en ? "; " : ";") : "", s->zChoice, z1, zT);
  }
  buf_puts(pOut, en ? "." : "。");
}

void label_unit_headline(const ReportModel *m, const RpUnit *u, Buf *pOut) {
  int en = label_is_en(m);
  char zTotal[32], zRank[32], zChange[32];
  label_pts(zTotal, u->rTotal);
  label_rank_change(m, u->bChange, u->iRankChange, zRank);
  label_total_change(u->bChange, u->rTotalChange, zChange);
  Buf period = BUF_INIT;
  label_period(m, &period);
  if (en) {
    buf_printf(pOut, "%s: total %s pts, rank %d", buf_str(&period), zTotal, u->iRank);
    if (u->nGroupSize > 0) buf_printf(pOut, " of %d", u->nGroupSize);
    buf_printf(pOut, " in %s", u->zGroup);
    if (u->bInterval && u->iRankLo != u->iRankHi)
      buf_printf(pOut, " (interval %d–%d)", u->iRankLo, u->iRankHi);
    if (u->zGrade) buf_printf(pOut, ", grade %s", u->zGrade);
    if (u->bChange)
      buf_printf(pOut, "; since %s: rank %s, total %s pts",
                 u->zPrevPeriod ? u->zPrevPeriod : m->zPrevPeriod ? m->zPrevPeriod : "—",
                 zRank, zChange);
  } else {
    buf_printf(pOut, "%s总分%s分,%s组第%d名", buf_str(&period), zTotal, u->zGroup, u->iRank);
    if (u->nGroupSize > 0) buf_printf(pOut, "(共%d个)", u->nGroupSize);
    if (u->bInterval && u->iRankLo != u->iRankHi)
      buf_printf(pOut, ",名次区间%d–%d", u->iRankLo, u->iRankHi);
    if (u->zGrade) buf_printf(pOut, ",等次%s", u->zGrade);
    if (u->bChange) buf_printf(pOut, ";较上期名次%s、总分%s分", zRank, zChange);
  }
  buf_free(&period);
}

void label_score_parts(const ReportModel *m, const RpUnit *u, Buf *pOut) {
  double rBonus = isnan(u->rBonus) ? 0 : u->rBonus, rDeduct = isnan(u->rDeduct) ? 0 : u->rDeduct;
  if (isnan(u->rBase) || (fabs(rBonus) < 0.005 && fabs(rDeduct) < 0.005)) return;
  char zBase[32], zBonus[32], zDeduct[32];
  label_pts(zBase, u->rBase);
  label_pts(zBonus, rBonus);
  label_pts(zDeduct, rDeduct);
  const char *zPts = label_get(m, L_PTS);
  buf_printf(pOut, "%s %s%s + %s %s%s − %s %s%s", label_get(m, L_BASE), zBase, zPts,
             label_get(m, L_BONUS), zBonus, zPts, label_get(m, L_DEDUCT), zDeduct, zPts);
}

void label_group_caption(const ReportModel *m, const RpGroup *g, Buf *pOut) {
  Buf period = BUF_INIT;
  label_period(m, &period);
  if (label_is_en(m))
    buf_printf(pOut, "%s — %s, %d units, totals in points", g->zName, buf_str(&period), g->nUnit);
  else buf_printf(pOut, "%s组(%d个单位) · %s · 总分单位:分", g->zName, g->nUnit, buf_str(&period));
  buf_free(&period);
}

/* Appends "name(87.25分)" for unit iU. */
static void label_unit_with_total(const ReportModel *m, int iU, Buf *pOut) {
  char z[32];
  label_pts(z, m->aUnit[iU].rTotal);
  if (label_is_en(m)) buf_printf(pOut, "%s (%s pts)", m->aUnit[iU].zName, z);
  else buf_printf(pOut, "%s(%s分)", m->aUnit[iU].zName, z);
}

void label_summary(const ReportModel *m, Buf *pOut) {
  int en = label_is_en(m);
  Buf period = BUF_INIT;
  label_period(m, &period);
  char zTotal[32], zTp[32];
  label_value(zTotal, m->rSchemeTotal);
  label_share(zTp, m->rTimeProgress);
  if (en) {
    buf_printf(pOut, "This review of %s covers %d units in %d peer groups", buf_str(&period),
               m->nCityUnits, m->nCityGroups);
    if (!isnan(m->rSchemeTotal)) buf_printf(pOut, " (full score %s pts)", zTotal);
    buf_puts(pOut, ". Group leaders: ");
  } else {
    buf_printf(pOut, "%s共对%d个组别的%d个考核单位进行点评", buf_str(&period),
               m->nCityGroups, m->nCityUnits);
    if (!isnan(m->rSchemeTotal)) buf_printf(pOut, "(满分%s分)", zTotal);
    buf_puts(pOut, "。各组第一名:");
  }
  for (int g = 0; g < m->nGroup; g++) {
    const RpGroup *pG = &m->aGroup[g];
    if (pG->nUnit == 0) continue;
    if (g) buf_puts(pOut, en ? "; " : ";");
    buf_printf(pOut, en ? "%s: " : "%s组", pG->zName);
    label_unit_with_total(m, pG->aUnit[0], pOut);
  }
  buf_puts(pOut, en ? ". " : "。");
  if (m->nVeto > 0) {
    if (en) buf_printf(pOut, "%d unit%s triggered a veto (一票否决): ", m->nVeto, m->nVeto == 1 ? "" : "s");
    else buf_printf(pOut, "%d个单位触发一票否决:", m->nVeto);
    for (int i = 0; i < m->nVeto; i++) {
      if (i) buf_puts(pOut, en ? ", " : "、");
      buf_puts(pOut, m->aUnit[m->aVeto[i]].zName);
    }
    buf_puts(pOut, en ? ". " : "。");
  } else {
    buf_puts(pOut, en ? "No unit triggered a veto. " : "无单位触发一票否决。");
  }
  if (en) {
    buf_printf(pOut, "%d unit%s %s indicators behind time progress", m->nCityBehind,
               m->nCityBehind == 1 ? "" : "s", m->nCityBehind == 1 ? "has" : "have");
    if (!isnan(m->rTimeProgress)) buf_printf(pOut, " (time progress %s)", zTp);
    buf_puts(pOut, ". ");
  } else {
    buf_printf(pOut, "%d个单位存在指标落后时序进度", m->nCityBehind);
    if (!isnan(m->rTimeProgress)) buf_printf(pOut, "(时序进度%s)", zTp);
    buf_puts(pOut, "。");
  }
  if (m->nCityMissing > 0) {
    if (en) buf_printf(pOut, "%d unit%s missing data. ", m->nCityMissing,
                       m->nCityMissing == 1 ? " has" : "s have");
    else buf_printf(pOut, "%d个单位有数据缺报。", m->nCityMissing);
  }
  if (m->zPrevPeriod) {
    if (en) buf_printf(pOut, "Changes compare with the published review of %s.", m->zPrevPeriod);
    else buf_printf(pOut, "名次和总分变化与%s期已发布点评比较。", m->zPrevPeriod);
  } else {
    buf_puts(pOut, label_get(m, L_NO_PREVIOUS));
    buf_puts(pOut, en ? "." : "。");
  }
  buf_free(&period);
}

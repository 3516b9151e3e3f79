/*
** sup_section.c: the bulletin's 暗访督查情况通报 (sup_section.h). The counts come from the
** same derived status as every list of findings (finding_status), so the bulletin, the web
** list and the CLI agree on what is overdue.
*/
#include "report/sup_section.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "finding.h"
#include "period.h"
#include "project_store.h"
#include "store/db.h"
#include "supervision.h"
#include "util/html.h"

/* Index of the row (unit, category), added when absent. An index, not a pointer: adding a
** row moves the array. */
static int sup_row(Arena *pArena, RpSupervision *s, const char *zUnit, const char *zName,
                   const char *zCat) {
  for (int i = 0; i < s->nRow; i++) {
    RpSupRow *r = &s->aRow[i];
    if (strcmp(r->zUnit, zUnit) == 0 && ((!zCat && !r->zCategory) ||
                                         (zCat && r->zCategory && strcmp(zCat, r->zCategory) == 0)))
      return i;
  }
  RpSupRow *a = arena_alloc(pArena, sizeof *a * (size_t)(s->nRow + 1));
  if (s->nRow) memcpy(a, s->aRow, sizeof *a * (size_t)s->nRow);
  s->aRow = a;
  RpSupRow *r = &a[s->nRow++];
  memset(r, 0, sizeof *r);
  r->zUnit = arena_strdup(pArena, zUnit);
  r->zUnitName = arena_strdup(pArena, zName);
  r->zCategory = zCat ? arena_strdup(pArena, zCat) : NULL;
  return s->nRow - 1;
}

int rp_supervision_compute(Db *pDb, Arena *pArena, const char *zPeriod, RpSupervision **ppOut,
                           char **pzErr) {
  *ppOut = NULL;
  Period per;
  char *zErr = NULL;
  if (!zPeriod || period_parse(zPeriod, &per, &zErr)) {
    free(zErr);
    return 0; /* not a period code we can date: no section */
  }
  Calendar cal;
  if (sup_calendar_load(pDb, &cal, pzErr)) return -1;
  FindingPolicy pol;
  sup_policy(pDb, &pol);
  char zFrom[11], zTo[11], zAsOf[11];
  snprintf(zFrom, sizeof zFrom, "%04d-%02d-01", per.iYear, per.iFirstMonth);
  period_end_date(&per, zTo);
  int iToday = sup_today();
  cal_date_format(iToday, zAsOf);
  RpSupervision *s = arena_alloc(pArena, sizeof *s);
  s->zAsOf = arena_strdup(pArena, zAsOf);
  s->zFrom = arena_strdup(pArena, zFrom);
  s->zTo = arena_strdup(pArena, zTo);
  /* Findings handed over in the period (a duplicate is counted with its original). */
  Stmt *st = db_prepare(pDb, "SELECT f.unit, u.name, f.category, f.state, f.assigned_on, "
                             "f.sign_due, f.signed_on, f.due, f.requested_on, f.returns, "
                             "f.finish_late FROM finding f JOIN unit u ON u.code = f.unit "
                             "WHERE f.assigned_on >= ?1 AND f.assigned_on <= ?2 AND "
                             "f.state <> 'duplicate' ORDER BY u.sort_order, f.category");
  stmt_bind_text(st, 1, zFrom);
  stmt_bind_text(st, 2, zTo);
  int rc;
  while ((rc = stmt_step(st)) == 1) {
    FindingClock c = {0};
    int e = finding_state_find(stmt_text(st, 3));
    int d;
    c.eState = e < 0 ? FS_NONE : (FindingState)e;
    c.iAssigned = cal_date_parse(stmt_text(st, 4), &d) ? FD_NONE : d;
    c.iSignDue = stmt_is_null(st, 5) || cal_date_parse(stmt_text(st, 5), &d) ? FD_NONE : d;
    c.iSigned = stmt_is_null(st, 6) || cal_date_parse(stmt_text(st, 6), &d) ? FD_NONE : d;
    c.iDue = stmt_is_null(st, 7) || cal_date_parse(stmt_text(st, 7), &d) ? FD_NONE : d;
    c.iRequested = stmt_is_null(st, 8) || cal_date_parse(stmt_text(st, 8), &d) ? FD_NONE : d;
    c.iLastReport = FD_NONE;
    c.nReturns = (int)stmt_int(st, 9);
    c.nProgress = 100; /* progress does not matter to these counts */
    FindingStatus fs;
    char *zWhy = NULL;
    if (finding_status(&cal, &c, &pol, iToday, &fs, &zWhy)) {
      free(zWhy);
      memset(&fs, 0, sizeof fs);
    }
    int bDone = c.eState == FS_CLOSED || c.eState == FS_VERIFIED || c.eState == FS_ARCHIVED;
    int bLate = finding_late(&fs, (int)stmt_int(st, 10));
    int aiRow[2];
    aiRow[0] = sup_row(pArena, s, stmt_text(st, 0), stmt_text(st, 1), NULL);
    aiRow[1] = sup_row(pArena, s, stmt_text(st, 0), stmt_text(st, 1), stmt_text(st, 2));
    for (int k = 0; k < 2; k++) {
      RpSupRow *r = &s->aRow[aiRow[k]];
      r->nTotal++;
      r->nOnTime += bDone && !bLate;
      r->nOverdue += bLate;
      r->nReturned += c.nReturns > 0;
      r->nOpen += finding_state_open(c.eState);
    }
    s->nTotal++;
    s->nOnTime += bDone && !bLate;
    s->nOverdue += bLate;
    s->nReturned += c.nReturns > 0;
    s->nOpen += finding_state_open(c.eState);
  }
  stmt_finalize(st);
  cal_free(&cal);
  if (rc < 0) {
    *pzErr = xasprintf("database error: %s", db_errmsg(pDb));
    return -1;
  }
  /* Industrial projects: the per-unit figures of project_store.c, read as an account that
  ** reads every unit (the bulletin's readers already passed the review's scope). */
  AuthUser reader;
  memset(&reader, 0, sizeof reader);
  reader.zName = "bulletin";
  reader.caps = CAP_LOGIN | CAP_PERIOD_READ | CAP_ALL_UNITS;
  EntryWho w = {&reader, NULL};
  EntryErr e = {0};
  json_t *pList = NULL;
  if (proj_list(pDb, &w, zPeriod, NULL, &pList, &e) == 0) {
    json_t *aU = json_object_get(pList, "units");
    s->nProj = (int)json_array_size(aU);
    s->aProj = arena_alloc(pArena, sizeof *s->aProj * (size_t)(s->nProj + 1));
    for (int i = 0; i < s->nProj; i++) {
      json_t *u = json_array_get(aU, (size_t)i);
      json_t *v = json_object_get(u, "invest_rate");
      s->aProj[i].zUnit = arena_strdup(pArena, json_string_value(json_object_get(u, "unit")));
      s->aProj[i].zUnitName = arena_strdup(pArena, json_string_value(json_object_get(u, "unit_name")));
      s->aProj[i].nProjects = (int)json_integer_value(json_object_get(u, "projects"));
      s->aProj[i].nLagging = (int)json_integer_value(json_object_get(u, "lagging"));
      s->aProj[i].rInvestRate = json_is_number(v) ? json_number_value(v) : NAN;
    }
    json_decref(pList);
  } else {
    entry_err_free(&e);
  }
  *ppOut = s;
  return 0;
}

int rp_supervision_load(Db *pDb, ReportModel *m, char **pzErr) {
  return rp_supervision_compute(pDb, m->pArena, m->zPeriod, &m->pSup, pzErr);
}

static const char *proj_label(const ReportModel *m, int i) {
  static const char *const az[2][5] = {
      {"产业项目推进情况", "单位", "项目数", "落后时序进度", "投资完成率"},
      {"Industrial projects", "Unit", "Projects", "Behind time progress", "Investment completion"}};
  return az[m->eLang == RP_EN][i];
}

static const char *sup_label(const ReportModel *m, int i) {
  static const char *const az[2][10] = {
      {"暗访督查情况通报", "单位", "问题类别", "交办问题", "按期整改", "逾期", "被驳回", "未办结",
       "合计", "本期交办的督查问题,统计截至"},
      {"Supervision findings", "Unit", "Category", "Assigned", "Rectified on time", "Overdue",
       "Returned", "Open", "Total", "Findings handed over in the period, as of"}};
  return az[m->eLang == RP_EN][i];
}

static void rp_findings_table_html(const ReportModel *m, Buf *p);
static void rp_projects_table_html(const ReportModel *m, Buf *p);

void rp_supervision_html(const ReportModel *m, Buf *p) {
  const RpSupervision *s = m->pSup;
  if (!s) return;
  html_printf(p, "<section id=\"supervision\" class=\"pagebreak\">\n<h2>%h</h2>\n",
              sup_label(m, 0));
  html_printf(p, "<p>%h %h (%h – %h): %d, %h %d, %h %d, %h %d, %h %d.</p>\n", sup_label(m, 9),
              s->zAsOf, s->zFrom, s->zTo, s->nTotal, sup_label(m, 4), s->nOnTime,
              sup_label(m, 5), s->nOverdue, sup_label(m, 6), s->nReturned, sup_label(m, 7),
              s->nOpen);
  if (s->nRow) rp_findings_table_html(m, p);
  rp_projects_table_html(m, p);
  html_printf(p, "</section>\n");
}

static void rp_findings_table_html(const ReportModel *m, Buf *p) {
  const RpSupervision *s = m->pSup;
  html_printf(p, "<table class=\"rank\">\n<thead><tr><th>%h</th><th>%h</th><th class=\"num\">"
              "%h</th><th class=\"num\">%h</th><th class=\"num\">%h</th><th class=\"num\">%h"
              "</th><th class=\"num\">%h</th></tr></thead>\n<tbody>\n",
              sup_label(m, 1), sup_label(m, 2), sup_label(m, 3), sup_label(m, 4),
              sup_label(m, 5), sup_label(m, 6), sup_label(m, 7));
  for (int i = 0; i < s->nRow; i++) {
    const RpSupRow *r = &s->aRow[i];
    if (r->zCategory) continue;
    for (int j = 0; j < s->nRow; j++) {
      const RpSupRow *c = &s->aRow[j];
      if (!c->zCategory || strcmp(c->zUnit, r->zUnit) != 0) continue;
      html_printf(p, "<tr><td>%h</td><td>%h</td><td class=\"num\">%d</td><td class=\"num\">%d"
                  "</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d"
                  "</td></tr>\n", c->zUnitName, c->zCategory, c->nTotal, c->nOnTime,
                  c->nOverdue, c->nReturned, c->nOpen);
    }
    html_printf(p, "<tr><td><b>%h</b></td><td><b>%h</b></td><td class=\"num\"><b>%d</b></td>"
                "<td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
                "<td class=\"num\">%d</td></tr>\n", r->zUnitName, sup_label(m, 8), r->nTotal,
                r->nOnTime, r->nOverdue, r->nReturned, r->nOpen);
  }
  html_printf(p, "</tbody>\n</table>\n");
}

static void rp_projects_table_html(const ReportModel *m, Buf *p) {
  const RpSupervision *s = m->pSup;
  if (s->nProj) {
    html_printf(p, "<h3>%h</h3>\n<table class=\"rank\">\n<thead><tr><th>%h</th><th class=\"num\">"
                "%h</th><th class=\"num\">%h</th><th class=\"num\">%h</th></tr></thead>\n<tbody>\n",
                proj_label(m, 0), proj_label(m, 1), proj_label(m, 2), proj_label(m, 3),
                proj_label(m, 4));
    for (int i = 0; i < s->nProj; i++) {
      const RpProjRow *r = &s->aProj[i];
      if (isnan(r->rInvestRate))
        html_printf(p, "<tr><td>%h</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
                    "<td class=\"num\">—</td></tr>\n", r->zUnitName, r->nProjects, r->nLagging);
      else
        html_printf(p, "<tr><td>%h</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
                    "<td class=\"num\">%.2f%%</td></tr>\n", r->zUnitName, r->nProjects,
                    r->nLagging, r->rInvestRate);
    }
    html_printf(p, "</tbody>\n</table>\n");
  }
}

/* Markdown text: the same escaping rule as md.c (ASCII punctuation backslashed). */
static void sup_md_text(Buf *p, const char *z) {
  for (; z && *z; z++) {
    if (*z == '\n' || *z == '\r') buf_putc(p, ' ');
    else {
      if (strchr("\\`*_{}[]<>#|&~$", *z)) buf_putc(p, '\\');
      buf_putc(p, *z);
    }
  }
}

void rp_supervision_md(const ReportModel *m, Buf *p) {
  const RpSupervision *s = m->pSup;
  if (!s) return;
  buf_printf(p, "## %s\n\n%s %s (%s – %s): %d, %s %d, %s %d, %s %d, %s %d.\n\n",
             sup_label(m, 0), sup_label(m, 9), s->zAsOf, s->zFrom, s->zTo, s->nTotal,
             sup_label(m, 4), s->nOnTime, sup_label(m, 5), s->nOverdue, sup_label(m, 6),
             s->nReturned, sup_label(m, 7), s->nOpen);
  if (s->nRow) {
    buf_printf(p, "| %s | %s | %s | %s | %s | %s | %s |\n| --- | --- | ---: | ---: | ---: | "
               "---: | ---: |\n", sup_label(m, 1), sup_label(m, 2), sup_label(m, 3),
               sup_label(m, 4), sup_label(m, 5), sup_label(m, 6), sup_label(m, 7));
    for (int i = 0; i < s->nRow; i++) {
      const RpSupRow *r = &s->aRow[i];
      buf_puts(p, "| ");
      sup_md_text(p, r->zUnitName);
      buf_puts(p, " | ");
      sup_md_text(p, r->zCategory ? r->zCategory : sup_label(m, 8));
      buf_printf(p, " | %d | %d | %d | %d | %d |\n", r->nTotal, r->nOnTime, r->nOverdue,
                 r->nReturned, r->nOpen);
    }
    buf_putc(p, '\n');
  }
  if (!s->nProj) return;
  buf_printf(p, "### %s\n\n| %s | %s | %s | %s |\n| --- | ---: | ---: | ---: |\n",
             proj_label(m, 0), proj_label(m, 1), proj_label(m, 2), proj_label(m, 3),
             proj_label(m, 4));
  for (int i = 0; i < s->nProj; i++) {
    const RpProjRow *r = &s->aProj[i];
    buf_puts(p, "| ");
    sup_md_text(p, r->zUnitName);
    if (isnan(r->rInvestRate)) buf_printf(p, " | %d | %d | — |\n", r->nProjects, r->nLagging);
    else buf_printf(p, " | %d | %d | %.2f%% |\n", r->nProjects, r->nLagging, r->rInvestRate);
  }
  buf_putc(p, '\n');
}

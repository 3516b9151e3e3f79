/*
** report.c: `kaoping report`, and the small helpers every renderer shares.
**
**   kaoping report --period P --format html|pdf|xlsx|csv|md -o FILE [--db F] [--lang zh|en]
**
** The verb's prologue (STYLE.md R3): options parsed and checked -> the store opened and the
** review of the period loaded into a ReportModel (model.c) -> one renderer -> the file moved
** into place. The output is written to a temporary file beside FILE (same directory, hence
** same file system) and renamed over FILE only when complete, so a failed or interrupted
** report never leaves a half-written bulletin where the office expects a good one.
**
** Exit codes (cli.h): 0 written; 1 no computed or published review for the period; 2 bad
** command line; 4 database or file-system failure (unwritable output, bad review JSON).
*/
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "period.h"
#include "report/label.h"
#include "store/db.h"
#include "report/flag_section.h"
#include "report/sup_section.h"

const RpCatResult *report_unit_cat(const RpUnit *u, int iCat) {
  for (int i = 0; i < u->nCat; i++)
    if (u->aCat[i].iCat == iCat && iCat >= 0) return &u->aCat[i];
  return NULL;
}

double report_cat_share(const RpCatResult *c) {
  if (!c) return NAN;
  if (!isnan(c->rValue)) return c->rValue;
  if (!isnan(c->rPoints) && !isnan(c->rMaxPoints) && c->rMaxPoints > 0)
    return c->rPoints / c->rMaxPoints;
  return NAN;
}

static int report_in(const int *a, int n, int i) {
  for (int k = 0; k < n; k++)
    if (a[k] == i) return 1;
  return 0;
}

unsigned report_bar_colour(const ReportModel *m, const RpGroup *g, int iUnit) {
  (void)m;
  int bRed = report_in(g->aRed, g->nRed, iUnit);
  int bBlack = report_in(g->aBlack, g->nBlack, iUnit);
  if (bRed && !bBlack) return CHART_RED;
  if (bBlack && !bRed) return CHART_GREY;
  return CHART_BLUE;
}

int report_group_cats(const ReportModel *m, const RpGroup *g, int *aiCat) {
  int n = 0;
  for (int c = 0; c < m->nCategory; c++)
    if (g->aCatUsed && g->aCatUsed[c]) aiCat[n++] = c;
  return n;
}

Chart *report_unit_radar(const ReportModel *m, const RpUnit *u) {
  if (u->iGroup < 0) return NULL;
  const RpGroup *g = &m->aGroup[u->iGroup];
  int *aiCat = xcalloc((size_t)m->nCategory + 1, sizeof(int));
  int n = report_group_cats(m, g, aiCat);
  Chart *c = NULL;
  if (n >= 3) {
    const char **azAxis = xcalloc((size_t)n, sizeof(char *));
    double *aUnit = xcalloc((size_t)n, sizeof(double));
    double *aRef = xcalloc((size_t)n, sizeof(double));
    for (int k = 0; k < n; k++) {
      azAxis[k] = m->aCategory[aiCat[k]].zName;
      aUnit[k] = report_cat_share(report_unit_cat(u, aiCat[k]));
      aRef[k] = g->aCatMedian[aiCat[k]];
    }
    Buf title = BUF_INIT, period = BUF_INIT;
    label_period(m, &period);
    buf_printf(&title, "%s · %s · %s", u->zName, label_get(m, L_RADAR), buf_str(&period));
    c = chart_radar(buf_str(&title), azAxis, aUnit, aRef, n, label_get(m, L_RADAR_UNIT),
                    label_get(m, L_RADAR_MEDIAN));
    buf_free(&title);
    buf_free(&period);
    free(azAxis);
    free(aUnit);
    free(aRef);
  }
  free(aiCat);
  return c;
}

/* Writes all of z to fd; 0 or -1 (errno set). */
static int report_write_all(int fd, const char *z, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, z, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    z += k;
    n -= (size_t)k;
  }
  return 0;
}

typedef enum { FMT_HTML, FMT_PDF, FMT_XLSX, FMT_CSV, FMT_MD } ReportFormat;

/* Renders m into zTmp (an existing, empty file open as fd). Returns 0, or -1 with *pzErr. */
static int report_render(const ReportModel *m, ReportFormat e, int fd, const char *zTmp,
                         char **pzErr) {
  if (e == FMT_PDF || e == FMT_XLSX) {
    /* cairo and libxlsxwriter open the path themselves (and replace the empty file). */
    if (e == FMT_PDF ? report_pdf(m, zTmp, pzErr) : report_xlsx(m, zTmp, pzErr)) return -1;
    /* fd still names the file they rewrote (same inode): make it durable before rename */
    if (fsync(fd)) {
      *pzErr = xasprintf("%s: %s", zTmp, strerror(errno));
      return -1;
    }
    return 0;
  }
  Buf b = BUF_INIT;
  if (e == FMT_HTML) report_html(m, &b);
  else if (e == FMT_CSV) report_csv(m, &b);
  else report_md(m, &b);
  int rc = report_write_all(fd, b.z ? b.z : "", b.n);
  if (rc == 0) rc = fsync(fd);
  if (rc) *pzErr = xasprintf("%s: %s", zTmp, strerror(errno));
  buf_free(&b);
  return rc;
}

int report_cmd(int argc, char **argv) {
  static const char *azFormat[] = {"html", "pdf", "xlsx", "csv", "md"};
  CliArgs args;
  cli_init(&args, "report", argc, argv);
  const char *zPeriodArg = cli_opt(&args, "--period");
  const char *zFormat = cli_opt(&args, "--format");
  const char *zOut = cli_opt(&args, "-o");
  if (!zOut) zOut = cli_opt(&args, "--output");
  const char *zLang = cli_opt(&args, "--lang");
  const char *zDb = cli_db_path(&args);
  int rc = EXIT_USAGE;
  Db *pDb = NULL;
  ReportModel *m = NULL;
  char *zErr = NULL, *zTmp = NULL;
  int fd = -1;
  if (cli_finish(&args)) goto done;
  if (!zPeriodArg || !*zPeriodArg || !zFormat || !zOut || !*zOut) {
    cli_error(&args, "--period, --format and -o are required (see: kaoping report --help)");
    goto done;
  }
  int eFormat = -1;
  for (int i = 0; i < 5; i++)
    if (strcmp(zFormat, azFormat[i]) == 0) eFormat = i;
  if (eFormat < 0) {
    cli_error(&args, "--format must be html, pdf, xlsx, csv or md, not \"%s\"", zFormat);
    goto done;
  }
  RpLang eLang = RP_ZH;
  if (zLang && strcmp(zLang, "en") == 0) eLang = RP_EN;
  else if (zLang && strcmp(zLang, "zh") != 0) {
    cli_error(&args, "--lang must be zh or en, not \"%s\"", zLang);
    goto done;
  }
  Period per;
  if (period_parse(zPeriodArg, &per, &zErr)) {
    cli_error(&args, "%s", zErr);
    goto done;
  }

  rc = EXIT_INTERNAL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    cli_error(&args, "%s", zErr);
    goto done;
  }
  int r = report_model_load(pDb, per.zCode, &m, &zErr);
  if (r) {
    cli_error(&args, "%s", zErr);
    if (r > 0) rc = EXIT_BAD_INPUT;
    goto done;
  }
  m->eLang = eLang;
  if (rp_supervision_load(pDb, m, &zErr)) {
    cli_error(&args, "%s", zErr);
    goto done;
  }
  if (rp_flags_load(pDb, m, &zErr)) { /* no 数据存疑 section rather than no bulletin */
    fprintf(stderr, "kaoping report: no 数据存疑 section (the cross-checks failed: %s)\n", zErr);
    free(zErr);
    zErr = NULL;
  }

  /* The temporary file: beside the output so that rename() is atomic, mode as a newly
  ** created file would get (mkstemp makes it 0600). */
  zTmp = xasprintf("%s.tmp-XXXXXX", zOut);
  fd = mkstemp(zTmp);
  if (fd < 0) {
    cli_error(&args, "cannot write %s: %s", zOut, strerror(errno));
    free(zTmp);
    zTmp = NULL;
    goto done;
  }
  mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask)) {
    cli_error(&args, "cannot write %s: %s", zOut, strerror(errno));
    goto done;
  }
  int rcRender = report_render(m, (ReportFormat)eFormat, fd, zTmp, &zErr);
  if (eFormat == FMT_PDF) report_pdf_shutdown(); /* the process ends after this verb */
  if (rcRender) {
    cli_error(&args, "cannot write %s: %s", zOut, zErr);
    goto done;
  }
  int rcClose = close(fd);
  fd = -1;
  if (rcClose) {
    cli_error(&args, "cannot write %s: %s", zOut, strerror(errno));
    goto done;
  }
  if (rename(zTmp, zOut)) {
    cli_error(&args, "cannot write %s: %s", zOut, strerror(errno));
    goto done;
  }
  free(zTmp);
  zTmp = NULL;
  fprintf(stderr, "kaoping report: wrote %s (%s, %s, %s%s)\n", zOut, azFormat[eFormat],
          m->zPeriod, m->bDraft ? "draft" : "published", m->bSynthetic ? ", synthetic" : "");
  rc = EXIT_OK;
done:
  if (fd >= 0) close(fd);
  if (zTmp) {
    unlink(zTmp);
    free(zTmp);
  }
  report_model_free(m);
  db_close(pDb);
  free(zErr);
  cli_free(&args);
  return rc;
}

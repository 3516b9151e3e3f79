/*
** score_cmd.c: the verb `kaoping score`, which scores one period from files and stores
** nothing. It is the engine's public contract at the command line (SCORING.md): the
** conformance suites and any reviewer run it on plain files.
**
**   kaoping score --units U.csv --scheme S.json --values V.csv [--targets T.csv]
**                 [--previous P.csv] --period 2021-B3 [--format json|csv|table]
**
** What it is for: reading and checking the four kinds of input file, building the engine's
** dense matrices, and printing the result. What it is not for: any formula (score.c), any
** scheme rule (scheme.c), the database (review compute scores from the store).
**
** Input checking follows the import contract (DESIGN.md 8): every bad row of every file is
** reported, each as "FILE: line L, column C: reason" (L the physical line where the record
** starts, C the 1-based field number), and nothing is scored when any is bad. Files are
** read with csv_open, so UTF-8, UTF-8 with BOM and GBK all work.
**
** Exit codes (cli.h): 0 scored; 1 bad input (a file, a scheme or a data error of the
** engine); 2 usage (options, period code, format); 4 output could not be written.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "period.h"
#include "scheme.h"
#include "score.h"
#include "util/csv.h"
#include "util/grid.h"
#include "util/mem.h"
#include "util/text.h"

/* The units of the run, in file order, with an index sorted by code for lookups. */
typedef struct ScoreUnits {
  int n, nAlloc;
  char **azCode, **azName, **azGroup; /* arena strings */
  int *aLine;                         /* line of each unit in the units file */
  int *aByCode;                       /* n unit indices sorted by code */
} ScoreUnits;

/* Problems found in the input, one per line, in the order found. */
typedef struct ScoreLog {
  Buf text;
  int n;
} ScoreLog;

static void score_cmd_problem(ScoreLog *pLog, const char *zFile, int iLine, int iCol,
                              const char *zFmt, ...) __attribute__((format(printf, 5, 6)));
static void score_cmd_problem(ScoreLog *pLog, const char *zFile, int iLine, int iCol,
                              const char *zFmt, ...) {
  va_list ap;
  buf_printf(&pLog->text, "%s: line %d, column %d: ", zFile, iLine, iCol);
  va_start(ap, zFmt);
  buf_vprintf(&pLog->text, zFmt, ap);
  va_end(ap);
  buf_putc(&pLog->text, '\n');
  pLog->n++;
}

/* Adds a message that already names its place (csv_open, csv_next, scheme_parse). */
static void score_cmd_problem_text(ScoreLog *pLog, const char *zMsg) {
  buf_puts(&pLog->text, zMsg);
  if (!*zMsg || zMsg[strlen(zMsg) - 1] != '\n') buf_putc(&pLog->text, '\n');
  pLog->n++;
}

/* A short, printable copy of user text for messages: at most 40 bytes, cut at a UTF-8
** character boundary, control characters shown as '?'. Allocated in the arena. */
static const char *score_cmd_echo(Arena *pArena, const char *z) {
  size_t n = strlen(z);
  if (n > 40) {
    n = 40;
    while (n > 0 && ((unsigned char)z[n] & 0xC0) == 0x80)
      n--; /* not inside a character */
  }
  char *zOut = arena_alloc(pArena, n + 4);
  for (size_t i = 0; i < n; i++)
    zOut[i] = (unsigned char)z[i] < 0x20 ? '?' : z[i];
  if (n < strlen(z)) memcpy(zOut + n, "...", 4);
  return zOut;
}

/* Maps the header record of r onto azWant: aiCol[k] receives the field of azWant[k].
** Every missing or repeated column is reported. Returns 0 when all are found once. */
static int score_cmd_header(ScoreLog *pLog, const CsvReader *r, const char *const *azWant,
                            int nWant, const char *zExpect, int *aiCol) {
  int rc = 0;
  for (int k = 0; k < nWant; k++) {
    aiCol[k] = csv_field_index(r, azWant[k]);
    if (aiCol[k] < 0) {
      score_cmd_problem(pLog, r->zName, r->iRecordLine, 1,
                        "the header lacks column \"%s\" (expected %s)", azWant[k], zExpect);
      rc = -1;
      continue;
    }
    for (int j = aiCol[k] + 1; j < r->nField; j++) {
      char *zCopy = xstrdup(r->azField[j]);
      if (strcmp(text_trim(zCopy), azWant[k]) == 0) {
        score_cmd_problem(pLog, r->zName, r->iRecordLine, j + 1,
                          "column \"%s\" appears twice in the header", azWant[k]);
        rc = -1;
      }
      free(zCopy);
    }
  }
  return rc;
}

/* Opens zPath and reads its header. Returns 0 with aiCol and *pnHeader set, or -1 after
** reporting (cannot open, bad encoding, empty, header lacks a column). */
static int score_cmd_open(ScoreLog *pLog, CsvReader *r, const char *zPath,
                          const char *const *azWant, int nWant, const char *zExpect, int *aiCol,
                          int *pnHeader) {
  char *zErr = NULL;
  if (csv_open(r, zPath, &zErr)) {
    score_cmd_problem_text(pLog, zErr);
    free(zErr);
    return -1;
  }
  int rc = csv_next(r, &zErr);
  if (rc < 0) {
    score_cmd_problem_text(pLog, zErr);
    free(zErr);
    csv_close(r);
    return -1;
  }
  if (rc == 0) {
    score_cmd_problem(pLog, zPath, 1, 1, "the file is empty (expected the header %s)", zExpect);
    csv_close(r);
    return -1;
  }
  if (score_cmd_header(pLog, r, azWant, nWant, zExpect, aiCol)) {
    csv_close(r);
    return -1;
  }
  *pnHeader = r->nField;
  return 0;
}

/* Reads the next record of a data file. Returns 1 with a well-formed record (as many
** fields as the header), 0 at the end; malformed and ragged records are reported and
** skipped. */
static int score_cmd_next(ScoreLog *pLog, CsvReader *r, int nHeader) {
  for (;;) {
    char *zErr = NULL;
    int rc = csv_next(r, &zErr);
    if (rc == 0) return 0;
    if (rc < 0) {
      score_cmd_problem_text(pLog, zErr);
      free(zErr);
      continue;
    }
    if (r->nField != nHeader) {
      /* A stray or missing comma: usually an unquoted comma inside a name. */
      score_cmd_problem(pLog, r->zName, r->iRecordLine,
                        (r->nField < nHeader ? r->nField : nHeader) + 1,
                        "the row has %d fields, the header %d (a comma inside a field must be "
                        "quoted)",
                        r->nField, nHeader);
      continue;
    }
    return 1;
  }
}

/* A unit code and its index, for sorting the lookup index. */
typedef struct ScoreCmdCodeRef {
  const char *z;
  int i;
} ScoreCmdCodeRef;

static int score_cmd_cmp_code(const void *a, const void *b) {
  const ScoreCmdCodeRef *x = a, *y = b;
  return strcmp(x->z, y->z); /* codes are unique, so no tie-break is needed */
}

/* Index of the unit with code z, or -1 (binary search on aByCode). */
static int score_cmd_find_unit(const ScoreUnits *p, const char *z) {
  int lo = 0, hi = p->n - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(p->azCode[p->aByCode[mid]], z);
    if (c == 0) return p->aByCode[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

static void score_cmd_units_free(ScoreUnits *p) {
  free(p->azCode);
  free(p->azName);
  free(p->azGroup);
  free(p->aLine);
  free(p->aByCode);
}

/* Reads the units file (header code,name,kind,peer_group; further columns ignored).
** Returns 0 when the file could be read at all (bad rows are reported and skipped), -1
** when it could not (then no unit is known and other files' unit checks are skipped). */
static int score_cmd_read_units(ScoreLog *pLog, Arena *pArena, const char *zPath, ScoreUnits *p) {
  static const char *const azWant[] = {"code", "name", "kind", "peer_group"};
  int aiCol[4], nHeader;
  CsvReader r;
  int nProblem0 = pLog->n;
  if (score_cmd_open(pLog, &r, zPath, azWant, 4, "code,name,kind,peer_group", aiCol, &nHeader)) {
    return -1;
  }
  while (score_cmd_next(pLog, &r, nHeader)) {
    char *zCode = text_trim(r.azField[aiCol[0]]);
    char *zGroup = text_trim(r.azField[aiCol[3]]);
    int bOk = 1;
    if (!zCode[0]) {
      score_cmd_problem(pLog, zPath, r.iRecordLine, aiCol[0] + 1, "the unit code is empty");
      bOk = 0;
    }
    if (!zGroup[0]) {
      score_cmd_problem(pLog, zPath, r.iRecordLine, aiCol[3] + 1,
                        "the peer group (peer_group) is empty");
      bOk = 0;
    }
    for (int k = 0; bOk && k < p->n; k++) {
      /* Units files hold tens of rows (thousands at most): a linear check is cheap
      ** here, and the sorted index is built once below. */
      if (strcmp(p->azCode[k], zCode) == 0) {
        score_cmd_problem(pLog, zPath, r.iRecordLine, aiCol[0] + 1,
                          "unit %s appears twice (first on line %d)", score_cmd_echo(pArena, zCode),
                          p->aLine[k]);
        bOk = 0;
      }
    }
    if (!bOk) continue;
    if (p->n >= p->nAlloc) {
      p->nAlloc = p->nAlloc ? p->nAlloc * 2 : 64;
      p->azCode = xrealloc_array(p->azCode, (size_t)p->nAlloc, sizeof(char *));
      p->azName = xrealloc_array(p->azName, (size_t)p->nAlloc, sizeof(char *));
      p->azGroup = xrealloc_array(p->azGroup, (size_t)p->nAlloc, sizeof(char *));
      p->aLine = xrealloc_array(p->aLine, (size_t)p->nAlloc, sizeof(int));
    }
    p->azCode[p->n] = arena_strdup(pArena, zCode);
    p->azName[p->n] = arena_strdup(pArena, text_trim(r.azField[aiCol[1]]));
    p->azGroup[p->n] = arena_strdup(pArena, zGroup);
    p->aLine[p->n] = r.iRecordLine;
    p->n++;
  }
  if (p->n == 0 && pLog->n == nProblem0) {
    score_cmd_problem(pLog, zPath, r.iRecordLine, 1, "there are no units below the header");
  }
  csv_close(&r);
  ScoreCmdCodeRef *aRef = xmalloc_array((size_t)(p->n ? p->n : 1), sizeof(ScoreCmdCodeRef));
  for (int k = 0; k < p->n; k++) {
    aRef[k].z = p->azCode[k];
    aRef[k].i = k;
  }
  qsort(aRef, (size_t)p->n, sizeof aRef[0], score_cmd_cmp_code);
  p->aByCode = xmalloc_array((size_t)(p->n ? p->n : 1), sizeof(int));
  for (int k = 0; k < p->n; k++)
    p->aByCode[k] = aRef[k].i;
  free(aRef);
  return 0;
}

/* Reads a values-like file (header unit,indicator,<zValueCol>; further columns ignored)
** into aOut[iUnit * nLeaf + iLeaf], which the caller filled with NaN. Empty cells stay
** NaN (missing). pUnits and pScheme may be NULL when they could not be read; the checks
** that need them are then skipped rather than reported against every row. */
static void score_cmd_read_matrix(ScoreLog *pLog, Arena *pArena, const char *zPath,
                                  const char *zValueCol, const ScoreUnits *pUnits,
                                  const Scheme *pScheme, double *aOut) {
  const char *azWant[3] = {"unit", "indicator", zValueCol};
  char zExpect[64];
  snprintf(zExpect, sizeof zExpect, "unit,indicator,%s", zValueCol);
  int aiCol[3], nHeader;
  CsvReader r;
  if (score_cmd_open(pLog, &r, zPath, azWant, 3, zExpect, aiCol, &nHeader)) return;
  int nLeaf = pScheme ? pScheme->nLeaf : 0;
  int *aSeen = NULL; /* line of the row that set each cell; 0 = none yet */
  if (pUnits && pScheme) {
    aSeen = xcalloc((size_t)(pUnits->n ? pUnits->n : 1) * (size_t)(nLeaf ? nLeaf : 1), sizeof(int));
  }
  while (score_cmd_next(pLog, &r, nHeader)) {
    const char *zUnit = text_trim(r.azField[aiCol[0]]);
    const char *zInd = text_trim(r.azField[aiCol[1]]);
    const char *zVal = text_trim(r.azField[aiCol[2]]);
    int iUnit = -1, iLeaf = -1;
    if (pUnits) {
      iUnit = score_cmd_find_unit(pUnits, zUnit);
      if (iUnit < 0) {
        score_cmd_problem(pLog, zPath, r.iRecordLine, aiCol[0] + 1,
                          "unknown unit \"%s\" (not in the units file)",
                          score_cmd_echo(pArena, zUnit));
      }
    }
    if (pScheme) {
      int iNode = scheme_find(pScheme, zInd);
      if (iNode < 0) {
        score_cmd_problem(pLog, zPath, r.iRecordLine, aiCol[1] + 1,
                          "unknown indicator \"%s\" (not in scheme %s)",
                          score_cmd_echo(pArena, zInd), pScheme->zCode);
      } else if (!pScheme->aNode[iNode].bLeaf) {
        score_cmd_problem(pLog, zPath, r.iRecordLine, aiCol[1] + 1,
                          "indicator %s is a category: values belong to its leaves",
                          score_cmd_echo(pArena, zInd));
      } else {
        iLeaf = pScheme->aNode[iNode].iLeaf;
      }
    }
    double rVal = NAN;
    if (zVal[0] && text_parse_double(zVal, &rVal)) {
      score_cmd_problem(pLog, zPath, r.iRecordLine, aiCol[2] + 1,
                        "%s \"%s\" is not a number (write it like 12.5, with no unit or "
                        "thousands separator; leave it empty when missing)",
                        zValueCol, score_cmd_echo(pArena, zVal));
      continue;
    }
    if (iUnit < 0 || iLeaf < 0) continue;
    size_t iCell = (size_t)iUnit * (size_t)nLeaf + (size_t)iLeaf;
    if (aSeen[iCell]) {
      score_cmd_problem(pLog, zPath, r.iRecordLine, aiCol[0] + 1,
                        "a second row for unit %s, indicator %s (first on line %d)",
                        pUnits->azCode[iUnit], pScheme->aNode[pScheme->aLeafNode[iLeaf]].zCode,
                        aSeen[iCell]);
      continue;
    }
    aSeen[iCell] = r.iRecordLine;
    aOut[iCell] = rVal;
  }
  free(aSeen);
  csv_close(&r);
}

static double *score_cmd_nan_matrix(int nUnit, int nLeaf) {
  size_t n = (size_t)(nUnit ? nUnit : 1) * (size_t)(nLeaf ? nLeaf : 1);
  double *a = xmalloc_array(n, sizeof(double));
  for (size_t i = 0; i < n; i++)
    a[i] = NAN;
  return a;
}

/* Appends a CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
static void score_cmd_csv_field(Buf *b, const char *z) {
  if (!strpbrk(z, ",\"\r\n")) {
    buf_puts(b, z);
    return;
  }
  buf_putc(b, '"');
  for (; *z; z++) {
    if (*z == '"') buf_putc(b, '"');
    buf_putc(b, *z);
  }
  buf_putc(b, '"');
}

/* The flags of a unit joined with ';' into b. */
static void score_cmd_flags(Buf *b, unsigned flags) {
  int bFirst = 1;
  for (int k = 0; k < FLAG__COUNT; k++) {
    if (!(flags & (1u << k))) continue;
    if (!bFirst) buf_putc(b, ';');
    buf_puts(b, score_flag_name(1u << k));
    bFirst = 0;
  }
}

/* --format csv: unit,group,total,rank,grade,flags, units in file order. */
static void score_cmd_print_csv(const ScoreInput *pIn, const ScoreResult *pRes, FILE *out) {
  Buf b = BUF_INIT;
  buf_puts(&b, "unit,group,total,rank,grade,flags\n");
  char zNum[32];
  for (int u = 0; u < pRes->nUnit; u++) {
    const UnitScore *pU = &pRes->aUnit[u];
    score_cmd_csv_field(&b, pIn->azUnit[u]);
    buf_putc(&b, ',');
    score_cmd_csv_field(&b, pIn->azGroup[u]);
    score_format_number(zNum, pU->rTotal);
    buf_printf(&b, ",%s,%d,", zNum, pU->iRank);
    if (pU->iGrade >= 0) score_cmd_csv_field(&b, pIn->pScheme->aGrade[pU->iGrade].zLabel);
    buf_putc(&b, ',');
    score_cmd_flags(&b, pU->flags);
    buf_putc(&b, '\n');
  }
  fwrite(buf_str(&b), 1, b.n, out);
  buf_free(&b);
}

/* --format table: one aligned table per peer group (groups in order of first appearance in
** the units file), units best first; ties keep file order. */
static void score_cmd_print_table(const ScoreInput *pIn, const ScoreResult *pRes,
                                  const ScoreUnits *pUnits, FILE *out) {
  int n = pRes->nUnit;
  unsigned char *aDone = xcalloc((size_t)(n ? n : 1), 1);
  int *aRow = xmalloc_array((size_t)(n ? n : 1), sizeof(int));
  fprintf(out, "%s  %s\n", pIn->pScheme->zCode, pIn->period.zCode);
  for (int u0 = 0; u0 < n; u0++) {
    if (aDone[u0]) continue;
    const char *zGroup = pIn->azGroup[u0];
    int nRow = 0;
    for (int u = u0; u < n; u++) {
      if (!aDone[u] && strcmp(pIn->azGroup[u], zGroup) == 0) {
        aDone[u] = 1;
        aRow[nRow++] = u;
      }
    }
    /* insertion sort by rank: stable (file order among ties), and groups are small */
    for (int i = 1; i < nRow; i++) {
      int v = aRow[i], j = i;
      while (j > 0 && pRes->aUnit[aRow[j - 1]].iRank > pRes->aUnit[v].iRank) {
        aRow[j] = aRow[j - 1];
        j--;
      }
      aRow[j] = v;
    }
    fprintf(out, "\n%s (%d)\n", zGroup, nRow);
    Grid *g = grid_new(6);
    grid_align_right(g, 0);
    grid_align_right(g, 3);
    grid_cell(g, "排名");
    grid_cell(g, "代码");
    grid_cell(g, "名称");
    grid_cell(g, "总分");
    grid_cell(g, "等次");
    grid_cell(g, "标记");
    for (int i = 0; i < nRow; i++) {
      int u = aRow[i];
      const UnitScore *pU = &pRes->aUnit[u];
      Buf flags = BUF_INIT;
      score_cmd_flags(&flags, pU->flags);
      grid_cellf(g, "%d", pU->iRank);
      grid_cell(g, pIn->azUnit[u]);
      grid_cell(g, pUnits->azName[u]);
      grid_cellf(g, "%.2f", pU->rTotal);
      grid_cell(g, pU->iGrade >= 0 ? pIn->pScheme->aGrade[pU->iGrade].zLabel : "");
      grid_cell(g, buf_str(&flags));
      buf_free(&flags);
    }
    grid_print(g, out);
    grid_free(g);
  }
  free(aDone);
  free(aRow);
}

int score_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "score", argc, argv);
  const char *zUnits = cli_opt(&args, "--units");
  const char *zScheme = cli_opt(&args, "--scheme");
  const char *zValues = cli_opt(&args, "--values");
  const char *zTargets = cli_opt(&args, "--targets");
  const char *zPrevious = cli_opt(&args, "--previous");
  const char *zPeriod = cli_opt(&args, "--period");
  const char *zFormat = cli_opt(&args, "--format");
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  int rcUsage = 0;
  struct {
    const char *zOpt, *zMeta, *zVal;
    int bRequired;
  } aOpt[] = {{"--units", "FILE", zUnits, 1},
              {"--scheme", "FILE", zScheme, 1},
              {"--values", "FILE", zValues, 1},
              {"--period", "CODE", zPeriod, 1},
              {"--targets", "FILE", zTargets, 0},
              {"--previous", "FILE", zPrevious, 0},
              {"--format", "json|csv|table", zFormat, 0}};
  for (size_t k = 0; k < sizeof aOpt / sizeof aOpt[0]; k++) {
    if (aOpt[k].bRequired && !aOpt[k].zVal) {
      cli_error(&args, "%s %s is required", aOpt[k].zOpt, aOpt[k].zMeta);
      rcUsage = 1;
    } else if (aOpt[k].zVal && !aOpt[k].zVal[0]) {
      cli_error(&args, "%s needs a value (%s)", aOpt[k].zOpt, aOpt[k].zMeta);
      rcUsage = 1;
    }
  }
  if (!zFormat || !zFormat[0]) zFormat = "json";
  if (strcmp(zFormat, "json") && strcmp(zFormat, "csv") && strcmp(zFormat, "table")) {
    cli_error(&args, "--format must be json, csv or table (not \"%.20s\")", zFormat);
    rcUsage = 1;
  }
  Period period;
  memset(&period, 0, sizeof period);
  if (zPeriod && zPeriod[0]) {
    char *zErr = NULL;
    if (period_parse(zPeriod, &period, &zErr)) {
      cli_error(&args, "%s", zErr);
      free(zErr);
      rcUsage = 1;
    }
  }
  if (rcUsage) {
    fprintf(stderr, "usage: kaoping score --units U.csv --scheme S.json --values V.csv "
                    "[--targets T.csv] [--previous P.csv] --period P [--format json|csv|table]\n");
    cli_free(&args);
    return EXIT_USAGE;
  }

  ScoreLog log = {BUF_INIT, 0};
  Arena *pArena = arena_new();
  ScoreUnits units;
  memset(&units, 0, sizeof units);
  Scheme *pScheme = NULL;
  double *aValue = NULL, *aTarget = NULL, *aPrevious = NULL;
  ScoreResult *pRes = NULL;
  int rc = EXIT_BAD_INPUT;

  /* The scheme first: its problems say the most about what follows. */
  char *zText = NULL, *zErr = NULL;
  size_t nText = 0;
  if (text_load(zScheme, &zText, &nText, NULL, &zErr)) {
    score_cmd_problem_text(&log, zErr);
    free(zErr);
    zErr = NULL;
  } else {
    pScheme = scheme_parse(zScheme, zText, &zErr);
    if (!pScheme) {
      score_cmd_problem_text(&log, zErr);
      free(zErr);
      zErr = NULL;
    }
    free(zText);
  }
  int bUnitsOk = score_cmd_read_units(&log, pArena, zUnits, &units) == 0;
  int nLeaf = pScheme ? pScheme->nLeaf : 0;
  aValue = score_cmd_nan_matrix(units.n, nLeaf);
  score_cmd_read_matrix(&log, pArena, zValues, "value", bUnitsOk ? &units : NULL, pScheme, aValue);
  if (zTargets) {
    aTarget = score_cmd_nan_matrix(units.n, nLeaf);
    score_cmd_read_matrix(&log, pArena, zTargets, "target", bUnitsOk ? &units : NULL, pScheme,
                          aTarget);
  }
  if (zPrevious) {
    aPrevious = score_cmd_nan_matrix(units.n, nLeaf);
    score_cmd_read_matrix(&log, pArena, zPrevious, "value", bUnitsOk ? &units : NULL, pScheme,
                          aPrevious);
  }
  if (log.n) goto done;

  ScoreInput in;
  memset(&in, 0, sizeof in);
  in.pScheme = pScheme;
  in.period = period;
  in.nUnit = units.n;
  in.azUnit = (const char *const *)units.azCode;
  in.azGroup = (const char *const *)units.azGroup;
  in.aValue = aValue;
  in.aTarget = aTarget;
  in.aPrevious = aPrevious;
  pRes = score_compute(&in, &zErr);
  if (!pRes) {
    score_cmd_problem_text(&log, zErr);
    free(zErr);
    goto done;
  }
  if (strcmp(zFormat, "json") == 0) {
    char *zJson = score_result_json(&in, pRes);
    fputs(zJson, stdout);
    fputc('\n', stdout);
    free(zJson);
  } else if (strcmp(zFormat, "csv") == 0) {
    score_cmd_print_csv(&in, pRes, stdout);
  } else {
    score_cmd_print_table(&in, pRes, &units, stdout);
  }
  rc = EXIT_OK;
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error(&args, "cannot write the result to standard output");
    rc = EXIT_INTERNAL;
  }

done:
  if (log.n) {
    fputs(buf_str(&log.text), stderr);
    fprintf(stderr, "kaoping score: %d problem%s; nothing was scored\n", log.n,
            log.n == 1 ? "" : "s");
  }
  buf_free(&log.text);
  score_result_free(pRes);
  free(aValue);
  free(aTarget);
  free(aPrevious);
  scheme_free(pScheme);
  score_cmd_units_free(&units);
  arena_free(pArena);
  cli_free(&args);
  return rc;
}

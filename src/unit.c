/*
** unit.c: assessed units (考核单位) and their peer groups (考核组别): `unit import` and
** `unit list`.
**
** A unit file (CSV or XLSX, util/table.h) has the header code,name,kind,peer_group and
** optionally population,area,lon,lat; Chinese headers are accepted too (docs/imports.md):
**   code 单位代码|单位编码, name 单位名称, kind 类型, peer_group 考核组别,
**   population 人口, area 面积, lon 经度, lat 纬度.
** Rules, each a bad row when broken (reported "FILE: line L, column C: reason"):
**  - code: six digits (administrative division code, 430421), or P + two or more digits
**    (industrial park, P01), or D + two or more digits (department, D01); unique in the file;
**  - kind: county, city, district, park or department, or 县, 市, 区, 园区, 部门;
**    a D code is a department and a department has a D code;
**  - peer_group: required for every kind but department (departments provide data and are
**    not ranked, so they have none);
**  - population, area: empty or a number >= 0; lon in [-180, 180], lat in [-90, 90].
** Import upserts: a known code is updated, a new one added. Units are never deleted (their
** observations and reviews refer to them). Peer groups are created in first-seen order.
** Display order (unit.sort_order): a file that lists every stored unit sets the order to the
** file's; otherwise stored units keep their place and new ones follow.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "store/db.h"
#include "store/import.h"
#include "util/grid.h"
#include "util/mem.h"
#include "util/table.h"
#include "util/text.h"

enum { UC_CODE, UC_NAME, UC_KIND, UC_GROUP, UC_POP, UC_AREA, UC_LON, UC_LAT, UC__COUNT };

static const ImportColumn aUnitColumn[UC__COUNT] = {
  {"code", {"单位代码", "单位编码", NULL}, 1},
  {"name", {"单位名称", NULL, NULL}, 1},
  {"kind", {"类型", NULL, NULL}, 1},
  {"peer_group", {"考核组别", NULL, NULL}, 1},
  {"population", {"人口", NULL, NULL}, 0},
  {"area", {"面积", NULL, NULL}, 0},
  {"lon", {"经度", NULL, NULL}, 0},
  {"lat", {"纬度", NULL, NULL}, 0},
};

/* Kinds, English as stored, with the Chinese word accepted on import. */
static const struct {
  const char *zKind, *zChinese;
} aUnitKind[] = {
  {"county", "县"}, {"city", "市"}, {"district", "区"}, {"park", "园区"}, {"department", "部门"},
};

typedef struct UnitRow {
  int iLine;
  char *zCode, *zName, *zGroup;         /* arena; zGroup NULL for departments */
  const char *zKind;                    /* canonical (static text); NULL when invalid */
  double aNum[4];                       /* population, area, lon, lat; NaN = empty */
  int bBad;
} UnitRow;

/* Does z match ^[0-9]{6}$, ^P[0-9]{2,}$ or ^D[0-9]{2,}$? */
static int unit_code_valid(const char *z) {
  size_t n = strlen(z);
  if (n == 6 && strspn(z, "0123456789") == 6) return 1;
  if ((z[0] == 'P' || z[0] == 'D') && n >= 3 && strspn(z + 1, "0123456789") == n - 1) return 1;
  return 0;
}

static const char *unit_kind_canonical(const char *z) {
  for (size_t i = 0; i < sizeof aUnitKind / sizeof aUnitKind[0]; i++) {
    if (strcmp(z, aUnitKind[i].zKind) == 0 || strcmp(z, aUnitKind[i].zChinese) == 0)
      return aUnitKind[i].zKind;
  }
  return NULL;
}

static const char *unit_kind_chinese(const char *z) {
  for (size_t i = 0; i < sizeof aUnitKind / sizeof aUnitKind[0]; i++) {
    if (strcmp(z, aUnitKind[i].zKind) == 0) return aUnitKind[i].zChinese;
  }
  return "";
}

/* Validates the current row of t into r; adds each problem to pLog. aiCol from the header. */
static void unit_check_row(Arena *pArena, TableReader *t, const int *aiCol, UnitRow *r,
                           ImportLog *pLog) {
  r->iLine = t->iLine;
  r->zCode = import_field(pArena, t, aiCol[UC_CODE]);
  r->zName = import_field(pArena, t, aiCol[UC_NAME]);
  char *zKind = import_field(pArena, t, aiCol[UC_KIND]);
  r->zGroup = import_field(pArena, t, aiCol[UC_GROUP]);
  if (!r->zCode[0]) {
    import_problem(pLog, t, r->iLine, aiCol[UC_CODE], "empty code");
    r->bBad = 1;
  } else if (!unit_code_valid(r->zCode)) {
    import_problem(pLog, t, r->iLine, aiCol[UC_CODE], "unit code \"%s\" is not six digits "
                   "(430421), P and digits (P01, a park) or D and digits (D01, a department)",
                   r->zCode);
    r->bBad = 1;
  }
  if (!r->zName[0]) {
    import_problem(pLog, t, r->iLine, aiCol[UC_NAME], "empty name");
    r->bBad = 1;
  }
  r->zKind = unit_kind_canonical(zKind);
  if (!zKind[0]) {
    import_problem(pLog, t, r->iLine, aiCol[UC_KIND], "empty kind");
    r->bBad = 1;
  } else if (!r->zKind) {
    import_problem(pLog, t, r->iLine, aiCol[UC_KIND], "kind \"%s\" is not county, city, "
                   "district, park or department (县, 市, 区, 园区, 部门)", zKind);
    r->bBad = 1;
  }
  int bDept = r->zKind && strcmp(r->zKind, "department") == 0;
  if (r->zKind && r->zCode[0] && unit_code_valid(r->zCode) && bDept != (r->zCode[0] == 'D')) {
    import_problem(pLog, t, r->iLine, aiCol[UC_KIND], bDept
                   ? "a department's code starts with D (D01), not \"%s\""
                   : "a code starting with D (\"%s\") is a department's; this unit's kind is "
                     "not department", r->zCode);
    r->bBad = 1;
  }
  if (bDept && r->zGroup[0]) {
    import_problem(pLog, t, r->iLine, aiCol[UC_GROUP], "a department is not ranked: leave "
                   "peer_group empty (it is \"%s\")", r->zGroup);
    r->bBad = 1;
  } else if (!bDept && r->zKind && !r->zGroup[0]) {
    import_problem(pLog, t, r->iLine, aiCol[UC_GROUP], "empty peer_group: every assessed unit "
                   "needs its 考核组别");
    r->bBad = 1;
  }
  if (bDept) r->zGroup = NULL;
  static const double aMin[4] = {0, 0, -180, -90}, aMax[4] = {INFINITY, INFINITY, 180, 90};
  for (int k = 0; k < 4; k++) {
    int iCol = aiCol[UC_POP + k];
    r->aNum[k] = NAN;
    char *z = import_field(pArena, t, iCol);
    if (!z[0]) continue;
    double v;
    if (text_parse_double(z, &v)) {
      import_problem(pLog, t, r->iLine, iCol, "%s \"%s\" is not a number",
                     aUnitColumn[UC_POP + k].zName, z);
      r->bBad = 1;
    } else if (v < aMin[k] || v > aMax[k]) {
      import_problem(pLog, t, r->iLine, iCol, "%s %s is out of range", aUnitColumn[UC_POP + k].zName,
                     z);
      r->bBad = 1;
    } else {
      r->aNum[k] = v;
    }
  }
}

int unit_import_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "unit import", argc, argv);
  const char *zDb = cli_db_path(&args);
  int bSkipBad = cli_flag(&args, "--skip-bad");
  const char *zPath = cli_positional(&args, 0);
  if (cli_finish(&args) || !zPath) {
    if (!zPath) cli_error(&args, "give the units file: kaoping unit import FILE");
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping unit import: %s\n", zErr);
    free(zErr);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  TableReader t;
  memset(&t, 0, sizeof t);
  ImportLog log = IMPORT_LOG_INIT;
  Arena *pArena = arena_new();
  UnitRow *aRow = NULL;
  int nRow = 0, nRowAlloc = 0, nBad = 0;
  int rc = EXIT_BAD_INPUT;
  int aiCol[UC__COUNT];
  if (import_begin(&t, zPath, aUnitColumn, UC__COUNT, aiCol, &log, "unit import")) goto done;

  int rcRow;
  while ((rcRow = import_next_row(&t, &log, &nBad)) > 0) {
    if (nRow >= nRowAlloc) {
      nRowAlloc = nRowAlloc ? 2 * nRowAlloc : 64;
      aRow = xrealloc_array(aRow, (size_t)nRowAlloc, sizeof(UnitRow));
    }
    UnitRow *r = &aRow[nRow++];
    memset(r, 0, sizeof *r);
    unit_check_row(pArena, &t, aiCol, r, &log);
    /* a repeated code: the later row is the bad one; the first keeps its place */
    for (int k = 0; k < nRow - 1 && r->zCode[0]; k++) {
      if (strcmp(aRow[k].zCode, r->zCode) == 0) {
        import_problem(&log, &t, r->iLine, aiCol[UC_CODE], "duplicate unit code %s (first on %s "
                       "%d)", r->zCode, t.bXlsx ? "row" : "line", aRow[k].iLine);
        r->bBad = 1;
        break;
      }
    }
    nBad += r->bBad;
  }
  if (rcRow < 0) {
    import_log_print(&log, stderr);
    fprintf(stderr, "kaoping unit import: nothing imported\n");
    goto done;
  }
  if (nBad && !bSkipBad) {
    import_print_refusal("unit import", &log, nBad);
    goto done;
  }

  if (db_begin(pDb)) goto sql_error;
  /* Does the file list every stored unit? Then its order becomes the display order. */
  int nStored = 0, nCovered = 0, iMaxOrder = -1, iMaxGroup = -1;
  Stmt *s = db_prepare(pDb, "SELECT count(*), coalesce(max(sort_order), -1) FROM unit");
  int rcStep = stmt_step(s);
  if (rcStep == 1) {
    nStored = (int)stmt_int(s, 0);
    iMaxOrder = (int)stmt_int(s, 1);
  }
  stmt_finalize(s);
  if (rcStep != 1) goto sql_error;
  s = db_prepare(pDb, "SELECT coalesce(max(sort_order), -1) FROM peer_group");
  rcStep = stmt_step(s);
  if (rcStep == 1) iMaxGroup = (int)stmt_int(s, 0);
  stmt_finalize(s);
  if (rcStep != 1) goto sql_error;
  Stmt *pExists = db_prepare(pDb, "SELECT sort_order FROM unit WHERE code = ?1");
  int *aExisting = xcalloc((size_t)(nRow ? nRow : 1), sizeof(int)); /* 1 = stored already */
  int *aOrder = xcalloc((size_t)(nRow ? nRow : 1), sizeof(int));
  for (int i = 0; i < nRow && rcStep >= 0; i++) {
    if (aRow[i].bBad) continue;
    stmt_bind_text(pExists, 1, aRow[i].zCode);
    rcStep = stmt_step(pExists);
    if (rcStep == 1) {
      aExisting[i] = 1;
      aOrder[i] = (int)stmt_int(pExists, 0);
      nCovered++;
    }
    stmt_reset(pExists);
  }
  stmt_finalize(pExists);
  if (rcStep < 0) {
    free(aExisting);
    free(aOrder);
    goto sql_error;
  }
  int bRenumber = nCovered == nStored;
  int iNext = bRenumber ? 0 : iMaxOrder + 1;
  for (int i = 0; i < nRow; i++) {
    if (aRow[i].bBad) continue;
    if (bRenumber || !aExisting[i]) aOrder[i] = iNext++;
  }

  char zNow[32];
  db_now(zNow);
  Stmt *pGroupFind = db_prepare(pDb, "SELECT 1 FROM peer_group WHERE name = ?1");
  Stmt *pGroupAdd = db_prepare(pDb, "INSERT INTO peer_group(name, sort_order) VALUES (?1, ?2)");
  Stmt *pUpsert = db_prepare(pDb,
      "INSERT INTO unit(code, name, kind, peer_group, population, area, lon, lat, sort_order,"
      " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
      " ON CONFLICT(code) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
      " peer_group = excluded.peer_group,"
      " population = CASE WHEN ?11 THEN excluded.population ELSE unit.population END,"
      " area = CASE WHEN ?12 THEN excluded.area ELSE unit.area END,"
      " lon = CASE WHEN ?13 THEN excluded.lon ELSE unit.lon END,"
      " lat = CASE WHEN ?14 THEN excluded.lat ELSE unit.lat END,"
      " sort_order = excluded.sort_order, updated_at = excluded.updated_at");
  int nNew = 0, nUpdated = 0, nOk = 0, rcSql = 0;
  Buf groups = BUF_INIT; /* new peer groups, for the summary */
  for (int i = 0; i < nRow && !rcSql; i++) {
    UnitRow *r = &aRow[i];
    if (r->bBad) continue;
    if (r->zGroup) {
      stmt_bind_text(pGroupFind, 1, r->zGroup);
      int rcFind = stmt_step(pGroupFind);
      int bHave = rcFind == 1;
      stmt_reset(pGroupFind);
      if (rcFind < 0) {
        rcSql = -1;
        break;
      }
      if (!bHave) {
        stmt_bind_text(pGroupAdd, 1, r->zGroup);
        stmt_bind_int(pGroupAdd, 2, ++iMaxGroup);
        rcSql = stmt_run(pGroupAdd);
        buf_printf(&groups, "%s%s", groups.n ? ", " : "", r->zGroup);
        if (rcSql) break;
      }
    }
    stmt_bind_text(pUpsert, 1, r->zCode);
    stmt_bind_text(pUpsert, 2, r->zName);
    stmt_bind_text(pUpsert, 3, r->zKind);
    stmt_bind_text(pUpsert, 4, r->zGroup);
    for (int k = 0; k < 4; k++) stmt_bind_double(pUpsert, 5 + k, r->aNum[k]);
    stmt_bind_int(pUpsert, 9, aOrder[i]);
    stmt_bind_text(pUpsert, 10, zNow);
    for (int k = 0; k < 4; k++) stmt_bind_int(pUpsert, 11 + k, aiCol[UC_POP + k] >= 0);
    rcSql = stmt_run(pUpsert);
    if (aExisting[i]) nUpdated++;
    else nNew++;
    nOk++;
  }
  stmt_finalize(pGroupFind);
  stmt_finalize(pGroupAdd);
  stmt_finalize(pUpsert);
  free(aExisting);
  free(aOrder);
  if (rcSql) {
    buf_free(&groups);
    goto sql_error;
  }
  int64_t iBatch = 0;
  if (import_batch_add(pDb, "units", zPath, t.zSha256, t.zFormat, nOk, nBad, &iBatch)) {
    buf_free(&groups);
    goto sql_error;
  }
  if (import_audit(pDb, "unit.import", NULL,
                   json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:i}", "file", zPath,
                             "sha256", t.zSha256, "encoding", t.zFormat, "batch",
                             (json_int_t)iBatch, "rows_ok", nOk, "rows_skipped", nBad, "new",
                             nNew, "updated", nUpdated))) {
    buf_free(&groups);
    goto audit_error;
  }
  if (db_commit(pDb)) {
    buf_free(&groups);
    goto sql_error;
  }
  if (nBad) import_log_print(&log, stderr);
  printf("imported %d unit%s from %s (%s): %d new, %d updated", nOk, nOk == 1 ? "" : "s", zPath,
         t.zFormat, nNew, nUpdated);
  if (groups.n) printf("; new peer groups %s", buf_str(&groups));
  if (nBad) printf("; %d skipped", nBad);
  printf("\n");
  buf_free(&groups);
  rc = EXIT_OK;
  goto done;
audit_error:
  fprintf(stderr, "kaoping unit import: cannot write the audit record; nothing imported\n");
  db_rollback(pDb);
  rc = EXIT_INTERNAL;
  goto done;
sql_error:
  fprintf(stderr, "kaoping unit import: database error: %s; nothing imported\n", db_errmsg(pDb));
  db_rollback(pDb);
  rc = EXIT_INTERNAL;
done:
  free(aRow);
  arena_free(pArena);
  import_log_free(&log);
  table_close(&t);
  free(zErr);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

int unit_list_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "unit list", argc, argv);
  const char *zDb = cli_db_path(&args);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping unit list: %s\n", zErr);
    free(zErr);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  Grid *g = grid_new(6);
  grid_align_right(g, 4);
  grid_align_right(g, 5);
  static const char *const azHead[] = {"peer group", "code", "name", "kind", "population",
                                       "area"};
  for (int c = 0; c < 6; c++) grid_cell(g, azHead[c]);
  Stmt *s = db_prepare(pDb,
      "SELECT u.peer_group, u.code, u.name, u.kind, u.population, u.area"
      " FROM unit u LEFT JOIN peer_group g ON g.name = u.peer_group"
      " ORDER BY g.sort_order IS NULL, g.sort_order, u.sort_order, u.code");
  int rcStep, nGroup = 0;
  char *zPrevGroup = NULL;
  while ((rcStep = stmt_step(s)) == 1) {
    const char *zGroup = stmt_text(s, 0);
    if (zGroup && (!zPrevGroup || strcmp(zPrevGroup, zGroup) != 0)) {
      nGroup++;
      free(zPrevGroup);
      zPrevGroup = xstrdup(zGroup);
    }
    grid_cell(g, zGroup ? zGroup : "(department)");
    grid_cell(g, stmt_text(s, 1));
    grid_cell(g, stmt_text(s, 2));
    grid_cellf(g, "%s %s", stmt_text(s, 3), unit_kind_chinese(stmt_text(s, 3)));
    for (int k = 4; k <= 5; k++) {
      /* display only: 15 significant digits is what a spreadsheet shows */
      if (stmt_is_null(s, k)) grid_cell(g, "");
      else grid_cellf(g, "%.15g", stmt_double(s, k));
    }
  }
  int rc = EXIT_OK;
  if (rcStep < 0) {
    fprintf(stderr, "kaoping unit list: database error: %s\n", db_errmsg(pDb));
    rc = EXIT_INTERNAL;
  }
  stmt_finalize(s);
  free(zPrevGroup);
  if (rc == EXIT_OK) {
    int nUnit = grid_data_rows(g);
    if (nUnit == 0) {
      printf("no units (kaoping unit import FILE)\n");
    } else {
      grid_print(g, stdout);
      printf("\n%d unit%s in %d peer group%s\n", nUnit, nUnit == 1 ? "" : "s", nGroup,
             nGroup == 1 ? "" : "s");
    }
  }
  grid_free(g);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

/*
** period_store.c: the period verbs (`period open`, `period close`, `period list`) and the
** stored-period helper of period_store.h.
**
** Rules enforced here (DESIGN.md 3, SCORING.md "Periods"):
**  - the code must parse (period.c) and its year must be the scheme's year: a 2022 period
**    scored under a 2021 scheme would use the wrong targets and time progress;
**  - a period is opened once: re-opening a closed or published period would reopen data
**    entry behind a published review, so it is refused whatever its state;
**  - `period close` moves open -> closed only; publication is `review publish`'s.
** Not here: period arithmetic (period.c), publication (review_cmd.c).
*/
#include "period_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "period.h"
#include "scheme_store.h"
#include "store/import.h"
#include "util/grid.h"
#include "util/mem.h"

int period_store_get(Db *pDb, const char *zCode, PeriodRow *p) {
  Stmt *s = db_prepare(pDb, "SELECT code, scheme_id, state FROM period WHERE code = ?1");
  stmt_bind_text(s, 1, zCode);
  int rc = stmt_step(s);
  int bFound = rc == 1;
  if (bFound) {
    snprintf(p->zCode, sizeof p->zCode, "%s", stmt_text(s, 0));
    p->iSchemeId = stmt_int(s, 1);
    snprintf(p->zState, sizeof p->zState, "%s", stmt_text(s, 2));
  }
  stmt_finalize(s);
  return rc < 0 ? -1 : bFound;
}

/* Is z a real calendar date written YYYY-MM-DD? */
static int period_valid_date(const char *z) {
  if (strlen(z) != 10 || z[4] != '-' || z[7] != '-') return 0;
  for (int i = 0; i < 10; i++) {
    if (i == 4 || i == 7) continue;
    if (z[i] < '0' || z[i] > '9') return 0;
  }
  int y = atoi(z), m = atoi(z + 5), d = atoi(z + 8);
  static const int aDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return 0;
  int nDays = aDays[m - 1] + (m == 2 && period_days_in_year(y) == 366);
  return d <= nDays;
}

/* Opens the database for a period verb; prints the error and returns NULL on failure. */
static Db *period_db(const char *zVerb, const char *zDb) {
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping %s: %s\n", zVerb, zErr);
    free(zErr);
    return NULL;
  }
  return pDb;
}

int period_open_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "period open", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char *zScheme = cli_opt(&args, "--scheme");
  const char *zDeadline = cli_opt(&args, "--deadline");
  const char *zCode = cli_positional(&args, 0);
  if (cli_finish(&args) || !zCode || !zScheme || !*zScheme) {
    if (!zCode || !zScheme || !*zScheme)
      cli_error(&args, "usage: kaoping period open PERIOD --scheme CODE[@VERSION] "
                       "[--deadline YYYY-MM-DD]");
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (zDeadline && !period_valid_date(zDeadline)) {
    cli_error(&args, "--deadline must be a date YYYY-MM-DD, not \"%s\"", zDeadline);
    cli_free(&args);
    return EXIT_USAGE;
  }
  Period per;
  char *zErr = NULL;
  if (period_parse(zCode, &per, &zErr)) {
    fprintf(stderr, "kaoping period open: %s\n", zErr);
    free(zErr);
    cli_free(&args);
    return EXIT_BAD_INPUT;
  }
  Db *pDb = period_db("period open", zDb);
  if (!pDb) {
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  int rc = EXIT_BAD_INPUT;
  Scheme *pScheme = NULL;
  if (db_begin(pDb)) goto sql_error;
  PeriodRow old;
  int rcGet = period_store_get(pDb, per.zCode, &old);
  if (rcGet < 0) goto sql_error;
  if (rcGet) {
    fprintf(stderr, "kaoping period open: period %s already exists (state %s): a period is "
            "opened once%s\n", per.zCode, old.zState,
            strcmp(old.zState, "open") == 0 ? "" : "; corrections go through `data revise`");
    db_rollback(pDb);
    goto done;
  }
  int64_t iSchemeId;
  int iVersion;
  if (scheme_store_resolve(pDb, zScheme, &iSchemeId, &iVersion, &zErr)) {
    fprintf(stderr, "kaoping period open: %s\n", zErr);
    db_rollback(pDb);
    goto done;
  }
  pScheme = scheme_store_load(pDb, iSchemeId, NULL, &zErr);
  if (!pScheme) {
    fprintf(stderr, "kaoping period open: %s\n", zErr);
    db_rollback(pDb);
    rc = EXIT_INTERNAL;
    goto done;
  }
  if (pScheme->iYear != 0 && pScheme->iYear != per.iYear) {
    fprintf(stderr, "kaoping period open: period %s is in %d, but scheme %s@%d is for %d\n",
            per.zCode, per.iYear, pScheme->zCode, iVersion, pScheme->iYear);
    db_rollback(pDb);
    goto done;
  }
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb, "INSERT INTO period(code, scheme_id, state, deadline, opened_at)"
                            " VALUES (?1, ?2, 'open', ?3, ?4)");
  stmt_bind_text(s, 1, per.zCode);
  stmt_bind_int(s, 2, iSchemeId);
  stmt_bind_text(s, 3, zDeadline);
  stmt_bind_text(s, 4, zNow);
  int rcSql = stmt_run(s);
  stmt_finalize(s);
  if (rcSql) goto sql_error;
  char *zObject = xasprintf("period:%s", per.zCode);
  char *zSchemeLabel = xasprintf("%s@%d", pScheme->zCode, iVersion);
  int rcAudit = import_audit(pDb, "period.open", zObject,
                             json_pack("{s:s, s:s?}", "scheme", zSchemeLabel, "deadline",
                                       zDeadline));
  free(zObject);
  free(zSchemeLabel);
  if (rcAudit) goto audit_error;
  if (db_commit(pDb)) goto sql_error;
  printf("opened period %s under scheme %s@%d%s%s\n", per.zCode, pScheme->zCode, iVersion,
         zDeadline ? ", deadline " : "", zDeadline ? zDeadline : "");
  rc = EXIT_OK;
  goto done;
audit_error:
  fprintf(stderr, "kaoping period open: cannot write the audit record; nothing written\n");
  db_rollback(pDb);
  rc = EXIT_INTERNAL;
  goto done;
sql_error:
  fprintf(stderr, "kaoping period open: database error: %s\n", db_errmsg(pDb));
  db_rollback(pDb);
  rc = EXIT_INTERNAL;
done:
  scheme_free(pScheme);
  free(zErr);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

int period_close_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "period close", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char *zCode = cli_positional(&args, 0);
  if (cli_finish(&args) || !zCode) {
    if (!zCode) cli_error(&args, "usage: kaoping period close PERIOD");
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = period_db("period close", zDb);
  if (!pDb) {
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  int rc = EXIT_BAD_INPUT;
  if (db_begin(pDb)) goto sql_error;
  PeriodRow per;
  int rcGet = period_store_get(pDb, zCode, &per);
  if (rcGet < 0) goto sql_error;
  if (!rcGet) {
    fprintf(stderr, "kaoping period close: no period %s (kaoping period list)\n", zCode);
    db_rollback(pDb);
    goto done;
  }
  if (strcmp(per.zState, "open") != 0) {
    fprintf(stderr, "kaoping period close: period %s is already %s\n", per.zCode, per.zState);
    db_rollback(pDb);
    goto done;
  }
  char zNow[32];
  db_now(zNow);
  /* the state test in WHERE makes the move atomic even against another writer */
  Stmt *s = db_prepare(pDb, "UPDATE period SET state = 'closed', closed_at = ?2"
                            " WHERE code = ?1 AND state = 'open'");
  stmt_bind_text(s, 1, per.zCode);
  stmt_bind_text(s, 2, zNow);
  int rcSql = stmt_run(s);
  stmt_finalize(s);
  if (rcSql || db_changes(pDb) != 1) goto sql_error;
  char *zObject = xasprintf("period:%s", per.zCode);
  int rcAudit = import_audit(pDb, "period.close", zObject, NULL);
  free(zObject);
  if (rcAudit) {
    fprintf(stderr, "kaoping period close: cannot write the audit record; nothing written\n");
    db_rollback(pDb);
    rc = EXIT_INTERNAL;
    goto done;
  }
  if (db_commit(pDb)) goto sql_error;
  printf("closed period %s: no more data entry (corrections: kaoping data revise)\n", per.zCode);
  rc = EXIT_OK;
  goto done;
sql_error:
  fprintf(stderr, "kaoping period close: database error: %s\n", db_errmsg(pDb));
  db_rollback(pDb);
  rc = EXIT_INTERNAL;
done:
  db_close(pDb);
  cli_free(&args);
  return rc;
}

static const char *period_state_label(const char *zState) {
  if (strcmp(zState, "open") == 0) return "open 填报中";
  if (strcmp(zState, "closed") == 0) return "closed 已截止";
  if (strcmp(zState, "published") == 0) return "published 已发布";
  return zState;
}

int period_list_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "period list", argc, argv);
  const char *zDb = cli_db_path(&args);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = period_db("period list", zDb);
  if (!pDb) {
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  Grid *g = grid_new(7);
  grid_align_right(g, 5);
  static const char *const azHead[] = {"period", "scheme", "scheme name", "state", "deadline",
                                       "values", "opened"};
  for (int c = 0; c < 7; c++) grid_cell(g, azHead[c]);
  Stmt *s = db_prepare(pDb,
      "SELECT p.code, s.code || '@' || s.version, s.name, p.state, p.deadline,"
      " (SELECT count(*) FROM observation_current o WHERE o.period = p.code),"
      " p.opened_at"
      " FROM period p JOIN scheme s ON s.id = p.scheme_id ORDER BY p.code");
  int rcStep;
  while ((rcStep = stmt_step(s)) == 1) {
    grid_cell(g, stmt_text(s, 0));
    grid_cell(g, stmt_text(s, 1));
    grid_cell(g, stmt_text(s, 2));
    grid_cell(g, period_state_label(stmt_text(s, 3)));
    grid_cell(g, stmt_text(s, 4));
    grid_cellf(g, "%lld", (long long)stmt_int(s, 5));
    grid_cell(g, stmt_text(s, 6));
  }
  int rc = EXIT_OK;
  if (rcStep < 0) {
    fprintf(stderr, "kaoping period list: database error: %s\n", db_errmsg(pDb));
    rc = EXIT_INTERNAL;
  }
  stmt_finalize(s);
  if (rc != EXIT_OK) {
    /* reported above */
  } else if (grid_data_rows(g) == 0) {
    printf("no periods (kaoping period open PERIOD --scheme CODE)\n");
  } else {
    grid_print(g, stdout);
  }
  grid_free(g);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

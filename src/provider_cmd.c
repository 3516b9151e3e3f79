/*
** provider_cmd.c: the `provider` verbs: which indicators a provider account (数据提供部门)
** enters for all units. `provider assign ACCOUNT IND...` replaces the set (audited, as the
** local operator); `provider list [ACCOUNT]` shows the sets. The same function serves
** POST /api/providers/{name}/indicators (entry.c, entry_assign), so the CLI and the API
** cannot disagree (STYLE.md R4).
**
** Not here: what an assignment allows (entry.c: scope of data entry).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "entry.h"
#include "store/db.h"

static Db *provider_db(CliArgs *pArgs, const char *zDb) {
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    cli_error(pArgs, "%s", zErr ? zErr : "cannot open the database");
    free(zErr);
    return NULL;
  }
  return pDb;
}

/* kaoping provider assign ACCOUNT [INDICATOR...] [--db F] */
int provider_assign_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "provider assign", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char **az = NULL;
  int n = cli_positionals(&args, &az);
  if (cli_finish(&args) || n < 1) {
    if (n < 1) cli_error(&args, "usage: kaoping provider assign ACCOUNT [INDICATOR...]");
    free(az);
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = provider_db(&args, zDb);
  if (!pDb) {
    free(az);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  json_t *a = json_array();
  for (int i = 1; i < n; i++) json_array_append_new(a, json_string(az[i]));
  AuthUser u;
  memset(&u, 0, sizeof u);
  u.zName = (char *)cli_actor();
  EntryWho w = {&u, NULL};
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *pOut = NULL;
  int rc = entry_assign(pDb, &w, az[0], a, &pOut, &e);
  json_decref(a);
  int iExit = EXIT_OK;
  if (rc) {
    cli_error(&args, "%s", e.zMsg);
    iExit = e.iCode >= 3000 ? EXIT_BAD_INPUT : EXIT_INTERNAL;
    entry_err_free(&e);
  } else {
    json_t *aInd = json_object_get(pOut, "indicators");
    printf("provider %s enters %zu indicator%s:", az[0], json_array_size(aInd),
           json_array_size(aInd) == 1 ? "" : "s");
    size_t i;
    json_t *v;
    json_array_foreach(aInd, i, v) printf(" %s", json_string_value(v));
    printf("\n");
    json_decref(pOut);
  }
  db_close(pDb);
  free(az);
  cli_free(&args);
  return iExit;
}

/* kaoping provider list [ACCOUNT] [--db F] */
int provider_list_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "provider list", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char *zAccount = cli_positional(&args, 0);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = provider_db(&args, zDb);
  if (!pDb) {
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  Stmt *s = db_prepare(pDb, "SELECT account, group_concat(indicator, ' ') FROM "
                            "(SELECT account, indicator FROM provider_indicator "
                            " WHERE ?1 IS NULL OR account = ?1 ORDER BY account, indicator) "
                            "GROUP BY account ORDER BY account");
  stmt_bind_text(s, 1, zAccount);
  int n = 0;
  while (stmt_step(s) == 1) {
    printf("%-16s %s\n", stmt_text(s, 0), stmt_text(s, 1));
    n++;
  }
  stmt_finalize(s);
  if (n == 0) printf("no provider has indicators%s%s\n", zAccount ? " for " : "", zAccount ? zAccount : "");
  db_close(pDb);
  cli_free(&args);
  return EXIT_OK;
}

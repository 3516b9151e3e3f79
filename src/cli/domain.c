/*
** domain.c: opening and closing a domain verb's state (domain.h), shared by the wish, place,
** honour and contact verbs so that --db, --as and --format mean the same everywhere.
*/
#include "cli/domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/errcode.h"

int domain_cli_open(DomainCli *c, const char *zVerb, int argc, char **argv) {
  memset(c, 0, sizeof *c);
  cli_init(&c->args, zVerb, argc, argv);
  const char *zDb = cli_db_path(&c->args);
  const char *zAs = cli_opt(&c->args, "--as");
  const char *zFmt = cli_opt(&c->args, "--format");
  if (zFmt && strcmp(zFmt, "json") != 0 && strcmp(zFmt, "text") != 0) {
    cli_error(&c->args, "--format must be text or json");
    return EXIT_USAGE;
  }
  c->bJson = zFmt && strcmp(zFmt, "json") == 0;
  char *zErr = NULL;
  if (db_open(zDb, 0, &c->pDb, &zErr)) {
    cli_error(&c->args, "%s", zErr ? zErr : "cannot open the database");
    free(zErr);
    return EXIT_INTERNAL;
  }
  c->pArena = arena_new();
  if (zAs) {
    if (auth_user_load(c->pDb, c->pArena, zAs, &c->user)) {
      cli_error(&c->args, "no account %s (--as)", zAs);
      return EXIT_BAD_INPUT;
    }
  } else {
    c->user.zName = (char *)cli_actor();
    c->user.caps = ~0u; /* the operator of the server */
  }
  c->who.pUser = &c->user;
  c->who.zIp = NULL;
  return 0;
}

void domain_cli_close(DomainCli *c) {
  if (c->pDb) db_close(c->pDb);
  if (c->pArena) arena_free(c->pArena);
  entry_err_free(&c->err);
  cli_free(&c->args);
}

int domain_cli_fail(DomainCli *c) {
  cli_error(&c->args, "%s", c->err.zMsg);
  json_t *aRep = c->err.pExtra ? json_object_get(c->err.pExtra, "report") : NULL;
  size_t i;
  json_t *v;
  json_array_foreach(aRep, i, v) fprintf(stderr, "  %s\n", json_string_value(v));
  return c->err.iCode == KP_E_INTERNAL || c->err.iCode == KP_E_UNAVAILABLE ? EXIT_INTERNAL
                                                                           : EXIT_BAD_INPUT;
}

void domain_cli_json(json_t *o) {
  char *z = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
  if (z) printf("%s\n", z);
  free(z);
}

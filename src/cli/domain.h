/*
** domain.h: the shared state of a domain verb (`wish …`, `place …`, `honour …`, `contact …`):
** its arguments, the database, an arena, the acting account and the last domain error.
**
** `--as USER` acts as that account (its roles decide, as over HTTP); without it the verb acts
** as the operator of the server with every capability, like `kaoping init`. `--format json`
** prints the domain's JSON instead of text.
*/
#ifndef KP_CLI_DOMAIN_H
#define KP_CLI_DOMAIN_H

#include <jansson.h>

#include "auth.h"
#include "cli/cli.h"
#include "entry.h"
#include "store/db.h"
#include "util/mem.h"

typedef struct DomainCli {
  CliArgs args;
  Db *pDb;
  Arena *pArena;
  AuthUser user; /* the --as account, or the operator */
  EntryWho who;  /* points at user; no client address */
  EntryErr err;  /* the domain call's error, for domain_cli_fail */
  int bJson;     /* --format json */
} DomainCli;

/* Parses --db, --as and --format and opens the database. 0, or an exit code after printing
** why; either way domain_cli_close(c) must follow. */
int domain_cli_open(DomainCli *c, const char *zVerb, int argc, char **argv);
void domain_cli_close(DomainCli *c);
/* Prints c->err (and the lines of its "report" extra) and returns its exit code. */
int domain_cli_fail(DomainCli *c);
/* Prints o as indented JSON in key order. */
void domain_cli_json(json_t *o);

/* In a handler with argc/argv: opens c, returning the exit code when that fails. */
#define DOMAIN_CLI_BEGIN(c, zVerb)                                                                 \
  int rc = domain_cli_open(&(c), zVerb, argc, argv);                                               \
  if (rc) {                                                                                        \
    domain_cli_close(&(c));                                                                        \
    return rc;                                                                                     \
  }
/* After the handler has asked for its options: anything else given is a usage error. */
#define DOMAIN_CLI_FINISH(c)                                                                       \
  if (cli_finish(&(c).args)) {                                                                     \
    domain_cli_close(&(c));                                                                        \
    return EXIT_USAGE;                                                                             \
  }

#endif

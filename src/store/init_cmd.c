/*
** init_cmd.c: `kaoping init`, which creates an empty kaoping database or brings an existing
** one up to the current schema. The schema itself is in store/schema.c and the migration
** machinery in store/db.c; this file is only the verb. It also creates the key file that
** encrypts TOTP secrets (DB.totp-key, auth.h) and seals secrets stored before encryption.
*/
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sodium.h>

#include "auth.h"
#include "cli/cli.h"
#include "cli/verbs.h"
#include "store/db.h"
#include "store/schema.h"

int init_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "init", argc, argv);
  const char *zDb = cli_db_path(&args);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  /* an empty file counts as new: SQLite creates the database in it */
  struct stat st;
  int bExisted = stat(zDb, &st) == 0 && st.st_size > 0;
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 1, &pDb, &zErr)) {
    fprintf(stderr, "kaoping init: %s\n", zErr);
    free(zErr);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  int iVersion = db_schema_version(pDb);
  printf("%s: %s kaoping database, schema version %d\n", zDb,
         bExisted ? "up-to-date" : "new", iVersion);
  /* The key file that encrypts TOTP secrets (beside the database, 0600): created now so the
  ** operator knows where it is; plain secrets of an older database are sealed under it. */
  uint8_t aKey[32];
  int nSealed = 0, ex = EXIT_OK;
  if (auth_totp_key(pDb, 1, aKey, &zErr) || auth_totp_seal_all(pDb, cli_actor(), &nSealed, &zErr)) {
    fprintf(stderr, "kaoping init: %s\n", zErr);
    free(zErr);
    ex = EXIT_INTERNAL;
  } else {
    char *zKey = auth_totp_key_path(pDb);
    printf("TOTP key file: %s (keep a copy apart from the database backups)\n", zKey);
    if (nSealed) printf("encrypted %d stored TOTP secret%s\n", nSealed, nSealed == 1 ? "" : "s");
    free(zKey);
  }
  sodium_memzero(aKey, sizeof aKey);
  db_close(pDb);
  cli_free(&args);
  return ex;
}

/*
** demo.c: `kaoping demo`, which builds the synthetic Hengyang 2021 demo (DESIGN.md 9) into a
** fresh database, through exactly the paths a user takes.
**
** What it does: generates the data set (demo/gen.c) and writes it as ordinary files into a
** folder "demo-data" beside the database, so that users can open them, edit them and import
** them again; then runs the verb handlers in-process, as if typed: init, unit import,
** scheme import, target import, and per period open, data import, close, review compute,
** review publish. Each step is echoed as the command line it stands for. What it is not:
** a second way into the store. It never writes SQL; if an import would reject a file when
** typed by hand, it rejects it here too.
**
** Resulting state (the story of the data is in demo/gen.c and the folder's README.txt):
**   2021-B1 .. 2021-B3   published (computed from closed periods, hashes stored);
**   2021-B4              open, data imported, review computed as provisional;
**   2021-B5, 2021-B6     value files generated, not imported (to try the import by hand).
**
** Timestamps: each step runs with $KAOPING_NOW set to a plausible moment of 2021 (the data
** of a bimonth are entered in the first days of the next month, the review is published
** around the 12th), so the database reads as a year of real use, and two runs give the same
** stored reviews. The caller's $KAOPING_NOW is restored afterwards.
*/
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "cli/cli.h"
#include "cli/verbs.h"
#include "demo_supervision.h"
#include "evidence_demo.h"
#include "demo/gen.h"
#include "demo/totp.h"
#include "store/db.h"
#include "util/mem.h"
#include "wish_store.h"

/* The verbs the demo runs, in the command table's spelling. */
static const char *const azDemoVerb[] = {
  "init", "unit import", "scheme import", "target import", "period open", "data import",
  "period close", "review compute", "review publish", NULL};

/* Periods imported (the first DEMO_PUBLISHED are closed and published; the next one stays
** open with a provisional review). */
#define DEMO_PUBLISHED 3
#define DEMO_IMPORTED 4

typedef struct DemoCtx {
  const char *zDb;   /* database path as given */
  char *zDataDir;    /* folder of the generated files */
  int nStep;
} DemoCtx;

static const Verb *demo_verb(const char *zName) {
  for (int i = 0; i < nVerb; i++) {
    if (strcmp(aVerb[i].zName, zName) == 0) return &aVerb[i];
  }
  return NULL;
}

/* The directory part of zPath ("." when there is none), malloc'd. */
static char *demo_dirname(const char *zPath) {
  const char *zSlash = strrchr(zPath, '/');
  if (!zSlash) return xstrdup(".");
  if (zSlash == zPath) return xstrdup("/");
  return xstrndup(zPath, (size_t)(zSlash - zPath));
}

/* mkdir -p. Returns 0, or -1 with errno set. */
static int demo_mkdirs(const char *zDir) {
  char *z = xstrdup(zDir);
  int rc = 0;
  for (char *p = z + 1; rc == 0; p++) {
    if (*p != '/' && *p != 0) continue;
    char c = *p;
    *p = 0;
    if (mkdir(z, 0777) != 0 && errno != EEXIST) rc = -1;
    *p = c;
    if (c == 0) break;
  }
  if (rc == 0) {
    struct stat st;
    if (stat(zDir, &st) != 0) rc = -1;
    else if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      rc = -1;
    }
  }
  free(z);
  return rc;
}

/* Writes n bytes to zPath, replacing it. Returns 0, or -1 with a message on stderr. */
static int demo_write_file(const char *zPath, const char *z, size_t n) {
  FILE *f = fopen(zPath, "wb");
  if (!f) {
    fprintf(stderr, "kaoping demo: cannot write %s: %s\n", zPath, strerror(errno));
    return -1;
  }
  size_t nOut = fwrite(z, 1, n, f);
  int bErr = nOut != n || ferror(f);
  if (fclose(f) != 0) bErr = 1;
  if (bErr) {
    fprintf(stderr, "kaoping demo: cannot write %s: %s\n", zPath, strerror(errno));
    return -1;
  }
  return 0;
}

/* Removes the database and its SQLite side files. Returns 0, or -1 with a message. */
static int demo_remove_db(const char *zDb) {
  static const char *const azSuffix[] = {"", "-wal", "-shm", "-journal", NULL};
  for (int i = 0; azSuffix[i]; i++) {
    char *z = xasprintf("%s%s", zDb, azSuffix[i]);
    int rc = unlink(z);
    if (rc != 0 && errno != ENOENT) {
      fprintf(stderr, "kaoping demo: cannot remove %s: %s\n", z, strerror(errno));
      free(z);
      return -1;
    }
    free(z);
  }
  return 0;
}

/* Runs one verb in-process with $KAOPING_NOW = zNow and the arguments that follow (NULL
** terminated), adding "--db FILE". Echoes the command first. Returns the verb's exit code. */
static int demo_step(DemoCtx *c, const char *zNow, const char *zVerb, ...) {
  enum { MAX_ARG = 12 }; /* the verb's own arguments; then "--db", FILE and NULL */
  const Verb *pV = demo_verb(zVerb);
  char *azArg[MAX_ARG + 3];
  int nArg = 0;
  va_list ap;
  va_start(ap, zVerb);
  for (const char *z; (z = va_arg(ap, const char *)) != NULL;) {
    if (nArg < MAX_ARG) azArg[nArg] = xstrdup(z);
    nArg++;
  }
  va_end(ap);
  if (nArg > MAX_ARG || !pV || !pV->xRun) {
    /* callers pass at most a handful of fixed arguments, and the handlers were checked
    ** before anything was written: reaching this is a bug in this file */
    fprintf(stderr, "kaoping demo: internal error running \"%s\"\n", zVerb);
    for (int i = 0; i < nArg && i < MAX_ARG; i++) free(azArg[i]);
    return EXIT_INTERNAL;
  }
  azArg[nArg++] = xstrdup("--db");
  azArg[nArg++] = xstrdup(c->zDb);
  azArg[nArg] = NULL;
  c->nStep++;
  printf("\n[%d] kaoping %s", c->nStep, zVerb);
  for (int i = 0; i < nArg; i++) printf(" %s", azArg[i]);
  printf("    (as of %.10s)\n", zNow);
  fflush(stdout);
  int rc = EXIT_INTERNAL;
  if (setenv("KAOPING_NOW", zNow, 1) != 0) {
    fprintf(stderr, "kaoping demo: cannot set KAOPING_NOW: %s\n", strerror(errno));
  } else {
    rc = pV->xRun(nArg, azArg);
  }
  fflush(stdout);
  for (int i = 0; i < nArg; i++) free(azArg[i]);
  if (rc != EXIT_OK) {
    fprintf(stderr, "kaoping demo: step %d (kaoping %s) failed with exit code %d; the "
                    "database %s is incomplete\n", c->nStep, zVerb, rc, c->zDb);
  }
  return rc;
}

/* "YYYY-MM-DDTHH:MM:SSZ" for a day of month iMonth (1-13: 13 = January of the next year). */
static void demo_when(char *z, size_t n, int iMonth, int iDay, int iHour) {
  int iYear = 2021 + (iMonth - 1) / 12;
  snprintf(z, n, "%04d-%02d-%02dT%02d:00:00Z", iYear, (iMonth - 1) % 12 + 1, iDay, iHour);
}

/* Runs the imports and the periods. Returns an exit code. */
static int demo_load(DemoCtx *c, const DemoSet *pSet) {
  char *azPath[DEMO_FILE__COUNT];
  for (int i = 0; i < DEMO_FILE__COUNT; i++) {
    azPath[i] = xasprintf("%s/%s", c->zDataDir, pSet->aFile[i].zName);
  }
  const char *zSetup = "2021-01-04T01:30:00Z"; /* the first working Monday of 2021 */
  int rc = demo_step(c, zSetup, "init", NULL);
  if (rc == EXIT_OK) rc = demo_step(c, zSetup, "unit import", azPath[DEMO_FILE_UNITS], NULL);
  if (rc == EXIT_OK) rc = demo_step(c, zSetup, "scheme import", azPath[DEMO_FILE_SCHEME], NULL);
  if (rc == EXIT_OK) {
    rc = demo_step(c, zSetup, "target import", azPath[DEMO_FILE_TARGETS], "--scheme",
                   DEMO_SCHEME_CODE, NULL);
  }
  for (int p = 0; p < DEMO_IMPORTED && rc == EXIT_OK; p++) {
    /* A bimonth's data are entered in the first days of the following month. */
    int iMonth = 2 * p + 3;
    const char *zPeriod = demo_period_code(p);
    char zOpen[24], zData[24], zClose[24], zCompute[24], zPublish[24], zDeadline[16];
    demo_when(zOpen, sizeof zOpen, iMonth, 1, 1);
    demo_when(zData, sizeof zData, iMonth, 5, 2);
    demo_when(zClose, sizeof zClose, iMonth, 10, 9);
    demo_when(zCompute, sizeof zCompute, iMonth, 11, 2);
    demo_when(zPublish, sizeof zPublish, iMonth, 12, 8);
    snprintf(zDeadline, sizeof zDeadline, "%.8s10", zClose); /* "2021-03-" + "10" */
    rc = demo_step(c, zOpen, "period open", zPeriod, "--scheme", DEMO_SCHEME_CODE,
                   "--deadline", zDeadline, NULL);
    if (rc == EXIT_OK) {
      rc = demo_step(c, zData, "data import", azPath[DEMO_FILE_VALUES_FIRST + p], "--period",
                     zPeriod, "--provenance", "department", NULL);
    }
    if (p >= DEMO_PUBLISHED) {
      /* the current period: still open, reviewed provisionally */
      if (rc == EXIT_OK) rc = demo_step(c, zCompute, "review compute", zPeriod, NULL);
      continue;
    }
    if (rc == EXIT_OK) rc = demo_step(c, zClose, "period close", zPeriod, NULL);
    if (rc == EXIT_OK) rc = demo_step(c, zCompute, "review compute", zPeriod, NULL);
    if (rc == EXIT_OK) rc = demo_step(c, zPublish, "review publish", zPeriod, NULL);
  }
  for (int i = 0; i < DEMO_FILE__COUNT; i++) free(azPath[i]);
  return rc;
}

/* The demo's accounts: one per role, so that every view of the web UI can be tried. */
static const struct DemoAccount {
  const char *zName, *zDisplay, *zUnit;
  int eRole;
} aDemoAccount[] = {
  {"kpb", "市绩效办(演示)", NULL, ROLE_ASSESSOR},
  {"leader", "市领导(演示)", NULL, ROLE_LEADER},
  {"hengyang", "衡阳县填报员(演示)", "430421", ROLE_REPORTER},
  {"tongji", "市统计局(演示)", NULL, ROLE_PROVIDER},
  {"ducha", "市委督查室(演示)", NULL, ROLE_INSPECTOR},
  {"sysadmin", "系统管理员(演示)", NULL, ROLE_SYSADMIN},
  {"secadmin", "安全管理员(演示)", NULL, ROLE_SECADMIN},
  {"auditor", "审计管理员(演示)", NULL, ROLE_AUDITOR},
};

/* Creates the demo accounts through auth.c (the functions `user add` and `user roles` call)
** with fresh random passwords, so that no demo database anywhere shares a password. The
** initial password is changed at once by the holder's path, which is why the printed one
** works without the forced change a real new account goes through. The logins are written
** to zLoginFile (mode 0600) and printed. Returns an exit code. */
static int demo_accounts(const char *zDb, const char *zLoginFile) {
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping demo: %s\n", zErr);
    free(zErr);
    return EXIT_INTERNAL;
  }
  Buf logins = BUF_INIT;
  int rc = EXIT_OK;
  for (size_t i = 0; i < sizeof aDemoAccount / sizeof aDemoAccount[0]; i++) {
    const struct DemoAccount *a = &aDemoAccount[i];
    char zInitial[32], zPassword[32];
    auth_password_generate(a->zName, zInitial);
    auth_password_generate(a->zName, zPassword);
    int code = 0;
    const char *zField = NULL;
    if (auth_user_add(pDb, a->zName, a->zDisplay, a->zUnit, zInitial, "local:demo", NULL, NULL,
                      &code, &zField, &zErr) ||
        auth_user_set_roles(pDb, a->zName, ROLE_BIT(a->eRole), ~0u, "local:demo", NULL, &code,
                            &zErr) ||
        auth_password_set(pDb, a->zName, zPassword, 0, "local:demo", NULL, &code, &zErr)) {
      fprintf(stderr, "kaoping demo: account %s: %s\n", a->zName, zErr ? zErr : "?");
      free(zErr);
      rc = EXIT_INTERNAL;
      break;
    }
    buf_printf(&logins, "  %-10s %-18s %s\n", a->zName, zPassword, a->zDisplay);
    if (demo_totp_enrol(pDb, a->zName, a->eRole, &logins)) { rc = EXIT_INTERNAL; break; }
  }
  db_close(pDb);
  if (rc == EXIT_OK) {
    FILE *f = fopen(zLoginFile, "w");
    if (!f || chmod(zLoginFile, 0600) != 0 ||
        fprintf(f, "kaoping demo logins (synthetic demo database %s)\n%s", zDb,
                buf_str(&logins)) < 0 ||
        fclose(f) != 0) {
      fprintf(stderr, "kaoping demo: cannot write %s\n", zLoginFile);
      rc = EXIT_INTERNAL;
    } else {
      printf("\nDemo accounts (login, password, who; also in %s):\n%s", zLoginFile,
             buf_str(&logins));
    }
  }
  sodium_memzero(logins.z, logins.n);
  buf_free(&logins);
  return rc;
}

int demo_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "demo", argc, argv);
  const char *zDb = cli_db_path(&args);
  int bForce = cli_flag(&args, "--force");
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  int rc = EXIT_OK;
  DemoCtx ctx = {zDb, NULL, 0};
  DemoSet set;
  memset(&set, 0, sizeof set);
  char *zDir = demo_dirname(zDb);
  char *zSavedNow = getenv("KAOPING_NOW") ? xstrdup(getenv("KAOPING_NOW")) : NULL;

  /* Refuse before writing anything: an existing database is someone's work. */
  struct stat st;
  if (stat(zDb, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      cli_error(&args, "%s is a directory, not a database file", zDb);
      rc = EXIT_USAGE;
      goto done;
    }
    if (!bForce) {
      cli_error(&args, "%s already exists; the demo builds a new database (use --force to "
                       "replace it, or --db to choose another file)", zDb);
      rc = EXIT_BAD_INPUT;
      goto done;
    }
  }
  /* Every verb must be in this build, or the demo would stop half-way. */
  for (int i = 0; azDemoVerb[i]; i++) {
    const Verb *pV = demo_verb(azDemoVerb[i]);
    if (!pV || !pV->xRun) {
      cli_error(&args, "this build lacks \"kaoping %s\", which the demo needs", azDemoVerb[i]);
      rc = EXIT_INTERNAL;
    }
  }
  if (rc != EXIT_OK) goto done;

  demo_generate(&set);
  ctx.zDataDir = strcmp(zDir, ".") == 0 ? xstrdup("demo-data")
                                        : xasprintf("%s/demo-data", zDir);
  if (demo_mkdirs(ctx.zDataDir) != 0) {
    cli_error(&args, "cannot create %s: %s", ctx.zDataDir, strerror(errno));
    rc = EXIT_INTERNAL;
    goto done;
  }
  for (int i = 0; i < DEMO_FILE__COUNT; i++) {
    char *zPath = xasprintf("%s/%s", ctx.zDataDir, set.aFile[i].zName);
    int bad = demo_write_file(zPath, set.aFile[i].zText, set.aFile[i].nText);
    free(zPath);
    if (bad) {
      rc = EXIT_INTERNAL;
      goto done;
    }
  }
  printf("kaoping demo: wrote the synthetic data set (演示数据,合成) to %s/\n", ctx.zDataDir);
  if (bForce && demo_remove_db(zDb) != 0) {
    rc = EXIT_INTERNAL;
    goto done;
  }
  rc = demo_load(&ctx, &set);
  if (rc != EXIT_OK) goto done;
  {
    /* The accounts are made now, not in 2021: under the 90-day rotation rule a password
    ** dated like the data would already have expired. */
    if (zSavedNow ? setenv("KAOPING_NOW", zSavedNow, 1) : unsetenv("KAOPING_NOW")) {
      rc = EXIT_INTERNAL;
      goto done;
    }
    char *zLogins = xasprintf("%s/demo-logins.txt", zDir);
    rc = demo_accounts(zDb, zLogins);
    free(zLogins);
    if (rc == EXIT_OK) rc = wish_demo(zDb, ctx.zDataDir); /* wishes, map, contact points, honours */
    if (rc == EXIT_OK) rc = demo_supervision(zDb); /* demo_supervision.c */
    if (rc == EXIT_OK) rc = evidence_demo(zDb); /* evidence_demo.c */
    if (rc != EXIT_OK) goto done;
  }

  printf("\nkaoping demo: done. Synthetic data (演示数据,合成), not official figures.\n"
         "  database:  %s\n"
         "  files:     %s/ (units, scheme, targets, values per period, hotline; README.txt)\n"
         "  periods:   2021-B1..2021-B3 published; 2021-B4 open with a provisional review;\n"
         "             2021-B5, 2021-B6 generated but not imported\n"
         "\nThe story in the data:\n%s"
         "\nTry next:\n"
         "  kaoping review show 2021-B3 --db %s\n"
         "  kaoping review show 2021-B3 --unit 430424 --db %s\n"
         "  kaoping review verify 2021-B2 --db %s\n"
         "  kaoping report --period 2021-B3 --format pdf -o bulletin.pdf --db %s\n",
         zDb, ctx.zDataDir, demo_story(), zDb, zDb, zDb, zDb);
  if (demo_verb("serve") && demo_verb("serve")->xRun) {
    /* 127.0.0.1:8080 is serve's default (src/http/server.c); it prints the address it
    ** really took, which is what to trust when the port was busy */
    printf("  kaoping serve --db %s     then open http://127.0.0.1:8080/\n", zDb);
  }

done:
  if (zSavedNow) {
    if (setenv("KAOPING_NOW", zSavedNow, 1) != 0) rc = rc ? rc : EXIT_INTERNAL;
  } else if (unsetenv("KAOPING_NOW") != 0) {
    rc = rc ? rc : EXIT_INTERNAL;
  }
  free(zSavedNow);
  free(ctx.zDataDir);
  free(zDir);
  demo_set_free(&set);
  cli_free(&args);
  return rc;
}

/*
** cli.c: the argument helpers of cli.h. Options are "--name value" or "--name=value";
** everything else is positional. An option counts as consumed once a handler asks for it.
*/
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"
#include "util/mem.h"
#include <pwd.h>
#include <unistd.h>

void cli_init(CliArgs *p, const char *zVerb, int argc, char **argv) {
  p->argc = argc;
  p->argv = argv;
  p->aUsed = xcalloc((size_t)(argc > 0 ? argc : 1), 1);
  p->zVerb = zVerb;
}

void cli_free(CliArgs *p) {
  free(p->aUsed);
  p->aUsed = NULL;
}

/* Does argv[i] name option zName? Sets *pzInline to the "=value" part when present. */
static int cli_matches(const char *zArg, const char *zName, const char **pzInline) {
  size_t n = strlen(zName);
  *pzInline = NULL;
  if (strncmp(zArg, zName, n) != 0) return 0;
  if (zArg[n] == 0) return 1;
  if (zArg[n] == '=') {
    *pzInline = zArg + n + 1;
    return 1;
  }
  return 0;
}

/* aUsed[i]: 0 = not yet consumed, USED_OPTION = an option or flag, USED_VALUE = an option's
** value, USED_POSITIONAL = a positional argument that a handler took. */
enum { USED_OPTION = 1, USED_VALUE = 2, USED_POSITIONAL = 3 };

const char *cli_opt(CliArgs *p, const char *zName) {
  for (int i = 0; i < p->argc; i++) {
    const char *zInline;
    if (p->aUsed[i] == USED_VALUE) continue;
    if (!cli_matches(p->argv[i], zName, &zInline)) continue;
    p->aUsed[i] = USED_OPTION;
    if (zInline) return zInline;
    if (i + 1 < p->argc) {
      p->aUsed[i + 1] = USED_VALUE;
      return p->argv[i + 1];
    }
    return "";
  }
  return NULL;
}

int cli_opt_all(CliArgs *p, const char *zName, const char ***pazOut) {
  int n = 0;
  const char **az = xmalloc_array((size_t)p->argc + 1, sizeof(char *));
  for (int i = 0; i < p->argc; i++) {
    const char *zInline;
    if (p->aUsed[i] == USED_VALUE) continue;
    if (!cli_matches(p->argv[i], zName, &zInline)) continue;
    p->aUsed[i] = USED_OPTION;
    if (zInline) {
      az[n++] = zInline;
    } else if (i + 1 < p->argc) {
      p->aUsed[i + 1] = USED_VALUE;
      az[n++] = p->argv[i + 1];
    } else {
      az[n++] = "";
    }
  }
  az[n] = NULL;
  *pazOut = az;
  return n;
}

int cli_flag(CliArgs *p, const char *zName) {
  for (int i = 0; i < p->argc; i++) {
    if (p->aUsed[i] != USED_VALUE && strcmp(p->argv[i], zName) == 0) {
      p->aUsed[i] = USED_OPTION;
      return 1;
    }
  }
  return 0;
}

/* A positional argument: not an option, not an option's value. Call after the options
** were asked for, so that option values are known. */
static int cli_is_positional(const CliArgs *p, int i) {
  if (p->aUsed[i] == USED_OPTION || p->aUsed[i] == USED_VALUE) return 0;
  return !(p->argv[i][0] == '-' && p->argv[i][1] == '-');
}

int cli_positionals(CliArgs *p, const char ***pazOut) {
  int n = 0;
  const char **az = xmalloc_array((size_t)p->argc + 1, sizeof(char *));
  for (int i = 0; i < p->argc; i++) {
    if (!cli_is_positional(p, i)) continue;
    az[n++] = p->argv[i];
    p->aUsed[i] = USED_POSITIONAL;
  }
  az[n] = NULL;
  *pazOut = az; /* caller frees */
  return n;
}

const char *cli_positional(CliArgs *p, int iWant) {
  int n = 0;
  for (int i = 0; i < p->argc; i++) {
    if (!cli_is_positional(p, i)) continue;
    if (n++ == iWant) {
      p->aUsed[i] = USED_POSITIONAL;
      return p->argv[i];
    }
  }
  return NULL;
}

int cli_finish(CliArgs *p) {
  int rc = 0;
  for (int i = 0; i < p->argc; i++) {
    if (p->aUsed[i]) continue;
    cli_error(p, "unexpected argument \"%s\" (see: kaoping %s --help)", p->argv[i], p->zVerb);
    rc = -1;
  }
  return rc;
}

const char *cli_db_path(CliArgs *p) {
  const char *z = cli_opt(p, "--db");
  if (z && *z) return z;
  z = getenv("KAOPING_DB");
  if (z && *z) return z;
  return "kaoping.db";
}

void cli_error(const CliArgs *p, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  fprintf(stderr, "kaoping %s: ", p->zVerb ? p->zVerb : "");
  vfprintf(stderr, zFmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

const char *cli_actor(void) {
  static char zActor[96];
  if (!zActor[0]) {
    const struct passwd *pw = getpwuid(getuid());
    snprintf(zActor, sizeof zActor, "local:%.80s", pw && pw->pw_name ? pw->pw_name : "unknown");
  }
  return zActor;
}

int cli_period(CliArgs *p, char *zPeriod) {
  const char *z = cli_positional(p, 0);
  if (!z || cli_positional(p, 1)) {
    cli_error(p, "give exactly one period, e.g. 2021-B3 (kaoping %s --help)", p->zVerb);
    return -1;
  }
  Period per;
  char *zErr = NULL;
  if (period_parse(z, &per, &zErr)) {
    cli_error(p, "%s", zErr ? zErr : "bad period code");
    free(zErr);
    return -1;
  }
  snprintf(zPeriod, 16, "%s", per.zCode);
  return 0;
}

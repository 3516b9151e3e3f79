/*
** user.c: the account verbs of the command line: `kaoping user add|passwd|lock|unlock|list|
** roles|policy|totp`. They are the server operator's tools: the first secadmin and the other
** administrator accounts (三员) are created here, since the API grants business roles only.
**
** Every verb goes through auth.c, so the command line obeys the same password policy,
** separation of duties and audit as the API; the actor recorded is local:<os user>.
** Passwords never appear on the command line (they would land in shell history and ps):
** either kaoping generates one and prints it once, or --password-stdin reads one line.
**
** Not here: the rules themselves (auth.c), the HTTP routes for the same actions
** (http/api.c).
*/
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "auth.h"
#include "cli/cli.h"
#include "cli/verbs.h"
#include "store/db.h"
#include "util/mem.h"

/* Opens the database of the arguments; NULL after printing why. */
static Db *user_open(CliArgs *pArgs, const char *zPath) {
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zPath, 0, &pDb, &zErr)) {
    cli_error(pArgs, "%s", zErr);
    free(zErr);
    return NULL;
  }
  return pDb;
}

/* Reads one line (the password) from stdin into a malloc'd string without the line end.
** NULL when stdin is empty. */
static char *user_read_password(void) {
  Buf b = BUF_INIT;
  int c;
  while ((c = getchar()) != EOF && c != '\n') {
    buf_putc(&b, (char)c);
    if (b.n > AUTH_PASSWORD_MAX_BYTES + 1) break;
  }
  if (b.n == 0 && c == EOF) {
    buf_free(&b);
    return NULL;
  }
  if (b.n && b.z[b.n - 1] == '\r') b.z[--b.n] = 0;
  return buf_detach(&b);
}

static void user_password_free(char *z) {
  if (!z) return;
  sodium_memzero(z, strlen(z));
  free(z);
}

/* Parses "assessor,leader" (or "none") into a role mask; -1 after printing the bad name. */
static int user_parse_roles(CliArgs *pArgs, const char *zList, unsigned *pm) {
  *pm = 0;
  if (strcmp(zList, "none") == 0 || !*zList) return 0;
  char *z = xstrdup(zList);
  char *zSave = NULL;
  for (char *zTok = strtok_r(z, ",", &zSave); zTok; zTok = strtok_r(NULL, ",", &zSave)) {
    int r = auth_role_find(zTok);
    if (r < 0) {
      cli_error(pArgs, "unknown role \"%s\" (roles: sysadmin, secadmin, auditor, assessor, "
                "provider, reporter, inspector, leader)", zTok);
      free(z);
      return -1;
    }
    *pm |= ROLE_BIT(r);
  }
  free(z);
  return 0;
}

/* Common shape of the verbs that take one account name and nothing else but --db. */
typedef struct UserCmd {
  CliArgs args;
  const char *zName;
  const char *zDb;
  Db *pDb;
} UserCmd;

/* Parses NAME and --db after the verb's own options were taken; opens the database.
** Returns 0, or an exit code. */
static int user_cmd_open(UserCmd *p, int bNeedName) {
  p->zDb = cli_db_path(&p->args);
  p->zName = bNeedName ? cli_positional(&p->args, 0) : NULL;
  if (cli_finish(&p->args)) return EXIT_USAGE;
  if (bNeedName && !p->zName) {
    cli_error(&p->args, "which account? (kaoping %s --help)", p->args.zVerb);
    return EXIT_USAGE;
  }
  p->pDb = user_open(&p->args, p->zDb);
  return p->pDb ? 0 : EXIT_INTERNAL;
}

static int user_cmd_end(UserCmd *p, int rc) {
  db_close(p->pDb);
  cli_free(&p->args);
  return rc;
}

/* Maps an auth.c error code to an exit code: usage and data errors are bad input. */
static int user_exit_for(int code) {
  return code >= 3000 ? EXIT_BAD_INPUT : EXIT_INTERNAL;
}

/* kaoping user add NAME [--display TEXT] [--unit CODE] [--role R,...] [--password-stdin] */
int user_add_cmd(int argc, char **argv) {
  UserCmd c = {0};
  cli_init(&c.args, "user add", argc, argv);
  const char *zDisplay = cli_opt(&c.args, "--display");
  const char *zUnit = cli_opt(&c.args, "--unit");
  const char *zRoles = cli_opt(&c.args, "--role");
  int bStdin = cli_flag(&c.args, "--password-stdin");
  int rc = user_cmd_open(&c, 1);
  if (rc) return user_cmd_end(&c, rc);
  unsigned mRoles = 0;
  if (zRoles && user_parse_roles(&c.args, zRoles, &mRoles)) return user_cmd_end(&c, EXIT_USAGE);
  char *zPw = NULL;
  if (bStdin && !(zPw = user_read_password())) {
    cli_error(&c.args, "--password-stdin: no password on standard input");
    return user_cmd_end(&c, EXIT_USAGE);
  }
  char *zGen = NULL, *zErr = NULL;
  int code = 0;
  if (db_begin(c.pDb)) {
    cli_error(&c.args, "database busy: %s", db_errmsg(c.pDb));
    user_password_free(zPw);
    return user_cmd_end(&c, EXIT_INTERNAL);
  }
  rc = auth_user_add(c.pDb, c.zName, zDisplay, zUnit, zPw, cli_actor(), NULL, &zGen, &code,
                     NULL, &zErr);
  if (rc == 0 && zRoles)
    rc = auth_user_set_roles(c.pDb, c.zName, mRoles, ~0u, cli_actor(), NULL, &code, &zErr);
  user_password_free(zPw);
  if (rc) {
    db_rollback(c.pDb);
    cli_error(&c.args, "%s", zErr);
    free(zErr);
    user_password_free(zGen);
    return user_cmd_end(&c, user_exit_for(code));
  }
  if (db_commit(c.pDb)) {
    cli_error(&c.args, "could not be recorded (nothing changed): %s", db_errmsg(c.pDb));
    user_password_free(zGen);
    return user_cmd_end(&c, EXIT_INTERNAL);
  }
  printf("account %s added%s%s\n", c.zName, zRoles ? " with roles " : " without roles",
         zRoles ? zRoles : "");
  if (zGen) printf("initial password: %s\n", zGen);
  printf("the password must be changed at first login\n");
  user_password_free(zGen);
  return user_cmd_end(&c, EXIT_OK);
}

/* kaoping user passwd NAME [--password-stdin] */
int user_passwd_cmd(int argc, char **argv) {
  UserCmd c = {0};
  cli_init(&c.args, "user passwd", argc, argv);
  int bStdin = cli_flag(&c.args, "--password-stdin");
  int rc = user_cmd_open(&c, 1);
  if (rc) return user_cmd_end(&c, rc);
  char *zPw = NULL;
  int bGenerated = 0;
  if (bStdin) {
    if (!(zPw = user_read_password())) {
      cli_error(&c.args, "--password-stdin: no password on standard input");
      return user_cmd_end(&c, EXIT_USAGE);
    }
  } else {
    zPw = xmalloc(17);
    auth_password_generate(c.zName, zPw);
    bGenerated = 1;
  }
  char *zErr = NULL;
  int code = 0;
  rc = auth_password_set(c.pDb, c.zName, zPw, 1, cli_actor(), NULL, &code, &zErr);
  if (rc) {
    cli_error(&c.args, "%s", zErr);
    free(zErr);
    user_password_free(zPw);
    return user_cmd_end(&c, user_exit_for(code));
  }
  printf("password of %s reset; every session of the account ended\n", c.zName);
  if (bGenerated) printf("new password: %s\n", zPw);
  printf("the password must be changed at next login\n");
  user_password_free(zPw);
  return user_cmd_end(&c, EXIT_OK);
}

static int user_lock_common(int argc, char **argv, int bLock) {
  UserCmd c = {0};
  cli_init(&c.args, bLock ? "user lock" : "user unlock", argc, argv);
  int rc = user_cmd_open(&c, 1);
  if (rc) return user_cmd_end(&c, rc);
  char *zErr = NULL;
  int code = 0;
  if (auth_user_lock(c.pDb, c.zName, bLock, cli_actor(), NULL, &code, &zErr)) {
    cli_error(&c.args, "%s", zErr);
    free(zErr);
    return user_cmd_end(&c, user_exit_for(code));
  }
  printf(bLock ? "account %s locked; its sessions ended\n" : "account %s unlocked\n", c.zName);
  return user_cmd_end(&c, EXIT_OK);
}

/* kaoping user lock NAME */
int user_lock_cmd(int argc, char **argv) {
  return user_lock_common(argc, argv, 1);
}

/* kaoping user unlock NAME */
int user_unlock_cmd(int argc, char **argv) {
  return user_lock_common(argc, argv, 0);
}

/* kaoping user roles NAME ROLE[,ROLE...]|none */
int user_roles_cmd(int argc, char **argv) {
  UserCmd c = {0};
  cli_init(&c.args, "user roles", argc, argv);
  c.zDb = cli_db_path(&c.args);
  c.zName = cli_positional(&c.args, 0);
  const char *zRoles = cli_positional(&c.args, 1);
  if (cli_finish(&c.args)) return user_cmd_end(&c, EXIT_USAGE);
  if (!c.zName || !zRoles) {
    cli_error(&c.args, "usage: kaoping user roles NAME ROLE[,ROLE...]|none");
    return user_cmd_end(&c, EXIT_USAGE);
  }
  unsigned m;
  if (user_parse_roles(&c.args, zRoles, &m)) return user_cmd_end(&c, EXIT_USAGE);
  if (!(c.pDb = user_open(&c.args, c.zDb))) return user_cmd_end(&c, EXIT_INTERNAL);
  char *zErr = NULL;
  int code = 0;
  if (auth_user_set_roles(c.pDb, c.zName, m, ~0u, cli_actor(), NULL, &code, &zErr)) {
    cli_error(&c.args, "%s", zErr);
    free(zErr);
    return user_cmd_end(&c, user_exit_for(code));
  }
  printf("roles of %s: %s\n", c.zName, m ? zRoles : "none");
  return user_cmd_end(&c, EXIT_OK);
}

/* kaoping user list [--format table|json] */
int user_list_cmd(int argc, char **argv) {
  UserCmd c = {0};
  cli_init(&c.args, "user list", argc, argv);
  const char *zFormat = cli_opt(&c.args, "--format");
  int rc = user_cmd_open(&c, 0);
  if (rc) return user_cmd_end(&c, rc);
  if (zFormat && strcmp(zFormat, "table") != 0 && strcmp(zFormat, "json") != 0) {
    cli_error(&c.args, "--format must be table or json");
    return user_cmd_end(&c, EXIT_USAGE);
  }
  Stmt *s = db_prepare(c.pDb, "SELECT name FROM users ORDER BY name");
  Arena *pArena = arena_new();
  json_t *pArr = json_array();
  int bJson = zFormat && strcmp(zFormat, "json") == 0;
  if (!bJson)
    printf("%-20s %-16s %-8s %-28s %-14s %s\n", "name", "display", "unit", "roles", "state",
           "last login");
  while (stmt_step(s) == 1) {
    AuthUser u;
    if (auth_user_load(c.pDb, pArena, stmt_text(s, 0), &u)) continue;
    Buf roles = BUF_INIT;
    json_t *pRoles = json_array();
    for (int i = 0; i < ROLE_COUNT; i++) {
      if (!(u.mRoles & ROLE_BIT(i))) continue;
      if (roles.n) buf_putc(&roles, ',');
      buf_puts(&roles, auth_role_name(i));
      json_array_append_new(pRoles, json_string(auth_role_name(i)));
    }
    int64_t tLocked = auth_time_parse(u.zLockedUntil);
    const char *zState = u.bDisabled ? "locked"
                         : tLocked > auth_now() ? "locked-out"
                         : u.bExpired ? "expired"
                         : u.bPasswordChange ? "must-change"
                         : u.bTotpEnrol ? "totp-enrol" : "active";
    if (bJson) {
      json_array_append_new(
          pArr, json_pack("{s:s, s:s, s:s?, s:o, s:s, s:s?}", "name", u.zName, "display_name", u.zDisplay,
                          "unit", u.zUnit, "roles", pRoles, "state", zState, "last_login_at",
                          u.zLastLogin));
    } else {
      json_decref(pRoles);
      printf("%-20s %-16s %-8s %-28s %-14s %s\n", u.zName, u.zDisplay,
             u.zUnit ? u.zUnit : "-", roles.n ? buf_str(&roles) : "-", zState,
             u.zLastLogin ? u.zLastLogin : "never");
    }
    buf_free(&roles);
  }
  stmt_finalize(s);
  if (bJson) {
    char *z = json_dumps(pArr, JSON_INDENT(2));
    printf("%s\n", z);
    free(z);
  }
  json_decref(pArr);
  arena_free(pArena);
  return user_cmd_end(&c, EXIT_OK);
}

/* kaoping user policy [NAME VALUE] */
int user_policy_cmd(int argc, char **argv) {
  UserCmd c = {0};
  cli_init(&c.args, "user policy", argc, argv);
  c.zDb = cli_db_path(&c.args);
  const char *zName = cli_positional(&c.args, 0);
  const char *zValue = cli_positional(&c.args, 1);
  if (cli_finish(&c.args)) return user_cmd_end(&c, EXIT_USAGE);
  if (zName && !zValue) {
    cli_error(&c.args, "usage: kaoping user policy [NAME VALUE]");
    return user_cmd_end(&c, EXIT_USAGE);
  }
  if (!(c.pDb = user_open(&c.args, c.zDb))) return user_cmd_end(&c, EXIT_INTERNAL);
  if (zName) {
    char *zErr = NULL;
    if (auth_setting_set(c.pDb, zName, zValue, cli_actor(), NULL, &zErr)) {
      cli_error(&c.args, "%s", zErr);
      free(zErr);
      return user_cmd_end(&c, EXIT_BAD_INPUT);
    }
    printf("%s = %s\n", zName, zValue);
    return user_cmd_end(&c, EXIT_OK);
  }
  for (int i = 0; i < nAuthSetting; i++) {
    const AuthSetting *p = &aAuthSetting[i];
    printf("%-26s %8" PRId64 "  (default %" PRId64 ", %" PRId64 "..%" PRId64 ")  %s\n",
           p->zName, auth_setting(c.pDb, p->zName), p->iDefault, p->iMin, p->iMax, p->zHelp);
  }
  for (int i = 0; i < nAuthTextSetting; i++) {
    const AuthTextSetting *p = &aAuthTextSetting[i];
    char *zVal = auth_setting_text(c.pDb, p->zName);
    printf("%-26s %8s  (default \"%s\")  %s\n", p->zName, zVal[0] ? zVal : "\"\"", p->zDefault,
           p->zHelp);
    free(zVal);
  }
  return user_cmd_end(&c, EXIT_OK);
}

/* kaoping user totp enrol NAME: a confirmed second factor, printed once for the holder. */
static int user_totp_enrol(int argc, char **argv) {
  UserCmd c = {0};
  cli_init(&c.args, "user totp enrol", argc, argv);
  int rc = user_cmd_open(&c, 1);
  if (rc) return user_cmd_end(&c, rc);
  char *zB32 = NULL, *zUri = NULL, *zErr = NULL;
  int code = 0;
  if (auth_totp_enrol(c.pDb, c.zName, 1, cli_actor(), NULL, &zB32, &zUri, &code, &zErr)) {
    cli_error(&c.args, "%s", zErr);
    free(zErr);
    return user_cmd_end(&c, user_exit_for(code));
  }
  printf("uri: %s\nsecret: %s\n", zUri, zB32);
  printf("Give these to %s only (scan the URI as a QR code or type the secret into an "
         "authenticator app); they are not shown again.\n", c.zName);
  user_password_free(zB32);
  user_password_free(zUri);
  return user_cmd_end(&c, EXIT_OK);
}

/* kaoping user totp reset NAME: removes the second factor (lost device). */
static int user_totp_reset(int argc, char **argv) {
  UserCmd c = {0};
  cli_init(&c.args, "user totp reset", argc, argv);
  int rc = user_cmd_open(&c, 1);
  if (rc) return user_cmd_end(&c, rc);
  char *zErr = NULL;
  int code = 0;
  if (auth_totp_reset(c.pDb, c.zName, cli_actor(), NULL, &code, &zErr)) {
    cli_error(&c.args, "%s", zErr);
    free(zErr);
    return user_cmd_end(&c, user_exit_for(code));
  }
  printf("second factor of %s removed: enrol a new one (kaoping user totp enrol)\n", c.zName);
  return user_cmd_end(&c, EXIT_OK);
}

/* kaoping user totp enrol|reset NAME */
int user_totp_cmd(int argc, char **argv) {
  if (argc >= 1 && strcmp(argv[0], "enrol") == 0) return user_totp_enrol(argc - 1, argv + 1);
  if (argc >= 1 && strcmp(argv[0], "reset") == 0) return user_totp_reset(argc - 1, argv + 1);
  fprintf(stderr, "kaoping user totp: usage: kaoping user totp enrol|reset NAME [--db F]\n");
  return EXIT_USAGE;
}

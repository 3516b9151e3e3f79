/*
** supervision_cmd.c: the supervision verbs of the command line: `calendar import|show|due`,
** `inspection add|list`, `finding add|list|show|act`, `task add|list|show|act`. They call
** supervision.c with an account, exactly as the HTTP API does, so the lifecycle's role
** rules and the audit trail are the same from both doors.
**
** --as USER names the account that acts (the local operator's privilege, as for `kaoping
** http --as`): the audit records the account, and the role rules apply to it. Writing verbs
** need it; reading verbs without it read as the operator (every finding, no actions).
** Exit codes: 0 done, 1 refused or bad input (nothing written; refusals are audited),
** 2 usage, 4 database or system error.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "calendar.h"
#include "cli/cli.h"
#include "cli/verbs.h"
#include "http/errcode.h"
#include "supervision.h"
#include "util/mem.h"
#include "util/text.h"

typedef struct SupCli {
  CliArgs args;
  Db *pDb;
  Arena *pArena; 
  AuthUser user;  /* the --as account, or the operator's read-only stand-in */
  EntryWho who;
  int bAs;        /* --as was given */
} SupCli;

/* Opens the database and resolves --as. bNeedAs: refuse without it. Returns 0, or an exit
** code (the message printed). Call after every cli_opt of the verb, before cli_finish. */
static int sup_cli_open(SupCli *c, int bNeedAs) {
  const char *zAs = cli_opt(&c->args, "--as");
  c->pArena = arena_new();
  const char *zDb = cli_db_path(&c->args);
  if (cli_finish(&c->args)) return EXIT_USAGE;
  if (bNeedAs && !zAs) {
    cli_error(&c->args, "--as USER is required: the account that acts (its roles decide what "
                        "it may do)");
    return EXIT_USAGE;
  }
  char *zErr = NULL;
  if (db_open(zDb, 0, &c->pDb, &zErr)) {
    cli_error(&c->args, "%s", zErr);
    free(zErr);
    return EXIT_INTERNAL;
  }
  if (zAs) {
    if (!auth_name_valid(zAs) || auth_user_load(c->pDb, c->pArena, zAs, &c->user)) {
      cli_error(&c->args, "--as %s: no such account", zAs);
      return EXIT_USAGE;
    }
    c->bAs = 1;
  } else {
    memset(&c->user, 0, sizeof c->user);
    c->user.zName = arena_strdup(c->pArena, cli_actor());
    c->user.caps = CAP_LOGIN | CAP_REVIEW_DRAFT | CAP_ALL_UNITS;
  }
  c->who.pUser = &c->user;
  c->who.zIp = NULL;
  return 0;
}

static void sup_cli_close(SupCli *c) {
  db_close(c->pDb);
  if (c->pArena) arena_free(c->pArena);
  cli_free(&c->args);
}

static int sup_cli_fail(SupCli *c, EntryErr *e) {
  cli_error(&c->args, "%s", e->zMsg);
  int rc = e->iCode == KP_E_INTERNAL || e->iCode == KP_E_UNAVAILABLE ? EXIT_INTERNAL
                                                                      : EXIT_BAD_INPUT;
  entry_err_free(e);
  return rc;
}

/* Copies option --NAME into pObj[zKey] as text (when given). */
static void opt_text(SupCli *c, const char *zName, json_t *pObj, const char *zKey) {
  const char *z = cli_opt(&c->args, zName);
  if (z) json_object_set_new(pObj, zKey, json_string(z));
}

/* Copies option --NAME, a comma-separated list ("430421,430422"), into pObj[zKey] as an
** array of its trimmed items (when given). */
static void opt_list(SupCli *c, const char *zName, json_t *pObj, const char *zKey) {
  const char *zList = cli_opt(&c->args, zName);
  if (!zList) return;
  json_t *a = json_array();
  char *zCopy = xstrdup(zList), *zSave = NULL;
  for (char *z = strtok_r(zCopy, ",", &zSave); z; z = strtok_r(NULL, ",", &zSave))
    json_array_append_new(a, json_string(text_trim(z)));
  free(zCopy);
  json_object_set_new(pObj, zKey, a);
}

/* Copies option --NAME into pObj[zKey] as a number (integer when bInt). -1 when malformed. */
static int opt_num(SupCli *c, const char *zName, json_t *pObj, const char *zKey, int bInt) {
  const char *z = cli_opt(&c->args, zName);
  if (!z) return 0;
  double r;
  if (text_parse_double(z, &r) || (bInt && (r != (double)(long long)r || r < -2e9 || r > 2e9))) {
    cli_error(&c->args, "%s must be a %s, not \"%s\"", zName, bInt ? "whole number" : "number", z);
    return -1;
  }
  json_object_set_new(pObj, zKey, bInt ? json_integer((json_int_t)r) : json_real(r));
  return 0;
}

static void print_json(json_t *o) {
  char *z = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
  if (z) puts(z);
  free(z);
}

static const char *js(json_t *o, const char *zKey) {
  json_t *v = json_object_get(o, zKey);
  return json_is_string(v) ? json_string_value(v) : "-";
}

static long long ji(json_t *o, const char *zKey) {
  json_t *v = json_object_get(o, zKey);
  return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* ---- calendar ------------------------------------------------------------------------- */

int calendar_import_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "calendar import", argc, argv);
  const char **azFile = NULL;
  int nFile = cli_positionals(&c.args, &azFile);
  int rc = sup_cli_open(&c, 0);
  if (!rc && nFile == 0) {
    cli_error(&c.args, "usage: kaoping calendar import FILE.csv...");
    rc = EXIT_USAGE;
  }
  for (int i = 0; !rc && i < nFile; i++) {
    char *zText = NULL, *zErr = NULL, *zSum = NULL;
    size_t n;
    TextEncoding enc;
    if (text_load(azFile[i], &zText, &n, &enc, &zErr) ||
        sup_calendar_import(c.pDb, c.bAs ? c.user.zName : cli_actor(), NULL, azFile[i], zText, n,
                            &zSum, &zErr)) {
      cli_error(&c.args, "%s", zErr);
      rc = EXIT_BAD_INPUT;
    } else {
      printf("%s: %s\n", azFile[i], zSum);
    }
    free(zText);
    free(zErr);
    free(zSum);
  }
  free(azFile);
  sup_cli_close(&c);
  return rc;
}

int calendar_show_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "calendar show", argc, argv);
  const char *zYear = cli_positional(&c.args, 0);
  int rc = sup_cli_open(&c, 0);
  if (rc) goto done;
  Calendar cal;
  char *zErr = NULL;
  if (sup_calendar_load(c.pDb, &cal, &zErr)) {
    cli_error(&c.args, "%s", zErr);
    free(zErr);
    rc = EXIT_INTERNAL;
    goto done;
  }
  int iYear = zYear ? atoi(zYear) : 0;
  if (!zYear) {
    printf("years with a holiday calendar:");
    for (int i = 0; i < cal.nYear; i++) printf(" %d", cal.aYear[i]);
    printf("%s\n", cal.nYear ? "" : " none (kaoping calendar import data/calendar/cn-*.csv)");
  } else if (!cal_year_known(&cal, iYear)) {
    cli_error(&c.args, "no holiday calendar for %s", zYear);
    rc = EXIT_BAD_INPUT;
  } else {
    static const char *const azWd[] = {"", "一", "二", "三", "四", "五", "六", "日"};
    for (int i = 0; i < cal.nDay; i++) {
      if (cal.aDay[i].iYear != iYear) continue;
      char z[11];
      cal_date_format(cal.aDay[i].iDay, z);
      printf("%s 周%s %s %s\n", z, azWd[cal_weekday(cal.aDay[i].iDay)],
             cal.aDay[i].bWork ? "上班" : "放假", cal.aDay[i].zName);
    }
  }
  cal_free(&cal);
done:
  sup_cli_close(&c);
  return rc;
}

int calendar_due_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "calendar due", argc, argv);
  const char *zDate = cli_positional(&c.args, 0), *zDays = cli_positional(&c.args, 1);
  int rc = sup_cli_open(&c, 0);
  if (rc) goto done;
  int iDay, iDue;
  double rDays;
  if (!zDate || !zDays || cal_date_parse(zDate, &iDay) || text_parse_double(zDays, &rDays) ||
      rDays < 0 || rDays > 3650 || rDays != (int)rDays) {
    cli_error(&c.args, "usage: kaoping calendar due YYYY-MM-DD WORKING-DAYS");
    rc = EXIT_USAGE;
    goto done;
  }
  Calendar cal;
  char *zErr = NULL;
  if (sup_calendar_load(c.pDb, &cal, &zErr) ||
      cal_add_workdays(&cal, iDay, (int)rDays, &iDue, &zErr)) {
    cli_error(&c.args, "%s", zErr);
    free(zErr);
    rc = EXIT_BAD_INPUT;
  } else {
    char z[11];
    cal_date_format(iDue, z);
    printf("%s\n", z);
  }
  cal_free(&cal);
done:
  sup_cli_close(&c);
  return rc;
}

/* ---- inspections ---------------------------------------------------------------------- */

int inspection_add_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "inspection add", argc, argv);
  json_t *pIn = json_object();
  opt_text(&c, "--kind", pIn, "kind");
  opt_text(&c, "--topic", pIn, "topic");
  opt_text(&c, "--team", pIn, "team");
  opt_text(&c, "--start", pIn, "start");
  opt_text(&c, "--end", pIn, "end");
  int rc = sup_cli_open(&c, 1);
  if (!rc) {
    json_t *pOut = NULL;
    EntryErr e = {0};
    if (sup_inspection_add(c.pDb, &c.who, pIn, &pOut, &e)) {
      rc = sup_cli_fail(&c, &e);
    } else {
      printf("inspection %lld: %s %s (%s to %s)\n", ji(pOut, "id"), js(pOut, "kind_label"),
             js(pOut, "topic"), js(pOut, "start"), js(pOut, "end"));
      json_decref(pOut);
    }
  }
  json_decref(pIn);
  sup_cli_close(&c);
  return rc;
}

int inspection_list_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "inspection list", argc, argv);
  const char *zFormat = cli_opt(&c.args, "--format");
  int rc = sup_cli_open(&c, 0);
  if (rc) goto done;
  json_t *pOut = NULL;
  EntryErr e = {0};
  if (!c.bAs) c.user.caps |= CAP_INSPECT; /* the operator reads the office's records */
  if (sup_inspection_list(c.pDb, &c.who, &pOut, &e)) {
    rc = sup_cli_fail(&c, &e);
    goto done;
  }
  if (zFormat && strcmp(zFormat, "json") == 0) {
    print_json(pOut);
  } else {
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(pOut, "inspections"), i, o)
      printf("%4lld  %s  %s..%s  %s  (%s; %lld findings)\n", ji(o, "id"), js(o, "kind_label"),
             js(o, "start"), js(o, "end"), js(o, "topic"), js(o, "team"), ji(o, "findings"));
  }
  json_decref(pOut);
done:
  sup_cli_close(&c);
  return rc;
}

/* ---- findings ------------------------------------------------------------------------- */

static void finding_print_line(json_t *o) {
  char zLevel[32] = "";
  if (ji(o, "level")) snprintf(zLevel, sizeof zLevel, " %s", js(o, "level_label"));
  json_t *pDays = json_object_get(o, "overdue_days");
  printf("%4lld  %-8s %-12s %-10s %-6s due %-10s%s%s  %s\n", ji(o, "id"), js(o, "unit"),
         js(o, "category"), js(o, "state"), js(o, "light"),
         json_is_string(json_object_get(o, "due")) ? js(o, "due") : "-",
         json_is_integer(pDays) && json_integer_value(pDays) > 0 ? " overdue" : "", zLevel,
         js(o, "unit_name"));
}

int finding_add_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "finding add", argc, argv);
  json_t *pIn = json_object();
  int bad = 0;
  opt_text(&c, "--unit", pIn, "unit");
  opt_text(&c, "--category", pIn, "category");
  opt_text(&c, "--text", pIn, "text");
  opt_text(&c, "--severity", pIn, "severity");
  opt_text(&c, "--place", pIn, "place");
  opt_text(&c, "--responsible", pIn, "responsible");
  bad |= opt_num(&c, "--inspection", pIn, "inspection", 1);
  bad |= opt_num(&c, "--days", pIn, "days", 1);
  bad |= opt_num(&c, "--sign-days", pIn, "sign_days", 1);
  bad |= opt_num(&c, "--report-every", pIn, "report_every", 1);
  bad |= opt_num(&c, "--deduction", pIn, "deduction", 0);
  bad |= opt_num(&c, "--lon", pIn, "lon", 0);
  bad |= opt_num(&c, "--lat", pIn, "lat", 0);
  opt_list(&c, "--co", pIn, "co_units");
  int rc = bad ? EXIT_USAGE : sup_cli_open(&c, 1);
  if (!rc) {
    json_t *pOut = NULL;
    EntryErr e = {0};
    if (sup_finding_add(c.pDb, &c.who, pIn, &pOut, &e)) {
      rc = sup_cli_fail(&c, &e);
    } else {
      printf("finding %lld recorded (%s): %s %s, %lld working days to rectify\n", ji(pOut, "id"),
             js(pOut, "state_label"), js(pOut, "unit_name"), js(pOut, "category"),
             ji(pOut, "limit_days"));
      json_decref(pOut);
    }
  }
  json_decref(pIn);
  sup_cli_close(&c);
  return rc;
}

int finding_list_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "finding list", argc, argv);
  FindingFilter f = {0};
  f.zUnit = cli_opt(&c.args, "--unit");
  f.zCategory = cli_opt(&c.args, "--category");
  f.zState = cli_opt(&c.args, "--state");
  f.zLight = cli_opt(&c.args, "--light");
  f.bOverdue = cli_flag(&c.args, "--overdue");
  f.bOpen = cli_flag(&c.args, "--open");
  const char *zPage = cli_opt(&c.args, "--page"), *zPer = cli_opt(&c.args, "--per-page");
  const char *zFormat = cli_opt(&c.args, "--format");
  f.iPage = zPage ? atoi(zPage) : 1;
  f.nPerPage = zPer ? atoi(zPer) : 50;
  int rc = sup_cli_open(&c, 0);
  if (rc) goto done;
  json_t *pOut = NULL;
  EntryErr e = {0};
  if (sup_finding_list(c.pDb, &c.who, &f, &pOut, &e)) {
    rc = sup_cli_fail(&c, &e);
    goto done;
  }
  if (zFormat && strcmp(zFormat, "json") == 0) {
    print_json(pOut);
  } else {
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(pOut, "findings"), i, o) finding_print_line(o);
    json_t *k = json_object_get(pOut, "counts");
    printf("%lld findings (page %lld, %lld per page): red %lld, yellow %lld, blue %lld, "
           "green %lld, closed or not yet assigned %lld\n", ji(pOut, "total"), ji(pOut, "page"),
           ji(pOut, "per_page"), ji(k, "red"), ji(k, "yellow"), ji(k, "blue"), ji(k, "green"),
           ji(k, "none"));
  }
  json_decref(pOut);
done:
  sup_cli_close(&c);
  return rc;
}

static int finding_id_arg(SupCli *c, const char *z, int64_t *pid) {
  double r;
  if (!z || text_parse_double(z, &r) || r < 1 || r > 9e15 || r != (double)(int64_t)r) {
    cli_error(&c->args, "FINDING must be a finding number, not \"%s\"", z ? z : "");
    return -1;
  }
  *pid = (int64_t)r;
  return 0;
}

static void finding_print(json_t *o) {
  printf("finding %lld  %s (%s)  light %s%s%s\n", ji(o, "id"), js(o, "state_label"),
         js(o, "state"), js(o, "light"), ji(o, "level") ? "  " : "",
         ji(o, "level") ? js(o, "level_label") : "");
  printf("  unit      %s %s\n  category  %s  severity %s  deduction %g points\n", js(o, "unit"),
         js(o, "unit_name"), js(o, "category"), js(o, "severity_label"),
         json_number_value(json_object_get(o, "deduction")));
  printf("  text      %s\n", js(o, "text"));
  printf("  limits    sign %lld, rectify %lld working days; report every %lld days\n",
         ji(o, "sign_days"), ji(o, "limit_days"), ji(o, "report_every"));
  printf("  dates     assigned %s, sign due %s, signed %s, due %s\n", js(o, "assigned_on"),
         js(o, "sign_due"), js(o, "signed_on"), js(o, "due"));
  printf("  progress  %lld %% (time progress %.0f %%), returns %lld, reopens %lld%s%s%s\n",
         ji(o, "progress"), 100 * json_number_value(json_object_get(o, "time_progress")),
         ji(o, "returns"), ji(o, "reopens"),
         json_is_true(json_object_get(o, "overdue")) ? ", OVERDUE" : "",
         json_is_true(json_object_get(o, "sign_late")) ? ", signed late" : "",
         json_is_true(json_object_get(o, "finish_late")) ? ", finished late" : "");
  size_t i;
  json_t *ev;
  json_array_foreach(json_object_get(o, "events"), i, ev) {
    printf("  %s  %-10s %-14s %s -> %s", js(ev, "at"), js(ev, "actor"), js(ev, "action"),
           js(ev, "from"), js(ev, "to"));
    if (json_is_string(json_object_get(ev, "note"))) printf("  「%s」", js(ev, "note"));
    printf("\n");
  }
}

int finding_show_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "finding show", argc, argv);
  const char *zId = cli_positional(&c.args, 0);
  const char *zFormat = cli_opt(&c.args, "--format");
  int64_t id = 0;
  int rc = sup_cli_open(&c, 0);
  if (!rc && finding_id_arg(&c, zId, &id)) rc = EXIT_USAGE;
  if (!rc) {
    json_t *pOut = NULL;
    EntryErr e = {0};
    if (sup_finding_show(c.pDb, &c.who, id, &pOut, &e)) {
      rc = sup_cli_fail(&c, &e);
    } else {
      if (zFormat && strcmp(zFormat, "json") == 0) print_json(pOut);
      else finding_print(pOut);
      json_decref(pOut);
    }
  }
  sup_cli_close(&c);
  return rc;
}

int finding_act_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "finding act", argc, argv);
  const char *zId = cli_positional(&c.args, 0), *zAction = cli_positional(&c.args, 1);
  json_t *pArgs = json_object();
  int bad = 0;
  opt_text(&c, "--note", pArgs, "note");
  opt_text(&c, "--deadline", pArgs, "deadline");
  opt_text(&c, "--dup-of-order", pArgs, "dup_of_order");
  bad |= opt_num(&c, "--days", pArgs, "days", 1);
  bad |= opt_num(&c, "--progress", pArgs, "progress", 1);
  bad |= opt_num(&c, "--dup-of", pArgs, "dup_of", 1);
  if (cli_flag(&c.args, "--public")) json_object_set_new(pArgs, "public", json_true());
  int64_t id = 0;
  int rc = bad ? EXIT_USAGE : sup_cli_open(&c, 1);
  if (!rc && (finding_id_arg(&c, zId, &id) || !zAction)) {
    if (!zAction) cli_error(&c.args, "usage: kaoping finding act FINDING ACTION --as USER ...");
    rc = EXIT_USAGE;
  }
  if (!rc) {
    json_t *pOut = NULL;
    EntryErr e = {0};
    if (sup_finding_act(c.pDb, &c.who, id, zAction, pArgs, &pOut, &e)) {
      rc = sup_cli_fail(&c, &e);
    } else {
      json_t *aEv = json_object_get(pOut, "events");
      json_t *ev = json_array_get(aEv, json_array_size(aEv) - 1);
      printf("finding %lld: %s -> %s (%s), light %s", (long long)id, js(ev, "from"), js(pOut, "state"),
             js(pOut, "state_label"), js(pOut, "light"));
      if (json_is_string(json_object_get(pOut, "due")))
        printf(", due %s", js(pOut, "due"));
      printf("\n");
      json_decref(pOut);
    }
  }
  json_decref(pArgs);
  sup_cli_close(&c);
  return rc;
}

/* ---- tasks ----------------------------------------------------------------------------- */

int task_add_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "task add", argc, argv);
  json_t *pIn = json_object();
  opt_text(&c, "--title", pIn, "title");
  opt_text(&c, "--category", pIn, "category");
  opt_text(&c, "--source", pIn, "source");
  opt_text(&c, "--lead", pIn, "lead_unit");
  opt_text(&c, "--deadline", pIn, "deadline");
  int bad = opt_num(&c, "--days", pIn, "days", 1);
  opt_list(&c, "--co", pIn, "co_units");
  int rc = bad ? EXIT_USAGE : sup_cli_open(&c, 1);
  if (!rc) {
    json_t *pOut = NULL;
    EntryErr e = {0};
    if (sup_task_add(c.pDb, &c.who, pIn, &pOut, &e)) {
      rc = sup_cli_fail(&c, &e);
    } else {
      printf("task %lld assigned to %s (%s), due %s\n", ji(pOut, "id"), js(pOut, "lead_unit_name"),
             js(pOut, "lead_unit"), js(pOut, "due"));
      json_decref(pOut);
    }
  }
  json_decref(pIn);
  sup_cli_close(&c);
  return rc;
}

int task_list_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "task list", argc, argv);
  const char *zUnit = cli_opt(&c.args, "--unit"), *zState = cli_opt(&c.args, "--state");
  const char *zFormat = cli_opt(&c.args, "--format");
  int rc = sup_cli_open(&c, 0);
  if (rc) goto done;
  json_t *pOut = NULL;
  EntryErr e = {0};
  if (sup_task_list(c.pDb, &c.who, zUnit, zState, &pOut, &e)) {
    rc = sup_cli_fail(&c, &e);
    goto done;
  }
  if (zFormat && strcmp(zFormat, "json") == 0) {
    print_json(pOut);
  } else {
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(pOut, "tasks"), i, o)
      printf("%4lld  %-8s %-10s %-6s due %s %3lld %%%s  %s\n", ji(o, "id"), js(o, "lead_unit"),
             js(o, "state"), js(o, "light"), js(o, "due"), ji(o, "progress"),
             json_is_true(json_object_get(o, "overdue")) ? " overdue" : "", js(o, "title"));
    printf("%lld tasks, %lld overdue\n", ji(pOut, "total"), ji(pOut, "overdue"));
  }
  json_decref(pOut);
done:
  sup_cli_close(&c);
  return rc;
}

int task_show_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "task show", argc, argv);
  const char *zId = cli_positional(&c.args, 0);
  const char *zFormat = cli_opt(&c.args, "--format");
  int64_t id = 0;
  int rc = sup_cli_open(&c, 0);
  if (!rc && finding_id_arg(&c, zId, &id)) rc = EXIT_USAGE;
  if (!rc) {
    json_t *pOut = NULL;
    EntryErr e = {0};
    if (sup_task_show(c.pDb, &c.who, id, &pOut, &e)) {
      rc = sup_cli_fail(&c, &e);
    } else if (zFormat && strcmp(zFormat, "json") == 0) {
      print_json(pOut);
      json_decref(pOut);
    } else {
      printf("task %lld  %s  %s (%s)  light %s\n  lead %s %s, due %s, progress %lld %%\n", (long long)id,
             js(pOut, "title"), js(pOut, "state_label"), js(pOut, "state"), js(pOut, "light"),
             js(pOut, "lead_unit"), js(pOut, "lead_unit_name"), js(pOut, "due"),
             ji(pOut, "progress"));
      size_t i;
      json_t *ev;
      json_array_foreach(json_object_get(pOut, "events"), i, ev)
        printf("  %s  %-10s %-14s %s\n", js(ev, "at"), js(ev, "actor"), js(ev, "action"),
               json_is_string(json_object_get(ev, "note")) ? js(ev, "note") : "");
      json_decref(pOut);
    }
  }
  sup_cli_close(&c);
  return rc;
}

int task_act_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "task act", argc, argv);
  const char *zId = cli_positional(&c.args, 0), *zAction = cli_positional(&c.args, 1);
  json_t *pArgs = json_object();
  opt_text(&c, "--note", pArgs, "note");
  int bad = opt_num(&c, "--progress", pArgs, "progress", 1);
  int64_t id = 0;
  int rc = bad ? EXIT_USAGE : sup_cli_open(&c, 1);
  if (!rc && (finding_id_arg(&c, zId, &id) || !zAction)) {
    if (!zAction) cli_error(&c.args, "usage: kaoping task act TASK ACTION --as USER ...");
    rc = EXIT_USAGE;
  }
  if (!rc) {
    json_t *pOut = NULL;
    EntryErr e = {0};
    if (sup_task_act(c.pDb, &c.who, id, zAction, pArgs, &pOut, &e)) {
      rc = sup_cli_fail(&c, &e);
    } else {
      printf("task %lld: %s (%s), light %s, progress %lld %%\n", (long long)id,
             js(pOut, "state"), js(pOut, "state_label"), js(pOut, "light"),
             ji(pOut, "progress"));
      json_decref(pOut);
    }
  }
  json_decref(pArgs);
  sup_cli_close(&c);
  return rc;
}

int finding_sync_cmd(int argc, char **argv) {
  SupCli c = {0};
  cli_init(&c.args, "finding sync", argc, argv);
  const char *zPeriod = cli_positional(&c.args, 0);
  int rc = sup_cli_open(&c, 0);
  if (!rc && !zPeriod) {
    cli_error(&c.args, "usage: kaoping finding sync PERIOD [--as USER]");
    rc = EXIT_USAGE;
  }
  if (!rc) {
    /* Without --as, the operator acts for the performance office, as `review compute` does. */
    if (!c.bAs) c.user.caps |= CAP_REVIEW_PUBLISH;
    json_t *pOut = NULL;
    EntryErr e = {0};
    if (sup_finding_sync(c.pDb, &c.who, zPeriod, &pOut, &e)) {
      rc = sup_cli_fail(&c, &e);
    } else {
      size_t i;
      json_t *o;
      json_array_foreach(json_object_get(pOut, "values"), i, o) {
        double r = json_number_value(json_object_get(o, "value"));
        if (r != 0) printf("  %s %s %g\n", js(o, "unit"), js(o, "indicator"), r);
      }
      printf("period %s: %lld values written, %lld unchanged\n", js(pOut, "period"),
             ji(pOut, "written"), ji(pOut, "unchanged"));
      json_decref(pOut);
    }
  }
  sup_cli_close(&c);
  return rc;
}

/*
** wish_cmd.c: the `wish` verbs and `user party`: micro-wishes from the command line, through
** the same functions as the API (wish_store.c), so the two cannot disagree (STYLE.md R4).
**
**   wish submit   a grassroots worker enters a citizen's wish (prints the tracking code once)
**   wish list     the board, oldest activity first, with ages
**   wish show     one wish with its events
**   wish act      claim | progress | complete | release | reject, as a party member (--as)
**   wish confirm  the submitter's confirmation by tracking code, with a rating
**   wish dispute  the submitter says it is not done
**   wish stats    per-unit counts and rates of a period
**   wish feed     writes the rates of an open period as observations (provenance wish)
**   user party    sets or clears an account's party membership
**
** The actor is the local operator (local:<os user>), or with --as NAME the named account,
** which the operator vouches for (the same trust as `kaoping http --as`): audit records name
** that account. Output is text, or JSON with --format json.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "cli/domain.h"
#include "http/errcode.h"
#include "store/db.h"
#include "util/mem.h"
#include "wish_store.h"


static void wish_print_row(json_t *o) {
  json_t *pR = json_object_get(o, "rating");
  printf("%5lld  %-10s %-4s %-12s %-10s %4lld d (idle %lld d)%s%s%s  %s\n",
         (long long)json_integer_value(json_object_get(o, "id")),
         json_string_value(json_object_get(o, "state")),
         json_string_value(json_object_get(o, "category")),
         json_string_value(json_object_get(o, "unit_name")),
         json_string_value(json_object_get(o, "contact_masked")),
         (long long)json_integer_value(json_object_get(o, "age_days")),
         (long long)json_integer_value(json_object_get(o, "idle_days")),
         json_is_string(json_object_get(o, "claimed_by")) ? "  by " : "",
         json_is_string(json_object_get(o, "claimed_by")) ? json_string_value(json_object_get(o, "claimed_by")) : "",
         json_is_integer(pR) ? (json_integer_value(pR) >= 4 ? "  ★满意" : "  ☆") : "",
         json_string_value(json_object_get(o, "text")));
}

/* kaoping wish submit --unit U --category C --place P --text T --contact PHONE */
int wish_submit_cmd(int argc, char **argv) {
  DomainCli c;
  int rc = domain_cli_open(&c, "wish submit", argc, argv);
  if (rc) {
    domain_cli_close(&c);
    return rc;
  }
  WishInput in = {cli_opt(&c.args, "--category"), cli_opt(&c.args, "--unit"), cli_opt(&c.args, "--place"),
                  cli_opt(&c.args, "--text"), cli_opt(&c.args, "--contact"), NULL};
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (wish_submit(c.pDb, &c.who, NULL, &in, &o, &c.err)) {
    rc = domain_cli_fail(&c);
  } else {
    if (c.bJson) domain_cli_json(o);
    else printf("wish %lld submitted for %s (%s), contact %s\ntracking code: %s (give it to the "
                "citizen: it is not stored and cannot be shown again)\n",
                (long long)json_integer_value(json_object_get(o, "id")),
                json_string_value(json_object_get(o, "unit")),
                json_string_value(json_object_get(o, "category")),
                json_string_value(json_object_get(o, "contact_masked")),
                json_string_value(json_object_get(o, "tracking_code")));
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping wish list [--unit U] [--state S] [--category C] [--page N] */
int wish_list_cmd(int argc, char **argv) {
  DomainCli c;
  int rc = domain_cli_open(&c, "wish list", argc, argv);
  if (rc) {
    domain_cli_close(&c);
    return rc;
  }
  const char *zUnit = cli_opt(&c.args, "--unit"), *zState = cli_opt(&c.args, "--state");
  const char *zCat = cli_opt(&c.args, "--category"), *zPage = cli_opt(&c.args, "--page");
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (wish_list(c.pDb, &c.who, zUnit, zState, zCat, zPage ? atoi(zPage) : 1, 200, &o, &c.err)) {
    rc = domain_cli_fail(&c);
  } else {
    if (c.bJson) domain_cli_json(o);
    else {
      size_t i;
      json_t *v;
      json_array_foreach(json_object_get(o, "items"), i, v) wish_print_row(v);
      printf("%lld wish%s\n", (long long)json_integer_value(json_object_get(o, "total")),
             json_integer_value(json_object_get(o, "total")) == 1 ? "" : "es");
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping wish show ID */
int wish_show_cmd(int argc, char **argv) {
  DomainCli c;
  int rc = domain_cli_open(&c, "wish show", argc, argv);
  if (rc) {
    domain_cli_close(&c);
    return rc;
  }
  const char *zId = cli_positional(&c.args, 0);
  DOMAIN_CLI_FINISH(c);
  if (!zId) {
    cli_error(&c.args, "usage: kaoping wish show ID");
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  json_t *o = NULL;
  if (wish_get(c.pDb, &c.who, atoll(zId), &o, &c.err)) {
    rc = domain_cli_fail(&c);
  } else {
    if (c.bJson) domain_cli_json(o);
    else {
      wish_print_row(o);
      printf("       place: %s\n", json_string_value(json_object_get(o, "place")));
      size_t i;
      json_t *v;
      json_array_foreach(json_object_get(o, "events"), i, v) {
        json_t *pNote = json_object_get(v, "note");
        printf("       %s  %-9s %-12s -> %-11s %s\n", json_string_value(json_object_get(v, "at")),
               json_string_value(json_object_get(v, "event")), json_string_value(json_object_get(v, "by")),
               json_string_value(json_object_get(v, "to")), json_is_string(pNote) ? json_string_value(pNote) : "");
      }
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping wish act ID EVENT [--note TEXT] [--as NAME] */
int wish_act_cmd(int argc, char **argv) {
  DomainCli c;
  int rc = domain_cli_open(&c, "wish act", argc, argv);
  if (rc) {
    domain_cli_close(&c);
    return rc;
  }
  const char *zId = cli_positional(&c.args, 0), *zEv = cli_positional(&c.args, 1);
  const char *zNote = cli_opt(&c.args, "--note");
  DOMAIN_CLI_FINISH(c);
  if (!zId || !zEv) {
    cli_error(&c.args, "usage: kaoping wish act ID claim|progress|complete|release|reject [--note TEXT]");
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  json_t *o = NULL;
  if (wish_act(c.pDb, &c.who, atoll(zId), zEv, zNote, &o, &c.err)) {
    rc = domain_cli_fail(&c);
  } else {
    if (c.bJson) domain_cli_json(o);
    else printf("wish %s: %s\n", zId, json_string_value(json_object_get(o, "state")));
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping wish confirm CODE --rating N [--note T] | wish dispute CODE --note T */
static int wish_submitter_cmd(const char *zVerb, const char *zEvent, int argc, char **argv) {
  DomainCli c;
  int rc = domain_cli_open(&c, zVerb, argc, argv);
  if (rc) {
    domain_cli_close(&c);
    return rc;
  }
  const char *zCode = cli_positional(&c.args, 0), *zNote = cli_opt(&c.args, "--note");
  const char *zRating = strcmp(zEvent, "confirm") == 0 ? cli_opt(&c.args, "--rating") : NULL;
  DOMAIN_CLI_FINISH(c);
  if (!zCode) {
    cli_error(&c.args, "usage: kaoping %s CODE ...", zVerb);
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  json_t *o = NULL;
  if (wish_track(c.pDb, NULL, zCode, zEvent, zRating ? atoi(zRating) : 0, zNote, &o, &c.err)) {
    rc = domain_cli_fail(&c);
  } else {
    if (c.bJson) domain_cli_json(o);
    else printf("wish %lld: %s\n", (long long)json_integer_value(json_object_get(o, "id")),
                json_string_value(json_object_get(o, "state")));
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

int wish_confirm_cmd(int argc, char **argv) {
  return wish_submitter_cmd("wish confirm", "confirm", argc, argv);
}

int wish_dispute_cmd(int argc, char **argv) {
  return wish_submitter_cmd("wish dispute", "dispute", argc, argv);
}

static void wish_print_rate(json_t *v) {
  if (json_is_number(v)) printf(" %7.2f%%", json_number_value(v));
  else printf("        -");
}

static void wish_print_stats(json_t *o) {
  printf("%-14s %5s %5s %5s %5s %5s %5s %9s %9s %9s\n", "unit", "subm", "due", "cl7d", "done",
         "conf", "sat", "claim7", "done", "satisf");
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(o, "units"), i, u) {
    printf("%-14s %5lld %5lld %5lld %5lld %5lld %5lld", json_string_value(json_object_get(u, "unit")),
           (long long)json_integer_value(json_object_get(u, "submitted")),
           (long long)json_integer_value(json_object_get(u, "decided")),
           (long long)json_integer_value(json_object_get(u, "claimed7")),
           (long long)json_integer_value(json_object_get(u, "completed")),
           (long long)json_integer_value(json_object_get(u, "confirmed")),
           (long long)json_integer_value(json_object_get(u, "satisfied")));
    wish_print_rate(json_object_get(u, "claim7_rate"));
    wish_print_rate(json_object_get(u, "completed_rate"));
    wish_print_rate(json_object_get(u, "satisfied_rate"));
    printf("\n");
  }
}

/* kaoping wish stats PERIOD */
int wish_stats_cmd(int argc, char **argv) {
  DomainCli c;
  int rc = domain_cli_open(&c, "wish stats", argc, argv);
  if (rc) {
    domain_cli_close(&c);
    return rc;
  }
  const char *zPeriod = cli_positional(&c.args, 0);
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (wish_stats(c.pDb, zPeriod, &o, &c.err)) {
    rc = domain_cli_fail(&c);
  } else {
    if (c.bJson) domain_cli_json(o);
    else {
      printf("period %s: wishes submitted from %s to %s (local midnights, +08:00)\n",
             json_string_value(json_object_get(o, "period")), json_string_value(json_object_get(o, "from")),
             json_string_value(json_object_get(o, "to")));
      wish_print_stats(o);
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* An indicator option: absent = the default, "" or "none" = not written. */
static const char *wish_map_opt(CliArgs *p, const char *zName, const char *zDefault) {
  const char *z = cli_opt(p, zName); /* zName with its dashes: "--claim7" */
  if (!z) return zDefault;
  return *z && strcmp(z, "none") != 0 ? z : NULL;
}

/* kaoping wish feed PERIOD [--claim7 D1] [--completed CODE] [--satisfied D2] */
int wish_feed_cmd(int argc, char **argv) {
  DomainCli c;
  int rc = domain_cli_open(&c, "wish feed", argc, argv);
  if (rc) {
    domain_cli_close(&c);
    return rc;
  }
  const char *zPeriod = cli_positional(&c.args, 0);
  const char *zC7 = wish_map_opt(&c.args, "--claim7", WISH_FEED_CLAIM7);
  const char *zDone = wish_map_opt(&c.args, "--completed", NULL);
  const char *zSat = wish_map_opt(&c.args, "--satisfied", WISH_FEED_SATISFIED);
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (wish_feed(c.pDb, &c.who, zPeriod, zC7, zDone, zSat, &o, &c.err)) {
    rc = domain_cli_fail(&c);
  } else {
    if (c.bJson) domain_cli_json(o);
    else {
      wish_print_stats(o);
      printf("period %s: %lld observation%s written (provenance wish), %lld unchanged\n",
             json_string_value(json_object_get(o, "period")),
             (long long)json_integer_value(json_object_get(o, "written")),
             json_integer_value(json_object_get(o, "written")) == 1 ? "" : "s",
             (long long)json_integer_value(json_object_get(o, "unchanged")));
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping user party NAME on|off */
int user_party_cmd(int argc, char **argv) {
  DomainCli c;
  int rc = domain_cli_open(&c, "user party", argc, argv);
  if (rc) {
    domain_cli_close(&c);
    return rc;
  }
  const char *zName = cli_positional(&c.args, 0), *zOn = cli_positional(&c.args, 1);
  DOMAIN_CLI_FINISH(c);
  if (!zName || !zOn || (strcmp(zOn, "on") != 0 && strcmp(zOn, "off") != 0)) {
    cli_error(&c.args, "usage: kaoping user party NAME on|off");
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  json_t *o = NULL;
  if (wish_party_set(c.pDb, &c.who, zName, strcmp(zOn, "on") == 0, &o, &c.err)) {
    rc = domain_cli_fail(&c);
  } else {
    printf("%s is %sa party member (党员)\n", zName, strcmp(zOn, "on") == 0 ? "" : "not ");
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

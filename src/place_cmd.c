/*
** place_cmd.c: the `place`, `contact` and `honour` verbs, through the same functions as the
** API (place_store.c):
**
**   place import FILE [--kind red]   places.csv (name,lat,lon,datum,source[,kind,unit,...])
**   place add NAME --kind K ...      one place; --datum converts the point into GCJ-02
**   place list [--kind K]            every place with its GCJ-02 point and flags
**   place route NAME NAME...         straight-line legs and total between sites, in order
**   contact assign PLACE LEADER      a leader's grassroots contact point (基层联点)
**   contact visit POINT --date D --notes T [--problem TEXT]...
**   contact close PROBLEM --note T   an open problem is settled
**   contact list [LEADER]            points, last visit, open problems
**   honour add ...                   an award (表彰)
**   honour list [--year Y]
**
** The actor is the local operator, or --as NAME (contact visit/close: the leader).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "cli/domain.h"
#include "contact_task.h"
#include "http/errcode.h"
#include "place_store.h"
#include "store/db.h"
#include "util/mem.h"
#include "util/text.h"


static const char *place_kind_zh(const char *z) {
  return strcmp(z, "red") == 0 ? "红色遗址" : strcmp(z, "youth") == 0 ? "青少年教育基地" : "基层联点";
}

/* kaoping place import FILE [--kind red] */
int place_import_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "place import");
  const char *zFile = cli_positional(&c.args, 0);
  const char *zKind = cli_opt(&c.args, "--kind");
  DOMAIN_CLI_FINISH(c);
  if (!zFile) {
    cli_error(&c.args, "usage: kaoping place import FILE [--kind red|youth|contact]");
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  json_t *o = NULL;
  if (place_import(c.pDb, &c.who, zFile, zKind ? zKind : "red", &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    if (c.bJson) domain_cli_json(o);
    else {
      printf("%s: %lld place%s imported\n", zFile, (long long)json_integer_value(json_object_get(o, "imported")),
             json_integer_value(json_object_get(o, "imported")) == 1 ? "" : "s");
      size_t i;
      json_t *v;
      json_array_foreach(json_object_get(o, "skipped"), i, v)
        printf("  line %lld: %s: %s (%s km from the first point)\n",
               (long long)json_integer_value(json_object_get(v, "line")),
               json_string_value(json_object_get(v, "name")), json_string_value(json_object_get(v, "why")),
               json_string_value(json_object_get(v, "distance_km")));
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* Parses an optional number option into *pr (NaN when absent). 0 or -1 (message printed). */
static int place_opt_num(DomainCli *c, const char *zName, double *pr) {
  char zOpt[32];
  snprintf(zOpt, sizeof zOpt, "--%s", zName);
  const char *z = cli_opt(&c->args, zOpt);
  *pr = NAN;
  if (!z) return 0;
  if (text_parse_double(z, pr) || !isfinite(*pr)) {
    cli_error(&c->args, "--%s must be a number of degrees", zName);
    return -1;
  }
  return 0;
}

/* kaoping place add NAME --kind K [--unit U] [--lon X --lat Y [--datum D]] [--approximate]
**   [--address A] [--description T] [--source S] */
int place_add_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "place add");
  PlaceInput in;
  memset(&in, 0, sizeof in);
  in.zName = cli_positional(&c.args, 0);
  in.zKind = cli_opt(&c.args, "--kind");
  in.zUnit = cli_opt(&c.args, "--unit");
  in.zDatum = cli_opt(&c.args, "--datum");
  in.zAddress = cli_opt(&c.args, "--address");
  in.zDescription = cli_opt(&c.args, "--description");
  in.zSource = cli_opt(&c.args, "--source");
  in.bApproximate = cli_flag(&c.args, "--approximate");
  if (place_opt_num(&c, "lon", &in.rLon) || place_opt_num(&c, "lat", &in.rLat)) {
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (place_put(c.pDb, &c.who, &in, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    if (c.bJson) domain_cli_json(o);
    else {
      json_t *pLon = json_object_get(o, "lon");
      if (json_is_number(pLon))
        printf("place %lld %s: %.6f E, %.6f N (GCJ-02)%s\n", (long long)json_integer_value(json_object_get(o, "id")),
               in.zName, json_number_value(pLon), json_number_value(json_object_get(o, "lat")),
               json_is_true(json_object_get(o, "approximate")) ? ", approximate" : "");
      else
        printf("place %lld %s: no position\n", (long long)json_integer_value(json_object_get(o, "id")), in.zName);
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping place list [--kind K] */
int place_list_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "place list");
  const char *zKind = cli_opt(&c.args, "--kind");
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (place_list(c.pDb, zKind, 0, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    if (c.bJson) domain_cli_json(o);
    else {
      size_t i;
      json_t *v;
      json_array_foreach(json_object_get(o, "items"), i, v) {
        json_t *pLon = json_object_get(v, "lon"), *pU = json_object_get(v, "unit_name");
        printf("%4lld  %-16s %-24s %-8s ", (long long)json_integer_value(json_object_get(v, "id")),
               place_kind_zh(json_string_value(json_object_get(v, "kind"))),
               json_string_value(json_object_get(v, "name")), json_is_string(pU) ? json_string_value(pU) : "衡阳市");
        if (json_is_number(pLon))
          printf("%.6f E %.6f N", json_number_value(pLon), json_number_value(json_object_get(v, "lat")));
        else printf("(no position)");
        printf("  %s%s\n", json_string_value(json_object_get(v, "datum")),
               json_is_true(json_object_get(v, "approximate")) ? " approximate" : "");
      }
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping place route NAME NAME... */
int place_route_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "place route");
  const char **az = NULL;
  int n = cli_positionals(&c.args, &az);
  if (cli_finish(&c.args)) {
    free(az);
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  int64_t *aId = xcalloc((size_t)(n > 0 ? n : 1), sizeof *aId);
  for (int i = 0; i < n && !rc; i++) {
    json_t *o = NULL;
    place_list(c.pDb, NULL, 0, &o, &c.err);
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(o, "items"), k, v)
      if (strcmp(json_string_value(json_object_get(v, "name")), az[i]) == 0)
        aId[i] = json_integer_value(json_object_get(v, "id"));
    json_decref(o);
    if (!aId[i]) {
      cli_error(&c.args, "no place named %s", az[i]);
      rc = EXIT_BAD_INPUT;
    }
  }
  json_t *o = NULL;
  if (!rc && place_route(c.pDb, aId, n, 0, &o, &c.err)) rc = domain_cli_fail(&c);
  else if (!rc) {
    if (c.bJson) domain_cli_json(o);
    else {
      json_t *aStop = json_object_get(o, "stops");
      size_t i;
      json_t *v;
      json_array_foreach(json_object_get(o, "legs"), i, v)
        printf("%-24s -> %-24s %8.2f km\n",
               json_string_value(json_object_get(json_array_get(aStop, i), "name")),
               json_string_value(json_object_get(json_array_get(aStop, i + 1), "name")),
               json_number_value(json_object_get(v, "km")));
      printf("total %.2f km (straight lines between the sites, not road distances)\n",
             json_number_value(json_object_get(o, "total_km")));
    }
    json_decref(o);
  }
  free(aId);
  free(az);
  domain_cli_close(&c);
  return rc;
}

/* kaoping contact assign PLACE LEADER */
int contact_assign_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "contact assign");
  const char *zPlace = cli_positional(&c.args, 0), *zLeader = cli_positional(&c.args, 1);
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (contact_assign(c.pDb, &c.who, zPlace, zLeader, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    printf("contact point %lld: %s -> %s\n", (long long)json_integer_value(json_object_get(o, "id")),
           zLeader, zPlace);
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping contact visit POINT --date D --notes T [--problem TEXT]... */
int contact_visit_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "contact visit");
  const char *zDate = cli_opt(&c.args, "--date"), *zNotes = cli_opt(&c.args, "--notes");
  /* --problem may repeat: cli_opt finds the first only, so walk argv (marking each use) */
  json_t *aProb = json_array();
  for (int i = 0; i + 1 < c.args.argc; i++) {
    if (c.args.aUsed[i] || strcmp(c.args.argv[i], "--problem") != 0) continue;
    json_array_append_new(aProb, json_string(c.args.argv[i + 1]));
    c.args.aUsed[i] = 1;     /* USED_OPTION of cli.c */
    c.args.aUsed[i + 1] = 2; /* USED_VALUE */
  }
  const char *zPoint = cli_positional(&c.args, 0);
  if (cli_finish(&c.args) || !zPoint) {
    if (!zPoint) cli_error(&c.args, "usage: kaoping contact visit POINT --date YYYY-MM-DD --notes TEXT");
    json_decref(aProb);
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  json_t *o = NULL;
  if (contact_visit(c.pDb, &c.who, atoll(zPoint), zDate, zNotes, aProb, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    printf("visit %lld on %s logged, %zu problem%s raised\n",
           (long long)json_integer_value(json_object_get(o, "visit")), zDate,
           json_array_size(json_object_get(o, "problems")),
           json_array_size(json_object_get(o, "problems")) == 1 ? "" : "s");
    json_decref(o);
  }
  json_decref(aProb);
  domain_cli_close(&c);
  return rc;
}

/* kaoping contact close PROBLEM --note T */
int contact_close_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "contact close");
  const char *zId = cli_positional(&c.args, 0), *zNote = cli_opt(&c.args, "--note");
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (!zId) {
    cli_error(&c.args, "usage: kaoping contact close PROBLEM --note TEXT");
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  if (contact_problem_close(c.pDb, &c.who, atoll(zId), zNote, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    printf("problem %s closed\n", zId);
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping contact task PROBLEM --lead U (--deadline D | --days N) [--co U]... [--category C]
** [--title T]: the problem becomes a 督办 task (contact_task.c). */
int contact_task_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "contact task");
  const char *zId = cli_positional(&c.args, 0);
  json_t *pIn = json_object();
  static const char *const azOpt[][2] = {{"--lead", "lead_unit"}, {"--deadline", "deadline"},
                                         {"--category", "category"}, {"--title", "title"}};
  for (size_t k = 0; k < sizeof azOpt / sizeof azOpt[0]; k++) {
    const char *z = cli_opt(&c.args, azOpt[k][0]);
    if (z) json_object_set_new(pIn, azOpt[k][1], json_string(z));
  }
  const char *zDays = cli_opt(&c.args, "--days");
  const char **azCo = NULL;
  int nCo = cli_opt_all(&c.args, "--co", &azCo);
  if (nCo > 0) {
    json_t *a = json_array();
    for (int k = 0; k < nCo; k++) json_array_append_new(a, json_string(azCo[k]));
    json_object_set_new(pIn, "co_units", a);
  }
  free(azCo);
  double rDays = 0;
  int bBad = zDays && (text_parse_double(zDays, &rDays) || rDays < 1 || rDays > 365 ||
                       rDays != (double)(int)rDays);
  if (zDays && !bBad) json_object_set_new(pIn, "days", json_integer((json_int_t)rDays));
  if (cli_finish(&c.args) || !zId || bBad) {
    if (!zId || bBad)
      cli_error(&c.args, "usage: kaoping contact task PROBLEM --lead UNIT (--deadline YYYY-MM-DD | "
                         "--days N) [--co UNIT]... [--category C] [--title T]");
    json_decref(pIn);
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  json_t *o = NULL;
  if (contact_problem_task(c.pDb, &c.who, atoll(zId), pIn, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    printf("problem %s: %s assigned (督办)\n", zId,
           json_string_value(json_object_get(o, "task_ref")));
    json_decref(o);
  }
  json_decref(pIn);
  domain_cli_close(&c);
  return rc;
}

/* kaoping contact list [LEADER] */
int contact_list_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "contact list");
  const char *zLeader = cli_positional(&c.args, 0);
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (!zLeader && strncmp(c.user.zName, "local:", 6) == 0) {
    cli_error(&c.args, "usage: kaoping contact list LEADER (or --as LEADER)");
    domain_cli_close(&c);
    return EXIT_USAGE;
  }
  if (contact_list(c.pDb, &c.who, zLeader, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    if (c.bJson) domain_cli_json(o);
    else {
      size_t i;
      json_t *v;
      json_array_foreach(json_object_get(o, "points"), i, v) {
        json_t *pLast = json_object_get(v, "last_visit");
        printf("%4lld  %-24s last visit %-10s  %lld visit%s, %lld open problem%s\n",
               (long long)json_integer_value(json_object_get(v, "id")),
               json_string_value(json_object_get(v, "place")),
               json_is_string(pLast) ? json_string_value(pLast) : "never",
               (long long)json_integer_value(json_object_get(v, "visits")),
               json_integer_value(json_object_get(v, "visits")) == 1 ? "" : "s",
               (long long)json_integer_value(json_object_get(v, "open_problems")),
               json_integer_value(json_object_get(v, "open_problems")) == 1 ? "" : "s");
      }
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping honour add --award A --year Y --recipient R --kind person|collective --citation T [--unit U] */
int honour_add_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "honour add");
  const char *zYear = cli_opt(&c.args, "--year");
  HonourInput in = {cli_opt(&c.args, "--award"), cli_opt(&c.args, "--recipient"), cli_opt(&c.args, "--kind"),
                    cli_opt(&c.args, "--unit"), cli_opt(&c.args, "--citation"), zYear ? atoi(zYear) : 0, 0};
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (honour_add(c.pDb, &c.who, &in, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    printf("honour %lld: %d %s, %s\n", (long long)json_integer_value(json_object_get(o, "id")), in.iYear,
           in.zAward, in.zRecipient);
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

/* kaoping honour list [--year Y] */
int honour_list_cmd(int argc, char **argv) {
  DomainCli c;
  DOMAIN_CLI_BEGIN(c, "honour list");
  const char *zYear = cli_opt(&c.args, "--year");
  DOMAIN_CLI_FINISH(c);
  json_t *o = NULL;
  if (honour_list(c.pDb, zYear ? atoi(zYear) : 0, &o, &c.err)) rc = domain_cli_fail(&c);
  else {
    if (c.bJson) domain_cli_json(o);
    else {
      size_t i;
      json_t *v;
      json_array_foreach(json_object_get(o, "items"), i, v)
        printf("%lld  %-20s %-10s %s\n", (long long)json_integer_value(json_object_get(v, "year")),
               json_string_value(json_object_get(v, "award")), json_string_value(json_object_get(v, "recipient")),
               json_string_value(json_object_get(v, "citation")));
    }
    json_decref(o);
  }
  domain_cli_close(&c);
  return rc;
}

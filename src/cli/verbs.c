/*
** verbs.c: THE command table. Every verb of `kaoping`, its handler, the capability it
** needs, its synopsis and its help, in one sorted array, so that the command surface and
** its policy can be read in one place. main.c dispatches through verb_find();
** tests/cli/verbs.sh checks that the table is sorted, that every row has a handler, a
** capability and help, and that `--help` works for each.
*/
#include "cli/verbs.h"

#include <stdio.h>
#include <string.h>

/* Sorted by zName (strcmp order). */
const Verb aVerb[] = {
  {"data import", data_import_cmd, "reporter",
   "data import FILE... --period P [--provenance self|department|feed] [--skip-bad] [--db F]",
   "Imports observations (指标值) for an open period from CSV (unit,indicator,value[,note])\n"
   "or XLSX (first sheet, same header). UTF-8 with or without BOM and GBK are detected.\n"
   "Every bad row is reported as FILE: line L, column C: reason. A file with any bad row\n"
   "imports nothing unless --skip-bad, which imports the good rows and lists each skipped\n"
   "row. Values replace earlier drafts of the same period; a closed period refuses data and\n"
   "a published one needs `data revise`."},
  {"data revise", data_revise_cmd, "assessor",
   "data revise --period P --unit U --indicator I --value V --reason TEXT [--db F]",
   "Corrects one value of a closed or published period as a new revision (never an\n"
   "overwrite). The earlier revisions stay in the history; recompute and republish the\n"
   "review to take it into account."},
  {"demo", demo_cmd, "local",
   "demo [--db FILE] [--force]",
   "Builds the synthetic Hengyang 2021 demo data set (clearly labelled synthetic): 16 units\n"
   "in three peer groups, a 38-indicator scheme, six bimonthly periods with targets and\n"
   "values, and publishes the reviews of 2021-B1 to 2021-B3. --force replaces an existing\n"
   "database file."},
  {"init", init_cmd, "local",
   "init [--db FILE]",
   "Creates an empty kaoping database (SQLite, WAL) and applies every migration. On an\n"
   "existing database, applies the migrations it lacks."},
  {"period close", period_close_cmd, "assessor",
   "period close PERIOD [--db F]",
   "Closes an open period: no more data entry; the review can be computed and published."},
  {"period list", period_list_cmd, "assessor",
   "period list [--db F]",
   "Lists periods with their scheme, state (open, closed, published) and deadline."},
  {"period open", period_open_cmd, "assessor",
   "period open PERIOD --scheme CODE[@VERSION] [--deadline YYYY-MM-DD] [--db F]",
   "Opens a period (e.g. 2021-B3) for data entry under a scheme version (latest when no\n"
   "version is given)."},
  {"report", report_cmd, "assessor",
   "report --period P --format html|pdf|xlsx|csv|md -o FILE [--db F]",
   "Writes the review bulletin (点评通报) of a computed or published review: HTML and PDF\n"
   "with charts and Chinese text, XLSX with a sheet per peer group and a detail sheet,\n"
   "CSV of the unit results, Markdown."},
  {"review compute", review_compute_cmd, "assessor",
   "review compute PERIOD [--db F]",
   "Scores the period from the store and saves the review (点评): totals, ranks, grades,\n"
   "changes since the previous published review, shortfalls, strengths, potential,\n"
   "双过半 status and 红榜/黑榜. Replaces an earlier unpublished computation."},
  {"review publish", review_publish_cmd, "assessor",
   "review publish PERIOD [--db F]",
   "Publishes the computed review: freezes the period's data and stores the SHA-256 of the\n"
   "canonical inputs so that `review verify` can confirm it later."},
  {"review show", review_show_cmd, "assessor",
   "review show PERIOD [--format table|json] [--unit CODE] [--db F]",
   "Shows the review of a period: group tables, or one unit's card with --unit."},
  {"review verify", review_verify_cmd, "assessor",
   "review verify PERIOD [--db F]",
   "Recomputes a published review from the stored inputs and confirms the input hash and\n"
   "every result. Exit 0 when identical, 3 when anything differs (and says what)."},
  {"scheme import", scheme_import_cmd, "assessor",
   "scheme import FILE.json [--db F]",
   "Validates a scheme (考核方案) and stores it as a new version of its code."},
  {"scheme show", scheme_show_cmd, "assessor",
   "scheme show CODE[@VERSION] [--format tree|json] [--db F]",
   "Prints a stored scheme: the indicator tree with weights, methods and groups."},
  {"scheme validate", scheme_validate_cmd, "assessor",
   "scheme validate FILE.json",
   "Checks a scheme file without storing it; lists every problem with its indicator code."},
  {"score", score_cmd, "local",
   "score --units U.csv --scheme S.json --values V.csv [--targets T.csv] [--previous P.csv]\n"
   "      --period P [--format json|csv|table]",
   "Scores one period from files, storing nothing: the engine's public contract\n"
   "(SCORING.md). --previous gives last period's values for the `carry` missing policy."},
  {"target import", target_import_cmd, "assessor",
   "target import FILE --scheme CODE[@VERSION] [--skip-bad] [--db F]",
   "Imports annual targets (目标值), CSV or XLSX with header unit,indicator,target."},
  {"unit import", unit_import_cmd, "sysadmin",
   "unit import FILE [--db F]",
   "Imports or updates units (考核单位) and their peer groups from CSV or XLSX with header\n"
   "code,name,kind,peer_group[,population,area,lon,lat]."},
  {"unit list", unit_list_cmd, "sysadmin",
   "unit list [--db F]",
   "Lists units by peer group."},
};
const int nVerb = (int)(sizeof aVerb / sizeof aVerb[0]);

const Verb *verb_find(int argc, char **argv, int *pnWords) {
  /* Two-word phrases first, so "data import" wins over a hypothetical "data". */
  if (argc >= 2) {
    for (int i = 0; i < nVerb; i++) {
      const char *zSp = strchr(aVerb[i].zName, ' ');
      if (!zSp) continue;
      size_t n1 = (size_t)(zSp - aVerb[i].zName);
      if (strlen(argv[0]) == n1 && strncmp(argv[0], aVerb[i].zName, n1) == 0 &&
          strcmp(argv[1], zSp + 1) == 0) {
        *pnWords = 2;
        return &aVerb[i];
      }
    }
  }
  if (argc >= 1) {
    for (int i = 0; i < nVerb; i++) {
      if (strcmp(argv[0], aVerb[i].zName) == 0) {
        *pnWords = 1;
        return &aVerb[i];
      }
    }
  }
  return NULL;
}

void verb_print_help(const Verb *p) {
  printf("usage: kaoping %s\n\n%s\n", p->zUsage, p->zHelp);
  printf("\nneeds capability: %s\n", p->zCap);
}

void verb_print_list(void) {
  printf("usage: kaoping VERB [ARGS] (kaoping VERB --help for details)\n\nverbs:\n");
  for (int i = 0; i < nVerb; i++) {
    const char *zNl = strchr(aVerb[i].zHelp, '\n');
    int n = zNl ? (int)(zNl - aVerb[i].zHelp) : (int)strlen(aVerb[i].zHelp);
    printf("  %-16s %.*s\n", aVerb[i].zName, n, aVerb[i].zHelp);
  }
  printf("\nexit codes: 0 ok, 1 bad input (nothing written), 2 usage, 3 verification "
         "mismatch, 4 internal error\n");
}

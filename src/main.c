/*
** main.c: the entry point of the `kaoping` binary. It finds the verb in the command table
** (cli/verbs.c), answers --help and --version, and runs the handler. Nothing else lives
** here: every verb's work is in its concept's module.
*/
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"

#define KAOPING_VERSION "0.1.0"

/* Edit distance, for "did you mean". Small inputs only (verb names). */
static int main_distance(const char *a, const char *b) {
  int na = (int)strlen(a), nb = (int)strlen(b);
  if (na > 40 || nb > 40) return 99;
  int d[41][41];
  for (int i = 0; i <= na; i++) d[i][0] = i;
  for (int j = 0; j <= nb; j++) d[0][j] = j;
  for (int i = 1; i <= na; i++)
    for (int j = 1; j <= nb; j++) {
      int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
      d[i][j] = c;
    }
  return d[na][nb];
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "-h") == 0) {
    if (argc >= 3) {
      int nWords = 0;
      const Verb *p = verb_find(argc - 2, argv + 2, &nWords);
      if (p) {
        verb_print_help(p);
        return EXIT_OK;
      }
    }
    verb_print_list();
    return argc < 2 ? EXIT_USAGE : EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    printf("kaoping %s\n", KAOPING_VERSION);
    return EXIT_OK;
  }
  int nWords = 0;
  const Verb *p = verb_find(argc - 1, argv + 1, &nWords);
  if (!p) {
    fprintf(stderr, "kaoping: unknown verb \"%s%s%s\"", argv[1], argc > 2 ? " " : "",
            argc > 2 ? argv[2] : "");
    const Verb *pBest = NULL;
    int best = 99;
    for (int i = 0; i < nVerb; i++) {
      char zFirst[64];
      snprintf(zFirst, sizeof zFirst, "%s", aVerb[i].zName);
      char *zSp = strchr(zFirst, ' ');
      if (zSp) *zSp = 0;
      int d = main_distance(argv[1], zFirst);
      if (d < best) { best = d; pBest = &aVerb[i]; }
    }
    if (pBest && best <= 2) fprintf(stderr, "; did you mean \"%s\"?", pBest->zName);
    fprintf(stderr, " (kaoping help lists the verbs)\n");
    return EXIT_USAGE;
  }
  for (int i = 1 + nWords; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      verb_print_help(p);
      return EXIT_OK;
    }
  }
  if (!p->xRun) {
    fprintf(stderr, "kaoping %s: this build lacks the handler\n", p->zName);
    return EXIT_INTERNAL;
  }
  return p->xRun(argc - 1 - nWords, argv + 1 + nWords);
}

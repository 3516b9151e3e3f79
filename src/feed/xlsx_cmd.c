/*
** feed/xlsx_cmd.c: XLSX files for `kaoping feed derive` and `kaoping feed import`. Each FILE
** ending in .xlsx is written as CSV to FILE.xlsx.csv beside it (feed_xlsx_to_csv, which
** keeps Excel's row numbers as line numbers), so that messages and the import's batch list
** name the workbook; the verb runs on those CSV files unchanged, and they are removed
** afterwards. When FILE.xlsx.csv exists already (never overwritten) or the folder is not
** writable, the CSV goes to a private temporary folder instead. The import's resume key is the file's content (size and
** hashes), so a rerun on the same workbook still resumes; its rejects file defaults to
** WORKBOOK.xlsx.rejects.csv beside the workbook, as for a CSV input.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/verbs.h"
#include "feed/xlsx_csv.h"
#include "util/mem.h"

static int feed_xlsx_run(int argc, char **argv, int (*xCmd)(int, char **), int bImport) {
  int nXlsx = 0, bRejects = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rejects") == 0) bRejects = 1;
    if (argv[i][0] != '-' && feed_is_xlsx(argv[i])) nXlsx++;
  }
  if (nXlsx == 0) return xCmd(argc, argv);
  const char *zTmp = getenv("TMPDIR");
  char *zDir = xasprintf("%s/kaoping-xlsx-XXXXXX", zTmp && zTmp[0] ? zTmp : "/tmp");
  if (!mkdtemp(zDir)) {
    fprintf(stderr, "kaoping feed: cannot create a temporary folder in %s\n", zTmp ? zTmp : "/tmp");
    free(zDir);
    return 4;
  }
  char **av = xcalloc((size_t)argc + 3, sizeof(char *));
  char **azOwned = xcalloc((size_t)argc + 3, sizeof(char *));
  int nAv = 0, rc = 0, nOwned = 0;
  const char *zFirstXlsx = NULL;
  for (int i = 0; i < argc && rc == 0; i++) {
    int bValue = i > 0 && strcmp(argv[i - 1], "--rejects") == 0;
    if (i > 0 && !bValue && argv[i][0] != '-' && feed_is_xlsx(argv[i])) {
      const char *zBase = strrchr(argv[i], '/');
      char *zCsv = xasprintf("%s.csv", argv[i]);
      FILE *fTry = access(zCsv, F_OK) == 0 ? NULL : fopen(zCsv, "wx");
      if (fTry) {
        fclose(fTry);
      } else {
        free(zCsv);
        zCsv = xasprintf("%s/%d-%s.csv", zDir, i, zBase ? zBase + 1 : argv[i]);
      }
      char *zErr = NULL;
      if (feed_xlsx_to_csv(argv[i], argv[i], zCsv, &zErr)) {
        fprintf(stderr, "%s\n", zErr);
        free(zErr);
        unlink(zCsv); /* the placeholder created above, or nothing */
        free(zCsv);
        rc = 1;
        break;
      }
      if (!zFirstXlsx) zFirstXlsx = argv[i];
      av[nAv++] = azOwned[nOwned++] = zCsv;
    } else {
      av[nAv++] = argv[i];
    }
  }
  if (rc == 0) {
    if (bImport && !bRejects) {
      av[nAv++] = "--rejects";
      av[nAv++] = azOwned[nOwned++] = xasprintf("%s.rejects.csv", zFirstXlsx);
    }
    rc = xCmd(nAv, av);
  }
  for (int i = 0; i < nOwned; i++) {
    size_t n = strlen(azOwned[i]);
    if (n > 9 && strcmp(azOwned[i] + n - 9, ".xlsx.csv") == 0) unlink(azOwned[i]);
    free(azOwned[i]);
  }
  rmdir(zDir);
  free(zDir);
  free(av);
  free(azOwned);
  return rc;
}

int feed_derive_xlsx_cmd(int argc, char **argv) {
  return feed_xlsx_run(argc, argv, feed_derive_cmd, 0);
}

int feed_import_xlsx_cmd(int argc, char **argv) {
  return feed_xlsx_run(argc, argv, feed_import_cmd, 1);
}

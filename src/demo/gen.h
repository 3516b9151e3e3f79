/*
** demo/gen.h: the generator of the synthetic Hengyang 2021 demo data set (演示数据,合成).
**
** What it is for: making, in memory, every file that `kaoping demo` writes into its
** demo-data folder and then imports through the ordinary verbs: units.csv, scheme.json,
** targets.csv, values-2021-B1.csv .. values-2021-B6.csv, the 12345 hotline export the
** hotline rates were derived from, and a README that says what all of it is. What it is
** not for: writing files or touching the database (demo.c does that), or scoring.
**
** The output is a pure function of the code: a fixed-seed generator (splitmix64) with no
** clock, no environment and no libm transcendental in the data path, so every run on every
** platform writes byte-identical files (tests/cli/demo.sh checks it).
*/
#ifndef KP_DEMO_GEN_H
#define KP_DEMO_GEN_H
#include <stddef.h>

/* The files of the data set, in the order they are written and imported. */
enum {
  DEMO_FILE_README,
  DEMO_FILE_UNITS,
  DEMO_FILE_SCHEME,
  DEMO_FILE_TARGETS,
  DEMO_FILE_VALUES_FIRST,                 /* values-2021-B1.csv */
  DEMO_FILE_VALUES_LAST = DEMO_FILE_VALUES_FIRST + 5, /* values-2021-B6.csv */
  DEMO_FILE_HOTLINE,
  DEMO_FILE__COUNT
};

#define DEMO_PERIODS 6          /* 2021-B1 .. 2021-B6 */
#define DEMO_SCHEME_CODE "HY2021"

typedef struct DemoFile {
  const char *zName; /* file name inside the demo-data folder (static) */
  char *zText;       /* contents, malloc'd, NUL-terminated */
  size_t nText;
} DemoFile;

typedef struct DemoSet {
  DemoFile aFile[DEMO_FILE__COUNT];
} DemoSet;

/* Generates every file. Cannot fail (allocation failure aborts, as everywhere). The caller
** frees with demo_set_free(). */
void demo_generate(DemoSet *p);
void demo_set_free(DemoSet *p);

/* The period code of period i (0-based): "2021-B1" .. "2021-B6" (static). */
const char *demo_period_code(int i);

/* The story the data tell, as lines of text (static, UTF-8): who is vetoed, who is behind
** time progress at mid-year, which values are missing. The same text is in the README. */
const char *demo_story(void);

#endif

/*
** feed/derive.h: from feed records to derived indicators per unit and period.
**
** Two layers. FeedRowParser turns one CSV record into typed values (the header mapped to
** the definition's fields, times and numbers parsed, the unit checked) or a bad-row reason
** with its column; `feed import` uses it too. FeedAccum accumulates parsed rows per (unit,
** period): counts, numerators, sums, and the values of medians, which it keeps in memory up
** to a budget and spills beyond it, in chunks, to an unlinked temporary file, so memory does
** not grow with the number of rows; the median is still exact (every value is read back,
** group by group, and selected). feed_derive_files() runs the whole fast path over files,
** with one thread per part of each file.
*/
#ifndef KP_FEED_DERIVE_H
#define KP_FEED_DERIVE_H
#include <stdint.h>

#include "feed/def.h"
#include "feed/reader.h"
#include "period.h"

/* ---- one record -> typed values ---- */

typedef struct FeedRowParser {
  const FeedDef *pDef;
  int nCol;          /* columns of the header */
  int *aColOf;       /* per field: its column, or -1 when the file has none */
  char *zNeed;       /* per field: 1 when the definition uses it (must have a column) */
  /* the current row's values, per field */
  FeedSpan *aVal;    /* trimmed text (n = 0 when empty) */
  int64_t *aTime;    /* FEED_TIME */
  double *aNum;      /* FEED_NUMBER */
  char *aDateKey;    /* per field: the last date text parsed (10 bytes), a cache */
  int64_t *aDateDay; /* ... and its day number */
  /* units known to the caller (sorted, strcmp order), or none: every code accepted */
  const char *const *azKnownUnit;
  int nKnownUnit;
} FeedRowParser;

/* Maps a header record. Returns 0, or -1 with *pzErr ("FILE: line L: ...") when a column the
** definition needs is missing or two columns name one field. */
int feed_row_parser_init(FeedRowParser *p, const FeedDef *pDef, const char *zFile,
                         int64_t iLine, const FeedSpan *aField, int nField, char **pzErr);
/* Parses a record into p->aVal/aTime/aNum. Returns 0, or -1 with *piCol (1-based) and
** *pzReason (malloc'd) describing the first problem. */
int feed_row_parse(FeedRowParser *p, const FeedSpan *aField, int nField, int *piCol,
                   char **pzReason);
/* Drill-down: does the parsed row count in indicator iInd (meets its "where")? iPart 1: and
** meets a rate's numerator; iPart 2: and does not; 0: either. */
int feed_row_in_indicator(const FeedRowParser *p, int iInd, int iPart);
/* Is the unit code of the parsed row known (always 1 without a list)? */
int feed_unit_known(const FeedRowParser *p, const char *z, int n);
void feed_row_parser_free(FeedRowParser *p);
/* A parser with p's column mapping and arrays of its own (one per thread); free with
** feed_row_parser_free_clone. */
void feed_row_parser_clone(FeedRowParser *pDst, const FeedRowParser *p);
void feed_row_parser_free_clone(FeedRowParser *p);

/* The period serial of a time under a period kind (month: year*12 + month - 1, ...), and
** its code ("2021-M03", "2021-B2", "2021-Q1", "2021-H1", "2021-Y") into z (>= 16 bytes). */
int64_t feed_period_serial(PeriodKind eKind, int64_t t);
void feed_period_code(PeriodKind eKind, int64_t iSerial, char *z);

/* ---- accumulation ---- */

typedef struct FeedAccum FeedAccum;
typedef struct FeedSpill FeedSpill; /* temporary files shared by the accumulators of a run */

FeedSpill *feed_spill_new(void);
void feed_spill_free(FeedSpill *s);

/* nBudget: bytes of median values kept in memory before spilling. iSpillFile: the file of
** pSpill this accumulator writes (one per thread). */
FeedAccum *feed_accum_new(const FeedDef *pDef, PeriodKind eKind, FeedSpill *pSpill,
                          int iSpillFile, size_t nBudget);
/* Adds the row just parsed by p. Returns 0, or -1 when a spill write failed (*pzErr). */
int feed_accum_add(FeedAccum *a, const FeedRowParser *p, char **pzErr);
/* Moves everything src holds into dst and frees src. Returns 0 or -1 (*pzErr). */
int feed_accum_merge(FeedAccum *dst, FeedAccum *src, char **pzErr);
void feed_accum_free(FeedAccum *a);

/* One derived value. */
typedef struct FeedValue {
  const char *zUnit;    /* owned by the result */
  char zPeriod[16];
  int iInd;             /* index into pDef->aInd */
  int bMissing;         /* a rate or mean with nothing to divide by */
  double rValue;
  int64_t nBase;        /* rows that met the indicator's conditions (rate: denominator) */
} FeedValue;

typedef struct FeedResult {
  FeedValue *aVal;      /* sorted by unit code, period, indicator order */
  int nVal;
  char **azUnit;
  int nUnit;
} FeedResult;

/* Computes every indicator of every group (reading spilled medians back). Returns 0 or -1. */
int feed_accum_result(FeedAccum *a, FeedResult *pRes, char **pzErr);
void feed_result_free(FeedResult *p);

/* ---- the fast path over files ---- */

typedef struct FeedDeriveOpts {
  PeriodKind eKind;
  int nThreads;                     /* parts per file (>= 1) */
  size_t nBudget;                   /* median bytes in memory per accumulator */
  const char *const *azKnownUnit;   /* sorted, or NULL */
  int nKnownUnit;
  int nMaxProblems;                 /* bad rows listed in full (the rest are counted) */
} FeedDeriveOpts;

typedef struct FeedDeriveStats {
  int64_t nRows;       /* records read (header excluded) */
  int64_t nBad;        /* bad rows (not counted in any indicator) */
  uint64_t nBytes;
  int nFallback;       /* files read whole because a cut fell inside a quoted field */
} FeedDeriveStats;

/* Reads every file and derives the indicators. Bad rows are reported into *pProblems (one
** "FILE: line L, column C: reason" per line) and skipped. Returns 0, or -1 with *pzErr for
** a file that cannot be read at all (no header, binary, unknown encoding). */
int feed_derive_files(const FeedDef *pDef, const char *const *azFile, int nFile,
                      const FeedDeriveOpts *pOpts, FeedResult *pRes, FeedDeriveStats *pStats,
                      char **pzProblems, char **pzErr);

/* ---- the stored records (import.c) ---- */

typedef struct Db Db;
/* Called for each stored record with the parsed record and its fields; 0 goes on, 1 stops. */
typedef int (*FeedRowFn)(void *pArg, const FeedRowParser *pRp, const FeedSpan *aF, int nF);
/* Calls xRow for every stored record of the feed (zUnit NULL: every unit) whose month
** (year * 12 + month - 1) lies in [iFrom, iTo], in unit, month and storage order. The
** records are read from their segment files (DB.feed/, each block checked against its
** checksum) or, for blocks stored before segments, from the database. Returns 0, or -1 when
** a block cannot be read or does not parse (*pzErr). */
int feed_store_scan(Db *pDb, const FeedDef *d, const char *zUnit, int64_t iFrom, int64_t iTo,
                    FeedRowFn xRow, void *pArg, char **pzErr);

#endif

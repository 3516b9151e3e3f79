/*
** import.h: what every import (units, targets, values) shares: header columns with their
** Chinese aliases, the list of problems found in the input, and the import_batch record.
**
** The contract of every import (docs/imports.md):
**  - headers are matched exactly after trimming, in English (SCORING.md) or by a Chinese
**    alias; other columns are ignored;
**  - every bad row is reported as "FILE: line L, column C: reason" (XLSX: "row R, column X"),
**    ALL of them, not just the first;
**  - a file with any bad row imports nothing (exit 1) unless --skip-bad, which imports the
**    good rows and lists each skipped one;
**  - the import is one transaction, recorded in one import_batch row per file.
** The verbs themselves live in their concept's module (unit.c, target.c, observation.c).
*/
#ifndef KP_STORE_IMPORT_H
#define KP_STORE_IMPORT_H
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "scheme.h"
#include "store/db.h"
#include "util/mem.h"
#include "util/table.h"

/* A column an import understands. */
typedef struct ImportColumn {
  const char *zName;       /* English header, as SCORING.md names it */
  const char *azAlias[3];  /* accepted Chinese headers, NULL-terminated */
  int bRequired;           /* the header must have it */
} ImportColumn;

/* The problems found in a command's input, in the order found (file, then line). */
typedef struct ImportLog {
  Buf text;      /* one problem per line, each ending in '\n' */
  int nProblem;
} ImportLog;

#define IMPORT_LOG_INIT {BUF_INIT, 0}

/* Adds "WHERE: reason" where WHERE is table_where(p, iLine, iCol). */
void import_problem(ImportLog *pLog, const TableReader *p, int iLine, int iCol,
                    const char *zFmt, ...) __attribute__((format(printf, 5, 6)));
/* Adds a message that already names its place (from table_open, table_next ...). */
void import_problem_text(ImportLog *pLog, const char *zMsg);
/* Prints every problem to out. */
void import_log_print(const ImportLog *pLog, FILE *out);
void import_log_free(ImportLog *pLog);

/* Maps the header of p onto aSpec: aiCol[i] receives the field index of aSpec[i], or -1
** when absent. Returns 0, or -1 with every header problem added to pLog (a required column
** missing; a column given twice, e.g. both "value" and "数值"). */
/* Opens an import file whose header is searched for by the names and aliases of aSpec
** (table_open_expect: a title above the header, instructions on the first worksheet).
** Returns 0, or -1 with *pzErr set as table_open does. */
int import_open(TableReader *p, const char *zPath, const ImportColumn *aSpec, int nSpec,
                char **pzErr);

/* Where the header was found, when that is not the obvious place (title rows above it, or
** a worksheet other than the first): "FILE: header on row 3 of worksheet \"数据\" (2 rows
** above it skipped)". malloc'd, or NULL when the header is the first row of the first sheet
** or of the CSV text. */
char *import_header_note(const TableReader *p);

/* Prints import_header_note to stderr as "kaoping VERB: note: ..." when there is one. */
void import_print_header_note(const TableReader *p, const char *zVerb);

/* The next data row of an import file: 1 when t's current row is ready, 0 at the end, -1
** when a malformed row makes the rest unreadable (an unclosed quote: t->bFatal). A
** malformed row that does not is logged, counted in *pnBad and passed over. */
int import_next_row(TableReader *t, ImportLog *pLog, int *pnBad);

/* What a one-file import verb does first: import_open, import_map_header, and the header
** note. On failure prints the problems and "kaoping VERB: nothing imported" to stderr and
** returns -1 (t is closed); else 0 with aiCol set. */
int import_begin(TableReader *t, const char *zPath, const ImportColumn *aSpec, int nSpec,
                 int *aiCol, ImportLog *pLog, const char *zVerb);

int import_map_header(const TableReader *p, const ImportColumn *aSpec, int nSpec, int *aiCol,
                      ImportLog *pLog);

/* The trimmed text of field iCol of the current row, copied into the arena; "" when iCol
** is -1 (an optional column the file does not have). */
char *import_field(Arena *pArena, const TableReader *p, int iCol);

/* Inserts the import_batch row for file p (zKind: units | targets | values | scheme) and
** sets *piBatch to its id. Returns 0 or -1 (SQL error; see db_errmsg). */
int import_batch_add(Db *pDb, const char *zKind, const char *zFileName, const char *zSha256,
                     const char *zEncoding, int nOk, int nSkipped, int64_t *piBatch);

/* The stored units, for checking the unit column of targets and values. */
typedef struct ImportUnit {
  char *zCode;
  char *zGroup;   /* NULL for departments (not assessed) */
} ImportUnit;

typedef struct ImportUnits {
  int n;
  ImportUnit *a;  /* sorted by zCode */
} ImportUnits;

/* Loads every unit. Returns 0 or -1 (SQL error). Free with import_units_free. */
int import_units_load(Db *pDb, ImportUnits *p);
const ImportUnit *import_units_find(const ImportUnits *p, const char *zCode);
void import_units_free(ImportUnits *p);

/* Outcome of checking a row's unit and indicator cells. */
typedef enum {
  IMPORT_CELLS_OK,         /* known unit, leaf of the scheme that applies to its group */
  IMPORT_CELLS_NA,         /* both known, but the leaf does not apply to the unit's group
                           ** (or the unit is a department); nothing was reported */
  IMPORT_CELLS_BAD         /* problems were reported */
} ImportCells;

/* Checks the unit code zUnit (column iColUnit) and indicator code zInd (iColInd) of the
** current row of t: empty, unknown unit, unknown indicator, a category rather than a leaf.
** Each problem is added to pLog. zScheme labels the scheme in messages ("HY2021@1").
** *piNode receives the leaf's node index (when not BAD), *ppUnit the unit. */
ImportCells import_check_cells(const TableReader *t, ImportLog *pLog, const ImportUnits *pUnits,
                               const Scheme *pScheme, const char *zScheme, int iColUnit,
                               const char *zUnit, int iColInd, const char *zInd, int *piNode,
                               const ImportUnit **ppUnit);

/* Describes why leaf iNode does not apply to unit pUnit, for a message (malloc'd). */
char *import_na_reason(const Scheme *pScheme, int iNode, const ImportUnit *pUnit);

/* A set of row keys (unit + indicator) remembering where each was first seen, to find
** rows given twice in O(1) each. */
typedef struct ImportKeySeen {
  char *zKey;          /* unit \x1f indicator; NULL = free slot */
  char *zFile;         /* file of the first occurrence */
  int iLine;           /* its line (CSV) or row (XLSX) */
  int bXlsx;
} ImportKeySeen;

typedef struct ImportKeys {
  int nUsed, nSlot;    /* nSlot is 0 or a power of two */
  ImportKeySeen *a;
} ImportKeys;

/* Adds unit+indicator, seen on the current row of t. Returns NULL when new, else where it
** was first seen (valid until import_keys_free). */
const ImportKeySeen *import_keys_add(ImportKeys *p, const char *zUnit, const char *zIndicator,
                                     const TableReader *t);
/* "line 3" or "row 3", with "FILE, " before it when the first occurrence is in another
** file than t's. malloc'd. */
char *import_keys_where(const ImportKeySeen *pSeen, const TableReader *t);
void import_keys_free(ImportKeys *p);

/* Writes the audit record (audit.h) of a change made by a store verb, inside the caller's
** transaction so that the change and its record commit together, with the command-line
** actor. Takes ownership of pDetail (a JSON object, or NULL). Returns 0, or -1 when the
** record could not be written: the caller must roll back, say so and exit EXIT_INTERNAL
** (fail closed: no unaudited change). */
int import_audit(Db *pDb, const char *zEvent, const char *zObject, json_t *pDetail);

/* Prints the refusal that ends an import with bad rows and no --skip-bad. */
void import_print_refusal(const char *zVerb, const ImportLog *pLog, int nBadRow);

#endif

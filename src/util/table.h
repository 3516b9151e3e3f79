/*
** table.h: the one reader every import uses: a CSV or XLSX file as a header row plus data
** rows of strings, each row knowing where it came from for messages.
**
** The format is decided by CONTENT, never by the file name: bytes starting with the zip
** signature "PK\3\4" are read as XLSX (first worksheet, util/xlsx.h); an OLE compound file
** (password-protected workbook or legacy .xls) is refused with advice; anything else is
** CSV text (UTF-8, UTF-8 with BOM or GBK, util/text.h; RFC 4180, util/csv.h).
**
** Positions in messages follow what the user sees when they open the file:
**   CSV:  "v.csv: line 5, column 3"    physical line where the record starts, field number
**   XLSX: "v.xlsx: row 5, column C"    sheet row number and column letters
**
** The header: by default the first non-blank row. Offices' templates often put a title
** (衡阳市…填报表) and a note (填报单位、计量单位) above it and instructions (填表说明) on the
** first worksheet, so table_open_expect() takes the column names the caller knows and uses
** the first of the first 10 rows that names one of them, on the first of the first 32
** worksheets that has such a row; the rows above it are skipped (nLead says how many) and
** when no row names one, the first row of the first worksheet is the header as before, so
** that the caller's "no column X" message names it. Every later row is returned with exactly nHeader
** fields: a CSV record with a different field count (a "ragged" row, usually a stray comma
** or an unquoted comma inside a name) is reported as an error; an XLSX row is padded with
** empty cells (sheets are sparse) and a non-empty cell right of the last header column is an
** error. Fields are returned as stored (not trimmed).
**
** The reader also hashes the file's bytes (SHA-256) for the import_batch record.
*/
#ifndef KP_UTIL_TABLE_H
#define KP_UTIL_TABLE_H
#include <stddef.h>

#include "util/csv.h"
#include "util/xlsx.h"

typedef struct TableReader {
  char *zName;          /* file name as given, for messages */
  int bXlsx;            /* read as XLSX */
  const char *zFormat;  /* "UTF-8", "UTF-8 with BOM", "GBK" or "XLSX" (static text) */
  char zSha256[65];     /* SHA-256 of the file bytes, lowercase hex */
  size_t nBytes;        /* file size */
  int nHeader;          /* header fields (for XLSX: up to the last non-empty header cell) */
  char **azHeader;      /* trimmed copies */
  int iHeaderLine;      /* line (CSV) or row (XLSX) of the header */
  int nLead;            /* non-blank rows (CSV: records) above the header, skipped as titles */
  int iSheet;           /* XLSX: index of the worksheet read (0 = the first) */
  const char *zSheet;   /* XLSX: the worksheet read (owned by pSheet); NULL for CSV */
  /* the current data row, after table_next() returned 1 (or -1: iLine is still set) */
  int iLine;            /* CSV: line where the record starts; XLSX: sheet row */
  int nField;           /* == nHeader after a 1 */
  char **azField;       /* valid until the next table_next or table_close */
  int bFatal;           /* after a -1: the malformed row ran on to the end of the file (an
                        ** unclosed quote), so the rows after it cannot be read at all and
                        ** the file must be refused as a whole, --skip-bad or not */
  /* private */
  CsvReader csv;
  XlsxSheet *pSheet;
  int iNextRow;         /* XLSX: next index into pSheet->aRow */
  char **azPad;         /* XLSX: nHeader pointers for the padded row */
} TableReader;

/* Opens zPath and reads its header row. Returns 0, or -1 with *pzErr set (malloc'd,
** "FILE: ..."): cannot read, not a table (encoding, compound file, damaged zip), or no
** header row (empty file). */
int table_open(TableReader *p, const char *zPath, char **pzErr);

/* Same, with the header searched for as above: azExpect[0..nExpect-1] are the names (with
** their aliases) of the columns the caller reads. */
int table_open_expect(TableReader *p, const char *zPath, const char *const *azExpect,
                      int nExpect, char **pzErr);

/* Reads the next data row. Returns 1 when a row is ready, 0 at the end, -1 when the row is
** malformed (*pzErr is set to "FILE: line L, column C: reason" and p->iLine to its line);
** the caller may report it and call table_next again to go on, unless p->bFatal. */
int table_next(TableReader *p, char **pzErr);

/* Index of the header field equal to zName (trimmed, exact), or -1. */
int table_header_index(const TableReader *p, const char *zName);

/* "FILE: line L, column C" (CSV) or "FILE: row R, column X" (XLSX) for a 0-based field
** index iCol; iCol < 0 gives "FILE: line L" / "FILE: row R". malloc'd. */
char *table_where(const TableReader *p, int iLine, int iCol);

void table_close(TableReader *p);

#endif

/*
** xlsx.h: a small reader of XLSX workbooks (Office Open XML spreadsheets, as written by
** Excel, WPS, LibreOffice and libxlsxwriter): one worksheet (the first unless asked) as rows
** of strings.
**
** It exists so that imports (units, targets, values) can take the Excel files that Chinese
** offices actually send, and name "row 5, column C" in every message. It is not a general
** spreadsheet library: no styles, no formulas (a formula cell gives its cached value), no
** merged-cell expansion, no writing (reports use libxlsxwriter for that).
**
** What a cell becomes:
**   shared string (t="s", including rich-text runs <r><t>; phonetic runs <rPh> dropped),
**   inline string (t="inlineStr"), formula string (t="str"), ISO date text (t="d")
**                                  -> the text as stored
**   number (t="n" or no t)         -> the shortest decimal text that reads back as the same
**                                     double ("0.1", "430421", "1e-05"), so a value typed
**                                     in Excel imports exactly as Excel stored it
**   date formatted as a date       -> its serial number (dates are numbers in XLSX; styles
**                                     are not read)
**   boolean (t="b")                -> "TRUE" or "FALSE"
**   error (t="e")                  -> the error text, e.g. "#DIV/0!"
**   empty or absent cell           -> ""
** Rows and cells may be sparse (cell r="C5" references); missing ones read as empty.
** Rows whose cells are all empty are dropped.
**
** Refused with a clear message: files that are not zip archives, password-protected
** workbooks (Excel encrypts them into an OLE compound file, not a zip), encrypted zip
** entries, a workbook without a worksheet, malformed XML, DOCTYPE declarations (never
** legitimate in OOXML; refusing them closes the entity-expansion family of attacks), and
** parts that decompress to more than XLSX_MAX_PART bytes (zip bombs).
*/
#ifndef KP_UTIL_XLSX_H
#define KP_UTIL_XLSX_H
#include <stddef.h>

#include "util/mem.h"

#define XLSX_MAX_PART ((size_t)256 << 20) /* largest decompressed XML part read, bytes */
#define XLSX_MAX_COLUMN 16384              /* XFD, Excel's last column */
#define XLSX_MAX_ROW 1048576               /* Excel's last row */

typedef struct XlsxRow {
  int iRow;       /* Excel row number, 1-based */
  int nCell;      /* cells 0..nCell-1, column A = 0; trailing empty cells are trimmed */
  char **azCell;  /* NUL-terminated UTF-8 each, "" for an empty cell, never NULL */
} XlsxRow;

typedef struct XlsxSheet {
  char *zSheetName; /* the worksheet's name as the workbook lists it (arena) */
  int nRow;
  XlsxRow *aRow;    /* rows with at least one non-empty cell, by ascending iRow */
  Arena *pArena;    /* owns every string and array above */
} XlsxSheet;

/* Reads the first worksheet of the XLSX bytes pData[0..nData-1]. zName names the file in
** messages. Returns 0 and sets *ppSheet (free with xlsx_free), or -1 with *pzErr set
** (malloc'd, "NAME: reason"). The bytes are not kept. */
int xlsx_read_mem(const char *zName, const void *pData, size_t nData, XlsxSheet **ppSheet,
                  char **pzErr);

/* Reads worksheet iSheet (0-based, in tab order; chart sheets are not counted). Returns 0
** and sets *ppSheet, 1 when iSheet > 0 and the workbook has fewer worksheets (nothing set),
** or -1 with *pzErr set. */
int xlsx_read_mem_sheet(const char *zName, const void *pData, size_t nData, int iSheet,
                        XlsxSheet **ppSheet, char **pzErr);

/* Same as xlsx_read_mem, reading the file zPath. */
int xlsx_read_file(const char *zPath, XlsxSheet **ppSheet, char **pzErr);

void xlsx_free(XlsxSheet *p); /* NULL is a no-op */

/* Writes the column letters of 0-based column iCol (0 -> "A", 27 -> "AB", 16383 -> "XFD")
** into z, which must hold at least 8 bytes. */
void xlsx_column_name(int iCol, char *z);

/* Writes r as cell text: the shortest digits that read back as exactly r, in positional
** notation ("430400", "0.000123", "12.5") unless the decimal exponent is below -6 or above
** 20 ("1e-07", "1.5e+21"). Positional matters: a unit code typed as a number (430400) must
** come out as the code, never as "4.304e+05". z must hold at least 40 bytes. */
void xlsx_fmt_number(char *z, double r);

/* Is this the start of an OLE compound file (a password-protected workbook or a legacy
** .xls)? n is the number of bytes available at z. */
int xlsx_is_compound_file(const void *z, size_t n);

#endif

/*
** feed/xlsx_csv.h: XLSX feed files. A worksheet is written out as a CSV file (UTF-8,
** RFC 4180, LF) so that `feed derive`, `feed import` and the web upload read it with the
** one streaming CSV path (reader.c) — the same header matching, row checks, batches and
** resume. util/xlsx.c reads the worksheet into memory, which is acceptable for XLSX alone:
** a worksheet holds at most 1,048,576 rows (Excel's limit, XLSX_MAX_ROW), and each XML part
** is capped at 256 MB decompressed; exports of millions of rows come as CSV.
*/
#ifndef KP_FEED_XLSX_CSV_H
#define KP_FEED_XLSX_CSV_H

/* Does zPath name an XLSX file (by its .xlsx ending, case-insensitive)? */
int feed_is_xlsx(const char *zPath);

/* Writes the first worksheet of the XLSX file zPath as CSV to zOut (created or replaced).
** Physical line n of the CSV is the worksheet's row n when no row is empty, so messages of
** the import name the row as Excel shows it; empty rows (which xlsx.c drops) are written as
** blank lines, which the CSV reader skips, so line numbers stay Excel's row numbers even
** then. zName names the file in messages. Returns 0, or -1 with *pzErr. */
int feed_xlsx_to_csv(const char *zPath, const char *zName, const char *zOut, char **pzErr);

#endif

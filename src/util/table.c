/*
** table.c: the CSV-or-XLSX reader of table.h.
**
** Invariants: after table_open() returns 0, azHeader[0..nHeader-1] are trimmed malloc'd
** strings and exactly one of csv.zText (CSV) or pSheet (XLSX) is set; after table_next()
** returns 1, nField == nHeader.
*/
#include "util/table.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_CHUNK 65536
#define TABLE_HEADER_SCAN 10 /* rows searched for the header under a title */
#define TABLE_SHEET_SCAN 32  /* worksheets searched for the header */

/* Reads the whole file into *pb. Returns 0 or -1 with *pzErr set. */
static int table_slurp(const char *zPath, Buf *pb, char **pzErr) {
  FILE *f = fopen(zPath, "rb");
  if (!f) {
    *pzErr = xasprintf("%s: cannot open: %s", zPath, strerror(errno));
    return -1;
  }
  char *aChunk = xmalloc(TABLE_CHUNK);
  size_t nGot;
  while ((nGot = fread(aChunk, 1, TABLE_CHUNK, f)) > 0) buf_append(pb, aChunk, nGot);
  free(aChunk);
  int bErr = ferror(f);
  if (fclose(f) != 0) bErr = 1;
  if (bErr) {
    *pzErr = xasprintf("%s: read error", zPath);
    return -1;
  }
  return 0;
}

static void table_hash(TableReader *p, const Buf *pb) {
  unsigned char aHash[crypto_hash_sha256_BYTES];
  if (sodium_init() < 0) {
    /* libsodium could not initialise (no entropy source): hashing does not need it, but a
    ** library in that state is not one to trust with the audit record. */
    fprintf(stderr, "kaoping: libsodium failed to initialise\n");
    abort();
  }
  crypto_hash_sha256(aHash, (const unsigned char *)buf_str(pb), pb->n);
  sodium_bin2hex(p->zSha256, sizeof p->zSha256, aHash, sizeof aHash);
}

/* Does any trimmed field of az[0..n-1] equal one of azExpect[0..nExpect-1]? */
static int table_row_names_expected(char *const *az, int n, const char *const *azExpect,
                                    int nExpect) {
  for (int i = 0; i < n; i++) {
    const char *z = az[i];
    while (*z == ' ' || *z == '\t') z++;
    size_t nz = strlen(z);
    while (nz > 0 && (z[nz - 1] == ' ' || z[nz - 1] == '\t' || z[nz - 1] == '\r')) nz--;
    for (int k = 0; k < nExpect; k++) {
      if (strlen(azExpect[k]) == nz && memcmp(z, azExpect[k], nz) == 0) return 1;
    }
  }
  return 0;
}

/* XLSX: the index of the first of the sheet's first TABLE_HEADER_SCAN rows that names an
** expected column, or -1. */
static int table_sheet_header_row(const XlsxSheet *pSheet, const char *const *azExpect,
                                  int nExpect) {
  for (int i = 0; i < pSheet->nRow && i < TABLE_HEADER_SCAN; i++) {
    const XlsxRow *r = &pSheet->aRow[i];
    if (table_row_names_expected(r->azCell, r->nCell, azExpect, nExpect)) return i;
  }
  return -1;
}

/* CSV: how many records precede the first of the first TABLE_HEADER_SCAN records that names
** an expected column (0 when none does, or a record is malformed: the first row is then the
** header as without expectations). Leaves the reader at the start of the text. */
static int table_csv_header_record(TableReader *p, const char *const *azExpect, int nExpect) {
  int iFound = 0;
  for (int i = 0; i < TABLE_HEADER_SCAN; i++) {
    char *zErr = NULL;
    int rc = csv_next(&p->csv, &zErr);
    free(zErr);
    if (rc <= 0) break;
    if (table_row_names_expected(p->csv.azField, p->csv.nField, azExpect, nExpect)) {
      iFound = i;
      break;
    }
  }
  p->csv.iPos = 0;
  p->csv.iLine = 1;
  return iFound;
}

/* Reads the header: XLSX row iRow of the sheet, or the CSV record after nSkip records.
** Returns 0 or -1. */
static int table_read_header(TableReader *p, int iRow, int nSkip, char **pzErr) {
  p->nLead = p->bXlsx ? iRow : nSkip;
  if (p->bXlsx) {
    if (p->pSheet->nRow == 0) {
      *pzErr = xasprintf("%s: the worksheet \"%s\" is empty: no header row", p->zName,
                         p->pSheet->zSheetName);
      return -1;
    }
    const XlsxRow *r = &p->pSheet->aRow[iRow];
    p->iHeaderLine = r->iRow;
    p->zSheet = p->pSheet->zSheetName;
    p->nHeader = r->nCell; /* trailing empty cells are already trimmed */
    p->azHeader = xmalloc_array((size_t)p->nHeader, sizeof(char *));
    for (int i = 0; i < p->nHeader; i++) p->azHeader[i] = text_trim(xstrdup(r->azCell[i]));
    p->iNextRow = iRow + 1;
    p->azPad = xmalloc_array((size_t)p->nHeader, sizeof(char *));
    return 0;
  }
  int rc;
  do {
    rc = csv_next(&p->csv, pzErr);
  } while (rc > 0 && nSkip-- > 0);
  if (rc < 0) return -1;
  if (rc == 0) {
    *pzErr = xasprintf("%s: the file is empty: no header row", p->zName);
    return -1;
  }
  p->iHeaderLine = p->csv.iRecordLine;
  p->nHeader = p->csv.nField;
  p->azHeader = xmalloc_array((size_t)p->nHeader, sizeof(char *));
  for (int i = 0; i < p->nHeader; i++) p->azHeader[i] = text_trim(xstrdup(p->csv.azField[i]));
  return 0;
}

/* XLSX with expectations: keeps in p->pSheet the first of the first TABLE_SHEET_SCAN
** worksheets with a header row naming an expected column, and sets *piRow to that row;
** when none has one, the first worksheet and its first row. Returns 0 or -1. */
static int table_pick_sheet(TableReader *p, const Buf *pb, const char *const *azExpect,
                            int nExpect, int *piRow, char **pzErr) {
  *piRow = 0;
  if (xlsx_read_mem(p->zName, pb->z, pb->n, &p->pSheet, pzErr)) return -1;
  if (nExpect == 0) return 0;
  int iRow = table_sheet_header_row(p->pSheet, azExpect, nExpect);
  for (int iSheet = 1; iRow < 0 && iSheet < TABLE_SHEET_SCAN; iSheet++) {
    XlsxSheet *pOther = NULL;
    int rc = xlsx_read_mem_sheet(p->zName, pb->z, pb->n, iSheet, &pOther, pzErr);
    if (rc == 1) break;
    if (rc < 0) return -1;
    iRow = table_sheet_header_row(pOther, azExpect, nExpect);
    if (iRow >= 0) {
      xlsx_free(p->pSheet);
      p->pSheet = pOther;
      p->iSheet = iSheet;
    } else {
      xlsx_free(pOther);
    }
  }
  *piRow = iRow < 0 ? 0 : iRow;
  return 0;
}

int table_open(TableReader *p, const char *zPath, char **pzErr) {
  return table_open_expect(p, zPath, NULL, 0, pzErr);
}

int table_open_expect(TableReader *p, const char *zPath, const char *const *azExpect,
                      int nExpect, char **pzErr) {
  memset(p, 0, sizeof *p);
  p->zName = xstrdup(zPath);
  Buf b = BUF_INIT;
  int rc = -1;
  int iRow = 0, nSkip = 0;
  if (table_slurp(zPath, &b, pzErr)) goto done;
  p->nBytes = b.n;
  table_hash(p, &b);
  if (xlsx_is_compound_file(buf_str(&b), b.n)) {
    *pzErr = xasprintf("%s: a password-protected workbook or a legacy .xls file (OLE compound "
                       "file): save it as .xlsx without a password, or as CSV", zPath);
    goto done;
  }
  if (b.n >= 4 && memcmp(b.z, "PK\3\4", 4) == 0) {
    p->bXlsx = 1;
    p->zFormat = "XLSX";
    if (table_pick_sheet(p, &b, azExpect, nExpect, &iRow, pzErr)) goto done;
  } else {
    if (csv_open_mem(&p->csv, zPath, buf_str(&b), b.n, pzErr)) goto done;
    p->zFormat = text_encoding_name(p->csv.eEnc);
    if (nExpect > 0) nSkip = table_csv_header_record(p, azExpect, nExpect);
  }
  if (table_read_header(p, iRow, nSkip, pzErr)) goto done;
  rc = 0;
done:
  buf_free(&b);
  if (rc) table_close(p);
  return rc;
}

int table_next(TableReader *p, char **pzErr) {
  if (p->bXlsx) {
    if (p->iNextRow >= p->pSheet->nRow) return 0;
    const XlsxRow *r = &p->pSheet->aRow[p->iNextRow++];
    p->iLine = r->iRow;
    for (int i = p->nHeader; i < r->nCell; i++) {
      if (r->azCell[i][0]) {
        char zCol[8], zLast[8];
        xlsx_column_name(i, zCol);
        xlsx_column_name(p->nHeader > 0 ? p->nHeader - 1 : 0, zLast);
        *pzErr = xasprintf("%s: row %d, column %s: a value right of the last header column "
                           "(%s)", p->zName, r->iRow, zCol, zLast);
        return -1;
      }
    }
    static char zEmpty[1];
    for (int i = 0; i < p->nHeader; i++) p->azPad[i] = i < r->nCell ? r->azCell[i] : zEmpty;
    p->nField = p->nHeader;
    p->azField = p->azPad;
    return 1;
  }
  int rc = csv_next(&p->csv, pzErr);
  p->iLine = p->csv.iRecordLine;
  if (rc < 0 && p->csv.iPos >= p->csv.nText && p->csv.iLine > p->csv.iRecordLine + 1) {
    /* The bad record swallowed more than its own line and ran to the end (an unclosed
    ** quote): the lines after it were read as part of one field, so none of them can be
    ** reported or imported on its own. */
    char *zMore = xasprintf("%s; it runs to the end of the file (lines %d to %d), so no row "
                            "after it can be read", *pzErr, p->iLine, p->csv.iLine - 1);
    free(*pzErr);
    *pzErr = zMore;
    p->bFatal = 1;
  }
  if (rc <= 0) return rc;
  if (p->csv.nField != p->nHeader) {
    int n = p->csv.nField;
    if (n > p->nHeader) {
      *pzErr = xasprintf("%s: line %d, column %d: extra field: the row has %d fields, the "
                         "header %d (an unquoted comma?)", p->zName, p->iLine, p->nHeader + 1,
                         n, p->nHeader);
    } else {
      *pzErr = xasprintf("%s: line %d, column %d: missing field: the row has %d field%s, the "
                         "header %d", p->zName, p->iLine, n + 1, n, n == 1 ? "" : "s",
                         p->nHeader);
    }
    return -1;
  }
  p->nField = p->csv.nField;
  p->azField = p->csv.azField;
  return 1;
}

int table_header_index(const TableReader *p, const char *zName) {
  for (int i = 0; i < p->nHeader; i++) {
    if (strcmp(p->azHeader[i], zName) == 0) return i;
  }
  return -1;
}

char *table_where(const TableReader *p, int iLine, int iCol) {
  if (p->bXlsx) {
    if (iCol < 0) return xasprintf("%s: row %d", p->zName, iLine);
    char zCol[8];
    xlsx_column_name(iCol, zCol);
    return xasprintf("%s: row %d, column %s", p->zName, iLine, zCol);
  }
  if (iCol < 0) return xasprintf("%s: line %d", p->zName, iLine);
  return xasprintf("%s: line %d, column %d", p->zName, iLine, iCol + 1);
}

void table_close(TableReader *p) {
  free(p->zName);
  for (int i = 0; i < p->nHeader; i++) free(p->azHeader[i]);
  free(p->azHeader);
  free(p->azPad);
  if (p->csv.zName || p->csv.zText) csv_close(&p->csv);
  xlsx_free(p->pSheet);
  memset(p, 0, sizeof *p);
}

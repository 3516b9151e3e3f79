/*
** feed/xlsx_csv.c: an XLSX feed file as CSV (xlsx_csv.h says why and what).
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "feed/reader.h"
#include "feed/xlsx_csv.h"
#include "util/mem.h"
#include "util/xlsx.h"

int feed_is_xlsx(const char *zPath) {
  size_t n = strlen(zPath);
  return n >= 5 && strcasecmp(zPath + n - 5, ".xlsx") == 0;
}

int feed_xlsx_to_csv(const char *zPath, const char *zName, const char *zOut, char **pzErr) {
  XlsxSheet *pSheet = NULL;
  FILE *f = fopen(zPath, "rb");
  if (!f) {
    *pzErr = xasprintf("%s: cannot be read", zName);
    return -1;
  }
  Buf raw = BUF_INIT;
  char zChunk[65536];
  size_t k;
  while ((k = fread(zChunk, 1, sizeof zChunk, f)) > 0) buf_append(&raw, zChunk, k);
  int bErr = ferror(f);
  fclose(f);
  if (bErr) {
    buf_free(&raw);
    *pzErr = xasprintf("%s: cannot be read", zName);
    return -1;
  }
  int rc = xlsx_read_mem(zName, raw.z, raw.n, &pSheet, pzErr);
  buf_free(&raw);
  if (rc) return -1;
  FILE *o = fopen(zOut, "wb");
  if (!o) {
    xlsx_free(pSheet);
    *pzErr = xasprintf("%s: cannot write %s", zName, zOut);
    return -1;
  }
  Buf b = BUF_INIT;
  int iLine = 1;
  for (int i = 0; i < pSheet->nRow; i++) {
    const XlsxRow *row = &pSheet->aRow[i];
    for (; iLine < row->iRow; iLine++) buf_putc(&b, '\n'); /* keep Excel's row numbers */
    for (int c = 0; c < row->nCell; c++) {
      if (c) buf_putc(&b, ',');
      feed_csv_append(&b, row->azCell[c], (int)strlen(row->azCell[c]));
    }
    buf_putc(&b, '\n');
    iLine++;
    if (b.n > (1u << 20) || i + 1 == pSheet->nRow) {
      if (fwrite(b.z, 1, b.n, o) != b.n) bErr = 1;
      buf_reset(&b);
    }
  }
  buf_free(&b);
  xlsx_free(pSheet);
  if (fclose(o) != 0 || bErr) {
    *pzErr = xasprintf("%s: cannot write %s", zName, zOut);
    remove(zOut);
    return -1;
  }
  return 0;
}

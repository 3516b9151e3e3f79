/*
** grid.c: the aligned text tables of grid.h.
** Cells are kept row-major in one growable array of malloc'd strings; the widths are
** measured at print time, so cells can be added in any number before printing.
*/
#include "util/grid.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

struct Grid {
  int nCol;
  int nCell, nCellAlloc;
  char **azCell;
  unsigned char *aRight; /* nCol flags */
};

Grid *grid_new(int nCol) {
  Grid *p = xcalloc(1, sizeof *p);
  p->nCol = nCol > 0 ? nCol : 1;
  p->aRight = xcalloc((size_t)p->nCol, 1);
  return p;
}

void grid_align_right(Grid *p, int iCol) {
  if (iCol >= 0 && iCol < p->nCol) p->aRight[iCol] = 1;
}

void grid_cell(Grid *p, const char *z) {
  if (p->nCell >= p->nCellAlloc) {
    p->nCellAlloc = p->nCellAlloc ? 2 * p->nCellAlloc : 64;
    p->azCell = xrealloc_array(p->azCell, (size_t)p->nCellAlloc, sizeof(char *));
  }
  p->azCell[p->nCell++] = xstrdup(z ? z : "");
}

void grid_cellf(Grid *p, const char *zFmt, ...) {
  Buf b = BUF_INIT;
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(&b, zFmt, ap);
  va_end(ap);
  char *z = buf_detach(&b);
  grid_cell(p, z);
  free(z);
}

int grid_data_rows(const Grid *p) {
  int nRow = p->nCell / p->nCol;
  return nRow > 0 ? nRow - 1 : 0;
}

/* Terminal width of code point c. */
static int grid_cp_width(unsigned c) {
  if (c == 0) return 0;
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || c == 0xFE0F) return 0;
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
      (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
      (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
      (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x20000 && c <= 0x3FFFD))
    return 2;
  return 1;
}

int grid_text_width(const char *zIn) {
  const unsigned char *z = (const unsigned char *)zIn;
  int w = 0;
  while (*z) {
    unsigned c = *z, cp;
    int n;
    if (c < 0x80) { cp = c; n = 1; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; n = 2; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; n = 3; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; n = 4; }
    else { w++; z++; continue; } /* stray byte: count it, move on */
    int k = 1;
    for (; k < n && (z[k] & 0xC0) == 0x80; k++) cp = (cp << 6) | (z[k] & 0x3F);
    if (k < n) { w++; z += k; continue; } /* truncated sequence */
    w += grid_cp_width(cp);
    z += n;
  }
  return w;
}

static void grid_pad(Buf *pLine, int n) {
  for (int i = 0; i < n; i++) buf_putc(pLine, ' ');
}

/* Writes the line without trailing blanks, then a newline. */
static void grid_flush(Buf *pLine, FILE *out) {
  size_t n = pLine->n;
  while (n > 0 && pLine->z[n - 1] == ' ') n--;
  if (n) fwrite(pLine->z, 1, n, out);
  fputc('\n', out);
  buf_reset(pLine);
}

void grid_print(const Grid *p, FILE *out) {
  int nRow = p->nCell / p->nCol;
  int *aW = xcalloc((size_t)p->nCol, sizeof(int));
  for (int i = 0; i < nRow * p->nCol; i++) {
    int w = grid_text_width(p->azCell[i]);
    if (w > aW[i % p->nCol]) aW[i % p->nCol] = w;
  }
  Buf line = BUF_INIT;
  for (int r = 0; r < nRow; r++) {
    for (int c = 0; c < p->nCol; c++) {
      const char *z = p->azCell[r * p->nCol + c];
      int nPad = aW[c] - grid_text_width(z);
      if (c) buf_puts(&line, "  ");
      if (p->aRight[c]) grid_pad(&line, nPad);
      buf_puts(&line, z);
      if (!p->aRight[c]) grid_pad(&line, nPad);
    }
    grid_flush(&line, out);
    if (r == 0) {
      for (int c = 0; c < p->nCol; c++) {
        if (c) buf_puts(&line, "  ");
        for (int k = 0; k < aW[c]; k++) buf_putc(&line, '-');
      }
      grid_flush(&line, out);
    }
  }
  buf_free(&line);
  free(aW);
}

void grid_free(Grid *p) {
  if (!p) return;
  for (int i = 0; i < p->nCell; i++) free(p->azCell[i]);
  free(p->azCell);
  free(p->aRight);
  free(p);
}

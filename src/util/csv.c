/*
** csv.c: the RFC 4180 reader of csv.h.
**
** Invariants: iPos never passes nText; iLine counts the '\n' bytes before iPos plus one;
** after csv_next() returns 1, azField[0..nField-1] point into fieldBuf and are each
** NUL-terminated (a field may itself contain '\n' when it was quoted).
*/
#include "util/csv.h"

#include <stdlib.h>
#include <string.h>

static void csv_init(CsvReader *p, const char *zName) {
  memset(p, 0, sizeof *p);
  p->zName = xstrdup(zName);
  p->iLine = 1;
}

int csv_open(CsvReader *p, const char *zPath, char **pzErr) {
  csv_init(p, zPath);
  if (text_load(zPath, &p->zText, &p->nText, &p->eEnc, pzErr)) {
    csv_close(p);
    return -1;
  }
  return 0;
}

int csv_open_mem(CsvReader *p, const char *zName, const char *z, size_t n, char **pzErr) {
  csv_init(p, zName);
  if (text_decode(zName, z, n, &p->zText, &p->nText, &p->eEnc, pzErr)) {
    csv_close(p);
    return -1;
  }
  return 0;
}

static void csv_end_field(CsvReader *p, size_t iStart) {
  if (p->nField >= p->nFieldAlloc) {
    p->nFieldAlloc = p->nFieldAlloc ? p->nFieldAlloc * 2 : 16;
    p->aFieldOfs = xrealloc_array(p->aFieldOfs, (size_t)p->nFieldAlloc, sizeof(size_t));
    p->azField = xrealloc_array(p->azField, (size_t)p->nFieldAlloc, sizeof(char *));
  }
  p->aFieldOfs[p->nField++] = iStart;
  buf_putc(&p->fieldBuf, 0);
}

int csv_next(CsvReader *p, char **pzErr) {
  for (;;) {
    if (p->iPos >= p->nText) return 0;
    buf_reset(&p->fieldBuf);
    p->nField = 0;
    p->iRecordLine = p->iLine;
    const char *z = p->zText;
    size_t i = p->iPos, n = p->nText;
    size_t iFieldStart = 0;
    size_t iLineStart = i; /* for column numbers in error messages */
    int bDone = 0;
    while (!bDone) {
      iFieldStart = p->fieldBuf.n;
      if (i < n && z[i] == '"') {
        size_t iQuote = i;
        int iQuoteLine = p->iLine;
        i++;
        for (;;) {
          if (i >= n) {
            *pzErr = xasprintf("%s: line %d, column %d: quoted field is never closed", p->zName,
                               iQuoteLine, p->nField + 1);
            (void)iQuote;
            p->iPos = n;
            return -1;
          }
          if (z[i] == '"') {
            if (i + 1 < n && z[i + 1] == '"') {
              buf_putc(&p->fieldBuf, '"');
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (z[i] == '\n') { p->iLine++; iLineStart = i + 1; }
          if (z[i] == '\r' && i + 1 < n && z[i + 1] == '\n') { i++; continue; } /* CRLF -> LF */
          buf_putc(&p->fieldBuf, z[i]);
          i++;
        }
        if (i < n && z[i] != ',' && z[i] != '\n' && z[i] != '\r') {
          *pzErr = xasprintf("%s: line %d, column %d: text after a closing quote (a quote "
                             "inside a field must be doubled)", p->zName, p->iLine, p->nField + 1);
          /* skip to the end of the line so a caller that continues can resynchronise */
          while (i < n && z[i] != '\n') i++;
          if (i < n) { i++; p->iLine++; }
          p->iPos = i;
          return -1;
        }
      } else {
        size_t j = i;
        while (j < n && z[j] != ',' && z[j] != '\n' && z[j] != '\r') {
          if (z[j] == '"') {
            *pzErr = xasprintf("%s: line %d, column %d: a quote inside an unquoted field (quote "
                               "the whole field and double the quote)", p->zName, p->iLine,
                               p->nField + 1);
            while (j < n && z[j] != '\n') j++;
            if (j < n) { j++; p->iLine++; }
            p->iPos = j;
            return -1;
          }
          j++;
        }
        buf_append(&p->fieldBuf, z + i, j - i);
        i = j;
      }
      csv_end_field(p, iFieldStart);
      if (i >= n) { bDone = 1; break; }
      if (z[i] == ',') { i++; if (i >= n) { iFieldStart = p->fieldBuf.n; csv_end_field(p, iFieldStart); bDone = 1; } continue; }
      if (z[i] == '\r') i++;
      if (i < n && z[i] == '\n') { i++; p->iLine++; }
      bDone = 1;
    }
    (void)iLineStart;
    p->iPos = i;
    for (int k = 0; k < p->nField; k++) p->azField[k] = p->fieldBuf.z + p->aFieldOfs[k];
    if (p->nField == 1 && p->azField[0][0] == 0) continue; /* blank line */
    return 1;
  }
}

int csv_field_index(const CsvReader *p, const char *zName) {
  for (int k = 0; k < p->nField; k++) {
    const char *a = p->azField[k];
    while (*a == ' ' || *a == '\t') a++;
    size_t nA = strlen(a);
    while (nA > 0 && (a[nA - 1] == ' ' || a[nA - 1] == '\t')) nA--;
    if (nA == strlen(zName) && memcmp(a, zName, nA) == 0) return k;
  }
  return -1;
}

void csv_close(CsvReader *p) {
  free(p->zName);
  free(p->zText);
  free(p->azField);
  free(p->aFieldOfs);
  buf_free(&p->fieldBuf);
  memset(p, 0, sizeof *p);
}

/*
** text.c: encoding detection and conversion (UTF-8, UTF-8 with BOM, GBK via glibc iconv),
** strict number parsing and shortest round-trip number printing. See text.h.
**
** Why GB18030 for GBK: GB18030 is a strict superset of GBK, so every GBK file decodes the
** same way through it, and glibc's GB18030 converter rejects malformed sequences.
** Why the CJK share check: GBK accepts most byte pairs, so a file in some other legacy
** encoding (Latin-1, say) can decode "successfully" into nonsense. A real GBK file from a
** Chinese office is overwhelmingly Chinese text in the GB2312 core, so we require that
** most decoded non-ASCII characters be CJK and most byte pairs lie in GB2312 before we
** accept the guess (text_gb2312_share explains why both).
*/
#include "util/text.h"

#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

const char *text_encoding_name(TextEncoding e) {
  switch (e) {
  case TEXT_UTF8: return "UTF-8";
  case TEXT_UTF8_BOM: return "UTF-8 with BOM";
  case TEXT_GBK: return "GBK";
  }
  return "?";
}

size_t text_utf8_invalid_at(const char *zIn, size_t n) {
  const unsigned char *z = (const unsigned char *)zIn;
  size_t i = 0;
  while (i < n) {
    unsigned c = z[i];
    if (c < 0x80) { i++; continue; }
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return i;
    if (i + len > n) return i;
    for (size_t k = 1; k < len; k++) {
      if ((z[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (z[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return i;
    if (cp >= 0xD800 && cp <= 0xDFFF) return i;
    i += len;
  }
  return n;
}

/* Line (1-based) and byte column (1-based) of offset i in z. */
static void text_position(const char *z, size_t i, int *piLine, int *piCol) {
  int iLine = 1;
  size_t iLineStart = 0;
  for (size_t k = 0; k < i; k++) {
    if (z[k] == '\n') { iLine++; iLineStart = k + 1; }
  }
  *piLine = iLine;
  *piCol = (int)(i - iLineStart) + 1;
}

/* Share of decoded non-ASCII code points that are CJK (ideographs, CJK punctuation,
** full-width forms, general punctuation such as "—" and "…"). Returns 1.0 when there are
** no non-ASCII characters. z must be valid UTF-8. */
static double text_cjk_share(const char *zIn, size_t n) {
  const unsigned char *z = (const unsigned char *)zIn;
  size_t nNon = 0, nCjk = 0;
  for (size_t i = 0; i < n;) {
    unsigned c = z[i];
    if (c < 0x80) { i++; continue; }
    unsigned cp;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len && i + k < n; k++) cp = (cp << 6) | (z[i + k] & 0x3F);
    i += len;
    nNon++;
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3000 && cp <= 0x303F) ||
        (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x2000 && cp <= 0x206F) ||
        (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x2460 && cp <= 0x24FF) ||
        (cp >= 0x00B7 && cp <= 0x00D7))
      nCjk++;
  }
  return nNon ? (double)nCjk / (double)nNon : 1.0;
}

/* Share of the double-byte pairs of a GBK text that lie in GB2312 (lead 0xA1-0xF7, trail
** 0xA1-0xFE). Chinese office text is almost entirely GB2312; Latin-1 accents that happen
** to pair up (0xE9 0xE8 "éè") mostly fall outside it, because their neighbours are ASCII. */
static double text_gb2312_share(const unsigned char *z, size_t n) {
  size_t nPair = 0, nGb = 0;
  for (size_t i = 0; i < n;) {
    if (z[i] < 0x80) { i++; continue; }
    if (i + 1 < n) {
      nPair++;
      if (z[i] >= 0xA1 && z[i] <= 0xF7 && z[i + 1] >= 0xA1 && z[i + 1] <= 0xFE) nGb++;
    }
    i += 2;
  }
  return nPair ? (double)nGb / (double)nPair : 1.0;
}

/* Converts GB18030 to UTF-8. Returns 0, or -1 at the offset *piBad of the first bad byte. */
static int text_gbk_to_utf8(const char *z, size_t n, char **pzOut, size_t *pnOut, size_t *piBad) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == (iconv_t)-1) { *piBad = 0; return -1; }
  size_t nAlloc = n * 2 + 16;
  char *zOut = xmalloc(nAlloc);
  char *pIn = (char *)z, *pOut = zOut;
  size_t nIn = n, nOutLeft = nAlloc - 1;
  int rc = 0;
  while (nIn > 0) {
    size_t r = iconv(cd, &pIn, &nIn, &pOut, &nOutLeft);
    if (r != (size_t)-1) break;
    if (errno == E2BIG) {
      size_t nUsed = (size_t)(pOut - zOut);
      nAlloc *= 2;
      zOut = xrealloc(zOut, nAlloc);
      pOut = zOut + nUsed;
      nOutLeft = nAlloc - nUsed - 1;
      continue;
    }
    *piBad = (size_t)(pIn - z);
    rc = -1;
    break;
  }
  iconv_close(cd);
  if (rc) { free(zOut); return -1; }
  *pOut = 0;
  *pzOut = zOut;
  *pnOut = (size_t)(pOut - zOut);
  return 0;
}

int text_decode(const char *zName, const char *z, size_t n, char **pzOut, size_t *pnOut,
                TextEncoding *peEnc, char **pzErr) {
  TextEncoding e = TEXT_UTF8;
  if (n >= 3 && (unsigned char)z[0] == 0xEF && (unsigned char)z[1] == 0xBB &&
      (unsigned char)z[2] == 0xBF) {
    z += 3;
    n -= 3;
    e = TEXT_UTF8_BOM;
  }
  if (memchr(z, 0, n)) {
    int iLine, iCol;
    size_t i = (size_t)((const char *)memchr(z, 0, n) - z);
    text_position(z, i, &iLine, &iCol);
    *pzErr = xasprintf("%s: line %d, column %d: NUL byte; this is not a text file (UTF-16 "
                       "or binary? save it as CSV UTF-8)", zName, iLine, iCol);
    return -1;
  }
  size_t iBad = text_utf8_invalid_at(z, n);
  if (iBad == n) {
    *pzOut = xstrndup(z, n);
    *pnOut = n;
    if (peEnc) *peEnc = e;
    return 0;
  }
  int iLine, iCol;
  text_position(z, iBad, &iLine, &iCol);
  if (e == TEXT_UTF8) {
    char *zGbk = NULL;
    size_t nGbk = 0, iGbkBad = 0;
    if (text_gbk_to_utf8(z, n, &zGbk, &nGbk, &iGbkBad) == 0) {
      if (text_cjk_share(zGbk, nGbk) >= 0.8 &&
          text_gb2312_share((const unsigned char *)z, n) >= 0.8) {
        *pzOut = zGbk;
        *pnOut = nGbk;
        if (peEnc) *peEnc = TEXT_GBK;
        return 0;
      }
      free(zGbk);
    }
  }
  *pzErr = xasprintf("%s: line %d, column %d: byte 0x%02X is not valid UTF-8%s", zName, iLine,
                     iCol, (unsigned char)z[iBad],
                     e == TEXT_UTF8 ? ", and the file does not read as GBK either" : "");
  return -1;
}

int text_load(const char *zPath, char **pzOut, size_t *pnOut, TextEncoding *peEnc, char **pzErr) {
  FILE *f = fopen(zPath, "rb");
  if (!f) {
    *pzErr = xasprintf("%s: cannot open: %s", zPath, strerror(errno));
    return -1;
  }
  Buf b = BUF_INIT;
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, got);
  int bErr = ferror(f);
  fclose(f);
  if (bErr) {
    buf_free(&b);
    *pzErr = xasprintf("%s: read error", zPath);
    return -1;
  }
  int rc = text_decode(zPath, buf_str(&b), b.n, pzOut, pnOut, peEnc, pzErr);
  buf_free(&b);
  return rc;
}

int text_parse_double(const char *z, double *pr) {
  if (!z) return -1;
  while (*z == ' ' || *z == '\t') z++;
  const char *p = z;
  if (*p == '+' || *p == '-') p++;
  int nDigit = 0;
  while (*p >= '0' && *p <= '9') { p++; nDigit++; }
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') { p++; nDigit++; }
  }
  if (nDigit == 0) return -1;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return -1;
    while (*p >= '0' && *p <= '9') p++;
  }
  const char *zEnd = p;
  while (*p == ' ' || *p == '\t' || *p == '\r') p++;
  if (*p) return -1;
  char *zNum = xstrndup(z, (size_t)(zEnd - z));
  char *zStop = NULL;
  errno = 0;
  double r = strtod(zNum, &zStop);
  int bOk = zStop && *zStop == 0 && isfinite(r);
  free(zNum);
  if (!bOk) return -1;
  *pr = r;
  return 0;
}

void text_fmt_double(char *z, double r) {
  if (!isfinite(r)) {
    strcpy(z, "null");
    return;
  }
  if (r == 0) {
    strcpy(z, "0");
    return;
  }
  /* Whole numbers print as digits: %g would choose "1.2e+02" for 120 as the shortest. */
  if (fabs(r) < 1e17 && r == floor(r)) {
    snprintf(z, 32, "%.0f", r);
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(z, 32, "%.*g", prec, r);
    if (strtod(z, NULL) == r) break;
  }
}

char *text_trim(char *z) {
  size_t n = strlen(z);
  while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t' || z[n - 1] == '\r' || z[n - 1] == '\n'))
    z[--n] = 0;
  size_t i = 0;
  while (z[i] == ' ' || z[i] == '\t' || z[i] == '\r' || z[i] == '\n') i++;
  if (i) memmove(z, z + i, n - i + 1);
  return z;
}

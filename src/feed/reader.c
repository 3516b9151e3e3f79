/*
** feed/reader.c: the streaming RFC 4180 reader of feed/reader.h.
**
** How a record is found: memchr for the next '\n' gives a candidate line; memchr for '"'
** over that line decides the path. Without a quote (most rows of a real export) the line is
** split at commas by memchr and the fields point into the buffer: no copy, no allocation.
** With a quote, quote parity (each '"' toggles; a doubled quote toggles twice) extends the
** record over further lines until the parity is even, then a byte-by-byte pass unescapes
** the quoted fields in place (they only shrink) and checks that nothing follows a closing
** quote. A record is only unescaped once it is wholly in the buffer, so refilling the
** buffer (which moves the unread tail to the front) never sees a half-rewritten record.
**
** Invariants: a[iPos, nData) is unread input; a[nData] is kept writable; iLine is the
** physical line number of a[iPos]; for a GBK reader, aRaw[0, nRaw) holds bytes read but
** not yet converted (an incomplete character at the end of a read).
*/
#include "feed/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mem.h"

#define FEED_READ_CHUNK (4u << 20)   /* bytes per read() */
#define FEED_SNIFF (1u << 20)        /* bytes examined to detect the encoding */

struct FeedReader {
  char *zName;
  int fd;                  /* -1 for a memory reader */
  const char *zMem;        /* memory source */
  size_t nMem, iMem;
  uint64_t iOff, iEnd;     /* next file offset to read; end of the range */
  int bEof;                /* the source has nothing more */
  int bStopped;            /* a fatal error: return 0 from now on */
  int bCleanEnd;
  TextEncoding eEnc;
  iconv_t cd;              /* GBK -> UTF-8, or (iconv_t)-1 */
  char *aRaw;
  size_t nRaw;
  int64_t nConvLines;      /* line breaks converted so far (GBK error positions) */
  char *a;                 /* the buffer */
  size_t nAlloc, iPos, nData;
  size_t nMaxRecord;
  uint64_t nBytes;         /* source bytes consumed */
  int64_t iLine, iRecLine;
  FeedSpan *aField;
  int nField, nFieldAlloc;
  int bPlain;              /* the last record had no quote and no CR: no field needs quoting */
  int64_t iErrLine;        /* the last error, structured */
  int iErrCol;
  char *zErrReason;
};

/* Records an error: structured in the reader, formatted into *pzErr. Returns -1. */
static int feed_fail(FeedReader *r, char **pzErr, int64_t iLine, int iCol, const char *zReason) {
  free(r->zErrReason);
  r->zErrReason = xstrdup(zReason);
  r->iErrLine = iLine;
  r->iErrCol = iCol;
  if (iCol > 0)
    *pzErr = xasprintf("%s: line %lld, column %d: %s", r->zName, (long long)iLine, iCol, zReason);
  else
    *pzErr = xasprintf("%s: line %lld: %s", r->zName, (long long)iLine, zReason);
  return -1;
}

int64_t feed_reader_err_line(const FeedReader *r) { return r->iErrLine; }
int feed_reader_err_col(const FeedReader *r) { return r->iErrCol; }
const char *feed_reader_err_reason(const FeedReader *r) { return r->zErrReason ? r->zErrReason : ""; }

int feed_detect(const char *zPath, TextEncoding *peEnc, uint64_t *pnSize, char **pzErr) {
  int fd = open(zPath, O_RDONLY);
  if (fd < 0) {
    *pzErr = xasprintf("%s: cannot open: %s", zPath, strerror(errno));
    return -1;
  }
  off_t nSize = lseek(fd, 0, SEEK_END);
  if (nSize < 0) {
    *pzErr = xasprintf("%s: cannot read: %s", zPath, strerror(errno));
    close(fd);
    return -1;
  }
  *pnSize = (uint64_t)nSize;
  char *z = xmalloc(FEED_SNIFF + 1);
  ssize_t n = pread(fd, z, FEED_SNIFF, 0);
  close(fd);
  if (n < 0) {
    *pzErr = xasprintf("%s: cannot read: %s", zPath, strerror(errno));
    free(z);
    return -1;
  }
  /* Judge whole lines only, so that a character cut by the sample's end is not "bad". */
  size_t nUse = (size_t)n;
  if ((uint64_t)n < *pnSize) {
    char *pNl = memrchr(z, '\n', (size_t)n);
    if (pNl) nUse = (size_t)(pNl - z) + 1;
    else {
      while (nUse > 0 && ((unsigned char)z[nUse - 1] & 0x80)) nUse--;
    }
  }
  char *zOut = NULL;
  size_t nOut = 0;
  int rc = text_decode(zPath, z, nUse, &zOut, &nOut, peEnc, pzErr);
  free(zOut);
  free(z);
  return rc;
}

static FeedReader *feed_reader_new(const char *zName) {
  FeedReader *r = xcalloc(1, sizeof *r);
  r->zName = xstrdup(zName);
  r->fd = -1;
  r->cd = (iconv_t)-1;
  r->nAlloc = FEED_READ_CHUNK + FEED_READ_CHUNK / 4;
  r->a = xmalloc(r->nAlloc + 1);
  r->nMaxRecord = 64u << 20;
  r->iLine = 1;
  r->bCleanEnd = 1;
  return r;
}

FeedReader *feed_reader_open(const char *zPath, TextEncoding eEnc, uint64_t iStart,
                             uint64_t iEnd, char **pzErr) {
  int fd = open(zPath, O_RDONLY);
  if (fd < 0) {
    *pzErr = xasprintf("%s: cannot open: %s", zPath, strerror(errno));
    return NULL;
  }
  FeedReader *r = feed_reader_new(zPath);
  r->fd = fd;
  r->iOff = iStart;
  r->iEnd = iEnd;
  r->eEnc = eEnc;
  if (eEnc == TEXT_GBK) {
    r->cd = iconv_open("UTF-8", "GB18030"); /* a superset of GBK: see util/text.c */
    if (r->cd == (iconv_t)-1) {
      *pzErr = xasprintf("%s: cannot convert from GBK: %s", zPath, strerror(errno));
      feed_reader_close(r);
      return NULL;
    }
    r->aRaw = xmalloc(FEED_READ_CHUNK);
  }
  (void)posix_fadvise(fd, (off_t)iStart, 0, POSIX_FADV_SEQUENTIAL);
  return r;
}

FeedReader *feed_reader_open_mem(const char *zName, const char *z, size_t n) {
  FeedReader *r = feed_reader_new(zName);
  r->zMem = z;
  r->nMem = n;
  r->iEnd = UINT64_MAX;
  r->eEnc = TEXT_UTF8;
  return r;
}

void feed_reader_set_max_record(FeedReader *r, size_t nMax) { r->nMaxRecord = nMax; }

void feed_reader_close(FeedReader *r) {
  if (!r) return;
  if (r->fd >= 0) close(r->fd);
  if (r->cd != (iconv_t)-1) iconv_close(r->cd);
  free(r->aRaw);
  free(r->a);
  free(r->aField);
  free(r->zErrReason);
  free(r->zName);
  free(r);
}

int64_t feed_reader_line(const FeedReader *r) { return r->iRecLine; }
int64_t feed_reader_lines_read(const FeedReader *r) { return r->iLine - 1; }
int feed_reader_plain(const FeedReader *r) {
  return r->bPlain;
}

uint64_t feed_reader_offset(const FeedReader *r) {
  if (r->cd != (iconv_t)-1) return UINT64_MAX;
  uint64_t iSrc = r->fd >= 0 ? r->iOff : (uint64_t)r->iMem;
  return iSrc - (uint64_t)(r->nData - r->iPos);
}

void feed_csv_append(Buf *b, const char *z, int n) {
  int bQuote = 0;
  for (int i = 0; i < n && !bQuote; i++)
    bQuote = z[i] == ',' || z[i] == '"' || z[i] == '\r' || z[i] == '\n';
  if (!bQuote) { buf_append(b, z, (size_t)n); return; }
  buf_putc(b, '"');
  const char *p = z, *e = z + n;
  for (const char *q; (q = memchr(p, '"', (size_t)(e - p))) != NULL; p = q + 1) {
    buf_append(b, p, (size_t)(q + 1 - p));
    buf_putc(b, '"');
  }
  buf_append(b, p, (size_t)(e - p));
  buf_putc(b, '"');
}
uint64_t feed_reader_bytes(const FeedReader *r) { return r->nBytes; }
int feed_reader_clean_end(const FeedReader *r) { return r->bCleanEnd; }

/* Reads up to nWant source bytes into z. Returns the count, 0 at the end, -1 on error. */
static ssize_t feed_read_source(FeedReader *r, char *z, size_t nWant) {
  if (r->fd < 0) {
    size_t n = r->nMem - r->iMem < nWant ? r->nMem - r->iMem : nWant;
    memcpy(z, r->zMem + r->iMem, n);
    r->iMem += n;
    return (ssize_t)n;
  }
  if (r->iEnd != UINT64_MAX && r->iOff + nWant > r->iEnd) nWant = (size_t)(r->iEnd - r->iOff);
  if (nWant == 0) return 0;
  ssize_t n;
  do n = pread(r->fd, z, nWant, (off_t)r->iOff);
  while (n < 0 && errno == EINTR);
  if (n > 0) r->iOff += (uint64_t)n;
  return n;
}

/* Moves the unread tail to the front and reads more. Returns 1 when bytes were added, 0 at
** the end of the source, -1 on an error (*pzErr set, reading stops). */
static int feed_fill(FeedReader *r, char **pzErr) {
  if (r->bEof) return 0;
  if (r->iPos > 0) {
    memmove(r->a, r->a + r->iPos, r->nData - r->iPos);
    r->nData -= r->iPos;
    r->iPos = 0;
  }
  if (r->nData > r->nMaxRecord) {
    char *zWhy = xasprintf("a record longer than %zu MB (a quote that is never closed?)",
                           r->nMaxRecord >> 20);
    feed_fail(r, pzErr, r->iLine, 1, zWhy);
    free(zWhy);
    r->bStopped = 1;
    r->bCleanEnd = 0;
    return -1;
  }
  if (r->nAlloc - r->nData < FEED_READ_CHUNK / 2) {
    r->nAlloc = r->nAlloc * 2;
    r->a = xrealloc(r->a, r->nAlloc + 1);
  }
  size_t nRoom = r->nAlloc - r->nData;
  if (r->cd == (iconv_t)-1) {
    /* A BOM is only possible at the start of the file. */
    ssize_t n = feed_read_source(r, r->a + r->nData, nRoom);
    if (n < 0) {
      *pzErr = xasprintf("%s: read error: %s", r->zName, strerror(errno));
      r->bStopped = 1;
      return -1;
    }
    if (n == 0) { r->bEof = 1; return 0; }
    if (r->nBytes == 0 && (r->fd < 0 || r->iOff == (uint64_t)n) && n >= 3 &&
        memcmp(r->a + r->nData, "\xEF\xBB\xBF", 3) == 0) {
      memmove(r->a + r->nData, r->a + r->nData + 3, (size_t)n - 3);
      r->nBytes += 3;
      n -= 3;
    }
    r->nBytes += (uint64_t)n;
    r->nData += (size_t)n;
    return 1;
  }
  /* GBK: read raw bytes after any leftover, convert into the buffer. */
  for (;;) {
    ssize_t n = feed_read_source(r, r->aRaw + r->nRaw, FEED_READ_CHUNK - r->nRaw);
    if (n < 0) {
      *pzErr = xasprintf("%s: read error: %s", r->zName, strerror(errno));
      r->bStopped = 1;
      return -1;
    }
    r->nRaw += (size_t)n;
    if (r->nRaw == 0) { r->bEof = 1; return 0; }
    char *pIn = r->aRaw, *pOut = r->a + r->nData;
    size_t nIn = r->nRaw, nOut = nRoom;
    size_t rc = iconv(r->cd, &pIn, &nIn, &pOut, &nOut);
    int eErr = rc == (size_t)-1 ? errno : 0;
    size_t nMade = (size_t)(pOut - (r->a + r->nData));
    for (char *q = r->a + r->nData; (q = memchr(q, '\n', (size_t)(pOut - q))) != NULL; q++)
      r->nConvLines++;
    r->nData += nMade;
    r->nBytes += r->nRaw - nIn;
    memmove(r->aRaw, pIn, nIn);
    r->nRaw = nIn;
    if (eErr == EILSEQ || (eErr == EINVAL && n == 0)) {
      char *zWhy = xasprintf("%s GBK character at byte %llu of the file",
                             eErr == EILSEQ ? "an invalid" : "a cut",
                             (unsigned long long)r->nBytes + 1);
      feed_fail(r, pzErr, r->nConvLines + 1, 0, zWhy);
      free(zWhy);
      r->bStopped = 1;
      r->bCleanEnd = 0;
      return -1;
    }
    if (nMade > 0) return 1;
    if (eErr == E2BIG) { /* no room for one character: grow */
      r->nAlloc *= 2;
      r->a = xrealloc(r->a, r->nAlloc + 1);
      nRoom = r->nAlloc - r->nData;
    }
  }
}

static inline __attribute__((always_inline)) void feed_add_field(FeedReader *r, const char *z,
                                                                   size_t n) {
  if (r->nField == r->nFieldAlloc) {
    r->nFieldAlloc = r->nFieldAlloc ? r->nFieldAlloc * 2 : 32;
    r->aField = xrealloc_array(r->aField, (size_t)r->nFieldAlloc, sizeof(FeedSpan));
  }
  r->aField[r->nField].z = z;
  r->aField[r->nField].n = (int)n;
  r->nField++;
}

/* Splits and unescapes the record [p, e) (e excludes the final '\n') in place.
** Returns 0, or -1 with *pzErr. */
static int feed_parse_quoted(FeedReader *r, char *p, char *e, char **pzErr) {
  if (e > p && e[-1] == '\r') e--;
  char *s = p, *w = p;
  int64_t iLine = r->iRecLine;
  for (;;) {
    char *zStart = w;
    if (s < e && *s == '"') {
      s++;
      for (;;) {
        if (s >= e) {
          return feed_fail(r, pzErr, iLine, r->nField + 1, "quoted field is never closed");
        }
        char c = *s;
        if (c == '"') {
          if (s + 1 < e && s[1] == '"') { *w++ = '"'; s += 2; continue; }
          s++;
          break;
        }
        if (c == '\r' && s + 1 < e && s[1] == '\n') { s++; continue; } /* CRLF -> LF */
        if (c == '\n') iLine++;
        *w++ = c;
        s++;
      }
      feed_add_field(r, zStart, (size_t)(w - zStart));
      if (s >= e) return 0;
      if (*s != ',') {
        return feed_fail(r, pzErr, iLine, r->nField,
                         "text after a closing quote (a quote inside a field must be doubled)");
      }
      s++;
      if (s >= e) { feed_add_field(r, w, 0); return 0; }
    } else {
      char *c = memchr(s, ',', (size_t)(e - s));
      char *f = c ? c : e;
      if (memchr(s, '"', (size_t)(f - s))) {
        return feed_fail(r, pzErr, iLine, r->nField + 1,
                         "a quote inside an unquoted field (quote the whole field and double "
                         "the quote)");
      }
      if (w != s) memmove(w, s, (size_t)(f - s));
      w += f - s;
      feed_add_field(r, zStart, (size_t)(w - zStart));
      if (!c) return 0;
      s = c + 1;
      if (s >= e) { feed_add_field(r, w, 0); return 0; }
    }
  }
}

/* Finds the end of the record starting at p: sets *pNl to its '\n' (or NULL when it ends
** at pEnd, at the end of the input). Returns 0 found, 1 more input is needed, 2 the input
** ends inside a quoted field. Quoted sections are skipped with memchr; the rest of the
** record with memchr for ',' and '\n'. */
static int feed_record_end(char *p, char *pEnd, int bEof, char **pNl) {
  char *s = p, *nl = NULL;
  int bNl = 0; /* nl is the first '\n' at or after s */
  for (;;) {
    /* at the start of a field */
    if (s < pEnd && *s == '"') {
      s++;
      for (;;) {
        char *q = memchr(s, '"', (size_t)(pEnd - s));
        if (!q) return bEof ? 2 : 1;
        if (q + 1 >= pEnd && !bEof) return 1; /* a doubled quote may continue after */
        if (q + 1 < pEnd && q[1] == '"') { s = q + 2; continue; }
        s = q + 1;
        break;
      }
      if (nl && nl < s) bNl = 0; /* that line break was inside the quotes */
    }
    if (!bNl) {
      nl = memchr(s, '\n', (size_t)(pEnd - s));
      bNl = 1;
    }
    char *e = nl ? nl : pEnd;
    char *c = memchr(s, ',', (size_t)(e - s));
    if (c) { s = c + 1; continue; }
    if (!nl && !bEof) return 1;
    *pNl = nl;
    return 0;
  }
}

int feed_reader_next(FeedReader *r, const FeedSpan **paField, int *pnField, char **pzErr) {
  if (r->bStopped) return 0;
  for (;;) {
    if (r->iPos >= r->nData) {
      int rc = feed_fill(r, pzErr);
      if (rc < 0) return -1;
      if (rc == 0) return 0;
      continue;
    }
    char *p = r->a + r->iPos, *pEnd = r->a + r->nData;
    char *nl = memchr(p, '\n', (size_t)(pEnd - p));
    if (!nl && !r->bEof) {
      int rc = feed_fill(r, pzErr);
      if (rc < 0) return -1;
      continue; /* at the end, rc == 0 and bEof is now set: the last line has no '\n' */
    }
    char *e = nl ? nl : pEnd;
    r->nField = 0;
    r->iRecLine = r->iLine;
    if (!memchr(p, '"', (size_t)(e - p))) {
      char *le = e > p && e[-1] == '\r' ? e - 1 : e;
      r->bPlain = !memchr(p, '\r', (size_t)(le - p));
      r->iPos = nl ? (size_t)(nl + 1 - r->a) : r->nData;
      if (nl) r->iLine++;
      if (le == p) continue; /* blank line */
      char *s = p;
      for (;;) {
        char *c = memchr(s, ',', (size_t)(le - s));
        if (!c) { feed_add_field(r, s, (size_t)(le - s)); break; }
        feed_add_field(r, s, (size_t)(c - s));
        s = c + 1;
      }
      *paField = r->aField;
      *pnField = r->nField;
      return 1;
    }
    r->bPlain = 0;
    /* A quote: find the record's end, the first '\n' outside a quoted field. A quote opens
    ** a quoted field only at a field's start; elsewhere it is left for feed_parse_quoted
    ** to report, so a stray quote cannot swallow the lines after it. */
    int iState = feed_record_end(p, pEnd, r->bEof, &nl);
    if (iState == 1) { /* the buffer ends inside the record: read more, start again */
      int rc = feed_fill(r, pzErr);
      if (rc < 0) return -1;
      continue;
    }
    if (iState == 2) { /* the input ends inside a quoted field */
      int64_t nIn = 0;
      for (char *q = p; (q = memchr(q, '\n', (size_t)(pEnd - q))) != NULL; q++) nIn++;
      int iCol = 1, bIn = 0;
      for (char *q = p; q < pEnd; q++) {
        if (*q == '"') bIn = !bIn;
        else if (*q == ',' && !bIn) iCol++;
      }
      r->iPos = r->nData;
      r->iLine += nIn;
      r->bCleanEnd = 0;
      r->bStopped = 1;
      return feed_fail(r, pzErr, r->iRecLine, iCol,
                       "quoted field is never closed (the file ends inside it)");
    }
    e = nl ? nl : pEnd;
    int64_t nLines = 0;
    for (char *q = p; (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++) nLines++;
    r->iPos = nl ? (size_t)(nl + 1 - r->a) : r->nData;
    r->iLine += nLines + (nl != NULL);
    if (feed_parse_quoted(r, p, e, pzErr)) return -1;
    if (r->nField == 1 && r->aField[0].n == 0) continue; /* a record of one empty field */
    *paField = r->aField;
    *pnField = r->nField;
    return 1;
  }
}

/* Does the text at z (n bytes, starting just after a line break) read as nCheck whole records
** of nCol fields each? A cut inside a quoted field almost never does: its first "record" is
** the rest of the quoted text, with the wrong field count or a stray quote. */
static int feed_looks_like_boundary(const char *z, size_t n, int nCol, int nCheck) {
  FeedReader *r = feed_reader_open_mem("cut", z, n);
  const FeedSpan *aField;
  int nField, bOk = 1;
  char *zErr = NULL;
  for (int i = 0; i < nCheck && bOk; i++) {
    int rc = feed_reader_next(r, &aField, &nField, &zErr);
    if (rc < 0) free(zErr);
    if (rc != 1 || nField != nCol) bOk = 0;
    /* the last record may be cut by the end of the sample: it must end inside it */
    if (bOk && r->iPos >= r->nData) bOk = 0;
  }
  feed_reader_close(r);
  return bOk;
}

int feed_split_points(const char *zPath, uint64_t nSize, int n, int nCol, uint64_t *aCut) {
  int fd = open(zPath, O_RDONLY);
  if (fd < 0) return -1;
  enum { SAMPLE = 1 << 18 };
  char *z = xmalloc(SAMPLE);
  aCut[0] = 0;
  int rc = 0;
  for (int i = 1; i < n && rc == 0; i++) {
    uint64_t iAt = nSize / (uint64_t)n * (uint64_t)i;
    if (iAt < aCut[i - 1]) iAt = aCut[i - 1];
    uint64_t iCut = nSize, iFirst = nSize;
    /* Try the line breaks after iAt, up to 200 of them, for one that starts real records;
    ** else take the first (the caller checks the cut anyway). */
    for (int nTry = 0; nTry < 200 && iAt < nSize;) {
      ssize_t got = pread(fd, z, SAMPLE, (off_t)iAt);
      if (got < 0) { rc = -1; break; }
      if (got == 0) break;
      char *nl = memchr(z, '\n', (size_t)got);
      if (!nl) { iAt += (uint64_t)got; continue; }
      uint64_t iCand = iAt + (uint64_t)(nl - z) + 1;
      if (iFirst == nSize) iFirst = iCand;
      size_t nRest = (size_t)got - (size_t)(nl + 1 - z);
      if (iCand >= nSize || nCol <= 0 ||
          feed_looks_like_boundary(nl + 1, nRest, nCol, 4)) { iCut = iCand; break; }
      iAt = iCand;
      nTry++;
    }
    aCut[i] = iCut < nSize ? iCut : iFirst;
  }
  aCut[n] = nSize;
  free(z);
  close(fd);
  return rc;
}

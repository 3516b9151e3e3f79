/*
** feed/derive.c: row parsing, per-(unit, period) accumulation with exact medians in bounded
** memory, and the multi-threaded fast path over files. See derive.h.
**
** Exact medians in bounded memory: the values of each (group, median indicator) go into
** pages of a fixed pool per accumulator (FEED_PAGE values a page, chained per list); when
** the pool is full every list is written to the run's temporary file as one chunk (offset,
** count) and the pool is reused. At the end a list of at most FEED_SELECT_CAP values is read
** back and the middle selected (quickselect); a longer one is passed over three times (min
** and max, a histogram, the values of the middle bucket(s)): fixed buffers either way. A
** part that is thrown away (see below) leaves garbage chunks in the file, never wrong values.
**
** Threads on one file: the file is cut at line breaks into parts (up to 4 per thread,
** taken from a shared counter). A part after a cut is read on the guess that the cut is a
** record boundary; the part before it, read from a boundary, reaches the cut either between
** records (the guess was right) or inside a quoted field that holds a line break (it was
** wrong: every part is dropped and the file is read whole in one thread). By induction from
** the file's start, all guesses are confirmed when every part but the last ends cleanly.
** Line numbers of later parts are renumbered by the line breaks of the earlier ones. So the
** result never depends on the guesses, nor on which thread read which part.
*/
#include "feed/derive.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mem.h"

/* ---------------------------------------------------------------------------------------
** Row parsing.
*/

static void feed_trim(const char **pz, int *pn) {
  const char *z = *pz;
  int n = *pn;
  while (n > 0 && (*z == ' ' || *z == '\t')) { z++; n--; }
  while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t' || z[n - 1] == '\r')) n--;
  *pz = z;
  *pn = n;
}

/* Marks the fields the definition uses. */
static void feed_mark_needed(const FeedDef *d, char *zNeed) {
  zNeed[d->iId] = zNeed[d->iUnit] = zNeed[d->iPeriod] = 1;
  for (int i = 0; i < d->nCond; i++) {
    zNeed[d->aCond[i].iField] = 1;
    if (d->aCond[i].iField2 >= 0) zNeed[d->aCond[i].iField2] = 1;
  }
  for (int i = 0; i < d->nInd; i++) {
    if (d->aInd[i].iValue >= 0) zNeed[d->aInd[i].iValue] = 1;
    if (d->aInd[i].iFrom >= 0) zNeed[d->aInd[i].iFrom] = zNeed[d->aInd[i].iTo] = 1;
  }
  for (int i = 0; i < d->nField; i++)
    if (d->aField[i].bRequired) zNeed[i] = 1;
}

int feed_row_parser_init(FeedRowParser *p, const FeedDef *pDef, const char *zFile,
                         int64_t iLine, const FeedSpan *aField, int nField, char **pzErr) {
  memset(p, 0, sizeof *p);
  p->pDef = pDef;
  p->nCol = nField;
  p->aColOf = xmalloc_array((size_t)pDef->nField, sizeof(int));
  p->zNeed = xcalloc((size_t)pDef->nField, 1);
  p->aVal = xcalloc((size_t)pDef->nField, sizeof(FeedSpan));
  p->aTime = xcalloc((size_t)pDef->nField, sizeof(int64_t));
  p->aNum = xcalloc((size_t)pDef->nField, sizeof(double));
  p->aDateKey = xcalloc((size_t)pDef->nField, 10);
  p->aDateDay = xcalloc((size_t)pDef->nField, sizeof(int64_t));
  for (int i = 0; i < pDef->nField; i++) p->aColOf[i] = -1;
  feed_mark_needed(pDef, p->zNeed);
  for (int c = 0; c < nField; c++) {
    int f = feed_def_match_header(pDef, aField[c].z, aField[c].n);
    if (f < 0) continue; /* a column the feed does not use */
    if (p->aColOf[f] >= 0) {
      *pzErr = xasprintf("%s: line %lld, column %d: a second column for %s (%s); the first is "
                         "column %d", zFile, (long long)iLine, c + 1, pDef->aField[f].zHeader,
                         pDef->aField[f].zCode, p->aColOf[f] + 1);
      feed_row_parser_free(p);
      return -1;
    }
    p->aColOf[f] = c;
  }
  Buf missing = BUF_INIT;
  for (int f = 0; f < pDef->nField; f++) {
    if (p->zNeed[f] && p->aColOf[f] < 0) {
      const FeedField *pF = &pDef->aField[f];
      buf_printf(&missing, "%s%s", missing.n ? ", " : "", pF->zHeader);
      for (int k = 0; k < pF->nAlias; k++) buf_printf(&missing, "|%s", pF->azAlias[k]);
    }
  }
  if (missing.n) {
    *pzErr = xasprintf("%s: line %lld: the header lacks the column(s) %s (feed %s)", zFile,
                       (long long)iLine, buf_str(&missing), pDef->zCode);
    buf_free(&missing);
    feed_row_parser_free(p);
    return -1;
  }
  return 0;
}

void feed_row_parser_free(FeedRowParser *p) {
  free(p->aColOf);
  free(p->zNeed);
  feed_row_parser_free_clone(p);
}

void feed_row_parser_clone(FeedRowParser *pDst, const FeedRowParser *p) {
  size_t n = (size_t)p->pDef->nField;
  *pDst = *p;
  pDst->aVal = xcalloc(n, sizeof(FeedSpan));
  pDst->aTime = xcalloc(n, sizeof(int64_t));
  pDst->aNum = xcalloc(n, sizeof(double));
  pDst->aDateKey = xcalloc(n, 10);
  pDst->aDateDay = xcalloc(n, sizeof(int64_t));
}

void feed_row_parser_free_clone(FeedRowParser *p) {
  free(p->aVal);
  free(p->aTime);
  free(p->aNum);
  free(p->aDateKey);
  free(p->aDateDay);
  memset(p, 0, sizeof *p);
}

/* feed_parse_time with a fast path for the common "YYYY-MM-DD HH:MM:SS": fixed offsets,
** no loops; the day number of the last date per field is cached (exports are sorted by
** time, so it repeats). Anything else goes through feed_parse_time. */
static int feed_time(FeedRowParser *p, int f, const char *z, int n, int64_t *pT) {
  if (n == 19 && z[4] == '-' && z[7] == '-' && z[10] == ' ' && z[13] == ':' && z[16] == ':') {
    const unsigned char *u = (const unsigned char *)z;
    unsigned d[6] = {u[11] - 48u, u[12] - 48u, u[14] - 48u, u[15] - 48u, u[17] - 48u, u[18] - 48u};
    if ((d[0] > 9) + (d[1] > 9) + (d[2] > 9) + (d[3] > 9) + (d[4] > 9) + (d[5] > 9) == 0) {
      unsigned hh = d[0] * 10 + d[1], mm = d[2] * 10 + d[3], ss = d[4] * 10 + d[5];
      if (hh < 24 && mm < 60 && ss < 60) {
        char *zKey = p->aDateKey + (size_t)f * 10;
        uint64_t k8a, k8b;
        uint16_t k2a, k2b;
        memcpy(&k8a, zKey, 8); /* two loads instead of a memcmp call */
        memcpy(&k8b, z, 8);
        memcpy(&k2a, zKey + 8, 2);
        memcpy(&k2b, z + 8, 2);
        if (k8a != k8b || k2a != k2b) {
          unsigned e[8] = {u[0] - 48u, u[1] - 48u, u[2] - 48u, u[3] - 48u,
                           u[5] - 48u, u[6] - 48u, u[8] - 48u, u[9] - 48u};
          int nBad = 0;
          for (int k = 0; k < 8; k++) nBad += e[k] > 9;
          if (nBad) return -1;
          int y = (int)(e[0] * 1000 + e[1] * 100 + e[2] * 10 + e[3]);
          int m = (int)(e[4] * 10 + e[5]), dd = (int)(e[6] * 10 + e[7]);
          static const int aDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
          int bLeap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
          if (m < 1 || m > 12 || dd < 1 || dd > aDays[m - 1] + (m == 2 && bLeap)) return -1;
          /* days from civil (as in def.c) */
          int yy = y - (m <= 2);
          int64_t era = yy / 400, yoe = yy - era * 400;
          int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
          p->aDateDay[f] = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
          memcpy(zKey, z, 10);
        }
        *pT = p->aDateDay[f] * 86400 + hh * 3600 + mm * 60 + ss;
        return 0;
      }
    }
  }
  return feed_parse_time(z, n, pT);
}

/* A printable copy of user text for a reason: at most 40 bytes at a character boundary. */
static char *feed_echo(const char *z, int n) {
  if (n > 40) {
    n = 40;
    while (n > 0 && ((unsigned char)z[n] & 0xC0) == 0x80) n--;
  }
  char *zOut = xstrndup(z, (size_t)n);
  for (char *q = zOut; *q; q++)
    if ((unsigned char)*q < 0x20) *q = '?';
  return zOut;
}

int feed_unit_known(const FeedRowParser *p, const char *z, int n) {
  if (!p->azKnownUnit) return 1;
  int lo = 0, hi = p->nKnownUnit - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    const char *k = p->azKnownUnit[mid];
    int nK = (int)strlen(k);
    int c = memcmp(k, z, (size_t)(nK < n ? nK : n));
    if (c == 0) c = nK < n ? -1 : nK > n ? 1 : 0;
    if (c == 0) return 1;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

int feed_row_parse(FeedRowParser *p, const FeedSpan *aField, int nField, int *piCol,
                   char **pzReason) {
  const FeedDef *d = p->pDef;
  if (nField != p->nCol) {
    *piCol = (nField < p->nCol ? nField : p->nCol) + 1;
    *pzReason = xasprintf("the record has %d fields, the header %d", nField, p->nCol);
    return -1;
  }
  for (int f = 0; f < d->nField; f++) {
    int c = p->aColOf[f];
    if (c < 0) { p->aVal[f].z = ""; p->aVal[f].n = 0; continue; }
    const char *z = aField[c].z;
    int n = aField[c].n;
    feed_trim(&z, &n);
    p->aVal[f].z = z;
    p->aVal[f].n = n;
    const FeedField *pF = &d->aField[f];
    if (n == 0) {
      if (pF->bRequired) {
        *piCol = c + 1;
        *pzReason = xasprintf("%s (%s) is empty", pF->zHeader, pF->zCode);
        return -1;
      }
      continue;
    }
    if (pF->eType == FEED_TIME) {
      if (feed_time(p, f, z, n, &p->aTime[f])) {
        char *zE = feed_echo(z, n);
        *piCol = c + 1;
        *pzReason = xasprintf("%s \"%s\" is not a time (YYYY-MM-DD HH:MM:SS)", pF->zHeader, zE);
        free(zE);
        return -1;
      }
    } else if (pF->eType == FEED_NUMBER) {
      if (feed_parse_number(z, n, &p->aNum[f])) {
        char *zE = feed_echo(z, n);
        *piCol = c + 1;
        *pzReason = xasprintf("%s \"%s\" is not a number", pF->zHeader, zE);
        free(zE);
        return -1;
      }
    }
  }
  const FeedSpan *u = &p->aVal[d->iUnit];
  if (p->azKnownUnit && !feed_unit_known(p, u->z, u->n)) {
    char *zE = feed_echo(u->z, u->n);
    *piCol = p->aColOf[d->iUnit] + 1;
    *pzReason = xasprintf("unknown unit \"%s\"", zE);
    free(zE);
    return -1;
  }
  return 0;
}

int64_t feed_period_serial(PeriodKind eKind, int64_t t) {
  int y, m;
  feed_time_month(t, &y, &m);
  switch (eKind) {
  case PERIOD_MONTH: return (int64_t)y * 12 + m - 1;
  case PERIOD_BIMONTH: return (int64_t)y * 6 + (m - 1) / 2;
  case PERIOD_QUARTER: return (int64_t)y * 4 + (m - 1) / 3;
  case PERIOD_HALF: return (int64_t)y * 2 + (m - 1) / 6;
  case PERIOD_YEAR: return y;
  }
  return 0;
}

static int64_t feed_floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

void feed_period_code(PeriodKind eKind, int64_t s, char *z) {
  int64_t per = eKind == PERIOD_MONTH ? 12 : eKind == PERIOD_BIMONTH ? 6
              : eKind == PERIOD_QUARTER ? 4 : eKind == PERIOD_HALF ? 2 : 1;
  int64_t y = feed_floor_div(s, per), i = s - y * per + 1;
  char zBuf[64]; /* years have four digits (feed_parse_time), so the code fits in 16 */
  if (eKind == PERIOD_MONTH) snprintf(zBuf, sizeof zBuf, "%04lld-M%02lld", (long long)y, (long long)i);
  else if (eKind == PERIOD_YEAR) snprintf(zBuf, sizeof zBuf, "%04lld-Y", (long long)y);
  else snprintf(zBuf, sizeof zBuf, "%04lld-%c%lld", (long long)y, (char)eKind, (long long)i);
  size_t n = strlen(zBuf) < 15 ? strlen(zBuf) : 15;
  memcpy(z, zBuf, n);
  z[n] = 0;
}

/* ---------------------------------------------------------------------------------------
** Spill files.
*/
#define FEED_SPILL_FILES 64

struct FeedSpill {
  FILE *af[FEED_SPILL_FILES];
  uint64_t anOff[FEED_SPILL_FILES];
};

FeedSpill *feed_spill_new(void) { return xcalloc(1, sizeof(FeedSpill)); }

void feed_spill_free(FeedSpill *s) {
  if (!s) return;
  for (int i = 0; i < FEED_SPILL_FILES; i++)
    if (s->af[i]) fclose(s->af[i]);
  free(s);
}

typedef struct FeedChunk {
  uint64_t iOff;
  uint32_t n;
  int iFile;
} FeedChunk;

/* Appends n doubles to spill file i. Returns 0 or -1 (*pzErr). */
static int feed_spill_write(FeedSpill *s, int i, const double *a, uint32_t n, FeedChunk *pChunk,
                            char **pzErr) {
  if (!s->af[i]) {
    s->af[i] = tmpfile(); /* unlinked at once: nothing is left behind, even after a crash */
    if (!s->af[i]) {
      *pzErr = xasprintf("cannot create a temporary file for medians: %s", strerror(errno));
      return -1;
    }
  }
  if (fwrite(a, sizeof(double), n, s->af[i]) != n) {
    *pzErr = xasprintf("cannot write the temporary file of medians: %s", strerror(errno));
    return -1;
  }
  pChunk->iOff = s->anOff[i];
  pChunk->n = n;
  pChunk->iFile = i;
  s->anOff[i] += (uint64_t)n * sizeof(double);
  return 0;
}

static int feed_spill_read(FeedSpill *s, const FeedChunk *c, double *a, char **pzErr) {
  FILE *f = s->af[c->iFile];
  if (!f || fflush(f)) {
    *pzErr = xasprintf("cannot flush the temporary file of medians: %s", strerror(errno));
    return -1;
  }
  size_t nWant = (size_t)c->n * sizeof(double), nGot = 0;
  while (nGot < nWant) {
    ssize_t r = pread(fileno(f), (char *)a + nGot, nWant - nGot, (off_t)(c->iOff + nGot));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      *pzErr = xasprintf("cannot read the temporary file of medians: %s",
                         r < 0 ? strerror(errno) : "short file");
      return -1;
    }
    nGot += (size_t)r;
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------
** Accumulators.
*/

typedef struct FeedCell {
  int64_t n;  /* rows meeting the conditions (rate: denominator) */
  int64_t k;  /* rate: numerator; sum/mean: rows with a value */
  double s;   /* sum of values */
} FeedCell;

/* The values of one (group, median indicator): pages of the accumulator's pool, then, after
** spills, chunks in the temporary file. */
#define FEED_PAGE 512u              /* values per pool page (4 KB) */
#define FEED_SELECT_CAP (1u << 16)  /* values selected in memory at once (512 KB) */
typedef struct FeedMed {
  int *aPage;          /* pool pages, in order */
  int nPage, nPageAlloc;
  uint32_t nLast;      /* values in the last page */
  FeedChunk *aChunk;
  int nChunk, nChunkAlloc;
} FeedMed;

typedef struct FeedUnitAcc {
  char *zCode;
  int nCode;
  uint32_t h;
  int64_t iBase;   /* period serial of aGroup[0] */
  int nSlot;
  int *aGroup;     /* per period serial - iBase: group index or -1 */
} FeedUnitAcc;

struct FeedAccum {
  const FeedDef *pDef;
  PeriodKind eKind;
  int nInd, nMed;
  int *aMedOf;         /* per indicator: its median slot or -1 */
  FeedUnitAcc *aUnit;
  int nUnit, nUnitAlloc;
  int *aHash;          /* unit index + 1, 0 = empty; size nHash (power of 2) */
  int nHash;
  int nGroup, nGroupAlloc;
  int *aGroupUnit;
  int64_t *aGroupPeriod;
  FeedCell *aCell;     /* nGroup * nInd */
  FeedMed *aMed;       /* nGroup * nMed */
  FeedSpill *pSpill;
  int iSpillFile;
  size_t nBudget;
  double *aPool;       /* nPoolPage pages of FEED_PAGE values: all median values in memory */
  int nPoolPage, nPoolUsed;
  char *abWhere;       /* scratch: per condition, did the row meet it */
  int64_t iLastDay, iLastSerial; /* cache: the period serial of the last day seen */
};

FeedAccum *feed_accum_new(const FeedDef *pDef, PeriodKind eKind, FeedSpill *pSpill,
                          int iSpillFile, size_t nBudget) {
  FeedAccum *a = xcalloc(1, sizeof *a);
  a->pDef = pDef;
  a->eKind = eKind;
  a->nInd = pDef->nInd;
  a->aMedOf = xmalloc_array((size_t)pDef->nInd, sizeof(int));
  for (int i = 0; i < pDef->nInd; i++)
    a->aMedOf[i] = pDef->aInd[i].eAgg == FEED_MEDIAN ? a->nMed++ : -1;
  a->nHash = 64;
  a->aHash = xcalloc((size_t)a->nHash, sizeof(int));
  a->pSpill = pSpill;
  a->iSpillFile = iSpillFile < FEED_SPILL_FILES ? iSpillFile : FEED_SPILL_FILES - 1;
  a->nBudget = nBudget;
  a->nPoolPage = (int)(nBudget / (FEED_PAGE * sizeof(double)));
  if (a->nPoolPage < 1) a->nPoolPage = 1;
  a->abWhere = xcalloc((size_t)pDef->nCond + 1, 1);
  a->iLastDay = INT64_MIN;
  return a;
}

void feed_accum_free(FeedAccum *a) {
  if (!a) return;
  for (int u = 0; u < a->nUnit; u++) {
    free(a->aUnit[u].zCode);
    free(a->aUnit[u].aGroup);
  }
  free(a->aUnit);
  free(a->aHash);
  for (int g = 0; g < a->nGroup * a->nMed; g++) {
    free(a->aMed[g].aPage);
    free(a->aMed[g].aChunk);
  }
  free(a->aMed);
  free(a->aCell);
  free(a->aGroupUnit);
  free(a->aGroupPeriod);
  free(a->aMedOf);
  free(a->abWhere);
  free(a->aPool);
  free(a);
}

static uint32_t feed_hash(const char *z, int n) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < n; i++) h = (h ^ (unsigned char)z[i]) * 16777619u;
  return h;
}

static int feed_unit_index(FeedAccum *a, const char *z, int n) {
  uint32_t h = feed_hash(z, n);
  int mask = a->nHash - 1;
  for (int i = (int)(h & (uint32_t)mask);; i = (i + 1) & mask) {
    int k = a->aHash[i];
    if (k == 0) break;
    FeedUnitAcc *u = &a->aUnit[k - 1];
    if (u->h == h && u->nCode == n && memcmp(u->zCode, z, (size_t)n) == 0) return k - 1;
  }
  /* New unit. */
  if (a->nUnit == a->nUnitAlloc) {
    a->nUnitAlloc = a->nUnitAlloc ? a->nUnitAlloc * 2 : 32;
    a->aUnit = xrealloc_array(a->aUnit, (size_t)a->nUnitAlloc, sizeof(FeedUnitAcc));
  }
  FeedUnitAcc *u = &a->aUnit[a->nUnit];
  memset(u, 0, sizeof *u);
  u->zCode = xstrndup(z, (size_t)n);
  u->nCode = n;
  u->h = h;
  int iNew = a->nUnit++;
  if (a->nUnit * 2 > a->nHash) {
    free(a->aHash);
    a->nHash *= 2;
    a->aHash = xcalloc((size_t)a->nHash, sizeof(int));
    for (int k = 0; k < a->nUnit; k++) {
      int j = (int)(a->aUnit[k].h & (uint32_t)(a->nHash - 1));
      while (a->aHash[j]) j = (j + 1) & (a->nHash - 1);
      a->aHash[j] = k + 1;
    }
  } else {
    int j = (int)(h & (uint32_t)mask);
    while (a->aHash[j]) j = (j + 1) & mask;
    a->aHash[j] = iNew + 1;
  }
  return iNew;
}

static int feed_group_index(FeedAccum *a, int iUnit, int64_t iSerial) {
  FeedUnitAcc *u = &a->aUnit[iUnit];
  if (u->nSlot > 0 && iSerial >= u->iBase && iSerial < u->iBase + u->nSlot) {
    int g = u->aGroup[iSerial - u->iBase];
    if (g >= 0) return g;
  } else {
    /* Widen the slot range to cover iSerial. */
    int64_t iLo = u->nSlot ? (iSerial < u->iBase ? iSerial : u->iBase) : iSerial;
    int64_t iHi = u->nSlot ? (iSerial >= u->iBase + u->nSlot ? iSerial + 1 : u->iBase + u->nSlot)
                           : iSerial + 1;
    /* Years have four digits, so serials lie within 10,000 * 12 of each other. */
    if (iHi - iLo > 1 << 20) return -1;
    int nNew = (int)(iHi - iLo);
    int *aNew = xmalloc_array((size_t)nNew, sizeof(int));
    for (int k = 0; k < nNew; k++) aNew[k] = -1;
    for (int k = 0; k < u->nSlot; k++)
      if (u->iBase + k - iLo < nNew) aNew[u->iBase + k - iLo] = u->aGroup[k];
    free(u->aGroup);
    u->aGroup = aNew;
    u->iBase = iLo;
    u->nSlot = nNew;
  }
  if (a->nGroup == a->nGroupAlloc) {
    int nOld = a->nGroupAlloc;
    a->nGroupAlloc = nOld ? nOld * 2 : 64;
    a->aGroupUnit = xrealloc_array(a->aGroupUnit, (size_t)a->nGroupAlloc, sizeof(int));
    a->aGroupPeriod = xrealloc_array(a->aGroupPeriod, (size_t)a->nGroupAlloc, sizeof(int64_t));
    a->aCell = xrealloc_array(a->aCell, (size_t)a->nGroupAlloc * (size_t)a->nInd, sizeof(FeedCell));
    memset(a->aCell + (size_t)nOld * (size_t)a->nInd, 0,
           (size_t)(a->nGroupAlloc - nOld) * (size_t)a->nInd * sizeof(FeedCell));
    if (a->nMed) {
      a->aMed = xrealloc_array(a->aMed, (size_t)a->nGroupAlloc * (size_t)a->nMed, sizeof(FeedMed));
      memset(a->aMed + (size_t)nOld * (size_t)a->nMed, 0,
             (size_t)(a->nGroupAlloc - nOld) * (size_t)a->nMed * sizeof(FeedMed));
    }
  }
  int g = a->nGroup++;
  a->aGroupUnit[g] = iUnit;
  a->aGroupPeriod[g] = iSerial;
  u->aGroup[iSerial - u->iBase] = g;
  return g;
}

/* Writes every list's pages to the spill file, one chunk per list, and empties the pool. */
static int feed_accum_spill(FeedAccum *a, char **pzErr) {
  for (int i = 0; i < a->nGroup * a->nMed; i++) {
    FeedMed *m = &a->aMed[i];
    if (m->nPage == 0) continue;
    if (m->nChunk == m->nChunkAlloc) {
      m->nChunkAlloc = m->nChunkAlloc ? m->nChunkAlloc * 2 : 4;
      m->aChunk = xrealloc_array(m->aChunk, (size_t)m->nChunkAlloc, sizeof(FeedChunk));
    }
    FeedChunk c = {0, 0, 0};
    for (int k = 0; k < m->nPage; k++) {
      uint32_t n = k + 1 < m->nPage ? FEED_PAGE : m->nLast;
      FeedChunk part;
      if (feed_spill_write(a->pSpill, a->iSpillFile, a->aPool + (size_t)m->aPage[k] * FEED_PAGE,
                           n, &part, pzErr))
        return -1;
      if (k == 0) c = part; /* the pages follow each other in the file: one chunk */
      else c.n += n;
    }
    m->aChunk[m->nChunk++] = c;
    m->nPage = 0;
    m->nLast = 0;
  }
  a->nPoolUsed = 0;
  return 0;
}

static int feed_med_push(FeedAccum *a, FeedMed *m, double v, char **pzErr) {
  if (m->nPage == 0 || m->nLast == FEED_PAGE) {
    if (a->nPoolUsed == a->nPoolPage) {
      if (feed_accum_spill(a, pzErr)) return -1;
    }
    if (!a->aPool) a->aPool = xmalloc_array((size_t)a->nPoolPage * FEED_PAGE, sizeof(double));
    if (m->nPage == m->nPageAlloc) {
      m->nPageAlloc = m->nPageAlloc ? m->nPageAlloc * 2 : 4;
      m->aPage = xrealloc_array(m->aPage, (size_t)m->nPageAlloc, sizeof(int));
    }
    m->aPage[m->nPage++] = a->nPoolUsed++;
    m->nLast = 0;
  }
  a->aPool[(size_t)m->aPage[m->nPage - 1] * FEED_PAGE + m->nLast++] = v;
  return 0;
}

/* Calls x on every value of m, in pieces (pool pages, and chunks read back through aScratch
** of FEED_SELECT_CAP values). Returns 0 or -1 (*pzErr). */
static int feed_med_each(FeedAccum *a, const FeedMed *m, double *aScratch,
                         void (*x)(void *, const double *, size_t), void *pArg, char **pzErr) {
  for (int k = 0; k < m->nChunk; k++) {
    for (uint32_t at = 0; at < m->aChunk[k].n;) {
      FeedChunk piece = m->aChunk[k];
      piece.iOff += (uint64_t)at * sizeof(double);
      piece.n = m->aChunk[k].n - at < FEED_SELECT_CAP ? m->aChunk[k].n - at : FEED_SELECT_CAP;
      if (feed_spill_read(a->pSpill, &piece, aScratch, pzErr)) return -1;
      x(pArg, aScratch, piece.n);
      at += piece.n;
    }
  }
  for (int k = 0; k < m->nPage; k++)
    x(pArg, a->aPool + (size_t)m->aPage[k] * FEED_PAGE, k + 1 < m->nPage ? FEED_PAGE : m->nLast);
  return 0;
}

/* Evaluates condition c on the parsed row. */
static int feed_cond_true(const FeedRowParser *p, const FeedCond *c) {
  const FeedSpan *v = &p->aVal[c->iField];
  switch (c->eOp) {
  case FEED_OP_IN:
  case FEED_OP_NOT_IN: {
    if (v->n == 0) return 0;
    int bIn = 0;
    for (int k = 0; k < c->nValue && !bIn; k++)
      bIn = c->anValue[k] == v->n && memcmp(c->azValue[k], v->z, (size_t)v->n) == 0;
    return c->eOp == FEED_OP_IN ? bIn : !bIn;
  }
  case FEED_OP_EMPTY: return v->n == 0;
  case FEED_OP_PRESENT: return v->n > 0;
  case FEED_OP_LE_FIELD:
  case FEED_OP_LT_FIELD: {
    const FeedSpan *w = &p->aVal[c->iField2];
    if (v->n == 0 || w->n == 0) return 0;
    int bTime = p->pDef->aField[c->iField].eType == FEED_TIME;
    double x = bTime ? (double)p->aTime[c->iField] : p->aNum[c->iField];
    double y = bTime ? (double)p->aTime[c->iField2] : p->aNum[c->iField2];
    return c->eOp == FEED_OP_LE_FIELD ? x <= y : x < y;
  }
  }
  return 0;
}

static int feed_all(const char *abTrue, const int *aIdx, int n) {
  for (int i = 0; i < n; i++)
    if (!abTrue[aIdx[i]]) return 0;
  return 1;
}

int feed_row_in_indicator(const FeedRowParser *p, int iInd, int iPart) {
  const FeedDef *d = p->pDef;
  const FeedIndicator *pI = &d->aInd[iInd];
  for (int i = 0; i < pI->nWhere; i++)
    if (!feed_cond_true(p, &d->aCond[pI->aWhere[i]])) return 0;
  if (iPart == 0 || pI->eAgg != FEED_RATE) return 1;
  int bNum = 1;
  for (int i = 0; i < pI->nNum && bNum; i++) bNum = feed_cond_true(p, &d->aCond[pI->aNum[i]]);
  return iPart == 1 ? bNum : !bNum;
}

int feed_accum_add(FeedAccum *a, const FeedRowParser *p, char **pzErr) {
  const FeedDef *d = a->pDef;
  const FeedSpan *u = &p->aVal[d->iUnit];
  int iUnit = feed_unit_index(a, u->z, u->n);
  int64_t t = p->aTime[d->iPeriod];
  int64_t iDay = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  if (iDay != a->iLastDay) {
    a->iLastDay = iDay;
    a->iLastSerial = feed_period_serial(a->eKind, t);
  }
  int g = feed_group_index(a, iUnit, a->iLastSerial);
  if (g < 0) {
    *pzErr = xasprintf("the periods of the feed span more than a million periods");
    return -1;
  }
  for (int i = 0; i < d->nCond; i++) a->abWhere[i] = (char)feed_cond_true(p, &d->aCond[i]);
  FeedCell *aCell = &a->aCell[(size_t)g * (size_t)a->nInd];
  for (int i = 0; i < d->nInd; i++) {
    const FeedIndicator *pI = &d->aInd[i];
    if (!feed_all(a->abWhere, pI->aWhere, pI->nWhere)) continue;
    FeedCell *c = &aCell[i];
    c->n++;
    if (pI->eAgg == FEED_COUNT) continue;
    if (pI->eAgg == FEED_RATE) {
      c->k += feed_all(a->abWhere, pI->aNum, pI->nNum);
      continue;
    }
    double v;
    if (pI->iValue >= 0) {
      if (p->aVal[pI->iValue].n == 0) continue;
      v = p->aNum[pI->iValue];
    } else {
      if (p->aVal[pI->iFrom].n == 0 || p->aVal[pI->iTo].n == 0) continue;
      v = (double)(p->aTime[pI->iTo] - p->aTime[pI->iFrom]) / pI->rPerUnit;
    }
    c->k++;
    c->s += v;
    if (pI->eAgg == FEED_MEDIAN &&
        feed_med_push(a, &a->aMed[(size_t)g * (size_t)a->nMed + (size_t)a->aMedOf[i]], v, pzErr))
      return -1;
  }
  return 0;
}

int feed_accum_merge(FeedAccum *dst, FeedAccum *src, char **pzErr) {
  int rc = 0;
  for (int g = 0; g < src->nGroup && rc == 0; g++) {
    FeedUnitAcc *su = &src->aUnit[src->aGroupUnit[g]];
    int iUnit = feed_unit_index(dst, su->zCode, su->nCode);
    int h = feed_group_index(dst, iUnit, src->aGroupPeriod[g]);
    if (h < 0) { *pzErr = xasprintf("too many periods"); rc = -1; break; }
    for (int i = 0; i < dst->nInd; i++) {
      FeedCell *c = &dst->aCell[(size_t)h * (size_t)dst->nInd + (size_t)i];
      const FeedCell *s = &src->aCell[(size_t)g * (size_t)src->nInd + (size_t)i];
      c->n += s->n;
      c->k += s->k;
      c->s += s->s;
    }
    for (int j = 0; j < dst->nMed && rc == 0; j++) {
      FeedMed *m = &dst->aMed[(size_t)h * (size_t)dst->nMed + (size_t)j];
      FeedMed *s = &src->aMed[(size_t)g * (size_t)src->nMed + (size_t)j];
      if (s->nChunk) {
        m->aChunk = xrealloc_array(m->aChunk, (size_t)(m->nChunk + s->nChunk), sizeof(FeedChunk));
        memcpy(m->aChunk + m->nChunk, s->aChunk, (size_t)s->nChunk * sizeof(FeedChunk));
        m->nChunk += s->nChunk;
        m->nChunkAlloc = m->nChunk;
      }
      for (int p = 0; p < s->nPage && rc == 0; p++) {
        const double *aV = src->aPool + (size_t)s->aPage[p] * FEED_PAGE;
        uint32_t nV = p + 1 < s->nPage ? FEED_PAGE : s->nLast;
        for (uint32_t k = 0; k < nV && rc == 0; k++) rc = feed_med_push(dst, m, aV[k], pzErr);
        /* feed_med_push may spill dst: m stays valid (aMed is not reallocated by a spill). */
      }
    }
  }
  feed_accum_free(src);
  return rc;
}

/* Quickselect: rearranges a so that a[k] is the k-th smallest, a[<k] <= a[k] <= a[>k]. */
static void feed_select(double *a, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    /* median of three as the pivot */
    size_t mid = lo + (hi - lo) / 2;
    double x = a[lo], y = a[mid], z = a[hi];
    double piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
    size_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] < piv) i++;
      while (a[j] > piv) j--;
      if (i <= j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/* The exact median of a[0..n) (n > 0); for an even n the mean of the two middle values. */
static double feed_median(double *a, size_t n) {
  size_t k = n / 2;
  feed_select(a, n, k);
  double hi = a[k];
  if (n & 1) return hi;
  double lo = a[0];
  for (size_t i = 1; i < k; i++)
    if (a[i] > lo) lo = a[i];
  return (lo + hi) / 2;
}

/* The exact median of a list that may not fit in memory: with at most FEED_SELECT_CAP
** values, read them all and select; with more, two further passes: a histogram of 65,536
** equal buckets over [min, max] finds the bucket(s) holding the middle rank(s), then only
** the values of those buckets are collected and selected. Memory: fixed buffers, whatever
** the number of values (unless one bucket alone holds more than FEED_SELECT_CAP values,
** when the collecting buffer grows: many values very close together). */
#define FEED_HIST 65536
typedef struct FeedSel {
  double *aScratch, *aSel;
  size_t nSel, nSelAlloc;
  uint32_t *aHist;
  double rMin, rMax;
  int b1, b2; /* collect buckets [b1, b2]; b1 < 0: collect everything */
} FeedSel;

static int feed_sel_bucket(const FeedSel *p, double v) {
  double f = (v - p->rMin) / (p->rMax - p->rMin) * FEED_HIST;
  int b = f >= FEED_HIST ? FEED_HIST - 1 : f < 0 ? 0 : (int)f;
  return b;
}

static void feed_sel_minmax(void *pArg, const double *a, size_t n) {
  FeedSel *p = pArg;
  for (size_t i = 0; i < n; i++) {
    if (a[i] < p->rMin) p->rMin = a[i];
    if (a[i] > p->rMax) p->rMax = a[i];
  }
}

static void feed_sel_hist(void *pArg, const double *a, size_t n) {
  FeedSel *p = pArg;
  for (size_t i = 0; i < n; i++) p->aHist[feed_sel_bucket(p, a[i])]++;
}

static void feed_sel_collect(void *pArg, const double *a, size_t n) {
  FeedSel *p = pArg;
  for (size_t i = 0; i < n; i++) {
    if (p->b1 >= 0) {
      int b = feed_sel_bucket(p, a[i]);
      if (b < p->b1 || b > p->b2) continue;
    }
    if (p->nSel == p->nSelAlloc) {
      p->nSelAlloc *= 2;
      p->aSel = xrealloc_array(p->aSel, p->nSelAlloc, sizeof(double));
    }
    p->aSel[p->nSel++] = a[i];
  }
}

static int feed_med_median(FeedAccum *a, const FeedMed *m, uint64_t n, FeedSel *p, double *pr,
                           char **pzErr) {
  if (!p->aScratch) {
    p->aScratch = xmalloc_array(FEED_SELECT_CAP, sizeof(double));
    p->nSelAlloc = FEED_SELECT_CAP;
    p->aSel = xmalloc_array(p->nSelAlloc, sizeof(double));
  }
  p->nSel = 0;
  p->b1 = -1;
  if (n <= FEED_SELECT_CAP) {
    if (feed_med_each(a, m, p->aScratch, feed_sel_collect, p, pzErr)) return -1;
    *pr = feed_median(p->aSel, p->nSel);
    return 0;
  }
  p->rMin = INFINITY;
  p->rMax = -INFINITY;
  if (feed_med_each(a, m, p->aScratch, feed_sel_minmax, p, pzErr)) return -1;
  if (p->rMin == p->rMax) { *pr = p->rMin; return 0; }
  if (!p->aHist) p->aHist = xmalloc_array(FEED_HIST, sizeof(uint32_t));
  memset(p->aHist, 0, FEED_HIST * sizeof(uint32_t));
  if (feed_med_each(a, m, p->aScratch, feed_sel_hist, p, pzErr)) return -1;
  uint64_t k2 = n / 2, k1 = n % 2 ? k2 : k2 - 1, below = 0, below1 = 0;
  p->b1 = p->b2 = -1;
  for (int b = 0; b < FEED_HIST && p->b2 < 0; b++) {
    if (p->b1 < 0 && below + p->aHist[b] > k1) { p->b1 = b; below1 = below; }
    if (below + p->aHist[b] > k2) p->b2 = b;
    below += p->aHist[b];
  }
  if (feed_med_each(a, m, p->aScratch, feed_sel_collect, p, pzErr)) return -1;
  size_t r1 = (size_t)(k1 - below1), r2 = (size_t)(k2 - below1);
  feed_select(p->aSel, p->nSel, r2);
  double hi = p->aSel[r2], lo = hi;
  if (r1 != r2) {
    lo = p->aSel[0];
    for (size_t i = 1; i < r2; i++)
      if (p->aSel[i] > lo) lo = p->aSel[i];
  }
  *pr = (lo + hi) / 2;
  return 0;
}

typedef struct FeedOrder {
  const char *zUnit;
  int64_t iPeriod;
  int g;
} FeedOrder;

static int feed_order_cmp(const void *x, const void *y) {
  const FeedOrder *a = x, *b = y;
  int c = strcmp(a->zUnit, b->zUnit);
  if (c) return c;
  return a->iPeriod < b->iPeriod ? -1 : a->iPeriod > b->iPeriod;
}

int feed_accum_result(FeedAccum *a, FeedResult *pRes, char **pzErr) {
  memset(pRes, 0, sizeof *pRes);
  pRes->nUnit = a->nUnit;
  pRes->azUnit = xcalloc((size_t)a->nUnit + 1, sizeof(char *));
  for (int u = 0; u < a->nUnit; u++) pRes->azUnit[u] = xstrdup(a->aUnit[u].zCode);
  FeedOrder *aOrd = xcalloc((size_t)a->nGroup + 1, sizeof(FeedOrder));
  for (int g = 0; g < a->nGroup; g++) {
    aOrd[g].zUnit = pRes->azUnit[a->aGroupUnit[g]];
    aOrd[g].iPeriod = a->aGroupPeriod[g];
    aOrd[g].g = g;
  }
  qsort(aOrd, (size_t)a->nGroup, sizeof(FeedOrder), feed_order_cmp);
  pRes->aVal = xcalloc((size_t)a->nGroup * (size_t)a->nInd + 1, sizeof(FeedValue));
  FeedSel sel;
  memset(&sel, 0, sizeof sel);
  int rc = 0;
  for (int o = 0; o < a->nGroup && rc == 0; o++) {
    int g = aOrd[o].g;
    for (int i = 0; i < a->nInd; i++) {
      const FeedIndicator *pI = &a->pDef->aInd[i];
      const FeedCell *c = &a->aCell[(size_t)g * (size_t)a->nInd + (size_t)i];
      FeedValue *v = &pRes->aVal[pRes->nVal++];
      v->zUnit = aOrd[o].zUnit;
      feed_period_code(a->eKind, aOrd[o].iPeriod, v->zPeriod);
      v->iInd = i;
      v->nBase = c->n;
      switch (pI->eAgg) {
      case FEED_COUNT: v->rValue = (double)c->n; break;
      case FEED_RATE:
        v->bMissing = c->n == 0;
        v->rValue = c->n ? (double)c->k / (double)c->n : 0;
        break;
      case FEED_SUM:
        v->bMissing = c->k == 0;
        v->rValue = c->s;
        break;
      case FEED_MEAN:
        v->bMissing = c->k == 0;
        v->rValue = c->k ? c->s / (double)c->k : 0;
        break;
      case FEED_MEDIAN: {
        FeedMed *m = &a->aMed[(size_t)g * (size_t)a->nMed + (size_t)a->aMedOf[i]];
        uint64_t n = m->nPage ? (uint64_t)(m->nPage - 1) * FEED_PAGE + m->nLast : 0;
        for (int k = 0; k < m->nChunk; k++) n += m->aChunk[k].n;
        v->bMissing = n == 0;
        if (n) rc = feed_med_median(a, m, n, &sel, &v->rValue, pzErr);
        break;
      }
      }
    }
  }
  free(sel.aScratch);
  free(sel.aSel);
  free(sel.aHist);
  free(aOrd);
  if (rc) feed_result_free(pRes);
  return rc;
}

void feed_result_free(FeedResult *p) {
  for (int u = 0; u < p->nUnit; u++) free(p->azUnit[u]);
  free(p->azUnit);
  free(p->aVal);
  memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------------------------------------
** The fast path over files.
*/

typedef struct FeedProblem {
  int64_t iLine; /* relative to the part */
  int iCol;      /* 0: none */
  char *zReason;
} FeedProblem;

typedef struct FeedPart {
  /* in */
  const FeedDef *pDef;
  const FeedDeriveOpts *pOpts;
  const char *zPath;
  TextEncoding eEnc;
  uint64_t iStart, iEnd;
  int bSkipHeader;
  const FeedRowParser *pProto; /* column mapping read from the header */
  FeedSpill *pSpill;
  /* out */
  FeedAccum *pAcc;
  FeedProblem *aProb;
  int nProb, nProbAlloc;
  int64_t nRows, nBad, nLines;
  uint64_t nBytes;
  int bClean;
  char *zFatal;
} FeedPart;

static void feed_part_problem(FeedPart *p, int64_t iLine, int iCol, char *zReason) {
  p->nBad++;
  if (p->nProb >= p->pOpts->nMaxProblems) { free(zReason); return; }
  if (p->nProb == p->nProbAlloc) {
    p->nProbAlloc = p->nProbAlloc ? p->nProbAlloc * 2 : 16;
    p->aProb = xrealloc_array(p->aProb, (size_t)p->nProbAlloc, sizeof(FeedProblem));
  }
  p->aProb[p->nProb].iLine = iLine;
  p->aProb[p->nProb].iCol = iCol;
  p->aProb[p->nProb].zReason = zReason;
  p->nProb++;
}

static void feed_part_clear(FeedPart *p) {
  for (int i = 0; i < p->nProb; i++) free(p->aProb[i].zReason);
  free(p->aProb);
  p->aProb = NULL;
  p->nProb = p->nProbAlloc = 0;
  feed_accum_free(p->pAcc);
  p->pAcc = NULL;
  free(p->zFatal);
  p->zFatal = NULL;
}

static void *feed_part_run(void *pArg) {
  FeedPart *p = pArg;
  char *zErr = NULL;
  p->bClean = 1;
  FeedReader *r = feed_reader_open(p->zPath, p->eEnc, p->iStart, p->iEnd, &zErr);
  if (!r) { p->zFatal = zErr; return NULL; }
  /* The row parser's arrays are per thread; the mapping is copied from the prototype. */
  FeedRowParser rp;
  feed_row_parser_clone(&rp, p->pProto);
  const FeedSpan *aField;
  int nField, bHeader = p->bSkipHeader;
  for (;;) {
    int rc = feed_reader_next(r, &aField, &nField, &zErr);
    if (rc == 0) break;
    if (rc < 0) {
      p->nRows++;
      feed_part_problem(p, feed_reader_err_line(r), feed_reader_err_col(r),
                        xstrdup(feed_reader_err_reason(r)));
      free(zErr);
      zErr = NULL;
      continue;
    }
    if (bHeader) { bHeader = 0; continue; }
    p->nRows++;
    int iCol = 0;
    char *zReason = NULL;
    if (feed_row_parse(&rp, aField, nField, &iCol, &zReason)) {
      feed_part_problem(p, feed_reader_line(r), iCol, zReason);
      continue;
    }
    if (feed_accum_add(p->pAcc, &rp, &zErr)) {
      p->zFatal = zErr;
      break;
    }
  }
  p->bClean = feed_reader_clean_end(r);
  p->nLines = feed_reader_lines_read(r);
  p->nBytes = feed_reader_bytes(r);
  feed_reader_close(r);
  feed_row_parser_free_clone(&rp);
  return NULL;
}

/* A thread reading parts: it takes the next part from a shared counter until none is left.
** More parts than threads (4 per thread) keep both cores busy when one of them is slowed by
** other work on the machine. Each part has its own accumulator (merged in part order
** afterwards, so sums do not depend on which thread read what), with a share of the median
** budget; a part's spills go to its thread's temporary file. */
typedef struct FeedWorker {
  FeedPart *aPart;
  int nPart;
  int *piNext;
  int iSpillFile;
  size_t nBudget;      /* per part */
} FeedWorker;

static void *feed_worker_run(void *pArg) {
  FeedWorker *w = pArg;
  for (;;) {
    int i = __atomic_fetch_add(w->piNext, 1, __ATOMIC_SEQ_CST);
    if (i >= w->nPart) break;
    FeedPart *p = &w->aPart[i];
    p->pAcc = feed_accum_new(p->pDef, p->pOpts->eKind, p->pSpill, w->iSpillFile, w->nBudget);
    feed_part_run(p);
    if (w->aPart[i].zFatal) break;
  }
  return NULL;
}

/* Reads the header of a file: the column mapping into *pRp. Returns 0 or -1 (*pzErr). */
static int feed_read_header(const FeedDef *pDef, const char *zPath, TextEncoding eEnc,
                            FeedRowParser *pRp, char **pzErr) {
  FeedReader *r = feed_reader_open(zPath, eEnc, 0, UINT64_MAX, pzErr);
  if (!r) return -1;
  const FeedSpan *aField;
  int nField;
  int rc = feed_reader_next(r, &aField, &nField, pzErr);
  if (rc == 0) *pzErr = xasprintf("%s: the file is empty (no header)", zPath);
  if (rc == 1) rc = feed_row_parser_init(pRp, pDef, zPath, feed_reader_line(r), aField, nField, pzErr);
  else rc = -1;
  feed_reader_close(r);
  return rc;
}

int feed_derive_files(const FeedDef *pDef, const char *const *azFile, int nFile,
                      const FeedDeriveOpts *pOpts, FeedResult *pRes, FeedDeriveStats *pStats,
                      char **pzProblems, char **pzErr) {
  memset(pStats, 0, sizeof *pStats);
  memset(pRes, 0, sizeof *pRes);
  *pzProblems = NULL;
  /* Reader buffers (5 MB) come and go with every part: a fixed mmap threshold makes glibc
  ** give each back to the system when freed, instead of raising the threshold and keeping
  ** them in the heap, where they would fragment and hold memory. */
  (void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
  FeedSpill *pSpill = feed_spill_new();
  int nThreads = pOpts->nThreads < 1 ? 1 : pOpts->nThreads > 16 ? 16 : pOpts->nThreads;
  FeedAccum *pAll = feed_accum_new(pDef, pOpts->eKind, pSpill, 0, pOpts->nBudget);
  Buf problems = BUF_INIT;
  int64_t nListed = 0;
  int rc = 0;
  for (int f = 0; f < nFile && rc == 0; f++) {
    const char *zPath = azFile[f];
    TextEncoding eEnc;
    uint64_t nSize;
    FeedRowParser proto;
    if (feed_detect(zPath, &eEnc, &nSize, pzErr)) { rc = -1; break; }
    if (feed_read_header(pDef, zPath, eEnc, &proto, pzErr)) { rc = -1; break; }
    proto.azKnownUnit = pOpts->azKnownUnit;
    proto.nKnownUnit = pOpts->nKnownUnit;
    /* Small files and GBK (converted as a stream from the start) are read in one part;
    ** others in parts of at least 4 MB, up to 4 per thread. */
    int nWorker = (eEnc == TEXT_GBK || nSize < (8u << 20)) ? 1 : nThreads;
    int nPart = nWorker == 1 ? 1 : nWorker * 4;
    while (nPart > nWorker && nSize / (uint64_t)nPart < (4u << 20)) nPart--;
    for (int attempt = 0; attempt < 2; attempt++) {
      uint64_t *aCut = xcalloc((size_t)nPart + 1, sizeof(uint64_t));
      if (nPart > 1 && feed_split_points(zPath, nSize, nPart, proto.nCol, aCut)) nPart = nWorker = 1;
      if (nPart == 1) { aCut[0] = 0; aCut[1] = UINT64_MAX; }
      FeedPart *aPart = xcalloc((size_t)nPart, sizeof(FeedPart));
      for (int i = 0; i < nPart; i++) {
        aPart[i].pDef = pDef;
        aPart[i].pOpts = pOpts;
        aPart[i].zPath = zPath;
        aPart[i].eEnc = eEnc;
        aPart[i].iStart = aCut[i];
        aPart[i].iEnd = aCut[i + 1];
        aPart[i].bSkipHeader = i == 0;
        aPart[i].pProto = &proto;
        aPart[i].pSpill = pSpill;
      }
      free(aCut);
      int iNext = 0;
      FeedWorker aW[16];
      pthread_t aTid[16];
      int abStarted[16];
      for (int w = 0; w < nWorker; w++) {
        aW[w].aPart = aPart;
        aW[w].nPart = nPart;
        aW[w].piNext = &iNext;
        aW[w].iSpillFile = w + 1;
        aW[w].nBudget = pOpts->nBudget * (size_t)nWorker / (size_t)nPart;
        abStarted[w] = w > 0 && pthread_create(&aTid[w], NULL, feed_worker_run, &aW[w]) == 0;
      }
      feed_worker_run(&aW[0]);
      for (int w = 1; w < nWorker; w++) {
        if (abStarted[w]) pthread_join(aTid[w], NULL);
        else feed_worker_run(&aW[w]); /* no thread: this one does what is left */
      }
      int bRetry = 0;
      for (int i = 0; i + 1 < nPart; i++)
        if (!aPart[i].bClean) bRetry = 1;
      for (int i = 0; i < nPart && !bRetry && rc == 0; i++)
        if (aPart[i].zFatal) { *pzErr = xasprintf("%s: %s", zPath, aPart[i].zFatal); rc = -1; }
      if (bRetry || rc) {
        for (int i = 0; i < nPart; i++) feed_part_clear(&aPart[i]);
        free(aPart);
        if (rc) break;
        pStats->nFallback++;
        nPart = nWorker = 1;
        continue;
      }
      int64_t iLineBase = 0;
      for (int i = 0; i < nPart; i++) {
        FeedPart *p = &aPart[i];
        for (int k = 0; k < p->nProb && nListed < pOpts->nMaxProblems; k++, nListed++) {
          if (p->aProb[k].iCol > 0)
            buf_printf(&problems, "%s: line %lld, column %d: %s\n", zPath,
                       (long long)(p->aProb[k].iLine + iLineBase), p->aProb[k].iCol,
                       p->aProb[k].zReason);
          else
            buf_printf(&problems, "%s: line %lld: %s\n", zPath,
                       (long long)(p->aProb[k].iLine + iLineBase), p->aProb[k].zReason);
        }
        iLineBase += p->nLines;
        pStats->nRows += p->nRows;
        pStats->nBad += p->nBad;
        pStats->nBytes += p->nBytes;
        if (rc == 0 && p->pAcc) {
          if (feed_accum_merge(pAll, p->pAcc, pzErr)) rc = -1;
          p->pAcc = NULL; /* merged and freed either way */
        }
        feed_part_clear(p);
      }
      free(aPart);
      break;
    }
    feed_row_parser_free(&proto);
  }
  if (rc == 0 && pStats->nBad > nListed)
    buf_printf(&problems, "... and %lld more bad rows\n", (long long)(pStats->nBad - nListed));
  if (rc == 0) rc = feed_accum_result(pAll, pRes, pzErr);
  feed_accum_free(pAll);
  feed_spill_free(pSpill);
  *pzProblems = buf_detach(&problems);
  return rc;
}

/*
** feed/import.c: `kaoping feed import` (records into the database, in batches),
** `kaoping feed batches` and `kaoping feed records` (the drill-down from an indicator to
** the records behind it), and deriving indicators from the stored records.
**
** Storage (store/schema.c, migration "big-data feeds"): every record id goes into feed_key
** (primary key (feed, record_id): the deduplication), and each new record, as one CSV line
** in the definition's field order, into a block of feed_block per (unit, month, batch).
** Why blocks and not a row per record: a row per record with its columns and an index on
** (unit, period) costs SQLite three times the work per record, and the drill-down reads
** whole units and months anyway. The record id index is what must be per record.
**
** Batches: every N records (--batch-rows, default 50,000) are one transaction with their
** feed_batch row, which records the byte range of the file they cover. A crash or kill -9
** loses at most the open transaction (SQLite rolls it back); a rerun of the same file
** (recognised by its size and the hashes of its first and last bytes) starts at the end
** of the last committed batch, and feed_key makes any overlap harmless. GBK files have no
** resumable byte offsets: a rerun reads them from the start and skips the stored ids.
**
** Memory: the reader's buffer, one batch of records in blocks (about 350 bytes a record
** for the hotline), the row parser: nothing grows with the file.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "feed/def.h"
#include "feed/derive.h"
#include "feed/reader.h"
#include "period.h"
#include "store/db.h"
#include "util/mem.h"
#include "util/text.h"

FeedDef *feed_load(const char *zFeed, char **pzErr);
int feed_parse_period_kind(const char *z, PeriodKind *pe);
typedef struct FeedObserveMap FeedObserveMap;
int feed_observe_parse(const FeedDef *d, const char *z, FeedObserveMap **paOut, char **pzErr);
int feed_observe(Db *pDb, const FeedDef *d, const FeedObserveMap *aMap, int nMap,
                 int64_t iMonthLo, int64_t iMonthHi, int64_t iFeedBatch, const char *zKeys,
                 const char *zFiles, const char *zActor, char **pzErr);
void feed_observe_free(FeedObserveMap *a, int n);

/* ---------------------------------------------------------------------------------------
** The blocks of one batch: records grouped by (unit, month).
*/
typedef struct FeedBlock {
  char *zUnit;
  int64_t iMonth;
  int n;
  Buf text;
} FeedBlock;

typedef struct FeedBlocks {
  FeedBlock *a;
  int n, nAlloc;
  int *aHash; /* index + 1 */
  int nHash;
} FeedBlocks;

static uint32_t feed_block_hash(const char *z, int n, int64_t iMonth) {
  uint32_t h = 2166136261u ^ (uint32_t)iMonth;
  for (int i = 0; i < n; i++) h = (h ^ (unsigned char)z[i]) * 16777619u;
  return h;
}

static FeedBlock *feed_block_get(FeedBlocks *p, const char *z, int n, int64_t iMonth) {
  if (p->n * 2 >= p->nHash) {
    p->nHash = p->nHash ? p->nHash * 2 : 256;
    free(p->aHash);
    p->aHash = xcalloc((size_t)p->nHash, sizeof(int));
    for (int i = 0; i < p->n; i++) {
      FeedBlock *b = &p->a[i];
      uint32_t h = feed_block_hash(b->zUnit, (int)strlen(b->zUnit), b->iMonth);
      int j = (int)(h & (uint32_t)(p->nHash - 1));
      while (p->aHash[j]) j = (j + 1) & (p->nHash - 1);
      p->aHash[j] = i + 1;
    }
  }
  uint32_t h = feed_block_hash(z, n, iMonth);
  int j = (int)(h & (uint32_t)(p->nHash - 1));
  for (; p->aHash[j]; j = (j + 1) & (p->nHash - 1)) {
    FeedBlock *b = &p->a[p->aHash[j] - 1];
    if (b->iMonth == iMonth && (int)strlen(b->zUnit) == n && memcmp(b->zUnit, z, (size_t)n) == 0)
      return b;
  }
  if (p->n == p->nAlloc) {
    p->nAlloc = p->nAlloc ? p->nAlloc * 2 : 64;
    p->a = xrealloc_array(p->a, (size_t)p->nAlloc, sizeof(FeedBlock));
  }
  FeedBlock *b = &p->a[p->n];
  memset(b, 0, sizeof *b);
  b->zUnit = xstrndup(z, (size_t)n);
  b->iMonth = iMonth;
  p->aHash[j] = ++p->n;
  return b;
}

static void feed_blocks_clear(FeedBlocks *p) {
  for (int i = 0; i < p->n; i++) {
    free(p->a[i].zUnit);
    buf_free(&p->a[i].text);
  }
  p->n = 0;
  if (p->aHash) memset(p->aHash, 0, (size_t)p->nHash * sizeof(int));
}

/* Appends one record to a block as a CSV line (RFC 4180, LF), fields in the definition's
** order: the same bytes as feed_csv_append per field, joined by commas. This runs for every
** byte of every stored record (350 MB for a million hotline orders), so the test whether a
** field needs quotes is a table lookup per byte instead of four comparisons with an early
** exit, and a field that needs none (nearly all) is copied together with its separator. */
static void feed_block_put_record(Buf *b, const FeedSpan *aV, int nV) {
  static const unsigned char aSpecial[256] = {[','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1};
  for (int f = 0; f < nV; f++) {
    const unsigned char *z = (const unsigned char *)aV[f].z;
    unsigned m = 0;
    for (int i = 0; i < aV[f].n; i++) m |= aSpecial[z[i]];
    if (m) feed_csv_append(b, aV[f].z, aV[f].n);
    else buf_append(b, aV[f].z, (size_t)aV[f].n);
    buf_putc(b, f + 1 < nV ? ',' : '\n');
  }
}

static void feed_blocks_free(FeedBlocks *p) {
  feed_blocks_clear(p);
  free(p->a);
  free(p->aHash);
  memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------------------------------------
** Import.
*/

typedef struct FeedImport {
  Db *pDb;
  const FeedDef *pDef;
  const char *zFile;
  const char *zActor;
  int nBatchRows;
  FILE *pRejects;        /* reject file, opened on the first reject */
  const char *zRejects;
  int bProgress;
  uint64_t nSize;
  /* statements */
  Stmt *pKey, *pBlock, *pReject, *pBatchNew, *pBatchEnd;
  /* the open batch */
  int64_t iBatch;
  int64_t nRows, nAdded, nDup, nRej; /* in the batch */
  FeedBlocks blocks;
  /* totals over the file */
  int64_t nRowsAll, nAddedAll, nDupAll, nRejAll, nBatches;
  double tStart, tLastShow;
  Buf rec;
  int64_t iMonthLo, iMonthHi; /* months of the records added (for the observations) */
  int64_t iLastBatch;
  Buf keys;                   /* the files' resume keys, for the observations' batch */
} FeedImport;

static double feed_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void feed_progress(FeedImport *p, uint64_t nDone, int bFinal) {
  if (!p->bProgress) return;
  double t = feed_now();
  if (!bFinal && t - p->tLastShow < 0.2) return;
  p->tLastShow = t;
  double el = t - p->tStart, mbs = el > 0 ? (double)nDone / 1e6 / el : 0;
  double frac = p->nSize ? (double)nDone / (double)p->nSize : 1;
  if (frac > 1) frac = 1;
  int eta = mbs > 0 ? (int)((double)(p->nSize - (nDone < p->nSize ? nDone : p->nSize)) / 1e6 / mbs) : 0;
  char bar[21];
  int nFill = (int)(frac * 20);
  for (int i = 0; i < 20; i++) bar[i] = i < nFill ? '#' : '.';
  bar[20] = 0;
  printf("\r[%s] %3d%%  %lld rows  %.1f MB/s  ETA %d:%02d ", bar, (int)(frac * 100),
         (long long)(p->nRowsAll + p->nRows), mbs, eta / 60, eta % 60);
  if (bFinal) putchar('\n');
  fflush(stdout);
}

static int feed_batch_open(FeedImport *p, uint64_t iByteStart, const char *zKey,
                           const char *zEnc) {
  if (db_begin(p->pDb)) return -1;
  char zNow[32];
  db_now(zNow);
  stmt_bind_text(p->pBatchNew, 1, p->pDef->zCode);
  stmt_bind_text(p->pBatchNew, 2, p->zFile);
  stmt_bind_text(p->pBatchNew, 3, zKey);
  stmt_bind_text(p->pBatchNew, 4, zEnc);
  stmt_bind_int(p->pBatchNew, 5, iByteStart == UINT64_MAX ? -1 : (int64_t)iByteStart);
  stmt_bind_text(p->pBatchNew, 6, zNow);
  stmt_bind_text(p->pBatchNew, 7, p->zActor);
  if (stmt_run(p->pBatchNew)) { db_rollback(p->pDb); return -1; }
  p->iBatch = db_last_insert_id(p->pDb);
  p->nRows = p->nAdded = p->nDup = p->nRej = 0;
  return 0;
}

/* Writes the blocks and the batch's counts, and commits. */
static int feed_batch_close(FeedImport *p, uint64_t iByteEnd, int64_t iLineEnd) {
  for (int i = 0; i < p->blocks.n; i++) {
    FeedBlock *b = &p->blocks.a[i];
    stmt_bind_text(p->pBlock, 1, p->pDef->zCode);
    stmt_bind_text(p->pBlock, 2, b->zUnit);
    stmt_bind_int(p->pBlock, 3, b->iMonth);
    stmt_bind_int(p->pBlock, 4, p->iBatch);
    stmt_bind_int(p->pBlock, 5, b->n);
    stmt_bind_textn(p->pBlock, 6, buf_str(&b->text), (int)b->text.n);
    if (stmt_run(p->pBlock)) { db_rollback(p->pDb); return -1; }
  }
  feed_blocks_clear(&p->blocks);
  stmt_bind_int(p->pBatchEnd, 1, iByteEnd == UINT64_MAX ? -1 : (int64_t)iByteEnd);
  stmt_bind_int(p->pBatchEnd, 2, iLineEnd);
  stmt_bind_int(p->pBatchEnd, 3, p->nRows);
  stmt_bind_int(p->pBatchEnd, 4, p->nAdded);
  stmt_bind_int(p->pBatchEnd, 5, p->nDup);
  stmt_bind_int(p->pBatchEnd, 6, p->nRej);
  stmt_bind_int(p->pBatchEnd, 7, p->iBatch);
  if (stmt_run(p->pBatchEnd)) { db_rollback(p->pDb); return -1; }
  if (db_commit(p->pDb)) return -1;
  p->iLastBatch = p->iBatch;
  p->nRowsAll += p->nRows;
  p->nAddedAll += p->nAdded;
  p->nDupAll += p->nDup;
  p->nRejAll += p->nRej;
  p->nBatches++;
  p->nRows = p->nAdded = p->nDup = p->nRej = 0;
  return 0;
}

static int feed_reject(FeedImport *p, int64_t iLine, int iCol, const char *zReason,
                       const FeedSpan *aF, int nF) {
  buf_reset(&p->rec);
  for (int i = 0; i < nF; i++) {
    if (i) buf_putc(&p->rec, ',');
    feed_csv_append(&p->rec, aF[i].z, aF[i].n);
  }
  stmt_bind_int(p->pReject, 1, p->iBatch);
  stmt_bind_int(p->pReject, 2, iLine);
  if (iCol > 0) stmt_bind_int(p->pReject, 3, iCol);
  else stmt_bind_null(p->pReject, 3);
  stmt_bind_text(p->pReject, 4, zReason);
  if (aF) stmt_bind_textn(p->pReject, 5, buf_str(&p->rec), (int)p->rec.n);
  else stmt_bind_null(p->pReject, 5);
  if (stmt_run(p->pReject)) return -1;
  p->nRej++;
  if (p->zRejects) {
    if (!p->pRejects) {
      p->pRejects = fopen(p->zRejects, "w");
      if (!p->pRejects) {
        fprintf(stderr, "kaoping feed import: cannot write %s\n", p->zRejects);
        return -1;
      }
      fputs("file,line,column,reason,record\n", p->pRejects);
    }
    Buf b = BUF_INIT;
    feed_csv_append(&b, p->zFile, (int)strlen(p->zFile));
    buf_printf(&b, ",%lld,", (long long)iLine);
    if (iCol > 0) buf_printf(&b, "%d", iCol);
    buf_putc(&b, ',');
    feed_csv_append(&b, zReason, (int)strlen(zReason));
    buf_putc(&b, ',');
    if (aF) feed_csv_append(&b, buf_str(&p->rec), (int)p->rec.n);
    buf_putc(&b, '\n');
    fputs(buf_str(&b), p->pRejects);
    buf_free(&b);
  }
  return 0;
}

/* A key that recognises the same file on a rerun: size and FNV-1a 64 of the first and the
** last 64 KB. (A SHA-256 of the whole file would cost a second read of gigabytes.) */
static int feed_file_key(const char *zPath, uint64_t nSize, char *zKey, size_t nKey) {
  FILE *f = fopen(zPath, "rb");
  if (!f) return -1;
  uint64_t h1 = 1469598103934665603ull, h2 = h1;
  unsigned char *z = xmalloc(65536);
  size_t n = fread(z, 1, 65536, f);
  for (size_t i = 0; i < n; i++) h1 = (h1 ^ z[i]) * 1099511628211ull;
  if (nSize > 65536 && fseek(f, (long)(nSize - 65536), SEEK_SET) == 0) {
    n = fread(z, 1, 65536, f);
    for (size_t i = 0; i < n; i++) h2 = (h2 ^ z[i]) * 1099511628211ull;
  }
  free(z);
  fclose(f);
  snprintf(zKey, nKey, "%llu:%016llx:%016llx", (unsigned long long)nSize,
           (unsigned long long)h1, (unsigned long long)h2);
  return 0;
}

static char **feed_db_units(Db *pDb, int *pn) {
  Stmt *s = db_prepare(pDb, "SELECT code FROM unit ORDER BY code");
  char **az = NULL;
  int n = 0;
  while (stmt_step(s) == 1) {
    az = xrealloc_array(az, (size_t)n + 1, sizeof(char *));
    az[n++] = xstrdup(stmt_text(s, 0));
  }
  stmt_finalize(s);
  /* ORDER BY code uses SQLite's BINARY collation: the same order as strcmp */
  *pn = n;
  return az;
}

/* Imports one file. Returns 0, 1 (the file cannot be read: nothing of it stored) or -1
** (database error). */
static int feed_import_file(FeedImport *p, const char *const *azUnit, int nUnit) {
  char *zErr = NULL;
  TextEncoding eEnc;
  uint64_t nSize;
  if (feed_detect(p->zFile, &eEnc, &nSize, &zErr)) {
    fprintf(stderr, "%s\n", zErr);
    free(zErr);
    return 1;
  }
  p->nSize = nSize;
  char zKey[80];
  if (feed_file_key(p->zFile, nSize, zKey, sizeof zKey)) {
    fprintf(stderr, "%s: cannot read\n", p->zFile);
    return 1;
  }
  buf_printf(&p->keys, "%s%s", p->keys.n ? " " : "", zKey);
  /* The header, for the column mapping. */
  FeedReader *r = feed_reader_open(p->zFile, eEnc, 0, UINT64_MAX, &zErr);
  if (!r) { fprintf(stderr, "%s\n", zErr); free(zErr); return 1; }
  const FeedSpan *aF;
  int nF, rc = feed_reader_next(r, &aF, &nF, &zErr);
  FeedRowParser rp;
  if (rc <= 0) {
    if (rc == 0) fprintf(stderr, "%s: the file is empty (no header)\n", p->zFile);
    else { fprintf(stderr, "%s\n", zErr); free(zErr); }
    feed_reader_close(r);
    return 1;
  }
  if (feed_row_parser_init(&rp, p->pDef, p->zFile, feed_reader_line(r), aF, nF, &zErr)) {
    fprintf(stderr, "%s\n", zErr);
    free(zErr);
    feed_reader_close(r);
    return 1;
  }
  rp.azKnownUnit = (const char *const *)azUnit;
  rp.nKnownUnit = nUnit;
  uint64_t iHeaderEnd = feed_reader_offset(r);
  int64_t iLineBase = 0;
  /* Resume after the last committed batch of this file, if any. */
  uint64_t iStart = 0;
  Stmt *s = db_prepare(p->pDb, "SELECT byte_end, line_end FROM feed_batch WHERE feed = ?1 AND"
                               " file_key = ?2 AND byte_end >= 0 ORDER BY byte_end DESC LIMIT 1");
  stmt_bind_text(s, 1, p->pDef->zCode);
  stmt_bind_text(s, 2, zKey);
  if (stmt_step(s) == 1) {
    iStart = (uint64_t)stmt_int(s, 0);
    iLineBase = stmt_int(s, 1);
  }
  stmt_finalize(s);
  if (iStart > 0 && iStart >= nSize) {
    printf("%s: already imported (feed %s); nothing to do\n", p->zFile, p->pDef->zCode);
    feed_reader_close(r);
    feed_row_parser_free(&rp);
    return 0;
  }
  if (iStart > 0 && eEnc != TEXT_GBK) {
    feed_reader_close(r);
    r = feed_reader_open(p->zFile, eEnc, iStart, UINT64_MAX, &zErr);
    if (!r) { fprintf(stderr, "%s\n", zErr); free(zErr); feed_row_parser_free(&rp); return 1; }
    printf("%s: resuming at byte %llu (line %lld), after the batches already stored\n", p->zFile,
           (unsigned long long)iStart, (long long)iLineBase + 1);
  } else {
    iStart = iHeaderEnd;
    iLineBase = 0;
  }
  const char *zEnc = text_encoding_name(eEnc);
  p->tStart = feed_now();
  p->tLastShow = 0;
  int rcOut = 0;
  int bOpen = 0;
  uint64_t iBatchStart = iStart;
  int64_t iBatchLine = iLineBase + (iStart == iHeaderEnd ? 1 : 0); /* lines before the batch */
  const FeedDef *d = p->pDef;
  for (;;) {
    rc = feed_reader_next(r, &aF, &nF, &zErr);
    if (rc == 0) break;
    if (!bOpen) { /* a batch opens with its first record: no empty batch at the end */
      if (feed_batch_open(p, iBatchStart, zKey, zEnc)) { free(zErr); rcOut = -1; break; }
      bOpen = 1;
    }
    p->nRows++;
    if (rc < 0 && !feed_reader_clean_end(r)) {
      /* The file is broken from here on (it ends inside a quoted field, a record is too
      ** long, a byte is not GBK): the open batch is not stored; the earlier ones are whole. */
      fprintf(stderr, "%s: line %lld, column %d: %s; the records from line %lld on were not "
                      "imported\n", p->zFile, (long long)(iLineBase + feed_reader_err_line(r)),
              feed_reader_err_col(r), feed_reader_err_reason(r), (long long)(iBatchLine + 1));
      free(zErr);
      zErr = NULL;
      db_rollback(p->pDb);
      bOpen = 0;
      p->nRows = p->nAdded = p->nDup = p->nRej = 0;
      feed_blocks_clear(&p->blocks);
      rcOut = 1;
      break;
    }
    if (rc < 0) {
      free(zErr);
      zErr = NULL;
      if (feed_reject(p, iLineBase + feed_reader_err_line(r), feed_reader_err_col(r),
                      feed_reader_err_reason(r), NULL, 0)) { rcOut = -1; break; }
    } else {
      int iCol;
      char *zWhy = NULL;
      if (feed_row_parse(&rp, aF, nF, &iCol, &zWhy)) {
        int rcR = feed_reject(p, iLineBase + feed_reader_line(r), iCol, zWhy, aF, nF);
        free(zWhy);
        if (rcR) { rcOut = -1; break; }
      } else {
        const FeedSpan *pId = &rp.aVal[d->iId];
        stmt_bind_text(p->pKey, 1, d->zCode);
        stmt_bind_textn(p->pKey, 2, pId->z, pId->n);
        stmt_bind_int(p->pKey, 3, p->iBatch);
        if (stmt_run(p->pKey)) { rcOut = -1; break; }
        if (db_changes(p->pDb) == 0) {
          p->nDup++;
        } else {
          p->nAdded++;
          int y, m;
          feed_time_month(rp.aTime[d->iPeriod], &y, &m);
          const FeedSpan *u = &rp.aVal[d->iUnit];
          int64_t iMonth = (int64_t)y * 12 + m - 1;
          if (iMonth < p->iMonthLo) p->iMonthLo = iMonth;
          if (iMonth > p->iMonthHi) p->iMonthHi = iMonth;
          FeedBlock *b = feed_block_get(&p->blocks, u->z, u->n, iMonth);
          feed_block_put_record(&b->text, rp.aVal, d->nField);
          b->n++;
        }
      }
    }
    if (p->nRows >= p->nBatchRows) {
      uint64_t iEnd = feed_reader_offset(r);
      if (feed_batch_close(p, iEnd, iLineBase + feed_reader_lines_read(r))) { rcOut = -1; break; }
      bOpen = 0;
      iBatchStart = iEnd;
      iBatchLine = iLineBase + feed_reader_lines_read(r);
      feed_progress(p, iEnd == UINT64_MAX ? feed_reader_bytes(r) : iEnd, 0);
    }
  }
  if (rcOut == 0 && bOpen) {
    uint64_t iEnd = feed_reader_offset(r);
    if (feed_reader_clean_end(r) && iEnd != UINT64_MAX) iEnd = nSize; /* a final blank line */
    if (feed_batch_close(p, iEnd, iLineBase + feed_reader_lines_read(r))) rcOut = -1;
  }
  if (rcOut < 0) {
    fprintf(stderr, "kaoping feed import: database error: %s\n", db_errmsg(p->pDb));
    db_rollback(p->pDb);
  }
  feed_progress(p, nSize, 1);
  feed_reader_close(r);
  feed_row_parser_free(&rp);
  return rcOut;
}

int feed_import_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "feed import", argc, argv);
  const char *zDb = cli_db_path(&a);
  const char *zBatch = cli_opt(&a, "--batch-rows");
  const char *zRejects = cli_opt(&a, "--rejects");
  int bNoObs = cli_flag(&a, "--no-observations");
  const char *zObserve = cli_opt(&a, "--observe");
  FeedObserveMap *aMap = NULL;
  int nMap = 0;
  const char **azPos = NULL;
  int nPos = cli_positionals(&a, &azPos);
  int rc = EXIT_OK;
  Db *pDb = NULL;
  FeedDef *pDef = NULL;
  char *zErr = NULL;
  char **azUnit = NULL;
  int nUnit = 0;
  if (cli_finish(&a)) { rc = EXIT_USAGE; goto done; }
  if (nPos < 2) {
    cli_error(&a, "a feed and at least one file are required (kaoping feed import hotline FILE)");
    rc = EXIT_USAGE;
    goto done;
  }
  int nBatch = zBatch ? atoi(zBatch) : 50000;
  if (nBatch < 1 || nBatch > 10000000) {
    cli_error(&a, "--batch-rows must be 1 to 10000000");
    rc = EXIT_USAGE;
    goto done;
  }
  pDef = feed_load(azPos[0], &zErr);
  if (!pDef) { fprintf(stderr, "%s\n", zErr); rc = EXIT_BAD_INPUT; goto done; }
  if (zObserve && (nMap = feed_observe_parse(pDef, zObserve, &aMap, &zErr)) < 0) {
    nMap = 0;
    cli_error(&a, "%s", zErr);
    rc = EXIT_USAGE;
    goto done;
  }
  if (db_open(zDb, 0, &pDb, &zErr)) { fprintf(stderr, "%s\n", zErr); rc = EXIT_INTERNAL; goto done; }
  azUnit = feed_db_units(pDb, &nUnit);
  if (nUnit == 0) {
    fprintf(stderr, "kaoping feed import: the database has no units; import them first "
                    "(kaoping unit import units.csv)\n");
    rc = EXIT_BAD_INPUT;
    goto done;
  }
  /* Batches are whole or absent after a crash of the process (WAL); synchronous=NORMAL
  ** spares an fsync per batch, at the price that a power cut may also lose the last
  ** committed batches, which a rerun then imports again (it resumes from what is stored). */
  if (db_exec(pDb, "PRAGMA synchronous = NORMAL")) {
    fprintf(stderr, "kaoping feed import: %s\n", db_errmsg(pDb));
    rc = EXIT_INTERNAL;
    goto done;
  }
  FeedImport im;
  memset(&im, 0, sizeof im);
  im.pDb = pDb;
  im.pDef = pDef;
  im.zActor = cli_actor();
  im.nBatchRows = nBatch;
  im.iMonthLo = INT64_MAX;
  im.iMonthHi = INT64_MIN;
  im.bProgress = isatty(STDOUT_FILENO);
  im.pKey = db_prepare(pDb, "INSERT OR IGNORE INTO feed_key(feed, record_id, batch) VALUES (?1, ?2, ?3)");
  im.pBlock = db_prepare(pDb, "INSERT INTO feed_block(feed, unit, month, batch, n, records)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  im.pReject = db_prepare(pDb, "INSERT INTO feed_reject(batch, line, col, reason, record)"
                               " VALUES (?1, ?2, ?3, ?4, ?5)");
  im.pBatchNew = db_prepare(pDb, "INSERT INTO feed_batch(feed, file_name, file_key, encoding,"
                                 " byte_start, byte_end, line_end, rows, added, duplicates, rejected,"
                                 " imported_at, imported_by)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?5, 0, 0, 0, 0, 0, ?6, ?7)");
  im.pBatchEnd = db_prepare(pDb, "UPDATE feed_batch SET byte_end = ?1, line_end = ?2, rows = ?3,"
                                 " added = ?4, duplicates = ?5, rejected = ?6 WHERE id = ?7");
  int nFileBad = 0;
  for (int f = 1; f < nPos && rc == EXIT_OK; f++) {
    im.zFile = azPos[f];
    char *zRej = zRejects ? xstrdup(zRejects) : xasprintf("%s.rejects.csv", azPos[f]);
    im.zRejects = zRej;
    int64_t n0 = im.nRowsAll, a0 = im.nAddedAll, d0 = im.nDupAll, r0 = im.nRejAll, b0 = im.nBatches;
    int rcF = feed_import_file(&im, (const char *const *)azUnit, nUnit);
    if (im.pRejects) { fclose(im.pRejects); im.pRejects = NULL; }
    if (rcF < 0) rc = EXIT_INTERNAL;
    else if (rcF > 0) nFileBad++;
    if (rcF >= 0 && im.nBatches > b0) {
      printf("%s: %lld rows in %lld batches: %lld added, %lld already stored, %lld rejected",
             azPos[f], (long long)(im.nRowsAll - n0), (long long)(im.nBatches - b0),
             (long long)(im.nAddedAll - a0), (long long)(im.nDupAll - d0),
             (long long)(im.nRejAll - r0));
      if (im.nRejAll > r0) printf(" (reasons in %s)", zRej);
      printf("\n");
    }
    free(zRej);
  }
  if (rc == EXIT_OK && !bNoObs) {
    /* The feed's indicators as observations of the open periods. All of them, not only the
    ** months this run added to: a run killed after its batches but before this step is
    ** completed by the next one, which may have nothing new to add (an unchanged value
    ** adds no revision, so recomputing is harmless). */
    im.iMonthLo = INT64_MIN;
    im.iMonthHi = INT64_MAX;
    if (im.iLastBatch == 0) { /* nothing new: link to the feed's latest batch */
      Stmt *s = db_prepare(pDb, "SELECT coalesce(max(id), 0) FROM feed_batch WHERE feed = ?1");
      stmt_bind_text(s, 1, pDef->zCode);
      if (stmt_step(s) == 1) im.iLastBatch = stmt_int(s, 0);
      stmt_finalize(s);
    }
  }
  if (rc == EXIT_OK && !bNoObs && im.iLastBatch > 0) {
    Buf files = BUF_INIT;
    for (int f = 1; f < nPos; f++) buf_printf(&files, "%s%s", f > 1 ? " " : "", azPos[f]);
    int nObs = -1;
    if (db_begin(pDb) == 0) {
      nObs = feed_observe(pDb, pDef, aMap, nMap, im.iMonthLo, im.iMonthHi, im.iLastBatch,
                          buf_str(&im.keys), buf_str(&files), im.zActor, &zErr);
      if (nObs < 0) db_rollback(pDb);
      else if (db_commit(pDb)) nObs = -1;
    }
    if (nObs < 0) {
      fprintf(stderr, "kaoping feed import: the records are stored, but the observations could "
                      "not be written: %s\n", zErr ? zErr : db_errmsg(pDb));
      rc = EXIT_INTERNAL;
    } else {
      printf("observations (provenance feed) for the open periods: %d new revisions\n", nObs);
    }
    buf_free(&files);
  }
  feed_blocks_free(&im.blocks);
  buf_free(&im.rec);
  buf_free(&im.keys);
  stmt_finalize(im.pKey);
  stmt_finalize(im.pBlock);
  stmt_finalize(im.pReject);
  stmt_finalize(im.pBatchNew);
  stmt_finalize(im.pBatchEnd);
  if (rc == EXIT_OK && nFileBad) rc = EXIT_BAD_INPUT;
done:
  free(zErr);
  for (int i = 0; i < nUnit; i++) free(azUnit[i]);
  free(azUnit);
  feed_observe_free(aMap, nMap);
  db_close(pDb);
  feed_def_free(pDef);
  free(azPos);
  cli_free(&a);
  return rc;
}

/* ---------------------------------------------------------------------------------------
** Reading the stored records back.
*/

/* Calls xRow for every stored record of the feed (unit NULL: every unit) whose month lies in
** [iFrom, iTo], in unit, month and storage order, with pRp holding the parsed record.
** xRow returns 0 to go on, 1 to stop. Returns 0, or -1 when a stored block does not parse
** (a damaged database: *pzErr). */
typedef int (*FeedRowFn)(void *pArg, const FeedRowParser *pRp, const FeedSpan *aF, int nF);
static int feed_store_scan(Db *pDb, const FeedDef *d, const char *zUnit, int64_t iFrom,
                           int64_t iTo, FeedRowFn xRow, void *pArg, char **pzErr) {
  FeedSpan *aHead = xcalloc((size_t)d->nField, sizeof(FeedSpan));
  for (int f = 0; f < d->nField; f++) {
    aHead[f].z = d->aField[f].zHeader;
    aHead[f].n = (int)strlen(d->aField[f].zHeader);
  }
  FeedRowParser rp;
  int rc = feed_row_parser_init(&rp, d, "stored records", 1, aHead, d->nField, pzErr);
  free(aHead);
  if (rc) return -1;
  Stmt *s;
  if (zUnit) {
    s = db_prepare(pDb, "SELECT unit, month, records FROM feed_block WHERE feed = ?1 AND unit = ?2"
                        " AND month BETWEEN ?3 AND ?4 ORDER BY unit, month, id");
    stmt_bind_text(s, 2, zUnit);
  } else {
    s = db_prepare(pDb, "SELECT unit, month, records FROM feed_block WHERE feed = ?1"
                        " AND month BETWEEN ?3 AND ?4 ORDER BY unit, month, id");
  }
  stmt_bind_text(s, 1, d->zCode);
  stmt_bind_int(s, 3, iFrom);
  stmt_bind_int(s, 4, iTo);
  int bStop = 0;
  while (rc == 0 && !bStop && stmt_step(s) == 1) {
    const char *z = stmt_text(s, 2);
    FeedReader *r = feed_reader_open_mem("stored block", z, (size_t)stmt_column_bytes(s, 2));
    const FeedSpan *aF;
    int nF, rr;
    char *zErr = NULL;
    while (!bStop && (rr = feed_reader_next(r, &aF, &nF, &zErr)) != 0) {
      int iCol;
      char *zWhy = NULL;
      if (rr < 0 || feed_row_parse(&rp, aF, nF, &iCol, &zWhy)) {
        *pzErr = xasprintf("a stored record of unit %s does not parse: %s", stmt_text(s, 0),
                           zWhy ? zWhy : zErr);
        free(zWhy);
        free(zErr);
        rc = -1;
        break;
      }
      bStop = xRow(pArg, &rp, aF, nF) != 0;
    }
    feed_reader_close(r);
  }
  stmt_finalize(s);
  feed_row_parser_free(&rp);
  return rc;
}

typedef struct FeedAccArg {
  FeedAccum *pAcc;
  char *zErr;
} FeedAccArg;

static int feed_acc_row(void *pArg, const FeedRowParser *pRp, const FeedSpan *aF, int nF) {
  FeedAccArg *p = pArg;
  (void)aF;
  (void)nF;
  return feed_accum_add(p->pAcc, pRp, &p->zErr) ? 1 : 0;
}

int feed_derive_stored_range(Db *pDb, const FeedDef *d, PeriodKind eKind, int64_t iFrom,
                             int64_t iTo, FeedResult *pRes, char **pzErr);
int feed_derive_stored_range(Db *pDb, const FeedDef *d, PeriodKind eKind, int64_t iFrom,
                             int64_t iTo, FeedResult *pRes, char **pzErr) {
  FeedSpill *pSpill = feed_spill_new();
  FeedAccArg arg = {feed_accum_new(d, eKind, pSpill, 0, 2u << 20), NULL};
  int rc = feed_store_scan(pDb, d, NULL, iFrom, iTo, feed_acc_row, &arg, pzErr);
  if (rc == 0 && arg.zErr) { *pzErr = arg.zErr; arg.zErr = NULL; rc = -1; }
  if (rc == 0) rc = feed_accum_result(arg.pAcc, pRes, pzErr);
  free(arg.zErr);
  feed_accum_free(arg.pAcc);
  feed_spill_free(pSpill);
  return rc;
}

int feed_derive_stored(Db *pDb, const FeedDef *d, PeriodKind eKind, FeedResult *pRes,
                       char **pzErr);
int feed_derive_stored(Db *pDb, const FeedDef *d, PeriodKind eKind, FeedResult *pRes,
                       char **pzErr) {
  return feed_derive_stored_range(pDb, d, eKind, INT64_MIN, INT64_MAX, pRes, pzErr);
}

int feed_batches_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "feed batches", argc, argv);
  const char *zDb = cli_db_path(&a);
  const char *zFeed = cli_opt(&a, "--feed");
  if (cli_finish(&a)) { cli_free(&a); return EXIT_USAGE; }
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "%s\n", zErr);
    free(zErr);
    cli_free(&a);
    return EXIT_INTERNAL;
  }
  Stmt *s = db_prepare(pDb, "SELECT id, feed, file_name, encoding, byte_start, byte_end, line_end,"
                            " rows, added, duplicates, rejected, imported_at FROM feed_batch"
                            " WHERE ?1 IS NULL OR feed = ?1 ORDER BY id");
  stmt_bind_text(s, 1, zFeed);
  printf("batch  feed     rows     added  dup  rejected  lines to  imported at           file\n");
  int64_t nAdded = 0, nRows = 0;
  while (stmt_step(s) == 1) {
    printf("%5lld  %-7s %7lld  %7lld  %4lld  %8lld  %8lld  %-20s  %s\n", (long long)stmt_int(s, 0),
           stmt_text(s, 1), (long long)stmt_int(s, 7), (long long)stmt_int(s, 8),
           (long long)stmt_int(s, 9), (long long)stmt_int(s, 10), (long long)stmt_int(s, 6),
           stmt_text(s, 11), stmt_text(s, 2));
    nAdded += stmt_int(s, 8);
    nRows += stmt_int(s, 7);
  }
  stmt_finalize(s);
  printf("records stored: %lld (of %lld rows read)\n", (long long)nAdded, (long long)nRows);
  db_close(pDb);
  cli_free(&a);
  return EXIT_OK;
}

typedef struct FeedListArg {
  const FeedDef *pDef;
  int iInd, iPart;          /* drill-down filter: indicator (-1 none) and part */
  int aWhereField[8];
  const char *azWhereVal[8];
  int nWhere;
  int64_t iSkip, nTake;     /* paging */
  int64_t nMatch;
  int bJson;
  Buf out;
} FeedListArg;

static int feed_list_row(void *pArg, const FeedRowParser *pRp, const FeedSpan *aF, int nF) {
  FeedListArg *p = pArg;
  if (p->iInd >= 0 && !feed_row_in_indicator(pRp, p->iInd, p->iPart)) return 0;
  for (int i = 0; i < p->nWhere; i++) {
    const FeedSpan *v = &pRp->aVal[p->aWhereField[i]];
    if ((int)strlen(p->azWhereVal[i]) != v->n || memcmp(v->z, p->azWhereVal[i], (size_t)v->n))
      return 0;
  }
  int64_t k = p->nMatch++;
  if (k < p->iSkip || k >= p->iSkip + p->nTake) return 0;
  if (p->bJson) {
    buf_puts(&p->out, p->out.n && p->out.z[p->out.n - 1] == '}' ? ",\n  {" : "\n  {");
    for (int f = 0; f < nF; f++) {
      buf_printf(&p->out, "%s\"%s\": \"", f ? ", " : "", p->pDef->aField[f].zCode);
      for (int i = 0; i < aF[f].n; i++) {
        unsigned char c = (unsigned char)aF[f].z[i];
        if (c == '"' || c == '\\') buf_printf(&p->out, "\\%c", c);
        else if (c < 0x20) buf_printf(&p->out, "\\u%04x", c);
        else buf_putc(&p->out, (char)c);
      }
      buf_putc(&p->out, '"');
    }
    buf_putc(&p->out, '}');
  } else {
    for (int f = 0; f < nF; f++) {
      if (f) buf_putc(&p->out, ',');
      feed_csv_append(&p->out, aF[f].z, aF[f].n);
    }
    buf_putc(&p->out, '\n');
  }
  return 0;
}

int feed_records_cmd(int argc, char **argv) {
  CliArgs a;
  cli_init(&a, "feed records", argc, argv);
  const char *zDb = cli_db_path(&a);
  const char *zUnit = cli_opt(&a, "--unit");
  const char *zPeriod = cli_opt(&a, "--period");
  const char *zInd = cli_opt(&a, "--indicator");
  const char *zPart = cli_opt(&a, "--part");
  const char *zPage = cli_opt(&a, "--page");
  const char *zSize = cli_opt(&a, "--page-size");
  const char *zFormat = cli_opt(&a, "--format");
  FeedListArg arg;
  memset(&arg, 0, sizeof arg);
  const char *zW = cli_opt(&a, "--where");
  if (zW) arg.azWhereVal[arg.nWhere++] = zW; /* FIELD=VALUE, split below */
  const char *zFeed = cli_positional(&a, 0);
  int rc = EXIT_OK;
  FeedDef *pDef = NULL;
  Db *pDb = NULL;
  char *zErr = NULL;
  Period per;
  char **azSplit = xcalloc(9, sizeof(char *));
  if (cli_finish(&a)) { rc = EXIT_USAGE; goto done; }
  if (!zFeed || !zUnit || !zPeriod) {
    cli_error(&a, "FEED, --unit and --period are required");
    rc = EXIT_USAGE;
    goto done;
  }
  if (strpbrk(zUnit, "\"\\\n\r\t")) {
    cli_error(&a, "--unit: not a unit code");
    rc = EXIT_USAGE;
    goto done;
  }
  if (period_parse(zPeriod, &per, &zErr)) {
    cli_error(&a, "%s", zErr);
    rc = EXIT_USAGE;
    goto done;
  }
  pDef = feed_load(zFeed, &zErr);
  if (!pDef) { fprintf(stderr, "%s\n", zErr); rc = EXIT_BAD_INPUT; goto done; }
  arg.pDef = pDef;
  arg.iInd = -1;
  if (zInd) {
    for (int i = 0; i < pDef->nInd; i++)
      if (strcmp(pDef->aInd[i].zCode, zInd) == 0) arg.iInd = i;
    if (arg.iInd < 0) { cli_error(&a, "feed %s has no indicator %s", pDef->zCode, zInd); rc = EXIT_USAGE; goto done; }
  }
  if (zPart) {
    if (strcmp(zPart, "numerator") == 0) arg.iPart = 1;
    else if (strcmp(zPart, "rest") == 0) arg.iPart = 2;
    else { cli_error(&a, "--part must be numerator or rest"); rc = EXIT_USAGE; goto done; }
  }
  for (int i = 0; i < arg.nWhere; i++) {
    const char *zEq = strchr(arg.azWhereVal[i], '=');
    int f = -1;
    if (zEq) {
      for (int k = 0; k < pDef->nField; k++)
        if ((size_t)(zEq - arg.azWhereVal[i]) == strlen(pDef->aField[k].zCode) &&
            memcmp(pDef->aField[k].zCode, arg.azWhereVal[i], (size_t)(zEq - arg.azWhereVal[i])) == 0)
          f = k;
    }
    if (f < 0) {
      cli_error(&a, "--where takes FIELD=VALUE with a field code of feed %s", pDef->zCode);
      rc = EXIT_USAGE;
      goto done;
    }
    arg.aWhereField[i] = f;
    azSplit[i] = xstrdup(zEq + 1);
    arg.azWhereVal[i] = azSplit[i];
  }
  int64_t nPage = zPage ? atoll(zPage) : 1, nSize = zSize ? atoll(zSize) : 50;
  if (nPage < 1 || nSize < 1 || nSize > 100000) {
    cli_error(&a, "--page must be >= 1 and --page-size 1 to 100000");
    rc = EXIT_USAGE;
    goto done;
  }
  arg.iSkip = (nPage - 1) * nSize;
  arg.nTake = nSize;
  arg.bJson = zFormat && strcmp(zFormat, "json") == 0;
  if (db_open(zDb, 0, &pDb, &zErr)) { fprintf(stderr, "%s\n", zErr); rc = EXIT_INTERNAL; goto done; }
  int64_t iFrom = (int64_t)per.iYear * 12 + per.iFirstMonth - 1;
  int64_t iTo = (int64_t)per.iYear * 12 + per.iLastMonth - 1;
  if (feed_store_scan(pDb, pDef, zUnit, iFrom, iTo, feed_list_row, &arg, &zErr)) {
    fprintf(stderr, "%s\n", zErr);
    rc = EXIT_INTERNAL;
    goto done;
  }
  if (arg.bJson) {
    printf("{\"feed\": \"%s\", \"unit\": ", pDef->zCode);
    printf("\"%s\", \"period\": \"%s\", \"total\": %lld, \"page\": %lld, \"page_size\": %lld,"
           " \"records\": [%s\n]}\n", zUnit, per.zCode, (long long)arg.nMatch, (long long)nPage,
           (long long)nSize, buf_str(&arg.out));
  } else {
    for (int f = 0; f < pDef->nField; f++) printf("%s%s", f ? "," : "", pDef->aField[f].zHeader);
    printf("\n%s", buf_str(&arg.out));
    fprintf(stderr, "%lld records match; page %lld of %lld\n", (long long)arg.nMatch,
            (long long)nPage, (long long)((arg.nMatch + nSize - 1) / nSize));
  }
done:
  for (int i = 0; i < 9; i++) free(azSplit[i]);
  free(azSplit);
  buf_free(&arg.out);
  free(zErr);
  db_close(pDb);
  feed_def_free(pDef);
  cli_free(&a);
  return rc;
}

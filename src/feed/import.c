/*
** feed/import.c: `kaoping feed import` (records into the database, in batches),
** `kaoping feed batches` and `kaoping feed records` (the drill-down from an indicator to
** the records behind it), and deriving indicators from the stored records.
**
** Storage (store/schema.c, migrations "big-data feeds" and "feed records in append-only
** segment files"): every record id goes into feed_key (primary key (feed, record_id): the
** deduplication); each new record, as one CSV line in the definition's field order, into a
** block per (unit, month, batch), whose bytes are appended to this run's segment file
** DB.feed/FEED-TIME-PID-N.seg and whose feed_block row names the segment, offset, length
** and a checksum. Why blocks and not a row per record: a row per record with its columns
** and an index on (unit, period) costs SQLite three times the work per record, and the
** drill-down reads whole units and months anyway. Why segments: in SQLite the records'
** bytes were written twice (WAL, then the checkpoint), and that was a third of the import's
** time; a segment is written once. The record id index is what must be per record.
**
** Batches: every N records (--batch-rows, default 50,000) are one transaction with their
** feed_batch row, which records the byte range of the file they cover and the byte range of
** the segment they appended. The segment bytes are synced before the commit; a crash or
** kill -9 loses at most the open transaction (SQLite rolls it back) and leaves segment
** bytes no row names, which the next import cuts off (feed_seg_recover). A rerun of the same
** file (recognised by its size and the hashes of its first and last bytes) starts at the
** end of the last committed batch, and feed_key makes any overlap harmless. GBK files have
** no resumable byte offsets: a rerun reads them from the start and skips the stored ids.
**
** Memory: the reader's buffer, two batches of records in blocks (the parser's and the
** writer's; about 350 bytes a record for the hotline), the row parser: nothing grows with
** the file.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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
  int nUnit;    /* strlen(zUnit) */
  int64_t iMonth;
  int n;
  Buf text;
  int64_t iSum; /* checksum of text (feed_seg_sum), once the batch is complete */
} FeedBlock;

/* The blocks of a batch. Clearing keeps the entries' buffers (a[n..nKeep)), which the next
** batch reuses: the same few hundred buffers of some 100 KB each serve every batch, instead
** of being allocated, faulted in and freed each time. */
typedef struct FeedBlocks {
  FeedBlock *a;
  int n, nAlloc, nKeep;
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
      uint32_t h = feed_block_hash(b->zUnit, b->nUnit, b->iMonth);
      int j = (int)(h & (uint32_t)(p->nHash - 1));
      while (p->aHash[j]) j = (j + 1) & (p->nHash - 1);
      p->aHash[j] = i + 1;
    }
  }
  uint32_t h = feed_block_hash(z, n, iMonth);
  int j = (int)(h & (uint32_t)(p->nHash - 1));
  for (; p->aHash[j]; j = (j + 1) & (p->nHash - 1)) {
    FeedBlock *b = &p->a[p->aHash[j] - 1];
    if (b->iMonth == iMonth && b->nUnit == n && memcmp(b->zUnit, z, (size_t)n) == 0)
      return b;
  }
  if (p->n == p->nAlloc) {
    p->nAlloc = p->nAlloc ? p->nAlloc * 2 : 64;
    p->a = xrealloc_array(p->a, (size_t)p->nAlloc, sizeof(FeedBlock));
  }
  FeedBlock *b = &p->a[p->n];
  Buf keep = BUF_INIT;
  if (p->n < p->nKeep) { /* a buffer of an earlier batch */
    free(b->zUnit);
    keep = b->text;
    buf_reset(&keep);
  } else {
    p->nKeep++;
  }
  memset(b, 0, sizeof *b);
  b->text = keep;
  b->zUnit = xstrndup(z, (size_t)n);
  b->nUnit = n;
  b->iMonth = iMonth;
  p->aHash[j] = ++p->n;
  return b;
}

static void feed_blocks_clear(FeedBlocks *p) {
  p->n = 0;
  if (p->aHash) memset(p->aHash, 0, (size_t)p->nHash * sizeof(int));
}

/* Appends one record to a block as a CSV line (RFC 4180, LF), fields in the definition's
** order: the same bytes as feed_csv_append per field, joined by commas. This runs for every
** byte of every stored record (350 MB for a million hotline orders), so the test whether a
** field needs quotes is a table lookup per byte instead of four comparisons with an early
** exit, and a field that needs none (nearly all) is copied together with its separator. */
static void feed_block_put_record(Buf *b, const FeedSpan *aV, int nV, int bPlain) {
  static const unsigned char aSpecial[256] = {[','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1};
  if (bPlain) {
    /* a record read without any quote or CR (feed_reader_plain): no field needs quoting,
    ** so the line is the fields joined by commas, copied into space reserved at once */
    size_t n = (size_t)nV;
    for (int f = 0; f < nV; f++) n += (size_t)aV[f].n;
    if (b->nAlloc < b->n + n + 1) {
      size_t nNew = b->nAlloc ? b->nAlloc : 4096;
      while (nNew < b->n + n + 1) nNew *= 2;
      b->z = xrealloc(b->z, nNew);
      b->nAlloc = nNew;
    }
    char *z = b->z + b->n;
    for (int f = 0; f < nV; f++) {
      memcpy(z, aV[f].z, (size_t)aV[f].n);
      z += aV[f].n;
      *z++ = f + 1 < nV ? ',' : '\n';
    }
    *z = 0;
    b->n += n;
    return;
  }
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
  for (int i = 0; i < p->nKeep; i++) {
    free(p->a[i].zUnit);
    buf_free(&p->a[i].text);
  }
  free(p->a);
  free(p->aHash);
  memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------------------------------------
** Segments: the records' bytes, append-only files beside the database.
*/

/* DB.feed, the folder of the segments (malloc'd). */
static char *feed_seg_dir(Db *pDb) {
  const char *zDb = db_path(pDb);
  return xasprintf("%s.feed", zDb ? zDb : "kaoping.db");
}

/* A 64-bit checksum of a block's bytes, 8 at a time (a multiply-xorshift mix): it tells a
** damaged or foreign segment from the bytes the import wrote, at several GB/s. Not a
** cryptographic hash: the segments are as trusted as the database file. */
static int64_t feed_seg_sum(const char *z, size_t n) {
  /* four independent lanes of 8 bytes, so that the multiplications overlap */
  uint64_t h[4] = {0x9E3779B97F4A7C15ull ^ (uint64_t)n, 0xC2B2AE3D27D4EB4Full,
                   0x165667B19E3779F9ull, 0x27D4EB2F165667C5ull};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; k++) {
      uint64_t w;
      memcpy(&w, z + i + 8 * (size_t)k, 8);
      h[k] = (h[k] ^ w) * 0xFF51AFD7ED558CCDull;
      h[k] ^= h[k] >> 29;
    }
  uint64_t r = h[0] ^ (h[1] * 3) ^ (h[2] * 5) ^ (h[3] * 7);
  for (; i < n; i += 8) {
    uint64_t w = 0;
    memcpy(&w, z + i, n - i < 8 ? n - i : 8);
    r = (r ^ w) * 0xC4CEB9FE1A85EC53ull;
    r ^= r >> 32;
  }
  r = (r ^ (r >> 33)) * 0xFF51AFD7ED558CCDull;
  return (int64_t)(r ^ (r >> 33));
}

/* Every write of n bytes at iOff, retried on EINTR and short writes. 0 or -1. */
static int feed_pwrite_all(int fd, const char *z, size_t n, off_t iOff) {
  while (n > 0) {
    ssize_t k = pwrite(fd, z, n, iOff);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    z += k;
    n -= (size_t)k;
    iOff += k;
  }
  return 0;
}

/* At the start of an import: a segment whose writer is gone (its lock is free) and that is
** longer than its committed end (the largest seg_end of its batches) holds the tail of a
** batch whose transaction never committed (kill -9 or a crash between the segment's fsync
** and the commit): the tail is cut off, so a segment always ends at a committed batch. A
** segment still locked belongs to a running import and is left alone. Prints what it cut.
** 0, or -1 when a segment cannot be repaired (*pzErr). */
static int feed_seg_recover(Db *pDb, char **pzErr) {
  char *zDir = feed_seg_dir(pDb);
  DIR *pD = opendir(zDir);
  if (!pD) {
    free(zDir);
    return 0; /* no segment yet */
  }
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(pD)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 4, ".seg") != 0) continue;
    char *zPath = xasprintf("%s/%s", zDir, e->d_name);
    int fd = open(zPath, O_RDWR | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
      Stmt *s = db_prepare(pDb, "SELECT coalesce(max(seg_end), 0) FROM feed_batch WHERE seg = ?1");
      stmt_bind_text(s, 1, e->d_name);
      int64_t iEnd = stmt_step(s) == 1 ? stmt_int(s, 0) : -1;
      stmt_finalize(s);
      struct stat st;
      if (iEnd < 0 || fstat(fd, &st)) {
        *pzErr = xasprintf("%s: cannot check the segment", zPath);
        rc = -1;
      } else if (st.st_size > iEnd) {
        if (ftruncate(fd, (off_t)iEnd) || fsync(fd)) {
          *pzErr = xasprintf("%s: cannot cut its uncommitted tail: %s", zPath, strerror(errno));
          rc = -1;
        } else {
          fprintf(stderr, "kaoping feed import: %s: removed %lld bytes a killed import wrote but "
                          "never committed\n", zPath, (long long)(st.st_size - iEnd));
        }
      }
    }
    if (fd >= 0) close(fd); /* releases the lock */
    free(zPath);
  }
  closedir(pD);
  free(zDir);
  return rc;
}

/* Reads the records of one stored block: from its segment (checked against its checksum)
** or, for blocks stored before segments, from the records column. The text is in *pOut.
** The open segment is kept in *pfd and its name in *pzSeg across calls (the caller closes
** and frees them).
** 0 or -1 (*pzErr). */
static int feed_block_read(Db *pDb, Stmt *s, int iCol, int *pfd, char **pzSeg, Buf *pOut,
                           char **pzErr) {
  buf_reset(pOut);
  const char *zSeg = stmt_text(s, iCol);
  if (!zSeg) {
    buf_append(pOut, stmt_text(s, iCol - 1), (size_t)stmt_column_bytes(s, iCol - 1));
    return 0;
  }
  int64_t iOff = stmt_int(s, iCol + 1), nLen = stmt_int(s, iCol + 2), iSum = stmt_int(s, iCol + 3);
  if (!*pzSeg || strcmp(*pzSeg, zSeg) != 0) {
    if (*pfd >= 0) close(*pfd);
    free(*pzSeg);
    char *zDir = feed_seg_dir(pDb);
    char *zPath = xasprintf("%s/%s", zDir, zSeg);
    free(zDir);
    *pfd = strchr(zSeg, '/') ? -1 : open(zPath, O_RDONLY | O_CLOEXEC);
    *pzSeg = xstrdup(zSeg);
    if (*pfd < 0) {
      *pzErr = xasprintf("%s: cannot open the segment of stored records: %s", zPath, strerror(errno));
      free(zPath);
      return -1;
    }
    free(zPath);
  }
  if (iOff < 0 || nLen < 0) {
    *pzErr = xasprintf("segment %s: a stored block has a bad range", zSeg);
    return -1;
  }
  if (pOut->nAlloc < (size_t)nLen + 1) {
    pOut->z = xrealloc(pOut->z, (size_t)nLen + 1);
    pOut->nAlloc = (size_t)nLen + 1;
  }
  size_t nDone = 0;
  while (nDone < (size_t)nLen) {
    ssize_t k = pread(*pfd, pOut->z + nDone, (size_t)nLen - nDone, (off_t)(iOff + (int64_t)nDone));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    nDone += (size_t)k;
  }
  pOut->n = nDone;
  pOut->z[nDone] = 0;
  if (nDone != (size_t)nLen || feed_seg_sum(pOut->z, nDone) != iSum) {
    *pzErr = xasprintf("segment %s: the block at byte %lld (%lld bytes) is %s", zSeg,
                       (long long)iOff, (long long)nLen,
                       nDone != (size_t)nLen ? "cut short" : "damaged (its checksum differs)");
    return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------
** Import: a parser thread and a writer.
**
** The parser (a thread of its own) reads the file, parses and checks each row and encodes
** each good record as its stored CSV line; every --batch-rows rows it hands the batch (a
** FeedStage) to the writer and goes on with the next in the second stage buffer. The
** writer (the calling thread, the only one that uses the database) runs each batch as one
** transaction: the batch row, the record ids into feed_key (INSERT OR IGNORE: the
** deduplication), the rejects; the new records grouped in blocks per (unit, month) are
** appended to this run's segment and fsynced; then the blocks' rows (segment, offset,
** length, checksum) and the batch's counts, and COMMIT. So the two cores work at once, and
** the records' bytes are written once (not to the WAL and again to the database).
**
** Crash safety: a batch's bytes are on disk before the rows naming them commit. A crash
** before the commit leaves bytes past the segment's committed end, which no row names and
** the next import cuts off (feed_seg_recover). A crash after it leaves a whole batch.
*/

typedef struct FeedRec {
  size_t iId;   /* offset of the record id in the stage's ids */
  int nId;
  int iBlock;   /* the stage's block holding its line */
  size_t iOff;  /* offset of the line in that block's text */
  int nLine;
  int bDup;     /* set by the writer: the id was stored already */
} FeedRec;

typedef struct FeedRej {
  int64_t iLine;
  int iCol;
  char *zReason;
  char *zRecord; /* the record as read (CSV), or NULL when it could not be split */
} FeedRej;

typedef struct FeedStage {
  Buf ids;          /* the record ids, back to back */
  FeedBlocks blocks; /* every good record's line, by (unit, month), in file order */
  FeedRec *aRec;
  int nRec, nRecAlloc;
  FeedRej *aRej;
  int nRej, nRejAlloc;
  int64_t nRows;
  uint64_t iByteStart, iByteEnd;
  int64_t iLineStart, iLineEnd; /* physical lines before the batch, and up to its end */
  uint64_t nRead;               /* bytes of the file read by then (for the progress bar) */
  int bWritten;                 /* the parser wrote the blocks to the segment ... */
  int64_t iSegOff;              /* ... at this offset */
  int eEnd;                     /* 0 more follow; 1 the file's last; 2 the file breaks here */
  char *zMsg;                   /* eEnd 2: what broke, where */
} FeedStage;

static void feed_stage_reset(FeedStage *st) {
  buf_reset(&st->ids);
  feed_blocks_clear(&st->blocks);
  for (int i = 0; i < st->nRej; i++) {
    free(st->aRej[i].zReason);
    free(st->aRej[i].zRecord);
  }
  st->nRec = st->nRej = 0;
  st->nRows = 0;
  st->eEnd = 0;
  free(st->zMsg);
  st->zMsg = NULL;
}

static void feed_stage_free(FeedStage *st) {
  feed_stage_reset(st);
  buf_free(&st->ids);
  feed_blocks_free(&st->blocks);
  free(st->aRec);
  free(st->aRej);
  memset(st, 0, sizeof *st);
}

/* The two stages between the threads: the parser fills one while the writer stores the
** other. aFull[i]: stage i waits for the writer. bStop: the writer gave up (an error). */
typedef struct FeedPipe {
  pthread_mutex_t m;
  pthread_cond_t c;
  FeedStage aStage[2];
  int aFull[2];
  int bStop;
  /* the segment: both threads append to it; each range is reserved under the mutex (iFree,
  ** the first byte nobody wrote), so their writes never overlap */
  int fdSeg;
  int64_t iFree;
  int bNoOpt;      /* set by the writer while batches have duplicates: the parser does not
                   ** write its blocks ahead (the writer writes the rebuilt ones) */
} FeedPipe;

typedef struct FeedParse {
  FeedPipe *pPipe;
  FeedReader *r;
  FeedRowParser *pRp;
  const FeedDef *pDef;
  const char *zFile;
  int nBatchRows;
  int64_t iLineBase;     /* lines of the file before the reader's range */
  uint64_t iBatchStart;  /* the first batch's byte start */
  int64_t iBatchLine;    /* lines before it */
  uint64_t nSize;
  Buf rec;
} FeedParse;

/* The parser waits for stage i to be free. 0, or -1 when the writer stopped. */
static int feed_pipe_wait_empty(FeedPipe *q, int i) {
  pthread_mutex_lock(&q->m);
  while (q->aFull[i] && !q->bStop) pthread_cond_wait(&q->c, &q->m);
  int bStop = q->bStop;
  pthread_mutex_unlock(&q->m);
  return bStop ? -1 : 0;
}

static void feed_pipe_set(FeedPipe *q, int i, int bFull) {
  pthread_mutex_lock(&q->m);
  q->aFull[i] = bFull;
  pthread_cond_broadcast(&q->c);
  pthread_mutex_unlock(&q->m);
}

static void feed_stage_reject(FeedStage *st, int64_t iLine, int iCol, const char *zReason,
                              const char *zRecord) {
  if (st->nRej == st->nRejAlloc) {
    st->nRejAlloc = st->nRejAlloc ? st->nRejAlloc * 2 : 16;
    st->aRej = xrealloc_array(st->aRej, (size_t)st->nRejAlloc, sizeof(FeedRej));
  }
  FeedRej *j = &st->aRej[st->nRej++];
  j->iLine = iLine;
  j->iCol = iCol;
  j->zReason = xstrdup(zReason);
  j->zRecord = zRecord ? xstrdup(zRecord) : NULL;
}

static int64_t feed_blocks_bytes(const FeedBlocks *pB) {
  int64_t n = 0;
  for (int i = 0; i < pB->n; i++) n += (int64_t)pB->a[i].text.n;
  return n;
}

/* The parser writes the complete batch's blocks to the segment itself, ahead of the
** writer, on the assumption that every record is new (a first import): the writer then
** only adds the ids, syncs and commits, and the kernel has been writing the bytes out in
** the meantime. Not done while the writer says batches have duplicates (bNoOpt); a failed
** write leaves bWritten 0 and the writer writes them itself. */
static void feed_stage_write(FeedPipe *q, FeedStage *st) {
  st->bWritten = 0;
  int64_t n = feed_blocks_bytes(&st->blocks);
  if (n == 0 || q->fdSeg < 0) return;
  pthread_mutex_lock(&q->m);
  int bGo = !q->bNoOpt;
  int64_t iOff = q->iFree;
  if (bGo) q->iFree += n;
  pthread_mutex_unlock(&q->m);
  if (!bGo) return;
  int64_t iAt = iOff;
  for (int i = 0; i < st->blocks.n; i++) {
    const FeedBlock *b = &st->blocks.a[i];
    if (feed_pwrite_all(q->fdSeg, b->text.z ? b->text.z : "", b->text.n, (off_t)iAt)) return;
    iAt += (int64_t)b->text.n;
  }
  (void)sync_file_range(q->fdSeg, (off_t)iOff, (off_t)n, SYNC_FILE_RANGE_WRITE); /* a hint */
  st->iSegOff = iOff;
  st->bWritten = 1;
}

static void *feed_parse_main(void *pArg) {
  FeedParse *q = pArg;
  const FeedDef *d = q->pDef;
  FeedRowParser *rp = q->pRp;
  int iStage = 0;
  if (feed_pipe_wait_empty(q->pPipe, iStage)) return NULL;
  FeedStage *st = &q->pPipe->aStage[iStage];
  feed_stage_reset(st);
  st->iByteStart = q->iBatchStart;
  st->iLineStart = q->iBatchLine;
  for (;;) {
    const FeedSpan *aF;
    int nF;
    char *zErr = NULL;
    int rc = feed_reader_next(q->r, &aF, &nF, &zErr);
    if (rc == 0) {
      uint64_t iEnd = feed_reader_offset(q->r);
      if (feed_reader_clean_end(q->r) && iEnd != UINT64_MAX) iEnd = q->nSize; /* a final blank line */
      st->iByteEnd = iEnd;
      st->iLineEnd = q->iLineBase + feed_reader_lines_read(q->r);
      st->eEnd = 1;
      feed_stage_write(q->pPipe, st);
      feed_pipe_set(q->pPipe, iStage, 1);
      return NULL;
    }
    st->nRows++;
    if (rc < 0 && !feed_reader_clean_end(q->r)) {
      /* The file is broken from here on (it ends inside a quoted field, a record is too
      ** long, a byte is not GBK): this batch is not stored; the earlier ones are whole. */
      st->zMsg = xasprintf("%s: line %lld, column %d: %s; the records from line %lld on were "
                           "not imported", q->zFile,
                           (long long)(q->iLineBase + feed_reader_err_line(q->r)),
                           feed_reader_err_col(q->r), feed_reader_err_reason(q->r),
                           (long long)(st->iLineStart + 1));
      free(zErr);
      st->eEnd = 2;
      feed_pipe_set(q->pPipe, iStage, 1);
      return NULL;
    }
    if (rc < 0) {
      free(zErr);
      feed_stage_reject(st, q->iLineBase + feed_reader_err_line(q->r), feed_reader_err_col(q->r),
                        feed_reader_err_reason(q->r), NULL);
    } else {
      int iCol;
      char *zWhy = NULL;
      if (feed_row_parse(rp, aF, nF, &iCol, &zWhy)) {
        buf_reset(&q->rec);
        for (int i = 0; i < nF; i++) {
          if (i) buf_putc(&q->rec, ',');
          feed_csv_append(&q->rec, aF[i].z, aF[i].n);
        }
        feed_stage_reject(st, q->iLineBase + feed_reader_line(q->r), iCol, zWhy, buf_str(&q->rec));
        free(zWhy);
      } else {
        if (st->nRec == st->nRecAlloc) {
          st->nRecAlloc = st->nRecAlloc ? st->nRecAlloc * 2 : 1024;
          st->aRec = xrealloc_array(st->aRec, (size_t)st->nRecAlloc, sizeof(FeedRec));
        }
        FeedRec *pR = &st->aRec[st->nRec++];
        const FeedSpan *pId = &rp->aVal[d->iId], *pU = &rp->aVal[d->iUnit];
        int y, m;
        feed_time_month(rp->aTime[d->iPeriod], &y, &m);
        FeedBlock *b = feed_block_get(&st->blocks, pU->z, pU->n, (int64_t)y * 12 + m - 1);
        pR->iBlock = (int)(b - st->blocks.a);
        pR->iId = st->ids.n;
        pR->nId = pId->n;
        buf_append(&st->ids, pId->z, (size_t)pId->n);
        pR->iOff = b->text.n;
        feed_block_put_record(&b->text, rp->aVal, d->nField, feed_reader_plain(q->r));
        pR->nLine = (int)(b->text.n - pR->iOff);
        pR->bDup = 0;
        b->n++;
      }
    }
    if (st->nRows >= q->nBatchRows) {
      uint64_t iEnd = feed_reader_offset(q->r);
      st->iByteEnd = iEnd;
      st->iLineEnd = q->iLineBase + feed_reader_lines_read(q->r);
      st->nRead = feed_reader_bytes(q->r);
      feed_stage_write(q->pPipe, st);
      feed_pipe_set(q->pPipe, iStage, 1);
      iStage ^= 1;
      if (feed_pipe_wait_empty(q->pPipe, iStage)) return NULL;
      FeedStage *pNext = &q->pPipe->aStage[iStage];
      feed_stage_reset(pNext);
      pNext->iByteStart = iEnd;
      pNext->iLineStart = st->iLineEnd;
      st = pNext;
    }
  }
}

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
  Stmt *pKey, *pKeys, *pBlock, *pReject, *pBatchNew, *pBatchEnd;
  /* the open batch */
  int64_t iBatch;
  int64_t nRows, nAdded, nDup, nRej; /* in the batch */
  FeedBlocks blocks;
  /* this run's segment: opened with the first batch that adds records, locked (flock) while
  ** this process lives, so that no other import cuts its tail */
  int fdSeg;
  char *zSeg;             /* its name in DB.feed/ */
  int64_t iSegFree;       /* its first byte nobody wrote (across files) */
  int64_t iSegCommitted;  /* the end of its last committed batch */
  int nKillBeforeCommit;  /* test hook (KAOPING_FEED_KILL_BEFORE_COMMIT): SIGKILL after this
                          ** many segment writes, before their commit; 0 = never */
  int nSegWrites;
  int bLastDup;           /* the previous batch had duplicates: write after deduplicating */
  /* totals over the file */
  int64_t nRowsAll, nAddedAll, nDupAll, nRejAll, nBatches;
  double tStart, tLastShow;
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

static int feed_reject(FeedImport *p, const FeedRej *j) {
  stmt_bind_int(p->pReject, 1, p->iBatch);
  stmt_bind_int(p->pReject, 2, j->iLine);
  if (j->iCol > 0) stmt_bind_int(p->pReject, 3, j->iCol);
  else stmt_bind_null(p->pReject, 3);
  stmt_bind_text(p->pReject, 4, j->zReason);
  if (j->zRecord) stmt_bind_text(p->pReject, 5, j->zRecord);
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
    buf_printf(&b, ",%lld,", (long long)j->iLine);
    if (j->iCol > 0) buf_printf(&b, "%d", j->iCol);
    buf_putc(&b, ',');
    feed_csv_append(&b, j->zReason, (int)strlen(j->zReason));
    buf_putc(&b, ',');
    if (j->zRecord) feed_csv_append(&b, j->zRecord, (int)strlen(j->zRecord));
    buf_putc(&b, '\n');
    fputs(buf_str(&b), p->pRejects);
    buf_free(&b);
  }
  return 0;
}

/* Opens this run's segment (DB.feed/FEED-TIME-PID.seg, new, locked). 0 or -1. */
static int feed_seg_open(FeedImport *p) {
  char *zDir = feed_seg_dir(p->pDb);
  if (mkdir(zDir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "kaoping feed import: cannot create %s: %s\n", zDir, strerror(errno));
    free(zDir);
    return -1;
  }
  for (int k = 0; k < 100 && p->fdSeg < 0; k++) {
    free(p->zSeg);
    p->zSeg = xasprintf("%s-%lld-%d-%d.seg", p->pDef->zCode, (long long)time(NULL), (int)getpid(), k);
    char *zPath = xasprintf("%s/%s", zDir, p->zSeg);
    p->fdSeg = open(zPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (p->fdSeg < 0 && errno != EEXIST) {
      fprintf(stderr, "kaoping feed import: cannot create %s: %s\n", zPath, strerror(errno));
      free(zPath);
      break;
    }
    free(zPath);
  }
  free(zDir);
  if (p->fdSeg < 0) return -1;
  if (flock(p->fdSeg, LOCK_EX)) {
    close(p->fdSeg);
    p->fdSeg = -1;
    return -1;
  }
  p->iSegFree = p->iSegCommitted = 0;
  return 0;
}

/* The record ids of a batch into feed_key, marking each record whose id was stored before
** (or earlier in the file) as a duplicate. FEED_KEY_CHUNK ids go in one INSERT OR IGNORE
** statement, which spares the per-statement work of SQLite (a third of the cost of a
** one-row insert); when it inserts them all (a first import: always), they are all new.
** When it inserted fewer, the chunk is undone (a savepoint) and its ids inserted one by one,
** which tells which ones were there already — exactly as the one-row path would have.
** 0 or -1 (database error). */
#define FEED_KEY_CHUNK 32
static int feed_store_keys(FeedImport *p, FeedStage *st) {
  const char *z = st->ids.z, *zFeed = p->pDef->zCode;
  int i = 0;
  while (i < st->nRec) {
    int n = st->nRec - i;
    if (n >= FEED_KEY_CHUNK && !p->bLastDup) {
      if (db_exec(p->pDb, "SAVEPOINT feed_keys")) return -1;
      stmt_bind_text_static(p->pKeys, 1, zFeed, -1);
      stmt_bind_int(p->pKeys, 2, p->iBatch);
      for (int k = 0; k < FEED_KEY_CHUNK; k++)
        stmt_bind_text_static(p->pKeys, k + 3, z + st->aRec[i + k].iId, st->aRec[i + k].nId);
      if (stmt_run(p->pKeys)) return -1;
      int bAll = db_changes(p->pDb) == FEED_KEY_CHUNK;
      if (!bAll && db_exec(p->pDb, "ROLLBACK TO feed_keys")) return -1;
      if (db_exec(p->pDb, "RELEASE feed_keys")) return -1;
      if (bAll) {
        for (int k = 0; k < FEED_KEY_CHUNK; k++) st->aRec[i + k].bDup = 0;
        i += FEED_KEY_CHUNK;
        continue;
      }
      n = FEED_KEY_CHUNK; /* this chunk one by one */
    } else if (n > FEED_KEY_CHUNK) {
      n = FEED_KEY_CHUNK;
    }
    for (int k = i; k < i + n; k++) {
      FeedRec *pR = &st->aRec[k];
      stmt_bind_text_static(p->pKey, 1, zFeed, -1);
      stmt_bind_text_static(p->pKey, 2, z + pR->iId, pR->nId);
      stmt_bind_int(p->pKey, 3, p->iBatch);
      if (stmt_run(p->pKey)) return -1;
      pR->bDup = db_changes(p->pDb) == 0;
    }
    i += n;
  }
  return 0;
}

/* Writes the blocks of pB back to back at iAt of the segment. 0 or -1. */
static int feed_seg_put(FeedImport *p, const FeedBlocks *pB, int64_t iAt) {
  for (int i = 0; i < pB->n; i++) {
    const FeedBlock *b = &pB->a[i];
    if (feed_pwrite_all(p->fdSeg, b->text.z ? b->text.z : "", b->text.n, (off_t)iAt)) {
      fprintf(stderr, "kaoping feed import: cannot write the segment %s: %s\n", p->zSeg,
              strerror(errno));
      return -1;
    }
    iAt += (int64_t)b->text.n;
  }
  return 0;
}

/* Stores one parsed batch in one transaction (see above). 0, or -1 (database or segment
** error: nothing of the batch stored).
**
** The segment bytes: when every record of the batch is new and the parser wrote its blocks
** ahead (feed_stage_write), they are used where they are; otherwise the blocks are rebuilt
** without the duplicates and written here, at a range reserved after everything written so
** far. Bytes that no committed row names (a batch with duplicates written ahead, a failed
** batch) stay as a gap; the segment's tail past its last committed batch is cut when this
** run ends or, after a crash, by the next import. */
static int feed_store_stage(FeedImport *p, FeedPipe *q, FeedStage *st, const char *zKey,
                            const char *zEnc) {
  const FeedDef *d = p->pDef;
  int64_t iSegStart = 0, iOff = 0;
  if (db_begin(p->pDb)) return -1;
  char zNow[32];
  db_now(zNow);
  stmt_bind_text(p->pBatchNew, 1, d->zCode);
  stmt_bind_text(p->pBatchNew, 2, p->zFile);
  stmt_bind_text(p->pBatchNew, 3, zKey);
  stmt_bind_text(p->pBatchNew, 4, zEnc);
  stmt_bind_int(p->pBatchNew, 5, st->iByteStart == UINT64_MAX ? -1 : (int64_t)st->iByteStart);
  stmt_bind_text(p->pBatchNew, 6, zNow);
  stmt_bind_text(p->pBatchNew, 7, p->zActor);
  if (stmt_run(p->pBatchNew)) goto fail;
  p->iBatch = db_last_insert_id(p->pDb);
  p->nRows = st->nRows;
  p->nAdded = p->nDup = p->nRej = 0;
  if (feed_store_keys(p, st)) goto fail;
  for (int i = 0; i < st->nRec; i++) {
    const FeedRec *pR = &st->aRec[i];
    if (pR->bDup) {
      p->nDup++;
      continue;
    }
    p->nAdded++;
    int64_t iMonth = st->blocks.a[pR->iBlock].iMonth;
    if (iMonth < p->iMonthLo) p->iMonthLo = iMonth;
    if (iMonth > p->iMonthHi) p->iMonthHi = iMonth;
  }
  for (int i = 0; i < st->nRej; i++)
    if (feed_reject(p, &st->aRej[i])) goto fail;
  /* The blocks to store: the parser's as they are when every record is new, else rebuilt
  ** without the duplicates. */
  FeedBlocks *pB = &st->blocks;
  if (p->nDup > 0) {
    pB = &p->blocks;
    for (int i = 0; i < st->nRec; i++) {
      const FeedRec *pR = &st->aRec[i];
      if (pR->bDup) continue;
      const FeedBlock *s0 = &st->blocks.a[pR->iBlock];
      FeedBlock *b = feed_block_get(pB, s0->zUnit, s0->nUnit, s0->iMonth);
      buf_append(&b->text, s0->text.z + pR->iOff, (size_t)pR->nLine);
      b->n++;
    }
  }
  /* the checksums, on the writer's core: the parser's is the busier one (perf: about 60/40
  ** with them here, 65/35 with them there) */
  for (int i = 0; p->nAdded > 0 && i < pB->n; i++)
    pB->a[i].iSum = feed_seg_sum(pB->a[i].text.z ? pB->a[i].text.z : "", pB->a[i].text.n);
  p->bLastDup = p->nDup > 0;
  pthread_mutex_lock(&q->m);
  q->bNoOpt = p->bLastDup; /* duplicates: the parser stops writing ahead, until a clean batch */
  pthread_mutex_unlock(&q->m);
  if (p->nAdded > 0) {
    if (pB == &st->blocks && st->bWritten) {
      iSegStart = st->iSegOff;
    } else {
      int64_t n = feed_blocks_bytes(pB);
      pthread_mutex_lock(&q->m);
      iSegStart = q->iFree;
      q->iFree += n;
      pthread_mutex_unlock(&q->m);
      if (feed_seg_put(p, pB, iSegStart)) goto fail;
    }
    iOff = iSegStart;
    /* the bytes reach the disk before the rows that name them commit */
    if (fdatasync(p->fdSeg)) {
      fprintf(stderr, "kaoping feed import: cannot sync the segment %s: %s\n", p->zSeg,
              strerror(errno));
      goto fail;
    }
    if (p->nKillBeforeCommit > 0 && ++p->nSegWrites >= p->nKillBeforeCommit) raise(SIGKILL);
    for (int i = 0; i < pB->n; i++) {
      FeedBlock *b = &pB->a[i];
      stmt_bind_text(p->pBlock, 1, d->zCode);
      stmt_bind_text(p->pBlock, 2, b->zUnit);
      stmt_bind_int(p->pBlock, 3, b->iMonth);
      stmt_bind_int(p->pBlock, 4, p->iBatch);
      stmt_bind_int(p->pBlock, 5, b->n);
      stmt_bind_text(p->pBlock, 6, p->zSeg);
      stmt_bind_int(p->pBlock, 7, iOff);
      stmt_bind_int(p->pBlock, 8, (int64_t)b->text.n);
      stmt_bind_int(p->pBlock, 9, b->iSum);
      if (stmt_run(p->pBlock)) goto fail;
      iOff += (int64_t)b->text.n;
    }
  }
  feed_blocks_clear(&p->blocks);
  stmt_bind_int(p->pBatchEnd, 1, st->iByteEnd == UINT64_MAX ? -1 : (int64_t)st->iByteEnd);
  stmt_bind_int(p->pBatchEnd, 2, st->iLineEnd);
  stmt_bind_int(p->pBatchEnd, 3, p->nRows);
  stmt_bind_int(p->pBatchEnd, 4, p->nAdded);
  stmt_bind_int(p->pBatchEnd, 5, p->nDup);
  stmt_bind_int(p->pBatchEnd, 6, p->nRej);
  if (iOff > iSegStart) {
    stmt_bind_text(p->pBatchEnd, 7, p->zSeg);
    stmt_bind_int(p->pBatchEnd, 8, iSegStart);
    stmt_bind_int(p->pBatchEnd, 9, iOff);
  } else {
    stmt_bind_null(p->pBatchEnd, 7);
    stmt_bind_null(p->pBatchEnd, 8);
    stmt_bind_null(p->pBatchEnd, 9);
  }
  stmt_bind_int(p->pBatchEnd, 10, p->iBatch);
  if (stmt_run(p->pBatchEnd)) goto fail;
  if (db_commit(p->pDb)) goto fail_committing;
  if (iOff > p->iSegCommitted) p->iSegCommitted = iOff;
  p->iLastBatch = p->iBatch;
  p->nRowsAll += p->nRows;
  p->nAddedAll += p->nAdded;
  p->nDupAll += p->nDup;
  p->nRejAll += p->nRej;
  p->nBatches++;
  p->nRows = p->nAdded = p->nDup = p->nRej = 0;
  return 0;
fail:
  db_rollback(p->pDb);
fail_committing:
  feed_blocks_clear(&p->blocks);
  p->nRows = p->nAdded = p->nDup = p->nRej = 0;
  return -1; /* what this batch wrote is a gap or the tail: no row names it */
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

/* Imports one file. Returns 0, 1 (the file cannot be read, or breaks off: nothing of the
** broken batch stored) or -1 (database error). */
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
  if (p->fdSeg < 0 && feed_seg_open(p)) {
    feed_reader_close(r);
    feed_row_parser_free(&rp);
    return -1;
  }
  FeedPipe pipe;
  memset(&pipe, 0, sizeof pipe);
  pthread_mutex_init(&pipe.m, NULL);
  pthread_cond_init(&pipe.c, NULL);
  pipe.fdSeg = p->fdSeg;
  pipe.iFree = p->iSegFree;
  pipe.bNoOpt = p->bLastDup;
  FeedParse q;
  memset(&q, 0, sizeof q);
  q.pPipe = &pipe;
  q.r = r;
  q.pRp = &rp;
  q.pDef = p->pDef;
  q.zFile = p->zFile;
  q.nBatchRows = p->nBatchRows;
  q.iLineBase = iLineBase;
  q.iBatchStart = iStart;
  q.iBatchLine = iLineBase + (iStart == iHeaderEnd ? 1 : 0); /* lines before the first batch */
  q.nSize = nSize;
  int rcOut = 0;
  pthread_t th;
  int bThread = pthread_create(&th, NULL, feed_parse_main, &q) == 0;
  if (!bThread) {
    fprintf(stderr, "kaoping feed import: cannot start the parser thread\n");
    rcOut = -1;
  }
  for (int iStage = 0; bThread;) {
    pthread_mutex_lock(&pipe.m);
    while (!pipe.aFull[iStage]) pthread_cond_wait(&pipe.c, &pipe.m);
    pthread_mutex_unlock(&pipe.m);
    FeedStage *st = &pipe.aStage[iStage];
    int eEnd = st->eEnd;
    if (eEnd == 2) {
      fprintf(stderr, "%s\n", st->zMsg);
      rcOut = 1;
    } else if (st->nRows > 0 && feed_store_stage(p, &pipe, st, zKey, zEnc)) {
      fprintf(stderr, "kaoping feed import: database error: %s\n", db_errmsg(p->pDb));
      rcOut = -1;
    } else if (st->nRows > 0) {
      feed_progress(p, st->iByteEnd == UINT64_MAX ? st->nRead : st->iByteEnd, 0);
    }
    if (eEnd != 0 || rcOut != 0) {
      pthread_mutex_lock(&pipe.m);
      pipe.bStop = 1; /* the parser, if still running, stops at its next hand-over */
      pthread_cond_broadcast(&pipe.c);
      pthread_mutex_unlock(&pipe.m);
      break;
    }
    feed_pipe_set(&pipe, iStage, 0);
    iStage ^= 1;
  }
  if (bThread) pthread_join(th, NULL);
  p->iSegFree = pipe.iFree;
  feed_stage_free(&pipe.aStage[0]);
  feed_stage_free(&pipe.aStage[1]);
  buf_free(&q.rec);
  pthread_cond_destroy(&pipe.c);
  pthread_mutex_destroy(&pipe.m);
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
  im.fdSeg = -1;
  const char *zKill = getenv("KAOPING_FEED_KILL_BEFORE_COMMIT");
  im.nKillBeforeCommit = zKill ? atoi(zKill) : 0;
  if (feed_seg_recover(pDb, &zErr)) {
    fprintf(stderr, "kaoping feed import: %s\n", zErr);
    rc = EXIT_INTERNAL;
    goto done;
  }
  im.pKey = db_prepare(pDb, "INSERT OR IGNORE INTO feed_key(feed, record_id, batch) VALUES (?1, ?2, ?3)");
  /* FEED_KEY_CHUNK ids at once: ?1 the feed, ?2 the batch, ?3.. the ids */
  im.pKeys = db_prepare(pDb, "INSERT OR IGNORE INTO feed_key(feed, record_id, batch) VALUES "
    "(?1, ?3, ?2), " "(?1, ?4, ?2), " "(?1, ?5, ?2), " "(?1, ?6, ?2), "
    "(?1, ?7, ?2), " "(?1, ?8, ?2), " "(?1, ?9, ?2), " "(?1, ?10, ?2), "
    "(?1, ?11, ?2), " "(?1, ?12, ?2), " "(?1, ?13, ?2), " "(?1, ?14, ?2), "
    "(?1, ?15, ?2), " "(?1, ?16, ?2), " "(?1, ?17, ?2), " "(?1, ?18, ?2), "
    "(?1, ?19, ?2), " "(?1, ?20, ?2), " "(?1, ?21, ?2), " "(?1, ?22, ?2), "
    "(?1, ?23, ?2), " "(?1, ?24, ?2), " "(?1, ?25, ?2), " "(?1, ?26, ?2), "
    "(?1, ?27, ?2), " "(?1, ?28, ?2), " "(?1, ?29, ?2), " "(?1, ?30, ?2), "
    "(?1, ?31, ?2), " "(?1, ?32, ?2), " "(?1, ?33, ?2), " "(?1, ?34, ?2)");
  im.pBlock = db_prepare(pDb, "INSERT INTO feed_block(feed, unit, month, batch, n, records, seg,"
                              " seg_off, seg_len, seg_sum)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, ?7, ?8, ?9)");
  im.pReject = db_prepare(pDb, "INSERT INTO feed_reject(batch, line, col, reason, record)"
                               " VALUES (?1, ?2, ?3, ?4, ?5)");
  im.pBatchNew = db_prepare(pDb, "INSERT INTO feed_batch(feed, file_name, file_key, encoding,"
                                 " byte_start, byte_end, line_end, rows, added, duplicates, rejected,"
                                 " imported_at, imported_by)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?5, 0, 0, 0, 0, 0, ?6, ?7)");
  im.pBatchEnd = db_prepare(pDb, "UPDATE feed_batch SET byte_end = ?1, line_end = ?2, rows = ?3,"
                                 " added = ?4, duplicates = ?5, rejected = ?6, seg = ?7,"
                                 " seg_start = ?8, seg_end = ?9 WHERE id = ?10");
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
  if (im.fdSeg >= 0) {
    /* bytes past the last committed batch (written ahead for batches that turned out to
    ** hold duplicates, or that failed) go now; a segment nothing was committed to goes
    ** whole. Still under this run's lock. */
    char *zDir = feed_seg_dir(pDb);
    char *zPath = xasprintf("%s/%s", zDir, im.zSeg);
    if (im.iSegCommitted == 0) unlink(zPath);
    else if (im.iSegFree > im.iSegCommitted && ftruncate(im.fdSeg, (off_t)im.iSegCommitted))
      fprintf(stderr, "kaoping feed import: %s: cannot cut its unused tail (the next import "
                      "will): %s\n", zPath, strerror(errno));
    free(zPath);
    free(zDir);
    close(im.fdSeg); /* releases its lock */
  }
  free(im.zSeg);
  buf_free(&im.keys);
  stmt_finalize(im.pKey);
  stmt_finalize(im.pKeys);
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
int feed_store_scan(Db *pDb, const FeedDef *d, const char *zUnit, int64_t iFrom, int64_t iTo,
                    FeedRowFn xRow, void *pArg, char **pzErr) {
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
    s = db_prepare(pDb, "SELECT unit, month, records, seg, seg_off, seg_len, seg_sum FROM feed_block"
                        " WHERE feed = ?1 AND unit = ?2"
                        " AND month BETWEEN ?3 AND ?4 ORDER BY unit, month, id");
    stmt_bind_text(s, 2, zUnit);
  } else {
    s = db_prepare(pDb, "SELECT unit, month, records, seg, seg_off, seg_len, seg_sum FROM feed_block"
                        " WHERE feed = ?1"
                        " AND month BETWEEN ?3 AND ?4 ORDER BY unit, month, id");
  }
  stmt_bind_text(s, 1, d->zCode);
  stmt_bind_int(s, 3, iFrom);
  stmt_bind_int(s, 4, iTo);
  int bStop = 0, fdSeg = -1;
  char *zSeg = NULL;
  Buf text = BUF_INIT;
  while (rc == 0 && !bStop && stmt_step(s) == 1) {
    if (feed_block_read(pDb, s, 3, &fdSeg, &zSeg, &text, pzErr)) {
      rc = -1;
      break;
    }
    FeedReader *r = feed_reader_open_mem("stored block", text.z ? text.z : "", text.n);
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
  if (fdSeg >= 0) close(fdSeg);
  free(zSeg);
  buf_free(&text);
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

/*
** http/api_feed.c: the web side of big-data feeds (docs/feeds.md, "Web") and of the
** cross-checks (docs/crosscheck.md): upload a feed file and follow its import, the import
** batches, the rejected rows, the drill-down from an indicator to its records (JSON and
** CSV), and the 数据存疑 flags of a period.
**
** The upload route is a ROUTE_STREAM row: server.c checks the session, the capability and
** the CSRF token as soon as the headers are in, refuses a Content-Length above the
** upload_max_mb setting, and writes the body to a spool file (DB.files/tmp) as it arrives,
** so a file of any size costs the server one network chunk of memory. The handler moves
** the finished spool into DB.feeds/ (rename: the same file system, no copy).
**
** Why the import runs in a child process: the handler runs on one of a few pool threads.
** An import of a million rows takes a minute; holding a pool thread that long would starve
** every other user. So the upload handler only moves the file into the folder DB.feeds/
** beside the database (an XLSX file is converted to CSV there first), starts `kaoping feed import`
** on it (posix_spawn of this same executable: the same code path, transactions and resume
** as on the command line) and answers 202 with a job id at once. The progress route reads
** what the import has committed (feed_batch rows of that file: byte_end, rows, rejects),
** so it needs no channel to the child; the child's exit status is collected by a small
** thread per job. Jobs live in this process's memory: after a restart the batches and
** rejects remain (they are in the database), the job ids do not.
*/
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "evidence.h"
#include "crosscheck.h"
#include "feed/def.h"
#include "feed/derive.h"
#include "feed/reader.h"
#include "feed/xlsx_csv.h"
#include "http/http.h"
#include "period.h"
#include "store/db.h"
#include "util/mem.h"

extern char **environ;

/* ---- upload jobs -------------------------------------------------------------------- */

typedef struct FeedJob {
  int id;
  char *zFeed, *zName, *zPath, *zLog, *zUser;
  uint64_t nBytes;
  double tStart, tEnd;
  pid_t pid;
  int eState; /* 0 running, 1 done, 2 failed */
  int iExit;
} FeedJob;

static pthread_mutex_t feedJobMutex = PTHREAD_MUTEX_INITIALIZER;
static FeedJob *aFeedJob;
static int nFeedJob;
static int nFeedSeq; /* uploads saved by this process: makes each saved name unique */

static double feedweb_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for one child and records how it ended. */
static void *feedweb_waiter(void *pArg) {
  int id = (int)(intptr_t)pArg;
  pthread_mutex_lock(&feedJobMutex);
  pid_t pid = aFeedJob[id - 1].pid;
  pthread_mutex_unlock(&feedJobMutex);
  int st = 0;
  pid_t w;
  do w = waitpid(pid, &st, 0); while (w < 0 && errno == EINTR);
  pthread_mutex_lock(&feedJobMutex);
  FeedJob *j = &aFeedJob[id - 1];
  j->tEnd = feedweb_now();
  j->iExit = w == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  j->eState = j->iExit == 0 ? 1 : 2;
  pthread_mutex_unlock(&feedJobMutex);
  return NULL;
}

/* A plain file name: no path, no control characters, not hidden, at most 128 bytes. */
static int feedweb_name_ok(const char *z) {
  size_t n = strlen(z);
  if (n == 0 || n > 128 || z[0] == '.') return 0;
  for (; *z; z++)
    if ((unsigned char)*z < 0x20 || *z == 0x7f || *z == '/' || *z == '\\') return 0;
  return 1;
}

static int feedweb_ends_with(const char *z, const char *zSuffix) {
  size_t n = strlen(z), m = strlen(zSuffix);
  return n >= m && strcasecmp(z + n - m, zSuffix) == 0;
}

static int feedweb_write(const char *zPath, const char *z, size_t n) {
  int fd = open(zPath, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return -1;
  size_t nDone = 0;
  while (nDone < n) {
    ssize_t k = write(fd, z + nDone, n - nDone);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) { close(fd); return -1; }
    nDone += (size_t)k;
  }
  return close(fd);
}

/* The body into zPath (mode 0600, never over an existing file): the server's spool is
** flushed (fsync) and moved there; without one (kaoping http) the body in memory is written.
** 0 or -1 (the server removes a spool that was not moved when the request ends). */
static int feedweb_save(HttpReq *r, const char *zPath) {
  EvSpool *s = r->pSpool;
  if (!s) return feedweb_write(zPath, r->zBody, r->nBody);
  if (ev_spool_finish(s) || !s->zPath) return -1;
  /* link + unlink rather than rename: link refuses to replace an existing file (O_EXCL) */
  if (link(s->zPath, zPath)) return -1;
  unlink(s->zPath);
  free(s->zPath);
  s->zPath = NULL; /* moved: nothing for the server to remove */
  return 0;
}

int api_feed_upload(HttpReq *r) {
  const char *zFeed = http_arg(r, "feed");
  FeedDef *d = feed_def_builtin(zFeed); /* never a path: the web names built-in feeds only */
  if (!d) return http_fail(r, KP_E_NO_SUCH, "feed", "no built-in feed \"%s\" (there is: hotline)", zFeed);
  feed_def_free(d);
  const char *zName = http_query(r, "filename");
  if (!zName) return http_fail(r, KP_E_MISSING, "filename", "?filename=NAME is required");
  int bXlsx = feedweb_ends_with(zName, ".xlsx");
  if (!feedweb_name_ok(zName) || (!bXlsx && !feedweb_ends_with(zName, ".csv")))
    return http_fail(r, KP_E_INVALID, "filename", "filename must be a plain file name ending "
                                                  "in .csv or .xlsx (no path, at most 128 bytes)");
  const char *zType = http_header(r, "Content-Type");
  if (zType && strncasecmp(zType, "text/csv", 8) != 0 &&
      strncasecmp(zType, "application/octet-stream", 24) != 0 &&
      strncasecmp(zType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 65) != 0)
    return http_fail(r, KP_E_MEDIA_TYPE, NULL, "the body must be the file itself: text/csv, "
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or "
                     "application/octet-stream");
  if (r->nBody == 0) return http_fail(r, KP_E_MISSING, NULL, "the body must be the file itself");
  uint64_t nMax = (uint64_t)auth_setting(r->pDb, "upload_max_mb") << 20;
  if (!r->pSpool && r->nBody > nMax) /* kaoping http (the server refused it before reading) */
    return http_fail(r, KP_E_TOO_LARGE, NULL, "the file is larger than upload_max_mb (%llu bytes)",
                     (unsigned long long)nMax);
  const char *zDb = db_path(r->pDb);
  char *zDir = xasprintf("%s.feeds", zDb);
  if (mkdir(zDir, 0700) != 0 && errno != EEXIST) {
    free(zDir);
    return http_fail(r, KP_E_UNAVAILABLE, NULL, "the upload folder cannot be created");
  }
  pthread_mutex_lock(&feedJobMutex);
  int iSeq = ++nFeedSeq;
  pthread_mutex_unlock(&feedJobMutex);
  /* the saved name carries the time and this process's sequence number, so a restart does
  ** not reuse one (and O_EXCL refuses to overwrite); the original name follows */
  char *zPath = xasprintf("%s/%lld-%d-%s", zDir, (long long)time(NULL), iSeq, zName);
  free(zDir);
  char *zCsv = NULL;
  if (feedweb_save(r, zPath)) {
    free(zPath);
    return http_fail(r, KP_E_UNAVAILABLE, NULL, "the file cannot be saved");
  }
  if (bXlsx) {
    char *zErr = NULL;
    zCsv = xasprintf("%s.csv", zPath);
    if (feed_xlsx_to_csv(zPath, zName, zCsv, &zErr)) {
      json_t *x = json_pack("{s:s}", "file", zName);
      http_fail_extra(r, KP_E_INVALID, NULL, x, "%s", zErr);
      json_decref(x);
      free(zErr);
      unlink(zPath);
      free(zPath);
      free(zCsv);
      return -1;
    }
  }
  const char *zImport = zCsv ? zCsv : zPath;
  struct stat stt;
  uint64_t nBytes = stat(zImport, &stt) == 0 ? (uint64_t)stt.st_size : r->nBody;
  char *zLog = xasprintf("%s.log", zImport);
  char *zRejects = xasprintf("%s.rejects.csv", zImport);
  char *argv[] = {"kaoping", "feed", "import", (char *)zFeed, (char *)zImport, "--db",
                  (char *)zDb, "--batch-rows", "5000", "--rejects", zRejects, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, zLog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid;
  int e = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  free(zRejects);
  if (e != 0) {
    free(zLog);
    free(zPath);
    free(zCsv);
    return http_fail(r, KP_E_UNAVAILABLE, NULL, "the import could not be started");
  }
  pthread_mutex_lock(&feedJobMutex);
  aFeedJob = xrealloc_array(aFeedJob, (size_t)nFeedJob + 1, sizeof(FeedJob));
  int id = ++nFeedJob;
  FeedJob *j = &aFeedJob[id - 1];
  memset(j, 0, sizeof *j);
  j->id = id;
  j->zFeed = xstrdup(zFeed);
  j->zName = xstrdup(zName);
  j->zPath = xstrdup(zImport);
  j->zLog = zLog;
  j->zUser = xstrdup(r->user.zName);
  j->nBytes = nBytes;
  j->tStart = feedweb_now();
  j->pid = pid;
  pthread_mutex_unlock(&feedJobMutex);
  free(zPath);
  free(zCsv);
  pthread_t th;
  if (pthread_create(&th, NULL, feedweb_waiter, (void *)(intptr_t)id) == 0) pthread_detach(th);
  json_t *det = json_pack("{s:s,s:s,s:I}", "feed", zFeed, "file", zName, "bytes", (json_int_t)nBytes);
  audit_record(r->pDb, r->user.zName, r->zPeer, "feed.upload", zFeed, "ok", det);
  json_decref(det);
  char zUrl[64];
  snprintf(zUrl, sizeof zUrl, "/api/feeds/uploads/%d", id);
  http_json(r, 202, json_pack("{s:i,s:s,s:s,s:I,s:s,s:s}", "id", id, "feed", zFeed, "file", zName,
                              "bytes", (json_int_t)nBytes, "state", "running", "progress", zUrl));
  return 0;
}

int api_feed_progress(HttpReq *r) {
  const char *zId = http_arg(r, "id");
  char *zEnd;
  long id = strtol(zId, &zEnd, 10);
  pthread_mutex_lock(&feedJobMutex);
  if (*zEnd || id < 1 || id > nFeedJob) {
    pthread_mutex_unlock(&feedJobMutex);
    return http_fail(r, KP_E_NO_SUCH, "id", "no upload %s in this server's run", zId);
  }
  FeedJob j = aFeedJob[id - 1]; /* strings stay valid: jobs are never freed */
  pthread_mutex_unlock(&feedJobMutex);
  Stmt *s = db_prepare(r->pDb, "SELECT coalesce(max(byte_end), 0), coalesce(sum(rows), 0),"
                               " coalesce(sum(added), 0), coalesce(sum(duplicates), 0),"
                               " coalesce(sum(rejected), 0), count(*) FROM feed_batch"
                               " WHERE feed = ?1 AND file_name = ?2");
  stmt_bind_text(s, 1, j.zFeed);
  stmt_bind_text(s, 2, j.zPath);
  int64_t nDone = 0, nRows = 0, nAdded = 0, nDup = 0, nRej = 0, nBatch = 0;
  if (stmt_step(s) == 1) {
    nDone = stmt_int(s, 0);
    nRows = stmt_int(s, 1);
    nAdded = stmt_int(s, 2);
    nDup = stmt_int(s, 3);
    nRej = stmt_int(s, 4);
    nBatch = stmt_int(s, 5);
  }
  stmt_finalize(s);
  if (nDone < 0) nDone = 0;
  if (j.eState == 1 || (uint64_t)nDone > j.nBytes) nDone = (int64_t)j.nBytes;
  double tNow = j.eState ? j.tEnd : feedweb_now();
  double el = tNow - j.tStart;
  double mbs = el > 0 ? (double)nDone / 1e6 / el : 0;
  double eta = j.eState ? 0 : (mbs > 0 ? (double)(j.nBytes - (uint64_t)nDone) / 1e6 / mbs : -1);
  const char *azState[] = {"running", "done", "failed"};
  json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:i}",
                        "id", j.id, "feed", j.zFeed, "file", j.zName, "state",
                        azState[j.eState], "bytes", (json_int_t)j.nBytes, "bytes_done",
                        (json_int_t)nDone, "rows", (json_int_t)nRows, "added",
                        (json_int_t)nAdded, "duplicates", (json_int_t)nDup, "rejected",
                        (json_int_t)nRej, "batches", (json_int_t)nBatch, "elapsed_s",
                        round(el * 10) / 10, "mb_per_s", round(mbs * 100) / 100, "percent",
                        j.nBytes ? floor(1000.0 * (double)nDone / (double)j.nBytes) / 10 : 100.0,
                        "exit", j.iExit);
  json_object_set_new(o, "eta_s", eta < 0 ? json_null() : json_real(round(eta)));
  if (j.eState == 2) {
    /* the import's own message (file, line, reason): the last line of its output */
    char *zText = NULL;
    FILE *f = fopen(j.zLog, "rb");
    if (f) {
      Buf b = BUF_INIT;
      char zChunk[4096];
      size_t k;
      while ((k = fread(zChunk, 1, sizeof zChunk, f)) > 0) buf_append(&b, zChunk, k);
      fclose(f);
      zText = xstrdup(buf_str(&b));
      buf_free(&b);
    }
    json_object_set_new(o, "message", json_string(zText && zText[0] ? zText : "the import failed"));
    free(zText);
  }
  http_json(r, 200, o);
  return 0;
}

/* ---- batches and rejects ----------------------------------------------------------- */

static int feedweb_int(HttpReq *r, const char *zName, int64_t lo, int64_t hi, int64_t dflt,
                       int64_t *p) {
  const char *z = http_query(r, zName);
  *p = dflt;
  if (!z) return 0;
  char *zEnd;
  long long v = strtoll(z, &zEnd, 10);
  if (!*z || *zEnd || v < lo || v > hi)
    return http_fail(r, KP_E_INVALID, zName, "%s must be an integer from %lld to %lld", zName,
                     (long long)lo, (long long)hi);
  *p = v;
  return 0;
}

static const char *feedweb_base(const char *z) {
  const char *p = strrchr(z, '/');
  return p ? p + 1 : z;
}

int api_feed_batches(HttpReq *r) {
  int64_t nPage, nSize;
  if (feedweb_int(r, "page", 1, 1000000, 1, &nPage) ||
      feedweb_int(r, "page_size", 1, 500, 50, &nSize))
    return -1;
  const char *zFeed = http_query(r, "feed");
  Stmt *s = db_prepare(r->pDb, "SELECT count(*) FROM feed_batch WHERE ?1 IS NULL OR feed = ?1");
  stmt_bind_text(s, 1, zFeed);
  int64_t nTotal = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  s = db_prepare(r->pDb, "SELECT id, feed, file_name, encoding, rows, added, duplicates, rejected,"
                         " line_end, imported_at, imported_by FROM feed_batch"
                         " WHERE ?1 IS NULL OR feed = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3");
  stmt_bind_text(s, 1, zFeed);
  stmt_bind_int(s, 2, nSize);
  stmt_bind_int(s, 3, (nPage - 1) * nSize);
  json_t *a = json_array();
  while (stmt_step(s) == 1) {
    /* a batch whose counts are all zero with line_end 0 is still open (being written) */
    json_array_append_new(
        a, json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "id",
                     (json_int_t)stmt_int(s, 0), "feed", stmt_text(s, 1), "file",
                     feedweb_base(stmt_text(s, 2)), "encoding", stmt_text(s, 3), "rows",
                     (json_int_t)stmt_int(s, 4), "added", (json_int_t)stmt_int(s, 5),
                     "duplicates", (json_int_t)stmt_int(s, 6), "rejected",
                     (json_int_t)stmt_int(s, 7), "line_end", (json_int_t)stmt_int(s, 8),
                     "imported_at", stmt_text(s, 9), "imported_by", stmt_text(s, 10)));
  }
  stmt_finalize(s);
  http_json(r, 200, json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)nTotal, "page",
                              (json_int_t)nPage, "page_size", (json_int_t)nSize, "batches", a));
  return 0;
}

int api_feed_rejects(HttpReq *r) {
  int64_t nPage, nSize, iBatch;
  if (feedweb_int(r, "page", 1, 1000000, 1, &nPage) ||
      feedweb_int(r, "page_size", 1, 500, 50, &nSize) ||
      feedweb_int(r, "batch", 1, INT64_MAX, 0, &iBatch))
    return -1;
  const char *zFeed = http_query(r, "feed");
  Stmt *s = db_prepare(r->pDb, "SELECT count(*) FROM feed_reject j JOIN feed_batch b ON b.id = j.batch"
                               " WHERE (?1 IS NULL OR b.feed = ?1) AND (?2 = 0 OR j.batch = ?2)");
  stmt_bind_text(s, 1, zFeed);
  stmt_bind_int(s, 2, iBatch);
  int64_t nTotal = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  s = db_prepare(r->pDb, "SELECT j.batch, b.feed, b.file_name, j.line, j.col, j.reason, j.record"
                         " FROM feed_reject j JOIN feed_batch b ON b.id = j.batch"
                         " WHERE (?1 IS NULL OR b.feed = ?1) AND (?2 = 0 OR j.batch = ?2)"
                         " ORDER BY j.id LIMIT ?3 OFFSET ?4");
  stmt_bind_text(s, 1, zFeed);
  stmt_bind_int(s, 2, iBatch);
  stmt_bind_int(s, 3, nSize);
  stmt_bind_int(s, 4, (nPage - 1) * nSize);
  json_t *a = json_array();
  while (stmt_step(s) == 1) {
    json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:s}", "batch", (json_int_t)stmt_int(s, 0), "feed",
                          stmt_text(s, 1), "file", feedweb_base(stmt_text(s, 2)), "line",
                          (json_int_t)stmt_int(s, 3), "reason", stmt_text(s, 5));
    json_object_set_new(o, "column", stmt_is_null(s, 4) ? json_null() : json_integer(stmt_int(s, 4)));
    json_object_set_new(o, "record", stmt_is_null(s, 6) ? json_null() : json_string(stmt_text(s, 6)));
    json_array_append_new(a, o);
  }
  stmt_finalize(s);
  http_json(r, 200, json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)nTotal, "page",
                              (json_int_t)nPage, "page_size", (json_int_t)nSize, "rejects", a));
  return 0;
}

/* ---- the drill-down ---------------------------------------------------------------- */

typedef struct FeedWebList {
  const FeedDef *pDef;
  int iInd, iPart, iWhere;
  const char *zWhere;
  int64_t iSkip, nTake, nMatch;
  int bCsv;
  json_t *aRec;
  Buf *pCsv;
  Buf cell;
} FeedWebList;

static void feedweb_row(FeedWebList *p, const FeedRowParser *pRp, const FeedSpan *aF, int nF) {
  if (p->iInd >= 0 && !feed_row_in_indicator(pRp, p->iInd, p->iPart)) return;
  if (p->iWhere >= 0) {
    const FeedSpan *v = &pRp->aVal[p->iWhere];
    if ((int)strlen(p->zWhere) != v->n || memcmp(v->z, p->zWhere, (size_t)v->n)) return;
  }
  int64_t k = p->nMatch++;
  if (k < p->iSkip || k >= p->iSkip + p->nTake) return;
  json_t *o = p->bCsv ? NULL : json_object();
  for (int f = 0; f < nF && f < p->pDef->nField; f++) {
    buf_reset(&p->cell);
    buf_append(&p->cell, aF[f].z, (size_t)aF[f].n);
    if (p->bCsv) {
      if (f) buf_putc(p->pCsv, ',');
      audit_csv_cell(p->pCsv, buf_str(&p->cell));
    } else {
      json_object_set_new(o, p->pDef->aField[f].zCode, json_string(buf_str(&p->cell)));
    }
  }
  if (p->bCsv) buf_puts(p->pCsv, "\r\n");
  else json_array_append_new(p->aRec, o);
}

static int feedweb_scan_row(void *pArg, const FeedRowParser *pRp, const FeedSpan *aF, int nF) {
  feedweb_row(pArg, pRp, aF, nF);
  return 0;
}

/* The stored records of a unit and months [iFrom, iTo] (as `feed records` reads them). */
static int feedweb_scan(Db *pDb, const FeedDef *d, const char *zUnit, int64_t iFrom,
                        int64_t iTo, FeedWebList *pList, char **pzErr) {
  return feed_store_scan(pDb, d, zUnit, iFrom, iTo, feedweb_scan_row, pList, pzErr);
}

/* GET /api/feeds/{feed}/records and records.csv: the same filters; CSV has every match. */
int api_feed_records(HttpReq *r) {
  int bCsv = feedweb_ends_with(r->zPath, ".csv");
  const char *zFeed = http_arg(r, "feed");
  const char *zUnit = http_query(r, "unit");
  const char *zPeriod = http_query(r, "period");
  const char *zInd = http_query(r, "indicator");
  const char *zPart = http_query(r, "part");
  const char *zWhere = http_query(r, "where");
  int64_t nPage, nSize;
  if (feedweb_int(r, "page", 1, 1000000, 1, &nPage) ||
      feedweb_int(r, "page_size", 1, 500, 50, &nSize))
    return -1;
  if (!zUnit) return http_fail(r, KP_E_MISSING, "unit", "?unit=CODE is required");
  if (!zPeriod) return http_fail(r, KP_E_MISSING, "period", "?period=CODE is required");
  Period per;
  char *zErr = NULL;
  if (period_parse(zPeriod, &per, &zErr)) {
    http_fail(r, KP_E_INVALID, "period", "%s", zErr);
    free(zErr);
    return -1;
  }
  FeedDef *d = feed_def_builtin(zFeed);
  if (!d) return http_fail(r, KP_E_NO_SUCH, "feed", "no built-in feed \"%s\" (there is: hotline)", zFeed);
  FeedWebList L;
  memset(&L, 0, sizeof L);
  L.pDef = d;
  L.iInd = L.iWhere = -1;
  L.bCsv = bCsv;
  int rc = 0;
  if (zInd) {
    for (int i = 0; i < d->nInd; i++)
      if (strcmp(d->aInd[i].zCode, zInd) == 0) L.iInd = i;
    if (L.iInd < 0) { rc = http_fail(r, KP_E_INVALID, "indicator", "feed %s has no indicator %s", d->zCode, zInd); goto done; }
  }
  if (zPart) {
    if (strcmp(zPart, "numerator") == 0) L.iPart = 1;
    else if (strcmp(zPart, "rest") == 0) L.iPart = 2;
    else { rc = http_fail(r, KP_E_INVALID, "part", "part must be numerator or rest"); goto done; }
  }
  if (zWhere) {
    const char *zEq = strchr(zWhere, '=');
    for (int k = 0; zEq && k < d->nField; k++)
      if ((size_t)(zEq - zWhere) == strlen(d->aField[k].zCode) &&
          memcmp(d->aField[k].zCode, zWhere, (size_t)(zEq - zWhere)) == 0)
        L.iWhere = k;
    if (L.iWhere < 0) { rc = http_fail(r, KP_E_INVALID, "where", "where takes FIELD=VALUE with a field code of feed %s", d->zCode); goto done; }
    L.zWhere = zEq + 1;
  }
  if (bCsv) {
    L.nTake = INT64_MAX;
    L.pCsv = &r->body;
    for (int f = 0; f < d->nField; f++) {
      if (f) buf_putc(&r->body, ',');
      audit_csv_cell(&r->body, d->aField[f].zHeader);
    }
    buf_puts(&r->body, "\r\n");
  } else {
    L.iSkip = (nPage - 1) * nSize;
    L.nTake = nSize;
    L.aRec = json_array();
  }
  int64_t iFrom = (int64_t)per.iYear * 12 + per.iFirstMonth - 1;
  int64_t iTo = (int64_t)per.iYear * 12 + per.iLastMonth - 1;
  if (feedweb_scan(r->pDb, d, zUnit, iFrom, iTo, &L, &zErr)) {
    buf_reset(&r->body);
    rc = http_fail(r, KP_E_INTERNAL, NULL, "%s", zErr);
    free(zErr);
    goto done;
  }
  if (bCsv) {
    r->iStatus = 200;
    r->zContentType = "text/csv; charset=utf-8";
    char *zDisp = xasprintf("attachment; filename=\"%s-%s-%s.csv\"", d->zCode, zUnit, per.zCode);
    http_add_header(r, "Content-Disposition", zDisp);
    free(zDisp);
  } else {
    json_t *aFields = json_array(), *aInds = json_array();
    for (int f = 0; f < d->nField; f++)
      json_array_append_new(aFields, json_pack("{s:s,s:s}", "code", d->aField[f].zCode,
                                               "header", d->aField[f].zHeader));
    for (int i = 0; i < d->nInd; i++)
      json_array_append_new(aInds, json_pack("{s:s,s:s?}", "code", d->aInd[i].zCode, "name",
                                             d->aInd[i].zName));
    http_json(r, 200, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:o}", "feed", d->zCode, "unit",
                                zUnit, "period", per.zCode, "total", (json_int_t)L.nMatch,
                                "page", (json_int_t)nPage, "page_size", (json_int_t)nSize,
                                "fields", aFields, "indicators", aInds, "records", L.aRec));
    L.aRec = NULL;
  }
done:
  json_decref(L.aRec);
  buf_free(&L.cell);
  feed_def_free(d);
  return rc;
}

/* ---- cross-checks ------------------------------------------------------------------ */

/* The flags are the same for every reader the route admits (review_draft sees all units),
** so the response cache's key is the cross-checks' own: the period and its inputs' version
** (crosscheck_inputs_key). A hit answers with the stored body, its ETag, a 304 to a
** matching If-None-Match; a miss runs crosscheck_run (itself cached per process). */
int api_crosscheck(HttpReq *r) {
  const char *zPeriod = http_arg(r, "period");
  char *zIn = crosscheck_inputs_key(r->pDb, zPeriod);
  char *zKey = zIn ? xasprintf("crosscheck|%s", zIn) : NULL;
  free(zIn);
  if (zKey && http_cache_serve(r, zKey)) {
    free(zKey);
    return 0;
  }
  json_t *pCfg = json_object(), *pOut = NULL;
  char *zErr = NULL;
  int rc = crosscheck_run(r->pDb, zPeriod, pCfg, NULL, &pOut, &zErr);
  json_decref(pCfg);
  if (rc != 0) {
    free(zKey);
    int iCode = rc == 4 ? KP_E_INTERNAL : rc == 2 ? KP_E_INVALID : KP_E_NO_SUCH;
    http_fail(r, iCode, "period", "%s", zErr);
    free(zErr);
    return -1;
  }
  http_json(r, 200, pOut);
  /* stored only when nothing changed while it was computed */
  zIn = zKey ? crosscheck_inputs_key(r->pDb, zPeriod) : NULL;
  if (zIn && strcmp(zKey + strlen("crosscheck|"), zIn) == 0) http_cache_store(r, zKey);
  free(zIn);
  free(zKey);
  return 0;
}

/*
** db.c: the SQLite implementation of the storage layer (db.h).
**
** NOTES ON THE DESIGN
**  - The file is identified by PRAGMA application_id (KP_APPLICATION_ID) and versioned by
**    PRAGMA user_version = the number of migrations applied (store/schema.c). db_open
**    applies the missing ones, each in its own transaction, and refuses a newer file.
**  - WAL so that readers (the web server, reports) never block on a writer;
**    synchronous=FULL because the audit trail must survive a power cut; foreign keys on.
**  - Invariant: nTxn is the depth of db_begin calls not yet matched; bRollback is set once
**    any level rolled back, and stays until depth returns to 0.
*/
#include "store/db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <sqlite3.h>

#include "store/schema.h"
#include "util/mem.h"

#define KP_APPLICATION_ID 0x4B50494E /* "KPIN" */

/* Prepared statements kept for reuse, per connection (bench/http: parsing the same SQL on
** every request showed as sqlite3Parser near the top of the server's profile). The SQL
** is always a string literal (R5), so the text's address identifies it. db_prepare takes
** an idle cached statement for that address when there is one; stmt_finalize resets the
** statement (ending its read, dropping its bindings) and parks it instead of finalizing
** it. A statement in use is never shared: a second prepare of the same SQL while the first
** is open gets a fresh one. db_close finalizes the cache. */
#define DB_STMT_CACHE 48
typedef struct DbCached {
  const char *zSql;       /* NULL = empty slot */
  sqlite3_stmt *pStmt;    /* idle (reset, no bindings) */
} DbCached;

struct Db {
  sqlite3 *pDb;
  char *zPath;
  int nTxn;
  int bRollback;
  DbCached aCache[DB_STMT_CACHE];
  unsigned iNextEvict;
};

struct Stmt {
  Db *pDb;
  sqlite3_stmt *pStmt;
  const char *zSql;
};

static void db_bug(Db *p, const char *zWhat, const char *zSql) {
  fprintf(stderr, "kaoping: internal SQL error (%s): %s\nSQL: %s\n", zWhat,
          p && p->pDb ? sqlite3_errmsg(p->pDb) : "no database", zSql);
  abort();
}

Stmt *db_prepare_literal(Db *p, const char *zSql) {
  Stmt *s = xcalloc(1, sizeof *s);
  s->pDb = p;
  s->zSql = zSql;
  for (int i = 0; i < DB_STMT_CACHE; i++) {
    if (p->aCache[i].zSql == zSql) {
      s->pStmt = p->aCache[i].pStmt;
      p->aCache[i].zSql = NULL;
      p->aCache[i].pStmt = NULL;
      return s;
    }
  }
  if (sqlite3_prepare_v2(p->pDb, zSql, -1, &s->pStmt, NULL) != SQLITE_OK) db_bug(p, "prepare", zSql);
  return s;
}

int db_exec_literal(Db *p, const char *zSql) {
  char *zErr = NULL;
  if (sqlite3_exec(p->pDb, zSql, NULL, NULL, &zErr) != SQLITE_OK) {
    sqlite3_free(zErr);
    return -1;
  }
  return 0;
}

static void stmt_check_bind(Stmt *s, int rc) {
  if (rc != SQLITE_OK) db_bug(s->pDb, "bind", s->zSql);
}

void stmt_bind_int(Stmt *s, int i, int64_t v) {
  stmt_check_bind(s, sqlite3_bind_int64(s->pStmt, i, v));
}

void stmt_bind_double(Stmt *s, int i, double v) {
  if (isnan(v)) stmt_check_bind(s, sqlite3_bind_null(s->pStmt, i));
  else stmt_check_bind(s, sqlite3_bind_double(s->pStmt, i, v));
}

void stmt_bind_text(Stmt *s, int i, const char *z) {
  if (!z) stmt_check_bind(s, sqlite3_bind_null(s->pStmt, i));
  else stmt_check_bind(s, sqlite3_bind_text(s->pStmt, i, z, -1, SQLITE_TRANSIENT));
}

void stmt_bind_textn(Stmt *s, int i, const char *z, int n) {
  stmt_check_bind(s, sqlite3_bind_text(s->pStmt, i, z, n, SQLITE_TRANSIENT));
}

void stmt_bind_text_static(Stmt *s, int i, const char *z, int n) {
  stmt_check_bind(s, sqlite3_bind_text(s->pStmt, i, z, n, SQLITE_STATIC));
}

void stmt_bind_blob(Stmt *s, int i, const void *z, int n) {
  stmt_check_bind(s, sqlite3_bind_blob(s->pStmt, i, z, n, SQLITE_TRANSIENT));
}

void stmt_bind_null(Stmt *s, int i) {
  stmt_check_bind(s, sqlite3_bind_null(s->pStmt, i));
}

int stmt_step(Stmt *s) {
  int rc = sqlite3_step(s->pStmt);
  if (rc == SQLITE_ROW) return 1;
  if (rc == SQLITE_DONE) return 0;
  return -1;
}

int stmt_run(Stmt *s) {
  int rc = stmt_step(s);
  /* keep the error message readable after reset: sqlite3_reset returns the same error */
  if (rc < 0) {
    sqlite3_reset(s->pStmt);
    sqlite3_clear_bindings(s->pStmt);
    return -1;
  }
  sqlite3_reset(s->pStmt);
  sqlite3_clear_bindings(s->pStmt);
  return 0;
}

int64_t stmt_int(Stmt *s, int iCol) {
  return sqlite3_column_int64(s->pStmt, iCol);
}

double stmt_double(Stmt *s, int iCol) {
  if (sqlite3_column_type(s->pStmt, iCol) == SQLITE_NULL) return NAN;
  return sqlite3_column_double(s->pStmt, iCol);
}

const char *stmt_text(Stmt *s, int iCol) {
  return (const char *)sqlite3_column_text(s->pStmt, iCol);
}

int stmt_is_null(Stmt *s, int iCol) {
  return sqlite3_column_type(s->pStmt, iCol) == SQLITE_NULL;
}

int stmt_column_bytes(Stmt *s, int iCol) {
  return sqlite3_column_bytes(s->pStmt, iCol);
}

const void *stmt_blob(Stmt *s, int iCol) {
  return sqlite3_column_blob(s->pStmt, iCol);
}

void stmt_reset(Stmt *s) {
  sqlite3_reset(s->pStmt);
  sqlite3_clear_bindings(s->pStmt);
}

void stmt_finalize(Stmt *s) {
  if (!s) return;
  Db *p = s->pDb;
  if (p && s->pStmt) {
    sqlite3_reset(s->pStmt);
    sqlite3_clear_bindings(s->pStmt);
    int iSlot = -1;
    for (int i = 0; i < DB_STMT_CACHE && iSlot < 0; i++)
      if (!p->aCache[i].zSql) iSlot = i;
    if (iSlot < 0) { /* full: evict round-robin */
      iSlot = (int)(p->iNextEvict++ % DB_STMT_CACHE);
      sqlite3_finalize(p->aCache[iSlot].pStmt);
    }
    p->aCache[iSlot].zSql = s->zSql;
    p->aCache[iSlot].pStmt = s->pStmt;
  } else {
    sqlite3_finalize(s->pStmt);
  }
  free(s);
}

int db_begin(Db *p) {
  if (p->nTxn == 0) {
    /* a read snapshot still open (db_read_begin) ends here: writes start from the newest
    ** state, under the write lock */
    if (!sqlite3_get_autocommit(p->pDb)) (void)db_exec(p, "COMMIT");
    if (db_exec(p, "BEGIN IMMEDIATE") != 0) return -1;
    p->bRollback = 0;
  }
  p->nTxn++;
  return 0;
}

int db_commit(Db *p) {
  if (p->nTxn <= 0) return -1;
  p->nTxn--;
  if (p->nTxn > 0) return p->bRollback ? -1 : 0;
  if (p->bRollback) return -1;
  if (db_exec(p, "COMMIT") != 0) {
    db_exec(p, "ROLLBACK");
    return -1;
  }
  return 0;
}

void db_rollback(Db *p) {
  if (p->nTxn <= 0) return;
  if (!p->bRollback) db_exec(p, "ROLLBACK");
  p->bRollback = 1;
  p->nTxn--;
  if (p->nTxn == 0) p->bRollback = 0;
}

int db_read_begin(Db *p) {
  if (p->nTxn > 0 || !sqlite3_get_autocommit(p->pDb)) return 0;
  return db_exec(p, "BEGIN DEFERRED") == 0 ? 1 : -1;
}

void db_read_end(Db *p, int bOpened) {
  if (bOpened == 1 && p->nTxn == 0 && !sqlite3_get_autocommit(p->pDb))
    (void)db_exec(p, "COMMIT"); /* a read-only transaction: COMMIT only releases the lock */
}

int64_t db_last_insert_id(Db *p) {
  return sqlite3_last_insert_rowid(p->pDb);
}

int db_changes(Db *p) {
  return sqlite3_changes(p->pDb);
}

const char *db_errmsg(Db *p) {
  return sqlite3_errmsg(p->pDb);
}

const char *db_path(Db *p) {
  return p->zPath;
}

int db_schema_version(Db *p) {
  Stmt *s = db_prepare(p, "PRAGMA user_version");
  int v = stmt_step(s) == 1 ? (int)stmt_int(s, 0) : -1;
  stmt_finalize(s);
  return v;
}

static int db_application_id(Db *p) {
  Stmt *s = db_prepare(p, "PRAGMA application_id");
  int v = stmt_step(s) == 1 ? (int)stmt_int(s, 0) : -1;
  stmt_finalize(s);
  return v;
}

/* Applies migrations [current, nMigration). PRAGMA user_version cannot take a bound
** parameter, so the version is set by a per-migration literal held in the table. */
static int db_migrate(Db *p, char **pzErr) {
  int v = db_schema_version(p);
  int nMig = schema_migration_count();
  if (v > nMig) {
    *pzErr = xasprintf("%s: the database schema is version %d, newer than this kaoping "
                       "(knows %d): use a newer kaoping", p->zPath, v, nMig);
    return -1;
  }
  for (int i = v; i < nMig; i++) {
    const SchemaMigration *m = schema_migration(i);
    if (db_begin(p)) goto fail;
    char *zErr = NULL;
    if (sqlite3_exec(p->pDb, m->zSql, NULL, NULL, &zErr) != SQLITE_OK ||
        sqlite3_exec(p->pDb, m->zSetVersion, NULL, NULL, &zErr) != SQLITE_OK) {
      *pzErr = xasprintf("%s: migration %d (%s) failed: %s", p->zPath, i + 1, m->zName,
                         zErr ? zErr : "?");
      sqlite3_free(zErr);
      db_rollback(p);
      return -1;
    }
    if (db_commit(p)) goto fail;
  }
  return 0;
fail:
  *pzErr = xasprintf("%s: cannot migrate: %s", p->zPath, db_errmsg(p));
  return -1;
}

/* Before SQLite's first use: no memory statistics (kaoping never reads them), which
** otherwise take a process-wide mutex on every SQLite allocation of every server thread
** (bench/http). sqlite3_config is only allowed before sqlite3_initialize. */
static pthread_once_t dbConfigOnce = PTHREAD_ONCE_INIT;
static void db_config_once(void) {
  (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_open(const char *zPath, int bCreate, Db **ppDb, char **pzErr) {
  pthread_once(&dbConfigOnce, db_config_once);
  *ppDb = NULL;
  Db *p = xcalloc(1, sizeof *p);
  p->zPath = xstrdup(zPath);
  /* NOMUTEX: a connection is only ever used by the thread that opened it (R14), so
  ** SQLite's per-connection mutex is pure cost on the server's hot path (bench/http). */
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (bCreate ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(zPath, &p->pDb, flags, NULL) != SQLITE_OK) {
    *pzErr = xasprintf("%s: cannot open database: %s%s", zPath,
                       p->pDb ? sqlite3_errmsg(p->pDb) : "out of memory",
                       bCreate ? "" : " (run `kaoping init` or `kaoping demo` first)");
    db_close(p);
    return -1;
  }
  sqlite3_busy_timeout(p->pDb, 5000);
  sqlite3_extended_result_codes(p->pDb, 0);
  int appId = db_application_id(p);
  int ver = db_schema_version(p);
  if (appId < 0 || (appId != 0 && appId != KP_APPLICATION_ID) ||
      (appId == 0 && ver != 0)) {
    *pzErr = xasprintf("%s: not a kaoping database", zPath);
    db_close(p);
    return -1;
  }
  if (appId == 0) {
    /* A fresh file: it must be empty before we claim it. */
    Stmt *s = db_prepare(p, "SELECT count(*) FROM sqlite_master");
    int n = stmt_step(s) == 1 ? (int)stmt_int(s, 0) : -1;
    stmt_finalize(s);
    if (n != 0) {
      *pzErr = xasprintf("%s: not a kaoping database (it has tables of another program)", zPath);
      db_close(p);
      return -1;
    }
    if (db_exec(p, "PRAGMA application_id = 1263552846")) goto fail;
  }
  if (db_exec(p, "PRAGMA journal_mode = WAL") || db_exec(p, "PRAGMA foreign_keys = ON") ||
      db_exec(p, "PRAGMA synchronous = FULL") || db_exec(p, "PRAGMA secure_delete = ON"))
    goto fail;
  if (db_migrate(p, pzErr)) {
    db_close(p);
    return -1;
  }
  *ppDb = p;
  return 0;
fail:
  *pzErr = xasprintf("%s: %s", zPath, sqlite3_errmsg(p->pDb));
  db_close(p);
  return -1;
}

void db_close(Db *p) {
  if (!p) return;
  for (int i = 0; i < DB_STMT_CACHE; i++) {
    if (p->aCache[i].zSql) sqlite3_finalize(p->aCache[i].pStmt);
    p->aCache[i].zSql = NULL;
  }
  if (p->pDb) sqlite3_close_v2(p->pDb);
  free(p->zPath);
  free(p);
}

void db_now(char *z) {
  const char *zEnv = getenv("KAOPING_NOW");
  if (zEnv && strlen(zEnv) == 20) {
    memcpy(z, zEnv, 21);
    return;
  }
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(z, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

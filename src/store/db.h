/*
** db.h: the storage layer. Every SQL statement in kaoping passes through here.
**
** Rules (STYLE.md R5, R7): SQL is a string literal (the db_prepare and db_exec macros
** refuse anything else at compile time) with values bound as ?1, ?2 ...; no value is ever
** spliced into SQL text, which keeps it portable to the PostgreSQL backend. A batch is one
** transaction: db_begin/db_commit nest with a counter, and db_rollback on any error path
** undoes the whole batch. Errors carry the SQL text.
**
** The handle is for one thread (one connection per thread, never shared).
*/
#ifndef KP_STORE_DB_H
#define KP_STORE_DB_H
#include <stdint.h>

typedef struct Db Db;
typedef struct Stmt Stmt;

/* Opens (bCreate: creating if absent) the database at zPath with WAL, foreign keys on,
** synchronous=FULL and a busy timeout, and applies pending migrations. Returns 0, or -1
** with *pzErr set (malloc'd). Refuses a file that is not a kaoping database, or one whose
** schema is newer than this binary knows. */
int db_open(const char *zPath, int bCreate, Db **ppDb, char **pzErr);
void db_close(Db *p);
int db_schema_version(Db *p);

/* Prepares literal SQL. A failure is a bug in kaoping (the SQL is fixed text): the message
** with the SQL goes to stderr and the process aborts. */
#define db_prepare(db, sql) db_prepare_literal((db), "" sql "")
Stmt *db_prepare_literal(Db *p, const char *zSql);
/* Runs literal SQL without parameters (DDL, PRAGMA). Returns 0 or -1 (error in db_errmsg). */
#define db_exec(db, sql) db_exec_literal((db), "" sql "")
int db_exec_literal(Db *p, const char *zSql);

void stmt_bind_int(Stmt *s, int i, int64_t v);
void stmt_bind_double(Stmt *s, int i, double v);   /* NaN binds NULL */
void stmt_bind_text(Stmt *s, int i, const char *z); /* NULL binds NULL; copied */
void stmt_bind_textn(Stmt *s, int i, const char *z, int n); /* n bytes, no NUL needed */
/* The same without a copy (n < 0: up to the NUL): the caller keeps z unchanged until the
** statement has run (stmt_run clears the bindings). For per-record inserts of bulk imports. */
void stmt_bind_text_static(Stmt *s, int i, const char *z, int n);
void stmt_bind_blob(Stmt *s, int i, const void *z, int n);
void stmt_bind_null(Stmt *s, int i);
/* Steps: 1 = a row is ready, 0 = done, -1 = error (constraint etc.; see db_errmsg). */
int stmt_step(Stmt *s);
/* Steps a statement expected to return no row; 0 ok, -1 error. Resets it for reuse. */
int stmt_run(Stmt *s);
int64_t stmt_int(Stmt *s, int iCol);
double stmt_double(Stmt *s, int iCol); /* NULL reads as NaN */
const char *stmt_text(Stmt *s, int iCol); /* NULL reads as NULL; valid until next step */
int stmt_is_null(Stmt *s, int iCol);
int stmt_column_bytes(Stmt *s, int iCol);
const void *stmt_blob(Stmt *s, int iCol);
void stmt_reset(Stmt *s);   /* reset and clear bindings */
void stmt_finalize(Stmt *s); /* NULL is a no-op */

/* Transactions with a nesting counter. db_commit at depth 1 commits; db_rollback at any
** depth rolls the whole transaction back and makes the outer db_commit calls fail (-1). */
int db_begin(Db *p);
int db_commit(Db *p);
void db_rollback(Db *p);

/* A read snapshot: several SELECTs that see one state of the database and take SQLite's
** WAL read lock once instead of once per statement (bench/http: the lock and unlock, fcntl
** calls, were a seventh of a cached read's time). db_read_begin opens it when no
** transaction is open (returns 1; 0 when one already is, -1 on error) and db_read_end(p,
** that value) closes only what db_read_begin opened. Nothing may write inside it: end it
** first (a write would upgrade a possibly stale snapshot and fail with SQLITE_BUSY). */
int db_read_begin(Db *p);
void db_read_end(Db *p, int bOpened);

int64_t db_last_insert_id(Db *p);
int db_changes(Db *p);
const char *db_errmsg(Db *p);
const char *db_path(Db *p);

/* The current time as ISO 8601 UTC ("2021-03-05T09:14:27Z") into z (>= 21 bytes). Honours
** $KAOPING_NOW (same format) so that tests and the demo are reproducible. */
void db_now(char *z);

#endif

/*
** audit.h: the audit log (审计日志), an append-only, hash-chained table that records every
** change and every sensitive read, so that tampering is detectable (`kaoping audit verify`).
**
** The one way in is audit_record(). It writes inside the caller's transaction (db_begin
** nests), so the audited change and its record commit together or not at all; when the
** record cannot be written, it returns -1 and the caller must roll back and refuse the
** action (fail closed, GB/T 22239 8.1.4.3 d). See audit.c for the chain's definition.
**
** Not here: deciding what is sensitive (the callers: auth.c, the HTTP handlers), reading
** the log through the API (http/api.c calls audit_list_json).
*/
#ifndef KP_AUDIT_H
#define KP_AUDIT_H
#include <stdint.h>
#include <jansson.h>

typedef struct Db Db;

/* Appends one record. zActor: account name, local:<os user> or "-" (anonymous); zIp: client
** address or NULL (command line); zEvent: dotted name (login, user.add, role.set,
** access.denied ...); zObject: what it concerns ("user:rep_a") or NULL; zOutcome: "ok",
** "denied" or "failed"; pDetail: a JSON object or NULL (borrowed, not stolen; stored
** compact with sorted keys; must never hold a password or token). Returns 0, or -1 when
** nothing could be written: the caller rolls back. */
int audit_record(Db *pDb, const char *zActor, const char *zIp, const char *zEvent,
                 const char *zObject, const char *zOutcome, json_t *pDetail);

/* Result of audit_verify. */
typedef struct AuditCheck {
  int64_t nRecord;       /* records read */
  int64_t idBad;         /* first bad record id, 0 when the chain is intact */
  char zWhy[160];        /* what is wrong with it */
  char zHead[65];        /* hash of the last record ("" when empty) */
} AuditCheck;

/* Walks the whole chain: ids 1..n without gaps, every prev_hash equal to the previous
** record's hash, every hash recomputed from the stored fields. Returns 0 when intact, 1
** when a record is bad (see *pCheck), -1 on a database error. */
int audit_verify(Db *pDb, AuditCheck *pCheck);

/* Records newest first: id < idBefore (0 = from the newest), at most nLimit (1..1000).
** Returns a new JSON array. */
json_t *audit_list_json(Db *pDb, int64_t idBefore, int nLimit);

/* The whole log, oldest first, as CSV (RFC 4180, CRLF, UTF-8 without BOM): id, at, actor,
** ip, event, object, outcome, detail, prev_hash, hash. A cell that a spreadsheet would
** run as a formula (starting with = + - @ tab or CR) gets a leading apostrophe. Appends to
** *pOut. 0 or -1 on a database error. */
typedef struct Buf Buf;
int audit_export_csv(Db *pDb, Buf *pOut);
/* Appends one CSV cell (quoted when needed, formula-neutralised) to pOut. */
void audit_csv_cell(Buf *pOut, const char *z);

/* ---- retention and checkpoints ------------------------------------------------------ */

#define AUDIT_RETENTION_DAYS 180 /* GB/T 22239 8.1.4.3 c: at least six months */

/* Deletes the records older than tBefore (Unix seconds), which must be at least
** AUDIT_RETENTION_DAYS before now (refused otherwise, as is a purge that would leave no
** record). Keeps the chain verifiable: an audit_purge row stores the range, the hash of
** the last purged record (the next record's prev_hash) and a SHA-256 over the purged
** hashes; the purge itself is then audited (audit.purge). *pnPurged = records deleted.
** 0, or -1 with *pzErr (malloc'd). */
int audit_purge(Db *pDb, int64_t tBefore, const char *zActor, int64_t *pnPurged, char **pzErr);

#endif

/*
** audit.c: the hash-chained audit log of audit.h, and the `audit verify` / `audit list`
** verbs.
**
** NOTES ON THE DESIGN
**
** The chain. Record n stores prev_hash = hash of record n-1 (64 '0' for record 1) and
**   hash = hex SHA-256( "kaoping-audit-1\n" || prev_hash || F(id) || F(at) || F(actor)
**                       || F(ip) || F(event) || F(object) || F(outcome) || F(detail) )
** where F(NULL) = "~" and F(s) = decimal byte length ":" bytes "," (a netstring), so that
** no two different rows encode to the same bytes. The detail is hashed exactly as stored.
**
** Invariants (checked by audit_verify, in this order, per record):
**   1. ids are 1, 2, 3 ... without gaps (a deleted record breaks this);
**   2. prev_hash equals the previous record's hash (a reordered or inserted record);
**   3. hash equals the recomputed hash (an edited field).
** What the chain cannot see alone: the LAST records cut off. `audit verify` prints the
** head hash and count; keeping them outside the database (a printed report, syslog, a
** second host) and passing --head detects truncation. Documented in docs/security.md.
**
** Concurrency. audit_record reads the last hash and inserts the next record inside one
** write transaction (db_begin is BEGIN IMMEDIATE at the outer level, so the database write
** lock is held): two server threads cannot both chain onto the same record. Records are
** therefore written only inside a transaction; audit_record opens one when the caller has
** none, and nests into the caller's otherwise, so a change and its record are atomic.
**
** Protection. UPDATE and DELETE on audit are refused by triggers (schema.c); no route or
** verb deletes records. The triggers are a guard against mistakes, not against someone
** holding the file: that is what the chain is for.
**
** Failure. When the record cannot be written audit_record returns -1 and the caller rolls
** back: the business action is refused (fail closed). Test hook: with the environment
** variable KAOPING_FAILPOINT=audit, audit_record fails every time, so tests can show that
** nothing is committed without its audit record.
*/
#include "audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "store/db.h"
#include "util/mem.h"

#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Appends F(z) of the NOTES to b. */
static void audit_field(Buf *b, const char *z) {
  if (!z) {
    buf_putc(b, '~');
    return;
  }
  buf_printf(b, "%zu:", strlen(z));
  buf_puts(b, z);
  buf_putc(b, ',');
}

/* Computes a record's hash (hex, 65 bytes) from prev_hash and the fields. */
static void audit_hash(const char *zPrev, int64_t id, const char *zAt, const char *zActor,
                       const char *zIp, const char *zEvent, const char *zObject,
                       const char *zOutcome, const char *zDetail, char *zOut) {
  Buf b = BUF_INIT;
  char zId[24];
  snprintf(zId, sizeof zId, "%" PRId64, id);
  buf_puts(&b, "kaoping-audit-1\n");
  buf_puts(&b, zPrev);
  audit_field(&b, zId);
  audit_field(&b, zAt);
  audit_field(&b, zActor);
  audit_field(&b, zIp);
  audit_field(&b, zEvent);
  audit_field(&b, zObject);
  audit_field(&b, zOutcome);
  audit_field(&b, zDetail);
  unsigned char aHash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(aHash, (const unsigned char *)buf_str(&b), b.n);
  sodium_bin2hex(zOut, 65, aHash, sizeof aHash);
  buf_free(&b);
}

int audit_record(Db *pDb, const char *zActor, const char *zIp, const char *zEvent,
                 const char *zObject, const char *zOutcome, json_t *pDetail) {
  const char *zFail = getenv("KAOPING_FAILPOINT");
  if (zFail && strcmp(zFail, "audit") == 0) return -1;
  if (!zActor || !*zActor) zActor = "-";
  char *zDetail = pDetail ? json_dumps(pDetail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  char zAt[32], zHash[65], zPrev[65];
  int rc = -1;
  if (db_begin(pDb)) goto done;
  db_now(zAt);
  int64_t idLast = 0;
  Stmt *s = db_prepare(pDb, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
  int r = stmt_step(s);
  if (r == 1) {
    idLast = stmt_int(s, 0);
    const char *z = stmt_text(s, 1);
    snprintf(zPrev, sizeof zPrev, "%s", z ? z : "");
  } else {
    memcpy(zPrev, AUDIT_GENESIS, sizeof zPrev);
  }
  stmt_finalize(s);
  if (r < 0) {
    db_rollback(pDb);
    goto done;
  }
  int64_t id = idLast + 1;
  audit_hash(zPrev, id, zAt, zActor, zIp, zEvent, zObject, zOutcome, zDetail, zHash);
  s = db_prepare(pDb,
                 "INSERT INTO audit(id, at, actor, ip, event, object, outcome, detail, "
                 "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  stmt_bind_int(s, 1, id);
  stmt_bind_text(s, 2, zAt);
  stmt_bind_text(s, 3, zActor);
  stmt_bind_text(s, 4, zIp);
  stmt_bind_text(s, 5, zEvent);
  stmt_bind_text(s, 6, zObject);
  stmt_bind_text(s, 7, zOutcome);
  stmt_bind_text(s, 8, zDetail);
  stmt_bind_text(s, 9, zPrev);
  stmt_bind_text(s, 10, zHash);
  r = stmt_run(s);
  stmt_finalize(s);
  if (r) {
    db_rollback(pDb);
    goto done;
  }
  rc = db_commit(pDb);
done:
  free(zDetail);
  return rc;
}

int audit_verify(Db *pDb, AuditCheck *pCheck) {
  memset(pCheck, 0, sizeof *pCheck);
  char zPrev[65];
  memcpy(zPrev, AUDIT_GENESIS, sizeof zPrev);
  Stmt *s = db_prepare(pDb,
                       "SELECT id, at, actor, ip, event, object, outcome, detail, prev_hash, "
                       "hash FROM audit ORDER BY id");
  int r;
  int64_t idWant = 1;
  while ((r = stmt_step(s)) == 1) {
    int64_t id = stmt_int(s, 0);
    const char *zPrevStored = stmt_text(s, 8);
    const char *zHashStored = stmt_text(s, 9);
    pCheck->nRecord++;
    if (id != idWant) {
      pCheck->idBad = id;
      snprintf(pCheck->zWhy, sizeof pCheck->zWhy,
               "expected record %" PRId64 " here: records are missing before it", idWant);
      break;
    }
    if (!zPrevStored || strcmp(zPrevStored, zPrev) != 0) {
      pCheck->idBad = id;
      snprintf(pCheck->zWhy, sizeof pCheck->zWhy,
               "prev_hash does not match the hash of the record before it");
      break;
    }
    char zHash[65];
    audit_hash(zPrev, id, stmt_text(s, 1), stmt_text(s, 2), stmt_text(s, 3), stmt_text(s, 4),
               stmt_text(s, 5), stmt_text(s, 6), stmt_text(s, 7), zHash);
    if (!zHashStored || strcmp(zHashStored, zHash) != 0) {
      pCheck->idBad = id;
      snprintf(pCheck->zWhy, sizeof pCheck->zWhy,
               "content does not match its hash: the record was changed");
      break;
    }
    memcpy(zPrev, zHash, sizeof zPrev);
    idWant++;
  }
  stmt_finalize(s);
  if (r < 0) return -1;
  if (pCheck->idBad) return 1;
  if (pCheck->nRecord > 0) memcpy(pCheck->zHead, zPrev, sizeof pCheck->zHead);
  return 0;
}

json_t *audit_list_json(Db *pDb, int64_t idBefore, int nLimit) {
  if (nLimit < 1) nLimit = 1;
  if (nLimit > 1000) nLimit = 1000;
  if (idBefore <= 0) idBefore = INT64_MAX;
  json_t *pArr = json_array();
  Stmt *s = db_prepare(pDb,
                       "SELECT id, at, actor, ip, event, object, outcome, detail, hash "
                       "FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT ?2");
  stmt_bind_int(s, 1, idBefore);
  stmt_bind_int(s, 2, nLimit);
  while (stmt_step(s) == 1) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(stmt_int(s, 0)));
    static const char *azCol[] = {NULL, "at", "actor", "ip", "event", "object", "outcome"};
    for (int i = 1; i <= 6; i++) {
      const char *z = stmt_text(s, i);
      json_object_set_new(o, azCol[i], z ? json_string(z) : json_null());
    }
    const char *zDetail = stmt_text(s, 7);
    json_t *pDetail = zDetail ? json_loads(zDetail, 0, NULL) : NULL;
    json_object_set_new(o, "detail", pDetail ? pDetail : json_null());
    json_object_set_new(o, "hash", json_string(stmt_text(s, 8)));
    json_array_append_new(pArr, o);
  }
  stmt_finalize(s);
  return pArr;
}

/* ---- verbs -------------------------------------------------------------------------- */

/* Opens the database named by the arguments (never creating one). */
static Db *audit_open(CliArgs *pArgs) {
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(cli_db_path(pArgs), 0, &pDb, &zErr)) {
    cli_error(pArgs, "%s", zErr);
    free(zErr);
    return NULL;
  }
  return pDb;
}

/* kaoping audit verify [--head HASH] [--db F] */
int audit_verify_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "audit verify", argc, argv);
  const char *zHead = cli_opt(&args, "--head");
  cli_db_path(&args);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = audit_open(&args);
  if (!pDb) {
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  AuditCheck chk;
  int rc = audit_verify(pDb, &chk);
  int ex = EXIT_OK;
  if (rc < 0) {
    cli_error(&args, "cannot read the audit log: %s", db_errmsg(pDb));
    ex = EXIT_INTERNAL;
  } else if (rc > 0) {
    printf("audit: record %" PRId64 " is bad: %s\n", chk.idBad, chk.zWhy);
    printf("audit: chain BROKEN after %" PRId64 " good records\n", chk.nRecord - 1);
    ex = EXIT_MISMATCH;
  } else if (zHead && strcmp(zHead, chk.zHead) != 0) {
    printf("audit: %" PRId64 " records, chain intact, but the head is %s, not the expected "
           "%s: records were removed from the end or added\n",
           chk.nRecord, chk.zHead[0] ? chk.zHead : "(empty)", zHead);
    ex = EXIT_MISMATCH;
  } else {
    printf("audit: %" PRId64 " records, chain intact, head %s\n", chk.nRecord,
           chk.zHead[0] ? chk.zHead : "(empty)");
  }
  db_close(pDb);
  cli_free(&args);
  return ex;
}

/* kaoping audit list [--limit N] [--db F] */
int audit_list_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "audit list", argc, argv);
  const char *zLimit = cli_opt(&args, "--limit");
  cli_db_path(&args);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  int nLimit = 50;
  if (zLimit) {
    char *zEnd;
    long n = strtol(zLimit, &zEnd, 10);
    if (*zLimit == 0 || *zEnd || n < 1 || n > 1000) {
      cli_error(&args, "--limit must be a number from 1 to 1000");
      cli_free(&args);
      return EXIT_USAGE;
    }
    nLimit = (int)n;
  }
  Db *pDb = audit_open(&args);
  if (!pDb) {
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  json_t *pArr = audit_list_json(pDb, 0, nLimit);
  size_t i;
  json_t *o;
  json_array_foreach(pArr, i, o) {
    char *zDetail = json_dumps(json_object_get(o, "detail"), JSON_COMPACT | JSON_ENCODE_ANY);
    printf("%6" PRId64 "  %s  %-16s %-15s %-18s %-24s %-6s %s\n",
           (int64_t)json_integer_value(json_object_get(o, "id")),
           json_string_value(json_object_get(o, "at")),
           json_string_value(json_object_get(o, "actor")),
           json_is_string(json_object_get(o, "ip")) ? json_string_value(json_object_get(o, "ip")) : "-",
           json_string_value(json_object_get(o, "event")),
           json_is_string(json_object_get(o, "object")) ? json_string_value(json_object_get(o, "object")) : "-",
           json_string_value(json_object_get(o, "outcome")), zDetail ? zDetail : "null");
    free(zDetail);
  }
  json_decref(pArr);
  db_close(pDb);
  cli_free(&args);
  return EXIT_OK;
}

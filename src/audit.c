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

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "auth.h"
#include "cli/cli.h"
#include "cli/verbs.h"
#include "store/db.h"
#include "util/keyfile.h"
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
  if (r == 0) {
    /* empty after a purge of every record: chain onto the last purged one */
    Stmt *p = db_prepare(pDb, "SELECT last_id, last_hash FROM audit_purge ORDER BY last_id "
                              "DESC LIMIT 1");
    if (stmt_step(p) == 1 && stmt_text(p, 1) && strlen(stmt_text(p, 1)) == 64) {
      idLast = stmt_int(p, 0);
      memcpy(zPrev, stmt_text(p, 1), sizeof zPrev);
    }
    stmt_finalize(p);
  }
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
  int64_t idWant = 1;
  /* after a purge the chain starts at the record after the purged prefix, chained to the
  ** hash the purge kept (audit_purge); the purge itself is a record of the chain */
  Stmt *s = db_prepare(pDb, "SELECT last_id, last_hash FROM audit_purge ORDER BY last_id DESC "
                            "LIMIT 1");
  if (stmt_step(s) == 1 && stmt_text(s, 1) && strlen(stmt_text(s, 1)) == 64) {
    idWant = stmt_int(s, 0) + 1;
    memcpy(zPrev, stmt_text(s, 1), sizeof zPrev);
  }
  stmt_finalize(s);
  s = db_prepare(pDb,
                 "SELECT id, at, actor, ip, event, object, outcome, detail, prev_hash, "
                 "hash FROM audit ORDER BY id");
  int r;
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

/* ---- export ------------------------------------------------------------------------- */

void audit_csv_cell(Buf *pOut, const char *z) {
  if (!z) return;
  int bFormula = z[0] == '=' || z[0] == '+' || z[0] == '-' || z[0] == '@' || z[0] == '\t' ||
                 z[0] == '\r';
  int bQuote = bFormula || strpbrk(z, ",\"\r\n") != NULL;
  if (bQuote) buf_putc(pOut, '"');
  if (bFormula) buf_putc(pOut, '\'');
  for (const char *p = z; *p; p++) {
    if (*p == '"') buf_putc(pOut, '"');
    buf_putc(pOut, *p);
  }
  if (bQuote) buf_putc(pOut, '"');
}

int audit_export_csv(Db *pDb, Buf *pOut) {
  buf_puts(pOut, "id,at,actor,ip,event,object,outcome,detail,prev_hash,hash\r\n");
  Stmt *s = db_prepare(pDb, "SELECT id, at, actor, ip, event, object, outcome, detail, "
                            "prev_hash, hash FROM audit ORDER BY id");
  int r;
  while ((r = stmt_step(s)) == 1) {
    buf_printf(pOut, "%" PRId64, stmt_int(s, 0));
    for (int i = 1; i <= 9; i++) {
      buf_putc(pOut, ',');
      audit_csv_cell(pOut, stmt_text(s, i));
    }
    buf_puts(pOut, "\r\n");
  }
  stmt_finalize(s);
  return r < 0 ? -1 : 0;
}

/* ---- retention ------------------------------------------------------------------------ */

int audit_purge(Db *pDb, int64_t tBefore, const char *zActor, int64_t *pnPurged, char **pzErr) {
  *pnPurged = 0;
  int64_t now = auth_now();
  if (tBefore > now - (int64_t)AUDIT_RETENTION_DAYS * 86400) {
    *pzErr = xasprintf("records younger than %d days are kept (GB/T 22239: at least six "
                       "months): choose an earlier date", AUDIT_RETENTION_DAYS);
    return -1;
  }
  AuditCheck chk;
  int rc = audit_verify(pDb, &chk);
  if (rc != 0) {
    *pzErr = xasprintf(rc < 0 ? "cannot read the audit log" :
                       "the audit chain is broken: nothing is purged (kaoping audit verify)");
    return -1;
  }
  char zBefore[32], zNow[32];
  auth_time_fmt(tBefore, zBefore);
  auth_time_fmt(now, zNow);
  if (db_begin(pDb)) goto dbfail;
  Stmt *s = db_prepare(pDb, "SELECT id, hash FROM audit WHERE at < ?1 ORDER BY id");
  stmt_bind_text(s, 1, zBefore);
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  int64_t idFirst = 0, idLast = 0;
  char zLastHash[65] = "";
  int r;
  while ((r = stmt_step(s)) == 1) {
    int64_t id = stmt_int(s, 0);
    if (idLast && id != idLast + 1) break; /* only a contiguous prefix */
    if (!idFirst) idFirst = id;
    idLast = id;
    snprintf(zLastHash, sizeof zLastHash, "%s", stmt_text(s, 1));
    crypto_hash_sha256_update(&st, (const unsigned char *)zLastHash, 64);
  }
  stmt_finalize(s);
  if (r < 0) {
    db_rollback(pDb);
    goto dbfail;
  }
  if (!idLast) {
    db_rollback(pDb);
    return 0;
  }
  unsigned char aPrefix[crypto_hash_sha256_BYTES];
  char zPrefix[65];
  crypto_hash_sha256_final(&st, aPrefix);
  sodium_bin2hex(zPrefix, sizeof zPrefix, aPrefix, sizeof aPrefix);
  s = db_prepare(pDb, "INSERT INTO audit_purge(at, actor, first_id, last_id, last_hash, "
                      "prefix_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  stmt_bind_text(s, 1, zNow);
  stmt_bind_text(s, 2, zActor);
  stmt_bind_int(s, 3, idFirst);
  stmt_bind_int(s, 4, idLast);
  stmt_bind_text(s, 5, zLastHash);
  stmt_bind_text(s, 6, zPrefix);
  r = stmt_run(s);
  stmt_finalize(s);
  /* the append-only trigger is lifted for this one statement, inside the transaction */
  if (r == 0) r = db_exec(pDb, "DROP TRIGGER audit_no_delete");
  if (r == 0) {
    s = db_prepare(pDb, "DELETE FROM audit WHERE id BETWEEN ?1 AND ?2");
    stmt_bind_int(s, 1, idFirst);
    stmt_bind_int(s, 2, idLast);
    r = stmt_run(s);
    *pnPurged = db_changes(pDb);
    stmt_finalize(s);
  }
  if (r == 0)
    r = db_exec(pDb, "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
                     "  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END");
  if (r == 0) {
    json_t *d = json_pack("{s:I, s:I, s:s, s:s, s:s}", "first_id", (json_int_t)idFirst,
                          "last_id", (json_int_t)idLast, "last_hash", zLastHash,
                          "prefix_hash", zPrefix, "before", zBefore);
    r = audit_record(pDb, zActor, NULL, "audit.purge", "audit", "ok", d);
    json_decref(d);
  }
  if (r) {
    db_rollback(pDb);
    goto dbfail;
  }
  if (db_commit(pDb)) goto dbfail;
  return 0;
dbfail:
  *pnPurged = 0;
  *pzErr = xasprintf("cannot purge (nothing changed): %s", db_errmsg(pDb));
  return -1;
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

/* ---- signed checkpoints of the head --------------------------------------------------- */

/* The key file (util/keyfile.h): --key, else $KAOPING_AUDIT_KEY, else DB.audit-key beside
** the database (it is never inside it). Secret key: 128 hex characters, mode 0600; public
** key: FILE.pub. */
static char *audit_key_path(const char *zOpt, const char *zDb) {
  return keyfile_path(zOpt, "KAOPING_AUDIT_KEY", zDb, ".audit-key");
}

static int audit_read_hex(const char *zPath, unsigned char *a, size_t n) {
  return keyfile_read_hex(zPath, a, n) == 0 ? 0 : -1;
}

/* kaoping audit checkpoint [--key FILE] [--out FILE] [--db F] */
int audit_checkpoint_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "audit checkpoint", argc, argv);
  const char *zKeyOpt = cli_opt(&args, "--key");
  const char *zOut = cli_opt(&args, "--out");
  const char *zDb = cli_db_path(&args);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = audit_open(&args);
  if (!pDb) {
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  int ex = EXIT_INTERNAL;
  char *zKey = audit_key_path(zKeyOpt, zDb);
  char *zPub = xasprintf("%s.pub", zKey);
  unsigned char aSk[crypto_sign_SECRETKEYBYTES], aPk[crypto_sign_PUBLICKEYBYTES];
  Buf b = BUF_INIT;
  if (sodium_init() < 0) goto done;
  if (audit_read_hex(zKey, aSk, sizeof aSk)) {
    crypto_sign_keypair(aPk, aSk);
    if (keyfile_write_hex(zKey, aSk, sizeof aSk, 0600) || keyfile_write_hex(zPub, aPk, sizeof aPk, 0644)) {
      cli_error(&args, "cannot read or create the signing key %s (and %s)", zKey, zPub);
      goto done;
    }
    fprintf(stderr, "kaoping: created the audit signing key %s (keep it off this host's "
                    "backups of the database) and %s\n", zKey, zPub);
  }
  crypto_sign_ed25519_sk_to_pk(aPk, aSk);
  AuditCheck chk;
  int rc = audit_verify(pDb, &chk);
  if (rc) {
    cli_error(&args, rc < 0 ? "cannot read the audit log" :
              "the audit chain is broken: no checkpoint written (kaoping audit verify)");
    ex = rc < 0 ? EXIT_INTERNAL : EXIT_MISMATCH;
    goto done;
  }
  int64_t idLast = 0;
  Stmt *s = db_prepare(pDb, "SELECT max(id) FROM audit");
  if (stmt_step(s) == 1) idLast = stmt_int(s, 0);
  stmt_finalize(s);
  char zNow[32], zPkHex[65], zSig[crypto_sign_BYTES * 2 + 1];
  db_now(zNow);
  sodium_bin2hex(zPkHex, sizeof zPkHex, aPk, sizeof aPk);
  buf_printf(&b, "kaoping audit checkpoint v1\nat %s\nrecords %" PRId64 "\nlast_id %" PRId64
                 "\nhead %s\nkey %s\n", zNow, chk.nRecord, idLast,
             chk.zHead[0] ? chk.zHead : AUDIT_GENESIS, zPkHex);
  unsigned char aSig[crypto_sign_BYTES];
  crypto_sign_detached(aSig, NULL, (const unsigned char *)buf_str(&b), b.n, aSk);
  sodium_bin2hex(zSig, sizeof zSig, aSig, sizeof aSig);
  buf_printf(&b, "sig %s\n", zSig);
  if (zOut) {
    FILE *f = fopen(zOut, "w");
    if (!f || fputs(buf_str(&b), f) < 0 || fclose(f)) {
      cli_error(&args, "cannot write %s", zOut);
      goto done;
    }
    printf("audit: checkpoint of %" PRId64 " records, head %s, written to %s\n", chk.nRecord,
           chk.zHead[0] ? chk.zHead : "(empty)", zOut);
  } else {
    fputs(buf_str(&b), stdout);
  }
  ex = EXIT_OK;
done:
  sodium_memzero(aSk, sizeof aSk);
  buf_free(&b);
  free(zKey);
  free(zPub);
  db_close(pDb);
  cli_free(&args);
  return ex;
}

/* Checks a checkpoint file against the trusted public key and the database. Returns 0 (the
** records up to the checkpoint are all there, unchanged), 1 with zWhy, or -1 (unreadable). */
static int audit_checkpoint_check(Db *pDb, const char *zFile, const char *zPubFile,
                                  char *zWhy, size_t nWhy) {
  unsigned char aPk[crypto_sign_PUBLICKEYBYTES];
  if (audit_read_hex(zPubFile, aPk, sizeof aPk)) {
    snprintf(zWhy, nWhy, "cannot read the public key %s", zPubFile);
    return -1;
  }
  FILE *f = fopen(zFile, "r");
  if (!f) {
    snprintf(zWhy, nWhy, "cannot read %s", zFile);
    return -1;
  }
  Buf b = BUF_INIT;
  char zLine[400], zSig[400] = "", zHead[400] = "";
  int64_t idLast = -1;
  while (fgets(zLine, sizeof zLine, f)) {
    if (strncmp(zLine, "sig ", 4) == 0) {
      snprintf(zSig, sizeof zSig, "%s", zLine + 4);
      zSig[strcspn(zSig, "\r\n")] = 0;
      break;
    }
    buf_puts(&b, zLine);
    if (strncmp(zLine, "head ", 5) == 0) {
      snprintf(zHead, sizeof zHead, "%s", zLine + 5);
      zHead[strcspn(zHead, "\r\n")] = 0;
    }
    if (strncmp(zLine, "last_id ", 8) == 0) idLast = strtoll(zLine + 8, NULL, 10);
  }
  fclose(f);
  unsigned char aSig[crypto_sign_BYTES];
  size_t nSig = 0;
  int rc = 1;
  if (sodium_init() < 0 ||
      sodium_hex2bin(aSig, sizeof aSig, zSig, strlen(zSig), NULL, &nSig, NULL) || nSig != sizeof aSig ||
      crypto_sign_verify_detached(aSig, (const unsigned char *)buf_str(&b), b.n, aPk) != 0) {
    snprintf(zWhy, nWhy, "the checkpoint's signature is not valid for %s", zPubFile);
    goto done;
  }
  if (idLast < 0 || strlen(zHead) != 64) {
    snprintf(zWhy, nWhy, "the checkpoint is malformed");
    goto done;
  }
  if (idLast == 0) {
    rc = 0;
    goto done;
  }
  Stmt *s = db_prepare(pDb, "SELECT hash FROM audit WHERE id = ?1");
  stmt_bind_int(s, 1, idLast);
  int r = stmt_step(s);
  if (r != 1) {
    snprintf(zWhy, nWhy, "record %" PRId64 " (the checkpoint's head) is missing: records "
             "were removed from the end", idLast);
  } else if (!stmt_text(s, 0) || strcmp(stmt_text(s, 0), zHead) != 0) {
    snprintf(zWhy, nWhy, "record %" PRId64 " does not have the checkpoint's head hash",
             idLast);
  } else {
    rc = 0;
  }
  stmt_finalize(s);
done:
  buf_free(&b);
  return rc;
}

/* kaoping audit verify [--head HASH] [--db F] */
int audit_verify_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "audit verify", argc, argv);
  const char *zHead = cli_opt(&args, "--head");
  const char *zCheckpoint = cli_opt(&args, "--checkpoint");
  const char *zKeyOpt = cli_opt(&args, "--key");
  const char *zDb = cli_db_path(&args);
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
  char *zPubBuf = NULL, *zKeyPath = NULL, zWhy[240];
  if (rc < 0) {
    cli_error(&args, "cannot read the audit log: %s", db_errmsg(pDb));
    ex = EXIT_INTERNAL;
  } else if (rc > 0) {
    printf("audit: record %" PRId64 " is bad: %s\n", chk.idBad, chk.zWhy);
    printf("audit: chain BROKEN after %" PRId64 " good records\n", chk.nRecord - 1);
    ex = EXIT_MISMATCH;
  } else if (zCheckpoint && (rc = audit_checkpoint_check(pDb, zCheckpoint,
                 zPubBuf = xasprintf("%s.pub", zKeyPath = audit_key_path(zKeyOpt, zDb)),
                 zWhy, sizeof zWhy)) != 0) {
    printf("audit: %" PRId64 " records, chain intact, but the checkpoint %s fails: %s\n",
           chk.nRecord, zCheckpoint, zWhy);
    ex = rc < 0 ? EXIT_INTERNAL : EXIT_MISMATCH;
  } else if (zHead && strcmp(zHead, chk.zHead) != 0) {
    printf("audit: %" PRId64 " records, chain intact, but the head is %s, not the expected "
           "%s: records were removed from the end or added\n",
           chk.nRecord, chk.zHead[0] ? chk.zHead : "(empty)", zHead);
    ex = EXIT_MISMATCH;
  } else {
    printf("audit: %" PRId64 " records, chain intact, head %s%s\n", chk.nRecord,
           chk.zHead[0] ? chk.zHead : "(empty)", zCheckpoint ? ", checkpoint matches" : "");
  }
  free(zPubBuf);
  free(zKeyPath);
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

/* kaoping audit export [--out FILE] [--db F] */
int audit_export_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "audit export", argc, argv);
  const char *zOut = cli_opt(&args, "--out");
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
  Buf b = BUF_INIT;
  int ex = EXIT_OK;
  if (audit_export_csv(pDb, &b) ||
      audit_record(pDb, cli_actor(), NULL, "audit.export", "audit", "ok", NULL)) {
    cli_error(&args, "cannot read the audit log or record the export: %s", db_errmsg(pDb));
    ex = EXIT_INTERNAL;
  } else {
    FILE *f = zOut ? fopen(zOut, "w") : stdout;
    if (!f || fwrite(buf_str(&b), 1, b.n, f) != b.n || (zOut && fclose(f))) {
      cli_error(&args, "cannot write %s", zOut ? zOut : "standard output");
      ex = EXIT_INTERNAL;
    }
  }
  buf_free(&b);
  db_close(pDb);
  cli_free(&args);
  return ex;
}

/* kaoping audit purge --before YYYY-MM-DD [--db F] */
int audit_purge_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "audit purge", argc, argv);
  const char *zBefore = cli_opt(&args, "--before");
  cli_db_path(&args);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  char zTime[32];
  snprintf(zTime, sizeof zTime, "%.10sT00:00:00Z", zBefore ? zBefore : "");
  int64_t t = zBefore && strlen(zBefore) == 10 ? auth_time_parse(zTime) : -1;
  if (t < 0) {
    cli_error(&args, "--before YYYY-MM-DD is required (records older than that day go)");
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = audit_open(&args);
  if (!pDb) {
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  int64_t n = 0;
  char *zErr = NULL;
  int ex = EXIT_OK;
  if (audit_purge(pDb, t, cli_actor(), &n, &zErr)) {
    cli_error(&args, "%s", zErr);
    free(zErr);
    ex = EXIT_BAD_INPUT;
  } else {
    printf("audit: %" PRId64 " records older than %s purged; chain still verifiable\n", n,
           zBefore);
  }
  db_close(pDb);
  cli_free(&args);
  return ex;
}

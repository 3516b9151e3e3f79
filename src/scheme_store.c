/*
** scheme_store.c: the scheme verbs (`scheme import`, `scheme show`, `scheme validate`) and
** the stored-scheme helpers of scheme_store.h.
**
** What is stored is the scheme's JSON text exactly as imported (decoded to UTF-8, BOM
** removed), with its SHA-256 (libsodium, lowercase hex). The text, not a re-serialisation,
** is kept so that `review verify` years later parses byte-for-byte what was scored, and so
** that an unchanged re-import is recognised by its hash and stores no new version.
** Parsing and validation are scheme.c's (scheme_parse); nothing here interprets the JSON
** except `scheme show`, which reads each leaf's params object to print it as given.
*/
#include "scheme_store.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "store/import.h"
#include "util/grid.h"
#include "util/mem.h"
#include "util/text.h"

/* ---- helpers for other modules (scheme_store.h) -------------------------------------- */

int scheme_store_resolve(Db *pDb, const char *zSpec, int64_t *piId, int *piVersion,
                         char **pzErr) {
  const char *zAt = strchr(zSpec, '@');
  char *zCode = zAt ? xstrndup(zSpec, (size_t)(zAt - zSpec)) : xstrdup(zSpec);
  int iWant = 0; /* 0 = latest */
  int rc = -1;
  if (zAt) {
    const char *z = zAt + 1;
    long v = 0;
    int nDigit = 0;
    while (*z >= '0' && *z <= '9' && v < 1000000) { v = v * 10 + (*z - '0'); z++; nDigit++; }
    if (*z || nDigit == 0 || v < 1) {
      *pzErr = xasprintf("bad scheme version in \"%s\": write CODE or CODE@VERSION, e.g. "
                         "HY2021@2", zSpec);
      goto done;
    }
    iWant = (int)v;
  }
  if (!zCode[0]) {
    *pzErr = xasprintf("bad scheme \"%s\": the code is empty", zSpec);
    goto done;
  }
  Stmt *s = db_prepare(pDb, "SELECT max(version) FROM scheme WHERE code = ?1");
  stmt_bind_text(s, 1, zCode);
  int iLatest = stmt_step(s) == 1 && !stmt_is_null(s, 0) ? (int)stmt_int(s, 0) : 0;
  stmt_finalize(s);
  if (iLatest == 0) {
    *pzErr = xasprintf("no scheme %s is stored (kaoping scheme import FILE.json)", zCode);
    goto done;
  }
  if (iWant > iLatest) {
    *pzErr = xasprintf("scheme %s has no version %d (the latest is %d)", zCode, iWant, iLatest);
    goto done;
  }
  s = db_prepare(pDb, "SELECT id FROM scheme WHERE code = ?1 AND version = ?2");
  stmt_bind_text(s, 1, zCode);
  stmt_bind_int(s, 2, iWant ? iWant : iLatest);
  if (stmt_step(s) == 1) {
    *piId = stmt_int(s, 0);
    *piVersion = iWant ? iWant : iLatest;
    rc = 0;
  } else {
    *pzErr = xasprintf("scheme %s version %d is not stored", zCode, iWant ? iWant : iLatest);
  }
  stmt_finalize(s);
done:
  free(zCode);
  return rc;
}

Scheme *scheme_store_load(Db *pDb, int64_t iId, int *piVersion, char **pzErr) {
  Stmt *s = db_prepare(pDb, "SELECT code, version, body FROM scheme WHERE id = ?1");
  stmt_bind_int(s, 1, iId);
  if (stmt_step(s) != 1) {
    stmt_finalize(s);
    *pzErr = xasprintf("scheme #%lld is not stored", (long long)iId);
    return NULL;
  }
  char *zLabel = xasprintf("scheme %s@%d", stmt_text(s, 0), (int)stmt_int(s, 1));
  if (piVersion) *piVersion = (int)stmt_int(s, 1);
  char *zParseErr = NULL;
  Scheme *p = scheme_parse(zLabel, stmt_text(s, 2), &zParseErr);
  stmt_finalize(s);
  if (!p) {
    /* A stored scheme was valid when imported; failing now means the validator became
    ** stricter since. Say so rather than pretend the data are bad. */
    *pzErr = xasprintf("%s no longer validates (imported under older rules):\n%s", zLabel,
                       zParseErr ? zParseErr : "?");
    free(zParseErr);
  }
  free(zLabel);
  return p;
}

/* ---- reading a scheme file ------------------------------------------------------------ */

/* Reads zPath: the raw bytes' SHA-256 into zFileSha (65 bytes; may be NULL), the text as
** UTF-8 into *pzText, its encoding into *peEnc (may be NULL). Returns 0 or -1 with *pzErr. */
static int scheme_read_file(const char *zPath, char *zFileSha, char **pzText,
                            TextEncoding *peEnc, char **pzErr) {
  FILE *f = fopen(zPath, "rb");
  if (!f) {
    *pzErr = xasprintf("%s: cannot open: %s", zPath, strerror(errno));
    return -1;
  }
  Buf b = BUF_INIT;
  char *aChunk = xmalloc(65536);
  size_t nGot;
  while ((nGot = fread(aChunk, 1, 65536, f)) > 0) buf_append(&b, aChunk, nGot);
  free(aChunk);
  int bErr = ferror(f);
  if (fclose(f) != 0) bErr = 1;
  if (bErr) {
    buf_free(&b);
    *pzErr = xasprintf("%s: read error", zPath);
    return -1;
  }
  if (sodium_init() < 0) {
    buf_free(&b);
    *pzErr = xasprintf("%s: libsodium failed to initialise", zPath);
    return -1;
  }
  if (zFileSha) {
    unsigned char aHash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(aHash, (const unsigned char *)buf_str(&b), b.n);
    sodium_bin2hex(zFileSha, 65, aHash, sizeof aHash);
  }
  size_t nText = 0;
  int rc = text_decode(zPath, buf_str(&b), b.n, pzText, &nText, peEnc, pzErr);
  buf_free(&b);
  return rc;
}

/* Prints scheme_parse's problems, one per line, each prefixed with the file name unless
** it already names it. */
static void scheme_print_problems(const char *zPath, const char *zErr) {
  const char *z = zErr ? zErr : "unknown problem";
  size_t nPath = strlen(zPath);
  while (*z) {
    const char *zEnd = strchr(z, '\n');
    size_t n = zEnd ? (size_t)(zEnd - z) : strlen(z);
    if (n > 0) {
      int bNamed = n > nPath && strncmp(z, zPath, nPath) == 0 && z[nPath] == ':';
      fprintf(stderr, "%s%s%.*s\n", bNamed ? "" : zPath, bNamed ? "" : ": ", (int)n, z);
    }
    z += n;
    if (*z == '\n') z++;
  }
}

static int scheme_count_problems(const char *zErr) {
  int n = 0;
  for (const char *z = zErr; z && *z; z++) n += *z == '\n';
  return zErr && *zErr ? n + 1 : 0;
}

static void scheme_sha256_hex(const char *zText, char *zHex) {
  unsigned char aHash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(aHash, (const unsigned char *)zText, strlen(zText));
  sodium_bin2hex(zHex, 65, aHash, sizeof aHash);
}

/* ---- scheme validate ---------------------------------------------------------------- */

int scheme_validate_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "scheme validate", argc, argv);
  const char *zPath = cli_positional(&args, 0);
  if (cli_finish(&args) || !zPath) {
    if (!zPath) cli_error(&args, "give the scheme file: kaoping scheme validate FILE.json");
    cli_free(&args);
    return EXIT_USAGE;
  }
  char *zText = NULL, *zErr = NULL;
  int rc = EXIT_OK;
  if (scheme_read_file(zPath, NULL, &zText, NULL, &zErr)) {
    fprintf(stderr, "%s\n", zErr);
    rc = EXIT_BAD_INPUT;
    goto done;
  }
  Scheme *p = scheme_parse(zPath, zText, &zErr);
  if (!p) {
    scheme_print_problems(zPath, zErr);
    int n = scheme_count_problems(zErr);
    fprintf(stderr, "kaoping scheme validate: %s: %d problem%s\n", zPath, n, n == 1 ? "" : "s");
    rc = EXIT_BAD_INPUT;
    goto done;
  }
  printf("%s: valid scheme %s \"%s\", year %d, %s, %d indicators in %d categories\n", zPath,
         p->zCode, p->zName, p->iYear,
         p->eAggregation == AGGREGATION_INDEX ? "index" : "points", p->nLeaf, p->nCat);
  scheme_free(p);
done:
  free(zText);
  free(zErr);
  cli_free(&args);
  return rc;
}

/* ---- scheme import ------------------------------------------------------------------ */

int scheme_import_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "scheme import", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char *zPath = cli_positional(&args, 0);
  if (cli_finish(&args) || !zPath) {
    if (!zPath) cli_error(&args, "give the scheme file: kaoping scheme import FILE.json");
    cli_free(&args);
    return EXIT_USAGE;
  }
  char *zText = NULL, *zErr = NULL;
  char zFileSha[65], zBodySha[65];
  Scheme *p = NULL;
  Db *pDb = NULL;
  int rc = EXIT_BAD_INPUT;
  TextEncoding eEnc = TEXT_UTF8;
  if (scheme_read_file(zPath, zFileSha, &zText, &eEnc, &zErr)) {
    fprintf(stderr, "%s\n", zErr);
    goto done;
  }
  p = scheme_parse(zPath, zText, &zErr);
  if (!p) {
    scheme_print_problems(zPath, zErr);
    int n = scheme_count_problems(zErr);
    fprintf(stderr, "kaoping scheme import: %s: %d problem%s: nothing stored\n", zPath, n,
            n == 1 ? "" : "s");
    goto done;
  }
  scheme_sha256_hex(zText, zBodySha);
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping scheme import: %s\n", zErr);
    rc = EXIT_INTERNAL;
    goto done;
  }
  if (db_begin(pDb)) goto sql_error;
  Stmt *s = db_prepare(pDb, "SELECT version, sha256 FROM scheme WHERE code = ?1"
                            " ORDER BY version DESC LIMIT 1");
  stmt_bind_text(s, 1, p->zCode);
  int iLatest = 0, bSame = 0;
  if (stmt_step(s) == 1) {
    iLatest = (int)stmt_int(s, 0);
    bSame = strcmp(stmt_text(s, 1), zBodySha) == 0;
  }
  stmt_finalize(s);
  if (bSame) {
    db_rollback(pDb);
    printf("scheme %s unchanged: version %d has the same content (sha256 %.16s…); nothing "
           "stored\n", p->zCode, iLatest, zBodySha);
    rc = EXIT_OK;
    goto done;
  }
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "INSERT INTO scheme(code, version, name, year, body, sha256, imported_at,"
                      " imported_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  stmt_bind_text(s, 1, p->zCode);
  stmt_bind_int(s, 2, iLatest + 1);
  stmt_bind_text(s, 3, p->zName);
  stmt_bind_int(s, 4, p->iYear);
  stmt_bind_text(s, 5, zText);
  stmt_bind_text(s, 6, zBodySha);
  stmt_bind_text(s, 7, zNow);
  stmt_bind_text(s, 8, cli_actor());
  int rcSql = stmt_run(s);
  stmt_finalize(s);
  if (rcSql) goto sql_error;
  int64_t iBatch = 0;
  if (import_batch_add(pDb, "scheme", zPath, zFileSha, text_encoding_name(eEnc), p->nLeaf, 0,
                       &iBatch))
    goto sql_error;
  char *zObject = xasprintf("scheme:%s@%d", p->zCode, iLatest + 1);
  int rcAudit = import_audit(pDb, "scheme.import", zObject,
                             json_pack("{s:s, s:s, s:s, s:I, s:i}", "file", zPath, "sha256",
                                       zBodySha, "file_sha256", zFileSha, "batch",
                                       (json_int_t)iBatch, "indicators", p->nLeaf));
  free(zObject);
  if (rcAudit) {
    fprintf(stderr, "kaoping scheme import: cannot write the audit record; nothing stored\n");
    db_rollback(pDb);
    rc = EXIT_INTERNAL;
    goto done;
  }
  if (db_commit(pDb)) goto sql_error;
  printf("stored scheme %s version %d \"%s\" (%d, %d indicators in %d categories) from %s; "
         "sha256 %.16s…\n", p->zCode, iLatest + 1, p->zName, p->iYear, p->nLeaf, p->nCat, zPath,
         zBodySha);
  rc = EXIT_OK;
  goto done;
sql_error:
  fprintf(stderr, "kaoping scheme import: database error: %s; nothing stored\n",
          db_errmsg(pDb));
  db_rollback(pDb);
  rc = EXIT_INTERNAL;
done:
  scheme_free(p);
  db_close(pDb);
  free(zText);
  free(zErr);
  cli_free(&args);
  return rc;
}

/* ---- scheme show -------------------------------------------------------------------- */

/* Collects the JSON object of every node in pre-order (the order of Scheme.aNode). */
static void scheme_collect_nodes(json_t *pList, json_t ***paNode, int *pnNode, int *pnAlloc) {
  size_t i;
  json_t *pObj;
  json_array_foreach(pList, i, pObj) {
    if (*pnNode >= *pnAlloc) {
      *pnAlloc = *pnAlloc ? 2 * *pnAlloc : 32;
      *paNode = xrealloc_array(*paNode, (size_t)*pnAlloc, sizeof(json_t *));
    }
    (*paNode)[(*pnNode)++] = pObj;
    json_t *pChildren = json_object_get(pObj, "children");
    if (json_is_array(pChildren)) scheme_collect_nodes(pChildren, paNode, pnNode, pnAlloc);
  }
}

/* Writes v as compact JSON, numbers in their shortest round-trip form (jansson would print
** 0.6 as 0.59999999999999998), object keys in the order given. */
static void scheme_json_compact(Buf *b, json_t *v) {
  char zNum[32];
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    const char *zKey;
    json_t *pVal;
    int bFirst = 1;
    buf_putc(b, '{');
    json_object_foreach(v, zKey, pVal) {
      json_t *pKey = json_string(zKey);
      char *zQuoted = pKey ? json_dumps(pKey, JSON_ENCODE_ANY) : NULL;
      buf_printf(b, "%s%s:", bFirst ? "" : ",", zQuoted ? zQuoted : "\"?\"");
      free(zQuoted);
      json_decref(pKey);
      scheme_json_compact(b, pVal);
      bFirst = 0;
    }
    buf_putc(b, '}');
    break;
  }
  case JSON_ARRAY: {
    size_t i;
    json_t *pVal;
    buf_putc(b, '[');
    json_array_foreach(v, i, pVal) {
      if (i) buf_putc(b, ',');
      scheme_json_compact(b, pVal);
    }
    buf_putc(b, ']');
    break;
  }
  case JSON_REAL:
    text_fmt_double(zNum, json_real_value(v));
    buf_puts(b, zNum);
    break;
  default: {
    char *z = json_dumps(v, JSON_ENCODE_ANY);
    buf_puts(b, z ? z : "null");
    free(z);
  }
  }
}

static const char *scheme_missing_name(MissingPolicy e) {
  switch (e) {
  case MISSING_ZERO: return "zero";
  case MISSING_EXCLUDE: return "exclude";
  case MISSING_GROUP_MEAN: return "group_mean";
  case MISSING_CARRY: return "carry";
  }
  return "?";
}

/* Prints the indicator tree of p as an aligned table; azJson[i] is node i's JSON. */
static void scheme_print_tree(const Scheme *p, json_t **aJson, int nJson) {
  static const char *const azHead[] = {"code", "name", "unit", "weight", "method", "params",
                                       "direction", "accumulate", "groups", "missing",
                                       "source"};
  int nCol = (int)(sizeof azHead / sizeof azHead[0]);
  Grid *g = grid_new(nCol);
  grid_align_right(g, 3);
  for (int c = 0; c < nCol; c++) grid_cell(g, azHead[c]);
  for (int i = 0; i < p->nNode; i++) {
    const SchemeNode *n = &p->aNode[i];
    Buf code = BUF_INIT;
    for (int d = 0; d < n->iDepth; d++) buf_puts(&code, "  ");
    buf_puts(&code, n->zCode);
    grid_cell(g, buf_str(&code));
    buf_free(&code);
    grid_cell(g, n->zName);
    grid_cell(g, n->bLeaf ? n->zUnit : "");
    char zW[32];
    snprintf(zW, sizeof zW, "%.15g", n->rWeight); /* display: what a spreadsheet shows */
    int bWeight = n->bLeaf ? scheme_method_weighted(n->eMethod) || n->bWeightGiven
                           : p->eAggregation == AGGREGATION_INDEX;
    grid_cell(g, bWeight ? zW : "");
    if (!n->bLeaf) {
      grid_cell(g, n->eAggregate == AGG_GEOMETRIC ? "(geometric)" : "(arithmetic)");
      for (int c = 5; c < nCol; c++) grid_cell(g, "");
      continue;
    }
    grid_cell(g, scheme_method_name(n->eMethod));
    json_t *pParams = i < nJson ? json_object_get(aJson[i], "params") : NULL;
    Buf params = BUF_INIT;
    if (pParams) scheme_json_compact(&params, pParams);
    grid_cell(g, buf_str(&params));
    buf_free(&params);
    grid_cell(g, n->bLower ? "lower" : "higher");
    grid_cell(g, n->eAccumulate == ACCUMULATE_YTD ? "ytd" : "period");
    Buf groups = BUF_INIT;
    for (int k = 0; k < n->nGroup; k++) {
      if (k) buf_putc(&groups, ',');
      buf_puts(&groups, n->azGroup[k]);
    }
    grid_cell(g, n->nGroup ? buf_str(&groups) : "(all)");
    buf_free(&groups);
    grid_cell(g, scheme_missing_name(n->eMissing));
    grid_cell(g, n->zSource);
  }
  grid_print(g, stdout);
  grid_free(g);
}

int scheme_show_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "scheme show", argc, argv);
  const char *zDb = cli_db_path(&args);
  const char *zFormat = cli_opt(&args, "--format");
  const char *zSpec = cli_positional(&args, 0);
  if (cli_finish(&args) || !zSpec) {
    if (!zSpec) cli_error(&args, "give the scheme: kaoping scheme show CODE[@VERSION]");
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (!zFormat) zFormat = "tree";
  if (strcmp(zFormat, "tree") != 0 && strcmp(zFormat, "json") != 0) {
    cli_error(&args, "--format must be tree or json");
    cli_free(&args);
    return EXIT_USAGE;
  }
  Db *pDb = NULL;
  char *zErr = NULL;
  Scheme *p = NULL;
  json_t *pRoot = NULL;
  json_t **aJson = NULL;
  int rc = EXIT_BAD_INPUT;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping scheme show: %s\n", zErr);
    rc = EXIT_INTERNAL;
    goto done;
  }
  int64_t iId;
  int iVersion;
  if (scheme_store_resolve(pDb, zSpec, &iId, &iVersion, &zErr)) {
    fprintf(stderr, "kaoping scheme show: %s\n", zErr);
    goto done;
  }
  Stmt *s = db_prepare(pDb, "SELECT code, body, sha256, imported_at, imported_by,"
                            " (SELECT max(version) FROM scheme t WHERE t.code = scheme.code)"
                            " FROM scheme WHERE id = ?1");
  stmt_bind_int(s, 1, iId);
  if (stmt_step(s) != 1) {
    stmt_finalize(s);
    fprintf(stderr, "kaoping scheme show: %s vanished while reading\n", zSpec);
    rc = EXIT_INTERNAL;
    goto done;
  }
  if (strcmp(zFormat, "json") == 0) {
    const char *zBody = stmt_text(s, 1);
    size_t n = strlen(zBody);
    fputs(zBody, stdout);
    if (n == 0 || zBody[n - 1] != '\n') fputc('\n', stdout);
    stmt_finalize(s);
    rc = EXIT_OK;
    goto done;
  }
  char *zBody = xstrdup(stmt_text(s, 1));
  char *zInfo = xasprintf("version %d of %d, sha256 %s, imported %s by %s", iVersion,
                          (int)stmt_int(s, 5), stmt_text(s, 2), stmt_text(s, 3),
                          stmt_text(s, 4));
  stmt_finalize(s);
  p = scheme_parse(zSpec, zBody, &zErr);
  pRoot = json_loads(zBody, JSON_DECODE_ANY, NULL); /* jansson keeps key order */
  free(zBody);
  if (!p || !pRoot) {
    fprintf(stderr, "kaoping scheme show: %s no longer validates:\n%s\n", zSpec,
            zErr ? zErr : "?");
    free(zInfo);
    rc = EXIT_INTERNAL;
    goto done;
  }
  int nJson = 0, nAlloc = 0;
  scheme_collect_nodes(json_object_get(pRoot, "indicators"), &aJson, &nJson, &nAlloc);
  printf("%s \"%s\", year %d\n%s\n", p->zCode, p->zName, p->iYear, zInfo);
  free(zInfo);
  char zNum[32];
  if (p->eAggregation == AGGREGATION_INDEX) {
    snprintf(zNum, sizeof zNum, "%.15g", p->rScale);
    printf("aggregation index (%s at the top), scale %s", p->eTopAggregate == AGG_GEOMETRIC
           ? "geometric" : "arithmetic", zNum);
  } else {
    snprintf(zNum, sizeof zNum, "%.15g", p->rTotal);
    printf("aggregation points, total %s", zNum);
  }
  printf(", time basis %s\n", p->bDayBasis ? "day" : "month");
  if (p->nGrade) {
    printf("grades by %s:", p->bGradeByShare ? "share of group" : "score");
    for (int i = 0; i < p->nGrade; i++) {
      if (p->aGrade[i].bThreshold) {
        snprintf(zNum, sizeof zNum, "%.15g", p->aGrade[i].rThreshold);
        printf(" %s %s %s%s", p->aGrade[i].zLabel, p->bGradeByShare ? "<=" : ">=", zNum,
               i + 1 < p->nGrade ? "," : "");
      } else {
        printf(" %s (otherwise)%s", p->aGrade[i].zLabel, i + 1 < p->nGrade ? "," : "");
      }
    }
    printf("\n");
  }
  printf("%d indicators in %d categories\n\n", p->nLeaf, p->nCat);
  scheme_print_tree(p, aJson, nJson == p->nNode ? nJson : 0);
  rc = EXIT_OK;
done:
  free(aJson);
  if (pRoot) json_decref(pRoot);
  scheme_free(p);
  db_close(pDb);
  free(zErr);
  cli_free(&args);
  return rc;
}

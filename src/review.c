/*
** review.c: the review (点评) of a period: loading its inputs from the store, their
** canonical form and SHA-256, the pure derivation of the review document that
** docs/review-json.md specifies, its deterministic printing, and a structural diff of two
** documents for `review verify`. The verbs are in review_cmd.c; rendering (bulletin, XLSX)
** is in report/, which reads the document and recomputes nothing.
**
** NOTES ON THE DESIGN
**
** Pure versus I/O. review_load() is the only function here that touches the store, and it
** only reads. review_derive() is a function of (ReviewMeta, ScoreInput, ScoreResult,
** ReviewBasis): no clock, no database, no environment, no hash-order dependence, so the
** unit tests drive it with hand-built inputs and `review verify` can recompute a published
** review years later and expect the very same bytes.
**
** Invariants.
**  I1. Same inputs => byte-identical document. Objects are built in a fixed insertion order
**      (jansson keeps it) and printed by review_json_text(), never json_dumps(): reals are
**      written with review_fmt_double (the shortest decimal that reads back as exactly the
**      same double, e.g. 0.1 and not 0.10000000000000001; integral reals print as "87"), so
**      a consumer must read numbers with json_number_value().
**  I2. Every ordering is total: units in table order (unit.sort_order, then code); within a
**      group by rank, ties in table order; leaves and categories in scheme order; every
**      "top N" list breaks ties by a further key and finally by scheme or table order.
**  I3. The canonical inputs determine the document together with the revision number and
**      whether the period is still open (the "provisional" flag; a provisional review is
**      never published): the hash covers everything else review_derive() reads (scheme,
**      period, units with names, groups and order, values, targets, previous values used by
**      `carry`, and the identity of the previous published review whose totals give the
**      changes).
**  I4. The potential (潜力) is computed by rerunning the engine on a private copy of the
**      value matrix in which exactly one cell differs from the input; the cell is restored
**      after every run, so each rerun sees the original inputs but for that one value.
**      Cost: at most 2 x units x weighted leaves engine runs, each O(units x leaves):
**      16 units x 40 leaves = 1280 runs of a 640-cell problem, well under a second.
**
** The canonical inputs (format 1). A UTF-8 byte string of lines, each ended by "\n", fields
** separated by one space. Text fields (codes, names, groups) are written as they are, except
** that the bytes 0x00-0x20, '%' (0x25) and 0x7F are written as %XX (uppercase hex), so a
** field never contains a space or a line break. Numbers: an integral value below 1e17 in
** magnitude as plain digits ("%.0f": "120", "-3"; -0 is "0"); any other as the shortest C
** "%.Ng" (N = 1..17) that reads back as exactly the stored double ("0.1", "1e+21",
** "1e-05"). The lines, in this order:
**     kaoping-inputs 1
**     scheme <code> <version> <sha256 hex of scheme.body exactly as stored>
**     period <code>
**     unit <code> <group> <name>                 one per ranked unit (peer group not NULL),
**                                                in table order (unit.sort_order, then code):
**                                                that order is the order of every table
**     value <unit> <indicator> <number|null>     current revision of each observation of
**                                                the period that is not rejected, for a
**                                                listed unit and a leaf of the scheme;
**                                                "null" = reported missing
**     target <unit> <indicator> <number>         targets of the scheme, listed units, leaves
**     previous <unit> <indicator> <number|null>  observations of period_previous(period),
**                                                same rules, only for leaves whose missing
**                                                policy is `carry` (no other leaf reads them)
**     basis <period> <revision> | basis none     the published review the changes are from
** value, target and previous lines are each sorted by unit code, then indicator code,
** bytewise (memcmp order, as SQLite's BINARY collation sorts). Observations of units that
** are not ranked, or of codes that are not leaves of the scheme, are not inputs. Anyone can
** rebuild this text from the tables: tests/cli/review.sh (review-5.4) does it in a few lines
** of Python and must get the stored hash.
**
** The basis. The review compares each unit with "the previous published review": the
** published review of the latest earlier period of the same kind (2021-B2 for 2021-B3, or
** 2021-B1 when 2021-B2 was never published). The document records its period and
** revision, and `review verify` recomputes against that same revision even if the earlier
** period has since been republished.
*/
#include "review.h"
#include "robust.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "audit.h"
#include "util/text.h"

/* ===================================================================================== */
/* Small helpers                                                                           */
/* ===================================================================================== */

/* A JSON number, or null for NaN (jansson cannot hold NaN). */
static json_t *review_num(double r) {
  if (!isfinite(r)) return json_null();
  if (r == 0) r = 0; /* -0 -> 0: a signed zero is noise, and prints as "0" anyway */
  return json_real(r);
}

static json_t *review_int_or_null(int i) {
  return i > 0 ? json_integer(i) : json_null();
}

static json_t *review_str(const char *z) {
  return z ? json_string(z) : json_null();
}

void review_fmt_double(char *z, double r) {
  /* text_fmt_double finds the fewest significant digits, but "%.2g" of 120 is "1.2e+02":
  ** integral values print as plain digits while they are exact in a double (< 1e17) */
  if (isfinite(r) && r == floor(r) && fabs(r) < 1e17) {
    snprintf(z, 32, "%.0f", r == 0 ? 0.0 : r);
    return;
  }
  text_fmt_double(z, r);
}

void review_sha256_hex(const void *z, size_t n, char *zHex) {
  unsigned char aHash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(aHash, (const unsigned char *)z, (unsigned long long)n);
  for (int i = 0; i < (int)sizeof aHash; i++) snprintf(zHex + 2 * i, 3, "%02x", aHash[i]);
  zHex[64] = 0;
}

/* The flag names of a bit set, in bit order, as a JSON array. */
static json_t *review_flags(unsigned flags) {
  json_t *a = json_array();
  for (int i = 0; i < FLAG__COUNT; i++) {
    unsigned bit = 1u << i;
    if (!(flags & bit)) continue;
    const char *z = score_flag_name(bit);
    if (z) json_array_append_new(a, json_string(z));
  }
  return a;
}

static int review_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/* Median of n finite values (sorted in place); NaN when n = 0. Even n: mean of the middle
** two, the usual statistical median. */
static double review_median(double *a, int n) {
  if (n <= 0) return NAN;
  qsort(a, (size_t)n, sizeof a[0], review_cmp_double);
  if (n % 2) return a[n / 2];
  return (a[n / 2 - 1] + a[n / 2]) / 2;
}

/* ===================================================================================== */
/* Deterministic JSON printing (invariant I1)                                             */
/* ===================================================================================== */

static void review_json_put_string(Buf *b, const char *z) {
  buf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)z; *p; p++) {
    switch (*p) {
      case '"': buf_puts(b, "\\\""); break;
      case '\\': buf_puts(b, "\\\\"); break;
      case '\n': buf_puts(b, "\\n"); break;
      case '\r': buf_puts(b, "\\r"); break;
      case '\t': buf_puts(b, "\\t"); break;
      case '\b': buf_puts(b, "\\b"); break;
      case '\f': buf_puts(b, "\\f"); break;
      default:
        if (*p < 0x20) buf_printf(b, "\\u%04x", *p);
        else buf_putc(b, (char)*p);
    }
  }
  buf_putc(b, '"');
}

static void review_json_newline(Buf *b, int nIndent, int iDepth) {
  if (!nIndent) return;
  buf_putc(b, '\n');
  for (int i = 0; i < nIndent * iDepth; i++) buf_putc(b, ' ');
}

/* Is p an array of scalars only (printed on one line even in pretty mode)? */
static int review_json_flat(const json_t *p) {
  size_t i;
  json_t *v;
  json_array_foreach(p, i, v) {
    if (json_is_object(v) || json_is_array(v)) return 0;
  }
  return 1;
}

static void review_json_put(Buf *b, const json_t *p, int nIndent, int iDepth) {
  char zNum[32];
  switch (json_typeof(p)) {
    case JSON_OBJECT: {
      if (json_object_size(p) == 0) {
        buf_puts(b, "{}");
        break;
      }
      buf_putc(b, '{');
      int bFirst = 1;
      const char *zKey;
      json_t *v;
      /* jansson >= 2.8 iterates objects in insertion order */
      json_object_foreach((json_t *)p, zKey, v) {
        if (!bFirst) buf_putc(b, ',');
        bFirst = 0;
        review_json_newline(b, nIndent, iDepth + 1);
        review_json_put_string(b, zKey);
        buf_puts(b, nIndent ? ": " : ":");
        review_json_put(b, v, nIndent, iDepth + 1);
      }
      review_json_newline(b, nIndent, iDepth);
      buf_putc(b, '}');
      break;
    }
    case JSON_ARRAY: {
      if (json_array_size(p) == 0) {
        buf_puts(b, "[]");
        break;
      }
      int bFlat = review_json_flat(p);
      buf_putc(b, '[');
      size_t i;
      json_t *v;
      json_array_foreach(p, i, v) {
        if (i) buf_puts(b, bFlat && nIndent ? ", " : ",");
        if (!bFlat) review_json_newline(b, nIndent, iDepth + 1);
        review_json_put(b, v, nIndent, iDepth + 1);
      }
      if (!bFlat) review_json_newline(b, nIndent, iDepth);
      buf_putc(b, ']');
      break;
    }
    case JSON_STRING:
      review_json_put_string(b, json_string_value(p));
      break;
    case JSON_INTEGER:
      buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(p));
      break;
    case JSON_REAL:
      review_fmt_double(zNum, json_real_value(p));
      buf_puts(b, zNum);
      break;
    case JSON_TRUE: buf_puts(b, "true"); break;
    case JSON_FALSE: buf_puts(b, "false"); break;
    case JSON_NULL: buf_puts(b, "null"); break;
  }
}

char *review_json_text(const json_t *p, int nIndent) {
  Buf b = BUF_INIT;
  review_json_put(&b, p, nIndent, 0);
  return buf_detach(&b);
}

/* ===================================================================================== */
/* Loading the inputs from the store                                                      */
/* ===================================================================================== */

typedef struct UnitIndex {
  int n;
  int *aOrder;              /* unit indices sorted by code */
  char *const *azCode;
} UnitIndex;

static const UnitIndex *pSortIndex; /* qsort has no context argument in C17 */
static int review_cmp_unit_index(const void *a, const void *b) {
  return strcmp(pSortIndex->azCode[*(const int *)a], pSortIndex->azCode[*(const int *)b]);
}

static void review_unit_index_build(UnitIndex *p, char *const *azCode, int n) {
  p->n = n;
  p->azCode = azCode;
  p->aOrder = xmalloc_array((size_t)(n ? n : 1), sizeof(int));
  for (int i = 0; i < n; i++) p->aOrder[i] = i;
  pSortIndex = p;
  qsort(p->aOrder, (size_t)n, sizeof(int), review_cmp_unit_index);
  pSortIndex = NULL;
}

/* Index of unit zCode, or -1 (binary search). */
static int review_unit_index_find(const UnitIndex *p, const char *zCode) {
  int lo = 0, hi = p->n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = strcmp(p->azCode[p->aOrder[mid]], zCode);
    if (c == 0) return p->aOrder[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/* Dense leaf index of code zCode in the scheme, or -1 (categories are not leaves). */
static int review_leaf_index(const Scheme *pS, const char *zCode) {
  int iNode = scheme_find(pS, zCode);
  if (iNode < 0 || !pS->aNode[iNode].bLeaf) return -1;
  return pS->aNode[iNode].iLeaf;
}

static int review_scheme_has_carry(const Scheme *pS) {
  for (int l = 0; l < pS->nLeaf; l++)
    if (pS->aNode[pS->aLeafNode[l]].eMissing == MISSING_CARRY) return 1;
  return 0;
}

void review_inputs_free(ReviewInputs *p) {
  if (!p) return;
  json_decref(p->pSources);
  free(p->zSchemeCode);
  if (p->pScheme) scheme_free(p->pScheme);
  for (int i = 0; i < p->nUnit; i++) {
    free(p->azUnit[i]);
    free(p->azName[i]);
    free(p->azGroup[i]);
  }
  free(p->azUnit);
  free(p->azName);
  free(p->azGroup);
  free(p->aValue);
  free(p->aTarget);
  free(p->aPrevious);
  free(p->aValueSet);
  free(p->aTargetSet);
  free(p->aPreviousSet);
  for (int i = 0; i < p->basis.nUnit; i++) free(p->basis.azUnit[i]);
  free(p->basis.azUnit);
  free(p->basis.aTotal);
  free(p->basis.aRank);
  free(p);
}

/* Reads "unit, indicator, value" rows of statement s into the matrix a / aSet. With bCarryOnly
** only leaves whose missing policy is carry are kept. Returns 0, or -1 on a database error. */
static int review_load_matrix(Stmt *s, const ReviewInputs *p, const UnitIndex *pIdx,
                              int bCarryOnly, double *a, unsigned char *aSet) {
  int nLeaf = p->pScheme->nLeaf;
  int rc;
  while ((rc = stmt_step(s)) == 1) {
    const char *zUnit = stmt_text(s, 0), *zInd = stmt_text(s, 1);
    if (!zUnit || !zInd) continue;
    int u = review_unit_index_find(pIdx, zUnit);
    int l = review_leaf_index(p->pScheme, zInd);
    if (u < 0 || l < 0) continue; /* not an input: see NOTES */
    if (bCarryOnly && p->pScheme->aNode[p->pScheme->aLeafNode[l]].eMissing != MISSING_CARRY)
      continue;
    a[(size_t)u * nLeaf + l] = stmt_double(s, 2);
    aSet[(size_t)u * nLeaf + l] = 1;
  }
  return rc < 0 ? -1 : 0;
}

/* Fills p->basis from review id iReview (period zPeriod, revision iRevision). */
static int review_load_basis(Db *pDb, ReviewInputs *p, int64_t iReview, const char *zPeriod,
                             int iRevision) {
  ReviewBasis *b = &p->basis;
  snprintf(b->zPeriod, sizeof b->zPeriod, "%s", zPeriod);
  b->iRevision = iRevision;
  Stmt *s = db_prepare(pDb, "SELECT unit, total, rank FROM review_unit WHERE review_id = ?1 "
                            "ORDER BY unit");
  stmt_bind_int(s, 1, iReview);
  int rc, nAlloc = 0;
  while ((rc = stmt_step(s)) == 1) {
    if (b->nUnit == nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 32;
      b->azUnit = xrealloc_array(b->azUnit, (size_t)nAlloc, sizeof(char *));
      b->aTotal = xrealloc_array(b->aTotal, (size_t)nAlloc, sizeof(double));
      b->aRank = xrealloc_array(b->aRank, (size_t)nAlloc, sizeof(int));
    }
    b->azUnit[b->nUnit] = xstrdup(stmt_text(s, 0));
    b->aTotal[b->nUnit] = stmt_double(s, 1);
    b->aRank[b->nUnit] = (int)stmt_int(s, 2);
    b->nUnit++;
  }
  stmt_finalize(s);
  return rc < 0 ? -1 : 0;
}

/* Finds the basis: the given (period, revision), or the latest published review of an
** earlier period of the same kind. Returns 0 (possibly with no basis), -1 with *pzErr. */
static int review_find_basis(Db *pDb, ReviewInputs *p, const char *zBasisPeriod,
                             int iBasisRevision, char **pzErr) {
  if (zBasisPeriod && !zBasisPeriod[0]) return 0; /* explicitly none */
  if (zBasisPeriod) {
    Stmt *s = db_prepare(pDb, "SELECT id FROM review WHERE period = ?1 AND revision = ?2 "
                              "AND state IN ('published','superseded')");
    stmt_bind_text(s, 1, zBasisPeriod);
    stmt_bind_int(s, 2, iBasisRevision);
    int rc = stmt_step(s);
    int64_t id = rc == 1 ? stmt_int(s, 0) : 0;
    stmt_finalize(s);
    if (rc < 0) goto db_error;
    if (rc == 0) {
      *pzErr = xasprintf("the previous review %s revision %d, on which this review is based, "
                         "is not in the store", zBasisPeriod, iBasisRevision);
      return -1;
    }
    if (review_load_basis(pDb, p, id, zBasisPeriod, iBasisRevision)) goto db_error;
    return 0;
  }
  Stmt *s = db_prepare(pDb, "SELECT id, period, revision FROM review WHERE state = 'published' "
                            "ORDER BY period, revision");
  int64_t idBest = 0;
  int iRevBest = 0;
  Period best = {0};
  int rc;
  while ((rc = stmt_step(s)) == 1) {
    Period q;
    char *zErr = NULL;
    const char *zCode = stmt_text(s, 1);
    if (!zCode || period_parse(zCode, &q, &zErr)) {
      free(zErr);
      continue;
    }
    if (q.eKind != p->period.eKind) continue;
    if (q.iYear > p->period.iYear ||
        (q.iYear == p->period.iYear && q.iIndex >= p->period.iIndex))
      continue;
    if (idBest == 0 || q.iYear > best.iYear || (q.iYear == best.iYear && q.iIndex > best.iIndex)) {
      best = q;
      idBest = stmt_int(s, 0);
      iRevBest = (int)stmt_int(s, 2);
    }
  }
  stmt_finalize(s);
  if (rc < 0) goto db_error;
  if (idBest && review_load_basis(pDb, p, idBest, best.zCode, iRevBest)) goto db_error;
  return 0;
db_error:
  *pzErr = xasprintf("reading the previous review: %s", db_errmsg(pDb));
  return -1;
}

int review_load(Db *pDb, const char *zPeriod, const char *zBasisPeriod, int iBasisRevision,
                ReviewInputs **ppOut, char **pzErr) {
  *ppOut = NULL;
  ReviewInputs *p = xcalloc(1, sizeof *p);
  Stmt *s = NULL;
  char *zErr = NULL;
  char *zBody = NULL;
  UnitIndex idx = {0};
  if (period_parse(zPeriod, &p->period, &zErr)) {
    *pzErr = xasprintf("%s", zErr);
    free(zErr);
    goto fail;
  }

  /* The period and its scheme. */
  s = db_prepare(pDb, "SELECT p.state, s.id, s.code, s.version, s.body FROM period p "
                      "JOIN scheme s ON s.id = p.scheme_id WHERE p.code = ?1");
  stmt_bind_text(s, 1, p->period.zCode);
  int rc = stmt_step(s);
  if (rc < 0) goto db_error;
  if (rc == 0) {
    *pzErr = xasprintf("period %s is not in the store (kaoping period open %s --scheme CODE)",
                       p->period.zCode, p->period.zCode);
    goto fail;
  }
  snprintf(p->zPeriodState, sizeof p->zPeriodState, "%s", stmt_text(s, 0));
  p->iSchemeId = (int)stmt_int(s, 1);
  p->zSchemeCode = xstrdup(stmt_text(s, 2));
  p->iSchemeVersion = (int)stmt_int(s, 3);
  {
    int nBody = stmt_column_bytes(s, 4);
    const char *z = stmt_text(s, 4);
    zBody = xstrndup(z ? z : "", (size_t)(nBody > 0 ? nBody : 0));
    review_sha256_hex(zBody, strlen(zBody), p->zSchemeSha256);
  }
  stmt_finalize(s);
  s = NULL;
  {
    char *zName = xasprintf("scheme %s version %d", p->zSchemeCode, p->iSchemeVersion);
    p->pScheme = scheme_parse(zName, zBody, &zErr);
    free(zName);
    if (!p->pScheme) {
      *pzErr = xasprintf("the stored scheme %s version %d does not parse:\n%s", p->zSchemeCode,
                         p->iSchemeVersion, zErr ? zErr : "?");
      free(zErr);
      goto fail;
    }
    /* Demo data says so in the scheme ("synthetic": true), and every review repeats it. */
    json_t *pBody = json_loads(zBody, 0, NULL);
    p->bSynthetic = pBody && json_is_true(json_object_get(pBody, "synthetic"));
    json_decref(pBody);
  }

  /* Ranked units in table order. */
  s = db_prepare(pDb, "SELECT code, name, peer_group FROM unit WHERE peer_group IS NOT NULL "
                      "ORDER BY sort_order, code");
  int nAlloc = 0;
  while ((rc = stmt_step(s)) == 1) {
    if (p->nUnit == nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 32;
      p->azUnit = xrealloc_array(p->azUnit, (size_t)nAlloc, sizeof(char *));
      p->azName = xrealloc_array(p->azName, (size_t)nAlloc, sizeof(char *));
      p->azGroup = xrealloc_array(p->azGroup, (size_t)nAlloc, sizeof(char *));
    }
    p->azUnit[p->nUnit] = xstrdup(stmt_text(s, 0));
    p->azName[p->nUnit] = xstrdup(stmt_text(s, 1));
    p->azGroup[p->nUnit] = xstrdup(stmt_text(s, 2));
    p->nUnit++;
  }
  if (rc < 0) goto db_error;
  stmt_finalize(s);
  s = NULL;
  if (p->nUnit == 0) {
    *pzErr = xasprintf("no ranked units in the store (kaoping unit import FILE)");
    goto fail;
  }
  review_unit_index_build(&idx, p->azUnit, p->nUnit);

  size_t nCell = (size_t)p->nUnit * (size_t)(p->pScheme->nLeaf ? p->pScheme->nLeaf : 1);
  p->aValue = xmalloc_array(nCell, sizeof(double));
  p->aTarget = xmalloc_array(nCell, sizeof(double));
  p->aPrevious = xmalloc_array(nCell, sizeof(double));
  for (size_t i = 0; i < nCell; i++) p->aValue[i] = p->aTarget[i] = p->aPrevious[i] = NAN;
  p->aValueSet = xcalloc(nCell, 1);
  p->aTargetSet = xcalloc(nCell, 1);
  p->aPreviousSet = xcalloc(nCell, 1);

  /* Values: the current revision, unless that revision was rejected. */
  s = db_prepare(pDb, "SELECT unit, indicator, value FROM observation_current "
                      "WHERE period = ?1 AND state <> 'rejected'");
  stmt_bind_text(s, 1, p->period.zCode);
  if (review_load_matrix(s, p, &idx, 0, p->aValue, p->aValueSet)) goto db_error;
  stmt_finalize(s);
  s = NULL;

  s = db_prepare(pDb, "SELECT unit, indicator, target FROM target WHERE scheme_id = ?1");
  stmt_bind_int(s, 1, p->iSchemeId);
  if (review_load_matrix(s, p, &idx, 0, p->aTarget, p->aTargetSet)) goto db_error;
  stmt_finalize(s);
  s = NULL;

  if (review_scheme_has_carry(p->pScheme)) {
    Period prev = period_previous(&p->period);
    s = db_prepare(pDb, "SELECT unit, indicator, value FROM observation_current "
                        "WHERE period = ?1 AND state <> 'rejected'");
    stmt_bind_text(s, 1, prev.zCode);
    if (review_load_matrix(s, p, &idx, 1, p->aPrevious, p->aPreviousSet)) goto db_error;
    stmt_finalize(s);
    s = NULL;
  }

  if (review_find_basis(pDb, p, zBasisPeriod, iBasisRevision, pzErr)) goto fail;

  p->in.pScheme = p->pScheme;
  p->in.period = p->period;
  p->in.nUnit = p->nUnit;
  p->in.azUnit = (const char *const *)p->azUnit;
  p->in.azGroup = (const char *const *)p->azGroup;
  p->in.aValue = p->aValue;
  p->in.aTarget = p->aTarget;
  p->in.aPrevious = p->aPrevious;
  free(idx.aOrder);
  free(zBody);
  *ppOut = p;
  return 0;

db_error:
  *pzErr = xasprintf("reading the inputs of %s: %s", p->period.zCode, db_errmsg(pDb));
fail:
  stmt_finalize(s);
  free(idx.aOrder);
  free(zBody);
  review_inputs_free(p);
  return -1;
}

/* ===================================================================================== */
/* Canonical inputs                                                                       */
/* ===================================================================================== */

/* A text field: as is, but bytes 0x00-0x20, '%' and 0x7F as %XX (see NOTES). */
static void review_canon_field(Buf *b, const char *z) {
  buf_putc(b, ' ');
  for (const unsigned char *p = (const unsigned char *)(z ? z : ""); *p; p++) {
    if (*p <= 0x20 || *p == '%' || *p == 0x7F) buf_printf(b, "%%%02X", *p);
    else buf_putc(b, (char)*p);
  }
}

static void review_canon_number(Buf *b, double r) {
  char z[32];
  review_fmt_double(z, r); /* "null" for NaN */
  buf_putc(b, ' ');
  buf_puts(b, z);
}

static const Scheme *pSortScheme;
static int review_cmp_leaf_code(const void *a, const void *b) {
  const Scheme *s = pSortScheme;
  return strcmp(s->aNode[s->aLeafNode[*(const int *)a]].zCode,
                s->aNode[s->aLeafNode[*(const int *)b]].zCode);
}

static void review_canon_matrix(Buf *b, const ReviewInputs *p, const UnitIndex *pIdx,
                                const int *aLeafOrder, const char *zTag, const double *a,
                                const unsigned char *aSet) {
  int nLeaf = p->pScheme->nLeaf;
  for (int i = 0; i < pIdx->n; i++) {
    int u = pIdx->aOrder[i];
    for (int j = 0; j < nLeaf; j++) {
      int l = aLeafOrder[j];
      size_t k = (size_t)u * nLeaf + l;
      if (!aSet[k]) continue;
      buf_puts(b, zTag);
      review_canon_field(b, p->azUnit[u]);
      review_canon_field(b, p->pScheme->aNode[p->pScheme->aLeafNode[l]].zCode);
      review_canon_number(b, a[k]);
      buf_putc(b, '\n');
    }
  }
}

char *review_inputs_canonical(const ReviewInputs *p) {
  Buf b = BUF_INIT;
  const Scheme *pS = p->pScheme;
  buf_puts(&b, "kaoping-inputs 1\n");
  buf_puts(&b, "scheme");
  review_canon_field(&b, p->zSchemeCode);
  buf_printf(&b, " %d %s\n", p->iSchemeVersion, p->zSchemeSha256);
  buf_puts(&b, "period");
  review_canon_field(&b, p->period.zCode);
  buf_putc(&b, '\n');
  for (int u = 0; u < p->nUnit; u++) {
    buf_puts(&b, "unit");
    review_canon_field(&b, p->azUnit[u]);
    review_canon_field(&b, p->azGroup[u]);
    review_canon_field(&b, p->azName[u]);
    buf_putc(&b, '\n');
  }
  UnitIndex idx;
  review_unit_index_build(&idx, p->azUnit, p->nUnit);
  int *aLeafOrder = xmalloc_array((size_t)(pS->nLeaf ? pS->nLeaf : 1), sizeof(int));
  for (int l = 0; l < pS->nLeaf; l++) aLeafOrder[l] = l;
  pSortScheme = pS;
  qsort(aLeafOrder, (size_t)pS->nLeaf, sizeof(int), review_cmp_leaf_code);
  pSortScheme = NULL;
  review_canon_matrix(&b, p, &idx, aLeafOrder, "value", p->aValue, p->aValueSet);
  review_canon_matrix(&b, p, &idx, aLeafOrder, "target", p->aTarget, p->aTargetSet);
  review_canon_matrix(&b, p, &idx, aLeafOrder, "previous", p->aPrevious, p->aPreviousSet);
  if (p->basis.zPeriod[0]) {
    buf_puts(&b, "basis");
    review_canon_field(&b, p->basis.zPeriod);
    buf_printf(&b, " %d\n", p->basis.iRevision);
  } else {
    buf_puts(&b, "basis none\n");
  }
  free(aLeafOrder);
  free(idx.aOrder);
  return buf_detach(&b);
}

void review_inputs_sha256(const ReviewInputs *p, char *zHex) {
  char *z = review_inputs_canonical(p);
  review_sha256_hex(z, strlen(z), zHex);
  free(z);
}

/* ===================================================================================== */
/* The derivation (pure)                                                                  */
/* ===================================================================================== */

/* Everything the derivation computes once and reads many times. */
typedef struct Derive {
  const ScoreInput *pIn;
  const ScoreResult *pRes;
  const Scheme *pS;
  int nUnit, nLeaf;
  int nGroup;
  const char **azGroup;   /* group names in order of first appearance in the unit order */
  int *aUnitGroup;        /* group index of each unit */
  /* [iGroup * nLeaf + iLeaf], over the group's units that have a value: */
  double *aMedian, *aBest;           /* of the raw values */
  double *aRatioMedian, *aRatioBest; /* of x/t, for leaves that need a target */
  int *aMaxRank;                     /* the worst leaf rank given in the group */
  int *aNRanked;                     /* units with a leaf rank */
  /* per unit */
  int *aPrevIdx;          /* index in the basis, -1 none */
} Derive;

static int review_is_target_leaf(const SchemeNode *pNode) {
  return scheme_method_needs_target(pNode->eMethod);
}

/* The value compared with the group for potential: x, or x/t for target-based leaves;
** NaN when not available. */
static double review_comparable(const Derive *d, int u, int l) {
  size_t k = (size_t)u * d->nLeaf + l;
  double x = d->pIn->aValue[k];
  const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
  if (!review_is_target_leaf(pNode)) return x;
  double t = d->pIn->aTarget ? d->pIn->aTarget[k] : NAN;
  if (!isfinite(x) || !isfinite(t) || t <= 0) return NAN;
  return x / t;
}

static int review_leaf_applies(const Derive *d, int u, int l) {
  return scheme_leaf_applies(d->pS, d->pS->aLeafNode[l], d->pIn->azGroup[u]);
}

static void review_derive_stats(Derive *d) {
  int nCell = d->nGroup * d->nLeaf;
  d->aMedian = xmalloc_array((size_t)(nCell ? nCell : 1), sizeof(double));
  d->aBest = xmalloc_array((size_t)(nCell ? nCell : 1), sizeof(double));
  d->aRatioMedian = xmalloc_array((size_t)(nCell ? nCell : 1), sizeof(double));
  d->aRatioBest = xmalloc_array((size_t)(nCell ? nCell : 1), sizeof(double));
  d->aMaxRank = xcalloc((size_t)(nCell ? nCell : 1), sizeof(int));
  d->aNRanked = xcalloc((size_t)(nCell ? nCell : 1), sizeof(int));
  double *aWork = xmalloc_array((size_t)(d->nUnit ? d->nUnit : 1), sizeof(double));
  for (int g = 0; g < d->nGroup; g++) {
    for (int l = 0; l < d->nLeaf; l++) {
      const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
      int k = g * d->nLeaf + l;
      for (int pass = 0; pass < 2; pass++) {
        int n = 0;
        for (int u = 0; u < d->nUnit; u++) {
          if (d->aUnitGroup[u] != g || !review_leaf_applies(d, u, l)) continue;
          double x = pass == 0 ? d->pIn->aValue[(size_t)u * d->nLeaf + l]
                               : review_comparable(d, u, l);
          if (isfinite(x)) aWork[n++] = x;
        }
        double rBest = NAN;
        for (int i = 0; i < n; i++)
          if (isnan(rBest) || (pNode->bLower ? aWork[i] < rBest : aWork[i] > rBest))
            rBest = aWork[i];
        double rMedian = review_median(aWork, n);
        if (pass == 0) {
          d->aMedian[k] = rMedian;
          d->aBest[k] = rBest;
        } else {
          d->aRatioMedian[k] = rMedian;
          d->aRatioBest[k] = rBest;
        }
      }
      for (int u = 0; u < d->nUnit; u++) {
        if (d->aUnitGroup[u] != g) continue;
        int r = d->pRes->aLeaf[(size_t)u * d->nLeaf + l].iRank;
        if (r <= 0) continue;
        d->aNRanked[k]++;
        if (r > d->aMaxRank[k]) d->aMaxRank[k] = r;
      }
    }
  }
  free(aWork);
}

static void review_derive_free(Derive *d) {
  free(d->azGroup);
  free(d->aUnitGroup);
  free(d->aMedian);
  free(d->aBest);
  free(d->aRatioMedian);
  free(d->aRatioBest);
  free(d->aMaxRank);
  free(d->aNRanked);
  free(d->aPrevIdx);
}

/* Units of group g, best first (rank, then table order): into aOut, returns the count. */
static int review_group_order(const Derive *d, int g, int *aOut) {
  int n = 0;
  for (int u = 0; u < d->nUnit; u++)
    if (d->aUnitGroup[u] == g) aOut[n++] = u;
  /* insertion sort: stable, groups are small */
  for (int i = 1; i < n; i++) {
    int v = aOut[i], j = i;
    while (j > 0 && d->pRes->aUnit[aOut[j - 1]].iRank > d->pRes->aUnit[v].iRank) {
      aOut[j] = aOut[j - 1];
      j--;
    }
    aOut[j] = v;
  }
  return n;
}

static int review_is_weighted(const SchemeNode *pNode) {
  return scheme_method_weighted(pNode->eMethod);
}

/* Points mode: a weighted, applicable, not excluded leaf's full points after the rescale,
** w * total / W. NaN otherwise (and always in index mode). */
static double review_max_points(const Derive *d, int u, int l) {
  const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
  const LeafScore *ls = &d->pRes->aLeaf[(size_t)u * d->nLeaf + l];
  double W = d->pRes->aUnit[u].rWeightSum;
  if (d->pS->eAggregation != AGGREGATION_POINTS || !review_is_weighted(pNode) ||
      !review_leaf_applies(d, u, l) || (ls->flags & FLAG_EXCLUDED) || !(W > 0))
    return NAN;
  return pNode->rWeight * d->pS->rTotal / W;
}

/* Does node i (leaf or category) take part in unit u's index aggregation? */
static int review_index_counts(const Derive *d, int u, int i) {
  const SchemeNode *pNode = &d->pS->aNode[i];
  if (pNode->bLeaf) return isfinite(d->pRes->aLeaf[(size_t)u * d->nLeaf + pNode->iLeaf].rShare);
  return isfinite(d->pRes->aCat[(size_t)u * d->pRes->nCat + pNode->iCat].rValue);
}

/* Index mode: the share of the root that leaf l carries for unit u: the product, up the
** tree, of the node's weight over the weights of its siblings that take part (the linear
** approximation for geometric aggregates). 0 when the leaf does not take part. */
static double review_index_weight_share(const Derive *d, int u, int l) {
  const Scheme *pS = d->pS;
  int i = pS->aLeafNode[l];
  if (!review_index_counts(d, u, i)) return 0;
  double r = 1;
  while (i >= 0) {
    int iParent = pS->aNode[i].iParent;
    int iFirst = iParent >= 0 ? iParent + 1 : 0;
    int iStop = iParent >= 0 ? pS->aNode[iParent].iEnd : pS->nNode;
    double rSum = 0;
    for (int j = iFirst; j < iStop; j = pS->aNode[j].iEnd) {
      if (pS->aNode[j].bLeaf && !review_is_weighted(&pS->aNode[j])) continue;
      if (review_index_counts(d, u, j)) rSum += pS->aNode[j].rWeight;
    }
    if (!(rSum > 0)) return 0;
    r *= pS->aNode[i].rWeight / rSum;
    i = iParent;
  }
  return r;
}

/* The points a shortfall ranks by: lost in points mode; (1 - share) x weight share x scale
** in index mode. NaN when the leaf is no shortfall candidate. */
static double review_lost(const Derive *d, int u, int l) {
  const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
  const LeafScore *ls = &d->pRes->aLeaf[(size_t)u * d->nLeaf + l];
  if (!review_is_weighted(pNode) || !review_leaf_applies(d, u, l)) return NAN;
  if (d->pS->eAggregation == AGGREGATION_POINTS) {
    double mp = review_max_points(d, u, l);
    if (!isfinite(mp) || !isfinite(ls->rPoints)) return NAN;
    double lost = mp - ls->rPoints;
    return lost > 0 ? lost : 0;
  }
  if (!isfinite(ls->rShare)) return NAN;
  double r = (1 - ls->rShare) * review_index_weight_share(d, u, l) * d->pS->rScale;
  return r > 0 ? r : 0;
}

typedef struct Pick {
  int iLeaf;
  double rKey1, rKey2; /* sort keys, descending */
  int bMedian;         /* potential: target median (1) or best (0) */
  double rGain, rRaisedTo;
  int iRankAfter;
} Pick;

/* Descending by key1, then key2, then ascending leaf (scheme order): invariant I2. */
static int review_cmp_pick(const void *a, const void *b) {
  const Pick *x = a, *y = b;
  if (x->rKey1 != y->rKey1) return x->rKey1 > y->rKey1 ? -1 : 1;
  if (x->rKey2 != y->rKey2) return x->rKey2 > y->rKey2 ? -1 : 1;
  return x->iLeaf - y->iLeaf;
}

#define REVIEW_TOP 5       /* shortfalls, strengths, potential: at most this many */
#define REVIEW_LIST 3      /* red / black / improved / declined: this many per group */
#define REVIEW_EPS 1e-9    /* a gain or a loss below this is rounding noise */

static json_t *review_unit_indicators(const Derive *d, int u) {
  json_t *a = json_array();
  int g = d->aUnitGroup[u];
  for (int l = 0; l < d->nLeaf; l++) {
    if (!review_leaf_applies(d, u, l)) continue;
    const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
    const LeafScore *ls = &d->pRes->aLeaf[(size_t)u * d->nLeaf + l];
    size_t k = (size_t)u * d->nLeaf + l;
    double mp = review_max_points(d, u, l);
    double lost = NAN;
    if (isfinite(mp) && isfinite(ls->rPoints)) lost = mp - ls->rPoints > 0 ? mp - ls->rPoints : 0;
    int bW = review_is_weighted(pNode);
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(pNode->zCode));
    json_object_set_new(o, "value", review_num(ls->rValue));
    json_object_set_new(o, "target", review_num(d->pIn->aTarget ? d->pIn->aTarget[k] : NAN));
    json_object_set_new(o, "share", review_num(ls->rShare));
    json_object_set_new(o, "points", review_num(ls->rPoints));
    json_object_set_new(o, "max_points", review_num(mp));
    json_object_set_new(o, "lost", review_num(lost));
    json_object_set_new(o, "rank", review_int_or_null(ls->iRank));
    json_object_set_new(o, "flags", review_flags(ls->flags));
    json_object_set_new(o, "group_median", review_num(bW ? d->aMedian[g * d->nLeaf + l] : NAN));
    json_object_set_new(o, "group_best", review_num(bW ? d->aBest[g * d->nLeaf + l] : NAN));
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *review_unit_categories(const Derive *d, int u) {
  json_t *a = json_array();
  const Scheme *pS = d->pS;
  for (int c = 0; c < pS->nCat; c++) {
    int iNode = pS->aCatNode[c];
    int bApplies = 0;
    double rMax = 0;
    int bMax = 0;
    for (int i = iNode + 1; i < pS->aNode[iNode].iEnd; i++) {
      if (!pS->aNode[i].bLeaf) continue;
      int l = pS->aNode[i].iLeaf;
      if (!review_leaf_applies(d, u, l)) continue;
      bApplies = 1;
      double mp = review_max_points(d, u, l);
      if (isfinite(mp)) {
        rMax += mp;
        bMax = 1;
      }
    }
    if (!bApplies) continue;
    const CatScore *cs = &d->pRes->aCat[(size_t)u * d->pRes->nCat + c];
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(pS->aNode[iNode].zCode));
    json_object_set_new(o, "value", review_num(cs->rValue));
    json_object_set_new(o, "points", review_num(cs->rPoints));
    json_object_set_new(o, "max_points", review_num(bMax ? rMax : NAN));
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *review_unit_shortfalls(const Derive *d, int u, Pick *aPick) {
  int n = 0, g = d->aUnitGroup[u];
  for (int l = 0; l < d->nLeaf; l++) {
    double lost = review_lost(d, u, l);
    if (!(lost > REVIEW_EPS)) continue;
    aPick[n].iLeaf = l;
    aPick[n].rKey1 = lost;
    aPick[n].rKey2 = 0;
    n++;
  }
  qsort(aPick, (size_t)n, sizeof aPick[0], review_cmp_pick);
  json_t *a = json_array();
  for (int i = 0; i < n && i < REVIEW_TOP; i++) {
    int l = aPick[i].iLeaf;
    const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
    const LeafScore *ls = &d->pRes->aLeaf[(size_t)u * d->nLeaf + l];
    int k = g * d->nLeaf + l;
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(pNode->zCode));
    json_object_set_new(o, "name", review_str(pNode->zName));
    json_object_set_new(o, "lost", review_num(aPick[i].rKey1));
    json_object_set_new(o, "rank", review_int_or_null(ls->iRank));
    json_object_set_new(o, "group_size", json_integer(d->pRes->aUnit[u].nGroupSize));
    json_t *why = json_array();
    json_array_append_new(why, json_string("lost"));
    /* bottom: last among the ranked units of the group, when there is more than one place */
    if (ls->iRank > 0 && d->aNRanked[k] > 1 && d->aMaxRank[k] > 1 && ls->iRank == d->aMaxRank[k])
      json_array_append_new(why, json_string("bottom"));
    if (ls->flags & FLAG_BEHIND) json_array_append_new(why, json_string("behind"));
    json_object_set_new(o, "why", why);
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *review_unit_strengths(const Derive *d, int u, Pick *aPick) {
  int n = 0;
  for (int l = 0; l < d->nLeaf; l++) {
    const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
    const LeafScore *ls = &d->pRes->aLeaf[(size_t)u * d->nLeaf + l];
    if (!review_is_weighted(pNode) || !review_leaf_applies(d, u, l) || !isfinite(ls->rShare))
      continue;
    /* a full share: >= 1 up to rounding, as completion r/full_at can land a hair below */
    if (ls->iRank != 1 && !(ls->rShare >= 1 - 1e-12)) continue;
    aPick[n].iLeaf = l;
    aPick[n].rKey1 = ls->rShare;
    aPick[n].rKey2 = pNode->rWeight;
    n++;
  }
  qsort(aPick, (size_t)n, sizeof aPick[0], review_cmp_pick);
  json_t *a = json_array();
  for (int i = 0; i < n && i < REVIEW_TOP; i++) {
    int l = aPick[i].iLeaf;
    const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
    const LeafScore *ls = &d->pRes->aLeaf[(size_t)u * d->nLeaf + l];
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(pNode->zCode));
    json_object_set_new(o, "name", review_str(pNode->zName));
    json_object_set_new(o, "rank", review_int_or_null(ls->iRank));
    json_object_set_new(o, "group_size", json_integer(d->pRes->aUnit[u].nGroupSize));
    json_object_set_new(o, "share", review_num(ls->rShare));
    json_array_append_new(a, o);
  }
  return a;
}

/* Reruns the engine with cell (u, l) of aWork set to rRaised; returns 0 and the new total
** and rank, or -1 when the engine refuses the changed input. aWork is restored. */
static int review_rerun(const Derive *d, double *aWork, int u, int l, double rRaised,
                        double *prTotal, int *piRank) {
  size_t k = (size_t)u * d->nLeaf + l;
  double rOld = aWork[k];
  aWork[k] = rRaised;
  ScoreInput in = *d->pIn;
  in.aValue = aWork;
  char *zErr = NULL;
  ScoreResult *pRes = score_compute(&in, &zErr);
  aWork[k] = rOld; /* invariant I4 */
  if (!pRes) {
    free(zErr);
    return -1;
  }
  *prTotal = pRes->aUnit[u].rTotal;
  *piRank = pRes->aUnit[u].iRank;
  score_result_free(pRes);
  return 0;
}

static json_t *review_unit_potential(const Derive *d, int u, Pick *aPick, double *aWork) {
  int n = 0, g = d->aUnitGroup[u];
  double rTotal = d->pRes->aUnit[u].rTotal;
  for (int l = 0; l < d->nLeaf; l++) {
    const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
    if (!review_is_weighted(pNode) || !review_leaf_applies(d, u, l)) continue;
    int bRatio = review_is_target_leaf(pNode);
    size_t k = (size_t)u * d->nLeaf + l;
    double t = d->pIn->aTarget ? d->pIn->aTarget[k] : NAN;
    if (bRatio && !(isfinite(t) && t > 0)) continue;
    double c = review_comparable(d, u, l);
    Pick best = {.iLeaf = -1};
    for (int bMedian = 1; bMedian >= 0; bMedian--) {
      int kg = g * d->nLeaf + l;
      double m = bRatio ? (bMedian ? d->aRatioMedian[kg] : d->aRatioBest[kg])
                        : (bMedian ? d->aMedian[kg] : d->aBest[kg]);
      if (!isfinite(m)) continue;
      double eps = 1e-12 * (fabs(m) > 1 ? fabs(m) : 1);
      /* below the target, direction-aware; a missing value is below anything */
      if (isfinite(c) && (pNode->bLower ? !(c > m + eps) : !(c < m - eps))) continue;
      double rRaised = bRatio ? m * t : m;
      double rNew;
      int iRankAfter;
      if (review_rerun(d, aWork, u, l, rRaised, &rNew, &iRankAfter)) continue;
      double gain = rNew - rTotal;
      if (!(gain > REVIEW_EPS)) continue;
      /* best target per leaf: the larger gain; the median when the best gains no more */
      if (best.iLeaf < 0 || gain > best.rGain + REVIEW_EPS) {
        best.iLeaf = l;
        best.bMedian = bMedian;
        best.rGain = gain;
        best.rRaisedTo = rRaised;
        best.iRankAfter = iRankAfter;
      }
    }
    if (best.iLeaf < 0) continue;
    best.rKey1 = best.rGain;
    best.rKey2 = d->pRes->aUnit[u].iRank - best.iRankAfter;
    aPick[n++] = best;
  }
  qsort(aPick, (size_t)n, sizeof aPick[0], review_cmp_pick);
  json_t *a = json_array();
  for (int i = 0; i < n && i < REVIEW_TOP; i++) {
    int l = aPick[i].iLeaf;
    const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(pNode->zCode));
    json_object_set_new(o, "name", review_str(pNode->zName));
    json_object_set_new(o, "to", json_string(aPick[i].bMedian ? "median" : "best"));
    json_object_set_new(o, "value", review_num(d->pIn->aValue[(size_t)u * d->nLeaf + l]));
    json_object_set_new(o, "raised_to", review_num(aPick[i].rRaisedTo));
    json_object_set_new(o, "gain", review_num(aPick[i].rGain));
    json_object_set_new(o, "rank_after", json_integer(aPick[i].iRankAfter));
    json_object_set_new(o, "places", json_integer(d->pRes->aUnit[u].iRank - aPick[i].iRankAfter));
    json_array_append_new(a, o);
  }
  return a;
}

/* 双过半: from the period ending in June (time progress in months, as the campaign counts
** it: half the year is over at the end of June) every timeprogress leaf's r = x/t >= 0.5.
** null before mid-year, and for a unit that has no timeprogress leaf. */
static json_t *review_unit_double_half(const Derive *d, int u) {
  if (d->pIn->period.iLastMonth < 6) return json_null();
  double tp = d->pIn->period.iLastMonth / 12.0;
  json_t *a = json_array();
  int bAll = tp >= 0.5;
  for (int l = 0; l < d->nLeaf; l++) {
    const SchemeNode *pNode = &d->pS->aNode[d->pS->aLeafNode[l]];
    if (pNode->eMethod != METHOD_TIMEPROGRESS || !review_leaf_applies(d, u, l)) continue;
    size_t k = (size_t)u * d->nLeaf + l;
    double x = d->pRes->aLeaf[k].rValue; /* after the missing policy: what was scored */
    double t = d->pIn->aTarget ? d->pIn->aTarget[k] : NAN;
    double r = isfinite(x) && isfinite(t) && t > 0 ? x / t : NAN;
    int bPassed = isfinite(r) && r >= 0.5;
    if (!bPassed) bAll = 0;
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(pNode->zCode));
    json_object_set_new(o, "progress", review_num(r));
    json_object_set_new(o, "passed", json_boolean(bPassed));
    json_array_append_new(a, o);
  }
  if (json_array_size(a) == 0) {
    json_decref(a);
    return json_null();
  }
  json_t *o = json_object();
  json_object_set_new(o, "status", json_string(bAll ? "achieved" : "not_achieved"));
  json_object_set_new(o, "time_progress", review_num(tp));
  json_object_set_new(o, "indicators", a);
  return o;
}

static json_t *review_unit(const Derive *d, const ReviewMeta *pMeta, const ReviewBasis *pBasis,
                           int u, Pick *aPick, double *aWork) {
  const UnitScore *us = &d->pRes->aUnit[u];
  const Scheme *pS = d->pS;
  json_t *o = json_object();
  json_object_set_new(o, "code", json_string(d->pIn->azUnit[u]));
  json_object_set_new(o, "name", review_str(pMeta->azName ? pMeta->azName[u] : NULL));
  json_object_set_new(o, "group", json_string(d->pIn->azGroup[u]));
  json_object_set_new(o, "group_size", json_integer(us->nGroupSize));
  json_object_set_new(o, "total", review_num(us->rTotal));
  json_object_set_new(o, "rank", json_integer(us->iRank));
  json_object_set_new(o, "grade", us->iGrade >= 0 && us->iGrade < pS->nGrade
                                      ? json_string(pS->aGrade[us->iGrade].zLabel)
                                      : json_null());
  json_object_set_new(o, "flags", review_flags(us->flags));
  json_object_set_new(o, "base", review_num(us->rBase));
  json_object_set_new(o, "bonus", review_num(us->rBonus));
  json_object_set_new(o, "deduct", review_num(us->rDeduct));
  int iPrev = d->aPrevIdx[u];
  if (iPrev >= 0) {
    json_t *p = json_object();
    json_object_set_new(p, "period", json_string(pBasis->zPeriod));
    json_object_set_new(p, "total", review_num(pBasis->aTotal[iPrev]));
    json_object_set_new(p, "rank", json_integer(pBasis->aRank[iPrev]));
    json_object_set_new(o, "previous", p);
    json_object_set_new(o, "total_change", review_num(us->rTotal - pBasis->aTotal[iPrev]));
    json_object_set_new(o, "rank_change", json_integer(pBasis->aRank[iPrev] - us->iRank));
  } else {
    json_object_set_new(o, "previous", json_null());
    json_object_set_new(o, "total_change", json_null());
    json_object_set_new(o, "rank_change", json_null());
  }
  json_object_set_new(o, "indicators", review_unit_indicators(d, u));
  json_object_set_new(o, "categories", review_unit_categories(d, u));
  json_object_set_new(o, "shortfalls", review_unit_shortfalls(d, u, aPick));
  json_object_set_new(o, "strengths", review_unit_strengths(d, u, aPick));
  json_object_set_new(o, "potential", review_unit_potential(d, u, aPick, aWork));
  json_object_set_new(o, "double_half", review_unit_double_half(d, u));
  return o;
}

/* One group's entry of a list: {"group": name, "units": a}. */
static json_t *review_list_entry(const char *zGroup, json_t *a) {
  json_t *o = json_object();
  json_object_set_new(o, "group", json_string(zGroup));
  json_object_set_new(o, "units", a);
  return o;
}

/* 红榜/黑榜 and 进步/退步 per group (docs/review-json.md "lists"). */
static json_t *review_lists(const Derive *d, const ReviewBasis *pBasis) {
  json_t *pRed = json_array(), *pBlack = json_array();
  json_t *pUp = json_array(), *pDown = json_array();
  int *aOrder = xmalloc_array((size_t)d->nUnit, sizeof(int));
  unsigned char *aRed = xcalloc((size_t)d->nUnit, 1);
  Pick *aPick = xmalloc_array((size_t)d->nUnit, sizeof(Pick));
  int bPrevious = pBasis && pBasis->zPeriod[0];
  for (int g = 0; g < d->nGroup; g++) {
    int n = review_group_order(d, g, aOrder);
    /* red: rank <= 3, so that a tie for third is on it; never a vetoed unit (一票否决) */
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
      const UnitScore *us = &d->pRes->aUnit[aOrder[i]];
      if (us->iRank <= REVIEW_LIST && !(us->flags & FLAG_VETO)) {
        json_array_append_new(a, json_string(d->pIn->azUnit[aOrder[i]]));
        aRed[aOrder[i]] = 1;
      }
    }
    json_array_append_new(pRed, review_list_entry(d->azGroup[g], a));
    /* black: worst first; units with fewer than 3 units ranked below them (a tie for the
    ** third-last place is on it), and never a unit that is on the red list (small groups) */
    a = json_array();
    for (int i = n - 1; i >= 0; i--) {
      int u = aOrder[i], nBelow = 0;
      for (int j = 0; j < n; j++)
        if (d->pRes->aUnit[aOrder[j]].iRank > d->pRes->aUnit[u].iRank) nBelow++;
      if (nBelow < REVIEW_LIST && !aRed[u]) json_array_append_new(a, json_string(d->pIn->azUnit[u]));
    }
    json_array_append_new(pBlack, review_list_entry(d->azGroup[g], a));
    if (!bPrevious) continue;
    /* improved (dir 1) / declined (dir -1): by rank change, then total change, then table
    ** order; only units that were in the previous review */
    for (int dir = 1; dir >= -1; dir -= 2) {
      int m = 0;
      for (int u = 0; u < d->nUnit; u++) {
        int iPrev = d->aPrevIdx[u];
        if (d->aUnitGroup[u] != g || iPrev < 0) continue;
        int rc = pBasis->aRank[iPrev] - d->pRes->aUnit[u].iRank;
        if (rc * dir <= 0) continue;
        aPick[m].iLeaf = u; /* the unit index, as the final tie-break */
        aPick[m].rKey1 = (double)(rc * dir);
        aPick[m].rKey2 = (d->pRes->aUnit[u].rTotal - pBasis->aTotal[iPrev]) * dir;
        m++;
      }
      qsort(aPick, (size_t)m, sizeof aPick[0], review_cmp_pick);
      a = json_array();
      for (int i = 0; i < m && i < REVIEW_LIST; i++) {
        int u = aPick[i].iLeaf, iPrev = d->aPrevIdx[u];
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(d->pIn->azUnit[u]));
        json_object_set_new(o, "rank_change",
                            json_integer(pBasis->aRank[iPrev] - d->pRes->aUnit[u].iRank));
        json_object_set_new(o, "total_change",
                            review_num(d->pRes->aUnit[u].rTotal - pBasis->aTotal[iPrev]));
        json_array_append_new(a, o);
      }
      json_array_append_new(dir > 0 ? pUp : pDown, review_list_entry(d->azGroup[g], a));
    }
  }
  free(aOrder);
  free(aRed);
  free(aPick);
  json_t *o = json_object();
  json_object_set_new(o, "red", pRed);
  json_object_set_new(o, "black", pBlack);
  json_object_set_new(o, "improved", pUp);
  json_object_set_new(o, "declined", pDown);
  return o;
}

static const char *review_aggregation_name(Aggregation e) {
  return e == AGGREGATION_INDEX ? "index" : "points";
}

/* The top-level "indicators": every leaf in scheme order with what a reader needs. */
static json_t *review_indicator_list(const Derive *d) {
  const Scheme *pS = d->pS;
  json_t *a = json_array();
  for (int l = 0; l < pS->nLeaf; l++) {
    int iNode = pS->aLeafNode[l];
    const SchemeNode *pNode = &pS->aNode[iNode];
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(pNode->zCode));
    json_object_set_new(o, "name", review_str(pNode->zName));
    json_object_set_new(o, "unit", review_str(pNode->zUnit));
    json_object_set_new(o, "category", pNode->iParent >= 0
                                           ? json_string(pS->aNode[pNode->iParent].zCode)
                                           : json_null());
    json_object_set_new(o, "method", json_string(scheme_method_name(pNode->eMethod)));
    json_object_set_new(o, "weight", review_is_weighted(pNode) ? review_num(pNode->rWeight)
                                                               : json_null());
    json_object_set_new(o, "direction", json_string(pNode->bLower ? "lower" : "higher"));
    /* the groups of this review that are assessed on it (all of them when the scheme
    ** names none) */
    json_t *g = json_array();
    for (int i = 0; i < d->nGroup; i++)
      if (scheme_leaf_applies(pS, iNode, d->azGroup[i]))
        json_array_append_new(g, json_string(d->azGroup[i]));
    json_object_set_new(o, "groups", g);
    json_object_set_new(o, "source", review_str(pNode->zSource));
    json_array_append_new(a, o);
  }
  return a;
}

/* Rank intervals (robust.h) of every unit, added to the unit objects of aUnits, and the
** method record that the document keeps under "robustness": the scheme's uncertain choices,
** REVIEW_ROBUST_DRAWS draws from seed REVIEW_ROBUST_SEED, and the Sobol' indices of each
** choice on the mean absolute rank shift. Fixed draws and seed make the intervals a function
** of the inputs, so that `review verify` recomputes the same bytes (the result does not
** depend on REVIEW_ROBUST_THREADS). When the choices cannot be scored (an alternative
** method without its targets, say) the review is still derived: "robustness" then holds
** {"error": message} and the units have no interval. */
static json_t *review_robustness(const ScoreInput *pIn, json_t *aUnits) {
  const Scheme *pS = pIn->pScheme;
  char *zErr = NULL;
  json_t *o;
  RobustSpec *pSpec = robust_spec_parse(pS, pS->zUncertainty, &zErr);
  RobustPlan *pPlan = pSpec ? robust_plan(pIn, pSpec, &zErr) : NULL;
  if (!pPlan) {
    o = json_object();
    json_object_set_new(o, "error", json_string(zErr ? zErr : "?"));
    free(zErr);
    robust_spec_free(pSpec);
    return o;
  }
  RobustResult *pRes = robust_run(pPlan, REVIEW_ROBUST_DRAWS, REVIEW_ROBUST_SEED,
                                  REVIEW_ROBUST_THREADS);
  o = robust_method_json(pS, pSpec, REVIEW_ROBUST_DRAWS, REVIEW_ROBUST_SEED);
  json_object_set_new(o, "mean_abs_rank_shift", json_real(pRes->rMeanAbsShift));
  json_t *pSens = json_array();
  if (pSpec->nChoice > 0) {
    RobustSobol *pSob = robust_sobol(pPlan, REVIEW_ROBUST_SOBOL, REVIEW_ROBUST_SEED,
                                     REVIEW_ROBUST_BOOT, REVIEW_ROBUST_THREADS);
    int nOut = pIn->nUnit + 1;
    for (int k = 0; k < pSob->nChoice; k++) {
      size_t q = (size_t)k * nOut + (size_t)pIn->nUnit;
      json_t *j = json_object();
      json_object_set_new(j, "choice", json_string(pSpec->aChoice[k].zName));
      json_object_set_new(j, "s1", review_num(pSob->aS1[q]));
      json_object_set_new(j, "st", review_num(pSob->aST[q]));
      json_t *ci = json_array();
      json_array_append_new(ci, review_num(pSob->aSTLo[k]));
      json_array_append_new(ci, review_num(pSob->aSTHi[k]));
      json_object_set_new(j, "st_interval", ci);
      json_array_append_new(pSens, j);
    }
    json_object_set_new(o, "sobol_base_rows", json_integer(REVIEW_ROBUST_SOBOL));
    robust_sobol_free(pSob);
  }
  json_object_set_new(o, "sensitivity", pSens);
  for (int u = 0; u < pIn->nUnit; u++) {
    json_t *pU = json_array_get(aUnits, (size_t)u);
    json_t *pR = robust_unit_json(pS, &pRes->aUnit[u]);
    /* the official "rank" is the unit's already; the rest joins it */
    json_object_set(pU, "rank_interval", json_object_get(pR, "rank_interval"));
    json_object_set(pU, "rank_median", json_object_get(pR, "median_rank"));
    json_object_set(pU, "rank_certain", json_object_get(pR, "rank_certain"));
    json_object_set(pU, "grade_probabilities", json_object_get(pR, "grade_probabilities"));
    json_decref(pR);
  }
  robust_result_free(pRes);
  robust_plan_free(pPlan);
  robust_spec_free(pSpec);
  return o;
}

void review_strip_robustness(json_t *pDoc) {
  json_object_del(pDoc, "robustness");
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(pDoc, "units"), i, u) {
    json_object_del(u, "rank_interval");
    json_object_del(u, "rank_median");
    json_object_del(u, "rank_certain");
    json_object_del(u, "grade_probabilities");
  }
}

json_t *review_derive(const ReviewMeta *pMeta, const ScoreInput *pIn, const ScoreResult *pRes,
                      const ReviewBasis *pBasis, char **pzErr) {
  const Scheme *pS = pIn->pScheme;
  if (pRes->nUnit != pIn->nUnit || pRes->nLeaf != pS->nLeaf || pRes->nCat != pS->nCat) {
    *pzErr = xasprintf("internal: the score result does not match its input");
    return NULL;
  }
  Derive d = {0};
  d.pIn = pIn;
  d.pRes = pRes;
  d.pS = pS;
  d.nUnit = pIn->nUnit;
  d.nLeaf = pS->nLeaf;
  size_t nU = (size_t)(d.nUnit ? d.nUnit : 1);
  d.azGroup = xmalloc_array(nU, sizeof(char *));
  d.aUnitGroup = xmalloc_array(nU, sizeof(int));
  d.aPrevIdx = xmalloc_array(nU, sizeof(int));
  for (int u = 0; u < d.nUnit; u++) {
    int g = 0;
    while (g < d.nGroup && strcmp(d.azGroup[g], pIn->azGroup[u]) != 0) g++;
    if (g == d.nGroup) d.azGroup[d.nGroup++] = pIn->azGroup[u];
    d.aUnitGroup[u] = g;
    d.aPrevIdx[u] = -1;
    if (pBasis && pBasis->zPeriod[0])
      for (int i = 0; i < pBasis->nUnit; i++)
        if (strcmp(pBasis->azUnit[i], pIn->azUnit[u]) == 0) d.aPrevIdx[u] = i;
  }
  review_derive_stats(&d);

  char zDate[16];
  period_end_date(&pIn->period, zDate);
  json_t *pDoc = json_object();
  json_object_set_new(pDoc, "kind", json_string("kaoping-review"));
  json_object_set_new(pDoc, "format", json_integer(1));
  json_object_set_new(pDoc, "period", json_string(pIn->period.zCode));
  json_object_set_new(pDoc, "period_end", json_string(zDate));
  json_object_set_new(pDoc, "time_progress",
                      review_num(period_time_progress(&pIn->period, pS->bDayBasis)));
  json_t *o = json_object();
  json_object_set_new(o, "code", json_string(pS->zCode));
  json_object_set_new(o, "version", json_integer(pMeta->iSchemeVersion));
  json_object_set_new(o, "name", review_str(pS->zName));
  json_object_set_new(o, "year", json_integer(pS->iYear));
  json_object_set_new(o, "aggregation", json_string(review_aggregation_name(pS->eAggregation)));
  json_object_set_new(o, "total", pS->eAggregation == AGGREGATION_POINTS ? review_num(pS->rTotal)
                                                                          : json_null());
  json_object_set_new(pDoc, "scheme", o);
  int bPrev = pBasis && pBasis->zPeriod[0];
  json_object_set_new(pDoc, "previous_period", bPrev ? json_string(pBasis->zPeriod) : json_null());
  json_object_set_new(pDoc, "previous_revision",
                      bPrev ? json_integer(pBasis->iRevision) : json_null());
  json_object_set_new(pDoc, "inputs_sha256", review_str(pMeta->zInputsSha256));
  json_object_set_new(pDoc, "revision", json_integer(pMeta->iRevision));
  json_object_set_new(pDoc, "provisional", json_boolean(pMeta->bProvisional));
  json_object_set_new(pDoc, "synthetic", json_boolean(pMeta->bSynthetic));
  json_t *a = json_array();
  for (int i = 0; i < pS->nGrade; i++) json_array_append_new(a, json_string(pS->aGrade[i].zLabel));
  json_object_set_new(pDoc, "grades", a);
  a = json_array();
  for (int c = 0; c < pS->nCat; c++) {
    const SchemeNode *pNode = &pS->aNode[pS->aCatNode[c]];
    o = json_object();
    json_object_set_new(o, "code", json_string(pNode->zCode));
    json_object_set_new(o, "name", review_str(pNode->zName));
    json_array_append_new(a, o);
  }
  json_object_set_new(pDoc, "categories", a);
  json_object_set_new(pDoc, "indicators", review_indicator_list(&d));

  int *aOrder = xmalloc_array(nU, sizeof(int));
  a = json_array();
  for (int g = 0; g < d.nGroup; g++) {
    int n = review_group_order(&d, g, aOrder);
    json_t *pUnits = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(pUnits, json_string(pIn->azUnit[aOrder[i]]));
    o = json_object();
    json_object_set_new(o, "name", json_string(d.azGroup[g]));
    json_object_set_new(o, "units", pUnits);
    json_array_append_new(a, o);
  }
  free(aOrder);
  json_object_set_new(pDoc, "groups", a);

  /* aWork: the private value matrix of the potential reruns (invariant I4) */
  size_t nCell = (size_t)d.nUnit * (size_t)d.nLeaf;
  double *aWork = xmalloc_array(nCell ? nCell : 1, sizeof(double));
  if (nCell) memcpy(aWork, pIn->aValue, nCell * sizeof(double));
  Pick *aPick = xmalloc_array((size_t)(d.nLeaf ? d.nLeaf : 1), sizeof(Pick));
  a = json_array();
  int nBehind = 0, nMissing = 0;
  json_t *pVetoes = json_array();
  for (int u = 0; u < d.nUnit; u++) {
    json_array_append_new(a, review_unit(&d, pMeta, pBasis, u, aPick, aWork));
    if (pRes->aUnit[u].flags & FLAG_VETO) {
      json_array_append_new(pVetoes, json_string(pIn->azUnit[u]));
    }
    unsigned any = 0;
    for (int l = 0; l < d.nLeaf; l++)
      if (review_leaf_applies(&d, u, l)) any |= pRes->aLeaf[(size_t)u * d.nLeaf + l].flags;
    if (any & FLAG_BEHIND) nBehind++;
    if (any & FLAG_MISSING) nMissing++;
  }
  free(aWork);
  free(aPick);
  json_object_set_new(pDoc, "robustness", review_robustness(pIn, a));
  json_object_set_new(pDoc, "units", a);
  json_object_set_new(pDoc, "lists", review_lists(&d, pBasis));
  o = json_object();
  json_object_set_new(o, "units", json_integer(d.nUnit));
  json_object_set_new(o, "groups", json_integer(d.nGroup));
  json_object_set_new(o, "vetoes", pVetoes);
  json_object_set_new(o, "behind", json_integer(nBehind));
  json_object_set_new(o, "missing", json_integer(nMissing));
  json_object_set_new(pDoc, "city", o);
  review_derive_free(&d);
  return pDoc;
}

/* ===================================================================================== */
/* Structural diff (review verify)                                                        */
/* ===================================================================================== */

/* The key an array element is matched by: its "code", else "group", else "name". */
static const char *review_diff_key(const json_t *v) {
  static const char *const azKey[] = {"code", "group", "name"};
  if (!json_is_object(v)) return NULL;
  for (int i = 0; i < 3; i++) {
    const json_t *k = json_object_get(v, azKey[i]);
    if (json_is_string(k)) return json_string_value(k);
  }
  return NULL;
}

static int review_diff_keyed(const json_t *a) {
  size_t i;
  json_t *v;
  if (json_array_size(a) == 0) return 0;
  json_array_foreach(a, i, v) {
    if (!review_diff_key(v)) return 0;
  }
  return 1;
}

static json_t *review_diff_find(const json_t *a, const char *zKey) {
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    const char *z = review_diff_key(v);
    if (z && strcmp(z, zKey) == 0) return v;
  }
  return NULL;
}

/* Long values (whole objects) are cut after 80 bytes, at a UTF-8 character boundary: the
** path already says where to look. */
static void review_diff_put_short(Buf *pOut, const char *z) {
  size_t n = strlen(z);
  if (n <= 80) {
    buf_puts(pOut, z);
    return;
  }
  n = 80;
  while (n > 0 && ((unsigned char)z[n] & 0xC0) == 0x80) n--;
  buf_append(pOut, z, n);
  buf_puts(pOut, "…");
}

static void review_diff_note(Buf *pOut, int *pn, int nMax, const char *zPath, const json_t *pOld,
                             const json_t *pNew) {
  if ((*pn)++ >= nMax) return;
  char *zOld = pOld ? review_json_text(pOld, 0) : xstrdup("(absent)");
  char *zNew = pNew ? review_json_text(pNew, 0) : xstrdup("(absent)");
  buf_printf(pOut, "  %s: ", zPath);
  review_diff_put_short(pOut, zOld);
  buf_puts(pOut, " -> ");
  review_diff_put_short(pOut, zNew);
  buf_putc(pOut, '\n');
  free(zOld);
  free(zNew);
}

/* Truncates the path back to n bytes. */
static void review_diff_cut(Buf *p, size_t n) {
  p->n = n;
  if (p->z) p->z[n] = 0;
}

static void review_diff_rec(const json_t *a, const json_t *b, Buf *pPath, Buf *pOut, int *pn,
                            int nMax) {
  size_t nSave = pPath->n;
  if (json_is_object(a) && json_is_object(b)) {
    const char *zKey;
    json_t *v;
    json_object_foreach((json_t *)a, zKey, v) {
      buf_printf(pPath, "%s%s", pPath->n ? "." : "", zKey);
      review_diff_rec(v, json_object_get(b, zKey), pPath, pOut, pn, nMax);
      review_diff_cut(pPath, nSave);
    }
    json_object_foreach((json_t *)b, zKey, v) {
      if (json_object_get(a, zKey)) continue;
      buf_printf(pPath, "%s%s", pPath->n ? "." : "", zKey);
      review_diff_note(pOut, pn, nMax, buf_str(pPath), NULL, v);
      review_diff_cut(pPath, nSave);
    }
    return;
  }
  if (json_is_array(a) && json_is_array(b)) {
    size_t i;
    json_t *v;
    if (review_diff_keyed(a) && review_diff_keyed(b)) {
      json_array_foreach(a, i, v) {
        const char *zKey = review_diff_key(v);
        buf_printf(pPath, "[%s]", zKey);
        review_diff_rec(v, review_diff_find(b, zKey), pPath, pOut, pn, nMax);
        review_diff_cut(pPath, nSave);
      }
      json_array_foreach(b, i, v) {
        const char *zKey = review_diff_key(v);
        if (review_diff_find(a, zKey)) continue;
        buf_printf(pPath, "[%s]", zKey);
        review_diff_note(pOut, pn, nMax, buf_str(pPath), NULL, v);
        review_diff_cut(pPath, nSave);
      }
      return;
    }
    if (json_array_size(a) != json_array_size(b)) {
      review_diff_note(pOut, pn, nMax, buf_str(pPath), a, b);
      return;
    }
    json_array_foreach(a, i, v) {
      buf_printf(pPath, "[%zu]", i);
      review_diff_rec(v, json_array_get(b, i), pPath, pOut, pn, nMax);
      review_diff_cut(pPath, nSave);
    }
    return;
  }
  if (!b) {
    review_diff_note(pOut, pn, nMax, buf_str(pPath), a, NULL);
    return;
  }
  if (json_is_number(a) && json_is_number(b)) {
    if (json_number_value(a) != json_number_value(b))
      review_diff_note(pOut, pn, nMax, buf_str(pPath), a, b);
    return;
  }
  if (!json_equal((json_t *)a, (json_t *)b)) review_diff_note(pOut, pn, nMax, buf_str(pPath), a, b);
}

int review_json_diff(const json_t *pOld, const json_t *pNew, int nMax, Buf *pOut) {
  Buf path = BUF_INIT;
  int n = 0;
  review_diff_rec(pOld, pNew, &path, pOut, &n, nMax);
  buf_free(&path);
  return n;
}

/* ===================================================================================== */
/* storing a computation, publishing it (review_cmd.c and workflow.c call these)           */
/* ===================================================================================== */

/* The audit record of a review event; pDetail is consumed. 0 or -1. */
static int review_store_audit(Db *pDb, const char *zActor, const char *zIp, const char *zEvent,
                              const char *zPeriod, json_t *pDetail) {
  char zObject[32];
  snprintf(zObject, sizeof zObject, "period:%s", zPeriod);
  int rc = audit_record(pDb, zActor, zIp, zEvent, zObject, "ok", pDetail);
  json_decref(pDetail);
  return rc;
}

int review_store_computed(Db *pDb, const char *zPeriod, const ReviewInputs *pIn,
                          const ScoreResult *pRes, const char *zActor, const char *zIp,
                          char *zSha, int *piRevision, int *pbProvisional, json_t **ppDoc,
                          char **pzErr) {
  *ppDoc = NULL;
  review_inputs_sha256(pIn, zSha);
  /* replace an earlier unpublished computation (review_unit rows go with it) */
  Stmt *s = db_prepare(pDb, "DELETE FROM review_unit WHERE review_id IN "
                            "(SELECT id FROM review WHERE period = ?1 AND state = 'computed')");
  stmt_bind_text(s, 1, zPeriod);
  int bad = stmt_run(s);
  stmt_finalize(s);
  s = db_prepare(pDb, "DELETE FROM review WHERE period = ?1 AND state = 'computed'");
  stmt_bind_text(s, 1, zPeriod);
  bad = bad || stmt_run(s);
  stmt_finalize(s);
  if (bad) return REVIEW_STORE_DB;
  s = db_prepare(pDb, "SELECT coalesce(max(revision), 0) + 1 FROM review WHERE period = ?1");
  stmt_bind_text(s, 1, zPeriod);
  int iRevision = stmt_step(s) == 1 ? (int)stmt_int(s, 0) : 0;
  stmt_finalize(s);
  if (iRevision <= 0) return REVIEW_STORE_DB;

  ReviewMeta meta = {
    .iSchemeVersion = pIn->iSchemeVersion,
    .zInputsSha256 = zSha,
    .iRevision = iRevision,
    .bSynthetic = pIn->bSynthetic,
    .bProvisional = strcmp(pIn->zPeriodState, "open") == 0,
    .azName = (const char *const *)pIn->azName,
  };
  json_t *pDoc = review_derive(&meta, &pIn->in, pRes, &pIn->basis, pzErr);
  if (!pDoc) return REVIEW_STORE_DERIVE;
  /* a record of what the computation did, not a result: review verify carries it over */
  if (pIn->pSources) json_object_set(pDoc, "sources", pIn->pSources);
  char *zJson = review_json_text(pDoc, 0);
  char zNow[32];
  db_now(zNow);
  s = db_prepare(pDb, "INSERT INTO review(period, scheme_id, revision, state, inputs_sha256, "
                      "result, computed_at, computed_by) "
                      "VALUES (?1, ?2, ?3, 'computed', ?4, ?5, ?6, ?7)");
  stmt_bind_text(s, 1, zPeriod);
  stmt_bind_int(s, 2, pIn->iSchemeId);
  stmt_bind_int(s, 3, iRevision);
  stmt_bind_text(s, 4, zSha);
  stmt_bind_text(s, 5, zJson);
  stmt_bind_text(s, 6, zNow);
  stmt_bind_text(s, 7, zActor);
  bad = stmt_run(s);
  stmt_finalize(s);
  free(zJson);
  if (!bad) {
    int64_t iReview = db_last_insert_id(pDb);
    s = db_prepare(pDb, "INSERT INTO review_unit(review_id, unit, peer_group, total, rank, "
                        "grade) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (int u = 0; u < pIn->nUnit && !bad; u++) {
      const UnitScore *us = &pRes->aUnit[u];
      const Scheme *pS = pIn->pScheme;
      stmt_bind_int(s, 1, iReview);
      stmt_bind_text(s, 2, pIn->azUnit[u]);
      stmt_bind_text(s, 3, pIn->azGroup[u]);
      stmt_bind_double(s, 4, us->rTotal);
      stmt_bind_int(s, 5, us->iRank);
      stmt_bind_text(s, 6, us->iGrade >= 0 && us->iGrade < pS->nGrade
                               ? pS->aGrade[us->iGrade].zLabel : NULL);
      bad = stmt_run(s);
    }
    stmt_finalize(s);
  }
  if (bad) {
    json_decref(pDoc);
    return REVIEW_STORE_DB;
  }
  /* the audit record commits with the review or not at all (audit.h: fail closed) */
  if (review_store_audit(pDb, zActor, zIp, "review.compute", zPeriod,
                         json_pack("{s:i, s:s, s:b}", "revision", iRevision, "inputs_sha256",
                                   zSha, "provisional", meta.bProvisional))) {
    json_decref(pDoc);
    return REVIEW_STORE_AUDIT;
  }
  *piRevision = iRevision;
  *pbProvisional = meta.bProvisional;
  *ppDoc = pDoc;
  return 0;
}

int review_store_published(Db *pDb, const char *zPeriod, int64_t iReview, int iRevision,
                           const char *zSha, const char *zActor, const char *zIp, int *piOld) {
  *piOld = 0;
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb, "SELECT revision FROM review WHERE period = ?1 AND state = 'published'");
  stmt_bind_text(s, 1, zPeriod);
  int r = stmt_step(s);
  int iOld = r == 1 ? (int)stmt_int(s, 0) : 0;
  stmt_finalize(s);
  if (r < 0) return REVIEW_STORE_DB;
  s = db_prepare(pDb, "UPDATE review SET state = 'superseded' "
                      "WHERE period = ?1 AND state = 'published'");
  stmt_bind_text(s, 1, zPeriod);
  int bad = stmt_run(s);
  stmt_finalize(s);
  s = db_prepare(pDb, "UPDATE review SET state = 'published', published_at = ?2, "
                      "published_by = ?3 WHERE id = ?1");
  stmt_bind_int(s, 1, iReview);
  stmt_bind_text(s, 2, zNow);
  stmt_bind_text(s, 3, zActor);
  bad = bad || stmt_run(s);
  stmt_finalize(s);
  /* published_at of the period is the first publication */
  s = db_prepare(pDb, "UPDATE period SET state = 'published', "
                      "published_at = coalesce(published_at, ?2) WHERE code = ?1");
  stmt_bind_text(s, 1, zPeriod);
  stmt_bind_text(s, 2, zNow);
  bad = bad || stmt_run(s);
  stmt_finalize(s);
  if (bad) return REVIEW_STORE_DB;
  if (review_store_audit(pDb, zActor, zIp, "review.publish", zPeriod,
                         json_pack("{s:i, s:i, s:s}", "revision", iRevision, "supersedes", iOld,
                                   "inputs_sha256", zSha)))
    return REVIEW_STORE_AUDIT;
  *piOld = iOld;
  return 0;
}

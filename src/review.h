/*
** review.h: the review (点评) of a period: its inputs, their canonical form and hash, and
** the review document derived from the scoring engine's result (docs/review-json.md).
**
** Three layers, kept apart so that the middle one can be tested without a database:
**   1. review_load()       reads a period's inputs from the store (I/O, read-only);
**   2. review_derive()     turns ScoreInput + ScoreResult + the previous published review
**                          into the review document (pure: no I/O, no clock, no globals);
**   3. review_json_text()  prints a document deterministically (shortest round-trip numbers,
**                          insertion order), so the same inputs give byte-identical text.
** The verbs (review compute/show/publish/verify) live in review_cmd.c; the bulletin and
** tables that are rendered from the document live in report/. Not here: scoring formulas
** (score.c), period arithmetic (period.c).
*/
#ifndef KP_REVIEW_H
#define KP_REVIEW_H
#include <jansson.h>

#include "score.h"
#include "store/db.h"
#include "util/mem.h"

/* Per-unit totals and ranks of a published review: the basis of "change since the previous
** review" (动力). iRevision 0 / nUnit 0 = none. Owned by whoever fills it. */
typedef struct ReviewBasis {
  char zPeriod[16];   /* e.g. "2021-B2"; "" when there is no previous published review */
  int iRevision;      /* its revision */
  int nUnit;
  char **azUnit;      /* unit codes */
  double *aTotal;     /* total of each */
  int *aRank;         /* rank in group of each */
} ReviewBasis;

/* What the derivation needs beyond the engine's input and output. */
typedef struct ReviewMeta {
  int iSchemeVersion;
  const char *zInputsSha256;  /* hex, 64 chars */
  int iRevision;
  int bSynthetic;             /* demo data: the document says so */
  int bProvisional;           /* computed while the period was still open */
  const char *const *azName;  /* nUnit unit names (ScoreInput order) */
} ReviewMeta;

/* The inputs of one period as loaded from the store. Owns every pointer in it; the
** embedded ScoreInput points into it. Presence arrays tell an observation whose value is
** NULL ("reported missing": 1) from no observation at all (0); the engine sees NaN for both,
** the canonical form writes "null" for the first and nothing for the second. */
typedef struct ReviewInputs {
  int iSchemeId, iSchemeVersion;
  char *zSchemeCode;
  char zSchemeSha256[65];     /* SHA-256 of scheme.body as stored, hex */
  Scheme *pScheme;
  Period period;
  char zPeriodState[16];      /* open | closed | published */
  int bSynthetic;             /* scheme body has "synthetic": true */
  int nUnit;
  char **azUnit, **azName, **azGroup;   /* in unit.sort_order */
  double *aValue, *aTarget, *aPrevious; /* nUnit*nLeaf, NaN = none */
  unsigned char *aValueSet, *aTargetSet, *aPreviousSet;
  ReviewBasis basis;
  ScoreInput in;
  json_t *pSources;           /* what the feeds did before the computation (review_sources.h),
                              ** owned; stored as the review's "sources"; NULL = not recorded */
} ReviewInputs;

/* Loads the inputs of period zPeriod. The basis is the latest published review of an
** earlier period of the same kind, unless zBasisPeriod is given, in which case it is that
** period's review of revision iBasisRevision (published or superseded: what `review verify`
** needs to recompute a published review against the basis it was computed on); pass
** zBasisPeriod = "" for "no basis". Returns 0, or -1 with *pzErr (malloc'd). */
int review_load(Db *pDb, const char *zPeriod, const char *zBasisPeriod, int iBasisRevision,
                ReviewInputs **ppOut, char **pzErr);
void review_inputs_free(ReviewInputs *p);

/* The canonical serialisation of the inputs (format in review.c NOTES), malloc'd. */
char *review_inputs_canonical(const ReviewInputs *p);
/* Its SHA-256 as 64 lowercase hex characters into zHex (65 bytes). */
void review_inputs_sha256(const ReviewInputs *p, char *zHex);
/* The shortest decimal that reads back as exactly r (32 bytes): integral values below 1e17
** as plain digits ("120", not "1.2e+02"), else text_fmt_double's form; NaN -> "null". */
void review_fmt_double(char *z, double r);
/* SHA-256 of n bytes as hex into zHex (65 bytes). */
void review_sha256_hex(const void *z, size_t n, char *zHex);

/* Derives the review document (docs/review-json.md). Pure; reruns score_compute for the
** potential. pBasis may be NULL (no previous published review). Returns a new jansson
** object (caller json_decref's), or NULL with *pzErr. */
json_t *review_derive(const ReviewMeta *pMeta, const ScoreInput *pIn, const ScoreResult *pRes,
                      const ReviewBasis *pBasis, char **pzErr);

/* The rank intervals of a review (docs/review-json.md "robustness"): fixed so that a
** review is a function of its inputs. */
#define REVIEW_ROBUST_DRAWS 10000
#define REVIEW_ROBUST_SEED 20211u
#define REVIEW_ROBUST_THREADS 2
#define REVIEW_ROBUST_SOBOL 1024 /* base rows of the Sobol' design */
#define REVIEW_ROBUST_BOOT 200   /* bootstrap resamples of its intervals */
/* Removes what review_derive adds for the rank intervals ("robustness", and each unit's
** rank_interval, rank_median, rank_certain, grade_probabilities): `review verify` compares
** a review published before they existed without them. */
void review_strip_robustness(json_t *pDoc);

/* Prints a jansson value deterministically: object keys in insertion order, reals in the
** shortest form that reads back exactly (text_fmt_double), strings as UTF-8 with only the
** escapes JSON requires. nIndent 0 = compact, one line; else pretty with that indent.
** Returns malloc'd text (no trailing newline). */
char *review_json_text(const json_t *p, int nIndent);

/* The bookkeeping of `review compute` and `review publish`, shared by the CLI verbs
** (review_cmd.c) and the web API (workflow.c); each caller checks the period and prints or
** maps the errors its own way. Both run inside the caller's transaction and write the audit
** record (audit.h: "review.compute" / "review.publish", object "period:CODE", actor zActor,
** address zIp or NULL) but neither commits nor rolls back. Return values: */
#define REVIEW_STORE_DB (-1)     /* a database error (db_errmsg says which) */
#define REVIEW_STORE_DERIVE (-2) /* review_derive failed: *pzErr (malloc'd, may be NULL) */
#define REVIEW_STORE_AUDIT (-3)  /* the audit record cannot be written */

/* Stores a new computation of period zPeriod from its loaded inputs pIn scored as pRes:
** deletes an earlier unpublished ('computed') review with its review_unit rows, takes the
** next revision, derives the document (provisional while the period is open) and inserts it
** with one review_unit row per unit. Returns 0 with the inputs' SHA-256 in zSha (65 bytes),
** *piRevision, *pbProvisional and the document in *ppDoc (caller json_decref's), or one of
** the REVIEW_STORE_* codes. */
int review_store_computed(Db *pDb, const char *zPeriod, const ReviewInputs *pIn,
                          const ScoreResult *pRes, const char *zActor, const char *zIp,
                          char *zSha, int *piRevision, int *pbProvisional, json_t **ppDoc,
                          char **pzErr);
/* Publishes the checked review row iReview (revision iRevision, inputs hash zSha) of
** zPeriod: the published revision, if any, becomes 'superseded', iReview 'published' by
** zActor, and the period 'published' (its published_at stays the first publication).
** Returns 0 with *piOld = the superseded revision (0 if none), or REVIEW_STORE_DB or
** REVIEW_STORE_AUDIT. */
int review_store_published(Db *pDb, const char *zPeriod, int64_t iReview, int iRevision,
                           const char *zSha, const char *zActor, const char *zIp, int *piOld);

/* Structural differences between two review documents, for `review verify`: appends up to
** nMax lines "path: OLD -> NEW" to pOut (arrays of objects with a "code" are matched by
** code: units[430421].indicators[E1].points). Returns the number of differences found (it
** keeps counting past nMax). */
int review_json_diff(const json_t *pOld, const json_t *pNew, int nMax, Buf *pOut);

#endif

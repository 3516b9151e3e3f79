/*
** review_cmd.c: the `review` verbs: compute, show, publish, verify (点评的计算、查看、发布、
** 核验). Each verb is the fixed prologue (parse and check arguments, open the store), one
** transaction that calls review.c and score.c, and the printing of the result. The review
** document itself (what is in it and how it is derived) is review.c's; this file decides only
** which stored review a verb acts on and which state changes it makes.
**
** State of review rows for one period (schema.c, table review):
**
**     compute ──> computed(r) ──publish──> published(r) ──(a later publish)──> superseded(r)
**        │            ^
**        └── replaces │ an earlier computed row (same r = max(revision) + 1 of the others)
**
** At most one row per period is 'computed' and at most one is 'published'. Publishing sets
** the period's state to 'published' (data import then refuses it; `data revise` adds audited
** revisions, after which `review verify` reports the inputs changed until the review is
** recomputed and republished as revision r + 1).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli/cli.h"
#include "cli/verbs.h"
#include "review.h"
#include "review_sources.h"
#include "util/mem.h"
#include "util/text.h"

/* ===================================================================================== */
/* Shared prologue                                                                         */
/* ===================================================================================== */

static Db *review_cmd_open(CliArgs *pArgs, const char *zPath) {
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zPath, 0, &pDb, &zErr)) {
    cli_error(pArgs, "%s", zErr ? zErr : "cannot open the database");
    free(zErr);
    return NULL;
  }
  return pDb;
}

/* A number as the shortest round-trip text into z (32 bytes). */
static const char *review_cmd_num(char *z, double r) {
  review_fmt_double(z, r);
  return z;
}

/* A figure for people: six significant digits (48.265881967213126 -> 48.2659). The stored
** document keeps full precision; only the terminal view rounds. */
static const char *review_cmd_show(char *z, double r) {
  if (isnan(r)) snprintf(z, 32, "-");
  else snprintf(z, 32, "%.6g", r);
  return z;
}

static double review_cmd_jnum(const json_t *o, const char *zKey) {
  const json_t *v = json_object_get(o, zKey);
  return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *review_cmd_jstr(const json_t *o, const char *zKey, const char *zDefault) {
  const json_t *v = json_object_get(o, zKey);
  return json_is_string(v) ? json_string_value(v) : zDefault;
}

/* The unit object of code zCode in the document, or NULL. */
static json_t *review_cmd_unit(const json_t *pDoc, const char *zCode) {
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(pDoc, "units"), i, u) {
    if (strcmp(review_cmd_jstr(u, "code", ""), zCode) == 0) return u;
  }
  return NULL;
}

/* ===================================================================================== */
/* Table printing (CJK-aware padding)                                                      */
/* ===================================================================================== */

/* Display width of UTF-8 text in a terminal: 2 for wide East Asian characters (the common
** CJK, Hangul, fullwidth and symbol blocks), 1 otherwise. */
static int review_cmd_width(const char *z) {
  int w = 0;
  const unsigned char *p = (const unsigned char *)z;
  while (*p) {
    unsigned c;
    int n;
    if (*p < 0x80) { c = *p; n = 1; }
    else if ((*p & 0xE0) == 0xC0) { c = *p & 0x1F; n = 2; }
    else if ((*p & 0xF0) == 0xE0) { c = *p & 0x0F; n = 3; }
    else { c = *p & 0x07; n = 4; }
    for (int i = 1; i < n && p[i]; i++) c = (c << 6) | (p[i] & 0x3F);
    for (int i = 0; i < n && *p; i++) p++;
    w += (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
                 (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                 (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                 (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD)
             ? 2
             : 1;
  }
  return w;
}

/* Appends z padded with spaces to display width nWidth (left-aligned, or right with bRight). */
static void review_cmd_pad(Buf *b, const char *z, int nWidth, int bRight) {
  int n = nWidth - review_cmd_width(z);
  if (bRight)
    for (int i = 0; i < n; i++) buf_putc(b, ' ');
  buf_puts(b, z);
  if (!bRight)
    for (int i = 0; i < n; i++) buf_putc(b, ' ');
}

/* "↑2 +3.10", "↓1 -0.50", "→0 +0.25", or "—" without a previous review. */
static void review_cmd_change(Buf *b, const json_t *u) {
  const json_t *rc = json_object_get(u, "rank_change");
  double tc = review_cmd_jnum(u, "total_change");
  if (!json_is_integer(rc)) {
    buf_puts(b, "—");
    return;
  }
  json_int_t n = json_integer_value(rc);
  buf_printf(b, "%s%lld", n > 0 ? "↑" : n < 0 ? "↓" : "→", (long long)(n < 0 ? -n : n));
  if (isfinite(tc)) buf_printf(b, " %+.2f", tc);
}

/* The group tables: per group, rank, unit, total, grade, change. */
static void review_cmd_print_groups(const json_t *pDoc) {
  int bPoints = strcmp(review_cmd_jstr(json_object_get(pDoc, "scheme"), "aggregation", ""),
                       "points") == 0;
  int nName = 4;
  size_t i, j;
  json_t *g, *c, *u;
  json_array_foreach(json_object_get(pDoc, "units"), i, u) {
    int w = review_cmd_width(review_cmd_jstr(u, "name", ""));
    if (w > nName) nName = w;
  }
  Buf b = BUF_INIT;
  json_array_foreach(json_object_get(pDoc, "groups"), i, g) {
    const json_t *pUnits = json_object_get(g, "units");
    buf_printf(&b, "%s (%zu)\n", review_cmd_jstr(g, "name", "?"), json_array_size(pUnits));
    buf_puts(&b, "  名次  ");
    review_cmd_pad(&b, "单位", nName, 0);
    buf_puts(&b, "  代码      ");
    review_cmd_pad(&b, "总分", 10, 1);
    buf_puts(&b, "  ");
    review_cmd_pad(&b, "等次", 8, 0);
    buf_puts(&b, "  变化\n");
    json_array_foreach(pUnits, j, c) {
      u = review_cmd_unit(pDoc, json_string_value(c));
      if (!u) continue;
      char zTotal[48];
      snprintf(zTotal, sizeof zTotal, "%.2f%s", review_cmd_jnum(u, "total"), bPoints ? "分" : "");
      buf_printf(&b, "  %4lld  ", (long long)review_cmd_jnum(u, "rank"));
      review_cmd_pad(&b, review_cmd_jstr(u, "name", ""), nName, 0);
      buf_puts(&b, "  ");
      review_cmd_pad(&b, review_cmd_jstr(u, "code", ""), 8, 0);
      buf_puts(&b, "  ");
      review_cmd_pad(&b, zTotal, 10, 1);
      buf_puts(&b, "  ");
      Buf grade = BUF_INIT;
      buf_puts(&grade, review_cmd_jstr(u, "grade", "—"));
      size_t k;
      json_t *f;
      json_array_foreach(json_object_get(u, "flags"), k, f) {
        const char *zF = json_string_value(f);
        if (zF && strcmp(zF, "VETO") == 0) buf_puts(&grade, " 否决");
        if (zF && strcmp(zF, "VETO_TOP") == 0) buf_puts(&grade, " 否优");
      }
      review_cmd_pad(&b, buf_str(&grade), 8, 0);
      buf_free(&grade);
      buf_puts(&b, "  ");
      review_cmd_change(&b, u);
      buf_putc(&b, '\n');
    }
  }
  fputs(buf_str(&b), stdout);
  buf_free(&b);
}

static void review_cmd_print_header(const json_t *pDoc, const char *zState) {
  const json_t *s = json_object_get(pDoc, "scheme");
  printf("%s 点评 review, revision %lld (%s)%s — scheme %s v%lld, inputs sha256 %.16s…\n",
         review_cmd_jstr(pDoc, "period", "?"), (long long)review_cmd_jnum(pDoc, "revision"),
         zState, json_is_true(json_object_get(pDoc, "provisional"))
                     ? ", PROVISIONAL: the period is still open"
                     : "",
         review_cmd_jstr(s, "code", "?"), (long long)review_cmd_jnum(s, "version"),
         review_cmd_jstr(pDoc, "inputs_sha256", ""));
  if (json_is_true(json_object_get(pDoc, "synthetic")))
    printf("SYNTHETIC DATA 合成演示数据 — not real figures\n");
  const char *zPrev = review_cmd_jstr(pDoc, "previous_period", NULL);
  if (zPrev) printf("changes since %s\n", zPrev);
}

/* ===================================================================================== */
/* review compute                                                                          */
/* ===================================================================================== */

/* Prints the engine's problems (one per line) under a heading. */
static void review_cmd_print_problems(CliArgs *pArgs, const char *zWhat, const char *zErr) {
  cli_error(pArgs, "%s:\n%s", zWhat, zErr ? zErr : "?");
}

/* One line per feed run before the computation: "  finding: 16 written, 0 unchanged" or
** "  wish: skipped (reason)". */
static void review_cmd_print_sources(const json_t *pSources) {
  static const char *const az[3] = {"finding", "project", "wish"};
  if (pSources) printf("derived values brought up to date first (docs/review-json.md, sources):\n");
  for (int k = 0; k < 3; k++) {
    const json_t *o = json_object_get(pSources, az[k]);
    if (!o) continue;
    const char *zSkip = review_cmd_jstr(o, "skipped", NULL);
    if (zSkip) printf("  %s: skipped (%s)\n", az[k], zSkip);
    else
      printf("  %s: %lld written, %lld unchanged\n", az[k],
             (long long)review_cmd_jnum(o, "written"), (long long)review_cmd_jnum(o, "unchanged"));
  }
}

int review_compute_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "review compute", argc, argv);
  const char *zDbPath = cli_db_path(&args);
  char zPeriod[16];
  int rc = EXIT_USAGE;
  Db *pDb = NULL;
  ReviewInputs *pIn = NULL;
  ScoreResult *pRes = NULL;
  json_t *pDoc = NULL;
  char *zErr = NULL;
  if (cli_period(&args, zPeriod) || cli_finish(&args)) goto done;
  rc = EXIT_INTERNAL;
  if (!(pDb = review_cmd_open(&args, zDbPath))) goto done;
  /* One transaction: the inputs read, the revision chosen and the rows written are one
  ** consistent snapshot (BEGIN IMMEDIATE: no data import can slip in between). */
  if (db_begin(pDb)) {
    cli_error(&args, "cannot start a transaction: %s", db_errmsg(pDb));
    goto done;
  }
  /* the derived observations first (findings, projects, wishes), in this transaction; the
  ** operator acts for the performance office, as `finding sync` without --as does */
  AuthUser op = {.zName = (char *)cli_actor(),
                 .caps = CAP_LOGIN | CAP_PERIOD_READ | CAP_ALL_UNITS | CAP_REVIEW_PUBLISH};
  EntryWho who = {&op, NULL};
  EntryErr e = {0};
  json_t *pSources = NULL;
  if (review_sources_sync(pDb, &who, zPeriod, &pSources, &e)) {
    cli_error(&args, "cannot bring the period's derived values up to date (nothing was "
                     "saved): %s%s%s", e.zField[0] ? e.zField : "", e.zField[0] ? ": " : "",
              e.zMsg);
    entry_err_free(&e);
    rc = EXIT_BAD_INPUT;
    goto rollback;
  }
  if (review_load(pDb, zPeriod, NULL, 0, &pIn, &zErr)) {
    json_decref(pSources);
    cli_error(&args, "%s", zErr);
    rc = EXIT_BAD_INPUT;
    goto rollback;
  }
  pIn->pSources = pSources;
  if (!(pRes = score_compute(&pIn->in, &zErr))) {
    review_cmd_print_problems(&args, "the inputs cannot be scored (nothing was saved)", zErr);
    rc = EXIT_BAD_INPUT;
    goto rollback;
  }
  char zSha[65];
  int iRevision = 0, bProvisional = 0;
  switch (review_store_computed(pDb, zPeriod, pIn, pRes, cli_actor(), NULL, zSha, &iRevision,
                                &bProvisional, &pDoc, &zErr)) {
    case 0: break;
    case REVIEW_STORE_DERIVE:
      cli_error(&args, "%s", zErr ? zErr : "cannot derive the review");
      goto rollback;
    case REVIEW_STORE_AUDIT:
      cli_error(&args, "cannot write the audit record: nothing was saved");
      goto rollback;
    default: goto db_error;
  }
  if (db_commit(pDb)) {
    cli_error(&args, "cannot commit: %s", db_errmsg(pDb));
    goto done;
  }
  printf("computed review of %s: revision %d, %d units, inputs sha256 %s%s\n", zPeriod,
         iRevision, pIn->nUnit, zSha,
         bProvisional ? "\nPROVISIONAL: the period is still open; recompute after it closes"
                           : "");
  review_cmd_print_sources(json_object_get(pDoc, "sources"));
  review_cmd_print_groups(pDoc);
  rc = EXIT_OK;
  goto done;

db_error:
  cli_error(&args, "database error: %s", db_errmsg(pDb));
  rc = EXIT_INTERNAL;
rollback:
  db_rollback(pDb);
done:
  json_decref(pDoc);
  free(zErr);
  if (pRes) score_result_free(pRes);
  review_inputs_free(pIn);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

/* ===================================================================================== */
/* review show                                                                             */
/* ===================================================================================== */

static void review_cmd_print_card(const json_t *pDoc, const json_t *u) {
  int bPoints = strcmp(review_cmd_jstr(json_object_get(pDoc, "scheme"), "aggregation", ""),
                       "points") == 0;
  const char *zPts = bPoints ? "分" : "";
  char z1[32], z2[32];
  printf("%s (%s) · %s · %s\n", review_cmd_jstr(u, "name", "?"), review_cmd_jstr(u, "code", "?"),
         review_cmd_jstr(u, "group", "?"), review_cmd_jstr(pDoc, "period", "?"));
  Buf b = BUF_INIT;
  review_cmd_change(&b, u);
  printf("总分 total %.2f%s   名次 rank %lld/%lld   等次 grade %s   变化 change %s",
         review_cmd_jnum(u, "total"), zPts, (long long)review_cmd_jnum(u, "rank"),
         (long long)review_cmd_jnum(u, "group_size"), review_cmd_jstr(u, "grade", "—"),
         buf_str(&b));
  buf_free(&b);
  const json_t *pPrev = json_object_get(u, "previous");
  if (json_is_object(pPrev))
    printf(" (since %s: %.2f%s, rank %lld)", review_cmd_jstr(pPrev, "period", "?"),
           review_cmd_jnum(pPrev, "total"), zPts, (long long)review_cmd_jnum(pPrev, "rank"));
  printf("\n");
  size_t i, k;
  json_t *v, *f;
  json_array_foreach(json_object_get(u, "flags"), i, v) {
    const char *zF = json_string_value(v);
    if (zF && strcmp(zF, "VETO") == 0) printf("一票否决 VETO: the grade is the lowest level\n");
    if (zF && strcmp(zF, "VETO_TOP") == 0) printf("一票否优 VETO_TOP: not the top grade\n");
  }

  printf("短板 shortfalls:%s\n", json_array_size(json_object_get(u, "shortfalls")) ? "" : " none");
  json_array_foreach(json_object_get(u, "shortfalls"), i, v) {
    Buf why = BUF_INIT;
    json_array_foreach(json_object_get(v, "why"), k, f) {
      buf_printf(&why, "%s%s", k ? ", " : "", json_string_value(f));
    }
    printf("  %-4s %s  lost %.2f  rank %lld/%lld  [%s]\n", review_cmd_jstr(v, "code", "?"),
           review_cmd_jstr(v, "name", ""), review_cmd_jnum(v, "lost"),
           (long long)review_cmd_jnum(v, "rank"), (long long)review_cmd_jnum(v, "group_size"),
           buf_str(&why));
    buf_free(&why);
  }
  printf("长板 strengths:%s\n", json_array_size(json_object_get(u, "strengths")) ? "" : " none");
  json_array_foreach(json_object_get(u, "strengths"), i, v) {
    printf("  %-4s %s  rank %lld/%lld  share %.0f%%\n", review_cmd_jstr(v, "code", "?"),
           review_cmd_jstr(v, "name", ""), (long long)review_cmd_jnum(v, "rank"),
           (long long)review_cmd_jnum(v, "group_size"), 100 * review_cmd_jnum(v, "share"));
  }
  printf("潜力 potential:%s\n", json_array_size(json_object_get(u, "potential")) ? "" : " none");
  json_array_foreach(json_object_get(u, "potential"), i, v) {
    long long nPlaces = (long long)review_cmd_jnum(v, "places");
    printf("  %-4s %s  %s -> %s (group %s)  gain %+.2f%s  rank -> %lld (%s%lld place%s)\n",
           review_cmd_jstr(v, "code", "?"), review_cmd_jstr(v, "name", ""),
           review_cmd_show(z1, review_cmd_jnum(v, "value")),
           review_cmd_show(z2, review_cmd_jnum(v, "raised_to")), review_cmd_jstr(v, "to", "?"),
           review_cmd_jnum(v, "gain"), zPts, (long long)review_cmd_jnum(v, "rank_after"),
           nPlaces > 0 ? "+" : "", nPlaces, nPlaces == 1 || nPlaces == -1 ? "" : "s");
  }
  const json_t *dh = json_object_get(u, "double_half");
  if (json_is_object(dh)) {
    printf("双过半 double half: %s (time progress %.0f%%)\n",
           strcmp(review_cmd_jstr(dh, "status", ""), "achieved") == 0 ? "achieved 已实现"
                                                                       : "not achieved 未实现",
           100 * review_cmd_jnum(dh, "time_progress"));
    json_array_foreach(json_object_get(dh, "indicators"), i, v) {
      double r = review_cmd_jnum(v, "progress");
      printf("  %-4s progress %s  %s\n", review_cmd_jstr(v, "code", "?"),
             isfinite(r) ? (snprintf(z1, sizeof z1, "%.1f%%", 100 * r), z1) : "—",
             json_is_true(json_object_get(v, "passed")) ? "passed" : "NOT passed");
    }
  } else {
    printf("双过半 double half: —\n");
  }
}

int review_show_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "review show", argc, argv);
  const char *zDbPath = cli_db_path(&args);
  const char *zFormat = cli_opt(&args, "--format");
  const char *zUnit = cli_opt(&args, "--unit");
  char zPeriod[16];
  int rc = EXIT_USAGE;
  Db *pDb = NULL;
  json_t *pDoc = NULL;
  if (cli_period(&args, zPeriod) || cli_finish(&args)) goto done;
  if (!zFormat) zFormat = "table";
  if (strcmp(zFormat, "table") != 0 && strcmp(zFormat, "json") != 0) {
    cli_error(&args, "--format must be table or json, not \"%s\"", zFormat);
    goto done;
  }
  rc = EXIT_INTERNAL;
  if (!(pDb = review_cmd_open(&args, zDbPath))) goto done;
  /* the newest review that is not superseded: a fresh computation before the published one */
  Stmt *s = db_prepare(pDb, "SELECT state, result FROM review WHERE period = ?1 "
                            "AND state IN ('computed','published') ORDER BY revision DESC LIMIT 1");
  stmt_bind_text(s, 1, zPeriod);
  int r = stmt_step(s);
  char zState[16] = "";
  if (r == 1) {
    snprintf(zState, sizeof zState, "%s", stmt_text(s, 0));
    json_error_t jerr;
    pDoc = json_loads(stmt_text(s, 1), 0, &jerr);
  }
  stmt_finalize(s);
  if (r < 0) {
    cli_error(&args, "database error: %s", db_errmsg(pDb));
    goto done;
  }
  if (r == 0) {
    cli_error(&args, "no review of %s yet (kaoping review compute %s)", zPeriod, zPeriod);
    rc = EXIT_BAD_INPUT;
    goto done;
  }
  if (!pDoc) {
    cli_error(&args, "the stored review of %s is not valid JSON", zPeriod);
    goto done;
  }
  const json_t *pWhat = pDoc;
  if (zUnit) {
    pWhat = review_cmd_unit(pDoc, zUnit);
    if (!pWhat) {
      cli_error(&args, "unit %s is not in the review of %s", zUnit, zPeriod);
      rc = EXIT_BAD_INPUT;
      goto done;
    }
  }
  if (strcmp(zFormat, "json") == 0) {
    char *z = review_json_text(pWhat, 2);
    printf("%s\n", z);
    free(z);
  } else {
    review_cmd_print_header(pDoc, strcmp(zState, "published") == 0 ? "published"
                                                                   : "computed, not published");
    if (zUnit) review_cmd_print_card(pDoc, pWhat);
    else review_cmd_print_groups(pDoc);
  }
  rc = EXIT_OK;
done:
  json_decref(pDoc);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

/* ===================================================================================== */
/* review publish                                                                          */
/* ===================================================================================== */

int review_publish_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "review publish", argc, argv);
  const char *zDbPath = cli_db_path(&args);
  char zPeriod[16];
  int rc = EXIT_USAGE;
  Db *pDb = NULL;
  ReviewInputs *pIn = NULL;
  json_t *pDoc = NULL;
  char *zErr = NULL;
  char zSha[65] = "", zStoredSha[65] = "", zState[16] = "", zComputedAt[32] = "";
  if (cli_period(&args, zPeriod) || cli_finish(&args)) goto done;
  rc = EXIT_INTERNAL;
  if (!(pDb = review_cmd_open(&args, zDbPath))) goto done;
  if (db_begin(pDb)) {
    cli_error(&args, "cannot start a transaction: %s", db_errmsg(pDb));
    goto done;
  }
  Stmt *s = db_prepare(pDb, "SELECT id, revision, inputs_sha256, result, computed_at FROM review "
                            "WHERE period = ?1 AND state = 'computed' "
                            "ORDER BY revision DESC LIMIT 1");
  stmt_bind_text(s, 1, zPeriod);
  int r = stmt_step(s);
  int64_t iReview = 0;
  int iRevision = 0;
  if (r == 1) {
    iReview = stmt_int(s, 0);
    iRevision = (int)stmt_int(s, 1);
    snprintf(zStoredSha, sizeof zStoredSha, "%s", stmt_text(s, 2));
    pDoc = json_loads(stmt_text(s, 3), 0, NULL);
    snprintf(zComputedAt, sizeof zComputedAt, "%s", stmt_text(s, 4));
  }
  stmt_finalize(s);
  if (r < 0) goto db_error;
  s = db_prepare(pDb, "SELECT state FROM period WHERE code = ?1");
  stmt_bind_text(s, 1, zPeriod);
  int rp = stmt_step(s);
  if (rp == 1) snprintf(zState, sizeof zState, "%s", stmt_text(s, 0));
  stmt_finalize(s);
  if (rp < 0) goto db_error;
  rc = EXIT_BAD_INPUT;
  if (rp == 0) {
    cli_error(&args, "period %s is not in the store", zPeriod);
    goto rollback;
  }
  if (r == 0) {
    cli_error(&args, "no computed review of %s to publish (kaoping review compute %s)%s", zPeriod,
              zPeriod, strcmp(zState, "published") == 0 ? "; the published one is current" : "");
    goto rollback;
  }
  if (!pDoc) {
    cli_error(&args, "the stored review of %s is not valid JSON: recompute it", zPeriod);
    goto rollback;
  }
  if (strcmp(zState, "open") == 0) {
    cli_error(&args, "period %s is still open: close it (kaoping period close %s), then "
                     "recompute and publish", zPeriod, zPeriod);
    goto rollback;
  }
  if (json_is_true(json_object_get(pDoc, "provisional"))) {
    cli_error(&args, "the review of %s was computed while the period was open (provisional): "
                     "run kaoping review compute %s again, then publish", zPeriod, zPeriod);
    goto rollback;
  }
  /* The inputs must still be what the review was computed from. */
  if (review_load(pDb, zPeriod, NULL, 0, &pIn, &zErr)) {
    cli_error(&args, "%s", zErr);
    goto rollback;
  }
  review_inputs_sha256(pIn, zSha);
  if (strcmp(zSha, zStoredSha) != 0) {
    cli_error(&args, "the inputs of %s changed after the review was computed (%s): inputs "
                     "sha256 was %.16s…, is now %.16s…; run kaoping review compute %s again, "
                     "then publish", zPeriod, zComputedAt, zStoredSha, zSha, zPeriod);
    goto rollback;
  }
  int iOld = 0;
  switch (review_store_published(pDb, zPeriod, iReview, iRevision, zSha, cli_actor(), NULL,
                                 &iOld)) {
    case 0: break;
    case REVIEW_STORE_AUDIT:
      cli_error(&args, "cannot write the audit record: nothing was published");
      rc = EXIT_INTERNAL;
      goto rollback;
    default: goto db_error;
  }
  if (db_commit(pDb)) {
    cli_error(&args, "cannot commit: %s", db_errmsg(pDb));
    rc = EXIT_INTERNAL;
    goto done;
  }
  printf("published review of %s: revision %d", zPeriod, iRevision);
  if (iOld) printf(" (supersedes revision %d)", iOld);
  printf(", inputs sha256 %s\nthe period's data are frozen: corrections go through "
         "`kaoping data revise`\n", zSha);
  rc = EXIT_OK;
  goto done;

db_error:
  cli_error(&args, "database error: %s", db_errmsg(pDb));
  rc = EXIT_INTERNAL;
rollback:
  db_rollback(pDb);
done:
  json_decref(pDoc);
  free(zErr);
  review_inputs_free(pIn);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

/* ===================================================================================== */
/* review verify                                                                           */
/* ===================================================================================== */

/* Was the raw input missing for a leaf the document shows? (its flags say so) */
static int review_cmd_flag(const json_t *pLeaf, const char *zFlag) {
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(pLeaf, "flags"), i, f) {
    if (json_is_string(f) && strcmp(json_string_value(f), zFlag) == 0) return 1;
  }
  return 0;
}

static int review_cmd_same(double a, double b) {
  return (isnan(a) && isnan(b)) || a == b;
}

/* Appends " (revision N entered AT by WHO: REASON)" for the current observation. */
static void review_cmd_obs_note(Db *pDb, Buf *b, const char *zPeriod, const char *zUnit,
                                const char *zInd) {
  Stmt *s = db_prepare(pDb, "SELECT revision, entered_at, entered_by, reason "
                            "FROM observation_current "
                            "WHERE period = ?1 AND unit = ?2 AND indicator = ?3");
  stmt_bind_text(s, 1, zPeriod);
  stmt_bind_text(s, 2, zUnit);
  stmt_bind_text(s, 3, zInd);
  if (stmt_step(s) == 1) {
    const char *zReason = stmt_text(s, 3);
    buf_printf(b, " (revision %lld entered %s by %s%s%s)", (long long)stmt_int(s, 0),
               stmt_text(s, 1) ? stmt_text(s, 1) : "?", stmt_text(s, 2) ? stmt_text(s, 2) : "?",
               zReason ? ": " : "", zReason ? zReason : "");
  }
  stmt_finalize(s);
}

/* Lists what differs between the inputs the published document shows and the store's
** current inputs: units, values (with the revision that changed them), targets and the
** previous values `carry` used. Returns the number of lines appended. */
static int review_cmd_input_changes(Db *pDb, const json_t *pDoc, const ReviewInputs *p, Buf *b) {
  int n = 0;
  const Scheme *pS = p->pScheme;
  char z1[32], z2[32];
  long long iVer = (long long)review_cmd_jnum(json_object_get(pDoc, "scheme"), "version");
  if (iVer != p->iSchemeVersion) {
    buf_printf(b, "  scheme version: %lld -> %d\n", iVer, p->iSchemeVersion);
    n++;
  }
  const json_t *pUnits = json_object_get(pDoc, "units");
  size_t i;
  json_t *u;
  for (int k = 0; k < p->nUnit; k++) {
    if (!review_cmd_unit(pDoc, p->azUnit[k])) {
      buf_printf(b, "  unit %s (%s, %s) added\n", p->azUnit[k], p->azName[k], p->azGroup[k]);
      n++;
    }
  }
  json_array_foreach(pUnits, i, u) {
    const char *zCode = review_cmd_jstr(u, "code", "");
    int k = 0;
    while (k < p->nUnit && strcmp(p->azUnit[k], zCode) != 0) k++;
    if (k == p->nUnit) {
      buf_printf(b, "  unit %s removed or no longer ranked\n", zCode);
      n++;
      continue;
    }
    if (strcmp(review_cmd_jstr(u, "name", ""), p->azName[k]) != 0) {
      buf_printf(b, "  unit %s renamed: %s -> %s\n", zCode, review_cmd_jstr(u, "name", ""),
                 p->azName[k]);
      n++;
    }
    if (strcmp(review_cmd_jstr(u, "group", ""), p->azGroup[k]) != 0) {
      buf_printf(b, "  unit %s moved from group %s to %s\n", zCode,
                 review_cmd_jstr(u, "group", ""), p->azGroup[k]);
      n++;
    }
    if ((size_t)k != i) {
      buf_printf(b, "  unit %s moved in the table order: place %zu -> %d\n", zCode, i + 1, k + 1);
      n++;
    }
    size_t j;
    json_t *pLeaf;
    json_array_foreach(json_object_get(u, "indicators"), j, pLeaf) {
      const char *zInd = review_cmd_jstr(pLeaf, "code", "");
      int iNode = scheme_find(pS, zInd);
      if (iNode < 0 || !pS->aNode[iNode].bLeaf) continue;
      size_t c = (size_t)k * pS->nLeaf + pS->aNode[iNode].iLeaf;
      int bCarried = review_cmd_flag(pLeaf, "CARRIED");
      int bRawMissing = bCarried || review_cmd_flag(pLeaf, "MISSING") ||
                        review_cmd_flag(pLeaf, "EXCLUDED") || review_cmd_flag(pLeaf, "IMPUTED");
      double rOld = bRawMissing ? NAN : review_cmd_jnum(pLeaf, "value");
      if (!review_cmd_same(rOld, p->aValue[c])) {
        buf_printf(b, "  value %s %s: %s -> %s", zCode, zInd, review_cmd_num(z1, rOld),
                   review_cmd_num(z2, p->aValue[c]));
        review_cmd_obs_note(pDb, b, p->period.zCode, zCode, zInd);
        buf_putc(b, '\n');
        n++;
      }
      if (bCarried && !review_cmd_same(review_cmd_jnum(pLeaf, "value"), p->aPrevious[c])) {
        buf_printf(b, "  previous period's value %s %s (carried): %s -> %s\n", zCode, zInd,
                   review_cmd_num(z1, review_cmd_jnum(pLeaf, "value")),
                   review_cmd_num(z2, p->aPrevious[c]));
        n++;
      }
      double rOldT = review_cmd_jnum(pLeaf, "target");
      if (!review_cmd_same(rOldT, p->aTarget[c])) {
        buf_printf(b, "  target %s %s: %s -> %s\n", zCode, zInd, review_cmd_num(z1, rOldT),
                   review_cmd_num(z2, p->aTarget[c]));
        n++;
      }
    }
  }
  return n;
}

int review_verify_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "review verify", argc, argv);
  const char *zDbPath = cli_db_path(&args);
  char zPeriod[16];
  int rc = EXIT_USAGE;
  Db *pDb = NULL;
  ReviewInputs *pIn = NULL;
  ScoreResult *pRes = NULL;
  json_t *pStored = NULL, *pNew = NULL;
  char *zStored = NULL, *zNew = NULL, *zErr = NULL;
  char zStoredSha[65] = "", zSha[65] = "", zPublishedAt[32] = "";
  if (cli_period(&args, zPeriod) || cli_finish(&args)) goto done;
  rc = EXIT_INTERNAL;
  if (!(pDb = review_cmd_open(&args, zDbPath))) goto done;
  /* One transaction (db_begin takes the write lock, so no import can slip in): the review
  ** and the inputs are read from one snapshot; it is rolled back at the end, nothing is
  ** written. */
  if (db_begin(pDb)) {
    cli_error(&args, "cannot start a transaction: %s", db_errmsg(pDb));
    goto done;
  }
  Stmt *s = db_prepare(pDb, "SELECT revision, inputs_sha256, result, published_at FROM review "
                            "WHERE period = ?1 AND state = 'published'");
  stmt_bind_text(s, 1, zPeriod);
  int r = stmt_step(s);
  int iRevision = 0;
  if (r == 1) {
    iRevision = (int)stmt_int(s, 0);
    snprintf(zStoredSha, sizeof zStoredSha, "%s", stmt_text(s, 1));
    zStored = xstrdup(stmt_text(s, 2));
    snprintf(zPublishedAt, sizeof zPublishedAt, "%s",
             stmt_text(s, 3) ? stmt_text(s, 3) : "?");
  }
  stmt_finalize(s);
  if (r < 0) {
    cli_error(&args, "database error: %s", db_errmsg(pDb));
    goto rollback;
  }
  rc = EXIT_BAD_INPUT;
  if (r == 0) {
    cli_error(&args, "no published review of %s to verify", zPeriod);
    goto rollback;
  }
  rc = EXIT_MISMATCH;
  if (!(pStored = json_loads(zStored, 0, NULL))) {
    printf("MISMATCH: the stored review of %s (revision %d) is not valid JSON\n", zPeriod,
           iRevision);
    goto rollback;
  }
  /* recompute against the basis the review was computed on (review.c NOTES) */
  const char *zBasis = review_cmd_jstr(pStored, "previous_period", "");
  int iBasisRev = (int)review_cmd_jnum(pStored, "previous_revision");
  if (review_load(pDb, zPeriod, zBasis, iBasisRev, &pIn, &zErr)) {
    printf("MISMATCH: cannot load the inputs of %s: %s\n", zPeriod, zErr);
    goto rollback;
  }
  review_inputs_sha256(pIn, zSha);
  int bHashOk = strcmp(zSha, zStoredSha) == 0 &&
                strcmp(zStoredSha, review_cmd_jstr(pStored, "inputs_sha256", "")) == 0;
  Buf out = BUF_INIT;
  int bResultOk = 0;
  if (!(pRes = score_compute(&pIn->in, &zErr))) {
    buf_printf(&out, "results: the current inputs cannot be scored:\n%s\n", zErr);
  } else {
    ReviewMeta meta = {
      .iSchemeVersion = pIn->iSchemeVersion,
      .zInputsSha256 = zSha,
      .iRevision = iRevision,
      .bSynthetic = pIn->bSynthetic,
      .bProvisional = strcmp(pIn->zPeriodState, "open") == 0,
      .azName = (const char *const *)pIn->azName,
    };
    if (!(pNew = review_derive(&meta, &pIn->in, pRes, &pIn->basis, &zErr))) {
      buf_printf(&out, "results: cannot derive the review: %s\n", zErr ? zErr : "?");
    } else {
      /* a review published before rank intervals existed is compared without them */
      if (!json_object_get(pStored, "robustness")) review_strip_robustness(pNew);
      /* what the feeds did when it was computed is a record, not something recomputed */
      json_t *pSrc = json_object_get(pStored, "sources");
      if (pSrc) json_object_set(pNew, "sources", pSrc);
      zNew = review_json_text(pNew, 0);
      bResultOk = strcmp(zNew, zStored) == 0;
      if (!bResultOk) {
        Buf diff = BUF_INIT;
        /* the scores first: rank intervals follow from them and would crowd them out */
        json_t *pA = json_deep_copy(pStored), *pB = json_deep_copy(pNew);
        review_strip_robustness(pA);
        review_strip_robustness(pB);
        int nDiff = review_json_diff(pA, pB, 12, &diff);
        json_decref(pA);
        json_decref(pB);
        Buf all = BUF_INIT;
        int nAll = review_json_diff(pStored, pNew, 0, &all);
        buf_free(&all);
        buf_printf(&out, "results: %d difference%s between the published review and the "
                         "recomputation%s\n%s", nDiff, nDiff == 1 ? "" : "s",
                   nDiff > 12 ? " (the first 12)" : "", buf_str(&diff));
        if (nAll > nDiff)
          buf_printf(&out, "  and %d in the rank intervals (robustness)\n", nAll - nDiff);
        if (nAll == 0) buf_puts(&out, "  (same content, different bytes)\n");
        buf_free(&diff);
      }
    }
  }
  if (bHashOk && bResultOk) {
    printf("verified: inputs sha256 %s, %d units, identical\n", zSha, pIn->nUnit);
    printf("%s revision %d, published %s, scheme %s v%d%s%s\n", zPeriod, iRevision, zPublishedAt,
           pIn->zSchemeCode, pIn->iSchemeVersion, zBasis[0] ? ", changes since " : "",
           zBasis[0] ? zBasis : "");
    /* the basis may have been republished since: not a mismatch of this review, but the
    ** reader should know that a recomputation would compare with the newer figures */
    if (zBasis[0]) {
      s = db_prepare(pDb, "SELECT revision FROM review WHERE period = ?1 AND state = 'published'");
      stmt_bind_text(s, 1, zBasis);
      if (stmt_step(s) == 1 && stmt_int(s, 0) != iBasisRev)
        printf("note: %s has since been republished (revision %lld); this review's changes are "
               "relative to its revision %d\n", zBasis, (long long)stmt_int(s, 0), iBasisRev);
      stmt_finalize(s);
    }
    rc = EXIT_OK;
  } else {
    printf("MISMATCH: the published review of %s (revision %d, published %s) is not what its "
           "stored inputs give now\n", zPeriod, iRevision, zPublishedAt);
    if (!bHashOk) {
      printf("inputs: sha256 published %s\n        sha256 now       %s\n", zStoredSha, zSha);
      Buf changes = BUF_INIT;
      int n = review_cmd_input_changes(pDb, pStored, pIn, &changes);
      if (n) printf("inputs that changed:\n%s", buf_str(&changes));
      else
        printf("  the change is in inputs the review does not show (a value of an indicator "
               "that does not apply to its unit, or an observation reported as missing)\n");
      buf_free(&changes);
      printf("recompute and republish to take the change into account: kaoping review "
             "compute %s && kaoping review publish %s\n", zPeriod, zPeriod);
    } else {
      printf("inputs: sha256 %s, unchanged\n", zSha);
    }
    if (!bResultOk) fputs(buf_str(&out), stdout);
    else printf("results: identical\n");
  }
  buf_free(&out);
rollback:
  db_rollback(pDb); /* read only: nothing to keep */
done:
  json_decref(pStored);
  json_decref(pNew);
  free(zStored);
  free(zNew);
  free(zErr);
  if (pRes) score_result_free(pRes);
  review_inputs_free(pIn);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

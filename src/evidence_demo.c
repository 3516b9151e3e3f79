/*
** evidence_demo.c: the demo's evidence (演示数据, synthetic): the inspector's geotagged photos
** on the first findings (libjpeg + libexif, the position near the finding's site), a
** rectification report drawn with cairo (PNG) by the unit's reporter on the first one, and
** site check-in photos on the first projects by the statistics bureau, photos of the first
** three red-heritage and youth sites with a point (geotagged at the site, so that the public
** page shows the GPS is stripped) and honour cards (cairo PNG) on the first two honours, both
** by the system administrator. Everything goes through the spool and ev_ingest, as an
** upload would.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cairo.h>

#include "cli/cli.h"
#include "evidence.h"
#include "evidence_demo.h"
#include "store/db.h"
#include "util/mem.h"

static cairo_status_t evd_png_write(void *p, const unsigned char *z, unsigned int n) {
  buf_append(p, z, n);
  return CAIRO_STATUS_SUCCESS;
}

/* A 320 x 200 card with a title and a line as PNG bytes (Buf). */
static int evd_card_png(const char *zTitle, const char *zLine, Buf *pOut) {
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 320, 200);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 0.97, 0.97, 0.94);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
  cairo_rectangle(cr, 10, 10, 300, 180);
  cairo_set_line_width(cr, 3);
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_select_font_face(cr, "Noto Sans CJK SC", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 22);
  cairo_move_to(cr, 30, 60);
  cairo_show_text(cr, zTitle);
  cairo_set_font_size(cr, 14);
  cairo_move_to(cr, 30, 100);
  cairo_show_text(cr, zLine);
  cairo_move_to(cr, 30, 130);
  cairo_show_text(cr, "演示数据(合成)");
  cairo_destroy(cr);
  int rc = cairo_surface_write_to_png_stream(s, evd_png_write, pOut) == CAIRO_STATUS_SUCCESS ? 0 : -1;
  cairo_surface_destroy(s);
  return rc;
}

/* Spools bytes and ingests them as zUser's evidence of (zKind, id). */
static int evd_add(Db *pDb, Arena *pArena, const char *zUser, const char *zKind, int64_t id,
                   const char *zName, const void *z, size_t n) {
  AuthUser u;
  if (auth_user_load(pDb, pArena, zUser, &u)) return 0; /* that demo account is absent: skip */
  EntryWho w = {&u, NULL};
  EvWho who = {&w, auth_has(&u, CAP_INSPECT)};
  EvSpool s;
  char *zErr = NULL;
  char *zDir = ev_files_dir(db_path(pDb));
  int rc = ev_spool_open(&s, zDir, &zErr);
  free(zDir);
  if (rc) {
    fprintf(stderr, "kaoping demo: %s\n", zErr);
    free(zErr);
    return -1;
  }
  if (ev_spool_write(&s, z, n)) {
    ev_spool_discard(&s);
    return -1;
  }
  EntryErr e;
  memset(&e, 0, sizeof e);
  json_t *pOut = NULL;
  if (ev_ingest(pDb, &who, &s, zKind, id, zName, (uint64_t)1 << 30, &pOut, &e)) {
    fprintf(stderr, "kaoping demo: evidence %s:%lld: %s\n", zKind, (long long)id, e.zMsg);
    entry_err_free(&e);
    return -1;
  }
  json_decref(pOut);
  return 0;
}

int evidence_demo(const char *zDb) {
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    fprintf(stderr, "kaoping demo: %s\n", zErr);
    free(zErr);
    return EXIT_INTERNAL;
  }
  Arena *pArena = arena_new();
  int rc = 0, nFinding = 0, nProject = 0;
  /* the inspector's photos: three findings, at their site when it is known */
  Stmt *q = db_prepare(pDb, "SELECT id, lon, lat, unit FROM finding ORDER BY id LIMIT 3");
  while (rc == 0 && stmt_step(q) == 1) {
    int64_t id = stmt_int(q, 0);
    int bGps = !stmt_is_null(q, 1);
    unsigned char *z = NULL;
    size_t n = 0;
    char zTaken[32];
    snprintf(zTaken, sizeof zTaken, "2026-11-%02d 09:%02d:00", 2 + (int)(id % 20), (int)(id % 60));
    if (ev_make_jpeg(320, 240, zTaken, 1, bGps ? stmt_double(q, 2) + 0.0004 : 26.8934,
                     bGps ? stmt_double(q, 1) - 0.0003 : 112.5720, &z, &n)) {
      rc = -1;
      break;
    }
    char *zName = xasprintf("暗访现场-%lld.jpg", (long long)id);
    rc = evd_add(pDb, pArena, "ducha", "finding", id, zName, z, n);
    free(zName);
    free(z);
    if (rc == 0 && nFinding == 0) {
      /* the unit's rectification report on the first one (its reporter, if the unit is 430421) */
      Buf png = BUF_INIT;
      if (evd_card_png("整改情况报告", "已完成整改并建立长效机制", &png) == 0)
        rc = evd_add(pDb, pArena, strcmp(stmt_text(q, 3), "430421") == 0 ? "hengyang" : "ducha",
                     "finding", id, "整改报告.png", png.z, png.n);
      buf_free(&png);
    }
    nFinding++;
  }
  stmt_finalize(q);
  /* site check-ins on two projects with a known site */
  q = db_prepare(pDb, "SELECT id, lon, lat FROM project WHERE lon IS NOT NULL ORDER BY id LIMIT 2");
  while (rc == 0 && stmt_step(q) == 1) {
    unsigned char *z = NULL;
    size_t n = 0;
    if (ev_make_jpeg(320, 240, "2026-11-18 14:30:00", 1, stmt_double(q, 2), stmt_double(q, 1), &z,
                     &n)) {
      rc = -1;
      break;
    }
    rc = evd_add(pDb, pArena, "tongji", "project", stmt_int(q, 0), "现场打卡.jpg", z, n);
    free(z);
    nProject++;
  }
  stmt_finalize(q);
  /* photos of public sites, taken at the site (the public copy loses the position) */
  int nPlace = 0, nHonour = 0;
  q = db_prepare(pDb, "SELECT id, lon, lat, name FROM place WHERE kind IN ('red','youth') "
                      "AND lon IS NOT NULL ORDER BY id LIMIT 3");
  while (rc == 0 && stmt_step(q) == 1) {
    unsigned char *z = NULL;
    size_t n = 0;
    if (ev_make_jpeg(320, 240, "2026-10-01 10:00:00", 1, stmt_double(q, 2), stmt_double(q, 1), &z,
                     &n)) {
      rc = -1;
      break;
    }
    char *zName = xasprintf("%s.jpg", stmt_text(q, 3));
    rc = evd_add(pDb, pArena, "sysadmin", "place", stmt_int(q, 0), zName, z, n);
    free(zName);
    free(z);
    nPlace++;
  }
  stmt_finalize(q);
  q = db_prepare(pDb, "SELECT id, award, recipient FROM honour ORDER BY id LIMIT 2");
  while (rc == 0 && stmt_step(q) == 1) {
    Buf png = BUF_INIT;
    rc = evd_card_png(stmt_text(q, 1), stmt_text(q, 2), &png);
    if (rc == 0) rc = evd_add(pDb, pArena, "sysadmin", "honour", stmt_int(q, 0), "表彰.png", png.z, png.n);
    buf_free(&png);
    nHonour++;
  }
  stmt_finalize(q);
  arena_free(pArena);
  db_close(pDb);
  if (rc) return EXIT_INTERNAL;
  printf("\nkaoping demo: evidence (证据材料): geotagged photos on %d findings, site check-ins on "
         "%d projects, photos of %d public sites and %d honours (%s.files/)\n", nFinding, nProject,
         nPlace, nHonour, zDb);
  return EXIT_OK;
}

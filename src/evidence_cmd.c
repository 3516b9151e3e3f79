/*
** evidence_cmd.c: the `kaoping evidence ...` verbs: `evidence exif FILE` prints what the
** store reads from a file (type by content, EXIF capture time and position), so a test or an
** operator can check a served copy; `evidence sample OUT` writes a small JPEG with EXIF
** capture time and GPS (the demo's photos, the tests' input).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "evidence.h"
#include "util/mem.h"

/* Reads a whole file (malloc'd); -1 with errno. */
static int evcmd_slurp(const char *zPath, unsigned char **pp, size_t *pn) {
  FILE *f = fopen(zPath, "rb");
  if (!f) return -1;
  Buf b = BUF_INIT;
  char a[65536];
  size_t k;
  while ((k = fread(a, 1, sizeof a, f)) > 0) buf_append(&b, a, k);
  int bErr = ferror(f);
  fclose(f);
  if (bErr) {
    buf_free(&b);
    return -1;
  }
  *pn = b.n;
  *pp = (unsigned char *)buf_detach(&b);
  return 0;
}

/* kaoping evidence exif FILE: {"type", "taken_at", "lat", "lon"} as one JSON line. */
int evidence_exif_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "evidence exif", argc, argv);
  const char *zFile = cli_positional(&args, 0);
  if (cli_finish(&args) || !zFile) {
    if (!zFile) cli_error(&args, "name the file: evidence exif FILE");
    cli_free(&args);
    return EXIT_USAGE;
  }
  unsigned char *z = NULL;
  size_t n = 0;
  if (evcmd_slurp(zFile, &z, &n)) {
    cli_error(&args, "%s: cannot read", zFile);
    cli_free(&args);
    return EXIT_BAD_INPUT;
  }
  const char *zWhy = NULL;
  size_t nTail = n < EV_TAIL ? n : EV_TAIL;
  int eType = ev_sniff(z, n < EV_HEAD ? n : EV_HEAD, z + n - nTail, nTail, n, &zWhy);
  int rc = EXIT_OK;
  if (eType == EV_NONE) {
    cli_error(&args, "%s: %s", zFile, zWhy);
    rc = EXIT_BAD_INPUT;
  } else {
    EvExif x;
    ev_image_exif(eType, z, n, &x);
    printf("{\"type\":\"%s\",\"taken_at\":", ev_type_name(eType));
    if (x.zTaken[0]) printf("\"%s\"", x.zTaken);
    else printf("null");
    if (x.bGps) printf(",\"lat\":%.6f,\"lon\":%.6f}\n", x.rLat, x.rLon);
    else printf(",\"lat\":null,\"lon\":null}\n");
  }
  free(z);
  cli_free(&args);
  return rc;
}

/* kaoping evidence sample OUT [--lat D --lon D] [--taken "YYYY-MM-DD HH:MM:SS"] */
int evidence_sample_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "evidence sample", argc, argv);
  const char *zOut = cli_positional(&args, 0);
  const char *zLat = cli_opt(&args, "--lat");
  const char *zLon = cli_opt(&args, "--lon");
  const char *zTaken = cli_opt(&args, "--taken");
  if (cli_finish(&args) || !zOut || (!zLat) != (!zLon)) {
    if (!zOut || (!zLat) != (!zLon)) cli_error(&args, "evidence sample OUT [--lat D --lon D] [--taken T]");
    cli_free(&args);
    return EXIT_USAGE;
  }
  double rLat = 0, rLon = 0;
  char *zEnd = NULL;
  if (zLat && ((rLat = strtod(zLat, &zEnd)) < -90 || rLat > 90 || *zEnd ||
               (rLon = strtod(zLon, &zEnd)) < -180 || rLon > 180 || *zEnd)) {
    cli_error(&args, "--lat must be -90..90 and --lon -180..180 (decimal degrees)");
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (zTaken && strlen(zTaken) != 19) {
    cli_error(&args, "--taken must be YYYY-MM-DD HH:MM:SS");
    cli_free(&args);
    return EXIT_USAGE;
  }
  unsigned char *z = NULL;
  size_t n = 0;
  if (ev_make_jpeg(160, 120, zTaken, zLat != NULL, rLat, rLon, &z, &n)) {
    cli_error(&args, "cannot make the JPEG");
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  FILE *f = fopen(zOut, "wb");
  int rc = EXIT_OK;
  if (!f || fwrite(z, 1, n, f) != n) rc = EXIT_BAD_INPUT;
  if (f && fclose(f)) rc = EXIT_BAD_INPUT;
  if (rc) cli_error(&args, "%s: cannot write", zOut);
  free(z);
  cli_free(&args);
  return rc;
}

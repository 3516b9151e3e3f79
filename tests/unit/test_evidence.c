/*
** test_evidence.c: unit tests of evidence.c (cmocka): the content sniffer (magic bytes of
** JPEG, PNG, WebP, ISO-BMFF, PDF; truncated files; other files whatever their name), EXIF
** capture time and GPS read back from a JPEG and a PNG eXIf chunk, and the location
** stripper for JPEG (APP1 segments), PNG (eXIf and text chunks) and WebP (EXIF/XMP chunks,
** VP8X flags, RIFF size).
**
** The GPS values: 26.893456 N is stored as 26 deg, 53 min, 36442/1000 s (60 * 0.893456 =
** 53.60736 min, 60 * 0.60736 = 36.4416 s, rounded to 1/1000 s); it reads back as
** 26 + 53/60 + 36.442/3600 = 26.8934561 (within 1e-6 of the input).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"

static int sniff(const unsigned char *z, size_t n, const char **pzWhy) {
  size_t nH = n < EV_HEAD ? n : EV_HEAD, nT = n < EV_TAIL ? n : EV_TAIL;
  return ev_sniff(z, nH, z + n - nT, nT, n, pzWhy);
}

static void test_evidence_sniff(void **state) {
  (void)state;
  const char *zWhy;
  static const unsigned char aJpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xd9};
  assert_int_equal(sniff(aJpeg, sizeof aJpeg, &zWhy), EV_JPEG);
  assert_int_equal(sniff(aJpeg, sizeof aJpeg - 1, &zWhy), EV_NONE); /* no EOI */
  assert_non_null(strstr(zWhy, "truncated JPEG"));
  static const unsigned char aPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                       0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  assert_int_equal(sniff(aPng, sizeof aPng, &zWhy), EV_PNG);
  assert_int_equal(sniff(aPng, sizeof aPng - 4, &zWhy), EV_NONE);
  assert_non_null(strstr(zWhy, "IEND"));
  /* WebP: RIFF size = file size - 8 */
  unsigned char aWebp[20] = {'R', 'I', 'F', 'F', 12, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L', 0, 0, 0, 0};
  assert_int_equal(sniff(aWebp, sizeof aWebp, &zWhy), EV_WEBP);
  assert_int_equal(sniff(aWebp, 16, &zWhy), EV_NONE);
  static const unsigned char aMp4[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
  assert_int_equal(sniff(aMp4, sizeof aMp4, &zWhy), EV_MP4);
  const char *zPdf = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
  assert_int_equal(sniff((const unsigned char *)zPdf, strlen(zPdf), &zWhy), EV_PDF);
  assert_int_equal(sniff((const unsigned char *)zPdf, 20, &zWhy), EV_NONE);
  /* an ELF executable, a shell script, an HTML page, SVG: refused */
  static const unsigned char aElf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0xff, 0xd9};
  assert_int_equal(sniff(aElf, sizeof aElf, &zWhy), EV_NONE);
  assert_non_null(strstr(zWhy, "not a JPEG"));
  const char *zSvg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
  assert_int_equal(sniff((const unsigned char *)zSvg, strlen(zSvg), &zWhy), EV_NONE);
  assert_int_equal(sniff((const unsigned char *)"#!/bin/sh\n", 10, &zWhy), EV_NONE);
  assert_string_equal(ev_type_mime(EV_WEBP), "image/webp");
  assert_int_equal(ev_type_from_name("pdf"), EV_PDF);
  assert_int_equal(ev_type_from_name("exe"), EV_NONE);
}

static void test_evidence_jpeg_exif_and_strip(void **state) {
  (void)state;
  unsigned char *z = NULL;
  size_t n = 0;
  assert_int_equal(ev_make_jpeg(32, 24, "2026-11-20 09:30:00", 1, 26.893456, 112.571234, &z, &n), 0);
  const char *zWhy;
  assert_int_equal(sniff(z, n, &zWhy), EV_JPEG);
  EvExif x;
  ev_image_exif(EV_JPEG, z, n, &x);
  assert_string_equal(x.zTaken, "2026-11-20 09:30:00");
  assert_true(x.bGps);
  assert_true(fabs(x.rLat - 26.893456) < 1e-6);
  assert_true(fabs(x.rLon - 112.571234) < 1e-6);
  /* the APP1 segment: after SOI (2) and the JFIF APP0 (2 + 16) */
  assert_int_equal(z[20], 0xff);
  assert_int_equal(z[21], 0xe1);
  size_t nApp1 = 2 + ((size_t)z[22] << 8 | z[23]);
  unsigned char *zOut = NULL;
  size_t nOut = 0;
  int nRemoved = 0;
  assert_int_equal(ev_strip(EV_JPEG, z, n, &zOut, &nOut, &nRemoved), 0);
  assert_int_equal(nRemoved, 1);
  assert_int_equal(nOut, n - nApp1);
  assert_memory_equal(zOut, z, 20);                             /* SOI + APP0 kept */
  assert_memory_equal(zOut + 20, z + 20 + nApp1, n - 20 - nApp1); /* the rest untouched */
  ev_image_exif(EV_JPEG, zOut, nOut, &x);
  assert_false(x.bGps);
  assert_string_equal(x.zTaken, "");
  assert_int_equal(sniff(zOut, nOut, &zWhy), EV_JPEG);
  /* south and west come back negative */
  free(zOut);
  free(z);
  assert_int_equal(ev_make_jpeg(8, 8, NULL, 1, -33.856784, -70.651, &z, &n), 0);
  ev_image_exif(EV_JPEG, z, n, &x);
  assert_true(x.bGps && fabs(x.rLat + 33.856784) < 1e-6 && fabs(x.rLon + 70.651) < 1e-6);
  /* a JPEG cut inside its headers does not parse: nothing would be served */
  assert_int_equal(ev_strip(EV_JPEG, z, 30, &zOut, &nOut, &nRemoved), -1);
  free(z);
}

static void put32(unsigned char *p, uint32_t v, int bBig) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(bBig ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void test_evidence_png_webp(void **state) {
  (void)state;
  /* the TIFF block of a geotagged JPEG, moved into a PNG eXIf chunk */
  unsigned char *zJ = NULL, *zExif = NULL;
  size_t nJ = 0;
  assert_int_equal(ev_make_jpeg(8, 8, "2025-05-04 08:00:00", 1, 27.2, 112.6, &zJ, &nJ), 0);
  size_t nExif = ev_exif_block(EV_JPEG, zJ, nJ, &zExif);
  assert_true(nExif > 6);
  size_t nTiff = nExif - 6;
  size_t n = 8 + 25 + (12 + nTiff) + 12 + 12 + 12;
  unsigned char *z = calloc(1, n), *p = z;
  memcpy(p, "\x89PNG\r\n\x1a\n", 8), p += 8;
  put32(p, 13, 1), memcpy(p + 4, "IHDR", 4), p += 25;
  put32(p, (uint32_t)nTiff, 1), memcpy(p + 4, "eXIf", 4), memcpy(p + 8, zExif + 6, nTiff), p += 12 + nTiff;
  put32(p, 0, 1), memcpy(p + 4, "tEXt", 4), p += 12;
  put32(p, 0, 1), memcpy(p + 4, "IDAT", 4), p += 12;
  put32(p, 0, 1), memcpy(p + 4, "IEND", 4), memcpy(p + 8, "\xae\x42\x60\x82", 4), p += 12;
  assert_int_equal((size_t)(p - z), n);
  const char *zWhy;
  assert_int_equal(sniff(z, n, &zWhy), EV_PNG);
  EvExif x;
  ev_image_exif(EV_PNG, z, n, &x);
  assert_true(x.bGps && fabs(x.rLat - 27.2) < 1e-6 && fabs(x.rLon - 112.6) < 1e-6);
  assert_string_equal(x.zTaken, "2025-05-04 08:00:00");
  unsigned char *zOut = NULL;
  size_t nOut = 0;
  int nRemoved = 0;
  assert_int_equal(ev_strip(EV_PNG, z, n, &zOut, &nOut, &nRemoved), 0);
  assert_int_equal(nRemoved, 2); /* eXIf and tEXt */
  assert_int_equal(nOut, n - (12 + nTiff) - 12);
  ev_image_exif(EV_PNG, zOut, nOut, &x);
  assert_false(x.bGps);
  assert_int_equal(sniff(zOut, nOut, &zWhy), EV_PNG);
  free(zOut);
  free(z);

  /* WebP: VP8X (flags: EXIF 0x08), VP8L, EXIF */
  size_t nW = 12 + (8 + 10) + (8 + 4) + (8 + nTiff + (nTiff & 1));
  z = calloc(1, nW);
  p = z;
  memcpy(p, "RIFF", 4), put32(p + 4, (uint32_t)(nW - 8), 0), memcpy(p + 8, "WEBP", 4), p += 12;
  memcpy(p, "VP8X", 4), put32(p + 4, 10, 0), p[8] = 0x08, p += 18;
  memcpy(p, "VP8L", 4), put32(p + 4, 4, 0), p += 12;
  memcpy(p, "EXIF", 4), put32(p + 4, (uint32_t)nTiff, 0), memcpy(p + 8, zExif + 6, nTiff);
  p += 8 + nTiff + (nTiff & 1);
  assert_int_equal((size_t)(p - z), nW);
  assert_int_equal(sniff(z, nW, &zWhy), EV_WEBP);
  ev_image_exif(EV_WEBP, z, nW, &x);
  assert_true(x.bGps && fabs(x.rLat - 27.2) < 1e-6);
  assert_int_equal(ev_strip(EV_WEBP, z, nW, &zOut, &nOut, &nRemoved), 0);
  assert_int_equal(nRemoved, 1);
  assert_int_equal(nOut, 12 + 18 + 12);
  assert_int_equal(zOut[12 + 8], 0);                    /* the EXIF flag cleared */
  assert_int_equal(zOut[4], (unsigned char)(nOut - 8)); /* the RIFF size follows */
  assert_int_equal(sniff(zOut, nOut, &zWhy), EV_WEBP);
  ev_image_exif(EV_WEBP, zOut, nOut, &x);
  assert_false(x.bGps);
  /* MP4 and PDF are not stripped */
  assert_int_equal(ev_strip(EV_MP4, z, nW, &zOut, &nOut, &nRemoved), -1);
  free(zOut);
  free(z);
  free(zExif);
  free(zJ);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_evidence_sniff),
      cmocka_unit_test(test_evidence_jpeg_exif_and_strip),
      cmocka_unit_test(test_evidence_png_webp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

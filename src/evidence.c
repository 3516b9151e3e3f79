/*
** evidence.c: the evidence store (evidence.h): content sniffing, EXIF capture time and
** position (libexif), location stripping for readers outside the supervision office, the
** upload spool, and the evidence / evidence_blob tables.
**
** Invariants: a file under DB.files/ab/ is complete and checked (it is renamed there from
** the spool only after ev_sniff accepted it); its name is its SHA-256, so an original file
** name never reaches the file system; an evidence row exists only for a stored file.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jpeglib.h>
#include <libexif/exif-data.h>

#include "audit.h"
#include "evidence.h"
#include "http/errcode.h"
#include "store/db.h"
#include "util/mem.h"

/* ---- sniffing --------------------------------------------------------------------------- */

static const char *const azTypeName[] = {"", "jpeg", "png", "webp", "mp4", "pdf"};
static const char *const azTypeMime[] = {"application/octet-stream", "image/jpeg", "image/png",
                                         "image/webp", "video/mp4", "application/pdf"};
static const char *const azTypeExt[] = {"bin", "jpg", "png", "webp", "mp4", "pdf"};

const char *ev_type_name(int t) { return t > 0 && t <= EV_PDF ? azTypeName[t] : "unknown"; }
const char *ev_type_mime(int t) { return t > 0 && t <= EV_PDF ? azTypeMime[t] : azTypeMime[0]; }
const char *ev_type_ext(int t) { return t > 0 && t <= EV_PDF ? azTypeExt[t] : azTypeExt[0]; }
int ev_type_from_name(const char *z) {
  for (int t = 1; t <= EV_PDF; t++)
    if (z && strcmp(z, azTypeName[t]) == 0) return t;
  return EV_NONE;
}

static uint32_t ev_be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t ev_le32(const unsigned char *p) {
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int ev_sniff(const unsigned char *h, size_t nHead, const unsigned char *t, size_t nTail,
             uint64_t nTotal, const char **pzWhy) {
  static const unsigned char aPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static const unsigned char aIend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  *pzWhy = NULL;
  if (nHead >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff) {
    /* a JPEG ends with EOI (FF D9); a cut-off upload does not */
    if (nTail < 2 || t[nTail - 2] != 0xff || t[nTail - 1] != 0xd9) {
      *pzWhy = "truncated JPEG: it does not end with the end-of-image marker (FF D9)";
      return EV_NONE;
    }
    return EV_JPEG;
  }
  if (nHead >= 8 && memcmp(h, aPng, 8) == 0) {
    if (nTail < 12 || memcmp(t + nTail - 12, aIend, 12) != 0) {
      *pzWhy = "truncated PNG: it does not end with an IEND chunk";
      return EV_NONE;
    }
    return EV_PNG;
  }
  if (nHead >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0) {
    if ((uint64_t)ev_le32(h + 4) + 8 != nTotal) {
      *pzWhy = "truncated WebP: the RIFF size does not match the file";
      return EV_NONE;
    }
    return EV_WEBP;
  }
  if (nHead >= 12 && memcmp(h + 4, "ftyp", 4) == 0 && ev_be32(h) >= 8) return EV_MP4;
  if (nHead >= 5 && memcmp(h, "%PDF-", 5) == 0) {
    for (size_t i = 0; i + 5 <= nTail; i++)
      if (memcmp(t + i, "%%EOF", 5) == 0) return EV_PDF;
    *pzWhy = "truncated PDF: no %%EOF near its end";
    return EV_NONE;
  }
  *pzWhy = "not a JPEG, PNG, WebP, MP4 or PDF file (the type is read from the content, not "
           "the name)";
  return EV_NONE;
}

/* ---- EXIF ------------------------------------------------------------------------------- */

static const unsigned char aExifHdr[6] = {'E', 'x', 'i', 'f', 0, 0};

/* A malloc'd "Exif\0\0" + payload (the payload may carry the header already). */
static size_t ev_exif_copy(const unsigned char *p, size_t n, unsigned char **pp) {
  if (n >= 6 && memcmp(p, aExifHdr, 6) == 0) {
    *pp = xmalloc(n);
    memcpy(*pp, p, n);
    return n;
  }
  *pp = xmalloc(n + 6);
  memcpy(*pp, aExifHdr, 6);
  memcpy(*pp + 6, p, n);
  return n + 6;
}

size_t ev_exif_block(int eType, const unsigned char *z, size_t n, unsigned char **pp) {
  *pp = NULL;
  if (eType == EV_JPEG) {
    size_t i = 2;
    while (i + 4 <= n && z[i] == 0xff) {
      unsigned m = z[i + 1];
      if (m == 0xda || m == 0xd9) break; /* start of scan: no more metadata */
      size_t nSeg = (size_t)z[i + 2] << 8 | z[i + 3];
      if (nSeg < 2 || i + 2 + nSeg > n) break;
      if (m == 0xe1 && nSeg >= 8 && memcmp(z + i + 4, aExifHdr, 6) == 0)
        return ev_exif_copy(z + i + 4, nSeg - 2, pp);
      i += 2 + nSeg;
    }
  } else if (eType == EV_PNG) {
    size_t i = 8;
    while (i + 12 <= n) {
      size_t nData = ev_be32(z + i);
      if (nData > n - i - 12) break;
      if (memcmp(z + i + 4, "eXIf", 4) == 0) return ev_exif_copy(z + i + 8, nData, pp);
      if (memcmp(z + i + 4, "IDAT", 4) == 0) break;
      i += 12 + nData;
    }
  } else if (eType == EV_WEBP) {
    size_t i = 12;
    while (i + 8 <= n) {
      size_t nData = ev_le32(z + i + 4);
      if (nData > n - i - 8) break;
      if (memcmp(z + i, "EXIF", 4) == 0) return ev_exif_copy(z + i + 8, nData, pp);
      i += 8 + nData + (nData & 1);
    }
  }
  return 0;
}

/* Degrees from three EXIF rationals (degrees, minutes, seconds). */
static int ev_gps_coord(ExifData *d, ExifEntry *pVal, ExifEntry *pRef, double *pr) {
  if (!pVal || !pRef || pVal->format != EXIF_FORMAT_RATIONAL || pVal->components != 3 ||
      pVal->size < 24 || !pRef->data || pRef->size < 1)
    return -1;
  ExifByteOrder o = exif_data_get_byte_order(d);
  double a[3];
  for (int i = 0; i < 3; i++) {
    ExifRational q = exif_get_rational(pVal->data + 8 * i, o);
    if (q.denominator == 0) return -1;
    a[i] = (double)q.numerator / (double)q.denominator;
  }
  double r = a[0] + a[1] / 60.0 + a[2] / 3600.0;
  if (pRef->data[0] == 'S' || pRef->data[0] == 'W') r = -r;
  *pr = r;
  return 0;
}

void ev_exif_read(const unsigned char *zExif, size_t n, EvExif *p) {
  memset(p, 0, sizeof *p);
  if (!zExif || n < 14 || n > 0xffffffffu) return;
  ExifData *d = exif_data_new_from_data(zExif, (unsigned)n);
  if (!d) return;
  ExifEntry *pT = exif_content_get_entry(d->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL);
  if (!pT) pT = exif_content_get_entry(d->ifd[EXIF_IFD_0], EXIF_TAG_DATE_TIME);
  if (pT && pT->format == EXIF_FORMAT_ASCII && pT->size >= 19 && pT->data) {
    /* "YYYY:MM:DD HH:MM:SS" -> "YYYY-MM-DD HH:MM:SS" */
    memcpy(p->zTaken, pT->data, 19);
    p->zTaken[19] = 0;
    p->zTaken[4] = p->zTaken[7] = '-';
    for (int i = 0; i < 19; i++)
      if ((unsigned char)p->zTaken[i] < 0x20 || (unsigned char)p->zTaken[i] > 0x7e) p->zTaken[0] = 0;
  }
  ExifContent *g = d->ifd[EXIF_IFD_GPS];
  double rLat, rLon;
  if (g &&
      ev_gps_coord(d, exif_content_get_entry(g, (ExifTag)EXIF_TAG_GPS_LATITUDE),
                   exif_content_get_entry(g, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF), &rLat) == 0 &&
      ev_gps_coord(d, exif_content_get_entry(g, (ExifTag)EXIF_TAG_GPS_LONGITUDE),
                   exif_content_get_entry(g, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF), &rLon) == 0 &&
      rLat >= -90 && rLat <= 90 && rLon >= -180 && rLon <= 180) {
    p->bGps = 1;
    p->rLat = rLat;
    p->rLon = rLon;
  }
  exif_data_unref(d);
}

void ev_image_exif(int eType, const unsigned char *z, size_t n, EvExif *p) {
  unsigned char *zExif = NULL;
  size_t nExif = ev_exif_block(eType, z, n, &zExif);
  ev_exif_read(zExif, nExif, p);
  free(zExif);
}

/* ---- stripping ---------------------------------------------------------------------------- */

int ev_strip(int eType, const unsigned char *z, size_t n, unsigned char **ppOut, size_t *pnOut,
             int *pnRemoved) {
  Buf out = BUF_INIT;
  *pnRemoved = 0;
  if (eType == EV_JPEG) {
    if (n < 4 || z[0] != 0xff || z[1] != 0xd8) return -1;
    buf_append(&out, z, 2);
    size_t i = 2;
    for (;;) {
      if (i + 4 > n || z[i] != 0xff) goto bad;
      unsigned m = z[i + 1];
      if (m == 0xda) break; /* start of scan: the rest is image data, copied as is */
      size_t nSeg = (size_t)z[i + 2] << 8 | z[i + 3];
      if (nSeg < 2 || i + 2 + nSeg > n) goto bad;
      if (m == 0xe1) (*pnRemoved)++; /* APP1: EXIF (GPS IFD) or XMP (may hold a position) */
      else buf_append(&out, z + i, 2 + nSeg);
      i += 2 + nSeg;
    }
    buf_append(&out, z + i, n - i);
  } else if (eType == EV_PNG) {
    if (n < 8) return -1;
    buf_append(&out, z, 8);
    size_t i = 8;
    while (i < n) {
      if (i + 12 > n) goto bad;
      size_t nData = ev_be32(z + i);
      if (nData > n - i - 12) goto bad;
      const unsigned char *zType = z + i + 4;
      if (memcmp(zType, "eXIf", 4) == 0 || memcmp(zType, "tEXt", 4) == 0 ||
          memcmp(zType, "zTXt", 4) == 0 || memcmp(zType, "iTXt", 4) == 0)
        (*pnRemoved)++; /* EXIF, and text chunks (XMP travels in iTXt) */
      else buf_append(&out, z + i, 12 + nData);
      i += 12 + nData;
    }
  } else if (eType == EV_WEBP) {
    if (n < 12) return -1;
    buf_append(&out, z, 12);
    size_t i = 12, iVp8x = 0;
    while (i < n) {
      if (i + 8 > n) goto bad;
      size_t nData = ev_le32(z + i + 4), nPad = nData & 1;
      if (nData > n - i - 8 || nPad > n - i - 8 - nData) goto bad;
      if (memcmp(z + i, "EXIF", 4) == 0 || memcmp(z + i, "XMP ", 4) == 0) {
        (*pnRemoved)++;
      } else {
        if (memcmp(z + i, "VP8X", 4) == 0 && nData >= 1) iVp8x = out.n;
        buf_append(&out, z + i, 8 + nData + nPad);
      }
      i += 8 + nData + nPad;
    }
    if (iVp8x) out.z[iVp8x + 8] &= (unsigned char)~0x0c; /* clear the EXIF and XMP flags */
    uint32_t nRiff = (uint32_t)(out.n - 8);
    out.z[4] = (unsigned char)nRiff;
    out.z[5] = (unsigned char)(nRiff >> 8);
    out.z[6] = (unsigned char)(nRiff >> 16);
    out.z[7] = (unsigned char)(nRiff >> 24);
  } else {
    return -1;
  }
  *pnOut = out.n;
  *ppOut = (unsigned char *)buf_detach(&out);
  return 0;
bad:
  buf_free(&out);
  return -1;
}

/* ---- a sample photo (demo, tests) ------------------------------------------------------- */

/* Rationals of |r| as degrees, minutes, seconds/1000. */
static void ev_put_dms(ExifEntry *e, ExifByteOrder o, double r) {
  if (r < 0) r = -r;
  unsigned d = (unsigned)r;
  double rm = (r - d) * 60.0;
  unsigned m = (unsigned)rm;
  unsigned s = (unsigned)((rm - m) * 60.0 * 1000.0 + 0.5);
  ExifRational a[3] = {{d, 1}, {m, 1}, {s, 1000}};
  for (int i = 0; i < 3; i++) exif_set_rational(e->data + 8 * i, o, a[i]);
}

static ExifEntry *ev_new_entry(ExifData *d, ExifIfd ifd, ExifTag tag, ExifFormat f,
                               unsigned nComp) {
  ExifEntry *e = exif_entry_new();
  ExifMem *pMem = exif_mem_new_default();
  e->tag = tag;
  e->format = f;
  e->components = nComp;
  e->size = exif_format_get_size(f) * nComp;
  e->data = exif_mem_alloc(pMem, e->size);
  exif_mem_unref(pMem);
  if (!e->data) abort();
  exif_content_add_entry(d->ifd[ifd], e);
  exif_entry_unref(e);
  return e;
}

int ev_make_jpeg(int w, int h, const char *zTaken, int bGps, double rLat, double rLon,
                 unsigned char **ppOut, size_t *pnOut) {
  if (w < 1 || h < 1 || w > 4096 || h > 4096) return -1;
  ExifData *d = exif_data_new();
  if (!d) return -1;
  exif_data_set_byte_order(d, EXIF_BYTE_ORDER_MOTOROLA);
  ExifByteOrder o = EXIF_BYTE_ORDER_MOTOROLA;
  if (zTaken && strlen(zTaken) == 19) {
    ExifEntry *e = ev_new_entry(d, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_FORMAT_ASCII, 20);
    memcpy(e->data, zTaken, 19);
    e->data[4] = e->data[7] = ':';
    e->data[19] = 0;
  }
  if (bGps) {
    ExifEntry *e = ev_new_entry(d, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF, EXIF_FORMAT_ASCII, 2);
    e->data[0] = rLat < 0 ? 'S' : 'N';
    e = ev_new_entry(d, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE, EXIF_FORMAT_RATIONAL, 3);
    ev_put_dms(e, o, rLat);
    e = ev_new_entry(d, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF, EXIF_FORMAT_ASCII, 2);
    e->data[0] = rLon < 0 ? 'W' : 'E';
    e = ev_new_entry(d, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE, EXIF_FORMAT_RATIONAL, 3);
    ev_put_dms(e, o, rLon);
  }
  unsigned char *zExif = NULL;
  unsigned nExif = 0;
  exif_data_save_data(d, &zExif, &nExif);
  exif_data_unref(d);
  if (!zExif) return -1;

  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char *zMem = NULL;
  unsigned long nMem = 0;
  jpeg_mem_dest(&c, &zMem, &nMem);
  c.image_width = (JDIMENSION)w;
  c.image_height = (JDIMENSION)h;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 85, TRUE);
  jpeg_start_compress(&c, TRUE);
  if (nExif <= 65533) jpeg_write_marker(&c, JPEG_APP0 + 1, zExif, nExif);
  free(zExif);
  unsigned char *zRow = xmalloc((size_t)w * 3);
  while (c.next_scanline < c.image_height) {
    int y = (int)c.next_scanline;
    for (int x = 0; x < w; x++) {
      zRow[3 * x] = (unsigned char)(40 + 180 * x / w);
      zRow[3 * x + 1] = (unsigned char)(90 + 120 * y / h);
      zRow[3 * x + 2] = (unsigned char)(200 - 100 * x / w);
    }
    JSAMPROW p = zRow;
    jpeg_write_scanlines(&c, &p, 1);
  }
  free(zRow);
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  *ppOut = xmalloc(nMem);
  memcpy(*ppOut, zMem, nMem);
  *pnOut = nMem;
  free(zMem);
  return 0;
}

/* ---- spool -------------------------------------------------------------------------------- */

char *ev_files_dir(const char *zDbPath) {
  return xasprintf("%s.files", zDbPath ? zDbPath : "kaoping.db");
}

static int ev_mkdir(const char *z) {
  return mkdir(z, 0750) == 0 || errno == EEXIST ? 0 : -1;
}

int ev_spool_open(EvSpool *s, const char *zDir, char **pzErr) {
  memset(s, 0, sizeof *s);
  s->fd = -1;
  char *zTmp = xasprintf("%s/tmp", zDir);
  if (ev_mkdir(zDir) || ev_mkdir(zTmp)) {
    *pzErr = xasprintf("%s: %s", zTmp, strerror(errno));
    free(zTmp);
    return -1;
  }
  s->zPath = xasprintf("%s/upload-XXXXXX", zTmp);
  free(zTmp);
  s->fd = mkostemp(s->zPath, O_CLOEXEC);
  if (s->fd < 0) {
    *pzErr = xasprintf("%s: %s", s->zPath, strerror(errno));
    free(s->zPath);
    s->zPath = NULL;
    return -1;
  }
  crypto_hash_sha256_init(&s->hash);
  return 0;
}

int ev_spool_write(EvSpool *s, const void *pv, size_t n) {
  const unsigned char *p = pv;
  if (s->bFailed || s->fd < 0) return -1;
  crypto_hash_sha256_update(&s->hash, p, n);
  if (s->nHead < EV_HEAD) {
    size_t k = EV_HEAD - s->nHead < n ? EV_HEAD - s->nHead : n;
    memcpy(s->aHead + s->nHead, p, k);
    s->nHead += k;
  }
  if (n >= EV_TAIL) {
    memcpy(s->aTail, p + n - EV_TAIL, EV_TAIL);
    s->nTail = EV_TAIL;
  } else {
    size_t nKeep = s->nTail + n > EV_TAIL ? EV_TAIL - n : s->nTail;
    memmove(s->aTail, s->aTail + s->nTail - nKeep, nKeep);
    memcpy(s->aTail + nKeep, p, n);
    s->nTail = nKeep + n;
  }
  for (size_t nDone = 0; nDone < n;) {
    ssize_t k = write(s->fd, p + nDone, n - nDone);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      s->bFailed = 1;
      return -1;
    }
    nDone += (size_t)k;
  }
  s->n += n;
  return 0;
}

int ev_spool_finish(EvSpool *s) {
  if (s->bFailed || s->fd < 0) return -1;
  unsigned char a[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&s->hash, a);
  sodium_bin2hex(s->zSha, sizeof s->zSha, a, sizeof a);
  int rc = fsync(s->fd);
  if (close(s->fd)) rc = -1;
  s->fd = -1;
  if (rc) s->bFailed = 1;
  return rc ? -1 : 0;
}

void ev_spool_discard(EvSpool *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  if (s->zPath) unlink(s->zPath);
  free(s->zPath);
  s->zPath = NULL;
}

/* ---- the store ---------------------------------------------------------------------------- */

/* DB.files/ab/cdef... of a hash (malloc'd); NULL for anything but 64 lowercase hex digits. */
static char *ev_blob_path(const char *zDir, const char *zSha) {
  if (strlen(zSha) != 64 || strspn(zSha, "0123456789abcdef") != 64) return NULL;
  return xasprintf("%s/%.2s/%s", zDir, zSha, zSha + 2);
}

/* Reads at most nMax bytes of a file (malloc'd). 0 or -1. */
static int ev_read_file(const char *zPath, size_t nMax, unsigned char **pp, size_t *pn) {
  int fd = open(zPath, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  Buf b = BUF_INIT;
  char a[65536];
  for (;;) {
    size_t nWant = nMax - b.n < sizeof a ? nMax - b.n : sizeof a;
    if (nWant == 0) break;
    ssize_t k = read(fd, a, nWant);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      close(fd);
      buf_free(&b);
      return -1;
    }
    if (k == 0) break;
    buf_append(&b, a, (size_t)k);
  }
  close(fd);
  *pn = b.n;
  *pp = (unsigned char *)buf_detach(&b);
  return 0;
}

int ev_ingest(Db *pDb, const EvWho *pWho, EvSpool *s, const char *zKind, int64_t id,
              const char *zName, uint64_t nMax, json_t **ppOut, EntryErr *e) {
  int rc = -1;
  char *zDir = NULL, *zSub = NULL, *zDest = NULL;
  if (ev_spool_finish(s)) {
    entry_err_set(e, KP_E_INTERNAL, NULL, "the upload could not be written to disk");
    goto done;
  }
  if (s->n == 0) {
    entry_err_set(e, KP_E_MISSING, NULL, "the upload is empty: send the file as the body");
    goto done;
  }
  if (s->n > nMax) {
    entry_err_set(e, KP_E_TOO_LARGE, NULL, "the file is larger than upload_max_mb (%llu bytes)",
                  (unsigned long long)nMax);
    goto done;
  }
  const char *zWhy = NULL;
  int eType = ev_sniff(s->aHead, s->nHead, s->aTail, s->nTail, s->n, &zWhy);
  if (eType == EV_NONE) {
    entry_err_set(e, KP_E_MEDIA_TYPE, NULL, "%s", zWhy);
    goto done;
  }
  EvExif x;
  memset(&x, 0, sizeof x);
  if (eType == EV_JPEG || eType == EV_PNG || eType == EV_WEBP) {
    /* metadata comes before the image data: the first 256 KiB hold it */
    unsigned char *z = NULL;
    size_t n = 0;
    if (ev_read_file(s->zPath, 256 * 1024, &z, &n) == 0) {
      ev_image_exif(eType, z, n, &x);
      free(z);
    }
  }
  zDir = ev_files_dir(db_path(pDb));
  zDest = ev_blob_path(zDir, s->zSha);
  zSub = xasprintf("%s/%.2s", zDir, s->zSha);
  if (!zDest || ev_mkdir(zSub)) {
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s: %s", zSub, strerror(errno));
    goto done;
  }
  struct stat st;
  if (stat(zDest, &st) == 0 && (uint64_t)st.st_size == s->n) {
    ev_spool_discard(s); /* the same bytes are stored already */
  } else if (rename(s->zPath, zDest)) {
    entry_err_set(e, KP_E_INTERNAL, NULL, "%s: %s", zDest, strerror(errno));
    goto done;
  } else {
    free(s->zPath);
    s->zPath = NULL;
  }
  char zNow[32];
  db_now(zNow);
  if (db_begin(pDb)) {
    entry_err_set(e, KP_E_UNAVAILABLE, NULL, "the database is busy");
    goto done;
  }
  Stmt *q = db_prepare(pDb, "INSERT OR IGNORE INTO evidence_blob(sha256, type, size, taken_at, "
                            "lat, lon, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  stmt_bind_text(q, 1, s->zSha);
  stmt_bind_text(q, 2, ev_type_name(eType));
  stmt_bind_int(q, 3, (int64_t)s->n);
  stmt_bind_text(q, 4, x.zTaken[0] ? x.zTaken : NULL);
  if (x.bGps) {
    stmt_bind_double(q, 5, x.rLat);
    stmt_bind_double(q, 6, x.rLon);
  }
  stmt_bind_text(q, 7, zNow);
  int bOk = stmt_run(q) == 0;
  stmt_finalize(q);
  q = db_prepare(pDb, "INSERT INTO evidence(sha256, kind, object, name, uploader, office, "
                      "uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  stmt_bind_text(q, 1, s->zSha);
  stmt_bind_text(q, 2, zKind);
  stmt_bind_int(q, 3, id);
  stmt_bind_text(q, 4, zName);
  stmt_bind_text(q, 5, pWho->w->pUser->zName);
  stmt_bind_int(q, 6, pWho->bOffice);
  stmt_bind_text(q, 7, zNow);
  bOk = bOk && stmt_run(q) == 0;
  stmt_finalize(q);
  int64_t iRow = db_last_insert_id(pDb);
  char *zObj = xasprintf("%s:%lld", zKind, (long long)id);
  json_t *d = json_pack("{s:I, s:s, s:s, s:I}", "evidence", (json_int_t)iRow, "sha256", s->zSha,
                        "type", ev_type_name(eType), "size", (json_int_t)s->n);
  bOk = bOk && audit_record(pDb, pWho->w->pUser->zName, pWho->w->zIp, "evidence.add", zObj,
                            "ok", d) == 0;
  json_decref(d);
  free(zObj);
  if (!bOk || db_commit(pDb)) {
    db_rollback(pDb);
    entry_err_set(e, KP_E_INTERNAL, NULL, "evidence could not be recorded: %s", db_errmsg(pDb));
    goto done;
  }
  *ppOut = ev_row(pDb, iRow, pWho->bOffice);
  rc = 0;
done:
  ev_spool_discard(s);
  free(zDir);
  free(zSub);
  free(zDest);
  return rc;
}

static json_t *ev_row_json(Stmt *q, int bOffice) {
  json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
                        (json_int_t)stmt_int(q, 0), "kind", stmt_text(q, 1), "object",
                        (json_int_t)stmt_int(q, 2), "sha256", stmt_text(q, 3), "type",
                        stmt_text(q, 4), "size", (json_int_t)stmt_int(q, 5), "name",
                        stmt_text(q, 6) ? stmt_text(q, 6) : "", "uploader", stmt_text(q, 7),
                        "uploaded_at", stmt_text(q, 8));
  json_object_set_new(o, "taken_at", stmt_is_null(q, 9) ? json_null() : json_string(stmt_text(q, 9)));
  json_object_set_new(o, "has_location", json_boolean(!stmt_is_null(q, 10)));
  /* the position: the office's; and a project site check-in's outside the office unless the
  ** office took the photo (an undercover inspector's position is never shown to others) */
  int bShow = bOffice || (strcmp(stmt_text(q, 1), "project") == 0 && stmt_int(q, 12) == 0);
  if (bShow && !stmt_is_null(q, 10)) {
    json_object_set_new(o, "lat", json_real(stmt_double(q, 10)));
    json_object_set_new(o, "lon", json_real(stmt_double(q, 11)));
  }
  return o;
}

#define EV_COLS "e.id, e.kind, e.object, e.sha256, b.type, b.size, e.name, e.uploader, " \
                "e.uploaded_at, b.taken_at, b.lat, b.lon, e.office"

json_t *ev_row(Db *pDb, int64_t id, int bOffice) {
  Stmt *q = db_prepare(pDb, "SELECT " EV_COLS " FROM evidence e JOIN evidence_blob b "
                            "ON b.sha256 = e.sha256 WHERE e.id = ?1");
  stmt_bind_int(q, 1, id);
  json_t *o = stmt_step(q) == 1 ? ev_row_json(q, bOffice) : NULL;
  stmt_finalize(q);
  return o;
}

json_t *ev_list(Db *pDb, const char *zKind, int64_t id, int bOffice) {
  json_t *a = json_array();
  Stmt *q = db_prepare(pDb, "SELECT " EV_COLS " FROM evidence e JOIN evidence_blob b "
                            "ON b.sha256 = e.sha256 WHERE e.kind = ?1 AND e.object = ?2 "
                            "ORDER BY e.id");
  stmt_bind_text(q, 1, zKind);
  stmt_bind_int(q, 2, id);
  while (stmt_step(q) == 1) json_array_append_new(a, ev_row_json(q, bOffice));
  stmt_finalize(q);
  return a;
}

/* Writes z[0..n) to a temp file in zDir/tmp and renames it to zPath (whose folder is made
** as needed): a reader never sees a half-written file. 0 or -1. */
static int ev_write_atomic(const char *zDir, const char *zPath, const unsigned char *z, size_t n) {
  char *zTmpDir = xasprintf("%s/tmp", zDir);
  char *zTmp = xasprintf("%s/strip-XXXXXX", zTmpDir);
  char *zFolder = xstrdup(zPath);
  char *zSlash = strrchr(zFolder, '/');
  if (zSlash) *zSlash = 0;
  int rc = -1;
  int fd = -1;
  if (ev_mkdir(zDir) == 0 && ev_mkdir(zTmpDir) == 0 && (fd = mkostemp(zTmp, O_CLOEXEC)) >= 0) {
    size_t nDone = 0;
    while (nDone < n) {
      ssize_t k = write(fd, z + nDone, n - nDone);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      nDone += (size_t)k;
    }
    int bOk = nDone == n && fsync(fd) == 0;
    if (close(fd)) bOk = 0;
    /* DB.files/stripped, then its ab/ folder */
    char *zParent = xstrdup(zFolder);
    char *zP = strrchr(zParent, '/');
    if (zP) *zP = 0;
    if (bOk && ev_mkdir(zParent) == 0 && ev_mkdir(zFolder) == 0 && rename(zTmp, zPath) == 0)
      rc = 0;
    free(zParent);
    if (rc) unlink(zTmp);
  }
  free(zFolder);
  free(zTmp);
  free(zTmpDir);
  return rc;
}

/* Opens a file read-only and checks it has nSize bytes. The fd, or -1. */
static int ev_open_sized(const char *zPath, uint64_t nSize) {
  int fd = zPath ? open(zPath, O_RDONLY | O_CLOEXEC) : -1;
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != nSize)) {
    close(fd);
    fd = -1;
  }
  return fd;
}

int ev_open(Db *pDb, const EvWho *pWho, int64_t id, int *pfd, uint64_t *pnSize, int *peType,
            EntryErr *e) {
  *pfd = -1;
  Stmt *q = db_prepare(pDb, "SELECT e.sha256, b.type, b.size, e.office FROM evidence e "
                            "JOIN evidence_blob b ON b.sha256 = e.sha256 WHERE e.id = ?1");
  stmt_bind_int(q, 1, id);
  if (stmt_step(q) != 1) {
    stmt_finalize(q);
    return entry_err_set(e, KP_E_NO_SUCH, NULL, "no evidence %lld", (long long)id);
  }
  char *zSha = xstrdup(stmt_text(q, 0));
  int eType = ev_type_from_name(stmt_text(q, 1));
  uint64_t nSize = (uint64_t)stmt_int(q, 2);
  int bFromOffice = (int)stmt_int(q, 3);
  stmt_finalize(q);
  int rc = -1;
  char *zDir = ev_files_dir(db_path(pDb));
  char *zPath = ev_blob_path(zDir, zSha);
  int bImage = eType == EV_JPEG || eType == EV_PNG || eType == EV_WEBP;
  if (!pWho->bOffice && !bImage && bFromOffice) {
    entry_err_set(e, KP_E_SCOPE, NULL, "this %s came from the supervision office and may hold "
                  "location data that cannot be removed: the office only", ev_type_name(eType));
  } else if (!pWho->bOffice && bImage) {
    /* The stripped copy: made once, then served from DB.files/stripped/ab/cdef... */
    char *zStripDir = xasprintf("%s/stripped", zDir);
    char *zCache = ev_blob_path(zStripDir, zSha);
    struct stat st;
    int fd = zCache && stat(zCache, &st) == 0 && S_ISREG(st.st_mode)
                 ? ev_open_sized(zCache, (uint64_t)st.st_size) : -1;
    if (fd < 0) {
      unsigned char *z = NULL, *zOut = NULL;
      size_t n = 0, nOut = 0;
      int nRemoved = 0;
      if (!zPath || ev_read_file(zPath, (size_t)nSize, &z, &n) || n != nSize) {
        entry_err_set(e, KP_E_INTERNAL, NULL, "evidence %lld: the stored file is missing",
                      (long long)id);
      } else if (ev_strip(eType, z, n, &zOut, &nOut, &nRemoved)) {
        entry_err_set(e, KP_E_INTERNAL, NULL, "evidence %lld: the image cannot be parsed to "
                      "remove its location: not served", (long long)id);
      } else if (ev_write_atomic(zDir, zCache, zOut, nOut) ||
                 (fd = ev_open_sized(zCache, nOut)) < 0) {
        entry_err_set(e, KP_E_INTERNAL, NULL, "evidence %lld: the stripped copy cannot be "
                      "written: %s", (long long)id, strerror(errno));
      }
      free(z);
      free(zOut);
    }
    if (fd >= 0 && fstat(fd, &st) == 0) {
      *pfd = fd;
      *pnSize = (uint64_t)st.st_size;
      rc = 0;
    } else if (fd >= 0) {
      close(fd);
      entry_err_set(e, KP_E_INTERNAL, NULL, "evidence %lld: the stripped copy cannot be read",
                    (long long)id);
    }
    free(zCache);
    free(zStripDir);
  } else if ((*pfd = ev_open_sized(zPath, nSize)) < 0) {
    entry_err_set(e, KP_E_INTERNAL, NULL, "evidence %lld: the stored file is missing", (long long)id);
  } else {
    *pnSize = nSize;
    rc = 0;
  }
  if (rc == 0) *peType = eType;
  free(zDir);
  free(zPath);
  free(zSha);
  return rc;
}

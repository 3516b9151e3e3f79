/*
** evidence.h: the evidence store (证据材料): photos, videos and PDF reports attached to
** findings, tasks and projects (docs/evidence.md).
**
** Files live beside the database in DB.files/ab/cdef... named by their SHA-256, so the same
** bytes are stored once; the evidence table links (object kind, id) to a hash with the
** uploader, the time and the original name (text only, never a path). The type is decided
** by the content (magic bytes), never by the name or the Content-Type; a truncated JPEG or
** PNG is refused. Uploads arrive through a spool (EvSpool): a temp file in DB.files/tmp
** written chunk by chunk while hashing, renamed into place only once complete and checked,
** so nothing half-written is ever visible.
**
** Pure logic (sniffing, EXIF location, stripping) works on memory and does no I/O.
*/
#ifndef KP_EVIDENCE_H
#define KP_EVIDENCE_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <sodium.h>

#include "entry.h"

typedef struct Db Db;

enum { EV_NONE = 0, EV_JPEG, EV_PNG, EV_WEBP, EV_MP4, EV_PDF };

#define EV_HEAD 64    /* bytes of the start the sniffer looks at */
#define EV_TAIL 1024  /* bytes of the end it looks at (JPEG EOI, PNG IEND, PDF %%EOF) */

/* The type of a file from its first bytes zHead[0..nHead), its last bytes zTail[0..nTail)
** and its size: EV_* or EV_NONE with *pzWhy (static text: unknown type, truncated ...). */
int ev_sniff(const unsigned char *zHead, size_t nHead, const unsigned char *zTail,
             size_t nTail, uint64_t nTotal, const char **pzWhy);
const char *ev_type_name(int eType); /* "jpeg" */
const char *ev_type_mime(int eType); /* "image/jpeg" */
const char *ev_type_ext(int eType);  /* "jpg" */
int ev_type_from_name(const char *zName);

/* The EXIF block of an image held in z[0..n) (a prefix of the file will do), as libexif
** takes it ("Exif\0\0" + TIFF, malloc'd in *ppExif), or 0 when there is none. */
size_t ev_exif_block(int eType, const unsigned char *z, size_t n, unsigned char **ppExif);

/* What EXIF says: capture time "YYYY-MM-DD HH:MM:SS" (empty when absent) and the GPS
** position in decimal degrees (bGps 0 when absent). */
typedef struct EvExif {
  char zTaken[20];
  int bGps;
  double rLat, rLon;
} EvExif;
void ev_exif_read(const unsigned char *zExif, size_t n, EvExif *pOut);
/* Reads the EXIF of an image in memory (ev_exif_block + ev_exif_read). */
void ev_image_exif(int eType, const unsigned char *z, size_t n, EvExif *pOut);

/* A copy of the image z[0..n) without location metadata: JPEG without its APP1 segments
** (EXIF and XMP), PNG without eXIf/zTXt/tEXt/iTXt chunks, WebP without EXIF/XMP chunks (and
** the VP8X flags cleared). *pnRemoved counts what was dropped. 0, or -1 when the file does not
** parse (nothing is served then). MP4 and PDF are not handled (-1). */
int ev_strip(int eType, const unsigned char *z, size_t n, unsigned char **ppOut,
             size_t *pnOut, int *pnRemoved);

/* Builds a small JPEG (a w x h gradient) carrying EXIF with the capture time and, when
** bGps, the position: for the demo and the tests. */
int ev_make_jpeg(int w, int h, const char *zTaken, int bGps, double rLat, double rLon,
                 unsigned char **ppOut, size_t *pnOut);

/* ---- the spool: an upload on its way to the store ---------------------------------------- */

typedef struct EvSpool {
  int fd;                        /* -1 when closed */
  char *zPath;                   /* the temp file, NULL once moved or removed */
  crypto_hash_sha256_state hash;
  uint64_t n;                    /* bytes written */
  unsigned char aHead[EV_HEAD];
  size_t nHead;
  unsigned char aTail[EV_TAIL];
  size_t nTail;
  int bFailed;                   /* a write failed: the spool is unusable */
  char zSha[65];                 /* hex, after ev_spool_finish */
} EvSpool;

/* DB.files for a database path (malloc'd). */
char *ev_files_dir(const char *zDbPath);
/* Opens a temp file in zFilesDir/tmp (created as needed). 0 or -1 with *pzErr (malloc'd). */
int ev_spool_open(EvSpool *s, const char *zFilesDir, char **pzErr);
/* Appends bytes: hash, head, tail, file. 0 or -1 (bFailed set). */
int ev_spool_write(EvSpool *s, const void *p, size_t n);
/* Flushes and closes the file, fills zSha. 0 or -1. */
int ev_spool_finish(EvSpool *s);
/* Closes and removes the temp file (nothing when already moved). Safe to call twice. */
void ev_spool_discard(EvSpool *s);

/* The caller of ev_ingest / ev_open. */
typedef struct EvWho {
  const EntryWho *w;
  int bOffice;      /* the supervision office (CAP_INSPECT): sees locations */
} EvWho;

/* Stores a finished spool as evidence of (zKind, id): sniffs the type (415 unknown type,
** 422 truncated), checks the size against nMax (413), reads EXIF, moves the file into place
** (or drops it when the same bytes are stored), links it and audits evidence.add. The
** caller has checked that the account may attach to the object. 0 and *ppOut = the row,
** or -1 with *e (the spool is removed either way). */
int ev_ingest(Db *pDb, const EvWho *pWho, EvSpool *s, const char *zKind, int64_t id,
              const char *zName, uint64_t nMax, json_t **ppOut, EntryErr *e);

/* One evidence row {id, kind, object, sha256, type, size, name, uploader, uploaded_at,
** taken_at, lat?, lon?} (lat/lon only when bOffice), or NULL when there is no such id. */
json_t *ev_row(Db *pDb, int64_t id, int bOffice);
/* The rows of an object, oldest first. */
json_t *ev_list(Db *pDb, const char *zKind, int64_t id, int bOffice);

/* Opens the file to serve for evidence id, so that it is streamed from disk (memory does
** not grow with its size): the stored file, or for a reader outside the office a copy of an
** image without location metadata, made once into DB.files/stripped/ab/cdef... (named by the
** stored file's SHA-256, written to a temp name and renamed) and served from there after.
** MP4 and PDF the office uploaded are not served outside it (their location data is not
** stripped). 0 with *pfd (read-only; the caller closes it), *pnSize, *peType, or -1 with *e. */
int ev_open(Db *pDb, const EvWho *pWho, int64_t id, int *pfd, uint64_t *pnSize, int *peType,
            EntryErr *e);

#endif

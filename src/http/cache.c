/*
** cache.c: the response cache of the read routes that every county opens at once (the
** published review, a unit's trend, a unit's comments): finished response bodies, their
** ETag and a gzip copy, shared by the server's threads.
**
** WHY. Building these answers means reading the stored review (150 KB of JSON for the demo)
** or a few rows, and printing numbers in shortest round-trip form: milliseconds of CPU per
** request, while the answer only changes when a review is computed or published or a comment
** is added. bench/http measures the gain against nginx serving the same bytes.
**
** KEYS, NOT INVALIDATION CALLS. A handler names an entry by a key built from a small query
** that reads what the answer depends on (the review row's id, state and revision; the ids of
** the published reviews; the number and last id of a unit's comments) plus the reader's
** scope (all units, or one unit). A publication, a computation or a comment changes what
** that query returns, so the next request looks up a new key and builds a new body; the old
** entry is never found again and ages out. This holds whatever process made the change (the
** CLI's `review publish` included), which an in-process "invalidate" call would miss.
**
** WHAT STILL RUNS ON EVERY REQUEST: the router's whole prologue (session, capability, CSRF),
** the handler's scope checks, the key query, and any audit record the read requires. Only
** the body is reused. A cached body is served only for the key it was stored under, and a
** key always carries the scope, so a reporter never gets a body built for all units.
**
** HTTP: each entry has a strong ETag (a BLAKE2b hash of the body: an identical rebuilt body
** keeps its tag, so a browser's copy stays valid across restarts); If-None-Match with it
** answers 304 without a body. When the body is 1 KiB or more and gzip makes it smaller, a
** gzip copy is made once, at store time, and sent to clients whose Accept-Encoding allows
** gzip (its ETag has the suffix -gz, RFC 9110 8.8.3: another representation); responses
** carry Vary: Accept-Encoding and Cache-Control: private, no-cache (the browser may keep the
** copy but must ask again every time, so every use passes the authorization above).
**
** BOUNDS AND LOCKING: at most HTTP_CACHE_SLOTS entries and HTTP_CACHE_BYTES bytes, least
** recently used evicted; a read-write lock (lookups copy the body in parallel; stores and
** evictions take it exclusively). Bodies are copied out under the lock, so an entry can be
** freed as soon as it is evicted.
*/
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <zlib.h>

#include "http/http.h"

#define HTTP_CACHE_SLOTS 256
#define HTTP_CACHE_BYTES ((size_t)64 << 20)
#define HTTP_CACHE_GZIP_MIN 1024

typedef struct CacheEntry {
  char *zKey;        /* NULL = free slot */
  uint64_t iHash;    /* of zKey, compared first */
  char *zBody;
  size_t nBody;
  char *zGz;         /* gzip copy, or NULL */
  size_t nGz;
  char zEtag[40];    /* "\"kp-<32 hex>\"" */
  char zEtagGz[44];  /* "\"kp-<32 hex>-gz\"" */
  uint64_t iUsed;    /* LRU clock */
} CacheEntry;

static pthread_rwlock_t cacheLock = PTHREAD_RWLOCK_INITIALIZER;
static CacheEntry aCache[HTTP_CACHE_SLOTS];
static size_t nCacheBytes;
static uint64_t iCacheClock;

/* FNV-1a: cheap, only to skip most strcmp calls. */
static uint64_t cache_hash(const char *z) {
  uint64_t h = 1469598103934665603ull;
  for (; *z; z++) h = (h ^ (unsigned char)*z) * 1099511628211ull;
  return h;
}

/* Does the comma-separated header value list zList hold token zTok (case-insensitive),
** without ";q=0"? */
int http_accepts(const char *zList, const char *zTok) {
  size_t nTok = strlen(zTok);
  for (const char *z = zList; z && *z;) {
    while (*z == ' ' || *z == '\t' || *z == ',') z++;
    size_t nItem = strcspn(z, ",");
    size_t nName = strcspn(z, ",; \t");
    if (nName == nTok && strncasecmp(z, zTok, nTok) == 0) {
      /* a q value of zero (q=0, q=0.0, q=0.000) refuses it */
      const char *zQ = z + nName;
      const char *zEnd = z + nItem;
      int bRefused = 0;
      while (zQ < zEnd) {
        while (zQ < zEnd && (*zQ == ';' || *zQ == ' ' || *zQ == '\t')) zQ++;
        if (zEnd - zQ >= 2 && (zQ[0] == 'q' || zQ[0] == 'Q') && zQ[1] == '=') {
          const char *v = zQ + 2;
          bRefused = v < zEnd && *v == '0';
          for (v++; bRefused && v < zEnd && *v != ' ' && *v != ';'; v++)
            if (*v != '.' && *v != '0') bRefused = 0;
        }
        while (zQ < zEnd && *zQ != ';') zQ++;
      }
      if (!bRefused) return 1;
    }
    z += nItem;
  }
  return 0;
}

/* Does If-None-Match (zList) name zEtag? Weak comparison (RFC 9110 13.1.2): W/ ignored. */
static int cache_etag_listed(const char *zList, const char *zEtag) {
  size_t nTag = strlen(zEtag);
  for (const char *z = zList; z && *z;) {
    while (*z == ' ' || *z == '\t' || *z == ',') z++;
    if (*z == '*') return 1;
    if (strncmp(z, "W/", 2) == 0) z += 2;
    size_t n = strcspn(z, ", \t");
    if (n == nTag && memcmp(z, zEtag, n) == 0) return 1;
    z += n;
  }
  return 0;
}

/* gzip of z[0..n) (malloc'd), or NULL when it does not shrink or zlib fails. */
static char *cache_gzip(const char *z, size_t n, size_t *pnOut) {
  z_stream st;
  memset(&st, 0, sizeof st);
  /* 15 + 16: a gzip wrapper (what Content-Encoding: gzip means), not zlib's */
  if (deflateInit2(&st, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
  uLong nMax = deflateBound(&st, (uLong)n);
  char *zOut = xmalloc(nMax);
  st.next_in = (Bytef *)z;
  st.avail_in = (uInt)n;
  st.next_out = (Bytef *)zOut;
  st.avail_out = (uInt)nMax;
  int rc = deflate(&st, Z_FINISH);
  size_t nOut = st.total_out;
  deflateEnd(&st);
  if (rc != Z_STREAM_END || nOut >= n) {
    free(zOut);
    return NULL;
  }
  *pnOut = nOut;
  return zOut;
}

/* Answers r from entry p (called under the lock): 304, gzip copy or the body. */
static void cache_answer(HttpReq *r, const CacheEntry *p) {
  const char *zAccept = http_header(r, "Accept-Encoding");
  int bGz = p->zGz && zAccept && http_accepts(zAccept, "gzip");
  const char *zTag = bGz ? p->zEtagGz : p->zEtag;
  const char *zIfNone = http_header(r, "If-None-Match");
  buf_reset(&r->body);
  /* 304 only for the representation this request selects (RFC 9110 13.1.2) */
  if (zIfNone && cache_etag_listed(zIfNone, zTag)) {
    r->iStatus = 304;
  } else {
    r->iStatus = 200;
    if (bGz) {
      buf_append(&r->body, p->zGz, p->nGz);
      http_add_header(r, "Content-Encoding", "gzip");
    } else {
      buf_append(&r->body, p->zBody, p->nBody);
    }
  }
  http_add_header(r, "ETag", zTag);
  http_add_header(r, "Vary", "Accept-Encoding");
  r->zCacheControl = "private, no-cache";
  r->zContentType = "application/json; charset=utf-8";
}

int http_cache_serve(HttpReq *r, const char *zKey) {
  uint64_t h = cache_hash(zKey);
  int bHit = 0;
  pthread_rwlock_rdlock(&cacheLock);
  for (int i = 0; i < HTTP_CACHE_SLOTS; i++) {
    CacheEntry *p = &aCache[i];
    if (p->zKey && p->iHash == h && strcmp(p->zKey, zKey) == 0) {
      __atomic_store_n(&p->iUsed, __atomic_add_fetch(&iCacheClock, 1, __ATOMIC_RELAXED),
                       __ATOMIC_RELAXED);
      cache_answer(r, p);
      bHit = 1;
      break;
    }
  }
  pthread_rwlock_unlock(&cacheLock);
  return bHit;
}

static void cache_entry_free(CacheEntry *p) {
  nCacheBytes -= p->nBody + p->nGz + strlen(p->zKey);
  free(p->zKey);
  free(p->zBody);
  free(p->zGz);
  memset(p, 0, sizeof *p);
}

void http_cache_store(HttpReq *r, const char *zKey) {
  if (r->iStatus != 200 || !zKey) return;
  CacheEntry e;
  memset(&e, 0, sizeof e);
  e.nBody = r->body.n;
  size_t nCost = e.nBody + strlen(zKey);
  if (nCost > HTTP_CACHE_BYTES / 4) return; /* one answer may not take the whole cache */
  e.zKey = xstrdup(zKey);
  e.iHash = cache_hash(zKey);
  e.zBody = xmalloc(e.nBody ? e.nBody : 1);
  memcpy(e.zBody, r->body.z, e.nBody);
  unsigned char aHash[16];
  crypto_generichash(aHash, sizeof aHash, (const unsigned char *)e.zBody, e.nBody, NULL, 0);
  char zHex[33];
  sodium_bin2hex(zHex, sizeof zHex, aHash, sizeof aHash);
  snprintf(e.zEtag, sizeof e.zEtag, "\"kp-%s\"", zHex);
  snprintf(e.zEtagGz, sizeof e.zEtagGz, "\"kp-%s-gz\"", zHex);
  if (e.nBody >= HTTP_CACHE_GZIP_MIN) e.zGz = cache_gzip(e.zBody, e.nBody, &e.nGz);
  nCost += e.nGz;

  pthread_rwlock_wrlock(&cacheLock);
  int iSlot = -1, bDup = 0;
  for (int i = 0; i < HTTP_CACHE_SLOTS; i++)
    if (aCache[i].zKey && aCache[i].iHash == e.iHash && strcmp(aCache[i].zKey, zKey) == 0) {
      iSlot = i; /* another thread stored it meanwhile: keep theirs */
      bDup = 1;
    }
  if (!bDup) {
    /* evict least recently used entries until both bounds hold */
    for (;;) {
      int iFree = -1, iOld = -1, n = 0;
      for (int i = 0; i < HTTP_CACHE_SLOTS; i++) {
        if (!aCache[i].zKey) {
          if (iFree < 0) iFree = i;
          continue;
        }
        n++;
        if (iOld < 0 || aCache[i].iUsed < aCache[iOld].iUsed) iOld = i;
      }
      if (iFree >= 0 && nCacheBytes + nCost <= HTTP_CACHE_BYTES) {
        iSlot = iFree;
        break;
      }
      if (n == 0) break; /* cannot happen: nCost is below the bound */
      cache_entry_free(&aCache[iOld]);
    }
    if (iSlot >= 0) {
      e.iUsed = __atomic_add_fetch(&iCacheClock, 1, __ATOMIC_RELAXED);
      aCache[iSlot] = e;
      nCacheBytes += nCost;
      memset(&e, 0, sizeof e);
    }
  }
  /* this response, too, gets the ETag, the 304 and the gzip copy */
  if (iSlot >= 0) cache_answer(r, &aCache[iSlot]);
  pthread_rwlock_unlock(&cacheLock);
  free(e.zKey);
  free(e.zBody);
  free(e.zGz);
}

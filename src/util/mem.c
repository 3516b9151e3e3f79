/*
** mem.c: the allocators, Buf and Arena declared in mem.h.
** Nothing here returns NULL on exhaustion: kaoping aborts, since no caller could do
** better than stop cleanly (a transaction in progress is rolled back by SQLite itself).
*/
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mem_fail(size_t n) {
  fprintf(stderr, "kaoping: out of memory (%zu bytes)\n", n);
  abort();
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) mem_fail(n);
  return p;
}

void *xcalloc(size_t nmemb, size_t size) {
  void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
  if (!p) mem_fail(nmemb * size);
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) mem_fail(n);
  return q;
}

void *xmalloc_array(size_t nmemb, size_t size) {
  if (size && nmemb > SIZE_MAX / size) mem_fail(SIZE_MAX);
  return xmalloc(nmemb * size);
}

void *xrealloc_array(void *p, size_t nmemb, size_t size) {
  if (size && nmemb > SIZE_MAX / size) mem_fail(SIZE_MAX);
  return xrealloc(p, nmemb * size);
}

char *xstrdup(const char *z) {
  if (!z) return NULL;
  return xstrndup(z, strlen(z));
}

char *xstrndup(const char *z, size_t n) {
  char *p = xmalloc(n + 1);
  memcpy(p, z, n);
  p[n] = 0;
  return p;
}

char *xasprintf(const char *zFmt, ...) {
  Buf b = BUF_INIT;
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(&b, zFmt, ap);
  va_end(ap);
  return buf_detach(&b);
}

/* Grow so that at least n more bytes plus the terminator fit. */
static void buf_reserve(Buf *p, size_t n) {
  if (n > SIZE_MAX - p->n - 1) mem_fail(SIZE_MAX);
  size_t need = p->n + n + 1;
  if (need <= p->nAlloc) return;
  size_t nNew = p->nAlloc ? p->nAlloc : 64;
  while (nNew < need) nNew = nNew > SIZE_MAX / 2 ? need : nNew * 2;
  p->z = xrealloc(p->z, nNew);
  p->nAlloc = nNew;
}

void buf_append(Buf *p, const void *z, size_t n) {
  buf_reserve(p, n);
  if (n) memcpy(p->z + p->n, z, n);
  p->n += n;
  p->z[p->n] = 0;
}

void buf_puts(Buf *p, const char *z) {
  buf_append(p, z, strlen(z));
}

void buf_putc(Buf *p, char c) {
  buf_append(p, &c, 1);
}

void buf_vprintf(Buf *p, const char *zFmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, zFmt, ap2);
  va_end(ap2);
  if (n < 0) return;
  buf_reserve(p, (size_t)n);
  vsnprintf(p->z + p->n, (size_t)n + 1, zFmt, ap);
  p->n += (size_t)n;
}

void buf_printf(Buf *p, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(p, zFmt, ap);
  va_end(ap);
}

const char *buf_str(const Buf *p) {
  return p->z ? p->z : "";
}

char *buf_detach(Buf *p) {
  char *z = p->z ? p->z : xstrdup("");
  p->z = NULL;
  p->n = p->nAlloc = 0;
  return z;
}

void buf_reset(Buf *p) {
  p->n = 0;
  if (p->z) p->z[0] = 0;
}

void buf_free(Buf *p) {
  free(p->z);
  p->z = NULL;
  p->n = p->nAlloc = 0;
}

/* Arena: a chain of blocks; a request larger than the block size gets its own block. */
typedef struct ArenaBlock {
  struct ArenaBlock *pNext;
  size_t nUsed, nSize;
  _Alignas(16) unsigned char a[];
} ArenaBlock;

struct Arena {
  ArenaBlock *pHead;
};

#define ARENA_BLOCK 65536

Arena *arena_new(void) {
  return xcalloc(1, sizeof(Arena));
}

void *arena_alloc(Arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  ArenaBlock *b = a->pHead;
  if (!b || b->nSize - b->nUsed < n) {
    size_t nSize = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    b = xmalloc(sizeof(ArenaBlock) + nSize);
    b->nUsed = 0;
    b->nSize = nSize;
    b->pNext = a->pHead;
    a->pHead = b;
  }
  void *p = b->a + b->nUsed;
  b->nUsed += n;
  memset(p, 0, n);
  return p;
}

char *arena_strdup(Arena *a, const char *z) {
  if (!z) return NULL;
  size_t n = strlen(z);
  char *p = arena_alloc(a, n + 1);
  memcpy(p, z, n);
  return p;
}

void arena_free(Arena *a) {
  if (!a) return;
  ArenaBlock *b = a->pHead;
  while (b) {
    ArenaBlock *pNext = b->pNext;
    free(b);
    b = pNext;
  }
  free(a);
}

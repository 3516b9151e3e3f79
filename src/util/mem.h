/*
** mem.h: allocation that never returns NULL, and Buf, the one growable byte buffer.
**
** Every allocation in kaoping goes through xmalloc/xcalloc/xrealloc: on exhaustion they
** print a message and abort, so callers never test for NULL. Size arithmetic that could
** overflow goes through xmalloc_array, which aborts on overflow instead of wrapping.
** Buf is how strings are built: length + capacity, always NUL-terminated, never truncated.
*/
#ifndef KP_UTIL_MEM_H
#define KP_UTIL_MEM_H
#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xmalloc_array(size_t nmemb, size_t size); /* aborts when nmemb*size overflows */
void *xrealloc_array(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *z);                   /* NULL in, NULL out */
char *xstrndup(const char *z, size_t n);
char *xasprintf(const char *zFmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer. z is always NUL-terminated (z[n] == 0) once anything was added;
** an initialised empty Buf has z == NULL and n == 0: use buf_str() to read it as a string. */
typedef struct Buf {
  char *z;
  size_t n;
  size_t nAlloc;
} Buf;

#define BUF_INIT {0, 0, 0}
void buf_append(Buf *p, const void *z, size_t n);
void buf_puts(Buf *p, const char *z);
void buf_putc(Buf *p, char c);
void buf_printf(Buf *p, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *p, const char *zFmt, va_list ap);
const char *buf_str(const Buf *p); /* "" when empty */
char *buf_detach(Buf *p);          /* caller frees; Buf is reset; never NULL */
void buf_reset(Buf *p);            /* n = 0, keeps memory */
void buf_free(Buf *p);

/* An arena: many allocations freed at once (one per request or per command run). */
typedef struct Arena Arena;
Arena *arena_new(void);
void *arena_alloc(Arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strdup(Arena *a, const char *z);
void arena_free(Arena *a);

#endif

/*
** html.h: html_printf, the one formatter through which every byte of server-side HTML
** (the review bulletin, error pages) is written. STYLE.md R8.
**
** The point of a single formatter with context conversions is that the escaping is chosen
** by the format string, at the place where the HTML is written, instead of by remembering
** to call the right helper (cgit's html_txt/html_attr trap). Conversions:
**
**   %h  const char *  HTML text or attribute value: & < > " ' are escaped; NULL prints "".
**   %t  const char *  a URL query component: everything but A-Z a-z 0-9 - _ . ~ is
**                     percent-encoded (UTF-8 bytes one by one); NULL prints "".
**   %j  const char *  a JSON string literal, quotes included, safe inside <script> too
**                     (< > & and U+2028/U+2029 are \u-escaped); NULL prints null.
**   %s  const char *  raw. ONLY for string literals (markup the code itself wrote):
**                     tests/cli/report.sh runs a checker over every html_printf call and
**                     fails when a %s argument is anything but a literal.
**   %d %i %u %x %ld %lu %lld %llu %zu %c %f %e %g with flags, width and precision,
**   and %%, exactly as printf does them (numbers need no escaping).
**
** An unknown conversion, '*' width or a NULL %s argument is a bug in the caller: the
** formatter says so on stderr and aborts, like db_prepare does for bad SQL.
**
** Not for JSON documents (use jansson) nor for text output (CSV, Markdown: their own
** quoting rules live in their renderers).
*/
#ifndef KP_UTIL_HTML_H
#define KP_UTIL_HTML_H
#include <stdarg.h>

#include "util/mem.h"

/* Appends the formatted text to p (never truncates; allocates through Buf). */
void html_printf(Buf *p, const char *zFmt, ...);
void html_vprintf(Buf *p, const char *zFmt, va_list ap);

#endif

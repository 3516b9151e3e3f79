/*
** html.c: the escaping printf of html.h (STYLE.md R8). See html.h for the conversions.
**
** How it works: the format is walked byte by byte; literal text is copied as is, a context
** conversion (%h %t %j) escapes its argument into the buffer, and a numeric conversion is
** re-assembled as a one-conversion printf format and handed to buf_printf, so numbers
** print exactly as printf prints them. Not here: the check that %s receives only literals,
** which needs the call site's source text (tests/cli/report.sh).
*/
#include "util/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A caller passed a format html_printf does not support: a bug, so abort loudly. */
static void html_bug(const char *zWhy, const char *zFmt) {
  fprintf(stderr, "kaoping: html_printf: %s in format \"%s\"\n", zWhy, zFmt);
  abort();
}

/* & < > " ' become entities; everything else (UTF-8 included) passes through. The single
** quote is escaped too, so that the same conversion is safe in attributes quoted either way. */
static void html_escape(Buf *p, const char *z) {
  size_t iStart = 0, i;
  for (i = 0; z[i]; i++) {
    const char *zRep;
    switch (z[i]) {
      case '&': zRep = "&amp;"; break;
      case '<': zRep = "&lt;"; break;
      case '>': zRep = "&gt;"; break;
      case '"': zRep = "&quot;"; break;
      case '\'': zRep = "&#39;"; break;
      default: continue;
    }
    buf_append(p, z + iStart, i - iStart);
    buf_puts(p, zRep);
    iStart = i + 1;
  }
  buf_append(p, z + iStart, i - iStart);
}

/* RFC 3986 unreserved bytes stay; every other byte becomes %XX. */
static void html_urlize(Buf *p, const char *z) {
  static const char azHex[] = "0123456789ABCDEF";
  for (const unsigned char *u = (const unsigned char *)z; *u; u++) {
    unsigned c = *u;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '_' || c == '.' || c == '~') {
      buf_putc(p, (char)c);
    } else {
      char zEnc[3] = {'%', azHex[c >> 4], azHex[c & 15]};
      buf_append(p, zEnc, 3);
    }
  }
}

/* A JSON string literal. Besides what JSON requires (quote, backslash, controls), the
** characters that could end a <script> element or start markup (< > &) and the two line
** separators JavaScript treats as newlines are \u-escaped, so the literal is safe inside
** inline script as well as in a JSON attribute value that is then %h-escaped. */
static void html_jsonize(Buf *p, const char *z) {
  buf_putc(p, '"');
  for (const unsigned char *u = (const unsigned char *)z; *u; u++) {
    unsigned c = *u;
    if (c == '"') buf_puts(p, "\\\"");
    else if (c == '\\') buf_puts(p, "\\\\");
    else if (c == '\n') buf_puts(p, "\\n");
    else if (c == '\r') buf_puts(p, "\\r");
    else if (c == '\t') buf_puts(p, "\\t");
    else if (c < 0x20 || c == '<' || c == '>' || c == '&') buf_printf(p, "\\u%04x", c);
    else if (c == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9)) {
      buf_printf(p, "\\u%04x", u[2] == 0xA8 ? 0x2028u : 0x2029u);
      u += 2;
    } else buf_putc(p, (char)c);
  }
  buf_putc(p, '"');
}

void html_vprintf(Buf *p, const char *zFmt, va_list ap) {
  const char *z = zFmt;
  while (*z) {
    const char *zPct = strchr(z, '%');
    if (!zPct) {
      buf_puts(p, z);
      break;
    }
    buf_append(p, z, (size_t)(zPct - z));
    /* Parse %[flags][width][.precision][length]conv into zSpec. */
    const char *q = zPct + 1;
    char zSpec[32];
    size_t nSpec = 0;
    zSpec[nSpec++] = '%';
    while (*q && strchr("-+ #0", *q)) {
      if (nSpec < 20) zSpec[nSpec++] = *q;
      q++;
    }
    while (*q >= '0' && *q <= '9') {
      if (nSpec < 20) zSpec[nSpec++] = *q;
      q++;
    }
    if (*q == '.') {
      if (nSpec < 24) zSpec[nSpec++] = *q;
      q++;
      while (*q >= '0' && *q <= '9') {
        if (nSpec < 24) zSpec[nSpec++] = *q;
        q++;
      }
    }
    if (*q == '*') html_bug("'*' width or precision", zFmt);
    if (nSpec >= 20) html_bug("width or precision too long", zFmt);
    int nLong = 0, bSize = 0;
    if (*q == 'z') {
      bSize = 1;
      zSpec[nSpec++] = *q++;
    } else {
      while (*q == 'l' && nLong < 2) {
        nLong++;
        zSpec[nSpec++] = *q++;
      }
    }
    char c = *q;
    if (c == 0) html_bug("format ends inside a conversion", zFmt);
    zSpec[nSpec++] = c;
    zSpec[nSpec] = 0;
    int bPlain = (nSpec == 2); /* no flags, width, precision or length */
    switch (c) {
      case '%':
        if (!bPlain) html_bug("%% with modifiers", zFmt);
        buf_putc(p, '%');
        break;
      case 'h':
      case 't':
      case 'j':
      case 's': {
        if (!bPlain) html_bug("modifiers on a string conversion", zFmt);
        const char *zArg = va_arg(ap, const char *);
        if (c == 'h') html_escape(p, zArg ? zArg : "");
        else if (c == 't') html_urlize(p, zArg ? zArg : "");
        else if (c == 'j') {
          if (zArg) html_jsonize(p, zArg);
          else buf_puts(p, "null");
        } else {
          if (!zArg) html_bug("NULL %s argument", zFmt);
          buf_puts(p, zArg);
        }
        break;
      }
      case 'c':
        if (nLong || bSize) html_bug("length modifier on %c", zFmt);
        buf_printf(p, zSpec, va_arg(ap, int));
        break;
      case 'd':
      case 'i':
        if (bSize) buf_printf(p, zSpec, va_arg(ap, size_t));
        else if (nLong == 2) buf_printf(p, zSpec, va_arg(ap, long long));
        else if (nLong == 1) buf_printf(p, zSpec, va_arg(ap, long));
        else buf_printf(p, zSpec, va_arg(ap, int));
        break;
      case 'u':
      case 'x':
      case 'X':
        if (bSize) buf_printf(p, zSpec, va_arg(ap, size_t));
        else if (nLong == 2) buf_printf(p, zSpec, va_arg(ap, unsigned long long));
        else if (nLong == 1) buf_printf(p, zSpec, va_arg(ap, unsigned long));
        else buf_printf(p, zSpec, va_arg(ap, unsigned));
        break;
      case 'f':
      case 'e':
      case 'g':
      case 'F':
      case 'E':
      case 'G':
        if (nLong || bSize) html_bug("length modifier on a floating conversion", zFmt);
        buf_printf(p, zSpec, va_arg(ap, double));
        break;
      default:
        html_bug("unknown conversion", zFmt);
    }
    z = q + 1;
  }
}

void html_printf(Buf *p, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  html_vprintf(p, zFmt, ap);
  va_end(ap);
}

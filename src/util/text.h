/*
** text.h: reading user files as UTF-8 text, strict number parsing, and number printing.
**
** Imports accept UTF-8 with or without a byte-order mark, and GBK (as exported by Chinese
** Excel and government systems). text_load() reads a whole file, detects which of these it
** is, and returns UTF-8 with the BOM removed. A file that is neither gets an error naming
** the line and byte column of the first bad byte. Nothing here writes anywhere.
*/
#ifndef KP_UTIL_TEXT_H
#define KP_UTIL_TEXT_H
#include <stddef.h>

typedef enum { TEXT_UTF8 = 0, TEXT_UTF8_BOM = 1, TEXT_GBK = 2 } TextEncoding;

/* Loads zPath into *pzOut (malloc'd, NUL-terminated UTF-8, caller frees) and its length
** into *pnOut. Returns 0 on success; on failure returns -1 and sets *pzErr (malloc'd) to
** "FILE: line L, column C: reason". *peEnc (may be NULL) receives the detected encoding. */
int text_load(const char *zPath, char **pzOut, size_t *pnOut, TextEncoding *peEnc, char **pzErr);

/* Same, for bytes already in memory; zName is used in messages. */
int text_decode(const char *zName, const char *z, size_t n, char **pzOut, size_t *pnOut,
                TextEncoding *peEnc, char **pzErr);

const char *text_encoding_name(TextEncoding e);

/* Offset of the first byte that breaks UTF-8 (overlongs and surrogates included), or n. */
size_t text_utf8_invalid_at(const char *z, size_t n);

/* Strict decimal parse: optional surrounding blanks, optional sign, digits with optional
** fraction and exponent; no hex, inf, nan, thousands separators or trailing text.
** Returns 0 and sets *pr on success, -1 otherwise. */
int text_parse_double(const char *z, double *pr);

/* Writes the shortest decimal form of r that reads back as exactly r (at most 17
** significant digits) into z, which must hold at least 32 bytes. Integers print without a
** fraction ("87", not "87.0"); -0 prints as "0". NaN and infinities print as "null". */
void text_fmt_double(char *z, double r);

/* Trims ASCII blanks (space, tab, CR, LF) in place at both ends; returns z. */
char *text_trim(char *z);

#endif

/*
** csv.h: an RFC 4180 CSV reader over UTF-8 text held in memory.
**
** Quoted fields may hold commas, doubled quotes and line breaks; records end at CRLF or LF.
** Each record remembers the physical line on which it starts, so that errors can name
** "file, line, column". The reader owns the text (loaded with text_load) and the fields of
** the current record, which stay valid until the next csv_next() call.
** Not for streaming huge feeds (those have their own reader in feed/); imports of units,
** values and targets are small enough to hold whole.
*/
#ifndef KP_UTIL_CSV_H
#define KP_UTIL_CSV_H
#include <stddef.h>
#include "util/mem.h"
#include "util/text.h"

typedef struct CsvReader {
  char *zName;          /* file name for messages */
  char *zText;          /* whole text, UTF-8, no BOM */
  size_t nText;
  size_t iPos;          /* next byte to read */
  int iLine;            /* physical line of iPos (1-based) */
  TextEncoding eEnc;    /* what the file was */
  /* the current record */
  int iRecordLine;      /* line on which the current record starts */
  int nField;
  char **azField;       /* nField strings, NUL-terminated */
  int nFieldAlloc;
  Buf fieldBuf;         /* storage of the current record's fields */
  size_t *aFieldOfs;
} CsvReader;

/* Opens a file (encoding detected). Returns 0, or -1 with *pzErr set (malloc'd). */
int csv_open(CsvReader *p, const char *zPath, char **pzErr);
/* Opens text in memory (copied, decoded as text_decode does). */
int csv_open_mem(CsvReader *p, const char *zName, const char *z, size_t n, char **pzErr);
/* Reads the next record. Returns 1 when a record was read, 0 at end of input, -1 on a
** malformed record (unterminated quote, text after a closing quote) with *pzErr set to
** "FILE: line L, column C: reason". Blank lines (a record of one empty field) are skipped. */
int csv_next(CsvReader *p, char **pzErr);
/* Index of the header field equal to zName in the current record (trimmed, exact), or -1. */
int csv_field_index(const CsvReader *p, const char *zName);
void csv_close(CsvReader *p);

#endif

/*
** feed/reader.h: a streaming RFC 4180 reader for bulk record feeds (millions of rows).
**
** Unlike util/csv.c, which holds a whole (small) file in memory, this reads through a buffer
** of a few megabytes, so memory does not grow with the file. It handles quoted fields with
** commas, doubled quotes and line breaks, CRLF and LF, a UTF-8 byte-order mark, and GBK
** (detected on the first megabyte, converted with iconv as it streams). It is fast because
** a record without a quote is split by memchr over the buffer, and no field is copied or
** allocated: fields point into the buffer (quoted ones are unescaped in place) and stay
** valid until the next feed_reader_next().
**
** A reader may cover a byte range [iStart, iEnd) of a file, so two threads can read two
** halves; feed_reader_clean_end() then says whether the range ended on a record boundary
** (a cut inside a quoted line break would not, and the caller reads the file whole).
**
** Positions: every record knows the physical line on which it starts (line breaks inside
** quoted fields count), relative to the start of its range; columns are 1-based field
** numbers, as in util/csv.c.
*/
#ifndef KP_FEED_READER_H
#define KP_FEED_READER_H
#include <stddef.h>
#include <stdint.h>

#include "util/text.h"

typedef struct FeedSpan {
  const char *z; /* not NUL-terminated */
  int n;
} FeedSpan;

typedef struct FeedReader FeedReader;

/* Detects the encoding of a file from its first megabyte. Returns 0 and sets *peEnc, or -1
** with *pzErr ("FILE: line L, column C: reason") for a file that is neither UTF-8 nor GBK
** (binary, UTF-16). *pnSize receives the file size. */
int feed_detect(const char *zPath, TextEncoding *peEnc, uint64_t *pnSize, char **pzErr);

/* Opens zPath for reading bytes [iStart, iEnd) (iEnd = UINT64_MAX: to the end) in the given
** encoding (GBK ranges must start at 0). Returns NULL with *pzErr on failure. */
FeedReader *feed_reader_open(const char *zPath, TextEncoding eEnc, uint64_t iStart,
                             uint64_t iEnd, char **pzErr);
/* Reads the next record. Returns 1 (a record: *paField, *pnField), 0 at the end, or -1 for
** a malformed record, with *pzErr set to "FILE: line L, column C: reason" (relative lines
** for a range that does not start at 0: see feed_reader_line_base). After -1 the reader has
** skipped the bad record and can go on; at an unterminated quote it has reached the end.
** Blank lines are skipped. */
int feed_reader_next(FeedReader *r, const FeedSpan **paField, int *pnField, char **pzErr);
/* The place and reason of the last -1 from feed_reader_next (line relative to the range,
** column a 1-based field number), so a caller reading a range can renumber lines. */
int64_t feed_reader_err_line(const FeedReader *r);
int feed_reader_err_col(const FeedReader *r);
const char *feed_reader_err_reason(const FeedReader *r);
/* The physical line (1-based, relative to the range) on which the last record started. */
int64_t feed_reader_line(const FeedReader *r);
/* Number of line breaks read so far (the line count of the whole range at its end). */
int64_t feed_reader_lines_read(const FeedReader *r);
/* File offset just after the last record returned (where a reader for the rest of the file
** would start), or UINT64_MAX for a GBK reader (its offsets are not the file's). */
uint64_t feed_reader_offset(const FeedReader *r);
/* Did the last record read come without any quote or carriage return? Then none of its
** fields holds a comma, quote, CR or LF, and written back as CSV none needs quoting. */
int feed_reader_plain(const FeedReader *r);
/* Appends z (n bytes) to b as one CSV field, quoted when it holds a comma, quote, CR or LF. */
struct Buf;
void feed_csv_append(struct Buf *b, const char *z, int n);
/* Bytes of the file consumed so far (for progress). */
uint64_t feed_reader_bytes(const FeedReader *r);
/* At the end: did the range end exactly at a record boundary (not inside a quoted field)? */
int feed_reader_clean_end(const FeedReader *r);
void feed_reader_close(FeedReader *r);

/* Splits [0, nSize) into n parts at line breaks (the byte after a '\n'), aCut[0..n] with
** aCut[0] = 0 and aCut[n] = nSize; parts may be empty. Prefers a line break after which
** the next records read whole with nCol fields each (so not one inside a quoted field);
** the cut is still only a guess that the reader of the part before it confirms.
** Returns 0 or -1 (I/O error). */
int feed_split_points(const char *zPath, uint64_t nSize, int n, int nCol, uint64_t *aCut);

/* A reader over UTF-8 bytes in memory (not copied; must outlive the reader), for tests and
** small inputs. A leading BOM is skipped. */
FeedReader *feed_reader_open_mem(const char *zName, const char *z, size_t n);
/* Limits one record's size (default 64 MB) so that a quote never closed cannot take the
** whole file into memory; a longer record is an error and ends the reading. */
void feed_reader_set_max_record(FeedReader *r, size_t nMax);

#endif

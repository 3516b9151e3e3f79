/*
** bench/feed/split.c: the floor of the feed benchmark — a bare RFC 4180 field splitter that
** reads a file and counts its records and fields, doing nothing with them.
**
**   split FILE     prints "records fields"
**
** It uses the same technique as kaoping's reader (read() into a 4 MB buffer, memchr for
** line ends, quotes and commas, a byte loop only for records that hold a quote), on one
** thread, without any of the feed work: no header mapping, no time parsing, no grouping.
** So kaoping's time divided by this one is the cost of everything beyond splitting.
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: split FILE\n"); return 2; }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror(argv[1]); return 1; }
  size_t nAlloc = 5u << 20, nData = 0, iPos = 0;
  char *a = malloc(nAlloc);
  long long nRec = 0, nField = 0;
  int bEof = 0;
  for (;;) {
    if (!bEof && (nData - iPos) < (1u << 20)) {
      memmove(a, a + iPos, nData - iPos);
      nData -= iPos;
      iPos = 0;
      if (nAlloc - nData < (1u << 20)) { nAlloc *= 2; a = realloc(a, nAlloc); }
      ssize_t n = read(fd, a + nData, nAlloc - nData);
      if (n < 0) { perror("read"); return 1; }
      if (n == 0) bEof = 1;
      nData += (size_t)n;
    }
    if (iPos >= nData) break;
    char *p = a + iPos, *end = a + nData;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl && !bEof) { /* a record longer than the slack: read more */
      if (iPos == 0 && nData == nAlloc) { nAlloc *= 2; a = realloc(a, nAlloc); }
      ssize_t n = read(fd, a + nData, nAlloc - nData);
      if (n <= 0) bEof = 1;
      else nData += (size_t)n;
      continue;
    }
    char *e = nl ? nl : end;
    if (!memchr(p, '"', (size_t)(e - p))) {
      for (char *s = p;; nField++) {
        char *c = memchr(s, ',', (size_t)(e - s));
        if (!c) { nField++; break; }
        s = c + 1;
      }
      nRec++;
      iPos = nl ? (size_t)(nl + 1 - a) : nData;
      continue;
    }
    /* A quote: walk byte by byte with the quote state until a line end outside quotes. */
    int bIn = 0;
    char *s = p;
    long long nF = 1;
    for (; s < end; s++) {
      char c = *s;
      if (c == '"') bIn = !bIn;
      else if (!bIn && c == ',') nF++;
      else if (!bIn && c == '\n') break;
    }
    if (s == end && !bEof) { /* need more input: retry after reading */
      if (iPos == 0 && nData == nAlloc) { nAlloc *= 2; a = realloc(a, nAlloc); }
      memmove(a, a + iPos, nData - iPos);
      nData -= iPos;
      iPos = 0;
      ssize_t n = read(fd, a + nData, nAlloc - nData);
      if (n <= 0) bEof = 1;
      else nData += (size_t)n;
      continue;
    }
    nField += nF;
    nRec++;
    iPos = s < end ? (size_t)(s + 1 - a) : nData;
  }
  printf("%lld %lld\n", nRec, nField);
  free(a);
  close(fd);
  return 0;
}

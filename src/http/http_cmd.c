/*
** http_cmd.c: `kaoping http REQUEST.txt|- [--as USER]`, which serves ONE raw HTTP request
** read from a file (or stdin) through the same router as `kaoping serve`, without a socket,
** and prints the raw response (STYLE.md R4; after Fossil's test-http). Tests and debuggers
** use it: a breakpoint in a handler is one command away.
**
** The file holds a request as it would cross the wire: a request line, header lines, an
** empty line, the body (LF or CRLF line ends; Content-Length, when given, cuts the body).
** --as USER acts as that account without a password or session, as the local operator
** may (the account's roles still decide what is allowed; CSRF tokens are not asked for;
** the audit log records the account, from no address). --peer sets the client address.
** `kaoping http --routes` prints the route table (tests walk it).
**
** Not here: any routing decision (router.c).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "http/http.h"
#include "store/db.h"

#define HTTP_CMD_MAX (16u << 20) /* largest request file: 16 MiB */

/* Reads the whole file (or stdin for "-"). NULL after printing why. */
static char *http_cmd_read(CliArgs *pArgs, const char *zFile, size_t *pn) {
  FILE *f = strcmp(zFile, "-") == 0 ? stdin : fopen(zFile, "rb");
  if (!f) {
    cli_error(pArgs, "cannot open %s", zFile);
    return NULL;
  }
  Buf b = BUF_INIT;
  char a[65536];
  size_t n;
  while ((n = fread(a, 1, sizeof a, f)) > 0) {
    buf_append(&b, a, n);
    if (b.n > HTTP_CMD_MAX) break;
  }
  if (f != stdin) fclose(f);
  if (b.n > HTTP_CMD_MAX) {
    cli_error(pArgs, "%s: larger than 16 MiB", zFile);
    buf_free(&b);
    return NULL;
  }
  *pn = b.n;
  return buf_detach(&b);
}

/* Next line of z[*pi..n): returns its start, sets *pnLine (without CR LF), advances *pi.
** NULL at the end of input. */
static const char *http_cmd_line(const char *z, size_t n, size_t *pi, size_t *pnLine) {
  if (*pi >= n) return NULL;
  const char *zStart = z + *pi;
  const char *zNl = memchr(zStart, '\n', n - *pi);
  size_t nLine = zNl ? (size_t)(zNl - zStart) : n - *pi;
  *pi += nLine + (zNl ? 1 : 0);
  if (nLine && zStart[nLine - 1] == '\r') nLine--;
  *pnLine = nLine;
  return zStart;
}

/* Parses the raw request into r. 0, or -1 after printing why. */
static int http_cmd_parse(CliArgs *pArgs, const char *zFile, const char *z, size_t n,
                          HttpReq *r) {
  size_t i = 0, nLine;
  const char *zLine = http_cmd_line(z, n, &i, &nLine);
  if (!zLine || nLine == 0) {
    cli_error(pArgs, "%s: no request line", zFile);
    return -1;
  }
  char *zReqLine = arena_alloc(r->pArena, nLine + 1);
  memcpy(zReqLine, zLine, nLine);
  char *zSave = NULL;
  char *zMethod = strtok_r(zReqLine, " ", &zSave);
  char *zTarget = strtok_r(NULL, " ", &zSave);
  if (!zMethod || !zTarget) {
    cli_error(pArgs, "%s: line 1: expected METHOD TARGET [HTTP/1.1]", zFile);
    return -1;
  }
  r->zMethod = zMethod;
  char *zQ = strchr(zTarget, '?');
  if (zQ) *zQ++ = 0;
  r->zPath = http_url_decode(r->pArena, zTarget, strlen(zTarget), 0);
  if (!r->zPath) r->zPath = "/\x01"; /* malformed %XX: the router answers 400 */
  if (zQ && http_parse_query(r->pArena, zQ, &r->aQuery, &r->nQuery)) {
    r->nQuery = 0;
    r->zPath = "/\x01";
  }
  /* headers */
  int nAlloc = 16, iLine = 1;
  r->aHeader = arena_alloc(r->pArena, sizeof(HttpPair) * (size_t)nAlloc);
  while ((zLine = http_cmd_line(z, n, &i, &nLine)) != NULL && nLine > 0) {
    iLine++;
    const char *zColon = memchr(zLine, ':', nLine);
    if (!zColon || zLine[0] == ' ' || zLine[0] == '\t') {
      cli_error(pArgs, "%s: line %d: not a header (NAME: VALUE)", zFile, iLine);
      return -1;
    }
    if (r->nHeader == nAlloc) {
      HttpPair *a = arena_alloc(r->pArena, sizeof(HttpPair) * (size_t)nAlloc * 2);
      memcpy(a, r->aHeader, sizeof(HttpPair) * (size_t)nAlloc);
      r->aHeader = a;
      nAlloc *= 2;
    }
    size_t nName = (size_t)(zColon - zLine);
    const char *zVal = zColon + 1;
    size_t nVal = nLine - nName - 1;
    while (nVal && (*zVal == ' ' || *zVal == '\t')) zVal++, nVal--;
    while (nVal && (zVal[nVal - 1] == ' ' || zVal[nVal - 1] == '\t')) nVal--;
    char *zN = arena_alloc(r->pArena, nName + 1);
    memcpy(zN, zLine, nName);
    char *zV = arena_alloc(r->pArena, nVal + 1);
    memcpy(zV, zVal, nVal);
    r->aHeader[r->nHeader].zName = zN;
    r->aHeader[r->nHeader].zValue = zV;
    r->nHeader++;
  }
  /* body */
  size_t nBody = i < n ? n - i : 0;
  const char *zLen = http_header(r, "Content-Length");
  if (zLen) {
    char *zEnd;
    unsigned long long nDecl = strtoull(zLen, &zEnd, 10);
    if (*zEnd || !*zLen || nDecl > nBody) {
      cli_error(pArgs, "%s: Content-Length %s but the body has %zu bytes", zFile, zLen, nBody);
      return -1;
    }
    nBody = (size_t)nDecl;
  }
  char *zBody = arena_alloc(r->pArena, nBody + 1);
  if (nBody) memcpy(zBody, z + i, nBody);
  r->zBody = zBody;
  r->nBody = nBody;
  return 0;
}

static void http_cmd_routes(void) {
  for (int i = 0; i < nRoute; i++) {
    const Route *p = &aRoute[i];
    char zCap[160];
    http_route_cap_text(p, zCap, sizeof zCap);
    printf("%s\t%s\t%s\t%s\t%zu\t%s\n", p->zMethod, p->zPattern, zCap,
           p->eCsrf == CSRF_TOKEN ? "token" : p->eCsrf == CSRF_ORIGIN ? "origin" : "none",
           p->nBodyMax, p->zHelp);
  }
}

/* kaoping http REQUEST.txt|- [--as USER] [--peer IP] [--web-root DIR] [--db F]
** kaoping http --routes */
int http_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "http", argc, argv);
  const char *zAs = cli_opt(&args, "--as");
  const char *zPeer = cli_opt(&args, "--peer");
  const char *zWeb = cli_opt(&args, "--web-root");
  int bRoutes = cli_flag(&args, "--routes");
  const char *zDb = cli_db_path(&args);
  const char *zFile = cli_positional(&args, 0);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (bRoutes) {
    http_cmd_routes();
    cli_free(&args);
    return EXIT_OK;
  }
  if (!zFile) {
    cli_error(&args, "which request file? (kaoping http --help)");
    cli_free(&args);
    return EXIT_USAGE;
  }
  size_t n = 0;
  char *zRaw = http_cmd_read(&args, zFile, &n);
  if (!zRaw) {
    cli_free(&args);
    return EXIT_BAD_INPUT;
  }
  Db *pDb = NULL;
  char *zErr = NULL;
  if (db_open(zDb, 0, &pDb, &zErr)) {
    cli_error(&args, "%s", zErr);
    free(zErr);
    free(zRaw);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  HttpConfig cfg = {zWeb ? zWeb : "web/dist", 0};
  HttpReq r;
  http_req_init(&r, pDb, &cfg);
  int rc = EXIT_OK;
  if (http_cmd_parse(&args, zFile, zRaw, n, &r)) {
    rc = EXIT_BAD_INPUT;
  } else {
    r.zPeer = zPeer;
    if (zAs) {
      if (!auth_name_valid(zAs)) {
        cli_error(&args, "--as %s: not an account name", zAs);
        rc = EXIT_USAGE;
      }
      r.zAsUser = zAs;
    }
    if (rc == EXIT_OK) {
      http_dispatch(&r);
      printf("HTTP/1.1 %d %s\r\n", r.iStatus, http_status_text(r.iStatus));
      for (int i = 0; i < r.nOut; i++) printf("%s: %s\r\n", r.aOut[i].zName, r.aOut[i].zValue);
      int bHead = strcmp(r.zMethod, "HEAD") == 0;
      if (r.fdBody >= 0) {
        /* a file body (evidence): copied from disk as the server streams it */
        printf("Content-Length: %llu\r\n\r\n", (unsigned long long)r.nFdBody);
        char a[65536];
        ssize_t k;
        while (!bHead && (k = read(r.fdBody, a, sizeof a)) != 0) {
          if (k < 0 && errno == EINTR) continue;
          if (k < 0 || fwrite(a, 1, (size_t)k, stdout) != (size_t)k) {
            rc = EXIT_INTERNAL;
            break;
          }
        }
      } else {
        printf("Content-Length: %zu\r\n\r\n", r.body.n);
        if (!bHead && r.body.n) fwrite(r.body.z, 1, r.body.n, stdout);
      }
    }
  }
  /* the request may hold a password */
  memset(zRaw, 0, n);
  free(zRaw);
  http_req_free(&r);
  db_close(pDb);
  cli_free(&args);
  return rc;
}

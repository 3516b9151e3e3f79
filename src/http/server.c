/*
** server.c: `kaoping serve`, the HTTP server, built on libmicrohttpd (0.9.75). It turns
** libmicrohttpd's callbacks into an HttpReq, hands it to http_dispatch() (router.c) and
** sends back what the router left in it. Nothing about routes, sessions or permissions
** is decided here.
**
** THREADING MODE (STYLE.md R14), chosen on purpose:
**
**   MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO (epoll on Linux) with a thread pool
**   (MHD_OPTION_THREAD_POOL_SIZE, --threads, default 4), and ONE SQLite connection per
**   pool thread, opened on the thread's first request and closed when the thread exits
**   (a pthread key whose destructor calls db_close). A connection is never shared between
**   threads.
**
** Why this and not the alternatives:
**  - Thread per connection (journal-gatewayd's choice) ties a thread, and here an SQLite
**    connection, to every open socket: idle keep-alive connections and slow clients
**    (slowloris) then cost threads and database handles without bound. With a pool the
**    number of threads and of SQLite connections is fixed and small, and idle sockets cost
**    only an epoll entry and MHD_OPTION_CONNECTION_TIMEOUT reclaims them.
**  - Opening an SQLite connection per request (the natural companion of thread per
**    connection) pays the open, the schema check and the PRAGMAs every time.
**  - A single thread (Redis) would let one slow request (an Argon2id verification costs
**    tens of milliseconds by design, a bulletin render more) stall every other client.
**  - SQLite in WAL mode lets the pool's readers run in parallel with one writer; writers
**    queue on the busy timeout (db.c), and every write is a short transaction.
** libmicrohttpd binds each connection to one pool thread for its lifetime, so everything
** a request touches (its arena, its connection's Db) stays on one thread.
** Long jobs (imports, feeds, bulletin PDF) belong to a background worker, not to a pool
** thread; that worker is a later step.
**
** Memory (R13): each request gets an HttpReq with its arena, hung on libmicrohttpd's
** per-request pointer (*con_cls) on the first callback and freed in NOTIFY_COMPLETED.
** Bodies are accumulated up to the route's limit (router.c table); a Content-Length above
** it is refused with 413 before any byte of the body is read; a chunked body that grows
** past it is discarded from then on and answered with 413 (the connection is dropped if
** more than 1 MiB keeps coming).
**
** Limits: 30 s connection timeout, 64 KiB for the request line and headers (libmicrohttpd
** answers 431 beyond), 512 connections, 64 per client address.
**
** Exposure: the server binds 127.0.0.1 by default and refuses a non-loopback address unless
** --behind-tls-proxy says a TLS-terminating proxy is in front (credentials must never cross
** a network in clear, GB/T 22239 8.1.4.1 c); that flag also marks cookies Secure (with the
** __Host- prefix) and sends HSTS.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <microhttpd.h>

#include "cli/cli.h"
#include "cli/verbs.h"
#include "evidence.h"
#include "http/http.h"
#include "store/db.h"
#include "util/mem.h"

static HttpConfig serverCfg;
static const char *zServerDb;
static pthread_key_t serverDbKey;

/* The calling thread's database connection, opened on first use; NULL when it cannot be
** opened (the request then gets 503). */
static Db *server_db(void) {
  Db *p = pthread_getspecific(serverDbKey);
  if (p) return p;
  char *zErr = NULL;
  if (db_open(zServerDb, 0, &p, &zErr)) {
    fprintf(stderr, "kaoping serve: %s\n", zErr);
    free(zErr);
    return NULL;
  }
  pthread_setspecific(serverDbKey, p);
  return p;
}

static void server_db_close(void *p) {
  db_close(p);
}

/* What libmicrohttpd keeps for us per request (*con_cls). */
typedef struct ServerConn {
  HttpReq req;
  Buf body;
  size_t nLimit;   /* the route's body limit */
  int bRefused;    /* a response was already queued (413) */
  int bTooLarge;   /* the body outgrew the limit while arriving: 413 at the end */
  int bStarted;    /* the access handler has seen the headers */
  int bBadUri;     /* the raw URI holds %00: refused (the decoded path would be cut) */
  size_t nDropped; /* bytes discarded since */
  int bStream;     /* a ROUTE_STREAM row: the body goes to spool, not to body */
  int bSpool;      /* spool is open (removed in NOTIFY_COMPLETED whatever happened) */
  int bSpoolFailed;/* writing the spool failed: 500 at the end */
  EvSpool spool;
} ServerConn;

/* A body that keeps coming this long after it passed its limit: drop the connection. */
#define SERVER_DROP_MAX (1u << 20)

/* Collects request headers or query arguments into the request's arena. */
typedef struct ServerCollect {
  HttpReq *r;
  HttpPair *a;
  int n, nAlloc;
} ServerCollect;

static enum MHD_Result server_collect(void *cls, enum MHD_ValueKind kind, const char *zKey,
                                      const char *zValue) {
  (void)kind;
  ServerCollect *c = cls;
  if (c->n >= c->nAlloc) {
    int nNew = c->nAlloc ? c->nAlloc * 2 : 16;
    HttpPair *a = arena_alloc(c->r->pArena, sizeof(HttpPair) * (size_t)nNew);
    if (c->n) memcpy(a, c->a, sizeof(HttpPair) * (size_t)c->n);
    c->a = a;
    c->nAlloc = nNew;
  }
  c->a[c->n].zName = arena_strdup(c->r->pArena, zKey ? zKey : "");
  c->a[c->n].zValue = arena_strdup(c->r->pArena, zValue ? zValue : "");
  c->n++;
  return MHD_YES;
}

/* Numeric client address into the arena. */
static const char *server_peer(struct MHD_Connection *pConn, Arena *pArena) {
  const union MHD_ConnectionInfo *pInfo =
      MHD_get_connection_info(pConn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!pInfo || !pInfo->client_addr) return NULL;
  char zHost[NI_MAXHOST];
  const struct sockaddr *sa = pInfo->client_addr;
  socklen_t n = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (getnameinfo(sa, n, zHost, sizeof zHost, NULL, 0, NI_NUMERICHOST)) return NULL;
  return arena_strdup(pArena, zHost);
}

/* Headers and query arguments into r (arena). */
static void server_collect_all(struct MHD_Connection *pConn, HttpReq *r) {
  ServerCollect hdr = {r, NULL, 0, 0}, qry = {r, NULL, 0, 0};
  MHD_get_connection_values(pConn, MHD_HEADER_KIND, server_collect, &hdr);
  MHD_get_connection_values(pConn, MHD_GET_ARGUMENT_KIND, server_collect, &qry);
  r->aHeader = hdr.a;
  r->nHeader = hdr.n;
  r->aQuery = qry.a;
  r->nQuery = qry.n;
}

/* Sends what the router left in r. */
static enum MHD_Result server_send(struct MHD_Connection *pConn, HttpReq *r) {
  struct MHD_Response *pResp;
  if (r->fdBody >= 0) {
    /* a file body (evidence): libmicrohttpd reads it from disk as the socket drains (sendfile
    ** where it can) and closes the fd with the response; memory does not grow with its size */
    int fd = r->fdBody;
    r->fdBody = -1;
    pResp = MHD_create_response_from_fd64(r->nFdBody, fd);
    if (!pResp) {
      close(fd);
      return MHD_NO;
    }
  } else {
    size_t n = r->body.n;
    char *z = buf_detach(&r->body);
    pResp = MHD_create_response_from_buffer(n, z, MHD_RESPMEM_MUST_FREE);
    if (!pResp) {
      free(z);
      return MHD_NO;
    }
  }
  for (int i = 0; i < r->nOut; i++) MHD_add_response_header(pResp, r->aOut[i].zName, r->aOut[i].zValue);
  enum MHD_Result rc = MHD_queue_response(pConn, (unsigned)r->iStatus, pResp);
  MHD_destroy_response(pResp);
  return rc;
}

/* Refuses an oversized body at once: libmicrohttpd then discards the rest of the upload
** and closes the connection. */
static enum MHD_Result server_refuse_large(struct MHD_Connection *pConn, ServerConn *c) {
  c->bRefused = 1;
  http_reject(&c->req, KP_E_TOO_LARGE, "the body is larger than this route accepts");
  return server_send(pConn, &c->req);
}

/* libmicrohttpd's first sight of a request (MHD_OPTION_URI_LOG_CALLBACK): the raw URI,
** before any decoding. The request object starts here; what we return becomes *con_cls,
** and NOTIFY_COMPLETED frees it even when libmicrohttpd answers alone (431 ...). */
static void *server_uri_log(void *cls, const char *zUri, struct MHD_Connection *pConn) {
  (void)cls;
  (void)pConn;
  ServerConn *c = xcalloc(1, sizeof *c);
  http_req_init(&c->req, NULL, &serverCfg);
  c->bBadUri = zUri && strcasestr(zUri, "%00") != NULL;
  return c;
}

/* A ROUTE_STREAM request whose headers are in: the prologue runs now (a refusal is sent
** before any body byte is read), then the Content-Length is held against upload_max_mb and
** the spool is opened. */
static enum MHD_Result server_stream_begin(struct MHD_Connection *pConn, ServerConn *c) {
  HttpReq *r = &c->req;
  c->bStream = 1;
  server_collect_all(pConn, r);
  r->pDb = server_db();
  if (!r->pDb) {
    c->bRefused = 1;
    http_reject(r, KP_E_UNAVAILABLE, "the database cannot be opened");
    return server_send(pConn, r);
  }
  if (http_dispatch_begin(r)) {
    c->bRefused = 1;
    return server_send(pConn, r);
  }
  c->nLimit = (size_t)auth_setting(r->pDb, "upload_max_mb") << 20;
  const char *zLen = MHD_lookup_connection_value(pConn, MHD_HEADER_KIND, "Content-Length");
  if (zLen) {
    char *zEnd;
    errno = 0;
    unsigned long long n = strtoull(zLen, &zEnd, 10);
    if (errno || *zEnd || n > c->nLimit) return server_refuse_large(pConn, c);
  }
  char *zErr = NULL;
  char *zDir = ev_files_dir(db_path(r->pDb));
  int rc = ev_spool_open(&c->spool, zDir, &zErr);
  free(zDir);
  if (rc) {
    fprintf(stderr, "kaoping serve: rid=%s: %s\n", r->zRid, zErr);
    free(zErr);
    c->bRefused = 1;
    http_reject(r, KP_E_INTERNAL, "internal error");
    return server_send(pConn, r);
  }
  c->bSpool = 1;
  r->pSpool = &c->spool;
  return MHD_YES;
}

/* The body of a ROUTE_STREAM request, chunk by chunk, into the spool: memory stays at one
** chunk (libmicrohttpd's connection buffer) whatever the file's size. */
static enum MHD_Result server_stream(struct MHD_Connection *pConn, ServerConn *c,
                                     const char *zUpload, size_t *pnUpload) {
  HttpReq *r = &c->req;
  size_t n = *pnUpload;
  *pnUpload = 0;
  if (n) {
    if (c->bTooLarge || c->spool.n + n > c->nLimit) {
      /* past upload_max_mb (a chunked body): the temp file goes now, 413 at the end */
      c->bTooLarge = 1;
      ev_spool_discard(&c->spool);
      c->nDropped += n;
      return c->nDropped > SERVER_DROP_MAX ? MHD_NO : MHD_YES;
    }
    if (!c->bSpoolFailed && ev_spool_write(&c->spool, zUpload, n)) {
      c->bSpoolFailed = 1; /* a full disk: keep reading, answer 500, store nothing */
      ev_spool_discard(&c->spool);
    }
    return MHD_YES;
  }
  if (c->bTooLarge) return server_refuse_large(pConn, c);
  if (c->bSpoolFailed) {
    http_reject(r, KP_E_INTERNAL, "the upload could not be written to disk");
    return server_send(pConn, r);
  }
  r->nBody = (size_t)c->spool.n;
  r->zBody = "";
  http_dispatch_end(r);
  return server_send(pConn, r);
}

static enum MHD_Result server_access(void *cls, struct MHD_Connection *pConn, const char *zUrl,
                                     const char *zMethod, const char *zVersion,
                                     const char *zUpload, size_t *pnUpload, void **pConCls) {
  (void)cls;
  (void)zVersion;
  ServerConn *c = *pConCls;
  if (!c) {
    c = server_uri_log(NULL, NULL, pConn);
    *pConCls = c;
  }
  if (!c->bStarted) {
    /* first call: headers are in, no body byte was read yet */
    c->bStarted = 1;
    c->req.zMethod = arena_strdup(c->req.pArena, zMethod);
    c->req.zPath = arena_strdup(c->req.pArena, zUrl);
    c->req.zPeer = server_peer(pConn, c->req.pArena);
    c->nLimit = http_body_limit(zMethod, zUrl);
    if (c->bBadUri) {
      c->bRefused = 1;
      http_reject(&c->req, KP_E_INVALID, "bad request path (%00)");
      return server_send(pConn, &c->req);
    }
    if (http_route_flags(zMethod, zUrl) & ROUTE_STREAM) return server_stream_begin(pConn, c);
    const char *zLen = MHD_lookup_connection_value(pConn, MHD_HEADER_KIND, "Content-Length");
    if (zLen) {
      char *zEnd;
      errno = 0;
      unsigned long long n = strtoull(zLen, &zEnd, 10);
      if (errno || *zEnd || n > c->nLimit) return server_refuse_large(pConn, c);
    }
    return MHD_YES;
  }
  if (c->bRefused) {
    *pnUpload = 0; /* the 413 is queued: discard */
    return MHD_YES;
  }
  if (c->bStream) return server_stream(pConn, c, zUpload, pnUpload);
  if (*pnUpload) {
    /* libmicrohttpd 0.9.75 accepts a response only before the body or after all of it:
    ** past the limit, discard what comes and answer 413 at the end (or hang up) */
    if (c->bTooLarge || c->body.n + *pnUpload > c->nLimit) {
      c->bTooLarge = 1;
      c->nDropped += *pnUpload;
      *pnUpload = 0;
      if (c->body.z) memset(c->body.z, 0, c->body.nAlloc);
      buf_free(&c->body);
      return c->nDropped > SERVER_DROP_MAX ? MHD_NO : MHD_YES;
    }
    buf_append(&c->body, zUpload, *pnUpload);
    *pnUpload = 0;
    return MHD_YES;
  }
  /* the whole request is in */
  if (c->bTooLarge) return server_refuse_large(pConn, c);
  HttpReq *r = &c->req;
  server_collect_all(pConn, r);
  r->nBody = c->body.n;
  r->zBody = buf_str(&c->body);
  r->pDb = server_db();
  if (!r->pDb) http_reject(r, KP_E_UNAVAILABLE, "the database cannot be opened");
  else http_dispatch(r);
  /* the password, if any, is gone from the router's copy: wipe ours too */
  if (c->body.z) memset(c->body.z, 0, c->body.nAlloc);
  return server_send(pConn, r);
}

static void server_completed(void *cls, struct MHD_Connection *pConn, void **pConCls,
                             enum MHD_RequestTerminationCode eWhy) {
  (void)cls;
  (void)pConn;
  (void)eWhy;
  ServerConn *c = *pConCls;
  if (!c) return;
  if (c->body.z) memset(c->body.z, 0, c->body.nAlloc);
  buf_free(&c->body);
  if (c->bSpool) ev_spool_discard(&c->spool); /* an aborted upload leaves no file */
  http_req_free(&c->req);
  free(c);
  *pConCls = NULL;
}

static int server_is_loopback(const char *zBind) {
  return strcmp(zBind, "127.0.0.1") == 0 || strncmp(zBind, "127.", 4) == 0 ||
         strcmp(zBind, "::1") == 0 || strcmp(zBind, "localhost") == 0;
}

/* kaoping serve [--db F] [--listen HOST:PORT | --port 8080 --bind 127.0.0.1] [--threads N]
**               [--web-root DIR] [--behind-tls-proxy] */
int serve_cmd(int argc, char **argv) {
  CliArgs args;
  cli_init(&args, "serve", argc, argv);
  const char *zPort = cli_opt(&args, "--port");
  const char *zBind = cli_opt(&args, "--bind");
  const char *zListen = cli_opt(&args, "--listen");
  const char *zThreads = cli_opt(&args, "--threads");
  const char *zWeb = cli_opt(&args, "--web-root");
  int bTls = cli_flag(&args, "--behind-tls-proxy");
  zServerDb = cli_db_path(&args);
  if (cli_finish(&args)) {
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (zListen) {
    /* --listen HOST:PORT (IPv6 as [::1]:8080) is --bind HOST --port PORT in one. The copy
    ** lives as long as the server, i.e. the process: a static keeps it reachable. */
    static char *zListenCopy;
    const char *zColon = strrchr(zListen, ':');
    if (zBind || zPort || !zColon || zColon == zListen) {
      cli_error(&args, "--listen takes HOST:PORT (e.g. 127.0.0.1:8080), instead of --bind/--port");
      cli_free(&args);
      return EXIT_USAGE;
    }
    free(zListenCopy);
    zListenCopy = xstrdup(zListen);
    char *zSep = zListenCopy + (zColon - zListen);
    *zSep = 0;
    zPort = zSep + 1;
    zBind = zListenCopy;
    if (zBind[0] == '[' && zSep > zListenCopy + 1 && zSep[-1] == ']') {
      zSep[-1] = 0;
      zBind++;
    }
  }
  if (!zBind) zBind = "127.0.0.1";
  if (strcmp(zBind, "localhost") == 0) zBind = "127.0.0.1";
  long iPort = 8080, nThread = 4;
  char *zEnd;
  if (zPort && ((iPort = strtol(zPort, &zEnd, 10)) < 0 || iPort > 65535 || *zEnd || !*zPort)) {
    cli_error(&args, "--port must be 0 (any free port) to 65535");
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (zThreads && ((nThread = strtol(zThreads, &zEnd, 10)) < 1 || nThread > 256 || *zEnd)) {
    cli_error(&args, "--threads must be 1 to 256");
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (getenv("KAOPING_NOW")) {
    /* the test clock would freeze session expiry and lockouts in a live server */
    cli_error(&args, "KAOPING_NOW is set (a fixed test clock): sessions and lockouts would "
              "never expire. Unset it to serve (kaoping http honours it, for tests)");
    cli_free(&args);
    return EXIT_USAGE;
  }
  if (!server_is_loopback(zBind) && !bTls) {
    cli_error(&args, "refusing to listen on %s without TLS: passwords would cross the network "
              "in clear. Listen on 127.0.0.1 behind a TLS-terminating proxy and pass "
              "--behind-tls-proxy", zBind);
    cli_free(&args);
    return EXIT_USAGE;
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
  socklen_t nSa;
  if (strchr(zBind, ':')) {
    struct sockaddr_in6 *p6 = (struct sockaddr_in6 *)&ss;
    p6->sin6_family = AF_INET6;
    p6->sin6_port = htons((uint16_t)iPort);
    if (inet_pton(AF_INET6, zBind, &p6->sin6_addr) != 1) goto bad_addr;
    flags |= MHD_USE_IPv6;
    nSa = sizeof *p6;
  } else {
    struct sockaddr_in *p4 = (struct sockaddr_in *)&ss;
    p4->sin_family = AF_INET;
    p4->sin_port = htons((uint16_t)iPort);
    if (inet_pton(AF_INET, zBind, &p4->sin_addr) != 1) goto bad_addr;
    nSa = sizeof *p4;
  }
  (void)nSa;

  /* Check the database once before listening, so that a wrong path fails here. */
  Db *pCheck = NULL;
  char *zErr = NULL;
  if (db_open(zServerDb, 0, &pCheck, &zErr)) {
    cli_error(&args, "%s", zErr);
    free(zErr);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  /* The TOTP key file must open the stored second factors before anyone signs in (fail
  ** closed, with the file named); plain secrets from before encryption are sealed now. */
  int nSealed = 0;
  if (auth_totp_seal_all(pCheck, cli_actor(), &nSealed, &zErr)) {
    cli_error(&args, "%s", zErr);
    free(zErr);
    db_close(pCheck);
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  if (nSealed > 0)
    fprintf(stderr, "kaoping serve: encrypted %d stored TOTP secret%s\n", nSealed,
            nSealed == 1 ? "" : "s");
  db_close(pCheck);

  serverCfg.bTlsProxy = bTls;
  struct stat st;
  const char *zRoot = zWeb ? zWeb : "web/dist";
  serverCfg.zWebRoot = stat(zRoot, &st) == 0 && S_ISDIR(st.st_mode) ? zRoot : NULL;
  if (zWeb && !serverCfg.zWebRoot) {
    cli_error(&args, "--web-root %s: not a folder", zWeb);
    cli_free(&args);
    return EXIT_USAGE;
  }
  pthread_key_create(&serverDbKey, server_db_close);

  /* Signals: blocked here, before libmicrohttpd starts its threads (they inherit the mask),
  ** and taken by sigwait() below, so that a stop is always an orderly one. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct MHD_Daemon *pD = MHD_start_daemon(
      flags, (uint16_t)iPort, NULL, NULL, server_access, NULL,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)nThread,
      MHD_OPTION_NOTIFY_COMPLETED, server_completed, NULL,
      MHD_OPTION_URI_LOG_CALLBACK, server_uri_log, NULL,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned int)512,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)64,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
      MHD_OPTION_END);
  if (!pD) {
    cli_error(&args, "cannot listen on %s port %ld: %s", zBind, iPort, strerror(errno));
    cli_free(&args);
    return EXIT_INTERNAL;
  }
  const union MHD_DaemonInfo *pInfo = MHD_get_daemon_info(pD, MHD_DAEMON_INFO_BIND_PORT);
  unsigned iBound = pInfo ? pInfo->port : (unsigned)iPort;
  printf("kaoping serve: listening on http://%s%s%s:%u/ (%ld threads, database %s%s%s)\n",
         strchr(zBind, ':') ? "[" : "", zBind, strchr(zBind, ':') ? "]" : "", iBound, nThread,
         zServerDb, serverCfg.zWebRoot ? ", web UI " : "",
         serverCfg.zWebRoot ? serverCfg.zWebRoot : "");
  fflush(stdout);
  int iSig = 0;
  sigwait(&sigs, &iSig);
  fprintf(stderr, "kaoping serve: signal %d, stopping\n", iSig);
  MHD_stop_daemon(pD); /* joins the pool: each thread's key destructor closes its Db */
  pthread_key_delete(serverDbKey);
  cli_free(&args);
  return EXIT_OK;
bad_addr:
  cli_error(&args, "--bind %s: not a numeric IPv4 or IPv6 address", zBind);
  cli_free(&args);
  return EXIT_USAGE;
}

/*
** http.h: the request object, the route table and the helpers every HTTP handler uses.
**
** A request (HttpReq) is plain data: method, decoded path, query, headers, body, peer
** address. server.c fills it from libmicrohttpd; http_cmd.c fills it from a file holding
** one raw HTTP request (`kaoping http`, STYLE.md R4). Both then call http_dispatch(), which
** runs the same fixed prologue for every route (router.c) and leaves the response (status,
** headers, body) in the same object, for the caller to send or print. Handlers therefore
** never see libmicrohttpd, and a test needs no socket.
**
** The prologue, in order (STYLE.md R3, R9, R10): match the route (404 / 405) -> reject
** undeclared query parameters and invalid path parameters (400) -> body limit (413) and
** content type (415) -> session (401) -> forced password change (403) -> the row's
** capability (403, audited) -> CSRF for state changes (403, audited) -> the handler.
**
** Memory (R13): everything a request allocates comes from its arena (r->pArena), which
** the caller frees when the response has been sent (libmicrohttpd's NOTIFY_COMPLETED), or
** from r->body (a Buf handed over to the response).
*/
#ifndef KP_HTTP_HTTP_H
#define KP_HTTP_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "auth.h"
#include "http/errcode.h"
#include "util/mem.h"

typedef struct Db Db;

typedef struct HttpPair {
  const char *zName;
  const char *zValue;
} HttpPair;

/* Server-wide settings, fixed before the first request (read-only afterwards). */
typedef struct HttpConfig {
  const char *zWebRoot; /* folder of the built web UI (web/dist), or NULL */
  int bTlsProxy;        /* a TLS-terminating proxy is in front: Secure cookies, HSTS */
} HttpConfig;

#define HTTP_MAX_ARGS 4
#define HTTP_MAX_OUT_HEADERS 24

typedef struct Route Route;

typedef struct HttpReq {
  Arena *pArena;          /* per request; freed by the caller after the response */
  Db *pDb;                /* this thread's connection */
  const HttpConfig *pCfg;

  /* the request */
  const char *zMethod;    /* as sent: GET, HEAD, POST ... */
  const char *zPath;      /* percent-decoded path, without the query */
  HttpPair *aQuery;       /* decoded query parameters */
  int nQuery;
  HttpPair *aHeader;      /* header names as sent; look up with http_header() */
  int nHeader;
  const char *zBody;      /* NUL-terminated copy of the body (may hold NULs inside) */
  size_t nBody;
  const char *zPeer;      /* client address */
  const char *zAsUser;    /* `kaoping http --as USER`: trusted local impersonation */

  /* filled by the router */
  const Route *pRoute;
  HttpPair aArg[HTTP_MAX_ARGS]; /* path parameters ({name} -> value) */
  int nArg;
  int bCrossOrigin;       /* Origin or Sec-Fetch-Site says another site sent it */
  int bUser;              /* a signed-in account (or --as) */
  AuthUser user;
  const char *zToken;     /* the session cookie's value, when there is a session */
  char zCsrf[AUTH_CSRF_CHARS + 1];
  char zRid[17];          /* request id: in logs, errors and X-Request-Id */
  char zNonce[33];        /* CSP nonce for this response */

  /* the response */
  int iStatus;
  Buf body;
  const char *zContentType;
  const char *zCspExtra;  /* extra CSP source for style-src (a hash), or NULL */
  HttpPair aOut[HTTP_MAX_OUT_HEADERS];
  int nOut;
  int bStatic;            /* a static file: cacheable, not no-store */
  const char *zCacheControl; /* overrides the Cache-Control http_finish would choose */
  int iErrCode;           /* the KP_E_* code when the response is an error, for the log */
  int iSnap;              /* 1: the router opened a read snapshot (ROUTE_SNAPSHOT) */
  int fdBody;             /* >= 0: the body is this open file of nFdBody bytes, streamed
                          ** from disk by the sender (which closes it), not in body; -1
                          ** otherwise. A later error response closes it (http_body_fd). */
  uint64_t nFdBody;
  void *pSpool;           /* ROUTE_STREAM: the EvSpool the server wrote the body to (it
                          ** removes the temp file when the request ends), or NULL: the
                          ** body is in zBody (kaoping http) */
} HttpReq;

typedef int (*RouteHandler)(HttpReq *r);

/* CSRF levels of a route row. */
enum {
  CSRF_NONE = 0,   /* safe method: nothing to check */
  CSRF_ORIGIN = 1, /* must not come from another origin (login: no session yet) */
  CSRF_TOKEN = 2   /* same origin AND the session's CSRF token (X-CSRF-Token or form csrf) */
};

/* Route flags. */
#define ROUTE_MUST_CHANGE_OK 1u /* reachable while the password must be changed */
#define ROUTE_FORM 2u           /* the body is application/x-www-form-urlencoded, not JSON */
#define ROUTE_CAP_ANY 4u        /* the account needs ANY ONE of the row's capability bits (the
                                ** default is all of them); the handler's domain function then
                                ** narrows the scope per capability (entry.c) */
#define ROUTE_RAW 8u            /* the body is a file of any type (upload): the handler checks
                                ** Content-Type itself */
#define ROUTE_SNAPSHOT 16u      /* a read served from the response cache: the prologue (session,
                                ** account, settings) and the handler's reads run in one SQLite
                                ** read snapshot (db_read_begin), so the WAL read lock is taken
                                ** once per request; a write (db_begin) ends it first */
#define ROUTE_STREAM 32u        /* the body is a file streamed to a spool (evidence.h) chunk by
                                ** chunk, never held in memory: server.c runs the prologue as
                                ** soon as the headers are in (refusals cost no body byte),
                                ** refuses a Content-Length above upload_max_mb, then writes the
                                ** body to r->pSpool; implies ROUTE_RAW */

struct Route {
  const char *zMethod;   /* GET or POST (HEAD is served by GET rows) */
  const char *zPattern;  /* "/api/users/{name}/roles"; {x} = one segment, may carry a
                         ** literal suffix ("{period}.html"); {x...} = the rest of the path */
  RouteHandler xHandler;
  Caps cap;              /* CAP_PUBLIC or the capability required */
  int eCsrf;             /* CSRF_* */
  size_t nBodyMax;       /* bytes; 0 = no body allowed */
  unsigned flags;        /* ROUTE_* */
  const char *zParams;   /* declared query parameters, comma-separated; "" = none */
  const char *zHelp;
};

extern const Route aRoute[];
extern const int nRoute;

/* Runs the whole request. Always leaves a complete response in r. */
void http_dispatch(HttpReq *r);
/* http_dispatch in two halves, for ROUTE_STREAM rows: _begin runs the prologue before the
** body is read (-1: a complete response is in r, send it; 0: read the body), _end runs
** the handler once the body is in. */
int http_dispatch_begin(HttpReq *r);
void http_dispatch_end(HttpReq *r);
/* The ROUTE_* flags of the route method+path would reach (0 when none). */
unsigned http_route_flags(const char *zMethod, const char *zPath);

/* The body limit of the route that method+path would reach (for the server to refuse a
** large upload before reading it); 0 when there is no such route or it takes no body. */
size_t http_body_limit(const char *zMethod, const char *zPath);

/* Prepares a request object (arena, ids) and releases it. */
void http_req_init(HttpReq *r, Db *pDb, const HttpConfig *pCfg);
void http_req_free(HttpReq *r);
/* Makes the open file fd (nSize bytes) the response body, closing any file body before;
** fd -1 drops a file body. The request owns fd from here. */
void http_body_fd(HttpReq *r, int fd, uint64_t nSize);

/* Adds the headers every response carries (security headers, content type, request id).
** Called by http_dispatch; server.c calls it for the responses it makes alone (413). */
void http_finish(HttpReq *r);

/* Answers a request with an error without routing it (server.c: 413 before the body was
** read, 503 when the database cannot be opened): error body, headers, log line. */
void http_reject(HttpReq *r, int iCode, const char *zMessage);

/* Reason phrase of a status ("Not Found"). */
const char *http_status_text(int iStatus);

/* ---- for handlers ---------------------------------------------------------------- */

const char *http_header(const HttpReq *r, const char *zName); /* case-insensitive; NULL */
const char *http_query(const HttpReq *r, const char *zName);  /* NULL when absent */
const char *http_arg(const HttpReq *r, const char *zName);    /* path parameter */
/* A path parameter that names a row ({id}) as a number. The router has already refused any
** other value than 1 to 15 digits without a leading zero (route_arg_valid, a 400), so a
** handler never checks it again. */
int64_t http_arg_id(const HttpReq *r, const char *zName);
const char *http_cookie(const HttpReq *r, const char *zName); /* from Cookie:, in arena */

/* Sets an error response {code, message, field} with the status of the code's family.
** Returns -1, so a handler can `return http_fail(...)`. */
int http_fail(HttpReq *r, int iCode, const char *zField, const char *zFmt, ...)
    __attribute__((format(printf, 4, 5)));

/* http_fail with more members in the JSON error body (pExtra's keys, borrowed): an upload's
** row report, a batch's list of errors. Returns -1. */
int http_fail_extra(HttpReq *r, int iCode, const char *zField, json_t *pExtra,
                    const char *zFmt, ...) __attribute__((format(printf, 5, 6)));

/* Does the account satisfy the row's capability (all bits, or any with ROUTE_CAP_ANY)? */
int http_route_allows(const Route *p, const AuthUser *u);
/* The row's capability as text: "scheme_manage", "data_own_unit or data_department". */
void http_route_cap_text(const Route *p, char *z, size_t n);

/* Sets a JSON response (steals the reference to pJson). */
void http_json(HttpReq *r, int iStatus, json_t *pJson);

/* Adds a response header (value copied into the arena). */
void http_add_header(HttpReq *r, const char *zName, const char *zValue);

/* Parses the body as a JSON object whose keys must all be in azAllowed (NULL-terminated).
** Returns the object (owned by the caller), or NULL after setting a 400 response. */
json_t *http_json_body(HttpReq *r, const char *const *azAllowed);

/* A required string field of a JSON object, at most nMax bytes; NULL after setting 400. */
const char *http_json_str(HttpReq *r, json_t *pObj, const char *zKey, size_t nMax, int bRequired);

/* Value of field zName of an x-www-form-urlencoded body (decoded, in arena), or NULL. */
const char *http_form(HttpReq *r, const char *zName);

/* Sets or clears the session cookie (zToken NULL = clear). */
void http_set_session_cookie(HttpReq *r, const char *zToken);
#define HTTP_SESSION_COOKIE "kp_sid"

/* Percent-decodes z[0..n) into the arena ('+' is a space when bPlus). NULL when a %XX is
** malformed. */
char *http_url_decode(Arena *pArena, const char *z, size_t n, int bPlus);
/* Splits a query string "a=1&b=2" into decoded pairs (arena). -1 on bad encoding. */
int http_parse_query(Arena *pArena, const char *zQuery, HttpPair **paOut, int *pnOut);

/* ---- the response cache (cache.c) ------------------------------------------------------ */

/* Answers r from the entry stored under zKey (200 with the body or its gzip copy, or 304
** when If-None-Match names its ETag); 1 when there was one, 0 (r untouched) when not.
** The caller has done every check the request needs: only the body is reused. */
int http_cache_serve(HttpReq *r, const char *zKey);
/* Stores r's 200 response body under zKey, then answers r as http_cache_serve would (ETag,
** 304, gzip). Nothing happens for another status. */
void http_cache_store(HttpReq *r, const char *zKey);
/* Does the comma-separated header value zList accept token zTok (no ";q=0")? */
int http_accepts(const char *zList, const char *zTok);

/* ---- handlers (api.c, pages.c) ------------------------------------------------------ */

int api_audit(HttpReq *r);
int api_audit_export(HttpReq *r);
int api_login(HttpReq *r);
int api_login_totp(HttpReq *r);
int api_logout(HttpReq *r);
int api_me(HttpReq *r);
int api_password(HttpReq *r);
int api_periods(HttpReq *r);
int api_review(HttpReq *r);
int api_totp_confirm(HttpReq *r);
int api_totp_enrol(HttpReq *r);
int api_user_roles(HttpReq *r);
int api_user_unlock(HttpReq *r);
int api_users_add(HttpReq *r);
int api_users_list(HttpReq *r);
int page_bulletin(HttpReq *r);

/* api_meeting.c: the review meeting that counties follow */
int api_meeting_end(HttpReq *r);
int api_meeting_get(HttpReq *r);
int api_meeting_slide(HttpReq *r);
int api_meeting_start(HttpReq *r);

/* api_entry.c: data entry, the period workflow, units, comments, downloads */
int api_bulletin_file(HttpReq *r);
int api_comments_add(HttpReq *r);
int api_comments_list(HttpReq *r);
int api_entry_check(HttpReq *r);
int api_entry_grid(HttpReq *r);
int api_entry_save(HttpReq *r);
int api_entry_submit(HttpReq *r);
int api_entry_upload(HttpReq *r);
int api_period_close(HttpReq *r);
int api_period_compute(HttpReq *r);
int api_period_open(HttpReq *r);
int api_period_progress(HttpReq *r);
int api_period_publish(HttpReq *r);
int api_provider_get(HttpReq *r);
int api_provider_set(HttpReq *r);
int api_unit_get(HttpReq *r);
int api_unit_trend(HttpReq *r);
int api_units(HttpReq *r);
int page_index(HttpReq *r);
int page_login(HttpReq *r);
int page_logout(HttpReq *r);
int page_static(HttpReq *r);

/* api_feed.c: big-data feed uploads and their progress, batches, rejects, drill-down;
** the cross-check flags (数据存疑) of a period */
int api_crosscheck(HttpReq *r);
int api_feed_batches(HttpReq *r);
int api_feed_progress(HttpReq *r);
int api_feed_records(HttpReq *r);
int api_feed_rejects(HttpReq *r);
int api_feed_upload(HttpReq *r);

/* api_wish.c: 我为群众办实事 (micro-wishes, red-heritage map, honours, contact points) */
int api_contact_problem_close(HttpReq *r);
int api_contact_visit(HttpReq *r);
int api_contacts(HttpReq *r);
int api_honour_create(HttpReq *r);
int api_honour_delete(HttpReq *r);
int api_honour_update(HttpReq *r);
int api_honours(HttpReq *r);
int api_place_create(HttpReq *r);
int api_place_delete(HttpReq *r);
int api_place_update(HttpReq *r);
int api_places(HttpReq *r);
int api_pub_honours(HttpReq *r);
int api_pub_places(HttpReq *r);
int api_pub_route(HttpReq *r);
int api_pub_wish_form(HttpReq *r);
int api_pub_wish_submit(HttpReq *r);
int api_pub_wish_track(HttpReq *r);
int api_pub_wishes(HttpReq *r);
int api_user_party(HttpReq *r);
int api_wish_act(HttpReq *r);
int api_wish_feed(HttpReq *r);
int api_wish_get(HttpReq *r);
int api_wish_stats(HttpReq *r);
int api_wishes(HttpReq *r);
/* api_evidence.c: the evidence store (docs/evidence.md) */
int api_evidence_get(HttpReq *r);
int api_evidence_list(HttpReq *r);
int api_evidence_upload(HttpReq *r);
int api_pub_photo(HttpReq *r);
/* api_robust.c: what-if analysis of a unit (docs/robustness.md) */
int api_whatif(HttpReq *r);

/* The review a reader may see for a period, as JSON text (malloc'd) with its state and
** revision: the latest published one; with CAP_REVIEW_DRAFT the latest computed or
** published one. Without CAP_ALL_UNITS the other units are cut down to their ranking
** (no indicator detail). 0 found, 1 none, -1 error. Shared by the API and the bulletin. */
int api_review_for(HttpReq *r, const char *zPeriod, char **pzJson, char *zState,
                   int *piRevision);

#endif

/*
** api_meeting.c: the handlers of the review meeting that counties follow from their own
** browsers (rows /api/meetings/... of router.c; rules in meeting.h, protocol in docs/api.md).
**
** TRANSPORT: short polling. A follower asks GET /api/meetings/{period}?after=SEQ about once a
** second; the answer is 204 without a body while the presenter's sequence number is still
** SEQ, and the new state otherwise. Why not server-sent events or long polling: the server
** runs libmicrohttpd with a fixed pool of a few threads (server.c), and a request handler
** holds its pool thread until it returns; a response that waits for the next slide would
** take a thread per follower, so a dozen counties would stall every other request. Keeping
** such responses open without a thread needs libmicrohttpd's suspend/resume and a wake-up
** path from the presenter's thread to every pool thread, and proxies in front (nginx's
** buffering and 60 s read timeout) would still cut or delay them. A poll costs what any
** small read costs (the session, one indexed row; well under a millisecond), thirty
** counties polling every 0.7 s are about 40 requests a second, and it survives any proxy,
** a laptop's sleep and a server restart without reconnection logic.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "meeting.h"

static void api_meeting_who(HttpReq *r, EntryWho *w, EntryErr *e) {
  w->pUser = &r->user;
  w->zIp = r->zPeer;
  memset(e, 0, sizeof *e);
}

/* 200 with pOut, or the error of e. */
static int api_meeting_result(HttpReq *r, int rc, json_t *pOut, EntryErr *e, int iStatus) {
  if (rc) {
    http_fail_extra(r, e->iCode ? e->iCode : KP_E_INTERNAL, e->zField[0] ? e->zField : NULL,
                    e->pExtra, "%s", e->iCode == KP_E_INTERNAL ? "internal error" : e->zMsg);
    entry_err_free(e);
    return -1;
  }
  http_json(r, iStatus, pOut);
  return 0;
}

int api_meeting_get(HttpReq *r) {
  const char *zAfter = http_query(r, "after");
  long long iAfter = -1;
  if (zAfter) {
    char *zEnd;
    errno = 0;
    iAfter = strtoll(zAfter, &zEnd, 10);
    if (errno || *zEnd || !*zAfter || iAfter < 0)
      return http_fail(r, KP_E_INVALID, "after", "after must be a sequence number (0 or more)");
  }
  EntryWho w;
  EntryErr e;
  api_meeting_who(r, &w, &e);
  json_t *pOut = NULL;
  int64_t iSeq = 0;
  int rc = meeting_get(r->pDb, http_arg(r, "period"), &pOut, &iSeq, &e);
  if (rc == 0 && iAfter >= 0 && iSeq == iAfter) {
    /* nothing new since the follower's state: no body */
    json_decref(pOut);
    buf_reset(&r->body);
    r->iStatus = 204;
    return 0;
  }
  return api_meeting_result(r, rc, pOut, &e, 200);
}

/* The optional {slide, index} of a start or a move. 0, or -1 with the response set. */
static int api_meeting_body(HttpReq *r, int bRequired, const char **pzSlide, int *piIndex) {
  static const char *const azField[] = {"slide", "index", NULL};
  *pzSlide = NULL;
  *piIndex = 0;
  if (!r->nBody && !bRequired) return 0;
  json_t *o = http_json_body(r, azField);
  if (!o) return -1;
  *pzSlide = http_json_str(r, o, "slide", MEETING_SLIDE_MAX, bRequired);
  json_t *v = json_object_get(o, "index");
  if (!r->iStatus && v && !json_is_null(v)) {
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000)
      http_fail(r, KP_E_INVALID, "index", "index must be a whole number from 0 to 100000");
    else
      *piIndex = (int)json_integer_value(v);
  }
  json_decref(o);
  return r->iStatus ? -1 : 0;
}

int api_meeting_start(HttpReq *r) {
  const char *zSlide;
  int iIndex;
  if (api_meeting_body(r, 0, &zSlide, &iIndex)) return -1;
  EntryWho w;
  EntryErr e;
  api_meeting_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = meeting_start(r->pDb, &w, http_arg(r, "period"), zSlide, iIndex, &pOut, &e);
  return api_meeting_result(r, rc, pOut, &e, 201);
}

int api_meeting_slide(HttpReq *r) {
  const char *zSlide;
  int iIndex;
  if (api_meeting_body(r, 1, &zSlide, &iIndex)) return -1;
  EntryWho w;
  EntryErr e;
  api_meeting_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = meeting_move(r->pDb, &w, http_arg(r, "period"), zSlide, iIndex, &pOut, &e);
  return api_meeting_result(r, rc, pOut, &e, 200);
}

int api_meeting_end(HttpReq *r) {
  EntryWho w;
  EntryErr e;
  api_meeting_who(r, &w, &e);
  json_t *pOut = NULL;
  int rc = meeting_end(r->pDb, &w, http_arg(r, "period"), &pOut, &e);
  return api_meeting_result(r, rc, pOut, &e, 200);
}

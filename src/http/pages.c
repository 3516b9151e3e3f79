/*
** pages.c: the server-rendered pages and the static files of the web UI.
**
**  /                      the Vue UI's index.html once web/dist exists; until then a small
**                         page: a sign-in form, or the periods with links to their bulletins
**  /login, /logout        the forms of that page (same rules as the API: lockout, CSRF)
**  /bulletin/{period}.html the review bulletin, rendered by the report module (report_html)
**                         from the same review, with the same scope, as GET /api/reviews
**  /{file...}             files under the web root, never outside it
**
** Every byte of HTML written here goes through html_printf (util/html.h, STYLE.md R8); the
** page's inline style carries the response's CSP nonce. The bulletin's own <style> block
** (written by report/html.c) is allowed by its SHA-256 in the CSP instead of a nonce, so
** the renderer need not know about HTTP.
**
** Path traversal: a static path is refused when any segment is empty, "." or "..", starts
** with a dot (hidden files: .git, .env) or holds a backslash; the remaining path is then
** resolved with realpath() and must still lie under the resolved web root (symbolic links
** pointing outside are refused too), and must be a regular file.
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "audit.h"
#include "http/http.h"
#include "report/model.h"
#include "report/report.h"
#include "store/db.h"
#include "util/html.h"
#include "report/flag_section.h"
#include "report/sup_section.h"

#define PAGE_FILE_MAX (32u << 20) /* largest static file served: 32 MiB */

/* ---- static files ---------------------------------------------------------------------- */

static const char *page_content_type(const char *zPath) {
  static const struct { const char *zExt, *zType; } aType[] = {
    {".css", "text/css; charset=utf-8"},
    {".geojson", "application/geo+json"},
    {".gif", "image/gif"},
    {".htm", "text/html; charset=utf-8"},
    {".html", "text/html; charset=utf-8"},
    {".ico", "image/x-icon"},
    {".jpeg", "image/jpeg"},
    {".jpg", "image/jpeg"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".wasm", "application/wasm"},
    {".webp", "image/webp"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
  };
  const char *zDot = strrchr(zPath, '.');
  const char *zSlash = strrchr(zPath, '/');
  if (zDot && (!zSlash || zDot > zSlash)) {
    for (size_t i = 0; i < sizeof aType / sizeof aType[0]; i++)
      if (strcasecmp(zDot, aType[i].zExt) == 0) return aType[i].zType;
  }
  return "application/octet-stream";
}

/* Is the relative path zRel acceptable at all (before resolving it)? */
static int page_path_ok(const char *zRel) {
  if (!*zRel || strchr(zRel, '\\')) return 0;
  const char *z = zRel;
  for (;;) {
    size_t n = strcspn(z, "/");
    if (n == 0 || z[0] == '.') return 0; /* "", ".", "..", ".git", ".env" */
    z += n;
    if (!*z) return 1;
    z++;
  }
}

/* The resolved web root, or NULL when there is none (into zOut, PATH_MAX bytes). */
static const char *page_web_root(const HttpReq *r, char *zOut) {
  if (!r->pCfg || !r->pCfg->zWebRoot) return NULL;
  if (!realpath(r->pCfg->zWebRoot, zOut)) return NULL;
  struct stat st;
  if (stat(zOut, &st) || !S_ISDIR(st.st_mode)) return NULL;
  return zOut;
}

/* Sends zRel from under zRoot. 0 sent; 1 no such file (nothing set); -1 error response. */
static int page_send_file(HttpReq *r, const char *zRoot, const char *zRel) {
  if (!page_path_ok(zRel)) return 1;
  char *zJoined = xasprintf("%s/%s", zRoot, zRel);
  char zReal[PATH_MAX];
  char *zOk = realpath(zJoined, zReal);
  free(zJoined);
  if (!zOk) return 1;
  size_t nRoot = strlen(zRoot);
  if (strncmp(zReal, zRoot, nRoot) != 0 || zReal[nRoot] != '/') return 1; /* escaped the root */
  struct stat st;
  if (stat(zReal, &st) || !S_ISREG(st.st_mode)) return 1;
  if ((size_t)st.st_size > PAGE_FILE_MAX)
    return http_fail(r, KP_E_TOO_LARGE, NULL, "file too large to serve");
  FILE *f = fopen(zReal, "rb");
  if (!f) return 1;
  buf_reset(&r->body);
  char aChunk[65536];
  size_t n;
  while ((n = fread(aChunk, 1, sizeof aChunk, f)) > 0) buf_append(&r->body, aChunk, n);
  int bErr = ferror(f);
  fclose(f);
  if (bErr) return http_fail(r, KP_E_INTERNAL, NULL, "cannot read the file");
  r->iStatus = 200;
  r->bStatic = 1;
  r->zContentType = page_content_type(zReal);
  return 0;
}

int page_static(HttpReq *r) {
  char zRootBuf[PATH_MAX];
  const char *zRoot = page_web_root(r, zRootBuf);
  const char *zRel = http_arg(r, "file");
  if (!zRoot || !zRel) return http_fail(r, KP_E_NOT_FOUND, NULL, "no such page");
  int rc = page_send_file(r, zRoot, zRel);
  if (rc <= 0) return rc;
  /* a client-side route of the single-page UI (no extension): its index.html */
  const char *zLast = strrchr(zRel, '/');
  zLast = zLast ? zLast + 1 : zRel;
  if (page_path_ok(zRel) && !strchr(zLast, '.') && page_send_file(r, zRoot, "index.html") == 0)
    return 0;
  return http_fail(r, KP_E_NOT_FOUND, NULL, "no such page");
}

/* ---- the server-rendered home page -------------------------------------------------------- */

/* Written with %h: it holds none of & < > " ' (quotes would become entities, which CSS in a
** <style> element does not decode). */
static const char zPageCss[] =
  "body{font-family:Noto Sans CJK SC,Microsoft YaHei,sans-serif;max-width:52rem;"
  "margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
  "h1{color:#b71c1c;font-size:1.6rem}table{border-collapse:collapse;width:100%}"
  "td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}"
  ".err{color:#b71c1c;font-weight:bold}form{margin:1rem 0}"
  "label{display:inline-block;margin-right:1rem}footer{margin-top:3rem;color:#777;"
  "font-size:.85rem}";

static const char *page_state_name(const char *zState) {
  if (!zState) return "";
  if (strcmp(zState, "open") == 0) return "填报中";
  if (strcmp(zState, "closed") == 0) return "已截止";
  if (strcmp(zState, "published") == 0) return "已发布";
  return zState;
}

/* The periods table of a reader, with a bulletin link where a review is visible. */
static void page_periods(HttpReq *r) {
  int bDraft = auth_has(&r->user, CAP_REVIEW_DRAFT);
  Stmt *s = db_prepare(r->pDb,
                       "SELECT p.code, p.state, "
                       "(SELECT max(v.revision) FROM review v WHERE v.period = p.code "
                       "  AND v.state = 'published'), "
                       "(SELECT max(v.revision) FROM review v WHERE v.period = p.code "
                       "  AND v.state IN ('computed','published')) "
                       "FROM period p ORDER BY p.code DESC");
  int n = 0;
  html_printf(&r->body, "<h2>考核期</h2>\n<table>\n<tr><th>考核期</th><th>状态</th><th>点评通报"
                        "</th></tr>\n");
  while (stmt_step(s) == 1) {
    const char *zCode = stmt_text(s, 0);
    int bPublished = !stmt_is_null(s, 2);
    int bComputed = !stmt_is_null(s, 3);
    html_printf(&r->body, "<tr><td>%h</td><td>%h</td><td>", zCode,
                page_state_name(stmt_text(s, 1)));
    if (bPublished || (bDraft && bComputed))
      html_printf(&r->body, "<a href=\"/bulletin/%t.html\">%h</a>", zCode,
                  bPublished ? "查看通报" : "查看草稿");
    else
      html_printf(&r->body, "—");
    html_printf(&r->body, "</td></tr>\n");
    n++;
  }
  stmt_finalize(s);
  html_printf(&r->body, "</table>\n");
  if (n == 0) html_printf(&r->body, "<p>尚无考核期。</p>\n");
}

/* Renders the home page with an optional error line and status. */
static int page_render_index(HttpReq *r, const char *zError, int iStatus) {
  Buf *b = &r->body;
  buf_reset(b);
  html_printf(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<title>考评 · 高质量发展点评</title>\n<style nonce=\"%h\">%h</style>\n"
                 "</head>\n<body>\n<h1>考评 · 高质量发展点评</h1>\n",
              r->zNonce, zPageCss);
  if (zError) html_printf(b, "<p class=\"err\">%h</p>\n", zError);
  if (!r->bUser) {
    html_printf(b, "<form method=\"post\" action=\"/login\">\n"
                   "<label>用户名 <input name=\"username\" autocomplete=\"username\" required "
                   "maxlength=\"32\"></label>\n"
                   "<label>密码 <input type=\"password\" name=\"password\" "
                   "autocomplete=\"current-password\" required></label>\n"
                   "<button type=\"submit\">登录</button>\n</form>\n");
  } else {
    html_printf(b, "<p>已登录：%h（%h）</p>\n", r->user.zDisplay, r->user.zName);
    if (r->zToken)
      html_printf(b, "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" "
                     "name=\"csrf\" value=\"%h\"><button type=\"submit\">退出登录</button>"
                     "</form>\n",
                  r->zCsrf);
    if (r->user.bMustChange) {
      html_printf(b, "<p class=\"err\">%h</p>\n",
                  r->user.bExpired ? "密码已过期，请先修改密码（POST /api/password）。"
                  : r->user.bPasswordChange ? "请先修改初始密码（POST /api/password）。"
                                            : "请先在网页界面登记动态口令（TOTP）第二认证因素。");
    } else if (auth_has(&r->user, CAP_PERIOD_READ)) {
      page_periods(r);
    } else {
      html_printf(b, "<p>此页面没有适合您角色的内容。</p>\n");
    }
  }
  html_printf(b, "<footer>考评 kaoping</footer>\n"
                 "</body>\n</html>\n");
  r->iStatus = iStatus;
  r->zContentType = "text/html; charset=utf-8";
  return 0;
}

int page_index(HttpReq *r) {
  char zRootBuf[PATH_MAX];
  const char *zRoot = page_web_root(r, zRootBuf);
  if (zRoot && page_send_file(r, zRoot, "index.html") == 0) return 0;
  return page_render_index(r, NULL, 200);
}

int page_login(HttpReq *r) {
  const char *zUser = http_form(r, "username");
  const char *zPw = http_form(r, "password");
  if (r->zBody && r->nBody) sodium_memzero((char *)r->zBody, r->nBody);
  if (!zUser || !zPw || !*zUser) {
    if (zPw) sodium_memzero((char *)zPw, strlen(zPw));
    return page_render_index(r, "请输入用户名和密码。", 400);
  }
  AuthLogin lg;
  int rc = auth_login(r->pDb, zUser, zPw, r->zPeer, http_header(r, "User-Agent"), &lg);
  sodium_memzero((char *)zPw, strlen(zPw));
  switch (rc) {
    case AUTH_OK:
      http_set_session_cookie(r, lg.zToken);
      sodium_memzero(&lg, sizeof lg);
      http_add_header(r, "Location", "/");
      html_printf(&r->body, "<!DOCTYPE html>\n<p><a href=\"/\">继续</a></p>\n");
      r->iStatus = 303;
      r->zContentType = "text/html; charset=utf-8";
      return 0;
    case AUTH_BAD_CREDENTIALS:
      return page_render_index(r, "用户名或密码错误。", 401);
    case AUTH_LOCKED:
    case AUTH_THROTTLED: {
      char zRetry[24];
      snprintf(zRetry, sizeof zRetry, "%d", lg.nRetryAfter > 0 ? lg.nRetryAfter : 1);
      http_add_header(r, "Retry-After", zRetry);
      return page_render_index(r, "登录失败次数过多，账户已暂时锁定，请稍后再试。", 429);
    }
    case AUTH_DISABLED:
      return page_render_index(r, "账户已被管理员锁定，请联系安全管理员。", 403);
    default:
      return page_render_index(r, "暂时无法登录，请稍后再试。", 503);
  }
}

int page_logout(HttpReq *r) {
  if (r->zToken) {
    auth_session_end(r->pDb, r->zToken);
    (void)audit_record(r->pDb, r->user.zName, r->zPeer, "logout", NULL, "ok", NULL);
  }
  http_set_session_cookie(r, NULL);
  http_add_header(r, "Clear-Site-Data", "\"cache\", \"cookies\", \"storage\"");
  http_add_header(r, "Location", "/");
  html_printf(&r->body, "<!DOCTYPE html>\n<p><a href=\"/\">继续</a></p>\n");
  r->iStatus = 303;
  r->zContentType = "text/html; charset=utf-8";
  return 0;
}

/* ---- the bulletin ----------------------------------------------------------------------- */

/* Allows each <style> block of the page by its hash: "'sha256-...' ..." in the arena. */
static const char *page_style_hashes(HttpReq *r) {
  Buf b = BUF_INIT;
  const char *z = buf_str(&r->body);
  while ((z = strstr(z, "<style>")) != NULL) {
    z += 7;
    const char *zEnd = strstr(z, "</style>");
    if (!zEnd) break;
    unsigned char aHash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(aHash, (const unsigned char *)z, (size_t)(zEnd - z));
    char zB64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(zB64, sizeof zB64, aHash, sizeof aHash, sodium_base64_VARIANT_ORIGINAL);
    buf_printf(&b, "%s'sha256-%s'", b.n ? " " : "", zB64);
    z = zEnd;
  }
  const char *zOut = b.n ? arena_strdup(r->pArena, buf_str(&b)) : NULL;
  buf_free(&b);
  return zOut;
}

int page_bulletin(HttpReq *r) {
  const char *zPeriod = http_arg(r, "period");
  const char *zLang = http_query(r, "lang");
  if (zLang && strcmp(zLang, "zh") != 0 && strcmp(zLang, "en") != 0)
    return http_fail(r, KP_E_INVALID, "lang", "lang must be zh or en");
  char *zJson = NULL;
  char zState[16];
  int iRev = 0;
  int rc = api_review_for(r, zPeriod, &zJson, zState, &iRev);
  if (rc < 0) return http_fail(r, KP_E_INTERNAL, NULL, "the stored review cannot be read");
  if (rc > 0) return http_fail(r, KP_E_NO_SUCH, "period", "no bulletin for period %s", zPeriod);
  int bDraft = strcmp(zState, "published") != 0;
  if (bDraft) {
    char *zObj = xasprintf("review:%s", zPeriod);
    json_t *d = json_pack("{s:s, s:i, s:s}", "state", zState, "revision", iRev, "as", "bulletin");
    int rcA = audit_record(r->pDb, r->user.zName, r->zPeer, "review.read", zObj, "ok", d);
    json_decref(d);
    free(zObj);
    if (rcA) {
      free(zJson);
      return http_fail(r, KP_E_UNAVAILABLE, NULL, "the audit log cannot be written: try again");
    }
  }
  ReportModel *m = NULL;
  char *zErr = NULL;
  rc = report_model_parse(zJson, bDraft, &m, &zErr);
  free(zJson);
  if (rc) {
    fprintf(stderr, "kaoping serve: bulletin %s rid=%s: %s\n", zPeriod, r->zRid, zErr);
    free(zErr);
    return http_fail(r, KP_E_INTERNAL, NULL, "the stored review cannot be rendered");
  }
  m->eLang = zLang && strcmp(zLang, "en") == 0 ? RP_EN : RP_ZH;
  if (rp_supervision_load(r->pDb, m, &zErr)) { /* no section rather than no bulletin */
    fprintf(stderr, "kaoping serve: bulletin %s rid=%s: %s\n", zPeriod, r->zRid, zErr);
    free(zErr);
    zErr = NULL;
  }
  if (rp_flags_load(r->pDb, m, &zErr)) { /* likewise */
    fprintf(stderr, "kaoping serve: bulletin %s rid=%s: %s\n", zPeriod, r->zRid, zErr);
    free(zErr);
  }
  buf_reset(&r->body);
  report_html(m, &r->body);
  report_model_free(m);
  r->zCspExtra = page_style_hashes(r);
  r->iStatus = 200;
  r->zContentType = "text/html; charset=utf-8";
  return 0;
}

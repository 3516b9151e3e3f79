/*
** errcode.h: the numeric error codes of the JSON API (STYLE.md R12), in one table.
**
** Every error the server sends is {"code": N, "message": "...", "field": "..." | null}.
** Codes come in families: 1xxx generic (protocol, server), 2xxx authentication and
** authorisation, 3xxx usage (the request is malformed or breaks a rule), 4xxx data (the
** thing asked for does not exist or is in the wrong state). Domain modules (auth.c ...)
** return these codes; only http/router.c maps them to HTTP statuses (kp_err_status), so a
** code means the same status everywhere. Never renumber a code: clients match on them.
*/
#ifndef KP_HTTP_ERRCODE_H
#define KP_HTTP_ERRCODE_H

enum {
  /* 1xxx generic */
  KP_E_INTERNAL = 1000,        /* 500: a bug or an unexpected system failure */
  KP_E_UNAVAILABLE = 1001,     /* 503: database busy or audit could not be written */
  KP_E_NOT_FOUND = 1004,       /* 404: no such route or file */
  KP_E_METHOD = 1005,          /* 405: route exists, method does not */
  KP_E_TOO_LARGE = 1013,       /* 413: body above the route's limit */
  KP_E_MEDIA_TYPE = 1015,      /* 415: body is not the declared content type */
  /* 2xxx authentication, authorisation */
  KP_E_LOGIN_REQUIRED = 2001,  /* 401: no session */
  KP_E_BAD_CREDENTIALS = 2002, /* 401: unknown user or wrong password (indistinguishable) */
  KP_E_LOCKED = 2003,          /* 429: too many failed logins; Retry-After says when */
  KP_E_FORBIDDEN = 2004,       /* 403: the route needs a capability the account lacks */
  KP_E_CSRF = 2005,            /* 403: missing or wrong CSRF token */
  KP_E_MUST_CHANGE = 2006,     /* 403: initial or expired password: change it first */
  KP_E_SESSION_EXPIRED = 2008, /* 401: idle or absolute session limit passed */
  KP_E_CROSS_ORIGIN = 2009,    /* 403: state change from another origin */
  KP_E_DISABLED = 2010,        /* 403: account locked by an administrator */
  KP_E_THROTTLED = 2011,       /* 429: too many failed logins from this address */
  KP_E_SCOPE = 2012,           /* 403: outside the account's scope (own unit, own roles) */
  /* 3xxx usage */
  KP_E_BAD_JSON = 3001,        /* 400: body is not a JSON object */
  KP_E_MISSING = 3002,         /* 400: a required field is absent */
  KP_E_INVALID = 3003,         /* 400: a field or path parameter has a bad value */
  KP_E_UNKNOWN_FIELD = 3004,   /* 400: a field the route does not declare */
  KP_E_PASSWORD_POLICY = 3005, /* 400: password breaks the policy (message names the rule) */
  KP_E_UNKNOWN_PARAM = 3006,   /* 400: a query parameter the route does not declare */
  KP_E_ROLES = 3007,           /* 400: role set breaks separation of duties */
  /* 4xxx data */
  KP_E_NO_SUCH = 4001,         /* 404: the named object does not exist */
  KP_E_EXISTS = 4002,          /* 409: an object with that name exists */
  KP_E_STATE = 4003,           /* 409: the object is in a state that refuses this */
  KP_E_BAD_ROWS = 4004         /* 422: an uploaded file has bad rows (report lists them) */
};

#endif

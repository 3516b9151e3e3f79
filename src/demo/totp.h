/*
** demo/totp.h: the second factor of the demo accounts. `kaoping demo` makes one account per
** role; the administrative roles and the assessor must sign in with a one-time code
** (AUTH_TOTP_ROLES, totp_enforce on by default), so their demo accounts get a random TOTP
** secret, enrolled and confirmed at creation, and demo-logins.txt tells a person trying the
** demo how to produce the codes (the base32 secret, the otpauth:// URI for an authenticator
** app, and the oathtool command that prints the current code).
*/
#ifndef KP_DEMO_TOTP_H
#define KP_DEMO_TOTP_H
#include "util/mem.h"

typedef struct Db Db;

/* When eRole needs a second factor: enrols zName (confirmed, audited as totp.enrol by
** local:demo) and appends to pLogins the indented lines "TOTP secret", "TOTP URI" and "code
** now" under the account's line. Other roles: nothing. 0, or -1 with a message on stderr. */
int demo_totp_enrol(Db *pDb, const char *zName, int eRole, Buf *pLogins);

#endif

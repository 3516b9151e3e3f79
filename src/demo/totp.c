/*
** demo/totp.c: enrols the demo accounts of the roles that need a second factor and writes
** how to produce their codes into the demo logins (demo/totp.h). The secret goes through
** auth_totp_enrol like `kaoping user totp enrol`, so it is stored encrypted under the
** database's TOTP key file like any other; the only plain copies are the 0600 logins file
** and the demo's own output.
*/
#include "demo/totp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "auth.h"

int demo_totp_enrol(Db *pDb, const char *zName, int eRole, Buf *pLogins) {
  if (eRole < 0 || eRole >= ROLE_COUNT || !(ROLE_BIT(eRole) & AUTH_TOTP_ROLES)) return 0;
  char *zB32 = NULL, *zUri = NULL, *zErr = NULL;
  int code = 0;
  if (auth_totp_enrol(pDb, zName, 1, "local:demo", NULL, &zB32, &zUri, &code, &zErr)) {
    fprintf(stderr, "kaoping demo: second factor of %s: %s\n", zName, zErr ? zErr : "?");
    free(zErr);
    return -1;
  }
  buf_printf(pLogins,
             "             TOTP secret  %s  (the second sign-in step asks for a 6-digit code)\n"
             "             TOTP URI     %s\n"
             "             code now     oathtool --totp -b %s\n",
             zB32, zUri, zB32);
  sodium_memzero(zB32, strlen(zB32));
  sodium_memzero(zUri, strlen(zUri));
  free(zB32);
  free(zUri);
  return 0;
}

/*
** keyfile.h: the one convention for secret keys that must NOT live inside the database (the
** audit checkpoint signing key of audit.c, the key that encrypts TOTP secrets in auth.c).
**
** A key file is one line of lower-case hex, mode 0600, created exclusively (O_EXCL: an
** existing file is never replaced, so a race or a mistake cannot swap a key). Its place is
** an explicit option, else an environment variable, else DB + suffix beside the database
** ("kp.db.audit-key", "kp.db.totp-key"), so a copy of the database file alone carries no
** key. Backing the key up separately from the database is the operator's duty
** (docs/security.md).
*/
#ifndef KP_UTIL_KEYFILE_H
#define KP_UTIL_KEYFILE_H
#include <stddef.h>

/* The path of a key file (malloc'd): zOpt when given, else $zEnv when set and non-empty,
** else zDb followed by zSuffix (".audit-key"). */
char *keyfile_path(const char *zOpt, const char *zEnv, const char *zDb, const char *zSuffix);

/* Reads the first line of zPath as hex of exactly n bytes into a. Returns 0, -1 when the
** file does not exist (errno ENOENT), -2 when it exists but cannot be read or does not hold
** n bytes of hex. The line buffer is wiped. */
int keyfile_read_hex(const char *zPath, unsigned char *a, size_t n);

/* Creates zPath with the given mode (O_EXCL: never replaces a file) and writes the hex of
** a (n <= 128 bytes) and a newline. 0 or -1 (errno set). */
int keyfile_write_hex(const char *zPath, const unsigned char *a, size_t n, int mode);

#endif

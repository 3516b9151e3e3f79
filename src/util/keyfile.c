/*
** keyfile.c: reading and creating the key files of keyfile.h (hex, 0600, O_EXCL, beside
** the database unless placed elsewhere). Used by audit.c (checkpoint signing key) and
** auth.c (the key that encrypts TOTP secrets at rest).
*/
#include "util/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "util/mem.h"

char *keyfile_path(const char *zOpt, const char *zEnv, const char *zDb, const char *zSuffix) {
  if (zOpt) return xstrdup(zOpt);
  const char *z = zEnv ? getenv(zEnv) : NULL;
  if (z && *z) return xstrdup(z);
  return xasprintf("%s%s", zDb, zSuffix);
}

int keyfile_read_hex(const char *zPath, unsigned char *a, size_t n) {
  FILE *f = fopen(zPath, "r");
  if (!f) return errno == ENOENT ? -1 : -2;
  char z[300];
  int r = -2;
  if (n <= 128 && fgets(z, sizeof z, f)) {
    z[strcspn(z, "\r\n")] = 0;
    size_t nBin = 0;
    if (sodium_hex2bin(a, n, z, strlen(z), NULL, &nBin, NULL) == 0 && nBin == n) r = 0;
  }
  sodium_memzero(z, sizeof z);
  fclose(f);
  return r;
}

int keyfile_write_hex(const char *zPath, const unsigned char *a, size_t n, int mode) {
  if (n > 128) {
    errno = EINVAL;
    return -1;
  }
  int fd = open(zPath, O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) return -1;
  char z[300];
  sodium_bin2hex(z, sizeof z, a, n);
  size_t nz = strlen(z);
  z[nz++] = '\n';
  int r = write(fd, z, nz) == (ssize_t)nz ? 0 : -1;
  sodium_memzero(z, sizeof z);
  if (fsync(fd)) r = -1;
  if (close(fd)) r = -1;
  if (r) unlink(zPath); /* no half-written key is left to be read later */
  return r;
}

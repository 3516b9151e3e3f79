/*
** seal.c: encryption of short secrets at rest (seal.h): crypto_secretbox_easy with a
** random nonce, under a per-record key derived with crypto_kdf from the master key.
** Every key and plaintext buffer is wiped before it is freed or goes out of scope.
*/
#include "seal.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "util/mem.h"

#define SEAL_CONTEXT "kptotp01" /* crypto_kdf context: exactly 8 bytes */

int seal_is_sealed(const char *z) {
  return z && strncmp(z, SEAL_PREFIX, strlen(SEAL_PREFIX)) == 0;
}

static void seal_subkey(uint8_t aSub[crypto_secretbox_KEYBYTES],
                        const uint8_t aMaster[SEAL_KEY_BYTES], int64_t id) {
  /* crypto_kdf_derive_from_key cannot fail for these fixed, valid lengths */
  (void)crypto_kdf_derive_from_key(aSub, crypto_secretbox_KEYBYTES, (uint64_t)id, SEAL_CONTEXT,
                                   aMaster);
}

char *seal_text(const uint8_t aMaster[SEAL_KEY_BYTES], int64_t id, const char *zPlain) {
  _Static_assert(SEAL_KEY_BYTES == crypto_secretbox_KEYBYTES, "secretbox key size");
  _Static_assert(SEAL_KEY_BYTES == crypto_kdf_KEYBYTES, "kdf key size");
  if (sodium_init() < 0) abort(); /* idempotent; randombytes needs it */
  size_t nPlain = strlen(zPlain);
  size_t nBox = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + nPlain;
  uint8_t *aBox = xmalloc(nBox);
  uint8_t aSub[crypto_secretbox_KEYBYTES];
  seal_subkey(aSub, aMaster, id);
  randombytes_buf(aBox, crypto_secretbox_NONCEBYTES);
  (void)crypto_secretbox_easy(aBox + crypto_secretbox_NONCEBYTES, (const uint8_t *)zPlain,
                              nPlain, aBox, aSub);
  sodium_memzero(aSub, sizeof aSub);
  size_t nB64 = sodium_base64_ENCODED_LEN(nBox, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  size_t nPre = strlen(SEAL_PREFIX);
  char *z = xmalloc(nPre + nB64);
  memcpy(z, SEAL_PREFIX, nPre);
  sodium_bin2base64(z + nPre, nB64, aBox, nBox, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  free(aBox);
  return z;
}

char *seal_open(const uint8_t aMaster[SEAL_KEY_BYTES], int64_t id, const char *zSealed) {
  if (!seal_is_sealed(zSealed)) return NULL;
  const char *zB64 = zSealed + strlen(SEAL_PREFIX);
  size_t nB64 = strlen(zB64);
  size_t nMax = nB64 / 4 * 3 + 3;
  uint8_t *aBox = xmalloc(nMax);
  size_t nBox = 0;
  char *zOut = NULL;
  if (sodium_base642bin(aBox, nMax, zB64, nB64, NULL, &nBox, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
      nBox >= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    size_t nPlain = nBox - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    uint8_t aSub[crypto_secretbox_KEYBYTES];
    seal_subkey(aSub, aMaster, id);
    zOut = xmalloc(nPlain + 1);
    if (crypto_secretbox_open_easy((uint8_t *)zOut, aBox + crypto_secretbox_NONCEBYTES,
                                   nBox - crypto_secretbox_NONCEBYTES, aBox, aSub) == 0 &&
        memchr(zOut, 0, nPlain) == NULL) {
      zOut[nPlain] = 0;
    } else {
      sodium_memzero(zOut, nPlain + 1);
      free(zOut);
      zOut = NULL;
    }
    sodium_memzero(aSub, sizeof aSub);
  }
  free(aBox);
  return zOut;
}

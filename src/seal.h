/*
** seal.h: secrets at rest. A short secret (a TOTP secret in base32) is stored encrypted
** with libsodium's crypto_secretbox_easy (XSalsa20-Poly1305) under a per-record key derived
** from a master key that lives OUTSIDE the database (auth.c keeps it in the key file
** DB.totp-key, util/keyfile.h), so a copy of the database alone reveals nothing.
**
**   stored text = "sb1:" base64url( nonce[24] || MAC[16] || ciphertext )
**   record key  = crypto_kdf_derive_from_key(32, id, "kptotp01", master)
**
** A fresh random nonce per seal. Deriving the key from the record's id binds the sealed
** text to its row: copied onto another account it does not open (so someone who can write
** the database cannot move a known factor onto an administrator's account).
**
** Pure functions: no I/O, no database; tested in tests/unit/test_totp.c.
*/
#ifndef KP_SEAL_H
#define KP_SEAL_H
#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_BYTES 32   /* crypto_secretbox_KEYBYTES == crypto_kdf_KEYBYTES */
#define SEAL_PREFIX "sb1:"

/* 1 when z is sealed text (starts with SEAL_PREFIX), else 0 (NULL: 0). Plain base32 never
** contains ':'. */
int seal_is_sealed(const char *z);

/* Seals zPlain for record id under the master key (malloc'd text, never NULL). */
char *seal_text(const uint8_t aMaster[SEAL_KEY_BYTES], int64_t id, const char *zPlain);

/* Opens sealed text of record id. Returns the plain text (malloc'd; wipe and free it), or
** NULL when zSealed is malformed, was sealed under another key, for another record, or was
** altered (the MAC does not verify). */
char *seal_open(const uint8_t aMaster[SEAL_KEY_BYTES], int64_t id, const char *zSealed);

#endif

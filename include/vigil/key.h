/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_KEY_H
#define VIGIL_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Key material is held in OpenSSL objects and wiped when freed. */
struct vigil_privkey;
struct vigil_pubkey;
struct vigil_keyset;

enum vigil_key_type {
	VIGIL_KEY_RSA,
	VIGIL_KEY_ECDSA,
	VIGIL_KEY_SM2,
	VIGIL_KEY_OTHER,
};

/*
 * Loads a private key from PEM (PKCS#1, SEC1 or PKCS#8, optionally
 * encrypted with `password`; NULL means unencrypted) or DER.  The keyid is
 * the Subject Key Identifier of a certificate found in the same file (as
 * evmctl does), else the last 4 bytes of SHA-1 over subjectPublicKey.
 */
VIGIL_API int vigil_privkey_load(const char *path, const char *password,
				 struct vigil_privkey **out, struct vigil_error *err);
VIGIL_API void vigil_privkey_free(struct vigil_privkey *key);
VIGIL_API uint32_t vigil_privkey_keyid(const struct vigil_privkey *key);
/* --keyid / --keyid-from-cert override. */
VIGIL_API void vigil_privkey_set_keyid(struct vigil_privkey *key, uint32_t keyid);
VIGIL_API enum vigil_key_type vigil_privkey_type(const struct vigil_privkey *key);
/* The public half, e.g. to verify right after signing. */
VIGIL_API int vigil_privkey_public(const struct vigil_privkey *key, struct vigil_pubkey **out,
				   struct vigil_error *err);

/*
 * Loads an X.509 certificate (PEM or DER) or a bare public key (PEM or DER
 * SubjectPublicKeyInfo, or PEM PKCS#1 RSA).  Keyid: the certificate's SKID
 * (last 4 bytes), else SHA-1 over subjectPublicKey.
 */
VIGIL_API int vigil_pubkey_load(const char *path, struct vigil_pubkey **out,
				struct vigil_error *err);
VIGIL_API int vigil_pubkey_load_mem(const void *buf, size_t len, const char *source,
				    struct vigil_pubkey **out, struct vigil_error *err);
VIGIL_API void vigil_pubkey_free(struct vigil_pubkey *key);
VIGIL_API uint32_t vigil_pubkey_keyid(const struct vigil_pubkey *key);
VIGIL_API enum vigil_key_type vigil_pubkey_type(const struct vigil_pubkey *key);
/* Where the key came from (file path), for messages. */
VIGIL_API const char *vigil_pubkey_source(const struct vigil_pubkey *key);
/* DER of the certificate if loaded from one, else of SubjectPublicKeyInfo. */
VIGIL_API int vigil_pubkey_der(const struct vigil_pubkey *key, const uint8_t **der, size_t *len);
VIGIL_API bool vigil_pubkey_is_cert(const struct vigil_pubkey *key);

/* Last 4 bytes of a certificate's SKID (evmctl --keyid-from-cert). */
VIGIL_API int vigil_keyid_from_cert(const char *path, uint32_t *keyid, struct vigil_error *err);

/* A set of public keys looked up by keyid; owns its keys. */
VIGIL_API struct vigil_keyset *vigil_keyset_new(void);
VIGIL_API void vigil_keyset_free(struct vigil_keyset *set);
/* Takes ownership of key, also on failure. */
VIGIL_API int vigil_keyset_add(struct vigil_keyset *set, struct vigil_pubkey *key,
			       struct vigil_error *err);
/* A file, a directory (every regular file in it), or a comma-separated list of both. */
VIGIL_API int vigil_keyset_load(struct vigil_keyset *set, const char *paths,
				struct vigil_error *err);
VIGIL_API const struct vigil_pubkey *vigil_keyset_find(const struct vigil_keyset *set,
						       uint32_t keyid);
VIGIL_API size_t vigil_keyset_count(const struct vigil_keyset *set);
VIGIL_API const struct vigil_pubkey *vigil_keyset_at(const struct vigil_keyset *set, size_t i);

/*
 * Adds a public key (certificate DER, as the kernel's asymmetric key type
 * wants) to a kernel keyring: a numeric id, a special name (@u @s @us @t
 * @p @g) or "%keyring:NAME" searched from the session keyring.
 * Returns the new key's serial in *serial.
 */
VIGIL_API int vigil_keyring_import(const struct vigil_pubkey *key, const char *keyring,
				   int32_t *serial, struct vigil_error *err);
/* Reads a "user" or "logon"-readable key's payload by description (e.g. an EVM HMAC key). */
VIGIL_API int vigil_keyring_read(const char *description, uint8_t *out, size_t cap,
				 size_t *len, struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif

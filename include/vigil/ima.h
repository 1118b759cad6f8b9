/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_IMA_H
#define VIGIL_IMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/hash.h>
#include <vigil/key.h>
#include <vigil/xattr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* security.ima value for a file: its hash (0x01/0x04). */
VIGIL_API int vigil_ima_hash_value(int fd, int algo, uint8_t *out, size_t cap, size_t *len,
				   struct vigil_error *err);
/* security.ima value for a file: a v2 signature (0x03) over its hash. */
VIGIL_API int vigil_ima_sign_value(int fd, const struct vigil_privkey *key, int algo,
				   uint8_t *out, size_t cap, size_t *len, struct vigil_error *err);

enum vigil_ima_flags {
	VIGIL_IMA_REQUIRE_SIG = 1u << 0, /* appraise_type=imasig: a hash is not enough */
};

/* The outcome of appraising one file against its security.ima value. */
struct vigil_ima_verdict {
	int code;                    /* VIGIL_OK or the failure status */
	const char *cause;           /* the kernel's words; NULL when the file passes:
				      * missing-hash, invalid-hash, IMA-signature-required,
				      * invalid-signature, invalid-signature-version,
				      * no-verity-digest, invalid-verity-signature,
				      * unknown-ima-data */
	struct vigil_xattr xattr;    /* decoded value (sig points into the caller's buffer) */
	struct vigil_digest digest;  /* the file's digest with the xattr's algorithm */
	uint32_t keyid;              /* signatures: the signature's keyid */
};

/*
 * Appraises an open file against value (NULL/0 means the xattr is absent):
 * decodes it, hashes the file with its algorithm, and compares the digest
 * or verifies the signature with keys.  Returns verdict->code.
 */
VIGIL_API int vigil_ima_appraise(int fd, const uint8_t *value, size_t len,
				 const struct vigil_keyset *keys, unsigned flags,
				 struct vigil_ima_verdict *verdict, struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_SIG_H
#define VIGIL_SIG_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/hash.h>
#include <vigil/key.h>
#include <vigil/xattr.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Signature v2: signs digest->bytes (computed with digest->algo) with
 * PKCS#1 v1.5 for RSA, DER (r,s) for ECDSA, SM2 for SM2 keys, and encodes
 * the whole xattr value `type 02 algo keyid sig_size sig` into out.
 * type is 0x03 (security.ima or security.evm) or 0x05 (portable EVM).
 */
VIGIL_API int vigil_sign_v2(const struct vigil_privkey *key, uint8_t type,
			    const struct vigil_digest *digest, uint8_t *out, size_t cap,
			    size_t *out_len, struct vigil_error *err);

/*
 * Signature v3 (type 0x06): the signed message is
 * H_algo(struct ima_file_id { 0x06, algo, verity_digest }) with the unused
 * tail of the digest array left out, as the kernel and evmctl do.
 */
VIGIL_API int vigil_verity_file_id_digest(const struct vigil_digest *verity_digest,
					  struct vigil_digest *out, struct vigil_error *err);
VIGIL_API int vigil_sign_v3(const struct vigil_privkey *key,
			    const struct vigil_digest *verity_digest, uint8_t *out, size_t cap,
			    size_t *out_len, struct vigil_error *err);

/*
 * Verifies a decoded v2 or v3 signature over digest (for v3: the fs-verity
 * digest; the file-id hash is computed here).  The key is looked up by the
 * signature's keyid: VIGIL_ERR_UNKNOWN_KEY if absent, VIGIL_ERR_BAD_SIGNATURE
 * if it does not verify, VIGIL_ERR_INVALID if digest->algo differs from the
 * signature's.  v1 signatures: VIGIL_ERR_UNSUPPORTED.
 * On success *used (if non-NULL) is the key that verified.
 */
VIGIL_API int vigil_verify_sig(const struct vigil_keyset *keys, const struct vigil_xattr *sig,
			       const struct vigil_digest *digest,
			       const struct vigil_pubkey **used, struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_XATTR_H
#define VIGIL_XATTR_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/hash.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's enum evm_ima_xattr_type. */
enum vigil_xattr_type {
	VIGIL_IMA_XATTR_DIGEST = 0x01,
	VIGIL_EVM_XATTR_HMAC = 0x02,
	VIGIL_EVM_IMA_XATTR_DIGSIG = 0x03,
	VIGIL_IMA_XATTR_DIGEST_NG = 0x04,
	VIGIL_EVM_XATTR_PORTABLE_DIGSIG = 0x05,
	VIGIL_IMA_VERITY_DIGSIG = 0x06,
};

/* Which attribute the bytes were read from: decides which types are legal. */
enum vigil_xattr_kind {
	VIGIL_XATTR_IMA, /* security.ima: 0x01 0x03 0x04 0x06 */
	VIGIL_XATTR_EVM, /* security.evm: 0x02 0x03 0x05 */
};

#define VIGIL_SIG_V2_HDR_LEN 9    /* type version algo keyid[4] sig_size[2] */
#define VIGIL_SIG_V1_HDR_LEN 17   /* type version ts[4] pkey hash keyid[8] nmpi[2] */
#define VIGIL_SIG_MAX 1024        /* raw signature bytes: RSA-8192 */
#define VIGIL_XATTR_MAX (VIGIL_SIG_V2_HDR_LEN + VIGIL_SIG_MAX)
#define VIGIL_EVM_HMAC_LEN 20

/* A decoded security.ima or security.evm value. */
struct vigil_xattr {
	uint8_t type;              /* enum vigil_xattr_type */
	/* 0x01, 0x04 (digest) and 0x02 (HMAC-SHA1): */
	struct vigil_digest digest;
	/* 0x03, 0x05, 0x06 (signatures): */
	uint8_t sig_version;       /* 1 (report only), 2, or 3 */
	int hash_algo;             /* enum vigil_hash_algo of the signed digest */
	uint32_t keyid;            /* v2/v3: host order of the 4 stored bytes */
	uint8_t keyid_v1[8];
	uint32_t timestamp_v1;
	uint8_t pkey_algo_v1;
	const uint8_t *sig;        /* points into the decoded buffer */
	size_t sig_len;
};

/*
 * Strict decoder.  Every malformation has its own message: empty, too short
 * for the type, unknown type for this attribute, unknown version, unknown
 * or unsupported hash algorithm, digest length wrong for the algorithm,
 * sig_size not equal to the remaining length, trailing bytes.
 * Returns VIGIL_ERR_INVALID (malformed) or VIGIL_ERR_UNSUPPORTED.
 */
VIGIL_API int vigil_xattr_decode(const void *buf, size_t len, enum vigil_xattr_kind kind,
				 struct vigil_xattr *out, struct vigil_error *err);

/* 0x01 for md4/md5/sha1 (as evmctl writes), else 0x04 algo digest. */
VIGIL_API int vigil_xattr_encode_digest(const struct vigil_digest *digest, uint8_t *out,
					size_t cap, size_t *out_len, struct vigil_error *err);
/* 0x02 HMAC. */
VIGIL_API int vigil_xattr_encode_hmac(const uint8_t hmac[VIGIL_EVM_HMAC_LEN], uint8_t *out,
				      size_t cap, size_t *out_len, struct vigil_error *err);
/* type version algo keyid sig_size sig, for v2 and v3. */
VIGIL_API int vigil_xattr_encode_sig(uint8_t type, uint8_t version, int hash_algo,
				     uint32_t keyid, const uint8_t *sig, size_t sig_len,
				     uint8_t *out, size_t cap, size_t *out_len,
				     struct vigil_error *err);

/* "digest", "digest-ng", "hmac", "signature", "portable-signature", "verity-signature". */
VIGIL_API const char *vigil_xattr_type_name(uint8_t type);

#ifdef __cplusplus
}
#endif
#endif

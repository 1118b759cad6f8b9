/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_EVM_H
#define VIGIL_EVM_H

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

#define VIGIL_EVM_KEY_MIN 32
#define VIGIL_EVM_KEY_MAX 128

enum vigil_evm_uuid_mode {
	VIGIL_EVM_UUID_FS,     /* the filesystem's UUID (default) */
	VIGIL_EVM_UUID_CUSTOM, /* opts->uuid */
	VIGIL_EVM_UUID_NONE,   /* left out (evmctl -u with no value) */
};

/* One security xattr value supplied by the caller instead of read from the file. */
struct vigil_evm_override {
	const char *name;       /* full name: "security.ima", "security.selinux", ... */
	const uint8_t *value;   /* NULL: treat the xattr as absent */
	size_t len;
};

#define VIGIL_EVM_MAX_OVERRIDES 4

struct vigil_evm_opts {
	bool portable;            /* 0x05: ino and generation zero, no UUID */
	bool smack;               /* include SMACK64EXEC, SMACK64TRANSMUTE, SMACK64MMAP */
	unsigned word_bits;       /* 0: native, or 32/64 (evmctl --m32/--m64) */
	enum vigil_evm_uuid_mode uuid_mode;
	uint8_t uuid[16];
	/* Unset values come from fstat, and the generation from FS_IOC_GETVERSION
	 * (regular files and directories only: set have_generation for others,
	 * evmctl uses 0 there). */
	bool have_ino, have_generation, have_uid, have_gid, have_mode;
	uint64_t ino;
	uint32_t generation, uid, gid;
	uint16_t mode;
	struct vigil_evm_override overrides[VIGIL_EVM_MAX_OVERRIDES];
	size_t n_overrides;
	/* NULL or "security"; "user" as evmctl --xattr-user: security.evm becomes
	 * user.evm and a portable signature's security.ima user.ima, while every
	 * other protected xattr is still read from security.* */
	const char *xattr_ns;
};

/* The EVM data of a file: xattr values, the inode-metadata struct, the UUID. */
struct vigil_evm_data;

VIGIL_API int vigil_evm_data_build(int fd, const struct vigil_evm_opts *opts,
				   struct vigil_evm_data **out, struct vigil_error *err);
VIGIL_API const uint8_t *vigil_evm_data_bytes(const struct vigil_evm_data *data, size_t *len);
/* Names of the xattrs that went in, in order, '|'-separated (as evm-sig's xattrnames). */
VIGIL_API const char *vigil_evm_data_xattr_names(const struct vigil_evm_data *data);
VIGIL_API void vigil_evm_data_free(struct vigil_evm_data *data);

/*
 * HMAC-SHA1 with the key zero-padded to 128 bytes; keylen 32..128.
 * `evmctl hmac -a sha1` equals this over data built with VIGIL_EVM_UUID_NONE
 * (it never hashes a UUID); the kernel hashes the filesystem's.
 */
VIGIL_API int vigil_evm_hmac(const struct vigil_evm_data *data, const uint8_t *key,
			     size_t keylen, uint8_t out[VIGIL_EVM_HMAC_LEN],
			     struct vigil_error *err);
/* 0x03, or 0x05 when the data was built portable; signature v2 over H_algo(data). */
VIGIL_API int vigil_evm_sign(const struct vigil_evm_data *data, const struct vigil_privkey *key,
			     int algo, uint8_t *out, size_t cap, size_t *out_len,
			     struct vigil_error *err);

struct vigil_evm_verdict {
	int code;            /* VIGIL_OK or the failure status */
	const char *cause;   /* NULL on success, else ima_appraise.c's words: missing-HMAC
			      * (no security.evm), invalid-HMAC (every other failure,
			      * signatures included) */
	uint8_t type;        /* the security.evm type found */
	uint32_t keyid;      /* signatures: the signature's keyid */
};

/*
 * Reads security.evm (in opts->xattr_ns) and verifies it: an HMAC with
 * hmac_key (may be NULL when no key is configured: then an HMAC fails with
 * VIGIL_ERR_UNKNOWN_KEY), signatures with keys.  The EVM data is built with
 * opts, forced portable for a 0x05 value.  Returns verdict->code.
 */
VIGIL_API int vigil_evm_verify(int fd, const struct vigil_evm_opts *opts,
			       const struct vigil_keyset *keys, const uint8_t *hmac_key,
			       size_t hmac_keylen, struct vigil_evm_verdict *verdict,
			       struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif

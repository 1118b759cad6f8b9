/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_HASH_H
#define VIGIL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's enum hash_algo (include/uapi/linux/hash_info.h). */
enum vigil_hash_algo {
	VIGIL_HASH_MD4 = 0,
	VIGIL_HASH_MD5 = 1,
	VIGIL_HASH_SHA1 = 2,
	VIGIL_HASH_RMD160 = 3,
	VIGIL_HASH_SHA256 = 4,
	VIGIL_HASH_SHA384 = 5,
	VIGIL_HASH_SHA512 = 6,
	VIGIL_HASH_SHA224 = 7,
	VIGIL_HASH_RMD128 = 8,
	VIGIL_HASH_RMD256 = 9,
	VIGIL_HASH_RMD320 = 10,
	VIGIL_HASH_WP256 = 11,
	VIGIL_HASH_WP384 = 12,
	VIGIL_HASH_WP512 = 13,
	VIGIL_HASH_TGR128 = 14,
	VIGIL_HASH_TGR160 = 15,
	VIGIL_HASH_TGR192 = 16,
	VIGIL_HASH_SM3_256 = 17,
	VIGIL_HASH_STREEBOG_256 = 18,
	VIGIL_HASH_STREEBOG_512 = 19,
	VIGIL_HASH_SHA3_256 = 20,
	VIGIL_HASH_SHA3_384 = 21,
	VIGIL_HASH_SHA3_512 = 22,
	VIGIL_HASH_ALGO_COUNT = 23,
};

#define VIGIL_MAX_DIGEST 64

struct vigil_hash_info {
	int id;               /* enum vigil_hash_algo */
	const char *name;     /* kernel name: "sha256", "sm3", "sha3-256" ... */
	size_t digest_len;
	const char *evp_name; /* OpenSSL name, NULL when OpenSSL has none */
};

struct vigil_digest {
	int algo;
	size_t len;
	uint8_t bytes[VIGIL_MAX_DIGEST];
};

/* NULL for an id outside the kernel table. */
VIGIL_API const struct vigil_hash_info *vigil_hash_by_id(int id);
/* Accepts kernel names and common aliases ("sm3-256", "rmd160"); NULL if unknown. */
VIGIL_API const struct vigil_hash_info *vigil_hash_by_name(const char *name);
/* True when OpenSSL on this system can compute the algorithm. */
VIGIL_API bool vigil_hash_available(int id);

/* Streaming. */
struct vigil_hash_ctx;
VIGIL_API int vigil_hash_new(int algo, struct vigil_hash_ctx **out, struct vigil_error *err);
VIGIL_API int vigil_hash_update(struct vigil_hash_ctx *ctx, const void *data, size_t len,
				struct vigil_error *err);
VIGIL_API int vigil_hash_final(struct vigil_hash_ctx *ctx, struct vigil_digest *out,
			       struct vigil_error *err);
/* Makes the context ready for a new message with the same algorithm. */
VIGIL_API int vigil_hash_reset(struct vigil_hash_ctx *ctx, struct vigil_error *err);
VIGIL_API void vigil_hash_free(struct vigil_hash_ctx *ctx);

/* One shot. */
VIGIL_API int vigil_hash_buf(int algo, const void *data, size_t len, struct vigil_digest *out,
			     struct vigil_error *err);
/*
 * Hashes a whole file from offset 0 by fd (the fd's position is not used),
 * with mmap for large regular files and large reads otherwise.
 */
VIGIL_API int vigil_hash_fd(int algo, int fd, struct vigil_digest *out, struct vigil_error *err);
VIGIL_API int vigil_hash_path(int algo, const char *path, struct vigil_digest *out,
			      struct vigil_error *err);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
VIGIL_API void vigil_hex(const uint8_t *bytes, size_t len, char *out);
/* Parses exactly 2*max_len or fewer hex digits; returns bytes written or -1. */
VIGIL_API long vigil_unhex(const char *hex, uint8_t *out, size_t max_len);

#ifdef __cplusplus
}
#endif
#endif

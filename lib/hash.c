/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Digests of buffers, streams and files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vigil/hash.h>
#include "internal.h"

/*
 * Large reads keep the per-call cost far below the hashing cost.  pread is
 * used rather than mmap: a file truncated under an mmap raises SIGBUS, and
 * vigil must survive files that change or vanish while it reads them.
 */
#define HASH_READ_CHUNK (1u << 20)

struct vigil_hash_ctx {
	EVP_MD_CTX *md_ctx;
	int algo;
};

static int lookup_md(int algo, const EVP_MD **md, struct vigil_error *err)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);

	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d", algo);
	*md = vigil_hash_md(algo);
	if (!*md)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "unsupported hash algorithm %s (id %d): not provided by OpenSSL",
				  info->name, algo);
	return VIGIL_OK;
}

int vigil_hash_new(int algo, struct vigil_hash_ctx **out, struct vigil_error *err)
{
	struct vigil_hash_ctx *ctx;
	const EVP_MD *md;
	int rc;

	*out = NULL;
	if ((rc = lookup_md(algo, &md, err)) != VIGIL_OK)
		return rc;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for a hash context");
	ctx->algo = algo;
	ctx->md_ctx = EVP_MD_CTX_new();
	if (!ctx->md_ctx || !EVP_DigestInit_ex(ctx->md_ctx, md, NULL)) {
		vigil_hash_free(ctx);
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "cannot start %s digest",
				      vigil_hash_by_id(algo)->name);
	}
	*out = ctx;
	return VIGIL_OK;
}

int vigil_hash_update(struct vigil_hash_ctx *ctx, const void *data, size_t len,
		      struct vigil_error *err)
{
	if (!EVP_DigestUpdate(ctx->md_ctx, data, len))
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "digest update failed");
	return VIGIL_OK;
}

int vigil_hash_final(struct vigil_hash_ctx *ctx, struct vigil_digest *out,
		     struct vigil_error *err)
{
	unsigned int len = 0;

	memset(out, 0, sizeof(*out));
	if (!EVP_DigestFinal_ex(ctx->md_ctx, out->bytes, &len))
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "digest final failed");
	out->algo = ctx->algo;
	out->len = len;
	return VIGIL_OK;
}

int vigil_hash_reset(struct vigil_hash_ctx *ctx, struct vigil_error *err)
{
	if (!EVP_DigestInit_ex(ctx->md_ctx, NULL, NULL))
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "digest reset failed");
	return VIGIL_OK;
}

void vigil_hash_free(struct vigil_hash_ctx *ctx)
{
	if (!ctx)
		return;
	EVP_MD_CTX_free(ctx->md_ctx);
	free(ctx);
}

int vigil_hash_buf(int algo, const void *data, size_t len, struct vigil_digest *out,
		   struct vigil_error *err)
{
	unsigned int dlen = 0;
	const EVP_MD *md;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = lookup_md(algo, &md, err)) != VIGIL_OK)
		return rc;
	if (!EVP_Digest(data, len, out->bytes, &dlen, md, NULL))
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "digest failed");
	out->algo = algo;
	out->len = dlen;
	return VIGIL_OK;
}

/* Small files get a small buffer: most of a tree is small, and a 1 MiB
 * allocation per file would be an mmap/munmap pair each time. */
static size_t read_chunk_for(const struct stat *st)
{
	if (S_ISREG(st->st_mode) && st->st_size >= 0 && st->st_size < (off_t)HASH_READ_CHUNK)
		return (size_t)st->st_size + 1; /* +1 sees EOF in the same loop */
	return HASH_READ_CHUNK;
}

static int hash_stream(struct vigil_hash_ctx *ctx, int fd, size_t chunk,
		       struct vigil_error *err)
{
	uint8_t *buf = malloc(chunk);
	off_t off = 0;
	int rc = VIGIL_OK;

	if (!buf)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for the read buffer");
	for (;;) {
		ssize_t n = pread(fd, buf, chunk, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = vigil_fail_errno(err, VIGIL_ERR_IO, "read at offset %lld failed",
					      (long long)off);
			break;
		}
		if (n == 0)
			break;
		if ((rc = vigil_hash_update(ctx, buf, (size_t)n, err)) != VIGIL_OK)
			break;
		off += n;
	}
	free(buf);
	return rc;
}

int vigil_hash_fd(int algo, int fd, struct vigil_digest *out, struct vigil_error *err)
{
	struct vigil_hash_ctx *ctx;
	struct stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (fstat(fd, &st) < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "fstat failed");
	if (S_ISDIR(st.st_mode))
		return vigil_fail(err, VIGIL_ERR_INVALID, "is a directory");
	if ((rc = vigil_hash_new(algo, &ctx, err)) != VIGIL_OK)
		return rc;
	if (S_ISREG(st.st_mode))
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	rc = hash_stream(ctx, fd, read_chunk_for(&st), err);
	if (rc == VIGIL_OK)
		rc = vigil_hash_final(ctx, out, err);
	vigil_hash_free(ctx);
	return rc;
}

int vigil_hash_path(int algo, const char *path, struct vigil_digest *out,
		    struct vigil_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int rc;

	if (fd < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot open", path);
	rc = vigil_hash_fd(algo, fd, out, err);
	close(fd);
	return rc;
}

void vigil_hex(const uint8_t *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}

long vigil_unhex(const char *hex, uint8_t *out, size_t max_len)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 > max_len)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = vigil_hex_digit(hex[2 * i]), lo = vigil_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoder fuzzer.  Input: one byte choosing the attribute (even: security.ima,
 * odd: security.evm), then the value.  Whatever decodes must re-encode to the
 * same bytes, so the decoder can neither accept a value it misreads nor
 * drop bytes it did not check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/xattr.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static int reencode(const struct vigil_xattr *x, uint8_t *out, size_t cap, size_t *len)
{
	struct vigil_error err;

	switch (x->type) {
	case VIGIL_IMA_XATTR_DIGEST:
	case VIGIL_IMA_XATTR_DIGEST_NG:
		return vigil_xattr_encode_digest(&x->digest, out, cap, len, &err);
	case VIGIL_EVM_XATTR_HMAC:
		return vigil_xattr_encode_hmac(x->digest.bytes, out, cap, len, &err);
	default:
		return vigil_xattr_encode_sig(x->type, x->sig_version, x->hash_algo, x->keyid,
					      x->sig, x->sig_len, out, cap, len, &err);
	}
}

static void check_failure(int rc, const struct vigil_error *err)
{
	/* Bytes alone are never "unsupported": that is for hashing time. */
	require(rc == VIGIL_ERR_INVALID || rc == VIGIL_ERR_TOO_BIG);
	require(err->code == rc);
	require(err->msg[0] != '\0');
	require(memchr(err->msg, '\0', sizeof(err->msg)) != NULL);
}

/* v1 has no encoder (vigil never writes it): check the pointers instead. */
static void check_v1(const uint8_t *value, size_t len, const struct vigil_xattr *x)
{
	require(x->sig == value + 17);
	require(x->sig_len == len - 17);
}

static void check_roundtrip(const uint8_t *value, size_t len, const struct vigil_xattr *x)
{
	uint8_t out[VIGIL_XATTR_MAX];
	size_t olen = 0;

	require(x->type == value[0]);
	if (x->sig_version == 1) {
		check_v1(value, len, x);
		return;
	}
	require(reencode(x, out, sizeof(out), &olen) == VIGIL_OK);
	if (x->type == VIGIL_IMA_XATTR_DIGEST_NG && x->digest.algo <= VIGIL_HASH_SHA1) {
		/* Legal, not canonical: the encoder writes these ids as 0x01. */
		require(olen == len - 1 && out[0] == VIGIL_IMA_XATTR_DIGEST);
		require(memcmp(out + 1, value + 2, len - 2) == 0);
		return;
	}
	require(olen == len);
	require(memcmp(out, value, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum vigil_xattr_kind kind;
	struct vigil_error err;
	struct vigil_xattr x;
	uint8_t *value;
	int rc;

	if (size < 1)
		return 0;
	kind = data[0] & 1 ? VIGIL_XATTR_EVM : VIGIL_XATTR_IMA;
	/* An exact-size copy, so ASan sees any read past the value's end. */
	value = malloc(size - 1 ? size - 1 : 1);
	require(value != NULL);
	memcpy(value, data + 1, size - 1);
	rc = vigil_xattr_decode(value, size - 1, kind, &x, &err);
	if (rc != VIGIL_OK)
		check_failure(rc, &err);
	else
		check_roundtrip(value, size - 1, &x);
	free(value);
	return 0;
}

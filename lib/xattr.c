/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * security.ima and security.evm values: a strict decoder and the encoders.
 *
 * The decoder is the first thing that touches bytes read from a file, so it
 * trusts nothing: every length is checked before the bytes it covers are
 * read, and every rejection says which attribute, which field and which
 * numbers were wrong.  Decoded signatures point into the caller's buffer.
 */
#include <string.h>

#include <vigil/xattr.h>
#include "internal.h"

/* type(1) + the v1 header (version ts[4] pkey hash keyid[8] nmpi) = 17 bytes. */
#define SIG_V1_LEN 17
#define MPI_LEN_BYTES 2

static const char *kind_name(enum vigil_xattr_kind kind)
{
	return kind == VIGIL_XATTR_EVM ? "security.evm" : "security.ima";
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

const char *vigil_xattr_type_name(uint8_t type)
{
	switch (type) {
	case VIGIL_IMA_XATTR_DIGEST: return "digest";
	case VIGIL_EVM_XATTR_HMAC: return "hmac";
	case VIGIL_EVM_IMA_XATTR_DIGSIG: return "signature";
	case VIGIL_IMA_XATTR_DIGEST_NG: return "digest-ng";
	case VIGIL_EVM_XATTR_PORTABLE_DIGSIG: return "portable-signature";
	case VIGIL_IMA_VERITY_DIGSIG: return "verity-signature";
	}
	return "unknown";
}

/* Which types each attribute may hold (the kernel's evm_ima_xattr_type split). */
static bool type_allowed(enum vigil_xattr_kind kind, uint8_t type)
{
	if (kind == VIGIL_XATTR_IMA)
		return type == VIGIL_IMA_XATTR_DIGEST || type == VIGIL_EVM_IMA_XATTR_DIGSIG ||
		       type == VIGIL_IMA_XATTR_DIGEST_NG || type == VIGIL_IMA_VERITY_DIGSIG;
	return type == VIGIL_EVM_XATTR_HMAC || type == VIGIL_EVM_IMA_XATTR_DIGSIG ||
	       type == VIGIL_EVM_XATTR_PORTABLE_DIGSIG;
}

/*
 * Unsupported-by-OpenSSL ids are accepted here on purpose: the value is
 * well formed, and only hashing with it can fail (VIGIL_ERR_UNSUPPORTED).
 */
static int check_algo(const char *where, const char *field, unsigned id, size_t offset,
		      struct vigil_error *err)
{
	if (!vigil_hash_by_id((int)id))
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: %s: unknown hash algorithm id %u at offset %zu", where,
				  field, id, offset);
	return VIGIL_OK;
}

static int decode_digest_legacy(const uint8_t *p, size_t len, struct vigil_xattr *out,
				struct vigil_error *err)
{
	size_t n = len - 1;

	/* 0x01 carries no algorithm byte: the length is the only hint. */
	if (n == 20)
		out->digest.algo = VIGIL_HASH_SHA1;
	else if (n == 16)
		out->digest.algo = VIGIL_HASH_MD5;
	else
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "security.ima: type 0x01 digest of %zu byte%s at offset 1, "
				  "expected 20 (sha1) or 16 (md5)", n, plural(n));
	out->digest.len = n;
	memcpy(out->digest.bytes, p + 1, n);
	out->hash_algo = out->digest.algo;
	return VIGIL_OK;
}

static int decode_digest_ng(const uint8_t *p, size_t len, struct vigil_xattr *out,
			    struct vigil_error *err)
{
	const struct vigil_hash_info *info;
	size_t n;
	int rc;

	if (len < 2)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "security.ima: type 0x04 value of 1 byte has no algorithm byte");
	if ((rc = check_algo("security.ima", "type 0x04", p[1], 1, err)) != VIGIL_OK)
		return rc;
	info = vigil_hash_by_id(p[1]);
	n = len - 2;
	if (n != info->digest_len)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "security.ima: type 0x04 %s digest of %zu byte%s at offset 2, "
				  "expected %zu", info->name, n, plural(n), info->digest_len);
	out->digest.algo = info->id;
	out->digest.len = n;
	memcpy(out->digest.bytes, p + 2, n);
	out->hash_algo = info->id;
	return VIGIL_OK;
}

static int decode_hmac(const uint8_t *p, size_t len, struct vigil_xattr *out,
		       struct vigil_error *err)
{
	size_t n = len - 1;

	if (n != VIGIL_EVM_HMAC_LEN)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "security.evm: type 0x02 HMAC of %zu byte%s at offset 1, "
				  "expected %d (HMAC-SHA1)", n, plural(n), VIGIL_EVM_HMAC_LEN);
	out->digest.algo = VIGIL_HASH_SHA1;
	out->digest.len = n;
	memcpy(out->digest.bytes, p + 1, n);
	out->hash_algo = VIGIL_HASH_SHA1;
	return VIGIL_OK;
}

/* v2 and v3 share one header: type version algo keyid[4] sig_size[2]. */
static int decode_sig_v23(const char *where, const uint8_t *p, size_t len,
			  struct vigil_xattr *out, struct vigil_error *err)
{
	unsigned version = p[1];
	size_t sig_size, rest;
	int rc;

	if (len < VIGIL_SIG_V2_HDR_LEN)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: signature v%u header truncated: %zu of %d bytes", where,
				  version, len, VIGIL_SIG_V2_HDR_LEN);
	if ((rc = check_algo(where, version == 3 ? "signature v3" : "signature v2", p[2], 2,
			     err)) != VIGIL_OK)
		return rc;
	sig_size = vigil_get_be16(p + 7);
	rest = len - VIGIL_SIG_V2_HDR_LEN;
	if (sig_size == 0)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: signature v%u sig_size 0 at offset 7: empty signature",
				  where, version);
	if (sig_size != rest)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: signature v%u sig_size %zu but %zu byte%s follow the header",
				  where, version, sig_size, rest, plural(rest));
	out->sig_version = (uint8_t)version;
	out->hash_algo = p[2];
	out->keyid = vigil_get_be32(p + 3);
	out->sig = p + VIGIL_SIG_V2_HDR_LEN;
	out->sig_len = sig_size;
	return VIGIL_OK;
}

/* The v1 MPIs must exactly fill the value: a bit count (BE16) then the bytes. */
static int check_v1_mpis(const uint8_t *p, size_t len, unsigned nmpi, struct vigil_error *err)
{
	size_t off = SIG_V1_LEN;

	if (nmpi == 0)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "security.ima: signature v1 nmpi 0 at offset 16: no MPI");
	for (unsigned i = 1; i <= nmpi; i++) {
		size_t bits, bytes;

		if (len - off < MPI_LEN_BYTES)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "security.ima: signature v1 MPI %u of %u: length "
					  "truncated at offset %zu", i, nmpi, off);
		bits = vigil_get_be16(p + off);
		bytes = (bits + 7) / 8;
		off += MPI_LEN_BYTES;
		if (bytes > len - off)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "security.ima: signature v1 MPI %u of %u: %zu bits "
					  "(%zu bytes) at offset %zu but %zu bytes remain", i, nmpi,
					  bits, bytes, off, len - off);
		off += bytes;
	}
	if (off != len)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "security.ima: signature v1: %zu trailing byte%s at offset %zu "
				  "after %u MPI%s", len - off, plural(len - off), off, nmpi,
				  plural(nmpi));
	return VIGIL_OK;
}

/* Deprecated layout: decoded so it can be reported, never created. */
static int decode_sig_v1(const uint8_t *p, size_t len, struct vigil_xattr *out,
			 struct vigil_error *err)
{
	int rc;

	if (len < SIG_V1_LEN)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "security.ima: signature v1 header truncated: %zu of %d bytes",
				  len, SIG_V1_LEN);
	if ((rc = check_algo("security.ima", "signature v1", p[7], 7, err)) != VIGIL_OK)
		return rc;
	if ((rc = check_v1_mpis(p, len, p[16], err)) != VIGIL_OK)
		return rc;
	out->sig_version = 1;
	out->timestamp_v1 = vigil_get_be32(p + 2);
	out->pkey_algo_v1 = p[6];
	out->hash_algo = p[7];
	memcpy(out->keyid_v1, p + 8, sizeof(out->keyid_v1));
	out->sig = p + SIG_V1_LEN;
	out->sig_len = len - SIG_V1_LEN;
	return VIGIL_OK;
}

/* The version each signature type may carry in each attribute. */
static bool version_allowed(enum vigil_xattr_kind kind, uint8_t type, unsigned version)
{
	if (type == VIGIL_IMA_VERITY_DIGSIG)
		return version == 3;
	if (type == VIGIL_EVM_IMA_XATTR_DIGSIG && kind == VIGIL_XATTR_IMA)
		return version == 1 || version == 2;
	return version == 2;
}

static const char *versions_expected(enum vigil_xattr_kind kind, uint8_t type)
{
	if (type == VIGIL_IMA_VERITY_DIGSIG)
		return "3";
	if (type == VIGIL_EVM_IMA_XATTR_DIGSIG && kind == VIGIL_XATTR_IMA)
		return "2 (or the deprecated 1)";
	return "2";
}

static int decode_sig(enum vigil_xattr_kind kind, const uint8_t *p, size_t len,
		      struct vigil_xattr *out, struct vigil_error *err)
{
	const char *where = kind_name(kind);

	if (len < 2)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: type 0x%02x (%s) value of 1 byte has no version byte",
				  where, p[0], vigil_xattr_type_name(p[0]));
	if (!version_allowed(kind, p[0], p[1]))
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: type 0x%02x (%s) signature version %u at offset 1, "
				  "expected %s", where, p[0], vigil_xattr_type_name(p[0]), p[1],
				  versions_expected(kind, p[0]));
	if (p[1] == 1)
		return decode_sig_v1(p, len, out, err);
	return decode_sig_v23(where, p, len, out, err);
}

static int decode_type(enum vigil_xattr_kind kind, const uint8_t *p, size_t len,
		       struct vigil_xattr *out, struct vigil_error *err)
{
	switch (p[0]) {
	case VIGIL_IMA_XATTR_DIGEST:
		return decode_digest_legacy(p, len, out, err);
	case VIGIL_IMA_XATTR_DIGEST_NG:
		return decode_digest_ng(p, len, out, err);
	case VIGIL_EVM_XATTR_HMAC:
		return decode_hmac(p, len, out, err);
	default:
		return decode_sig(kind, p, len, out, err);
	}
}

int vigil_xattr_decode(const void *buf, size_t len, enum vigil_xattr_kind kind,
		       struct vigil_xattr *out, struct vigil_error *err)
{
	const uint8_t *p = buf;
	const char *where = kind_name(kind);
	int rc;

	memset(out, 0, sizeof(*out));
	if (kind != VIGIL_XATTR_IMA && kind != VIGIL_XATTR_EVM)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown xattr kind %d", (int)kind);
	if (len > VIGIL_XATTR_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG,
				  "%s: value of %zu bytes exceeds the %d-byte limit", where, len,
				  VIGIL_XATTR_MAX);
	if (len == 0 || !p)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s: empty value", where);
	if (!type_allowed(kind, p[0]))
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: type 0x%02x (%s) at offset 0 is not valid in %s", where,
				  p[0], vigil_xattr_type_name(p[0]), where);
	rc = decode_type(kind, p, len, out, err);
	if (rc != VIGIL_OK) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->type = p[0];
	return VIGIL_OK;
}

static int check_cap(size_t need, size_t cap, size_t *out_len, struct vigil_error *err)
{
	if (need > cap)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG,
				  "output buffer of %zu bytes is too small for a %zu-byte value",
				  cap, need);
	*out_len = need;
	return VIGIL_OK;
}

int vigil_xattr_encode_digest(const struct vigil_digest *digest, uint8_t *out, size_t cap,
			      size_t *out_len, struct vigil_error *err)
{
	const struct vigil_hash_info *info;
	size_t hdr;
	int rc;

	*out_len = 0;
	if (!digest)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no digest to encode");
	if (!(info = vigil_hash_by_id(digest->algo)))
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d",
				  digest->algo);
	if (digest->len != info->digest_len)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s digest of %zu bytes, expected %zu", info->name, digest->len,
				  info->digest_len);
	/* evmctl (and the kernel's ima_fix_xattr) keep 0x01 for ids up to sha1. */
	hdr = digest->algo <= VIGIL_HASH_SHA1 ? 1 : 2;
	if ((rc = check_cap(hdr + digest->len, cap, out_len, err)) != VIGIL_OK)
		return rc;
	out[0] = hdr == 1 ? VIGIL_IMA_XATTR_DIGEST : VIGIL_IMA_XATTR_DIGEST_NG;
	if (hdr == 2)
		out[1] = (uint8_t)digest->algo;
	memcpy(out + hdr, digest->bytes, digest->len);
	return VIGIL_OK;
}

int vigil_xattr_encode_hmac(const uint8_t hmac[VIGIL_EVM_HMAC_LEN], uint8_t *out, size_t cap,
			    size_t *out_len, struct vigil_error *err)
{
	int rc;

	*out_len = 0;
	if (!hmac)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no HMAC to encode");
	if ((rc = check_cap(1 + VIGIL_EVM_HMAC_LEN, cap, out_len, err)) != VIGIL_OK)
		return rc;
	out[0] = VIGIL_EVM_XATTR_HMAC;
	memcpy(out + 1, hmac, VIGIL_EVM_HMAC_LEN);
	return VIGIL_OK;
}

static int check_sig_args(uint8_t type, uint8_t version, int hash_algo, const uint8_t *sig,
			  size_t sig_len, struct vigil_error *err)
{
	if (type != VIGIL_EVM_IMA_XATTR_DIGSIG && type != VIGIL_EVM_XATTR_PORTABLE_DIGSIG &&
	    type != VIGIL_IMA_VERITY_DIGSIG)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "type 0x%02x is not a signature type", type);
	if (version != (type == VIGIL_IMA_VERITY_DIGSIG ? 3 : 2))
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "signature version %u cannot be encoded as type 0x%02x (%s)",
				  version, type, vigil_xattr_type_name(type));
	if (!vigil_hash_by_id(hash_algo))
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d",
				  hash_algo);
	if (!sig || sig_len == 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "empty signature");
	if (sig_len > VIGIL_SIG_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG,
				  "signature of %zu bytes exceeds the %d-byte limit", sig_len,
				  VIGIL_SIG_MAX);
	return VIGIL_OK;
}

int vigil_xattr_encode_sig(uint8_t type, uint8_t version, int hash_algo, uint32_t keyid,
			   const uint8_t *sig, size_t sig_len, uint8_t *out, size_t cap,
			   size_t *out_len, struct vigil_error *err)
{
	int rc;

	*out_len = 0;
	if ((rc = check_sig_args(type, version, hash_algo, sig, sig_len, err)) != VIGIL_OK)
		return rc;
	if ((rc = check_cap(VIGIL_SIG_V2_HDR_LEN + sig_len, cap, out_len, err)) != VIGIL_OK)
		return rc;
	/* memmove: a signer may have produced sig in place, right after the header. */
	memmove(out + VIGIL_SIG_V2_HDR_LEN, sig, sig_len);
	out[0] = type;
	out[1] = version;
	out[2] = (uint8_t)hash_algo;
	vigil_put_be32(out + 3, keyid);
	vigil_put_be16(out + 7, (uint16_t)sig_len);
	return VIGIL_OK;
}

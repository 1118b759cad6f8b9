/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signature v2/v3 creation and verification. */
#include <stdbool.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <vigil/sig.h>
#include "internal.h"
#include "key_internal.h"

static int check_digest(const struct vigil_digest *d, const EVP_MD **md,
			struct vigil_error *err)
{
	const struct vigil_hash_info *info = d ? vigil_hash_by_id(d->algo) : NULL;

	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d",
				  d ? d->algo : -1);
	if (d->len != info->digest_len)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s digest of %zu bytes; %s digests are %zu bytes", info->name,
				  d->len, info->name, info->digest_len);
	*md = vigil_hash_md(d->algo);
	if (!*md)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "hash algorithm %s is not provided by OpenSSL", info->name);
	return VIGIL_OK;
}

/* The kernel verifies SM2 only over SM3 digests, and OpenSSL signs no other. */
static int check_key_algo(const EVP_PKEY *pkey, const char *src, int algo,
			  struct vigil_error *err)
{
	switch (vigil_evp_key_type(pkey)) {
	case VIGIL_KEY_RSA:
	case VIGIL_KEY_ECDSA:
		return VIGIL_OK;
	case VIGIL_KEY_SM2:
		if (algo == VIGIL_HASH_SM3_256)
			return VIGIL_OK;
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "%s: SM2 keys sign sm3 digests only, not %s", src,
				  vigil_hash_by_id(algo)->name);
	default:
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "%s: %s keys cannot make IMA/EVM signatures", src,
				  EVP_PKEY_get0_type_name(pkey));
	}
}

/* PKCS#1 v1.5 with a DigestInfo for RSA: what the kernel's "pkcs1" encoding expects. */
static int setup_ctx(EVP_PKEY_CTX *ctx, const EVP_PKEY *pkey, const EVP_MD *md)
{
	if (EVP_PKEY_is_a(pkey, "RSA") &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
		return 0;
	return EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
}

static int raw_sign(const struct vigil_privkey *key, const struct vigil_digest *d,
		    const EVP_MD *md, uint8_t *sig, size_t *sig_len, struct vigil_error *err)
{
	EVP_PKEY *pkey = vigil_privkey_evp(key);
	const char *src = vigil_privkey_source(key);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	size_t len = 0;
	int rc = VIGIL_OK;

	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 || !setup_ctx(ctx, pkey, md))
		rc = vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "%s: cannot set up %s signing", src,
				    vigil_hash_by_id(d->algo)->name);
	else if (EVP_PKEY_sign(ctx, NULL, &len, d->bytes, d->len) <= 0)
		rc = vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "%s: cannot size the signature", src);
	else if (len > VIGIL_SIG_MAX)
		rc = vigil_fail(err, VIGIL_ERR_TOO_BIG,
				"%s: signatures of up to %zu bytes exceed the %d-byte limit", src,
				len, VIGIL_SIG_MAX);
	else if (EVP_PKEY_sign(ctx, sig, &len, d->bytes, d->len) <= 0)
		rc = vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "%s: signing failed", src);
	EVP_PKEY_CTX_free(ctx);
	*sig_len = rc == VIGIL_OK ? len : 0;
	return rc;
}

static int sign_common(const struct vigil_privkey *key, uint8_t type, uint8_t version,
		       const struct vigil_digest *msg, uint8_t *out, size_t cap,
		       size_t *out_len, struct vigil_error *err)
{
	uint8_t sig[VIGIL_SIG_MAX];
	const EVP_MD *md;
	size_t sig_len;
	int rc;

	if ((rc = check_digest(msg, &md, err)) != VIGIL_OK)
		return rc;
	rc = check_key_algo(vigil_privkey_evp(key), vigil_privkey_source(key), msg->algo, err);
	if (rc != VIGIL_OK)
		return rc;
	if (cap < VIGIL_SIG_V2_HDR_LEN + 1)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG,
				  "output buffer of %zu bytes cannot hold a signature", cap);
	if ((rc = raw_sign(key, msg, md, sig, &sig_len, err)) != VIGIL_OK)
		return rc;
	return vigil_xattr_encode_sig(type, version, msg->algo, vigil_privkey_keyid(key), sig,
				      sig_len, out, cap, out_len, err);
}

int vigil_sign_v2(const struct vigil_privkey *key, uint8_t type,
		  const struct vigil_digest *digest, uint8_t *out, size_t cap, size_t *out_len,
		  struct vigil_error *err)
{
	*out_len = 0;
	if (!key)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no signing key");
	if (type != VIGIL_EVM_IMA_XATTR_DIGSIG && type != VIGIL_EVM_XATTR_PORTABLE_DIGSIG)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "type 0x%02x is not a v2 signature type (0x03 or 0x05)", type);
	return sign_common(key, type, 2, digest, out, cap, out_len, err);
}

/* struct ima_file_id without the unused tail of its digest array. */
static int file_id_digest(uint8_t type, const struct vigil_digest *digest,
			  struct vigil_digest *out, struct vigil_error *err)
{
	uint8_t file_id[2 + VIGIL_MAX_DIGEST];
	const EVP_MD *md;
	int rc;

	if ((rc = check_digest(digest, &md, err)) != VIGIL_OK)
		return rc;
	file_id[0] = type;
	file_id[1] = (uint8_t)digest->algo;
	memcpy(file_id + 2, digest->bytes, digest->len);
	return vigil_hash_buf(digest->algo, file_id, 2 + digest->len, out, err);
}

int vigil_verity_file_id_digest(const struct vigil_digest *verity_digest,
				struct vigil_digest *out, struct vigil_error *err)
{
	return file_id_digest(VIGIL_IMA_VERITY_DIGSIG, verity_digest, out, err);
}

int vigil_sign_v3(const struct vigil_privkey *key, const struct vigil_digest *verity_digest,
		  uint8_t *out, size_t cap, size_t *out_len, struct vigil_error *err)
{
	struct vigil_digest msg;
	int rc;

	*out_len = 0;
	if (!key)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no signing key");
	if ((rc = vigil_verity_file_id_digest(verity_digest, &msg, err)) != VIGIL_OK)
		return rc;
	return sign_common(key, VIGIL_IMA_VERITY_DIGSIG, 3, &msg, out, cap, out_len, err);
}

/* ---- verification ---- */

static bool version_fits_type(const struct vigil_xattr *sig)
{
	if (sig->type == VIGIL_IMA_VERITY_DIGSIG)
		return sig->sig_version == 3;
	if (sig->type == VIGIL_EVM_IMA_XATTR_DIGSIG || sig->type == VIGIL_EVM_XATTR_PORTABLE_DIGSIG)
		return sig->sig_version == 2;
	return false;
}

static int check_sig(const struct vigil_xattr *sig, struct vigil_error *err)
{
	if (sig->sig_version == 1)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "signature v1 is deprecated; not verified");
	if (!version_fits_type(sig))
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "type 0x%02x with signature version %u is not a signature "
				  "vigil can verify", sig->type, sig->sig_version);
	if (!sig->sig || sig->sig_len == 0 || sig->sig_len > VIGIL_SIG_MAX)
		return vigil_fail(err, VIGIL_ERR_INVALID, "signature of %zu bytes is malformed",
				  sig->sig_len);
	return VIGIL_OK;
}

/* VIGIL_OK, VIGIL_ERR_BAD_SIGNATURE, or VIGIL_ERR_CRYPTO when OpenSSL itself fails. */
static int verify_one(const struct vigil_pubkey *key, const struct vigil_xattr *sig,
		      const struct vigil_digest *msg, const EVP_MD *md, struct vigil_error *err)
{
	EVP_PKEY *pkey = vigil_pubkey_evp(key);
	EVP_PKEY_CTX *ctx;
	int ok = 0;

	if (check_key_algo(pkey, vigil_pubkey_source(key), msg->algo, NULL) != VIGIL_OK)
		return VIGIL_ERR_BAD_SIGNATURE;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!ctx)
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "out of memory verifying");
	if (EVP_PKEY_verify_init(ctx) > 0 && setup_ctx(ctx, pkey, md))
		ok = EVP_PKEY_verify(ctx, sig->sig, sig->sig_len, msg->bytes, msg->len) == 1;
	EVP_PKEY_CTX_free(ctx);
	/* A mismatch queues errors too; none may outlive this call. */
	ERR_clear_error();
	return ok ? VIGIL_OK : VIGIL_ERR_BAD_SIGNATURE;
}

/* Keys may share a keyid, as in a kernel keyring: any one of them may verify. */
static int try_keys(const struct vigil_keyset *keys, const struct vigil_xattr *sig,
		    const struct vigil_digest *msg, const EVP_MD *md,
		    const struct vigil_pubkey **used, struct vigil_error *err)
{
	const struct vigil_pubkey *last = NULL;
	size_t i, n = vigil_keyset_count(keys), tried = 0;

	for (i = 0; i < n; i++) {
		const struct vigil_pubkey *key = vigil_keyset_at(keys, i);
		int rc;

		if (vigil_pubkey_keyid(key) != sig->keyid)
			continue;
		tried++;
		last = key;
		rc = verify_one(key, sig, msg, md, err);
		if (rc == VIGIL_OK && used)
			*used = key;
		if (rc != VIGIL_ERR_BAD_SIGNATURE)
			return rc;
	}
	if (!tried)
		return vigil_fail(err, VIGIL_ERR_UNKNOWN_KEY, "unknown keyid %08x", sig->keyid);
	if (tried == 1)
		return vigil_fail(err, VIGIL_ERR_BAD_SIGNATURE,
				  "signature does not verify with key %08x from %s", sig->keyid,
				  vigil_pubkey_source(last));
	return vigil_fail(err, VIGIL_ERR_BAD_SIGNATURE,
			  "signature does not verify with any of the %zu keys with keyid %08x",
			  tried, sig->keyid);
}

int vigil_verify_sig(const struct vigil_keyset *keys, const struct vigil_xattr *sig,
		     const struct vigil_digest *digest, const struct vigil_pubkey **used,
		     struct vigil_error *err)
{
	struct vigil_digest msg;
	const EVP_MD *md;
	int rc;

	if (used)
		*used = NULL;
	if (!sig || !digest)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no signature or no digest to verify");
	if ((rc = check_sig(sig, err)) != VIGIL_OK)
		return rc;
	if (digest->algo != sig->hash_algo) {
		const struct vigil_hash_info *have = vigil_hash_by_id(digest->algo);
		const struct vigil_hash_info *want = vigil_hash_by_id(sig->hash_algo);

		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "digest is %s but the signature is over %s",
				  have ? have->name : "unknown", want ? want->name : "unknown");
	}
	if ((rc = check_digest(digest, &md, err)) != VIGIL_OK)
		return rc;
	if (sig->sig_version == 3) {
		if ((rc = file_id_digest(sig->type, digest, &msg, err)) != VIGIL_OK)
			return rc;
	} else {
		msg = *digest;
	}
	return try_keys(keys, sig, &msg, md, used, err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Appraisal of one file, in the order of the kernel's
 * ima_appraise_measurement(): no security.ima first, then EVM (when a key
 * or certificate is configured), then the hash or signature itself.  Fix
 * mode rewrites a missing or wrong hash (never a signature) and refreshes
 * the EVM HMAC when the HMAC key is known, as the kernel's post-setxattr
 * hook does.
 */
#include <string.h>

#include "vigild.h"

static bool is_signature(const uint8_t *v, size_t len)
{
	return len > 0 && (v[0] == VIGIL_EVM_IMA_XATTR_DIGSIG || v[0] == VIGIL_IMA_VERITY_DIGSIG);
}

static int fail(struct vigild_appraisal *out, int code, const char *cause, const char *detail)
{
	out->code = code;
	out->cause = cause;
	snprintf(out->detail, sizeof(out->detail), "%s", detail);
	return code;
}

/* The algorithm a new hash value uses: that of the old value when it named one. */
static int fix_algo(const uint8_t *ima, size_t len, int hash_algo)
{
	struct vigil_xattr x;

	if (ima && vigil_xattr_decode(ima, len, VIGIL_XATTR_IMA, &x, NULL) == VIGIL_OK &&
	    (x.type == VIGIL_IMA_XATTR_DIGEST_NG || x.type == VIGIL_IMA_XATTR_DIGEST) &&
	    vigil_hash_available(x.digest.algo))
		return x.digest.algo;
	return hash_algo;
}

static int refresh_hmac(int fd, const struct vigild_rules *r, struct vigil_error *err)
{
	struct vigil_evm_opts opts = { 0 };
	struct vigil_evm_data *data = NULL;
	uint8_t old[VIGIL_XATTR_MAX], hmac[VIGIL_EVM_HMAC_LEN], value[VIGIL_EVM_HMAC_LEN + 1];
	size_t old_len = 0, len = 0;
	int rc;

	if (!r->evm_hmac_len)
		return VIGIL_OK;
	/* An EVM signature is never replaced by an HMAC. */
	if (vigil_getxattr(fd, "security.evm", old, sizeof(old), &old_len, NULL) == VIGIL_OK &&
	    old_len > 0 && old[0] != VIGIL_EVM_XATTR_HMAC)
		return VIGIL_OK;
	rc = vigil_evm_data_build(fd, &opts, &data, err);
	if (rc == VIGIL_OK)
		rc = vigil_evm_hmac(data, r->evm_hmac, r->evm_hmac_len, hmac, err);
	if (rc == VIGIL_OK)
		rc = vigil_xattr_encode_hmac(hmac, value, sizeof(value), &len, err);
	if (rc == VIGIL_OK)
		rc = vigil_setxattr(fd, "security.evm", value, len, err);
	vigil_evm_data_free(data);
	return rc;
}

/* Fix mode: write the file's hash as security.ima; never over a signature. */
static bool try_fix(int fd, const uint8_t *ima, size_t len, const struct vigild_rules *r,
		    int hash_algo, struct vigild_appraisal *out)
{
	struct vigil_error err = { 0 };
	uint8_t value[2 + VIGIL_MAX_DIGEST];
	struct vigil_digest d = out->digest;
	int algo = fix_algo(ima, len, hash_algo);
	size_t vlen = 0;

	if (is_signature(ima, len))
		return false;
	if ((d.len == 0 || d.algo != algo) && vigil_hash_fd(algo, fd, &d, &err) != VIGIL_OK)
		goto failed;
	if (vigil_xattr_encode_digest(&d, value, sizeof(value), &vlen, &err) != VIGIL_OK ||
	    vigil_setxattr(fd, "security.ima", value, vlen, &err) != VIGIL_OK ||
	    refresh_hmac(fd, r, &err) != VIGIL_OK)
		goto failed;
	out->digest = d;
	out->fixed = true;
	return true;
failed:
	snprintf(out->detail, sizeof(out->detail), "fix failed: %s", err.msg);
	return false;
}

static bool evm_fails(int fd, const struct vigild_rules *r, struct vigild_appraisal *out)
{
	struct vigil_evm_opts opts = { 0 };
	struct vigil_evm_verdict v;
	struct vigil_error err = { 0 };

	if (!r->evm)
		return false;
	if (vigil_evm_verify(fd, &opts, r->evm_keys, r->evm_hmac_len ? r->evm_hmac : NULL,
			     r->evm_hmac_len, &v, &err) == VIGIL_OK)
		return false;
	out->evm_failed = true;
	fail(out, v.code, v.cause ? v.cause : "invalid-HMAC", err.msg);
	return true;
}

int appraise_file(int fd, const uint8_t *ima, size_t ima_len, const struct vigild_rules *r,
		  bool require_sig, int mode, int hash_algo, struct vigild_appraisal *out)
{
	struct vigil_ima_verdict v;
	struct vigil_error err = { 0 };

	memset(out, 0, sizeof(*out));
	if (!ima || ima_len == 0)
		fail(out, VIGIL_ERR_NO_DATA, require_sig ? "IMA-signature-required" : "missing-hash",
		     "security.ima is absent");
	else if (!evm_fails(fd, r, out)) {
		vigil_ima_appraise(fd, ima, ima_len, r->keys, require_sig ? VIGIL_IMA_REQUIRE_SIG : 0,
				   &v, &err);
		out->code = v.code;
		out->cause = v.cause;
		snprintf(out->detail, sizeof(out->detail), "%s", err.msg);
		/* A digest computed over the content (not a verity digest) is reused to measure. */
		if (v.digest.len && v.xattr.type != VIGIL_IMA_VERITY_DIGSIG)
			out->digest = v.digest;
	}
	if (out->code != VIGIL_OK && mode == MODE_FIX && try_fix(fd, ima, ima_len, r, hash_algo, out))
		out->code = VIGIL_OK;
	return out->code;
}

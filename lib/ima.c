/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * security.ima values of files: creating them (hash, signature) and
 * appraising a file against one the way the kernel's ima_appraise.c does,
 * with the kernel's cause words so that vigil's reports read like its
 * audit records.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fsverity.h>

#include <vigil/ima.h>
#include <vigil/sig.h>
#include "internal.h"

int vigil_ima_hash_value(int fd, int algo, uint8_t *out, size_t cap, size_t *len,
			 struct vigil_error *err)
{
	struct vigil_digest digest;
	int rc;

	*len = 0;
	if ((rc = vigil_hash_fd(algo, fd, &digest, err)) != VIGIL_OK)
		return rc;
	return vigil_xattr_encode_digest(&digest, out, cap, len, err);
}

int vigil_ima_sign_value(int fd, const struct vigil_privkey *key, int algo, uint8_t *out,
			 size_t cap, size_t *len, struct vigil_error *err)
{
	struct vigil_digest digest;
	int rc;

	*len = 0;
	if (!key)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no signing key");
	if ((rc = vigil_hash_fd(algo, fd, &digest, err)) != VIGIL_OK)
		return rc;
	return vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &digest, out, cap, len, err);
}

/* Records the outcome in the verdict; err already holds the message. */
static int conclude(struct vigil_ima_verdict *verdict, int code, const char *cause)
{
	verdict->code = code;
	verdict->cause = code == VIGIL_OK ? NULL : cause;
	return code;
}

static int appraise_hash(int fd, unsigned flags, struct vigil_ima_verdict *verdict,
			 struct vigil_error *err)
{
	const struct vigil_digest *want = &verdict->xattr.digest;
	const char *name = vigil_hash_by_id(want->algo)->name;
	char have_hex[2 * VIGIL_MAX_DIGEST + 1], want_hex[2 * VIGIL_MAX_DIGEST + 1];
	int rc;

	if (flags & VIGIL_IMA_REQUIRE_SIG)
		return conclude(verdict,
				vigil_fail(err, VIGIL_ERR_NO_DATA,
					   "security.ima holds a %s hash (type 0x%02x) but a "
					   "signature is required", name, verdict->xattr.type),
				"IMA-signature-required");
	if ((rc = vigil_hash_fd(want->algo, fd, &verdict->digest, err)) != VIGIL_OK)
		return conclude(verdict, rc, "invalid-hash");
	if (verdict->digest.len == want->len &&
	    memcmp(verdict->digest.bytes, want->bytes, want->len) == 0)
		return conclude(verdict, VIGIL_OK, NULL);
	vigil_hex(verdict->digest.bytes, verdict->digest.len, have_hex);
	vigil_hex(want->bytes, want->len, want_hex);
	return conclude(verdict,
			vigil_fail(err, VIGIL_ERR_MISMATCH,
				   "%s of the file is %s but security.ima has %s", name, have_hex,
				   want_hex),
			"invalid-hash");
}

static int check_keys(const struct vigil_keyset *keys, uint32_t keyid,
		      struct vigil_error *err)
{
	if (keys)
		return VIGIL_OK;
	return vigil_fail(err, VIGIL_ERR_UNKNOWN_KEY, "unknown keyid %08x: no keys loaded",
			  keyid);
}

static int appraise_sig(int fd, const struct vigil_keyset *keys,
			struct vigil_ima_verdict *verdict, struct vigil_error *err)
{
	const struct vigil_xattr *x = &verdict->xattr;
	int rc;

	verdict->keyid = x->keyid;
	if ((rc = vigil_hash_fd(x->hash_algo, fd, &verdict->digest, err)) != VIGIL_OK)
		return conclude(verdict, rc, "invalid-signature");
	if ((rc = check_keys(keys, x->keyid, err)) != VIGIL_OK)
		return conclude(verdict, rc, "invalid-signature");
	rc = vigil_verify_sig(keys, x, &verdict->digest, NULL, err);
	return conclude(verdict, rc, "invalid-signature");
}

/* fs-verity's own algorithm numbers (FS_VERITY_HASH_ALG_*) to the kernel's. */
static int verity_algo(unsigned fsverity_alg)
{
	switch (fsverity_alg) {
	case FS_VERITY_HASH_ALG_SHA256: return VIGIL_HASH_SHA256;
	case FS_VERITY_HASH_ALG_SHA512: return VIGIL_HASH_SHA512;
	}
	return -1;
}

/*
 * The fs-verity digest is the root of a Merkle tree only the filesystem
 * holds; userspace can only ask for it.
 */
static int measure_verity(int fd, struct vigil_digest *out, struct vigil_error *err)
{
	union {
		struct fsverity_digest d;
		uint8_t raw[sizeof(struct fsverity_digest) + VIGIL_MAX_DIGEST];
	} buf;
	int algo;

	memset(&buf, 0, sizeof(buf));
	buf.d.digest_size = VIGIL_MAX_DIGEST;
	if (ioctl(fd, FS_IOC_MEASURE_VERITY, &buf.d) < 0) {
		if (errno == ENODATA)
			return vigil_fail_errno(err, VIGIL_ERR_NO_DATA,
						"the file has no fs-verity digest");
		if (errno == ENOTTY || errno == EOPNOTSUPP)
			return vigil_fail_errno(err, VIGIL_ERR_UNSUPPORTED,
						"the filesystem has no fs-verity digests");
		return vigil_fail_errno(err, VIGIL_ERR_IO, "FS_IOC_MEASURE_VERITY failed");
	}
	algo = verity_algo(buf.d.digest_algorithm);
	if (algo < 0 || buf.d.digest_size != vigil_hash_by_id(algo)->digest_len)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "fs-verity digest algorithm %u (%u bytes) is not supported",
				  buf.d.digest_algorithm, buf.d.digest_size);
	out->algo = algo;
	out->len = buf.d.digest_size;
	memcpy(out->bytes, buf.d.digest, out->len);
	return VIGIL_OK;
}

/* A v3 signature signs the file's fs-verity digest, not its content hash. */
static int appraise_verity_sig(int fd, const struct vigil_keyset *keys,
			       struct vigil_ima_verdict *verdict, struct vigil_error *err)
{
	const struct vigil_xattr *x = &verdict->xattr;
	int rc;

	verdict->keyid = x->keyid;
	if ((rc = measure_verity(fd, &verdict->digest, err)) != VIGIL_OK)
		return conclude(verdict, rc, "no-verity-digest");
	if ((rc = check_keys(keys, x->keyid, err)) != VIGIL_OK)
		return conclude(verdict, rc, "invalid-verity-signature");
	rc = vigil_verify_sig(keys, x, &verdict->digest, NULL, err);
	return conclude(verdict, rc, "invalid-verity-signature");
}

/*
 * The kernel names one decoding failure apart from the rest: a signature
 * whose version does not match its type.
 */
static const char *decode_failure_cause(const uint8_t *value, size_t len)
{
	if (len >= 2 && value[0] == VIGIL_EVM_IMA_XATTR_DIGSIG && value[1] >= 3)
		return "invalid-signature-version";
	if (len >= 2 && value[0] == VIGIL_IMA_VERITY_DIGSIG && value[1] != 3)
		return "invalid-signature-version";
	return "unknown-ima-data";
}

int vigil_ima_appraise(int fd, const uint8_t *value, size_t len,
		       const struct vigil_keyset *keys, unsigned flags,
		       struct vigil_ima_verdict *verdict, struct vigil_error *err)
{
	int rc;

	memset(verdict, 0, sizeof(*verdict));
	if (!value || len == 0)
		return conclude(verdict,
				vigil_fail(err, VIGIL_ERR_NO_DATA, "security.ima is absent"),
				flags & VIGIL_IMA_REQUIRE_SIG ? "IMA-signature-required"
							      : "missing-hash");
	rc = vigil_xattr_decode(value, len, VIGIL_XATTR_IMA, &verdict->xattr, err);
	if (rc != VIGIL_OK)
		return conclude(verdict, rc, decode_failure_cause(value, len));
	/*
	 * A verity signature satisfies REQUIRE_SIG: vigil has no separate
	 * "verity required" flag, and a v3 value is a signature all the same.
	 */
	switch (verdict->xattr.type) {
	case VIGIL_IMA_XATTR_DIGEST:
	case VIGIL_IMA_XATTR_DIGEST_NG:
		return appraise_hash(fd, flags, verdict, err);
	case VIGIL_IMA_VERITY_DIGSIG:
		return appraise_verity_sig(fd, keys, verdict, err);
	default:
		return appraise_sig(fd, keys, verdict, err);
	}
}

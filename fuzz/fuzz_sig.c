/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signature fuzzer: decode (first byte: even security.ima, odd
 * security.evm), then verify whatever decoded against a fixed keyset loaded
 * once from tests/data.  The signed digest is H_algo("vigil-fuzz\n"), so
 * seeds signed over that content (see make-seeds.sh) reach the paths
 * where a key is found and the signature checked.  Must never crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/sig.h>

#ifndef VIGIL_FUZZ_DATA
#define VIGIL_FUZZ_DATA "tests/data"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vigil_keyset *keys;
static const char fuzz_content[] = "vigil-fuzz\n";

static void require(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const files[] = {
		"rsa2048-cert.der", "rsa4096-cert.der", "rsa-other-cert.der",
		"ec-p256-cert.der", "ec-p384-cert.der", "sm2-pub.pem",
	};
	struct vigil_error err;
	char path[1024];

	(void)argc;
	(void)argv;
	keys = vigil_keyset_new();
	require(keys != NULL);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", VIGIL_FUZZ_DATA, files[i]);
		if (vigil_keyset_load(keys, path, &err) != VIGIL_OK)
			fprintf(stderr, "fuzz_sig: skipping %s: %s\n", path, err.msg);
	}
	require(vigil_keyset_count(keys) > 0);
	return 0;
}

/* The digest the seeds were signed over; a fixed pattern where OpenSSL lacks the algo. */
static void signed_digest(int algo, struct vigil_digest *d)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);

	memset(d, 0, sizeof(*d));
	if (vigil_hash_buf(algo, fuzz_content, sizeof(fuzz_content) - 1, d, NULL) == VIGIL_OK)
		return;
	d->algo = algo;
	d->len = info ? info->digest_len : 32;
	memset(d->bytes, 0x5a, d->len);
}

static void check(int rc, const struct vigil_error *err)
{
	if (rc == VIGIL_OK)
		return;
	require(err->code == rc);
	require(err->msg[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vigil_pubkey *used = NULL;
	struct vigil_digest d;
	struct vigil_error err;
	struct vigil_xattr x;
	uint8_t *value;
	int rc;

	if (size < 1)
		return 0;
	value = malloc(size - 1 ? size - 1 : 1);
	require(value != NULL);
	memcpy(value, data + 1, size - 1);
	if (vigil_xattr_decode(value, size - 1, data[0] & 1 ? VIGIL_XATTR_EVM : VIGIL_XATTR_IMA,
			       &x, &err) == VIGIL_OK && x.sig) {
		signed_digest(x.hash_algo, &d);
		rc = vigil_verify_sig(keys, &x, &d, &used, &err);
		check(rc, &err);
		require(rc != VIGIL_OK || used != NULL);
		/* A digest of another algorithm must be refused, never verified. */
		signed_digest(x.hash_algo == VIGIL_HASH_SHA256 ? VIGIL_HASH_SHA1 : VIGIL_HASH_SHA256,
			      &d);
		rc = vigil_verify_sig(keys, &x, &d, NULL, &err);
		check(rc, &err);
		require(rc != VIGIL_OK);
	}
	free(value);
	return 0;
}

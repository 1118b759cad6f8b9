/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * security.ima values and appraisal.  The oracle is Debian's evmctl: the
 * values vigil makes must be the bytes evmctl makes (RSA PKCS#1 v1.5 is
 * deterministic, so signatures too), and what evmctl makes must appraise.
 * Without evmctl those comparisons are skipped, loudly.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <vigil/ima.h>
#include <vigil/key.h>
#include <vigil/sig.h>

#define VALUE_MAX VIGIL_XATTR_MAX

struct tfile {
	char path[64];
	int fd;
};

static const char *data_path(const char *name)
{
	static char buf[1024];
	const char *dir = getenv("VIGIL_TEST_DATA");

	if (dir && *dir)
		snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	else /* source-relative, for running the binary by hand */
		snprintf(buf, sizeof(buf), "%.*s/../data/%s",
			 (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__, name);
	return buf;
}

static void tfile_make(struct tfile *t, const void *data, size_t len)
{
	snprintf(t->path, sizeof(t->path), "/tmp/vigil-test-ima-XXXXXX");
	t->fd = mkstemp(t->path);
	assert_true(t->fd >= 0);
	assert_int_equal(write(t->fd, data, len), (ssize_t)len);
}

static void tfile_drop(struct tfile *t)
{
	close(t->fd);
	unlink(t->path);
}

/* Deterministic content larger than one read chunk of the hasher. */
static uint8_t *big_content(size_t len)
{
	uint8_t *p = malloc(len);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 2654435761u >> 11);
	return p;
}

static bool have_evmctl(void)
{
	static int known = -1;

	if (known < 0)
		known = system("command -v evmctl >/dev/null 2>&1") == 0;
	if (!known)
		fprintf(stderr, "SKIP: evmctl (ima-evm-utils) not found in PATH: "
				"the byte-for-byte comparison with it did not run\n");
	return known;
}

/*
 * Runs `evmctl CMD -n ... FILE` (-n: print the value instead of setting the
 * xattr) and parses the hex value it prints.  Returns its length.
 */
static size_t evmctl_value(const char *args, const char *path, uint8_t *out, size_t cap)
{
	char cmd[2048], line[4096], hex[4096] = "";
	FILE *p;
	long n;

	snprintf(cmd, sizeof(cmd), "evmctl %s -n '%s' 2>/dev/null", args, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (strspn(line, "0123456789abcdef") > 2)
			sscanf(line, "%4095[0-9a-f]", hex);
	if (pclose(p) != 0)
		fail_msg("`%s` failed", cmd);
	n = vigil_unhex(hex, out, cap);
	if (n <= 0)
		fail_msg("`%s` printed no value", cmd);
	return (size_t)n;
}

static void hash_value_vs_evmctl(int fd, const char *path, int algo)
{
	const char *name = vigil_hash_by_id(algo)->name;
	uint8_t ours[VALUE_MAX], theirs[VALUE_MAX];
	struct vigil_error err;
	char args[64];
	size_t len, tlen;

	assert_int_equal(vigil_ima_hash_value(fd, algo, ours, sizeof(ours), &len, &err), VIGIL_OK);
	snprintf(args, sizeof(args), "ima_hash -a %s", name);
	tlen = evmctl_value(args, path, theirs, sizeof(theirs));
	if (tlen != len || memcmp(ours, theirs, len) != 0)
		fail_msg("%s: vigil and evmctl ima_hash differ", name);
}

static const int evmctl_algos[] = {
	VIGIL_HASH_SHA1, VIGIL_HASH_SHA224, VIGIL_HASH_SHA256, VIGIL_HASH_SHA384,
	VIGIL_HASH_SHA512, VIGIL_HASH_MD5, VIGIL_HASH_SM3_256, VIGIL_HASH_RMD160,
};

static void test_hash_value_matches_evmctl(void **state)
{
	size_t sizes[] = { 0, 1, 4096, (3u << 20) / 2 + 7 };
	uint8_t *data = big_content(sizes[3]);

	(void)state;
	if (!have_evmctl()) {
		free(data);
		skip();
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct tfile t;

		tfile_make(&t, data, sizes[s]);
		for (size_t a = 0; a < sizeof(evmctl_algos) / sizeof(evmctl_algos[0]); a++)
			if (vigil_hash_available(evmctl_algos[a]))
				hash_value_vs_evmctl(t.fd, t.path, evmctl_algos[a]);
		tfile_drop(&t);
	}
	free(data);
}

static void test_hash_value_errors(void **state)
{
	uint8_t out[VALUE_MAX];
	struct vigil_error err;
	struct tfile t;
	size_t len = 5;

	(void)state;
	tfile_make(&t, "abc", 3);
	assert_int_equal(vigil_ima_hash_value(t.fd, VIGIL_HASH_SHA256, out, 33, &len, &err),
			 VIGIL_ERR_TOO_BIG);
	assert_int_equal(len, 0);
	assert_int_equal(vigil_ima_hash_value(t.fd, VIGIL_HASH_SHA256, out, 34, &len, &err),
			 VIGIL_OK);
	assert_int_equal(len, 34);
	assert_int_equal(vigil_ima_hash_value(t.fd, VIGIL_HASH_TGR192, out, sizeof(out), &len,
					      &err), VIGIL_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "unsupported hash algorithm tgr192"));
	assert_int_equal(vigil_ima_hash_value(t.fd, 99, out, sizeof(out), &len, &err),
			 VIGIL_ERR_INVALID);
	tfile_drop(&t);
	assert_int_equal(vigil_ima_hash_value(t.fd, VIGIL_HASH_SHA256, out, sizeof(out), &len,
					      &err), VIGIL_ERR_IO);
}

static void expect_verdict(const struct vigil_ima_verdict *v, const struct vigil_error *err,
			   int rc, int code, const char *cause, const char *msg)
{
	if (rc != code || v->code != code ||
	    (cause ? !v->cause || strcmp(v->cause, cause) : v->cause != NULL) ||
	    (msg && !strstr(err->msg, msg)))
		fail_msg("got rc %d code %d cause %s \"%s\"; want %d %s \"%s\"", rc, v->code,
			 v->cause ? v->cause : "(null)", err->msg, code, cause ? cause : "(null)",
			 msg ? msg : "");
	if (code != VIGIL_OK)
		assert_int_equal(err->code, code);
}

static void test_appraise_hash(void **state)
{
	static const int algos[] = { VIGIL_HASH_SHA1, VIGIL_HASH_MD5, VIGIL_HASH_SHA256,
				     VIGIL_HASH_SHA512, VIGIL_HASH_SM3_256 };
	uint8_t value[VALUE_MAX];
	struct vigil_ima_verdict v;
	struct vigil_digest d;
	struct vigil_error err;
	struct tfile t;
	size_t len;
	int rc;

	(void)state;
	tfile_make(&t, "appraise me\n", 12);
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		assert_int_equal(vigil_ima_hash_value(t.fd, algos[i], value, sizeof(value), &len,
						      &err), VIGIL_OK);
		rc = vigil_ima_appraise(t.fd, value, len, NULL, 0, &v, &err);
		expect_verdict(&v, &err, rc, VIGIL_OK, NULL, NULL);
		assert_int_equal(vigil_hash_buf(algos[i], "appraise me\n", 12, &d, &err), VIGIL_OK);
		assert_int_equal(v.digest.algo, algos[i]);
		assert_memory_equal(v.digest.bytes, d.bytes, d.len);
		assert_int_equal(v.xattr.type, algos[i] <= VIGIL_HASH_SHA1 ? 0x01 : 0x04);
	}
	/* A modified file no longer matches: same length, one byte changed. */
	assert_int_equal(vigil_ima_hash_value(t.fd, VIGIL_HASH_SHA256, value, sizeof(value), &len,
					      &err), VIGIL_OK);
	assert_int_equal(pwrite(t.fd, "A", 1, 0), 1);
	rc = vigil_ima_appraise(t.fd, value, len, NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_MISMATCH, "invalid-hash",
		       "sha256 of the file is ");
	assert_non_null(strstr(err.msg, "but security.ima has "));
	/* The digest reported is the file's, not the xattr's. */
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA256, "Appraise me\n", 12, &d, &err),
			 VIGIL_OK);
	assert_memory_equal(v.digest.bytes, d.bytes, 32);
	tfile_drop(&t);
}

static void test_appraise_missing_and_garbage(void **state)
{
	static const uint8_t hmac[21] = { 0x02 }, short_ng[] = { 0x04, 0x04, 1, 2, 3 },
			     unknown[] = { 0x07, 0 }, v1_short[] = { 0x03, 0x01, 0, 0 };
	struct vigil_ima_verdict v;
	struct vigil_error err;
	struct tfile t;
	int rc;

	(void)state;
	tfile_make(&t, "x", 1);
	rc = vigil_ima_appraise(t.fd, NULL, 0, NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_NO_DATA, "missing-hash", "security.ima is absent");
	rc = vigil_ima_appraise(t.fd, hmac, 0, NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_NO_DATA, "missing-hash", NULL);
	/* The kernel names the missing signature when one is required. */
	rc = vigil_ima_appraise(t.fd, NULL, 0, NULL, VIGIL_IMA_REQUIRE_SIG, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_NO_DATA, "IMA-signature-required", NULL);
	rc = vigil_ima_appraise(t.fd, hmac, sizeof(hmac), NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_INVALID, "unknown-ima-data",
		       "security.ima: type 0x02 (hmac) at offset 0 is not valid");
	rc = vigil_ima_appraise(t.fd, short_ng, sizeof(short_ng), NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_INVALID, "unknown-ima-data",
		       "sha256 digest of 3 bytes at offset 2, expected 32");
	rc = vigil_ima_appraise(t.fd, unknown, sizeof(unknown), NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_INVALID, "unknown-ima-data", "type 0x07");
	rc = vigil_ima_appraise(t.fd, v1_short, sizeof(v1_short), NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_INVALID, "unknown-ima-data",
		       "signature v1 header truncated");
	assert_int_equal(v.xattr.type, 0); /* nothing half-decoded */
	tfile_drop(&t);
}

static void test_appraise_signature_version(void **state)
{
	uint8_t value[9 + 4] = { 0x03, 0x03, 0x04, 1, 2, 3, 4, 0, 4, 9, 9, 9, 9 };
	struct vigil_ima_verdict v;
	struct vigil_error err;
	struct tfile t;
	int rc;

	(void)state;
	tfile_make(&t, "x", 1);
	rc = vigil_ima_appraise(t.fd, value, sizeof(value), NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_INVALID, "invalid-signature-version",
		       "signature version 3 at offset 1");
	value[0] = 0x06;
	value[1] = 0x02;
	rc = vigil_ima_appraise(t.fd, value, sizeof(value), NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_INVALID, "invalid-signature-version",
		       "type 0x06 (verity-signature) signature version 2 at offset 1, expected 3");
	tfile_drop(&t);
}

static void test_appraise_require_sig_with_hash(void **state)
{
	uint8_t value[VALUE_MAX];
	struct vigil_ima_verdict v;
	struct vigil_error err;
	struct tfile t;
	size_t len;
	int rc;

	(void)state;
	tfile_make(&t, "x", 1);
	assert_int_equal(vigil_ima_hash_value(t.fd, VIGIL_HASH_SHA256, value, sizeof(value), &len,
					      &err), VIGIL_OK);
	rc = vigil_ima_appraise(t.fd, value, len, NULL, VIGIL_IMA_REQUIRE_SIG, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_NO_DATA, "IMA-signature-required",
		       "security.ima holds a sha256 hash (type 0x04) but a signature is required");
	tfile_drop(&t);
}

/* tgr192 is a valid kernel id that OpenSSL lacks: the value decodes, hashing fails. */
static void test_appraise_unsupported_algo(void **state)
{
	uint8_t value[2 + 24] = { 0x04, VIGIL_HASH_TGR192 };
	struct vigil_ima_verdict v;
	struct vigil_error err;
	struct tfile t;
	int rc;

	(void)state;
	tfile_make(&t, "x", 1);
	rc = vigil_ima_appraise(t.fd, value, sizeof(value), NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_UNSUPPORTED, "invalid-hash",
		       "unsupported hash algorithm tgr192");
	assert_int_equal(v.xattr.type, 0x04);
	tfile_drop(&t);
}

/* A v3 value on a file without fs-verity (tmpfs or ext4 without the feature). */
static void test_appraise_verity_without_verity(void **state)
{
	uint8_t value[9 + 4] = { 0x06, 0x03, 0x04, 1, 2, 3, 4, 0, 4, 9, 9, 9, 9 };
	struct vigil_ima_verdict v;
	struct vigil_error err;
	struct tfile t;
	int rc;

	(void)state;
	tfile_make(&t, "x", 1);
	rc = vigil_ima_appraise(t.fd, value, sizeof(value), NULL, 0, &v, &err);
	if (rc != VIGIL_ERR_NO_DATA && rc != VIGIL_ERR_UNSUPPORTED)
		fail_msg("got %d \"%s\"", rc, err.msg);
	assert_string_equal(v.cause, "no-verity-digest");
	assert_non_null(strstr(err.msg, "fs-verity digest"));
	assert_int_equal(v.keyid, 0x01020304u);
	tfile_drop(&t);
}

/* --- signatures ------------------------------------------------------- */

static struct vigil_keyset *keyset_of(const char *file)
{
	struct vigil_keyset *set = vigil_keyset_new();
	struct vigil_error err;

	assert_non_null(set);
	if (vigil_keyset_load(set, data_path(file), &err) != VIGIL_OK)
		fail_msg("loading %s: %s", file, err.msg);
	return set;
}

static struct vigil_privkey *signing_key(void)
{
	struct vigil_privkey *key = NULL;
	struct vigil_error err;

	if (vigil_privkey_load(data_path("rsa2048.pem"), NULL, &key, &err) != VIGIL_OK)
		fail_msg("loading rsa2048.pem: %s", err.msg);
	return key;
}

static void test_sign_value_matches_evmctl(void **state)
{
	static const int algos[] = { VIGIL_HASH_SHA256, VIGIL_HASH_SHA1, VIGIL_HASH_SHA512 };
	struct vigil_privkey *key;
	uint8_t ours[VALUE_MAX], theirs[VALUE_MAX];
	struct vigil_error err;
	struct tfile t;
	char args[1200];
	size_t len, tlen;

	(void)state;
	if (!have_evmctl())
		skip();
	key = signing_key();
	tfile_make(&t, "sign me\n", 8);
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		assert_int_equal(vigil_ima_sign_value(t.fd, key, algos[i], ours, sizeof(ours), &len,
						      &err), VIGIL_OK);
		snprintf(args, sizeof(args), "ima_sign -a %s --key '%s'",
			 vigil_hash_by_id(algos[i])->name, data_path("rsa2048.pem"));
		tlen = evmctl_value(args, t.path, theirs, sizeof(theirs));
		if (tlen != len || memcmp(ours, theirs, len) != 0)
			fail_msg("%s: vigil and evmctl ima_sign differ",
				 vigil_hash_by_id(algos[i])->name);
	}
	tfile_drop(&t);
	vigil_privkey_free(key);
}

static void test_appraise_signature(void **state)
{
	struct vigil_keyset *good = keyset_of("rsa2048-cert.der");
	struct vigil_keyset *other = keyset_of("rsa-other-cert.der");
	struct vigil_privkey *key = signing_key();
	uint8_t value[VALUE_MAX];
	struct vigil_ima_verdict v;
	struct vigil_error err;
	struct tfile t;
	char keyid_hex[9];
	size_t len;
	int rc;

	(void)state;
	tfile_make(&t, "signed content\n", 15);
	assert_int_equal(vigil_ima_sign_value(t.fd, key, VIGIL_HASH_SHA256, value, sizeof(value),
					      &len, &err), VIGIL_OK);
	assert_int_equal(value[0], 0x03);
	rc = vigil_ima_appraise(t.fd, value, len, good, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_OK, NULL, NULL);
	assert_int_equal(v.keyid, vigil_privkey_keyid(key));
	assert_int_equal(v.keyid, vigil_pubkey_keyid(vigil_keyset_at(good, 0)));
	assert_int_equal(v.digest.algo, VIGIL_HASH_SHA256);
	/* A signature is what REQUIRE_SIG asks for. */
	rc = vigil_ima_appraise(t.fd, value, len, good, VIGIL_IMA_REQUIRE_SIG, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_OK, NULL, NULL);

	snprintf(keyid_hex, sizeof(keyid_hex), "%08x", vigil_privkey_keyid(key));
	rc = vigil_ima_appraise(t.fd, value, len, other, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_UNKNOWN_KEY, "invalid-signature", keyid_hex);
	rc = vigil_ima_appraise(t.fd, value, len, NULL, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_UNKNOWN_KEY, "invalid-signature", keyid_hex);

	assert_int_equal(pwrite(t.fd, "S", 1, 0), 1);
	rc = vigil_ima_appraise(t.fd, value, len, good, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_BAD_SIGNATURE, "invalid-signature", NULL);

	tfile_drop(&t);
	vigil_privkey_free(key);
	vigil_keyset_free(good);
	vigil_keyset_free(other);
}

static void test_appraise_evmctl_signature(void **state)
{
	struct vigil_keyset *good;
	uint8_t value[VALUE_MAX];
	struct vigil_ima_verdict v;
	struct vigil_error err;
	struct tfile t;
	char args[1200];
	size_t len;
	int rc;

	(void)state;
	if (!have_evmctl())
		skip();
	good = keyset_of("rsa2048-cert.der");
	tfile_make(&t, "signed by evmctl\n", 17);
	snprintf(args, sizeof(args), "ima_sign -a sha384 --key '%s'", data_path("rsa2048.pem"));
	len = evmctl_value(args, t.path, value, sizeof(value));
	rc = vigil_ima_appraise(t.fd, value, len, good, VIGIL_IMA_REQUIRE_SIG, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_OK, NULL, NULL);
	assert_int_equal(v.xattr.hash_algo, VIGIL_HASH_SHA384);
	assert_int_equal(pwrite(t.fd, "\n", 1, 16), 1);
	assert_int_equal(ftruncate(t.fd, 18), 0);
	rc = vigil_ima_appraise(t.fd, value, len, good, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_BAD_SIGNATURE, "invalid-signature", NULL);
	tfile_drop(&t);
	vigil_keyset_free(good);
}

/* v1 signatures are decoded for reports; verifying them is not supported. */
static void test_appraise_v1_signature(void **state)
{
	uint8_t value[17 + 2 + 4] = { 0x03, 0x01, 0, 0, 0, 1, 0, VIGIL_HASH_SHA1,
				      1, 2, 3, 4, 5, 6, 7, 8, 1, 0x00, 0x20, 1, 2, 3, 4 };
	struct vigil_keyset *good = keyset_of("rsa2048-cert.der");
	struct vigil_ima_verdict v;
	struct vigil_error err;
	struct tfile t;
	int rc;

	(void)state;
	tfile_make(&t, "x", 1);
	rc = vigil_ima_appraise(t.fd, value, sizeof(value), good, 0, &v, &err);
	expect_verdict(&v, &err, rc, VIGIL_ERR_UNSUPPORTED, "invalid-signature", NULL);
	assert_int_equal(v.xattr.sig_version, 1);
	tfile_drop(&t);
	vigil_keyset_free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_value_matches_evmctl),
		cmocka_unit_test(test_hash_value_errors),
		cmocka_unit_test(test_appraise_hash),
		cmocka_unit_test(test_appraise_missing_and_garbage),
		cmocka_unit_test(test_appraise_signature_version),
		cmocka_unit_test(test_appraise_require_sig_with_hash),
		cmocka_unit_test(test_appraise_unsupported_algo),
		cmocka_unit_test(test_appraise_verity_without_verity),
		cmocka_unit_test(test_sign_value_matches_evmctl),
		cmocka_unit_test(test_appraise_signature),
		cmocka_unit_test(test_appraise_evmctl_signature),
		cmocka_unit_test(test_appraise_v1_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

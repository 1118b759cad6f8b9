/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/err.h>

#include <vigil/sig.h>
#include "testutil.h"

/* From `evmctl -v ima_sign -n --key tests/data/<key>` (evmctl 1.4); see test_key.c. */
#define KEYID_RSA2048 0xfe808e41u
#define KEYID_SM2 0x4e8928d8u

static bool have_evmctl, have_openssl;

static bool have_tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/vigil-test-sign-XXXXXX");
	have_evmctl = have_tool("evmctl");
	have_openssl = have_tool("openssl");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void require(bool have, const char *tool)
{
	if (!have) {
		print_message("SKIP: %s is not installed; cross-check not run\n", tool);
		skip();
	}
}

static struct vigil_privkey *priv(const char *name)
{
	struct vigil_privkey *key;
	struct vigil_error err;

	if (vigil_privkey_load(data(name), NULL, &key, &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
	return key;
}

static struct vigil_keyset *keyset_of(const char *path)
{
	struct vigil_keyset *set = vigil_keyset_new();
	struct vigil_error err;

	assert_non_null(set);
	if (vigil_keyset_load(set, path, &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
	return set;
}

static struct vigil_digest digest_of(int algo, const char *msg)
{
	struct vigil_digest d;
	struct vigil_error err;

	if (vigil_hash_buf(algo, msg, strlen(msg), &d, &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
	return d;
}

static void decode(const uint8_t *buf, size_t len, enum vigil_xattr_kind kind,
		   struct vigil_xattr *x)
{
	struct vigil_error err;

	if (vigil_xattr_decode(buf, len, kind, x, &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
}

static void hex(const uint8_t *buf, size_t len, char *out)
{
	vigil_hex(buf, len, out);
}

/* Signs, decodes, verifies, and checks that tampering is caught. */
static void roundtrip(const char *priv_name, const char *pub_name, int algo, uint8_t type)
{
	struct vigil_privkey *key = priv(priv_name);
	struct vigil_keyset *set = keyset_of(data(pub_name));
	struct vigil_digest d = digest_of(algo, "vigil test message");
	const struct vigil_pubkey *used = NULL;
	uint8_t out[VIGIL_XATTR_MAX];
	struct vigil_error err;
	struct vigil_xattr x;
	size_t len;

	if (vigil_sign_v2(key, type, &d, out, sizeof(out), &len, &err) != VIGIL_OK)
		fail_msg("%s %s: %s", priv_name, vigil_hash_by_id(algo)->name, err.msg);
	decode(out, len, type == VIGIL_EVM_XATTR_PORTABLE_DIGSIG ? VIGIL_XATTR_EVM
								  : VIGIL_XATTR_IMA, &x);
	assert_int_equal(x.type, type);
	assert_int_equal(x.sig_version, 2);
	assert_int_equal(x.hash_algo, algo);
	assert_int_equal(x.keyid, vigil_privkey_keyid(key));
	assert_int_equal(x.sig_len, len - VIGIL_SIG_V2_HDR_LEN);
	if (vigil_verify_sig(set, &x, &d, &used, &err) != VIGIL_OK)
		fail_msg("%s %s: %s", priv_name, vigil_hash_by_id(algo)->name, err.msg);
	assert_ptr_equal(used, vigil_keyset_at(set, 0));
	/* The first byte: ECDSA drops digest bits beyond the size of the group order. */
	d.bytes[0] ^= 1;
	assert_int_equal(vigil_verify_sig(set, &x, &d, &used, &err), VIGIL_ERR_BAD_SIGNATURE);
	assert_null(used);
	d.bytes[0] ^= 1;
	out[len - 1] ^= 0x40; /* x.sig points into out */
	assert_int_equal(vigil_verify_sig(set, &x, &d, NULL, &err), VIGIL_ERR_BAD_SIGNATURE);
	assert_int_equal(ERR_peek_error(), 0);
	vigil_keyset_free(set);
	vigil_privkey_free(key);
}

static void test_roundtrip_rsa(void **state)
{
	static const int algos[] = { VIGIL_HASH_SHA1, VIGIL_HASH_SHA224, VIGIL_HASH_SHA256,
				     VIGIL_HASH_SHA384, VIGIL_HASH_SHA512, VIGIL_HASH_SHA3_256 };

	(void)state;
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		roundtrip("rsa2048.pem", "rsa2048-cert.der", algos[i], VIGIL_EVM_IMA_XATTR_DIGSIG);
		roundtrip("rsa4096.pem", "rsa4096-cert.der", algos[i], VIGIL_EVM_IMA_XATTR_DIGSIG);
	}
	roundtrip("rsa2048-with-cert.pem", "rsa2048-skid-cert.pem", VIGIL_HASH_SHA256,
		  VIGIL_EVM_XATTR_PORTABLE_DIGSIG);
}

static void test_roundtrip_ecdsa(void **state)
{
	static const int algos[] = { VIGIL_HASH_SHA1, VIGIL_HASH_SHA224, VIGIL_HASH_SHA256,
				     VIGIL_HASH_SHA384, VIGIL_HASH_SHA512 };

	(void)state;
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		roundtrip("ec-p256.pem", "ec-p256-cert.der", algos[i], VIGIL_EVM_IMA_XATTR_DIGSIG);
		roundtrip("ec-p384.pem", "ec-p384-cert.der", algos[i], VIGIL_EVM_IMA_XATTR_DIGSIG);
	}
	roundtrip("ec-p256.pem", "ec-p256-cert.der", VIGIL_HASH_SHA256,
		  VIGIL_EVM_XATTR_PORTABLE_DIGSIG);
}

static void test_roundtrip_sm2(void **state)
{
	struct vigil_privkey *key = priv("sm2.pem");
	struct vigil_digest d = digest_of(VIGIL_HASH_SHA256, "x");
	uint8_t out[VIGIL_XATTR_MAX];
	struct vigil_error err;
	size_t len = 1;

	(void)state;
	roundtrip("sm2.pem", "sm2-pub.pem", VIGIL_HASH_SM3_256, VIGIL_EVM_IMA_XATTR_DIGSIG);
	/* The kernel verifies SM2 over SM3 only, and OpenSSL signs nothing else. */
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, out, sizeof(out), &len,
				       &err),
			 VIGIL_ERR_UNSUPPORTED);
	assert_int_equal(len, 0);
	assert_non_null(strstr(err.msg, "sm3"));
	vigil_privkey_free(key);
}

/* The last line evmctl prints: the hex of the xattr value (or of "line sig"). */
static void run_last_line(const char *cmd, char *out, size_t cap)
{
	char line[8192];
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	out[0] = '\0';
	while (fgets(line, sizeof(line), p)) {
		size_t n = strnlen(line, cap - 1);

		memcpy(out, line, n);
		out[n] = '\0';
	}
	assert_int_equal(pclose(p), 0);
	out[strcspn(out, "\n")] = '\0';
}

static void expect_same_as_evmctl(const char *key_name, int algo)
{
	const char *name = vigil_hash_by_id(algo)->name;
	struct vigil_privkey *key = priv(key_name);
	char cmd[1024], theirs[4096], ours[2 * VIGIL_XATTR_MAX + 1];
	uint8_t out[VIGIL_XATTR_MAX];
	struct vigil_digest d;
	struct vigil_error err;
	size_t len;

	snprintf(cmd, sizeof(cmd), "evmctl ima_sign -n -a %s --key '%s' '%s' 2>/dev/null", name,
		 data(key_name), tmp("payload"));
	run_last_line(cmd, theirs, sizeof(theirs));
	assert_int_equal(vigil_hash_path(algo, tmp("payload"), &d, &err), VIGIL_OK);
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, out, sizeof(out), &len,
				       &err),
			 VIGIL_OK);
	hex(out, len, ours);
	if (strcmp(ours, theirs) != 0)
		fail_msg("%s %s:\n vigil  %s\n evmctl %s", key_name, name, ours, theirs);
	vigil_privkey_free(key);
}

static void test_rsa_identical_to_evmctl(void **state)
{
	static const int algos[] = { VIGIL_HASH_SHA1, VIGIL_HASH_SHA224, VIGIL_HASH_SHA256,
				     VIGIL_HASH_SHA384, VIGIL_HASH_SHA512 };

	(void)state;
	require(have_evmctl, "evmctl");
	write_bytes(tmp("payload"), "payload for evmctl\n", 19);
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		expect_same_as_evmctl("rsa2048.pem", algos[i]);
	expect_same_as_evmctl("rsa4096.pem", VIGIL_HASH_SHA256);
	expect_same_as_evmctl("rsa2048-with-cert.pem", VIGIL_HASH_SHA256);
	expect_same_as_evmctl("rsa-other.pem", VIGIL_HASH_SHA512);
}

static void unhex_line(const char *text, uint8_t *out, size_t cap, size_t *len)
{
	long n = vigil_unhex(text, out, cap);

	if (n <= 0)
		fail_msg("not hex: \"%s\"", text);
	*len = (size_t)n;
}

/* ECDSA and SM2 are randomized: each tool must verify the other's signatures. */
static void we_verify_evmctl(const char *key_name, const char *cert, int algo)
{
	struct vigil_keyset *set = keyset_of(cert);
	char cmd[1024], theirs[4096];
	uint8_t value[VIGIL_XATTR_MAX];
	struct vigil_digest d;
	struct vigil_error err;
	struct vigil_xattr x;
	size_t len;

	snprintf(cmd, sizeof(cmd), "evmctl ima_sign -n -a %s --key '%s' '%s' 2>/dev/null",
		 vigil_hash_by_id(algo)->name, data(key_name), tmp("payload"));
	run_last_line(cmd, theirs, sizeof(theirs));
	unhex_line(theirs, value, sizeof(value), &len);
	decode(value, len, VIGIL_XATTR_IMA, &x);
	assert_int_equal(vigil_hash_path(algo, tmp("payload"), &d, &err), VIGIL_OK);
	if (vigil_verify_sig(set, &x, &d, NULL, &err) != VIGIL_OK)
		fail_msg("%s: %s", key_name, err.msg);
	vigil_keyset_free(set);
}

static int evmctl_verify_file(const char *cert, const uint8_t *value, size_t len)
{
	char cmd[1024];

	write_bytes(tmp("payload.sig"), value, len);
	snprintf(cmd, sizeof(cmd), "evmctl ima_verify --sigfile --key '%s' '%s' >/dev/null 2>&1",
		 cert, tmp("payload"));
	return system(cmd);
}

static void evmctl_verifies_us(const char *key_name, const char *cert, int algo)
{
	struct vigil_privkey *key = priv(key_name);
	uint8_t out[VIGIL_XATTR_MAX];
	struct vigil_digest d;
	struct vigil_error err;
	size_t len;

	assert_int_equal(vigil_hash_path(algo, tmp("payload"), &d, &err), VIGIL_OK);
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, out, sizeof(out), &len,
				       &err),
			 VIGIL_OK);
	if (evmctl_verify_file(cert, out, len) != 0)
		fail_msg("evmctl rejects vigil's %s signature", key_name);
	out[len - 2] ^= 0x10;
	assert_int_not_equal(evmctl_verify_file(cert, out, len), 0);
	vigil_privkey_free(key);
}

/* evmctl reads only X.509 certificates as verification keys; openssl makes one for SM2. */
static void make_sm2_cert(void)
{
	char cmd[1024];
	struct vigil_pubkey *pub;
	struct vigil_error err;

	snprintf(cmd, sizeof(cmd),
		 "openssl req -new -x509 -key '%s' -sm3 -subj /CN=vigil-sm2 -days 2 "
		 "-outform DER -out '%s' 2>/dev/null",
		 data("sm2.pem"), tmp("sm2-cert.der"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(vigil_pubkey_load(tmp("sm2-cert.der"), &pub, &err), VIGIL_OK);
	assert_int_equal(vigil_pubkey_type(pub), VIGIL_KEY_SM2);
	assert_int_equal(vigil_pubkey_keyid(pub), KEYID_SM2);
	vigil_pubkey_free(pub);
}

static void test_cross_verify_with_evmctl(void **state)
{
	(void)state;
	require(have_evmctl, "evmctl");
	write_bytes(tmp("payload"), "cross verification\n", 20);
	we_verify_evmctl("ec-p256.pem", data("ec-p256-cert.der"), VIGIL_HASH_SHA256);
	we_verify_evmctl("ec-p384.pem", data("ec-p384-cert.der"), VIGIL_HASH_SHA384);
	we_verify_evmctl("rsa4096.pem", data("rsa4096-cert.der"), VIGIL_HASH_SHA512);
	we_verify_evmctl("sm2.pem", data("sm2-pub.pem"), VIGIL_HASH_SM3_256);
	evmctl_verifies_us("ec-p256.pem", data("ec-p256-cert.der"), VIGIL_HASH_SHA256);
	evmctl_verifies_us("ec-p384.pem", data("ec-p384-cert.der"), VIGIL_HASH_SHA512);
	evmctl_verifies_us("rsa2048.pem", data("rsa2048-cert.der"), VIGIL_HASH_SHA1);
	require(have_openssl, "openssl");
	make_sm2_cert();
	evmctl_verifies_us("sm2.pem", tmp("sm2-cert.der"), VIGIL_HASH_SM3_256);
}

static void test_file_id_known_answers(void **state)
{
	/*
	 * { printf '\x06\x04'; printf abc | openssl dgst -sha256 -binary; } | openssl dgst -sha256
	 * { printf '\x06\x06'; printf abc | openssl dgst -sha512 -binary; } | openssl dgst -sha512
	 */
	static const char *want256 =
		"4ac26176ea42060f9c52b878177e073fd0eab9cb08ba83afc09700a28dd17f0a";
	static const char *want512 =
		"01820a193b461833f76eddb2dd6d37f6680c577fd003732baa1e2c29b216af9e"
		"7a70ccbc0b934a747ad1a3ab8a2c9983acea2aa610d4f8c99d358f665f060028";
	struct vigil_digest v = digest_of(VIGIL_HASH_SHA256, "abc"), id;
	char text[2 * VIGIL_MAX_DIGEST + 1];
	struct vigil_error err;

	(void)state;
	assert_int_equal(vigil_verity_file_id_digest(&v, &id, &err), VIGIL_OK);
	assert_int_equal(id.algo, VIGIL_HASH_SHA256);
	hex(id.bytes, id.len, text);
	assert_string_equal(text, want256);
	v = digest_of(VIGIL_HASH_SHA512, "abc");
	assert_int_equal(vigil_verity_file_id_digest(&v, &id, &err), VIGIL_OK);
	hex(id.bytes, id.len, text);
	assert_string_equal(text, want512);
	v.len = 32;
	assert_int_equal(vigil_verity_file_id_digest(&v, &id, &err), VIGIL_ERR_INVALID);
}

static void v3_roundtrip(const char *key_name, const char *cert, int algo)
{
	struct vigil_privkey *key = priv(key_name);
	struct vigil_keyset *set = keyset_of(data(cert));
	struct vigil_digest v = digest_of(algo, "fs-verity digest stand-in");
	uint8_t out[VIGIL_XATTR_MAX];
	struct vigil_error err;
	struct vigil_xattr x;
	size_t len;

	assert_int_equal(vigil_sign_v3(key, &v, out, sizeof(out), &len, &err), VIGIL_OK);
	decode(out, len, VIGIL_XATTR_IMA, &x);
	assert_int_equal(x.type, VIGIL_IMA_VERITY_DIGSIG);
	assert_int_equal(x.sig_version, 3);
	assert_int_equal(x.hash_algo, algo);
	if (vigil_verify_sig(set, &x, &v, NULL, &err) != VIGIL_OK)
		fail_msg("%s: %s", key_name, err.msg);
	v.bytes[0] ^= 1;
	assert_int_equal(vigil_verify_sig(set, &x, &v, NULL, &err), VIGIL_ERR_BAD_SIGNATURE);
	vigil_keyset_free(set);
	vigil_privkey_free(key);
}

static void test_v3_roundtrip(void **state)
{
	(void)state;
	v3_roundtrip("rsa2048.pem", "rsa2048-cert.der", VIGIL_HASH_SHA256);
	v3_roundtrip("rsa2048.pem", "rsa2048-cert.der", VIGIL_HASH_SHA512);
	v3_roundtrip("ec-p256.pem", "ec-p256-cert.der", VIGIL_HASH_SHA256);
	v3_roundtrip("sm2.pem", "sm2-pub.pem", VIGIL_HASH_SM3_256);
}

/*
 * evmctl 1.4 has no --veritysig.  evmctl 1.5 signs the file-id hash the way
 * `sign_hash` does and then sets bytes 0-1 to 06 03; so 1.4's sign_hash over
 * the file-id hash must give our v3 value from byte 2 on.
 */
static void expect_v3_like_evmctl(int algo)
{
	const char *name = vigil_hash_by_id(algo)->name;
	struct vigil_privkey *key = priv("rsa2048.pem");
	struct vigil_digest v = digest_of(algo, "verity"), id;
	char cmd[1024], idhex[2 * VIGIL_MAX_DIGEST + 1], theirs[4096], *sig;
	char ours[2 * VIGIL_XATTR_MAX + 1];
	uint8_t out[VIGIL_XATTR_MAX];
	struct vigil_error err;
	size_t len;

	assert_int_equal(vigil_verity_file_id_digest(&v, &id, &err), VIGIL_OK);
	hex(id.bytes, id.len, idhex);
	snprintf(cmd, sizeof(cmd), "echo '%s  name' | evmctl sign_hash -a %s --key '%s' 2>/dev/null",
		 idhex, name, data("rsa2048.pem"));
	run_last_line(cmd, theirs, sizeof(theirs));
	sig = strrchr(theirs, ' ');
	assert_non_null(sig);
	assert_int_equal(vigil_sign_v3(key, &v, out, sizeof(out), &len, &err), VIGIL_OK);
	hex(out, len, ours);
	assert_int_equal(strncmp(ours, "0603", 4), 0);
	assert_int_equal(strncmp(sig + 1, "0302", 4), 0);
	if (strcmp(ours + 4, sig + 5) != 0)
		fail_msg("v3 %s:\n vigil  %s\n evmctl %s", name, ours, sig + 1);
	vigil_privkey_free(key);
}

static void test_v3_identical_to_evmctl(void **state)
{
	(void)state;
	require(have_evmctl, "evmctl");
	expect_v3_like_evmctl(VIGIL_HASH_SHA256);
	expect_v3_like_evmctl(VIGIL_HASH_SHA512);
}

static void sign_into(const char *key_name, uint32_t keyid, const struct vigil_digest *d,
		      uint8_t *out, struct vigil_xattr *x)
{
	struct vigil_privkey *key = priv(key_name);
	struct vigil_error err;
	size_t len;

	if (keyid)
		vigil_privkey_set_keyid(key, keyid);
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, d, out, VIGIL_XATTR_MAX,
				       &len, &err),
			 VIGIL_OK);
	decode(out, len, VIGIL_XATTR_IMA, x);
	vigil_privkey_free(key);
}

static void test_verify_key_lookup(void **state)
{
	struct vigil_digest d = digest_of(VIGIL_HASH_SHA256, "lookup");
	struct vigil_keyset *p256 = keyset_of(data("ec-p256-cert.der"));
	struct vigil_keyset *rsa = keyset_of(data("rsa2048-cert.der"));
	uint8_t value[VIGIL_XATTR_MAX], forged[VIGIL_XATTR_MAX];
	struct vigil_xattr x, fx;
	struct vigil_error err;

	(void)state;
	sign_into("rsa2048.pem", 0, &d, value, &x);
	assert_int_equal(vigil_verify_sig(p256, &x, &d, NULL, &err), VIGIL_ERR_UNKNOWN_KEY);
	assert_string_equal(err.msg, "unknown keyid fe808e41");
	assert_int_equal(vigil_verify_sig(NULL, &x, &d, NULL, &err), VIGIL_ERR_UNKNOWN_KEY);
	/* Another key claiming rsa2048's keyid. */
	sign_into("rsa-other.pem", KEYID_RSA2048, &d, forged, &fx);
	assert_int_equal(fx.keyid, KEYID_RSA2048);
	assert_int_equal(vigil_verify_sig(rsa, &fx, &d, NULL, &err), VIGIL_ERR_BAD_SIGNATURE);
	assert_non_null(strstr(err.msg, "fe808e41"));
	assert_int_equal(ERR_peek_error(), 0);
	vigil_keyset_free(p256);
	vigil_keyset_free(rsa);
}

/* Two keys share a keyid: each signature verifies with its own key. */
static void test_verify_tries_every_key(void **state)
{
	struct vigil_digest d = digest_of(VIGIL_HASH_SHA384, "collide");
	struct vigil_privkey *other = priv("rsa-other.pem");
	struct vigil_keyset *set = vigil_keyset_new();
	const struct vigil_pubkey *used, *fake;
	uint8_t a[VIGIL_XATTR_MAX], b[VIGIL_XATTR_MAX];
	struct vigil_pubkey *pub, *real;
	struct vigil_xattr xa, xb;
	struct vigil_error err;

	(void)state;
	vigil_privkey_set_keyid(other, KEYID_RSA2048);
	assert_int_equal(vigil_privkey_public(other, &pub, &err), VIGIL_OK);
	assert_int_equal(vigil_keyset_add(set, pub, &err), VIGIL_OK);
	assert_int_equal(vigil_pubkey_load(data("rsa2048-cert.der"), &real, &err), VIGIL_OK);
	assert_int_equal(vigil_keyset_add(set, real, &err), VIGIL_OK);
	fake = vigil_keyset_at(set, 0);
	sign_into("rsa2048.pem", 0, &d, a, &xa);
	assert_int_equal(vigil_verify_sig(set, &xa, &d, &used, &err), VIGIL_OK);
	assert_ptr_equal(used, real);
	sign_into("rsa-other.pem", KEYID_RSA2048, &d, b, &xb);
	assert_int_equal(vigil_verify_sig(set, &xb, &d, &used, &err), VIGIL_OK);
	assert_ptr_equal(used, fake);
	d.bytes[3] ^= 0x80;
	assert_int_equal(vigil_verify_sig(set, &xa, &d, &used, &err), VIGIL_ERR_BAD_SIGNATURE);
	assert_non_null(strstr(err.msg, "2 keys"));
	assert_int_equal(ERR_peek_error(), 0);
	vigil_keyset_free(set);
	vigil_privkey_free(other);
}

static void test_verify_rejects(void **state)
{
	struct vigil_digest d = digest_of(VIGIL_HASH_SHA256, "rejects"), d1;
	struct vigil_keyset *set = keyset_of(data("rsa2048-cert.der"));
	uint8_t value[VIGIL_XATTR_MAX];
	struct vigil_xattr x, bad;
	struct vigil_error err;

	(void)state;
	sign_into("rsa2048.pem", 0, &d, value, &x);
	d1 = digest_of(VIGIL_HASH_SHA1, "rejects");
	assert_int_equal(vigil_verify_sig(set, &x, &d1, NULL, &err), VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "sha1"));
	bad = x;
	bad.sig_version = 1;
	assert_int_equal(vigil_verify_sig(set, &bad, &d, NULL, &err), VIGIL_ERR_UNSUPPORTED);
	assert_string_equal(err.msg, "signature v1 is deprecated; not verified");
	bad = x;
	bad.sig_version = 3; /* v3 only comes as type 0x06 */
	assert_int_equal(vigil_verify_sig(set, &bad, &d, NULL, &err), VIGIL_ERR_INVALID);
	bad = x;
	bad.sig_len = 0;
	assert_int_equal(vigil_verify_sig(set, &bad, &d, NULL, &err), VIGIL_ERR_INVALID);
	bad = x;
	bad.sig_len = x.sig_len - 1;
	assert_int_equal(vigil_verify_sig(set, &bad, &d, NULL, &err), VIGIL_ERR_BAD_SIGNATURE);
	d.len = 31;
	assert_int_equal(vigil_verify_sig(set, &x, &d, NULL, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_verify_sig(set, NULL, &d, NULL, &err), VIGIL_ERR_INVALID);
	assert_int_equal(ERR_peek_error(), 0);
	vigil_keyset_free(set);
}

static void test_sign_rejects(void **state)
{
	struct vigil_privkey *key = priv("rsa2048.pem");
	struct vigil_digest d = digest_of(VIGIL_HASH_SHA256, "cap"), bad;
	uint8_t out[600];
	struct vigil_error err;
	size_t len = 1;

	(void)state;
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, out, 264, &len, &err),
			 VIGIL_ERR_TOO_BIG);
	assert_int_equal(len, 0);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xaa);
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, out, 0, &len, &err),
			 VIGIL_ERR_TOO_BIG);
	assert_int_equal(vigil_sign_v3(key, &d, out, 8, &len, &err), VIGIL_ERR_TOO_BIG);
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, out, 265, &len, &err),
			 VIGIL_OK);
	assert_int_equal(len, 265);
	assert_int_equal(out[265], 0xaa);
	assert_int_equal(vigil_sign_v2(key, VIGIL_IMA_XATTR_DIGEST_NG, &d, out, 600, &len, &err),
			 VIGIL_ERR_INVALID);
	assert_int_equal(vigil_sign_v2(key, VIGIL_IMA_VERITY_DIGSIG, &d, out, 600, &len, &err),
			 VIGIL_ERR_INVALID);
	assert_int_equal(vigil_sign_v2(NULL, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, out, 600, &len, &err),
			 VIGIL_ERR_INVALID);
	bad = d;
	bad.len = 20;
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &bad, out, 600, &len, &err),
			 VIGIL_ERR_INVALID);
	bad.algo = 99;
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &bad, out, 600, &len, &err),
			 VIGIL_ERR_INVALID);
	bad.algo = VIGIL_HASH_TGR192;
	bad.len = 24;
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &bad, out, 600, &len, &err),
			 VIGIL_ERR_UNSUPPORTED);
	assert_int_equal(ERR_peek_error(), 0);
	vigil_privkey_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_rsa),
		cmocka_unit_test(test_roundtrip_ecdsa),
		cmocka_unit_test(test_roundtrip_sm2),
		cmocka_unit_test(test_rsa_identical_to_evmctl),
		cmocka_unit_test(test_cross_verify_with_evmctl),
		cmocka_unit_test(test_file_id_known_answers),
		cmocka_unit_test(test_v3_roundtrip),
		cmocka_unit_test(test_v3_identical_to_evmctl),
		cmocka_unit_test(test_verify_key_lookup),
		cmocka_unit_test(test_verify_tries_every_key),
		cmocka_unit_test(test_verify_rejects),
		cmocka_unit_test(test_sign_rejects),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

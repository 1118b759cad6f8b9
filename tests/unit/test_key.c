/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <keyutils.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <vigil/key.h>
#include "testutil.h"

/*
 * Expected keyids.  Private keys: the 4 bytes after "0302xx" in the output of
 *   evmctl ima_sign -n --key tests/data/<key> <file>      (evmctl 1.4; -a sm3 for sm2.pem)
 * Certificates: the last 4 bytes printed by
 *   openssl x509 -in tests/data/<cert> -noout -ext subjectKeyIdentifier
 * test_keyids_match_evmctl re-derives the private-key ones live when evmctl is present.
 */
#define KEYID_RSA2048 0xfe808e41u
#define KEYID_RSA2048_SKID 0xa1b2c3d4u
#define KEYID_RSA4096 0xfe38e96cu
#define KEYID_RSA_OTHER 0x0871043au
#define KEYID_P256 0xbf17dd94u
#define KEYID_P384 0x2c24ec54u
#define KEYID_SM2 0x4e8928d8u
#define TEST_PASS "vigil-test-pass"


static uint8_t *read_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static EVP_PKEY *ossl_private(const char *name)
{
	BIO *bio = BIO_new_file(data(name), "r");
	EVP_PKEY *pkey;

	assert_non_null(bio);
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(pkey);
	return pkey;
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
	strcpy(tmpdir, "/tmp/vigil-test-key-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void expect_private(const char *path, const char *pass, enum vigil_key_type type,
			   uint32_t keyid)
{
	struct vigil_privkey *key = NULL;
	struct vigil_error err = { 0 };
	int rc = vigil_privkey_load(path, pass, &key, &err);

	if (rc != VIGIL_OK)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(vigil_privkey_type(key), type);
	if (vigil_privkey_keyid(key) != keyid)
		fail_msg("%s: keyid %08x, expected %08x", path, vigil_privkey_keyid(key), keyid);
	vigil_privkey_free(key);
	assert_int_equal(ERR_peek_error(), 0);
}

static void test_private_keyids(void **state)
{
	(void)state;
	expect_private(data("rsa2048.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048);
	expect_private(data("rsa2048.der"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048);
	expect_private(data("rsa2048-enc.pem"), TEST_PASS, VIGIL_KEY_RSA, KEYID_RSA2048);
	expect_private(data("rsa2048-with-cert.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048_SKID);
	expect_private(data("rsa4096.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA4096);
	expect_private(data("rsa-other.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA_OTHER);
	expect_private(data("ec-p256.pem"), NULL, VIGIL_KEY_ECDSA, KEYID_P256);
	expect_private(data("ec-p384.pem"), NULL, VIGIL_KEY_ECDSA, KEYID_P384);
	expect_private(data("sm2.pem"), NULL, VIGIL_KEY_SM2, KEYID_SM2);
	/* A password given for a clear key is not used and does no harm. */
	expect_private(data("rsa2048.pem"), "unused", VIGIL_KEY_RSA, KEYID_RSA2048);
}

static void write_traditional(EVP_PKEY *pkey, const char *path, const char *pass)
{
	BIO *bio = BIO_new_file(path, "w");

	assert_non_null(bio);
	assert_true(PEM_write_bio_PrivateKey_traditional(
		bio, pkey, pass ? EVP_aes_256_cbc() : NULL, (unsigned char *)pass,
		pass ? (int)strlen(pass) : 0, NULL, NULL));
	BIO_free(bio);
}

static void write_der(EVP_PKEY *pkey, const char *path, const char *pass)
{
	BIO *bio = BIO_new_file(path, "wb");

	assert_non_null(bio);
	if (pass)
		assert_true(i2d_PKCS8PrivateKey_bio(bio, pkey, EVP_aes_256_cbc(), (char *)pass,
						    (int)strlen(pass), NULL, NULL));
	else
		assert_true(i2d_PrivateKey_bio(bio, pkey));
	BIO_free(bio);
}

static bool file_contains(const char *path, const char *text)
{
	size_t len;
	uint8_t *buf = read_bytes(path, &len);
	bool found = memmem(buf, len, text, strlen(text)) != NULL;

	free(buf);
	return found;
}

/* The formats of the committed keys are PKCS#8; the others are made here. */
static void test_private_key_formats(void **state)
{
	EVP_PKEY *rsa = ossl_private("rsa2048.pem"), *ec = ossl_private("ec-p256.pem");

	(void)state;
	write_traditional(rsa, tmp("pkcs1.pem"), NULL);
	assert_true(file_contains(tmp("pkcs1.pem"), "BEGIN RSA PRIVATE KEY"));
	expect_private(tmp("pkcs1.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048);
	write_traditional(rsa, tmp("pkcs1-enc.pem"), "legacy-pass");
	assert_true(file_contains(tmp("pkcs1-enc.pem"), "ENCRYPTED"));
	expect_private(tmp("pkcs1-enc.pem"), "legacy-pass", VIGIL_KEY_RSA, KEYID_RSA2048);
	write_traditional(ec, tmp("sec1.pem"), NULL);
	assert_true(file_contains(tmp("sec1.pem"), "BEGIN EC PRIVATE KEY"));
	expect_private(tmp("sec1.pem"), NULL, VIGIL_KEY_ECDSA, KEYID_P256);
	write_der(rsa, tmp("pkcs1.der"), NULL);
	expect_private(tmp("pkcs1.der"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048);
	write_der(ec, tmp("sec1.der"), NULL);
	expect_private(tmp("sec1.der"), NULL, VIGIL_KEY_ECDSA, KEYID_P256);
	write_der(rsa, tmp("pkcs8-enc.der"), "der-pass");
	expect_private(tmp("pkcs8-enc.der"), "der-pass", VIGIL_KEY_RSA, KEYID_RSA2048);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static void expect_private_error(const char *path, const char *pass, int code,
				 const char *text)
{
	struct vigil_privkey *key = (void *)1;
	struct vigil_error err = { 0 };

	assert_int_equal(vigil_privkey_load(path, pass, &key, &err), code);
	assert_null(key);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, path) || (text && !strstr(err.msg, text)))
		fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.msg, path, text);
	assert_int_equal(ERR_peek_error(), 0);
}

static void test_private_key_errors(void **state)
{
	static const char garbage[] = "this is not a key\n";
	size_t len;
	uint8_t *pem = read_bytes(data("rsa2048.pem"), &len);
	uint8_t *big = calloc(1, (1 << 20) + 1);
	EVP_PKEY *rsa = ossl_private("rsa2048.pem");

	(void)state;
	write_traditional(rsa, tmp("pkcs1-enc.pem"), "legacy-pass");
	write_der(rsa, tmp("pkcs8-enc.der"), "der-pass");
	EVP_PKEY_free(rsa);
	expect_private_error(data("rsa2048-enc.pem"), "wrong", VIGIL_ERR_INVALID, "password");
	expect_private_error(data("rsa2048-enc.pem"), NULL, VIGIL_ERR_INVALID, "no password");
	expect_private_error(tmp("pkcs1-enc.pem"), "wrong", VIGIL_ERR_INVALID, "password");
	expect_private_error(tmp("pkcs8-enc.der"), "wrong", VIGIL_ERR_INVALID, "password");
	expect_private_error(tmp("does-not-exist.pem"), NULL, VIGIL_ERR_IO, "No such file");
	write_bytes(tmp("garbage.pem"), garbage, sizeof(garbage) - 1);
	expect_private_error(tmp("garbage.pem"), NULL, VIGIL_ERR_INVALID, "not a private key");
	write_bytes(tmp("truncated.pem"), pem, len / 2);
	expect_private_error(tmp("truncated.pem"), NULL, VIGIL_ERR_INVALID, "private key");
	write_bytes(tmp("empty.pem"), "", 0);
	expect_private_error(tmp("empty.pem"), NULL, VIGIL_ERR_INVALID, "empty");
	expect_private_error(data("rsa2048-pub.pem"), NULL, VIGIL_ERR_INVALID, "public key");
	expect_private_error(data("rsa2048-cert.pem"), NULL, VIGIL_ERR_INVALID, "certificate");
	expect_private_error(data("rsa2048-cert.der"), NULL, VIGIL_ERR_INVALID, "certificate");
	expect_private_error(data("sm2-pub.pem"), NULL, VIGIL_ERR_INVALID, "public key");
	expect_private_error(tmpdir, NULL, VIGIL_ERR_INVALID, "directory");
	memcpy(big, pem, len); /* a valid key followed by too much */
	write_bytes(tmp("big.pem"), big, (1 << 20) + 1);
	expect_private_error(tmp("big.pem"), NULL, VIGIL_ERR_TOO_BIG, "limit");
	write_bytes(tmp("big.pem"), big, 1 << 20); /* exactly at the limit still loads */
	expect_private(tmp("big.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048);
	unlink(tmp("big.pem"));
	free(big);
	free(pem);
}

/* A certificate beside the key names it only if it is this key's certificate. */
static void test_private_key_foreign_cert(void **state)
{
	size_t klen, clen;
	uint8_t *key = read_bytes(data("rsa-other.pem"), &klen);
	uint8_t *cert = read_bytes(data("rsa2048-skid-cert.pem"), &clen);
	uint8_t *both = malloc(klen + clen);

	(void)state;
	memcpy(both, key, klen);
	memcpy(both + klen, cert, clen);
	write_bytes(tmp("other-with-foreign-cert.pem"), both, klen + clen);
	/* the SKID a1b2c3d4 belongs to rsa2048: rsa-other keeps its own keyid */
	expect_private(tmp("other-with-foreign-cert.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA_OTHER);
	/* the matching certificate still names its key */
	expect_private(data("rsa2048-with-cert.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048_SKID);
	free(both);
	free(key);
	free(cert);
}

/* Key paths: a FIFO is refused without blocking; a DER key with bytes after it is refused. */
static void test_private_key_not_regular_or_trailing(void **state)
{
	size_t len;
	uint8_t *der = read_bytes(data("rsa2048.der"), &len);
	uint8_t *more = malloc(len + 1);

	(void)state;
	assert_int_equal(mkfifo(tmp("key.fifo"), 0600), 0);
	alarm(10); /* without O_NONBLOCK the open would wait for a writer forever */
	expect_private_error(tmp("key.fifo"), NULL, VIGIL_ERR_INVALID, "not a regular");
	alarm(0);
	unlink(tmp("key.fifo"));
	expect_private_error("/dev/null", NULL, VIGIL_ERR_INVALID, "not a regular");
	memcpy(more, der, len);
	more[len] = 0;
	write_bytes(tmp("trailing.der"), more, len + 1);
	expect_private_error(tmp("trailing.der"), NULL, VIGIL_ERR_INVALID, "private key");
	write_bytes(tmp("exact.der"), der, len);
	expect_private(tmp("exact.der"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048);
	free(more);
	free(der);
}

/* Where the public DER of a bare key is needed for a test. */
static void write_spki_der(EVP_PKEY *pkey, const char *path)
{
	BIO *bio = BIO_new_file(path, "wb");

	assert_non_null(bio);
	assert_true(i2d_PUBKEY_bio(bio, pkey));
	BIO_free(bio);
}

static void test_private_key_spki_der_refused(void **state)
{
	EVP_PKEY *rsa = ossl_private("rsa2048.pem");

	(void)state;
	write_spki_der(rsa, tmp("spki.der"));
	expect_private_error(tmp("spki.der"), NULL, VIGIL_ERR_INVALID, "public key");
	EVP_PKEY_free(rsa);
}

static bool have_tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* The keyid bytes of the last xattr line evmctl prints: "0302" algo keyid... */
static uint32_t evmctl_keyid(const char *key, const char *algo, const char *file)
{
	char cmd[1024], line[4096], last[4096] = "", hex[9];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "evmctl ima_sign -n -a %s --key '%s' '%s' 2>/dev/null", algo,
		 key, file);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		strcpy(last, line);
	assert_int_equal(pclose(p), 0);
	if (strncmp(last, "0302", 4) != 0)
		fail_msg("unexpected evmctl output \"%s\"", last);
	memcpy(hex, last + 6, 8);
	hex[8] = '\0';
	return (uint32_t)strtoul(hex, NULL, 16);
}

static void test_keyids_match_evmctl(void **state)
{
	static const struct {
		const char *name, *algo;
	} keys[] = {
		{ "rsa2048.pem", "sha256" },	   { "rsa2048-with-cert.pem", "sha256" },
		{ "rsa4096.pem", "sha256" },	   { "rsa-other.pem", "sha256" },
		{ "ec-p256.pem", "sha256" },	   { "ec-p384.pem", "sha384" },
		{ "sm2.pem", "sm3" },
	};

	(void)state;
	if (!have_tool("evmctl")) {
		print_message("SKIP: evmctl not installed; keyids checked against constants only\n");
		skip();
	}
	write_bytes(tmp("payload"), "payload\n", 8);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct vigil_privkey *key;
		struct vigil_error err;
		uint32_t want = evmctl_keyid(data(keys[i].name), keys[i].algo, tmp("payload"));

		assert_int_equal(vigil_privkey_load(data(keys[i].name), NULL, &key, &err),
				 VIGIL_OK);
		if (vigil_privkey_keyid(key) != want)
			fail_msg("%s: vigil keyid %08x, evmctl %08x", keys[i].name,
				 vigil_privkey_keyid(key), want);
		vigil_privkey_free(key);
	}
}

static struct vigil_pubkey *expect_public(const char *path, bool is_cert,
					  enum vigil_key_type type, uint32_t keyid)
{
	struct vigil_pubkey *key = NULL;
	struct vigil_error err = { 0 };

	if (vigil_pubkey_load(path, &key, &err) != VIGIL_OK)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(vigil_pubkey_is_cert(key), is_cert);
	assert_int_equal(vigil_pubkey_type(key), type);
	if (vigil_pubkey_keyid(key) != keyid)
		fail_msg("%s: keyid %08x, expected %08x", path, vigil_pubkey_keyid(key), keyid);
	assert_string_equal(vigil_pubkey_source(key), path);
	assert_int_equal(ERR_peek_error(), 0);
	return key;
}

static void expect_der(const struct vigil_pubkey *key, const char *der_file)
{
	const uint8_t *der;
	size_t len, want_len;
	uint8_t *want = read_bytes(der_file, &want_len);

	assert_int_equal(vigil_pubkey_der(key, &der, &len), VIGIL_OK);
	assert_int_equal(len, want_len);
	assert_memory_equal(der, want, len);
	free(want);
}

static void test_public_keys(void **state)
{
	static const struct {
		const char *name;
		bool is_cert;
		enum vigil_key_type type;
		uint32_t keyid;
	} keys[] = {
		{ "rsa2048-cert.pem", true, VIGIL_KEY_RSA, KEYID_RSA2048 },
		{ "rsa2048-cert.der", true, VIGIL_KEY_RSA, KEYID_RSA2048 },
		{ "rsa2048-skid-cert.pem", true, VIGIL_KEY_RSA, KEYID_RSA2048_SKID },
		{ "rsa2048-pub.pem", false, VIGIL_KEY_RSA, KEYID_RSA2048 },
		{ "rsa4096-cert.der", true, VIGIL_KEY_RSA, KEYID_RSA4096 },
		{ "rsa-other-cert.der", true, VIGIL_KEY_RSA, KEYID_RSA_OTHER },
		{ "ec-p256-cert.der", true, VIGIL_KEY_ECDSA, KEYID_P256 },
		{ "ec-p384-cert.der", true, VIGIL_KEY_ECDSA, KEYID_P384 },
		{ "sm2-pub.pem", false, VIGIL_KEY_SM2, KEYID_SM2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		vigil_pubkey_free(expect_public(data(keys[i].name), keys[i].is_cert,
						keys[i].type, keys[i].keyid));
}

static void test_public_key_der(void **state)
{
	EVP_PKEY *rsa = ossl_private("rsa2048.pem");
	struct vigil_pubkey *key;

	(void)state;
	/* The certificate's own DER, whether it came as PEM or DER. */
	key = expect_public(data("rsa2048-cert.pem"), true, VIGIL_KEY_RSA, KEYID_RSA2048);
	expect_der(key, data("rsa2048-cert.der"));
	vigil_pubkey_free(key);
	key = expect_public(data("ec-p384-cert.der"), true, VIGIL_KEY_ECDSA, KEYID_P384);
	expect_der(key, data("ec-p384-cert.der"));
	vigil_pubkey_free(key);
	/* A bare key's SubjectPublicKeyInfo, and that DER loads too. */
	write_spki_der(rsa, tmp("spki.der"));
	key = expect_public(data("rsa2048-pub.pem"), false, VIGIL_KEY_RSA, KEYID_RSA2048);
	expect_der(key, tmp("spki.der"));
	vigil_pubkey_free(key);
	vigil_pubkey_free(expect_public(tmp("spki.der"), false, VIGIL_KEY_RSA, KEYID_RSA2048));
	EVP_PKEY_free(rsa);
}

static void test_public_key_pkcs1(void **state)
{
	EVP_PKEY *rsa = ossl_private("rsa2048.pem");
	OSSL_ENCODER_CTX *ectx;
	BIO *bio = BIO_new_file(tmp("rsa-pub-pkcs1.pem"), "w");

	(void)state;
	ectx = OSSL_ENCODER_CTX_new_for_pkey(rsa, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific",
					     NULL);
	assert_non_null(ectx);
	assert_true(OSSL_ENCODER_to_bio(ectx, bio));
	OSSL_ENCODER_CTX_free(ectx);
	BIO_free(bio);
	assert_true(file_contains(tmp("rsa-pub-pkcs1.pem"), "BEGIN RSA PUBLIC KEY"));
	vigil_pubkey_free(
		expect_public(tmp("rsa-pub-pkcs1.pem"), false, VIGIL_KEY_RSA, KEYID_RSA2048));
	EVP_PKEY_free(rsa);
}

static void expect_public_error(const char *path, int code, const char *text)
{
	struct vigil_pubkey *key = (void *)1;
	struct vigil_error err = { 0 };

	assert_int_equal(vigil_pubkey_load(path, &key, &err), code);
	assert_null(key);
	if (!strstr(err.msg, path) || (text && !strstr(err.msg, text)))
		fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.msg, path, text);
	assert_int_equal(ERR_peek_error(), 0);
}

static void test_public_key_errors(void **state)
{
	size_t len;
	uint8_t *der = read_bytes(data("rsa2048-cert.der"), &len);
	struct vigil_pubkey *key = (void *)1;
	struct vigil_error err;

	(void)state;
	write_bytes(tmp("garbage.pem"), "-----BEGIN nonsense\n", 20);
	expect_public_error(data("rsa2048.pem"), VIGIL_ERR_INVALID, "private key");
	expect_public_error(data("rsa2048.der"), VIGIL_ERR_INVALID, "not an X.509");
	expect_public_error(tmp("garbage.pem"), VIGIL_ERR_INVALID, NULL);
	expect_public_error(tmp("nope.der"), VIGIL_ERR_IO, NULL);
	write_bytes(tmp("cert-trunc.der"), der, len - 1);
	expect_public_error(tmp("cert-trunc.der"), VIGIL_ERR_INVALID, NULL);
	der[4] = 0x31; /* the TBSCertificate SEQUENCE tag becomes a SET */
	write_bytes(tmp("cert-bad.der"), der, len);
	expect_public_error(tmp("cert-bad.der"), VIGIL_ERR_INVALID, NULL);
	assert_int_equal(vigil_pubkey_load_mem("junk", 4, "junk-source", &key, &err),
			 VIGIL_ERR_INVALID);
	assert_null(key);
	assert_non_null(strstr(err.msg, "junk-source"));
	assert_int_equal(vigil_pubkey_load_mem("", 0, NULL, &key, &err), VIGIL_ERR_INVALID);
	assert_int_equal(ERR_peek_error(), 0);
	free(der);
}

static void test_public_key_mem(void **state)
{
	size_t len;
	uint8_t *der = read_bytes(data("ec-p256-cert.der"), &len);
	struct vigil_pubkey *key;
	struct vigil_error err;

	(void)state;
	assert_int_equal(vigil_pubkey_load_mem(der, len, "mem", &key, &err), VIGIL_OK);
	assert_int_equal(vigil_pubkey_keyid(key), KEYID_P256);
	assert_string_equal(vigil_pubkey_source(key), "mem");
	vigil_pubkey_free(key);
	free(der);
}

/* A certificate with no subjectKeyIdentifier, for the fallbacks and errors around it. */
static void write_cert_without_skid(const char *path)
{
	EVP_PKEY *rsa = ossl_private("rsa2048.pem");
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();
	BIO *bio = BIO_new_file(path, "w");

	assert_true(cert && name && bio);
	assert_true(X509_set_version(cert, X509_VERSION_3));
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"no skid",
				   -1, -1, 0);
	X509_set_subject_name(cert, name);
	X509_set_issuer_name(cert, name);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, rsa);
	assert_true(X509_sign(cert, rsa, EVP_sha256()) > 0);
	assert_true(PEM_write_bio_X509(bio, cert));
	BIO_free(bio);
	X509_NAME_free(name);
	X509_free(cert);
	EVP_PKEY_free(rsa);
}

static void test_keyid_from_cert(void **state)
{
	struct vigil_error err;
	uint32_t keyid = 0;

	(void)state;
	assert_int_equal(vigil_keyid_from_cert(data("rsa2048-skid-cert.pem"), &keyid, &err),
			 VIGIL_OK);
	assert_int_equal(keyid, KEYID_RSA2048_SKID);
	/* evmctl -v ima_sign --keyid-from-cert tests/data/rsa2048-cert.der: "keyid fe808e41" */
	assert_int_equal(vigil_keyid_from_cert(data("rsa2048-cert.der"), &keyid, &err), VIGIL_OK);
	assert_int_equal(keyid, KEYID_RSA2048);
	write_cert_without_skid(tmp("noskid.pem"));
	assert_int_equal(vigil_keyid_from_cert(tmp("noskid.pem"), &keyid, &err),
			 VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "no subject key identifier"));
	assert_int_equal(vigil_keyid_from_cert(data("rsa2048-pub.pem"), &keyid, &err),
			 VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "certificate is needed"));
	assert_int_equal(vigil_keyid_from_cert(tmp("nope.pem"), &keyid, &err), VIGIL_ERR_IO);
	assert_int_equal(vigil_keyid_from_cert(data("rsa2048.pem"), &keyid, &err),
			 VIGIL_ERR_INVALID);
	/* Without a SKID a certificate's keyid is the hash of its public key. */
	vigil_pubkey_free(expect_public(tmp("noskid.pem"), true, VIGIL_KEY_RSA, KEYID_RSA2048));
}

static void test_key_with_skidless_cert(void **state)
{
	size_t klen, clen;
	uint8_t *k = read_bytes(data("rsa2048.pem"), &klen), *c, *both;

	(void)state;
	write_cert_without_skid(tmp("noskid.pem"));
	c = read_bytes(tmp("noskid.pem"), &clen);
	both = malloc(klen + clen);
	/* Certificate first: the key is still found; the keyid falls back to the key's. */
	memcpy(both, c, clen);
	memcpy(both + clen, k, klen);
	write_bytes(tmp("cert-then-key.pem"), both, klen + clen);
	expect_private(tmp("cert-then-key.pem"), NULL, VIGIL_KEY_RSA, KEYID_RSA2048);
	free(both);
	free(k);
	free(c);
}

static void test_privkey_public_and_override(void **state)
{
	struct vigil_privkey *priv;
	struct vigil_pubkey *pub;
	struct vigil_error err;
	const uint8_t *der;
	size_t len;

	(void)state;
	assert_int_equal(vigil_privkey_load(data("ec-p384.pem"), NULL, &priv, &err), VIGIL_OK);
	vigil_privkey_set_keyid(priv, 0x01020304);
	assert_int_equal(vigil_privkey_keyid(priv), 0x01020304);
	assert_int_equal(vigil_privkey_public(priv, &pub, &err), VIGIL_OK);
	assert_int_equal(vigil_pubkey_keyid(pub), 0x01020304);
	assert_int_equal(vigil_pubkey_type(pub), VIGIL_KEY_ECDSA);
	assert_false(vigil_pubkey_is_cert(pub));
	assert_int_equal(vigil_pubkey_der(pub, &der, &len), VIGIL_OK);
	assert_true(len > 0 && len < 200); /* an SPKI, not a private key */
	vigil_pubkey_free(pub);
	vigil_privkey_free(priv);
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	uint8_t *buf = read_bytes(from, &len);

	write_bytes(to, buf, len);
	free(buf);
}

static void test_keyset(void **state)
{
	struct vigil_keyset *set = vigil_keyset_new();
	struct vigil_error err;
	char list[2048];

	(void)state;
	assert_non_null(set);
	assert_int_equal(mkdir(tmp("keys"), 0700), 0);
	copy_file(data("rsa2048-cert.der"), tmp("keys/a-rsa2048.der"));
	copy_file(data("ec-p256-cert.der"), tmp("keys/b-p256.der"));
	copy_file(data("rsa2048-pub.pem"), tmp("keys/c-rsa2048-pub.pem"));
	assert_int_equal(mkdir(tmp("keys/subdir"), 0700), 0); /* not descended into */
	snprintf(list, sizeof(list), "%s,%s", tmp("keys"), data("sm2-pub.pem"));
	assert_int_equal(vigil_keyset_load(set, list, &err), VIGIL_OK);
	assert_int_equal(vigil_keyset_count(set), 4);
	/* Same keyid twice: both kept, the first in name order is found. */
	assert_string_equal(vigil_pubkey_source(vigil_keyset_find(set, KEYID_RSA2048)),
			    tmp("keys/a-rsa2048.der"));
	assert_string_equal(vigil_pubkey_source(vigil_keyset_at(set, 2)),
			    tmp("keys/c-rsa2048-pub.pem"));
	assert_int_equal(vigil_pubkey_keyid(vigil_keyset_find(set, KEYID_SM2)), KEYID_SM2);
	assert_int_equal(vigil_pubkey_keyid(vigil_keyset_find(set, KEYID_P256)), KEYID_P256);
	assert_null(vigil_keyset_find(set, KEYID_P384));
	assert_null(vigil_keyset_at(set, 4));
	assert_int_equal(vigil_keyset_load(set, data("ec-p384-cert.der"), &err), VIGIL_OK);
	assert_non_null(vigil_keyset_find(set, KEYID_P384));
	vigil_keyset_free(set);
}

static void test_keyset_errors(void **state)
{
	struct vigil_keyset *set = vigil_keyset_new();
	struct vigil_error err;
	char list[2048];

	(void)state;
	assert_int_equal(mkdir(tmp("bad-keys"), 0700), 0);
	copy_file(data("rsa2048-cert.der"), tmp("bad-keys/a.der"));
	copy_file(data("README.md"), tmp("bad-keys/readme.txt"));
	assert_int_equal(vigil_keyset_load(set, tmp("bad-keys"), &err), VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, tmp("bad-keys/readme.txt")));
	snprintf(list, sizeof(list), "%s,,%s", data("rsa2048-cert.der"), data("sm2-pub.pem"));
	assert_int_equal(vigil_keyset_load(set, list, &err), VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "empty entry"));
	assert_int_equal(vigil_keyset_load(set, tmp("no-such-dir"), &err), VIGIL_ERR_IO);
	assert_non_null(strstr(err.msg, "no-such-dir"));
	assert_int_equal(vigil_keyset_load(set, "", &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_keyset_add(set, NULL, &err), VIGIL_ERR_INVALID);
	vigil_keyset_free(set);
	vigil_keyset_free(NULL);
	assert_int_equal(vigil_keyset_count(NULL), 0);
	assert_null(vigil_keyset_find(NULL, 1));
}

static bool in_fresh_session;

static void require_keyring(void)
{
	if (!in_fresh_session) {
		print_message("SKIP: cannot join a private session keyring: %s\n",
			      strerror(errno));
		skip();
	}
}

static void test_keyring_import(void **state)
{
	struct vigil_pubkey *cert, *bare;
	struct vigil_error err;
	int32_t serial = 0;
	char *desc = NULL;
	key_serial_t ring;

	(void)state;
	require_keyring();
	assert_int_equal(vigil_pubkey_load(data("rsa2048-skid-cert.pem"), &cert, &err), VIGIL_OK);
	if (vigil_keyring_import(cert, "@s", &serial, &err) != VIGIL_OK) {
		print_message("SKIP: the kernel refused an asymmetric key: %s\n", err.msg);
		vigil_pubkey_free(cert);
		skip();
	}
	assert_true(serial > 0);
	assert_true(keyctl_describe_alloc(serial, &desc) > 0);
	assert_true(strncmp(desc, "asymmetric;", 11) == 0);
	assert_non_null(strstr(desc, "a1b2c3d4")); /* the kernel took the same SKID */
	free(desc);
	ring = add_key("keyring", "vigil-test-ring", NULL, 0, KEY_SPEC_SESSION_KEYRING);
	assert_true(ring > 0);
	assert_int_equal(vigil_keyring_import(cert, "%keyring:vigil-test-ring", &serial, &err),
			 VIGIL_OK);
	assert_int_equal(keyctl_search(ring, "asymmetric", "id:a1b2c3d4", 0), serial);
	assert_int_equal(vigil_keyring_import(cert, "%keyring:vigil-no-such-ring", &serial, &err),
			 VIGIL_ERR_NO_DATA);
	assert_int_equal(vigil_keyring_import(cert, "@x", &serial, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_keyring_import(cert, "12abc", &serial, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_keyring_import(cert, "0", &serial, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_keyring_import(cert, "", &serial, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_pubkey_load(data("rsa2048-pub.pem"), &bare, &err), VIGIL_OK);
	assert_int_equal(vigil_keyring_import(bare, "@s", &serial, &err), VIGIL_ERR_UNSUPPORTED);
	assert_int_equal(serial, 0);
	vigil_pubkey_free(bare);
	vigil_pubkey_free(cert);
}

static void test_keyring_import_numeric(void **state)
{
	struct vigil_pubkey *cert;
	struct vigil_error err;
	key_serial_t ring;
	int32_t serial = 0;
	char spec[32];

	(void)state;
	require_keyring();
	ring = add_key("keyring", "vigil-test-ring2", NULL, 0, KEY_SPEC_SESSION_KEYRING);
	assert_true(ring > 0);
	assert_int_equal(vigil_pubkey_load(data("rsa4096-cert.der"), &cert, &err), VIGIL_OK);
	snprintf(spec, sizeof(spec), "0x%x", (unsigned)ring);
	if (vigil_keyring_import(cert, spec, &serial, &err) != VIGIL_OK) {
		print_message("SKIP: the kernel refused an asymmetric key: %s\n", err.msg);
		vigil_pubkey_free(cert);
		skip();
	}
	assert_int_equal(keyctl_search(ring, "asymmetric", "id:fe38e96c", 0), serial);
	snprintf(spec, sizeof(spec), "%d", ring);
	assert_int_equal(vigil_keyring_import(cert, spec, &serial, &err), VIGIL_OK);
	vigil_pubkey_free(cert);
}

static void test_keyring_read(void **state)
{
	uint8_t payload[64], out[128];
	struct vigil_error err;
	size_t len = 99;

	(void)state;
	require_keyring();
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	assert_true(add_key("user", "vigil-test-secret", payload, sizeof(payload),
			    KEY_SPEC_SESSION_KEYRING) > 0);
	assert_int_equal(vigil_keyring_read("vigil-test-secret", out, sizeof(out), &len, &err),
			 VIGIL_OK);
	assert_int_equal(len, sizeof(payload));
	assert_memory_equal(out, payload, sizeof(payload));
	memset(out, 0x55, sizeof(out));
	assert_int_equal(vigil_keyring_read("vigil-test-secret", out, 10, &len, &err),
			 VIGIL_ERR_TOO_BIG);
	assert_int_equal(len, 0);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(out[i], 0); /* the partial copy was wiped */
	assert_int_equal(out[10], 0x55);
	assert_int_equal(vigil_keyring_read("vigil-test-absent", out, sizeof(out), &len, &err),
			 VIGIL_ERR_NO_DATA);
	assert_non_null(strstr(err.msg, "vigil-test-absent"));
	assert_int_equal(vigil_keyring_read("", out, sizeof(out), &len, &err), VIGIL_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_keyids),
		cmocka_unit_test(test_private_key_formats),
		cmocka_unit_test(test_private_key_errors),
		cmocka_unit_test(test_private_key_spki_der_refused),
		cmocka_unit_test(test_private_key_foreign_cert),
		cmocka_unit_test(test_private_key_not_regular_or_trailing),
		cmocka_unit_test(test_keyids_match_evmctl),
		cmocka_unit_test(test_public_keys),
		cmocka_unit_test(test_public_key_der),
		cmocka_unit_test(test_public_key_pkcs1),
		cmocka_unit_test(test_public_key_errors),
		cmocka_unit_test(test_public_key_mem),
		cmocka_unit_test(test_keyid_from_cert),
		cmocka_unit_test(test_key_with_skidless_cert),
		cmocka_unit_test(test_privkey_public_and_override),
		cmocka_unit_test(test_keyset),
		cmocka_unit_test(test_keyset_errors),
		cmocka_unit_test(test_keyring_import),
		cmocka_unit_test(test_keyring_import_numeric),
		cmocka_unit_test(test_keyring_read),
	};

	/* Keys the tests add die with this private session keyring, not the user's. */
	in_fresh_session = keyctl_join_session_keyring(NULL) >= 0;
	return cmocka_run_group_tests(tests, setup, teardown);
}

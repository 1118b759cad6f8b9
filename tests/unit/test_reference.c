/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reference verification of measurement-list entries: allowlist parsing
 * (sha256sum files, Keylime runtime policies), signatures in the real
 * kernel lists of ../shared/vectors, keys measured into a list that become
 * trusted, appended PKCS#7 signatures, violations, and the saved state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <vigil/vigil.h>

static char shared[1024], data[1024];

static int find_dirs(void **state)
{
	const char *s = getenv("VIGIL_SHARED"), *d = getenv("VIGIL_TEST_DATA");
	int n = (int)(strrchr(__FILE__, '/') - __FILE__);

	(void)state;
	if (s)
		snprintf(shared, sizeof(shared), "%s", s);
	else
		snprintf(shared, sizeof(shared), "%.*s/../../../shared", n, __FILE__);
	if (d)
		snprintf(data, sizeof(data), "%s", d);
	else
		snprintf(data, sizeof(data), "%.*s/../data", n, __FILE__);
	return 0;
}

static const char *vec(const char *name, const char *file)
{
	static char path[2][1400];
	static int which;

	which ^= 1;
	snprintf(path[which], sizeof(path[0]), "%s/vectors/%s/%s", shared, name, file);
	return path[which];
}

static const char *datafile(const char *file)
{
	static char path[1400];

	snprintf(path, sizeof(path), "%s/%s", data, file);
	return path;
}

static struct vigil_refdb *db_new(void)
{
	struct vigil_refdb *db;
	struct vigil_error err;

	assert_int_equal(vigil_refdb_new(&db, &err), VIGIL_OK);
	return db;
}

static struct vigil_keyset *keys_from(const char *paths)
{
	struct vigil_keyset *ks = vigil_keyset_new();
	struct vigil_error err;

	assert_non_null(ks);
	if (paths && vigil_keyset_load(ks, paths, &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
	return ks;
}

/* -------------------------------------------------------------- allowlists */

static void test_sums_forms(void **state)
{
	static const char text[] =
		"# comment\n"
		"\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  /empty file\n"
		"sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709 */bin/sha1\n"
		"\\d41d8cd98f00b204e9800998ecf8427e  /a\\nb\\\\c\r\n"
		"SHA256 (/bsd) = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
	struct vigil_refdb *db = db_new();
	struct vigil_error err;
	uint8_t sha256[32], sha1[20], md5[16];

	(void)state;
	assert_int_equal(vigil_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				     sha256, 32), 32);
	assert_int_equal(vigil_unhex("da39a3ee5e6b4b0d3255bfef95601890afd80709", sha1, 20), 20);
	assert_int_equal(vigil_unhex("d41d8cd98f00b204e9800998ecf8427e", md5, 16), 16);
	assert_int_equal(vigil_refdb_load_sums(db, text, strlen(text), "t", &err), VIGIL_OK);
	assert_int_equal(vigil_refdb_count(db, VIGIL_REF_NS_FILES), 4);
	/* spaces become '_' as the kernel stores names; any 32-byte algorithm matches */
	assert_int_equal(vigil_refdb_lookup(db, 0, "/empty_file", 11, VIGIL_HASH_SHA256, sha256, 32),
			 VIGIL_REF_FOUND);
	assert_int_equal(vigil_refdb_lookup(db, 0, "/empty file", 11, VIGIL_HASH_SHA256, sha256, 32),
			 VIGIL_REF_UNLISTED);
	/* an algo: prefix is binding */
	assert_int_equal(vigil_refdb_lookup(db, 0, "/bin/sha1", 9, VIGIL_HASH_SHA1, sha1, 20),
			 VIGIL_REF_FOUND);
	assert_int_equal(vigil_refdb_lookup(db, 0, "/bin/sha1", 9, VIGIL_HASH_RMD160, sha1, 20),
			 VIGIL_REF_OTHER_DIGEST);
	assert_int_equal(vigil_refdb_lookup(db, 0, "/a\nb\\c", 6, VIGIL_HASH_MD5, md5, 16),
			 VIGIL_REF_FOUND);
	assert_int_equal(vigil_refdb_lookup(db, 0, "/bsd", 4, VIGIL_HASH_SHA256, sha256, 32),
			 VIGIL_REF_FOUND);
	sha256[0] ^= 1;
	assert_int_equal(vigil_refdb_lookup(db, 0, "/bsd", 4, VIGIL_HASH_SHA256, sha256, 32),
			 VIGIL_REF_OTHER_DIGEST);
	vigil_refdb_free(db);
}

static void test_sums_errors(void **state)
{
	static const char *const bad[] = {
		"abc  /odd-hex\n",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8  /31-bytes\n",
		"sha1:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  /wrong-len\n",
		"nosuch:d41d8cd98f00b204e9800998ecf8427e  /algo\n",
		"d41d8cd98f00b204e9800998ecf8427e /one-space\n",
		"d41d8cd98f00b204e9800998ecf8427e  \n",
		"\\d41d8cd98f00b204e9800998ecf8427e  /bad\\escape\n",
	};
	struct vigil_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vigil_refdb *db = db_new();
		char text[256];

		snprintf(text, sizeof(text), "# ok\n%s", bad[i]);
		assert_int_equal(vigil_refdb_load_sums(db, text, strlen(text), "list", &err),
				 VIGIL_ERR_INVALID);
		assert_non_null(strstr(err.msg, "list line 2"));
		vigil_refdb_free(db);
	}
}

/* The SubjectPublicKeyInfo of a test key, base64. */
static char *spki_base64(const char *cert_path)
{
	FILE *fp = fopen(cert_path, "rb");
	X509 *x;
	unsigned char *der = NULL;
	char *b64;
	int n;

	assert_non_null(fp);
	x = d2i_X509_fp(fp, NULL);
	fclose(fp);
	assert_non_null(x);
	n = i2d_PUBKEY(X509_get0_pubkey(x), &der);
	assert_true(n > 0);
	b64 = malloc((size_t)n * 2 + 4);
	assert_non_null(b64);
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	OPENSSL_free(der);
	X509_free(x);
	return b64;
}

static void test_policy(void **state)
{
	char *b64 = spki_base64(datafile("rsa2048-cert.der"));
	char *json = malloc(4096);
	struct vigil_refdb *db = db_new();
	struct vigil_error err;
	uint8_t d[32];

	(void)state;
	/* verification-keys is a JSON string holding {ring: "JSON string"}, as Keylime writes it */
	snprintf(json, 4096,
		 "{\"meta\":{\"version\":1,\"generator\":1},\"release\":0,\n"
		 " \"digests\":{\"/usr/bin/x\":[\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
		 "\"sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709\"]},\n"
		 " \"excludes\":[\"/tmp/.*\",\"(?:/var/log)/x\\\\d+\",\"/proc\"],\n"
		 " \"keyrings\":{\".ima\":[\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"]},\n"
		 " \"ima\":{\"ignored_keyrings\":[\".builtin_trusted_keys\"],\"log_hash_alg\":\"sha1\",\"dm_policy\":null},\n"
		 " \"ima-buf\":{\"kernel_version\":[\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"]},\n"
		 " \"verification-keys\":\"{\\\"tenant\\\": \\\"{\\\\\\\"pubkeys\\\\\\\": [\\\\\\\"%s\\\\\\\"], "
		 "\\\\\\\"keyids\\\\\\\": [305419896]}\\\"}\"}\n", b64);
	if (vigil_refdb_load_policy(db, json, strlen(json), "p.json", &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
	vigil_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", d, 32);
	assert_int_equal(vigil_refdb_count(db, VIGIL_REF_NS_FILES), 2);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/usr/bin/x", 10, 4, d, 32),
			 VIGIL_REF_FOUND);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_KEYRINGS, ".ima", 4, 4, d, 32),
			 VIGIL_REF_FOUND);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_BUF, "kernel_version", 14, 4, d, 32),
			 VIGIL_REF_FOUND);
	/* excludes match from the start of the name, Python shorthands translated */
	assert_true(vigil_refdb_excluded(db, "/tmp/a", 6));
	assert_false(vigil_refdb_excluded(db, "/x/tmp/a", 8));
	assert_true(vigil_refdb_excluded(db, "/var/log/x12", 12));
	assert_false(vigil_refdb_excluded(db, "/var/log/xa", 11));
	assert_true(vigil_refdb_excluded(db, "/proc/1", 7));
	assert_true(vigil_refdb_keyring_ignored(db, ".builtin_trusted_keys", 21));
	assert_false(vigil_refdb_keyring_ignored(db, ".ima", 4));
	assert_int_equal(vigil_keyset_count(vigil_refdb_keys(db)), 1);
	vigil_refdb_free(db);
	free(json);
	free(b64);
}

static void test_policy_errors(void **state)
{
	static const char *const bad[] = {
		"{\"digests\":{\"/a\":\"e3b0\"}}",
		"{\"digests\":{\"/a\":[\"zz\"]}}",
		"{\"digests\":[]}",
		"{\"excludes\":[\"(\"]}",
		"{\"excludes\":\"/tmp\"}",
		"{\"meta\":{}}",
		"{\"digests\":{}} trailing",
		"{\"digests\":",
		"[1,2]",
		"{\"verification-keys\":\"{\\\"r\\\":{\\\"pubkeys\\\":[\\\"!!\\\"]}}\"}",
		"{\"ima\":{\"log_hash_alg\":\"nosuch\"}}",
	};
	struct vigil_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vigil_refdb *db = db_new();
		int rc = vigil_refdb_load_policy(db, bad[i], strlen(bad[i]), "p", &err);

		if (rc == VIGIL_OK)
			fail_msg("accepted: %s", bad[i]);
		vigil_refdb_free(db);
	}
	{
		struct vigil_refdb *db = db_new();
		const char *v2 = "{\"meta\":{\"version\":2}}";

		assert_int_equal(vigil_refdb_load_policy(db, v2, strlen(v2), "p", &err),
				 VIGIL_ERR_UNSUPPORTED);
		vigil_refdb_free(db);
	}
}

/* ------------------------------------------------------------- the vectors */

struct tally {
	uint64_t verdicts[VIGIL_REF_VERDICTS];
	uint64_t failed;
	char first_failed_name[256];
	uint64_t first_failed_index;
	uint32_t unknown_keyids[8];
	unsigned nunknown;
};

static void check_list(const char *path, struct vigil_refcheck *rc, struct tally *t)
{
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_ref_result res;
	struct vigil_error err;
	int n;

	memset(t, 0, sizeof(*t));
	assert_int_equal(vigil_mlist_reader_path(path, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	while ((n = vigil_mlist_next(r, &e, &err)) == 1) {
		assert_int_equal(vigil_refcheck_entry(rc, &e, &res, &err), VIGIL_OK);
		t->verdicts[res.verdict]++;
		if (res.verdict == VIGIL_REF_UNKNOWN_KEY && t->nunknown < 8)
			t->unknown_keyids[t->nunknown++] = res.keyid;
		if (res.failed && t->failed++ == 0) {
			snprintf(t->first_failed_name, sizeof(t->first_failed_name), "%.*s",
				 (int)e.file_name_len, e.file_name);
			t->first_failed_index = e.index;
		}
	}
	assert_int_equal(n, 0);
	vigil_mlist_reader_free(r);
}

/* EXPECT.txt: 55 good signatures, one tampered file, two files by a key the guest lacked. */
static void test_sig_vector(void **state)
{
	struct vigil_keyset *both = keys_from(vec("sig", "rsa.der")), *one;
	struct vigil_refcheck *rc;
	struct vigil_error err;
	struct tally t;

	(void)state;
	assert_int_equal(vigil_keyset_load(both, vec("sig", "rsa-other.der"), &err), VIGIL_OK);
	assert_int_equal(vigil_refcheck_new(NULL, both, 0, &rc, &err), VIGIL_OK);
	check_list(vec("sig", "binary_runtime_measurements"), rc, &t);
	assert_int_equal(t.verdicts[VIGIL_REF_OK], 55);
	assert_int_equal(t.verdicts[VIGIL_REF_BAD_SIGNATURE], 1);
	assert_int_equal(t.verdicts[VIGIL_REF_UNKNOWN_KEY], 0);
	assert_int_equal(t.failed, 1);
	assert_string_equal(t.first_failed_name, "/mnt/data/s/tampered/data.txt");
	vigil_refcheck_free(rc);

	one = keys_from(vec("sig", "rsa.der"));
	assert_int_equal(vigil_refcheck_new(NULL, one, 0, &rc, &err), VIGIL_OK);
	check_list(vec("sig", "binary_runtime_measurements"), rc, &t);
	assert_int_equal(t.verdicts[VIGIL_REF_OK], 53);
	assert_int_equal(t.verdicts[VIGIL_REF_BAD_SIGNATURE], 1);
	assert_int_equal(t.verdicts[VIGIL_REF_UNKNOWN_KEY], 2);
	assert_int_equal(t.unknown_keyids[0], 0x7f795984);
	assert_int_equal(t.unknown_keyids[1], 0x7f795984);
	vigil_refcheck_free(rc);
	vigil_keyset_free(both);
	vigil_keyset_free(one);
}

/* The ascii list as sha256sum lines: every entry vouched for; drop or alter one and it fails. */
static char *sums_from_list(const char *path, uint64_t skip, uint64_t alter)
{
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_error err;
	char *out = NULL, hex[2 * VIGIL_MAX_DIGEST + 1];
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_int_equal(vigil_mlist_reader_path(path, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	while (vigil_mlist_next(r, &e, &err) == 1) {
		if (e.index == skip)
			continue;
		vigil_hex(e.file_digest, e.file_digest_len, hex);
		if (e.index == alter)
			hex[0] = hex[0] == '0' ? '1' : '0';
		fprintf(fp, "%s:%s  %.*s\n", vigil_hash_by_id(e.file_algo)->name, hex,
			(int)e.file_name_len, e.file_name);
	}
	vigil_mlist_reader_free(r);
	fclose(fp);
	return out;
}

static struct tally allowlist_run(const char *sums)
{
	struct vigil_refdb *db = db_new();
	struct vigil_refcheck *rc;
	struct vigil_error err;
	struct tally t;

	assert_int_equal(vigil_refdb_load_sums(db, sums, strlen(sums), "sums", &err), VIGIL_OK);
	assert_int_equal(vigil_refcheck_new(db, NULL, VIGIL_REFCHECK_REQUIRE_REFERENCE, &rc, &err),
			 VIGIL_OK);
	check_list(vec("ng-sha256", "binary_runtime_measurements"), rc, &t);
	vigil_refcheck_free(rc);
	vigil_refdb_free(db);
	return t;
}

static void test_allowlist_vector(void **state)
{
	const char *list = vec("ng-sha256", "binary_runtime_measurements");
	char *all = sums_from_list(list, UINT64_MAX, UINT64_MAX);
	char *less = sums_from_list(list, 40, UINT64_MAX);
	char *altered = sums_from_list(list, UINT64_MAX, 41);
	struct tally t;

	(void)state;
	t = allowlist_run(all);
	assert_int_equal(t.verdicts[VIGIL_REF_OK], 297);
	assert_int_equal(t.failed, 0);
	t = allowlist_run(less);
	assert_int_equal(t.verdicts[VIGIL_REF_NO_REFERENCE], 1);
	assert_int_equal(t.failed, 1);
	assert_int_equal(t.first_failed_index, 40);
	t = allowlist_run(altered);
	assert_int_equal(t.verdicts[VIGIL_REF_DIGEST_MISMATCH], 1);
	assert_int_equal(t.first_failed_index, 41);
	free(all);
	free(less);
	free(altered);
}

static void test_violations_vector(void **state)
{
	struct vigil_refcheck *rc;
	struct vigil_error err;
	struct tally t;

	(void)state;
	assert_int_equal(vigil_refcheck_new(NULL, NULL, 0, &rc, &err), VIGIL_OK);
	check_list(vec("violations", "binary_runtime_measurements"), rc, &t);
	assert_int_equal(t.verdicts[VIGIL_REF_VIOLATION], 10);
	assert_int_equal(t.failed, 10);
	assert_int_equal(t.first_failed_index, 47);
	vigil_refcheck_free(rc);
	assert_int_equal(vigil_refcheck_new(NULL, NULL, VIGIL_REFCHECK_IGNORE_VIOLATIONS, &rc, &err),
			 VIGIL_OK);
	check_list(vec("violations", "binary_runtime_measurements"), rc, &t);
	assert_int_equal(t.verdicts[VIGIL_REF_VIOLATION], 10);
	assert_int_equal(t.failed, 0);
	vigil_refcheck_free(rc);
}

/* boot_aggregate entries are checked against the PCRs given. */
static void test_boot_aggregate_entry(void **state)
{
	struct vigil_refcheck *rc;
	struct vigil_pcrs p;
	struct vigil_error err;
	struct tally t;

	(void)state;
	vigil_pcrs_init(&p);
	assert_int_equal(vigil_pcrs_load(&p, vec("legacy-ima", "pcrs-sha1.txt"), -1, &err), VIGIL_OK);
	assert_int_equal(vigil_pcrs_load(&p, vec("legacy-ima", "pcrs-sha256.txt"), -1, &err), VIGIL_OK);
	assert_int_equal(vigil_refcheck_new(NULL, NULL, VIGIL_REFCHECK_IGNORE_VIOLATIONS, &rc, &err),
			 VIGIL_OK);
	vigil_refcheck_set_pcrs(rc, &p);
	check_list(vec("legacy-ima", "binary_runtime_measurements"), rc, &t);
	assert_int_equal(t.verdicts[VIGIL_REF_OK], 1);
	vigil_refcheck_free(rc);
	p.banks[0].pcr[3][0] ^= 1;
	assert_int_equal(vigil_refcheck_new(NULL, NULL, 0, &rc, &err), VIGIL_OK);
	vigil_refcheck_set_pcrs(rc, &p);
	check_list(vec("legacy-ima", "binary_runtime_measurements"), rc, &t);
	assert_int_equal(t.verdicts[VIGIL_REF_DIGEST_MISMATCH], 1);
	assert_int_equal(t.first_failed_index, 0);
	vigil_refcheck_free(rc);
}

/* --------------------------------------------------------- synthetic lists */

struct list {
	char *buf;
	size_t len;
	FILE *fp;
	struct vigil_mlist_writer *w;
};

static void list_start(struct list *l)
{
	struct vigil_error err;

	memset(l, 0, sizeof(*l));
	l->fp = open_memstream(&l->buf, &l->len);
	assert_int_equal(vigil_mlist_writer_new(l->fp, VIGIL_HASH_SHA1, 0, &l->w, &err), VIGIL_OK);
}

static void list_add(struct list *l, const char *tmpl, const struct vigil_field *f, unsigned n)
{
	struct vigil_mlist_record rec = { .pcr = 10, .template_name = tmpl, .nfields = n };
	struct vigil_error err;

	memcpy(rec.fields, f, n * sizeof(*f));
	if (vigil_mlist_writer_append(l->w, &rec, &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
}

static void list_end(struct list *l)
{
	vigil_mlist_writer_free(l->w);
	fclose(l->fp);
}

/* d-ng of sha256(data) and n-ng of name into fields[0..1]. */
static void base_fields(struct vigil_field *f, uint8_t *dng, uint8_t *nng, const char *name,
			const void *data, size_t len, struct vigil_digest *d)
{
	struct vigil_error err;
	size_t n;

	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA256, data, len, d, &err), VIGIL_OK);
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, d->bytes, d->len, dng, 128,
						      &n, &err), VIGIL_OK);
	f[0] = (struct vigil_field){ VIGIL_FIELD_D_NG, dng, (uint32_t)n };
	assert_int_equal(vigil_field_encode_name(name, strlen(name), true, nng, 256, &n, &err),
			 VIGIL_OK);
	f[1] = (struct vigil_field){ VIGIL_FIELD_N_NG, nng, (uint32_t)n };
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b = malloc(1 << 16);

	assert_non_null(fp);
	*len = fread(b, 1, 1 << 16, fp);
	fclose(fp);
	return b;
}

/*
 * Entry 0: the rsa2048 certificate measured into keyring "_ima" (ima-buf);
 * entry 1: a file signed by that key (ima-sig).  tamper_buf breaks entry 0's
 * buf against its digest.
 */
static void key_list(struct list *l, bool tamper_buf, struct vigil_digest *cert_digest)
{
	size_t clen, siglen;
	uint8_t *cert = read_all(datafile("rsa2048-cert.der"), &clen);
	uint8_t dng[128], nng[256], sig[VIGIL_XATTR_MAX];
	struct vigil_privkey *key;
	struct vigil_field f[3];
	struct vigil_digest d;
	struct vigil_error err;

	list_start(l);
	base_fields(f, dng, nng, "_ima", cert, clen, cert_digest);
	if (tamper_buf)
		cert[clen - 1] ^= 1;
	f[2] = (struct vigil_field){ VIGIL_FIELD_BUF, cert, (uint32_t)clen };
	list_add(l, "ima-buf", f, 3);
	base_fields(f, dng, nng, "/usr/bin/signed", "content", 7, &d);
	assert_int_equal(vigil_privkey_load(datafile("rsa2048.pem"), NULL, &key, &err), VIGIL_OK);
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, sig, sizeof(sig), &siglen,
				       &err), VIGIL_OK);
	f[2] = (struct vigil_field){ VIGIL_FIELD_SIG, sig, (uint32_t)siglen };
	list_add(l, "ima-sig", f, 3);
	list_end(l);
	vigil_privkey_free(key);
	free(cert);
}

/* Checks the list; verdicts of entries 0 and 1 into v[]. */
static void run_list(const struct list *l, struct vigil_refcheck *rc, int v[2], bool *learned)
{
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_ref_result res;
	struct vigil_error err;
	int i = 0;

	assert_int_equal(vigil_mlist_reader_mem(l->buf, l->len, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	while (vigil_mlist_next(r, &e, &err) == 1 && i < 2) {
		assert_int_equal(vigil_refcheck_entry(rc, &e, &res, &err), VIGIL_OK);
		if (i == 0 && learned)
			*learned = res.key_learned;
		v[i++] = res.verdict;
	}
	vigil_mlist_reader_free(r);
}

/* Without a TPM: zero boot_aggregate with zero boot PCRs is consistent; with non-zero ones it is not. */
static void test_boot_aggregate_no_tpm(void **state)
{
	uint8_t dng[128], nng[256], zero[32] = { 0 };
	struct vigil_refcheck *rc;
	struct vigil_pcr_bank *bank;
	struct vigil_field f[2];
	struct vigil_pcrs p;
	struct vigil_error err;
	struct list l;
	int v[2] = { -1, -1 };
	size_t n;

	(void)state;
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, zero, 32, dng, sizeof(dng),
						      &n, &err), VIGIL_OK);
	f[0] = (struct vigil_field){ VIGIL_FIELD_D_NG, dng, (uint32_t)n };
	assert_int_equal(vigil_field_encode_name("boot_aggregate", 14, true, nng, sizeof(nng), &n,
						 &err), VIGIL_OK);
	f[1] = (struct vigil_field){ VIGIL_FIELD_N_NG, nng, (uint32_t)n };
	list_start(&l);
	list_add(&l, "ima-ng", f, 2);
	list_end(&l);

	vigil_pcrs_init(&p);
	bank = vigil_pcrs_bank(&p, VIGIL_HASH_SHA256, true);
	assert_non_null(bank);
	bank->valid = 0xffffff; /* PCR 0-23 read, all zero */
	assert_int_equal(vigil_refcheck_new(NULL, NULL, 0, &rc, &err), VIGIL_OK);
	vigil_refcheck_set_pcrs(rc, &p);
	run_list(&l, rc, v, NULL);
	assert_int_equal(v[0], VIGIL_REF_OK);
	vigil_refcheck_free(rc);

	bank->pcr[7][31] = 1; /* firmware measured something: zeros are a lie now */
	assert_int_equal(vigil_refcheck_new(NULL, NULL, 0, &rc, &err), VIGIL_OK);
	vigil_refcheck_set_pcrs(rc, &p);
	run_list(&l, rc, v, NULL);
	assert_int_equal(v[0], VIGIL_REF_DIGEST_MISMATCH);
	vigil_refcheck_free(rc);
	free(l.buf);
}

static struct vigil_refdb *keyring_db(const struct vigil_digest *d, bool ignore)
{
	struct vigil_refdb *db = db_new();
	struct vigil_error err;

	assert_int_equal(vigil_refdb_add(db, VIGIL_REF_NS_KEYRINGS, "_ima", 4, -1, d->bytes, d->len,
					 &err), VIGIL_OK);
	if (ignore)
		assert_int_equal(vigil_refdb_ignore_keyring(db, "*", &err), VIGIL_OK);
	return db;
}

static void test_measured_key(void **state)
{
	struct vigil_keyset *other = keys_from(datafile("rsa-other-cert.der"));
	struct vigil_refcheck *rc;
	struct vigil_refdb *db;
	struct vigil_digest cd;
	struct vigil_error err;
	struct list l;
	int v[2];
	bool learned = false;

	(void)state;
	key_list(&l, false, &cd);
	/* without the keyring reference the signer is unknown */
	assert_int_equal(vigil_refcheck_new(NULL, other, 0, &rc, &err), VIGIL_OK);
	run_list(&l, rc, v, NULL);
	assert_int_equal(v[0], VIGIL_REF_NO_REFERENCE);
	assert_int_equal(v[1], VIGIL_REF_UNKNOWN_KEY);
	vigil_refcheck_free(rc);
	/* allowed: the key is learned, the signature verifies */
	db = keyring_db(&cd, false);
	assert_int_equal(vigil_refcheck_new(db, other, 0, &rc, &err), VIGIL_OK);
	run_list(&l, rc, v, &learned);
	assert_int_equal(v[0], VIGIL_REF_OK);
	assert_true(learned);
	assert_int_equal(v[1], VIGIL_REF_OK);
	vigil_refcheck_free(rc);
	vigil_refdb_free(db);
	/* an ignored keyring teaches nothing */
	db = keyring_db(&cd, true);
	assert_int_equal(vigil_refcheck_new(db, other, 0, &rc, &err), VIGIL_OK);
	run_list(&l, rc, v, NULL);
	assert_int_equal(v[0], VIGIL_REF_EXCLUDED);
	assert_int_equal(v[1], VIGIL_REF_UNKNOWN_KEY);
	vigil_refcheck_free(rc);
	vigil_refdb_free(db);
	free(l.buf);
	/* buf that does not hash to its digest */
	key_list(&l, true, &cd);
	db = keyring_db(&cd, false);
	assert_int_equal(vigil_refcheck_new(db, other, 0, &rc, &err), VIGIL_OK);
	run_list(&l, rc, v, NULL);
	assert_int_equal(v[0], VIGIL_REF_DIGEST_MISMATCH);
	assert_int_equal(v[1], VIGIL_REF_UNKNOWN_KEY);
	vigil_refcheck_free(rc);
	vigil_refdb_free(db);
	free(l.buf);
	vigil_keyset_free(other);
}

/* Learned keys and counters survive a save and load; other references refuse the state. */
static void test_state(void **state)
{
	struct vigil_refcheck *rc, *rc2;
	struct vigil_refcheck_stats st;
	struct vigil_refdb *db, *db2;
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_ref_result res;
	struct vigil_digest cd;
	struct vigil_error err;
	struct list l;
	char *text;
	size_t len;

	(void)state;
	key_list(&l, false, &cd);
	db = keyring_db(&cd, false);
	assert_int_equal(vigil_refcheck_new(db, NULL, 0, &rc, &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_reader_mem(l.buf, l.len, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_next(r, &e, &err), 1);
	assert_int_equal(vigil_refcheck_entry(rc, &e, &res, &err), VIGIL_OK);
	assert_int_equal(vigil_refcheck_save(rc, NULL, 0, &len, &err), VIGIL_OK);
	text = malloc(len + 1);
	assert_int_equal(vigil_refcheck_save(rc, text, len + 1, &len, &err), VIGIL_OK);
	/* resumed: entry 1 verifies with the key learned before the save */
	assert_int_equal(vigil_refcheck_new(db, NULL, 0, &rc2, &err), VIGIL_OK);
	if (vigil_refcheck_load(rc2, text, len, &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(vigil_mlist_next(r, &e, &err), 1);
	assert_int_equal(vigil_refcheck_entry(rc2, &e, &res, &err), VIGIL_OK);
	assert_int_equal(res.verdict, VIGIL_REF_OK);
	vigil_refcheck_get_stats(rc2, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.learned_keys, 1);
	vigil_refcheck_free(rc2);
	/* other references */
	cd.bytes[0] ^= 1;
	db2 = keyring_db(&cd, false);
	assert_int_equal(vigil_refcheck_new(db2, NULL, 0, &rc2, &err), VIGIL_OK);
	assert_int_equal(vigil_refcheck_load(rc2, text, len, &err), VIGIL_ERR_MISMATCH);
	vigil_refcheck_free(rc2);
	/* corrupted */
	assert_int_equal(vigil_refcheck_new(db, NULL, 0, &rc2, &err), VIGIL_OK);
	text[len / 2] ^= 1;
	assert_int_equal(vigil_refcheck_load(rc2, text, len, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_refcheck_load(rc2, text, len / 3, &err), VIGIL_ERR_INVALID);
	vigil_refcheck_free(rc2);
	vigil_refcheck_free(rc);
	vigil_refdb_free(db);
	vigil_refdb_free(db2);
	vigil_mlist_reader_free(r);
	free(text);
	free(l.buf);
}

/* A bare digest stands for its length's canonical algorithm only. */
static void test_bare_digest_algorithm(void **state)
{
	struct vigil_refdb *db = db_new();
	uint8_t d[64];
	struct vigil_error err;

	(void)state;
	memset(d, 0x5a, sizeof(d));
	assert_int_equal(vigil_refdb_add(db, VIGIL_REF_NS_FILES, "/a", 2, -1, d, 32, &err), VIGIL_OK);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/a", 2, VIGIL_HASH_SHA256, d, 32),
			 VIGIL_REF_FOUND);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/a", 2, VIGIL_HASH_SHA3_256, d,
					    32), VIGIL_REF_OTHER_DIGEST);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/a", 2, VIGIL_HASH_SM3_256, d, 32),
			 VIGIL_REF_OTHER_DIGEST);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/a", 2, -1, d, 32),
			 VIGIL_REF_OTHER_DIGEST);
	assert_int_equal(vigil_refdb_add(db, VIGIL_REF_NS_FILES, "/b", 2, -1, d, 20, &err), VIGIL_OK);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/b", 2, VIGIL_HASH_SHA1, d, 20),
			 VIGIL_REF_FOUND);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/b", 2, VIGIL_HASH_RMD160, d, 20),
			 VIGIL_REF_OTHER_DIGEST);
	assert_int_equal(vigil_refdb_add(db, VIGIL_REF_NS_FILES, "/c", 2, -1, d, 64, &err), VIGIL_OK);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/c", 2, VIGIL_HASH_SHA512, d, 64),
			 VIGIL_REF_FOUND);
	assert_int_equal(vigil_refdb_lookup(db, VIGIL_REF_NS_FILES, "/c", 2, VIGIL_HASH_SHA3_512, d,
					    64), VIGIL_REF_OTHER_DIGEST);
	/* 24 bytes (tgr192) has no canonical algorithm: a prefix is needed */
	assert_int_equal(vigil_refdb_add(db, VIGIL_REF_NS_FILES, "/d", 2, -1, d, 24, &err),
			 VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "without an algorithm prefix"));
	assert_int_equal(vigil_refdb_add(db, VIGIL_REF_NS_FILES, "/d", 2, VIGIL_HASH_TGR192, d, 24,
					 &err), VIGIL_OK);
	vigil_refdb_free(db);
}

/* A measured key under a digest vigil cannot compute is neither trusted nor learned. */
static void test_key_uncomputable_digest(void **state)
{
	struct vigil_keyset *other = keys_from(datafile("rsa-other-cert.der"));
	size_t clen, siglen, n;
	uint8_t *cert = read_all(datafile("rsa2048-cert.der"), &clen);
	uint8_t dng[128], nng[256], sig[VIGIL_XATTR_MAX], fake[32];
	struct vigil_privkey *key;
	struct vigil_refcheck *rc;
	struct vigil_refdb *db = db_new();
	struct vigil_field f[3];
	struct vigil_digest d;
	struct vigil_error err;
	struct list l;
	int v[2] = { -1, -1 };
	bool learned = true;

	(void)state;
	if (vigil_hash_available(VIGIL_HASH_STREEBOG_256))
		skip();
	memset(fake, 0x42, sizeof(fake)); /* anything: no one can check it */
	list_start(&l);
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_STREEBOG_256, fake, 32, dng,
						      sizeof(dng), &n, &err), VIGIL_OK);
	f[0] = (struct vigil_field){ VIGIL_FIELD_D_NG, dng, (uint32_t)n };
	assert_int_equal(vigil_field_encode_name("_ima", 4, true, nng, sizeof(nng), &n, &err),
			 VIGIL_OK);
	f[1] = (struct vigil_field){ VIGIL_FIELD_N_NG, nng, (uint32_t)n };
	f[2] = (struct vigil_field){ VIGIL_FIELD_BUF, cert, (uint32_t)clen };
	list_add(&l, "ima-buf", f, 3);
	base_fields(f, dng, nng, "/usr/bin/signed", "content", 7, &d);
	assert_int_equal(vigil_privkey_load(datafile("rsa2048.pem"), NULL, &key, &err), VIGIL_OK);
	assert_int_equal(vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, &d, sig, sizeof(sig), &siglen,
				       &err), VIGIL_OK);
	f[2] = (struct vigil_field){ VIGIL_FIELD_SIG, sig, (uint32_t)siglen };
	list_add(&l, "ima-sig", f, 3);
	list_end(&l);
	assert_int_equal(vigil_refdb_add(db, VIGIL_REF_NS_KEYRINGS, "_ima", 4,
					 VIGIL_HASH_STREEBOG_256, fake, 32, &err), VIGIL_OK);
	assert_int_equal(vigil_refcheck_new(db, other, 0, &rc, &err), VIGIL_OK);
	run_list(&l, rc, v, &learned);
	assert_int_equal(v[0], VIGIL_REF_UNSUPPORTED);
	assert_false(learned);
	assert_int_equal(v[1], VIGIL_REF_UNKNOWN_KEY);
	vigil_refcheck_free(rc);
	vigil_refdb_free(db);
	vigil_privkey_free(key);
	vigil_keyset_free(other);
	free(cert);
	free(l.buf);
}

/* A state whose key line was swapped (checksum redone) is refused: the references vouch for none. */
static void test_state_forged_key(void **state)
{
	struct vigil_refcheck *rc, *rc2;
	struct vigil_refdb *db;
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_ref_result res;
	struct vigil_digest cd, sum;
	struct vigil_error err;
	struct list l;
	size_t len, olen, pos = 0;
	uint8_t *other = read_all(datafile("rsa-other-cert.der"), &olen);
	char *text, *forged, *key, *end, hex[65];

	(void)state;
	key_list(&l, false, &cd);
	db = keyring_db(&cd, false);
	assert_int_equal(vigil_refcheck_new(db, NULL, 0, &rc, &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_reader_mem(l.buf, l.len, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_next(r, &e, &err), 1);
	assert_int_equal(vigil_refcheck_entry(rc, &e, &res, &err), VIGIL_OK);
	assert_int_equal(res.verdict, VIGIL_REF_OK);
	assert_int_equal(vigil_refcheck_save(rc, NULL, 0, &len, &err), VIGIL_OK);
	text = malloc(len + 1);
	assert_int_equal(vigil_refcheck_save(rc, text, len + 1, &len, &err), VIGIL_OK);
	/* "key <hex ring> <hex der>\n": the DER becomes rsa-other's certificate */
	key = strstr(text, "\nkey ");
	assert_non_null(key);
	key = strchr(key + 5, ' ') + 1;
	end = strchr(key, '\n');
	forged = malloc(len + 2 * olen + 128);
	memcpy(forged, text, (size_t)(key - text));
	pos = (size_t)(key - text);
	for (size_t i = 0; i < olen; i++)
		pos += (size_t)sprintf(forged + pos, "%02x", other[i]);
	forged[pos++] = '\n';
	forged[pos] = '\0';
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA256, forged, pos, &sum, &err), VIGIL_OK);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", sum.bytes[i]);
	assert_non_null(strstr(end, "checksum sha256 "));
	pos += (size_t)sprintf(forged + pos, "checksum sha256 %s\n", hex);
	assert_int_equal(vigil_refcheck_new(db, NULL, 0, &rc2, &err), VIGIL_OK);
	assert_int_equal(vigil_refcheck_load(rc2, forged, pos, &err), VIGIL_ERR_INVALID);
	if (!strstr(err.msg, "keyring \"_ima\" is not listed"))
		fail_msg("%s", err.msg);
	vigil_refcheck_free(rc2);
	/* the genuine state still loads */
	assert_int_equal(vigil_refcheck_new(db, NULL, 0, &rc2, &err), VIGIL_OK);
	if (vigil_refcheck_load(rc2, text, len, &err) != VIGIL_OK)
		fail_msg("%s", err.msg);
	vigil_refcheck_free(rc2);
	vigil_refcheck_free(rc);
	vigil_refdb_free(db);
	vigil_mlist_reader_free(r);
	free(forged);
	free(text);
	free(other);
	free(l.buf);
}

/* ---------------------------------------------------------------- modsig */

/* A detached PKCS#7 over content by rsa2048, as sign-file appends to modules. */
static uint8_t *make_pkcs7(const char *content, bool attrs, size_t *len)
{
	FILE *fp = fopen(datafile("rsa2048.pem"), "r");
	EVP_PKEY *pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	X509 *cert;
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content));
	CMS_ContentInfo *cms;
	unsigned char *der = NULL;
	unsigned flags = CMS_BINARY | CMS_DETACHED | CMS_NOCERTS | CMS_NOSMIMECAP;
	int n;

	fclose(fp);
	fp = fopen(datafile("rsa2048-cert.der"), "rb");
	cert = d2i_X509_fp(fp, NULL);
	fclose(fp);
	assert_non_null(pkey);
	assert_non_null(cert);
	cms = CMS_sign(cert, pkey, NULL, in, flags | (attrs ? 0 : CMS_NOATTR));
	assert_non_null(cms);
	n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	*len = (size_t)n;
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return der;
}

static void test_modsig_verify(void **state)
{
	struct vigil_keyset *mine = keys_from(datafile("rsa2048-cert.der"));
	struct vigil_keyset *other = keys_from(datafile("rsa-other-cert.der"));
	struct vigil_digest d;
	struct vigil_error err;

	(void)state;
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA256, "module", 6, &d, &err), VIGIL_OK);
	for (int attrs = 0; attrs < 2; attrs++) {
		size_t len;
		uint8_t *p7 = make_pkcs7("module", attrs, &len);
		const struct vigil_pubkey *used = NULL;
		int rc = vigil_modsig_verify(mine, p7, len, &d, &used, &err);

		if (rc != VIGIL_OK)
			fail_msg("attrs %d: %s", attrs, err.msg);
		assert_non_null(used);
		assert_int_equal(vigil_modsig_verify(other, p7, len, &d, NULL, &err),
				 VIGIL_ERR_UNKNOWN_KEY);
		d.bytes[0] ^= 1;
		assert_int_equal(vigil_modsig_verify(mine, p7, len, &d, NULL, &err),
				 VIGIL_ERR_BAD_SIGNATURE);
		d.bytes[0] ^= 1;
		assert_int_equal(vigil_modsig_verify(mine, p7, len - 1, &d, NULL, &err),
				 VIGIL_ERR_INVALID);
		OPENSSL_free(p7);
	}
	vigil_keyset_free(mine);
	vigil_keyset_free(other);
}

/* An ima-modsig entry: d-ng and d-modsig of the same content, the PKCS#7 in modsig. */
static void test_modsig_entry(void **state)
{
	struct vigil_keyset *mine = keys_from(datafile("rsa2048-cert.der"));
	struct vigil_refcheck *rc;
	struct vigil_field f[5];
	struct vigil_digest d;
	struct vigil_error err;
	uint8_t dng[128], nng[256], dms[128];
	size_t len, n;
	uint8_t *p7 = make_pkcs7("module", false, &len);
	struct list l;
	int v[2] = { -1, -1 };

	(void)state;
	list_start(&l);
	base_fields(f, dng, nng, "/lib/modules/m.ko", "module", 6, &d);
	f[2] = (struct vigil_field){ VIGIL_FIELD_SIG, NULL, 0 };
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, d.bytes, d.len, dms,
						      sizeof(dms), &n, &err), VIGIL_OK);
	f[3] = (struct vigil_field){ VIGIL_FIELD_D_MODSIG, dms, (uint32_t)n };
	f[4] = (struct vigil_field){ VIGIL_FIELD_MODSIG, p7, (uint32_t)len };
	list_add(&l, "ima-modsig", f, 5);
	dms[n - 1] ^= 1; /* d-modsig that is not what was signed */
	list_add(&l, "ima-modsig", f, 5);
	list_end(&l);
	assert_int_equal(vigil_refcheck_new(NULL, mine, 0, &rc, &err), VIGIL_OK);
	run_list(&l, rc, v, NULL);
	assert_int_equal(v[0], VIGIL_REF_OK);
	assert_int_equal(v[1], VIGIL_REF_BAD_SIGNATURE);
	vigil_refcheck_free(rc);
	vigil_keyset_free(mine);
	OPENSSL_free(p7);
	free(l.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_forms),
		cmocka_unit_test(test_sums_errors),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_sig_vector),
		cmocka_unit_test(test_allowlist_vector),
		cmocka_unit_test(test_violations_vector),
		cmocka_unit_test(test_boot_aggregate_entry),
		cmocka_unit_test(test_boot_aggregate_no_tpm),
		cmocka_unit_test(test_measured_key),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_bare_digest_algorithm),
		cmocka_unit_test(test_key_uncomputable_digest),
		cmocka_unit_test(test_state_forged_key),
		cmocka_unit_test(test_modsig_verify),
		cmocka_unit_test(test_modsig_entry),
	};

	return cmocka_run_group_tests(tests, find_dirs, NULL);
}

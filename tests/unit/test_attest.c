/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quote verification without a TPM: TPMS_ATTEST structures marshalled with
 * tss2-mu and signed with the test keys stand in for a TPM's quotes.  The
 * kernel vectors of ../shared/vectors verify from quotes of their recorded
 * PCR 10; every check (signature, magic, type, nonce, pcrDigest, clock and
 * reset counters, list gaps, entries) fails on its own forgery; bundles
 * and states round-trip and reject malformed text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

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

/* A software "TPM": a signing key and the quote it makes. */
struct soft_tpm {
	EVP_PKEY *key;
	struct vigil_pubkey *pub;
	bool ecc;
};

static void soft_tpm_load(struct soft_tpm *t, const char *file, bool ecc)
{
	char path[1200];
	struct vigil_privkey *priv = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", data, file);
	fp = fopen(path, "r");
	assert_non_null(fp);
	t->key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(t->key);
	assert_int_equal(vigil_privkey_load(path, NULL, &priv, NULL), VIGIL_OK);
	assert_int_equal(vigil_privkey_public(priv, &t->pub, NULL), VIGIL_OK);
	vigil_privkey_free(priv);
	t->ecc = ecc;
}

static void soft_tpm_free(struct soft_tpm *t)
{
	EVP_PKEY_free(t->key);
	vigil_pubkey_free(t->pub);
}

/* What a quote says; the defaults give a valid one. */
struct quote_spec {
	uint32_t magic;
	uint16_t type;
	uint64_t clock;
	uint32_t reset, restart;
	const uint8_t *nonce;
	size_t nonce_len;
	bool bad_digest, trailing_byte;
};

static TPMS_PCR_SELECTION select_pcr(uint16_t alg, unsigned pcr)
{
	TPMS_PCR_SELECTION s = { .hash = alg, .sizeofSelect = 3 };

	s.pcrSelect[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	return s;
}

static void sign(const struct soft_tpm *t, const uint8_t *msg, size_t len, struct vigil_bundle *b)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	TPMT_SIGNATURE sig = { 0 };
	unsigned char raw[600];
	size_t rlen = sizeof(raw), off = 0;

	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, t->key), 1);
	assert_int_equal(EVP_DigestSign(ctx, raw, &rlen, msg, len), 1);
	EVP_MD_CTX_free(ctx);
	if (t->ecc) {
		const unsigned char *p = raw;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)rlen);

		assert_non_null(es);
		sig.sigAlg = TPM2_ALG_ECDSA;
		sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
		sig.signature.ecdsa.signatureR.size = 32;
		sig.signature.ecdsa.signatureS.size = 32;
		BN_bn2binpad(ECDSA_SIG_get0_r(es), sig.signature.ecdsa.signatureR.buffer, 32);
		BN_bn2binpad(ECDSA_SIG_get0_s(es), sig.signature.ecdsa.signatureS.buffer, 32);
		ECDSA_SIG_free(es);
	} else {
		sig.sigAlg = TPM2_ALG_RSASSA;
		sig.signature.rsassa.hash = TPM2_ALG_SHA256;
		sig.signature.rsassa.sig.size = (UINT16)rlen;
		memcpy(sig.signature.rsassa.sig.buffer, raw, rlen);
	}
	b->signature = malloc(sizeof(sig));
	assert_int_equal(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, b->signature, sizeof(sig), &off),
			 TSS2_RC_SUCCESS);
	b->signature_len = off;
}

/* A quote of PCR 10 in the sha1 and sha256 banks of b->pcrs, signed. */
static void make_quote(const struct soft_tpm *t, const struct quote_spec *q, struct vigil_bundle *b)
{
	TPMS_ATTEST a = { .magic = q->magic, .type = q->type };
	struct vigil_quote_info info = { .nsel = 2 };
	struct vigil_digest d;
	uint8_t buf[sizeof(TPMS_ATTEST) + 1];
	size_t off = 0;

	a.clockInfo.clock = q->clock;
	a.clockInfo.resetCount = q->reset;
	a.clockInfo.restartCount = q->restart;
	a.clockInfo.safe = TPM2_YES;
	a.extraData.size = (UINT16)q->nonce_len;
	memcpy(a.extraData.buffer, q->nonce, q->nonce_len);
	a.attested.quote.pcrSelect.count = 2;
	a.attested.quote.pcrSelect.pcrSelections[0] = select_pcr(TPM2_ALG_SHA1, 10);
	a.attested.quote.pcrSelect.pcrSelections[1] = select_pcr(TPM2_ALG_SHA256, 10);
	info.sel[0] = (struct vigil_quote_sel){ VIGIL_HASH_SHA1, TPM2_ALG_SHA1, 1u << 10 };
	info.sel[1] = (struct vigil_quote_sel){ VIGIL_HASH_SHA256, TPM2_ALG_SHA256, 1u << 10 };
	assert_int_equal(vigil_quote_pcr_digest(&info, &b->pcrs, VIGIL_HASH_SHA256, &d, NULL),
			 VIGIL_OK);
	d.bytes[0] ^= q->bad_digest;
	a.attested.quote.pcrDigest.size = (UINT16)d.len;
	memcpy(a.attested.quote.pcrDigest.buffer, d.bytes, d.len);
	assert_int_equal(Tss2_MU_TPMS_ATTEST_Marshal(&a, buf, sizeof(buf) - 1, &off),
			 TSS2_RC_SUCCESS);
	if (q->trailing_byte)
		buf[off++] = 0;
	b->attest = malloc(off);
	memcpy(b->attest, buf, off);
	b->attest_len = off;
	sign(t, buf, off, b);
}

static const uint8_t nonce1[] = { 1, 2, 3, 4, 5, 6, 7, 8 }, nonce2[] = { 9, 9, 9 };

static struct quote_spec good_spec(void)
{
	return (struct quote_spec){ .magic = TPM2_GENERATED_VALUE, .type = TPM2_ST_ATTEST_QUOTE,
				    .clock = 1000, .reset = 3, .restart = 1, .nonce = nonce1,
				    .nonce_len = sizeof(nonce1) };
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* A bundle of a vector's list and its recorded PCR 10 (sha1, sha256). */
static bool vector_bundle(const char *name, struct vigil_bundle *b)
{
	char path[1400];
	size_t len = 0;

	memset(b, 0, sizeof(*b));
	vigil_pcrs_init(&b->pcrs);
	snprintf(path, sizeof(path), "%s/vectors/%s/pcrs-sha1.txt", shared, name);
	if (vigil_pcrs_load(&b->pcrs, path, VIGIL_HASH_SHA1, NULL) != VIGIL_OK)
		return false;
	snprintf(path, sizeof(path), "%s/vectors/%s/pcrs-sha256.txt", shared, name);
	assert_int_equal(vigil_pcrs_load(&b->pcrs, path, VIGIL_HASH_SHA256, NULL), VIGIL_OK);
	snprintf(path, sizeof(path), "%s/vectors/%s/binary_runtime_measurements", shared, name);
	b->mlist = (uint8_t *)slurp(path, &len);
	assert_non_null(b->mlist);
	b->mlist_len = len;
	b->mlist_algo = VIGIL_HASH_SHA1;
	b->have_mlist = true;
	return true;
}

static void verify_vectors(void **state)
{
	static const char *names[] = { "ng-sha256", "legacy-ima", "violations", "buf",
				       "template-ima-ngv2", "template-ima-sigv2",
				       "template-ima-modsig", "sig" };
	struct vigil_attest_refs refs = { .flags = VIGIL_REFCHECK_IGNORE_VIOLATIONS };
	struct soft_tpm t;
	struct quote_spec q = good_spec();

	(void)state;
	soft_tpm_load(&t, "rsa2048.pem", false);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct vigil_bundle b;
		struct vigil_attest_result r;
		struct vigil_error err = { 0 };

		if (!vector_bundle(names[i], &b)) {
			print_message("no vector %s\n", names[i]);
			continue;
		}
		make_quote(&t, &q, &b);
		assert_int_equal(vigil_attest_verify(t.pub, nonce1, sizeof(nonce1), &b, &refs, NULL,
						     &r, &err), VIGIL_OK);
		if (!r.ok)
			print_message("%s: %s: %s\n", names[i], r.failure.check, r.failure.reason);
		assert_true(r.ok);
		assert_true(r.mlist_checked);
		assert_int_equal(r.entries_checked, r.next_index);
		/* one bit of the recorded PCR 10 changed: the list no longer replays to it */
		b.pcrs.banks[1].pcr[10][5] ^= 1;
		free(b.attest);
		free(b.signature);
		make_quote(&t, &q, &b);
		assert_int_equal(vigil_attest_verify(t.pub, nonce1, sizeof(nonce1), &b, &refs, NULL,
						     &r, &err), VIGIL_OK);
		assert_false(r.ok);
		assert_string_equal(r.failure.check, "pcr");
		assert_int_equal(r.failure.pcr, 10);
		vigil_bundle_release(&b);
	}
	soft_tpm_free(&t);
}

/* The check a quote made from spec fails (NULL: none), with an ECC or RSA key. */
static const char *verdict(const struct quote_spec *q, bool ecc, struct vigil_attest_state *st,
			   const uint8_t *nonce, size_t nlen)
{
	static char check[32];
	struct soft_tpm t;
	struct vigil_bundle b = { 0 };
	struct vigil_attest_result r;

	soft_tpm_load(&t, ecc ? "ec-p256.pem" : "rsa2048.pem", ecc);
	vigil_pcrs_init(&b.pcrs);
	vigil_pcrs_bank(&b.pcrs, VIGIL_HASH_SHA1, true)->valid = 1u << 10;
	vigil_pcrs_bank(&b.pcrs, VIGIL_HASH_SHA256, true)->valid = 1u << 10;
	make_quote(&t, q, &b);
	assert_int_equal(vigil_attest_verify(t.pub, nonce, nlen, &b, NULL, st, &r, NULL), VIGIL_OK);
	snprintf(check, sizeof(check), "%s", r.ok ? "ok" : r.failure.check);
	vigil_bundle_release(&b);
	soft_tpm_free(&t);
	return check;
}

static void quote_checks(void **state)
{
	struct quote_spec q = good_spec();

	(void)state;
	assert_string_equal(verdict(&q, false, NULL, nonce1, sizeof(nonce1)), "ok");
	assert_string_equal(verdict(&q, true, NULL, nonce1, sizeof(nonce1)), "ok");
	assert_string_equal(verdict(&q, false, NULL, nonce2, sizeof(nonce2)), "nonce");
	q.magic = 0xff544348;
	assert_string_equal(verdict(&q, true, NULL, nonce1, sizeof(nonce1)), "magic");
	q = good_spec();
	q.type = TPM2_ST_ATTEST_TIME;
	assert_string_equal(verdict(&q, false, NULL, nonce1, sizeof(nonce1)), "type");
	q = good_spec();
	q.bad_digest = true;
	assert_string_equal(verdict(&q, false, NULL, nonce1, sizeof(nonce1)), "pcr-digest");
	q = good_spec();
	q.trailing_byte = true;
	assert_string_equal(verdict(&q, false, NULL, nonce1, sizeof(nonce1)), "quote");
}

static void forged_signature(void **state)
{
	struct soft_tpm t, other;
	struct quote_spec q = good_spec();
	struct vigil_bundle b = { 0 };
	struct vigil_attest_result r;

	(void)state;
	soft_tpm_load(&t, "ec-p256.pem", true);
	soft_tpm_load(&other, "rsa2048.pem", false);
	vigil_pcrs_init(&b.pcrs);
	vigil_pcrs_bank(&b.pcrs, VIGIL_HASH_SHA1, true)->valid = 1u << 10;
	vigil_pcrs_bank(&b.pcrs, VIGIL_HASH_SHA256, true)->valid = 1u << 10;
	make_quote(&t, &q, &b);
	assert_int_equal(vigil_attest_verify(other.pub, nonce1, sizeof(nonce1), &b, NULL, NULL, &r,
					     NULL), VIGIL_OK);
	assert_string_equal(r.failure.check, "signature");
	for (size_t i = 0; i < b.signature_len; i += 7) {
		b.signature[i] ^= 0x10;
		assert_int_equal(vigil_attest_verify(t.pub, nonce1, sizeof(nonce1), &b, NULL, NULL,
						     &r, NULL), VIGIL_OK);
		assert_false(r.ok);
		b.signature[i] ^= 0x10;
	}
	for (size_t i = 0; i < b.attest_len; i++) {
		b.attest[i] ^= 0x01;
		assert_int_equal(vigil_attest_verify(t.pub, nonce1, sizeof(nonce1), &b, NULL, NULL,
						     &r, NULL), VIGIL_OK);
		assert_string_equal(r.failure.check, "signature");
		b.attest[i] ^= 0x01;
	}
	vigil_bundle_release(&b);
	soft_tpm_free(&t);
	soft_tpm_free(&other);
}

/* Saves and reloads st, as a verifier between two runs. */
static struct vigil_attest_state *reload(struct vigil_attest_state *st)
{
	struct vigil_attest_state *out = NULL;
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(vigil_attest_state_save(st, &text, &len, NULL), VIGIL_OK);
	assert_int_equal(vigil_attest_state_load(text, len, &out, NULL), VIGIL_OK);
	free(text);
	vigil_attest_state_free(st);
	return out;
}

static void clock_and_counters(void **state)
{
	struct vigil_attest_state *st = NULL;
	struct quote_spec q = good_spec();

	(void)state;
	assert_int_equal(vigil_attest_state_new(&st, NULL), VIGIL_OK);
	assert_string_equal(verdict(&q, false, st, nonce1, sizeof(nonce1)), "ok");
	st = reload(st);
	assert_string_equal(verdict(&q, false, st, nonce1, sizeof(nonce1)), "nonce");
	q.nonce = nonce2;
	q.nonce_len = sizeof(nonce2);
	assert_string_equal(verdict(&q, false, st, nonce2, sizeof(nonce2)), "clock");
	q.clock = 999;
	assert_string_equal(verdict(&q, false, st, nonce2, sizeof(nonce2)), "clock");
	q.restart = 0;
	q.clock = 5000;
	assert_string_equal(verdict(&q, false, st, nonce2, sizeof(nonce2)), "restart-count");
	q.reset = 2;
	assert_string_equal(verdict(&q, false, st, nonce2, sizeof(nonce2)), "reset-count");
	q.reset = 4; /* a new boot: its clock may be anything */
	q.clock = 10;
	assert_string_equal(verdict(&q, true, st, nonce2, sizeof(nonce2)), "state"); /* other AK */
	assert_string_equal(verdict(&q, false, st, nonce2, sizeof(nonce2)), "ok");
	st = reload(st);
	q.reset = 3;
	q.nonce = nonce1;
	q.nonce_len = sizeof(nonce1);
	assert_string_equal(verdict(&q, false, st, nonce1, sizeof(nonce1)), "reset-count");
	vigil_attest_state_free(st);
}

static void incremental(void **state)
{
	struct vigil_attest_refs refs = { 0 };
	struct vigil_attest_state *st = NULL;
	struct vigil_attest_result r;
	struct quote_spec q = good_spec();
	struct vigil_bundle b;
	struct soft_tpm t;
	uint64_t total;

	(void)state;
	if (!vector_bundle("ng-sha256", &b))
		skip();
	soft_tpm_load(&t, "rsa2048.pem", false);
	assert_int_equal(vigil_attest_state_new(&st, NULL), VIGIL_OK);
	make_quote(&t, &q, &b);
	assert_int_equal(vigil_attest_verify(t.pub, nonce1, 8, &b, &refs, st, &r, NULL), VIGIL_OK);
	assert_true(r.ok);
	total = r.next_index;
	assert_int_equal(vigil_attest_state_next_index(st), total);
	st = reload(st);
	/* the same list again, from a later quote: nothing new to check */
	q.clock = 2000;
	q.nonce = nonce2;
	q.nonce_len = sizeof(nonce2);
	free(b.attest);
	free(b.signature);
	make_quote(&t, &q, &b);
	assert_int_equal(vigil_attest_verify(t.pub, nonce2, 3, &b, &refs, st, &r, NULL), VIGIL_OK);
	assert_true(r.ok);
	assert_int_equal(r.entries_checked, 0);
	assert_int_equal(r.next_index, total);
	/* a part that claims to start past the verified end is a gap */
	b.mlist_first_index = total + 1;
	b.mlist_first_offset = 100;
	q.clock = 3000;
	q.nonce = nonce1;
	q.nonce_len = sizeof(nonce1);
	free(b.attest);
	free(b.signature);
	make_quote(&t, &q, &b);
	assert_int_equal(vigil_attest_verify(t.pub, nonce1, 8, &b, &refs, st, &r, NULL), VIGIL_OK);
	assert_string_equal(r.failure.check, "mlist");
	vigil_bundle_release(&b);
	vigil_attest_state_free(st);
	soft_tpm_free(&t);
}

static void bundle_codec(void **state)
{
	static const char *bad[] = {
		"",
		"[]",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1}",
		"{\"format\":\"x\",\"version\":1,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":2,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"AA=\",\"signature\":\"\"},\"pcrs\":{}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"A A=\",\"signature\":\"\"},\"pcrs\":{}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{\"sha1\":{\"24\":\"00\"}}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{\"sha1\":{\"010\":\"0000000000000000000000000000000000000000\"}}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{\"sha1\":{\"10\":\"00\"}}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{\"md9\":{}}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{},\"mlist\":{\"template_digest_algo\":\"sha1\",\"first_index\":3,\"first_offset\":0,\"data\":\"\"}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{},\"mlist\":{\"template_digest_algo\":\"sha1\",\"first_index\":-1,\"first_offset\":0,\"data\":\"\"}}",
		"{\"format\":\"vigil-quote-bundle\",\"version\":1,\"quote\":{\"attest\":\"\",\"signature\":\"\"},\"pcrs\":{}} x",
	};
	struct vigil_bundle b = { 0 }, c;
	struct vigil_error err = { 0 };
	char *text = NULL;
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vigil_bundle_parse(bad[i], strlen(bad[i]), &c, &err) == VIGIL_OK)
			fail_msg("bad bundle %zu parsed", i);
		assert_true(strncmp(err.msg, "bundle", 6) == 0);
	}
	assert_true(vector_bundle("buf", &b) || vector_bundle("ng-sha256", &b));
	b.attest = malloc(3);
	memcpy(b.attest, "abc", 3);
	b.attest_len = 3;
	b.mlist_first_index = 7;
	b.mlist_first_offset = 4242;
	assert_int_equal(vigil_bundle_format(&b, &text, &len, &err), VIGIL_OK);
	assert_int_equal(vigil_bundle_parse(text, len, &c, &err), VIGIL_OK);
	assert_int_equal(c.attest_len, 3);
	assert_memory_equal(c.attest, "abc", 3);
	assert_int_equal(c.signature_len, 0);
	assert_int_equal(c.mlist_len, b.mlist_len);
	assert_memory_equal(c.mlist, b.mlist, b.mlist_len);
	assert_int_equal(c.mlist_first_index, 7);
	assert_int_equal(c.mlist_first_offset, 4242);
	assert_null(c.eventlog);
	assert_int_equal(c.pcrs.nbanks, b.pcrs.nbanks);
	for (unsigned i = 0; i < b.pcrs.nbanks; i++) {
		assert_int_equal(c.pcrs.banks[i].valid, b.pcrs.banks[i].valid);
		assert_memory_equal(c.pcrs.banks[i].pcr, b.pcrs.banks[i].pcr, sizeof(b.pcrs.banks[i].pcr));
	}
	free(text);
	vigil_bundle_release(&b);
	vigil_bundle_release(&c);
}

static void state_codec(void **state)
{
	static const char *bad[] = {
		"{}",
		"{\"format\":\"vigil-attest-state\",\"version\":1,\"quote\":null,\"mlist\":null,\"checksum\":\"00\"}",
		"{\"format\":\"vigil-attest-state\",\"version\":9,\"quote\":null,\"mlist\":null}",
		"{\"format\":\"vigil-attest-state\",\"version\":1,\"quote\":{\"clock\":1},\"mlist\":null}",
	};
	struct vigil_attest_state *st = NULL;
	struct vigil_error err = { 0 };
	char *text = NULL, *p;
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(vigil_attest_state_load(bad[i], strlen(bad[i]), &st, &err),
				     VIGIL_OK);
	assert_int_equal(vigil_attest_state_new(&st, NULL), VIGIL_OK);
	assert_int_equal(vigil_attest_state_save(st, &text, &len, NULL), VIGIL_OK);
	vigil_attest_state_free(st);
	assert_int_equal(vigil_attest_state_load(text, len, &st, &err), VIGIL_OK);
	assert_int_equal(vigil_attest_state_next_index(st), 0);
	vigil_attest_state_free(st);
	/* any change to a member is caught by the checksum */
	p = strstr(text, "\"version\":1");
	assert_non_null(p);
	p = strstr(text, "\"quote\":null");
	assert_non_null(p);
	memcpy(p, "\"quote\":{} ", 11);
	assert_int_not_equal(vigil_attest_state_load(text, len, &st, &err), VIGIL_OK);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verify_vectors),
		cmocka_unit_test(quote_checks),
		cmocka_unit_test(forged_signature),
		cmocka_unit_test(clock_and_counters),
		cmocka_unit_test(incremental),
		cmocka_unit_test(bundle_codec),
		cmocka_unit_test(state_codec),
	};

	return cmocka_run_group_tests(tests, find_dirs, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware event logs and boot_aggregate against the real boots in
 * ../shared/vectors: replayed PCRs 0-7 equal the TPM's, and boot_aggregate
 * (from the TPM's PCRs and from the log) equals the list's first entry and
 * EXPECT.txt.  Plus synthetic logs: SHA-1 format, StartupLocality, damage.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <vigil/eventlog.h>
#include <vigil/mlist.h>

#define MAX_VECTORS 32

static char shared_dir[1024];
static char vectors[MAX_VECTORS][1400];
static size_t nvectors;

static int find_vectors(void **state)
{
	const char *env = getenv("VIGIL_SHARED");
	char dir[1100];
	struct dirent *de;
	DIR *d;

	(void)state;
	if (env)
		snprintf(shared_dir, sizeof(shared_dir), "%s", env);
	else /* the source tree: tests/unit/../../../shared */
		snprintf(shared_dir, sizeof(shared_dir), "%.*s/../../../shared",
			 (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__);
	snprintf(dir, sizeof(dir), "%s/vectors", shared_dir);
	if (!(d = opendir(dir)))
		return -1;
	while ((de = readdir(d)) && nvectors < MAX_VECTORS) {
		char probe[1500];
		struct stat st;

		snprintf(probe, sizeof(probe), "%s/%s/binary_bios_measurements", dir, de->d_name);
		if (de->d_name[0] != '.' && stat(probe, &st) == 0)
			snprintf(vectors[nvectors++], sizeof(vectors[0]), "%s/%s", dir, de->d_name);
	}
	closedir(d);
	return nvectors ? 0 : -1;
}

static void vpath(char *out, size_t cap, size_t v, const char *file)
{
	assert_true(snprintf(out, cap, "%s/%s", vectors[v], file) < (int)cap);
}

static char *expect_text(size_t v)
{
	char path[1600];
	uint8_t *buf;
	size_t len;
	struct vigil_error err;

	vpath(path, sizeof(path), v, "EXPECT.txt");
	assert_int_equal(vigil_evlog_load(path, &buf, &len, &err), VIGIL_OK);
	buf = realloc(buf, len + 1);
	buf[len] = 0;
	return (char *)buf;
}

/* The hex after "key" in EXPECT.txt (e.g. "    sha256:"), lower-cased; NULL if absent. */
static bool expect_hex(const char *text, const char *key, char *out, size_t cap)
{
	const char *p = strstr(text, key);
	size_t n = 0;

	if (!p)
		return false;
	for (p += strlen(key); n + 1 < cap && strchr("0123456789abcdef", *p) && *p; p++)
		out[n++] = *p;
	out[n] = 0;
	return n > 0;
}

static void load_pcrs(size_t v, struct vigil_pcrs *p)
{
	struct vigil_error err;
	char path[1600];

	vigil_pcrs_init(p);
	vpath(path, sizeof(path), v, "pcrs-sha1.txt");
	assert_int_equal(vigil_pcrs_load(p, path, VIGIL_HASH_SHA1, &err), VIGIL_OK);
	vpath(path, sizeof(path), v, "pcrs-sha256.txt");
	assert_int_equal(vigil_pcrs_load(p, path, VIGIL_HASH_SHA256, &err), VIGIL_OK);
}

static void hex_of(const struct vigil_digest *d, char *out)
{
	vigil_hex(d->bytes, d->len, out);
}

static void test_vectors_replay_pcrs(void **state)
{
	(void)state;
	for (size_t v = 0; v < nvectors; v++) {
		struct vigil_pcrs tpm, log;
		struct vigil_error err;
		char path[1600], *expect = expect_text(v), count[16];
		uint8_t *buf;
		size_t len;
		uint64_t nevents;

		load_pcrs(v, &tpm);
		vpath(path, sizeof(path), v, "binary_bios_measurements");
		assert_int_equal(vigil_evlog_load(path, &buf, &len, &err), VIGIL_OK);
		assert_int_equal(vigil_evlog_replay(buf, len, &log, &nevents, &err), VIGIL_OK);
		snprintf(count, sizeof(count), "%llu events", (unsigned long long)nevents);
		assert_non_null(strstr(expect, count));
		for (int algo = VIGIL_HASH_SHA1; algo <= VIGIL_HASH_SHA256; algo += 2) {
			const struct vigil_pcr_bank *a = vigil_pcrs_find(&tpm, algo);
			const struct vigil_pcr_bank *b = vigil_pcrs_find(&log, algo);
			size_t dlen = vigil_hash_by_id(algo)->digest_len;

			assert_non_null(b);
			/* 0-7 from the firmware; 8-9 are untouched, 17-22 start as all ones. */
			for (int i = 0; i < 24; i++)
				if (i <= 9 || (i >= 17 && i <= 22))
					assert_memory_equal(a->pcr[i], b->pcr[i], dlen);
		}
		free(buf);
		free(expect);
	}
}

/* The first entry of a list: its file digest is the boot_aggregate. */
static void first_entry_digest(size_t v, struct vigil_digest *d)
{
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_error err;
	char path[1600];

	vpath(path, sizeof(path), v, "binary_runtime_measurements");
	assert_int_equal(vigil_mlist_reader_path(path, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_next(r, &e, &err), 1);
	assert_int_equal(e.file_name_len, strlen("boot_aggregate"));
	assert_memory_equal(e.file_name, "boot_aggregate", e.file_name_len);
	d->algo = e.file_algo;
	d->len = e.file_digest_len;
	memcpy(d->bytes, e.file_digest, d->len);
	vigil_mlist_reader_free(r);
}

static void test_vectors_boot_aggregate(void **state)
{
	(void)state;
	for (size_t v = 0; v < nvectors; v++) {
		struct vigil_pcrs tpm, log;
		struct vigil_digest first, agg, agg_log;
		struct vigil_error err;
		char *expect = expect_text(v), want[200], got[200], path[1600];
		uint8_t *buf;
		size_t len;
		int bank;

		load_pcrs(v, &tpm);
		/* evmctl ima_boot_aggregate's answers, per bank. */
		assert_int_equal(vigil_boot_aggregate(&tpm, VIGIL_HASH_SHA1, &agg, &err), VIGIL_OK);
		assert_true(expect_hex(expect, "    sha1:", want, sizeof(want)));
		hex_of(&agg, got);
		assert_string_equal(got, want);
		assert_int_equal(vigil_boot_aggregate(&tpm, VIGIL_HASH_SHA256, &agg, &err), VIGIL_OK);
		assert_true(expect_hex(expect, "    sha256:", want, sizeof(want)));
		hex_of(&agg, got);
		assert_string_equal(got, want);

		/* The list's first entry: the bank the kernel picks for its algorithm. */
		first_entry_digest(v, &first);
		bank = vigil_boot_aggregate_bank(&tpm, first.algo);
		assert_int_equal(bank, first.algo);
		assert_int_equal(vigil_boot_aggregate(&tpm, bank, &agg, &err), VIGIL_OK);
		assert_int_equal(agg.len, first.len);
		assert_memory_equal(agg.bytes, first.bytes, first.len);

		/* The same from the firmware log alone. */
		vpath(path, sizeof(path), v, "binary_bios_measurements");
		assert_int_equal(vigil_evlog_load(path, &buf, &len, &err), VIGIL_OK);
		assert_int_equal(vigil_evlog_replay(buf, len, &log, NULL, &err), VIGIL_OK);
		assert_int_equal(vigil_boot_aggregate(&log, bank, &agg_log, &err), VIGIL_OK);
		assert_memory_equal(agg_log.bytes, first.bytes, first.len);
		free(buf);
		free(expect);
	}
}

static void test_boot_aggregate_rules(void **state)
{
	struct vigil_pcrs p;
	struct vigil_digest d, want;
	struct vigil_error err;
	uint8_t zeros[10 * 32] = { 0 };

	(void)state;
	vigil_pcrs_init(&p);
	assert_int_equal(vigil_boot_aggregate_bank(&p, VIGIL_HASH_SHA256), -1);
	assert_int_equal(vigil_boot_aggregate(&p, VIGIL_HASH_SHA256, &d, &err), VIGIL_ERR_NO_DATA);
	vigil_pcrs_bank(&p, VIGIL_HASH_SHA1, true)->valid = 0xff;
	assert_int_equal(vigil_boot_aggregate_bank(&p, VIGIL_HASH_SHA512), VIGIL_HASH_SHA1);
	assert_int_equal(vigil_boot_aggregate(&p, VIGIL_HASH_SHA1, &d, &err), VIGIL_OK);
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA1, zeros, 8 * 20, &want, &err), VIGIL_OK);
	assert_memory_equal(d.bytes, want.bytes, 20);
	vigil_pcrs_bank(&p, VIGIL_HASH_SHA384, true)->valid = 0xff;
	vigil_pcrs_bank(&p, VIGIL_HASH_SHA256, true)->valid = 0xff; /* PCR 8, 9 missing */
	assert_int_equal(vigil_boot_aggregate_bank(&p, VIGIL_HASH_SHA512), VIGIL_HASH_SHA256);
	assert_int_equal(vigil_boot_aggregate_bank(&p, VIGIL_HASH_SHA384), VIGIL_HASH_SHA384);
	assert_int_equal(vigil_boot_aggregate(&p, VIGIL_HASH_SHA256, &d, &err), VIGIL_ERR_NO_DATA);
	assert_non_null(strstr(err.msg, "sha256 PCR 8"));
	vigil_pcrs_bank(&p, VIGIL_HASH_SHA256, false)->valid = 0x3ff;
	assert_int_equal(vigil_boot_aggregate(&p, VIGIL_HASH_SHA256, &d, &err), VIGIL_OK);
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA256, zeros, 10 * 32, &want, &err), VIGIL_OK);
	assert_memory_equal(d.bytes, want.bytes, 32);
}

/* ----------------------------------------------------------- synthetic logs */

static size_t le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return 4;
}

static size_t sha1_event(uint8_t *p, uint32_t pcr, uint32_t type, const uint8_t digest[20],
			 const void *data, uint32_t len)
{
	size_t o = le32(p, pcr);

	o += le32(p + o, type);
	memcpy(p + o, digest, 20);
	o += 20;
	o += le32(p + o, len);
	memcpy(p + o, data, len);
	return o + len;
}

/* TPM 1.2 format: one SHA-1 digest per event, no header. */
static void test_sha1_format(void **state)
{
	uint8_t log[512], d1[20], pcr[40] = { 0 };
	struct vigil_digest want;
	struct vigil_pcrs out;
	struct vigil_evlog *ev;
	struct vigil_evlog_event e;
	struct vigil_error err;
	uint64_t n;
	size_t len = 0;

	(void)state;
	memset(d1, 0x11, sizeof(d1));
	len += sha1_event(log + len, 4, 0x0d, d1, "boot", 4);
	len += sha1_event(log + len, 4, VIGIL_EV_NO_ACTION, d1, "x", 1);
	assert_int_equal(vigil_evlog_open(log, len, &ev, &err), VIGIL_OK);
	assert_int_equal(vigil_evlog_format(ev), VIGIL_EVLOG_SHA1);
	assert_int_equal(vigil_evlog_next(ev, &e, &err), 1);
	assert_int_equal(e.pcr, 4);
	assert_int_equal(e.ndigests, 1);
	assert_int_equal(e.data_len, 4);
	vigil_evlog_free(ev);
	assert_int_equal(vigil_evlog_replay(log, len, &out, &n, &err), VIGIL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out.nbanks, 1);
	memcpy(pcr + 20, d1, 20);
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA1, pcr, 40, &want, &err), VIGIL_OK);
	assert_memory_equal(out.banks[0].pcr[4], want.bytes, 20);
}

/*
 * A crypto-agile log: header for sha1+sha256, StartupLocality 3, one event
 * into PCR 0 (without its sha1 digest if only_sha256).
 */
static size_t agile_log_ex(uint8_t *p, bool only_sha256)
{
	static const uint8_t zero[20];
	uint8_t spec[64] = "Spec ID Event03";
	size_t o = 0, s = 16;

	s += le32(spec + s, 0); /* platform class */
	spec[s++] = 0;
	spec[s++] = 2;
	spec[s++] = 0;
	spec[s++] = 2;
	s += le32(spec + s, 2);
	spec[s++] = 0x04, spec[s++] = 0, spec[s++] = 20, spec[s++] = 0;
	spec[s++] = 0x0b, spec[s++] = 0, spec[s++] = 32, spec[s++] = 0;
	spec[s++] = 0; /* vendor info size */
	o += sha1_event(p, 0, VIGIL_EV_NO_ACTION, zero, spec, (uint32_t)s);
	/* StartupLocality: a TCG_PCR_EVENT2 with zero digests. */
	o += le32(p + o, 0);
	o += le32(p + o, VIGIL_EV_NO_ACTION);
	o += le32(p + o, 2);
	p[o++] = 0x04, p[o++] = 0;
	memset(p + o, 0, 20), o += 20;
	p[o++] = 0x0b, p[o++] = 0;
	memset(p + o, 0, 32), o += 32;
	o += le32(p + o, 17);
	memcpy(p + o, "StartupLocality\0\3", 17), o += 17;
	/* An event into PCR 0. */
	o += le32(p + o, 0);
	o += le32(p + o, 0x80000008);
	o += le32(p + o, only_sha256 ? 1 : 2);
	p[o++] = 0x0b, p[o++] = 0;
	memset(p + o, 0x22, 32), o += 32;
	if (!only_sha256) {
		p[o++] = 0x04, p[o++] = 0;
		memset(p + o, 0x11, 20), o += 20;
	}
	o += le32(p + o, 3);
	memcpy(p + o, "abc", 3), o += 3;
	return o;
}

static size_t agile_log(uint8_t *p)
{
	return agile_log_ex(p, false);
}

static void test_agile_startup_locality(void **state)
{
	uint8_t log[512], in[64] = { 0 };
	struct vigil_digest want;
	struct vigil_pcrs out;
	struct vigil_evlog *ev;
	struct vigil_error err;
	uint16_t algs[4];
	size_t len = agile_log(log);
	uint64_t n;

	(void)state;
	assert_int_equal(vigil_evlog_open(log, len, &ev, &err), VIGIL_OK);
	assert_int_equal(vigil_evlog_format(ev), VIGIL_EVLOG_CRYPTO_AGILE);
	assert_int_equal(vigil_evlog_algs(ev, algs, 4), 2);
	assert_int_equal(algs[1], 0x000b);
	vigil_evlog_free(ev);
	assert_int_equal(vigil_evlog_replay(log, len, &out, &n, &err), VIGIL_OK);
	assert_int_equal(n, 3);
	in[31] = 3; /* PCR 0 started at locality 3 */
	memset(in + 32, 0x22, 32);
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA256, in, 64, &want, &err), VIGIL_OK);
	assert_memory_equal(vigil_pcrs_find(&out, VIGIL_HASH_SHA256)->pcr[0], want.bytes, 32);
	memset(in, 0, sizeof(in));
	in[19] = 3;
	memset(in + 20, 0x11, 20);
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA1, in, 40, &want, &err), VIGIL_OK);
	assert_memory_equal(vigil_pcrs_find(&out, VIGIL_HASH_SHA1)->pcr[0], want.bytes, 20);
	assert_int_equal(vigil_tpm_alg_to_hash(0x000c), VIGIL_HASH_SHA384);
	assert_int_equal(vigil_tpm_alg_to_hash(0x0099), -1);
	assert_int_equal(vigil_hash_to_tpm_alg(VIGIL_HASH_SM3_256), 0x0012);
	assert_int_equal(vigil_hash_to_tpm_alg(VIGIL_HASH_MD5), 0);
}

/* Cut or damaged anywhere: an error naming the event, or fewer events; never a crash. */
static void test_damaged_logs(void **state)
{
	uint8_t log[512], *sink;
	size_t len = agile_log(log);
	struct vigil_pcrs out;
	struct vigil_error err;

	(void)state;
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		int rc;

		memcpy(copy, log, cut);
		rc = vigil_evlog_replay(copy, cut, &out, NULL, &err);
		if (cut == 0 || cut < 32 + 16)
			assert_true(rc == VIGIL_ERR_INVALID || rc == VIGIL_OK || rc == VIGIL_ERR_UNSUPPORTED);
		else if (rc != VIGIL_OK)
			assert_non_null(strstr(err.msg, " at offset "));
		free(copy);
	}
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			log[i] ^= (uint8_t)(1 << bit);
			(void)vigil_evlog_replay(log, len, &out, NULL, &err);
			log[i] ^= (uint8_t)(1 << bit);
		}
	}
	/* Named failures. */
	log[32 + 24] = 0; /* no algorithms */
	assert_int_equal(vigil_evlog_replay(log, len, &out, NULL, &err), VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "event 0 at offset 0: Spec ID event lists no or too many"));
	len = agile_log(log);
	log[len - 3 - 4 - 20 - 2] = 0x0c; /* a sha384 digest the header does not list */
	assert_int_equal(vigil_evlog_replay(log, len, &out, NULL, &err), VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "event 2 at offset"));
	assert_non_null(strstr(err.msg, "does not list"));
	len = agile_log_ex(log, true);
	assert_int_equal(vigil_evlog_replay(log, len, &out, NULL, &err), VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "event 2 at offset"));
	assert_non_null(strstr(err.msg, "no digests for bank sha1"));
	assert_int_equal(vigil_evlog_load("/nonexistent/log", &sink, &len, &err), VIGIL_ERR_IO);
	assert_null(sink);
}

/* Appends a TCG_PCR_EVENT2 StartupLocality event (sha1+sha256 zero digests). */
static size_t locality_event(uint8_t *p, uint8_t locality)
{
	size_t o = le32(p, 0);

	o += le32(p + o, VIGIL_EV_NO_ACTION);
	o += le32(p + o, 2);
	p[o++] = 0x04, p[o++] = 0;
	memset(p + o, 0, 20), o += 20;
	p[o++] = 0x0b, p[o++] = 0;
	memset(p + o, 0, 32), o += 32;
	o += le32(p + o, 17);
	memcpy(p + o, "StartupLocality\0", 16), o += 16;
	p[o++] = locality;
	return o;
}

/* StartupLocality: once, before PCR 0 is extended, locality 0, 3 or 4. */
static void test_startup_locality_rules(void **state)
{
	uint8_t log[1024];
	struct vigil_pcrs out;
	struct vigil_error err;
	size_t len, first, at;
	char want[64];

	(void)state;
	/* after the event into PCR 0 (index 3) */
	len = agile_log(log);
	at = len;
	len += locality_event(log + len, 0);
	assert_int_equal(vigil_evlog_replay(log, len, &out, NULL, &err), VIGIL_ERR_INVALID);
	snprintf(want, sizeof(want), "event 3 at offset %zu:", at);
	if (!strstr(err.msg, want) || !strstr(err.msg, "after PCR 0 was extended"))
		fail_msg("%s", err.msg);
	/* twice before it: the header, StartupLocality 3, StartupLocality 3 */
	first = agile_log(log);
	len = first;
	len -= 4 + 4 + 4 + 2 + 32 + 2 + 20 + 4 + 3; /* drop the PCR 0 event */
	at = len;
	len += locality_event(log + len, 3);
	assert_int_equal(vigil_evlog_replay(log, len, &out, NULL, &err), VIGIL_ERR_INVALID);
	snprintf(want, sizeof(want), "event 2 at offset %zu:", at);
	if (!strstr(err.msg, want) || !strstr(err.msg, "second StartupLocality"))
		fail_msg("%s", err.msg);
	/* a locality other than 0, 3, 4 */
	len = agile_log(log);
	log[32 + 37 + 12 + 22 + 34 + 4 + 16] = 2;
	assert_int_equal(log[32 + 37 + 12 + 22 + 34 + 4 + 15], 0); /* the NUL of the signature */
	assert_int_equal(vigil_evlog_replay(log, len, &out, NULL, &err), VIGIL_ERR_INVALID);
	if (!strstr(err.msg, "event 1 at offset") || !strstr(err.msg, "other than 0, 3 or 4"))
		fail_msg("%s", err.msg);
	log[32 + 37 + 12 + 22 + 34 + 4 + 16] = 4; /* H-CRTM: fine */
	assert_int_equal(vigil_evlog_replay(log, len, &out, NULL, &err), VIGIL_OK);
}

/* An algorithm listed twice in the Spec ID event is refused, not hashed twice into one bank. */
static void test_spec_id_duplicate_alg(void **state)
{
	uint8_t log[512];
	struct vigil_pcrs out;
	struct vigil_evlog *ev;
	struct vigil_error err;
	size_t len = agile_log(log);

	(void)state;
	/* header algorithms at 32 + 16 + 4 + 4 + 4: sha1 (0x0004, 20), sha256 (0x000b, 32) */
	assert_int_equal(log[32 + 28], 0x04);
	assert_int_equal(log[32 + 32], 0x0b);
	log[32 + 28] = 0x0b, log[32 + 30] = 32;
	assert_int_equal(vigil_evlog_open(log, len, &ev, &err), VIGIL_ERR_INVALID);
	if (!strstr(err.msg, "event 0 at offset 0") || !strstr(err.msg, "algorithm twice"))
		fail_msg("%s", err.msg);
	assert_int_equal(vigil_evlog_replay(log, len, &out, NULL, &err), VIGIL_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_replay_pcrs),
		cmocka_unit_test(test_vectors_boot_aggregate),
		cmocka_unit_test(test_boot_aggregate_rules),
		cmocka_unit_test(test_sha1_format),
		cmocka_unit_test(test_agile_startup_locality),
		cmocka_unit_test(test_damaged_logs),
		cmocka_unit_test(test_startup_locality_rules),
		cmocka_unit_test(test_spec_id_duplicate_alg),
	};
	return cmocka_run_group_tests(tests, find_vectors, NULL);
}

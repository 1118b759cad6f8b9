/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Measurement lists against real kernel logs (../shared/vectors): parsing,
 * ascii rendering, template digests, PCR replay, resume, the writer; and
 * the corpus of malformed lists.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <vigil/mlist.h>

#define MAX_VECTORS 32

struct blob {
	uint8_t *data;
	size_t len;
};

static char shared_dir[1024];
static char vectors[MAX_VECTORS][1400];
static size_t nvectors;

static struct blob slurp(const char *path)
{
	struct blob b = { NULL, 0 };
	FILE *fp = fopen(path, "rb");
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	b.data = malloc((size_t)n + 1);
	assert_non_null(b.data);
	b.len = fread(b.data, 1, (size_t)n, fp);
	assert_int_equal(b.len, (size_t)n);
	b.data[b.len] = 0;
	fclose(fp);
	return b;
}

static void vpath(char *out, size_t cap, size_t v, const char *file)
{
	assert_true(snprintf(out, cap, "%s/%s", vectors[v], file) < (int)cap);
}

static struct blob vfile(size_t v, const char *file)
{
	char path[1600];

	vpath(path, sizeof(path), v, file);
	return slurp(path);
}

static long vnumber(size_t v, const char *file)
{
	struct blob b = vfile(v, file);
	long n = strtol((char *)b.data, NULL, 10);

	free(b.data);
	return n;
}

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
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d)) && nvectors < MAX_VECTORS) {
		char probe[1500];
		struct stat st;

		snprintf(probe, sizeof(probe), "%s/%s/binary_runtime_measurements", dir, de->d_name);
		if (de->d_name[0] != '.' && stat(probe, &st) == 0)
			snprintf(vectors[nvectors++], sizeof(vectors[0]), "%s/%s", dir, de->d_name);
	}
	closedir(d);
	return nvectors ? 0 : -1;
}

/* The vector of this name (its folder), to pick a known template. */
static size_t vector_named(const char *name)
{
	for (size_t v = 0; v < nvectors; v++) {
		const char *slash = strrchr(vectors[v], '/');

		if (slash && strcmp(slash + 1, name) == 0)
			return v;
	}
	fail_msg("no vector %s", name);
	return 0;
}

static struct vigil_mlist_reader *open_list(size_t v)
{
	struct vigil_mlist_reader *r;
	struct vigil_error err;
	char path[1600];

	vpath(path, sizeof(path), v, "binary_runtime_measurements");
	assert_int_equal(vigil_mlist_reader_path(path, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	return r;
}

/* ------------------------------------------------------------ the vectors */

/* Every entry parses, renders byte for byte as the kernel's ascii list, and has a right digest. */
static void test_vectors_ascii_and_digests(void **state)
{
	(void)state;
	for (size_t v = 0; v < nvectors; v++) {
		struct blob ascii = vfile(v, "ascii_runtime_measurements");
		struct vigil_mlist_reader *r = open_list(v);
		struct vigil_mlist_entry e;
		struct vigil_error err;
		char *out = malloc(ascii.len + 1);
		size_t used = 0, len;
		long count = 0, violations = 0;
		int rc;

		assert_non_null(out);
		while ((rc = vigil_mlist_next(r, &e, &err)) == 1) {
			assert_true(used + vigil_mlist_ascii_size(&e) <= ascii.len + 1 + 4096);
			char *line = malloc(vigil_mlist_ascii_size(&e));

			assert_int_equal(vigil_mlist_ascii(&e, line, vigil_mlist_ascii_size(&e), &len, &err),
					 VIGIL_OK);
			assert_true(used + len <= ascii.len);
			memcpy(out + used, line, len);
			used += len;
			free(line);
			assert_int_equal(vigil_mlist_check_digest(&e, &err), VIGIL_OK);
			assert_int_equal(e.index, (uint64_t)count);
			count++;
			violations += e.violation;
		}
		if (rc < 0)
			fail_msg("%s: %s", vectors[v], err.msg);
		assert_int_equal(count, vnumber(v, "runtime_measurements_count"));
		assert_int_equal(violations, vnumber(v, "violations"));
		assert_int_equal(used, ascii.len);
		assert_memory_equal(out, ascii.data, ascii.len);
		vigil_mlist_reader_free(r);
		free(out);
		free(ascii.data);
	}
}

static void load_pcrs(size_t v, struct vigil_pcrs *p)
{
	struct vigil_error err;
	char path[1600];

	vigil_pcrs_init(p);
	vpath(path, sizeof(path), v, "pcrs-sha1.txt");
	assert_int_equal(vigil_pcrs_load(p, path, -1, &err), VIGIL_OK);
	vpath(path, sizeof(path), v, "pcrs-sha256.txt");
	assert_int_equal(vigil_pcrs_load(p, path, VIGIL_HASH_SHA256, &err), VIGIL_OK);
}

/* Replays from entry `from` (a fresh replay when rp is NULL) to the end. */
static struct vigil_replay *replay_list(size_t v, unsigned flags, struct vigil_replay *rp,
					uint64_t stop_after)
{
	static const int banks[] = { VIGIL_HASH_SHA1, VIGIL_HASH_SHA256 };
	struct vigil_mlist_reader *r = open_list(v);
	struct vigil_mlist_entry e;
	struct vigil_replay_stats st;
	struct vigil_error err;
	int rc;

	if (!rp)
		assert_int_equal(vigil_replay_new(banks, 2, flags, &rp, &err), VIGIL_OK);
	vigil_replay_get_stats(rp, &st);
	assert_int_equal(vigil_mlist_reader_seek(r, st.next_offset, st.next_index, &err), VIGIL_OK);
	while (st.entries < stop_after && (rc = vigil_mlist_next(r, &e, &err)) == 1) {
		if (vigil_replay_extend(rp, &e, &err) != VIGIL_OK)
			fail_msg("%s: %s", vectors[v], err.msg);
		vigil_replay_get_stats(rp, &st);
	}
	vigil_mlist_reader_free(r);
	return rp;
}

static void test_vectors_replay(void **state)
{
	(void)state;
	for (size_t v = 0; v < nvectors; v++) {
		struct vigil_replay *rp = replay_list(v, VIGIL_REPLAY_CHECK_DIGESTS, NULL, UINT64_MAX);
		struct vigil_replay_result res;
		struct vigil_replay_stats st;
		struct vigil_pcrs want;
		struct vigil_error err;

		load_pcrs(v, &want);
		if (vigil_replay_compare(rp, &want, &res, &err) != VIGIL_OK)
			fail_msg("%s: %s", vectors[v], err.msg);
		assert_int_equal(res.nbanks, 2);
		assert_int_equal(res.banks[0].status, VIGIL_BANK_MATCH);
		assert_int_equal(res.banks[1].status, VIGIL_BANK_MATCH);
		/* This kernel hashes the template data per bank (EXPECT.txt). */
		assert_int_equal(res.banks[1].variant, VIGIL_REPLAY_PER_BANK);
		vigil_replay_get_stats(rp, &st);
		assert_int_equal(st.entries, vnumber(v, "runtime_measurements_count"));
		assert_int_equal(st.violations, vnumber(v, "violations"));
		assert_int_equal(st.digest_mismatches, 0);
		assert_int_equal(st.pcr_mask, 1u << 10);
		vigil_replay_free(rp);

		/* evmctl's way without --ignore-violations fails exactly when there are violations. */
		rp = replay_list(v, VIGIL_REPLAY_ZERO_VIOLATIONS, NULL, UINT64_MAX);
		assert_int_equal(vigil_replay_compare(rp, &want, NULL, &err),
				 st.violations ? VIGIL_ERR_MISMATCH : VIGIL_OK);
		vigil_replay_free(rp);

		/* Only padded SHA-1 digests: sha1 matches, sha256 does not. */
		rp = replay_list(v, VIGIL_REPLAY_PADDED_ONLY, NULL, UINT64_MAX);
		assert_int_equal(vigil_replay_compare(rp, &want, &res, &err), VIGIL_ERR_MISMATCH);
		assert_non_null(strstr(err.msg, "sha256 PCR 10: replayed"));
		assert_int_equal(res.banks[0].status, VIGIL_BANK_MATCH);
		assert_int_equal(res.banks[1].status, VIGIL_BANK_MISMATCH);
		assert_int_equal(res.banks[1].mismatch_mask, 1u << 10);
		vigil_replay_free(rp);
	}
}

/* Every bank (fast SHA-2 path and EVP for sm3/sha3) equals a naive computation. */
static void test_replay_other_banks(void **state)
{
	int banks[] = { VIGIL_HASH_SHA384, VIGIL_HASH_SHA512, VIGIL_HASH_SHA224, VIGIL_HASH_SM3_256,
			VIGIL_HASH_SHA3_256 };
	size_t nb = vigil_hash_available(VIGIL_HASH_SM3_256) ? 5 : 2;
	size_t v = vector_named("violations");
	uint8_t naive[5][2][64] = { { { 0 } } }, buf[128];
	struct vigil_mlist_reader *r = open_list(v);
	struct vigil_mlist_entry e;
	struct vigil_replay *rp;
	struct vigil_pcrs got[2];
	struct vigil_error err;
	struct vigil_digest d;

	(void)state;
	assert_int_equal(vigil_replay_new(banks, nb, VIGIL_REPLAY_CHECK_DIGESTS, &rp, &err), VIGIL_OK);
	while (vigil_mlist_next(r, &e, &err) == 1) {
		assert_int_equal(vigil_replay_extend(rp, &e, &err), VIGIL_OK);
		for (size_t b = 0; b < nb; b++) {
			size_t len = vigil_hash_by_id(banks[b])->digest_len;

			for (int variant = 0; variant < 2; variant++) {
				memcpy(buf, naive[b][variant], len);
				memset(buf + len, 0, len);
				if (e.violation)
					memset(buf + len, 0xff, len);
				else if (variant == VIGIL_REPLAY_PADDED)
					memcpy(buf + len, e.digest, 20);
				else {
					assert_int_equal(vigil_mlist_template_digest(&e, banks[b], &d, &err), 0);
					memcpy(buf + len, d.bytes, len);
				}
				assert_int_equal(vigil_hash_buf(banks[b], buf, 2 * len, &d, &err), VIGIL_OK);
				memcpy(naive[b][variant], d.bytes, len);
			}
		}
	}
	vigil_replay_pcrs(rp, VIGIL_REPLAY_PER_BANK, &got[0]);
	vigil_replay_pcrs(rp, VIGIL_REPLAY_PADDED, &got[1]);
	for (size_t b = 0; b < nb; b++)
		for (int variant = 0; variant < 2; variant++)
			assert_memory_equal(vigil_pcrs_find(&got[variant], banks[b])->pcr[10],
					    naive[b][variant], vigil_hash_by_id(banks[b])->digest_len);
	vigil_replay_free(rp);
	vigil_mlist_reader_free(r);
}

/* Half, save, load, the rest: the same PCRs as one pass. */
static void test_vectors_resume(void **state)
{
	(void)state;
	for (size_t v = 0; v < nvectors; v++) {
		long n = vnumber(v, "runtime_measurements_count");
		struct vigil_replay *rp = replay_list(v, VIGIL_REPLAY_CHECK_DIGESTS, NULL, (uint64_t)n / 2);
		struct vigil_replay *again;
		struct vigil_pcrs want, a, b;
		struct vigil_replay_stats st;
		struct vigil_error err;
		size_t len;
		char *text;

		assert_int_equal(vigil_replay_save(rp, NULL, 0, &len, &err), VIGIL_OK);
		text = malloc(len + 1);
		assert_int_equal(vigil_replay_save(rp, text, len, &len, &err), VIGIL_ERR_TOO_BIG);
		assert_int_equal(vigil_replay_save(rp, text, len + 1, &len, &err), VIGIL_OK);
		assert_int_equal(strlen(text), len);
		vigil_replay_free(rp);

		assert_int_equal(vigil_replay_load(text, len, &again, &err), VIGIL_OK);
		vigil_replay_get_stats(again, &st);
		assert_int_equal(st.entries, (uint64_t)n / 2);
		again = replay_list(v, 0, again, UINT64_MAX);
		load_pcrs(v, &want);
		assert_int_equal(vigil_replay_compare(again, &want, NULL, &err), VIGIL_OK);
		rp = replay_list(v, VIGIL_REPLAY_CHECK_DIGESTS, NULL, UINT64_MAX);
		vigil_replay_pcrs(rp, VIGIL_REPLAY_PER_BANK, &a);
		vigil_replay_pcrs(again, VIGIL_REPLAY_PER_BANK, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		vigil_replay_free(rp);
		vigil_replay_free(again);

		/* Any damage to the state is refused. */
		for (size_t i = 0; i < len; i += 7) {
			text[i] ^= 0x01;
			assert_int_not_equal(vigil_replay_load(text, len, &again, &err), VIGIL_OK);
			assert_null(again);
			text[i] ^= 0x01;
		}
		assert_int_equal(vigil_replay_load(text, len - 1, &again, &err), VIGIL_ERR_INVALID);
		free(text);
	}
}

/* Re-encoding every entry gives its bytes back; the writer rebuilds the file. */
static void test_vectors_writer_roundtrip(void **state)
{
	(void)state;
	for (size_t v = 0; v < nvectors; v++) {
		struct blob list = vfile(v, "binary_runtime_measurements");
		struct vigil_mlist_reader *r;
		struct vigil_mlist_writer *w;
		struct vigil_mlist_record rec;
		struct vigil_mlist_entry e;
		struct vigil_error err;
		char *out = NULL;
		size_t outlen = 0, len;
		FILE *fp = open_memstream(&out, &outlen);
		uint8_t buf[70000];
		int rc;

		assert_int_equal(vigil_mlist_reader_mem(list.data, list.len, VIGIL_HASH_SHA1, 0, &r, &err),
				 VIGIL_OK);
		assert_int_equal(vigil_mlist_writer_new(fp, VIGIL_HASH_SHA1, 0, &w, &err), VIGIL_OK);
		while ((rc = vigil_mlist_next(r, &e, &err)) == 1) {
			vigil_mlist_record_from_entry(&e, &rec);
			assert_int_equal(vigil_mlist_encode(&rec, VIGIL_HASH_SHA1, 0, buf, sizeof(buf), &len,
							    &err), VIGIL_OK);
			assert_int_equal(len, e.size);
			assert_memory_equal(buf, e.raw, len);
			assert_ptr_equal(e.raw, list.data + e.offset); /* no copy from memory */
			assert_int_equal(vigil_mlist_writer_append(w, &rec, &err), VIGIL_OK);
		}
		assert_int_equal(rc, 0);
		fclose(fp);
		assert_int_equal(outlen, list.len);
		assert_memory_equal(out, list.data, list.len);
		vigil_mlist_writer_free(w);
		vigil_mlist_reader_free(r);
		free(out);
		free(list.data);
	}
}

/* fd, FILE and memory readers see the same entries. */
static void test_reader_sources_agree(void **state)
{
	struct blob list;
	struct vigil_mlist_reader *r[3];
	struct vigil_mlist_entry e[3];
	struct vigil_error err;
	char path[1600];
	FILE *fp;
	int fd, rc[3];

	(void)state;
	vpath(path, sizeof(path), 0, "binary_runtime_measurements");
	list = slurp(path);
	fd = open(path, O_RDONLY);
	fp = fopen(path, "rb");
	assert_int_equal(vigil_mlist_reader_fd(fd, VIGIL_HASH_SHA1, 0, &r[0], &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_reader_file(fp, VIGIL_HASH_SHA1, 0, &r[1], &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_reader_mem(list.data, list.len, VIGIL_HASH_SHA1, 0, &r[2], &err),
			 VIGIL_OK);
	do {
		for (int i = 0; i < 3; i++)
			rc[i] = vigil_mlist_next(r[i], &e[i], &err);
		assert_int_equal(rc[0], rc[1]);
		assert_int_equal(rc[0], rc[2]);
		if (rc[0] == 1) {
			assert_int_equal(e[0].offset, e[2].offset);
			assert_int_equal(e[1].size, e[2].size);
			assert_memory_equal(e[0].raw, e[2].raw, e[2].size);
			assert_memory_equal(e[1].raw, e[2].raw, e[2].size);
		}
	} while (rc[0] == 1);
	assert_int_equal(rc[0], 0);
	assert_int_equal(vigil_mlist_reader_offset(r[0]), list.len);
	/* Seek back to an entry boundary on each kind. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vigil_mlist_reader_seek(r[i], e[2].offset, 7, &err), VIGIL_OK);
		assert_int_equal(vigil_mlist_next(r[i], &e[i], &err), 1);
		assert_int_equal(e[i].index, 7);
		vigil_mlist_reader_free(r[i]);
	}
	close(fd);
	fclose(fp);
	free(list.data);
}

/* A list that grows between reads: fd and FILE readers pick up the new entries. */
static void test_growing_list(void **state)
{
	struct blob list = vfile(vector_named("ng-sha256"), "binary_runtime_measurements");
	char path[] = "/tmp/vigil-test-grow-XXXXXX";
	int fd = mkstemp(path);
	size_t half = 0;
	struct vigil_mlist_reader *r[2], *m;
	struct vigil_mlist_entry e;
	struct vigil_error err;
	FILE *fp;
	unsigned long count[2] = { 0, 0 };

	(void)state;
	assert_int_equal(vigil_mlist_reader_mem(list.data, list.len, VIGIL_HASH_SHA1, 0, &m, &err), 0);
	while (vigil_mlist_next(m, &e, &err) == 1 && e.offset + e.size < list.len / 2)
		half = e.offset + e.size;
	vigil_mlist_reader_free(m);
	assert_int_equal(write(fd, list.data, half), (ssize_t)half);
	fp = fopen(path, "rb");
	assert_int_equal(vigil_mlist_reader_path(path, VIGIL_HASH_SHA1, 0, &r[0], &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_reader_file(fp, VIGIL_HASH_SHA1, 0, &r[1], &err), VIGIL_OK);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 2; i++) {
			int rc;

			while ((rc = vigil_mlist_next(r[i], &e, &err)) == 1)
				count[i]++;
			assert_int_equal(rc, 0);
			assert_int_equal(vigil_mlist_reader_offset(r[i]), round ? list.len : half);
		}
		if (!round)
			assert_int_equal(write(fd, list.data + half, list.len - half),
					 (ssize_t)(list.len - half));
	}
	assert_int_equal(count[0], 297);
	assert_int_equal(count[1], 297);
	vigil_mlist_reader_free(r[0]);
	vigil_mlist_reader_free(r[1]);
	fclose(fp);
	close(fd);
	unlink(path);
	free(list.data);
}

/* Cut anywhere, a list yields its whole entries then names the cut one. */
static void test_truncation_anywhere(void **state)
{
	struct blob list = vfile(0, "binary_runtime_measurements");
	size_t bounds[5] = { 0 }, nb = 1;
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_error err;

	(void)state;
	assert_int_equal(vigil_mlist_reader_mem(list.data, list.len, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	while (nb < 5 && vigil_mlist_next(r, &e, &err) == 1)
		bounds[nb++] = e.offset + e.size;
	vigil_mlist_reader_free(r);
	for (size_t cut = 0; cut <= bounds[4]; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
		size_t whole = 0;
		int rc;

		memcpy(copy, list.data, cut);
		assert_int_equal(vigil_mlist_reader_mem(copy, cut, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
		while ((rc = vigil_mlist_next(r, &e, &err)) == 1)
			whole++;
		if (rc == 0) {
			assert_int_equal(bounds[whole], cut);
		} else {
			char prefix[64];

			snprintf(prefix, sizeof(prefix), "entry %zu at offset %zu: ", whole, bounds[whole]);
			assert_int_equal(rc, VIGIL_ERR_INVALID);
			assert_memory_equal(err.msg, prefix, strlen(prefix));
			assert_int_equal(vigil_mlist_next(r, &e, &err), VIGIL_ERR_INVALID); /* stays failed */
		}
		vigil_mlist_reader_free(r);
		free(copy);
	}
	free(list.data);
}

/* -------------------------------------------------------------- synthetic */

static size_t put_entry(uint8_t *p, const char *tname, uint32_t data_len, const uint8_t *data,
			size_t have)
{
	uint32_t nlen = (uint32_t)strlen(tname);
	size_t o = 0;

	memset(p, 0, 4 + 20);
	p[0] = 10;
	p[4] = 1; /* not a violation */
	o = 24;
	memcpy(p + o, &nlen, 4);
	memcpy(p + o + 4, tname, nlen);
	o += 4 + nlen;
	memcpy(p + o, &data_len, 4);
	o += 4;
	if (data)
		memcpy(p + o, data, have);
	else
		memset(p + o, 0, have);
	return o + have;
}

/* Over the 1 MiB cap through a stream: too big, or truncated if the file ends first. */
static void test_entry_size_cap(void **state)
{
	char path[] = "/tmp/vigil-test-mlist-XXXXXX";
	size_t big = (2u << 20) + 100;
	uint8_t *buf = calloc(1, big + 64);
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_error err;
	int fd = mkstemp(path);
	size_t n;

	(void)state;
	n = put_entry(buf, "ima-ng", (2u << 20), NULL, big - 40);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(vigil_mlist_reader_path(path, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_next(r, &e, &err), VIGIL_ERR_TOO_BIG);
	assert_string_equal(err.msg, "entry 0 at offset 0: template data length 2097152 exceeds the "
				     "1048576-byte limit of one entry");
	vigil_mlist_reader_free(r);
	assert_int_equal(ftruncate(fd, 0), 0);
	n = put_entry(buf, "ima-ng", 0xffffffffu, NULL, 5000);
	assert_int_equal(pwrite(fd, buf, n, 0), (ssize_t)n);
	assert_int_equal(vigil_mlist_reader_path(path, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	assert_int_equal(vigil_mlist_next(r, &e, &err), VIGIL_ERR_INVALID);
	assert_string_equal(err.msg, "entry 0 at offset 0: template data length 4294967295 exceeds "
				     "the remaining 5000 bytes");
	vigil_mlist_reader_free(r);
	close(fd);
	unlink(path);
	free(buf);
}

static void test_corpus(void **state)
{
	const char *env = getenv("VIGIL_CORPUS");
	char dir[1024], path[4200], line[512];
	unsigned checked = 0;
	FILE *m;

	(void)state;
	if (env)
		snprintf(dir, sizeof(dir), "%s", env);
	else /* the source tree: tests/unit/../corpus */
		snprintf(dir, sizeof(dir), "%.*s/../corpus", (int)(strrchr(__FILE__, '/') - __FILE__),
			 __FILE__);
	snprintf(path, sizeof(path), "%s/mlist/EXPECT", dir);
	m = fopen(path, "r");
	assert_non_null(m);
	while (fgets(line, sizeof(line), m)) {
		char file[128], status[32], offset[32], msg[400] = "";
		struct vigil_mlist_reader *r;
		struct vigil_mlist_entry e;
		struct vigil_error err = { 0 };
		unsigned long index, count = 0;
		struct blob b;
		int rc;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		assert_int_equal(sscanf(line, "%127s %31s %lu %31s %399[^\n]", file, status, &index, offset,
					msg), 5);
		snprintf(path, sizeof(path), "%s/mlist/%s", dir, file);
		b = slurp(path);
		assert_int_equal(vigil_mlist_reader_mem(b.data, b.len, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
		while ((rc = vigil_mlist_next(r, &e, &err)) == 1) {
			char *text = malloc(vigil_mlist_ascii_size(&e));
			size_t len;

			assert_int_equal(vigil_mlist_ascii(&e, text, vigil_mlist_ascii_size(&e), &len, &err), 0);
			assert_int_equal(vigil_mlist_check_digest(&e, &err), VIGIL_OK);
			free(text);
			count++;
		}
		if (strcmp(status, "ok") == 0) {
			if (rc != 0)
				fail_msg("%s: %s", file, err.msg);
			assert_int_equal(count, index);
		} else {
			char prefix[96];

			snprintf(prefix, sizeof(prefix), "entry %lu at offset %s: ", index, offset);
			if (strcmp(vigil_status_name(rc), status) != 0 || strncmp(err.msg, prefix, strlen(prefix)) ||
			    !strstr(err.msg, msg))
				fail_msg("%s: got %s \"%s\", want %s \"%s...%s\"", file, vigil_status_name(rc),
					 err.msg, status, prefix, msg);
			assert_int_equal(count, index);
		}
		vigil_mlist_reader_free(r);
		free(b.data);
		checked++;
	}
	fclose(m);
	assert_true(checked >= 25);
}

static void test_templates(void **state)
{
	const char *fmt;
	struct vigil_template t;
	struct vigil_error err;

	(void)state;
	assert_int_equal(vigil_template_lookup("ima", 3, &t, &err), VIGIL_OK);
	assert_true(t.legacy);
	assert_int_equal(t.nfields, 2);
	assert_int_equal(vigil_template_lookup("d|n", 3, &t, &err), VIGIL_OK);
	assert_false(t.legacy); /* only the name "ima" has the old layout */
	assert_int_equal(vigil_template_lookup("evm-sig", 7, &t, &err), VIGIL_OK);
	assert_int_equal(t.nfields, 9);
	assert_int_equal(t.fields[8], VIGIL_FIELD_IMODE);
	assert_int_equal(vigil_template_lookup("d-ng|n-ng|sig", 13, &t, &err), VIGIL_OK);
	assert_int_equal(t.fields[2], VIGIL_FIELD_SIG);
	assert_string_equal(t.name, "d-ng|n-ng|sig");
	fmt = "d-ngv2|n-ng|d-modsig|modsig|evmsig|xattrnames|xattrlengths|xattrvalues|iuid|igid|"
	      "imode|buf|d|n";
	assert_int_equal(vigil_template_lookup(fmt, strlen(fmt), &t, &err), VIGIL_OK);
	assert_int_equal(t.nfields, 14);
	assert_int_equal(vigil_template_lookup("d-ng||n-ng", 10, &t, &err), VIGIL_ERR_UNSUPPORTED);
	assert_int_equal(vigil_template_lookup("ima-ng\n", 7, &t, &err), VIGIL_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "\\x0a"));
	assert_int_equal(vigil_template_lookup("", 0, &t, &err), VIGIL_ERR_INVALID);
	assert_string_equal(vigil_template_builtin_fmt("ima-modsig"), "d-ng|n-ng|sig|d-modsig|modsig");
	assert_null(vigil_template_builtin_fmt("d-ng|n-ng"));
	assert_int_equal(vigil_field_by_name("xattrvalues", 11), VIGIL_FIELD_XATTRVALUES);
	assert_int_equal(vigil_field_by_name("d-n", 3), -1);
	assert_string_equal(vigil_field_name(VIGIL_FIELD_D_NGV2), "d-ngv2");
	assert_null(vigil_field_name(VIGIL_FIELD_COUNT));
}

/* Build an evm-sig entry from values, big- and little-endian; read and render it. */
static void test_encode_fields(void **state)
{
	static const uint8_t digest[32] = { 0xab };
	uint8_t dng[64], name[64], uid[4], gid[4], mode[2], entry[512];
	struct vigil_mlist_record rec = { .pcr = 11, .template_name = "evm-sig", .nfields = 9 };
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_error err;
	size_t dlen, nlen, len, alen;
	char line[1024];

	(void)state;
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, digest, 32, dng, sizeof(dng),
						      &dlen, &err), VIGIL_OK);
	assert_int_equal(dlen, 40);
	assert_memory_equal(dng, "sha256:\0\xab", 9);
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, digest, 31, dng, sizeof(dng),
						      &dlen, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_field_encode_name("/a b/c", 6, true, name, sizeof(name), &nlen, &err), VIGIL_OK);
	assert_memory_equal(name, "/a_b/c", 7);
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, digest, 32, dng, 39, &dlen, &err),
			 VIGIL_ERR_TOO_BIG);
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, digest, 32, dng, sizeof(dng),
						      &dlen, &err), VIGIL_OK);
	for (int be = 0; be < 2; be++) {
		vigil_field_encode_u32(1000, be, uid);
		vigil_field_encode_u32(4294967295u, be, gid);
		vigil_field_encode_u16(0100644, be, mode);
		rec.fields[0] = (struct vigil_field){ 0, dng, (uint32_t)dlen };
		rec.fields[1] = (struct vigil_field){ 0, name, (uint32_t)nlen };
		for (int i = 2; i < 6; i++)
			rec.fields[i] = (struct vigil_field){ 0, NULL, 0 };
		rec.fields[6] = (struct vigil_field){ 0, uid, 4 };
		rec.fields[7] = (struct vigil_field){ 0, gid, 4 };
		rec.fields[8] = (struct vigil_field){ 0, mode, 2 };
		assert_int_equal(vigil_mlist_encode(&rec, VIGIL_HASH_SHA256, be ? VIGIL_MLIST_BIG_ENDIAN : 0,
						    entry, sizeof(entry), &len, &err), VIGIL_OK);
		assert_int_equal(entry[be ? 3 : 0], 11);
		assert_int_equal(vigil_mlist_reader_mem(entry, len, VIGIL_HASH_SHA256,
							be ? VIGIL_MLIST_BIG_ENDIAN : 0, &r, &err), VIGIL_OK);
		assert_int_equal(vigil_mlist_next(r, &e, &err), 1);
		assert_int_equal(vigil_mlist_check_digest(&e, &err), VIGIL_OK);
		assert_int_equal(e.file_algo, VIGIL_HASH_SHA256);
		assert_int_equal(e.file_name_len, 6);
		assert_memory_equal(e.file_name, "/a_b/c", 6);
		assert_int_equal(vigil_mlist_ascii(&e, line, sizeof(line), &alen, &err), VIGIL_OK);
		assert_non_null(strstr(line, " evm-sig sha256:ab000000"));
		assert_non_null(strstr(line, "00 /a_b/c     1000 4294967295 33188\n"));
		assert_int_equal(strncmp(line, "11 ", 3), 0);
		assert_int_equal(vigil_mlist_next(r, &e, &err), 0);
		vigil_mlist_reader_free(r);
	}
	/* Wrong field count and unknown names are refused. */
	rec.nfields = 8;
	assert_int_equal(vigil_mlist_encode(&rec, VIGIL_HASH_SHA1, 0, NULL, 0, &len, &err), VIGIL_ERR_INVALID);
	rec.template_name = "nope";
	assert_int_equal(vigil_mlist_encode(&rec, VIGIL_HASH_SHA1, 0, NULL, 0, &len, &err),
			 VIGIL_ERR_UNSUPPORTED);
}

/* Tampered template data: the check and the replay name the entry. */
static void test_digest_mismatch(void **state)
{
	static const int banks[] = { VIGIL_HASH_SHA256 };
	struct blob list = vfile(vector_named("ng-sha256"), "binary_runtime_measurements");
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_replay *rp;
	struct vigil_replay_stats st;
	struct vigil_error err;
	uint64_t off = 0;
	int rc;

	(void)state;
	assert_int_equal(vigil_mlist_reader_mem(list.data, list.len, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vigil_mlist_next(r, &e, &err), 1);
		off = e.offset;
	}
	vigil_mlist_reader_free(r);
	list.data[off + e.size - 2] ^= 0x20; /* a letter of entry 2's name */
	assert_int_equal(vigil_mlist_reader_mem(list.data, list.len, VIGIL_HASH_SHA1, 0, &r, &err), VIGIL_OK);
	assert_int_equal(vigil_replay_new(banks, 1, VIGIL_REPLAY_CHECK_DIGESTS, &rp, &err), VIGIL_OK);
	while ((rc = vigil_mlist_next(r, &e, &err)) == 1) {
		int x = vigil_replay_extend(rp, &e, &err);

		if (e.index == 2) {
			char want[80];

			snprintf(want, sizeof(want), "entry 2 at offset %llu: template digest",
				 (unsigned long long)off);
			assert_int_equal(x, VIGIL_ERR_MISMATCH);
			assert_memory_equal(err.msg, want, strlen(want));
			assert_int_equal(vigil_mlist_check_digest(&e, &err), VIGIL_ERR_MISMATCH);
		} else {
			assert_int_equal(x, VIGIL_OK);
		}
	}
	vigil_replay_get_stats(rp, &st);
	assert_int_equal(st.digest_mismatches, 1);
	/* An entry out of order is refused. */
	assert_int_equal(vigil_replay_extend(rp, &e, &err), VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "does not follow the replayed entries"));
	vigil_replay_free(rp);
	vigil_mlist_reader_free(r);
	free(list.data);
}

/* One ima-ng entry (SHA-1 template digest) of d-ng dng[0..dlen) and name "/f". */
static size_t ng_entry(const uint8_t *dng, size_t dlen, bool violation, uint8_t *out, size_t cap,
		       int *rc)
{
	struct vigil_mlist_record rec = { .pcr = 10, .template_name = "ima-ng", .nfields = 2,
					  .violation = violation };
	struct vigil_error err;
	size_t len = 0;

	rec.fields[0] = (struct vigil_field){ VIGIL_FIELD_D_NG, dng, (uint32_t)dlen };
	rec.fields[1] = (struct vigil_field){ VIGIL_FIELD_N_NG, (const uint8_t *)"/f", 3 };
	*rc = vigil_mlist_encode(&rec, VIGIL_HASH_SHA1, 0, out, cap, &len, &err);
	return len;
}

static int read_one(const uint8_t *buf, size_t len, struct vigil_mlist_entry *e,
		    struct vigil_mlist_reader **r, struct vigil_error *err)
{
	assert_int_equal(vigil_mlist_reader_mem(buf, len, VIGIL_HASH_SHA1, 0, r, err), VIGIL_OK);
	return vigil_mlist_next(*r, e, err);
}

/* A violation has a zero template digest and a zero file digest; else it is a mismatch. */
static void test_violation_needs_zero_file_digest(void **state)
{
	static const uint8_t real[32] = { 0xab, 1, 2, 3 }, zero[32];
	uint8_t dng[64], entry[256];
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_error err;
	size_t dlen, len;
	int rc;

	(void)state;
	/* zero template digest over a real file digest: no violation, a digest mismatch */
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, real, 32, dng, sizeof(dng),
						      &dlen, &err), VIGIL_OK);
	len = ng_entry(dng, dlen, true, entry, sizeof(entry), &rc);
	assert_int_equal(rc, VIGIL_OK);
	assert_int_equal(read_one(entry, len, &e, &r, &err), 1);
	assert_false(e.violation);
	assert_int_equal(vigil_mlist_check_digest(&e, &err), VIGIL_ERR_MISMATCH);
	assert_non_null(strstr(err.msg, "entry 0 at offset 0: template digest"));
	vigil_mlist_reader_free(r);
	/* the kernel's form: zeros in both */
	assert_int_equal(vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, zero, 32, dng, sizeof(dng),
						      &dlen, &err), VIGIL_OK);
	len = ng_entry(dng, dlen, true, entry, sizeof(entry), &rc);
	assert_int_equal(rc, VIGIL_OK);
	assert_int_equal(read_one(entry, len, &e, &r, &err), 1);
	assert_true(e.violation);
	assert_int_equal(vigil_mlist_check_digest(&e, &err), VIGIL_OK);
	vigil_mlist_reader_free(r);
}

/* The short 20-byte zero file digest of old kernels' violations: in violations only. */
static void test_short_zero_digest_only_in_violations(void **state)
{
	uint8_t dng[64] = "sha256:", entry[256];
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_error err;
	size_t dlen = 8 + 20, len;
	int rc;

	(void)state;
	len = ng_entry(dng, dlen, true, entry, sizeof(entry), &rc);
	assert_int_equal(rc, VIGIL_OK);
	assert_int_equal(read_one(entry, len, &e, &r, &err), 1);
	assert_true(e.violation);
	assert_int_equal(e.file_digest_len, 20);
	vigil_mlist_reader_free(r);
	/* the same fields under a non-zero template digest */
	entry[4] = 1;
	rc = read_one(entry, len, &e, &r, &err);
	assert_int_equal(rc, VIGIL_ERR_INVALID);
	if (!strstr(err.msg, "sha256 digest of 20 bytes, expected 32"))
		fail_msg("%s", err.msg);
	vigil_mlist_reader_free(r);
	/* and the writer refuses to store it as a measurement */
	(void)ng_entry(dng, dlen, false, entry, sizeof(entry), &rc);
	assert_int_equal(rc, VIGIL_ERR_INVALID);
}

static void test_pcrs_parse(void **state)
{
	static const char evm[] = "PCR-00: 3A3F780F11A4B49969FCAA80CD6E3957C33B2275\n"
				  "PCR-10: 00000000000000000000000000000000000000000000000000000000000000FF\n";
	static const char sysfs[] = "PCR-07: 3A 3F 78 0F 11 A4 B4 99 69 FC AA 80 CD 6E 39 57 C3 3B 22 75\n";
	static const char yaml[] = "pcrs:\n  sha1:\n    0 : 0x3A3F780F11A4B49969FCAA80CD6E3957C33B2275\n"
				   "  sha256:\n    10: 0x00000000000000000000000000000000000000000000000000000000000000ff\r\n"
				   "    23 : 0x0000000000000000000000000000000000000000000000000000000000000000\n";
	struct vigil_pcrs p;
	struct vigil_error err;
	const struct vigil_pcr_bank *b;

	(void)state;
	vigil_pcrs_init(&p);
	assert_int_equal(vigil_pcrs_parse(&p, evm, strlen(evm), -1, &err), VIGIL_OK);
	assert_int_equal(vigil_pcrs_parse(&p, sysfs, strlen(sysfs), VIGIL_HASH_SHA1, &err), VIGIL_OK);
	assert_int_equal(p.nbanks, 2);
	b = vigil_pcrs_find(&p, VIGIL_HASH_SHA1);
	assert_int_equal(b->valid, 1u << 0 | 1u << 7);
	assert_memory_equal(b->pcr[0], b->pcr[7], 20);
	b = vigil_pcrs_find(&p, VIGIL_HASH_SHA256);
	assert_int_equal(b->valid, 1u << 10);
	assert_int_equal(b->pcr[10][31], 0xff);

	vigil_pcrs_init(&p);
	assert_int_equal(vigil_pcrs_parse(&p, yaml, strlen(yaml), -1, &err), VIGIL_OK);
	assert_int_equal(vigil_pcrs_find(&p, VIGIL_HASH_SHA1)->valid, 1u);
	assert_int_equal(vigil_pcrs_find(&p, VIGIL_HASH_SHA256)->valid, 1u << 10 | 1u << 23);

	static const struct {
		const char *text;
		int algo;
		const char *msg;
	} bad[] = {
		{ "PCR-24: 00\n", -1, "line 1: bad PCR index" },
		{ "PCR-1x: 00\n", -1, "line 1: bad PCR index" },
		{ "\nPCR-01: 0g\n", -1, "line 2: bad PCR value" },
		{ "PCR-01: 0011\n", -1, "line 1: no bank has 2-byte digests" },
		{ "PCR-01: 3A3F780F11A4B49969FCAA80CD6E3957C33B2275\n", VIGIL_HASH_SHA256,
		  "line 1: 20 bytes for a sha256 PCR" },
		{ "sha999:\n", -1, "line 1: unknown bank \"sha999\"" },
		{ "  0 : 0x00\n", -1, "line 1: not a PCR line" },
		{ "hello\n", -1, "line 1: not a PCR line" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vigil_pcrs_init(&p);
		assert_int_equal(vigil_pcrs_parse(&p, bad[i].text, strlen(bad[i].text), bad[i].algo, &err),
				 VIGIL_ERR_INVALID);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: %s", i, err.msg);
	}
	assert_int_equal(vigil_pcrs_load(&p, "/nonexistent/pcrs", -1, &err), VIGIL_ERR_IO);
}

static void test_replay_state_strict(void **state)
{
	static const int banks[] = { VIGIL_HASH_SHA1 };
	struct vigil_replay *rp, *again;
	struct vigil_error err;
	char text[4096], *p;
	size_t len;

	(void)state;
	assert_int_equal(vigil_replay_new(banks, 1, VIGIL_REPLAY_CHECK_DIGESTS, &rp, &err), VIGIL_OK);
	assert_int_equal(vigil_replay_save(rp, text, sizeof(text), &len, &err), VIGIL_OK);
	assert_non_null(strstr(text, "vigil-replay-state 1\nflags 1\nlist-digest none\nentries 0\n"));
	assert_int_equal(vigil_replay_load(text, len, &again, &err), VIGIL_OK);
	vigil_replay_free(again);
	/* A valid checksum over bad content is still refused. */
	p = strstr(text, "entries 0");
	p[8] = '5';
	assert_int_equal(vigil_replay_load(text, len, &again, &err), VIGIL_ERR_INVALID);
	assert_non_null(strstr(err.msg, "checksum"));
	assert_int_equal(vigil_replay_load("", 0, &again, &err), VIGIL_ERR_INVALID);
	vigil_replay_free(rp);
	assert_int_equal(vigil_replay_new(banks, 0, 0, &rp, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_replay_new((int[]){ 2, 2 }, 2, 0, &rp, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_replay_new((int[]){ VIGIL_HASH_TGR192 }, 1, 0, &rp, &err),
			 VIGIL_ERR_UNSUPPORTED);
	assert_int_equal(vigil_replay_new((int[]){ 2, 99 }, 2, 0, &rp, &err), VIGIL_ERR_INVALID);
	assert_null(rp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_ascii_and_digests),
		cmocka_unit_test(test_vectors_replay),
		cmocka_unit_test(test_vectors_resume),
		cmocka_unit_test(test_replay_other_banks),
		cmocka_unit_test(test_vectors_writer_roundtrip),
		cmocka_unit_test(test_reader_sources_agree),
		cmocka_unit_test(test_growing_list),
		cmocka_unit_test(test_truncation_anywhere),
		cmocka_unit_test(test_entry_size_cap),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_encode_fields),
		cmocka_unit_test(test_digest_mismatch),
		cmocka_unit_test(test_violation_needs_zero_file_digest),
		cmocka_unit_test(test_short_zero_digest_only_in_violations),
		cmocka_unit_test(test_pcrs_parse),
		cmocka_unit_test(test_replay_state_strict),
	};
	return cmocka_run_group_tests(tests, find_vectors, NULL);
}

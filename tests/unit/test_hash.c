/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <vigil/hash.h>

static void test_table_matches_kernel_ids(void **state)
{
	(void)state;
	assert_string_equal(vigil_hash_by_id(VIGIL_HASH_SHA1)->name, "sha1");
	assert_int_equal(vigil_hash_by_id(VIGIL_HASH_SHA256)->digest_len, 32);
	assert_int_equal(vigil_hash_by_name("sha256")->id, 4);
	assert_int_equal(vigil_hash_by_name("sha512")->id, 6);
	assert_int_equal(vigil_hash_by_name("sha224")->id, 7);
	assert_int_equal(vigil_hash_by_name("sm3")->id, 17);
	assert_int_equal(vigil_hash_by_name("sm3-256")->id, 17);
	assert_int_equal(vigil_hash_by_name("streebog512")->id, 19);
	assert_int_equal(vigil_hash_by_name("sha3-512")->id, 22);
	assert_null(vigil_hash_by_name("sha257"));
	assert_null(vigil_hash_by_name(NULL));
	assert_null(vigil_hash_by_id(-1));
	assert_null(vigil_hash_by_id(VIGIL_HASH_ALGO_COUNT));
	for (int i = 0; i < VIGIL_HASH_ALGO_COUNT; i++) {
		assert_int_equal(vigil_hash_by_id(i)->id, i);
		assert_true(vigil_hash_by_id(i)->digest_len <= VIGIL_MAX_DIGEST);
	}
}

static void test_known_answers(void **state)
{
	static const struct {
		int algo;
		const char *hex;
	} cases[] = {
		{ VIGIL_HASH_MD5, "900150983cd24fb0d6963f7d28e17f72" },
		{ VIGIL_HASH_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ VIGIL_HASH_SHA256,
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ VIGIL_HASH_SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7" },
		{ VIGIL_HASH_SM3_256,
		  "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" },
		{ VIGIL_HASH_SHA3_256,
		  "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532" },
	};
	struct vigil_error err;
	struct vigil_digest d;
	char hex[2 * VIGIL_MAX_DIGEST + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(vigil_hash_buf(cases[i].algo, "abc", 3, &d, &err), VIGIL_OK);
		vigil_hex(d.bytes, d.len, hex);
		assert_string_equal(hex, cases[i].hex);
		assert_int_equal(d.algo, cases[i].algo);
	}
}

static void test_unsupported_is_an_error_not_a_crash(void **state)
{
	struct vigil_error err;
	struct vigil_digest d;
	struct vigil_hash_ctx *ctx = (void *)1;

	(void)state;
	assert_false(vigil_hash_available(VIGIL_HASH_TGR192));
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_TGR192, "x", 1, &d, &err),
			 VIGIL_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "unsupported hash algorithm tgr192"));
	assert_int_equal(vigil_hash_new(99, &ctx, &err), VIGIL_ERR_INVALID);
	assert_null(ctx);
	assert_int_equal(vigil_hash_buf(-3, "x", 1, &d, NULL), VIGIL_ERR_INVALID);
}

/* A file bigger than one read chunk hashes like the same bytes streamed. */
static void test_fd_equals_stream(void **state)
{
	char path[] = "/tmp/vigil-test-hash-XXXXXX";
	int fd = mkstemp(path);
	size_t len = (3u << 20) + 12345;
	uint8_t *data = malloc(len);
	struct vigil_hash_ctx *ctx;
	struct vigil_digest a, b;
	struct vigil_error err;

	(void)state;
	assert_true(fd >= 0 && data);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	lseek(fd, 17, SEEK_SET); /* the fd position must not matter */
	assert_int_equal(vigil_hash_fd(VIGIL_HASH_SHA256, fd, &a, &err), VIGIL_OK);
	assert_int_equal(vigil_hash_new(VIGIL_HASH_SHA256, &ctx, &err), VIGIL_OK);
	assert_int_equal(vigil_hash_update(ctx, data, 1000, &err), VIGIL_OK);
	assert_int_equal(vigil_hash_update(ctx, data + 1000, len - 1000, &err), VIGIL_OK);
	assert_int_equal(vigil_hash_final(ctx, &b, &err), VIGIL_OK);
	assert_memory_equal(a.bytes, b.bytes, 32);
	assert_int_equal(vigil_hash_reset(ctx, &err), VIGIL_OK);
	assert_int_equal(vigil_hash_final(ctx, &b, &err), VIGIL_OK);
	assert_int_equal(vigil_hash_buf(VIGIL_HASH_SHA256, "", 0, &a, &err), VIGIL_OK);
	assert_memory_equal(a.bytes, b.bytes, 32);
	vigil_hash_free(ctx);
	assert_int_equal(vigil_hash_path(VIGIL_HASH_SHA1, path, &a, &err), VIGIL_OK);
	assert_int_equal(a.len, 20);
	close(fd);
	unlink(path);
	free(data);
	assert_int_equal(vigil_hash_path(VIGIL_HASH_SHA1, path, &a, &err), VIGIL_ERR_IO);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(vigil_hash_path(VIGIL_HASH_SHA1, "/", &a, &err), VIGIL_ERR_INVALID);
}

static void test_hex_roundtrip(void **state)
{
	uint8_t out[4];
	char hex[9];

	(void)state;
	assert_int_equal(vigil_unhex("deadBEEF", out, 4), 4);
	vigil_hex(out, 4, hex);
	assert_string_equal(hex, "deadbeef");
	assert_int_equal(vigil_unhex("abc", out, 4), -1);
	assert_int_equal(vigil_unhex("zz", out, 4), -1);
	assert_int_equal(vigil_unhex("0011223344", out, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_kernel_ids),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_unsupported_is_an_error_not_a_crash),
		cmocka_unit_test(test_fd_equals_stream),
		cmocka_unit_test(test_hex_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

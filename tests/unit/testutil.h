/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixtures shared by the unit tests; include after <cmocka.h>. */
#ifndef VIGIL_TESTUTIL_H
#define VIGIL_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

/* Each test's private temporary directory (set up by the test's group setup). */
static char tmpdir[64];

/* Paths rotate through a few buffers so that several can be live in one call. */
static const char *data(const char *name)
{
	static char bufs[8][512];
	static unsigned next;
	const char *dir = getenv("VIGIL_TEST_DATA");
	char *buf = bufs[next++ % 8];

	snprintf(buf, sizeof(bufs[0]), "%s/%s", dir ? dir : "tests/data", name);
	return buf;
}

static const char *tmp(const char *name)
{
	static char bufs[8][512];
	static unsigned next;
	char *buf = bufs[next++ % 8];

	snprintf(buf, sizeof(bufs[0]), "%s/%s", tmpdir, name);
	return buf;
}

static void write_bytes(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

#endif

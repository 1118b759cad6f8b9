/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes a synthetic ima-ng measurement list for benchmarks: a
 * boot_aggregate entry, then N-1 file entries with distinct names and
 * sha256 digests, through libvigil's writer (SHA-1 template digests, as in
 * binary_runtime_measurements).
 * Usage: gen_mlist ENTRIES OUTPUT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/mlist.h>

/* A cheap, well-spread digest per entry: the benchmark times replay, not generation. */
static void fake_digest(unsigned long i, uint8_t out[32])
{
	uint64_t x = i * 0x9e3779b97f4a7c15ull + 1;

	for (int k = 0; k < 32; k += 8) {
		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ull;
		x ^= x >> 27;
		memcpy(out + k, &x, 8);
	}
}

static int append(struct vigil_mlist_writer *w, unsigned long i, struct vigil_error *err)
{
	uint8_t digest[32], dng[64], name[64];
	char path[48];
	size_t dlen, nlen;
	struct vigil_mlist_record rec = { .pcr = 10, .template_name = "ima-ng", .nfields = 2 };
	int rc;

	fake_digest(i, digest);
	if (i == 0)
		snprintf(path, sizeof(path), "boot_aggregate");
	else
		snprintf(path, sizeof(path), "/usr/lib/bench/d%03lu/file%07lu", i % 1000, i);
	if ((rc = vigil_field_encode_digest_ng(VIGIL_HASH_SHA256, digest, 32, dng, sizeof(dng), &dlen,
					       err)) ||
	    (rc = vigil_field_encode_name(path, strlen(path), true, name, sizeof(name), &nlen, err)))
		return rc;
	rec.fields[0] = (struct vigil_field){ VIGIL_FIELD_D_NG, dng, (uint32_t)dlen };
	rec.fields[1] = (struct vigil_field){ VIGIL_FIELD_N_NG, name, (uint32_t)nlen };
	return vigil_mlist_writer_append(w, &rec, err);
}

int main(int argc, char **argv)
{
	struct vigil_mlist_writer *w = NULL;
	struct vigil_error err = { 0 };
	unsigned long n;
	FILE *fp;
	int rc = 0;

	if (argc != 3 || (n = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: gen_mlist ENTRIES OUTPUT\n");
		return 2;
	}
	if (!(fp = fopen(argv[2], "wb"))) {
		perror(argv[2]);
		return 2;
	}
	/* A large stdio buffer: the list is written in one sequential pass. */
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	if (vigil_mlist_writer_new(fp, VIGIL_HASH_SHA1, 0, &w, &err) != VIGIL_OK)
		rc = 1;
	for (unsigned long i = 0; rc == 0 && i < n; i++)
		rc = append(w, i, &err) != VIGIL_OK;
	vigil_mlist_writer_free(w);
	if (fclose(fp) != 0 || rc) {
		fprintf(stderr, "gen_mlist: %s\n", rc ? err.msg : "write failed");
		return 1;
	}
	return 0;
}

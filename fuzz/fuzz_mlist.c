/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the bytes as a measurement list (SHA-1 file, then a sha256
 * per-bank file, little- and big-endian), rendered, re-encoded, replayed;
 * and the same bytes as a PCR file and as a saved replay state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/mlist.h>

static void render_and_reencode(const struct vigil_mlist_entry *e, unsigned flags)
{
	struct vigil_mlist_record rec;
	struct vigil_error err;
	size_t size = vigil_mlist_ascii_size(e), len;
	char *line = malloc(size);
	uint8_t *buf;

	if (line && vigil_mlist_ascii(e, line, size, &len, &err) == VIGIL_OK && len >= size)
		abort();
	free(line);
	vigil_mlist_record_from_entry(e, &rec);
	if (vigil_mlist_encode(&rec, e->digest_algo, flags, NULL, 0, &len, &err) != VIGIL_OK)
		abort(); /* what was read must be writable */
	buf = malloc(len);
	if (buf && vigil_mlist_encode(&rec, e->digest_algo, flags, buf, len, &len, &err) == VIGIL_OK) {
		/* Same bytes, except the template digest the writer recomputes. */
		if (len != e->size || memcmp(buf + 4 + e->digest_len, e->raw + 4 + e->digest_len,
					     len - 4 - e->digest_len) != 0)
			abort();
	}
	free(buf);
}

static void read_list(const uint8_t *data, size_t size, int algo, unsigned flags)
{
	static const int banks[] = { VIGIL_HASH_SHA1, VIGIL_HASH_SHA256 };
	struct vigil_mlist_reader *r;
	struct vigil_mlist_entry e;
	struct vigil_replay *rp = NULL;
	struct vigil_error err;
	char state[65536];
	size_t len;

	if (vigil_mlist_reader_mem(data, size, algo, flags, &r, &err) != VIGIL_OK)
		return;
	vigil_replay_new(banks, 2, VIGIL_REPLAY_CHECK_DIGESTS, &rp, &err);
	while (vigil_mlist_next(r, &e, &err) == 1) {
		render_and_reencode(&e, flags);
		vigil_mlist_check_digest(&e, &err);
		if (rp && vigil_replay_extend(rp, &e, &err) == VIGIL_ERR_INVALID)
			break; /* PCR out of range */
	}
	if (rp && vigil_replay_save(rp, state, sizeof(state), &len, &err) == VIGIL_OK) {
		struct vigil_replay *again;

		if (vigil_replay_load(state, len, &again, &err) != VIGIL_OK)
			abort(); /* a saved state must load */
		vigil_replay_free(again);
	}
	vigil_replay_free(rp);
	vigil_mlist_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vigil_replay *rp;
	struct vigil_pcrs pcrs;
	struct vigil_error err;

	read_list(data, size, VIGIL_HASH_SHA1, 0);
	read_list(data, size, VIGIL_HASH_SHA256, VIGIL_MLIST_BIG_ENDIAN);
	vigil_pcrs_init(&pcrs);
	vigil_pcrs_parse(&pcrs, (const char *)data, size, -1, &err);
	if (vigil_replay_load((const char *)data, size, &rp, &err) == VIGIL_OK)
		vigil_replay_free(rp);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the bytes as what a remote host sends a verifier: a quote
 * bundle (JSON), a saved verifier state (JSON) and a TPMS_ATTEST.  A bundle
 * or state that parses must format again and parse to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/attest.h>

static void bundle(const uint8_t *data, size_t size)
{
	struct vigil_bundle b, again;
	struct vigil_error err;
	char *json = NULL;
	size_t len;

	if (vigil_bundle_parse((const char *)data, size, &b, &err) != VIGIL_OK)
		return;
	if (vigil_bundle_format(&b, &json, &len, &err) != VIGIL_OK)
		abort(); /* what was read must be writable */
	if (vigil_bundle_parse(json, len, &again, &err) != VIGIL_OK ||
	    again.attest_len != b.attest_len || again.mlist_len != b.mlist_len ||
	    again.eventlog_len != b.eventlog_len ||
	    memcmp(again.attest, b.attest, b.attest_len) != 0)
		abort();
	vigil_bundle_release(&again);
	vigil_bundle_release(&b);
	free(json);
}

static void state(const uint8_t *data, size_t size)
{
	struct vigil_attest_state *st = NULL, *again = NULL;
	struct vigil_error err;
	char *json = NULL;
	size_t len;

	if (vigil_attest_state_load((const char *)data, size, &st, &err) != VIGIL_OK)
		return;
	if (vigil_attest_state_save(st, &json, &len, &err) != VIGIL_OK)
		abort();
	if (vigil_attest_state_load(json, len, &again, &err) != VIGIL_OK ||
	    vigil_attest_state_next_index(again) != vigil_attest_state_next_index(st))
		abort();
	vigil_attest_state_free(again);
	vigil_attest_state_free(st);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vigil_quote_info q;
	struct vigil_error err;

	bundle(data, size);
	state(data, size);
	vigil_quote_parse(data, size, &q, &err);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the bytes as a firmware event log, walked, replayed, aggregated. */
#include <stdint.h>
#include <stdlib.h>

#include <vigil/eventlog.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vigil_evlog_event ev;
	struct vigil_evlog *log;
	struct vigil_pcrs pcrs;
	struct vigil_digest d;
	struct vigil_error err;
	uint16_t algs[VIGIL_EVLOG_MAX_ALGS];

	if (vigil_evlog_open(data, size, &log, &err) == VIGIL_OK) {
		vigil_evlog_algs(log, algs, VIGIL_EVLOG_MAX_ALGS);
		while (vigil_evlog_next(log, &ev, &err) == 1) {
			for (unsigned i = 0; i < ev.ndigests; i++)
				if (ev.digests[i].bytes < data ||
				    ev.digests[i].bytes + ev.digests[i].len > data + size)
					abort();
			if (ev.data < data || ev.data + ev.data_len > data + size)
				abort();
		}
		vigil_evlog_free(log);
	}
	if (vigil_evlog_replay(data, size, &pcrs, NULL, &err) == VIGIL_OK) {
		int bank = vigil_boot_aggregate_bank(&pcrs, VIGIL_HASH_SHA256);

		if (bank >= 0 && vigil_boot_aggregate(&pcrs, bank, &d, &err) != VIGIL_OK)
			abort(); /* a replayed bank has every PCR */
	}
	return 0;
}

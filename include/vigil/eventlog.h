/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_EVENTLOG_H
#define VIGIL_EVENTLOG_H

/*
 * The firmware's TCG PC Client event log (binary_bios_measurements) in the
 * TPM 1.2 SHA-1 format or the TPM 2.0 crypto-agile format, its replay, and
 * IMA's boot_aggregate.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/hash.h>
#include <vigil/mlist.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_EVLOG_MAX (64u << 20) /* bigger logs are refused */
#define VIGIL_EVLOG_MAX_ALGS 16     /* algorithms in a crypto-agile header */

#define VIGIL_EV_NO_ACTION 0x00000003u /* not extended into any PCR */

enum vigil_evlog_format {
	VIGIL_EVLOG_SHA1 = 1,         /* TCG 1.2: every event has one SHA-1 digest */
	VIGIL_EVLOG_CRYPTO_AGILE = 2, /* "Spec ID Event03" header, TPML_DIGEST_VALUES per event */
};

/* TPM_ALG_ID <-> enum vigil_hash_algo; -1 / 0 when there is none. */
VIGIL_API int vigil_tpm_alg_to_hash(uint16_t tpm_alg);
VIGIL_API uint16_t vigil_hash_to_tpm_alg(int algo);

struct vigil_evlog_digest {
	uint16_t tpm_alg;
	int algo; /* enum vigil_hash_algo, -1 if vigil does not know the TPM algorithm */
	size_t len;
	const uint8_t *bytes;
};

struct vigil_evlog_event {
	uint64_t index;  /* 0 is the header event */
	uint64_t offset; /* byte offset in the log */
	uint32_t pcr;
	uint32_t type;
	unsigned ndigests;
	struct vigil_evlog_digest digests[VIGIL_EVLOG_MAX_ALGS];
	const uint8_t *data;
	uint32_t data_len;
};

struct vigil_evlog;

/* Parses the header; buf must outlive the parser (events point into it). */
VIGIL_API int vigil_evlog_open(const void *buf, size_t len, struct vigil_evlog **out,
			       struct vigil_error *err);
VIGIL_API int vigil_evlog_format(const struct vigil_evlog *log);
/* The algorithms of a crypto-agile header (sha1 alone for the SHA-1 format). */
VIGIL_API unsigned vigil_evlog_algs(const struct vigil_evlog *log, uint16_t *tpm_algs,
				    unsigned cap);
/* 1 with the next event (the header event first), 0 at the end, <0 on bad input. */
VIGIL_API int vigil_evlog_next(struct vigil_evlog *log, struct vigil_evlog_event *ev,
			       struct vigil_error *err);
VIGIL_API void vigil_evlog_free(struct vigil_evlog *log);

/* Reads a whole log (securityfs reports size 0: read to the end); free() *buf. */
VIGIL_API int vigil_evlog_load(const char *path, uint8_t **buf, size_t *len,
			       struct vigil_error *err);

/*
 * Replays every PCR of every bank the log has and vigil can hash (a
 * StartupLocality event sets PCR 0's initial value).  out is initialised;
 * PCRs no event touches are valid zeros.  *nevents (may be NULL) counts
 * the events, header included.
 */
VIGIL_API int vigil_evlog_replay(const void *buf, size_t len, struct vigil_pcrs *out,
				 uint64_t *nevents, struct vigil_error *err);

/*
 * boot_aggregate of bank algo: H(PCR0 || ... || PCR7) for sha1, and
 * H(PCR0 || ... || PCR9) for the other banks, as the kernel computes it.
 * VIGIL_ERR_NO_DATA when the bank lacks one of those PCRs.
 */
VIGIL_API int vigil_boot_aggregate(const struct vigil_pcrs *pcrs, int algo,
				   struct vigil_digest *out, struct vigil_error *err);
/*
 * The bank the kernel uses for boot_aggregate given IMA's hash algorithm:
 * that bank if present, else sha256, else sha1; -1 if none.
 */
VIGIL_API int vigil_boot_aggregate_bank(const struct vigil_pcrs *pcrs, int ima_hash_algo);

#ifdef __cplusplus
}
#endif
#endif

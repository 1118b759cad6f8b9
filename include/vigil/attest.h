/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_ATTEST_H
#define VIGIL_ATTEST_H

/*
 * Remote attestation: the quote bundle a TPM-holding host sends (a TPM2
 * quote, the PCR values it covers, the measurement list or its new part,
 * the firmware event log), and its verification against an attestation
 * key, a nonce, references and the state of earlier verifications.
 *
 * The bundle is JSON (format "vigil-quote-bundle", version 1), described in
 * vigil-attest(1).  Binary TPM structures are kept as the TPM marshalled
 * them and are parsed with tss2-mu.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/key.h>
#include <vigil/mlist.h>
#include <vigil/reference.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_BUNDLE_VERSION 1
#define VIGIL_BUNDLE_MAX (512u << 20) /* bigger bundles are refused */
#define VIGIL_NONCE_MAX 64            /* a TPM2B_DATA qualifyingData holds at most this */
#define VIGIL_ATTEST_MAX_SEL 8        /* PCR selections in one quote */

/* ------------------------------------------------------------------ bundle */

struct vigil_bundle {
	uint8_t *attest;    /* TPMS_ATTEST, as the TPM marshalled it */
	size_t attest_len;
	uint8_t *signature; /* TPMT_SIGNATURE, marshalled */
	size_t signature_len;
	struct vigil_pcrs pcrs; /* the PCR values read with the quote */
	bool have_mlist;
	int mlist_algo;             /* algorithm of the list's stored template digests */
	uint64_t mlist_first_index; /* the list part starts with this entry... */
	uint64_t mlist_first_offset; /* ...at this byte offset of the whole list */
	uint8_t *mlist;             /* the binary list part (may be empty) */
	size_t mlist_len;
	uint8_t *eventlog; /* the firmware event log, NULL when absent */
	size_t eventlog_len;
};

/* Parses a bundle; *out owns its buffers (vigil_bundle_release). */
VIGIL_API int vigil_bundle_parse(const char *json, size_t len, struct vigil_bundle *out,
				 struct vigil_error *err);
/* The bundle as JSON text (NUL-terminated, free() it). */
VIGIL_API int vigil_bundle_format(const struct vigil_bundle *b, char **json, size_t *len,
				  struct vigil_error *err);
/* Frees the buffers (free()) and zeroes *b. */
VIGIL_API void vigil_bundle_release(struct vigil_bundle *b);

/* ------------------------------------------------------------------- quote */

struct vigil_quote_sel {
	int algo;      /* enum vigil_hash_algo, -1 when vigil cannot hash it */
	uint16_t tpm_alg;
	uint32_t mask; /* PCRs selected */
};

/* What a TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE says. */
struct vigil_quote_info {
	uint32_t magic;
	uint16_t type;
	uint64_t clock;
	uint32_t reset_count, restart_count;
	bool safe;
	uint64_t firmware_version;
	uint8_t extra_data[VIGIL_NONCE_MAX]; /* the nonce */
	size_t extra_len;
	unsigned nsel;
	struct vigil_quote_sel sel[VIGIL_ATTEST_MAX_SEL]; /* in quote order */
	uint8_t pcr_digest[VIGIL_MAX_DIGEST];
	size_t pcr_digest_len;
};

/*
 * Unmarshals a TPMS_ATTEST (every byte must be used).  The magic and type
 * are returned, not checked: vigil_attest_verify checks them.
 */
VIGIL_API int vigil_quote_parse(const uint8_t *attest, size_t len, struct vigil_quote_info *out,
				struct vigil_error *err);
/*
 * Checks a marshalled TPMT_SIGNATURE (RSASSA, RSAPSS or ECDSA) over attest
 * with the attestation key.  *hash_algo (may be NULL) gets the signature's
 * hash algorithm, which is also the one of the quote's pcrDigest.
 * VIGIL_ERR_BAD_SIGNATURE when it does not verify.
 */
VIGIL_API int vigil_quote_check_signature(const struct vigil_pubkey *ak, const uint8_t *attest,
					  size_t attest_len, const uint8_t *sig, size_t sig_len,
					  int *hash_algo, struct vigil_error *err);
/*
 * The pcrDigest the quote's selection gives over these PCR values: the
 * selected PCRs of each selection in quote order, ascending, hashed with
 * hash_algo.  VIGIL_ERR_NO_DATA names a selected PCR that pcrs lacks.
 */
VIGIL_API int vigil_quote_pcr_digest(const struct vigil_quote_info *q, const struct vigil_pcrs *pcrs,
				     int hash_algo, struct vigil_digest *out,
				     struct vigil_error *err);

/* ------------------------------------------------------------------- state */

/*
 * What earlier verifications of one host established: the TPM clock, reset
 * and restart counts of the last good quote, its nonce, the attestation
 * key, and the measurement list verified so far (next entry, running PCRs
 * per bank, the reference checker's state).  JSON text, format
 * "vigil-attest-state" version 1, with a SHA-256 checksum.
 */
struct vigil_attest_state;

VIGIL_API int vigil_attest_state_new(struct vigil_attest_state **out, struct vigil_error *err);
VIGIL_API int vigil_attest_state_load(const char *json, size_t len,
				      struct vigil_attest_state **out, struct vigil_error *err);
/* NUL-terminated JSON, free() it. */
VIGIL_API int vigil_attest_state_save(const struct vigil_attest_state *st, char **json,
				      size_t *len, struct vigil_error *err);
VIGIL_API void vigil_attest_state_free(struct vigil_attest_state *st);
/* The next list entry a bundle continues from (0 with no list verified). */
VIGIL_API uint64_t vigil_attest_state_next_index(const struct vigil_attest_state *st);

/* ------------------------------------------------------------------ verify */

struct vigil_attest_refs {
	const struct vigil_refdb *db;     /* may be NULL */
	const struct vigil_keyset *keys;  /* trusted file-signing keys, may be NULL */
	unsigned flags;                   /* enum vigil_refcheck_flags */
};

/* The first thing that did not hold. */
struct vigil_attest_failure {
	/*
	 * "bundle", "signature", "quote", "magic", "type", "nonce", "pcr-digest",
	 * "state", "reset-count", "restart-count", "clock", "eventlog",
	 * "mlist", "entry" or "pcr".
	 */
	const char *check;
	bool have_entry; /* "entry", "mlist": */
	uint64_t index, offset;
	char path[4097]; /* the entry's name (n-ng keeps up to 4095 bytes); any byte */
	size_t path_len;
	int pcr;        /* "pcr", "eventlog": the PCR, else -1 */
	int bank;       /* its bank (enum vigil_hash_algo), else -1 */
	char reason[VIGIL_ERROR_MSG_MAX];
};

struct vigil_attest_result {
	bool ok;
	struct vigil_attest_failure failure; /* when !ok */
	struct vigil_quote_info quote;       /* when the quote could be parsed */
	bool quote_parsed;
	uint64_t entries_checked;            /* list entries checked by this call */
	uint64_t next_index;                 /* the next list entry to verify */
	uint64_t entries_after_quote;        /* list entries added after the quote: left for the next */
	bool mlist_checked, eventlog_checked;
	unsigned pcrs_quoted;                /* PCR values the quote covers, all banks */
};

/*
 * Verifies a bundle: the signature with the attestation key, magic and
 * type, the nonce (extraData), pcrDigest against the bundle's PCR values,
 * clock/resetCount/restartCount against st, the event log's replay against
 * PCRs 0-9, the list's replay (continuing st's) against the quoted PCRs,
 * and every new entry (boot_aggregate against the quoted PCRs 0-9) with
 * refs.  st may be NULL (nothing known: the list must start at entry 0);
 * otherwise it is advanced when, and only when, everything holds.
 *
 * VIGIL_OK when the verification ran, with the verdict in *res;
 * an error code when it could not (memory, OpenSSL, a bad state).
 */
VIGIL_API int vigil_attest_verify(const struct vigil_pubkey *ak, const uint8_t *nonce,
				  size_t nonce_len, const struct vigil_bundle *b,
				  const struct vigil_attest_refs *refs, struct vigil_attest_state *st,
				  struct vigil_attest_result *res, struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif

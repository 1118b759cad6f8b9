/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firmware event log (TCG PC Client Platform Firmware Profile): the
 * TPM 1.2 SHA-1 format and the TPM 2.0 crypto-agile format, its replay, and
 * IMA's boot_aggregate.  All integers in the log are little-endian.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vigil/eventlog.h>
#include "internal.h"

#define SPEC_ID_SIG "Spec ID Event03" /* with its NUL: 16 bytes */
#define STARTUP_LOCALITY_SIG "StartupLocality" /* with its NUL: 16 bytes */
#define SHA1_EVENT_HDR (4 + 4 + 20 + 4) /* pcr, type, digest, size */
#define SPEC_ID_FIXED (16 + 4 + 1 + 1 + 1 + 1 + 4)

static const struct {
	uint16_t tpm_alg;
	int algo;
} tpm_algs[] = {
	{ 0x0004, VIGIL_HASH_SHA1 },     { 0x000B, VIGIL_HASH_SHA256 },
	{ 0x000C, VIGIL_HASH_SHA384 },   { 0x000D, VIGIL_HASH_SHA512 },
	{ 0x0012, VIGIL_HASH_SM3_256 },  { 0x0027, VIGIL_HASH_SHA3_256 },
	{ 0x0028, VIGIL_HASH_SHA3_384 }, { 0x0029, VIGIL_HASH_SHA3_512 },
};

struct alg_size {
	uint16_t tpm_alg;
	uint16_t size;
};

struct vigil_evlog {
	const uint8_t *buf;
	size_t len, pos;
	uint64_t index;
	int format;
	unsigned nalgs;
	struct alg_size algs[VIGIL_EVLOG_MAX_ALGS];
	int failed;
};

int vigil_tpm_alg_to_hash(uint16_t tpm_alg)
{
	for (size_t i = 0; i < sizeof(tpm_algs) / sizeof(tpm_algs[0]); i++)
		if (tpm_algs[i].tpm_alg == tpm_alg)
			return tpm_algs[i].algo;
	return -1;
}

uint16_t vigil_hash_to_tpm_alg(int algo)
{
	for (size_t i = 0; i < sizeof(tpm_algs) / sizeof(tpm_algs[0]); i++)
		if (tpm_algs[i].algo == algo)
			return tpm_algs[i].tpm_alg;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int event_fail(struct vigil_evlog *log, const char *what, struct vigil_error *err)
{
	log->failed = VIGIL_ERR_INVALID;
	return vigil_fail(err, VIGIL_ERR_INVALID, "event %llu at offset %zu: %s",
			  (unsigned long long)log->index, log->pos, what);
}

/* The TCG_EfiSpecIdEvent of the first event: the digest sizes of later events. */
static int parse_spec_id(struct vigil_evlog *log, const uint8_t *d, uint32_t len,
			 struct vigil_error *err)
{
	uint32_t n;

	if (len < SPEC_ID_FIXED)
		return event_fail(log, "Spec ID event is truncated", err);
	n = le32(d + SPEC_ID_FIXED - 4);
	if (n == 0 || n > VIGIL_EVLOG_MAX_ALGS)
		return event_fail(log, "Spec ID event lists no or too many algorithms", err);
	if (len < SPEC_ID_FIXED + 4 * n + 1)
		return event_fail(log, "Spec ID event is truncated", err);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *a = d + SPEC_ID_FIXED + 4 * i;
		uint16_t size = le16(a + 2);

		if (size == 0 || size > VIGIL_MAX_DIGEST)
			return event_fail(log, "Spec ID event gives a bad digest size", err);
		for (uint32_t j = 0; j < i; j++)
			if (log->algs[j].tpm_alg == le16(a))
				return event_fail(log, "Spec ID event lists an algorithm twice", err);
		log->algs[i] = (struct alg_size){ le16(a), size };
	}
	if (len != SPEC_ID_FIXED + 4 * n + 1 + d[SPEC_ID_FIXED + 4 * n])
		return event_fail(log, "Spec ID event size does not match its vendor data", err);
	log->nalgs = n;
	return VIGIL_OK;
}

static bool is_spec_id(const uint8_t *buf, size_t len)
{
	uint32_t size;

	if (len < SHA1_EVENT_HDR + 16)
		return false;
	size = le32(buf + 28);
	return le32(buf + 4) == VIGIL_EV_NO_ACTION && size >= 16 && size <= len - SHA1_EVENT_HDR &&
	       memcmp(buf + SHA1_EVENT_HDR, SPEC_ID_SIG, sizeof(SPEC_ID_SIG)) == 0;
}

int vigil_evlog_open(const void *buf, size_t len, struct vigil_evlog **out,
		     struct vigil_error *err)
{
	struct vigil_evlog *log;
	int rc = VIGIL_OK;

	*out = NULL;
	if (len > VIGIL_EVLOG_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "event log of %zu bytes exceeds %u", len,
				  VIGIL_EVLOG_MAX);
	if (!(log = calloc(1, sizeof(*log))))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for an event log");
	log->buf = buf;
	log->len = len;
	log->format = VIGIL_EVLOG_SHA1;
	log->algs[0] = (struct alg_size){ 0x0004, 20 };
	log->nalgs = 1;
	if (is_spec_id(buf, len)) {
		log->format = VIGIL_EVLOG_CRYPTO_AGILE;
		rc = parse_spec_id(log, log->buf + SHA1_EVENT_HDR, le32(log->buf + 28), err);
	}
	if (rc != VIGIL_OK) {
		free(log);
		return rc;
	}
	*out = log;
	return VIGIL_OK;
}

void vigil_evlog_free(struct vigil_evlog *log)
{
	free(log);
}

int vigil_evlog_format(const struct vigil_evlog *log)
{
	return log->format;
}

unsigned vigil_evlog_algs(const struct vigil_evlog *log, uint16_t *tpm_algs_out, unsigned cap)
{
	for (unsigned i = 0; i < log->nalgs && i < cap; i++)
		tpm_algs_out[i] = log->algs[i].tpm_alg;
	return log->nalgs;
}

/* The header and TCG 1.2 events: pcr, type, SHA-1 digest, size, data. */
static int next_sha1_format(struct vigil_evlog *log, struct vigil_evlog_event *ev,
			    struct vigil_error *err)
{
	const uint8_t *p = log->buf + log->pos;
	size_t left = log->len - log->pos;

	if (left < SHA1_EVENT_HDR)
		return event_fail(log, "truncated event header", err);
	ev->data_len = le32(p + 28);
	if (ev->data_len > left - SHA1_EVENT_HDR)
		return event_fail(log, "event size exceeds the rest of the log", err);
	ev->pcr = le32(p);
	ev->type = le32(p + 4);
	ev->ndigests = 1;
	ev->digests[0] = (struct vigil_evlog_digest){ 0x0004, VIGIL_HASH_SHA1, 20, p + 8 };
	ev->data = p + SHA1_EVENT_HDR;
	log->pos += SHA1_EVENT_HDR + ev->data_len;
	return 1;
}

static const struct alg_size *alg_of(const struct vigil_evlog *log, uint16_t tpm_alg)
{
	for (unsigned i = 0; i < log->nalgs; i++)
		if (log->algs[i].tpm_alg == tpm_alg)
			return &log->algs[i];
	return NULL;
}

/* TCG_PCR_EVENT2: pcr, type, TPML_DIGEST_VALUES, size, data. */
static int next_agile(struct vigil_evlog *log, struct vigil_evlog_event *ev,
		      struct vigil_error *err)
{
	const uint8_t *p = log->buf + log->pos, *end = log->buf + log->len;
	uint32_t count;

	if (end - p < 12)
		return event_fail(log, "truncated event header", err);
	count = le32(p + 8);
	if (count > log->nalgs)
		return event_fail(log, "more digests than the header's algorithms", err);
	ev->pcr = le32(p);
	ev->type = le32(p + 4);
	ev->ndigests = count;
	p += 12;
	for (uint32_t i = 0; i < count; i++) {
		const struct alg_size *a;

		if (end - p < 2)
			return event_fail(log, "truncated digest list", err);
		if (!(a = alg_of(log, le16(p))))
			return event_fail(log, "digest of an algorithm the header does not list", err);
		if (end - p - 2 < a->size)
			return event_fail(log, "truncated digest", err);
		ev->digests[i] = (struct vigil_evlog_digest){ a->tpm_alg,
							      vigil_tpm_alg_to_hash(a->tpm_alg),
							      a->size, p + 2 };
		p += 2 + a->size;
	}
	if (end - p < 4 || le32(p) > (size_t)(end - p - 4))
		return event_fail(log, "event size exceeds the rest of the log", err);
	ev->data_len = le32(p);
	ev->data = p + 4;
	log->pos = (size_t)(ev->data + ev->data_len - log->buf);
	return 1;
}

int vigil_evlog_next(struct vigil_evlog *log, struct vigil_evlog_event *ev,
		     struct vigil_error *err)
{
	int rc;

	if (log->failed)
		return vigil_fail(err, log->failed, "the event log parser stopped after an error");
	if (log->pos == log->len)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->index = log->index;
	ev->offset = log->pos;
	/* The crypto-agile header event itself keeps the SHA-1 layout. */
	if (log->format == VIGIL_EVLOG_SHA1 || log->index == 0)
		rc = next_sha1_format(log, ev, err);
	else
		rc = next_agile(log, ev, err);
	if (rc == 1)
		log->index++;
	return rc;
}

/* Doubles the buffer; refuses to pass VIGIL_EVLOG_MAX (plus one byte, to detect it). */
static int grow(uint8_t **b, size_t *cap, const char *path, struct vigil_error *err)
{
	size_t ncap = *cap * 2;
	uint8_t *nb;

	if (*cap > VIGIL_EVLOG_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: more than %u bytes", path,
				  VIGIL_EVLOG_MAX);
	if (ncap > VIGIL_EVLOG_MAX + 1)
		ncap = VIGIL_EVLOG_MAX + 1;
	if (!(nb = realloc(*b, ncap)))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for %s", path);
	*b = nb;
	*cap = ncap;
	return VIGIL_OK;
}

int vigil_evlog_load(const char *path, uint8_t **buf, size_t *len, struct vigil_error *err)
{
	size_t cap = 64 * 1024, n = 0;
	uint8_t *b = malloc(cap);
	int fd, rc = VIGIL_OK;

	*buf = NULL;
	*len = 0;
	if (!b)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for %s", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		free(b);
		return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot open", path);
	}
	for (;;) {
		ssize_t r;

		if (n == cap && (rc = grow(&b, &cap, path, err)) != VIGIL_OK)
			break;
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = vigil_fail_errno(err, VIGIL_ERR_IO, "%s: read failed", path);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (rc == VIGIL_OK && n > VIGIL_EVLOG_MAX)
		rc = vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: more than %u bytes", path, VIGIL_EVLOG_MAX);
	if (rc != VIGIL_OK) {
		free(b);
		return rc;
	}
	*buf = b;
	*len = n;
	return VIGIL_OK;
}

/* ------------------------------------------------------------------ replay */

struct replay_bank {
	struct vigil_pcr_bank *pcrs;
	size_t len;
	struct vigil_hash_ctx *ctx;
};

/* Banks of the header that vigil can hash; PCRs 17-22 start as all ones (DRTM). */
static int open_banks(const struct vigil_evlog *log, struct vigil_pcrs *out,
		      struct replay_bank *banks, unsigned *nbanks, struct vigil_error *err)
{
	*nbanks = 0;
	for (unsigned i = 0; i < log->nalgs; i++) {
		int algo = vigil_tpm_alg_to_hash(log->algs[i].tpm_alg);
		struct replay_bank *rb = &banks[*nbanks];
		int rc;

		if (algo < 0 || !vigil_hash_available(algo) ||
		    vigil_hash_by_id(algo)->digest_len != log->algs[i].size || *nbanks == VIGIL_MAX_BANKS)
			continue;
		/* The header lists each algorithm once (parse_spec_id): never two banks in one. */
		if (vigil_pcrs_find(out, algo) || !(rb->pcrs = vigil_pcrs_bank(out, algo, true)))
			continue;
		if ((rc = vigil_hash_new(algo, &rb->ctx, err)) != VIGIL_OK)
			return rc;
		rb->len = log->algs[i].size;
		rb->pcrs->valid = (1u << VIGIL_PCR_COUNT) - 1;
		for (unsigned p = 17; p <= 22; p++)
			memset(rb->pcrs->pcr[p], 0xff, rb->len);
		(*nbanks)++;
	}
	return VIGIL_OK;
}

static int extend(struct replay_bank *rb, uint32_t pcr, const uint8_t *digest,
		  struct vigil_error *err)
{
	struct vigil_digest d;
	int rc = vigil_hash_reset(rb->ctx, err);

	if (rc == VIGIL_OK)
		rc = vigil_hash_update(rb->ctx, rb->pcrs->pcr[pcr], rb->len, err);
	if (rc == VIGIL_OK)
		rc = vigil_hash_update(rb->ctx, digest, rb->len, err);
	if (rc == VIGIL_OK)
		rc = vigil_hash_final(rb->ctx, &d, err);
	if (rc == VIGIL_OK)
		memcpy(rb->pcrs->pcr[pcr], d.bytes, rb->len);
	return rc;
}

struct replay_state {
	struct replay_bank *banks;
	unsigned nbanks;
	bool pcr0_extended;   /* PCR 0 holds a measurement */
	bool locality_seen;   /* a StartupLocality event came */
};

static int replay_fail(const struct vigil_evlog_event *ev, const char *what,
		       struct vigil_error *err)
{
	return vigil_fail(err, VIGIL_ERR_INVALID, "event %llu at offset %llu: %s",
			  (unsigned long long)ev->index, (unsigned long long)ev->offset, what);
}

/*
 * A StartupLocality event: PCR 0 starts at the locality the firmware started
 * from (0, 3, or 4 for an H-CRTM).  It describes PCR 0's initial value, so
 * it may come once, before anything is extended into PCR 0.
 */
static int startup_locality(const struct vigil_evlog_event *ev, struct replay_state *st,
			    struct vigil_error *err)
{
	uint8_t locality;

	if (ev->data_len != sizeof(STARTUP_LOCALITY_SIG) + 1 ||
	    memcmp(ev->data, STARTUP_LOCALITY_SIG, sizeof(STARTUP_LOCALITY_SIG)) != 0)
		return VIGIL_OK;
	locality = ev->data[sizeof(STARTUP_LOCALITY_SIG)];
	if (st->pcr0_extended)
		return replay_fail(ev, "StartupLocality event after PCR 0 was extended", err);
	if (st->locality_seen)
		return replay_fail(ev, "a second StartupLocality event", err);
	if (locality != 0 && locality != 3 && locality != 4)
		return replay_fail(ev, "StartupLocality event with a locality other than 0, 3 or 4",
				   err);
	st->locality_seen = true;
	for (unsigned i = 0; i < st->nbanks; i++) {
		memset(st->banks[i].pcrs->pcr[0], 0, st->banks[i].len);
		st->banks[i].pcrs->pcr[0][st->banks[i].len - 1] = locality;
	}
	return VIGIL_OK;
}

static int replay_event(const struct vigil_evlog_event *ev, struct replay_state *st,
			struct vigil_error *err)
{
	struct replay_bank *banks = st->banks;
	unsigned nbanks = st->nbanks;

	if (ev->type == VIGIL_EV_NO_ACTION)
		return startup_locality(ev, st, err);
	if (ev->pcr >= VIGIL_PCR_COUNT)
		return vigil_fail(err, VIGIL_ERR_INVALID, "event %llu at offset %llu: PCR %u out of range",
				  (unsigned long long)ev->index, (unsigned long long)ev->offset, ev->pcr);
	if (ev->pcr == 0)
		st->pcr0_extended = true;
	for (unsigned j = 0; j < nbanks; j++) {
		unsigned found = 0;

		for (unsigned i = 0; i < ev->ndigests; i++) {
			int rc;

			if (ev->digests[i].algo != banks[j].pcrs->algo)
				continue;
			if ((rc = extend(&banks[j], ev->pcr, ev->digests[i].bytes, err)) != VIGIL_OK)
				return rc;
			found++;
		}
		/* Every event carries a digest for each bank of the header. */
		if (found != 1)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "event %llu at offset %llu: %s digests for bank %s",
					  (unsigned long long)ev->index, (unsigned long long)ev->offset,
					  found ? "several" : "no", vigil_hash_by_id(banks[j].pcrs->algo)->name);
	}
	return VIGIL_OK;
}

int vigil_evlog_replay(const void *buf, size_t len, struct vigil_pcrs *out, uint64_t *nevents,
		       struct vigil_error *err)
{
	struct replay_bank banks[VIGIL_MAX_BANKS] = { 0 };
	struct vigil_evlog_event ev;
	struct replay_state st;
	struct vigil_evlog *log;
	unsigned nbanks = 0;
	uint64_t count = 0;
	int rc;

	vigil_pcrs_init(out);
	if ((rc = vigil_evlog_open(buf, len, &log, err)) != VIGIL_OK)
		return rc;
	rc = open_banks(log, out, banks, &nbanks, err);
	st = (struct replay_state){ banks, nbanks, false, false };
	while (rc == VIGIL_OK && (rc = vigil_evlog_next(log, &ev, err)) == 1) {
		count++;
		rc = replay_event(&ev, &st, err);
	}
	for (unsigned i = 0; i < VIGIL_MAX_BANKS; i++)
		vigil_hash_free(banks[i].ctx);
	vigil_evlog_free(log);
	if (nevents)
		*nevents = count;
	if (rc == VIGIL_OK && nbanks == 0)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED, "the event log has no bank vigil can hash");
	return rc;
}

/* ---------------------------------------------------------- boot_aggregate */

int vigil_boot_aggregate(const struct vigil_pcrs *pcrs, int algo, struct vigil_digest *out,
			 struct vigil_error *err)
{
	const struct vigil_pcr_bank *b = vigil_pcrs_find(pcrs, algo);
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);
	/* PCRs 8 and 9 (kernel command line and image) only in non-SHA-1 aggregates. */
	unsigned n = algo == VIGIL_HASH_SHA1 ? 8 : 10;
	struct vigil_hash_ctx *ctx;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d", algo);
	if (!b)
		return vigil_fail(err, VIGIL_ERR_NO_DATA, "no %s PCR values", info->name);
	for (unsigned i = 0; i < n; i++)
		if (!(b->valid & (1u << i)))
			return vigil_fail(err, VIGIL_ERR_NO_DATA, "no value for %s PCR %u", info->name, i);
	if ((rc = vigil_hash_new(algo, &ctx, err)) != VIGIL_OK)
		return rc;
	for (unsigned i = 0; rc == VIGIL_OK && i < n; i++)
		rc = vigil_hash_update(ctx, b->pcr[i], info->digest_len, err);
	if (rc == VIGIL_OK)
		rc = vigil_hash_final(ctx, out, err);
	vigil_hash_free(ctx);
	return rc;
}

int vigil_boot_aggregate_bank(const struct vigil_pcrs *pcrs, int ima_hash_algo)
{
	if (vigil_pcrs_find(pcrs, ima_hash_algo))
		return ima_hash_algo;
	if (vigil_pcrs_find(pcrs, VIGIL_HASH_SHA256))
		return VIGIL_HASH_SHA256;
	if (vigil_pcrs_find(pcrs, VIGIL_HASH_SHA1))
		return VIGIL_HASH_SHA1;
	return -1;
}

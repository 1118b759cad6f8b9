/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Verification of a quote bundle.  Checks run in an order where each one
 * relies only on what the ones before established: the signature makes
 * the TPMS_ATTEST authentic, extraData makes it fresh, pcrDigest makes the
 * bundle's PCR values the quoted ones, and only then are the logs replayed
 * against those values and their entries checked against references.
 *
 * Each check returns 0 (holds), 1 (does not: res->failure says why) or a
 * negative status (it could not run).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_tpm2_types.h>

#include <vigil/attest.h>
#include <vigil/eventlog.h>

#include "attest_internal.h"
#include "internal.h"

struct verify {
	const struct vigil_bundle *b;
	const struct vigil_attest_refs *refs;
	struct vigil_attest_state *st;
	struct vigil_attest_result *res;
	struct vigil_error *err;
	int sig_hash;              /* hash of the signature and of pcrDigest */
	struct vigil_pcrs quoted;  /* the bundle's PCR values the quote covers */
	uint8_t ak_sha256[32];
	bool same_boot;            /* st's list belongs to the quoted boot */
	struct vigil_replay *rp;
	struct vigil_refcheck *rc;
};

static int failed(struct verify *v, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records the first failure; returns 1. */
static int failed(struct verify *v, const char *check, const char *fmt, ...)
{
	struct vigil_attest_failure *f = &v->res->failure;
	va_list ap;

	v->res->ok = false;
	f->check = check;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
	return 1;
}

/* Library errors that are a property of the input fail the check; others stop. */
static int failed_err(struct verify *v, const char *check, const struct vigil_error *e)
{
	if (e->code == VIGIL_ERR_NOMEM || e->code == VIGIL_ERR_CRYPTO || e->code == VIGIL_ERR_IO) {
		*v->err = *e;
		return e->code;
	}
	return failed(v, check, "%s", e->msg);
}

/* ------------------------------------------------------------------ quote */

static int check_quote(struct verify *v, const uint8_t *nonce, size_t nonce_len,
		       const struct vigil_pubkey *ak)
{
	struct vigil_quote_info *q = &v->res->quote;
	struct vigil_error e = { 0 };
	char hex[2 * VIGIL_NONCE_MAX + 1];

	if (vigil_quote_check_signature(ak, v->b->attest, v->b->attest_len, v->b->signature,
					v->b->signature_len, &v->sig_hash, &e) != VIGIL_OK)
		return failed_err(v, "signature", &e);
	if (vigil_quote_parse(v->b->attest, v->b->attest_len, q, &e) != VIGIL_OK)
		return failed_err(v, "quote", &e);
	v->res->quote_parsed = true;
	if (q->magic != TPM2_GENERATED_VALUE)
		return failed(v, "magic", "magic 0x%08x is not TPM_GENERATED_VALUE", q->magic);
	if (q->type != TPM2_ST_ATTEST_QUOTE)
		return failed(v, "type", "type 0x%04x is not TPM_ST_ATTEST_QUOTE", q->type);
	if (q->extra_len != nonce_len || memcmp(q->extra_data, nonce, nonce_len) != 0) {
		vigil_hex(q->extra_data, q->extra_len, hex);
		return failed(v, "nonce", "the quote's extraData %s is not the nonce (an old or "
			      "foreign quote)", q->extra_len ? hex : "(empty)");
	}
	if (v->st && v->st->have_quote && v->st->nonce_len == nonce_len &&
	    memcmp(v->st->nonce, nonce, nonce_len) == 0)
		return failed(v, "nonce", "this nonce was used by the last verified quote: a "
			      "verifier must not reuse nonces");
	return 0;
}

/* The bundle's values of the quoted PCRs, and their digest against pcrDigest. */
static int check_pcr_digest(struct verify *v)
{
	const struct vigil_quote_info *q = &v->res->quote;
	struct vigil_error e = { 0 };
	struct vigil_digest d;

	if (vigil_quote_pcr_digest(q, &v->b->pcrs, v->sig_hash, &d, &e) != VIGIL_OK)
		return failed_err(v, "pcr-digest", &e);
	if (d.len != q->pcr_digest_len || memcmp(d.bytes, q->pcr_digest, d.len) != 0)
		return failed(v, "pcr-digest", "the bundle's PCR values do not give the quoted "
			      "pcrDigest");
	vigil_pcrs_init(&v->quoted);
	for (unsigned i = 0; i < q->nsel; i++) {
		const struct vigil_pcr_bank *src = vigil_pcrs_find(&v->b->pcrs, q->sel[i].algo);
		struct vigil_pcr_bank *dst;

		if (q->sel[i].mask == 0)
			continue;
		if (!src || !(dst = vigil_pcrs_bank(&v->quoted, src->algo, true)))
			return failed(v, "pcr-digest", "too many banks quoted");
		for (unsigned n = 0; n < VIGIL_PCR_COUNT; n++)
			if (q->sel[i].mask & (1u << n))
				memcpy(dst->pcr[n], src->pcr[n], sizeof(dst->pcr[n]));
		dst->valid |= q->sel[i].mask;
		v->res->pcrs_quoted += (unsigned)__builtin_popcount(q->sel[i].mask);
	}
	return 0;
}

/* ------------------------------------------------------------------ state */

static int check_state(struct verify *v, const struct vigil_pubkey *ak)
{
	const struct vigil_quote_info *q = &v->res->quote;
	const struct vigil_attest_state *st = v->st;
	struct vigil_digest d;
	const uint8_t *der;
	size_t len;
	int rc;

	if (vigil_pubkey_der(ak, &der, &len) != 0)
		return vigil_fail(v->err, VIGIL_ERR_INVALID, "attestation key: no DER form");
	if ((rc = vigil_hash_buf(VIGIL_HASH_SHA256, der, len, &d, v->err)))
		return rc;
	memcpy(v->ak_sha256, d.bytes, sizeof(v->ak_sha256));
	if (!st || !st->have_quote)
		return 0;
	if (memcmp(st->ak_sha256, v->ak_sha256, sizeof(v->ak_sha256)) != 0)
		return failed(v, "state", "the state belongs to another attestation key");
	if (q->reset_count < st->reset_count)
		return failed(v, "reset-count", "resetCount %u is below the %u of the last "
			      "verified quote", q->reset_count, st->reset_count);
	v->same_boot = q->reset_count == st->reset_count;
	if (v->same_boot && q->restart_count < st->restart_count)
		return failed(v, "restart-count", "restartCount %u is below the %u of the last "
			      "verified quote", q->restart_count, st->restart_count);
	if (v->same_boot && q->restart_count == st->restart_count && q->clock <= st->clock)
		return failed(v, "clock", "clock %llu ms is not after the %llu ms of the last "
			      "verified quote (same reset and restart counts)",
			      (unsigned long long)q->clock, (unsigned long long)st->clock);
	return 0;
}

/* --------------------------------------------------------------- event log */

static int compare_bank(struct verify *v, const struct vigil_pcr_bank *log,
			const struct vigil_pcr_bank *quoted, unsigned *compared)
{
	size_t len = vigil_hash_by_id(log->algo)->digest_len;

	for (unsigned n = 0; n < 10; n++) {
		if (!(log->valid & quoted->valid & (1u << n)))
			continue;
		(*compared)++;
		if (memcmp(log->pcr[n], quoted->pcr[n], len) != 0) {
			v->res->failure.pcr = (int)n;
			v->res->failure.bank = log->algo;
			return failed(v, "eventlog", "the event log replays %s PCR %u to a value "
				      "other than the quoted one", vigil_hash_by_id(log->algo)->name, n);
		}
	}
	return 0;
}

static int check_eventlog(struct verify *v)
{
	struct vigil_error e = { 0 };
	struct vigil_pcrs log;
	unsigned compared = 0;
	int rc;

	if (!v->b->eventlog)
		return 0;
	if (vigil_evlog_replay(v->b->eventlog, v->b->eventlog_len, &log, NULL, &e) != VIGIL_OK)
		return failed_err(v, "eventlog", &e);
	for (unsigned i = 0; i < log.nbanks; i++) {
		const struct vigil_pcr_bank *q = vigil_pcrs_find(&v->quoted, log.banks[i].algo);

		if (q && (rc = compare_bank(v, &log.banks[i], q, &compared)))
			return rc;
	}
	if (!compared)
		return failed(v, "eventlog", "the quote covers none of PCRs 0-9 in a bank of the "
			      "event log");
	v->res->eventlog_checked = true;
	return 0;
}

/* ------------------------------------------------------------------- list */

static int start_list(struct verify *v)
{
	const struct vigil_quote_info *q = &v->res->quote;
	struct vigil_error e = { 0 };
	int algos[VIGIL_ATTEST_MAX_SEL];
	size_t n = 0;
	int rc;

	if ((rc = vigil_refcheck_new(v->refs ? v->refs->db : NULL, v->refs ? v->refs->keys : NULL,
				     v->refs ? v->refs->flags : 0, &v->rc, v->err)))
		return rc;
	vigil_refcheck_set_pcrs(v->rc, &v->quoted);
	if (v->same_boot && v->st->replay) {
		if (vigil_replay_load(v->st->replay, strlen(v->st->replay), &v->rp, &e) != VIGIL_OK ||
		    vigil_refcheck_load(v->rc, v->st->refcheck, strlen(v->st->refcheck), &e) != VIGIL_OK)
			return failed(v, "state", "cannot continue the list: %s", e.msg);
		return 0;
	}
	for (unsigned i = 0; i < q->nsel; i++) {
		bool dup = false;

		for (size_t k = 0; k < n; k++)
			dup |= algos[k] == q->sel[i].algo;
		if (q->sel[i].algo >= 0 && q->sel[i].mask && !dup && vigil_hash_available(q->sel[i].algo))
			algos[n++] = q->sel[i].algo;
	}
	if (n == 0)
		return failed(v, "pcr", "the quote covers no bank vigil can replay the list into");
	if (vigil_replay_new(algos, n, VIGIL_REPLAY_CHECK_DIGESTS, &v->rp, &e) != VIGIL_OK)
		return failed_err(v, "mlist", &e);
	return 0;
}

static void entry_position(struct verify *v, const struct vigil_mlist_entry *e)
{
	struct vigil_attest_failure *f = &v->res->failure;

	f->have_entry = true;
	f->index = e->index;
	f->offset = e->offset;
	if (e->file_name) {
		f->path_len = e->file_name_len < sizeof(f->path) - 1 ? e->file_name_len :
								       sizeof(f->path) - 1;
		memcpy(f->path, e->file_name, f->path_len);
		f->path[f->path_len] = '\0';
	}
}

static int check_entry(struct verify *v, const struct vigil_mlist_entry *e)
{
	struct vigil_error ee = { 0 };
	struct vigil_ref_result r;
	int rc = vigil_replay_extend(v->rp, e, &ee);

	if (rc == VIGIL_ERR_MISMATCH) {
		entry_position(v, e);
		return failed(v, "entry", "template-digest-mismatch: the stored template digest "
			      "is not that of the entry's data");
	}
	if (rc != VIGIL_OK)
		return failed_err(v, "entry", &ee);
	if ((rc = vigil_refcheck_entry(v->rc, e, &r, v->err)) != VIGIL_OK)
		return rc;
	if (r.failed) {
		entry_position(v, e);
		return failed(v, "entry", "%s%s%s", vigil_ref_verdict_name(r.verdict),
			      r.msg[0] ? ": " : "", r.msg);
	}
	v->res->entries_checked++;
	return 0;
}

/* The replay so far gives the quoted PCRs. */
static bool replay_matches(struct verify *v)
{
	struct vigil_replay_result rr;

	return vigil_replay_compare(v->rp, &v->quoted, &rr, NULL) == VIGIL_OK;
}

/*
 * Entries of the bundle's part, placed at their position in the whole list.
 * With stop_at_quote, stops after the entry whose replay gives the quoted
 * PCRs (*matched set).
 */
static int replay_entries(struct verify *v, bool stop_at_quote, bool *matched)
{
	const struct vigil_bundle *b = v->b;
	struct vigil_mlist_reader *r = NULL;
	struct vigil_replay_stats st;
	struct vigil_mlist_entry e;
	struct vigil_error ee = { 0 };
	int rc;

	vigil_replay_get_stats(v->rp, &st);
	if (b->mlist_first_index > st.next_index)
		return failed(v, "mlist", "the list part starts at entry %llu, but entries up to %llu "
			      "were verified (a gap)", (unsigned long long)b->mlist_first_index,
			      (unsigned long long)st.next_index);
	if (stop_at_quote && (*matched = replay_matches(v)))
		return 0; /* the quote came before any entry of the part */
	if ((rc = vigil_mlist_reader_mem(b->mlist, b->mlist_len, b->mlist_algo, 0, &r, &ee)))
		return failed_err(v, "mlist", &ee);
	while ((rc = vigil_mlist_next(r, &e, &ee)) == 1) {
		e.index += b->mlist_first_index;
		e.offset += b->mlist_first_offset;
		if (e.index < st.next_index)
			continue; /* verified before; the PCR comparison vouches they are the same */
		if (e.index == st.next_index && e.offset != st.next_offset) {
			entry_position(v, &e);
			rc = failed(v, "mlist", "entry %llu is at offset %llu, not %llu as in the "
				    "verified list", (unsigned long long)e.index,
				    (unsigned long long)e.offset, (unsigned long long)st.next_offset);
			break;
		}
		if ((rc = check_entry(v, &e)))
			break;
		if (stop_at_quote && (*matched = replay_matches(v)))
			break;
	}
	if (rc < 0 && ee.code)
		rc = failed(v, "mlist", "the list part (from entry %llu): %s",
			    (unsigned long long)b->mlist_first_index, ee.msg);
	vigil_mlist_reader_free(r);
	return rc;
}

static int check_list_pcrs(struct verify *v)
{
	struct vigil_replay_result rr;
	struct vigil_replay_stats st;
	struct vigil_error e = { 0 };
	int rc = vigil_replay_compare(v->rp, &v->quoted, &rr, &e);

	vigil_replay_get_stats(v->rp, &st);
	v->res->next_index = st.next_index;
	if (rc == VIGIL_OK || (rc == VIGIL_ERR_NO_DATA && st.pcr_mask == 0))
		return 0;
	if (rc != VIGIL_ERR_MISMATCH)
		return failed(v, "pcr", "the quote covers no PCR the list extends (%s)", e.msg);
	for (unsigned i = 0; i < rr.nbanks; i++) {
		if (rr.banks[i].status != VIGIL_BANK_MISMATCH)
			continue;
		v->res->failure.bank = rr.banks[i].algo;
		v->res->failure.pcr = __builtin_ctz(rr.banks[i].mismatch_mask);
		break;
	}
	return failed(v, "pcr", "the list replays to PCR values other than the quoted ones: %s",
		      e.msg);
}

/*
 * The list is read after the quote, so it may end with entries the kernel
 * added since: replays again, from the same start, up to the entry whose
 * replay gives the quoted PCRs.  The entries after it are left for the
 * next quote (not checked, not in the state).  1 with the first pass's
 * failure when no entry gives the quoted PCRs.
 */
static int check_quoted_prefix(struct verify *v)
{
	struct vigil_attest_failure first = v->res->failure;
	uint64_t end = v->res->next_index;
	bool matched = false;
	int rc;

	vigil_replay_free(v->rp);
	vigil_refcheck_free(v->rc);
	v->rp = NULL;
	v->rc = NULL;
	v->res->ok = true;
	v->res->entries_checked = 0;
	if ((rc = start_list(v)) || (rc = replay_entries(v, true, &matched)))
		return rc;
	if (!matched) {
		v->res->ok = false;
		v->res->failure = first;
		return 1;
	}
	rc = check_list_pcrs(v);
	v->res->entries_after_quote = end - v->res->next_index;
	return rc;
}

static int check_list(struct verify *v)
{
	int rc;

	if (!v->b->have_mlist)
		return 0;
	if (!v->same_boot || !v->st->replay) {
		if (v->b->mlist_first_index != 0)
			return failed(v, "mlist", "the list part starts at entry %llu, but no verified "
				      "state of this boot holds the entries before it",
				      (unsigned long long)v->b->mlist_first_index);
	}
	if ((rc = start_list(v)) || (rc = replay_entries(v, false, NULL)))
		return rc;
	rc = check_list_pcrs(v);
	if (rc == 1 && v->res->failure.pcr >= 0)
		rc = check_quoted_prefix(v);
	if (rc == 0)
		v->res->mlist_checked = true;
	return rc;
}

/* ----------------------------------------------------------------- commit */

static int saved(struct vigil_replay *rp, struct vigil_refcheck *rc, char **rtext, char **ctext,
		 struct vigil_error *err)
{
	size_t rl = 0, cl = 0;
	int r;

	if ((r = vigil_replay_save(rp, NULL, 0, &rl, err)) ||
	    (r = vigil_refcheck_save(rc, NULL, 0, &cl, err)))
		return r;
	*rtext = malloc(rl + 1);
	*ctext = malloc(cl + 1);
	if (!*rtext || !*ctext)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "attestation state: out of memory");
	if ((r = vigil_replay_save(rp, *rtext, rl + 1, &rl, err)) ||
	    (r = vigil_refcheck_save(rc, *ctext, cl + 1, &cl, err)))
		return r;
	return VIGIL_OK;
}

/* Advances the state to what this bundle established. */
static int commit(struct verify *v, const uint8_t *nonce, size_t nonce_len)
{
	struct vigil_attest_state *st = v->st;
	const struct vigil_quote_info *q = &v->res->quote;
	char *rtext = NULL, *ctext = NULL;
	int rc;

	if (v->b->have_mlist &&
	    (rc = saved(v->rp, v->rc, &rtext, &ctext, v->err)) != VIGIL_OK) {
		free(rtext);
		free(ctext);
		return rc;
	}
	if (v->b->have_mlist || !v->same_boot) {
		free(st->replay);
		free(st->refcheck);
		st->replay = rtext;
		st->refcheck = ctext;
		st->next_index = rtext ? v->res->next_index : 0;
	}
	st->have_quote = true;
	st->clock = q->clock;
	st->reset_count = q->reset_count;
	st->restart_count = q->restart_count;
	memcpy(st->nonce, nonce, nonce_len);
	st->nonce_len = nonce_len;
	memcpy(st->ak_sha256, v->ak_sha256, sizeof(st->ak_sha256));
	return VIGIL_OK;
}

int vigil_attest_verify(const struct vigil_pubkey *ak, const uint8_t *nonce, size_t nonce_len,
			const struct vigil_bundle *b, const struct vigil_attest_refs *refs,
			struct vigil_attest_state *st, struct vigil_attest_result *res,
			struct vigil_error *err)
{
	struct vigil_error local = { 0 };
	struct verify v = { .b = b, .refs = refs, .st = st, .res = res, .err = err ? err : &local };
	int rc;

	memset(res, 0, sizeof(*res));
	res->ok = true;
	res->failure.pcr = res->failure.bank = -1;
	if (!nonce || nonce_len == 0 || nonce_len > VIGIL_NONCE_MAX)
		return vigil_fail(err, VIGIL_ERR_INVALID, "the nonce must be 1 to %d bytes",
				  VIGIL_NONCE_MAX);
	if ((rc = check_quote(&v, nonce, nonce_len, ak)) == 0 && (rc = check_pcr_digest(&v)) == 0 &&
	    (rc = check_state(&v, ak)) == 0 && (rc = check_eventlog(&v)) == 0 &&
	    (rc = check_list(&v)) == 0 && st)
		rc = commit(&v, nonce, nonce_len);
	vigil_replay_free(v.rp);
	vigil_refcheck_free(v.rc);
	if (rc < 0)
		res->ok = false;
	return rc < 0 ? rc : VIGIL_OK;
}

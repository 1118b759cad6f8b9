/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TPM that the measurement list is extended into, as the kernel's
 * ima_pcr_extend(): every entry, every active bank, the bank's own
 * template digest (0xFF.. for violations), before the open is answered.
 *
 * tpm2-tss ESAPI over the TCTI loader.  Everything that loads a library or
 * connects (Tss2_TctiLdr_Initialize, Esys_Initialize, the bank query) runs
 * in tpm_open(), before vigild adds its fanotify marks; afterwards only
 * commands go to the TPM's descriptor (a socket or /dev/tpmrm0).  An ESAPI
 * context is not thread-safe: one lock serialises every command.
 *
 * PCR 10 belongs to the kernel's own IMA when it runs one: vigild refuses
 * it then, as two lists extending one PCR can never be replayed.
 *
 * A failed extend is final until vigild restarts: whether the TPM took it
 * is unknown (a reply lost, a TPM restarted behind vigild's back), so no
 * later entry may be extended into a PCR that might not match the list.
 * The start-up check then compares the TPM with the list again.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "vigild.h"

#define KERNEL_IMA_PCR 10
#define BOOT_PCRS_SHA1 0xffu   /* PCRs 0-7 (the kernel's sha1 boot_aggregate) */
#define BOOT_PCRS_OTHER 0x3ffu /* PCRs 0-9 (every other bank) */
#define PCRS_PER_READ 8        /* a TPM may return fewer PCRs than asked */

static struct {
	pthread_mutex_t lock;
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	char tcti_conf[256];
	bool kernel_ima;
	char failed[VIGIL_ERROR_MSG_MAX / 2]; /* the extend that failed; "" while none */
	bool hung;                       /* an extend never returned: esys is still in use */
	unsigned nbanks;
	int algos[VIGIL_MAX_BANKS];      /* enum vigil_hash_algo */
	TPMI_ALG_HASH tpm_algs[VIGIL_MAX_BANKS];
} T = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int tss_fail(struct vigil_error *err, const char *what, TSS2_RC rc)
{
	return vd_fail(err, VIGIL_ERR_IO, "TPM (%s): %s: %s", T.tcti_conf, what,
		       Tss2_RC_Decode(rc));
}

/* The kernel's list in securityfs, non-empty: its IMA extends PCR 10. */
static bool kernel_runs_ima(void)
{
	static const char *const lists[] = {
		"/sys/kernel/security/ima/ascii_runtime_measurements",
		"/sys/kernel/security/integrity/ima/ascii_runtime_measurements",
	};
	char c;

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		int fd = open(lists[i], O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			continue;
		n = read(fd, &c, 1); /* securityfs reports size 0: read to know */
		close(fd);
		if (n == 1)
			return true;
	}
	return false;
}

const char *tpm_kernel_view(void)
{
	return T.kernel_ima ? "the kernel runs IMA (its list in securityfs has entries)"
			    : "the kernel runs no IMA of its own";
}

/* "env": as tpm2-tools, $TPM2TOOLS_TCTI, then $TCTI, then the loader's default. */
static const char *tcti_config(const char *conf)
{
	if (strcmp(conf, "env") != 0)
		return conf;
	if (getenv("TPM2TOOLS_TCTI"))
		return getenv("TPM2TOOLS_TCTI");
	return getenv("TCTI");
}

static int connect_tpm(const char *conf, struct vigil_error *err)
{
	const char *c = tcti_config(conf);
	TSS2_RC rc;

	snprintf(T.tcti_conf, sizeof(T.tcti_conf), "%s", c ? c : "default TCTI");
	/* tss2 logs each failed attempt on stderr; vigild says what failed itself. */
	setenv("TSS2_LOG", "all+none", 0);
	if ((rc = Tss2_TctiLdr_Initialize(c, &T.tcti)) != TSS2_RC_SUCCESS)
		return tss_fail(err, "cannot load or connect the TCTI", rc);
	if ((rc = Esys_Initialize(&T.esys, T.tcti, NULL)) != TSS2_RC_SUCCESS)
		return tss_fail(err, "Esys_Initialize", rc);
	return VIGIL_OK;
}

static bool selection_empty(const TPMS_PCR_SELECTION *s)
{
	for (unsigned i = 0; i < s->sizeofSelect && i < sizeof(s->pcrSelect); i++)
		if (s->pcrSelect[i])
			return false;
	return true;
}

static bool selects(const TPMS_PCR_SELECTION *s, unsigned pcr)
{
	return pcr / 8 < s->sizeofSelect && (s->pcrSelect[pcr / 8] & (1u << (pcr % 8)));
}

/* The active banks: allocated with at least one PCR; the measurement PCR in each. */
static int read_banks(unsigned pcr, struct vigil_error *err)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	int ret = VIGIL_OK;

	rc = Esys_GetCapability(T.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_PCRS, 0,
				1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return tss_fail(err, "reading the active PCR banks", rc);
	for (UINT32 i = 0; i < cap->data.assignedPCR.count && ret == VIGIL_OK; i++) {
		const TPMS_PCR_SELECTION *s = &cap->data.assignedPCR.pcrSelections[i];
		int algo = vigil_tpm_alg_to_hash(s->hash);

		if (selection_empty(s))
			continue;
		if (algo < 0 || !vigil_hash_available(algo))
			ret = vd_fail(err, VIGIL_ERR_UNSUPPORTED, "TPM (%s): active bank 0x%04x: an "
				      "algorithm vigild cannot hash, so it cannot extend it as "
				      "the kernel would; deallocate the bank (tpm2_pcrallocate)",
				      T.tcti_conf, s->hash);
		else if (!selects(s, pcr))
			ret = vd_fail(err, VIGIL_ERR_INVALID, "TPM (%s): the %s bank has no PCR %u",
				      T.tcti_conf, vigil_hash_by_id(algo)->name, pcr);
		else if (T.nbanks == VIGIL_MAX_BANKS)
			ret = vd_fail(err, VIGIL_ERR_TOO_BIG, "TPM (%s): more than %d active banks",
				      T.tcti_conf, VIGIL_MAX_BANKS);
		else {
			T.algos[T.nbanks] = algo;
			T.tpm_algs[T.nbanks++] = s->hash;
		}
	}
	Esys_Free(cap);
	if (ret == VIGIL_OK && T.nbanks == 0)
		ret = vd_fail(err, VIGIL_ERR_INVALID, "TPM (%s): no active PCR bank", T.tcti_conf);
	return ret;
}

int tpm_open(const struct vigild_tpm_opts *o, struct vigil_error *err)
{
	char names[VIGIL_MAX_BANKS * 16] = "";
	size_t n = 0;
	int rc;

	T.kernel_ima = kernel_runs_ima();
	if (!o->tcti)
		return VIGIL_OK;
	if (T.kernel_ima && o->pcr == KERNEL_IMA_PCR)
		return vd_fail(err, VIGIL_ERR_INVALID, "tpm_pcr %u: %s, which extends PCR %d of "
			       "the TPM: two lists in one PCR can never be replayed; set tpm_pcr "
			       "to another PCR (e.g. 11) or run without 'tpm'", o->pcr,
			       tpm_kernel_view(), KERNEL_IMA_PCR);
	if ((rc = connect_tpm(o->tcti, err)) != VIGIL_OK ||
	    (rc = read_banks(o->pcr, err)) != VIGIL_OK) {
		tpm_close();
		return rc;
	}
	for (unsigned b = 0; b < T.nbanks && n < sizeof(names); b++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", b ? "," : "",
				      vigil_hash_by_id(T.algos[b])->name);
	vlog(VLOG_INFO, "vigild: TPM %s: extending PCR %u of the banks %s; %s", T.tcti_conf,
	     o->pcr, names, tpm_kernel_view());
	return VIGIL_OK;
}

bool tpm_enabled(void)
{
	return T.esys != NULL;
}

unsigned tpm_banks(int *algos, unsigned cap)
{
	unsigned n = T.nbanks < cap ? T.nbanks : cap;

	memcpy(algos, T.algos, n * sizeof(*algos));
	return n;
}

/* The digest of algo among digests[]; NULL when the caller has none. */
static const struct vigil_digest *digest_of(const struct vigil_digest *digests, unsigned n,
					    int algo)
{
	for (unsigned i = 0; i < n; i++)
		if (digests[i].algo == algo)
			return &digests[i];
	return NULL;
}

/*
 * A TPM that stops answering must not hold every worker (and with them
 * every open on the marked filesystems) forever, and not every TCTI
 * honours ESAPI's timeouts.  So the command runs on a thread of its own
 * and the worker waits for it at most EXTEND_DEADLINE_MS; a command that
 * does not finish by then counts as failed, and the ESAPI context, which
 * that thread may still be using, is never touched again.
 */
#define EXTEND_DEADLINE_MS 5000

struct extend_call {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	int refs;            /* the caller and the thread */
	bool done;
	TSS2_RC rc;
	ESYS_CONTEXT *esys;
	ESYS_TR pcr;
	TPML_DIGEST_VALUES values;
};

static void call_put(struct extend_call *c)
{
	bool last;

	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last) {
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->done_cond);
		free(c);
	}
}

static void *extend_thread(void *arg)
{
	struct extend_call *c = arg;
	TSS2_RC rc = Esys_PCR_Extend(c->esys, c->pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				     ESYS_TR_NONE, &c->values);

	pthread_mutex_lock(&c->lock);
	c->rc = rc;
	c->done = true;
	pthread_cond_signal(&c->done_cond);
	pthread_mutex_unlock(&c->lock);
	call_put(c);
	return NULL;
}

/* Returns false when the TPM did not answer in time (c->rc is then meaningless). */
static bool run_extend(struct extend_call *c)
{
	struct timespec until;
	pthread_attr_t attr;
	pthread_t th;
	bool done;
	int rc;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += EXTEND_DEADLINE_MS / 1000;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	c->refs = 2;
	rc = pthread_create(&th, &attr, extend_thread, c);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		c->refs = 1;
		c->rc = Esys_PCR_Extend(c->esys, c->pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					ESYS_TR_NONE, &c->values);
		return true;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->done &&
	       pthread_cond_timedwait(&c->done_cond, &c->lock, &until) != ETIMEDOUT)
		;
	done = c->done;
	pthread_mutex_unlock(&c->lock);
	return done;
}

int tpm_extend(unsigned pcr, const struct vigil_digest *digests, unsigned n,
	       struct vigil_error *err)
{
	TPML_DIGEST_VALUES v = { .count = 0 };
	struct extend_call *call;
	bool answered;
	TSS2_RC rc;

	if (!T.esys)
		return vd_fail(err, VIGIL_ERR_INVALID, "no TPM (closed after a failure?)");
	if (pcr >= VIGIL_PCR_COUNT || (T.kernel_ima && pcr == KERNEL_IMA_PCR))
		return vd_fail(err, VIGIL_ERR_INVALID, "TPM: not extending PCR %u: %s", pcr,
			       pcr < VIGIL_PCR_COUNT ? tpm_kernel_view() : "no such PCR");
	for (unsigned b = 0; b < T.nbanks; b++) {
		const struct vigil_digest *d = digest_of(digests, n, T.algos[b]);

		if (!d || d->len != vigil_hash_by_id(T.algos[b])->digest_len ||
		    d->len > sizeof(v.digests[0].digest))
			return vd_fail(err, VIGIL_ERR_INVALID, "TPM: no %s digest to extend",
				       vigil_hash_by_id(T.algos[b])->name);
		v.digests[v.count].hashAlg = T.tpm_algs[b];
		memcpy(&v.digests[v.count].digest, d->bytes, d->len);
		v.count++;
	}
	if (!(call = calloc(1, sizeof(*call))))
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for a TPM command");
	pthread_mutex_init(&call->lock, NULL);
	pthread_cond_init(&call->done_cond, NULL);
	call->refs = 1;
	pthread_mutex_lock(&T.lock);
	if (T.failed[0]) {
		pthread_mutex_unlock(&T.lock);
		call_put(call);
		return vd_fail(err, VIGIL_ERR_IO, "TPM (%s): not extending PCR %u: an earlier extend "
			       "failed (%s), the TPM may disagree with the list; restart vigild to "
			       "check them", T.tcti_conf, pcr, T.failed);
	}
	call->esys = T.esys;
	call->pcr = ESYS_TR_PCR0 + pcr;
	call->values = v;
	answered = run_extend(call);
	rc = call->rc;
	call_put(call);
	if (!answered) {
		T.hung = true;
		snprintf(T.failed, sizeof(T.failed), "no answer within %d s", EXTEND_DEADLINE_MS / 1000);
	} else if (rc != TSS2_RC_SUCCESS) {
		snprintf(T.failed, sizeof(T.failed), "%s", Tss2_RC_Decode(rc));
	}
	pthread_mutex_unlock(&T.lock);
	if (!answered)
		return vd_fail(err, VIGIL_ERR_IO, "TPM (%s): extending PCR %u: no answer within %d s",
			       T.tcti_conf, pcr, EXTEND_DEADLINE_MS / 1000);
	if (rc != TSS2_RC_SUCCESS) {
		char what[32];

		snprintf(what, sizeof(what), "extending PCR %u", pcr);
		return tss_fail(err, what, rc);
	}
	return VIGIL_OK;
}

/* Stores what one TPM2_PCR_Read returned; clears those PCRs from want. */
static int store(struct vigil_pcr_bank *b, const TPML_PCR_SELECTION *got, const TPML_DIGEST *vals,
		 TPMS_PCR_SELECTION *want, struct vigil_error *err)
{
	size_t len = vigil_hash_by_id(b->algo)->digest_len;
	uint32_t n = 0;

	if (got->count != 1 || vals->count == 0)
		return vd_fail(err, VIGIL_ERR_INVALID, "TPM: %s PCRs: empty reply",
			       vigil_hash_by_id(b->algo)->name);
	for (unsigned i = 0; i < VIGIL_PCR_COUNT; i++) {
		if (!selects(&got->pcrSelections[0], i))
			continue;
		if (n >= vals->count || vals->digests[n].size != len)
			return vd_fail(err, VIGIL_ERR_INVALID, "TPM: %s PCR %u: unexpected reply",
				       vigil_hash_by_id(b->algo)->name, i);
		memcpy(b->pcr[i], vals->digests[n++].buffer, len);
		b->valid |= 1u << i;
		want->pcrSelect[i / 8] &= (uint8_t)~(1u << (i % 8));
	}
	return VIGIL_OK;
}

static int read_bank(unsigned bank, uint32_t mask, struct vigil_pcr_bank *b,
		     struct vigil_error *err)
{
	TPML_PCR_SELECTION want = { .count = 1 };
	TPMS_PCR_SELECTION *w = &want.pcrSelections[0];
	int rc = VIGIL_OK;

	w->hash = T.tpm_algs[bank];
	w->sizeofSelect = 3;
	for (unsigned i = 0; i < VIGIL_PCR_COUNT; i++)
		if (mask & (1u << i))
			w->pcrSelect[i / 8] |= (uint8_t)(1u << (i % 8));
	for (unsigned tries = 0; rc == VIGIL_OK && !selection_empty(w); tries++) {
		TPML_PCR_SELECTION *got = NULL;
		TPML_DIGEST *vals = NULL;
		UINT32 counter;
		TSS2_RC trc;

		if (tries > VIGIL_PCR_COUNT / PCRS_PER_READ + 1)
			return vd_fail(err, VIGIL_ERR_INVALID, "TPM: %s PCRs: the TPM does not "
				       "return them", vigil_hash_by_id(b->algo)->name);
		trc = Esys_PCR_Read(T.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &want,
				    &counter, &got, &vals);
		rc = trc != TSS2_RC_SUCCESS ? tss_fail(err, "reading PCRs", trc)
					    : store(b, got, vals, w, err);
		Esys_Free(got);
		Esys_Free(vals);
	}
	return rc;
}

int tpm_read(uint32_t mask, struct vigil_pcrs *out, struct vigil_error *err)
{
	int rc = VIGIL_OK;

	vigil_pcrs_init(out);
	if (!T.esys)
		return vd_fail(err, VIGIL_ERR_INVALID, "no TPM");
	pthread_mutex_lock(&T.lock);
	if (T.hung) {
		pthread_mutex_unlock(&T.lock);
		return vd_fail(err, VIGIL_ERR_IO, "TPM (%s): not answering", T.tcti_conf);
	}
	for (unsigned b = 0; b < T.nbanks && rc == VIGIL_OK; b++) {
		struct vigil_pcr_bank *bank = vigil_pcrs_bank(out, T.algos[b], true);

		rc = bank ? read_bank(b, mask, bank, err)
			  : vd_fail(err, VIGIL_ERR_TOO_BIG, "TPM: too many banks");
	}
	pthread_mutex_unlock(&T.lock);
	return rc;
}

/* The template records boot_aggregate in the legacy 'd' field (SHA-1 only). */
static int has_legacy_digest(const char *template_name, bool *legacy, struct vigil_error *err)
{
	struct vigil_template t;
	int rc = vigil_template_lookup(template_name, strlen(template_name), &t, err);

	*legacy = false;
	for (unsigned i = 0; rc == VIGIL_OK && i < t.nfields; i++)
		if (t.fields[i] == VIGIL_FIELD_D)
			*legacy = true;
	return rc;
}

/*
 * As the kernel's ima_calc_boot_aggregate(): the bank of IMA's hash
 * algorithm, else sha256, else sha1.  The legacy 'd' field holds SHA-1
 * only: the sha1 bank's aggregate, or zeros when the TPM has none.
 * Without a TPM, zeros of the algorithm's size.
 */
int tpm_boot_aggregate(int ima_hash_algo, const char *template_name, struct vigil_digest *out,
		       struct vigil_error *err)
{
	struct vigil_pcrs pcrs;
	bool sha1_field;
	int want, bank, rc;

	if ((rc = has_legacy_digest(template_name, &sha1_field, err)) != VIGIL_OK)
		return rc;
	want = sha1_field ? VIGIL_HASH_SHA1 : ima_hash_algo;
	memset(out, 0, sizeof(*out));
	out->algo = want;
	out->len = vigil_hash_by_id(want)->digest_len;
	if (!T.esys)
		return VIGIL_OK;
	if ((rc = tpm_read(BOOT_PCRS_OTHER | BOOT_PCRS_SHA1, &pcrs, err)) != VIGIL_OK)
		return rc;
	bank = vigil_boot_aggregate_bank(&pcrs, want);
	if (bank < 0 || (sha1_field && bank != VIGIL_HASH_SHA1))
		return VIGIL_OK;
	return vigil_boot_aggregate(&pcrs, bank, out, err);
}

void tpm_close(void)
{
	pthread_mutex_lock(&T.lock);
	/* A thread may still wait in the hung TPM with these: leave them to exit(). */
	if (T.esys && !T.hung)
		Esys_Finalize(&T.esys);
	if (T.tcti && !T.hung)
		Tss2_TctiLdr_Finalize(&T.tcti);
	T.hung = false;
	T.esys = NULL;
	T.tcti = NULL;
	T.nbanks = 0;
	T.failed[0] = '\0';
	pthread_mutex_unlock(&T.lock);
}

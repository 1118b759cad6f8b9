/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One permission event, decided as the kernel's process_measurement():
 * ask the policy, look at the inode's cached state, then measure (the
 * entry is in the list and the PCRs before the open goes on), appraise,
 * audit, and answer.  In enforce mode a failed appraisal and any internal
 * error deny; in the other modes they are recorded and allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigild.h"

static struct vigild_settings S;

void process_init(const struct vigild_settings *s)
{
	S = *s;
}

/* What one event needs, once the policy and the cache have spoken. */
struct work {
	struct vigild_event ev;
	struct vigil_policy_result res;
	struct vigild_rules *r;
	struct vigild_iint *e;
	int pcr;
	bool require_sig;
	bool need_measure, need_appraise, need_audit;
	uint8_t ima[VIGIL_XATTR_MAX];
	size_t ima_len;
	struct vigild_appraisal app;  /* fresh or from the cache */
	bool app_fresh;
	struct vigil_digest digest;   /* for measure and audit */
};

static struct vigild_stamp stamp_of(const struct stat *st)
{
	struct vigild_stamp s = {
		.mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
		.ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
		.size = st->st_size,
	};

	return s;
}

/* Ignore marks only for decisions that do not depend on who opens, or how. */
static bool cacheable(const struct work *w)
{
	int f = w->ev.vfunc;

	return !w->r->needs_subject[f] && (w->ev.func != VIGIL_FUNC_FILE_CHECK ||
					   !w->r->needs_mask[f]);
}

static void internal_error(struct work *w, const struct vigil_error *err)
{
	metrics_inc(M_INTERNAL_ERRORS);
	vlog(VLOG_ERR, "vigild: %s: %s (%s)", w->ev.path[0] ? w->ev.path : "event", err->msg,
	     S.mode == MODE_ENFORCE ? "denied" : "allowed");
}

static void plan(struct work *w)
{
	unsigned actions = w->res.actions;
	const struct vigild_iint *e = w->e;
	int f = w->ev.vfunc;

	w->pcr = w->res.pcr >= 0 ? w->res.pcr : VIGILD_DEFAULT_PCR;
	w->require_sig = w->res.opts & VIGIL_OPT_SIG_REQUIRED;
	w->need_measure = (actions & VIGIL_POLICY_MEASURE) && !(e->measured_pcrs & (1u << w->pcr));
	w->need_appraise = (actions & VIGIL_POLICY_APPRAISE) &&
			   !(e->appraised[f].done && e->appraised[f].require_sig == w->require_sig);
	w->need_audit = (actions & VIGIL_POLICY_AUDIT) && !e->audited;
}

static int read_ima(struct work *w, struct vigil_error *err)
{
	int rc = vigil_getxattr(w->ev.fd, "security.ima", w->ima, sizeof(w->ima), &w->ima_len, err);

	if (rc == VIGIL_ERR_NO_DATA) {
		w->ima_len = 0;
		return VIGIL_OK;
	}
	return rc;
}

/* The kernel hashes a file with the algorithm its security.ima names. */
static int file_algo(const struct work *w)
{
	struct vigil_xattr x;

	if (w->ima_len && vigil_xattr_decode(w->ima, w->ima_len, VIGIL_XATTR_IMA, &x, NULL) == 0) {
		int algo = x.type == VIGIL_EVM_IMA_XATTR_DIGSIG ? x.hash_algo
			 : x.type == VIGIL_IMA_VERITY_DIGSIG ? -1 : x.digest.algo;

		if (algo >= 0 && vigil_hash_available(algo))
			return algo;
	}
	return S.hash_algo;
}

static void log_failure(struct work *w, bool denied)
{
	const char *cause = w->app.cause ? w->app.cause : "unknown";

	vlog(VLOG_WARN, "vigild: ima: appraise integrity appraisal error: %s (%s) func=%s pid=%d "
	     "comm=%s mode=%s action=%s", w->ev.path, cause, vigil_policy_func_name(w->ev.func),
	     (int)w->ev.tid, hooks_comm(&w->ev), mode_name(S.mode), denied ? "deny" : "allow");
	if (w->app.detail[0])
		vlog(VLOG_INFO, "vigild: ima:   %s: %s", w->ev.path, w->app.detail);
	metrics_appraisal_failure(w->ev.path, cause);
	if (w->app.evm_failed) {
		vlog(VLOG_WARN, "vigild: evm: verification failed: %s (%s)", w->ev.path, cause);
		metrics_evm_failure(w->ev.path);
	}
}

static void appraise(struct work *w)
{
	struct vigild_appraised *c = &w->e->appraised[w->ev.vfunc];

	if (!w->need_appraise) {
		w->app.code = c->code;
		w->app.cause = c->cause;
		w->app.evm_failed = c->evm_failed;
		return;
	}
	/* The kernel's IMA_NEW_FILE: a file this open created has no label yet. */
	if (w->ev.created && w->ima_len == 0) {
		memset(&w->app, 0, sizeof(w->app));
	} else {
		appraise_file(w->ev.fd, w->ima_len ? w->ima : NULL, w->ima_len, w->r, w->require_sig,
			      S.mode, file_algo(w), &w->app);
		w->app_fresh = true;
	}
	c->done = true;
	c->require_sig = w->require_sig;
	c->code = w->app.code;
	c->cause = w->app.cause;
	c->evm_failed = w->app.evm_failed;
	if (w->app.fixed)
		vlog(VLOG_INFO, "vigild: ima: fix: wrote security.ima of %s (was %s)", w->ev.path,
		     w->app.cause);
}

static int digest(struct work *w, struct vigil_error *err)
{
	int algo = file_algo(w);

	if (w->app.digest.len && w->app.digest.algo == algo) {
		w->digest = w->app.digest; /* appraisal already hashed the content */
		return VIGIL_OK;
	}
	return vigil_hash_fd(algo, w->ev.fd, &w->digest, err);
}

static int measure(struct work *w, struct vigil_error *err)
{
	const char *tmpl = w->res.template_id >= 0 ? vigil_policy_template_name(w->res.template_id)
						   : S.template_name;
	struct vigild_file_facts f = {
		.fd = w->ev.fd, .path = w->ev.path, .st = &w->ev.st, .digest = &w->digest,
		.ima = w->ima_len ? w->ima : NULL, .ima_len = w->ima_len,
	};
	int rc = measure_file(&f, tmpl, w->pcr, err);

	if (rc == VIGIL_OK)
		w->e->measured_pcrs |= 1u << w->pcr;
	return rc;
}

static void audit(struct work *w)
{
	char hex[2 * VIGIL_MAX_DIGEST + 1];

	vigil_hex(w->digest.bytes, w->digest.len, hex);
	vlog(VLOG_INFO, "vigild: ima: audit file=%s hash=\"%s:%s\" func=%s pid=%d", w->ev.path,
	     vigil_hash_by_id(w->digest.algo)->name, hex, vigil_policy_func_name(w->ev.func),
	     (int)w->ev.tid);
	w->e->audited = true;
}

/* Measure, appraise, audit on a locked cache entry.  False: internal error. */
static bool run(struct work *w, struct vigil_error *err)
{
	if (read_ima(w, err) != VIGIL_OK)
		return false;
	if (w->res.actions & VIGIL_POLICY_APPRAISE)
		appraise(w);
	if ((w->need_measure || w->need_audit) && digest(w, err) != VIGIL_OK)
		return false;
	if (w->need_measure && measure(w, err) != VIGIL_OK)
		return false;
	if (w->need_audit)
		audit(w);
	return true;
}

/* The stamp after our own writes (fix mode), so they do not count as a change. */
static struct vigild_stamp stamp_after(const struct work *w)
{
	struct stat st;

	if (w->app.fixed && fstat(w->ev.fd, &st) == 0)
		return stamp_of(&st);
	return stamp_of(&w->ev.st);
}

static bool same_stamp(const struct vigild_stamp *a, const struct vigild_stamp *b)
{
	return a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->size == b->size;
}

/* Adds the ignore mark; takes it back if the file changed since it was hashed. */
static void ignore_if_unchanged(struct work *w, const struct vigild_stamp *hashed)
{
	struct stat now;
	struct vigild_stamp cur;

	if (!fan_ignore_add(w->ev.fd, w->ev.fan_mask))
		return;
	if (fstat(w->ev.fd, &now) == 0) {
		cur = stamp_of(&now);
		if (same_stamp(&cur, hashed))
			return;
		vlog(VLOG_DEBUG, "vigild: %s changed while it was measured: not cached",
		     w->ev.path);
	}
	fan_ignore_remove(w->ev.fd, w->ev.fan_mask);
}

static bool decide_cached(struct work *w)
{
	struct vigil_error err = { 0 };
	struct vigild_stamp st = stamp_of(&w->ev.st);
	bool ok, denied;

	w->e = cache_acquire(w->ev.st.st_dev, w->ev.st.st_ino, &st);
	if (!w->e) {
		vd_fail(&err, VIGIL_ERR_NOMEM, "out of memory for the inode cache");
		internal_error(w, &err);
		return S.mode != MODE_ENFORCE;
	}
	plan(w);
	ok = run(w, &err);
	st = stamp_after(w);
	denied = ok && (w->res.actions & VIGIL_POLICY_APPRAISE) && w->app.code != VIGIL_OK &&
		 S.mode == MODE_ENFORCE;
	/*
	 * Only a committed, successful allow is cached in the kernel, and only
	 * after the decision: while we hash, every other open of the inode
	 * must still reach us (it waits on the cache entry, then gets the same
	 * answer).  A write between hashing and the mark would not clear it,
	 * so look again once the mark is on.
	 */
	if (ok && !denied && cacheable(w))
		ignore_if_unchanged(w, &st);
	cache_release(w->e, &st);
	if (!ok) {
		internal_error(w, &err);
		return S.mode != MODE_ENFORCE;
	}
	if (w->app_fresh && w->app.code != VIGIL_OK)
		log_failure(w, denied);
	return !denied;
}

static bool decide(struct work *w, uint64_t fan_mask)
{
	const unsigned want = VIGIL_POLICY_MEASURE | VIGIL_POLICY_APPRAISE | VIGIL_POLICY_AUDIT;
	struct vigil_policy_access a;
	struct vigil_error err = { 0 };

	if (hooks_classify(&w->ev, fan_mask, w->r, &err) != VIGIL_OK) {
		internal_error(w, &err);
		return S.mode != MODE_ENFORCE;
	}
	if (w->ev.exec_companion || !S_ISREG(w->ev.st.st_mode))
		return true;
	hooks_access(&w->ev, w->r, &a);
	vigil_policy_match(w->r->policy, &a, want, &w->res);
	if (S.mode == MODE_OFF)
		w->res.actions &= ~VIGIL_POLICY_APPRAISE;
	if (!(w->res.actions & want)) {
		/* Nothing to do for this file: let the kernel stop asking. */
		if (cacheable(w))
			fan_ignore_add(w->ev.fd, w->ev.fan_mask);
		return true;
	}
	return decide_cached(w);
}

void process_event(const struct vigild_job *job)
{
	static _Thread_local struct work w; /* large: keep it off the stack */
	bool allow;

	memset(&w, 0, sizeof(w));
	w.ev.fd = job->fd;
	w.ev.tid = job->tid;
	w.r = rules_get();
	allow = decide(&w, job->mask);
	fan_respond(job->fd, allow, S.audit && (w.app.code != VIGIL_OK || !allow));
	close(job->fd);
	rules_put(w.r);
	metrics_inc(M_EVENTS);
	if (!allow)
		metrics_inc(M_DENIED);
}

/*
 * Writes through a shared mapping keep ignore marks: drop them at close so
 * that the next open is seen; the cache's stamp then tells whether the
 * content changed.
 */
void process_close_write(int fd)
{
	fan_ignore_remove(fd, FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM);
}

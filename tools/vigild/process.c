/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One permission event, decided as the kernel's process_measurement():
 * ask the policy, look at the inode's cached state, then measure (the
 * entry is in the list and the PCRs before the open goes on), appraise,
 * audit, and answer.  In enforce mode a failed appraisal and any internal
 * error deny; in the other modes they are recorded and allowed.
 */
#include <errno.h>
#include <signal.h>
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
	/* A writer breaking a lease of violations_open_for_write() would send one. */
	signal(SIGIO, SIG_IGN);
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

/*
 * May the kernel stop asking about this inode's event?  Only when the
 * decision would not change, and for events that also stand for a
 * mapping (the loader's opens, data accesses before an exec mapping)
 * only when MMAP_CHECK is settled for the file too.
 */
static bool may_ignore(const struct work *w, bool mmap_settled)
{
	return cacheable(w) && mmap_settled;
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

	w->pcr = w->res.pcr >= 0 ? w->res.pcr : (int)mlog_pcr();
	w->require_sig = w->res.opts & VIGIL_OPT_SIG_REQUIRED;
	w->need_measure = (actions & VIGIL_POLICY_MEASURE) && !(e->measured_pcrs & (1u << w->pcr));
	w->need_appraise = (actions & VIGIL_POLICY_APPRAISE) &&
			   !(e->appraised[f].done && e->appraised[f].require_sig == w->require_sig &&
			     e->appraised[f].generation == w->r->generation);
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
	c->generation = w->r->generation;
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

/*
 * Adds the ignore mark for a decision made with w->r.  A reload flushes
 * every ignore mark after installing new rules, so one added with the old
 * rules after that flush is taken back here.
 */
static void ignore_unless_stale(struct work *w, uint64_t mask)
{
	if (fan_ignore_add(w->ev.fd, mask) && rules_generation() != w->r->generation)
		fan_ignore_remove(w->ev.fd, mask);
}

/*
 * Adds the ignore mark; takes it back if the file changed (data, owner,
 * xattrs: ctime) since the decision looked at it.
 */
static void ignore_if_unchanged(struct work *w, uint64_t mask, const struct vigild_stamp *seen)
{
	struct stat now;
	struct vigild_stamp cur;

	ignore_unless_stale(w, mask);
	if (fstat(w->ev.fd, &now) == 0) {
		cur = stamp_of(&now);
		if (same_stamp(&cur, seen))
			return;
		vlog(VLOG_DEBUG, "vigild: %s changed while it was decided: not cached",
		     w->ev.path);
	}
	fan_ignore_remove(w->ev.fd, mask);
}

/* The same, for a decision made on the event's first look at the file. */
static void ignore_if_unchanged_since_event(struct work *w, uint64_t mask)
{
	struct vigild_stamp seen = stamp_of(&w->ev.st);

	ignore_if_unchanged(w, mask, &seen);
}

static bool writing(const struct vigild_event *ev)
{
	return ev->mask & (VIGIL_MAY_WRITE | VIGIL_MAY_APPEND);
}

/* The kernel looks for violations on FILE_CHECK and MMAP_CHECK when any rule measures. */
static bool violation_check(const struct work *w)
{
	const unsigned *a = w->r->actions;

	return (w->ev.vfunc == VFUNC_FILE || w->ev.vfunc == VFUNC_MMAP) &&
	       ((a[VFUNC_BPRM] | a[VFUNC_FILE] | a[VFUNC_MMAP]) & VIGIL_POLICY_MEASURE);
}

/* Records a violation entry; false when the list could not take it. */
static bool violation(struct work *w, const char *cause)
{
	struct vigil_error err = { 0 };

	vlog(VLOG_WARN, "vigild: ima: invalid_pcr: %s cause=%s func=%s pid=%d comm=%s", w->ev.path,
	     cause, vigil_policy_func_name(w->ev.func), (int)w->ev.tid, hooks_comm(&w->ev));
	if (measure_violation(w->ev.path, S.template_name, S.hash_algo, &err) == VIGIL_OK)
		return true;
	internal_error(w, &err);
	return false;
}

/* ToMToU: a file measured for reading, open for reading now, is opened for writing. */
static bool check_tomtou(struct work *w)
{
	if (!violation_check(w) || !writing(&w->ev) ||
	    !cache_must_measure(w->ev.st.st_dev, w->ev.st.st_ino) ||
	    !violations_has_readers(w->ev.st.st_dev, w->ev.st.st_ino))
		return true;
	return violation(w, "ToMToU");
}

/* open_writers: a file to be measured for reading is open for writing elsewhere. */
static bool check_open_writers(struct work *w)
{
	if (!violation_check(w) || writing(&w->ev) || !(w->res.actions & VIGIL_POLICY_MEASURE))
		return true;
	w->e->must_measure = true;
	if (!violations_open_for_write(w->ev.fd))
		return true;
	return violation(w, "open_writers");
}

/*
 * A file measured at FILE_CHECK must keep reaching vigild on every open:
 * an ignore mark would hide the opens for writing (ToMToU) and for
 * reading (open_writers) that the kernel records as violations.
 */
static bool opens_needed_for_violations(const struct work *w)
{
	return violation_check(w) && w->ev.vfunc == VFUNC_FILE &&
	       (w->res.actions & VIGIL_POLICY_MEASURE);
}

static bool decide_cached(struct work *w, bool mmap_settled)
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
	if (!check_open_writers(w)) {
		cache_release(w->e, &st);
		return S.mode != MODE_ENFORCE;
	}
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
	if (ok && !denied && may_ignore(w, mmap_settled) && !opens_needed_for_violations(w))
		ignore_if_unchanged(w, w->ev.fan_mask, &st);
	cache_release(w->e, &st);
	if (!ok) {
		internal_error(w, &err);
		return S.mode != MODE_ENFORCE;
	}
	if (w->app_fresh && w->app.code != VIGIL_OK)
		log_failure(w, denied);
	return !denied;
}

static void match(struct work *w)
{
	const unsigned want = VIGIL_POLICY_MEASURE | VIGIL_POLICY_APPRAISE | VIGIL_POLICY_AUDIT;
	struct vigil_policy_access a;

	hooks_access(&w->ev, w->r, &a);
	vigil_policy_match(w->r->policy, &a, want, &w->res);
	if (S.mode == MODE_OFF)
		w->res.actions &= ~VIGIL_POLICY_APPRAISE;
}

static void as_exec_mapping(struct vigild_event *ev)
{
	ev->func = VIGIL_FUNC_MMAP_CHECK;
	ev->vfunc = VFUNC_MMAP;
	ev->mask = VIGIL_MAY_EXEC;
}

/* Would an exec mapping of this file need anything?  Subject-dependent rules: maybe. */
static bool mmap_has_work(struct work *w)
{
	static const int funcs[] = { VIGIL_FUNC_MMAP_CHECK_REQPROT, VIGIL_FUNC_MMAP_CHECK };
	struct vigild_event saved = w->ev;
	struct vigil_policy_result res = w->res;
	bool work = false;

	if (w->r->needs_subject[VFUNC_MMAP])
		return true;
	as_exec_mapping(&w->ev);
	for (size_t i = 0; i < 2 && !work; i++) {
		w->ev.func = funcs[i];
		match(w);
		work = w->res.actions != 0;
	}
	w->ev = saved;
	w->res = res;
	return work;
}

/* Between two decisions on one event: nothing of the first carries over. */
static void reset_decision(struct work *w)
{
	memset(&w->res, 0, sizeof(w->res));
	memset(&w->app, 0, sizeof(w->app));
	w->app_fresh = false;
}

/* A read or a non-exec mapping: the kernel calls no IMA hook for it. */
static bool decide_data_access(struct work *w)
{
	if (!mmap_has_work(w))
		ignore_if_unchanged_since_event(w, FAN_PRE_ACCESS);
	return true;
}

static bool decide_one(struct work *w, bool mmap_settled);

/*
 * The kernel checks a user's exec mapping twice: MMAP_CHECK_REQPROT with
 * the requested protection, then MMAP_CHECK with the one applied.
 */
static bool decide_func(struct work *w, bool mmap_settled)
{
	if (w->ev.vfunc != VFUNC_MMAP)
		return decide_one(w, mmap_settled);
	w->ev.func = VIGIL_FUNC_MMAP_CHECK_REQPROT;
	if (!decide_one(w, false))
		return false;
	reset_decision(w);
	w->ev.func = VIGIL_FUNC_MMAP_CHECK;
	return decide_one(w, mmap_settled);
}

/* One func's decision on the event; ignore marks only when allowed. */
static bool decide_one(struct work *w, bool mmap_settled)
{
	match(w);
	if (!(w->res.actions & (VIGIL_POLICY_MEASURE | VIGIL_POLICY_APPRAISE | VIGIL_POLICY_AUDIT))) {
		/* Nothing to do for this file: let the kernel stop asking. */
		if (may_ignore(w, mmap_settled))
			ignore_if_unchanged_since_event(w, w->ev.fan_mask);
		return true;
	}
	return decide_cached(w, mmap_settled);
}

/*
 * The loader opening a shared object: FILE_CHECK for the open, then
 * MMAP_CHECK for the mapping to come.  The ignore mark, added after the
 * second, also skips later FILE_CHECKs: only when the first was cacheable.
 */
static bool decide_loader_open(struct work *w)
{
	bool file_cacheable = cacheable(w);

	if (!decide_func(w, false))
		return false;
	as_exec_mapping(&w->ev);
	reset_decision(w);
	return decide_func(w, file_cacheable);
}

static bool decide(struct work *w, uint64_t fan_mask)
{
	struct vigil_error err = { 0 };

	if (hooks_classify(&w->ev, fan_mask, w->r, &err) != VIGIL_OK) {
		internal_error(w, &err);
		return S.mode != MODE_ENFORCE;
	}
	if (!S_ISREG(w->ev.st.st_mode))
		return true;
	if (w->ev.data_access)
		return decide_data_access(w);
	if (!check_tomtou(w) && S.mode == MODE_ENFORCE)
		return false;
	if (w->ev.loader_map)
		return decide_loader_open(w);
	/* On a loader-fallback mark, an ignored open would hide the loader's later opens. */
	if (w->ev.func == VIGIL_FUNC_FILE_CHECK && w->ev.fs->mmap_via == MMAP_VIA_LOADER)
		return decide_func(w, !mmap_has_work(w));
	return decide_func(w, true);
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
	fan_ignore_remove(fd, VIGILD_PERM_EVENTS);
}

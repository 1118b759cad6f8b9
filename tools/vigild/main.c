/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigild: start-up, the threads, signals, shutdown.
 *
 * Start-up order matters (runtime.md): everything vigild will ever open
 * (config, policy, keys, OpenSSL's digests, the measurement list, the
 * metrics file) is opened or loaded before the first mark, and every
 * thread has registered its id, so that no open of vigild's own can wait
 * for vigild.  The main thread then only reads events; work that opens
 * files later (SIGHUP reload, metrics) runs on the housekeeping thread.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vigild.h"

#define EXIT_RUNTIME 1
#define EXIT_CONFIG 2

struct options {
	const char *config;
	bool config_given;
	bool check, status, reset_log, i_know, verbose;
	int mode;             /* -1: from the config */
	char *marks[VIGILD_MAX_MARKS];
	unsigned nmarks;
};

static struct vigild_config cfg;
static atomic_bool stopping;
static atomic_bool reload_wanted;
static int signal_fd = -1;
static pthread_t housekeeper;
static pthread_mutex_t hk_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hk_wake = PTHREAD_COND_INITIALIZER;
static bool hk_ready;
static bool watching_opens; /* the marks include FAN_OPEN_PERM */
static bool watching_maps;  /* MMAP_CHECK was asked for at start */

/* Do the events asked for at start reach every func the rules act on? */
static bool events_cover(const struct vigild_rules *r)
{
	return (!(r->actions[VFUNC_FILE] || r->actions[VFUNC_MMAP]) || watching_opens) &&
	       (!r->actions[VFUNC_MMAP] || watching_maps);
}
static bool config_existed; /* start-up read a config file */

static void usage(FILE *f)
{
	fputs("Usage: vigild [OPTION]...\n"
	      "IMA measurement and appraisal of execs and opens on marked mounts, through\n"
	      "fanotify permission events.\n\n"
	      "  -c, --config FILE  configuration (default " VIGILD_DEFAULT_CONFIG ")\n"
	      "  -m, --mode MODE    enforce, log, fix or off (overrides the config)\n"
	      "      --mark PATH    watch this mount point too (repeatable)\n"
	      "      --check        load everything, print what would be enforced, exit\n"
	      "      --status       print the measurement list state of run_dir, exit\n"
	      "      --reset-log    keep a list that fails its check aside and start anew\n"
	      "      --i-know       allow marking the root filesystem (dangerous)\n"
	      "  -v, --verbose      debug messages\n"
	      "  -h, --help         this help\n"
	      "  -V, --version      version\n\n"
	      "See vigild(8).\n", f);
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { O_MARK = 256, O_CHECK, O_STATUS, O_RESET, O_IKNOW };
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' }, { "mode", required_argument, NULL, 'm' },
		{ "mark", required_argument, NULL, O_MARK }, { "check", no_argument, NULL, O_CHECK },
		{ "status", no_argument, NULL, O_STATUS }, { "reset-log", no_argument, NULL, O_RESET },
		{ "i-know", no_argument, NULL, O_IKNOW }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = VIGILD_DEFAULT_CONFIG;
	o->mode = -1;
	while ((c = getopt_long(argc, argv, "c:m:vhV", longs, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; o->config_given = true; break;
		case 'm':
			if ((o->mode = mode_by_name(optarg)) < 0) {
				fprintf(stderr, "vigild: --mode: '%s' is not enforce, log, fix or off\n",
					optarg);
				return -1;
			}
			break;
		case O_MARK:
			if (o->nmarks == VIGILD_MAX_MARKS)
				return -1;
			o->marks[o->nmarks++] = optarg;
			break;
		case O_CHECK: o->check = true; break;
		case O_STATUS: o->status = true; break;
		case O_RESET: o->reset_log = true; break;
		case O_IKNOW: o->i_know = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': puts("vigild 0.1.0"); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vigild: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int load_config(const struct options *o, struct vigil_error *err)
{
	int rc;

	config_defaults(&cfg);
	config_existed = access(o->config, F_OK) == 0;
	if ((rc = config_load(&cfg, o->config, !o->config_given, err)) != VIGIL_OK)
		return rc;
	if (o->mode >= 0)
		cfg.mode = o->mode;
	for (unsigned i = 0; i < o->nmarks && cfg.nmarks < VIGILD_MAX_MARKS; i++)
		if (!(cfg.marks[cfg.nmarks++] = strdup(o->marks[i])))
			return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	return VIGIL_OK;
}

/* Fetches every digest OpenSSL has now: no provider loads after the marks. */
static void warm_up_openssl(void)
{
	struct vigil_digest d;

	for (int id = 0; id < VIGIL_HASH_ALGO_COUNT; id++)
		if (vigil_hash_available(id))
			vigil_hash_buf(id, "", 0, &d, NULL);
}

/* ------------------------------------------------------------ the report */

static void actions_text(unsigned actions, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", actions & VIGIL_POLICY_MEASURE ? "measure " : "",
		 actions & VIGIL_POLICY_APPRAISE ? "appraise " : "",
		 actions & VIGIL_POLICY_AUDIT ? "audit " : "");
	if (!*out)
		snprintf(out, cap, "nothing ");
	out[strlen(out) - 1] = '\0';
}

static void report_marks(void)
{
	for (unsigned i = 0; i < fan_nfs(); i++) {
		const struct vigild_fsinfo *fs = fan_fs_at(i);

		vlog(VLOG_INFO, "vigild: mark %s (%s, fsmagic 0x%llx, %s mark)", fs->mount,
		     fs->fsname, (unsigned long long)fs->fsmagic,
		     cfg.mark_type == MARK_FILESYSTEM ? "filesystem" : "mount");
	}
}

static void report_unobservable(const struct vigild_rules *r)
{
	char names[512] = "";
	size_t n = 0;

	for (int f = 1; f < VIGIL_FUNC_COUNT && n < sizeof(names); f++)
		if (r->unobservable & (1u << f))
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
					      vigil_policy_func_name(f));
	if (n)
		vlog(VLOG_WARN, "vigild: not observable through fanotify, their rules have no "
		     "effect: %s", names);
}

static void report(const struct vigild_rules *r)
{
	char acts[64];

	vlog(VLOG_INFO, "vigild: mode %s; policy %s (%zu rules); %zu IMA keys; EVM %s; "
	     "template %s; hash %s; %u PCR banks", mode_name(cfg.mode),
	     cfg.policy ? cfg.policy : cfg.policy_builtin ? cfg.policy_builtin : "default (tcb + "
	     "exec appraisal)", vigil_policy_count(r->policy),
	     r->keys ? vigil_keyset_count(r->keys) : 0,
	     !r->evm ? "off" : r->evm_hmac_len ? "hmac key + certificates" : "certificates",
	     cfg.template_name, vigil_hash_by_id(cfg.hash_algo)->name, cfg.nbanks);
	report_marks();
	actions_text(r->actions[VFUNC_BPRM], acts, sizeof(acts));
	vlog(VLOG_INFO, "vigild: BPRM_CHECK via FAN_OPEN_EXEC_PERM on the marks: %s", acts);
	actions_text(r->actions[VFUNC_FILE], acts, sizeof(acts));
	vlog(VLOG_INFO, "vigild: FILE_CHECK via FAN_OPEN_PERM on the marks: %s", acts);
	actions_text(r->actions[VFUNC_MMAP], acts, sizeof(acts));
	vlog(VLOG_INFO, "vigild: MMAP_CHECK on the marks: %s (how, per mark, once marked)", acts);
	report_unobservable(r);
	vlog(VLOG_INFO, "vigild: never seen by fanotify: 'ld.so /path/prog' (an open, not an "
	     "exec), memfd_create + fexecve, mprotect(PROT_EXEC); if vigild dies, every open "
	     "is allowed (fail-open)");
}

static void print_lint(const struct vigild_rules *r)
{
	struct vigil_policy_diags d = { 0 };
	char line[512];

	if (vigil_policy_lint(r->policy, VIGIL_POLICY_FUNCS_FANOTIFY, &d, NULL) != VIGIL_OK)
		return;
	for (size_t i = 0; i < d.count; i++) {
		vigil_policy_diag_format(&d, i, line, sizeof(line));
		vlog(VLOG_INFO, "vigild: policy: %s", line);
	}
	vigil_policy_diags_free(&d);
}

/* ------------------------------------------------------- housekeeping */

static void reload(void)
{
	struct vigild_config fresh;
	struct vigild_rules *r = NULL;
	struct vigil_error err = { 0 };
	int rc;

	notify_send("RELOADING=1");
	config_defaults(&fresh);
	/* A config that vanished is an error, unless there never was one. */
	rc = config_load(&fresh, cfg.file, !config_existed, &err);
	if (rc == VIGIL_OK)
		rc = rules_load(&fresh, &r, &err);
	if (rc != VIGIL_OK) {
		vlog(VLOG_ERR, "vigild: reload failed, keeping the current policy and keys: %s",
		     err.msg);
	} else if (!events_cover(r)) {
		/* Installing it would pretend to enforce rules no event reaches. */
		vlog(VLOG_ERR, "vigild: reload refused, keeping the current policy and keys: the "
		     "new policy has %s rules, whose events vigild did not ask for at start; "
		     "restart vigild", r->actions[VFUNC_MMAP] && !watching_maps ? "MMAP_CHECK"
		     : "FILE_CHECK");
		rules_put(r);
	} else {
		rules_install(r);
		cache_forget_appraisals();
		fan_ignore_flush();
		vlog(VLOG_INFO, "vigild: reloaded policy (%zu rules) and keys",
		     vigil_policy_count(r->policy));
	}
	config_free(&fresh);
	notify_send("READY=1");
}

/*
 * WATCHDOG=1 means more than "the housekeeper runs": it is withheld while
 * events wait in the queue and none has been decided for half the
 * watchdog interval (the workers are stuck), so that systemd restarts
 * vigild.  A moment of fail-open beats every open on the marked
 * filesystems hanging for good.
 */
static bool deciding(uint64_t watchdog_usec)
{
	static uint64_t last_events;
	static int64_t progress_usec;
	static bool stalled;
	struct timespec ts;
	unsigned depth, cap, workers;
	uint64_t events = metrics_get(M_EVENTS);
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	workers_stats(&depth, &cap, &workers);
	if (depth == 0 || events != last_events || !progress_usec) {
		if (stalled)
			vlog(VLOG_INFO, "vigild: events are decided again: feeding the watchdog");
		stalled = false;
		last_events = events;
		progress_usec = now;
		return true;
	}
	if (now - progress_usec < (int64_t)(watchdog_usec / 2))
		return true;
	if (!stalled)
		vlog(VLOG_ERR, "vigild: %u events wait and none was decided for %lld ms: "
		     "withholding the watchdog (systemd restarts vigild)", depth,
		     (long long)(now - progress_usec) / 1000);
	stalled = true;
	return false;
}

static void *housekeeping(void *arg)
{
	uint64_t watchdog = notify_watchdog_usec();
	struct timespec until;

	(void)arg;
	fan_register_self(gettid());
	pthread_mutex_lock(&hk_lock);
	hk_ready = true;
	pthread_cond_broadcast(&hk_wake);
	while (!atomic_load(&stopping)) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&hk_wake, &hk_lock, &until);
		pthread_mutex_unlock(&hk_lock);
		if (atomic_exchange(&reload_wanted, false))
			reload();
		metrics_flush(false);
		if (watchdog && deciding(watchdog))
			notify_send("WATCHDOG=1");
		pthread_mutex_lock(&hk_lock);
	}
	pthread_mutex_unlock(&hk_lock);
	return NULL;
}

static void wake_housekeeper(void)
{
	pthread_mutex_lock(&hk_lock);
	pthread_cond_signal(&hk_wake);
	pthread_mutex_unlock(&hk_lock);
}

/* Runs on the reader: only flags; the work happens elsewhere. */
static int on_signal(void)
{
	struct signalfd_siginfo si;

	if (read(signal_fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		atomic_store(&reload_wanted, true);
		wake_housekeeper();
		return 0;
	}
	vlog(VLOG_INFO, "vigild: signal %u: stopping", si.ssi_signo);
	return 1;
}

static int block_signals(struct vigil_error *err)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked before any thread starts, so every thread inherits the mask. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return vd_fail(err, VIGIL_ERR_IO, "cannot block signals");
	signal(SIGPIPE, SIG_IGN);
	signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (signal_fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "signalfd");
	return VIGIL_OK;
}

/* ------------------------------------------------------------- start-up */

static int record_boot_aggregate(struct vigil_error *err)
{
	/* From the TPM's PCRs 0-7/0-9; without a TPM, zeros (as the kernel). */
	struct vigil_digest boot;
	struct vigild_file_facts f = { .fd = -1, .path = "boot_aggregate", .digest = &boot };
	int rc = tpm_boot_aggregate(cfg.hash_algo, cfg.template_name, &boot, err);

	return rc ? rc : measure_file(&f, cfg.template_name, (int)mlog_pcr(), err);
}

static int open_state(const struct options *o, struct vigil_error *err)
{
	struct vigild_mlog_opts mo = {
		.run_dir = cfg.run_dir, .banks = cfg.banks, .nbanks = cfg.nbanks,
		.reset = o->reset_log, .pcr = cfg.tpm_pcr,
	};
	struct vigild_tpm_opts to = { .tcti = cfg.tpm_tcti, .pcr = cfg.tpm_pcr };
	char metrics[PATH_MAX];
	int rc;

	if (mkdir(cfg.state_dir, 0755) != 0 && errno != EEXIST)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot create state_dir %s", cfg.state_dir);
	snprintf(metrics, sizeof(metrics), "%s/vigild.prom", cfg.state_dir);
	if ((rc = metrics_init(cfg.metrics ? cfg.metrics : metrics, err)) != VIGIL_OK)
		return rc;
	if ((rc = tpm_open(&to, err)) != VIGIL_OK)
		return rc;
	rc = mlog_open(&mo, err);
	if (rc == 1)
		rc = record_boot_aggregate(err);
	if (rc == VIGIL_OK)
		vlog(VLOG_INFO, "vigild: measurement list %s/binary_runtime_measurements: %llu "
		     "entries", cfg.run_dir, (unsigned long long)mlog_count());
	metrics_set(M_MEASUREMENTS, mlog_count());
	return rc;
}

static int start_threads(struct vigil_error *err)
{
	int rc;

	fan_register_self(gettid());
	if ((rc = vlog_async_start(err)) != VIGIL_OK ||
	    (rc = workers_start(cfg.workers, cfg.queue_size, err)) != VIGIL_OK)
		return rc;
	if ((rc = pthread_create(&housekeeper, NULL, housekeeping, NULL)) != 0) {
		errno = rc;
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot start the housekeeping thread");
	}
	/* The housekeeper registers itself; wait until it has. */
	pthread_mutex_lock(&hk_lock);
	while (!hk_ready)
		pthread_cond_wait(&hk_wake, &hk_lock);
	pthread_mutex_unlock(&hk_lock);
	return VIGIL_OK;
}

/* Without it vigild still works, but relabelled files with cached decisions go unnoticed. */
static void start_attrib(void)
{
	struct vigil_error err = { 0 };

	if (attrib_init(&err) == VIGIL_OK && fan_raise_fd_above(attrib_fd(), &err) == VIGIL_OK &&
	    attrib_add_marks(&err) == VIGIL_OK)
		return;
	vlog(VLOG_WARN, "vigild: %s: changes of security.ima on files whose decision is "
	     "cached are not noticed", err.msg);
	attrib_close();
}

/* Descriptors vigild needs besides one per queued event (state, metrics, workers' opens). */
#define FD_RESERVE 256

/*
 * Every queued event holds a descriptor.  Running out makes the kernel
 * deny events it cannot hand over: take the hard limit and keep the queue
 * below it.
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)cfg.queue_size + FD_RESERVE > rl.rlim_cur) {
		unsigned q = rl.rlim_cur > FD_RESERVE + 16 ? (unsigned)(rl.rlim_cur - FD_RESERVE) : 16;

		vlog(VLOG_WARN, "vigild: queue_size %u does not fit the descriptor limit %llu "
		     "(RLIMIT_NOFILE, less %d in reserve): using %u; raise LimitNOFILE",
		     cfg.queue_size, (unsigned long long)rl.rlim_cur, FD_RESERVE, q);
		cfg.queue_size = q;
	}
}

/*
 * The control socket and the HTTP endpoint exist before the marks; their
 * threads answer from memory only.  Neither is worth not enforcing: a
 * port in use or a bad socket path costs a warning, not the start (which
 * systemd would retry forever, with nothing enforced meanwhile).
 */
static void start_servers(void)
{
	struct vigil_error err = { 0 };

	if (control_start(&cfg, &err) != VIGIL_OK)
		vlog(VLOG_WARN, "vigild: %s: going on without it ('vigil status' cannot ask)",
		     err.msg);
	if (http_start(cfg.metrics_listen, &err) != VIGIL_OK)
		vlog(VLOG_WARN, "vigild: %s: going on without the HTTP endpoint (the textfile "
		     "is still written)", err.msg);
}

static int start(const struct options *o, struct vigil_error *err)
{
	struct vigild_settings s = { cfg.mode, cfg.hash_algo, cfg.template_name, cfg.audit };
	struct vigild_rules *r = rules_get();
	struct vigild_fan_opts fo = {
		.marks = cfg.marks, .nmarks = cfg.nmarks, .mark_type = cfg.mark_type,
		.i_know = o->i_know, .audit = cfg.audit, .unlimited_queue = cfg.unlimited_queue,
		.want_open_perm = r->actions[VFUNC_FILE] || r->actions[VFUNC_MMAP],
		.want_mmap = r->actions[VFUNC_MMAP] != 0,
	};
	int rc;

	rules_put(r);
	watching_opens = fo.want_open_perm;
	watching_maps = fo.want_mmap;
	raise_nofile();
	/* Two daemons must not write one measurement list: refuse before touching it. */
	if ((rc = control_probe(&cfg, err)) != VIGIL_OK)
		return rc;
	if ((rc = open_state(o, err)) != VIGIL_OK || (rc = cache_init(cfg.cache_size, err)) != 0 ||
	    (rc = block_signals(err)) != VIGIL_OK || (rc = fan_init(&fo, err)) != VIGIL_OK)
		return rc;
	process_init(&s);
	if (cfg.audit && !fan_audit_enabled())
		vlog(VLOG_INFO, "vigild: the kernel refused FAN_ENABLE_AUDIT: no audit records");
	fan_set_fail_closed(cfg.mode == MODE_ENFORCE);
	start_attrib();
	if ((rc = start_threads(err)) != VIGIL_OK)
		return rc;
	start_servers();
	return fan_add_marks(err);
}

static void *join_workers(void *arg)
{
	uint64_t one = 1;

	workers_stop();
	if (write(*(int *)arg, &one, sizeof(one)) != sizeof(one))
		vlog(VLOG_ERR, "vigild: cannot wake the reader: %s", strerror(errno));
	return NULL;
}

/*
 * Queued events are decided and answered before the group goes, and the
 * reader keeps answering meanwhile: a worker opening a file on the marked
 * filesystem waits for an answer that only the reader can give.
 */
static void drain_workers(void)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	pthread_t joiner;

	if (efd < 0 || pthread_create(&joiner, NULL, join_workers, &efd) != 0) {
		vlog(VLOG_WARN, "vigild: stopping the workers without a reader");
		workers_stop();
	} else {
		fan_drain(efd);
		pthread_join(joiner, NULL);
	}
	if (efd >= 0)
		close(efd);
}

static void stop(void)
{
	notify_send("STOPPING=1");
	atomic_store(&stopping, true);
	drain_workers();
	fan_close();
	attrib_close();
	wake_housekeeper();
	pthread_join(housekeeper, NULL);
	control_stop();
	http_stop();
	metrics_flush(true);
	mlog_close();
	tpm_close();
	cache_free();
	metrics_free();
	rules_install(NULL);
	vlog_async_stop();
}

/* Where vigild reads or writes after the marks are on must not be marked. */
static int check_own_file(const char *what, const char *path, struct vigil_error *err)
{
	char parent[PATH_MAX];
	struct stat st;
	char *slash;

	if (!path || !*path)
		return VIGIL_OK;
	if (stat(path, &st) != 0) {
		/* Not there yet (state_dir, metrics): its directory decides. */
		snprintf(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		if (!slash)
			snprintf(parent, sizeof(parent), ".");
		else if (slash == parent)
			parent[1] = '\0';
		else
			*slash = '\0';
		if (stat(parent, &st) != 0)
			return VIGIL_OK;
	}
	if (fan_fsinfo(st.st_dev))
		return vd_fail(err, VIGIL_ERR_INVALID, "%s %s is on the marked filesystem %s: vigild "
			       "would wait for itself; move it off the marked filesystems", what,
			       path, fan_fsinfo(st.st_dev)->mount);
	return VIGIL_OK;
}

static int check_own_files(struct vigil_error *err)
{
	const char *lists[][2] = { { "key file", cfg.keys }, { "EVM key file", cfg.evm_keys } };
	char control[PATH_MAX];
	int rc;

	if ((rc = check_own_file("config", cfg.file, err)) != VIGIL_OK ||
	    (rc = check_own_file("policy", cfg.policy, err)) != VIGIL_OK ||
	    (rc = check_own_file("EVM HMAC key", cfg.evm_hmac_key, err)) != VIGIL_OK ||
	    (rc = check_own_file("run_dir", cfg.run_dir, err)) != VIGIL_OK ||
	    (rc = check_own_file("state_dir", cfg.state_dir, err)) != VIGIL_OK ||
	    (rc = check_own_file("metrics file", cfg.metrics, err)) != VIGIL_OK ||
	    (rc = check_own_file("control socket", control_path(&cfg, control, sizeof(control)),
				 err)) != VIGIL_OK)
		return rc;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char buf[PATH_MAX * 4], *save = NULL;

		if (!lists[i][1])
			continue;
		snprintf(buf, sizeof(buf), "%s", lists[i][1]);
		for (char *k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
			while (*k == ' ')
				k++;
			if ((rc = check_own_file(lists[i][0], k, err)) != VIGIL_OK)
				return rc;
		}
	}
	return VIGIL_OK;
}

static int prepare(const struct options *o, struct vigil_error *err)
{
	struct vigild_rules *r = NULL;
	struct vigild_fan_opts fo = {
		.marks = cfg.marks, .nmarks = cfg.nmarks, .mark_type = cfg.mark_type,
		.i_know = o->i_know,
	};
	int rc;

	if (cfg.mode == MODE_ENFORCE && !cfg.unlimited_queue)
		return vd_fail(err, VIGIL_ERR_INVALID, "%s: 'unlimited_queue = no' in enforce mode: "
			       "permission events lost to a queue overflow are allowed by the "
			       "kernel (fail-open); remove it or use another mode", cfg.file);
	if (cfg.mode == MODE_ENFORCE && cfg.mark_type == MARK_MOUNT)
		vlog(VLOG_WARN, "vigild: 'mark_type = mount' in enforce mode: an unprivileged "
		     "'unshare -Urm' copies the mounts without their marks and bypasses "
		     "appraisal; use the default 'mark_type = filesystem'");
	warm_up_openssl();
	if ((rc = rules_load(&cfg, &r, err)) != VIGIL_OK)
		return rc;
	rules_install(r);
	if ((rc = fan_check_targets(&fo, err)) != VIGIL_OK ||
	    (rc = check_own_files(err)) != VIGIL_OK)
		return rc;
	report(r);
	if (o->check || o->verbose)
		print_lint(r);
	return VIGIL_OK;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct vigil_error err = { 0 };
	int rc = 0;

	if (parse_args(argc, argv, &o) != 0)
		return EXIT_CONFIG;
	vlog_set_level(o.verbose ? VLOG_DEBUG : VLOG_INFO);
	if (load_config(&o, &err) != VIGIL_OK) {
		vlog(VLOG_ERR, "vigild: %s", err.msg);
		return EXIT_CONFIG;
	}
	if (o.status)
		rc = mlog_status(cfg.run_dir, &err) == VIGIL_OK ? 0 : EXIT_RUNTIME;
	else if (prepare(&o, &err) != VIGIL_OK)
		rc = EXIT_CONFIG;
	else if (!o.check && start(&o, &err) != VIGIL_OK)
		rc = EXIT_RUNTIME;
	if (rc) {
		vlog(VLOG_ERR, "vigild: %s", err.msg);
		config_free(&cfg);
		return rc;
	}
	if (!o.check && !o.status) {
		vlog(VLOG_INFO, "vigild: ready (pid %d)", (int)getpid());
		notify_send("READY=1");
		rc = fan_loop(signal_fd, on_signal, &stopping) == 0 ? 0 : EXIT_RUNTIME;
		stop();
	}
	config_free(&cfg);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigild: IMA measurement and appraisal from userspace, through the
 * kernel's fanotify permission events.  One concern per file, as the
 * kernel's security/integrity/ima/:
 *
 *   main.c      arguments, start-up, signals, shutdown
 *   config.c    the key = value configuration file
 *   rules.c     policy and keys as one reloadable, reference-counted set
 *   fanotify.c  the group, marks, ignore marks, the reader, responses
 *   attrib.c    attribute changes (FAN_ATTRIB) that ignore marks survive
 *   tpm.c       the TPM the list is extended into
 *   violations.c  open-writers and ToMToU, as the kernel finds them
 *   workers.c   bounded queue and worker threads
 *   hooks.c     event -> IMA func, mask, subject, filesystem facts
 *   process.c   per event: policy, cache, measure, appraise, verdict
 *   cache.c     per-inode state (the kernel's iint)
 *   measure.c   template data for a measured file
 *   mlog.c      the persisted measurement list and software PCRs
 *   appraise.c  security.ima / security.evm appraisal, fix mode
 *   metrics.c   Prometheus text exposition (textfile, HTTP)
 *   control.c   the control socket `vigil status` asks
 *   http.c      the HTTP /metrics endpoint
 *   notify.c    systemd's sd_notify datagram protocol
 *   log.c       messages to stderr
 */
#ifndef VIGILD_H
#define VIGILD_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <vigil/vigil.h>

#define VIGILD_DEFAULT_CONFIG "/etc/vigil/vigild.conf"
#define VIGILD_MAX_MARKS 32
#define VIGILD_MAX_THREADS 64
#define VIGILD_DEFAULT_PCR 10

/* ------------------------------------------------------------------ log.c */

enum vigild_log_level { VLOG_ERR, VLOG_WARN, VLOG_INFO, VLOG_DEBUG };

void vlog_set_level(int level);
bool vlog_enabled(int level);
void vlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* From here on lines go through a bounded ring and a logger thread (never blocking). */
int vlog_async_start(struct vigil_error *err);
void vlog_async_stop(void);
/* Fill err (when given) and return code, as libvigil's own errors. */
int vd_fail(struct vigil_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with ": strerror(errno)" appended. */
int vd_fail_errno(struct vigil_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --------------------------------------------------------------- config.c */

enum vigild_mode { MODE_OFF, MODE_LOG, MODE_FIX, MODE_ENFORCE };
enum vigild_mark_type { MARK_MOUNT, MARK_FILESYSTEM };

struct vigild_config {
	char *file;             /* where it was read from, for messages */
	char *policy;           /* policy = path */
	char *policy_builtin;   /* policy_builtin = tcb|appraise_tcb */
	char *keys;             /* IMA keys/certificates, comma-separated */
	char *evm_keys;         /* EVM signature keys */
	char *evm_hmac_key;     /* file holding the EVM HMAC key */
	int mode;               /* enum vigild_mode */
	char *marks[VIGILD_MAX_MARKS];
	unsigned nmarks;
	int mark_type;          /* enum vigild_mark_type */
	char *state_dir;
	char *run_dir;
	char *metrics;          /* Prometheus textfile; "" = none */
	int hash_algo;          /* default file hash (kernel ima_hash=) */
	char *template_name;    /* default template (kernel ima_template=) */
	int banks[VIGIL_MAX_BANKS];
	unsigned nbanks;
	unsigned workers;
	unsigned queue_size;
	unsigned cache_size;
	bool unlimited_queue;
	bool audit;             /* FAN_ENABLE_AUDIT / FAN_AUDIT */
	char *control_socket;   /* `vigil status` socket; NULL = run_dir/control, "" = off */
	char *metrics_listen;   /* HTTP /metrics address "host:port"; NULL = off */
	char *agent_listen;     /* attestation agent HTTP address "host:port"; NULL = off */
	char *tpm_tcti;         /* TCTI config ("device:/dev/tpmrm0", "swtpm:port=N"); NULL = no TPM */
	unsigned tpm_pcr;       /* PCR the measurements are extended into */
};

void config_defaults(struct vigild_config *c);
/* Reads path; a missing default file is not an error when optional is set. */
int config_load(struct vigild_config *c, const char *path, bool optional, struct vigil_error *err);
void config_free(struct vigild_config *c);
const char *mode_name(int mode);
int mode_by_name(const char *name);

/* ---------------------------------------------------------------- rules.c */

/* The funcs vigild can observe, with the event that carries them. */
enum { VFUNC_BPRM, VFUNC_FILE, VFUNC_MMAP, VFUNC_COUNT };

/*
 * Policy and keys, swapped as a whole on SIGHUP.  A worker holds a
 * reference for the duration of one event, so a reload never frees what
 * is in use.
 */
struct vigild_rules {
	atomic_int refs;
	struct vigil_policy *policy;
	struct vigil_keyset *keys;
	struct vigil_keyset *evm_keys;
	uint8_t evm_hmac[VIGIL_EVM_KEY_MAX];
	size_t evm_hmac_len;
	bool evm;                       /* an EVM key or certificate is configured */
	/* Per observable func: does a decision depend on the subject / the access mask? */
	bool needs_subject[VFUNC_COUNT];
	bool needs_mask[VFUNC_COUNT];
	/* VIGIL_POLICY_MEASURE|APPRAISE|AUDIT that rules can apply to this func. */
	unsigned actions[VFUNC_COUNT];
	/* Funcs with measure/appraise/audit rules that fanotify cannot observe (bits). */
	uint32_t unobservable;
	unsigned generation;            /* set by rules_install: which reload this is */
};

int rules_load(const struct vigild_config *c, struct vigild_rules **out, struct vigil_error *err);
struct vigild_rules *rules_get(void);      /* the current set, referenced */
void rules_put(struct vigild_rules *r);
void rules_install(struct vigild_rules *r); /* takes the caller's reference */
/* The installed set's generation: a decision made with an older one is stale. */
unsigned rules_generation(void);
int vfunc_of(int func);                     /* VIGIL_FUNC_* -> VFUNC_*, -1 */

/* -------------------------------------------------------------- metrics.c */

enum vigild_counter {
	M_MEASUREMENTS,      /* gauge: entries in the list */
	M_VIOLATIONS,
	M_PCR10_EXTENDS,
	M_OVERFLOWS,
	M_QUEUE_FULL,
	M_READ_ERRORS,
	M_INTERNAL_ERRORS,
	M_DENIED,
	M_EVENTS,
	M_COUNT,
};

int metrics_init(const char *path, struct vigil_error *err);
void metrics_inc(int counter);
void metrics_set(int counter, uint64_t value);
void metrics_appraisal_failure(const char *file, const char *reason);
void metrics_evm_failure(const char *file);
uint64_t metrics_get(int counter);
/* Sums over the labelled series. */
uint64_t metrics_appraisal_failures(void);
uint64_t metrics_evm_failures(void);
/* The whole Prometheus text exposition (textfile and HTTP share it). */
void metrics_render(FILE *fp);
/* Writes the textfile if anything changed since the last write. */
int metrics_flush(bool force);
void metrics_free(void);

/* ----------------------------------------------------------------- mlog.c */

struct vigild_mlog_opts {
	const char *run_dir;
	const int *banks;
	unsigned nbanks;
	int boot_algo;       /* algorithm of boot_aggregate's digest */
	const char *boot_template;
	bool reset;          /* --reset-log */
	unsigned pcr;        /* the measurement PCR (tpm_pcr): entries without pcr= */
};

/* With a TPM (tpm_open first), its banks join the software ones and must agree. */
int mlog_open(const struct vigild_mlog_opts *o, struct vigil_error *err);
/* Appends one record, extends every bank and the TPM, then commits the state file. */
int mlog_append(const struct vigil_mlist_record *rec, struct vigil_error *err);
uint64_t mlog_count(void);
unsigned mlog_pcr(void);   /* the measurement PCR */
void mlog_close(void);
/* Prints the state of a run directory (vigild --status). */
int mlog_status(const char *run_dir, struct vigil_error *err);

/* ------------------------------------------------------------------ tpm.c */

struct vigild_tpm_opts {
	const char *tcti;    /* TCTI config; "env": $TPM2TOOLS_TCTI, $TCTI; NULL: no TPM */
	unsigned pcr;        /* the measurement PCR: refused when it is 10 and the kernel runs IMA */
};

/* Connects and reads the active banks (before the marks); nothing without o->tcti. */
int tpm_open(const struct vigild_tpm_opts *o, struct vigil_error *err);
bool tpm_enabled(void);
/* The active banks (enum vigil_hash_algo). */
unsigned tpm_banks(int *algos, unsigned cap);
/* Extends pcr of every active bank with that bank's digest among digests[n]. */
int tpm_extend(unsigned pcr, const struct vigil_digest *digests, unsigned n,
	       struct vigil_error *err);
/* Reads the PCRs in mask of every active bank. */
int tpm_read(uint32_t mask, struct vigil_pcrs *out, struct vigil_error *err);
/* boot_aggregate for the template, as the kernel; zeros without a TPM. */
int tpm_boot_aggregate(int ima_hash_algo, const char *template_name, struct vigil_digest *out,
		       struct vigil_error *err);
/* Whether the kernel runs IMA of its own, for messages. */
const char *tpm_kernel_view(void);
void tpm_close(void);

/* ---------------------------------------------------------------- cache.c */

struct vigild_stamp {
	int64_t mtime_ns, ctime_ns;
	int64_t size;
};

struct vigild_appraised {
	bool done;
	unsigned generation;  /* of the rules (keys, policy) it was decided with */
	bool require_sig;
	int code;
	const char *cause;  /* static kernel words */
	bool evm_failed;
};

/* The kernel's integrity_iint_cache, reduced to what vigild decides on. */
struct vigild_iint {
	dev_t dev;
	ino_t ino;
	struct vigild_stamp stamp;
	uint32_t measured_pcrs;  /* PCRs this content was measured into */
	bool audited;
	bool must_measure;       /* opened for reading under a measure rule (IMA_MUST_MEASURE) */
	struct vigild_appraised appraised[VFUNC_COUNT];
	/* private to cache.c */
	bool busy;
	bool drop_appraisals;
	struct vigild_iint *hnext, *lru_prev, *lru_next;
};

int cache_init(unsigned max_entries, struct vigil_error *err);
/*
 * Returns the inode's entry, locked for the caller (other workers asking for
 * the same inode wait), reset when its stamp changed; NULL without memory.
 */
struct vigild_iint *cache_acquire(dev_t dev, ino_t ino, const struct vigild_stamp *st);
/* Stores st as the entry's stamp and unlocks it. */
void cache_release(struct vigild_iint *e, const struct vigild_stamp *st);
/* Was the inode ever opened for reading under a measure rule?  Never creates an entry. */
bool cache_must_measure(dev_t dev, ino_t ino);
/* Forgets every appraisal result (keys or policy changed). */
void cache_forget_appraisals(void);

struct vigild_cache_stats {
	size_t entries, capacity;
	uint64_t hits, misses; /* lookups that found the inode's content unchanged, or not */
};

void cache_stats(struct vigild_cache_stats *out);
void cache_free(void);

/* ------------------------------------------------------------- fanotify.c */

/* Pre-content events (Linux 6.14); older C library headers lack them. */
#ifndef FAN_CLASS_PRE_CONTENT
#define FAN_CLASS_PRE_CONTENT 0x00000008
#endif
#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS 0x00100000
#endif
#define VIGILD_PERM_EVENTS (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_PRE_ACCESS)

struct vigild_fan_opts {
	char *const *marks;
	unsigned nmarks;
	int mark_type;
	bool i_know;          /* allow marking the root filesystem */
	bool audit;
	bool unlimited_queue;
	bool want_open_perm;  /* FILE_CHECK (and shared objects) need FAN_OPEN_PERM */
	bool want_mmap;       /* MMAP_CHECK: FAN_PRE_ACCESS where it exists */
};

/* How MMAP_CHECK is observed on a marked filesystem. */
enum vigild_mmap_via {
	MMAP_VIA_NONE,        /* the policy has no MMAP_CHECK rules */
	MMAP_VIA_PRE_ACCESS,  /* FAN_PRE_ACCESS: mmap(PROT_EXEC) itself */
	MMAP_VIA_LOADER,      /* no pre-content events: the dynamic loader's opens */
};

/* The facts about a marked filesystem the policy matches on. */
struct vigild_fsinfo {
	dev_t dev;
	uint64_t fsmagic;
	uint8_t fsuuid[16];
	char fsname[64];
	char mount[PATH_MAX];
	int mmap_via;         /* enum vigild_mmap_via */
};

int fan_init(const struct vigild_fan_opts *o, struct vigil_error *err);
/* Checks the mark targets without marking anything (done before start-up work). */
int fan_check_targets(const struct vigild_fan_opts *o, struct vigil_error *err);
int fan_add_marks(struct vigil_error *err);
const char *fan_mmap_via_name(int via);
bool fan_watches_mmap(void);   /* the policy had MMAP_CHECK rules at start */
const struct vigild_fsinfo *fan_fsinfo(dev_t dev);
unsigned fan_nfs(void);
const struct vigild_fsinfo *fan_fs_at(unsigned i);
bool fan_audit_enabled(void);
/* The events asked for on every mark (what vigil status calls observed). */
uint64_t fan_event_mask(void);
/* Gives the permission group a descriptor above other's (see fanotify.c). */
int fan_raise_fd_above(int other, struct vigil_error *err);
/* Enforce mode: an event that cannot be decided (queue full) is denied. */
void fan_set_fail_closed(bool closed);
/* Registers a thread of vigild whose events are answered at once. */
void fan_register_self(pid_t tid);
/* A registered thread that exits: its id may be reused by anyone. */
void fan_unregister_self(pid_t tid);
/* Reads events until *stop; hands work to the queue. */
int fan_loop(int signal_fd, int (*on_signal)(void), atomic_bool *stop);
void fan_respond(int fd, bool allow, bool audit);
/* Ignore marks: the kernel clears them when the file's data changes. */
bool fan_ignore_add(int fd, uint64_t mask);
void fan_ignore_remove(int fd, uint64_t mask);
/* Both permission bits, for a file named by path (an O_PATH fd's /proc link). */
void fan_ignore_remove_path(const char *path);
void fan_ignore_flush(void);
/* After the loop: answer events without new work until wake_fd is readable. */
void fan_drain(int wake_fd);
void fan_close(void);

/* --------------------------------------------------------------- attrib.c */

int attrib_init(struct vigil_error *err);
int attrib_add_marks(struct vigil_error *err);
int attrib_fd(void);          /* -1 when not watching */
void attrib_read(void);       /* on the reader thread */
void attrib_close(void);

/* -------------------------------------------------------------- workers.c */

struct vigild_job {
	int fd;
	pid_t tid;
	uint64_t mask;
};

int workers_start(unsigned nworkers, unsigned queue_size, struct vigil_error *err);
/* Never blocks: false when the queue is full. */
bool workers_submit(const struct vigild_job *job);
/* Lets the workers drain the queue, then joins them. */
void workers_stop(void);
/* Jobs waiting now, the queue's size and the number of workers (for vigil status). */
void workers_stats(unsigned *depth, unsigned *capacity, unsigned *nworkers);

/* ---------------------------------------------------------------- hooks.c */

/* What one event asks, as the kernel's process_measurement() sees it. */
struct vigild_event {
	int fd;
	pid_t tid;
	int func;                 /* VIGIL_FUNC_* */
	int vfunc;                /* VFUNC_* */
	unsigned mask;            /* VIGIL_MAY_* */
	uint64_t fan_mask;        /* the fanotify event bit, for ignore marks */
	bool data_access;         /* FAN_PRE_ACCESS of a read or a mapping without PROT_EXEC */
	bool loader_map;          /* an open by the dynamic loader: FILE_CHECK, then MMAP_CHECK */
	bool created;             /* O_CREAT on an empty file: the kernel's IMA_NEW_FILE */
	struct stat st;
	const struct vigild_fsinfo *fs;
	struct vigild_fsinfo fs_local; /* a filesystem not among the marks (btrfs subvolume) */
	char path[PATH_MAX];
	char comm[32];
	uint32_t uid, euid, suid, gid, egid, sgid;
	bool cap_setuid, cap_setgid;
};

/* Fills func, mask and path from the event; subject only when needed. */
int hooks_classify(struct vigild_event *ev, uint64_t fan_mask, const struct vigild_rules *r,
		   struct vigil_error *err);
/* The opener's command name, for messages (read lazily: failures only). */
const char *hooks_comm(struct vigild_event *ev);
void hooks_access(const struct vigild_event *ev, const struct vigild_rules *r,
		  struct vigil_policy_access *a);

/* ------------------------------------------------------------- process.c */

struct vigild_settings {
	int mode;
	int hash_algo;
	const char *template_name;
	bool audit;
};

void process_init(const struct vigild_settings *s);
/* Decides one permission event and answers it. */
void process_event(const struct vigild_job *job);
/* FAN_CLOSE_WRITE: the content may have changed through a shared mapping. */
void process_close_write(int fd);

/* -------------------------------------------------------------- measure.c */

struct vigild_file_facts {
	int fd;
	const char *path;
	const struct stat *st;
	const struct vigil_digest *digest;  /* file digest, policy's algorithm */
	const uint8_t *ima;                 /* security.ima or NULL */
	size_t ima_len;
};

/* Builds the template data and appends the entry to the list. */
int measure_file(const struct vigild_file_facts *f, const char *template_name, int pcr,
		 struct vigil_error *err);

/* A violation entry: zero digests, the default template, PCR 10, extended with ones. */
int measure_violation(const char *path, const char *template_name, int hash_algo,
		      struct vigil_error *err);

/* ----------------------------------------------------------- violations.c */

/* Is the file open for writing anywhere (the kernel's inode_is_open_for_write)? */
bool violations_open_for_write(int fd);
/* Does a process other than vigild hold the inode open for reading? */
bool violations_has_readers(dev_t dev, ino_t ino);

/* ------------------------------------------------------------- appraise.c */

struct vigild_appraisal {
	int code;
	const char *cause;       /* kernel words, NULL on success */
	bool evm_failed;
	bool fixed;              /* fix mode wrote security.ima */
	struct vigil_digest digest; /* the file's digest when appraisal computed one */
	char detail[VIGIL_ERROR_MSG_MAX + 32];
};

int appraise_file(int fd, const uint8_t *ima, size_t ima_len, const struct vigild_rules *r,
		  bool require_sig, int mode, int hash_algo, struct vigild_appraisal *out);

/* -------------------------------------------------------------- control.c */

/* The socket's path (buf when derived from run_dir); NULL when switched off. */
const char *control_path(const struct vigild_config *c, char *buf, size_t cap);
/* Fails when a vigild answers on the socket already (before touching any state). */
int control_probe(const struct vigild_config *c, struct vigil_error *err);
/* Binds the socket and starts its thread; c must outlive control_stop(). */
int control_start(const struct vigild_config *c, struct vigil_error *err);
void control_stop(void);

/* ----------------------------------------------------------------- http.c */

struct sockaddr_storage;
/*
 * "HOST:PORT", "[IPV6]:PORT" or ":PORT"/"PORT" (127.0.0.1): numeric
 * addresses only.  0, or -1 with the reason in why.
 */
int http_parse_listen(const char *text, struct sockaddr_storage *ss, unsigned *len, char *why,
		      size_t cap);
/* Binds listen (NULL: off) and serves GET /metrics on its own thread. */
int http_start(const char *listen, struct vigil_error *err);
void http_stop(void);

/* --------------------------------------------------------------- notify.c */

void notify_send(const char *state);
/* Microseconds between WATCHDOG=1 pings, 0 when systemd wants none. */
uint64_t notify_watchdog_usec(void);

#endif

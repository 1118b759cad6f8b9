/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fanotify side: one FAN_CLASS_CONTENT group whose permission events
 * block the opening thread until vigild answers.  Rules this file keeps:
 *
 *  - the reader never blocks on anything but poll(): events of vigild's
 *    own threads are allowed on the spot (a worker reading a marked file
 *    must not wait for itself), the rest go to a bounded queue, and a full
 *    queue is answered at once (deny in enforce mode) rather than waited on;
 *  - marks go only on the configured mounts, which must be mount points,
 *    and never on the root filesystem unless the operator insisted;
 *  - ignore marks (FAN_MARK_IGNORE, evictable, not surviving modification)
 *    are the kernel-side cache: the kernel clears them when data changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "vigild.h"

#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x00000200
#endif
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x00000400
#endif

#define READ_BUF (64 * 1024)

static struct {
	int fd;
	struct vigild_fan_opts o;
	uint64_t mask;            /* events asked for on every mark */
	bool audit;               /* FAN_ENABLE_AUDIT was accepted */
	unsigned ignore_flags;    /* FAN_MARK_IGNORE or the older FAN_MARK_IGNORED_MASK */
	struct vigild_fsinfo fs[VIGILD_MAX_MARKS];
	unsigned nfs;
	atomic_int self[VIGILD_MAX_THREADS]; /* 0: a slot claimed, not yet written */
	atomic_uint nself;
	bool fail_closed;
	atomic_bool draining;      /* stopping: no new work, answer at once */
	bool pre_content;          /* the group is FAN_CLASS_PRE_CONTENT */
} fan = { .fd = -1, .ignore_flags = FAN_MARK_IGNORE };

/* ------------------------------------------------------------ mark targets */

static int mount_id(const char *path, uint64_t *id, struct vigil_error *err)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "mark %s", path);
	if (!(stx.stx_mask & STATX_MNT_ID))
		return vd_fail(err, VIGIL_ERR_UNSUPPORTED, "mark %s: the kernel gives no mount id",
			       path);
	*id = stx.stx_mnt_id;
	return VIGIL_OK;
}

/* fsname from /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNT OPTS ... - FSTYPE ...". */
static void mount_fstype(uint64_t id, char *out, size_t cap)
{
	char line[4096];
	FILE *fp = fopen("/proc/self/mountinfo", "re");

	snprintf(out, cap, "unknown");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *dash = strstr(line, " - ");
		unsigned long long mid;

		if (sscanf(line, "%llu", &mid) == 1 && mid == id && dash) {
			sscanf(dash + 3, "%63s", out);
			break;
		}
	}
	fclose(fp);
}

/* A mark on a path that is not a mount point would cover its whole mount. */
static int check_mount_point(const char *path, uint64_t id, uint64_t root_id,
			     struct vigil_error *err)
{
	char parent[PATH_MAX + 4];
	uint64_t pid;
	int rc;

	if (id == root_id && !fan.o.i_know)
		return vd_fail(err, VIGIL_ERR_INVALID,
			       "mark %s: refusing to mark the root mount (a stalled daemon would "
			       "freeze the whole system); use --i-know to insist", path);
	snprintf(parent, sizeof(parent), "%s/..", path);
	if ((rc = mount_id(parent, &pid, err)) != VIGIL_OK)
		return rc;
	if (pid == id && strcmp(path, "/") != 0)
		return vd_fail(err, VIGIL_ERR_INVALID,
			       "mark %s: not a mount point (a mount mark would cover the whole "
			       "mount that contains it)", path);
	return VIGIL_OK;
}

static int check_filesystem(const char *path, const struct stat *st, struct vigil_error *err)
{
	struct stat root;

	if (stat("/", &root) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "stat /");
	if (st->st_dev == root.st_dev && !fan.o.i_know)
		return vd_fail(err, VIGIL_ERR_INVALID,
			       "mark %s: refusing to mark the root filesystem; use --i-know to "
			       "insist", path);
	return VIGIL_OK;
}

static int describe(const char *path, uint64_t id, struct vigild_fsinfo *fs,
		    struct vigil_error *err)
{
	struct statfs sfs;
	struct stat st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "mark %s", path);
	if (fstat(fd, &st) != 0 || fstatfs(fd, &sfs) != 0) {
		close(fd);
		return vd_fail_errno(err, VIGIL_ERR_IO, "mark %s", path);
	}
	fs->dev = st.st_dev;
	fs->fsmagic = (uint64_t)(unsigned long)sfs.f_type;
	/* No UUID (tmpfs on old kernels) just means fsuuid= never matches. */
	vigil_fs_uuid(fd, fs->fsuuid, NULL);
	close(fd);
	mount_fstype(id, fs->fsname, sizeof(fs->fsname));
	snprintf(fs->mount, sizeof(fs->mount), "%s", path);
	return fan.o.mark_type == MARK_FILESYSTEM ? check_filesystem(path, &st, err) : VIGIL_OK;
}

static int check_target(const char *mark, uint64_t root_id, struct vigil_error *err)
{
	char path[PATH_MAX];
	uint64_t id;
	int rc;

	if (!realpath(mark, path))
		return vd_fail_errno(err, VIGIL_ERR_IO, "mark %s", mark);
	if ((rc = mount_id(path, &id, err)) != VIGIL_OK ||
	    (rc = check_mount_point(path, id, root_id, err)) != VIGIL_OK)
		return rc;
	return describe(path, id, &fan.fs[fan.nfs++], err);
}

int fan_check_targets(const struct vigild_fan_opts *o, struct vigil_error *err)
{
	uint64_t root_id;
	int rc;

	fan.o = *o;
	fan.nfs = 0;
	if (o->nmarks == 0)
		return vd_fail(err, VIGIL_ERR_INVALID, "no 'mark =' in the configuration: nothing "
			       "to watch");
	if ((rc = mount_id("/", &root_id, err)) != VIGIL_OK)
		return rc;
	for (unsigned i = 0; i < o->nmarks; i++)
		if ((rc = check_target(o->marks[i], root_id, err)) != VIGIL_OK)
			return rc;
	return VIGIL_OK;
}

const struct vigild_fsinfo *fan_fsinfo(dev_t dev)
{
	for (unsigned i = 0; i < fan.nfs; i++)
		if (fan.fs[i].dev == dev)
			return &fan.fs[i];
	return NULL;
}

unsigned fan_nfs(void)
{
	return fan.nfs;
}

const struct vigild_fsinfo *fan_fs_at(unsigned i)
{
	return i < fan.nfs ? &fan.fs[i] : NULL;
}

/* ------------------------------------------------------------------- group */

static int open_group(unsigned class, unsigned flags)
{
	const unsigned ev_flags = O_RDONLY | O_LARGEFILE | O_CLOEXEC;
	int fd = -1;

	fan.audit = false;
	if (fan.o.audit) {
		fd = fanotify_init(class | flags | FAN_ENABLE_AUDIT, ev_flags);
		fan.audit = fd >= 0;
	}
	if (fd < 0)
		fd = fanotify_init(class | flags, ev_flags);
	return fd;
}

/*
 * MMAP_CHECK needs the pre-content class (FAN_PRE_ACCESS, Linux 6.14);
 * an older kernel refuses the class, and then the loader's opens stand
 * in for its mappings.
 */
int fan_init(const struct vigild_fan_opts *o, struct vigil_error *err)
{
	unsigned flags = FAN_CLOEXEC | FAN_REPORT_TID;

	fan.o = *o;
	fan.fail_closed = false;
	if (o->unlimited_queue)
		flags |= FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS;
	fan.fd = -1;
	fan.pre_content = false;
	if (o->want_mmap) {
		fan.fd = open_group(FAN_CLASS_PRE_CONTENT, flags);
		fan.pre_content = fan.fd >= 0;
	}
	if (fan.fd < 0)
		fan.fd = open_group(FAN_CLASS_CONTENT, flags);
	if (fan.fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "fanotify_init (needs CAP_SYS_ADMIN)");
	fan.mask = FAN_OPEN_EXEC_PERM | FAN_CLOSE_WRITE | (o->want_open_perm ? FAN_OPEN_PERM : 0);
	return VIGIL_OK;
}

/*
 * A task waiting for a permission answer also holds a reference on every
 * other group with a mark on the same object (the attribute group), and a
 * group's release waits for those references.  When vigild dies, the
 * kernel releases the files of the closed descriptors in reverse order
 * (task_work runs last-in first-out), so the permission group must have
 * the highest descriptor: it is released first and answers its waiters
 * before the attribute group waits for them.  Otherwise a kill -9 leaves
 * the waiters, and vigild's exit, stuck until the waiters are killed.
 */
int fan_raise_fd_above(int other, struct vigil_error *err)
{
	int fd;

	if (other < fan.fd)
		return VIGIL_OK;
	fd = fcntl(fan.fd, F_DUPFD_CLOEXEC, other + 1);
	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot move the fanotify descriptor");
	close(fan.fd);
	fan.fd = fd;
	return VIGIL_OK;
}

void fan_set_fail_closed(bool closed)
{
	fan.fail_closed = closed;
}

bool fan_audit_enabled(void)
{
	return fan.audit;
}

uint64_t fan_event_mask(void)
{
	return fan.mask;
}

bool fan_watches_mmap(void)
{
	return fan.o.want_mmap;
}

const char *fan_mmap_via_name(int via)
{
	switch (via) {
	case MMAP_VIA_PRE_ACCESS: return "mmap(PROT_EXEC) via FAN_PRE_ACCESS";
	case MMAP_VIA_LOADER: return "the dynamic loader's opens via FAN_OPEN_PERM";
	}
	return "not watched";
}

/*
 * Filesystems without pre-content support (tmpfs, or a kernel before
 * 6.14) refuse FAN_PRE_ACCESS; such a mark falls back to the loader's
 * opens for MMAP_CHECK.
 */
static int mark_one(struct vigild_fsinfo *fs, unsigned type, struct vigil_error *err)
{
	fs->mmap_via = fan.o.want_mmap ? MMAP_VIA_LOADER : MMAP_VIA_NONE;
	if (fan.o.want_mmap && fan.pre_content) {
		if (fanotify_mark(fan.fd, FAN_MARK_ADD | type, fan.mask | FAN_PRE_ACCESS, AT_FDCWD,
				  fs->mount) == 0) {
			fs->mmap_via = MMAP_VIA_PRE_ACCESS;
			return VIGIL_OK;
		}
		if (errno != EOPNOTSUPP && errno != EINVAL)
			return vd_fail_errno(err, VIGIL_ERR_IO, "fanotify_mark %s", fs->mount);
	}
	if (fanotify_mark(fan.fd, FAN_MARK_ADD | type, fan.mask, AT_FDCWD, fs->mount) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "fanotify_mark %s", fs->mount);
	return VIGIL_OK;
}

int fan_add_marks(struct vigil_error *err)
{
	unsigned type = fan.o.mark_type == MARK_FILESYSTEM ? FAN_MARK_FILESYSTEM : FAN_MARK_MOUNT;
	int rc;

	for (unsigned i = 0; i < fan.nfs; i++) {
		if ((rc = mark_one(&fan.fs[i], type, err)) != VIGIL_OK)
			return rc;
		if (fan.o.want_mmap)
			vlog(VLOG_INFO, "vigild: MMAP_CHECK on %s (%s): %s", fan.fs[i].mount,
			     fan.fs[i].fsname, fan_mmap_via_name(fan.fs[i].mmap_via));
	}
	return VIGIL_OK;
}

/* Any thread may register at any time: each claims its own slot. */
void fan_register_self(pid_t tid)
{
	unsigned n = atomic_fetch_add(&fan.nself, 1);

	if (n < VIGILD_MAX_THREADS)
		atomic_store(&fan.self[n], (int)tid);
	else
		vlog(VLOG_ERR, "vigild: more than %d threads: thread %d not registered",
		     VIGILD_MAX_THREADS, (int)tid);
}

void fan_unregister_self(pid_t tid)
{
	unsigned n = atomic_load(&fan.nself);

	if (n > VIGILD_MAX_THREADS)
		n = VIGILD_MAX_THREADS;
	for (unsigned i = 0; i < n; i++) {
		int expected = (int)tid;

		if (atomic_compare_exchange_strong(&fan.self[i], &expected, -1))
			return;
	}
}

static bool is_self(pid_t tid)
{
	unsigned n = atomic_load(&fan.nself);

	if (n > VIGILD_MAX_THREADS)
		n = VIGILD_MAX_THREADS;
	for (unsigned i = 0; i < n; i++)
		if (atomic_load(&fan.self[i]) == (int)tid)
			return true;
	return false;
}

void fan_respond(int fd, bool allow, bool audit)
{
	struct fanotify_response r = {
		.fd = fd,
		.response = (allow ? FAN_ALLOW : FAN_DENY) | (audit && fan.audit ? FAN_AUDIT : 0),
	};

	if (write(fan.fd, &r, sizeof(r)) != sizeof(r))
		vlog(VLOG_ERR, "vigild: cannot answer a fanotify event (fd %d): %s", fd,
		     strerror(errno));
}

/* ------------------------------------------------------------ ignore marks */

bool fan_ignore_add(int fd, uint64_t mask)
{
	unsigned flags = FAN_MARK_ADD | FAN_MARK_EVICTABLE | fan.ignore_flags;

	if (fanotify_mark(fan.fd, flags, mask, fd, NULL) == 0)
		return true;
	/* Kernels before 6.0 have only the older spelling. */
	if (errno == EINVAL && fan.ignore_flags == FAN_MARK_IGNORE) {
		fan.ignore_flags = FAN_MARK_IGNORED_MASK;
		return fan_ignore_add(fd, mask);
	}
	vlog(VLOG_DEBUG, "vigild: no ignore mark: %s", strerror(errno));
	return false;
}

/* A content-class group refuses pre-content bits, even in a removal. */
static uint64_t valid_bits(uint64_t mask)
{
	return fan.pre_content ? mask : mask & ~(uint64_t)FAN_PRE_ACCESS;
}

void fan_ignore_remove(int fd, uint64_t mask)
{
	mask = valid_bits(mask);
	if (fanotify_mark(fan.fd, FAN_MARK_REMOVE | fan.ignore_flags, mask, fd, NULL) != 0 &&
	    errno != ENOENT)
		vlog(VLOG_DEBUG, "vigild: cannot remove an ignore mark: %s", strerror(errno));
}

void fan_ignore_remove_path(const char *path)
{
	if (fanotify_mark(fan.fd, FAN_MARK_REMOVE | fan.ignore_flags,
			  valid_bits(VIGILD_PERM_EVENTS), AT_FDCWD, path) != 0 &&
	    errno != ENOENT)
		vlog(VLOG_DEBUG, "vigild: cannot remove an ignore mark: %s", strerror(errno));
}

/* Inode marks are only ever ignore marks here: flushing them forgets them all. */
void fan_ignore_flush(void)
{
	if (fanotify_mark(fan.fd, FAN_MARK_FLUSH, 0, AT_FDCWD, "/") != 0)
		vlog(VLOG_WARN, "vigild: cannot flush ignore marks: %s", strerror(errno));
}

/* ------------------------------------------------------------------ reader */

static void overflow(void)
{
	metrics_inc(M_OVERFLOWS);
	vlog(VLOG_WARN, "vigild: fanotify queue overflow: the kernel dropped events (permission "
	     "events dropped this way are allowed by the kernel)");
}

/*
 * A message at most once a second, with the count since the last one: an
 * event storm must not turn into a log storm on the reader thread.
 */
struct rate_limit {
	time_t last;
	unsigned long since;
};

static bool rate_limited(struct rate_limit *rl, unsigned long *count)
{
	time_t now = time(NULL);

	rl->since++;
	if (now == rl->last)
		return true;
	rl->last = now;
	*count = rl->since;
	rl->since = 0;
	return false;
}

/* The queue is full: answer now; never wait while holding up every open. */
static void overload(const struct fanotify_event_metadata *m)
{
	static struct rate_limit rl;
	unsigned long n;

	metrics_inc(M_QUEUE_FULL);
	if (!rate_limited(&rl, &n))
		vlog(VLOG_WARN, "vigild: work queue full: %s pid %d's access without a decision "
		     "(%lu such events since the last message)",
		     fan.fail_closed ? "denying" : "allowing", m->pid, n);
	fan_respond(m->fd, !fan.fail_closed, true);
	if (fan.fail_closed)
		metrics_inc(M_DENIED);
	close(m->fd);
}

static void dispatch(const struct fanotify_event_metadata *m)
{
	const uint64_t perm = VIGILD_PERM_EVENTS;
	struct vigild_job job = { .fd = m->fd, .tid = m->pid, .mask = m->mask };

	if (m->mask & FAN_Q_OVERFLOW)
		overflow();
	if (m->fd < 0)
		return;
	if ((m->mask & perm) && is_self(m->pid)) {
		fan_respond(m->fd, true, false);
		close(m->fd);
	} else if ((m->mask & perm) && atomic_load(&fan.draining)) {
		/* Shutting down: no new work; answer as the mode wants. */
		fan_respond(m->fd, !fan.fail_closed, fan.fail_closed);
		if (fan.fail_closed)
			metrics_inc(M_DENIED);
		close(m->fd);
	} else if (m->mask & perm) {
		if (!workers_submit(&job))
			overload(m);
	} else {
		/* FAN_CLOSE_WRITE: cheap, no file is opened: done here. */
		process_close_write(m->fd);
		close(m->fd);
	}
}

/*
 * The kernel could not open the event's file for us (no descriptor or
 * memory left): it has already denied that open.  Not a reason to stop,
 * which would let everything through: count it, say so now and then.
 */
static void read_error(int e)
{
	static struct rate_limit rl;
	unsigned long n;

	metrics_inc(M_READ_ERRORS);
	if (!rate_limited(&rl, &n))
		vlog(VLOG_ERR, "vigild: reading fanotify events: %s (%lu such events denied by the "
		     "kernel since the last message)", strerror(e), n);
	/* Give whatever holds the resources a moment; the event is gone anyway. */
	nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
}

static int read_events(void)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	const struct fanotify_event_metadata *m = (const void *)buf;
	ssize_t len = read(fan.fd, buf, sizeof(buf));

	if (len < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
			read_error(errno);
			return 0;
		}
		return -1;
	}
	for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
		if (m->vers != FANOTIFY_METADATA_VERSION) {
			vlog(VLOG_ERR, "vigild: fanotify metadata version %u, expected %u", m->vers,
			     FANOTIFY_METADATA_VERSION);
			return -1;
		}
		dispatch(m);
	}
	return 0;
}

int fan_loop(int signal_fd, int (*on_signal)(void), atomic_bool *stop)
{
	struct pollfd p[3] = {
		{ fan.fd, POLLIN, 0 }, { signal_fd, POLLIN, 0 }, { attrib_fd(), POLLIN, 0 },
	};

	while (!atomic_load(stop)) {
		/* A negative fd (no attribute group) is ignored by poll(). */
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			vlog(VLOG_ERR, "vigild: poll: %s", strerror(errno));
			return -1;
		}
		if ((p[0].revents & POLLIN) && read_events() != 0) {
			vlog(VLOG_ERR, "vigild: reading fanotify events: %s", strerror(errno));
			return -1;
		}
		if (p[2].revents & POLLIN)
			attrib_read();
		if ((p[1].revents & POLLIN) && on_signal() != 0)
			atomic_store(stop, true);
	}
	return 0;
}

/*
 * Shutdown: the workers may still be deciding queued events, and opening
 * files on the marked filesystem while they do; keep answering (their own
 * events at once, everyone else's as the mode wants) until they are gone.
 */
void fan_drain(int wake_fd)
{
	struct pollfd p[2] = { { fan.fd, POLLIN, 0 }, { wake_fd, POLLIN, 0 } };

	atomic_store(&fan.draining, true);
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			vlog(VLOG_ERR, "vigild: poll: %s", strerror(errno));
			return;
		}
		if ((p[0].revents & POLLIN) && read_events() != 0)
			vlog(VLOG_ERR, "vigild: reading fanotify events: %s", strerror(errno));
		if (p[1].revents & POLLIN)
			return;
	}
}

void fan_close(void)
{
	/* Closing the group removes every mark; pending permission events are allowed. */
	if (fan.fd >= 0)
		close(fan.fd);
	fan.fd = -1;
}

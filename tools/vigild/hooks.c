/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a fanotify event to what the kernel's IMA hooks would have been
 * called with: the func, the requested access mask and the subject.
 *
 *  - FAN_OPEN_EXEC_PERM is BPRM_CHECK (execve of a binary, its ELF
 *    interpreter, a #! script and its interpreter).
 *  - FAN_OPEN_PERM is FILE_CHECK.  The open's flags are not in the event
 *    (the event fd carries the listener's own flags), so they are read
 *    from /proc/TID/syscall while the opener is blocked in the syscall.
 *    The FAN_OPEN_PERM that follows every FAN_OPEN_EXEC_PERM shows
 *    execve there: the kernel's do_open() calls the FILE_CHECK hook for
 *    execve's open too, with MAY_EXEC, so it is a FILE_CHECK of MAY_EXEC.
 *  - FAN_PRE_ACCESS (pre-content groups) comes before every read and
 *    mapping of the file's data.  Only a mapping with PROT_EXEC is an
 *    MMAP_CHECK: /proc/TID/syscall shows mmap and its prot; the kernel's
 *    own mappings of a binary and its interpreter show execve, and are
 *    exec mappings too.  Everything else is a plain data access.
 *  - Where a filesystem has no pre-content events, a read-only open made
 *    by code of the dynamic loader (its instruction pointer in ld.so) is
 *    the loader mapping a shared object: FILE_CHECK, then MMAP_CHECK.
 *  - The subject's ids come from /proc/TID/status, read only when the
 *    policy has uid/euid/gid/egid conditions for the func.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "vigild.h"

#define CAP_SETGID_BIT 6
#define CAP_SETUID_BIT 7
#define DELETED_SUFFIX " (deleted)"

static ssize_t read_proc(pid_t tid, const char *what, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The kernel's ACC_MODE plus O_TRUNC and O_APPEND, as build_open_flags(). */
static unsigned mask_of_flags(uint64_t flags)
{
	static const unsigned acc[4] = {
		VIGIL_MAY_READ, VIGIL_MAY_WRITE, VIGIL_MAY_READ | VIGIL_MAY_WRITE,
		VIGIL_MAY_READ | VIGIL_MAY_WRITE,
	};
	unsigned mask = acc[flags & O_ACCMODE];

	if (flags & O_TRUNC)
		mask |= VIGIL_MAY_WRITE;
	if (flags & O_APPEND)
		mask |= VIGIL_MAY_APPEND;
	return mask;
}

/* openat2's flags live in the caller's struct open_how: read its first field. */
static bool openat2_flags(pid_t tid, uint64_t how, uint64_t *flags)
{
	struct iovec local = { flags, sizeof(*flags) };
	struct iovec remote = { (void *)(uintptr_t)how, sizeof(*flags) };

	return process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof(*flags);
}

/* "NR a0 a1 a2 a3 a4 a5 sp pc" from /proc/TID/syscall while the thread is blocked. */
struct syscall_state {
	long nr;
	unsigned long long a[6];
	unsigned long long pc;
};

/*
 * The event can reach vigild a moment before its thread is asleep, and
 * /proc/TID/syscall then says "running": ask again for up to ~100 ms.
 */
static bool read_syscall(pid_t tid, struct syscall_state *sc)
{
	char text[256];
	unsigned long long sp;

	memset(sc, 0, sizeof(*sc));
	for (int attempt = 0; attempt < 120; attempt++) {
		if (read_proc(tid, "syscall", text, sizeof(text)) <= 0)
			return false;
		if (strncmp(text, "running", 7) != 0)
			return sscanf(text, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", &sc->nr,
				      &sc->a[0], &sc->a[1], &sc->a[2], &sc->a[3], &sc->a[4],
				      &sc->a[5], &sp, &sc->pc) >= 1;
		if (attempt < 20)
			sched_yield();
		else
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return false;
}

/* Decodes the open's flags from the syscall the opener is blocked in. */
static bool syscall_flags(pid_t tid, const struct syscall_state *sc, uint64_t *flags, bool *exec)
{
	const unsigned long long *a = sc->a;
	long nr = sc->nr;

	*exec = false;
	switch (nr) {
	case SYS_execve:
	case SYS_execveat: *exec = true; return true;
	case SYS_openat:
	case SYS_open_by_handle_at: *flags = a[2]; return true;
#ifdef SYS_open
	case SYS_open: *flags = a[1]; return true;
#endif
#ifdef SYS_creat
	case SYS_creat: *flags = O_CREAT | O_WRONLY | O_TRUNC; return true;
#endif
#ifdef SYS_openat2
	case SYS_openat2: return openat2_flags(tid, a[2], flags);
#endif
	}
	return false;
}

/* Is pc inside a mapping of the dynamic loader (ld-linux*.so*, ld-*.so*)? */
static bool pc_in_loader(pid_t tid, unsigned long long pc)
{
	char path[64], line[512];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
	if (!(fp = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		unsigned long long lo, hi;
		const char *name = strrchr(line, '/');

		if (sscanf(line, "%llx-%llx", &lo, &hi) != 2 || pc < lo || pc >= hi)
			continue;
		found = name && !strncmp(name, "/ld-", 4) && strstr(name, ".so");
		break;
	}
	fclose(fp);
	return found;
}

static void classify_open(struct vigild_event *ev, bool loader_fallback)
{
	struct syscall_state sc;
	uint64_t flags = O_RDONLY;
	bool exec = false;

	ev->func = VIGIL_FUNC_FILE_CHECK;
	ev->mask = VIGIL_MAY_READ;
	/*
	 * io_uring, 32-bit syscalls and openers vigild cannot look at show no
	 * open it knows: a read, and on a loader-fallback mark possibly the
	 * loader's (deciding MMAP_CHECK too errs on the safe side).
	 */
	if (!read_syscall(ev->tid, &sc) || !syscall_flags(ev->tid, &sc, &flags, &exec)) {
		vlog(VLOG_DEBUG, "vigild: open by tid %d: flags unknown, taken as a read", ev->tid);
		ev->loader_map = loader_fallback;
		return;
	}
	ev->mask = exec ? VIGIL_MAY_EXEC : mask_of_flags(flags);
	ev->created = (flags & O_CREAT) && ev->st.st_size == 0;
	ev->loader_map = loader_fallback && !exec && ev->mask == VIGIL_MAY_READ &&
			 pc_in_loader(ev->tid, sc.pc);
}

/* Native syscalls that move data and never map it; the rest may be an exec mapping. */
static bool data_syscall(long nr)
{
	switch (nr) {
	case -1: /* no syscall: a page fault, an io_uring worker */
	case SYS_read: case SYS_pread64: case SYS_readv: case SYS_preadv: case SYS_preadv2:
	case SYS_write: case SYS_pwrite64: case SYS_writev: case SYS_pwritev: case SYS_pwritev2:
	case SYS_sendfile: case SYS_splice: case SYS_tee: case SYS_copy_file_range:
	case SYS_truncate: case SYS_ftruncate: case SYS_fallocate:
		return true;
	}
	return false;
}

/* READ_IMPLIES_EXEC: the kernel turns PROT_READ into PROT_EXEC, and checks that. */
static bool read_implies_exec(pid_t tid)
{
	char text[32];
	unsigned long persona;

	if (read_proc(tid, "personality", text, sizeof(text)) <= 0 ||
	    sscanf(text, "%lx", &persona) != 1)
		return true; /* unknown: the safe side */
	return persona & READ_IMPLIES_EXEC;
}

/* During execve the kernel reads every file's header but maps only ELF ones. */
static bool is_elf(int fd)
{
	unsigned char magic[4];

	return pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	       !memcmp(magic, "\177ELF", 4);
}

/* A FAN_PRE_ACCESS: an exec mapping is MMAP_CHECK, anything else plain data. */
static void classify_access(struct vigild_event *ev)
{
	struct syscall_state sc;

	ev->func = VIGIL_FUNC_MMAP_CHECK;
	ev->mask = VIGIL_MAY_EXEC;
	/*
	 * Nothing to look at (an opener in another pid namespace shows as 0,
	 * or it died meanwhile): decide it as the exec mapping it may be.
	 */
	if (!read_syscall(ev->tid, &sc))
		return;
	switch (sc.nr) {
	case SYS_execve:
	case SYS_execveat: ev->data_access = !is_elf(ev->fd); return;
	case SYS_mmap:
		ev->data_access = !(sc.a[2] & PROT_EXEC) &&
				  !((sc.a[2] & PROT_READ) && read_implies_exec(ev->tid));
		return;
	}
	/* 32-bit (int $0x80) syscalls have other numbers: only known data syscalls pass. */
	ev->data_access = data_syscall(sc.nr);
}

static void fd_path(struct vigild_event *ev)
{
	char link[64];
	ssize_t n;
	size_t len, slen = strlen(DELETED_SUFFIX);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", ev->fd);
	n = readlink(link, ev->path, sizeof(ev->path) - 1);
	if (n < 0) {
		snprintf(ev->path, sizeof(ev->path), "(unknown)");
		return;
	}
	ev->path[n] = '\0';
	len = (size_t)n;
	/* The kernel names an unlinked file by its old path. */
	if (ev->st.st_nlink == 0 && len > slen && !strcmp(ev->path + len - slen, DELETED_SUFFIX))
		ev->path[len - slen] = '\0';
}

static bool parse_ids(const char *text, const char *key, uint32_t *r, uint32_t *e, uint32_t *s)
{
	const char *p = strstr(text, key);

	return p && sscanf(p + strlen(key), "%" SCNu32 " %" SCNu32 " %" SCNu32, r, e, s) == 3;
}

/* Unknown subjects (the opener already died) match no uid/gid condition. */
static void read_subject(struct vigild_event *ev)
{
	char text[4096];
	unsigned long long caps = 0;
	const char *p;

	ev->uid = ev->euid = ev->suid = ev->gid = ev->egid = ev->sgid = UINT32_MAX;
	if (read_proc(ev->tid, "status", text, sizeof(text)) <= 0)
		return;
	if (!parse_ids(text, "\nUid:", &ev->uid, &ev->euid, &ev->suid))
		ev->uid = ev->euid = ev->suid = UINT32_MAX;
	if (!parse_ids(text, "\nGid:", &ev->gid, &ev->egid, &ev->sgid))
		ev->gid = ev->egid = ev->sgid = UINT32_MAX;
	if ((p = strstr(text, "\nCapEff:")) && sscanf(p + 8, "%llx", &caps) == 1) {
		ev->cap_setuid = caps & (1ull << CAP_SETUID_BIT);
		ev->cap_setgid = caps & (1ull << CAP_SETGID_BIT);
	}
}

/* A filesystem reached through a mark but with its own device (btrfs subvolumes). */
static const struct vigild_fsinfo *fs_of(struct vigild_event *ev)
{
	const struct vigild_fsinfo *fs = fan_fsinfo(ev->st.st_dev);
	struct statfs sfs;

	if (fs)
		return fs;
	memset(&ev->fs_local, 0, sizeof(ev->fs_local));
	ev->fs_local.dev = ev->st.st_dev;
	if (fstatfs(ev->fd, &sfs) == 0)
		ev->fs_local.fsmagic = (uint64_t)(unsigned long)sfs.f_type;
	vigil_fs_uuid(ev->fd, ev->fs_local.fsuuid, NULL);
	/* Which mark it came through is unknown: the loader's opens count too (the safe side). */
	ev->fs_local.mmap_via = fan_watches_mmap() ? MMAP_VIA_LOADER : MMAP_VIA_NONE;
	return &ev->fs_local;
}

int hooks_classify(struct vigild_event *ev, uint64_t fan_mask, const struct vigild_rules *r,
		   struct vigil_error *err)
{
	if (fstat(ev->fd, &ev->st) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "fstat of the event's file");
	ev->fs = fs_of(ev);
	if (fan_mask & FAN_OPEN_EXEC_PERM) {
		ev->func = VIGIL_FUNC_BPRM_CHECK;
		ev->mask = VIGIL_MAY_EXEC;
		ev->fan_mask = FAN_OPEN_EXEC_PERM;
	} else if (fan_mask & FAN_PRE_ACCESS) {
		classify_access(ev);
		ev->fan_mask = FAN_PRE_ACCESS;
	} else {
		classify_open(ev, ev->fs->mmap_via == MMAP_VIA_LOADER && S_ISREG(ev->st.st_mode));
		ev->fan_mask = FAN_OPEN_PERM;
	}
	ev->vfunc = vfunc_of(ev->func);
	if (!S_ISREG(ev->st.st_mode))
		return VIGIL_OK;
	fd_path(ev);
	if (r->needs_subject[ev->vfunc])
		read_subject(ev);
	return VIGIL_OK;
}

const char *hooks_comm(struct vigild_event *ev)
{
	if (!ev->comm[0] && read_proc(ev->tid, "comm", ev->comm, sizeof(ev->comm)) > 0)
		ev->comm[strcspn(ev->comm, "\n")] = '\0';
	if (!ev->comm[0])
		snprintf(ev->comm, sizeof(ev->comm), "?");
	return ev->comm;
}

void hooks_access(const struct vigild_event *ev, const struct vigild_rules *r,
		  struct vigil_policy_access *a)
{
	memset(a, 0, sizeof(*a));
	a->func = ev->func;
	a->mask = ev->mask;
	a->fsmagic = ev->fs->fsmagic;
	memcpy(a->fsuuid, ev->fs->fsuuid, sizeof(a->fsuuid));
	a->fsname = ev->fs->fsname[0] ? vigil_policy_intern(r->policy, ev->fs->fsname)
				      : VIGIL_POLICY_UNKNOWN_STRING;
	a->fowner = ev->st.st_uid;
	a->fgroup = ev->st.st_gid;
	a->uid = ev->uid;
	a->euid = ev->euid;
	a->suid = ev->suid;
	a->gid = ev->gid;
	a->egid = ev->egid;
	a->sgid = ev->sgid;
	a->cap_setuid = ev->cap_setuid;
	a->cap_setgid = ev->cap_setgid;
}

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
 *    execve there, and is not a FILE_CHECK (the kernel calls no
 *    ima_file_check for exec opens).
 *  - The subject's ids come from /proc/TID/status, read only when the
 *    policy has uid/euid/gid/egid conditions for the func.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
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

/* Decodes "NR a0 a1 a2 ..." from /proc/TID/syscall into the open's flags. */
static bool syscall_flags(pid_t tid, const char *text, uint64_t *flags, bool *exec)
{
	unsigned long long a[6] = { 0 };
	long nr;

	*exec = false;
	if (sscanf(text, "%ld %llx %llx %llx %llx", &nr, &a[0], &a[1], &a[2], &a[3]) < 1)
		return false;
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

static void classify_open(struct vigild_event *ev)
{
	char text[256];
	uint64_t flags = O_RDONLY;
	bool exec = false;

	ev->func = VIGIL_FUNC_FILE_CHECK;
	ev->mask = VIGIL_MAY_READ;
	/* io_uring and other paths show no open syscall: counted as a read. */
	if (read_proc(ev->tid, "syscall", text, sizeof(text)) <= 0 ||
	    !syscall_flags(ev->tid, text, &flags, &exec)) {
		vlog(VLOG_DEBUG, "vigild: open by tid %d: flags unknown, taken as a read", ev->tid);
		return;
	}
	ev->exec_companion = exec;
	ev->mask = mask_of_flags(flags);
	ev->created = (flags & O_CREAT) && ev->st.st_size == 0;
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
	return &ev->fs_local;
}

int hooks_classify(struct vigild_event *ev, uint64_t fan_mask, const struct vigild_rules *r,
		   struct vigil_error *err)
{
	if (fstat(ev->fd, &ev->st) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "fstat of the event's file");
	if (fan_mask & FAN_OPEN_EXEC_PERM) {
		ev->func = VIGIL_FUNC_BPRM_CHECK;
		ev->mask = VIGIL_MAY_EXEC;
		ev->fan_mask = FAN_OPEN_EXEC_PERM;
	} else {
		classify_open(ev);
		ev->fan_mask = FAN_OPEN_PERM;
	}
	ev->vfunc = vfunc_of(ev->func);
	if (ev->exec_companion || !S_ISREG(ev->st.st_mode))
		return VIGIL_OK;
	ev->fs = fs_of(ev);
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

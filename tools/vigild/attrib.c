/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Attribute changes.  The kernel keeps ignore marks when security.ima or
 * security.evm is set or removed (runtime.md), so a file whose decision is
 * cached in the kernel would not be appraised again after a relabel, where
 * the kernel's IMA resets its appraisal flags.  A second group, of the
 * notification class (FAN_ATTRIB needs FAN_REPORT_FID, which the
 * permission classes cannot have), reports every attribute change on the
 * marked filesystems; vigild then drops the file's ignore marks, and the
 * changed ctime makes the cache appraise it again at the next open.
 *
 * Everything here is safe on the reader thread: an O_PATH open by handle
 * and a mark removal by /proc/self/fd path raise no permission event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "vigild.h"

#define READ_BUF (16 * 1024)

struct watched {
	__kernel_fsid_t fsid;
	int mount_fd; /* open_by_handle_at() needs a file on the filesystem */
};

static struct {
	int fd;
	struct watched fs[VIGILD_MAX_MARKS];
	unsigned nfs;
} at = { .fd = -1 };

static int watch(const struct vigild_fsinfo *info, struct vigil_error *err)
{
	struct watched *w = &at.fs[at.nfs];
	struct statfs sfs;

	w->mount_fd = open(info->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->mount_fd < 0 || fstatfs(w->mount_fd, &sfs) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "attribute watch on %s", info->mount);
	memcpy(&w->fsid, &sfs.f_fsid, sizeof(w->fsid));
	at.nfs++;
	return VIGIL_OK;
}

/* Before the permission marks: the group and the mount fds are opened here. */
int attrib_init(struct vigil_error *err)
{
	int rc;

	at.fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_CLOEXEC | FAN_NONBLOCK,
			      O_RDONLY | O_CLOEXEC);
	if (at.fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "fanotify_init for attribute changes");
	for (unsigned i = 0; i < fan_nfs(); i++)
		if ((rc = watch(fan_fs_at(i), err)) != VIGIL_OK)
			return rc;
	return VIGIL_OK;
}

/* Whole filesystems: FAN_ATTRIB cannot be asked for on a mount mark. */
int attrib_add_marks(struct vigil_error *err)
{
	for (unsigned i = 0; i < fan_nfs(); i++)
		if (fanotify_mark(at.fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_ATTRIB, AT_FDCWD,
				  fan_fs_at(i)->mount) != 0)
			return vd_fail_errno(err, VIGIL_ERR_IO, "fanotify_mark FAN_ATTRIB %s",
					     fan_fs_at(i)->mount);
	return VIGIL_OK;
}

int attrib_fd(void)
{
	return at.fd;
}

static int mount_fd_of(const __kernel_fsid_t *fsid)
{
	for (unsigned i = 0; i < at.nfs; i++)
		if (!memcmp(&at.fs[i].fsid, fsid, sizeof(*fsid)))
			return at.fs[i].mount_fd;
	return -1;
}

static void changed(const struct fanotify_event_info_fid *fid)
{
	struct file_handle *fh = (struct file_handle *)fid->handle;
	int mfd = mount_fd_of(&fid->fsid), fd;
	char path[64];

	if (mfd < 0)
		return;
	fd = open_by_handle_at(mfd, fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return; /* deleted meanwhile: its marks went with it */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fan_ignore_remove_path(path);
	close(fd);
}

static void event(const struct fanotify_event_metadata *m)
{
	const struct fanotify_event_info_header *h = (const void *)(m + 1);

	if (m->mask & FAN_Q_OVERFLOW) {
		/* Some change may be lost: forget every cached decision. */
		vlog(VLOG_WARN, "vigild: attribute events overflowed: dropping all ignore marks");
		fan_ignore_flush();
		return;
	}
	if (m->event_len >= sizeof(*m) + sizeof(*h) && h->info_type == FAN_EVENT_INFO_TYPE_FID)
		changed((const struct fanotify_event_info_fid *)h);
}

void attrib_read(void)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	const struct fanotify_event_metadata *m = (const void *)buf;
	ssize_t len = read(at.fd, buf, sizeof(buf));

	for (; len > 0 && FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len))
		event(m);
}

void attrib_close(void)
{
	for (unsigned i = 0; i < at.nfs; i++)
		close(at.fs[i].mount_fd);
	at.nfs = 0;
	if (at.fd >= 0)
		close(at.fd);
	at.fd = -1;
}
